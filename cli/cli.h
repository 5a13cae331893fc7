/* cli/cli.h: what the subcommands share — the context, output helpers, progress. Only cli/
 * parses arguments or prints. */
#ifndef WG_CLI_H
#define WG_CLI_H

#include "wg/core.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct cli {
    wg_ctx *ctx;
    bool quiet; /* --quiet: no progress, no chatter */
    const char *prog;
    char command[512]; /* the command line, for the workspace's record of who changed what */
} cli;

/* Each subcommand: parses argv (argv[0] is the subcommand's name) and returns the exit
 * status: 0 success, 1 bad input or usage, 2 internal failure. */
int cmd_init(cli *c, int argc, char **argv);
int cmd_info(cli *c, int argc, char **argv);
int cmd_copy(cli *c, int argc, char **argv);
int cmd_import(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
int cmd_lattice(cli *c, int argc, char **argv);
int cmd_serve(cli *c, int argc, char **argv);
int cmd_demo_data(cli *c, int argc, char **argv);
int cmd_demo(cli *c, int argc, char **argv);
int cmd_partition(cli *c, int argc, char **argv);
int cmd_plan(cli *c, int argc, char **argv);
int cmd_assign(cli *c, int argc, char **argv);
int cmd_report(cli *c, int argc, char **argv);
/* Prints a report as a table with its summary, as CSV or as JSON (format). */
struct wg_report;
int cli_report_print(cli *c, FILE *f, const struct wg_report *r, const char *format);
/* Writes it to path atomically (a temporary file beside it, then a rename). */
int cli_report_write(cli *c, const char *path, const struct wg_report *r, const char *format);

/* The exit status of a status: 0, 1 for bad input or usage, 130 interrupted, 2 otherwise. */
int cli_exit_code(wg_status st);
/* Prints "wangge: <message>" for the error on ctx and returns the exit status for it (the
 * context's error decides when it has one; st otherwise). */
int cli_fail(cli *c, wg_status st);
/* Prints a usage error ("wangge import: ...") and returns 1. */
int cli_usage(cli *c, const char *cmd, const char *fmt, ...) WG_PRINTF(3, 4);
/* Prints the warnings kept on ctx to stderr ("warning: ..."), with a count of the rest. */
void cli_warnings(cli *c);
/* Turns progress on for a terminal (stderr is a TTY and not --quiet). Ends a progress line. */
void cli_progress_on(cli *c);
void cli_progress_done(cli *c);
struct wg_import_result;
struct wg_ws;
/* Opens the workspace at path (wg_ws_open) and tells it the command line. Returns the status;
 * the error is on c->ctx. */
wg_status cli_open(cli *c, const char *path, struct wg_ws **ws);
/* Creates one (wg_ws_create), likewise. */
wg_status cli_create(cli *c, const char *path, const char *crs, struct wg_ws **ws);
/* Prints what an import did (unless --quiet). */
void cli_print_import(cli *c, const char *layer, const char *source,
                      const struct wg_import_result *r);
/* Prints the layers table and the plans of an open workspace; returns an exit status. */
int cli_print_info(cli *c, struct wg_ws *ws);
struct wg_part_opts;
struct wg_part_summary;
/* Prints a partition's summary table (unless --quiet); returns 0. */
int cli_print_partition(cli *c, const char *ws_path, const struct wg_part_opts *o,
                        const struct wg_part_summary *s);
/* Parses option `name`'s whole number (>= 0) for subcommand cmd; false (after a usage
 * message) when it is not one. */
bool cli_whole(cli *c, const char *cmd, const char *name, const char *text, int64_t *out);
struct wg_assign_result;
/* Prints an assignment's figures: of a run (run: with what it located and its time), or as
 * stored (for info). */
void cli_print_assign(struct wg_ws *ws, const struct wg_assign_result *r, bool run);
/* Parses --from/--to (ISO 8601 dates or times; --tz gives the zone of those without one,
 * default UTC) into t0/t1, leaving unset ones alone; false (after a usage message) on error. */
bool cli_period(cli *c, const char *cmd, const char *from, const char *to, const char *tzname,
                int64_t *t0, int64_t *t1);
/* Splits a comma-separated list in place into at most max items; returns their count. */
size_t cli_split(char *list, const char **out, size_t max);
int cmd_render(cli *c, int argc, char **argv);
int cmd_atlas(cli *c, int argc, char **argv);
/* "1,234,567" into buf. */
/* What the workspace's units count ("households", "residents", ...) into out[32]; "households"
 * when it cannot be read. */
void cli_weight_name(struct wg_ws *ws, char out[32]);
const char *cli_num(long long v, char *buf, size_t n);

#endif
