/* cli/util.c: error and warning printing, progress lines, number formatting. */
#include "cli.h"
#include "wg/store.h"
#include "wg/timeparse.h"
#include "wg/ws.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_exit_code(wg_status st)
{
    return st == WG_OK ? 0 : st == WG_EINPUT ? 1 : st == WG_EINTR ? 130 : 2;
}

int cli_fail(cli *c, wg_status st)
{
    cli_progress_done(c);
    /* the error kept in the context (the first one) decides, whatever the caller passed */
    if (wg_ctx_status(c->ctx) != WG_OK)
        st = wg_ctx_status(c->ctx);
    const char *msg = wg_ctx_errmsg(c->ctx);
    fprintf(stderr, "wangge: %s\n", msg[0] ? msg : wg_status_str(st));
    return cli_exit_code(st);
}

int cli_usage(cli *c, const char *cmd, const char *fmt, ...)
{
    (void)c;
    fprintf(stderr, "wangge %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'wangge %s --help')\n", cmd);
    return 1;
}

void cli_warnings(cli *c)
{
    size_t n = wg_ctx_warning_count(c->ctx);
    size_t kept = n < WG_WARN_KEEP ? n : WG_WARN_KEEP;
    for (size_t i = 0; i < kept; i++)
        fprintf(stderr, "warning: %s\n", wg_ctx_warning(c->ctx, i));
    if (n > kept)
        fprintf(stderr, "warning: ... and %zu more\n", n - kept);
}

const char *cli_num(long long v, char *buf, size_t n)
{
    char raw[32];
    int len = snprintf(raw, sizeof raw, "%lld", v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < n)
        buf[o++] = '-';
    for (int i = 0; i < len && o + 1 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 1 < n)
            buf[o++] = ',';
        if (o + 1 < n)
            buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

typedef struct progress {
    double last;
    int shown;
} progress;
static progress prog;

static void on_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    (void)user;
    double now = wg_now();
    bool end = total > 0 && done >= total;
    if (!end && now - prog.last < 0.2)
        return;
    prog.last = now;
    char a[32], b[32];
    if (total > 0)
        fprintf(stderr, "\r\033[K%s: %s / %s (%.0f%%)", stage,
                cli_num((long long)done, a, sizeof a), cli_num((long long)total, b, sizeof b),
                100.0 * (double)done / (double)total);
    else
        fprintf(stderr, "\r\033[K%s: %s", stage, cli_num((long long)done, a, sizeof a));
    prog.shown = 1;
    fflush(stderr);
}

void cli_progress_on(cli *c)
{
    if (!c->quiet && isatty(STDERR_FILENO))
        wg_ctx_set_progress(c->ctx, on_progress, NULL);
}

void cli_progress_done(cli *c)
{
    (void)c;
    if (prog.shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        prog.shown = 0;
    }
}

/* Parses a whole number option; returns false (after a usage message) when it is not. */
bool cli_whole(cli *c, const char *cmd, const char *name, const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < 0) {
        cli_usage(c, cmd, "%s %s: give a whole number", name, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_period(cli *c, const char *cmd, const char *from, const char *to, const char *tzname,
                int64_t *t0, int64_t *t1)
{
    wg_tz *tz = NULL;
    if (tzname && wg_tz_load(c->ctx, tzname, &tz) != WG_OK) {
        cli_usage(c, cmd, "--tz: %s", wg_ctx_errmsg(c->ctx));
        return false;
    }
    bool ok = true;
    if (from && wg_time_parse(c->ctx, from, NULL, tz, t0) != WG_OK)
        ok = cli_usage(c, cmd, "--from: %s", wg_ctx_errmsg(c->ctx)) == 0;
    if (ok && to && wg_time_parse(c->ctx, to, NULL, tz, t1) != WG_OK)
        ok = cli_usage(c, cmd, "--to: %s", wg_ctx_errmsg(c->ctx)) == 0;
    wg_tz_free(tz);
    return ok;
}

size_t cli_split(char *list, const char **out, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (n < max)
            out[n++] = t;
    return n;
}

wg_status cli_open(cli *c, const char *path, wg_ws **ws)
{
    wg_status st = wg_ws_open(c->ctx, path, ws);
    if (st == WG_OK)
        wg_ws_set_command(*ws, c->command);
    return st;
}

wg_status cli_create(cli *c, const char *path, const char *crs, wg_ws **ws)
{
    wg_status st = wg_ws_create(c->ctx, path, crs, ws);
    if (st == WG_OK)
        wg_ws_set_command(*ws, c->command);
    return st;
}

void cli_weight_name(struct wg_ws *ws, char out[32])
{
    wg_weight_name wn;
    if (wg_store_weight_name(ws, &wn) != WG_OK) {
        wg_ctx_clear_error(wg_ws_ctx(ws));
        snprintf(wn.name, sizeof wn.name, "households");
    }
    snprintf(out, 32, "%s", wn.name);
}
