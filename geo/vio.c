/* geo/vio.c: vector sources and destinations through GDAL/OGR; reprojection with PROJ; the
 * GCJ-02/BD-09 correction; geometry checks and repair with GEOS. Plain data in and out: knows
 * nothing of what the layers mean. */
#include "wg/vio.h"

#include "gdal_load.h"
#include "geo_int.h"
#include "wg/atomic.h"
#include "wg/chinacoord.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- GDAL errors ---------------------------------------------------------------------- */

/* ---- Sources -------------------------------------------------------------------------- */

struct wg_src {
    char *path; /* as the user gave it, for messages */
    GDALDatasetH ds;
    OGRLayerH lyr;
    OGRFeatureH cur;          /* current feature, owned */
    GEOSGeometry *geom;       /* current geometry, owned */
    GEOSContextHandle_t geos; /* the handle geom was made with */
    OGRSpatialReferenceH srs; /* source CRS (owned clone), NULL without geometry */
    PJ *pj;                   /* source -> target, NULL when no reprojection is needed */
    bool geographic;          /* source coordinates are lon/lat degrees */
    bool csv;
    bool no_repair;
    const char *x_field, *y_field; /* borrowed from the options, during open only */
    char **colnames; /* CSV without a header row: the names given for field_1..field_n */
    size_t ncolnames;
    wg_shift shift;
    int64_t *lines; /* CSV: physical line of record i (1-based record), when records span lines */
    size_t nlines;
    int64_t nread;
    int xfield, yfield; /* CSV: the coordinate columns, or -1 */
    char val[64];       /* scratch for formatted numbers and dates */
};

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(name, *list) == 0)
            return true;
    return false;
}

static const char *const lon_names[] = {"lon", "long", "lng", "longitude", "x_lon", "经度", NULL};
static const char *const lat_names[] = {"lat", "latitude", "y_lat", "纬度", NULL};
static const char *const x_names[] = {"x", "easting", "x_coord", "x_cord", NULL};
static const char *const y_names[] = {"y", "northing", "y_coord", "y_cord", NULL};

typedef struct csv_info {
    char xname[128], yname[128];
    int xcol, ycol; /* their column numbers, 0-based */
    bool lonlat;
} csv_info;

static size_t count_newlines(char **fields)
{
    size_t n = 0;
    for (char **f = fields; f && *f; f++)
        for (const char *c = *f; *c; c++)
            n += *c == '\n';
    return n;
}

/* Reads the whole CSV once: the header names the coordinate columns, and every record must
 * have as many columns as the header (GDAL silently pads or drops, which would shift values
 * into the wrong fields). Records that span lines are mapped to their first line. */
static wg_status csv_check(wg_ctx *ctx, wg_src *src, const char *gpath, csv_info *ci)
{
    VSILFILE *fp = VSIFOpenL(gpath, "rb");
    if (!fp)
        return wg_fail(ctx, WG_EINPUT, "%s: cannot open: %s", src->path, strerror(errno));
    wg_status st = WG_OK;
    bool headerless = src->colnames != NULL;
    char **hdr = CSVReadParseLine3L(fp, 1 << 20, ",", true, false, false, true);
    int ncol = CSLCount(hdr);
    if (ncol == 0) {
        st = wg_fail(ctx, WG_EINPUT, "%s: empty file (no %s line)", src->path,
                     headerless ? "first" : "header");
        goto done;
    }
    if (headerless) {
        if ((size_t)ncol != src->ncolnames) {
            st = wg_fail(ctx, WG_EINPUT,
                         "%s: --columns names %zu column%s, but line 1 of the file has %d",
                         src->path, src->ncolnames, src->ncolnames == 1 ? "" : "s", ncol);
            goto done;
        }
        /* the first line is a record: read again from the start, with the given names
           standing in for a header */
        VSIFCloseL(fp);
        fp = VSIFOpenL(gpath, "rb");
        if (!fp) {
            st = wg_fail(ctx, WG_EINPUT, "%s: cannot open: %s", src->path, strerror(errno));
            goto done;
        }
    }
    char **names = headerless ? src->colnames : hdr;
    memset(ci, 0, sizeof *ci);
    if (src->x_field || src->y_field) {
        const char *want[2] = {src->x_field, src->y_field};
        for (int k = 0; k < 2; k++) {
            int found = -1;
            for (int i = 0; want[k] && i < ncol && found < 0; i++)
                if (strcasecmp(names[i], want[k]) == 0)
                    found = i;
            if (found < 0) {
                st = wg_fail(ctx, WG_EINPUT, "%s: no column named '%s' for the %s coordinate",
                             src->path, want[k] ? want[k] : "", k ? "y" : "x");
                goto done;
            }
            snprintf(k ? ci->yname : ci->xname, sizeof ci->xname, "%s", names[found]);
        }
        ci->lonlat = name_in(ci->xname, lon_names) && name_in(ci->yname, lat_names);
    }
    for (int i = 0; i < ncol && !ci->xname[0]; i++) {
        if (!ci->xname[0] && name_in(names[i], lon_names))
            snprintf(ci->xname, sizeof ci->xname, "%s", names[i]);
    }
    for (int i = 0; i < ncol && !src->x_field; i++) {
        if (!ci->yname[0] && name_in(names[i], lat_names))
            snprintf(ci->yname, sizeof ci->yname, "%s", names[i]);
    }
    if (!src->x_field)
        ci->lonlat = ci->xname[0] && ci->yname[0];
    if (!ci->lonlat && !src->x_field) {
        ci->xname[0] = ci->yname[0] = '\0';
        for (int i = 0; i < ncol; i++) {
            if (!ci->xname[0] && name_in(names[i], x_names))
                snprintf(ci->xname, sizeof ci->xname, "%s", names[i]);
            if (!ci->yname[0] && name_in(names[i], y_names))
                snprintf(ci->yname, sizeof ci->yname, "%s", names[i]);
        }
        if (!(ci->xname[0] && ci->yname[0]))
            ci->xname[0] = ci->yname[0] = '\0';
    }
    for (int i = 0; i < ncol; i++) {
        if (strcmp(names[i], ci->xname) == 0)
            ci->xcol = i;
        if (strcmp(names[i], ci->yname) == 0)
            ci->ycol = i;
    }
    int64_t line = headerless ? 1 : 2 + (int64_t)count_newlines(hdr);
    size_t rec = 0;
    bool multiline = false;
    size_t cap = 0;
    for (;;) {
        char **f = CSVReadParseLine3L(fp, 1 << 20, ",", true, false, false, false);
        if (!f)
            break;
        int n = CSLCount(f);
        size_t nl = count_newlines(f);
        if (n == 0 || (n == 1 && f[0][0] == '\0')) { /* a blank line: OGR skips it */
            CSLDestroy(f);
            line += 1;
            multiline = true; /* record numbers no longer tell lines: keep the map */
            continue;
        }
        CSLDestroy(f);
        if (n != ncol) {
            st = wg_fail(ctx, WG_EINPUT, "%s: line %lld: %d columns, but %s %d", src->path,
                         (long long)line, n, headerless ? "--columns names" : "the header has",
                         ncol);
            goto done;
        }
        rec++;
        if (nl)
            multiline = true;
        if (multiline) { /* only pay for the map once a record spans lines */
            st = wg_grow(ctx, (void **)&src->lines, &cap, rec + 1, sizeof *src->lines);
            if (st != WG_OK)
                goto done;
            if (src->nlines == 0)
                for (size_t i = 1; i < rec; i++)
                    src->lines[i] = (int64_t)i + (headerless ? 0 : 1);
            src->lines[rec] = line;
            src->nlines = rec + 1;
        }
        line += 1 + (int64_t)nl;
    }
    if (rec == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no rows%s (empty layer)", src->path,
                     headerless ? "" : " below the header");
done:
    CSLDestroy(hdr);
    if (fp)
        VSIFCloseL(fp);
    return st;
}

/* A PROJ transformation from the source CRS (or from WGS 84 when the China correction has
 * already turned coordinates into WGS 84 lon/lat) to `dst`, in x/y (east/north) order.
 * NULL when PROJ cannot make one; its reason is then on ctx->proj. */
static PJ *source_pj(wg_ctx *ctx, const wg_src *src, const char *dst)
{
    char *wkt = NULL;
    const char *opts[] = {"FORMAT=WKT2_2019", NULL};
    const char *src_def = "EPSG:4326"; /* corrected lon/lat are WGS 84 */
    if (src->shift == WG_SHIFT_NONE) {
        if (OSRExportToWktEx(src->srs, &wkt, opts) != OGRERR_NONE) {
            CPLFree(wkt);
            return NULL;
        }
        src_def = wkt;
    }
    PJ *raw = proj_create_crs_to_crs(ctx->proj, src_def, dst, NULL);
    CPLFree(wkt);
    PJ *pj = raw ? proj_normalize_for_visualization(ctx->proj, raw) : NULL;
    proj_destroy(raw);
    return pj;
}

static wg_status make_transform(wg_ctx *ctx, wg_src *src, const char *dst_crs)
{
    OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
    wg_status st = WG_OK;
    if (OSRSetFromUserInput(dst, dst_crs) != OGRERR_NONE)
        st = wg_fail(ctx, WG_EINPUT, "unknown target CRS '%s'", dst_crs);
    /* the same CRS and no correction: coordinates pass through untouched, bit for bit */
    else if (!OSRIsSame(src->srs, dst) || src->shift != WG_SHIFT_NONE) {
        src->pj = source_pj(ctx, src, dst_crs);
        if (!src->pj)
            st = wg_fail(ctx, WG_EPROJ, "%s: no transformation from the source CRS to %s: %s",
                         src->path, dst_crs,
                         proj_context_errno_string(ctx->proj, proj_context_errno(ctx->proj)));
    }
    OSRDestroySpatialReference(dst);
    return st;
}

static wg_status open_layer(wg_ctx *ctx, wg_src *src, const char *gpath, const wg_src_opts *o,
                            const csv_info *ci, const wg__gdal_err *ge)
{
    char xopt[160], yopt[160];
    const char *csv_opts[8] = {0};
    size_t k = 0;
    if (ci->xname[0]) {
        /* without a header row GDAL names the columns field_1..field_n */
        if (src->colnames) {
            snprintf(xopt, sizeof xopt, "X_POSSIBLE_NAMES=field_%d", ci->xcol + 1);
            snprintf(yopt, sizeof yopt, "Y_POSSIBLE_NAMES=field_%d", ci->ycol + 1);
        } else {
            snprintf(xopt, sizeof xopt, "X_POSSIBLE_NAMES=%s", ci->xname);
            snprintf(yopt, sizeof yopt, "Y_POSSIBLE_NAMES=%s", ci->yname);
        }
        csv_opts[k++] = xopt;
        csv_opts[k++] = yopt;
        csv_opts[k++] = "KEEP_GEOM_COLUMNS=YES";
        csv_opts[k++] = "AUTODETECT_TYPE=NO";
        csv_opts[k++] = "EMPTY_STRING_AS_NULL=YES";
    }
    if (src->colnames)
        csv_opts[k++] = "HEADERS=NO";
    const char *const csv_drivers[] = {"CSV", NULL};
    src->ds = GDALOpenEx(gpath, GDAL_OF_VECTOR | GDAL_OF_READONLY, src->csv ? csv_drivers : NULL,
                         src->csv && k ? csv_opts : NULL, NULL);
    if (!src->ds)
        return wg_fail(ctx, WG_EINPUT, "%s: not a vector format GDAL/OGR can read%s%s", src->path,
                       ge->failed ? ": " : "", ge->msg);
    int nl = GDALDatasetGetLayerCount(src->ds);
    if (o && o->layer) {
        src->lyr = GDALDatasetGetLayerByName(src->ds, o->layer);
        if (!src->lyr)
            return wg_fail(ctx, WG_EINPUT, "%s: no layer named '%s' (it has %d layer%s)", src->path,
                           o->layer, nl, nl == 1 ? "" : "s");
    } else {
        if (nl < 1)
            return wg_fail(ctx, WG_EINPUT, "%s: no layers", src->path);
        src->lyr = GDALDatasetGetLayer(src->ds, 0);
    }
    int nf = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(src->lyr));
    if (src->colnames && (size_t)nf != src->ncolnames)
        return wg_fail(ctx, WG_EINPUT, "%s: --columns names %zu columns, but GDAL reads %d",
                       src->path, src->ncolnames, nf);
    return WG_OK;
}

/* Keeps a copy of the names of a CSV without a header row; checks they can serve as one. */
static wg_status take_colnames(wg_ctx *ctx, wg_src *src, const wg_src_opts *o)
{
    if (!o || o->ncolumns == 0)
        return WG_OK;
    if (!src->csv)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: --columns names the columns of a CSV file without a header row; "
                       "this is not a CSV file",
                       src->path);
    src->colnames = calloc(o->ncolumns + 1, sizeof *src->colnames);
    if (!src->colnames)
        return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", src->path);
    src->ncolnames = o->ncolumns;
    for (size_t i = 0; i < o->ncolumns; i++) {
        const char *name = o->columns[i];
        if (!name[0])
            return wg_fail(ctx, WG_EINPUT, "%s: --columns: column %zu has no name", src->path,
                           i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(o->columns[j], name) == 0)
                return wg_fail(ctx, WG_EINPUT,
                               "%s: --columns: '%s' names both column %zu and column %zu",
                               src->path, name, j + 1, i + 1);
        src->colnames[i] = strdup(name);
        if (!src->colnames[i])
            return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", src->path);
    }
    return WG_OK;
}

static wg_status set_crs(wg_ctx *ctx, wg_src *src, const wg_src_opts *o, const csv_info *ci)
{
    if (OGR_L_GetGeomType(src->lyr) == wkbNone)
        return WG_OK;
    src->srs = OSRNewSpatialReference(NULL);
    if (o && o->src_crs) {
        if (OSRSetFromUserInput(src->srs, o->src_crs) != OGRERR_NONE)
            return wg_fail(ctx, WG_EINPUT, "%s: unknown source CRS '%s'", src->path, o->src_crs);
        if (src->csv && ci->lonlat && OSRIsProjected(src->srs))
            return wg_fail(ctx, WG_EINPUT,
                           "%s: the coordinates come from the columns '%s'/'%s', which hold "
                           "longitude/latitude, but --src-crs %s is projected; name the "
                           "projected columns with --xy X,Y",
                           src->path, ci->xname, ci->yname, o->src_crs);
    } else if (src->csv && ci->lonlat) {
        OSRImportFromEPSG(src->srs, 4326);
    } else {
        OGRSpatialReferenceH own = OGR_L_GetSpatialRef(src->lyr);
        if (!own)
            return wg_fail(ctx, WG_EINPUT,
                           "%s: the source has no CRS; say which with --src-crs (e.g. EPSG:4326)",
                           src->path);
        OSRDestroySpatialReference(src->srs);
        src->srs = OSRClone(own);
    }
    /* Coordinates come out of OGR as x=easting/longitude, y=northing/latitude. */
    OSRSetAxisMappingStrategy(src->srs, OAMS_TRADITIONAL_GIS_ORDER);
    src->geographic = OSRIsGeographic(src->srs);
    if (src->shift != WG_SHIFT_NONE && !src->geographic)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: --gcj02/--bd09 need longitude/latitude coordinates, but the source "
                       "CRS is projected",
                       src->path);
    if (o && o->dst_crs)
        return make_transform(ctx, src, o->dst_crs);
    return WG_OK;
}

wg_status wg_src_open(wg_ctx *ctx, const char *path, const wg_src_opts *opts, wg_src **out)
{
    wg_status loaded = wg__gdal_load(ctx);
    if (loaded != WG_OK)
        return loaded;
    wg_src *src = calloc(1, sizeof *src);
    char *gpath = NULL;
    if (!src || !(src->path = strdup(path))) {
        free(src);
        return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
    }
    bool pg = strncmp(path, "PG:", 3) == 0;
    size_t n = strlen(path) + 16;
    gpath = malloc(n);
    if (!gpath) {
        wg_src_close(src);
        return wg_fail(ctx, WG_ENOMEM, "out of memory opening %s", path);
    }
    bool gz = !pg && has_suffix(path, ".gz") && !has_suffix(path, ".tar.gz");
    snprintf(gpath, n, "%s%s", gz ? "/vsigzip/" : "", path);
    src->csv = !pg && (has_suffix(path, ".csv") || has_suffix(path, ".csv.gz"));
    src->shift = opts ? opts->shift : WG_SHIFT_NONE;
    src->no_repair = opts && opts->no_repair;
    src->geos = ctx->geos;
    if (opts) {
        src->x_field = opts->x_field;
        src->y_field = opts->y_field;
    }

    wg__gdal_err ge;
    wg__gdal_push(&ge);
    wg_status st = WG_OK;
    csv_info ci = {0};
    struct stat sb;
    if (!pg && stat(path, &sb) != 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no such file", path);
    else if (!pg && S_ISDIR(sb.st_mode) && !has_suffix(path, ".gdb"))
        st = wg_fail(ctx, WG_EINPUT, "%s: is a folder, not a file", path);
    if (st == WG_OK)
        st = take_colnames(ctx, src, opts);
    if (st == WG_OK && src->csv)
        st = csv_check(ctx, src, gpath, &ci);
    if (st == WG_OK)
        st = open_layer(ctx, src, gpath, opts, &ci, &ge);
    if (st == WG_OK)
        st = set_crs(ctx, src, opts, &ci);
    if (st == WG_OK && !src->csv && OGR_L_GetFeatureCount(src->lyr, FALSE) == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: the layer has no features (empty layer)", path);
    CPLPopErrorHandler();
    free(gpath);
    if (st != WG_OK) {
        wg_src_close(src);
        return st;
    }
    OGR_L_ResetReading(src->lyr);
    src->xfield = src->yfield = -1;
    if (src->csv && ci.xname[0]) {
        src->xfield = wg_src_field(src, ci.xname);
        src->yfield = wg_src_field(src, ci.yname);
    }
    *out = src;
    return WG_OK;
}

void wg_src_close(wg_src *src)
{
    if (!src)
        return;
    if (src->cur)
        OGR_F_Destroy(src->cur);
    if (src->geom)
        GEOSGeom_destroy_r(src->geos, src->geom);
    if (src->ds)
        GDALClose(src->ds);
    if (src->srs)
        OSRDestroySpatialReference(src->srs);
    if (src->pj)
        proj_destroy(src->pj);
    for (size_t i = 0; i < src->ncolnames; i++)
        free(src->colnames[i]);
    free(src->colnames);
    free(src->lines);
    free(src->path);
    free(src);
}

int64_t wg_src_count(const wg_src *src)
{
    GIntBig n = OGR_L_GetFeatureCount(src->lyr, FALSE);
    return n < 0 ? -1 : (int64_t)n;
}

size_t wg_src_nfields(const wg_src *src)
{
    return (size_t)OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(src->lyr));
}

const char *wg_src_field_name(const wg_src *src, size_t i)
{
    if (i < src->ncolnames)
        return src->colnames[i];
    return OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(src->lyr), (int)i));
}

int wg_src_field(const wg_src *src, const char *name)
{
    size_t n = wg_src_nfields(src);
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(wg_src_field_name(src, i), name) == 0)
            return (int)i;
    return -1;
}

bool wg_src_coord_fields(const wg_src *src, int *x, int *y)
{
    *x = src->xfield;
    *y = src->yfield;
    return src->csv;
}

static wg_gkind kind_of_ogr(OGRwkbGeometryType t)
{
    switch (wkbFlatten(t)) {
    case wkbNone:
        return WG_G_NONE;
    case wkbPoint:
    case wkbMultiPoint:
        return WG_G_POINT;
    case wkbLineString:
    case wkbMultiLineString:
    case wkbCircularString:
    case wkbCompoundCurve:
    case wkbMultiCurve:
        return WG_G_LINE;
    case wkbPolygon:
    case wkbMultiPolygon:
    case wkbCurvePolygon:
    case wkbMultiSurface:
        return WG_G_POLYGON;
    default:
        return WG_G_ANY;
    }
}

wg_gkind wg_src_gkind(const wg_src *src)
{
    return kind_of_ogr(OGR_L_GetGeomType(src->lyr));
}

wg_status wg_src_center_lonlat(wg_ctx *ctx, wg_src *src, double *lon, double *lat)
{
    if (!src->srs)
        return wg_fail(ctx, WG_EINPUT, "%s: has no geometry to place it", src->path);
    /* the center is taken before any China correction: ~500 m never changes a UTM zone */
    PJ *pj = NULL;
    if (!src->geographic && !(pj = source_pj(ctx, src, "EPSG:4326")))
        return wg_fail(ctx, WG_EPROJ, "%s: cannot transform the source CRS to WGS 84", src->path);
    double sx = 0, sy = 0;
    int64_t n = 0, seen = 0;
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    OGR_L_ResetReading(src->lyr);
    OGRFeatureH f;
    while (seen < 200000 && (f = OGR_L_GetNextFeature(src->lyr)) != NULL) {
        seen++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGREnvelope env;
        if (g && !OGR_G_IsEmpty(g)) {
            OGR_G_GetEnvelope(g, &env);
            double x = (env.MinX + env.MaxX) / 2, y = (env.MinY + env.MaxY) / 2;
            if (pj && isfinite(x) && isfinite(y) && !(x == 0 && y == 0)) {
                PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(x, y, 0, 0));
                x = c.xy.x;
                y = c.xy.y;
            }
            if (isfinite(x) && isfinite(y) && !(x == 0 && y == 0) && x >= -180 && x <= 180 &&
                y >= -90 && y <= 90) {
                sx += x;
                sy += y;
                n++;
            }
        }
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(src->lyr);
    CPLPopErrorHandler();
    proj_destroy(pj);
    if (n == 0)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: no feature has a usable location, so no CRS can be chosen for the "
                       "workspace",
                       src->path);
    *lon = sx / (double)n;
    *lat = sy / (double)n;
    return WG_OK;
}

/* State for one pass over a geometry's coordinates: checks, China shift, reprojection.
 * The callback never fails (a GEOS exception would land on ctx as an error); it only notes
 * the first problem, and the caller turns that into f->problem. */
typedef struct xy_pass {
    const wg_src *src;
    char problem[160];
} xy_pass;

static int xy_cb(double *x, double *y, void *user)
{
    xy_pass *p = user;
    if (p->problem[0])
        return 1;
    if (!isfinite(*x) || !isfinite(*y)) {
        snprintf(p->problem, sizeof p->problem, "coordinate is not a number (%g, %g)", *x, *y);
        return 1;
    }
    if (p->src->geographic && (*x < -180 || *x > 180 || *y < -90 || *y > 90)) {
        snprintf(p->problem, sizeof p->problem, "longitude/latitude out of range (%.9g, %.9g)", *x,
                 *y);
        return 1;
    }
    if (p->src->shift == WG_SHIFT_GCJ02)
        wg_gcj02_to_wgs84(*x, *y, x, y);
    else if (p->src->shift == WG_SHIFT_BD09)
        wg_bd09_to_wgs84(*x, *y, x, y);
    if (p->src->pj) {
        PJ_COORD c = proj_trans(p->src->pj, PJ_FWD, proj_coord(*x, *y, 0, 0));
        if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) {
            snprintf(p->problem, sizeof p->problem,
                     "coordinate (%.9g, %.9g) cannot be transformed to the workspace CRS", *x, *y);
            return 1;
        }
        *x = c.xy.x;
        *y = c.xy.y;
    }
    return 1;
}

static bool is_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(h, g);
    return t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON;
}

/* The number of polygons in member p of a collection: 1 for a Polygon, its parts for a
 * MultiPolygon, 0 for anything else (and when GEOS fails). */
static int polygons_in(GEOSContextHandle_t h, const GEOSGeometry *p)
{
    int t = GEOSGeomTypeId_r(h, p);
    int n = t == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, p) : t == GEOS_POLYGON;
    return n > 0 ? n : 0;
}

/* Keeps the polygonal parts of a MakeValid result (which may add stray lines and points): a
 * collection becomes the MultiPolygon of its Polygon members and of the parts of its
 * MultiPolygon members. Takes g; NULL when g is NULL or GEOS fails. */
static GEOSGeometry *polygonal_part(GEOSContextHandle_t h, GEOSGeometry *g)
{
    if (!g || is_polygonal(h, g) || GEOSGeomTypeId_r(h, g) != GEOS_GEOMETRYCOLLECTION)
        return g;
    int n = GEOSGetNumGeometries_r(h, g);
    size_t total = 0; /* a MultiPolygon member brings several polygons: count them first */
    for (int i = 0; i < n; i++)
        total += (size_t)polygons_in(h, GEOSGetGeometryN_r(h, g, i));
    GEOSGeometry **parts = calloc(total + 1, sizeof *parts);
    unsigned k = 0;
    bool ok = parts != NULL;
    for (int i = 0; ok && i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int m = polygons_in(h, p);
        for (int j = 0; ok && j < m; j++) { /* (part 0 of a Polygon is the Polygon) */
            parts[k] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
            ok = parts[k] != NULL;
            k += ok;
        }
    }
    GEOSGeom_destroy_r(h, g);
    /* the collection owns the parts from here on, also when GEOS fails to make it */
    GEOSGeometry *out = ok ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k) : NULL;
    for (unsigned i = 0; !ok && i < k; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    return out;
}

static void set_problem(wg_feat *f, const char *fmt, ...) WG_PRINTF(2, 3);
static void set_problem(wg_feat *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->problem, sizeof f->problem, fmt, ap);
    va_end(ap);
}

/* Converts, checks, shifts, reprojects and repairs the geometry of the current feature. */
static wg_status take_geometry(wg_ctx *ctx, wg_src *src, wg_feat *f)
{
    GEOSContextHandle_t h = ctx->geos;
    OGRGeometryH og = OGR_F_GetGeometryRef(src->cur);
    if (!og && src->xfield >= 0) {
        /* OGR leaves the point out when a coordinate does not parse: say which one */
        bool hx = wg_src_str(src, (size_t)src->xfield) != NULL;
        bool hy = wg_src_str(src, (size_t)src->yfield) != NULL;
        if (hx != hy)
            return set_problem(f, "coordinate '%s' is missing or not a number",
                               wg_src_field_name(src, (size_t)(hx ? src->yfield : src->xfield))),
                   WG_OK;
        if (hx)
            return set_problem(f, "%s", "coordinates are not numbers"), WG_OK;
    }
    if (!og)
        return set_problem(f, "%s", "no geometry (missing coordinates)"), WG_OK;
    if (OGR_G_IsEmpty(og))
        return set_problem(f, "%s", "empty geometry"), WG_OK;
    OGRGeometryH lin = NULL;
    if (OGR_G_HasCurveGeometry(og, TRUE)) {
        lin = OGR_G_GetLinearGeometry(og, 0, NULL);
        og = lin;
    }
    OGR_G_FlattenTo2D(og);
    if (wkbFlatten(OGR_G_GetGeometryType(og)) == wkbPoint && OGR_G_GetX(og, 0) == 0 &&
        OGR_G_GetY(og, 0) == 0) {
        if (lin)
            OGR_G_DestroyGeometry(lin);
        return set_problem(f, "%s", "point at 0,0 (a missing location)"), WG_OK;
    }
    int len = OGR_G_WkbSize(og);
    unsigned char *wkb = malloc(len > 0 ? (size_t)len : 1);
    if (!wkb) {
        if (lin)
            OGR_G_DestroyGeometry(lin);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a geometry");
    }
    OGR_G_ExportToIsoWkb(og, wkbNDR, wkb);
    if (lin)
        OGR_G_DestroyGeometry(lin);
    GEOSGeometry *g = GEOSGeomFromWKB_buf_r(h, wkb, (size_t)len);
    free(wkb);
    if (!g) {
        if (wg_ctx_status(ctx) != WG_EGEOS) /* out of memory, an earlier error: the run's */
            return wg_ctx_status(ctx) != WG_OK
                       ? wg_ctx_status(ctx)
                       : wg_fail(ctx, WG_EGEOS, "%s: %s: GEOS cannot read its geometry", src->path,
                                 f->label);
        wg_ctx_clear_error(ctx); /* GEOS's parse error belongs to this feature, not the run */
        return set_problem(f, "%s", "geometry GEOS cannot read"), WG_OK;
    }
    xy_pass pass = {.src = src};
    GEOSGeometry *t = GEOSGeom_transformXY_r(h, g, xy_cb, &pass);
    GEOSGeom_destroy_r(h, g);
    if (!t)
        return wg_fail(ctx, WG_EGEOS, "%s: %s: coordinate pass failed", src->path, f->label);
    if (pass.problem[0]) {
        GEOSGeom_destroy_r(h, t);
        return set_problem(f, "%s", pass.problem), WG_OK;
    }
    const char *unsound = wg__geom_unsound(h, t);
    if (unsound) {
        GEOSGeom_destroy_r(h, t);
        return set_problem(f, "geometry with %s", unsound), WG_OK;
    }
    char valid = GEOSisValid_r(h, t);
    if (valid == 2) {
        GEOSGeom_destroy_r(h, t);
        return wg_fail(ctx, WG_EGEOS, "%s: %s: validity test failed", src->path, f->label);
    }
    if (!valid) {
        char *why = GEOSisValidReason_r(h, t);
        snprintf(f->note, sizeof f->note, "%s", why ? why : "invalid");
        GEOSFree_r(h, why);
        if (!is_polygonal(h, t) || src->no_repair) {
            GEOSGeom_destroy_r(h, t);
            return set_problem(f, "invalid geometry: %s", f->note), WG_OK;
        }
        GEOSGeometry *fixed = polygonal_part(h, GEOSMakeValid_r(h, t));
        GEOSGeom_destroy_r(h, t);
        if (!fixed)
            return wg_fail(ctx, WG_EGEOS, "%s: %s: repair failed", src->path, f->label);
        char empty = GEOSisEmpty_r(h, fixed);
        if (empty == 2) {
            GEOSGeom_destroy_r(h, fixed);
            return wg_fail(ctx, WG_EGEOS, "%s: %s: testing the repaired geometry failed", src->path,
                           f->label);
        }
        if (empty == 1) {
            GEOSGeom_destroy_r(h, fixed);
            return set_problem(f, "invalid polygon that repairs to nothing: %s", f->note), WG_OK;
        }
        t = fixed;
        f->repaired = true;
    }
    src->geom = t;
    f->geom = wg__geom(h, t);
    return WG_OK;
}

wg_status wg_src_next(wg_ctx *ctx, wg_src *src, wg_feat *f, bool *eof)
{
    if (src->geom) {
        GEOSGeom_destroy_r(ctx->geos, src->geom);
        src->geom = NULL;
    }
    if (src->cur) {
        OGR_F_Destroy(src->cur);
        src->cur = NULL;
    }
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    src->cur = OGR_L_GetNextFeature(src->lyr);
    CPLPopErrorHandler();
    if (ge.failed) {
        return wg_fail(ctx, WG_EINPUT, "%s: read failed after %lld features: %s", src->path,
                       (long long)src->nread, ge.msg);
    }
    if (!src->cur) {
        *eof = true;
        return WG_OK;
    }
    src->nread++;
    memset(f, 0, sizeof *f);
    f->fid = (int64_t)OGR_F_GetFID(src->cur);
    if (src->csv) {
        /* OGR numbers CSV records from 1: below a header, record n is on line n + 1 */
        int64_t line = f->fid + (src->colnames ? 0 : 1);
        if (f->fid >= 0 && (size_t)f->fid < src->nlines)
            line = src->lines[f->fid];
        snprintf(f->label, sizeof f->label, "line %lld", (long long)line);
    } else {
        snprintf(f->label, sizeof f->label, "feature %lld", (long long)f->fid);
    }
    *eof = false;
    if (OGR_L_GetGeomType(src->lyr) == wkbNone && !OGR_F_GetGeometryRef(src->cur))
        return WG_OK;
    return take_geometry(ctx, src, f);
}

const char *wg_src_str(wg_src *src, size_t i)
{
    if (!src->cur || !OGR_F_IsFieldSetAndNotNull(src->cur, (int)i))
        return NULL;
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(src->cur, (int)i));
    if (t == OFTReal) {
        /* %.17g: every double survives the trip through text exactly */
        snprintf(src->val, sizeof src->val, "%.17g", OGR_F_GetFieldAsDouble(src->cur, (int)i));
        return src->val;
    }
    if (t == OFTDate || t == OFTDateTime) {
        int y, mo, d, hh, mi, tz;
        float sec;
        if (!OGR_F_GetFieldAsDateTimeEx(src->cur, (int)i, &y, &mo, &d, &hh, &mi, &sec, &tz))
            return NULL;
        int n = snprintf(src->val, sizeof src->val, "%04d-%02d-%02d", y, mo, d);
        if (t == OFTDateTime)
            n += snprintf(src->val + n, sizeof src->val - (size_t)n, "T%02d:%02d:%02d", hh, mi,
                          (int)sec);
        if (t == OFTDateTime && tz == 100)
            snprintf(src->val + n, sizeof src->val - (size_t)n, "Z");
        else if (t == OFTDateTime && tz > 1) {
            int off = (tz - 100) * 15;
            snprintf(src->val + n, sizeof src->val - (size_t)n, "%c%02d:%02d", off < 0 ? '-' : '+',
                     abs(off) / 60, abs(off) % 60);
        }
        return src->val;
    }
    return OGR_F_GetFieldAsString(src->cur, (int)i);
}

/* ---- Destinations --------------------------------------------------------------------- */

struct wg_dst {
    char *path;
    wg_atomic *out; /* a temporary folder, moved into place as a set (wg/atomic.h) */
    GDALDatasetH ds;
    OGRLayerH lyr;
    OGRFeatureDefnH defn;
    size_t nfields;
    wg_ftype *types;
    bool in_txn;
    bool csv; /* coordinates are written as text: with 17 digits, so they come back exactly */
    int64_t n;
};

typedef struct fmt_info {
    const char *ext, *driver;
    bool any_geom; /* the format stores mixed geometry kinds in one layer */
} fmt_info;

static const fmt_info formats[] = {
    {".gpkg", "GPKG", true},       {".shp", "ESRI Shapefile", false},
    {".geojson", "GeoJSON", true}, {".json", "GeoJSON", true},
    {".fgb", "FlatGeobuf", true},  {".csv", "CSV", true},
    {".sqlite", "SQLite", true},   {".gml", "GML", true},
    {".kml", "KML", true},
};

static OGRwkbGeometryType ogr_type(wg_gkind k, bool any)
{
    switch (k) {
    case WG_G_NONE:
        return wkbNone;
    case WG_G_POINT:
        return wkbPoint;
    case WG_G_LINE:
        return wkbMultiLineString;
    case WG_G_POLYGON:
        return wkbMultiPolygon;
    default:
        return any ? wkbUnknown : wkbMultiPolygon;
    }
}

static void dst_free(wg_dst *d)
{
    free(d->path);
    free(d->types);
    free(d);
}

void wg_dst_abort(wg_dst *d)
{
    if (!d)
        return;
    if (d->ds) {
        wg__gdal_err ge;
        wg__gdal_push(&ge);
        GDALClose(d->ds);
        CPLPopErrorHandler();
    }
    wg_atomic_end(NULL, d->out, false);
    dst_free(d);
}

static wg_status dst_make_tmp(wg_ctx *ctx, wg_dst *d, const char *path)
{
    if (!(d->path = strdup(path)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
    return wg_atomic_begin(ctx, path, true, &d->out);
}

static wg_status dst_create(wg_ctx *ctx, wg_dst *d, const fmt_info *fi, const char *layer,
                            const char *crs, wg_gkind gkind)
{
    GDALDriverH drv = GDALGetDriverByName(fi->driver);
    if (!drv)
        return wg_fail(ctx, WG_EGDAL, "%s: GDAL has no %s driver", d->path, fi->driver);
    d->ds = GDALCreate(drv, wg_atomic_tmp_main(d->out), 0, 0, 0, GDT_Unknown, NULL);
    if (!d->ds)
        return wg_fail(ctx, WG_EIO, "%s: cannot create the file", d->path);
    OGRSpatialReferenceH srs = NULL;
    if (crs && gkind != WG_G_NONE) {
        srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(srs, crs) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return wg_fail(ctx, WG_EINPUT, "%s: unknown CRS '%s'", d->path, crs);
        }
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    const char *lco_csv_xy[] = {"GEOMETRY=AS_XY", NULL};
    const char *lco_csv_wkt[] = {"GEOMETRY=AS_WKT", NULL};
    const char *lco_json[] = {"RFC7946=NO", "SIGNIFICANT_FIGURES=17", "WRITE_NAME=NO", NULL};
    const char *lco_fgb[] = {"SPATIAL_INDEX=NO", NULL};
    const char *lco_shp[] = {"ENCODING=UTF-8", NULL};
    char **lco = NULL;
    if (strcmp(fi->driver, "CSV") == 0 && gkind != WG_G_NONE)
        lco = (char **)(gkind == WG_G_POINT ? lco_csv_xy : lco_csv_wkt);
    else if (strcmp(fi->driver, "GeoJSON") == 0)
        lco = (char **)lco_json;
    else if (strcmp(fi->driver, "FlatGeobuf") == 0)
        lco = (char **)lco_fgb;
    else if (strcmp(fi->driver, "ESRI Shapefile") == 0)
        lco = (char **)lco_shp;
    d->lyr = GDALDatasetCreateLayer(d->ds, layer, srs, ogr_type(gkind, fi->any_geom), lco);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (!d->lyr)
        return wg_fail(ctx, WG_EGDAL, "%s: cannot create layer '%s'", d->path, layer);
    return WG_OK;
}

wg_status wg_dst_open(wg_ctx *ctx, const char *path, const char *layer, const char *crs,
                      wg_gkind gkind, const wg_field_def *fields, size_t nfields, wg_dst **out)
{
    wg_status loaded = wg__gdal_load(ctx);
    if (loaded != WG_OK)
        return loaded;
    const fmt_info *fi = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (has_suffix(path, formats[i].ext))
            fi = &formats[i];
    if (!fi)
        return wg_fail(ctx, WG_EINPUT,
                       "%s: unknown output format (use .gpkg, .shp, .geojson, .fgb, .csv, "
                       ".sqlite, .gml or .kml)",
                       path);
    wg_dst *d = calloc(1, sizeof *d);
    if (!d)
        return wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    wg_status st = dst_make_tmp(ctx, d, path);
    if (st == WG_OK)
        st = dst_create(ctx, d, fi, layer, crs, gkind);
    for (size_t i = 0; st == WG_OK && i < nfields; i++) {
        OGRFieldType t = fields[i].type == WG_F_INT    ? OFTInteger64
                         : fields[i].type == WG_F_REAL ? OFTReal
                                                       : OFTString;
        OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, t);
        if (OGR_L_CreateField(d->lyr, fd, TRUE) != OGRERR_NONE)
            st = wg_fail(ctx, WG_EGDAL, "%s: cannot create field '%s': %s", path, fields[i].name,
                         ge.msg);
        OGR_Fld_Destroy(fd);
    }
    if (st == WG_OK) {
        d->nfields = nfields;
        d->types = malloc((nfields ? nfields : 1) * sizeof *d->types);
        if (!d->types)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
        for (size_t i = 0; st == WG_OK && i < nfields; i++)
            d->types[i] = fields[i].type;
    }
    if (st == WG_OK) {
        d->csv = strcmp(fi->driver, "CSV") == 0;
        d->defn = OGR_L_GetLayerDefn(d->lyr);
        d->in_txn = GDALDatasetStartTransaction(d->ds, FALSE) == OGRERR_NONE;
    }
    CPLPopErrorHandler();
    if (st != WG_OK) {
        wg_dst_abort(d);
        return st;
    }
    *out = d;
    return WG_OK;
}

static wg_status dst_write(wg_ctx *ctx, wg_dst *d, OGRGeometryH og, const wg_value *vals)
{
    OGRFeatureH f = OGR_F_Create(d->defn);
    for (size_t i = 0; i < d->nfields; i++) {
        if (vals[i].null || (d->types[i] == WG_F_TEXT && !vals[i].s))
            OGR_F_SetFieldNull(f, (int)i);
        else if (d->types[i] == WG_F_INT)
            OGR_F_SetFieldInteger64(f, (int)i, vals[i].i);
        else if (d->types[i] == WG_F_REAL)
            OGR_F_SetFieldDouble(f, (int)i, vals[i].r);
        else
            OGR_F_SetFieldString(f, (int)i, vals[i].s);
    }
    if (og)
        OGR_F_SetGeometryDirectly(f, og);
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    if (d->csv)
        CPLSetThreadLocalConfigOption("OGR_WKT_PRECISION", "17");
    OGRErr e = OGR_L_CreateFeature(d->lyr, f);
    if (d->csv)
        CPLSetThreadLocalConfigOption("OGR_WKT_PRECISION", NULL);
    CPLPopErrorHandler();
    OGR_F_Destroy(f);
    if (e != OGRERR_NONE)
        return wg_fail(ctx, WG_EIO, "%s: cannot write feature %lld: %s", d->path, (long long)d->n,
                       ge.msg[0] ? ge.msg : "write failed");
    d->n++;
    /* Long transactions hold every page in GDAL's cache; commit in slices. */
    if (d->in_txn && d->n % 200000 == 0) {
        GDALDatasetCommitTransaction(d->ds);
        GDALDatasetStartTransaction(d->ds, FALSE);
    }
    return WG_OK;
}

wg_status wg_dst_add(wg_ctx *ctx, wg_dst *d, const wg_geom *g, const wg_value *vals)
{
    OGRGeometryH og = NULL;
    if (g) {
        unsigned char *wkb = NULL;
        size_t len = 0;
        wg_status st = wg_geom_to_wkb(ctx, g, &wkb, &len);
        if (st != WG_OK)
            return st;
        OGRErr e = OGR_G_CreateFromWkbEx(wkb, NULL, &og, len);
        free(wkb);
        if (e != OGRERR_NONE)
            return wg_fail(ctx, WG_EGDAL, "%s: cannot convert feature %lld's geometry", d->path,
                           (long long)d->n);
        /* A layer of one kind stores the multi form, so Polygon and MultiPolygon mix. */
        OGRwkbGeometryType lt = wkbFlatten(OGR_L_GetGeomType(d->lyr));
        if (lt == wkbMultiPolygon)
            og = OGR_G_ForceToMultiPolygon(og);
        else if (lt == wkbMultiLineString)
            og = OGR_G_ForceToMultiLineString(og);
    }
    return dst_write(ctx, d, og, vals);
}

wg_status wg_dst_add_xy(wg_ctx *ctx, wg_dst *d, double x, double y, const wg_value *vals)
{
    OGRGeometryH og = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(og, 0, x, y);
    return dst_write(ctx, d, og, vals);
}

wg_status wg_dst_commit(wg_ctx *ctx, wg_dst *d)
{
    wg__gdal_err ge;
    wg__gdal_push(&ge);
    if (d->in_txn && GDALDatasetCommitTransaction(d->ds) != OGRERR_NONE)
        wg_fail(ctx, WG_EIO, "%s: cannot finish writing: %s", d->path, ge.msg);
    GDALClose(d->ds);
    d->ds = NULL;
    CPLPopErrorHandler();
    wg_status st = wg_ctx_status(ctx);
    if (st == WG_OK && ge.failed)
        st = wg_fail(ctx, WG_EIO, "%s: cannot finish writing: %s", d->path, ge.msg);
    wg_status moved = wg_atomic_end(ctx, d->out, st == WG_OK);
    d->out = NULL;
    wg_dst_abort(d);
    return st != WG_OK ? st : moved;
}
