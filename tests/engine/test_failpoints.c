/* tests/engine/test_failpoints.c: every command fails cleanly wherever it is stopped: by a
 * cancellation at any of its checks, or by an allocation that fails. Each operation (import,
 * partition, assign --full, report, export) is run once to count its cancellation checks
 * (wg_ctx_cancel_checks) and its allocations (wg_alloc_count), then again from a copy of the
 * same workspace with the k-th check answering "cancelled" (wg_ctx_cancel_after), or the k-th
 * allocation failing (wg_alloc_fail_after), for k spread over the whole run: each such run
 * returns WG_EINTR, or WG_ENOMEM, the workspace file is byte-for-byte as before, no output
 * file (nor a temporary beside it) is left, and (under ASan) nothing leaks. The cases are
 * tagged "failpoints": ctest runs them as check_failpoints, beside check_engine. */
#include "support.h"
#include "support_engine.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_cancel(void);
TCase *tcase_allocfail(void);

static char *base_dir; /* the small city, imported, partitioned and assigned */

static void base_setup(void)
{
    base_dir = t_assigned_small_city();
}

static void base_teardown(void)
{
    t_rmtree(base_dir);
    free(base_dir);
}

typedef enum {
    OP_IMPORT,
    OP_PARTITION,
    OP_ASSIGN,
    OP_REPORT,
    OP_EXPORT_GPKG,
    OP_EXPORT_SHP,
    NOPS
} op;
static const char *const OP_NAME[NOPS] = {"import", "partition",    "assign --full",
                                          "report", "export .gpkg", "export .shp"};

/* Runs operation k on ws, writing any output into out_dir. */
static wg_status run_op(op k, wg_ws *ws, const char *out_dir)
{
    switch (k) {
    case OP_IMPORT: {
        wg_import_result r;
        return wg_import(ws, "incidents", t_path(base_dir, "incidents.fgb"), NULL, &r);
    }
    case OP_PARTITION: {
        wg_part_opts o = {.target = 300, .min = 240, .max = 360, .seed = 2, .name = "p2"};
        wg_part_summary s;
        return wg_partition(ws, &o, &s);
    }
    case OP_ASSIGN: {
        wg_assign_opts o = {.full = true};
        wg_assign_result r;
        return wg_assign(ws, &o, &r);
    }
    case OP_REPORT: {
        wg_report_opts o = {.by = WG_BY_CELL, .from = INT64_MIN, .to = INT64_MAX};
        wg_report r;
        wg_status st = wg_report_make(ws, &o, &r);
        if (st == WG_OK)
            wg_report_free(&r);
        return st;
    }
    case OP_EXPORT_GPKG:
    case OP_EXPORT_SHP: {
        int64_t n = 0;
        return wg_export(ws, k == OP_EXPORT_GPKG ? "incidents" : "cells",
                         t_path(out_dir, k == OP_EXPORT_GPKG ? "out.gpkg" : "out.shp"), 0, &n);
    }
    default:
        return WG_EINTERNAL;
    }
}

/* One operation walked over its fail points: the base workspace copied to `ws` for each run,
 * outputs into `out`. */
typedef struct walk {
    op k;
    char ws[4096], out[4096], before[4096];
} walk;

static void walk_init(walk *w, op k, const char *name)
{
    w->k = k;
    snprintf(w->ws, sizeof w->ws, "%s", t_path(t_dir, name));
    snprintf(w->out, sizeof w->out, "%s", t_path(t_dir, "out"));
    snprintf(w->before, sizeof w->before, "%s", t_path(base_dir, "base.wangge"));
    ck_assert_int_eq(t_sh("mkdir -p '%s'", w->out), 0);
}

/* Runs the operation from the base workspace with arm(at) in force (arm(0) after), or with
 * nothing armed when arm is NULL; how much count() went up meanwhile goes to *used. */
static wg_status walk_run(walk *w, void (*arm)(long), long at, long (*count)(void), long *used)
{
    t_copy(w->before, w->ws);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, w->ws, &ws));
    long c0 = count ? count() : 0;
    if (arm)
        arm(at);
    wg_status st = run_op(w->k, ws, w->out);
    if (arm)
        arm(0);
    if (used)
        *used = count() - c0;
    wg_ws_close(ws);
    return st;
}

/* After a run stopped at `what`: the workspace file as before and no file in the output
 * folder. */
static void walk_left_nothing(const walk *w, const char *what)
{
    ck_assert_msg(t_same_bytes(w->before, w->ws), "%s %s changed the workspace", OP_NAME[w->k],
                  what);
    char *ls = t_listing(w->out);
    ck_assert_msg(strcmp(ls, "") == 0, "%s %s left files: %s", OP_NAME[w->k], what, ls);
    free(ls);
}

static void cancel_after(long n)
{
    wg_ctx_cancel_after(t_ctx, n);
}

static long cancel_checks(void)
{
    return wg_ctx_cancel_checks(t_ctx);
}

START_TEST(cancelled_anywhere_leaves_everything_as_it_was)
{
    walk w;
    walk_init(&w, (op)_i, "c.wangge");
    op k = w.k;
    /* a whole run: how many checks it makes */
    long checks = 0;
    T_OK(t_ctx, walk_run(&w, NULL, 0, cancel_checks, &checks));
    bool writes = k == OP_IMPORT || k == OP_PARTITION || k == OP_ASSIGN;
    ck_assert_msg(t_same_bytes(w.before, w.ws) != writes, "%s: a whole run %s the workspace file",
                  OP_NAME[k], writes ? "did not change" : "changed");
    ck_assert_msg(checks >= 3, "%s checks for cancellation only %ld times", OP_NAME[k], checks);
    ck_assert_int_eq(t_sh("rm -rf '%s' && mkdir '%s'", w.out, w.out), 0);
    /* cancelled at the first check, the last, and ten between */
    enum { POINTS = 12 };
    int interrupted = 0;
    for (int p = 0; p < POINTS; p++) {
        long at = 1 + (checks - 1) * p / (POINTS - 1);
        wg_status st = walk_run(&w, cancel_after, at, NULL, NULL);
        /* the last check may come after the last write: then the run is simply complete */
        if (!(st == WG_OK && at == checks)) {
            ck_assert_msg(st == WG_EINTR, "%s cancelled at check %ld of %ld: status %s (%s)",
                          OP_NAME[k], at, checks, wg_status_str(st), wg_ctx_errmsg(t_ctx));
            interrupted++;
            char what[80];
            snprintf(what, sizeof what, "cancelled at check %ld of %ld", at, checks);
            walk_left_nothing(&w, what);
        }
        wg_ctx_clear(t_ctx);
    }
    ck_assert_int_ge(interrupted, POINTS - 1);
    fprintf(stderr, "cancel: %s: %ld checks, %d cancelled runs, each left nothing behind\n",
            OP_NAME[k], checks, interrupted);
}
END_TEST

TCase *tcase_cancel(void)
{
    TCase *tc = tcase_create("cancel");
    tcase_set_tags(tc, "failpoints");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, cancelled_anywhere_leaves_everything_as_it_was, 0, NOPS);
    return tc;
}

START_TEST(failed_allocations_leave_everything_as_it_was)
{
    walk w;
    walk_init(&w, (op)_i, "a.wangge");
    op k = w.k;
    long allocs = 0;
    T_OK(t_ctx, walk_run(&w, NULL, 0, wg_alloc_count, &allocs));
    ck_assert_int_eq(t_sh("rm -rf '%s' && mkdir '%s'", w.out, w.out), 0);
    ck_assert_msg(allocs > 0, "%s allocates nothing through wg_malloc", OP_NAME[k]);
    /* the first 8 allocations, then 24 spread over the rest */
    enum { FIRST = 8, SPREAD = 24 };
    int failed = 0, tried = 0;
    for (int p = 0; p < FIRST + SPREAD; p++) {
        long at = p < FIRST ? p + 1 : FIRST + 1 + (allocs - FIRST - 1) * (p - FIRST) / (SPREAD - 1);
        if (at > allocs || (p > 0 && at <= (p < FIRST ? p : FIRST)))
            continue;
        tried++;
        wg_status st = walk_run(&w, wg_alloc_fail_after, at, NULL, NULL);
        /* never a success: a run that went on without what it could not allocate would give
         * another result than the one asked for, and say nothing */
        ck_assert_msg(st == WG_ENOMEM, "%s with allocation %ld of %ld failing: status %s (%s)",
                      OP_NAME[k], at, allocs, wg_status_str(st), wg_ctx_errmsg(t_ctx));
        failed++;
        char what[80];
        snprintf(what, sizeof what, "with allocation %ld failing", at);
        walk_left_nothing(&w, what);
        wg_ctx_clear(t_ctx);
    }
    ck_assert_int_eq(failed, tried);
    fprintf(stderr,
            "allocfail: %s: %ld allocations, %d failure points tried, %d ended in WG_ENOMEM, "
            "each leaving nothing behind\n",
            OP_NAME[k], allocs, tried, failed);
}
END_TEST

TCase *tcase_allocfail(void)
{
    TCase *tc = tcase_create("allocfail");
    tcase_set_tags(tc, "failpoints");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, failed_allocations_leave_everything_as_it_was, 0, NOPS);
    return tc;
}
