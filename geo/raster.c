/* geo/raster.c: one-band rasters to and from GeoTIFF through GDAL (loaded on first use, see
 * gdal_load.h). Plain arrays in and out: knows nothing of densities or incidents. */
#include "wg/raster.h"

#include "gdal_load.h"
#include "wg/atomic.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static bool key_ok(const char *k)
{
    if (!k || !*k)
        return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

static wg_status check_write_args(wg_ctx *ctx, const char *path, const wg_raster_grid *g,
                                  const wg_raster_meta *m)
{
    if (!g || !path || !(has_suffix(path, ".tif") || has_suffix(path, ".tiff")))
        return wg_fail(ctx, WG_EINPUT, "%s: a GeoTIFF's name must end in .tif or .tiff",
                       path ? path : "(no path)");
    wg_raster_grid check;
    wg_status st = wg_raster_grid_by_size(ctx, g->xmin, g->ymax - (double)g->rows * g->py,
                                          g->xmin + (double)g->cols * g->px, g->ymax, g->cols,
                                          g->rows, &check);
    if (st != WG_OK) {
        wg_ctx_where(ctx, "%s: ", path);
        return st;
    }
    if (g->cols > INT32_MAX || g->rows > INT32_MAX)
        return wg_fail(ctx, WG_EINPUT, "%s: a raster of %zux%zu pixels is too large", path, g->cols,
                       g->rows);
    if (m->has_nodata && !isfinite(m->nodata))
        return wg_fail(ctx, WG_EINPUT, "%s: the nodata value %g is not finite", path, m->nodata);
    for (size_t i = 0; i < m->nitems; i++)
        if (!key_ok(m->items[i].key) || !m->items[i].value)
            return wg_fail(ctx, WG_EINPUT,
                           "%s: metadata item %zu: bad key '%s' (letters, digits and _ only) or "
                           "no value",
                           path, i, m->items[i].key ? m->items[i].key : "(null)");
    return WG_OK;
}

/* The dataset's SRS, georeferencing, band texts and metadata. */
static wg_status describe(wg_ctx *ctx, const char *path, GDALDatasetH ds, const wg_raster_grid *g,
                          const wg_raster_meta *m, wg__gdal_err *ge)
{
    double gt[6] = {g->xmin, g->px, 0, g->ymax, 0, -g->py};
    if (GDALSetGeoTransform(ds, gt) != CE_None)
        return wg_fail(ctx, WG_EIO, "%s: cannot set the geotransform: %s", path, ge->msg);
    if (m->crs) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        wg_status st = WG_OK;
        if (!srs || OSRSetFromUserInput(srs, m->crs) != OGRERR_NONE)
            st = wg_fail(ctx, WG_EINPUT, "%s: unknown CRS '%s'", path, m->crs);
        else if (GDALSetSpatialRef(ds, srs) != CE_None)
            st = wg_fail(ctx, WG_EIO, "%s: cannot set the CRS %s: %s", path, m->crs, ge->msg);
        OSRDestroySpatialReference(srs);
        if (st != WG_OK)
            return st;
    }
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    if (m->has_nodata && GDALSetRasterNoDataValue(b, m->nodata) != CE_None)
        return wg_fail(ctx, WG_EIO, "%s: cannot set the nodata value: %s", path, ge->msg);
    if (m->description)
        GDALSetDescription(b, m->description);
    if (m->unit && GDALSetRasterUnitType(b, m->unit) != CE_None)
        return wg_fail(ctx, WG_EIO, "%s: cannot set the unit: %s", path, ge->msg);
    const char *tags[][2] = {{"TIFFTAG_SOFTWARE", m->software},
                             {"TIFFTAG_IMAGEDESCRIPTION", m->title}};
    for (size_t i = 0; i < 2; i++)
        if (tags[i][1] && GDALSetMetadataItem(ds, tags[i][0], tags[i][1], NULL) != CE_None)
            return wg_fail(ctx, WG_EIO, "%s: cannot set %s: %s", path, tags[i][0], ge->msg);
    for (size_t i = 0; i < m->nitems; i++)
        if (GDALSetMetadataItem(ds, m->items[i].key, m->items[i].value, NULL) != CE_None)
            return wg_fail(ctx, WG_EIO, "%s: cannot set metadata %s: %s", path, m->items[i].key,
                           ge->msg);
    return WG_OK;
}

/* The values, a band of tile rows at a time, so that a cancellation stops a large write. */
static wg_status write_values(wg_ctx *ctx, const char *path, GDALDatasetH ds,
                              const wg_raster_grid *g, const double *v, wg__gdal_err *ge)
{
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    for (size_t r = 0; r < g->rows; r += 256) {
        if (wg_ctx_cancelled(ctx))
            return wg_fail(ctx, WG_EINTR, "interrupted: %s was not written", path);
        size_t n = g->rows - r < 256 ? g->rows - r : 256;
        if (GDALRasterIO(b, GF_Write, 0, (int)r, (int)g->cols, (int)n, (void *)(v + r * g->cols),
                         (int)g->cols, (int)n, GDT_Float64, 0, 0) != CE_None)
            return wg_fail(ctx, WG_EIO, "%s: cannot write rows %zu to %zu: %s", path, r, r + n - 1,
                           ge->msg[0] ? ge->msg : "write failed");
    }
    return WG_OK;
}

wg_status wg_raster_write_geotiff(wg_ctx *ctx, const char *path, const wg_raster_grid *grid,
                                  const double *values, const wg_raster_meta *meta)
{
    static const wg_raster_meta none;
    const wg_raster_meta *m = meta ? meta : &none;
    wg_status st = check_write_args(ctx, path, grid, m);
    if (st == WG_OK && !values)
        st = wg_fail(ctx, WG_EINPUT, "%s: no values to write", path);
    if (st == WG_OK)
        st = wg__gdal_load(ctx);
    if (st != WG_OK)
        return st;
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    if (!drv)
        return wg_fail(ctx, WG_EGDAL, "%s: GDAL has no GTiff driver", path);
    wg_atomic *out = NULL;
    if ((st = wg_atomic_begin(ctx, path, false, &out)) != WG_OK)
        return st;
    const char *tmp = wg_atomic_tmp(out);
    /* DEFLATE with predictor 3 (floating point) is what GDAL recommends for float rasters
     * ("the most efficient for floating-point data"); tiles let a viewer read a window. */
    const char *co[] = {"COMPRESS=DEFLATE", "PREDICTOR=3",      "TILED=YES", "BLOCKXSIZE=256",
                        "BLOCKYSIZE=256",   "BIGTIFF=IF_SAFER", NULL};
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    GDALDatasetH ds =
        GDALCreate(drv, tmp, (int)grid->cols, (int)grid->rows, 1, GDT_Float64, (char **)co);
    if (!ds)
        st = wg_fail(ctx, WG_EIO, "%s: cannot create the GeoTIFF: %s", path,
                     ge.msg[0] ? ge.msg : "GDAL said nothing");
    if (st == WG_OK)
        st = describe(ctx, path, ds, grid, m, &ge);
    if (st == WG_OK)
        st = write_values(ctx, path, ds, grid, values, &ge);
    if (ds)
        GDALClose(ds); /* flushes the last tiles: a full disk shows up here, in ge */
    CPLPopErrorHandler();
    if (st == WG_OK && ge.failed)
        st = wg_fail(ctx, WG_EIO, "%s: writing the GeoTIFF failed: %s", path, ge.msg);
    /* GDAL puts what a TIFF cannot hold into a side file (TMP.aux.xml), which would not follow
     * the rename: nothing here needs one, so one appearing is a bug, not a silent loss. */
    char aux[4200];
    struct stat sb;
    if (snprintf(aux, sizeof aux, "%s.aux.xml", tmp) < (int)sizeof aux && stat(aux, &sb) == 0) {
        unlink(aux);
        if (st == WG_OK)
            st = wg_fail(ctx, WG_EINTERNAL, "%s: GDAL wanted a side file (.aux.xml)", path);
    }
    wg_status moved = wg_atomic_end(ctx, out, st == WG_OK);
    return st != WG_OK ? st : moved;
}

/* ---- Reading ------------------------------------------------------------------------------ */

static char *dup_text(const char *s)
{
    return strdup(s ? s : "");
}

static wg_status read_grid(wg_ctx *ctx, const char *path, GDALDatasetH ds, wg_raster_grid *g)
{
    double gt[6];
    int cols = GDALGetRasterXSize(ds), rows = GDALGetRasterYSize(ds);
    if (GDALGetGeoTransform(ds, gt) != CE_None)
        return wg_fail(ctx, WG_EINPUT, "%s: the raster has no geotransform", path);
    if (gt[2] != 0 || gt[4] != 0 || !(gt[1] > 0) || !(gt[5] < 0))
        return wg_fail(ctx, WG_EINPUT,
                       "%s: the raster is not north-up (geotransform %g, %g, %g, %g, %g, %g)", path,
                       gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]);
    *g = (wg_raster_grid){.xmin = gt[0],
                          .ymax = gt[3],
                          .px = gt[1],
                          .py = -gt[5],
                          .cols = (size_t)cols,
                          .rows = (size_t)rows};
    if ((size_t)cols > WG_DENSITY_MAX_SIDE || (size_t)rows > WG_DENSITY_MAX_SIDE ||
        (size_t)cols * (size_t)rows > WG_DENSITY_MAX_PIXELS)
        return wg_fail(ctx, WG_EINPUT, "%s: a raster of %dx%d pixels is too large to read", path,
                       cols, rows);
    return WG_OK;
}

static wg_status read_band(wg_ctx *ctx, const char *path, GDALDatasetH ds, wg_raster_file *f,
                           wg__gdal_err *ge)
{
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    snprintf(f->type, sizeof f->type, "%s", GDALGetDataTypeName(GDALGetRasterDataType(b)));
    int has = 0;
    f->nodata = GDALGetRasterNoDataValue(b, &has);
    f->has_nodata = has != 0;
    if (!f->has_nodata)
        f->nodata = 0;
    GDALGetBlockSize(b, &f->block_cols, &f->block_rows);
    const char *c = GDALGetMetadataItem(ds, "COMPRESSION", "IMAGE_STRUCTURE");
    snprintf(f->compression, sizeof f->compression, "%s", c ? c : "");
    const char *p = GDALGetMetadataItem(ds, "PREDICTOR", "IMAGE_STRUCTURE");
    f->predictor = p ? (int)strtol(p, NULL, 10) : 0;
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds); /* borrowed */
    const char *auth = srs ? OSRGetAuthorityName(srs, NULL) : NULL;
    const char *code = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
    f->epsg = auth && code && strcasecmp(auth, "EPSG") == 0 ? (int)strtol(code, NULL, 10) : 0;
    f->description = dup_text(GDALGetDescription(b));
    f->unit = dup_text(GDALGetRasterUnitType(b));
    char **md = GDALGetMetadata(ds, NULL); /* borrowed */
    size_t n = md ? (size_t)CSLCount(md) : 0;
    f->items = calloc(n + 1, sizeof *f->items);
    for (size_t i = 0; f->items && i < n; i++)
        if (!(f->items[i] = strdup(md[i])))
            break;
    if (!f->description || !f->unit || !f->items || (n && !f->items[n - 1]))
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading %s", path);
    size_t cols = f->grid.cols, rows = f->grid.rows;
    if (!(f->values = wg_alloc_array(cols * rows * sizeof *f->values)))
        return wg_fail(ctx, WG_ENOMEM, "no memory for %s's %zux%zu pixels", path, cols, rows);
    if (GDALRasterIO(b, GF_Read, 0, 0, (int)cols, (int)rows, f->values, (int)cols, (int)rows,
                     GDT_Float64, 0, 0) != CE_None)
        return wg_fail(ctx, WG_EIO, "%s: cannot read the pixels: %s", path, ge->msg);
    return WG_OK;
}

wg_status wg_raster_read(wg_ctx *ctx, const char *path, wg_raster_file *out)
{
    wg_status st = wg__gdal_load(ctx);
    if (st != WG_OK)
        return st;
    wg_raster_file f = {0};
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        st = wg_fail(ctx, WG_EIO, "%s: cannot open the raster: %s", path,
                     ge.msg[0] ? ge.msg : "not a raster GDAL reads");
    if (st == WG_OK && (f.bands = GDALGetRasterCount(ds)) < 1)
        st = wg_fail(ctx, WG_EINPUT, "%s: the file has no raster band", path);
    if (st == WG_OK)
        st = read_grid(ctx, path, ds, &f.grid);
    if (st == WG_OK)
        st = read_band(ctx, path, ds, &f, &ge);
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    if (st != WG_OK) {
        wg_raster_file_fini(&f);
        return st;
    }
    *out = f;
    return WG_OK;
}

const char *wg_raster_file_item(const wg_raster_file *f, const char *key)
{
    size_t n = strlen(key);
    for (char **p = f->items; p && *p; p++)
        if (strncmp(*p, key, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

void wg_raster_file_fini(wg_raster_file *f)
{
    if (!f)
        return;
    free(f->values);
    free(f->description);
    free(f->unit);
    for (char **p = f->items; p && *p; p++)
        free(*p);
    free(f->items);
    *f = (wg_raster_file){0};
}
