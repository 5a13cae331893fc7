/* engine/store/plans.c: plans, their cells, the units of each cell, the issues, and the code
 * prefixes of communities. A plan's parameters are JSON made by json_object() from bound
 * values, so no name or text can break them. */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Plans --------------------------------------------------------------------------------- */

#define PLAN_COLS                                                                                  \
    "id, name, created, coalesce(parent, 0), ver, active, params, json_extract(params, "           \
    "'$.target'), json_extract(params, '$.min'), json_extract(params, '$.max'), "                  \
    "json_extract(params, '$.seed'), json_extract(params, '$.keep'), json_extract(params, "        \
    "'$.locked'), json_extract(params, '$.weight')"

static void plan_row(wg_q *q, wg_plan_rec *p)
{
    memset(p, 0, sizeof *p);
    p->id = wgq_column_int64(q, 0);
    snprintf(p->name, sizeof p->name, "%s", wg__text(q, 1));
    p->created = wgq_column_int64(q, 2);
    p->parent = wgq_column_int64(q, 3);
    p->ver = wgq_column_int64(q, 4);
    p->active = wgq_column_int(q, 5) != 0;
    snprintf(p->params_json, sizeof p->params_json, "%s", wg__text(q, 6) ? wg__text(q, 6) : "");
    wg_plan_params *pp = &p->params;
    pp->target = wgq_column_int64(q, 7);
    pp->has_range = wgq_column_type(q, 8) != SQLITE_NULL && wgq_column_type(q, 9) != SQLITE_NULL;
    pp->min = wgq_column_int64(q, 8);
    pp->max = wgq_column_int64(q, 9);
    pp->seed = (uint64_t)wgq_column_int64(q, 10);
    snprintf(pp->keep, sizeof pp->keep, "%s", wg__text(q, 11) ? wg__text(q, 11) : "");
    pp->locked = wgq_column_int64(q, 12);
    snprintf(pp->weight, sizeof pp->weight, "%s", wg__text(q, 13) ? wg__text(q, 13) : "households");
}

wg_status wg_store_plan_ncells(wg_ws *ws, int64_t id, int64_t *n)
{
    wg_q *q = wg__stmt(ws, "SELECT count(*) FROM cells WHERE plan = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, id);
    wg_status st = wgq_step(q) == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "reading cells: ");
    *n = st == WG_OK ? wgq_column_int64(q, 0) : 0;
    wgq_reset(q);
    return st;
}

wg_status wg_store_plan_get(wg_ws *ws, int64_t id, wg_plan_rec *out, bool *found)
{
    wg_q *q = wg__stmt(ws, id ? "SELECT " PLAN_COLS " FROM plans WHERE id = ?"
                              : "SELECT " PLAN_COLS " FROM plans WHERE active = 1");
    if (!q)
        return wg_ctx_status(ws->ctx);
    if (id)
        wgq_bind_int64(q, 1, id);
    int rc = wgq_step(q);
    *found = rc == SQLITE_ROW;
    if (*found)
        plan_row(q, out);
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading plans: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_plan_named(wg_ws *ws, const char *name, int64_t *id, bool *found)
{
    wg_q *q = wg__stmt(ws, "SELECT id FROM plans WHERE name = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *found = rc == SQLITE_ROW;
    if (*found)
        *id = wgq_column_int64(q, 0);
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "finding a plan: ");
}

wg_status wg_store_plan_find(wg_ws *ws, const char *ref, int64_t *id)
{
    wg_q *q = wg__stmt(ws, "SELECT id FROM plans WHERE name = ?1 OR CAST(id AS TEXT) = ?1 "
                           "ORDER BY name = ?1 DESC LIMIT 1");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, ref, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW)
        *id = wgq_column_int64(q, 0);
    wgq_reset(q);
    if (rc == SQLITE_ROW)
        return WG_OK;
    if (rc != SQLITE_DONE)
        return wg__sql_fail(ws, "finding a plan: ");
    return wg_fail(ws->ctx, WG_EINPUT, "no plan named or numbered '%s' (see: wangge plan list)",
                   ref);
}

wg_status wg_store_plan_next_id(wg_ws *ws, int64_t *id)
{
    wg_q *q = wg__stmt(ws, "SELECT coalesce(max(id), 0) + 1 FROM plans");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = wgq_step(q) == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "reading plans: ");
    if (st == WG_OK)
        *id = wgq_column_int64(q, 0);
    wgq_reset(q);
    return st;
}

wg_status wg_store_plan_activate(wg_ws *ws, int64_t id)
{
    wg_status st = wg__need_tx(ws, "activating a plan");
    wg_plan_rec p;
    bool found = false;
    if (st == WG_OK)
        st = wg_store_plan_get(ws, id, &p, &found);
    if (st == WG_OK && (!found || id <= 0))
        return wg_fail(ws->ctx, WG_EINPUT, "no plan numbered %lld (see: wangge plan list)",
                       (long long)id);
    wg_q *q = st == WG_OK
                  ? wg__stmt(ws, "UPDATE plans SET active = CASE WHEN id = ? THEN 1 ELSE 0 END")
                  : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_int64(q, 1, id);
        st = wg__done(ws, q, "activating a plan: ");
    }
    if (st == WG_OK)
        st = wg__bump(ws, "plans");
    return st;
}

/* s as a JSON string, as SQLite's json_quote() writes it. */
static size_t json_quote(char *out, size_t n, size_t o, const char *s)
{
    o += (size_t)snprintf(out + o, o < n ? n - o : 0, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            o += (size_t)snprintf(out + o, o < n ? n - o : 0, "\\%c", *c);
        else if (*c < 0x20) {
            const char *e = *c == '\b'   ? "\\b"
                            : *c == '\f' ? "\\f"
                            : *c == '\n' ? "\\n"
                            : *c == '\r' ? "\\r"
                            : *c == '\t' ? "\\t"
                                         : NULL;
            if (e)
                o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s", e);
            else
                o += (size_t)snprintf(out + o, o < n ? n - o : 0, "\\u%04x", *c);
        } else if (o + 1 < n) {
            out[o++] = (char)*c;
            out[o] = '\0';
        } else {
            o++;
        }
    }
    return o + (size_t)snprintf(out + o, o < n ? n - o : 0, "\"");
}

/* A plan's parameters as the JSON both stores keep (SQLite's json_object() wrote it so
 * before): {"target":N,"min":N,"max":N,"seed":N,"keep":"..." or null,"locked":N,"weight":"..."}.
 */
static wg_status params_json(wg_ws *ws, const wg_plan_params *p, char *out, size_t n)
{
    size_t o = (size_t)snprintf(
        out, n,
        "{\"target\":%lld,\"min\":%lld,\"max\":%lld,\"seed\":%lld,\"keep\":", (long long)p->target,
        (long long)p->min, (long long)p->max, (long long)(int64_t)p->seed);
    if (p->keep[0])
        o = json_quote(out, n, o, p->keep);
    else
        o += (size_t)snprintf(out + o, o < n ? n - o : 0, "null");
    o += (size_t)snprintf(out + o, o < n ? n - o : 0,
                          ",\"locked\":%lld,\"weight\":", (long long)p->locked);
    o = json_quote(out, n, o, p->weight[0] ? p->weight : "households");
    o += (size_t)snprintf(out + o, o < n ? n - o : 0, "}");
    return o < n ? WG_OK : wg_fail(ws->ctx, WG_EINPUT, "the plan's parameters are too long");
}

wg_status wg_store_plan_add(wg_ws *ws, const char *name, const wg_plan_params *p, int64_t parent,
                            int64_t *id, bool *active)
{
    wg_status st = wg__need_tx(ws, "storing a plan");
    char json[512];
    if (st == WG_OK)
        st = params_json(ws, p, json, sizeof json);
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO plans (name, created, params, parent, "
                                         "active, ver) VALUES (?1, ?2, ?3, ?4, CASE WHEN "
                                         "EXISTS (SELECT 1 FROM plans WHERE active = 1) THEN 0 "
                                         "ELSE 1 END, ?5) RETURNING id, active")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, wg__now_utc());
    wgq_bind_text(q, 3, json, -1, SQLITE_TRANSIENT);
    if (parent > 0)
        wgq_bind_int64(q, 4, parent);
    wgq_bind_int64(q, 5, ws->tx_ver);
    if (wgq_step(q) != SQLITE_ROW) {
        st = wg__sql_fail(ws, "storing the plan: ");
        wgq_reset(q);
        return st;
    }
    *id = wgq_column_int64(q, 0);
    if (active)
        *active = wgq_column_int(q, 1) != 0;
    st = wgq_step(q) == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "storing the plan: ");
    wgq_reset(q);
    if (st == WG_OK)
        st = wg__bump(ws, "plans");
    return st;
}

wg_status wg_store_plan_copy(wg_ws *ws, int64_t src, const char *name, int64_t *id)
{
    wg_status st = wg__need_tx(ws, "copying a plan");
    /* the plan row: parameters as stored, `src` the parent, never active */
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO plans (name, created, params, parent, "
                                         "active, ver) SELECT ?1, ?2, params, id, 0, ?3 "
                                         "FROM plans WHERE id = ?4 RETURNING id")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, wg__now_utc());
    wgq_bind_int64(q, 3, ws->tx_ver);
    wgq_bind_int64(q, 4, src);
    int rc = wgq_step(q);
    int64_t to = rc == SQLITE_ROW ? wgq_column_int64(q, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = wgq_step(q);
    st = rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "copying the plan: ");
    wgq_reset(q);
    if (st == WG_OK && to == 0)
        return wg_fail(ws->ctx, WG_EINPUT, "no plan numbered %lld", (long long)src);
    /* cells (with their geometry and index), units and issues: the same rows under the new id */
    static const char *const copy[] = {
        "INSERT INTO cells (plan, code, community, households, units, area_m2, compactness, ver, "
        "idx, geom) SELECT ?1, code, community, households, units, area_m2, compactness, ?3, idx, "
        "geom FROM cells WHERE plan = ?2 ORDER BY code",
        "INSERT INTO cell_units (plan, unit, cell, households) SELECT ?1, unit, cell, households "
        "FROM cell_units WHERE plan = ?2",
        "INSERT INTO plan_issues (plan, cell, community, kind, cause) SELECT ?1, cell, community, "
        "kind, cause FROM plan_issues WHERE plan = ?2 ORDER BY rowid",
    };
    for (size_t k = 0; st == WG_OK && k < sizeof copy / sizeof *copy; k++) {
        if (!(q = wg__stmt(ws, copy[k])))
            return wg_ctx_status(ws->ctx);
        wgq_bind_int64(q, 1, to);
        wgq_bind_int64(q, 2, src);
        if (wgq_bind_parameter_count(q) >= 3)
            wgq_bind_int64(q, 3, ws->tx_ver);
        st = wg__done(ws, q, "copying the plan: ");
    }
    if (st == WG_OK)
        st = wg__bump(ws, "plans");
    if (st == WG_OK)
        *id = to;
    return st;
}

wg_status wg_store_plan_touch(wg_ws *ws, int64_t plan, const char *const *codes, size_t n)
{
    wg_status st = wg__need_tx(ws, "changing a plan");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "UPDATE plans SET ver = ? WHERE id = ?") : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, ws->tx_ver);
    wgq_bind_int64(q, 2, plan);
    st = wg__done(ws, q, "changing a plan: ");
    q = st == WG_OK ? wg__stmt(ws, "UPDATE cells SET ver = ? WHERE plan = ? AND code = ?") : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        wgq_bind_int64(q, 1, ws->tx_ver);
        wgq_bind_int64(q, 2, plan);
        wgq_bind_text(q, 3, codes[i], -1, SQLITE_TRANSIENT);
        st = wg__done(ws, q, "changing a cell: ");
    }
    if (st == WG_OK) /* who edited plans last, and when */
        st = wg__bump(ws, "plans");
    return st;
}

/* ---- Cells --------------------------------------------------------------------------------- */

#define CELL_COLS                                                                                  \
    "c.plan, coalesce(c.idx, -1), c.code, c.community, coalesce(c.households, 0), "                \
    "coalesce(c.units, 0), c.area_m2, c.compactness, c.ver, MbrMinX(c.geom), MbrMinY(c.geom), "    \
    "MbrMaxX(c.geom), MbrMaxY(c.geom)"
#define CELL_GEOM ", AsBinary(c.geom)"
#define CELL_COVERAGE                                                                              \
    ", v.cameras, v.open_m2, v.seen_m2, v.households_seen, v.cell IS NOT NULL, p.patrol_m, "       \
    "p.cell IS NOT NULL"
#define CELL_JOINS                                                                                 \
    " LEFT JOIN cell_coverage v ON v.cell = c.code LEFT JOIN cell_patrol p ON p.cell = c.code"

static double col_or_nan(wg_q *q, int c)
{
    return wgq_column_type(q, c) == SQLITE_NULL ? NAN : wgq_column_double(q, c);
}

static void cell_row(wg_q *q, unsigned what, wg_cell_rec *c)
{
    memset(c, 0, sizeof *c);
    c->plan = wgq_column_int64(q, 0);
    c->idx = wgq_column_int(q, 1);
    snprintf(c->code, sizeof c->code, "%s", wg__text(q, 2));
    snprintf(c->community, sizeof c->community, "%s", wg__text(q, 3) ? wg__text(q, 3) : "");
    c->households = wgq_column_int64(q, 4);
    c->units = wgq_column_int64(q, 5);
    c->area_m2 = wgq_column_double(q, 6);
    c->compactness = wgq_column_double(q, 7);
    c->ver = wgq_column_int64(q, 8);
    for (int k = 0; k < 4; k++)
        c->box[k] = col_or_nan(q, 9 + k);
    int at = 13;
    if (what & WG_CELLS_GEOM) {
        if (wgq_column_type(q, at) == SQLITE_BLOB) {
            c->wkb = wgq_column_blob(q, at);
            c->wkb_len = (size_t)wgq_column_bytes(q, at);
        }
        at++;
    }
    if (what & WG_CELLS_COVERAGE) {
        c->cameras = col_or_nan(q, at);
        c->open_m2 = col_or_nan(q, at + 1);
        c->seen_m2 = col_or_nan(q, at + 2);
        c->households_seen = col_or_nan(q, at + 3);
        c->has_coverage = wgq_column_int(q, at + 4) != 0;
        c->patrol_m = col_or_nan(q, at + 5);
        c->has_patrol = wgq_column_int(q, at + 6) != 0;
    }
}

static wg_status cells_loop(wg_ws *ws, wg_q *q, unsigned what, wg_cell_fn fn, void *user)
{
    wg_status st = WG_OK;
    int rc;
    wg_cell_rec c;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        cell_row(q, what, &c);
        st = fn(user, &c);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading cells: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_cells_each(wg_ws *ws, int64_t plan, unsigned what, int64_t since, wg_cell_fn fn,
                              void *user)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " CELL_COLS "%s%s FROM cells c%s WHERE c.plan = ?1%s ORDER BY c.code",
             what & WG_CELLS_GEOM ? CELL_GEOM : "", what & WG_CELLS_COVERAGE ? CELL_COVERAGE : "",
             what & WG_CELLS_COVERAGE ? CELL_JOINS : "", since > 0 ? " AND c.ver > ?2" : "");
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    if (since > 0)
        wgq_bind_int64(q, 2, since);
    return cells_loop(ws, q, what, fn, user);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

wg_status wg_store_cells_at(wg_ws *ws, int64_t plan, const double *xy, size_t n, unsigned what,
                            wg_cell_fn fn, void *user)
{
    /* the cells' R*Tree finds the candidates of each point; then each cell once, by code */
    wg_q *q = wg__stmt(ws, ws->pg ? "SELECT fid FROM cells WHERE geom && ST_MakePoint(?1, ?2)"
                                  : "SELECT pkid FROM idx_cells_geom WHERE xmin <= ?1 AND "
                                    "xmax >= ?1 AND ymin <= ?2 AND ymax >= ?2");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int64_t *fids = NULL;
    size_t nf = 0, cap = 0;
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
            continue;
        wgq_reset(q);
        wgq_bind_double(q, 1, xy[2 * i]);
        wgq_bind_double(q, 2, xy[2 * i + 1]);
        int rc;
        while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
            st = wg_grow(ws->ctx, (void **)&fids, &cap, nf + 1, sizeof *fids);
            if (st == WG_OK)
                fids[nf++] = wgq_column_int64(q, 0);
        }
        if (st == WG_OK && rc != SQLITE_DONE)
            st = wg__sql_fail(ws, "finding cells: ");
    }
    wgq_reset(q);
    if (st == WG_OK && nf)
        qsort(fids, nf, sizeof *fids, cmp_i64);
    size_t m = 0;
    for (size_t i = 0; i < nf; i++)
        if (m == 0 || fids[m - 1] != fids[i])
            fids[m++] = fids[i];
    /* then each once, in code order, through a JSON list of their fids (looked up by fid: with
     * the plan as an index term SQLite walks the whole plan in code order instead) */
    wg_buf list;
    wg_buf_init(&list, SIZE_MAX / 2);
    for (size_t i = 0; st == WG_OK && i < m; i++)
        st = wg_buf_addf(ws->ctx, &list, "%s%lld", i ? "," : "[", (long long)fids[i]);
    if (st == WG_OK)
        st = wg_buf_add(ws->ctx, &list, m ? "]" : "[]", m ? 1 : 2);
    free(fids);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " CELL_COLS "%s%s FROM cells c%s WHERE +c.plan = ?1 AND c.fid IN (SELECT "
             "CAST(value AS INTEGER) FROM json_each(?2)) ORDER BY c.code",
             what & WG_CELLS_GEOM ? CELL_GEOM : "", what & WG_CELLS_COVERAGE ? CELL_COVERAGE : "",
             what & WG_CELLS_COVERAGE ? CELL_JOINS : "");
    q = st == WG_OK ? wg__stmt(ws, sql) : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_int64(q, 1, plan);
        wgq_bind_text(q, 2, wg_buf_str(&list), -1, SQLITE_STATIC);
        st = cells_loop(ws, q, what, fn, user);
    }
    wg_buf_fini(&list);
    return st;
}

wg_status wg_store_cell_get(wg_ws *ws, int64_t plan, const char *code, wg_cell_rec *out,
                            bool *found)
{
    wg_q *q = wg__stmt(ws, "SELECT " CELL_COLS " FROM cells c WHERE c.plan = ? AND c.code = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *found = rc == SQLITE_ROW;
    if (*found)
        cell_row(q, 0, out);
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading a cell: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_cell_geom(wg_ws *ws, int64_t plan, const char *code, unsigned char **wkb,
                             size_t *len)
{
    *wkb = NULL;
    *len = 0;
    wg_q *q = wg__stmt(ws, "SELECT AsBinary(geom) FROM cells WHERE plan = ? AND code = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading a cell: ");
    if (rc == SQLITE_ROW && wgq_column_type(q, 0) == SQLITE_BLOB) {
        size_t n = (size_t)wgq_column_bytes(q, 0);
        if (!(*wkb = malloc(n ? n : 1)))
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        else {
            memcpy(*wkb, wgq_column_blob(q, 0), n);
            *len = n;
        }
    }
    wgq_reset(q);
    return st;
}

static void bind_wkb(wg_q *q, int i, const unsigned char *wkb, size_t len)
{
    if (wkb)
        wgq_bind_blob64(q, i, wkb, (sqlite3_uint64)len, SQLITE_STATIC);
    else
        wgq_bind_null(q, i);
}

wg_status wg_store_plan_drop_community(wg_ws *ws, int64_t plan, const char *community,
                                       size_t *ncells)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM cells WHERE plan = ?1 AND community = ?2",
        "DELETE FROM cell_units WHERE plan = ?1 AND cell IN (SELECT code FROM cells WHERE plan = "
        "?1 AND community = ?2)",
        "DELETE FROM plan_issues WHERE plan = ?1 AND (community = ?2 OR cell IN (SELECT code FROM "
        "cells WHERE plan = ?1 AND community = ?2))",
        "DELETE FROM cells WHERE plan = ?1 AND community = ?2"};
    wg_status st = wg__need_tx(ws, "changing a plan");
    for (size_t i = 0; st == WG_OK && i < sizeof sql / sizeof sql[0]; i++) {
        wg_q *q = wg__stmt(ws, sql[i]);
        if (!q)
            return wg_ctx_status(ws->ctx);
        wgq_bind_int64(q, 1, plan);
        wgq_bind_text(q, 2, community, -1, SQLITE_TRANSIENT);
        if (i == 0) {
            *ncells = wgq_step(q) == SQLITE_ROW ? (size_t)wgq_column_int64(q, 0) : 0;
            wgq_reset(q);
        } else {
            st = wg__done(ws, q, "recutting a community: ");
        }
    }
    return st;
}

wg_status wg_store_cell_add(wg_ws *ws, const wg_cell_rec *c)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO cells (plan, code, community, households, units, area_m2, compactness, "
             "ver, geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, GeomFromWKB(?, %d))",
             ws->srid);
    wg_status st = wg__need_tx(ws, "storing a cell");
    wg_q *q = st == WG_OK ? wg__stmt(ws, sql) : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, c->plan);
    wgq_bind_text(q, 2, c->code, -1, SQLITE_TRANSIENT);
    wg__bind_text(q, 3, c->community[0] ? c->community : NULL);
    wgq_bind_int64(q, 4, c->households);
    wgq_bind_int64(q, 5, c->units);
    wgq_bind_double(q, 6, c->area_m2);
    wgq_bind_double(q, 7, c->compactness);
    wgq_bind_int64(q, 8, ws->tx_ver);
    bind_wkb(q, 9, c->wkb, c->wkb_len);
    return wg__done(ws, q, "storing a cell: ");
}

wg_status wg_store_cell_update(wg_ws *ws, const wg_cell_rec *c)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE cells SET households = ?, units = ?, area_m2 = ?, compactness = ?, geom = "
             "GeomFromWKB(?, %d), ver = ? WHERE plan = ? AND code = ?",
             ws->srid);
    wg_status st = wg__need_tx(ws, "changing a cell");
    wg_q *q = st == WG_OK ? wg__stmt(ws, sql) : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, c->households);
    wgq_bind_int64(q, 2, c->units);
    wgq_bind_double(q, 3, c->area_m2);
    wgq_bind_double(q, 4, c->compactness);
    bind_wkb(q, 5, c->wkb, c->wkb_len);
    wgq_bind_int64(q, 6, ws->tx_ver);
    wgq_bind_int64(q, 7, c->plan);
    wgq_bind_text(q, 8, c->code, -1, SQLITE_TRANSIENT);
    st = wg__done(ws, q, "changing a cell: ");
    if (st == WG_OK && wg__changes(ws) != 1)
        st = wg_fail(ws->ctx, WG_EINTERNAL, "no cell %s in plan %lld", c->code, (long long)c->plan);
    return st;
}

wg_status wg_store_cells_number(wg_ws *ws, int64_t plan)
{
    wg_status st = wg__need_tx(ws, "numbering cells");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "UPDATE cells SET idx = r.k FROM (SELECT fid, "
                                         "row_number() OVER (ORDER BY code) - 1 AS k "
                                         "FROM cells WHERE plan = ?1) AS r WHERE "
                                         "cells.fid = r.fid")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    return wg__done(ws, q, "numbering cells: ");
}

/* ---- Members -------------------------------------------------------------------------------- */

wg_status wg_store_members_each(wg_ws *ws, int64_t plan, const char *cell, wg_member_fn fn,
                                void *user)
{
    /* one cell's: through the cell index (else SQLite walks the whole plan to skip a sort) */
    wg_q *q = wg__stmt(ws, cell ? "SELECT unit, cell, households FROM cell_units INDEXED "
                                  "BY cell_units_cell WHERE plan = ? AND cell = ? ORDER "
                                  "BY unit"
                                : "SELECT unit, cell, households FROM cell_units WHERE "
                                  "plan = ? ORDER BY unit");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    if (cell)
        wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_member_rec m = {wg__text(q, 0), wg__text(q, 1), wgq_column_int64(q, 2)};
        st = fn(user, &m);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading a plan's units: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_member_add(wg_ws *ws, int64_t plan, const char *unit, const char *cell,
                              int64_t households)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO cell_units (plan, unit, cell, households) VALUES "
                           "(?, ?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, unit, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 3, cell, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 4, households);
    return wg__done(ws, q, "storing a cell's units: ");
}

wg_status wg_store_member_cell(wg_ws *ws, int64_t plan, const char *unit, char cell[32],
                               bool *found)
{
    wg_q *q = wg__stmt(ws, "SELECT cell FROM cell_units WHERE plan = ? AND unit = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, unit, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *found = rc == SQLITE_ROW;
    if (*found)
        snprintf(cell, 32, "%s", wg__text(q, 0));
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading a plan: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_member_move(wg_ws *ws, int64_t plan, const char *unit, const char *to)
{
    wg_status st = wg__need_tx(ws, "moving a unit");
    wg_q *q = st == WG_OK
                  ? wg__stmt(ws, "UPDATE cell_units SET cell = ? WHERE plan = ? AND unit = ?")
                  : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, to, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, plan);
    wgq_bind_text(q, 3, unit, -1, SQLITE_TRANSIENT);
    return wg__done(ws, q, "moving a unit: ");
}

/* ---- Issues --------------------------------------------------------------------------------- */

wg_status wg_store_issue_add(wg_ws *ws, int64_t plan, const wg_issue_rec *i)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO plan_issues (plan, cell, community, kind, cause) "
                           "VALUES (?, ?, ?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wg__bind_text(q, 2, i->cell);
    wg__bind_text(q, 3, i->community);
    wgq_bind_text(q, 4, i->kind, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 5, i->cause, -1, SQLITE_TRANSIENT);
    return wg__done(ws, q, "storing an issue: ");
}

wg_status wg_store_issues_each(wg_ws *ws, int64_t plan, wg_issue_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT cell, community, kind, cause FROM plan_issues WHERE "
                           "plan = ? ORDER BY cell IS NULL, cell, kind, rowid");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_issue_rec i = {wg__text(q, 0), wg__text(q, 1), wg__text(q, 2), wg__text(q, 3)};
        st = fn(user, &i);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading issues: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_issues_clear(wg_ws *ws, int64_t plan, const char *cell, const char *const *kinds,
                                size_t n)
{
    wg_q *q = wg__stmt(ws, "DELETE FROM plan_issues WHERE plan = ? AND cell = ? AND kind = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        wgq_bind_int64(q, 1, plan);
        wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
        wgq_bind_text(q, 3, kinds[k], -1, SQLITE_TRANSIENT);
        st = wg__done(ws, q, "updating issues: ");
    }
    return st;
}

wg_status wg_store_issue_range_cause(wg_ws *ws, int64_t plan, const char *cell, char cause[256])
{
    wg_q *q = wg__stmt(ws, "SELECT cause FROM plan_issues WHERE plan = ? AND cell = ? AND "
                           "kind IN ('above_max', 'below_min')");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
    cause[0] = '\0';
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW)
        snprintf(cause, 256, "%s", wg__text(q, 0));
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading issues: ");
    wgq_reset(q);
    return st;
}

/* ---- Community codes ------------------------------------------------------------------------- */

wg_status wg_store_community_codes_each(wg_ws *ws, wg_code_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT community, code FROM community_codes");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW)
        st = fn(user, wg__text(q, 0), wg__text(q, 1));
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading community codes: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_community_code_add(wg_ws *ws, const char *community, const char *code)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO community_codes (community, code) VALUES (?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, community, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
    return wg__done(ws, q, "storing a community code: ");
}
