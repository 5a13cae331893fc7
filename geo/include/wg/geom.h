/* wg/geom.h: geometries as opaque values, and the geometric jobs the rest of wangge asks of
 * them — measures, boxes, the point that stands for a shape, lengths shared by two shapes,
 * dissolving, the nearest of a set of sites. Plain data in and out; knows nothing of what the
 * shapes mean.
 *
 * A wg_geom is made and read by geo only (GEOS underneath; nothing outside geo sees it). It is
 * never changed once made, so several threads may read one geometry at once, each with its own
 * ctx. Coordinates are x,y in the workspace's projected CRS, in metres, unless a name says
 * otherwise. Ownership: a function that hands out a wg_geom gives it to the caller, who frees it
 * with wg_geom_free(); a const wg_geom * argument is borrowed for the call only, and must not be
 * NULL unless the function says so. Results go to out-parameters, written only on success. */
#ifndef WG_GEOM_H
#define WG_GEOM_H

#include "wg/core.h"

#include <stddef.h>

typedef struct wg_geom wg_geom;

typedef enum wg_gkind {
    WG_G_NONE = 0, /* no geometry (a table) */
    WG_G_POINT,
    WG_G_LINE,
    WG_G_POLYGON,
    WG_G_ANY /* mixed; only for destinations that allow it (GeoPackage, GeoJSON, FlatGeobuf) */
} wg_gkind;

/* The answer of a geometric test. WG_FAILED: the test could not be made; WG_EGEOS and its
 * message are then on ctx. The values are those of GEOS's predicates. */
typedef enum wg_answer { WG_NO = 0, WG_YES = 1, WG_FAILED = 2 } wg_answer;

/* Frees g; NULL does nothing. */
void wg_geom_free(wg_ctx *ctx, wg_geom *g);
/* Frees g[0..n) (NULL entries are skipped), then the array itself with free(); NULL does
 * nothing. */
void wg_geoms_free(wg_ctx *ctx, wg_geom **g, size_t n);

/* ---- Making and writing ----------------------------------------------------------------- */

/* ISO WKB of g (2-D, little-endian) in a buffer the caller frees with free(). */
wg_status wg_geom_to_wkb(wg_ctx *ctx, const wg_geom *g, unsigned char **wkb, size_t *len);
/* A geometry from WKB; caller frees with wg_geom_free(). Errors: WG_EGEOS (bytes that do not
 * parse, a coordinate x or y that is NaN or infinite, an empty part inside a collection). */
wg_status wg_geom_from_wkb(wg_ctx *ctx, const unsigned char *wkb, size_t len, wg_geom **g);
/* A LineString through the n points xy[0..2n) (n >= 2), in *out; caller frees with
 * wg_geom_free(). Errors: WG_EGEOS, "cannot make a line of N points". */
wg_status wg_geom_line(wg_ctx *ctx, const double *xy, size_t n, wg_geom **out);
/* A Polygon without holes whose ring is the n points xy[0..2n) (closed: the last point repeats
 * the first; n >= 4), in *out; caller frees with wg_geom_free(). The ring is taken as given
 * (not checked for validity). Errors: WG_EGEOS, "cannot make a polygon of N points". */
wg_status wg_geom_polygon(wg_ctx *ctx, const double *xy, size_t n, wg_geom **out);
/* The stored form of g in *out: single polygons and lines become multi ones (an empty one an
 * empty multi), and polygons take GEOS's normal vertex order (shells clockwise, each ring
 * starting at its smallest vertex; coordinates untouched), so that the form does not depend on
 * the source format. A copy of anything else. Caller frees with wg_geom_free(). */
wg_status wg_geom_multi(wg_ctx *ctx, const wg_geom *g, wg_geom **out);
/* The union of parts[0..n) (GEOS's unary union of their collection; for n == 0 an empty
 * collection), in *out; caller frees with wg_geom_free(). The parts are taken: they belong to
 * the function from the call on, even when it fails, and NULL entries are not allowed. The
 * caller keeps the array itself. Errors: WG_EGEOS. */
wg_status wg_geom_union_take(wg_ctx *ctx, wg_geom **parts, size_t n, wg_geom **out);
/* The area that units parts[0..n) make together, as a community dissolved from them: their
 * union when they tile (blocks, tracts, parcels; pieces apart stay apart); around points or
 * lines, the ground within pad_m of them; around detached footprints, their union closed by
 * pad_m (grown by it and shrunk back), which fills the yards between buildings. Always a
 * MultiPolygon (wg_geom_multi's form) in *out; the parts are taken as by wg_geom_union_take.
 * *grown (may be NULL) is false when the union itself was kept. Errors: WG_EGEOS, WG_ENOMEM;
 * WG_EINPUT when the result has no area (pad_m <= 0 around points). */
wg_status wg_geom_dissolve_take(wg_ctx *ctx, wg_geom **parts, size_t n, double pad_m, wg_geom **out,
                                bool *grown);
/* The boundary of g (the rings of a polygon as lines, the end points of a line), in *out;
 * caller frees with wg_geom_free(). Errors: WG_EGEOS. */
wg_status wg_geom_boundary(wg_ctx *ctx, const wg_geom *g, wg_geom **out);

/* ---- Reading ---------------------------------------------------------------------------- */

/* The kind of a geometry: Point and MultiPoint are WG_G_POINT, (Multi)LineString WG_G_LINE,
 * Polygon and MultiPolygon WG_G_POLYGON; collections (even of one kind) are WG_G_ANY. */
wg_gkind wg_geom_kind(wg_ctx *ctx, const wg_geom *g);
/* Whether g has no points at all. */
wg_answer wg_geom_is_empty(wg_ctx *ctx, const wg_geom *g);
/* The area of g in m² (0 for points and lines). Errors: WG_EGEOS. */
wg_status wg_geom_area(wg_ctx *ctx, const wg_geom *g, double *area_m2);
/* The length of g in metres: of its lines, or of all the rings of its polygons (the
 * perimeter); 0 for points. Errors: WG_EGEOS. */
wg_status wg_geom_length(wg_ctx *ctx, const wg_geom *g, double *length_m);
/* The number of parts of g: the members of a Multi* or collection, 1 for a single geometry.
 * Errors: WG_EGEOS. */
wg_status wg_geom_nparts(wg_ctx *ctx, const wg_geom *g, size_t *n);
/* The bounding box of g as box = {minx, miny, maxx, maxy}; all four NAN when g is NULL or
 * empty (a box that meets nothing). Errors: WG_EGEOS (box untouched). */
wg_status wg_geom_bbox(wg_ctx *ctx, const wg_geom *g, double box[4]);

/* ---- Points that stand for a shape ------------------------------------------------------ */

/* The centroid of g (its centre of mass: of the area of polygons, else of the length of lines,
 * else of the points) in *x, *y; NAN, NAN when g is empty. Errors: WG_EGEOS. */
wg_status wg_geom_centroid(wg_ctx *ctx, const wg_geom *g, double *x, double *y);
/* A point on g (GEOS PointOnSurface: inside a polygon, on a line, one of the points) in *x,
 * *y; NAN, NAN when g is empty. Errors: WG_EGEOS. */
wg_status wg_geom_surface_point(wg_ctx *ctx, const wg_geom *g, double *x, double *y);
/* The point that stands for g, in *x, *y: its centroid when that lies on g (taken for granted
 * for a Point, and for shapes of at most 5 vertices such as a rectangle), else a point on its
 * surface as wg_geom_surface_point() gives it; NAN, NAN when g is empty. Errors: WG_EGEOS. */
wg_status wg_geom_inner_point(wg_ctx *ctx, const wg_geom *g, double *x, double *y);
/* The largest circle inside polygonal g (GEOS MaximumInscribedCircle): circle = {centre x,
 * centre y, radius}, found to within rel_tol * sqrt(area of g) metres (at least 1e-6 m).
 * All three NAN when g is not a Polygon or MultiPolygon, or is empty. Errors: WG_EGEOS. */
wg_status wg_geom_inscribed_circle(wg_ctx *ctx, const wg_geom *g, double rel_tol, double circle[3]);

/* ---- Relations -------------------------------------------------------------------------- */

/* Whether a and b come within dist_m of each other (touching counts; dist_m >= 0). */
wg_answer wg_geom_within_distance(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double dist_m);
/* Whether `line` meets the interior of polygonal `poly` taken inset_m in from its edges (poly
 * buffered by -inset_m, 8 segments a quarter circle): a line that only runs along the edge, or
 * wanders off it by less than inset_m, does not. WG_NO as well when nothing of poly is left
 * after the inset. */
wg_answer wg_geom_runs_through(wg_ctx *ctx, const wg_geom *poly, const wg_geom *line,
                               double inset_m);
/* The length in metres of what a and b have in common (the length of a ∩ b): for a polygon and
 * a line, the length of the line inside the polygon, its edges included; for two lines or two
 * boundaries, the length of the stretches they share (a crossing point counts 0).
 * Errors: WG_EGEOS, "cannot intersect two geometries". */
wg_status wg_geom_overlap_length(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double *length_m);
/* The area in m² of what a and b have in common (the area of a ∩ b; 0 unless both are
 * polygonal). Errors: WG_EGEOS, "cannot intersect two geometries". */
wg_status wg_geom_overlap_area(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double *area_m2);
/* Whether lines or boundaries a and b share a stretch of line, not just points (as
 * wg_geom_overlap_length() > 0, but cheap where the two were drawn from the same coordinates:
 * a segment found in both, in either direction, answers at once; otherwise the intersection is
 * measured). */
wg_answer wg_geom_share_stretch(wg_ctx *ctx, const wg_geom *a, const wg_geom *b);
/* Which of areas[0..n) holds g: the first (lowest index) that the point wg_geom_surface_point()
 * gives for g lies in or on. NULL entries hold nothing. box, when not NULL, holds 4n numbers
 * {minx, miny, maxx, maxy} per area (wg_geom_bbox, or any box that contains the area): an area
 * whose box does not hold the point is not tested, so boxes make the answer quicker, never
 * different. *which is the index, or -1 when no area holds g (or g is empty).
 * Errors: WG_EGEOS ("no point on its geometry" when GEOS finds none). */
wg_status wg_geom_place(wg_ctx *ctx, const wg_geom *g, const wg_geom *const *areas,
                        const double *box, size_t n, long *which);

/* ---- Plain coordinates ------------------------------------------------------------------ */

/* For each of the npts points pts[0..2npts), the index of the nearest of the nsites sites
 * sites[0..2nsites) by Euclidean distance, in nearest[0..npts) (a GEOS STRtree of node
 * capacity 10 over the sites; between sites at the same distance the tree's search order
 * decides, the same on every run). Sites with a NaN coordinate are left out; -1 for every
 * point when no site is left, and for a point with a non-finite coordinate. On failure
 * `nearest` may be partly written. Errors: WG_EGEOS. */
wg_status wg_nearest(wg_ctx *ctx, const double *sites, size_t nsites, const double *pts,
                     size_t npts, long *nearest);

#endif
