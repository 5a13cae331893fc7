/* engine/partition/dissolve.c: communities for a workspace that has none. Cells nest in
 * communities; when the user brought only units (census blocks with a neighbourhood field, say),
 * the communities are dissolved from the units by their community field, and without that field
 * the whole district is one community. Either way they are written to the communities layer,
 * in the partition's transaction, so that maps, reports by community and the next partition see
 * the same ones. */
#include "plan_int.h"
#include "wg/geom.h"
#include "wg/layers.h"
#include "wg/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HULL_PAD_M 25.0 /* around points or detached footprints */
#define NAMED_KEEP 5    /* units without a community name listed by id */

typedef struct group {
    char *id;
    wg_geom **parts;
    size_t n, cap;
    int64_t hh;
} group;

typedef struct dissolve_acc {
    wg_ctx *ctx;
    wg_strmap index; /* community id -> group */
    group *g;
    size_t ng, capg;
    group none; /* the units without a community name */
    char unnamed[NAMED_KEEP][64];
} dissolve_acc;

static wg_status group_add(wg_ctx *ctx, group *g, wg_geom *geom, int64_t hh)
{
    wg_status st = wg_grow(ctx, (void **)&g->parts, &g->cap, g->n + 1, sizeof *g->parts);
    if (st != WG_OK) {
        wg_geom_free(ctx, geom);
        return st;
    }
    g->parts[g->n++] = geom;
    g->hh += hh;
    return WG_OK;
}

static wg_status add_unit(void *user, const wg_unit_rec *u)
{
    dissolve_acc *a = user;
    wg_geom *geom = NULL;
    wg_status st = wg_geom_from_wkb(a->ctx, u->wkb, u->wkb_len, &geom);
    if (st != WG_OK) {
        wg_ctx_where(a->ctx, "unit %s: ", u->id);
        return st;
    }
    if (!u->community) {
        if (a->none.n < NAMED_KEEP)
            snprintf(a->unnamed[a->none.n], sizeof a->unnamed[0], "%s", u->id);
        return group_add(a->ctx, &a->none, geom, u->households);
    }
    int32_t k = wg_strmap_get(&a->index, u->community);
    if (k < 0) {
        k = (int32_t)a->ng;
        st = wg_grow(a->ctx, (void **)&a->g, &a->capg, a->ng + 1, sizeof *a->g);
        if (st == WG_OK)
            st = wg_strmap_set(a->ctx, &a->index, u->community, k);
        if (st == WG_OK) {
            memset(&a->g[k], 0, sizeof a->g[k]);
            if (!(a->g[k].id = strdup(u->community)))
                st = wg_fail(a->ctx, WG_ENOMEM, "out of memory");
            else
                a->ng++;
        }
        if (st != WG_OK) {
            wg_geom_free(a->ctx, geom);
            return st;
        }
    }
    return group_add(a->ctx, &a->g[k], geom, u->households);
}

static void group_free(wg_ctx *ctx, group *g)
{
    wg_geoms_free(ctx, g->parts, g->n);
    free(g->id);
    memset(g, 0, sizeof *g);
}

/* Dissolves group g and writes it as community `id` (households: the units'). The group's
 * parts are taken. */
static wg_status put_community(wg_ctx *ctx, wg_row_writer *rw, group *g, const char *id,
                               const char *name, size_t *hulls)
{
    wg_geom *area = NULL;
    bool hull = false;
    wg_status st = wg_geom_dissolve_take(ctx, g->parts, g->n, HULL_PAD_M, &area, &hull);
    g->n = 0; /* taken */
    if (st != WG_OK) {
        wg_ctx_where(ctx, "community %s (dissolved from its units): ", id);
        return st;
    }
    *hulls += hull;
    unsigned char *wkb = NULL;
    size_t len = 0;
    st = wg_geom_to_wkb(ctx, area, &wkb, &len);
    wg_geom_free(ctx, area);
    const wg_value vals[] = {{.s = id}, {.s = name, .null = !name}, {.null = true}, {.i = g->hh}};
    wg_row_outcome out;
    if (st == WG_OK)
        st = wg_store_rows_put(rw, vals, wkb, len, NULL, &out);
    free(wkb);
    return st;
}

wg_status wg__communities_from_units(wg_ws *ws, wg_part_summary *sum)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    const wg_layer_def *L = wg_layer_find("communities");
    int64_t have = 0;
    wg_status st = wg_store_rows_count(ws, L, 0, &have, NULL);
    if (st != WG_OK || have > 0)
        return st;
    dissolve_acc a = {.ctx = ctx};
    wg_unit_query q = {0};
    st = wg_store_units_each(ws, &q, add_unit, &a);
    int64_t batch = 0;
    wg_row_writer *rw = NULL;
    if (st == WG_OK && a.ng + a.none.n > 0)
        st = wg_store_next_batch(ws, &batch);
    if (st == WG_OK && a.ng + a.none.n > 0)
        st = wg_store_rows_open(ws, L, batch, &rw);
    size_t hulls = 0, unnamed = a.none.n, any = a.ng + a.none.n;
    if (st == WG_OK && a.ng == 0 && a.none.n > 0) {
        /* no community names at all: the district is one community */
        st = put_community(ctx, rw, &a.none, "district", "whole district", &hulls);
        sum->one_community = st == WG_OK;
    } else if (st == WG_OK) {
        for (size_t k = 0; st == WG_OK && k < a.ng; k++)
            st = put_community(ctx, rw, &a.g[k], a.g[k].id, NULL, &hulls);
        sum->units_unnamed = unnamed;
        if (st == WG_OK && unnamed > 0) {
            char list[NAMED_KEEP * 66] = "";
            for (size_t i = 0; i < unnamed && i < NAMED_KEEP; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         a.unnamed[i]);
            wg_warn(ctx,
                    "%zu unit%s without a community name (%s%s) belong to no dissolved "
                    "community: each is placed by location, or left outside every cell",
                    unnamed, unnamed == 1 ? "" : "s", list, unnamed > NAMED_KEEP ? ", ..." : "");
        }
    }
    if (st == WG_OK && any > 0) {
        sum->communities_made = sum->one_community ? 1 : a.ng;
        sum->communities_hulls = hulls;
        wg_import_log log = {.batch = batch,
                             .layer = "communities",
                             .source = sum->one_community ? "(partition: the whole district)"
                                                          : "(partition: the units' community)",
                             .features = (int64_t)sum->communities_made,
                             .inserted = (int64_t)sum->communities_made};
        st = wg_store_import_logged(ws, &log);
    }
    wg_store_rows_close(rw);
    for (size_t k = 0; k < a.ng; k++)
        group_free(ctx, &a.g[k]);
    group_free(ctx, &a.none);
    free(a.g);
    wg_strmap_free(&a.index);
    return st;
}
