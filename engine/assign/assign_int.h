/* engine/assign/assign_int.h (private): what assignment (assign.c) and camera coverage (coverage.c)
 * share — the cells of the plan being assigned and the coverage they get. */
#ifndef WG_ASSIGN_INT_H
#define WG_ASSIGN_INT_H

#include "engine_int.h"
#include "wg/assign.h"
#include "wg/vio.h"

/* The cells of one plan, ordered by code. */
typedef struct cellset {
    size_t n;
    char **code;
    GEOSGeometry **geom;
    int64_t *hh;
} cellset;

/* Coverage of the cells: per cell the seen open ground (NULL: none), and the blind spots
 * (each a Polygon, with its cell and its fid in blind_spots). */
typedef struct coverage {
    GEOSGeometry **seen;
    GEOSGeometry **blind;
    size_t *blind_cell;
    int64_t *blind_fid;
    size_t nblind, capblind;
} coverage;

/* Computes the camera views and the coverage of every cell of plan `plan`, and replaces
 * camera_views, camera_cells, cell_coverage and blind_spots with them (inside the caller's
 * transaction). Fills the camera and coverage figures of r. */
wg_status coverage_run(wg_ws *ws, int64_t plan, const cellset *cs, int threads, wg_assign_result *r,
                       coverage *out);
/* Reads the coverage a previous run stored (seen ground and blind spots). */
wg_status coverage_load(wg_ws *ws, const cellset *cs, coverage *out);
/* Reads the stored figures of r (cameras, areas, households, blind spots). */
wg_status coverage_figures(wg_ws *ws, wg_assign_result *r);
void coverage_free(wg_ctx *ctx, coverage *c, size_t ncells);

#endif
