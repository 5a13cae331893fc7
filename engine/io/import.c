/* engine/io/import.c: outside data into a workspace layer — field mapping, value checks, the
 * all-or-nothing transaction, upserts by id, rejects. Geometry reading and reprojection are
 * geo's (wg_src); this file knows what the layers mean. */
#include "wg/import.h"

#include "cameras.h"
#include "roster.h"
#include "wg/atomic.h"
#include "wg/store.h"
#include "wg/timeparse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAXCOLS 16

/* Where one workspace field's value comes from. */
typedef struct col_src {
    int field, field2; /* source field indexes (field2 >= 0: joined with a space), or -1 */
    const char *konst; /* a --set value */
    bool from_fid;     /* id only: the OGR feature id */
} col_src;

typedef struct importer {
    wg_ws *ws;
    wg_ctx *ctx;
    const wg_layer_def *L;
    const char *source; /* the path read */
    const char *name;   /* how messages and the log name it */
    const wg_import_opts *o;
    wg_src *src;
    col_src cs[MAXCOLS];
    wg_tz *tz;
    wg_row_writer *ins;
    wg_value vals[MAXCOLS]; /* the current feature's values */
    size_t voff[MAXCOLS];   /* text values: offsets into vtext */
    wg_buf vtext;           /* copies of the feature's texts: GDAL reuses its buffers */
    const char *cam_defaulted;
    FILE *rej;          /* the rejects file's stream, */
    wg_atomic *rej_out; /* written whole or not at all */
    int64_t batch;
    wg_buf joined; /* scratch for A+B fields */
    wg_buf id;     /* the current feature's id, copied: GDAL reuses its text buffers */
    char first_reject[512];
    wg_import_result *r;
    bool cameras;                    /* the cameras layer: its view fields are read together */
    size_t cam_col[WG__CAM_NFIELDS]; /* with cameras: the column of each WG__CAM_* field */
    wg_buf cam_text;                 /* with cameras: copies of the feature's view texts */
    bool *used;                      /* per source field: feeds a layer field or the geometry */
    unsigned char *timeish;          /* per unused source field: TIME_* (sniffed from rows) */
    int *time_ok;                    /* per source field: values of the first rows read as times */
    int parent_col;                  /* communities: the parent column, else -1 */
    int64_t ncodes;                  /* communities: rows of the codes table */
    char code_parent[256];           /* a parent found in the codes table */
    int64_t parents_unknown;         /* parents named that the codes table lacks */
    int units_kind;                  /* units: the kind's column, else -1 */
    bool infer_kind;                 /* units without a kind: their polygons, to measure */
    wg_geom **polys;
    size_t npolys, cappolys;
} importer;

/* What the first rows say of an unused source field (importer.timeish). */
enum { TIME_UNKNOWN, TIME_BY_NAME, TIME_NO, TIME_BY_VALUES };
#define SNIFF_ROWS 50 /* rows whose unused values are tried as times */

static bool in_list(const char *v, const char *list)
{
    size_t n = strlen(v);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && strncasecmp(p, v, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static int find_col(const wg_layer_def *L, const char *name, size_t len)
{
    for (size_t i = 0; i < L->ncols; i++)
        if (strlen(L->cols[i].name) == len && strncmp(L->cols[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static wg_status bad_field(importer *im, const char *opt, const char *arg)
{
    wg_buf b;
    wg_buf_init(&b, 4096);
    for (size_t i = 0; i < im->L->ncols; i++)
        wg_buf_addf(im->ctx, &b, "%s%s", i ? ", " : "", im->L->cols[i].name);
    wg_status st = wg_fail(im->ctx, WG_EINPUT, "%s %s: the %s layer has no such field (fields: %s)",
                           opt, arg, im->L->name, wg_buf_str(&b));
    wg_buf_fini(&b);
    return st;
}

/* A field name as aliases compare it: ASCII letters in lower case, without spaces, '_', '-'
 * and '.', so "Created Date", "created_date" and "CREATED-DATE" are one name. */
static void fold_name(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++) {
        if (*s == ' ' || *s == '_' || *s == '-' || *s == '.')
            continue;
        out[k++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
    }
    out[k] = '\0';
}

/* The source field that alias `a` names and that `taken` (NULL: none) leaves free: the same
 * name in any case first, then the same folded name. -1 when none. */
static int alias_field(wg_src *src, const char *a, const bool *taken)
{
    size_t nf = wg_src_nfields(src);
    char fa[128], ff[128];
    fold_name(a, fa, sizeof fa);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nf; i++) {
            const char *name = wg_src_field_name(src, i);
            if (taken && taken[i])
                continue;
            if (pass == 0 && strcasecmp(name, a) == 0)
                return (int)i;
            if (pass == 1) {
                fold_name(name, ff, sizeof ff);
                if (fa[0] && strcmp(ff, fa) == 0)
                    return (int)i;
            }
        }
    return -1;
}

static int src_alias_free(wg_src *src, const char *aliases, const bool *taken)
{
    int field = -1;
    for (const char *p = aliases; p && *p && field < 0;) {
        const char *e = strchr(p, ',');
        char alias[64];
        snprintf(alias, sizeof alias, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
        field = alias_field(src, alias, taken);
        p = e ? e + 1 : NULL;
    }
    return field;
}

int wg__src_alias(wg_src *src, const char *aliases)
{
    return src_alias_free(src, aliases, NULL);
}

static void mark_used(importer *im, int field)
{
    if (field >= 0)
        im->used[field] = true;
}

/* Applies --map and --set, then finds the other fields by their usual names: each source
 * field feeds one layer field at most. */
static wg_status resolve_fields(importer *im)
{
    wg_ctx *ctx = im->ctx;
    size_t nf = wg_src_nfields(im->src);
    im->used = calloc(nf + 1, sizeof *im->used);
    im->timeish = calloc(nf + 1, sizeof *im->timeish);
    im->time_ok = calloc(nf + 1, sizeof *im->time_ok);
    if (!im->used || !im->timeish || !im->time_ok)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading the fields of %s", im->name);
    for (size_t i = 0; i < im->L->ncols; i++)
        im->cs[i] = (col_src){.field = -1, .field2 = -1};
    bool given[MAXCOLS] = {0};
    for (size_t k = 0; k < im->o->nmaps + im->o->nsets; k++) {
        bool is_map = k < im->o->nmaps;
        const char *arg = is_map ? im->o->maps[k] : im->o->sets[k - im->o->nmaps];
        const char *opt = is_map ? "--map" : "--set";
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
            return wg_fail(ctx, WG_EINPUT, "%s %s: expected FIELD=%s", opt, arg,
                           is_map ? "SOURCEFIELD" : "VALUE");
        int c = find_col(im->L, arg, (size_t)(eq - arg));
        if (c < 0)
            return bad_field(im, opt, arg);
        given[c] = true;
        if (!is_map) {
            im->cs[c].konst = eq + 1;
            continue;
        }
        const char *name = eq + 1;
        im->cs[c].field = wg_src_field(im->src, name);
        const char *plus = strchr(name, '+');
        if (im->cs[c].field < 0 && plus) { /* "date+time": two fields joined by a space */
            char first[256];
            snprintf(first, sizeof first, "%.*s", (int)(plus - name), name);
            im->cs[c].field = wg_src_field(im->src, first);
            im->cs[c].field2 = wg_src_field(im->src, plus + 1);
            if (im->cs[c].field < 0 || im->cs[c].field2 < 0)
                return wg_fail(ctx, WG_EINPUT, "%s: --map %s: no field '%s' in the source",
                               im->name, arg, im->cs[c].field < 0 ? first : plus + 1);
        } else if (im->cs[c].field < 0) {
            return wg_fail(ctx, WG_EINPUT, "%s: --map %s: no field '%s' in the source", im->name,
                           arg, name);
        }
    }
    /* the source's coordinate columns and the --map'ped fields are not found again by name */
    int xf = -1, yf = -1;
    wg_src_coord_fields(im->src, &xf, &yf);
    if (im->L->gkind != WG_G_NONE) { /* a table keeps no points: its lon/lat go unused */
        mark_used(im, xf);
        mark_used(im, yf);
    }
    for (size_t i = 0; i < im->L->ncols; i++) {
        mark_used(im, im->cs[i].field);
        mark_used(im, im->cs[i].field2);
    }
    for (size_t i = 0; i < im->L->ncols; i++) {
        if (given[i])
            continue;
        /* a shapefile (dBase) cuts field names to 10 characters: heading_deg -> heading_de */
        char cut[11];
        snprintf(cut, sizeof cut, "%s", im->L->cols[i].name);
        if (strlen(im->L->cols[i].name) > 10)
            im->cs[i].field = wg_src_field(im->src, cut);
        if (im->cs[i].field < 0)
            im->cs[i].field = src_alias_free(im->src, im->L->cols[i].aliases, im->used);
        mark_used(im, im->cs[i].field);
    }
    if (im->cs[0].field < 0 && !im->cs[0].konst)
        im->cs[0].from_fid = true;
    for (size_t i = 1; i < im->L->ncols; i++)
        if ((im->L->cols[i].flags & WG_COL_REQUIRED) && im->cs[i].field < 0 && !im->cs[i].konst)
            return wg_fail(ctx, WG_EINPUT,
                           "%s: no '%s' field for the %s layer; name the source field with "
                           "--map %s=FIELD",
                           im->name, im->L->cols[i].name, im->L->name, im->L->cols[i].name);
    return WG_OK;
}

static void describe_mapping(importer *im)
{
    size_t n = 0, cap = sizeof im->r->mapping;
    char *m = im->r->mapping;
    m[0] = '\0';
    for (size_t i = 0; i < im->L->ncols && n < cap; i++) {
        const col_src *c = &im->cs[i];
        const char *sep = n ? ", " : "";
        int k = 0;
        if (c->konst)
            k = snprintf(m + n, cap - n, "%s%s = '%s'", sep, im->L->cols[i].name, c->konst);
        else if (c->from_fid)
            k = snprintf(m + n, cap - n, "%s%s <- feature id", sep, im->L->cols[i].name);
        else if (c->field >= 0 && c->field2 >= 0)
            k = snprintf(m + n, cap - n, "%s%s <- %s+%s", sep, im->L->cols[i].name,
                         wg_src_field_name(im->src, (size_t)c->field),
                         wg_src_field_name(im->src, (size_t)c->field2));
        else if (c->field >= 0)
            k = snprintf(m + n, cap - n, "%s%s <- %s", sep, im->L->cols[i].name,
                         wg_src_field_name(im->src, (size_t)c->field));
        if (k > 0)
            n += (size_t)k;
    }
}

/* Lists the source fields nothing took in r->unused, and the coordinate columns in r->coords. */
static void describe_unused(importer *im)
{
    wg_import_result *r = im->r;
    size_t nf = wg_src_nfields(im->src), n = 0, cap = sizeof r->unused;
    r->unused[0] = r->coords[0] = '\0';
    for (size_t i = 0; i < nf; i++) {
        if (im->used[i])
            continue;
        const char *name = wg_src_field_name(im->src, i);
        int k = snprintf(r->unused + n, cap - n, "%s%s", n ? ", " : "", name);
        if (k < 0 || (size_t)k >= cap - n) { /* too many to list: say so rather than cut one */
            snprintf(r->unused + (n < cap - 8 ? n : cap - 8), 8, ", ...");
            break;
        }
        n += (size_t)k;
    }
    int xf = -1, yf = -1;
    if (wg_src_coord_fields(im->src, &xf, &yf) && xf >= 0 && yf >= 0 && im->L->gkind != WG_G_NONE)
        snprintf(r->coords, sizeof r->coords, "%s, %s", wg_src_field_name(im->src, (size_t)xf),
                 wg_src_field_name(im->src, (size_t)yf));
}

static bool contains_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strstr(s, *words))
            return true;
    return false;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Whether a field's name says it holds a time: date, time, 时间, 日期 in it, or an _at, _dt,
 * _ts or _on ending. */
static bool time_name(const char *name)
{
    static const char *const words[] = {"date", "time", "时间", "日期", "时限", NULL};
    char low[128];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof low; k++)
        low[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
    low[k] = '\0';
    return contains_any(low, words) || ends_with(low, "_at") || ends_with(low, "_dt") ||
           ends_with(low, "_ts") || ends_with(low, "_on") || ends_with(low, " at");
}

/* 'x' or 'y' when a field's name says it holds a coordinate, else 0. */
static char coord_name(const char *name)
{
    static const char *const ys[] = {"latitude", "northing", "纬度", NULL};
    static const char *const xs[] = {"longitude", "easting", "经度", NULL};
    char f[128];
    fold_name(name, f, sizeof f);
    if (contains_any(f, ys) || strcmp(f, "lat") == 0)
        return 'y';
    if (contains_any(f, xs) || strcmp(f, "lon") == 0 || strcmp(f, "lng") == 0 ||
        strcmp(f, "long") == 0)
        return 'x';
    if (!strstr(f, "coord") && !strstr(f, "cord") && !strstr(f, "坐标") && strlen(f) != 1)
        return 0;
    if (f[0] == 'x' || strstr(f, "xcoord"))
        return 'x';
    return f[0] == 'y' || strstr(f, "ycoord") ? 'y' : 0;
}

/* A value that could be a time: digits with a date or time separator, not a plain number. */
static bool timelike_text(const char *v)
{
    bool digit = false, sep = false;
    for (const char *c = v; *c; c++) {
        digit |= *c >= '0' && *c <= '9';
        sep |= *c == '-' || *c == '/' || *c == ':' || (unsigned char)*c >= 0x80;
    }
    return digit && sep && strlen(v) >= 6;
}

/* Tries the current feature's values of the unused fields as times (the first SNIFF_ROWS
 * rows): a field whose non-empty values all read as times looks like a time. */
static wg_status sniff_times(importer *im)
{
    size_t nf = wg_src_nfields(im->src);
    for (size_t i = 0; i < nf; i++) {
        if (im->used[i] || im->timeish[i] != TIME_UNKNOWN)
            continue;
        const char *v = wg_src_str(im->src, i);
        while (v && (*v == ' ' || *v == '\t'))
            v++;
        if (!v || !*v)
            continue;
        int64_t t;
        if (!timelike_text(v)) {
            im->timeish[i] = TIME_NO;
            continue;
        }
        wg_status st = wg_time_parse(im->ctx, v, im->o->time_format, im->tz, &t);
        if (st == WG_EINPUT) {
            wg_ctx_clear_error(im->ctx);
            im->timeish[i] = TIME_NO;
        } else if (st != WG_OK) {
            return st;
        } else {
            im->time_ok[i]++;
        }
    }
    return WG_OK;
}

/* `arg` as a shell word: quoted when it holds anything but plain characters. */
static void shell_word(const char *arg, char *out, size_t n)
{
    bool plain = true;
    for (const char *c = arg; *c; c++)
        plain &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 strchr("_.,:=+/-@%", *c) != NULL || (unsigned char)*c >= 0x80;
    if (plain && *arg) {
        snprintf(out, n, "%s", arg);
        return;
    }
    size_t k = 0;
    if (n < 3)
        return;
    out[k++] = '\'';
    for (const char *c = arg; *c && k + 6 < n; c++) {
        if (*c == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *c;
        }
    }
    out[k++] = '\'';
    out[k] = '\0';
}

/* The layer's time field that a source field named `name` most likely holds, if that one has
 * no source yet; else -1. */
static int guess_time_col(const importer *im, const char *name)
{
    static const struct {
        const char *col;
        const char *const words[8];
    } hints[] = {
        {"closed", {"clos", "resol", "finish", "complet", "结", "完成", "关闭", NULL}},
        {"due", {"due", "sla", "deadline", "target", "时限", "截止", "期限", NULL}},
        {"dispatched", {"dispatch", "assign", "派", NULL}},
        {"reported", {"creat", "open", "report", "occur", "receiv", "上报", "受理", "报"}},
    };
    char f[128];
    fold_name(name, f, sizeof f);
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        bool hit = false;
        for (size_t w = 0; w < 8 && hints[h].words[w] && !hit; w++)
            hit = strstr(f, hints[h].words[w]) != NULL;
        int c = hit ? find_col(im->L, hints[h].col, strlen(hints[h].col)) : -1;
        if (c >= 0 && im->cs[c].field < 0 && !im->cs[c].konst)
            return c;
    }
    return -1;
}

/* One warning per unused time field, while the layer has a time field with no source. */
static void warn_unused_time(importer *im, size_t i)
{
    const char *name = wg_src_field_name(im->src, i);
    char freecols[128] = "";
    size_t nfree = 0, nc = 0;
    for (size_t c = 0; c < im->L->ncols; c++) {
        if (im->L->cols[c].type != WG_COL_TIME || im->cs[c].field >= 0 || im->cs[c].konst)
            continue;
        int k = snprintf(freecols + nc, sizeof freecols - nc, "%s%s", nfree ? ", " : "",
                         im->L->cols[c].name);
        if (k > 0 && (size_t)k < sizeof freecols - nc)
            nc += (size_t)k;
        nfree++;
    }
    if (nfree == 0)
        return; /* every time field has its source: nothing for this one to fill */
    int c = guess_time_col(im, name);
    char arg[320], word[400];
    snprintf(arg, sizeof arg, "%s=%s", c >= 0 ? im->L->cols[c].name : "FIELD", name);
    shell_word(arg, word, sizeof word);
    wg_warn(im->ctx,
            "%s: column '%s' looks like a time (%s) and was not used; to use it: --map %s%s%s%s",
            im->name, name,
            im->timeish[i] == TIME_BY_VALUES ? "its first values read as times" : "by its name",
            word,
            c >= 0 ? "" : " (FIELD: a time field with no source yet: ", c >= 0 ? "" : freecols,
            c >= 0 ? "" : ")");
}

/* Warns of unused columns that look like times or coordinates, naming the option that would
 * use them. */
static void warn_unused(importer *im)
{
    size_t nf = wg_src_nfields(im->src);
    int xs = -1, ys = -1, nx = 0, ny = 0;
    for (size_t i = 0; i < nf; i++) {
        if (im->used[i])
            continue;
        const char *name = wg_src_field_name(im->src, i);
        /* by its name, unless its first values are not times (Boston's on_time: ONTIME) */
        if ((time_name(name) && im->timeish[i] != TIME_NO) || im->timeish[i] == TIME_BY_VALUES) {
            warn_unused_time(im, i);
            continue;
        }
        char xy = coord_name(name);
        if (xy == 'x' && nx++ == 0)
            xs = (int)i;
        if (xy == 'y' && ny++ == 0)
            ys = (int)i;
    }
    int xf = -1, yf = -1;
    if (!wg_src_coord_fields(im->src, &xf, &yf) || xs + ys == -2 || im->L->gkind == WG_G_NONE)
        return;
    char pair[320], word[400], from[300] = "";
    snprintf(pair, sizeof pair, "%s,%s", xs >= 0 ? wg_src_field_name(im->src, (size_t)xs) : "X",
             ys >= 0 ? wg_src_field_name(im->src, (size_t)ys) : "Y");
    shell_word(pair, word, sizeof word);
    if (xf >= 0 && yf >= 0)
        snprintf(from, sizeof from, " (the points came from '%s' and '%s')",
                 wg_src_field_name(im->src, (size_t)xf), wg_src_field_name(im->src, (size_t)yf));
    if (xs >= 0 && ys >= 0)
        wg_warn(im->ctx,
                "%s: columns '%s' and '%s' look like coordinates and were not used%s; to use "
                "them: --xy %s (with --src-crs unless they are longitude/latitude)",
                im->name, wg_src_field_name(im->src, (size_t)xs),
                wg_src_field_name(im->src, (size_t)ys), from, word);
    else
        wg_warn(im->ctx,
                "%s: column '%s' looks like a coordinate and was not used%s; to use it: --xy %s",
                im->name, wg_src_field_name(im->src, (size_t)(xs >= 0 ? xs : ys)), from, word);
}

/* UTM zone of a lon/lat: EPSG 326zz north, 327zz south. */
static int utm_epsg(double lon, double lat)
{
    int zone = (int)floor((lon + 180.0) / 6.0) + 1;
    if (zone < 1)
        zone = 1;
    if (zone > 60)
        zone = 60;
    return (lat >= 0 ? 32600 : 32700) + zone;
}

static wg_status open_source(importer *im, int *new_epsg)
{
    wg_src_opts so = {.layer = im->o->src_layer,
                      .src_crs = im->o->src_crs,
                      .dst_crs = wg_ws_crs(im->ws),
                      .shift = im->o->shift,
                      .no_repair = im->o->no_repair,
                      .x_field = im->o->x_field,
                      .y_field = im->o->y_field,
                      .columns = im->o->columns,
                      .ncolumns = im->o->ncolumns};
    wg_status st = wg_src_open(im->ctx, im->source, &so, &im->src);
    if (st != WG_OK || im->L->gkind == WG_G_NONE || so.dst_crs)
        return st;
    /* No workspace CRS yet: this import chooses it, the UTM zone of the data's center. */
    if (wg_src_gkind(im->src) == WG_G_NONE)
        return WG_OK; /* reported as "no geometry" below */
    double lon, lat;
    st = wg_src_center_lonlat(im->ctx, im->src, &lon, &lat);
    if (st != WG_OK)
        return st;
    *new_epsg = utm_epsg(lon, lat);
    char crs[32];
    snprintf(crs, sizeof crs, "EPSG:%d", *new_epsg);
    wg_src_close(im->src);
    im->src = NULL;
    so.dst_crs = crs;
    return wg_src_open(im->ctx, im->source, &so, &im->src);
}

static const char *kind_name(wg_gkind k)
{
    switch (k) {
    case WG_G_POINT:
        return "points";
    case WG_G_LINE:
        return "lines";
    case WG_G_POLYGON:
        return "polygons";
    case WG_G_NONE:
        return "no geometry";
    default:
        return "mixed geometries";
    }
}

static wg_status check_layer_kind(importer *im)
{
    wg_gkind want = im->L->gkind, have = wg_src_gkind(im->src);
    if (want == WG_G_NONE)
        return WG_OK;
    if (have == WG_G_NONE)
        return wg_fail(im->ctx, WG_EINPUT,
                       "%s: has no geometry, but the %s layer needs %s (a CSV needs x/y or "
                       "lon/lat columns)",
                       im->name, im->L->name,
                       want == WG_G_ANY ? "polygons or points" : kind_name(want));
    if (want != WG_G_ANY && have != WG_G_ANY && have != want)
        return wg_fail(im->ctx, WG_EINPUT, "%s: has %s, but the %s layer needs %s", im->name,
                       kind_name(have), im->L->name, kind_name(want));
    if (want == WG_G_ANY && have == WG_G_LINE)
        return wg_fail(im->ctx, WG_EINPUT,
                       "%s: has lines, but the units layer needs polygons or "
                       "points",
                       im->name);
    return WG_OK;
}

/* Keeps a copy of text value v of column c (its pointer is set once the feature is read). */
static wg_status keep_text(importer *im, size_t c, const char *v)
{
    im->vals[c].null = false;
    im->voff[c] = im->vtext.len;
    return wg_buf_add(im->ctx, &im->vtext, v, strlen(v) + 1);
}

/* The text of column c for the current feature, or NULL. */
static const char *col_text(importer *im, size_t c, const wg_feat *f, char *idbuf, size_t n)
{
    const col_src *s = &im->cs[c];
    const char *v = NULL;
    if (s->konst)
        v = s->konst;
    else if (s->from_fid) {
        snprintf(idbuf, n, "%lld", (long long)f->fid);
        v = idbuf;
    } else if (s->field >= 0 && s->field2 >= 0) {
        const char *a = wg_src_str(im->src, (size_t)s->field);
        const char *b = wg_src_str(im->src, (size_t)s->field2);
        wg_buf_reset(&im->joined);
        if (a)
            wg_buf_add(im->ctx, &im->joined, a, strlen(a));
        if (a && b)
            wg_buf_add(im->ctx, &im->joined, " ", 1);
        if (b)
            wg_buf_add(im->ctx, &im->joined, b, strlen(b));
        v = a || b ? wg_buf_str(&im->joined) : NULL;
    } else if (s->field >= 0)
        v = wg_src_str(im->src, (size_t)s->field);
    if (v) {
        while (*v == ' ' || *v == '\t')
            v++;
        if (!*v)
            v = NULL; /* an empty value is a missing one */
    }
    return v;
}

/* Checks column c's text and sets its value; on a bad value writes why into `why` and returns
 * false. */
static bool bind_col(importer *im, size_t c, const char *v, char *why, size_t n)
{
    const wg_col *col = &im->L->cols[c];
    wg_value *val = &im->vals[c];
    memset(val, 0, sizeof *val);
    val->null = true;
    if (!v) {
        if (col->flags & WG_COL_REQUIRED) {
            snprintf(why, n, "%s is missing", col->name);
            return false;
        }
        return true;
    }
    if (col->type == WG_COL_TEXT) {
        if (col->allowed && !in_list(v, col->allowed)) {
            snprintf(why, n, "%s = '%s' (must be one of %s)", col->name, v, col->allowed);
            return false;
        }
        if (col->allowed) { /* store the canonical lower-case spelling */
            char low[32];
            size_t k = 0;
            for (; v[k] && k + 1 < sizeof low; k++)
                low[k] = (char)(v[k] >= 'A' && v[k] <= 'Z' ? v[k] + 32 : v[k]);
            low[k] = '\0';
            keep_text(im, c, low);
        } else {
            keep_text(im, c, v);
        }
        return true;
    }
    if (col->type == WG_COL_TIME) {
        int64_t t = 0;
        wg_status ts = wg_time_parse(im->ctx, v, im->o->time_format, im->tz, &t);
        if (ts == WG_EINPUT) { /* the row's problem, said in its rejection, not the run's */
            snprintf(why, n, "%s: %s", col->name, wg_ctx_errmsg(im->ctx));
            wg_ctx_clear_error(im->ctx);
            return false;
        }
        if (ts != WG_OK) { /* out of memory...: the import stops with it (see the caller) */
            snprintf(why, n, "%s: %s", col->name, wg_ctx_errmsg(im->ctx));
            return false;
        }
        val->null = false;
        val->i = t;
        return true;
    }
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (end == v || *end || errno == ERANGE || !isfinite(d)) {
        snprintf(why, n, "%s = '%s' is not a number", col->name, v);
        return false;
    }
    if ((col->flags & WG_COL_NONNEG) && d < 0) {
        snprintf(why, n, "%s = %s (must be >= 0)", col->name, v);
        return false;
    }
    if (col->type == WG_COL_INT) {
        if (d != floor(d) || fabs(d) > 9007199254740992.0) {
            snprintf(why, n, "%s = %s is not a whole number", col->name, v);
            return false;
        }
        val->i = (int64_t)d;
    } else {
        val->r = d;
    }
    val->null = false;
    return true;
}

static bool is_cam_col(const importer *im, size_t c)
{
    for (size_t k = 0; im->cameras && k < WG__CAM_NFIELDS; k++)
        if (im->cam_col[k] == c)
            return true;
    return false;
}

/* The cameras layer: kind, heading, fov, range and height are read together by cameras.c,
 * since what a missing one defaults to depends on the others. Binds the view and which
 * defaults it took (*took_default: at least one). A bad value sets *bad and writes why; the
 * returned status is for failures of the import itself. */
static wg_status bind_camera(importer *im, const wg_feat *f, bool *bad, bool *took_default,
                             char *why, size_t n)
{
    char idbuf[32];
    size_t off[WG__CAM_NFIELDS];
    bool has[WG__CAM_NFIELDS];
    wg_buf_reset(&im->cam_text);
    for (size_t k = 0; k < WG__CAM_NFIELDS; k++) {
        /* copied: GDAL reuses the buffer of a number's text for the next field */
        const char *v = col_text(im, im->cam_col[k], f, idbuf, sizeof idbuf);
        has[k] = v != NULL;
        off[k] = im->cam_text.len;
        wg_status st = v ? wg_buf_add(im->ctx, &im->cam_text, v, strlen(v) + 1) : WG_OK;
        if (st != WG_OK) {
            wg_ctx_where(im->ctx, "%s: %s: %s: ", im->name, f->label, wg__cam_field[k]);
            return st;
        }
    }
    const char *text[WG__CAM_NFIELDS];
    for (size_t k = 0; k < WG__CAM_NFIELDS; k++)
        text[k] = has[k] ? wg_buf_str(&im->cam_text) + off[k] : NULL;
    wg__cam_view cv;
    *bad = !wg__cam_read(text, &cv, why, n);
    if (*bad)
        return WG_OK;
    wg_value *v = im->vals;
    v[im->cam_col[WG__CAM_KIND]] = (wg_value){.s = cv.kind}; /* static */
    v[im->cam_col[WG__CAM_HEADING]] = (wg_value){.r = cv.heading_deg};
    v[im->cam_col[WG__CAM_FOV]] = (wg_value){.r = cv.fov_deg};
    v[im->cam_col[WG__CAM_RANGE]] = (wg_value){.r = cv.range_m};
    v[im->cam_col[WG__CAM_HEIGHT]] = (wg_value){.null = !cv.has_height, .r = cv.height_m};
    *took_default = cv.defaulted[0] != '\0';
    im->cam_defaulted = NULL;
    if (*took_default) {
        im->voff[MAXCOLS - 1] = im->vtext.len;
        wg_status st = wg_buf_add(im->ctx, &im->vtext, cv.defaulted, strlen(cv.defaulted) + 1);
        if (st != WG_OK)
            return st;
        im->cam_defaulted = ""; /* resolved once the feature is read */
    }
    return WG_OK;
}

/* Defaults that depend on the feature: a unit's kind from its geometry, an incident's status
 * from its closing time, a barrier's kind. */
static const char *default_value(importer *im, size_t c, const wg_feat *f)
{
    const char *layer = im->L->name, *col = im->L->cols[c].name;
    if (strcmp(layer, "units") == 0 && strcmp(col, "kind") == 0)
        return f->geom && wg_geom_kind(im->ctx, f->geom) == WG_G_POINT ? "address" : "building";
    if (strcmp(layer, "barriers") == 0 && strcmp(col, "kind") == 0)
        return "road";
    return NULL;
}

static wg_status open_rejects(importer *im)
{
    const wg_import_opts *o = im->o;
    char *path = im->r->rejects_path;
    size_t cap = sizeof im->r->rejects_path;
    int n;
    if (o->rejects_path) {
        n = snprintf(path, cap, "%s", o->rejects_path);
    } else {
        /* beside the workspace file; a database's: beside the source */
        const char *ws = wg_ws_is_database(wg_ws_path(im->ws)) ? im->source : wg_ws_path(im->ws);
        const char *slash = strrchr(ws, '/');
        const char *base = strrchr(im->source, '/');
        base = base ? base + 1 : im->source;
        size_t blen = strcspn(base, ".");
        n = snprintf(path, cap, "%.*s%.*s.%s.rejects.csv", slash ? (int)(slash - ws + 1) : 0, ws,
                     (int)blen, base, im->L->name);
    }
    if (n < 0 || (size_t)n >= cap)
        return wg_fail(im->ctx, WG_EINPUT, "the rejects file's path is longer than %zu bytes: %s",
                       cap - 1, o->rejects_path ? o->rejects_path : im->source);
    wg_status st = wg_atomic_begin(im->ctx, path, false, &im->rej_out);
    if (st == WG_OK && !(im->rej = wg_atomic_stream(im->rej_out)))
        st = wg_fail(im->ctx, WG_EIO, "%s: cannot write the rejects file: %s", path,
                     strerror(errno));
    if (st != WG_OK) {
        wg_ctx_where(im->ctx, "the rejects file: ");
        return st;
    }
    fputs("feature,id,problem\n", im->rej);
    return WG_OK;
}

static void csv_field(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A feature that cannot be imported: with --skip-invalid it is listed and skipped; without,
 * it fails the import. */
static wg_status reject(importer *im, const wg_feat *f, const char *id, const char *why)
{
    im->r->rejected++;
    if (!im->o->skip_invalid)
        return wg_fail(im->ctx, WG_EINPUT,
                       "%s: %s%s%s%s: %s (nothing was imported; --skip-invalid imports the "
                       "rest and lists the rejects)",
                       im->name, f->label, id ? " (id '" : "", id ? id : "", id ? "')" : "", why);
    if (!im->rej) {
        wg_status st = open_rejects(im);
        if (st != WG_OK)
            return st;
    }
    fprintf(im->rej, "%s,", f->label);
    csv_field(im->rej, id);
    fputc(',', im->rej);
    csv_field(im->rej, why);
    fputc('\n', im->rej);
    if (im->r->rejected == 1)
        snprintf(im->first_reject, sizeof im->first_reject, "%s (id '%s'): %s", f->label,
                 id ? id : "", why);
    if (im->r->rejected <= 10)
        wg_warn(im->ctx, "%s (id '%s'): rejected: %s", f->label, id ? id : "", why);
    return WG_OK;
}

/* Keeps polygon *m (taken: *m becomes NULL) for measuring whether the units tile. */
static wg_status keep_poly(importer *im, wg_geom **m)
{
    wg_status st =
        wg_grow(im->ctx, (void **)&im->polys, &im->cappolys, im->npolys + 1, sizeof *im->polys);
    if (st != WG_OK)
        return st;
    im->polys[im->npolys++] = *m;
    *m = NULL;
    return WG_OK;
}

/* Units whose source gives no kind: polygons that tile the area (census blocks, tracts,
 * parcels) are areas, detached footprints stay buildings (points are addresses already). The
 * rows were written as buildings; this turns this import's ones into areas when they tile, and
 * says which and why. */
static wg_status infer_kind(importer *im)
{
    wg_tiling *t = &im->r->tiling;
    wg_status st = wg_tiling_measure(im->ctx, (const wg_geom *const *)im->polys, im->npolys, t);
    if (st != WG_OK || t->n == 0)
        return st;
    int64_t changed = 0;
    if (t->tiles)
        st = wg_store_units_set_kind(im->ws, im->batch, "building", "area", &changed);
    if (st != WG_OK)
        return st;
    snprintf(im->r->kind_note, sizeof im->r->kind_note,
             "kind = %s (inferred: no kind field): %zu polygons, %zu (%.1f %%) share an edge "
             "with another, they fill %.1f %% of their convex hull and overlap by %.1f %%; %s "
             "(areas: at least 50 %% sharing an edge, 33 %% filled, at most 5 %% overlap); "
             "--set kind=building|area overrides",
             t->tiles ? "area" : "building", t->n, t->touching, 100 * t->touch_share,
             100 * t->hull_cover, 100 * t->overlap,
             t->tiles                 ? "they tile the district, like census blocks or parcels"
             : t->n < WG_TILING_MIN_N ? "too few to tell, taken for building footprints"
                                      : "they stand apart, like building footprints");
    return WG_OK;
}

/* Whether wkb is a single Point, in the ISO WKB (little-endian) wg_geom_to_wkb() writes. */
static bool wkb_is_point(const unsigned char *wkb, size_t len)
{
    static const unsigned char point[5] = {1, 1, 0, 0, 0};
    return wkb && len >= sizeof point && memcmp(wkb, point, sizeof point) == 0;
}

/* Communities, with a codes table: a missing parent is taken from the table when the id is a
 * code in it (*v then points into im); a parent the table lacks is a warning. */
static wg_status parent_from_codes(importer *im, const wg_feat *f, const char *id, const char **v)
{
    if (im->ncodes == 0)
        return WG_OK;
    bool found = false;
    wg_status st =
        wg_store_code_parent(im->ws, *v ? *v : id, &found, im->code_parent, sizeof im->code_parent);
    if (st != WG_OK)
        return st;
    if (!*v && found && im->code_parent[0]) {
        *v = im->code_parent;
        im->r->parents_from_codes++;
    } else if (*v && !found && ++im->parents_unknown <= 10) {
        wg_warn(im->ctx, "%s: %s (id '%s'): parent '%s' is not in the codes table (%lld codes)",
                im->name, f->label, id, *v, (long long)im->ncodes);
    }
    return WG_OK;
}

static wg_status import_feature(importer *im, const wg_feat *f)
{
    char idbuf[32], why[512];
    const char *text = col_text(im, 0, f, idbuf, sizeof idbuf);
    if (!text)
        return reject(im, f, NULL, "id is missing");
    wg_buf_reset(&im->id);
    wg_status cst = wg_buf_add(im->ctx, &im->id, text, strlen(text));
    if (cst != WG_OK)
        return cst;
    const char *id = wg_buf_str(&im->id);
    if (im->L->gkind != WG_G_NONE) {
        if (f->problem[0])
            return reject(im, f, id, f->problem);
        wg_gkind k = wg_geom_kind(im->ctx, f->geom);
        bool ok =
            im->L->gkind == WG_G_ANY ? (k == WG_G_POINT || k == WG_G_POLYGON) : k == im->L->gkind;
        if (!ok) {
            snprintf(why, sizeof why, "geometry has %s, but the %s layer needs %s", kind_name(k),
                     im->L->name, kind_name(im->L->gkind));
            return reject(im, f, id, why);
        }
    }
    wg_buf_reset(&im->vtext);
    im->cam_defaulted = NULL;
    cst = keep_text(im, 0, id);
    if (cst != WG_OK)
        return cst;
    for (size_t c = 1; c < im->L->ncols; c++) {
        if (is_cam_col(im, c))
            continue;
        const char *v = col_text(im, c, f, idbuf, sizeof idbuf);
        if ((int)c == im->parent_col) {
            cst = parent_from_codes(im, f, id, &v);
            if (cst != WG_OK)
                return cst;
        }
        if (!v)
            v = default_value(im, c, f);
        else if (im->units_kind == (int)c && wg_unit_kind(v))
            v = wg_unit_kind(v); /* block, tract, parcel... -> area */
        if (!bind_col(im, c, v, why, sizeof why))
            return wg_ctx_status(im->ctx) != WG_OK ? wg_ctx_status(im->ctx)
                                                   : reject(im, f, id, why);
    }
    bool bad = false, took_default = false;
    if (im->cameras) {
        wg_status st = bind_camera(im, f, &bad, &took_default, why, sizeof why);
        if (st != WG_OK)
            return st;
        if (bad)
            return reject(im, f, id, why);
    }
    /* the texts are all copied now: their pointers stay put until the next feature */
    for (size_t c = 0; c < im->L->ncols; c++)
        if (!im->vals[c].null && im->L->cols[c].type == WG_COL_TEXT &&
            !(im->cameras && c == im->cam_col[WG__CAM_KIND]))
            im->vals[c].s = im->vtext.s + im->voff[c];
    if (im->cam_defaulted)
        im->cam_defaulted = im->vtext.s + im->voff[MAXCOLS - 1];
    unsigned char *wkb = NULL;
    size_t len = 0;
    if (im->L->sql_geom) {
        wg_geom *m = NULL;
        wg_status st = wg_geom_multi(im->ctx, f->geom, &m);
        if (st == WG_OK) {
            /* units may be points: only polygons and lines take the multi form */
            st = wg_geom_to_wkb(im->ctx, wg_geom_kind(im->ctx, f->geom) == WG_G_POINT ? f->geom : m,
                                &wkb, &len);
            if (st == WG_OK && im->infer_kind && wg_geom_kind(im->ctx, m) == WG_G_POLYGON)
                st = keep_poly(im, &m);
            wg_geom_free(im->ctx, m);
        }
        if (st != WG_OK)
            return st;
    }
    if (im->L->gkind == WG_G_POINT && !wkb_is_point(wkb, len)) {
        /* a MultiPoint is of the point kind, but the layer's column holds single points */
        free(wkb);
        snprintf(why, sizeof why,
                 "geometry is a MultiPoint, but the %s layer needs a single point per feature",
                 im->L->name);
        return reject(im, f, id, why);
    }
    wg_row_outcome out;
    wg_status st = wg_store_rows_put(im->ins, im->vals, wkb, len, im->cam_defaulted, &out);
    free(wkb);
    if (st != WG_OK) {
        wg_ctx_where(im->ctx, "%s: %s (id '%s'): ", im->name, f->label, id);
        return st;
    }
    if (out == WG_ROW_DUPLICATE)
        return reject(im, f, id, "the same id appears more than once in the source");
    if (out == WG_ROW_INSERTED)
        im->r->inserted++;
    else
        im->r->updated++;
    if (took_default)
        im->r->defaulted++;
    if (f->repaired) {
        im->r->repaired++;
        wg_warn(im->ctx, "%s (id '%s'): invalid polygon repaired (%s)", f->label, id, f->note);
    }
    return WG_OK;
}

static wg_status log_import(importer *im)
{
    const wg_import_result *r = im->r;
    wg_import_log l = {.batch = im->batch,
                       .layer = im->L->name,
                       .source = im->name,
                       .features = r->features,
                       .inserted = r->inserted,
                       .updated = r->updated,
                       .repaired = r->repaired,
                       .rejected = r->rejected};
    return wg_store_import_logged(im->ws, &l);
}

static wg_status run_rows(importer *im)
{
    wg_ctx *ctx = im->ctx;
    int64_t total = wg_src_count(im->src);
    char stage[64];
    snprintf(stage, sizeof stage, "importing %s", im->L->name);
    wg_status st = WG_OK;
    for (;;) {
        wg_feat f;
        bool eof = false;
        st = wg_src_next(ctx, im->src, &f, &eof);
        if (st != WG_OK || eof)
            break;
        im->r->features++;
        st = import_feature(im, &f);
        if (st == WG_OK && im->r->features <= SNIFF_ROWS)
            st = sniff_times(im);
        if (st != WG_OK)
            break;
        if (im->r->features % 20000 == 0) {
            wg_progress(ctx, stage, (uint64_t)im->r->features, total > 0 ? (uint64_t)total : 0);
            if (wg_ctx_cancelled(ctx)) {
                st = wg_fail(ctx, WG_EINTR, "import interrupted; nothing was imported");
                break;
            }
        }
    }
    wg_progress(ctx, stage, (uint64_t)im->r->features, (uint64_t)im->r->features);
    if (st == WG_OK && im->r->features == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: the layer has no features (empty layer)", im->name);
    size_t nf = wg_src_nfields(im->src);
    for (size_t i = 0; st == WG_OK && i < nf; i++)
        if (im->timeish[i] == TIME_UNKNOWN && im->time_ok[i] > 0)
            im->timeish[i] = TIME_BY_VALUES;
    if (st == WG_OK && im->r->rejected == im->r->features)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: all %lld features were rejected (the first: %s); nothing was imported",
                     im->name, (long long)im->r->features, im->first_reject);
    return st;
}

static wg_status run(importer *im)
{
    int new_epsg = 0;
    if (im->o->weight_name && strcmp(im->L->name, "units") != 0)
        return wg_fail(im->ctx, WG_EINPUT,
                       "--weight-name names what the units count; it does not apply to the %s "
                       "layer",
                       im->L->name);
    if (im->o->weight_name && !wg_weight_name_valid(im->o->weight_name))
        return wg_fail(im->ctx, WG_EINPUT,
                       "--weight-name %s: expected 1 to 31 lower-case letters or '_' "
                       "(households, residents, persons...)",
                       im->o->weight_name);
    wg_status st = open_source(im, &new_epsg);
    if (st == WG_OK)
        st = check_layer_kind(im);
    if (st == WG_OK)
        st = resolve_fields(im);
    if (st == WG_OK && im->o->tz)
        st = wg_tz_load(im->ctx, im->o->tz, &im->tz);
    if (st != WG_OK)
        return st;
    describe_mapping(im);
    describe_unused(im);
    im->units_kind = strcmp(im->L->name, "units") == 0 ? find_col(im->L, "kind", 4) : -1;
    im->infer_kind =
        im->units_kind > 0 && im->cs[im->units_kind].field < 0 && !im->cs[im->units_kind].konst;
    char what[128];
    snprintf(what, sizeof what, "import %s", im->L->name);
    st = wg_store_begin(im->ws, what);
    if (st != WG_OK)
        return st;
    if (new_epsg) {
        char crs[32];
        snprintf(crs, sizeof crs, "EPSG:%d", new_epsg);
        st = wg_ws_set_crs(im->ws, crs);
        snprintf(im->r->crs_note, sizeof im->r->crs_note,
                 "workspace CRS set to EPSG:%d (the UTM zone of this data)", new_epsg);
    }
    if (st == WG_OK && im->parent_col >= 0)
        st = wg_store_codes_count(im->ws, &im->ncodes);
    if (st == WG_OK)
        st = wg_store_next_batch(im->ws, &im->batch);
    if (st == WG_OK)
        st = wg_store_rows_open(im->ws, im->L, im->batch, &im->ins);
    if (st == WG_OK)
        st = run_rows(im);
    if (st == WG_OK && im->o->weight_name)
        st = wg_store_weight_name_put(im->ws, im->o->weight_name);
    if (st == WG_OK && im->infer_kind)
        st = infer_kind(im);
    if (st == WG_OK)
        st = log_import(im);
    if (st == WG_OK && im->rej && (ferror(im->rej) || fflush(im->rej) != 0))
        st = wg_fail(im->ctx, WG_EIO, "%s: cannot write the rejects file: %s", im->r->rejects_path,
                     strerror(errno));
    wg_store_rows_close(im->ins);
    im->ins = NULL;
    if (st == WG_OK)
        im->r->ver = wg_store_tx_version(im->ws);
    if (st == WG_OK)
        st = wg_store_commit(im->ws);
    else /* (the CRS this import chose goes with the rollback) */
        wg_store_rollback(im->ws);
    if (st != WG_OK)
        return st;
    warn_unused(im);
    if (im->parents_unknown > 10)
        wg_warn(im->ctx, "%s: %lld communities in all name a parent that is not in the codes table",
                im->name, (long long)im->parents_unknown);
    /* the rows are in: the rejects file takes its place (when there is something in it) */
    st = wg_atomic_end(im->ctx, im->rej_out, im->r->rejected > 0);
    im->rej_out = NULL, im->rej = NULL;
    if (st != WG_OK)
        wg_ctx_where(im->ctx, "imported, but the rejects file was not written: ");
    return st;
}

/* For the cameras layer: where each field cameras.c reads sits in the layer's columns. */
static wg_status find_cam_cols(importer *im)
{
    im->cameras = strcmp(im->L->name, "cameras") == 0;
    for (size_t k = 0; im->cameras && k < WG__CAM_NFIELDS; k++) {
        int c = find_col(im->L, wg__cam_field[k], strlen(wg__cam_field[k]));
        if (c < 1)
            return wg_fail(im->ctx, WG_EINTERNAL, "the cameras layer has no '%s' field",
                           wg__cam_field[k]);
        im->cam_col[k] = (size_t)c;
    }
    return WG_OK;
}

/* The categories or workload weights table: the file replaces the workspace's. */
static wg_status import_table(wg_ws *ws, const char *layer, const char *source, wg_import_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    bool cats = strcmp(layer, "categories") == 0;
    wg_categories t = {.star = -1};
    double w[WG_NTERMS];
    wg_status st = cats ? wg_categories_load(ctx, source, &t) : wg_weights_load(ctx, source, w);
    if (st == WG_OK)
        st = wg_store_begin(ws, cats ? "import categories" : "import weights");
    if (st == WG_OK) {
        st = cats ? wg_store_categories_put(ws, &t) : wg_store_weights_put(ws, w);
        if (st == WG_OK)
            st = wg_store_roster_logged(ws, layer, source, cats ? (int64_t)t.n : WG_NTERMS,
                                        cats ? (int64_t)t.n : WG_NTERMS);
        if (st == WG_OK)
            st = wg_store_commit(ws);
        else
            wg_store_rollback(ws);
    }
    if (st == WG_OK) {
        r->features = r->inserted = cats ? (int64_t)t.n : WG_NTERMS;
        snprintf(r->mapping, sizeof r->mapping, "%s",
                 cats ? "category, name, handling_hours, deadline_days (the whole table)"
                      : "term, weight (the whole table)");
    }
    wg_categories_free(&t);
    return st;
}

wg_status wg_import(wg_ws *ws, const char *layer, const char *source, const wg_import_opts *o,
                    wg_import_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    static const wg_import_opts none = {0};
    double t0 = wg_now();
    memset(r, 0, sizeof *r);
    if (strcmp(layer, "categories") == 0 || strcmp(layer, "weights") == 0) {
        wg_status st = import_table(ws, layer, source, r);
        r->seconds = wg_now() - t0;
        return st;
    }
    if (strcmp(layer, "postings") == 0 || strcmp(layer, "visits") == 0) {
        wg_status st = wg__import_roster(ws, layer, source, o ? o : &none, r);
        r->seconds = wg_now() - t0;
        return st;
    }
    const wg_layer_def *L = wg_layer_find(layer);
    if (!L || !L->importable)
        return wg_fail(ctx, WG_EINPUT,
                       "unknown layer '%s' (layers: communities, units, barriers, streets, "
                       "incidents, cameras, workers, codes, postings, visits, categories, "
                       "weights)",
                       layer);
    importer im = {.ws = ws,
                   .ctx = ctx,
                   .L = L,
                   .source = source,
                   .name = o && o->source_name ? o->source_name : source,
                   .o = o ? o : &none,
                   .r = r};
    im.parent_col =
        strcmp(L->name, "communities") == 0 ? find_col(L, "parent", strlen("parent")) : -1;
    wg_buf_init(&im.joined, 1 << 16);
    wg_buf_init(&im.id, 1 << 16);
    wg_buf_init(&im.cam_text, 1 << 16);
    wg_buf_init(&im.vtext, 1 << 20);
    wg_status st = find_cam_cols(&im);
    if (st == WG_OK)
        st = run(&im);
    wg_atomic_end(ctx, im.rej_out, false); /* still open: the import failed */
    if (st != WG_OK)
        r->rejects_path[0] = '\0';
    if (r->rejected == 0)
        r->rejects_path[0] = '\0';
    wg_store_rows_close(im.ins);
    wg_buf_fini(&im.vtext);
    wg_buf_fini(&im.joined);
    wg_buf_fini(&im.id);
    wg_buf_fini(&im.cam_text);
    wg_tz_free(im.tz);
    free(im.used);
    free(im.timeish);
    free(im.time_ok);
    wg_geoms_free(ctx, im.polys, im.npolys);
    wg_src_close(im.src);
    r->seconds = wg_now() - t0;
    return st;
}
