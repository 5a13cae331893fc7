/* tests/render/test_tile.c: Web Mercator tiles - an incident's disc lands on the pixel the Web
 * Mercator formulas give for its longitude and latitude (the workspace CRS is a Gauss-Kruger
 * zone, turned against Web Mercator away from its central meridian), tiles of one map share
 * their classes, tiles with nothing are clear, and tiles that do not exist are refused. */
#include "render_int.h" /* the theme's incidents in a box */
#include "support_engine.h"
#include "wg/proj.h"
#include "wg/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_tile(void);

#define PI 3.14159265358979323846
#define Z 16

/* Two incidents near opposite corners of one zoom-16 tile, 1.3 degrees east of the zone's
 * central meridian (120 E), where its grid north is turned about 0.7 degrees from true north. */
static const double LL[2][2] = {{121.300873, 31.202465}, {121.304718, 31.199646}};

/* The tile holding lon/lat at zoom z, and the point's pixel within it. */
static void tile_of(double lon, double lat, int z, int *tx, int *ty, double *px, double *py)
{
    double n = ldexp(1, z), phi = lat * PI / 180;
    double fx = (lon + 180) / 360 * n, fy = (1 - log(tan(phi) + 1 / cos(phi)) / PI) / 2 * n;
    *tx = (int)fx, *ty = (int)fy;
    *px = (fx - *tx) * 256, *py = (fy - *ty) * 256;
}

static wg_ws *two_points(void)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "t.wangge"), "EPSG:4549", &ws));
    wg_xform *x = NULL;
    T_OK(t_ctx, wg_xform_new(t_ctx, "EPSG:4326", "EPSG:4549", &x));
    double xy[4] = {LL[0][0], LL[0][1], LL[1][0], LL[1][1]};
    ck_assert_uint_eq(wg_xform_points(x, xy, 2), 0);
    wg_xform_free(x);
    char text[512];
    snprintf(text, sizeof text,
             "id,category,reported,x,y\nA,noise,2025-03-01T10:00:00Z,%.3f,%.3f\n"
             "B,noise,2025-03-02T10:00:00Z,%.3f,%.3f\n",
             xy[0], xy[1], xy[2], xy[3]);
    t_import(ws, "incidents", "inc.csv", text);
    return ws;
}

typedef struct rd {
    const unsigned char *p;
    size_t n, at;
} rd;

static cairo_status_t rd_fn(void *user, unsigned char *data, unsigned int len)
{
    rd *r = user;
    if (r->at + len > r->n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->at, len);
    r->at += len;
    return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *decode(const unsigned char *png, size_t len)
{
    rd r = {png, len, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(rd_fn, &r);
    ck_assert_msg(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "the tile is not a PNG");
    return s;
}

static unsigned alpha(cairo_surface_t *s, int x, int y)
{
    const uint32_t *row = (const uint32_t *)(const void *)(cairo_image_surface_get_data(s) +
                                                           cairo_image_surface_get_stride(s) * y);
    return row[x] >> 24;
}

/* The centre of the drawn pixels within [x0, x1) x [0, h). */
static void centre(cairo_surface_t *s, int x0, int x1, double *cx, double *cy, double *n)
{
    double sx = 0, sy = 0, w = 0;
    for (int y = 0; y < cairo_image_surface_get_height(s); y++)
        for (int x = x0; x < x1; x++) {
            double a = alpha(s, x, y);
            sx += a * (x + 0.5), sy += a * (y + 0.5), w += a;
        }
    *cx = w > 0 ? sx / w : NAN, *cy = w > 0 ? sy / w : NAN, *n = w / 255;
}

START_TEST(an_incident_lands_where_web_mercator_puts_it)
{
    wg_ws *ws = two_points();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_tile_theme *tt = NULL;
    T_OK(t_ctx, wg_tile_theme_make(ws, WG_MAP_INCIDENTS, &o, &tt));
    ck_assert_uint_eq(wg_tile_theme_points(tt), 2);
    int tx[2], ty[2];
    double px[2], py[2];
    for (int i = 0; i < 2; i++)
        tile_of(LL[i][0], LL[i][1], Z, &tx[i], &ty[i], &px[i], &py[i]);
    ck_assert_msg(tx[0] == tx[1] && ty[0] == ty[1], "the fixture's points share one tile");
    ck_assert_msg(px[0] < 80 && py[0] < 80 && px[1] > 176 && py[1] > 176,
                  "the fixture's points lie near opposite corners: %.0f,%.0f %.0f,%.0f", px[0],
                  py[0], px[1], py[1]);
    for (int scale = 1; scale <= 2; scale++) {
        unsigned char *png = NULL;
        size_t len = 0;
        double box[4];
        T_OK(t_ctx, wg_render_tile(ws, tt, Z, tx[0], ty[0], scale, &png, &len, box));
        cairo_surface_t *s = decode(png, len);
        int W = 256 * scale;
        ck_assert_int_eq(cairo_image_surface_get_width(s), W);
        ck_assert_int_eq(cairo_image_surface_get_height(s), W);
        for (int i = 0; i < 2; i++) {
            double cx, cy, n;
            centre(s, i ? W / 2 : 0, i ? W : W / 2, &cx, &cy, &n);
            ck_assert_msg(n > 3, "incident %d: no disc drawn", i);
            ck_assert_msg(fabs(cx - px[i] * scale) < 0.75 * scale &&
                              fabs(cy - py[i] * scale) < 0.75 * scale,
                          "@%dx incident %d drawn at %.2f,%.2f, Web Mercator puts it at %.2f,%.2f",
                          scale, i, cx, cy, px[i] * scale, py[i] * scale);
        }
        /* the box the tile shows holds both incidents' workspace coordinates */
        ck_assert(box[2] > box[0] && box[3] > box[1] && box[2] - box[0] < 600);
        cairo_surface_destroy(s);
        free(png);
    }
    /* the tile beside it is clear: every pixel transparent */
    unsigned char *png = NULL;
    size_t len = 0;
    T_OK(t_ctx, wg_render_tile(ws, tt, Z, tx[0] + 2, ty[0], 1, &png, &len, NULL));
    cairo_surface_t *s = decode(png, len);
    double cx, cy, n;
    centre(s, 0, 256, &cx, &cy, &n);
    ck_assert_msg(n == 0, "a tile without incidents has %.1f drawn pixels", n);
    cairo_surface_destroy(s);
    free(png);
    wg_tile_theme_free(tt);
    wg_ws_close(ws);
}
END_TEST

START_TEST(heatmap_tiles_share_the_classes_of_the_whole_map)
{
    wg_ws *ws = two_points();
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.radius_m = 100;
    wg_tile_theme *tt = NULL, *again = NULL;
    T_OK(t_ctx, wg_tile_theme_make(ws, WG_MAP_HEATMAP, &o, &tt));
    double b[10];
    size_t k = wg_tile_theme_breaks(tt, b);
    ck_assert_msg(k >= 2, "the heatmap has %zu classes", k);
    ck_assert_double_eq(b[0], 0);
    /* two incidents under a 100 m quartic kernel: the peak is 3 / (pi 0.1²) per km², and the
     * top break (three significant figures, never below the maximum) holds it */
    double peak = 3 / (PI * 0.01);
    ck_assert_msg(b[k] >= peak * 0.95 && b[k] < peak * 1.1, "top break %g, peak %g", b[k], peak);
    for (size_t j = 1; j <= k; j++)
        ck_assert(b[j] > b[j - 1]);
    T_OK(t_ctx, wg_tile_theme_make(ws, WG_MAP_HEATMAP, &o, &again));
    ck_assert(wg_tile_theme_same_classes(tt, again));
    ck_assert_double_eq(wg_tile_theme_reach(tt), 100);
    /* each incident's tile: its hottest pixel under the incident */
    int tx, ty;
    double px, py;
    tile_of(LL[0][0], LL[0][1], Z, &tx, &ty, &px, &py);
    unsigned char *png = NULL;
    size_t len = 0;
    T_OK(t_ctx, wg_render_tile(ws, tt, Z, tx, ty, 1, &png, &len, NULL));
    cairo_surface_t *s = decode(png, len);
    ck_assert_msg(alpha(s, (int)px, (int)py) > alpha(s, 128, 5),
                  "the heat under incident A (%u) is not above the tile's top edge (%u)",
                  alpha(s, (int)px, (int)py), alpha(s, 128, 5));
    cairo_surface_destroy(s);
    free(png);
    wg_tile_theme_free(tt);
    wg_tile_theme_free(again);
    wg_ws_close(ws);
}
END_TEST

START_TEST(a_theme_grows_by_new_incidents_and_not_by_changed_ones)
{
    wg_ws *ws = two_points();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_tile_theme *tt = NULL, *grown = NULL, *again = NULL;
    T_OK(t_ctx, wg_tile_theme_make(ws, WG_MAP_INCIDENTS, &o, &tt));
    wg_version v;
    T_OK(t_ctx, wg_store_version(ws, "incidents", &v));
    /* a new incident of a known category: the theme grows by it, and says where it lies */
    t_import(ws, "incidents", "c.csv",
             "id,category,reported,x,y\nC,noise,2025-03-03T10:00:00Z,501000.5,3451000.25\n");
    double *xy = NULL;
    size_t n = 0;
    T_OK(t_ctx, wg_tile_theme_extend(ws, tt, v.ver, 2, &grown, &xy, &n));
    ck_assert_ptr_nonnull(grown);
    ck_assert_uint_eq(n, 1);
    ck_assert_double_eq(xy[0], 501000.5);
    ck_assert_double_eq(xy[1], 3451000.25);
    ck_assert_uint_eq(wg_tile_theme_points(grown), 3);
    ck_assert(wg_tile_theme_same_classes(tt, grown));
    free(xy);
    /* the grown theme's tile holds the new incident */
    double here[4] = {500990, 3450990, 501010, 3451010};
    wg_map_points p;
    T_OK(t_ctx, tile_points(t_ctx, grown, here, &p));
    ck_assert_uint_eq(p.n, 1);
    wg_map_points_free(&p);
    /* the first incident imported again, moved: a change, not new - no growing */
    T_OK(t_ctx, wg_store_version(ws, "incidents", &v));
    t_import(ws, "incidents", "a.csv",
             "id,category,reported,x,y\nA,noise,2025-03-01T10:00:00Z,501100,3451100\n");
    T_OK(t_ctx, wg_tile_theme_extend(ws, grown, v.ver, 3, &again, &xy, &n));
    ck_assert_ptr_null(again);
    /* nor by a category the colours do not know */
    T_OK(t_ctx, wg_store_version(ws, "incidents", &v));
    t_import(ws, "incidents", "d.csv",
             "id,category,reported,x,y\nD,graffiti,2025-03-04T10:00:00Z,501000,3451000\n");
    T_OK(t_ctx, wg_tile_theme_extend(ws, grown, v.ver, 3, &again, &xy, &n));
    ck_assert_ptr_null(again);
    wg_tile_theme_free(tt); /* the grown one keeps the incidents they share */
    ck_assert_uint_eq(wg_tile_theme_points(grown), 3);
    wg_tile_theme_free(grown);
    wg_ws_close(ws);
}
END_TEST

START_TEST(tiles_that_do_not_exist_are_refused)
{
    wg_ws *ws = two_points();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_tile_theme *tt = NULL;
    T_OK(t_ctx, wg_tile_theme_make(ws, WG_MAP_INCIDENTS, &o, &tt));
    unsigned char *png = NULL;
    size_t len = 0;
    ck_assert_int_eq(wg_render_tile(ws, tt, 3, 8, 0, 1, &png, &len, NULL), WG_EINPUT);
    ck_assert_ptr_null(png);
    ck_assert_int_eq(wg_render_tile(ws, tt, 23, 0, 0, 1, &png, &len, NULL), WG_EINPUT);
    ck_assert_int_eq(wg_render_tile(ws, tt, 3, 0, 0, 5, &png, &len, NULL), WG_EINPUT);
    /* the diff map has no tiles; a cell map needs the active plan */
    wg_tile_theme *pt = NULL;
    ck_assert_int_eq(wg_tile_theme_make(ws, WG_MAP_DIFF, &o, &pt), WG_EINPUT);
    ck_assert_int_eq(wg_tile_theme_make(ws, WG_MAP_WORKLOAD, &o, &pt), WG_EINPUT);
    ck_assert_ptr_null(pt);
    wg_tile_theme_free(tt);
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_tile(void)
{
    TCase *tc = tcase_create("tile");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, an_incident_lands_where_web_mercator_puts_it);
    tcase_add_test(tc, heatmap_tiles_share_the_classes_of_the_whole_map);
    tcase_add_test(tc, a_theme_grows_by_new_incidents_and_not_by_changed_ones);
    tcase_add_test(tc, tiles_that_do_not_exist_are_refused);
    return tc;
}
