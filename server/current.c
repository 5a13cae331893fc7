/* server/current.c: what this server knows of the workspace's write counter, and the answers
 * made from a whole report (/api/summary, /api/cells) that it keeps while the counter stands.
 *
 * The counter moves with every committed write, by this server or any other process. It is read
 * at most every COUNTER_AGE seconds (a read takes the database's locks; a kept answer or a cached
 * tile is otherwise served from memory alone), and at once after this server's own writes.
 *
 * A whole report of a large city takes a second or more; a command center's screens ask for the
 * same summary again and again. An answer is kept (the libmicrohttpd response itself, queued to
 * every client that asks) with the counter it was made at, and made again only once the counter
 * has moved. Only one thread makes a given answer at a time; the others asking for it wait for
 * that one instead of making it too. */
#include "serve_int.h"
#include "wg/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNTER_AGE 0.1

void current_init(current *C)
{
    memset(C, 0, sizeof *C);
    atomic_init(&C->counter, 0);
    atomic_init(&C->counter_at, 0.0);
    pthread_mutex_init(&C->mu, NULL);
    pthread_cond_init(&C->made, NULL);
}

void current_fini(current *C)
{
    for (int i = 0; i < KEPT_ANSWERS; i++)
        if (C->kept[i].resp)
            MHD_destroy_response(C->kept[i].resp);
    pthread_mutex_destroy(&C->mu);
    pthread_cond_destroy(&C->made);
}

bool current_counter(server *S, worker *w, int64_t *counter)
{
    current *C = &S->cur;
    double now = wg_now(), at = atomic_load(&C->counter_at);
    if (at > 0 && now - at < COUNTER_AGE) {
        *counter = atomic_load(&C->counter);
        return true;
    }
    if (wg_store_counter(w->ws, counter) != WG_OK)
        return false;
    int64_t known = atomic_load(&C->counter); /* it only moves forward */
    while (*counter > known && !atomic_compare_exchange_weak(&C->counter, &known, *counter))
        ;
    atomic_store(&C->counter_at, now);
    return true;
}

void current_written(server *S)
{
    atomic_store(&S->cur.counter_at, 0.0);
}

void current_counts(server *S, uint64_t *hits, uint64_t *made)
{
    pthread_mutex_lock(&S->cur.mu);
    *hits = S->cur.hits, *made = S->cur.nmade;
    pthread_mutex_unlock(&S->cur.mu);
}

/* The kept answer of key, or NULL (under C->mu). */
static kept_answer *kept_find(current *C, const char *key)
{
    for (int i = 0; i < KEPT_ANSWERS; i++)
        if (C->kept[i].key[0] && strcmp(C->kept[i].key, key) == 0)
            return &C->kept[i];
    return NULL;
}

/* A place for key: an empty one, else the least recently used that no thread is making; NULL
 * when every one is being made (under C->mu). */
static kept_answer *kept_slot(current *C, const char *key)
{
    kept_answer *best = NULL;
    for (int i = 0; i < KEPT_ANSWERS; i++) {
        kept_answer *k = &C->kept[i];
        if (k->building)
            continue;
        if (!k->key[0]) {
            best = k;
            break;
        }
        if (!best || k->used < best->used)
            best = k;
    }
    if (best) {
        if (best->resp)
            MHD_destroy_response(best->resp);
        memset(best, 0, sizeof *best);
        snprintf(best->key, sizeof best->key, "%s", key);
    }
    return best;
}

enum MHD_Result answer_kept(struct MHD_Connection *c, worker *w, const char *key, answer_fn make,
                            void *user)
{
    current *C = &w->S->cur;
    int64_t counter;
    if (!current_counter(w->S, w, &counter))
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    pthread_mutex_lock(&C->mu);
    kept_answer *k;
    for (;;) {
        k = kept_find(C, key);
        if (k && k->resp && k->counter >= counter) { /* made since the last write: current */
            k->used = ++C->tick;
            C->hits++;
            enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, k->resp);
            pthread_mutex_unlock(&C->mu);
            return ok;
        }
        if (!k || !k->building)
            break;
        pthread_cond_wait(&C->made, &C->mu); /* another thread makes it: its answer will do */
    }
    if (!k)
        k = kept_slot(C, key); /* NULL: made, sent, not kept */
    if (k)
        k->building = true;
    pthread_mutex_unlock(&C->mu);

    json_t *body = make(w, user);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct MHD_Response *r = text ? json_response(text, strlen(text)) : NULL;
    enum MHD_Result ok = MHD_NO;
    bool queued = false;
    pthread_mutex_lock(&C->mu);
    if (k) {
        k->building = false;
        if (r) { /* kept: the place takes this reference */
            if (k->resp)
                MHD_destroy_response(k->resp);
            k->resp = r;
            k->counter = counter; /* what it was made from was read after this counter */
            k->used = ++C->tick;
            ok = MHD_queue_response(c, MHD_HTTP_OK, r);
            queued = true;
        }
        C->nmade++;
        pthread_cond_broadcast(&C->made);
    }
    pthread_mutex_unlock(&C->mu);
    if (!body)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    if (!r)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the answer could not be encoded");
    if (queued)
        return ok;
    ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}
