/* engine/partition/unitload.c: the workload of each unit, for partitioning by workload. An incident
 * belongs to the unit whose centre is nearest (wg_nearest); a unit's load is
 *     w_h * households / mean(households) + w_i * hours / mean(hours)
 * with w_h, w_i the households and hours weights of the workload index, renormalised to sum to
 * 1 (area and patrol length are properties of whole cells, not of units). Loads are scaled so
 * that their total equals the units' households, then rounded by largest remainder, so that
 * the household range of the partition keeps its meaning. */
#include "plan_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct frac {
    double rem;
    size_t unit;
} frac;

static int cmp_frac(const void *a, const void *b)
{
    const frac *x = a, *y = b;
    return x->rem < y->rem ? 1 : x->rem > y->rem ? -1 : (x->unit > y->unit) - (x->unit < y->unit);
}

/* The centres of the units, c[2i], c[2i + 1] (NaN for one without a geometry, or an empty
 * one: it takes no incidents). A stored geometry that cannot be read is an error naming the
 * unit, never a unit quietly left without load. */
static wg_status centres(wg_ctx *ctx, const ws_units *w, double *c)
{
    wg_status st = WG_OK;
    for (size_t i = 0; i < w->nu && st == WG_OK; i++) {
        c[2 * i] = c[2 * i + 1] = NAN;
        wg_geom *g = NULL;
        const unit_rec *u = &w->u[i];
        if (u->wkb.len == 0)
            continue;
        double x, y;
        st = wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + u->wkb.off, u->wkb.len, &g);
        if (st == WG_OK)
            st = wg_geom_centroid(ctx, g, &x, &y);
        if (st == WG_OK)
            c[2 * i] = x, c[2 * i + 1] = y; /* NaN for an empty geometry */
        else
            wg_ctx_where(ctx, "unit %s: its centre, for its workload: ", wu_str(w, u->id));
        wg_geom_free(ctx, g);
    }
    return st;
}

static wg_status incident_hours(wg_ws *ws, const wg_categories *cats, const ws_units *w,
                                const double *c, double *hours)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_status st = WG_OK;
    size_t n = 0; /* units with a centre */
    for (size_t i = 0; i < w->nu; i++)
        n += !isnan(c[2 * i]);
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
    /* the incidents that carry hours, each to the unit whose centre is nearest (the others
     * lose their place in this copy, so that they find none) */
    long *near = st == WG_OK && n ? malloc((inc.n + 1) * sizeof *near) : NULL;
    if (st == WG_OK && n && !near)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu incidents", inc.n);
    for (size_t i = 0; st == WG_OK && i < inc.n; i++) {
        size_t k = inc.category[i] == WG_NO_CODE ? inc.ncat : inc.category[i];
        if (!(code_hours[k] > 0))
            inc.xy[2 * i] = inc.xy[2 * i + 1] = NAN;
    }
    if (st == WG_OK && n)
        st = wg_nearest(ctx, c, w->nu, inc.xy, inc.n, near);
    for (size_t i = 0; st == WG_OK && n && i < inc.n; i++) {
        size_t k = inc.category[i] == WG_NO_CODE ? inc.ncat : inc.category[i];
        if (near[i] >= 0)
            hours[near[i]] += code_hours[k];
    }
    free(near);
    free(code_hours);
    wg_incidents_free(&inc);
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
    double *c = malloc((w->nu ? 2 * w->nu : 1) * sizeof *c);
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
