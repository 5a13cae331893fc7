/* render/text.c: text with pango (Noto Sans CJK for Chinese and Latin alike), and labels that
 * never overlap each other or the furniture. */
#include "render_int.h"

#include <math.h>

PangoLayout *text_layout(canvas *c, const char *text, double size, bool bold, double wrap)
{
    PangoLayout *l = pango_cairo_create_layout(c->cr);
    PangoFontDescription *f = pango_font_description_copy(c->font);
    pango_font_description_set_absolute_size(f, size * c->u * PANGO_SCALE);
    pango_font_description_set_weight(f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    if (wrap > 0) {
        pango_layout_set_width(l, (int)(wrap * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(l, text, -1);
    return l;
}

void text_size(PangoLayout *l, double *w, double *h)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(l, &ink, &logical);
    *w = (double)logical.width / PANGO_SCALE;
    *h = (double)logical.height / PANGO_SCALE;
}

void text_draw(canvas *c, PangoLayout *l, double x, double y, wg_rgb colour, double halo)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_move_to(cr, x, y);
    if (halo > 0) {
        pango_cairo_layout_path(cr, l);
        cairo_set_line_width(cr, 2 * halo * c->u);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_stroke(cr);
        cairo_move_to(cr, x, y);
    }
    set_rgb(cr, colour, 1);
    pango_cairo_show_layout(cr, l);
    cairo_restore(cr);
}

double text_at(canvas *c, const char *text, double size, bool bold, double x, double y, int align,
               wg_rgb colour)
{
    PangoLayout *l = text_layout(c, text, size, bold, 0);
    double w, h;
    text_size(l, &w, &h);
    double x0 = align == ALIGN_LEFT ? x : align == ALIGN_CENTRE ? x - w / 2 : x - w;
    text_draw(c, l, x0, y, colour, 0);
    g_object_unref(l);
    return h;
}

bool label_place(canvas *c, const char *text, double size, bool bold, double x, double y,
                 double room, wg_rgb colour)
{
    PangoLayout *l = text_layout(c, text, size, bold, 0);
    double w, h;
    text_size(l, &w, &h);
    /* the box in which the label must stand alone: the text plus a little air */
    double pad = 1.5 * c->u;
    rect r = {x - w / 2 - pad, y - h / 2 - pad, w + 2 * pad, h + 2 * pad};
    bool inside = r.x >= c->frame.x && r.y >= c->frame.y && r.x + r.w <= c->frame.x + c->frame.w &&
                  r.y + r.h <= c->frame.y + c->frame.h;
    bool ok =
        inside && (room <= 0 || w <= room) && canvas_free_at(c, r) && canvas_take(c, r) == WG_OK;
    if (ok) {
        text_draw(c, l, x - w / 2, y - h / 2, colour, 1.2);
        c->labels++;
    }
    g_object_unref(l);
    return ok;
}
