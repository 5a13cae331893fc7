/* server/api_plans.c: the planner's desk - the plans, a plan's cells and units as GeoJSON in
 * WGS 84 for the page to draw and click, the diff of two plans, and saving a plan under a new
 * name (see wg/serve.h for what each answers). */
#include "serve_int.h"
#include "wg/plan.h"
#include "wg/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNITS 20000    /* units in one answer: past this, the page must ask for a box */
#define GEOJSON_DECIMALS 7 /* degrees: about a centimetre */
#define GEOJSON_MAX ((size_t)512 << 20)

/* The plan named or numbered ref into *id, or an answer already sent (404 naming it). */
static bool find_plan(struct MHD_Connection *c, worker *w, const char *ref, int64_t *id,
                      enum MHD_Result *sent)
{
    if (wg_plan_find(w->ws, ref, id) == WG_OK)
        return true;
    *sent = wg_ctx_status(w->ctx) == WG_EINPUT
                ? send_error(c, MHD_HTTP_NOT_FOUND, wg_ctx_errmsg(w->ctx))
                : send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    return false;
}

static json_t *plan_ref(int64_t id, const char *name)
{
    return json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", name);
}

/* ---- GET /api/plans ------------------------------------------------------------------------ */

enum MHD_Result api_plans(struct MHD_Connection *c, worker *w)
{
    wg_plan_info *p = NULL;
    size_t n = 0;
    wg_status st = wg_store_read_begin(w->ws);
    if (st == WG_OK)
        st = wg_ws_plans(w->ws, &p, &n);
    json_t *rows = json_array();
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        wg_plan_rec rec;
        bool found = false;
        st = wg_store_plan_get(w->ws, p[i].id, &rec, &found);
        if (st != WG_OK)
            break;
        json_t *params = found ? json_loads(rec.params_json, 0, NULL) : NULL;
        json_array_append_new(
            rows, json_pack("{s:I,s:s,s:b,s:I,s:I,s:o,s:o,s:o}", "id", (json_int_t)p[i].id, "name",
                            p[i].name, "active", p[i].active, "cells", (json_int_t)p[i].cells,
                            "households", (json_int_t)p[i].households, "created",
                            json_time(p[i].created, false), "parent",
                            p[i].parent > 0 ? json_integer(p[i].parent) : json_null(), "params",
                            params ? params : json_object()));
    }
    wg_store_read_end(w->ws);
    free(p);
    wg_weight_name wn;
    if (st == WG_OK)
        st = wg_store_weight_name(w->ws, &wn);
    if (st != WG_OK) {
        json_decref(rows);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    }
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:s,s:s,s:o}", "schema", "wangge-plans/1", "weight_name", wn.name,
                               "plans", rows));
}

/* ---- GeoJSON of cells and units -------------------------------------------------------------- */

typedef struct gj_out {
    worker *w;
    wg_xform *t;
    wg_buf b;
    size_t n;
    double simplify_m; /* 0: none */
    /* cells: */
    const wg_plan_detail *d;
    size_t issue_at; /* the next issue to look at (both lists by code) */
    /* units: */
    size_t max;
    bool too_many;
} gj_out;

/* Appends one Feature: its geometry (WKB in the workspace CRS) in lon/lat, and props (taken). */
static wg_status add_feature(gj_out *o, const char *id, const unsigned char *wkb, size_t len,
                             json_t *props)
{
    wg_ctx *ctx = o->w->ctx;
    json_t *jid = json_string(id);
    char *ptext = props ? json_dumps(props, JSON_COMPACT) : NULL;
    char *idtext = jid ? json_dumps(jid, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(props);
    json_decref(jid);
    wg_geom *g = NULL, *s = NULL;
    wg_status st = ptext && idtext ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_buf_addf(
            ctx, &o->b, "%s{\"type\":\"Feature\",\"id\":%s,\"geometry\":", o->n ? "," : "", idtext);
    if (st == WG_OK && wkb)
        st = wg_geom_from_wkb(ctx, wkb, len, &g);
    if (st == WG_OK && g && o->simplify_m > 0)
        st = wg_geom_simplify(ctx, g, o->simplify_m, &s);
    if (st == WG_OK)
        st = g ? wg_geom_geojson(ctx, s ? s : g, o->t, GEOJSON_DECIMALS, &o->b)
               : wg_buf_add(ctx, &o->b, "null", 4);
    if (st == WG_OK)
        st = wg_buf_addf(ctx, &o->b, ",\"properties\":%s}", ptext);
    wg_geom_free(ctx, s);
    wg_geom_free(ctx, g);
    free(ptext);
    free(idtext);
    o->n++;
    return st;
}

/* The kinds of the issues of cell `code` (issues are by cell, as cells are). */
static json_t *cell_issues(gj_out *o, const char *code)
{
    json_t *a = json_array();
    const wg_plan_detail *d = o->d;
    while (o->issue_at < d->nissues && d->issues[o->issue_at].cell[0] &&
           strcmp(d->issues[o->issue_at].cell, code) < 0)
        o->issue_at++;
    for (size_t k = o->issue_at; k < d->nissues && strcmp(d->issues[k].cell, code) == 0; k++)
        json_array_append_new(a, json_string(d->issues[k].kind));
    return a;
}

static wg_status on_cell(void *user, const wg_cell_rec *cr)
{
    gj_out *o = user;
    const wg_plan_params *v = &o->d->values;
    json_t *in_range = v->has_range
                           ? json_boolean(cr->households >= v->min && cr->households <= v->max)
                           : json_null();
    json_t *props = json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:o}", "code", cr->code, "community",
                              cr->community, "households", (json_int_t)cr->households, "nunits",
                              (json_int_t)cr->units, "area_m2", json_num(cr->area_m2), "in_range",
                              in_range, "issues", cell_issues(o, cr->code));
    return add_feature(o, cr->code, cr->wkb, cr->wkb_len, props);
}

/* The header of a FeatureCollection with our schema and plan beside it (RFC 7946 foreign
 * members), its features to follow. */
static wg_status gj_begin(gj_out *o, const char *schema, int64_t plan, const char *name,
                          json_t *extra)
{
    json_t *head = json_pack("{s:s,s:s,s:o}", "type", "FeatureCollection", "schema", schema, "plan",
                             plan_ref(plan, name));
    if (head && extra)
        json_object_update(head, extra);
    json_decref(extra);
    char *text = head ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    if (!text)
        return wg_fail(o->w->ctx, WG_ENOMEM, "out of memory");
    /* "{...}" -> "{...,"features":[" */
    size_t len = strlen(text);
    wg_status st = wg_buf_add(o->w->ctx, &o->b, text, len - 1);
    free(text);
    return st == WG_OK ? wg_buf_add(o->w->ctx, &o->b, ",\"features\":[", 13) : st;
}

static enum MHD_Result gj_send(struct MHD_Connection *c, gj_out *o)
{
    if (wg_buf_add(o->w->ctx, &o->b, "]}", 2) != WG_OK) {
        wg_buf_fini(&o->b);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, wg_ctx_errmsg(o->w->ctx));
    }
    size_t len = o->b.len;
    char *text = o->b.s; /* taken */
    o->b.s = NULL;
    return send_text(c, MHD_HTTP_OK, text, len, "application/geo+json");
}

/* simplify=M (metres, 0..1000), into *m; false with the answer sent. */
static bool query_simplify(struct MHD_Connection *c, double *m, enum MHD_Result *sent)
{
    const char *s = query_arg(c, "simplify");
    *m = 0;
    if (!s || !*s)
        return true;
    char *end = NULL;
    *m = strtod(s, &end);
    if (end != s && !*end && isfinite(*m) && *m >= 0 && *m <= 1000)
        return true;
    *sent = send_errorf(c, MHD_HTTP_BAD_REQUEST,
                        "simplify: '%s' is not a tolerance in metres (0 to 1000)", s);
    return false;
}

enum MHD_Result api_plan_cells(struct MHD_Connection *c, worker *w, const char *ref)
{
    enum MHD_Result sent = MHD_NO;
    int64_t id = 0;
    gj_out o = {.w = w};
    if (!query_simplify(c, &o.simplify_m, &sent) || !find_plan(c, w, ref, &id, &sent))
        return sent;
    wg_plan_detail d;
    wg_status st = worker_lonlat(w, &o.t);
    if (st != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    if ((st = wg_plan_detail_get(w->ws, id, &d)) != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    o.d = &d;
    wg_buf_init(&o.b, GEOJSON_MAX);
    json_t *range = d.values.has_range
                        ? json_pack("{s:I,s:I,s:I}", "target", (json_int_t)d.values.target, "min",
                                    (json_int_t)d.values.min, "max", (json_int_t)d.values.max)
                        : json_null();
    st = gj_begin(&o, "wangge-plan-cells/1", id, d.info.name,
                  json_pack("{s:o,s:f}", "range", range, "simplify_m", o.simplify_m));
    if (st == WG_OK)
        st = wg_store_cells_each(w->ws, id, WG_CELLS_GEOM, 0, on_cell, &o);
    wg_plan_detail_free(&d);
    if (st != WG_OK) {
        wg_buf_fini(&o.b);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    }
    return gj_send(c, &o);
}

static wg_status on_unit(void *user, const wg_unit_rec *u)
{
    gj_out *o = user;
    if (o->n >= o->max) {
        o->too_many = true;
        return WG_EINTR; /* stops the read; not an error of the workspace */
    }
    json_t *props = json_pack("{s:s,s:o,s:I,s:o,s:o}", "id", u->id, "cell",
                              u->cell ? json_string(u->cell) : json_null(), "households",
                              (json_int_t)u->households, "community",
                              u->community ? json_string(u->community) : json_null(), "kind",
                              u->kind ? json_string(u->kind) : json_null());
    return add_feature(o, u->id, u->wkb, u->wkb_len, props);
}

enum MHD_Result api_plan_units(struct MHD_Connection *c, worker *w, const char *ref)
{
    enum MHD_Result sent = MHD_NO;
    int64_t id = 0;
    gj_out o = {.w = w, .max = MAX_UNITS};
    const char *bb = query_arg(c, "bbox");
    double box[4], outer[4], inner[4];
    char why[512];
    if (bb && !query_bbox(bb, box, why, sizeof why))
        return send_error(c, MHD_HTTP_BAD_REQUEST, why);
    if (!query_simplify(c, &o.simplify_m, &sent) || !find_plan(c, w, ref, &id, &sent))
        return sent;
    wg_layer_info L = {0};
    wg_status st = wg_ws_layer_info_of(w->ws, "units", &L);
    int64_t nunits = L.count;
    if (st == WG_OK)
        st = worker_lonlat(w, &o.t);
    if (st == WG_OK && bb)
        st = wg_xform_box(w->ctx, o.t, true, box, outer, inner);
    if (st != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    if (!bb && nunits > MAX_UNITS)
        return send_errorf(c, MHD_HTTP_BAD_REQUEST,
                           "bbox: the workspace has %lld units, more than %d in one answer: give "
                           "bbox=minlon,minlat,maxlon,maxlat",
                           (long long)nunits, MAX_UNITS);
    wg_plan_rec p;
    bool found = false;
    if ((st = wg_store_plan_get(w->ws, id, &p, &found)) != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    wg_buf_init(&o.b, GEOJSON_MAX);
    st = gj_begin(
        &o, "wangge-plan-units/1", id, p.name,
        json_pack("{s:o}", "bbox",
                  bb ? json_pack("[f,f,f,f]", box[0], box[1], box[2], box[3]) : json_null()));
    wg_unit_query q = {.plan = id, .bbox = bb ? outer : NULL};
    if (st == WG_OK)
        st = wg_store_units_each(w->ws, &q, on_unit, &o);
    if (o.too_many) {
        wg_buf_fini(&o.b);
        wg_ctx_clear(w->ctx);
        return send_errorf(c, MHD_HTTP_BAD_REQUEST,
                           "bbox: more than %d units in it: ask for a smaller box", MAX_UNITS);
    }
    if (st != WG_OK) {
        wg_buf_fini(&o.b);
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    }
    return gj_send(c, &o);
}

/* ---- GET /api/plans/{plan}/diff?against=B ---------------------------------------------------- */

static const char *change_name(wg_cell_change k)
{
    return k == WG_CELL_ADDED ? "added" : k == WG_CELL_REMOVED ? "removed" : "changed";
}

static json_t *diff_json(const wg_plan_diff *d)
{
    json_t *moved = json_array(), *cells = json_array(), *map = json_array();
    for (size_t i = 0; i < (size_t)d->moved_units; i++)
        json_array_append_new(moved, json_pack("{s:s,s:s,s:s,s:I}", "unit", d->moved[i].unit,
                                               "from", d->moved[i].from, "to", d->moved[i].to,
                                               "households", (json_int_t)d->moved[i].households));
    for (size_t i = 0; i < d->ncells; i++) {
        const wg_plan_celldiff *x = &d->cells[i];
        json_array_append_new(cells, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "code", x->code,
                                               "change", change_name(x->change),
                                               "households_before", (json_int_t)x->households_a,
                                               "households_after", (json_int_t)x->households_b,
                                               "units_before", (json_int_t)x->units_a,
                                               "units_after", (json_int_t)x->units_b));
    }
    for (size_t i = 0; i < d->nmap; i++)
        json_array_append_new(map,
                              json_pack("{s:s,s:o,s:I}", "from", d->map[i].from, "to",
                                        d->map[i].to[0] ? json_string(d->map[i].to) : json_null(),
                                        "households", (json_int_t)d->map[i].households));
    return json_pack("{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:o,s:o,s:o}", "moved_households",
                     (json_int_t)d->moved_households, "moved_units", (json_int_t)d->moved_units,
                     "units_only_before", (json_int_t)d->only_a_units, "units_only_after",
                     (json_int_t)d->only_b_units, "cells", "added", (json_int_t)d->added, "removed",
                     (json_int_t)d->removed, "changed", (json_int_t)d->changed, "same",
                     (json_int_t)d->same, "moved", moved, "changed_cells", cells, "map", map);
}

enum MHD_Result api_plan_diff(struct MHD_Connection *c, worker *w, const char *ref)
{
    enum MHD_Result sent = MHD_NO;
    int64_t id = 0, base = 0;
    if (!find_plan(c, w, ref, &id, &sent))
        return sent;
    const char *against = query_arg(c, "against");
    wg_plan_rec pa, pb;
    bool found = false;
    if (against && *against) {
        if (wg_plan_find(w->ws, against, &base) != WG_OK)
            return wg_ctx_status(w->ctx) == WG_EINPUT
                       ? send_errorf(c, MHD_HTTP_NOT_FOUND, "against: %s", wg_ctx_errmsg(w->ctx))
                       : send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    } else {
        if (wg_store_plan_get(w->ws, 0, &pa, &found) != WG_OK)
            return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
        if (!found)
            return send_error(c, MHD_HTTP_BAD_REQUEST,
                              "against: no plan is active; name the plan to compare with");
        base = pa.id;
    }
    wg_plan_diff d;
    wg_status st = wg_store_plan_get(w->ws, base, &pa, &found);
    if (st == WG_OK)
        st = wg_store_plan_get(w->ws, id, &pb, &found);
    if (st == WG_OK)
        st = wg_plan_diff_get(w->ws, base, id, &d);
    if (st != WG_OK)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, wg_ctx_errmsg(w->ctx));
    json_t *body = diff_json(&d);
    wg_plan_diff_free(&d);
    if (body) {
        json_object_set_new(body, "schema", json_string("wangge-diff/1"));
        json_object_set_new(body, "plan", plan_ref(pb.id, pb.name));
        json_object_set_new(body, "against", plan_ref(pa.id, pa.name));
    }
    return send_json(c, MHD_HTTP_OK, body);
}

/* ---- POST /api/plans/{plan}/copy {"name": "..."} ----------------------------------------------
 */

enum MHD_Result api_plan_copy(struct MHD_Connection *c, worker *w, const char *data, size_t len,
                              const char *ref)
{
    enum MHD_Result sent = MHD_NO;
    json_t *in = json_body(c, data, len, &sent);
    if (!in)
        return sent;
    const char *name = json_string_value(json_object_get(in, "name"));
    int64_t src = 0, id = 0, other = 0;
    bool taken = false;
    if (!name || !*name) {
        sent = send_error(c, MHD_HTTP_BAD_REQUEST, "\"name\" must be the new plan's name");
    } else if (find_plan(c, w, ref, &src, &sent)) {
        wg_status st = wg_store_plan_named(w->ws, name, &other, &taken);
        if (st == WG_OK && !taken)
            st = wg_plan_copy(w->ws, src, name, &id);
        /* a name taken now, or by another writer meanwhile */
        if (st == WG_EINPUT && wg_store_plan_named(w->ws, name, &other, &taken) != WG_OK)
            taken = false;
        wg_plan_rec p;
        bool found = false;
        if (taken)
            sent = send_errorf(c, MHD_HTTP_CONFLICT,
                               "name: a plan named '%s' exists already (id %lld)", name,
                               (long long)other);
        else if (st == WG_OK && wg_store_plan_get(w->ws, id, &p, &found) == WG_OK && found)
            sent =
                send_json(c, MHD_HTTP_CREATED,
                          json_pack("{s:s,s:I,s:s,s:I,s:b,s:I}", "schema", "wangge-plan/1", "id",
                                    (json_int_t)id, "name", p.name, "parent", (json_int_t)p.parent,
                                    "active", p.active, "version", (json_int_t)p.ver));
        else
            sent = send_error(c,
                              wg_ctx_status(w->ctx) == WG_EINPUT ? MHD_HTTP_BAD_REQUEST
                                                                 : MHD_HTTP_SERVICE_UNAVAILABLE,
                              wg_ctx_errmsg(w->ctx));
    }
    json_decref(in);
    return sent;
}
