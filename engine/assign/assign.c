/* engine/assign/assign.c: incidents to cells, incrementally, and the run that ties in camera coverage
 * (see wg/assign.h). */
#include "assign_int.h"
#include "patrol.h"
#include "wg/locate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plan and its cells ---- */

static wg_status find_plan(wg_ws *ws, int64_t want, wg_assign_result *r)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               want ? "SELECT id, name FROM plans WHERE id = ?"
                                    : "SELECT id, name FROM plans WHERE active = 1",
                               &q);
    if (st != WG_OK)
        return st;
    if (want)
        sqlite3_bind_int64(q, 1, want);
    if (sqlite3_step(q) == SQLITE_ROW) {
        r->plan = sqlite3_column_int64(q, 0);
        snprintf(r->plan_name, sizeof r->plan_name, "%s", (const char *)sqlite3_column_text(q, 1));
    } else if (want) {
        st = wg_fail(ws->ctx, WG_EINPUT, "no plan with id %lld", (long long)want);
    } else {
        st = wg_fail(ws->ctx, WG_EINPUT,
                     "no active plan: make one with 'wangge partition', or activate one with "
                     "'wangge plan activate'");
    }
    sqlite3_finalize(q);
    return st;
}

static void cells_free(wg_ctx *ctx, cellset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->code[i]);
        if (cs->geom[i])
            GEOSGeom_destroy_r(wg_ctx_geos(ctx), cs->geom[i]);
    }
    free(cs->code);
    free(cs->geom);
    free(cs->hh);
    memset(cs, 0, sizeof *cs);
}

static wg_status load_cells(wg_ws *ws, int64_t plan, cellset *cs)
{
    wg_ctx *ctx = ws->ctx;
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT code, coalesce(households, 0), AsBinary(geom) FROM cells "
                               "WHERE plan = ? ORDER BY code",
                               &q);
    if (st != WG_OK)
        return st;
    sqlite3_bind_int64(q, 1, plan);
    size_t cap = 0, cap2 = 0, cap3 = 0;
    int rc;
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        st = wg_grow(ctx, (void **)&cs->code, &cap, cs->n + 1, sizeof *cs->code);
        if (st == WG_OK)
            st = wg_grow(ctx, (void **)&cs->geom, &cap2, cs->n + 1, sizeof *cs->geom);
        if (st == WG_OK)
            st = wg_grow(ctx, (void **)&cs->hh, &cap3, cs->n + 1, sizeof *cs->hh);
        if (st != WG_OK)
            break;
        size_t i = cs->n;
        cs->code[i] = strdup((const char *)sqlite3_column_text(q, 0));
        cs->hh[i] = sqlite3_column_int64(q, 1);
        cs->geom[i] = NULL;
        cs->n++;
        if (!cs->code[i])
            st = wg_fail(ctx, WG_ENOMEM, "out of memory reading the cells");
        else if (sqlite3_column_type(q, 2) != SQLITE_NULL)
            st = wg_geom_from_wkb(ctx, sqlite3_column_blob(q, 2),
                                  (size_t)sqlite3_column_bytes(q, 2), &cs->geom[i]);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the cells: ");
    sqlite3_finalize(q);
    return st;
}

/* ---- what changed since the last run ---- */

static wg_status query_text(wg_ws *ws, const char *sql, int64_t plan, char *out, size_t n)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, sql, &q);
    if (st != WG_OK)
        return st;
    if (plan)
        sqlite3_bind_int64(q, 1, plan);
    out[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return WG_OK;
}

/* Fingerprints of the plan's cells, and of the plan, cameras and units together: a stored
 * fingerprint that differs means the stored results describe other data. */
#define STAMP_LEN 256
static wg_status stamps(wg_ws *ws, int64_t plan, char pl[STAMP_LEN], char cov[4 * STAMP_LEN])
{
    char cam[STAMP_LEN], units[STAMP_LEN];
    wg_status st = query_text(ws,
                              "SELECT printf('%d:%d:%.6f:%d', ?1, count(*), total(area_m2), "
                              "total(households)) FROM cells WHERE plan = ?1",
                              plan, pl, STAMP_LEN);
    if (st == WG_OK)
        st = query_text(ws,
                        "SELECT printf('%d:%d:%.9g', count(*), coalesce(max(batch), 0), "
                        "total(heading_deg) + total(fov_deg) + total(range_m) + total(X(geom)) + "
                        "total(Y(geom))) FROM cameras",
                        0, cam, sizeof cam);
    if (st == WG_OK)
        st = query_text(ws,
                        "SELECT printf('%d:%d:%d', count(*), coalesce(max(batch), 0), "
                        "total(households)) FROM units",
                        0, units, sizeof units);
    char streets[STAMP_LEN];
    if (st == WG_OK)
        st = query_text(ws,
                        "SELECT printf('%d:%d:%.3f', count(*), coalesce(max(batch), 0), "
                        "total(GLength(geom))) FROM streets",
                        0, streets, sizeof streets);
    if (st == WG_OK)
        snprintf(cov, 4 * STAMP_LEN, "%s|%s|%s|%s", pl, cam, units, streets);
    return st;
}

static wg_status meta_get(wg_ws *ws, const char *key, char *out, size_t n)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, "SELECT value FROM ws_meta WHERE key = ?", &q);
    if (st != WG_OK)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    out[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return WG_OK;
}

static wg_status meta_set(wg_ws *ws, const char *key, const char *value)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, "INSERT OR REPLACE INTO ws_meta (key, value) VALUES (?, ?)", &q);
    if (st != WG_OK)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = wg__sql_fail(ws, "storing the assignment's state: ");
    sqlite3_finalize(q);
    return st;
}

/* The stamps of plan `plan` as the workspace is now, and those of the stored assignment. */
static wg_status stamps_now_and_stored(wg_ws *ws, int64_t plan, char pl[STAMP_LEN],
                                       char cv[4 * STAMP_LEN], char old_pl[STAMP_LEN],
                                       char old_cv[4 * STAMP_LEN])
{
    wg_status st = stamps(ws, plan, pl, cv);
    if (st == WG_OK)
        st = meta_get(ws, "assign.plan", old_pl, STAMP_LEN);
    if (st == WG_OK)
        st = meta_get(ws, "assign.coverage", old_cv, 4 * STAMP_LEN);
    return st;
}

/* ---- incidents ---- */

typedef struct pts {
    int64_t *fid, *batch;
    double *xy;
    unsigned char *has; /* 0: no point */
    size_t n, cap[4];
} pts;

static void pts_free(pts *p)
{
    free(p->fid);
    free(p->batch);
    free(p->xy);
    free(p->has);
}

/* The coordinates of a SpatiaLite POINT blob; false for anything else. */
static bool blob_point(const unsigned char *b, int n, double *x, double *y)
{
    if (n != 60 || b[0] != 0x00 || b[38] != 0x7C || b[59] != 0xFE || (b[1] != 0 && b[1] != 1))
        return false;
    unsigned char c[20];
    memcpy(c, b + 39, 20);
    bool little = b[1] == 1;
    const uint16_t one = 1;
    bool host_little = *(const unsigned char *)&one == 1;
    if (little != host_little) /* swap the class and the two doubles into host order */
        for (int f = 0; f < 3; f++) {
            int off = f == 0 ? 0 : 4 + 8 * (f - 1), len = f == 0 ? 4 : 8;
            for (int i = 0; i < len / 2; i++) {
                unsigned char t = c[off + i];
                c[off + i] = c[off + len - 1 - i];
                c[off + len - 1 - i] = t;
            }
        }
    int32_t cls;
    memcpy(&cls, c, 4);
    if (cls != 1)
        return false;
    memcpy(x, c + 4, 8);
    memcpy(y, c + 12, 8);
    return true;
}

static wg_status read_incidents(wg_ws *ws, bool all, pts *p)
{
    wg_ctx *ctx = ws->ctx;
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               all ? "SELECT fid, batch, geom FROM incidents ORDER BY fid"
                                   : "SELECT i.fid, i.batch, i.geom FROM incidents i "
                                     "LEFT JOIN incident_cells a ON a.incident = i.fid "
                                     "WHERE a.incident IS NULL OR a.batch IS NOT i.batch "
                                     "ORDER BY i.fid",
                               &q);
    int rc;
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t i = p->n;
        st = wg_grow(ctx, (void **)&p->fid, &p->cap[0], i + 1, sizeof *p->fid);
        if (st == WG_OK)
            st = wg_grow(ctx, (void **)&p->batch, &p->cap[1], i + 1, sizeof *p->batch);
        if (st == WG_OK)
            st = wg_grow(ctx, (void **)&p->xy, &p->cap[2], 2 * (i + 1), sizeof *p->xy);
        if (st == WG_OK)
            st = wg_grow(ctx, (void **)&p->has, &p->cap[3], i + 1, sizeof *p->has);
        if (st != WG_OK)
            break;
        p->fid[i] = sqlite3_column_int64(q, 0);
        p->batch[i] = sqlite3_column_int64(q, 1);
        p->has[i] = blob_point(sqlite3_column_blob(q, 2), sqlite3_column_bytes(q, 2), &p->xy[2 * i],
                               &p->xy[2 * i + 1]) &&
                    isfinite(p->xy[2 * i]) && isfinite(p->xy[2 * i + 1]);
        if (!p->has[i])
            p->xy[2 * i] = p->xy[2 * i + 1] = NAN;
        p->n++;
        if (p->n % 200000 == 0)
            wg_progress(ctx, "reading incidents", p->n, 0);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the incidents: ");
    sqlite3_finalize(q);
    return st;
}

/* Builds a locator over n geometries read by `sql` (one column, WKB), for unassigned reasons. */
static wg_status locator_of(wg_ws *ws, const char *sql, wg_locator **out)
{
    wg_ctx *ctx = ws->ctx;
    sqlite3_stmt *q = NULL;
    GEOSGeometry **g = NULL;
    size_t n = 0, cap = 0;
    wg_status st = wg__prepare(ws, sql, &q);
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        st = wg_grow(ctx, (void **)&g, &cap, n + 1, sizeof *g);
        if (st == WG_OK) {
            g[n] = NULL;
            st = wg_geom_from_wkb(ctx, sqlite3_column_blob(q, 0),
                                  (size_t)sqlite3_column_bytes(q, 0), &g[n]);
            n++;
        }
    }
    sqlite3_finalize(q);
    if (st == WG_OK)
        st = wg_locator_build(ctx, (const GEOSGeometry *const *)g, n, 0, out);
    for (size_t i = 0; i < n; i++)
        if (g[i])
            GEOSGeom_destroy_r(wg_ctx_geos(ctx), g[i]);
    free(g);
    return st;
}

typedef struct locators {
    wg_locator *cells, *comms, *seen, *blind;
} locators;

static wg_status write_incidents(wg_ws *ws, const cellset *cs, const coverage *cov,
                                 const locators *L, const pts *p, const int32_t *cell)
{
    wg_ctx *ctx = ws->ctx;
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "INSERT OR REPLACE INTO incident_cells (incident, batch, cell, "
                               "reason, seen, blind) VALUES (?, ?, ?, ?, ?, ?)",
                               &q);
    for (size_t i = 0; st == WG_OK && i < p->n; i++) {
        double x = p->xy[2 * i], y = p->xy[2 * i + 1];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, p->fid[i]);
        sqlite3_bind_int64(q, 2, p->batch[i]);
        int32_t c = cell[i];
        if (c >= 0) {
            sqlite3_bind_text(q, 3, cs->code[c], -1, SQLITE_STATIC);
            sqlite3_bind_null(q, 4);
            int32_t s = L->seen ? wg_locate(L->seen, x, y) : -1;
            int32_t b = L->blind ? wg_locate(L->blind, x, y) : -1;
            /* the seen ground and the blind spots of the incident's own cell only */
            sqlite3_bind_int(q, 5, s == c);
            if (b >= 0 && cov->blind_cell[b] == (size_t)c)
                sqlite3_bind_int64(q, 6, cov->blind_fid[b]);
            else
                sqlite3_bind_null(q, 6);
        } else {
            const char *why = !p->has[i]                       ? "no_location"
                              : wg_locate(L->comms, x, y) >= 0 ? "gap"
                                                               : "outside";
            sqlite3_bind_null(q, 3);
            sqlite3_bind_text(q, 4, why, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 5, 0);
            sqlite3_bind_null(q, 6);
        }
        if (sqlite3_step(q) != SQLITE_DONE)
            st = wg__sql_fail(ws, "storing incident cells: ");
        if ((i + 1) % 200000 == 0)
            wg_progress(ctx, "storing incident cells", i + 1, p->n);
    }
    sqlite3_finalize(q);
    return st;
}

static wg_status incident_figures(wg_ws *ws, wg_assign_result *r)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT (SELECT count(*) FROM incidents), count(cell), "
                               "total(reason = 'outside'), total(reason = 'gap'), "
                               "total(reason = 'no_location'), total(seen) FROM incident_cells",
                               &q);
    if (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        r->incidents = sqlite3_column_int64(q, 0);
        r->assigned = sqlite3_column_int64(q, 1);
        r->outside = sqlite3_column_int64(q, 2);
        r->gap = sqlite3_column_int64(q, 3);
        r->no_location = sqlite3_column_int64(q, 4);
        r->seen = sqlite3_column_int64(q, 5);
    } else if (st == WG_OK) {
        st = wg__sql_fail(ws, "counting incidents: ");
    }
    sqlite3_finalize(q);
    return st;
}

/* Incident counts per cell and per blind spot, over every stored incident. */
static const char COUNT_SQL[] =
    "DELETE FROM incident_cells WHERE incident NOT IN (SELECT fid FROM incidents);"
    "UPDATE cell_coverage SET incidents = 0, incidents_seen = 0;"
    "UPDATE cell_coverage SET incidents = c.n, incidents_seen = c.s FROM (SELECT cell, count(*) "
    "AS n, sum(seen) AS s FROM incident_cells WHERE cell IS NOT NULL GROUP BY cell) AS c "
    "WHERE c.cell = cell_coverage.cell;"
    "UPDATE blind_spots SET incidents = 0;"
    "UPDATE blind_spots SET incidents = c.n FROM (SELECT blind, count(*) AS n FROM "
    "incident_cells WHERE blind IS NOT NULL GROUP BY blind) AS c WHERE c.blind = blind_spots.fid;";

static wg_status build_locators(wg_ws *ws, const cellset *cs, const coverage *cov, locators *L)
{
    wg_ctx *ctx = ws->ctx;
    wg_status st =
        wg_locator_build(ctx, (const GEOSGeometry *const *)cs->geom, cs->n, 0, &L->cells);
    if (st == WG_OK)
        st = locator_of(ws, "SELECT AsBinary(geom) FROM communities WHERE geom IS NOT NULL",
                        &L->comms);
    if (st == WG_OK)
        st = wg_locator_build(ctx, (const GEOSGeometry *const *)cov->seen, cs->n, 0, &L->seen);
    if (st == WG_OK)
        st = wg_locator_build(ctx, (const GEOSGeometry *const *)cov->blind, cov->nblind, 0,
                              &L->blind);
    return st;
}

static wg_status assign_in_tx(wg_ws *ws, const wg_assign_opts *o, const cellset *cs, coverage *cov,
                              wg_assign_result *r)
{
    wg_ctx *ctx = ws->ctx;
    char pl[STAMP_LEN], cv[4 * STAMP_LEN], old_pl[STAMP_LEN], old_cv[4 * STAMP_LEN];
    wg_status st = stamps_now_and_stored(ws, r->plan, pl, cv, old_pl, old_cv);
    if (st != WG_OK)
        return st;
    r->all_located = o->full || strcmp(pl, old_pl) != 0;
    r->coverage = o->full || strcmp(cv, old_cv) != 0;
    double t0 = wg_now();
    st = r->coverage ? coverage_run(ws, r->plan, cs, o->threads > 0 ? o->threads : 2, r, cov)
                     : coverage_load(ws, cs, cov);
    bool streets = false;
    if (st == WG_OK && r->coverage)
        st = wg__patrol_run(ws, r->plan, &streets);
    r->seconds_coverage = wg_now() - t0;
    if (st == WG_OK && r->all_located)
        st = wg__sql(ws, "DELETE FROM incident_cells");
    pts p = {0};
    locators L = {0};
    int32_t *cell = NULL;
    /* new coverage re-flags every incident: all of them are read again */
    if (st == WG_OK)
        st = read_incidents(ws, r->all_located || r->coverage, &p);
    if (st == WG_OK)
        st = build_locators(ws, cs, cov, &L);
    if (st == WG_OK && !(cell = malloc((p.n ? p.n : 1) * sizeof *cell)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory locating %zu incidents", p.n);
    if (st == WG_OK) {
        double t = wg_now();
        wg_locate_many(L.cells, p.xy, p.n, cell);
        r->seconds_locate = wg_now() - t;
        r->located = (int64_t)p.n;
        r->points_per_second = r->seconds_locate > 0 ? (double)p.n / r->seconds_locate : 0;
        st = write_incidents(ws, cs, cov, &L, &p, cell);
    }
    if (st == WG_OK)
        st = wg__sql(ws, COUNT_SQL);
    if (st == WG_OK)
        st = meta_set(ws, "assign.plan", pl);
    if (st == WG_OK)
        st = meta_set(ws, "assign.coverage", cv);
    free(cell);
    pts_free(&p);
    wg_locator_free(L.cells);
    wg_locator_free(L.comms);
    wg_locator_free(L.seen);
    wg_locator_free(L.blind);
    return st;
}

wg_status wg_assign(wg_ws *ws, const wg_assign_opts *o, wg_assign_result *r)
{
    wg_ctx *ctx = ws->ctx;
    static const wg_assign_opts defaults = {0};
    if (!o)
        o = &defaults;
    memset(r, 0, sizeof *r);
    double t0 = wg_now();
    if (!wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "the workspace has no CRS yet: nothing was imported");
    cellset cs = {0};
    coverage cov = {0};
    wg_status st = find_plan(ws, o->plan, r);
    if (st == WG_OK)
        st = load_cells(ws, r->plan, &cs);
    if (st == WG_OK && cs.n == 0)
        st = wg_fail(ctx, WG_EINPUT, "plan '%s' has no cells", r->plan_name);
    r->cells = (int64_t)cs.n;
    if (st == WG_OK)
        st = wg__sql(ws, "BEGIN IMMEDIATE");
    if (st == WG_OK) {
        st = assign_in_tx(ws, o, &cs, &cov, r);
        if (st == WG_OK)
            st = wg__sql(ws, "COMMIT");
        if (st != WG_OK)
            wg__rollback(ws);
    }
    if (st == WG_OK)
        st = incident_figures(ws, r);
    if (st == WG_OK)
        st = coverage_figures(ws, r);
    coverage_free(ctx, &cov, cs.n);
    cells_free(ctx, &cs);
    r->seconds = wg_now() - t0;
    return st;
}

wg_status wg_assign_stored(wg_ws *ws, wg_assign_result *r, bool *any)
{
    memset(r, 0, sizeof *r);
    *any = false;
    char stamp[256];
    wg_status st = meta_get(ws, "assign.plan", stamp, sizeof stamp);
    if (st != WG_OK || !stamp[0])
        return st;
    int64_t plan = strtoll(stamp, NULL, 10);
    st = find_plan(ws, plan, r);
    if (st != WG_OK) { /* the plan is gone: nothing stored describes the workspace */
        wg_ctx_clear_error(ws->ctx);
        memset(r, 0, sizeof *r);
        return WG_OK;
    }
    *any = true;
    st = incident_figures(ws, r);
    if (st == WG_OK)
        st = coverage_figures(ws, r);
    if (st == WG_OK)
        st = query_text(ws, "SELECT count(*) FROM cells WHERE plan = ?", plan, stamp, sizeof stamp);
    r->cells = strtoll(stamp, NULL, 10);
    return st;
}

wg_status wg_assign_current(wg_ws *ws, int64_t plan, bool *current)
{
    char pl[STAMP_LEN], cv[4 * STAMP_LEN], old_pl[STAMP_LEN], old_cv[4 * STAMP_LEN];
    wg_status st = stamps_now_and_stored(ws, plan, pl, cv, old_pl, old_cv);
    *current = st == WG_OK && strcmp(pl, old_pl) == 0 && strcmp(cv, old_cv) == 0;
    return st;
}
