/* wg/serve.h: `wangge serve` - the command center's HTTP service over one workspace.
 *
 * This first part answers read-only JSON on loopback (unless told otherwise), from a pool of
 * worker threads, each with its own handle on the workspace (so the CLI and other readers keep
 * working on it meanwhile, and every request sees the latest committed data):
 *   GET /api/health                  the workspace, its schema and data versions
 *   GET /api/summary?from=&to=&tz=&category=a,b
 *                                    the closed-loop KPIs of the period (wangge-summary/1),
 *                                    with the same figures for the period before it
 *   GET /api/cells?from=&to=&tz=&category=
 *                                    the report's rows by cell (wangge-cells/1)
 *   POST /api/incidents?tz=&gcj02=1|bd09=1&src_crs=   (Authorization: Bearer TOKEN)
 *                                    cases as CSV or GeoJSON, imported as `wangge import` does
 *                                    (validated, all or nothing, idempotent by id), committed
 *                                    before the answer and located at once (wangge-ingest/1)
 *   POST /api/plans/{plan}/moves {"units": [...], "to": "CELL"}   (the token)
 *                                    the planner's move (wangge plan move), answered with the
 *                                    touched cells' totals, range and contiguity (wangge-move/1)
 *   GET /tiles/{map}/{z}/{x}/{y}.png and {y}@2x.png  (?from=&to=&tz=&category=)
 *                                    XYZ tiles in Web Mercator of heatmap, incidents, plan,
 *                                    workload, rate, coverage, cameras and base (the basemap),
 *                                    drawn as the printed maps are; transparent overlays but
 *                                    base; ETag + Cache-Control: no-cache (304 while the same)
 *   GET /tiles/cells/{z}/{x}/{y}.mvt, /tiles/incidents/{z}/{x}/{y}.mvt
 *                                    Mapbox Vector Tiles of the active plan's cells (code,
 *                                    community, households, units, in_range) and of the cases
 *                                    (category), for clients that style them themselves
 *   GET /api/tiles                   the maps and the tile cache's counts (wangge-tiles/1)
 * Tiles are kept encoded in a bounded cache (--tile-cache MiB) and drawn again only when the
 * data behind them changed: a new case redraws the tiles it falls in (its kernel's reach for the
 * heatmap), a move the tiles of the cells it touched; whatever changes the classes, everything.
 * Errors are JSON {"error": {"status", "message"}}: 400 for a bad parameter or case (named),
 * 401 without the token, 403 on a read-only server, 404 for an unknown path, 405 for another
 * method, 413 for a GET with a body or a batch over 16 MiB, 415 for another body type, 503 when
 * the workspace cannot be read. */
#ifndef WG_SERVE_H
#define WG_SERVE_H

#include "wg/core.h"

typedef struct wg_serve_opts {
    const char *ws_path;
    const char *listen;     /* "HOST:PORT" (an IPv4 address); NULL: 127.0.0.1:8080; port 0: any */
    int threads;            /* worker threads, 1..64; 0: 2 */
    const char *token_file; /* the write token (first line, file mode 600); NULL: read-only */
    size_t tile_cache_mb;   /* encoded tiles kept in memory; 0: 256 MiB */
    /* Called once the socket listens, with its URL ("http://127.0.0.1:8080"). */
    void (*on_ready)(void *user, const char *url);
    void *user;
} wg_serve_opts;

/* Serves until wg_ctx_cancel(ctx) (the CLI's SIGINT/SIGTERM): stops taking connections, lets
 * the requests under way finish, and returns WG_OK. Errors (before serving): WG_EINPUT for a
 * bad --listen or thread count, or a workspace that cannot be opened (naming it); WG_EIO when
 * the address cannot be bound (naming it and why). */
wg_status wg_serve(wg_ctx *ctx, const wg_serve_opts *o);

#endif
