/* wg/raster.h: one-band rasters of doubles to and from GeoTIFF, through GDAL, for other tools
 * (QGIS, ArcGIS, GDAL, rasterio). The lattice is a wg_raster_grid (wg/density.h): value
 * v[r * cols + c] is the pixel of column c from the west and row r from the north, and the file
 * gets the north-up geotransform {xmin, px, 0, ymax, 0, -py}. Plain arrays and strings in and
 * out; knows nothing of what the values mean. */
#ifndef WG_RASTER_H
#define WG_RASTER_H

#include "wg/core.h"
#include "wg/density.h"

#include <stdbool.h>
#include <stddef.h>

/* One metadata item. Keys are what GDAL accepts as a metadata name: letters, digits and '_'. */
typedef struct wg_kv {
    const char *key, *value;
} wg_kv;

/* What goes into the file besides the values. {0} is valid: no CRS, no nodata, no texts. */
typedef struct wg_raster_meta {
    const char *crs;         /* "EPSG:N" (or any text OSRSetFromUserInput takes); NULL: none */
    bool has_nodata;         /* declare `nodata` as the band's nodata value */
    double nodata;           /* finite */
    const char *description; /* the band's description; NULL: none */
    const char *unit;        /* the band's unit type, e.g. "incidents per km²"; NULL: none */
    const char *software;    /* TIFFTAG_SOFTWARE; NULL: none */
    const char *title;       /* TIFFTAG_IMAGEDESCRIPTION; NULL: none */
    const wg_kv *items;      /* dataset metadata, default domain, in this order */
    size_t nitems;
} wg_raster_meta;

/* Writes grid's values (cols * rows doubles, see the top of this file) to `path` as a GeoTIFF:
 * one Float64 band, so the file holds the very numbers given, bit for bit; DEFLATE compression
 * with the floating-point predictor (3); 256 x 256 tiles; BigTIFF when the file might pass
 * 4 GB. The file is written through wg/atomic.h: GDAL writes a temporary file beside `path`,
 * which replaces `path` only once complete, so a failure, a full disk or WG_EINTR leaves the old
 * file (or none) and no temporary. Nothing else is written (no .aux.xml).
 *
 * Errors: WG_EINPUT for a path not ending in .tif or .tiff, a grid wg_raster_grid_by_size would
 * refuse, a non-finite nodata, an unknown CRS or a bad metadata key (naming it); WG_EGDAL when
 * GDAL cannot be loaded or has no GTiff driver; WG_EIO when the file cannot be written (naming
 * it and GDAL's reason); WG_EINTR when wg_ctx_cancel() stops it; WG_ENOMEM. */
wg_status wg_raster_write_geotiff(wg_ctx *ctx, const char *path, const wg_raster_grid *grid,
                                  const double *values, const wg_raster_meta *meta);

/* A raster file read back whole (wg_raster_read). */
typedef struct wg_raster_file {
    wg_raster_grid grid; /* from the file's geotransform */
    double *values;      /* cols * rows, row 0 the northernmost, as doubles */
    char type[16];       /* the band's data type as GDAL names it: "Float64", "Byte", ... */
    int bands;           /* bands in the file (the first is read) */
    int epsg;            /* the SRS's EPSG code; 0 when it has none or the file has no SRS */
    bool has_nodata;
    double nodata;
    char *description, *unit; /* the band's; "" when unset */
    char **items;             /* default-domain metadata, "KEY=VALUE", NULL-terminated */
    /* How it is stored (the IMAGE_STRUCTURE domain and the band's blocks). */
    char compression[32]; /* "DEFLATE", ...; "" when uncompressed */
    int predictor;        /* 0 when none is declared */
    int block_cols, block_rows;
} wg_raster_file;

/* Reads the first band of the raster at `path` (any format GDAL reads) into *out, which the
 * caller frees with wg_raster_file_fini. Errors: WG_EIO when GDAL cannot open it (naming the
 * path and GDAL's reason); WG_EINPUT when it is not north-up (a rotated or south-up
 * geotransform) or too large for a wg_raster_grid; WG_EGDAL; WG_ENOMEM. *out is written only
 * on success. */
wg_status wg_raster_read(wg_ctx *ctx, const char *path, wg_raster_file *out);

/* The value of metadata item `key` (case-sensitive), or NULL. Borrowed from f. */
const char *wg_raster_file_item(const wg_raster_file *f, const char *key);

/* Frees what wg_raster_read allocated and zeroes *f; f may be NULL or zeroed. */
void wg_raster_file_fini(wg_raster_file *f);

#endif
