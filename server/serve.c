/* server/serve.c: the HTTP service (see wg/serve.h): libmicrohttpd's thread pool, a workspace
 * handle per worker thread, routing, limits, and the JSON of each endpoint (jansson). */
#include "wg/serve.h"

#include "wg/assign.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/store.h"
#include "wg/timeparse.h"
#include "wg/ws.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_CATS 64
#define MAX_BODY ((size_t)16 << 20) /* a batch of cases: 16 MiB */

typedef struct server {
    wg_ctx *ctx; /* the caller's: its cancellation stops the service */
    const char *ws_path;
    pthread_key_t key; /* per worker thread: its worker */
    char token[256];   /* the write token; "" when read-only */
    size_t token_len;
} server;

/* A worker thread's own context and workspace handle, opened at its first request. */
typedef struct worker {
    wg_ctx *ctx;
    wg_ws *ws;
} worker;

static void worker_free(void *p)
{
    worker *w = p;
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
    if (pthread_setspecific(S->key, w) != 0) {
        worker_free(w);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    return w;
}

/* ---- Responses ---------------------------------------------------------------------------- */

/* Sends body (taken) with status, and one more header when hname is given. */
static enum MHD_Result send_json_h(struct MHD_Connection *c, unsigned status, json_t *body,
                                   const char *hname, const char *hvalue)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text && status != MHD_HTTP_INTERNAL_SERVER_ERROR) /* out of memory, or bad text */
        return send_json_h(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           json_pack("{s:{s:i,s:s}}", "error", "status", 500, "message",
                                     "the answer could not be encoded"),
                           NULL, NULL);
    if (!text)
        return MHD_NO; /* the connection is closed */
    size_t len = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
    return send_json_h(c, status, body, NULL, NULL);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return send_json(c, status,
                     json_pack("{s:{s:i,s:s}}", "error", "status", (int)status, "message", msg));
}

/* A number, or null for NaN (a rate without cases). */
static json_t *num(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *time_json(int64_t t, bool open)
{
    if (open)
        return json_null();
    char buf[40];
    wg_time_format_utc(t, buf, sizeof buf);
    return json_string(buf);
}

/* ---- Parameters -------------------------------------------------------------------------- */

typedef struct period_q {
    int64_t from, to;
    const char *cats[MAX_CATS];
    size_t ncats;
    char catbuf[1024];
} period_q;

/* from, to (dates or times), tz (a zone for them) and category (a,b,...) of the query; false
 * with the message in why (naming the parameter) when one is bad. */
static bool read_period(struct MHD_Connection *c, wg_ctx *ctx, period_q *q, char *why, size_t n)
{
    q->from = INT64_MIN, q->to = INT64_MAX, q->ncats = 0;
    const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    const char *to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
    const char *tzname = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tz");
    const char *cat = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "category");
    wg_tz *tz = NULL;
    bool ok = true;
    if (tzname && *tzname && wg_tz_load(ctx, tzname, &tz) != WG_OK) {
        snprintf(why, n, "tz: %s", wg_ctx_errmsg(ctx));
        return false;
    }
    if (from && *from && wg_time_parse(ctx, from, NULL, tz, &q->from) != WG_OK) {
        snprintf(why, n, "from: %s", wg_ctx_errmsg(ctx));
        ok = false;
    }
    if (ok && to && *to && wg_time_parse(ctx, to, NULL, tz, &q->to) != WG_OK) {
        snprintf(why, n, "to: %s", wg_ctx_errmsg(ctx));
        ok = false;
    }
    wg_tz_free(tz);
    if (ok && q->from != INT64_MIN && q->to != INT64_MAX && q->to <= q->from) {
        snprintf(why, n, "to: the period must end after it starts");
        ok = false;
    }
    if (ok && cat && *cat) {
        if (strlen(cat) >= sizeof q->catbuf) {
            snprintf(why, n, "category: the list is too long");
            return false;
        }
        snprintf(q->catbuf, sizeof q->catbuf, "%s", cat);
        char *save = NULL;
        for (char *t = strtok_r(q->catbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (q->ncats == MAX_CATS) {
                snprintf(why, n, "category: more than %d categories", MAX_CATS);
                return false;
            }
            q->cats[q->ncats++] = t;
        }
    }
    return ok;
}

static wg_status make_report(worker *w, const period_q *q, int64_t from, int64_t to, wg_report *r)
{
    wg_report_opts o = {.by = WG_BY_CELL,
                        .from = from,
                        .to = to,
                        .categories = q->ncats ? q->cats : NULL,
                        .ncategories = q->ncats};
    return wg_report_make(w->ws, &o, r);
}

/* ---- Endpoints ---------------------------------------------------------------------------- */

static json_t *kpis(const wg_report *r)
{
    const wg_report_row *t = &r->total;
    json_t *cat = json_object(), *src = json_object();
    for (size_t k = 0; k < r->ncategories; k++)
        json_object_set_new(cat, r->category[k][0] ? r->category[k] : "(none)",
                            json_real(t->by_category[k]));
    for (int s = 0; s < WG_NSRC; s++)
        json_object_set_new(src, wg_source_name(s), json_real(t->by_source[s]));
    return json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "cases",
                     (json_int_t)r->period_incidents, "assigned", (json_int_t)r->assigned,
                     "unassigned", (json_int_t)r->unassigned, "open", json_real(t->open), "overdue",
                     json_real(t->overdue), "due", json_real(t->due), "closed_due",
                     json_real(t->closed_due), "on_time", json_real(t->on_time), "closing_rate",
                     num(t->closing_rate), "on_time_rate", num(t->on_time_rate), "close_median_h",
                     num(t->close_median_h), "close_p90_h", num(t->close_p90_h), "by_category", cat,
                     "by_source", src);
}

static json_t *period_json(const wg_report *r)
{
    return json_pack("{s:o,s:o,s:o}", "from", time_json(r->from, r->from == INT64_MIN), "to",
                     time_json(r->to, r->to == INT64_MAX), "as_of", time_json(r->as_of, false));
}

static enum MHD_Result api_summary(struct MHD_Connection *c, worker *w)
{
    period_q q;
    char why[512];
    if (!read_period(c, w->ctx, &q, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    wg_report r, p;
    if (make_report(w, &q, q.from, q.to, &r) != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    json_t *body = json_pack("{s:s,s:{s:I,s:s},s:o,s:s,s:o}", "schema", "wangge-summary/1", "plan",
                             "id", (json_int_t)r.plan, "name", r.plan_name, "period",
                             period_json(&r), "weight_name", r.weight.name, "now", kpis(&r));
    /* the period before, as long, to compare with */
    json_t *prev = json_null(), *change = json_null();
    if (body && q.from != INT64_MIN && q.to != INT64_MAX) {
        int64_t len = q.to - q.from;
        if (make_report(w, &q, q.from - len, q.from, &p) != WG_OK) {
            wg_report_free(&r);
            json_decref(body);
            return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
        }
        prev = json_pack("{s:o,s:o}", "period", period_json(&p), "kpis", kpis(&p));
        const wg_report_row *a = &r.total, *b = &p.total;
        change = json_pack(
            "{s:I,s:o,s:o,s:o,s:o}", "cases", (json_int_t)(r.period_incidents - p.period_incidents),
            "open", json_real(a->open - b->open), "overdue", json_real(a->overdue - b->overdue),
            "closing_rate", num(a->closing_rate - b->closing_rate), "on_time_rate",
            num(a->on_time_rate - b->on_time_rate));
        wg_report_free(&p);
    }
    wg_report_free(&r);
    if (!body) {
        json_decref(prev), json_decref(change);
        return send_json(c, MHD_HTTP_OK, NULL);
    }
    json_object_set_new(body, "previous", prev);
    json_object_set_new(body, "change", change);
    return send_json(c, MHD_HTTP_OK, body);
}

static enum MHD_Result api_cells(struct MHD_Connection *c, worker *w)
{
    period_q q;
    char why[512];
    if (!read_period(c, w->ctx, &q, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    wg_report r;
    if (make_report(w, &q, q.from, q.to, &r) != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < r.nrows; i++) {
        const wg_report_row *x = &r.rows[i];
        json_array_append_new(
            rows, json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:f,s:o,s:o,s:o,s:s}", "id", x->id,
                            "community", x->community, "workers", x->cells, "nworkers", x->nworkers,
                            "households", x->households, "incidents", x->incidents, "open", x->open,
                            "overdue", x->overdue, "closing_rate", num(x->closing_rate),
                            "on_time_rate", num(x->on_time_rate), "index", num(x->index), "flag",
                            x->flag > 0   ? "over"
                            : x->flag < 0 ? "under"
                                          : ""));
    }
    json_t *body = json_pack("{s:s,s:{s:I,s:s},s:o,s:s,s:o}", "schema", "wangge-cells/1", "plan",
                             "id", (json_int_t)r.plan, "name", r.plan_name, "period",
                             period_json(&r), "weight_name", r.weight.name, "rows", rows);
    wg_report_free(&r);
    return send_json(c, MHD_HTTP_OK, body);
}

static enum MHD_Result api_health(struct MHD_Connection *c, worker *w)
{
    size_t n = 0;
    int64_t ver = 0;
    if (wg_store_incidents_count(w->ws, &n, &ver) != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:s,s:s,s:i,s:s,s:{s:I,s:I}}", "schema", "wangge-health/1",
                               "workspace", wg_ws_path(w->ws), "schema_version",
                               wg_ws_schema_version(w->ws), "crs",
                               wg_ws_crs(w->ws) ? wg_ws_crs(w->ws) : "", "incidents", "count",
                               (json_int_t)n, "version", (json_int_t)ver));
}

/* ---- Requests ---------------------------------------------------------------------------- */

typedef struct request {
    bool post;
    bool body;    /* a GET sent a body, which it does not take */
    bool too_big; /* a POST's body passed MAX_BODY */
    char *data;   /* a POST's body */
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

/* POST /api/incidents: one or a batch of cases, as CSV (text/csv: x,y or lon,lat columns and
 * the usual fields) or GeoJSON, imported exactly as `wangge import` would (validated, all or
 * nothing, idempotent by id: a case posted again is updated, never doubled), committed before
 * the answer, and located into its cell at once. Query: tz, gcj02=1 or bd09=1, src_crs. */
static enum MHD_Result api_ingest(struct MHD_Connection *c, worker *w, const request *rq)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *ext = !type                               ? NULL
                      : strncmp(type, "text/csv", 8) == 0 ? ".csv"
                      : strncmp(type, "application/geo+json", 20) == 0 ||
                              strncmp(type, "application/json", 16) == 0
                          ? ".geojson"
                          : NULL;
    if (!ext)
        return send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                          "Content-Type: send text/csv or application/geo+json");
    if (rq->len == 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "the body is empty: no cases to take");
    wg_import_opts io = {.source_name = "the posted batch"}; /* not the temporary file */
    io.tz = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tz");
    io.src_crs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "src_crs");
    const char *g = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "gcj02");
    const char *b = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "bd09");
    if (g && strcmp(g, "1") == 0)
        io.shift = WG_SHIFT_GCJ02;
    if (b && strcmp(b, "1") == 0) {
        if (io.shift != WG_SHIFT_NONE)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "gcj02 and bd09 exclude each other");
        io.shift = WG_SHIFT_BD09;
    }
    /* the body as a file of its own: import reads files (through GDAL) */
    const char *tmp = getenv("TMPDIR");
    char dir[2048], path[2100];
    snprintf(dir, sizeof dir, "%s/wangge-post.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot make a temporary folder");
    snprintf(path, sizeof path, "%s/posted%s", dir, ext);
    FILE *f = fopen(path, "wb");
    bool written = f && fwrite(rq->data, 1, rq->len, f) == rq->len;
    if (f && fclose(f) != 0)
        written = false;
    wg_import_result r;
    wg_assign_result ar;
    wg_status st = written ? wg_import(w->ws, "incidents", path, &io, &r) : WG_EIO;
    unlink(path);
    rmdir(dir);
    if (!written)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot keep the posted cases");
    if (st != WG_OK)
        return send_error(c, st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
                          wg_ctx_errmsg(w->ctx));
    /* stored; now into their cells (the new ones only) */
    st = wg_assign(w->ws, NULL, &ar);
    json_t *body = json_pack("{s:s,s:I,s:I,s:I,s:b,s:I}", "schema", "wangge-ingest/1", "cases",
                             (json_int_t)r.features, "inserted", (json_int_t)r.inserted, "updated",
                             (json_int_t)r.updated, "located", st == WG_OK, "incidents",
                             (json_int_t)(st == WG_OK ? ar.incidents : 0));
    if (body && st != WG_OK)
        json_object_set_new(body, "locate_error", json_string(wg_ctx_errmsg(w->ctx)));
    return send_json(c, MHD_HTTP_OK, body);
}

/* The plan named in "/api/plans/{plan}/moves" into ref[n]; false for another path. */
static bool move_path(const char *url, char *ref, size_t n)
{
    const char *p = "/api/plans/";
    if (strncmp(url, p, strlen(p)) != 0)
        return false;
    const char *a = url + strlen(p), *b = strchr(a, '/');
    if (!b || b == a || strcmp(b, "/moves") != 0 || (size_t)(b - a) >= n)
        return false;
    snprintf(ref, n, "%.*s", (int)(b - a), a);
    return true;
}

/* POST /api/plans/{plan}/moves {"units": ["U1", ...], "to": "CELL"}: the planner's desk. The
 * units move into the cell as `wangge plan move` moves them (one transaction; the touched
 * cells' geometry, totals and issues recomputed), and the answer says at once what the move
 * did to them: households of the target and of the last source cell, range, contiguity. */
static enum MHD_Result api_move(struct MHD_Connection *c, worker *w, const request *rq,
                                const char *ref)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!type || strncmp(type, "application/json", 16) != 0)
        return send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                          "Content-Type: send application/json");
    json_error_t je;
    json_t *in = json_loadb(rq->data ? rq->data : "", rq->len, JSON_REJECT_DUPLICATES, &je);
    if (!in) {
        char msg[400];
        snprintf(msg, sizeof msg, "the body is not JSON: line %d: %s", je.line, je.text);
        return send_error(c, MHD_HTTP_BAD_REQUEST, msg);
    }
    json_t *units = json_object_get(in, "units"), *to = json_object_get(in, "to");
    size_t n = json_is_array(units) ? json_array_size(units) : 0;
    const char **ids = n ? calloc(n, sizeof *ids) : NULL;
    const char *bad = !json_is_string(to) ? "\"to\" must be the code of a cell"
                      : n == 0            ? "\"units\" must be a non-empty array of unit ids"
                      : n > 100000        ? "\"units\": at most 100000 units in one move"
                      : !ids              ? "out of memory"
                                          : NULL;
    for (size_t i = 0; !bad && i < n; i++)
        if (!(ids[i] = json_string_value(json_array_get(units, i))))
            bad = "\"units\" must hold unit ids (strings)";
    if (bad) {
        free(ids);
        json_decref(in);
        return send_error(c, MHD_HTTP_BAD_REQUEST, bad);
    }
    int64_t id = 0;
    wg_move_result r;
    wg_status st = wg_plan_find(w->ws, ref, &id);
    unsigned code = MHD_HTTP_NOT_FOUND;
    if (st == WG_OK) {
        double t0 = wg_now();
        st = wg_plan_move(w->ws, id, ids, n, json_string_value(to), &r);
        code = st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE;
        if (st == WG_OK) {
            json_t *body = json_pack(
                "{s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:s,s:f}", "schema", "wangge-move/1",
                "plan", (json_int_t)id, "to", json_string_value(to), "units", (json_int_t)n,
                "to_households", (json_int_t)r.to_households, "from_cells",
                (json_int_t)r.from_cells, "from_households", (json_int_t)r.from_households,
                "in_range", r.in_range, "contiguous", r.contiguous, "same_community",
                r.same_community, "verdict", r.verdict, "seconds", wg_now() - t0);
            free(ids);
            json_decref(in);
            return send_json(c, MHD_HTTP_OK, body);
        }
    }
    free(ids);
    json_decref(in);
    return send_error(c, code, wg_ctx_errmsg(w->ctx));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)version;
    server *S = cls;
    request *rq = *state;
    if (!rq) { /* the headers: the body (if any) comes in the next calls */
        bool get =
            strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
        char ref[128];
        if (post && strcmp(url, "/api/incidents") != 0 && !move_path(url, ref, sizeof ref))
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "POST goes to /api/incidents or /api/plans/{plan}/moves");
        if (!get && !post)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET, HEAD and POST");
        if (post && !S->token_len)
            return send_error(c, MHD_HTTP_FORBIDDEN,
                              "this server is read-only: start it with --token-file to take cases");
        if (post && !authorized(S, c))
            return send_json_h(c, MHD_HTTP_UNAUTHORIZED,
                               json_pack("{s:{s:i,s:s}}", "error", "status", 401, "message",
                                         "a write needs 'Authorization: Bearer TOKEN'"),
                               "WWW-Authenticate", "Bearer");
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->post = post;
        *state = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!rq->post)
            rq->body = true;
        else if (rq->len + *upload_size > MAX_BODY)
            rq->too_big = true;
        else if (!rq->too_big) {
            if (rq->len + *upload_size > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 65536;
                while (cap < rq->len + *upload_size)
                    cap *= 2;
                char *d = realloc(rq->data, cap);
                if (!d)
                    return MHD_NO;
                rq->data = d, rq->cap = cap;
            }
            memcpy(rq->data + rq->len, upload_data, *upload_size);
            rq->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->body)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a GET request takes no body");
    if (rq->too_big)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a batch of cases is at most 16 MiB");
    enum MHD_Result (*fn)(struct MHD_Connection *, worker *) =
        rq->post                           ? NULL
        : strcmp(url, "/api/health") == 0  ? api_health
        : strcmp(url, "/api/summary") == 0 ? api_summary
        : strcmp(url, "/api/cells") == 0   ? api_cells
                                           : NULL;
    if (!fn && !rq->post)
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such path (see GET /api/health)");
    char why[512];
    worker *w = worker_get(S, why, sizeof why);
    if (!w)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
    char ref[128];
    if (rq->post && move_path(url, ref, sizeof ref))
        return api_move(c, w, rq, ref);
    return rq->post ? api_ingest(c, w, rq) : fn(c, w);
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

wg_status wg_serve(wg_ctx *ctx, const wg_serve_opts *o)
{
    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    int threads = o->threads ? o->threads : 2;
    if (threads < 1 || threads > MAX_THREADS)
        return wg_fail(ctx, WG_EINPUT, "--threads %d: expected 1 to %d", threads, MAX_THREADS);
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
    if (pthread_key_create(&S.key, worker_free) != 0)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, on_request, &S,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!d) {
        pthread_key_delete(S.key);
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
    MHD_stop_daemon(d); /* the requests under way finish first */
    pthread_key_delete(S.key);
    return WG_OK;
}
