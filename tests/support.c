/* tests/support.c: helpers for the check suites. */
#include "support.h"

#include "geo_int.h" /* t_wkt reads WKT with GEOS */

#include <stdarg.h>
#include <stdint.h>
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

bool t_update_golden;

char *t_listing(const char *dir)
{
    char list[4200];
    ck_assert_msg((size_t)snprintf(list, sizeof list, "%s.ls", dir) < sizeof list,
                  "t_listing: path too long");
    ck_assert_int_eq(t_sh("ls -A '%s' > '%s'", dir, list), 0);
    char *s = t_read(list, NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}

void t_append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strnlen(buf, size);
    ck_assert_msg(len < size, "t_append: the buffer holds no string");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
    ck_assert_msg(n >= 0 && (size_t)n < size - len, "t_append: %zu bytes are too few", size);
}

const char *t_realdata(const char *rel)
{
    static char bufs[4][4096];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", WG_REALDATA_DIR, rel);
    struct stat sb;
    /* the real-data tests run only where the folder is (check_main skips them as a whole
     * otherwise): a file missing from it is a failure, never a quiet pass */
    ck_assert_msg(stat(b, &sb) == 0, "real data %s is missing from %s", rel, WG_REALDATA_DIR);
    return b;
}

wg_geom *t_wkt(const char *text)
{
    GEOSContextHandle_t h = wg_ctx_geos(t_ctx);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    ck_assert_msg(g != NULL, "not WKT: %s", text);
    return (wg_geom *)g;
}

char *t_sql(const char *path, const char *sql)
{
    /* the statements go through a file: no quoting of the SQL for the shell */
    char *dir = t_tmpdir();
    const char *in = t_path(dir, "q.sql"), *out = t_path(dir, "q.out"), *err = t_path(dir, "q.err");
    char inb[1100], outb[1100], errb[1100];
    snprintf(inb, sizeof inb, "%s", in);
    snprintf(outb, sizeof outb, "%s", out);
    snprintf(errb, sizeof errb, "%s", err);
    t_write(inb, sql);
    int rc = t_sh("sqlite3 -batch -bail -noheader -nullvalue NULL -cmd '.load mod_spatialite' "
                  "'%s' < '%s' > '%s' 2> '%s'",
                  path, inb, outb, errb);
    size_t len = 0;
    char *text = t_read(outb, &len), *msg = t_read(errb, NULL);
    ck_assert_msg(rc == 0 && text, "sqlite3 %s failed (%d): %s\n%s", path, rc, msg ? msg : "", sql);
    while (len && text[len - 1] == '\n')
        text[--len] = '\0';
    free(msg);
    t_rmtree(dir);
    free(dir);
    return text;
}

long long t_sql_int(const char *path, const char *sql)
{
    char *t = t_sql(path, sql), *end = NULL;
    ck_assert_msg(*t, "no row: %s", sql);
    long long v = strtoll(t, &end, 10);
    ck_assert_msg(end != t, "not a number: '%s' from %s", t, sql);
    free(t);
    return v;
}

double t_sql_num(const char *path, const char *sql)
{
    char *t = t_sql(path, sql), *end = NULL;
    ck_assert_msg(*t, "no row: %s", sql);
    double v = strtod(t, &end);
    ck_assert_msg(end != t, "not a number: '%s' from %s", t, sql);
    free(t);
    return v;
}

char *t_sql_quoted(const char *path, const char *sql)
{
    size_t n = strlen(sql) + 16;
    char *q = malloc(n);
    ck_assert_ptr_nonnull(q);
    snprintf(q, n, ".mode quote\n%s", sql);
    char *text = t_sql(path, q);
    free(q);
    return text;
}

t_field t_field_next(const char **p)
{
    t_field f = {.type = T_NULL};
    const char *s = *p;
    ck_assert_msg(*s && *s != '\n', "a row ends before the field expected");
    if (*s == '\'') { /* 'text', a ' inside doubled */
        size_t cap = strlen(s) + 1, k = 0;
        f.type = T_TEXT;
        f.s = malloc(cap);
        ck_assert_ptr_nonnull(f.s);
        for (s++;; s++) {
            ck_assert_msg(*s, "unterminated text in quote-mode output");
            if (*s == '\'' && s[1] == '\'')
                f.s[k++] = *s++;
            else if (*s == '\'')
                break;
            else
                f.s[k++] = *s;
        }
        f.s[k] = '\0';
        s++;
        char *end = NULL;
        f.r = strtod(f.s, &end); /* as SQLite reads a number out of text: its prefix, or 0 */
        if (end == f.s)
            f.r = 0;
    } else if (strncmp(s, "NULL", 4) == 0) {
        s += 4;
    } else if (s[0] == 'X' && s[1] == '\'') {
        f.type = T_BLOB;
        s = strchr(s + 2, '\'');
        ck_assert_ptr_nonnull(s);
        s++;
    } else {
        char *end = NULL;
        f.r = strtod(s, &end);
        ck_assert_msg(end != s, "not a value: %.40s", s);
        size_t len = (size_t)(end - s);
        if (strcspn(s, ".eE") < len) {
            f.type = T_REAL;
        } else {
            f.type = T_INT;
            f.i = strtoll(s, NULL, 10);
        }
        s = end;
    }
    ck_assert_msg(*s == '\0' || *s == ',' || *s == '\n', "junk after a field: %.40s", s);
    if (*s == ',')
        s++;
    *p = s;
    return f;
}

void t_field_free(t_field *f)
{
    free(f->s);
    f->s = NULL;
}

double t_field_real(const char **p)
{
    t_field f = t_field_next(p);
    t_field_free(&f);
    return f.r;
}

/* The first field of the first row in quote mode; aborts when there is no row. */
static t_field first_field(const char *path, const char *sql)
{
    char *t = t_sql_quoted(path, sql);
    ck_assert_msg(*t, "no row: %s", sql);
    const char *p = t;
    t_field f = t_field_next(&p);
    free(t);
    return f;
}

double t_sql_real(const char *path, const char *sql)
{
    t_field f = first_field(path, sql);
    t_field_free(&f);
    return f.r;
}

long long t_sql_i64(const char *path, const char *sql)
{
    t_field f = first_field(path, sql);
    t_field_free(&f);
    if (f.type == T_INT)
        return f.i;
    /* as SQLite turns a real into an integer */
    if (f.r <= -9223372036854775808.0)
        return INT64_MIN;
    if (f.r >= 9223372036854775808.0)
        return INT64_MAX;
    return (long long)f.r;
}
