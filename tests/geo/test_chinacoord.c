/* tests/geo/test_chinacoord.c: WGS 84 / GCJ-02 / BD-09 conversions against published reference
 * pairs, round trips, and the identity outside China. Knows nothing of the rest of wangge. */
#include "wg/chinacoord.h"

#include <check.h>
#include <math.h>

TCase *tcase_chinacoord(void);

#define PI 3.14159265358979323846

/* Great-circle distance in metres (haversine on the mean sphere, R = 6371008.8 m): plenty for
 * the sub-metre tolerances asserted here. */
static double dist_m(double lon1, double lat1, double lon2, double lat2)
{
    double p1 = lat1 * PI / 180.0, p2 = lat2 * PI / 180.0;
    double dp = p2 - p1, dl = (lon2 - lon1) * PI / 180.0;
    double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2.0 * 6371008.8 * asin(sqrt(h));
}

/* WGS 84 -> GCJ-02 pairs from googollee/eviltransform, c/test.c and go/transform_test.go
 * (commit 1643645a2a2f2fa06811df676db42d02a0fb1f40); there they are written lat, lon. */
static const struct {
    const char *where;
    double wgs_lon, wgs_lat, gcj_lon, gcj_lat;
} EVIL[] = {
    {"shanghai", 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597},
    {"shenzhen", 113.912316, 22.543847, 113.9171764808363, 22.540796131694766},
    {"beijing", 116.377817, 39.911954, 116.38404722455657, 39.91334545536069},
};
enum { NEVIL = sizeof EVIL / sizeof EVIL[0] };

START_TEST(wgs84_to_gcj02_matches_eviltransform)
{
    for (int i = 0; i < NEVIL; i++) {
        double lon, lat;
        wg_wgs84_to_gcj02(EVIL[i].wgs_lon, EVIL[i].wgs_lat, &lon, &lat);
        double d = dist_m(lon, lat, EVIL[i].gcj_lon, EVIL[i].gcj_lat);
        ck_assert_msg(d < 0.01, "%s: %.4f m from the reference", EVIL[i].where, d);
    }
}
END_TEST

START_TEST(gcj02_to_wgs84_is_exact_on_eviltransform_pairs)
{
    for (int i = 0; i < NEVIL; i++) {
        double lon, lat;
        wg_gcj02_to_wgs84(EVIL[i].gcj_lon, EVIL[i].gcj_lat, &lon, &lat);
        double d = dist_m(lon, lat, EVIL[i].wgs_lon, EVIL[i].wgs_lat);
        /* eviltransform's own exact inverse is held to 0.5 m; ours lands within millimetres. */
        ck_assert_msg(d < 0.01, "%s: %.4f m from the reference", EVIL[i].where, d);
    }
}
END_TEST

/* wandergis/coordtransform README.md, "result" block: every conversion applied to
 * (116.404, 39.915), central Beijing. */
START_TEST(matches_coordtransform_readme)
{
    double lon, lat;
    /* bd09togcj02 there is the one-step approximation, which errs by centimetres here; ours is
     * the exact inverse, so it maps back onto the input. */
    wg_bd09_to_gcj02(116.404, 39.915, &lon, &lat);
    ck_assert_double_lt(dist_m(lon, lat, 116.39762729119315, 39.90865673957631), 0.1);
    double back_lon, back_lat;
    wg_gcj02_to_bd09(lon, lat, &back_lon, &back_lat);
    ck_assert_double_lt(dist_m(back_lon, back_lat, 116.404, 39.915), 1e-4);

    wg_gcj02_to_bd09(116.404, 39.915, &lon, &lat); /* gcj02tobd09 */
    ck_assert_double_lt(dist_m(lon, lat, 116.41036949371029, 39.92133699351021), 1e-6);
    wg_wgs84_to_gcj02(116.404, 39.915, &lon, &lat); /* wgs84togcj02 */
    ck_assert_double_lt(dist_m(lon, lat, 116.41024449916938, 39.91640428150164), 1e-6);

    /* gcj02towgs84 there is the one-step approximation (116.39775550083061, 39.91359571849836);
     * the exact inverse is near it but not equal, and maps back onto the input. */
    wg_gcj02_to_wgs84(116.404, 39.915, &lon, &lat);
    double approx = dist_m(lon, lat, 116.39775550083061, 39.91359571849836);
    ck_assert_msg(approx < 5.0, "%.3f m from the one-step approximation", approx);
    wg_wgs84_to_gcj02(lon, lat, &back_lon, &back_lat);
    ck_assert_double_lt(dist_m(back_lon, back_lat, 116.404, 39.915), 1e-4);
}
END_TEST

START_TEST(round_trips_across_china_within_a_millimetre)
{
    double worst_gcj = 0, worst_bd = 0, worst_gb = 0;
    for (double lon = 73.0; lon <= 135.0; lon += 0.73) {
        for (double lat = 3.0; lat <= 53.0; lat += 0.61) {
            double glon, glat, wlon, wlat, blon, blat;
            wg_wgs84_to_gcj02(lon, lat, &glon, &glat);
            wg_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
            worst_gcj = fmax(worst_gcj, dist_m(lon, lat, wlon, wlat));

            wg_wgs84_to_bd09(lon, lat, &blon, &blat);
            wg_bd09_to_wgs84(blon, blat, &wlon, &wlat);
            worst_bd = fmax(worst_bd, dist_m(lon, lat, wlon, wlat));

            wg_gcj02_to_bd09(lon, lat, &blon, &blat);
            wg_bd09_to_gcj02(blon, blat, &glon, &glat);
            worst_gb = fmax(worst_gb, dist_m(lon, lat, glon, glat));
        }
    }
    ck_assert_msg(worst_gcj < 1e-3, "wgs84->gcj02->wgs84 worst %.6f m", worst_gcj);
    ck_assert_msg(worst_bd < 1e-3, "wgs84->bd09->wgs84 worst %.6f m", worst_bd);
    ck_assert_msg(worst_gb < 1e-3, "gcj02->bd09->gcj02 worst %.6f m", worst_gb);
}
END_TEST

START_TEST(offsets_have_the_expected_size)
{
    /* GCJ-02 shifts points in China by some hundreds of metres; BD-09 adds about another
     * kilometre. A sign error or a swapped lon/lat would show as tens of kilometres. */
    for (int i = 0; i < NEVIL; i++) {
        double glon, glat, blon, blat;
        wg_wgs84_to_gcj02(EVIL[i].wgs_lon, EVIL[i].wgs_lat, &glon, &glat);
        double d = dist_m(EVIL[i].wgs_lon, EVIL[i].wgs_lat, glon, glat);
        ck_assert_msg(d > 100 && d < 1000, "%s: GCJ-02 offset %.1f m", EVIL[i].where, d);
        wg_gcj02_to_bd09(glon, glat, &blon, &blat);
        d = dist_m(glon, glat, blon, blat);
        ck_assert_msg(d > 500 && d < 1500, "%s: BD-09 offset %.1f m", EVIL[i].where, d);
    }
}
END_TEST

START_TEST(rectangle_test)
{
    ck_assert(wg_gcj02_applies(116.4, 39.9));    /* Beijing */
    ck_assert(wg_gcj02_applies(72.004, 0.8293)); /* corner, edges included */
    ck_assert(wg_gcj02_applies(137.8347, 55.8271));
    ck_assert(!wg_gcj02_applies(72.0039, 30.0));
    ck_assert(!wg_gcj02_applies(137.8348, 30.0));
    ck_assert(!wg_gcj02_applies(100.0, 0.8292));
    ck_assert(!wg_gcj02_applies(100.0, 55.8272));
    ck_assert(!wg_gcj02_applies(-0.1276, 51.5072)); /* London */
}
END_TEST

START_TEST(identity_outside_china)
{
    static const double pts[][2] = {
        {-0.1276, 51.5072},                        /* London */
        {-74.006, 40.7128},                        /* New York */
        {151.2093, -33.8688},                      /* Sydney */
        {0.0, 0.0},           {139.6917, 35.6895}, /* Tokyo: east of 137.8347 */
    };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double lon, lat;
        wg_wgs84_to_gcj02(pts[i][0], pts[i][1], &lon, &lat);
        ck_assert_double_eq(lon, pts[i][0]);
        ck_assert_double_eq(lat, pts[i][1]);
        wg_gcj02_to_wgs84(pts[i][0], pts[i][1], &lon, &lat);
        ck_assert_double_eq(lon, pts[i][0]);
        ck_assert_double_eq(lat, pts[i][1]);

        /* Outside China BD-09 is GCJ-02 (= WGS 84) plus Baidu's offset alone. */
        double blon, blat, wlon, wlat;
        wg_wgs84_to_bd09(pts[i][0], pts[i][1], &blon, &blat);
        wg_gcj02_to_bd09(pts[i][0], pts[i][1], &lon, &lat);
        ck_assert_double_eq(blon, lon);
        ck_assert_double_eq(blat, lat);
        wg_bd09_to_wgs84(blon, blat, &wlon, &wlat);
        ck_assert_double_lt(dist_m(wlon, wlat, pts[i][0], pts[i][1]), 1e-3);
    }
}
END_TEST

START_TEST(outputs_may_alias_inputs)
{
    double lon = EVIL[0].wgs_lon, lat = EVIL[0].wgs_lat;
    wg_wgs84_to_gcj02(lon, lat, &lon, &lat);
    ck_assert_double_lt(dist_m(lon, lat, EVIL[0].gcj_lon, EVIL[0].gcj_lat), 0.01);
}
END_TEST

TCase *tcase_chinacoord(void)
{
    TCase *tc = tcase_create("chinacoord");
    tcase_add_test(tc, wgs84_to_gcj02_matches_eviltransform);
    tcase_add_test(tc, gcj02_to_wgs84_is_exact_on_eviltransform_pairs);
    tcase_add_test(tc, matches_coordtransform_readme);
    tcase_add_test(tc, round_trips_across_china_within_a_millimetre);
    tcase_add_test(tc, offsets_have_the_expected_size);
    tcase_add_test(tc, rectangle_test);
    tcase_add_test(tc, identity_outside_china);
    tcase_add_test(tc, outputs_may_alias_inputs);
    return tc;
}
