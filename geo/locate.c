/* geo/locate.c: the point locator (see wg/locate.h).
 *
 * The crossing test. A point p is inside a polygon when a ray from p due east crosses its rings
 * an odd number of times, counting an edge when it spans p's y half-open (ymin <= y < ymax) and
 * passes strictly east of p. Both tests are exact (comparisons of input coordinates and a robust
 * orientation predicate), which gives the boundary rule of the header.
 *
 * A point in no polygon by that rule, but on the boundary of some, lies on their outer edge
 * (nothing east of it): it goes to the lowest of them, found by an exact on-segment test.
 *
 * Why a bin needs only its own edges. Take bin b, slightly enlarged by a margin m, and its
 * horizontal band (the bin's row, enlarged by m). An edge of polygon k that does not meet the
 * enlarged bin meets the band in a piece lying wholly west or wholly east of the bin. Western
 * pieces never count for a point in b. Eastern pieces count exactly when their edge spans p.y,
 * which changes only at their endpoints: so their contribution is a parity at the band's bottom
 * (`base`) toggled at each endpoint y inside the band (`tog`). Edges that do meet the enlarged
 * bin are tested one by one. Horizontal edges never count, but where one crosses a bin the
 * eastern edge at its end toggles inside the band. A bin that no counting edge meets and that
 * has no toggle is wholly inside polygon k or wholly outside. */
#include "wg/locate.h"

#include "geo_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fmin and fmax as C defines them (a NaN argument loses), but inlined: gcc calls the library
 * for each, and the builder takes several per edge and row. */
static inline double lmin(double a, double b)
{
    return a < b || b != b ? a : b;
}
static inline double lmax(double a, double b)
{
    return a > b || b != b ? a : b;
}

#define MAX_BINS (1u << 26)

/* An edge as stored for a boundary bin: its two ends. */
typedef struct ledge {
    double ax, ay, bx, by;
} ledge;

/* Polygon k in a boundary bin, as the build collects it: its edges meeting the bin, and the
 * parity of its eastern edges. */
typedef struct cand {
    int32_t poly;
    uint32_t edge; /* first of nedge in the builder's edges */
    uint32_t tog;  /* first of ntog in the builder's togs, ascending */
    uint16_t nedge, ntog;
    uint8_t base;
} cand;

/* The query side keeps each boundary bin as one run of 8-byte words, read front to back:
 *   bin header; then per candidate, in ascending polygon order: its header, its ntog toggle
 *   y's (ascending), its nedge edges (4 words each: ax ay bx by).
 * One run per bin means a point costs one or two cache misses, which wg_locate_many issues
 * ahead of time. */
typedef struct bin_head {
    int32_t full; /* polygon wholly covering the bin without an edge in it, or -1 */
    uint32_t ncand;
} bin_head;

typedef struct cand_head {
    int32_t poly;
    uint16_t nedge;
    uint16_t togbase; /* ntog << 1 | base */
} cand_head;

#define MAX_TOGS (UINT16_MAX >> 1)

_Static_assert(sizeof(bin_head) == sizeof(double) && sizeof(cand_head) == sizeof(double) &&
                   sizeof(ledge) == 4 * sizeof(double),
               "a boundary bin run is made of 8-byte words");

struct wg_locator {
    double x0, y0, inv; /* grid origin and 1 / bin size */
    size_t cols, rows;
    int32_t *bin; /* >= 0: that polygon; -1: none; <= -2: boundary bin at word -2 - v of run */
    double *run;  /* the boundary bins' words */
    size_t nbnd, nword;
    wg_locator_stats stats;
};

/* ---- exact orientation (after Shewchuk's orient2d: a float filter, then exact sums) ---- */

static void two_sum(double a, double b, double *x, double *y)
{
    double s = a + b, bv = s - a, av = s - bv;
    *x = s;
    *y = (a - av) + (b - bv);
}

/* The sign of the exact sum of t[0..n) (n <= 12), by growing a nonoverlapping expansion. */
static int exact_sign(const double *t, int n)
{
    double e[16];
    int m = 0;
    for (int i = 0; i < n; i++) {
        double q = t[i];
        int k = 0;
        for (int j = 0; j < m; j++) {
            double s, h;
            two_sum(q, e[j], &s, &h);
            q = s;
            if (h != 0)
                e[k++] = h;
        }
        if (q != 0 || k == 0)
            e[k++] = q;
        m = k;
    }
    double top = e[m - 1];
    return (top > 0) - (top < 0);
}

static int orient_exact(double ax, double ay, double bx, double by, double cx, double cy)
{
    /* (ax-cx)(by-cy) - (ay-cy)(bx-cx), expanded so that every product is of two inputs and
     * is split exactly into a rounded part and its error (fma). */
    const double f[6][2] = {{ax, by}, {-ax, cy}, {-cx, by}, {-ay, bx}, {ay, cx}, {cy, bx}};
    double t[12];
    for (int i = 0; i < 6; i++) {
        double p = f[i][0] * f[i][1];
        t[2 * i] = p;
        t[2 * i + 1] = fma(f[i][0], f[i][1], -p);
    }
    return exact_sign(t, 12);
}

/* The sign of the orientation of c against the directed line a->b: > 0 when c is to its left. */
static inline int orient(double ax, double ay, double bx, double by, double cx, double cy)
{
    static const double errbound = (3.0 + 16.0 * 0x1p-53) * 0x1p-53;
    double l = (ax - cx) * (by - cy), r = (ay - cy) * (bx - cx), det = l - r, sum;
    if (l > 0) {
        if (r <= 0)
            return det > 0 ? 1 : det < 0 ? -1 : 0;
        sum = l + r;
    } else if (l < 0) {
        if (r >= 0)
            return det > 0 ? 1 : det < 0 ? -1 : 0;
        sum = -l - r;
    } else {
        return det > 0 ? 1 : det < 0 ? -1 : 0;
    }
    double bound = errbound * sum;
    if (det >= bound || -det >= bound)
        return det > 0 ? 1 : -1;
    return orient_exact(ax, ay, bx, by, cx, cy);
}

/* ---- query ---- */

static int32_t locate_boundary(const double *w, double x, double y)
{
    bin_head h;
    memcpy(&h, w++, sizeof h);
    const double *first = w;
    for (uint32_t i = 0; i < h.ncand; i++) {
        cand_head c;
        memcpy(&c, w++, sizeof c);
        if (h.full >= 0 && c.poly > h.full)
            break;
        unsigned in = c.togbase & 1u, ntog = c.togbase >> 1;
        for (unsigned q = 0; q < ntog && w[q] <= y; q++)
            in ^= 1u;
        w += ntog;
        for (unsigned q = 0; q < c.nedge; q++, w += 4) {
            double ax = w[0], ay = w[1], bx = w[2], by = w[3];
            if ((ay > y) == (by > y))
                continue;
            int o = orient(ax, ay, bx, by, x, y);
            if (by > ay ? o > 0 : o < 0)
                in ^= 1u;
        }
        if (in)
            return c.poly; /* candidates ascend by polygon: the lowest wins */
    }
    if (h.full >= 0)
        return h.full;
    /* Nothing east of the point: on the outer boundary, it goes to the polygon it lies on. */
    w = first;
    for (uint32_t i = 0; i < h.ncand; i++) {
        cand_head c;
        memcpy(&c, w++, sizeof c);
        w += c.togbase >> 1;
        for (unsigned q = 0; q < c.nedge; q++, w += 4) {
            double ax = w[0], ay = w[1], bx = w[2], by = w[3];
            if (x >= lmin(ax, bx) && x <= lmax(ax, bx) && y >= lmin(ay, by) && y <= lmax(ay, by) &&
                orient(ax, ay, bx, by, x, y) == 0)
                return c.poly;
        }
    }
    return -1;
}

/* The bin entry of (x, y), or NULL outside the grid (also NaN). */
static inline const int32_t *bin_at(const wg_locator *L, double x, double y)
{
    double fx = (x - L->x0) * L->inv, fy = (y - L->y0) * L->inv;
    if (!(fx >= 0 && fy >= 0 && fx < (double)L->cols && fy < (double)L->rows))
        return NULL;
    return &L->bin[(size_t)fy * L->cols + (size_t)fx];
}

int32_t wg_locate(const wg_locator *L, double x, double y)
{
    const int32_t *b = bin_at(L, x, y);
    if (!b)
        return -1;
    int32_t v = *b;
    return v >= -1 ? v : locate_boundary(L->run + (-2 - (int64_t)v), x, y);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Points far apart in the plan touch memory far apart: the loop fetches the bin of the point
 * 2 * AHEAD on and the run of the point AHEAD on, so that both are in cache when needed. */
#define AHEAD 16

void wg_locate_many(const wg_locator *L, const double *xy, size_t n, int32_t *out)
{
    size_t i = 0;
    for (; i + 2 * AHEAD < n; i++) {
        const int32_t *b = bin_at(L, xy[2 * (i + 2 * AHEAD)], xy[2 * (i + 2 * AHEAD) + 1]);
        if (b)
            PREFETCH(b);
        b = bin_at(L, xy[2 * (i + AHEAD)], xy[2 * (i + AHEAD) + 1]);
        if (b && *b < -1) {
            const double *w = L->run + (-2 - (int64_t)*b);
            PREFETCH(w);
            PREFETCH(w + 8);
        }
        out[i] = wg_locate(L, xy[2 * i], xy[2 * i + 1]);
    }
    for (; i < n; i++)
        out[i] = wg_locate(L, xy[2 * i], xy[2 * i + 1]);
}

void wg_locator_get_stats(const wg_locator *L, wg_locator_stats *s)
{
    *s = L->stats;
}

void wg_locator_free(wg_locator *L)
{
    if (!L)
        return;
    free(L->bin);
    free(L->run);
    free(L);
}

/* ---- build ---- */

/* The rings of every polygon as edges, skipping zero-length ones. Horizontal edges never count
 * in the crossing test, but a point may lie on one. Polygon k owns edges [eoff[k], eoff[k+1]). */
typedef struct rings {
    ledge *e;
    size_t n, cap;
    size_t *eoff;
    double minx, miny, maxx, maxy;
} rings;

static wg_status add_ring(wg_ctx *ctx, rings *R, const GEOSGeometry *ring, size_t k)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    const GEOSCoordSequence *seq = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
    unsigned int np = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np))
        return wg__geos_fail(ctx, "polygon %zu: cannot read a ring", k);
    if (np < 2)
        return WG_OK;
    double *xy = malloc(2 * (size_t)np * sizeof *xy);
    if (!xy)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading polygon %zu", k);
    wg_status st = WG_OK;
    if (!GEOSCoordSeq_copyToBuffer_r(h, seq, xy, 0, 0))
        st = wg__geos_fail(ctx, "polygon %zu: cannot read a ring", k);
    for (unsigned i = 0; st == WG_OK && i < np; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) {
            st = wg_fail(ctx, WG_EINPUT, "polygon %zu: a vertex has a non-finite coordinate", k);
            break;
        }
        R->minx = lmin(R->minx, x);
        R->miny = lmin(R->miny, y);
        R->maxx = lmax(R->maxx, x);
        R->maxy = lmax(R->maxy, y);
    }
    for (unsigned i = 0; st == WG_OK && i + 1 < np; i++) {
        const double *a = xy + 2 * i, *b = a + 2;
        if (a[0] == b[0] && a[1] == b[1])
            continue;
        st = wg_grow(ctx, (void **)&R->e, &R->cap, R->n + 1, sizeof *R->e);
        if (st == WG_OK)
            R->e[R->n++] = (ledge){a[0], a[1], b[0], b[1]};
    }
    free(xy);
    return st;
}

static wg_status add_polygon(wg_ctx *ctx, rings *R, const GEOSGeometry *p, size_t k)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    if (!p)
        return wg__geos_fail(ctx, "polygon %zu: cannot read a part", k);
    wg_status st = add_ring(ctx, R, GEOSGetExteriorRing_r(h, p), k);
    int nh = st == WG_OK ? GEOSGetNumInteriorRings_r(h, p) : 0;
    if (nh < 0)
        st = wg__geos_fail(ctx, "polygon %zu: cannot count its holes", k);
    for (int i = 0; st == WG_OK && i < nh; i++)
        st = add_ring(ctx, R, GEOSGetInteriorRingN_r(h, p, i), k);
    return st;
}

static wg_status read_rings(wg_ctx *ctx, const wg_geom *const *polys, size_t n, rings *R)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    R->eoff = malloc((n + 1) * sizeof *R->eoff);
    if (!R->eoff)
        return wg_fail(ctx, WG_ENOMEM, "out of memory building a locator");
    R->minx = R->miny = INFINITY;
    R->maxx = R->maxy = -INFINITY;
    wg_status st = WG_OK;
    for (size_t k = 0; k < n && st == WG_OK; k++) {
        R->eoff[k] = R->n;
        const GEOSGeometry *g = wg__cgeos(polys[k]);
        char empty = g ? GEOSisEmpty_r(h, g) : 1;
        if (empty == 2) {
            st = wg__geos_fail(ctx, "polygon %zu: cannot test it for emptiness", k);
            break;
        }
        if (empty == 1)
            continue;
        int type = GEOSGeomTypeId_r(h, g);
        if (type < 0) {
            st = wg__geos_fail(ctx, "polygon %zu: cannot read its type", k);
        } else if (type == GEOS_POLYGON) {
            st = add_polygon(ctx, R, g, k);
        } else if (type == GEOS_MULTIPOLYGON) {
            int np = GEOSGetNumGeometries_r(h, g);
            if (np < 0)
                st = wg__geos_fail(ctx, "polygon %zu: cannot count its parts", k);
            for (int i = 0; i < np && st == WG_OK; i++)
                st = add_polygon(ctx, R, GEOSGetGeometryN_r(h, g, i), k);
        } else {
            char *type_name = GEOSGeomType_r(h, g);
            st = type_name
                     ? wg_fail(ctx, WG_EINPUT, "polygon %zu: a %s is not polygonal", k, type_name)
                     : wg__geos_fail(ctx, "polygon %zu (not polygonal): cannot name its type", k);
            GEOSFree_r(h, type_name);
        }
    }
    R->eoff[n] = R->n;
    if (st == WG_OK && R->n > UINT32_MAX / 2)
        st = wg_fail(ctx, WG_EINPUT, "too many polygon edges for one locator (%zu)", R->n);
    return st;
}

/* One edge of polygon k meeting one band (row): the columns whose enlarged bins it meets. */
typedef struct hit {
    uint32_t edge;
    int32_t c0, c1;
} hit;

/* Everything the build accumulates. Candidates are emitted polygon by polygon, then sorted by
 * bin. */
typedef struct builder {
    wg_ctx *ctx;
    wg_locator *L;
    const rings *R;
    double s, m; /* bin size, margin */
    int32_t *full;
    /* emitted candidates: bin of each, and the candidate */
    uint32_t *cbin;
    cand *c;
    size_t nc, capc, capb;
    ledge *edges;
    size_t nedge, cape;
    double *togs;
    size_t ntog, capt;
    /* scratch for one polygon row */
    hit *hits;
    size_t nhits, caph;
    double *set; /* toggles of the eastern edges so far (xor set) */
    size_t nset, capset;
} builder;

static int32_t col_of(const builder *B, double x)
{
    double f = floor((x - B->L->x0) * B->L->inv);
    return f < 0 ? -1 : f >= (double)B->L->cols ? (int32_t)B->L->cols : (int32_t)f;
}

static int32_t row_of(const builder *B, double y)
{
    double f = floor((y - B->L->y0) * B->L->inv);
    return f < 0 ? -1 : f >= (double)B->L->rows ? (int32_t)B->L->rows : (int32_t)f;
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    return (x->c0 > y->c0) - (x->c0 < y->c0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Adds v to the xor set: present, it leaves; absent, it joins. */
static wg_status set_xor(builder *B, double v)
{
    for (size_t i = 0; i < B->nset; i++)
        if (B->set[i] == v) {
            B->set[i] = B->set[--B->nset];
            return WG_OK;
        }
    wg_status st = wg_grow(B->ctx, (void **)&B->set, &B->capset, B->nset + 1, sizeof *B->set);
    if (st == WG_OK)
        B->set[B->nset++] = v;
    return st;
}

/* Emits polygon k as a candidate of bin `bin` with the edges of hits[0..nh) that meet column c. */
static wg_status emit(builder *B, uint32_t bin, int32_t k, int32_t c, size_t nh, unsigned base)
{
    wg_ctx *ctx = B->ctx;
    size_t ne = 0;
    for (size_t i = 0; i < nh; i++)
        ne += B->hits[i].c1 >= c;
    if (ne > UINT16_MAX || B->nset > MAX_TOGS)
        return wg_fail(ctx, WG_EINPUT, "polygon %d: more than %d edges in one locator bin", (int)k,
                       ne > UINT16_MAX ? UINT16_MAX : MAX_TOGS);
    wg_status st = wg_grow(ctx, (void **)&B->c, &B->capc, B->nc + 1, sizeof *B->c);
    if (st == WG_OK)
        st = wg_grow(ctx, (void **)&B->cbin, &B->capb, B->nc + 1, sizeof *B->cbin);
    if (st == WG_OK)
        st = wg_grow(ctx, (void **)&B->edges, &B->cape, B->nedge + ne, sizeof *B->edges);
    if (st == WG_OK && B->nset)
        st = wg_grow(ctx, (void **)&B->togs, &B->capt, B->ntog + B->nset, sizeof *B->togs);
    if (st != WG_OK)
        return st;
    if (B->nedge + ne > UINT32_MAX || B->ntog + B->nset > UINT32_MAX)
        return wg_fail(ctx, WG_EINPUT, "too many polygon edges for one locator");
    cand *cd = &B->c[B->nc];
    *cd = (cand){.poly = k,
                 .edge = (uint32_t)B->nedge,
                 .tog = (uint32_t)B->ntog,
                 .nedge = (uint16_t)ne,
                 .ntog = (uint16_t)B->nset,
                 .base = (uint8_t)base};
    for (size_t i = 0; i < nh; i++)
        if (B->hits[i].c1 >= c)
            B->edges[B->nedge++] = B->R->e[B->hits[i].edge];
    if (B->nset) {
        memcpy(B->togs + B->ntog, B->set, B->nset * sizeof *B->togs);
        qsort(B->togs + B->ntog, B->nset, sizeof *B->togs, cmp_double);
    }
    B->ntog += B->nset;
    B->cbin[B->nc++] = bin;
    return WG_OK;
}

/* Polygon k in row r: the hits are the edges meeting the band; sweep the columns east to west,
 * moving edges that lie east of the column into the parity and toggle set. */
static wg_status sweep_row(builder *B, int32_t k, int32_t r, int32_t kc0, int32_t kc1)
{
    wg_locator *L = B->L;
    double yb = L->y0 + r * B->s - B->m, yt = L->y0 + (r + 1) * B->s + B->m;
    if (B->nhits > 1)
        qsort(B->hits, B->nhits, sizeof *B->hits, cmp_hit);
    B->nset = 0;
    unsigned base = 0;
    size_t east = B->nhits; /* hits[east..) lie wholly east of the current column */
    wg_status st = WG_OK;
    for (int32_t c = kc1; c >= kc0 && st == WG_OK; c--) {
        while (east > 0 && B->hits[east - 1].c0 > c) {
            const ledge *e = &B->R->e[B->hits[--east].edge];
            double lo = lmin(e->ay, e->by), hi = lmax(e->ay, e->by);
            base ^= (unsigned)(lo <= yb && yb < hi);
            if (e->ay > yb && e->ay <= yt)
                st = set_xor(B, e->ay);
            if (st == WG_OK && e->by > yb && e->by <= yt)
                st = set_xor(B, e->by);
        }
        if (st != WG_OK)
            break;
        uint32_t bin = (uint32_t)((size_t)r * L->cols + (size_t)c);
        bool meets = false;
        for (size_t i = 0; i < east && !meets; i++)
            meets = B->hits[i].c1 >= c;
        if (meets || B->nset) /* toggles: a horizontal edge crosses the bin */
            st = emit(B, bin, k, c, east, base);
        else if (base && (B->full[bin] < 0 || B->full[bin] > k))
            B->full[bin] = k;
    }
    return st;
}

/* The columns of the enlarged bins that edge e meets within the band [yb, yt]. */
static void edge_in_band(const builder *B, const ledge *e, double yb, double yt, int32_t *c0,
                         int32_t *c1)
{
    double dy = e->by - e->ay;
    double t0 = (yb - e->ay) / dy, t1 = (yt - e->ay) / dy;
    if (t0 > t1) {
        double t = t0;
        t0 = t1;
        t1 = t;
    }
    t0 = lmax(t0, 0);
    t1 = lmin(t1, 1);
    double xa = e->ax + t0 * (e->bx - e->ax), xb = e->ax + t1 * (e->bx - e->ax);
    *c0 = col_of(B, lmin(xa, xb) - B->m);
    *c1 = col_of(B, lmax(xa, xb) + B->m);
}

static wg_status build_polygon(builder *B, int32_t k)
{
    const rings *R = B->R;
    size_t e0 = R->eoff[k], e1 = R->eoff[k + 1];
    if (e0 == e1)
        return WG_OK;
    double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
    for (size_t i = e0; i < e1; i++) {
        const ledge *e = &R->e[i];
        minx = lmin(minx, lmin(e->ax, e->bx));
        maxx = lmax(maxx, lmax(e->ax, e->bx));
        miny = lmin(miny, lmin(e->ay, e->by));
        maxy = lmax(maxy, lmax(e->ay, e->by));
    }
    int32_t kc0 = col_of(B, minx - B->m), kc1 = col_of(B, maxx + B->m);
    int32_t kr0 = row_of(B, miny - B->m), kr1 = row_of(B, maxy + B->m);
    kc0 = kc0 < 0 ? 0 : kc0;
    kr0 = kr0 < 0 ? 0 : kr0;
    kc1 = kc1 >= (int32_t)B->L->cols ? (int32_t)B->L->cols - 1 : kc1;
    kr1 = kr1 >= (int32_t)B->L->rows ? (int32_t)B->L->rows - 1 : kr1;
    wg_status st = WG_OK;
    for (int32_t r = kr0; r <= kr1 && st == WG_OK; r++) {
        double yb = B->L->y0 + r * B->s - B->m, yt = B->L->y0 + (r + 1) * B->s + B->m;
        B->nhits = 0;
        for (size_t i = e0; i < e1 && st == WG_OK; i++) {
            const ledge *e = &R->e[i];
            if (lmax(e->ay, e->by) < yb || lmin(e->ay, e->by) > yt)
                continue;
            int32_t c0, c1;
            edge_in_band(B, e, yb, yt, &c0, &c1);
            st = wg_grow(B->ctx, (void **)&B->hits, &B->caph, B->nhits + 1, sizeof *B->hits);
            if (st == WG_OK)
                B->hits[B->nhits++] = (hit){(uint32_t)i, c0, c1};
        }
        if (st == WG_OK)
            st = sweep_row(B, k, r, kc0, kc1);
    }
    return st;
}

/* Sorts the emitted candidates by bin (stable: within a bin they stay in polygon order) and
 * lays out each boundary bin's run. */
static wg_status finish(builder *B)
{
    wg_locator *L = B->L;
    size_t nbins = L->cols * L->rows;
    uint32_t *count = calloc(nbins + 1, sizeof *count);
    size_t *at = malloc((nbins ? nbins : 1) * sizeof *at);
    cand *sorted = malloc((B->nc ? B->nc : 1) * sizeof *sorted);
    size_t *words = calloc(nbins + 1, sizeof *words);
    if (!count || !at || !sorted || !words) {
        free(count), free(at), free(sorted), free(words);
        return wg_fail(B->ctx, WG_ENOMEM, "out of memory building a locator");
    }
    for (size_t i = 0; i < B->nc; i++) {
        const cand *c = &B->c[i];
        count[B->cbin[i]]++;
        words[B->cbin[i]] += 1 + (size_t)c->ntog + 4 * (size_t)c->nedge;
    }
    size_t nbnd = 0, nword = 0, off = 0;
    for (size_t b = 0; b < nbins; b++) {
        at[b] = off;
        off += count[b];
        if (count[b]) {
            nbnd++;
            nword += 1 + words[b];
        }
    }
    for (size_t i = 0; i < B->nc; i++)
        sorted[at[B->cbin[i]]++] = B->c[i];
    free(words);
    wg_status st = WG_OK;
    if (nword > (size_t)INT32_MAX - 2)
        st = wg_fail(B->ctx, WG_EINPUT, "too many polygon edges for one locator");
    else if (!(L->run = malloc((nword ? nword : 1) * sizeof *L->run)))
        st = wg_fail(B->ctx, WG_ENOMEM, "out of memory building a locator");
    size_t w = 0, ci = 0;
    for (size_t b = 0; b < nbins && st == WG_OK; b++) {
        if (count[b] == 0) {
            L->bin[b] = B->full[b];
            continue;
        }
        L->bin[b] = -2 - (int32_t)w;
        bin_head h = {.full = B->full[b], .ncand = count[b]};
        memcpy(&L->run[w++], &h, sizeof h);
        for (uint32_t k = 0; k < count[b]; k++, ci++) {
            const cand *c = &sorted[ci];
            cand_head ch = {.poly = c->poly,
                            .nedge = c->nedge,
                            .togbase = (uint16_t)((unsigned)c->ntog << 1 | c->base)};
            memcpy(&L->run[w++], &ch, sizeof ch);
            if (c->ntog)
                memcpy(&L->run[w], B->togs + c->tog, c->ntog * sizeof *L->run);
            w += c->ntog;
            if (c->nedge)
                memcpy(&L->run[w], B->edges + c->edge, c->nedge * sizeof *B->edges);
            w += 4 * (size_t)c->nedge;
        }
    }
    free(count), free(at), free(sorted);
    L->nbnd = nbnd;
    L->nword = nword;
    return st;
}

/* The bin grid: about bins_per_vertex bins per stored edge over the extent, square bins. */
static void lay_grid(wg_locator *L, const rings *R, double bins_per_vertex)
{
    double w = R->maxx - R->minx, hgt = R->maxy - R->miny;
    double want = lmin(lmax((double)R->n * bins_per_vertex, 1), (double)MAX_BINS / 2);
    double s = sqrt(lmax(w * hgt, 0) / want);
    if (!(s > 0))
        s = lmax(lmax(w, hgt), 1e-9) / sqrt(want);
    size_t cols = (size_t)floor(w / s) + 1, rows = (size_t)floor(hgt / s) + 1;
    while ((double)cols * (double)rows > MAX_BINS) {
        s *= 1.25;
        cols = (size_t)floor(w / s) + 1;
        rows = (size_t)floor(hgt / s) + 1;
    }
    L->x0 = R->minx;
    L->y0 = R->miny;
    L->inv = 1 / s;
    L->cols = cols;
    L->rows = rows;
}

wg_status wg_locator_build(wg_ctx *ctx, const wg_geom *const *polys, size_t n,
                           double bins_per_vertex, wg_locator **out)
{
    if (n > INT32_MAX - 2)
        return wg_fail(ctx, WG_EINPUT, "too many polygons for one locator (%zu)", n);
    wg_locator *L = calloc(1, sizeof *L);
    rings R = {0};
    builder B = {.ctx = ctx, .L = L, .R = &R};
    wg_status st = L ? read_rings(ctx, polys, n, &R) : wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK && R.n == 0) { /* nothing to hit: every point is outside */
        L->cols = L->rows = 1;
        L->inv = 0;
        L->x0 = L->y0 = INFINITY;
    } else if (st == WG_OK) {
        lay_grid(L, &R, bins_per_vertex > 0 ? bins_per_vertex : 2.0);
    }
    size_t nbins = L ? L->cols * L->rows : 0;
    if (st == WG_OK) {
        L->bin = malloc(nbins * sizeof *L->bin);
        B.full = malloc(nbins * sizeof *B.full);
        if (!L->bin || !B.full)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory building a locator (%zu bins)", nbins);
    }
    if (st == WG_OK) {
        for (size_t b = 0; b < nbins; b++)
            B.full[b] = -1;
        B.s = R.n ? 1 / L->inv : 0;
        double big = lmax(lmax(fabs(R.minx), fabs(R.maxx)), lmax(fabs(R.miny), fabs(R.maxy)));
        B.m = 1e-9 * big + 1e-7 * B.s;
    }
    for (size_t k = 0; k < n && st == WG_OK && R.n; k++)
        st = build_polygon(&B, (int32_t)k);
    if (st == WG_OK)
        st = finish(&B);
    free(B.full);
    free(B.cbin);
    free(B.c);
    free(B.edges);
    free(B.togs);
    free(B.hits);
    free(B.set);
    free(R.e);
    free(R.eoff);
    if (st != WG_OK) {
        wg_locator_free(L);
        return st;
    }
    L->stats =
        (wg_locator_stats){.polygons = n,
                           .edges = R.n,
                           .cols = L->cols,
                           .rows = L->rows,
                           .boundary_bins = L->nbnd,
                           .bytes = sizeof *L + nbins * sizeof *L->bin + L->nword * sizeof *L->run};
    *out = L;
    return WG_OK;
}
