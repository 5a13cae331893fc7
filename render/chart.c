/* render/chart.c: tables and histograms — the audit's and the atlas's figures. */
#include "render_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

size_t draw_table(canvas *c, double x, double *y, double bottom, const table_col *cols,
                  size_t ncols, table_cell_fn cell, void *user, size_t row, size_t nrows,
                  double size)
{
    cairo_t *cr = c->cr;
    double u = c->u, rh = size * 1.75 * u, width = 0;
    for (size_t k = 0; k < ncols; k++)
        width += cols[k].width * u;
    /* the header */
    double cxp = x;
    for (size_t k = 0; k < ncols; k++) {
        double w = cols[k].width * u;
        double tx = cols[k].align == ALIGN_RIGHT ? cxp + w - 3 * u : cxp + 3 * u;
        text_at(c, cols[k].head, size, true, tx, *y, cols[k].align, hex_rgb(0x222222));
        cxp += w;
    }
    *y += rh;
    cairo_move_to(cr, x, *y - 2 * u);
    cairo_line_to(cr, x + width, *y - 2 * u);
    cairo_set_line_width(cr, 0.8 * u);
    set_rgb(cr, hex_rgb(0x444444), 1);
    cairo_stroke(cr);
    char buf[256];
    for (; row < nrows && *y + rh <= bottom; row++) {
        if (row % 2 == 1) { /* banded rows guide the eye across */
            cairo_rectangle(cr, x, *y - 1.5 * u, width, rh);
            set_rgb(cr, hex_rgb(0xf1f1f1), 1);
            cairo_fill(cr);
        }
        cxp = x;
        for (size_t k = 0; k < ncols; k++) {
            double w = cols[k].width * u;
            cell(user, row, k, buf, sizeof buf);
            PangoLayout *l = text_layout(c, buf, size, false, 0);
            pango_layout_set_width(l, (int)((w - 6 * u) * PANGO_SCALE));
            pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
            pango_layout_set_alignment(l, cols[k].align == ALIGN_RIGHT ? PANGO_ALIGN_RIGHT
                                                                       : PANGO_ALIGN_LEFT);
            text_draw(c, l, cxp + 3 * u, *y, hex_rgb(0x222222), 0);
            g_object_unref(l);
            cxp += w;
        }
        *y += rh;
    }
    return row;
}

void draw_histogram(canvas *c, rect r, const double *x, size_t n, double lo, double hi,
                    size_t nbins, const double *marks, const char *const *mark_names, size_t nmarks,
                    const char *xlabel)
{
    cairo_t *cr = c->cr;
    double u = c->u;
    size_t *bin = calloc(nbins ? nbins : 1, sizeof *bin), top = 0;
    if (!bin || !(hi > lo)) {
        free(bin);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        double t = (x[i] - lo) / (hi - lo);
        size_t b = t <= 0 ? 0 : t >= 1 ? nbins - 1 : (size_t)(t * (double)nbins);
        if (++bin[b] > top)
            top = bin[b];
    }
    /* the plot area, leaving room for the axes' labels */
    rect p = {r.x + 34 * u, r.y + 14 * u, r.w - 40 * u, r.h - 40 * u};
    double bw = p.w / (double)nbins;
    for (size_t b = 0; b < nbins; b++) {
        double h = top ? p.h * (double)bin[b] / (double)top : 0;
        cairo_rectangle(cr, p.x + (double)b * bw + 0.5 * u, p.y + p.h - h, bw - 1 * u, h);
    }
    set_rgb(cr, hex_rgb(0x6baed6), 1);
    cairo_fill(cr);
    cairo_move_to(cr, p.x, p.y);
    cairo_line_to(cr, p.x, p.y + p.h);
    cairo_line_to(cr, p.x + p.w, p.y + p.h);
    cairo_set_line_width(cr, 0.8 * u);
    set_rgb(cr, hex_rgb(0x333333), 1);
    cairo_stroke(cr);
    char buf[64];
    for (int k = 0; k <= 4; k++) { /* five ticks on each axis */
        double v = lo + (hi - lo) * k / 4, px = p.x + p.w * k / 4;
        fmt_num(v, buf, sizeof buf);
        text_at(c, buf, 7, false, px, p.y + p.h + 3 * u, ALIGN_CENTRE, hex_rgb(0x333333));
        double cnt = (double)top * k / 4, py = p.y + p.h - p.h * k / 4;
        snprintf(buf, sizeof buf, "%.0f", cnt);
        text_at(c, buf, 7, false, p.x - 4 * u, py - 5 * u, ALIGN_RIGHT, hex_rgb(0x333333));
    }
    text_at(c, xlabel, 7.5, false, p.x + p.w / 2, p.y + p.h + 14 * u, ALIGN_CENTRE,
            hex_rgb(0x333333));
    text_at(c, "cells", 7.5, false, p.x - 4 * u, r.y, ALIGN_RIGHT, hex_rgb(0x333333));
    static const double dash[] = {3, 2};
    for (size_t k = 0; k < nmarks; k++) {
        double px = p.x + p.w * (marks[k] - lo) / (hi - lo);
        cairo_move_to(cr, px, p.y - 2 * u);
        cairo_line_to(cr, px, p.y + p.h);
        cairo_set_dash(cr, (double[]){dash[0] * u, dash[1] * u}, 2, 0);
        set_rgb(cr, hex_rgb(0xb2182b), 1);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        text_at(c, mark_names[k], 7, false, px, p.y - 12 * u, ALIGN_CENTRE, hex_rgb(0xb2182b));
    }
    free(bin);
}
