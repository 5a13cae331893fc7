/* engine/store/ws.c: the workspace file — open, create, migrate, describe; the cached
 * statements, the write transaction (with the marker naming its writer), read snapshots and
 * versions. SQLite and SpatiaLite live in engine/store/ only. */
#include <sqlite3.h>
/* spatialite.h needs sqlite3.h before it */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include WG_SCHEMA_SQL
#include WG_SCHEMA_V2_SQL
#include WG_SCHEMA_V3_SQL
#include WG_SCHEMA_V4_SQL
#include WG_SCHEMA_V5_SQL
#include WG_SCHEMA_V6_SQL
#include WG_SCHEMA_V7_SQL
#include WG_SCHEMA_V8_SQL

/* "WGGE": marks a SQLite file as a wangge workspace (PRAGMA application_id). */
#define WG_APP_ID 0x57474745
#define DEFAULT_WAIT_MS 30000

/* Migrations: entry v turns schema v into v+1. Version 0 is an empty file. */
static const char *const migrations[] = {
    wg__schema_sql,    /* 0 -> 1 */
    wg__schema_v2_sql, /* 1 -> 2: plans' unit membership, issues, community codes */
    wg__schema_v3_sql, /* 2 -> 3: assignment, camera views and coverage, blind spots */
    wg__schema_v4_sql, /* 3 -> 4: household visits */
    wg__schema_v5_sql, /* 4 -> 5: versions, packed incidents, compact assignment, tables */
    wg__schema_v6_sql, /* 5 -> 6: blind spots' areas indexed by cell */
    wg__schema_v7_sql, /* 6 -> 7: administrative codes (district, street/town, committee) */
    wg__schema_v8_sql, /* 7 -> 8: areal units (kind 'area'), the buildings layer */
};

/* ---- Small helpers ------------------------------------------------------------------------ */

int64_t wg__now_utc(void)
{
    return (int64_t)time(NULL);
}

wg_status wg__sql_fail(wg_ws *ws, const char *lead)
{
    if (ws->pg)
        return wg__pg_fail(ws, lead);
    return wg__sql_fail_on(ws, ws->db, ws->ctx, lead);
}

wg_status wg__sql_fail_on(wg_ws *ws, sqlite3 *db, wg_ctx *ctx, const char *lead)
{
    int code = sqlite3_errcode(db) & 0xff;
    if (code == SQLITE_INTERRUPT)
        return wg_fail(ctx, WG_EINTR, "interrupted");
    wg_status st = (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN ||
                    code == SQLITE_READONLY)
                       ? WG_EIO
                   : code == SQLITE_NOMEM ? WG_ENOMEM
                                          : WG_ESQL;
    return wg_fail(ctx, st, "workspace %s: %s%s", ws->path, lead, sqlite3_errmsg(db));
}

static void stmt_free(wg_q *q)
{
    if (q && q->st)
        sqlite3_finalize(q->st);
    else if (q)
        wg__pg_finalize(q->pg);
    free(q);
}

int64_t wg__changes(wg_ws *ws)
{
    return ws->pg ? wg__pg_changes(ws) : sqlite3_changes64(ws->db);
}

wg_status wg__sql(wg_ws *ws, const char *sql)
{
    if (ws->pg)
        return wg__pg_exec(ws, sql, "");
    char *err = NULL;
    int rc = sqlite3_exec(ws->db, sql, NULL, NULL, &err);
    if (rc == SQLITE_OK)
        return WG_OK;
    if ((rc & 0xff) == SQLITE_INTERRUPT) {
        sqlite3_free(err);
        return wg_fail(ws->ctx, WG_EINTR, "interrupted");
    }
    wg_status st =
        wg_fail(ws->ctx, WG_ESQL, "workspace %s: %s", ws->path, err ? err : sqlite3_errmsg(ws->db));
    sqlite3_free(err);
    return st;
}

wg_q *wg__stmt_once(wg_ws *ws, const char *sql)
{
    wg_q *q = calloc(1, sizeof *q);
    if (!q) {
        wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    if (ws->pg)
        q->pg = wg__pg_prepare(ws, sql);
    else if (sqlite3_prepare_v2(ws->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
        wg__sql_fail(ws, "");
        sqlite3_finalize(q->st);
        q->st = NULL;
    }
    if (!q->st && !q->pg) {
        free(q);
        return NULL;
    }
    return q;
}

void wg__stmt_free(wg_q *q)
{
    stmt_free(q);
}

wg_q *wg__stmt(wg_ws *ws, const char *sql)
{
    /* most callers pass a literal: the same pointer finds its slot without a string compare */
    for (size_t i = 0; i < ws->nstmts; i++)
        if (ws->stmts[i].sql == sql || strcmp(ws->stmts[i].sql, sql) == 0) {
            wg_q *q = ws->stmts[i].q;
            wgq_reset(q);
            wgq_clear_bindings(q);
            return q;
        }
    wg_q *q = calloc(1, sizeof *q);
    char *key = q ? strdup(sql) : NULL;
    if (!key) {
        free(q);
        wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    if (ws->pg)
        q->pg = wg__pg_prepare(ws, sql);
    else if (sqlite3_prepare_v3(ws->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->st, NULL) !=
             SQLITE_OK) {
        wg__sql_fail(ws, "");
        sqlite3_finalize(q->st);
        q->st = NULL;
    }
    if (!q->st && !q->pg) {
        free(key);
        free(q);
        return NULL;
    }
    if (ws->nstmts == STMT_CACHE) { /* full: the oldest goes */
        stmt_free(ws->stmts[0].q);
        free(ws->stmts[0].sql);
        memmove(ws->stmts, ws->stmts + 1, (STMT_CACHE - 1) * sizeof *ws->stmts);
        ws->nstmts--;
    }
    ws->stmts[ws->nstmts++] = (stmt_slot){key, q};
    return q;
}

/* Resets every cached statement, so none holds a read lock past a transaction. */
static void reset_all(wg_ws *ws)
{
    for (size_t i = 0; i < ws->nstmts; i++)
        wgq_reset(ws->stmts[i].q);
}

wg_status wg__done(wg_ws *ws, wg_q *q, const char *lead)
{
    int rc = wgq_step(q);
    wg_status st = rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, lead);
    wgq_reset(q);
    return st;
}

const char *wg__text(wg_q *q, int c)
{
    return (const char *)wgq_column_text(q, c);
}

void wg__bind_text(wg_q *q, int i, const char *s)
{
    if (s)
        wgq_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        wgq_bind_null(q, i);
}

wg_status wg__need_tx(wg_ws *ws, const char *what)
{
    if (ws->in_tx)
        return WG_OK;
    return wg_fail(ws->ctx, WG_EINTERNAL, "%s outside a write transaction", what);
}

static wg_status pragma_int(wg_ws *ws, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return WG_EINPUT; /* message written by the caller, who knows what the file is */
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? WG_OK : WG_EINPUT;
}

static wg_status read_meta(wg_ws *ws)
{
    wg_q *st = wg__stmt(ws, "SELECT value FROM ws_meta WHERE key = 'srid'");
    if (!st)
        return wg_ctx_status(ws->ctx);
    if (wgq_step(st) == SQLITE_ROW)
        ws->srid = (int)strtol(wg__text(st, 0), NULL, 10);
    wgq_reset(st);
    if (ws->srid > 0)
        snprintf(ws->crs, sizeof ws->crs, "EPSG:%d", ws->srid);
    return WG_OK;
}

static int wait_ms(void)
{
    const char *w = getenv("WANGGE_WAIT");
    char *end = NULL;
    double s = w ? strtod(w, &end) : -1;
    if (!w || end == w || *end || !(s >= 0) || s > 86400)
        return DEFAULT_WAIT_MS;
    return (int)(s * 1000);
}

/* SQLite's progress hook: a cancelled context stops the statement (SQLITE_INTERRUPT), except
 * while a transaction is being finished. */
static int on_progress(void *user)
{
    wg_ws *ws = user;
    return !ws->finishing && wg_ctx_cancelled(ws->ctx);
}

/* A handle on nothing yet: the path (or database's name), the writer's wait. */
static wg_ws *handle(wg_ctx *ctx, const char *path)
{
    wg_ws *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->path = strdup(path))) {
        free(ws);
        wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
        return NULL;
    }
    ws->ctx = ctx;
    ws->wait_ms = wait_ms();
    const char *slash = strrchr(path, '/');
    snprintf(ws->label, sizeof ws->label, "%s", slash ? slash + 1 : path);
    return ws;
}

static wg_status connect(wg_ctx *ctx, const char *path, int flags, wg_ws **out)
{
    wg_ws *ws = handle(ctx, path);
    size_t len = strlen(path);
    if (ws && !(ws->writer_path = malloc(len + 8))) {
        wg_ws_close(ws);
        ws = NULL;
        wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
    }
    if (!ws)
        return wg_ctx_status(ctx);
    snprintf(ws->writer_path, len + 8, "%s-writer", path);
    /* a workspace handle is used by one thread at a time: no locks on every call */
    if (sqlite3_open_v2(path, &ws->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        wg_status st = wg_fail(ctx, WG_EINPUT, "%s: cannot open: %s", path,
                               ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
        wg_ws_close(ws);
        return st;
    }
    sqlite3_extended_result_codes(ws->db, 0);
    sqlite3_busy_timeout(ws->db, ws->wait_ms);
    sqlite3_progress_handler(ws->db, 1000, on_progress, ws);
    ws->splite = spatialite_alloc_connection();
    spatialite_init_ex(ws->db, ws->splite, 0);
    *out = ws;
    return WG_OK;
}

/* WAL: readers see whole transactions and never wait for the writer. NORMAL synchronous is
 * durable across a crash of the application; the incidents' packed copy (pages of column
 * blobs) reads through a memory map. Best effort: a file another old process holds in rollback
 * mode stays in it until that process is gone. */
static void tune(wg_ws *ws)
{
    sqlite3_exec(ws->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    sqlite3_exec(ws->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    sqlite3_exec(ws->db, "PRAGMA mmap_size = 4294967296", NULL, NULL, NULL);
    sqlite3_exec(ws->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
}

/* Checks that an opened file is a workspace, without writing a byte to it. */
static wg_status check_workspace(wg_ws *ws, int *version)
{
    int app = 0;
    if (pragma_int(ws, "PRAGMA application_id", &app) != WG_OK)
        return wg_fail(ws->ctx, WG_EINPUT, "%s: not a wangge workspace (not an SQLite database)",
                       ws->path);
    if (app != WG_APP_ID)
        return wg_fail(ws->ctx, WG_EINPUT,
                       "%s: not a wangge workspace (an SQLite file made by something else)",
                       ws->path);
    if (pragma_int(ws, "PRAGMA user_version", version) != WG_OK)
        return wg__sql_fail(ws, "reading the schema version: ");
    if (*version > WG_SCHEMA_VERSION)
        return wg_fail(ws->ctx, WG_EINPUT,
                       "%s: workspace schema version %d is newer than this wangge knows (%d); "
                       "use a newer wangge",
                       ws->path, *version, WG_SCHEMA_VERSION);
    return WG_OK;
}

/* Version 8: units.kind also takes 'area'. SQLite cannot alter a CHECK constraint; since no
 * stored row changes, the table's definition is edited in place, the way SQLite's ALTER TABLE
 * documentation gives for loosening a constraint (writable_schema, then a new schema_version
 * so that every connection reads the definition again). */
static wg_status widen_unit_kinds(wg_ws *ws)
{
    int ver = 0;
    if (pragma_int(ws, "PRAGMA schema_version", &ver) != WG_OK)
        return wg__sql_fail(ws, "reading the schema version: ");
    wg_status st = wg__sql(ws, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = "
                               "replace(sql, '''address'')', '''address'', ''area'')') WHERE "
                               "type = 'table' AND name = 'units' AND sql NOT LIKE '%''area''%'");
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %d", ver + 1);
    if (st == WG_OK)
        st = wg__sql(ws, sql);
    wg_status off = wg__sql(ws, "PRAGMA writable_schema = RESET");
    return st != WG_OK ? st : off;
}

/* One migration step, v -> v+1, inside the migration's transaction. */
static wg_status migrate_step(wg_ws *ws, int v)
{
    if (v == 0) { /* SpatiaLite's metadata tables */
        int has = 0;
        if (pragma_int(ws, "SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'",
                       &has) != WG_OK)
            return wg__sql_fail(ws, "");
        if (!has) {
            wg_status st = wg__sql(ws, "SELECT InitSpatialMetadata(0, 'NONE')");
            if (st != WG_OK)
                return st;
        }
    }
    wg_status st = wg__sql(ws, migrations[v]);
    if (st == WG_OK && v == 2) { /* the layers assign makes, in a CRS chosen earlier */
        int epsg = 0;
        st = pragma_int(ws, "SELECT coalesce((SELECT value FROM ws_meta WHERE key = 'srid'), 0)",
                        &epsg);
        for (size_t i = 0; st == WG_OK && epsg && i < 2; i++)
            st = wg__add_geom_column(ws, wg_layer_find(i ? "camera_views" : "blind_spots"), epsg);
    }
    if (st == WG_OK && v == 7)
        st = widen_unit_kinds(ws);
    if (st == WG_OK && v == 7) { /* the buildings' geometry, in a CRS chosen earlier */
        int epsg = 0;
        st = pragma_int(ws, "SELECT coalesce((SELECT value FROM ws_meta WHERE key = 'srid'), 0)",
                        &epsg) == WG_OK
                 ? WG_OK
                 : wg__sql_fail(ws, "reading the CRS: ");
        if (st == WG_OK && epsg)
            st = wg__add_geom_column(ws, wg_layer_find("buildings"), epsg);
    }
    if (st == WG_OK && v == 4) { /* the packed incidents and the tables, from what is there */
        int geom = 0;            /* (incidents have a geometry column once the CRS is chosen) */
        st = pragma_int(ws,
                        "SELECT count(*) FROM pragma_table_info('incidents') WHERE name = 'geom'",
                        &geom) == WG_OK
                 ? WG_OK
                 : wg__sql_fail(ws, "");
        if (st == WG_OK && geom)
            st = wg__pack_rebuild(ws);
        if (st == WG_OK)
            st = wg__tables_seed(ws);
    }
    return st;
}

/* Applies the migrations from `from` up to WG_SCHEMA_VERSION in one transaction. */
static wg_status migrate(wg_ws *ws, int from)
{
    wg_status st = wg_store_begin(ws, "migrating the schema");
    for (int v = from; st == WG_OK && v < WG_SCHEMA_VERSION; v++) {
        st = migrate_step(ws, v);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (st == WG_OK)
            st = wg__sql(ws, sql);
    }
    if (st == WG_OK)
        st = wg_store_commit(ws);
    if (st != WG_OK) {
        wg_store_rollback(ws);
        wg_ctx_where(ws->ctx, "migrating the schema from version %d: ", from);
        return st;
    }
    ws->version = WG_SCHEMA_VERSION;
    return WG_OK;
}

/* Packs the incidents again when another program changed their rows (the schema's triggers
 * say so): the arrays must never disagree with the rows. The assignment goes with them. */
static wg_status repack_if_stale(wg_ws *ws)
{
    wg_q *q = wg__stmt(ws, "SELECT 1 FROM ws_meta WHERE key = 'pack' AND value = 'stale'");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc = wgq_step(q);
    wgq_reset(q);
    if (rc == SQLITE_DONE)
        return WG_OK;
    if (rc != SQLITE_ROW)
        return wg__sql_fail(ws, "reading the workspace: ");
    wg_warn(ws->ctx,
            "%s: incidents were changed by another program: packing them again (the "
            "assignment is to be made again)",
            ws->path);
    wg_status st = wg_store_begin(ws, "packing incidents changed by another program");
    if (st != WG_OK)
        return st;
    st = wg__pack_rebuild(ws);
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM ws_meta WHERE key = 'pack'");
    if (st == WG_OK)
        st = wg__bump(ws, "incidents");
    if (st == WG_OK)
        return wg_store_commit(ws);
    wg_store_rollback(ws);
    return st;
}

/* The end of opening either kind: the CRS read, incidents packed again when another program
 * changed them; the handle closed on a failure. */
static wg_status opened(wg_ws *ws, wg_status st, wg_ws **out)
{
    if (st == WG_OK)
        st = read_meta(ws);
    if (st == WG_OK)
        st = repack_if_stale(ws);
    if (st != WG_OK) {
        wg_ws_close(ws);
        return st;
    }
    *out = ws;
    return WG_OK;
}

/* A workspace in a PostgreSQL schema: the same tables, at the same schema version. */
static wg_status open_database(wg_ctx *ctx, const char *spec, wg_ws **out)
{
    wg_ws *ws = handle(ctx, spec);
    if (!ws)
        return wg_ctx_status(ctx);
    wg_status st = wg__pg_open(ws, spec);
    int version = 0;
    if (st == WG_OK)
        st = wg__pg_schema_version(ws, &version);
    if (st == WG_OK && version > WG_SCHEMA_VERSION)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: workspace schema version %d is newer than this wangge knows (%d); use a "
                     "newer wangge",
                     ws->path, version, WG_SCHEMA_VERSION);
    else if (st == WG_OK && version < WG_SCHEMA_VERSION)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: workspace schema version %d is older than this wangge's (%d): copy it "
                     "to a file with 'wangge copy', open that once (it is migrated), and copy it "
                     "back",
                     ws->path, version, WG_SCHEMA_VERSION);
    ws->version = version;
    return opened(ws, st, out);
}

wg_status wg_ws_open(wg_ctx *ctx, const char *path, wg_ws **out)
{
    if (wg_ws_is_database(path))
        return open_database(ctx, path, out);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return wg_fail(ctx, WG_EINPUT, "%s: no such workspace (create one with 'wangge init')",
                       path);
    if (!S_ISREG(sb.st_mode))
        return wg_fail(ctx, WG_EINPUT, "%s: not a wangge workspace (not a regular file)", path);
    if (sb.st_size == 0)
        return wg_fail(ctx, WG_EINPUT, "%s: not a wangge workspace (empty file)", path);
    wg_ws *ws = NULL;
    wg_status st = connect(ctx, path, SQLITE_OPEN_READWRITE, &ws);
    int version = 0;
    if (st == WG_OK)
        st = check_workspace(ws, &version);
    if (st == WG_OK) {
        tune(ws);
        ws->version = version;
        if (version < WG_SCHEMA_VERSION)
            st = migrate(ws, version);
    }
    return opened(ws, st, out);
}

static int parse_epsg(const char *crs)
{
    if (!crs || strncasecmp(crs, "EPSG:", 5) != 0)
        return -1;
    char *end = NULL;
    long code = strtol(crs + 5, &end, 10);
    if (end == crs + 5 || *end || code <= 0 || code > 999999)
        return -1;
    return (int)code;
}

wg_status wg__add_geom_column(wg_ws *ws, const wg_layer_def *L, int epsg)
{
    char sql[256];
    if (ws->pg) {
        snprintf(sql, sizeof sql, "ALTER TABLE \"%s\" ADD COLUMN geom geometry(%s, %d)", L->name,
                 L->sql_geom, epsg);
        wg_status st = wg__sql(ws, sql);
        snprintf(sql, sizeof sql, "CREATE INDEX \"%s_geom_gist\" ON \"%s\" USING gist (geom)",
                 L->name, L->name);
        return st == WG_OK && L->spatial_index ? wg__sql(ws, sql) : st;
    }
    snprintf(sql, sizeof sql, "SELECT AddGeometryColumn('%s', 'geom', %d, '%s', 'XY')", L->name,
             epsg, L->sql_geom);
    wg_status st = wg__sql(ws, sql);
    /* SpatiaLite's per-row triggers re-check the geometry type and SRID and stamp a
     * last-insert time; import checks both itself, and the triggers halve the insert
     * rate (bench_import). */
    static const char *const trig[] = {"ggi", "ggu", "tmi", "tmu", "tmd"};
    for (size_t k = 0; st == WG_OK && k < sizeof trig / sizeof trig[0]; k++) {
        snprintf(sql, sizeof sql, "DROP TRIGGER IF EXISTS \"%s_%s_geom\"", trig[k], L->name);
        st = wg__sql(ws, sql);
    }
    if (st == WG_OK && L->spatial_index) {
        snprintf(sql, sizeof sql, "SELECT CreateSpatialIndex('%s', 'geom')", L->name);
        st = wg__sql(ws, sql);
    }
    return st;
}

/* Chooses the workspace CRS (EPSG code): stores it and adds the geometry columns and spatial
 * indexes. Runs inside the caller's transaction. */
static wg_status set_crs(wg_ws *ws, int epsg)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT InsertEpsgSrid(%d)", epsg);
    wg_status st = ws->pg ? WG_OK : wg__sql(ws, sql);
    /* Only a projected CRS in metres will do: areas, distances and kernels are in metres. */
    wg_q *q = st != WG_OK ? NULL
              : ws->pg ? wg__stmt(ws, "SELECT CASE WHEN srtext LIKE 'PROJCS%' THEN 1 ELSE 0 END, "
                                      "CASE WHEN proj4text LIKE '%+units=m %' THEN 'metre' WHEN "
                                      "proj4text LIKE '%longlat%' THEN 'degrees' ELSE "
                                      "'another unit' END FROM spatial_ref_sys WHERE srid = ?1")
                       : wg__stmt(ws, "SELECT SridIsProjected(?1), SridGetUnit(?1) "
                                      "FROM spatial_ref_sys WHERE srid = ?1");
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_int(q, 1, epsg);
        if (wgq_step(q) != SQLITE_ROW)
            st = wg_fail(ws->ctx, WG_EINPUT, "unknown CRS EPSG:%d", epsg);
        else {
            const char *unit = wg__text(q, 1);
            if (wgq_column_int(q, 0) != 1 || !unit ||
                (strcasecmp(unit, "metre") != 0 && strcasecmp(unit, "meter") != 0))
                st = wg_fail(ws->ctx, WG_EINPUT,
                             "EPSG:%d is not a projected CRS in metres (unit: %s); a workspace "
                             "needs one, e.g. a UTM zone or a CGCS2000 Gauss-Kruger zone",
                             epsg, unit ? unit : "degrees");
        }
        wgq_reset(q);
    }
    const wg_layer_def *L = wg_layers();
    for (size_t i = 0; st == WG_OK && i < WG_NLAYERS; i++)
        if (L[i].sql_geom)
            st = wg__add_geom_column(ws, &L[i], epsg);
    q = st == WG_OK ? wg__stmt(ws, "INSERT INTO ws_meta (key, value) VALUES ('srid', ?)"
                                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_int(q, 1, epsg);
        st = wg__done(ws, q, "storing the CRS: ");
    }
    if (st == WG_OK) {
        ws->srid = epsg;
        snprintf(ws->crs, sizeof ws->crs, "EPSG:%d", epsg);
    }
    if (st == WG_OK && ws->pg) { /* what a GIS reads first */
        snprintf(sql, sizeof sql, "UPDATE wangge_schema SET crs = '%s'", ws->crs);
        st = wg__sql(ws, sql);
    }
    return st;
}

wg_status wg_ws_set_crs(wg_ws *ws, const char *crs)
{
    int epsg = parse_epsg(crs);
    if (epsg < 0)
        return wg_fail(ws->ctx, WG_EINPUT, "%s: give the CRS as EPSG:N", crs ? crs : "(none)");
    wg_status st = wg__need_tx(ws, "choosing the CRS");
    if (st == WG_OK && ws->srid)
        return ws->srid == epsg
                   ? WG_OK
                   : wg_fail(ws->ctx, WG_EINTERNAL, "the workspace CRS is set already");
    return st == WG_OK ? set_crs(ws, epsg) : st;
}

/* A new workspace in a PostgreSQL schema: made as a file in a temporary folder, with every
 * table and migration the file gets, and copied there whole (one transaction: a failure leaves
 * no schema behind). */
static wg_status create_database(wg_ctx *ctx, const char *spec, const char *crs, wg_ws **out)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/wangge-init-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return wg_fail(ctx, WG_EIO, "making a temporary folder in %s: %s",
                       tmp && *tmp ? tmp : "/tmp", strerror(errno));
    char file[4200];
    snprintf(file, sizeof file, "%s/new.wangge", dir);
    wg_ws *ws = NULL;
    wg_status st = wg_ws_create(ctx, file, crs, &ws);
    wg_ws_close(ws);
    if (st == WG_OK)
        st = wg_ws_copy(ctx, file, spec);
    static const char *const side[] = {"", "-wal", "-shm", "-writer"};
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        char f[4300];
        snprintf(f, sizeof f, "%s%s", file, side[i]);
        remove(f);
    }
    rmdir(dir);
    return st == WG_OK ? open_database(ctx, spec, out) : st;
}

wg_status wg_ws_create(wg_ctx *ctx, const char *path, const char *crs, wg_ws **out)
{
    if (wg_ws_is_database(path))
        return create_database(ctx, path, crs, out);
    struct stat sb;
    if (stat(path, &sb) == 0)
        return wg_fail(ctx, WG_EINPUT, "%s: already exists (a workspace is created only once)",
                       path);
    int epsg = 0;
    if (crs && (epsg = parse_epsg(crs)) < 0)
        return wg_fail(ctx, WG_EINPUT, "--crs %s: give the CRS as EPSG:N", crs);
    wg_ws *ws = NULL;
    wg_status st = connect(ctx, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &ws);
    if (st == WG_OK) {
        tune(ws);
        st = wg_store_begin(ws, "creating the workspace");
    }
    for (int v = 0; st == WG_OK && v < WG_SCHEMA_VERSION; v++)
        st = migrate_step(ws, v);
    if (st == WG_OK && epsg)
        st = set_crs(ws, epsg);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d", WG_APP_ID,
             WG_SCHEMA_VERSION);
    if (st == WG_OK)
        st = wg__sql(ws, sql);
    if (st == WG_OK)
        st = wg_store_commit(ws);
    if (st != WG_OK) {
        if (ws)
            wg_store_rollback(ws);
        wg_ws_close(ws);
        remove(path); /* a half-made workspace is no workspace */
        char side[4200];
        snprintf(side, sizeof side, "%s-wal", path);
        remove(side);
        snprintf(side, sizeof side, "%s-shm", path);
        remove(side);
        return st;
    }
    ws->version = WG_SCHEMA_VERSION;
    *out = ws;
    return WG_OK;
}

void wg_ws_close(wg_ws *ws)
{
    if (!ws)
        return;
    if (ws->in_tx)
        wg_store_rollback(ws);
    wg__pack_drop(ws);
    for (size_t i = 0; i < ws->nstmts; i++) {
        stmt_free(ws->stmts[i].q);
        free(ws->stmts[i].sql);
    }
    wg__pg_close(ws);
    if (ws->db)
        sqlite3_close_v2(ws->db);
    if (ws->splite)
        spatialite_cleanup_ex(ws->splite);
    free(ws->writer_path);
    free(ws->orphans);
    free(ws->path);
    free(ws->spec);
    free(ws->ic_pos);
    free(ws);
}

const char *wg_ws_crs(const wg_ws *ws)
{
    return ws->srid > 0 ? ws->crs : NULL;
}

const char *wg_ws_path(const wg_ws *ws)
{
    return ws->path;
}

const char *wg_ws_spec(const wg_ws *ws)
{
    return ws->spec ? ws->spec : ws->path;
}

const char *wg_ws_label(const wg_ws *ws)
{
    return ws->label;
}

wg_ctx *wg_ws_ctx(const wg_ws *ws)
{
    return ws->ctx;
}

int wg_ws_schema_version(const wg_ws *ws)
{
    return ws->version;
}

void wg_ws_set_command(wg_ws *ws, const char *command)
{
    snprintf(ws->command, sizeof ws->command, "%s", command ? command : "");
}

/* ---- The write transaction ----------------------------------------------------------------- */

/* Writes the marker naming this process as the writer (best effort: it only improves the
 * message another writer gets). */
static void mark_writer(wg_ws *ws, const char *what)
{
    if (!ws->writer_path)
        return;
    int fd = open(ws->writer_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char buf[800];
    int n = snprintf(buf, sizeof buf, "%ld\n%lld\n%s\n", (long)getpid(), (long long)wg__now_utc(),
                     ws->command[0] ? ws->command : what);
    if (n > 0 && write(fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1) < 0)
        n = 0;
    close(fd);
}

/* The message for a writer that waited in vain: who holds the workspace, from its marker. */
static wg_status busy(wg_ws *ws, const char *what)
{
    char buf[800] = "";
    FILE *fp = fopen(ws->writer_path, "r");
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp)
        fclose(fp);
    buf[n] = '\0';
    char *end = NULL;
    long pid = strtol(buf, &end, 10);
    char *l2 = end && *end == '\n' ? end + 1 : NULL;
    char *l3 = l2 ? strchr(l2, '\n') : NULL;
    long long since = l2 ? strtoll(l2, NULL, 10) : 0;
    if (l3)
        l3++;
    if (l3 && strchr(l3, '\n'))
        *strchr(l3, '\n') = '\0';
    double s = ws->wait_ms / 1000.0;
    if (pid > 0 && l3 && *l3 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
        char when[32] = "?";
        time_t t = (time_t)since;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%H:%M:%S UTC", &tm);
        return wg_fail(ws->ctx, WG_EINPUT,
                       "%s: cannot start %s: the workspace is being written by process %ld (%s, "
                       "since %s); waited %.0f s (set WANGGE_WAIT=SECONDS to wait longer)",
                       ws->path, what, pid, l3, when, s);
    }
    return wg_fail(ws->ctx, WG_EINPUT,
                   "%s: cannot start %s: another program is writing to the workspace; waited "
                   "%.0f s (set WANGGE_WAIT=SECONDS to wait longer)",
                   ws->path, what, s);
}

int64_t wg__counter_of(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "SELECT value FROM ws_meta WHERE key = 'counter'", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* SQLite's write lock on the file, waiting up to ws->wait_ms for another writer. */
static wg_status lock_file(wg_ws *ws, const char *what)
{
    /* SQLite's busy handler waits for the other writer's lock, but in WAL mode a writer that
     * commits as we wait can still make BEGIN return SQLITE_BUSY early (the log being reset or
     * checkpointed): so try again until the wait is over. */
    double deadline = wg_now() + ws->wait_ms / 1000.0;
    int rc;
    for (;;) {
        double left = deadline - wg_now();
        sqlite3_busy_timeout(ws->db, left > 0 ? (int)(left * 1000) : 0);
        rc = sqlite3_exec(ws->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || wg_now() >= deadline)
            break;
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    sqlite3_busy_timeout(ws->db, ws->wait_ms);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return busy(ws, what);
    return rc == SQLITE_OK ? WG_OK : wg__sql_fail(ws, "starting a transaction: ");
}

wg_status wg_store_begin(wg_ws *ws, const char *what)
{
    if (ws->in_tx || ws->read_depth)
        return wg_fail(ws->ctx, WG_EINTERNAL, "%s: a transaction is open already", what);
    reset_all(ws);
    wg_status st = ws->pg ? wg__pg_begin(ws, what) : lock_file(ws, what);
    if (st != WG_OK)
        return st;
    ws->in_tx = true;
    ws->tx_bumped = false;
    ws->nbumped = 0;
    mark_writer(ws, what);
    /* the counter's next number: every change of this transaction gets it */
    /* (a file being created or migrated has no counter yet: it counts from 1) */
    int64_t counter = 0;
    if (ws->pg)
        st = wg_store_counter(ws, &counter);
    else
        counter = wg__counter_of(ws->db);
    if (st != WG_OK) {
        wg_store_rollback(ws);
        return st;
    }
    ws->tx_ver = (counter > 0 ? counter : 0) + 1;
    return WG_OK;
}

int64_t wg_store_tx_version(const wg_ws *ws)
{
    return ws->in_tx ? ws->tx_ver : 0;
}

static void end_tx(wg_ws *ws)
{
    reset_all(ws);
    ws->ic_all = false;
    ws->ic_npos = 0;
    ws->in_tx = false;
    ws->tx_bumped = false;
    ws->nbumped = 0;
    if (ws->writer_path)
        unlink(ws->writer_path);
}

wg_status wg_store_commit(wg_ws *ws)
{
    wg_status st = wg__need_tx(ws, "commit");
    if (st != WG_OK)
        return st;
    ws->finishing = true; /* the work is done: a signal now does not undo it halfway */
    st = wg__pack_flush(ws);
    if (st == WG_OK)
        st = wg__incident_cells_sync(ws);
    if (st == WG_OK && ws->tx_bumped) {
        wg_q *q = wg__stmt(ws, "UPDATE ws_meta SET value = ? WHERE key = 'counter'");
        if (!q)
            st = wg_ctx_status(ws->ctx);
        else {
            wgq_bind_int64(q, 1, ws->tx_ver);
            st = wg__done(ws, q, "storing the version: ");
        }
    }
    reset_all(ws);
    if (st == WG_OK && ws->pg)
        st = wg__pg_commit(ws);
    else if (st == WG_OK && sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "committing: ");
    ws->finishing = false;
    if (st != WG_OK) {
        wg_store_rollback(ws);
        return st;
    }
    end_tx(ws);
    return WG_OK;
}

void wg_store_rollback(wg_ws *ws)
{
    wg__pack_drop(ws);
    if (!ws->in_tx)
        return;
    ws->finishing = true;
    reset_all(ws);
    if (ws->pg)
        wg__pg_rollback(ws);
    else if (!sqlite3_get_autocommit(ws->db))
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    /* a CRS this transaction chose went with it */
    ws->srid = 0;
    ws->crs[0] = '\0';
    read_meta(ws);
    end_tx(ws);
    ws->finishing = false;
}

wg_status wg_store_read_begin(wg_ws *ws)
{
    if (ws->in_tx || ws->read_depth++ > 0)
        return WG_OK;
    reset_all(ws);
    if (ws->pg) {
        wg_status st = wg__pg_read_begin(ws);
        if (st != WG_OK)
            ws->read_depth = 0;
        return st;
    }
    if (sqlite3_exec(ws->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        ws->read_depth = 0;
        return wg__sql_fail(ws, "starting to read: ");
    }
    return WG_OK;
}

void wg_store_read_end(wg_ws *ws)
{
    if (ws->in_tx || ws->read_depth == 0 || --ws->read_depth > 0)
        return;
    reset_all(ws);
    ws->finishing = true;
    if (ws->pg)
        wg__pg_read_end(ws);
    else if (!sqlite3_get_autocommit(ws->db))
        sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL);
    ws->finishing = false;
}

/* ---- Versions ------------------------------------------------------------------------------ */

wg_status wg__bump(wg_ws *ws, const char *name)
{
    wg_status st = wg__need_tx(ws, "changing a version");
    for (size_t i = 0; st == WG_OK && i < ws->nbumped; i++)
        if (strcmp(ws->bumped[i], name) == 0)
            return WG_OK;
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO versions (name, ver, at, command) VALUES "
                                         "(?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET ver = "
                                         "excluded.ver, at = excluded.at, command = "
                                         "excluded.command")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 2, ws->tx_ver);
    wgq_bind_int64(q, 3, wg__now_utc());
    wgq_bind_text(q, 4, ws->command, -1, SQLITE_TRANSIENT);
    st = wg__done(ws, q, "storing a version: ");
    if (st == WG_OK)
        ws->tx_bumped = true;
    if (st == WG_OK && ws->nbumped < sizeof ws->bumped / sizeof ws->bumped[0] &&
        strlen(name) < sizeof ws->bumped[0])
        snprintf(ws->bumped[ws->nbumped++], sizeof ws->bumped[0], "%s", name);
    return st;
}

wg_status wg_store_version(wg_ws *ws, const char *name, wg_version *out)
{
    memset(out, 0, sizeof *out);
    wg_q *q = wg__stmt(ws, "SELECT ver, at, command FROM versions WHERE name = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW) {
        out->ver = wgq_column_int64(q, 0);
        out->at = wgq_column_int64(q, 1);
        snprintf(out->command, sizeof out->command, "%s", wg__text(q, 2) ? wg__text(q, 2) : "");
    }
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading versions: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_counter(wg_ws *ws, int64_t *ver)
{
    *ver = 0;
    wg_q *q = wg__stmt(ws, "SELECT value FROM ws_meta WHERE key = 'counter'");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc = wgq_step(q);
    if (rc == SQLITE_ROW)
        *ver = wgq_column_int64(q, 0);
    wg_status st =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading the counter: ");
    wgq_reset(q);
    return st;
}

/* ---- Describing -------------------------------------------------------------------------- */

static wg_status layer_info(wg_ws *ws, const wg_layer_def *L, wg_layer_info *out)
{
    char sql[256];
    memset(out, 0, sizeof *out);
    out->name = L->name;
    /* the extent from the spatial index: one pass over its boxes, not over the geometries */
    if (L->sql_geom && ws->srid > 0 && ws->pg)
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM %s), ST_XMin(e), ST_YMin(e), ST_XMax(e), "
                 "ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM %s) AS x",
                 L->name, L->name);
    else if (L->sql_geom && L->spatial_index && ws->srid > 0)
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM %s), min(xmin), min(ymin), max(xmax), max(ymax) "
                 "FROM idx_%s_geom",
                 L->name, L->name);
    else if (L->sql_geom && ws->srid > 0)
        snprintf(sql, sizeof sql,
                 "SELECT count(*), min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)), "
                 "max(MbrMaxY(geom)) FROM %s",
                 L->name);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", L->name);
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(q) == SQLITE_ROW) {
        out->count = wgq_column_int64(q, 0);
        if (wgq_column_count(q) > 1 && wgq_column_type(q, 1) != SQLITE_NULL) {
            out->has_extent = true;
            out->minx = wgq_column_double(q, 1);
            out->miny = wgq_column_double(q, 2);
            out->maxx = wgq_column_double(q, 3);
            out->maxy = wgq_column_double(q, 4);
        }
    } else {
        st = wg__sql_fail(ws, "describing a layer: ");
    }
    wgq_reset(q);
    return st;
}

wg_status wg_ws_layer_info(wg_ws *ws, wg_layer_info *out)
{
    const wg_layer_def *L = wg_layers();
    wg_status st = wg_store_read_begin(ws);
    for (size_t i = 0; st == WG_OK && i < WG_NLAYERS; i++)
        st = layer_info(ws, &L[i], &out[i]);
    wg_store_read_end(ws);
    return st;
}

wg_status wg_ws_layer_info_of(wg_ws *ws, const char *name, wg_layer_info *out)
{
    const wg_layer_def *L = wg_layer_find(name);
    if (!L)
        return wg_fail(ws->ctx, WG_EINPUT, "no layer named '%s'", name);
    return layer_info(ws, L, out);
}

wg_status wg_ws_plans(wg_ws *ws, wg_plan_info **plans, size_t *n)
{
    wg_q *q = wg__stmt(ws, "SELECT p.id, p.name, p.created, coalesce(p.parent, 0), "
                           "p.active, count(c.fid), coalesce(sum(c.households), 0) FROM "
                           "plans p LEFT JOIN cells c ON c.plan = p.id GROUP BY p.id "
                           "ORDER BY p.id");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_plan_info *v = NULL;
    size_t len = 0, cap = 0;
    wg_status st = WG_OK;
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW) {
        st = wg_grow(ws->ctx, (void **)&v, &cap, len + 1, sizeof *v);
        if (st != WG_OK)
            break;
        wg_plan_info *p = &v[len++];
        p->id = wgq_column_int64(q, 0);
        snprintf(p->name, sizeof p->name, "%s", wg__text(q, 1));
        p->created = wgq_column_int64(q, 2);
        p->parent = wgq_column_int64(q, 3);
        p->active = wgq_column_int(q, 4) != 0;
        p->cells = wgq_column_int64(q, 5);
        p->households = wgq_column_int64(q, 6);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading plans: ");
    wgq_reset(q);
    if (st != WG_OK) {
        free(v);
        return st;
    }
    *plans = v;
    *n = len;
    return WG_OK;
}
