/* geo/geom.c: the opaque geometry of wg/geom.h and the geometric jobs done on it, each a short
 * run of GEOS calls whose every result is checked. Knows nothing of what the shapes mean. */
#include "wg/geom.h"

#include "geo_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static wg_status geos_fail(wg_ctx *ctx, const char *what)
{
    /* The GEOS handler has usually recorded the library's message already: that one wins. */
    return wg_fail(ctx, WG_EGEOS, "%s", what);
}

static wg_answer answer(wg_ctx *ctx, char r, const char *what)
{
    if (r == 0 || r == 1)
        return r ? WG_YES : WG_NO;
    geos_fail(ctx, what);
    return WG_FAILED;
}

void wg_geom_free(wg_ctx *ctx, wg_geom *g)
{
    if (g)
        GEOSGeom_destroy_r(ctx->geos, wg__geos(g));
}

void wg_geoms_free(wg_ctx *ctx, wg_geom **g, size_t n)
{
    for (size_t i = 0; g && i < n; i++)
        wg_geom_free(ctx, g[i]);
    free(g);
}

/* ---- Making and writing ----------------------------------------------------------------- */

wg_status wg_geom_to_wkb(wg_ctx *ctx, const wg_geom *g, unsigned char **wkb, size_t *len)
{
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(ctx->geos);
    if (!w)
        return wg_fail(ctx, WG_EGEOS, "cannot create a WKB writer");
    GEOSWKBWriter_setByteOrder_r(ctx->geos, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(ctx->geos, w, 2);
    size_t n = 0;
    unsigned char *b = GEOSWKBWriter_write_r(ctx->geos, w, wg__cgeos(g), &n);
    GEOSWKBWriter_destroy_r(ctx->geos, w);
    if (!b)
        return wg_fail(ctx, WG_EGEOS, "cannot write a geometry as WKB");
    unsigned char *copy = malloc(n ? n : 1);
    if (copy)
        memcpy(copy, b, n);
    GEOSFree_r(ctx->geos, b);
    if (!copy)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu bytes of WKB", n);
    *wkb = copy;
    *len = n;
    return WG_OK;
}

void wg__settle(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        const GEOSGeometry *shell = GEOSGetExteriorRing_r(h, g);
        if (shell)
            wg__settle(h, shell);
        int n = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < n; i++)
            wg__settle(h, GEOSGetInteriorRingN_r(h, g, i));
    } else if (type >= GEOS_MULTIPOINT) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            wg__settle(h, GEOSGetGeometryN_r(h, g, i));
    }
    double v;
    if (GEOSisEmpty_r(h, g) == 0) {
        (void)GEOSGeom_getXMin_r(h, g, &v);
    } else { /* the C API skips the envelope of an empty geometry; its copy does not */
        GEOSGeometry *e = GEOSEnvelope_r(h, g);
        if (e)
            GEOSGeom_destroy_r(h, e);
    }
}

const char *wg__geom_unsound(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    const char *why = NULL;
    if (type == GEOS_POLYGON) {
        const GEOSGeometry *shell = GEOSGetExteriorRing_r(h, g);
        int n = GEOSGetNumInteriorRings_r(h, g);
        why = shell && n >= 0 ? wg__geom_unsound(h, shell) : "a ring GEOS cannot read";
        for (int i = 0; !why && i < n; i++)
            why = wg__geom_unsound(h, GEOSGetInteriorRingN_r(h, g, i));
        return why;
    }
    if (type >= GEOS_MULTIPOINT) {
        int n = GEOSGetNumGeometries_r(h, g);
        why = n >= 0 ? NULL : "a part GEOS cannot read";
        for (int i = 0; !why && i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            if (GEOSisEmpty_r(h, part) != 0)
                why = "an empty part inside a collection";
            else
                why = wg__geom_unsound(h, part);
        }
        return why;
    }
    const GEOSCoordSequence *seq = type >= 0 ? GEOSGeom_getCoordSeq_r(h, g) : NULL;
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n))
        return "coordinates GEOS cannot read";
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y) || !isfinite(x) || !isfinite(y))
            return "a coordinate is not a finite number";
    }
    return NULL;
}

wg_status wg_geom_from_wkb(wg_ctx *ctx, const unsigned char *wkb, size_t len, wg_geom **g)
{
    GEOSGeometry *r = GEOSGeomFromWKB_buf_r(ctx->geos, wkb, len);
    if (!r)
        return wg_fail(ctx, WG_EGEOS, "cannot read a geometry from %zu bytes of WKB", len);
    const char *why = wg__geom_unsound(ctx->geos, r);
    if (why) {
        GEOSGeom_destroy_r(ctx->geos, r);
        return wg_fail(ctx, WG_EGEOS, "cannot read a geometry from %zu bytes of WKB: %s", len, why);
    }
    *g = wg__geom(ctx->geos, r);
    return WG_OK;
}

/* A LineString, or a Polygon with the points as its only ring. */
static wg_status from_xy(wg_ctx *ctx, const double *xy, size_t n, bool polygon, wg_geom **out)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSCoordSequence *seq =
        n <= UINT32_MAX ? GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)n, 0, 0) : NULL;
    GEOSGeometry *g = NULL;
    if (seq && polygon) {
        GEOSGeometry *shell = GEOSGeom_createLinearRing_r(h, seq);      /* takes seq */
        g = shell ? GEOSGeom_createPolygon_r(h, shell, NULL, 0) : NULL; /* takes shell */
        if (shell && !g)
            GEOSGeom_destroy_r(h, shell);
    } else if (seq) {
        g = GEOSGeom_createLineString_r(h, seq); /* takes seq */
    }
    if (!g)
        return wg_fail(ctx, WG_EGEOS, "cannot make a %s of %zu points",
                       polygon ? "polygon" : "line", n);
    *out = wg__geom(h, g);
    return WG_OK;
}

wg_status wg_geom_line(wg_ctx *ctx, const double *xy, size_t n, wg_geom **out)
{
    return from_xy(ctx, xy, n, false, out);
}

wg_status wg_geom_polygon(wg_ctx *ctx, const double *xy, size_t n, wg_geom **out)
{
    return from_xy(ctx, xy, n, true, out);
}

wg_status wg_geom_multi(wg_ctx *ctx, const wg_geom *geom, wg_geom **out)
{
    GEOSContextHandle_t h = ctx->geos;
    const GEOSGeometry *g = wg__cgeos(geom);
    int t = GEOSGeomTypeId_r(h, g);
    GEOSGeometry *c = GEOSGeom_clone_r(h, g);
    if (c && (t == GEOS_POLYGON || t == GEOS_LINESTRING)) {
        /* an empty one becomes an empty multi, not a multi of one empty part (which
         * wg_geom_from_wkb() refuses) */
        bool empty = GEOSisEmpty_r(h, c) == 1;
        GEOSGeometry *parts[1] = {c};
        GEOSGeometry *m = GEOSGeom_createCollection_r(
            h, t == GEOS_POLYGON ? GEOS_MULTIPOLYGON : GEOS_MULTILINESTRING, parts, !empty);
        if (empty)
            GEOSGeom_destroy_r(h, c);
        c = m;
    }
    if (!c)
        return wg_fail(ctx, WG_EGEOS, "cannot copy a geometry");
    /* One vertex order for every polygon (GEOS normal form: shells clockwise, starting at
     * their smallest vertex): formats disagree on ring orientation (shapefiles turn shells
     * clockwise), and the stored form must not depend on where a polygon came from. */
    if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && GEOSNormalize_r(h, c) != 0) {
        GEOSGeom_destroy_r(h, c);
        return wg_fail(ctx, WG_EGEOS, "cannot normalise a polygon");
    }
    *out = wg__geom(h, c);
    return WG_OK;
}

wg_status wg_geom_union_take(wg_ctx *ctx, wg_geom **parts, size_t n, wg_geom **out)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry **g = n <= UINT32_MAX ? malloc((n ? n : 1) * sizeof *g) : NULL;
    if (!g) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, wg__geos(parts[i]));
        return n <= UINT32_MAX
                   ? wg_fail(ctx, WG_ENOMEM, "out of memory for the union of %zu parts", n)
                   : wg_fail(ctx, WG_EINPUT, "too many parts for one union (%zu)", n);
    }
    for (size_t i = 0; i < n; i++)
        g[i] = wg__geos(parts[i]);
    /* The collection owns the parts from here on, also when GEOS fails to make it. */
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, g, (unsigned)n);
    free(g);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    if (coll)
        GEOSGeom_destroy_r(h, coll);
    if (!u)
        return geos_fail(ctx, "union failed");
    *out = wg__geom(h, u);
    return WG_OK;
}

wg_status wg_geom_dissolve_take(wg_ctx *ctx, wg_geom **parts, size_t n, double pad_m, wg_geom **out,
                                bool *grown)
{
    GEOSContextHandle_t h = ctx->geos;
    wg_geom *u = NULL;
    *out = NULL;
    wg_status st = wg_geom_union_take(ctx, parts, n, &u);
    if (st != WG_OK)
        return st;
    bool areal = wg_geom_kind(ctx, u) == WG_G_POLYGON;
    /* points or lines: the ground within pad_m; polygons: closed by pad_m (grown, then shrunk
     * back), which fills the gaps between detached footprints and leaves tiles as they were */
    GEOSGeometry *a = GEOSBuffer_r(h, wg__cgeos(u), pad_m, 8);
    GEOSGeometry *c = a && areal ? GEOSBuffer_r(h, a, -pad_m, 8) : NULL;
    double ua = 0, ca = 0;
    if (!a ||
        (areal && (!c || GEOSArea_r(h, wg__cgeos(u), &ua) != 1 || GEOSArea_r(h, c, &ca) != 1))) {
        if (a)
            GEOSGeom_destroy_r(h, a);
        if (c)
            GEOSGeom_destroy_r(h, c);
        wg_geom_free(ctx, u);
        return geos_fail(ctx, "cannot dissolve the units");
    }
    bool keep_union = areal && ua >= 0.9 * ca; /* they tile: their union is the area */
    wg_geom *area = NULL;
    if (keep_union) {
        GEOSGeom_destroy_r(h, a);
        if (c)
            GEOSGeom_destroy_r(h, c);
        area = u;
    } else if (c) {
        /* (the shrink's arcs are chords: put back any corner of a unit they cut) */
        GEOSGeometry *cu = GEOSUnion_r(h, c, wg__cgeos(u));
        GEOSGeom_destroy_r(h, a);
        GEOSGeom_destroy_r(h, c);
        wg_geom_free(ctx, u);
        if (!cu)
            return geos_fail(ctx, "cannot dissolve the units");
        area = wg__geom(h, cu);
    } else {
        wg_geom_free(ctx, u);
        area = wg__geom(h, a);
    }
    double aa = 0;
    if (GEOSArea_r(h, wg__cgeos(area), &aa) != 1 || !(aa > 0)) {
        wg_geom_free(ctx, area);
        return wg_fail(ctx, WG_EINPUT, "the units span no area to dissolve");
    }
    if (grown)
        *grown = !keep_union;
    st = wg_geom_multi(ctx, area, out);
    wg_geom_free(ctx, area);
    return st;
}

wg_status wg_geom_boundary(wg_ctx *ctx, const wg_geom *g, wg_geom **out)
{
    GEOSGeometry *b = GEOSBoundary_r(ctx->geos, wg__cgeos(g));
    if (!b)
        return geos_fail(ctx, "cannot take a boundary");
    *out = wg__geom(ctx->geos, b);
    return WG_OK;
}

/* ---- Reading ---------------------------------------------------------------------------- */

wg_gkind wg_geom_kind(wg_ctx *ctx, const wg_geom *g)
{
    switch (GEOSGeomTypeId_r(ctx->geos, wg__cgeos(g))) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT:
        return WG_G_POINT;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
    case GEOS_MULTILINESTRING:
        return WG_G_LINE;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON:
        return WG_G_POLYGON;
    default:
        return WG_G_ANY;
    }
}

wg_answer wg_geom_is_empty(wg_ctx *ctx, const wg_geom *g)
{
    return answer(ctx, GEOSisEmpty_r(ctx->geos, wg__cgeos(g)), "emptiness test failed");
}

wg_status wg_geom_area(wg_ctx *ctx, const wg_geom *g, double *area_m2)
{
    double a = 0;
    if (!GEOSArea_r(ctx->geos, wg__cgeos(g), &a))
        return geos_fail(ctx, "area failed");
    *area_m2 = a;
    return WG_OK;
}

wg_status wg_geom_length(wg_ctx *ctx, const wg_geom *g, double *length_m)
{
    double l = 0;
    if (!GEOSLength_r(ctx->geos, wg__cgeos(g), &l))
        return geos_fail(ctx, "length failed");
    *length_m = l;
    return WG_OK;
}

wg_status wg_geom_nparts(wg_ctx *ctx, const wg_geom *g, size_t *n)
{
    int k = GEOSGetNumGeometries_r(ctx->geos, wg__cgeos(g));
    if (k < 0)
        return geos_fail(ctx, "counting parts failed");
    *n = (size_t)k;
    return WG_OK;
}

wg_status wg_geom_bbox(wg_ctx *ctx, const wg_geom *geom, double box[4])
{
    GEOSContextHandle_t h = ctx->geos;
    const GEOSGeometry *g = wg__cgeos(geom);
    double b[4];
    wg_answer empty = g ? wg_geom_is_empty(ctx, geom) : WG_YES;
    if (empty == WG_FAILED)
        return wg_ctx_status(ctx);
    if (empty == WG_YES) {
        box[0] = box[1] = box[2] = box[3] = NAN;
        return WG_OK;
    }
    if (!GEOSGeom_getXMin_r(h, g, &b[0]) || !GEOSGeom_getYMin_r(h, g, &b[1]) ||
        !GEOSGeom_getXMax_r(h, g, &b[2]) || !GEOSGeom_getYMax_r(h, g, &b[3]))
        return geos_fail(ctx, "bounding box failed");
    memcpy(box, b, sizeof b);
    return WG_OK;
}

/* ---- Points that stand for a shape ------------------------------------------------------ */

/* The coordinates of point p in *x, *y (NAN, NAN for an empty point). */
static wg_status point_xy(wg_ctx *ctx, const GEOSGeometry *p, double *x, double *y)
{
    GEOSContextHandle_t h = ctx->geos;
    char empty = GEOSisEmpty_r(h, p);
    if (empty == 2)
        return geos_fail(ctx, "emptiness test failed");
    double px = NAN, py = NAN;
    if (!empty && (!GEOSGeomGetX_r(h, p, &px) || !GEOSGeomGetY_r(h, p, &py)))
        return geos_fail(ctx, "cannot read a point");
    *x = px;
    *y = py;
    return WG_OK;
}

wg_status wg_geom_centroid(wg_ctx *ctx, const wg_geom *g, double *x, double *y)
{
    GEOSGeometry *c = GEOSGetCentroid_r(ctx->geos, wg__cgeos(g));
    if (!c)
        return geos_fail(ctx, "centroid failed");
    wg_status st = point_xy(ctx, c, x, y);
    GEOSGeom_destroy_r(ctx->geos, c);
    return st;
}

wg_status wg_geom_surface_point(wg_ctx *ctx, const wg_geom *g, double *x, double *y)
{
    GEOSGeometry *p = GEOSPointOnSurface_r(ctx->geos, wg__cgeos(g));
    if (!p)
        return geos_fail(ctx, "point on surface failed");
    wg_status st = point_xy(ctx, p, x, y);
    GEOSGeom_destroy_r(ctx->geos, p);
    return st;
}

wg_status wg_geom_inner_point(wg_ctx *ctx, const wg_geom *geom, double *x, double *y)
{
    GEOSContextHandle_t h = ctx->geos;
    const GEOSGeometry *g = wg__cgeos(geom);
    GEOSGeometry *c = GEOSGetCentroid_r(h, g);
    if (!c)
        return geos_fail(ctx, "centroid failed");
    wg_status st = WG_OK;
    int type = GEOSGeomTypeId_r(h, g);
    int ncoords = type == GEOS_POINT ? 0 : GEOSGetNumCoordinates_r(h, g);
    if (type < 0 || ncoords < 0)
        st = geos_fail(ctx, "reading a geometry failed");
    else if (ncoords > 5) {
        char on = GEOSIntersects_r(h, g, c);
        if (on == 2)
            st = geos_fail(ctx, "intersection test failed");
        else if (!on) { /* a concave shape or a line: the centroid may lie off it */
            GEOSGeom_destroy_r(h, c);
            c = GEOSPointOnSurface_r(h, g);
            if (!c)
                st = geos_fail(ctx, "point on surface failed");
        }
    }
    if (st == WG_OK)
        st = point_xy(ctx, c, x, y);
    if (c)
        GEOSGeom_destroy_r(h, c);
    return st;
}

wg_status wg_geom_inscribed_circle(wg_ctx *ctx, const wg_geom *geom, double rel_tol,
                                   double circle[3])
{
    GEOSContextHandle_t h = ctx->geos;
    const GEOSGeometry *g = wg__cgeos(geom);
    double c[3] = {NAN, NAN, NAN};
    if (wg_geom_kind(ctx, geom) != WG_G_POLYGON) {
        memcpy(circle, c, sizeof c);
        return WG_OK;
    }
    wg_answer empty = wg_geom_is_empty(ctx, geom);
    if (empty == WG_FAILED)
        return wg_ctx_status(ctx);
    double area = 0;
    if (empty == WG_NO && !GEOSArea_r(h, g, &area))
        return geos_fail(ctx, "area failed");
    GEOSGeometry *mic = empty == WG_NO
                            ? GEOSMaximumInscribedCircle_r(h, g, fmax(sqrt(area) * rel_tol, 1e-6))
                            : NULL;
    if (empty == WG_NO && !mic)
        return geos_fail(ctx, "largest inscribed circle failed");
    wg_status st = WG_OK;
    if (mic) { /* a line from the centre to the nearest point of the boundary */
        const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, mic);
        double x0, y0, x1, y1;
        if (!cs || !GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0) ||
            !GEOSCoordSeq_getXY_r(h, cs, 1, &x1, &y1))
            st = geos_fail(ctx, "reading the largest inscribed circle failed");
        else
            c[0] = x0, c[1] = y0, c[2] = hypot(x1 - x0, y1 - y0);
        GEOSGeom_destroy_r(h, mic);
    }
    if (st == WG_OK)
        memcpy(circle, c, sizeof c);
    return st;
}

/* ---- Relations -------------------------------------------------------------------------- */

wg_answer wg_geom_within_distance(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double dist_m)
{
    return answer(ctx, GEOSDistanceWithin_r(ctx->geos, wg__cgeos(a), wg__cgeos(b), dist_m),
                  "distance test failed");
}

wg_answer wg_geom_runs_through(wg_ctx *ctx, const wg_geom *poly, const wg_geom *line,
                               double inset_m)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *inner = GEOSBuffer_r(h, wg__cgeos(poly), -inset_m, 8);
    if (!inner) {
        geos_fail(ctx, "inset buffer failed");
        return WG_FAILED;
    }
    wg_answer a =
        answer(ctx, GEOSIntersects_r(h, inner, wg__cgeos(line)), "intersection test failed");
    GEOSGeom_destroy_r(h, inner);
    return a;
}

wg_status wg_geom_overlap_length(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double *length_m)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *x = GEOSIntersection_r(h, wg__cgeos(a), wg__cgeos(b));
    double len = 0;
    bool ok = x && GEOSLength_r(h, x, &len);
    if (x)
        GEOSGeom_destroy_r(h, x);
    if (!ok)
        return geos_fail(ctx, "cannot intersect two geometries");
    *length_m = len;
    return WG_OK;
}

wg_status wg_geom_overlap_area(wg_ctx *ctx, const wg_geom *a, const wg_geom *b, double *area_m2)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *x = GEOSIntersection_r(h, wg__cgeos(a), wg__cgeos(b));
    double area = 0;
    bool ok = x && GEOSArea_r(h, x, &area);
    if (x)
        GEOSGeom_destroy_r(h, x);
    if (!ok)
        return geos_fail(ctx, "cannot intersect two geometries");
    *area_m2 = area;
    return WG_OK;
}

/* The segments of linework (points, lines, rings, polygons' rings, collections of them), each
 * with its ends in lexicographic order and -0 made 0, so that a segment drawn either way is the
 * same four numbers. */
typedef struct segs {
    double (*s)[4];
    size_t n, cap;
} segs;

static wg_status add_segs(wg_ctx *ctx, GEOSContextHandle_t h, const GEOSGeometry *g, segs *S)
{
    int type = g ? GEOSGeomTypeId_r(h, g) : -1;
    if (type < 0)
        return geos_fail(ctx, "cannot read a part of a line or boundary");
    if (type == GEOS_POLYGON) {
        int nr = GEOSGetNumInteriorRings_r(h, g);
        if (nr < 0)
            return geos_fail(ctx, "cannot count the holes of a polygon");
        wg_status st = add_segs(ctx, h, GEOSGetExteriorRing_r(h, g), S);
        for (int r = 0; r < nr && st == WG_OK; r++)
            st = add_segs(ctx, h, GEOSGetInteriorRingN_r(h, g, r), S);
        return st;
    }
    if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
        int n = type == GEOS_POINT ? 0 : GEOSGetNumGeometries_r(h, g);
        if (n < 0)
            return geos_fail(ctx, "cannot count the parts of a geometry");
        wg_status st = WG_OK;
        for (int k = 0; k < n && st == WG_OK; k++)
            st = add_segs(ctx, h, GEOSGetGeometryN_r(h, g, k), S);
        return st;
    }
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return geos_fail(ctx, "cannot read a line's coordinates");
    if (n < 2)
        return WG_OK;
    wg_status st = wg_grow(ctx, (void **)&S->s, &S->cap, S->n + n - 1, sizeof *S->s);
    double px = 0, py = 0;
    for (unsigned int i = 0; i < n && st == WG_OK; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &x, &y))
            return geos_fail(ctx, "cannot read a line's coordinates");
        x += 0.0, y += 0.0;
        if (i > 0 && (x != px || y != py)) {
            bool fwd = px < x || (px == x && py < y);
            double *d = S->s[S->n++];
            d[0] = fwd ? px : x, d[1] = fwd ? py : y, d[2] = fwd ? x : px, d[3] = fwd ? y : py;
        }
        px = x, py = y;
    }
    return st;
}

static uint64_t seg_hash(const double *d)
{
    uint64_t hv = 0x9e3779b97f4a7c15u;
    for (int k = 0; k < 4; k++) {
        uint64_t bits;
        memcpy(&bits, &d[k], sizeof bits);
        hv = (hv ^ bits) * 0xff51afd7ed558ccdu;
        hv ^= hv >> 32;
    }
    return hv;
}

/* Whether some segment of A is also one of B: A's in an open-addressed table, B's looked up. */
static wg_status segs_meet(wg_ctx *ctx, const segs *A, const segs *B, bool *meet)
{
    size_t size = 16;
    while (size < 2 * A->n)
        size *= 2;
    size_t *slot = malloc(size * sizeof *slot); /* index + 1 into A; 0: empty */
    if (!slot)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    memset(slot, 0, size * sizeof *slot);
    for (size_t i = 0; i < A->n; i++) {
        size_t k = seg_hash(A->s[i]) & (size - 1);
        while (slot[k])
            k = (k + 1) & (size - 1);
        slot[k] = i + 1;
    }
    *meet = false;
    for (size_t j = 0; j < B->n && !*meet; j++)
        for (size_t k = seg_hash(B->s[j]) & (size - 1); slot[k] && !*meet; k = (k + 1) & (size - 1))
            *meet = memcmp(A->s[slot[k] - 1], B->s[j], sizeof *B->s) == 0;
    free(slot);
    return WG_OK;
}

wg_answer wg_geom_share_stretch(wg_ctx *ctx, const wg_geom *a, const wg_geom *b)
{
    GEOSContextHandle_t h = ctx->geos;
    segs A = {0}, B = {0};
    bool meet = false;
    wg_status st = add_segs(ctx, h, wg__cgeos(a), &A);
    if (st == WG_OK)
        st = add_segs(ctx, h, wg__cgeos(b), &B);
    if (st == WG_OK)
        st = A.n <= B.n ? segs_meet(ctx, &A, &B, &meet) : segs_meet(ctx, &B, &A, &meet);
    free(A.s), free(B.s);
    if (st != WG_OK)
        return WG_FAILED;
    if (meet)
        return WG_YES;
    double len = 0;
    if (wg_geom_overlap_length(ctx, a, b, &len) != WG_OK)
        return WG_FAILED;
    return len > 0 ? WG_YES : WG_NO;
}

wg_status wg_geom_place(wg_ctx *ctx, const wg_geom *g, const wg_geom *const *areas,
                        const double *box, size_t n, long *which)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *pt = GEOSPointOnSurface_r(h, wg__cgeos(g));
    if (!pt)
        return geos_fail(ctx, "no point on its geometry");
    double x = NAN, y = NAN;
    wg_status st = point_xy(ctx, pt, &x, &y);
    long found = -1;
    for (size_t c = 0; st == WG_OK && !isnan(x) && c < n && found < 0; c++) {
        const double *b = box ? box + 4 * c : NULL;
        if ((b && (x < b[0] || x > b[2] || y < b[1] || y > b[3])) || !areas[c])
            continue;
        char in = GEOSIntersects_r(h, wg__cgeos(areas[c]), pt);
        if (in == 2)
            st = geos_fail(ctx, "intersection test failed");
        else if (in)
            found = (long)c;
    }
    GEOSGeom_destroy_r(h, pt);
    if (st == WG_OK)
        *which = found;
    return st;
}

/* ---- Plain coordinates ------------------------------------------------------------------ */

static int site_dist(const void *a, const void *b, double *d, void *user)
{
    (void)user;
    const double *p = a, *q = b;
    *d = hypot(p[0] - q[0], p[1] - q[1]);
    return 1;
}

wg_status wg_nearest(wg_ctx *ctx, const double *sites, size_t nsites, const double *pts,
                     size_t npts, long *nearest)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    if (!tree)
        return geos_fail(ctx, "cannot make a spatial index of the sites");
    wg_status st = WG_OK;
    size_t n = 0;
    for (size_t i = 0; i < nsites && st == WG_OK; i++) {
        const double *s = sites + 2 * i;
        if (isnan(s[0]) || isnan(s[1]))
            continue;
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, s[0], s[1]);
        if (!p) {
            st = geos_fail(ctx, "cannot make a point");
            break;
        }
        GEOSSTRtree_insert_r(h, tree, p, (void *)s);
        GEOSGeom_destroy_r(h, p); /* the tree keeps the envelope only */
        n++;
    }
    for (size_t i = 0; st == WG_OK && i < npts; i++) {
        const double *at = pts + 2 * i;
        nearest[i] = -1;
        if (n == 0 || !isfinite(at[0]) || !isfinite(at[1]))
            continue;
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, at[0], at[1]);
        if (!p) {
            st = geos_fail(ctx, "cannot make a point");
            break;
        }
        const double *s = GEOSSTRtree_nearest_generic_r(h, tree, at, p, site_dist, NULL);
        GEOSGeom_destroy_r(h, p);
        if (!s)
            st = geos_fail(ctx, "nearest site search failed");
        else
            nearest[i] = (long)((s - sites) / 2);
    }
    GEOSSTRtree_destroy_r(h, tree);
    return st;
}
