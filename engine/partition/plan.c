/* engine/partition/plan.c: plans after they are made — find, activate, show, diff, and moving units
 * by hand with an immediate answer on range and contiguity. */
#include "plan_int.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wg_status wg_plan_find(wg_ws *ws, const char *ref, int64_t *id)
{
    return wg_store_plan_find(ws, ref, id);
}

wg_status wg_plan_activate(wg_ws *ws, int64_t id)
{
    wg_status st = wg_store_begin(ws, "plan activate");
    if (st != WG_OK)
        return st;
    st = wg_store_plan_activate(ws, id);
    if (st == WG_OK)
        return wg_store_commit(ws);
    wg_store_rollback(ws);
    return st;
}

typedef struct detail_acc {
    wg_ctx *ctx;
    wg_plan_detail *d;
    size_t cap;
} detail_acc;

static wg_status add_cell(void *user, const wg_cell_rec *c)
{
    detail_acc *a = user;
    wg_plan_detail *d = a->d;
    wg_status st = wg_grow(a->ctx, (void **)&d->cells, &a->cap, d->ncells + 1, sizeof *d->cells);
    if (st != WG_OK)
        return st;
    wg_plan_cell *pc = &d->cells[d->ncells++];
    snprintf(pc->code, sizeof pc->code, "%s", c->code);
    snprintf(pc->community, sizeof pc->community, "%s", c->community);
    pc->households = c->households;
    pc->units = c->units;
    pc->area_m2 = c->area_m2;
    pc->compactness = c->compactness;
    return WG_OK;
}

static wg_status add_issue(void *user, const wg_issue_rec *i)
{
    detail_acc *a = user;
    wg_plan_detail *d = a->d;
    wg_status st = wg_grow(a->ctx, (void **)&d->issues, &a->cap, d->nissues + 1, sizeof *d->issues);
    if (st != WG_OK)
        return st;
    wg_plan_issue *v = &d->issues[d->nissues++];
    snprintf(v->cell, sizeof v->cell, "%s", i->cell ? i->cell : "");
    snprintf(v->community, sizeof v->community, "%s", i->community ? i->community : "");
    snprintf(v->kind, sizeof v->kind, "%s", i->kind);
    snprintf(v->cause, sizeof v->cause, "%s", i->cause);
    return WG_OK;
}

wg_status wg_plan_detail_get(wg_ws *ws, int64_t id, wg_plan_detail *d)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(d, 0, sizeof *d);
    wg_status st = wg_store_read_begin(ws);
    wg_plan_info *plans = NULL;
    size_t np = 0;
    if (st == WG_OK)
        st = wg_ws_plans(ws, &plans, &np);
    for (size_t i = 0; st == WG_OK && i < np; i++)
        if (plans[i].id == id)
            d->info = plans[i];
    free(plans);
    if (st == WG_OK && d->info.id != id)
        st = wg_fail(ctx, WG_EINPUT, "no plan numbered %lld", (long long)id);
    wg_plan_rec p;
    bool found = false;
    if (st == WG_OK)
        st = wg_store_plan_get(ws, id, &p, &found);
    if (st == WG_OK) {
        snprintf(d->params, sizeof d->params, "%s", p.params_json);
        d->values = p.params;
    }
    detail_acc a = {.ctx = ctx, .d = d};
    if (st == WG_OK)
        st = wg_store_cells_each(ws, id, 0, 0, add_cell, &a);
    a.cap = 0;
    if (st == WG_OK)
        st = wg_store_issues_each(ws, id, add_issue, &a);
    wg_store_read_end(ws);
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

/* ---- Comparing plans ---------------------------------------------------------------------- */

/* The units of a plan, by unit id; strings in one block. */
typedef struct members {
    wg_ctx *ctx;
    size_t n, cap;
    size_t (*off)[2]; /* unit, cell: offsets into text */
    int64_t *hh;
    wg_buf text;
    size_t caphh;
} members;

static wg_status add_member(void *user, const wg_member_rec *m)
{
    members *M = user;
    wg_status st;
    if ((st = wg_grow(M->ctx, (void **)&M->off, &M->cap, M->n + 1, sizeof *M->off)) ||
        (st = wg_grow(M->ctx, (void **)&M->hh, &M->caphh, M->n + 1, sizeof *M->hh)))
        return st;
    M->off[M->n][0] = M->text.len;
    st = wg_buf_add(M->ctx, &M->text, m->unit, strlen(m->unit) + 1);
    M->off[M->n][1] = M->text.len;
    if (st == WG_OK)
        st = wg_buf_add(M->ctx, &M->text, m->cell, strlen(m->cell) + 1);
    M->hh[M->n++] = m->households;
    return st;
}

static const char *unit_of(const members *M, size_t i)
{
    return M->text.s + M->off[i][0];
}

static const char *cell_of(const members *M, size_t i)
{
    return M->text.s + M->off[i][1];
}

static void members_free(members *M)
{
    free(M->off), free(M->hh);
    wg_buf_fini(&M->text);
}

/* Member indexes of M ordered by cell, then unit. The comparison reads the strings through
 * the keys themselves, not through a global: diffs run at once on the server's threads. */
typedef struct cell_key {
    const char *cell, *unit;
    size_t i;
} cell_key;

static int cmp_by_cell(const void *a, const void *b)
{
    const cell_key *x = a, *y = b;
    int c = strcmp(x->cell, y->cell);
    return c ? c : strcmp(x->unit, y->unit);
}

static size_t *by_cell(const members *M)
{
    size_t *v = malloc((M->n + 1) * sizeof *v);
    cell_key *k = malloc((M->n + 1) * sizeof *k);
    if (!v || !k) {
        free(v), free(k);
        return NULL;
    }
    for (size_t i = 0; i < M->n; i++)
        k[i] = (cell_key){cell_of(M, i), unit_of(M, i), i};
    qsort(k, M->n, sizeof *k, cmp_by_cell);
    for (size_t i = 0; i < M->n; i++)
        v[i] = k[i].i;
    free(k);
    return v;
}

/* The end of the run of members of one cell that starts at k. */
static size_t run_end(const members *M, const size_t *v, size_t k)
{
    size_t e = k + 1;
    while (e < M->n && strcmp(cell_of(M, v[e]), cell_of(M, v[k])) == 0)
        e++;
    return e;
}

/* Whether two runs hold the same units with the same households. */
static bool same_run(const members *A, const size_t *va, size_t a0, size_t a1, const members *B,
                     const size_t *vb, size_t b0, size_t b1)
{
    if (a1 - a0 != b1 - b0)
        return false;
    for (size_t k = 0; k < a1 - a0; k++)
        if (strcmp(unit_of(A, va[a0 + k]), unit_of(B, vb[b0 + k])) != 0 ||
            A->hh[va[a0 + k]] != B->hh[vb[b0 + k]])
            return false;
    return true;
}

/* The position of unit in M (members are by unit id), or -1. */
static long find_unit(const members *M, const char *unit)
{
    size_t lo = 0, hi = M->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(unit_of(M, mid), unit);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

typedef struct dest {
    const char *cell;
    int64_t hh;
} dest;

static int cmp_dest(const void *a, const void *b)
{
    return strcmp(((const dest *)a)->cell, ((const dest *)b)->cell);
}

/* Where the units of A's cell (run a0..a1) went in B: the cell holding most of their
 * households (ties: the lower code); "" when none of them is in B. */
static wg_status flow(wg_ctx *ctx, const members *A, const size_t *va, size_t a0, size_t a1,
                      const members *B, wg_plan_map *m)
{
    m->to[0] = '\0';
    m->households = 0;
    dest *d = malloc((a1 - a0 + 1) * sizeof *d);
    if (!d)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t k = a0; k < a1; k++) {
        long j = find_unit(B, unit_of(A, va[k]));
        if (j >= 0)
            d[n++] = (dest){cell_of(B, (size_t)j), A->hh[va[k]]};
    }
    qsort(d, n, sizeof *d, cmp_dest);
    for (size_t k = 0; k < n;) {
        size_t e = k;
        int64_t hh = 0;
        for (; e < n && strcmp(d[e].cell, d[k].cell) == 0; e++)
            hh += d[e].hh;
        if (!m->to[0] || hh > m->households) { /* ascending codes: a tie keeps the lower */
            snprintf(m->to, sizeof m->to, "%s", d[k].cell);
            m->households = hh;
        }
        k = e;
    }
    free(d);
    return WG_OK;
}

/* The moved units' strings while the diff is made: one block that may move as it grows, so
 * offsets until the end, when they become the entries' pointers. */
typedef struct moved_text {
    wg_buf text;
    size_t (*off)[3];
    size_t cap, capoff;
} moved_text;

/* Keeps unit A[i] (B[j] in b) as moved. */
static wg_status add_moved(wg_ctx *ctx, wg_plan_diff *d, moved_text *T, const members *A, size_t i,
                           const members *B, size_t j)
{
    size_t n = (size_t)d->moved_units; /* kept so far */
    wg_status st = wg_grow(ctx, (void **)&d->moved, &T->cap, n + 1, sizeof *d->moved);
    if (st == WG_OK)
        st = wg_grow(ctx, (void **)&T->off, &T->capoff, n + 1, sizeof *T->off);
    const char *s[3] = {unit_of(A, i), cell_of(A, i), cell_of(B, j)};
    for (int k = 0; k < 3 && st == WG_OK; k++) {
        T->off[n][k] = T->text.len;
        st = wg_buf_add(ctx, &T->text, s[k], strlen(s[k]) + 1);
    }
    if (st != WG_OK)
        return st;
    d->moved[n] = (wg_plan_moved){NULL, NULL, NULL, A->hh[i]};
    d->moved_units++;
    d->moved_households += A->hh[i];
    return WG_OK;
}

/* Keeps cell `code` as added, removed or changed, with its units' totals in a (run a0..a1 of
 * A's members by cell) and in b (b0..b1). */
static wg_status add_celldiff(wg_ctx *ctx, wg_plan_diff *d, size_t *cap, wg_cell_change change,
                              const char *code, const members *A, const size_t *va, size_t a0,
                              size_t a1, const members *B, const size_t *vb, size_t b0, size_t b1)
{
    wg_status st = wg_grow(ctx, (void **)&d->cells, cap, d->ncells + 1, sizeof *d->cells);
    if (st != WG_OK)
        return st;
    wg_plan_celldiff *c = &d->cells[d->ncells++];
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "%s", code);
    c->change = change;
    c->units_a = a1 - a0, c->units_b = b1 - b0;
    for (size_t k = a0; k < a1; k++)
        c->households_a += A->hh[va[k]];
    for (size_t k = b0; k < b1; k++)
        c->households_b += B->hh[vb[k]];
    return WG_OK;
}

wg_status wg_plan_diff_get(wg_ws *ws, int64_t a, int64_t b, wg_plan_diff *d)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(d, 0, sizeof *d);
    members A = {.ctx = ctx}, B = {.ctx = ctx};
    wg_buf_init(&A.text, SIZE_MAX / 2);
    wg_buf_init(&B.text, SIZE_MAX / 2);
    size_t ccap = 0;
    moved_text T = {0};
    wg_buf_init(&T.text, SIZE_MAX / 2);
    wg_status st = wg_store_read_begin(ws);
    if (st == WG_OK)
        st = wg_store_members_each(ws, a, NULL, add_member, &A);
    if (st == WG_OK)
        st = wg_store_members_each(ws, b, NULL, add_member, &B);
    wg_store_read_end(ws);
    /* units in both whose cell code differs; units in one only */
    for (size_t i = 0, j = 0; st == WG_OK && (i < A.n || j < B.n);) {
        int c = i == A.n ? 1 : j == B.n ? -1 : strcmp(unit_of(&A, i), unit_of(&B, j));
        if (c < 0)
            d->only_a_units++, i++;
        else if (c > 0)
            d->only_b_units++, j++;
        else {
            if (strcmp(cell_of(&A, i), cell_of(&B, j)) != 0) {
                st = add_moved(ctx, d, &T, &A, i, &B, j);
            }
            i++, j++;
        }
    }
    /* cells by code: the same when the same units (and households) make them up */
    size_t *va = st == WG_OK ? by_cell(&A) : NULL, *vb = st == WG_OK ? by_cell(&B) : NULL;
    size_t cap = 0;
    if (st == WG_OK && (!va || !vb))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0, j = 0; st == WG_OK && (i < A.n || j < B.n);) {
        size_t ie = i < A.n ? run_end(&A, va, i) : i, je = j < B.n ? run_end(&B, vb, j) : j;
        int c = i == A.n ? 1 : j == B.n ? -1 : strcmp(cell_of(&A, va[i]), cell_of(&B, vb[j]));
        bool moved = false;
        if (c > 0) {
            d->added++;
            st = add_celldiff(ctx, d, &ccap, WG_CELL_ADDED, cell_of(&B, vb[j]), &A, va, i, i, &B,
                              vb, j, je);
            j = je;
            continue;
        }
        if (c < 0) {
            d->removed++;
            moved = true;
            st = add_celldiff(ctx, d, &ccap, WG_CELL_REMOVED, cell_of(&A, va[i]), &A, va, i, ie, &B,
                              vb, j, j);
        } else if (same_run(&A, va, i, ie, &B, vb, j, je)) {
            d->same++;
        } else {
            d->changed++;
            moved = true;
            st = add_celldiff(ctx, d, &ccap, WG_CELL_CHANGED, cell_of(&A, va[i]), &A, va, i, ie, &B,
                              vb, j, je);
        }
        if (moved && st == WG_OK) {
            st = wg_grow(ctx, (void **)&d->map, &cap, d->nmap + 1, sizeof *d->map);
            if (st == WG_OK) {
                wg_plan_map *m = &d->map[d->nmap++];
                snprintf(m->from, sizeof m->from, "%s", cell_of(&A, va[i]));
                st = flow(ctx, &A, va, i, ie, &B, m);
            }
        }
        i = ie;
        if (c == 0)
            j = je;
    }
    free(va), free(vb);
    members_free(&A);
    members_free(&B);
    /* the moved units' strings: offsets into the block until now, pointers from now on */
    d->strings = T.text.s; /* taken */
    for (size_t k = 0; k < (size_t)d->moved_units; k++) {
        d->moved[k].unit = d->strings + T.off[k][0];
        d->moved[k].from = d->strings + T.off[k][1];
        d->moved[k].to = d->strings + T.off[k][2];
    }
    free(T.off);
    if (st != WG_OK)
        wg_plan_diff_free(d);
    return st;
}

void wg_plan_diff_free(wg_plan_diff *d)
{
    free(d->map);
    free(d->moved);
    free(d->cells);
    free(d->strings);
    memset(d, 0, sizeof *d);
}

/* ---- Saving a plan under another name ------------------------------------------------------ */

wg_status wg_plan_copy(wg_ws *ws, int64_t src, const char *name, int64_t *id)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= sizeof((wg_plan_info *)0)->name)
        return wg_fail(ctx, WG_EINPUT, "the new plan's name must be 1 to %zu bytes",
                       sizeof((wg_plan_info *)0)->name - 1);
    wg_status st = wg_store_begin(ws, "plan copy");
    if (st != WG_OK)
        return st;
    int64_t other = 0, to = 0;
    bool taken = false;
    st = wg_store_plan_named(ws, name, &other, &taken);
    if (st == WG_OK && taken)
        st = wg_fail(ctx, WG_EINPUT, "a plan named '%s' exists already (id %lld)", name,
                     (long long)other);
    if (st == WG_OK)
        st = wg_store_plan_copy(ws, src, name, &to);
    if (st == WG_OK)
        st = wg_store_commit(ws);
    else
        wg_store_rollback(ws);
    if (st == WG_OK)
        *id = to;
    return st;
}

/* ---- Moving units by hand ----------------------------------------------------------------- */

wg_status wg__plan_range(wg_ws *ws, int64_t plan, int64_t *min, int64_t *max, bool *found)
{
    wg_plan_rec p;
    bool exists = false;
    *min = 0, *max = INT64_MAX;
    *found = false;
    wg_status st = wg_store_plan_get(ws, plan, &p, &exists);
    if (st == WG_OK && !exists)
        st = wg_fail(wg_ws_ctx(ws), WG_EINPUT, "no plan numbered %lld", (long long)plan);
    if (st == WG_OK && p.params.has_range) {
        *min = p.params.min;
        *max = p.params.max;
        *found = true;
    }
    return st;
}

typedef struct unit_ids {
    wg_ctx *ctx;
    char **id;
    size_t n, cap;
} unit_ids;

static wg_status add_unit_id(void *user, const wg_member_rec *m)
{
    unit_ids *u = user;
    wg_status st = wg_grow(u->ctx, (void **)&u->id, &u->cap, u->n + 1, sizeof *u->id);
    if (st == WG_OK && !(u->id[u->n++] = strdup(m->unit)))
        st = wg_fail(u->ctx, WG_ENOMEM, "out of memory");
    return st;
}

static void unit_ids_free(unit_ids *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->id[i]);
    free(u->id);
}

/* The union of the regions of sites[0..m) as one multipolygon; sites across parts (a barrier)
 * make a cell of separate pieces, unioned part by part. */
static wg_status cell_geom(wg_ctx *ctx, const comm_tess *t, const size_t *sites, size_t m,
                           const char *code, wg_geom **g)
{
    size_t np = wg_tess_nparts(t->tess);
    wg_geom **parts = calloc(np + 1, sizeof *parts);
    size_t *sub = malloc((m + 1) * sizeof *sub);
    size_t ng = 0;
    wg_status st = parts && sub ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t p = 0; st == WG_OK && p < np; p++) {
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (wg_tess_part(t->tess, sites[i]) == p)
                sub[k++] = sites[i];
        if (k)
            st = wg_tess_union(ctx, t->tess, sub, k, &parts[ng++]);
    }
    if (st == WG_OK) {
        wg_geom *u = NULL;
        st = wg_geom_union_take(ctx, parts, ng, &u); /* takes the parts */
        if (st != WG_OK)
            wg_ctx_where(ctx, "dissolving cell %s: ", code);
        else
            st = wg_geom_multi(ctx, u, g);
        wg_geom_free(ctx, u);
    } else {
        for (size_t i = 0; parts && i < ng; i++)
            wg_geom_free(ctx, parts[i]);
    }
    free(parts), free(sub);
    return st;
}

/* Rebuilds cell `code` of the plan from its members: geometry, totals, and its range and
 * pieces issues. Returns its households and pieces. */
static wg_status rebuild_cell(wg_ws *ws, const ws_units *w, const comm_tess *t, size_t c,
                              int64_t plan, const char *code, int64_t min, int64_t max,
                              int64_t *hh_out, int *pieces_out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    unit_ids ids = {.ctx = ctx};
    wg_status st = wg_store_members_each(ws, plan, code, add_unit_id, &ids);
    size_t *sites = malloc((t->nsites + 1) * sizeof *sites);
    bool *in = calloc(t->nsites + 1, 1);
    if (st == WG_OK && (!sites || !in))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    int64_t hh = 0, nunits = 0;
    for (size_t i = 0; st == WG_OK && i < ids.n; i++) {
        long u = wu_find_unit(w, ids.id[i]);
        for (size_t k = 0; u >= 0 && k < t->nunits; k++)
            if (t->units[k] == (size_t)u) {
                in[t->site_of[k]] = true;
                hh += w->u[u].hh;
                nunits++;
            }
    }
    unit_ids_free(&ids);
    size_t m = 0;
    for (size_t s = 0; in && s < t->nsites; s++)
        if (in[s])
            sites[m++] = s;
    wg_geom *g = NULL;
    wg_cell_rec rec = {.plan = plan, .households = hh, .units = nunits};
    snprintf(rec.code, sizeof rec.code, "%s", code);
    int pieces = 0;
    if (st == WG_OK && m)
        st = cell_geom(ctx, t, sites, m, code, &g);
    if (st == WG_OK && g)
        st = cell_shape(ctx, g, &rec.area_m2, &rec.compactness, &pieces);
    unsigned char *wkb = NULL;
    if (st == WG_OK && g)
        st = wg_geom_to_wkb(ctx, g, &wkb, &rec.wkb_len);
    wg_geom_free(ctx, g);
    rec.wkb = wkb;
    if (st == WG_OK)
        st = wg_store_cell_update(ws, &rec);
    free(wkb);
    /* Its range and pieces issues, as they now stand. */
    static const char *const kinds[] = {"above_max", "below_min", "pieces"};
    if (st == WG_OK)
        st = wg_store_issues_clear(ws, plan, code, kinds, 3);
    char cause[256];
    const char *comm = wu_str(w, w->c[c].id);
    if (st == WG_OK && (hh < min || hh > max)) {
        snprintf(cause, sizeof cause, "%lld households after a move by hand (range %lld-%lld)",
                 (long long)hh, (long long)min, (long long)max);
        st =
            plan_issue_add(ws, plan, code, comm, hh > max ? "above_max" : "below_min", cause, NULL);
    }
    if (st == WG_OK && pieces > 1) {
        snprintf(cause, sizeof cause, "its polygon falls in %d pieces after a move by hand",
                 pieces);
        st = plan_issue_add(ws, plan, code, comm, "pieces", cause, NULL);
    }
    free(sites), free(in);
    *hh_out = hh;
    *pieces_out = pieces;
    return st;
}

/* Checks the move before anything is loaded: the target cell exists, and every unit exists and
 * does not lie (as stored) in another community. */
static wg_status check_move(wg_ws *ws, int64_t plan, const char *const *units, size_t nunits,
                            const char *to, char to_comm[64])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    wg_cell_rec cell;
    bool found = false;
    wg_status st = wg_store_cell_get(ws, plan, to, &cell, &found);
    if (st == WG_OK && !found)
        return wg_fail(ctx, WG_EINPUT, "--to %s: no such cell in this plan", to);
    if (st == WG_OK)
        snprintf(to_comm, 64, "%s", cell.community);
    for (size_t i = 0; st == WG_OK && i < nunits; i++) {
        char comm[64];
        st = wg_store_unit_get(ws, units[i], &found, comm);
        if (st == WG_OK && !found)
            st = wg_fail(ctx, WG_EINPUT, "unit %s: no such unit", units[i]);
        else if (st == WG_OK && comm[0] && strcmp(comm, to_comm) != 0)
            st = wg_fail(ctx, WG_EINPUT,
                         "unit %s lies in community %s, cell %s in %s: cells nest in one "
                         "community",
                         units[i], comm, to, to_comm);
    }
    return st;
}

void wg__changed_by(wg_ws *ws, const char *name, char *out, size_t n)
{
    wg_version v;
    char at[32];
    out[0] = '\0';
    if (wg_store_version(ws, name, &v) != WG_OK) {
        wg_ctx_clear_error(wg_ws_ctx(ws)); /* only the message's detail is lost */
        return;
    }
    if (v.ver <= 0)
        return;
    wg_time_format_utc(v.at, at, sizeof at);
    snprintf(out, n, "by '%s' at %s", v.command, at);
}

/* The move was worked out on what was read before the transaction: another planner's change
 * committed in between (a unit moved elsewhere, the target cell gone) fails it, naming that
 * change, rather than overwrite it. */
static wg_status conflicts(wg_ws *ws, int64_t plan, const char *const *units, size_t nunits,
                           const char (*from)[32], const char *to)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    char now[32] = "", what[400] = "";
    bool found = false;
    wg_cell_rec cell;
    wg_status st = wg_store_cell_get(ws, plan, to, &cell, &found);
    bool gone = st == WG_OK && !found;
    size_t i = 0;
    for (; st == WG_OK && !gone && i < nunits; i++) {
        st = wg_store_member_cell(ws, plan, units[i], now, &found);
        if (st == WG_OK && (!found || strcmp(now, from[i]) != 0))
            break;
    }
    if (st != WG_OK || (!gone && i == nunits))
        return st;
    wg__changed_by(ws, "plans", what, sizeof what);
    if (gone)
        return wg_fail(ctx, WG_EINPUT,
                       "cell %s is no longer in the plan: it was changed %s while this move was "
                       "being worked out; nothing was moved",
                       to, what);
    return wg_fail(ctx, WG_EINPUT,
                   "unit %s is now in cell %s, not %s: the plan was changed %s while this move "
                   "was being worked out; nothing was moved (look again, and move it from "
                   "there)",
                   units[i], found ? now : "(none)", from[i], what);
}

/* Moves the units and rebuilds the target and every cell they left (in the transaction). */
static wg_status move_in_tx(wg_ws *ws, const ws_units *w, const comm_tess *t, size_t c,
                            int64_t plan, const char *const *units, size_t nunits,
                            const char (*from)[32], const char *to, int64_t min, int64_t max,
                            wg_move_result *res)
{
    wg_status st = conflicts(ws, plan, units, nunits, from, to);
    for (size_t i = 0; st == WG_OK && i < nunits; i++)
        st = wg_store_member_move(ws, plan, units[i], to);
    res->in_range = res->contiguous = true;
    int pieces = 0;
    const char **touched = malloc((nunits + 2) * sizeof *touched);
    size_t nt = 0;
    if (st == WG_OK && !touched)
        st = wg_fail(wg_ws_ctx(ws), WG_ENOMEM, "out of memory");
    /* The target, then each distinct source cell. */
    if (st == WG_OK) {
        touched[nt++] = to;
        st = rebuild_cell(ws, w, t, c, plan, to, min, max, &res->to_households, &pieces);
    }
    res->in_range &= res->to_households >= min && res->to_households <= max;
    res->contiguous &= pieces <= 1;
    for (size_t i = 0; st == WG_OK && i < nunits; i++) {
        bool seen = strcmp(from[i], to) == 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(from[j], from[i]) == 0;
        if (seen)
            continue;
        int64_t hh = 0;
        touched[nt++] = from[i];
        st = rebuild_cell(ws, w, t, c, plan, from[i], min, max, &hh, &pieces);
        res->from_cells++;
        res->from_households = hh;
        res->in_range &= hh >= min && hh <= max;
        res->contiguous &= pieces <= 1 || hh == 0;
    }
    /* the plan and the cells it touched take this version: their assignment is redone */
    if (st == WG_OK)
        st = wg_store_plan_touch(ws, plan, touched, nt);
    free(touched);
    return st;
}

wg_status wg_plan_move(wg_ws *ws, int64_t plan, const char *const *units, size_t nunits,
                       const char *to, wg_move_result *res)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(res, 0, sizeof *res);
    char to_comm[64] = "";
    wg_status st = check_move(ws, plan, units, nunits, to, to_comm);
    if (st != WG_OK)
        return st;
    /* Only the target cell's community is loaded. */
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
    res->same_community = true;
    for (size_t i = 0; st == WG_OK && i < nunits; i++) {
        long u = wu_find_unit(&w, units[i]);
        bool found = false;
        if (u < 0) {
            st = wg_fail(ctx, WG_EINPUT, "unit %s: no such unit", units[i]);
            break;
        }
        st = wg_store_member_cell(ws, plan, units[i], from[i], &found);
        if (st == WG_OK && !found)
            st = wg_fail(ctx, WG_EINPUT, "unit %s: not in this plan (added after it was made)",
                         units[i]);
        if (st == WG_OK && w.u[u].comm != c) {
            res->same_community = false;
            st = wg_fail(ctx, WG_EINPUT,
                         "unit %s lies in community %s, cell %s in %s: cells nest in one "
                         "community",
                         units[i], w.u[u].comm >= 0 ? wu_str(&w, w.c[w.u[u].comm].id) : "(none)",
                         to, to_comm);
        }
    }
    comm_tess t = {0};
    int64_t min = 0, max = INT64_MAX;
    bool ranged = false;
    if (st == WG_OK)
        st = wg__plan_range(ws, plan, &min, &max, &ranged);
    if (st == WG_OK)
        st = comm_tess_build(ctx, &w, (size_t)c, min, &t);
    if (st == WG_OK)
        st = wg_store_begin(ws, "plan move");
    if (st == WG_OK) {
        st = move_in_tx(ws, &w, &t, (size_t)c, plan, units, nunits, (const char(*)[32])from, to,
                        min, max, res);
        if (st == WG_OK)
            st = wg_store_commit(ws);
        else
            wg_store_rollback(ws);
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
