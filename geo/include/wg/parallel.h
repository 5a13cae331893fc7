/* wg/parallel.h: a parallel loop over independent items, each thread with its own context
 * (GEOS and PROJ handles are never shared between threads). Plain work items; knows nothing
 * of what they are. */
#ifndef WG_PARALLEL_H
#define WG_PARALLEL_H

#include "wg/core.h"

#include <stddef.h>

/* One item of a parallel loop, run with the thread's own context; `thread` is in [0, threads)
 * (0: the calling thread, whose context is the caller's). */
typedef wg_status (*wg_item_fn)(wg_ctx *ctx, void *user, size_t i, int thread);

/* Runs fn for every i in [0, n) on up to `threads` threads (the caller's among them, at most
 * 16) and stops at the first failure, whose message lands on ctx; the warnings the other
 * threads raised are added to ctx's. Reports progress under `stage` (NULL: none) and stops
 * with WG_EINTR when ctx is cancelled. The items must be independent. */
wg_status wg_parallel(wg_ctx *ctx, size_t n, int threads, const char *stage, wg_item_fn fn,
                      void *user);

#endif
