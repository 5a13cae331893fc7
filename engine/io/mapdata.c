/* engine/io/mapdata.c: layers read as plain data for drawing (wg/mapdata.h). */
#include "wg/mapdata.h"

#include "engine_int.h"
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each layer selects: key, name, group, four numbers, geometry as WKB; the table (for
 * its spatial index) and the column holding the community (NULL: none). */
typedef struct layer_sql {
    const char *table, *cols, *community, *order;
} layer_sql;

static const layer_sql LAYERS[WG_ML_COUNT] = {
    [WG_ML_COMMUNITIES] = {"communities", "id, name, parent, households, NULL, NULL, NULL", "id",
                           "id"},
    [WG_ML_UNITS] = {"units", "id, name, community, households, NULL, NULL, NULL", "community",
                     "id"},
    [WG_ML_BARRIERS] = {"barriers", "id, name, kind, NULL, NULL, NULL, NULL", NULL, "id"},
    [WG_ML_STREETS] = {"streets", "id, name, kind, NULL, NULL, NULL, NULL", NULL, "id"},
    [WG_ML_CELLS] = {"cells", "code, NULL, community, households, units, area_m2, compactness",
                     "community", "code"},
    [WG_ML_CAMERAS] = {"cameras", "id, name, kind, heading_deg, fov_deg, range_m, height_m", NULL,
                       "id"},
    [WG_ML_CAMERA_VIEWS] = {"camera_views", "camera, NULL, kind, area_m2, NULL, NULL, NULL", NULL,
                            "camera"},
    [WG_ML_BLIND_SPOTS] = {"blind_spots", "fid, NULL, cell, area_m2, incidents, NULL, NULL", NULL,
                           "fid"},
};

wg_status wg_map_plan(wg_ws *ws, int64_t plan, int64_t *id, char name[128])
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               plan > 0 ? "SELECT id, name FROM plans WHERE id = ?"
                                        : "SELECT id, name FROM plans WHERE active = 1",
                               &q);
    if (st != WG_OK)
        return st;
    if (plan > 0)
        sqlite3_bind_int64(q, 1, plan);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        snprintf(name, 128, "%s", (const char *)sqlite3_column_text(q, 1));
    } else if (rc == SQLITE_DONE) {
        st = plan > 0 ? wg_fail(ws->ctx, WG_EINPUT, "no plan %lld", (long long)plan)
                      : wg_fail(ws->ctx, WG_EINPUT,
                                "the workspace has no active plan (run wangge partition)");
    } else {
        st = wg__sql_fail(ws, "reading plans: ");
    }
    sqlite3_finalize(q);
    return st;
}

/* The WHERE clause of a query: plan, community, bounding box (through the spatial index). */
static wg_status where_clause(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                              char *sql, size_t cap)
{
    const layer_sql *L = &LAYERS[layer];
    int k = snprintf(sql, cap, "WHERE geom IS NOT NULL");
    if (layer == WG_ML_CELLS)
        k += snprintf(sql + k, cap - (size_t)k, " AND plan = %lld", (long long)plan);
    if (q && q->community && L->community)
        k += snprintf(sql + k, cap - (size_t)k, " AND %s = ?1", L->community);
    /* the layer's R*Tree (SpatiaLite's idx_<table>_geom) answers both the box and the size
     * test from its own entries, so features left out are never read */
    if (q && (q->bbox || q->min_size_m > 0)) {
        k += snprintf(sql + k, cap - (size_t)k, " AND fid IN (SELECT pkid FROM idx_%s_geom WHERE 1",
                      L->table);
        if (q->bbox)
            k += snprintf(sql + k, cap - (size_t)k,
                          " AND xmin <= ?4 AND xmax >= ?2 AND ymin <= ?5 AND ymax >= ?3");
        if (q->min_size_m > 0)
            k +=
                snprintf(sql + k, cap - (size_t)k, " AND (xmax - xmin >= ?6 OR ymax - ymin >= ?6)");
        k += snprintf(sql + k, cap - (size_t)k, ")");
    }
    if ((size_t)k >= cap)
        return wg_fail(ws->ctx, WG_EINTERNAL, "map query too long");
    return WG_OK;
}

static void bind_query(sqlite3_stmt *s, const wg_map_query *q)
{
    if (q && q->community)
        sqlite3_bind_text(s, 1, q->community, -1, SQLITE_STATIC);
    if (q && q->bbox)
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(s, 2 + i, q->bbox[i]);
    if (q && q->min_size_m > 0)
        sqlite3_bind_double(s, 6, q->min_size_m);
}

static int64_t plan_of(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, wg_status *st)
{
    int64_t id = 0;
    char name[128];
    *st = layer == WG_ML_CELLS ? wg_map_plan(ws, q ? q->plan : 0, &id, name) : WG_OK;
    return id;
}

/* Prepares "SELECT <what> FROM <layer> WHERE <the query's filters> <tail>" with the query's
 * values bound. */
static wg_status query_open(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, const char *what,
                            const char *tail, sqlite3_stmt **s)
{
    wg_status st;
    int64_t plan = plan_of(ws, layer, q, &st);
    char where[512], sql[1024];
    if (st == WG_OK)
        st = where_clause(ws, layer, q, plan, where, sizeof where);
    if (st != WG_OK)
        return st;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s %s %s", what, LAYERS[layer].table, where, tail);
    if ((st = wg__prepare(ws, sql, s)) == WG_OK)
        bind_query(*s, q);
    return st;
}

wg_status wg_map_extent(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, double box[4],
                        bool *any)
{
    sqlite3_stmt *s = NULL;
    wg_status st = query_open(ws, layer, q,
                              "min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)), "
                              "max(MbrMaxY(geom)), count(*)",
                              "", &s);
    if (st != WG_OK)
        return st;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *any = sqlite3_column_int64(s, 4) > 0;
        for (int i = 0; i < 4; i++)
            box[i] = sqlite3_column_double(s, i);
    } else {
        st = wg__sql_fail(ws, "reading a layer's extent: ");
    }
    sqlite3_finalize(s);
    return st;
}

void wg_map_feats_free(wg_map_feats *f)
{
    if (!f)
        return;
    wg_shapes_fini(&f->shapes);
    free(f->key);
    free(f->name);
    free(f->group);
    free(f->v);
    free(f->anchor);
    free(f->strings);
    *f = (wg_map_feats){0};
}

/* The largest circle inside a polygon: where its label goes and how much room it has. */
static wg_status anchor_of(wg_ctx *ctx, const unsigned char *wkb, size_t len, double a[3])
{
    a[0] = a[1] = a[2] = NAN;
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    GEOSGeometry *g = NULL;
    if (wg_geom_from_wkb(ctx, wkb, len, &g) != WG_OK)
        return wg_ctx_status(ctx);
    int t = GEOSGeomTypeId_r(h, g);
    if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && GEOSisEmpty_r(h, g) == 0) {
        double area = 0;
        GEOSArea_r(h, g, &area);
        /* a tolerance of 2 % of the polygon's size: labels need no more */
        GEOSGeometry *mic = GEOSMaximumInscribedCircle_r(h, g, fmax(sqrt(area) * 0.02, 1e-6));
        if (mic) {
            const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, mic);
            double x0, y0, x1, y1;
            if (cs && GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0) &&
                GEOSCoordSeq_getXY_r(h, cs, 1, &x1, &y1)) {
                a[0] = x0;
                a[1] = y0;
                a[2] = hypot(x1 - x0, y1 - y0);
            }
            GEOSGeom_destroy_r(h, mic);
        }
    }
    GEOSGeom_destroy_r(h, g);
    return WG_OK;
}

/* Appends a string to the block; its offset goes to *off. */
static wg_status add_string(wg_ctx *ctx, wg_buf *b, const unsigned char *s, size_t *off)
{
    *off = b->len;
    const char *t = s ? (const char *)s : "";
    return wg_buf_add(ctx, b, t, strlen(t) + 1);
}

wg_status wg_map_read(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, wg_map_feats *out)
{
    wg_ctx *ctx = ws->ctx;
    char what[256], order[64];
    snprintf(what, sizeof what, "%s, AsBinary(geom)", LAYERS[layer].cols);
    snprintf(order, sizeof order, "ORDER BY %s", LAYERS[layer].order);
    sqlite3_stmt *s = NULL;
    wg_status st = query_open(ws, layer, q, what, order, &s);
    if (st != WG_OK)
        return st;

    wg_map_feats f = {0};
    wg_buf strs;
    wg_buf_init(&strs, SIZE_MAX / 2);
    size_t(*offs)[3] = NULL, cap_offs = 0, cap_v = 0, cap_a = 0;
    int rc = SQLITE_DONE;
    while (st == WG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t i = f.n;
        if (wg_grow(ctx, (void **)&offs, &cap_offs, i + 1, sizeof *offs) != WG_OK ||
            wg_grow(ctx, (void **)&f.v, &cap_v, i + 1, sizeof *f.v) != WG_OK ||
            (q && q->anchors &&
             wg_grow(ctx, (void **)&f.anchor, &cap_a, i + 1, sizeof *f.anchor) != WG_OK)) {
            st = wg_ctx_status(ctx);
            break;
        }
        for (int c = 0; c < 3 && st == WG_OK; c++)
            st = add_string(ctx, &strs, sqlite3_column_text(s, c), &offs[i][c]);
        for (int c = 0; c < WG_MAP_NV; c++)
            f.v[i][c] = sqlite3_column_type(s, 3 + c) == SQLITE_NULL
                            ? NAN
                            : sqlite3_column_double(s, 3 + c);
        const unsigned char *wkb = sqlite3_column_blob(s, 7);
        size_t len = (size_t)sqlite3_column_bytes(s, 7);
        if (st == WG_OK)
            st = wg_shapes_add_wkb(ctx, &f.shapes, wkb, len);
        if (st == WG_OK && q && q->anchors) {
            /* the largest inscribed circle is the costly part of reading cells: skip it where
             * no label could fit anyway */
            double b[4];
            wg_shapes_bbox(&f.shapes, i, b);
            if (b[2] - b[0] >= q->anchor_min_m && b[3] - b[1] >= q->anchor_min_m)
                st = anchor_of(ctx, wkb, len, f.anchor[i]);
            else
                f.anchor[i][0] = f.anchor[i][1] = f.anchor[i][2] = NAN;
        }
        if (st != WG_OK)
            wg_ctx_where(ctx, "%s %s: ", LAYERS[layer].table,
                         (const char *)sqlite3_column_text(s, 0));
        f.n++;
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading a layer: ");
    sqlite3_finalize(s);
    if (st == WG_OK && f.n > 0) {
        f.key = malloc(f.n * sizeof *f.key);
        f.name = malloc(f.n * sizeof *f.name);
        f.group = malloc(f.n * sizeof *f.group);
        if (!f.key || !f.name || !f.group)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory reading a layer");
    }
    if (st == WG_OK) {
        f.strings = strs.s; /* the block is final now, so pointers into it stay valid */
        strs.s = NULL;
        for (size_t i = 0; i < f.n; i++) {
            f.key[i] = f.strings + offs[i][0];
            f.name[i] = f.strings + offs[i][1];
            f.group[i] = f.strings + offs[i][2];
        }
    }
    free(offs);
    wg_buf_fini(&strs);
    if (st != WG_OK) {
        wg_map_feats_free(&f);
        return st;
    }
    *out = f;
    return WG_OK;
}

void wg_map_points_free(wg_map_points *p)
{
    if (!p)
        return;
    free(p->xy);
    free(p->hours);
    free(p->cat);
    free(p->category);
    free(p->cat_count);
    *p = (wg_map_points){0};
}

/* The index of category `c` among those met so far (a short list: categories are few). */
static long category_index(wg_ctx *ctx, wg_map_points *p, size_t *cap, size_t *capn, const char *c)
{
    for (size_t i = 0; i < p->ncat; i++)
        if (strcmp(p->category[i], c) == 0)
            return (long)i;
    if (p->ncat >= UINT16_MAX)
        return wg_fail(ctx, WG_EINPUT, "more than %d incident categories", UINT16_MAX), -1;
    if (wg_grow(ctx, (void **)&p->category, cap, p->ncat + 1, sizeof *p->category) != WG_OK ||
        wg_grow(ctx, (void **)&p->cat_count, capn, p->ncat + 1, sizeof *p->cat_count) != WG_OK)
        return -1;
    snprintf(p->category[p->ncat], sizeof p->category[0], "%s", c);
    p->cat_count[p->ncat] = 0;
    return (long)p->ncat++;
}

/* Renumbers the categories most frequent first (ties by name), so legends and colours do not
 * depend on the order rows were read. */
static wg_status sort_categories(wg_ctx *ctx, wg_map_points *p)
{
    size_t m = p->ncat;
    size_t *order = malloc((m + 1) * sizeof *order), *rank = malloc((m + 1) * sizeof *rank);
    char(*names)[64] = malloc((m + 1) * sizeof *names);
    size_t *counts = malloc((m + 1) * sizeof *counts);
    if (!order || !rank || !names || !counts) {
        free(order), free(rank), free(names), free(counts);
        return wg_fail(ctx, WG_ENOMEM, "out of memory sorting categories");
    }
    for (size_t i = 0; i < m; i++)
        order[i] = i;
    for (size_t i = 1; i < m; i++) /* insertion sort: few categories */
        for (size_t j = i; j > 0; j--) {
            size_t a = order[j - 1], b = order[j];
            bool swap =
                p->cat_count[b] > p->cat_count[a] ||
                (p->cat_count[b] == p->cat_count[a] && strcmp(p->category[b], p->category[a]) < 0);
            if (!swap)
                break;
            order[j - 1] = b;
            order[j] = a;
        }
    for (size_t r = 0; r < m; r++) {
        rank[order[r]] = r;
        memcpy(names[r], p->category[order[r]], sizeof names[r]);
        counts[r] = p->cat_count[order[r]];
    }
    for (size_t i = 0; i < p->n; i++)
        p->cat[i] = (uint16_t)rank[p->cat[i]];
    memcpy(p->category, names, m * sizeof *names);
    memcpy(p->cat_count, counts, m * sizeof *counts);
    free(order), free(rank), free(names), free(counts);
    return WG_OK;
}

/* n bytes from src to dst, reversed when the blob's byte order is not the machine's. */
static void blob_get(const unsigned char *src, size_t n, bool swap, void *dst)
{
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = src[swap ? n - 1 - i : i];
}

/* The x, y of a POINT in SpatiaLite's BLOB-Geometry format: 0x00, byte order (1: little
 * endian), SRID, MBR (4 doubles), 0x7C, class 1, x, y, 0xFE — 60 bytes. Read in place: the
 * SQL functions X() and Y() parse the blob twice more and cost four times the whole scan. */
static bool point_xy(const unsigned char *b, size_t len, double xy[2])
{
    if (!b || len != 60 || b[0] != 0x00 || (b[1] != 0x00 && b[1] != 0x01) || b[38] != 0x7C ||
        b[59] != 0xFE)
        return false;
    const uint32_t one = 1;
    bool swap = (b[1] == 0x01) != (*(const unsigned char *)&one == 1);
    int32_t cls;
    blob_get(b + 39, 4, swap, &cls);
    blob_get(b + 43, 8, swap, &xy[0]);
    blob_get(b + 51, 8, swap, &xy[1]);
    return cls == 1;
}

wg_status wg_map_incidents(wg_ws *ws, const wg_points_query *q, wg_map_points *out)
{
    wg_ctx *ctx = ws->ctx;
    if (q->from != INT64_MIN && q->to != INT64_MAX && q->from >= q->to)
        return wg_fail(ctx, WG_EINPUT, "the period is empty: it must start before it ends");
    cat_table cats;
    wg_status st = cat_table_load(ctx, q->categories_file, &cats);
    if (st != WG_OK)
        return st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT geom, id, coalesce(category, ''), reported FROM incidents "
             "WHERE geom IS NOT NULL%s%s",
             q->from != INT64_MIN ? " AND reported >= ?1" : "",
             q->to != INT64_MAX ? " AND reported < ?2" : "");
    sqlite3_stmt *s = NULL;
    if ((st = wg__prepare(ws, sql, &s)) != WG_OK) {
        cat_table_free(&cats);
        return st;
    }
    if (q->from != INT64_MIN)
        sqlite3_bind_int64(s, 1, q->from);
    if (q->to != INT64_MAX)
        sqlite3_bind_int64(s, 2, q->to);

    wg_map_points p = {.first = INT64_MAX, .last = INT64_MIN};
    size_t cap_xy = 0, cap_h = 0, cap_c = 0, cap_cat = 0, cap_cnt = 0;
    double *cat_hours = NULL; /* per category met: its handling hours */
    size_t cap_ch = 0;
    int rc = SQLITE_DONE;
    while (st == WG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        double xy[2];
        if (!point_xy(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), xy)) {
            st = wg_fail(ctx, WG_EINPUT, "incident %s: its geometry is not a SpatiaLite point",
                         (const char *)sqlite3_column_text(s, 1));
            break;
        }
        if (q->bbox &&
            (xy[0] < q->bbox[0] || xy[0] > q->bbox[2] || xy[1] < q->bbox[1] || xy[1] > q->bbox[3]))
            continue;
        const char *c = (const char *)sqlite3_column_text(s, 2);
        if (!category_wanted(q->categories, q->ncategories, c))
            continue;
        size_t known = p.ncat;
        long ci = category_index(ctx, &p, &cap_cat, &cap_cnt, c);
        if (ci < 0 || (p.ncat > known && wg_grow(ctx, (void **)&cat_hours, &cap_ch, p.ncat,
                                                 sizeof *cat_hours) != WG_OK)) {
            st = wg_ctx_status(ctx);
            break;
        }
        if (p.ncat > known) {
            long row = cat_table_find(&cats, c);
            cat_hours[ci] = row >= 0 ? cats.hours[row] : 0.0;
        }
        if (wg_grow(ctx, (void **)&p.xy, &cap_xy, 2 * (p.n + 1), sizeof *p.xy) != WG_OK ||
            wg_grow(ctx, (void **)&p.hours, &cap_h, p.n + 1, sizeof *p.hours) != WG_OK ||
            wg_grow(ctx, (void **)&p.cat, &cap_c, p.n + 1, sizeof *p.cat) != WG_OK) {
            st = wg_ctx_status(ctx);
            break;
        }
        p.xy[2 * p.n] = xy[0];
        p.xy[2 * p.n + 1] = xy[1];
        p.hours[p.n] = cat_hours[ci];
        p.cat[p.n] = (uint16_t)ci;
        p.cat_count[ci]++;
        if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
            int64_t t = sqlite3_column_int64(s, 3);
            p.first = t < p.first ? t : p.first;
            p.last = t > p.last ? t : p.last;
        }
        p.n++;
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incidents: ");
    sqlite3_finalize(s);
    cat_table_free(&cats);
    free(cat_hours);
    if (st == WG_OK)
        st = sort_categories(ctx, &p);
    if (st != WG_OK) {
        wg_map_points_free(&p);
        return st;
    }
    *out = p;
    return WG_OK;
}
