/* tests/support.h: small helpers the check suites share — temporary folders, files, the
 * real-data folder. */
#ifndef WG_TEST_SUPPORT_H
#define WG_TEST_SUPPORT_H

#include "wg/core.h"
#include "wg/vio.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#define WG_FIXTURE(name) WG_FIXTURES_DIR "/" name

/* The checked fixture most test cases use (tcase_add_checked_fixture(tc, t_setup,
 * t_teardown)): a fresh context in t_ctx and a fresh temporary folder in t_dir, per test, in
 * the forked child; both are gone after the test. */
extern wg_ctx *t_ctx;
extern char *t_dir;
void t_setup(void);
void t_teardown(void);

/* A new empty folder under $TMPDIR (or /tmp); caller frees the string and removes the tree
 * with t_rmtree(). Aborts the test on failure. */
char *t_tmpdir(void);
void t_rmtree(const char *dir);
/* "dir/name" in a static rotating buffer (valid for the next 7 calls). */
const char *t_path(const char *dir, const char *name);
/* Writes text to path (aborting the test on failure). */
void t_write(const char *path, const char *text);
/* The whole file in a malloc'd buffer (NUL-terminated) and its size; NULL if unreadable. */
char *t_read(const char *path, size_t *len);
/* True when both files exist and hold the same bytes. */
bool t_same_bytes(const char *a, const char *b);
void t_copy(const char *from, const char *to);
/* The path of a real data set under WG_REALDATA_DIR, or NULL (and a note on stderr saying
 * the test is skipped) when the folder is absent. */
const char *t_realdata(const char *rel);
/* Runs a shell command; returns its exit status (-1 if it could not run). */
int t_sh(const char *fmt, ...) WG_PRINTF(1, 2);

/* The geometry of a WKT text, read with t_ctx's GEOS handle (aborting the test when it does
 * not parse); caller destroys it. */
GEOSGeometry *t_wkt(const char *text);

/* Fails the test with the context's message unless st is WG_OK. */
#define T_OK(ctx, expr)                                                                            \
    do {                                                                                           \
        wg_status t_st_ = (expr);                                                                  \
        ck_assert_msg(t_st_ == WG_OK, "%s failed: %s", #expr, wg_ctx_errmsg(ctx));                 \
    } while (0)

#endif
