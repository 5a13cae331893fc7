/* wg/vio.h: vector sources and destinations through GDAL/OGR, with PROJ reprojection, the
 * GCJ-02/BD-09 correction and geometry validation. Plain data in and out: fields are text,
 * geometries are wg_geom values (wg/geom.h) in the target CRS. Knows nothing of layers'
 * meanings. */
#ifndef WG_VIO_H
#define WG_VIO_H

#include "wg/core.h"
#include "wg/geom.h"

typedef enum wg_shift {
    WG_SHIFT_NONE = 0,
    WG_SHIFT_GCJ02, /* source lon/lat are GCJ-02 (Amap, Tencent): corrected to WGS 84 */
    WG_SHIFT_BD09   /* source lon/lat are BD-09 (Baidu): corrected to WGS 84 */
} wg_shift;

/* ---- Sources ---------------------------------------------------------------------------- */

typedef struct wg_src_opts {
    const char *layer;   /* layer name; NULL: the first (and usually only) layer */
    const char *src_crs; /* assigns the source CRS (EPSG:N, WKT, PROJ string); NULL: its own */
    const char *dst_crs; /* CRS to reproject to ("EPSG:N"); NULL: keep the source's */
    wg_shift shift;      /* applied to lon/lat before reprojection; needs a geographic source */
    bool no_repair;      /* invalid polygons become a problem instead of being repaired */
    const char *x_field, *y_field; /* CSV: the coordinate columns, instead of guessing them */
    const char *const *columns;    /* CSV without a header row: the names of its columns, in
                                      order (their count must match the file's); borrowed */
    size_t ncolumns;               /* 0: the first line is the header */
} wg_src_opts;

typedef struct wg_src wg_src;

/* Opens one layer of anything OGR reads. A path ending in .gz is read through /vsigzip/; a
 * path starting with "PG:" is a PostGIS connection string. CSV files get their geometry from
 * columns named x/y, lon/lat, long/lat, lng/lat, longitude/latitude (any case) or 经度/纬度;
 * lon/lat columns imply EPSG:4326, x/y ones need `src_crs`. CSV rows are checked against the
 * header's column count before anything is read, so a short or long row fails naming its line. With
 * `columns` (a CSV without a header row) the first line is a record and the columns take the given
 * names; a count that differs from the file's is an error naming both. Errors (WG_EINPUT, message
 * naming the path): missing file, a format OGR cannot read, a missing layer, a source with geometry
 * but no CRS and no `src_crs`, a shift asked for on a projected source. Caller frees with
 * wg_src_close(). */
wg_status wg_src_open(wg_ctx *ctx, const char *path, const wg_src_opts *opts, wg_src **out);
void wg_src_close(wg_src *src);

/* Number of features when OGR knows it cheaply, else -1. */
int64_t wg_src_count(const wg_src *src);
size_t wg_src_nfields(const wg_src *src);
const char *wg_src_field_name(const wg_src *src, size_t i);
/* Index of the field named `name` (case-insensitive), or -1. */
int wg_src_field(const wg_src *src, const char *name);
/* Whether the source is a CSV file, whose points come from two of its columns; *x and *y get
 * those columns' indexes (-1 when it has none). Other sources: false, and -1, -1. */
bool wg_src_coord_fields(const wg_src *src, int *x, int *y);
/* The layer's geometry kind (WG_G_NONE for a table, WG_G_ANY when OGR says "unknown"). */
wg_gkind wg_src_gkind(const wg_src *src);
/* Where the layer's data is, in WGS 84 lon/lat: the mean of its features' centers, leaving out
 * those at 0,0 or out of range (a few stray points must not move a city into the ocean); at
 * most the first 200,000 features are read. WG_EINPUT when no feature has a usable place. */
wg_status wg_src_center_lonlat(wg_ctx *ctx, wg_src *src, double *lon, double *lat);

typedef struct wg_feat {
    int64_t fid;       /* OGR feature id */
    char label[48];    /* how messages name it: "feature 17", or "line 18" for CSV */
    wg_geom *geom;     /* in dst_crs, valid; NULL when the layer has no geometry or when
                          `problem` is set. Owned by the source until the next call. */
    char problem[256]; /* "" when the geometry is usable, else what is wrong with it */
    bool repaired;     /* the geometry was invalid and GEOS MakeValid repaired it */
    char note[160];    /* when repaired: why it was invalid ("Self-intersection at 3 4") */
} wg_feat;

/* Reads the next feature into *f. *eof is set true (and *f untouched) after the last one.
 * A bad geometry (none, empty, a NaN or infinite coordinate, lon/lat out of range, a point at
 * exactly 0,0, one PROJ cannot transform, a polygon that repairs to nothing) is not an error:
 * f->problem says what is wrong and the caller decides. Read errors (a truncated file) are
 * errors naming the path and the last good feature. */
wg_status wg_src_next(wg_ctx *ctx, wg_src *src, wg_feat *f, bool *eof);

/* Field i of the current feature as text, or NULL when it is null or unset. Dates and times
 * come as ISO 8601 ("2012-07-01T13:05:00", with "Z" or "+hh:mm" when OGR knows the zone).
 * Borrowed until the next wg_src_next(). */
const char *wg_src_str(wg_src *src, size_t i);

/* ---- Destinations ----------------------------------------------------------------------- */

typedef enum wg_ftype { WG_F_INT, WG_F_REAL, WG_F_TEXT } wg_ftype;
typedef struct wg_field_def {
    const char *name;
    wg_ftype type;
} wg_field_def;
typedef struct wg_value {
    bool null;
    int64_t i;     /* WG_F_INT */
    double r;      /* WG_F_REAL */
    const char *s; /* WG_F_TEXT */
} wg_value;

typedef struct wg_dst wg_dst;

/* Creates a one-layer vector file; the format follows the extension: .gpkg, .shp, .geojson or
 * .json, .fgb, .csv (points as x,y columns, other geometries as WKT), .sqlite, .gml, .kml.
 * Everything is written into a temporary folder beside `path` and only wg_dst_commit() moves
 * it into place, so a killed job never leaves a half-written file. `crs` is "EPSG:N" or NULL.
 * Caller ends it with wg_dst_commit() or wg_dst_abort(). */
wg_status wg_dst_open(wg_ctx *ctx, const char *path, const char *layer, const char *crs,
                      wg_gkind gkind, const wg_field_def *fields, size_t nfields, wg_dst **out);
/* Adds one feature: `g` (may be NULL; borrowed) and one value per field, in field order. */
wg_status wg_dst_add(wg_ctx *ctx, wg_dst *dst, const wg_geom *g, const wg_value *vals);
/* Same, with a point given by its coordinates (no geometry object; for bulk writers). */
wg_status wg_dst_add_xy(wg_ctx *ctx, wg_dst *dst, double x, double y, const wg_value *vals);
/* Finishes the file and renames it into place (replacing an older one). Frees dst always. */
wg_status wg_dst_commit(wg_ctx *ctx, wg_dst *dst);
/* Drops everything written. Frees dst; NULL does nothing. */
void wg_dst_abort(wg_dst *dst);

/* The geometry helpers (WKB in and out, the stored multi form, kinds) are in wg/geom.h. */

#endif
