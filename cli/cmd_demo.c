/* cli/cmd_demo.c: `wangge demo-data` writes the sample city; `wangge demo` takes it through
 * the whole flow (generate, import, describe) into a fresh workspace. */
#include "cli.h"
#include "wg/assign.h"
#include "wg/atomic.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/render.h"
#include "wg/report.h"
#include "wg/ws.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct demo_args {
    const char *scale, *out;
    unsigned long long seed;
} demo_args;

static int parse(cli *c, const char *cmd, const char *help, int argc, char **argv, demo_args *a)
{
    static const struct option opts[] = {{"scale", required_argument, NULL, 's'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (o == 's')
            a->scale = optarg;
        else if (o == 'o')
            a->out = optarg;
        else if (o == 'S') {
            char *end = NULL;
            errno = 0;
            a->seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end || errno || optarg[0] == '-')
                return cli_usage(c, cmd, "--seed wants a whole number, got '%s'", optarg);
        } else if (o == 'h') {
            fputs(help, stdout);
            return -1;
        } else
            return cli_usage(c, cmd, "bad option");
    }
    if (optind < argc)
        return cli_usage(c, cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static void print_city(cli *c, const char *dir, const wg_city_stats *s)
{
    if (c->quiet)
        return;
    char a[32], b[32], d[32];
    printf("sample city in %s (%.1f s): %zu communities, %s buildings (%zu compounds), %s "
           "households, %zu streets, %s incidents, %zu cameras, %zu workers\n",
           dir, s->seconds, s->communities, cli_num((long long)s->buildings, a, sizeof a),
           s->compounds, cli_num(s->households, b, sizeof b), s->streets,
           cli_num((long long)s->incidents, d, sizeof d), s->cameras, s->workers);
}

int cmd_demo_data(cli *c, int argc, char **argv)
{
    demo_args a = {.scale = "small", .seed = 1, .out = NULL};
    int rc = parse(c, "demo-data",
                   "usage: wangge demo-data [--scale small|medium|large] [--seed N] -o DIR\n"
                   "Writes a deterministic sample city into DIR: communities, units (buildings),\n"
                   "streets, barriers, incidents over a year, cameras and workers.\n",
                   argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!a.out)
        return cli_usage(c, "demo-data", "-o DIR is required");
    wg_city_scale scale;
    wg_status st = wg_city_scale_parse(c->ctx, a.scale, &scale);
    wg_city_stats s;
    if (st == WG_OK) {
        cli_progress_on(c);
        st = wg_city_write(c->ctx, scale, a.seed, a.out, &s);
        cli_progress_done(c);
    }
    if (st != WG_OK)
        return cli_fail(c, st);
    print_city(c, a.out, &s);
    return 0;
}

/* After each file of the city: ends its progress line and says what the import did. */
static void imported(void *user, const char *layer, const char *src, const wg_import_result *r)
{
    cli *c = user;
    cli_progress_done(c);
    cli_print_import(c, layer, src, r);
}

int cmd_demo(cli *c, int argc, char **argv)
{
    demo_args a = {.scale = "small", .seed = 1, .out = "wangge-demo"};
    int rc = parse(c, "demo",
                   "usage: wangge demo [--scale small|medium|large] [--seed N] [-o DIR]\n"
                   "Generates the sample city into DIR/data, imports it into the workspace\n"
                   "DIR/city.wangge (made anew) and describes it. DIR defaults to wangge-demo.\n",
                   argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    wg_city_scale scale;
    wg_status st = wg_city_scale_parse(c->ctx, a.scale, &scale);
    if (st != WG_OK)
        return cli_fail(c, st);
    char datadir[4096], wspath[4096];
    if (strlen(a.out) + sizeof "/city.wangge" > sizeof wspath)
        return cli_fail(c,
                        wg_fail(c->ctx, WG_EINPUT, "-o %s: the folder's path is too long", a.out));
    snprintf(datadir, sizeof datadir, "%s/data", a.out);
    snprintf(wspath, sizeof wspath, "%s/city.wangge", a.out);
    wg_city_stats s;
    cli_progress_on(c);
    st = wg_city_write(c->ctx, scale, a.seed, datadir, &s);
    cli_progress_done(c);
    if (st != WG_OK)
        return cli_fail(c, st);
    print_city(c, datadir, &s);
    /* The workspace is built in a temporary folder beside it and moved into place when
     * complete (wg/atomic.h), so an interrupted demo never leaves a half-made workspace. */
    wg_atomic *out = NULL;
    wg_ws *ws = NULL;
    st = wg_atomic_begin(c->ctx, wspath, true, &out);
    if (st == WG_OK)
        st = cli_create(c, wg_atomic_tmp_main(out), "EPSG:4549", &ws);
    if (st == WG_OK)
        st = wg_city_import(ws, datadir, imported, c);
    /* The planner's first step: a grid plan of 200-300 households per cell. */
    wg_part_opts po = {.target = 250,
                       .min = 200,
                       .max = 300,
                       .seed = a.seed,
                       .name = "demo",
                       .division = "310104"};
    wg_part_summary ps;
    if (st == WG_OK) {
        if (!c->quiet)
            putchar('\n');
        cli_progress_on(c);
        st = wg_partition(ws, &po, &ps);
        cli_progress_done(c);
        if (st == WG_OK)
            cli_print_partition(c, wspath, &po, &ps);
    }
    /* The command center's first question: which cell each incident falls in, what the
     * cameras see. */
    if (st == WG_OK && !ps.active)
        st = wg_plan_activate(ws, ps.plan);
    wg_assign_result ar;
    if (st == WG_OK) {
        if (!c->quiet)
            putchar('\n');
        cli_progress_on(c);
        st = wg_assign(ws, NULL, &ar);
        cli_progress_done(c);
        if (st == WG_OK && !c->quiet)
            cli_print_assign(ws, &ar, true);
    }
    wg_ws_close(ws);
    ws = NULL;
    wg_status moved = wg_atomic_end(c->ctx, out, st == WG_OK);
    if (st == WG_OK)
        st = moved;
    if (st != WG_OK)
        return cli_fail(c, st);
    if (!c->quiet)
        putchar('\n');
    st = cli_open(c, wspath, &ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    rc = c->quiet ? 0 : cli_print_info(c, ws);
    /* The cells, for any GIS. */
    char cells[4200];
    snprintf(cells, sizeof cells, "%s/cells.gpkg", a.out);
    int64_t ncells = 0;
    unlink(cells);
    if (rc == 0 && (st = wg_export(ws, "cells", cells, 0, &ncells)) != WG_OK)
        rc = cli_fail(c, st);
    /* The planners' question: who carries too much. Per community on the terminal, per cell
     * in a CSV for the batch jobs. */
    char csv[4200];
    snprintf(csv, sizeof csv, "%s/workload-cells.csv", a.out);
    wg_report_opts ro = {.by = WG_BY_COMMUNITY, .from = INT64_MIN, .to = INT64_MAX};
    wg_report rep;
    if (rc == 0 && (st = wg_report_make(ws, &ro, &rep)) != WG_OK)
        rc = cli_fail(c, st);
    else if (rc == 0) {
        if (!c->quiet) {
            printf("\nworkload per community (wangge report -w %s --by community):\n\n", wspath);
            cli_report_print(c, stdout, &rep, "table");
        }
        wg_report_free(&rep);
        ro.by = WG_BY_CELL;
        if ((st = wg_report_make(ws, &ro, &rep)) != WG_OK)
            rc = cli_fail(c, st);
        else {
            rc = cli_report_write(c, csv, &rep, "csv");
            wg_report_free(&rep);
        }
    }
    /* The command center's screen and the planners' paper: a heatmap, the plan, the atlas. */
    char heat[4200], plan[4200], atlas[4200];
    snprintf(heat, sizeof heat, "%s/heatmap.png", a.out);
    snprintf(plan, sizeof plan, "%s/plan.pdf", a.out);
    snprintf(atlas, sizeof atlas, "%s/atlas.pdf", a.out);
    wg_render_opts mo;
    wg_render_opts_init(&mo);
    wg_render_info hi, pi, ai;
    if (rc == 0) {
        cli_progress_on(c);
        if ((st = wg_render(ws, WG_MAP_HEATMAP, &mo, heat, &hi)) == WG_OK &&
            (st = wg_render(ws, WG_MAP_PLAN, &mo, plan, &pi)) == WG_OK)
            st = wg_render_atlas(ws, &mo, atlas, &ai);
        cli_progress_done(c);
        if (st != WG_OK)
            rc = cli_fail(c, st);
    }
    wg_ws_close(ws);
    char nc[32], np[32];
    if (rc == 0 && !c->quiet)
        printf("\nworkspace: %s\ncells:     %s (%s cells of plan demo)\nworkload:  %s (per "
               "cell)\nheatmap:   %s (%s incidents, %.0fx%.0f px)\nplan map:  %s (A4)\n"
               "atlas:     %s (%d pages, one per community)\n",
               wspath, cells, cli_num((long long)ncells, nc, sizeof nc), csv, heat,
               cli_num((long long)hi.points, np, sizeof np), hi.width, hi.height, plan, atlas,
               ai.pages);
    return rc;
}
