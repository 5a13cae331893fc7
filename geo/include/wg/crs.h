/* wg/crs.h: what the service needs beside the transformations of wg/proj.h to hand the
 * workspace's metres to a browser in WGS 84 lon/lat and take lon/lat boxes from it: a box
 * carried to the other CRS and bounded from both sides, geometries written as GeoJSON, and
 * simplified. Plain arrays and geometries in and out; nothing of the domain. */
#ifndef WG_CRS_H
#define WG_CRS_H

#include "wg/core.h"
#include "wg/geom.h"
#include "wg/proj.h"

#include <stdbool.h>
#include <stddef.h>

/* The image of the box {minx, miny, maxx, maxy} under t (to -> from with `inverse`), whose
 * edges are curves in
 * the other CRS, bounded from both sides: every point of the box lands in `outer`, and every
 * point of the other CRS inside `inner` comes from a point of the box. inner is empty (min >
 * max) when the image is too thin to hold a box. Edges are followed at 64 points each and
 * both boxes are given a margin of 1e-4 of the image's size for what lies between them, so
 * that only points between inner and outer need an exact test (wg_xform_points). Errors:
 * WG_EINPUT for a box that is not finite or not min <= max; WG_EPROJ when a point of its edges
 * cannot be transformed (naming it). */
wg_status wg_xform_box(wg_ctx *ctx, wg_xform *t, bool inverse, const double box[4], double outer[4],
                       double inner[4]);

/* Appends g to out as a GeoJSON geometry object (RFC 7946: Point, LineString, Polygon, their
 * Multi forms, GeometryCollection), its coordinates carried by t (NULL: as they are) and
 * written with `decimals` digits after the point (0..15), polygon rings oriented as RFC 7946
 * asks (exterior counterclockwise, holes clockwise). An empty geometry is written with empty
 * coordinates. Errors: WG_EPROJ for a point t cannot transform, WG_EGEOS, WG_ENOMEM (out then
 * holds part of the geometry: reset it). */
wg_status wg_geom_geojson(wg_ctx *ctx, const wg_geom *g, wg_xform *t, int decimals, wg_buf *out);

/* g simplified with GEOS's topology-preserving Douglas-Peucker at `tolerance` (in g's units),
 * in *out; caller frees with wg_geom_free(). Errors: WG_EINPUT for a negative or non-finite
 * tolerance; WG_EGEOS. */
wg_status wg_geom_simplify(wg_ctx *ctx, const wg_geom *g, double tolerance, wg_geom **out);

#endif
