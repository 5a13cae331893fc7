/* tests/geo/test_vio.c: sources and destinations — CSV checks, CRS handling, reprojection,
 * geometry problems and repair, atomic writes and exact round trips. */
#include "geo_int.h" /* GEOS reads back what geo made */
#include "support.h"
#include "wg/chinacoord.h"
#include "wg/vio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TCase *tcase_vio(void);

/* Opens path and reads every feature into problems[] (one "" per usable feature). */
static wg_status read_all(const char *path, const wg_src_opts *o, char problems[][256], size_t max,
                          size_t *n)
{
    wg_src *src = NULL;
    wg_status st = wg_src_open(t_ctx, path, o, &src);
    if (st != WG_OK)
        return st;
    *n = 0;
    for (;;) {
        wg_feat f;
        bool eof = false;
        st = wg_src_next(t_ctx, src, &f, &eof);
        if (st != WG_OK || eof)
            break;
        if (*n < max)
            memcpy(problems[*n], f.problem, sizeof f.problem);
        (*n)++;
    }
    wg_src_close(src);
    return st;
}

START_TEST(csv_wrong_column_count_names_the_line)
{
    const char *p = t_path(t_dir, "bad.csv");
    t_write(p, "id,lon,lat\n1,10,20\n2,11\n3,12,22\n");
    wg_src *src = NULL;
    ck_assert_int_eq(wg_src_open(t_ctx, p, NULL, &src), WG_EINPUT);
    ck_assert_ptr_null(src);
    const char *msg = wg_ctx_errmsg(t_ctx);
    ck_assert_msg(strstr(msg, "bad.csv") && strstr(msg, "line 3") && strstr(msg, "2 columns") &&
                      strstr(msg, "header has 3"),
                  "got: %s", msg);
}
END_TEST

START_TEST(csv_quoted_newlines_keep_line_numbers)
{
    const char *p = t_path(t_dir, "multi.csv");
    t_write(p, "id,note,lon,lat\n1,\"two\nlines\",10,20\n2,x,0,0\n");
    char probs[4][256];
    size_t n = 0;
    T_OK(t_ctx, read_all(p, NULL, probs, 4, &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(probs[0], "");
    ck_assert_msg(strstr(probs[1], "0,0"), "got: %s", probs[1]);
    /* the label of the second record is its physical line, 4 */
    wg_src *src = NULL;
    T_OK(t_ctx, wg_src_open(t_ctx, p, NULL, &src));
    wg_feat f;
    bool eof;
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    ck_assert_str_eq(f.label, "line 2");
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    ck_assert_str_eq(f.label, "line 4");
    wg_src_close(src);
}
END_TEST

START_TEST(open_errors_name_the_file)
{
    wg_src *src = NULL;
    ck_assert_int_eq(wg_src_open(t_ctx, t_path(t_dir, "nothere.gpkg"), NULL, &src), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "nothere.gpkg: no such file"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    const char *junk = t_path(t_dir, "junk.dat");
    t_write(junk, "this is not a map\n");
    ck_assert_int_eq(wg_src_open(t_ctx, junk, NULL, &src), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "junk.dat: not a vector format"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    const char *xy = t_path(t_dir, "xy.csv");
    t_write(xy, "id,x,y\n1,500000,3450000\n");
    ck_assert_int_eq(wg_src_open(t_ctx, xy, NULL, &src), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "xy.csv: the source has no CRS"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    wg_src_opts o = {.src_crs = "EPSG:4549"};
    T_OK(t_ctx, wg_src_open(t_ctx, xy, &o, &src));
    wg_src_close(src);
    const char *empty = t_path(t_dir, "empty.csv");
    t_write(empty, "id,lon,lat\n");
    ck_assert_int_eq(wg_src_open(t_ctx, empty, NULL, &src), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "empty layer"), "got: %s", wg_ctx_errmsg(t_ctx));
}
END_TEST

START_TEST(bad_coordinates_are_problems_not_errors)
{
    const char *p = t_path(t_dir, "pts.csv");
    t_write(p, "id,lon,lat\n1,121.47,31.23\n2,200,31\n3,nan,31\n4,0,0\n5,,\n6,121.5,-95\n");
    char probs[8][256];
    size_t n = 0;
    T_OK(t_ctx, read_all(p, NULL, probs, 8, &n));
    ck_assert_uint_eq(n, 6);
    ck_assert_str_eq(probs[0], "");
    ck_assert_msg(strstr(probs[1], "out of range"), "got: %s", probs[1]);
    ck_assert_msg(strstr(probs[2], "coordinate 'lon' is missing or not a number"), "got: %s",
                  probs[2]);
    ck_assert_msg(strstr(probs[3], "0,0"), "got: %s", probs[3]);
    ck_assert_msg(strstr(probs[4], "no geometry"), "got: %s", probs[4]);
    ck_assert_msg(strstr(probs[5], "out of range"), "got: %s", probs[5]);
    ck_assert_int_eq(wg_ctx_status(t_ctx), WG_OK);
}
END_TEST

START_TEST(reprojects_to_web_mercator_exactly)
{
    const char *p = t_path(t_dir, "one.csv");
    t_write(p, "id,lon,lat\n1,121.5,31.25\n");
    wg_src_opts o = {.dst_crs = "EPSG:3857"};
    wg_src *src = NULL;
    T_OK(t_ctx, wg_src_open(t_ctx, p, &o, &src));
    wg_feat f;
    bool eof;
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    ck_assert_ptr_nonnull(f.geom);
    double x, y;
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeomGetX_r(h, wg__cgeos(f.geom), &x);
    GEOSGeomGetY_r(h, wg__cgeos(f.geom), &y);
    const double R = 6378137.0, d = M_PI / 180;
    ck_assert_double_eq_tol(x, R * 121.5 * d, 1e-6);
    ck_assert_double_eq_tol(y, R * log(tan(M_PI / 4 + 31.25 * d / 2)), 1e-6);
    wg_src_close(src);
}
END_TEST

START_TEST(gcj02_correction_applies_before_projection)
{
    const char *p = t_path(t_dir, "gcj.csv");
    t_write(p, "id,lon,lat\n1,121.4737,31.2304\n");
    wg_src_opts o = {.shift = WG_SHIFT_GCJ02};
    wg_src *src = NULL;
    T_OK(t_ctx, wg_src_open(t_ctx, p, &o, &src));
    wg_feat f;
    bool eof;
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    double x, y, ex, ey;
    GEOSGeomGetX_r(wg_ctx_geos(t_ctx), wg__cgeos(f.geom), &x);
    GEOSGeomGetY_r(wg_ctx_geos(t_ctx), wg__cgeos(f.geom), &y);
    wg_gcj02_to_wgs84(121.4737, 31.2304, &ex, &ey);
    ck_assert_double_eq_tol(x, ex, 1e-12);
    ck_assert_double_eq_tol(y, ey, 1e-12);
    ck_assert(fabs(x - 121.4737) > 1e-3); /* the shift is real: hundreds of metres */
    wg_src_close(src);
    wg_src_opts bad = {.shift = WG_SHIFT_BD09, .src_crs = "EPSG:4549"};
    ck_assert_int_eq(wg_src_open(t_ctx, p, &bad, &src), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "projected"), "got: %s", wg_ctx_errmsg(t_ctx));
}
END_TEST

static const char bowtie[] =
    "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":"
    "\"b1\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,"
    "0]]]}}]}";

START_TEST(bowtie_is_repaired_or_rejected)
{
    const char *p = t_path(t_dir, "bowtie.geojson");
    t_write(p, bowtie);
    wg_src *src = NULL;
    T_OK(t_ctx, wg_src_open(t_ctx, p, NULL, &src));
    wg_feat f;
    bool eof;
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    ck_assert(f.repaired);
    ck_assert_msg(strstr(f.note, "Self-intersection"), "got: %s", f.note);
    double area = 0;
    ck_assert(GEOSArea_r(wg_ctx_geos(t_ctx), wg__cgeos(f.geom), &area));
    ck_assert_double_eq_tol(area, 0.5, 1e-12); /* two triangles of 0.25 */
    wg_src_close(src);
    wg_src_opts strict = {.no_repair = true};
    T_OK(t_ctx, wg_src_open(t_ctx, p, &strict, &src));
    T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
    ck_assert_ptr_null(f.geom);
    ck_assert_msg(strstr(f.problem, "Self-intersection"), "got: %s", f.problem);
    wg_src_close(src);
}
END_TEST

START_TEST(writer_round_trips_exactly_and_atomically)
{
    static const char *const exts[] = {"gpkg", "geojson", "fgb", "shp"};
    wg_field_def defs[] = {{"id", WG_F_TEXT}, {"n", WG_F_INT}, {"r", WG_F_REAL}};
    const double xs[] = {500000.123456789012, 512345.987654321};
    const double ys[] = {3450000.000000001, 3461234.5678901234};
    for (size_t e = 0; e < 4; e++) {
        char name[32];
        snprintf(name, sizeof name, "out.%s", exts[e]);
        const char *p = t_path(t_dir, name);
        wg_dst *d = NULL;
        T_OK(t_ctx, wg_dst_open(t_ctx, p, "pts", "EPSG:4549", WG_G_POINT, defs, 3, &d));
        for (int i = 0; i < 2; i++) {
            char id[8];
            snprintf(id, sizeof id, "p%d", i);
            wg_value v[3] = {{.s = id}, {.i = 1234567890123LL * (i + 1)}, {.r = 0.1 * (i + 1)}};
            T_OK(t_ctx, wg_dst_add_xy(t_ctx, d, xs[i], ys[i], v));
        }
        struct stat sb;
        ck_assert_int_ne(stat(p, &sb), 0); /* nothing at the destination until commit */
        T_OK(t_ctx, wg_dst_commit(t_ctx, d));
        ck_assert_int_eq(stat(p, &sb), 0);
        wg_src *src = NULL;
        T_OK(t_ctx, wg_src_open(t_ctx, p, NULL, &src));
        for (int i = 0; i < 2; i++) {
            wg_feat f;
            bool eof;
            T_OK(t_ctx, wg_src_next(t_ctx, src, &f, &eof));
            double x, y;
            GEOSGeomGetX_r(wg_ctx_geos(t_ctx), wg__cgeos(f.geom), &x);
            GEOSGeomGetY_r(wg_ctx_geos(t_ctx), wg__cgeos(f.geom), &y);
            ck_assert_msg(x == xs[i] && y == ys[i], "%s: %.17g %.17g", name, x, y);
            char want[32];
            snprintf(want, sizeof want, "p%d", i);
            ck_assert_str_eq(wg_src_str(src, (size_t)wg_src_field(src, "id")), want);
            ck_assert_double_eq(strtod(wg_src_str(src, (size_t)wg_src_field(src, "r")), NULL),
                                0.1 * (i + 1));
        }
        wg_src_close(src);
    }
    /* an aborted write leaves nothing behind: no file, no temporary folder */
    const char *p = t_path(t_dir, "aborted.gpkg");
    wg_dst *d = NULL;
    T_OK(t_ctx, wg_dst_open(t_ctx, p, "x", "EPSG:4549", WG_G_POINT, defs, 3, &d));
    wg_dst_abort(d);
    ck_assert_int_eq(t_sh("ls -A '%s' | grep -q aborted", t_dir), 1);
}
END_TEST

TCase *tcase_vio(void)
{
    TCase *tc = tcase_create("vio");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, csv_wrong_column_count_names_the_line);
    tcase_add_test(tc, csv_quoted_newlines_keep_line_numbers);
    tcase_add_test(tc, open_errors_name_the_file);
    tcase_add_test(tc, bad_coordinates_are_problems_not_errors);
    tcase_add_test(tc, reprojects_to_web_mercator_exactly);
    tcase_add_test(tc, gcj02_correction_applies_before_projection);
    tcase_add_test(tc, bowtie_is_repaired_or_rejected);
    tcase_add_test(tc, writer_round_trips_exactly_and_atomically);
    return tc;
}
