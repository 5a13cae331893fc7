/* tests/geo/test_tess.c: the tessellation on hand-made areas — regions tile the area, barriers
 * part it, a light part joins its neighbour, an island stays apart. */
#include "support.h"
#include "wg/tess.h"

#include <math.h>

TCase *tcase_tess(void);

static double area_of(const wg_geom *g)
{
    double a = 0;
    T_OK(t_ctx, wg_geom_area(t_ctx, g, &a));
    return a;
}

/* A 100 x 100 square, a river along y = 50, three sites south and one north (weight 1 each). */
START_TEST(barrier_parts_and_light_part_joins)
{
    wg_geom *area = t_wkt("POLYGON((0 0,100 0,100 100,0 100,0 0))");
    wg_geom *river = t_wkt("LINESTRING(-10 50,110 50)");
    const wg_geom *bars[] = {river};
    const double xy[] = {20, 20, 50, 25, 80, 20, 50, 80};
    wg_tess_in in = {.area = area, .barriers = bars, .nbarriers = 1, .n = 4, .xy = xy};
    wg_tess *t = NULL;
    T_OK(t_ctx, wg_tess_build(t_ctx, &in, &t));
    ck_assert_uint_eq(wg_tess_nparts(t), 2);
    ck_assert_uint_ne(wg_tess_part(t, 0), wg_tess_part(t, 3));
    double sum = 0;
    for (size_t i = 0; i < 4; i++)
        sum += wg_tess_area(t, i);
    ck_assert_double_eq_tol(sum, 10000, 1e-6);
    /* The north site owns the whole north half and has no neighbour across the river. */
    ck_assert_double_eq_tol(wg_tess_area(t, 3), 5000, 1e-6);
    const size_t *nbr;
    const double *len;
    size_t deg;
    wg_tess_adj(t, 3, &nbr, &len, &deg);
    ck_assert_uint_eq(deg, 0);
    ck_assert_int_eq(wg_tess_part_crossing(t, wg_tess_part(t, 3)), -1);
    /* The three south regions tile the south half. */
    size_t south[] = {0, 1, 2};
    wg_geom *u = NULL;
    T_OK(t_ctx, wg_tess_union(t_ctx, t, south, 3, &u));
    ck_assert_double_eq_tol(area_of(u), 5000, 1e-6);
    wg_geom_free(t_ctx, u);
    wg_tess_free(t);

    /* With min weight 2 the north part (weight 1) joins the south, across the river. */
    in.min_weight = 2;
    T_OK(t_ctx, wg_tess_build(t_ctx, &in, &t));
    ck_assert_uint_eq(wg_tess_nparts(t), 1);
    ck_assert_int_eq(wg_tess_part_crossing(t, 0), 0);
    wg_tess_adj(t, 3, &nbr, &len, &deg);
    ck_assert_uint_gt(deg, 0);
    wg_tess_free(t);
    wg_geom_free(t_ctx, area);
    wg_geom_free(t_ctx, river);
}
END_TEST

/* An empty island (an exclave with no site) is left apart, and does not stop a light part
 * elsewhere from joining its neighbour. */
START_TEST(empty_island_does_not_stop_merging)
{
    wg_geom *area = t_wkt("MULTIPOLYGON(((0 0,100 0,100 100,0 100,0 0)),"
                          "((500 500,510 500,510 510,500 510,500 500)))");
    wg_geom *river = t_wkt("LINESTRING(-10 50,110 50)");
    const wg_geom *bars[] = {river};
    const double xy[] = {20, 20, 80, 20, 50, 80};
    wg_tess_in in = {
        .area = area, .barriers = bars, .nbarriers = 1, .n = 3, .xy = xy, .min_weight = 2};
    wg_tess *t = NULL;
    T_OK(t_ctx, wg_tess_build(t_ctx, &in, &t));
    /* The north half joined the south; the island stays a part of its own. */
    ck_assert_uint_eq(wg_tess_part(t, 0), wg_tess_part(t, 2));
    ck_assert_uint_eq(wg_tess_nparts(t), 2);
    wg_tess_free(t);
    wg_geom_free(t_ctx, area);
    wg_geom_free(t_ctx, river);
}
END_TEST

TCase *tcase_tess(void)
{
    TCase *tc = tcase_create("tess");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, barrier_parts_and_light_part_joins);
    tcase_add_test(tc, empty_island_does_not_stop_merging);
    return tc;
}
