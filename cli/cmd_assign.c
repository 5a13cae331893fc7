/* cli/cmd_assign.c: `wangge assign` — incidents and cameras to the cells of a plan. */
#include "cli.h"
#include "wg/assign.h"
#include "wg/plan.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char assign_help[] =
    "usage: wangge assign -w WS [--plan PLAN] [--full] [--threads N]\n"
    "Puts every incident in the cell of the plan that contains it (the active plan unless\n"
    "--plan names one), links every camera to the cells it sees, and measures each cell's\n"
    "camera coverage and blind spots. Incidents in no cell are kept and counted with their\n"
    "reason: outside the district, in a gap of the plan, or without a location. A point on\n"
    "the edge between two cells goes to the cell east of it (north of an east-west edge).\n"
    "Later runs only locate incidents that are new or re-imported; a changed plan re-assigns\n"
    "all, and changed cameras or units recompute the coverage.\n"
    "  --full       re-assign every incident and recompute the coverage\n"
    "  --threads N  threads for the camera coverage (default 2)\n"
    "Results: blind spots and camera views are layers (wangge export -w WS blind_spots F).\n";

static double pct(double a, double b)
{
    return b > 0 ? 100.0 * a / b : 0.0;
}

void cli_print_assign(wg_ws *ws, const wg_assign_result *r, bool run)
{
    char a[32], b[32], d[32], e[32], wn[32], seen[48];
    const char *ws_path = wg_ws_path(ws);
    cli_weight_name(ws, wn);
    snprintf(seen, sizeof seen, "%s seen", wn);
    printf("plan %s (id %lld): %s cells\n", r->plan_name, (long long)r->plan,
           cli_num(r->cells, a, sizeof a));
    printf("  %-22s %s", "incidents", cli_num(r->incidents, a, sizeof a));
    if (!run)
        ;
    else if (r->located)
        printf(" (%s located now%s, %.1f M points/s)", cli_num(r->located, b, sizeof b),
               r->all_located ? ", all" : "", r->points_per_second / 1e6);
    else
        printf(" (none new since the last run)");
    if (run && r->cells_redone)
        printf("; %zu edited cell%s redone", r->cells_redone, r->cells_redone == 1 ? "" : "s");
    if (!run && r->pending)
        printf(" (%s imported since, not assigned yet)", cli_num(r->pending, b, sizeof b));
    printf("\n  %-22s %s (%.2f %%)\n", "in a cell", cli_num(r->assigned, a, sizeof a),
           pct((double)r->assigned, (double)r->incidents));
    int64_t un = r->outside + r->gap + r->no_location;
    printf("  %-22s %s", "unassigned", cli_num(un, a, sizeof a));
    if (un)
        printf(": %s outside the district, %s in a gap of the plan, %s without a location",
               cli_num(r->outside, b, sizeof b), cli_num(r->gap, d, sizeof d),
               cli_num(r->no_location, e, sizeof e));
    printf("\n  %-22s %s, %s of them seeing a cell (%s camera-cell links)%s\n", "cameras",
           cli_num(r->cameras, a, sizeof a), cli_num(r->cameras_seeing, b, sizeof b),
           cli_num(r->links, d, sizeof d),
           !run          ? ""
           : r->coverage ? "; coverage recomputed"
                         : "; coverage unchanged");
    printf("  %-22s %s of %s (%.1f %%)\n", "cells with a camera",
           cli_num(r->cells_with_camera, a, sizeof a), cli_num(r->cells, b, sizeof b),
           pct((double)r->cells_with_camera, (double)r->cells));
    printf("  %-22s %.1f %% of %.3f km2 (cells minus building footprints)\n", "open ground seen",
           pct(r->seen_m2, r->open_m2), r->open_m2 / 1e6);
    printf("  %-22s %.1f %% of %s\n", seen, pct((double)r->households_seen, (double)r->households),
           cli_num(r->households, a, sizeof a));
    printf("  %-22s %.1f %% of the incidents in a cell\n", "incidents in view",
           pct((double)r->seen, (double)r->assigned));
    printf("  %-22s %s, %.3f km2\n", "blind spots", cli_num(r->blind_spots, a, sizeof a),
           r->blind_m2 / 1e6);
    if (run)
        printf("  %-22s %.2f s (coverage %.2f s)\n", "time", r->seconds, r->seconds_coverage);
    if (run && r->blind_spots)
        printf("blind spots with their area and incidents: wangge export -w %s blind_spots "
               "FILE.gpkg\n",
               ws_path);
}

int cmd_assign(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"plan", required_argument, NULL, 'p'},
                                         {"full", no_argument, NULL, 'f'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL, *plan = NULL;
    wg_assign_opts o = {0};
    int64_t v;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'w':
            ws_path = optarg;
            break;
        case 'p':
            plan = optarg;
            break;
        case 'f':
            o.full = true;
            break;
        case 'j':
            if (!cli_whole(c, "assign", "--threads", optarg, &v))
                return 1;
            o.threads = (int)(v > 16 ? 16 : v);
            break;
        case 'h':
            fputs(assign_help, stdout);
            return 0;
        default:
            return cli_usage(c, "assign", "bad option (see --help)");
        }
    }
    if (!ws_path)
        return cli_usage(c, "assign", "-w WS is required");
    if (optind < argc)
        return cli_usage(c, "assign", "unexpected argument '%s'", argv[optind]);
    wg_ws *ws = NULL;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st == WG_OK && plan)
        st = wg_plan_find(ws, plan, &o.plan);
    wg_assign_result r;
    if (st == WG_OK) {
        cli_progress_on(c);
        st = wg_assign(ws, &o, &r);
        cli_progress_done(c);
    }
    int rc = 0;
    if (st != WG_OK)
        rc = cli_fail(c, st);
    else if (!c->quiet)
        cli_print_assign(ws, &r, true);
    cli_warnings(c);
    wg_ws_close(ws);
    return rc;
}
