/* wg/serve.h: `wangge serve` - the command center's HTTP service over one workspace.
 *
 * JSON on loopback (unless told otherwise), from a pool of worker threads, each with its own
 * handle on the workspace (so the CLI and other readers keep working on it meanwhile, and every
 * request sees the latest committed data). Coordinates to and from the browser are WGS 84
 * lon/lat (x = lon); times are ISO 8601 UTC, null when absent. Plans are named by name or id.
 *   GET /api/health                  wangge-health/1: the workspace, schema, CRS, incident count
 *                                    and version, extent [minlon,minlat,maxlon,maxlat] of the
 *                                    communities, units and cells, maps (the tile maps), plan
 *                                    {id,name} (the active one, or null), events {streams,
 *                                    max_streams, last_id} (the live feed's)
 *   GET /api/summary?from=&to=&tz=&category=a,b
 *                                    the closed-loop KPIs of the period (wangge-summary/1),
 *                                    with the same figures for the period before it
 *   GET /api/cells?from=&to=&tz=&category=
 *                                    the report's rows by cell (wangge-cells/1)
 *   GET /api/cells/{code}?from=&to=&tz=&category=
 *                                    wangge-cell/1, a cell of the active plan: plan, code,
 *                                    community {id,name}, households, weight_name, units,
 *                                    area_m2, compactness, extent (lon/lat), workers [{id,name}]
 *                                    (the postings), cameras [{id,kind,seen_m2}], report (its
 *                                    row of wangge report over the period, or null with
 *                                    report_error), recent (its 20 latest cases, as below)
 *   GET /api/incidents?bbox=minlon,minlat,maxlon,maxlat&from=&to=&tz=&category=a,b&limit=&cursor=
 *                                    wangge-incidents/1: filter {bbox,from,to,category,total},
 *                                    as_of, plan, limit (1..1000, default 100), count, next (the
 *                                    cursor of the next page, null on the last), incidents
 *                                    [{id, category, source, status, reported, dispatched,
 *                                    closed, due (its own, else reported + the category's
 *                                    deadline), overdue (open and past due as of the period's
 *                                    end, as the report counts it), cell (active plan) or null
 *                                    with unassigned (outside, gap, no_location, pending,
 *                                    not_assigned), lon, lat}], newest first by reported time,
 *                                    then by row; seconds (the server's time). A cursor names
 *                                    the last case shown, so cases posted meanwhile never
 *                                    shift a page
 *   GET /api/plans                   wangge-plans/1: weight_name, plans [{id, name, active,
 *                                    cells, households, created, parent, params (as stored)}]
 *   GET /api/plans/{plan}/cells.geojson?simplify=M
 *                                    a GeoJSON FeatureCollection (schema wangge-plan-cells/1,
 *                                    plan, range) of the cells, id the code, properties code,
 *                                    community, households, nunits, area_m2, in_range (null
 *                                    without a recorded range), issues [kind]; simplify: a
 *                                    topology-preserving tolerance in metres (0..1000)
 *   GET /api/plans/{plan}/units.geojson?bbox=
 *                                    the same of the units whose box meets bbox (required past
 *                                    20,000 units, and at most 20,000 in one answer):
 *                                    properties id, cell (in this plan), households, community,
 *                                    kind (schema wangge-plan-units/1)
 *   GET /api/plans/{plan}/diff?against=B
 *                                    wangge-diff/1 from B (default: the active plan) to plan:
 *                                    plan, against, moved_households, moved_units,
 *                                    units_only_before/after, cells {added, removed, changed,
 *                                    same}, moved [{unit, from, to, households}],
 *                                    changed_cells [{code, change, households_before/after,
 *                                    units_before/after}], map [{from, to, households}]
 *   GET /api/events                  the live feed: server-sent events (text/event-stream),
 *                                    read-only, one multiplexed stream per page (below)
 *   POST /api/incidents?tz=&gcj02=1|bd09=1&src_crs=   (Authorization: Bearer TOKEN)
 *                                    cases as CSV or GeoJSON, imported as `wangge import` does
 *                                    (validated, all or nothing, idempotent by id), committed
 *                                    before the answer and located at once (wangge-ingest/1)
 *   PATCH /api/incidents/{id}?tz=    (the token) {"dispatched", "closed": ISO time or null,
 *                                    "status": text or null}, any of them: one case's handling,
 *                                    times read as import reads them, committed before the
 *                                    answer, wangge-patch/1 {changed, version, case} with the
 *                                    case as it now is (its fields as in the `case` event); the
 *                                    same patch twice leaves the same state (changed: false,
 *                                    nothing written); 404 for an unknown id
 *   POST /api/plans/{plan}/moves {"units": [...], "to": "CELL"}   (the token)
 *                                    the planner's move (wangge plan move), answered with the
 *                                    touched cells' totals, range and contiguity (wangge-move/1)
 *   POST /api/plans/{plan}/copy {"name": "..."}   (the token)
 *                                    saves the plan under a new name (cells, units, issues,
 *                                    parameters; parent: the source; not active): 201 with
 *                                    wangge-plan/1 {id, name, parent, active, version}
 *   GET /tiles/{map}/{z}/{x}/{y}.png and {y}@2x.png  (?from=&to=&tz=&category=)
 *                                    XYZ tiles in Web Mercator of heatmap, incidents, plan,
 *                                    workload, rate, coverage, cameras and base (the basemap),
 *                                    drawn as the printed maps are; transparent overlays but
 *                                    base; ETag + Cache-Control: no-cache (304 while the same)
 *   GET /tiles/cells/{z}/{x}/{y}.mvt, /tiles/incidents/{z}/{x}/{y}.mvt
 *                                    Mapbox Vector Tiles of the active plan's cells (code,
 *                                    community, households, units, in_range) and of the cases
 *                                    (category), for clients that style them themselves
 *   GET /api/legend/{map}?from=&to=&tz=&category=
 *                                    the legend of the map's tiles (wangge-legend/1): heading,
 *                                    entries (colour, opacity, text) from the tiles' own theme
 *   GET /api/tiles                   the maps and the tile cache's counts (wangge-tiles/1)
 * Tiles are kept encoded in a bounded cache (--tile-cache MiB) and drawn again only when the
 * data behind them changed: a new case redraws the tiles it falls in (its kernel's reach for the
 * heatmap), a move the tiles of the cells it touched; whatever changes the classes, everything.
 *   GET /  and  GET /assets/{file}   the command-center page (web/), embedded at build time
 * Errors are JSON {"error": {"status", "message"}}, the message naming the bad parameter: 400
 * for a bad parameter, case or field, 401 without the token, 403 on a read-only server, 404
 * for an unknown path, plan, cell or case, 405 for another method, 409 for a plan name taken
 * (naming that plan and its id), 413 for a GET with a body or a batch over 16 MiB, 415 for
 * another body type, 503 when the workspace cannot be read or past the cap of event streams.
 *
 * The live feed, schema wangge-event/1. Each event has an integer id (increasing; a restarted
 * server starts above the ids of the one before), a type and one line of JSON data:
 *   case   a case new or changed: {"action": "new"|"changed", "id", "category", "source",
 *          "reported", "dispatched", "closed", "due", "status", "cell", "unassigned", "lon",
 *          "lat", "overdue"} (the fields of a GET /api/incidents row, and the action); times
 *          ISO 8601 UTC or null; due is the stored one or reported + the category's deadline
 *          (as the KPIs count it); overdue: not closed and past due; cell: the code of its cell
 *          under the assignment, or null with unassigned (outside, gap, no_location, pending);
 *          lon/lat WGS 84 (null without a location). Sent for
 *          each case a POST (at most 500 cases; a bigger batch sends kpi and tiles only) or a
 *          PATCH wrote, after the commit. Cases imported by another process send none.
 *   kpi    the KPIs may have changed: {"incidents": count, "version": n} (the incidents'
 *          version, as /api/health gives it); refetch /api/summary.
 *   plan   a plan changed: {"plan": id, "action": "move"|"changed"|"activated", "cells":
 *          [codes touched; empty when activated], "version": the plan's version}.
 *   tiles  maps changed: {"maps": [names], "version": n}, the names among heatmap, incidents,
 *          plan, workload, rate, coverage, cameras. Incidents -> heatmap, incidents, workload,
 *          rate; a plan change -> plan, workload, rate, coverage, incidents; a new assignment
 *          -> incidents, workload, rate, coverage; cameras -> cameras, coverage.
 *   reset  events were missed (the client's Last-Event-ID is older than the ring of the last
 *          4096, or unknown): reload everything; its id is where the stream goes on from.
 * A POST sends its cases, then kpi, then tiles; a PATCH its case, kpi, tiles; a move plan,
 * tiles, kpi. What other processes (the CLI) write is found by polling the store's versions
 * (every 0.5 s, WANGGE_WATCH_POLL) and sent as plan, tiles and kpi. A client reconnecting with
 * Last-Event-ID (header, or ?last_event_id=) gets every event after it, none twice. A comment
 * ": ping" comes after 15 s without an event (WANGGE_SSE_PING seconds), so that dead clients
 * are found and freed. At most max_streams streams (then 503); on stop every stream ends. */
#ifndef WG_SERVE_H
#define WG_SERVE_H

#include "wg/core.h"

typedef struct wg_serve_opts {
    const char *ws_path;
    const char *listen;     /* "HOST:PORT" (an IPv4 address); NULL: 127.0.0.1:8080; port 0: any */
    int threads;            /* worker threads, 1..64; 0: 2 */
    const char *token_file; /* the write token (first line, file mode 600); NULL: read-only */
    size_t tile_cache_mb;   /* encoded tiles kept in memory; 0: 256 MiB */
    int max_streams;        /* live event streams at once, 1..100000; 0: 1024 */
    /* Called once the socket listens, with its URL ("http://127.0.0.1:8080"). */
    void (*on_ready)(void *user, const char *url);
    void *user;
} wg_serve_opts;

/* Serves until wg_ctx_cancel(ctx) (the CLI's SIGINT/SIGTERM): ends the event streams, stops
 * taking connections, lets the requests under way finish, and returns WG_OK. Raises the soft
 * limit of open files to fit the streams (a warning on ctx when the hard limit is lower: the
 * streams are capped to fit). Errors (before serving): WG_EINPUT for a
 * bad --listen, thread count or max_streams, or a workspace that cannot be opened (naming it);
 * WG_EIO when the address cannot be bound (naming it and why). */
wg_status wg_serve(wg_ctx *ctx, const wg_serve_opts *o);

#endif
