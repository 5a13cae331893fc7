/* engine/partition/partition.c: `wangge partition` — units into a plan of cells. Communities are
 * independent: each is tessellated (community.c) and cut into zones (zones.c) on its own, two
 * at a time; then, in community order, cells are numbered, checked and stored in one
 * transaction. Redrawing (keep) seals the old cells that are still in range and connected, so
 * they keep their units and codes, and partitions only what is left. */
#include "plan_int.h"
#include "wg/parallel.h"
#include "zones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out_cell {
    int64_t hh;         /* balanced quantity (see unit_rec) */
    int64_t households; /* stored */
    size_t nunits;
    double area, pp, cx, cy;
    int pieces;
    unsigned char *wkb;
    size_t wkblen;
    unsigned why; /* ZONE_* */
    size_t big;   /* ws unit index of a unit above max, or SIZE_MAX */
    int64_t piece_hh;
    long crossing;   /* ws barrier index, or -1 */
    int32_t old;     /* keep: the old cell it is, or -1 */
    int32_t inherit; /* keep: a redrawn cell taking the code of the old cell most of its
                        households come from, or -1 */
    char code[32];
} out_cell;

typedef struct comm_out {
    out_cell *cells;
    size_t ncells;
    int32_t *cell_of; /* per unit of the community (local index) */
} comm_out;

/* The keep plan, as the workers see it. */
typedef struct keep_info {
    size_t ncells;
    char (*code)[32]; /* old cell codes, sorted */
    bool *locked;
    bool *sealable; /* in range now, all units in one community */
} keep_info;

typedef struct job {
    wg_ws *ws;
    const ws_units *w;
    const wg_part_opts *o;
    const keep_info *keep;
    comm_out *out;
    const size_t *sel; /* a recut: the communities to cut (else all) */
} job;

/* ---- One community ------------------------------------------------------------------------ */

static int cmp_str_idx(const void *a, const void *b, const char *const *strs)
{
    return strcmp(strs[*(const size_t *)a], strs[*(const size_t *)b]);
}

/* Compound groups per site: units with one compound id share a group (insertion sort by
 * compound text; communities hold hundreds of units). */
static wg_status site_groups(wg_ctx *ctx, const ws_units *w, const comm_tess *t, int32_t *group)
{
    size_t n = t->nunits;
    const char **cp = malloc((n + 1) * sizeof *cp);
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (!cp || !idx) {
        free(cp), free(idx);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for compounds");
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        cp[k] = wu_str(w, w->u[t->units[k]].compound);
        if (cp[k])
            idx[m++] = k;
    }
    for (size_t a = 1; a < m; a++)
        for (size_t b = a; b > 0 && cmp_str_idx(&idx[b - 1], &idx[b], cp) > 0; b--) {
            size_t x = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = x;
        }
    for (size_t s = 0; s < t->nsites; s++)
        group[s] = -1;
    int32_t g = -1;
    for (size_t k = 0; k < m; k++) {
        if (k == 0 || strcmp(cp[idx[k]], cp[idx[k - 1]]) != 0)
            g++;
        size_t s = t->site_of[idx[k]];
        if (group[s] < 0)
            group[s] = g;
    }
    free(cp), free(idx);
    return WG_OK;
}

/* Old cells (keep) that stay sealed here: sealable, with all their sites connected in one part.
 * sealed[s] gets the old cell index or -1. */
static void seal_sites(const ws_units *w, const comm_tess *t, const keep_info *keep,
                       int32_t *sealed)
{
    for (size_t s = 0; s < t->nsites; s++)
        sealed[s] = -1;
    if (!keep)
        return;
    for (size_t k = 0; k < t->nunits; k++) {
        int32_t oc = w->u[t->units[k]].old_cell;
        size_t s = t->site_of[k];
        if (oc >= 0 && (keep->locked[oc] || keep->sealable[oc]) && sealed[s] < 0)
            sealed[s] = oc;
    }
    /* A kept (not locked) cell must still be one connected piece of one part. */
    size_t *queue = malloc((t->nsites + 1) * sizeof *queue);
    bool *seen = calloc(t->nsites + 1, 1);
    if (!queue || !seen) {
        free(queue), free(seen);
        return;
    }
    for (size_t s = 0; s < t->nsites; s++) {
        int32_t oc = sealed[s];
        if (oc < 0 || seen[s] || keep->locked[oc])
            continue;
        size_t head = 0, tail = 0, total = 0;
        for (size_t r = 0; r < t->nsites; r++)
            total += sealed[r] == oc;
        queue[tail++] = s;
        seen[s] = true;
        while (head < tail) {
            size_t v = queue[head++];
            const size_t *nbr;
            const double *len;
            size_t deg;
            wg_tess_adj(t->tess, v, &nbr, &len, &deg);
            for (size_t e = 0; e < deg; e++)
                if (sealed[nbr[e]] == oc && !seen[nbr[e]]) {
                    seen[nbr[e]] = true;
                    queue[tail++] = nbr[e];
                }
        }
        if (tail != total)
            for (size_t r = 0; r < t->nsites; r++)
                if (sealed[r] == oc)
                    sealed[r] = -1, seen[r] = true;
    }
    free(queue), free(seen);
}

/* Zones of one part of the community: sites ids[0..n) -> zone_of_site (global zone numbers
 * from *nz on), per-zone facts into the growing cells array. */
static wg_status part_zones(wg_ctx *ctx, const comm_tess *t, const int32_t *group,
                            const int32_t *sealed, const size_t *ids, size_t n,
                            const zone_params *zp, int32_t *zone_of_site, zone_result *zr)
{
    size_t *local = malloc((t->nsites + 1) * sizeof *local);
    zone_graph g = {.n = n};
    int64_t *w = malloc((n + 1) * sizeof *w);
    double *area = malloc((n + 1) * sizeof *area), *outer = malloc((n + 1) * sizeof *outer);
    double *xy = malloc(2 * (n + 1) * sizeof *xy);
    size_t *off = calloc(n + 2, sizeof *off);
    int32_t *grp = malloc((n + 1) * sizeof *grp), *seal = malloc((n + 1) * sizeof *seal);
    size_t m = 0;
    for (size_t k = 0; k < n && off; k++) {
        const size_t *nbr;
        const double *len;
        size_t deg;
        wg_tess_adj(t->tess, ids[k], &nbr, &len, &deg);
        m += deg;
    }
    size_t *nb = malloc((m + 1) * sizeof *nb);
    double *ln = malloc((m + 1) * sizeof *ln);
    wg_status st = WG_OK;
    if (!local || !w || !area || !outer || !xy || !off || !grp || !seal || !nb || !ln)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", n);
    if (st == WG_OK) {
        for (size_t k = 0; k < n; k++)
            local[ids[k]] = k;
        size_t e = 0;
        for (size_t k = 0; k < n; k++) {
            size_t s = ids[k];
            w[k] = t->hh[s];
            area[k] = wg_tess_area(t->tess, s);
            outer[k] = wg_tess_outer(t->tess, s);
            xy[2 * k] = t->xy[2 * s], xy[2 * k + 1] = t->xy[2 * s + 1];
            grp[k] = group[s];
            seal[k] = sealed[s];
            off[k] = e;
            const size_t *nbr;
            const double *len;
            size_t deg;
            wg_tess_adj(t->tess, s, &nbr, &len, &deg);
            for (size_t q = 0; q < deg; q++)
                nb[e] = local[nbr[q]], ln[e++] = len[q];
        }
        off[n] = e;
        g = (zone_graph){n, w, area, outer, xy, off, nb, ln, grp, seal};
        st = zones_partition(ctx, &g, zp, zr);
    }
    if (st == WG_OK)
        for (size_t k = 0; k < n; k++)
            zone_of_site[ids[k]] = zr->zone[k];
    free(local), free(w), free(area), free(outer), free(xy), free(off), free(grp), free(seal);
    free(nb), free(ln);
    return st;
}

/* Keep: a small free zone next to a kept cell joins it when the sum stays in range, so that
 * new units do not force old households to move. */
static void absorb_small(const comm_tess *t, const zone_params *zp, int32_t *zone_of_site,
                         out_cell *cells, size_t nz, const keep_info *keep)
{
    for (size_t z = 0; z < nz; z++) {
        if (cells[z].old >= 0 || cells[z].hh >= zp->min || cells[z].nunits == 0)
            continue;
        int32_t best = -1;
        for (size_t s = 0; s < t->nsites; s++) {
            if (zone_of_site[s] != (int32_t)z)
                continue;
            const size_t *nbr;
            const double *len;
            size_t deg;
            wg_tess_adj(t->tess, s, &nbr, &len, &deg);
            for (size_t e = 0; e < deg; e++) {
                int32_t b = zone_of_site[nbr[e]];
                if (b == (int32_t)z || cells[b].old < 0 || keep->locked[cells[b].old])
                    continue; /* only kept, not locked, cells take units in */
                if (cells[b].hh + cells[z].hh <= zp->max &&
                    (best < 0 || cells[b].hh < cells[best].hh))
                    best = b;
            }
        }
        if (best < 0)
            continue;
        for (size_t s = 0; s < t->nsites; s++)
            if (zone_of_site[s] == (int32_t)z)
                zone_of_site[s] = best;
        cells[best].hh += cells[z].hh;
        cells[best].nunits += cells[z].nunits;
        cells[z].hh = 0, cells[z].nunits = 0;
    }
}

/* A unit's share in inherit_codes(): its zone, its old cell, its households. */
typedef struct share {
    int32_t zone, old;
    size_t unit; /* local index, for a stable order */
    int64_t hh;
} share;

static int cmp_share(const void *a, const void *b)
{
    const share *p = a, *q = b;
    if (p->zone != q->zone)
        return p->zone < q->zone ? -1 : 1;
    if (p->old != q->old)
        return p->old < q->old ? -1 : 1;
    return p->unit < q->unit ? -1 : p->unit > q->unit;
}

/* Keep: a redrawn cell takes the code of the old cell that gave it most of its households
 * (more than half; units count 1e-3 each, so that empty units decide ties), each old code
 * once, so that a cell redrawn into the same units is the same cell. */
static void inherit_codes(const ws_units *w, const comm_tess *t, const int32_t *zone_of_site,
                          out_cell *cells, size_t nz)
{
    share *sh = malloc((t->nunits + 1) * sizeof *sh);
    if (!sh)
        return; /* no codes inherited: new serials, nothing wrong */
    size_t n = 0;
    for (size_t k = 0; k < t->nunits; k++) {
        const unit_rec *u = &w->u[t->units[k]];
        int32_t z = zone_of_site[t->site_of[k]];
        if (u->old_cell >= 0 && cells[z].old < 0 && cells[z].nunits > 0)
            sh[n++] = (share){z, u->old_cell, k, u->hh};
    }
    qsort(sh, n, sizeof *sh, cmp_share);
    /* Runs of one (zone, old cell); the heaviest run of each zone, the lower old cell on a
     * tie. */
    int32_t best = -1;
    double best_v = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double v = 0;
        for (; j < n && sh[j].zone == sh[i].zone && sh[j].old == sh[i].old; j++)
            v += (double)sh[j].hh + 1e-3;
        if (best < 0 || v > best_v)
            best_v = v, best = sh[i].old;
        bool zone_ends = j == n || sh[j].zone != sh[i].zone;
        if (zone_ends) {
            out_cell *C = &cells[sh[i].zone];
            if (2 * best_v > (double)C->hh + 1e-3 * (double)C->nunits)
                C->inherit = best;
            best = -1, best_v = 0;
        }
        i = j;
    }
    free(sh);
    /* An old code goes to one cell only: the one with the larger share; and never beside a
     * kept cell holding that code. */
    for (size_t z = 0; n && z < nz; z++)
        for (size_t y = 0; y < nz; y++) {
            if (y == z || cells[z].inherit < 0)
                continue;
            if (cells[y].old == cells[z].inherit ||
                (cells[y].inherit == cells[z].inherit &&
                 (cells[y].hh > cells[z].hh || (cells[y].hh == cells[z].hh && y < z))))
                cells[z].inherit = -1;
        }
}

static wg_status do_community(wg_ctx *ctx, job *J, size_t c)
{
    const ws_units *w = J->w;
    const wg_part_opts *o = J->o;
    comm_out *out = &J->out[c];
    comm_tess t;
    wg_status st = comm_tess_build(ctx, w, c, o->min, &t);
    if (st != WG_OK)
        return st;
    size_t ns = t.nsites ? t.nsites : 1;
    int32_t *group = malloc(ns * sizeof *group), *sealed = malloc(ns * sizeof *sealed);
    int32_t *zone_of_site = malloc(ns * sizeof *zone_of_site);
    size_t *ids = malloc(ns * sizeof *ids);
    out->cell_of = malloc((t.nunits + 1) * sizeof *out->cell_of);
    if (!group || !sealed || !zone_of_site || !ids || !out->cell_of)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", t.nsites);
    if (st == WG_OK)
        st = site_groups(ctx, w, &t, group);
    if (st == WG_OK)
        seal_sites(w, &t, J->keep, sealed);
    zone_params zp = {o->target, o->min, o->max, o->seed ^ (uint64_t)c * 0x9E3779B97F4A7C15u};
    size_t nparts = t.tess ? wg_tess_nparts(t.tess) : 0;
    size_t nz = 0, zcap = 0;
    for (size_t p = 0; st == WG_OK && p < nparts; p++) {
        size_t n = 0;
        for (size_t s = 0; s < t.nsites; s++)
            if (wg_tess_part(t.tess, s) == p)
                ids[n++] = s;
        if (n == 0)
            continue;
        zone_result zr;
        st = part_zones(ctx, &t, group, sealed, ids, n, &zp, zone_of_site, &zr);
        if (st != WG_OK)
            break;
        if ((st = wg_grow(ctx, (void **)&out->cells, &zcap, nz + zr.nzones, sizeof *out->cells))) {
            zone_result_free(&zr);
            break;
        }
        long cross = wg_tess_part_crossing(t.tess, p);
        for (size_t z = 0; z < zr.nzones; z++) {
            out_cell *C = &out->cells[nz + z];
            memset(C, 0, sizeof *C);
            C->why = zr.why[z];
            C->piece_hh = zr.piece[z];
            C->crossing = cross >= 0 ? (long)t.barrier_idx[cross] : -1;
            C->old = zr.sealed_id[z];
            C->inherit = -1;
            /* The heaviest unit of a zone above max, named later from its site. */
            C->big = zr.big[z] == SIZE_MAX ? SIZE_MAX : ids[zr.big[z]];
        }
        for (size_t k = 0; k < n; k++)
            zone_of_site[ids[k]] += (int32_t)nz;
        nz += zr.nzones;
        zone_result_free(&zr);
    }
    /* Households and units per zone; units take their site's zone. */
    for (size_t k = 0; st == WG_OK && k < t.nunits; k++) {
        int32_t z = zone_of_site[t.site_of[k]];
        out->cells[z].hh += w->u[t.units[k]].hh;
        out->cells[z].households += w->u[t.units[k]].households;
        out->cells[z].nunits++;
    }
    if (st == WG_OK && J->keep)
        absorb_small(&t, &zp, zone_of_site, out->cells, nz, J->keep);
    if (st == WG_OK && J->keep)
        inherit_codes(w, &t, zone_of_site, out->cells, nz);
    /* The heaviest unit of each site named as "big": turn a site index into a unit index. */
    for (size_t z = 0; st == WG_OK && z < nz; z++) {
        out_cell *C = &out->cells[z];
        if (C->big == SIZE_MAX)
            continue;
        size_t site = C->big, best = SIZE_MAX;
        for (size_t k = 0; k < t.nunits; k++)
            if (t.site_of[k] == site &&
                (best == SIZE_MAX || w->u[t.units[k]].hh > w->u[t.units[best]].hh))
                best = k;
        C->big = best == SIZE_MAX ? SIZE_MAX : t.units[best];
    }
    /* Geometry of each zone: the union of its sites' regions. */
    size_t *members = malloc(ns * sizeof *members);
    if (st == WG_OK && !members)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu sites", t.nsites);
    for (size_t z = 0; st == WG_OK && z < nz; z++) {
        out_cell *C = &out->cells[z];
        size_t m = 0;
        for (size_t s = 0; s < t.nsites; s++)
            if (zone_of_site[s] == (int32_t)z)
                members[m++] = s;
        if (m == 0)
            continue;
        wg_geom *g = NULL;
        st = wg_tess_union(ctx, t.tess, members, m, &g);
        if (st != WG_OK)
            break;
        st = cell_shape(ctx, g, &C->area, &C->pp, &C->pieces);
        double cx = NAN, cy = NAN;
        if (st == WG_OK)
            st = wg_geom_surface_point(ctx, g, &cx, &cy);
        if (st == WG_OK && !isnan(cx)) /* an empty cell keeps 0, 0 */
            C->cx = cx, C->cy = cy;
        /* Across a barrier only if the barrier runs through the cell's interior (taken 1 cm
         * in: a barrier along the cell's edge may wander off it in the last digits). */
        if (st == WG_OK && C->crossing >= 0) {
            size_t bi = 0;
            while (bi < t.nbarriers && t.barrier_idx[bi] != (size_t)C->crossing)
                bi++;
            wg_answer through =
                bi < t.nbarriers ? wg_geom_runs_through(ctx, g, t.barriers[bi], 0.01) : WG_NO;
            if (through == WG_FAILED)
                st = wg_ctx_status(ctx);
            if (through != WG_YES)
                C->crossing = -1;
        }
        if (st == WG_OK)
            st = wg_geom_to_wkb(ctx, g, &C->wkb, &C->wkblen);
        wg_geom_free(ctx, g);
    }
    free(members);
    if (st == WG_OK) {
        /* Drop zones emptied by absorption; renumber. */
        int32_t *renum = malloc((nz + 1) * sizeof *renum);
        if (!renum)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
        size_t kept = 0;
        for (size_t z = 0; renum && z < nz; z++) {
            if (out->cells[z].nunits == 0) {
                free(out->cells[z].wkb);
                renum[z] = -1;
                continue;
            }
            renum[z] = (int32_t)kept;
            out->cells[kept++] = out->cells[z];
        }
        for (size_t k = 0; renum && k < t.nunits; k++)
            out->cell_of[k] = renum[zone_of_site[t.site_of[k]]];
        out->ncells = kept;
        free(renum);
    }
    if (st != WG_OK && out->cells) /* the shapes made before the failure: the caller frees
                                       only the cells of a community that succeeded */
        for (size_t z = 0; z < nz; z++) {
            free(out->cells[z].wkb);
            out->cells[z].wkb = NULL;
        }
    free(group), free(sealed), free(zone_of_site), free(ids);
    comm_tess_free(ctx, &t);
    if (st != WG_OK)
        wg_ctx_where(ctx, "community %s: ", wu_str(w, w->c[c].id));
    return st;
}

/* One community, as an item of the parallel loop (communities without units have nothing to
 * do). */
static wg_status community_item(wg_ctx *ctx, void *user, size_t i, int thread)
{
    (void)thread;
    job *J = user;
    size_t c = J->sel ? J->sel[i] : i;
    return J->w->c[c].count ? do_community(ctx, J, c) : WG_OK;
}

/* ---- Codes -------------------------------------------------------------------------------- */

typedef struct reading {
    long band;
    double x;
    size_t i;
} reading;

static int cmp_reading(const void *a, const void *b)
{
    const reading *p = a, *q = b;
    if (p->band != q->band)
        return p->band < q->band ? -1 : 1;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* The 12-digit prefix of every community with cells: stored ones are kept; new ones take the
 * next street number (by parent) and community number. */
typedef struct codes_acc {
    const ws_units *w;
    char (*prefix)[32];
    char div[8];
    bool have_div;
} codes_acc;

static wg_status known_code(void *user, const char *id, const char *code)
{
    codes_acc *a = user;
    if (!a->have_div && code && strlen(code) == 12) {
        memcpy(a->div, code, 6), a->div[6] = 0;
        a->have_div = true;
    }
    for (size_t c = 0; id && code && c < a->w->nc; c++)
        if (strcmp(wu_str(a->w, a->w->c[c].id), id) == 0)
            snprintf(a->prefix[c], sizeof a->prefix[c], "%s", code);
    return WG_OK;
}

/* The 3 digits at s[0..3) as a number (0 when they are not digits). */
static int digits3(const char *s)
{
    int v = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = 10 * v + (s[i] - '0');
    }
    return v;
}

static wg_status community_codes(wg_ws *ws, const ws_units *w, const comm_out *out,
                                 const char *division, char (*prefix)[32])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    for (size_t c = 0; c < w->nc; c++)
        prefix[c][0] = 0;
    codes_acc a = {.w = w, .prefix = prefix, .div = "000000"};
    wg_status st = wg_store_community_codes_each(ws, known_code, &a);
    char div[8];
    memcpy(div, a.div, sizeof div);
    if (!a.have_div && division)
        snprintf(div, sizeof div, "%s", division);
    for (size_t c = 0; st == WG_OK && c < w->nc; c++) {
        if (prefix[c][0] || !out[c].ncells)
            continue;
        /* Street: the number used by a community with the same parent, else the next. */
        const char *parent = wu_str(w, w->c[c].parent);
        int street = 0, max_street = 0, max_comm = 0;
        for (size_t d = 0; d < w->nc; d++) {
            if (!prefix[d][0] || strncmp(prefix[d], div, 6) != 0)
                continue;
            int s = digits3(prefix[d] + 6);
            max_street = s > max_street ? s : max_street;
            const char *pd = wu_str(w, w->c[d].parent);
            if (!street && ((!parent && !pd) || (parent && pd && strcmp(parent, pd) == 0)))
                street = s;
        }
        if (!street)
            street = max_street + 1;
        for (size_t d = 0; d < w->nc; d++) {
            if (!prefix[d][0] || strncmp(prefix[d], div, 6) != 0)
                continue;
            int s = digits3(prefix[d] + 6);
            int m = digits3(prefix[d] + 9);
            if (s == street && m > max_comm)
                max_comm = m;
        }
        if (street > 999 || max_comm + 1 > 999) {
            st = wg_fail(ctx, WG_EINPUT,
                         "community %s: more than 999 streets or communities under division %s "
                         "(DB11 codes have 3 digits each)",
                         wu_str(w, w->c[c].id), div);
            break;
        }
        snprintf(prefix[c], sizeof prefix[c], "%.6s%03u%03u", div, (unsigned)street % 1000u,
                 (unsigned)(max_comm + 1) % 1000u);
        st = wg_store_community_code_add(ws, wu_str(w, w->c[c].id), prefix[c]);
    }
    return st;
}

/* Cell codes of one community: kept cells keep theirs; the others are numbered west to east
 * in north-to-south bands, after the highest serial the keep plan used here. */
static void cell_codes(const comm_rec *C, comm_out *co, const char *prefix, const keep_info *keep)
{
    size_t n = co->ncells;
    reading *r = malloc((n + 1) * sizeof *r);
    if (!r)
        return;
    int next = 1;
    for (size_t k = 0; keep && k < keep->ncells; k++)
        if (strncmp(keep->code[k], prefix, 12) == 0 && strlen(keep->code[k]) > 12) {
            int s = digits3(keep->code[k] + 12);
            if (s >= next)
                next = s + 1;
        }
    double area = 0;
    for (size_t i = 0; i < n; i++)
        area += co->cells[i].area;
    double band = n ? sqrt(area / (double)n) : 1;
    if (!(band > 0))
        band = 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        out_cell *cell = &co->cells[i];
        int32_t from = cell->old >= 0 ? cell->old : cell->inherit;
        if (from >= 0) {
            snprintf(cell->code, sizeof cell->code, "%s", keep->code[from]);
            continue;
        }
        r[m++] = (reading){(long)floor((C->y1 - cell->cy) / band), cell->cx, i};
    }
    qsort(r, m, sizeof *r, cmp_reading);
    for (size_t k = 0; k < m; k++)
        snprintf(co->cells[r[k].i].code, sizeof co->cells[r[k].i].code, "%s%03d", prefix, next++);
    free(r);
}

/* ---- Storing ------------------------------------------------------------------------------ */

/* The issues of one cell: out of range (with its cause), across a barrier, in pieces. */
static wg_status cell_issues(wg_ws *ws, int64_t plan, int64_t parent, const ws_units *w, size_t c,
                             const out_cell *cell, const wg_part_opts *o, size_t *count)
{
    const char *comm = wu_str(w, w->c[c].id);
    char cause[256];
    wg_status st = WG_OK;
    bool out = cell->hh < o->min || cell->hh > o->max;
    if (out) {
        const char *kind = cell->hh > o->max ? "above_max" : "below_min";
        char was[256] = "";
        if ((cell->why & ZONE_SEALED) && parent > 0) /* the cause it had, if it is the same */
            st = wg_store_issue_range_cause(ws, parent, cell->code, was);
        if (st != WG_OK)
            return st;
        if ((cell->why & ZONE_SEALED) && was[0])
            snprintf(cause, sizeof cause, "%s", was);
        else if (cell->why & ZONE_SEALED)
            snprintf(cause, sizeof cause, "%lld households: locked, or kept as it was",
                     (long long)cell->hh);
        else if ((cell->why & ZONE_UNIT_ABOVE_MAX) && cell->big != SIZE_MAX) {
            const unit_rec *u = &w->u[cell->big];
            const char *cp = wu_str(w, u->compound);
            if (u->hh > o->max)
                snprintf(cause, sizeof cause, "%lld households: unit %s alone has %lld (max %lld)",
                         (long long)cell->hh, wu_str(w, u->id), (long long)u->hh,
                         (long long)o->max);
            else
                snprintf(cause, sizeof cause,
                         "%lld households: a piece of compound %s that cannot be cut further "
                         "along building lines (max %lld)",
                         (long long)cell->hh, cp ? cp : "?", (long long)o->max);
        } else if (cell->why & ZONE_TOO_FEW)
            snprintf(cause, sizeof cause,
                     cell->piece_hh == cell->hh
                         ? "%lld households: all that its connected area of community %s holds "
                           "(min %lld)"
                         : "%lld households: its connected area of community %s holds too few "
                           "(min %lld)",
                     (long long)cell->hh, comm, (long long)o->min);
        else if ((cell->why & ZONE_COARSE) && cell->hh > o->max)
            snprintf(cause, sizeof cause,
                     "%lld households in units too coarse to rebalance: none can leave without "
                     "leaving it below %lld or in pieces, or a neighbouring cell above %lld",
                     (long long)cell->hh, (long long)o->min, (long long)o->max);
        else if (cell->why & ZONE_COARSE)
            snprintf(cause, sizeof cause,
                     "%lld households: no neighbouring unit or compound can join without taking "
                     "it above %lld or leaving its own cell below %lld or in pieces",
                     (long long)cell->hh, (long long)o->max, (long long)o->min);
        else if (cell->why & ZONE_NO_WHOLE_COUNT)
            snprintf(cause, sizeof cause,
                     "%lld households: %lld households cannot make whole cells of %lld-%lld",
                     (long long)cell->hh, (long long)cell->piece_hh, (long long)o->min,
                     (long long)o->max);
        else
            snprintf(cause, sizeof cause,
                     "%lld households: no arrangement of whole units and compounds found "
                     "in range here",
                     (long long)cell->hh);
        st = plan_issue_add(ws, plan, cell->code, comm, kind, cause, count);
    }
    if (st == WG_OK && cell->crossing >= 0) {
        const barrier_rec *B = &w->b[cell->crossing];
        const char *name = wu_str(w, B->name), *kind = wu_str(w, B->kind);
        snprintf(cause, sizeof cause,
                 "straddles barrier %s (%s%s%s): the area beyond it holds too few households "
                 "to be a cell of its own",
                 wu_str(w, B->id), name ? name : "", name ? ", " : "", kind ? kind : "");
        st = plan_issue_add(ws, plan, cell->code, comm, "barrier", cause, count);
    }
    if (st == WG_OK && cell->pieces > 1) {
        snprintf(cause, sizeof cause,
                 "its polygon falls in %d pieces (the community's outline pinches it)",
                 cell->pieces);
        st = plan_issue_add(ws, plan, cell->code, comm, "pieces", cause, count);
    }
    return st;
}

/* A unit of a compound, for finding compounds split over cells. */
typedef struct cp_unit {
    const char *compound, *community, *cell;
    int64_t households;
} cp_unit;

static int cmp_cp(const void *a, const void *b)
{
    const cp_unit *x = a, *y = b;
    int c = strcmp(x->compound, y->compound);
    return c ? c : strcmp(x->cell, y->cell);
}

/* Compounds in more than one cell: cut along building lines because they hold more than max,
 * or because their buildings do not form one connected area. */
static wg_status compound_issues(wg_ws *ws, int64_t plan, const ws_units *w, const comm_out *out,
                                 const wg_part_opts *o, size_t *count)
{
    cp_unit *v = malloc((w->nu + 1) * sizeof *v);
    if (!v)
        return wg_fail(wg_ws_ctx(ws), WG_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t c = 0; c < w->nc; c++)
        for (size_t k = 0; out[c].ncells && k < w->c[c].count; k++) {
            const unit_rec *u = &w->u[w->order[w->c[c].first + k]];
            const char *cp = wu_str(w, u->compound);
            if (cp)
                v[n++] = (cp_unit){cp, wu_str(w, w->c[c].id), out[c].cells[out[c].cell_of[k]].code,
                                   u->households};
        }
    qsort(v, n, sizeof *v, cmp_cp);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < n;) {
        size_t e = i, cells = 0;
        int64_t hh = 0;
        const char *comm = v[i].community;
        for (; e < n && strcmp(v[e].compound, v[i].compound) == 0; e++) {
            hh += v[e].households;
            cells += e == i || strcmp(v[e].cell, v[e - 1].cell) != 0;
            if (strcmp(v[e].community, comm) < 0)
                comm = v[e].community;
        }
        if (cells > 1) {
            char cause[512];
            snprintf(cause, sizeof cause,
                     "compound %s (%lld households) is split into %zu cells: %s", v[i].compound,
                     (long long)hh, cells,
                     hh > o->max ? "above max, cut along building lines"
                                 : "its buildings do not form one connected area (a barrier or "
                                   "other units between them)");
            st = plan_issue_add(ws, plan, NULL, comm, "compound_split", cause, count);
        }
        i = e;
    }
    free(v);
    return st;
}

/* Community c's cells, their issues and members, into plan. */
static wg_status store_community(wg_ws *ws, int64_t plan, int64_t parent, const ws_units *w,
                                 size_t c, const comm_out *co, const wg_part_opts *o,
                                 wg_part_summary *sum)
{
    const char *comm = wu_str(w, w->c[c].id);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < co->ncells; i++) {
        const out_cell *cell = &co->cells[i];
        wg_cell_rec r = {.plan = plan,
                         .households = cell->households,
                         .units = (int64_t)cell->nunits,
                         .area_m2 = cell->area,
                         .compactness = cell->pp,
                         .wkb = cell->wkb,
                         .wkb_len = cell->wkblen};
        snprintf(r.code, sizeof r.code, "%s", cell->code);
        snprintf(r.community, sizeof r.community, "%s", comm ? comm : "");
        st = wg_store_cell_add(ws, &r);
        if (st == WG_OK)
            st = cell_issues(ws, plan, parent, w, c, cell, o, &sum->issues);
    }
    for (size_t k = 0; st == WG_OK && k < w->c[c].count; k++) {
        const unit_rec *u = &w->u[w->order[w->c[c].first + k]];
        st = wg_store_member_add(ws, plan, wu_str(w, u->id), co->cells[co->cell_of[k]].code,
                                 u->households);
    }
    return st;
}

/* A recut: the selected communities' cells in the active plan replaced by out's, the new
 * cells marked as edited, and the plan's derived data dropped (its cells are numbered anew, so
 * the stored assignment's cell indexes no longer hold). */
static wg_status recut_plan(wg_ws *ws, const ws_units *w, comm_out *out, const wg_part_opts *o,
                            const wg_plan_rec *p, const size_t *sel, size_t nsel,
                            wg_part_summary *sum)
{
    wg_status st = WG_OK;
    size_t ncodes = 0;
    for (size_t i = 0; i < nsel; i++)
        ncodes += out[sel[i]].ncells;
    const char **codes = malloc((ncodes + 1) * sizeof *codes);
    if (!codes)
        return wg_fail(wg_ws_ctx(ws), WG_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; st == WG_OK && i < nsel; i++) {
        size_t before = 0;
        st = wg_store_plan_drop_community(ws, p->id, wu_str(w, w->c[sel[i]].id), &before);
        sum->recut_before += before;
    }
    for (size_t i = 0; st == WG_OK && i < nsel; i++) {
        st = store_community(ws, p->id, 0, w, sel[i], &out[sel[i]], o, sum);
        for (size_t k = 0; k < out[sel[i]].ncells; k++)
            codes[n++] = out[sel[i]].cells[k].code;
    }
    if (st == WG_OK)
        st = wg_store_cells_number(ws, p->id);
    if (st == WG_OK)
        st = compound_issues(ws, p->id, w, out, o, &sum->issues);
    if (st == WG_OK)
        st = wg_store_plan_touch(ws, p->id, codes, n);
    static const char *const kinds[] = {"assignment", "coverage", "patrol"};
    for (size_t k = 0; st == WG_OK && k < 3; k++) {
        wg_derived d;
        st = wg_store_derived_get(ws, kinds[k], &d);
        if (st == WG_OK && d.any && d.plan == p->id)
            st = k == 0 ? wg_store_assignment_drop(ws) /* with its cell indexes */
                        : wg_store_derived_drop(ws, kinds[k]);
    }
    sum->plan = p->id;
    snprintf(sum->name, sizeof sum->name, "%s", p->name);
    free(codes);
    return st;
}

static wg_status store_plan(wg_ws *ws, const ws_units *w, comm_out *out, const wg_part_opts *o,
                            int64_t parent, const char *name, wg_part_summary *sum)
{
    wg_plan_params pp = {.target = o->target,
                         .min = o->min,
                         .max = o->max,
                         .seed = o->seed,
                         .locked = (int64_t)o->nlock};
    snprintf(pp.keep, sizeof pp.keep, "%s", o->keep ? o->keep : "");
    snprintf(pp.weight, sizeof pp.weight, "%s", o->workload ? "workload" : "households");
    int64_t plan = 0;
    wg_status st = wg_store_plan_add(ws, name, &pp, parent, &plan, &sum->active);
    sum->plan = plan;
    snprintf(sum->name, sizeof sum->name, "%s", name);
    for (size_t c = 0; st == WG_OK && c < w->nc; c++)
        st = store_community(ws, plan, parent, w, c, &out[c], o, sum);
    if (st == WG_OK)
        st = wg_store_cells_number(ws, plan);
    if (st == WG_OK)
        st = compound_issues(ws, plan, w, out, o, &sum->issues);
    /* Units in no community are left out, each named. */
    for (size_t k = w->nu - w->outside; st == WG_OK && k < w->nu; k++) {
        char cause[256];
        snprintf(cause, sizeof cause, "unit %s lies in no community: left out of the plan",
                 wu_str(w, w->u[w->order[k]].id));
        st = plan_issue_add(ws, plan, NULL, NULL, "outside", cause, &sum->issues);
    }
    return st;
}

/* ---- Keep --------------------------------------------------------------------------------- */

static int cmp_code(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static long find_code(const keep_info *k, const char *code)
{
    char key[32];
    snprintf(key, sizeof key, "%s", code);
    const char(*hit)[32] = bsearch(key, k->code, k->ncells, sizeof *k->code, cmp_code);
    return hit ? hit - k->code : -1;
}

typedef struct keep_acc {
    wg_ctx *ctx;
    ws_units *w;
    keep_info *k;
    wg_part_summary *sum;
    size_t cap;
    int64_t *hh;
    int32_t *comm;
    bool *same;
} keep_acc;

static wg_status keep_code(void *user, const wg_cell_rec *c)
{
    keep_acc *a = user;
    keep_info *k = a->k;
    wg_status st = wg_grow(a->ctx, (void **)&k->code, &a->cap, k->ncells + 1, sizeof *k->code);
    if (st == WG_OK)
        snprintf(k->code[k->ncells++], sizeof *k->code, "%s", c->code);
    return st;
}

/* One unit of the kept plan: where it was, and whether its cell is as it was. */
static wg_status keep_member(void *user, const wg_member_rec *m)
{
    keep_acc *a = user;
    ws_units *w = a->w;
    long u = wu_find_unit(w, m->unit);
    long c = find_code(a->k, m->cell);
    if (u < 0) { /* the unit is gone: its cell changed, but may still be kept */
        a->sum->gone_units++;
        if (c >= 0)
            a->same[c] = false;
        return WG_OK;
    }
    if (c < 0)
        return WG_OK;
    w->u[u].old_cell = (int32_t)c;
    a->hh[c] += w->u[u].hh;
    if (w->u[u].households != m->households)
        a->same[c] = false;
    if (a->comm[c] == -2)
        a->comm[c] = w->u[u].comm;
    else if (a->comm[c] != w->u[u].comm)
        a->comm[c] = -3; /* its units now lie in different communities */
    return WG_OK;
}

static wg_status load_keep(wg_ws *ws, ws_units *w, int64_t plan, const wg_part_opts *o,
                           keep_info *k, wg_part_summary *sum)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(k, 0, sizeof *k);
    keep_acc a = {.ctx = ctx, .w = w, .k = k, .sum = sum};
    wg_status st = wg_store_cells_each(ws, plan, 0, 0, keep_code, &a);
    size_t n1 = k->ncells + 1;
    k->locked = calloc(n1, sizeof *k->locked);
    k->sealable = calloc(n1, sizeof *k->sealable);
    a.hh = calloc(n1, sizeof *a.hh);
    a.comm = malloc(n1 * sizeof *a.comm);
    a.same = calloc(n1, sizeof *a.same);
    if (st == WG_OK && (!k->locked || !k->sealable || !a.hh || !a.comm || !a.same))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for the kept plan");
    for (size_t i = 0; st == WG_OK && i < o->nlock; i++) {
        long c = find_code(k, o->lock[i]);
        if (c < 0)
            st = wg_fail(ctx, WG_EINPUT, "--lock %s: no such cell in plan %s", o->lock[i], o->keep);
        else
            k->locked[c] = true;
    }
    /* Whether each old cell is as it was: the same units with the same households. */
    for (size_t c = 0; a.comm && a.same && c < n1; c++) {
        a.comm[c] = -2;
        a.same[c] = true;
    }
    if (st == WG_OK)
        st = wg_store_members_each(ws, plan, NULL, keep_member, &a);
    /* The range the kept plan was drawn with: a cell out of range but exactly as it was
     * keeps its cause only under that same range. */
    int64_t old_min = 0, old_max = 0;
    bool ranged = false;
    if (st == WG_OK)
        st = wg__plan_range(ws, plan, &old_min, &old_max, &ranged);
    bool same_range = ranged && old_min == o->min && old_max == o->max;
    /* Kept: in range now, or out of range but exactly as it was under the same range (its
     * cause stands, and a redraw is no reason to move anybody). New units joining are
     * checked per community. */
    for (size_t c = 0; st == WG_OK && c < k->ncells; c++)
        k->sealable[c] = a.comm[c] >= 0 &&
                         ((a.same[c] && same_range) || (a.hh[c] >= o->min && a.hh[c] <= o->max));
    for (size_t i = 0; i < w->nu; i++)
        sum->new_units += w->u[i].old_cell < 0;
    free(a.hh), free(a.comm), free(a.same);
    return st;
}

static void keep_free(keep_info *k)
{
    free(k->code), free(k->locked), free(k->sealable);
    memset(k, 0, sizeof *k);
}

/* ---- The whole ---------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void summarise(const ws_units *w, const comm_out *out, const wg_part_opts *o,
                      const keep_info *keep, wg_part_summary *sum)
{
    size_t n = 0;
    for (size_t c = 0; c < w->nc; c++)
        n += out[c].ncells;
    int64_t *hh = malloc((n + 1) * sizeof *hh);
    double ppsum = 0;
    sum->pp_min = n ? INFINITY : 0;
    size_t k = 0;
    for (size_t c = 0; c < w->nc; c++) {
        sum->communities += out[c].ncells > 0;
        for (size_t i = 0; i < out[c].ncells; i++) {
            const out_cell *cell = &out[c].cells[i];
            if (hh)
                hh[k] = cell->hh;
            k++;
            sum->households += cell->households;
            sum->units += cell->nunits;
            bool in = cell->hh >= o->min && cell->hh <= o->max;
            sum->in_range += in;
            sum->out_of_range += !in;
            sum->pieces += cell->pieces > 1;
            sum->across_barrier += cell->crossing >= 0;
            sum->kept += cell->old >= 0;
            ppsum += cell->pp;
            if (cell->pp < sum->pp_min)
                sum->pp_min = cell->pp;
            double dev = fabs((double)(cell->hh - o->target)) / (double)o->target;
            if (in && dev > sum->max_dev)
                sum->max_dev = dev;
        }
        /* Households moved: units now in a cell with another code than before. */
        for (size_t u = 0; keep && u < w->c[c].count; u++) {
            const unit_rec *r = &w->u[w->order[w->c[c].first + u]];
            if (r->old_cell < 0)
                continue;
            if (strcmp(keep->code[r->old_cell], out[c].cells[out[c].cell_of[u]].code) != 0) {
                sum->moved_units++;
                sum->moved_households += r->hh;
            }
        }
    }
    sum->cells = n;
    sum->outside = w->outside;
    sum->pp_mean = n ? ppsum / (double)n : 0;
    if (hh && n) {
        qsort(hh, n, sizeof *hh, cmp_i64);
        sum->hh_min = hh[0], sum->hh_max = hh[n - 1], sum->hh_median = hh[n / 2];
    }
    free(hh);
}

static wg_status check_opts(wg_ctx *ctx, const wg_part_opts *o)
{
    if (o->min <= 0 || o->max < o->min || o->target < o->min || o->target > o->max)
        return wg_fail(ctx, WG_EINPUT,
                       "households per cell: need 0 < --min <= --target <= --max (got min %lld, "
                       "target %lld, max %lld)",
                       (long long)o->min, (long long)o->target, (long long)o->max);
    if (o->nlock && !o->keep)
        return wg_fail(ctx, WG_EINPUT, "--lock needs --keep PLAN: the cells it names");
    if (o->division) {
        size_t len = strlen(o->division);
        bool digits = len == 6;
        for (size_t i = 0; digits && i < len; i++)
            digits = o->division[i] >= '0' && o->division[i] <= '9';
        if (!digits)
            return wg_fail(ctx, WG_EINPUT,
                           "--division %s: give the 6-digit administrative division code, e.g. "
                           "310104",
                           o->division);
    }
    return WG_OK;
}

/* The plan's name: the one asked for (which must be new), else plan-N. */
static wg_status plan_name(wg_ws *ws, const wg_part_opts *o, char name[128])
{
    int64_t next = 1, existing = 0;
    bool taken = false;
    wg_status st = WG_OK;
    if (o->name)
        snprintf(name, 128, "%s", o->name);
    else if ((st = wg_store_plan_next_id(ws, &next)) == WG_OK)
        snprintf(name, 128, "plan-%lld", (long long)next);
    if (st == WG_OK)
        st = wg_store_plan_named(ws, name, &existing, &taken);
    if (st == WG_OK && taken)
        st = wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                     "a plan named %s exists already; choose another --name", name);
    return st;
}

/* Partitions what w holds and stores the plan (inside the transaction). */
/* What a recut read, by version: a change to any of it before the recut's write fails the
 * recut (its cells were worked out from the old). */
#define NREAD 6
typedef struct read_set {
    const char *name[NREAD];
    int64_t ver[NREAD];
    size_t n;
} read_set;

static wg_status read_versions(wg_ws *ws, bool workload, read_set *r)
{
    static const char *const inputs[] = {"units",     "communities", "barriers",
                                         "incidents", "categories",  "weights"};
    r->n = workload ? 6 : 3;
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < r->n; i++) {
        wg_version v;
        r->name[i] = inputs[i];
        st = wg_store_version(ws, inputs[i], &v);
        r->ver[i] = v.ver;
    }
    return st;
}

/* A recut is worked out on a read snapshot, so that planners recutting other communities work
 * at once: its write starts here, and only if what it read still stands and its plan is still
 * the active one. */
static wg_status recut_begin(wg_ws *ws, const wg_plan_rec *recut, const read_set *seen)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_store_read_end(ws);
    wg_status st = wg_store_begin(ws, "partition");
    read_set now;
    if (st == WG_OK)
        st = read_versions(ws, seen->n > 3, &now);
    for (size_t i = 0; st == WG_OK && i < seen->n; i++)
        if (now.ver[i] != seen->ver[i]) {
            char what[400];
            wg__changed_by(ws, seen->name[i], what, sizeof what);
            st = wg_fail(ctx, WG_EINPUT,
                         "the %s changed (%s) while this recut was being worked out; nothing "
                         "was written: run it again",
                         seen->name[i], what);
        }
    wg_plan_rec p;
    bool found = false;
    if (st == WG_OK)
        st = wg_store_plan_get(ws, 0, &p, &found);
    if (st == WG_OK && (!found || p.id != recut->id))
        st = wg_fail(ctx, WG_EINPUT,
                     "plan %s is no longer the active one (another was made active while this "
                     "recut was being worked out); nothing was written",
                     recut->name);
    return st;
}

static wg_status partition_in_tx(wg_ws *ws, const wg_part_opts *o, int64_t parent, const char *name,
                                 ws_units *w, const wg_plan_rec *recut, const read_set *seen,
                                 wg_part_summary *sum)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_status st = WG_OK;
    keep_info keep = {0};
    if (o->keep)
        st = load_keep(ws, w, parent, o, &keep, sum);
    job J = {.ws = ws, .w = w, .o = o, .keep = o->keep ? &keep : NULL};
    J.out = calloc(w->nc, sizeof *J.out);
    if (st == WG_OK && !J.out)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu communities", w->nc);
    /* a recut: the communities named, each once, in their order in w */
    size_t *sel = recut ? calloc(o->ncommunities + 1, sizeof *sel) : NULL, nsel = 0;
    if (st == WG_OK && recut && !sel)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t c = 0; st == WG_OK && recut && c < w->nc; c++)
        for (size_t i = 0; i < o->ncommunities; i++)
            if (strcmp(o->communities[i], wu_str(w, w->c[c].id)) == 0) {
                sel[nsel++] = c;
                break;
            }
    for (size_t i = 0; st == WG_OK && recut && i < o->ncommunities; i++) {
        bool known = false;
        for (size_t k = 0; k < nsel && !known; k++)
            known = strcmp(o->communities[i], wu_str(w, w->c[sel[k]].id)) == 0;
        if (!known)
            st = wg_fail(ctx, WG_EINPUT, "%s: no community '%s' to recut", wg_ws_path(ws),
                         o->communities[i]);
    }
    J.sel = sel;
    if (st == WG_OK) {
        st = wg_parallel(ctx, recut ? nsel : w->nc, o->threads > 0 ? o->threads : 2, "partitioning",
                         community_item, &J);
        if (st == WG_EINTR) {
            wg_ctx_clear_error(ctx);
            st = wg_fail(ctx, WG_EINTR, "interrupted: no plan was stored");
        }
        wg_progress(ctx, "partitioning", w->nc, w->nc);
    }
    if (st == WG_OK && recut)
        st = recut_begin(ws, recut, seen);
    /* Codes, then everything stored. */
    char(*prefix)[32] = st == WG_OK ? calloc(w->nc, sizeof *prefix) : NULL;
    if (st == WG_OK && !prefix)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for community codes");
    if (st == WG_OK)
        st = community_codes(ws, w, J.out, o->division, prefix);
    for (size_t c = 0; st == WG_OK && c < w->nc; c++)
        if (J.out[c].ncells)
            cell_codes(&w->c[c], &J.out[c], prefix[c], o->keep ? &keep : NULL);
    if (st == WG_OK)
        summarise(w, J.out, o, o->keep ? &keep : NULL, sum);
    if (st == WG_OK && recut)
        st = recut_plan(ws, w, J.out, o, recut, sel, nsel, sum);
    else if (st == WG_OK)
        st = store_plan(ws, w, J.out, o, parent, name, sum);
    free(prefix);
    free(sel);
    for (size_t c = 0; J.out && c < w->nc; c++) {
        for (size_t i = 0; i < J.out[c].ncells; i++)
            free(J.out[c].cells[i].wkb);
        free(J.out[c].cells);
        free(J.out[c].cell_of);
    }
    free(J.out);
    keep_free(&keep);
    return st;
}

wg_status wg_partition(wg_ws *ws, const wg_part_opts *o, wg_part_summary *sum)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(sum, 0, sizeof *sum);
    double t0 = wg_now();
    wg_status st = check_opts(ctx, o);
    if (st != WG_OK)
        return st;
    if (!wg_ws_crs(ws))
        return wg_fail(ctx, WG_EINPUT, "%s: no units yet (import units first)", wg_ws_path(ws));
    /* the plan is made from the units as one transaction sees them, and stored in it; a recut
     * is worked out on a read snapshot and written if what it read still stands */
    bool recutting = o->ncommunities > 0, found = false;
    if ((st = recutting ? wg_store_read_begin(ws) : wg_store_begin(ws, "partition")) != WG_OK)
        return st;
    wg_weight_name wn;
    if ((st = wg_store_weight_name(ws, &wn)) == WG_OK)
        snprintf(sum->weight, sizeof sum->weight, "%s", wn.name);
    int64_t parent = 0;
    char name[128];
    /* a recut: the active plan's own parameters */
    wg_plan_rec recut;
    wg_part_opts ro;
    read_set seen = {0};
    if (st == WG_OK && recutting && (o->name || o->keep || o->nlock || o->workload))
        st = wg_fail(ctx, WG_EINPUT,
                     "a recut of communities keeps the active plan, its name and its weight: "
                     "--name, --keep, --lock and --weight do not go with it");
    if (st == WG_OK && recutting) {
        st = wg_store_plan_get(ws, 0, &recut, &found);
        if (st == WG_OK && !found)
            st = wg_fail(ctx, WG_EINPUT,
                         "%s: no active plan to recut communities of (partition the whole "
                         "district first)",
                         wg_ws_path(ws));
        if (st == WG_OK && !recut.params.has_range)
            st = wg_fail(ctx, WG_EINPUT,
                         "plan %s records no household range: recut it whole instead", recut.name);
        ro = *o;
        ro.target = recut.params.target, ro.min = recut.params.min, ro.max = recut.params.max;
        ro.seed = recut.params.seed;
        ro.workload = strcmp(recut.params.weight, "workload") == 0;
        o = &ro;
        if (st == WG_OK)
            st = read_versions(ws, o->workload, &seen);
    }
    sum->target = o->target, sum->min = o->min, sum->max = o->max;
    if (st == WG_OK && o->keep)
        st = wg_plan_find(ws, o->keep, &parent);
    if (st == WG_OK && !recutting)
        st = plan_name(ws, o, name);
    ws_units w = {0};
    if (st == WG_OK && !recutting) /* a recut's plan was made from communities already there */
        st = wg__communities_from_units(ws, sum);
    if (st == WG_OK)
        st = wu_load(ws, &w, NULL);
    if (st == WG_OK && o->workload)
        st = wg__unit_workload(ws, o->weights_file, o->categories_file, &w);
    if (st == WG_OK && w.nu == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no units to partition (import units first)",
                     wg_ws_path(ws));
    if (st == WG_OK && w.nc == 0)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: no communities: cells nest in communities (import communities first)",
                     wg_ws_path(ws));
    if (st == WG_OK)
        st = partition_in_tx(ws, o, parent, name, &w, recutting ? &recut : NULL, &seen, sum);
    if (st == WG_OK)
        st = wg_store_commit(ws);
    else
        wg_store_rollback(ws);
    if (recutting) /* its read, unless recut_begin ended it already (then a no-op) */
        wg_store_read_end(ws);
    wu_free(&w);
    sum->seconds = wg_now() - t0;
    return st;
}
