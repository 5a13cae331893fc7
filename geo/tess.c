/* geo/tess.c: the tessellation of an area among sites (see wg/tess.h). GEOS cuts the area by
 * barriers (polygonize), builds Voronoi diagrams, clips and unions; this file only keeps the
 * books: which region belongs to which site, and which boundaries they share. */
#include "wg/tess.h"

#include "geo_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct part {
    GEOSGeometry *geom; /* owned polygon (or multipolygon after a merge) */
    const GEOSPreparedGeometry *prep;
    double weight;
    size_t nsites;
    long crossing; /* barrier index, or -1 */
    bool island;   /* light, but touching no other part: left as it is */
    bool tiled;
    GEOSGeometry *vor; /* owned Voronoi collection (tessellation mode) */
} part;

typedef struct edge {
    size_t a, b;
    double len;
} edge;

struct wg_tess {
    GEOSContextHandle_t h;
    size_t n, nparts;
    part *parts;
    size_t *part_of;
    const GEOSGeometry **region; /* per site: borrowed from a part's vor, or owned in tiled */
    bool *owned;                 /* region[i] owned (tiled mode clip or clone) */
    bool *clipped;               /* Voronoi region extends beyond the part */
    double *area, *outer;
    size_t *off; /* CSR: n + 1 */
    size_t *nbr;
    double *len;
};

/* ---- Small helpers ---------------------------------------------------------------------- */

/* The inputs as GEOS geometries. */
static const GEOSGeometry *in_area(const wg_tess_in *in)
{
    return wg__cgeos(in->area);
}

static const GEOSGeometry *in_barrier(const wg_tess_in *in, size_t i)
{
    return wg__cgeos(in->barriers[i]);
}

static const GEOSGeometry *in_shape(const wg_tess_in *in, size_t s)
{
    return wg__cgeos(in->shape[s]);
}

static GEOSGeometry *make_point(GEOSContextHandle_t h, double x, double y)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 1, 2);
    if (!cs)
        return NULL;
    if (!GEOSCoordSeq_setXY_r(h, cs, 0, x, y)) {
        GEOSCoordSeq_destroy_r(h, cs);
        return NULL;
    }
    return GEOSGeom_createPoint_r(h, cs);
}

static GEOSGeometry *make_segment(GEOSContextHandle_t h, double x0, double y0, double x1, double y1)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 2, 2);
    if (!cs)
        return NULL;
    if (!GEOSCoordSeq_setXY_r(h, cs, 0, x0, y0) || !GEOSCoordSeq_setXY_r(h, cs, 1, x1, y1)) {
        GEOSCoordSeq_destroy_r(h, cs);
        return NULL;
    }
    return GEOSGeom_createLineString_r(h, cs);
}

/* The dimension of g in *dim: 0 points, 1 lines, 2 areas, -1 an empty collection. GEOS also
 * answers -1 on an exception, which the emptiness test tells apart. False on a failure. */
static bool dims_of(GEOSContextHandle_t h, const GEOSGeometry *g, int *dim)
{
    *dim = GEOSGeom_getDimensions_r(h, g);
    return *dim >= 0 || GEOSisEmpty_r(h, g) == 1;
}

/* The envelope of g (xmin, ymin, xmax, ymax). GEOS answers 0 for an empty geometry, as on an
 * exception: an empty g gets an envelope that meets nothing. False on a failure. */
static bool extent_of(GEOSContextHandle_t h, const GEOSGeometry *g, double env[4])
{
    if (GEOSGeom_getExtent_r(h, g, &env[0], &env[1], &env[2], &env[3]))
        return true;
    if (GEOSisEmpty_r(h, g) != 1)
        return false;
    env[0] = env[1] = INFINITY;
    env[2] = env[3] = -INFINITY;
    return true;
}

/* The length of the line parts of g ∩ other, in *len. On a failure, an error saying `what`
 * failed. */
static wg_status shared_length(wg_ctx *ctx, const GEOSGeometry *g, const GEOSGeometry *other,
                               const char *what, double *len)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    GEOSGeometry *x = GEOSIntersection_r(h, g, other);
    if (!x)
        return wg__geos_fail(ctx, "tessellation: %s failed", what);
    double sum = 0;
    int dim = -1;
    bool ok = dims_of(h, x, &dim);
    if (ok && dim == 1) {
        ok = GEOSLength_r(h, x, &sum) != 0;
    } else if (ok && dim > 1) { /* a collection: sum its lines */
        int ng = GEOSGetNumGeometries_r(h, x);
        ok = ng >= 0;
        for (int k = 0; ok && k < ng; k++) {
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, x, k);
            int pd = -1;
            double l = 0;
            ok = p && dims_of(h, p, &pd) && (pd != 1 || GEOSLength_r(h, p, &l));
            if (ok && pd == 1)
                sum += l;
        }
    }
    GEOSGeom_destroy_r(h, x);
    if (!ok)
        return wg__geos_fail(ctx, "tessellation: %s failed", what);
    *len = sum;
    return WG_OK;
}

/* ---- Parts: the area cut by barriers ---------------------------------------------------- */

static wg_status add_part(wg_ctx *ctx, wg_tess *t, GEOSGeometry *g)
{
    part *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (!p) {
        GEOSGeom_destroy_r(t->h, g);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for the parts of an area");
    }
    t->parts = p;
    t->parts[t->nparts++] = (part){.geom = g, .crossing = -1};
    return WG_OK;
}

/* Each polygon of `g` (a Polygon or MultiPolygon) as its own part. */
static wg_status add_polygons(wg_ctx *ctx, wg_tess *t, const GEOSGeometry *g)
{
    int ng = GEOSGetNumGeometries_r(t->h, g);
    if (ng < 0)
        return wg__geos_fail(ctx, "tessellation: reading the polygons of the area failed");
    for (int k = 0; k < ng; k++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(t->h, g, k);
        char empty = p ? GEOSisEmpty_r(t->h, p) : 2;
        if (empty == 2)
            return wg__geos_fail(ctx, "tessellation: reading polygon %d of the area failed", k);
        if (empty == 1)
            continue;
        GEOSGeometry *c = GEOSGeom_clone_r(t->h, p);
        if (!c)
            return wg__geos_fail(ctx, "tessellation: copying a polygon failed");
        wg_status st = add_part(ctx, t, c);
        if (st != WG_OK)
            return st;
    }
    return WG_OK;
}

/* Cuts the area by the barriers that cross it: polygonize the area's outline noded with the
 * barrier lines inside it, and keep the faces inside the area (holes become faces too). */
static wg_status cut_parts(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in)
{
    GEOSContextHandle_t h = t->h;
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, in_area(in));
    if (!prep)
        return wg__geos_fail(ctx, "tessellation: preparing the area failed");
    size_t nl = 0;
    GEOSGeometry **lines = calloc(in->nbarriers + 1, sizeof *lines);
    wg_status st = lines ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory for barrier lines");
    for (size_t i = 0; st == WG_OK && i < in->nbarriers; i++) {
        char meets = GEOSPreparedIntersects_r(h, prep, in_barrier(in, i));
        if (meets == 2) {
            st = wg__geos_fail(ctx, "tessellation: testing barrier %zu against the area failed", i);
            break;
        }
        if (meets != 1)
            continue;
        lines[nl] = GEOSIntersection_r(h, in_area(in), in_barrier(in, i));
        int dim = -1;
        if (!lines[nl]) {
            st = wg__geos_fail(ctx, "tessellation: clipping a barrier to the area failed");
        } else if (!dims_of(h, lines[nl], &dim)) {
            GEOSGeom_destroy_r(h, lines[nl]);
            st = wg__geos_fail(ctx, "tessellation: clipping a barrier to the area failed");
        } else if (dim < 1) {
            GEOSGeom_destroy_r(h, lines[nl]); /* touches at a point: cuts nothing */
        } else {
            nl++;
        }
    }
    GEOSPreparedGeom_destroy_r(h, prep);
    if (st != WG_OK || nl == 0) {
        for (size_t i = 0; i < nl; i++)
            GEOSGeom_destroy_r(h, lines[i]);
        free(lines);
        return st == WG_OK ? add_polygons(ctx, t, in_area(in)) : st;
    }
    lines[nl++] = GEOSBoundary_r(h, in_area(in));
    if (!lines[nl - 1]) {
        for (size_t i = 0; i + 1 < nl; i++)
            GEOSGeom_destroy_r(h, lines[i]);
        free(lines);
        return wg__geos_fail(ctx, "tessellation: outlining the area failed");
    }
    /* The collection takes the lines, even when it fails. */
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, lines, (unsigned)nl);
    free(lines);
    if (!coll)
        return wg__geos_fail(ctx, "tessellation: collecting barrier lines failed");
    GEOSGeometry *noded = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    if (!noded)
        return wg__geos_fail(ctx, "tessellation: noding barrier lines failed");
    const GEOSGeometry *arr[1] = {noded};
    GEOSGeometry *faces = GEOSPolygonize_r(h, arr, 1);
    GEOSGeom_destroy_r(h, noded);
    if (!faces)
        return wg__geos_fail(ctx, "tessellation: cutting the area by barriers failed");
    prep = GEOSPrepare_r(h, in_area(in));
    int nf = GEOSGetNumGeometries_r(h, faces);
    if (!prep || nf < 0)
        st = wg__geos_fail(ctx, "tessellation: cutting the area by barriers failed");
    for (int k = 0; st == WG_OK && k < nf; k++) {
        const GEOSGeometry *f = GEOSGetGeometryN_r(h, faces, k);
        GEOSGeometry *pt = f ? GEOSPointOnSurface_r(h, f) : NULL;
        int inside = pt ? GEOSPreparedContains_r(h, prep, pt) : 2;
        if (pt)
            GEOSGeom_destroy_r(h, pt);
        if (inside == 2)
            st = wg__geos_fail(ctx, "tessellation: placing a face of the area failed");
        else if (inside == 1) {
            GEOSGeometry *c = GEOSGeom_clone_r(h, f);
            st =
                c ? add_part(ctx, t, c) : wg__geos_fail(ctx, "tessellation: copying a face failed");
        }
    }
    if (prep)
        GEOSPreparedGeom_destroy_r(h, prep);
    GEOSGeom_destroy_r(h, faces);
    if (st == WG_OK && t->nparts == 0) /* polygonize found nothing: keep the area whole */
        st = add_polygons(ctx, t, in_area(in));
    return st;
}

static wg_status prepare_parts(wg_ctx *ctx, wg_tess *t)
{
    for (size_t p = 0; p < t->nparts; p++) {
        if (t->parts[p].prep)
            GEOSPreparedGeom_destroy_r(t->h, t->parts[p].prep);
        t->parts[p].prep = GEOSPrepare_r(t->h, t->parts[p].geom);
        if (!t->parts[p].prep)
            return wg__geos_fail(ctx, "tessellation: preparing a part failed");
    }
    return WG_OK;
}

/* Puts every site in the part that covers it, or the nearest one. */
static wg_status place_sites(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in)
{
    size_t last = 0;
    for (size_t i = 0; i < t->n; i++) {
        GEOSGeometry *pt = make_point(t->h, in->xy[2 * i], in->xy[2 * i + 1]);
        if (!pt)
            return wg__geos_fail(ctx, "tessellation: making a site point failed");
        size_t found = SIZE_MAX;
        wg_status st = WG_OK;
        for (size_t k = 0; st == WG_OK && k < t->nparts && found == SIZE_MAX; k++) {
            size_t p = (last + k) % t->nparts;
            char in_p = GEOSPreparedIntersects_r(t->h, t->parts[p].prep, pt);
            if (in_p == 2)
                st = wg__geos_fail(ctx, "tessellation: placing site %zu in its part failed", i);
            else if (in_p == 1)
                found = p;
        }
        double best = INFINITY;
        for (size_t p = 0; st == WG_OK && found == SIZE_MAX && p < t->nparts; p++) {
            double d = INFINITY;
            if (!GEOSDistance_r(t->h, t->parts[p].geom, pt, &d)) {
                st =
                    wg__geos_fail(ctx, "tessellation: finding the part nearest site %zu failed", i);
            } else if (d < best) {
                best = d;
                last = p;
            }
        }
        GEOSGeom_destroy_r(t->h, pt);
        if (st != WG_OK)
            return st;
        if (found != SIZE_MAX)
            last = found;
        t->part_of[i] = last;
        t->parts[last].weight += in->weight ? in->weight[i] : 1;
        t->parts[last].nsites++;
    }
    return WG_OK;
}

/* The barrier lying along the boundary between two parts, or -1, in *found. */
static wg_status barrier_between(wg_ctx *ctx, const wg_tess_in *in, const GEOSGeometry *a,
                                 const GEOSGeometry *b, long *found)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    GEOSGeometry *x = GEOSIntersection_r(h, a, b);
    if (!x)
        return wg__geos_fail(ctx, "tessellation: finding the barrier between two parts failed");
    wg_status st = WG_OK;
    *found = -1;
    for (size_t i = 0; st == WG_OK && *found < 0 && i < in->nbarriers; i++) {
        double d = INFINITY;
        if (!GEOSDistance_r(h, x, in_barrier(in, i), &d))
            st = wg__geos_fail(ctx, "tessellation: finding the barrier between two parts failed");
        else if (d < 1e-6)
            *found = (long)i;
    }
    GEOSGeom_destroy_r(h, x);
    return st;
}

/* Joins parts without sites, and parts lighter than min_weight, to the neighbouring part they
 * share the longest boundary with, lightest first. */
static wg_status merge_light_parts(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in)
{
    GEOSContextHandle_t h = t->h;
    for (;;) {
        size_t light = SIZE_MAX;
        for (size_t p = 0; p < t->nparts; p++) {
            const part *P = &t->parts[p];
            bool want = !P->island && (P->nsites == 0 || P->weight < in->min_weight);
            if (want && (light == SIZE_MAX || P->weight < t->parts[light].weight))
                light = p;
        }
        if (light == SIZE_MAX || t->nparts < 2)
            return WG_OK;
        size_t best = SIZE_MAX;
        double best_len = 0;
        for (size_t q = 0; q < t->nparts; q++) {
            if (q == light)
                continue;
            double l = 0;
            wg_status st = shared_length(ctx, t->parts[light].geom, t->parts[q].geom,
                                         "measuring the boundary between parts", &l);
            if (st != WG_OK)
                return st;
            if (l > best_len) {
                best_len = l;
                best = q;
            }
        }
        if (best == SIZE_MAX) { /* an island: nothing to join; the other light parts may */
            t->parts[light].island = true;
            continue;
        }
        part *L = &t->parts[light], *B = &t->parts[best];
        /* Even an empty part taken in puts the barrier inside a cell: say which. */
        if (B->crossing < 0 && L->crossing >= 0) {
            B->crossing = L->crossing;
        } else if (B->crossing < 0) {
            wg_status st = barrier_between(ctx, in, L->geom, B->geom, &B->crossing);
            if (st != WG_OK)
                return st;
        }
        GEOSGeometry *two[2] = {L->geom, B->geom};
        /* The collection takes both parts, even when it fails. */
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, two, 2);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        L->geom = NULL;
        B->geom = u;
        if (!u)
            return wg__geos_fail(ctx, "tessellation: joining a light part to its neighbour failed");
        B->weight += L->weight;
        B->nsites += L->nsites;
        if (L->prep)
            GEOSPreparedGeom_destroy_r(h, L->prep);
        if (B->prep)
            GEOSPreparedGeom_destroy_r(h, B->prep);
        B->prep = GEOSPrepare_r(h, B->geom);
        if (!B->prep)
            return wg__geos_fail(ctx, "tessellation: preparing a joined part failed");
        for (size_t i = 0; i < t->n; i++)
            if (t->part_of[i] == light)
                t->part_of[i] = best;
        /* Remove `light`, renumbering the last part into its slot. */
        size_t last = t->nparts - 1;
        if (light != last) {
            t->parts[light] = t->parts[last];
            for (size_t i = 0; i < t->n; i++)
                if (t->part_of[i] == last)
                    t->part_of[i] = light;
        }
        t->nparts--;
    }
}

/* ---- Edges ------------------------------------------------------------------------------ */

typedef struct edge_list {
    edge *e;
    size_t n, cap;
} edge_list;

static wg_status add_edge(wg_ctx *ctx, edge_list *l, size_t a, size_t b, double len)
{
    if (a == b || !(len > 0))
        return WG_OK;
    if (wg_grow(ctx, (void **)&l->e, &l->cap, l->n + 1, sizeof *l->e) != WG_OK)
        return WG_ENOMEM;
    l->e[l->n++] = a < b ? (edge){a, b, len} : (edge){b, a, len};
    return WG_OK;
}

static int edge_cmp(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Segment keys of the Voronoi rings: a segment seen from two sites is their shared edge. */
typedef struct seg {
    double x0, y0, x1, y1;
    size_t site;
} seg;

static uint64_t seg_hash(const seg *s)
{
    uint64_t hsh = 1469598103934665603u, v[4];
    memcpy(&v[0], &s->x0, 8);
    memcpy(&v[1], &s->y0, 8);
    memcpy(&v[2], &s->x1, 8);
    memcpy(&v[3], &s->y1, 8);
    for (int k = 0; k < 4; k++) {
        hsh ^= v[k];
        hsh *= 0x100000001b3u;
        hsh ^= hsh >> 29;
    }
    return hsh;
}

/* Canonical order of a segment's ends, so both sites see the same key. */
static seg seg_make(double x0, double y0, double x1, double y1, size_t site)
{
    if (x1 < x0 || (x1 == x0 && y1 < y0))
        return (seg){x1, y1, x0, y0, site};
    return (seg){x0, y0, x1, y1, site};
}

/* ---- Nearest site, for naming the Voronoi polygons ------------------------------------- */

typedef struct grid {
    double x0, y0, cell;
    size_t nx, ny;
    size_t *start; /* nx*ny + 1 */
    size_t *idx;
} grid;

static wg_status grid_build(wg_ctx *ctx, grid *g, const double *xy, const size_t *ids, size_t n)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        double x = xy[2 * ids[k]], y = xy[2 * ids[k] + 1];
        x0 = fmin(x0, x), y0 = fmin(y0, y), x1 = fmax(x1, x), y1 = fmax(y1, y);
    }
    double w = fmax(x1 - x0, 1e-9), hgt = fmax(y1 - y0, 1e-9);
    g->cell = fmax(sqrt(w * hgt / (double)n), fmax(w, hgt) / 1024.0);
    g->x0 = x0, g->y0 = y0;
    g->nx = (size_t)(w / g->cell) + 1, g->ny = (size_t)(hgt / g->cell) + 1;
    g->start = calloc(g->nx * g->ny + 1, sizeof *g->start);
    g->idx = malloc(n * sizeof *g->idx);
    if (!g->start || !g->idx)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a site index");
    size_t *bin = malloc(n * sizeof *bin);
    if (!bin)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a site index");
    for (size_t k = 0; k < n; k++) {
        size_t cx = (size_t)((xy[2 * ids[k]] - x0) / g->cell);
        size_t cy = (size_t)((xy[2 * ids[k] + 1] - y0) / g->cell);
        bin[k] = (cy < g->ny ? cy : g->ny - 1) * g->nx + (cx < g->nx ? cx : g->nx - 1);
        g->start[bin[k] + 1]++;
    }
    for (size_t b = 0; b < g->nx * g->ny; b++)
        g->start[b + 1] += g->start[b];
    size_t *fill = malloc((g->nx * g->ny) * sizeof *fill);
    if (!fill) {
        free(bin);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a site index");
    }
    memcpy(fill, g->start, (g->nx * g->ny) * sizeof *fill);
    for (size_t k = 0; k < n; k++)
        g->idx[fill[bin[k]]++] = ids[k];
    free(fill);
    free(bin);
    return WG_OK;
}

static size_t grid_nearest(const grid *g, const double *xy, double x, double y)
{
    /* Search square rings of bins around the bin nearest the query (queries may lie far
     * outside the grid: Voronoi regions reach the frame). */
    double fx = floor((x - g->x0) / g->cell), fy = floor((y - g->y0) / g->cell);
    long cx = fx < 0 ? 0 : fx >= (double)g->nx ? (long)g->nx - 1 : (long)fx;
    long cy = fy < 0 ? 0 : fy >= (double)g->ny ? (long)g->ny - 1 : (long)fy;
    size_t best = SIZE_MAX;
    double bd = INFINITY;
    long maxr = (long)(g->nx > g->ny ? g->nx : g->ny);
    for (long r = 0; r <= maxr; r++) {
        for (long j = cy - r; j <= cy + r; j++) {
            if (j < 0 || j >= (long)g->ny)
                continue;
            for (long i = cx - r; i <= cx + r; i++) {
                if (i < 0 || i >= (long)g->nx || (labs(i - cx) != r && labs(j - cy) != r))
                    continue;
                size_t b = (size_t)j * g->nx + (size_t)i;
                for (size_t k = g->start[b]; k < g->start[b + 1]; k++) {
                    size_t s = g->idx[k];
                    double dx = xy[2 * s] - x, dy = xy[2 * s + 1] - y, d = dx * dx + dy * dy;
                    if (d < bd || (d == bd && s < best)) {
                        bd = d;
                        best = s;
                    }
                }
            }
        }
        /* Every site not yet seen lies outside the searched block; stop when the best one is
         * closer than the block's edge. */
        double bx0 = g->x0 + (double)(cx - r) * g->cell,
               bx1 = g->x0 + (double)(cx + r + 1) * g->cell;
        double by0 = g->y0 + (double)(cy - r) * g->cell,
               by1 = g->y0 + (double)(cy + r + 1) * g->cell;
        double margin = fmin(fmin(x - bx0, bx1 - x), fmin(y - by0, by1 - y));
        if (best != SIZE_MAX && margin > 0 && sqrt(bd) <= margin)
            break;
    }
    return best;
}

/* The centroid of a polygon's exterior ring (shoelace): 1 when found, 0 when the ring has
 * fewer than four points (no region to name), -1 when GEOS fails. */
static int ring_centroid(GEOSContextHandle_t h, const GEOSGeometry *poly, double *cx, double *cy)
{
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, poly);
    const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return -1;
    if (n < 4)
        return 0;
    double a = 0, sx = 0, sy = 0, x0, y0;
    if (!GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0))
        return -1;
    double px = 0, py = 0;
    for (unsigned k = 1; k + 1 < n; k++) {
        double x1, y1, x2, y2;
        if (!GEOSCoordSeq_getXY_r(h, cs, k, &x1, &y1) ||
            !GEOSCoordSeq_getXY_r(h, cs, k + 1, &x2, &y2))
            return -1;
        double c = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
        a += c;
        sx += c * (x1 + x2 - 2 * x0);
        sy += c * (y1 + y2 - 2 * y0);
        px += x1, py += y1;
    }
    if (fabs(a) < 1e-12) {
        *cx = px / (n - 2), *cy = py / (n - 2); /* degenerate: the mean vertex */
        return 1;
    }
    *cx = x0 + sx / (3 * a);
    *cy = y0 + sy / (3 * a);
    return 1;
}

/* ---- Regions of one part ---------------------------------------------------------------- */

/* A ring segment met from two sites: their shared edge, with its ends for clipping. */
typedef struct shared_seg {
    size_t a, b;
    double x0, y0, x1, y1;
} shared_seg;

/* Finds the segments of the part's Voronoi rings that two sites share. */
static wg_status find_shared(wg_ctx *ctx, wg_tess *t, const size_t *ids, size_t n, shared_seg **out,
                             size_t *nout)
{
    GEOSContextHandle_t h = t->h;
    size_t cap = 0;
    for (size_t k = 0; k < n; k++) {
        const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, t->region[ids[k]]);
        int np = ring ? GEOSGeomGetNumPoints_r(h, ring) : -1;
        if (np < 0)
            return wg__geos_fail(ctx, "tessellation: reading the Voronoi region of site %zu failed",
                                 ids[k]);
        cap += (size_t)np;
    }
    size_t hcap = 16;
    while (hcap < 2 * cap)
        hcap *= 2;
    seg *table = malloc(hcap * sizeof *table);
    bool *used = calloc(hcap, sizeof *used);
    shared_seg *res = malloc((cap / 2 + 1) * sizeof *res);
    size_t m = 0;
    if (!table || !used || !res) {
        free(table), free(used), free(res);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu Voronoi edges", cap);
    }
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        size_t s = ids[k];
        const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, t->region[s]);
        const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
        unsigned np = 0;
        double x0 = 0, y0 = 0, x1, y1;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &np) ||
            (np > 0 && !GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0))) {
            st = wg__geos_fail(ctx, "tessellation: reading the Voronoi region of site %zu failed",
                               s);
            break;
        }
        for (unsigned j = 1; j < np; j++, x0 = x1, y0 = y1) {
            if (!GEOSCoordSeq_getXY_r(h, cs, j, &x1, &y1)) {
                st = wg__geos_fail(
                    ctx, "tessellation: reading the Voronoi region of site %zu failed", s);
                break;
            }
            if (x0 == x1 && y0 == y1)
                continue;
            seg key = seg_make(x0, y0, x1, y1, s);
            size_t sl = (size_t)seg_hash(&key) & (hcap - 1);
            while (used[sl] && !(table[sl].x0 == key.x0 && table[sl].y0 == key.y0 &&
                                 table[sl].x1 == key.x1 && table[sl].y1 == key.y1))
                sl = (sl + 1) & (hcap - 1);
            if (!used[sl]) {
                used[sl] = true;
                table[sl] = key;
            } else if (table[sl].site != s && m < cap / 2 + 1) {
                size_t a = table[sl].site;
                res[m++] =
                    (shared_seg){a < s ? a : s, a < s ? s : a, key.x0, key.y0, key.x1, key.y1};
            }
        }
    }
    free(table);
    free(used);
    if (st != WG_OK) {
        free(res);
        return st;
    }
    *out = res;
    *nout = m;
    return WG_OK;
}

/* Sorts the edges of one part by pair, adds up each pair's segments, drops empty ones, appends
 * them to `edges` and takes them off the sites' outlines. perim[k] belongs to ids[k]. */
static wg_status fold_edges(wg_ctx *ctx, wg_tess *t, edge_list *local, const size_t *ids, size_t n,
                            const double *perim, edge_list *edges)
{
    qsort(local->e, local->n, sizeof *local->e, edge_cmp);
    for (size_t k = 0; k < n; k++)
        t->outer[ids[k]] = perim[k];
    size_t m = 0;
    for (size_t k = 0; k < local->n; k++) {
        if (m && local->e[m - 1].a == local->e[k].a && local->e[m - 1].b == local->e[k].b)
            local->e[m - 1].len += local->e[k].len;
        else
            local->e[m++] = local->e[k];
    }
    for (size_t k = 0; k < m; k++) {
        const edge *e = &local->e[k];
        if (e->len <= 1e-9)
            continue;
        if (add_edge(ctx, edges, e->a, e->b, e->len) != WG_OK)
            return WG_ENOMEM;
        t->outer[e->a] -= e->len;
        t->outer[e->b] -= e->len;
    }
    for (size_t k = 0; k < n; k++)
        if (t->outer[ids[k]] < 1e-9)
            t->outer[ids[k]] = 0;
    return WG_OK;
}

static wg_status repair_voronoi(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in, size_t p,
                                const size_t *ids, size_t n, edge_list *edges);

/* Voronoi regions of the part's sites, clipped to the part, and the edges they share. */
static wg_status voronoi_part(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in, size_t p,
                              const size_t *ids, size_t n, edge_list *edges)
{
    GEOSContextHandle_t h = t->h;
    part *P = &t->parts[p];
    if (n == 1) { /* the whole part */
        size_t s = ids[0];
        t->region[s] = P->geom;
        t->clipped[s] = false;
        if (!GEOSArea_r(h, P->geom, &t->area[s]) || !GEOSLength_r(h, P->geom, &t->outer[s]))
            return wg__geos_fail(ctx, "tessellation: measuring the region of site %zu failed", s);
        return WG_OK;
    }
    GEOSGeometry **pts = malloc(n * sizeof *pts);
    if (!pts)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", n);
    for (size_t k = 0; k < n; k++) {
        pts[k] = make_point(h, in->xy[2 * ids[k]], in->xy[2 * ids[k] + 1]);
        if (!pts[k]) {
            for (size_t j = 0; j < k; j++)
                GEOSGeom_destroy_r(h, pts[j]);
            free(pts);
            return wg__geos_fail(ctx, "tessellation: making site points failed");
        }
    }
    GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
    free(pts);
    if (!mp)
        return wg__geos_fail(ctx, "tessellation: collecting sites failed");
    /* A frame well beyond the part, so that the diagram's own clipping lies outside it. */
    double ex0, ey0, ex1, ey1;
    if (!GEOSGeom_getExtent_r(h, P->geom, &ex0, &ey0, &ex1, &ey1)) {
        GEOSGeom_destroy_r(h, mp);
        return wg__geos_fail(ctx, "tessellation: the extent of a part failed");
    }
    double pad = (ex1 - ex0) + (ey1 - ey0) + 10;
    GEOSGeometry *env = GEOSGeom_createRectangle_r(h, ex0 - pad, ey0 - pad, ex1 + pad, ey1 + pad);
    P->vor = env ? GEOSVoronoiDiagram_r(h, mp, env, 0.0, 0) : NULL;
    if (env)
        GEOSGeom_destroy_r(h, env);
    GEOSGeom_destroy_r(h, mp);
    if (!P->vor)
        return wg__geos_fail(ctx, "tessellation: building a Voronoi diagram failed");

    /* GEOS does not keep the sites' order: each (convex) region's centroid is nearest to its
     * own site. */
    grid g = {0};
    wg_status st = grid_build(ctx, &g, in->xy, ids, n);
    for (size_t k = 0; k < n; k++)
        t->region[ids[k]] = NULL;
    int nv = GEOSGetNumGeometries_r(h, P->vor);
    if (st == WG_OK && nv < 0)
        st = wg__geos_fail(ctx, "tessellation: reading a Voronoi diagram failed");
    for (int k = 0; st == WG_OK && k < nv; k++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, P->vor, k);
        double cx, cy;
        int got = poly ? ring_centroid(h, poly, &cx, &cy) : -1;
        if (got < 0) {
            st = wg__geos_fail(ctx, "tessellation: reading a Voronoi region failed");
            break;
        }
        if (got == 0)
            continue;
        size_t s = grid_nearest(&g, in->xy, cx, cy);
        if (s == SIZE_MAX || t->region[s])
            st = wg_fail(ctx, WG_EINTERNAL, "tessellation: two Voronoi regions for one site");
        else
            t->region[s] = poly;
    }
    free(g.start);
    free(g.idx);
    for (size_t k = 0; st == WG_OK && k < n; k++)
        if (!t->region[ids[k]])
            st = wg_fail(ctx, WG_EINTERNAL, "tessellation: a site got no Voronoi region");
    shared_seg *segs = NULL;
    size_t nsegs = 0;
    if (st == WG_OK)
        st = find_shared(ctx, t, ids, n, &segs, &nsegs);

    /* Clip the regions that reach beyond the part; measure areas and outlines. */
    bool pinched = false;
    double *perim = st == WG_OK ? calloc(n, sizeof *perim) : NULL;
    if (st == WG_OK && !perim)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", n);
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        size_t s = ids[k];
        int inside = GEOSPreparedContains_r(h, P->prep, t->region[s]);
        if (inside == 2) {
            st = wg__geos_fail(ctx, "tessellation: testing a Voronoi region failed");
            break;
        }
        t->clipped[s] = inside == 0;
        if (inside == 1) {
            if (!GEOSArea_r(h, t->region[s], &t->area[s]) ||
                !GEOSLength_r(h, t->region[s], &perim[k]))
                st = wg__geos_fail(ctx, "tessellation: measuring the region of site %zu failed", s);
            continue;
        }
        GEOSGeometry *c = GEOSIntersection_r(h, P->geom, t->region[s]);
        if (!c) {
            st = wg__geos_fail(ctx, "tessellation: clipping a Voronoi region to its part failed");
            break;
        }
        int nc = GEOSGetNumGeometries_r(h, c);
        if (nc < 0 || !GEOSArea_r(h, c, &t->area[s]) || !GEOSLength_r(h, c, &perim[k]))
            st = wg__geos_fail(ctx, "tessellation: measuring the region of site %zu failed", s);
        pinched |= nc > 1;
        GEOSGeom_destroy_r(h, c);
    }
    if (st == WG_OK && pinched) {
        free(segs), free(perim);
        return repair_voronoi(ctx, t, in, p, ids, n, edges);
    }
    /* A shared edge counts only where it lies inside the part. */
    edge_list local = {0};
    for (size_t k = 0; st == WG_OK && k < nsegs; k++) {
        const shared_seg *e = &segs[k];
        double len = hypot(e->x1 - e->x0, e->y1 - e->y0);
        if (t->clipped[e->a] || t->clipped[e->b]) {
            GEOSGeometry *line = make_segment(h, e->x0, e->y0, e->x1, e->y1);
            st = line ? shared_length(ctx, line, P->geom, "clipping a shared edge", &len)
                      : wg__geos_fail(ctx, "tessellation: clipping a shared edge failed");
            if (line)
                GEOSGeom_destroy_r(h, line);
        }
        if (st == WG_OK)
            st = add_edge(ctx, &local, e->a, e->b, len);
    }
    if (st == WG_OK)
        st = fold_edges(ctx, t, &local, ids, n, perim, edges);
    free(local.e);
    free(segs);
    free(perim);
    return st;
}

/* Areas, outlines and shared boundaries of regions the tessellation owns (t->region[s]
 * for s in ids, all inside the part): pairs by envelope (parts hold hundreds of sites, not
 * millions), then the length of the outline they share. */
static wg_status owned_adjacency(wg_ctx *ctx, wg_tess *t, const size_t *ids, size_t n,
                                 edge_list *edges)
{
    GEOSContextHandle_t h = t->h;
    wg_status st = WG_OK;
    double *perim = calloc(n, sizeof *perim);
    double *env = malloc(4 * n * sizeof *env);
    GEOSGeometry **bound = calloc(n, sizeof *bound);
    if (!perim || !bound || !env)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", n);
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        const GEOSGeometry *r = t->region[ids[k]];
        if (!GEOSArea_r(h, r, &t->area[ids[k]]) || !GEOSLength_r(h, r, &perim[k]) ||
            !extent_of(h, r, &env[4 * k])) {
            st =
                wg__geos_fail(ctx, "tessellation: measuring the region of site %zu failed", ids[k]);
            break;
        }
        bound[k] = GEOSBoundary_r(h, r);
        if (!bound[k])
            st = wg__geos_fail(ctx, "tessellation: outlining a region failed");
    }
    edge_list local = {0};
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        const double *a = &env[4 * k];
        for (size_t j = k + 1; st == WG_OK && j < n; j++) {
            const double *b = &env[4 * j];
            if (b[0] > a[2] || b[2] < a[0] || b[1] > a[3] || b[3] < a[1])
                continue;
            double len = 0;
            st = shared_length(ctx, bound[k], bound[j], "measuring a shared boundary", &len);
            if (st == WG_OK)
                st = add_edge(ctx, &local, ids[k], ids[j], len);
        }
    }
    if (st == WG_OK)
        st = fold_edges(ctx, t, &local, ids, n, perim, edges);
    free(local.e);
    for (size_t k = 0; bound && k < n; k++)
        if (bound[k])
            GEOSGeom_destroy_r(h, bound[k]);
    free(bound), free(perim), free(env);
    return st;
}

/* The sites' own polygons, which tile the part. */
static wg_status tiled_part(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in, size_t p,
                            const size_t *ids, size_t n, edge_list *edges)
{
    GEOSContextHandle_t h = t->h;
    part *P = &t->parts[p];
    for (size_t k = 0; k < n; k++) {
        size_t s = ids[k];
        const GEOSGeometry *shape = in_shape(in, s);
        char inside = GEOSPreparedContains_r(h, P->prep, shape);
        if (inside == 2)
            return wg__geos_fail(
                ctx, "tessellation: placing the polygon of site %zu in its part failed", s);
        GEOSGeometry *r =
            inside == 1 ? GEOSGeom_clone_r(h, shape) : GEOSIntersection_r(h, P->geom, shape);
        if (!r)
            return wg__geos_fail(ctx, "tessellation: clipping a unit to its part failed");
        t->region[s] = r;
        t->owned[s] = true;
        t->clipped[s] = false;
    }
    return owned_adjacency(ctx, t, ids, n, edges);
}

/* A part whose outline is not convex can cut a Voronoi region in two. Each site keeps the
 * piece holding it; a stray piece joins the neighbouring region it shares most boundary with.
 * The regions become owned geometry, and the part is unioned like a tiled one. */
static wg_status repair_voronoi(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in, size_t p,
                                const size_t *ids, size_t n, edge_list *edges)
{
    GEOSContextHandle_t h = t->h;
    part *P = &t->parts[p];
    GEOSGeometry **reg = calloc(n, sizeof *reg);
    if (!reg)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu regions", n);
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        reg[k] = t->clipped[ids[k]] ? GEOSIntersection_r(h, P->geom, t->region[ids[k]])
                                    : GEOSGeom_clone_r(h, t->region[ids[k]]);
        if (!reg[k])
            st = wg__geos_fail(ctx, "tessellation: clipping a Voronoi region failed");
    }
    /* Stray pieces: collected, then handed over. */
    GEOSGeometry **stray = NULL;
    size_t *stray_from = NULL, nstray = 0, cap = 0;
    for (size_t k = 0; st == WG_OK && k < n; k++) {
        int np = GEOSGetNumGeometries_r(h, reg[k]);
        if (np < 0) {
            st = wg__geos_fail(ctx, "tessellation: reading the clipped region of site %zu failed",
                               ids[k]);
            break;
        }
        if (np <= 1)
            continue;
        GEOSGeometry *pt = make_point(h, in->xy[2 * ids[k]], in->xy[2 * ids[k] + 1]);
        if (!pt) {
            st = wg__geos_fail(ctx, "tessellation: making a site point failed");
            break;
        }
        int keep = 0;
        double best = INFINITY;
        for (int q = 0; q < np; q++) {
            const GEOSGeometry *piece = GEOSGetGeometryN_r(h, reg[k], q);
            double d = INFINITY;
            if (!piece || !GEOSDistance_r(h, piece, pt, &d)) {
                st = wg__geos_fail(
                    ctx, "tessellation: finding the piece that holds site %zu failed", ids[k]);
                break;
            }
            if (d < best)
                best = d, keep = q;
        }
        GEOSGeom_destroy_r(h, pt);
        if (st != WG_OK)
            break;
        GEOSGeometry *main = NULL;
        for (int q = 0; st == WG_OK && q < np; q++) {
            const GEOSGeometry *pq = GEOSGetGeometryN_r(h, reg[k], q);
            GEOSGeometry *piece = pq ? GEOSGeom_clone_r(h, pq) : NULL;
            if (!piece) {
                st = wg__geos_fail(ctx, "tessellation: copying a piece failed");
                break;
            }
            if (q == keep) {
                main = piece;
                continue;
            }
            if (nstray == cap) {
                cap = cap ? 2 * cap : 8;
                GEOSGeometry **g2 = realloc(stray, cap * sizeof *g2);
                size_t *f2 = realloc(stray_from, cap * sizeof *f2);
                if (g2)
                    stray = g2;
                if (f2)
                    stray_from = f2;
                if (!g2 || !f2) {
                    GEOSGeom_destroy_r(h, piece);
                    st = wg_fail(ctx, WG_ENOMEM, "out of memory for stray pieces");
                    break;
                }
            }
            stray[nstray] = piece;
            stray_from[nstray++] = k;
        }
        GEOSGeom_destroy_r(h, reg[k]);
        reg[k] = main;
        if (!main && st == WG_OK)
            st = wg__geos_fail(ctx, "tessellation: keeping a region's piece failed");
    }
    for (size_t q = 0; q < nstray; q++) {
        size_t to = stray_from[q];
        double best = 0;
        for (size_t k = 0; st == WG_OK && k < n; k++) {
            if (k == stray_from[q] || !reg[k])
                continue;
            double len = 0;
            st = shared_length(ctx, stray[q], reg[k], "joining a stray piece", &len);
            if (st == WG_OK && len > best)
                best = len, to = k;
        }
        if (st != WG_OK) {
            GEOSGeom_destroy_r(h, stray[q]);
            continue;
        }
        GEOSGeometry *two[2] = {reg[to], stray[q]};
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, two, 2);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        reg[to] = u;
        if (!u)
            st = wg__geos_fail(ctx, "tessellation: joining a stray piece failed");
    }
    free(stray), free(stray_from);
    for (size_t k = 0; k < n; k++) {
        if (st == WG_OK) {
            t->region[ids[k]] = reg[k];
            t->owned[ids[k]] = true;
            t->clipped[ids[k]] = false;
        } else if (reg[k])
            GEOSGeom_destroy_r(h, reg[k]);
    }
    free(reg);
    if (st != WG_OK)
        return st;
    P->tiled = true; /* owned regions, unioned in general */
    return owned_adjacency(ctx, t, ids, n, edges);
}

/* ---- The whole ---------------------------------------------------------------------------- */

/* Whether the sites' own polygons tile part p, in *yes: every site has one and their areas add
 * up to the part's (within 2 %: real parcels have slivers). */
static wg_status tiles(wg_ctx *ctx, const wg_tess *t, const wg_tess_in *in, size_t p,
                       const size_t *ids, size_t n, bool *yes)
{
    *yes = false;
    if (!in->shape || n < 2)
        return WG_OK;
    double sum = 0, area = 0;
    for (size_t k = 0; k < n; k++) {
        double a = 0;
        if (!in->shape[ids[k]])
            return WG_OK;
        if (!GEOSArea_r(t->h, in_shape(in, ids[k]), &a))
            return wg__geos_fail(ctx, "tessellation: measuring the polygon of site %zu failed",
                                 ids[k]);
        if (a <= 0)
            return WG_OK;
        sum += a;
    }
    if (!GEOSArea_r(t->h, t->parts[p].geom, &area))
        return wg__geos_fail(ctx, "tessellation: measuring a part failed");
    *yes = area > 0 && fabs(sum - area) <= 0.02 * area;
    return WG_OK;
}

/* Whether the sites' own polygons tile the whole area (as tiles() for one part). */
static wg_status tiles_area(wg_ctx *ctx, const wg_tess *t, const wg_tess_in *in, bool *yes)
{
    *yes = false;
    if (!in->shape || in->n < 2)
        return WG_OK;
    double sum = 0, area = 0;
    for (size_t s = 0; s < in->n; s++) {
        double a = 0;
        if (!in->shape[s])
            return WG_OK;
        if (!GEOSArea_r(t->h, in_shape(in, s), &a))
            return wg__geos_fail(ctx, "tessellation: measuring the polygon of site %zu failed", s);
        sum += a;
    }
    if (!GEOSArea_r(t->h, in_area(in), &area))
        return wg__geos_fail(ctx, "tessellation: measuring the area failed");
    *yes = area > 0 && fabs(sum - area) <= 0.02 * area;
    return WG_OK;
}

/* Units that tile the area are never cut: a barrier through one leaves it whole, in the part
 * its site lies in. Each part becomes the union of its sites' polygons (a part without sites
 * keeps its outline and is owned by none: its ground belongs to the units of other parts);
 * barriers still part the sites, since only sites of one part are neighbours. */
static wg_status parts_of_whole_units(wg_ctx *ctx, wg_tess *t, const wg_tess_in *in)
{
    GEOSContextHandle_t h = t->h;
    GEOSGeometry **g = malloc((t->n ? t->n : 1) * sizeof *g);
    if (!g)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", t->n);
    wg_status st = WG_OK;
    for (size_t p = 0; st == WG_OK && p < t->nparts; p++) {
        size_t n = 0;
        for (size_t s = 0; st == WG_OK && s < t->n; s++) {
            if (t->part_of[s] != p)
                continue;
            if (!(g[n] = GEOSGeom_clone_r(h, in_shape(in, s))))
                st = wg__geos_fail(ctx, "tessellation: copying the polygon of site %zu failed", s);
            else
                n++;
        }
        if (st != WG_OK || n == 0) {
            for (size_t k = 0; k < n; k++)
                GEOSGeom_destroy_r(h, g[k]);
            continue;
        }
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, g, (unsigned)n);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        else
            for (size_t k = 0; k < n; k++)
                GEOSGeom_destroy_r(h, g[k]);
        if (!u) {
            st = wg__geos_fail(ctx, "tessellation: joining the units of a part failed");
            break;
        }
        GEOSGeom_destroy_r(h, t->parts[p].geom);
        t->parts[p].geom = u;
    }
    free(g);
    return st == WG_OK ? prepare_parts(ctx, t) : st;
}

static wg_status build_csr(wg_ctx *ctx, wg_tess *t, edge_list *edges)
{
    t->off = calloc(t->n + 1, sizeof *t->off);
    t->nbr = malloc((2 * edges->n + 1) * sizeof *t->nbr);
    t->len = malloc((2 * edges->n + 1) * sizeof *t->len);
    if (!t->off || !t->nbr || !t->len)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu shared edges", edges->n);
    for (size_t k = 0; k < edges->n; k++) {
        t->off[edges->e[k].a + 1]++;
        t->off[edges->e[k].b + 1]++;
    }
    for (size_t i = 0; i < t->n; i++)
        t->off[i + 1] += t->off[i];
    size_t *fill = malloc((t->n + 1) * sizeof *fill);
    if (!fill)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", t->n);
    memcpy(fill, t->off, (t->n + 1) * sizeof *fill);
    /* Edges are sorted by (a, b): b's lists fill by a ascending, then a's lists by b
     * ascending; every a of a site's list is below it and every b above, so each list ends
     * up ascending. */
    for (size_t k = 0; k < edges->n; k++) {
        const edge *e = &edges->e[k];
        t->nbr[fill[e->b]] = e->a, t->len[fill[e->b]++] = e->len;
    }
    for (size_t k = 0; k < edges->n; k++) {
        const edge *e = &edges->e[k];
        t->nbr[fill[e->a]] = e->b, t->len[fill[e->a]++] = e->len;
    }
    free(fill);
    return WG_OK;
}

wg_status wg_tess_build(wg_ctx *ctx, const wg_tess_in *in, wg_tess **out)
{
    *out = NULL;
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    if (!in->area)
        return wg_fail(ctx, WG_EINPUT, "tessellation: the area is not a polygon");
    int type = GEOSGeomTypeId_r(h, in_area(in));
    if (type < 0)
        return wg__geos_fail(ctx, "tessellation: reading the area failed");
    char empty =
        type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON ? GEOSisEmpty_r(h, in_area(in)) : 0;
    if (empty == 2)
        return wg__geos_fail(ctx, "tessellation: testing the area failed");
    if ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) || empty)
        return wg_fail(ctx, WG_EINPUT, "tessellation: the area is not a polygon");
    wg_tess *t = calloc(1, sizeof *t);
    if (!t)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a tessellation");
    t->h = h;
    t->n = in->n;
    size_t n1 = in->n ? in->n : 1;
    t->part_of = calloc(n1, sizeof *t->part_of);
    t->region = calloc(n1, sizeof *t->region);
    t->owned = calloc(n1, sizeof *t->owned);
    t->clipped = calloc(n1, sizeof *t->clipped);
    t->area = calloc(n1, sizeof *t->area);
    t->outer = calloc(n1, sizeof *t->outer);
    size_t *ids = malloc(n1 * sizeof *ids);
    wg_status st = WG_OK;
    if (!t->part_of || !t->region || !t->owned || !t->clipped || !t->area || !t->outer || !ids)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", in->n);
    if (st == WG_OK)
        st = cut_parts(ctx, t, in);
    if (st == WG_OK)
        st = prepare_parts(ctx, t);
    if (st == WG_OK)
        st = place_sites(ctx, t, in);
    if (st == WG_OK)
        st = merge_light_parts(ctx, t, in);
    bool whole = false;
    if (st == WG_OK && in->nbarriers > 0 && t->nparts > 1)
        st = tiles_area(ctx, t, in, &whole);
    if (st == WG_OK && whole)
        st = parts_of_whole_units(ctx, t, in);
    edge_list edges = {0};
    for (size_t p = 0; st == WG_OK && p < t->nparts; p++) {
        size_t n = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->part_of[i] == p)
                ids[n++] = i;
        if (n == 0)
            continue;
        st = tiles(ctx, t, in, p, ids, n, &t->parts[p].tiled);
        if (st == WG_OK)
            st = t->parts[p].tiled ? tiled_part(ctx, t, in, p, ids, n, &edges)
                                   : voronoi_part(ctx, t, in, p, ids, n, &edges);
    }
    if (st == WG_OK) {
        if (edges.n) /* (a community of one unit has no shared edge, and no array) */
            qsort(edges.e, edges.n, sizeof *edges.e, edge_cmp);
        st = build_csr(ctx, t, &edges);
    }
    free(edges.e);
    free(ids);
    if (st != WG_OK) {
        wg_tess_free(t);
        return st;
    }
    *out = t;
    return WG_OK;
}

void wg_tess_free(wg_tess *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->owned && i < t->n; i++)
        if (t->owned[i])
            GEOSGeom_destroy_r(t->h, (GEOSGeometry *)t->region[i]);
    for (size_t p = 0; p < t->nparts; p++) {
        if (t->parts[p].prep)
            GEOSPreparedGeom_destroy_r(t->h, t->parts[p].prep);
        if (t->parts[p].geom)
            GEOSGeom_destroy_r(t->h, t->parts[p].geom);
        if (t->parts[p].vor)
            GEOSGeom_destroy_r(t->h, t->parts[p].vor);
    }
    free(t->parts);
    free(t->part_of);
    free(t->region);
    free(t->owned);
    free(t->clipped);
    free(t->area);
    free(t->outer);
    free(t->off);
    free(t->nbr);
    free(t->len);
    free(t);
}

size_t wg_tess_nparts(const wg_tess *t)
{
    return t->nparts;
}

size_t wg_tess_part(const wg_tess *t, size_t i)
{
    return t->part_of[i];
}

long wg_tess_part_crossing(const wg_tess *t, size_t p)
{
    return t->parts[p].crossing;
}

double wg_tess_area(const wg_tess *t, size_t i)
{
    return t->area[i];
}

double wg_tess_outer(const wg_tess *t, size_t i)
{
    return t->outer[i];
}

void wg_tess_adj(const wg_tess *t, size_t i, const size_t **nbr, const double **len, size_t *deg)
{
    *nbr = t->nbr + t->off[i];
    *len = t->len + t->off[i];
    *deg = t->off[i + 1] - t->off[i];
}

wg_status wg_tess_union(wg_ctx *ctx, const wg_tess *t, const size_t *sites, size_t n, wg_geom **out)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx); /* GEOS's errors go to this ctx */
    *out = NULL;
    if (n == 0)
        return wg_fail(ctx, WG_EINPUT, "tessellation: the union of no sites");
    size_t p = t->part_of[sites[0]];
    bool clip = false;
    for (size_t k = 0; k < n; k++) {
        if (t->part_of[sites[k]] != p)
            return wg_fail(ctx, WG_EINPUT, "tessellation: a union across parts");
        clip |= t->clipped[sites[k]];
    }
    GEOSGeometry **g = malloc(n * sizeof *g);
    if (!g)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a union of %zu regions", n);
    for (size_t k = 0; k < n; k++) {
        g[k] = GEOSGeom_clone_r(h, t->region[sites[k]]);
        if (!g[k]) {
            for (size_t j = 0; j < k; j++)
                GEOSGeom_destroy_r(h, g[j]);
            free(g);
            return wg__geos_fail(ctx, "tessellation: copying a region failed");
        }
    }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, g, (unsigned)n);
    free(g);
    if (!coll)
        return wg__geos_fail(ctx, "tessellation: collecting regions failed");
    GEOSGeometry *u = NULL;
    if (!t->parts[p].tiled) {
        /* Voronoi regions of one diagram share their edges exactly: a coverage. When GEOS finds
         * it is not a clean coverage after all, the general union; only GEOS's own error of this
         * call is forgotten (never an earlier error, nor GEOS running out of memory). */
        wg_status before = wg_ctx_status(ctx);
        u = GEOSCoverageUnion_r(h, coll);
        if (!u && (before != WG_OK || wg_ctx_status(ctx) != WG_EGEOS ||
                   strstr(wg_ctx_errmsg(ctx), "bad_alloc"))) {
            GEOSGeom_destroy_r(h, coll);
            return before != WG_OK
                       ? before
                       : wg__geos_fail(ctx, "tessellation: coverage union of regions failed");
        }
        if (!u)
            wg_ctx_clear_error(ctx);
    }
    if (!u)
        u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    if (!u)
        return wg__geos_fail(ctx, "tessellation: dissolving regions failed");
    if (clip) {
        GEOSGeometry *c = GEOSIntersection_r(h, u, t->parts[p].geom);
        GEOSGeom_destroy_r(h, u);
        if (!c)
            return wg__geos_fail(ctx, "tessellation: clipping a union to its part failed");
        u = c;
    }
    wg_status st = wg_geom_multi(ctx, wg__geom(h, u), out);
    GEOSGeom_destroy_r(h, u);
    return st;
}
