/* tests/geo/test_locate.c: the point locator against GEOS — random points, points exactly on
 * edges and vertices, holes, overlaps, gaps, every bin density — and its boundary rule. */
#include "geo_int.h" /* the answers are checked against GEOS itself */
#include "support.h"
#include "wg/locate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_locate(void);

/* A GEOS geometry from WKT (t_wkt, seen from inside geo). */
static GEOSGeometry *geos_wkt(const char *text)
{
    return wg__geos(t_wkt(text));
}

static GEOSGeometry *box(double x0, double y0, double x1, double y1)
{
    char s[256];
    snprintf(s, sizeof s, "POLYGON((%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g))",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return geos_wkt(s);
}

static uint64_t rng_state = 88172645463325252ull;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

/* The polygons under test with their envelopes, so that the reference answer asks GEOS only
 * about polygons whose envelope holds the point. */
typedef struct ref {
    GEOSGeometry **g;
    size_t n;
    double (*box)[4];
} ref;

static ref ref_of(GEOSGeometry **g, size_t n)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    ref r = {g, n, malloc(n * sizeof *r.box)};
    for (size_t k = 0; k < n; k++) {
        GEOSGeom_getXMin_r(h, g[k], &r.box[k][0]);
        GEOSGeom_getYMin_r(h, g[k], &r.box[k][1]);
        GEOSGeom_getXMax_r(h, g[k], &r.box[k][2]);
        GEOSGeom_getYMax_r(h, g[k], &r.box[k][3]);
    }
    return r;
}

static int32_t first_containing(const ref *r, double x, double y, bool *on_edge)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
    int32_t in = -1;
    for (size_t k = 0; k < r->n && in < 0; k++) {
        if (x < r->box[k][0] || x > r->box[k][2] || y < r->box[k][1] || y > r->box[k][3])
            continue;
        if (GEOSContains_r(h, r->g[k], p) == 1)
            in = (int32_t)k;
        else if (on_edge && GEOSIntersects_r(h, r->g[k], p) == 1)
            *on_edge = true;
    }
    GEOSGeom_destroy_r(h, p);
    return in;
}

/* What the header promises for (x, y): the lowest polygon GEOS says contains it; or, when the
 * point lies on boundaries only, the lowest polygon containing (x + e, y + e^2). */
static int32_t expected(const ref *r, double x, double y, double e)
{
    bool on_edge = false;
    int32_t in = first_containing(r, x, y, &on_edge);
    if (in >= 0 || !on_edge)
        return in;
    in = first_containing(r, x + e, y + e * e, NULL);
    if (in >= 0)
        return in;
    /* on the outer boundary: the lowest polygon it lies on */
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
    for (size_t k = 0; k < r->n && in < 0; k++)
        if (GEOSIntersects_r(h, r->g[k], p) == 1)
            in = (int32_t)k;
    GEOSGeom_destroy_r(h, p);
    return in;
}

static void free_all(GEOSGeometry **g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        GEOSGeom_destroy_r(wg_ctx_geos(t_ctx), g[i]);
}

/* A 60 x 40 area tiled by: 12 squares of 10 (two of them cut along a diagonal), an L-shaped
 * cell, a cell with a hole and the cell filling that hole. Every point of the area belongs to
 * exactly one cell. */
static size_t tiling(GEOSGeometry **g)
{
    size_t n = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 6; i++) {
            if (j == 1 && i == 3) { /* cut along the diagonal (30,10)-(40,20) */
                g[n++] = geos_wkt("POLYGON((30 10,40 10,40 20,30 10))");
                g[n++] = geos_wkt("POLYGON((30 10,40 20,30 20,30 10))");
            } else {
                g[n++] = box(10 * i, 10 * j, 10 * (i + 1), 10 * (j + 1));
            }
        }
    g[n++] = geos_wkt("POLYGON((0 20,30 20,30 40,20 40,20 30,0 30,0 20))"); /* L */
    g[n++] = box(0, 30, 20, 40);
    g[n++] = geos_wkt("POLYGON((30 20,60 20,60 40,30 40,30 20),(40 25,50 25,50 35,40 35,40 25))");
    g[n++] = box(40, 25, 50, 35); /* fills the hole */
    return n;
}

static wg_locator *build(GEOSGeometry **g, size_t n, double density)
{
    wg_locator *L = NULL;
    T_OK(t_ctx, wg_locator_build(t_ctx, (const wg_geom *const *)g, n, density, &L));
    return L;
}

START_TEST(tiling_every_point_in_exactly_one)
{
    GEOSGeometry *g[32];
    size_t n = tiling(g);
    ref r = ref_of(g, n);
    /* every grid point at a quarter metre (vertices, points on edges, interiors), then random
     * points; the reference answers once, every bin density must agree */
    enum { NGRID = 241 * 161, NRAND = 10000 };
    double *xy = malloc(2 * (NGRID + NRAND) * sizeof *xy);
    int32_t *want = malloc((NGRID + NRAND) * sizeof *want);
    for (int i = 0; i < NGRID; i++) {
        xy[2 * i] = 0.25 * (i % 241);
        xy[2 * i + 1] = 0.25 * (i / 241);
    }
    for (int i = NGRID; i < NGRID + NRAND; i++) {
        xy[2 * i] = rnd() * 60;
        xy[2 * i + 1] = rnd() * 40;
    }
    for (int i = 0; i < NGRID + NRAND; i++) {
        want[i] = expected(&r, xy[2 * i], xy[2 * i + 1], 1e-6);
        ck_assert_msg(want[i] >= 0, "reference: (%g, %g) in no cell", xy[2 * i], xy[2 * i + 1]);
    }
    const double densities[] = {0.01, 0.5, 2, 40, 400};
    for (size_t d = 0; d < sizeof densities / sizeof *densities; d++) {
        wg_locator *L = build(g, n, densities[d]);
        for (int i = 0; i < NGRID + NRAND; i++) {
            int32_t got = wg_locate(L, xy[2 * i], xy[2 * i + 1]);
            ck_assert_msg(got == want[i], "density %g: (%g, %g) in %d, expected %d", densities[d],
                          xy[2 * i], xy[2 * i + 1], got, want[i]);
        }
        /* points on the diagonal edge go to the cell east of it */
        ck_assert_int_eq(wg_locate(L, 35, 15), 9);
        /* on the vertical edge x = 10 between squares 0 and 1: the eastern one */
        ck_assert_int_eq(wg_locate(L, 10, 5), 1);
        /* on the horizontal edge y = 10 between squares 0 and 6: the northern one */
        ck_assert_int_eq(wg_locate(L, 5, 10), 6);
        /* the corner shared by four squares: the north-eastern one */
        ck_assert_int_eq(wg_locate(L, 20, 10), 8);
        /* the hole's boundary: the cell filling the hole owns its west and south sides */
        ck_assert_int_eq(wg_locate(L, 40, 30), (int32_t)n - 1);
        ck_assert_int_eq(wg_locate(L, 45, 25), (int32_t)n - 1);
        ck_assert_int_eq(wg_locate(L, 50, 30), (int32_t)n - 2);
        /* outside the area and non-finite coordinates */
        ck_assert_int_eq(wg_locate(L, -0.001, 5), -1);
        /* the area's outer edges: nothing east or north, the cell they bound */
        ck_assert_int_eq(wg_locate(L, 60, 5), 5);
        ck_assert_int_eq(wg_locate(L, 5, 40), (int32_t)n - 3);
        ck_assert_int_eq(wg_locate(L, 60, 40), (int32_t)n - 2);
        ck_assert_int_eq(wg_locate(L, 60.001, 5), -1);
        ck_assert_int_eq(wg_locate(L, 5, 40.001), -1);
        ck_assert_int_eq(wg_locate(L, 1e300, 5), -1);
        ck_assert_int_eq(wg_locate(L, NAN, 5), -1);
        ck_assert_int_eq(wg_locate(L, 5, INFINITY), -1);
        wg_locator_free(L);
    }
    free(xy);
    free(want);
    free(r.box);
    free_all(g, n);
}
END_TEST

/* A Voronoi tessellation of random sites, shifted to projected-coordinate magnitudes: random
 * points, the vertices, and points along the edges agree with GEOS. */
START_TEST(voronoi_agrees_with_geos)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    const double X0 = 448000, Y0 = 4420000; /* a UTM easting and northing */
    GEOSGeometry *pts[300];
    for (int i = 0; i < 300; i++)
        pts[i] = GEOSGeom_createPointFromXY_r(h, X0 + rnd() * 2000, Y0 + rnd() * 1500);
    GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, 300);
    GEOSGeometry *env = box(X0, Y0, X0 + 2000, Y0 + 1500);
    GEOSGeometry *vd = GEOSVoronoiDiagram_r(h, mp, env, 0, 0);
    ck_assert_ptr_nonnull(vd);
    int nv = GEOSGetNumGeometries_r(h, vd);
    GEOSGeometry **cells = malloc((size_t)nv * sizeof *cells);
    for (int i = 0; i < nv; i++)
        cells[i] = GEOSIntersection_r(h, GEOSGetGeometryN_r(h, vd, i), env);
    wg_locator *L = build(cells, (size_t)nv, 0);
    ref rf = ref_of(cells, (size_t)nv);
    wg_locator_stats s;
    wg_locator_get_stats(L, &s);
    ck_assert_uint_eq(s.polygons, (size_t)nv);
    ck_assert_uint_gt(s.boundary_bins, 0);
    ck_assert_uint_lt(s.boundary_bins, s.cols * s.rows);
    size_t checked = 0, on_edge = 0;
    for (int i = 0; i < 20000; i++) {
        double x = X0 - 50 + rnd() * 2100, y = Y0 - 50 + rnd() * 1600;
        ck_assert_int_eq(wg_locate(L, x, y), expected(&rf, x, y, 1e-4));
        checked++;
    }
    /* every vertex, and points a fraction along every edge (rounded: near, not on, the edge) */
    for (int i = 0; i < nv; i++) {
        const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, cells[i]);
        const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
        unsigned np = 0;
        GEOSCoordSeq_getSize_r(h, cs, &np);
        for (unsigned j = 0; j + 1 < np; j++) {
            double ax, ay, bx, by;
            GEOSCoordSeq_getXY_r(h, cs, j, &ax, &ay);
            GEOSCoordSeq_getXY_r(h, cs, j + 1, &bx, &by);
            const double f[] = {0, 0.5, 1.0 / 3};
            for (int q = 0; q < 3; q++) {
                double x = ax + f[q] * (bx - ax), y = ay + f[q] * (by - ay);
                int32_t got = wg_locate(L, x, y);
                int32_t want = expected(&rf, x, y, 1e-4);
                if (want != got) {
                    /* a boundary point whose perturbed twin landed in a sliver: it must at
                     * least touch the cell it was given */
                    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, x, y);
                    ck_assert_msg(got >= 0 && GEOSIntersects_r(h, cells[got], p) == 1,
                                  "(%.17g, %.17g) in %d, expected %d", x, y, got, want);
                    GEOSGeom_destroy_r(h, p);
                }
                on_edge++;
            }
        }
    }
    ck_assert_uint_gt(checked + on_edge, 20000);
    wg_locator_free(L);
    free(rf.box);
    free_all(cells, (size_t)nv);
    free(cells);
    GEOSGeom_destroy_r(h, vd);
    GEOSGeom_destroy_r(h, env);
    GEOSGeom_destroy_r(h, mp);
}
END_TEST

START_TEST(overlaps_gaps_and_multipolygons)
{
    GEOSGeometry *g[4];
    g[0] = box(0, 0, 10, 10);
    g[1] = box(5, 0, 15, 10); /* overlaps g[0] on [5,10] */
    g[2] = geos_wkt("MULTIPOLYGON(((20 0,30 0,30 10,20 10,20 0)),((40 0,50 0,50 10,40 10,40 0)))");
    g[3] = NULL; /* holds nothing */
    for (double d = 0.1; d < 100; d *= 7) {
        wg_locator *L = build(g, 4, d);
        ck_assert_int_eq(wg_locate(L, 7, 5), 0);   /* the overlap: the lowest index */
        ck_assert_int_eq(wg_locate(L, 12, 5), 1);  /* only g[1] */
        ck_assert_int_eq(wg_locate(L, 17, 5), -1); /* the gap */
        ck_assert_int_eq(wg_locate(L, 25, 5), 2);  /* first part */
        ck_assert_int_eq(wg_locate(L, 35, 5), -1); /* between the parts */
        ck_assert_int_eq(wg_locate(L, 45, 5), 2);  /* second part */
        ck_assert_int_eq(wg_locate(L, 15, 5), 1);  /* g[1]'s east edge: the cell it bounds */
        ck_assert_int_eq(wg_locate(L, 15.5, 5), -1);
        ck_assert_int_eq(wg_locate(L, 10, 5), 1); /* g[0]'s east edge, inside g[1] */
        double xy[] = {7, 5, 12, 5, 17, 5, 45, 5};
        int32_t out[4];
        wg_locate_many(L, xy, 4, out);
        ck_assert_int_eq(out[0], 0);
        ck_assert_int_eq(out[1], 1);
        ck_assert_int_eq(out[2], -1);
        ck_assert_int_eq(out[3], 2);
        wg_locator_free(L);
    }
    free_all(g, 3);
}
END_TEST

START_TEST(empty_and_bad_input)
{
    wg_locator *L = NULL;
    T_OK(t_ctx, wg_locator_build(t_ctx, NULL, 0, 0, &L));
    ck_assert_int_eq(wg_locate(L, 0, 0), -1);
    wg_locator_free(L);

    GEOSGeometry *g[2] = {box(0, 0, 1, 1), geos_wkt("LINESTRING(0 0,1 1)")};
    L = NULL;
    ck_assert_int_eq(wg_locator_build(t_ctx, (const wg_geom *const *)g, 2, 0, &L), WG_EINPUT);
    ck_assert_ptr_null(L);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "polygon 1") &&
                      strstr(wg_ctx_errmsg(t_ctx), "LineString"),
                  "message: %s", wg_ctx_errmsg(t_ctx));
    free_all(g, 2);
}
END_TEST

TCase *tcase_locate(void)
{
    TCase *tc = tcase_create("locate");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, tiling_every_point_in_exactly_one);
    tcase_add_test(tc, voronoi_agrees_with_geos);
    tcase_add_test(tc, overlaps_gaps_and_multipolygons);
    tcase_add_test(tc, empty_and_bad_input);
    return tc;
}
