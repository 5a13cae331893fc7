/* wg/render.h: maps of the workspace — heatmaps, incidents, plans, workload, coverage,
 * cameras, plan differences — as PNG, PDF or SVG; the plan audit and the atlas as multi-page
 * PDFs. Every map carries its furniture: title, legend with units and class breaks, scale bar,
 * north arrow, data period, CRS and source. Files are written to a temporary file beside the
 * destination and renamed into place, so a killed job never leaves half a map. */
#ifndef WG_RENDER_H
#define WG_RENDER_H

#include "wg/density.h"
#include "wg/ramp.h"
#include "wg/ws.h"

typedef enum wg_map_kind {
    WG_MAP_HEATMAP,   /* kernel density of incidents, incidents/km², over the basemap */
    WG_MAP_INCIDENTS, /* incidents as points coloured by category */
    WG_MAP_PLAN,      /* a plan's cells with their codes, shaded by household deviation */
    WG_MAP_WORKLOAD,  /* cells shaded by the workload index (wangge report) */
    WG_MAP_RATE,      /* cells shaded by incidents per 100 households over the period */
    WG_MAP_COVERAGE,  /* cells by camera-seen share of open ground, blind spots, camera views */
    WG_MAP_CAMERAS,   /* cameras with their view sectors over the cells */
    WG_MAP_DIFF,      /* two plans: cells added, changed and kept, and the old boundaries */
    WG_MAP_BASE,      /* the basemap alone: communities, buildings, streets, barriers */
    WG_MAP_COUNT
} wg_map_kind;

/* "heatmap", "incidents", ... as above; false when unknown. */
bool wg_map_kind_parse(const char *s, wg_map_kind *k);
const char *wg_map_kind_name(wg_map_kind k);

/* WG_FMT_TIF is not a drawing: the heatmap's density raster itself, as a GeoTIFF. */
typedef enum wg_render_format { WG_FMT_PNG, WG_FMT_PDF, WG_FMT_SVG, WG_FMT_TIF } wg_render_format;
/* The format from a file name's extension (.png, .pdf, .svg, .tif or .tiff, any case); false
 * otherwise. */
bool wg_render_format_of(const char *path, wg_render_format *f);

typedef struct wg_render_opts {
    /* Page. PNG and SVG: width x height pixels (default 1600 x 1200), or a paper size at
     * `dpi` (default 150). PDF: the paper (default A4 landscape); width/height in pixels are
     * then ignored. Paper: "A4", "A3", "A2", with "-portrait" or "-landscape" (default). */
    int width, height;
    const char *paper;
    double dpi;
    /* What is shown: the bounding box {minx, miny, maxx, maxy} in the workspace CRS, else
     * one community, else everything. */
    const double *bbox;
    const char *community;
    const char *plan;   /* plan name or id; NULL: the active one. diff: the old plan */
    const char *plan_b; /* diff: the new plan; NULL: the active one */
    /* Incidents: reported in [from, to) (UTC s; INT64_MIN / INT64_MAX: open), of these
     * categories (NULL: all). period_text names the period in the furniture; NULL: the
     * dates of the first and last incident drawn. */
    int64_t from, to;
    const char *const *categories;
    size_t ncategories;
    const char *period_text;
    const char *title; /* NULL: a title made from the map kind and the plan */
    /* Heatmap. */
    wg_kernel kernel;
    double radius_m;   /* 0: 150 m */
    double pixel_m;    /* raster pixel; 0: about one screen pixel */
    bool weight_hours; /* weight incidents by their category's handling hours */
    double opacity;    /* of the heatmap and fills over the basemap; 0: 0.75 */
    /* Classes: ramp name (NULL: the map's own), method, count (0: 5; 2..9). */
    const char *ramp;
    wg_class_method classify;
    int classes;
    const char *categories_file, *weights_file; /* as for wangge report */
    const char *source; /* the source line; NULL: the workspace file's name */
} wg_render_opts;

/* The defaults above (from = INT64_MIN, to = INT64_MAX, quartic kernel, quantiles). */
void wg_render_opts_init(wg_render_opts *o);

/* What a map shows, for callers that check or print it. Page coordinates are device units:
 * pixels for PNG, points for PDF and SVG, y down. */
typedef struct wg_render_info {
    int pages;
    double width, height;          /* of a page */
    double frame[4];               /* the map frame: x, y, width, height */
    double view[4];                /* the world box the frame shows */
    double scale;                  /* device units per metre */
    size_t features;               /* features drawn (cells, points, ...) */
    size_t labels, labels_dropped; /* placed, and left out for want of room */
    /* The thematic values: class bounds (nbreaks = classes + 1), as in the legend. */
    double breaks[10];
    size_t nbreaks;
    char unit[48];         /* of the breaks: "incidents/km²", "index", ... */
    char heading[160];     /* the legend's heading, as drawn */
    double value_max;      /* heatmap: the raster's maximum; cells: the largest value */
    double hot_x, hot_y;   /* heatmap: the world centre of the maximum pixel */
    double hot_px, hot_py; /* ... and where it lands on the page */
    size_t points;         /* incidents drawn or counted */
    /* Heatmap: the density raster's grid (its pixel px = py, in metres) and how many of its
     * pixels have any density (the footprint drawn; the rest is left clear). */
    wg_raster_grid grid;
    size_t nonzero;
    /* Where the furniture of the first page was drawn, each x, y, width, height (all 0 for
     * one the map has not): the title band, the legend, the scale bar, the north arrow. */
    double furniture[4][4];
    double seconds;
} wg_render_info;
enum { WG_FURN_TITLE, WG_FURN_LEGEND, WG_FURN_SCALEBAR, WG_FURN_NORTH, WG_FURN_N };

/* Draws one map into `path` (its extension gives the format).
 *
 * A heatmap into a .tif or .tiff is its density raster instead of a drawing: a GeoTIFF
 * (wg_raster_write_geotiff) of one Float64 band holding the very values the map's classes come
 * from (incidents, or handling hours, per km²), in the workspace CRS, with the map's class
 * breaks, kernel, radius, pixel, period, categories and incident count as metadata. Pixels of
 * zero density hold 0, and 0 is the band's nodata value, so a GIS shows the footprint the map
 * shows. Its grid: the map's area (--bbox, --community, the plan, or the data) in pixels of
 * pixel_m metres whose edges lie on the multiples of pixel_m in the CRS (a drawn heatmap's
 * too, so rasters of different areas line up); without pixel_m, width x height square pixels (by
 * default 1600 x 1200) centred on it, the area fitted inside as a PNG's frame fits it.
 * Refused (WG_EINPUT, naming the option) for a GeoTIFF: another map kind, width/height and
 * pixel_m together, and what only a drawing has (paper, dpi, ramp, opacity).
 *
 * Errors: WG_EINPUT for a bad
 * option (naming it), an unknown plan or community, a workspace without what the map needs
 * (no plan, no assignment for workload or coverage, no incidents for a heatmap); WG_EIO when
 * the file cannot be written; WG_ESQL, WG_EGEOS, WG_ENOMEM. info may be NULL. */
wg_status wg_render(wg_ws *ws, wg_map_kind kind, const wg_render_opts *o, const char *path,
                    wg_render_info *info);

/* The plan audit, a multi-page PDF (path must end in .pdf): overview map; households and
 * deviation per cell; compactness; the plan's issues with their causes (barrier crossings
 * among them); camera coverage and blind spots; closed-loop figures per cell when the
 * assignment is current. */
wg_status wg_render_audit(wg_ws *ws, const wg_render_opts *o, const char *path,
                          wg_render_info *info);

/* The atlas, a multi-page PDF: an overview page, then one page per community with its map
 * and a table of its cells (and their workers and workload when the report can be made). */
wg_status wg_render_atlas(wg_ws *ws, const wg_render_opts *o, const char *path,
                          wg_render_info *info);

/* ---- Tiles: the maps in Web Mercator, for the command center's page -------------------------
 * XYZ tiles (z/x/y as OpenStreetMap numbers them), 256 pixels a side (x scale for HiDPI),
 * transparent where the map has nothing, drawn by the same recipes and styles as the printed
 * maps, without furniture or labels. Tiles side by side must agree, so whatever the printed map
 * derives from its view (classes, the colour order of categories and camera kinds, the report's
 * per-cell values) a tile takes from a theme made once for the whole map. */
typedef struct wg_tile_theme wg_tile_theme;

/* The theme of map `kind` (any but diff) under the options' period, categories, radius,
 * kernel, ramp and classes: reads what the map derives from the whole workspace (for the
 * heatmap and incidents map, the selected incidents themselves, bucketed for tiles). Made from
 * one snapshot; immutable after, so any number of threads may draw tiles from it. Errors:
 * WG_EINPUT (a period or categories file that is wrong, no active plan for a cell map), and
 * those of the readers. */
wg_status wg_tile_theme_make(wg_ws *ws, wg_map_kind kind, const wg_render_opts *o,
                             wg_tile_theme **out);
void wg_tile_theme_free(wg_tile_theme *t);
/* The theme of a heatmap or incidents map brought up to date with the incidents written after
 * version `since` (when there were `known` incidents), sharing t's: when every one of them is
 * new (none that t has changed, which may have moved) and of a category t colours, and they
 * are not too many (a twentieth of t's, or 50,000); its classes stay t's. *out is NULL
 * otherwise: make the theme anew. *xy (2 per incident, the caller frees) and *n say where the
 * added incidents lie. */
wg_status wg_tile_theme_extend(wg_ws *ws, const wg_tile_theme *t, int64_t since, size_t known,
                               wg_tile_theme **out, double **xy, size_t *n);
/* The theme's classes, for the page's legend: k classes with breaks[0..k]; 0 when the map has
 * none (plan's are fixed by the plan's range; incidents and cameras have none). */
size_t wg_tile_theme_breaks(const wg_tile_theme *t, double breaks[10]);
/* One entry of a map's legend: its colour (0 to 1) and opacity, and its text. */
typedef struct wg_legend_item {
    double r, g, b, alpha;
    char text[160];
} wg_legend_item;
/* The legend of the theme's map, as the printed map has it: its heading into heading[160] and
 * at most max entries into items (the classes from low to high, or the categories and camera
 * kinds in their colours); returns how many (0 for the basemap). */
size_t wg_tile_theme_legend(const wg_tile_theme *t, char heading[160], wg_legend_item *items,
                            size_t max);
/* The incidents the theme holds (heatmap and incidents maps; 0 otherwise). */
size_t wg_tile_theme_points(const wg_tile_theme *t);
/* Whether tiles of a and b (of one map) colour alike: the same classes, category and camera
 * kind colours. (The heatmap's breaks are kept to three significant figures, as its legend
 * shows them, so that a few more incidents seldom change them.) */
bool wg_tile_theme_same_classes(const wg_tile_theme *a, const wg_tile_theme *b);
/* How far from an incident its mark reaches on the map, in metres (the heatmap: the kernel
 * radius; the incidents map: 0, its disc being a few pixels at any zoom). */
double wg_tile_theme_reach(const wg_tile_theme *t);

/* Tile z/x/y of the theme's map at `scale` (1 to 4: 256 x scale pixels), as PNG bytes in *png
 * (the caller frees) of *len bytes; box (unless NULL) gets the world box the tile shows in the
 * workspace CRS, grown by 8 pixels for marks drawn across its edge. Reads the cells, camera views
 * and basemap features of the tile from ws (the same snapshot the theme was made from, or a later
 * one). Errors: WG_EINPUT for a tile that does not exist, a workspace without a CRS, no active plan
 * for a cell map. */
wg_status wg_render_tile(wg_ws *ws, const wg_tile_theme *t, int z, int x, int y, int scale,
                         unsigned char **png, size_t *len, double box[4]);

/* Tile z/x/y as a Mapbox Vector Tile (2.1, extent 4096, 64 units of buffer) in *out (the caller
 * frees) of *len bytes, for clients that style the features themselves: of a plan theme, layer
 * "cells" (polygons; code, community, households, units, in_range 1/0 against the plan's
 * range); of an incidents theme, layer "incidents" (points; category). box as for
 * wg_render_tile. Errors: WG_EINPUT for another theme or a tile that does not exist. */
wg_status wg_render_tile_mvt(wg_ws *ws, const wg_tile_theme *t, int z, int x, int y,
                             unsigned char **out, size_t *len, double box[4]);

#endif
