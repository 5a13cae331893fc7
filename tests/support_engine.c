/* tests/support_engine.c: helpers of the suites that drive the engine. */
#include "support_engine.h"

#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/geom.h"
#include "wg/import.h"
#include "wg/plan.h"

#include <stdlib.h>

void t_import(wg_ws *ws, const char *layer, const char *file, const char *text)
{
    const char *p = t_path(t_dir, file);
    t_write(p, text);
    wg_import_opts o = {.src_crs = "EPSG:4549"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, layer, p, &o, &r));
}

void t_cell_add(wg_ws *ws, wg_cell_rec c, const char *wkt)
{
    wg_geom *g = t_wkt(wkt), *m = NULL;
    unsigned char *wkb = NULL;
    T_OK(t_ctx, wg_geom_multi(t_ctx, g, &m));
    T_OK(t_ctx, wg_geom_to_wkb(t_ctx, m, &wkb, &c.wkb_len));
    c.wkb = wkb;
    T_OK(t_ctx, wg_store_cell_add(ws, &c));
    free(wkb);
    wg_geom_free(t_ctx, m);
    wg_geom_free(t_ctx, g);
}

char *t_assigned_small_city(void)
{
    wg_ctx *ctx = wg_ctx_new();
    char *dir = t_tmpdir();
    wg_city_stats cs;
    wg_ws *ws = NULL;
    wg_part_summary s;
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1, .name = "p1"};
    wg_assign_result r;
    T_OK(ctx, wg_city_write(ctx, WG_CITY_SMALL, 1, dir, &cs));
    T_OK(ctx, wg_ws_create(ctx, t_path(dir, "base.wangge"), WG_CITY_CRS, &ws));
    T_OK(ctx, wg_city_import(ws, dir, NULL, NULL));
    T_OK(ctx, wg_partition(ws, &o, &s));
    T_OK(ctx, wg_assign(ws, NULL, &r));
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return dir;
}
