/* tests/engine/test_ws.c: creating, opening, migrating and describing workspaces. */
#include "support.h"
#include "wg/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_ws(void);

START_TEST(create_then_open_has_every_layer)
{
    const char *p = t_path(t_dir, "a.wangge");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, p, "EPSG:4549", &ws));
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:4549");
    wg_ws_close(ws);
    T_OK(t_ctx, wg_ws_open(t_ctx, p, &ws));
    ck_assert_int_eq(wg_ws_schema_version(ws), WG_SCHEMA_VERSION);
    wg_layer_info li[WG_NLAYERS];
    T_OK(t_ctx, wg_ws_layer_info(ws, li));
    const wg_layer_def *L = wg_layers();
    for (size_t i = 0; i < WG_NLAYERS; i++) {
        ck_assert_str_eq(li[i].name, L[i].name);
        ck_assert_int_eq(li[i].count, 0);
        ck_assert(!li[i].has_extent);
    }
    wg_plan_info *plans = NULL;
    size_t n = 9;
    T_OK(t_ctx, wg_ws_plans(ws, &plans, &n));
    ck_assert_uint_eq(n, 0);
    free(plans);
    wg_ws_close(ws);
}
END_TEST

/* Every field of wg_layers() is a column of its table: the table and the schema agree. */
START_TEST(layer_table_matches_schema)
{
    const char *p = t_path(t_dir, "s.wangge");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, p, "EPSG:32650", &ws));
    wg_ws_close(ws);
    /* every column read by name from its table, in one run of the sqlite3 shell: it stops at
     * the first statement that does not prepare and names it */
    size_t cap = 1, len = 0;
    const wg_layer_def *L = wg_layers();
    for (size_t i = 0; i < WG_NLAYERS; i++)
        cap += L[i].ncols * 256;
    char *sql = malloc(cap);
    ck_assert_ptr_nonnull(sql);
    sql[0] = '\0';
    for (size_t i = 0; i < WG_NLAYERS; i++)
        for (size_t c = 0; c < L[i].ncols; c++)
            len += (size_t)snprintf(sql + len, cap - len, "SELECT %s FROM %s LIMIT 0;\n",
                                    L[i].cols[c].name, L[i].name);
    ck_assert_uint_lt(len, cap);
    char *out = t_sql(p, sql); /* aborts the test, with the shell's message, on an error */
    ck_assert_str_eq(out, "");
    free(out);
    free(sql);
}
END_TEST

START_TEST(refuses_what_is_not_a_workspace_without_touching_it)
{
    wg_ws *ws = NULL;
    const char *txt = t_path(t_dir, "notes.txt");
    t_write(txt, "just some notes, not a database at all, long enough to look like a file\n");
    ck_assert_int_eq(wg_ws_open(t_ctx, txt, &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "notes.txt: not a wangge workspace"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    t_write(t_path(t_dir, "copy.txt"),
            "just some notes, not a database at all, long enough to look like a file\n");
    ck_assert(t_same_bytes(txt, t_path(t_dir, "copy.txt")));
    wg_ctx_clear(t_ctx);
    /* an SQLite file of another application */
    const char *other = t_path(t_dir, "other.sqlite");
    ck_assert_int_eq(t_sh("sqlite3 '%s' 'CREATE TABLE t(a); INSERT INTO t VALUES (1);'", other), 0);
    t_copy(other, t_path(t_dir, "other.copy"));
    ck_assert_int_eq(wg_ws_open(t_ctx, other, &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "made by something else"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    ck_assert(t_same_bytes(other, t_path(t_dir, "other.copy")));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_ws_open(t_ctx, t_path(t_dir, "missing.wangge"), &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "no such workspace"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
}
END_TEST

START_TEST(create_refuses_existing_and_non_metric)
{
    wg_ws *ws = NULL;
    const char *p = t_path(t_dir, "x.wangge");
    ck_assert_int_eq(wg_ws_create(t_ctx, p, "EPSG:4326", &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "not a projected CRS in metres"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    ck_assert_int_ne(t_sh("test -e '%s'", p), 0); /* no half-made file left */
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_ws_create(t_ctx, p, "EPSG:2263", &ws), WG_EINPUT); /* US feet */
    wg_ctx_clear(t_ctx);
    T_OK(t_ctx, wg_ws_create(t_ctx, p, NULL, &ws));
    ck_assert_ptr_null(wg_ws_crs(ws));
    wg_ws_close(ws);
    ck_assert_int_eq(wg_ws_create(t_ctx, p, NULL, &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "already exists"), "got: %s", wg_ctx_errmsg(t_ctx));
}
END_TEST

START_TEST(newer_schema_is_refused_older_is_migrated)
{
    const char *p = t_path(t_dir, "v.wangge");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, p, "EPSG:4549", &ws));
    wg_ws_close(ws);
    ck_assert_int_eq(t_sh("sqlite3 '%s' 'PRAGMA user_version = 99'", p), 0);
    ck_assert_int_eq(wg_ws_open(t_ctx, p, &ws), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "newer"), "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    /* version 0 with our application id: an empty workspace, migrated to the current schema */
    const char *q = t_path(t_dir, "old.wangge");
    ck_assert_int_eq(t_sh("sqlite3 '%s' 'PRAGMA application_id = 1464289093; CREATE TABLE "
                          "x(a);'",
                          q),
                     0);
    T_OK(t_ctx, wg_ws_open(t_ctx, q, &ws));
    ck_assert_int_eq(wg_ws_schema_version(ws), WG_SCHEMA_VERSION);
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_ws(void)
{
    TCase *tc = tcase_create("ws");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_then_open_has_every_layer);
    tcase_add_test(tc, layer_table_matches_schema);
    tcase_add_test(tc, refuses_what_is_not_a_workspace_without_touching_it);
    tcase_add_test(tc, create_refuses_existing_and_non_metric);
    tcase_add_test(tc, newer_schema_is_refused_older_is_migrated);
    return tc;
}
