/* geo/ctx.c: the per-thread context, errors and warnings, progress, string buffers.
 * Knows nothing of the domain. */
#include "geo_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static const char *const status_text[] = {
#define WG_X(name, code, text) [code] = text,
    WG_STATUS_MAP(WG_X)
#undef WG_X
};

const char *wg_status_str(wg_status s)
{
    if ((size_t)s < sizeof status_text / sizeof status_text[0] && status_text[s])
        return status_text[s];
    return "unknown status";
}

GEOSContextHandle_t wg_ctx_geos(wg_ctx *ctx)
{
    return ctx->geos;
}

static void on_geos_error(const char *message, void *userdata)
{
    wg_fail(userdata, WG_EGEOS, "GEOS: %s", message);
}

static void on_geos_notice(const char *message, void *userdata)
{
    (void)message;
    (void)userdata; /* notices (e.g. "Self-intersection at ...") are reported by our checks */
}

wg_ctx *wg_ctx_new(void)
{
    wg_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->cancel = &ctx->own_cancel;
    atomic_init(&ctx->own_cancel.flag, 0);
    atomic_init(&ctx->own_cancel.countdown, 0);
    atomic_init(&ctx->own_cancel.checks, 0);
    ctx->geos = GEOS_init_r();
    ctx->proj = proj_context_create();
    if (!ctx->geos || !ctx->proj) {
        wg_ctx_free(ctx);
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(ctx->geos, on_geos_error, ctx);
    GEOSContext_setNoticeMessageHandler_r(ctx->geos, on_geos_notice, ctx);
    proj_log_level(ctx->proj, PJ_LOG_NONE); /* PROJ errors reach the user through ctx */
    return ctx;
}

void wg_ctx_free(wg_ctx *ctx)
{
    if (!ctx)
        return;
    wg_ctx_clear(ctx);
    if (ctx->geos)
        GEOS_finish_r(ctx->geos);
    for (int i = 0; i < WG_XFORM_KEEP; i++)
        proj_destroy(ctx->xforms[i].pj);
    if (ctx->proj)
        proj_context_destroy(ctx->proj);
    free(ctx);
}

wg_status wg_vfail(wg_ctx *ctx, wg_status code, const char *fmt, va_list ap)
{
    if (ctx && ctx->status == WG_OK && code != WG_OK) {
        ctx->status = code;
        vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    }
    return code;
}

wg_status wg_fail(wg_ctx *ctx, wg_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wg_vfail(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

void wg_ctx_where(wg_ctx *ctx, const char *fmt, ...)
{
    if (!ctx || ctx->status == WG_OK)
        return;
    char head[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    size_t hn = strlen(head), mn = strlen(ctx->msg);
    if (hn >= sizeof ctx->msg)
        hn = sizeof ctx->msg - 1;
    if (hn + mn >= sizeof ctx->msg)
        mn = sizeof ctx->msg - 1 - hn; /* keep the head; the tail of the message is cut */
    memmove(ctx->msg + hn, ctx->msg, mn);
    memcpy(ctx->msg, head, hn);
    ctx->msg[hn + mn] = '\0';
}

wg_status wg_ctx_status(const wg_ctx *ctx)
{
    return ctx->status;
}

const char *wg_ctx_errmsg(const wg_ctx *ctx)
{
    return ctx->msg;
}

wg_status wg__geos_fail(wg_ctx *ctx, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    wg_status st = wg_ctx_status(ctx);
    if (st == WG_OK)
        return wg_fail(ctx, WG_EGEOS, "%s", what);
    if (st == WG_EGEOS)
        wg_ctx_where(ctx, "%s: ", what);
    return st;
}

void wg_ctx_clear_error(wg_ctx *ctx)
{
    ctx->status = WG_OK;
    ctx->msg[0] = '\0';
}

void wg_ctx_clear(wg_ctx *ctx)
{
    ctx->status = WG_OK;
    ctx->msg[0] = '\0';
    size_t kept = ctx->nwarn < WG_WARN_KEEP ? ctx->nwarn : WG_WARN_KEEP;
    for (size_t i = 0; i < kept; i++) {
        free(ctx->warn[i]);
        ctx->warn[i] = NULL;
    }
    ctx->nwarn = 0;
    if (ctx->cancel == &ctx->own_cancel) /* a worker's belongs to the context it follows */
        atomic_store(&ctx->cancel->flag, 0);
}

void wg_warn(wg_ctx *ctx, const char *fmt, ...)
{
    if (ctx->nwarn < WG_WARN_KEEP) {
        char text[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        ctx->warn[ctx->nwarn] = strdup(text); /* NULL when out of memory: counted, not kept */
    }
    ctx->nwarn++;
}

size_t wg_ctx_warning_count(const wg_ctx *ctx)
{
    return ctx->nwarn;
}

const char *wg_ctx_warning(const wg_ctx *ctx, size_t i)
{
    if (i >= WG_WARN_KEEP || i >= ctx->nwarn || !ctx->warn[i])
        return "(warning text lost: out of memory)";
    return ctx->warn[i];
}

void wg_ctx_set_progress(wg_ctx *ctx, wg_progress_fn fn, void *user)
{
    ctx->progress = fn;
    ctx->progress_user = user;
}

void wg_progress(wg_ctx *ctx, const char *stage, uint64_t done, uint64_t total)
{
    if (ctx->progress)
        ctx->progress(ctx->progress_user, stage, done, total);
}

void wg_ctx_cancel(wg_ctx *ctx)
{
    atomic_store_explicit(&ctx->cancel->flag, 1, memory_order_relaxed);
}

bool wg_ctx_cancelled(const wg_ctx *ctx)
{
    wg_cancel *c = ctx->cancel;
    atomic_fetch_add_explicit(&c->checks, 1, memory_order_relaxed);
    if (atomic_load_explicit(&c->countdown, memory_order_relaxed) > 0 &&
        atomic_fetch_sub_explicit(&c->countdown, 1, memory_order_relaxed) == 1)
        atomic_store_explicit(&c->flag, 1, memory_order_relaxed);
    return atomic_load_explicit(&c->flag, memory_order_relaxed) != 0;
}

void wg_ctx_cancel_after(wg_ctx *ctx, long n)
{
    atomic_store(&ctx->cancel->countdown, n > 0 ? n : 0);
}

long wg_ctx_cancel_checks(const wg_ctx *ctx)
{
    return atomic_load(&ctx->cancel->checks);
}

wg_ctx *wg_ctx_new_for_thread(wg_ctx *ctx)
{
    wg_ctx *w = wg_ctx_new();
    if (w)
        w->cancel = ctx->cancel;
    return w;
}

void wg_buf_init(wg_buf *b, size_t max)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : (size_t)1 << 30;
}

void wg_buf_fini(wg_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void wg_buf_reset(wg_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

const char *wg_buf_str(const wg_buf *b)
{
    return b->s ? b->s : "";
}

static wg_status buf_reserve(wg_ctx *ctx, wg_buf *b, size_t extra)
{
    if (extra > b->max || b->len + extra + 1 > b->max)
        return wg_fail(ctx, WG_ENOMEM, "text too long (over %zu bytes)", b->max);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return WG_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > b->max)
        cap = b->max;
    char *s = realloc(b->s, cap);
    if (!s)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu bytes of text", cap);
    b->s = s;
    b->cap = cap;
    return WG_OK;
}

wg_status wg_buf_add(wg_ctx *ctx, wg_buf *b, const char *s, size_t n)
{
    wg_status st = buf_reserve(ctx, b, n);
    if (st != WG_OK)
        return st;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return WG_OK;
}

wg_status wg_buf_addf(wg_ctx *ctx, wg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return wg_fail(ctx, WG_EINTERNAL, "bad format string");
    wg_status st = buf_reserve(ctx, b, (size_t)n);
    if (st != WG_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return WG_OK;
}

wg_status wg_grow(wg_ctx *ctx, void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return WG_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return wg_fail(ctx, WG_ENOMEM, "array too long (%zu elements)", need);
        c *= 2;
    }
    if (c > SIZE_MAX / size)
        return wg_fail(ctx, WG_ENOMEM, "array too long (%zu elements)", need);
    void *p = realloc(*v, c * size);
    if (!p)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu elements", c);
    *v = p;
    *cap = c;
    return WG_OK;
}

void *wg_alloc_array(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (p && bytes >= 2 * huge) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t b = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (b > a) /* a hint: where the kernel will not, the pages stay small */
            (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
    return p;
}

double wg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t wg_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

/* ---- Allocation (wg/core.h): the real functions, called by name in parentheses so that the
 * macros do not apply --------------------------------------------------------------------- */

static atomic_long alloc_count, alloc_fail_at; /* fail_at > 0: the allocation of that number */
static atomic_long alloc_failures;

static void *counted(void *p)
{
    if (!p)
        atomic_fetch_add_explicit(&alloc_failures, 1, memory_order_relaxed);
    return p;
}

static bool alloc_fails(void)
{
    long k = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
    long at = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);
    return at > 0 && k == at;
}

void *wg_malloc(size_t n)
{
    return counted(alloc_fails() ? NULL : (malloc)(n));
}

void *wg_calloc(size_t n, size_t size)
{
    return counted(alloc_fails() ? NULL : (calloc)(n, size));
}

void *wg_realloc(void *p, size_t n)
{
    return counted(alloc_fails() ? NULL : (realloc)(p, n));
}

char *wg_strdup(const char *s)
{
    return counted(alloc_fails() ? NULL : (strdup)(s));
}

char *wg_strndup(const char *s, size_t n)
{
    return counted(alloc_fails() ? NULL : (strndup)(s, n));
}

void wg_alloc_fail_after(long n)
{
    long now = atomic_load(&alloc_count);
    atomic_store(&alloc_fail_at, n > 0 ? now + n : 0);
}

long wg_alloc_count(void)
{
    return atomic_load(&alloc_count);
}

long wg_alloc_failures(void)
{
    return atomic_load(&alloc_failures);
}
