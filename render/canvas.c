/* render/canvas.c: the page surface, its file written atomically, and the world-to-page view. */
#include "render_int.h"
#include "wg/atomic.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

bool wg_render_format_of(const char *path, wg_render_format *f)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot)
        return false;
    if (strcasecmp(dot, ".png") == 0)
        *f = WG_FMT_PNG;
    else if (strcasecmp(dot, ".pdf") == 0)
        *f = WG_FMT_PDF;
    else if (strcasecmp(dot, ".svg") == 0)
        *f = WG_FMT_SVG;
    else if (strcasecmp(dot, ".tif") == 0 || strcasecmp(dot, ".tiff") == 0)
        *f = WG_FMT_TIF;
    else
        return false;
    return true;
}

/* Paper sizes in millimetres, portrait. */
static bool paper_mm(const char *name, double *w, double *h, bool *landscape)
{
    static const struct {
        const char *name;
        double w, h;
    } P[] = {{"A5", 148, 210}, {"A4", 210, 297}, {"A3", 297, 420},
             {"A2", 420, 594}, {"A1", 594, 841}, {"A0", 841, 1189}};
    *landscape = true;
    char base[16];
    snprintf(base, sizeof base, "%s", name);
    char *dash = strchr(base, '-');
    if (dash) {
        if (strcasecmp(dash + 1, "portrait") == 0)
            *landscape = false;
        else if (strcasecmp(dash + 1, "landscape") != 0)
            return false;
        *dash = '\0';
    }
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++)
        if (strcasecmp(base, P[i].name) == 0) {
            *w = P[i].w;
            *h = P[i].h;
            return true;
        }
    return false;
}

/* The page size in device units and the points-to-device factor. */
static wg_status page_size(wg_ctx *ctx, canvas *c, const wg_render_opts *o)
{
    double mw = 0, mh = 0;
    bool landscape = true;
    const char *paper = o->paper;
    if (!paper && c->fmt == WG_FMT_PDF)
        paper = "A4";
    if (paper && !paper_mm(paper, &mw, &mh, &landscape))
        return wg_fail(ctx, WG_EINPUT,
                       "--paper %s: unknown paper (A5 to A0, optionally -portrait or -landscape)",
                       paper);
    if (landscape) {
        double t = mw;
        mw = mh;
        mh = t;
    }
    if (paper && c->fmt == WG_FMT_PDF) {
        c->W = mw / 25.4 * 72;
        c->H = mh / 25.4 * 72;
        c->u = 1;
        return WG_OK;
    }
    double dpi = o->dpi > 0 ? o->dpi : 150;
    if (o->dpi < 0 || dpi > 1200)
        return wg_fail(ctx, WG_EINPUT, "--dpi %g: must be in (0, 1200]", o->dpi);
    if (paper) {
        c->W = round(mw / 25.4 * dpi);
        c->H = round(mh / 25.4 * dpi);
        c->u = dpi / 72;
    } else {
        c->W = o->width > 0 ? o->width : 1600;
        c->H = o->height > 0 ? o->height : 1200;
        /* Text is sized as on a page whose short side is 800 points: the same map looks the
         * same at any pixel size, and a command-centre screen reads it from afar. */
        c->u = fmax(0.5, fmin(c->W, c->H) / 800.0);
    }
    if (o->width < 0 || o->height < 0 || c->W < 64 || c->H < 64 || c->W > 20000 || c->H > 20000)
        return wg_fail(ctx, WG_EINPUT, "page size %gx%g: each side must be 64 to 20000 pixels",
                       c->W, c->H);
    return WG_OK;
}

/* Writes the opaque image surface as an 8-bit RGB PNG. Maps are large flat areas of few
 * colours: zlib level 2 without row filters makes files as small as cairo's own writer (level
 * 6, adaptive filters, alpha kept) in a third of the time. */
static wg_status write_png(canvas *c)
{
    FILE *f = wg_atomic_stream(c->out);
    if (!f)
        return wg_fail(c->ctx, WG_EIO, "%s: cannot write the map: %s", c->path, strerror(errno));
    cairo_surface_flush(c->surf);
    const unsigned char *data = cairo_image_surface_get_data(c->surf);
    int stride = cairo_image_surface_get_stride(c->surf);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    bool ok = info != NULL;
    if (ok && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)c->W, (png_uint_32)c->H, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_compression_level(png, 2);
        png_set_filter(png, 0, PNG_FILTER_NONE);
        png_write_info(png, info);
        /* cairo's RGB24 pixel is a native-endian 0xXXRRGGBB word */
        const uint32_t one = 1;
        bool le = *(const unsigned char *)&one == 1;
        if (le)
            png_set_bgr(png);
        png_set_filler(png, 0, le ? PNG_FILLER_AFTER : PNG_FILLER_BEFORE);
        for (int y = 0; y < (int)c->H && ok; y++) {
            png_write_row(png, data + (size_t)stride * (size_t)y);
            ok = (y & 255) != 255 || !wg_ctx_cancelled(c->ctx);
        }
        if (ok)
            png_write_end(png, NULL);
    } else {
        ok = false;
    }
    png_destroy_write_struct(&png, &info);
    if (wg_ctx_cancelled(c->ctx))
        return wg_fail(c->ctx, WG_EINTR, "interrupted: no map was written");
    if (fflush(f) != 0 || !ok)
        return wg_fail(c->ctx, WG_EIO, "%s: writing the PNG failed", c->path);
    return WG_OK;
}

wg_status canvas_open(wg_ctx *ctx, canvas *c, const char *path, const wg_render_opts *o)
{
    *c = (canvas){.ctx = ctx};
    if (!wg_render_format_of(path, &c->fmt) || c->fmt == WG_FMT_TIF)
        return wg_fail(ctx, WG_EINPUT, "%s: the map's file name must end in .png, .pdf or .svg%s",
                       path, c->fmt == WG_FMT_TIF ? " (a .tif holds a heatmap's raster only)" : "");
    wg_status st = page_size(ctx, c, o);
    if (st != WG_OK)
        return st;
    if (!(c->path = strdup(path)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
    /* the file is written whole or not at all (wg/atomic.h); cairo writes PDF and SVG into
     * the temporary file by name, the PNG goes through its stream */
    if ((st = wg_atomic_begin(ctx, path, false, &c->out)) != WG_OK) {
        free(c->path);
        c->path = NULL;
        return st;
    }
    const char *tmp = wg_atomic_tmp(c->out);
    if (c->fmt == WG_FMT_PDF) {
        c->surf = cairo_pdf_surface_create(tmp, c->W, c->H);
        cairo_pdf_surface_set_metadata(c->surf, CAIRO_PDF_METADATA_CREATOR, "wangge");
    } else if (c->fmt == WG_FMT_SVG) {
        c->surf = cairo_svg_surface_create(tmp, c->W, c->H);
        cairo_svg_surface_set_document_unit(c->surf, CAIRO_SVG_UNIT_PX);
    } else {
        c->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)c->W, (int)c->H);
    }
    if (cairo_surface_status(c->surf) != CAIRO_STATUS_SUCCESS) {
        st = wg_fail(ctx, WG_EIO, "%s: cannot write the map: %s", path,
                     cairo_status_to_string(cairo_surface_status(c->surf)));
        cairo_surface_destroy(c->surf);
        wg_atomic_end(ctx, c->out, false);
        free(c->path);
        *c = (canvas){0};
        return st;
    }
    c->cr = cairo_create(c->surf);
    c->pages = 1;
    c->font = pango_font_description_from_string("Noto Sans CJK SC");
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    return WG_OK;
}

wg_status canvas_open_tile(wg_ctx *ctx, canvas *c, int px, double u)
{
    *c = (canvas){.ctx = ctx, .fmt = WG_FMT_PNG, .W = px, .H = px, .u = u, .tile = true};
    if (!(c->path = strdup("tile")))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    c->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, px, px);
    c->cr = cairo_create(c->surf);
    c->pages = 1;
    c->font = pango_font_description_from_string("Noto Sans CJK SC");
    return canvas_status(c, "making a tile");
}

void bytes_add(bytes *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = true;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void mem_write(png_structp png, png_bytep data, png_size_t n)
{
    bytes_add(png_get_io_ptr(png), data, n);
}

static void mem_flush(png_structp png)
{
    (void)png;
}

wg_status canvas_tile_png(canvas *c, unsigned char **png_out, size_t *len)
{
    *png_out = NULL, *len = 0;
    cairo_surface_flush(c->surf);
    const unsigned char *data = cairo_image_surface_get_data(c->surf);
    int stride = cairo_image_surface_get_stride(c->surf), w = (int)c->W, h = (int)c->H;
    unsigned char *row = malloc((size_t)w * 4);
    bytes b = {0};
    png_structp png = row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL) : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    bool ok = info != NULL;
    if (ok && setjmp(png_jmpbuf(png)) == 0) {
        png_set_write_fn(png, &b, mem_write, mem_flush);
        png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGBA,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_compression_level(png, 1);
        png_set_filter(png, 0, PNG_FILTER_NONE);
        png_write_info(png, info);
        /* cairo's ARGB32 is premultiplied, in native-endian words: straight RGBA bytes for PNG */
        for (int y = 0; y < h; y++) {
            const uint32_t *src =
                (const uint32_t *)(const void *)(data + (size_t)stride * (size_t)y);
            for (int x = 0; x < w; x++) {
                uint32_t v = src[x];
                unsigned a = v >> 24, r = (v >> 16) & 255, g = (v >> 8) & 255, bl = v & 255;
                unsigned char *o = row + 4 * x;
                if (a == 0) {
                    o[0] = o[1] = o[2] = o[3] = 0;
                } else {
                    o[0] = (unsigned char)((r * 255 + a / 2) / a);
                    o[1] = (unsigned char)((g * 255 + a / 2) / a);
                    o[2] = (unsigned char)((bl * 255 + a / 2) / a);
                    o[3] = (unsigned char)a;
                }
            }
            png_write_row(png, row);
        }
        png_write_end(png, NULL);
    } else {
        ok = false;
    }
    png_destroy_write_struct(&png, &info);
    free(row);
    if (!ok || b.failed) {
        free(b.p);
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory encoding a tile");
    }
    *png_out = b.p, *len = b.n;
    return WG_OK;
}

wg_status canvas_status(canvas *c, const char *what)
{
    cairo_status_t s = cairo_status(c->cr);
    if (s == CAIRO_STATUS_SUCCESS)
        s = cairo_surface_status(c->surf);
    if (s == CAIRO_STATUS_SUCCESS)
        return WG_OK;
    return wg_fail(c->ctx, s == CAIRO_STATUS_NO_MEMORY ? WG_ENOMEM : WG_EIO, "%s: %s: %s", c->path,
                   what, cairo_status_to_string(s));
}

wg_status canvas_next_page(canvas *c)
{
    if (c->fmt != WG_FMT_PDF)
        return wg_fail(c->ctx, WG_EINPUT, "%s: only a PDF holds several pages", c->path);
    cairo_show_page(c->cr);
    c->pages++;
    c->ntaken = 0;
    memset(c->furn, 0, sizeof c->furn);
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    return canvas_status(c, "drawing a page");
}

wg_status canvas_close(canvas *c, bool commit)
{
    if (!c->cr)
        return WG_OK;
    wg_status st = commit ? canvas_status(c, "drawing") : WG_OK;
    cairo_destroy(c->cr);
    if (c->tile) {
        cairo_surface_destroy(c->surf);
        pango_font_description_free(c->font);
        free(c->taken);
        free(c->path);
        *c = (canvas){0};
        return st;
    }
    if (st == WG_OK && commit && c->fmt == WG_FMT_PNG) {
        st = write_png(c);
    }
    cairo_surface_finish(c->surf);
    if (st == WG_OK && commit && cairo_surface_status(c->surf) != CAIRO_STATUS_SUCCESS)
        st = wg_fail(c->ctx, WG_EIO, "%s: writing the map failed: %s", c->path,
                     cairo_status_to_string(cairo_surface_status(c->surf)));
    cairo_surface_destroy(c->surf);
    wg_status ws = wg_atomic_end(c->ctx, c->out, st == WG_OK && commit);
    st = st != WG_OK ? st : ws;
    pango_font_description_free(c->font);
    free(c->taken);
    free(c->path);
    *c = (canvas){0};
    return st;
}

void canvas_view(canvas *c, rect frame, const double world[4])
{
    c->frame = frame;
    double ww = fmax(world[2] - world[0], 1e-9), wh = fmax(world[3] - world[1], 1e-9);
    c->s = fmin(frame.w / ww, frame.h / wh);
    double mx = (world[0] + world[2]) / 2, my = (world[1] + world[3]) / 2;
    double hw = frame.w / c->s / 2, hh = frame.h / c->s / 2;
    c->view[0] = mx - hw;
    c->view[1] = my - hh;
    c->view[2] = mx + hw;
    c->view[3] = my + hh;
}

wg_status canvas_take(canvas *c, rect r)
{
    if (wg_grow(c->ctx, (void **)&c->taken, &c->cap_taken, c->ntaken + 1, sizeof *c->taken) !=
        WG_OK)
        return wg_ctx_status(c->ctx);
    c->taken[c->ntaken++] = r;
    return WG_OK;
}

bool canvas_free_at(const canvas *c, rect r)
{
    for (size_t i = 0; i < c->ntaken; i++) {
        const rect *t = &c->taken[i];
        if (r.x < t->x + t->w && t->x < r.x + r.w && r.y < t->y + t->h && t->y < r.y + r.h)
            return false;
    }
    return true;
}
