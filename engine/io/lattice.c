/* engine/io/lattice.c: square units over where the points are (see wg/lattice.h). */
#include "wg/lattice.h"

#include "wg/geom.h"
#include "wg/store.h"
#include "wg/vio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SQUARES 4000000
#define MAX_RING 5

/* A square's place: column and row, packed so that sorting groups a square's points. */
static int64_t key_of(int64_t col, int64_t row)
{
    return (int64_t)((uint64_t)(col + (1LL << 31)) << 32 | (uint64_t)(row + (1LL << 31)));
}
static int64_t col_of(int64_t k)
{
    return (int64_t)((uint64_t)k >> 32) - (1LL << 31);
}
static int64_t row_of(int64_t k)
{
    return (int64_t)((uint64_t)k & 0xffffffffu) - (1LL << 31);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct keys {
    wg_ctx *ctx;
    double cell;
    int64_t *k;
    size_t n, cap;
    int64_t skipped;
} keys;

static wg_status add_point(keys *K, double x, double y)
{
    if (!isfinite(x) || !isfinite(y)) {
        K->skipped++;
        return WG_OK;
    }
    double c = floor(x / K->cell), r = floor(y / K->cell);
    if (fabs(c) >= 2e9 || fabs(r) >= 2e9)
        return wg_fail(K->ctx, WG_EINPUT, "a point at %.1f, %.1f lies off a lattice of %g m", x, y,
                       K->cell);
    wg_status st = wg_grow(K->ctx, (void **)&K->k, &K->cap, K->n + 1, sizeof *K->k);
    if (st == WG_OK)
        K->k[K->n++] = key_of((int64_t)c, (int64_t)r);
    return st;
}

static wg_status add_incidents(void *user, const wg_incidents *part)
{
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < part->n; i++)
        st = add_point(user, part->xy[2 * i], part->xy[2 * i + 1]);
    return st;
}

static wg_status add_camera(void *user, const wg_camera_rec *c)
{
    return add_point(user, c->x, c->y);
}

/* The count of points in square k: its run in the sorted keys. */
static int64_t count_in(const int64_t *pts, size_t n, int64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first >= k */
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < n && pts[end] == k)
        end++;
    return (int64_t)(end - lo);
}

static wg_status write_squares(wg_ws *ws, const wg_lattice_opts *o, const char *dest, const keys *K,
                               const int64_t *sq, size_t nsq)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    static const wg_field_def fields[] = {
        {"id", WG_F_TEXT}, {"households", WG_F_INT}, {"kind", WG_F_TEXT}};
    wg_dst *dst = NULL;
    wg_status st = wg_dst_open(ctx, dest, "lattice", wg_ws_crs(ws), WG_G_POLYGON, fields, 3, &dst);
    for (size_t i = 0; st == WG_OK && i < nsq; i++) {
        if ((i & 0xfff) == 0 && wg_ctx_cancelled(ctx))
            st = wg_fail(ctx, WG_EINTR, "interrupted");
        int64_t c = col_of(sq[i]), r = row_of(sq[i]);
        double x0 = (double)c * o->cell_m, y0 = (double)r * o->cell_m;
        double x1 = x0 + o->cell_m, y1 = y0 + o->cell_m;
        const double ring[] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
        wg_geom *g = NULL;
        char id[64];
        snprintf(id, sizeof id, "Q%lld_%lld", (long long)c, (long long)r);
        if (st == WG_OK)
            st = wg_geom_polygon(ctx, ring, 5, &g);
        wg_value v[] = {{.s = id}, {.i = count_in(K->k, K->n, sq[i])}, {.s = "area"}};
        if (st == WG_OK)
            st = wg_dst_add(ctx, dst, g, v);
        wg_geom_free(ctx, g);
    }
    if (st == WG_OK)
        return wg_dst_commit(ctx, dst);
    wg_dst_abort(dst);
    return st;
}

wg_status wg_lattice_write(wg_ws *ws, const wg_lattice_opts *o, const char *dest,
                           wg_lattice_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(r, 0, sizeof *r);
    const char *layer = o->layer ? o->layer : "incidents";
    if (!(o->cell_m >= 1 && o->cell_m <= 100000))
        return wg_fail(ctx, WG_EINPUT, "--cell %g: a square's side must be 1 to 100000 m",
                       o->cell_m);
    if (o->ring < 0 || o->ring > MAX_RING)
        return wg_fail(ctx, WG_EINPUT, "--ring %d: expected 0 to %d squares", o->ring, MAX_RING);
    if (strcmp(layer, "incidents") != 0 && strcmp(layer, "cameras") != 0)
        return wg_fail(ctx, WG_EINPUT, "--of %s: a lattice counts incidents or cameras", layer);
    if (!wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "%s: no CRS yet (import the %s first)", wg_ws_path(ws),
                       layer);
    keys K = {.ctx = ctx, .cell = o->cell_m};
    wg_status st = strcmp(layer, "cameras") == 0
                       ? wg_store_cameras_each(ws, add_camera, &K)
                       : wg_store_incidents_each(ws, WG_IC_XY, NULL, add_incidents, &K);
    if (st == WG_OK && K.n == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no %s with a location to lay a lattice over",
                     wg_ws_path(ws), layer);
    int64_t *sq = NULL;
    size_t nsq = 0, side = (size_t)(2 * o->ring + 1);
    if (st == WG_OK) {
        qsort(K.k, K.n, sizeof *K.k, cmp_i64);
        /* the occupied squares, then each grown by the ring */
        size_t nocc = 0;
        for (size_t i = 0; i < K.n; i++)
            nocc += i == 0 || K.k[i] != K.k[i - 1];
        r->occupied = nocc;
        if (nocc > MAX_SQUARES / (side * side) + 1)
            st = wg_fail(ctx, WG_EINPUT,
                         "a lattice of %g m squares would hold over %d squares: take larger ones",
                         o->cell_m, MAX_SQUARES);
        else if (!(sq = malloc(nocc * side * side * sizeof *sq)))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu squares", nocc * side * side);
    }
    for (size_t i = 0; st == WG_OK && i < K.n; i++) {
        if (i > 0 && K.k[i] == K.k[i - 1])
            continue;
        int64_t c = col_of(K.k[i]), rw = row_of(K.k[i]);
        for (int dc = -o->ring; dc <= o->ring; dc++)
            for (int dr = -o->ring; dr <= o->ring; dr++)
                sq[nsq++] = key_of(c + dc, rw + dr);
    }
    if (st == WG_OK) {
        qsort(sq, nsq, sizeof *sq, cmp_i64);
        size_t u = 0;
        for (size_t i = 0; i < nsq; i++)
            if (u == 0 || sq[i] != sq[u - 1])
                sq[u++] = sq[i];
        nsq = u;
        if (nsq > MAX_SQUARES)
            st = wg_fail(ctx, WG_EINPUT,
                         "a lattice of %g m squares would hold %zu squares (over %d): take larger "
                         "ones",
                         o->cell_m, nsq, MAX_SQUARES);
    }
    if (st == WG_OK)
        st = write_squares(ws, o, dest, &K, sq, nsq);
    if (st == WG_OK) {
        r->squares = nsq;
        r->points = (int64_t)K.n;
        r->skipped = K.skipped;
    }
    free(sq);
    free(K.k);
    return st;
}
