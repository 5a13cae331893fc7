/* cli/main.c: the wangge command — finds the subcommand and runs it. */
#include "cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    int (*run)(cli *, int, char **);
    const char *help;
} commands[] = {
    {"init", cmd_init, "init -w WS [--crs EPSG:N]          create a workspace"},
    {"info", cmd_info, "info -w WS                         layers, counts, extents, CRS, plans"},
    {"import", cmd_import, "import -w WS LAYER SOURCE [...]   bring a data set into a layer"},
    {"export", cmd_export, "export -w WS LAYER DEST            write a layer to any OGR format"},
    {"copy", cmd_copy, "copy -w SRC DEST                   a whole workspace, file <-> PostGIS"},
    {"lattice", cmd_lattice,
     "lattice -w WS -o FILE [--cell M]    square units over the incidents, for a district "
     "without units"},
    {"partition", cmd_partition,
     "partition -w WS [--target N --min N --max N]  cut units into a plan of cells"},
    {"plan", cmd_plan, "plan -w WS list|show|diff|activate|move   plans and their cells"},
    {"assign", cmd_assign, "assign -w WS [--plan P]            incidents and cameras to cells"},
    {"report", cmd_report, "report -w WS [--by cell|worker|community]  workload and coverage"},
    {"render", cmd_render, "render -w WS MAP|audit -o OUT      maps: heatmap, plan, workload, ..."},
    {"serve", cmd_serve, "serve -w WS [--listen HOST:PORT]   the command center's HTTP service"},
    {"atlas", cmd_atlas,
     "atlas -w WS -o OUT.pdf             one page per community, with its table"},
    {"demo-data", cmd_demo_data, "demo-data --scale S --seed N -o DIR  write a sample city"},
    {"demo", cmd_demo, "demo [--scale S] [-o DIR]          the sample city through the whole flow"},
};

static wg_ctx *the_ctx;
static volatile sig_atomic_t signals;

/* The first SIGINT or SIGTERM asks the command to stop: long loops notice, roll back and leave
 * no output file (exit 130). A second one stops at once: the workspace is as safe as after a
 * kill (an unfinished transaction never counts), and a file being written stays a hidden
 * temporary beside its destination. */
static void on_signal(int sig)
{
    (void)sig;
    if (++signals > 1) {
        static const char msg[] = "wangge: interrupted again: stopping now\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    if (the_ctx)
        wg_ctx_cancel(the_ctx);
}

/* "wangge import -w ws.wangge incidents new.csv": what this run is, for the workspace's record
 * of what changed what, and for another writer kept waiting. Cut at the buffer's end. */
static void command_line(cli *c, int argc, char **argv)
{
    size_t n = (size_t)snprintf(c->command, sizeof c->command, "%s", c->prog);
    for (int i = 0; i < argc && n < sizeof c->command; i++)
        n += (size_t)snprintf(c->command + n, sizeof c->command - n,
                              strchr(argv[i], ' ') ? " '%s'" : " %s", argv[i]);
}

static void usage(FILE *fp)
{
    fputs("usage: wangge [--quiet] COMMAND [options]\n\ncommands:\n", fp);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  wangge %s\n", commands[i].help);
    fputs("\n'wangge COMMAND --help' tells more. Exit status: 0 success, 1 bad input or usage, "
          "2 internal failure.\n",
          fp);
}

int main(int argc, char **argv)
{
    cli c = {.prog = "wangge"};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            c.quiet = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "wangge: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 1;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 1;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[i], commands[k].name) != 0)
            continue;
        c.ctx = wg_ctx_new();
        if (!c.ctx) {
            fputs("wangge: out of memory\n", stderr);
            return 2;
        }
        the_ctx = c.ctx;
        command_line(&c, argc - i, argv + i);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        int rc = commands[k].run(&c, argc - i, argv + i);
        /* the exit status follows the context: an error kept there is never a success */
        wg_status st = wg_ctx_status(c.ctx);
        if (st != WG_OK && rc == 0)
            rc = cli_fail(&c, st);
        else if (st != WG_OK)
            rc = cli_exit_code(st);
        the_ctx = NULL;
        wg_ctx_free(c.ctx);
        return rc;
    }
    fprintf(stderr, "wangge: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 1;
}
