/* geo/tiling.c: do the polygons tile an area, or stand apart (see wg/tiling.h)? */
#include "wg/tiling.h"

#include "geo_int.h"
#include "wg/boxindex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Which polygons share a boundary stretch with another: touch[k] for the k-th of g. */
static wg_status find_touching(wg_ctx *ctx, const wg_geom *const *g, const double *box, size_t n,
                               bool *touch)
{
    wg_boxindex *ix = NULL;
    wg_box_hits h = {0};
    wg_status st = wg_boxindex_build(ctx, box, n, &ix);
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        if (touch[i])
            continue;
        st = wg_boxindex_collect(ctx, ix, box + 4 * i, &h);
        for (size_t k = 0; st == WG_OK && k < h.n && !touch[i]; k++) {
            size_t j = h.v[k];
            if (j == i)
                continue;
            wg_answer a = wg_geom_share_stretch(ctx, g[i], g[j]);
            if (a == WG_FAILED)
                st = wg_ctx_status(ctx);
            else if (a == WG_YES)
                touch[i] = touch[j] = true;
        }
    }
    free(h.v);
    wg_boxindex_free(ix);
    return st;
}

/* The areas of the union of g and of its convex hull. */
static wg_status union_hull(wg_ctx *ctx, const wg_geom *const *g, size_t n, double *union_m2,
                            double *hull_m2)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry **parts = malloc((n ? n : 1) * sizeof *parts);
    if (!parts)
        return wg_fail(ctx, WG_ENOMEM, "out of memory measuring the tiling");
    size_t k = 0;
    for (; k < n; k++)
        if (!(parts[k] = GEOSGeom_clone_r(h, wg__cgeos(g[k]))))
            break;
    GEOSGeometry *all = NULL, *u = NULL, *hull = NULL;
    if (k == n)
        all = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    else
        while (k > 0)
            GEOSGeom_destroy_r(h, parts[--k]);
    free(parts); /* the collection owns the clones */
    wg_status st = all ? WG_OK : wg__geos_fail(ctx, "collecting the polygons failed");
    if (st == WG_OK && !(u = GEOSUnaryUnion_r(h, all)))
        st = wg__geos_fail(ctx, "the union of the polygons failed");
    if (st == WG_OK && !(hull = GEOSConvexHull_r(h, u)))
        st = wg__geos_fail(ctx, "the convex hull of the polygons failed");
    if (st == WG_OK && (!GEOSArea_r(h, u, union_m2) || !GEOSArea_r(h, hull, hull_m2)))
        st = wg__geos_fail(ctx, "measuring the union of the polygons failed");
    if (all)
        GEOSGeom_destroy_r(h, all);
    if (u)
        GEOSGeom_destroy_r(h, u);
    if (hull)
        GEOSGeom_destroy_r(h, hull);
    return st;
}

wg_status wg_tiling_measure(wg_ctx *ctx, const wg_geom *const *polys, size_t n, wg_tiling *out)
{
    wg_tiling t = {0};
    const wg_geom **g = malloc((n ? n : 1) * sizeof *g);
    double *box = malloc((n ? 4 * n : 1) * sizeof *box);
    bool *touch = calloc(n ? n : 1, sizeof *touch);
    wg_status st = g && box && touch ? WG_OK
                                     : wg_fail(ctx, WG_ENOMEM,
                                               "out of memory measuring %zu "
                                               "polygons",
                                               n);
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        if (!polys[i] || wg_geom_kind(ctx, polys[i]) != WG_G_POLYGON)
            continue;
        double a = 0;
        st = wg_geom_area(ctx, polys[i], &a);
        if (st == WG_OK && a > 0)
            st = wg_geom_bbox(ctx, polys[i], box + 4 * t.n);
        if (st == WG_OK && a > 0) {
            g[t.n++] = polys[i];
            t.sum_m2 += a;
        }
    }
    if (st == WG_OK && t.n >= 2)
        st = find_touching(ctx, g, box, t.n, touch);
    if (st == WG_OK && t.n >= 2)
        st = union_hull(ctx, g, t.n, &t.union_m2, &t.hull_m2);
    for (size_t i = 0; st == WG_OK && i < t.n; i++)
        t.touching += touch[i];
    if (st == WG_OK && t.n >= 2) {
        t.touch_share = (double)t.touching / (double)t.n;
        t.overlap = t.sum_m2 > 0 ? fmax(0, 1 - t.union_m2 / t.sum_m2) : 0;
        t.hull_cover = t.hull_m2 > 0 ? t.union_m2 / t.hull_m2 : 0;
        t.tiles = t.n >= WG_TILING_MIN_N && t.touch_share >= 0.5 && t.hull_cover >= 1.0 / 3 &&
                  t.overlap <= 0.05;
    }
    free(g), free(box), free(touch);
    if (st == WG_OK)
        *out = t;
    return st;
}
