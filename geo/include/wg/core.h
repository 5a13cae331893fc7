/* wg/core.h: the foundation every wangge module stands on — status codes, the per-thread
 * context (GEOS and PROJ handles, the first error, warnings, progress), growable strings.
 *
 * Ownership in one sentence: a pointer returned by a wg_x_new or wg_x_open function belongs to
 * the caller, who frees it with the matching wg_x_free or wg_x_close; freeing NULL does
 * nothing. Results travel through out-parameters, written only on success. */
#ifndef WG_CORE_H
#define WG_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define WG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define WG_PRINTF(fmt, args)
#endif

/* Status codes never change number. EINPUT is the user's fault (CLI exit 1); EINTERNAL is a
 * bug (exit 2); the others are failures of the environment or a library (exit 2). */
#define WG_STATUS_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(EINPUT, 1, "bad input")                                                                      \
    X(EIO, 2, "file or database I/O failed")                                                       \
    X(ENOMEM, 3, "out of memory")                                                                  \
    X(EGEOS, 4, "geometry operation failed")                                                       \
    X(EPROJ, 5, "coordinate transformation failed")                                                \
    X(EGDAL, 6, "GDAL/OGR error")                                                                  \
    X(ESQL, 7, "workspace database error")                                                         \
    X(EINTERNAL, 8, "internal error")                                                              \
    X(EINTR, 9, "interrupted")

typedef enum wg_status {
#define WG_X(name, code, text) WG_##name = code,
    WG_STATUS_MAP(WG_X)
#undef WG_X
} wg_status;

/* The fixed English text of a status ("bad input"). Never NULL. */
const char *wg_status_str(wg_status s);

typedef struct wg_ctx wg_ctx;

/* Creates a context: a GEOS handle, a PROJ context and an empty error state. NULL when out of
 * memory. One context per thread; contexts must never be shared between threads.
 * Caller frees with wg_ctx_free(). */
wg_ctx *wg_ctx_new(void);
void wg_ctx_free(wg_ctx *ctx);

/* Records an error on ctx unless one is already recorded (the first error wins), and returns
 * `code`. Messages name the file, the feature id or line, what is wrong, and the bad value. */
wg_status wg_fail(wg_ctx *ctx, wg_status code, const char *fmt, ...) WG_PRINTF(3, 4);
wg_status wg_vfail(wg_ctx *ctx, wg_status code, const char *fmt, va_list ap) WG_PRINTF(3, 0);

/* Prepends where the error happened to the recorded message, as it travels up:
 * "import units.gpkg: " + "feature 17: households = -3 (must be >= 0)". No-op without error. */
void wg_ctx_where(wg_ctx *ctx, const char *fmt, ...) WG_PRINTF(2, 3);

/* The recorded status (WG_OK when none) and message ("" when none); the message is borrowed,
 * valid until the next wg_ctx_clear() or error. */
wg_status wg_ctx_status(const wg_ctx *ctx);
const char *wg_ctx_errmsg(const wg_ctx *ctx);
/* Forgets the recorded error and warnings. */
void wg_ctx_clear(wg_ctx *ctx);
/* Forgets the recorded error only (an error that was handled), keeping the warnings. */
void wg_ctx_clear_error(wg_ctx *ctx);

/* Warnings: things the user should know that did not stop the work (a ring repaired, a row
 * skipped on request). All are counted; the first WG_WARN_KEEP are kept with their text. */
#define WG_WARN_KEEP 20
void wg_warn(wg_ctx *ctx, const char *fmt, ...) WG_PRINTF(2, 3);
size_t wg_ctx_warning_count(const wg_ctx *ctx);
/* The i-th kept warning (i < min(count, WG_WARN_KEEP)); borrowed. */
const char *wg_ctx_warning(const wg_ctx *ctx, size_t i);

/* Progress: long work calls wg_progress() with what it is doing, how far it is and the total
 * (0 when unknown). The hook, set by the application, decides whether and how to show it;
 * without one nothing happens. The hook must not call back into wangge. */
typedef void (*wg_progress_fn)(void *user, const char *stage, uint64_t done, uint64_t total);
void wg_ctx_set_progress(wg_ctx *ctx, wg_progress_fn fn, void *user);
void wg_progress(wg_ctx *ctx, const char *stage, uint64_t done, uint64_t total);

/* Cancellation: an application sets the flag (wg_ctx_cancel is async-signal-safe: a C11
 * atomic, lock-free); every long loop checks wg_ctx_cancelled() and fails with WG_EINTR,
 * leaving the workspace as it was and writing no output file. The contexts of worker threads
 * (wg/parallel.h) see the flag of the context that started them. */
void wg_ctx_cancel(wg_ctx *ctx);
bool wg_ctx_cancelled(const wg_ctx *ctx);
/* For tests: the n-th check from now (over every thread) finds the context cancelled, as if a
 * signal came just then; 0 turns that off. */
void wg_ctx_cancel_after(wg_ctx *ctx, long n);
/* A context for another thread working for ctx: its own errors and GEOS/PROJ handles, but
 * ctx's cancellation. NULL when out of memory. */
wg_ctx *wg_ctx_new_for_thread(wg_ctx *ctx);
/* How many times the context (and its workers) checked since it was made. */
long wg_ctx_cancel_checks(const wg_ctx *ctx);

/* A NUL-terminated string builder with a size cap ({0} is not valid: use wg_buf_init).
 * On failure the buffer keeps what it had and an error is recorded on ctx. */
typedef struct wg_buf {
    char *s;
    size_t len, cap, max;
} wg_buf;
void wg_buf_init(wg_buf *b, size_t max);
void wg_buf_fini(wg_buf *b);
wg_status wg_buf_add(wg_ctx *ctx, wg_buf *b, const char *s, size_t n);
wg_status wg_buf_addf(wg_ctx *ctx, wg_buf *b, const char *fmt, ...) WG_PRINTF(3, 4);
void wg_buf_reset(wg_buf *b);
/* The string so far; "" for an empty buffer. Borrowed. */
const char *wg_buf_str(const wg_buf *b);

/* Grows *v (an array of *cap elements of `size` bytes) to hold at least `need` elements.
 * Overflow-checked; on failure *v and *cap are unchanged and an error is on ctx. */
wg_status wg_grow(wg_ctx *ctx, void **v, size_t *cap, size_t need, size_t size);

/* malloc for a large array that is filled at once (ten million incidents' times): past a few
 * megabytes it asks the kernel for huge pages, so that filling it faults in hundreds of pages,
 * not a hundred thousand. Freed with free(); NULL when out of memory. */
void *wg_alloc_array(size_t bytes);

/* Monotonic seconds, for the timings commands and benchmarks print. */
double wg_now(void);
/* Peak resident memory of this process in bytes (0 when unknown). */
uint64_t wg_peak_rss(void);

/* ---- Allocation ---------------------------------------------------------------------------
 * Every allocation of wangge's own code goes through these (the macros below send malloc,
 * calloc, realloc, strdup and strndup here; free is free), so that a test can make the n-th
 * one fail and walk n over a whole command, as SQLite and h3 test themselves. Libraries
 * (SQLite, GEOS, GDAL, cairo) allocate on their own. */
void *wg_malloc(size_t n);
void *wg_calloc(size_t n, size_t size);
void *wg_realloc(void *p, size_t n);
char *wg_strdup(const char *s);
char *wg_strndup(const char *s, size_t n);
/* For tests: the n-th allocation from now (counted over every thread) returns NULL, once;
 * 0 turns that off. */
void wg_alloc_fail_after(long n);
/* The allocations made through the functions above since the program started, and how many
 * of them failed (out of memory, or made to fail): code that degrades on a failed allocation
 * (a search that tries fewer cuts) compares the second before and after, so that its result
 * is never quietly a different one. */
long wg_alloc_count(void);
long wg_alloc_failures(void);

#ifndef WG_ALLOC_NO_HOOK
#include <stdlib.h> /* declared before the names are taken over */
#include <string.h>
#define malloc(n) wg_malloc(n)
#define calloc(n, size) wg_calloc(n, size)
#define realloc(p, n) wg_realloc(p, n)
#define strdup(s) wg_strdup(s)
#define strndup(s, n) wg_strndup(s, n)
#endif

#endif
