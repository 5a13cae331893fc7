/* bench/bench_serve.c: `wangge serve` under load, with wrk on loopback.
 *
 *   bench_serve [small|medium|large ...]     (default: medium)
 *
 * Steps, each in a child process (bench_child.h prints its peak memory):
 *   prepare   the sample city through partition and assign (bench_city.h).
 *   serve     starts `wangge serve` (2 worker threads, a write token) on a free loopback port
 *             and drives it with wrk (2 threads, 16 connections, 5 s a run) on:
 *               GET /api/health    the cheapest answer: the service's own overhead
 *               POST /api/incidents  a batch of 100 cases posted again and again (updated by
 *                                  id: each request is one committed transaction + locating)
 *               (the events, below)
 *               GET /api/summary   the period's KPIs: made anew (a period of its own per
 *                                  request, 2 connections: a report of the whole city each),
 *                                  then kept (the same period again and again: the answer is
 *                                  kept until a write)
 *               GET /api/cells     the rows by cell, the same two ways
 *             printing requests/s, p50 and p99 latency and errors of each; for ingestion also
 *             cases/s. The server's own figures (its peak memory) come after it stops.
 *   tiles     a bare libmicrohttpd server answering 16 KiB from memory (bare_server: the
 *             ceiling of a cache hit here) and `wangge serve`, both up: the time to make the
 *             heatmap's and the plan map's themes (their first tile), a cached heatmap tile
 *             under the same load as the bare server (three rounds of each in turn, compared by
 *             their medians), and uncached heatmap and plan tiles - every tile of the
 *             city at zooms 16 to 19 asked once, by two connections (a tile's own time, not
 *             time queued behind others). Targets: a cached tile at 80 % of the bare server's
 *             rate with p99 <= 5 ms; on the large city an uncached heatmap tile's p99 <= 50 ms.
 *   desk      a planner's move through the API, one unit back and forth 20 times, each answer
 *             timed at the client (target on the large city: the median under 200 ms).
 *   events    (in the serve step, on its server) sse_fanout (bench/sse_fanout.c) holds 1,000
 *             event streams (BENCH_SSE_STREAMS) for 20 s (BENCH_SSE_SECONDS) while posting one
 *             case every 100 ms: the time from each POST to its `case` event at every stream
 *             (p50, p99, max), and how many streams stayed open; the target is p99 <= 250 ms
 *             with 1,000 streams open.
 * Needs wrk (Debian package wrk) and curl. */
#include "bench_child.h"
#include "bench_city.h"
#include "wg/mapdata.h"
#include "wg/proj.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The last run's requests/s and p99 in milliseconds. */
static double last_rps, last_p99_ms;

/* wrk's "1.23ms" / "850.00us" / "1.20s" in milliseconds; NaN when unreadable. */
static double wrk_ms(const char *t)
{
    char *end = NULL;
    double v = strtod(t, &end);
    if (!end || end == t)
        return 0.0 / 0.0;
    return strcmp(end, "us") == 0 ? v / 1000 : strcmp(end, "s") == 0 ? v * 1000 : v;
}

/* Runs wrk on URL (with the Lua script when given) with threads x conns connections, and
 * prints its figures as one line. */
static int run_wrk_c(const char *scale, const char *dir, const char *what, const char *url,
                     const char *script, double per_request, int threads, int conns)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/wrk-%s.txt", dir, what);
    int rc = sh("wrk -t%d -c%d -d5s --timeout 30s --latency %s%s%s '%s' > '%s' 2>&1", threads,
                conns, script ? "-s '" : "", script ? script : "", script ? "'" : "", url, out);
    FILE *f = fopen(out, "r");
    if (rc != 0 || !f) {
        fprintf(stderr, "bench_serve: wrk failed on %s (see %s)\n", url, out);
        if (f)
            fclose(f);
        return 1;
    }
    char line[512], p50[32] = "?", p99[32] = "?";
    double rps = 0;
    long non2xx = 0, errs = 0, asked = -1;
    while (fgets(line, sizeof line, f)) {
        long a, b, cc, d;
        if (sscanf(line, "distinct %ld", &asked) == 1)
            continue;
        if (sscanf(line, " 50%% %31s", p50) == 1 || sscanf(line, " 99%% %31s", p99) == 1)
            continue;
        if (sscanf(line, "Requests/sec: %lf", &rps) == 1)
            continue;
        if (sscanf(line, "  Non-2xx or 3xx responses: %ld", &non2xx) == 1)
            continue;
        if (sscanf(line, "  Socket errors: connect %ld, read %ld, write %ld, timeout %ld", &a, &b,
                   &cc, &d) == 4)
            errs = a + b + cc + d;
    }
    fclose(f);
    printf("serve scale=%s request=%s connections=%d requests_per_s=%.0f p50=%s p99=%s "
           "non_2xx=%ld socket_errors=%ld",
           scale, what, conns, rps, p50, p99, non2xx, errs);
    if (per_request > 1)
        printf(" cases_per_s=%.0f", rps * per_request);
    if (asked >= 0) /* a list of tiles walked: each asked once unless the run outlasted it */
        printf(" tiles_listed=%ld all_uncached=%s", asked, rps * 5 <= (double)asked ? "yes" : "no");
    printf("\n");
    last_rps = rps;
    last_p99_ms = wrk_ms(p99);
    return 0; /* errors are figures too: printed, not fatal */
}

static int run_wrk(const char *scale, const char *dir, const char *what, const char *url,
                   const char *script, double per_request)
{
    return run_wrk_c(scale, dir, what, url, script, per_request, 2, 16);
}

/* Starts argv (its output to log) and waits up to 30 s for the line saying where it listens
 * ("serving WS on URL" from wangge, "listening on PORT" from bare_server) into url. Returns
 * the pid, or -1 (url empty). */
static pid_t start_child(char *const argv[], const char *log, char *url, size_t n)
{
    url[0] = '\0';
    fflush(stdout); /* else the child prints what is buffered a second time */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen(log, "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 300 && !url[0]; i++) {
        usleep(100 * 1000);
        FILE *f = fopen(log, "r");
        char line[512], got[128];
        unsigned port;
        while (f && fgets(line, sizeof line, f)) {
            if (sscanf(line, "listening on %u", &port) == 1) {
                snprintf(url, n, "http://127.0.0.1:%u", port);
                break;
            }
            if (sscanf(line, "serving %*s on %127s", got) == 1) {
                snprintf(url, n, "%s", got);
                break;
            }
        }
        if (f)
            fclose(f);
    }
    if (!url[0]) {
        fprintf(stderr, "bench_serve: %s did not start (see %s)\n", argv[0], log);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* SIGTERM to pid, and whether it then exited 0. */
static int stop_child(pid_t pid)
{
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_serve: the server did not stop cleanly (status %d)\n", status);
        return 1;
    }
    return 0;
}

/* `wangge serve` on dir's workspace (2 threads, the write token in dir/token). */
static pid_t start_serve(const char *dir, char *url, size_t n)
{
    char ws[4096], token[4200], log[4200];
    ws_path(dir, ws, sizeof ws);
    snprintf(token, sizeof token, "%s/token", dir);
    snprintf(log, sizeof log, "%s/serve.out", dir);
    if (write_file(dir, "token", "bench-token-0123456789abcdef\n", 29) != 0 || chmod(token, 0600))
        return -1;
    char *argv[] = {WANGGE_BIN,  "serve", "-w",           ws,    "--listen", "127.0.0.1:0",
                    "--threads", "2",     "--token-file", token, NULL};
    return start_child(argv, log, url, n);
}

/* The live feed under fan-out: sse_fanout holds STREAMS event streams (default 1000) for
 * SECONDS (20) while it posts one case every 100 ms, and times each from its POST to its
 * `case` event at every stream. Prints its figures as one line, against the target (p99 of
 * 250 ms with 1,000 streams open). */
static int run_fanout(const char *scale, const char *dir, const char *url, const char *batch)
{
    const char *port = strrchr(url, ':');
    char x[64] = "", y[64] = "", line[512], out[4200];
    FILE *f = fopen(batch, "r");
    bool got = f && fgets(line, sizeof line, f) && fgets(line, sizeof line, f) &&
               sscanf(line, "%*[^,],%63[^,],%63[^,],", x, y) == 2;
    if (f)
        fclose(f);
    if (!port || !got) {
        fprintf(stderr, "bench_serve: no point for the fan-out (%s)\n", batch);
        return 1;
    }
    const char *n = getenv("BENCH_SSE_STREAMS"), *secs = getenv("BENCH_SSE_SECONDS");
    snprintf(out, sizeof out, "%s/fanout.txt", dir);
    int rc =
        sh("'%s' %s %s %s 100 bench-token-0123456789abcdef %s %s EPSG:4549 > '%s'", SSE_FANOUT_BIN,
           port + 1, n && *n ? n : "1000", secs && *secs ? secs : "20", x, y, out);
    f = fopen(out, "r");
    got = rc == 0 && f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    if (!got) {
        fprintf(stderr, "bench_serve: the fan-out client failed (see %s)\n", out);
        return 1;
    }
    line[strcspn(line, "\n")] = '\0';
    double p99 = NAN;
    int alive = 0;
    const char *a = strstr(line, "alive="), *p = strstr(line, " p99_ms=");
    if (a)
        alive = (int)strtol(a + 6, NULL, 10);
    if (p)
        p99 = strtod(p + 8, NULL);
    printf("serve scale=%s request=events %s target=%s\n", scale, line,
           alive >= 1000 && p99 <= 250 ? "met" : "missed(p99<=250ms with 1000 streams alive)");
    return 0;
}

static int serve_step(const char *scale, const char *dir)
{
    char ws[4096], url[128] = "";
    ws_path(dir, ws, sizeof ws);
    pid_t pid = start_serve(dir, url, sizeof url);
    int rc = pid > 0 ? 0 : 1;
    /* a batch of 100 cases inside the city, in the workspace CRS */
    char batch[4200], lua[4200];
    snprintf(batch, sizeof batch, "%s/batch.csv", dir);
    snprintf(lua, sizeof lua, "%s/post.lua", dir);
    if (rc == 0)
        rc = sh("sqlite3 -batch -cmd '.load mod_spatialite' '%s' \"SELECT 'id,x,y,category' UNION "
                "ALL SELECT * FROM (SELECT 'B' || printf('%%03d', rowid) || ',' || X(geom) || ',' "
                "|| Y(geom) || ',parking' FROM incidents WHERE geom IS NOT NULL LIMIT 100)\" > "
                "'%s'",
                ws, batch);
    if (rc == 0) {
        FILE *f = fopen(lua, "w");
        rc = !f || fprintf(f,
                           "local f = io.open('%s', 'rb')\nwrk.method = 'POST'\nwrk.body = "
                           "f:read('*a')\nf:close()\nwrk.headers['Content-Type'] = "
                           "'text/csv'\nwrk.headers['Authorization'] = 'Bearer "
                           "bench-token-0123456789abcdef'\n",
                           batch) < 0;
        if (f && fclose(f) != 0)
            rc = 1;
    }
    char u[256];
    snprintf(u, sizeof u, "%s/api/health", url);
    if (rc == 0)
        rc = run_wrk(scale, dir, "health", u, NULL, 1);
    snprintf(u, sizeof u, "%s/api/incidents?src_crs=%s", url, "EPSG:4549");
    if (rc == 0)
        rc = run_wrk(scale, dir, "ingest-100", u, lua, 100);
    if (rc == 0)
        rc = run_fanout(scale, dir, url, batch);
    /* the whole reports last: on a large city the server is still answering the ones queued
     * when wrk stops, which would weigh on whatever ran next. Each first made anew for every
     * request (a period of its own starting on each day of 2025, two connections: a report's
     * own time), then asked again and again for the same one (the answer kept until a write) */
    const char *gets[] = {"/api/summary", "/api/cells"};
    for (int k = 0; rc == 0 && k < 2; k++) {
        char made[4200], what[64];
        snprintf(made, sizeof made, "%s/made-%s.lua", dir, gets[k] + 5);
        FILE *f = fopen(made, "w");
        if (f)
            fprintf(f,
                    "local i = 0\nrequest = function()\n  i = i + 1\n  local t = os.time({year = "
                    "2025, month = 1, day = 1, hour = 12}) + (i %% 365) * 86400\n  return "
                    "wrk.format('GET', '%s?from=' .. os.date('!%%Y-%%m-%%d', t))\nend\n",
                    gets[k]);
        if (!f || fclose(f) != 0)
            rc = 1;
        snprintf(what, sizeof what, "%s-made", gets[k] + 5);
        if (rc == 0)
            rc = run_wrk_c(scale, dir, what, url, made, 1, 1, 2);
        snprintf(u, sizeof u, "%s%s", url, gets[k]);
        snprintf(what, sizeof what, "%s-kept", gets[k] + 5);
        if (rc == 0)
            rc = run_wrk(scale, dir, what, u, NULL, 1);
    }
    if (pid > 0 && stop_child(pid) != 0)
        rc = 1;
    return rc;
}

/* The tiles of zoom z over the lon/lat box ll, as "/tiles/MAP/z/x/y.png" lines of a Lua list. */
static size_t tile_list(FILE *f, const char *map, int z, const double ll[4])
{
    double n = ldexp(1, z);
    long x0 = (long)((ll[0] + 180) / 360 * n), x1 = (long)((ll[2] + 180) / 360 * n);
    double p1 = ll[3] * M_PI / 180, p0 = ll[1] * M_PI / 180;
    long y0 = (long)((1 - log(tan(p1) + 1 / cos(p1)) / M_PI) / 2 * n);
    long y1 = (long)((1 - log(tan(p0) + 1 / cos(p0)) / M_PI) / 2 * n);
    size_t k = 0;
    for (long y = y0; y <= y1; y++)
        for (long x = x0; x <= x1; x++, k++)
            fprintf(f, "  \"/tiles/%s/%d/%ld/%ld.png\",\n", map, z, x, y);
    return k;
}

/* The lon/lat box of the active plan's cells. */
static int city_lonlat(const char *dir, double ll[4])
{
    char ws_file[4096];
    ws_path(dir, ws_file, sizeof ws_file);
    wg_ctx *ctx = wg_ctx_new();
    wg_ws *ws = NULL;
    wg_xform *t = NULL;
    bool any = false;
    double b[4];
    wg_map_query q = {0};
    wg_status st = wg_ws_open(ctx, ws_file, &ws);
    if (st == WG_OK)
        st = wg_map_extent(ws, WG_ML_CELLS, &q, b, &any);
    if (st == WG_OK)
        st = wg_xform_new(ctx, wg_ws_crs(ws), "EPSG:4326", &t);
    double c[8] = {b[0], b[1], b[2], b[1], b[0], b[3], b[2], b[3]};
    if (st == WG_OK && wg_xform_points(t, c, 4) != 0)
        st = WG_EPROJ;
    if (st == WG_OK) {
        ll[0] = fmin(c[0], c[4]), ll[2] = fmax(c[2], c[6]);
        ll[1] = fmin(c[1], c[3]), ll[3] = fmax(c[5], c[7]);
    } else {
        fprintf(stderr, "bench_serve: the city's extent: %s\n", wg_ctx_errmsg(ctx));
    }
    wg_xform_free(t);
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return st == WG_OK && any ? 0 : 1;
}

static double median3(double a, double b, double c)
{
    return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

/* Tiles: a cached one against the bare libmicrohttpd server serving 16 KiB from memory (the
 * most a cache hit can reach here) - both servers up, three rounds of the one then the other,
 * compared by their medians (on two shared cores one run of either swings by half) - then
 * uncached heatmap and plan tiles (each asked once, two connections: a tile's own time, not
 * time queued behind others). */
static int tiles_step(const char *scale, const char *dir)
{
    double ll[4];
    if (city_lonlat(dir, ll) != 0)
        return 1;
    char url[128], bare_url[128], out[4200], u[512], bu[512];
    snprintf(out, sizeof out, "%s/bare.out", dir);
    char *bare_argv[] = {BARE_BIN, NULL};
    pid_t bare = start_child(bare_argv, out, bare_url, sizeof bare_url);
    if (bare < 0)
        return 1;
    pid_t pid = start_serve(dir, url, sizeof url);
    if (pid < 0) {
        stop_child(bare);
        return 1;
    }
    /* the middle tile of the city at zoom 15, its map's theme made first (timed) */
    double n = ldexp(1, 15), lon = (ll[0] + ll[2]) / 2, lat = (ll[1] + ll[3]) / 2;
    long tx = (long)((lon + 180) / 360 * n);
    long ty = (long)((1 - log(tan(lat * M_PI / 180) + 1 / cos(lat * M_PI / 180)) / M_PI) / 2 * n);
    const char *maps[] = {"heatmap", "plan"};
    int rc = 0;
    for (int m = 0; rc == 0 && m < 2; m++) {
        double t0 = wg_now();
        rc = sh("curl -sf -o /dev/null '%s/tiles/%s/15/%ld/%ld.png'", url, maps[m], tx, ty);
        printf("serve scale=%s theme=%s seconds=%.2f (the first tile of the map)\n", scale, maps[m],
               wg_now() - t0);
    }
    snprintf(u, sizeof u, "%s/tiles/heatmap/15/%ld/%ld.png", url, tx, ty);
    snprintf(bu, sizeof bu, "%s/bare", bare_url);
    double bare_rps[3] = {0}, cached_rps[3] = {0}, cached_p99[3] = {0};
    for (int k = 0; rc == 0 && k < 3; k++) {
        char what[32];
        snprintf(what, sizeof what, "bare-16KiB-%d", k + 1);
        rc = run_wrk_c(scale, dir, what, bu, NULL, 1, 2, 16);
        bare_rps[k] = last_rps;
        snprintf(what, sizeof what, "tile-cached-%d", k + 1);
        if (rc == 0)
            rc = run_wrk_c(scale, dir, what, u, NULL, 1, 2, 16);
        cached_rps[k] = last_rps, cached_p99[k] = last_p99_ms;
    }
    if (stop_child(bare) != 0)
        rc = 1;
    bool large = strcmp(scale, "large") == 0;
    if (rc == 0) {
        double b = median3(bare_rps[0], bare_rps[1], bare_rps[2]);
        double c = median3(cached_rps[0], cached_rps[1], cached_rps[2]);
        double p = median3(cached_p99[0], cached_p99[1], cached_p99[2]);
        long bytes = 0;
        snprintf(out, sizeof out, "%s/tile-cached.png", dir);
        if (sh("curl -sf -o '%s' '%s'", out, u) == 0) {
            struct stat sb;
            bytes = stat(out, &sb) == 0 ? (long)sb.st_size : 0;
        }
        char fig[200];
        snprintf(fig, sizeof fig,
                 "%.0f req/s = %.0f %% of the bare server's %.0f (medians of 3), p99 %.2f ms, "
                 "the tile %ld bytes",
                 c, b > 0 ? 100 * c / b : 0, b, p, bytes);
        bench_target(scale, "cached tile >= 80 % of bare, p99 <= 5 ms", fig,
                     b > 0 && c >= 0.8 * b && p <= 5);
    }
    for (int m = 0; rc == 0 && m < 2; m++) {
        char lua[4200], what[64];
        snprintf(lua, sizeof lua, "%s/tiles-%s.lua", dir, maps[m]);
        FILE *f = fopen(lua, "w");
        size_t k = 0;
        if (f) {
            fprintf(f, "local paths = {\n");
            for (int z = 16; z <= 19; z++) /* more than a run can ask for */
                k += tile_list(f, maps[m], z, ll);
            fprintf(f, "}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return "
                       "wrk.format('GET', paths[(i - 1) %% #paths + 1])\nend\ndone = "
                       "function()\n  io.write(string.format('distinct %%d\\n', #paths))\nend\n");
        }
        if (!f || fclose(f) != 0)
            rc = 1;
        snprintf(what, sizeof what, "tile-uncached-%s", maps[m]);
        if (rc == 0)
            rc = run_wrk_c(scale, dir, what, url, lua, 1, 1, 2);
        if (rc == 0 && large && m == 0) {
            char fig[96];
            snprintf(fig, sizeof fig, "p99 %.1f ms over %zu distinct tiles", last_p99_ms, k);
            bench_target(scale, "uncached heatmap tile p99 <= 50 ms", fig, last_p99_ms <= 50);
        }
    }
    if (stop_child(pid) != 0)
        rc = 1;
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The planner's desk: one unit moved back and forth between its cell and a neighbour, 20 times
 * through POST /api/plans/{plan}/moves, each answer timed at the client. */
static int desk_step(const char *scale, const char *dir)
{
    char ws[4096], url[128], pair[4200];
    ws_path(dir, ws, sizeof ws);
    snprintf(pair, sizeof pair, "%s/pair.txt", dir);
    if (sh("sqlite3 -batch -cmd '.load mod_spatialite' '%s' \"SELECT cu.unit, c1.code, c2.code "
           "FROM cell_units cu JOIN cells c1 ON c1.code = cu.cell AND c1.plan = cu.plan JOIN cells "
           "c2 ON c2.plan = cu.plan AND c2.community = c1.community AND c2.code <> c1.code AND "
           "ST_Touches(c1.geom, c2.geom) WHERE cu.plan = (SELECT id FROM plans WHERE active = 1) "
           "ORDER BY cu.unit LIMIT 1\" > '%s'",
           ws, pair) != 0)
        return 1;
    char unit[128] = "", from[64] = "", to[64] = "";
    FILE *f = fopen(pair, "r");
    bool got = f && fscanf(f, "%127[^|]|%63[^|]|%63s", unit, from, to) == 3;
    if (f)
        fclose(f);
    if (!got) {
        fprintf(stderr, "bench_serve: no unit with a neighbouring cell to move\n");
        return 1;
    }
    pid_t pid = start_serve(dir, url, sizeof url);
    if (pid < 0)
        return 1;
    enum { MOVES = 20 };
    double t[MOVES];
    int rc = 0;
    for (int i = 0; rc == 0 && i < MOVES; i++) {
        double t0 = wg_now();
        rc = sh("curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -H "
                "'Authorization: Bearer bench-token-0123456789abcdef' --data-binary "
                "'{\"units\": [\"%s\"], \"to\": \"%s\"}' '%s/api/plans/bench/moves'",
                unit, i % 2 ? from : to, url);
        t[i] = (wg_now() - t0) * 1000;
    }
    if (rc == 0) {
        qsort(t, MOVES, sizeof *t, cmp_double);
        printf("serve scale=%s request=move moves=%d p50=%.0fms max=%.0fms (first %.0fms)\n", scale,
               MOVES, t[MOVES / 2], t[MOVES - 1], t[0]);
        if (strcmp(scale, "large") == 0) {
            char fig[64];
            snprintf(fig, sizeof fig, "p50 %.0f ms, max %.0f ms", t[MOVES / 2], t[MOVES - 1]);
            bench_target(scale, "planner move answered in <= 200 ms", fig, t[MOVES / 2] <= 200);
        }
    }
    if (stop_child(pid) != 0)
        rc = 1;
    return rc;
}

int main(int argc, char **argv)
{
    if (sh("command -v wrk >/dev/null && command -v sqlite3 >/dev/null") != 0) {
        fprintf(stderr, "bench_serve: needs wrk and sqlite3 (apt-get install wrk sqlite3)\n");
        return 1;
    }
    char *defaults[] = {argv[0], "medium"};
    const bench_step steps[] = {{bench_city_prepare, "prepare"},
                                {serve_step, "serve"},
                                {tiles_step, "tiles"},
                                {desk_step, "desk"}};
    return bench_main(argc, argv, defaults, 2, "bench_serve", steps, 4);
}
