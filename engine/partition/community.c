/* engine/partition/community.c: the units of each community as the partitioner sees them — loaded
 * from the workspace once, then per community: sites (one per distinct location) and the
 * tessellation that gives them areas, neighbours and shared boundaries. */
#include "plan_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *wu_str(const ws_units *w, blob b)
{
    return b.len ? w->arena + b.off : NULL;
}

static wg_status arena_add(wg_ctx *ctx, ws_units *w, const void *data, size_t len, blob *out)
{
    *out = (blob){0, 0};
    if (!data || len == 0)
        return WG_OK;
    if (wg_grow(ctx, (void **)&w->arena, &w->arena_cap, w->arena_len + len + 1, 1) != WG_OK)
        return WG_ENOMEM;
    memcpy(w->arena + w->arena_len, data, len);
    w->arena[w->arena_len + len] = 0;
    *out = (blob){w->arena_len, len};
    w->arena_len += len + 1;
    return WG_OK;
}

static wg_status text_blob(wg_ctx *ctx, ws_units *w, const char *s, blob *out)
{
    return arena_add(ctx, w, s, s ? strlen(s) : 0, out);
}

/* The box of a geometry's WKB; an empty one (that meets nothing) when the WKB does not parse
 * (the error stays on ctx) or the geometry is empty. */
static void envelope(wg_ctx *ctx, const unsigned char *wkb, size_t len, double *x0, double *y0,
                     double *x1, double *y1)
{
    wg_geom *g = NULL;
    double b[4];
    *x0 = *y0 = INFINITY, *x1 = *y1 = -INFINITY;
    if (wg_geom_from_wkb(ctx, wkb, len, &g) != WG_OK)
        return;
    if (wg_geom_bbox(ctx, g, b) == WG_OK && !isnan(b[0]))
        *x0 = b[0], *y0 = b[1], *x1 = b[2], *y1 = b[3];
    wg_geom_free(ctx, g);
}

/* Binary search over records sorted by id: `first` is the id blob of record 0, records lie
 * `stride` bytes apart. */
static long find_id(const ws_units *w, const void *first, size_t stride, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const blob *b = (const blob *)((const char *)first + mid * stride);
        int c = strcmp(wu_str(w, *b), id);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

long wu_find_unit(const ws_units *w, const char *id)
{
    return w->nu ? find_id(w, &w->u[0].id, sizeof *w->u, w->nu, id) : -1;
}

static long find_comm(const ws_units *w, const char *id)
{
    return w->nc ? find_id(w, &w->c[0].id, sizeof *w->c, w->nc, id) : -1;
}

/* Places a unit without a known community in the one containing its location (a point on its
 * surface); box holds the communities' envelopes. */
static wg_status locate(wg_ctx *ctx, ws_units *w, wg_geom **comm, const double *box, size_t i)
{
    unit_rec *u = &w->u[i];
    wg_geom *g = NULL;
    wg_status st =
        wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + u->wkb.off, u->wkb.len, &g);
    if (st != WG_OK)
        return st;
    long c = -1;
    st = wg_geom_place(ctx, g, (const wg_geom *const *)comm, box, w->nc, &c);
    wg_geom_free(ctx, g);
    if (st != WG_OK) {
        wg_ctx_where(ctx, "unit %s: ", wu_str(w, u->id));
        return st;
    }
    u->comm = (int32_t)c;
    return WG_OK;
}

typedef struct load_acc {
    wg_ctx *ctx;
    ws_units *w;
} load_acc;

static wg_status add_comm(void *user, const wg_area_rec *a)
{
    load_acc *l = user;
    ws_units *w = l->w;
    wg_status st = wg_grow(l->ctx, (void **)&w->c, &w->ccap, w->nc + 1, sizeof *w->c);
    if (st != WG_OK)
        return st;
    comm_rec *C = &w->c[w->nc];
    memset(C, 0, sizeof *C);
    if ((st = text_blob(l->ctx, w, a->id, &C->id)) == WG_OK &&
        (st = text_blob(l->ctx, w, a->parent, &C->parent)) == WG_OK)
        st = arena_add(l->ctx, w, a->wkb, a->wkb_len, &C->wkb);
    if (st == WG_OK)
        w->nc++;
    return st;
}

static wg_status add_unit(void *user, const wg_unit_rec *r)
{
    load_acc *l = user;
    ws_units *w = l->w;
    wg_status st = wg_grow(l->ctx, (void **)&w->u, &w->ucap, w->nu + 1, sizeof *w->u);
    if (st != WG_OK)
        return st;
    unit_rec *u = &w->u[w->nu];
    memset(u, 0, sizeof *u);
    u->hh = u->households = r->households;
    u->old_cell = -1;
    u->comm = r->community ? (int32_t)find_comm(w, r->community) : -1;
    if ((st = text_blob(l->ctx, w, r->id, &u->id)) == WG_OK &&
        (st = text_blob(l->ctx, w, r->compound, &u->compound)) == WG_OK)
        st = arena_add(l->ctx, w, r->wkb, r->wkb_len, &u->wkb);
    if (st == WG_OK)
        w->nu++;
    return st;
}

static wg_status add_barrier(void *user, const wg_line_rec *r)
{
    load_acc *l = user;
    ws_units *w = l->w;
    wg_status st = wg_grow(l->ctx, (void **)&w->b, &w->bcap, w->nb + 1, sizeof *w->b);
    if (st != WG_OK)
        return st;
    barrier_rec *B = &w->b[w->nb];
    memset(B, 0, sizeof *B);
    if ((st = text_blob(l->ctx, w, r->id, &B->id)) == WG_OK &&
        (st = text_blob(l->ctx, w, r->name, &B->name)) == WG_OK &&
        (st = text_blob(l->ctx, w, r->kind, &B->kind)) == WG_OK)
        st = arena_add(l->ctx, w, r->wkb, r->wkb_len, &B->wkb);
    if (st == WG_OK)
        w->nb++;
    return st;
}

wg_status wu_load(wg_ws *ws, ws_units *w, const char *only)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(w, 0, sizeof *w);
    load_acc l = {ctx, w};
    wg_status st = wg_store_read_begin(ws);
    if (st == WG_OK)
        st = wg_store_communities_each(ws, only, add_comm, &l);
    for (size_t c = 0; st == WG_OK && c < w->nc; c++) {
        comm_rec *C = &w->c[c];
        envelope(ctx, (const unsigned char *)w->arena + C->wkb.off, C->wkb.len, &C->x0, &C->y0,
                 &C->x1, &C->y1);
    }
    wg_unit_query uq = {.community = only};
    if (st == WG_OK)
        st = wg_store_units_each(ws, &uq, add_unit, &l);
    if (st == WG_OK)
        st = wg_store_lines_each(ws, "barriers", add_barrier, &l);
    wg_store_read_end(ws);
    for (size_t b = 0; st == WG_OK && b < w->nb; b++) {
        barrier_rec *B = &w->b[b];
        envelope(ctx, (const unsigned char *)w->arena + B->wkb.off, B->wkb.len, &B->x0, &B->y0,
                 &B->x1, &B->y1);
    }

    /* Units whose community is missing or unknown: by location. */
    wg_geom **cg = NULL;
    double *cbox = NULL;
    for (size_t i = 0; st == WG_OK && i < w->nu; i++) {
        if (w->u[i].comm >= 0)
            continue;
        if (!cg) {
            cg = calloc(w->nc + 1, sizeof *cg);
            cbox = malloc((4 * w->nc + 1) * sizeof *cbox);
            if (!cg || !cbox) {
                st = wg_fail(ctx, WG_ENOMEM, "out of memory for communities");
                break;
            }
            for (size_t c = 0; st == WG_OK && c < w->nc; c++) {
                const comm_rec *C = &w->c[c];
                double *b = cbox + 4 * c;
                b[0] = C->x0, b[1] = C->y0, b[2] = C->x1, b[3] = C->y1;
                st = wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + C->wkb.off, C->wkb.len,
                                      &cg[c]);
            }
        }
        if (st == WG_OK)
            st = locate(ctx, w, cg, cbox, i);
    }
    wg_geoms_free(ctx, cg, cg ? w->nc : 0);
    free(cbox);

    /* Units grouped by community (a counting sort: by id within each), the ones in no
     * community last. */
    if (st == WG_OK && !(w->order = malloc((w->nu + 1) * sizeof *w->order)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", w->nu);
    if (st == WG_OK) {
        for (size_t i = 0; i < w->nu; i++) {
            if (w->u[i].comm < 0)
                w->outside++;
            else
                w->c[w->u[i].comm].count++;
        }
        size_t at = 0;
        for (size_t c = 0; c < w->nc; c++) {
            w->c[c].first = at;
            at += w->c[c].count;
            w->c[c].count = 0;
        }
        size_t out = at;
        for (size_t i = 0; i < w->nu; i++) {
            int32_t c = w->u[i].comm;
            if (c < 0)
                w->order[out++] = i;
            else
                w->order[w->c[c].first + w->c[c].count++] = i;
        }
    }
    if (st != WG_OK)
        wu_free(w);
    return st;
}

void wu_free(ws_units *w)
{
    free(w->arena), free(w->u), free(w->c), free(w->b), free(w->order);
    memset(w, 0, sizeof *w);
}

/* ---- One community --------------------------------------------------------------------- */

typedef struct site_key {
    double x, y;
    size_t unit; /* local index */
} site_key;

static int cmp_site(const void *a, const void *b)
{
    const site_key *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->unit < q->unit ? -1 : p->unit > q->unit;
}

/* A unit's site: its centroid when that lies on it (always for a rectangle), else a point on
 * its surface; rounded to the millimetre so that equal locations are equal. */
static wg_status unit_site(wg_ctx *ctx, const wg_geom *g, double *x, double *y)
{
    double px = NAN, py = NAN;
    wg_status st = wg_geom_inner_point(ctx, g, &px, &py);
    if (st != WG_OK)
        return st;
    if (isnan(px))
        return wg_fail(ctx, WG_EGEOS, "no site point");
    *x = round(px * 1000) / 1000;
    *y = round(py * 1000) / 1000;
    return WG_OK;
}

wg_status comm_tess_build(wg_ctx *ctx, const ws_units *w, size_t c, int64_t min, comm_tess *t)
{
    memset(t, 0, sizeof *t);
    const comm_rec *C = &w->c[c];
    t->nunits = C->count;
    t->units = w->order + C->first;
    size_t n = t->nunits ? t->nunits : 1;
    wg_status st =
        wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + C->wkb.off, C->wkb.len, &t->area);
    wg_geom **geoms = calloc(n, sizeof *geoms);
    site_key *keys = malloc(n * sizeof *keys);
    t->site_of = malloc(n * sizeof *t->site_of);
    t->xy = malloc(2 * n * sizeof *t->xy);
    t->hh = calloc(n, sizeof *t->hh);
    t->shape = calloc(n, sizeof *t->shape);
    size_t *count = calloc(n, sizeof *count);
    if (st == WG_OK && (!geoms || !keys || !t->site_of || !t->xy || !t->hh || !t->shape || !count))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", t->nunits);
    for (size_t k = 0; st == WG_OK && k < t->nunits; k++) {
        const unit_rec *u = &w->u[t->units[k]];
        st = wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + u->wkb.off, u->wkb.len,
                              &geoms[k]);
        if (st == WG_OK)
            st = unit_site(ctx, geoms[k], &keys[k].x, &keys[k].y);
        if (st != WG_OK)
            wg_ctx_where(ctx, "unit %s: ", wu_str(w, u->id));
        keys[k].unit = k;
    }
    /* One site per distinct location. */
    if (st == WG_OK) {
        qsort(keys, t->nunits, sizeof *keys, cmp_site);
        for (size_t k = 0; k < t->nunits; k++) {
            if (k == 0 || keys[k].x != keys[k - 1].x || keys[k].y != keys[k - 1].y) {
                t->xy[2 * t->nsites] = keys[k].x;
                t->xy[2 * t->nsites + 1] = keys[k].y;
                t->nsites++;
            }
            size_t s = t->nsites - 1, u = keys[k].unit;
            t->site_of[u] = s;
            t->hh[s] += w->u[t->units[u]].hh;
            count[s]++;
        }
        for (size_t k = 0; k < t->nunits; k++) {
            size_t s = t->site_of[k];
            if (count[s] == 1 && wg_geom_kind(ctx, geoms[k]) == WG_G_POLYGON) {
                t->shape[s] = geoms[k];
                geoms[k] = NULL;
            }
        }
    }
    /* Barriers near the community. */
    if (st == WG_OK && w->nb) {
        t->barriers = calloc(w->nb, sizeof *t->barriers);
        t->barrier_idx = malloc(w->nb * sizeof *t->barrier_idx);
        if (!t->barriers || !t->barrier_idx)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for barriers");
        for (size_t b = 0; st == WG_OK && b < w->nb; b++) {
            const barrier_rec *B = &w->b[b];
            if (B->x0 > C->x1 || B->x1 < C->x0 || B->y0 > C->y1 || B->y1 < C->y0)
                continue;
            st = wg_geom_from_wkb(ctx, (const unsigned char *)w->arena + B->wkb.off, B->wkb.len,
                                  &t->barriers[t->nbarriers]);
            if (st == WG_OK)
                t->barrier_idx[t->nbarriers++] = b;
        }
    }
    double *weight = st == WG_OK ? malloc((t->nsites + 1) * sizeof *weight) : NULL;
    if (st == WG_OK && !weight)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", t->nsites);
    if (st == WG_OK && t->nsites) {
        for (size_t s = 0; s < t->nsites; s++)
            weight[s] = (double)t->hh[s];
        wg_tess_in in = {.area = t->area,
                         .barriers = (const wg_geom *const *)t->barriers,
                         .nbarriers = t->nbarriers,
                         .n = t->nsites,
                         .xy = t->xy,
                         .shape = (const wg_geom *const *)t->shape,
                         .weight = weight,
                         .min_weight = (double)min};
        st = wg_tess_build(ctx, &in, &t->tess);
    }
    free(weight);
    wg_geoms_free(ctx, geoms, geoms ? t->nunits : 0);
    free(keys);
    free(count);
    if (st != WG_OK) {
        wg_ctx_where(ctx, "community %s: ", wu_str(w, C->id));
        comm_tess_free(ctx, t);
    }
    return st;
}

void comm_tess_free(wg_ctx *ctx, comm_tess *t)
{
    wg_tess_free(t->tess);
    wg_geom_free(ctx, t->area);
    wg_geoms_free(ctx, t->barriers, t->barriers ? t->nbarriers : 0);
    wg_geoms_free(ctx, t->shape, t->shape ? t->nsites : 0);
    free(t->barrier_idx), free(t->site_of), free(t->xy), free(t->hh);
    memset(t, 0, sizeof *t);
}

wg_status cell_shape(wg_ctx *ctx, const wg_geom *g, double *area, double *pp, int *pieces)
{
    double a = 0, p = 0;
    size_t n = 0;
    wg_status st = wg_geom_area(ctx, g, &a);
    if (st == WG_OK)
        st = wg_geom_length(ctx, g, &p);
    if (st == WG_OK)
        st = wg_geom_nparts(ctx, g, &n);
    if (st != WG_OK)
        return st;
    *area = a;
    *pp = p > 0 ? 4 * 3.14159265358979323846 * a / (p * p) : 0;
    *pieces = (int)n;
    return WG_OK;
}

wg_status plan_issue_add(wg_ws *ws, int64_t plan, const char *cell, const char *comm,
                         const char *kind, const char *cause, size_t *count)
{
    wg_issue_rec i = {cell, comm, kind, cause};
    if (count)
        (*count)++;
    return wg_store_issue_add(ws, plan, &i);
}
