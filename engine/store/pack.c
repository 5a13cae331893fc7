/* engine/store/pack.c: the incidents packed as column arrays — chunks of CHUNK incidents in fid
 * order, one blob per column — kept in the same transaction as the rows, and the assignment
 * stored beside them as small integers. Reading 10 M incidents' coordinates, times and
 * categories is a few hundred blob reads, not 10 M rows; writing an assignment is a few
 * hundred blob writes.
 *
 * Invariants: chunks are numbered from 0; every chunk but the last holds exactly CHUNK
 * incidents, so incident position p lies in chunk p / CHUNK at offset p % CHUNK; fids ascend
 * through the chunks. Rows are only ever added at the end (a new fid is above every packed
 * one) or changed in place; should a lower fid ever come, the pack is rebuilt from the rows. */
#include "store_int.h"
#include "wg/parallel.h"
#include "wg/strmap.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384
#define UPDATE_BATCH 262144 /* changed incidents held before they are written into their chunks */

enum {
    C_FID,
    C_X,
    C_Y,
    C_REPORTED,
    C_DISPATCHED,
    C_CLOSED,
    C_DUE,
    C_CAT,
    C_SRC,
    C_STATUS,
    C_VER,
    NCOL
};
static const size_t COL_SIZE[NCOL] = {8, 8, 8, 8, 8, 8, 8, 2, 2, 2, 8};
enum { A_CELL, A_FLAGS, A_BLIND, NACOL };
static const size_t ACOL_SIZE[NACOL] = {4, 1, 4};
#define NDICT 3 /* category, source, status */

/* ---- Byte order: blobs are little endian ---------------------------------------------------- */

static bool host_big(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

/* Reverses each `size`-byte element of a[0..n) (a no-op on little-endian hosts). */
static void swap_elems(void *a, size_t n, size_t size)
{
    if (!host_big() || size == 1)
        return;
    unsigned char *p = a;
    for (size_t i = 0; i < n; i++, p += size)
        for (size_t k = 0; k < size / 2; k++) {
            unsigned char t = p[k];
            p[k] = p[size - 1 - k];
            p[size - 1 - k] = t;
        }
}

/* ---- One chunk in memory --------------------------------------------------------------------- */

typedef struct chunk {
    size_t n;
    int64_t fid[CHUNK];
    double x[CHUNK], y[CHUNK];
    int64_t t[4][CHUNK]; /* reported, dispatched, closed, due */
    uint16_t code[NDICT][CHUNK];
    int64_t ver[CHUNK];
} chunk;

static void *col_ptr(chunk *c, int col)
{
    switch (col) {
    case C_FID:
        return c->fid;
    case C_X:
        return c->x;
    case C_Y:
        return c->y;
    case C_VER:
        return c->ver;
    case C_CAT:
    case C_SRC:
    case C_STATUS:
        return c->code[col - C_CAT];
    default:
        return c->t[col - C_REPORTED];
    }
}

/* An incident's values, as written by a transaction. */
typedef struct rec {
    int64_t fid;
    double x, y;
    int64_t t[4];
    uint16_t code[NDICT];
} rec;

static void put_rec(chunk *c, size_t i, const rec *r, int64_t ver)
{
    c->fid[i] = r->fid;
    c->x[i] = r->x;
    c->y[i] = r->y;
    for (int k = 0; k < 4; k++)
        c->t[k][i] = r->t[k];
    for (int k = 0; k < NDICT; k++)
        c->code[k][i] = r->code[k];
    c->ver[i] = ver;
}

/* ---- Code dictionaries (category, source, status text -> uint16) ----------------------------- */

/* ---- The transaction's state ----------------------------------------------------------------- */

struct pack_tx {
    bool loaded;
    int64_t tail;    /* number of the chunk the buffer holds */
    bool dirty;      /* the buffer differs from what is stored */
    int64_t max_fid; /* the highest fid packed (0: none) */
    chunk *buf;      /* the last chunk, growing */
    rec *upd;        /* changed incidents of earlier chunks */
    size_t nupd, capupd;
    wg_strmap d[NDICT]; /* code text -> index */
    bool rebuild;       /* a fid came out of order: rebuild from the rows at flush */
};

static const char *const DICT_COL_NAME[NDICT] = {"category", "source", "status"};

static wg_status load_dicts(wg_ws *ws, pack_tx *P)
{
    wg_q *q = wg__stmt(ws, "SELECT col, idx, code FROM incident_codes");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        int col = wgq_column_int(q, 0);
        if (col >= 0 && col < NDICT)
            st = wg_strmap_set(ws->ctx, &P->d[col], wg__text(q, 2), wgq_column_int(q, 1));
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incident codes: ");
    wgq_reset(q);
    return st;
}

/* The index of `text` in dictionary k, added (and stored) when new. */
static wg_status code_of(wg_ws *ws, pack_tx *P, int k, const char *text, uint16_t *out)
{
    if (!text) {
        *out = WG_NO_CODE;
        return WG_OK;
    }
    wg_strmap *d = &P->d[k];
    int32_t have = wg_strmap_get(d, text);
    if (have >= 0) {
        *out = (uint16_t)have;
        return WG_OK;
    }
    if (d->n >= WG_NO_CODE)
        return wg_fail(ws->ctx, WG_EINPUT, "more than %d different incident %ss", WG_NO_CODE,
                       DICT_COL_NAME[k]);
    uint16_t v = (uint16_t)d->n;
    wg_q *q = wg__stmt(ws, "INSERT INTO incident_codes (col, idx, code) VALUES (?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int(q, 1, k);
    wgq_bind_int(q, 2, v);
    wgq_bind_text(q, 3, text, -1, SQLITE_TRANSIENT);
    wg_status st = wg__done(ws, q, "storing an incident code: ");
    if (st == WG_OK)
        st = wg_strmap_set(ws->ctx, d, text, v);
    if (st == WG_OK)
        *out = v;
    return st;
}

/* ---- Chunks in the database ------------------------------------------------------------------ */

/* Reads chunk `no` (all columns) into c. */
static wg_status chunk_read(wg_ws *ws, int64_t no, chunk *c)
{
    wg_q *q = wg__stmt(ws, "SELECT n FROM incident_chunks WHERE chunk = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, no);
    int64_t n = wgq_step(q) == SQLITE_ROW ? wgq_column_int64(q, 0) : -1;
    wgq_reset(q);
    if (n < 0 || n > CHUNK)
        return wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident chunk %lld is missing",
                       ws->path, (long long)no);
    c->n = (size_t)n;
    q = wg__stmt(ws, "SELECT data FROM incident_cols WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    for (int col = 0; col < NCOL; col++) {
        wgq_bind_int64(q, 1, no * 16 + col);
        bool ok =
            wgq_step(q) == SQLITE_ROW && (size_t)wgq_column_bytes(q, 0) == c->n * COL_SIZE[col];
        if (ok && c->n) {
            memcpy(col_ptr(c, col), wgq_column_blob(q, 0), c->n * COL_SIZE[col]);
            swap_elems(col_ptr(c, col), c->n, COL_SIZE[col]);
        }
        wgq_reset(q);
        if (!ok)
            return wg_fail(ws->ctx, WG_EINTERNAL,
                           "workspace %s: incident chunk %lld: column %d is missing or short",
                           ws->path, (long long)no, col);
    }
    return WG_OK;
}

/* Stores c as chunk `no`, replacing what was there. */
static wg_status chunk_write(wg_ws *ws, int64_t no, chunk *c)
{
    int64_t ver = 0;
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < c->n; i++) {
        ver = c->ver[i] > ver ? c->ver[i] : ver;
        if (isfinite(c->x[i]) && isfinite(c->y[i])) {
            box[0] = fmin(box[0], c->x[i]), box[1] = fmin(box[1], c->y[i]);
            box[2] = fmax(box[2], c->x[i]), box[3] = fmax(box[3], c->y[i]);
        }
    }
    wg_q *q =
        wg__stmt(ws, "INSERT INTO incident_chunks (chunk, n, fid_lo, fid_hi, ver, x0, y0, x1, y1) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chunk) DO UPDATE SET n = "
                     "excluded.n, fid_lo = excluded.fid_lo, fid_hi = excluded.fid_hi, ver = "
                     "excluded.ver, x0 = excluded.x0, y0 = excluded.y0, x1 = excluded.x1, y1 = "
                     "excluded.y1");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, no);
    wgq_bind_int64(q, 2, (int64_t)c->n);
    wgq_bind_int64(q, 3, c->n ? c->fid[0] : 0);
    wgq_bind_int64(q, 4, c->n ? c->fid[c->n - 1] : 0);
    wgq_bind_int64(q, 5, ver);
    for (int k = 0; k < 4 && box[0] <= box[2]; k++)
        wgq_bind_double(q, 6 + k, box[k]);
    wg_status st = wg__done(ws, q, "storing incidents: ");
    q = st == WG_OK ? wg__stmt(ws, "INSERT INTO incident_cols (id, data) VALUES (?, ?) ON "
                                   "CONFLICT (id) DO UPDATE SET data = excluded.data")
                    : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (int col = 0; st == WG_OK && col < NCOL; col++) {
        void *p = col_ptr(c, col);
        swap_elems(p, c->n, COL_SIZE[col]);
        wgq_bind_int64(q, 1, no * 16 + col);
        wgq_bind_blob64(q, 2, c->n ? p : "", (sqlite3_uint64)(c->n * COL_SIZE[col]), SQLITE_STATIC);
        st = wg__done(ws, q, "storing incidents: ");
        swap_elems(p, c->n, COL_SIZE[col]);
    }
    return st;
}

/* The number of chunks and the fid of the last packed incident. */
static wg_status pack_extent(wg_ws *ws, int64_t *nchunks, int64_t *last_n, int64_t *max_fid)
{
    wg_q *q = wg__stmt(ws, "SELECT count(*), coalesce(max(fid_hi), 0), (SELECT n FROM "
                           "incident_chunks ORDER BY chunk DESC LIMIT 1) FROM "
                           "incident_chunks");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW) {
        *nchunks = wgq_column_int64(q, 0);
        *max_fid = wgq_column_int64(q, 1);
        *last_n = wgq_column_int64(q, 2);
    } else {
        st = wg__sql_fail(ws, "reading incident chunks: ");
    }
    wgq_reset(q);
    return st;
}

static wg_status tx_load(wg_ws *ws)
{
    if (ws->pack && ws->pack->loaded)
        return WG_OK;
    if (!ws->pack && !(ws->pack = calloc(1, sizeof *ws->pack)))
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    pack_tx *P = ws->pack;
    if (!(P->buf = malloc(sizeof *P->buf)))
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    P->buf->n = 0;
    int64_t nchunks = 0, last_n = 0;
    wg_status st = pack_extent(ws, &nchunks, &last_n, &P->max_fid);
    if (st == WG_OK)
        st = load_dicts(ws, P);
    /* appends go into the last chunk while it has room, else into a new one */
    if (st == WG_OK && nchunks > 0 && last_n < CHUNK) {
        P->tail = nchunks - 1;
        st = chunk_read(ws, P->tail, P->buf);
    } else {
        P->tail = nchunks;
    }
    P->loaded = st == WG_OK;
    return st;
}

void wg__pack_drop(wg_ws *ws)
{
    pack_tx *P = ws->pack;
    if (!P)
        return;
    free(P->buf);
    free(P->upd);
    for (int k = 0; k < NDICT; k++)
        wg_strmap_free(&P->d[k]);
    free(P);
    ws->pack = NULL;
}

/* Position of fid in c (binary search), or -1. */
static long find_fid(const chunk *c, int64_t fid)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->fid[mid] == fid)
            return (long)mid;
        if (c->fid[mid] < fid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int cmp_rec(const void *a, const void *b)
{
    int64_t x = ((const rec *)a)->fid, y = ((const rec *)b)->fid;
    return (x > y) - (x < y);
}

/* The chunk holding fid, from the chunks' fid ranges (fids ascend through the chunks). */
static wg_status chunk_of_fid(wg_ws *ws, int64_t fid, int64_t *no)
{
    wg_q *q = wg__stmt(ws, "SELECT chunk FROM incident_chunks WHERE fid_lo <= ? ORDER BY "
                           "fid_lo DESC LIMIT 1");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, fid);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW)
        *no = wgq_column_int64(q, 0);
    else
        st = wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident %lld is not packed", ws->path,
                     (long long)fid);
    wgq_reset(q);
    return st;
}

/* Writes the held changes of earlier chunks into them. */
static wg_status apply_updates(wg_ws *ws)
{
    pack_tx *P = ws->pack;
    if (!P->nupd)
        return WG_OK;
    qsort(P->upd, P->nupd, sizeof *P->upd, cmp_rec);
    chunk *c = malloc(sizeof *c);
    if (!c)
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < P->nupd;) {
        int64_t no = 0;
        st = chunk_of_fid(ws, P->upd[i].fid, &no);
        if (st == WG_OK)
            st = chunk_read(ws, no, c);
        size_t j = i;
        for (; st == WG_OK && j < P->nupd && c->n && P->upd[j].fid <= c->fid[c->n - 1]; j++) {
            long at = find_fid(c, P->upd[j].fid);
            if (at < 0)
                st = wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident %lld is not packed",
                             ws->path, (long long)P->upd[j].fid);
            else
                put_rec(c, (size_t)at, &P->upd[j], ws->tx_ver);
        }
        if (st == WG_OK && j == i)
            st = wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident %lld is not packed",
                         ws->path, (long long)P->upd[i].fid);
        if (st == WG_OK)
            st = chunk_write(ws, no, c);
        i = j;
    }
    free(c);
    P->nupd = 0;
    return st;
}

static wg_status append(wg_ws *ws, const rec *r, int64_t ver)
{
    pack_tx *P = ws->pack;
    put_rec(P->buf, P->buf->n++, r, ver);
    P->dirty = true;
    P->max_fid = r->fid;
    if (P->buf->n < CHUNK)
        return WG_OK;
    wg_status st = chunk_write(ws, P->tail, P->buf);
    P->tail++;
    P->buf->n = 0;
    P->dirty = false;
    return st;
}

static wg_status make_rec(wg_ws *ws, int64_t fid, const wg_value *vals, double x, double y, rec *r)
{
    r->fid = fid;
    r->x = x;
    r->y = y;
    for (int k = 0; k < 4; k++) /* reported, dispatched, closed, due: columns 4..7 */
        r->t[k] = vals[4 + k].null ? WG_NO_TIME : vals[4 + k].i;
    wg_status st = WG_OK;
    for (int k = 0; k < NDICT && st == WG_OK; k++) /* category, source, status: 1..3 */
        st = code_of(ws, ws->pack, k, vals[1 + k].null ? NULL : vals[1 + k].s, &r->code[k]);
    return st;
}

wg_status wg__pack_put(wg_ws *ws, int64_t fid, const wg_value *vals, double x, double y)
{
    wg_status st = tx_load(ws);
    pack_tx *P = ws->pack;
    rec r;
    if (st == WG_OK)
        st = make_rec(ws, fid, vals, x, y, &r);
    if (st != WG_OK || P->rebuild)
        return st;
    if (fid > P->max_fid)
        return append(ws, &r, ws->tx_ver);
    /* a change: in the buffer when it is there, else held for its chunk */
    if (P->buf->n && fid >= P->buf->fid[0]) {
        long at = find_fid(P->buf, fid);
        if (at < 0) { /* a fid below the last one that is not packed: rows were removed */
            P->rebuild = true;
            return WG_OK;
        }
        put_rec(P->buf, (size_t)at, &r, ws->tx_ver);
        P->dirty = true;
        return WG_OK;
    }
    if ((st = wg_grow(ws->ctx, (void **)&P->upd, &P->capupd, P->nupd + 1, sizeof *P->upd)) != WG_OK)
        return st;
    P->upd[P->nupd++] = r;
    return P->nupd >= UPDATE_BATCH ? apply_updates(ws) : WG_OK;
}

wg_status wg__pack_flush(wg_ws *ws)
{
    pack_tx *P = ws->pack;
    wg_status st = WG_OK;
    if (!P || !P->loaded)
        return WG_OK;
    if (P->rebuild) {
        wg__pack_drop(ws);
        return wg__pack_rebuild(ws);
    }
    if (P->dirty)
        st = chunk_write(ws, P->tail, P->buf);
    if (st == WG_OK)
        st = apply_updates(ws);
    wg__pack_drop(ws);
    return st;
}

/* The x, y of a POINT in SpatiaLite's blob format: 0x00, byte order (1: little endian), SRID,
 * MBR (4 doubles), 0x7C, class 1, x, y, 0xFE — 60 bytes. */
static bool blob_point(const unsigned char *b, size_t len, double *x, double *y)
{
    if (!b || len != 60 || b[0] != 0x00 || (b[1] != 0x00 && b[1] != 0x01) || b[38] != 0x7C ||
        b[59] != 0xFE)
        return false;
    bool swap = (b[1] == 0x01) == host_big();
    unsigned char c[20];
    memcpy(c, b + 39, 20);
    if (swap) {
        swap_elems(c, 1, 4);
        for (int k = 0; k < 2; k++) {
            unsigned char *p = c + 4 + 8 * k;
            for (int i = 0; i < 4; i++) {
                unsigned char t = p[i];
                p[i] = p[7 - i];
                p[7 - i] = t;
            }
        }
    }
    int32_t cls;
    memcpy(&cls, c, 4);
    memcpy(x, c + 4, 8);
    memcpy(y, c + 12, 8);
    return cls == 1;
}

wg_status wg__pack_rebuild(wg_ws *ws)
{
    wg_status st = wg__need_tx(ws, "packing incidents");
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM incident_chunks; DELETE FROM incident_cols; DELETE FROM "
                         "assign_cols; DELETE FROM assign_counts; DELETE FROM derived WHERE kind "
                         "= 'assignment';");
    wg__pack_drop(ws);
    if (st == WG_OK)
        st = tx_load(ws);
    wg_q *q = st == WG_OK ? wg__stmt(ws, "SELECT fid, category, source, status, reported, "
                                         "dispatched, closed, due, geom, ver FROM "
                                         "incidents ORDER BY fid")
                          : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    int rc = SQLITE_DONE;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_value v[8] = {{0}};
        for (int k = 1; k < 8; k++) {
            v[k].null = wgq_column_type(q, k) == SQLITE_NULL;
            if (k < 4)
                v[k].s = wg__text(q, k);
            else
                v[k].i = wgq_column_int64(q, k);
        }
        double x = NAN, y = NAN;
        if (!blob_point(wgq_column_blob(q, 8), (size_t)wgq_column_bytes(q, 8), &x, &y) ||
            !isfinite(x) || !isfinite(y))
            x = y = NAN;
        rec r;
        st = make_rec(ws, wgq_column_int64(q, 0), v, x, y, &r);
        if (st == WG_OK)
            st = append(ws, &r, wgq_column_int64(q, 9));
        if (ws->pack->buf->n == 0)
            wg_progress(ws->ctx, "packing incidents", (uint64_t)(ws->pack->tail * CHUNK), 0);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incidents: ");
    if (q)
        wgq_reset(q);
    if (st == WG_OK && ws->pack->dirty)
        st = chunk_write(ws, ws->pack->tail, ws->pack->buf);
    wg__pack_drop(ws);
    return st;
}

/* ---- Reading --------------------------------------------------------------------------------- */

typedef struct chunk_info {
    int64_t no, n, ver;
} chunk_info;

static wg_status chunk_list(wg_ws *ws, chunk_info **out, size_t *n)
{
    wg_q *q = wg__stmt(ws, "SELECT chunk, n, ver FROM incident_chunks ORDER BY chunk");
    if (!q)
        return wg_ctx_status(ws->ctx);
    chunk_info *v = NULL;
    size_t len = 0, cap = 0;
    wg_status st = WG_OK;
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW) {
        if ((st = wg_grow(ws->ctx, (void **)&v, &cap, len + 1, sizeof *v)) != WG_OK)
            break;
        v[len++] =
            (chunk_info){wgq_column_int64(q, 0), wgq_column_int64(q, 1), wgq_column_int64(q, 2)};
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incident chunks: ");
    wgq_reset(q);
    for (size_t i = 0; st == WG_OK && i < len; i++)
        if (v[i].no != (int64_t)i || (i + 1 < len && v[i].n != CHUNK))
            st = wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident chunk %zu is misnumbered",
                         ws->path, i);
    if (st != WG_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = len;
    return WG_OK;
}

/* Reads `bytes` of blob `rowid` of `table` into dst (the blob must have exactly that size,
 * unless `shorter` allows fewer: *got then tells how many). */
typedef struct blob_reader {
    wg_ws *ws;
    sqlite3 *db; /* the workspace's connection, or one more opened to read in parallel */
    wg_ctx *ctx; /* where its failures go: the workspace's, or a reading thread's own */
    const char *table;
    sqlite3_blob *b;
} blob_reader;

/* The same on PostgreSQL: the blob selected whole. */
static wg_status blob_read_pg(blob_reader *r, int64_t rowid, void *dst, size_t bytes, bool shorter,
                              size_t *got)
{
    wg_ws *ws = r->ws;
    wg_q *q = wg__stmt(ws, strcmp(r->table, "incident_cols") == 0
                               ? "SELECT data FROM incident_cols WHERE id = ?"
                               : "SELECT data FROM assign_cols WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, rowid);
    int rc = wgq_step(q);
    wg_status st = WG_OK;
    size_t have = rc == SQLITE_ROW ? (size_t)wgq_column_bytes(q, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incidents: ");
    else if (rc == SQLITE_DONE && !shorter)
        st = wg_fail(r->ctx, WG_EINTERNAL, "workspace %s: no %s %lld", ws->path, r->table,
                     (long long)rowid);
    else if (have < bytes && !shorter)
        st = wg_fail(r->ctx, WG_EINTERNAL, "workspace %s: %s %lld is short", ws->path, r->table,
                     (long long)rowid);
    size_t n = have < bytes ? have : bytes;
    if (st == WG_OK && n)
        memcpy(dst, wgq_column_blob(q, 0), n);
    if (st == WG_OK && got)
        *got = n;
    wgq_reset(q);
    return st;
}

static wg_status blob_read(blob_reader *r, int64_t rowid, void *dst, size_t bytes, bool shorter,
                           size_t *got)
{
    wg_ws *ws = r->ws;
    if (ws->pg)
        return blob_read_pg(r, rowid, dst, bytes, shorter, got);
    int rc = r->b ? sqlite3_blob_reopen(r->b, rowid)
                  : sqlite3_blob_open(r->db, "main", r->table, "data", rowid, 0, &r->b);
    if (rc != SQLITE_OK) {
        if (shorter) {
            *got = 0;
            return WG_OK;
        }
        return wg_fail(r->ctx, WG_EINTERNAL, "workspace %s: %s %lld: %s", ws->path, r->table,
                       (long long)rowid, sqlite3_errmsg(r->db));
    }
    size_t have = (size_t)sqlite3_blob_bytes(r->b);
    if (have < bytes && !shorter)
        return wg_fail(r->ctx, WG_EINTERNAL, "workspace %s: %s %lld is short", ws->path, r->table,
                       (long long)rowid);
    size_t n = have < bytes ? have : bytes;
    if (n && sqlite3_blob_read(r->b, dst, (int)n, 0) != SQLITE_OK)
        return wg__sql_fail_on(ws, r->db, r->ctx, "reading incidents: ");
    if (got)
        *got = n;
    return WG_OK;
}

void wg_incidents_free(wg_incidents *inc)
{
    if (!inc)
        return;
    free(inc->fid), free(inc->xy), free(inc->reported), free(inc->dispatched);
    free(inc->closed), free(inc->due), free(inc->category), free(inc->source);
    free(inc->status), free(inc->ver), free(inc->pos), free(inc->cell), free(inc->flags);
    free(inc->blind);
    char **codes[3] = {inc->cat_code, inc->src_code, inc->status_code};
    size_t ncodes[3] = {inc->ncat, inc->nsrc, inc->nstatus};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < ncodes[k]; i++)
            free(codes[k][i]);
        free(codes[k]);
    }
    memset(inc, 0, sizeof *inc);
}

static wg_status read_codes(wg_ws *ws, wg_incidents *out)
{
    wg_q *q = wg__stmt(ws, "SELECT col, idx, code FROM incident_codes ORDER BY col, idx");
    if (!q)
        return wg_ctx_status(ws->ctx);
    char ***lists[3] = {&out->cat_code, &out->src_code, &out->status_code};
    size_t *counts[3] = {&out->ncat, &out->nsrc, &out->nstatus};
    size_t caps[3] = {0};
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        int col = wgq_column_int(q, 0);
        size_t idx = (size_t)wgq_column_int(q, 1);
        if (col < 0 || col > 2 || idx != *counts[col]) {
            st = wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: incident codes out of order",
                         ws->path);
            break;
        }
        char *s = strdup(wg__text(q, 2));
        if (!s || wg_grow(ws->ctx, (void **)lists[col], &caps[col], idx + 1, sizeof(char *))) {
            free(s);
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
            break;
        }
        (*lists[col])[(*counts[col])++] = s;
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incident codes: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_incident_codes(wg_ws *ws, wg_incidents *out)
{
    memset(out, 0, sizeof *out);
    wg_status st = read_codes(ws, out);
    if (st != WG_OK)
        wg_incidents_free(out);
    return st;
}

/* What a read needs beside what it hands out. */
typedef struct scratch {
    double *x, *y;
    int64_t *ver, *reported;
} scratch;

static bool keep_row(const wg_inc_filter *f, const scratch *s, size_t i)
{
    if (!f)
        return true;
    if (f->since > 0 && s->ver[i] <= f->since)
        return false;
    if ((f->from != WG_NO_TIME || f->to != INT64_MAX) &&
        (s->reported[i] == WG_NO_TIME || s->reported[i] < f->from || s->reported[i] >= f->to))
        return false;
    if (f->bbox && !(s->x[i] >= f->bbox[0] && s->x[i] <= f->bbox[2] && s->y[i] >= f->bbox[1] &&
                     s->y[i] <= f->bbox[3]))
        return false;
    return true;
}

static bool filtering(const wg_inc_filter *f)
{
    return f && (f->since > 0 || f->from != WG_NO_TIME || f->to != INT64_MAX || f->bbox);
}

/* The arrays of `out` for the columns asked for, sized for n. */
static wg_status alloc_out(wg_ctx *ctx, unsigned cols, size_t n, wg_incidents *o)
{
    size_t m = n ? n : 1;
    bool ok = true;
#define ALLOC(bit, field, count)                                                                   \
    if (cols & (bit))                                                                              \
        ok = ok && (o->field = wg_alloc_array((count) * sizeof *o->field)) != NULL;
    ALLOC(WG_IC_FID, fid, m)
    ALLOC(WG_IC_XY, xy, 2 * m)
    ALLOC(WG_IC_REPORTED, reported, m)
    ALLOC(WG_IC_DISPATCHED, dispatched, m)
    ALLOC(WG_IC_CLOSED, closed, m)
    ALLOC(WG_IC_DUE, due, m)
    ALLOC(WG_IC_CATEGORY, category, m)
    ALLOC(WG_IC_SOURCE, source, m)
    ALLOC(WG_IC_STATUS, status, m)
    ALLOC(WG_IC_VER, ver, m)
    ALLOC(WG_IC_POS, pos, m)
    ALLOC(WG_IC_CELL, cell, m)
    ALLOC(WG_IC_FLAGS, flags, m)
    ALLOC(WG_IC_BLIND, blind, m)
#undef ALLOC
    return ok ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory for %zu incidents", n);
}

typedef struct reader {
    wg_ws *ws;
    blob_reader cols, acols;
    chunk *c;      /* one chunk's columns */
    int32_t *cell; /* its assignment */
    uint8_t *flags;
    int32_t *blind;
} reader;

/* Reads the columns `need` of chunk ci (n incidents) into R's buffers. */
static wg_status read_chunk(reader *R, const chunk_info *ci, unsigned need)
{
    static const struct {
        unsigned bit;
        int col;
    } map[] = {{WG_IC_FID, C_FID},
               {WG_IC_XY, C_X},
               {WG_IC_XY, C_Y},
               {WG_IC_REPORTED, C_REPORTED},
               {WG_IC_DISPATCHED, C_DISPATCHED},
               {WG_IC_CLOSED, C_CLOSED},
               {WG_IC_DUE, C_DUE},
               {WG_IC_CATEGORY, C_CAT},
               {WG_IC_SOURCE, C_SRC},
               {WG_IC_STATUS, C_STATUS},
               {WG_IC_VER, C_VER}};
    size_t n = (size_t)ci->n;
    R->c->n = n;
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < sizeof map / sizeof map[0]; k++) {
        if (!(need & map[k].bit))
            continue;
        void *dst = col_ptr(R->c, map[k].col);
        st = blob_read(&R->cols, ci->no * 16 + map[k].col, dst, n * COL_SIZE[map[k].col], false,
                       NULL);
        swap_elems(dst, n, COL_SIZE[map[k].col]);
    }
    /* the assignment may cover fewer incidents than the chunk holds: the rest are pending */
    void *adst[NACOL] = {R->cell, R->flags, R->blind};
    unsigned abit[NACOL] = {WG_IC_CELL, WG_IC_FLAGS, WG_IC_BLIND};
    for (int a = 0; st == WG_OK && a < NACOL; a++) {
        if (!(need & abit[a]))
            continue;
        size_t got = 0;
        st = blob_read(&R->acols, ci->no * 16 + a, adst[a], n * ACOL_SIZE[a], true, &got);
        got /= ACOL_SIZE[a];
        swap_elems(adst[a], got, ACOL_SIZE[a]);
        for (size_t i = got; i < n; i++) {
            if (a == A_FLAGS)
                R->flags[i] = WG_AF_PENDING;
            else
                ((int32_t *)adst[a])[i] = -1;
        }
    }
    return st;
}

/* Reads the columns `cols` of chunk ci straight into out's arrays at position at (no filter:
 * every incident of the chunk is kept). */
static wg_status read_chunk_into(reader *R, const chunk_info *ci, unsigned cols, wg_incidents *out,
                                 size_t at)
{
    struct {
        unsigned bit;
        int col;
        void *dst;
    } map[] = {{WG_IC_FID, C_FID, out->fid + at},
               {WG_IC_REPORTED, C_REPORTED, out->reported + at},
               {WG_IC_DISPATCHED, C_DISPATCHED, out->dispatched + at},
               {WG_IC_CLOSED, C_CLOSED, out->closed + at},
               {WG_IC_DUE, C_DUE, out->due + at},
               {WG_IC_CATEGORY, C_CAT, out->category + at},
               {WG_IC_SOURCE, C_SRC, out->source + at},
               {WG_IC_STATUS, C_STATUS, out->status + at},
               {WG_IC_VER, C_VER, out->ver + at}};
    size_t n = (size_t)ci->n;
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < sizeof map / sizeof map[0]; k++) {
        if (!(cols & map[k].bit))
            continue;
        st = blob_read(&R->cols, ci->no * 16 + map[k].col, map[k].dst, n * COL_SIZE[map[k].col],
                       false, NULL);
        swap_elems(map[k].dst, n, COL_SIZE[map[k].col]);
    }
    if (st == WG_OK && (cols & WG_IC_XY)) { /* two columns into one array of pairs */
        st = blob_read(&R->cols, ci->no * 16 + C_X, R->c->x, n * 8, false, NULL);
        if (st == WG_OK)
            st = blob_read(&R->cols, ci->no * 16 + C_Y, R->c->y, n * 8, false, NULL);
        swap_elems(R->c->x, n, 8);
        swap_elems(R->c->y, n, 8);
        for (size_t i = 0; st == WG_OK && i < n; i++) {
            out->xy[2 * (at + i)] = R->c->x[i];
            out->xy[2 * (at + i) + 1] = R->c->y[i];
        }
    }
    for (size_t i = 0; (cols & WG_IC_POS) && i < n; i++)
        out->pos[at + i] = (size_t)ci->no * CHUNK + i;
    void *adst[NACOL] = {out->cell + at, out->flags + at, out->blind + at};
    unsigned abit[NACOL] = {WG_IC_CELL, WG_IC_FLAGS, WG_IC_BLIND};
    for (int a = 0; st == WG_OK && a < NACOL; a++) {
        if (!(cols & abit[a]))
            continue;
        size_t got = 0;
        st = blob_read(&R->acols, ci->no * 16 + a, adst[a], n * ACOL_SIZE[a], true, &got);
        got /= ACOL_SIZE[a];
        swap_elems(adst[a], got, ACOL_SIZE[a]);
        for (size_t i = got; i < n; i++) { /* the assignment covers fewer: the rest pending */
            if (a == A_FLAGS)
                out->flags[at + i] = WG_AF_PENDING;
            else
                ((int32_t *)adst[a])[i] = -1;
        }
    }
    return st;
}

/* Copies the rows keep[0..nk) of the chunk in R (chunk ci) into out's arrays from position at,
 * column by column. */
static void gather(const reader *R, const chunk_info *ci, const uint32_t *keep, size_t nk,
                   unsigned cols, wg_incidents *out, size_t at)
{
    const chunk *c = R->c;
#define GATHER(bit, field, src)                                                                    \
    if (cols & (bit))                                                                              \
        for (size_t j = 0; j < nk; j++)                                                            \
            out->field[at + j] = (src)[keep[j]];
    GATHER(WG_IC_FID, fid, c->fid)
    GATHER(WG_IC_REPORTED, reported, c->t[0])
    GATHER(WG_IC_DISPATCHED, dispatched, c->t[1])
    GATHER(WG_IC_CLOSED, closed, c->t[2])
    GATHER(WG_IC_DUE, due, c->t[3])
    GATHER(WG_IC_CATEGORY, category, c->code[0])
    GATHER(WG_IC_SOURCE, source, c->code[1])
    GATHER(WG_IC_STATUS, status, c->code[2])
    GATHER(WG_IC_VER, ver, c->ver)
    GATHER(WG_IC_CELL, cell, R->cell)
    GATHER(WG_IC_FLAGS, flags, R->flags)
    GATHER(WG_IC_BLIND, blind, R->blind)
#undef GATHER
    if (cols & WG_IC_XY)
        for (size_t j = 0; j < nk; j++) {
            out->xy[2 * (at + j)] = c->x[keep[j]];
            out->xy[2 * (at + j) + 1] = c->y[keep[j]];
        }
    if (cols & WG_IC_POS)
        for (size_t j = 0; j < nk; j++)
            out->pos[at + j] = (size_t)ci->no * CHUNK + keep[j];
}

/* The rows of the chunk in R that the filter keeps, into keep; their number. */
static size_t select_rows(const reader *R, const wg_inc_filter *f, uint32_t *keep)
{
    const chunk *c = R->c;
    scratch s = {(double *)c->x, (double *)c->y, (int64_t *)c->ver, (int64_t *)c->t[0]};
    size_t nk = 0;
    for (size_t k = 0; k < c->n; k++)
        if (keep_row(f, &s, k))
            keep[nk++] = (uint32_t)k;
    return nk;
}

/* A reader's buffers for one chunk, reading through db, its failures going to ctx. */
static wg_status reader_open(wg_ws *ws, sqlite3 *db, wg_ctx *ctx, reader *R)
{
    *R = (reader){.ws = ws,
                  .cols = {ws, db, ctx, "incident_cols", NULL},
                  .acols = {ws, db, ctx, "assign_cols", NULL}};
    if (!(R->c = malloc(sizeof *R->c)) || !(R->cell = malloc(CHUNK * sizeof *R->cell)) ||
        !(R->flags = malloc(CHUNK * sizeof *R->flags)) ||
        !(R->blind = malloc(CHUNK * sizeof *R->blind)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    return WG_OK;
}

static void reader_close(reader *R)
{
    if (R->cols.b)
        sqlite3_blob_close(R->cols.b);
    if (R->acols.b)
        sqlite3_blob_close(R->acols.b);
    free(R->c), free(R->cell), free(R->flags), free(R->blind);
    memset(R, 0, sizeof *R);
}

/* A read of the packed incidents: its chunks, the buffers of one, and the columns it needs. */
typedef struct inc_read {
    reader R;
    chunk_info *ci;
    size_t nci, total; /* incidents in the chunks that may hold some the filter keeps */
    uint32_t *keep;
    unsigned need;
} inc_read;

static bool chunk_skipped(const wg_inc_filter *f, const chunk_info *ci)
{
    return f && f->since > 0 && ci->ver <= f->since;
}

/* Starts a read (the chunks and the columns it needs); with own_reader, with buffers for one
 * chunk on the workspace's connection (a read in shares has a reader per share instead). */
static wg_status inc_read_open(wg_ws *ws, unsigned cols, const wg_inc_filter *f, bool own_reader,
                               inc_read *I)
{
    memset(I, 0, sizeof *I);
    wg_status st = wg_store_read_begin(ws);
    if (st != WG_OK)
        return st;
    st = chunk_list(ws, &I->ci, &I->nci);
    for (size_t i = 0; st == WG_OK && i < I->nci; i++)
        if (!chunk_skipped(f, &I->ci[i]))
            I->total += (size_t)I->ci[i].n;
    I->need = cols;
    if (f && f->since > 0)
        I->need |= WG_IC_VER;
    if (f && (f->from != WG_NO_TIME || f->to != INT64_MAX))
        I->need |= WG_IC_REPORTED;
    if (f && f->bbox)
        I->need |= WG_IC_XY;
    if (st == WG_OK && own_reader)
        st = reader_open(ws, ws->db, ws->ctx, &I->R);
    if (st == WG_OK && own_reader && !(I->keep = malloc(CHUNK * sizeof *I->keep)))
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    return st;
}

static void inc_read_close(wg_ws *ws, inc_read *I)
{
    reader_close(&I->R);
    wg_store_read_end(ws);
    free(I->ci), free(I->keep);
}

wg_status wg_store_incidents_read(wg_ws *ws, unsigned cols, const wg_inc_filter *f,
                                  wg_incidents *out)
{
    memset(out, 0, sizeof *out);
    inc_read I;
    wg_status st = inc_read_open(ws, cols, f, true, &I);
    if (st == WG_OK)
        st = alloc_out(ws->ctx, cols, I.total, out);
    if (st == WG_OK)
        st = read_codes(ws, out);
    size_t at = 0;
    for (size_t i = 0; st == WG_OK && i < I.nci; i++) {
        if (chunk_skipped(f, &I.ci[i]))
            continue;
        if (!filtering(f)) { /* every incident: no copy through the chunk */
            st = read_chunk_into(&I.R, &I.ci[i], cols, out, at);
            at += (size_t)I.ci[i].n;
        } else if ((st = read_chunk(&I.R, &I.ci[i], I.need)) == WG_OK) {
            size_t nk = select_rows(&I.R, f, I.keep);
            gather(&I.R, &I.ci[i], I.keep, nk, cols, out, at);
            at += nk;
        }
        if (I.total > 1000000 && i % 64 == 63)
            wg_progress(ws->ctx, "reading incidents", at, I.total);
    }
    out->n = at;
    inc_read_close(ws, &I);
    if (st != WG_OK)
        wg_incidents_free(out);
    return st;
}

/* ---- Reading in shares, on several threads --------------------------------------------------- */

/* One share's reader, the part it hands out, and the connection it reads through: one of its
 * own on the same snapshot as the workspace's, or the workspace's shared under a lock. */
typedef struct share {
    reader R;
    uint32_t *keep;
    wg_incidents part;
    sqlite3 *own;
} share;

typedef struct shares_job {
    inc_read *I;
    const wg_inc_filter *f;
    unsigned cols;
    size_t nshares;
    share *sh;
    wg_inc_share_fn fn;
    void *user;
    pthread_mutex_t lock; /* the workspace's connection serves one thread at a time */
    atomic_size_t done;
} shares_job;

/* One more read-only connection to the workspace in a read transaction that sees what the
 * workspace's own does: its counter (which every write moves) the same. NULL when that cannot
 * be had (a write transaction open here, whose changes only this connection sees; a file that
 * will not open; a write committed in between): the share reads through the workspace's. */
static sqlite3 *own_connection(wg_ws *ws, int64_t counter)
{
    if (ws->pg) /* one connection: the shares take turns on it */
        return NULL;
    sqlite3 *db = NULL;
    if (ws->in_tx || counter < 0 ||
        sqlite3_open_v2(ws->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA mmap_size = 4294967296; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        wg__counter_of(db) != counter) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static wg_status share_run(wg_ctx *ctx, void *user, size_t s, int thread)
{
    shares_job *J = user;
    inc_read *I = J->I;
    share *S = &J->sh[s];
    S->R.cols.ctx = S->R.acols.ctx = ctx;
    size_t from = I->nci * s / J->nshares, to = I->nci * (s + 1) / J->nshares;
    wg_status st = WG_OK;
    for (size_t i = from; st == WG_OK && i < to; i++) {
        if (chunk_skipped(J->f, &I->ci[i]))
            continue;
        if (wg_ctx_cancelled(ctx))
            return wg_fail(ctx, WG_EINTR, "interrupted");
        size_t nk = (size_t)I->ci[i].n;
        if (!S->own)
            pthread_mutex_lock(&J->lock);
        if (!filtering(J->f)) /* every incident: no copy through the chunk */
            st = read_chunk_into(&S->R, &I->ci[i], J->cols, &S->part, 0);
        else
            st = read_chunk(&S->R, &I->ci[i], I->need);
        if (!S->own)
            pthread_mutex_unlock(&J->lock);
        if (st != WG_OK)
            break;
        if (filtering(J->f)) {
            nk = select_rows(&S->R, J->f, S->keep);
            gather(&S->R, &I->ci[i], S->keep, nk, J->cols, &S->part, 0);
        }
        S->part.n = nk;
        if (nk)
            st = J->fn(ctx, J->user, &S->part, s);
        size_t n = (size_t)I->ci[i].n, done = atomic_fetch_add(&J->done, n) + n;
        if (thread == 0 && I->total > 1000000 && (i - from) % 64 == 63)
            wg_progress(ctx, "reading incidents", done, I->total);
    }
    return st;
}

wg_status wg_store_incidents_shares(wg_ws *ws, unsigned cols, const wg_inc_filter *f,
                                    size_t nshares, wg_inc_share_fn fn, void *user)
{
    if (nshares < 1)
        nshares = 1;
    inc_read I;
    shares_job J = {.I = &I, .f = f, .cols = cols, .nshares = nshares, .fn = fn, .user = user};
    wg_status st = inc_read_open(ws, cols, f, false, &I);
    int64_t counter = -1;
    if (st == WG_OK && nshares > 1 && I.total > 0)
        st = wg_store_counter(ws, &counter);
    if (st == WG_OK && !(J.sh = calloc(nshares, sizeof *J.sh)))
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    for (size_t s = 0; st == WG_OK && s < nshares; s++) {
        share *S = &J.sh[s];
        S->own = s > 0 ? own_connection(ws, counter) : NULL;
        st = reader_open(ws, S->own ? S->own : ws->db, ws->ctx, &S->R);
        if (st == WG_OK && !(S->keep = malloc(CHUNK * sizeof *S->keep)))
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        if (st == WG_OK)
            st = alloc_out(ws->ctx, cols, CHUNK, &S->part);
        if (st == WG_OK)
            st = read_codes(ws, &S->part);
    }
    if (st == WG_OK) {
        pthread_mutex_init(&J.lock, NULL);
        atomic_init(&J.done, 0);
        st = wg_parallel(ws->ctx, nshares, (int)nshares, NULL, share_run, &J);
        pthread_mutex_destroy(&J.lock);
    }
    for (size_t s = 0; J.sh && s < nshares; s++) {
        reader_close(&J.sh[s].R);
        free(J.sh[s].keep);
        wg_incidents_free(&J.sh[s].part);
        if (J.sh[s].own) {
            sqlite3_exec(J.sh[s].own, "COMMIT", NULL, NULL, NULL);
            sqlite3_close(J.sh[s].own);
        }
    }
    free(J.sh);
    inc_read_close(ws, &I);
    return st;
}

/* A read a part at a time is a read in one share, on the calling thread. */
typedef struct each_job {
    wg_inc_fn fn;
    void *user;
} each_job;

static wg_status each_part(wg_ctx *ctx, void *user, const wg_incidents *part, size_t s)
{
    (void)ctx, (void)s;
    const each_job *E = user;
    return E->fn(E->user, part);
}

wg_status wg_store_incidents_each(wg_ws *ws, unsigned cols, const wg_inc_filter *f, wg_inc_fn fn,
                                  void *user)
{
    each_job E = {fn, user};
    return wg_store_incidents_shares(ws, cols, f, 1, each_part, &E);
}

wg_status wg_store_incidents_count(wg_ws *ws, size_t *n, int64_t *ver)
{
    wg_q *q = wg__stmt(ws, "SELECT coalesce(sum(n), 0), coalesce(max(ver), 0) FROM "
                           "incident_chunks");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW) {
        *n = (size_t)wgq_column_int64(q, 0);
        if (ver)
            *ver = wgq_column_int64(q, 1);
    } else {
        st = wg__sql_fail(ws, "counting incidents: ");
    }
    wgq_reset(q);
    return st;
}

wg_status wg_store_incident_ids(wg_ws *ws, const int64_t *fid, size_t n, wg_incident_id_fn fn,
                                void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT id FROM incidents WHERE fid = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        wgq_bind_int64(q, 1, fid[i]);
        int rc = wgq_step(q);
        if (rc == SQLITE_ROW)
            st = fn(user, i, wg__text(q, 0));
        else if (rc == SQLITE_DONE)
            st = fn(user, i, NULL);
        else
            st = wg__sql_fail(ws, "reading incident ids: ");
        wgq_reset(q);
    }
    return st;
}

/* ---- One incident ---------------------------------------------------------------------------- */

/* Position of fid within chunk `no`, from its fid column; -1 when it is not there. */
static wg_status pos_in_chunk(wg_ws *ws, int64_t no, int64_t fid, long *at)
{
    *at = -1;
    wg_q *q = wg__stmt(ws, "SELECT data FROM incident_cols WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, no * 16 + C_FID);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *b = wgq_column_blob(q, 0);
        size_t n = (size_t)wgq_column_bytes(q, 0) / 8, lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int64_t v;
            memcpy(&v, b + 8 * mid, 8);
            swap_elems(&v, 1, 8);
            if (v == fid) {
                *at = (long)mid;
                break;
            }
            if (v < fid)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    wg_status st = rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "");
    wgq_reset(q);
    return st;
}

/* Element `at` (of `size` bytes) of assignment column `a` of chunk `no` into dst; *got false
 * when the assignment does not reach it (the incident is pending). */
static wg_status assign_elem(wg_ws *ws, int64_t no, int a, long at, size_t size, void *dst,
                             bool *got)
{
    *got = false;
    wg_q *q = wg__stmt(ws, "SELECT substr(data, ?, ?) FROM assign_cols WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, (int64_t)at * (int64_t)size + 1);
    wgq_bind_int64(q, 2, (int64_t)size);
    wgq_bind_int64(q, 3, no * 16 + a);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW && (size_t)wgq_column_bytes(q, 0) == size) {
        memcpy(dst, wgq_column_blob(q, 0), size);
        swap_elems(dst, 1, size);
        *got = true;
    }
    wg_status st = rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "");
    wgq_reset(q);
    return st;
}

static void copy_text(wg_q *q, int c, char *dst, size_t n, bool *has)
{
    const char *t = wg__text(q, c);
    snprintf(dst, n, "%s", t ? t : "");
    if (has)
        *has = t != NULL;
}

static int64_t col_time(wg_q *q, int c)
{
    return wgq_column_type(q, c) == SQLITE_NULL ? WG_NO_TIME : wgq_column_int64(q, c);
}

static wg_status incident_row(wg_ws *ws, int64_t fid, wg_incident_rec *out, bool *found)
{
    wg_q *q = wg__stmt(ws, "SELECT id, category, source, status, reported, dispatched, "
                           "closed, due, X(geom), Y(geom), ver FROM incidents WHERE "
                           "fid = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, fid);
    int rc = wgq_step(q);
    wg_status st = WG_OK;
    if (rc == SQLITE_ROW) {
        *found = true;
        out->fid = fid;
        copy_text(q, 0, out->id, sizeof out->id, NULL);
        copy_text(q, 1, out->category, sizeof out->category, &out->has_category);
        copy_text(q, 2, out->source, sizeof out->source, NULL);
        copy_text(q, 3, out->status, sizeof out->status, &out->has_status);
        out->reported = col_time(q, 4);
        out->dispatched = col_time(q, 5);
        out->closed = col_time(q, 6);
        out->due = col_time(q, 7);
        out->x = wgq_column_type(q, 8) == SQLITE_NULL ? NAN : wgq_column_double(q, 8);
        out->y = wgq_column_type(q, 9) == SQLITE_NULL ? NAN : wgq_column_double(q, 9);
        out->ver = wgq_column_int64(q, 10);
    } else if (rc != SQLITE_DONE) {
        st = wg__sql_fail(ws, "reading an incident: ");
    }
    wgq_reset(q);
    return st;
}

wg_status wg_store_incident_get(wg_ws *ws, int64_t fid, wg_incident_rec *out, bool *found)
{
    memset(out, 0, sizeof *out);
    *found = false;
    out->cell = -1;
    out->flags = WG_AF_PENDING;
    wg_status st = wg_store_read_begin(ws);
    if (st != WG_OK)
        return st;
    st = incident_row(ws, fid, out, found);
    int64_t no = 0;
    long at = -1;
    bool got = false;
    if (st == WG_OK && *found)
        st = chunk_of_fid(ws, fid, &no);
    if (st == WG_OK && *found)
        st = pos_in_chunk(ws, no, fid, &at);
    if (st == WG_OK && at >= 0)
        st = assign_elem(ws, no, A_FLAGS, at, 1, &out->flags, &got);
    if (st == WG_OK && got)
        st = assign_elem(ws, no, A_CELL, at, 4, &out->cell, &got);
    if (st == WG_OK && !got)
        out->cell = -1, out->flags = WG_AF_PENDING;
    wg_store_read_end(ws);
    return st;
}

/* ---- The assignment -------------------------------------------------------------------------- */

/* Writes the assignment of chunk `no` (n incidents). */
static wg_status assign_chunk_write(wg_ws *ws, int64_t no, size_t n, int32_t *cell, uint8_t *flags,
                                    int32_t *blind)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO assign_cols (id, data) VALUES (?, ?) ON CONFLICT "
                           "(id) DO UPDATE SET data = excluded.data");
    if (!q)
        return wg_ctx_status(ws->ctx);
    void *src[NACOL] = {cell, flags, blind};
    wg_status st = WG_OK;
    for (int a = 0; st == WG_OK && a < NACOL; a++) {
        swap_elems(src[a], n, ACOL_SIZE[a]);
        wgq_bind_int64(q, 1, no * 16 + a);
        wgq_bind_blob64(q, 2, n ? src[a] : "", (sqlite3_uint64)(n * ACOL_SIZE[a]), SQLITE_STATIC);
        st = wg__done(ws, q, "storing the assignment: ");
        swap_elems(src[a], n, ACOL_SIZE[a]);
    }
    return st;
}

wg_status wg_store_assignment_write(wg_ws *ws, size_t n, const int32_t *cell, const uint8_t *flags,
                                    const int32_t *blind)
{
    wg_status st = wg__need_tx(ws, "storing the assignment");
    size_t have = 0;
    if (st == WG_OK)
        st = wg_store_incidents_count(ws, &have, NULL);
    if (st == WG_OK && have != n)
        st = wg_fail(ws->ctx, WG_EINTERNAL, "assignment of %zu incidents for %zu", n, have);
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM assign_cols");
    /* the blobs are written from copies when the host is big endian (swapped in place) */
    for (size_t at = 0; st == WG_OK && at < n; at += CHUNK) {
        size_t m = n - at < CHUNK ? n - at : CHUNK;
        st = assign_chunk_write(ws, (int64_t)(at / CHUNK), m, (int32_t *)cell + at,
                                (uint8_t *)flags + at, (int32_t *)blind + at);
    }
    if (st == WG_OK && ws->pg)
        ws->ic_all = true;
    return st;
}

wg_status wg_store_assignment_patch(wg_ws *ws, size_t n, const size_t *pos, const int32_t *cell,
                                    const uint8_t *flags, const int32_t *blind)
{
    wg_status st = wg__need_tx(ws, "storing the assignment");
    size_t have = 0;
    if (st == WG_OK)
        st = wg_store_incidents_count(ws, &have, NULL);
    int32_t *c = malloc(CHUNK * sizeof *c), *b = malloc(CHUNK * sizeof *b);
    uint8_t *fl = malloc(CHUNK);
    if (st == WG_OK && (!c || !b || !fl))
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    blob_reader br = {ws, ws->db, ws->ctx, "assign_cols", NULL};
    for (size_t i = 0; st == WG_OK && i < n;) {
        int64_t no = (int64_t)(pos[i] / CHUNK);
        size_t m = have - (size_t)no * CHUNK < CHUNK ? have - (size_t)no * CHUNK : CHUNK;
        void *dst[NACOL] = {c, fl, b};
        for (int a = 0; st == WG_OK && a < NACOL; a++) {
            size_t got = 0;
            st = blob_read(&br, no * 16 + a, dst[a], m * ACOL_SIZE[a], true, &got);
            got /= ACOL_SIZE[a];
            swap_elems(dst[a], got, ACOL_SIZE[a]);
            for (size_t k = got; k < m; k++) {
                if (a == A_FLAGS)
                    fl[k] = WG_AF_PENDING;
                else
                    ((int32_t *)dst[a])[k] = -1;
            }
        }
        size_t j = i;
        for (; st == WG_OK && j < n && pos[j] / CHUNK == (size_t)no; j++) {
            size_t k = pos[j] % CHUNK;
            if (k >= m) {
                st = wg_fail(ws->ctx, WG_EINTERNAL, "assignment of incident %zu of %zu", pos[j],
                             have);
                break;
            }
            c[k] = cell[j];
            fl[k] = flags[j];
            b[k] = blind[j];
        }
        /* the blob handle must not hold the row while it is rewritten */
        if (br.b) {
            sqlite3_blob_close(br.b);
            br.b = NULL;
        }
        if (st == WG_OK)
            st = assign_chunk_write(ws, no, m, c, fl, b);
        i = j;
    }
    if (br.b)
        sqlite3_blob_close(br.b);
    free(c), free(b), free(fl);
    if (st == WG_OK && ws->pg && !ws->ic_all)
        st = wg_grow(ws->ctx, (void **)&ws->ic_pos, &ws->ic_cap, ws->ic_npos + n,
                     sizeof *ws->ic_pos);
    if (st == WG_OK && ws->pg && !ws->ic_all) {
        memcpy(ws->ic_pos + ws->ic_npos, pos, n * sizeof *pos);
        ws->ic_npos += n;
    }
    return st;
}

wg_status wg_store_assignment_drop(wg_ws *ws)
{
    wg_status st = wg__need_tx(ws, "dropping the assignment");
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM assign_cols; DELETE FROM assign_counts; DELETE FROM "
                         "derived WHERE kind = 'assignment'; DELETE FROM derived_inputs WHERE "
                         "kind = 'assignment'");
    if (st == WG_OK && ws->pg)
        ws->ic_all = true;
    return st;
}

wg_status wg__incident_cells_sync(wg_ws *ws)
{
    if (!ws->pg || (!ws->ic_all && !ws->ic_npos))
        return WG_OK;
    wg_derived d;
    wg_incidents a = {0};
    wg_buf fids, idx;
    wg_buf_init(&fids, (size_t)1 << 31);
    wg_buf_init(&idx, (size_t)1 << 31);
    wg_status st = wg_store_derived_get(ws, "assignment", &d);
    if (st == WG_OK && d.any)
        st = wg_store_incidents_read(ws, WG_IC_FID | WG_IC_CELL, NULL, &a);
    /* the incidents whose row changes, as two arrays: fids and cell indexes (-1: none) */
    size_t n = !d.any ? 0 : ws->ic_all ? a.n : ws->ic_npos;
    st = st == WG_OK ? wg_buf_addf(ws->ctx, &fids, "{") : st;
    st = st == WG_OK ? wg_buf_addf(ws->ctx, &idx, "{") : st;
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        size_t i = ws->ic_all ? k : ws->ic_pos[k];
        if (i >= a.n)
            continue;
        st = wg_buf_addf(ws->ctx, &fids, "%s%lld", k ? "," : "", (long long)a.fid[i]);
        if (st == WG_OK)
            st = wg_buf_addf(ws->ctx, &idx, "%s%d", k ? "," : "", (int)a.cell[i]);
    }
    st = st == WG_OK ? wg_buf_addf(ws->ctx, &fids, "}") : st;
    st = st == WG_OK ? wg_buf_addf(ws->ctx, &idx, "}") : st;
    if (st == WG_OK && (ws->ic_all || !d.any))
        st = wg__sql(ws, "DELETE FROM incident_cells");
    wg_q *q = NULL;
    if (st == WG_OK && d.any && !ws->ic_all) {
        if (!(q = wg__stmt(ws, "DELETE FROM incident_cells WHERE fid = ANY(CAST(?1 AS bigint[]))")))
            st = wg_ctx_status(ws->ctx);
        else {
            wgq_bind_text(q, 1, wg_buf_str(&fids), -1, SQLITE_TRANSIENT);
            st = wg__done(ws, q, "storing the incidents' cells: ");
        }
    }
    /* each index named by its code in the assigned plan (cells_idx) */
    if (st == WG_OK && d.any && n) {
        if (!(q = wg__stmt(ws, "INSERT INTO incident_cells (incident, cell, fid) SELECT i.id, "
                               "c.code, x.fid FROM unnest(CAST(?1 AS bigint[]), CAST(?2 AS "
                               "bigint[])) AS x (fid, idx) JOIN incidents i ON i.fid = x.fid "
                               "LEFT JOIN cells c ON c.plan = ?3 AND c.idx = x.idx")))
            st = wg_ctx_status(ws->ctx);
        else {
            wgq_bind_text(q, 1, wg_buf_str(&fids), -1, SQLITE_TRANSIENT);
            wgq_bind_text(q, 2, wg_buf_str(&idx), -1, SQLITE_TRANSIENT);
            wgq_bind_int64(q, 3, d.plan);
            st = wg__done(ws, q, "storing the incidents' cells: ");
        }
    }
    wg_buf_fini(&fids);
    wg_buf_fini(&idx);
    wg_incidents_free(&a);
    ws->ic_all = false;
    ws->ic_npos = 0;
    return st;
}
