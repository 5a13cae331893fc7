/* bench/bench_import.c: import throughput (features/s) and peak memory for the sample cities.
 *
 *   bench_import [small|medium|large ...]     (default: medium large)
 *
 * For each scale it writes the sample city into a temporary folder (timed, in a child
 * process), then imports every layer into a fresh workspace (in another child), printing one
 * line per layer and the peak resident memory of each child. Fixed seed 1. */
#include "bench_child.h"
#include "wg/democity.h"
#include "wg/import.h"
#include "wg/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int generate(const char *scale_name, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_city_scale scale;
    wg_city_stats s;
    wg_status st = wg_city_scale_parse(ctx, scale_name, &scale);
    if (st == WG_OK)
        st = wg_city_write(ctx, scale, 1, dir, &s);
    if (st != WG_OK) {
        fprintf(stderr, "bench_import: %s\n", wg_ctx_errmsg(ctx));
        wg_ctx_free(ctx);
        return 1;
    }
    printf("generate scale=%s buildings=%zu incidents=%zu households=%lld seconds=%.2f\n",
           scale_name, s.buildings, s.incidents, (long long)s.households, s.seconds);
    wg_ctx_free(ctx);
    return 0;
}

/* What the import of one file of the city did, and the running total. */
typedef struct tally {
    const char *scale;
    int64_t total;
} tally;

static void print_import(void *user, const char *layer, const char *src, const wg_import_result *r)
{
    (void)src;
    tally *t = user;
    t->total += r->features;
    printf("import scale=%s layer=%s features=%lld seconds=%.3f rate=%.0f/s\n", t->scale, layer,
           (long long)r->features, r->seconds,
           r->seconds > 0 ? (double)r->features / r->seconds : 0.0);
}

static int import_all(const char *scale_name, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char ws_path[4096];
    snprintf(ws_path, sizeof ws_path, "%s/bench.wangge", dir);
    wg_ws *ws = NULL;
    wg_status st = wg_ws_create(ctx, ws_path, "EPSG:4549", &ws);
    tally t = {scale_name, 0};
    double t_all = wg_now();
    if (st == WG_OK)
        st = wg_city_import(ws, dir, print_import, &t);
    double secs = wg_now() - t_all;
    wg_ws_close(ws);
    if (st != WG_OK) {
        fprintf(stderr, "bench_import: %s\n", wg_ctx_errmsg(ctx));
        wg_ctx_free(ctx);
        return 1;
    }
    printf("import scale=%s layer=all features=%lld seconds=%.2f rate=%.0f/s\n", scale_name,
           (long long)t.total, secs, (double)t.total / secs);
    wg_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    const bench_step steps[] = {{generate, "generate"}, {import_all, "import"}};
    return bench_scales(argc, argv, "bench_import", steps, 2);
}
