/* engine/store/derived.c: what is derived from the layers for one plan — the record of what
 * each kind was built from, the camera views, camera-cell links, cell coverage, blind spots
 * and patrol lengths. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- What derived data was built from --------------------------------------------------- */

wg_status wg_store_derived_get(wg_ws *ws, const char *kind, wg_derived *out)
{
    memset(out, 0, sizeof *out);
    wg_q *q = wg__stmt(ws, "SELECT plan, plan_ver, ver, at FROM derived WHERE kind = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW) {
        out->any = true;
        out->plan = wgq_column_int64(q, 0);
        out->plan_ver = wgq_column_int64(q, 1);
        out->ver = wgq_column_int64(q, 2);
        out->at = wgq_column_int64(q, 3);
    }
    wgq_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return wg__sql_fail(ws, "reading what was derived: ");
    if (!out->any)
        return WG_OK;
    q = wg__stmt(ws, "SELECT name, ver FROM derived_inputs WHERE kind = ? ORDER BY name");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
    while ((rc = wgq_step(q)) == SQLITE_ROW && out->ninputs < WG_DERIVED_INPUTS) {
        snprintf(out->input[out->ninputs], sizeof out->input[0], "%s", wg__text(q, 0));
        out->input_ver[out->ninputs++] = wgq_column_int64(q, 1);
    }
    wg_status st = rc == SQLITE_ROW || rc == SQLITE_DONE
                       ? WG_OK
                       : wg__sql_fail(ws, "reading what was derived: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_derived_put(wg_ws *ws, const char *kind, int64_t plan, const char *const *inputs,
                               size_t n)
{
    wg_status st = wg__need_tx(ws, "recording derived data");
    if (st == WG_OK)
        st = wg_store_derived_drop(ws, kind);
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO derived (kind, plan, plan_ver, ver, "
                                         "at) SELECT ?1, ?2, ver, ?3, ?4 FROM plans WHERE "
                                         "id = ?2")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, plan);
    wgq_bind_int64(q, 3, ws->tx_ver);
    wgq_bind_int64(q, 4, wg__now_utc());
    st = wg__done(ws, q, "recording derived data: ");
    q = st == WG_OK ? wg__stmt(ws, "INSERT INTO derived_inputs (kind, name, ver) SELECT ?1, ?2, "
                                   "coalesce((SELECT ver FROM versions WHERE name = ?2), 0)")
                    : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
        wgq_bind_text(q, 2, inputs[i], -1, SQLITE_TRANSIENT);
        st = wg__done(ws, q, "recording derived data: ");
    }
    return st;
}

wg_status wg_store_derived_drop(wg_ws *ws, const char *kind)
{
    wg_status st = wg__need_tx(ws, "dropping derived data");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "DELETE FROM derived WHERE kind = ?") : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
    st = wg__done(ws, q, "dropping derived data: ");
    q = st == WG_OK ? wg__stmt(ws, "DELETE FROM derived_inputs WHERE kind = ?") : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
        st = wg__done(ws, q, "dropping derived data: ");
    }
    return st;
}

/* ---- Coverage -------------------------------------------------------------------------------- */

/* Runs each statement of sql[0..nsql) (the cell as ?1) for every code. */
static wg_status delete_cells(wg_ws *ws, const char *const *sql, size_t nsql,
                              const char *const *codes, size_t n)
{
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < nsql; k++) {
        wg_q *q = wg__stmt(ws, sql[k]);
        if (!q)
            return wg_ctx_status(ws->ctx);
        for (size_t i = 0; st == WG_OK && i < n; i++) {
            wgq_bind_text(q, 1, codes[i], -1, SQLITE_TRANSIENT);
            st = wg__done(ws, q, "replacing derived rows: ");
        }
    }
    return st;
}

wg_status wg_store_coverage_clear(wg_ws *ws, const char *const *codes, size_t n)
{
    wg_status st = wg__need_tx(ws, "replacing coverage");
    if (st != WG_OK)
        return st;
    /* the sums wg_store_coverage_totals keeps go with the rows they summed */
    st = wg__sql(ws, "DELETE FROM ws_meta WHERE key = 'coverage.sums'");
    if (st != WG_OK)
        return st;
    if (!codes)
        return wg__sql(ws, "DELETE FROM camera_views; DELETE FROM camera_cells; DELETE FROM "
                           "cell_coverage; DELETE FROM cell_seen; DELETE FROM blind_spots;");
    static const char *const sql[] = {
        "DELETE FROM camera_cells WHERE cell = ?1", "DELETE FROM cell_coverage WHERE cell = ?1",
        "DELETE FROM cell_seen WHERE cell = ?1", "DELETE FROM blind_spots WHERE cell = ?1"};
    return delete_cells(ws, sql, 4, codes, n);
}

wg_status wg_store_patrol_clear(wg_ws *ws, const char *const *codes, size_t n)
{
    wg_status st = wg__need_tx(ws, "replacing patrol lengths");
    if (st != WG_OK)
        return st;
    if (!codes)
        return wg__sql(ws, "DELETE FROM cell_patrol");
    static const char *const sql[] = {"DELETE FROM cell_patrol WHERE cell = ?1"};
    return delete_cells(ws, sql, 1, codes, n);
}

static void bind_wkb(wg_q *q, int i, const unsigned char *wkb, size_t len)
{
    if (wkb)
        wgq_bind_blob64(q, i, wkb, (sqlite3_uint64)len, SQLITE_STATIC);
    else
        wgq_bind_null(q, i);
}

wg_status wg_store_camera_view_add(wg_ws *ws, const char *camera, const char *kind, double area_m2,
                                   const unsigned char *wkb, size_t wkb_len)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO camera_views (camera, kind, area_m2, geom) VALUES (?, ?, ?, "
             "GeomFromWKB(?, %d))",
             ws->srid);
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, camera, -1, SQLITE_TRANSIENT);
    wg__bind_text(q, 2, kind);
    wgq_bind_double(q, 3, area_m2);
    bind_wkb(q, 4, wkb, wkb_len);
    return wg__done(ws, q, "storing camera views: ");
}

wg_status wg_store_camera_views_each(wg_ws *ws, const double *bbox, wg_view_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, !bbox    ? "SELECT camera, kind, area_m2, AsBinary(geom) FROM "
                                      "camera_views ORDER BY camera"
                           : ws->pg ? "SELECT camera, kind, area_m2, AsBinary(geom) FROM "
                                      "camera_views WHERE geom && ST_MakeEnvelope(?1, ?2, ?3, ?4) "
                                      "ORDER BY camera"
                                    : "SELECT camera, kind, area_m2, AsBinary(geom) FROM "
                                      "camera_views WHERE fid IN (SELECT pkid FROM "
                                      "idx_camera_views_geom WHERE xmin <= ?3 AND xmax >= ?1 "
                                      "AND ymin <= ?4 AND ymax >= ?2) ORDER BY camera");
    if (!q)
        return wg_ctx_status(ws->ctx);
    for (int k = 0; bbox && k < 4; k++)
        wgq_bind_double(q, k + 1, bbox[k]);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_view_rec v = {wg__text(q, 0), wg__text(q, 1), wgq_column_double(q, 2),
                         wgq_column_blob(q, 3), (size_t)wgq_column_bytes(q, 3)};
        st = fn(user, &v);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading camera views: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_camera_cell_add(wg_ws *ws, const char *camera, const char *cell, double area_m2)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO camera_cells (camera, cell, area_m2) VALUES (?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, camera, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
    wgq_bind_double(q, 3, area_m2);
    return wg__done(ws, q, "storing camera cells: ");
}

wg_status wg_store_cell_cameras(wg_ws *ws, const char *cell, wg_cell_camera_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT l.camera, c.kind, l.area_m2 FROM camera_cells l LEFT "
                           "JOIN cameras c ON c.id = l.camera WHERE l.cell = ? ORDER BY "
                           "l.camera");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, cell, -1, SQLITE_TRANSIENT);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW)
        st = fn(user, wg__text(q, 0), wg__text(q, 1), wgq_column_double(q, 2));
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the cameras of a cell: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_cell_coverage_add(wg_ws *ws, const wg_cover_rec *c)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO cell_coverage (cell, cameras, area_m2, open_m2, "
                           "seen_m2, households, households_seen) VALUES (?, ?, ?, ?, ?, "
                           "?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, c->cell, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, c->cameras);
    wgq_bind_double(q, 3, c->area_m2);
    wgq_bind_double(q, 4, c->open_m2);
    wgq_bind_double(q, 5, c->seen_m2);
    wgq_bind_int64(q, 6, c->households);
    wgq_bind_int64(q, 7, c->households_seen);
    wg_status st = wg__done(ws, q, "storing cell coverage: ");
    if (st != WG_OK || !c->seen_wkb)
        return st;
    if (!(q = wg__stmt(ws, "INSERT INTO cell_seen (cell, wkb) VALUES (?, ?)")))
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, c->cell, -1, SQLITE_TRANSIENT);
    bind_wkb(q, 2, c->seen_wkb, c->seen_len);
    return wg__done(ws, q, "storing cell coverage: ");
}

/* Runs `all` (no parameter), or `some` (the cells' codes as a JSON list in ?1) when codes are
 * given, calling fn on every row. */
typedef wg_status (*row_fn)(void *user, wg_q *q);

static wg_status each_of(wg_ws *ws, const char *all, const char *some, const char *const *codes,
                         size_t n, row_fn fn, void *user, const char *what)
{
    wg_buf list;
    wg_buf_init(&list, SIZE_MAX / 2);
    wg_status st = WG_OK;
    for (size_t i = 0; codes && st == WG_OK && i < n; i++) {
        st = wg_buf_add(ws->ctx, &list, i ? ",\"" : "[\"", i ? 2 : 2);
        for (const char *c = codes[i]; st == WG_OK && *c; c++) /* codes are plain, but escape */
            st = *c == '"' || *c == '\\' ? wg_buf_addf(ws->ctx, &list, "\\%c", *c)
                                         : wg_buf_add(ws->ctx, &list, c, 1);
        if (st == WG_OK)
            st = wg_buf_add(ws->ctx, &list, "\"", 1);
    }
    if (codes && st == WG_OK)
        st = n ? wg_buf_add(ws->ctx, &list, "]", 1) : wg_buf_add(ws->ctx, &list, "[]", 2);
    wg_q *q = st == WG_OK ? wg__stmt(ws, codes ? some : all) : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK && codes)
        wgq_bind_text(q, 1, wg_buf_str(&list), -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW)
        st = fn(user, q);
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, what);
    if (q)
        wgq_reset(q);
    wg_buf_fini(&list);
    return st;
}

typedef struct cover_ctx {
    wg_cover_fn fn;
    wg_blind_fn bfn;
    void *user;
} cover_ctx;

static wg_status cover_row(void *user, wg_q *q)
{
    cover_ctx *c = user;
    wg_cover_rec r = {wg__text(q, 0),
                      wgq_column_int64(q, 1),
                      wgq_column_double(q, 2),
                      wgq_column_double(q, 3),
                      wgq_column_double(q, 4),
                      wgq_column_int64(q, 5),
                      wgq_column_int64(q, 6),
                      wgq_column_type(q, 7) == SQLITE_BLOB ? wgq_column_blob(q, 7) : NULL,
                      (size_t)wgq_column_bytes(q, 7)};
    return c->fn(c->user, &r);
}

wg_status wg_store_cell_coverage_each(wg_ws *ws, const char *const *codes, size_t n, wg_cover_fn fn,
                                      void *user)
{
    cover_ctx c = {.fn = fn, .user = user};
#define COVER_COLS                                                                                 \
    "v.cell, v.cameras, v.area_m2, v.open_m2, v.seen_m2, v.households, v.households_seen, s.wkb "  \
    "FROM cell_coverage v LEFT JOIN cell_seen s ON s.cell = v.cell"
    return each_of(ws, "SELECT " COVER_COLS " ORDER BY v.cell",
                   "SELECT " COVER_COLS " WHERE v.cell IN (SELECT value FROM json_each(?1)) "
                   "ORDER BY v.cell",
                   codes, n, cover_row, &c, "reading coverage: ");
#undef COVER_COLS
}

wg_status wg_store_blind_spot_add(wg_ws *ws, int64_t plan, const char *cell, double area_m2,
                                  const unsigned char *wkb, size_t wkb_len, int64_t *fid)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO blind_spots (plan, cell, area_m2, geom) VALUES (?, ?, ?, "
             "GeomFromWKB(?, %d)) RETURNING fid",
             ws->srid);
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
    wgq_bind_double(q, 3, area_m2);
    bind_wkb(q, 4, wkb, wkb_len);
    wg_status st = wgq_step(q) == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "storing blind spots: ");
    if (st == WG_OK)
        *fid = wgq_column_int64(q, 0);
    wgq_reset(q);
    return st;
}

static wg_status blind_row(void *user, wg_q *q)
{
    cover_ctx *c = user;
    wg_blind_rec b = {wgq_column_int64(q, 0), wg__text(q, 1), wgq_column_blob(q, 2),
                      (size_t)wgq_column_bytes(q, 2)};
    return c->bfn(c->user, &b);
}

wg_status wg_store_blind_spots_each(wg_ws *ws, const char *const *codes, size_t n, wg_blind_fn fn,
                                    void *user)
{
    cover_ctx c = {.bfn = fn, .user = user};
    return each_of(ws, "SELECT fid, cell, AsBinary(geom) FROM blind_spots ORDER BY fid",
                   "SELECT fid, cell, AsBinary(geom) FROM blind_spots WHERE cell IN (SELECT "
                   "value FROM json_each(?1)) ORDER BY fid",
                   codes, n, blind_row, &c, "reading blind spots: ");
}

wg_status wg_store_coverage_counts(wg_ws *ws, int64_t plan, bool add, size_t ncells,
                                   const int32_t *idx, const int64_t *incidents,
                                   const int64_t *seen, size_t nblind, const int64_t *blind_fid,
                                   const int64_t *blind_incidents)
{
    wg_status st = wg__need_tx(ws, "counting incidents");
    wg_q *q =
        st == WG_OK
            ? wg__stmt(ws, add ? "UPDATE cell_coverage SET incidents = incidents + ?1, "
                                 "incidents_seen = incidents_seen + ?2 WHERE cell = (SELECT code "
                                 "FROM cells WHERE plan = ?3 AND idx = ?4)"
                               : "UPDATE cell_coverage SET incidents = ?1, incidents_seen = ?2 "
                                 "WHERE cell = (SELECT code FROM cells WHERE plan = ?3 AND idx = "
                                 "?4)")
            : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    for (size_t i = 0; st == WG_OK && i < ncells; i++) {
        wgq_bind_int64(q, 1, incidents[i]);
        wgq_bind_int64(q, 2, seen[i]);
        wgq_bind_int64(q, 3, plan);
        wgq_bind_int(q, 4, idx[i]);
        st = wg__done(ws, q, "counting incidents: ");
    }
    q = st == WG_OK ? wg__stmt(ws, add ? "UPDATE blind_spots SET incidents = incidents + ? WHERE "
                                         "fid = ?"
                                       : "UPDATE blind_spots SET incidents = ? WHERE fid = ?")
                    : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (size_t i = 0; st == WG_OK && i < nblind; i++) {
        wgq_bind_int64(q, 1, blind_incidents[i]);
        wgq_bind_int64(q, 2, blind_fid[i]);
        st = wg__done(ws, q, "counting incidents: ");
    }
    return st;
}

wg_status wg_store_coverage_counts_get(wg_ws *ws, int64_t plan, size_t ncells, int64_t *inc,
                                       int64_t *seen, size_t nblind, const int64_t *blind_fid,
                                       int64_t *blind_inc)
{
    for (size_t i = 0; i < ncells; i++)
        inc[i] = seen[i] = -1;
    for (size_t i = 0; i < nblind; i++)
        blind_inc[i] = -1;
    wg_q *q = wg__stmt(ws, "SELECT c.idx, v.incidents, v.incidents_seen FROM cell_coverage "
                           "v JOIN cells c ON c.plan = ? AND c.code = v.cell");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_int64(q, 1, plan);
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW) {
        int64_t k = wgq_column_int64(q, 0);
        if (k >= 0 && (size_t)k < ncells) {
            inc[k] = wgq_column_int64(q, 1);
            seen[k] = wgq_column_int64(q, 2);
        }
    }
    wgq_reset(q);
    if (rc != SQLITE_DONE)
        return wg__sql_fail(ws, "reading coverage: ");
    /* blind spots by fid: blind_fid ascends, as the table's rows do */
    q = wg__stmt(ws, "SELECT fid, incidents FROM blind_spots ORDER BY fid");
    if (!q)
        return wg_ctx_status(ws->ctx);
    size_t j = 0;
    while ((rc = wgq_step(q)) == SQLITE_ROW) {
        int64_t fid = wgq_column_int64(q, 0);
        while (j < nblind && blind_fid[j] < fid)
            j++;
        if (j < nblind && blind_fid[j] == fid)
            blind_inc[j] = wgq_column_int64(q, 1);
    }
    wgq_reset(q);
    return rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading blind spots: ");
}

/* The sums over every cell's coverage, every camera-cell link and every blind spot, which only
 * a new coverage changes (wg_store_coverage_clear forgets them): kept in ws_meta by the writer
 * that first needs them, so that an assignment of a few new incidents does not read thirty
 * thousand rows to print them. */
static wg_status coverage_sums(wg_ws *ws, wg_cover_totals *t)
{
    wg_q *q = wg__stmt(ws, "SELECT value FROM ws_meta WHERE key = 'coverage.sums'");
    if (!q)
        return wg_ctx_status(ws->ctx);
    bool have = false;
    if (wgq_step(q) == SQLITE_ROW) {
        long long cwc = 0, hh = 0, hs = 0, nb = 0, seeing = 0, links = 0;
        have = sscanf(wg__text(q, 0), "%lld %lf %lf %lf %lld %lld %lld %lf %lld %lld", &cwc,
                      &t->area_m2, &t->open_m2, &t->seen_m2, &hh, &hs, &nb, &t->blind_m2, &seeing,
                      &links) == 10;
        t->cells_with_camera = cwc, t->households = hh, t->households_seen = hs;
        t->blind_spots = nb, t->cameras_seeing = seeing, t->links = links;
    }
    wgq_reset(q);
    if (have)
        return WG_OK;
    q = wg__stmt(ws, "SELECT total(cameras > 0), total(area_m2), total(open_m2), total(seen_m2), "
                     "total(households), total(households_seen), (SELECT count(*) FROM "
                     "blind_spots), (SELECT total(area_m2) FROM blind_spots), (SELECT "
                     "count(DISTINCT camera) FROM camera_cells), (SELECT count(*) FROM "
                     "camera_cells) FROM cell_coverage");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW) {
        t->cells_with_camera = wgq_column_int64(q, 0);
        t->area_m2 = wgq_column_double(q, 1);
        t->open_m2 = wgq_column_double(q, 2);
        t->seen_m2 = wgq_column_double(q, 3);
        t->households = wgq_column_int64(q, 4);
        t->households_seen = wgq_column_int64(q, 5);
        t->blind_spots = wgq_column_int64(q, 6);
        t->blind_m2 = wgq_column_double(q, 7);
        t->cameras_seeing = wgq_column_int64(q, 8);
        t->links = wgq_column_int64(q, 9);
    } else {
        st = wg__sql_fail(ws, "reading coverage: ");
    }
    wgq_reset(q);
    if (st != WG_OK || !ws->in_tx) /* a reader computes them; the next writer keeps them */
        return st;
    char v[320];
    snprintf(v, sizeof v, "%lld %.17g %.17g %.17g %lld %lld %lld %.17g %lld %lld",
             (long long)t->cells_with_camera, t->area_m2, t->open_m2, t->seen_m2,
             (long long)t->households, (long long)t->households_seen, (long long)t->blind_spots,
             t->blind_m2, (long long)t->cameras_seeing, (long long)t->links);
    q = wg__stmt(ws, "INSERT INTO ws_meta (key, value) VALUES ('coverage.sums', ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, v, -1, SQLITE_TRANSIENT);
    return wg__done(ws, q, "keeping the coverage's sums: ");
}

wg_status wg_store_coverage_totals(wg_ws *ws, wg_cover_totals *t)
{
    memset(t, 0, sizeof *t);
    wg_q *q = wg__stmt(ws, "SELECT count(*) FROM cameras");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW)
        t->cameras = wgq_column_int64(q, 0);
    else
        st = wg__sql_fail(ws, "reading coverage: ");
    wgq_reset(q);
    return st == WG_OK ? coverage_sums(ws, t) : st;
}

/* ---- Patrol --------------------------------------------------------------------------------- */

wg_status wg_store_patrol_add(wg_ws *ws, const char *cell, double patrol_m, const char *method)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO cell_patrol (cell, patrol_m, method) VALUES (?, ?, ?)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, cell, -1, SQLITE_TRANSIENT);
    wgq_bind_double(q, 2, patrol_m);
    wgq_bind_text(q, 3, method, -1, SQLITE_TRANSIENT);
    return wg__done(ws, q, "storing patrol lengths: ");
}

wg_status wg_store_patrol_method(wg_ws *ws, char method[16])
{
    wg_q *q = wg__stmt(ws, "SELECT method FROM cell_patrol LIMIT 1");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc = wgq_step(q);
    method[0] = '\0';
    if (rc == SQLITE_ROW)
        snprintf(method, 16, "%s", wg__text(q, 0));
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK
                                                 : wg__sql_fail(ws, "reading patrol lengths: ");
}

/* ---- The assignment's totals ----------------------------------------------------------------- */

static const char *const COUNT_NAMES[WG_ACOUNTS] = {"assigned", "outside", "gap", "no_location",
                                                    "seen"};

wg_status wg_store_assign_counts(wg_ws *ws, int64_t n[WG_ACOUNTS])
{
    for (int k = 0; k < WG_ACOUNTS; k++)
        n[k] = 0;
    wg_q *q = wg__stmt(ws, "SELECT what, n FROM assign_counts");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW)
        for (int k = 0; k < WG_ACOUNTS; k++)
            if (strcmp(wg__text(q, 0), COUNT_NAMES[k]) == 0)
                n[k] = wgq_column_int64(q, 1);
    wgq_reset(q);
    return rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading the assignment: ");
}

wg_status wg_store_assign_counts_put(wg_ws *ws, bool add, const int64_t n[WG_ACOUNTS])
{
    wg_status st = wg__need_tx(ws, "storing the assignment");
    wg_q *q = st == WG_OK
                  ? wg__stmt(ws, add ? "INSERT INTO assign_counts (what, n) VALUES (?1, ?2) ON "
                                       "CONFLICT (what) DO UPDATE SET n = assign_counts.n + ?2"
                                     : "INSERT INTO assign_counts (what, n) VALUES (?1, ?2) "
                                       "ON CONFLICT (what) DO UPDATE SET n = excluded.n")
                  : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    for (int k = 0; st == WG_OK && k < WG_ACOUNTS; k++) {
        wgq_bind_text(q, 1, COUNT_NAMES[k], -1, SQLITE_STATIC);
        wgq_bind_int64(q, 2, n[k]);
        st = wg__done(ws, q, "storing the assignment: ");
    }
    return st;
}
