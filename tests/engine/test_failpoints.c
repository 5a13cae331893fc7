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

/* The names in a folder, one per line ("" when empty). */
static char *listing(const char *dir)
{
    char list[4200];
    snprintf(list, sizeof list, "%s.ls", dir);
    ck_assert_int_eq(t_sh("ls -A '%s' > '%s'", dir, list), 0);
    char *s = t_read(list, NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(cancelled_anywhere_leaves_everything_as_it_was)
{
    op k = (op)_i;
    char ws_path[4096], out_dir[4096], before[4096];
    snprintf(ws_path, sizeof ws_path, "%s", t_path(t_dir, "c.wangge"));
    snprintf(out_dir, sizeof out_dir, "%s", t_path(t_dir, "out"));
    snprintf(before, sizeof before, "%s", t_path(base_dir, "base.wangge"));
    ck_assert_int_eq(t_sh("mkdir -p '%s'", out_dir), 0);
    /* a whole run: how many checks it makes */
    t_copy(before, ws_path);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
    long c0 = wg_ctx_cancel_checks(t_ctx);
    T_OK(t_ctx, run_op(k, ws, out_dir));
    long checks = wg_ctx_cancel_checks(t_ctx) - c0;
    wg_ws_close(ws);
    bool writes = k == OP_IMPORT || k == OP_PARTITION || k == OP_ASSIGN;
    ck_assert_msg(t_same_bytes(before, ws_path) != writes, "%s: a whole run %s the workspace file",
                  OP_NAME[k], writes ? "did not change" : "changed");
    ck_assert_msg(checks >= 3, "%s checks for cancellation only %ld times", OP_NAME[k], checks);
    ck_assert_int_eq(t_sh("rm -rf '%s' && mkdir '%s'", out_dir, out_dir), 0);
    /* cancelled at the first check, the last, and ten between */
    enum { POINTS = 12 };
    int interrupted = 0;
    for (int p = 0; p < POINTS; p++) {
        long at = 1 + (checks - 1) * p / (POINTS - 1);
        t_copy(before, ws_path);
        T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
        wg_ctx_cancel_after(t_ctx, at);
        wg_status st = run_op(k, ws, out_dir);
        wg_ctx_cancel_after(t_ctx, 0);
        wg_ws_close(ws);
        /* the last check may come after the last write: then the run is simply complete */
        if (st == WG_OK && at == checks)
            goto next;
        ck_assert_msg(st == WG_EINTR, "%s cancelled at check %ld of %ld: status %s (%s)",
                      OP_NAME[k], at, checks, wg_status_str(st), wg_ctx_errmsg(t_ctx));
        interrupted++;
        ck_assert_msg(t_same_bytes(before, ws_path),
                      "%s cancelled at check %ld of %ld changed the workspace", OP_NAME[k], at,
                      checks);
        char *ls = listing(out_dir);
        ck_assert_msg(strcmp(ls, "") == 0, "%s cancelled at check %ld left files: %s", OP_NAME[k],
                      at, ls);
        free(ls);
    next:
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
    op k = (op)_i;
    char ws_path[4096], out_dir[4096], before[4096];
    snprintf(ws_path, sizeof ws_path, "%s", t_path(t_dir, "a.wangge"));
    snprintf(out_dir, sizeof out_dir, "%s", t_path(t_dir, "out"));
    snprintf(before, sizeof before, "%s", t_path(base_dir, "base.wangge"));
    ck_assert_int_eq(t_sh("mkdir -p '%s'", out_dir), 0);
    t_copy(before, ws_path);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
    long a0 = wg_alloc_count();
    T_OK(t_ctx, run_op(k, ws, out_dir));
    long allocs = wg_alloc_count() - a0;
    wg_ws_close(ws);
    ck_assert_int_eq(t_sh("rm -rf '%s' && mkdir '%s'", out_dir, out_dir), 0);
    ck_assert_msg(allocs > 0, "%s allocates nothing through wg_malloc", OP_NAME[k]);
    /* the first 8 allocations, then 24 spread over the rest */
    enum { FIRST = 8, SPREAD = 24 };
    int failed = 0, tried = 0;
    for (int p = 0; p < FIRST + SPREAD; p++) {
        long at = p < FIRST ? p + 1 : FIRST + 1 + (allocs - FIRST - 1) * (p - FIRST) / (SPREAD - 1);
        if (at > allocs || (p > 0 && at <= (p < FIRST ? p : FIRST)))
            continue;
        tried++;
        t_copy(before, ws_path);
        T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
        wg_alloc_fail_after(at);
        wg_status st = run_op(k, ws, out_dir);
        wg_alloc_fail_after(0);
        wg_ws_close(ws);
        /* never a success: a run that went on without what it could not allocate would give
         * another result than the one asked for, and say nothing */
        ck_assert_msg(st == WG_ENOMEM, "%s with allocation %ld of %ld failing: status %s (%s)",
                      OP_NAME[k], at, allocs, wg_status_str(st), wg_ctx_errmsg(t_ctx));
        failed++;
        ck_assert_msg(t_same_bytes(before, ws_path),
                      "%s with allocation %ld failing changed the workspace", OP_NAME[k], at);
        char *ls = listing(out_dir);
        ck_assert_msg(strcmp(ls, "") == 0, "%s with allocation %ld failing left files: %s",
                      OP_NAME[k], at, ls);
        free(ls);
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
