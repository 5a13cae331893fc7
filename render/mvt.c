/* render/mvt.c: vector tiles (Mapbox Vector Tile 2.1, protobuf) of the cells and the incidents,
 * for clients that style the features themselves. Written by hand: a tile is a few varints and
 * byte strings, and the encoder is small enough to read whole. */
#include "render_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXTENT 4096
#define BUFFER 64 /* tile units kept beyond the edge, so that clients clip, not the tile */

/* A message being written. */
typedef bytes pb;

static void pb_bytes(pb *b, const void *data, size_t n)
{
    bytes_add(b, data, n);
}

static void pb_varint(pb *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;
    do {
        t[n++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
    } while (v);
    pb_bytes(b, t, n);
}

static void pb_key(pb *b, unsigned field, unsigned wire)
{
    pb_varint(b, (uint64_t)field << 3 | wire);
}

/* Field `field` holding the bytes of d (length-delimited). */
static void pb_sub(pb *b, unsigned field, const pb *d)
{
    pb_key(b, field, 2);
    pb_varint(b, d->n);
    pb_bytes(b, d->p, d->n);
    b->failed |= d->failed;
}

static void pb_string(pb *b, unsigned field, const char *s)
{
    pb_key(b, field, 2);
    pb_varint(b, strlen(s));
    pb_bytes(b, s, strlen(s));
}

static uint32_t zigzag(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

/* A layer's keys and values, each kept once. */
typedef struct dict {
    const char **keys;
    size_t nkeys;
    char **sval; /* string values; the rest are integers */
    int64_t *ival;
    bool *is_int;
    size_t nvals, cap;
    bool failed;
} dict;

static uint32_t dict_value(dict *d, const char *s, int64_t v)
{
    for (size_t i = 0; i < d->nvals; i++)
        if (s ? !d->is_int[i] && strcmp(d->sval[i], s) == 0 : d->is_int[i] && d->ival[i] == v)
            return (uint32_t)i;
    if (d->nvals == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        char **sv = realloc(d->sval, cap * sizeof *sv);
        if (sv)
            d->sval = sv;
        int64_t *iv = realloc(d->ival, cap * sizeof *iv);
        if (iv)
            d->ival = iv;
        bool *ii = realloc(d->is_int, cap * sizeof *ii);
        if (ii)
            d->is_int = ii;
        if (!sv || !iv || !ii) {
            d->failed = true;
            return 0;
        }
        d->cap = cap;
    }
    size_t i = d->nvals;
    d->sval[i] = s ? strdup(s) : NULL;
    d->ival[i] = v;
    d->is_int[i] = !s;
    if (s && !d->sval[i]) {
        d->failed = true;
        return 0;
    }
    d->nvals++;
    return (uint32_t)i;
}

static void dict_free(dict *d)
{
    for (size_t i = 0; i < d->nvals; i++)
        free(d->sval[i]);
    free(d->sval), free(d->ival), free(d->is_int);
}

/* A layer: its features written as they come, its keys and values at the end. */
typedef struct layer {
    pb feats;
    dict d;
    size_t n;
} layer;

/* World -> tile units. */
static void to_tile(const tile_geo *g, double X, double Y, double scale, int32_t *tx, int32_t *ty)
{
    double dx = X - g->P[0], dy = Y - g->P[1];
    *tx = (int32_t)lround((g->a * dx + g->b * dy) * scale);
    *ty = (int32_t)lround((g->c * dx + g->d * dy) * scale);
}

/* One feature: its tags (key index, value index pairs), type and geometry commands. */
static void layer_feature(layer *L, uint64_t id, const uint32_t *tags, size_t ntags, int type,
                          const pb *geom)
{
    pb f = {0}, t = {0};
    pb_key(&f, 1, 0);
    pb_varint(&f, id);
    for (size_t i = 0; i < ntags; i++)
        pb_varint(&t, tags[i]);
    pb_sub(&f, 2, &t);
    pb_key(&f, 3, 0);
    pb_varint(&f, (uint64_t)type);
    pb_sub(&f, 4, geom);
    pb_sub(&L->feats, 2, &f);
    free(f.p), free(t.p);
    L->n++;
}

/* The layer as a Layer message in the tile. */
static void layer_end(pb *tile, layer *L, const char *name)
{
    pb m = {0};
    pb_key(&m, 15, 0);
    pb_varint(&m, 2);
    pb_string(&m, 1, name);
    pb_bytes(&m, L->feats.p, L->feats.n);
    m.failed |= L->feats.failed || L->d.failed;
    for (size_t k = 0; k < L->d.nkeys; k++)
        pb_string(&m, 3, L->d.keys[k]);
    for (size_t i = 0; i < L->d.nvals; i++) {
        pb v = {0};
        if (L->d.is_int[i]) {
            pb_key(&v, 6, 0); /* sint */
            int64_t x = L->d.ival[i];
            pb_varint(&v, ((uint64_t)x << 1) ^ (uint64_t)(x >> 63));
        } else {
            pb_string(&v, 1, L->d.sval[i]);
        }
        pb_sub(&m, 4, &v);
        free(v.p);
    }
    pb_key(&m, 5, 0);
    pb_varint(&m, EXTENT);
    pb_sub(tile, 3, &m);
    free(m.p);
    free(L->feats.p);
    dict_free(&L->d);
}

/* The polygons of feature i of s as MVT commands into geom: each ring reversed (the tile's y
 * runs down, so a ring anticlockwise in the world would read as a hole), repeated points
 * dropped, rings of fewer than three points left out. False when nothing was left. */
static bool polygon_commands(const tile_geo *g, const wg_shapes *s, size_t i, pb *geom)
{
    double k = (double)EXTENT / TILE_SIDE;
    int32_t cx = 0, cy = 0;
    bool any = false;
    int32_t *pts = NULL;
    size_t cap = 0;
    for (size_t p = s->feat[i]; p < s->feat[i + 1]; p++) {
        size_t a = s->part[p], b = s->part[p + 1];
        if (b - a > cap) {
            int32_t *q = realloc(pts, 2 * (b - a) * sizeof *q);
            if (!q) {
                geom->failed = true;
                break;
            }
            pts = q, cap = b - a;
        }
        size_t n = 0;
        for (size_t j = b; j-- > a;) { /* reversed */
            int32_t x, y;
            to_tile(g, s->xy[2 * j], s->xy[2 * j + 1], k, &x, &y);
            if (n && x == pts[2 * (n - 1)] && y == pts[2 * (n - 1) + 1])
                continue;
            pts[2 * n] = x, pts[2 * n + 1] = y;
            n++;
        }
        if (n > 1 && pts[0] == pts[2 * (n - 1)] && pts[1] == pts[2 * (n - 1) + 1])
            n--; /* the closing point: ClosePath draws it */
        if (n < 3)
            continue;
        pb_varint(geom, 1 | 1 << 3); /* MoveTo 1 */
        pb_varint(geom, zigzag(pts[0] - cx));
        pb_varint(geom, zigzag(pts[1] - cy));
        pb_varint(geom, 2 | (uint64_t)(n - 1) << 3); /* LineTo n - 1 */
        for (size_t j = 1; j < n; j++) {
            pb_varint(geom, zigzag(pts[2 * j] - pts[2 * (j - 1)]));
            pb_varint(geom, zigzag(pts[2 * j + 1] - pts[2 * (j - 1) + 1]));
        }
        cx = pts[2 * (n - 1)], cy = pts[2 * (n - 1) + 1];
        pb_varint(geom, 7 | 1 << 3); /* ClosePath */
        any = true;
    }
    free(pts);
    return any;
}

wg_status wg_render_tile_mvt(wg_ws *ws, const wg_tile_theme *tt, int z, int x, int y,
                             unsigned char **out, size_t *len, double box[4])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    *out = NULL, *len = 0;
    if (tt->kind != WG_MAP_PLAN && tt->kind != WG_MAP_INCIDENTS)
        return wg_fail(ctx, WG_EINPUT, "vector tiles hold the cells and the incidents only");
    tile_geo g;
    wg_status st = tile_geo_of(ws, z, x, y, TILE_SIDE, &g);
    if (st != WG_OK)
        return st;
    /* the features within the buffer around the tile */
    double m = (double)BUFFER / EXTENT * TILE_SIDE / g.s;
    double bb[4] = {g.box[0] - m, g.box[1] - m, g.box[2] + m, g.box[3] + m};
    if (box)
        memcpy(box, bb, sizeof bb);
    pb tile = {0};
    layer L = {0};
    if (tt->kind == WG_MAP_PLAN) {
        static const char *keys[] = {"code", "community", "households", "units", "in_range"};
        L.d.keys = keys, L.d.nkeys = 5;
        wg_map_feats cells;
        wg_map_query q = {.plan = tt->plan.info.id, .bbox = bb};
        if ((st = wg_map_read(ws, WG_ML_CELLS, &q, &cells)) != WG_OK)
            return st;
        double target, lo, hi;
        plan_range(&tt->plan.values, &target, &lo, &hi);
        for (size_t i = 0; i < cells.n; i++) {
            pb geom = {0};
            if (polygon_commands(&g, &cells.shapes, i, &geom)) {
                double hh = cells.v[i][0];
                uint32_t tags[10] = {0, dict_value(&L.d, cells.key[i], 0),
                                     1, dict_value(&L.d, cells.group[i], 0),
                                     2, dict_value(&L.d, NULL, isnan(hh) ? 0 : (int64_t)hh),
                                     3, dict_value(&L.d, NULL, (int64_t)cells.v[i][1]),
                                     4, dict_value(&L.d, NULL, hh >= lo && hh <= hi)};
                layer_feature(&L, i + 1, tags, 10, 3, &geom);
            }
            tile.failed |= geom.failed;
            free(geom.p);
        }
        wg_map_feats_free(&cells);
        layer_end(&tile, &L, "cells");
    } else {
        static const char *keys[] = {"category"};
        L.d.keys = keys, L.d.nkeys = 1;
        wg_map_points p;
        if ((st = tile_points(ctx, tt, bb, &p)) != WG_OK)
            return st;
        const wg_map_points *all = &tt->base->pts;
        double k = (double)EXTENT / TILE_SIDE;
        for (size_t i = 0; i < p.n; i++) {
            int32_t tx, ty;
            to_tile(&g, p.xy[2 * i], p.xy[2 * i + 1], k, &tx, &ty);
            pb geom = {0};
            pb_varint(&geom, 1 | 1 << 3);
            pb_varint(&geom, zigzag(tx));
            pb_varint(&geom, zigzag(ty));
            const char *cat = p.cat[i] < all->ncat ? all->category[p.cat[i]] : "";
            uint32_t tags[2] = {0, dict_value(&L.d, cat, 0)};
            layer_feature(&L, i + 1, tags, 2, 1, &geom);
            tile.failed |= geom.failed;
            free(geom.p);
        }
        wg_map_points_free(&p);
        layer_end(&tile, &L, "incidents");
    }
    if (tile.failed) {
        free(tile.p);
        return wg_fail(ctx, WG_ENOMEM, "out of memory encoding a vector tile");
    }
    *out = tile.p ? tile.p : malloc(1), *len = tile.n;
    if (!*out)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    return WG_OK;
}
