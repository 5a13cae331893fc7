/* engine/partition/unitload.c: the workload of each unit, for partitioning by workload. An incident
 * belongs to the unit whose centre is nearest (GEOS STRtree); a unit's load is
 *     w_h * households / mean(households) + w_i * hours / mean(hours)
 * with w_h, w_i the households and hours weights of the workload index, renormalised to sum to
 * 1 (area and patrol length are properties of whole cells, not of units). Loads are scaled so
 * that their total equals the units' households, then rounded by largest remainder, so that
 * the household range of the partition keeps its meaning. */
#include "plan_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pt {
    double x, y;
} pt;

static int pt_dist(const void *a, const void *b, double *d, void *user)
{
    (void)user;
    const pt *p = a, *q = b;
    *d = hypot(p->x - q->x, p->y - q->y);
    return 1;
}

typedef struct frac {
    double rem;
    size_t unit;
} frac;

static int cmp_frac(const void *a, const void *b)
{
    const frac *x = a, *y = b;
    return x->rem < y->rem ? 1 : x->rem > y->rem ? -1 : (x->unit > y->unit) - (x->unit < y->unit);
}

/* The centres of the units (NaN for one without a usable geometry). */
static wg_status centres(wg_ctx *ctx, const ws_units *w, pt *c)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    for (size_t i = 0; i < w->nu; i++) {
        c[i].x = c[i].y = NAN;
        GEOSGeometry *g = NULL;
        const unit_rec *u = &w->u[i];
        if (u->wkb.len == 0 || wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + u->wkb.off,
                                                u->wkb.len, &g) != WG_OK) {
            wg_ctx_clear_error(ctx);
            continue;
        }
        GEOSGeometry *p = GEOSGetCentroid_r(h, g);
        if (p && !GEOSisEmpty_r(h, p)) {
            GEOSGeomGetX_r(h, p, &c[i].x);
            GEOSGeomGetY_r(h, p, &c[i].y);
        }
        if (p)
            GEOSGeom_destroy_r(h, p);
        GEOSGeom_destroy_r(h, g);
    }
    return WG_OK;
}

static wg_status incident_hours(wg_ws *ws, const wg_categories *cats, const ws_units *w,
                                const pt *c, double *hours)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    if (!tree)
        return wg_fail(ctx, WG_EGEOS, "cannot make a spatial index of the units");
    wg_status st = WG_OK;
    size_t n = 0;
    for (size_t i = 0; i < w->nu && st == WG_OK; i++) {
        if (isnan(c[i].x))
            continue;
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, c[i].x, c[i].y);
        if (!p) {
            st = wg_fail(ctx, WG_EGEOS, "cannot make a point");
            break;
        }
        GEOSSTRtree_insert_r(h, tree, p, (void *)&c[i]);
        GEOSGeom_destroy_r(h, p); /* the tree keeps the envelope only */
        n++;
    }
    wg_incidents inc = {0};
    if (st == WG_OK && n)
        st = wg_store_incidents_read(ws, WG_IC_XY | WG_IC_CATEGORY, NULL, &inc);
    /* the handling hours of each category code (0: none, or not in the table) */
    double *code_hours = st == WG_OK ? malloc((inc.ncat + 1) * sizeof *code_hours) : NULL;
    if (st == WG_OK && !code_hours)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; st == WG_OK && k <= inc.ncat; k++) {
        long t = wg_categories_find(cats, k < inc.ncat ? inc.cat_code[k] : NULL);
        code_hours[k] = t >= 0 && cats->hours[t] > 0 ? cats->hours[t] : 0;
    }
    for (size_t i = 0; st == WG_OK && i < inc.n; i++) {
        size_t k = inc.category[i] == WG_NO_CODE ? inc.ncat : inc.category[i];
        pt at = {inc.xy[2 * i], inc.xy[2 * i + 1]};
        if (!(code_hours[k] > 0) || !isfinite(at.x) || !isfinite(at.y))
            continue;
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, at.x, at.y);
        const pt *near = p ? GEOSSTRtree_nearest_generic_r(h, tree, &at, p, pt_dist, NULL) : NULL;
        if (p)
            GEOSGeom_destroy_r(h, p);
        if (near)
            hours[near - c] += code_hours[k];
    }
    free(code_hours);
    wg_incidents_free(&inc);
    GEOSSTRtree_destroy_r(h, tree);
    return st;
}

wg_status wg__unit_workload(wg_ws *ws, const char *weights_file, const char *categories_file,
                            ws_units *w)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    double wt[WG_NTERMS];
    wg_categories cats = {.star = -1};
    wg_status st = weights_file ? wg_weights_load(ctx, weights_file, wt) : wg_store_weights(ws, wt);
    if (st != WG_OK)
        return st;
    st = categories_file ? wg_categories_load(ctx, categories_file, &cats)
                         : wg_store_categories(ws, &cats);
    if (st != WG_OK)
        return st;
    pt *c = malloc((w->nu ? w->nu : 1) * sizeof *c);
    double *hours = calloc(w->nu ? w->nu : 1, sizeof *hours);
    frac *fr = malloc((w->nu ? w->nu : 1) * sizeof *fr);
    if (!c || !hours || !fr)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", w->nu);
    if (st == WG_OK)
        st = centres(ctx, w, c);
    if (st == WG_OK)
        st = incident_hours(ws, &cats, w, c, hours);
    if (st == WG_OK) {
        double hh = 0, hrs = 0;
        for (size_t i = 0; i < w->nu; i++)
            hh += (double)w->u[i].households, hrs += hours[i];
        double a = hh > 0 ? wt[WG_TERM_HOUSEHOLDS] : 0, b = hrs > 0 ? wt[WG_TERM_HOURS] : 0;
        if (!(a + b > 0))
            st = wg_fail(ctx, WG_EINPUT,
                         "no workload to balance: the households and hours weights are 0, or "
                         "there are no households and no incident hours");
        double n = (double)w->nu, total = 0;
        for (size_t i = 0; st == WG_OK && i < w->nu; i++) {
            /* load relative to the mean unit, then in household-equivalents */
            double load = (a > 0 ? a * (double)w->u[i].households / (hh / n) : 0) +
                          (b > 0 ? b * hours[i] / (hrs / n) : 0);
            hours[i] = load / (a + b) * (hh / n);
            total += hours[i];
        }
        int64_t given = 0;
        for (size_t i = 0; st == WG_OK && i < w->nu; i++) {
            double v = total > 0 ? hours[i] * hh / total : 0;
            w->u[i].hh = (int64_t)floor(v);
            given += w->u[i].hh;
            fr[i] = (frac){v - floor(v), i};
        }
        if (st == WG_OK) {
            qsort(fr, w->nu, sizeof *fr, cmp_frac);
            for (size_t k = 0; k < w->nu && given < (int64_t)llround(hh); k++, given++)
                w->u[fr[k].unit].hh++;
        }
    }
    free(c), free(hours), free(fr);
    wg_categories_free(&cats);
    return st;
}
