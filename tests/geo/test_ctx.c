/* tests/geo/test_ctx.c: the context — first error wins, where-prefixes, warnings, buffers. */
#include "support.h"
#include "wg/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_ctx(void);

START_TEST(first_error_wins)
{
    wg_ctx *ctx = wg_ctx_new();
    ck_assert_int_eq(wg_fail(ctx, WG_EINPUT, "feature %d: bad", 17), WG_EINPUT);
    wg_fail(ctx, WG_EIO, "later failure");
    ck_assert_int_eq(wg_ctx_status(ctx), WG_EINPUT);
    wg_ctx_where(ctx, "import %s: ", "units.gpkg");
    ck_assert_str_eq(wg_ctx_errmsg(ctx), "import units.gpkg: feature 17: bad");
    wg_ctx_clear(ctx);
    ck_assert_int_eq(wg_ctx_status(ctx), WG_OK);
    ck_assert_str_eq(wg_ctx_errmsg(ctx), "");
    wg_ctx_free(ctx);
    wg_ctx_free(NULL);
}
END_TEST

START_TEST(warnings_are_counted_and_kept)
{
    wg_ctx *ctx = wg_ctx_new();
    for (int i = 0; i < WG_WARN_KEEP + 5; i++)
        wg_warn(ctx, "warning %d", i);
    ck_assert_uint_eq(wg_ctx_warning_count(ctx), WG_WARN_KEEP + 5);
    ck_assert_str_eq(wg_ctx_warning(ctx, 3), "warning 3");
    ck_assert_int_eq(wg_ctx_status(ctx), WG_OK);
    wg_ctx_free(ctx);
}
END_TEST

START_TEST(buffer_grows_and_caps)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_buf b;
    wg_buf_init(&b, 64);
    ck_assert_str_eq(wg_buf_str(&b), "");
    T_OK(ctx, wg_buf_addf(ctx, &b, "%s-%d", "abc", 42));
    ck_assert_str_eq(wg_buf_str(&b), "abc-42");
    char big[100];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(wg_buf_add(ctx, &b, big, sizeof big), WG_ENOMEM);
    ck_assert_str_eq(wg_buf_str(&b), "abc-42"); /* unchanged on failure */
    wg_buf_fini(&b);
    wg_ctx_free(ctx);
}
END_TEST

static int calls;
static void count_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    (void)stage;
    (void)done;
    (void)total;
    *(int *)user += 1;
    calls++;
}

START_TEST(progress_hook_and_cancel)
{
    wg_ctx *ctx = wg_ctx_new();
    int n = 0;
    wg_progress(ctx, "nothing", 1, 2); /* no hook: nothing happens */
    wg_ctx_set_progress(ctx, count_progress, &n);
    wg_progress(ctx, "stage", 1, 2);
    ck_assert_int_eq(n, 1);
    ck_assert(!wg_ctx_cancelled(ctx));
    wg_ctx_cancel(ctx);
    ck_assert(wg_ctx_cancelled(ctx));
    wg_ctx_free(ctx);
}
END_TEST

/* The string map through its growth: every key keeps its value, copies are kept, a missing key
 * is -1, and setting a key again changes it in place. */
START_TEST(strmap_grows_and_keeps_keys)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_strmap m = {0};
    ck_assert_int_eq(wg_strmap_get(&m, "a"), -1);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "cell-%d", i);
        ck_assert_int_eq(wg_strmap_set(ctx, &m, key, i), WG_OK);
    }
    snprintf(key, sizeof key, "overwritten"); /* the map holds its own copies */
    ck_assert_uint_eq(m.n, 5000);
    ck_assert(m.cap >= 2 * m.n);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "cell-%d", i);
        ck_assert_int_eq(wg_strmap_get(&m, key), i);
    }
    ck_assert_int_eq(wg_strmap_get(&m, "cell-5000"), -1);
    ck_assert_int_eq(wg_strmap_get(&m, ""), -1);
    ck_assert_int_eq(wg_strmap_set(ctx, &m, "cell-7", 70), WG_OK);
    ck_assert_int_eq(wg_strmap_get(&m, "cell-7"), 70);
    ck_assert_uint_eq(m.n, 5000);
    wg_strmap_free(&m);
    ck_assert_int_eq(wg_strmap_get(&m, "cell-7"), -1);
    wg_ctx_free(ctx);
}
END_TEST

TCase *tcase_ctx(void)
{
    TCase *tc = tcase_create("ctx");
    tcase_add_test(tc, first_error_wins);
    tcase_add_test(tc, warnings_are_counted_and_kept);
    tcase_add_test(tc, buffer_grows_and_caps);
    tcase_add_test(tc, progress_hook_and_cancel);
    tcase_add_test(tc, strmap_grows_and_keeps_keys);
    return tc;
}
