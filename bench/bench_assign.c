/* bench/bench_assign.c: spatial assignment on the sample city — the point locator beside
 * SpatiaLite and PostGIS on the same points, with the answers compared, and camera coverage.
 *
 *   bench_assign [small|medium|large ...]     (default: large)
 *
 * For each scale, every step runs in a child process (bench_child.h prints its peak memory):
 *   prepare     writes the sample city (seed 1), imports every file into a new workspace in
 *               WG_CITY_CRS, partitions it (target 250, range 200-300, seed 1) and activates
 *               the plan, printing the time of each.
 *   locate      builds the locator over the active plan's cells and locates 10 M points on one
 *               thread (best of 3 runs). The points are the workspace's incidents in order,
 *               repeated with a +-15 m jitter (fixed seed) until there are 10 M, so they follow
 *               the city's real incident density. Saves the points and the answers.
 *   exact       checks 200,000 of the answers against GEOS prepared `contains`.
 *   spatialite  joins the first 1 M points (fewer when that would take over ~2 minutes) to the
 *               cells in a fresh SpatiaLite database: R*Tree index, then ST_Within.
 *   postgis     joins all the points to the cells in a throwaway PostgreSQL cluster with
 *               PostGIS (GiST index, ST_Contains), when both are installed.
 *   coverage    wg_assign (full, 2 threads): cameras, links, coverage and blind spots.
 *   summary     the headline figures.
 *
 * Answers are compared wherever a peer puts a point in exactly one cell: there the locator
 * must give that cell. A disagreement does not stop the run; the summary's exit status (1)
 * reports it, as it reports a peer that was found but failed and a failed coverage run. Steps
 * pass their figures to the summary as "key value" lines in the scale's folder (FIGURES). */
#include "bench_child.h"
#include "engine_int.h"
#include "wg/assign.h"
#include "wg/boxindex.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/locate.h"
#include "wg/plan.h"

#include <glob.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TARGET 250
#define MIN 200
#define MAX 300

#define NPOINTS 10000000u  /* points located, and joined by PostGIS */
#define JITTER_M 15.0      /* repeated incidents move by up to this in x and in y */
#define NCHECK 200000u     /* points checked against GEOS */
#define SL_POINTS 1000000u /* points joined by SpatiaLite, when they fit in SL_BUDGET_S */
#define SL_PROBE 50000u    /* points of the timed first run that predicts SpatiaLite's time */
#define SL_BUDGET_S 120.0

#define FIGURES "figures.txt"
#define POINTS_FILE "points.bin"   /* NPOINTS x,y doubles */
#define LOCATED_FILE "located.bin" /* NPOINTS int32: the locator's answers */

/* ---- Small helpers ---------------------------------------------------------------------- */

/* Appends "key value" to the figures of the scale's folder, for the summary. */
static void fig_put(const char *dir, const char *key, const char *fmt, ...) WG_PRINTF(3, 4);
static void fig_put(const char *dir, const char *key, const char *fmt, ...)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, FIGURES);
    FILE *fp = fopen(path, "a");
    if (!fp)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(fp, "%s ", key);
    vfprintf(fp, fmt, ap);
    fputc('\n', fp);
    va_end(ap);
    fclose(fp);
}

/* The last value recorded for key (the rest of its line), or false when there is none. */
static bool fig_get(const char *dir, const char *key, char *val, size_t n)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir, FIGURES);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    bool found = false;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(val, n, "%s", line + klen + 1);
        found = true;
    }
    fclose(fp);
    return found;
}

/* A recorded number, or NAN. */
static double fig_num(const char *dir, const char *key)
{
    char v[256];
    if (!fig_get(dir, key, v, sizeof v))
        return NAN;
    char *end = NULL;
    double d = strtod(v, &end);
    return end != v ? d : NAN;
}

/* The whole of a file written by write_file, exactly `bytes` long, or NULL. Caller frees. */
static void *read_file(const char *dir, const char *name, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    void *data = fp ? malloc(bytes) : NULL;
    if (!data || fread(data, 1, bytes, fp) != bytes) {
        fprintf(stderr, "bench_assign: cannot read %s\n", path);
        free(data);
        data = NULL;
    }
    if (fp)
        fclose(fp);
    return data;
}

/* splitmix64: a small, fixed-seed generator, so every run makes the same points. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double next_unit(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1p-52 - 1.0;
}

/* ---- The cells of the active plan -------------------------------------------------------- */

typedef struct cellset {
    size_t n;
    char (*code)[32];    /* ascending: the locator's index is the position here */
    unsigned char **wkb; /* as stored (ISO WKB, multipolygons); NULL for a cell without one */
    size_t *wkb_len;
    GEOSGeometry **geom; /* only when asked for */
    int srid;
} cellset;

static void cells_free(wg_ctx *ctx, cellset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->wkb[i]);
        if (cs->geom && cs->geom[i])
            GEOSGeom_destroy_r(wg_ctx_geos(ctx), cs->geom[i]);
    }
    free(cs->code), free(cs->wkb), free(cs->wkb_len), free(cs->geom);
    memset(cs, 0, sizeof *cs);
}

/* Reads the active plan's cells from the workspace, ordered by code (the order the locator
 * numbers them in). Returns 0 on success. */
static int cells_load(wg_ctx *ctx, wg_ws *ws, cellset *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->srid = ws->srid;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ws->db,
                                "SELECT code, AsBinary(geom) FROM cells WHERE plan = (SELECT id "
                                "FROM plans WHERE active = 1) ORDER BY code",
                                -1, &q, NULL);
    size_t cap[3] = {0};
    while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        size_t i = cs->n;
        if (wg_grow(ctx, (void **)&cs->code, &cap[0], i + 1, sizeof *cs->code) != WG_OK ||
            wg_grow(ctx, (void **)&cs->wkb, &cap[1], i + 1, sizeof *cs->wkb) != WG_OK ||
            wg_grow(ctx, (void **)&cs->wkb_len, &cap[2], i + 1, sizeof *cs->wkb_len) != WG_OK) {
            rc = SQLITE_NOMEM;
            break;
        }
        cs->n++;
        snprintf(cs->code[i], sizeof cs->code[i], "%s", (const char *)sqlite3_column_text(q, 0));
        const void *blob = sqlite3_column_blob(q, 1);
        cs->wkb_len[i] = (size_t)sqlite3_column_bytes(q, 1);
        cs->wkb[i] = blob ? malloc(cs->wkb_len[i]) : NULL;
        if (cs->wkb[i])
            memcpy(cs->wkb[i], blob, cs->wkb_len[i]);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK || cs->n == 0) {
        fprintf(stderr, "bench_assign: cannot read the active plan's cells: %s\n",
                rc != SQLITE_OK ? sqlite3_errstr(rc) : "none");
        cells_free(ctx, cs);
        return 1;
    }
    cs->geom = calloc(cs->n, sizeof *cs->geom);
    for (size_t i = 0; cs->geom && i < cs->n; i++)
        if (cs->wkb[i] &&
            wg_geom_from_wkb(ctx, cs->wkb[i], cs->wkb_len[i], &cs->geom[i]) != WG_OK) {
            fprintf(stderr, "bench_assign: cell %s: %s\n", cs->code[i], wg_ctx_errmsg(ctx));
            cells_free(ctx, cs);
            return 1;
        }
    return cs->geom ? 0 : 1;
}

static int cmp_code(const void *key, const void *elem)
{
    return strcmp(key, elem);
}

/* The locator's index of the cell with this code, or -1. */
static int32_t cell_index(const cellset *cs, const char *code)
{
    const char(*hit)[32] = bsearch(code, cs->code, cs->n, sizeof *cs->code, cmp_code);
    return hit ? (int32_t)(hit - cs->code) : -1;
}

/* ---- prepare: the city, the workspace, the plan ------------------------------------------ */

/* One line per imported file of the city. */
static void print_import(void *user, const char *layer, const char *src, const wg_import_result *r)
{
    (void)src;
    printf("import scale=%s layer=%s features=%lld seconds=%.2f\n", (const char *)user, layer,
           (long long)r->features, r->seconds);
}

static int prepare(const char *scale_name, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_city_scale scale;
    wg_city_stats cs;
    wg_status st = wg_city_scale_parse(ctx, scale_name, &scale);
    if (st == WG_OK)
        st = wg_city_write(ctx, scale, 1, dir, &cs);
    if (st == WG_OK)
        printf("generate scale=%s buildings=%zu incidents=%zu cameras=%zu households=%lld "
               "seconds=%.2f\n",
               scale_name, cs.buildings, cs.incidents, cs.cameras, (long long)cs.households,
               cs.seconds);
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    if (st == WG_OK)
        st = wg_ws_create(ctx, path, WG_CITY_CRS, &ws);
    double t0 = wg_now();
    if (st == WG_OK)
        st = wg_city_import(ws, dir, print_import, (void *)scale_name);
    if (st == WG_OK)
        printf("import scale=%s layer=all seconds=%.2f\n", scale_name, wg_now() - t0);
    wg_part_summary s;
    wg_part_opts o = {.target = TARGET, .min = MIN, .max = MAX, .seed = 1, .name = "bench"};
    if (st == WG_OK)
        st = wg_partition(ws, &o, &s);
    if (st == WG_OK)
        printf("partition scale=%s units=%zu communities=%zu cells=%zu in_range=%.1f%% "
               "seconds=%.2f\n",
               scale_name, s.units, s.communities, s.cells,
               100.0 * (double)s.in_range / (double)s.cells, s.seconds);
    t0 = wg_now();
    if (st == WG_OK)
        st = wg_plan_activate(ws, s.plan);
    if (st == WG_OK)
        printf("activate scale=%s plan=%s seconds=%.3f\n", scale_name, s.name, wg_now() - t0);
    wg_ws_close(ws);
    if (st != WG_OK)
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
    return st == WG_OK ? 0 : 1;
}

/* ---- locate: the locator on 10 M points, one thread ------------------------------------- */

/* Fills xy[0..2*want) with the incidents' locations in order (those without one left out),
 * repeated with a jitter of up to JITTER_M in x and y until there are `want`. The first copy
 * is exact. *nreal gets the number of incidents with a location. Returns 0 on success. */
static int make_points(wg_ws *ws, double *xy, size_t want, size_t *nreal)
{
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    int rc = sqlite3_prepare_v2(ws->db,
                                "SELECT X(geom), Y(geom) FROM incidents WHERE geom IS NOT NULL "
                                "ORDER BY fid",
                                -1, &q, NULL);
    while (rc == SQLITE_OK && n < want && sqlite3_step(q) == SQLITE_ROW) {
        xy[2 * n] = sqlite3_column_double(q, 0);
        xy[2 * n + 1] = sqlite3_column_double(q, 1);
        n++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK || n == 0) {
        fprintf(stderr, "bench_assign: no incident locations to locate\n");
        return 1;
    }
    uint64_t seed = 1;
    for (size_t i = n; i < want; i++) {
        size_t j = i % n;
        xy[2 * i] = xy[2 * j] + JITTER_M * next_unit(&seed);
        xy[2 * i + 1] = xy[2 * j + 1] + JITTER_M * next_unit(&seed);
    }
    *nreal = n;
    return 0;
}

static int run_locate(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    cellset cs = {0};
    wg_locator *loc = NULL;
    double *xy = malloc(2 * (size_t)NPOINTS * sizeof *xy);
    int32_t *got = malloc((size_t)NPOINTS * sizeof *got);
    int rc = 1;
    if (!xy || !got || wg_ws_open(ctx, path, &ws) != WG_OK || cells_load(ctx, ws, &cs))
        goto done;
    double t0 = wg_now();
    if (wg_locator_build(ctx, (const GEOSGeometry *const *)cs.geom, cs.n, 0, &loc) != WG_OK)
        goto done;
    double build_s = wg_now() - t0;
    wg_locator_stats ls;
    wg_locator_get_stats(loc, &ls);
    printf("locator scale=%s cells=%zu edges=%zu bins=%zux%zu=%zu boundary_bins=%zu (%.1f%%) "
           "bytes=%zu build_seconds=%.3f\n",
           scale, ls.polygons, ls.edges, ls.cols, ls.rows, ls.cols * ls.rows, ls.boundary_bins,
           100.0 * (double)ls.boundary_bins / (double)(ls.cols * ls.rows), ls.bytes, build_s);
    size_t nreal = 0;
    t0 = wg_now();
    if (make_points(ws, xy, NPOINTS, &nreal))
        goto done;
    printf("points scale=%s points=%u incidents_with_location=%zu copies=%.2f jitter_m=%.0f "
           "seconds=%.2f\n",
           scale, NPOINTS, nreal, (double)NPOINTS / (double)nreal, JITTER_M, wg_now() - t0);
    /* One thread, best of 3: the first run also pays for faulting the answers' pages in. */
    double best = INFINITY, runs[3];
    for (int r = 0; r < 3; r++) {
        t0 = wg_now();
        wg_locate_many(loc, xy, NPOINTS, got);
        runs[r] = wg_now() - t0;
        best = fmin(best, runs[r]);
    }
    size_t inside = 0;
    for (size_t i = 0; i < NPOINTS; i++)
        inside += got[i] >= 0;
    double rate = NPOINTS / best, peak_mib = (double)wg_peak_rss() / (1024.0 * 1024.0);
    printf("locate scale=%s points=%u threads=1 in_a_cell=%zu runs_s=%.3f,%.3f,%.3f "
           "rate=%.3g/s peak_rss_mib=%.1f\n",
           scale, NPOINTS, inside, runs[0], runs[1], runs[2], rate, peak_mib);
    fig_put(dir, "locate_rate", "%.6g", rate);
    fig_put(dir, "locate_peak_mib", "%.1f", peak_mib);
    fig_put(dir, "cells", "%zu", cs.n);
    rc = write_file(dir, POINTS_FILE, xy, 2 * (size_t)NPOINTS * sizeof *xy) ||
         write_file(dir, LOCATED_FILE, got, (size_t)NPOINTS * sizeof *got);
done:
    if (rc && wg_ctx_status(ctx) != WG_OK)
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    wg_locator_free(loc);
    cells_free(ctx, &cs);
    wg_ws_close(ws);
    free(xy), free(got);
    wg_ctx_free(ctx);
    return rc;
}

/* ---- exact: the answers against GEOS prepared contains ---------------------------------- */

typedef struct probe {
    GEOSContextHandle_t h;
    const GEOSPreparedGeometry **prep;
    const GEOSGeometry *pt;
    int32_t inside; /* the lowest cell containing the point, or -1 */
    size_t ninside; /* cells containing it (more than one: cells overlap) */
    size_t errors;  /* GEOS exceptions */
} probe;

static bool probe_visit(void *user, size_t i)
{
    probe *p = user;
    char c = GEOSPreparedContains_r(p->h, p->prep[i], p->pt);
    if (c == 2)
        p->errors++;
    if (c == 1) {
        p->ninside++;
        if (p->inside < 0 || (int32_t)i < p->inside)
            p->inside = (int32_t)i;
    }
    return true;
}

static int run_exact(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    cellset cs = {0};
    wg_boxindex *ix = NULL;
    const GEOSPreparedGeometry **prep = NULL;
    double *box = NULL, *xy = read_file(dir, POINTS_FILE, 2 * (size_t)NPOINTS * sizeof *xy);
    int32_t *got = read_file(dir, LOCATED_FILE, (size_t)NPOINTS * sizeof *got);
    int rc = 1;
    if (!xy || !got || wg_ws_open(ctx, path, &ws) != WG_OK || cells_load(ctx, ws, &cs))
        goto done;
    /* Candidates by envelope (wg_boxindex), then the exact test on each. */
    prep = calloc(cs.n, sizeof *prep);
    box = malloc(4 * cs.n * sizeof *box);
    if (!prep || !box)
        goto done;
    for (size_t i = 0; i < cs.n; i++) {
        double *b = box + 4 * i;
        b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY; /* never found */
        if (!cs.geom[i])
            continue;
        if (!(prep[i] = GEOSPrepare_r(h, cs.geom[i])))
            goto done;
        GEOSGeom_getXMin_r(h, cs.geom[i], &b[0]), GEOSGeom_getYMin_r(h, cs.geom[i], &b[1]);
        GEOSGeom_getXMax_r(h, cs.geom[i], &b[2]), GEOSGeom_getYMax_r(h, cs.geom[i], &b[3]);
    }
    if (wg_boxindex_build(ctx, box, cs.n, &ix) != WG_OK)
        goto done;
    size_t inside = 0, outside = 0, boundary = 0, overlap = 0, errors = 0, disagree = 0;
    const size_t stride = NPOINTS / NCHECK; /* spread over copies and jittered ones alike */
    double t0 = wg_now();
    for (size_t k = 0; k < NCHECK; k++) {
        size_t i = k * stride;
        double x = xy[2 * i], y = xy[2 * i + 1];
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
        probe p = {.h = h, .prep = prep, .pt = pt, .inside = -1};
        wg_boxindex_query(ix, x, y, x, y, probe_visit, &p);
        errors += p.errors;
        overlap += p.ninside > 1;
        bool ok;
        if (p.inside >= 0) {
            /* Strictly inside a cell: the locator must give it (the lowest, where cells
             * overlap). */
            inside++;
            ok = got[i] == p.inside;
        } else if (got[i] < 0) {
            outside++;
            ok = true;
        } else {
            /* In no cell, yet located: only right when the point is on that cell's boundary. */
            boundary++;
            ok = GEOSPreparedIntersects_r(h, prep[got[i]], pt) == 1;
        }
        if (!ok && disagree++ < 5)
            fprintf(stderr, "exact: point %zu (%.17g %.17g): locator %d, GEOS %d\n", i, x, y,
                    got[i], p.inside);
        GEOSGeom_destroy_r(h, pt);
    }
    printf("exact scale=%s checked=%u inside=%zu outside=%zu on_boundary=%zu overlapping=%zu "
           "geos_errors=%zu disagreements=%zu seconds=%.2f\n",
           scale, NCHECK, inside, outside, boundary, overlap, errors, disagree, wg_now() - t0);
    fig_put(dir, "exact_disagreements", "%zu", disagree + errors);
    rc = 0;
done:
    if (rc && wg_ctx_status(ctx) != WG_OK)
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    for (size_t i = 0; prep && i < cs.n; i++)
        GEOSPreparedGeom_destroy_r(h, prep[i]);
    free(prep), free(box), free(xy), free(got);
    wg_boxindex_free(ix);
    cells_free(ctx, &cs);
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return rc;
}

/* ---- Comparing a peer's answers ------------------------------------------------------------ */

/* A peer's answers for points 0..n: how many cells it put each point in (saturating at 2) and
 * the last of them. */
typedef struct answers {
    size_t n;
    uint8_t *count;
    int32_t *cell;
} answers;

static int answers_init(answers *a, size_t n)
{
    a->n = n;
    a->count = calloc(n ? n : 1, 1);
    a->cell = malloc((n ? n : 1) * sizeof *a->cell);
    return a->count && a->cell ? 0 : 1;
}

static void answers_free(answers *a)
{
    free(a->count), free(a->cell);
}

/* Records that the peer put point `id` (1-based) in the cell with `code`; false for an id or
 * a code that does not exist. */
static bool answers_add(answers *a, const cellset *cs, long long id, const char *code)
{
    int32_t c = cell_index(cs, code);
    if (id < 1 || (unsigned long long)id > a->n || c < 0)
        return false;
    a->count[id - 1] += a->count[id - 1] < 2;
    a->cell[id - 1] = c;
    return true;
}

/* Compares with the locator: a point the peer puts in exactly one cell must get that cell.
 * A point the peer puts in no cell but the locator places is looked at with GEOS: on the
 * boundary of the locator's cell is right (the peers' predicates leave boundaries out),
 * strictly inside it means the peer missed it, anywhere else is a disagreement. Prints the
 * figures and returns the number of disagreements. */
static size_t answers_compare(wg_ctx *ctx, const cellset *cs, const answers *a, const double *xy,
                              const int32_t *got, const char *who, const char *scale)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    size_t one = 0, none = 0, several = 0, on_edge = 0, missed = 0, disagree = 0;
    for (size_t i = 0; i < a->n; i++) {
        bool ok = true;
        if (a->count[i] == 0) {
            none++;
            if (got[i] >= 0) {
                GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, xy[2 * i], xy[2 * i + 1]);
                const GEOSGeometry *cell = cs->geom[got[i]];
                if (GEOSContains_r(h, cell, pt) == 1)
                    missed++;
                else if (GEOSIntersects_r(h, cell, pt) == 1)
                    on_edge++;
                else
                    ok = false;
                GEOSGeom_destroy_r(h, pt);
            }
        } else if (a->count[i] > 1) {
            several++;
        } else {
            one++;
            ok = got[i] == a->cell[i];
        }
        if (!ok && disagree++ < 5)
            fprintf(stderr, "%s: point %zu (%.17g %.17g): locator %d, %s %d (%d cells)\n", who, i,
                    xy[2 * i], xy[2 * i + 1], got[i], who, a->count[i] ? a->cell[i] : -1,
                    a->count[i]);
    }
    printf("%s compare scale=%s points=%zu in_one_cell=%zu in_several=%zu in_no_cell=%zu "
           "(of which the locator places %zu on a cell boundary, %zu strictly inside a cell) "
           "disagreements=%zu\n",
           who, scale, a->n, one, several, none, on_edge, missed, disagree);
    return disagree;
}

/* ---- spatialite: the same points in a SpatiaLite database -------------------------------- */

static int sl_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    fprintf(stderr, "spatialite: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return 1;
}

/* A fresh database at `path` with mod_spatialite loaded and the metadata tables made. The
 * bench loads the extension itself, as any SpatiaLite user would, instead of going through
 * the workspace store. */
static sqlite3 *sl_open(const char *path)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_enable_load_extension(db, 1) != SQLITE_OK ||
        sqlite3_load_extension(db, "mod_spatialite", NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "spatialite: cannot load mod_spatialite: %s\n",
                err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        sqlite3_close(db);
        return NULL;
    }
    /* A scratch database: no journal, no syncs, a cache that holds the tables. */
    if (sl_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                    "PRAGMA cache_size = -524288; SELECT InitSpatialMetadata(1)")) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Loads the cells (with their R*Tree index) and points 1..n. */
static int sl_load(sqlite3 *db, const cellset *cs, const double *xy, size_t n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "BEGIN; CREATE TABLE cells (id INTEGER PRIMARY KEY, code TEXT NOT NULL); "
             "SELECT AddGeometryColumn('cells', 'geom', %d, 'MULTIPOLYGON', 'XY'); "
             "CREATE TABLE pts (id INTEGER PRIMARY KEY); "
             "SELECT AddGeometryColumn('pts', 'geom', %d, 'POINT', 'XY')",
             cs->srid, cs->srid);
    if (sl_exec(db, sql))
        return 1;
    sqlite3_stmt *qc = NULL, *qp = NULL;
    snprintf(sql, sizeof sql, "INSERT INTO cells (code, geom) VALUES (?, GeomFromWKB(?, %d))",
             cs->srid);
    int rc = sqlite3_prepare_v2(db, sql, -1, &qc, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < cs->n; i++) {
        sqlite3_bind_text(qc, 1, cs->code[i], -1, SQLITE_STATIC);
        sqlite3_bind_blob(qc, 2, cs->wkb[i], (int)cs->wkb_len[i], SQLITE_STATIC);
        rc = sqlite3_step(qc) == SQLITE_DONE ? sqlite3_reset(qc) : SQLITE_ERROR;
    }
    snprintf(sql, sizeof sql, "INSERT INTO pts (id, geom) VALUES (?, MakePoint(?, ?, %d))",
             cs->srid);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, &qp, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_int64(qp, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_double(qp, 2, xy[2 * i]);
        sqlite3_bind_double(qp, 3, xy[2 * i + 1]);
        rc = sqlite3_step(qp) == SQLITE_DONE ? sqlite3_reset(qp) : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        fprintf(stderr, "spatialite: loading: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(qc);
    sqlite3_finalize(qp);
    if (rc != SQLITE_OK)
        return 1;
    return sl_exec(db, "COMMIT; SELECT CreateSpatialIndex('cells', 'geom'); ANALYZE");
}

/* Runs the join for points 1..n; records the answers in `a` (when not NULL) and sets *secs
 * to the time from the first step to the last row. Returns 0 on success. */
static int sl_join(sqlite3 *db, const cellset *cs, size_t n, answers *a, double *secs)
{
    /* SpatiaLite's documented form: candidates from the R*Tree through the SpatialIndex
     * virtual table, then the exact test. */
    static const char sql[] =
        "SELECT p.id, c.code FROM pts p JOIN cells c ON c.ROWID IN (SELECT rowid FROM "
        "SpatialIndex WHERE f_table_name = 'cells' AND search_frame = p.geom) AND "
        "ST_Within(p.geom, c.geom) WHERE p.id <= ?";
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "spatialite: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_bind_int64(q, 1, (sqlite3_int64)n);
    double t0 = wg_now();
    int rc;
    size_t bad = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (a)
            bad += !answers_add(a, cs, sqlite3_column_int64(q, 0),
                                (const char *)sqlite3_column_text(q, 1));
    *secs = wg_now() - t0;
    if (rc != SQLITE_DONE)
        fprintf(stderr, "spatialite: join: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    if (bad)
        fprintf(stderr, "spatialite: %zu rows with an unknown id or code\n", bad);
    return rc == SQLITE_DONE && !bad ? 0 : 1;
}

static int run_spatialite(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096], db_path[4096];
    ws_path(dir, path, sizeof path);
    snprintf(db_path, sizeof db_path, "%s/peer.sqlite", dir);
    wg_ws *ws = NULL;
    cellset cs = {0};
    sqlite3 *db = NULL;
    answers a = {0};
    double *xy = read_file(dir, POINTS_FILE, 2 * (size_t)NPOINTS * sizeof *xy);
    int32_t *got = read_file(dir, LOCATED_FILE, (size_t)NPOINTS * sizeof *got);
    int fail = 1;
    size_t n = SL_POINTS < NPOINTS ? SL_POINTS : NPOINTS;
    if (!xy || !got || wg_ws_open(ctx, path, &ws) != WG_OK || cells_load(ctx, ws, &cs))
        goto done;
    double t0 = wg_now();
    if (!(db = sl_open(db_path)) || sl_load(db, &cs, xy, n))
        goto done;
    printf("spatialite load scale=%s cells=%zu points=%zu seconds=%.2f\n", scale, cs.n, n,
           wg_now() - t0);
    /* A first timed run on SL_PROBE points predicts the time for n; when that is over the
     * budget, n shrinks to what fits. */
    double probe_s = 0, secs = 0;
    if (sl_join(db, &cs, SL_PROBE, NULL, &probe_s))
        goto done;
    double predicted = probe_s * (double)n / SL_PROBE;
    printf("spatialite probe scale=%s points=%u seconds=%.2f predicted_seconds_for_%zu=%.1f\n",
           scale, SL_PROBE, probe_s, n, predicted);
    if (predicted > SL_BUDGET_S) {
        size_t fit = (size_t)((double)SL_PROBE * SL_BUDGET_S / probe_s);
        printf("spatialite: %zu points would take ~%.0f s; joining the first %zu instead (~%.0f "
               "s)\n",
               n, predicted, fit, SL_BUDGET_S);
        n = fit > SL_PROBE ? fit : SL_PROBE;
    }
    if (answers_init(&a, n) || sl_join(db, &cs, n, &a, &secs))
        goto done;
    double rate = (double)n / secs, loc_rate = fig_num(dir, "locate_rate");
    printf("spatialite join scale=%s points=%zu seconds=%.2f rate=%.3g/s "
           "locator_over_spatialite=%.0f\n",
           scale, n, secs, rate, loc_rate / rate);
    size_t disagree = answers_compare(ctx, &cs, &a, xy, got, "spatialite", scale);
    fig_put(dir, "spatialite_rate", "%.6g", rate);
    fig_put(dir, "spatialite_points", "%zu", n);
    fig_put(dir, "spatialite_disagreements", "%zu", disagree);
    fail = 0;
done:
    if (fail) {
        printf("spatialite scale=%s failed (see above)\n", scale);
        fig_put(dir, "spatialite_failed", "1");
    }
    if (fail && wg_ctx_status(ctx) != WG_OK)
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    sqlite3_close(db);
    unlink(db_path);
    answers_free(&a);
    cells_free(ctx, &cs);
    wg_ws_close(ws);
    free(xy), free(got);
    wg_ctx_free(ctx);
    /* A peer that fails is reported by the summary; the run goes on. */
    return 0;
}

/* ---- postgis: the same points in a throwaway PostgreSQL cluster -------------------------
 *
 * The cluster lives in its own temporary folder, listens on a unix socket in that folder only
 * (listen_addresses = ''), trusts local connections and is stopped and removed at the end,
 * also when the comparison fails or crashes (it runs in a child of the process that owns the
 * cluster). PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the
 * `postgres` user through runuser(1), in a folder given to that user; psql itself runs as
 * the caller and connects as the cluster's superuser, `postgres`. Data goes in through COPY
 * on psql's standard input, so no file needs to be readable by the server. */

typedef struct pg {
    char bin[1024]; /* the folder of initdb, pg_ctl, psql and pg_config */
    char as[64];    /* "runuser -u postgres -- " as root, else "" */
    char dir[1024]; /* the cluster: DIR/data, socket and logs in DIR */
    char psql_bin[1200];
    char psql[3000];  /* psql with its connection options */
    const char *work; /* the bench's folder, for scripts */
} pg;

/* The PostgreSQL version of a bin folder "/usr/lib/postgresql/N/bin", or 0. */
static long pg_version(const char *bin)
{
    const char *v = strstr(bin, "postgresql/");
    return v ? strtol(v + strlen("postgresql/"), NULL, 10) : 0;
}

/* Finds the server tools and PostGIS; on false, `why` says what is missing. */
static bool pg_find(pg *p, char *why, size_t n)
{
    p->bin[0] = '\0';
    /* initdb on PATH (resolved: Debian's /usr/local/bin or /usr/bin links point into the
     * version's bin folder), else the newest /usr/lib/postgresql/N/bin. */
    FILE *fp = popen("command -v initdb 2> /dev/null", "r");
    char line[1024], real[PATH_MAX];
    if (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        if (realpath(line, real)) {
            *strrchr(real, '/') = '\0'; /* an absolute path: there is a slash */
            size_t len = strlen(real);
            if (len < sizeof p->bin)
                memcpy(p->bin, real, len + 1);
        }
    }
    if (fp)
        pclose(fp);
    glob_t g;
    if (!p->bin[0] && glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            *strrchr(g.gl_pathv[i], '/') = '\0';
            if (pg_version(g.gl_pathv[i]) >= pg_version(p->bin))
                snprintf(p->bin, sizeof p->bin, "%s", g.gl_pathv[i]);
        }
        globfree(&g);
    }
    char tool[1200];
    snprintf(tool, sizeof tool, "%s/pg_ctl", p->bin);
    if (!p->bin[0] || access(tool, X_OK) != 0) {
        snprintf(why, n, "no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin");
        return false;
    }
    /* PostGIS: its control file in the server's share folder. */
    snprintf(tool, sizeof tool, "'%s/pg_config' --sharedir", p->bin);
    fp = popen(tool, "r");
    bool postgis = false;
    if (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(tool, sizeof tool, "%s/extension/postgis.control", line);
        postgis = access(tool, R_OK) == 0;
    }
    if (fp)
        pclose(fp);
    if (!postgis) {
        snprintf(why, n,
                 "the postgis extension is not installed for PostgreSQL %ld "
                 "(Debian: postgresql-%ld-postgis-3)",
                 pg_version(p->bin), pg_version(p->bin));
        return false;
    }
    p->as[0] = '\0';
    if (geteuid() == 0) {
        if (!getpwnam("postgres") || sh("command -v runuser > /dev/null 2>&1") != 0) {
            snprintf(why, n,
                     "running as root, and no postgres user or runuser to run the "
                     "server as");
            return false;
        }
        snprintf(p->as, sizeof p->as, "runuser -u postgres -- ");
    }
    snprintf(tool, sizeof tool, "%s/psql", p->bin);
    snprintf(p->psql_bin, sizeof p->psql_bin, "%s", access(tool, X_OK) == 0 ? tool : "psql");
    return true;
}

/* Makes the cluster's folder, runs initdb and starts the server. Returns 0 on success; on
 * failure the log's end is on stderr and the caller removes the folder. */
static int pg_start(pg *p)
{
    const char *base = getenv("TMPDIR");
    snprintf(p->dir, sizeof p->dir, "%s/bench_assign_pg.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p->dir)) {
        perror("mkdtemp");
        p->dir[0] = '\0';
        return 1;
    }
    snprintf(p->psql, sizeof p->psql,
             "'%s' -X -q -v ON_ERROR_STOP=1 -h '%s' -U postgres -d postgres", p->psql_bin, p->dir);
    struct passwd *pw = p->as[0] ? getpwnam("postgres") : NULL;
    if (pw && chown(p->dir, pw->pw_uid, pw->pw_gid) != 0) {
        perror("chown");
        return 1;
    }
    if (sh("%s'%s/initdb' -D '%s/data' -A trust -U postgres -E UTF8 --locale=C -N "
           "> '%s/initdb.log' 2>&1",
           p->as, p->bin, p->dir, p->dir) != 0) {
        fprintf(stderr, "postgis: initdb failed:\n");
        sh("tail -n 20 '%s/initdb.log' >&2", p->dir);
        return 1;
    }
    if (sh("%s'%s/pg_ctl' -D '%s/data' -l '%s/server.log' -o \"-k '%s' -c listen_addresses='' "
           "-c max_parallel_workers_per_gather=2\" -w start > /dev/null 2>&1",
           p->as, p->bin, p->dir, p->dir, p->dir) != 0) {
        fprintf(stderr, "postgis: the server did not start:\n");
        sh("tail -n 20 '%s/server.log' >&2", p->dir);
        return 1;
    }
    return 0;
}

static void pg_stop(const pg *p)
{
    if (!p->dir[0])
        return;
    sh("%s'%s/pg_ctl' -D '%s/data' -m fast -w stop > /dev/null 2>&1", p->as, p->bin, p->dir);
    if (sh("rm -rf '%s'", p->dir) != 0)
        fprintf(stderr, "postgis: could not remove %s\n", p->dir);
}

/* Runs SQL (any number of statements) through a script file; 0 on success. */
static int pg_sql(const pg *p, const char *sql)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/pg.sql", p->work);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return 1;
    fputs(sql, fp);
    fclose(fp);
    return sh("%s -f '%s' > /dev/null", p->psql, path) != 0;
}

/* Streams rows into `table` through COPY FROM STDIN: the cells as code and hex WKB, or
 * points 1..n as id, x, y (shortest round-trip text, so PostGIS gets the same doubles). */
static int pg_copy_in(const pg *p, const char *table, const cellset *cs, const double *xy, size_t n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -c 'COPY %s FROM STDIN'", p->psql, table);
    FILE *fp = popen(cmd, "w");
    if (!fp)
        return 1;
    if (cs)
        for (size_t i = 0; i < cs->n; i++) {
            fprintf(fp, "%s\t", cs->code[i]);
            for (size_t b = 0; b < cs->wkb_len[i]; b++)
                fprintf(fp, "%02x", cs->wkb[i][b]);
            fputc('\n', fp);
        }
    else
        for (size_t i = 0; i < n; i++)
            fprintf(fp, "%zu\t%.17g\t%.17g\n", i + 1, xy[2 * i], xy[2 * i + 1]);
    return pclose(fp) != 0;
}

/* Prints the plan PostgreSQL chose for the join, one line per node. */
static void pg_explain(const pg *p, const char *join)
{
    char cmd[8192], line[512];
    snprintf(cmd, sizeof cmd, "%s -At -c \"EXPLAIN (COSTS OFF) %s\"", p->psql, join);
    FILE *fp = popen(cmd, "r");
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        printf("postgis plan: %s\n", line);
    }
    if (fp)
        pclose(fp);
}

/* Loads, joins and compares, with the cluster running. Returns 0 on success. */
static int pg_compare(const pg *p, const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096], sql[2048];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    cellset cs = {0};
    answers a = {0};
    double *xy = read_file(dir, POINTS_FILE, 2 * (size_t)NPOINTS * sizeof *xy);
    int32_t *got = read_file(dir, LOCATED_FILE, (size_t)NPOINTS * sizeof *got);
    int rc = 1;
    FILE *fp = NULL;
    if (!xy || !got || wg_ws_open(ctx, path, &ws) != WG_OK || cells_load(ctx, ws, &cs))
        goto done;
    double t0 = wg_now();
    if (pg_sql(p, "CREATE EXTENSION postgis; CREATE TABLE cells_raw (code text, wkb text); "
                  "CREATE TABLE pts_raw (id integer, x float8, y float8);") ||
        pg_copy_in(p, "cells_raw", &cs, NULL, 0) || pg_copy_in(p, "pts_raw", NULL, xy, NPOINTS))
        goto done;
    snprintf(sql, sizeof sql,
             "CREATE TABLE cells AS SELECT code, ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), "
             "%d) AS geom FROM cells_raw; "
             "CREATE TABLE pts AS SELECT id, ST_SetSRID(ST_MakePoint(x, y), %d) AS geom FROM "
             "pts_raw; "
             "DROP TABLE cells_raw, pts_raw; "
             "CREATE INDEX cells_geom ON cells USING gist (geom); ANALYZE cells; ANALYZE pts;",
             cs.srid, cs.srid);
    if (pg_sql(p, sql))
        goto done;
    printf("postgis load scale=%s cells=%zu points=%u seconds=%.2f\n", scale, cs.n, NPOINTS,
           wg_now() - t0);
    static const char join[] =
        "SELECT p.id, c.code FROM pts p JOIN cells c ON ST_Contains(c.geom, p.geom)";
    pg_explain(p, join);
    snprintf(sql, sizeof sql, "CREATE TABLE res AS %s;", join);
    t0 = wg_now();
    if (pg_sql(p, sql))
        goto done;
    double secs = wg_now() - t0, rate = NPOINTS / secs;
    printf("postgis join scale=%s points=%u seconds=%.2f rate=%.3g/s locator_over_postgis=%.0f\n",
           scale, NPOINTS, secs, rate, fig_num(dir, "locate_rate") / rate);
    /* The answers back, through COPY TO STDOUT. */
    char cmd[4096], line[256];
    snprintf(cmd, sizeof cmd, "%s -c 'COPY res TO STDOUT'", p->psql);
    if (answers_init(&a, NPOINTS) || !(fp = popen(cmd, "r")))
        goto done;
    size_t bad = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        const char *tab = strchr(line, '\t');
        bad += !tab || !answers_add(&a, &cs, strtoll(line, NULL, 10), tab + 1);
    }
    int status = pclose(fp);
    fp = NULL;
    if (status != 0 || bad) {
        fprintf(stderr, "postgis: reading the results failed (%zu bad rows)\n", bad);
        goto done;
    }
    size_t disagree = answers_compare(ctx, &cs, &a, xy, got, "postgis", scale);
    fig_put(dir, "postgis_rate", "%.6g", rate);
    fig_put(dir, "postgis_disagreements", "%zu", disagree);
    rc = 0;
done:
    if (fp)
        pclose(fp);
    if (rc && wg_ctx_status(ctx) != WG_OK)
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    answers_free(&a);
    cells_free(ctx, &cs);
    wg_ws_close(ws);
    free(xy), free(got);
    wg_ctx_free(ctx);
    return rc;
}

static int run_postgis(const char *scale, const char *dir)
{
    pg p = {.work = dir};
    char why[512];
    if (!pg_find(&p, why, sizeof why)) {
        printf("postgis skipped: %s\n", why);
        fig_put(dir, "postgis_skipped", "%s", why);
        return 0;
    }
    printf("postgis: PostgreSQL %ld from %s%s\n", pg_version(p.bin), p.bin,
           p.as[0] ? ", server run as user postgres" : "");
    int rc = pg_start(&p);
    if (rc == 0) {
        /* The comparison runs in a child, so that the cluster is stopped even if it crashes. */
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGPIPE, SIG_IGN); /* a psql that dies fails its pclose, not this process */
            int code = pg_compare(&p, scale, dir);
            fflush(stdout); /* _exit does not flush */
            _exit(code);
        }
        int status = 0;
        rc = pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
             WEXITSTATUS(status) != 0;
    }
    pg_stop(&p);
    if (rc) {
        printf("postgis scale=%s failed (see above)\n", scale);
        fig_put(dir, "postgis_failed", "1");
    }
    return 0;
}

/* ---- coverage: cameras and blind spots ------------------------------------------------- */

static int run_coverage(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    wg_assign_opts o = {.full = true, .threads = 2};
    wg_assign_result r;
    wg_status st = wg_ws_open(ctx, path, &ws);
    double t0 = wg_now();
    if (st == WG_OK)
        st = wg_assign(ws, &o, &r);
    wg_ws_close(ws);
    if (st != WG_OK) {
        /* Reported by the summary, which comes next: the peers' figures still get printed. */
        printf("coverage scale=%s failed after %.2f s: %s\n", scale, wg_now() - t0,
               wg_ctx_errmsg(ctx));
        fig_put(dir, "coverage_failed", "%s", wg_ctx_errmsg(ctx));
        wg_ctx_free(ctx);
        return 0;
    }
    printf("coverage scale=%s threads=2 cameras=%lld seeing_a_cell=%lld camera_cell_links=%lld "
           "cells_with_camera=%lld/%lld open_ground_seen=%.1f%% households_seen=%.1f%% "
           "blind_spots=%lld blind_km2=%.3f coverage_seconds=%.2f\n",
           scale, (long long)r.cameras, (long long)r.cameras_seeing, (long long)r.links,
           (long long)r.cells_with_camera, (long long)r.cells,
           r.open_m2 > 0 ? 100.0 * r.seen_m2 / r.open_m2 : 0.0,
           r.households ? 100.0 * (double)r.households_seen / (double)r.households : 0.0,
           (long long)r.blind_spots, r.blind_m2 / 1e6, r.seconds_coverage);
    printf("assign scale=%s incidents=%lld located=%lld in_a_cell=%lld outside=%lld gap=%lld "
           "no_location=%lld locate_seconds=%.3f incident_rate=%.3g/s seconds=%.2f\n",
           scale, (long long)r.incidents, (long long)r.located, (long long)r.assigned,
           (long long)r.outside, (long long)r.gap, (long long)r.no_location, r.seconds_locate,
           r.points_per_second, r.seconds);
    fig_put(dir, "coverage_seconds", "%.2f", r.seconds_coverage);
    fig_put(dir, "assign_seconds", "%.2f", r.seconds);
    wg_ctx_free(ctx);
    return 0;
}

/* ---- summary ------------------------------------------------------------------------------ */

static int run_summary(const char *scale, const char *dir)
{
    double loc = fig_num(dir, "locate_rate"), sl = fig_num(dir, "spatialite_rate"),
           pgr = fig_num(dir, "postgis_rate");
    char text[1024]; /* a reason or an error message */
    int rc = 0;
    printf("summary scale=%s\n", scale);
    printf("  locator      %.3g points/s on one thread, peak %.0f MB (%u points, %.0f cells)\n",
           loc, fig_num(dir, "locate_peak_mib"), NPOINTS, fig_num(dir, "cells"));
    if (fig_get(dir, "spatialite_failed", text, sizeof text)) {
        printf("  spatialite   failed\n");
        rc = 1;
    } else {
        printf("  spatialite   %.3g points/s (%.0f points); locator/spatialite = %.0f\n", sl,
               fig_num(dir, "spatialite_points"), loc / sl);
    }
    if (fig_get(dir, "postgis_text", text, sizeof text)) {
        printf("  postgis      text: %s\n", text);
    } else if (fig_get(dir, "postgis_failed", text, sizeof text)) {
        printf("  postgis      failed\n");
        rc = 1;
    } else {
        printf("  postgis      %.3g points/s (%u points, 2 parallel workers); "
               "locator/postgis = %.0f\n",
               pgr, NPOINTS, loc / pgr);
    }
    if (fig_get(dir, "coverage_failed", text, sizeof text)) {
        printf("  coverage     failed: %s\n", text);
        rc = 1;
    } else {
        printf("  coverage     %.2f s (whole assign %.2f s)\n", fig_num(dir, "coverage_seconds"),
               fig_num(dir, "assign_seconds"));
    }
    static const char *const keys[] = {"exact_disagreements", "spatialite_disagreements",
                                       "postgis_disagreements"};
    printf("  disagreements");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        double d = fig_num(dir, keys[k]);
        int len = (int)strcspn(keys[k], "_");
        if (isnan(d))
            printf(" %.*s=n/a", len, keys[k]);
        else
            printf(" %.*s=%.0f", len, keys[k], d);
        rc |= !isnan(d) && d > 0;
    }
    printf("\n");
    return rc;
}

int main(int argc, char **argv)
{
    char *defaults[] = {argv[0], "large"};
    const bench_step steps[] = {{prepare, "prepare"},     {run_locate, "locate"},
                                {run_exact, "exact"},     {run_spatialite, "spatialite"},
                                {run_postgis, "postgis"}, {run_coverage, "coverage"},
                                {run_summary, "summary"}};
    return bench_scales(argc > 1 ? argc : 2, argc > 1 ? argv : defaults, "bench_assign", steps,
                        (int)(sizeof steps / sizeof steps[0]));
}
