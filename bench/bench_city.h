/* bench/bench_city.h: the sample city a benchmark works on, made as a user makes it.
 * Header-only, beside bench_child.h. */
#ifndef WG_BENCH_CITY_H
#define WG_BENCH_CITY_H

#include "bench_child.h"
#include "wg/assign.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/plan.h"

/* Writes the sample city of this scale (seed 1) into dir, imports it into dir's workspace,
 * partitions it (target 250, range 200-300), activates the plan and assigns incidents and
 * cameras; prints "prepare scale=S incidents=N cells=N seconds=T". Returns 0 or 1. */
static inline int bench_city_prepare(const char *scale_name, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_city_scale scale;
    wg_city_stats cs;
    wg_status st = wg_city_scale_parse(ctx, scale_name, &scale);
    if (st == WG_OK)
        st = wg_city_write(ctx, scale, 1, dir, &cs);
    char path[4096];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    double t0 = wg_now();
    if (st == WG_OK)
        st = wg_ws_create(ctx, path, WG_CITY_CRS, &ws);
    if (st == WG_OK)
        st = wg_city_import(ws, dir, NULL, NULL);
    wg_part_summary s;
    wg_part_opts o = {.target = 250, .min = 200, .max = 300, .seed = 1, .name = "bench"};
    if (st == WG_OK)
        st = wg_partition(ws, &o, &s);
    if (st == WG_OK && !s.active)
        st = wg_plan_activate(ws, s.plan);
    wg_assign_result ar;
    if (st == WG_OK)
        st = wg_assign(ws, NULL, &ar);
    if (st == WG_OK)
        printf("prepare scale=%s incidents=%zu cells=%zu seconds=%.1f\n", scale_name, cs.incidents,
               s.cells, wg_now() - t0);
    wg_ws_close(ws);
    if (st != WG_OK)
        fprintf(stderr, "prepare: %s\n", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
    return st == WG_OK ? 0 : 1;
}

#endif
