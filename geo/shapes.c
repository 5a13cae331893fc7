/* geo/shapes.c: GEOS geometries flattened into coordinate arrays (wg/shapes.h). */
#include "wg/shapes.h"

#include "geo_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void wg_shapes_init(wg_shapes *s)
{
    *s = (wg_shapes){0};
}

void wg_shapes_fini(wg_shapes *s)
{
    free(s->feat);
    free(s->part);
    free(s->xy);
    free(s->kind);
    wg_shapes_init(s);
}

/* Room for one more feature (feat has n + 2 slots: the sentinel moves up by one). */
static wg_status feature_room(wg_ctx *ctx, wg_shapes *s)
{
    size_t capf = s->capf, capk = s->capf;
    if (wg_grow(ctx, (void **)&s->feat, &capf, s->n + 2, sizeof *s->feat) != WG_OK ||
        wg_grow(ctx, (void **)&s->kind, &capk, s->n + 2, sizeof *s->kind) != WG_OK)
        return wg_ctx_status(ctx);
    s->capf = capf < capk ? capf : capk;
    if (s->n == 0)
        s->feat[0] = 0;
    if (!s->part) { /* the parts' sentinel exists from the start */
        if (wg_grow(ctx, (void **)&s->part, &s->capp, 1, sizeof *s->part) != WG_OK)
            return wg_ctx_status(ctx);
        s->part[0] = 0;
    }
    return WG_OK;
}

/* Appends a sequence as a part; a ring is turned to run anticlockwise (ccw > 0: an exterior)
 * or clockwise (ccw < 0: a hole), so that the non-zero winding rule fills many polygons drawn
 * as one path as their union, holes kept. */
static wg_status add_seq(wg_ctx *ctx, wg_shapes *s, const GEOSCoordSequence *cs, int ccw)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    unsigned int m = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &m))
        return wg__geos_fail(ctx, "reading a coordinate sequence failed");
    if (m == 0)
        return WG_OK;
    if (wg_grow(ctx, (void **)&s->xy, &s->capx, 2 * (s->npts + m), sizeof *s->xy) != WG_OK ||
        wg_grow(ctx, (void **)&s->part, &s->capp, s->nparts + 2, sizeof *s->part) != WG_OK)
        return wg_ctx_status(ctx);
    double *xy = s->xy + 2 * s->npts;
    char is_ccw = 0;
    if (ccw != 0 && m >= 4 && !GEOSCoordSeq_isCCW_r(h, cs, &is_ccw))
        return wg__geos_fail(ctx, "finding which way a ring runs failed");
    bool flip = ccw != 0 && m >= 4 && (is_ccw != 0) != (ccw > 0);
    for (unsigned int k = 0; k < m; k++) {
        unsigned int d = flip ? m - 1 - k : k;
        if (!GEOSCoordSeq_getXY_r(h, cs, k, &xy[2 * d], &xy[2 * d + 1]))
            return wg__geos_fail(ctx, "reading a coordinate failed");
    }
    s->npts += m;
    s->part[++s->nparts] = s->npts;
    return WG_OK;
}

static wg_status add_simple(wg_ctx *ctx, wg_shapes *s, const GEOSGeometry *g, uint8_t *kind)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    int t = GEOSGeomTypeId_r(h, g);
    uint8_t k = t == GEOS_POINT ? WG_G_POINT : t == GEOS_POLYGON ? WG_G_POLYGON : WG_G_LINE;
    char empty = GEOSisEmpty_r(h, g);
    if (empty == 2)
        return wg__geos_fail(ctx, "testing a geometry for emptiness failed");
    if (empty == 1)
        return WG_OK;
    if (*kind == WG_G_NONE)
        *kind = k;
    if (t != GEOS_POLYGON)
        return add_seq(ctx, s, GEOSGeom_getCoordSeq_r(h, g), 0);
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, g);
    wg_status st = ring ? add_seq(ctx, s, GEOSGeom_getCoordSeq_r(h, ring), 1)
                        : wg__geos_fail(ctx, "reading the outline of a polygon failed");
    int nh = st == WG_OK ? GEOSGetNumInteriorRings_r(h, g) : 0;
    if (nh < 0)
        st = wg__geos_fail(ctx, "counting the holes of a polygon failed");
    for (int r = 0; st == WG_OK && r < nh; r++) {
        ring = GEOSGetInteriorRingN_r(h, g, r);
        st = ring ? add_seq(ctx, s, GEOSGeom_getCoordSeq_r(h, ring), -1)
                  : wg__geos_fail(ctx, "reading a hole of a polygon failed");
    }
    return st;
}

static wg_status add_any(wg_ctx *ctx, wg_shapes *s, const GEOSGeometry *g, uint8_t *kind)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    int t = GEOSGeomTypeId_r(h, g);
    if (t < 0)
        return wg__geos_fail(ctx, "reading the type of a geometry failed");
    if (t == GEOS_POINT || t == GEOS_LINESTRING || t == GEOS_LINEARRING || t == GEOS_POLYGON)
        return add_simple(ctx, s, g, kind);
    int n = GEOSGetNumGeometries_r(h, g);
    if (n < 0)
        return wg__geos_fail(ctx, "counting the parts of a geometry failed");
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        wg_status st = part ? add_any(ctx, s, part, kind)
                            : wg__geos_fail(ctx, "reading a part of a geometry failed");
        if (st != WG_OK)
            return st;
    }
    return WG_OK;
}

wg_status wg_shapes_add_geom(wg_ctx *ctx, wg_shapes *s, const wg_geom *g)
{
    if (feature_room(ctx, s) != WG_OK)
        return wg_ctx_status(ctx);
    size_t parts = s->nparts, pts = s->npts;
    uint8_t kind = WG_G_NONE;
    wg_status st = g ? add_any(ctx, s, wg__cgeos(g), &kind) : WG_OK;
    if (st != WG_OK) { /* drop what this feature added */
        s->nparts = parts;
        s->npts = pts;
        return st;
    }
    s->kind[s->n] = kind;
    s->feat[++s->n] = s->nparts;
    return WG_OK;
}

wg_status wg_shapes_add_wkb(wg_ctx *ctx, wg_shapes *s, const unsigned char *wkb, size_t len)
{
    if (!wkb || len == 0)
        return wg_shapes_add_geom(ctx, s, NULL);
    wg_geom *g = NULL;
    if (wg_geom_from_wkb(ctx, wkb, len, &g) != WG_OK)
        return wg_ctx_status(ctx);
    wg_status st = wg_shapes_add_geom(ctx, s, g);
    wg_geom_free(ctx, g);
    return st;
}

wg_status wg_shapes_add_point(wg_ctx *ctx, wg_shapes *s, double x, double y)
{
    if (feature_room(ctx, s) != WG_OK ||
        wg_grow(ctx, (void **)&s->xy, &s->capx, 2 * (s->npts + 1), sizeof *s->xy) != WG_OK ||
        wg_grow(ctx, (void **)&s->part, &s->capp, s->nparts + 2, sizeof *s->part) != WG_OK)
        return wg_ctx_status(ctx);
    s->xy[2 * s->npts] = x;
    s->xy[2 * s->npts + 1] = y;
    s->part[++s->nparts] = ++s->npts;
    s->kind[s->n] = WG_G_POINT;
    s->feat[++s->n] = s->nparts;
    return WG_OK;
}

void wg_shapes_bbox(const wg_shapes *s, size_t i, double box[4])
{
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    if (s->n == 0 || (i != SIZE_MAX && i >= s->n))
        return;
    size_t p0 = i == SIZE_MAX ? 0 : s->part[s->feat[i]];
    size_t p1 = i == SIZE_MAX ? s->npts : s->part[s->feat[i + 1]];
    for (size_t k = p0; k < p1; k++) {
        double x = s->xy[2 * k], y = s->xy[2 * k + 1];
        box[0] = fmin(box[0], x);
        box[1] = fmin(box[1], y);
        box[2] = fmax(box[2], x);
        box[3] = fmax(box[3], y);
    }
}
