/* tests/engine/test_report.c: the report on a hand-built district whose every figure is worked
 * out by hand below.
 *
 * Community K = [0,300] x [0,150]; cells A, B, C = [0,100], [100,200], [200,300] x [0,100];
 * the strip y in [100,150] is a gap. Units: UA1 (100 households) and UA2 (60) in A, UB (80) in
 * B, UC (40, an address point) in C. Streets: y = 50 across (100 m in each cell) and x = 20 in
 * A (100 m more): patrol A 200 m, B 100 m, C 100 m. Postings: W1 -> A, W2 -> A and B, W3 -> C,
 * so A is shared. Categories (a test table): fix 2 h / 1 day, slow 10 h / 10 days, nodl 1 h /
 * no deadline. Period [T0, T0 + 10 d), T0 = 2025-03-01T00:00Z.
 *
 *   id   cell   cat   source   reported   closed      due            in period?
 *   I1   A      fix   patrol   +1 h       +3 h        +25 h          yes: closed on time, 2 h
 *   I2   A      slow  hotline  +2 d       +13 d       +12 d          yes: open, not yet due
 *   I3   B      fix   camera   +1 d       -           +2 d           yes: open, overdue
 *   I4   B      nodl  patrol   +3 d       +3 d 5 h    -              yes: closed, 5 h, no due
 *   I5   C      fix   hotline  -1 d       +1 d        +0             no, but due in it: late
 *   I6   gap    fix   patrol   +4 d                                  yes: unassigned (gap)
 *   I7   out    fix   patrol   +5 d                                  yes: unassigned (outside)
 *   I8   C      slow  wechat   +6 d       +6 d 10 h   +16 d          yes: closed, 10 h
 *   I9   A      fix   patrol   +20 d                                 no
 *   I10  A      fix   patrol   +5 d       +5 d 3 h    +5 d 2 h (own) yes: closed late, 3 h
 *   I11  none   fix   patrol   +7 d                                  yes: unassigned (no location)
 *
 * Visits: W1 -> UA1 at +1 d and +2 d, W2 -> UB at +3 d, W1 -> UA2 at +30 d (outside).
 * Camera: a dome (360 degrees, 30 m by default) at the centre of C, over UC: C sees pi 30^2 of
 * its 10,000 m^2 of open ground and all 40 of its households; A and B see nothing. */
#include "support_engine.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/store.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_report(void);

#define X0 500000.0
#define Y0 3450000.0
#define T0 1740787200LL /* 2025-03-01T00:00:00Z */
#define H 3600LL
#define D 86400LL
#define EPS 1e-9

/* A cell of the hand-made plan, through the store as a partition writes one. */
static void hand_cell(wg_ws *ws, const char *code, int64_t hh, int64_t units, const char *wkt)
{
    wg_cell_rec c = {.plan = 1, .households = hh, .units = units, .area_m2 = 10000};
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.community, sizeof c.community, "K");
    t_cell_add(ws, c, wkt);
}

/* The plan drawn by hand (cells A, B, C), and incident I11 without a location. */
static void hand_plan(wg_ws *ws, char cells[3][512])
{
    T_OK(t_ctx, wg_store_begin(ws, "a plan by hand"));
    wg_plan_params pp = {0};
    int64_t id = 0;
    bool active = false;
    T_OK(t_ctx, wg_store_plan_add(ws, "hand", &pp, 0, &id, &active));
    ck_assert_int_eq(id, 1);
    ck_assert(active);
    hand_cell(ws, "A", 160, 2, cells[0]);
    hand_cell(ws, "B", 80, 1, cells[1]);
    hand_cell(ws, "C", 40, 1, cells[2]);
    static const struct {
        const char *unit, *cell;
        int64_t hh;
    } m[] = {{"UA1", "A", 100}, {"UA2", "A", 60}, {"UB", "B", 80}, {"UC", "C", 40}};
    for (size_t i = 0; i < 4; i++)
        T_OK(t_ctx, wg_store_member_add(ws, 1, m[i].unit, m[i].cell, m[i].hh));
    T_OK(t_ctx, wg_store_cells_number(ws, 1));
    /* I11 again, without its point (an import rejects such a row; the store takes it) */
    const wg_layer_def *L = wg_layer_find("incidents");
    int64_t batch = 0;
    wg_row_writer *w = NULL;
    wg_row_outcome out;
    wg_value v[8] = {{.s = "I11"},      {.s = "fix"},   {.s = "patrol"}, {.null = true},
                     {.i = T0 + 7 * D}, {.null = true}, {.null = true},  {.null = true}};
    T_OK(t_ctx, wg_store_next_batch(ws, &batch));
    T_OK(t_ctx, wg_store_rows_open(ws, L, batch, &w));
    T_OK(t_ctx, wg_store_rows_put(w, v, NULL, 0, NULL, &out));
    ck_assert_int_eq(out, WG_ROW_UPDATED);
    wg_store_rows_close(w);
    T_OK(t_ctx, wg_store_commit(ws));
}

static void rect_wkt(char *buf, size_t n, double x0, double y0, double x1, double y1)
{
    snprintf(buf, n, "POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))", X0 + x0,
             Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0, Y0 + y0);
}

static const char *iso(long long dt, char *buf)
{
    wg_time_format_utc(T0 + dt, buf, 32);
    return buf;
}

typedef struct hinc {
    const char *id;
    double x, y;
    const char *cat, *src;
    long long rep, clo, due; /* offsets from T0; NONE: none */
} hinc;

#define NONE (-(1LL << 62))

static const hinc INC[] = {
    {"I1", 50, 20, "fix", "patrol", 1 * H, 3 * H, NONE},
    {"I2", 60, 80, "slow", "hotline", 2 * D, 13 * D, NONE},
    {"I3", 150, 60, "fix", "camera", 1 * D, NONE, NONE},
    {"I4", 170, 70, "nodl", "patrol", 3 * D, 3 * D + 5 * H, NONE},
    {"I5", 260, 20, "fix", "hotline", -1 * D, 1 * D, NONE},
    {"I6", 150, 125, "fix", "patrol", 4 * D, NONE, NONE},
    {"I7", 400, 50, "fix", "patrol", 5 * D, NONE, NONE},
    {"I8", 280, 80, "slow", "wechat", 6 * D, 6 * D + 10 * H, NONE},
    {"I9", 40, 90, "fix", "patrol", 20 * D, NONE, NONE},
    {"I10", 80, 40, "fix", "patrol", 5 * D, 5 * D + 3 * H, 5 * D + 2 * H},
    {"I11", 90, 90, "fix", "patrol", 7 * D, NONE, NONE},
};
#define NINC (sizeof INC / sizeof INC[0])

static const char CATS[] = "category,name,handling_hours,deadline_days\n"
                           "fix,Fix,2,1\n"
                           "slow,Slow,10,10\n"
                           "nodl,No deadline,1,\n";

static wg_ws *district(bool postings)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), "EPSG:4549", &ws));
    char text[8192], w[512], a[32], b[32], c[32];
    rect_wkt(w, sizeof w, 0, 0, 300, 150);
    snprintf(text, sizeof text, "id,name,wkt\nK,Kang,\"%s\"\n", w);
    t_import(ws, "communities", "k.csv", text);
    snprintf(text, sizeof text, "id,households,community,wkt\n");
    static const double U[3][5] = {
        {100, 10, 10, 30, 30}, {60, 50, 50, 70, 70}, {80, 120, 20, 140, 40}};
    static const char *const UID[3] = {"UA1", "UA2", "UB"};
    for (int i = 0; i < 3; i++) {
        rect_wkt(w, sizeof w, U[i][1], U[i][2], U[i][3], U[i][4]);
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s,%.0f,K,\"%s\"\n", UID[i],
                 U[i][0], w);
    }
    snprintf(text + strlen(text), sizeof text - strlen(text), "UC,40,K,\"POINT(%.1f %.1f)\"\n",
             X0 + 250, Y0 + 50);
    t_import(ws, "units", "u.csv", text);
    snprintf(text, sizeof text,
             "id,wkt\nS1,\"LINESTRING(%.1f %.1f,%.1f %.1f)\"\nS2,\"LINESTRING(%.1f %.1f,%.1f "
             "%.1f)\"\n",
             X0 - 10, Y0 + 50, X0 + 310, Y0 + 50, X0 + 20, Y0, X0 + 20, Y0 + 100);
    t_import(ws, "streets", "s.csv", text);
    snprintf(text, sizeof text, "id,kind,x,y\ncam1,dome,%.1f,%.1f\n", X0 + 250, Y0 + 50);
    t_import(ws, "cameras", "c.csv", text);
    snprintf(text, sizeof text, "id,category,source,reported,closed,due,x,y\n");
    for (size_t i = 0; i < NINC; i++) {
        const hinc *e = &INC[i];
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s,%s,%s,%s,%s,%s,%.1f,%.1f\n",
                 e->id, e->cat, e->src, iso(e->rep, a), e->clo == NONE ? "" : iso(e->clo, b),
                 e->due == NONE ? "" : iso(e->due, c), X0 + e->x, Y0 + e->y);
    }
    t_import(ws, "incidents", "i.csv", text);
    t_import(ws, "workers", "w.csv",
             "id,name,role,community\nW1,王芳,grid_worker,K\n"
             "W2,李伟,grid_worker,K\nW3,张敏,grid_worker,K\n");
    char cells[3][512];
    for (int i = 0; i < 3; i++)
        rect_wkt(cells[i], sizeof cells[i], 100 * i, 0, 100 * (i + 1), 100);
    hand_plan(ws, cells);
    if (postings)
        t_import(ws, "postings", "p.csv", "worker,cell\nW1,A\nW2,A\nW2,B\nW3,C\n");
    snprintf(text, sizeof text, "worker,unit,date\nW1,UA1,%s\nW1,UA1,%s\nW2,UB,%s\nW1,UA2,%s\n",
             iso(1 * D, a), iso(2 * D, b), iso(3 * D, c), iso(30 * D, w));
    t_import(ws, "visits", "v.csv", text);
    wg_assign_opts ao = {0};
    wg_assign_result ar;
    T_OK(t_ctx, wg_assign(ws, &ao, &ar));
    t_write(t_path(t_dir, "cats.csv"), CATS);
    return ws;
}

static wg_report_opts period(wg_report_by by)
{
    static char cats[4096];
    snprintf(cats, sizeof cats, "%s", t_path(t_dir, "cats.csv"));
    return (wg_report_opts){.by = by, .from = T0, .to = T0 + 10 * D, .categories_file = cats};
}

static const wg_report_row *row(const wg_report *r, const char *id)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (strcmp(r->rows[i].id, id) == 0)
            return &r->rows[i];
    ck_abort_msg("no row %s", id);
    return NULL;
}

static size_t cat(const wg_report *r, const char *code)
{
    for (size_t i = 0; i < r->ncategories; i++)
        if (strcmp(r->category[i], code) == 0)
            return i;
    ck_abort_msg("no category %s", code);
    return 0;
}

#define NEAR(a, b)                                                                                 \
    ck_assert_msg(fabs((a) - (b)) < 1e-6, "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

START_TEST(cells_by_hand)
{
    wg_ws *ws = district(true);
    wg_report_opts o = period(WG_BY_CELL);
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_uint_eq(r.nrows, 3);
    /* reconciliation: 9 in the period = 6 in cells + gap, outside, no location */
    ck_assert_int_eq(r.period_incidents, 9);
    ck_assert_int_eq(r.assigned, 6);
    ck_assert_int_eq(r.unassigned, 3);
    ck_assert(r.gap == 1 && r.outside == 1 && r.no_location == 1);
    ck_assert_int_eq(r.unit_households, 280);
    NEAR(r.total.households, 280);
    ck_assert_str_eq(r.patrol_method, "streets");
    const wg_report_row *A = row(&r, "A"), *B = row(&r, "B"), *C = row(&r, "C");
    /* A: I1, I2, I10 */
    NEAR(A->incidents, 3);
    NEAR(A->by_source[WG_SRC_PATROL], 2);
    NEAR(A->by_source[WG_SRC_HOTLINE], 1);
    NEAR(A->by_category[cat(&r, "fix")], 2);
    NEAR(A->by_category[cat(&r, "slow")], 1);
    NEAR(A->hours, 14);
    NEAR(A->open, 1);
    NEAR(A->overdue, 0);
    NEAR(A->due, 2);
    NEAR(A->closing_rate, 1.0);
    NEAR(A->on_time_rate, 0.5);
    NEAR(A->close_median_h, 2.5);
    NEAR(A->close_p90_h, 2.9);
    NEAR(A->visits, 2);
    NEAR(A->households_visited, 100);
    NEAR(A->patrol_coverage, 100.0 / 160);
    NEAR(A->patrol_m, 200);
    NEAR(A->area_m2, 10000);
    ck_assert_str_eq(A->cells, "W1,W2");
    ck_assert_int_eq(A->nworkers, 2);
    /* B: I3 (open, overdue, due) and I4 (no deadline) */
    NEAR(B->incidents, 2);
    NEAR(B->by_source[WG_SRC_CAMERA], 1);
    NEAR(B->by_category[cat(&r, "nodl")], 1);
    NEAR(B->hours, 3);
    NEAR(B->open, 1);
    NEAR(B->overdue, 1);
    NEAR(B->due, 1);
    NEAR(B->closing_rate, 0);
    NEAR(B->on_time_rate, 0);
    NEAR(B->close_median_h, 5);
    NEAR(B->patrol_coverage, 1.0);
    NEAR(B->patrol_m, 100);
    /* C: I8 in the period (source "wechat": other); I5 due in it, closed late */
    NEAR(C->incidents, 1);
    NEAR(C->by_source[WG_SRC_OTHER], 1);
    NEAR(C->hours, 10);
    NEAR(C->due, 1);
    NEAR(C->closing_rate, 1);
    NEAR(C->on_time_rate, 0);
    NEAR(C->close_median_h, 10);
    NEAR(C->close_p90_h, 10);
    NEAR(C->patrol_coverage, 0);
    NEAR(C->cameras, 1);
    ck_assert_msg(fabs(C->seen_share - M_PI * 900 / 10000) < 1e-4, "seen %.6f", C->seen_share);
    NEAR(C->households_seen_share, 1);
    NEAR(A->cameras, 0);
    ck_assert(!isnan(A->seen_share) && A->seen_share == 0);
    NEAR(A->units, 2);
    NEAR(r.total.cameras, 1);
    /* index: means households 93.33, hours 9, patrol 0.1333 km; weights .4 .4 .2 */
    NEAR(A->index, 0.4 * 160 / (280.0 / 3) + 0.4 * 14 / 9 + 0.2 * 0.2 / (0.4 / 3));
    NEAR(B->index, 0.4 * 80 / (280.0 / 3) + 0.4 * 3 / 9 + 0.2 * 0.1 / (0.4 / 3));
    NEAR(A->index + B->index + C->index, 3);
    NEAR(r.gini, 0.2181657848);
    NEAR(r.max_over_mean, A->index);
    ck_assert_int_eq(A->flag, 1);
    ck_assert_str_eq(A->suggestion, "split cell A in 2");
    ck_assert(B->flag == 0 && C->flag == 0);
    ck_assert_uint_eq(r.overloaded, 1);
    wg_report_free(&r);
    /* a higher underload threshold: B and C pair up, the merge nearest 1.00 */
    o.under = 0.7;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_str_eq(row(&r, "B")->suggestion, "merge with cell C (together 1.39)");
    wg_report_free(&r);
    wg_ws_close(ws);
}
END_TEST

START_TEST(shared_cells_by_worker)
{
    wg_ws *ws = district(true);
    wg_report_opts o = period(WG_BY_WORKER);
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_uint_eq(r.nrows, 3);
    const wg_report_row *w1 = row(&r, "W1"), *w2 = row(&r, "W2"), *w3 = row(&r, "W3");
    ck_assert_str_eq(w1->name, "王芳");
    /* W1: half of A */
    NEAR(w1->households, 80);
    NEAR(w1->incidents, 1.5);
    NEAR(w1->hours, 7);
    NEAR(w1->patrol_m, 100);
    NEAR(w1->closing_rate, 1);
    NEAR(w1->on_time_rate, 0.5);
    NEAR(w1->close_median_h, 2.5);
    /* W2: half of A and all of B */
    ck_assert_str_eq(w2->cells, "A,B");
    NEAR(w2->households, 160);
    NEAR(w2->incidents, 3.5);
    NEAR(w2->hours, 10);
    NEAR(w2->due, 2);
    NEAR(w2->closing_rate, 0.5);
    NEAR(w2->on_time_rate, 0.25);
    NEAR(w2->close_median_h, 3);
    NEAR(w2->close_p90_h, 4.6);
    NEAR(w3->hours, 10);
    NEAR(w1->index, 0.4 * 80 / (280.0 / 3) + 0.4 * 7 / 9 + 0.2 * 0.1 / (0.4 / 3));
    NEAR(w2->index, 0.4 * 160 / (280.0 / 3) + 0.4 * 10 / 9 + 0.2 * 0.2 / (0.4 / 3));
    ck_assert_int_eq(w2->flag, 1);
    ck_assert_str_eq(w2->suggestion, "hand cell A to a neighbouring worker");
    /* sums over workers are the district's */
    NEAR(w1->households + w2->households + w3->households, 280);
    NEAR(w1->incidents + w2->incidents + w3->incidents, 6);
    wg_report_free(&r);
    /* by community: one row with everything */
    o.by = WG_BY_COMMUNITY;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_str_eq(r.rows[0].name, "Kang");
    NEAR(r.rows[0].incidents, 6);
    NEAR(r.rows[0].hours, 27);
    NEAR(r.rows[0].due, 4);
    NEAR(r.rows[0].closing_rate, 0.75);
    NEAR(r.rows[0].index, 1);
    ck_assert_int_eq(r.rows[0].ncells, 3);
    ck_assert_int_eq(r.rows[0].nworkers, 4);
    wg_report_free(&r);
    wg_ws_close(ws);
}
END_TEST

START_TEST(no_postings_empty_period)
{
    wg_ws *ws = district(false);
    wg_report_opts o = period(WG_BY_WORKER);
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert(!r.postings);
    ck_assert_uint_eq(r.nrows, 3); /* one post per cell, named by its code */
    ck_assert_str_eq(r.rows[0].id, "A");
    NEAR(r.rows[0].households, 160);
    wg_report_free(&r);
    /* an empty period: nothing happened, no rates, households and patrol still weigh */
    o.from = T0 + 400 * D;
    o.to = T0 + 430 * D;
    o.by = WG_BY_CELL;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_int_eq(r.period_incidents, 0);
    ck_assert(isnan(r.rows[0].closing_rate) && isnan(r.rows[0].close_median_h));
    NEAR(r.total.incidents, 0);
    NEAR(r.weights[WG_TERM_HOURS], 0);
    NEAR(r.weights[WG_TERM_HOUSEHOLDS], 0.4 / 0.6);
    NEAR(r.rows[0].index, (0.4 * 160 / (280.0 / 3) + 0.2 * 1.5) / 0.6);
    wg_report_free(&r);
    /* one category only */
    const char *only[] = {"slow"};
    o = period(WG_BY_CELL);
    o.categories = only;
    o.ncategories = 1;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_int_eq(r.period_incidents, 2); /* I2, I8 */
    NEAR(row(&r, "A")->hours, 10);
    wg_report_free(&r);
    wg_ws_close(ws);
}
END_TEST

START_TEST(bad_input)
{
    wg_ws *ws = district(true);
    wg_import_opts io = {0};
    wg_import_result ir;
    const char *p = t_path(t_dir, "p2.csv");
    t_write(p, "worker,cell\nW1,A\nW3,Z\n");
    ck_assert_int_eq(wg_import(ws, "postings", p, &io, &ir), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "line 3") &&
                      strstr(wg_ctx_errmsg(t_ctx), "cell 'Z' is not in the active plan"),
                  "%s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear_error(t_ctx);
    t_write(p, "worker,cell\nW9,A\n");
    ck_assert_int_eq(wg_import(ws, "postings", p, &io, &ir), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "worker 'W9'"), "%s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear_error(t_ctx);
    /* the failed imports left the roster as it was */
    wg_report_opts o = period(WG_BY_WORKER);
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_uint_eq(r.nrows, 3);
    wg_report_free(&r);
    /* a categories file with a bad line */
    t_write(t_path(t_dir, "bad.csv"), "category,name,handling_hours,deadline_days\nfix,F,2,1\n"
                                      "slow,S,ten,10\n");
    static char bad[4096];
    snprintf(bad, sizeof bad, "%s", t_path(t_dir, "bad.csv"));
    o.categories_file = bad;
    ck_assert_int_eq(wg_report_make(ws, &o, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "bad.csv line 3") &&
                      strstr(wg_ctx_errmsg(t_ctx), "'ten'"),
                  "%s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear_error(t_ctx);
    /* an incident imported after the assignment: the report assigns it first (it never counts
     * an incident in a cell it has not been assigned to), as a full assignment would */
    o = (wg_report_opts){.by = WG_BY_CELL, .from = INT64_MIN, .to = INT64_MAX};
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    int64_t before = r.period_incidents;
    double in_a = r.rows[0].incidents;
    ck_assert(!r.refreshed);
    wg_report_free(&r);
    t_import(ws, "incidents", "late.csv", "id,category,x,y\nI99,fix,500050,3450050\n");
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert(r.refreshed);
    ck_assert_int_eq(r.relocated, 1);
    ck_assert_int_eq(r.period_incidents, before + 1);
    ck_assert_str_eq(r.rows[0].id, "A");
    ck_assert_double_eq(r.rows[0].incidents, in_a + 1); /* (50, 50) lies in A */
    wg_report_free(&r);
    wg_assign_opts full = {.full = true};
    wg_assign_result ar;
    T_OK(t_ctx, wg_assign(ws, &full, &ar));
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert(!r.refreshed);
    ck_assert_int_eq(r.period_incidents, before + 1);
    ck_assert_double_eq(r.rows[0].incidents, in_a + 1);
    wg_report_free(&r);
    wg_ws_close(ws);
}
END_TEST

/* The sample city's plan by households, then by workload: the workload index of the cells is
 * less unequal in the second. */
static double cell_gini(wg_ws *ws, const wg_part_opts *po)
{
    wg_part_summary ps;
    T_OK(t_ctx, wg_partition(ws, po, &ps));
    T_OK(t_ctx, wg_plan_activate(ws, ps.plan));
    wg_assign_result ar;
    T_OK(t_ctx, wg_assign(ws, NULL, &ar));
    wg_report_opts o = {.by = WG_BY_CELL, .from = INT64_MIN, .to = INT64_MAX};
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    ck_assert_int_eq(r.assigned + r.unassigned, r.period_incidents);
    ck_assert_int_eq(llround(r.total.households), r.unit_households);
    double g = r.gini;
    printf("report: sample city, weight %s: %zu cells, workload Gini %.3f, CV %.3f, max/mean "
           "%.2f\n",
           po->workload ? "workload" : "households", r.nrows, r.gini, r.cv, r.max_over_mean);
    wg_report_free(&r);
    return g;
}

START_TEST(workload_weight_lowers_gini)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", t_path(t_dir, "city"));
    wg_city_stats cs;
    T_OK(t_ctx, wg_city_write(t_ctx, WG_CITY_SMALL, 1, dir, &cs));
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "city.wangge"), WG_CITY_CRS, &ws));
    T_OK(t_ctx, wg_city_import(ws, dir, NULL, NULL));
    wg_part_opts po = {.target = 250, .min = 200, .max = 300, .seed = 1, .name = "hh"};
    double by_households = cell_gini(ws, &po);
    po.name = "wl";
    po.workload = true;
    double by_workload = cell_gini(ws, &po);
    ck_assert_msg(by_workload < 0.8 * by_households, "Gini %.3f by workload, %.3f by households",
                  by_workload, by_households);
    wg_ws_close(ws);
}
END_TEST

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted s[0..n), linear between order statistics (the report's rule). */
static double sorted_quantile(const double *s, size_t n, double p)
{
    double h = p * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    return lo + 1 < n ? s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]) : s[lo];
}

/* Medians and 90th percentiles of thousands of times to close (where the selection samples
 * before it partitions) against a sort: 3,001 incidents closed after 1..3001 minutes, in a
 * shuffled order, join cell B (already one closed after 5 h) and the total (2, 3, 5, 10 h). */
START_TEST(quantiles_of_many)
{
    wg_ws *ws = district(false);
    enum { N = 3001 };
    size_t cap = 96 * (N + 1);
    char *text = malloc(cap), a[32], b[32];
    double *cell = malloc((N + 1) * sizeof *cell), *all = malloc((N + 4) * sizeof *all);
    ck_assert(text && cell && all);
    size_t len = (size_t)snprintf(text, cap, "id,category,source,reported,closed,x,y\n");
    uint64_t seed = 12345;
    int order[N];
    for (int j = 0; j < N; j++)
        order[j] = j + 1;
    for (int j = N - 1; j > 0; j--) { /* Fisher-Yates with a fixed LCG */
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((seed >> 33) % (uint64_t)(j + 1)), t = order[j];
        order[j] = order[k], order[k] = t;
    }
    for (int j = 0; j < N; j++) {
        long long rep = 2 * D + j, clo = rep + order[j] * 60;
        len += (size_t)snprintf(text + len, cap - len, "Q%d,fix,patrol,%s,%s,%.1f,%.1f\n", j,
                                iso(rep, a), iso(clo, b), X0 + 150, Y0 + 40);
        cell[j] = all[j] = order[j] / 60.0;
    }
    t_import(ws, "incidents", "q.csv", text);
    wg_assign_opts ao = {0};
    wg_assign_result ar;
    T_OK(t_ctx, wg_assign(ws, &ao, &ar));
    cell[N] = 5;
    all[N] = 2, all[N + 1] = 3, all[N + 2] = 5, all[N + 3] = 10;
    qsort(cell, N + 1, sizeof *cell, cmp_double);
    qsort(all, N + 4, sizeof *all, cmp_double);
    wg_report_opts o = period(WG_BY_CELL);
    wg_report r;
    T_OK(t_ctx, wg_report_make(ws, &o, &r));
    const wg_report_row *B = row(&r, "B");
    NEAR(B->incidents, 2 + N);
    NEAR(B->close_median_h, sorted_quantile(cell, N + 1, 0.5));
    NEAR(B->close_p90_h, sorted_quantile(cell, N + 1, 0.9));
    NEAR(r.total.close_median_h, sorted_quantile(all, N + 4, 0.5));
    NEAR(r.total.close_p90_h, sorted_quantile(all, N + 4, 0.9));
    wg_report_free(&r);
    wg_ws_close(ws);
    free(text), free(cell), free(all);
}
END_TEST

START_TEST(gini_by_hand)
{
    const double x[] = {1, 1, 1, 1};
    NEAR(wg_gini(x, 4), 0);
    const double y[] = {0, 0, 0, 4};
    NEAR(wg_gini(y, 4), 0.75); /* sum |xi-xj| = 24; 24 / (2 * 16 * 1) */
    const double z[] = {1, 2, 3};
    NEAR(wg_gini(z, 3), 8.0 / 36); /* sum |xi-xj| = 8; / (2 * 9 * 2) */
}
END_TEST

TCase *tcase_report(void)
{
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cells_by_hand);
    tcase_add_test(tc, shared_cells_by_worker);
    tcase_add_test(tc, no_postings_empty_period);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, gini_by_hand);
    tcase_add_test(tc, quantiles_of_many);
    tcase_add_test(tc, workload_weight_lowers_gini);
    return tc;
}
