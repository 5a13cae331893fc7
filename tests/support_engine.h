/* tests/support_engine.h: helpers of the suites that drive the engine (check_engine,
 * check_render) — on top of support.h. */
#ifndef WG_TEST_SUPPORT_ENGINE_H
#define WG_TEST_SUPPORT_ENGINE_H

#include "support.h"
#include "wg/store.h"
#include "wg/ws.h"

/* Writes `text` to t_dir/file and imports it into `layer` of ws, its coordinates in the
 * fixtures' CRS (EPSG:4549). Aborts the test on failure. */
void t_import(wg_ws *ws, const char *layer, const char *file, const char *text);

/* Adds cell c (its code, plan, figures) with the polygon `wkt` (as a MultiPolygon) through the
 * store, as a partition writes one. Aborts the test on failure. */
void t_cell_add(wg_ws *ws, wg_cell_rec c, const char *wkt);

/* A new temporary folder (the caller removes it with t_rmtree and frees it) holding the small
 * sample city (seed 1): its files, and base.wangge with them imported, partitioned into plan
 * p1 (target 250, 200-300 households) and assigned. For unchecked fixtures. */
char *t_assigned_small_city(void);

#endif
