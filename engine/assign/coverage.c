/* engine/assign/coverage.c: what the cameras see, cell by cell (see wg/assign.h): camera views with
 * building occlusion, camera-cell links, seen open ground, households seen, blind spots. */
#include "assign_int.h"
#include "wg/boxindex.h"
#include "wg/cover.h"
#include "wg/parallel.h"
#include "wg/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEN_TOL_M 0.05  /* a building within 5 cm of a view is seen */
#define MIN_BLIND_M2 1.0 /* blind-spot pieces smaller than this are left out of the layer */
#define MIN_LINK_M2 1e-3 /* a camera sees a cell when it sees more than this of it */

typedef struct unit {
    wg_geom *g;
    int64_t hh;
    int32_t cell; /* index in the cellset, -1: none */
    bool building;
    bool area; /* a polygon of a tiling (census block, parcel): seen in proportion */
    bool seen;
} unit;

typedef struct camera {
    char *id, *kind;
    wg_view_cam v;
    bool occluded;
    wg_geom *view; /* NULL: not computed (bad parameters) */
    double area;
} camera;

typedef struct camlink {
    uint32_t camera;
    double area;
} camlink;

/* Per cell, what its worker found. */
typedef struct cellres {
    double open, seen;
    double hh_seen; /* households seen: whole ones of buildings and addresses, shares of areas */
    camlink *links;
    size_t nlinks;
    wg_geom **blind;
    size_t nblind;
} cellres;

typedef struct job {
    const cellset *cs;
    unit *u;
    size_t nu;
    size_t *cell_units, *cell_off; /* units of cell c: cell_units[cell_off[c] .. cell_off[c+1]) */
    wg_boxindex *fp_ix;            /* building footprints */
    const wg_geom **fp;            /* footprint k: borrowed from u, or from bld */
    size_t nfp;
    wg_geom **bld; /* the buildings layer's footprints, owned */
    size_t nbld, capbld;
    camera *cam;
    size_t ncam;
    wg_boxindex *view_ix;
    cellres *res;
    wg_geom **seen; /* per cell, out */
} job;

/* The items whose box meets {x0, y0, x1, y1}, into c (reused). */
static wg_status query(wg_ctx *ctx, const wg_boxindex *ix, double x0, double y0, double x1,
                       double y1, wg_box_hits *c)
{
    const double box[4] = {x0, y0, x1, y1};
    return wg_boxindex_collect(ctx, ix, box, c);
}

/* The box of g: all NaN (a box that meets nothing) for NULL or empty g. */
static wg_status envelope(wg_ctx *ctx, const wg_geom *g, double *b)
{
    b[0] = b[1] = b[2] = b[3] = NAN;
    return wg_geom_bbox(ctx, g, b);
}

/* ---- loading ---- */

typedef struct unit_acc {
    wg_ctx *ctx;
    job *J;
    size_t cap;
} unit_acc;

static wg_status add_unit(void *user, const wg_unit_rec *r)
{
    unit_acc *a = user;
    job *J = a->J;
    wg_ctx *ctx = a->ctx;
    wg_status st = wg_grow(ctx, (void **)&J->u, &a->cap, J->nu + 1, sizeof *J->u);
    if (st != WG_OK)
        return st;
    unit *u = &J->u[J->nu];
    memset(u, 0, sizeof *u);
    if ((st = wg_geom_from_wkb(ctx, r->wkb, r->wkb_len, &u->g)) != WG_OK)
        return st;
    J->nu++;
    u->hh = r->households;
    /* compounds are the ground between buildings, not walls */
    bool poly = wg_geom_kind(ctx, u->g) == WG_G_POLYGON;
    u->building = r->kind && strcmp(r->kind, "building") == 0 && poly;
    u->area = r->kind && strcmp(r->kind, "area") == 0 && poly;
    u->cell = cellset_find(J->cs, r->cell);
    return WG_OK;
}

/* The units (with their cell in the plan); only those meeting bbox, when given. */
static wg_status load_units(wg_ws *ws, int64_t plan, const double *bbox, job *J)
{
    unit_acc a = {.ctx = wg_ws_ctx(ws), .J = J};
    wg_unit_query q = {.plan = plan, .by_fid = true, .bbox = bbox};
    return wg_store_units_each(ws, &q, add_unit, &a);
}

static wg_status add_building(void *user, const wg_building_rec *b)
{
    unit_acc *a = user;
    job *J = a->J;
    wg_status st = wg_grow(a->ctx, (void **)&J->bld, &J->capbld, J->nbld + 1, sizeof *J->bld);
    if (st == WG_OK)
        st = wg_geom_from_wkb(a->ctx, b->wkb, b->wkb_len, &J->bld[J->nbld]);
    if (st == WG_OK)
        J->nbld++;
    return st;
}

/* The buildings layer's footprints (those meeting bbox, when given). */
static wg_status load_buildings(wg_ws *ws, const double *bbox, job *J)
{
    unit_acc a = {.ctx = wg_ws_ctx(ws), .J = J};
    return wg_store_buildings_each(ws, bbox, add_building, &a);
}

/* Indexes the units by cell, and the footprints that occlude: the buildings layer's when it
 * has any (areal units stand on them), else the units that are buildings. */
static wg_status index_units(wg_ctx *ctx, job *J)
{
    size_t n = J->cs->n, nfp = 0, maxfp = J->nbld ? J->nbld : J->nu;
    J->cell_off = calloc(n + 1, sizeof *J->cell_off);
    J->cell_units = malloc((J->nu ? J->nu : 1) * sizeof *J->cell_units);
    J->fp = malloc((maxfp ? maxfp : 1) * sizeof *J->fp);
    double *box = malloc((maxfp ? 4 * maxfp : 1) * sizeof *box);
    if (!J->cell_off || !J->cell_units || !J->fp || !box) {
        free(box);
        return wg_fail(ctx, WG_ENOMEM, "out of memory indexing the units");
    }
    for (size_t i = 0; i < J->nu; i++)
        if (J->u[i].cell >= 0)
            J->cell_off[J->u[i].cell + 1]++;
    for (size_t c = 0; c < n; c++)
        J->cell_off[c + 1] += J->cell_off[c];
    size_t *at = malloc((n ? n : 1) * sizeof *at);
    if (!at) {
        free(box);
        return wg_fail(ctx, WG_ENOMEM, "out of memory indexing the units");
    }
    memcpy(at, J->cell_off, n * sizeof *at);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < J->nu; i++) {
        if (J->u[i].cell >= 0)
            J->cell_units[at[J->u[i].cell]++] = i;
        if (J->u[i].building && !J->nbld) {
            st = envelope(ctx, J->u[i].g, box + 4 * nfp);
            J->fp[nfp++] = J->u[i].g;
        }
    }
    for (size_t i = 0; st == WG_OK && i < J->nbld; i++) {
        st = envelope(ctx, J->bld[i], box + 4 * nfp);
        J->fp[nfp++] = J->bld[i];
    }
    J->nfp = nfp;
    free(at);
    if (st == WG_OK)
        st = wg_boxindex_build(ctx, box, nfp, &J->fp_ix);
    free(box);
    return st;
}

typedef struct cam_acc {
    wg_ctx *ctx;
    job *J;
    size_t cap;
} cam_acc;

/* A new camera at the end of a->J's, named id, of kind (NULL: none). */
static wg_status new_camera(cam_acc *a, const char *id, const char *kind, camera **out)
{
    job *J = a->J;
    wg_status st = wg_grow(a->ctx, (void **)&J->cam, &a->cap, J->ncam + 1, sizeof *J->cam);
    if (st != WG_OK)
        return st;
    camera *c = *out = &J->cam[J->ncam++];
    memset(c, 0, sizeof *c);
    c->id = strdup(id);
    c->kind = strdup(kind ? kind : "");
    return c->id && c->kind ? WG_OK : wg_fail(a->ctx, WG_ENOMEM, "out of memory reading cameras");
}

static wg_status add_camera(void *user, const wg_camera_rec *r)
{
    camera *c = NULL;
    wg_status st = new_camera(user, r->id, r->kind, &c);
    if (st != WG_OK)
        return st;
    c->v = (wg_view_cam){.x = r->x,
                         .y = r->y,
                         .heading_deg = r->heading_deg,
                         .fov_deg = r->fov_deg,
                         .range_m = r->range_m};
    c->occluded = !r->kind || strcmp(r->kind, "high") != 0;
    return WG_OK;
}

static wg_status load_cameras(wg_ws *ws, job *J)
{
    cam_acc a = {.ctx = wg_ws_ctx(ws), .J = J};
    return wg_store_cameras_each(ws, add_camera, &a);
}

/* The stored views whose box meets bbox, as cameras whose view is known. */
static wg_status add_view(void *user, const wg_view_rec *v)
{
    cam_acc *a = user;
    camera *c = NULL;
    wg_status st = new_camera(a, v->camera, v->kind, &c);
    if (st != WG_OK)
        return st;
    c->area = v->area_m2;
    return wg_geom_from_wkb(a->ctx, v->wkb, v->wkb_len, &c->view);
}

static wg_status load_views(wg_ws *ws, const double *bbox, job *J)
{
    cam_acc a = {.ctx = wg_ws_ctx(ws), .J = J};
    return wg_store_camera_views_each(ws, bbox, add_view, &a);
}

/* ---- the work ---- */

static wg_status view_one(wg_ctx *ctx, void *user, size_t i, int thread)
{
    (void)thread;
    job *J = user;
    camera *c = &J->cam[i];
    if (!(c->v.range_m > 0 && c->v.fov_deg > 0)) {
        wg_warn(ctx, "camera %s: no range or field of view: it sees nothing", c->id);
        return WG_OK;
    }
    wg_box_hits hits = {0};
    const wg_geom **obs = NULL;
    size_t nobs = 0;
    wg_status st = WG_OK;
    if (c->occluded) {
        double r = c->v.range_m;
        st = query(ctx, J->fp_ix, c->v.x - r, c->v.y - r, c->v.x + r, c->v.y + r, &hits);
        if (st == WG_OK && hits.n && !(obs = malloc(hits.n * sizeof *obs)))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for camera %s", c->id);
        for (size_t k = 0; st == WG_OK && k < hits.n; k++)
            obs[nobs++] = J->fp[hits.v[k]];
    }
    if (st == WG_OK)
        st = wg_view_polygon(ctx, &c->v, obs, nobs, &c->view);
    if (st == WG_OK)
        st = wg_geom_area(ctx, c->view, &c->area);
    if (st != WG_OK)
        wg_ctx_where(ctx, "camera %s: ", c->id);
    free(obs);
    free(hits.v);
    return st;
}

/* Adds to *hh the households of area unit u times the share of its area in `seen` (the seen
 * open ground of its cell; NULL: nothing seen). */
static wg_status area_seen(wg_ctx *ctx, const unit *u, const wg_geom *seen, double *hh)
{
    double all = 0, part = 0;
    wg_status st = seen && u->hh > 0 ? wg_geom_area(ctx, u->g, &all) : WG_OK;
    if (st == WG_OK && all > 0)
        st = wg_geom_overlap_area(ctx, u->g, seen, &part);
    if (st == WG_OK && all > 0)
        *hh += (double)u->hh * fmin(1, part / all);
    return st;
}

/* The coverage of cell c: its open ground (the cell minus the footprints in it), what the
 * views over it see of that, and its blind spots; then the households a view reaches. */
static wg_status cell_one(wg_ctx *ctx, void *user, size_t c, int thread)
{
    (void)thread;
    job *J = user;
    const wg_geom *cell = J->cs->geom[c];
    const char *code = J->cs->code[c];
    cellres *res = &J->res[c];
    if (!cell)
        return WG_OK;
    double b[4];
    wg_box_hits fps = {0}, views = {0};
    const wg_geom **fg = NULL, **vg = NULL;
    double *view_m2 = NULL;
    wg_cover_out cov = {0};
    wg_status st = envelope(ctx, cell, b);
    /* the footprints and views whose boxes meet the cell's */
    if (st == WG_OK)
        st = query(ctx, J->fp_ix, b[0], b[1], b[2], b[3], &fps);
    if (st == WG_OK && J->view_ix)
        st = query(ctx, J->view_ix, b[0], b[1], b[2], b[3], &views);
    if (st == WG_OK) {
        fg = malloc((fps.n ? fps.n : 1) * sizeof *fg);
        vg = malloc((views.n ? views.n : 1) * sizeof *vg);
        view_m2 = malloc((views.n ? views.n : 1) * sizeof *view_m2);
        res->links = views.n ? malloc(views.n * sizeof *res->links) : NULL;
        if (!fg || !vg || !view_m2 || (views.n && !res->links))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for cell %s", code);
    }
    for (size_t k = 0; st == WG_OK && k < fps.n; k++)
        fg[k] = J->fp[fps.v[k]];
    for (size_t k = 0; st == WG_OK && k < views.n; k++)
        vg[k] = J->cam[views.v[k]].view;
    wg_cover_in in = {.area = cell,
                      .footprints = fg,
                      .nfootprints = fps.n,
                      .views = vg,
                      .nviews = views.n,
                      .min_view_m2 = MIN_LINK_M2,
                      .min_blind_m2 = MIN_BLIND_M2};
    if (st == WG_OK) {
        st = wg_cover_area(ctx, &in, view_m2, &cov);
        if (st != WG_OK)
            wg_ctx_where(ctx, "cell %s: ", code);
    }
    if (st == WG_OK) {
        res->open = cov.open_m2;
        res->seen = cov.seen_m2;
        for (size_t k = 0; k < views.n; k++)
            if (view_m2[k] > MIN_LINK_M2)
                res->links[res->nlinks++] = (camlink){(uint32_t)views.v[k], view_m2[k]};
        res->blind = cov.blind;
        res->nblind = cov.nblind;
        J->seen[c] = cov.seen;
    }
    /* households whose building (or address point) a view reaches; of an area, its households
     * times the share of its area seen */
    for (size_t k = J->cell_off[c]; st == WG_OK && k < J->cell_off[c + 1]; k++) {
        unit *u = &J->u[J->cell_units[k]];
        if (u->area) {
            st = area_seen(ctx, u, J->seen[c], &res->hh_seen);
            continue;
        }
        double ub[4];
        st = envelope(ctx, u->g, ub);
        if (st != WG_OK || !J->view_ix)
            break;
        st = query(ctx, J->view_ix, ub[0] - SEEN_TOL_M, ub[1] - SEEN_TOL_M, ub[2] + SEEN_TOL_M,
                   ub[3] + SEEN_TOL_M, &views);
        for (size_t v = 0; st == WG_OK && v < views.n && !u->seen; v++) {
            wg_answer a = wg_geom_within_distance(ctx, J->cam[views.v[v]].view, u->g, SEEN_TOL_M);
            if (a == WG_FAILED)
                st = wg_ctx_status(ctx);
            u->seen = a == WG_YES;
        }
        if (u->seen)
            res->hh_seen += u->hh;
    }
    if (st != WG_OK && J->seen[c]) {
        wg_geom_free(ctx, J->seen[c]);
        J->seen[c] = NULL;
    }
    free(fg), free(vg), free(view_m2);
    free(fps.v), free(views.v);
    return st;
}

/* ---- storing ---- */

/* WKB of g (in its stored, multi form when `multi`), in a buffer the caller frees. */
static wg_status to_wkb(wg_ctx *ctx, const wg_geom *g, bool multi, unsigned char **wkb, size_t *len)
{
    wg_geom *m = NULL;
    wg_status st = multi ? wg_geom_multi(ctx, g, &m) : WG_OK;
    if (st == WG_OK)
        st = wg_geom_to_wkb(ctx, multi ? m : g, wkb, len);
    wg_geom_free(ctx, m);
    return st;
}

static wg_status store_views(wg_ws *ws, const job *J)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < J->ncam; i++) {
        const camera *c = &J->cam[i];
        wg_answer empty = c->view ? wg_geom_is_empty(ctx, c->view) : WG_YES;
        if (empty == WG_FAILED)
            st = wg_ctx_status(ctx);
        if (empty != WG_NO)
            continue;
        unsigned char *wkb = NULL;
        size_t len = 0;
        st = to_wkb(ctx, c->view, true, &wkb, &len);
        if (st == WG_OK)
            st = wg_store_camera_view_add(ws, c->id, c->kind, c->area, wkb, len);
        free(wkb);
    }
    return st;
}

/* Stores the coverage of cell c; its blind spots move to out (for locating incidents). */
static wg_status store_cell(wg_ws *ws, int64_t plan, job *J, size_t c, coverage *out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    cellres *res = &J->res[c];
    const char *code = J->cs->code[c];
    wg_status st = WG_OK;
    for (size_t k = 0; st == WG_OK && k < res->nlinks; k++)
        st =
            wg_store_camera_cell_add(ws, J->cam[res->links[k].camera].id, code, res->links[k].area);
    double area = 0;
    if (st == WG_OK && J->cs->geom[c])
        st = wg_geom_area(ctx, J->cs->geom[c], &area);
    wg_cover_rec r = {.cell = code,
                      .cameras = (int64_t)res->nlinks,
                      .area_m2 = area,
                      .open_m2 = res->open,
                      .seen_m2 = res->seen,
                      .households = J->cs->hh[c],
                      .households_seen = llround(res->hh_seen)};
    unsigned char *wkb = NULL;
    if (st == WG_OK && J->seen[c])
        st = to_wkb(ctx, J->seen[c], false, &wkb, &r.seen_len);
    r.seen_wkb = wkb;
    if (st == WG_OK)
        st = wg_store_cell_coverage_add(ws, &r);
    free(wkb);
    for (size_t k = 0; st == WG_OK && k < res->nblind; k++) {
        double a = 0;
        size_t len = 0;
        wkb = NULL;
        int64_t fid = 0;
        st = wg_geom_area(ctx, res->blind[k], &a);
        if (st == WG_OK)
            st = to_wkb(ctx, res->blind[k], true, &wkb, &len);
        if (st == WG_OK)
            st = wg_store_blind_spot_add(ws, plan, code, a, wkb, len, &fid);
        free(wkb);
        if (st != WG_OK)
            break;
        size_t j = out->nblind++;
        out->blind[j] = res->blind[k];
        res->blind[k] = NULL;
        out->blind_cell[j] = c;
        out->blind_fid[j] = fid;
    }
    return st;
}

/* Replaces the stored coverage (of every cell when `all`, with the views; else of J's). */
static wg_status store(wg_ws *ws, int64_t plan, job *J, bool all, coverage *out)
{
    wg_status st =
        wg_store_coverage_clear(ws, all ? NULL : (const char *const *)J->cs->code, J->cs->n);
    if (st == WG_OK && all)
        st = store_views(ws, J);
    for (size_t c = 0; st == WG_OK && c < J->cs->n; c++)
        st = store_cell(ws, plan, J, c, out);
    return st;
}

static wg_status alloc_out(wg_ctx *ctx, const job *J, coverage *out)
{
    size_t nb = 0;
    for (size_t c = 0; c < J->cs->n; c++)
        nb += J->res[c].nblind;
    out->blind = calloc(nb ? nb : 1, sizeof *out->blind);
    out->blind_cell = malloc((nb ? nb : 1) * sizeof *out->blind_cell);
    out->blind_fid = malloc((nb ? nb : 1) * sizeof *out->blind_fid);
    if (!out->blind || !out->blind_cell || !out->blind_fid)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu blind spots", nb);
    out->capblind = nb;
    return WG_OK;
}

static wg_status index_views(wg_ctx *ctx, job *J)
{
    double *box = malloc((J->ncam ? 4 * J->ncam : 1) * sizeof *box);
    if (!box)
        return wg_fail(ctx, WG_ENOMEM, "out of memory indexing the camera views");
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < J->ncam; i++)
        st = envelope(ctx, J->cam[i].view, box + 4 * i);
    if (st == WG_OK)
        st = wg_boxindex_build(ctx, box, J->ncam, &J->view_ix);
    free(box);
    return st;
}

static void job_free(wg_ctx *ctx, job *J)
{
    for (size_t i = 0; i < J->nu; i++)
        wg_geom_free(ctx, J->u[i].g);
    free(J->u);
    free(J->cell_units);
    free(J->cell_off);
    free(J->fp);
    wg_geoms_free(ctx, J->bld, J->nbld);
    wg_boxindex_free(J->fp_ix);
    wg_boxindex_free(J->view_ix);
    for (size_t i = 0; i < J->ncam; i++) {
        free(J->cam[i].id);
        free(J->cam[i].kind);
        wg_geom_free(ctx, J->cam[i].view);
    }
    free(J->cam);
    for (size_t c = 0; J->res && c < J->cs->n; c++) {
        free(J->res[c].links);
        wg_geoms_free(ctx, J->res[c].blind, J->res[c].nblind);
    }
    free(J->res);
}

/* The box of the cells of cs (NaN-free), widened a little. */
static wg_status cells_box(wg_ctx *ctx, const cellset *cs, double box[4])
{
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t c = 0; c < cs->n; c++) {
        double b[4];
        if (envelope(ctx, cs->geom[c], b) != WG_OK)
            return wg_ctx_status(ctx);
        if (isnan(b[0]))
            continue;
        box[0] = fmin(box[0], b[0]), box[1] = fmin(box[1], b[1]);
        box[2] = fmax(box[2], b[2]), box[3] = fmax(box[3], b[3]);
    }
    for (int k = 0; k < 2; k++) {
        box[k] -= SEEN_TOL_M;
        box[k + 2] += SEEN_TOL_M;
    }
    return WG_OK;
}

wg_status coverage_run(wg_ws *ws, int64_t plan, const cellset *cs, bool all, int threads,
                       coverage *out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    job J = {.cs = cs};
    out->seen = calloc(cs->n ? cs->n : 1, sizeof *out->seen);
    J.seen = out->seen;
    J.res = calloc(cs->n ? cs->n : 1, sizeof *J.res);
    wg_status st = out->seen && J.res ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    /* some cells only: the units and stored views around them */
    double box[4];
    if (st == WG_OK && !all)
        st = cells_box(ctx, cs, box);
    if (st == WG_OK)
        st = load_units(ws, plan, all ? NULL : box, &J);
    if (st == WG_OK)
        st = load_buildings(ws, all ? NULL : box, &J);
    if (st == WG_OK)
        st = index_units(ctx, &J);
    if (st == WG_OK && all)
        st = load_cameras(ws, &J);
    if (st == WG_OK && all)
        st = wg_parallel(ctx, J.ncam, threads, "camera views", view_one, &J);
    if (st == WG_OK && !all)
        st = load_views(ws, box, &J);
    if (st == WG_OK)
        st = index_views(ctx, &J);
    if (st == WG_OK)
        st = wg_parallel(ctx, cs->n, threads, "cell coverage", cell_one, &J);
    if (st == WG_OK)
        st = alloc_out(ctx, &J, out);
    if (st == WG_OK)
        st = store(ws, plan, &J, all, out);
    job_free(ctx, &J);
    return st;
}

typedef struct load_acc {
    wg_ctx *ctx;
    const cellset *cs;
    coverage *out;
    size_t cap[3];
} load_acc;

static wg_status load_seen(void *user, const wg_cover_rec *r)
{
    load_acc *a = user;
    int32_t c = cellset_find(a->cs, r->cell);
    if (c < 0 || a->out->seen[c] || !r->seen_wkb)
        return WG_OK;
    return wg_geom_from_wkb(a->ctx, r->seen_wkb, r->seen_len, &a->out->seen[c]);
}

static wg_status load_blind(void *user, const wg_blind_rec *b)
{
    load_acc *a = user;
    coverage *out = a->out;
    int32_t c = cellset_find(a->cs, b->cell);
    if (c < 0)
        return WG_OK;
    size_t j = out->nblind;
    wg_status st;
    if ((st = wg_grow(a->ctx, (void **)&out->blind, &a->cap[0], j + 1, sizeof *out->blind)) ||
        (st = wg_grow(a->ctx, (void **)&out->blind_cell, &a->cap[1], j + 1,
                      sizeof *out->blind_cell)) ||
        (st = wg_grow(a->ctx, (void **)&out->blind_fid, &a->cap[2], j + 1, sizeof *out->blind_fid)))
        return st;
    out->blind[j] = NULL;
    out->blind_cell[j] = (size_t)c;
    out->blind_fid[j] = b->fid;
    out->nblind++;
    return wg_geom_from_wkb(a->ctx, b->wkb, b->wkb_len, &out->blind[j]);
}

/* Orders the blind spots by fid (they come cell by cell), for lookups by fid. */
static void sort_blind(coverage *c)
{
    for (size_t i = 1; i < c->nblind; i++) /* insertion sort: nearly sorted, and few */
        for (size_t j = i; j > 0 && c->blind_fid[j - 1] > c->blind_fid[j]; j--) {
            wg_geom *g = c->blind[j];
            size_t cell = c->blind_cell[j];
            int64_t fid = c->blind_fid[j];
            c->blind[j] = c->blind[j - 1], c->blind_cell[j] = c->blind_cell[j - 1];
            c->blind_fid[j] = c->blind_fid[j - 1];
            c->blind[j - 1] = g, c->blind_cell[j - 1] = cell, c->blind_fid[j - 1] = fid;
        }
}

wg_status coverage_load(wg_ws *ws, const cellset *cs, coverage *out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(out, 0, sizeof *out);
    out->seen = calloc(cs->n ? cs->n : 1, sizeof *out->seen);
    if (!out->seen)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    load_acc a = {.ctx = ctx, .cs = cs, .out = out};
    const char *const *codes = cs->all ? NULL : (const char *const *)cs->code;
    wg_status st = wg_store_cell_coverage_each(ws, codes, cs->n, load_seen, &a);
    if (st == WG_OK)
        st = wg_store_blind_spots_each(ws, codes, cs->n, load_blind, &a);
    if (st == WG_OK)
        sort_blind(out);
    return st;
}

void coverage_free(wg_ctx *ctx, coverage *c, size_t ncells)
{
    wg_geoms_free(ctx, c->seen, c->seen ? ncells : 0);
    wg_geoms_free(ctx, c->blind, c->blind ? c->nblind : 0);
    free(c->blind_cell);
    free(c->blind_fid);
    memset(c, 0, sizeof *c);
}
