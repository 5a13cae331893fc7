/* engine/store/maps.c: the layers a map draws, selected by plan, community, box and size. The
 * box and size tests run on each layer's R*Tree (SpatiaLite's idx_<table>_geom), which answers
 * both from its own entries, so a feature left out is never read. */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* What each layer selects: key, name, group, four numbers; the table and the column holding
 * the community (NULL: none). */
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

/* The WHERE clause of a query: plan, community, box and size (through the spatial index). */
static wg_status where_clause(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, char *sql,
                              size_t cap)
{
    const layer_sql *L = &LAYERS[layer];
    int k = snprintf(sql, cap, "WHERE geom IS NOT NULL");
    if (layer == WG_ML_CELLS)
        k += snprintf(sql + k, cap - (size_t)k, " AND plan = ?7");
    if (q && q->community && L->community)
        k += snprintf(sql + k, cap - (size_t)k, " AND %s = ?1", L->community);
    if (q && (q->bbox || q->min_size_m > 0) && ws->pg) { /* the GiST index */
        if (q->bbox)
            k += snprintf(sql + k, cap - (size_t)k, " AND geom && ST_MakeEnvelope(?2, ?3, ?4, ?5)");
        if (q->min_size_m > 0)
            k += snprintf(sql + k, cap - (size_t)k,
                          " AND (ST_XMax(geom) - ST_XMin(geom) >= ?6 OR ST_YMax(geom) - "
                          "ST_YMin(geom) >= ?6)");
    } else if (q && (q->bbox || q->min_size_m > 0)) {
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

/* Prepares "SELECT <what> FROM <layer> WHERE <the query's filters> <tail>", values bound. */
static wg_q *query_open(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                        const char *what, const char *tail)
{
    if (layer < 0 || layer >= WG_ML_COUNT) {
        wg_fail(ws->ctx, WG_EINTERNAL, "no map layer %d", (int)layer);
        return NULL;
    }
    char where[512], sql[1024];
    if (where_clause(ws, layer, q, where, sizeof where) != WG_OK)
        return NULL;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s %s %s", what, LAYERS[layer].table, where, tail);
    wg_q *s = wg__stmt(ws, sql);
    if (!s)
        return NULL;
    if (q && q->community)
        wgq_bind_text(s, 1, q->community, -1, SQLITE_TRANSIENT);
    if (q && q->bbox)
        for (int i = 0; i < 4; i++)
            wgq_bind_double(s, 2 + i, q->bbox[i]);
    if (q && q->min_size_m > 0)
        wgq_bind_double(s, 6, q->min_size_m);
    if (layer == WG_ML_CELLS)
        wgq_bind_int64(s, 7, plan);
    return s;
}

wg_status wg_store_map_extent(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                              double box[4], bool *any)
{
    wg_q *s = query_open(ws, layer, q, plan,
                         "min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)), "
                         "max(MbrMaxY(geom)), count(*)",
                         "");
    if (!s)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    if (wgq_step(s) == SQLITE_ROW) {
        *any = wgq_column_int64(s, 4) > 0;
        for (int i = 0; i < 4; i++)
            box[i] = wgq_column_double(s, i);
    } else {
        st = wg__sql_fail(ws, "reading a layer's extent: ");
    }
    wgq_reset(s);
    return st;
}

wg_status wg_store_map_each(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                            wg_map_fn fn, void *user)
{
    char what[256], order[64];
    snprintf(what, sizeof what, "%s, AsBinary(geom)", LAYERS[layer < WG_ML_COUNT ? layer : 0].cols);
    snprintf(order, sizeof order, "ORDER BY %s", LAYERS[layer < WG_ML_COUNT ? layer : 0].order);
    wg_q *s = query_open(ws, layer, q, plan, what, order);
    if (!s)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(s)) == SQLITE_ROW) {
        wg_map_rec r = {wg__text(s, 0), wg__text(s, 1), wg__text(s, 2), {0}, NULL, 0};
        for (int c = 0; c < WG_MAP_NV; c++)
            r.v[c] = wgq_column_type(s, 3 + c) == SQLITE_NULL ? NAN : wgq_column_double(s, 3 + c);
        r.wkb = wgq_column_blob(s, 7);
        r.wkb_len = (size_t)wgq_column_bytes(s, 7);
        st = fn(user, &r);
        if (st != WG_OK)
            wg_ctx_where(ws->ctx, "%s %s: ", LAYERS[layer].table, r.key ? r.key : "?");
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading a layer: ");
    wgq_reset(s);
    return st;
}
