/* wg/lattice.h: square units for a district that has no units of its own. A grid office with
 * only incident points (or camera points) still needs something to cut into cells: a lattice
 * of squares over where the points are, each weighted by the points it holds, imported as areal
 * units with `--weight-name incidents` and partitioned like any other (cells sized by load). */
#ifndef WG_LATTICE_H
#define WG_LATTICE_H

#include "wg/ws.h"

typedef struct wg_lattice_opts {
    const char *layer; /* the points counted: "incidents" (NULL) or "cameras" */
    double cell_m;     /* side of a square in metres (> 0); squares sit on multiples of it */
    int ring;          /* empty squares kept around the occupied ones, 0..5 (keeps the area in
                          one piece across quiet blocks) */
} wg_lattice_opts;

typedef struct wg_lattice_result {
    size_t squares;  /* written */
    size_t occupied; /* holding at least one point */
    int64_t points;  /* counted into squares */
    int64_t skipped; /* without a location */
} wg_lattice_result;

/* Writes the lattice to `dest` (any format wg_dst_open writes; atomically), in the workspace's
 * CRS, one square polygon a feature with fields id ("Q<col>_<row>", the square's place on the
 * lattice), households (the points it holds: the weight) and kind ("area"). Errors: WG_EINPUT
 * (a bad cell size or ring, an unknown layer, no points with a location, more than 4 million
 * squares), WG_EIO, WG_ENOMEM, WG_EINTR. */
wg_status wg_lattice_write(wg_ws *ws, const wg_lattice_opts *o, const char *dest,
                           wg_lattice_result *r);

#endif
