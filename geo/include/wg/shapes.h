/* wg/shapes.h: geometries as plain coordinate arrays — what a drawing layer walks without
 * a geometry object. A set holds features; a feature holds parts (the rings of its polygons,
 * exterior first, or its lines, or its points); a part holds points. */
#ifndef WG_SHAPES_H
#define WG_SHAPES_H

#include "wg/geom.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wg_shapes {
    size_t n, nparts, npts;
    size_t *feat;  /* n + 1: feature i has parts [feat[i], feat[i + 1]) */
    size_t *part;  /* nparts + 1: part j has points [part[j], part[j + 1]) */
    double *xy;    /* npts x, y pairs */
    uint8_t *kind; /* per feature: WG_G_POINT, WG_G_LINE, WG_G_POLYGON, or WG_G_NONE (empty) */
    size_t capf, capp, capx;
} wg_shapes;

/* An empty set (also what {0} gives once wg_shapes_add* has run once). */
void wg_shapes_init(wg_shapes *s);
void wg_shapes_fini(wg_shapes *s);

/* Appends g as one feature: every polygon's rings (exterior anticlockwise, then holes
 * clockwise), every line, every point. A mixed collection keeps the kind of its first member.
 * Borrowed g; NULL or empty adds an empty feature, so features stay aligned with the caller's rows.
 */
wg_status wg_shapes_add_geom(wg_ctx *ctx, wg_shapes *s, const wg_geom *g);
/* The same from WKB. WG_EGEOS naming the feature when the WKB does not parse. */
wg_status wg_shapes_add_wkb(wg_ctx *ctx, wg_shapes *s, const unsigned char *wkb, size_t len);
/* Appends a one-point feature. */
wg_status wg_shapes_add_point(wg_ctx *ctx, wg_shapes *s, double x, double y);

/* The bounding box {minx, miny, maxx, maxy} of feature i, or of all features when i is
 * SIZE_MAX. An empty box has min > max. */
void wg_shapes_bbox(const wg_shapes *s, size_t i, double box[4]);

#endif
