/* server/serve.c: the HTTP service (see wg/serve.h): libmicrohttpd's thread pool, a workspace
 * handle per worker thread, the request's route, token and body, and the daemon's life. The
 * endpoints are in api.c, routing in route.c, the live feed in events.c and feed.c. */
#include "wg/serve.h"

#include "serve_int.h"
#include "wg/proj.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_THREADS 64
#define MAX_CONNECTIONS 256u /* ordinary requests at once, */
#define MAX_PER_IP 64u       /* from one address; event streams come on top of both */
/* A connection's memory: its request's headers and the buffers of its answer (a body is read
 * in pieces, whatever its size). libmicrohttpd zeroes it at every request on a kept-alive
 * connection, so it costs each request as it grows: its default, 32 KiB */
#define CONNECTION_MEMORY ((size_t)32 * 1024)
#define EVENT_RING 4096

static void worker_free(void *p)
{
    worker *w = p;
    wg_xform_free(w->lonlat); /* before its context */
    wg_ws_close(w->ws);
    wg_ctx_free(w->ctx);
    free(w);
}

/* The calling thread's worker; NULL when its workspace cannot be opened (the reason in *why). */
static worker *worker_get(server *S, char *why, size_t n)
{
    worker *w = pthread_getspecific(S->key);
    if (w) {
        wg_ctx_clear(w->ctx);
        return w;
    }
    if (!(w = calloc(1, sizeof *w)) || !(w->ctx = wg_ctx_new_for_thread(S->ctx))) {
        free(w);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    if (wg_ws_open(w->ctx, S->ws_path, &w->ws) != WG_OK) {
        snprintf(why, n, "%s", wg_ctx_errmsg(w->ctx));
        worker_free(w);
        return NULL;
    }
    wg_ws_set_command(w->ws, "serve");
    w->S = S;
    if (pthread_setspecific(S->key, w) != 0) {
        worker_free(w);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    return w;
}

wg_status worker_lonlat(worker *w, wg_xform **out)
{
    const char *crs = wg_ws_crs(w->ws);
    if (!crs)
        return wg_fail(w->ctx, WG_EINPUT, "the workspace has no CRS yet: import a layer first");
    if (!w->lonlat || strcmp(w->lonlat_crs, crs) != 0) {
        wg_xform_free(w->lonlat);
        w->lonlat = NULL;
        wg_status st = wg_xform_new(w->ctx, crs, "EPSG:4326", &w->lonlat);
        if (st != WG_OK)
            return st;
        snprintf(w->lonlat_crs, sizeof w->lonlat_crs, "%s", crs);
    }
    *out = w->lonlat;
    return WG_OK;
}

/* ---- Requests ---------------------------------------------------------------------------- */

typedef struct request {
    route rt;
    bool body;    /* a request without a body sent one */
    bool too_big; /* a body passed MAX_BODY */
    char *data;   /* the body of a write */
    size_t len, cap;
} request;

/* Whether the request carries the write token ("Authorization: Bearer TOKEN"), compared in
 * time that depends on the stored token's length only. */
static bool authorized(const server *S, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return false;
    const char *p = h + 7;
    size_t plen = strlen(p);
    unsigned char diff = plen != S->token_len;
    for (size_t i = 0; i < S->token_len; i++)
        diff |= (unsigned char)(i < plen ? p[i] : 0) ^ (unsigned char)S->token[i];
    return diff == 0;
}

/* Appends a piece of the body; false when out of memory. */
static bool take_body(request *rq, const char *data, size_t n)
{
    if (!rq->rt.write) {
        rq->body = true;
        return true;
    }
    if (rq->too_big || rq->len + n > MAX_BODY) {
        rq->too_big = true;
        return true;
    }
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 65536;
        while (cap < rq->len + n)
            cap *= 2;
        char *d = realloc(rq->data, cap);
        if (!d)
            return false;
        rq->data = d, rq->cap = cap;
    }
    memcpy(rq->data + rq->len, data, n);
    rq->len += n;
    return true;
}

static enum MHD_Result answer(server *S, struct MHD_Connection *c, worker *w, const request *rq);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)version;
    server *S = cls;
    request *rq = *state;
    if (!rq) { /* the headers: the body (if any) comes in the next calls */
        route rt;
        route_match(method, url, &rt);
        if (rt.id == R_NONE)
            return send_error(c, rt.status, rt.why);
        if (rt.write && !S->token_len)
            return send_error(c, MHD_HTTP_FORBIDDEN,
                              "this server is read-only: start it with --token-file to take cases");
        if (rt.write && !authorized(S, c))
            return send_json_h(c, MHD_HTTP_UNAUTHORIZED,
                               json_pack("{s:{s:i,s:s}}", "error", "status", 401, "message",
                                         "a write needs 'Authorization: Bearer TOKEN'"),
                               "WWW-Authenticate", "Bearer");
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->rt = rt;
        *state = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        bool ok = take_body(rq, upload_data, *upload_size);
        *upload_size = 0;
        return ok ? MHD_YES : MHD_NO;
    }
    if (rq->body)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a GET request takes no body");
    if (rq->too_big)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a batch of cases is at most 16 MiB");
    if (rq->rt.id == R_PAGE || rq->rt.id == R_ASSET) /* from memory: no workspace needed */
        return static_file(c, rq->rt.asset);
    if (rq->rt.id == R_EVENTS) /* read from the ring: no workspace handle needed */
        return events_stream(S->ev, c);
    char why[512];
    worker *w = worker_get(S, why, sizeof why);
    if (!w)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
    enum MHD_Result ok = answer(S, c, w, rq);
    if (rq->rt.write) /* the tiles and kept answers look at the workspace's counter again */
        current_written(S);
    return ok;
}

/* The answer of an endpoint that needs the workspace. */
static enum MHD_Result answer(server *S, struct MHD_Connection *c, worker *w, const request *rq)
{
    switch (rq->rt.id) {
    case R_PATCH:
        return api_patch(c, w, rq->data, rq->len, rq->rt.case_id);
    case R_HEALTH:
        return api_health(c, w);
    case R_SUMMARY:
        return api_summary(c, w);
    case R_CELLS:
        return api_cells(c, w);
    case R_INGEST:
        return api_ingest(c, w, rq->data, rq->len);
    case R_MOVE:
        return api_move(c, w, rq->data, rq->len, rq->rt.plan);
    case R_TILE:
        return api_tile(c, w, S->tiles, &rq->rt);
    case R_LEGEND:
        return api_legend(c, w, S->tiles, &rq->rt);
    case R_TILES:
        return api_tiles(c, S->tiles);
    case R_INCIDENTS:
        return api_incidents(c, w);
    case R_CELL:
        return api_cell(c, w, rq->rt.cell);
    case R_PLANS:
        return api_plans(c, w);
    case R_PLAN_CELLS:
        return api_plan_cells(c, w, rq->rt.plan);
    case R_PLAN_UNITS:
        return api_plan_units(c, w, rq->rt.plan);
    case R_PLAN_DIFF:
        return api_plan_diff(c, w, rq->rt.plan);
    case R_PLAN_COPY:
        return api_plan_copy(c, w, rq->data, rq->len, rq->rt.plan);
    case R_EVENTS: /* (answered above) */
    case R_PAGE:
    case R_ASSET:
    case R_NONE:
        break;
    }
    return send_error(c, MHD_HTTP_NOT_FOUND, "no such path");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    request *rq = *state;
    if (rq)
        free(rq->data);
    free(rq);
    *state = NULL;
}

/* ---- The daemon -------------------------------------------------------------------------- */

/* The write token: the file's first line (at least 16 characters), the file readable by its
 * owner alone. */
static wg_status read_token(wg_ctx *ctx, const char *path, server *S)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return wg_fail(ctx, WG_EINPUT, "--token-file %s: %s", path, strerror(errno));
    if (sb.st_mode & (S_IRWXG | S_IRWXO))
        return wg_fail(ctx, WG_EINPUT,
                       "--token-file %s: others may read it (chmod 600 %s): refused", path, path);
    FILE *f = fopen(path, "r");
    if (!f)
        return wg_fail(ctx, WG_EINPUT, "--token-file %s: %s", path, strerror(errno));
    char line[sizeof S->token + 2] = "";
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t n = got ? strcspn(line, "\r\n") : 0;
    line[n] = '\0';
    if (n < 16 || n >= sizeof S->token)
        return wg_fail(ctx, WG_EINPUT,
                       "--token-file %s: the token (its first line) must be 16 to %zu characters",
                       path, sizeof S->token - 1);
    memcpy(S->token, line, n + 1);
    S->token_len = n;
    return WG_OK;
}

static wg_status parse_listen(wg_ctx *ctx, const char *listen, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !end ||
        end == colon + 1 || *end || port < 0 || port > 65535)
        return wg_fail(ctx, WG_EINPUT, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080",
                       listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return wg_fail(ctx, WG_EINPUT, "--listen %s: '%s' is not an IPv4 address", listen, host);
    return WG_OK;
}

/* A number from the environment (tests shorten the feed's timings), or `def`. */
static double env_seconds(const char *name, double def, double lo, double hi)
{
    const char *v = getenv(name);
    char *end = NULL;
    double x = v && *v ? strtod(v, &end) : def;
    return v && *v && (!end || *end || !(x >= lo && x <= hi)) ? def : x;
}

/* Makes room for `need` open files: the soft limit is raised towards the hard one. Returns
 * the files this process may have open. */
static rlim_t files_allowed(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return need;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t to = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        struct rlimit up = {to, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = to;
    }
    return rl.rlim_cur;
}

wg_status wg_serve(wg_ctx *ctx, const wg_serve_opts *o)
{
    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    int threads = o->threads ? o->threads : 2;
    if (threads < 1 || threads > MAX_THREADS)
        return wg_fail(ctx, WG_EINPUT, "--threads %d: expected 1 to %d", threads, MAX_THREADS);
    unsigned streams = o->max_streams ? (unsigned)o->max_streams : 1024u;
    if (o->max_streams < 0 || o->max_streams > 100000)
        return wg_fail(ctx, WG_EINPUT, "--max-streams %d: expected 1 to 100000", o->max_streams);
    struct sockaddr_in sa;
    wg_status st = parse_listen(ctx, listen, &sa);
    if (st != WG_OK)
        return st;
    /* the workspace must open now, not at the first request */
    wg_ws *ws = NULL;
    if ((st = wg_ws_open(ctx, o->ws_path, &ws)) != WG_OK)
        return st;
    wg_ws_close(ws);
    server S = {.ctx = ctx, .ws_path = o->ws_path};
    if (o->token_file && (st = read_token(ctx, o->token_file, &S)) != WG_OK)
        return st;
    size_t cache_mb = o->tile_cache_mb ? o->tile_cache_mb : 256;
    if (!(S.tiles = tiles_new(cache_mb << 20)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    current_init(&S.cur);
    /* every connection is a socket: the streams, the ordinary requests, and some spare for
     * the workspace's files and the threads' handles */
    rlim_t need = (rlim_t)streams + MAX_CONNECTIONS + 64u + 8u * (rlim_t)threads;
    rlim_t have = files_allowed(need);
    if (have < need) {
        rlim_t spare = MAX_CONNECTIONS + 64u + 8u * (rlim_t)threads;
        unsigned fit = have > spare + 16 ? (unsigned)(have - spare) : 16u;
        wg_warn(ctx, "only %llu open files allowed (ulimit -n): at most %u event streams, not %u",
                (unsigned long long)have, fit, streams);
        streams = fit;
    }
    double ping_s = env_seconds("WANGGE_SSE_PING", 15.0, 0.05, 3600.0);
    double poll_s = env_seconds("WANGGE_WATCH_POLL", 0.5, 0.05, 60.0);
    if (pthread_key_create(&S.key, worker_free) != 0) {
        tiles_free(S.tiles);
        current_fini(&S.cur);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    if (!(S.ev = events_new(EVENT_RING, streams, ping_s))) {
        pthread_key_delete(S.key);
        tiles_free(S.tiles);
        current_fini(&S.cur);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    if (!(S.fd = feed_new(&S, poll_s))) {
        events_free(S.ev);
        pthread_key_delete(S.key);
        tiles_free(S.tiles);
        current_fini(&S.cur);
        return wg_ctx_status(ctx);
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
        on_request, &S, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS + streams,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, MAX_PER_IP + streams, MHD_OPTION_CONNECTION_TIMEOUT,
        10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_END);
    if (!d) {
        feed_free(S.fd);
        events_free(S.ev);
        pthread_key_delete(S.key);
        tiles_free(S.tiles);
        current_fini(&S.cur);
        return wg_fail(ctx, WG_EIO,
                       "cannot listen on %s: the address is in use or not this machine's", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN], url[96];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    snprintf(url, sizeof url, "http://%s:%u", host,
             info ? (unsigned)info->port : (unsigned)ntohs(sa.sin_port));
    if (o->on_ready)
        o->on_ready(o->user, url);
    while (!wg_ctx_cancelled(ctx)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* MHD must not stop with a connection suspended: the streams end first (each is resumed
     * and told the stream is over), then the daemon lets the requests under way finish */
    events_stop(S.ev, 2.0);
    MHD_stop_daemon(d);
    feed_free(S.fd);
    events_free(S.ev);
    pthread_key_delete(S.key);
    tiles_free(S.tiles);
    current_fini(&S.cur);
    return WG_OK;
}
