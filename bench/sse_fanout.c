/* bench/sse_fanout.c: many event streams of `wangge serve` at once, and how long a posted case
 * takes to reach them. One thread holds N streams (GET /api/events) on an epoll loop; another
 * posts one case at a time (a CSV of one row, id FANOUT-k, with the token) every INTERVAL
 * milliseconds and notes when; the loop notes when each stream sees the `case` event naming
 * FANOUT-k. Loopback only; N and the duration are bounded.
 *
 *   sse_fanout PORT STREAMS SECONDS INTERVAL_MS TOKEN X Y SRC_CRS
 *
 * Prints one line: streams asked for, opened (answered 200), alive at the end (never closed
 * by the server), cases posted and acknowledged, deliveries expected and seen, and the
 * post-to-event latency at the clients (p50, p99, max over every delivery; p50, p99 of the
 * first stream to see each case). Exit 0 when it ran (the figures say how well), 1 when it
 * could not. Used by bench_serve. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 5000
#define MAX_POSTS 10000
#define MARK "\"id\":\"FANOUT-"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct conn {
    int fd;
    bool ok;       /* answered 200 */
    bool closed;   /* the server closed it */
    char tail[64]; /* the end of the last read: a mark split across reads */
    size_t ntail;
    long seen; /* case events of this run seen */
} conn;

static struct {
    int port;
    int nstreams;
    double seconds, interval_s;
    const char *token, *x, *y, *crs;
    double posted_at[MAX_POSTS]; /* 0: not posted yet */
    atomic_int nposted, nacked;
    atomic_bool stop;
    double *lat; /* every delivery's latency */
    size_t nlat, caplat;
    double first[MAX_POSTS]; /* the first delivery of each case (0: none) */
} B;

static int connect_loopback(bool nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)B.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Writes all of buf (blocking socket); false on error. */
static bool write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t k = write(fd, buf, n);
        if (k <= 0 && errno != EINTR)
            return false;
        if (k > 0)
            buf += k, n -= (size_t)k;
    }
    return true;
}

/* The poster: one case per INTERVAL, each a request of its own, answered before the next. */
static void *poster(void *arg)
{
    (void)arg;
    double next = now_s();
    for (int k = 0; k < MAX_POSTS && !atomic_load(&B.stop); k++) {
        while (now_s() < next && !atomic_load(&B.stop)) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (atomic_load(&B.stop))
            break;
        next += B.interval_s;
        char body[512], req[2048];
        int nb =
            snprintf(body, sizeof body, "id,x,y,category\nFANOUT-%d,%s,%s,parking\n", k, B.x, B.y);
        int nr = snprintf(req, sizeof req,
                          "POST /api/incidents?src_crs=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\nContent-Type: text/csv\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                          B.crs, B.token, nb, body);
        int fd = connect_loopback(false);
        if (fd < 0)
            continue;
        B.posted_at[k] = now_s();
        atomic_store(&B.nposted, k + 1);
        bool ok = write_all(fd, req, (size_t)nr);
        char ans[4096];
        size_t got = 0;
        ssize_t r;
        while (ok && got < sizeof ans - 1 && (r = read(fd, ans + got, sizeof ans - 1 - got)) > 0)
            got += (size_t)r;
        ans[got] = '\0';
        if (ok && strncmp(ans, "HTTP/1.1 200", 12) == 0)
            atomic_fetch_add(&B.nacked, 1);
        close(fd);
    }
    return NULL;
}

static void note_case(int k, double t)
{
    if (k < 0 || k >= MAX_POSTS || B.posted_at[k] == 0)
        return;
    double d = t - B.posted_at[k];
    if (B.first[k] == 0)
        B.first[k] = d;
    if (B.nlat == B.caplat) {
        size_t cap = B.caplat ? 2 * B.caplat : 65536;
        double *p = realloc(B.lat, cap * sizeof *p);
        if (!p)
            return;
        B.lat = p, B.caplat = cap;
    }
    B.lat[B.nlat++] = d;
}

/* Looks for the marks of case events in what a stream sent (after what it kept of the read
 * before); keeps the end for the next read. */
static void scan(conn *c, const char *data, size_t n, double t)
{
    char buf[65536 + 64];
    memcpy(buf, c->tail, c->ntail);
    memcpy(buf + c->ntail, data, n);
    size_t len = c->ntail + n;
    buf[len] = '\0';
    if (!c->ok && strstr(buf, "HTTP/1.1 200"))
        c->ok = true;
    const size_t ml = sizeof MARK - 1;
    size_t consumed = 0;
    for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), MARK, ml));) {
        char *end = NULL;
        long k = strtol(p + ml, &end, 10);
        if (!end || *end != '"') /* the number runs past this read: keep it for the next */
            break;
        note_case((int)k, t);
        c->seen++;
        p = end;
        consumed = (size_t)(p - buf);
    }
    /* keep the last bytes (beyond what was read as a mark) for a mark split across reads */
    size_t keep = len - consumed < sizeof c->tail ? len - consumed : sizeof c->tail;
    memcpy(c->tail, buf + len - keep, keep);
    c->ntail = keep;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return NAN;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: sse_fanout PORT STREAMS SECONDS INTERVAL_MS TOKEN X Y SRC_CRS\n");
        return 1;
    }
    B.port = (int)strtol(argv[1], NULL, 10);
    B.nstreams = (int)strtol(argv[2], NULL, 10);
    B.seconds = strtod(argv[3], NULL);
    B.interval_s = strtod(argv[4], NULL) / 1000.0;
    B.token = argv[5], B.x = argv[6], B.y = argv[7], B.crs = argv[8];
    if (B.port <= 0 || B.nstreams < 1 || B.nstreams > MAX_STREAMS || !(B.seconds > 0) ||
        B.seconds > 600 || !(B.interval_s >= 0.001)) {
        fprintf(stderr, "sse_fanout: 1..%d streams, 0..600 s, an interval of 1 ms or more\n",
                MAX_STREAMS);
        return 1;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conn *cs = calloc((size_t)B.nstreams, sizeof *cs);
    int ep = epoll_create1(0);
    if (!cs || ep < 0) {
        perror("sse_fanout");
        return 1;
    }
    static const char get[] = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Accept: text/event-stream\r\n\r\n";
    int opened = 0;
    for (int i = 0; i < B.nstreams; i++) {
        /* blocking connect and request (loopback: immediate), then non-blocking reads */
        cs[i].fd = connect_loopback(false);
        if (cs[i].fd < 0 || !write_all(cs[i].fd, get, sizeof get - 1)) {
            fprintf(stderr, "sse_fanout: stream %d: cannot connect: %s\n", i, strerror(errno));
            if (cs[i].fd >= 0)
                close(cs[i].fd);
            cs[i].fd = -1;
            cs[i].closed = true;
            continue;
        }
        fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
        opened++;
    }
    /* let the streams settle before the first post */
    double t_end = now_s() + B.seconds, t_post = now_s() + 1.0;
    pthread_t th;
    bool posting = false;
    struct epoll_event evs[256];
    char buf[65536];
    while (now_s() < t_end + 1.0) { /* a second after the last post for its deliveries */
        if (!posting && now_s() >= t_post) {
            posting = pthread_create(&th, NULL, poster, NULL) == 0;
            t_post = 1e300;
        }
        if (posting && now_s() >= t_end)
            atomic_store(&B.stop, true);
        int n = epoll_wait(ep, evs, 256, 50);
        double t = now_s();
        for (int e = 0; e < n; e++) {
            conn *c = &cs[evs[e].data.u32];
            for (;;) {
                ssize_t r = read(c->fd, buf, sizeof buf);
                if (r > 0) {
                    scan(c, buf, (size_t)r, t);
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    c->closed = true;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    c->fd = -1;
                }
                break;
            }
        }
    }
    atomic_store(&B.stop, true);
    if (posting)
        pthread_join(th, NULL);
    int ok = 0, alive = 0;
    for (int i = 0; i < B.nstreams; i++) {
        ok += cs[i].ok;
        alive += cs[i].ok && !cs[i].closed;
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    }
    int posted = atomic_load(&B.nposted), acked = atomic_load(&B.nacked);
    qsort(B.lat, B.nlat, sizeof *B.lat, cmp_d);
    double firsts[MAX_POSTS];
    size_t nf = 0;
    for (int k = 0; k < posted; k++)
        if (B.first[k] > 0)
            firsts[nf++] = B.first[k];
    qsort(firsts, nf, sizeof *firsts, cmp_d);
    printf("streams=%d opened=%d ok=%d alive=%d posted=%d acked=%d deliveries=%zu expected=%ld "
           "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f first_p50_ms=%.1f first_p99_ms=%.1f "
           "first_max_ms=%.1f\n",
           B.nstreams, opened, ok, alive, posted, acked, B.nlat, (long)posted * ok,
           pct(B.lat, B.nlat, 0.5) * 1e3, pct(B.lat, B.nlat, 0.99) * 1e3,
           B.nlat ? B.lat[B.nlat - 1] * 1e3 : NAN, pct(firsts, nf, 0.5) * 1e3,
           pct(firsts, nf, 0.99) * 1e3, nf ? firsts[nf - 1] * 1e3 : NAN);
    free(B.lat);
    free(cs);
    close(ep);
    return 0;
}
