/* tests/support.c: helpers for the check suites. */
#include "support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

wg_ctx *t_ctx;
char *t_dir;

void t_setup(void)
{
    t_ctx = wg_ctx_new();
    ck_assert_ptr_nonnull(t_ctx);
    t_dir = t_tmpdir();
}

void t_teardown(void)
{
    wg_ctx_free(t_ctx);
    t_ctx = NULL;
    t_rmtree(t_dir);
    free(t_dir);
    t_dir = NULL;
}

char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[1024];
    snprintf(tmpl, sizeof tmpl, "%s/wgtest.XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    ck_assert_msg(d != NULL, "mkdtemp failed");
    char *copy = strdup(d);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

int t_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc == -1)
        return -1;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

void t_rmtree(const char *dir)
{
    if (dir && strncmp(dir, "/", 1) == 0 && strstr(dir, "wgtest."))
        t_sh("rm -rf '%s'", dir);
}

const char *t_path(const char *dir, const char *name)
{
    static char bufs[8][4096];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

void t_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    ck_assert_msg(fp != NULL, "cannot write %s", path);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

char *t_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    if (b) {
        b[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return b;
}

bool t_same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = t_read(a, &na), *y = t_read(b, &nb);
    bool same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

void t_copy(const char *from, const char *to)
{
    size_t n = 0;
    char *b = t_read(from, &n);
    ck_assert_msg(b != NULL, "cannot read %s", from);
    FILE *fp = fopen(to, "wb");
    ck_assert_msg(fp != NULL, "cannot write %s", to);
    ck_assert_uint_eq(fwrite(b, 1, n, fp), n);
    fclose(fp);
    free(b);
}

const char *t_realdata(const char *rel)
{
    static char bufs[4][4096];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", WG_REALDATA_DIR, rel);
    struct stat sb;
    if (stat(b, &sb) != 0) {
        fprintf(stderr, "SKIP: real data %s is absent; the test that reads it is skipped\n", b);
        return NULL;
    }
    return b;
}

GEOSGeometry *t_wkt(const char *text)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    ck_assert_msg(g != NULL, "not WKT: %s", text);
    return g;
}
