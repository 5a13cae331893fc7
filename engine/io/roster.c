/* engine/io/roster.c: importing who serves where — postings (worker <-> cell of the active plan,
 * many-to-many) and household visits (worker, unit, time). Neither has geometry or an id of its
 * own, so they do not go through the layer importer: a postings file is the whole roster and
 * replaces the old one; a visits file adds its visits (a visit already stored, same worker,
 * unit and time, is not stored twice). All or nothing: the first bad row fails the import,
 * naming the file, its line and what is wrong, and the workspace is left as it was. */
#include "engine_int.h"
#include "roster.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <string.h>

/* The source column holding `field`: --map FIELD=SRC first, else the first alias present. */
static int find_col(wg_ctx *ctx, wg_src *src, const wg_import_opts *o, const char *field,
                    const char *aliases, const char *source, wg_status *st)
{
    for (size_t i = 0; i < o->nmaps; i++) {
        size_t n = strlen(field);
        if (strncmp(o->maps[i], field, n) == 0 && o->maps[i][n] == '=') {
            int c = wg_src_field(src, o->maps[i] + n + 1);
            if (c < 0)
                *st = wg_fail(ctx, WG_EINPUT, "%s: no field '%s' (asked by --map %s)", source,
                              o->maps[i] + n + 1, o->maps[i]);
            return c;
        }
    }
    int c = wg__src_alias(src, aliases);
    if (c >= 0)
        return c;
    *st = wg_fail(ctx, WG_EINPUT, "%s: no %s column (tried %s; or use --map %s=FIELD)", source,
                  field, aliases, field);
    return -1;
}

/* 1 when the key `text` is in the table/column (checked with the prepared statement q). */
static int exists(sqlite3_stmt *q, const char *text)
{
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
    return sqlite3_step(q) == SQLITE_ROW;
}

typedef struct roster {
    wg_ws *ws;
    wg_ctx *ctx;
    const char *source;
    const wg_import_opts *o;
    wg_import_result *r;
    wg_src *src;
    wg_tz *tz;
    bool visits;
    int col[3]; /* postings: worker, cell; visits: worker, unit, at */
    sqlite3_stmt *worker_q, *key_q, *ins;
    int64_t plan;
    int64_t batch;
} roster;

static wg_status prepare(roster *R)
{
    wg_ws *ws = R->ws;
    wg_status st = wg__prepare(ws, "SELECT 1 FROM workers WHERE id = ?", &R->worker_q);
    if (st != WG_OK)
        return st;
    if (!R->visits) {
        sqlite3_stmt *q = NULL;
        st = wg__prepare(ws, "SELECT id, name FROM plans WHERE active = 1", &q);
        if (st == WG_OK && sqlite3_step(q) == SQLITE_ROW)
            R->plan = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        if (st == WG_OK && R->plan == 0)
            return wg_fail(R->ctx, WG_EINPUT,
                           "%s: postings name cells of the active plan, and there is none (make "
                           "one with 'wangge partition', or 'wangge plan activate')",
                           R->source);
        if (st == WG_OK)
            st = wg__prepare(ws, "SELECT 1 FROM cells WHERE plan = ?2 AND code = ?1", &R->key_q);
        if (st == WG_OK)
            sqlite3_bind_int64(R->key_q, 2, R->plan);
        if (st == WG_OK)
            st = wg__sql(ws, "DELETE FROM postings");
        if (st == WG_OK)
            st = wg__prepare(ws, "INSERT OR IGNORE INTO postings (worker, cell) VALUES (?, ?)",
                             &R->ins);
        return st;
    }
    st = wg__prepare(ws, "SELECT 1 FROM units WHERE id = ?", &R->key_q);
    if (st == WG_OK)
        st = wg__prepare(ws,
                         "INSERT INTO visits (worker, unit, at, batch) SELECT ?1, ?2, ?3, ?4 "
                         "WHERE NOT EXISTS (SELECT 1 FROM visits WHERE worker = ?1 AND unit = ?2 "
                         "AND at = ?3)",
                         &R->ins);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, "SELECT coalesce(max(id), 0) FROM imports", &q);
    if (st == WG_OK && sqlite3_step(q) == SQLITE_ROW)
        R->batch = sqlite3_column_int64(q, 0) + 1;
    sqlite3_finalize(q);
    return st;
}

/* Field i of the current row, trimmed into buf; "" when null. */
static const char *field(roster *R, int i, char *buf, size_t n)
{
    const char *v = wg_src_str(R->src, (size_t)i);
    if (!v)
        v = "";
    while (*v == ' ' || *v == '\t')
        v++;
    snprintf(buf, n, "%s", v);
    for (size_t k = strlen(buf); k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'); k--)
        buf[k - 1] = '\0';
    return buf;
}

static wg_status row(roster *R, const wg_feat *f)
{
    wg_ctx *ctx = R->ctx;
    char worker[256], key[256], at[256];
    field(R, R->col[0], worker, sizeof worker);
    field(R, R->col[1], key, sizeof key);
    const char *what = R->visits ? "unit" : "cell";
    if (!worker[0])
        return wg_fail(ctx, WG_EINPUT, "%s %s: no worker", R->source, f->label);
    if (!key[0])
        return wg_fail(ctx, WG_EINPUT, "%s %s: worker %s: no %s", R->source, f->label, worker,
                       what);
    if (!exists(R->worker_q, worker))
        return wg_fail(ctx, WG_EINPUT,
                       "%s %s: worker '%s' is not in the workers layer (import the workers first)",
                       R->source, f->label, worker);
    if (!exists(R->key_q, key))
        return R->visits ? wg_fail(ctx, WG_EINPUT, "%s %s: unit '%s' is not in the units layer",
                                   R->source, f->label, key)
                         : wg_fail(ctx, WG_EINPUT,
                                   "%s %s: cell '%s' is not in the active plan (worker %s)",
                                   R->source, f->label, key, worker);
    sqlite3_reset(R->ins);
    sqlite3_bind_text(R->ins, 1, worker, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(R->ins, 2, key, -1, SQLITE_TRANSIENT);
    if (R->visits) {
        int64_t t = 0;
        field(R, R->col[2], at, sizeof at);
        if (!at[0])
            return wg_fail(ctx, WG_EINPUT, "%s %s: visit of %s to %s has no time", R->source,
                           f->label, worker, key);
        if (wg_time_parse(ctx, at, R->o->time_format, R->tz, &t) != WG_OK)
            return wg_fail(ctx, WG_EINPUT, "%s %s: %s", R->source, f->label, wg_ctx_errmsg(ctx));
        sqlite3_bind_int64(R->ins, 3, t);
        sqlite3_bind_int64(R->ins, 4, R->batch);
    }
    if (sqlite3_step(R->ins) != SQLITE_DONE)
        return wg__sql_fail(R->ws, "storing a row: ");
    if (sqlite3_changes(R->ws->db) > 0)
        R->r->inserted++;
    return WG_OK;
}

static wg_status run(roster *R)
{
    wg_ctx *ctx = R->ctx;
    wg_src_opts so = {.layer = R->o->src_layer};
    wg_status st = wg_src_open(ctx, R->source, &so, &R->src);
    if (st == WG_OK && R->o->tz)
        st = wg_tz_load(ctx, R->o->tz, &R->tz);
    if (st != WG_OK)
        return st;
    R->col[0] = find_col(ctx, R->src, R->o, "worker", "worker,worker_id,workerid,staff,staff_id",
                         R->source, &st);
    if (st == WG_OK)
        R->col[1] = R->visits ? find_col(ctx, R->src, R->o, "unit",
                                         "unit,unit_id,building,building_id,address", R->source, &st)
                              : find_col(ctx, R->src, R->o, "cell",
                                         "cell,cell_code,code,grid,grid_code", R->source, &st);
    if (st == WG_OK && R->visits)
        R->col[2] = find_col(ctx, R->src, R->o, "at", "at,date,time,visited,visited_at,day",
                             R->source, &st);
    if (st != WG_OK)
        return st;
    snprintf(R->r->mapping, sizeof R->r->mapping, "worker <- %s, %s <- %s%s%s",
             wg_src_field_name(R->src, (size_t)R->col[0]), R->visits ? "unit" : "cell",
             wg_src_field_name(R->src, (size_t)R->col[1]), R->visits ? ", at <- " : "",
             R->visits ? wg_src_field_name(R->src, (size_t)R->col[2]) : "");
    if ((st = wg__sql(R->ws, "BEGIN IMMEDIATE")) != WG_OK)
        return st;
    st = prepare(R);
    bool eof = false;
    wg_feat f;
    while (st == WG_OK && (st = wg_src_next(ctx, R->src, &f, &eof)) == WG_OK && !eof) {
        R->r->features++;
        st = row(R, &f);
    }
    if (st == WG_OK) {
        sqlite3_stmt *q = NULL;
        st = wg__prepare(R->ws,
                         "INSERT INTO imports (layer, source, at, features, inserted, updated, "
                         "repaired, rejected) VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER), ?, ?, 0, 0, 0)",
                         &q);
        if (st == WG_OK) {
            sqlite3_bind_text(q, 1, R->visits ? "visits" : "postings", -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, R->source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 3, R->r->features);
            sqlite3_bind_int64(q, 4, R->r->inserted);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = wg__sql_fail(R->ws, "recording the import: ");
        }
        sqlite3_finalize(q);
    }
    if (st == WG_OK && !R->visits && R->r->features == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no postings (a postings file is the whole roster)",
                     R->source);
    if (st == WG_OK)
        st = wg__sql(R->ws, "COMMIT");
    if (st != WG_OK)
        wg__rollback(R->ws);
    return st;
}

wg_status wg__import_roster(wg_ws *ws, const char *layer, const char *source,
                            const wg_import_opts *o, wg_import_result *r)
{
    roster R = {.ws = ws,
                .ctx = ws->ctx,
                .source = source,
                .o = o,
                .r = r,
                .visits = strcmp(layer, "visits") == 0};
    wg_status st = run(&R);
    sqlite3_finalize(R.worker_q);
    sqlite3_finalize(R.key_q);
    sqlite3_finalize(R.ins);
    wg_tz_free(R.tz);
    wg_src_close(R.src);
    return st;
}
