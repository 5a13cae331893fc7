/* tests/render/test_geotiff.c: the heatmap's GeoTIFF on the small sample city holds the numbers
 * its map is drawn from — the same grid, the legend's breaks, the maximum, the footprint drawn
 * on the PNG — and its mass is the incidents counted; options a raster cannot take are refused
 * by name. */
#include "support_engine.h"
#include "wg/raster.h"
#include "wg/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_geotiff(void);

static char *g_dir; /* the demo city, made once for the test case */

static void city_setup(void)
{
    g_dir = t_tmpdir();
    if (t_sh("%s --quiet demo -o %s/demo > %s/demo.log 2>&1", WG_CLI, g_dir, g_dir) != 0) {
        fprintf(stderr, "wangge demo failed: see %s/demo.log\n", g_dir);
        abort();
    }
}

static void city_teardown(void)
{
    t_rmtree(g_dir);
    free(g_dir);
}

static wg_ws *city(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/demo/city.wangge", g_dir);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, path, &ws));
    return ws;
}

static const uint32_t *pixel_at(cairo_surface_t *s, int x, int y)
{
    return (const uint32_t *)(const void *)(cairo_image_surface_get_data(s) +
                                            cairo_image_surface_get_stride(s) * y) +
           x;
}

/* Whether the 5 x 5 raster pixels around (c, r) all have density (1), none has (0), or some
 * have (-1: an edge, where the PNG's resampling may go either way). */
static int around(const wg_raster_file *f, long c, long r)
{
    int any = 0, all = 1;
    for (long dr = -2; dr <= 2; dr++)
        for (long dc = -2; dc <= 2; dc++) {
            long cc = c + dc, rr = r + dr;
            bool in = cc >= 0 && rr >= 0 && (size_t)cc < f->grid.cols && (size_t)rr < f->grid.rows;
            bool nz = in && f->values[(size_t)rr * f->grid.cols + (size_t)cc] > 0;
            any |= nz;
            all &= nz;
        }
    return all ? 1 : any ? -1 : 0;
}

START_TEST(tif_holds_the_maps_numbers)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.width = 800;
    o.height = 600;
    o.radius_m = 40;
    o.pixel_m = 5; /* about one screen pixel */
    wg_render_info map, ghost, tif;
    const char *png = t_path(t_dir, "heat.png"), *faint = t_path(t_dir, "faint.png");
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, png, &map));
    /* the same map with the heat all but invisible (its alpha rounds to 0): the basemap alone */
    o.opacity = 1e-6;
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, faint, &ghost));
    /* the raster over the very area of the map's frame */
    wg_render_opts r = o;
    r.width = r.height = 0;
    r.opacity = 0;
    r.bbox = map.view;
    const char *out = t_path(t_dir, "heat.tif");
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &r, out, &tif));
    wg_raster_file f;
    T_OK(t_ctx, wg_raster_read(t_ctx, out, &f));

    /* the same grid, incidents and footprint as the map's raster */
    ck_assert_double_eq(f.grid.xmin, map.grid.xmin);
    ck_assert_double_eq(f.grid.ymax, map.grid.ymax);
    ck_assert_double_eq(f.grid.px, map.grid.px);
    ck_assert_double_eq(f.grid.py, map.grid.py);
    ck_assert_uint_eq(f.grid.cols, map.grid.cols);
    ck_assert_uint_eq(f.grid.rows, map.grid.rows);
    /* its pixels sit on the CRS's 5 m lattice */
    ck_assert_double_eq(fmod(f.grid.xmin, 5), 0);
    ck_assert_double_eq(fmod(f.grid.ymax, 5), 0);
    ck_assert_uint_eq(tif.points, map.points);
    ck_assert_str_eq(wg_raster_file_item(&f, "incidents"), "20000");
    size_t npix = f.grid.cols * f.grid.rows, nz = 0;
    double mx = 0, sum = 0;
    for (size_t i = 0; i < npix; i++) {
        nz += f.values[i] > 0;
        mx = fmax(mx, f.values[i]);
        sum += f.values[i];
    }
    ck_assert_uint_eq(nz, map.nonzero);
    ck_assert(nz > npix / 10 && nz < npix); /* a footprint, not all or nothing */

    /* its maximum is the legend's top break, and its breaks are the legend's, to the bit */
    ck_assert_double_eq(mx, map.breaks[map.nbreaks - 1]);
    ck_assert_double_eq(mx, map.value_max);
    const char *b = wg_raster_file_item(&f, "class_breaks");
    ck_assert_ptr_nonnull(b);
    size_t nb = 0;
    for (char *end = NULL; *b; b = *end ? end + 1 : end, nb++) {
        double v = strtod(b, &end);
        ck_assert_msg(nb < map.nbreaks && v == map.breaks[nb], "break %zu: %.17g", nb, v);
    }
    ck_assert_uint_eq(nb, map.nbreaks);

    /* mass: incidents per km² times km² per pixel, summed, is the incidents counted. Only the
     * kernels of incidents within the radius of the raster's edge could lose mass outside it;
     * the map's area is the city padded by 3% (about 90 m), wider than the 40 m radius, so
     * nothing is lost but rounding (1e-9 of the total) */
    double mass = sum * f.grid.px * f.grid.py / 1e6;
    ck_assert_msg(fabs(mass - (double)map.points) < 1e-9 * (double)map.points,
                  "mass %.9f for %zu incidents", mass, map.points);

    /* the footprint on the PNG: where the raster has density all around, the map differs from
     * the bare basemap; where it has none around, the map is the bare basemap, pixel for pixel
     * (labels drawn over the heat may hide it in a few places) */
    cairo_surface_t *a = cairo_image_surface_create_from_png(png),
                    *g = cairo_image_surface_create_from_png(faint);
    ck_assert(cairo_surface_status(a) == CAIRO_STATUS_SUCCESS &&
              cairo_surface_status(g) == CAIRO_STATUS_SUCCESS);
    size_t hot = 0, hot_same = 0, cold = 0, cold_diff = 0;
    const double *fr = map.frame;
    for (int y = (int)ceil(fr[1]) + 1; y < (int)(fr[1] + fr[3]) - 1; y++)
        for (int x = (int)ceil(fr[0]) + 1; x < (int)(fr[0] + fr[2]) - 1; x++) {
            double wx = map.view[0] + (x + 0.5 - fr[0]) / map.scale;
            double wy = map.view[3] - (y + 0.5 - fr[1]) / map.scale;
            long c = (long)floor((wx - f.grid.xmin) / f.grid.px);
            long rr = (long)floor((f.grid.ymax - wy) / f.grid.py);
            int k = around(&f, c, rr);
            bool same = (*pixel_at(a, x, y) & 0xffffff) == (*pixel_at(g, x, y) & 0xffffff);
            if (k == 1)
                hot++, hot_same += same;
            else if (k == 0)
                cold++, cold_diff += !same;
        }
    ck_assert_msg(hot > 1000 && cold > 1000, "hot %zu, cold %zu", hot, cold);
    ck_assert_msg(cold_diff == 0, "%zu of %zu pixels without density are coloured", cold_diff,
                  cold);
    ck_assert_msg(hot_same < hot / 100, "%zu of %zu pixels with density are not coloured", hot_same,
                  hot);
    cairo_surface_destroy(a);
    cairo_surface_destroy(g);

    /* what the file says it is */
    ck_assert_str_eq(f.type, "Float64");
    ck_assert_int_eq(f.epsg, 4549);
    ck_assert(f.has_nodata);
    ck_assert_double_eq(f.nodata, 0);
    ck_assert_str_eq(f.unit, "incidents per km²");
    ck_assert_str_eq(wg_raster_file_item(&f, "kernel"), "quartic");
    ck_assert_str_eq(wg_raster_file_item(&f, "radius_m"), "40");
    ck_assert_double_eq(strtod(wg_raster_file_item(&f, "pixel_m"), NULL), f.grid.px);
    ck_assert_str_eq(wg_raster_file_item(&f, "categories"), "all");
    ck_assert_str_eq(f.compression, "DEFLATE");
    ck_assert_int_eq(f.predictor, 3);
    ck_assert_int_eq(f.block_cols, 256);
    wg_raster_file_fini(&f);
    wg_ws_close(ws);
}
END_TEST

/* --size W x H gives W x H square pixels over the area; hours per km² with --weight hours; a
 * period and categories are recorded as asked. */
START_TEST(tif_size_weight_period)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.width = 300;
    o.height = 200;
    o.weight_hours = true;
    o.from = 1740787200; /* 2025-03-01T00:00:00Z */
    o.to = 1743465600;   /* 2025-04-01T00:00:00Z */
    const char *cats[] = {"sanitation"};
    o.categories = cats;
    o.ncategories = 1;
    const char *out = t_path(t_dir, "h.tif");
    wg_render_info info;
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, out, &info));
    wg_raster_file f;
    T_OK(t_ctx, wg_raster_read(t_ctx, out, &f));
    ck_assert_uint_eq(f.grid.cols, 300);
    ck_assert_uint_eq(f.grid.rows, 200);
    ck_assert_double_eq(f.grid.px, f.grid.py);
    ck_assert_str_eq(f.unit, "handling hours per km²");
    ck_assert_str_eq(f.description, "handling hours per km²");
    ck_assert_str_eq(wg_raster_file_item(&f, "period_from"), "2025-03-01T00:00:00Z");
    ck_assert_str_eq(wg_raster_file_item(&f, "period_to"), "2025-04-01T00:00:00Z");
    ck_assert_str_eq(wg_raster_file_item(&f, "categories"), "sanitation");
    ck_assert_str_eq(wg_raster_file_item(&f, "weight"),
                     "handling hours of the incident's category");
    char n[32];
    snprintf(n, sizeof n, "%zu", info.points);
    ck_assert_str_eq(wg_raster_file_item(&f, "incidents"), n);
    ck_assert(info.points > 0 && info.points < 20000);
    double mx = 0;
    for (size_t i = 0; i < 300 * 200; i++)
        mx = fmax(mx, f.values[i]);
    ck_assert_double_eq(mx, info.breaks[info.nbreaks - 1]);
    wg_raster_file_fini(&f);
    wg_ws_close(ws);
}
END_TEST

/* Rasters of one pixel size over different areas share their pixel edges, and agree (to the
 * convolution's rounding) where both see every incident within the radius. */
START_TEST(tifs_of_different_areas_line_up)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.pixel_m = 7.5;
    o.radius_m = 60;
    const char *whole = t_path(t_dir, "whole.tif"), *part = t_path(t_dir, "part.tif");
    wg_render_info wi;
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, whole, &wi));
    /* a box inside, its corners on no lattice point */
    double w = wi.view[2] - wi.view[0], h = wi.view[3] - wi.view[1];
    double box[4] = {wi.view[0] + 0.3 * w + 1.234, wi.view[1] + 0.2 * h + 2.345,
                     wi.view[0] + 0.7 * w + 0.321, wi.view[1] + 0.6 * h + 3.21};
    o.bbox = box;
    T_OK(t_ctx, wg_render(ws, WG_MAP_HEATMAP, &o, part, NULL));
    wg_raster_file a, b;
    T_OK(t_ctx, wg_raster_read(t_ctx, whole, &a));
    T_OK(t_ctx, wg_raster_read(t_ctx, part, &b));
    double dc = (b.grid.xmin - a.grid.xmin) / 7.5, dr = (a.grid.ymax - b.grid.ymax) / 7.5;
    ck_assert_msg(dc == floor(dc) && dr == floor(dr) && dc > 0 && dr > 0, "offset %.17g, %.17g", dc,
                  dr);
    ck_assert(b.grid.cols < a.grid.cols && b.grid.rows < a.grid.rows);
    double mx = 0;
    for (size_t i = 0; i < a.grid.cols * a.grid.rows; i++)
        mx = fmax(mx, a.values[i]);
    size_t compared = 0, zeros = 0;
    for (size_t r = 0; r < b.grid.rows; r++)
        for (size_t c = 0; c < b.grid.cols; c++) {
            double vb = b.values[r * b.grid.cols + c];
            double va = a.values[(r + (size_t)dr) * a.grid.cols + c + (size_t)dc];
            ck_assert_msg(fabs(va - vb) <= 1e-9 * mx, "pixel %zu,%zu: %.17g vs %.17g", c, r, vb,
                          va);
            ck_assert((va > 0) == (vb > 0)); /* the same footprint */
            compared++;
            zeros += vb == 0;
        }
    ck_assert(compared > 1000 && zeros < compared);
    wg_raster_file_fini(&a);
    wg_raster_file_fini(&b);
    wg_ws_close(ws);
}
END_TEST

START_TEST(tif_refuses_what_a_raster_cannot_take)
{
    wg_ws *ws = city();
    const char *out = t_path(t_dir, "x.tif");
    struct {
        const char *paper, *ramp;
        double dpi, opacity, pixel;
        int width;
        wg_map_kind kind;
        const char *says;
    } cases[] = {
        {.paper = "A4", .kind = WG_MAP_HEATMAP, .says = "--paper is for drawn maps"},
        {.ramp = "viridis", .kind = WG_MAP_HEATMAP, .says = "--ramp is for drawn maps"},
        {.dpi = 300, .kind = WG_MAP_HEATMAP, .says = "--dpi is for drawn maps"},
        {.opacity = 0.5, .kind = WG_MAP_HEATMAP, .says = "--opacity is for drawn maps"},
        {.pixel = 5, .width = 400, .kind = WG_MAP_HEATMAP, .says = "--size and --pixel both"},
        {.kind = WG_MAP_PLAN, .says = "only the heatmap is a raster"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wg_render_opts o;
        wg_render_opts_init(&o);
        o.paper = cases[i].paper;
        o.ramp = cases[i].ramp;
        o.dpi = cases[i].dpi;
        o.opacity = cases[i].opacity;
        o.pixel_m = cases[i].pixel;
        o.width = o.height = cases[i].width;
        ck_assert_int_eq(wg_render(ws, cases[i].kind, &o, out, NULL), WG_EINPUT);
        const char *msg = wg_ctx_errmsg(t_ctx);
        ck_assert_msg(strstr(msg, "x.tif") && strstr(msg, cases[i].says), "case %zu: %s", i, msg);
        wg_ctx_clear(t_ctx);
    }
    char *ls = t_listing(t_dir);
    ck_assert_str_eq(ls, "");
    free(ls);
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_geotiff(void)
{
    TCase *tc = tcase_create("geotiff");
    tcase_add_unchecked_fixture(tc, city_setup, city_teardown);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, tif_holds_the_maps_numbers);
    tcase_add_test(tc, tif_size_weight_period);
    tcase_add_test(tc, tifs_of_different_areas_line_up);
    tcase_add_test(tc, tif_refuses_what_a_raster_cannot_take);
    return tc;
}
