/* geo/cover.c: how much of an area a set of views sees (see wg/cover.h) — open ground, seen
 * ground, blind pieces, with exact areas from GEOS. Knows nothing of cameras or cells. */
#include "wg/cover.h"

#include "geo_int.h"

#include <stdlib.h>
#include <string.h>

/* The union of geoms[0..n) (consumed), or NULL when n is 0 or GEOS fails. */
static GEOSGeometry *union_of(GEOSContextHandle_t h, GEOSGeometry **geoms, size_t n)
{
    if (n == 0)
        return NULL;
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, geoms, (unsigned)n);
    if (!coll)
        return NULL;
    GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    return u;
}

/* The polygons of g (consumed) as one MultiPolygon: an overlay may return points or lines
 * where two shapes only touch, and no area lives there. NULL when GEOS fails. */
static GEOSGeometry *polygons_of(GEOSContextHandle_t h, GEOSGeometry *g)
{
    if (!g)
        return NULL;
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return g;
    int n = GEOSGetNumGeometries_r(h, g), k = 0;
    GEOSGeometry **parts =
        type >= 0 && n >= 0 ? malloc((n > 0 ? (size_t)n : 1) * sizeof *parts) : NULL;
    bool ok = parts != NULL;
    for (int i = 0; ok && i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int t = p ? GEOSGeomTypeId_r(h, p) : -1;
        if (t == GEOS_POLYGON) {
            ok = (parts[k++] = GEOSGeom_clone_r(h, p)) != NULL;
        } else if (t == GEOS_MULTIPOLYGON) { /* a collection member may itself be multi */
            int m = GEOSGetNumGeometries_r(h, p);
            GEOSGeometry **more =
                m >= 0 ? realloc(parts, ((size_t)k + (size_t)m + (size_t)n) * sizeof *parts) : NULL;
            ok = more != NULL;
            if (ok)
                parts = more;
            for (int j = 0; ok && j < m; j++) {
                const GEOSGeometry *q = GEOSGetGeometryN_r(h, p, j);
                ok = q && (parts[k++] = GEOSGeom_clone_r(h, q)) != NULL;
            }
        } else if (t < 0) {
            ok = false;
        }
    }
    GEOSGeometry *out =
        ok ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k) : NULL;
    for (int i = 0; !ok && parts && i < k; i++)
        if (parts[i])
            GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeom_destroy_r(h, g);
    return out;
}

/* The polygons of g (a MultiPolygon), each of at least min_m2, as separate geometries. */
static wg_status split_blind(wg_ctx *ctx, const GEOSGeometry *g, double min_m2, wg_cover_out *out)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    int n = GEOSGetNumGeometries_r(h, g);
    if (n < 0)
        return wg__geos_fail(ctx, "finding blind spots failed");
    out->blind = malloc((n > 0 ? (size_t)n : 1) * sizeof *out->blind);
    if (!out->blind)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for blind spots");
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int type = p ? GEOSGeomTypeId_r(h, p) : -1;
        double a = 0;
        if (type < 0 || (type == GEOS_POLYGON && !GEOSArea_r(h, p, &a)))
            return wg__geos_fail(ctx, "finding blind spots failed");
        if (type != GEOS_POLYGON || a < min_m2)
            continue;
        GEOSGeometry *c = GEOSGeom_clone_r(h, p);
        if (!c)
            return wg__geos_fail(ctx, "finding blind spots failed");
        out->blind[out->nblind++] = wg__geom(h, c);
    }
    return WG_OK;
}

/* The open ground: the area minus the union of the footprints that meet it. */
static wg_status open_ground(wg_ctx *ctx, const wg_cover_in *in, GEOSGeometry **parts,
                             GEOSGeometry **open)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    const GEOSGeometry *area = wg__cgeos(in->area);
    size_t np = 0;
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < in->nfootprints; k++) {
        const GEOSGeometry *f = wg__cgeos(in->footprints[k]);
        char meets = GEOSIntersects_r(h, area, f);
        if (meets == 2)
            st = wg__geos_fail(ctx, "cutting out the footprints failed");
        else if (meets && !(parts[np++] = GEOSGeom_clone_r(h, f)))
            st = wg__geos_fail(ctx, "cutting out the footprints failed");
    }
    if (st != WG_OK) {
        for (size_t k = 0; k < np; k++)
            if (parts[k])
                GEOSGeom_destroy_r(h, parts[k]);
        return st;
    }
    if (np) {
        GEOSGeometry *fpu = union_of(h, parts, np); /* takes the parts */
        *open = fpu ? GEOSDifference_r(h, area, fpu) : NULL;
        if (fpu)
            GEOSGeom_destroy_r(h, fpu);
    } else {
        *open = GEOSGeom_clone_r(h, area);
    }
    return *open ? WG_OK : wg__geos_fail(ctx, "cutting out the footprints failed");
}

/* What the views see of the open ground: their areas in view_m2, the union of those that count
 * in *seen (NULL when none counts). */
static wg_status seen_ground(wg_ctx *ctx, const wg_cover_in *in, const GEOSGeometry *open,
                             GEOSGeometry **parts, double *view_m2, GEOSGeometry **seen)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    size_t np = 0;
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < in->nviews; k++) {
        GEOSGeometry *piece = GEOSIntersection_r(h, wg__cgeos(in->views[k]), open);
        double a = 0;
        if (!piece) {
            st = wg__geos_fail(ctx, "clipping a camera view failed");
            break;
        }
        if (!GEOSArea_r(h, piece, &a))
            st = wg__geos_fail(ctx, "clipping a camera view failed");
        view_m2[k] = a;
        if (st == WG_OK && a > in->min_view_m2)
            parts[np++] = piece;
        else
            GEOSGeom_destroy_r(h, piece);
    }
    if (st != WG_OK) {
        for (size_t k = 0; k < np; k++)
            GEOSGeom_destroy_r(h, parts[k]);
        return st;
    }
    *seen = NULL;
    if (np && !(*seen = polygons_of(h, union_of(h, parts, np))))
        return wg__geos_fail(ctx, "merging the camera views failed");
    return WG_OK;
}

wg_status wg_cover_area(wg_ctx *ctx, const wg_cover_in *in, double *view_m2, wg_cover_out *out)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    wg_cover_out r = {0};
    GEOSGeometry *open = NULL, *seen = NULL, *blind = NULL;
    size_t cap = in->nfootprints > in->nviews ? in->nfootprints : in->nviews;
    GEOSGeometry **parts = malloc((cap ? cap : 1) * sizeof *parts);
    wg_status st = parts ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory covering an area");
    if (st == WG_OK)
        st = open_ground(ctx, in, parts, &open);
    if (st == WG_OK && !GEOSArea_r(h, open, &r.open_m2))
        st = wg__geos_fail(ctx, "cutting out the footprints failed");
    if (st == WG_OK)
        st = seen_ground(ctx, in, open, parts, view_m2, &seen);
    if (st == WG_OK && seen && !GEOSArea_r(h, seen, &r.seen_m2))
        st = wg__geos_fail(ctx, "merging the camera views failed");
    /* blind spots: the open ground nobody sees */
    if (st == WG_OK) {
        blind = polygons_of(h, seen ? GEOSDifference_r(h, open, seen) : GEOSGeom_clone_r(h, open));
        st = blind ? split_blind(ctx, blind, in->min_blind_m2, &r)
                   : wg__geos_fail(ctx, "finding blind spots failed");
    }
    free(parts);
    if (open)
        GEOSGeom_destroy_r(h, open);
    if (blind)
        GEOSGeom_destroy_r(h, blind);
    r.seen = seen ? wg__geom(h, seen) : NULL;
    if (st != WG_OK) {
        wg_cover_out_fini(ctx, &r);
        return st;
    }
    *out = r;
    return WG_OK;
}

void wg_cover_out_fini(wg_ctx *ctx, wg_cover_out *out)
{
    wg_geom_free(ctx, out->seen);
    wg_geoms_free(ctx, out->blind, out->nblind);
    memset(out, 0, sizeof *out);
}
