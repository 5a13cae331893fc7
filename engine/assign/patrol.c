/* engine/assign/patrol.c: the patrol length of every cell of a plan, stored in cell_patrol.
 *
 * With streets in the workspace, a cell's patrol is the length of the streets inside it
 * (SpatiaLite clips each street to the cells its spatial index finds). Without streets it is a
 * short closed tour over the centres of the cell's units: nearest neighbour from the first
 * unit, then 2-opt until no swap shortens it. A cell with one unit has a tour of 0. */
#include "patrol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double dist(const double *p, size_t a, size_t b)
{
    return hypot(p[2 * a] - p[2 * b], p[2 * a + 1] - p[2 * b + 1]);
}

/* Length of a short closed tour over the n points p[2i], p[2i+1]; `tour` has n entries. */
static double tour_length(const double *p, size_t n, size_t *tour)
{
    if (n < 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        tour[i] = i;
    for (size_t i = 1; i < n; i++) { /* nearest neighbour */
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (dist(p, tour[i - 1], tour[j]) < dist(p, tour[i - 1], tour[best]))
                best = j;
        size_t t = tour[i];
        tour[i] = tour[best];
        tour[best] = t;
    }
    for (bool better = true; better && n > 3;) { /* 2-opt: reverse tour[i+1..j] */
        better = false;
        for (size_t i = 0; i + 2 < n; i++)
            for (size_t j = i + 2; j < n; j++) {
                size_t a = tour[i], b = tour[i + 1], c = tour[j], d = tour[(j + 1) % n];
                if (a == d)
                    continue;
                if (dist(p, a, c) + dist(p, b, d) < dist(p, a, b) + dist(p, c, d) - 1e-9) {
                    for (size_t x = i + 1, y = j; x < y; x++, y--) {
                        size_t t = tour[x];
                        tour[x] = tour[y];
                        tour[y] = t;
                    }
                    better = true;
                }
            }
    }
    double len = 0;
    for (size_t i = 0; i < n; i++)
        len += dist(p, tour[i], tour[(i + 1) % n]);
    return len;
}

static wg_status store(wg_ws *ws, sqlite3_stmt *ins, const char *cell, double m)
{
    sqlite3_reset(ins);
    sqlite3_bind_text(ins, 1, cell, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, 2, m);
    return sqlite3_step(ins) == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "storing patrol lengths: ");
}

static wg_status tours(wg_ws *ws, int64_t plan, sqlite3_stmt *ins)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT c.code, X(Centroid(u.geom)), Y(Centroid(u.geom)) FROM cells "
                               "c LEFT JOIN cell_units cu ON cu.plan = c.plan AND cu.cell = c.code "
                               "LEFT JOIN units u ON u.id = cu.unit AND u.geom IS NOT NULL WHERE "
                               "c.plan = ? ORDER BY c.code, cu.unit",
                               &q);
    if (st != WG_OK)
        return st;
    sqlite3_bind_int64(q, 1, plan);
    double *p = NULL;
    size_t *tour = NULL, n = 0, capp = 0, capt = 0;
    char cell[64] = "";
    int rc;
    while (st == WG_OK) {
        rc = sqlite3_step(q);
        const char *code = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (cell[0] && (!code || strcmp(code, cell) != 0)) {
            st = wg_grow(ws->ctx, (void **)&tour, &capt, n + 1, sizeof *tour);
            if (st == WG_OK)
                st = store(ws, ins, cell, tour_length(p, n, tour));
            n = 0;
        }
        if (rc != SQLITE_ROW || st != WG_OK)
            break;
        snprintf(cell, sizeof cell, "%s", code);
        if (sqlite3_column_type(q, 1) == SQLITE_NULL)
            continue;
        st = wg_grow(ws->ctx, (void **)&p, &capp, 2 * (n + 1), sizeof *p);
        if (st == WG_OK) {
            p[2 * n] = sqlite3_column_double(q, 1);
            p[2 * n + 1] = sqlite3_column_double(q, 2);
            n++;
        }
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading units for patrol tours: ");
    sqlite3_finalize(q);
    free(p);
    free(tour);
    return st;
}

wg_status wg__patrol_run(wg_ws *ws, int64_t plan, bool *streets)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    wg_status st = wg__sql(ws, "DELETE FROM cell_patrol");
    if (st == WG_OK)
        st = wg__prepare(ws, "SELECT EXISTS (SELECT 1 FROM streets WHERE geom IS NOT NULL)", &q);
    *streets = st == WG_OK && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, "INSERT INTO cell_patrol (cell, patrol_m, method) VALUES (?, ?, ?)",
                         &ins);
    if (st == WG_OK)
        sqlite3_bind_text(ins, 3, *streets ? "streets" : "tour", -1, SQLITE_STATIC);
    if (st == WG_OK && !*streets)
        st = tours(ws, plan, ins);
    if (st == WG_OK && *streets)
        st = wg__prepare(ws,
                         "SELECT c.code, (SELECT total(ST_Length(ST_Intersection(c.geom, s.geom))) "
                         "FROM streets s WHERE s.fid IN (SELECT rowid FROM SpatialIndex WHERE "
                         "f_table_name = 'streets' AND search_frame = c.geom)) FROM cells c "
                         "WHERE c.plan = ? ORDER BY c.code",
                         &q);
    if (st == WG_OK && *streets) {
        sqlite3_bind_int64(q, 1, plan);
        int rc;
        while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
            st = store(ws, ins, (const char *)sqlite3_column_text(q, 0),
                       sqlite3_column_double(q, 1));
        if (st == WG_OK && rc != SQLITE_DONE)
            st = wg__sql_fail(ws, "measuring streets in cells: ");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    return st;
}
