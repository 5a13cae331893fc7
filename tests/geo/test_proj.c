/* tests/geo/test_proj.c: coordinate transformations against the Web Mercator formulas, round
 * trips through UTM, points PROJ cannot take, and an unknown CRS. */
#include "support.h"
#include "wg/proj.h"

#include <check.h>
#include <math.h>
#include <string.h>

TCase *tcase_proj(void);

#define PI 3.14159265358979323846
#define R_MERC 6378137.0

START_TEST(lonlat_to_web_mercator_matches_the_formulas)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_xform *t = NULL;
    ck_assert_int_eq(wg_xform_new(ctx, "EPSG:4326", "EPSG:3857", &t), WG_OK);
    double xy[] = {121.4737, 31.2304, -74.006, 40.7128, 0, 0};
    ck_assert_uint_eq(wg_xform_points(t, xy, 3), 0);
    const double ll[] = {121.4737, 31.2304, -74.006, 40.7128, 0, 0};
    for (int i = 0; i < 3; i++) {
        double x = R_MERC * ll[2 * i] * PI / 180;
        double y = R_MERC * log(tan(PI / 4 + ll[2 * i + 1] * PI / 360));
        ck_assert_double_eq_tol(xy[2 * i], x, 1e-3);
        ck_assert_double_eq_tol(xy[2 * i + 1], y, 1e-3);
    }
    /* and back */
    ck_assert_uint_eq(wg_xform_points_inv(t, xy, 3), 0);
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq_tol(xy[i], ll[i], 1e-9);
    wg_xform_free(t);
    wg_ctx_free(ctx);
}
END_TEST

START_TEST(utm_round_trip_and_a_point_out_of_reach)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_xform *t = NULL;
    ck_assert_int_eq(wg_xform_new(ctx, "EPSG:32651", "EPSG:4326", &t), WG_OK);
    double xy[] = {352000, 3456000, NAN, 1};
    ck_assert_uint_eq(wg_xform_points(t, xy, 2), 1);
    ck_assert(isnan(xy[2]) && isnan(xy[3]));
    ck_assert(xy[0] > 121 && xy[0] < 122 && xy[1] > 31 && xy[1] < 31.5);
    ck_assert_uint_eq(wg_xform_points_inv(t, xy, 1), 0);
    ck_assert_double_eq_tol(xy[0], 352000, 1e-4);
    ck_assert_double_eq_tol(xy[1], 3456000, 1e-4);
    wg_xform_free(t);
    wg_ctx_free(ctx);
}
END_TEST

START_TEST(an_unknown_crs_is_named)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_xform *t = NULL;
    ck_assert_int_eq(wg_xform_new(ctx, "EPSG:999999", "EPSG:4326", &t), WG_EPROJ);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(wg_ctx_errmsg(ctx), "EPSG:999999"), "%s", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
}
END_TEST

TCase *tcase_proj(void)
{
    TCase *tc = tcase_create("proj");
    tcase_add_test(tc, lonlat_to_web_mercator_matches_the_formulas);
    tcase_add_test(tc, utm_round_trip_and_a_point_out_of_reach);
    tcase_add_test(tc, an_unknown_crs_is_named);
    return tc;
}
