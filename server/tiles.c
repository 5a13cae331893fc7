/* server/tiles.c: GET /tiles/{map}/{z}/{x}/{y}[@2x].png - map tiles drawn by render/, their
 * themes, and a bounded cache of the encoded tiles that the store's change tracking keeps
 * fresh tile by tile.
 *
 * A map's theme (wg_tile_theme: its classes, colours and, for the incident maps, the incidents
 * themselves) is made once per map and filter, and made again when the data behind the map
 * changed: for the incident maps the incidents and categories tables' versions, for the plan map
 * the active plan's, for the basemap its layers', for the maps of the report any change at all
 * (the workspace's counter). Each remake is a transition, recorded with what it touched:
 * - the incident maps: where the new incidents lie (grown by the kernel radius), when the
 *   classes and colours came out the same and no incident already drawn changed (an update may
 *   have moved it; then everything);
 * - the plan map: the boxes of the cells that changed (a move changes both cells: together they
 *   cover what either held before), when the active plan is the same one;
 * - everything, otherwise.
 * A cached tile is served while no transition since it was drawn touched its box; otherwise it
 * is drawn again. The ETag is a hash of the PNG bytes, so a tile drawn again the same keeps it. */
#include "serve_int.h"
#include "wg/render.h"
#include "wg/store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THEMES 32  /* maps x filters kept at once */
#define HISTORY 64     /* transitions kept per theme */
#define MAX_DIRTY 4096 /* boxes per transition; more count as everything */

typedef struct transition {
    int64_t gen;   /* the theme generation it led to */
    bool all;      /* touched everything */
    double *boxes; /* 4 per box, workspace CRS */
    size_t n;
} transition;

/* A theme shared by the tiles drawing from it; freed by the last one once replaced. */
typedef struct held {
    wg_tile_theme *tt;
    int refs;
} held;

typedef struct theme_ent {
    char key[600]; /* map|filter */
    wg_map_kind kind;
    held *cur;       /* NULL until made */
    int64_t stamp;   /* what it was made from (see map_stamp) */
    int64_t plan;    /* the active plan it was made under */
    int64_t inc_ver; /* the incidents' and categories' versions, and the incidents' count, */
    int64_t cat_ver; /* when it was made */
    int64_t counter; /* the workspace's counter when it was last found current */
    size_t inc_count;
    int64_t gen;
    transition hist[HISTORY];
    size_t nhist;
    bool building;
    uint64_t used; /* LRU tick */
} theme_ent;

typedef struct tile_ent {
    char *key; /* theme key | z/x/y@s */
    /* the 200 answer, made once with its headers and queued to every client that asks (a
     * libmicrohttpd response counts its uses: dropped here, it goes with the last send) */
    struct MHD_Response *resp;
    size_t len;
    char etag[24];
    double box[4]; /* the tile's box in the workspace CRS, grown by a margin */
    theme_ent *theme;
    int64_t gen;
    struct tile_ent *prev, *next; /* LRU list, most recent first */
    struct tile_ent *chain;       /* hash chain */
} tile_ent;

struct tiles {
    pthread_mutex_t mu;
    pthread_cond_t built;
    theme_ent themes[MAX_THEMES];
    uint64_t tick;
    tile_ent **table;
    size_t nbuckets, ntiles;
    tile_ent *head, *tail;
    size_t bytes, max_bytes;
    /* counters for /api/health and the benchmark */
    uint64_t hits, misses, revalidated, drawn;
};

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

tiles *tiles_new(size_t max_bytes)
{
    tiles *T = calloc(1, sizeof *T);
    if (!T)
        return NULL;
    T->nbuckets = 1 << 16;
    T->table = calloc(T->nbuckets, sizeof *T->table);
    if (!T->table) {
        free(T);
        return NULL;
    }
    T->max_bytes = max_bytes;
    pthread_mutex_init(&T->mu, NULL);
    pthread_cond_init(&T->built, NULL);
    return T;
}

static void hist_clear(theme_ent *e)
{
    for (size_t i = 0; i < e->nhist; i++)
        free(e->hist[i].boxes);
    e->nhist = 0;
}

void tiles_free(tiles *T)
{
    if (!T)
        return;
    for (tile_ent *t = T->head, *n; t; t = n) {
        n = t->next;
        MHD_destroy_response(t->resp);
        free(t->key), free(t);
    }
    for (size_t i = 0; i < MAX_THEMES; i++) {
        held *h = T->themes[i].cur;
        if (h)
            wg_tile_theme_free(h->tt);
        free(h);
        hist_clear(&T->themes[i]);
    }
    pthread_mutex_destroy(&T->mu);
    pthread_cond_destroy(&T->built);
    free(T->table);
    free(T);
}

void tiles_stats(tiles *T, tiles_counts *out)
{
    pthread_mutex_lock(&T->mu);
    *out = (tiles_counts){.tiles = T->ntiles,
                          .bytes = T->bytes,
                          .max_bytes = T->max_bytes,
                          .hits = T->hits,
                          .misses = T->misses,
                          .revalidated = T->revalidated,
                          .drawn = T->drawn};
    pthread_mutex_unlock(&T->mu);
}

/* ---- The cache of encoded tiles (under T->mu) ---------------------------------------------- */

static void lru_unlink(tiles *T, tile_ent *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        T->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        T->tail = t->prev;
    t->prev = t->next = NULL;
}

static void lru_front(tiles *T, tile_ent *t)
{
    t->next = T->head;
    t->prev = NULL;
    if (T->head)
        T->head->prev = t;
    T->head = t;
    if (!T->tail)
        T->tail = t;
}

static tile_ent *cache_find(tiles *T, const char *key)
{
    for (tile_ent *t = T->table[fnv(key, strlen(key)) % T->nbuckets]; t; t = t->chain)
        if (strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

static void cache_drop(tiles *T, tile_ent *t)
{
    tile_ent **p = &T->table[fnv(t->key, strlen(t->key)) % T->nbuckets];
    while (*p != t)
        p = &(*p)->chain;
    *p = t->chain;
    lru_unlink(T, t);
    T->bytes -= t->len + strlen(t->key) + sizeof *t;
    T->ntiles--;
    MHD_destroy_response(t->resp);
    free(t->key), free(t);
}

/* Keeps the tile's answer (taken: the caller's reference passes to the cache) under key; the
 * oldest tiles go to make room. */
static void cache_put(tiles *T, const char *key, struct MHD_Response *resp, size_t len,
                      const char *etag, const double box[4], theme_ent *th, int64_t gen)
{
    tile_ent *t = cache_find(T, key);
    if (t)
        cache_drop(T, t);
    size_t need = len + strlen(key) + sizeof *t;
    if (need > T->max_bytes) {
        MHD_destroy_response(resp);
        return;
    }
    while (T->bytes + need > T->max_bytes && T->tail)
        cache_drop(T, T->tail);
    if (!(t = calloc(1, sizeof *t)) || !(t->key = strdup(key))) {
        free(t);
        MHD_destroy_response(resp);
        return;
    }
    t->resp = resp, t->len = len, t->theme = th, t->gen = gen;
    snprintf(t->etag, sizeof t->etag, "%s", etag);
    memcpy(t->box, box, sizeof t->box);
    size_t b = fnv(key, strlen(key)) % T->nbuckets;
    t->chain = T->table[b];
    T->table[b] = t;
    lru_front(T, t);
    T->bytes += need;
    T->ntiles++;
}

/* Whether no transition of the theme after generation gen touched box. */
static bool untouched(const theme_ent *e, int64_t gen, const double box[4])
{
    if (gen == e->gen)
        return true;
    if (e->nhist == 0 || e->hist[0].gen > gen + 1) /* the history no longer reaches back */
        return false;
    for (size_t i = 0; i < e->nhist; i++) {
        const transition *tr = &e->hist[i];
        if (tr->gen <= gen)
            continue;
        if (tr->all)
            return false;
        for (size_t k = 0; k < tr->n; k++) {
            const double *b = tr->boxes + 4 * k;
            if (b[0] <= box[2] && box[0] <= b[2] && b[1] <= box[3] && box[1] <= b[3])
                return false;
        }
    }
    return true;
}

/* ---- Themes ------------------------------------------------------------------------------- */

/* What the map is drawn from, as one number that changes when that does. */
static wg_status map_stamp(wg_ws *ws, wg_map_kind kind, int64_t *stamp, int64_t *plan)
{
    wg_plan_rec p;
    bool found = false;
    wg_status st = wg_store_plan_get(ws, 0, &p, &found);
    *plan = found ? p.id : 0;
    if (st != WG_OK)
        return st;
    static const char *const inc[] = {"incidents", "categories", NULL};
    static const char *const base[] = {"units", "communities", "streets", "barriers", NULL};
    const char *const *names = kind == WG_MAP_HEATMAP || kind == WG_MAP_INCIDENTS ? inc
                               : kind == WG_MAP_BASE                              ? base
                                                                                  : NULL;
    if (kind == WG_MAP_PLAN) {
        *stamp = found ? p.ver : 0;
        return WG_OK;
    }
    if (!names)
        return wg_store_counter(ws, stamp);
    int64_t s = 0;
    for (size_t i = 0; names[i]; i++) {
        wg_version v;
        if ((st = wg_store_version(ws, names[i], &v)) != WG_OK)
            return st;
        s = s > v.ver ? s : v.ver;
    }
    *stamp = s;
    return WG_OK;
}

typedef struct boxes_acc {
    transition *tr;
    size_t cap;
} boxes_acc;

static wg_status cell_changed(void *user, const wg_cell_rec *c)
{
    boxes_acc *A = user;
    transition *tr = A->tr;
    if (tr->all || isnan(c->box[0]))
        return WG_OK;
    if (tr->n == MAX_DIRTY) {
        tr->all = true;
        return WG_OK;
    }
    if (tr->n == A->cap) {
        size_t cap = A->cap ? 2 * A->cap : 64;
        double *b = realloc(tr->boxes, 4 * cap * sizeof *b);
        if (!b) {
            tr->all = true;
            return WG_OK;
        }
        tr->boxes = b, A->cap = cap;
    }
    memcpy(tr->boxes + 4 * tr->n++, c->box, 4 * sizeof *c->box);
    return WG_OK;
}

/* The transition touched the boxes of radius r around the points xy[0..2n) (those without a
 * location skipped); everything when they are too many or out of memory. */
static void touched_around(transition *tr, const double *xy, size_t n, double r)
{
    tr->all = true;
    if (n > MAX_DIRTY || !(tr->boxes = malloc((4 * n + 1) * sizeof *tr->boxes)))
        return;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (isnan(x))
            continue;
        double *b = tr->boxes + 4 * tr->n++;
        b[0] = x - r, b[1] = y - r, b[2] = x + r, b[3] = y + r;
    }
    tr->all = false;
}

/* What changed between the theme as it was (e, still the old one) and nt, made now from the
 * same snapshot as plan and stamp: the transition's boxes, or all. */
static wg_status what_changed(wg_ws *ws, const theme_ent *e, const wg_tile_theme *nt, int64_t plan,
                              transition *tr)
{
    tr->all = true;
    if (!e->cur || plan != e->plan)
        return WG_OK;
    if (e->kind == WG_MAP_HEATMAP || e->kind == WG_MAP_INCIDENTS) {
        if (!wg_tile_theme_same_classes(e->cur->tt, nt))
            return WG_OK;
        /* the incidents written since: new ones touch where they lie; one already drawn may
         * have moved, so a change to any of them touches everything */
        wg_incidents inc = {0};
        wg_inc_filter f = {.since = e->inc_ver, .from = WG_NO_TIME, .to = INT64_MAX};
        wg_status st = wg_store_incidents_read(ws, WG_IC_POS | WG_IC_XY, &f, &inc);
        if (st != WG_OK)
            return st;
        bool update = false;
        for (size_t i = 0; i < inc.n; i++)
            update |= inc.pos[i] < e->inc_count;
        if (!update)
            touched_around(tr, inc.xy, inc.n, wg_tile_theme_reach(nt));
        wg_incidents_free(&inc);
        return WG_OK;
    }
    if (e->kind == WG_MAP_PLAN) {
        tr->all = false;
        boxes_acc A = {.tr = tr};
        return wg_store_cells_each(ws, plan, 0, e->stamp, cell_changed, &A);
    }
    return WG_OK;
}

/* The theme of key, or NULL (under T->mu). */
static theme_ent *theme_find(tiles *T, const char *key)
{
    for (size_t i = 0; i < MAX_THEMES; i++)
        if (T->themes[i].key[0] && strcmp(T->themes[i].key, key) == 0)
            return &T->themes[i];
    return NULL;
}

static theme_ent *theme_slot(tiles *T, const char *key)
{
    theme_ent *free_slot = NULL, *lru = NULL;
    for (size_t i = 0; i < MAX_THEMES; i++) {
        theme_ent *e = &T->themes[i];
        if (e->key[0] && strcmp(e->key, key) == 0)
            return e;
        if (!e->key[0] && !free_slot)
            free_slot = e;
        if (e->key[0] && !e->building && (!e->cur || e->cur->refs == 0) &&
            (!lru || e->used < lru->used))
            lru = e;
    }
    theme_ent *e = free_slot ? free_slot : lru;
    if (!e)
        return NULL;
    if (!free_slot) { /* an old theme leaves, and its tiles with it */
        for (tile_ent *t = T->head, *n; t; t = n) {
            n = t->next;
            if (t->theme == e)
                cache_drop(T, t);
        }
        if (e->cur)
            wg_tile_theme_free(e->cur->tt);
        free(e->cur);
        hist_clear(e);
    }
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    return e;
}

/* The current theme of key (made or remade when the data moved on), held for the caller, who
 * lets go with theme_release. NULL with the error on w's context. */
static held *theme_get(tiles *T, worker *w, wg_map_kind kind, const char *key,
                       const wg_render_opts *o, theme_ent **ent, int64_t *gen)
{
    /* nothing written since the theme was last found current: it still is (the counter as
     * current.c knows it: a cached tile is served from memory alone) */
    int64_t counter, stamp = 0, plan = 0;
    if (!current_counter(w->S, w, &counter))
        return NULL;
    pthread_mutex_lock(&T->mu);
    theme_ent *e = NULL;
    for (int pass = 0; pass < 2; pass++) {
        e = theme_slot(T, key);
        if (!e) {
            pthread_mutex_unlock(&T->mu);
            wg_fail(w->ctx, WG_EINPUT, "too many maps and filters drawn at once: try again");
            return NULL;
        }
        e->kind = kind;
        e->used = ++T->tick;
        while (e->building)
            pthread_cond_wait(&T->built, &T->mu);
        bool same = pass == 0 ? e->counter == counter : e->stamp == stamp && e->plan == plan;
        if (e->cur && same) {
            if (e->counter < counter)
                e->counter = counter;
            held *h = e->cur;
            h->refs++;
            *ent = e, *gen = e->gen;
            pthread_mutex_unlock(&T->mu);
            return h;
        }
        if (pass == 1)
            break;
        /* something was written: whether it is what the map is drawn from */
        pthread_mutex_unlock(&T->mu);
        if (map_stamp(w->ws, kind, &stamp, &plan) != WG_OK)
            return NULL;
        pthread_mutex_lock(&T->mu);
    }
    e->building = true;
    pthread_mutex_unlock(&T->mu);

    /* made outside the lock: other maps' tiles go on meanwhile */
    held *h = calloc(1, sizeof *h);
    transition tr = {0};
    wg_version iv = {0};
    size_t count = 0;
    /* what it is made from is read first: a write while it is made is then taken for a change
     * the next request makes it again for, and its cases count as touched (never missed) */
    wg_version cv = {0};
    wg_status st =
        h ? map_stamp(w->ws, kind, &stamp, &plan) : wg_fail(w->ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_store_version(w->ws, "incidents", &iv);
    if (st == WG_OK)
        st = wg_store_version(w->ws, "categories", &cv);
    if (st == WG_OK)
        st = wg_store_incidents_count(w->ws, &count, NULL);
    /* new cases alone: the theme grows by them, and they touch where they lie */
    if (st == WG_OK && e->cur && cv.ver == e->cat_ver) {
        double *xy = NULL;
        size_t n = 0;
        st = wg_tile_theme_extend(w->ws, e->cur->tt, e->inc_ver, e->inc_count, &h->tt, &xy, &n);
        if (st == WG_OK && h->tt)
            touched_around(&tr, xy, n, wg_tile_theme_reach(h->tt));
        free(xy);
    }
    if (st == WG_OK && !h->tt) {
        st = wg_tile_theme_make(w->ws, kind, o, &h->tt);
        if (st == WG_OK)
            st = what_changed(w->ws, e, h->tt, plan, &tr);
    }

    pthread_mutex_lock(&T->mu);
    e->building = false;
    pthread_cond_broadcast(&T->built);
    if (st != WG_OK) {
        pthread_mutex_unlock(&T->mu);
        free(tr.boxes);
        if (h)
            wg_tile_theme_free(h->tt);
        free(h);
        return NULL;
    }
    held *old = e->cur;
    if (old && old->refs == 0) { /* no tile draws from it: it goes now, else with the last */
        wg_tile_theme_free(old->tt);
        free(old);
    }
    h->refs = 1;
    e->cur = h;
    e->stamp = stamp, e->plan = plan, e->inc_ver = iv.ver, e->inc_count = count;
    e->cat_ver = cv.ver;
    e->counter = counter;
    e->gen++;
    tr.gen = e->gen;
    if (e->nhist == HISTORY) {
        free(e->hist[0].boxes);
        memmove(e->hist, e->hist + 1, (HISTORY - 1) * sizeof *e->hist);
        e->nhist--;
    }
    e->hist[e->nhist++] = tr;
    *ent = e, *gen = e->gen;
    pthread_mutex_unlock(&T->mu);
    return h;
}

static void theme_release(tiles *T, theme_ent *e, held *h)
{
    pthread_mutex_lock(&T->mu);
    if (--h->refs == 0 && h != e->cur) {
        wg_tile_theme_free(h->tt);
        free(h);
    }
    pthread_mutex_unlock(&T->mu);
}

/* ---- The endpoint -------------------------------------------------------------------------- */

/* The 200 answer of a tile: png (taken) with its type, ETag and caching headers; NULL when out
 * of memory (png freed). */
static struct MHD_Response *tile_response(unsigned char *png, size_t len, const char *etag,
                                          bool mvt)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, png, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(png);
        return NULL;
    }
    /* always asked again (no-cache), answered 304 while the tile is the same */
    answer_headers(r, mvt ? "application/vnd.mapbox-vector-tile" : "image/png");
    MHD_add_response_header(r, "ETag", etag);
    return r;
}

/* Whether the client already has the tile of this ETag. */
static bool client_has(struct MHD_Connection *c, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    return inm && strstr(inm, etag);
}

static enum MHD_Result send_not_modified(struct MHD_Connection *c, const char *etag)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    answer_headers(r, NULL);
    MHD_add_response_header(r, "ETag", etag);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
    MHD_destroy_response(r);
    return ok;
}

#define NO_SUCH_MAP                                                                                \
    "no such map: heatmap, incidents, plan, workload, rate, coverage, cameras or base"

/* Whether `name` is a map with tiles (every kind but diff), and which. */
static bool tile_map(const char *name, wg_map_kind *kind)
{
    return wg_map_kind_parse(name, kind) && *kind != WG_MAP_DIFF;
}

json_t *tile_maps_json(void)
{
    json_t *maps = json_array();
    for (int m = 0; m < WG_MAP_COUNT; m++)
        if (m != WG_MAP_DIFF)
            json_array_append_new(maps, json_string(wg_map_kind_name((wg_map_kind)m)));
    return maps;
}

/* The request's from, to, tz and category into q, and the key of the theme of map `kind` under
 * them into key[600] (the map and its filter, as read, not as written); false when the query is
 * bad, the refusal sent (its result in *sent). */
static bool theme_query(struct MHD_Connection *c, worker *w, wg_map_kind kind, period_q *q,
                        char *key, enum MHD_Result *sent)
{
    char why[512];
    if (!query_period_of(c, w->ctx, q, why, sizeof why)) {
        *sent = send_error(c, MHD_HTTP_BAD_REQUEST, why);
        return false;
    }
    if (!period_key(wg_map_kind_name(kind), q, key, 600)) {
        *sent = send_error(c, MHD_HTTP_BAD_REQUEST, "category: the list is too long");
        return false;
    }
    return true;
}

/* The theme of key for map `kind` over q, held for the caller; NULL when it cannot be made, the
 * refusal sent (its result in *sent). */
static held *theme_of_query(struct MHD_Connection *c, worker *w, tiles *T, wg_map_kind kind,
                            const period_q *q, const char *key, theme_ent **e, int64_t *gen,
                            enum MHD_Result *sent)
{
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.from = q->from, o.to = q->to;
    o.categories = q->ncats ? q->cats : NULL, o.ncategories = q->ncats;
    held *h = theme_get(T, w, kind, key, &o, e, gen);
    if (!h)
        *sent = send_error(c,
                           wg_ctx_status(w->ctx) == WG_EINPUT ? MHD_HTTP_BAD_REQUEST
                                                              : MHD_HTTP_SERVICE_UNAVAILABLE,
                           wg_ctx_errmsg(w->ctx));
    return h;
}

/* Answers from the cached tile t of theme e at generation gen (under T->mu, released here; the
 * theme's hold h, when one was taken, let go after). */
static enum MHD_Result cache_hit(struct MHD_Connection *c, tiles *T, tile_ent *t, theme_ent *e,
                                 int64_t gen, held *h)
{
    if (t->gen != gen)
        T->revalidated++;
    t->gen = gen;
    T->hits++;
    lru_unlink(T, t);
    lru_front(T, t);
    char etag[24];
    snprintf(etag, sizeof etag, "%s", t->etag);
    enum MHD_Result ok = MHD_YES;
    bool has = client_has(c, etag);
    if (!has) /* queued under the lock: the entry (and its use of the answer) may go after */
        ok = MHD_queue_response(c, MHD_HTTP_OK, t->resp);
    pthread_mutex_unlock(&T->mu);
    if (h)
        theme_release(T, e, h);
    return has ? send_not_modified(c, etag) : ok;
}

enum MHD_Result api_tile(struct MHD_Connection *c, worker *w, tiles *T, const route *rt)
{
    wg_map_kind kind;
    if (rt->mvt) { /* the cells of the plan's theme, the incidents of theirs */
        kind = strcmp(rt->map, "cells") == 0 ? WG_MAP_PLAN : WG_MAP_INCIDENTS;
        if (strcmp(rt->map, "cells") != 0 && strcmp(rt->map, "incidents") != 0)
            return send_error(c, MHD_HTTP_NOT_FOUND, "vector tiles: cells or incidents");
    } else if (!tile_map(rt->map, &kind)) {
        return send_error(c, MHD_HTTP_NOT_FOUND, NO_SUCH_MAP);
    }
    if (rt->z > 22 || rt->x >= (1L << rt->z) || rt->y >= (1L << rt->z))
        return send_error(c, MHD_HTTP_NOT_FOUND,
                          "no such tile: zoom 0 to 22, x and y below 2^zoom");
    char key[600], tkey[700];
    period_q q;
    enum MHD_Result sent;
    if (!theme_query(c, w, kind, &q, key, &sent))
        return sent;
    snprintf(tkey, sizeof tkey, "%s|%d/%ld/%ld@%d%s", key, rt->z, rt->x, rt->y, rt->scale,
             rt->mvt ? ".mvt" : ".png");
    /* a cached tile of a theme found current since the last write: one lock, nothing held */
    int64_t counter;
    if (current_counter(w->S, w, &counter)) {
        pthread_mutex_lock(&T->mu);
        theme_ent *e = theme_find(T, key);
        tile_ent *t =
            e && e->cur && !e->building && e->counter >= counter ? cache_find(T, tkey) : NULL;
        if (t && t->theme == e && untouched(e, t->gen, t->box)) {
            e->used = ++T->tick;
            return cache_hit(c, T, t, e, e->gen, NULL);
        }
        pthread_mutex_unlock(&T->mu);
    }
    wg_ctx_clear(w->ctx); /* (a failed read of the counter fails again below, and says so) */
    theme_ent *e = NULL;
    int64_t gen = 0;
    held *h = theme_of_query(c, w, T, kind, &q, key, &e, &gen, &sent);
    if (!h)
        return sent;
    pthread_mutex_lock(&T->mu);
    tile_ent *t = cache_find(T, tkey);
    if (t && t->theme == e && untouched(e, t->gen, t->box))
        return cache_hit(c, T, t, e, gen, h);
    T->misses++;
    pthread_mutex_unlock(&T->mu);

    unsigned char *png = NULL;
    size_t len = 0;
    double box[4];
    wg_status st =
        rt->mvt ? wg_render_tile_mvt(w->ws, h->tt, rt->z, (int)rt->x, (int)rt->y, &png, &len, box)
                : wg_render_tile(w->ws, h->tt, rt->z, (int)rt->x, (int)rt->y, rt->scale, &png, &len,
                                 box);
    theme_release(T, e, h);
    if (st != WG_OK) {
        free(png);
        return send_error(c, st == WG_EINPUT ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
                          wg_ctx_errmsg(w->ctx));
    }
    char etag[24];
    snprintf(etag, sizeof etag, "\"%016" PRIx64 "\"", fnv(png, len));
    struct MHD_Response *r = tile_response(png, len, etag, rt->mvt);
    if (!r)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    enum MHD_Result ok =
        client_has(c, etag) ? send_not_modified(c, etag) : MHD_queue_response(c, MHD_HTTP_OK, r);
    pthread_mutex_lock(&T->mu);
    T->drawn++;
    cache_put(T, tkey, r, len, etag, box, e, gen);
    pthread_mutex_unlock(&T->mu);
    return ok;
}

enum MHD_Result api_tiles(struct MHD_Connection *c, tiles *T)
{
    tiles_counts k;
    tiles_stats(T, &k);
    json_t *maps = tile_maps_json();
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:s,s:o,s:s,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "schema",
                               "wangge-tiles/1", "maps", maps, "url",
                               "/tiles/{map}/{z}/{x}/{y}.png", "cache", "tiles",
                               (json_int_t)k.tiles, "bytes", (json_int_t)k.bytes, "max_bytes",
                               (json_int_t)k.max_bytes, "hits", (json_int_t)k.hits, "misses",
                               (json_int_t)k.misses, "revalidated", (json_int_t)k.revalidated,
                               "drawn", (json_int_t)k.drawn));
}

/* GET /api/legend/{map}?from=&to=&tz=&category=: the legend of the map's tiles under that
 * filter (wangge-legend/1): its heading and entries (colour, opacity, text), from the theme the
 * tiles are drawn with, and the theme's generation, which moves when the tiles' classes may. */
enum MHD_Result api_legend(struct MHD_Connection *c, worker *w, tiles *T, const route *rt)
{
    wg_map_kind kind;
    if (!tile_map(rt->map, &kind))
        return send_error(c, MHD_HTTP_NOT_FOUND, NO_SUCH_MAP);
    char key[600], heading[160];
    period_q q;
    theme_ent *e = NULL;
    int64_t gen = 0;
    enum MHD_Result sent;
    if (!theme_query(c, w, kind, &q, key, &sent))
        return sent;
    held *h = theme_of_query(c, w, T, kind, &q, key, &e, &gen, &sent);
    if (!h)
        return sent;
    wg_legend_item items[24];
    size_t n = wg_tile_theme_legend(h->tt, heading, items, 24);
    theme_release(T, e, h);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char hex[8];
        snprintf(hex, sizeof hex, "#%02x%02x%02x", (unsigned)lround(items[i].r * 255),
                 (unsigned)lround(items[i].g * 255), (unsigned)lround(items[i].b * 255));
        json_array_append_new(arr, json_pack("{s:s,s:f,s:s}", "color", hex, "alpha", items[i].alpha,
                                             "text", items[i].text));
    }
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:s,s:s,s:s,s:o,s:I}", "schema", "wangge-legend/1", "map",
                               wg_map_kind_name(kind), "heading", heading, "items", arr,
                               "generation", (json_int_t)gen));
}
