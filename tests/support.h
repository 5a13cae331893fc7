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
/* The names in folder dir (hidden ones too), sorted, one per line; "" when it is empty.
 * Caller frees. */
char *t_listing(const char *dir);
/* Appends printf-style text to the string in buf (size bytes); fails the test if it does not fit.
 */
void t_append(char *buf, size_t size, const char *fmt, ...) WG_PRINTF(3, 4);
/* The path of a real data set under WG_REALDATA_DIR; the test fails when it is missing. Tests
 * that call it belong to a test case tagged "realdata" (T_REALDATA_TAG): ctest runs those as
 * check_realdata, reported as skipped as a whole when the folder is absent. */
#define T_REALDATA_TAG "realdata"
/* Set by `check_render --update-golden` (the golden-update target): golden tests write their
 * references instead of comparing. Nothing else sets it. */
extern bool t_update_golden;
const char *t_realdata(const char *rel);
/* Runs a shell command; returns its exit status (-1 if it could not run). */
int t_sh(const char *fmt, ...) WG_PRINTF(1, 2);

/* The workspace file as any SQLite tool sees it: runs `sql` (one statement or several) with the
 * sqlite3 shell, SpatiaLite loaded, and returns what it prints — rows separated by '\n',
 * fields by '|', NULL as "NULL" — in a malloc'd string without the last newline. Aborts the
 * test when the shell fails. The suites look at the file this way so that nothing outside the
 * store includes SQLite. */
char *t_sql(const char *path, const char *sql);
/* The first field of the first row as a number (aborts when there is no row). */
long long t_sql_int(const char *path, const char *sql);
double t_sql_num(const char *path, const char *sql);
/* The same in the shell's quote mode: every real with all its digits (it reads back to the same
 * bits), text 'quoted' (a ' inside doubled; text holding a newline comes out as an expression
 * t_field_next() does not read), NULL as NULL, fields separated by ','. */
char *t_sql_quoted(const char *path, const char *sql);
/* The first field of the first row as SQLite's column_double() reads it: a real to the last bit,
 * NULL as 0. Aborts when there is no row. */
double t_sql_real(const char *path, const char *sql);
/* ... as SQLite's column_int64() reads it: a real truncated toward zero, NULL as 0. */
long long t_sql_i64(const char *path, const char *sql);

/* One field of t_sql_quoted() output, read from *p, which is moved past it and its ',' (not
 * past the '\n' ending a row). */
typedef struct t_field {
    enum { T_NULL, T_INT, T_REAL, T_TEXT, T_BLOB } type;
    long long i; /* T_INT */
    double r;    /* T_INT and T_REAL: the value as SQLite's column_double() gives it */
    char *s;     /* T_TEXT: the text (malloc'd; t_field_free); NULL otherwise */
} t_field;
t_field t_field_next(const char **p);
void t_field_free(t_field *f);
/* The next field as a number, as SQLite's column_double() reads it (NULL as 0). */
double t_field_real(const char **p);

/* The geometry of a WKT text, read with t_ctx (aborting the test when it does not parse);
 * caller frees it with wg_geom_free(t_ctx, g). */
wg_geom *t_wkt(const char *text);

/* Fails the test with the context's message unless st is WG_OK. */
#define T_OK(ctx, expr)                                                                            \
    do {                                                                                           \
        wg_status t_st_ = (expr);                                                                  \
        ck_assert_msg(t_st_ == WG_OK, "%s failed: %s", #expr, wg_ctx_errmsg(ctx));                 \
    } while (0)

#endif
