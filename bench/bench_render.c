/* bench/bench_render.c: how fast wangge draws the sample city's maps.
 *
 *   bench_render [small|medium|large ...]     (default: large)
 *
 * Steps, each in a child process (bench_child.h prints its peak memory):
 *   prepare   the city through partition and assign (bench_city.h).
 *   render    best of 3 of each: the plan on A3 paper as a PDF (vector, every cell and its
 *             code where it fits), a 2000x2000 PNG heatmap of every incident (quartic, 150 m),
 *             and a 2000x2000 PNG of the plan (MapServer and Mapnik drew 5,439 blocks as a
 *             2000x2000 PNG in 0.73 s and 0.67 s on this machine: the bar). Prints seconds,
 *             features, labels and file size. MapServer (shp2img/map2img) and Mapnik are not
 *             run here: the figures above were measured once, by hand. */
#include "bench_city.h"
#include "wg/render.h"

#include <stdio.h>
#include <sys/stat.h>

static int time_map(wg_ws *ws, const char *scale, const char *what, wg_map_kind kind,
                    const wg_render_opts *o, const char *out)
{
    double best = 1e30;
    wg_render_info info;
    for (int run = 0; run < 3; run++) {
        if (wg_render(ws, kind, o, out, &info) != WG_OK)
            return 1;
        best = info.seconds < best ? info.seconds : best;
    }
    struct stat sb;
    stat(out, &sb);
    printf("render scale=%s map=%s seconds=%.3f features=%zu points=%zu labels=%zu "
           "labels_left_out=%zu size=%.0fx%.0f file_kib=%.0f\n",
           scale, what, best, info.features, info.points, info.labels, info.labels_dropped,
           info.width, info.height, (double)sb.st_size / 1024);
    return 0;
}

static int run_render(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char path[4096], out[4200];
    ws_path(dir, path, sizeof path);
    wg_ws *ws = NULL;
    int rc = wg_ws_open(ctx, path, &ws) != WG_OK;
    wg_render_opts o;
    wg_render_opts_init(&o);
    o.paper = "A3";
    snprintf(out, sizeof out, "%s/plan-a3.pdf", dir);
    if (!rc)
        rc = time_map(ws, scale, "plan-A3-pdf", WG_MAP_PLAN, &o, out);
    wg_render_opts_init(&o);
    o.width = o.height = 2000;
    snprintf(out, sizeof out, "%s/heatmap.png", dir);
    if (!rc)
        rc = time_map(ws, scale, "heatmap-2000-png", WG_MAP_HEATMAP, &o, out);
    snprintf(out, sizeof out, "%s/plan.png", dir);
    if (!rc)
        rc = time_map(ws, scale, "plan-2000-png", WG_MAP_PLAN, &o, out);
    if (rc)
        fprintf(stderr, "bench_render: %s\n", wg_ctx_errmsg(ctx));
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    char *defaults[] = {argv[0], "large"};
    const bench_step steps[] = {{bench_city_prepare, "prepare"}, {run_render, "render"}};
    return bench_scales(argc > 1 ? argc : 2, argc > 1 ? argv : defaults, "bench_render", steps, 2);
}
