/* engine/io/export.c: a workspace layer out to any OGR format, atomically. Times leave as
 * ISO 8601 UTC text, so that export -> import gives back the same instants. */
#include "engine_int.h"
#include "wg/import.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOLS 16

/* The geometry kind the destination layer gets: one kind when the data has one. */
static wg_status data_kind(wg_ws *ws, const wg_layer_def *L, const char *where, wg_gkind *k)
{
    *k = L->gkind;
    if (L->gkind != WG_G_ANY)
        return WG_OK;
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT sum(GeometryType(geom) IN ('POINT', 'MULTIPOINT')), count(*) FROM %s%s",
             L->name, where);
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, sql, &q);
    if (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        int64_t pts = sqlite3_column_int64(q, 0), n = sqlite3_column_int64(q, 1);
        *k = pts == 0 ? WG_G_POLYGON : pts == n ? WG_G_POINT : WG_G_ANY;
    }
    sqlite3_finalize(q);
    return st;
}

static wg_status active_plan(wg_ws *ws, int64_t *plan)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, "SELECT id FROM plans WHERE active = 1", &q);
    if (st == WG_OK && sqlite3_step(q) == SQLITE_ROW)
        *plan = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return st;
}

static wg_status write_rows(wg_ws *ws, const wg_layer_def *L, sqlite3_stmt *q, wg_dst *dst,
                            int64_t *count)
{
    wg_ctx *ctx = ws->ctx;
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    wg_value vals[MAXCOLS];
    char times[MAXCOLS][32];
    wg_status st = WG_OK;
    int rc;
    int64_t n = 0;
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        for (size_t i = 0; i < L->ncols; i++) {
            int c = (int)i;
            memset(&vals[i], 0, sizeof vals[i]);
            vals[i].null = sqlite3_column_type(q, c) == SQLITE_NULL;
            if (vals[i].null)
                continue;
            switch (L->cols[i].type) {
            case WG_COL_INT:
                vals[i].i = sqlite3_column_int64(q, c);
                break;
            case WG_COL_REAL:
                vals[i].r = sqlite3_column_double(q, c);
                break;
            case WG_COL_TIME:
                wg_time_format_utc(sqlite3_column_int64(q, c), times[i], sizeof times[i]);
                vals[i].s = times[i];
                break;
            default:
                vals[i].s = (const char *)sqlite3_column_text(q, c);
            }
        }
        GEOSGeometry *g = NULL;
        int gc = (int)L->ncols;
        if (L->sql_geom && sqlite3_column_type(q, gc) != SQLITE_NULL)
            st = wg_geom_from_wkb(ctx, sqlite3_column_blob(q, gc),
                                  (size_t)sqlite3_column_bytes(q, gc), &g);
        if (st == WG_OK)
            st = wg_dst_add(ctx, dst, g, vals);
        if (g)
            GEOSGeom_destroy_r(h, g);
        if (++n % 50000 == 0)
            wg_progress(ctx, "exporting", (uint64_t)n, 0);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the layer: ");
    *count = n;
    return st;
}

wg_status wg_export(wg_ws *ws, const char *layer, const char *dest, int64_t plan, int64_t *count)
{
    wg_ctx *ctx = ws->ctx;
    const wg_layer_def *L = wg_layer_find(layer);
    if (!L)
        return wg_fail(ctx, WG_EINPUT,
                       "unknown layer '%s' (layers: communities, units, barriers, streets, "
                       "incidents, cameras, workers, cells)",
                       layer);
    if (L->sql_geom && !wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "the workspace has no CRS yet: nothing was imported");
    wg_status st = WG_OK;
    char where[64] = "";
    if (strcmp(L->name, "cells") == 0) {
        if (plan == 0)
            st = active_plan(ws, &plan);
        if (plan > 0)
            snprintf(where, sizeof where, " WHERE plan = %lld", (long long)plan);
    }
    wg_gkind kind = WG_G_NONE;
    if (st == WG_OK)
        st = data_kind(ws, L, where, &kind);
    wg_field_def defs[MAXCOLS];
    wg_buf sql;
    wg_buf_init(&sql, 8192);
    for (size_t i = 0; st == WG_OK && i < L->ncols; i++) {
        wg_coltype t = L->cols[i].type;
        defs[i].name = L->cols[i].name;
        defs[i].type = t == WG_COL_INT ? WG_F_INT : t == WG_COL_REAL ? WG_F_REAL : WG_F_TEXT;
        st = wg_buf_addf(ctx, &sql, "%s%s", i ? ", " : "SELECT ", L->cols[i].name);
    }
    if (st == WG_OK)
        st = wg_buf_addf(ctx, &sql, "%s FROM %s%s ORDER BY fid",
                         L->sql_geom ? ", AsBinary(geom)" : "", L->name, where);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, wg_buf_str(&sql), &q);
    wg_buf_fini(&sql);
    wg_dst *dst = NULL;
    if (st == WG_OK)
        st = wg_dst_open(ctx, dest, L->name, wg_ws_crs(ws), kind, defs, L->ncols, &dst);
    if (st == WG_OK)
        st = write_rows(ws, L, q, dst, count);
    sqlite3_finalize(q);
    if (st == WG_OK)
        return wg_dst_commit(ctx, dst);
    wg_dst_abort(dst);
    return st;
}
