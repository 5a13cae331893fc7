/* tests/engine/test_assign.c: spatial assignment with answers worked out by hand — incidents on
 * edges and vertices, in a gap, outside, without a location; camera sectors, a half-covered
 * cell, a building's shadow, a camera seeing three cells, blind spots; incremental re-runs — and
 * the sample city reconciled against SpatiaLite.
 *
 * The hand fixture (metres from X0, Y0 in EPSG:4549): community K = [0,200] x [0,150]; plan
 * "hand" with cells A = [0,100] x [0,100], B = [100,200] x [0,100], C = [0,150] x [100,150],
 * leaving the gap [150,200] x [100,150]. Buildings U1 = [40,60]^2 (10 households) and
 * U4 = [70,90] x [10,30] (8) in A, address point U2 = (170,80) (5) in B, building
 * U3 = [20,40] x [120,140] (7) in C. Cameras: cam1 at (150,50), fixed, heading north, fov 180,
 * range 200 (it sees the half-plane y >= 50 of all three cells, except what U1 and U3 hide);
 * cam2 at (5,25), heading east, fov 90, range 20 (a quarter disc inside A). */
#include "support_engine.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/store.h"
#include "wg/view.h"
#include "wg/ws.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_assign(void);

#define X0 500000.0
#define Y0 3450000.0

/* One value of SQL on workspace `name`, as SQLite holds it (the file as any SQLite tool sees
 * it; a reader never waits for the workspace). */
static double qd(const char *name, const char *sql)
{
    return t_sql_real(t_path(t_dir, name), sql);
}

static long long qi(const char *name, const char *sql)
{
    return llround(qd(name, sql));
}

/* ---- The stored assignment, as the store gives it --------------------------------------- */

/* Every incident in fid order with its cell (an index into the assigned plan's cells, in code
 * order), flags and blind spot, and the codes of that plan's cells. */
typedef struct stored {
    wg_incidents inc;
    int64_t plan; /* the plan assigned; 0: none */
    size_t ncells;
    char (*code)[32];
} stored;

static wg_status add_code(void *user, const wg_cell_rec *c)
{
    stored *a = user;
    ck_assert_msg(c->idx >= 0 && (size_t)c->idx == a->ncells, "cell %s has index %d, not %zu",
                  c->code, (int)c->idx, a->ncells);
    a->code = realloc(a->code, (a->ncells + 1) * sizeof *a->code);
    ck_assert_ptr_nonnull(a->code);
    snprintf(a->code[a->ncells++], sizeof *a->code, "%s", c->code);
    return WG_OK;
}

static void stored_read(const char *name, stored *a)
{
    memset(a, 0, sizeof *a);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, name), &ws));
    T_OK(t_ctx, wg_store_read_begin(ws));
    wg_derived d;
    T_OK(t_ctx, wg_store_derived_get(ws, "assignment", &d));
    if (d.any) {
        a->plan = d.plan;
        T_OK(t_ctx, wg_store_cells_each(ws, d.plan, 0, 0, add_code, a));
    }
    T_OK(t_ctx, wg_store_incidents_read(ws, WG_IC_FID | WG_IC_CELL | WG_IC_FLAGS | WG_IC_BLIND,
                                        NULL, &a->inc));
    wg_store_read_end(ws);
    wg_ws_close(ws);
}

static void stored_free(stored *a)
{
    wg_incidents_free(&a->inc);
    free(a->code);
}

/* Whether incident i has an assignment (it is not waiting for one). */
static bool has_row(const stored *a, size_t i)
{
    return !(a->inc.flags[i] & WG_AF_PENDING);
}

/* The code of incident i's cell; NULL when it has none; "?" for an index the plan lacks. */
static const char *cell_code(const stored *a, size_t i)
{
    int32_t c = a->inc.cell[i];
    if (c < 0)
        return NULL;
    return (size_t)c < a->ncells ? a->code[c] : "?";
}

/* Why incident i is in no cell; NULL when no reason is given. */
static const char *reason(const stored *a, size_t i)
{
    static const char *const why[4] = {NULL, "outside", "gap", "no_location"};
    return why[a->inc.flags[i] & WG_AF_REASON];
}

/* Incidents with an assignment, and those of them in a blind spot. */
static long long rows(const char *name, bool blind_only)
{
    stored a;
    stored_read(name, &a);
    long long n = 0;
    for (size_t i = 0; i < a.inc.n; i++)
        n += has_row(&a, i) && (!blind_only || a.inc.blind[i] >= 0);
    stored_free(&a);
    return n;
}

/* The lines of text (split in place), in an array the caller frees. */
static char **lines(char *text, size_t *n)
{
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == '\n';
    char **v = malloc(cap * sizeof *v);
    ck_assert_ptr_nonnull(v);
    *n = 0;
    for (char *p = text; *p;) {
        v[(*n)++] = p;
        p += strcspn(p, "\n");
        if (*p)
            *p++ = '\0';
    }
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A cell of a plan made by hand, through the store as a partition writes one. */
static void hand_cell(wg_ws *ws, int64_t plan, const char *code, int64_t hh, int64_t units,
                      const char *wkt)
{
    wg_cell_rec c = {.plan = plan,
                     .households = hh,
                     .units = units,
                     .area_m2 = NAN,
                     .compactness = NAN}; /* (NaN: stored as NULL) */
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.community, sizeof c.community, "K");
    t_cell_add(ws, c, wkt);
}

/* Opens workspace `name` and a write transaction on it, then adds plan `plan_name` (id
 * `want_id`, active or not as `want_active`). */
static wg_ws *hand_plan_begin(const char *name, const char *plan_name, int64_t want_id,
                              bool want_active)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, name), &ws));
    T_OK(t_ctx, wg_store_begin(ws, "a plan by hand"));
    wg_plan_params pp = {0};
    int64_t id = 0;
    bool active = false;
    T_OK(t_ctx, wg_store_plan_add(ws, plan_name, &pp, 0, &id, &active));
    ck_assert_int_eq(id, want_id);
    ck_assert(active == want_active);
    return ws;
}

static void hand_plan_end(wg_ws *ws, int64_t plan)
{
    T_OK(t_ctx, wg_store_cells_number(ws, plan));
    T_OK(t_ctx, wg_store_commit(ws));
    wg_ws_close(ws);
}

/* "POLYGON((x0 y0, ...))" of the rectangle [x0,x1] x [y0,y1] in fixture metres. */
static const char *rect(char *buf, size_t n, double x0, double y0, double x1, double y1)
{
    snprintf(buf, n, "MULTIPOLYGON(((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f)))", X0 + x0,
             Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0, Y0 + y0);
    return buf;
}

static void csv_rect(char *buf, size_t n, const char *id, int hh, double x0, double y0, double x1,
                     double y1)
{
    snprintf(buf, n, "%s,%d,K,\"POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))\"\n",
             id, hh, X0 + x0, Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1,
             X0 + x0, Y0 + y0);
}

static const double INC[][2] = {
    {50, 20},   /* I1: A, south half: blind */
    {100, 70},  /* I2: on the A|B edge -> B (east), seen by cam1 */
    {100, 100}, /* I3: the vertex of A, B and C -> C (north-east), seen */
    {175, 125}, /* I4: the gap */
    {300, 50},  /* I5: outside the community */
    {50, 50},   /* I6: inside building U1 (cell A): neither seen nor in a blind spot */
    {120, 130}, /* I7: C, seen */
    {15, 25},   /* I8: A, inside cam2's quarter disc */
    {150, 20},  /* I9: B, south half: blind */
    {10, 145},  /* I10: C, in U3's shadow: blind */
    {60, 90},   /* I11: will lose its location */
};
#define NINC (sizeof INC / sizeof INC[0])

static void hand_workspace(const char *name)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, name), "EPSG:4549", &ws));
    char text[8192], line[512], r[512];
    snprintf(text, sizeof text,
             "id,wkt\nK,\"POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,"
             "%.1f %.1f))\"\n",
             X0, Y0, X0 + 200, Y0, X0 + 200, Y0 + 150, X0, Y0 + 150, X0, Y0);
    t_import(ws, "communities", "k.csv", text);
    snprintf(text, sizeof text, "id,households,community,wkt\n");
    csv_rect(line, sizeof line, "U1", 10, 40, 40, 60, 60);
    t_append(text, sizeof text, "%s", line);
    csv_rect(line, sizeof line, "U3", 20 - 13, 20, 120, 40, 140);
    t_append(text, sizeof text, "%s", line);
    csv_rect(line, sizeof line, "U4", 8, 70, 10, 90, 30);
    t_append(text, sizeof text, "%s", line);
    snprintf(line, sizeof line, "U2,5,K,\"POINT(%.1f %.1f)\"\n", X0 + 170, Y0 + 80);
    t_append(text, sizeof text, "%s", line);
    t_import(ws, "units", "u.csv", text);
    snprintf(text, sizeof text,
             "id,kind,heading,fov,range,x,y\n"
             "cam1,fixed,0,180,200,%.1f,%.1f\n"
             "cam2,fixed,90,90,20,%.1f,%.1f\n",
             X0 + 150, Y0 + 50, X0 + 5, Y0 + 25);
    t_import(ws, "cameras", "c.csv", text);
    snprintf(text, sizeof text, "id,category,x,y\n");
    for (size_t i = 0; i < NINC; i++) {
        snprintf(line, sizeof line, "I%zu,noise,%.1f,%.1f\n", i + 1, X0 + INC[i][0],
                 Y0 + INC[i][1]);
        t_append(text, sizeof text, "%s", line);
    }
    t_import(ws, "incidents", "i.csv", text);
    wg_ws_close(ws);
    /* the plan, built by hand; and I11 loses its location (an import rejects such a row, the
     * store takes it) */
    ws = hand_plan_begin(name, "hand", 1, true);
    hand_cell(ws, 1, "A", 18, 2, rect(r, sizeof r, 0, 0, 100, 100));
    hand_cell(ws, 1, "B", 5, 1, rect(r, sizeof r, 100, 0, 200, 100));
    hand_cell(ws, 1, "C", 7, 1, rect(r, sizeof r, 0, 100, 150, 150));
    static const struct {
        const char *unit, *cell;
        int64_t hh;
    } m[] = {{"U1", "A", 10}, {"U4", "A", 8}, {"U2", "B", 5}, {"U3", "C", 7}};
    for (size_t i = 0; i < 4; i++)
        T_OK(t_ctx, wg_store_member_add(ws, 1, m[i].unit, m[i].cell, m[i].hh));
    wg_value v[8] = {{.s = "I11"},   {.s = "noise"}, {.null = true}, {.null = true},
                     {.null = true}, {.null = true}, {.null = true}, {.null = true}};
    int64_t batch = 0;
    wg_row_writer *w = NULL;
    wg_row_outcome out;
    T_OK(t_ctx, wg_store_next_batch(ws, &batch));
    T_OK(t_ctx, wg_store_rows_open(ws, wg_layer_find("incidents"), batch, &w));
    T_OK(t_ctx, wg_store_rows_put(w, v, NULL, 0, NULL, &out));
    ck_assert_int_eq(out, WG_ROW_UPDATED);
    wg_store_rows_close(w);
    hand_plan_end(ws, 1);
}

static void run_assign(const char *name, const wg_assign_opts *o, wg_assign_result *r)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, name), &ws));
    T_OK(t_ctx, wg_assign(ws, o, r));
    wg_ws_close(ws);
}

/* The cell of incident `id`, or "-" and why it is in none. */
static const char *cell_of(const char *ws, const char *id)
{
    static char out[4][32];
    static int k;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT fid FROM incidents WHERE id = '%s'", id);
    char *fids = t_sql(t_path(t_dir, ws), sql);
    ck_assert_msg(*fids, "no incident %s", id);
    int64_t fid = strtoll(fids, NULL, 10);
    free(fids);
    stored a;
    stored_read(ws, &a);
    size_t i = 0;
    while (i < a.inc.n && a.inc.fid[i] != fid)
        i++;
    ck_assert_msg(i < a.inc.n && has_row(&a, i), "incident %s has no assignment row", id);
    k = (k + 1) % 4;
    const char *c = cell_code(&a, i), *why = reason(&a, i);
    if (c)
        snprintf(out[k], sizeof out[k], "%s", c);
    else
        snprintf(out[k], sizeof out[k], "-%s", why ? why : "(null)");
    stored_free(&a);
    return out[k];
}

static double cov(const char *ws, const char *cell, const char *col)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM cell_coverage WHERE cell = '%s'", col, cell);
    return qd(ws, sql);
}

/* The sector's polygon misses at most delta^2/6 of its area (wg/view.h). */
static double arc_loss(double r, double fov_deg)
{
    double d = wg_view_arc_step(r);
    return r * r * fov_deg * M_PI / 360 * d * d / 6;
}

START_TEST(hand_fixture_incidents)
{
    const char *ws = "hand.wangge";
    hand_workspace(ws);
    wg_assign_result r;
    run_assign(ws, NULL, &r);
    ck_assert(r.all_located && r.coverage);
    ck_assert_int_eq(r.incidents, (int64_t)NINC);
    ck_assert_int_eq(r.located, (int64_t)NINC);
    ck_assert_int_eq(r.assigned, 8);
    ck_assert_int_eq(r.gap, 1);
    ck_assert_int_eq(r.outside, 1);
    ck_assert_int_eq(r.no_location, 1);
    ck_assert_str_eq(cell_of(ws, "I1"), "A");
    ck_assert_str_eq(cell_of(ws, "I2"), "B");
    ck_assert_str_eq(cell_of(ws, "I3"), "C");
    ck_assert_str_eq(cell_of(ws, "I4"), "-gap");
    ck_assert_str_eq(cell_of(ws, "I5"), "-outside");
    ck_assert_str_eq(cell_of(ws, "I6"), "A");
    ck_assert_str_eq(cell_of(ws, "I7"), "C");
    ck_assert_str_eq(cell_of(ws, "I8"), "A");
    ck_assert_str_eq(cell_of(ws, "I9"), "B");
    ck_assert_str_eq(cell_of(ws, "I10"), "C");
    ck_assert_str_eq(cell_of(ws, "I11"), "-no_location");
    /* every incident has exactly one row */
    ck_assert_int_eq(rows(ws, false), (long long)NINC);
    /* in view: I2, I3, I7, I8 */
    ck_assert_int_eq(r.seen, 4);
    ck_assert_int_eq(cov(ws, "A", "incidents"), 3);
    ck_assert_int_eq(cov(ws, "A", "incidents_seen"), 1);
    ck_assert_int_eq(cov(ws, "B", "incidents"), 2);
    ck_assert_int_eq(cov(ws, "B", "incidents_seen"), 1);
    ck_assert_int_eq(cov(ws, "C", "incidents"), 3);
    ck_assert_int_eq(cov(ws, "C", "incidents_seen"), 2);
    /* one incident in each blind spot: I1, I9, I10 (I6 is inside a building) */
    ck_assert_int_eq(qi(ws, "SELECT count(*) FROM blind_spots WHERE incidents = 1"), 3);
    ck_assert_int_eq(rows(ws, true), 3);

    /* A second run finds nothing new and changes nothing. */
    run_assign(ws, NULL, &r);
    ck_assert(!r.all_located && !r.coverage);
    ck_assert_int_eq(r.located, 0);
    ck_assert_int_eq(r.assigned, 8);
    /* A new incident and a re-imported one (I5 moved into A) are the only ones located. */
    wg_ws *w = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, ws), &w));
    char text[256];
    snprintf(text, sizeof text, "id,category,x,y\nI12,noise,%.1f,%.1f\nI5,noise,%.1f,%.1f\n",
             X0 + 130, Y0 + 90, X0 + 30, Y0 + 80);
    t_import(w, "incidents", "more.csv", text);
    wg_ws_close(w);
    run_assign(ws, NULL, &r);
    ck_assert(!r.all_located && !r.coverage);
    ck_assert_int_eq(r.located, 2);
    ck_assert_int_eq(r.incidents, (int64_t)NINC + 1);
    ck_assert_int_eq(r.assigned, 10);
    ck_assert_int_eq(r.outside, 0);
    ck_assert_str_eq(cell_of(ws, "I5"), "A");
    ck_assert_str_eq(cell_of(ws, "I12"), "B");
    ck_assert_int_eq(cov(ws, "A", "incidents_seen"), 2); /* I5 at (30,80): above U1's shadow */
    ck_assert_int_eq(cov(ws, "B", "incidents_seen"), 2);
    /* A deleted incident leaves no row behind. (The store has no way to delete an incident: it
     * is deleted as a GIS tool or the sqlite3 shell deletes a row, in the file.) */
    free(t_sql(t_path(t_dir, ws), "DELETE FROM incidents WHERE id = 'I12'"));
    run_assign(ws, NULL, &r);
    ck_assert_int_eq(rows(ws, false), (long long)NINC);
    ck_assert_int_eq(cov(ws, "B", "incidents"), 2);

    /* Another plan re-assigns everything: one cell over the whole community. */
    char rr[256];
    w = hand_plan_begin(ws, "one", 2, false);
    hand_cell(w, 2, "K1", 30, 4, rect(rr, sizeof rr, 0, 0, 200, 150));
    hand_plan_end(w, 2);
    wg_assign_opts o = {.plan = 2};
    run_assign(ws, &o, &r);
    ck_assert(r.all_located && r.coverage);
    ck_assert_int_eq(r.located, (int64_t)NINC);
    ck_assert_int_eq(r.assigned, (int64_t)NINC - 1); /* all but I11: I4 too, no gap now */
    ck_assert_str_eq(cell_of(ws, "I4"), "K1");
}
END_TEST

START_TEST(hand_fixture_cameras)
{
    const char *ws = "hand.wangge";
    hand_workspace(ws);
    wg_assign_result r;
    run_assign(ws, NULL, &r);
    /* cam2's view is a quarter disc of radius 20: pi r^2 / 4, less the arc's chords */
    double q = M_PI * 400 / 4, loss2 = arc_loss(20, 90);
    double a2 = qd(ws, "SELECT area_m2 FROM camera_views WHERE camera = 'cam2'");
    ck_assert_msg(a2 <= q + 1e-9 && a2 >= q - loss2 - 1e-9, "cam2 view %.6f, expected %.6f", a2, q);
    /* cam1 sees three cells, cam2 one */
    ck_assert_int_eq(qi(ws, "SELECT count(*) FROM camera_cells WHERE camera = 'cam1'"), 3);
    ck_assert_int_eq(qi(ws, "SELECT count(*) FROM camera_cells WHERE camera = 'cam2'"), 1);
    ck_assert_int_eq(cov(ws, "A", "cameras"), 2);
    ck_assert_int_eq(cov(ws, "B", "cameras"), 1);
    ck_assert_int_eq(cov(ws, "C", "cameras"), 1);
    /* B is half covered: its northern half, 5,000 of 10,000 m2 */
    ck_assert_double_eq_tol(cov(ws, "B", "open_m2"), 10000, 1e-6);
    ck_assert_double_eq_tol(cov(ws, "B", "seen_m2"), 5000, 1e-6);
    ck_assert_double_eq_tol(
        qd(ws, "SELECT area_m2 FROM camera_cells WHERE camera = 'cam1' AND cell = 'B'"), 5000,
        1e-6);
    /* A: cam1 sees the northern half less U1's shadow, the region west of U1 under the ray
     * from (150,50) through (60,60): integral over x in [0,60] of (150 - x) / 9 = 800 m2
     * (with U1's own northern half, 200 m2, inside it); cam2 adds its quarter disc. */
    ck_assert_double_eq_tol(cov(ws, "A", "open_m2"), 10000 - 400 - 400, 1e-6);
    ck_assert_double_eq_tol(
        qd(ws, "SELECT area_m2 FROM camera_cells WHERE camera = 'cam1' AND cell = 'A'"), 5000 - 800,
        1e-3);
    double seenA = cov(ws, "A", "seen_m2");
    ck_assert_msg(seenA <= 4200 + q + 1e-3 && seenA >= 4200 + q - loss2 - 1e-3, "A seen %.6f",
                  seenA);
    /* C: U3 hides the hexagon (20,120) (40,120) (40,140) (27.78,150) (0,150) (0,130.77): the
     * shadow edges are the rays from (150,50) through the corners (40,140) and (20,120). */
    const double hx[] = {20, 40, 40, 150 - 110 * 100 / 90.0, 0, 0};
    const double hy[] = {120, 120, 140, 150, 150, 50 + 70 * 150 / 130.0};
    double hidden = 0;
    for (int i = 0; i < 6; i++)
        hidden += hx[i] * hy[(i + 1) % 6] - hx[(i + 1) % 6] * hy[i];
    hidden = fabs(hidden) / 2; /* 1031.197 */
    ck_assert_double_eq_tol(cov(ws, "C", "open_m2"), 7500 - 400, 1e-6);
    ck_assert_double_eq_tol(cov(ws, "C", "seen_m2"), 7500 - hidden, 1e-3);
    /* blind spots: one piece per cell, the open ground nobody sees */
    ck_assert_int_eq(qi(ws, "SELECT count(*) FROM blind_spots"), 3);
    ck_assert_double_eq_tol(qd(ws, "SELECT area_m2 FROM blind_spots WHERE cell = 'B'"), 5000, 1e-6);
    ck_assert_double_eq_tol(qd(ws, "SELECT area_m2 FROM blind_spots WHERE cell = 'C'"),
                            hidden - 400, 1e-3);
    ck_assert_double_eq_tol(qd(ws, "SELECT area_m2 FROM blind_spots WHERE cell = 'A'"),
                            9200 - seenA, 1e-3);
    /* blind spots lie in their cell and avoid buildings */
    ck_assert_int_eq(qi(ws, "SELECT count(*) FROM blind_spots b JOIN cells c ON c.code = b.cell "
                            "WHERE ST_Area(ST_Difference(b.geom, c.geom)) > 1e-6"),
                     0);
    ck_assert_double_eq_tol(qd(ws, "SELECT total(ST_Area(ST_Intersection(b.geom, u.geom))) FROM "
                                   "blind_spots b, units u WHERE u.kind = 'building'"),
                            0, 1e-6);
    /* households whose building a camera sees: U1 (east wall, cam1), U3 (cam1), U2 (point in
     * B's north half); not U4, in A's south-east */
    ck_assert_int_eq(cov(ws, "A", "households"), 18);
    ck_assert_int_eq(cov(ws, "A", "households_seen"), 10);
    ck_assert_int_eq(cov(ws, "B", "households_seen"), 5);
    ck_assert_int_eq(cov(ws, "C", "households_seen"), 7);
    ck_assert_int_eq(r.households_seen, 22);
    ck_assert_int_eq(r.blind_spots, 3);
    /* Moving a camera recomputes the coverage, without re-locating the incidents. */
    wg_ws *w = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, ws), &w));
    char text[256];
    snprintf(text, sizeof text, "id,kind,heading,fov,range,x,y\ncam2,fixed,90,90,9,%.1f,%.1f\n",
             X0 + 5, Y0 + 25);
    t_import(w, "cameras", "c9.csv", text);
    wg_ws_close(w);
    run_assign(ws, NULL, &r);
    ck_assert(!r.all_located && r.coverage);
    double q9 = M_PI * 81 / 4;
    ck_assert_double_eq_tol(cov(ws, "A", "seen_m2"), 4200 + q9, arc_loss(9, 90) + 1e-3);
    ck_assert_int_eq(cov(ws, "A", "incidents_seen"), 0); /* I8, 10 m away, is out of reach */
}
END_TEST

/* The sample city: every incident in exactly one cell or listed as unassigned, and the cell
 * agrees with SpatiaLite's ST_Covers wherever exactly one cell covers the point (every tenth
 * incident: SpatiaLite takes minutes for them all). */
START_TEST(sample_city_reconciles)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", t_path(t_dir, "city"));
    wg_city_stats cs;
    T_OK(t_ctx, wg_city_write(t_ctx, WG_CITY_SMALL, 3, dir, &cs));
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "c.wangge"), WG_CITY_CRS, &ws));
    T_OK(t_ctx, wg_city_import(ws, dir, NULL, NULL));
    wg_part_opts po = {.target = 250, .min = 200, .max = 300, .name = "p", .seed = 1};
    wg_part_summary ps;
    T_OK(t_ctx, wg_partition(ws, &po, &ps));
    T_OK(t_ctx, wg_plan_activate(ws, ps.plan));
    wg_assign_result r;
    T_OK(t_ctx, wg_assign(ws, NULL, &r));
    wg_ws_close(ws);
    const char *w = "c.wangge";
    ck_assert_int_gt(r.incidents, 1000);
    ck_assert_int_eq(r.incidents, qi(w, "SELECT count(*) FROM incidents"));
    stored a;
    stored_read(w, &a);
    /* one assignment row per incident */
    long long nrows = 0;
    for (size_t i = 0; i < a.inc.n; i++)
        nrows += has_row(&a, i);
    ck_assert_int_eq(nrows, r.incidents);
    ck_assert_int_eq(r.assigned + r.outside + r.gap + r.no_location, r.incidents);
    /* every cell named is one of the active plan's */
    char *active = t_sql(t_path(t_dir, w), "SELECT code FROM cells WHERE plan = (SELECT id FROM "
                                           "plans WHERE active) ORDER BY code");
    size_t ncodes = 0;
    char **codes = lines(active, &ncodes); /* sorted: SQLite's BINARY order is strcmp's */
    long long strange = 0, both = 0;
    for (size_t i = 0; i < a.inc.n; i++) {
        if (!has_row(&a, i))
            continue;
        const char *c = cell_code(&a, i);
        if (c && !bsearch(&c, codes, ncodes, sizeof *codes, cmp_str))
            strange++;
        both += (c == NULL) == (reason(&a, i) == NULL); /* a cell and a reason, or neither */
    }
    free(codes);
    free(active);
    ck_assert_int_eq(strange, 0);
    ck_assert_int_eq(both, 0);
    /* SpatiaLite's answer, through the cells' spatial index: per incident (every tenth), how
     * many cells of the active plan cover it and the first of them */
    char *cov = t_sql(t_path(t_dir, w),
                      "SELECT i.fid, count(c.fid) AS n, min(c.code) AS code FROM incidents i "
                      "LEFT JOIN cells c ON c.plan = (SELECT id FROM plans WHERE active) AND "
                      "c.fid IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = 'cells' AND "
                      "search_frame = i.geom) AND ST_Covers(c.geom, i.geom) WHERE i.fid % 10 = 0 "
                      "GROUP BY i.fid ORDER BY i.fid");
    long long disagree = 0, compared = 0;
    size_t at = 0;
    for (const char *p = cov; *p;) {
        char code[64] = "";
        long long fid = 0, n = 0;
        int used = 0;
        ck_assert_msg(sscanf(p, "%lld|%lld|%63[^\n]%n", &fid, &n, code, &used) == 3,
                      "not a row: %.80s", p);
        p += used;
        p += *p == '\n';
        while (at < a.inc.n && a.inc.fid[at] < fid)
            at++;
        if (at == a.inc.n || a.inc.fid[at] != fid || !has_row(&a, at))
            continue; /* no assignment row to compare with */
        compared++;
        const char *c = cell_code(&a, at);
        if ((n == 1 && (!c || strcmp(c, code) != 0)) || (n == 0 && c))
            disagree++;
    }
    free(cov);
    stored_free(&a);
    ck_assert_int_gt(compared, 0);
    ck_assert_int_eq(disagree, 0);
    /* coverage figures add up */
    ck_assert_int_eq(qi(w, "SELECT total(incidents) FROM cell_coverage"), r.assigned);
    ck_assert_int_eq(qi(w, "SELECT total(households) FROM cell_coverage"),
                     qi(w, "SELECT total(households) FROM cells WHERE plan = (SELECT id FROM "
                           "plans WHERE active)"));
    ck_assert_int_gt(r.cameras_seeing, 0);
    ck_assert(r.seen_m2 > 0 && r.seen_m2 < r.open_m2 && r.open_m2 < r.area_m2);
    ck_assert_double_eq_tol(r.open_m2 - r.seen_m2, qd(w, "SELECT total(area_m2) FROM blind_spots"),
                            0.01 * r.open_m2);
}
END_TEST

TCase *tcase_assign(void)
{
    TCase *tc = tcase_create("assign");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, hand_fixture_incidents);
    tcase_add_test(tc, hand_fixture_cameras);
    tcase_add_test(tc, sample_city_reconciles);
    return tc;
}
