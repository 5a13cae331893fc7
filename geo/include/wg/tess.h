/* wg/tess.h: the tessellation of an area among sites — which piece of the area each site owns,
 * which sites are neighbours and how long the boundary they share is. The partitioner builds
 * its unit graph and its cell polygons from it.
 *
 * An area (a community) is first cut into parts by barrier lines that cross it (a river, a
 * railway): sites in different parts are never neighbours. A part lighter than `min_weight`
 * joins the neighbouring part it shares the longest boundary with, and that crossing is
 * reported. Inside a part, sites own either their own polygon (when the sites' polygons tile
 * the part: census blocks, parcels) or their Voronoi region clipped to the part (points, or
 * buildings that do not touch). Either way the regions of a part tile it exactly.
 *
 * Plain data in and out; knows nothing of households or cells. */
#ifndef WG_TESS_H
#define WG_TESS_H

#include "wg/geom.h"

#include <stddef.h>

typedef struct wg_tess_in {
    const wg_geom *area;            /* Polygon or MultiPolygon; borrowed */
    const wg_geom *const *barriers; /* lines (may be NULL when nbarriers is 0); borrowed */
    size_t nbarriers;
    size_t n;                    /* sites */
    const double *xy;            /* 2n: distinct site coordinates (metres) */
    const wg_geom *const *shape; /* n polygons, entries may be NULL; NULL: all points */
    const double *weight;        /* n weights for merging light parts; NULL: all 1 */
    double min_weight;           /* parts lighter than this join a neighbour; 0: never */
} wg_tess_in;

typedef struct wg_tess wg_tess;

/* Builds the tessellation with ctx (one thread at a time per ctx). Sites are
 * placed in the part containing them, or the nearest part when they lie outside the area; a
 * site whose region is empty after clipping (far outside) has area 0 and no neighbours.
 * Errors: WG_EINPUT for an empty or non-polygonal area; WG_EGEOS; WG_ENOMEM.
 * Caller frees with wg_tess_free(). */
wg_status wg_tess_build(wg_ctx *ctx, const wg_tess_in *in, wg_tess **out);
void wg_tess_free(wg_tess *t);

size_t wg_tess_nparts(const wg_tess *t);
/* The part of site i, in [0, nparts). */
size_t wg_tess_part(const wg_tess *t, size_t i);
/* The barrier (an index into in->barriers) that part p straddles because a light (or empty)
 * part joined it, or -1. */
long wg_tess_part_crossing(const wg_tess *t, size_t p);
/* The area of site i's region and the length of its boundary not shared with another site
 * (the part's outline), both in CRS units. */
double wg_tess_area(const wg_tess *t, size_t i);
double wg_tess_outer(const wg_tess *t, size_t i);
/* Site i's neighbours: *deg entries of nbr (site indexes) and len (shared boundary length),
 * ascending by neighbour. Borrowed, valid until wg_tess_free(). */
void wg_tess_adj(const wg_tess *t, size_t i, const size_t **nbr, const double **len, size_t *deg);

/* The union of the regions of sites[0..n) (all in one part) as a MultiPolygon, in *out
 * (caller frees with wg_geom_free()). Errors: WG_EGEOS; WG_EINPUT when the sites span
 * parts. */
wg_status wg_tess_union(wg_ctx *ctx, const wg_tess *t, const size_t *sites, size_t n,
                        wg_geom **out);

#endif
