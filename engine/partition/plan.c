/* engine/partition/plan.c: plans after they are made — find, activate, show, diff, and moving units by
 * hand with an immediate answer on range and contiguity. */
#include "plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wg_status wg_plan_find(wg_ws *ws, const char *ref, int64_t *id)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT id FROM plans WHERE name = ?1 OR CAST(id AS TEXT) = ?1 "
                               "ORDER BY name = ?1 DESC LIMIT 1",
                               &q);
    if (st != WG_OK)
        return st;
    sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return WG_OK;
    return wg_fail(ws->ctx, WG_EINPUT, "no plan named or numbered '%s' (see: wangge plan list)",
                   ref);
}

wg_status wg_plan_activate(wg_ws *ws, int64_t id)
{
    char sql[160];
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; UPDATE plans SET active = (id = %lld); COMMIT",
             (long long)id);
    wg_status st = wg__sql(ws, sql);
    if (st != WG_OK)
        wg__rollback(ws);
    return st;
}

static void copy_col(sqlite3_stmt *q, int c, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, c);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

wg_status wg_plan_detail_get(wg_ws *ws, int64_t id, wg_plan_detail *d)
{
    wg_ctx *ctx = ws->ctx;
    memset(d, 0, sizeof *d);
    wg_plan_info *plans = NULL;
    size_t np = 0;
    wg_status st = wg_ws_plans(ws, &plans, &np);
    for (size_t i = 0; st == WG_OK && i < np; i++)
        if (plans[i].id == id)
            d->info = plans[i];
    free(plans);
    if (st == WG_OK && d->info.id != id)
        return wg_fail(ctx, WG_EINPUT, "no plan numbered %lld", (long long)id);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, "SELECT params FROM plans WHERE id = ?", &q);
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW)
            copy_col(q, 0, d->params, sizeof d->params);
    }
    sqlite3_finalize(q);
    q = NULL;
    size_t cap = 0;
    if (st == WG_OK)
        st = wg__prepare(ws,
                         "SELECT code, coalesce(community, ''), households, units, area_m2, "
                         "compactness FROM cells WHERE plan = ? ORDER BY code",
                         &q);
    if (st == WG_OK)
        sqlite3_bind_int64(q, 1, id);
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        if ((st = wg_grow(ctx, (void **)&d->cells, &cap, d->ncells + 1, sizeof *d->cells)))
            break;
        wg_plan_cell *c = &d->cells[d->ncells++];
        copy_col(q, 0, c->code, sizeof c->code);
        copy_col(q, 1, c->community, sizeof c->community);
        c->households = sqlite3_column_int64(q, 2);
        c->units = sqlite3_column_int64(q, 3);
        c->area_m2 = sqlite3_column_double(q, 4);
        c->compactness = sqlite3_column_double(q, 5);
    }
    sqlite3_finalize(q);
    q = NULL;
    cap = 0;
    if (st == WG_OK)
        st = wg__prepare(ws,
                         "SELECT coalesce(cell, ''), coalesce(community, ''), kind, cause FROM "
                         "plan_issues WHERE plan = ? ORDER BY cell IS NULL, cell, kind, rowid",
                         &q);
    if (st == WG_OK)
        sqlite3_bind_int64(q, 1, id);
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        if ((st = wg_grow(ctx, (void **)&d->issues, &cap, d->nissues + 1, sizeof *d->issues)))
            break;
        wg_plan_issue *v = &d->issues[d->nissues++];
        copy_col(q, 0, v->cell, sizeof v->cell);
        copy_col(q, 1, v->community, sizeof v->community);
        copy_col(q, 2, v->kind, sizeof v->kind);
        copy_col(q, 3, v->cause, sizeof v->cause);
    }
    sqlite3_finalize(q);
    if (st != WG_OK)
        wg_plan_detail_free(d);
    return st;
}

void wg_plan_detail_free(wg_plan_detail *d)
{
    free(d->cells);
    free(d->issues);
    memset(d, 0, sizeof *d);
}

/* Each cell of plans ?1 (ca) and ?2 (cb) with its membership as text ("unit:households,..."),
 * so that equal text is an unchanged cell. */
#define CELLS_AB                                                                                   \
    "WITH ca AS (SELECT cell, group_concat(unit || ':' || households, ',') AS m FROM (SELECT * "   \
    "FROM cell_units WHERE plan = ?1 ORDER BY cell, unit) GROUP BY cell), cb AS (SELECT cell, "    \
    "group_concat(unit || ':' || households, ',') AS m FROM (SELECT * FROM cell_units WHERE "      \
    "plan = ?2 ORDER BY cell, unit) GROUP BY cell)"

/* The first row of `sql` (?1 = plan a, ?2 = plan b) as n whole numbers. */
static wg_status row_of_two(wg_ws *ws, const char *sql, int64_t a, int64_t b, int64_t *out, int n)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, sql, &q);
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, a);
        sqlite3_bind_int64(q, 2, b);
        if (sqlite3_step(q) == SQLITE_ROW)
            for (int i = 0; i < n; i++)
                out[i] = sqlite3_column_int64(q, i);
    }
    sqlite3_finalize(q);
    return st;
}

wg_status wg_plan_diff_get(wg_ws *ws, int64_t a, int64_t b, wg_plan_diff *d)
{
    wg_ctx *ctx = ws->ctx;
    memset(d, 0, sizeof *d);
    int64_t v[4] = {0};
    /* Units in both plans whose cell code differs. */
    wg_status st = row_of_two(ws,
                              "SELECT count(*), coalesce(sum(x.households), 0) FROM cell_units "
                              "x JOIN cell_units y ON y.unit = x.unit AND y.plan = ?2 WHERE "
                              "x.plan = ?1 AND x.cell <> y.cell",
                              a, b, v, 2);
    d->moved_units = v[0], d->moved_households = v[1];
    if (st == WG_OK)
        st = row_of_two(ws,
                        "SELECT (SELECT count(*) FROM cell_units x WHERE x.plan = ?1 AND NOT "
                        "EXISTS (SELECT 1 FROM cell_units y WHERE y.plan = ?2 AND y.unit = "
                        "x.unit)), (SELECT count(*) FROM cell_units y WHERE y.plan = ?2 AND NOT "
                        "EXISTS (SELECT 1 FROM cell_units x WHERE x.plan = ?1 AND x.unit = "
                        "y.unit))",
                        a, b, v, 2);
    d->only_a_units = (size_t)v[0], d->only_b_units = (size_t)v[1];
    /* Cells by code: the same when the same units (and households) make them up. */
    if (st == WG_OK)
        st = row_of_two(ws,
                        CELLS_AB
                        "SELECT (SELECT count(*) FROM cb WHERE cell NOT IN (SELECT cell FROM ca)), "
                        "(SELECT count(*) FROM ca WHERE cell NOT IN (SELECT cell FROM cb)), "
                        "(SELECT count(*) FROM ca JOIN cb USING (cell) WHERE ca.m <> cb.m), "
                        "(SELECT count(*) FROM ca JOIN cb USING (cell) WHERE ca.m = cb.m)",
                        a, b, v, 4);
    d->added = (size_t)v[0], d->removed = (size_t)v[1];
    d->changed = (size_t)v[2], d->same = (size_t)v[3];
    sqlite3_stmt *q = NULL;
    /* Where each changed or removed cell of A went: the cell of B holding most of its
     * households (ties: the lower code). */
    if (st == WG_OK)
        st = wg__prepare(
            ws,
            CELLS_AB
            ", moved AS (SELECT cell FROM ca WHERE NOT EXISTS (SELECT 1 FROM cb WHERE cb.cell = "
            "ca.cell AND cb.m = ca.m)), "
            "flow AS (SELECT x.cell AS f, y.cell AS t, sum(x.households) AS hh FROM cell_units "
            "x JOIN cell_units y ON y.unit = x.unit AND y.plan = ?2 WHERE x.plan = ?1 AND "
            "x.cell IN moved GROUP BY x.cell, y.cell) "
            "SELECT m.cell, (SELECT t FROM flow WHERE f = m.cell ORDER BY hh DESC, t LIMIT 1), "
            "(SELECT hh FROM flow WHERE f = m.cell ORDER BY hh DESC, t LIMIT 1) FROM moved m "
            "ORDER BY m.cell",
            &q);
    size_t cap = 0;
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, a);
        sqlite3_bind_int64(q, 2, b);
    }
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        if ((st = wg_grow(ctx, (void **)&d->map, &cap, d->nmap + 1, sizeof *d->map)))
            break;
        wg_plan_map *m = &d->map[d->nmap++];
        copy_col(q, 0, m->from, sizeof m->from);
        copy_col(q, 1, m->to, sizeof m->to);
        m->households = sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    if (st != WG_OK)
        wg_plan_diff_free(d);
    return st;
}

void wg_plan_diff_free(wg_plan_diff *d)
{
    free(d->map);
    memset(d, 0, sizeof *d);
}

/* ---- Moving units by hand ----------------------------------------------------------------- */

bool wg__plan_range(wg_ws *ws, int64_t plan, int64_t *min, int64_t *max)
{
    sqlite3_stmt *q = NULL;
    bool found = false;
    *min = 0, *max = INT64_MAX;
    if (wg__prepare(ws,
                    "SELECT json_extract(params, '$.min'), json_extract(params, '$.max') FROM "
                    "plans WHERE id = ?",
                    &q) == WG_OK) {
        sqlite3_bind_int64(q, 1, plan);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
            sqlite3_column_type(q, 1) != SQLITE_NULL) {
            *min = sqlite3_column_int64(q, 0);
            *max = sqlite3_column_int64(q, 1);
            found = true;
        }
    }
    sqlite3_finalize(q);
    return found;
}

/* Rebuilds cell `code` of the plan from its members: geometry, totals, and its range and
 * pieces issues. Returns its households and pieces. */
static wg_status rebuild_cell(wg_ws *ws, const ws_units *w, const comm_tess *t, size_t c,
                              int64_t plan, const char *code, int64_t min, int64_t max,
                              int64_t *hh_out, int *pieces_out)
{
    wg_ctx *ctx = ws->ctx;
    GEOSContextHandle_t h = wg_ctx_geos(ctx);
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws, "SELECT unit FROM cell_units WHERE plan = ? AND cell = ?", &q);
    size_t *sites = malloc((t->nsites + 1) * sizeof *sites);
    bool *in = calloc(t->nsites + 1, 1);
    if (st == WG_OK && (!sites || !in))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    int64_t hh = 0, nunits = 0;
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, plan);
        sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    }
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        long u = wu_find_unit(w, (const char *)sqlite3_column_text(q, 0));
        for (size_t k = 0; u >= 0 && k < t->nunits; k++)
            if (t->units[k] == (size_t)u) {
                in[t->site_of[k]] = true;
                hh += w->u[u].hh;
                nunits++;
            }
    }
    sqlite3_finalize(q);
    size_t m = 0;
    for (size_t s = 0; in && s < t->nsites; s++)
        if (in[s])
            sites[m++] = s;
    GEOSGeometry *g = NULL;
    double area = 0, pp = 0;
    int pieces = 0;
    /* Sites across parts (a barrier) make a cell of separate pieces: union part by part. */
    if (st == WG_OK && m) {
        size_t np = wg_tess_nparts(t->tess);
        GEOSGeometry **parts = calloc(np, sizeof *parts);
        size_t *sub = malloc((m + 1) * sizeof *sub);
        size_t ng = 0;
        if (!parts || !sub)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
        for (size_t p = 0; st == WG_OK && p < np; p++) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if (wg_tess_part(t->tess, sites[i]) == p)
                    sub[k++] = sites[i];
            if (k)
                st = wg_tess_union(ctx, t->tess, sub, k, &parts[ng++]);
        }
        if (st == WG_OK) {
            GEOSGeometry *coll =
                GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)ng);
            GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
            if (coll)
                GEOSGeom_destroy_r(h, coll);
            if (!u)
                st = wg_fail(ctx, WG_EGEOS, "dissolving cell %s", code);
            else {
                st = wg_geom_multi(ctx, u, &g);
                GEOSGeom_destroy_r(h, u);
            }
        } else
            for (size_t i = 0; i < ng; i++)
                GEOSGeom_destroy_r(h, parts[i]);
        free(parts), free(sub);
    }
    if (st == WG_OK && g)
        cell_shape(h, g, &area, &pp, &pieces);
    unsigned char *wkb = NULL;
    size_t wkblen = 0;
    if (st == WG_OK && g)
        st = wg_geom_to_wkb(ctx, g, &wkb, &wkblen);
    if (g)
        GEOSGeom_destroy_r(h, g);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE cells SET households = ?, units = ?, area_m2 = ?, compactness = ?, geom = "
             "GeomFromWKB(?, %d) WHERE plan = ? AND code = ?",
             ws->srid);
    q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, sql, &q);
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, hh);
        sqlite3_bind_int64(q, 2, nunits);
        sqlite3_bind_double(q, 3, area);
        sqlite3_bind_double(q, 4, pp);
        if (wkb)
            sqlite3_bind_blob(q, 5, wkb, (int)wkblen, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 5);
        sqlite3_bind_int64(q, 6, plan);
        sqlite3_bind_text(q, 7, code, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = wg__sql_fail(ws, "updating a cell: ");
    }
    sqlite3_finalize(q);
    free(wkb);
    /* Its range and pieces issues, as they now stand. */
    q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws,
                         "DELETE FROM plan_issues WHERE plan = ? AND cell = ? AND kind IN "
                         "('above_max', 'below_min', 'pieces')",
                         &q);
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, plan);
        sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = wg__sql_fail(ws, "updating issues: ");
    }
    sqlite3_finalize(q);
    char cause[256];
    const char *comm = wu_str(w, w->c[c].id);
    q = NULL;
    if (st == WG_OK && (hh < min || hh > max || pieces > 1))
        st = plan_issue_prepare(ws, &q);
    if (st == WG_OK && (hh < min || hh > max)) {
        snprintf(cause, sizeof cause, "%lld households after a move by hand (range %lld-%lld)",
                 (long long)hh, (long long)min, (long long)max);
        st = plan_issue_add(ws, q, plan, code, comm, hh > max ? "above_max" : "below_min", cause,
                            NULL);
    }
    if (st == WG_OK && pieces > 1) {
        snprintf(cause, sizeof cause, "its polygon falls in %d pieces after a move by hand",
                 pieces);
        st = plan_issue_add(ws, q, plan, code, comm, "pieces", cause, NULL);
    }
    sqlite3_finalize(q);
    free(sites), free(in);
    *hh_out = hh;
    *pieces_out = pieces;
    return st;
}

wg_status wg_plan_move(wg_ws *ws, int64_t plan, const char *const *units, size_t nunits,
                       const char *to, wg_move_result *res)
{
    wg_ctx *ctx = ws->ctx;
    memset(res, 0, sizeof *res);
    sqlite3_stmt *q = NULL;
    char to_comm[64] = "";
    wg_status st = wg__prepare(ws, "SELECT community FROM cells WHERE plan = ? AND code = ?", &q);
    int rc = SQLITE_DONE;
    if (st == WG_OK) {
        sqlite3_bind_int64(q, 1, plan);
        sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW)
            copy_col(q, 0, to_comm, sizeof to_comm);
    }
    sqlite3_finalize(q);
    if (st == WG_OK && rc != SQLITE_ROW)
        return wg_fail(ctx, WG_EINPUT, "--to %s: no such cell in this plan", to);
    if (st != WG_OK)
        return st;
    /* Every unit must exist and lie in the target cell's community (as stored; a unit without
     * one is placed by location below). Only that community is loaded. */
    q = NULL;
    st = wg__prepare(ws, "SELECT community FROM units WHERE id = ?", &q);
    for (size_t i = 0; st == WG_OK && i < nunits; i++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, units[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            st = wg_fail(ctx, WG_EINPUT, "unit %s: no such unit", units[i]);
        else if (sqlite3_column_type(q, 0) != SQLITE_NULL &&
                 strcmp((const char *)sqlite3_column_text(q, 0), to_comm) != 0) {
            res->same_community = false;
            st = wg_fail(ctx, WG_EINPUT,
                         "unit %s lies in community %s, cell %s in %s: cells nest in one "
                         "community",
                         units[i], (const char *)sqlite3_column_text(q, 0), to, to_comm);
        }
    }
    sqlite3_finalize(q);
    if (st != WG_OK)
        return st;
    ws_units w;
    if ((st = wu_load(ws, &w, to_comm)) != WG_OK)
        return st;
    long c = -1;
    for (size_t i = 0; i < w.nc && c < 0; i++)
        if (strcmp(wu_str(&w, w.c[i].id), to_comm) == 0)
            c = (long)i;
    if (c < 0)
        st = wg_fail(ctx, WG_EINPUT, "cell %s: its community '%s' is no longer in the workspace",
                     to, to_comm);
    /* Every unit must exist, be in the plan, and lie in the target cell's community. */
    char(*from)[32] = calloc(nunits + 1, sizeof *from);
    if (!from)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    q = NULL;
    if (st == WG_OK)
        st = wg__prepare(ws, "SELECT cell FROM cell_units WHERE plan = ? AND unit = ?", &q);
    res->same_community = true;
    for (size_t i = 0; st == WG_OK && i < nunits; i++) {
        long u = wu_find_unit(&w, units[i]);
        if (u < 0) {
            st = wg_fail(ctx, WG_EINPUT, "unit %s: no such unit", units[i]);
            break;
        }
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, plan);
        sqlite3_bind_text(q, 2, units[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW) {
            st = wg_fail(ctx, WG_EINPUT, "unit %s: not in this plan (added after it was made)",
                         units[i]);
            break;
        }
        copy_col(q, 0, from[i], sizeof from[i]);
        if (w.u[u].comm != c) {
            res->same_community = false;
            st = wg_fail(ctx, WG_EINPUT,
                         "unit %s lies in community %s, cell %s in %s: cells nest in one "
                         "community",
                         units[i], w.u[u].comm >= 0 ? wu_str(&w, w.c[w.u[u].comm].id) : "(none)",
                         to, to_comm);
        }
    }
    sqlite3_finalize(q);
    comm_tess t = {0};
    int64_t min, max;
    wg__plan_range(ws, plan, &min, &max);
    if (st == WG_OK)
        st = comm_tess_build(ctx, &w, (size_t)c, min, &t);
    if (st == WG_OK)
        st = wg__sql(ws, "BEGIN IMMEDIATE");
    if (st == WG_OK) {
        q = NULL;
        st = wg__prepare(ws, "UPDATE cell_units SET cell = ? WHERE plan = ? AND unit = ?", &q);
        for (size_t i = 0; st == WG_OK && i < nunits; i++) {
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, to, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, plan);
            sqlite3_bind_text(q, 3, units[i], -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = wg__sql_fail(ws, "moving a unit: ");
        }
        sqlite3_finalize(q);
        res->in_range = res->contiguous = true;
        int pieces = 0;
        /* The target, then each distinct source cell. */
        st = st == WG_OK ? rebuild_cell(ws, &w, &t, (size_t)c, plan, to, min, max,
                                        &res->to_households, &pieces)
                         : st;
        res->in_range &= res->to_households >= min && res->to_households <= max;
        res->contiguous &= pieces <= 1;
        for (size_t i = 0; st == WG_OK && i < nunits; i++) {
            bool seen = strcmp(from[i], to) == 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(from[j], from[i]) == 0;
            if (seen)
                continue;
            int64_t hh = 0;
            st = rebuild_cell(ws, &w, &t, (size_t)c, plan, from[i], min, max, &hh, &pieces);
            res->from_cells++;
            res->from_households = hh;
            res->in_range &= hh >= min && hh <= max;
            res->contiguous &= pieces <= 1 || hh == 0;
        }
        if (st == WG_OK)
            st = wg__sql(ws, "COMMIT");
        if (st != WG_OK)
            wg__rollback(ws);
    }
    if (st == WG_OK)
        snprintf(res->verdict, sizeof res->verdict, "%s; %s",
                 res->in_range ? "every touched cell is in range"
                               : "a touched cell is now OUT OF RANGE",
                 res->contiguous ? "every touched cell is in one piece"
                                 : "a touched cell is now IN SEVERAL PIECES");
    comm_tess_free(ctx, &t);
    free(from);
    wu_free(&w);
    return st;
}
