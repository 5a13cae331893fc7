/* render/draw.c: vector features and rasters on the map frame, and the basemap. */
#include "render_int.h"

#include <math.h>
#include <stdlib.h>

wg_rgb hex_rgb(unsigned hex)
{
    return (wg_rgb){((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0};
}

void set_rgb(cairo_t *cr, wg_rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

uint32_t argb(wg_rgb c, double alpha)
{
    double a = fmin(fmax(alpha, 0), 1);
    uint32_t A = (uint32_t)lround(a * 255);
    uint32_t R = (uint32_t)lround(c.r * a * 255), G = (uint32_t)lround(c.g * a * 255),
             B = (uint32_t)lround(c.b * a * 255);
    return A << 24 | R << 16 | G << 8 | B;
}

void draw_path(canvas *c, const wg_shapes *s, size_t i)
{
    cairo_t *cr = c->cr;
    if (s->kind[i] == WG_G_POINT)
        return;
    /* Vertices closer than a third of a pixel (or of a point on paper) to the last one drawn
     * change nothing a reader sees but cost the rasteriser as much as any other: they are
     * left out, the ring's last vertex always kept. */
    const double tol = c->fmt == WG_FMT_PNG ? 0.33 : 0.33 * c->u, tol2 = tol * tol;
    for (size_t p = s->feat[i]; p < s->feat[i + 1]; p++) {
        size_t a = s->part[p], b = s->part[p + 1];
        double lx = 0, ly = 0;
        for (size_t k = a; k < b; k++) {
            double x = cx(c, s->xy[2 * k]), y = cy(c, s->xy[2 * k + 1]);
            if (k == a) {
                cairo_move_to(cr, x, y);
            } else if (k + 1 == b || (x - lx) * (x - lx) + (y - ly) * (y - ly) >= tol2) {
                cairo_line_to(cr, x, y);
            } else {
                continue;
            }
            lx = x, ly = y;
        }
        if (s->kind[i] == WG_G_POLYGON)
            cairo_close_path(cr);
    }
}

/* Whether feature i's box meets the view: features outside are not drawn at all. */
static bool in_view(const canvas *c, const wg_shapes *s, size_t i)
{
    double b[4];
    wg_shapes_bbox(s, i, b);
    return b[0] <= c->view[2] && b[2] >= c->view[0] && b[1] <= c->view[3] && b[3] >= c->view[1];
}

/* Whether st's lines are under two pixels wide on a PNG. */
static bool thin(const canvas *c, const style *st)
{
    return c->fmt == WG_FMT_PNG && st->width * c->u < 2.0;
}

static void stroke_style(canvas *c, const style *st)
{
    cairo_t *cr = c->cr;
    cairo_set_line_width(cr, st->width * c->u);
    /* a round join is an arc at every vertex, which the stroker pays for at every vertex of
     * thirty thousand cells; on a line under two pixels wide a bevel looks the same */
    cairo_set_line_join(cr, thin(c, st) ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND);
    if (st->dash) {
        double d[8];
        int n = st->ndash < 8 ? st->ndash : 8;
        for (int k = 0; k < n; k++)
            d[k] = st->dash[k] * c->u;
        cairo_set_dash(cr, d, n, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

/* Adds feature i to the current path: its rings or lines, or a disc of `marker` points per
 * point. False when there is nothing of it in view. */
static bool add_feature(canvas *c, const wg_shapes *s, size_t i, double marker)
{
    if (s->kind[i] == WG_G_NONE || !in_view(c, s, i))
        return false;
    if (s->kind[i] != WG_G_POINT) {
        draw_path(c, s, i);
        return true;
    }
    for (size_t p = s->feat[i]; p < s->feat[i + 1]; p++) {
        size_t k = s->part[p];
        cairo_new_sub_path(c->cr);
        cairo_arc(c->cr, cx(c, s->xy[2 * k]), cy(c, s->xy[2 * k + 1]), marker * c->u, 0, 2 * M_PI);
    }
    return true;
}

/* Fills (unless `fill` is false) and strokes the current path in the style; clears it. */
static void paint(canvas *c, const style *st, bool fill)
{
    cairo_t *cr = c->cr;
    if (fill && st->fill_alpha > 0) {
        set_rgb(cr, st->fill, st->fill_alpha);
        cairo_fill_preserve(cr);
    }
    if (st->line_alpha > 0 && st->width > 0) {
        set_rgb(cr, st->line, st->line_alpha);
        /* a thin line's coverage sampled on a coarser grid looks the same and rasterises in
         * half the time (30,507 cell outlines: 0.5 s to 0.3 s) */
        if (thin(c, st))
            cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST);
        cairo_stroke(cr);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    }
    cairo_new_path(cr);
}

void draw_begin(canvas *c)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
    cairo_clip(cr);
    cairo_new_path(cr);
    /* rings come oriented (wg/shapes.h): non-zero winding keeps holes, and overlapping
     * polygons drawn as one path fill as their union */
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
}

void draw_one(canvas *c, const wg_shapes *s, size_t i, const style *st)
{
    stroke_style(c, st);
    if (add_feature(c, s, i, st->marker))
        paint(c, st, s->kind[i] != WG_G_LINE);
}

void draw_end(canvas *c)
{
    cairo_restore(c->cr);
}

void draw_feature(canvas *c, const wg_shapes *s, size_t i, const style *st)
{
    draw_begin(c);
    draw_one(c, s, i, st);
    draw_end(c);
}

void draw_set(canvas *c, const wg_shapes *s, const size_t *idx, size_t n, const style *st)
{
    /* feature by feature: cairo's image backend rasterises many small paths faster than one
     * path of them all (measured: 3x slower for the buildings of a city as one path) */
    draw_begin(c);
    for (size_t q = 0; q < n; q++) {
        /* may run on another thread (the heatmap's outlines): only look, the caller fails */
        if ((q & 255) == 255 && wg_ctx_cancelled(c->ctx))
            break;
        draw_one(c, s, idx ? idx[q] : q, st);
    }
    draw_end(c);
}

void draw_all(canvas *c, const wg_shapes *s, const style *st)
{
    draw_set(c, s, NULL, s->n, st);
}

/* Draws the polygons of s at least `min` device units across; smaller ones would be specks. */
static void draw_polygons(canvas *c, const wg_shapes *s, const style *st, double min)
{
    size_t *idx = malloc((s->n + 1) * sizeof *idx), n = 0;
    if (!idx) { /* no room to pick: draw them all */
        draw_all(c, s, st);
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        double b[4];
        wg_shapes_bbox(s, i, b);
        if (s->kind[i] == WG_G_POLYGON &&
            ((b[2] - b[0]) * c->s >= min || (b[3] - b[1]) * c->s >= min))
            idx[n++] = i;
    }
    draw_set(c, s, idx, n, st);
    free(idx);
}

wg_status draw_raster(canvas *c, const wg_raster_grid *g, const double *v, color_fn fn, void *user)
{
    cairo_surface_t *img =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)g->cols, (int)g->rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return wg_fail(c->ctx, WG_ENOMEM, "no memory for a %zux%zu raster", g->cols, g->rows);
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (size_t r = 0; r < g->rows; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)stride * r);
        for (size_t k = 0; k < g->cols; k++)
            row[k] = fn(v[r * g->cols + k], user);
    }
    cairo_surface_mark_dirty(img);
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
    cairo_clip(cr);
    cairo_translate(cr, cx(c, g->xmin), cy(c, g->ymax));
    cairo_scale(cr, g->px * c->s, g->py * c->s);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    return canvas_status(c, "drawing a raster");
}

/* ---- the basemap ------------------------------------------------------------------------- */

wg_status basemap_load(const canvas *c, wg_ws *ws, basemap *b)
{
    *b = (basemap){0};
    wg_map_query q = {.bbox = c->view};
    /* names (10 points) only for communities at least two characters across */
    wg_map_query qa = {.bbox = c->view, .anchors = true, .anchor_min_m = 2 * 10 * c->u / c->s};
    /* buildings smaller than a speck at this scale are not even read */
    wg_map_query qb = {.bbox = c->view, .min_size_m = SPECK * c->u / c->s};
    wg_status st = wg_map_read(ws, WG_ML_COMMUNITIES, &qa, &b->communities);
    if (st == WG_OK)
        st = wg_map_read(ws, WG_ML_UNITS, &qb, &b->units);
    if (st == WG_OK)
        st = wg_map_read(ws, WG_ML_STREETS, &q, &b->streets);
    if (st == WG_OK)
        st = wg_map_read(ws, WG_ML_BARRIERS, &q, &b->barriers);
    if (st != WG_OK)
        basemap_free(b);
    return st;
}

void basemap_free(basemap *b)
{
    wg_map_feats_free(&b->communities);
    wg_map_feats_free(&b->units);
    wg_map_feats_free(&b->streets);
    wg_map_feats_free(&b->barriers);
}

void basemap_draw(canvas *c, const basemap *b)
{
    cairo_t *cr = c->cr;
    /* the world outside the communities: a quiet grey, so the district stands out */
    set_rgb(cr, hex_rgb(0xe9e7e2), 1);
    cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
    cairo_fill(cr);
    style land = {.fill = hex_rgb(0xfaf8f4), .fill_alpha = 1};
    draw_all(c, &b->communities.shapes, &land);
    style bld = {.fill = hex_rgb(0xd9d3c9),
                 .fill_alpha = 1,
                 .line = hex_rgb(0xc4bdb1),
                 .line_alpha = 1,
                 .width = 0.2};
    draw_polygons(c, &b->units.shapes, &bld, SPECK * c->u);
    style casing = {.line = hex_rgb(0xc9c3b8), .line_alpha = 1, .width = 2.2};
    style street = {.line = hex_rgb(0xffffff), .line_alpha = 1, .width = 1.4};
    draw_all(c, &b->streets.shapes, &casing);
    draw_all(c, &b->streets.shapes, &street);
    static const double rail_dash[] = {4, 3};
    draw_begin(c);
    for (size_t i = 0; i < b->barriers.n; i++) {
        const char *k = b->barriers.group[i];
        style s = {.line = hex_rgb(0xf4d58d), .line_alpha = 1, .width = 2.4};
        if (k[0] == 'r' && k[1] == 'i') /* river */
            s = (style){.line = hex_rgb(0x8ec3e6), .line_alpha = 1, .width = 3.0};
        else if (k[0] == 'r' && k[1] == 'a') /* rail */
            s = (style){.line = hex_rgb(0x6b6b6b),
                        .line_alpha = 1,
                        .width = 1.2,
                        .dash = rail_dash,
                        .ndash = 2};
        draw_one(c, &b->barriers.shapes, i, &s);
    }
    draw_end(c);
}

void basemap_draw_top(canvas *c, const basemap *b, bool names)
{
    style edge = {.line = hex_rgb(0x4a4a4a), .line_alpha = 0.9, .width = 1.6};
    draw_all(c, &b->communities.shapes, &edge);
    if (!names)
        return;
    for (size_t i = 0; i < b->communities.n; i++) {
        const double *a = b->communities.anchor[i];
        if (isnan(a[0]))
            continue;
        const char *name =
            b->communities.name[i][0] ? b->communities.name[i] : b->communities.key[i];
        if (!label_place(c, name, 10, true, cx(c, a[0]), cy(c, a[1]), 0, hex_rgb(0x333333)))
            c->dropped++;
    }
}
