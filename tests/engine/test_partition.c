/* tests/engine/test_partition.c: the partitioner's properties over many random small cities
 * (seeded), redrawing, locking, moving by hand, diffs, and a real data set.
 *
 * Each random city: a 2x2 block of communities (rectangles or L shapes), units as detached
 * buildings or address points, compounds of several buildings, and a river that may cut
 * communities. Properties are checked with SpatiaLite on the stored plan, never by reading
 * the partitioner's own numbers back. */
#include "support_engine.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/store.h"
#include "wg/ws.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_partition(void);
TCase *tcase_partition_realdata(void);

/* ---- A random city ------------------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void tx(text *t, const char *fmt, ...) WG_PRINTF(2, 3);
static void tx(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (t->s && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap * 2 + (size_t)k + 4096;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
}

static uint64_t rng_state;
static double urand(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static const char HEAD[] = "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
                           "\"properties\":{\"name\":\"EPSG:4549\"}},\"features\":[";

#define X0 500000.0
#define Y0 3450000.0
#define CW 400.0 /* community width, height */
#define CH 300.0

/* The river: y = ry + slope * (x - X0). */
static double river_y(double x, double ry, double slope)
{
    return ry + slope * (x - X0);
}

/* Whether (x, y) lies in community (i, j), L-shaped ones missing their north-east quarter. */
static bool in_comm(int i, int j, bool ell, double x, double y)
{
    double x0 = X0 + i * CW, y0 = Y0 + j * CH;
    if (x <= x0 || x >= x0 + CW || y <= y0 || y >= y0 + CH)
        return false;
    return !(ell && x > x0 + CW / 2 && y > y0 + CH / 2);
}

typedef struct city_opts {
    bool fine;   /* only small units (1-10 households) */
    bool points; /* some units are address points */
    bool river;
} city_opts;

/* Writes communities.geojson, units.geojson, barriers.geojson into t_dir and imports them
 * into a new workspace `ws_name`. Returns the number of units. */
static int make_city(uint64_t seed, city_opts co, const char *ws_name)
{
    rng_state = seed * 7919 + 17;
    text comm = {0}, units = {0}, bar = {0};
    tx(&comm, "%s", HEAD);
    tx(&units, "%s", HEAD);
    tx(&bar, "%s", HEAD);
    double ry = Y0 + 60 + urand() * (2 * CH - 120), slope = (urand() - 0.5) * 0.3;
    int nu = 0, ncp = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            bool ell = urand() < 0.4;
            double x0 = X0 + i * CW, y0 = Y0 + j * CH;
            if (ell)
                tx(&comm,
                   "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"K%d%d\"},\"geometry\":{"
                   "\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                   "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
                   i + j ? "," : "", i, j, x0, y0, x0 + CW, y0, x0 + CW, y0 + CH / 2, x0 + CW / 2,
                   y0 + CH / 2, x0 + CW / 2, y0 + CH, x0, y0 + CH, x0, y0);
            else
                tx(&comm,
                   "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"K%d%d\"},\"geometry\":{"
                   "\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                   "[%.1f,%.1f],[%.1f,%.1f]]]}}",
                   i + j ? "," : "", i, j, x0, y0, x0 + CW, y0, x0 + CW, y0 + CH, x0, y0 + CH, x0,
                   y0);
            /* Units on a jittered 20 m grid; compounds as 3x2 clusters of buildings, their
             * ground kept clear of other units. */
            double box[64][4];
            int nbox = 0;
            for (double y = y0 + 10; y < y0 + CH - 10; y += 20)
                for (double x = x0 + 10; x < x0 + CW - 10; x += 20) {
                    double cx = x + (urand() - 0.5) * 6, cy = y + (urand() - 0.5) * 6;
                    if (!in_comm(i, j, ell, cx - 6, cy - 6) || !in_comm(i, j, ell, cx + 6, cy + 6))
                        continue;
                    if (co.river && fabs(cy - river_y(cx, ry, slope)) < 12)
                        continue;
                    bool taken = false;
                    for (int q = 0; q < nbox && !taken; q++)
                        taken =
                            cx > box[q][0] && cx < box[q][2] && cy > box[q][1] && cy < box[q][3];
                    if (taken || urand() < 0.25)
                        continue; /* a compound's ground, or open space */
                    bool compound = !co.fine && urand() < 0.04;
                    int hh = (int)(1 + urand() * 10);
                    if (compound) {
                        /* Six buildings around (cx, cy), all on one side of the river. */
                        double bx = cx, by = cy;
                        bool ok = in_comm(i, j, ell, bx - 12, by - 8) &&
                                  in_comm(i, j, ell, bx + 52, by + 28);
                        if (co.river)
                            ok &= fabs(by - river_y(bx, ry, slope)) > 50 &&
                                  fabs(by + 28 - river_y(bx + 52, ry, slope)) > 50;
                        if (ok && nbox < 64) {
                            box[nbox][0] = bx - 20, box[nbox][1] = by - 16;
                            box[nbox][2] = bx + 60, box[nbox][3] = by + 36;
                            nbox++;
                            ncp++;
                            for (int b = 0; b < 6; b++) {
                                double px = bx + (b % 3) * 20, py = by + (b / 3) * 20;
                                int bh = (int)(20 + urand() * 70);
                                tx(&units,
                                   "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"U%05d\","
                                   "\"households\":%d,\"compound\":\"CP%03d\"},\"geometry\":{"
                                   "\"type\":\"Polygon\",\"coordinates\":[[[%.2f,%.2f],[%.2f,"
                                   "%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]]}}",
                                   nu ? "," : "", nu, bh, ncp, px - 7, py - 5, px + 7, py - 5,
                                   px + 7, py + 5, px - 7, py + 5, px - 7, py - 5);
                                nu++;
                            }
                            x += 60; /* skip past the compound */
                            continue;
                        }
                    }
                    if (co.points && urand() < 0.5)
                        tx(&units,
                           "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"U%05d\","
                           "\"households\":%d,\"kind\":\"address\"},\"geometry\":{\"type\":"
                           "\"Point\",\"coordinates\":[%.2f,%.2f]}}",
                           nu ? "," : "", nu, hh, cx, cy);
                    else
                        tx(&units,
                           "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"U%05d\","
                           "\"households\":%d},\"geometry\":{\"type\":\"Polygon\","
                           "\"coordinates\":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],"
                           "[%.2f,%.2f]]]}}",
                           nu ? "," : "", nu, hh, cx - 5, cy - 4, cx + 5, cy - 4, cx + 5, cy + 4,
                           cx - 5, cy + 4, cx - 5, cy - 4);
                    nu++;
                }
        }
    if (co.river)
        tx(&bar,
           "{\"type\":\"Feature\",\"properties\":{\"id\":\"R1\",\"kind\":\"river\",\"name\":"
           "\"River\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[%.2f,%.2f],"
           "[%.2f,%.2f]]}}",
           X0 - 50, river_y(X0 - 50, ry, slope), X0 + 2 * CW + 50,
           river_y(X0 + 2 * CW + 50, ry, slope));
    tx(&comm, "]}");
    tx(&units, "]}");
    tx(&bar, "]}");
    t_write(t_path(t_dir, "communities.geojson"), comm.s);
    t_write(t_path(t_dir, "units.geojson"), units.s);
    t_write(t_path(t_dir, "barriers.geojson"), bar.s);
    free(comm.s), free(units.s), free(bar.s);
    wg_ws *ws = NULL;
    remove(t_path(t_dir, ws_name));
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, ws_name), "EPSG:4549", &ws));
    wg_import_result r;
    wg_import_opts o = {0};
    T_OK(t_ctx, wg_import(ws, "communities", t_path(t_dir, "communities.geojson"), &o, &r));
    T_OK(t_ctx, wg_import(ws, "units", t_path(t_dir, "units.geojson"), &o, &r));
    if (co.river)
        T_OK(t_ctx, wg_import(ws, "barriers", t_path(t_dir, "barriers.geojson"), &o, &r));
    wg_ws_close(ws);
    return nu;
}

/* ---- Checking with SQL ----------------------------------------------------------------- */

/* The SQL with every ?1 replaced by `plan`, in a malloc'd string. */
static char *bind_plan(int64_t plan, const char *sql)
{
    char num[32];
    int nl = snprintf(num, sizeof num, "%lld", (long long)plan);
    size_t cap = strlen(sql) * (size_t)(nl + 1) + 1, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    for (const char *p = sql; *p;) {
        if (p[0] == '?' && p[1] == '1' && !(p[2] >= '0' && p[2] <= '9')) {
            memcpy(out + len, num, (size_t)nl);
            len += (size_t)nl;
            p += 2;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}

/* One number from SQL with ?1 standing for `plan`, as SQLite's column_double() reads it. */
static double qp(const char *ws_name, int64_t plan, const char *sql)
{
    char *q = bind_plan(plan, sql);
    double v = t_sql_real(t_path(t_dir, ws_name), q);
    free(q);
    return v;
}

/* The same for n statements at once (one run of the sqlite3 shell): out[i] is the first value
 * of statement i, each of which gives exactly one row. */
static void qps(const char *ws_name, int64_t plan, const char *const *sql, size_t n, double *out)
{
    size_t cap = 1, len = 0;
    char **q = malloc(n * sizeof *q);
    ck_assert_ptr_nonnull(q);
    for (size_t i = 0; i < n; i++) {
        q[i] = bind_plan(plan, sql[i]);
        cap += strlen(q[i]) + 3;
    }
    char *all = malloc(cap);
    ck_assert_ptr_nonnull(all);
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(all + len, cap - len, "%s;\n", q[i]);
        free(q[i]);
    }
    free(q);
    char *rows = t_sql_quoted(t_path(t_dir, ws_name), all);
    const char *p = rows;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(*p, "no row: %s", sql[i]);
        out[i] = t_field_real(&p);
        p += strcspn(p, "\n"); /* the row's other fields */
        p += *p == '\n';
    }
    ck_assert_msg(*p == '\0', "more rows than statements: %.80s", p);
    free(rows);
    free(all);
}

/* The properties every plan must have, checked by SQL statements run all at once. */
enum {
    Q_MEMBERS,
    Q_DISTINCT,
    Q_NO_CELL,
    Q_SUMS,
    Q_PIECES,
    Q_COMMUNITY,
    Q_OUTSIDE,
    Q_TILE,
    Q_ISSUE,
    Q_HARD,
    Q_COMPOUND_FITS,
    Q_COMPOUND_SPLIT,
    Q_BARRIER,
    NQ
};
static const char *const PLAN_SQL[NQ] = {
    /* Every unit in exactly one cell. */
    [Q_MEMBERS] = "SELECT count(*) FROM cell_units WHERE plan = ?1",
    [Q_DISTINCT] = "SELECT count(DISTINCT unit) FROM cell_units WHERE plan = ?1",
    [Q_NO_CELL] = "SELECT count(*) FROM cell_units cu LEFT JOIN cells c ON c.plan = "
                  "cu.plan AND c.code = cu.cell WHERE cu.plan = ?1 AND c.fid IS NULL",
    /* Cell totals are the sums of their units. */
    [Q_SUMS] = "SELECT count(*) FROM cells c WHERE plan = ?1 AND households <> "
               "(SELECT sum(u.households) FROM cell_units cu JOIN units u ON u.id "
               "= cu.unit WHERE cu.plan = ?1 AND cu.cell = c.code)",
    /* Every cell one polygon, inside its community, holding only that community's units. */
    [Q_PIECES] = "SELECT count(*) FROM cells WHERE plan = ?1 AND ST_NumGeometries(geom) <> 1",
    [Q_COMMUNITY] = "SELECT count(*) FROM cell_units cu JOIN units u ON u.id = cu.unit "
                    "JOIN cells c ON c.plan = cu.plan AND c.code = cu.cell WHERE "
                    "cu.plan = ?1 AND u.community <> c.community",
    [Q_OUTSIDE] = "SELECT count(*) FROM cells c JOIN communities m ON m.id = "
                  "c.community WHERE c.plan = ?1 AND ST_Area(ST_Difference(c.geom, "
                  "m.geom)) > 1e-6 * ST_Area(c.geom)",
    /* Cells tile each community: areas add up, and their union is the community. */
    [Q_TILE] = "SELECT count(*) FROM communities m JOIN (SELECT community, sum(ST_Area(geom)) "
               "s, ST_Area(ST_Union(geom)) u FROM cells WHERE plan = ?1 GROUP BY community) "
               "x ON x.community = m.id WHERE abs(x.s - ST_Area(m.geom)) > 1e-6 * "
               "ST_Area(m.geom) OR abs(x.u - ST_Area(m.geom)) > 1e-6 * ST_Area(m.geom)",
    /* Every cell out of range carries an issue with its cause. */
    [Q_ISSUE] = "SELECT count(*) FROM cells c WHERE plan = ?1 AND (households < 200 "
                "OR households > 300) AND NOT EXISTS (SELECT 1 FROM plan_issues i "
                "WHERE i.plan = ?1 AND i.cell = c.code AND i.kind IN ('above_max', "
                "'below_min') AND length(i.cause) > 20)",
    /* Fine units: out of range only where the community's (or a barrier-cut part's) total
     * forbids it, never for want of search. */
    [Q_HARD] = "SELECT count(*) FROM plan_issues WHERE plan = ?1 AND kind IN "
               "('above_max', 'below_min') AND cause NOT LIKE '%cannot make whole "
               "cells%' AND cause NOT LIKE '%its connected area%'",
    /* Compounds that fit stay whole. */
    [Q_COMPOUND_FITS] =
        "SELECT count(*) FROM (SELECT u.compound FROM units u JOIN cell_units cu ON "
        "cu.unit = u.id AND cu.plan = ?1 WHERE u.compound IS NOT NULL GROUP BY "
        "u.compound HAVING sum(u.households) <= 300 AND count(DISTINCT cu.cell) > "
        "1)",
    /* Every compound in more than one cell is reported as split. */
    [Q_COMPOUND_SPLIT] = "SELECT count(*) FROM (SELECT u.compound FROM units u JOIN "
                         "cell_units cu ON cu.unit = u.id AND cu.plan = ?1 WHERE u.compound "
                         "IS NOT NULL GROUP BY u.compound HAVING count(DISTINCT cu.cell) > 1) "
                         "x WHERE NOT EXISTS (SELECT 1 FROM plan_issues i WHERE i.plan = ?1 "
                         "AND i.kind = 'compound_split' AND i.cause LIKE 'compound ' || "
                         "x.compound || ' %')",
    /* No cell straddles a barrier without saying so (a barrier along a cell's edge may
     * wander off it in the last digits: the interior is taken 1 cm in). */
    [Q_BARRIER] = "SELECT count(*) FROM cells c, barriers b WHERE c.plan = ?1 AND "
                  "ST_Intersects(ST_Buffer(c.geom, -0.01), b.geom) AND NOT EXISTS (SELECT 1 "
                  "FROM plan_issues i WHERE i.plan = ?1 AND i.cell = c.code AND "
                  "i.kind = 'barrier')",
};

static void check_plan(const char *ws_name, int64_t plan, int units, bool fine, uint64_t seed)
{
    /* (Q_HARD is only asked about fine units) */
    const char *sql[NQ];
    size_t at[NQ], n = 0;
    for (size_t k = 0; k < NQ; k++)
        if (k != Q_HARD || fine) {
            at[k] = n;
            sql[n++] = PLAN_SQL[k];
        }
    double v[NQ];
    qps(ws_name, plan, sql, n, v);
#define V(k) v[at[k]]
    ck_assert_int_eq((int)V(Q_MEMBERS), units);
    ck_assert_int_eq((int)V(Q_DISTINCT), units);
    ck_assert_int_eq((int)V(Q_NO_CELL), 0);
    ck_assert_int_eq((int)V(Q_SUMS), 0);
    ck_assert_msg(V(Q_PIECES) == 0, "seed %llu: a cell in pieces", (unsigned long long)seed);
    ck_assert_int_eq((int)V(Q_COMMUNITY), 0);
    ck_assert_int_eq((int)V(Q_OUTSIDE), 0);
    ck_assert_msg(V(Q_TILE) == 0, "seed %llu: cells do not tile a community",
                  (unsigned long long)seed);
    ck_assert_int_eq((int)V(Q_ISSUE), 0);
    if (fine)
        ck_assert_msg(V(Q_HARD) == 0,
                      "seed %llu: a fine-grained cell out of range without a hard cause",
                      (unsigned long long)seed);
    ck_assert_msg(V(Q_COMPOUND_FITS) == 0, "seed %llu: a compound that fits was split",
                  (unsigned long long)seed);
    ck_assert_int_eq((int)V(Q_COMPOUND_SPLIT), 0);
    ck_assert_int_eq((int)V(Q_BARRIER), 0);
#undef V
}

static int64_t partition(const char *ws_name, const char *name, const char *keep, uint64_t seed,
                         wg_part_summary *s)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, ws_name), &ws));
    wg_part_opts o = {
        .target = 250, .min = 200, .max = 300, .name = name, .keep = keep, .seed = seed};
    T_OK(t_ctx, wg_partition(ws, &o, s));
    wg_ws_close(ws);
    return s->plan;
}

/* Whether plans a and b put every unit in a cell of the same code, with equal polygons. */
static bool same_plan(const char *ws_name, int64_t a, int64_t b)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM cell_units x JOIN cell_units y ON y.unit = x.unit "
             "AND y.plan = %lld WHERE x.plan = %lld AND x.cell <> y.cell) + (SELECT count(*) "
             "FROM cells x JOIN cells y ON y.code = x.code AND y.plan = %lld WHERE x.plan = "
             "%lld AND NOT ST_Equals(x.geom, y.geom))",
             (long long)b, (long long)a, (long long)b, (long long)a);
    /* (as SQLite's column_int() reads it) */
    return (int)t_sql_i64(t_path(t_dir, ws_name), sql) == 0;
}

/* Adds `delta` households to unit `id` through the store, as a re-import of the unit with the
 * new count would: the row is written again whole, in a write transaction. */
static void add_households(const char *ws_name, const char *id, int64_t delta)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, ws_name), &ws));
    const wg_layer_def *L = wg_layer_find("units");
    enum { MAXC = 16 };
    ck_assert_uint_le(L->ncols, MAXC);
    wg_value v[MAXC];
    char *copy[MAXC] = {NULL};
    unsigned char *wkb = NULL;
    size_t wkb_len = 0;
    bool found = false, eof = false;
    wg_row_reader *rd = NULL;
    T_OK(t_ctx, wg_store_rows_read(ws, L, 0, false, &rd));
    while (!found) {
        const unsigned char *g = NULL;
        size_t glen = 0;
        T_OK(t_ctx, wg_store_rows_next(rd, v, &g, &glen, NULL, &eof));
        if (eof)
            break;
        if (v[0].null || strcmp(v[0].s, id) != 0)
            continue;
        found = true;
        for (size_t c = 0; c < L->ncols; c++)
            if (L->cols[c].type == WG_COL_TEXT && !v[c].null) {
                copy[c] = strdup(v[c].s); /* (borrowed until the next row) */
                ck_assert_ptr_nonnull(copy[c]);
                v[c].s = copy[c];
            }
        ck_assert_ptr_nonnull(g);
        wkb = malloc(glen);
        ck_assert_ptr_nonnull(wkb);
        memcpy(wkb, g, glen);
        wkb_len = glen;
    }
    wg_store_rows_read_close(rd);
    ck_assert_msg(found, "no unit %s", id);
    size_t hh = 0;
    while (hh < L->ncols && strcmp(L->cols[hh].name, "households") != 0)
        hh++;
    ck_assert_uint_lt(hh, L->ncols);
    ck_assert(!v[hh].null);
    v[hh].i += delta;
    T_OK(t_ctx, wg_store_begin(ws, "more households by hand"));
    int64_t batch = 0;
    wg_row_writer *w = NULL;
    wg_row_outcome out;
    T_OK(t_ctx, wg_store_next_batch(ws, &batch));
    T_OK(t_ctx, wg_store_rows_open(ws, L, batch, &w));
    T_OK(t_ctx, wg_store_rows_put(w, v, wkb, wkb_len, NULL, &out));
    ck_assert_int_eq(out, WG_ROW_UPDATED);
    wg_store_rows_close(w);
    T_OK(t_ctx, wg_store_commit(ws));
    wg_ws_close(ws);
    for (size_t c = 0; c < MAXC; c++)
        free(copy[c]);
    free(wkb);
}

/* ---- Tests ---------------------------------------------------------------------------------- */

static void random_city(uint64_t seed, city_opts co)
{
    int units = make_city(seed, co, "c.wangge");
    wg_part_summary s1, s2, s3;
    int64_t p1 = partition("c.wangge", "first", NULL, seed, &s1);
    check_plan("c.wangge", p1, units, co.fine, seed);
    ck_assert_int_eq((int)s1.units, units);
    ck_assert_int_eq(s1.pieces, 0);
    /* The same seed gives the same plan. */
    int64_t p2 = partition("c.wangge", "again", NULL, seed, &s2);
    ck_assert_msg(same_plan("c.wangge", p1, p2), "seed %llu: not deterministic",
                  (unsigned long long)seed);
    /* Redrawing unchanged units moves nobody and keeps every code. */
    int64_t p3 = partition("c.wangge", "kept", "first", seed + 1, &s3);
    ck_assert_int_eq(s3.moved_households, 0);
    check_plan("c.wangge", p3, units, co.fine, seed);
    ck_assert_msg(same_plan("c.wangge", p1, p3), "seed %llu: keep changed the plan",
                  (unsigned long long)seed);
}

START_TEST(random_fine_cities)
{
    for (uint64_t seed = 1; seed <= 6; seed++)
        random_city(seed,
                    (city_opts){.fine = true, .points = seed % 2 == 0, .river = seed % 3 != 0});
}
END_TEST

START_TEST(random_compound_cities)
{
    for (uint64_t seed = 101; seed <= 106; seed++)
        random_city(seed,
                    (city_opts){.fine = false, .points = seed % 2 == 0, .river = seed % 3 != 0});
}
END_TEST

/* A redraw after units changed: cells untouched and still in range keep their exact units
 * and codes; the households moved are few. */
START_TEST(redraw_after_changes)
{
    int units = make_city(7, (city_opts){.fine = true, .river = true}, "c.wangge");
    wg_part_summary s1, s2;
    int64_t p1 = partition("c.wangge", "before", NULL, 1, &s1);
    /* Push one cell above max: add 120 households to one of its units. */
    char *unit = t_sql(t_path(t_dir, "c.wangge"),
                       "SELECT unit FROM cell_units WHERE plan = 1 ORDER BY unit LIMIT 1");
    add_households("c.wangge", unit, 120);
    free(unit);
    int64_t p2 = partition("c.wangge", "after", "before", 1, &s2);
    check_plan("c.wangge", p2, units, true, 7);
    ck_assert_int_gt((long long)s2.kept, (long long)s1.cells - 8);
    ck_assert_int_lt(s2.moved_households, 2000);
    /* Every old cell that did not hold the changed unit is there with the same units. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT cell, group_concat(unit) g FROM (SELECT * FROM "
             "cell_units WHERE plan = %lld ORDER BY unit) GROUP BY cell) a WHERE a.cell NOT IN "
             "(SELECT cell FROM cell_units WHERE plan = %lld AND unit = (SELECT min(unit) FROM "
             "cell_units WHERE plan = %lld)) AND a.g <> coalesce((SELECT group_concat(unit) FROM "
             "(SELECT * FROM cell_units WHERE plan = ?1 AND cell = a.cell ORDER BY unit)), '')",
             (long long)p1, (long long)p1, (long long)p1);
    double changed = qp("c.wangge", p2, sql);
    /* Only the changed cell's neighbours may have given or taken units. */
    ck_assert_msg(changed <= 6, "%g untouched cells changed", changed);
}
END_TEST

/* A redraw with a narrower range: cells now above the new max are cut again, even when their
 * units did not change; cells still in range and untouched keep their units and codes. */
START_TEST(redraw_new_range)
{
    make_city(8, (city_opts){.fine = true}, "c.wangge");
    wg_part_summary s1, s2;
    partition("c.wangge", "wide", NULL, 1, &s1);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "c.wangge"), &ws));
    wg_part_opts o = {
        .target = 230, .min = 200, .max = 260, .name = "narrow", .keep = "wide", .seed = 1};
    T_OK(t_ctx, wg_partition(ws, &o, &s2));
    wg_ws_close(ws);
    /* the wide plan had cells above 260 that the narrow one must not keep */
    ck_assert_int_gt((int)qp("c.wangge", s1.plan,
                             "SELECT count(*) FROM cells WHERE plan = ?1 AND "
                             "households > 260"),
                     0);
    ck_assert_int_eq((int)qp("c.wangge", s2.plan,
                             "SELECT count(*) FROM plan_issues WHERE plan = ?1 AND "
                             "cause LIKE '%kept as it was%'"),
                     0);
    /* every feasible cell is in the new range, and cells in it were kept */
    ck_assert_int_eq((int)qp("c.wangge", s2.plan,
                             "SELECT count(*) FROM cells c WHERE plan = ?1 AND "
                             "(households < 200 OR households > 260) AND NOT "
                             "EXISTS (SELECT 1 FROM plan_issues i WHERE i.plan = "
                             "?1 AND i.cell = c.code)"),
                     0);
    ck_assert_int_gt((int)s2.kept, 0);
    ck_assert_int_gt(s2.moved_households, 0);
}
END_TEST

START_TEST(lock_move_and_diff)
{
    int units = make_city(11, (city_opts){.fine = true}, "c.wangge");
    wg_part_summary s1, s2;
    int64_t p1 = partition("c.wangge", "base", NULL, 1, &s1);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "c.wangge"), &ws));
    wg_plan_detail d;
    T_OK(t_ctx, wg_plan_detail_get(ws, p1, &d));
    ck_assert_uint_gt(d.ncells, 4);
    char locked[32];
    snprintf(locked, sizeof locked, "%s", d.cells[0].code);
    /* Codes: 6 + 3 + 3 + 3 digits, serials from 001 within a community. */
    ck_assert_uint_eq(strlen(locked), 15);
    ck_assert_str_eq(locked + 12, "001");
    wg_plan_detail_free(&d);
    /* Lock needs keep; an unknown code is named. */
    const char *bad[] = {"999999999999999"};
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .name = "x", .lock = bad, .nlock = 1};
    ck_assert_int_eq(wg_partition(ws, &o, &s2), WG_EINPUT);
    wg_ctx_clear(t_ctx);
    o.keep = "base";
    ck_assert_int_eq(wg_partition(ws, &o, &s2), WG_EINPUT);
    ck_assert_ptr_nonnull(strstr(wg_ctx_errmsg(t_ctx), "999999999999999"));
    wg_ctx_clear(t_ctx);
    /* Bad ranges are refused before anything is written. */
    wg_part_opts r = {.target = 250, .min = 300, .max = 200};
    ck_assert_int_eq(wg_partition(ws, &r, &s2), WG_EINPUT);
    wg_ctx_clear(t_ctx);

    /* Move one unit of the locked cell's neighbour into it, by hand. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT cu.unit, cu.cell FROM cell_units cu, cells c, cells n WHERE cu.plan = %lld "
             "AND c.plan = cu.plan AND n.plan = cu.plan AND c.code = '%s' AND n.code = cu.cell "
             "AND n.code <> c.code AND ST_Touches(n.geom, c.geom) ORDER BY cu.unit LIMIT 1",
             (long long)p1, locked);
    char *row = t_sql(t_path(t_dir, "c.wangge"), sql);
    char unit[32], from[32];
    ck_assert_msg(sscanf(row, "%31[^|]|%31s", unit, from) == 2, "no unit to move: '%s'", row);
    free(row);
    double before = qp("c.wangge", p1, "SELECT sum(households) FROM cells WHERE plan = ?1");
    /* A copy of the base plan to move in: partition with keep of everything. */
    int64_t p2 = partition("c.wangge", "edit", "base", 1, &s2);
    ck_assert_int_eq(s2.moved_households, 0);
    const char *mv[] = {unit};
    wg_move_result res;
    T_OK(t_ctx, wg_plan_move(ws, p2, mv, 1, locked, &res));
    ck_assert(res.same_community);
    ck_assert_uint_eq(res.from_cells, 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cell_units WHERE plan = ?1 AND unit = '%s' "
             "AND cell = '%s'",
             unit, locked);
    ck_assert_int_eq((int)qp("c.wangge", p2, sql), 1);
    ck_assert_double_eq(qp("c.wangge", p2, "SELECT sum(households) FROM cells WHERE plan = ?1"),
                        before);
    snprintf(sql, sizeof sql, "SELECT households FROM cells WHERE plan = ?1 AND code = '%s'",
             locked);
    ck_assert_int_eq((int)qp("c.wangge", p2, sql), (int)res.to_households);
    check_plan("c.wangge", p1, units, true, 11);

    /* Diff: the one unit moved, between the two cells. */
    wg_plan_diff df;
    T_OK(t_ctx, wg_plan_diff_get(ws, p1, p2, &df));
    ck_assert_int_eq(df.moved_units, 1);
    ck_assert_uint_eq(df.changed, 2);
    ck_assert_uint_eq(df.added + df.removed, 0);
    ck_assert_uint_eq(df.nmap, 2);
    wg_plan_diff_free(&df);

    /* Locking the moved-into cell keeps it exactly, even redrawn from the edited plan. */
    const char *lk[] = {locked};
    wg_part_opts lo = {.target = 250,
                       .min = 200,
                       .max = 300,
                       .name = "locked",
                       .keep = "edit",
                       .lock = lk,
                       .nlock = 1,
                       .seed = 5};
    wg_part_summary s3;
    T_OK(t_ctx, wg_partition(ws, &lo, &s3));
    T_OK(t_ctx, wg_plan_diff_get(ws, p2, s3.plan, &df));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cell_units x JOIN cell_units y ON y.unit = x.unit AND y.plan "
             "= ?1 WHERE x.plan = %lld AND (x.cell = '%s') <> (y.cell = '%s')",
             (long long)p2, locked, locked);
    ck_assert_int_eq((int)qp("c.wangge", s3.plan, sql), 0);
    wg_plan_diff_free(&df);
    /* Activate. */
    T_OK(t_ctx, wg_plan_activate(ws, s3.plan));
    wg_plan_info *plans = NULL;
    size_t np = 0;
    T_OK(t_ctx, wg_ws_plans(ws, &plans, &np));
    for (size_t i = 0; i < np; i++)
        ck_assert(plans[i].active == (plans[i].id == s3.plan));
    free(plans);
    wg_ws_close(ws);
}
END_TEST

/* Saving a plan under a new name (the planner's desk): the copy holds the same cells,
 * geometry, units and issues, is not active, names its parent; a move in the copy leaves the
 * original alone, and the diff lists exactly the unit moved and the two cells it touched. */
START_TEST(copy_move_and_diff)
{
    make_city(12, (city_opts){.fine = true}, "c.wangge");
    wg_part_summary s1;
    int64_t p1 = partition("c.wangge", "base", NULL, 1, &s1);
    ck_assert_int_eq(p1, 1); /* the SQL below says 1 */
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "c.wangge"), &ws));
    int64_t c = 0;
    T_OK(t_ctx, wg_plan_copy(ws, p1, "saved", &c));
    ck_assert_int_ne(c, p1);
    static const char *const same[] = {
        "SELECT count(*) FROM cells WHERE plan = ?1",
        "SELECT count(*) FROM cells WHERE plan = ?1 AND geom IS NOT NULL",
        "SELECT sum(households) FROM cells WHERE plan = ?1",
        "SELECT count(*) FROM cell_units WHERE plan = ?1",
        "SELECT count(*) FROM plan_issues WHERE plan = ?1",
        "SELECT sum(idx) FROM cells WHERE plan = ?1",
        "SELECT round(sum(ST_Area(geom)), 3) FROM cells WHERE plan = ?1",
    };
    for (size_t k = 0; k < sizeof same / sizeof *same; k++)
        ck_assert_msg(qp("c.wangge", p1, same[k]) == qp("c.wangge", c, same[k]), "differs: %s",
                      same[k]);
    ck_assert_int_eq((int)qp("c.wangge", p1, "SELECT count(*) FROM cells WHERE plan = ?1"),
                     (int)s1.cells);
    ck_assert_int_eq((int)qp("c.wangge", c, "SELECT parent FROM plans WHERE id = ?1"), (int)p1);
    ck_assert_int_eq((int)qp("c.wangge", c, "SELECT active FROM plans WHERE id = ?1"), 0);
    ck_assert_int_eq((int)qp("c.wangge", p1, "SELECT active FROM plans WHERE id = ?1"), 1);
    ck_assert_int_eq((int)qp("c.wangge", c,
                             "SELECT (SELECT params FROM plans WHERE id = ?1) = params FROM "
                             "plans WHERE id = (SELECT parent FROM plans WHERE id = ?1)"),
                     1);
    /* versions: the copy and its cells carry the transaction's, newer than the original's */
    ck_assert_int_eq((int)qp("c.wangge", c,
                             "SELECT count(*) FROM cells WHERE plan = ?1 AND ver <> (SELECT ver "
                             "FROM plans WHERE id = ?1)"),
                     0);
    ck_assert_double_gt(qp("c.wangge", c, "SELECT ver FROM plans WHERE id = ?1"),
                        qp("c.wangge", p1, "SELECT ver FROM plans WHERE id = ?1"));
    wg_plan_diff df;
    T_OK(t_ctx, wg_plan_diff_get(ws, p1, c, &df));
    ck_assert_int_eq(df.moved_units, 0);
    ck_assert_uint_eq(df.ncells, 0);
    ck_assert_uint_eq(df.same, s1.cells);
    wg_plan_diff_free(&df);

    /* A name taken is refused naming the plan; an unknown source too; nothing is added. */
    double nplans = qp("c.wangge", 0, "SELECT count(*) FROM plans");
    int64_t x = -1;
    ck_assert_int_eq(wg_plan_copy(ws, c, "base", &x), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "'base' exists already (id 1)"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_plan_copy(ws, 999, "new", &x), WG_EINPUT);
    ck_assert_ptr_nonnull(strstr(wg_ctx_errmsg(t_ctx), "999"));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_plan_copy(ws, p1, "", &x), WG_EINPUT);
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq((int)x, -1);
    ck_assert_double_eq(qp("c.wangge", 0, "SELECT count(*) FROM plans"), nplans);

    /* One unit of a cell's neighbour moved into it, in the copy. */
    char *row = t_sql(t_path(t_dir, "c.wangge"),
                      "SELECT cu.unit, cu.cell, c.code, cu.households FROM cell_units cu, cells "
                      "c, cells n WHERE cu.plan = 1 AND c.plan = 1 AND n.plan = 1 AND n.code = "
                      "cu.cell AND n.code <> c.code AND n.community = c.community AND "
                      "ST_Touches(n.geom, c.geom) ORDER BY c.code, cu.unit LIMIT 1");
    char unit[32], from[32], to[32];
    long long hh = 0;
    ck_assert_msg(sscanf(row, "%31[^|]|%31[^|]|%31[^|]|%lld", unit, from, to, &hh) == 4,
                  "no unit to move: '%s'", row);
    free(row);
    const char *mv[] = {unit};
    wg_move_result res;
    T_OK(t_ctx, wg_plan_move(ws, c, mv, 1, to, &res));
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cell_units WHERE plan = ?1 AND unit = '%s' "
             "AND cell = '%s'",
             unit, from);
    ck_assert_int_eq((int)qp("c.wangge", p1, sql), 1); /* the original is as it was */
    T_OK(t_ctx, wg_plan_diff_get(ws, p1, c, &df));
    ck_assert_int_eq(df.moved_units, 1);
    ck_assert_int_eq(df.moved_households, hh);
    ck_assert_str_eq(df.moved[0].unit, unit);
    ck_assert_str_eq(df.moved[0].from, from);
    ck_assert_str_eq(df.moved[0].to, to);
    ck_assert_int_eq(df.moved[0].households, hh);
    ck_assert_uint_eq(df.ncells, 2);
    ck_assert_uint_eq(df.changed, 2);
    for (size_t k = 0; k < df.ncells; k++) {
        const wg_plan_celldiff *cd = &df.cells[k];
        ck_assert_int_eq(cd->change, WG_CELL_CHANGED);
        bool is_from = strcmp(cd->code, from) == 0;
        ck_assert(is_from || strcmp(cd->code, to) == 0);
        ck_assert_int_eq(cd->households_b - cd->households_a, is_from ? -hh : hh);
        ck_assert_int_eq((long long)cd->units_b - (long long)cd->units_a, is_from ? -1 : 1);
    }
    ck_assert_int_lt(strcmp(df.cells[0].code, df.cells[1].code), 0); /* by code */
    wg_plan_diff_free(&df);
    wg_ws_close(ws);
}
END_TEST

/* Cincinnati's Walnut Hills census blocks as units (they tile their tracts), tracts dissolved
 * from the blocks as communities: cells are unions of whole blocks. */
/* Units alone, with no communities layer. */
static wg_ws *units_only(const char *ws_name, const char *units_file)
{
    wg_ws *ws = NULL;
    remove(t_path(t_dir, ws_name));
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, ws_name), "EPSG:4549", &ws));
    wg_import_result r;
    wg_import_opts o = {0};
    T_OK(t_ctx, wg_import(ws, "units", t_path(t_dir, units_file), &o, &r));
    return ws;
}

/* No communities layer and no community names: the district is one community, drawn around
 * the detached buildings, and the plan holds as in any city. */
START_TEST(one_community_without_communities)
{
    int nu = make_city(11, (city_opts){.fine = true}, "c.wangge");
    wg_ws *ws = units_only("one.wangge", "units.geojson");
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1, .name = "one"};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &o, &s));
    wg_ws_close(ws);
    ck_assert(s.one_community);
    ck_assert_uint_eq(s.communities_made, 1);
    ck_assert_uint_eq(s.communities_hulls, 1); /* detached footprints: grown around them */
    ck_assert_uint_eq(s.communities, 1);
    ck_assert_uint_eq(s.outside, 0);
    const char *ws_name = "one.wangge";
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, ws_name), "SELECT count(*) FROM communities"), 1);
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, ws_name),
                                    "SELECT households FROM communities WHERE id = 'district'"),
                     (int)s.households);
    /* every unit inside the community it was dissolved into */
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, ws_name),
                                    "SELECT count(*) FROM units u, communities c WHERE NOT "
                                    "ST_Within(u.geom, c.geom)"),
                     0);
    check_plan(ws_name, s.plan, nu, true, 11);
    /* a second partition finds the community made by the first */
    ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, ws_name), &ws));
    o.name = "again";
    T_OK(t_ctx, wg_partition(ws, &o, &s));
    wg_ws_close(ws);
    ck_assert(!s.one_community);
    ck_assert_uint_eq(s.communities_made, 0);
}
END_TEST

/* Units that name their community (some not): the communities are dissolved from them, the
 * unnamed units reported by id and placed by location. */
START_TEST(communities_dissolved_from_units)
{
    int nu = make_city(12, (city_opts){.fine = true}, "c.wangge");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT *, CASE WHEN id < 'U00003' THEN NULL WHEN ST_X(ST_Centroid(geometry)) < "
             "%.1f THEN 'W' ELSE 'E' END AS community FROM units",
             X0 + CW);
    ck_assert_int_eq(t_sh("ogr2ogr -f GeoJSON '%s' '%s' -dialect sqlite -sql \"%s\" 2>/dev/null",
                          t_path(t_dir, "named.geojson"), t_path(t_dir, "units.geojson"), sql),
                     0);
    wg_ws *ws = units_only("named.wangge", "named.geojson");
    wg_ctx_clear(t_ctx);
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1, .name = "named"};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &o, &s));
    wg_ws_close(ws);
    ck_assert(!s.one_community);
    ck_assert_uint_eq(s.communities_made, 2);
    ck_assert_uint_eq(s.units_unnamed, 3);
    ck_assert_uint_ge(wg_ctx_warning_count(t_ctx), 1);
    bool named = false;
    for (size_t i = 0; i < wg_ctx_warning_count(t_ctx) && i < WG_WARN_KEEP; i++)
        named |= strstr(wg_ctx_warning(t_ctx, i), "3 units without a community name (U00000, "
                                                  "U00001, U00002)") != NULL;
    ck_assert_msg(named, "the unnamed units are not listed: %s", wg_ctx_warning(t_ctx, 0));
    const char *ws_name = "named.wangge";
    /* households of each community = those of the units naming it */
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, ws_name),
                                    "SELECT count(*) FROM communities c WHERE households <> "
                                    "(SELECT sum(households) FROM units u WHERE u.community = "
                                    "c.id)"),
                     0);
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, ws_name),
                                    "SELECT count(*) FROM communities c, communities d WHERE "
                                    "c.id < d.id AND ST_Area(ST_Intersection(c.geom, d.geom)) > "
                                    "1"),
                     0);
    /* the unnamed ones at the city's corner lie outside both dissolved communities */
    ck_assert_uint_le(s.outside, 3);
    check_plan(ws_name, s.plan, nu - (int)s.outside, true, 12);
}
END_TEST

/* Census blocks that name their tract, and no tracts layer: the tracts are dissolved from the
 * blocks, exactly (their union: blocks tile). */
START_TEST(cincinnati_blocks_without_communities)
{
    const char *src = t_realdata("cincinnati_walnut_hills_blocks/walnut_hills.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "d.wangge"), NULL, &ws));
    const char *maps[] = {"id=BLOCK", "community=TRACT", "households=HOUSEHOLDS"};
    wg_import_opts o = {.maps = maps, .nmaps = 3};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", src, &o, &r));
    wg_part_opts po = {.target = 250, .min = 200, .max = 300, .seed = 1, .division = "390610"};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &po, &s));
    wg_ws_close(ws);
    ck_assert_uint_eq(s.communities_made, 23);
    ck_assert_uint_eq(s.communities_hulls, 0);
    ck_assert_int_eq(s.households, 16766);
    check_plan("d.wangge", s.plan, 457, false, 0);
    /* each tract's area is its blocks' */
    ck_assert_int_eq((int)t_sql_i64(t_path(t_dir, "d.wangge"),
                                    "SELECT count(*) FROM communities c WHERE abs(ST_Area(geom) - "
                                    "(SELECT sum(ST_Area(u.geom)) FROM units u WHERE u.community "
                                    "= c.id)) > 1e-6 * ST_Area(geom)"),
                     0);
}
END_TEST

/* Blocks that tile a community, and a road running through them (not along their edges):
 * the road parts the blocks (no cell joins blocks across it) but cuts none of them, so the cells
 * still tile the community - no ground in no cell. */
START_TEST(barrier_through_tiling_blocks)
{
    text comm = {0}, units = {0}, bar = {0};
    tx(&comm,
       "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"K1\"},\"geometry\":{\"type\":"
       "\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
       "[%.1f,%.1f]]]}}]}",
       HEAD, X0, Y0, X0 + 1000, Y0, X0 + 1000, Y0 + 1000, X0, Y0 + 1000, X0, Y0);
    tx(&units, "%s", HEAD);
    for (int j = 0; j < 10; j++)
        for (int i = 0; i < 10; i++) {
            double x = X0 + 100 * i, y = Y0 + 100 * j;
            tx(&units,
               "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"B%d%d\",\"households\":%d,"
               "\"kind\":\"block\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,"
               "%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
               i + j ? "," : "", j, i, 20 + (i * 7 + j * 3) % 20, x, y, x + 100, y, x + 100,
               y + 100, x, y + 100, x, y);
        }
    tx(&units, "]}");
    /* a diagonal road, crossing blocks through their middles */
    tx(&bar,
       "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"R1\",\"kind\":\"road\"},\"geometry\":{"
       "\"type\":\"LineString\",\"coordinates\":[[%.1f,%.1f],[%.1f,%.1f]]}}]}",
       HEAD, X0 - 50, Y0 + 130, X0 + 1050, Y0 + 870);
    t_write(t_path(t_dir, "communities.geojson"), comm.s);
    t_write(t_path(t_dir, "units.geojson"), units.s);
    t_write(t_path(t_dir, "barriers.geojson"), bar.s);
    free(comm.s), free(units.s), free(bar.s);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "b.wangge"), "EPSG:4549", &ws));
    wg_import_result r;
    wg_import_opts io = {0};
    T_OK(t_ctx, wg_import(ws, "communities", t_path(t_dir, "communities.geojson"), &io, &r));
    T_OK(t_ctx, wg_import(ws, "units", t_path(t_dir, "units.geojson"), &io, &r));
    T_OK(t_ctx, wg_import(ws, "barriers", t_path(t_dir, "barriers.geojson"), &io, &r));
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &o, &s));
    wg_ws_close(ws);
    const char *sql[] = {PLAN_SQL[Q_MEMBERS], PLAN_SQL[Q_NO_CELL], PLAN_SQL[Q_SUMS],
                         PLAN_SQL[Q_TILE], PLAN_SQL[Q_PIECES]};
    double v[5];
    qps("b.wangge", s.plan, sql, 5, v);
    ck_assert_int_eq((int)v[0], 100);
    ck_assert_int_eq((int)v[1], 0);
    ck_assert_int_eq((int)v[2], 0);
    ck_assert_msg(v[3] == 0, "cells do not tile the community: ground in no cell");
    ck_assert_int_eq((int)v[4], 0);
    /* every cell is a union of whole blocks */
    ck_assert_int_eq((int)qp("b.wangge", s.plan,
                             "SELECT count(*) FROM cells c WHERE plan = ?1 AND abs(area_m2 - "
                             "(SELECT sum(ST_Area(u.geom)) FROM cell_units cu JOIN units u ON "
                             "u.id = cu.unit WHERE cu.plan = ?1 AND cu.cell = c.code)) > 1e-6 * "
                             "area_m2"),
                     0);
    /* no two blocks on opposite sides of the road share a cell unless the cell says why */
    ck_assert_int_eq((int)qp("b.wangge", s.plan,
                             "SELECT count(*) FROM cells c, barriers b WHERE c.plan = ?1 AND "
                             "ST_Crosses(b.geom, c.geom) AND NOT EXISTS (SELECT 1 FROM plan_issues "
                             "i WHERE i.plan = ?1 AND i.cell = c.code AND i.kind = 'barrier') AND "
                             "(SELECT count(*) FROM cell_units cu JOIN units u ON u.id = cu.unit "
                             "WHERE cu.plan = ?1 AND cu.cell = c.code AND NOT ST_Crosses(b.geom, "
                             "u.geom) AND ST_Y(ST_Centroid(u.geom)) > 0.6727 * (ST_X(ST_Centroid("
                             "u.geom)) - 499950) + 3450130) NOT IN (0, (SELECT count(*) FROM "
                             "cell_units cu JOIN units u ON u.id = cu.unit WHERE cu.plan = ?1 AND "
                             "cu.cell = c.code AND NOT ST_Crosses(b.geom, u.geom)))"),
                     0);
}
END_TEST

START_TEST(cincinnati_blocks)
{
    const char *src = t_realdata("cincinnati_walnut_hills_blocks/walnut_hills.gpkg");
    ck_assert_int_eq(t_sh("ogr2ogr -f GPKG '%s' '%s' -dialect sqlite -nlt MULTIPOLYGON -nln "
                          "communities -sql 'SELECT TRACT AS id, ST_Union(geom) AS geom FROM "
                          "blocks GROUP BY TRACT' 2>/dev/null",
                          t_path(t_dir, "tracts.gpkg"), src),
                     0);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=BLOCK", "community=TRACT", "households=HOUSEHOLDS"};
    wg_import_opts o = {.maps = maps, .nmaps = 3};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", src, &o, &r));
    wg_import_opts oc = {0};
    T_OK(t_ctx, wg_import(ws, "communities", t_path(t_dir, "tracts.gpkg"), &oc, &r));
    ck_assert_int_eq(r.features, 23);
    wg_part_opts po = {.target = 250, .min = 200, .max = 300, .seed = 1, .division = "390610"};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &po, &s));
    wg_ws_close(ws);
    ck_assert_int_eq(s.households, 16766);
    ck_assert_int_eq((int)s.units, 457);
    check_plan("r.wangge", s.plan, 457, false, 0);
    /* Cells are unions of whole blocks: each cell's area is its blocks' area. */
    ck_assert_int_eq((int)qp("r.wangge", s.plan,
                             "SELECT count(*) FROM cells c WHERE plan = ?1 AND abs(area_m2 - "
                             "(SELECT sum(ST_Area(u.geom)) FROM cell_units cu JOIN units u ON "
                             "u.id = cu.unit WHERE cu.plan = ?1 AND cu.cell = c.code)) > 1e-6 * "
                             "area_m2"),
                     0);
    /* Blocks above 300 households are cells of their own, named as the cause. */
    ck_assert_int_eq((int)qp("r.wangge", s.plan,
                             "SELECT count(*) FROM units u WHERE households > 300 AND NOT EXISTS "
                             "(SELECT 1 FROM plan_issues i JOIN cell_units cu ON cu.plan = "
                             "i.plan AND cu.cell = i.cell WHERE i.plan = ?1 AND cu.unit = u.id "
                             "AND i.cause LIKE '%unit ' || u.id || ' alone%')"),
                     0);
    /* Codes start with the division given. */
    ck_assert_int_eq((int)qp("r.wangge", s.plan,
                             "SELECT count(*) FROM cells WHERE plan = ?1 AND code NOT LIKE "
                             "'390610%'"),
                     0);
    /* About 16,766 / 250 cells; most in range. */
    ck_assert_uint_ge(s.cells, 55);
    ck_assert_uint_le(s.cells, 80);
    fprintf(stderr, "cincinnati: %zu cells, %zu in range, PP mean %.3f\n", s.cells, s.in_range,
            s.pp_mean);
}
END_TEST

TCase *tcase_partition(void)
{
    TCase *tc = tcase_create("partition");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_fine_cities);
    tcase_add_test(tc, random_compound_cities);
    tcase_add_test(tc, redraw_after_changes);
    tcase_add_test(tc, redraw_new_range);
    tcase_add_test(tc, lock_move_and_diff);
    tcase_add_test(tc, copy_move_and_diff);
    tcase_add_test(tc, one_community_without_communities);
    tcase_add_test(tc, communities_dissolved_from_units);
    tcase_add_test(tc, barrier_through_tiling_blocks);
    return tc;
}

TCase *tcase_partition_realdata(void)
{
    TCase *tc = tcase_create("partition_realdata");
    tcase_set_tags(tc, T_REALDATA_TAG);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cincinnati_blocks);
    tcase_add_test(tc, cincinnati_blocks_without_communities);
    return tc;
}
