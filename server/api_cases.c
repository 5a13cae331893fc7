/* server/api_cases.c: the command center's case list and a cell's card - the incidents of a box
 * and period, newest first, a page at a time, and everything about one cell (see wg/serve.h).
 * Reads the incidents as the store's arrays and pages them here; knows no SQL. */
#include "serve_int.h"
#include "wg/report.h"
#include "wg/store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 1000
#define CELL_CASES 20

/* ---- What every case answer needs: categories' deadlines, the assignment's cells ------------ */

typedef struct case_ctx {
    worker *w;
    wg_incidents a;
    int64_t end;        /* "as of", as the report takes it: overdue means open and due before */
    double *deadline_s; /* per category code of a: NaN without a deadline */
    wg_plan_rec active; /* the active plan (id 0 when none) */
    bool assigned;      /* the stored assignment is of the active plan */
    char (*code)[32];   /* cell codes of the active plan by index */
    size_t ncells, capcells;
} case_ctx;

static void case_ctx_free(case_ctx *C)
{
    wg_incidents_free(&C->a);
    free(C->deadline_s);
    free(C->code);
}

static wg_status on_code(void *user, const wg_cell_rec *c)
{
    case_ctx *C = user;
    wg_status st =
        wg_grow(C->w->ctx, (void **)&C->code, &C->capcells, C->ncells + 1, sizeof *C->code);
    if (st == WG_OK)
        snprintf(C->code[C->ncells++], sizeof *C->code, "%s", c->code);
    return st;
}

/* The latest reported or closed time of the incidents a (WG_NO_TIME when none). */
static void latest_of(const wg_incidents *a, int64_t *t)
{
    *t = WG_NO_TIME;
    for (size_t i = 0; i < a->n; i++) {
        if (a->reported[i] != WG_NO_TIME && a->reported[i] > *t)
            *t = a->reported[i];
        if (a->closed[i] != WG_NO_TIME && a->closed[i] > *t)
            *t = a->closed[i];
    }
}

/* The latest reported or closed time of any incident (what an open period is taken "as of",
 * as the report takes it). */
static wg_status latest_time(worker *w, int64_t *t)
{
    wg_incidents all = {0};
    wg_status st = wg_store_incidents_read(w->ws, WG_IC_REPORTED | WG_IC_CLOSED, NULL, &all);
    if (st == WG_OK)
        latest_of(&all, t);
    wg_incidents_free(&all);
    return st;
}

/* Reads the incidents f selects with everything a case answer shows, the categories'
 * deadlines, and the active plan's cells when the assignment is of it (in one snapshot). */
static wg_status case_ctx_read(case_ctx *C, const wg_inc_filter *f)
{
    worker *w = C->w;
    wg_categories cats = {0};
    wg_derived dv;
    bool found = false;
    wg_status st = wg_store_read_begin(w->ws);
    if (st == WG_OK)
        st = wg_store_incidents_read(w->ws,
                                     WG_IC_FID | WG_IC_XY | WG_IC_REPORTED | WG_IC_DISPATCHED |
                                         WG_IC_CLOSED | WG_IC_DUE | WG_IC_CATEGORY | WG_IC_SOURCE |
                                         WG_IC_STATUS | WG_IC_CELL | WG_IC_FLAGS,
                                     f, &C->a);
    int64_t latest = WG_NO_TIME;
    if (st == WG_OK && f->to == INT64_MAX && !f->bbox && f->from == WG_NO_TIME && !f->since)
        latest_of(&C->a, &latest); /* every incident is here already */
    else if (st == WG_OK && f->to == INT64_MAX)
        st = latest_time(w, &latest);
    C->end = f->to != INT64_MAX ? f->to : latest == WG_NO_TIME ? 0 : latest + 1;
    if (st == WG_OK)
        st = wg_store_categories(w->ws, &cats);
    if (st == WG_OK && !(C->deadline_s = malloc((C->a.ncat + 1) * sizeof *C->deadline_s)))
        st = wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; st == WG_OK && k < C->a.ncat; k++) {
        long r = wg_categories_find(&cats, C->a.cat_code[k]);
        C->deadline_s[k] = r >= 0 ? cats.deadline_s[r] : NAN;
    }
    wg_categories_free(&cats);
    if (st == WG_OK)
        st = wg_store_plan_get(w->ws, 0, &C->active, &found);
    if (st == WG_OK && !found)
        C->active.id = 0;
    if (st == WG_OK)
        st = wg_store_derived_get(w->ws, "assignment", &dv);
    C->assigned = st == WG_OK && found && dv.any && dv.plan == C->active.id;
    if (st == WG_OK && C->assigned)
        st = wg_store_cells_each(w->ws, C->active.id, 0, 0, on_code, C);
    wg_store_read_end(w->ws);
    return st;
}

static int64_t due_of(const case_ctx *C, size_t i)
{
    const wg_incidents *a = &C->a;
    if (a->due[i] != WG_NO_TIME)
        return a->due[i];
    uint16_t k = a->category[i];
    double dl = k != WG_NO_CODE && k < a->ncat ? C->deadline_s[k] : NAN;
    return a->reported[i] != WG_NO_TIME && !isnan(dl) ? a->reported[i] + (int64_t)dl : WG_NO_TIME;
}

static json_t *code_or_null(char *const *codes, size_t n, uint16_t k)
{
    return k != WG_NO_CODE && k < n ? json_string(codes[k]) : json_null();
}

static json_t *time_or_null(int64_t t)
{
    return json_time(t, t == WG_NO_TIME);
}

/* Case i as JSON (lonlat: its lon, lat or NaN; id: its id). */
static json_t *case_json(const case_ctx *C, size_t i, const double *lonlat, const char *id)
{
    const wg_incidents *a = &C->a;
    int64_t due = due_of(C, i), clo = a->closed[i];
    bool closed = clo != WG_NO_TIME && clo < C->end;
    static const char *const why[] = {NULL, "outside", "gap", "no_location"};
    json_t *cell = json_null(), *reason = json_null();
    if (!C->assigned)
        reason = json_string("not_assigned");
    else if (a->flags[i] & WG_AF_PENDING)
        reason = json_string("pending");
    else if (a->cell[i] >= 0 && (size_t)a->cell[i] < C->ncells)
        cell = json_string(C->code[a->cell[i]]);
    else
        reason = json_string(why[a->flags[i] & WG_AF_REASON] ? why[a->flags[i] & WG_AF_REASON]
                                                             : "outside");
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o}", "id",
                     id ? json_string(id) : json_null(), "category",
                     code_or_null(a->cat_code, a->ncat, a->category[i]), "source",
                     code_or_null(a->src_code, a->nsrc, a->source[i]), "status",
                     code_or_null(a->status_code, a->nstatus, a->status[i]), "reported",
                     time_or_null(a->reported[i]), "dispatched", time_or_null(a->dispatched[i]),
                     "closed", time_or_null(clo), "due", time_or_null(due), "overdue",
                     !closed && due != WG_NO_TIME && due < C->end, "cell", cell, "unassigned",
                     reason, "lon", json_num(lonlat[0]), "lat", json_num(lonlat[1]));
}

/* ---- The page: newest first by (reported, fid), kept in a small heap ------------------------ */

/* Whether case i comes after case j in the list (older; the same time: the earlier row). */
static bool later_in_list(const wg_incidents *a, size_t i, size_t j)
{
    return a->reported[i] != a->reported[j] ? a->reported[i] < a->reported[j]
                                            : a->fid[i] < a->fid[j];
}

/* A heap of at most cap indexes whose root is the one latest in the list, so that it holds the
 * first cap of everything pushed. */
typedef struct page {
    const wg_incidents *a;
    size_t *v, n, cap;
} page;

static void page_push(page *p, size_t i)
{
    const wg_incidents *a = p->a;
    size_t k;
    if (p->n < p->cap) { /* sift up */
        k = p->n++;
        while (k > 0 && later_in_list(a, i, p->v[(k - 1) / 2])) {
            p->v[k] = p->v[(k - 1) / 2];
            k = (k - 1) / 2;
        }
        p->v[k] = i;
        return;
    }
    if (p->cap == 0 || !later_in_list(a, p->v[0], i))
        return; /* i comes after everything kept */
    k = 0;      /* replace the root and sift down */
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, m = k;
        size_t mv = i;
        if (l < p->n && later_in_list(a, p->v[l], mv))
            m = l, mv = p->v[l];
        if (r < p->n && later_in_list(a, p->v[r], mv))
            m = r, mv = p->v[r];
        if (m == k)
            break;
        p->v[k] = p->v[m];
        k = m;
    }
    p->v[k] = i;
}

typedef struct list_key {
    int64_t reported, fid;
    size_t i;
} list_key;

static int cmp_list(const void *x, const void *y)
{
    const list_key *a = x, *b = y;
    if (a->reported != b->reported)
        return a->reported > b->reported ? -1 : 1; /* newest first */
    return a->fid > b->fid ? -1 : a->fid < b->fid ? 1 : 0;
}

/* The kept indexes in list order. */
static wg_status page_sort(wg_ctx *ctx, page *p)
{
    list_key *k = malloc((p->n + 1) * sizeof *k);
    if (!k)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t j = 0; j < p->n; j++)
        k[j] = (list_key){p->a->reported[p->v[j]], p->a->fid[p->v[j]], p->v[j]};
    qsort(k, p->n, sizeof *k, cmp_list);
    for (size_t j = 0; j < p->n; j++)
        p->v[j] = k[j].i;
    free(k);
    return WG_OK;
}

/* The cursor of case i: where the next page starts (after it). Opaque to the page. */
static void cursor_of(const wg_incidents *a, size_t i, char *out, size_t n)
{
    snprintf(out, n, "c1.%" PRId64 ".%" PRId64, a->reported[i], a->fid[i]);
}

static bool cursor_parse(const char *s, int64_t *rep, int64_t *fid)
{
    char tail;
    long long r, f;
    if (sscanf(s, "c1.%lld.%lld%c", &r, &f, &tail) != 2)
        return false;
    *rep = r, *fid = f;
    return true;
}

typedef struct id_acc {
    const char **id;
    char **own;
} id_acc;

static wg_status on_id(void *user, size_t i, const char *id)
{
    id_acc *A = user;
    A->own[i] = id ? strdup(id) : NULL;
    A->id[i] = A->own[i];
    return WG_OK;
}

/* The cases v[0..n) as a JSON array: positions in lon/lat and ids read for these alone. */
static wg_status cases_json(case_ctx *C, const size_t *v, size_t n, json_t **out)
{
    worker *w = C->w;
    wg_xform *t = NULL;
    double *ll = malloc((2 * n + 2) * sizeof *ll);
    int64_t *fid = malloc((n + 1) * sizeof *fid);
    const char **id = calloc(n + 1, sizeof *id);
    char **own = calloc(n + 1, sizeof *own);
    wg_status st = ll && fid && id && own ? WG_OK : wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        ll[2 * k] = C->a.xy[2 * v[k]], ll[2 * k + 1] = C->a.xy[2 * v[k] + 1];
        fid[k] = C->a.fid[v[k]];
    }
    if (st == WG_OK)
        st = worker_lonlat(w, &t);
    if (st == WG_OK)
        wg_xform_points(t, ll, n); /* NaN where none: without a location, or out of reach */
    id_acc A = {id, own};
    if (st == WG_OK)
        st = wg_store_incident_ids(w->ws, fid, n, on_id, &A);
    json_t *arr = st == WG_OK ? json_array() : NULL;
    for (size_t k = 0; arr && k < n; k++)
        json_array_append_new(arr, case_json(C, v[k], ll + 2 * k, id[k]));
    for (size_t k = 0; own && k < n; k++)
        free(own[k]);
    free(ll), free(fid), free(id), free(own);
    if (st == WG_OK && !arr)
        st = wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        *out = arr;
    return st;
}

/* ---- GET /api/incidents ------------------------------------------------------------------- */

typedef struct inc_query {
    period_q q;
    bool has_bbox;
    double box[4], outer[4], inner[4];
    size_t limit;
    bool has_cursor;
    int64_t cur_rep, cur_fid;
} inc_query;

/* The query's parameters; false with the message (naming the parameter) in why. */
static bool inc_params(struct MHD_Connection *c, worker *w, inc_query *iq, char *why, size_t n)
{
    if (!query_period_of(c, w->ctx, &iq->q, why, n))
        return false;
    const char *bb = query_arg(c, "bbox"), *lim = query_arg(c, "limit"),
               *cur = query_arg(c, "cursor");
    iq->has_bbox = bb && *bb;
    if (iq->has_bbox && !query_bbox(bb, iq->box, why, n))
        return false;
    iq->limit = LIMIT_DEFAULT;
    if (lim && *lim) {
        char *end = NULL;
        long v = strtol(lim, &end, 10);
        if (end == lim || *end || v < 1 || v > LIMIT_MAX) {
            snprintf(why, n, "limit: '%s' is not a whole number from 1 to %d", lim, LIMIT_MAX);
            return false;
        }
        iq->limit = (size_t)v;
    }
    iq->has_cursor = cur && *cur;
    if (iq->has_cursor && !cursor_parse(cur, &iq->cur_rep, &iq->cur_fid)) {
        snprintf(why, n, "cursor: '%s' is not a cursor this server gave (take 'next' as it is)",
                 cur);
        return false;
    }
    return true;
}

static bool wanted_category(const case_ctx *C, const bool *want, size_t i)
{
    uint16_t k = C->a.category[i];
    return !want || (k != WG_NO_CODE && k < C->a.ncat && want[k]);
}

/* want[k]: category code k of the incidents is one asked for (NULL when all are). */
static bool *categories_wanted(const case_ctx *C, const period_q *q)
{
    if (!q->ncats)
        return NULL;
    bool *want = calloc(C->a.ncat + 1, sizeof *want);
    for (size_t k = 0; want && k < C->a.ncat; k++)
        for (size_t j = 0; j < q->ncats; j++)
            want[k] |= strcmp(C->a.cat_code[k], q->cats[j]) == 0;
    return want;
}

/* Whether located case i lies in the lon/lat box; in[i] says, after the exact test of those
 * between the inner and outer boxes (in the workspace CRS) made in one batch. */
static wg_status in_box(case_ctx *C, const inc_query *iq, uint8_t *in)
{
    const wg_incidents *a = &C->a;
    size_t nb = 0;
    for (size_t i = 0; i < a->n; i++) {
        double x = a->xy[2 * i], y = a->xy[2 * i + 1];
        bool inner =
            x >= iq->inner[0] && x <= iq->inner[2] && y >= iq->inner[1] && y <= iq->inner[3];
        in[i] = isnan(x) ? 0 : inner ? 1 : 2; /* 2: to test */
        nb += in[i] == 2;
    }
    if (nb == 0)
        return WG_OK;
    double *ll = malloc(2 * nb * sizeof *ll);
    if (!ll)
        return wg_fail(C->w->ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < a->n; i++)
        if (in[i] == 2)
            ll[2 * k] = a->xy[2 * i], ll[2 * k + 1] = a->xy[2 * i + 1], k++;
    wg_xform *t = NULL;
    wg_status st = worker_lonlat(C->w, &t);
    if (st == WG_OK)
        wg_xform_points(t, ll, nb); /* a point out of PROJ's reach: NaN, in no box */
    for (size_t i = 0, k = 0; st == WG_OK && i < a->n; i++)
        if (in[i] == 2) {
            double lon = ll[2 * k], lat = ll[2 * k + 1];
            in[i] =
                lon >= iq->box[0] && lon <= iq->box[2] && lat >= iq->box[1] && lat <= iq->box[3];
            k++;
        }
    free(ll);
    return st;
}

static json_t *filter_json(const inc_query *iq, size_t total)
{
    json_t *cats = iq->q.ncats ? json_array() : json_null();
    for (size_t k = 0; k < iq->q.ncats; k++)
        json_array_append_new(cats, json_string(iq->q.cats[k]));
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:I}", "bbox",
        iq->has_bbox ? json_pack("[f,f,f,f]", iq->box[0], iq->box[1], iq->box[2], iq->box[3])
                     : json_null(),
        "from", json_time(iq->q.from, iq->q.from == INT64_MIN), "to",
        json_time(iq->q.to, iq->q.to == INT64_MAX), "category", cats, "total", (json_int_t)total);
}

static json_t *plan_json(const case_ctx *C)
{
    return C->active.id
               ? json_pack("{s:I,s:s}", "id", (json_int_t)C->active.id, "name", C->active.name)
               : json_null();
}

enum MHD_Result api_incidents(struct MHD_Connection *c, worker *w)
{
    double t0 = wg_now();
    inc_query iq;
    char why[512];
    if (!inc_params(c, w, &iq, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    wg_xform *t = NULL;
    wg_status st = WG_OK;
    if (iq.has_bbox && ((st = worker_lonlat(w, &t)) != WG_OK ||
                        (st = wg_xform_box(w->ctx, t, true, iq.box, iq.outer, iq.inner)) != WG_OK))
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    case_ctx C = {.w = w};
    wg_inc_filter f = {.from = iq.q.from == INT64_MIN ? WG_NO_TIME : iq.q.from,
                       .to = iq.q.to,
                       .bbox = iq.has_bbox ? iq.outer : NULL};
    st = case_ctx_read(&C, &f);
    bool *want = st == WG_OK ? categories_wanted(&C, &iq.q) : NULL;
    uint8_t *in = st == WG_OK && iq.has_bbox ? malloc(C.a.n + 1) : NULL;
    page p = {.a = &C.a, .cap = iq.limit + 1}; /* one more: is there a next page? */
    p.v = malloc(p.cap * sizeof *p.v);
    if (st == WG_OK && (!p.v || (iq.q.ncats && !want) || (iq.has_bbox && !in)))
        st = wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK && iq.has_bbox)
        st = in_box(&C, &iq, in);
    size_t total = 0;
    for (size_t i = 0; st == WG_OK && i < C.a.n; i++) {
        if ((in && !in[i]) || !wanted_category(&C, want, i))
            continue;
        total++;
        if (iq.has_cursor && !(C.a.reported[i] != iq.cur_rep ? C.a.reported[i] < iq.cur_rep
                                                             : C.a.fid[i] < iq.cur_fid))
            continue; /* on an earlier page */
        page_push(&p, i);
    }
    json_t *list = NULL;
    if (st == WG_OK)
        st = page_sort(w->ctx, &p);
    if (st == WG_OK)
        st = cases_json(&C, p.v, p.n < iq.limit ? p.n : iq.limit, &list);
    char next[64] = "";
    if (st == WG_OK && p.n > iq.limit)
        cursor_of(&C.a, p.v[iq.limit - 1], next, sizeof next);
    json_t *body = NULL;
    if (st == WG_OK)
        body = json_pack(
            "{s:s,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:f}", "schema", "wangge-incidents/1", "filter",
            filter_json(&iq, total), "as_of", json_time(C.end - 1, false), "plan", plan_json(&C),
            "limit", (json_int_t)iq.limit, "count", (json_int_t)json_array_size(list), "next",
            next[0] ? json_string(next) : json_null(), "incidents", list, "seconds", wg_now() - t0);
    free(want), free(in), free(p.v);
    case_ctx_free(&C);
    if (st != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    return send_json(c, MHD_HTTP_OK, body);
}

/* ---- GET /api/cells/{code}?from=&to= ----------------------------------------------------------
 */

static wg_status on_posting(void *user, const wg_posting_rec *p)
{
    json_t **acc = user; /* [0]: the code as a string, [1]: the workers */
    if (strcmp(p->cell, json_string_value(acc[0])) == 0)
        json_array_append_new(acc[1], json_pack("{s:s,s:o}", "id", p->worker, "name",
                                                p->name ? json_string(p->name) : json_null()));
    return WG_OK;
}

static wg_status on_camera(void *user, const char *camera, const char *kind, double area_m2)
{
    json_array_append_new(user,
                          json_pack("{s:s,s:o,s:f}", "id", camera, "kind",
                                    kind ? json_string(kind) : json_null(), "seen_m2", area_m2));
    return WG_OK;
}

static json_t *report_row_json(const wg_report *r, const wg_report_row *x)
{
    json_t *cat = json_object(), *src = json_object();
    for (size_t k = 0; k < r->ncategories; k++)
        if (x->by_category[k] > 0)
            json_object_set_new(cat, r->category[k][0] ? r->category[k] : "(none)",
                                json_real(x->by_category[k]));
    for (int s = 0; s < WG_NSRC; s++)
        json_object_set_new(src, wg_source_name(s), json_real(x->by_source[s]));
    return json_pack(
        "{s:o,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o}", "period",
        json_pack("{s:o,s:o,s:o}", "from", json_time(r->from, r->from == INT64_MIN), "to",
                  json_time(r->to, r->to == INT64_MAX), "as_of", json_time(r->as_of, false)),
        "incidents", x->incidents, "hours", x->hours, "open", x->open, "overdue", x->overdue, "due",
        x->due, "closed_due", x->closed_due, "on_time", x->on_time, "closing_rate",
        json_num(x->closing_rate), "on_time_rate", json_num(x->on_time_rate), "close_median_h",
        json_num(x->close_median_h), "close_p90_h", json_num(x->close_p90_h), "seen_share",
        json_num(x->seen_share), "patrol_m", json_num(x->patrol_m), "index", json_num(x->index),
        "flag",
        x->flag > 0   ? "over"
        : x->flag < 0 ? "under"
                      : "",
        "by_category", cat, "by_source", src);
}

/* The cell's row of the report over the period, or null with why in *err (no assignment). */
static json_t *cell_report(worker *w, const period_q *q, const char *code, json_t **err)
{
    wg_report_opts o = {.by = WG_BY_CELL,
                        .from = q->from,
                        .to = q->to,
                        .categories = q->ncats ? q->cats : NULL,
                        .ncategories = q->ncats};
    wg_report r;
    if (wg_report_make(w->ws, &o, &r) != WG_OK) {
        *err = json_string(wg_ctx_errmsg(w->ctx));
        wg_ctx_clear(w->ctx);
        return json_null();
    }
    json_t *row = json_null();
    for (size_t i = 0; i < r.nrows; i++)
        if (strcmp(r.rows[i].id, code) == 0) {
            json_decref(row);
            row = report_row_json(&r, &r.rows[i]);
        }
    wg_report_free(&r);
    return row;
}

/* The most recent cases of cell index idx (the assignment's), newest first. */
static wg_status recent_cases(worker *w, int32_t idx, json_t **out)
{
    case_ctx C = {.w = w};
    wg_inc_filter f = {.from = WG_NO_TIME, .to = INT64_MAX};
    wg_status st = case_ctx_read(&C, &f);
    page p = {.a = &C.a, .cap = CELL_CASES};
    p.v = malloc(p.cap * sizeof *p.v);
    if (st == WG_OK && !p.v)
        st = wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0; st == WG_OK && C.assigned && idx >= 0 && i < C.a.n; i++)
        if (C.a.cell[i] == idx && !(C.a.flags[i] & WG_AF_PENDING))
            page_push(&p, i);
    if (st == WG_OK)
        st = page_sort(w->ctx, &p);
    if (st == WG_OK)
        st = cases_json(&C, p.v, p.n, out);
    free(p.v);
    case_ctx_free(&C);
    return st;
}

enum MHD_Result api_cell(struct MHD_Connection *c, worker *w, const char *code)
{
    period_q q;
    char why[512];
    if (!query_period_of(c, w->ctx, &q, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    wg_plan_rec p;
    wg_cell_rec cell;
    bool found = false, has_cell = false;
    char cname[128] = "";
    wg_weight_name wn;
    wg_status st = wg_store_plan_get(w->ws, 0, &p, &found);
    if (st == WG_OK && !found)
        return send_error(c, MHD_HTTP_NOT_FOUND, "no active plan: make one with wangge partition");
    if (st == WG_OK)
        st = wg_store_cell_get(w->ws, p.id, code, &cell, &has_cell);
    if (st == WG_OK && !has_cell)
        return send_errorf(c, MHD_HTTP_NOT_FOUND, "no cell '%s' in the active plan %s", code,
                           p.name);
    if (st == WG_OK && cell.community[0])
        st = wg_store_community_name(w->ws, cell.community, cname);
    if (st == WG_OK)
        st = wg_store_weight_name(w->ws, &wn);
    json_t *workers = json_array(), *cameras = json_array(), *recent = NULL;
    json_t *acc[2] = {json_string(code), workers};
    if (st == WG_OK)
        st = wg_store_postings_each(w->ws, on_posting, acc);
    json_decref(acc[0]);
    if (st == WG_OK)
        st = wg_store_cell_cameras(w->ws, code, on_camera, cameras);
    if (st == WG_OK)
        st = recent_cases(w, cell.idx, &recent);
    /* the cell's extent in lon/lat, for the page to zoom to */
    wg_xform *t = NULL;
    double outer[4] = {NAN, NAN, NAN, NAN}, inner[4];
    if (st == WG_OK && !isnan(cell.box[0]) && (st = worker_lonlat(w, &t)) == WG_OK)
        st = wg_xform_box(w->ctx, t, false, cell.box, outer, inner);
    if (st != WG_OK) {
        json_decref(workers), json_decref(cameras), json_decref(recent);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    }
    json_t *err = json_null();
    json_t *report = cell_report(w, &q, code, &err);
    return send_json(
        c, MHD_HTTP_OK,
        json_pack("{s:s,s:{s:I,s:s},s:s,s:{s:s,s:s},s:I,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                  "schema", "wangge-cell/1", "plan", "id", (json_int_t)p.id, "name", p.name, "code",
                  cell.code, "community", "id", cell.community, "name", cname, "households",
                  (json_int_t)cell.households, "weight_name", wn.name, "units",
                  (json_int_t)cell.units, "area_m2", json_num(cell.area_m2), "compactness",
                  json_num(cell.compactness), "extent",
                  isnan(outer[0]) ? json_null()
                                  : json_pack("[f,f,f,f]", outer[0], outer[1], outer[2], outer[3]),
                  "workers", workers, "cameras", cameras, "report", report, "report_error", err,
                  "recent", recent));
}
