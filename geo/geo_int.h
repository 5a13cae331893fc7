/* geo/geo_int.h: what geo's files share and nobody else sees — the context's insides and the
 * GEOS handle. A wg_geom is a GEOSGeometry: only geo's files (and the tests of geo) convert
 * between the two, with the helpers below. */
#ifndef WG_GEO_INT_H
#define WG_GEO_INT_H

#define GEOS_USE_ONLY_R_API
#include "wg/core.h"
#include "wg/geom.h"

#include <geos_c.h>
#include <proj.h>
#include <stdatomic.h>

/* A context's cancellation: the flag, and a countdown of checks for tests. */
typedef struct wg_cancel {
    atomic_int flag;
    atomic_long countdown; /* > 0: the check that brings it to 0 sets the flag */
    atomic_long checks;
} wg_cancel;

/* A transformation kept for the context's next request of the same pair (wg/proj.h): PROJ
 * takes milliseconds to find one in its database, a tile needs it at once. */
#define WG_XFORM_KEEP 4
typedef struct wg_xform_kept {
    char from[64], to[64];
    PJ *pj;
} wg_xform_kept;

struct wg_ctx {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    wg_xform_kept xforms[WG_XFORM_KEEP];
    wg_status status; /* first error since wg_ctx_clear() */
    char msg[2048];
    size_t nwarn;
    char *warn[WG_WARN_KEEP];
    wg_progress_fn progress;
    void *progress_user;
    wg_cancel own_cancel; /* the flag, unless it is another context's: */
    wg_cancel *cancel;    /* a worker thread's points to the context that started it */
};

/* The GEOS handle of a context (for geo's files and the tests of geo). */
GEOSContextHandle_t wg_ctx_geos(wg_ctx *ctx);
/* Records that GEOS failed at what the message says and returns the context's status. GEOS's
 * own handler has usually recorded the library's message already: then this one goes in
 * front of it ("tessellation: clipping a unit failed: GEOS: TopologyException: ..."); an
 * earlier error of another kind (out of memory, an interruption) is left as it is. */
wg_status wg__geos_fail(wg_ctx *ctx, const char *fmt, ...) WG_PRINTF(2, 3);

/* A wg_geom is a GEOSGeometry under another name; these convert one pointer into the other
 * (never an array of pointers: convert element by element). */
static inline const GEOSGeometry *wg__cgeos(const wg_geom *g)
{
    return (const GEOSGeometry *)g;
}
static inline GEOSGeometry *wg__geos(wg_geom *g)
{
    return (GEOSGeometry *)g;
}
/* GEOS computes a geometry's envelope (and its parts') the first time it is asked for and keeps
 * it: two threads asking at once race on that cache. geo computes them all before it hands a
 * geometry out, so that wg_geom's promise holds: made once, read by any number of threads. */
void wg__settle(GEOSContextHandle_t h, const GEOSGeometry *g);
/* Why g must not be handed out, or NULL when it may: "a coordinate is not a finite number" or
 * "an empty part inside a collection" (or that GEOS cannot read a part). GEOS reads both, but
 * its operations throw on NaN and infinite coordinates, and some leak or worse on the way out
 * (libgeos/geos#505, #606); and GEOS 3.11's point on surface reads the missing first
 * coordinate of an empty point or line inside a collection (a null pointer). So every geometry
 * that comes from outside bytes is checked once, where it is read. */
const char *wg__geom_unsound(GEOSContextHandle_t h, const GEOSGeometry *g);
static inline wg_geom *wg__geom(GEOSContextHandle_t h, GEOSGeometry *g)
{
    if (g)
        wg__settle(h, g);
    return (wg_geom *)g;
}

#endif
