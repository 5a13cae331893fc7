/* geo/parallel.c: a parallel loop over independent items, each thread with its own context
 * (GEOS handles are never shared between threads). */
#include "wg/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 16

typedef struct job {
    size_t n;
    const char *stage;
    wg_item_fn fn;
    void *user;
    wg_ctx *main;
    atomic_size_t next, done;
    atomic_int failed;
    pthread_mutex_t lock;
    wg_status st;
    char err[1024];
    char **warn; /* the other threads' warnings, added to the caller's context at the end */
    size_t nwarn, capwarn;
} job;

/* Keeps the warnings of a worker's context (called under the job's lock). */
static void keep_warnings(job *J, wg_ctx *ctx)
{
    size_t n = wg_ctx_warning_count(ctx);
    for (size_t i = 0; i < n && i < WG_WARN_KEEP; i++) {
        char *w = strdup(wg_ctx_warning(ctx, i));
        if (!w ||
            wg_grow(ctx, (void **)&J->warn, &J->capwarn, J->nwarn + 1, sizeof *J->warn) != WG_OK) {
            free(w);
            return;
        }
        J->warn[J->nwarn++] = w;
    }
}

static void run(job *J, int thread)
{
    /* a signal to the caller stops the other threads' items too */
    wg_ctx *ctx = thread == 0 ? J->main : wg_ctx_new_for_thread(J->main);
    wg_status st = ctx ? WG_OK : WG_ENOMEM;
    while (st == WG_OK && !atomic_load(&J->failed)) {
        if (wg_ctx_cancelled(J->main)) {
            st = wg_fail(ctx, WG_EINTR, "interrupted");
            break;
        }
        size_t i = atomic_fetch_add(&J->next, 1);
        if (i >= J->n)
            break;
        st = J->fn(ctx, J->user, i, thread);
        size_t d = atomic_fetch_add(&J->done, 1) + 1;
        if (thread == 0 && J->stage)
            wg_progress(J->main, J->stage, d, J->n);
    }
    if (st != WG_OK) {
        pthread_mutex_lock(&J->lock);
        if (J->st == WG_OK) {
            J->st = st;
            snprintf(J->err, sizeof J->err, "%s", ctx ? wg_ctx_errmsg(ctx) : "out of memory");
        }
        pthread_mutex_unlock(&J->lock);
        atomic_store(&J->failed, 1);
    }
    if (thread != 0 && ctx) {
        pthread_mutex_lock(&J->lock);
        keep_warnings(J, ctx);
        pthread_mutex_unlock(&J->lock);
    }
    if (thread != 0)
        wg_ctx_free(ctx);
}

typedef struct arg {
    job *J;
    int thread;
} arg;

static void *worker(void *p)
{
    arg *a = p;
    run(a->J, a->thread);
    return NULL;
}

wg_status wg_parallel(wg_ctx *ctx, size_t n, int threads, const char *stage, wg_item_fn fn,
                      void *user)
{
    job J = {.n = n, .stage = stage, .fn = fn, .user = user, .main = ctx};
    atomic_init(&J.next, 0);
    atomic_init(&J.done, 0);
    atomic_init(&J.failed, 0);
    pthread_mutex_init(&J.lock, NULL);
    int nt = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    if ((size_t)nt > n)
        nt = n ? (int)n : 1;
    pthread_t th[MAX_THREADS];
    arg args[MAX_THREADS];
    int started = 0;
    for (int t = 1; t < nt; t++) {
        args[started] = (arg){&J, t};
        if (pthread_create(&th[started], NULL, worker, &args[started]) == 0)
            started++;
    }
    run(&J, 0);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&J.lock);
    for (size_t i = 0; i < J.nwarn; i++) {
        wg_warn(ctx, "%s", J.warn[i]);
        free(J.warn[i]);
    }
    free(J.warn);
    if (J.st == WG_OK)
        return WG_OK;
    if (wg_ctx_status(ctx) == WG_OK)
        wg_fail(ctx, J.st, "%s", J.err);
    return wg_ctx_status(ctx);
}
