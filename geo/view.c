/* geo/view.c: a camera's 2-D visibility polygon (see wg/view.h). Rays leave the camera at every
 * angle where what it sees can change; the nearest wall on each ray is a vertex of the result.
 * Plain geometry: knows nothing of cameras' records or of cells. */
#include "wg/view.h"

#include "geo_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* M_PI is POSIX, not C17. */
#define PI 3.14159265358979323846
#define TWO_PI (2.0 * PI)

/* An obstacle whose boundary passes this close to the camera is its host building. */
#define HOST_DIST_M 1e-6
/* Rays either side of a critical angle are this far from it (radians), at least... */
#define EPS_MIN_RAD 1e-9
/* ...and at most: near the camera a ray must pass a corner by more than the hit tolerance. */
#define EPS_MAX_RAD 1e-6
/* A hit must be this far along its ray (metres); the camera is never on a wall. */
#define T_MIN_M 1e-9

/* An obstacle edge P->Q, in coordinates relative to the camera. */
typedef struct seg {
    double px, py, qx, qy;
} seg;

typedef struct view_work {
    GEOSContextHandle_t h;
    double cx, cy; /* the camera (world coordinates) */
    double range;  /* metres */
    double lo;     /* math angle (radians, counter-clockwise from +x) where angles u start */
    double span;   /* the sector's width in radians; 2 pi for a disc */
    bool disc;     /* full circle: u wraps round, the camera is not a vertex */
    double tol;    /* how close (metres) a ray must pass a point to hit it */
    seg *e;        /* edges that come within range of the camera */
    size_t ne, ecap;
    double *u; /* ray angles, relative to lo, in [0, span] */
    size_t nu, ucap;
} view_work;

double wg_view_arc_step(double range_m)
{
    /* The chord of angle d on a circle of radius r has sagitta r (1 - cos(d/2)) <= r d^2 / 8;
     * that stays <= WG_VIEW_SAGITTA_M for d = 2 sqrt(2 s / r). */
    double d = 2.0 * sqrt(2.0 * WG_VIEW_SAGITTA_M / range_m);
    double one = PI / 180.0;
    return d < one ? d : one;
}

static wg_status check_cam(wg_ctx *ctx, const wg_view_cam *cam)
{
    if (!isfinite(cam->x) || !isfinite(cam->y))
        return wg_fail(ctx, WG_EINPUT, "view: camera position (%g, %g) is not finite", cam->x,
                       cam->y);
    if (!isfinite(cam->heading_deg))
        return wg_fail(ctx, WG_EINPUT, "view: heading_deg = %g is not finite", cam->heading_deg);
    if (!(cam->fov_deg > 0) || !isfinite(cam->fov_deg))
        return wg_fail(ctx, WG_EINPUT, "view: fov_deg = %g (must be > 0)", cam->fov_deg);
    if (!(cam->range_m > 0) || !isfinite(cam->range_m))
        return wg_fail(ctx, WG_EINPUT, "view: range_m = %g (must be > 0)", cam->range_m);
    return WG_OK;
}

/* ---- Ray angles ----------------------------------------------------------------------------- */

/* Adds the ray at angle lo + u, if it lies in the sector. */
static wg_status add_u(wg_ctx *ctx, view_work *w, double u)
{
    u = fmod(u, TWO_PI);
    if (u < 0)
        u += TWO_PI;
    if (u >= TWO_PI) /* -tiny + 2 pi rounds to 2 pi */
        u = 0;
    if (!w->disc && u > w->span)
        return WG_OK;
    wg_status st = wg_grow(ctx, (void **)&w->u, &w->ucap, w->nu + 1, sizeof *w->u);
    if (st != WG_OK)
        return st;
    w->u[w->nu++] = u;
    return WG_OK;
}

/* Adds the rays at, just before and just after the direction of the point (x, y) (relative to
 * the camera): where a corner, a crossing or the range circle can change the nearest wall. The
 * side rays must pass the point by more than the hit tolerance, hence the wider angle near
 * the camera. */
static wg_status add_critical(wg_ctx *ctx, view_work *w, double x, double y)
{
    double dist = hypot(x, y);
    double eps = dist > 0 ? 10.0 * w->tol / dist : EPS_MAX_RAD;
    eps = eps < EPS_MIN_RAD ? EPS_MIN_RAD : eps > EPS_MAX_RAD ? EPS_MAX_RAD : eps;
    double u = atan2(y, x) - w->lo;
    wg_status st = add_u(ctx, w, u - eps);
    if (st == WG_OK)
        st = add_u(ctx, w, u);
    if (st == WG_OK)
        st = add_u(ctx, w, u + eps);
    return st;
}

/* Where edge a crosses edge b strictly inside both (overlapping footprints): the nearest wall
 * can switch there without a corner. Sets *x, *y and returns true when they cross. */
static bool cross_point(const seg *a, const seg *b, double *x, double *y)
{
    /* Envelopes first (plain comparisons: fmin and fmax are library calls). */
    if ((a->px < b->px && a->px < b->qx && a->qx < b->px && a->qx < b->qx) ||
        (a->px > b->px && a->px > b->qx && a->qx > b->px && a->qx > b->qx) ||
        (a->py < b->py && a->py < b->qy && a->qy < b->py && a->qy < b->qy) ||
        (a->py > b->py && a->py > b->qy && a->qy > b->py && a->qy > b->qy))
        return false;
    double ax = a->qx - a->px, ay = a->qy - a->py;
    double bx = b->qx - b->px, by = b->qy - b->py;
    double den = ax * by - ay * bx;
    if (den == 0)
        return false; /* parallel: their corners are critical already */
    double wx = b->px - a->px, wy = b->py - a->py;
    double s = (wx * by - wy * bx) / den;
    double t = (wx * ay - wy * ax) / den;
    /* At an end of either edge the crossing is a corner, which is critical already. */
    const double m = 1e-12;
    if (!(s > m && s < 1 - m && t > m && t < 1 - m))
        return false;
    *x = a->px + s * ax;
    *y = a->py + s * ay;
    return true;
}

/* The rays: the arc steps, and for each edge in range its first corner, where it crosses the
 * range circle and where it crosses another edge. */
static wg_status collect_angles(wg_ctx *ctx, view_work *w)
{
    wg_status st = WG_OK;
    double delta = wg_view_arc_step(w->range);
    /* (A whole number of degrees must not gain a step from round-off.) */
    size_t nsteps = (size_t)ceil(w->span / delta - 1e-9);
    if (nsteps < 1)
        nsteps = 1;
    /* A sector's arc steps run from edge to edge (both included): its edges need no side
     * rays, since nothing changes at them but the ray itself. A disc's close the circle. */
    size_t nsamples = w->disc ? nsteps : nsteps + 1;
    for (size_t k = 0; st == WG_OK && k < nsamples; k++)
        st = add_u(ctx, w, k == nsteps ? w->span : w->span * (double)k / (double)nsteps);
    double r2 = w->range * w->range;
    for (size_t i = 0; st == WG_OK && i < w->ne; i++) {
        const seg *e = &w->e[i];
        /* Each ring corner is the start of exactly one edge. */
        if (e->px * e->px + e->py * e->py <= r2)
            st = add_critical(ctx, w, e->px, e->py);
        /* |P + s (Q - P)| = range for s in [0, 1]. */
        double dx = e->qx - e->px, dy = e->qy - e->py;
        double a = dx * dx + dy * dy;
        double bh = e->px * dx + e->py * dy;
        double c = e->px * e->px + e->py * e->py - r2;
        double disc = bh * bh - a * c;
        if (disc < 0 || a == 0)
            continue;
        double root = sqrt(disc);
        double s1 = (-bh - root) / a, s2 = (-bh + root) / a;
        if (st == WG_OK && s1 >= 0 && s1 <= 1)
            st = add_critical(ctx, w, e->px + s1 * dx, e->py + s1 * dy);
        if (st == WG_OK && s2 >= 0 && s2 <= 1 && s2 != s1)
            st = add_critical(ctx, w, e->px + s2 * dx, e->py + s2 * dy);
    }
    for (size_t i = 0; st == WG_OK && i < w->ne; i++) {
        for (size_t j = i + 1; st == WG_OK && j < w->ne; j++) {
            double x, y;
            if (cross_point(&w->e[i], &w->e[j], &x, &y) && x * x + y * y <= r2)
                st = add_critical(ctx, w, x, y);
        }
    }
    return st;
}

/* ---- Obstacles ---------------------------------------------------------------------------- */

static wg_status add_seg(wg_ctx *ctx, view_work *w, seg s)
{
    wg_status st = wg_grow(ctx, (void **)&w->e, &w->ecap, w->ne + 1, sizeof *w->e);
    if (st != WG_OK)
        return st;
    w->e[w->ne++] = s;
    return WG_OK;
}

/* Distance from the origin to the segment s. */
static double seg_dist(const seg *s)
{
    double dx = s->qx - s->px, dy = s->qy - s->py;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? -(s->px * dx + s->py * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(s->px + t * dx, s->py + t * dy);
}

/* Adds the edges of poly's exterior ring that come within range, and sets *host when the ring
 * holds the camera or passes within HOST_DIST_M of it. Holes are not read. */
static wg_status add_ring(wg_ctx *ctx, view_work *w, const GEOSGeometry *poly, size_t k, bool *host)
{
    GEOSContextHandle_t h = w->h;
    char empty = GEOSisEmpty_r(h, poly);
    if (empty == 2)
        return wg__geos_fail(ctx, "view: testing obstacle %zu failed", k);
    if (empty == 1)
        return WG_OK;
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, poly);
    const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return wg__geos_fail(ctx, "view: reading the outline of obstacle %zu failed", k);
    bool inside = false;
    double near = INFINITY;
    double x0 = 0, y0 = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &x, &y))
            return wg__geos_fail(ctx, "view: reading corner %u of obstacle %zu failed", i, k);
        x -= w->cx, y -= w->cy;
        if (i > 0 && (x != x0 || y != y0)) {
            seg s = {x0, y0, x, y};
            /* Crossing count along the +x axis from the camera: inside or out. */
            if ((y0 > 0) != (y > 0) && x0 + (0 - y0) * (x - x0) / (y - y0) > 0)
                inside = !inside;
            double d = seg_dist(&s);
            near = d < near ? d : near;
            if (d <= w->range) {
                wg_status st = add_seg(ctx, w, s);
                if (st != WG_OK)
                    return st;
            }
        }
        x0 = x, y0 = y;
    }
    if (inside || near <= HOST_DIST_M)
        *host = true;
    return WG_OK;
}

/* Reads obstacle k's edges into w, unless it is out of range, empty or the camera's host. */
static wg_status add_obstacle(wg_ctx *ctx, view_work *w, const GEOSGeometry *g, size_t k)
{
    GEOSContextHandle_t h = w->h;
    if (!g)
        return wg_fail(ctx, WG_EINPUT, "view: obstacle %zu is NULL", k);
    int type = GEOSGeomTypeId_r(h, g);
    if (type < 0)
        return wg__geos_fail(ctx, "view: reading obstacle %zu failed", k);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
        char *name = GEOSGeomType_r(h, g);
        wg_status st =
            name ? wg_fail(ctx, WG_EINPUT, "view: obstacle %zu is a %s, not a polygon", k, name)
                 : wg__geos_fail(ctx,
                                 "view: naming the type of obstacle %zu (not a polygon) failed", k);
        if (name)
            GEOSFree_r(h, name);
        return st;
    }
    int empty = GEOSisEmpty_r(h, g);
    if (empty == 2)
        return wg__geos_fail(ctx, "view: testing obstacle %zu failed", k);
    if (empty == 1)
        return WG_OK;
    double xmin, ymin, xmax, ymax;
    if (!GEOSGeom_getExtent_r(h, g, &xmin, &ymin, &xmax, &ymax))
        return wg__geos_fail(ctx, "view: the extent of obstacle %zu failed", k);
    double dx = fmax(fmax(xmin - w->cx, w->cx - xmax), 0);
    double dy = fmax(fmax(ymin - w->cy, w->cy - ymax), 0);
    if (hypot(dx, dy) > w->range)
        return WG_OK;
    size_t mark = w->ne;
    bool host = false;
    int np = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(h, g);
    if (np < 0)
        return wg__geos_fail(ctx, "view: reading obstacle %zu failed", k);
    for (int p = 0; p < np; p++) {
        const GEOSGeometry *poly = type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(h, g, p);
        wg_status st = poly ? add_ring(ctx, w, poly, k, &host)
                            : wg__geos_fail(ctx, "view: reading obstacle %zu failed", k);
        if (st != WG_OK)
            return st;
    }
    if (host)
        w->ne = mark; /* the camera sees out of its own building */
    return WG_OK;
}

/* ---- Rays and the polygon ----------------------------------------------------------------- */

/* How far the ray from the camera in direction (dx, dy) (a unit vector) goes before it meets
 * a wall, or the range. A wall within tol of the ray counts as met: a ray aimed at a corner
 * must stop there, not slip between its two edges into the building. */
static double cast_ray(const view_work *w, double dx, double dy)
{
    double best = w->range, tol = w->tol;
    for (size_t i = 0; i < w->ne; i++) {
        const seg *e = &w->e[i];
        double cp = dx * e->py - dy * e->px; /* signed distances of P and Q from the ray */
        double cq = dx * e->qy - dy * e->qx;
        if ((cp > tol && cq > tol) || (cp < -tol && cq < -tol))
            continue;
        double ap = dx * e->px + dy * e->py; /* how far along the ray */
        double aq = dx * e->qx + dy * e->qy;
        double t;
        if (fabs(cp) <= tol && fabs(cq) <= tol) {
            t = ap < aq ? ap : aq; /* along the ray: its near end */
        } else {
            double s = cp / (cp - cq);
            s = s < 0 ? 0 : s > 1 ? 1 : s;
            t = ap + s * (aq - ap);
        }
        if (t > T_MIN_M && t < best)
            best = t;
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The polygon with the largest area among g's polygonal parts (g itself for a Polygon) in
 * *best, NULL when it has none (borrowed from g), and its area in *area. */
static wg_status largest_polygon(wg_ctx *ctx, const GEOSGeometry *g, const GEOSGeometry **best,
                                 double *area)
{
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    *best = NULL;
    *area = -1;
    int type = GEOSGeomTypeId_r(h, g);
    if (type < 0)
        return wg__geos_fail(ctx, "view: reading the repaired visibility polygon failed");
    if (type == GEOS_POLYGON) {
        double a = 0;
        char empty = GEOSisEmpty_r(h, g);
        if (empty == 2 || !GEOSArea_r(h, g, &a))
            return wg__geos_fail(ctx, "view: measuring the repaired visibility polygon failed");
        *area = a;
        *best = empty ? NULL : g;
        return WG_OK;
    }
    if (type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION)
        return WG_OK;
    int n = GEOSGetNumGeometries_r(h, g);
    if (n < 0)
        return wg__geos_fail(ctx, "view: reading the repaired visibility polygon failed");
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i), *p = NULL;
        double a = 0;
        wg_status st =
            part ? largest_polygon(ctx, part, &p, &a)
                 : wg__geos_fail(ctx, "view: reading the repaired visibility polygon failed");
        if (st != WG_OK)
            return st;
        if (p && a > *area)
            *best = p, *area = a;
    }
    return WG_OK;
}

/* A valid Polygon from the ring: as it is when GEOS finds it valid (the usual case: a
 * star-shaped ring is simple), else its repair's largest polygon; round-off slivers are all a
 * repair can split off. Caller frees. */
static wg_status valid_polygon(wg_ctx *ctx, GEOSContextHandle_t h, GEOSGeometry *poly,
                               GEOSGeometry **out)
{
    char valid = GEOSisValid_r(h, poly);
    if (valid == 1) {
        *out = poly;
        return WG_OK;
    }
    if (valid == 2) {
        GEOSGeom_destroy_r(h, poly);
        return wg__geos_fail(ctx, "view: testing the visibility polygon failed");
    }
    GEOSGeometry *fixed = GEOSMakeValid_r(h, poly);
    GEOSGeom_destroy_r(h, poly);
    if (!fixed)
        return wg__geos_fail(ctx, "view: repairing the visibility polygon failed");
    double area = 0;
    const GEOSGeometry *best = NULL;
    wg_status st = largest_polygon(ctx, fixed, &best, &area);
    GEOSGeometry *res = st != WG_OK ? NULL
                        : best      ? GEOSGeom_clone_r(h, best)
                                    : GEOSGeom_createEmptyPolygon_r(h);
    GEOSGeom_destroy_r(h, fixed);
    if (st != WG_OK)
        return st;
    if (!res)
        return wg__geos_fail(ctx, "view: copying the visibility polygon failed");
    *out = res;
    return WG_OK;
}

/* Whether b lies on the segment from a to (x, y), within tol of it: then it adds nothing to
 * the outline. */
static bool between(const double *a, const double *b, double x, double y, double tol)
{
    double ux = x - a[0], uy = y - a[1];
    double vx = b[0] - a[0], vy = b[1] - a[1];
    double len = hypot(ux, uy);
    double along = ux * vx + uy * vy;
    return fabs(ux * vy - uy * vx) <= tol * len && along > 0 && along < len * len;
}

/* Casts every ray and joins the hits, in angle order, into a ring (with the camera first for a
 * sector), then a valid polygon in world coordinates. */
static wg_status trace(wg_ctx *ctx, view_work *w, GEOSGeometry **out)
{
    GEOSContextHandle_t h = w->h;
    double *xy = malloc((2 * w->nu + 4) * sizeof *xy);
    if (!xy)
        return wg_fail(ctx, WG_ENOMEM, "view: out of memory for %zu rays", w->nu);
    size_t n = 0;
    if (!w->disc) {
        xy[0] = 0, xy[1] = 0;
        n = 1;
    }
    for (size_t i = 0; i < w->nu; i++) {
        double th = w->lo + w->u[i];
        double dx = cos(th), dy = sin(th);
        double t = cast_ray(w, dx, dy);
        double x = t * dx, y = t * dy;
        /* Side rays often land on the same spot as their neighbour: keep one. */
        if (n > 0 && fabs(x - xy[2 * n - 2]) <= w->tol && fabs(y - xy[2 * n - 1]) <= w->tol)
            continue;
        /* Rays that meet one wall leave a row of points on it: keep its ends. */
        while (n >= (w->disc ? 2u : 3u) && between(&xy[2 * n - 4], &xy[2 * n - 2], x, y, w->tol))
            n--;
        xy[2 * n] = x, xy[2 * n + 1] = y;
        n++;
    }
    if (n > 1 && fabs(xy[0] - xy[2 * n - 2]) <= w->tol && fabs(xy[1] - xy[2 * n - 1]) <= w->tol)
        n--; /* the disc's last ray met its first one */
    if (n < 3) {
        free(xy);
        GEOSGeometry *empty = GEOSGeom_createEmptyPolygon_r(h);
        if (!empty)
            return wg__geos_fail(ctx, "view: making an empty polygon failed");
        *out = empty;
        return WG_OK;
    }
    xy[2 * n] = xy[0], xy[2 * n + 1] = xy[1];
    n++;
    for (size_t i = 0; i < n; i++)
        xy[2 * i] += w->cx, xy[2 * i + 1] += w->cy;
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)n, 0, 0);
    free(xy);
    /* The ring takes the sequence, and the polygon the ring, even when they fail. */
    GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
    GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
    if (!poly)
        return wg__geos_fail(ctx, "view: building the visibility polygon failed");
    return valid_polygon(ctx, h, poly, out);
}

wg_status wg_view_polygon(wg_ctx *ctx, const wg_view_cam *cam, const wg_geom *const *obstacles,
                          size_t nobstacles, wg_geom **out)
{
    wg_status st = check_cam(ctx, cam);
    if (st != WG_OK)
        return st;
    if (nobstacles > 0 && !obstacles)
        return wg_fail(ctx, WG_EINPUT, "view: %zu obstacles but no array", nobstacles);
    view_work w = {.h = wg_ctx_geos(ctx), .cx = cam->x, .cy = cam->y, .range = cam->range_m};
    w.disc = cam->fov_deg >= 360.0;
    double centre = (90.0 - cam->heading_deg) * PI / 180.0; /* compass bearing -> math angle */
    w.span = w.disc ? TWO_PI : cam->fov_deg * PI / 180.0;
    w.lo = w.disc ? centre : centre - w.span / 2;
    for (size_t k = 0; st == WG_OK && k < nobstacles; k++)
        st = add_obstacle(ctx, &w, wg__cgeos(obstacles[k]), k);
    /* Round-off in the ray tests grows with the size of the numbers involved: coordinates
     * are relative to the camera, so that is the range or the farthest edge end. */
    double scale = fmax(w.range, 1.0);
    for (size_t i = 0; i < w.ne; i++)
        scale = fmax(scale, fmax(fmax(fabs(w.e[i].px), fabs(w.e[i].py)),
                                 fmax(fabs(w.e[i].qx), fabs(w.e[i].qy))));
    w.tol = 1e-12 * scale;
    if (st == WG_OK)
        st = collect_angles(ctx, &w);
    if (st == WG_OK) {
        qsort(w.u, w.nu, sizeof *w.u, cmp_double);
        size_t m = 0;
        for (size_t i = 0; i < w.nu; i++)
            if (m == 0 || w.u[i] != w.u[m - 1])
                w.u[m++] = w.u[i];
        w.nu = m;
    }
    GEOSGeometry *res = NULL;
    if (st == WG_OK)
        st = trace(ctx, &w, &res);
    free(w.e);
    free(w.u);
    if (st != WG_OK)
        return st;
    *out = wg__geom(w.h, res);
    return WG_OK;
}
