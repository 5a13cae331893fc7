/* server/api.c: the JSON endpoints (see wg/serve.h for what each answers). */
#include "serve_int.h"
#include "wg/assign.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/store.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
                     json_num(t->closing_rate), "on_time_rate", json_num(t->on_time_rate),
                     "close_median_h", json_num(t->close_median_h), "close_p90_h",
                     json_num(t->close_p90_h), "by_category", cat, "by_source", src);
}

static json_t *period_json(const wg_report *r)
{
    return json_pack("{s:o,s:o,s:o}", "from", json_time(r->from, r->from == INT64_MIN), "to",
                     json_time(r->to, r->to == INT64_MAX), "as_of", json_time(r->as_of, false));
}

/* GET /api/summary's answer over q (a period_q); NULL with the error on w's context. */
static json_t *summary_json(worker *w, void *user)
{
    const period_q *q = user;
    wg_report r, p;
    if (make_report(w, q, q->from, q->to, &r) != WG_OK)
        return NULL;
    json_t *body = json_pack("{s:s,s:{s:I,s:s},s:o,s:s,s:o}", "schema", "wangge-summary/1", "plan",
                             "id", (json_int_t)r.plan, "name", r.plan_name, "period",
                             period_json(&r), "weight_name", r.weight.name, "now", kpis(&r));
    /* the period before, as long, to compare with */
    json_t *prev = json_null(), *change = json_null();
    if (body && q->from != INT64_MIN && q->to != INT64_MAX) {
        int64_t len = q->to - q->from;
        if (make_report(w, q, q->from - len, q->from, &p) != WG_OK) {
            wg_report_free(&r);
            json_decref(body);
            return NULL;
        }
        prev = json_pack("{s:o,s:o}", "period", period_json(&p), "kpis", kpis(&p));
        const wg_report_row *a = &r.total, *b = &p.total;
        change = json_pack(
            "{s:I,s:o,s:o,s:o,s:o}", "cases", (json_int_t)(r.period_incidents - p.period_incidents),
            "open", json_real(a->open - b->open), "overdue", json_real(a->overdue - b->overdue),
            "closing_rate", json_num(a->closing_rate - b->closing_rate), "on_time_rate",
            json_num(a->on_time_rate - b->on_time_rate));
        wg_report_free(&p);
    }
    wg_report_free(&r);
    if (!body) {
        json_decref(prev), json_decref(change);
        wg_fail(w->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    json_object_set_new(body, "previous", prev);
    json_object_set_new(body, "change", change);
    return body;
}

/* GET /api/cells' answer over q (a period_q); NULL with the error on w's context. */
static json_t *cells_json(worker *w, void *user)
{
    const period_q *q = user;
    wg_report r;
    if (make_report(w, q, q->from, q->to, &r) != WG_OK)
        return NULL;
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < r.nrows; i++) {
        const wg_report_row *x = &r.rows[i];
        json_array_append_new(
            rows,
            json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:f,s:o,s:o,s:o,s:s}", "id", x->id, "community",
                      x->community, "workers", x->cells, "nworkers", x->nworkers, "households",
                      x->households, "incidents", x->incidents, "open", x->open, "overdue",
                      x->overdue, "closing_rate", json_num(x->closing_rate), "on_time_rate",
                      json_num(x->on_time_rate), "index", json_num(x->index), "flag",
                      x->flag > 0   ? "over"
                      : x->flag < 0 ? "under"
                                    : ""));
    }
    json_t *body = json_pack("{s:s,s:{s:I,s:s},s:o,s:s,s:o}", "schema", "wangge-cells/1", "plan",
                             "id", (json_int_t)r.plan, "name", r.plan_name, "period",
                             period_json(&r), "weight_name", r.weight.name, "rows", rows);
    wg_report_free(&r);
    if (!body)
        wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    return body;
}

/* A whole-report answer: made from the request's period, or as kept while nothing was written. */
static enum MHD_Result report_answer(struct MHD_Connection *c, worker *w, const char *what,
                                     answer_fn make)
{
    period_q q;
    char why[512], key[700];
    if (!query_period_of(c, w->ctx, &q, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    if (!period_key(what, &q, key, sizeof key))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "category: the list is too long");
    return answer_kept(c, w, key, make, &q);
}

enum MHD_Result api_summary(struct MHD_Connection *c, worker *w)
{
    return report_answer(c, w, "summary", summary_json);
}

enum MHD_Result api_cells(struct MHD_Connection *c, worker *w)
{
    return report_answer(c, w, "cells", cells_json);
}

/* The extent in lon/lat of the communities, units and cells ({minlon, minlat, maxlon, maxlat});
 * *any false when the workspace has none of them. */
static wg_status extent_lonlat(worker *w, double ll[4], bool *any)
{
    static const char *const layers[] = {"communities", "units", "plans"};
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    /* the boxes of every unit and cell cost tens of milliseconds on a city: health is polled,
     * so the answer is kept until a write bumps one of the versions it comes from */
    int64_t ver[3];
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < 3; k++) {
        wg_version v;
        st = wg_store_version(w->ws, layers[k], &v);
        ver[k] = v.ver;
    }
    if (st == WG_OK && w->extent_known && memcmp(ver, w->extent_ver, sizeof ver) == 0) {
        memcpy(ll, w->extent, sizeof w->extent);
        *any = w->extent_any;
        return WG_OK;
    }
    *any = false;
    for (size_t k = 0; st == WG_OK && k < sizeof layers / sizeof *layers; k++) {
        wg_layer_info l;
        st = wg_ws_layer_info_of(w->ws, k < 2 ? layers[k] : "cells", &l);
        if (st != WG_OK || !l.has_extent)
            continue;
        *any = true;
        box[0] = fmin(box[0], l.minx), box[1] = fmin(box[1], l.miny);
        box[2] = fmax(box[2], l.maxx), box[3] = fmax(box[3], l.maxy);
    }
    wg_xform *t = NULL;
    double inner[4];
    if (st == WG_OK && *any && (st = worker_lonlat(w, &t)) == WG_OK)
        st = wg_xform_box(w->ctx, t, false, box, ll, inner);
    if (st == WG_OK) {
        w->extent_known = true;
        w->extent_any = *any;
        memcpy(w->extent_ver, ver, sizeof ver);
        memcpy(w->extent, ll, sizeof w->extent);
    }
    return st;
}

enum MHD_Result api_health(struct MHD_Connection *c, worker *w)
{
    size_t n = 0;
    int64_t ver = 0;
    double ll[4];
    bool any = false, found = false;
    wg_plan_rec p;
    wg_status st = wg_store_incidents_count(w->ws, &n, &ver);
    if (st == WG_OK)
        st = extent_lonlat(w, ll, &any);
    if (st == WG_OK)
        st = wg_store_plan_get(w->ws, 0, &p, &found);
    if (st != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    size_t streams = 0, max_streams = 0;
    int64_t last = 0;
    events_counts(w->S->ev, &streams, &max_streams, &last);
    uint64_t kept = 0, made = 0;
    current_counts(w->S, &kept, &made);
    json_t *maps = tile_maps_json(); /* what GET /tiles/{map}/... draws, as /api/tiles has it */
    return send_json(
        c, MHD_HTTP_OK,
        json_pack("{s:s,s:s,s:i,s:s,s:{s:I,s:I},s:o,s:o,s:o,s:{s:I,s:I,s:I},s:{s:I,s:I}}", "schema",
                  "wangge-health/1", "workspace", wg_ws_path(w->ws), "schema_version",
                  wg_ws_schema_version(w->ws), "crs", wg_ws_crs(w->ws) ? wg_ws_crs(w->ws) : "",
                  "incidents", "count", (json_int_t)n, "version", (json_int_t)ver, "extent",
                  any ? json_pack("[f,f,f,f]", ll[0], ll[1], ll[2], ll[3]) : json_null(), "maps",
                  maps, "plan",
                  found ? json_pack("{s:I,s:s}", "id", (json_int_t)p.id, "name", p.name)
                        : json_null(),
                  "events", "streams", (json_int_t)streams, "max_streams", (json_int_t)max_streams,
                  "last_id", (json_int_t)last, "reports", "kept", (json_int_t)kept, "made",
                  (json_int_t)made));
}

/* POST /api/incidents: one or a batch of cases, as CSV (text/csv: x,y or lon,lat columns and
 * the usual fields) or GeoJSON, imported exactly as `wangge import` would (validated, all or
 * nothing, idempotent by id: a case posted again is updated, never doubled), committed before
 * the answer, and located into its cell at once. Query: tz, gcj02=1 or bd09=1, src_crs. */
enum MHD_Result api_ingest(struct MHD_Connection *c, worker *w, const char *data, size_t len)
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
    if (len == 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "the body is empty: no cases to take");
    wg_import_opts io = {.source_name = "the posted batch"}; /* not the temporary file */
    io.tz = query_arg(c, "tz");
    io.src_crs = query_arg(c, "src_crs");
    const char *g = query_arg(c, "gcj02");
    const char *b = query_arg(c, "bd09");
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
    bool written = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        written = false;
    wg_import_result r;
    wg_assign_result ar;
    size_t before = 0;
    feed_write_begin(w->S->fd);
    wg_status st = !written ? WG_EIO : wg_store_incidents_count(w->ws, &before, NULL);
    if (st == WG_OK)
        st = wg_import(w->ws, "incidents", path, &io, &r);
    unlink(path);
    rmdir(dir);
    if (!written || st != WG_OK) {
        feed_write_end(w->S->fd, w, 0);
        if (!written)
            return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot keep the posted cases");
        return send_error(c, st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
                          wg_ctx_errmsg(w->ctx));
    }
    /* stored; now into their cells (the new ones only) */
    st = wg_assign(w->ws, NULL, &ar);
    char locate_error[1024] = "";
    if (st != WG_OK)
        snprintf(locate_error, sizeof locate_error, "%s", wg_ctx_errmsg(w->ctx));
    /* committed: the live feed says so (the cases, then the KPIs and maps) */
    feed_cases_written(w->S->fd, w, r.ver, before);
    feed_write_end(w->S->fd, w, FEED_INCIDENTS);
    json_t *body = json_pack("{s:s,s:I,s:I,s:I,s:b,s:I}", "schema", "wangge-ingest/1", "cases",
                             (json_int_t)r.features, "inserted", (json_int_t)r.inserted, "updated",
                             (json_int_t)r.updated, "located", st == WG_OK, "incidents",
                             (json_int_t)(st == WG_OK ? ar.incidents : 0));
    if (body && st != WG_OK)
        json_object_set_new(body, "locate_error", json_string(locate_error));
    return send_json(c, MHD_HTTP_OK, body);
}

/* POST /api/plans/{plan}/moves {"units": ["U1", ...], "to": "CELL"}: the planner's desk. The
 * units move into the cell as `wangge plan move` moves them (one transaction; the touched
 * cells' geometry, totals and issues recomputed), and the answer says at once what the move
 * did to them: households of the target and of the last source cell, range, contiguity. */
enum MHD_Result api_move(struct MHD_Connection *c, worker *w, const char *data, size_t len,
                         const char *ref)
{
    enum MHD_Result sent;
    json_t *in = json_body(c, data, len, &sent);
    if (!in)
        return sent;
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
        wg_plan_rec before;
        bool found = false;
        feed_write_begin(w->S->fd);
        st = wg_store_plan_get(w->ws, id, &before, &found);
        if (st == WG_OK)
            st = wg_plan_move(w->ws, id, ids, n, json_string_value(to), &r);
        code = st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE;
        if (st == WG_OK)
            feed_plan_moved(w->S->fd, w, id, found ? before.ver : 0);
        feed_write_end(w->S->fd, w, st == WG_OK ? FEED_PLAN : 0);
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

/* One field of a PATCH body: a time (ISO 8601 or the import's forms, in the query's tz when
 * it has no offset) or null. False with the message in why, naming the field. */
static bool patch_time(worker *w, const json_t *v, const char *name, const wg_tz *tz, int64_t *t,
                       char *why, size_t n)
{
    if (json_is_null(v)) {
        *t = WG_NO_TIME;
        return true;
    }
    if (!json_is_string(v)) {
        snprintf(why, n, "%s: expected a time (ISO 8601) or null", name);
        return false;
    }
    if (wg_time_parse(w->ctx, json_string_value(v), NULL, tz, t) != WG_OK) {
        snprintf(why, n, "%s: %s", name, wg_ctx_errmsg(w->ctx));
        wg_ctx_clear(w->ctx);
        return false;
    }
    return true;
}

/* The patch a body asks for: a JSON object with any of dispatched, closed (times or null) and
 * status (text or null), nothing else. False with the message in why. */
static bool patch_of(worker *w, const json_t *in, const wg_tz *tz, wg_incident_patch *p, char *why,
                     size_t n)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(in)) {
        snprintf(why, n, "the body must be a JSON object with dispatched, closed or status");
        return false;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        if (strcmp(key, "dispatched") == 0) {
            p->set_dispatched = true;
            if (!patch_time(w, v, key, tz, &p->dispatched, why, n))
                return false;
        } else if (strcmp(key, "closed") == 0) {
            p->set_closed = true;
            if (!patch_time(w, v, key, tz, &p->closed, why, n))
                return false;
        } else if (strcmp(key, "status") == 0) {
            p->set_status = true;
            if (!json_is_null(v) && !json_is_string(v)) {
                snprintf(why, n, "status: expected text or null");
                return false;
            }
            p->status = json_string_value(v);
            if (p->status && (!*p->status || strlen(p->status) > 63)) {
                snprintf(why, n, "status: expected 1 to 63 characters, or null");
                return false;
            }
        } else {
            snprintf(why, n,
                     "%.64s: not a field of a case that can change (dispatched, closed, "
                     "status)",
                     key);
            return false;
        }
    }
    if (!p->set_dispatched && !p->set_closed && !p->set_status) {
        snprintf(why, n, "nothing to change: give dispatched, closed or status");
        return false;
    }
    return true;
}

/* PATCH /api/incidents/{id} {"closed": "2025-03-01T12:00:00+08:00", "status": "closed"}: a
 * case's handling as the case system reports it, committed before the answer (wangge-patch/1
 * with the case as it now is); the same patch twice leaves the same state. Query: tz. */
enum MHD_Result api_patch(struct MHD_Connection *c, worker *w, const char *data, size_t len,
                          const char *id)
{
    enum MHD_Result sent;
    json_t *in = json_body(c, data, len, &sent);
    if (!in)
        return sent;
    char why[600];
    const char *tzname = query_arg(c, "tz");
    wg_tz *tz = NULL;
    if (tzname && *tzname && wg_tz_load(w->ctx, tzname, &tz) != WG_OK) {
        snprintf(why, sizeof why, "tz: %s", wg_ctx_errmsg(w->ctx));
        json_decref(in);
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    }
    wg_incident_patch p;
    bool ok = patch_of(w, in, tz, &p, why, sizeof why);
    wg_tz_free(tz);
    if (!ok) {
        json_decref(in);
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    }
    int64_t fid = 0, ver = 0;
    bool found = false, changed = false;
    feed_write_begin(w->S->fd);
    wg_status st = wg_store_begin(w->ws, "serve: PATCH a case");
    if (st == WG_OK) {
        ver = wg_store_tx_version(w->ws);
        st = wg_store_incident_patch(w->ws, id, &p, &fid, &found, &changed);
        if (st == WG_OK)
            st = wg_store_commit(w->ws);
        else
            wg_store_rollback(w->ws);
    }
    json_decref(in); /* (p's status text lived in it) */
    if (st != WG_OK || !found) {
        feed_write_end(w->S->fd, w, 0);
        if (st != WG_OK)
            return send_error(c,
                              st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
                              wg_ctx_errmsg(w->ctx));
        snprintf(why, sizeof why, "no case with id '%.200s'", id);
        return send_error(c, MHD_HTTP_NOT_FOUND, why);
    }
    /* the changed case is located again (its place is the same; the assignment stays current
     * for the summary), then the feed says what changed */
    if (changed) {
        wg_assign_result ar;
        if (wg_assign(w->ws, NULL, &ar) != WG_OK)
            wg_ctx_clear(w->ctx);
    }
    json_t *now = NULL;
    feed_case_patched(w->S->fd, w, changed ? ver : 0, fid, &now);
    feed_write_end(w->S->fd, w, changed ? FEED_INCIDENTS : 0);
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:s,s:b,s:I,s:o}", "schema", "wangge-patch/1", "changed", changed,
                               "version", (json_int_t)(changed ? ver : 0), "case",
                               now ? now : json_null()));
}
