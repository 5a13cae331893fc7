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
    GEOSGeometry **g;
    double *box;
    size_t n, cap, capbox;
    wg_boxindex *ix;
    double *len; /* per cell, out */
} streets;

typedef struct line_acc {
    wg_ctx *ctx;
    streets *S;
} line_acc;

static void envelope(GEOSContextHandle_t h, const GEOSGeometry *g, double *b)
{
    if (!g || GEOSisEmpty_r(h, g) == 1 || !GEOSGeom_getXMin_r(h, g, &b[0]) ||
        !GEOSGeom_getYMin_r(h, g, &b[1]) || !GEOSGeom_getXMax_r(h, g, &b[2]) ||
        !GEOSGeom_getYMax_r(h, g, &b[3]))
        b[0] = b[1] = b[2] = b[3] = NAN;
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
        envelope(wg_ctx_geos(a->ctx), S->g[S->n], &S->box[4 * S->n]);
    S->n++;
    return st;
}

typedef struct hits {
    size_t *v;
    size_t n, cap;
    bool failed;
    wg_ctx *ctx;
} hits;

static bool hit(void *user, size_t i)
{
    hits *H = user;
    if (wg_grow(H->ctx, (void **)&H->v, &H->cap, H->n + 1, sizeof *H->v) != WG_OK) {
        H->failed = true;
        return false;
    }
    H->v[H->n++] = i;
    return true;
}

/* The length of the streets inside cell c. */
static wg_status street_length(wg_ctx *ctx, void *user, size_t c, int thread)
{
    (void)thread;
    streets *S = user;
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    const GEOSGeometry *cell = S->cs->geom[c];
    S->len[c] = 0;
    if (!cell)
        return WG_OK;
    double b[4];
    envelope(h, cell, b);
    hits H = {.ctx = ctx};
    wg_boxindex_query(S->ix, b[0], b[1], b[2], b[3], hit, &H);
    wg_status st = H.failed ? wg_ctx_status(ctx) : WG_OK;
    for (size_t k = 0; st == WG_OK && k < H.n; k++) {
        GEOSGeometry *x = GEOSIntersection_r(h, cell, S->g[H.v[k]]);
        double len = 0;
        if (!x || !GEOSLength_r(h, x, &len))
            st = wg_fail(ctx, WG_EGEOS, "cell %s: cannot clip street lengths", S->cs->code[c]);
        if (x)
            GEOSGeom_destroy_r(h, x);
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
    GEOSContextHandle_t h = wg_ctx_geos(a->ctx);
    GEOSGeometry *g = NULL;
    wg_status st = wg_geom_from_wkb(a->ctx, u->wkb, u->wkb_len, &g);
    GEOSGeometry *p = st == WG_OK ? GEOSGetCentroid_r(h, g) : NULL;
    double x = 0, y = 0;
    if (st == WG_OK &&
        (!p || GEOSisEmpty_r(h, p) == 1 || !GEOSGeomGetX_r(h, p, &x) || !GEOSGeomGetY_r(h, p, &y)))
        st = wg_fail(a->ctx, WG_EGEOS, "unit %s: no centre", u->id);
    if (p)
        GEOSGeom_destroy_r(h, p);
    if (g)
        GEOSGeom_destroy_r(h, g);
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
    for (size_t i = 0; i < S.n; i++)
        if (S.g[i])
            GEOSGeom_destroy_r(wg_ctx_geos(ctx), S.g[i]);
    free(S.g), free(S.box), free(S.len);
    wg_boxindex_free(S.ix);
    return st;
}
