/* engine/assign/patrol.c: the patrol length of the cells of a plan, stored with them.
 *
 * With streets in the workspace, a cell's patrol is the length of the streets inside it (each
 * street clipped to the cells a box index finds). Without streets it is a short closed tour
 * over the centres of the cell's units (in unit id order): nearest neighbour from the first
 * unit, then 2-opt until no swap shortens it. A cell with one unit has a tour of 0. */
#include "assign_int.h"
#include "wg/boxindex.h"
#include "wg/parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double dist(const double *p, size_t a, size_t b)
{
    return hypot(p[2 * a] - p[2 * b], p[2 * a + 1] - p[2 * b + 1]);
}

/* Length of a short closed tour over the n points p[2i], p[2i+1]; `tour` has n entries. */
static double tour_length(const double *p, size_t n, size_t *tour)
{
    if (n < 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        tour[i] = i;
    for (size_t i = 1; i < n; i++) { /* nearest neighbour */
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (dist(p, tour[i - 1], tour[j]) < dist(p, tour[i - 1], tour[best]))
                best = j;
        size_t t = tour[i];
        tour[i] = tour[best];
        tour[best] = t;
    }
    for (bool better = true; better && n > 3;) { /* 2-opt: reverse tour[i+1..j] */
        better = false;
        for (size_t i = 0; i + 2 < n; i++)
            for (size_t j = i + 2; j < n; j++) {
                size_t a = tour[i], b = tour[i + 1], c = tour[j], d = tour[(j + 1) % n];
                if (a == d)
                    continue;
                if (dist(p, a, c) + dist(p, b, d) < dist(p, a, b) + dist(p, c, d) - 1e-9) {
                    for (size_t x = i + 1, y = j; x < y; x++, y--) {
                        size_t t = tour[x];
                        tour[x] = tour[y];
                        tour[y] = t;
                    }
                    better = true;
                }
            }
    }
    double len = 0;
    for (size_t i = 0; i < n; i++)
        len += dist(p, tour[i], tour[(i + 1) % n]);
    return len;
}

/* ---- Streets ---------------------------------------------------------------------------- */

typedef struct streets {
    const cellset *cs;
    wg_geom **g;
    double *box;
    size_t n, cap, capbox;
    wg_boxindex *ix;
    double *len; /* per cell, out */
} streets;

typedef struct line_acc {
    wg_ctx *ctx;
    streets *S;
} line_acc;

/* The box of g: all NaN (a box that meets nothing) for NULL or empty g. */
static wg_status envelope(wg_ctx *ctx, const wg_geom *g, double *b)
{
    b[0] = b[1] = b[2] = b[3] = NAN;
    return wg_geom_bbox(ctx, g, b);
}

static wg_status add_street(void *user, const wg_line_rec *l)
{
    line_acc *a = user;
    streets *S = a->S;
    wg_status st;
    if ((st = wg_grow(a->ctx, (void **)&S->g, &S->cap, S->n + 1, sizeof *S->g)) ||
        (st = wg_grow(a->ctx, (void **)&S->box, &S->capbox, 4 * (S->n + 1), sizeof *S->box)))
        return st;
    S->g[S->n] = NULL;
    st = wg_geom_from_wkb(a->ctx, l->wkb, l->wkb_len, &S->g[S->n]);
    if (st == WG_OK)
        st = envelope(a->ctx, S->g[S->n], &S->box[4 * S->n]);
    S->n++;
    return st;
}

/* The length of the streets inside cell c. */
static wg_status street_length(wg_ctx *ctx, void *user, size_t c, int thread)
{
    (void)thread;
    streets *S = user;
    const wg_geom *cell = S->cs->geom[c];
    S->len[c] = 0;
    if (!cell)
        return WG_OK;
    double b[4];
    wg_status st = envelope(ctx, cell, b);
    wg_box_hits H = {0};
    if (st == WG_OK)
        st = wg_boxindex_collect(ctx, S->ix, b, &H);
    for (size_t k = 0; st == WG_OK && k < H.n; k++) {
        double len = 0; /* of the street inside the cell, its edge included */
        st = wg_geom_overlap_length(ctx, cell, S->g[H.v[k]], &len);
        if (st != WG_OK)
            wg_ctx_where(ctx, "cell %s: street lengths: ", S->cs->code[c]);
        S->len[c] += len;
    }
    free(H.v);
    return st;
}

/* ---- Tours ------------------------------------------------------------------------------- */

typedef struct tour_acc {
    wg_ctx *ctx;
    const cellset *cs;
    double **p; /* per cell: its units' centres */
    size_t *np, *capp;
} tour_acc;

static wg_status add_centre(void *user, const wg_unit_rec *u)
{
    tour_acc *a = user;
    int32_t c = cellset_find(a->cs, u->cell);
    if (c < 0)
        return WG_OK;
    wg_geom *g = NULL;
    wg_status st = wg_geom_from_wkb(a->ctx, u->wkb, u->wkb_len, &g);
    double x = 0, y = 0;
    if (st == WG_OK) {
        st = wg_geom_centroid(a->ctx, g, &x, &y);
        if (st != WG_OK)
            wg_ctx_where(a->ctx, "unit %s: ", u->id);
        else if (isnan(x)) /* an empty geometry */
            st = wg_fail(a->ctx, WG_EGEOS, "unit %s: no centre", u->id);
    }
    wg_geom_free(a->ctx, g);
    if (st == WG_OK)
        st = wg_grow(a->ctx, (void **)&a->p[c], &a->capp[c], 2 * (a->np[c] + 1), sizeof **a->p);
    if (st == WG_OK) {
        a->p[c][2 * a->np[c]] = x;
        a->p[c][2 * a->np[c] + 1] = y;
        a->np[c]++;
    }
    return st;
}

static wg_status tours(wg_ws *ws, int64_t plan, const cellset *cs, double *len)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    tour_acc a = {.ctx = ctx, .cs = cs};
    a.p = calloc(cs->n + 1, sizeof *a.p);
    a.np = calloc(cs->n + 1, sizeof *a.np);
    a.capp = calloc(cs->n + 1, sizeof *a.capp);
    size_t *tour = NULL, capt = 0;
    wg_status st = a.p && a.np && a.capp ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    wg_unit_query q = {.plan = plan};
    if (st == WG_OK)
        st = wg_store_units_each(ws, &q, add_centre, &a);
    for (size_t c = 0; st == WG_OK && c < cs->n; c++) {
        st = wg_grow(ctx, (void **)&tour, &capt, a.np[c] + 1, sizeof *tour);
        if (st == WG_OK)
            len[c] = tour_length(a.p[c], a.np[c], tour);
    }
    for (size_t c = 0; a.p && c < cs->n; c++)
        free(a.p[c]);
    free(a.p), free(a.np), free(a.capp), free(tour);
    return st;
}

/* ---- The run ------------------------------------------------------------------------------ */

wg_status patrol_run(wg_ws *ws, int64_t plan, const cellset *cs)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    streets S = {.cs = cs};
    line_acc la = {.ctx = ctx, .S = &S};
    S.len = calloc(cs->n + 1, sizeof *S.len);
    wg_status st = S.len ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_store_lines_each(ws, "streets", add_street, &la);
    bool by_streets = S.n > 0;
    if (st == WG_OK && by_streets)
        st = wg_boxindex_build(ctx, S.box, S.n, &S.ix);
    if (st == WG_OK && by_streets)
        st = wg_parallel(ctx, cs->n, 2, "patrol lengths", street_length, &S);
    else if (st == WG_OK)
        st = tours(ws, plan, cs, S.len);
    if (st == WG_OK)
        st = wg_store_patrol_clear(ws, cs->all ? NULL : (const char *const *)cs->code, cs->n);
    for (size_t c = 0; st == WG_OK && c < cs->n; c++)
        st = wg_store_patrol_add(ws, cs->code[c], S.len[c], by_streets ? "streets" : "tour");
    wg_geoms_free(ctx, S.g, S.n);
    free(S.box), free(S.len);
    wg_boxindex_free(S.ix);
    return st;
}
