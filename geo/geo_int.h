/* geo/geo_int.h: what geo's files share and nobody else sees. */
#ifndef WG_GEO_INT_H
#define WG_GEO_INT_H

#define GEOS_USE_ONLY_R_API
#include "wg/core.h"

#include <geos_c.h>
#include <proj.h>

struct wg_ctx {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    wg_status status; /* first error since wg_ctx_clear() */
    char msg[2048];
    size_t nwarn;
    char *warn[WG_WARN_KEEP];
    wg_progress_fn progress;
    void *progress_user;
    volatile int cancelled;
};

#endif
