/* bench/bench_assign.c: spatial assignment on the sample city — the point locator beside
 * SpatiaLite and PostGIS on the same points, with the answers compared, and `wangge assign`
 * end to end from the command line.
 *
 *   bench_assign [--check] [small|medium|large ...]     (default: medium large)
 *
 * For each scale, every step runs in a child process (bench_child.h prints its peak memory):
 *   prepare     writes the sample city (seed 1), imports every file into a new workspace in
 *               WG_CITY_CRS, partitions it (target 250, range 200-300, seed 1) and activates
 *               the plan, printing the time of each.
 *   locate      builds the locator over the active plan's cells (read through the store) and
 *               locates 10 M points on one thread (best of 3 runs). The points are the
 *               workspace's incidents in order (those with a location), repeated with a +-15 m
 *               jitter (fixed seed) until there are 10 M, so they follow the city's real
 *               incident density. Saves the points and the answers.
 *   exact       checks 200,000 of the answers against GEOS prepared `contains` (the cells read
 *               by GEOS from the stored WKB, apart from the locator's geometries).
 *   spatialite  joins the first 1 M points (fewer when that would take over ~2 minutes) to the
 *               cells with the sqlite3 shell and `.load mod_spatialite`, as a SpatiaLite user
 *               would: a scratch database, the cells copied from the workspace (ATTACH), the
 *               points from a CSV, SpatialIndex (R*Tree) then ST_Within; the join alone is
 *               timed (the shell's .timer).
 *   postgis     joins all the points to the cells in a throwaway PostgreSQL cluster with
 *               PostGIS (GiST index, ST_Contains), when both are installed; then, timed apart,
 *               the join of the workspace's incidents alone (the first points: the incidents
 *               with a location), the figure `wangge assign` is set against.
 *   assign_cli  the built `wangge` binary, each run timed as a whole process with its peak
 *               memory: "with_coverage", the first `wangge --quiet assign` (every incident,
 *               camera coverage, patrol lengths); "incidents_only", the same after the
 *               assignment was dropped through the store (every incident relocated, the stored
 *               coverage reused); "incremental", `wangge assign` after importing 1,000 new
 *               incidents (the import is not timed; the run must report 1,000 located), three
 *               times, each round with new incidents of its own: the fastest round counts. This
 *               replaces the former in-process coverage step (wg_assign --full): the first run
 *               does the same work, and the coverage figures are read back from the store.
 *   summary     the headline figures, and the targets, each PASS or MISS: medium, incidents-only
 *               assign end to end at least 5x faster than the PostGIS join of the same points;
 *               large, incidents-only assign under 15 s; every scale, the incremental run under
 *               0.2 s. A target without its figure (a peer skipped, a run failed) is a MISS.
 *
 * Answers are compared wherever a peer puts a point in exactly one cell: there the locator
 * must give that cell. A disagreement does not stop the run; the summary's exit status (1)
 * reports it, as it reports a peer that was found but failed and a failed `wangge` run (and
 * the remaining scales are not run). Missed targets do not change the exit status unless
 * --check is given: then the benchmark exits 2 when all else went well but a target was
 * missed. Steps pass their figures to the summary as "key value" lines in the scale's folder
 * (FIGURES). Nothing here talks to a database directly: the workspace is read through
 * wg/store.h, the peers through their command-line shells (sqlite3, psql); the checks use GEOS
 * directly, with a handle of the bench's own, not through geo. */
#include "bench_child.h"
#include "wg/assign.h"
#include "wg/boxindex.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/locate.h"
#include "wg/plan.h"
#include "wg/store.h"

#define GEOS_USE_ONLY_R_API
#include <fcntl.h>
#include <geos_c.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

#define NEW_INCIDENTS 1000 /* imported before each incremental run */
#define INCR_ROUNDS 3      /* incremental runs, each after its own import; the fastest counts */
#define NEW_JITTER_M 5.0   /* ... at existing incidents' locations moved by up to this */

/* The targets the summary checks. */
#define TARGET_MEDIUM_RATIO 5.0 /* medium: PostGIS join time / incidents-only assign time */
#define TARGET_LARGE_S 15.0     /* large: incidents-only assign, seconds */
#define TARGET_INCR_S 0.2       /* incremental assign of NEW_INCIDENTS, seconds */

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

/* The whole of a small text file, NUL-terminated, or NULL. Caller frees. */
/* ---- The cells of the active plan -------------------------------------------------------- */

typedef struct cellset {
    size_t n;
    char (*code)[32];    /* ascending: the locator's index is the position here */
    unsigned char **wkb; /* as stored (ISO WKB, multipolygons); NULL for a cell without one */
    size_t *wkb_len;
    wg_geom **geom;    /* geo's geometries, for the locator */
    GEOSGeometry **gg; /* the same through GEOS directly, for the checks (handle h) */
    GEOSContextHandle_t h;
    int64_t plan;  /* the active plan */
    int srid;      /* the workspace CRS's EPSG code */
    size_t cap[3]; /* of code, wkb and wkb_len, while loading */
    wg_ctx *ctx;   /* ... for the loader's callback */
} cellset;

static void cells_free(wg_ctx *ctx, cellset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->wkb[i]);
        if (cs->geom)
            wg_geom_free(ctx, cs->geom[i]);
        if (cs->gg && cs->gg[i])
            GEOSGeom_destroy_r(cs->h, cs->gg[i]);
    }
    if (cs->h)
        GEOS_finish_r(cs->h);
    free(cs->code), free(cs->wkb), free(cs->wkb_len), free(cs->geom), free(cs->gg);
    memset(cs, 0, sizeof *cs);
}

/* One cell from the store (borrowed for the call): its code and a copy of its WKB. */
static wg_status cell_take(void *user, const wg_cell_rec *c)
{
    cellset *cs = user;
    size_t i = cs->n;
    if (wg_grow(cs->ctx, (void **)&cs->code, &cs->cap[0], i + 1, sizeof *cs->code) != WG_OK ||
        wg_grow(cs->ctx, (void **)&cs->wkb, &cs->cap[1], i + 1, sizeof *cs->wkb) != WG_OK ||
        wg_grow(cs->ctx, (void **)&cs->wkb_len, &cs->cap[2], i + 1, sizeof *cs->wkb_len) != WG_OK)
        return wg_ctx_status(cs->ctx);
    snprintf(cs->code[i], sizeof cs->code[i], "%s", c->code);
    cs->wkb[i] = c->wkb ? malloc(c->wkb_len) : NULL;
    cs->wkb_len[i] = c->wkb ? c->wkb_len : 0;
    cs->n++;
    if (c->wkb && !cs->wkb[i])
        return wg_fail(cs->ctx, WG_ENOMEM, "out of memory copying cell %s", c->code);
    if (c->wkb)
        memcpy(cs->wkb[i], c->wkb, c->wkb_len);
    /* The locator numbers the cells by position in code order; the store's idx is that rank. */
    if (c->idx != (int32_t)i)
        return wg_fail(cs->ctx, WG_EINTERNAL, "cell %s has index %d at position %zu", c->code,
                       (int)c->idx, i);
    return WG_OK;
}

/* The EPSG code of a CRS given as "EPSG:N", or 0. */
static int epsg_code(const char *crs)
{
    if (!crs || strncmp(crs, "EPSG:", 5) != 0)
        return 0;
    char *end = NULL;
    long code = strtol(crs + 5, &end, 10);
    return end != crs + 5 && !*end && code > 0 && code < INT_MAX ? (int)code : 0;
}

/* Reads the active plan's cells from the workspace through the store, ordered by code (the
 * order the locator numbers them in), and makes their geometries. Returns 0 on success. */
static int cells_load(wg_ctx *ctx, wg_ws *ws, cellset *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->ctx = ctx;
    cs->srid = epsg_code(wg_ws_crs(ws));
    wg_plan_rec plan;
    bool found = false;
    wg_status st = wg_store_plan_get(ws, 0, &plan, &found);
    if (st == WG_OK && !found)
        st = wg_fail(ctx, WG_EINPUT, "the workspace has no active plan");
    if (st == WG_OK && !cs->srid)
        st = wg_fail(ctx, WG_EINPUT, "the workspace CRS %s is not EPSG:N", wg_ws_crs(ws));
    if (st == WG_OK) {
        cs->plan = plan.id;
        st = wg_store_cells_each(ws, plan.id, WG_CELLS_GEOM, 0, cell_take, cs);
    }
    if (st == WG_OK && cs->n == 0)
        st = wg_fail(ctx, WG_EINPUT, "the active plan has no cells");
    if (st != WG_OK) {
        fprintf(stderr, "bench_assign: cannot read the active plan's cells: %s\n",
                wg_ctx_errmsg(ctx));
        cells_free(ctx, cs);
        return 1;
    }
    /* The same WKB twice: as geo's geometries for the locator, and through a GEOS handle of
     * the bench's own for the checks, so that these do not go through geo at all. */
    cs->geom = calloc(cs->n, sizeof *cs->geom);
    cs->gg = calloc(cs->n, sizeof *cs->gg);
    cs->h = GEOS_init_r();
    GEOSWKBReader *reader = cs->h ? GEOSWKBReader_create_r(cs->h) : NULL;
    int rc = cs->geom && cs->gg && reader ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < cs->n; i++) {
        if (!cs->wkb[i])
            continue;
        if (wg_geom_from_wkb(ctx, cs->wkb[i], cs->wkb_len[i], &cs->geom[i]) != WG_OK) {
            fprintf(stderr, "bench_assign: cell %s: %s\n", cs->code[i], wg_ctx_errmsg(ctx));
            rc = 1;
        } else if (!(cs->gg[i] = GEOSWKBReader_read_r(cs->h, reader, cs->wkb[i], cs->wkb_len[i]))) {
            fprintf(stderr, "bench_assign: cell %s: GEOS cannot read its WKB\n", cs->code[i]);
            rc = 1;
        }
    }
    if (reader)
        GEOSWKBReader_destroy_r(cs->h, reader);
    if (rc)
        cells_free(ctx, cs);
    return rc;
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

/* Fills xy[0..2*want) with the incidents' locations in fid order (those without one left
 * out), read through the store, repeated with a jitter of up to JITTER_M in x and y until
 * there are `want`. The first copy is exact. *nreal gets the number of incidents with a
 * location (all of them, also those past `want`), *nall the number of incidents. Returns 0 on
 * success. */
static int make_points(wg_ws *ws, double *xy, size_t want, size_t *nreal, size_t *nall)
{
    wg_incidents inc;
    memset(&inc, 0, sizeof inc);
    size_t n = 0;
    wg_status st = wg_store_incidents_read(ws, WG_IC_XY, NULL, &inc);
    for (size_t i = 0; st == WG_OK && i < inc.n; i++) {
        double x = inc.xy[2 * i], y = inc.xy[2 * i + 1];
        if (isnan(x) || isnan(y))
            continue;
        if (n < want) {
            xy[2 * n] = x;
            xy[2 * n + 1] = y;
        }
        n++;
    }
    *nall = inc.n;
    *nreal = n;
    wg_incidents_free(&inc);
    if (st != WG_OK || n == 0) {
        fprintf(stderr, "bench_assign: no incident locations to locate%s%s\n",
                st != WG_OK ? ": " : "", st != WG_OK ? wg_ctx_errmsg(wg_ws_ctx(ws)) : "");
        return 1;
    }
    uint64_t seed = 1;
    for (size_t i = n; i < want; i++) {
        size_t j = i % n;
        xy[2 * i] = xy[2 * j] + JITTER_M * next_unit(&seed);
        xy[2 * i + 1] = xy[2 * j + 1] + JITTER_M * next_unit(&seed);
    }
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
    if (wg_locator_build(ctx, (const wg_geom *const *)cs.geom, cs.n, 0, &loc) != WG_OK)
        goto done;
    double build_s = wg_now() - t0;
    wg_locator_stats ls;
    wg_locator_get_stats(loc, &ls);
    printf("locator scale=%s cells=%zu edges=%zu bins=%zux%zu=%zu boundary_bins=%zu (%.1f%%) "
           "bytes=%zu build_seconds=%.3f\n",
           scale, ls.polygons, ls.edges, ls.cols, ls.rows, ls.cols * ls.rows, ls.boundary_bins,
           100.0 * (double)ls.boundary_bins / (double)(ls.cols * ls.rows), ls.bytes, build_s);
    size_t nreal = 0, nall = 0;
    t0 = wg_now();
    if (make_points(ws, xy, NPOINTS, &nreal, &nall))
        goto done;
    printf("points scale=%s points=%u incidents=%zu incidents_with_location=%zu copies=%.2f "
           "jitter_m=%.0f seconds=%.2f\n",
           scale, NPOINTS, nall, nreal, fmax(1.0, (double)NPOINTS / (double)nreal), JITTER_M,
           wg_now() - t0);
    fig_put(dir, "incidents", "%zu", nall);
    fig_put(dir, "incidents_with_location", "%zu", nreal);
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
    GEOSContextHandle_t h = NULL;
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
    h = cs.h;
    /* Candidates by envelope (wg_boxindex), then the exact test on each. */
    prep = calloc(cs.n, sizeof *prep);
    box = malloc(4 * cs.n * sizeof *box);
    if (!prep || !box)
        goto done;
    for (size_t i = 0; i < cs.n; i++) {
        double *b = box + 4 * i;
        b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY; /* never found */
        if (!cs.gg[i])
            continue;
        if (!(prep[i] = GEOSPrepare_r(h, cs.gg[i])))
            goto done;
        GEOSGeom_getXMin_r(h, cs.gg[i], &b[0]), GEOSGeom_getYMin_r(h, cs.gg[i], &b[1]);
        GEOSGeom_getXMax_r(h, cs.gg[i], &b[2]), GEOSGeom_getYMax_r(h, cs.gg[i], &b[3]);
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
static size_t answers_compare(const cellset *cs, const answers *a, const double *xy,
                              const int32_t *got, const char *who, const char *scale)
{
    GEOSContextHandle_t h = cs->h;
    size_t one = 0, none = 0, several = 0, on_edge = 0, missed = 0, disagree = 0;
    for (size_t i = 0; i < a->n; i++) {
        bool ok = true;
        if (a->count[i] == 0) {
            none++;
            if (got[i] >= 0) {
                GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, xy[2 * i], xy[2 * i + 1]);
                const GEOSGeometry *cell = cs->gg[got[i]];
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

/* ---- spatialite: the same points in a SpatiaLite database -------------------------------
 *
 * SpatiaLite as its users run it: the sqlite3 command-line shell with `.load mod_spatialite`,
 * on a scratch database in the scale's folder (SL_DB). Three runs of the shell, each from a
 * script:
 *   load   the metadata (InitSpatialMetadata), the cells copied from the workspace (ATTACH,
 *          the active plan's rows in code order, geometry blobs as stored), the points from a
 *          CSV written here (`.import`, then MakePoint), the R*Tree on the cells and ANALYZE.
 *          The CSV gives each coordinate as %.17g, which reads back to the same double, and
 *          each point's WKB in hex: the load counts the points whose MakePoint differs from it
 *          (there must be none). Timed as a whole process, for information.
 *   probe  the join on the first SL_PROBE points (rows written and not read), to predict the
 *          time of the full join.
 *   join   the join on the first n points, its rows written to a CSV (`.output`), then read
 *          back and compared.
 * The probe and the join are timed by the shell itself (`.timer on`): the statement alone,
 * from its first step to its last row written, without the shell's start, the extension's
 * load or the reading of the answers. */

#define SL_DB "peer.sqlite"
#define SL_POINTS_CSV "sl_points.csv"
#define SL_ANSWERS "sl_answers.csv"
#define SL_PROBE_ROWS "sl_probe.csv"

/* SpatiaLite's documented form: candidates from the R*Tree through the SpatialIndex virtual
 * table, then the exact test; for points 1..%zu. */
#define SL_JOIN                                                                                    \
    "SELECT p.id, c.code FROM pts p JOIN cells c ON c.ROWID IN (SELECT rowid FROM "                \
    "SpatialIndex WHERE f_table_name = 'cells' AND search_frame = p.geom) AND "                    \
    "ST_Within(p.geom, c.geom) WHERE p.id <= %zu;\n"

/* Runs the sqlite3 shell on the scratch database with DIR/NAME.sql, its output to
 * DIR/NAME.out. Returns 0 on success. */
static int sl_shell(const char *dir, const char *name)
{
    int rc =
        sh("sqlite3 -bail '%s/" SL_DB "' < '%s/%s.sql' > '%s/%s.out'", dir, dir, name, dir, name);
    if (rc != 0)
        fprintf(stderr, "spatialite: the sqlite3 shell failed on %s/%s.sql (status %d)\n", dir,
                name, rc);
    return rc != 0;
}

/* Opens DIR/NAME.sql for writing, with the extension loaded first. */
static FILE *sl_script(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.sql", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp)
        perror(path);
    else
        fputs(".load mod_spatialite\n"
              "PRAGMA cache_size = -524288;\n",
              fp);
    return fp;
}

/* The seconds of the last `.timer` line in DIR/NAME.out (or, with a shell that writes them
 * where `.output` goes, in DIR/ALT), or NAN. */
static double sl_timer(const char *dir, const char *name, const char *alt)
{
    char path[4096];
    double secs = NAN;
    for (int k = 0; k < 2 && isnan(secs); k++) {
        if (k == 0)
            snprintf(path, sizeof path, "%s/%s.out", dir, name);
        else if (alt)
            snprintf(path, sizeof path, "%s/%s", dir, alt);
        else
            break;
        char *text = bench_read_text(path), *at = text, *hit;
        while (at && (hit = strstr(at, "Run Time: real "))) {
            secs = strtod(hit + strlen("Run Time: real "), NULL);
            at = hit + 1;
        }
        free(text);
    }
    return secs;
}

/* Writes points 1..n as "id,x,y,WKB": the doubles as %.17g, the WKB of the point (ISO,
 * little-endian) in upper-case hex, as SQLite's hex() writes it. */
static int sl_write_points(const char *dir, const double *xy, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/" SL_POINTS_CSV, dir);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        return 1;
    }
    static const char hex[] = "0123456789ABCDEF";
    char wkb[2 * 21 + 1];
    memcpy(wkb, "0101000000", 10);
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < 2; d++) {
            uint64_t bits;
            memcpy(&bits, &xy[2 * i + (size_t)d], sizeof bits);
            for (int b = 0; b < 8; b++) {
                unsigned byte = (unsigned)(bits >> (8 * b)) & 0xffu;
                wkb[10 + 16 * d + 2 * b] = hex[byte >> 4];
                wkb[10 + 16 * d + 2 * b + 1] = hex[byte & 15u];
            }
        }
        wkb[sizeof wkb - 1] = '\0';
        fprintf(fp, "%zu,%.17g,%.17g,%s\n", i + 1, xy[2 * i], xy[2 * i + 1], wkb);
    }
    if (fclose(fp) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

/* The load run: metadata, cells from the workspace, points from the CSV, the R*Tree. Checks
 * that every cell and every point arrived, each point exactly. Returns 0 on success. */
static int sl_load(const char *dir, const char *ws, const cellset *cs, size_t n, double *secs)
{
    if (strchr(ws, '\'') || strchr(dir, '\'')) {
        fprintf(stderr, "spatialite: a path with a quote: %s\n", ws);
        return 1;
    }
    FILE *fp = sl_script(dir, "sl_load");
    if (!fp)
        return 1;
    fprintf(fp,
            "PRAGMA journal_mode = OFF;\n"
            "PRAGMA synchronous = OFF;\n"
            "SELECT InitSpatialMetadata(1);\n"
            "CREATE TABLE cells (id INTEGER PRIMARY KEY, code TEXT NOT NULL);\n"
            "SELECT AddGeometryColumn('cells', 'geom', %d, 'MULTIPOLYGON', 'XY');\n"
            "CREATE TABLE pts (id INTEGER PRIMARY KEY);\n"
            "SELECT AddGeometryColumn('pts', 'geom', %d, 'POINT', 'XY');\n"
            "ATTACH '%s' AS ws;\n"
            "INSERT INTO cells (code, geom) SELECT code, geom FROM ws.cells WHERE plan = %lld "
            "ORDER BY code;\n"
            "DETACH ws;\n"
            "CREATE TABLE pts_raw (id INTEGER, x REAL, y REAL, wkb TEXT);\n"
            ".import --csv '%s/" SL_POINTS_CSV "' pts_raw\n"
            "BEGIN;\n"
            "INSERT INTO pts (id, geom) SELECT id, MakePoint(x, y, %d) FROM pts_raw ORDER BY "
            "id;\n"
            "COMMIT;\n"
            ".mode list\n"
            ".separator ' '\n"
            "SELECT 'sl_check', (SELECT count(*) FROM cells), (SELECT count(*) FROM pts), "
            "(SELECT count(*) FROM pts_raw WHERE hex(AsBinary(MakePoint(x, y))) <> wkb);\n"
            "DROP TABLE pts_raw;\n"
            "SELECT CreateSpatialIndex('cells', 'geom');\n"
            "ANALYZE;\n",
            cs->srid, cs->srid, ws, (long long)cs->plan, dir, cs->srid);
    if (fclose(fp) != 0)
        return 1;
    double t0 = wg_now();
    if (sl_shell(dir, "sl_load"))
        return 1;
    *secs = wg_now() - t0;
    char path[4096];
    snprintf(path, sizeof path, "%s/sl_load.out", dir);
    char *text = bench_read_text(path), *line = text ? strstr(text, "sl_check ") : NULL;
    size_t ncells = 0, npts = 0, inexact = 0;
    int got = line ? sscanf(line, "sl_check %zu %zu %zu", &ncells, &npts, &inexact) : 0;
    free(text);
    if (got != 3 || ncells != cs->n || npts != n || inexact) {
        fprintf(stderr,
                "spatialite: the load gave %zu cells (of %zu), %zu points (of %zu), %zu of them "
                "not the exact doubles written\n",
                ncells, cs->n, npts, n, inexact);
        return 1;
    }
    return 0;
}

/* A join run on points 1..n, its rows to DIR/OUT; *secs from the shell's timer. Returns 0 on
 * success. */
static int sl_join(const char *dir, const char *name, size_t n, const char *out, double *secs)
{
    FILE *fp = sl_script(dir, name);
    if (!fp)
        return 1;
    fprintf(fp, ".mode csv\n.output '%s/%s'\n.timer on\n", dir, out);
    fprintf(fp, SL_JOIN, n);
    fputs(".timer off\n.output stdout\n", fp);
    if (fclose(fp) != 0 || sl_shell(dir, name))
        return 1;
    *secs = sl_timer(dir, name, out);
    if (isnan(*secs)) {
        fprintf(stderr, "spatialite: no timer line in %s/%s.out\n", dir, name);
        return 1;
    }
    return 0;
}

/* Reads the join's rows "id,code" (CSV) into `a`. Returns 0 on success. */
static int sl_answers(const char *dir, const cellset *cs, answers *a)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/" SL_ANSWERS, dir);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 1;
    }
    size_t bad = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || strncmp(line, "Run Time:", 9) == 0)
            continue;
        char *comma = strchr(line, ','), *code = comma ? comma + 1 : NULL;
        if (code && code[0] == '"') { /* quoted CSV: the code has no quotes of its own */
            code++;
            code[strcspn(code, "\"")] = '\0';
        }
        bad += !code || !answers_add(a, cs, strtoll(line, NULL, 10), code);
    }
    fclose(fp);
    if (bad)
        fprintf(stderr, "spatialite: %zu rows with an unknown id or code\n", bad);
    return bad != 0;
}

static int run_spatialite(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    cellset cs = {0};
    answers a = {0};
    double *xy = NULL;
    int32_t *got = NULL;
    int fail = 1;
    size_t n = SL_POINTS < NPOINTS ? SL_POINTS : NPOINTS;
    if (sh("command -v sqlite3 > /dev/null 2>&1") != 0) {
        printf("spatialite skipped: no sqlite3 shell on PATH (Debian: sqlite3)\n");
        fig_put(dir, "spatialite_skipped", "no sqlite3 shell");
        wg_ctx_free(ctx);
        return 0;
    }
    xy = read_file(dir, POINTS_FILE, 2 * (size_t)NPOINTS * sizeof *xy);
    got = read_file(dir, LOCATED_FILE, (size_t)NPOINTS * sizeof *got);
    if (!xy || !got || wg_ws_open(ctx, path, &ws) != WG_OK || cells_load(ctx, ws, &cs))
        goto done;
    /* The shell reads the workspace itself: this process keeps no connection open meanwhile. */
    wg_ws_close(ws);
    ws = NULL;
    double load_s = 0;
    if (sl_write_points(dir, xy, n) || sl_load(dir, path, &cs, n, &load_s))
        goto done;
    printf("spatialite load scale=%s cells=%zu points=%zu exact_doubles=yes seconds=%.2f "
           "(sqlite3 shell, whole run)\n",
           scale, cs.n, n, load_s);
    /* A first timed run on SL_PROBE points predicts the time for n; when that is over the
     * budget, n shrinks to what fits. */
    double probe_s = 0, secs = 0;
    if (sl_join(dir, "sl_probe", SL_PROBE, SL_PROBE_ROWS, &probe_s))
        goto done;
    probe_s = fmax(probe_s, 1e-3); /* the timer counts milliseconds */
    double predicted = probe_s * (double)n / SL_PROBE;
    printf("spatialite probe scale=%s points=%u seconds=%.3f predicted_seconds_for_%zu=%.1f\n",
           scale, SL_PROBE, probe_s, n, predicted);
    if (predicted > SL_BUDGET_S) {
        size_t fit = (size_t)((double)SL_PROBE * SL_BUDGET_S / probe_s);
        printf("spatialite: %zu points would take ~%.0f s; joining the first %zu instead (~%.0f "
               "s)\n",
               n, predicted, fit, SL_BUDGET_S);
        n = fit > SL_PROBE ? fit : SL_PROBE;
    }
    if (answers_init(&a, n) || sl_join(dir, "sl_join", n, SL_ANSWERS, &secs) ||
        sl_answers(dir, &cs, &a))
        goto done;
    double rate = (double)n / secs, loc_rate = fig_num(dir, "locate_rate");
    printf("spatialite join scale=%s points=%zu seconds=%.2f rate=%.3g/s "
           "locator_over_spatialite=%.0f (the statement alone, sqlite3 .timer)\n",
           scale, n, secs, rate, loc_rate / rate);
    size_t disagree = answers_compare(&cs, &a, xy, got, "spatialite", scale);
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
    static const char *const scratch[] = {
        SL_DB,         SL_POINTS_CSV,  SL_ANSWERS,     SL_PROBE_ROWS, "sl_load.sql",
        "sl_load.out", "sl_probe.sql", "sl_probe.out", "sl_join.sql", "sl_join.out"};
    for (size_t k = 0; k < sizeof scratch / sizeof scratch[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, scratch[k]);
        unlink(path);
    }
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

/* Prints the plan PostgreSQL chose for a join, one line per node. */
static void pg_explain(const pg *p, const char *label, const char *join)
{
    char cmd[8192], line[512];
    snprintf(cmd, sizeof cmd, "%s -At -c \"EXPLAIN (COSTS OFF) %s\"", p->psql, join);
    FILE *fp = popen(cmd, "r");
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        printf("postgis plan%s: %s\n", label, line);
    }
    if (fp)
        pclose(fp);
}

/* One number printed by a query (psql -At), or -1. */
static long long pg_count(const pg *p, const char *query)
{
    char cmd[4096], line[128];
    snprintf(cmd, sizeof cmd, "%s -At -c \"%s\"", p->psql, query);
    FILE *fp = popen(cmd, "r");
    long long v = -1;
    if (fp && fgets(line, sizeof line, fp)) {
        char *end = NULL;
        v = strtoll(line, &end, 10);
        if (end == line)
            v = -1;
    }
    if (fp && pclose(fp) != 0)
        v = -1;
    return v;
}

/* The join of the workspace's incidents alone: the points 1..N where N is the number of
 * incidents with a location (they come first, unjittered), in a table of their own so that
 * the join scans nothing else; timed like the full join. When they are all the points, the
 * full join's time (all_s) is their time. Its rows must be the full join's rows for those
 * points (a difference counts in *disagree). Records postgis_incidents_seconds and _points.
 * Returns 0 on success. */
static int pg_incidents(const pg *p, const char *scale, const char *dir, double all_s,
                        size_t *disagree)
{
    double nloc = fig_num(dir, "incidents_with_location");
    if (isnan(nloc) || nloc < 1) {
        fprintf(stderr, "postgis: no count of the incidents with a location\n");
        return 1;
    }
    size_t n = nloc < NPOINTS ? (size_t)nloc : NPOINTS;
    if (n < (size_t)nloc)
        printf("postgis: the workspace has %.0f incidents with a location; joining the first "
               "%zu\n",
               nloc, n);
    double secs = all_s;
    if (n < NPOINTS) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE pts_inc AS SELECT * FROM pts WHERE id <= %zu; ANALYZE pts_inc;", n);
        if (pg_sql(p, sql))
            return 1;
        static const char join[] =
            "SELECT p.id, c.code FROM pts_inc p JOIN cells c ON ST_Contains(c.geom, p.geom)";
        pg_explain(p, " (incidents)", join);
        snprintf(sql, sizeof sql, "CREATE TABLE res_inc AS %s;", join);
        double t0 = wg_now();
        if (pg_sql(p, sql))
            return 1;
        secs = wg_now() - t0;
        long long rows = pg_count(p, "SELECT count(*) FROM res_inc");
        snprintf(sql, sizeof sql, "SELECT count(*) FROM res WHERE id <= %zu", n);
        long long want = pg_count(p, sql);
        if (rows < 0 || want < 0) {
            fprintf(stderr, "postgis: cannot count the rows of the incidents' join\n");
            return 1;
        }
        if (rows != want) {
            fprintf(stderr,
                    "postgis: the incidents' join gave %lld rows, the full join %lld for the "
                    "same points\n",
                    rows, want);
            *disagree += 1;
        }
    }
    printf("postgis join scale=%s points=%zu seconds=%.2f rate=%.3g/s (the workspace's "
           "incidents with a location%s)\n",
           scale, n, secs, (double)n / secs, n < NPOINTS ? "" : ": all the points above");
    fig_put(dir, "postgis_incidents_seconds", "%.6g", secs);
    fig_put(dir, "postgis_incidents_points", "%zu", n);
    return 0;
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
    pg_explain(p, "", join);
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
    size_t disagree = answers_compare(&cs, &a, xy, got, "postgis", scale);
    fig_put(dir, "postgis_rate", "%.6g", rate);
    if (pg_incidents(p, scale, dir, secs, &disagree))
        goto done;
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

/* ---- assign_cli: `wangge assign` end to end, from the command line ----------------------- */

enum { CLI_COVERAGE, CLI_INCIDENTS, CLI_INCREMENTAL, CLI_MODES };
static const char *const CLI_MODE[CLI_MODES] = {"with_coverage", "incidents_only", "incremental"};

/* Runs `wangge --quiet assign -w WS` (with `out`: `wangge assign -w WS`, its report there),
 * timed as a whole process with its peak memory, and prints its line. Records
 * cli_MODE_seconds and cli_MODE_mib. Returns 0 on success. */
static int cli_assign(const char *scale, const char *dir, int mode, const char *out)
{
    char bin[] = WANGGE_BIN, quiet[] = "--quiet", assign[] = "assign", w[] = "-w", ws[4096];
    ws_path(dir, ws, sizeof ws);
    char *quiet_argv[] = {bin, quiet, assign, w, ws, NULL},
         *loud_argv[] = {bin, assign, w, ws, NULL};
    double secs = 0, mib = 0;
    if (run_timed(out ? loud_argv : quiet_argv, out, &secs, &mib))
        return 1;
    printf("assign_cli scale=%s mode=%s seconds=%.3f peak_rss_mib=%.1f\n", scale, CLI_MODE[mode],
           secs, mib);
    char key[64];
    snprintf(key, sizeof key, "cli_%s_seconds", CLI_MODE[mode]);
    fig_put(dir, key, "%.6g", secs);
    snprintf(key, sizeof key, "cli_%s_mib", CLI_MODE[mode]);
    fig_put(dir, key, "%.1f", mib);
    return 0;
}

/* After a run: the stored assignment's figures, read through the store, which must cover
 * every incident; with `coverage`, the cameras' figures too. *cov_ver gets the version of the
 * transaction that built the stored coverage (-1: none). Returns 0 on success. */
static int cli_stored(const char *scale, const char *dir, int mode, bool coverage, int64_t *cov_ver)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    wg_assign_result r;
    wg_derived cov;
    bool any = false;
    wg_status st = wg_ws_open(ctx, path, &ws);
    if (st == WG_OK)
        st = wg_assign_stored(ws, &r, &any);
    if (st == WG_OK)
        st = wg_store_derived_get(ws, "coverage", &cov);
    wg_ws_close(ws);
    int rc = 1;
    if (st != WG_OK) {
        fprintf(stderr, "bench_assign: %s\n", wg_ctx_errmsg(ctx));
    } else if (!any || r.pending || r.assigned + r.outside + r.gap + r.no_location != r.incidents) {
        fprintf(stderr,
                "bench_assign: after the %s run, the stored assignment does not cover every "
                "incident (%s; %lld incidents, %lld pending)\n",
                CLI_MODE[mode], any ? "stored" : "none stored", (long long)r.incidents,
                (long long)r.pending);
    } else {
        printf("assign_cli scale=%s mode=%s stored: incidents=%lld in_a_cell=%lld outside=%lld "
               "gap=%lld no_location=%lld in_view=%lld\n",
               scale, CLI_MODE[mode], (long long)r.incidents, (long long)r.assigned,
               (long long)r.outside, (long long)r.gap, (long long)r.no_location, (long long)r.seen);
        if (coverage)
            printf("coverage scale=%s cameras=%lld seeing_a_cell=%lld camera_cell_links=%lld "
                   "cells_with_camera=%lld/%lld open_ground_seen=%.1f%% households_seen=%.1f%% "
                   "blind_spots=%lld blind_km2=%.3f\n",
                   scale, (long long)r.cameras, (long long)r.cameras_seeing, (long long)r.links,
                   (long long)r.cells_with_camera, (long long)r.cells,
                   r.open_m2 > 0 ? 100.0 * r.seen_m2 / r.open_m2 : 0.0,
                   r.households ? 100.0 * (double)r.households_seen / (double)r.households : 0.0,
                   (long long)r.blind_spots, r.blind_m2 / 1e6);
        *cov_ver = cov.any ? cov.ver : -1;
        rc = 0;
    }
    wg_ctx_free(ctx);
    return rc;
}

/* Drops the stored assignment through the store (coverage and patrol lengths stay), so that
 * the next run relocates every incident. Returns 0 on success. */
static int cli_drop(const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    wg_status st = wg_ws_open(ctx, path, &ws);
    if (st == WG_OK && (st = wg_store_begin(ws, "bench")) == WG_OK) {
        st = wg_store_assignment_drop(ws);
        if (st == WG_OK)
            st = wg_store_commit(ws);
        else
            wg_store_rollback(ws);
    }
    wg_ws_close(ws);
    if (st != WG_OK)
        fprintf(stderr, "bench_assign: dropping the assignment: %s\n", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
    return st != WG_OK;
}

/* Writes NEW_INCIDENTS new incidents of round `round` to `csv` (id,category,source,reported,x,
 * y): ids NEW<round>000001... (the city's are E...), at the locations of incidents spread
 * evenly over the layer, each moved by up to NEW_JITTER_M in x and y (a fixed seed per round),
 * with the city's categories and sources, reported on 2025-12-31 from 12:00 UTC one second
 * apart. `crs` gets the workspace CRS. Returns 0 on success. */
static int cli_new_incidents(const char *dir, int round, const char *csv, char *crs, size_t crs_n)
{
    static const char *const sources[] = {"patrol", "hotline", "camera"};
    size_t ncat = 0;
    const wg_city_category *cat = wg_city_categories(&ncat);
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    wg_incidents inc;
    memset(&inc, 0, sizeof inc);
    wg_status st = wg_ws_open(ctx, path, &ws);
    if (st == WG_OK) {
        snprintf(crs, crs_n, "%s", wg_ws_crs(ws));
        st = wg_store_incidents_read(ws, WG_IC_XY, NULL, &inc);
    }
    wg_ws_close(ws);
    size_t located = 0;
    for (size_t i = 0; st == WG_OK && i < inc.n; i++)
        located += !isnan(inc.xy[2 * i]) && !isnan(inc.xy[2 * i + 1]);
    FILE *fp = st == WG_OK && located ? fopen(csv, "w") : NULL;
    int rc = 1;
    if (fp) {
        fputs("id,category,source,reported,x,y\n", fp);
        uint64_t seed = 7 + (uint64_t)round;
        size_t k = 0, ord = 0;
        for (size_t i = 0; i < inc.n && k < NEW_INCIDENTS; i++) {
            double x = inc.xy[2 * i], y = inc.xy[2 * i + 1];
            if (isnan(x) || isnan(y))
                continue;
            /* the k-th new one sits at the located incident k * located / NEW_INCIDENTS */
            while (k < NEW_INCIDENTS && k * located / NEW_INCIDENTS == ord) {
                double nx = x + NEW_JITTER_M * next_unit(&seed);
                double ny = y + NEW_JITTER_M * next_unit(&seed);
                const char *category = cat[next_u64(&seed) % ncat].code;
                const char *source = sources[next_u64(&seed) % 3];
                fprintf(fp, "NEW%d%06zu,%s,%s,2025-12-31T%02zu:%02zu:%02zuZ,%.17g,%.17g\n", round,
                        k + 1, category, source, 12 + k / 3600, k / 60 % 60, k % 60, nx, ny);
                k++;
            }
            ord++;
        }
        rc = fclose(fp) != 0 || k != NEW_INCIDENTS;
    }
    if (st != WG_OK)
        fprintf(stderr, "bench_assign: reading the incidents: %s\n", wg_ctx_errmsg(ctx));
    else if (rc)
        fprintf(stderr, "bench_assign: could not write %d new incidents to %s\n", NEW_INCIDENTS,
                csv);
    wg_incidents_free(&inc);
    wg_ctx_free(ctx);
    return rc;
}

/* The N of "(N located now" in `wangge assign`'s report ("1,000": 1000), 0 when it says that
 * none was new, or -1. */
static long long cli_located(const char *path)
{
    char *text = bench_read_text(path);
    const char *hit = text ? strstr(text, " located now") : NULL;
    long long n = -1;
    if (hit) {
        const char *at = hit;
        while (at > text && at[-1] != '(')
            at--;
        n = at > text && at < hit ? 0 : -1;
        for (; n >= 0 && at < hit; at++)
            if (*at >= '0' && *at <= '9')
                n = 10 * n + (*at - '0');
            else if (*at != ',')
                n = -1;
    } else if (text && strstr(text, "(none new since the last run)")) {
        n = 0;
    }
    free(text);
    return n;
}

/* The engine's own figures in `wangge assign`'s report, "time  T s (coverage C s)": T in
 * *engine and C in *coverage (NAN when not found). */
static void cli_times(const char *path, double *engine, double *coverage)
{
    char *text = bench_read_text(path);
    const char *line = text ? strstr(text, "\n  time ") : NULL;
    *engine = *coverage = NAN;
    if (line && sscanf(line, "\n  time %lf s (coverage %lf s)", engine, coverage) != 2)
        *engine = *coverage = NAN;
    free(text);
}

static int run_cli(const char *scale, const char *dir)
{
    char ws[4096], csv[4096], out[4096], crs[64] = "", failed[512] = "";
    ws_path(dir, ws, sizeof ws);
    snprintf(csv, sizeof csv, "%s/new_incidents.csv", dir);
    snprintf(out, sizeof out, "%s/incremental.out", dir);
    int64_t cov_first = -1, cov_again = -1;
    if (access(WANGGE_BIN, X_OK) != 0) {
        snprintf(failed, sizeof failed, "no wangge binary at %s", WANGGE_BIN);
    } else if (cli_assign(scale, dir, CLI_COVERAGE, out) ||
               cli_stored(scale, dir, CLI_COVERAGE, true, &cov_first)) {
        snprintf(failed, sizeof failed, "the with_coverage run");
    } else if (cli_drop(dir)) {
        snprintf(failed, sizeof failed, "dropping the assignment");
    } else if (cli_assign(scale, dir, CLI_INCIDENTS, NULL) ||
               cli_stored(scale, dir, CLI_INCIDENTS, false, &cov_again)) {
        snprintf(failed, sizeof failed, "the incidents_only run");
    } else {
        double engine, coverage;
        cli_times(out, &engine, &coverage);
        printf("assign_cli scale=%s mode=with_coverage coverage_seconds=%.2f (the engine's "
               "own figure)\n",
               scale, coverage);
        fig_put(dir, "cli_coverage_seconds", "%.6g", coverage);
        /* The incidents-only run should reuse the coverage: the same transaction built it. */
        bool reused = cov_first >= 0 && cov_again == cov_first;
        printf("assign_cli scale=%s mode=incidents_only coverage=%s\n", scale,
               reused ? "reused" : "recomputed");
        fig_put(dir, "cli_coverage_reused", "%d", reused);
        char bin[] = WANGGE_BIN, quiet[] = "--quiet", import[] = "import", w[] = "-w",
             layer[] = "incidents", src_crs[] = "--src-crs";
        char *argv[] = {bin, quiet, import, w, ws, layer, csv, src_crs, crs, NULL};
        /* INCR_ROUNDS rounds of NEW_INCIDENTS each; the figures are the fastest round's */
        double best = INFINITY, best_mib = 0, best_engine = NAN;
        for (int round = 1; round <= INCR_ROUNDS && !failed[0]; round++) {
            double secs = 0, mib = 0;
            long long located = -1;
            if (cli_new_incidents(dir, round, csv, crs, sizeof crs) ||
                run_timed(argv, NULL, &secs, &mib)) {
                snprintf(failed, sizeof failed, "importing the new incidents");
                break;
            }
            printf("assign_cli scale=%s import new_incidents=%d round=%d seconds=%.2f (not part "
                   "of the incremental time)\n",
                   scale, NEW_INCIDENTS, round, secs);
            if (cli_assign(scale, dir, CLI_INCREMENTAL, out) ||
                cli_stored(scale, dir, CLI_INCREMENTAL, false, &cov_again)) {
                snprintf(failed, sizeof failed, "the incremental run");
            } else if ((located = cli_located(out)) != NEW_INCIDENTS) {
                snprintf(failed, sizeof failed,
                         "the incremental run located %lld incidents, not the %d new ones", located,
                         NEW_INCIDENTS);
                sh("cat '%s' >&2", out);
            } else {
                cli_times(out, &engine, &coverage);
                printf("assign_cli scale=%s mode=incremental round=%d located=%lld "
                       "engine_seconds=%.3f (the engine's own figure, without starting the "
                       "process and opening the workspace)\n",
                       scale, round, located, engine);
                double s_run = fig_num(dir, "cli_incremental_seconds");
                if (s_run < best)
                    best = s_run, best_mib = fig_num(dir, "cli_incremental_mib"),
                    best_engine = engine;
            }
        }
        if (!failed[0]) {
            printf("assign_cli scale=%s mode=incremental best_of=%d seconds=%.3f "
                   "engine_seconds=%.3f\n",
                   scale, INCR_ROUNDS, best, best_engine);
            fig_put(dir, "cli_incremental_seconds", "%.6g", best);
            fig_put(dir, "cli_incremental_mib", "%.1f", best_mib);
            fig_put(dir, "cli_incremental_engine_seconds", "%.6g", best_engine);
        }
    }
    if (failed[0]) {
        printf("assign_cli scale=%s failed: %s (see above)\n", scale, failed);
        fig_put(dir, "cli_failed", "%s", failed);
    }
    /* Reported by the summary, which comes next: the other figures still get printed. */
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
    if (fig_get(dir, "spatialite_skipped", text, sizeof text)) {
        printf("  spatialite   skipped: %s\n", text);
    } else if (fig_get(dir, "spatialite_failed", text, sizeof text)) {
        printf("  spatialite   failed\n");
        rc = 1;
    } else {
        printf("  spatialite   %.3g points/s (%.0f points, sqlite3 shell); locator/spatialite = "
               "%.0f\n",
               sl, fig_num(dir, "spatialite_points"), loc / sl);
    }
    if (fig_get(dir, "postgis_skipped", text, sizeof text)) {
        printf("  postgis      skipped: %s\n", text);
    } else if (fig_get(dir, "postgis_failed", text, sizeof text)) {
        printf("  postgis      failed\n");
        rc = 1;
    } else {
        printf("  postgis      %.3g points/s (%u points, 2 parallel workers); "
               "locator/postgis = %.0f\n",
               pgr, NPOINTS, loc / pgr);
    }
    /* wangge assign end to end, each run a whole process. */
    double cov_s = fig_num(dir, "cli_with_coverage_seconds"),
           inc_s = fig_num(dir, "cli_incidents_only_seconds"),
           incr_s = fig_num(dir, "cli_incremental_seconds"),
           pg_s = fig_num(dir, "postgis_incidents_seconds"),
           pg_n = fig_num(dir, "postgis_incidents_points"), ratio = pg_s / inc_s;
    if (fig_get(dir, "cli_failed", text, sizeof text)) {
        printf("  assign       failed: %s\n", text);
        rc = 1;
    }
    if (!isnan(cov_s))
        printf("  assign       with coverage  %.2f s, peak %.0f MiB (wangge assign, whole "
               "process: every incident, coverage %.1f s, patrol lengths)\n",
               cov_s, fig_num(dir, "cli_with_coverage_mib"), fig_num(dir, "cli_coverage_seconds"));
    if (!isnan(inc_s)) {
        printf("  assign       incidents only %.2f s, peak %.0f MiB (every incident relocated",
               inc_s, fig_num(dir, "cli_incidents_only_mib"));
        if (fig_num(dir, "cli_coverage_reused") == 0)
            printf("; NOTE: the coverage was recomputed too");
        if (!isnan(ratio))
            printf("); PostGIS join of the same %.0f points %.2f s: assign %.1fx faster\n", pg_n,
                   pg_s, ratio);
        else
            printf("); no PostGIS figure to set it against\n");
    }
    if (!isnan(incr_s))
        printf("  assign       incremental    %.3f s for %d new incidents (best of %d), peak %.0f "
               "MiB (in the engine %.3f s)\n",
               incr_s, NEW_INCIDENTS, INCR_ROUNDS, fig_num(dir, "cli_incremental_mib"),
               fig_num(dir, "cli_incremental_engine_seconds"));
    char fig[256];
    if (strcmp(scale, "medium") == 0) {
        if (!isnan(ratio))
            snprintf(fig, sizeof fig, "%.1fx (PostGIS %.2f s, assign %.2f s)", ratio, pg_s, inc_s);
        else
            snprintf(fig, sizeof fig, "no figure (%s)",
                     isnan(inc_s) ? "the assign run failed" : "no PostGIS join");
        bench_target(scale, "incidents-only assign end to end >= 5x faster than the PostGIS join",
                     fig, !isnan(ratio) && ratio >= TARGET_MEDIUM_RATIO);
    }
    if (strcmp(scale, "large") == 0) {
        snprintf(fig, sizeof fig, "%.2f s", inc_s);
        bench_target(scale, "incidents-only assign end to end under 15 s",
                     isnan(inc_s) ? "no figure" : fig, !isnan(inc_s) && inc_s < TARGET_LARGE_S);
    }
    snprintf(fig, sizeof fig, "%.3f s", incr_s);
    bench_target(scale, "incremental assign of 1,000 new incidents under 0.2 s",
                 isnan(incr_s) ? "no figure" : fig, !isnan(incr_s) && incr_s < TARGET_INCR_S);
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
    const bench_step steps[] = {{prepare, "prepare"},     {run_locate, "locate"},
                                {run_exact, "exact"},     {run_spatialite, "spatialite"},
                                {run_postgis, "postgis"}, {run_cli, "assign_cli"},
                                {run_summary, "summary"}};
    return bench_main(argc, argv, NULL, 0, "bench_assign", steps,
                      (int)(sizeof steps / sizeof steps[0]));
}
