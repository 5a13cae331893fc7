/* engine/io/export.c: a workspace layer out to any OGR format, atomically. Times leave as
 * ISO 8601 UTC text, so that export -> import gives back the same instants. Incidents leave
 * with the cell each one is in under the current assignment, and why one is in none. */
#include "wg/assign.h"
#include "wg/import.h"
#include "wg/store.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOLS 16

/* The geometry kind the destination layer gets: one kind when the data has one. */
static wg_status data_kind(wg_ws *ws, const wg_layer_def *L, int64_t plan, wg_gkind *k)
{
    *k = L->gkind;
    if (L->gkind != WG_G_ANY)
        return WG_OK;
    int64_t n = 0, pts = 0;
    wg_status st = wg_store_rows_count(ws, L, plan, &n, &pts);
    if (st == WG_OK)
        *k = pts == 0 ? WG_G_POLYGON : pts == n ? WG_G_POINT : WG_G_ANY;
    return st;
}

static wg_status write_rows(wg_ws *ws, const wg_layer_def *L, wg_row_reader *rd, bool cells,
                            wg_dst *dst, int64_t *count)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_value vals[MAXCOLS + 2];
    char times[MAXCOLS][32];
    wg_status st = WG_OK;
    int64_t n = 0;
    for (;;) {
        const unsigned char *wkb = NULL;
        size_t len = 0;
        wg_row_extra extra;
        bool eof = false;
        st = wg_store_rows_next(rd, vals, &wkb, &len, &extra, &eof);
        if (st != WG_OK || eof)
            break;
        for (size_t i = 0; i < L->ncols; i++)
            if (!vals[i].null && L->cols[i].type == WG_COL_TIME) {
                wg_time_format_utc(vals[i].i, times[i], sizeof times[i]);
                vals[i].s = times[i];
            }
        if (cells) {
            vals[L->ncols] = (wg_value){.null = !extra.cell, .s = extra.cell};
            vals[L->ncols + 1] = (wg_value){.null = !extra.reason, .s = extra.reason};
        }
        wg_geom *g = NULL;
        if (wkb)
            st = wg_geom_from_wkb(ctx, wkb, len, &g);
        if (st == WG_OK)
            st = wg_dst_add(ctx, dst, g, vals);
        wg_geom_free(ctx, g);
        if (st != WG_OK)
            break;
        if (++n % 1024 == 0 && wg_ctx_cancelled(ctx)) {
            st = wg_fail(ctx, WG_EINTR, "interrupted: nothing was written");
            break;
        }
        if (n % 50000 == 0)
            wg_progress(ctx, "exporting", (uint64_t)n, 0);
    }
    *count = n;
    return st;
}

/* Incidents leave with their cells when the assignment of the plan is (or is quickly brought)
 * up to date; there is nothing to add when none was ever made. */
static wg_status incidents_with_cells(wg_ws *ws, int64_t plan, bool *with)
{
    wg_assign_state s;
    *with = false;
    wg_status st = wg_assign_check(ws, plan, &s);
    if (st != WG_OK || !s.plan || !s.any)
        return st;
    bool did = false;
    st = wg_assign_refresh(ws, s.plan, &did, NULL);
    *with = st == WG_OK;
    return st;
}

wg_status wg_export(wg_ws *ws, const char *layer, const char *dest, int64_t plan, int64_t *count)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    const wg_layer_def *L = wg_layer_find(layer);
    if (!L)
        return wg_fail(ctx, WG_EINPUT,
                       "unknown layer '%s' (layers: communities, units, barriers, streets, "
                       "incidents, cameras, workers, cells, blind_spots, camera_views)",
                       layer);
    if (L->sql_geom && !wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "the workspace has no CRS yet: nothing was imported");
    wg_status st = WG_OK;
    bool cells_of_incidents = false;
    if (strcmp(L->name, "incidents") == 0)
        st = incidents_with_cells(ws, plan, &cells_of_incidents);
    if (st == WG_OK && plan == 0 && strcmp(L->name, "cells") == 0) {
        wg_plan_rec p;
        bool found = false;
        st = wg_store_plan_get(ws, 0, &p, &found);
        plan = found ? p.id : 0;
    }
    wg_gkind kind = WG_G_NONE;
    wg_field_def defs[MAXCOLS + 2];
    for (size_t i = 0; i < L->ncols; i++) {
        wg_coltype t = L->cols[i].type;
        defs[i].name = L->cols[i].name;
        defs[i].type = t == WG_COL_INT ? WG_F_INT : t == WG_COL_REAL ? WG_F_REAL : WG_F_TEXT;
    }
    size_t nf = L->ncols;
    if (cells_of_incidents) {
        defs[nf++] = (wg_field_def){"cell", WG_F_TEXT};
        defs[nf++] = (wg_field_def){"unassigned", WG_F_TEXT};
    }
    wg_row_reader *rd = NULL;
    wg_dst *dst = NULL;
    if (st == WG_OK)
        st = wg_store_read_begin(ws);
    bool reading = st == WG_OK;
    if (st == WG_OK)
        st = data_kind(ws, L, plan, &kind);
    if (st == WG_OK)
        st = wg_store_rows_read(ws, L, plan, cells_of_incidents, &rd);
    if (st == WG_OK)
        st = wg_dst_open(ctx, dest, L->name, wg_ws_crs(ws), kind, defs, nf, &dst);
    if (st == WG_OK)
        st = write_rows(ws, L, rd, cells_of_incidents, dst, count);
    wg_store_rows_read_close(rd);
    if (reading)
        wg_store_read_end(ws);
    if (st == WG_OK)
        return wg_dst_commit(ctx, dst);
    wg_dst_abort(dst);
    return st;
}
