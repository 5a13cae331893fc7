/* render/render_int.h (private): the canvas every map draws on, and what the drawing files
 * share. Units: "device units" are pixels (PNG) or points (PDF, SVG); c->u device units make
 * one typographic point, so text and line widths are given in points and look alike at any
 * page size. */
#ifndef WG_RENDER_INT_H
#define WG_RENDER_INT_H

#include "wg/mapdata.h"
#include "wg/plan.h"
#include "wg/render.h"
#include "wg/report.h"

#include <cairo.h>
#include <pango/pangocairo.h>

typedef struct rect {
    double x, y, w, h;
} rect;

typedef struct canvas {
    wg_ctx *ctx;
    wg_render_format fmt;
    cairo_surface_t *surf;
    cairo_t *cr;
    char *path;
    struct wg_atomic *out; /* the file being written (wg/atomic.h) */
    double W, H;           /* the page */
    double u;              /* device units per point */
    int pages;
    /* The map frame and the world box it shows (the view keeps the frame's aspect). */
    rect frame;
    double view[4];
    double s; /* device units per metre */
    /* Places labels and furniture took on this page. */
    rect *taken;
    size_t ntaken, cap_taken;
    size_t labels, dropped;
    rect furn[WG_FURN_N]; /* where the furniture went on this page (wg_render_info) */
    PangoFontDescription *font;
    bool tile; /* an image in memory, transparent, without furniture (canvas_open_tile) */
} canvas;

/* Bytes in memory, growing: what a tile is encoded into (PNG, MVT). After a failed append
 * (out of memory) `failed` stays set and later appends do nothing. */
typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    bool failed;
} bytes;
void bytes_add(bytes *b, const void *data, size_t n);

/* ---- canvas.c ---------------------------------------------------------------------------- */

/* Opens a page surface writing to a temporary file beside `path`. Errors: WG_EINPUT for a bad
 * size, paper or extension; WG_EIO when the folder is not writable. */
wg_status canvas_open(wg_ctx *ctx, canvas *c, const char *path, const wg_render_opts *o);
/* A square transparent image of px pixels in memory, u pixels to the point, for a tile: the
 * caller sets the view and the device matrix. */
wg_status canvas_open_tile(wg_ctx *ctx, canvas *c, int px, double u);
/* The tile's image as a PNG (RGBA, fast compression) in *png (malloc'd) of *len bytes. */
wg_status canvas_tile_png(canvas *c, unsigned char **png, size_t *len);
/* Ends the page and starts another (PDF only; a PNG or SVG holds one page). */
wg_status canvas_next_page(canvas *c);
/* Finishes the file and renames it into place (commit), or removes it. Frees everything. */
wg_status canvas_close(canvas *c, bool commit);
/* Shows `world` in `frame`, centred, with the scale that fits it whole. */
void canvas_view(canvas *c, rect frame, const double world[4]);
static inline double cx(const canvas *c, double x)
{
    return c->frame.x + c->frame.w / 2 + (x - (c->view[0] + c->view[2]) / 2) * c->s;
}
static inline double cy(const canvas *c, double y)
{
    return c->frame.y + c->frame.h / 2 - (y - (c->view[1] + c->view[3]) / 2) * c->s;
}
/* Marks a page area as taken (labels avoid it). */
wg_status canvas_take(canvas *c, rect r);
bool canvas_free_at(const canvas *c, rect r);
wg_status canvas_status(canvas *c, const char *what);

/* ---- draw.c: vector and raster layers ---------------------------------------------------- */

typedef struct style {
    wg_rgb fill, line;
    double fill_alpha, line_alpha; /* 0: none */
    double width;                  /* line width in points */
    const double *dash;            /* in points, or NULL */
    int ndash;
    double marker; /* point radius in points */
} style;

/* Builds the path of feature i (rings, lines, or nothing for points) in the frame. */
void draw_path(canvas *c, const wg_shapes *s, size_t i);
/* Fills and strokes feature i, clipped to the frame. Points get a disc marker. */
void draw_feature(canvas *c, const wg_shapes *s, size_t i, const style *st);
/* The same for a run of features, each in its own style, under one clip (a clip per feature
 * costs more than the feature): draw_begin, draw_one for each, draw_end. */
void draw_begin(canvas *c);
void draw_one(canvas *c, const wg_shapes *s, size_t i, const style *st);
void draw_end(canvas *c);
/* Draws features idx[0..n) (NULL: the first n) in one style, under one clip. */
void draw_set(canvas *c, const wg_shapes *s, const size_t *idx, size_t n, const style *st);
/* draw_set of every feature. */
void draw_all(canvas *c, const wg_shapes *s, const style *st);
/* The raster of values (grid as in wg/density.h) coloured by `rgba(value)`: an image laid
 * over the frame, resampled smoothly; in PDF an embedded image. */
typedef uint32_t (*color_fn)(double v, void *user);
wg_status draw_raster(canvas *c, const wg_raster_grid *g, const double *v, color_fn fn, void *user);
/* Premultiplied ARGB32 of a colour at an alpha. */
uint32_t argb(wg_rgb c, double alpha);
void set_rgb(cairo_t *cr, wg_rgb c, double alpha);
wg_rgb hex_rgb(unsigned hex);

/* The basemap: communities, buildings, streets, barriers, community names. */
typedef struct basemap {
    wg_map_feats communities, units, streets, barriers;
} basemap;
/* Buildings less than this many points across are specks: neither read nor drawn. */
#define SPECK 0.75
/* Reads the basemap layers meeting the canvas's view. */
wg_status basemap_load(const canvas *c, wg_ws *ws, basemap *b);
void basemap_free(basemap *b);
void basemap_draw(canvas *c, const basemap *b);
/* Community boundaries over the thematic layer, and their names. */
void basemap_draw_top(canvas *c, const basemap *b, bool names);

/* ---- text.c: labels with pango --------------------------------------------------------- */

enum { ALIGN_LEFT, ALIGN_CENTRE, ALIGN_RIGHT };
/* A layout of `text` at `size` points (bold when asked), wrapped at `wrap` device units when
 * wrap > 0. Caller unrefs it with g_object_unref(). */
PangoLayout *text_layout(canvas *c, const char *text, double size, bool bold, double wrap);
/* Its size in device units. */
void text_size(PangoLayout *l, double *w, double *h);
/* Draws a layout with its top-left at (x, y), with a white halo of `halo` points (0: none). */
void text_draw(canvas *c, PangoLayout *l, double x, double y, wg_rgb colour, double halo);
/* Draws text aligned at (x, y) (top edge); returns its height. */
double text_at(canvas *c, const char *text, double size, bool bold, double x, double y, int align,
               wg_rgb colour);
/* Places a label centred on (x, y) if its box is free of other labels and furniture and fits
 * within `room` device units across (0: any); returns whether it was placed (and counts it
 * in c->labels; the caller counts what it leaves out in c->dropped). */
bool label_place(canvas *c, const char *text, double size, bool bold, double x, double y,
                 double room, wg_rgb colour);

/* ---- furniture.c ------------------------------------------------------------------------- */

/* The page layout: title band, map frame, side panel, footer. */
typedef struct layout {
    rect title, frame, panel, footer;
} layout;
layout page_layout(const canvas *c);
/* Title and subtitle in the title band. */
void draw_title(canvas *c, const layout *L, const char *title, const char *subtitle);
/* Footer: period, CRS, source, the tool. */
void draw_footer(canvas *c, const layout *L, const char *period, const char *crs,
                 const char *source);
/* Scale bar (bottom left of the frame) and north arrow (top right): with draw false they only
 * take their place (before labels are placed); with draw true they are drawn. */
void draw_scalebar(canvas *c, bool draw);
void draw_north(canvas *c, bool draw);
/* The frame's border. */
void draw_frame(canvas *c);

typedef struct legend_entry {
    wg_rgb colour;
    double alpha;
    int shape; /* 0 box, 1 disc, 2 line, 3 hatched box */
    char text[160];
} legend_entry;
/* A legend in the panel from its top at *y: a heading (with unit), then entries; *y moves
 * below it. */
void draw_legend(canvas *c, const rect *panel, double *y, const char *heading,
                 const legend_entry *e, size_t n);
/* A paragraph of small text in the panel. */
void draw_note(canvas *c, const rect *panel, double *y, const char *text);
/* Legend entries of classes: "a – b" per class, coloured along the ramp. */
size_t class_entries(const wg_ramp *r, const double *breaks, size_t nclasses, double alpha,
                     legend_entry *e);
/* "1,234" / "12.5" / "0.034": a number for people (3 significant figures at most for
 * fractions). */
void fmt_num(double v, char *buf, size_t n);
/* A count with thousands separated (7,633,929); returns buf. */
const char *fmt_int(long long v, char *buf, size_t n);

/* ---- chart.c: tables and histograms for the audit and the atlas -------------------------- */

typedef struct table_col {
    const char *head;
    double width; /* points */
    int align;
} table_col;
/* Writes cell (row, col)'s text into buf. */
typedef void (*table_cell_fn)(void *user, size_t row, size_t col, char *buf, size_t n);
/* Draws rows from `row` on, from *y down to `bottom`, with a header; returns the first row
 * that did not fit (nrows when all did). *y moves below the table. */
size_t draw_table(canvas *c, double x, double *y, double bottom, const table_col *cols,
                  size_t ncols, table_cell_fn cell, void *user, size_t row, size_t nrows,
                  double size);
/* A histogram of x in box r: `nbins` bars between lo and hi, vertical marks at marks[]
 * (labelled), axis labels. */
void draw_histogram(canvas *c, rect r, const double *x, size_t n, double lo, double hi,
                    size_t nbins, const double *marks, const char *const *mark_names, size_t nmarks,
                    const char *xlabel);

/* ---- maps.c: the recipes ----------------------------------------------------------------- */

/* The legend and texts a recipe makes for the furniture. */
typedef struct theme {
    legend_entry e[24];
    size_t ne;
    char heading[160];
    char note[512];
    char title[320];
    char sub[400];
} theme;

/* Incidents bucketed on a G x G grid over their extent, for tiles to find theirs at once. */
typedef struct tile_base {
    wg_map_points pts; /* sorted by bucket */
    double ext[4];     /* the buckets' extent */
    size_t G;
    size_t *start; /* G * G + 1 offsets into pts */
    int refs;      /* themes sharing it (atomic) */
} tile_base;

/* What every tile of one map shares (tile.c; NULL for a printed map): the classes, the colour
 * order of categories and camera kinds, the per-cell values of the report, and the incidents
 * the options select, bucketed on a grid so that a tile finds its own at once. */
struct wg_tile_theme {
    wg_map_kind kind;
    wg_render_opts o; /* as made (categories and files borrowed: see wg_tile_theme_make) */
    double breaks[10];
    size_t k; /* classes (0: none) */
    /* incidents (heatmap, incidents): those read when the map's theme was first made, shared
     * by the themes extended from it, and the ones each extension added */
    struct tile_base *base;
    double *xy_more; /* 2 per incident added */
    uint16_t *cat_more;
    size_t nmore;
    /* cells (workload, rate, coverage): codes sorted, their values and workload flags */
    size_t ncells;
    char **codes;
    double *val;
    signed char *flag;
    double over, under;
    char kinds[8][32]; /* camera kinds */
    size_t nkinds;
    wg_plan_detail plan; /* the plan map: the active plan, its range and issues */
    wg_weight_name weight;
};

/* What every map needs before it draws: the view, the page, the furniture texts. */
typedef struct map_ctx {
    wg_ws *ws;
    const wg_render_opts *o;
    canvas *c;
    layout L;
    int64_t plan;
    char plan_name[128];
    wg_weight_name weight; /* what the units' households field counts */
    double view[4];
    char period[96];
    char source[256];
    wg_render_info *info;
    double panel_y;          /* after map_draw: where the panel's legend and notes end */
    const wg_tile_theme *tt; /* a tile: the classes and colours all its map's tiles share */
} map_ctx;

/* Sets up a map of `kind` on the current page of c: the plan, the view, the layout. */
wg_status map_begin(wg_ws *ws, const wg_render_opts *o, wg_map_kind kind, canvas *c, map_ctx *m,
                    wg_render_info *info);
/* Copies the page's geometry into info. */
void info_page(const canvas *c, wg_render_info *info);
/* Draws a document into path: the map of `kind` on its first page (a document, named `what`,
 * must be a PDF and shows the whole plan there, titled title_fmt followed by the plan name unless
 * o->title), then whatever `more` adds; the file is renamed into place on success. */
typedef wg_status (*doc_fn)(map_ctx *m, void *user);
wg_status render_doc(wg_ws *ws, const wg_render_opts *o, const char *path, wg_map_kind kind,
                     const char *what, const char *title_fmt, doc_fn more, void *user,
                     wg_render_info *info);
/* The target and range a plan was made with (250, 200-300 when it records none). */
void plan_range(const wg_plan_params *p, double *target, double *lo, double *hi);

/* The world box a map of this kind shows (bbox, else community, else the plan's cells or the
 * communities). */
wg_status map_view(wg_ws *ws, const wg_render_opts *o, int64_t plan, double view[4]);
/* Draws one map on the current page of c (the recipe, the basemap and the furniture). */
wg_status map_draw(map_ctx *m, wg_map_kind kind);
/* The period text: o->period_text, else the dates first..last (UTC), else "all time". */
void period_text(const wg_render_opts *o, int64_t first, int64_t last, char *buf, size_t n);

/* A heatmap's density raster and its classes: made apart from the drawing, so that another
 * thread (with its own connection to the workspace) can make it while the basemap is read and
 * drawn. Reads only h's inputs; fills its results. */
typedef struct heat {
    /* inputs */
    const wg_render_opts *o;
    double view[4], scale; /* the map's view and scale (device units per metre) */
    wg_render_format fmt;
    bool grid_given;         /* g is set: use it (the view is then its extent) */
    const wg_tile_theme *tt; /* take the incidents from a tile theme's, not the workspace */
    bool breaks_given;       /* breaks and k are set: classify nothing; no incident is fine */
    /* results */
    size_t n;            /* incidents */
    int64_t first, last; /* their reported times */
    wg_raster_grid g;
    double *ras;
    size_t hot;     /* the densest pixel */
    size_t nonzero; /* pixels with density */
    double breaks[10];
    size_t k; /* classes */
} heat;
/* The grid of pixel-metre pixels covering view whose edges lie on the multiples of pixel in
 * the CRS (as gdalwarp -tap aligns them), so that rasters of one pixel size line up pixel for
 * pixel whatever their area: the heatmap's grid when a pixel size is asked for. */
wg_status heat_grid_aligned(wg_ctx *ctx, const double view[4], double pixel, wg_raster_grid *g);
/* Makes h's raster (h->ras, which the caller frees, also on failure) from the incidents the
 * options ask for within the view grown by the radius, and its classes (breaks[0] = 0, the
 * last break the raster's maximum). Errors: WG_EINPUT when no incident (or no density) is in
 * the view. */
wg_status heat_compute(wg_ws *ws, heat *h);

/* The ramp the options name, else dflt. */
const wg_ramp *ramp_or(const wg_render_opts *o, const char *dflt);
/* The cell maps' measure of a report row (NaN without one): workload index, incidents per 100
 * households, seen share of open ground in %; their ramp; coverage's fixed classes (%). */
double cell_measure(wg_map_kind kind, const wg_report_row *row);
const wg_ramp *cell_ramp(const wg_render_opts *o, wg_map_kind kind);
extern const double COVERAGE_PCT[6];
/* The heatmap's legend entries for k classes with breaks[0..k] (k entries). */
size_t heat_legend(const wg_render_opts *o, const double *breaks, size_t k, legend_entry *e);
/* The recipes (maps.c) that tiles draw too. */
wg_status recipe_heatmap(map_ctx *m, theme *t);
wg_status recipe_incidents(map_ctx *m, theme *t);
wg_status recipe_plan(map_ctx *m, theme *t, wg_map_feats *keep);
wg_status recipe_cells(map_ctx *m, wg_map_kind kind, theme *t, wg_map_feats *cells);
wg_status camera_views_current(map_ctx *m);
wg_status draw_cameras(map_ctx *m, theme *t, bool blind, bool by_kind);
wg_status cell_outlines(map_ctx *m, wg_map_feats *keep);
/* Fills the cells by the class of val[i] (fixed breaks, or classified), outlines them. */
wg_status choropleth(map_ctx *m, const wg_map_feats *cells, const double *val, const wg_ramp *ramp,
                     const double *fixed, size_t nfixed, legend_entry *e, size_t *ne);
/* The incidents p drawn as discs coloured by category (p->cat; ncat categories in colour order,
 * the first nine their own colour, the rest grey), the rarest last; the discs smaller the more
 * incidents (size_n) the view holds. */
void draw_points(canvas *c, const wg_map_points *p, size_t ncat, size_t size_n,
                 const wg_render_opts *o);

/* ---- tile.c: what the tiles of one map share --------------------------------------------- */

/* The theme's incidents within bbox (the filter of the options it was made with), as points
 * whose cat indexes the theme's categories. The arrays are the caller's (wg_map_points_free);
 * category names stay the theme's (out->category is NULL). */
wg_status tile_points(wg_ctx *ctx, const wg_tile_theme *tt, const double bbox[4],
                      wg_map_points *out);
#define TILE_SIDE 256 /* pixels a side of a tile at scale 1 */

/* Where tile z/x/y of W pixels a side lies in the workspace CRS: its corners (0,0), (W,0),
 * (0,W) at P, world -> pixel as px = a (X - P0x) + b (Y - P0y), py = c (X - P0x) + d (Y - P0y),
 * the world box of its four corners, and about how many pixels make a metre. Errors: WG_EINPUT
 * for a tile that does not exist or a workspace without a CRS. */
typedef struct tile_geo {
    double P[6];
    double a, b, c, d;
    double box[4];
    double s;
} tile_geo;
wg_status tile_geo_of(wg_ws *ws, int z, int x, int y, double W, tile_geo *g);
/* The camera kinds in colour order, as the whole layer has them. */
size_t tile_camera_kinds(const wg_tile_theme *tt, char kinds[8][32]);

/* ---- geotiff.c: the heatmap's raster for other tools --------------------------------------- */

/* The heatmap of o as a GeoTIFF at path (see wg_render in wg/render.h). */
wg_status heat_geotiff(wg_ws *ws, const wg_render_opts *o, const char *path, wg_render_info *info);

#endif
