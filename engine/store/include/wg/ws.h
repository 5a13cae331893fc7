/* wg/ws.h: the workspace — one SpatiaLite file, the single source of truth. Every write is one
 * transaction: a failed command leaves the file as it was. Readers and one writer work at once
 * (WAL): a reader sees whole transactions only. Knows nothing of how it is shown. The typed
 * readers and writers of its contents are in wg/store.h. */
#ifndef WG_WS_H
#define WG_WS_H

#include "wg/core.h"
#include "wg/layers.h"

typedef struct wg_ws wg_ws;

/* Creates a new workspace file at `path` (which must not exist) with the current schema.
 * `crs` ("EPSG:N", a projected metric CRS) may be NULL: the first import then chooses the UTM
 * zone of its data. Errors: WG_EINPUT if the file exists or the CRS is unknown or not metric.
 * Caller frees with wg_ws_close(). */
wg_status wg_ws_create(wg_ctx *ctx, const char *path, const char *crs, wg_ws **out);

/* Opens an existing workspace and migrates its schema forward if it is older. Nothing is
 * written to a file that is not a workspace: WG_EINPUT "PATH: not a wangge workspace (...)".
 * The handle keeps ctx for its lifetime and is used by one thread at a time (its SQLite
 * connection takes no locks). Caller frees with wg_ws_close(), which rolls back a write
 * transaction left open. */
wg_status wg_ws_open(wg_ctx *ctx, const char *path, wg_ws **out);
void wg_ws_close(wg_ws *ws);

/* Whether `spec` names a PostgreSQL database ("PG:" + a libpq connection string, or a
 * postgresql:// URL) rather than a workspace file. Either may carry schema=NAME (a lower-case
 * name; "wangge" when none). */
bool wg_ws_is_database(const char *spec);

/* Copies a whole workspace between a file and a PostgreSQL schema with PostGIS, either way:
 * every table with every row, geometries as PostGIS geometries (GiST-indexed) with the
 * workspace's SRID; the way back gives the same rows byte for byte. One transaction on each
 * side: a copy that fails leaves nothing. It never writes over a schema that has tables or a
 * file that exists. */
wg_status wg_ws_copy(wg_ctx *ctx, const char *src, const char *dest);

/* What the application is doing ("wangge import -w ws.wangge incidents new.csv"): recorded
 * with the versions a write bumps, and named to another writer that has to wait. */
void wg_ws_set_command(wg_ws *ws, const char *command);

/* Chooses the workspace CRS ("EPSG:N", projected, in metres) inside a write transaction: the
 * first import does, when `init` set none. A rollback forgets it. */
wg_status wg_ws_set_crs(wg_ws *ws, const char *crs);

/* The workspace CRS as "EPSG:N", or NULL while none is chosen. Borrowed. */
const char *wg_ws_crs(const wg_ws *ws);
/* The file's path, or the database's name with any password shown as ***: for messages. */
const char *wg_ws_path(const wg_ws *ws);
/* What opens this workspace again with wg_ws_open (another thread's handle): the path, or the
 * database's name as given, password and all: never to be shown. */
const char *wg_ws_spec(const wg_ws *ws);
/* A short name for a map's footer: the file's base name, or "SCHEMA (PostgreSQL)". */
const char *wg_ws_label(const wg_ws *ws);
/* The context the workspace was opened with, where its errors are recorded. */
wg_ctx *wg_ws_ctx(const wg_ws *ws);
/* Schema version of the open file (== WG_SCHEMA_VERSION after open). */
int wg_ws_schema_version(const wg_ws *ws);
#define WG_SCHEMA_VERSION 8

typedef struct wg_layer_info {
    const char *name; /* static */
    int64_t count;
    bool has_extent; /* false for empty layers and tables without geometry */
    double minx, miny, maxx, maxy;
} wg_layer_info;

/* One entry per layer of wg_layers(), in that order; `out` must hold WG_NLAYERS entries. */
wg_status wg_ws_layer_info(wg_ws *ws, wg_layer_info *out);
/* The same for one layer, by name (a single cheap query: what a frequent caller such as the
 * service's health uses instead of counting every layer). Errors: WG_EINPUT for an unknown
 * name. */
wg_status wg_ws_layer_info_of(wg_ws *ws, const char *name, wg_layer_info *out);

typedef struct wg_plan_info {
    int64_t id;
    char name[128];
    int64_t created; /* UTC seconds */
    int64_t parent;  /* 0 when none */
    bool active;
    int64_t cells;
    int64_t households;
} wg_plan_info;

/* The plans, oldest first, in an array the caller frees with free(). */
wg_status wg_ws_plans(wg_ws *ws, wg_plan_info **plans, size_t *n);

/* The administrative codes (the codes layer): the count of codes by level, in the order each level
 * first appears in the table: at most `cap` entries into levels (names cut to 31 bytes) and counts;
 * *nlev gets how many. */
wg_status wg_ws_code_levels(wg_ws *ws, char (*levels)[32], int64_t *counts, size_t cap,
                            size_t *nlev);

#endif
