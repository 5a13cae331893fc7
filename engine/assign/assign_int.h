/* engine/assign/assign_int.h (private): what assignment (assign.c), camera coverage
 * (coverage.c) and patrol lengths (patrol.c) share — the cells being assigned and the
 * coverage they get. */
#ifndef WG_ASSIGN_INT_H
#define WG_ASSIGN_INT_H

#include "wg/assign.h"
#include "wg/geom.h"
#include "wg/store.h"

/* Cells of one plan, ordered by code: all of them, or some (then idx maps to the plan's). */
typedef struct cellset {
    size_t n;
    char **code;
    wg_geom **geom;
    int64_t *hh;
    int32_t *idx; /* the cell's index in the whole plan */
    bool all;     /* the whole plan (then idx[i] == i) */
} cellset;

/* Reads the cells of plan (since > 0: only those changed after that version), or those whose
 * box holds one of the points xy[0..2npts) when xy is given. */
wg_status cellset_load(wg_ws *ws, int64_t plan, int64_t since, const double *xy, size_t npts,
                       cellset *cs);
void cellset_free(wg_ctx *ctx, cellset *cs);
/* The position of code in cs, or -1. */
int32_t cellset_find(const cellset *cs, const char *code);

/* Coverage of the cells of a cellset: per cell its seen open ground (NULL: none), and the blind
 * spots (each a Polygon, with its cell in cs and its fid in blind_spots). */
typedef struct coverage {
    wg_geom **seen;
    wg_geom **blind;
    size_t *blind_cell;
    int64_t *blind_fid;
    size_t nblind, capblind;
} coverage;

/* Computes the coverage of the cells of cs and stores it (inside the caller's transaction):
 * with `all`, camera views are computed afresh and every coverage row replaced; otherwise the
 * stored views are used and only the rows of cs's cells are replaced. */
wg_status coverage_run(wg_ws *ws, int64_t plan, const cellset *cs, bool all, int threads,
                       coverage *out);
/* Reads the stored coverage of cs's cells (seen ground and blind spots). */
wg_status coverage_load(wg_ws *ws, const cellset *cs, coverage *out);
void coverage_free(wg_ctx *ctx, coverage *c, size_t ncells);

/* Measures the patrol length of cs's cells and stores it (inside the caller's transaction):
 * the streets inside each cell, or a short tour over its units without streets. */
wg_status patrol_run(wg_ws *ws, int64_t plan, const cellset *cs);

#endif
