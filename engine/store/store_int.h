/* engine/store/store_int.h (private): what the store's files share — the workspace handle, its
 * cached statements, the open write transaction and the incidents it packs. Nothing outside
 * engine/store/ sees this file or SQLite. */
#ifndef WG_STORE_INT_H
#define WG_STORE_INT_H

#include "wg/store.h"

#include <sqlite3.h>
#include <string.h>

#define STMT_CACHE 96

/* A statement of either backend. The store's files bind, step and read it with the wgq_*
 * calls below, which take SQLite's arguments and give SQLite's codes (SQLITE_ROW,
 * SQLITE_DONE, SQLITE_NULL...) whichever database answers: on SQLite they are SQLite's own
 * calls; on PostgreSQL (pg.c) the statement is prepared once per connection, run at its
 * first step with its bindings, and its rows are read from the result in binary. */
typedef struct pg_q pg_q;
typedef struct wg_q {
    sqlite3_stmt *st; /* SQLite, or */
    pg_q *pg;         /* PostgreSQL */
} wg_q;

typedef struct stmt_slot {
    char *sql; /* the text it was prepared from (the key) */
    wg_q *q;
} stmt_slot;

typedef struct pack_tx pack_tx; /* pack.c: the incidents written in the open transaction */

typedef struct wg_pg wg_pg; /* pg.c: a PostgreSQL workspace's connection */

struct wg_ws {
    wg_ctx *ctx;
    sqlite3 *db;  /* a workspace file, or */
    wg_pg *pg;    /* a PostgreSQL schema (then db is NULL) */
    void *splite; /* SpatiaLite connection cache */
    char *path;
    char *spec;        /* what opened it (a PostgreSQL name with its password) */
    char label[96];    /* wg_ws_label */
    char *writer_path; /* PATH-writer: who holds the write transaction */
    int srid;          /* 0 while no CRS is chosen */
    char crs[32];
    int version;
    char command[512]; /* what the application is doing, for versions and the writer marker */
    int wait_ms;       /* how long a writer waits for another one */
    /* the write transaction */
    bool in_tx;
    int64_t tx_ver;      /* the version every change of the transaction gets */
    bool tx_bumped;      /* something was changed: the counter moves on at commit */
    char bumped[16][24]; /* names bumped by the open transaction (each is written once) */
    size_t nbumped;
    int read_depth; /* nested wg_ws_read_begin() */
    stmt_slot stmts[STMT_CACHE];
    size_t nstmts;
    pack_tx *pack;
    /* PostgreSQL: the rows of incident_cells the transaction's assignment changed (all of
     * them, or these positions), rewritten at commit (pack.c) */
    bool ic_all;
    size_t *ic_pos, ic_npos, ic_cap;
    bool finishing; /* a commit or rollback under way: not interrupted by a cancellation */
    /* the community values of units that name no community with a geometry (a JSON array), as
     * of these versions of the units and communities (tables.c) */
    char *orphans;
    int64_t orphans_units, orphans_comms;
};

/* A cached statement for `sql`, reset and with its bindings cleared; prepared on first use and
 * finalised when the workspace closes. NULL when it does not prepare (the error is on ctx).
 * The text is SQLite's; on PostgreSQL it is translated (pg.c: ?N -> $N, SpatiaLite's function
 * names -> PostGIS's, rowid -> wg_rowid). */
wg_q *wg__stmt(wg_ws *ws, const char *sql);
/* The same, not cached: for a statement made once (a query built for one read); freed with
 * wg__stmt_free. */
wg_q *wg__stmt_once(wg_ws *ws, const char *sql);
void wg__stmt_free(wg_q *q);
/* Runs SQL without results; on failure records "workspace PATH: ..." on ctx. */
wg_status wg__sql(wg_ws *ws, const char *sql);
/* Records SQLite's current error on ctx with a lead ("storing units: ") and returns WG_ESQL (or
 * WG_EIO for disk-full and I/O errors, WG_EINTR when a cancellation stopped the statement:
 * every statement checks the context's cancellation every 1000 steps of SQLite's machine). */
wg_status wg__sql_fail(wg_ws *ws, const char *lead);
/* The same for connection db of the workspace (its own, or one more opened to read in
 * parallel), failing on ctx (the workspace's, or a reading thread's own). */
wg_status wg__sql_fail_on(wg_ws *ws, sqlite3 *db, wg_ctx *ctx, const char *lead);
/* Steps q to its end; a row or an error fails with the lead. Resets q either way. */
wg_status wg__done(wg_ws *ws, wg_q *q, const char *lead);
/* Text of column c, or NULL. */
const char *wg__text(wg_q *q, int c);
/* Binds text, or NULL when s is NULL (SQLITE_TRANSIENT). */
void wg__bind_text(wg_q *q, int i, const char *s);
/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t wg__changes(wg_ws *ws);
/* WG_EINTERNAL unless a write transaction is open: every writer runs inside one. */
wg_status wg__need_tx(wg_ws *ws, const char *what);
/* Marks `name` (a layer, table or "plans") as changed in the open transaction. */
wg_status wg__bump(wg_ws *ws, const char *name);
/* Seconds since 1970 (UTC), for the times the store records. */
int64_t wg__now_utc(void);

/* ---- pg.c: the PostgreSQL side of a statement ------------------------------------------- */

int wg__pg_step(pg_q *q);
void wg__pg_reset(pg_q *q);
void wg__pg_clear_bindings(pg_q *q);
int wg__pg_bind(pg_q *q, int i, int type, const void *p, int64_t i64, double d, size_t n);
int wg__pg_column_type(pg_q *q, int c);
int wg__pg_column_count(pg_q *q);
int64_t wg__pg_column_int64(pg_q *q, int c);
double wg__pg_column_double(pg_q *q, int c);
const unsigned char *wg__pg_column_text(pg_q *q, int c);
const void *wg__pg_column_blob(pg_q *q, int c);
int wg__pg_column_bytes(pg_q *q, int c);
int wg__pg_bind_parameter_count(pg_q *q);

#define WGQ(call_sqlite, call_pg) ((q)->st ? (call_sqlite) : (call_pg))
static inline int wgq_step(wg_q *q)
{
    return WGQ(sqlite3_step(q->st), wg__pg_step(q->pg));
}
static inline int wgq_reset(wg_q *q)
{
    if (q->st)
        return sqlite3_reset(q->st);
    wg__pg_reset(q->pg);
    return SQLITE_OK;
}
static inline int wgq_clear_bindings(wg_q *q)
{
    if (q->st)
        return sqlite3_clear_bindings(q->st);
    wg__pg_clear_bindings(q->pg);
    return SQLITE_OK;
}
static inline int wgq_bind_int64(wg_q *q, int i, int64_t v)
{
    return WGQ(sqlite3_bind_int64(q->st, i, v),
               wg__pg_bind(q->pg, i, SQLITE_INTEGER, NULL, v, 0, 0));
}
static inline int wgq_bind_int(wg_q *q, int i, int v)
{
    return wgq_bind_int64(q, i, v);
}
static inline int wgq_bind_double(wg_q *q, int i, double v)
{
    return WGQ(sqlite3_bind_double(q->st, i, v),
               wg__pg_bind(q->pg, i, SQLITE_FLOAT, NULL, 0, v, 0));
}
static inline int wgq_bind_null(wg_q *q, int i)
{
    return WGQ(sqlite3_bind_null(q->st, i), wg__pg_bind(q->pg, i, SQLITE_NULL, NULL, 0, 0, 0));
}
static inline int wgq_bind_text(wg_q *q, int i, const char *s, int n, void (*d)(void *))
{
    return WGQ(sqlite3_bind_text(q->st, i, s, n, d),
               wg__pg_bind(q->pg, i, SQLITE_TEXT, s, 0, 0, n < 0 ? strlen(s) : (size_t)n));
}
static inline int wgq_bind_blob64(wg_q *q, int i, const void *p, sqlite3_uint64 n,
                                  void (*d)(void *))
{
    return WGQ(sqlite3_bind_blob64(q->st, i, p, n, d),
               wg__pg_bind(q->pg, i, SQLITE_BLOB, p, 0, 0, (size_t)n));
}
static inline int wgq_bind_parameter_count(wg_q *q)
{
    return WGQ(sqlite3_bind_parameter_count(q->st), wg__pg_bind_parameter_count(q->pg));
}
static inline int wgq_column_type(wg_q *q, int c)
{
    return WGQ(sqlite3_column_type(q->st, c), wg__pg_column_type(q->pg, c));
}
static inline int wgq_column_count(wg_q *q)
{
    return WGQ(sqlite3_column_count(q->st), wg__pg_column_count(q->pg));
}
static inline int64_t wgq_column_int64(wg_q *q, int c)
{
    return WGQ(sqlite3_column_int64(q->st, c), wg__pg_column_int64(q->pg, c));
}
static inline int wgq_column_int(wg_q *q, int c)
{
    return (int)wgq_column_int64(q, c);
}
static inline double wgq_column_double(wg_q *q, int c)
{
    return WGQ(sqlite3_column_double(q->st, c), wg__pg_column_double(q->pg, c));
}
static inline const unsigned char *wgq_column_text(wg_q *q, int c)
{
    return WGQ(sqlite3_column_text(q->st, c), wg__pg_column_text(q->pg, c));
}
static inline const void *wgq_column_blob(wg_q *q, int c)
{
    return WGQ(sqlite3_column_blob(q->st, c), wg__pg_column_blob(q->pg, c));
}
static inline int wgq_column_bytes(wg_q *q, int c)
{
    return WGQ(sqlite3_column_bytes(q->st, c), wg__pg_column_bytes(q->pg, c));
}
#undef WGQ

/* A PostgreSQL workspace's name: libpq's connection string with schema=NAME taken out of it
 * ("wangge" when none), and the name as given with its password shown as *** (messages). */
typedef struct wg_pg_target {
    char *conninfo;
    char schema[64];
    char shown[512];
} wg_pg_target;
struct pg_conn; /* libpq's PGconn */
wg_status wg__pg_target_parse(wg_ctx *ctx, const char *spec, wg_pg_target *t);
wg_status wg__pg_connect(wg_ctx *ctx, const char *spec, const wg_pg_target *t,
                         struct pg_conn **out);
/* libpq's last message on one line. */
const char *wg__pq_err(struct pg_conn *c);
void wg__pg_hide_password(const char *spec, char *out, size_t n);

/* Opens the PostgreSQL workspace `spec` (PG:... or postgresql://...) on ws (pg.c). */
wg_status wg__pg_open(wg_ws *ws, const char *spec);
void wg__pg_close(wg_ws *ws);
/* Prepares sql (SQLite's text, translated) on ws's connection. */
pg_q *wg__pg_prepare(wg_ws *ws, const char *sql);
void wg__pg_finalize(pg_q *q);
/* Runs statements without parameters or results; a failure names the lead. */
wg_status wg__pg_exec(wg_ws *ws, const char *sql, const char *lead);
/* Records the connection's last error with a lead, as wg__sql_fail does for SQLite. */
wg_status wg__pg_fail(wg_ws *ws, const char *lead);
int64_t wg__pg_changes(wg_ws *ws);
/* The write transaction: BEGIN and the workspace's writer lock (waiting ws->wait_ms, then
 * naming the other writer), COMMIT, ROLLBACK; a read snapshot. */
wg_status wg__pg_begin(wg_ws *ws, const char *what);
wg_status wg__pg_commit(wg_ws *ws);
void wg__pg_rollback(wg_ws *ws);
wg_status wg__pg_read_begin(wg_ws *ws);
void wg__pg_read_end(wg_ws *ws);
/* The schema version the workspace's wangge_schema records (0: none there). */
wg_status wg__pg_schema_version(wg_ws *ws, int *version);

/* ---- pack.c: the incidents as chunked column blobs -------------------------------------- */

/* Records incident `fid` as written by the open transaction with these values (columns of the
 * incidents layer, in its order: id, category, source, status, reported, dispatched, closed,
 * due) and location (x, y; NaN when none). Flushed into the chunks at commit. */
wg_status wg__pack_put(wg_ws *ws, int64_t fid, const wg_value *vals, double x, double y);
/* Writes what the transaction packed; called by commit before COMMIT. */
wg_status wg__pack_flush(wg_ws *ws);
/* Forgets what the transaction packed (rollback). */
void wg__pack_drop(wg_ws *ws);
/* PostgreSQL: rewrites the rows of incident_cells (each incident's id, cell code and fid, for
 * a GIS to join) that the transaction's assignment changed; called by commit. */
wg_status wg__incident_cells_sync(wg_ws *ws);
/* Builds the packed copy from the incident rows (migration to schema 5). */
wg_status wg__pack_rebuild(wg_ws *ws);

/* ---- ws.c ----------------------------------------------------------------------------- */
/* The counter a file's connection db sees, read without the statement cache (a file being
 * created has no ws_meta yet); -1 when there is none. */
int64_t wg__counter_of(sqlite3 *db);
/* Adds layer L's geometry column (and spatial index) in CRS epsg. */
wg_status wg__add_geom_column(wg_ws *ws, const wg_layer_def *L, int epsg);

/* ---- tables.c ------------------------------------------------------------------------- */
/* Stores the built-in categories and weights tables (a new or migrated workspace). */
wg_status wg__tables_seed(wg_ws *ws);

#endif
