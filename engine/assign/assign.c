/* engine/assign/assign.c: incidents to cells, doing exactly what changed since the last run
 * (see wg/assign.h). The store's versions say what changed: incidents written since, cells
 * edited since, cameras, units or streets changed since. The incidents travel as arrays (the
 * store's packed copy) and their cells are stored as small integers, so a run costs what
 * locating costs. */
#include "assign_int.h"
#include "wg/locate.h"
#include "wg/parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- The cells ------------------------------------------------------------------------------ */

void cellset_free(wg_ctx *ctx, cellset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->code[i]);
        wg_geom_free(ctx, cs->geom[i]);
    }
    free(cs->code), free(cs->geom), free(cs->hh), free(cs->idx);
    memset(cs, 0, sizeof *cs);
}

typedef struct cell_acc {
    wg_ctx *ctx;
    cellset *cs;
    size_t cap[4];
} cell_acc;

static wg_status add_cell(void *user, const wg_cell_rec *c)
{
    cell_acc *a = user;
    cellset *cs = a->cs;
    wg_ctx *ctx = a->ctx;
    size_t i = cs->n;
    wg_status st;
    if ((st = wg_grow(ctx, (void **)&cs->code, &a->cap[0], i + 1, sizeof *cs->code)) ||
        (st = wg_grow(ctx, (void **)&cs->geom, &a->cap[1], i + 1, sizeof *cs->geom)) ||
        (st = wg_grow(ctx, (void **)&cs->hh, &a->cap[2], i + 1, sizeof *cs->hh)) ||
        (st = wg_grow(ctx, (void **)&cs->idx, &a->cap[3], i + 1, sizeof *cs->idx)))
        return st;
    cs->geom[i] = NULL;
    if (!(cs->code[i] = strdup(c->code)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading the cells");
    cs->hh[i] = c->households;
    cs->idx[i] = c->idx;
    cs->n++;
    return c->wkb ? wg_geom_from_wkb(ctx, c->wkb, c->wkb_len, &cs->geom[i]) : WG_OK;
}

wg_status cellset_load(wg_ws *ws, int64_t plan, int64_t since, const double *xy, size_t npts,
                       cellset *cs)
{
    memset(cs, 0, sizeof *cs);
    cell_acc a = {.ctx = wg_ws_ctx(ws), .cs = cs};
    wg_status st = xy ? wg_store_cells_at(ws, plan, xy, npts, WG_CELLS_GEOM, add_cell, &a)
                      : wg_store_cells_each(ws, plan, WG_CELLS_GEOM, since, add_cell, &a);
    if (st != WG_OK)
        cellset_free(wg_ws_ctx(ws), cs);
    cs->all = st == WG_OK && !xy && since <= 0;
    return st;
}

int32_t cellset_find(const cellset *cs, const char *code)
{
    size_t lo = 0, hi = cs->n;
    while (code && lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(cs->code[mid], code);
        if (c == 0)
            return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- What changed --------------------------------------------------------------------------- */

/* How each derived kind stands against the plan and the layers as they are now. */
typedef struct standing {
    wg_plan_rec plan;
    wg_derived a, c, p; /* assignment, coverage, patrol */
    bool full_inc, full_cov, full_pat;
    bool comm_changed;
    int64_t inc_since; /* incidents written after this version are new to the assignment */
    char why[768];
} standing;

/* Appends a sentence part to s->why. */
static void say(standing *s, const char *fmt, ...) WG_PRINTF(2, 3);
static void say(standing *s, const char *fmt, ...)
{
    size_t len = strlen(s->why);
    if (len + 3 >= sizeof s->why)
        return;
    if (len)
        len += (size_t)snprintf(s->why + len, sizeof s->why - len, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why + len, sizeof s->why - len, fmt, ap);
    va_end(ap);
}

static int64_t recorded(const wg_derived *d, const char *name)
{
    for (size_t i = 0; i < d->ninputs; i++)
        if (strcmp(d->input[i], name) == 0)
            return d->input_ver[i];
    return -1;
}

/* Whether layer `name` changed since d was built; says so (once) with what changed it. */
static wg_status changed(wg_ws *ws, standing *s, const wg_derived *d, const char *name, bool *ch)
{
    wg_version v;
    wg_status st = wg_store_version(ws, name, &v);
    /* (a layer never written, that a coverage made before it existed does not record, has not
     * changed) */
    int64_t was = recorded(d, name);
    *ch = st == WG_OK && v.ver != was && !(was < 0 && v.ver == 0);
    if (*ch && !strstr(s->why, name)) {
        char when[32] = "";
        time_t t = (time_t)v.at;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        say(s, "%s changed since (%s%s%s)", name, v.command[0] ? v.command : "written",
            when[0] ? ", " : "", when);
    }
    return st;
}

static wg_status assess(wg_ws *ws, int64_t plan_id, standing *s)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(s, 0, sizeof *s);
    bool found = false;
    wg_status st = wg_store_plan_get(ws, plan_id, &s->plan, &found);
    if (st == WG_OK && !found)
        return plan_id ? wg_fail(ctx, WG_EINPUT, "no plan with id %lld", (long long)plan_id)
                       : wg_fail(ctx, WG_EINPUT,
                                 "no active plan: make one with 'wangge partition', or activate "
                                 "one with 'wangge plan activate'");
    if (st == WG_OK)
        st = wg_store_derived_get(ws, "assignment", &s->a);
    if (st == WG_OK)
        st = wg_store_derived_get(ws, "coverage", &s->c);
    if (st == WG_OK)
        st = wg_store_derived_get(ws, "patrol", &s->p);
    if (st != WG_OK)
        return st;
    int64_t id = s->plan.id;
    s->full_inc = !s->a.any || s->a.plan != id;
    s->full_cov = !s->c.any || s->c.plan != id;
    s->full_pat = !s->p.any || s->p.plan != id;
    if (!s->a.any)
        say(s, "nothing is assigned yet");
    else if (s->a.plan != id)
        say(s, "the stored assignment is of another plan");
    bool ch = false;
    if (st == WG_OK && !s->full_cov && (st = changed(ws, s, &s->c, "cameras", &ch)) == WG_OK)
        s->full_cov |= ch;
    if (st == WG_OK && !s->full_cov && (st = changed(ws, s, &s->c, "units", &ch)) == WG_OK)
        s->full_cov |= ch;
    if (st == WG_OK && !s->full_cov && (st = changed(ws, s, &s->c, "buildings", &ch)) == WG_OK)
        s->full_cov |= ch;
    if (st == WG_OK && !s->full_pat && (st = changed(ws, s, &s->p, "streets", &ch)) == WG_OK)
        s->full_pat |= ch;
    if (st == WG_OK && !s->full_pat && (st = changed(ws, s, &s->p, "units", &ch)) == WG_OK)
        s->full_pat |= ch;
    if (st == WG_OK && !s->full_inc &&
        (st = changed(ws, s, &s->a, "communities", &s->comm_changed)) == WG_OK)
        s->inc_since = recorded(&s->a, "incidents");
    return st;
}

/* The number of cells of the plan edited after version `since`. */
static wg_status count_cell(void *user, const wg_cell_rec *c)
{
    (void)c;
    (*(int64_t *)user)++;
    return WG_OK;
}

static wg_status edited(wg_ws *ws, const standing *s, int64_t since, int64_t *n)
{
    *n = 0;
    if (since >= s->plan.ver)
        return WG_OK;
    return wg_store_cells_each(ws, s->plan.id, 0, since, count_cell, n);
}

/* ---- Locating -------------------------------------------------------------------------------- */

static wg_status geoms_locator(wg_ctx *ctx, wg_geom **g, size_t n, wg_locator **out)
{
    return wg_locator_build(ctx, (const wg_geom *const *)g, n, 0, out);
}

/* A locator for a few points: a coarse grid (a bin per 20 edges, not two per edge) is built in
 * a fraction of the time and answers a thousand points as exactly, if a little slower each. */
static wg_status sparse_locator(wg_ctx *ctx, wg_geom **g, size_t n, wg_locator **out)
{
    return wg_locator_build(ctx, (const wg_geom *const *)g, n, 0.05, out);
}

typedef struct comm_acc {
    wg_ctx *ctx;
    wg_geom **g;
    size_t n, cap;
} comm_acc;

static wg_status add_comm(void *user, const wg_area_rec *a)
{
    comm_acc *c = user;
    wg_status st = wg_grow(c->ctx, (void **)&c->g, &c->cap, c->n + 1, sizeof *c->g);
    if (st != WG_OK)
        return st;
    c->g[c->n] = NULL;
    st = wg_geom_from_wkb(c->ctx, a->wkb, a->wkb_len, &c->g[c->n]);
    c->n++;
    return st;
}

/* A locator over the communities (for the reason of an incident in no cell). */
static wg_status communities_locator(wg_ws *ws, wg_locator **out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    comm_acc c = {.ctx = ctx};
    wg_status st = wg_store_communities_each(ws, NULL, add_comm, &c);
    if (st == WG_OK)
        st = geoms_locator(ctx, c.g, c.n, out);
    wg_geoms_free(ctx, c.g, c.n);
    return st;
}

/* The locators of one run: cells, and the seen ground and blind spots of those cells. */
typedef struct locators {
    const cellset *cs;
    const coverage *cov;
    wg_locator *cells, *seen, *blind, *comms;
} locators;

static void locators_free(locators *L)
{
    wg_locator_free(L->cells);
    wg_locator_free(L->seen);
    wg_locator_free(L->blind);
    wg_locator_free(L->comms);
}

static wg_status locators_build(wg_ctx *ctx, const cellset *cs, const coverage *cov, locators *L)
{
    memset(L, 0, sizeof *L);
    L->cs = cs;
    L->cov = cov;
    wg_status st = geoms_locator(ctx, cs->geom, cs->n, &L->cells);
    if (st == WG_OK)
        st = geoms_locator(ctx, cov->seen, cs->n, &L->seen);
    if (st == WG_OK)
        st = geoms_locator(ctx, cov->blind, cov->nblind, &L->blind);
    return st;
}

/* The seen flag and blind spot of a point in cell k of L's cellset. */
static void view_flags(const locators *L, double x, double y, int32_t k, uint8_t *flags,
                       int32_t *blind)
{
    int32_t s = wg_locate(L->seen, x, y);
    int32_t b = wg_locate(L->blind, x, y);
    if (s == k)
        *flags |= WG_AF_SEEN;
    *blind = b >= 0 && L->cov->blind_cell[b] == (size_t)k ? (int32_t)L->cov->blind_fid[b] : -1;
}

/* A mark, while locating in parallel, of an incident in no cell whose reason comes after. */
#define UNPLACED 64

/* Locates the point and sets its cell (the plan's index), seen flag and blind spot; an
 * incident in no cell gets UNPLACED (see reason()). Reads only: any thread may call it. */
static void locate_one(const locators *L, double x, double y, int32_t *cell, uint8_t *flags,
                       int32_t *blind)
{
    *blind = -1;
    *cell = -1;
    if (!isfinite(x) || !isfinite(y)) {
        *flags = WG_AF_NO_LOCATION;
        return;
    }
    int32_t k = wg_locate(L->cells, x, y);
    if (k < 0) {
        *flags = UNPLACED;
        return;
    }
    *cell = L->cs->idx[k];
    *flags = 0;
    view_flags(L, x, y, k, flags, blind);
}

/* Why an incident is in no cell: in a community (a gap of the plan) or outside them all. */
static wg_status reason(wg_ws *ws, locators *L, double x, double y, uint8_t *flags)
{
    if (!L->comms) {
        wg_status st = communities_locator(ws, &L->comms);
        if (st != WG_OK)
            return st;
    }
    *flags = wg_locate(L->comms, x, y) >= 0 ? WG_AF_GAP : WG_AF_OUTSIDE;
    return WG_OK;
}

/* Locating the incidents of a plan run, in blocks, on several threads. */
#define LOCATE_BLOCK 65536
typedef struct locate_job {
    const standing *s;
    const locators *L;
    wg_incidents *a;
    const bool *edited_a, *edited_c;
    bool any_edit;
    size_t nblocks;
    size_t *located, *changes; /* per block */
} locate_job;

/* Block b: each incident that needs it placed again (new or changed since, in a cell edited
 * since, in a gap when cells were edited, in no cell when communities changed), or only its
 * view flags taken again (its cell's coverage changed). A changed one gets ver -1. */
static wg_status locate_block(wg_ctx *ctx, void *user, size_t b, int thread)
{
    (void)ctx, (void)thread;
    locate_job *J = user;
    const standing *s = J->s;
    wg_incidents *a = J->a;
    size_t end = (b + 1) * LOCATE_BLOCK < a->n ? (b + 1) * LOCATE_BLOCK : a->n;
    for (size_t i = b * LOCATE_BLOCK; i < end; i++) {
        double x = a->xy[2 * i], y = a->xy[2 * i + 1];
        uint8_t f = a->flags[i];
        int32_t c = a->cell[i];
        bool locate = s->full_inc || (f & WG_AF_PENDING) || a->ver[i] > s->inc_since ||
                      (c >= 0 && J->edited_a[c]) ||
                      (J->any_edit && (f & WG_AF_REASON) == WG_AF_GAP) ||
                      (s->comm_changed && c < 0);
        bool flags_only = !locate && c >= 0 && (s->full_cov || J->edited_c[c]);
        int32_t nc = c, nb = a->blind[i];
        uint8_t nf = f;
        if (locate) {
            locate_one(J->L, x, y, &nc, &nf, &nb);
            J->located[b]++;
        } else if (flags_only) {
            nf = (uint8_t)(f & ~WG_AF_SEEN);
            view_flags(J->L, x, y, c, &nf, &nb);
        }
        if (nc != c || nf != f || nb != a->blind[i]) {
            a->cell[i] = nc, a->flags[i] = nf, a->blind[i] = nb;
            a->ver[i] = -1; /* marks the change */
            J->changes[b]++;
        }
    }
    return WG_OK;
}

/* ---- Counting -------------------------------------------------------------------------------- */

static long blind_index(const coverage *cov, int64_t fid)
{
    size_t lo = 0, hi = cov->nblind;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cov->blind_fid[mid] == fid)
            return (long)mid;
        if (cov->blind_fid[mid] < fid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Counts per cell (by position in cs, which must hold the whole plan) and per blind spot, and
 * stores those that differ from the stored ones. */
static wg_status recount(wg_ws *ws, int64_t plan, const cellset *cs, const coverage *cov,
                         const wg_incidents *a)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    size_t nc = cs->n, nb = cov->nblind;
    int64_t *inc = calloc(nc + 1, sizeof *inc), *seen = calloc(nc + 1, sizeof *seen);
    int64_t *binc = calloc(nb + 1, sizeof *binc);
    int64_t *old_inc = malloc((nc + 1) * sizeof *old_inc);
    int64_t *old_seen = malloc((nc + 1) * sizeof *old_seen);
    int64_t *old_binc = malloc((nb + 1) * sizeof *old_binc);
    wg_status st = inc && seen && binc && old_inc && old_seen && old_binc
                       ? WG_OK
                       : wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0; st == WG_OK && i < a->n; i++) {
        int32_t c = a->cell[i];
        if (c < 0 || (size_t)c >= nc)
            continue;
        inc[c]++;
        seen[c] += (a->flags[i] & WG_AF_SEEN) != 0;
        long b = a->blind[i] >= 0 ? blind_index(cov, a->blind[i]) : -1;
        if (b >= 0)
            binc[b]++;
    }
    if (st == WG_OK)
        st = wg_store_coverage_counts_get(ws, plan, nc, old_inc, old_seen, nb, cov->blind_fid,
                                          old_binc);
    /* only what differs is written (rewriting a row rewrites its geometry too) */
    size_t m = 0, mb = 0;
    int32_t *idx = st == WG_OK ? malloc((nc + 1) * sizeof *idx) : NULL;
    int64_t *fid = st == WG_OK ? malloc((nb + 1) * sizeof *fid) : NULL;
    if (st == WG_OK && (!idx || !fid))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t c = 0; st == WG_OK && c < nc; c++)
        if (inc[c] != old_inc[c] || seen[c] != old_seen[c]) {
            idx[m] = cs->idx[c], inc[m] = inc[c], seen[m] = seen[c];
            m++;
        }
    for (size_t b = 0; st == WG_OK && b < nb; b++)
        if (binc[b] != old_binc[b]) {
            fid[mb] = cov->blind_fid[b], binc[mb] = binc[b];
            mb++;
        }
    if (st == WG_OK && (m || mb))
        st = wg_store_coverage_counts(ws, plan, false, m, idx, inc, seen, mb, fid, binc);
    free(inc), free(seen), free(binc), free(old_inc), free(old_seen), free(old_binc);
    free(idx), free(fid);
    return st;
}

/* Adds sign times incident flags f to the totals (a pending incident counts nowhere). */
static void tally_flags(int64_t n[WG_ACOUNTS], uint8_t f, int sign)
{
    if (f & WG_AF_PENDING)
        return;
    static const int of_reason[4] = {WG_AC_ASSIGNED, WG_AC_OUTSIDE, WG_AC_GAP, WG_AC_NO_LOCATION};
    n[of_reason[f & WG_AF_REASON]] += sign;
    if ((f & WG_AF_REASON) == 0 && (f & WG_AF_SEEN))
        n[WG_AC_SEEN] += sign;
}

/* ---- The run --------------------------------------------------------------------------------- */

/* The whole plan: coverage and patrol where they changed, and every incident that needs it. */
static wg_status run_plan(wg_ws *ws, const wg_assign_opts *o, standing *s, wg_assign_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    int threads = o->threads > 0 ? o->threads : 2;
    int64_t plan = s->plan.id;
    cellset cs = {0}, redo = {0};
    coverage cov = {0};
    wg_incidents a = {0};
    locators L = {0};
    wg_status st = cellset_load(ws, plan, 0, NULL, 0, &cs);
    if (st == WG_OK && cs.n == 0)
        st = wg_fail(ctx, WG_EINPUT, "plan '%s' has no cells", s->plan.name);
    /* the whole plan in code order: a cell's position here is its index */
    for (size_t k = 0; st == WG_OK && k < cs.n; k++)
        if (cs.idx[k] != (int32_t)k)
            st = wg_fail(ctx, WG_EINTERNAL, "plan %s: cell %s is numbered %d, not %zu",
                         s->plan.name, cs.code[k], cs.idx[k], k);
    r->cells = (int64_t)cs.n;
    /* coverage: all cells, or those edited since it was made */
    double t0 = wg_now();
    r->coverage = s->full_cov;
    if (st == WG_OK && s->full_cov)
        st = coverage_run(ws, plan, &cs, true, threads, &cov);
    else if (st == WG_OK && s->c.plan_ver < s->plan.ver) {
        st = cellset_load(ws, plan, s->c.plan_ver, NULL, 0, &redo);
        if (st == WG_OK && redo.n)
            st = coverage_run(ws, plan, &redo, false, threads, &cov);
        coverage_free(ctx, &cov, redo.n);
        r->cells_redone = redo.n;
    }
    if (st == WG_OK && !s->full_cov)
        st = coverage_load(ws, &cs, &cov);
    if (st == WG_OK && (s->full_cov || redo.n))
        st = wg_store_derived_put(ws, "coverage", plan,
                                  (const char *const[]){"cameras", "units", "buildings"}, 3);
    /* patrol lengths likewise */
    cellset_free(ctx, &redo);
    if (st == WG_OK && s->full_pat)
        st = patrol_run(ws, plan, &cs);
    else if (st == WG_OK && s->p.plan_ver < s->plan.ver) {
        st = cellset_load(ws, plan, s->p.plan_ver, NULL, 0, &redo);
        if (st == WG_OK && redo.n)
            st = patrol_run(ws, plan, &redo);
    }
    if (st == WG_OK && (s->full_pat || redo.n))
        st = wg_store_derived_put(ws, "patrol", plan, (const char *const[]){"streets", "units"}, 2);
    r->seconds_coverage = wg_now() - t0;
    /* which incidents to place again */
    bool *edited_a = calloc(cs.n + 1, 1), *edited_c = calloc(cs.n + 1, 1);
    if (st == WG_OK && (!edited_a || !edited_c))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    bool any_edit = false;
    cellset_free(ctx, &redo);
    if (st == WG_OK && !s->full_inc && s->a.plan_ver < s->plan.ver) {
        st = cellset_load(ws, plan, s->a.plan_ver, NULL, 0, &redo);
        for (size_t k = 0; st == WG_OK && k < redo.n; k++) {
            edited_a[redo.idx[k]] = true;
            any_edit = true;
        }
        cellset_free(ctx, &redo);
    }
    if (st == WG_OK && !s->full_cov && s->c.plan_ver < s->plan.ver) {
        st = cellset_load(ws, plan, s->c.plan_ver, NULL, 0, &redo);
        for (size_t k = 0; st == WG_OK && k < redo.n; k++)
            edited_c[redo.idx[k]] = true;
        cellset_free(ctx, &redo);
    }
    if (st == WG_OK)
        st = wg_store_incidents_read(
            ws, WG_IC_XY | WG_IC_VER | WG_IC_CELL | WG_IC_FLAGS | WG_IC_BLIND, NULL, &a);
    if (st == WG_OK)
        st = locators_build(ctx, &cs, &cov, &L);
    r->all_located = s->full_inc;
    double tl = wg_now();
    locate_job J = {.s = s,
                    .L = &L,
                    .a = &a,
                    .edited_a = edited_a,
                    .edited_c = edited_c,
                    .any_edit = any_edit,
                    .nblocks = (a.n + LOCATE_BLOCK - 1) / LOCATE_BLOCK};
    J.located = calloc(J.nblocks + 1, sizeof *J.located);
    J.changes = calloc(J.nblocks + 1, sizeof *J.changes);
    if (st == WG_OK && (!J.located || !J.changes))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_parallel(ctx, J.nblocks, threads, "locating incidents", locate_block, &J);
    size_t changes = 0;
    for (size_t b = 0; st == WG_OK && b < J.nblocks; b++) {
        r->located += (int64_t)J.located[b];
        changes += J.changes[b];
    }
    free(J.located), free(J.changes);
    /* incidents in no cell: outside the district, or in a gap of the plan */
    for (size_t i = 0; st == WG_OK && i < a.n; i++)
        if (a.flags[i] & UNPLACED)
            st = reason(ws, &L, a.xy[2 * i], a.xy[2 * i + 1], &a.flags[i]);
    r->seconds_locate = wg_now() - tl;
    r->points_per_second = r->seconds_locate > 0 ? (double)r->located / r->seconds_locate : 0;
    /* store: everything when much changed, else only the changes */
    if (st == WG_OK && (s->full_inc || changes > a.n / 8))
        st = wg_store_assignment_write(ws, a.n, a.cell, a.flags, a.blind);
    else if (st == WG_OK && changes) {
        size_t *pos = malloc(changes * sizeof *pos);
        int32_t *pc = malloc(changes * sizeof *pc), *pb = malloc(changes * sizeof *pb);
        uint8_t *pf = malloc(changes);
        size_t m = 0;
        if (!pos || !pc || !pb || !pf)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
        for (size_t i = 0; st == WG_OK && i < a.n; i++)
            if (a.ver[i] == -1) {
                pos[m] = i, pc[m] = a.cell[i], pf[m] = a.flags[i], pb[m] = a.blind[i];
                m++;
            }
        if (st == WG_OK)
            st = wg_store_assignment_patch(ws, m, pos, pc, pf, pb);
        free(pos), free(pc), free(pb), free(pf);
    }
    if (st == WG_OK)
        st = recount(ws, plan, &cs, &cov, &a);
    int64_t totals[WG_ACOUNTS] = {0};
    for (size_t i = 0; st == WG_OK && i < a.n; i++)
        tally_flags(totals, a.flags[i], 1);
    if (st == WG_OK)
        st = wg_store_assign_counts_put(ws, false, totals);
    if (st == WG_OK)
        st = wg_store_derived_put(ws, "assignment", plan,
                                  (const char *const[]){"incidents", "communities"}, 2);
    free(edited_a), free(edited_c);
    locators_free(&L);
    wg_incidents_free(&a);
    coverage_free(ctx, &cov, cs.n);
    cellset_free(ctx, &cs);
    return st;
}

/* A change of a count: +1 or -1 for a cell (its index) or a blind spot (its fid). */
typedef struct delta {
    int64_t key;
    int64_t inc, seen;
} delta;

static int cmp_delta(const void *a, const void *b)
{
    int64_t x = ((const delta *)a)->key, y = ((const delta *)b)->key;
    return (x > y) - (x < y);
}

/* Sorts d[0..*n) by key and adds up entries with the same key. */
static void merge_deltas(delta *d, size_t *n)
{
    qsort(d, *n, sizeof *d, cmp_delta);
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        if (m && d[m - 1].key == d[i].key) {
            d[m - 1].inc += d[i].inc;
            d[m - 1].seen += d[i].seen;
        } else {
            d[m++] = d[i];
        }
    }
    *n = m;
}

/* Locates the incidents of a among the cells of cs (k[i]: the index in cs, -1: none) and
 * makes *hit the cells any of them fell in, in cs's (code) order, their codes borrowed from cs
 * and idx[k] each one's place in hit for cs's cell k (-1: not hit). Caller frees hit's code and
 * idx arrays only. */
static wg_status hit_cells(wg_ctx *ctx, const locators *L, const cellset *cs, const wg_incidents *a,
                           int32_t *k, cellset *hit)
{
    memset(hit, 0, sizeof *hit);
    hit->code = malloc((cs->n + 1) * sizeof *hit->code);
    hit->idx = malloc((cs->n + 1) * sizeof *hit->idx);
    if (!hit->code || !hit->idx)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t c = 0; c < cs->n; c++)
        hit->idx[c] = -1;
    for (size_t i = 0; i < a->n; i++) {
        double x = a->xy[2 * i], y = a->xy[2 * i + 1];
        k[i] = isfinite(x) && isfinite(y) ? wg_locate(L->cells, x, y) : -1;
        if (k[i] >= 0)
            hit->idx[k[i]] = 0;
    }
    for (size_t c = 0; c < cs->n; c++)
        if (hit->idx[c] == 0) {
            hit->idx[c] = (int32_t)hit->n;
            hit->code[hit->n++] = cs->code[c];
        }
    return WG_OK;
}

/* Only incidents written since: each located among the cells around it, and the counts of the
 * cells and blind spots it leaves or joins changed by difference. */
static wg_status run_new(wg_ws *ws, standing *s, wg_assign_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    int64_t plan = s->plan.id;
    wg_incidents a = {0};
    cellset cs = {0};
    coverage cov = {0};
    locators L = {0};
    wg_inc_filter f = {.since = s->inc_since, .from = WG_NO_TIME, .to = INT64_MAX};
    wg_status st = wg_store_incidents_read(
        ws, WG_IC_POS | WG_IC_XY | WG_IC_CELL | WG_IC_FLAGS | WG_IC_BLIND, &f, &a);
    int32_t *nc = malloc((a.n + 1) * sizeof *nc), *nb = malloc((a.n + 1) * sizeof *nb);
    uint8_t *nf = malloc(a.n + 1);
    delta *dc = malloc((2 * a.n + 1) * sizeof *dc), *db = malloc((2 * a.n + 1) * sizeof *db);
    size_t ndc = 0, ndb = 0;
    if (st == WG_OK && (!nc || !nb || !nf || !dc || !db))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    /* the cells around the incidents, then the coverage of only those they fell in */
    cellset hit = {0};
    if (st == WG_OK && a.n)
        st = cellset_load(ws, plan, 0, a.xy, a.n, &cs);
    if (st == WG_OK && a.n)
        st = sparse_locator(ctx, cs.geom, cs.n, &L.cells);
    if (st == WG_OK && a.n)
        st = hit_cells(ctx, &L, &cs, &a, nc, &hit);
    if (st == WG_OK && a.n)
        st = coverage_load(ws, &hit, &cov);
    if (st == WG_OK && a.n)
        st = sparse_locator(ctx, cov.seen, hit.n, &L.seen);
    if (st == WG_OK && a.n)
        st = sparse_locator(ctx, cov.blind, cov.nblind, &L.blind);
    L.cs = &cs, L.cov = &cov;
    int64_t totals[WG_ACOUNTS] = {0};
    double tl = wg_now();
    for (size_t i = 0; st == WG_OK && i < a.n; i++) {
        /* nc[i]: its candidate cell, which hit numbers among the cells hit */
        double x = a.xy[2 * i], y = a.xy[2 * i + 1];
        nb[i] = -1;
        if (!isfinite(x) || !isfinite(y)) {
            nf[i] = WG_AF_NO_LOCATION, nc[i] = -1;
        } else if (nc[i] < 0) {
            st = reason(ws, &L, x, y, &nf[i]);
        } else {
            int32_t k = nc[i];
            nf[i] = 0;
            view_flags(&L, x, y, hit.idx[k], &nf[i], &nb[i]);
            nc[i] = cs.idx[k];
        }
        tally_flags(totals, a.flags[i], -1);
        tally_flags(totals, nf[i], 1);
        /* an incident written again (not new) leaves what it counted in before */
        bool old = !(a.flags[i] & WG_AF_PENDING);
        if (old && a.cell[i] >= 0)
            dc[ndc++] = (delta){a.cell[i], -1, (a.flags[i] & WG_AF_SEEN) ? -1 : 0};
        if (old && a.blind[i] >= 0)
            db[ndb++] = (delta){a.blind[i], -1, 0};
        if (nc[i] >= 0)
            dc[ndc++] = (delta){nc[i], 1, (nf[i] & WG_AF_SEEN) ? 1 : 0};
        if (nb[i] >= 0)
            db[ndb++] = (delta){nb[i], 1, 0};
    }
    r->located = (int64_t)a.n;
    r->seconds_locate = wg_now() - tl;
    r->points_per_second = r->seconds_locate > 0 ? (double)a.n / r->seconds_locate : 0;
    if (st == WG_OK && a.n)
        st = wg_store_assignment_patch(ws, a.n, a.pos, nc, nf, nb);
    int32_t *idx = st == WG_OK ? malloc((ndc + 1) * sizeof *idx) : NULL;
    int64_t *inc = st == WG_OK ? malloc((ndc + 1) * sizeof *inc) : NULL;
    int64_t *seen = st == WG_OK ? malloc((ndc + 1) * sizeof *seen) : NULL;
    int64_t *fid = st == WG_OK ? malloc((ndb + 1) * sizeof *fid) : NULL;
    int64_t *binc = st == WG_OK ? malloc((ndb + 1) * sizeof *binc) : NULL;
    if (st == WG_OK && (!idx || !inc || !seen || !fid || !binc))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK) {
        merge_deltas(dc, &ndc);
        merge_deltas(db, &ndb);
        for (size_t k = 0; k < ndc; k++)
            idx[k] = (int32_t)dc[k].key, inc[k] = dc[k].inc, seen[k] = dc[k].seen;
        for (size_t k = 0; k < ndb; k++)
            fid[k] = db[k].key, binc[k] = db[k].inc;
        st = wg_store_coverage_counts(ws, plan, true, ndc, idx, inc, seen, ndb, fid, binc);
    }
    if (st == WG_OK)
        st = wg_store_assign_counts_put(ws, true, totals);
    if (st == WG_OK)
        st = wg_store_derived_put(ws, "assignment", plan,
                                  (const char *const[]){"incidents", "communities"}, 2);
    free(idx), free(inc), free(seen), free(fid), free(binc);
    free(nc), free(nb), free(nf), free(dc), free(db);
    locators_free(&L);
    coverage_free(ctx, &cov, hit.n);
    free(hit.code), free(hit.idx);
    cellset_free(ctx, &cs);
    wg_incidents_free(&a);
    return st;
}

/* The figures of the stored assignment over the whole layer. */
static wg_status figures(wg_ws *ws, wg_assign_result *r)
{
    int64_t n[WG_ACOUNTS];
    size_t total = 0;
    wg_status st = wg_store_assign_counts(ws, n);
    if (st == WG_OK)
        st = wg_store_incidents_count(ws, &total, NULL);
    if (st != WG_OK)
        return st;
    r->incidents = (int64_t)total;
    r->assigned = n[WG_AC_ASSIGNED];
    r->outside = n[WG_AC_OUTSIDE];
    r->gap = n[WG_AC_GAP];
    r->no_location = n[WG_AC_NO_LOCATION];
    r->seen = n[WG_AC_SEEN];
    r->pending = r->incidents - r->assigned - r->outside - r->gap - r->no_location;
    wg_cover_totals t;
    st = wg_store_coverage_totals(ws, &t);
    if (st == WG_OK) {
        r->cameras = t.cameras;
        r->cameras_seeing = t.cameras_seeing;
        r->links = t.links;
        r->cells_with_camera = t.cells_with_camera;
        r->area_m2 = t.area_m2;
        r->open_m2 = t.open_m2;
        r->seen_m2 = t.seen_m2;
        r->households = t.households;
        r->households_seen = t.households_seen;
        r->blind_spots = t.blind_spots;
        r->blind_m2 = t.blind_m2;
    }
    return st;
}

/* Runs what `s` calls for, inside the caller's transaction. */
static wg_status run(wg_ws *ws, const wg_assign_opts *o, standing *s, wg_assign_result *r)
{
    int64_t na = 0, nc = 0, np = 0;
    wg_status st = WG_OK;
    if (!s->full_inc)
        st = edited(ws, s, s->a.plan_ver, &na);
    if (st == WG_OK && !s->full_cov)
        st = edited(ws, s, s->c.plan_ver, &nc);
    if (st == WG_OK && !s->full_pat)
        st = edited(ws, s, s->p.plan_ver, &np);
    if (st != WG_OK)
        return st;
    bool only_new = !o->full && !s->full_inc && !s->full_cov && !s->full_pat && !na && !nc && !np &&
                    !s->comm_changed;
    return only_new ? run_new(ws, s, r) : run_plan(ws, o, s, r);
}

wg_status wg_assign(wg_ws *ws, const wg_assign_opts *o, wg_assign_result *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    static const wg_assign_opts defaults = {0};
    if (!o)
        o = &defaults;
    memset(r, 0, sizeof *r);
    double t0 = wg_now();
    if (!wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "the workspace has no CRS yet: nothing was imported");
    standing s;
    wg_status st = wg_store_begin(ws, "assign");
    if (st != WG_OK)
        return st;
    st = assess(ws, o->plan, &s);
    if (st == WG_OK && o->full)
        s.full_inc = s.full_cov = s.full_pat = true;
    if (st == WG_OK) {
        r->plan = s.plan.id;
        snprintf(r->plan_name, sizeof r->plan_name, "%s", s.plan.name);
        st = run(ws, o, &s, r);
    }
    if (st == WG_OK && wg_ctx_cancelled(ctx))
        st = wg_fail(ctx, WG_EINTR, "interrupted: the assignment was left as it was");
    /* the figures inside the transaction: the coverage's sums are kept there for the next run */
    if (st == WG_OK)
        st = figures(ws, r);
    if (st == WG_OK && !r->cells)
        st = wg_store_plan_ncells(ws, r->plan, &r->cells);
    if (st == WG_OK)
        st = wg_store_commit(ws);
    else
        wg_store_rollback(ws);
    r->seconds = wg_now() - t0;
    return st;
}

wg_status wg_assign_stored(wg_ws *ws, wg_assign_result *r, bool *any)
{
    memset(r, 0, sizeof *r);
    *any = false;
    wg_derived d;
    wg_status st = wg_store_read_begin(ws);
    if (st == WG_OK)
        st = wg_store_derived_get(ws, "assignment", &d);
    wg_plan_rec p;
    bool found = false;
    if (st == WG_OK && d.any)
        st = wg_store_plan_get(ws, d.plan, &p, &found);
    if (st == WG_OK && found) {
        *any = true;
        r->plan = p.id;
        snprintf(r->plan_name, sizeof r->plan_name, "%s", p.name);
        st = figures(ws, r);
        wg_plan_info *plans = NULL;
        size_t np = 0;
        if (st == WG_OK)
            st = wg_ws_plans(ws, &plans, &np);
        for (size_t i = 0; st == WG_OK && i < np; i++)
            if (plans[i].id == p.id)
                r->cells = plans[i].cells;
        free(plans);
    }
    wg_store_read_end(ws);
    return st;
}

/* ---- Staleness, for info and for the commands that read the assignment ---------------------- */

wg_status wg_assign_check(wg_ws *ws, int64_t plan, wg_assign_state *out)
{
    memset(out, 0, sizeof *out);
    standing s;
    wg_status st = wg_store_read_begin(ws);
    if (st == WG_OK && !plan) { /* no active plan: nothing to be stale against */
        wg_plan_rec p;
        bool found = false;
        st = wg_store_plan_get(ws, 0, &p, &found);
        if (st == WG_OK && !found) {
            wg_store_read_end(ws);
            return WG_OK;
        }
    }
    if (st == WG_OK)
        st = assess(ws, plan, &s);
    int64_t na = 0, nc = 0, np = 0;
    if (st == WG_OK && !s.full_inc)
        st = edited(ws, &s, s.a.plan_ver, &na);
    if (st == WG_OK && !s.full_cov)
        st = edited(ws, &s, s.c.plan_ver, &nc);
    if (st == WG_OK && !s.full_pat)
        st = edited(ws, &s, s.p.plan_ver, &np);
    wg_incidents a = {0};
    wg_inc_filter f = {.since = s.inc_since, .from = WG_NO_TIME, .to = INT64_MAX};
    if (st == WG_OK && !s.full_inc)
        st = wg_store_incidents_read(ws, 0, &f, &a);
    wg_store_read_end(ws);
    if (st != WG_OK)
        return st;
    out->plan = s.plan.id;
    snprintf(out->plan_name, sizeof out->plan_name, "%s", s.plan.name);
    out->any = s.a.any && s.a.plan == s.plan.id;
    out->new_incidents = (int64_t)a.n;
    out->edited_cells = na > nc ? (na > np ? na : np) : (nc > np ? nc : np);
    wg_incidents_free(&a);
    if (out->new_incidents)
        say(&s, "%lld incident%s written since", (long long)out->new_incidents,
            out->new_incidents == 1 ? "" : "s");
    wg_version v = {0};
    if (out->edited_cells && (st = wg_store_version(ws, "plans", &v)) != WG_OK)
        return st;
    if (out->edited_cells)
        say(&s, "%lld cell%s of plan %s edited since (%s)", (long long)out->edited_cells,
            out->edited_cells == 1 ? "" : "s", s.plan.name, v.command[0] ? v.command : "a move");
    out->current = !s.why[0];
    out->incremental = !out->current && !s.full_inc && !s.full_cov && !s.full_pat;
    snprintf(out->why, sizeof out->why, "%s", s.why);
    return WG_OK;
}

wg_status wg_assign_refresh(wg_ws *ws, int64_t plan, bool *did, wg_assign_result *r)
{
    wg_assign_state s;
    wg_assign_result tmp;
    *did = false;
    wg_status st = wg_assign_check(ws, plan, &s);
    if (st != WG_OK || s.current)
        return st;
    if (!s.plan)
        return wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                       "no active plan: make one with 'wangge partition -w %s' (or activate one)",
                       wg_ws_path(ws));
    if (!s.incremental)
        return wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                       "the assignment of plan %s is not up to date (%s): run 'wangge assign -w "
                       "%s' first",
                       s.plan_name, s.why, wg_ws_path(ws));
    wg_assign_opts o = {.plan = s.plan};
    st = wg_assign(ws, &o, r ? r : &tmp);
    *did = st == WG_OK;
    return st;
}
