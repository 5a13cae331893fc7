/* tests/geo/test_view.c: the camera visibility polygon against hand-computed answers — sector
 * areas, the shadow of a square, the host building, range, a concave and overlapping
 * obstacles — and against a brute force over random layouts. */
#include "geo_int.h" /* the answers are checked against GEOS itself */
#include "support.h"
#include "wg/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_view(void);

/* A GEOS geometry from WKT (t_wkt, seen from inside geo). */
static GEOSGeometry *geos_wkt(const char *text)
{
    return wg__geos(t_wkt(text));
}

#define PI 3.14159265358979323846

static GEOSGeometry *box(double x0, double y0, double x1, double y1)
{
    char s[256];
    snprintf(s, sizeof s, "POLYGON((%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g))",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return geos_wkt(s);
}

static double area_of(const GEOSGeometry *g)
{
    double a = -1;
    ck_assert_int_eq(GEOSArea_r(wg_ctx_geos(t_ctx), g, &a), 1);
    return a;
}

/* The view, checked to be a valid Polygon. */
static GEOSGeometry *view(const wg_view_cam *cam, const GEOSGeometry *const *obs, size_t n)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    wg_geom *out = NULL;
    T_OK(t_ctx, wg_view_polygon(t_ctx, cam, (const wg_geom *const *)obs, n, &out));
    GEOSGeometry *g = wg__geos(out);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(GEOSGeomTypeId_r(h, g), GEOS_POLYGON);
    ck_assert_int_eq(GEOSisValid_r(h, g), 1);
    return g;
}

/* The area of the view with obstacles; the area hidden by them (the view without obstacles
 * minus the view with them) in *hidden. */
static double view_area(const wg_view_cam *cam, const GEOSGeometry *const *obs, size_t n,
                        double *hidden)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *bare = view(cam, NULL, 0);
    GEOSGeometry *g = view(cam, obs, n);
    double a = area_of(g);
    *hidden = area_of(bare) - a;
    GEOSGeom_destroy_r(h, bare);
    GEOSGeom_destroy_r(h, g);
    return a;
}

static bool covers(const GEOSGeometry *g, double x, double y)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
    int in = GEOSContains_r(h, g, p);
    GEOSGeom_destroy_r(h, p);
    ck_assert_int_ne(in, 2);
    return in == 1;
}

/* Distance from (x, y) to g's outline. */
static double to_outline(const GEOSGeometry *g, double x, double y)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
    GEOSGeometry *b = GEOSBoundary_r(h, g);
    double d = -1;
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(GEOSDistance_r(h, b, p, &d), 1);
    GEOSGeom_destroy_r(h, b);
    GEOSGeom_destroy_r(h, p);
    return d;
}

/* The arc error bound of wg/view.h: the polygon misses at most the share delta^2 / 6 of the
 * area of the circular sectors of angle `rad` its arcs bound. */
static double arc_err(double range, double rad)
{
    double d = wg_view_arc_step(range);
    return range * range * rad / 2 * d * d / 6;
}

/* How far the hidden area measured as (view without obstacles) - (view with them) may be from
 * the exact one, for a shadow `rad` wide: the two views differ only within the shadow and the
 * arc step either side of it, and each misses at most arc_err() there (their errors are both
 * >= 0, so the difference is bounded by the larger). */
static double shadow_err(double range, double rad)
{
    return arc_err(range, rad + 2 * wg_view_arc_step(range)) + 1e-3;
}

/* A point at compass bearing b (degrees) and distance d from (x, y). */
static void at_bearing(double x, double y, double b, double d, double *px, double *py)
{
    *px = x + d * sin(b * PI / 180);
    *py = y + d * cos(b * PI / 180);
}

/* ---- No obstacles ---------------------------------------------------------------------- */

START_TEST(arc_step_keeps_chords_within_a_centimetre)
{
    /* 2 sqrt(2 * 0.01 / r): 0.0282843 for r = 100 (above 1 degree, so 1 degree), 0.0089443
     * for r = 1000. */
    ck_assert_double_eq_tol(wg_view_arc_step(100), PI / 180, 1e-15);
    ck_assert_double_eq_tol(wg_view_arc_step(1000), 0.00894427191, 1e-10);
    double d = wg_view_arc_step(1000);
    ck_assert_double_le(1000 * (1 - cos(d / 2)), 0.01 + 1e-12);
    /* A 1 km disc: every vertex on the circle, every chord within 1 cm of it. */
    wg_view_cam cam = {
        .x = 500000, .y = 4000000, .heading_deg = 0, .fov_deg = 360, .range_m = 1000};
    GEOSGeometry *g = view(&cam, NULL, 0);
    double x0, y0, x1, y1;
    ck_assert_int_eq(GEOSGeom_getExtent_r(wg_ctx_geos(t_ctx), g, &x0, &y0, &x1, &y1), 1);
    ck_assert_double_le(x1, cam.x + 1000 + 1e-6);
    ck_assert_double_ge(x0, cam.x - 1000 - 1e-6);
    ck_assert_double_eq_tol(y1, cam.y + 1000, 1e-6); /* the first ray points north */
    double inner = to_outline(g, cam.x, cam.y);
    ck_assert_double_ge(inner, 1000 - 0.01 - 1e-6);
    ck_assert_double_le(inner, 1000);
    GEOSGeom_destroy_r(wg_ctx_geos(t_ctx), g);
}
END_TEST

START_TEST(sector_areas_match_r2_theta_over_2)
{
    const wg_view_cam cams[] = {
        {500000, 4000000, 90, 90, 50}, {500000, 4000000, 0, 30, 200}, {0, 0, 225, 200, 80},
        {1000, -2000, 0, 360, 100},    {0, 0, 45, 1, 1000},           {0, 0, 300, 359, 30},
        {0, 0, 10, 400, 20}, /* more than 360: a disc */
    };
    for (size_t i = 0; i < sizeof cams / sizeof *cams; i++) {
        const wg_view_cam *c = &cams[i];
        double theta = fmin(c->fov_deg, 360) * PI / 180;
        double exact = c->range_m * c->range_m * theta / 2;
        GEOSGeometry *g = view(c, NULL, 0);
        double a = area_of(g);
        ck_assert_msg(a <= exact * (1 + 1e-12) && a >= exact - arc_err(c->range_m, theta),
                      "camera %zu: area %.9g, exact %.9g, bound %.3g", i, a, exact,
                      arc_err(c->range_m, theta));
        GEOSGeom_destroy_r(wg_ctx_geos(t_ctx), g);
    }
}
END_TEST

START_TEST(sector_extent_follows_heading)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    double x0, y0, x1, y1;
    /* Facing east, 90 degrees wide: from bearing 45 to 135, all east of the camera. */
    wg_view_cam east = {.x = 500000, .y = 4000000, .heading_deg = 90, .fov_deg = 90, .range_m = 50};
    GEOSGeometry *g = view(&east, NULL, 0);
    GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1);
    double half = 50 * sqrt(0.5), d = wg_view_arc_step(50);
    ck_assert_double_eq_tol(x0, east.x, 1e-6);
    ck_assert_double_eq_tol(y1, east.y + half, 1e-6);
    ck_assert_double_eq_tol(y0, east.y - half, 1e-6);
    ck_assert_double_ge(x1, east.x + 50 * cos(d / 2) - 1e-6);
    ck_assert_double_le(x1, east.x + 50 + 1e-6);
    GEOSGeom_destroy_r(h, g);

    /* Facing north, 30 degrees wide: x within +-200 sin 15, all north of the camera. */
    wg_view_cam north = {
        .x = 500000, .y = 4000000, .heading_deg = 0, .fov_deg = 30, .range_m = 200};
    g = view(&north, NULL, 0);
    GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1);
    ck_assert_double_eq_tol(y0, north.y, 1e-6);
    ck_assert_double_eq_tol(x1, north.x + 200 * sin(PI / 12), 1e-6);
    ck_assert_double_eq_tol(x0, north.x - 200 * sin(PI / 12), 1e-6);
    ck_assert_double_eq_tol(y1, north.y + 200, 1e-6); /* 30 / delta steps: the centre is one */
    GEOSGeom_destroy_r(h, g);

    /* Facing south-west, 200 degrees wide: bearings 125..325 (through 225) are seen. */
    wg_view_cam sw = {.x = 10, .y = 20, .heading_deg = 225, .fov_deg = 200, .range_m = 80};
    g = view(&sw, NULL, 0);
    const struct {
        double bearing;
        bool seen;
    } probe[] = {{225, true}, {130, true}, {320, true}, {45, false}, {120, false}, {330, false}};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        double px, py;
        at_bearing(sw.x, sw.y, probe[i].bearing, 40, &px, &py);
        ck_assert_msg(covers(g, px, py) == probe[i].seen, "bearing %g", probe[i].bearing);
    }
    GEOSGeom_destroy_r(h, g);
}
END_TEST

/* ---- Obstacles ------------------------------------------------------------------------- */

/* Camera at the origin, a 100 m disc, the square [-10,10]x[20,40] to the north. Its corners
 * (+-10, 20) bound the shadow: the wedge of half-angle atan(10/20) out to the circle, less the
 * triangle between the camera and the square's front face, hides 10000 atan(1/2) - 200
 * = 4436.476 m2 (the square included). */
START_TEST(square_casts_known_shadow)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *sq = box(-10, 20, 10, 40);
    const GEOSGeometry *obs[] = {sq};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 0, .fov_deg = 360, .range_m = 100};
    double hidden;
    double a = view_area(&cam, obs, 1, &hidden);
    double alpha = atan(0.5);
    double exact_hidden = 10000 * alpha - 200;
    ck_assert_double_eq_tol(exact_hidden, 4436.4761, 1e-4);
    ck_assert_double_eq_tol(hidden, exact_hidden, shadow_err(100, 2 * alpha));
    double exact = PI * 10000 - exact_hidden;
    ck_assert_double_le(a, exact + 1e-3);
    ck_assert_double_ge(a, exact - arc_err(100, 2 * PI - 2 * alpha) - 1e-3);

    GEOSGeometry *g = view(&cam, obs, 1);
    ck_assert(!covers(g, 0, 60));  /* behind the square */
    ck_assert(!covers(g, 0, 30));  /* inside it */
    ck_assert(!covers(g, 11, 90)); /* behind it, near the shadow's edge (x = 0.5 y) */
    ck_assert(covers(g, 0, 10));   /* in front of it */
    ck_assert(covers(g, 30, 30));  /* beside it */
    ck_assert(covers(g, 15, 20));  /* just outside the shadow's edge (x = 10 at y = 20) */
    /* The shadow's edges are exact: the corner and the ray's end on the circle are on the
     * outline. */
    ck_assert_double_le(to_outline(g, 10, 20), 1e-6);
    ck_assert_double_le(to_outline(g, 100 * sin(alpha), 100 * cos(alpha)), 1e-6);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, sq);
}
END_TEST

START_TEST(host_building_is_ignored)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 30, .fov_deg = 360, .range_m = 100};
    GEOSGeometry *bare = view(&cam, NULL, 0);
    double a0 = area_of(bare);
    /* Inside; on the boundary; 1e-7 m from it: all the host, all ignored. */
    GEOSGeometry *hosts[] = {box(-5, -5, 5, 5), box(0, -5, 10, 5), box(1e-7, -5, 10, 5)};
    for (size_t i = 0; i < 3; i++) {
        const GEOSGeometry *obs[] = {hosts[i]};
        GEOSGeometry *g = view(&cam, obs, 1);
        ck_assert_msg(fabs(area_of(g) - a0) <= 1e-9, "host %zu: %.12g vs %.12g", i, area_of(g), a0);
        GEOSGeom_destroy_r(h, g);
        GEOSGeom_destroy_r(h, hosts[i]);
    }
    /* 1e-5 m away it is an ordinary obstacle: from just west of its west face, the wedge
     * between its corners (1e-5, +-5) (nearly a half disc) less the sliver in front. */
    GEOSGeometry *near = box(1e-5, -5, 10, 5);
    const GEOSGeometry *obs[] = {near};
    double hidden;
    view_area(&cam, obs, 1, &hidden);
    double alpha = atan2(5, 1e-5);
    double exact_hidden = 10000 * alpha - 1e-5 * 5;
    ck_assert_double_eq_tol(hidden, exact_hidden, shadow_err(100, 2 * alpha));
    GEOSGeom_destroy_r(h, near);
    GEOSGeom_destroy_r(h, bare);
}
END_TEST

START_TEST(obstacle_beyond_range_changes_nothing)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 45, .fov_deg = 120, .range_m = 100};
    /* A square far off; a triangle whose envelope reaches into range (its corner (60, 60) is
     * 84.9 m away) while its nearest edge (x + y = 160) stays 113 m away. */
    GEOSGeometry *far = box(200, 0, 210, 10);
    GEOSGeometry *tri = geos_wkt("POLYGON((60 100,100 60,110 110,60 100))");
    const GEOSGeometry *obs[] = {far, tri};
    double hidden;
    double a = view_area(&cam, obs, 2, &hidden);
    ck_assert_double_eq_tol(hidden, 0, 1e-9);
    ck_assert_double_le(a, 10000 * (PI * 2 / 3) / 2);
    GEOSGeom_destroy_r(h, far);
    GEOSGeom_destroy_r(h, tri);
}
END_TEST

/* The wall [50,60]x[0,200] reaches past the 100 m circle: what it hides within range is the
 * half of the circular segment beyond x = 50 north of y = 0, (r^2 acos(1/2) - 50 sqrt(7500))/2
 * = 3070.92 m2, and its face meets the circle at (50, 86.60), bearing 30. */
START_TEST(obstacle_crossing_range_circle)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *wall = box(50, 0, 60, 200);
    const GEOSGeometry *obs[] = {wall};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 3.7, .fov_deg = 360, .range_m = 100};
    double hidden;
    view_area(&cam, obs, 1, &hidden);
    double exact_hidden = (10000 * PI / 3 - 50 * sqrt(7500)) / 2;
    ck_assert_double_eq_tol(exact_hidden, 3070.9243, 1e-4);
    ck_assert_double_eq_tol(hidden, exact_hidden, shadow_err(100, PI / 3));
    GEOSGeometry *g = view(&cam, obs, 1);
    ck_assert_double_le(to_outline(g, 50, sqrt(7500)), 1e-6); /* a vertex of the result */
    ck_assert(covers(g, 45, 80));
    ck_assert(!covers(g, 55, 50)); /* inside the wall */
    ck_assert(!covers(g, 70, 40)); /* behind it */
    ck_assert(covers(g, 70, -40)); /* south of it */
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, wall);
}
END_TEST

/* An L with its notch [20,30]x[0,20] facing the camera: rays below bearing 90 stop at the face
 * x = 20, rays above it cross the notch to the face x = 30, up to the corner (30, 20). Hidden:
 * the wedge from corner (20, -20) to corner (30, 20), pi/4 + atan(2/3) wide, less the two
 * triangles in front (200 + 300 m2): 6367.004 m2. */
START_TEST(concave_obstacle_shows_its_notch)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *el = geos_wkt("POLYGON((20 -20,40 -20,40 20,30 20,30 0,20 0,20 -20))");
    const GEOSGeometry *obs[] = {el};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 0, .fov_deg = 360, .range_m = 100};
    double hidden;
    view_area(&cam, obs, 1, &hidden);
    double wedge = PI / 4 + atan(2.0 / 3.0);
    double exact_hidden = 10000 * wedge / 2 - 500;
    ck_assert_double_eq_tol(exact_hidden, 6367.0038, 1e-4);
    ck_assert_double_eq_tol(hidden, exact_hidden, shadow_err(100, wedge));
    GEOSGeometry *g = view(&cam, obs, 1);
    ck_assert(covers(g, 25, 10));   /* in the notch */
    ck_assert(covers(g, 29, 1));    /* deep in the notch */
    ck_assert(!covers(g, 35, 10));  /* inside the L */
    ck_assert(!covers(g, 25, -10)); /* inside the L */
    ck_assert(!covers(g, 60, -5));  /* behind it */
    ck_assert(covers(g, 60, 45));   /* bearing 53.1, past the corner (30, 20) at 56.3 */
    ck_assert(!covers(g, 60, 39));  /* bearing 57: behind the corner */
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, el);
}
END_TEST

START_TEST(nearer_obstacle_hides_farther)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *nearer = box(-10, 20, 10, 40);
    GEOSGeometry *farther = box(-5, 60, 5, 70); /* within the nearer one's shadow */
    const GEOSGeometry *one[] = {nearer};
    const GEOSGeometry *two[] = {nearer, farther};
    const GEOSGeometry *rev[] = {farther, nearer};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 0, .fov_deg = 360, .range_m = 100};
    double hidden;
    double a1 = view_area(&cam, one, 1, &hidden);
    double a2 = view_area(&cam, two, 2, &hidden);
    double a3 = view_area(&cam, rev, 2, &hidden);
    ck_assert_double_eq_tol(a2, a1, 1e-6);
    ck_assert_double_eq_tol(a3, a1, 1e-6);
    GEOSGeom_destroy_r(h, nearer);
    GEOSGeom_destroy_r(h, farther);
}
END_TEST

/* Two footprints that overlap: the triangle's west edge, x = 20 - y/4, crosses the square's
 * west face x = 20 at (20, 0), where neither has a corner. South of it the square is nearer,
 * north of it the triangle. In front of both: the polygon (0,0) (25,-20) (160/7,-80/7)
 * (20,-10) (20,0) (15,20), 2700/7 m2; the wedge between bearings of (15,20) and (25,-20) hides
 * the rest. */
START_TEST(overlapping_obstacles_switch_at_their_crossing)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *sq = box(20, -10, 40, 10);
    GEOSGeometry *tri = geos_wkt("POLYGON((25 -20,40 20,15 20,25 -20))");
    const GEOSGeometry *obs[] = {sq, tri};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 7.3, .fov_deg = 360, .range_m = 100};
    double hidden;
    view_area(&cam, obs, 2, &hidden);
    double wedge = atan2(20, 15) - atan2(-20, 25);
    double exact_hidden = 10000 * wedge / 2 - 2700.0 / 7;
    ck_assert_double_eq_tol(hidden, exact_hidden, shadow_err(100, wedge));
    GEOSGeometry *g = view(&cam, obs, 2);
    ck_assert_double_le(to_outline(g, 20, 0), 1e-6);
    ck_assert(covers(g, 19, 2));     /* west of the triangle's edge (x = 19.5 at y = 2) */
    ck_assert(!covers(g, 19.8, 2));  /* inside the triangle */
    ck_assert(covers(g, 19.8, -2));  /* in front of the square, west of the triangle */
    ck_assert(!covers(g, 20.2, -2)); /* inside the square */
    /* Nothing of either interior is in the view. */
    GEOSGeometry *both = GEOSUnion_r(h, sq, tri);
    GEOSGeometry *x = GEOSIntersection_r(h, g, both);
    ck_assert_double_le(area_of(x), 1e-6);
    GEOSGeom_destroy_r(h, x);
    GEOSGeom_destroy_r(h, both);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, sq);
    GEOSGeom_destroy_r(h, tri);
}
END_TEST

/* Two footprints meet corner to corner at (20, 10), on the ray at bearing atan(2), but B is
 * moved 1e-11 m off A, across that ray: a crack far narrower than the data's precision, which
 * a ray aimed at either corner could slip through to the circle. No ray does: everything
 * behind the corners stays hidden. */
START_TEST(hairline_crack_is_no_window)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    double gx = 1e-11 / sqrt(5), gy = -2e-11 / sqrt(5);
    GEOSGeometry *a = box(10, 10, 20, 20);
    GEOSGeometry *b = box(20 + gx, gy, 30 + gx, 10 + gy);
    const GEOSGeometry *obs[] = {a, b};
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 0, .fov_deg = 360, .range_m = 100};
    GEOSGeometry *g = view(&cam, obs, 2);
    ck_assert_double_ge(to_outline(g, 60 * 2 / sqrt(5), 60 / sqrt(5)), 5);
    ck_assert_double_ge(to_outline(g, 90 * 2 / sqrt(5), 90 / sqrt(5)), 5);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, a);
    GEOSGeom_destroy_r(h, b);
}
END_TEST

/* ---- Brute force ----------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

/* A rectangle w x l centred at (x, y), turned by a (radians), as WKT ring text. */
static void rect_ring(char *s, size_t n, double x, double y, double w, double l, double a)
{
    double c = cos(a), sn = sin(a), px[4], py[4];
    const double u[4] = {-w / 2, w / 2, w / 2, -w / 2}, v[4] = {-l / 2, -l / 2, l / 2, l / 2};
    for (int k = 0; k < 4; k++)
        px[k] = x + c * u[k] - sn * v[k], py[k] = y + sn * u[k] + c * v[k];
    snprintf(s, n, "(%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g)", px[0], py[0],
             px[1], py[1], px[2], py[2], px[3], py[3], px[0], py[0]);
}

/* Whether the camera sees (x, y) by brute force: in the sector and the range, and the segment
 * from the camera crosses no obstacle interior (each shrunk by 1e-6 m, so grazing a corner or
 * running along a wall does not count). */
static bool truly_seen(const wg_view_cam *cam, const GEOSPreparedGeometry *const *shrunk, size_t n,
                       double x, double y)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    double dx = x - cam->x, dy = y - cam->y;
    if (hypot(dx, dy) > cam->range_m)
        return false;
    double off = fmod(atan2(dx, dy) * 180 / PI - cam->heading_deg + 720 + 180, 360) - 180;
    if (cam->fov_deg < 360 && fabs(off) > cam->fov_deg / 2)
        return false;
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 2, 2);
    ck_assert_ptr_nonnull(cs);
    GEOSCoordSeq_setXY_r(h, cs, 0, cam->x, cam->y);
    GEOSCoordSeq_setXY_r(h, cs, 1, x, y);
    GEOSGeometry *seg = GEOSGeom_createLineString_r(h, cs);
    ck_assert_ptr_nonnull(seg);
    bool seen = true;
    for (size_t k = 0; k < n && seen; k++) {
        int hit = GEOSPreparedIntersects_r(h, shrunk[k], seg);
        ck_assert_int_ne(hit, 2);
        seen = hit == 0;
    }
    GEOSGeom_destroy_r(h, seg);
    return seen;
}

/* 30 random turned rectangles (overlapping at will) within 100 m of the camera, one of them a
 * MultiPolygon of two and one with a courtyard (holes are ignored: the brute force fills it),
 * plus a host building round the camera (ignored: left out of the brute force). Three
 * cameras, 2000 random points each; points within 1e-3 m of the result's outline, or within
 * 2 cm of the range circle (where the chords cut the arc by up to 1 cm), are not judged. */
START_TEST(brute_force_agrees_on_random_layout)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    const double cx = 1000, cy = 2000;
    enum { NOBS = 30 };
    GEOSGeometry *obs[NOBS + 1];
    GEOSGeometry *filled[NOBS];
    char ring[512], ring2[512], text[1200];
    for (size_t k = 0; k < NOBS;) {
        double x = cx + (rnd() * 2 - 1) * 100, y = cy + (rnd() * 2 - 1) * 100;
        double w = 3 + rnd() * 17, l = 3 + rnd() * 17, a = rnd() * PI;
        if (hypot(x - cx, y - cy) < hypot(w, l) / 2 + 1)
            continue; /* would hold the camera or come within 1 m of it */
        rect_ring(ring, sizeof ring, x, y, w, l, a);
        if (k == 0) { /* with a courtyard */
            rect_ring(ring2, sizeof ring2, x, y, w / 2, l / 2, a);
            snprintf(text, sizeof text, "POLYGON(%s,%s)", ring, ring2);
        } else if (k == 1) { /* and a second rectangle beside it, 30 m east */
            if (hypot(x + 30 - cx, y - cy) < hypot(w, l) / 2 + 1)
                continue;
            rect_ring(ring2, sizeof ring2, x + 30, y, w, l, a);
            snprintf(text, sizeof text, "MULTIPOLYGON((%s),(%s))", ring, ring2);
        } else
            snprintf(text, sizeof text, "POLYGON(%s)", ring);
        obs[k] = geos_wkt(text);
        if (k == 0)
            snprintf(text, sizeof text, "POLYGON(%s)", ring);
        filled[k] = geos_wkt(text);
        k++;
    }
    rect_ring(ring, sizeof ring, cx + 2, cy - 1, 8, 12, 0.3); /* the host */
    snprintf(text, sizeof text, "POLYGON(%s)", ring);
    obs[NOBS] = geos_wkt(text);
    const GEOSPreparedGeometry *shrunk[NOBS];
    GEOSGeometry *small[NOBS];
    for (size_t k = 0; k < NOBS; k++) {
        small[k] = GEOSBuffer_r(h, filled[k], -1e-6, 8);
        ck_assert_ptr_nonnull(small[k]);
        shrunk[k] = GEOSPrepare_r(h, small[k]);
        ck_assert_ptr_nonnull(shrunk[k]);
    }
    const wg_view_cam cams[] = {
        {cx, cy, 37, 120, 80}, {cx, cy, 250, 360, 60}, {cx, cy, 300, 15, 120}};
    for (size_t c = 0; c < 3; c++) {
        const wg_view_cam *cam = &cams[c];
        GEOSGeometry *g = view(cam, (const GEOSGeometry *const *)obs, NOBS + 1);
        size_t judged = 0, seen = 0, bad = 0;
        for (int i = 0; i < 2000; i++) {
            double x = cx + (rnd() * 2 - 1) * cam->range_m, y = cy + (rnd() * 2 - 1) * cam->range_m;
            if (fabs(hypot(x - cx, y - cy) - cam->range_m) < 0.02 || to_outline(g, x, y) <= 1e-3)
                continue;
            bool got = covers(g, x, y), want = truly_seen(cam, shrunk, NOBS, x, y);
            judged++;
            seen += want;
            if (got != want && bad++ == 0)
                fprintf(stderr, "camera %zu: (%.6f, %.6f) view says %d, brute force %d\n", c, x, y,
                        got, want);
        }
        ck_assert_msg(bad == 0, "camera %zu: %zu of %zu points disagree", c, bad, judged);
        /* No vertex of the view lies inside an obstacle (a ray that slipped into one). */
        const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g));
        unsigned nv = 0;
        ck_assert_int_eq(GEOSCoordSeq_getSize_r(h, cs, &nv), 1);
        for (unsigned i = 0; i < nv; i++) {
            double x, y;
            GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
            GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
            for (size_t k = 0; k < NOBS; k++)
                ck_assert_msg(GEOSPreparedContains_r(h, shrunk[k], p) == 0,
                              "camera %zu: vertex (%.9f, %.9f) inside obstacle %zu", c, x, y, k);
            GEOSGeom_destroy_r(h, p);
        }
        ck_assert_uint_ge(judged, 1900);
        ck_assert_uint_ge(seen, 50);           /* both answers are exercised */
        ck_assert_uint_ge(judged - seen, 500); /* (most of the square is out of range) */
        GEOSGeom_destroy_r(h, g);
    }
    for (size_t k = 0; k < NOBS; k++) {
        GEOSPreparedGeom_destroy_r(h, shrunk[k]);
        GEOSGeom_destroy_r(h, small[k]);
        GEOSGeom_destroy_r(h, filled[k]);
        GEOSGeom_destroy_r(h, obs[k]);
    }
    GEOSGeom_destroy_r(h, obs[NOBS]);
}
END_TEST

/* ---- Bad input ------------------------------------------------------------------------- */

static void expect_einput(const wg_view_cam *cam, const GEOSGeometry *const *obs, size_t n,
                          const char *needle)
{
    wg_geom *sentinel = (wg_geom *)&sentinel;
    wg_geom *out = sentinel;
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_view_polygon(t_ctx, cam, (const wg_geom *const *)obs, n, &out), WG_EINPUT);
    ck_assert_ptr_eq(out, sentinel); /* written only on success */
    const char *msg = wg_ctx_errmsg(t_ctx);
    ck_assert_msg(strstr(msg, needle), "expected \"%s\" in: %s", needle, msg);
}

START_TEST(bad_input_names_the_value)
{
    wg_view_cam cam = {.x = 0, .y = 0, .heading_deg = 0, .fov_deg = 0, .range_m = 100};
    expect_einput(&cam, NULL, 0, "fov_deg = 0");
    cam.fov_deg = 90, cam.range_m = -1;
    expect_einput(&cam, NULL, 0, "range_m = -1");
    cam.range_m = 100, cam.x = NAN;
    expect_einput(&cam, NULL, 0, "(nan, 0) is not finite");
    cam.x = 0, cam.heading_deg = INFINITY;
    expect_einput(&cam, NULL, 0, "heading_deg = inf");
    cam.heading_deg = 0;
    GEOSGeometry *sq = box(10, 10, 20, 20);
    GEOSGeometry *line = geos_wkt("LINESTRING(0 5,5 5)");
    const GEOSGeometry *obs[] = {sq, line};
    expect_einput(&cam, obs, 2, "obstacle 1 is a LineString");
    GEOSGeom_destroy_r(wg_ctx_geos(t_ctx), sq);
    GEOSGeom_destroy_r(wg_ctx_geos(t_ctx), line);
}
END_TEST

TCase *tcase_view(void)
{
    TCase *tc = tcase_create("view");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, arc_step_keeps_chords_within_a_centimetre);
    tcase_add_test(tc, sector_areas_match_r2_theta_over_2);
    tcase_add_test(tc, sector_extent_follows_heading);
    tcase_add_test(tc, square_casts_known_shadow);
    tcase_add_test(tc, host_building_is_ignored);
    tcase_add_test(tc, obstacle_beyond_range_changes_nothing);
    tcase_add_test(tc, obstacle_crossing_range_circle);
    tcase_add_test(tc, concave_obstacle_shows_its_notch);
    tcase_add_test(tc, nearer_obstacle_hides_farther);
    tcase_add_test(tc, overlapping_obstacles_switch_at_their_crossing);
    tcase_add_test(tc, hairline_crack_is_no_window);
    tcase_add_test(tc, brute_force_agrees_on_random_layout);
    tcase_add_test(tc, bad_input_names_the_value);
    return tc;
}
