/* tests/engine/test_store.c: the store as its users rely on it.
 *
 * Change tracking: every writer bumps the version of what it changed, in its own transaction,
 * and after it nothing derived from that data passes for current — the assignment, coverage and
 * patrol lengths record what they were built from, and wg_assign_check() compares. What no
 * derived data reads (barriers, workers, postings, visits, the categories and weights tables)
 * leaves them current. After a quick run of assign, what was stale is current again and equals
 * a full run.
 *
 * Two handles on one file, as two processes would have: a second writer waits, then fails
 * naming the first one's command; a reader keeps its snapshot while a writer commits.
 *
 * The sample city (small) is imported, partitioned and assigned once for the case; each test
 * works on a copy. */
#include "support_engine.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_store(void);

static char *base_dir; /* the case's folder: the city's files and the assigned workspace */

static void base_setup(void)
{
    base_dir = t_assigned_small_city();
}

static void base_teardown(void)
{
    t_rmtree(base_dir);
    free(base_dir);
}

/* A copy of the assigned city, opened. */
static wg_ws *city(const char *name)
{
    t_copy(t_path(base_dir, "base.wangge"), t_path(t_dir, name));
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, name), &ws));
    wg_ws_set_command(ws, "test_store");
    return ws;
}

static int64_t ver(wg_ws *ws, const char *name)
{
    wg_version v;
    T_OK(t_ctx, wg_store_version(ws, name, &v));
    return v.ver;
}

/* The versions of every layer and table, in this order. */
static const char *const NAMES[] = {"communities", "units",      "barriers", "streets",
                                    "incidents",   "cameras",    "workers",  "postings",
                                    "visits",      "categories", "weights",  "plans"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static void versions(wg_ws *ws, int64_t *v)
{
    for (size_t i = 0; i < NNAMES; i++)
        v[i] = ver(ws, NAMES[i]);
}

/* The first unit of the city and a point inside its community, for fixtures made here. */
typedef struct first_unit {
    char id[64], community[64];
    bool found;
} first_unit;

static wg_status take_first(void *user, const wg_unit_rec *u)
{
    first_unit *f = user;
    if (!f->found && u->community) {
        snprintf(f->id, sizeof f->id, "%s", u->id);
        snprintf(f->community, sizeof f->community, "%s", u->community);
        f->found = true;
    }
    return WG_OK;
}

/* A unit and the cell of another unit it can move to (a neighbour in its community), from
 * the plan's members: the first unit whose community has a second cell. */
typedef struct move {
    char unit[64], from[32], to[32];
} move;

static void find_move(wg_ws *ws, int64_t plan, move *m)
{
    char *rows = t_sql(wg_ws_path(ws),
                       "SELECT cu.unit, cu.cell, n.code FROM cell_units cu JOIN cells c ON c.plan "
                       "= cu.plan AND c.code = cu.cell JOIN cells n ON n.plan = cu.plan AND "
                       "n.code <> c.code AND ST_Touches(n.geom, c.geom) AND n.community = "
                       "c.community WHERE cu.plan = 1 ORDER BY cu.unit LIMIT 1");
    ck_assert_msg(sscanf(rows, "%63[^|]|%31[^|]|%31s", m->unit, m->from, m->to) == 3, "got '%s'",
                  rows);
    free(rows);
    (void)plan;
}

/* One writer: what it does, the version it must bump, and how the assignment then stands. */
typedef enum { CURRENT, QUICK, FULL } after;
typedef struct writer {
    const char *what;
    const char *bumps; /* NULL: none of NAMES (a plan's own version) */
    after then;
    const char *why; /* in the check's reason when stale */
} writer;

static void run_writer(wg_ws *ws, int w)
{
    wg_import_result r;
    wg_import_opts o = {.src_crs = "EPSG:4549"};
    char text[2048];
    const char *p;
    switch (w) {
    case 0: /* new incidents */
        t_import(ws, "incidents", "new.csv",
                 "id,category,source,reported,x,y\nN1,parking,hotline,2025-12-30T10:00:00Z,"
                 "501000,3451000\nN2,noise,patrol,2025-12-30T11:00:00Z,501500,3451500\n"
                 "N3,noise,patrol,2025-12-30T12:00:00Z,502500,3451900\n");
        break;
    case 1: { /* a new unit in a community: households changed */
        first_unit f = {0};
        T_OK(t_ctx, wg_store_units_each(ws, NULL, take_first, &f));
        ck_assert(f.found);
        snprintf(text, sizeof text, "id,households,community,x,y\nNEWU,7,%s,501200,3451200\n",
                 f.community);
        t_import(ws, "units", "u.csv", text);
        break;
    }
    case 2:
        t_import(ws, "cameras", "c.csv", "id,kind,x,y\nNEWC,dome,501100,3451100\n");
        break;
    case 3:
        t_import(ws, "streets", "s.csv",
                 "id,wkt\nNEWS,\"LINESTRING(500400 3450300,501400 3451300)\"\n");
        break;
    case 4:
        t_import(ws, "communities", "k.csv",
                 "id,name,wkt\nFAR,Far,\"POLYGON((600000 3500000,600100 3500000,600100 "
                 "3500100,600000 3500100,600000 3500000))\"\n");
        break;
    case 5:
        t_import(ws, "barriers", "b.csv",
                 "id,kind,wkt\nNEWB,rail,\"LINESTRING(600000 3500000,600100 3500100)\"\n");
        break;
    case 6:
        t_import(ws, "workers", "w.csv", "id,name,role\nNEWW,New,grid_worker\n");
        break;
    case 7: { /* postings: one worker on one cell */
        wg_plan_detail d;
        T_OK(t_ctx, wg_plan_detail_get(ws, 1, &d));
        snprintf(text, sizeof text, "worker,cell\nW0001,%s\n", d.cells[0].code);
        wg_plan_detail_free(&d);
        t_import(ws, "workers", "w.csv", "id,name,role\nW0001,A,grid_worker\n");
        p = t_path(t_dir, "p.csv");
        t_write(p, text);
        T_OK(t_ctx, wg_import(ws, "postings", p, &o, &r));
        break;
    }
    case 8: {
        first_unit f = {0};
        T_OK(t_ctx, wg_store_units_each(ws, NULL, take_first, &f));
        t_import(ws, "workers", "w.csv", "id,name,role\nW0001,A,grid_worker\n");
        snprintf(text, sizeof text, "worker,unit,at\nW0001,%s,2025-05-01\n", f.id);
        p = t_path(t_dir, "v.csv");
        t_write(p, text);
        T_OK(t_ctx, wg_import(ws, "visits", p, &o, &r));
        break;
    }
    case 9:
        p = t_path(t_dir, "cats.csv");
        t_write(p, "category,name,handling_hours,deadline_days\nparking,P,9,1\n*,other,1,\n");
        T_OK(t_ctx, wg_import(ws, "categories", p, &o, &r));
        break;
    case 10:
        p = t_path(t_dir, "weights.csv");
        t_write(p, "term,weight\nhouseholds,1\nhours,1\n");
        T_OK(t_ctx, wg_import(ws, "weights", p, &o, &r));
        break;
    case 11: { /* a unit moved by hand */
        move m;
        find_move(ws, 1, &m);
        const char *units[] = {m.unit};
        wg_move_result res;
        T_OK(t_ctx, wg_plan_move(ws, 1, units, 1, m.to, &res));
        break;
    }
    case 12: { /* another plan, made and activated */
        wg_part_opts po = {.target = 250, .min = 150, .max = 350, .seed = 2, .name = "p2"};
        wg_part_summary s;
        T_OK(t_ctx, wg_partition(ws, &po, &s));
        ck_assert(!s.active); /* p1 stays the active plan until asked */
        T_OK(t_ctx, wg_plan_activate(ws, s.plan));
        break;
    }
    default:
        ck_abort_msg("no writer %d", w);
    }
}

static const writer WRITERS[] = {
    {"new incidents", "incidents", QUICK, "3 incidents written since"},
    {"a new unit", "units", FULL, "units changed since"},
    {"a new camera", "cameras", FULL, "cameras changed since"},
    {"a new street", "streets", FULL, "streets changed since"},
    {"a new community", "communities", QUICK, "communities changed since"},
    {"a new barrier", "barriers", CURRENT, NULL},
    {"a new worker", "workers", CURRENT, NULL},
    {"a postings file", "postings", CURRENT, NULL},
    {"a visits file", "visits", CURRENT, NULL},
    {"a categories table", "categories", CURRENT, NULL},
    {"a weights table", "weights", CURRENT, NULL},
    {"a move by hand", "plans", QUICK, "of plan p1 edited since (test_store)"},
    {"another plan activated", "plans", FULL, "the stored assignment is of another plan"},
};
#define NWRITERS (sizeof WRITERS / sizeof WRITERS[0])

/* The incidents' cells, flags and blind spots as stored, for comparing two workspaces. */
static char *assignment_of(wg_ws *ws)
{
    wg_incidents a;
    T_OK(t_ctx, wg_store_incidents_read(ws, WG_IC_FID | WG_IC_CELL | WG_IC_FLAGS, NULL, &a));
    size_t cap = 32 * (a.n + 1), len = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < a.n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%lld:%d:%u\n", (long long)a.fid[i],
                                (int)a.cell[i], (unsigned)a.flags[i]);
    wg_incidents_free(&a);
    return s;
}

START_TEST(each_writer_bumps_its_version_and_stales_what_reads_it)
{
    int w = _i;
    const writer *wr = &WRITERS[w];
    wg_ws *ws = city("w.wangge");
    wg_assign_state s;
    T_OK(t_ctx, wg_assign_check(ws, 0, &s));
    ck_assert_msg(s.current, "%s: not current before: %s", wr->what, s.why);
    int64_t before[NNAMES], after_[NNAMES], c0, c1;
    versions(ws, before);
    T_OK(t_ctx, wg_store_counter(ws, &c0));
    run_writer(ws, w);
    versions(ws, after_);
    T_OK(t_ctx, wg_store_counter(ws, &c1));
    /* the counter moves with every write, and is the newest version of all */
    ck_assert_msg(c1 > c0, "%s: the counter did not move (%lld)", wr->what, (long long)c0);
    for (size_t i = 0; i < NNAMES; i++)
        ck_assert_msg(after_[i] <= c1, "%s: %s is at %lld, past the counter %lld", wr->what,
                      NAMES[i], (long long)after_[i], (long long)c1);
    for (size_t i = 0; i < NNAMES; i++) {
        bool mine = strcmp(NAMES[i], wr->bumps) == 0;
        /* a writer that takes workers first (postings, visits) bumps workers too */
        bool helper = strcmp(NAMES[i], "workers") == 0 && (w == 7 || w == 8);
        if (mine)
            ck_assert_msg(after_[i] > before[i], "%s: the version of %s did not move (%lld)",
                          wr->what, NAMES[i], (long long)before[i]);
        else if (!helper && !(w == 12 && strcmp(NAMES[i], "plans") == 0))
            ck_assert_msg(after_[i] == before[i], "%s: the version of %s moved (%lld to %lld)",
                          wr->what, NAMES[i], (long long)before[i], (long long)after_[i]);
    }
    T_OK(t_ctx, wg_assign_check(ws, 0, &s));
    switch (wr->then) {
    case CURRENT:
        ck_assert_msg(s.current, "%s: the assignment is stale: %s", wr->what, s.why);
        break;
    case QUICK:
    case FULL:
        ck_assert_msg(!s.current, "%s: the assignment still passes for current", wr->what);
        ck_assert_msg(s.incremental == (wr->then == QUICK), "%s: %s run, expected %s: %s", wr->what,
                      s.incremental ? "a quick" : "a full",
                      wr->then == QUICK ? "a quick one" : "a full one", s.why);
        ck_assert_msg(strstr(s.why, wr->why), "%s: the reason '%s' does not say '%s'", wr->what,
                      s.why, wr->why);
        break;
    }
    /* a refresh when quick, or the run the message asks for, makes it current, and equal to
     * assigning everything again */
    if (wr->then != CURRENT) {
        bool did = false;
        wg_status st = wg_assign_refresh(ws, 0, &did, NULL);
        if (wr->then == QUICK) {
            ck_assert_msg(st == WG_OK && did, "%s: refresh: %s", wr->what, wg_ctx_errmsg(t_ctx));
        } else {
            ck_assert_int_eq(st, WG_EINPUT);
            ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "run 'wangge assign -w"), "%s",
                          wg_ctx_errmsg(t_ctx));
            wg_ctx_clear(t_ctx);
            wg_assign_result r;
            T_OK(t_ctx, wg_assign(ws, NULL, &r));
        }
        T_OK(t_ctx, wg_assign_check(ws, 0, &s));
        ck_assert_msg(s.current, "%s: not current after assigning: %s", wr->what, s.why);
        wg_ws_close(ws);
        t_copy(t_path(t_dir, "w.wangge"), t_path(t_dir, "full.wangge"));
        T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "full.wangge"), &ws));
        char *quick = assignment_of(ws);
        wg_assign_opts full = {.full = true};
        wg_assign_result r;
        T_OK(t_ctx, wg_assign(ws, &full, &r));
        char *again = assignment_of(ws);
        ck_assert_msg(strcmp(quick, again) == 0, "%s: the assignment differs from a full one",
                      wr->what);
        free(quick), free(again);
    }
    wg_ws_close(ws);
}
END_TEST

/* Two handles: the second writer waits, then fails naming the first one's command. */
START_TEST(second_writer_fails_naming_the_first)
{
    wg_ws *a = city("two.wangge");
    wg_ws_set_command(a, "wangge import -w two.wangge incidents big.csv");
    setenv("WANGGE_WAIT", "0.3", 1);
    wg_ws *b = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "two.wangge"), &b));
    T_OK(t_ctx, wg_store_begin(a, "import incidents"));
    double t0 = wg_now();
    ck_assert_int_eq(wg_store_begin(b, "import cameras"), WG_EINPUT);
    double waited = wg_now() - t0;
    const char *msg = wg_ctx_errmsg(t_ctx);
    ck_assert_msg(strstr(msg, "wangge import -w two.wangge incidents big.csv") &&
                      strstr(msg, "cannot start import cameras") && !strstr(msg, "locked"),
                  "%s", msg);
    ck_assert_msg(waited >= 0.25, "gave up after %.3f s, not the 0.3 s it may wait", waited);
    wg_ctx_clear(t_ctx);
    wg_store_rollback(a);
    T_OK(t_ctx, wg_store_begin(b, "import cameras"));
    wg_store_rollback(b);
    unsetenv("WANGGE_WAIT");
    wg_ws_close(a);
    wg_ws_close(b);
}
END_TEST

/* The incidents of a read, collected a part at a time. */
typedef struct parts {
    wg_incidents all; /* the concatenation of the parts: fid, xy, reported, cell */
    size_t cap, nparts;
} parts;

static wg_status add_part(void *user, const wg_incidents *p)
{
    parts *P = user;
    ck_assert_uint_gt(p->n, 0);
    ck_assert_uint_gt(p->ncat, 0); /* every part carries the codes */
    P->nparts++;
    size_t n = P->all.n + p->n;
    if (n > P->cap) {
        P->cap = 2 * n;
        P->all.fid = realloc(P->all.fid, P->cap * sizeof *P->all.fid);
        P->all.xy = realloc(P->all.xy, 2 * P->cap * sizeof *P->all.xy);
        P->all.reported = realloc(P->all.reported, P->cap * sizeof *P->all.reported);
        P->all.cell = realloc(P->all.cell, P->cap * sizeof *P->all.cell);
        ck_assert(P->all.fid && P->all.xy && P->all.reported && P->all.cell);
    }
    memcpy(P->all.fid + P->all.n, p->fid, p->n * sizeof *p->fid);
    memcpy(P->all.xy + 2 * P->all.n, p->xy, 2 * p->n * sizeof *p->xy);
    memcpy(P->all.reported + P->all.n, p->reported, p->n * sizeof *p->reported);
    memcpy(P->all.cell + P->all.n, p->cell, p->n * sizeof *p->cell);
    P->all.n = n;
    return WG_OK;
}

/* Share s of a read in shares, collected apart (each share on its own thread). */
static wg_status add_share(wg_ctx *ctx, void *user, const wg_incidents *p, size_t s)
{
    (void)ctx;
    return add_part(&((parts *)user)[s], p);
}

#define NSHARES 3

/* The shares one after the other equal the read whole, fid by fid. */
static void shares_equal(wg_ws *ws, unsigned cols, const wg_inc_filter *f, const wg_incidents *r)
{
    parts S[NSHARES] = {0};
    T_OK(t_ctx, wg_store_incidents_shares(ws, cols, f, NSHARES, add_share, S));
    size_t at = 0;
    for (int s = 0; s < NSHARES; s++) {
        for (size_t i = 0; i < S[s].all.n; i++, at++) {
            ck_assert_uint_lt(at, r->n);
            ck_assert_int_eq(S[s].all.fid[i], r->fid[at]);
            ck_assert_int_eq(S[s].all.cell[i], r->cell[at]);
            ck_assert_int_eq(S[s].all.reported[i], r->reported[at]);
            ck_assert(memcmp(&S[s].all.xy[2 * i], &r->xy[2 * at], 2 * sizeof *r->xy) == 0);
        }
        wg_incidents_free(&S[s].all);
    }
    ck_assert_uint_eq(at, r->n);
}

/* A reader's snapshot holds while a writer commits, for a read in shares too; the next read
 * sees the commit. */
START_TEST(reader_keeps_its_snapshot)
{
    wg_ws *w = city("snap.wangge");
    wg_ws *r = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "snap.wangge"), &r));
    size_t n0 = 0, n = 0;
    T_OK(t_ctx, wg_store_read_begin(r));
    T_OK(t_ctx, wg_store_incidents_count(r, &n0, NULL));
    /* the writer adds two and moves the last one (in place: its row and packed values) */
    wg_incidents ids;
    T_OK(t_ctx, wg_store_incidents_read(r, WG_IC_FID, NULL, &ids));
    wg_incident_rec last;
    bool found = false;
    T_OK(t_ctx, wg_store_incident_get(r, ids.fid[ids.n - 1], &last, &found));
    ck_assert(found);
    wg_incidents_free(&ids);
    char csv[512];
    snprintf(csv, sizeof csv,
             "id,category,x,y,reported\nS1,noise,501000,3451000,\nS2,noise,501010,3451010,\n"
             "%s,noise,%.1f,%.1f,2020-01-01 00:00\n",
             last.id, last.x + 7, last.y + 7);
    t_import(w, "incidents", "new.csv", csv);
    T_OK(t_ctx, wg_store_incidents_count(r, &n, NULL));
    ck_assert_uint_eq(n, n0); /* the snapshot */
    wg_incidents inc;
    const unsigned cols = WG_IC_FID | WG_IC_XY | WG_IC_REPORTED | WG_IC_CELL;
    T_OK(t_ctx, wg_store_incidents_read(r, cols, NULL, &inc));
    ck_assert_uint_eq(inc.n, n0);
    /* read in shares on several connections: each on the reader's snapshot, not the commit */
    shares_equal(r, cols, NULL, &inc);
    wg_incidents_free(&inc);
    wg_store_read_end(r);
    T_OK(t_ctx, wg_store_incidents_count(r, &n, NULL));
    ck_assert_uint_eq(n, n0 + 2);
    wg_ws_close(w);
    wg_ws_close(r);
}
END_TEST

/* The incidents a filter selects, read whole and a part at a time, equal those a plain loop
 * over every incident keeps: a box, a period, rows newer than a version, and no filter. */
START_TEST(filtered_reads_keep_what_the_filter_says)
{
    wg_ws *ws = city("f.wangge");
    int64_t before = ver(ws, "incidents");
    t_import(ws, "incidents", "new.csv",
             "id,category,x,y,reported\nF1,noise,501000,3451000,2025-03-01 10:00\n"
             "F2,noise,501010,3451010,2025-03-02 10:00\n");
    const unsigned cols = WG_IC_FID | WG_IC_XY | WG_IC_REPORTED | WG_IC_CELL;
    wg_incidents a;
    T_OK(t_ctx, wg_store_incidents_read(ws, cols | WG_IC_VER, NULL, &a));
    ck_assert_uint_gt(a.n, 16384); /* several chunks */
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < a.n; i++)
        for (int d = 0; d < 2; d++)
            if (!isnan(a.xy[2 * i + d]))
                lo[d] = fmin(lo[d], a.xy[2 * i + d]), hi[d] = fmax(hi[d], a.xy[2 * i + d]);
    double box[4] = {lo[0] + (hi[0] - lo[0]) / 4, lo[1] + (hi[1] - lo[1]) / 4,
                     lo[0] + (hi[0] - lo[0]) * 3 / 4, lo[1] + (hi[1] - lo[1]) * 3 / 4};
    wg_inc_filter filters[] = {
        {.since = 0, .from = WG_NO_TIME, .to = INT64_MAX, .bbox = box},
        {.since = 0, .from = a.reported[a.n / 3], .to = a.reported[2 * a.n / 3]},
        {.since = before, .from = WG_NO_TIME, .to = INT64_MAX},
        {.since = 0, .from = WG_NO_TIME, .to = INT64_MAX},
    };
    for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
        const wg_inc_filter *f = &filters[k];
        size_t want = 0;
        wg_incidents r;
        parts P = {0};
        T_OK(t_ctx, wg_store_incidents_read(ws, cols, f, &r));
        T_OK(t_ctx, wg_store_incidents_each(ws, cols, f, add_part, &P));
        ck_assert_uint_eq(r.n, P.all.n);
        shares_equal(ws, cols, f, &r);
        for (size_t i = 0; i < a.n; i++) {
            const double *xy = &a.xy[2 * i];
            bool keep =
                (f->since <= 0 || a.ver[i] > f->since) &&
                (f->from == WG_NO_TIME || (a.reported[i] != WG_NO_TIME &&
                                           a.reported[i] >= f->from && a.reported[i] < f->to)) &&
                (!f->bbox ||
                 (xy[0] >= box[0] && xy[0] <= box[2] && xy[1] >= box[1] && xy[1] <= box[3]));
            if (!keep)
                continue;
            ck_assert_msg(want < r.n, "filter %zu: too few", k);
            ck_assert_int_eq(r.fid[want], a.fid[i]);
            ck_assert_int_eq(P.all.fid[want], a.fid[i]);
            ck_assert_int_eq(r.cell[want], a.cell[i]);
            ck_assert_int_eq(P.all.cell[want], a.cell[i]);
            ck_assert_int_eq(P.all.reported[want], a.reported[i]);
            ck_assert(memcmp(&P.all.xy[2 * want], xy, 2 * sizeof *xy) == 0);
            want++;
        }
        ck_assert_uint_eq(r.n, want);
        ck_assert_uint_gt(want, 0);
        if (k == 2)
            ck_assert_uint_eq(want, 2); /* the two new ones */
        if (k == 3)
            ck_assert_uint_eq(want, a.n);
        ck_assert_uint_ge(P.nparts, k == 0 || k == 3 ? 2 : 1);
        wg_incidents_free(&r);
        wg_incidents_free(&P.all);
    }
    wg_incidents_free(&a);
    wg_ws_close(ws);
}
END_TEST

/* One incident's handling fields changed as the service does it (PATCH): the row, the packed
 * copy and the versions move together in one transaction; the same patch again writes nothing;
 * an unknown id writes nothing; the assignment picks the changed incident up as new. */
START_TEST(incident_patch_writes_row_pack_and_versions)
{
    wg_ws *ws = city("patch.wangge");
    t_import(ws, "incidents", "p.csv",
             "id,category,status,x,y,reported\nP1,noise,open,501000,3451000,2025-03-01 10:00\n");
    wg_assign_result ar;
    T_OK(t_ctx, wg_assign(ws, NULL, &ar));
    int64_t v0 = ver(ws, "incidents");
    wg_incident_patch p = {.set_closed = true,
                           .closed = 1740830400, /* 2025-03-01T12:00:00Z */
                           .set_status = true,
                           .status = "closed"};
    int64_t fid = 0, tx = 0;
    bool found = false, changed = false;
    T_OK(t_ctx, wg_store_begin(ws, "patch"));
    tx = wg_store_tx_version(ws);
    ck_assert_int_gt(tx, v0);
    T_OK(t_ctx, wg_store_incident_patch(ws, "P1", &p, &fid, &found, &changed));
    T_OK(t_ctx, wg_store_commit(ws));
    ck_assert(found && changed);
    ck_assert_int_eq(wg_store_tx_version(ws), 0);
    ck_assert_int_eq(ver(ws, "incidents"), tx);
    /* the packed copy says what the row says, with the new version */
    wg_inc_filter f = {.since = v0, .from = WG_NO_TIME, .to = INT64_MAX};
    wg_incidents a;
    T_OK(t_ctx,
         wg_store_incidents_read(
             ws, WG_IC_FID | WG_IC_CLOSED | WG_IC_STATUS | WG_IC_VER | WG_IC_REPORTED, &f, &a));
    ck_assert_uint_eq(a.n, 1);
    ck_assert_int_eq(a.fid[0], fid);
    ck_assert_int_eq(a.closed[0], 1740830400);
    ck_assert_int_eq(a.reported[0], 1740823200); /* untouched */
    ck_assert_int_eq(a.ver[0], tx);
    ck_assert_str_eq(a.status_code[a.status[0]], "closed");
    wg_incidents_free(&a);
    /* the assignment sees the changed incident as new, and locates it where it was */
    wg_assign_state s;
    T_OK(t_ctx, wg_assign_check(ws, 0, &s));
    ck_assert(!s.current && s.incremental);
    ck_assert_int_eq(s.new_incidents, 1);
    T_OK(t_ctx, wg_assign(ws, NULL, &ar));
    ck_assert_int_eq(ar.located, 1);
    /* one incident read back by its row: the row's fields and the packed assignment's cell */
    wg_incident_rec rec;
    T_OK(t_ctx, wg_store_incident_get(ws, fid, &rec, &found));
    ck_assert(found);
    ck_assert_str_eq(rec.id, "P1");
    ck_assert_str_eq(rec.status, "closed");
    ck_assert_int_eq(rec.closed, 1740830400);
    ck_assert_int_eq(rec.dispatched, WG_NO_TIME);
    ck_assert_int_eq(rec.ver, tx);
    T_OK(t_ctx, wg_store_incidents_read(ws, WG_IC_FID | WG_IC_CELL | WG_IC_FLAGS, NULL, &a));
    size_t at = 0;
    while (at < a.n && a.fid[at] != fid)
        at++;
    ck_assert_uint_lt(at, a.n);
    ck_assert_int_eq(rec.cell, a.cell[at]);
    ck_assert_int_eq(rec.flags, a.flags[at]);
    ck_assert_int_ge(rec.cell, 0); /* inside the city */
    ck_assert_int_eq(a.fid[0] == fid, 0);
    T_OK(t_ctx, wg_store_incident_get(ws, a.fid[0], &rec, &found)); /* another chunk's first */
    ck_assert(found);
    ck_assert_int_eq(rec.cell, a.cell[0]);
    wg_incidents_free(&a);
    T_OK(t_ctx, wg_store_incident_get(ws, 1 << 30, &rec, &found));
    ck_assert(!found);
    /* the same patch again: nothing written, no version moves */
    T_OK(t_ctx, wg_store_begin(ws, "patch"));
    T_OK(t_ctx, wg_store_incident_patch(ws, "P1", &p, &fid, &found, &changed));
    T_OK(t_ctx, wg_store_commit(ws));
    ck_assert(found && !changed);
    ck_assert_int_eq(ver(ws, "incidents"), tx);
    /* clearing: closed back to none */
    wg_incident_patch clear = {.set_closed = true, .closed = WG_NO_TIME};
    T_OK(t_ctx, wg_store_begin(ws, "patch"));
    T_OK(t_ctx, wg_store_incident_patch(ws, "P1", &clear, &fid, &found, &changed));
    T_OK(t_ctx, wg_store_commit(ws));
    ck_assert(changed);
    f.since = tx;
    T_OK(t_ctx, wg_store_incidents_read(ws, WG_IC_CLOSED | WG_IC_STATUS, &f, &a));
    ck_assert_uint_eq(a.n, 1);
    ck_assert_int_eq(a.closed[0], WG_NO_TIME);
    ck_assert_str_eq(a.status_code[a.status[0]], "closed"); /* not asked to change */
    wg_incidents_free(&a);
    /* an unknown id: nothing found, nothing written */
    int64_t v1 = ver(ws, "incidents");
    T_OK(t_ctx, wg_store_begin(ws, "patch"));
    T_OK(t_ctx, wg_store_incident_patch(ws, "NO-SUCH", &p, &fid, &found, &changed));
    T_OK(t_ctx, wg_store_commit(ws));
    ck_assert(!found && !changed);
    ck_assert_int_eq(ver(ws, "incidents"), v1);
    /* outside a transaction it refuses */
    ck_assert_int_eq(wg_store_incident_patch(ws, "P1", &p, &fid, &found, &changed), WG_EINTERNAL);
    wg_ws_close(ws);
    /* the workspace opens without repacking: the rows and the packed copy agree */
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "patch.wangge"), &ws));
    ck_assert_uint_eq(wg_ctx_warning_count(t_ctx), 0);
    wg_ws_close(ws);
}
END_TEST

/* What the units count: the names accepted, and the labels maps and reports take from them. */
START_TEST(weight_names_and_their_labels)
{
    ck_assert(wg_weight_name_valid("households"));
    ck_assert(wg_weight_name_valid("school_pupils"));
    ck_assert(!wg_weight_name_valid(""));
    ck_assert(!wg_weight_name_valid(NULL));
    ck_assert(!wg_weight_name_valid("Residents"));
    ck_assert(!wg_weight_name_valid("res idents"));
    ck_assert(!wg_weight_name_valid("abcdefghijklmnopqrstuvwxyzabcdef")); /* 32 letters */
    wg_weight_name w;
    wg_weight_name_of("residents", &w);
    ck_assert_str_eq(w.label, "Residents");
    ck_assert_str_eq(w.zh, "人口");
    ck_assert_str_eq(w.per, "每百人");
    wg_weight_name_of("school_pupils", &w);
    ck_assert_str_eq(w.label, "School pupils");
    ck_assert_str_eq(w.zh, "");
    ck_assert_str_eq(w.per, "");
    /* a workspace says households until its units say otherwise */
    wg_ws *ws = city("names.wangge");
    ck_assert_int_eq(wg_store_weight_name(ws, &w), WG_OK);
    ck_assert_str_eq(w.name, "households");
    ck_assert_str_eq(w.zh, "户数");
    ck_assert_int_eq(wg_store_begin(ws, "test"), WG_OK);
    ck_assert_int_eq(wg_store_weight_name_put(ws, "Persons"), WG_EINPUT);
    ck_assert_int_eq(wg_store_weight_name_put(ws, "persons"), WG_OK);
    ck_assert_int_eq(wg_store_commit(ws), WG_OK);
    ck_assert_int_eq(wg_store_weight_name(ws, &w), WG_OK);
    ck_assert_str_eq(w.name, "persons");
    ck_assert_str_eq(w.zh, "人数");
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_store(void)
{
    TCase *tc = tcase_create("store");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, each_writer_bumps_its_version_and_stales_what_reads_it, 0,
                        (int)NWRITERS);
    tcase_add_test(tc, second_writer_fails_naming_the_first);
    tcase_add_test(tc, reader_keeps_its_snapshot);
    tcase_add_test(tc, filtered_reads_keep_what_the_filter_says);
    tcase_add_test(tc, weight_names_and_their_labels);
    tcase_add_test(tc, incident_patch_writes_row_pack_and_versions);
    return tc;
}
