/* server/events.c: the live feed's machinery (see serve_int.h): a ring of the latest events
 * with increasing ids, and the server-sent event streams of GET /api/events. Knows nothing of
 * what an event means (feed.c says that) nor of the workspace.
 *
 * A stream is a libmicrohttpd response of unknown length whose content reader hands out what
 * the stream has not sent yet. With nothing to send it suspends its connection and returns 0
 * (the one case where 0 is allowed: with the connection suspended MHD does not call again);
 * a publish, a heartbeat due, or the server stopping resumes it. Suspended connections neither
 * time out nor notice a client that went away, hence the heartbeat: writing ": ping" to a dead
 * peer fails, MHD closes the connection, and the stream is freed. MHD must not be stopped with
 * a connection suspended: events_stop() ends every stream first. */
#include "serve_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define STREAM_BATCH ((size_t)64 * 1024) /* bytes of replay gathered at one call */

typedef struct ev_entry {
    char *text; /* "id: N\nevent: T\ndata: JSON\n\n" */
    size_t len;
} ev_entry;

typedef struct stream {
    struct stream *prev, *next;
    events *E;
    struct MHD_Connection *c;
    int64_t last;   /* the id of the last event this stream has taken */
    bool suspended; /* its connection is suspended (only then may it be resumed) */
    bool reset;     /* send `reset` first: what the client has seen is gone from the ring */
    double next_ping;
    char *out; /* taken but not sent yet: out[pos..len) */
    size_t len, pos, cap;
} stream;

struct events {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the ticker's */
    ev_entry *ring;
    size_t cap;
    int64_t first; /* the id of the first event (the server's start in microseconds) */
    int64_t next;  /* the id the next event gets; events [max(first, next - cap), next) held */
    stream *streams;
    size_t nstreams, max_streams;
    double ping_s;
    bool stopping;
    pthread_t ticker;
    bool ticker_running;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The oldest id the ring still holds (E->next when it holds none). */
static int64_t oldest(const events *E)
{
    int64_t lo = E->next - (int64_t)E->cap;
    return lo > E->first ? lo : E->first;
}

/* Appends text to s->out; false when out of memory or past the stream's cap (the stream then
 * resets instead of growing without bound). */
static bool out_add(stream *s, const char *text, size_t n)
{
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n)
            cap *= 2;
        char *p = realloc(s->out, cap);
        if (!p)
            return false;
        s->out = p, s->cap = cap;
    }
    memcpy(s->out + s->len, text, n);
    s->len += n;
    return true;
}

/* Gathers what s has to send next into s->out (under E->mu): a `reset` when it lost events,
 * then the events it has not taken, or a heartbeat when one is due. */
static void fill(events *E, stream *s, double now)
{
    int64_t lo = oldest(E);
    if (s->reset || s->last < lo - 1 || s->last > E->next - 1) {
        char buf[256];
        int n = snprintf(buf, sizeof buf,
                         "id: %" PRId64 "\nevent: reset\ndata: {\"reason\":\"events were missed: "
                         "reload everything\",\"last\":%" PRId64 "}\n\n",
                         E->next - 1, E->next - 1);
        if (out_add(s, buf, (size_t)n)) {
            s->last = E->next - 1;
            s->reset = false;
        }
    }
    while (s->last < E->next - 1 && s->len < STREAM_BATCH) {
        const ev_entry *e = &E->ring[(size_t)((s->last + 1) % (int64_t)E->cap)];
        if (!out_add(s, e->text, e->len)) {
            s->reset = true; /* out of memory: the client reloads instead */
            break;
        }
        s->last++;
    }
    if (s->len == 0 && now >= s->next_ping)
        out_add(s, ": ping\n\n", 8);
    if (s->len)
        s->next_ping = now + E->ping_s;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream *s = cls;
    events *E = s->E;
    pthread_mutex_lock(&E->mu);
    if (s->pos == s->len && !E->stopping) {
        s->pos = s->len = 0;
        fill(E, s, now_s());
    }
    if (s->pos < s->len) {
        size_t n = s->len - s->pos < max ? s->len - s->pos : max;
        memcpy(buf, s->out + s->pos, n);
        s->pos += n;
        pthread_mutex_unlock(&E->mu);
        return (ssize_t)n;
    }
    if (E->stopping) {
        pthread_mutex_unlock(&E->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    /* nothing to send: wait, suspended, for a publish, a heartbeat or the end */
    s->suspended = true;
    MHD_suspend_connection(s->c);
    pthread_mutex_unlock(&E->mu);
    return 0;
}

/* The response is gone (the connection closed, or it was never queued). */
static void stream_free(void *cls)
{
    stream *s = cls;
    events *E = s->E;
    pthread_mutex_lock(&E->mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        E->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    E->nstreams--;
    pthread_mutex_unlock(&E->mu);
    free(s->out);
    free(s);
}

/* Takes the suspended streams that `pick` selects off suspension (under E->mu) and returns
 * their connections in a new array (*n of them) to resume once the lock is released: MHD
 * takes its own locks in MHD_resume_connection, and a stream whose `suspended` is cleared is
 * resumed exactly once. NULL when there are none (or no memory: the next tick tries again). */
static struct MHD_Connection **take_suspended(events *E, bool all, double now, size_t *n)
{
    *n = 0;
    struct MHD_Connection **v = NULL;
    size_t k = 0;
    for (stream *s = E->streams; s; s = s->next)
        k += s->suspended && (all || now >= s->next_ping);
    if (!k || !(v = malloc(k * sizeof *v)))
        return NULL;
    for (stream *s = E->streams; s; s = s->next)
        if (s->suspended && (all || now >= s->next_ping)) {
            s->suspended = false;
            v[(*n)++] = s->c;
        }
    return v;
}

static void resume_all(struct MHD_Connection **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        MHD_resume_connection(v[i]);
    free(v);
}

/* The heartbeat: resumes each suspended stream whose ping is due. */
static void *ticker(void *arg)
{
    events *E = arg;
    pthread_mutex_lock(&E->mu);
    while (!E->stopping) {
        double now = now_s();
        size_t n = 0;
        struct MHD_Connection **v = take_suspended(E, false, now, &n);
        if (v) {
            pthread_mutex_unlock(&E->mu);
            resume_all(v, n);
            pthread_mutex_lock(&E->mu);
            continue;
        }
        /* sleep until the next ping is due (at most a second: new streams come meanwhile) */
        double until = now + 1.0;
        for (stream *s = E->streams; s; s = s->next)
            if (s->suspended && s->next_ping < until)
                until = s->next_ping;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        double wait = until - now > 0.01 ? until - now : 0.01;
        double at = (double)tv.tv_sec + (double)tv.tv_usec / 1e6 + wait;
        struct timespec ts = {(time_t)at, (long)((at - (double)(time_t)at) * 1e9)};
        pthread_cond_timedwait(&E->wake, &E->mu, &ts);
    }
    pthread_mutex_unlock(&E->mu);
    return NULL;
}

events *events_new(size_t ring, size_t max_streams, double ping_s)
{
    events *E = calloc(1, sizeof *E);
    if (!E || !(E->ring = calloc(ring, sizeof *E->ring))) {
        free(E);
        return NULL;
    }
    E->cap = ring;
    E->max_streams = max_streams;
    E->ping_s = ping_s;
    /* ids of a restarted server start above the last one's: a client coming back with an id
     * of the server before is told to reset, never handed someone else's events */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    E->first = E->next = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    pthread_mutex_init(&E->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&E->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&E->ticker, NULL, ticker, E) != 0) {
        events_free(E);
        return NULL;
    }
    E->ticker_running = true;
    return E;
}

void events_free(events *E)
{
    if (!E)
        return;
    if (E->ticker_running)
        events_stop(E, 0);
    for (size_t i = 0; i < E->cap; i++)
        free(E->ring[i].text);
    free(E->ring);
    pthread_cond_destroy(&E->wake);
    pthread_mutex_destroy(&E->mu);
    free(E);
}

int64_t events_publish(events *E, const char *type, json_t *data)
{
    char *js =
        data ? json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(data);
    if (!js)
        return 0;
    size_t cap = strlen(js) + strlen(type) + 64;
    char *text = malloc(cap);
    if (!text) {
        free(js);
        return 0;
    }
    pthread_mutex_lock(&E->mu);
    int64_t id = E->next++;
    int n = snprintf(text, cap, "id: %" PRId64 "\nevent: %s\ndata: %s\n\n", id, type, js);
    ev_entry *e = &E->ring[(size_t)(id % (int64_t)E->cap)];
    free(e->text);
    e->text = text;
    e->len = (size_t)n;
    size_t k = 0;
    struct MHD_Connection **v = take_suspended(E, true, 0, &k);
    pthread_mutex_unlock(&E->mu);
    free(js);
    resume_all(v, k);
    return id;
}

enum MHD_Result events_stream(events *E, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (!h)
        h = query_arg(c, "last_event_id");
    int64_t last = 0;
    bool given = false;
    if (h && *h) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(h, &end, 10);
        if (errno || *end || end == h || v < 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST,
                              "Last-Event-ID (or last_event_id) must be an event id");
        last = (int64_t)v, given = true;
    }
    stream *s = calloc(1, sizeof *s);
    if (!s)
        return MHD_NO;
    s->E = E;
    s->c = c;
    /* the client's browser retries after 3 s; the comment makes the headers leave at once */
    static const char hello[] = "retry: 3000\n: wangge-event/1\n\n";
    if (!out_add(s, hello, sizeof hello - 1)) {
        free(s);
        return MHD_NO;
    }
    pthread_mutex_lock(&E->mu);
    const char *refuse = E->stopping                     ? "the server is stopping"
                         : E->nstreams >= E->max_streams ? "too many event streams: try later"
                                                         : NULL;
    if (!refuse) {
        s->last = given ? last : E->next - 1;
        s->reset = given && (last < oldest(E) - 1 || last > E->next - 1);
        s->next_ping = now_s() + E->ping_s;
        s->next = E->streams;
        if (E->streams)
            E->streams->prev = s;
        E->streams = s;
        E->nstreams++;
    }
    pthread_mutex_unlock(&E->mu);
    if (refuse) {
        free(s->out);
        free(s);
        return send_json_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                           json_pack("{s:{s:i,s:s}}", "error", "status", 503, "message", refuse),
                           "Retry-After", "5");
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, s, stream_free);
    if (!r) {
        stream_free(s);
        return MHD_NO;
    }
    answer_headers(r, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    /* a stream is idle between events by nature: no idle timeout (the heartbeat finds dead
     * peers instead) */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* the stream is freed with the response */
    return ok;
}

void events_stop(events *E, double wait_s)
{
    pthread_mutex_lock(&E->mu);
    E->stopping = true;
    size_t k = 0;
    struct MHD_Connection **v = take_suspended(E, true, 0, &k);
    pthread_cond_broadcast(&E->wake);
    pthread_mutex_unlock(&E->mu);
    resume_all(v, k);
    if (E->ticker_running) {
        pthread_join(E->ticker, NULL);
        E->ticker_running = false;
    }
    /* the resumed streams end (their reader says so) and are freed as their responses
     * finish; a client that does not read is closed by MHD_stop_daemon, which may be called
     * now: no stream can suspend again */
    double until = now_s() + wait_s;
    for (;;) {
        pthread_mutex_lock(&E->mu);
        size_t n = E->nstreams;
        pthread_mutex_unlock(&E->mu);
        if (!n || now_s() >= until)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void events_counts(events *E, size_t *streams, size_t *max_streams, int64_t *last)
{
    pthread_mutex_lock(&E->mu);
    *streams = E->nstreams;
    *max_streams = E->max_streams;
    *last = E->next - 1;
    pthread_mutex_unlock(&E->mu);
}
