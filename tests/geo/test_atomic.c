/* tests/geo/test_atomic.c: files written whole or not at all (wg/atomic.h): a committed write
 * replaces the file and leaves nothing else in the folder; an abandoned one leaves the old file
 * as it was; two writers never share a temporary; a set of files replaces exactly its own
 * files; bad destinations are refused naming the path. */
#include "support.h"
#include "wg/atomic.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TCase *tcase_atomic(void);

static void has(const char *path, const char *text)
{
    char *s = t_read(path, NULL);
    ck_assert_msg(s != NULL, "%s: missing", path);
    ck_assert_str_eq(s, text);
    free(s);
}

START_TEST(a_file_is_replaced_whole_or_left_alone)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", t_path(t_dir, "out"));
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s", t_path(dir, "map.csv"));
    t_write(path, "old\n");
    /* abandoned: the old file stays, nothing else is left */
    wg_atomic *a = NULL;
    T_OK(t_ctx, wg_atomic_begin(t_ctx, path, false, &a));
    fputs("half of a new", wg_atomic_stream(a));
    T_OK(t_ctx, wg_atomic_end(t_ctx, a, false));
    has(path, "old\n");
    char *ls = t_listing(dir);
    ck_assert_str_eq(ls, "map.csv\n");
    free(ls);
    /* two writers at once: each its own temporary; the last to commit wins, whole */
    wg_atomic *b = NULL, *c = NULL;
    T_OK(t_ctx, wg_atomic_begin(t_ctx, path, false, &b));
    T_OK(t_ctx, wg_atomic_begin(t_ctx, path, false, &c));
    ck_assert_str_ne(wg_atomic_tmp(b), wg_atomic_tmp(c));
    ck_assert_str_eq(wg_atomic_path(b), path);
    fputs("from b\n", wg_atomic_stream(b));
    fputs("from c\n", wg_atomic_stream(c));
    has(path, "old\n"); /* nothing shows before the commit */
    T_OK(t_ctx, wg_atomic_end(t_ctx, b, true));
    has(path, "from b\n");
    T_OK(t_ctx, wg_atomic_end(t_ctx, c, true));
    has(path, "from c\n");
    ls = t_listing(dir);
    ck_assert_str_eq(ls, "map.csv\n");
    free(ls);
    /* a library that writes by name into the temporary */
    T_OK(t_ctx, wg_atomic_begin(t_ctx, path, false, &a));
    t_write(wg_atomic_tmp(a), "by name\n");
    T_OK(t_ctx, wg_atomic_end(t_ctx, a, true));
    has(path, "by name\n");
    /* the umask decides the mode, as for any file a program writes (not mkstemp's 0600) */
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_ne(sb.st_mode & 0044, 0);
    T_OK(t_ctx, wg_atomic_end(t_ctx, NULL, true));
}
END_TEST

START_TEST(a_set_replaces_its_own_files)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", t_path(t_dir, "shp"));
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    t_write(t_path(dir, "cells.shp"), "old shp\n");
    t_write(t_path(dir, "cells.dbf"), "old dbf\n");
    t_write(t_path(dir, "cells.csv"), "not of the set\n");
    wg_atomic *a = NULL;
    /* abandoned */
    T_OK(t_ctx, wg_atomic_begin(t_ctx, t_path(dir, "cells.shp"), true, &a));
    t_write(wg_atomic_tmp_main(a), "new shp\n");
    T_OK(t_ctx, wg_atomic_end(t_ctx, a, false));
    has(t_path(dir, "cells.shp"), "old shp\n");
    char *ls = t_listing(dir);
    ck_assert_str_eq(ls, "cells.csv\ncells.dbf\ncells.shp\n");
    free(ls);
    /* committed: the new set in, the unrelated file untouched, no temporary folder left */
    T_OK(t_ctx, wg_atomic_begin(t_ctx, t_path(dir, "cells.shp"), true, &a));
    char other[4096];
    snprintf(other, sizeof other, "%s/cells.dbf", wg_atomic_tmp(a));
    t_write(other, "new dbf\n");
    snprintf(other, sizeof other, "%s/cells.shx", wg_atomic_tmp(a));
    t_write(other, "new shx\n");
    t_write(wg_atomic_tmp_main(a), "new shp\n");
    T_OK(t_ctx, wg_atomic_end(t_ctx, a, true));
    has(t_path(dir, "cells.shp"), "new shp\n");
    has(t_path(dir, "cells.dbf"), "new dbf\n");
    has(t_path(dir, "cells.shx"), "new shx\n");
    has(t_path(dir, "cells.csv"), "not of the set\n");
    ls = t_listing(dir);
    ck_assert_str_eq(ls, "cells.csv\ncells.dbf\ncells.shp\ncells.shx\n");
    free(ls);
}
END_TEST

/* A killed run's temporaries (".NAME.PID.XXXXXX" of a process that is gone) are removed by
 * the next write of the same file; a live process's and other files' are left alone. */
START_TEST(temporaries_of_killed_runs_are_cleared)
{
    char dir[4096], path[4200], p[4300];
    snprintf(dir, sizeof dir, "%s", t_path(t_dir, "stale"));
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/map.csv", dir);
    /* a process that is gone: a child that has exited and been waited for */
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    ck_assert_int_ge(gone, 0);
    ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
    snprintf(p, sizeof p, "%s/.map.csv.%ld.abcDEF", dir, (long)gone);
    t_write(p, "half a map of a killed run");
    snprintf(p, sizeof p, "%s/.map.csv.%ld.ghiJKL", dir, (long)gone);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/.map.csv.%ld.ghiJKL/map.csv", dir, (long)gone);
    t_write(p, "half an export");
    snprintf(p, sizeof p, "%s/.map.csv.%ld.mnoPQR", dir, (long)getppid()); /* alive */
    t_write(p, "being written");
    t_write(t_path(dir, ".other.csv.1.abcdef"), "another file's");
    wg_atomic *a = NULL;
    T_OK(t_ctx, wg_atomic_begin(t_ctx, path, false, &a));
    fputs("new\n", wg_atomic_stream(a));
    T_OK(t_ctx, wg_atomic_end(t_ctx, a, true));
    char *ls = t_listing(dir), want[200];
    snprintf(want, sizeof want, ".map.csv.%ld.mnoPQR\n.other.csv.1.abcdef\nmap.csv\n",
             (long)getppid());
    ck_assert_str_eq(ls, want);
    free(ls);
}
END_TEST

START_TEST(bad_destinations_are_named)
{
    wg_atomic *a = NULL;
    char missing[4200];
    snprintf(missing, sizeof missing, "%s", t_path(t_dir, "no/such/folder/x.png"));
    ck_assert_int_eq(wg_atomic_begin(t_ctx, missing, false, &a), WG_EIO);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), missing) &&
                      strstr(wg_ctx_errmsg(t_ctx), "does not exist"),
                  "%s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear_error(t_ctx);
    ck_assert_int_eq(wg_atomic_begin(t_ctx, t_dir, false, &a), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "folder"), "%s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear_error(t_ctx);
    ck_assert_int_eq(wg_atomic_begin(t_ctx, "", false, &a), WG_EINPUT);
    wg_ctx_clear_error(t_ctx);
    char *ls = t_listing(t_dir);
    ck_assert_str_eq(ls, "");
    free(ls);
}
END_TEST

TCase *tcase_atomic(void)
{
    TCase *tc = tcase_create("atomic");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, a_file_is_replaced_whole_or_left_alone);
    tcase_add_test(tc, a_set_replaces_its_own_files);
    tcase_add_test(tc, temporaries_of_killed_runs_are_cleared);
    tcase_add_test(tc, bad_destinations_are_named);
    return tc;
}
