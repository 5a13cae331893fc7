/* geo/proj.c: coordinate transformations (see wg/proj.h). */
#include "wg/proj.h"

#include "geo_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wg_xform {
    PJ *pj;
    bool kept; /* the context's: not destroyed with the wrapper */
};

/* The context's transformation from -> to, made (and kept, when the names are short enough)
 * unless it has one. */
static PJ *xform_of(wg_ctx *ctx, const char *from, const char *to, bool *kept)
{
    *kept = false;
    bool keep = strlen(from) < sizeof ctx->xforms[0].from && strlen(to) < sizeof ctx->xforms[0].to;
    int slot = -1; /* a free place; when none, the new one is not kept (one kept may be in use) */
    for (int i = 0; keep && i < WG_XFORM_KEEP; i++) {
        wg_xform_kept *k = &ctx->xforms[i];
        if (k->pj && strcmp(k->from, from) == 0 && strcmp(k->to, to) == 0) {
            *kept = true;
            return k->pj;
        }
        if (!k->pj && slot < 0)
            slot = i;
    }
    keep = keep && slot >= 0;
    PJ *raw = proj_create_crs_to_crs(ctx->proj, from, to, NULL);
    PJ *pj = raw ? proj_normalize_for_visualization(ctx->proj, raw) : NULL;
    proj_destroy(raw);
    if (pj && keep) {
        wg_xform_kept *k = &ctx->xforms[slot];
        snprintf(k->from, sizeof k->from, "%s", from);
        snprintf(k->to, sizeof k->to, "%s", to);
        k->pj = pj;
        *kept = true;
    }
    return pj;
}

wg_status wg_xform_new(wg_ctx *ctx, const char *from, const char *to, wg_xform **out)
{
    *out = NULL;
    bool kept;
    PJ *pj = xform_of(ctx, from, to, &kept);
    if (!pj)
        return wg_fail(ctx, WG_EPROJ, "cannot transform from %s to %s: %s", from, to,
                       proj_context_errno_string(ctx->proj, proj_context_errno(ctx->proj)));
    wg_xform *t = malloc(sizeof *t);
    if (!t) {
        if (!kept)
            proj_destroy(pj);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    t->pj = pj;
    t->kept = kept;
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
    if (t && !t->kept)
        proj_destroy(t->pj);
    free(t);
}
