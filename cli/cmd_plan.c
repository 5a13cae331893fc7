/* cli/cmd_plan.c: `wangge partition` and `wangge plan list|show|diff|activate|move`. */
#include "cli.h"
#include "wg/plan.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char partition_help[] =
    "usage: wangge partition -w WS [--target 250 --min 200 --max 300] [--name NAME]\n"
    "                        [--keep PLAN [--lock CODE,...]] [--seed N] [--division 310104]\n"
    "       wangge partition -w WS --communities ID,...\n"
    "Cuts the units into a new plan of grid cells: each cell a connected union of whole units\n"
    "inside one community, with --min..--max households wherever the units allow, compounds\n"
    "kept whole while they fit, barriers (roads, rivers, railways) not crossed, and compact.\n"
    "Every cell that cannot meet the rules is recorded with its cause (wangge plan show).\n"
    "  --keep PLAN      redraw from PLAN: its cells still in range keep their units and codes\n"
    "  --lock CODES     cells of PLAN kept exactly as they are (comma-separated codes)\n"
    "  --seed N         the same seed and data give the same plan (default 1)\n"
    "  --division CODE  6-digit division code that starts new cell codes (default 000000)\n"
    "  --threads N      communities partitioned at once (default 2)\n"
    "  --communities IDS  recut only these communities of the active plan, with its target,\n"
    "                   range, seed and weight; the others keep their cells. The same units\n"
    "                   give the cells the whole plan had, so planners can recut their own\n"
    "                   communities one after another or at once. Then run wangge assign.\n"
    "  --weight workload  balance the workload instead of households: each unit weighs its\n"
    "                   households and the handling hours of the incidents nearest to it\n"
    "                   (weights of --weights, hours of --categories, as in wangge report);\n"
    "                   --target/--min/--max then count household-equivalents\n";

int cli_print_partition(cli *c, const char *ws_path, const wg_part_opts *o,
                        const wg_part_summary *s)
{
    if (c->quiet)
        return 0;
    char a[32], b[32], h[32];
    const char *wn = s->weight[0] ? s->weight : "households";
    char per_cell[64];
    snprintf(per_cell, sizeof per_cell, "%s per cell", wn);
    if (o->ncommunities)
        printf("plan %s (id %lld): %zu communities recut into %s cells (%zu before), %s units, "
               "%s %s\n",
               s->name, (long long)s->plan, s->communities,
               cli_num((long long)s->cells, a, sizeof a), s->recut_before,
               cli_num((long long)s->units, b, sizeof b), cli_num(s->households, h, sizeof h), wn);
    else
        printf("plan %s (id %lld)%s: %s cells in %zu communities, %s units, %s %s\n", s->name,
               (long long)s->plan, s->active ? ", active" : "",
               cli_num((long long)s->cells, a, sizeof a), s->communities,
               cli_num((long long)s->units, b, sizeof b), cli_num(s->households, h, sizeof h), wn);
    if (s->one_community)
        printf("  %-28s none imported, and no unit names one: the whole district is one "
               "community, 'district'\n",
               "communities");
    else if (s->communities_made)
        printf("  %-28s none imported: %zu dissolved from the units' community field\n",
               "communities", s->communities_made);
    if (s->communities_hulls)
        printf("  %-28s %zu of them drawn around their units (points or detached buildings)\n", "",
               s->communities_hulls);
    if (s->units_unnamed)
        printf("  %-28s %zu units name no community (listed in the warnings)\n", "",
               s->units_unnamed);
    printf("  %-28s %lld / %lld / %lld\n", o->workload ? "workload per cell (hh-equiv.)" : per_cell,
           (long long)s->hh_min, (long long)s->hh_median, (long long)s->hh_max);
    printf("  %-28s (min / median / max; range %lld-%lld, target %lld)\n", "", (long long)s->min,
           (long long)s->max, (long long)s->target);
    printf("  %-28s %zu of %zu (%.1f %%)\n", "cells in range", s->in_range, s->cells,
           s->cells ? 100.0 * (double)s->in_range / (double)s->cells : 0.0);
    printf("  %-28s %.1f %% of target\n", "max deviation (in range)", 100 * s->max_dev);
    printf("  %-28s %zu out of range, %zu across a barrier, %zu in pieces, %zu units outside\n",
           "issues", s->out_of_range, s->across_barrier, s->pieces, s->outside);
    printf("  %-28s mean %.3f, min %.3f\n", "compactness (Polsby-Popper)", s->pp_mean, s->pp_min);
    if (o->keep)
        printf("  %-28s %zu cells kept; %lld %s (%zu units) moved; %zu units new, %zu gone\n",
               "redrawn from", s->kept, (long long)s->moved_households, wn, s->moved_units,
               s->new_units, s->gone_units);
    printf("  %-28s %.2f s\n", "time", s->seconds);
    if (s->issues)
        printf("%zu issues recorded with their causes: wangge plan -w %s show %s\n", s->issues,
               ws_path, s->name);
    if (o->ncommunities)
        printf("its assignment, coverage and patrol lengths are to be made again: wangge assign "
               "-w %s\n",
               ws_path);
    else if (!s->active)
        printf("not active; make it so with: wangge plan -w %s activate %s\n", ws_path, s->name);
    return 0;
}

/* Splits "A,B,C" into a NULL-free array (pointers into `text`, which is modified). */
static size_t split_list(char *text, const char **out, size_t max)
{
    size_t n = 0;
    for (char *tok = text; tok && n < max;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (*tok)
            out[n++] = tok;
        tok = comma ? comma + 1 : NULL;
    }
    return n;
}

int cmd_partition(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"target", required_argument, NULL, 't'},
                                         {"min", required_argument, NULL, 'm'},
                                         {"max", required_argument, NULL, 'M'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"keep", required_argument, NULL, 'k'},
                                         {"lock", required_argument, NULL, 'l'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"division", required_argument, NULL, 'd'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"weight", required_argument, NULL, 'W'},
                                         {"weights", required_argument, NULL, 'X'},
                                         {"categories", required_argument, NULL, 'C'},
                                         {"communities", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL;
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1};
    int64_t v;
    char *lock_text = NULL, *comm_text = NULL;
    bool sized = false; /* --target, --min, --max or --seed given */
    static const char *locks[4096], *comms[4096];
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'w':
            ws_path = optarg;
            break;
        case 't':
        case 'm':
        case 'M':
        case 's':
        case 'j':
            if (!cli_whole(c, "partition",
                           opt == 't'   ? "--target"
                           : opt == 'm' ? "--min"
                           : opt == 'M' ? "--max"
                           : opt == 's' ? "--seed"
                                        : "--threads",
                           optarg, &v))
                return 1;
            sized |= opt != 'j';
            if (opt == 't')
                o.target = v;
            else if (opt == 'm')
                o.min = v;
            else if (opt == 'M')
                o.max = v;
            else if (opt == 's')
                o.seed = (uint64_t)v;
            else
                o.threads = (int)(v > 16 ? 16 : v);
            break;
        case 'n':
            o.name = optarg;
            break;
        case 'k':
            o.keep = optarg;
            break;
        case 'l':
            lock_text = optarg;
            break;
        case 'c':
            comm_text = optarg;
            break;
        case 'd':
            o.division = optarg;
            break;
        case 'W':
            if (strcmp(optarg, "workload") && strcmp(optarg, "households"))
                return cli_usage(c, "partition", "--weight wants households or workload, got '%s'",
                                 optarg);
            o.workload = strcmp(optarg, "workload") == 0;
            break;
        case 'X':
            o.weights_file = optarg;
            break;
        case 'C':
            o.categories_file = optarg;
            break;
        case 'h':
            fputs(partition_help, stdout);
            return 0;
        default:
            return cli_usage(c, "partition", "bad option (see --help)");
        }
    }
    if (!ws_path)
        return cli_usage(c, "partition", "-w WS is required");
    if (optind < argc)
        return cli_usage(c, "partition", "unexpected argument '%s'", argv[optind]);
    if (lock_text) {
        o.nlock = split_list(lock_text, locks, sizeof locks / sizeof locks[0]);
        o.lock = locks;
    }
    if (comm_text) {
        o.ncommunities = split_list(comm_text, comms, sizeof comms / sizeof comms[0]);
        o.communities = comms;
        if (!o.ncommunities)
            return cli_usage(c, "partition", "--communities wants community ids");
        if (sized)
            return cli_usage(c, "partition",
                             "a recut (--communities) keeps the active plan's target, range and "
                             "seed: --target, --min, --max and --seed do not go with it");
    }
    wg_ws *ws = NULL;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    wg_part_summary s;
    cli_progress_on(c);
    st = wg_partition(ws, &o, &s);
    cli_progress_done(c);
    int rc = st == WG_OK ? cli_print_partition(c, ws_path, &o, &s) : cli_fail(c, st);
    cli_warnings(c);
    wg_ws_close(ws);
    return rc;
}

/* ---- plan ----------------------------------------------------------------------------------- */

static const char plan_help[] =
    "usage: wangge plan -w WS list\n"
    "       wangge plan -w WS show PLAN [--cells]\n"
    "       wangge plan -w WS diff A B\n"
    "       wangge plan -w WS activate PLAN\n"
    "       wangge plan -w WS move PLAN UNIT... --to CODE\n"
    "PLAN is a plan's name or id. show prints the summary and every issue with its cause\n"
    "(--cells adds the cell table); diff the households and units that change cell, the cells\n"
    "added, removed and changed, and where each changed cell went; move puts units into cell\n"
    "CODE and says at once whether the touched cells stay in range and in one piece.\n";

static int plan_list(cli *c, wg_ws *ws)
{
    wg_plan_info *p = NULL;
    size_t n = 0;
    wg_status st = wg_ws_plans(ws, &p, &n);
    if (st != WG_OK)
        return cli_fail(c, st);
    char wn[32];
    cli_weight_name(ws, wn);
    if (n == 0)
        printf("no plans yet (make one with: wangge partition -w WS)\n");
    else
        printf("%-4s %-24s %-20s %-8s %8s %12s  %s\n", "id", "name", "created (UTC)", "parent",
               "cells", wn, "");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        time_t t = (time_t)p[i].created;
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
        char parent[24] = "-";
        if (p[i].parent)
            snprintf(parent, sizeof parent, "%lld", (long long)p[i].parent);
        printf("%-4lld %-24s %-20s %-8s %8lld %12lld  %s\n", (long long)p[i].id, p[i].name, when,
               parent, (long long)p[i].cells, (long long)p[i].households,
               p[i].active ? "active" : "");
    }
    free(p);
    return 0;
}

static int plan_show(cli *c, wg_ws *ws, const char *ref, bool cells)
{
    int64_t id;
    wg_status st = wg_plan_find(ws, ref, &id);
    wg_plan_detail d;
    if (st == WG_OK)
        st = wg_plan_detail_get(ws, id, &d);
    if (st != WG_OK)
        return cli_fail(c, st);
    const wg_plan_params *v = &d.values;
    char wn[32];
    cli_weight_name(ws, wn);
    printf("plan %s (id %lld)%s", d.info.name, (long long)id, d.info.active ? ", active" : "");
    if (v->has_range)
        printf(": target %lld, range %lld-%lld %s, seed %llu", (long long)v->target,
               (long long)v->min, (long long)v->max, v->weight, (unsigned long long)v->seed);
    if (v->keep[0])
        printf(", redrawn from %s (%lld cells locked)", v->keep, (long long)v->locked);
    putchar('\n');
    printf("%zu cells, %lld %s\n", d.ncells, (long long)d.info.households, wn);
    if (cells) {
        printf("%-18s %-12s %10s %6s %12s %8s\n", "code", "community", wn, "units", "area_m2",
               "PP");
        for (size_t i = 0; i < d.ncells; i++)
            printf("%-18s %-12s %10lld %6lld %12.0f %8.3f\n", d.cells[i].code, d.cells[i].community,
                   (long long)d.cells[i].households, (long long)d.cells[i].units,
                   d.cells[i].area_m2, d.cells[i].compactness);
    }
    if (d.nissues == 0)
        printf("no issues: every cell in range, in one piece, on one side of every barrier\n");
    else
        printf("%zu issues:\n", d.nissues);
    for (size_t i = 0; i < d.nissues; i++)
        printf("  %-18s %-12s %-10s %s\n", d.issues[i].cell[0] ? d.issues[i].cell : "-",
               d.issues[i].community[0] ? d.issues[i].community : "-", d.issues[i].kind,
               d.issues[i].cause);
    wg_plan_detail_free(&d);
    return 0;
}

static int plan_diff(cli *c, wg_ws *ws, const char *ra, const char *rb)
{
    int64_t a, b;
    wg_status st = wg_plan_find(ws, ra, &a);
    if (st == WG_OK)
        st = wg_plan_find(ws, rb, &b);
    wg_plan_diff d;
    if (st == WG_OK)
        st = wg_plan_diff_get(ws, a, b, &d);
    if (st != WG_OK)
        return cli_fail(c, st);
    char wn[32];
    cli_weight_name(ws, wn);
    printf("%s -> %s\n", ra, rb);
    printf("  %s that change cell  %lld (%lld units)\n", wn, (long long)d.moved_households,
           (long long)d.moved_units);
    printf("  units only in %s / only in %s   %zu / %zu\n", ra, rb, d.only_a_units, d.only_b_units);
    printf("  cells added / removed / changed / same  %zu / %zu / %zu / %zu\n", d.added, d.removed,
           d.changed, d.same);
    if (d.nmap)
        printf("  old -> new (the new cell holding most of the old one's %s):\n", wn);
    for (size_t i = 0; i < d.nmap; i++)
        printf("    %-18s -> %-18s %lld %s\n", d.map[i].from,
               d.map[i].to[0] ? d.map[i].to : "(gone)", (long long)d.map[i].households, wn);
    wg_plan_diff_free(&d);
    return 0;
}

static int plan_move(cli *c, wg_ws *ws, int argc, char **argv)
{
    /* move PLAN UNIT... --to CODE */
    const char *to = NULL;
    const char **units = calloc((size_t)argc + 1, sizeof *units);
    size_t n = 0;
    const char *ref = NULL;
    if (!units) {
        fputs("wangge: out of memory\n", stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (!ref)
            ref = argv[i];
        else
            units[n++] = argv[i];
    }
    int rc = 0;
    if (!ref || !n || !to)
        rc = cli_usage(c, "plan move", "give PLAN, one or more UNIT ids and --to CODE");
    int64_t id = 0;
    wg_move_result r;
    wg_status st = WG_OK;
    if (!rc && (st = wg_plan_find(ws, ref, &id)) == WG_OK)
        st = wg_plan_move(ws, id, units, n, to, &r);
    if (!rc && st != WG_OK)
        rc = cli_fail(c, st);
    char wn[32];
    cli_weight_name(ws, wn);
    if (!rc)
        printf("moved %zu units into %s (now %lld %s; %zu source cells, the last now %lld)\n%s\n",
               n, to, (long long)r.to_households, wn, r.from_cells, (long long)r.from_households,
               r.verdict);
    free(units);
    return rc;
}

int cmd_plan(cli *c, int argc, char **argv)
{
    const char *ws_path = NULL;
    bool cells = false;
    /* -w WS may come anywhere; the rest are positional (move has its own --to). */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    if (!rest)
        return 2;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-w") == 0 || strcmp(argv[i], "--workspace") == 0) && i + 1 < argc)
            ws_path = argv[++i];
        else if (strcmp(argv[i], "--cells") == 0)
            cells = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(plan_help, stdout);
            free(rest);
            return 0;
        } else
            rest[nrest++] = argv[i];
    }
    int rc;
    if (!ws_path || nrest == 0) {
        free(rest);
        return cli_usage(c, "plan", "give -w WS and list, show, diff, activate or move");
    }
    const char *what = rest[0];
    bool known = strcmp(what, "list") == 0 || strcmp(what, "show") == 0 ||
                 strcmp(what, "diff") == 0 || strcmp(what, "activate") == 0 ||
                 strcmp(what, "move") == 0;
    if (!known) {
        free(rest);
        return cli_usage(c, "plan", "unknown action '%s' (list, show, diff, activate, move)", what);
    }
    int need = strcmp(what, "list") == 0 ? 1 : strcmp(what, "diff") == 0 ? 3 : 2;
    if (strcmp(what, "move") != 0 && nrest != need) {
        free(rest);
        return cli_usage(c, "plan", "%s takes %d argument%s", what, need - 1, need == 2 ? "" : "s");
    }
    wg_ws *ws = NULL;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st != WG_OK) {
        free(rest);
        return cli_fail(c, st);
    }
    if (strcmp(what, "list") == 0)
        rc = plan_list(c, ws);
    else if (strcmp(what, "show") == 0)
        rc = plan_show(c, ws, rest[1], cells);
    else if (strcmp(what, "diff") == 0)
        rc = plan_diff(c, ws, rest[1], rest[2]);
    else if (strcmp(what, "activate") == 0) {
        int64_t id;
        st = wg_plan_find(ws, rest[1], &id);
        if (st == WG_OK)
            st = wg_plan_activate(ws, id);
        rc = st == WG_OK ? 0 : cli_fail(c, st);
        if (!rc && !c->quiet)
            printf("plan %s is now active\n", rest[1]);
    } else
        rc = plan_move(c, ws, nrest, rest);
    wg_ws_close(ws);
    free(rest);
    return rc;
}
