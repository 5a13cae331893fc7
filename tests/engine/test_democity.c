/* tests/engine/test_democity.c: the sample city. Runs the generator into a checking sink and
 * asserts what the rest of wangge relies on: sizes, household ranges (communities 1,000-5,000,
 * compounds 100-2,000, high-rises 30-400, bungalows 1-10), buildings inside their community and
 * never overlapping, communities not overlapping, the incidents' closed loop inside 2025,
 * determinism per seed; and the files wg_city_write() leaves. */
#include "geo_int.h" /* the city's shapes are checked with GEOS itself */
#include "wg/democity.h"
#include "wg/vio.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TCase *tcase_democity(void);

#define T_2025 1735660800LL /* 2025-01-01T00:00:00+08:00 */
#define T_2026 (T_2025 + 365LL * 86400)

static wg_ctx *ctx;

static void setup(void)
{
    ctx = wg_ctx_new();
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    wg_ctx_free(ctx);
    ctx = NULL;
}

/* ---- A sink that hashes everything and checks as it goes ---------------------------------- */

typedef struct comm_rec {
    char id[16];
    GEOSGeometry *g;
    const GEOSPreparedGeometry *pg;
    int64_t households, sum;
} comm_rec;

typedef struct checker {
    bool check; /* false: only hash and count */
    GEOSContextHandle_t h;
    uint64_t hash;
    wg_city_stats n;
    comm_rec *comms;
    size_t ncomm, capcomm;
    GEOSGeometry **blds;
    size_t nbld, capbld;
    char compound[16];
    int64_t compound_hh;
    size_t rivers, rails, grid_workers, high_cameras;
    int64_t last_reported;
    size_t closed, overdue;
    uint64_t progress_calls;
} checker;

static void hash_bytes(checker *k, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        k->hash ^= b[i];
        k->hash *= 0x100000001b3u; /* FNV-1a */
    }
}

static void hash_str(checker *k, const char *s)
{
    hash_bytes(k, s ? s : "\x01(null)", s ? strlen(s) + 1 : 8);
}

static void hash_num(checker *k, double v)
{
    hash_bytes(k, &v, sizeof v);
}

static void hash_int(checker *k, int64_t v)
{
    hash_bytes(k, &v, sizeof v);
}

static GEOSGeometry *ring_polygon(checker *k, const double *xy, size_t n)
{
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(k->h, xy, (unsigned)n, 0, 0);
    ck_assert_ptr_nonnull(seq);
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(k->h, seq);
    ck_assert_ptr_nonnull(ring);
    GEOSGeometry *g = GEOSGeom_createPolygon_r(k->h, ring, NULL, 0);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(GEOSisValid_r(k->h, g), 1);
    return g;
}

static void in_city_crs(const double *xy, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ck_assert(xy[2 * i] > 480000 && xy[2 * i] < 540000);
        ck_assert(xy[2 * i + 1] > 3430000 && xy[2 * i + 1] < 3490000);
    }
}

static void end_compound(checker *k)
{
    if (k->compound[0]) {
        ck_assert_msg(k->compound_hh >= 100 && k->compound_hh <= 2000,
                      "compound %s has %lld households", k->compound, (long long)k->compound_hh);
    }
    k->compound[0] = '\0';
    k->compound_hh = 0;
}

static wg_status on_street(wg_ctx *c, void *user, const wg_city_line *l)
{
    (void)c;
    checker *k = user;
    k->n.streets++;
    hash_str(k, l->id);
    hash_str(k, l->name);
    hash_str(k, l->kind);
    for (size_t i = 0; i < 2 * l->npts; i++)
        hash_num(k, l->xy[i]);
    if (k->check) {
        ck_assert(strcmp(l->kind, "main") == 0 || strcmp(l->kind, "minor") == 0);
        ck_assert_uint_ge(l->npts, 2);
        ck_assert(l->name[0] != '\0');
        in_city_crs(l->xy, l->npts);
        ck_assert_uint_eq(k->n.barriers + k->n.communities, 0); /* streets come first */
    }
    return WG_OK;
}

static wg_status on_barrier(wg_ctx *c, void *user, const wg_city_line *l)
{
    (void)c;
    checker *k = user;
    k->n.barriers++;
    hash_str(k, l->id);
    hash_str(k, l->name);
    hash_str(k, l->kind);
    for (size_t i = 0; i < 2 * l->npts; i++)
        hash_num(k, l->xy[i]);
    if (k->check) {
        ck_assert(strcmp(l->kind, "road") == 0 || strcmp(l->kind, "river") == 0 ||
                  strcmp(l->kind, "rail") == 0);
        k->rivers += strcmp(l->kind, "river") == 0;
        k->rails += strcmp(l->kind, "rail") == 0;
        ck_assert_uint_ge(l->npts, 2);
        in_city_crs(l->xy, l->npts);
    }
    return WG_OK;
}

static wg_status on_community(wg_ctx *c, void *user, const wg_city_community *cm)
{
    (void)c;
    checker *k = user;
    k->n.communities++;
    hash_str(k, cm->id);
    hash_str(k, cm->name);
    hash_str(k, cm->parent);
    hash_int(k, cm->households);
    for (size_t i = 0; i < 2 * cm->npts; i++)
        hash_num(k, cm->ring[i]);
    if (!k->check)
        return WG_OK;
    ck_assert_msg(cm->households >= 1000 && cm->households <= 5000,
                  "community %s has %lld households", cm->id, (long long)cm->households);
    ck_assert(strstr(cm->name, "社区") != NULL);
    ck_assert(strstr(cm->parent, "街道") != NULL || strstr(cm->parent, "镇") != NULL);
    in_city_crs(cm->ring, cm->npts);
    if (k->ncomm == k->capcomm) {
        k->capcomm = k->capcomm ? 2 * k->capcomm : 64;
        k->comms = realloc(k->comms, k->capcomm * sizeof *k->comms);
        ck_assert_ptr_nonnull(k->comms);
    }
    comm_rec *r = &k->comms[k->ncomm++];
    memset(r, 0, sizeof *r);
    ck_assert_uint_lt(strlen(cm->id), sizeof r->id);
    memcpy(r->id, cm->id, strlen(cm->id) + 1);
    r->households = cm->households;
    r->g = ring_polygon(k, cm->ring, cm->npts);
    r->pg = GEOSPrepare_r(k->h, r->g);
    ck_assert_ptr_nonnull(r->pg);
    for (size_t i = 0; i + 1 < k->ncomm; i++) { /* interiors never meet */
        ck_assert_int_eq(GEOSRelatePattern_r(k->h, k->comms[i].g, r->g, "T********"), 0);
        ck_assert_str_ne(k->comms[i].id, r->id);
    }
    return WG_OK;
}

static comm_rec *find_comm(checker *k, const char *id)
{
    for (size_t i = k->ncomm; i-- > 0;)
        if (strcmp(k->comms[i].id, id) == 0)
            return &k->comms[i];
    return NULL;
}

static wg_status on_building(wg_ctx *c, void *user, const wg_city_building *b)
{
    (void)c;
    checker *k = user;
    k->n.buildings++;
    k->n.bungalows += b->compound == NULL;
    k->n.households += b->households;
    hash_str(k, b->id);
    hash_int(k, b->households);
    hash_str(k, b->compound);
    hash_str(k, b->community);
    for (size_t i = 0; i < 2 * b->npts; i++)
        hash_num(k, b->ring[i]);
    if (!k->check)
        return WG_OK;
    if (b->compound) {
        ck_assert_msg(b->households >= 30 && b->households <= 400, "building %s: %lld households",
                      b->id, (long long)b->households);
        if (strcmp(b->compound, k->compound) != 0) { /* a compound's buildings come together */
            ck_assert_msg(k->compound[0] == '\0' || strcmp(b->compound, k->compound) > 0,
                          "compound %s seen again after %s", b->compound, k->compound);
            end_compound(k);
            k->n.compounds++;
            ck_assert_uint_lt(strlen(b->compound), sizeof k->compound);
            memcpy(k->compound, b->compound, strlen(b->compound) + 1);
        }
        k->compound_hh += b->households;
    } else {
        ck_assert_msg(b->households >= 1 && b->households <= 10, "bungalow %s: %lld households",
                      b->id, (long long)b->households);
    }
    comm_rec *cm = find_comm(k, b->community);
    ck_assert_msg(cm != NULL, "building %s: community %s not delivered before it", b->id,
                  b->community);
    cm->sum += b->households;
    GEOSGeometry *g = ring_polygon(k, b->ring, b->npts);
    ck_assert_msg(GEOSPreparedContains_r(k->h, cm->pg, g) == 1, "building %s outside %s", b->id,
                  cm->id);
    if (k->nbld == k->capbld) {
        k->capbld = k->capbld ? 2 * k->capbld : 1024;
        k->blds = realloc(k->blds, k->capbld * sizeof *k->blds);
        ck_assert_ptr_nonnull(k->blds);
    }
    k->blds[k->nbld++] = g;
    return WG_OK;
}

static wg_status on_worker(wg_ctx *c, void *user, const wg_city_worker *w)
{
    (void)c;
    checker *k = user;
    k->n.workers++;
    hash_str(k, w->id);
    hash_str(k, w->name);
    hash_str(k, w->role);
    hash_str(k, w->community);
    if (k->check) {
        ck_assert(strcmp(w->role, "grid_worker") == 0 || strcmp(w->role, "police") == 0 ||
                  strcmp(w->role, "official") == 0);
        k->grid_workers += strcmp(w->role, "grid_worker") == 0;
        ck_assert_ptr_nonnull(find_comm(k, w->community));
        ck_assert_uint_ge(strlen(w->name), 6); /* two CJK characters at least */
    }
    return WG_OK;
}

static wg_status on_camera(wg_ctx *c, void *user, const wg_city_camera *cam)
{
    (void)c;
    checker *k = user;
    k->n.cameras++;
    hash_str(k, cam->id);
    hash_str(k, cam->kind);
    const double v[] = {cam->x,       cam->y,       cam->heading_deg,
                        cam->fov_deg, cam->range_m, cam->height_m};
    for (size_t i = 0; i < 6; i++)
        hash_num(k, v[i]);
    if (!k->check)
        return WG_OK;
    in_city_crs(v, 1);
    ck_assert(cam->heading_deg >= 0 && cam->heading_deg < 360);
    if (strcmp(cam->kind, "fixed") == 0) {
        ck_assert(cam->fov_deg >= 60 && cam->fov_deg <= 120);
        ck_assert(cam->range_m >= 30 && cam->range_m <= 100);
        ck_assert(cam->height_m >= 3 && cam->height_m <= 6);
    } else if (strcmp(cam->kind, "dome") == 0) {
        ck_assert(cam->fov_deg == 360 && cam->range_m == 50);
        ck_assert(cam->height_m >= 3 && cam->height_m <= 6);
    } else {
        ck_assert_str_eq(cam->kind, "high");
        k->high_cameras++;
        ck_assert(cam->fov_deg == 360);
        ck_assert(cam->range_m >= 200 && cam->range_m <= 400);
        ck_assert(cam->height_m >= 30 && cam->height_m <= 80);
    }
    return WG_OK;
}

static int deadline_of(const char *code)
{
    size_t n;
    const wg_city_category *cats = wg_city_categories(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(cats[i].code, code) == 0)
            return cats[i].deadline_days;
    return -1;
}

static wg_status on_incident(wg_ctx *c, void *user, const wg_city_incident *e)
{
    (void)c;
    checker *k = user;
    k->n.incidents++;
    hash_str(k, e->id);
    hash_str(k, e->category);
    hash_str(k, e->source);
    hash_str(k, e->status);
    hash_num(k, e->x);
    hash_num(k, e->y);
    hash_int(k, e->reported);
    hash_int(k, e->dispatched);
    hash_int(k, e->closed);
    hash_int(k, e->due);
    if (!k->check)
        return WG_OK;
    const double xy[2] = {e->x, e->y};
    in_city_crs(xy, 1);
    int days = deadline_of(e->category);
    ck_assert_msg(days > 0, "incident %s: unknown category %s", e->id, e->category);
    ck_assert(strcmp(e->source, "patrol") == 0 || strcmp(e->source, "hotline") == 0 ||
              strcmp(e->source, "camera") == 0);
    ck_assert(e->reported >= T_2025 && e->reported < T_2026);
    ck_assert(e->reported >= k->last_reported); /* in order of reporting */
    k->last_reported = e->reported;
    ck_assert_int_eq(e->reported % 60, 0);
    ck_assert_int_eq(e->due, e->reported + days * 86400LL);
    if (e->dispatched != WG_CITY_NO_TIME)
        ck_assert(e->dispatched >= e->reported && e->dispatched < T_2026);
    if (e->closed != WG_CITY_NO_TIME) {
        ck_assert(e->dispatched != WG_CITY_NO_TIME);
        ck_assert(e->closed >= e->dispatched && e->closed < T_2026);
        ck_assert_str_eq(e->status, "closed");
        k->closed++;
        k->overdue += e->closed > e->due;
    } else {
        ck_assert_str_eq(e->status, "open");
    }
    return WG_OK;
}

static void on_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    checker *k = user;
    ck_assert(done <= total);
    ck_assert(strcmp(stage, "generating blocks") == 0 ||
              strcmp(stage, "generating incidents") == 0);
    k->progress_calls++;
}

static const wg_city_sink *checking_sink(checker *k, bool check)
{
    static wg_city_sink sink;
    memset(k, 0, sizeof *k);
    k->check = check;
    k->h = wg_ctx_geos(ctx);
    k->hash = 0xcbf29ce484222325u;
    k->last_reported = T_2025;
    sink = (wg_city_sink){k,         on_street,   on_barrier, on_community,
                          on_worker, on_building, on_camera,  on_incident};
    return &sink;
}

static void checker_free(checker *k)
{
    for (size_t i = 0; i < k->ncomm; i++) {
        GEOSPreparedGeom_destroy_r(k->h, k->comms[i].pg);
        GEOSGeom_destroy_r(k->h, k->comms[i].g);
    }
    for (size_t i = 0; i < k->nbld; i++)
        GEOSGeom_destroy_r(k->h, k->blds[i]);
    free(k->comms);
    free(k->blds);
}

typedef struct overlap_q {
    checker *k;
    const GEOSGeometry *self;
    size_t hits;
} overlap_q;

static void overlap_cb(void *item, void *user)
{
    overlap_q *q = user;
    const GEOSGeometry *g = item;
    if (g != q->self && GEOSRelatePattern_r(q->k->h, q->self, g, "T********") != 0)
        q->hits++;
}

/* Number of building pairs whose interiors meet (each pair counted from both sides). */
static size_t overlapping_buildings(checker *k)
{
    GEOSSTRtree *t = GEOSSTRtree_create_r(k->h, 10);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < k->nbld; i++)
        GEOSSTRtree_insert_r(k->h, t, k->blds[i], k->blds[i]);
    overlap_q q = {k, NULL, 0};
    for (size_t i = 0; i < k->nbld; i++) {
        q.self = k->blds[i];
        GEOSSTRtree_query_r(k->h, t, k->blds[i], overlap_cb, &q);
    }
    GEOSSTRtree_destroy_r(k->h, t);
    return q.hits;
}

/* ---- Tests --------------------------------------------------------------------------------- */

START_TEST(scale_parse)
{
    wg_city_scale s = WG_CITY_LARGE;
    ck_assert_int_eq(wg_city_scale_parse(ctx, "small", &s), WG_OK);
    ck_assert_int_eq(s, WG_CITY_SMALL);
    ck_assert_int_eq(wg_city_scale_parse(ctx, "Medium", &s), WG_OK);
    ck_assert_int_eq(s, WG_CITY_MEDIUM);
    ck_assert_int_eq(wg_city_scale_parse(ctx, "large", &s), WG_OK);
    ck_assert_int_eq(s, WG_CITY_LARGE);
    ck_assert_str_eq(wg_city_scale_name(WG_CITY_MEDIUM), "medium");
    ck_assert_int_eq(wg_city_scale_parse(ctx, "huge", &s), WG_EINPUT);
    ck_assert_int_eq(s, WG_CITY_LARGE); /* untouched on failure */
    const char *msg = wg_ctx_errmsg(ctx);
    ck_assert_msg(strstr(msg, "\"huge\"") && strstr(msg, "small, medium or large"), "got: %s", msg);
}
END_TEST

START_TEST(time_iso)
{
    char buf[WG_CITY_TIME_LEN];
    ck_assert_str_eq(wg_city_time_iso(T_2025, buf), "2025-01-01T00:00:00+08:00");
    ck_assert_str_eq(wg_city_time_iso(1741915560, buf), "2025-03-14T09:26:00+08:00");
    ck_assert_str_eq(wg_city_time_iso(1767196740, buf), "2025-12-31T23:59:00+08:00");
    ck_assert_str_eq(wg_city_time_iso(T_2026, buf), "2026-01-01T00:00:00+08:00");
    ck_assert_str_eq(wg_city_time_iso(951782400 - 8 * 3600, buf), "2000-02-29T00:00:00+08:00");
}
END_TEST

static const uint64_t SEEDS[] = {1, 2, 42, 20250314};

START_TEST(small_city_is_plausible)
{
    checker k;
    const wg_city_sink *sink = checking_sink(&k, true);
    wg_ctx_set_progress(ctx, on_progress, &k);
    wg_city_stats st;
    ck_assert_int_eq(wg_city_generate(ctx, WG_CITY_SMALL, SEEDS[_i], sink, &st), WG_OK);
    end_compound(&k);

    ck_assert_msg(st.buildings >= 3000 && st.buildings <= 8000, "%zu buildings", st.buildings);
    ck_assert_msg(st.incidents >= 15000 && st.incidents <= 25000, "%zu incidents", st.incidents);
    ck_assert_uint_ge(st.communities, 4);
    ck_assert_uint_gt(st.bungalows, 0);
    ck_assert_uint_gt(st.compounds, 5);
    ck_assert_uint_gt(st.cameras, 10);
    /* What the sink saw is what the stats say. */
    ck_assert_uint_eq(k.n.streets, st.streets);
    ck_assert_uint_eq(k.n.barriers, st.barriers);
    ck_assert_uint_eq(k.n.communities, st.communities);
    ck_assert_uint_eq(k.n.buildings, st.buildings);
    ck_assert_uint_eq(k.n.bungalows, st.bungalows);
    ck_assert_uint_eq(k.n.compounds, st.compounds);
    ck_assert_uint_eq(k.n.incidents, st.incidents);
    ck_assert_uint_eq(k.n.cameras, st.cameras);
    ck_assert_uint_eq(k.n.workers, st.workers);
    ck_assert_int_eq(k.n.households, st.households);
    ck_assert_uint_eq(k.rivers, 1);
    ck_assert_uint_eq(k.rails, 1);
    ck_assert_uint_gt(k.progress_calls, 300); /* per superblock and per day */

    /* A community's households are its buildings'; one or two grid workers per ~250. */
    int64_t hh = 0;
    for (size_t i = 0; i < k.ncomm; i++) {
        ck_assert_int_eq(k.comms[i].sum, k.comms[i].households);
        hh += k.comms[i].households;
    }
    ck_assert_int_eq(hh, st.households);
    ck_assert_uint_ge(k.grid_workers, (size_t)(hh / 250));
    ck_assert_uint_le(k.grid_workers, (size_t)(2 * (hh / 250 + k.ncomm)));

    /* The closed loop: ~95 % closed, most on time, some late. */
    double closed = (double)k.closed / (double)st.incidents;
    double overdue = (double)k.overdue / (double)k.closed;
    ck_assert_msg(closed > 0.9 && closed < 0.99, "closed share %.3f", closed);
    ck_assert_msg(overdue > 0.02 && overdue < 0.25, "overdue share %.3f", overdue);

    ck_assert_uint_eq(overlapping_buildings(&k), 0);
    checker_free(&k);
}
END_TEST

static uint64_t stream_hash(uint64_t seed, wg_city_stats *st)
{
    checker k;
    const wg_city_sink *sink = checking_sink(&k, false);
    ck_assert_int_eq(wg_city_generate(ctx, WG_CITY_SMALL, seed, sink, st), WG_OK);
    checker_free(&k);
    return k.hash;
}

START_TEST(same_seed_same_city)
{
    wg_city_stats a, b, c;
    uint64_t h1 = stream_hash(7, &a), h2 = stream_hash(7, &b), h3 = stream_hash(8, &c);
    ck_assert_uint_eq(h1, h2);
    ck_assert_uint_eq(a.buildings, b.buildings);
    ck_assert_uint_ne(h1, h3);
}
END_TEST

static wg_status fail_on_tenth(wg_ctx *c, void *user, const wg_city_building *b)
{
    size_t *n = user;
    if (++*n == 10)
        return wg_fail(c, WG_EIO, "test sink: cannot store building %s", b->id);
    return WG_OK;
}

START_TEST(sink_error_stops_generation)
{
    size_t n = 0;
    wg_city_sink sink = {0};
    sink.user = &n;
    sink.on_building = fail_on_tenth;
    wg_city_stats st = {0};
    st.buildings = 12345;
    ck_assert_int_eq(wg_city_generate(ctx, WG_CITY_SMALL, 1, &sink, &st), WG_EIO);
    ck_assert_uint_eq(n, 10);
    ck_assert_uint_eq(st.buildings, 12345); /* stats untouched on failure */
    ck_assert_str_eq(wg_ctx_errmsg(ctx), "test sink: cannot store building B0000010");
}
END_TEST

/* Features in `dir`/`file`, read back through geo's reader; checks the fields named. */
static size_t count_features(const char *dir, const char *file, const char *const *fields)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    wg_src *src = NULL;
    ck_assert_msg(wg_src_open(ctx, path, NULL, &src) == WG_OK, "%s: %s", path, wg_ctx_errmsg(ctx));
    for (size_t i = 0; fields[i]; i++)
        ck_assert_msg(wg_src_field(src, fields[i]) >= 0, "%s has no field %s", file, fields[i]);
    size_t n = 0;
    bool eof = false;
    wg_feat f;
    for (;;) {
        ck_assert_int_eq(wg_src_next(ctx, src, &f, &eof), WG_OK);
        if (eof)
            break;
        ck_assert_msg(f.problem[0] == '\0', "%s %s: %s", file, f.label, f.problem);
        n++;
    }
    wg_src_close(src);
    return n;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4096];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

START_TEST(write_small_city_files)
{
    char tmp[] = "/tmp/wg_democity_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    char dir[sizeof tmp + 16];
    snprintf(dir, sizeof dir, "%s/city/a", tmp); /* made, with its parent */
    wg_city_stats st;
    ck_assert_msg(wg_city_write(ctx, WG_CITY_SMALL, 3, dir, &st) == WG_OK, "%s",
                  wg_ctx_errmsg(ctx));

    static const char *const comm_f[] = {"id", "name", "parent", "households", NULL};
    static const char *const unit_f[] = {"id", "households", "compound", "community", "kind", NULL};
    static const char *const street_f[] = {"id", "name", "kind", NULL};
    static const char *const barrier_f[] = {"id", "kind", "name", NULL};
    static const char *const inc_f[] = {"id",     "category", "source", "reported", "dispatched",
                                        "closed", "due",      "status", NULL};
    static const char *const cam_f[] = {"id",      "kind",     "heading_deg", "fov_deg",
                                        "range_m", "height_m", NULL};
    static const char *const worker_f[] = {"id", "name", "role", "community", NULL};
    ck_assert_uint_eq(count_features(dir, "communities.gpkg", comm_f), st.communities);
    ck_assert_uint_eq(count_features(dir, "units.gpkg", unit_f), st.buildings);
    ck_assert_uint_eq(count_features(dir, "streets.gpkg", street_f), st.streets);
    ck_assert_uint_eq(count_features(dir, "barriers.gpkg", barrier_f), st.barriers);
    ck_assert_uint_eq(count_features(dir, "incidents.fgb", inc_f), st.incidents);
    ck_assert_uint_eq(count_features(dir, "cameras.gpkg", cam_f), st.cameras);
    ck_assert_uint_eq(count_features(dir, "workers.csv", worker_f), st.workers);

    /* The first incident's times read back as written, and an open one has no closed time. */
    char path[4096];
    snprintf(path, sizeof path, "%s/incidents.fgb", dir);
    wg_src *src = NULL;
    ck_assert_int_eq(wg_src_open(ctx, path, NULL, &src), WG_OK);
    int fr = wg_src_field(src, "reported"), fc = wg_src_field(src, "closed");
    int fs = wg_src_field(src, "status");
    wg_feat f;
    bool eof = false, saw_open = false;
    ck_assert_int_eq(wg_src_next(ctx, src, &f, &eof), WG_OK);
    const char *rep = wg_src_str(src, (size_t)fr);
    ck_assert_ptr_nonnull(rep);
    ck_assert_msg(strncmp(rep, "2025-01-01T", 11) == 0 && strstr(rep, "+08:00"), "got %s", rep);
    while (!eof && !saw_open) {
        const char *status = wg_src_str(src, (size_t)fs);
        if (status && strcmp(status, "open") == 0) {
            ck_assert_ptr_null(wg_src_str(src, (size_t)fc));
            saw_open = true;
        }
        ck_assert_int_eq(wg_src_next(ctx, src, &f, &eof), WG_OK);
    }
    wg_src_close(src);
    ck_assert(saw_open);

    /* No temporary files are left beside the results. */
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t nfiles = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            nfiles++;
        else
            ck_assert(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
    closedir(d);
    ck_assert_uint_eq(nfiles, 7);

    remove_dir(dir);
    snprintf(path, sizeof path, "%s/city", tmp);
    rmdir(path);
    rmdir(tmp);
}
END_TEST

TCase *tcase_democity(void)
{
    TCase *tc = tcase_create("democity");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, scale_parse);
    tcase_add_test(tc, time_iso);
    tcase_add_loop_test(tc, small_city_is_plausible, 0, (int)(sizeof SEEDS / sizeof SEEDS[0]));
    tcase_add_test(tc, same_seed_same_city);
    tcase_add_test(tc, sink_error_stops_generation);
    tcase_add_test(tc, write_small_city_files);
    return tc;
}
