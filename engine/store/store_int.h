/* engine/store/store_int.h (private): what the store's files share — the workspace handle, its
 * cached statements, the open write transaction and the incidents it packs. Nothing outside
 * engine/store/ sees this file or SQLite. */
#ifndef WG_STORE_INT_H
#define WG_STORE_INT_H

#include "wg/store.h"

#include <sqlite3.h>

#define STMT_CACHE 96

typedef struct stmt_slot {
    char *sql; /* the text it was prepared from (the key) */
    sqlite3_stmt *st;
} stmt_slot;

typedef struct pack_tx pack_tx; /* pack.c: the incidents written in the open transaction */

struct wg_ws {
    wg_ctx *ctx;
    sqlite3 *db;
    void *splite; /* SpatiaLite connection cache */
    char *path;
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
    bool finishing; /* a commit or rollback under way: not interrupted by a cancellation */
    /* the community values of units that name no community with a geometry (a JSON array), as
     * of these versions of the units and communities (tables.c) */
    char *orphans;
    int64_t orphans_units, orphans_comms;
};

/* A cached statement for `sql`, reset and with its bindings cleared; prepared on first use and
 * finalised when the workspace closes. NULL when it does not prepare (the error is on ctx). */
sqlite3_stmt *wg__stmt(wg_ws *ws, const char *sql);
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
wg_status wg__done(wg_ws *ws, sqlite3_stmt *q, const char *lead);
/* Text of column c, or NULL. */
const char *wg__text(sqlite3_stmt *q, int c);
/* Binds text, or NULL when s is NULL (SQLITE_TRANSIENT). */
void wg__bind_text(sqlite3_stmt *q, int i, const char *s);
/* WG_EINTERNAL unless a write transaction is open: every writer runs inside one. */
wg_status wg__need_tx(wg_ws *ws, const char *what);
/* Marks `name` (a layer, table or "plans") as changed in the open transaction. */
wg_status wg__bump(wg_ws *ws, const char *name);
/* Seconds since 1970 (UTC), for the times the store records. */
int64_t wg__now_utc(void);

/* ---- pack.c: the incidents as chunked column blobs -------------------------------------- */

/* Records incident `fid` as written by the open transaction with these values (columns of the
 * incidents layer, in its order: id, category, source, status, reported, dispatched, closed,
 * due) and location (x, y; NaN when none). Flushed into the chunks at commit. */
wg_status wg__pack_put(wg_ws *ws, int64_t fid, const wg_value *vals, double x, double y);
/* Writes what the transaction packed; called by commit before COMMIT. */
wg_status wg__pack_flush(wg_ws *ws);
/* Forgets what the transaction packed (rollback). */
void wg__pack_drop(wg_ws *ws);
/* Builds the packed copy from the incident rows (migration to schema 5). */
wg_status wg__pack_rebuild(wg_ws *ws);

/* ---- ws.c ----------------------------------------------------------------------------- */
/* Adds layer L's geometry column (and spatial index) in CRS epsg. */
wg_status wg__add_geom_column(wg_ws *ws, const wg_layer_def *L, int epsg);

/* ---- tables.c ------------------------------------------------------------------------- */
/* Stores the built-in categories and weights tables (a new or migrated workspace). */
wg_status wg__tables_seed(wg_ws *ws);

#endif
