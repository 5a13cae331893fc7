/* engine/store/ws.c: the workspace store — open, create, migrate, describe. SQLite and SpatiaLite
 * live here and in the other engine files only; nothing above engine sees them. */
#include <errno.h>
#include <sqlite3.h>
/* spatialite.h needs sqlite3.h before it */
#include "engine_int.h"

#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include WG_SCHEMA_SQL
#include WG_SCHEMA_V2_SQL
#include WG_SCHEMA_V3_SQL
#include WG_SCHEMA_V4_SQL

/* "WGGE": marks a SQLite file as a wangge workspace (PRAGMA application_id). */
#define WG_APP_ID 0x57474745

/* Migrations: entry v turns schema v into v+1. Version 0 is an empty file. */
static const char *const migrations[] = {
    wg__schema_sql,    /* 0 -> 1 */
    wg__schema_v2_sql, /* 1 -> 2: plans' unit membership, issues, community codes */
    wg__schema_v3_sql, /* 2 -> 3: assignment, camera views and coverage, blind spots */
    wg__schema_v4_sql, /* 3 -> 4: household visits */
};

wg_status wg__sql_fail(wg_ws *ws, const char *lead)
{
    int code = sqlite3_errcode(ws->db) & 0xff;
    wg_status st = (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN ||
                    code == SQLITE_READONLY)
                       ? WG_EIO
                       : WG_ESQL;
    return wg_fail(ws->ctx, st, "workspace %s: %s%s", ws->path, lead, sqlite3_errmsg(ws->db));
}

wg_status wg__sql(wg_ws *ws, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(ws->db, sql, NULL, NULL, &err) == SQLITE_OK)
        return WG_OK;
    wg_status st =
        wg_fail(ws->ctx, WG_ESQL, "workspace %s: %s", ws->path, err ? err : sqlite3_errmsg(ws->db));
    sqlite3_free(err);
    return st;
}

wg_status wg__prepare(wg_ws *ws, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(ws->db, sql, -1, st, NULL) == SQLITE_OK)
        return WG_OK;
    return wg__sql_fail(ws, "");
}

void wg__rollback(wg_ws *ws)
{
    if (!sqlite3_get_autocommit(ws->db))
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
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
    sqlite3_stmt *st = NULL;
    wg_status s = wg__prepare(ws, "SELECT value FROM ws_meta WHERE key = 'srid'", &st);
    if (s != WG_OK)
        return s;
    if (sqlite3_step(st) == SQLITE_ROW)
        ws->srid = (int)strtol((const char *)sqlite3_column_text(st, 0), NULL, 10);
    sqlite3_finalize(st);
    if (ws->srid > 0)
        snprintf(ws->crs, sizeof ws->crs, "EPSG:%d", ws->srid);
    return WG_OK;
}

static wg_status connect(wg_ctx *ctx, const char *path, int flags, wg_ws **out)
{
    wg_ws *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->path = strdup(path))) {
        free(ws);
        return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
    }
    ws->ctx = ctx;
    /* a workspace handle is used by one thread at a time: no locks on every call */
    if (sqlite3_open_v2(path, &ws->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        wg_status st = wg_fail(ctx, WG_EINPUT, "%s: cannot open: %s", path,
                               ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
        wg_ws_close(ws);
        return st;
    }
    sqlite3_extended_result_codes(ws->db, 0);
    sqlite3_busy_timeout(ws->db, 5000);
    ws->splite = spatialite_alloc_connection();
    spatialite_init_ex(ws->db, ws->splite, 0);
    *out = ws;
    return WG_OK;
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

static wg_status add_geom_column(wg_ws *ws, const wg_layer_def *L, int epsg);

/* One migration step, v -> v+1. Version 0 also gets SpatiaLite's metadata tables. */
static wg_status migrate_step(wg_ws *ws, int v)
{
    if (v == 0) {
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
            st = add_geom_column(ws, wg_layer_find(i ? "camera_views" : "blind_spots"), epsg);
    }
    return st;
}

/* Applies the migrations from `from` up to WG_SCHEMA_VERSION in one transaction. */
static wg_status migrate(wg_ws *ws, int from)
{
    wg_status st = wg__sql(ws, "BEGIN IMMEDIATE");
    for (int v = from; st == WG_OK && v < WG_SCHEMA_VERSION; v++) {
        st = migrate_step(ws, v);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (st == WG_OK)
            st = wg__sql(ws, sql);
    }
    if (st == WG_OK)
        st = wg__sql(ws, "COMMIT");
    if (st != WG_OK) {
        wg__rollback(ws);
        wg_ctx_where(ws->ctx, "migrating the schema from version %d: ", from);
        return st;
    }
    ws->version = WG_SCHEMA_VERSION;
    return WG_OK;
}

wg_status wg_ws_open(wg_ctx *ctx, const char *path, wg_ws **out)
{
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
        ws->version = version;
        if (version < WG_SCHEMA_VERSION)
            st = migrate(ws, version);
    }
    if (st == WG_OK)
        st = read_meta(ws);
    if (st != WG_OK) {
        wg_ws_close(ws);
        return st;
    }
    *out = ws;
    return WG_OK;
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

/* Adds layer L's geometry column (and spatial index) in CRS epsg. */
static wg_status add_geom_column(wg_ws *ws, const wg_layer_def *L, int epsg)
{
    char sql[256];
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

wg_status wg__ws_set_crs(wg_ws *ws, int epsg)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT InsertEpsgSrid(%d)", epsg);
    wg_status st = wg__sql(ws, sql);
    /* Only a projected CRS in metres will do: areas, distances and kernels are in metres. */
    sqlite3_stmt *q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws,
                         "SELECT SridIsProjected(?1), SridGetUnit(?1) FROM spatial_ref_sys "
                         "WHERE srid = ?1",
                         &q);
    if (st == WG_OK) {
        sqlite3_bind_int(q, 1, epsg);
        if (sqlite3_step(q) != SQLITE_ROW)
            st = wg_fail(ws->ctx, WG_EINPUT, "unknown CRS EPSG:%d", epsg);
        else {
            const char *unit = (const char *)sqlite3_column_text(q, 1);
            if (sqlite3_column_int(q, 0) != 1 || !unit ||
                (strcasecmp(unit, "metre") != 0 && strcasecmp(unit, "meter") != 0))
                st = wg_fail(ws->ctx, WG_EINPUT,
                             "EPSG:%d is not a projected CRS in metres (unit: %s); a workspace "
                             "needs one, e.g. a UTM zone or a CGCS2000 Gauss-Kruger zone",
                             epsg, unit ? unit : "degrees");
        }
    }
    sqlite3_finalize(q);
    const wg_layer_def *L = wg_layers();
    for (size_t i = 0; st == WG_OK && i < WG_NLAYERS; i++)
        if (L[i].sql_geom)
            st = add_geom_column(ws, &L[i], epsg);
    if (st == WG_OK) {
        snprintf(sql, sizeof sql,
                 "INSERT OR REPLACE INTO ws_meta (key, value) VALUES ('srid', '%d')", epsg);
        st = wg__sql(ws, sql);
    }
    if (st == WG_OK) {
        ws->srid = epsg;
        snprintf(ws->crs, sizeof ws->crs, "EPSG:%d", epsg);
    }
    return st;
}

void wg__ws_forget_crs(wg_ws *ws)
{
    ws->srid = 0;
    ws->crs[0] = '\0';
}

wg_status wg_ws_create(wg_ctx *ctx, const char *path, const char *crs, wg_ws **out)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return wg_fail(ctx, WG_EINPUT, "%s: already exists (a workspace is created only once)",
                       path);
    int epsg = 0;
    if (crs && (epsg = parse_epsg(crs)) < 0)
        return wg_fail(ctx, WG_EINPUT, "--crs %s: give the CRS as EPSG:N", crs);
    wg_ws *ws = NULL;
    wg_status st = connect(ctx, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &ws);
    if (st == WG_OK)
        st = wg__sql(ws, "BEGIN IMMEDIATE");
    for (int v = 0; st == WG_OK && v < WG_SCHEMA_VERSION; v++)
        st = migrate_step(ws, v);
    if (st == WG_OK && epsg)
        st = wg__ws_set_crs(ws, epsg);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d", WG_APP_ID,
             WG_SCHEMA_VERSION);
    if (st == WG_OK)
        st = wg__sql(ws, sql);
    if (st == WG_OK)
        st = wg__sql(ws, "COMMIT");
    if (st != WG_OK) {
        if (ws)
            wg__rollback(ws);
        wg_ws_close(ws);
        remove(path); /* a half-made workspace is no workspace */
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
    if (ws->db)
        sqlite3_close_v2(ws->db);
    if (ws->splite)
        spatialite_cleanup_ex(ws->splite);
    free(ws->path);
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

wg_ctx *wg_ws_ctx(const wg_ws *ws)
{
    return ws->ctx;
}

int wg_ws_schema_version(const wg_ws *ws)
{
    return ws->version;
}

static wg_status layer_info(wg_ws *ws, const wg_layer_def *L, wg_layer_info *out)
{
    char sql[256];
    memset(out, 0, sizeof *out);
    out->name = L->name;
    if (L->sql_geom && ws->srid > 0)
        snprintf(sql, sizeof sql,
                 "SELECT count(*), min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)), "
                 "max(MbrMaxY(geom)) FROM %s",
                 L->name);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", L->name);
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, sql, &q);
    if (st != WG_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW) {
        out->count = sqlite3_column_int64(q, 0);
        if (sqlite3_column_count(q) > 1 && sqlite3_column_type(q, 1) != SQLITE_NULL) {
            out->has_extent = true;
            out->minx = sqlite3_column_double(q, 1);
            out->miny = sqlite3_column_double(q, 2);
            out->maxx = sqlite3_column_double(q, 3);
            out->maxy = sqlite3_column_double(q, 4);
        }
    } else {
        st = wg__sql_fail(ws, "describing a layer: ");
    }
    sqlite3_finalize(q);
    return st;
}

wg_status wg_ws_layer_info(wg_ws *ws, wg_layer_info *out)
{
    const wg_layer_def *L = wg_layers();
    for (size_t i = 0; i < WG_NLAYERS; i++) {
        wg_status st = layer_info(ws, &L[i], &out[i]);
        if (st != WG_OK)
            return st;
    }
    return WG_OK;
}

wg_status wg_ws_plans(wg_ws *ws, wg_plan_info **plans, size_t *n)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT p.id, p.name, p.created, coalesce(p.parent, 0), p.active, "
                               "count(c.fid), coalesce(sum(c.households), 0) FROM plans p "
                               "LEFT JOIN cells c ON c.plan = p.id GROUP BY p.id ORDER BY p.id",
                               &q);
    if (st != WG_OK)
        return st;
    wg_plan_info *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        st = wg_grow(ws->ctx, (void **)&v, &cap, len + 1, sizeof *v);
        if (st != WG_OK)
            break;
        wg_plan_info *p = &v[len++];
        p->id = sqlite3_column_int64(q, 0);
        snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(q, 1));
        p->created = sqlite3_column_int64(q, 2);
        p->parent = sqlite3_column_int64(q, 3);
        p->active = sqlite3_column_int(q, 4) != 0;
        p->cells = sqlite3_column_int64(q, 5);
        p->households = sqlite3_column_int64(q, 6);
    }
    sqlite3_finalize(q);
    if (st != WG_OK) {
        free(v);
        return st;
    }
    *plans = v;
    *n = len;
    return WG_OK;
}
