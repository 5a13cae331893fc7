/* wg/locate.h: the point locator — which of a set of polygons contains each point, millions of
 * points per second.
 *
 * Built once for a set of polygons (a plan's cells, a coverage layer), it lays a uniform grid
 * of bins over their extent. A bin that no polygon boundary touches knows its answer outright
 * (one polygon, or none); a bin that a boundary crosses keeps the few edges that cross it, and
 * a point there is decided by an exact crossing test on those edges alone (robust orientation
 * predicates: no rounding can put a point on the wrong side of an edge).
 *
 * Points on a boundary: a point exactly on an edge or vertex shared by two polygons belongs to
 * exactly one of them, the one that contains the points immediately east of it (for a
 * horizontal edge, immediately north): formally, the polygon that contains (x + e, y + e^2) for
 * every small enough e > 0. So polygons that tile an area leave no point unassigned and none
 * assigned twice. A point on the outer boundary (no polygon east of it) belongs to the polygon
 * it lies on, so a point on the edge of the area is never left out. Where polygons overlap, the
 * lowest index wins. Points elsewhere get the same answer as GEOS `contains`.
 *
 * Plain data in and out; knows nothing of cells or incidents. */
#ifndef WG_LOCATE_H
#define WG_LOCATE_H

#include "wg/geom.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wg_locator wg_locator;

typedef struct wg_locator_stats {
    size_t polygons, edges;
    size_t cols, rows;    /* the bin grid */
    size_t boundary_bins; /* bins that need an exact test */
    size_t bytes;         /* memory held by the locator */
} wg_locator_stats;

/* Builds a locator for polys[0..n) (Polygon or MultiPolygon, holes honoured; NULL or empty
 * entries hold no points), with ctx's geometry engine. `bins_per_vertex` sets the grid's size
 * (0: the default, 2 bins per polygon vertex, at most 2^26 bins). Errors: WG_EINPUT for a
 * geometry that is not polygonal (naming its index) or has non-finite coordinates; WG_ENOMEM;
 * WG_EGEOS. The locator keeps no reference to the geometries. Caller frees with
 * wg_locator_free(). */
wg_status wg_locator_build(wg_ctx *ctx, const wg_geom *const *polys, size_t n,
                           double bins_per_vertex, wg_locator **out);
void wg_locator_free(wg_locator *L);

/* The index of the polygon containing (x, y) by the rule above, or -1 (outside them all, or a
 * non-finite coordinate). Reads only: any number of threads may locate with one locator. */
int32_t wg_locate(const wg_locator *L, double x, double y);
/* wg_locate for n points: xy holds 2n coordinates, out receives n indexes. */
void wg_locate_many(const wg_locator *L, const double *xy, size_t n, int32_t *out);

void wg_locator_get_stats(const wg_locator *L, wg_locator_stats *s);

#endif
