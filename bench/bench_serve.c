/* bench/bench_serve.c: `wangge serve` under load, with wrk on loopback.
 *
 *   bench_serve [small|medium|large ...]     (default: medium)
 *
 * Steps, each in a child process (bench_child.h prints its peak memory):
 *   prepare   the sample city through partition and assign (bench_city.h).
 *   serve     starts `wangge serve` (2 worker threads, a write token) on a free loopback port
 *             and drives it with wrk (2 threads, 16 connections, 5 s a run) on:
 *               GET /api/health    the cheapest answer: the service's own overhead
 *               GET /api/summary   the period's KPIs (a report of the whole city per request)
 *               GET /api/cells     the rows by cell
 *               POST /api/incidents  a batch of 100 cases posted again and again (updated by
 *                                  id: each request is one committed transaction + locating)
 *             printing requests/s, p50 and p99 latency and errors of each; for ingestion also
 *             cases/s. The server's own figures (its peak memory) come after it stops.
 * Needs wrk (Debian package wrk) and curl. Not built yet for the other figures (tiles,
 * event streams, the bare-server reference). */
#include "bench_child.h"
#include "bench_city.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs wrk on URL (with the Lua script when given) and prints its figures as one line. */
static int run_wrk(const char *scale, const char *dir, const char *what, const char *url,
                   const char *script, double per_request)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/wrk-%s.txt", dir, what);
    int rc = sh("wrk -t2 -c16 -d5s --timeout 30s --latency %s%s%s '%s' > '%s' 2>&1",
                script ? "-s '" : "", script ? script : "", script ? "'" : "", url, out);
    FILE *f = fopen(out, "r");
    if (rc != 0 || !f) {
        fprintf(stderr, "bench_serve: wrk failed on %s (see %s)\n", url, out);
        if (f)
            fclose(f);
        return 1;
    }
    char line[512], p50[32] = "?", p99[32] = "?";
    double rps = 0;
    long non2xx = 0, errs = 0;
    while (fgets(line, sizeof line, f)) {
        long a, b, cc, d;
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
    printf("serve scale=%s request=%s requests_per_s=%.0f p50=%s p99=%s non_2xx=%ld "
           "socket_errors=%ld",
           scale, what, rps, p50, p99, non2xx, errs);
    if (per_request > 1)
        printf(" cases_per_s=%.0f", rps * per_request);
    printf("\n");
    return 0; /* errors are figures too: printed, not fatal */
}

static int serve_step(const char *scale, const char *dir)
{
    char ws[4096], token[4200], log[4200], url[128] = "";
    ws_path(dir, ws, sizeof ws);
    snprintf(token, sizeof token, "%s/token", dir);
    if (write_file(dir, "token", "bench-token-0123456789abcdef\n", 29) != 0 || chmod(token, 0600))
        return 1;
    snprintf(log, sizeof log, "%s/serve.out", dir);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (!freopen(log, "w", stdout))
            _exit(127);
        execl(WANGGE_BIN, WANGGE_BIN, "serve", "-w", ws, "--listen", "127.0.0.1:0", "--threads",
              "2", "--token-file", token, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300 && !url[0]; i++) {
        usleep(100 * 1000);
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "serving %*s on %127s", url) == 1)
                break;
        if (f)
            fclose(f);
    }
    int rc = 0;
    if (!url[0]) {
        fprintf(stderr, "bench_serve: the server did not start (see %s)\n", log);
        rc = 1;
    }
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
    const char *gets[] = {"/api/health", "/api/summary", "/api/cells"};
    for (int k = 0; rc == 0 && k < 3; k++) {
        snprintf(u, sizeof u, "%s%s", url, gets[k]);
        rc = run_wrk(scale, dir, gets[k] + 5, u, NULL, 1);
    }
    snprintf(u, sizeof u, "%s/api/incidents?src_crs=%s", url, "EPSG:4549");
    if (rc == 0)
        rc = run_wrk(scale, dir, "ingest-100", u, lua, 100);
    if (pid > 0) {
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_serve: the server did not stop cleanly (status %d)\n", status);
            rc = 1;
        }
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (sh("command -v wrk >/dev/null && command -v sqlite3 >/dev/null") != 0) {
        fprintf(stderr, "bench_serve: needs wrk and sqlite3 (apt-get install wrk sqlite3)\n");
        return 1;
    }
    char *defaults[] = {argv[0], "medium"};
    const bench_step steps[] = {{bench_city_prepare, "prepare"}, {serve_step, "serve"}};
    return bench_main(argc, argv, defaults, 2, "bench_serve", steps, 2);
}
