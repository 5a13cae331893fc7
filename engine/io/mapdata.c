/* engine/io/mapdata.c: layers read as plain data for drawing (wg/mapdata.h): the store's
 * features turned into coordinate arrays with label anchors, and the incidents as points. */
#include "wg/mapdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wg_status wg_map_plan(wg_ws *ws, int64_t plan, int64_t *id, char name[128])
{
    wg_plan_rec p;
    bool found = false;
    *id = 0;
    name[0] = '\0';
    wg_status st = wg_store_plan_get(ws, plan > 0 ? plan : 0, &p, &found);
    if (st == WG_OK && !found && plan > 0)
        return wg_fail(wg_ws_ctx(ws), WG_EINPUT, "no plan %lld", (long long)plan);
    if (st == WG_OK && found) {
        *id = p.id;
        snprintf(name, 128, "%s", p.name);
    }
    return st;
}

static int64_t plan_of(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, wg_status *st)
{
    int64_t id = 0;
    char name[128];
    *st = layer == WG_ML_CELLS ? wg_map_plan(ws, q ? q->plan : 0, &id, name) : WG_OK;
    if (*st == WG_OK && layer == WG_ML_CELLS && id == 0)
        *st = wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                      "the workspace has no active plan (run wangge partition)");
    return id;
}

wg_status wg_map_extent(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, double box[4],
                        bool *any)
{
    wg_status st;
    int64_t plan = plan_of(ws, layer, q, &st);
    return st == WG_OK ? wg_store_map_extent(ws, layer, q, plan, box, any) : st;
}

void wg_map_feats_free(wg_map_feats *f)
{
    if (!f)
        return;
    wg_shapes_fini(&f->shapes);
    free(f->key);
    free(f->name);
    free(f->group);
    free(f->v);
    free(f->anchor);
    free(f->strings);
    *f = (wg_map_feats){0};
}

/* The largest circle inside a polygon: where its label goes and how much room it has. */
static wg_status anchor_of(wg_ctx *ctx, const unsigned char *wkb, size_t len, double a[3])
{
    a[0] = a[1] = a[2] = NAN;
    wg_geom *g = NULL;
    if (wg_geom_from_wkb(ctx, wkb, len, &g) != WG_OK)
        return wg_ctx_status(ctx);
    /* a tolerance of 2 % of the polygon's size: labels need no more */
    wg_status st = wg_geom_inscribed_circle(ctx, g, 0.02, a);
    wg_geom_free(ctx, g);
    return st;
}

/* Appends a string to the block; its offset goes to *off. */
static wg_status add_string(wg_ctx *ctx, wg_buf *b, const unsigned char *s, size_t *off)
{
    *off = b->len;
    const char *t = s ? (const char *)s : "";
    return wg_buf_add(ctx, b, t, strlen(t) + 1);
}

typedef struct feats_acc {
    wg_ctx *ctx;
    const wg_map_query *q;
    wg_map_feats *f;
    wg_buf strs;
    size_t (*offs)[3];
    size_t cap_offs, cap_v, cap_a;
} feats_acc;

static wg_status add_feat(void *user, const wg_map_rec *r)
{
    feats_acc *a = user;
    wg_map_feats *f = a->f;
    wg_ctx *ctx = a->ctx;
    const wg_map_query *q = a->q;
    size_t i = f->n;
    wg_status st;
    if ((st = wg_grow(ctx, (void **)&a->offs, &a->cap_offs, i + 1, sizeof *a->offs)) ||
        (st = wg_grow(ctx, (void **)&f->v, &a->cap_v, i + 1, sizeof *f->v)) ||
        (q && q->anchors &&
         (st = wg_grow(ctx, (void **)&f->anchor, &a->cap_a, i + 1, sizeof *f->anchor))))
        return st;
    const char *text[3] = {r->key, r->name, r->group};
    for (int c = 0; c < 3 && st == WG_OK; c++)
        st = add_string(ctx, &a->strs, (const unsigned char *)text[c], &a->offs[i][c]);
    for (int c = 0; c < WG_MAP_NV; c++)
        f->v[i][c] = r->v[c];
    if (st == WG_OK)
        st = wg_shapes_add_wkb(ctx, &f->shapes, r->wkb, r->wkb_len);
    if (st == WG_OK && q && q->anchors) {
        /* the largest inscribed circle is the costly part of reading cells: skip it where
         * no label could fit anyway */
        double b[4];
        wg_shapes_bbox(&f->shapes, i, b);
        if (b[2] - b[0] >= q->anchor_min_m && b[3] - b[1] >= q->anchor_min_m)
            st = anchor_of(ctx, r->wkb, r->wkb_len, f->anchor[i]);
        else
            f->anchor[i][0] = f->anchor[i][1] = f->anchor[i][2] = NAN;
    }
    f->n++;
    return st;
}

wg_status wg_map_read(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, wg_map_feats *out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_status st;
    int64_t plan = plan_of(ws, layer, q, &st);
    if (st != WG_OK)
        return st;
    wg_map_feats f = {0};
    feats_acc a = {.ctx = ctx, .q = q, .f = &f};
    wg_buf_init(&a.strs, SIZE_MAX / 2);
    st = wg_store_map_each(ws, layer, q, plan, add_feat, &a);
    if (st == WG_OK && f.n > 0) {
        f.key = malloc(f.n * sizeof *f.key);
        f.name = malloc(f.n * sizeof *f.name);
        f.group = malloc(f.n * sizeof *f.group);
        if (!f.key || !f.name || !f.group)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory reading a layer");
    }
    if (st == WG_OK) {
        f.strings = a.strs.s; /* the block is final now, so pointers into it stay valid */
        a.strs.s = NULL;
        for (size_t i = 0; i < f.n; i++) {
            f.key[i] = f.strings + a.offs[i][0];
            f.name[i] = f.strings + a.offs[i][1];
            f.group[i] = f.strings + a.offs[i][2];
        }
    }
    free(a.offs);
    wg_buf_fini(&a.strs);
    if (st != WG_OK) {
        wg_map_feats_free(&f);
        return st;
    }
    *out = f;
    return WG_OK;
}

void wg_map_points_free(wg_map_points *p)
{
    if (!p)
        return;
    free(p->xy);
    free(p->hours);
    free(p->cat);
    free(p->category);
    free(p->cat_count);
    *p = (wg_map_points){0};
}

/* Renumbers the categories most frequent first (ties by name), so legends and colours do not
 * depend on the order rows were read. */
static wg_status sort_categories(wg_ctx *ctx, wg_map_points *p)
{
    size_t m = p->ncat;
    size_t *order = malloc((m + 1) * sizeof *order), *rank = malloc((m + 1) * sizeof *rank);
    char(*names)[64] = malloc((m + 1) * sizeof *names);
    size_t *counts = malloc((m + 1) * sizeof *counts);
    if (!order || !rank || !names || !counts) {
        free(order), free(rank), free(names), free(counts);
        return wg_fail(ctx, WG_ENOMEM, "out of memory sorting categories");
    }
    for (size_t i = 0; i < m; i++)
        order[i] = i;
    for (size_t i = 1; i < m; i++) /* insertion sort: few categories */
        for (size_t j = i; j > 0; j--) {
            size_t a = order[j - 1], b = order[j];
            bool swap =
                p->cat_count[b] > p->cat_count[a] ||
                (p->cat_count[b] == p->cat_count[a] && strcmp(p->category[b], p->category[a]) < 0);
            if (!swap)
                break;
            order[j - 1] = b;
            order[j] = a;
        }
    for (size_t r = 0; r < m; r++) {
        rank[order[r]] = r;
        memcpy(names[r], p->category[order[r]], sizeof names[r]);
        counts[r] = p->cat_count[order[r]];
    }
    for (size_t i = 0; i < p->n; i++)
        p->cat[i] = (uint16_t)rank[p->cat[i]];
    memcpy(p->category, names, m * sizeof *names);
    memcpy(p->cat_count, counts, m * sizeof *counts);
    free(order), free(rank), free(names), free(counts);
    return WG_OK;
}

/* Whether category `cat` passes a --category filter (list NULL: no filter). */
static bool wanted(const char *const *list, size_t n, const char *cat)
{
    if (!list)
        return true;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], cat) == 0)
            return true;
    return false;
}

/* The points being gathered, a part of the layer at a time. */
typedef struct points_acc {
    wg_ctx *ctx;
    const wg_points_query *q;
    const wg_categories *cats;
    wg_map_points *p;
    size_t cap_xy, cap_pcat, cap_hours, cap_cat, cap_cnt; /* of the arrays of p */
    long *ci;      /* per code of the layer (the last: none): its index among the points' */
    bool *want;    /* categories (-1: not met yet); wanted? */
    double *hours; /* its handling hours */
    size_t ncode;
} points_acc;

/* The codes of the layer, on the first part (every part carries them all). */
static wg_status points_codes(points_acc *A, const wg_incidents *inc)
{
    A->ncode = inc->ncat + 1;
    A->ci = malloc(A->ncode * sizeof *A->ci);
    A->want = malloc(A->ncode);
    A->hours = malloc(A->ncode * sizeof *A->hours);
    if (!A->ci || !A->want || !A->hours)
        return wg_fail(A->ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; k < A->ncode; k++) {
        const char *c = k < inc->ncat ? inc->cat_code[k] : "";
        A->want[k] = wanted(A->q->categories, A->q->ncategories, c);
        A->ci[k] = -1;
        long row = wg_categories_find(A->cats, c);
        A->hours[k] = row >= 0 ? A->cats->hours[row] : 0.0;
    }
    return WG_OK;
}

static wg_status points_add(void *user, const wg_incidents *inc)
{
    points_acc *A = user;
    wg_map_points *p = A->p;
    wg_status st = A->ci ? WG_OK : points_codes(A, inc);
    if (st == WG_OK)
        st = wg_grow(A->ctx, (void **)&p->xy, &A->cap_xy, 2 * (p->n + inc->n), sizeof *p->xy);
    if (st == WG_OK && A->q->hours)
        st = wg_grow(A->ctx, (void **)&p->hours, &A->cap_hours, p->n + inc->n, sizeof *p->hours);
    if (st == WG_OK)
        st = wg_grow(A->ctx, (void **)&p->cat, &A->cap_pcat, p->n + inc->n, sizeof *p->cat);
    for (size_t i = 0; st == WG_OK && i < inc->n; i++) {
        double x = inc->xy[2 * i], y = inc->xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y))
            continue;
        size_t k = inc->category[i] == WG_NO_CODE ? inc->ncat : inc->category[i];
        if (!A->want[k])
            continue;
        if (A->ci[k] < 0) { /* first met: its place among the categories of the points */
            if (p->ncat >= UINT16_MAX)
                return wg_fail(A->ctx, WG_EINPUT, "more than %d incident categories", UINT16_MAX);
            if ((st = wg_grow(A->ctx, (void **)&p->category, &A->cap_cat, p->ncat + 1,
                              sizeof *p->category)) != WG_OK ||
                (st = wg_grow(A->ctx, (void **)&p->cat_count, &A->cap_cnt, p->ncat + 1,
                              sizeof *p->cat_count)) != WG_OK)
                break;
            snprintf(p->category[p->ncat], sizeof p->category[0], "%s",
                     k < inc->ncat ? inc->cat_code[k] : "");
            p->cat_count[p->ncat] = 0;
            A->ci[k] = (long)p->ncat++;
        }
        p->xy[2 * p->n] = x;
        p->xy[2 * p->n + 1] = y;
        p->cat[p->n] = (uint16_t)A->ci[k];
        if (p->hours)
            p->hours[p->n] = A->hours[k];
        p->cat_count[A->ci[k]]++;
        int64_t t = inc->reported[i];
        if (t != WG_NO_TIME) {
            p->first = t < p->first ? t : p->first;
            p->last = t > p->last ? t : p->last;
        }
        p->n++;
    }
    return st;
}

wg_status wg_map_incidents(wg_ws *ws, const wg_points_query *q, wg_map_points *out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    if (q->from != INT64_MIN && q->to != INT64_MAX && q->from >= q->to)
        return wg_fail(ctx, WG_EINPUT, "the period is empty: it must start before it ends");
    wg_categories cats = {.star = -1};
    wg_status st = q->categories_file ? wg_categories_load(ctx, q->categories_file, &cats)
                                      : wg_store_categories(ws, &cats);
    if (st != WG_OK)
        return st;
    wg_map_points p = {.first = INT64_MAX, .last = INT64_MIN};
    points_acc A = {.ctx = ctx, .q = q, .cats = &cats, .p = &p};
    /* room for every incident, so the arrays seldom move (more may come before the read
     * starts): pages not written cost nothing */
    size_t total = 0;
    st = wg_store_incidents_count(ws, &total, NULL);
    if (st == WG_OK && total > 0) {
        A.cap_xy = 2 * total, A.cap_pcat = total, A.cap_hours = q->hours ? total : 0;
        if (!(p.xy = wg_alloc_array(2 * total * sizeof *p.xy)) ||
            !(p.cat = wg_alloc_array(total * sizeof *p.cat)) ||
            (q->hours && !(p.hours = wg_alloc_array(total * sizeof *p.hours))))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu incidents", total);
    }
    wg_inc_filter f = {.from = q->from, .to = q->to, .bbox = q->bbox};
    if (st == WG_OK)
        st = wg_store_incidents_each(ws, WG_IC_XY | WG_IC_CATEGORY | WG_IC_REPORTED, &f, points_add,
                                     &A);
    free(A.ci), free(A.want), free(A.hours);
    wg_categories_free(&cats);
    if (st == WG_OK)
        st = sort_categories(ctx, &p);
    if (st != WG_OK) {
        wg_map_points_free(&p);
        return st;
    }
    *out = p;
    return WG_OK;
}
