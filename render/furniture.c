/* render/furniture.c: what makes a map a map — title, legend, scale bar, north arrow, the
 * period, CRS and source line. */
#include "render_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const unsigned INK = 0x222222, GREY = 0x666666;

layout page_layout(const canvas *c)
{
    double u = c->u, m = 14 * u; /* outer margin */
    layout L;
    double title_h = 46 * u, footer_h = 20 * u;
    double panel_w = fmin(175 * u, c->W * 0.32);
    L.title = (rect){m, m, c->W - 2 * m, title_h};
    L.footer = (rect){m, c->H - m - footer_h, c->W - 2 * m, footer_h};
    double top = m + title_h, bottom = c->H - m - footer_h - 6 * u;
    L.frame = (rect){m, top, c->W - 2 * m - panel_w - 10 * u, bottom - top};
    L.panel = (rect){L.frame.x + L.frame.w + 10 * u, top, panel_w, bottom - top};
    return L;
}

void draw_title(canvas *c, const layout *L, const char *title, const char *subtitle)
{
    c->furn[WG_FURN_TITLE] = L->title;
    double h = text_at(c, title, 17, true, L->title.x, L->title.y, ALIGN_LEFT, hex_rgb(INK));
    if (subtitle && *subtitle)
        text_at(c, subtitle, 9.5, false, L->title.x, L->title.y + h + 1 * c->u, ALIGN_LEFT,
                hex_rgb(GREY));
}

void draw_footer(canvas *c, const layout *L, const char *period, const char *crs,
                 const char *source)
{
    char line[640];
    snprintf(line, sizeof line, "数据期间 Period: %s  ·  CRS: %s (grid north up)  ·  %s", period,
             crs && *crs ? crs : "none", source);
    PangoLayout *l = text_layout(c, line, 7.5, false, L->footer.w);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_MIDDLE);
    text_draw(c, l, L->footer.x, L->footer.y + 4 * c->u, hex_rgb(GREY), 0);
    g_object_unref(l);
}

void draw_frame(canvas *c)
{
    cairo_t *cr = c->cr;
    cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
    cairo_set_line_width(cr, 0.8 * c->u);
    cairo_set_dash(cr, NULL, 0, 0);
    set_rgb(cr, hex_rgb(0x555555), 1);
    cairo_stroke(cr);
}

/* The largest 1, 2 or 5 times a power of ten not above x. */
static double nice_floor(double x)
{
    double p = pow(10, floor(log10(x)));
    double m = x / p;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

void draw_scalebar(canvas *c, bool draw)
{
    cairo_t *cr = c->cr;
    double u = c->u;
    /* about a fifth of the frame, in four segments of a round length */
    double metres = nice_floor(c->frame.w * 0.22 / c->s / 4) * 4;
    if (!(metres > 0) || !isfinite(metres))
        return;
    double len = metres * c->s, seg = len / 4, bh = 4 * u;
    double x0 = c->frame.x + 12 * u, y0 = c->frame.y + c->frame.h - 22 * u;
    bool km = metres >= 2000;
    char end[32];
    snprintf(end, sizeof end, km ? "%g km" : "%g m", km ? metres / 1000 : metres);
    PangoLayout *l = text_layout(c, end, 7.5, false, 0);
    double tw, th;
    text_size(l, &tw, &th);
    rect box = {x0 - 6 * u, y0 - th - 5 * u, len + tw + 16 * u, th + bh + 11 * u};
    if (!draw) {
        canvas_take(c, box);
        g_object_unref(l);
        return;
    }
    c->furn[WG_FURN_SCALEBAR] = box;
    cairo_rectangle(cr, box.x, box.y, box.w, box.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
    cairo_fill(cr);
    for (int k = 0; k < 4; k++) {
        cairo_rectangle(cr, x0 + k * seg, y0, seg, bh);
        set_rgb(cr, hex_rgb(k % 2 ? 0xffffff : 0x222222), 1);
        cairo_fill_preserve(cr);
        cairo_set_line_width(cr, 0.6 * u);
        set_rgb(cr, hex_rgb(0x222222), 1);
        cairo_stroke(cr);
    }
    text_at(c, "0", 7.5, false, x0, y0 - th - 1 * u, ALIGN_CENTRE, hex_rgb(INK));
    char mid[32];
    snprintf(mid, sizeof mid, "%g", km ? metres / 2000 : metres / 2);
    text_at(c, mid, 7.5, false, x0 + len / 2, y0 - th - 1 * u, ALIGN_CENTRE, hex_rgb(INK));
    text_draw(c, l, x0 + len - tw / 4, y0 - th - 1 * u, hex_rgb(INK), 0);
    g_object_unref(l);
}

void draw_north(canvas *c, bool draw)
{
    cairo_t *cr = c->cr;
    double u = c->u, h = 26 * u, w = 9 * u;
    double x = c->frame.x + c->frame.w - 18 * u, y = c->frame.y + 12 * u;
    rect box = {x - w - 4 * u, y - 2 * u, 2 * w + 8 * u, h + 18 * u};
    if (!draw) {
        canvas_take(c, box);
        return;
    }
    c->furn[WG_FURN_NORTH] = box;
    cairo_rectangle(cr, box.x, box.y, box.w, box.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
    cairo_fill(cr);
    double ty = y + text_at(c, "N", 9, true, x, y, ALIGN_CENTRE, hex_rgb(INK));
    /* a split arrow: the left half dark, the right half light, as on survey maps */
    cairo_move_to(cr, x, ty);
    cairo_line_to(cr, x - w, ty + h);
    cairo_line_to(cr, x, ty + h * 0.72);
    cairo_close_path(cr);
    set_rgb(cr, hex_rgb(INK), 1);
    cairo_fill(cr);
    cairo_move_to(cr, x, ty);
    cairo_line_to(cr, x + w, ty + h);
    cairo_line_to(cr, x, ty + h * 0.72);
    cairo_close_path(cr);
    set_rgb(cr, hex_rgb(0xffffff), 1);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 0.8 * u);
    set_rgb(cr, hex_rgb(INK), 1);
    cairo_stroke(cr);
}

const char *fmt_int(long long v, char *buf, size_t n)
{
    if (v > -10 && v < 10)
        snprintf(buf, n, "%lld", v);
    else
        fmt_num((double)v, buf, n);
    return buf;
}

void fmt_num(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (isnan(v))
        snprintf(buf, n, "–");
    else if (a >= 1000 || (a >= 10 && fabs(v - round(v)) < 1e-9)) {
        /* thousands separated, as in the reports */
        char t[48];
        snprintf(t, sizeof t, "%.0f", fabs(round(v)));
        size_t len = strlen(t), k = 0;
        char out[64];
        if (v < 0 && round(v) != 0)
            out[k++] = '-';
        for (size_t i = 0; i < len; i++) {
            if (i > 0 && (len - i) % 3 == 0)
                out[k++] = ',';
            out[k++] = t[i];
        }
        out[k] = '\0';
        snprintf(buf, n, "%s", out);
    } else if (a >= 100)
        snprintf(buf, n, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, n, "%.1f", v);
    else if (a == 0)
        snprintf(buf, n, "0");
    else if (a >= 0.1)
        snprintf(buf, n, "%.2f", v);
    else
        snprintf(buf, n, "%.2g", v);
}

size_t class_entries(const wg_ramp *r, const double *breaks, size_t nclasses, double alpha,
                     legend_entry *e)
{
    for (size_t k = 0; k < nclasses; k++) {
        char a[32], b[32];
        fmt_num(breaks[k], a, sizeof a);
        fmt_num(breaks[k + 1], b, sizeof b);
        double t = nclasses > 1 ? (double)k / (double)(nclasses - 1) : 1.0;
        e[k] = (legend_entry){.colour = wg_ramp_at(r, t), .alpha = alpha};
        snprintf(e[k].text, sizeof e[k].text, "%s – %s", a, b);
    }
    return nclasses;
}

void draw_legend(canvas *c, const rect *panel, double *y, const char *heading,
                 const legend_entry *e, size_t n)
{
    cairo_t *cr = c->cr;
    double u = c->u, x = panel->x, y0 = *y;
    PangoLayout *hl = text_layout(c, heading, 9, true, panel->w);
    double w, h;
    text_size(hl, &w, &h);
    text_draw(c, hl, x, *y, hex_rgb(INK), 0);
    g_object_unref(hl);
    *y += h + 5 * u;
    double sw = 16 * u, sh = 11 * u;
    for (size_t k = 0; k < n; k++) {
        PangoLayout *l = text_layout(c, e[k].text, 8, false, panel->w - sw - 6 * u);
        double tw, th;
        text_size(l, &tw, &th);
        double row = fmax(th, sh) + 3 * u, sy = *y + (fmax(th, sh) - sh) / 2;
        cairo_new_path(cr);
        switch (e[k].shape) {
        case 1:
            cairo_arc(cr, x + sw / 2, sy + sh / 2, sh / 3, 0, 2 * M_PI);
            break;
        case 2:
            cairo_move_to(cr, x, sy + sh / 2);
            cairo_line_to(cr, x + sw, sy + sh / 2);
            break;
        default:
            cairo_rectangle(cr, x, sy, sw, sh);
        }
        if (e[k].shape == 2) {
            cairo_set_line_width(cr, 2.5 * u);
            set_rgb(cr, e[k].colour, e[k].alpha);
            cairo_stroke(cr);
        } else {
            set_rgb(cr, hex_rgb(0xfaf8f4), 1); /* the basemap under a see-through fill */
            cairo_fill_preserve(cr);
            set_rgb(cr, e[k].colour, e[k].alpha);
            cairo_fill_preserve(cr);
            cairo_set_line_width(cr, 0.5 * u);
            set_rgb(cr, hex_rgb(0x777777), 1);
            cairo_stroke(cr);
            if (e[k].shape == 3) { /* hatching */
                cairo_save(cr);
                cairo_rectangle(cr, x, sy, sw, sh);
                cairo_clip(cr);
                for (double d = -sh; d < sw; d += 3 * u) {
                    cairo_move_to(cr, x + d, sy + sh);
                    cairo_line_to(cr, x + d + sh, sy);
                }
                cairo_set_line_width(cr, 0.7 * u);
                set_rgb(cr, hex_rgb(0x7a0000), 1);
                cairo_stroke(cr);
                cairo_restore(cr);
            }
        }
        text_draw(c, l, x + sw + 6 * u, *y, hex_rgb(INK), 0);
        g_object_unref(l);
        *y += row;
    }
    if (c->furn[WG_FURN_LEGEND].w == 0)
        c->furn[WG_FURN_LEGEND] = (rect){panel->x, y0, panel->w, *y - y0};
    *y += 8 * u;
}

void draw_note(canvas *c, const rect *panel, double *y, const char *text)
{
    PangoLayout *l = text_layout(c, text, 7.5, false, panel->w);
    double w, h;
    text_size(l, &w, &h);
    text_draw(c, l, panel->x, *y, hex_rgb(GREY), 0);
    g_object_unref(l);
    *y += h + 6 * c->u;
}
