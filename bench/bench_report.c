/* bench/bench_report.c: how long the workload report takes on the sample city.
 *
 *   bench_report [--check] [small|medium|large ...]     (default: medium large)
 *
 * Steps, each in a child process (bench_child.h prints its peak memory):
 *   prepare   writes the sample city (seed 1), imports it, partitions it (target 250, range
 *             200-300), activates the plan and assigns incidents and cameras.
 *   report    times wg_report_make by cell, by worker and by community over the whole year,
 *             and by cell over one month and one category (best of 3 runs each), and checks
 *             that the figures reconcile: assigned + unassigned = incidents in the period, and
 *             households over cells = households over units. Target (medium): under 1 s.
 *   cli       `wangge report --by cell` (and by worker, by community) as a user runs it, CSV to a
 *             file, best of 3 wall times with the peak memory of the process. Target (large):
 *             by cell under 1.5 s.
 * With --check, a missed target makes the exit status 2. */
#include "bench_child.h"
#include "bench_city.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int time_one(wg_ws *ws, const char *scale, const char *what, const wg_report_opts *o,
                    double *best)
{
    *best = INFINITY;
    for (int run = 0; run < 3; run++) {
        wg_report r;
        double t0 = wg_now();
        if (wg_report_make(ws, o, &r) != WG_OK)
            return 1;
        double t = wg_now() - t0;
        *best = fmin(*best, t);
        if (run == 0) {
            bool ok = r.assigned + r.unassigned == r.period_incidents &&
                      llround(r.total.households) == r.unit_households;
            printf("report scale=%s %s rows=%zu incidents=%lld assigned=%lld unassigned=%lld "
                   "households_cells=%.0f households_units=%lld gini=%.3f cv=%.3f "
                   "max_over_mean=%.2f overloaded=%zu underloaded=%zu reconciles=%s\n",
                   scale, what, r.nrows, (long long)r.period_incidents, (long long)r.assigned,
                   (long long)r.unassigned, r.total.households, (long long)r.unit_households,
                   r.gini, r.cv, r.max_over_mean, r.overloaded, r.underloaded, ok ? "yes" : "NO");
            if (!ok) {
                wg_report_free(&r);
                return 1;
            }
        }
        wg_report_free(&r);
    }
    printf("report scale=%s %s seconds=%.3f (best of 3)%s\n", scale, what, *best,
           *best < 1.0 ? "" : "  ABOVE the 1 s target");
    return 0;
}

static int run_report(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    int rc = wg_ws_open(ctx, path, &ws) != WG_OK;
    static const char *const by[] = {"by=cell", "by=worker", "by=community"};
    double worst = 0, t;
    for (int k = 0; k < 3 && !rc; k++) {
        wg_report_opts o = {.by = (wg_report_by)k, .from = INT64_MIN, .to = INT64_MAX};
        rc = time_one(ws, scale, by[k], &o, &t);
        worst = fmax(worst, t);
    }
    wg_report_opts m = {.by = WG_BY_CELL};
    const char *only[] = {"sanitation"};
    m.categories = only;
    m.ncategories = 1;
    if (!rc && (wg_time_parse(ctx, "2025-06-01", NULL, NULL, &m.from) != WG_OK ||
                wg_time_parse(ctx, "2025-07-01", NULL, NULL, &m.to) != WG_OK))
        rc = 1;
    if (!rc)
        rc = time_one(ws, scale, "by=cell period=2025-06 category=sanitation", &m, &t);
    worst = fmax(worst, t);
    if (rc)
        fprintf(stderr, "bench_report: %s\n", wg_ctx_errmsg(ctx));
    else {
        char fig[64];
        snprintf(fig, sizeof fig, "slowest %.3f s", worst);
        printf("summary scale=%s slowest_report_seconds=%.3f\n", scale, worst);
        if (strcmp(scale, "medium") == 0)
            bench_target(scale, "every report in-process under 1 s", fig, worst < 1.0);
    }
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return rc;
}

static int run_cli(const char *scale, const char *dir)
{
    char path[4096], out[4200];
    ws_path(dir, path, sizeof path);
    snprintf(out, sizeof out, "%s/report.csv", dir);
    static const char *const by[] = {"cell", "worker", "community"};
    for (int k = 0; k < 3; k++) {
        char *argv[] = {WANGGE_BIN,    "--quiet",  "report", "-w", path, "--by",
                        (char *)by[k], "--format", "csv",    "-o", out,  NULL};
        double secs = 0, peak = 0;
        if (run_best_of_3(argv, &secs, &peak) != 0) {
            fprintf(stderr, "bench_report: wangge report --by %s failed\n", by[k]);
            return 1;
        }
        printf("report_cli scale=%s by=%s seconds=%.3f peak_rss_mib=%.0f\n", scale, by[k], secs,
               peak);
        if (k == 0 && strcmp(scale, "large") == 0) {
            char fig[64];
            snprintf(fig, sizeof fig, "%.3f s (best of 3), peak %.0f MiB", secs, peak);
            bench_target(scale, "wangge report --by cell under 1.5 s", fig, secs < 1.5);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    char *defaults[] = {argv[0], "medium", "large"};
    const bench_step steps[] = {
        {bench_city_prepare, "prepare"}, {run_report, "report"}, {run_cli, "cli"}};
    return bench_main(argc, argv, defaults, 3, "bench_report", steps, 3);
}
