/* engine/assign/patrol.h (private): patrol length per cell (see patrol.c). */
#ifndef WG_PATROL_H
#define WG_PATROL_H

#include "engine_int.h"

/* Replaces cell_patrol with the patrol length of every cell of `plan` (inside the caller's
 * transaction). *streets tells which method was used: streets inside the cell, or a tour. */
wg_status wg__patrol_run(wg_ws *ws, int64_t plan, bool *streets);

#endif
