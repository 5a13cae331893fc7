/* wg/view.h: the ground a camera sees, in two dimensions — the sector (or disc) of its field of
 * view, minus what building footprints hide from its position. Plain data in and out; knows
 * nothing of cameras' records or of cells. */
#ifndef WG_VIEW_H
#define WG_VIEW_H

#include "wg/geom.h"

#include <stddef.h>

typedef struct wg_view_cam {
    double x, y;        /* position, metres in a projected CRS (x east, y north) */
    double heading_deg; /* compass bearing of the view's centre: 0 = north (+y), 90 = east (+x),
                           clockwise */
    double fov_deg;     /* field of view, > 0; >= 360 means a full disc */
    double range_m;     /* how far the camera sees, > 0 */
} wg_view_cam;

/* The arc of the range circle is drawn as a polyline whose chords subtend at most
 *     delta = min(1 degree, 2 * sqrt(2 * WG_VIEW_SAGITTA_M / range_m)) radians,
 * so a chord never strays more than WG_VIEW_SAGITTA_M (1 cm) from the true arc (its sagitta
 * is range * (1 - cos(delta / 2)) <= range * delta^2 / 8). A sector's arc is cut into equal
 * steps between its two edges, a disc's into equal steps round the circle, starting at the
 * heading. The polygon lies inside the true region; the area it misses is at most the share
 * delta^2 / 6 of the area of the sectors its arcs bound (1 - sin(d) / d <= d^2 / 6). */
#define WG_VIEW_SAGITTA_M 0.01

/* The arc step delta (radians) of wg_view_polygon() for a range (range_m > 0). */
double wg_view_arc_step(double range_m);

/* The ground the camera sees: the sector of `cam` (apex at the camera, from bearing
 * heading - fov/2 clockwise to heading + fov/2, radius range_m), or the disc when fov >= 360,
 * minus everything behind the obstacles as seen from the camera position — a 2-D visibility
 * polygon: each ray from the camera stops at the first obstacle wall it meets.
 *
 * obstacles[0..nobstacles) are Polygon or MultiPolygon geometries in the camera's CRS
 * (building footprints), borrowed; empty ones are skipped. Only exterior rings count: holes
 * (courtyards) are ignored, so an obstacle hides its courtyard too. An obstacle that contains
 * the camera position (holes filled) or whose boundary passes within 1e-6 m of it is the
 * camera's host building: it is ignored as an occluder (the camera sees out of it), and the
 * part of its footprint inside the sector stays in the result. Every other obstacle's
 * interior is never part of the result. Obstacles may overlap one another.
 *
 * On success *out is a valid Polygon, star-shaped from the camera (which is a vertex of a
 * sector and an interior point of a disc), in the camera's CRS; or an empty Polygon when
 * nothing at all is visible. Its arcs follow the rule of WG_VIEW_SAGITTA_M; its walls and
 * shadow edges are exact up to rays 1e-9 rad (up to 1e-6 rad for points a few cm from the
 * camera) either side of each obstacle corner, crossing of two walls and crossing of a wall
 * with the range circle. Should GEOS find the ring invalid (round-off), it is repaired and the
 * largest polygon kept. Caller frees it with wg_geom_free().
 * *out is written only on success.
 *
 * Cost: O(rays x edges + edges^2) with rays ~ 3 x (corners in range) + the arc steps; 300
 * edges in range take about a millisecond. One thread at a time per ctx.
 * Errors: WG_EINPUT for a non-finite position or heading, range_m <= 0 or fov_deg <= 0 (or
 * not finite), a NULL or non-polygonal obstacle (the message names the value or the index);
 * WG_EGEOS; WG_ENOMEM. */
wg_status wg_view_polygon(wg_ctx *ctx, const wg_view_cam *cam, const wg_geom *const *obstacles,
                          size_t nobstacles, wg_geom **out);

#endif
