/* engine/store/rows.c: the rows of a layer as import writes them (upserts by id, one batch per
 * run, the incidents' packed copy kept beside), as export reads them, and one incident's
 * handling fields as the service changes them. */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wg_row_writer {
    wg_ws *ws;
    const wg_layer_def *L;
    int64_t batch;
    bool incidents; /* keeps the packed copy */
    bool cameras;   /* writes cameras.defaulted */
    char *sql;      /* the upsert */
    char *find;     /* the row with an id, and the run that wrote it */
};

wg_status wg_store_next_batch(wg_ws *ws, int64_t *batch)
{
    wg_q *q = wg__stmt(ws, "SELECT coalesce(max(id), 0) + 1 FROM imports");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW)
        *batch = wgq_column_int64(q, 0);
    else
        st = wg__sql_fail(ws, "numbering the import: ");
    wgq_reset(q);
    return st;
}

/* INSERT INTO L (cols, geom, defaulted, batch, ver) ... ON CONFLICT (id) DO UPDATE ...: a row this
 * same run wrote already (the same batch) is a duplicate id in its source, and the WHERE clause
 * makes the upsert return nothing for it. */
static wg_status upsert_sql(wg_row_writer *w, wg_buf *sql)
{
    wg_ws *ws = w->ws;
    wg_ctx *ctx = ws->ctx;
    const wg_layer_def *L = w->L;
    wg_buf cols, vals, upd;
    wg_buf_init(&cols, 4096);
    wg_buf_init(&vals, 4096);
    wg_buf_init(&upd, 4096);
    wg_status st = WG_OK;
    size_t k = 0;
    for (size_t i = 0; i < L->ncols && st == WG_OK; i++, k++) {
        const char *n = L->cols[i].name;
        st = wg_buf_addf(ctx, &cols, "%s%s", i ? ", " : "", n);
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &vals, "%s?%zu", i ? ", " : "", k + 1);
        if (st == WG_OK && i > 0)
            st = wg_buf_addf(ctx, &upd, "%s = excluded.%s, ", n, n);
    }
    if (st == WG_OK && L->sql_geom) {
        k++;
        st = wg_buf_addf(ctx, &cols, ", geom");
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &vals, ", GeomFromWKB(?%zu, %d)", k, ws->srid);
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &upd, "geom = excluded.geom, ");
    }
    if (st == WG_OK && w->cameras) {
        k++;
        st = wg_buf_addf(ctx, &cols, ", defaulted");
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &vals, ", ?%zu", k);
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &upd, "defaulted = excluded.defaulted, ");
    }
    if (st == WG_OK && w->incidents) {
        st = wg_buf_addf(ctx, &cols, ", ver");
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &vals, ", %lld", (long long)ws->tx_ver);
        if (st == WG_OK)
            st = wg_buf_addf(ctx, &upd, "ver = excluded.ver, ");
    }
    if (st == WG_OK)
        st = wg_buf_addf(ctx, sql,
                         "INSERT INTO %s (%s, batch) VALUES (%s, %lld) ON CONFLICT (id) DO UPDATE "
                         "SET %sbatch = excluded.batch WHERE %s.batch IS NOT excluded.batch "
                         "RETURNING fid",
                         L->name, wg_buf_str(&cols), wg_buf_str(&vals), (long long)w->batch,
                         wg_buf_str(&upd), L->name);
    wg_buf_fini(&cols);
    wg_buf_fini(&vals);
    wg_buf_fini(&upd);
    return st;
}

wg_status wg_store_rows_open(wg_ws *ws, const wg_layer_def *L, int64_t batch, wg_row_writer **out)
{
    wg_status st = wg__need_tx(ws, "writing rows");
    if (st != WG_OK)
        return st;
    wg_row_writer *w = calloc(1, sizeof *w);
    if (!w)
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    *w = (wg_row_writer){.ws = ws,
                         .L = L,
                         .batch = batch,
                         .incidents = strcmp(L->name, "incidents") == 0,
                         .cameras = strcmp(L->name, "cameras") == 0};
    wg_buf sql;
    wg_buf_init(&sql, 16384);
    st = upsert_sql(w, &sql);
    if (st == WG_OK && !(w->sql = strdup(wg_buf_str(&sql))))
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    char find[128];
    snprintf(find, sizeof find, "SELECT batch FROM %s WHERE id = ?", L->name);
    if (st == WG_OK && !(w->find = strdup(find)))
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    wg_buf_fini(&sql);
    if (st == WG_OK && !wg__stmt(ws, w->sql))
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK)
        st = wg__bump(ws, L->name);
    if (st != WG_OK) {
        wg_store_rows_close(w);
        return st;
    }
    *out = w;
    return WG_OK;
}

void wg_store_rows_close(wg_row_writer *w)
{
    if (!w)
        return;
    free(w->sql);
    free(w->find);
    free(w);
}

/* The x, y of an ISO WKB point; NaN when it is something else. */
static void wkb_point(const unsigned char *b, size_t len, double *x, double *y)
{
    *x = *y = NAN;
    if (!b || len < 21 || (b[0] != 0 && b[0] != 1))
        return;
    const uint16_t one = 1;
    bool swap = (b[0] == 1) != (*(const unsigned char *)&one == 1);
    unsigned char t[8];
    uint32_t type;
    for (int i = 0; i < 4; i++)
        t[i] = b[1 + (swap ? 3 - i : i)];
    memcpy(&type, t, 4);
    if (type != 1)
        return;
    double v[2];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 8; i++)
            t[i] = b[5 + 8 * k + (swap ? 7 - i : i)];
        memcpy(&v[k], t, 8);
    }
    if (isfinite(v[0]) && isfinite(v[1]))
        *x = v[0], *y = v[1];
}

wg_status wg_store_rows_put(wg_row_writer *w, const wg_value *vals, const unsigned char *wkb,
                            size_t wkb_len, const char *cam_defaulted, wg_row_outcome *out)
{
    wg_ws *ws = w->ws;
    /* a row with this id already: written by this run (a duplicate), or updated now */
    wg_q *q = wg__stmt(ws, w->find);
    if (!q)
        return wg_ctx_status(ws->ctx);
    if (!vals[0].null)
        wgq_bind_text(q, 1, vals[0].s, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    bool exists = rc == SQLITE_ROW;
    bool again = exists && wgq_column_int64(q, 0) == w->batch;
    wgq_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return wg__sql_fail(ws, "");
    if (again) {
        *out = WG_ROW_DUPLICATE;
        return WG_OK;
    }
    if (!(q = wg__stmt(ws, w->sql)))
        return wg_ctx_status(ws->ctx);
    int k = 1;
    for (size_t i = 0; i < w->L->ncols; i++, k++) {
        const wg_value *v = &vals[i];
        if (v->null) {
            wgq_bind_null(q, k);
            continue;
        }
        switch (w->L->cols[i].type) {
        case WG_COL_INT:
        case WG_COL_TIME:
            wgq_bind_int64(q, k, v->i);
            break;
        case WG_COL_REAL:
            wgq_bind_double(q, k, v->r);
            break;
        default:
            wgq_bind_text(q, k, v->s, -1, SQLITE_TRANSIENT);
        }
    }
    if (w->L->sql_geom) {
        if (wkb)
            wgq_bind_blob64(q, k, wkb, (sqlite3_uint64)wkb_len, SQLITE_STATIC);
        k++;
    }
    if (w->cameras)
        wg__bind_text(q, k, cam_defaulted);
    rc = wgq_step(q);
    if (rc != SQLITE_ROW) { /* (the upsert's WHERE keeps a row this run wrote: checked above) */
        wg_status st = wg__sql_fail(ws, "");
        wgq_reset(q);
        return st;
    }
    int64_t fid = wgq_column_int64(q, 0);
    rc = wgq_step(q);
    wgq_reset(q);
    if (rc != SQLITE_DONE)
        return wg__sql_fail(ws, "");
    *out = exists ? WG_ROW_UPDATED : WG_ROW_INSERTED;
    if (!w->incidents)
        return WG_OK;
    double x, y;
    wkb_point(wkb, wkb_len, &x, &y);
    return wg__pack_put(ws, fid, vals, x, y);
}

wg_status wg_store_import_logged(wg_ws *ws, const wg_import_log *l)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO imports (id, layer, source, at, features, "
                           "inserted, updated, repaired, rejected) VALUES (?, ?, ?, ?, ?, "
                           "?, ?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, l->batch);
    wgq_bind_text(q, 2, l->layer, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 3, l->source, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 4, wg__now_utc());
    wgq_bind_int64(q, 5, l->features);
    wgq_bind_int64(q, 6, l->inserted);
    wgq_bind_int64(q, 7, l->updated);
    wgq_bind_int64(q, 8, l->repaired);
    wgq_bind_int64(q, 9, l->rejected);
    return wg__done(ws, q, "logging the import: ");
}

wg_status wg_store_rows_count(wg_ws *ws, const wg_layer_def *L, int64_t plan, int64_t *n,
                              int64_t *points)
{
    char sql[256];
    bool cells = strcmp(L->name, "cells") == 0 && plan > 0;
    snprintf(sql, sizeof sql, "SELECT count(*), %s FROM %s%s",
             L->sql_geom ? "total(GeometryType(geom) IN ('POINT', 'MULTIPOINT'))" : "0", L->name,
             cells ? " WHERE plan = ?" : "");
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    if (cells)
        wgq_bind_int64(q, 1, plan);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW) {
        *n = wgq_column_int64(q, 0);
        if (points)
            *points = wgq_column_int64(q, 1);
    } else {
        st = wg__sql_fail(ws, "counting rows: ");
    }
    wgq_reset(q);
    return st;
}

/* ---- Reading rows out ----------------------------------------------------------------------- */

struct wg_row_reader {
    wg_ws *ws;
    const wg_layer_def *L;
    wg_q *q;
    wg_incidents a;   /* with the assignment: each incident's cell and flags */
    char (*code)[32]; /* the assigned plan's cell codes, by index */
    size_t ncode, capcode;
    size_t pos;
};

typedef struct codes_acc {
    wg_row_reader *r;
    wg_status st;
} codes_acc;

static wg_status add_code(void *user, const wg_cell_rec *c)
{
    wg_row_reader *r = user;
    wg_status st =
        wg_grow(r->ws->ctx, (void **)&r->code, &r->capcode, r->ncode + 1, sizeof *r->code);
    if (st == WG_OK)
        memcpy(r->code[r->ncode++], c->code, sizeof *r->code);
    return st;
}

wg_status wg_store_rows_read(wg_ws *ws, const wg_layer_def *L, int64_t plan, bool assignment,
                             wg_row_reader **out)
{
    wg_row_reader *r = calloc(1, sizeof *r);
    if (!r)
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    r->ws = ws;
    r->L = L;
    wg_buf sql;
    wg_buf_init(&sql, 8192);
    wg_status st = wg_store_read_begin(ws);
    for (size_t i = 0; st == WG_OK && i < L->ncols; i++)
        st = wg_buf_addf(ws->ctx, &sql, "%s%s", i ? ", " : "SELECT ", L->cols[i].name);
    bool cells = strcmp(L->name, "cells") == 0 && plan > 0;
    if (st == WG_OK)
        st = wg_buf_addf(ws->ctx, &sql, "%s FROM %s%s ORDER BY fid",
                         L->sql_geom ? ", AsBinary(geom)" : "", L->name,
                         cells ? " WHERE plan = ?" : "");
    if (st == WG_OK && !(r->q = wg__stmt_once(ws, wg_buf_str(&sql)))) {
        wg_ctx_where(ws->ctx, "reading a layer: ");
        st = wg_ctx_status(ws->ctx);
    }
    wg_buf_fini(&sql);
    if (st == WG_OK && cells)
        wgq_bind_int64(r->q, 1, plan);
    bool incidents = strcmp(L->name, "incidents") == 0;
    if (st == WG_OK && assignment && incidents) {
        wg_derived d;
        st = wg_store_derived_get(ws, "assignment", &d);
        if (st == WG_OK && !d.any)
            st = wg_fail(ws->ctx, WG_EINTERNAL, "no assignment to export");
        if (st == WG_OK)
            st = wg_store_cells_each(ws, d.plan, 0, 0, add_code, r);
        if (st == WG_OK)
            st = wg_store_incidents_read(ws, WG_IC_CELL | WG_IC_FLAGS, NULL, &r->a);
        if (st == WG_OK)
            r->a.n = r->a.n ? r->a.n : 0;
    } else {
        r->a.n = 0;
    }
    if (st != WG_OK) {
        wg_store_rows_read_close(r);
        return st;
    }
    if (!(assignment && incidents))
        r->a.flags = NULL;
    *out = r;
    return WG_OK;
}

wg_status wg_store_rows_next(wg_row_reader *r, wg_value *vals, const unsigned char **wkb,
                             size_t *wkb_len, wg_row_extra *extra, bool *eof)
{
    wg_ws *ws = r->ws;
    int rc = wgq_step(r->q);
    if (rc == SQLITE_DONE) {
        *eof = true;
        if (r->a.flags && r->pos != r->a.n)
            return wg_fail(ws->ctx, WG_EINTERNAL, "workspace %s: %zu incident rows, %zu assigned",
                           ws->path, r->pos, r->a.n);
        return WG_OK;
    }
    if (rc != SQLITE_ROW)
        return wg__sql_fail(ws, "reading a layer: ");
    *eof = false;
    for (size_t i = 0; i < r->L->ncols; i++) {
        int c = (int)i;
        wg_value *v = &vals[i];
        memset(v, 0, sizeof *v);
        v->null = wgq_column_type(r->q, c) == SQLITE_NULL;
        if (v->null)
            continue;
        switch (r->L->cols[i].type) {
        case WG_COL_INT:
        case WG_COL_TIME:
            v->i = wgq_column_int64(r->q, c);
            break;
        case WG_COL_REAL:
            v->r = wgq_column_double(r->q, c);
            break;
        default:
            v->s = wg__text(r->q, c);
        }
    }
    int gc = (int)r->L->ncols;
    *wkb = NULL;
    *wkb_len = 0;
    if (r->L->sql_geom && wgq_column_type(r->q, gc) != SQLITE_NULL) {
        *wkb = wgq_column_blob(r->q, gc);
        *wkb_len = (size_t)wgq_column_bytes(r->q, gc);
    }
    if (extra) {
        extra->cell = extra->reason = NULL;
        if (r->a.flags) {
            if (r->pos >= r->a.n)
                return wg_fail(ws->ctx, WG_EINTERNAL,
                               "workspace %s: more incident rows than assigned ones", ws->path);
            int32_t c = r->a.cell[r->pos];
            uint8_t f = r->a.flags[r->pos];
            static const char *const why[4] = {NULL, "outside", "gap", "no_location"};
            if (c >= 0 && (size_t)c < r->ncode)
                extra->cell = r->code[c];
            else if (!(f & WG_AF_PENDING))
                extra->reason = why[f & WG_AF_REASON];
        }
    }
    r->pos++;
    return WG_OK;
}

void wg_store_rows_read_close(wg_row_reader *r)
{
    if (!r)
        return;
    wg__stmt_free(r->q);
    wg_incidents_free(&r->a);
    free(r->code);
    wg_store_read_end(r->ws);
    free(r);
}

/* ---- One incident ---------------------------------------------------------------------------- */

/* Whether two optional texts differ. */
static bool text_differs(const wg_value *v, const char *s)
{
    return v->null ? s != NULL : !s || strcmp(v->s, s) != 0;
}

static bool time_differs(const wg_value *v, int64_t t)
{
    return v->null ? t != WG_NO_TIME : t == WG_NO_TIME || v->i != t;
}

/* The incident's values as the packed copy takes them (id, category, source, status, reported,
 * dispatched, closed, due), from the row in q (columns 1..8 after fid), with p applied. The
 * strings are borrowed from q and p. */
static bool patched_values(wg_q *q, const wg_incident_patch *p, wg_value vals[8])
{
    for (int i = 0; i < 8; i++) {
        int c = i + 1;
        memset(&vals[i], 0, sizeof vals[i]);
        vals[i].null = wgq_column_type(q, c) == SQLITE_NULL;
        if (vals[i].null)
            continue;
        if (i < 4)
            vals[i].s = wg__text(q, c);
        else
            vals[i].i = wgq_column_int64(q, c);
    }
    bool changed = false;
    if (p->set_status && text_differs(&vals[3], p->status)) {
        changed = true;
        vals[3] = (wg_value){.null = !p->status, .s = p->status};
    }
    if (p->set_dispatched && time_differs(&vals[5], p->dispatched)) {
        changed = true;
        vals[5] = (wg_value){.null = p->dispatched == WG_NO_TIME, .i = p->dispatched};
    }
    if (p->set_closed && time_differs(&vals[6], p->closed)) {
        changed = true;
        vals[6] = (wg_value){.null = p->closed == WG_NO_TIME, .i = p->closed};
    }
    return changed;
}

static void bind_time(wg_q *q, int i, const wg_value *v)
{
    if (v->null)
        wgq_bind_null(q, i);
    else
        wgq_bind_int64(q, i, v->i);
}

wg_status wg_store_incident_patch(wg_ws *ws, const char *id, const wg_incident_patch *p,
                                  int64_t *fid, bool *found, bool *changed)
{
    wg_status st = wg__need_tx(ws, "changing an incident");
    if (st != WG_OK)
        return st;
    *found = *changed = false;
    wg_q *q = wg__stmt(ws, "SELECT fid, id, category, source, status, reported, "
                           "dispatched, closed, due, X(geom), Y(geom) FROM incidents "
                           "WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading an incident: ");
        wgq_reset(q);
        return st;
    }
    *found = true;
    int64_t row = wgq_column_int64(q, 0);
    double x = wgq_column_type(q, 9) == SQLITE_NULL ? NAN : wgq_column_double(q, 9);
    double y = wgq_column_type(q, 10) == SQLITE_NULL ? NAN : wgq_column_double(q, 10);
    wg_value vals[8];
    *changed = patched_values(q, p, vals);
    /* the strings of vals live in q's row: copied before q is used again */
    char *keep[4] = {0};
    for (int i = 0; *changed && st == WG_OK && i < 4; i++)
        if (!vals[i].null && vals[i].s != p->status && !(keep[i] = strdup(vals[i].s)))
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    for (int i = 0; i < 4; i++)
        if (keep[i])
            vals[i].s = keep[i];
    wgq_reset(q);
    wg_q *u = NULL;
    if (st == WG_OK && *changed &&
        !(u = wg__stmt(ws, "UPDATE incidents SET status = ?, dispatched = ?, closed = ?, ver = ? "
                           "WHERE fid = ?")))
        st = wg_ctx_status(ws->ctx);
    if (u) {
        wg__bind_text(u, 1, vals[3].null ? NULL : vals[3].s);
        bind_time(u, 2, &vals[5]);
        bind_time(u, 3, &vals[6]);
        wgq_bind_int64(u, 4, ws->tx_ver);
        wgq_bind_int64(u, 5, row);
        st = wg__done(ws, u, "changing an incident: ");
        if (st == WG_OK)
            st = wg__bump(ws, "incidents");
        if (st == WG_OK)
            st = wg__pack_put(ws, row, vals, x, y);
    }
    for (int i = 0; i < 4; i++)
        free(keep[i]);
    if (st == WG_OK)
        *fid = row;
    return st;
}
