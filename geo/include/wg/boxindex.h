/* wg/boxindex.h: a spatial index of boxes (envelopes) on a uniform grid — which of n items may
 * meet a query box. Plain data in and out. */
#ifndef WG_BOXINDEX_H
#define WG_BOXINDEX_H

#include "wg/core.h"

#include <stddef.h>

typedef struct wg_boxindex wg_boxindex;

/* Indexes n boxes, boxes[4i..4i+4) = minx, miny, maxx, maxy (an item with a non-finite or
 * inverted box is never found). Errors: WG_ENOMEM. Caller frees with wg_boxindex_free(). */
wg_status wg_boxindex_build(wg_ctx *ctx, const double *boxes, size_t n, wg_boxindex **out);
void wg_boxindex_free(wg_boxindex *ix);

/* Calls visit(user, i) once for every item whose box meets the query box (boundaries
 * included), in no particular order; stops early when visit returns false. Reads only: any
 * number of threads may query one index. */
typedef bool (*wg_box_visit)(void *user, size_t i);
void wg_boxindex_query(const wg_boxindex *ix, double minx, double miny, double maxx, double maxy,
                       wg_box_visit visit, void *user);

/* The items a query found, in a list that is reused from query to query ({0} to start; free(v)
 * when done). */
typedef struct wg_box_hits {
    size_t *v;
    size_t n, cap;
} wg_box_hits;
/* Empties hits and fills it with the items whose box meets {minx, miny, maxx, maxy} (as
 * wg_boxindex_query). Errors: WG_ENOMEM (hits holds part of them). */
wg_status wg_boxindex_collect(wg_ctx *ctx, const wg_boxindex *ix, const double box[4],
                              wg_box_hits *hits);

#endif
