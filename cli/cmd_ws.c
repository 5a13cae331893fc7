/* cli/cmd_ws.c: `wangge init`, `wangge info` and `wangge copy` — create, describe and copy a
 * workspace. */
#include "cli.h"
#include "wg/assign.h"
#include "wg/ws.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char init_help[] =
    "usage: wangge init -w WS [--crs EPSG:N]\n"
    "Creates the workspace file WS. --crs sets its metric projected CRS (e.g. EPSG:4549,\n"
    "CGCS2000 / 3-degree Gauss-Kruger CM 120E); without it the first import chooses the UTM\n"
    "zone of its data.\n";

int cmd_init(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"crs", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL, *crs = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (o) {
        case 'w':
            ws_path = optarg;
            break;
        case 'c':
            crs = optarg;
            break;
        case 'h':
            fputs(init_help, stdout);
            return 0;
        default:
            return cli_usage(c, "init", "bad option");
        }
    }
    if (!ws_path)
        return cli_usage(c, "init", "-w WS is required");
    if (optind < argc)
        return cli_usage(c, "init", "unexpected argument '%s'", argv[optind]);
    wg_ws *ws = NULL;
    wg_status st = cli_create(c, ws_path, crs, &ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    if (!c->quiet)
        printf("created %s (schema %d, CRS %s)\n", ws_path, wg_ws_schema_version(ws),
               wg_ws_crs(ws) ? wg_ws_crs(ws) : "chosen by the first import");
    wg_ws_close(ws);
    return 0;
}

int cli_print_info(cli *c, wg_ws *ws)
{
    wg_layer_info li[WG_NLAYERS];
    wg_status st = wg_ws_layer_info(ws, li);
    if (st != WG_OK)
        return cli_fail(c, st);
    const char *crs = wg_ws_crs(ws);
    printf("workspace %s\n  schema version %d, CRS %s\n\n", wg_ws_path(ws),
           wg_ws_schema_version(ws), crs ? crs : "(none yet: the first import chooses it)");
    printf("  %-12s %12s   %s\n", "layer", "features",
           crs ? "extent (x min, y min - x max, y max; metres)" : "");
    char n[32];
    for (size_t i = 0; i < WG_NLAYERS; i++) {
        printf("  %-12s %12s", li[i].name, cli_num(li[i].count, n, sizeof n));
        if (li[i].has_extent)
            printf("   %.1f, %.1f - %.1f, %.1f  (%.2f x %.2f km)", li[i].minx, li[i].miny,
                   li[i].maxx, li[i].maxy, (li[i].maxx - li[i].minx) / 1000,
                   (li[i].maxy - li[i].miny) / 1000);
        putchar('\n');
    }
    char lev[16][32];
    int64_t nlev_count[16];
    size_t nlev = 0;
    st = wg_ws_code_levels(ws, lev, nlev_count, 16, &nlev);
    if (st != WG_OK)
        return cli_fail(c, st);
    for (size_t i = 0; i < nlev; i++)
        printf("%s%s %s%s", i ? ", " : "\n  codes by level: ", cli_num(nlev_count[i], n, sizeof n),
               lev[i], i + 1 == nlev ? "\n" : "");
    wg_plan_info *plans = NULL;
    size_t np = 0;
    st = wg_ws_plans(ws, &plans, &np);
    if (st != WG_OK)
        return cli_fail(c, st);
    printf("\n  plans: %s\n", np ? "" : "none yet (make one with 'wangge partition')");
    char wn[32];
    cli_weight_name(ws, wn);
    for (size_t i = 0; i < np; i++) {
        char when[32], hh[32];
        time_t t = (time_t)plans[i].created;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime(&t));
        printf("  %s %-24s %6lld cells %12s %s  created %s UTC\n", plans[i].active ? "*" : " ",
               plans[i].name, (long long)plans[i].cells,
               cli_num(plans[i].households, hh, sizeof hh), wn, when);
    }
    free(plans);
    wg_assign_result ar;
    bool any = false;
    st = wg_assign_stored(ws, &ar, &any);
    if (st != WG_OK)
        return cli_fail(c, st);
    if (any) {
        printf("\n  assignment (wangge assign): ");
        cli_print_assign(ws, &ar, false);
    } else {
        printf("\n  assignment: none yet (wangge assign -w WS)\n");
    }
    /* whether what is stored describes the active plan and the layers as they are now */
    wg_assign_state s;
    if ((st = wg_assign_check(ws, 0, &s)) != WG_OK)
        return cli_fail(c, st);
    if (s.plan && s.current)
        printf("  %-22s current for plan %s\n", "state", s.plan_name);
    else if (s.plan && (any || s.any))
        printf("  %-22s STALE for plan %s: %s\n  %-22s 'wangge assign -w %s' %s\n", "state",
               s.plan_name, s.why, "", wg_ws_path(ws),
               s.incremental ? "redoes only what changed (report, render and export do it "
                               "themselves)"
                             : "redoes it");
    return 0;
}

int cmd_info(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        if (o == 'w')
            ws_path = optarg;
        else if (o == 'h') {
            fputs("usage: wangge info -w WS\nPrints each layer's feature count and extent, the "
                  "CRS and the plans.\n",
                  stdout);
            return 0;
        } else
            return cli_usage(c, "info", "bad option");
    }
    if (!ws_path)
        return cli_usage(c, "info", "-w WS is required");
    wg_ws *ws = NULL;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    int rc = cli_print_info(c, ws);
    cli_warnings(c);
    wg_ws_close(ws);
    return rc;
}

static const char copy_help[] =
    "usage: wangge copy -w SRC DEST\n"
    "Copies a whole workspace between a workspace file and a PostgreSQL database with PostGIS,\n"
    "either way: every table and row, the geometries as PostGIS geometries with the\n"
    "workspace's SRID and a GiST index. A database is named as libpq names it, with the\n"
    "schema to use (wangge when none is given):\n"
    "  wangge copy -w city.wangge 'PG:host=gis.example dbname=city user=planner schema=xuhui'\n"
    "  wangge copy -w 'postgresql://planner@gis.example/city?schema=xuhui' back.wangge\n"
    "One transaction on each side: a copy that fails leaves nothing behind. It never writes\n"
    "over a schema that has tables or a file that exists.\n";

int cmd_copy(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *src = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (o) {
        case 'w':
            src = optarg;
            break;
        case 'h':
            fputs(copy_help, stdout);
            return 0;
        default:
            return cli_usage(c, "copy", "bad option");
        }
    }
    if (!src)
        return cli_usage(c, "copy", "-w SRC is required");
    if (optind + 1 != argc)
        return cli_usage(c, "copy", "give one DEST");
    const char *dest = argv[optind];
    cli_progress_on(c);
    wg_status st = wg_ws_copy(c->ctx, src, dest);
    cli_progress_done(c);
    if (st != WG_OK)
        return cli_fail(c, st);
    if (!c->quiet)
        fprintf(stderr, "copied %s to %s\n", wg_ws_is_database(src) ? "the database" : src,
                wg_ws_is_database(dest) ? "the database" : dest);
    return 0;
}
