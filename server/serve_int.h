/* server/serve_int.h: what the parts of the service share - the server, a worker thread's
 * workspace handle, the request being read, the routes, and the helpers that answer. */
#ifndef WG_SERVE_INT_H
#define WG_SERVE_INT_H

#include "wg/core.h"
#include "wg/crs.h"
#include "wg/ws.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_BODY ((size_t)16 << 20) /* a batch of cases: 16 MiB */
#define MAX_CATS 64

typedef struct tiles tiles;
typedef struct events events; /* events.c */
typedef struct feed feed;     /* feed.c */

/* The workspace's counter as this server knows it, and the answers kept while it stands
 * (current.c). */
#define KEPT_ANSWERS 8
typedef struct kept_answer {
    char key[700];             /* endpoint|from|to|categories; "" when the place is free */
    int64_t counter;           /* the counter it was made at */
    struct MHD_Response *resp; /* its 200 answer; NULL until made */
    bool building;             /* a thread is making it */
    uint64_t used;             /* LRU tick */
} kept_answer;
typedef struct current {
    _Atomic int64_t counter;   /* as last read (read without a lock: every request asks), */
    _Atomic double counter_at; /* when (wg_now); 0: read it again */
    pthread_mutex_t mu;        /* the kept answers: */
    pthread_cond_t made;
    kept_answer kept[KEPT_ANSWERS];
    uint64_t tick, hits, nmade;
} current;

typedef struct server {
    wg_ctx *ctx; /* the caller's: its cancellation stops the service */
    current cur;
    tiles *tiles;
    const char *ws_path;
    pthread_key_t key; /* per worker thread: its worker */
    char token[256];   /* the write token; "" when read-only */
    size_t token_len;
    events *ev; /* the live feed's ring and streams */
    feed *fd;   /* what the feed says, and the watcher of other processes' writes */
} server;

/* A worker thread's own context and workspace handle, opened at its first request, and its
 * transformation from the workspace CRS to WGS 84 lon/lat (made at the first request that
 * needs one: it belongs to the thread's context). */
typedef struct worker {
    wg_ctx *ctx;
    wg_ws *ws;
    server *S;
    wg_xform *lonlat;
    char lonlat_crs[64]; /* the workspace CRS lonlat was made for */
    /* health's extent in lon/lat, kept while the layers it comes from keep their versions */
    bool extent_known, extent_any;
    int64_t extent_ver[3];
    double extent[4];
} worker;

/* The worker's transformation from the workspace CRS to lon/lat (x = lon, y = lat), borrowed.
 * Errors: WG_EINPUT when the workspace has no CRS yet (nothing imported); WG_EPROJ. */
wg_status worker_lonlat(worker *w, wg_xform **out);

/* ---- Routes (route.c): the method and path of a request, checked before anything is read ---- */

typedef enum route_id {
    R_NONE, /* no route: status and why say which error */
    R_HEALTH,
    R_SUMMARY,
    R_CELLS,
    R_INGEST,     /* POST /api/incidents */
    R_MOVE,       /* POST /api/plans/{plan}/moves */
    R_INCIDENTS,  /* GET /api/incidents */
    R_CELL,       /* GET /api/cells/{code} */
    R_PLANS,      /* GET /api/plans */
    R_PLAN_CELLS, /* GET /api/plans/{plan}/cells.geojson */
    R_PLAN_UNITS, /* GET /api/plans/{plan}/units.geojson */
    R_PLAN_DIFF,  /* GET /api/plans/{plan}/diff */
    R_PLAN_COPY,  /* POST /api/plans/{plan}/copy */
    R_TILE,       /* GET /tiles/{map}/{z}/{x}/{y}[@Nx].png or .mvt */
    R_TILES,      /* GET /api/tiles: the maps and the cache's counts */
    R_EVENTS,     /* GET /api/events */
    R_PATCH,      /* PATCH /api/incidents/{id} */
    R_PAGE,       /* GET / (the page's index.html) */
    R_ASSET,      /* GET /assets/{file} */
    R_LEGEND,     /* GET /api/legend/{map} */
} route_id;

typedef struct route {
    route_id id;
    bool write;      /* takes a body and needs the token */
    unsigned status; /* R_NONE: 404 or 405 */
    const char *why; /* R_NONE: the message */
    char plan[128];  /* R_MOVE, R_PLAN_*: the plan as named in the path */
    char cell[64];   /* R_CELL: the cell code in the path */
    char map[16];    /* R_TILE, R_LEGEND: the map; R_TILE: its tile and scale (1 to 4) */
    int z, scale;
    long x, y;
    bool mvt;          /* a vector tile (.mvt) */
    char case_id[256]; /* R_PATCH: the case's id as named in the path */
    char asset[64];    /* R_ASSET: the file name ([A-Za-z0-9._-], not starting with a dot) */
} route;

/* The route of METHOD URL (the path, without the query). Never fails: an unknown path or method
 * gives R_NONE with its status and message. Pure (no I/O), for the fuzzer too. */
void route_match(const char *method, const char *url, route *r);

/* ---- Query parameters (query.c) ------------------------------------------------------------ */

typedef struct period_q {
    int64_t from, to; /* INT64_MIN / INT64_MAX: open */
    const char *cats[MAX_CATS];
    size_t ncats;
    char catbuf[1024];
} period_q;

/* The period and categories from the query's from, to, tz and category (a,b,...) values, each
 * NULL or "" when absent; false with the message in why (naming the parameter) when one is bad. */
bool query_period(wg_ctx *ctx, const char *from, const char *to, const char *tz, const char *cat,
                  period_q *q, char *why, size_t n);

/* The key of what an answer of `what` over q depends on ("what|from|to|a,b,"), into key[n]:
 * false when it does not fit. */
bool period_key(const char *what, const period_q *q, char *key, size_t n);

/* ---- Answers (respond.c) ------------------------------------------------------------------- */

/* The headers every answer has: its Content-Type (when type is given), Cache-Control: no-cache
 * (asked again every time, revalidated where an ETag says so) and nosniff. */
void answer_headers(struct MHD_Response *r, const char *type);
/* A JSON answer of text (taken, freed with free()) with the headers every JSON answer has; NULL
 * when out of memory (text freed). */
struct MHD_Response *json_response(char *text, size_t len);
/* Sends body (taken) with status, and one more header when hname is given. */
enum MHD_Result send_json_h(struct MHD_Connection *c, unsigned status, json_t *body,
                            const char *hname, const char *hvalue);
enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body);
enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg);
/* send_error with a formatted message. */
enum MHD_Result send_errorf(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    WG_PRINTF(3, 4);
/* Sends text (taken, freed with free()) of len bytes as `type`. */
enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text, size_t len,
                          const char *type);
/* The body of a write as JSON (Content-Type application/json, no key twice); NULL when it is
 * not, the refusal (415, or 400 saying where the JSON breaks) then sent and its result in *sent. */
json_t *json_body(struct MHD_Connection *c, const char *data, size_t len, enum MHD_Result *sent);
/* A number, or null for NaN and infinities (a rate without cases). */
json_t *json_num(double v);
/* A UTC time as ISO 8601 text, or null when open. */
json_t *json_time(int64_t t, bool open);
/* The value of a query parameter, or NULL. */
const char *query_arg(struct MHD_Connection *c, const char *name);
/* query_period() of the request's from, to, tz and category parameters. */
bool query_period_of(struct MHD_Connection *c, wg_ctx *ctx, period_q *q, char *why, size_t n);

/* ---- What is current (current.c) ----------------------------------------------------------- */

void current_init(current *C);
void current_fini(current *C);
/* The workspace's counter: as read less than 0.1 s ago, else read now (false: the error on w's
 * context). */
bool current_counter(server *S, worker *w, int64_t *counter);
/* This server wrote: the counter is read again at the next request. */
void current_written(server *S);
/* Answers served as kept, and answers made. */
void current_counts(server *S, uint64_t *hits, uint64_t *made);
/* Makes the JSON answer of a request (NULL: the error on w's context). */
typedef json_t *(*answer_fn)(worker *w, void *user);
/* The answer of key, made by make (with user) unless one made since the counter last moved is
 * kept; one thread makes it while the others asking for it wait. A failure answers 503. */
enum MHD_Result answer_kept(struct MHD_Connection *c, worker *w, const char *key, answer_fn make,
                            void *user);

/* ---- Tiles (tiles.c) ------------------------------------------------------------------------ */

typedef struct tiles_counts {
    size_t tiles, bytes, max_bytes;
    uint64_t hits, misses, revalidated, drawn;
} tiles_counts;
/* The tile cache, holding at most max_bytes of encoded tiles. NULL when out of memory. */
tiles *tiles_new(size_t max_bytes);
void tiles_free(tiles *T);
void tiles_stats(tiles *T, tiles_counts *out);
enum MHD_Result api_tile(struct MHD_Connection *c, worker *w, tiles *T, const route *rt);
enum MHD_Result api_tiles(struct MHD_Connection *c, tiles *T);
/* The names of the maps that have tiles, as a JSON array (every map kind but diff). */
json_t *tile_maps_json(void);
enum MHD_Result api_legend(struct MHD_Connection *c, worker *w, tiles *T, const route *rt);

/* A lon/lat box "minlon,minlat,maxlon,maxlat" into box; false with the message in why (naming
 * bbox) when it is not four numbers in range with min < max. */
bool query_bbox(const char *text, double box[4], char *why, size_t n);

/* ---- Endpoints (api.c) ----------------------------------------------------------------------- */

enum MHD_Result api_health(struct MHD_Connection *c, worker *w);
enum MHD_Result api_summary(struct MHD_Connection *c, worker *w);
enum MHD_Result api_cells(struct MHD_Connection *c, worker *w);
enum MHD_Result api_ingest(struct MHD_Connection *c, worker *w, const char *body, size_t len);
enum MHD_Result api_move(struct MHD_Connection *c, worker *w, const char *body, size_t len,
                         const char *plan);
enum MHD_Result api_patch(struct MHD_Connection *c, worker *w, const char *body, size_t len,
                          const char *id);

/* ---- The live feed's machinery (events.c) ---------------------------------------------------- */

/* A ring of the last `ring` events and at most max_streams streams, each sent a heartbeat
 * after ping_s seconds without anything else. NULL when out of memory. */
events *events_new(size_t ring, size_t max_streams, double ping_s);
/* Stops first when events_stop() was not called. NULL does nothing. */
void events_free(events *E);
/* Adds event `type` with data (taken; sent as one line of JSON) to the ring and wakes the
 * streams. Returns its id, 0 when it could not be made (out of memory). Any thread. */
int64_t events_publish(events *E, const char *type, json_t *data);
/* Answers GET /api/events: a stream from the client's Last-Event-ID header (or the
 * last_event_id parameter) on, or from now; `reset` first when the ring no longer holds what
 * follows that id. 503 past the cap of streams or once stopping. */
enum MHD_Result events_stream(events *E, struct MHD_Connection *c);
/* Ends every stream (none is left suspended) and refuses new ones, then waits up to wait_s
 * seconds for the streams to finish; MHD_stop_daemon may be called after it. */
void events_stop(events *E, double wait_s);
/* The streams open now, their cap, and the id of the last event. */
void events_counts(events *E, size_t *streams, size_t *max_streams, int64_t *last);

/* ---- What the live feed says (feed.c) -------------------------------------------------------- */

/* The feed, and its watcher thread polling the workspace every poll_s seconds (with a handle
 * of its own) for what other processes wrote. NULL when it cannot start (the reason on ctx). */
feed *feed_new(server *S, double poll_s);
/* Stops the watcher. NULL does nothing. */
void feed_free(feed *F);
/* Around a write of the server's own: between them the watcher publishes nothing, so that
 * what the handler publishes is not said twice. */
enum {
    FEED_INCIDENTS = 1, /* the incidents and their assignment */
    FEED_PLAN = 2
}; /* the active plan */
void feed_write_begin(feed *F);
/* `wrote`: what the write changed (FEED_*), read back through w's handle as seen. */
void feed_write_end(feed *F, worker *w, unsigned wrote);
/* After an import of incidents (version ver; n_before incidents before it) that was located:
 * `case` events for its cases (when there are at most FEED_MAX_CASES), then `kpi` and
 * `tiles`. */
#define FEED_MAX_CASES 500
void feed_cases_written(feed *F, worker *w, int64_t ver, size_t n_before);
/* After a patch of one case (version ver): its `case` event ("changed"), `kpi`, `tiles`. The
 * case as it now is goes into *json when json is not NULL (a new reference, or NULL). */
void feed_case_patched(feed *F, worker *w, int64_t ver, int64_t fid, json_t **json);
/* The case in row fid as the feed describes it (wangge-event/1 `case` data without action);
 * NULL when there is no such case or it cannot be read. */
json_t *feed_case_json(worker *w, int64_t fid);
/* After a move in plan `plan` (its version before: ver0): `plan`, `tiles`, `kpi`. */
void feed_plan_moved(feed *F, worker *w, int64_t plan, int64_t ver0);

/* api_cases.c */
enum MHD_Result api_incidents(struct MHD_Connection *c, worker *w);
enum MHD_Result api_cell(struct MHD_Connection *c, worker *w, const char *code);

/* api_plans.c */
enum MHD_Result api_plans(struct MHD_Connection *c, worker *w);
enum MHD_Result api_plan_cells(struct MHD_Connection *c, worker *w, const char *plan);
enum MHD_Result api_plan_units(struct MHD_Connection *c, worker *w, const char *plan);
enum MHD_Result api_plan_diff(struct MHD_Connection *c, worker *w, const char *plan);
enum MHD_Result api_plan_copy(struct MHD_Connection *c, worker *w, const char *body, size_t len,
                              const char *plan);

/* ---- The page (static.c): web/'s files, embedded at build time ---------------------------- */

/* Answers the embedded file NAME ("index.html" for the page) with its MIME type, an ETag (304
 * when If-None-Match has it), gzip when the client takes it, nosniff and the page's
 * Content-Security-Policy; 404 for a name not embedded. */
enum MHD_Result static_file(struct MHD_Connection *c, const char *name);

#endif
