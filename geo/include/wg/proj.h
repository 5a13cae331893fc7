/* wg/proj.h: coordinates from one CRS to another, through PROJ. Both CRSs in GIS axis order
 * (x = easting or longitude, y = northing or latitude), whatever their definition says. */
#ifndef WG_PROJ_H
#define WG_PROJ_H

#include "wg/core.h"

#include <stddef.h>

typedef struct wg_xform wg_xform;

/* A transformation from CRS `from` to CRS `to` ("EPSG:N", WKT or PROJ text), bound to ctx (use
 * it on ctx's thread only). The context keeps the last few it made, so asking again for the
 * same pair costs nothing. Errors: WG_EPROJ naming the CRS PROJ does not know. */
wg_status wg_xform_new(wg_ctx *ctx, const char *from, const char *to, wg_xform **out);
/* Transforms the n points xy[0..2n) in place; a point PROJ cannot transform becomes NaN, NaN.
 * Returns how many did not transform. */
size_t wg_xform_points(wg_xform *t, double *xy, size_t n);
/* The inverse direction (to -> from), likewise. */
size_t wg_xform_points_inv(wg_xform *t, double *xy, size_t n);
void wg_xform_free(wg_xform *t);

#endif
