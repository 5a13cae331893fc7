/* tests/geo/test_geom.c: the named geometry jobs of wg/geom.h and wg/cover.h on hand-made
 * shapes whose answers are known — measures, boxes, the points that stand for a shape, shared
 * lengths, placing, nearest sites, dissolving, and the coverage of an area by views. */
#include "support.h"
#include "wg/cover.h"
#include "wg/crs.h"
#include "wg/geom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_geom(void);

START_TEST(measures_and_boxes)
{
    wg_geom *sq = t_wkt("POLYGON((0 0,10 0,10 20,0 20,0 0))");
    wg_geom *two = t_wkt("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))");
    wg_geom *empty = t_wkt("POLYGON EMPTY");
    double a = -1, len = -1, box[4];
    size_t n = 0;
    T_OK(t_ctx, wg_geom_area(t_ctx, sq, &a));
    T_OK(t_ctx, wg_geom_length(t_ctx, sq, &len));
    ck_assert_double_eq(a, 200);
    ck_assert_double_eq(len, 60);
    T_OK(t_ctx, wg_geom_nparts(t_ctx, two, &n));
    ck_assert_uint_eq(n, 2);
    T_OK(t_ctx, wg_geom_bbox(t_ctx, two, box));
    ck_assert(box[0] == 0 && box[1] == 0 && box[2] == 6 && box[3] == 6);
    T_OK(t_ctx, wg_geom_bbox(t_ctx, empty, box));
    ck_assert(isnan(box[0]) && isnan(box[1]) && isnan(box[2]) && isnan(box[3]));
    T_OK(t_ctx, wg_geom_bbox(t_ctx, NULL, box));
    ck_assert(isnan(box[0]));
    ck_assert_int_eq(wg_geom_is_empty(t_ctx, empty), WG_YES);
    ck_assert_int_eq(wg_geom_is_empty(t_ctx, sq), WG_NO);
    ck_assert_int_eq(wg_geom_kind(t_ctx, two), WG_G_POLYGON);
    wg_geom_free(t_ctx, sq);
    wg_geom_free(t_ctx, two);
    wg_geom_free(t_ctx, empty);
    wg_geom_free(t_ctx, NULL); /* does nothing */
}
END_TEST

START_TEST(lines_and_polygons_from_coordinates)
{
    const double ring[] = {0, 0, 4, 0, 4, 3, 0, 0};
    const double line[] = {0, 0, 3, 4, 3, 10};
    wg_geom *p = NULL, *l = NULL;
    double a = 0, len = 0;
    T_OK(t_ctx, wg_geom_polygon(t_ctx, ring, 4, &p));
    T_OK(t_ctx, wg_geom_line(t_ctx, line, 3, &l));
    T_OK(t_ctx, wg_geom_area(t_ctx, p, &a));
    T_OK(t_ctx, wg_geom_length(t_ctx, l, &len));
    ck_assert_double_eq(a, 6);
    ck_assert_double_eq(len, 11);
    ck_assert_int_eq(wg_geom_kind(t_ctx, l), WG_G_LINE);
    /* a ring that does not close is refused, with the count in the message */
    wg_geom *bad = NULL;
    ck_assert_int_eq(wg_geom_polygon(t_ctx, ring, 3, &bad), WG_EGEOS);
    ck_assert_ptr_null(bad);
    wg_geom_free(t_ctx, p);
    wg_geom_free(t_ctx, l);
}
END_TEST

START_TEST(points_that_stand_for_a_shape)
{
    /* a U: its centroid lies in the gap between the arms */
    wg_geom *u = t_wkt("POLYGON((0 0,30 0,30 30,20 30,20 10,10 10,10 30,0 30,0 0))");
    wg_geom *rect = t_wkt("POLYGON((0 0,4 0,4 2,0 2,0 0))");
    wg_geom *empty = t_wkt("POINT EMPTY");
    double x = 0, y = 0;
    T_OK(t_ctx, wg_geom_centroid(t_ctx, rect, &x, &y));
    ck_assert(x == 2 && y == 1);
    T_OK(t_ctx, wg_geom_inner_point(t_ctx, rect, &x, &y));
    ck_assert(x == 2 && y == 1);
    T_OK(t_ctx, wg_geom_centroid(t_ctx, u, &x, &y));
    ck_assert(x > 10 && x < 20 && y > 10); /* in the gap */
    T_OK(t_ctx, wg_geom_inner_point(t_ctx, u, &x, &y));
    ck_assert(x < 10 || x > 20 || y < 10); /* not in the gap: on u */
    T_OK(t_ctx, wg_geom_surface_point(t_ctx, u, &x, &y));
    ck_assert(x < 10 || x > 20 || y < 10);
    long which = 7;
    const wg_geom *areas[] = {NULL, rect, u};
    T_OK(t_ctx, wg_geom_place(t_ctx, u, areas, NULL, 3, &which));
    ck_assert_int_eq(which, 2); /* a point on u's surface lies in u, not in rect */
    wg_geom *pt = t_wkt("POINT(1 1)");
    double box[12] = {0, 0, 0, 0, 0, 0, 4, 2, 0, 0, 30, 30};
    T_OK(t_ctx, wg_geom_place(t_ctx, pt, areas, box, 3, &which));
    ck_assert_int_eq(which, 1); /* the lowest index that holds it */
    box[4] = box[6] = 100;      /* a box that leaves the point out: that area is not tested */
    T_OK(t_ctx, wg_geom_place(t_ctx, pt, areas, box, 3, &which));
    ck_assert_int_eq(which, 2);
    T_OK(t_ctx, wg_geom_place(t_ctx, empty, areas, NULL, 3, &which));
    ck_assert_int_eq(which, -1);
    T_OK(t_ctx, wg_geom_centroid(t_ctx, empty, &x, &y));
    ck_assert(isnan(x) && isnan(y));
    double c[3];
    T_OK(t_ctx, wg_geom_inscribed_circle(t_ctx, rect, 0.02, c));
    ck_assert_double_eq_tol(c[2], 1, 0.02 * sqrt(8) + 1e-9);
    T_OK(t_ctx, wg_geom_inscribed_circle(t_ctx, pt, 0.02, c));
    ck_assert(isnan(c[0]) && isnan(c[2]));
    wg_geom_free(t_ctx, u);
    wg_geom_free(t_ctx, rect);
    wg_geom_free(t_ctx, empty);
    wg_geom_free(t_ctx, pt);
}
END_TEST

START_TEST(shared_lengths_and_relations)
{
    wg_geom *a = t_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0))");
    wg_geom *b = t_wkt("POLYGON((10 2,20 2,20 8,10 8,10 2))");
    wg_geom *street = t_wkt("LINESTRING(-5 5,15 5)");
    wg_geom *edge = t_wkt("LINESTRING(10 -5,10 15)");
    wg_geom *ba = NULL, *bb = NULL;
    double len = -1;
    T_OK(t_ctx, wg_geom_boundary(t_ctx, a, &ba));
    T_OK(t_ctx, wg_geom_boundary(t_ctx, b, &bb));
    T_OK(t_ctx, wg_geom_overlap_length(t_ctx, ba, bb, &len));
    ck_assert_double_eq_tol(len, 6, 1e-12); /* the stretch of x = 10 they share */
    T_OK(t_ctx, wg_geom_overlap_length(t_ctx, a, street, &len));
    ck_assert_double_eq_tol(len, 10, 1e-12);
    ck_assert_int_eq(wg_geom_runs_through(t_ctx, a, street, 0.01), WG_YES);
    ck_assert_int_eq(wg_geom_runs_through(t_ctx, a, edge, 0.01), WG_NO); /* along its edge */
    ck_assert_int_eq(wg_geom_within_distance(t_ctx, b, street, 0.05), WG_YES);
    ck_assert_int_eq(wg_geom_within_distance(t_ctx, a, edge, 0), WG_YES);
    wg_geom *far = t_wkt("POINT(30 30)");
    ck_assert_int_eq(wg_geom_within_distance(t_ctx, a, far, 1), WG_NO);
    wg_geom *parts[2] = {a, b}, *u = NULL;
    T_OK(t_ctx, wg_geom_union_take(t_ctx, parts, 2, &u)); /* takes a and b */
    double area = 0;
    T_OK(t_ctx, wg_geom_area(t_ctx, u, &area));
    ck_assert_double_eq_tol(area, 160, 1e-9);
    wg_geom_free(t_ctx, u);
    wg_geom_free(t_ctx, ba);
    wg_geom_free(t_ctx, bb);
    wg_geom_free(t_ctx, street);
    wg_geom_free(t_ctx, edge);
    wg_geom_free(t_ctx, far);
}
END_TEST

/* Neighbours in a tiling: a segment both boundaries hold (drawn either way) answers at once; a
 * stretch shared without common vertices (a T-junction) is measured; a corner is not a stretch. */
START_TEST(boundaries_that_share_a_stretch)
{
    static const struct {
        const char *a, *b;
        wg_answer want;
    } cases[] = {
        {"POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((10 0,20 0,20 10,10 10,10 0))", WG_YES},
        {"POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((10 10,20 10,20 0,10 0,10 10))", WG_YES},
        {"POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((10 2,20 2,20 8,10 8,10 2))", WG_YES},
        {"POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((10 10,20 10,20 20,10 20,10 10))", WG_NO},
        {"POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((11 0,20 0,20 10,11 10,11 0))", WG_NO},
        {"POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))",
         "POLYGON((2 2,4 2,4 4,2 4,2 2))", WG_YES}, /* an island in a hole */
        {"MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,6 5,6 6,5 6,5 5)))",
         "POLYGON((6 5,7 5,7 6,6 6,6 5))", WG_YES},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_geom *a = t_wkt(cases[k].a), *b = t_wkt(cases[k].b), *ba = NULL, *bb = NULL;
        T_OK(t_ctx, wg_geom_boundary(t_ctx, a, &ba));
        T_OK(t_ctx, wg_geom_boundary(t_ctx, b, &bb));
        double len = -1;
        T_OK(t_ctx, wg_geom_overlap_length(t_ctx, ba, bb, &len));
        ck_assert_msg(wg_geom_share_stretch(t_ctx, ba, bb) == cases[k].want, "case %zu", k);
        ck_assert_msg(wg_geom_share_stretch(t_ctx, bb, ba) == cases[k].want, "case %zu", k);
        ck_assert_msg((len > 0) == (cases[k].want == WG_YES), "case %zu: length %g", k, len);
        ck_assert_msg(wg_geom_share_stretch(t_ctx, a, b) == cases[k].want, "case %zu", k);
        wg_geom_free(t_ctx, a), wg_geom_free(t_ctx, b);
        wg_geom_free(t_ctx, ba), wg_geom_free(t_ctx, bb);
    }
}
END_TEST

START_TEST(nearest_sites)
{
    const double sites[] = {0, 0, NAN, NAN, 10, 0, 0, 10};
    const double pts[] = {1, 1, 9, 1, 1, 8, NAN, 0, 100, 100};
    long near[5];
    T_OK(t_ctx, wg_nearest(t_ctx, sites, 4, pts, 5, near));
    ck_assert_int_eq(near[0], 0);
    ck_assert_int_eq(near[1], 2);
    ck_assert_int_eq(near[2], 3);
    ck_assert_int_eq(near[3], -1); /* no place */
    ck_assert(near[4] == 2 || near[4] == 3);
    T_OK(t_ctx, wg_nearest(t_ctx, sites + 2, 1, pts, 2, near)); /* no usable site */
    ck_assert(near[0] == -1 && near[1] == -1);
}
END_TEST

/* A 10 x 10 cell with a 2 x 2 building in a corner; one view covers the west half, one only
 * touches the cell's edge, one sees a sliver. */
START_TEST(cover_an_area)
{
    wg_geom *cell = t_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0))");
    wg_geom *bld = t_wkt("POLYGON((8 8,10 8,10 10,8 10,8 8))");
    wg_geom *away = t_wkt("POLYGON((20 20,21 20,21 21,20 20))");
    wg_geom *west = t_wkt("POLYGON((-5 -5,5 -5,5 15,-5 15,-5 -5))");
    wg_geom *touch = t_wkt("POLYGON((10 0,12 0,12 2,10 0))");
    wg_geom *sliver = t_wkt("POLYGON((9.99 0,10.5 0,10.5 5,9.99 0))");
    const wg_geom *fps[] = {bld, away};
    const wg_geom *views[] = {west, touch, sliver};
    wg_cover_in in = {.area = cell,
                      .footprints = fps,
                      .nfootprints = 2,
                      .views = views,
                      .nviews = 3,
                      .min_view_m2 = 1e-3,
                      .min_blind_m2 = 1};
    double seen[3] = {-1, -1, -1};
    wg_cover_out out;
    T_OK(t_ctx, wg_cover_area(t_ctx, &in, seen, &out));
    ck_assert_double_eq_tol(out.open_m2, 96, 1e-9);
    ck_assert_double_eq_tol(seen[0], 50, 1e-9);
    ck_assert_double_eq(seen[1], 0);
    ck_assert(seen[2] > 0 && seen[2] <= 1e-3); /* too little to count */
    ck_assert_double_eq_tol(out.seen_m2, 50, 1e-9);
    ck_assert_ptr_nonnull(out.seen);
    ck_assert_int_eq(wg_geom_kind(t_ctx, out.seen), WG_G_POLYGON);
    ck_assert_uint_eq(out.nblind, 1); /* the east half minus the building */
    double a = 0;
    T_OK(t_ctx, wg_geom_area(t_ctx, out.blind[0], &a));
    ck_assert_double_eq_tol(a, 46, 1e-9);
    wg_cover_out_fini(t_ctx, &out);
    ck_assert_ptr_null(out.seen);

    /* no view at all: nothing seen, all open ground blind */
    in.nviews = 0;
    T_OK(t_ctx, wg_cover_area(t_ctx, &in, seen, &out));
    ck_assert_ptr_null(out.seen);
    ck_assert_double_eq(out.seen_m2, 0);
    ck_assert_uint_eq(out.nblind, 1);
    T_OK(t_ctx, wg_geom_area(t_ctx, out.blind[0], &a));
    ck_assert_double_eq_tol(a, 96, 1e-9);
    wg_cover_out_fini(t_ctx, &out);
    wg_geom *all[] = {cell, bld, away, west, touch, sliver};
    for (size_t i = 0; i < 6; i++)
        wg_geom_free(t_ctx, all[i]);
}
END_TEST

/* A lon/lat box bounded from both sides in metres (wg/proj.h's transformation from a
 * Gauss-Kruger CRS to WGS 84); GeoJSON text with RFC 7946 ring orientation; simplify. */
START_TEST(crs_transform_and_geojson)
{
    wg_xform *t = NULL;
    T_OK(t_ctx, wg_xform_new(t_ctx, "EPSG:4549", "EPSG:4326", &t));
    double xy[] = {500000, 3500000, 510000, 3510000, NAN, NAN};
    ck_assert_uint_eq(wg_xform_points(t, xy, 3), 1); /* the NaN one */
    ck_assert_double_eq_tol(xy[0], 120.0, 1e-9);     /* on the central meridian */
    ck_assert(xy[1] > 31.6 && xy[1] < 31.65);
    ck_assert(isnan(xy[4]) && isnan(xy[5]));
    ck_assert_uint_eq(wg_xform_points_inv(t, xy, 2), 0);
    ck_assert_double_eq_tol(xy[2], 510000, 1e-5);
    ck_assert_double_eq_tol(xy[3], 3510000, 1e-5);

    const double box[4] = {119.9, 31.5, 120.2, 31.7};
    double outer[4], inner[4];
    T_OK(t_ctx, wg_xform_box(t_ctx, t, true, box, outer, inner));
    ck_assert(inner[0] > outer[0] && inner[2] < outer[2] && inner[0] < inner[2]);
    for (int i = 0; i <= 20; i++)
        for (int j = 0; j <= 20; j++) {
            double p[2] = {box[0] + (box[2] - box[0]) * i / 20,
                           box[1] + (box[3] - box[1]) * j / 20};
            ck_assert_uint_eq(wg_xform_points_inv(t, p, 1), 0); /* lon/lat -> metres */
            ck_assert(p[0] >= outer[0] && p[0] <= outer[2] && p[1] >= outer[1] && p[1] <= outer[3]);
            double q[2] = {inner[0] + (inner[2] - inner[0]) * i / 20,
                           inner[1] + (inner[3] - inner[1]) * j / 20};
            ck_assert_uint_eq(wg_xform_points(t, q, 1), 0); /* metres -> lon/lat */
            ck_assert(q[0] >= box[0] && q[0] <= box[2] && q[1] >= box[1] && q[1] <= box[3]);
        }
    const double bad[4] = {1, 1, 0, 2};
    ck_assert_int_eq(wg_xform_box(t_ctx, t, true, bad, outer, inner), WG_EINPUT);
    wg_ctx_clear(t_ctx);

    /* GeoJSON: a clockwise shell comes out counterclockwise, its hole clockwise */
    wg_geom *g = t_wkt("POLYGON((0 0,0 10,10 10,10 0,0 0),(2 2,4 2,4 4,2 4,2 2))");
    wg_geom *pt = t_wkt("POINT(1.5 2)");
    wg_geom *mp = t_wkt("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))");
    wg_buf b;
    wg_buf_init(&b, 0);
    T_OK(t_ctx, wg_geom_geojson(t_ctx, g, NULL, 1, &b));
    ck_assert_str_eq(wg_buf_str(&b),
                     "{\"type\":\"Polygon\",\"coordinates\":[[[0.0,0.0],[10.0,0.0],[10.0,10.0],"
                     "[0.0,10.0],[0.0,0.0]],[[2.0,2.0],[2.0,4.0],[4.0,4.0],[4.0,2.0],[2.0,2.0]]]}");
    wg_buf_reset(&b);
    T_OK(t_ctx, wg_geom_geojson(t_ctx, pt, NULL, 2, &b));
    ck_assert_str_eq(wg_buf_str(&b), "{\"type\":\"Point\",\"coordinates\":[1.50,2.00]}");
    wg_buf_reset(&b);
    T_OK(t_ctx, wg_geom_geojson(t_ctx, mp, t, 7, &b));
    ck_assert_msg(strncmp(wg_buf_str(&b), "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[", 40) ==
                      0,
                  "got %s", wg_buf_str(&b));
    wg_buf_fini(&b);
    wg_geom *s = NULL;
    T_OK(t_ctx, wg_geom_simplify(t_ctx, g, 1.0, &s));
    ck_assert_int_eq(wg_geom_simplify(t_ctx, g, -1, &s), WG_EINPUT);
    wg_ctx_clear(t_ctx);
    wg_geom_free(t_ctx, s);
    wg_geom_free(t_ctx, g);
    wg_geom_free(t_ctx, pt);
    wg_geom_free(t_ctx, mp);
    wg_xform_free(t);
}
END_TEST

TCase *tcase_geom(void)
{
    TCase *tc = tcase_create("geom");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, measures_and_boxes);
    tcase_add_test(tc, lines_and_polygons_from_coordinates);
    tcase_add_test(tc, points_that_stand_for_a_shape);
    tcase_add_test(tc, shared_lengths_and_relations);
    tcase_add_test(tc, boundaries_that_share_a_stretch);
    tcase_add_test(tc, nearest_sites);
    tcase_add_test(tc, cover_an_area);
    tcase_add_test(tc, crs_transform_and_geojson);
    return tc;
}
