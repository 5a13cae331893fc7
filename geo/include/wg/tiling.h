/* wg/tiling.h: whether a set of polygons tiles an area (census blocks, tracts, parcels) or
 * stands apart (building footprints), measured rather than guessed. Plain data in and out. */
#ifndef WG_TILING_H
#define WG_TILING_H

#include "wg/geom.h"

#include <stddef.h>

#define WG_TILING_MIN_N 10

typedef struct wg_tiling {
    size_t n;           /* polygons measured (points and empty shapes are left out) */
    size_t touching;    /* of them, those sharing a stretch of boundary with another */
    double sum_m2;      /* the sum of their areas */
    double union_m2;    /* the area of their union (< sum_m2 where they overlap) */
    double hull_m2;     /* the area of the convex hull of their union */
    double touch_share; /* touching / n (0 when n is 0) */
    double overlap;     /* 1 - union_m2 / sum_m2: the share of area counted twice */
    double hull_cover;  /* union_m2 / hull_m2: how much of their hull they fill */
    bool tiles;         /* the verdict: see wg_tiling_measure() */
} wg_tiling;

/* Measures polys[0..n) (borrowed; NULL entries, points and lines are skipped) into *out.
 * They tile when at least half of them share a boundary stretch with a neighbour
 * (touch_share >= 0.5), they fill at least a third of their hull (hull_cover >= 1/3: a
 * district of blocks is its own hull less its ragged edge and water; detached buildings fill
 * a tenth to a quarter of theirs), and at most 5 % of their area overlaps. Terraced houses
 * touch, but fill little of their hull; a grid of blocks with streets between them fills its
 * hull but does not touch. Fewer than WG_TILING_MIN_N polygons are too few to tell: they
 * never tile (the figures are still measured). Errors: WG_EGEOS; WG_ENOMEM. */
wg_status wg_tiling_measure(wg_ctx *ctx, const wg_geom *const *polys, size_t n, wg_tiling *out);

#endif
