/* tests/geo/test_geos_errors.c: GEOS failing inside geo's jobs — on a polygon it rejects, or
 * interrupted — is an error that names what failed in front of GEOS's own message, never a
 * wrong number or a quiet "no"; and the one fallback meant for a GEOS failure (the coverage
 * union) takes only that. */
#include "geo_int.h" /* GEOS's interruption: a GEOS failure on demand */
#include "support.h"
#include "wg/cover.h"
#include "wg/tess.h"
#include "wg/view.h"

#include <string.h>

TCase *tcase_geos_errors(void);

/* GEOS throws at the n-th check for interruption after arm(n) (its long operations check as
 * they go), as it does on any failure: the C API answers its exception value. */
static long checks, fail_at;

static void on_check(void)
{
    if (++checks == fail_at)
        GEOS_interruptRequest();
}

static void arm(long n)
{
    checks = 0;
    fail_at = n;
    GEOS_interruptRegisterCallback(on_check);
}

static void disarm(void)
{
    GEOS_interruptRegisterCallback(NULL);
    GEOS_interruptCancel();
    fail_at = 0;
}

/* st is WG_EGEOS, as the context says, and the message starts with `what` and goes on with
 * GEOS's message. */
static void expect_geos_error(wg_status st, const char *what)
{
    ck_assert_int_eq(st, WG_EGEOS);
    ck_assert_int_eq(wg_ctx_status(t_ctx), WG_EGEOS);
    const char *msg = wg_ctx_errmsg(t_ctx);
    ck_assert_msg(strncmp(msg, what, strlen(what)) == 0, "message: %s", msg);
    ck_assert_msg(strstr(msg, "GEOS: ") != NULL, "message without GEOS's: %s", msg);
}

static double area_of(const wg_geom *g)
{
    double a = 0;
    T_OK(t_ctx, wg_geom_area(t_ctx, g, &a));
    return a;
}

/* Units that tile the area, one of them self-intersecting (a twist in its west side) and
 * reaching past the area, so that it must be clipped. */
START_TEST(tess_unit_geos_rejects_names_the_clip)
{
    wg_geom *area = t_wkt("POLYGON((0 0,100 0,100 100,0 100,0 0))");
    wg_geom *a = t_wkt("POLYGON((0 0,50 0,50 100,0 100,0 0))");
    wg_geom *b = t_wkt("POLYGON((50 0,101 0,101 100,50 100,50 60,55 40,55 60,50 40,50 0))");
    const wg_geom *shape[] = {a, b};
    const double xy[] = {25, 50, 80, 50};
    wg_tess_in in = {.area = area, .n = 2, .xy = xy, .shape = shape};
    wg_tess *t = NULL;
    expect_geos_error(wg_tess_build(t_ctx, &in, &t),
                      "tessellation: clipping a unit to its part failed: GEOS: TopologyException");
    ck_assert_ptr_null(t);
    wg_geom_free(t_ctx, area);
    wg_geom_free(t_ctx, a);
    wg_geom_free(t_ctx, b);
}
END_TEST

/* A view GEOS rejects (a bow tie): no area for it, an error naming the step. */
START_TEST(cover_view_geos_rejects_is_an_error)
{
    wg_geom *area = t_wkt("POLYGON((0 0,100 0,100 100,0 100,0 0))");
    wg_geom *good = t_wkt("POLYGON((10 10,30 10,30 30,10 30,10 10))");
    wg_geom *bow = t_wkt("POLYGON((20 20,40 40,40 20,20 40,20 20))");
    const wg_geom *views[] = {good, bow};
    double view_m2[2] = {-1, -1};
    wg_cover_in in = {.area = area, .views = views, .nviews = 2};
    wg_cover_out out = {0};
    expect_geos_error(wg_cover_area(t_ctx, &in, view_m2, &out), "clipping a camera view failed: ");
    ck_assert_ptr_null(out.seen);
    ck_assert_ptr_null(out.blind);

    /* The same polygon as a footprint: the open ground cannot be cut. */
    wg_ctx_clear(t_ctx);
    const wg_geom *footprints[] = {bow};
    in = (wg_cover_in){.area = area, .footprints = footprints, .nfootprints = 1};
    expect_geos_error(wg_cover_area(t_ctx, &in, view_m2, &out),
                      "cutting out the footprints failed: ");
    wg_geom_free(t_ctx, area);
    wg_geom_free(t_ctx, good);
    wg_geom_free(t_ctx, bow);
}
END_TEST

/* The validity test of the visibility polygon fails: an error, not a polygon taken as valid
 * or "repaired". (Its first operation that checks for interruption is that test.) */
START_TEST(view_validity_test_failing_is_an_error)
{
    wg_geom *sq = t_wkt("POLYGON((10 -5,20 -5,20 5,10 5,10 -5))");
    const wg_geom *obs[] = {sq};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 90, .fov_deg = 90, .range_m = 50};
    wg_geom *v = NULL;
    arm(1);
    wg_status st = wg_view_polygon(t_ctx, &cam, obs, 1, &v);
    disarm();
    expect_geos_error(st, "view: testing the visibility polygon failed: GEOS: ");
    ck_assert_ptr_null(v);
    /* and without the failure, the view */
    wg_ctx_clear(t_ctx);
    T_OK(t_ctx, wg_view_polygon(t_ctx, &cam, obs, 1, &v));
    ck_assert_double_gt(area_of(v), 0);
    wg_geom_free(t_ctx, v);
    wg_geom_free(t_ctx, sq);
}
END_TEST

/* Voronoi regions: their union is a coverage union, and the general union when GEOS fails at
 * it. The fallback forgets GEOS's error of that call only: an error already on the context
 * stays, and is what the union answers. */
START_TEST(tess_union_falls_back_only_on_its_own_geos_failure)
{
    wg_geom *area = t_wkt("POLYGON((0 0,100 0,100 100,0 100,0 0))");
    const double xy[] = {20, 20, 80, 20, 50, 80, 30, 60};
    wg_tess_in in = {.area = area, .n = 4, .xy = xy};
    wg_tess *t = NULL;
    T_OK(t_ctx, wg_tess_build(t_ctx, &in, &t));
    const size_t sites[] = {0, 1, 3};
    wg_geom *u = NULL;
    T_OK(t_ctx, wg_tess_union(t_ctx, t, sites, 3, &u));
    double want = area_of(u);
    wg_geom_free(t_ctx, u);
    u = NULL;

    arm(1); /* the coverage union's first check */
    wg_status st = wg_tess_union(t_ctx, t, sites, 3, &u);
    ck_assert_int_ge(checks, 1);
    disarm();
    T_OK(t_ctx, st);
    ck_assert_int_eq(wg_ctx_status(t_ctx), WG_OK);
    ck_assert_double_eq_tol(area_of(u), want, 1e-6);
    wg_geom_free(t_ctx, u);
    u = NULL;

    wg_fail(t_ctx, WG_EIO, "an earlier error");
    arm(1);
    st = wg_tess_union(t_ctx, t, sites, 3, &u);
    disarm();
    ck_assert_int_eq(st, WG_EIO);
    ck_assert_str_eq(wg_ctx_errmsg(t_ctx), "an earlier error");
    ck_assert_ptr_null(u);
    wg_tess_free(t);
    wg_geom_free(t_ctx, area);
}
END_TEST

TCase *tcase_geos_errors(void)
{
    TCase *tc = tcase_create("geos_errors");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, tess_unit_geos_rejects_names_the_clip);
    tcase_add_test(tc, cover_view_geos_rejects_is_an_error);
    tcase_add_test(tc, view_validity_test_failing_is_an_error);
    tcase_add_test(tc, tess_union_falls_back_only_on_its_own_geos_failure);
    return tc;
}
