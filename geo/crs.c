/* geo/crs.c: a box carried between two CRSs, GeoJSON text of geometries, simplification (see
 * wg/crs.h; the transformations are wg/proj.h's). Knows nothing of what the coordinates
 * belong to. */
#include "wg/crs.h"

#include "geo_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_STEPS 64

/* Transforms the n points of xy; a point that does not transform fails, naming it. */
static wg_status carry(wg_ctx *ctx, wg_xform *t, bool inverse, double *xy, size_t n)
{
    size_t bad = inverse ? wg_xform_points_inv(t, xy, n) : wg_xform_points(t, xy, n);
    if (bad == 0)
        return WG_OK;
    for (size_t i = 0; i < n; i++)
        if (isnan(xy[2 * i]))
            return wg_fail(ctx, WG_EPROJ, "point %zu of %zu cannot be transformed", i, n);
    return wg_fail(ctx, WG_EPROJ, "%zu points cannot be transformed", bad);
}

wg_status wg_xform_box(wg_ctx *ctx, wg_xform *t, bool inverse, const double box[4], double outer[4],
                       double inner[4])
{
    for (int k = 0; k < 4; k++)
        if (!isfinite(box[k]))
            return wg_fail(ctx, WG_EINPUT, "box: coordinate %d is not a finite number", k + 1);
    if (box[0] > box[2] || box[1] > box[3])
        return wg_fail(ctx, WG_EINPUT, "box: min %g,%g is not below max %g,%g", box[0], box[1],
                       box[2], box[3]);
    /* the four edges, each walked from one corner to the next: bottom, right, top, left */
    enum { N = EDGE_STEPS + 1 };
    double xy[4][2 * N];
    for (int i = 0; i < N; i++) {
        double f = (double)i / EDGE_STEPS;
        double x = box[0] + f * (box[2] - box[0]), y = box[1] + f * (box[3] - box[1]);
        xy[0][2 * i] = x, xy[0][2 * i + 1] = box[1];
        xy[1][2 * i] = box[2], xy[1][2 * i + 1] = y;
        xy[2][2 * i] = x, xy[2][2 * i + 1] = box[3];
        xy[3][2 * i] = box[0], xy[3][2 * i + 1] = y;
    }
    wg_status st = WG_OK;
    for (int e = 0; e < 4 && st == WG_OK; e++)
        st = carry(ctx, t, inverse, xy[e], N);
    if (st != WG_OK)
        return st;
    double o[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    /* inner: right of the whole left edge, left of the right one, above the bottom, below the
     * top (the image of a small box is a gently curved quadrilateral) */
    double in[4] = {-INFINITY, -INFINITY, INFINITY, INFINITY};
    for (int e = 0; e < 4; e++)
        for (int i = 0; i < N; i++) {
            double x = xy[e][2 * i], y = xy[e][2 * i + 1];
            o[0] = fmin(o[0], x), o[1] = fmin(o[1], y);
            o[2] = fmax(o[2], x), o[3] = fmax(o[3], y);
            if (e == 3)
                in[0] = fmax(in[0], x);
            if (e == 0)
                in[1] = fmax(in[1], y);
            if (e == 1)
                in[2] = fmin(in[2], x);
            if (e == 2)
                in[3] = fmin(in[3], y);
        }
    double m = 1e-4 * fmax(o[2] - o[0], o[3] - o[1]);
    if (m == 0)
        m = 1e-9 * fmax(1.0, fmax(fabs(o[0]), fabs(o[1])));
    outer[0] = o[0] - m, outer[1] = o[1] - m, outer[2] = o[2] + m, outer[3] = o[3] + m;
    inner[0] = in[0] + m, inner[1] = in[1] + m, inner[2] = in[2] - m, inner[3] = in[3] - m;
    return WG_OK;
}

/* ---- GeoJSON --------------------------------------------------------------------------- */

typedef struct gj {
    wg_ctx *ctx;
    GEOSContextHandle_t h;
    wg_xform *t;
    int decimals;
    wg_buf *out;
    double *xy; /* scratch for one sequence */
    size_t cap;
} gj;

/* The coordinates of seq as [[x,y],...], carried by the transformation; a ring is written
 * reversed when its orientation is not the one asked for (ccw: 1 counterclockwise, -1
 * clockwise, 0 as it is). */
static wg_status write_seq(gj *J, const GEOSCoordSequence *seq, int ccw)
{
    unsigned n = 0;
    if (!GEOSCoordSeq_getSize_r(J->h, seq, &n))
        return wg__geos_fail(J->ctx, "reading coordinates");
    wg_status st = wg_grow(J->ctx, (void **)&J->xy, &J->cap, 2 * (size_t)n + 2, sizeof *J->xy);
    if (st != WG_OK)
        return st;
    if (n && !GEOSCoordSeq_copyToBuffer_r(J->h, seq, J->xy, 0, 0))
        return wg__geos_fail(J->ctx, "reading coordinates");
    if (J->t && (st = carry(J->ctx, J->t, false, J->xy, n)) != WG_OK)
        return st;
    bool reverse = false;
    if (ccw && n >= 4) { /* shoelace, in the coordinates written */
        double a = 0;
        for (unsigned i = 0; i + 1 < n; i++)
            a += J->xy[2 * i] * J->xy[2 * i + 3] - J->xy[2 * i + 2] * J->xy[2 * i + 1];
        reverse = (ccw > 0 && a < 0) || (ccw < 0 && a > 0);
    }
    st = wg_buf_add(J->ctx, J->out, "[", 1);
    for (unsigned k = 0; st == WG_OK && k < n; k++) {
        unsigned i = reverse ? n - 1 - k : k;
        st = wg_buf_addf(J->ctx, J->out, "%s[%.*f,%.*f]", k ? "," : "", J->decimals, J->xy[2 * i],
                         J->decimals, J->xy[2 * i + 1]);
    }
    return st == WG_OK ? wg_buf_add(J->ctx, J->out, "]", 1) : st;
}

static wg_status write_polygon(gj *J, const GEOSGeometry *p)
{
    wg_status st = wg_buf_add(J->ctx, J->out, "[", 1);
    if (st != WG_OK || GEOSisEmpty_r(J->h, p) == 1)
        return st == WG_OK ? wg_buf_add(J->ctx, J->out, "]", 1) : st;
    const GEOSGeometry *shell = GEOSGetExteriorRing_r(J->h, p);
    int nholes = GEOSGetNumInteriorRings_r(J->h, p);
    if (!shell || nholes < 0)
        return wg__geos_fail(J->ctx, "reading a polygon");
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(J->h, shell);
    st = seq ? write_seq(J, seq, 1) : wg__geos_fail(J->ctx, "reading a polygon");
    for (int k = 0; st == WG_OK && k < nholes; k++) {
        const GEOSGeometry *hole = GEOSGetInteriorRingN_r(J->h, p, k);
        seq = hole ? GEOSGeom_getCoordSeq_r(J->h, hole) : NULL;
        st = wg_buf_add(J->ctx, J->out, ",", 1);
        if (st == WG_OK)
            st = seq ? write_seq(J, seq, -1) : wg__geos_fail(J->ctx, "reading a polygon");
    }
    return st == WG_OK ? wg_buf_add(J->ctx, J->out, "]", 1) : st;
}

/* The coordinates member of a single (non-collection) geometry of type `type`. */
static wg_status write_coords(gj *J, const GEOSGeometry *g, int type)
{
    if (type == GEOS_POLYGON)
        return write_polygon(J, g);
    if (GEOSisEmpty_r(J->h, g) == 1)
        return wg_buf_add(J->ctx, J->out, "[]", 2);
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(J->h, g);
    if (!seq)
        return wg__geos_fail(J->ctx, "reading coordinates");
    if (type != GEOS_POINT)
        return write_seq(J, seq, 0);
    /* a point is [x, y], not [[x, y]]: write the sequence and drop the outer brackets */
    size_t at = J->out->len;
    wg_status st = write_seq(J, seq, 0);
    if (st == WG_OK && J->out->len >= at + 4) {
        memmove(J->out->s + at, J->out->s + at + 1, J->out->len - at - 2);
        J->out->len -= 2;
        J->out->s[J->out->len] = '\0';
    }
    return st;
}

static wg_status write_geom(gj *J, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(J->h, g);
    static const char *const names[] = {
        [GEOS_POINT] = "Point",
        [GEOS_LINESTRING] = "LineString",
        [GEOS_LINEARRING] = "LineString",
        [GEOS_POLYGON] = "Polygon",
        [GEOS_MULTIPOINT] = "MultiPoint",
        [GEOS_MULTILINESTRING] = "MultiLineString",
        [GEOS_MULTIPOLYGON] = "MultiPolygon",
        [GEOS_GEOMETRYCOLLECTION] = "GeometryCollection",
    };
    if (type < 0 || type > GEOS_GEOMETRYCOLLECTION)
        return wg__geos_fail(J->ctx, "reading a geometry's type");
    bool multi = type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING ||
                 type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION;
    wg_status st = wg_buf_addf(J->ctx, J->out, "{\"type\":\"%s\",\"%s\":", names[type],
                               type == GEOS_GEOMETRYCOLLECTION ? "geometries" : "coordinates");
    if (st != WG_OK)
        return st;
    if (!multi)
        st = write_coords(J, g, type == GEOS_LINEARRING ? GEOS_LINESTRING : type);
    else {
        int n = GEOSGetNumGeometries_r(J->h, g);
        if (n < 0)
            return wg__geos_fail(J->ctx, "reading a collection");
        st = wg_buf_add(J->ctx, J->out, "[", 1);
        for (int k = 0; st == WG_OK && k < n; k++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(J->h, g, k);
            if (!part)
                return wg__geos_fail(J->ctx, "reading a collection");
            if (k)
                st = wg_buf_add(J->ctx, J->out, ",", 1);
            if (st == WG_OK)
                st = type == GEOS_GEOMETRYCOLLECTION
                         ? write_geom(J, part)
                         : write_coords(J, part, GEOSGeomTypeId_r(J->h, part));
        }
        if (st == WG_OK)
            st = wg_buf_add(J->ctx, J->out, "]", 1);
    }
    return st == WG_OK ? wg_buf_add(J->ctx, J->out, "}", 1) : st;
}

wg_status wg_geom_geojson(wg_ctx *ctx, const wg_geom *g, wg_xform *t, int decimals, wg_buf *out)
{
    gj J = {.ctx = ctx,
            .h = ctx->geos,
            .t = t,
            .decimals = decimals < 0    ? 0
                        : decimals > 15 ? 15
                                        : decimals,
            .out = out};
    wg_status st = write_geom(&J, wg__cgeos(g));
    free(J.xy);
    return st;
}

wg_status wg_geom_simplify(wg_ctx *ctx, const wg_geom *g, double tolerance, wg_geom **out)
{
    if (!isfinite(tolerance) || tolerance < 0)
        return wg_fail(ctx, WG_EINPUT, "simplify: tolerance %g must be a number >= 0", tolerance);
    GEOSGeometry *s = GEOSTopologyPreserveSimplify_r(ctx->geos, wg__cgeos(g), tolerance);
    if (!s)
        return wg__geos_fail(ctx, "simplifying a geometry");
    *out = wg__geom(ctx->geos, s);
    return WG_OK;
}
