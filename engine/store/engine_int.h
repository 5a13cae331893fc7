/* engine/store/engine_int.h: what engine's files share and nobody else sees. */
#ifndef WG_ENGINE_INT_H
#define WG_ENGINE_INT_H

#include "wg/ws.h"

#include <sqlite3.h>

struct wg_ws {
    wg_ctx *ctx;
    sqlite3 *db;
    void *splite; /* SpatiaLite connection cache */
    char *path;
    int srid; /* 0 while no CRS is chosen */
    char crs[32];
    int version;
};

/* Runs SQL without results; on failure records "workspace PATH: ..." on ctx. */
wg_status wg__sql(wg_ws *ws, const char *sql);
/* Prepares a statement; on failure records the SQLite message on ctx. */
wg_status wg__prepare(wg_ws *ws, const char *sql, sqlite3_stmt **st);
/* Records SQLite's current error on ctx with a lead ("inserting units: ") and returns ESQL
 * (or EIO for disk-full/IO errors). */
wg_status wg__sql_fail(wg_ws *ws, const char *lead);
/* Rolls back, keeping the first error on ctx. */
void wg__rollback(wg_ws *ws);
/* Chooses the workspace CRS (EPSG code): stores it and adds the geometry columns and spatial
 * indexes. Must run inside the caller's transaction. */
wg_status wg__ws_set_crs(wg_ws *ws, int epsg);
/* Forgets a CRS chosen inside a transaction that was rolled back. */
void wg__ws_forget_crs(wg_ws *ws);

#endif
