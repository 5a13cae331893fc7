/* tests/render/test_render.c: maps on a hand-built district, checked pixel by pixel — the hot
 * spot is where the incidents are, the legend ends at the raster's maximum, the PDF keeps its
 * text as text, a failed render leaves no file behind.
 *
 * The district: one community K = [0,600] x [0,400] (offset by X0, Y0 in EPSG:4549) with four
 * buildings; 60 incidents at H = (450, 300), 20 spread along y = 100. */
#include "support_engine.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TCase *tcase_render(void);

#define X0 500000.0
#define Y0 3450000.0
#define HX 450.0
#define HY 300.0

static void square(char *buf, size_t n, double x0, double y0, double x1, double y1)
{
    snprintf(buf, n, "\"POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))\"", X0 + x0,
             Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0, Y0 + y0);
}

static wg_ws *district(void)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "k.wangge"), "EPSG:4549", &ws));
    char g[256], text[4096];
    square(g, sizeof g, 0, 0, 600, 400);
    snprintf(text, sizeof text, "id,name,wkt\nK,和平社区,%s\n", g);
    t_import(ws, "communities", "comm.csv", text);
    int k = snprintf(text, sizeof text, "id,households,community,kind,wkt\n");
    for (int i = 0; i < 4; i++) {
        square(g, sizeof g, 50 + 140 * i, 150, 150 + 140 * i, 250);
        k += snprintf(text + k, sizeof text - (size_t)k, "U%d,%d,K,building,%s\n", i, 100 + 20 * i,
                      g);
    }
    t_import(ws, "units", "units.csv", text);
    static char inc[8192];
    k = snprintf(inc, sizeof inc, "id,category,reported,x,y\n");
    for (int i = 0; i < 60; i++) /* the hot spot: a tight cluster */
        k += snprintf(inc + k, sizeof inc - (size_t)k,
                      "H%d,noise,2025-03-%02dT10:00:00Z,%.2f,%.2f\n", i, 1 + i % 28,
                      X0 + HX + (i % 5) - 2, Y0 + HY + (i / 5 % 5) - 2);
    for (int i = 0; i < 20; i++) /* a thin line of others */
        k += snprintf(inc + k, sizeof inc - (size_t)k,
                      "S%d,litter,2025-03-%02dT10:00:00Z,%.2f,%.2f\n", i, 1 + i, X0 + 20 + 25 * i,
                      Y0 + 100);
    t_import(ws, "incidents", "inc.csv", inc);
    return ws;
}

static cairo_surface_t *png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_msg(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "%s: not a PNG", path);
    return s;
}

/* The pixel at (x, y) as 0xRRGGBB (the map is opaque). */
static unsigned pixel(cairo_surface_t *s, double x, double y)
{
    int stride = cairo_image_surface_get_stride(s);
    const uint32_t *row =
        (const uint32_t *)(const void *)(cairo_image_surface_get_data(s) + stride * (int)y);
    return row[(int)x] & 0xffffff;
}

static double lum(unsigned c)
{
    return 0.2126 * ((c >> 16) & 255) + 0.7152 * ((c >> 8) & 255) + 0.0722 * (c & 255);
}

START_TEST(heatmap_hot_spot_where_the_incidents_are)
{
    wg_ws *ws = district();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.width = 800;
    o.height = 600;
    o.radius_m = 60;
    wg_render_info info;
    const char *out = t_path(t_dir, "heat.png");
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, out, &info));
    /* the densest pixel lies at the cluster, within a pixel and the cluster's own spread */
    double tol = 3 + 1.5 / info.scale * 2;
    ck_assert_msg(fabs(info.hot_x - (X0 + HX)) < tol && fabs(info.hot_y - (Y0 + HY)) < tol,
                  "hot spot at %.1f, %.1f", info.hot_x - X0, info.hot_y - Y0);
    ck_assert_uint_eq(info.points, 80);
    /* the legend's last bound is the raster's maximum, and the first is zero */
    ck_assert(info.nbreaks >= 3);
    ck_assert_double_eq(info.breaks[info.nbreaks - 1], info.value_max);
    ck_assert_double_eq(info.breaks[0], 0);
    /* a peak of 60 points under a 60 m quartic: about 60 * 3 / (pi 0.06²) per km² */
    double peak = 60 * 3 / (M_PI * 0.06 * 0.06);
    ck_assert_msg(info.value_max > 0.8 * peak && info.value_max < 1.05 * peak + 2000,
                  "max %.0f, expected about %.0f", info.value_max, peak);
    /* on the page: the hot spot is darker than the quiet north-west corner of the district */
    cairo_surface_t *s = png(out);
    ck_assert_int_eq(cairo_image_surface_get_width(s), 800);
    double qx = info.frame[0] + info.frame[2] * 0.1, qy = info.frame[1] + info.frame[3] * 0.1;
    unsigned hot = pixel(s, info.hot_px, info.hot_py), quiet = pixel(s, qx, qy);
    ck_assert_msg(lum(hot) < lum(quiet) - 80, "hot %06x vs quiet %06x", hot, quiet);
    /* the darkest class is the one at the hot spot: magma's dark purple, not grey */
    ck_assert_msg(((hot >> 16) & 255) > (hot & 255) / 2 && lum(hot) < 90, "hot %06x", hot);
    cairo_surface_destroy(s);
    wg_ws_close(ws);
}
END_TEST

START_TEST(heatmap_period_and_category_filter)
{
    wg_ws *ws = district();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.width = 400;
    o.height = 300;
    const char *cats[] = {"litter"};
    o.categories = cats;
    o.ncategories = 1;
    wg_render_info info;
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, t_path(t_dir, "l.png"), &info));
    ck_assert_uint_eq(info.points, 20);
    ck_assert_msg(fabs(info.hot_y - (Y0 + 100)) < 30, "litter lies along y = 100");
    /* March 1-5 (UTC): 5 of the litter line, and the cluster's incidents on days 1-5: i % 28
     * in 0..4 for i < 60, so i in 0-4, 28-32 and 56-59 (14) */
    wg_render_opts_init(&o);
    o.width = 400;
    o.height = 300;
    o.from = 1740787200;           /* 2025-03-01 */
    o.to = 1740787200 + 5 * 86400; /* 2025-03-06 */
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, t_path(t_dir, "p.png"), &info));
    ck_assert_uint_eq(info.points, 5 + 14);
    wg_ws_close(ws);
}
END_TEST

START_TEST(plan_map_legend_and_vector_pdf)
{
    wg_ws *ws = district();
    wg_part_opts po = {.target = 200, .min = 150, .max = 250, .seed = 1};
    wg_part_summary ps;
    T_OK(t_ctx, wg_partition(ws, &po, &ps));
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_render_info info;
    const char *pdf = t_path(t_dir, "plan.pdf");
    T_OK(t_ctx, wg_render(ws, WG_MAP_PLAN, &o, pdf, &info));
    ck_assert_uint_eq(info.features, ps.cells);
    ck_assert_double_eq_tol(info.width, 841.89, 0.01); /* A4 landscape in points */
    /* the breaks bracket the range: min - 0.5 and max + 0.5 are bounds */
    ck_assert_double_eq(info.breaks[1], 149.5);
    ck_assert_double_eq(info.breaks[4], 250.5);
    /* text stays text: the title, a cell code and the community's name are in the PDF */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftotext %s %s", pdf, t_path(t_dir, "plan.txt"));
    ck_assert_int_eq(t_sh("%s", cmd), 0);
    char *txt = t_read(t_path(t_dir, "plan.txt"), NULL);
    ck_assert_ptr_nonnull(txt);
    ck_assert_ptr_nonnull(strstr(txt, "Grid plan"));
    ck_assert_ptr_nonnull(strstr(txt, "和平社区"));
    ck_assert_ptr_nonnull(strstr(txt, "EPSG:4549"));
    free(txt);
    /* and no raster: cells and lines are vector */
    ck_assert_int_eq(t_sh("test $(pdfimages -list %s | tail -n +3 | wc -l) -eq 0", pdf), 0);
    /* the heatmap PDF embeds exactly one image, its raster (with its alpha as a soft mask) */
    const char *hpdf = t_path(t_dir, "heat.pdf");
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, hpdf, &info));
    ck_assert_int_eq(
        t_sh("test $(pdfimages -list %s | tail -n +3 | awk '$3 == \"image\"' | wc -l) -eq 1", hpdf),
        0);
    wg_ws_close(ws);
}
END_TEST

START_TEST(failed_render_leaves_the_old_file)
{
    wg_ws *ws = district();
    const char *out = t_path(t_dir, "map.png");
    t_write(out, "an older map");
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.plan = "nonesuch";
    ck_assert_int_eq(wg_render(ws, WG_MAP_PLAN, &o, out, NULL), WG_EINPUT);
    ck_assert_ptr_nonnull(strstr(wg_ctx_errmsg(t_ctx), "nonesuch"));
    wg_ctx_clear(t_ctx);
    /* a workspace without a plan cannot draw one, and says why */
    wg_render_opts_init(&o);
    ck_assert_int_eq(wg_render(ws, WG_MAP_WORKLOAD, &o, out, NULL), WG_EINPUT);
    ck_assert_ptr_nonnull(strstr(wg_ctx_errmsg(t_ctx), "partition"));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_render(ws, WG_MAP_PLAN, &o, t_path(t_dir, "map.jpg"), NULL), WG_EINPUT);
    wg_ctx_clear(t_ctx);
    o.paper = "B7";
    ck_assert_int_eq(wg_render(ws, WG_MAP_PLAN, &o, t_path(t_dir, "m.pdf"), NULL), WG_EINPUT);
    ck_assert_ptr_nonnull(strstr(wg_ctx_errmsg(t_ctx), "B7"));
    wg_ctx_clear(t_ctx);
    size_t n = 0;
    char *old = t_read(out, &n);
    ck_assert_str_eq(old, "an older map");
    free(old);
    /* nothing else was left in the folder: no temporary files */
    ck_assert_int_eq(t_sh("test $(ls %s | grep -c tmp) -eq 0", t_dir), 0);
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_render(void)
{
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, heatmap_hot_spot_where_the_incidents_are);
    tcase_add_test(tc, heatmap_period_and_category_filter);
    tcase_add_test(tc, plan_map_legend_and_vector_pdf);
    tcase_add_test(tc, failed_render_leaves_the_old_file);
    return tc;
}
