/* geo/proj.c: coordinate transformations (see wg/proj.h). */
#include "wg/proj.h"

#include "geo_int.h"

#include <math.h>
#include <stdlib.h>

struct wg_xform {
    PJ *pj;
};

wg_status wg_xform_new(wg_ctx *ctx, const char *from, const char *to, wg_xform **out)
{
    *out = NULL;
    PJ *raw = proj_create_crs_to_crs(ctx->proj, from, to, NULL);
    PJ *pj = raw ? proj_normalize_for_visualization(ctx->proj, raw) : NULL;
    proj_destroy(raw);
    if (!pj)
        return wg_fail(ctx, WG_EPROJ, "cannot transform from %s to %s: %s", from, to,
                       proj_context_errno_string(ctx->proj, proj_context_errno(ctx->proj)));
    wg_xform *t = malloc(sizeof *t);
    if (!t) {
        proj_destroy(pj);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    t->pj = pj;
    *out = t;
    return WG_OK;
}

static size_t run(wg_xform *t, PJ_DIRECTION dir, double *xy, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        PJ_COORD c = proj_trans(t->pj, dir, proj_coord(xy[2 * i], xy[2 * i + 1], 0, 0));
        if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL) {
            xy[2 * i] = xy[2 * i + 1] = NAN;
            bad++;
        } else {
            xy[2 * i] = c.xy.x;
            xy[2 * i + 1] = c.xy.y;
        }
    }
    return bad;
}

size_t wg_xform_points(wg_xform *t, double *xy, size_t n)
{
    return run(t, PJ_FWD, xy, n);
}

size_t wg_xform_points_inv(wg_xform *t, double *xy, size_t n)
{
    return run(t, PJ_INV, xy, n);
}

void wg_xform_free(wg_xform *t)
{
    if (t)
        proj_destroy(t->pj);
    free(t);
}
