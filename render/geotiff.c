/* render/geotiff.c: the heatmap's density raster for other tools — the numbers the map's classes
 * come from, written as a GeoTIFF by geo (wg/raster.h). Draws nothing and calls no GDAL. */
#include "render_int.h"
#include "wg/plan.h"
#include "wg/raster.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WG_VERSION
#error "WG_VERSION (the project's version) comes from the build"
#endif

/* What a drawing has and a raster of values has not: refused rather than ignored, so that a
 * user who asks for them learns where they do apply. */
static wg_status check_options(wg_ctx *ctx, const wg_render_opts *o, const char *path)
{
    const char *drop = o->paper         ? "--paper"
                       : o->dpi > 0     ? "--dpi"
                       : o->ramp        ? "--ramp"
                       : o->opacity > 0 ? "--opacity"
                                        : NULL;
    if (drop)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: %s is for drawn maps; a GeoTIFF holds the density values themselves "
                       "(drop %s, or write .png, .pdf or .svg)",
                       path, drop, drop);
    if (o->width > 0 && o->pixel_m > 0)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: --size and --pixel both set the raster's grid; give one (--size WxH: "
                       "W x H pixels over the area; --pixel M: M-metre pixels)",
                       path);
    return WG_OK;
}

/* The raster's grid over the map's area `view`: pixel_m-metre pixels on the CRS's lattice of
 * that size (as a map with that pixel has them); else W x H square pixels centred on it, the
 * area fitted inside (as canvas_view fits a PNG's frame). */
static wg_status tif_grid(wg_ctx *ctx, const wg_render_opts *o, const double view[4],
                          wg_raster_grid *g)
{
    if (o->pixel_m > 0)
        return heat_grid_aligned(ctx, view, o->pixel_m, g);
    size_t W = o->width > 0 ? (size_t)o->width : 1600, H = o->height > 0 ? (size_t)o->height : 1200;
    double ww = view[2] - view[0], wh = view[3] - view[1];
    double px = fmax(ww / (double)W, wh / (double)H);
    double mx = (view[0] + view[2]) / 2, my = (view[1] + view[3]) / 2;
    *g = (wg_raster_grid){.xmin = mx - px * (double)W / 2,
                          .ymax = my + px * (double)H / 2,
                          .px = px,
                          .py = px,
                          .cols = W,
                          .rows = H};
    return WG_OK;
}

static void iso(int64_t t, char *buf, size_t n)
{
    wg_time_format_utc(t, buf, n);
}

/* The metadata items of the raster of h: what it is, how it was made, its classes. */
typedef struct tif_meta {
    char radius[32], pixel[32], from[40], to[40], first[40], last[40], count[32], cats[1024],
        breaks[400], version[32];
    wg_kv items[20];
    size_t n;
} tif_meta;

static void add(tif_meta *t, const char *key, const char *value)
{
    if (t->n < sizeof t->items / sizeof t->items[0])
        t->items[t->n++] = (wg_kv){key, value};
}

static void make_meta(tif_meta *t, const wg_render_opts *o, const heat *h, const char *crs,
                      const char *source)
{
    t->n = 0;
    double radius = o->radius_m > 0 ? o->radius_m : 150;
    snprintf(t->radius, sizeof t->radius, "%.17g", radius);
    snprintf(t->pixel, sizeof t->pixel, "%.17g", h->g.px);
    /* the period asked for, [from, to); an open end is the first (last) incident's time */
    iso(h->first, t->first, sizeof t->first);
    iso(h->last, t->last, sizeof t->last);
    iso(o->from, t->from, sizeof t->from);
    iso(o->to, t->to, sizeof t->to);
    snprintf(t->count, sizeof t->count, "%zu", h->n);
    size_t k = 0;
    t->cats[0] = '\0';
    for (size_t i = 0; i < o->ncategories && k < sizeof t->cats; i++)
        k += (size_t)snprintf(t->cats + k, sizeof t->cats - k, "%s%s", i ? "," : "",
                              o->categories[i]);
    k = 0;
    for (size_t i = 0; i <= h->k && k < sizeof t->breaks; i++)
        k += (size_t)snprintf(t->breaks + k, sizeof t->breaks - k, "%s%.17g", i ? "," : "",
                              h->breaks[i]);
    snprintf(t->version, sizeof t->version, "%s", WG_VERSION);
    add(t, "kernel", wg_kernel_name(o->kernel));
    add(t, "radius_m", t->radius);
    add(t, "pixel_m", t->pixel);
    add(t, "normalisation", "discrete: each incident adds exactly its weight to the raster's mass");
    add(t, "weight", o->weight_hours ? "handling hours of the incident's category" : "count");
    add(t, "period_from", o->from != INT64_MIN ? t->from : t->first);
    add(t, "period_to", o->to != INT64_MAX ? t->to : t->last);
    add(t, "period_to_is", o->to != INT64_MAX ? "exclusive (as asked)" : "the last incident");
    add(t, "first_incident", t->first);
    add(t, "last_incident", t->last);
    add(t, "categories", o->ncategories ? t->cats : "all");
    add(t, "incidents", t->count);
    add(t, "class_method", wg_class_method_name(o->classify));
    add(t, "class_breaks", t->breaks);
    add(t, "nodata", "0: no density, left clear as on the map");
    add(t, "crs", crs ? crs : "none");
    add(t, "source", source);
    add(t, "wangge_version", t->version);
}

/* The plan whose extent is the default area, as map_begin finds it. */
static wg_status area(wg_ws *ws, const wg_render_opts *o, double view[4])
{
    int64_t plan = 0;
    char name[128];
    wg_status st = o->plan ? wg_plan_find(ws, o->plan, &plan) : WG_OK;
    if (st == WG_OK)
        st = wg_map_plan(ws, plan, &plan, name);
    return st == WG_OK ? map_view(ws, o, plan, view) : st;
}

wg_status heat_geotiff(wg_ws *ws, const wg_render_opts *o, const char *path, wg_render_info *info)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    double t0 = wg_now();
    heat h = {.o = o, .fmt = WG_FMT_TIF, .grid_given = true};
    double view[4];
    wg_status st = check_options(ctx, o, path);
    if (st == WG_OK)
        st = area(ws, o, view);
    if (st == WG_OK)
        st = tif_grid(ctx, o, view, &h.g);
    if (st != WG_OK)
        return st;
    const wg_raster_grid *g = &h.g;
    h.view[0] = g->xmin;
    h.view[1] = g->ymax - (double)g->rows * g->py;
    h.view[2] = g->xmin + (double)g->cols * g->px;
    h.view[3] = g->ymax;
    h.scale = 1 / g->px;
    st = heat_compute(ws, &h);

    const char *unit = o->weight_hours ? "handling hours per km²" : "incidents per km²";
    tif_meta *t = st == WG_OK ? malloc(sizeof *t) : NULL;
    if (st == WG_OK && !t)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK) {
        make_meta(t, o, &h, wg_ws_crs(ws), wg_ws_label(ws));
        wg_raster_meta m = {.crs = wg_ws_crs(ws),
                            .has_nodata = true,
                            .nodata = 0,
                            .description = unit,
                            .unit = unit,
                            .software = "wangge " WG_VERSION,
                            .title = o->title          ? o->title
                                     : o->weight_hours ? "处置工时密度 Handling hours density"
                                                       : "事件热力图 Incident density",
                            .items = t->items,
                            .nitems = t->n};
        st = wg_raster_write_geotiff(ctx, path, g, h.ras, &m);
    }
    if (st == WG_OK && info) {
        *info = (wg_render_info){.pages = 1,
                                 .width = (double)g->cols,
                                 .height = (double)g->rows,
                                 .scale = h.scale,
                                 .nbreaks = h.k + 1,
                                 .value_max = h.ras[h.hot],
                                 .hot_x = g->xmin + ((double)(h.hot % g->cols) + 0.5) * g->px,
                                 .hot_y = g->ymax - ((double)(h.hot / g->cols) + 0.5) * g->py,
                                 .points = h.n,
                                 .grid = *g,
                                 .nonzero = h.nonzero};
        memcpy(info->view, h.view, sizeof info->view);
        memcpy(info->breaks, h.breaks, (h.k + 1) * sizeof *h.breaks);
        snprintf(info->unit, sizeof info->unit, "%s", unit);
        info->seconds = wg_now() - t0;
    }
    free(t);
    free(h.ras);
    return st;
}
