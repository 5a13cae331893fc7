/* wg/cover.h: how much of an area a set of views sees — the open ground of the area (the area
 * minus the footprints on it), the part of it each view sees, the union of what is seen, and
 * the pieces nobody sees. Plain data in and out; knows nothing of cameras' records or cells. */
#ifndef WG_COVER_H
#define WG_COVER_H

#include "wg/geom.h"

#include <stddef.h>

typedef struct wg_cover_in {
    const wg_geom *area;              /* the polygon to cover; borrowed */
    const wg_geom *const *footprints; /* polygons cut out of the area (buildings); those that do
                                         not meet it are skipped; borrowed */
    size_t nfootprints;
    const wg_geom *const *views; /* polygons seen from somewhere (camera views); borrowed */
    size_t nviews;
    double min_view_m2;  /* a view counts when it sees more than this of the open ground */
    double min_blind_m2; /* unseen pieces smaller than this are left out of `blind` */
} wg_cover_in;

typedef struct wg_cover_out {
    double open_m2;  /* the area of the open ground */
    double seen_m2;  /* the area of `seen` (0 when no view counts) */
    wg_geom *seen;   /* the union of the open ground the counted views see, a MultiPolygon, or
                        NULL when no view counts */
    wg_geom **blind; /* nblind Polygons: the pieces of open ground that no counted view sees,
                        each of at least min_blind_m2, in the order GEOS gives them */
    size_t nblind;
} wg_cover_out;

/* Covers in->area with in->views. The open ground is the area minus the union of the
 * footprints that meet it (the area itself when none does); view k sees view_m2[k] m² of it
 * (the caller's array of in->nviews entries), and counts when that is more than
 * in->min_view_m2. Slivers where shapes only touch (points, lines) are dropped from `seen` and
 * `blind`.
 *
 * On success *out holds the result; the caller owns out->seen (wg_geom_free) and out->blind
 * with its pieces (wg_geoms_free(ctx, out->blind, out->nblind), or wg_cover_out_fini()). On
 * failure *out is untouched, view_m2 may be partly written and nothing is left allocated.
 * One thread at a time per ctx; the inputs may be read by other threads meanwhile.
 * Errors: WG_EGEOS ("cutting out the footprints failed", "clipping a camera view failed",
 * "merging the camera views failed", "finding blind spots failed"); WG_ENOMEM. */
wg_status wg_cover_area(wg_ctx *ctx, const wg_cover_in *in, double *view_m2, wg_cover_out *out);
/* Frees what wg_cover_area() handed out in *out and zeroes it. */
void wg_cover_out_fini(wg_ctx *ctx, wg_cover_out *out);

#endif
