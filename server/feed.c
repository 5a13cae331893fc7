/* server/feed.c: what the live feed says (wangge-event/1, see wg/serve.h) - the cases a write
 * touched, read back from the store by the version it stamped; the KPIs and maps a change
 * affects; and a watcher thread that notices what other processes (the CLI) wrote to the
 * workspace meanwhile, by polling the store's versions with a handle of its own. The ring and
 * the streams are events.c's. */
#include "serve_int.h"
#include "wg/proj.h"
#include "wg/store.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* The maps a change makes stale, in the order `tiles` lists them. */
enum {
    M_HEATMAP = 1,
    M_INCIDENTS = 2,
    M_PLAN = 4,
    M_WORKLOAD = 8,
    M_RATE = 16,
    M_COVERAGE = 32,
    M_CAMERAS = 64
};
static const char *const MAP_NAME[] = {"heatmap", "incidents", "plan",   "workload",
                                       "rate",    "coverage",  "cameras"};
#define MAPS_OF_INCIDENTS (M_HEATMAP | M_INCIDENTS | M_WORKLOAD | M_RATE)
#define MAPS_OF_ASSIGNMENT (M_INCIDENTS | M_WORKLOAD | M_RATE | M_COVERAGE)
#define MAPS_OF_PLAN (M_PLAN | M_WORKLOAD | M_RATE | M_COVERAGE | M_INCIDENTS)
#define MAPS_OF_CAMERAS (M_CAMERAS | M_COVERAGE)

/* What the watcher compares: the versions of what the feed speaks about. */
typedef struct watch_state {
    int64_t incidents, cameras, assignment;
    size_t ncases;          /* the incidents there are */
    int64_t plan, plan_ver; /* the active plan (0: none) and its version */
} watch_state;

struct feed {
    server *S;
    double poll_s;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int busy;     /* the server's own writes under way */
    uint64_t gen; /* own writes begun, ever */
    watch_state seen;
    bool stop;
    pthread_t thread;
    bool running;
    wg_ctx *ctx; /* the watcher's */
    wg_ws *ws;
    worker wk; /* the watcher as a worker, for the cases another process wrote */
};

static wg_status snapshot(wg_ws *ws, watch_state *w)
{
    memset(w, 0, sizeof *w);
    wg_version v;
    wg_derived d;
    wg_plan_rec p;
    bool found = false;
    wg_status st = wg_store_read_begin(ws);
    if (st != WG_OK)
        return st;
    int64_t top = 0;
    if ((st = wg_store_version(ws, "incidents", &v)) == WG_OK)
        w->incidents = v.ver;
    if (st == WG_OK)
        st = wg_store_incidents_count(ws, &w->ncases, &top);
    if (st == WG_OK && (st = wg_store_version(ws, "cameras", &v)) == WG_OK)
        w->cameras = v.ver;
    if (st == WG_OK && (st = wg_store_derived_get(ws, "assignment", &d)) == WG_OK)
        w->assignment = d.ver;
    if (st == WG_OK && (st = wg_store_plan_get(ws, 0, &p, &found)) == WG_OK && found)
        w->plan = p.id, w->plan_ver = p.ver;
    wg_store_read_end(ws);
    return st;
}

/* ---- Events ---------------------------------------------------------------------------------- */

static void publish_kpi(feed *F, wg_ws *ws)
{
    size_t n = 0;
    int64_t ver = 0;
    if (wg_store_incidents_count(ws, &n, &ver) == WG_OK)
        events_publish(
            F->S->ev, "kpi",
            json_pack("{s:I,s:I}", "incidents", (json_int_t)n, "version", (json_int_t)ver));
}

static void publish_tiles(feed *F, unsigned maps, int64_t ver)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < sizeof MAP_NAME / sizeof MAP_NAME[0]; k++)
        if (maps & (1u << k))
            json_array_append_new(a, json_string(MAP_NAME[k]));
    events_publish(F->S->ev, "tiles",
                   json_pack("{s:o,s:I}", "maps", a, "version", (json_int_t)ver));
}

typedef struct codes_acc {
    json_t *a;
} codes_acc;

static wg_status add_code(void *user, const wg_cell_rec *c)
{
    json_array_append_new(((codes_acc *)user)->a, json_string(c->code));
    return WG_OK;
}

/* `plan` event: the cells of plan changed after version since (all of them: none listed, when
 * since is 0). */
static void publish_plan(feed *F, wg_ws *ws, int64_t plan, int64_t since, int64_t ver,
                         const char *action)
{
    codes_acc acc = {json_array()};
    if (acc.a && since > 0 && wg_store_cells_each(ws, plan, 0, since, add_code, &acc) != WG_OK)
        wg_ctx_clear(wg_ws_ctx(ws));
    events_publish(F->S->ev, "plan",
                   json_pack("{s:I,s:s,s:o,s:I}", "plan", (json_int_t)plan, "action", action,
                             "cells", acc.a, "version", (json_int_t)ver));
}

/* ---- Cases ----------------------------------------------------------------------------------- */

/* One case as the feed describes it, whichever reader it came from. */
typedef struct case_view {
    const char *id, *category, *source, *status; /* NULL when none */
    int64_t reported, dispatched, closed, due;
    double x, y;
    int32_t cell;
    uint8_t flags; /* WG_AF_*: why it is in no cell */
} case_view;

/* Why a case is in no cell, as GET /api/incidents says it; NULL for one in a cell. */
static const char *unassigned(const case_view *v, const char *cell)
{
    static const char *const why[4] = {"pending", "outside", "gap", "no_location"};
    if (cell)
        return NULL;
    if (v->flags & WG_AF_PENDING)
        return "pending";
    return why[v->flags & WG_AF_REASON];
}

/* The codes of the cells with indexes idx[0..n) of the assigned plan, found among the cells
 * whose box holds the points xy[0..2n) (the cell holding a point is one of them). */
typedef struct cell_names {
    int32_t *idx;
    char (*code)[32];
    size_t n, cap;
} cell_names;

static wg_status name_cell(void *user, const wg_cell_rec *c)
{
    cell_names *cn = user;
    if (cn->n == cn->cap) {
        size_t cap = cn->cap ? 2 * cn->cap : 64;
        int32_t *idx = realloc(cn->idx, cap * sizeof *idx);
        if (idx)
            cn->idx = idx;
        char(*code)[32] = idx ? realloc(cn->code, cap * sizeof *code) : NULL;
        if (!code)
            return WG_ENOMEM;
        cn->code = code, cn->cap = cap;
    }
    cn->idx[cn->n] = c->idx;
    memcpy(cn->code[cn->n++], c->code, sizeof cn->code[0]);
    return WG_OK;
}

static void cell_names_load(wg_ws *ws, const double *xy, size_t n, cell_names *cn)
{
    wg_derived d;
    memset(cn, 0, sizeof *cn);
    if (wg_store_derived_get(ws, "assignment", &d) != WG_OK || !d.any ||
        wg_store_cells_at(ws, d.plan, xy, n, 0, name_cell, cn) != WG_OK)
        wg_ctx_clear(wg_ws_ctx(ws)); /* the cases go out without their cells */
}

static const char *cell_name(const cell_names *cn, int32_t idx)
{
    for (size_t i = 0; idx >= 0 && i < cn->n; i++)
        if (cn->idx[i] == idx)
            return cn->code[i];
    return NULL;
}

static void cell_names_free(cell_names *cn)
{
    free(cn->idx);
    free(cn->code);
}

static int64_t now_utc(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec;
}

/* The case's data (wangge-event/1 `case`, without the action). Its due is the stored one or
 * else reported + its category's deadline, as the KPIs count it; overdue: open past it. */
static json_t *case_json(worker *w, const case_view *v, const char *cell, const wg_categories *cats)
{
    int64_t due = v->due;
    long k = v->category && cats ? wg_categories_find(cats, v->category) : -1;
    if (due == WG_NO_TIME && v->reported != WG_NO_TIME && k >= 0 && !isnan(cats->deadline_s[k]))
        due = v->reported + (int64_t)cats->deadline_s[k];
    bool overdue = v->closed == WG_NO_TIME && due != WG_NO_TIME && due < now_utc();
    double ll[2] = {v->x, v->y};
    wg_xform *t = NULL;
    if (worker_lonlat(w, &t) != WG_OK)
        wg_ctx_clear(w->ctx);
    if (!t || isnan(ll[0]) || isnan(ll[1]))
        ll[0] = ll[1] = NAN;
    else
        wg_xform_points(t, ll, 1);
    double lon = ll[0], lat = ll[1];
    /* lon/lat to 1e-7 degree (about a centimetre): no more digits than the data has */
    json_t *jlon = isnan(lon) ? json_null() : json_real(round(lon * 1e7) / 1e7);
    json_t *jlat = isnan(lat) ? json_null() : json_real(round(lat * 1e7) / 1e7);
    return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "id", v->id,
                     "category", v->category ? json_string(v->category) : json_null(), "source",
                     v->source ? json_string(v->source) : json_null(), "reported",
                     json_time(v->reported, v->reported == WG_NO_TIME), "dispatched",
                     json_time(v->dispatched, v->dispatched == WG_NO_TIME), "closed",
                     json_time(v->closed, v->closed == WG_NO_TIME), "due",
                     json_time(due, due == WG_NO_TIME), "status",
                     v->status ? json_string(v->status) : json_null(), "cell",
                     cell ? json_string(cell) : json_null(), "unassigned",
                     unassigned(v, cell) ? json_string(unassigned(v, cell)) : json_null(), "lon",
                     jlon, "lat", jlat, "overdue", overdue);
}

static json_t *with_action(json_t *data, const char *action)
{
    if (data)
        json_object_set_new(data, "action", json_string(action));
    return data;
}

/* The cases of one write, as feed_cases_written() publishes them: a[i] has the id `id`. */
typedef struct case_batch {
    feed *F;
    worker *w;
    const wg_incidents *a;
    const cell_names *cn;
    const wg_categories *cats;
    size_t n_before;
} case_batch;

static wg_status publish_case(void *user, size_t i, const char *id)
{
    const case_batch *b = user;
    const wg_incidents *a = b->a;
    if (!id) /* (gone meanwhile) */
        return WG_OK;
    case_view v = {.id = id,
                   .category = a->category[i] == WG_NO_CODE ? NULL : a->cat_code[a->category[i]],
                   .source = a->source[i] == WG_NO_CODE ? NULL : a->src_code[a->source[i]],
                   .status = a->status[i] == WG_NO_CODE ? NULL : a->status_code[a->status[i]],
                   .reported = a->reported[i],
                   .dispatched = a->dispatched[i],
                   .closed = a->closed[i],
                   .due = a->due[i],
                   .x = a->xy[2 * i],
                   .y = a->xy[2 * i + 1],
                   .cell = a->cell[i],
                   .flags = a->flags[i]};
    json_t *j = case_json(b->w, &v, cell_name(b->cn, v.cell), b->cats);
    events_publish(b->F->S->ev, "case",
                   with_action(j, a->pos[i] >= b->n_before ? "new" : "changed"));
    return WG_OK;
}

/* `case` events for the incidents written after version `since` (of version `ver` alone when
 * ver > 0): "new" for those past the first n_before, else "changed"; none when there are more
 * than FEED_MAX_CASES. */
static void publish_cases(feed *F, worker *w, int64_t since, int64_t ver, size_t n_before)
{
    wg_ws *ws = w->ws;
    wg_inc_filter f = {.since = since, .from = WG_NO_TIME, .to = INT64_MAX};
    wg_incidents a;
    const unsigned cols = WG_IC_FID | WG_IC_XY | WG_IC_REPORTED | WG_IC_DISPATCHED | WG_IC_CLOSED |
                          WG_IC_DUE | WG_IC_CATEGORY | WG_IC_STATUS | WG_IC_VER | WG_IC_POS |
                          WG_IC_CELL | WG_IC_SOURCE | WG_IC_FLAGS;
    wg_categories cats = {0};
    bool have_cats = wg_store_categories(ws, &cats) == WG_OK;
    if (wg_store_incidents_read(ws, cols, &f, &a) == WG_OK) {
        /* only this write's (a later one's rows have a higher version), compacted in place */
        size_t m = 0;
        for (size_t i = 0; i < a.n; i++)
            if (ver <= 0 || a.ver[i] == ver) {
                a.fid[m] = a.fid[i], a.pos[m] = a.pos[i], a.cell[m] = a.cell[i];
                a.xy[2 * m] = a.xy[2 * i], a.xy[2 * m + 1] = a.xy[2 * i + 1];
                a.reported[m] = a.reported[i], a.dispatched[m] = a.dispatched[i];
                a.closed[m] = a.closed[i], a.due[m] = a.due[i];
                a.category[m] = a.category[i], a.status[m] = a.status[i];
                a.source[m] = a.source[i], a.flags[m] = a.flags[i];
                m++;
            }
        cell_names cn = {0};
        if (m <= FEED_MAX_CASES)
            cell_names_load(ws, a.xy, m, &cn);
        case_batch b = {F, w, &a, &cn, have_cats ? &cats : NULL, n_before};
        a.n = m;
        if (m && m <= FEED_MAX_CASES &&
            wg_store_incident_ids(ws, a.fid, m, publish_case, &b) != WG_OK)
            wg_ctx_clear(w->ctx);
        cell_names_free(&cn);
        wg_incidents_free(&a);
    }
    wg_ctx_clear(w->ctx); /* the feed is best effort: the write itself has succeeded */
    if (have_cats)
        wg_categories_free(&cats);
}

void feed_cases_written(feed *F, worker *w, int64_t ver, size_t n_before)
{
    if (ver > 0)
        publish_cases(F, w, ver - 1, ver, n_before);
    publish_kpi(F, w->ws);
    publish_tiles(F, MAPS_OF_INCIDENTS, ver);
    wg_ctx_clear(w->ctx);
}

json_t *feed_case_json(worker *w, int64_t fid)
{
    wg_incident_rec r;
    bool found = false;
    if (wg_store_incident_get(w->ws, fid, &r, &found) != WG_OK || !found)
        return NULL;
    case_view v = {.id = r.id,
                   .category = r.has_category ? r.category : NULL,
                   .source = r.source[0] ? r.source : NULL,
                   .status = r.has_status ? r.status : NULL,
                   .reported = r.reported,
                   .dispatched = r.dispatched,
                   .closed = r.closed,
                   .due = r.due,
                   .x = r.x,
                   .y = r.y,
                   .cell = r.cell,
                   .flags = r.flags};
    const double xy[2] = {r.x, r.y};
    cell_names cn;
    cell_names_load(w->ws, xy, 1, &cn);
    wg_categories cats = {0};
    bool have_cats = wg_store_categories(w->ws, &cats) == WG_OK;
    json_t *j = case_json(w, &v, cell_name(&cn, r.cell), have_cats ? &cats : NULL);
    if (have_cats)
        wg_categories_free(&cats);
    cell_names_free(&cn);
    return j;
}

void feed_case_patched(feed *F, worker *w, int64_t ver, int64_t fid, json_t **json)
{
    json_t *j = feed_case_json(w, fid);
    wg_ctx_clear(w->ctx);
    if (json)
        *json = j ? json_deep_copy(j) : NULL;
    if (ver <= 0) { /* nothing changed: nothing to say */
        json_decref(j);
        return;
    }
    if (j)
        events_publish(F->S->ev, "case", with_action(j, "changed"));
    publish_kpi(F, w->ws);
    publish_tiles(F, MAPS_OF_INCIDENTS, ver);
    wg_ctx_clear(w->ctx);
}

void feed_plan_moved(feed *F, worker *w, int64_t plan, int64_t ver0)
{
    wg_plan_rec p;
    bool found = false;
    if (wg_store_plan_get(w->ws, plan, &p, &found) == WG_OK && found) {
        publish_plan(F, w->ws, plan, ver0, p.ver, "move");
        publish_tiles(F, MAPS_OF_PLAN, p.ver);
        publish_kpi(F, w->ws);
    }
    wg_ctx_clear(w->ctx);
}

/* ---- The server's own writes, and the watcher ------------------------------------------------ */

void feed_write_begin(feed *F)
{
    pthread_mutex_lock(&F->mu);
    F->busy++;
    F->gen++;
    pthread_mutex_unlock(&F->mu);
}

void feed_write_end(feed *F, worker *w, unsigned wrote)
{
    watch_state now;
    bool ok = wrote && snapshot(w->ws, &now) == WG_OK;
    if (wrote) /* (after a failed write its error stays on ctx for the answer) */
        wg_ctx_clear(w->ctx);
    pthread_mutex_lock(&F->mu);
    if (ok && (wrote & FEED_INCIDENTS))
        F->seen.incidents = now.incidents, F->seen.assignment = now.assignment,
        F->seen.ncases = now.ncases;
    if (ok && (wrote & FEED_PLAN))
        F->seen.plan = now.plan, F->seen.plan_ver = now.plan_ver;
    F->busy--;
    pthread_mutex_unlock(&F->mu);
}

/* Publishes what changed from `was` to `now`, written by someone else. */
static void publish_changes(feed *F, const watch_state *was, const watch_state *now)
{
    unsigned maps = 0;
    int64_t ver = 0;
    if (now->plan != was->plan || now->plan_ver != was->plan_ver) {
        bool same = now->plan == was->plan;
        if (now->plan)
            publish_plan(F, F->ws, now->plan, same ? was->plan_ver : 0, now->plan_ver,
                         same ? "changed" : "activated");
        maps |= MAPS_OF_PLAN;
        ver = now->plan_ver > ver ? now->plan_ver : ver;
    }
    if (now->incidents != was->incidents) {
        /* the cases another process (a server beside this one) wrote */
        publish_cases(F, &F->wk, was->incidents, 0, was->ncases);
        maps |= MAPS_OF_INCIDENTS;
        ver = now->incidents > ver ? now->incidents : ver;
    }
    if (now->assignment != was->assignment) {
        maps |= MAPS_OF_ASSIGNMENT;
        ver = now->assignment > ver ? now->assignment : ver;
    }
    if (now->cameras != was->cameras) {
        maps |= MAPS_OF_CAMERAS;
        ver = now->cameras > ver ? now->cameras : ver;
    }
    if (maps)
        publish_tiles(F, maps, ver);
    if (maps & (M_INCIDENTS | M_PLAN))
        publish_kpi(F, F->ws);
    wg_ctx_clear(F->ctx);
}

static void *watch(void *arg)
{
    feed *F = arg;
    pthread_mutex_lock(&F->mu);
    while (!F->stop && !wg_ctx_cancelled(F->ctx)) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        double at = (double)tv.tv_sec + (double)tv.tv_usec / 1e6 + F->poll_s;
        struct timespec ts = {(time_t)at, (long)((at - (double)(time_t)at) * 1e9)};
        pthread_cond_timedwait(&F->wake, &F->mu, &ts);
        if (F->stop || F->busy)
            continue;
        uint64_t gen = F->gen;
        pthread_mutex_unlock(&F->mu);
        watch_state now;
        wg_ctx_clear(F->ctx);
        wg_status st = snapshot(F->ws, &now);
        pthread_mutex_lock(&F->mu);
        /* a write of the server's own began meanwhile: what it wrote is its to say */
        if (st != WG_OK || F->busy || F->gen != gen)
            continue;
        watch_state was = F->seen;
        F->seen = now;
        pthread_mutex_unlock(&F->mu);
        publish_changes(F, &was, &now);
        pthread_mutex_lock(&F->mu);
    }
    pthread_mutex_unlock(&F->mu);
    return NULL;
}

feed *feed_new(server *S, double poll_s)
{
    feed *F = calloc(1, sizeof *F);
    if (!F) {
        wg_fail(S->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    F->S = S;
    F->poll_s = poll_s;
    pthread_mutex_init(&F->mu, NULL);
    pthread_cond_init(&F->wake, NULL);
    wg_status st = WG_OK;
    if (!(F->ctx = wg_ctx_new_for_thread(S->ctx)))
        st = wg_fail(S->ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK && wg_ws_open(F->ctx, S->ws_path, &F->ws) != WG_OK)
        st = wg_fail(S->ctx, wg_ctx_status(F->ctx), "%s", wg_ctx_errmsg(F->ctx));
    if (st == WG_OK) {
        F->wk = (worker){.ctx = F->ctx, .ws = F->ws, .S = S};
        wg_ws_set_command(F->ws, "serve (watching for changes)");
        if (snapshot(F->ws, &F->seen) != WG_OK)
            st = wg_fail(S->ctx, wg_ctx_status(F->ctx), "%s", wg_ctx_errmsg(F->ctx));
    }
    if (st == WG_OK && pthread_create(&F->thread, NULL, watch, F) != 0)
        st = wg_fail(S->ctx, WG_ENOMEM, "cannot start the watcher thread");
    if (st != WG_OK) {
        feed_free(F);
        return NULL;
    }
    F->running = true;
    return F;
}

void feed_free(feed *F)
{
    if (!F)
        return;
    if (F->running) {
        pthread_mutex_lock(&F->mu);
        F->stop = true;
        pthread_cond_broadcast(&F->wake);
        pthread_mutex_unlock(&F->mu);
        pthread_join(F->thread, NULL);
    }
    wg_xform_free(F->wk.lonlat);
    wg_ws_close(F->ws);
    wg_ctx_free(F->ctx);
    pthread_cond_destroy(&F->wake);
    pthread_mutex_destroy(&F->mu);
    free(F);
}
