/* engine/measure/report.c: the report — cell measures (measure.c) gathered per worker or community,
 * the workload index, its imbalance, and the flags with what to do about them. */
#include "report_int.h"
#include "wg/assign.h"
#include "wg/boxindex.h"
#include "wg/parallel.h"
#include "wg/vio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SOURCE_NAMES[WG_NSRC] = {"patrol", "hotline", "camera", "other"};

const char *wg_source_name(int src)
{
    return src >= 0 && src < WG_NSRC ? SOURCE_NAMES[src] : "?";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double wg_gini(const double *x, size_t n)
{
    if (n < 2)
        return 0;
    double *s = malloc(n * sizeof *s), sum = 0, acc = 0;
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    /* sum_ij |xi - xj| = 2 sum_i (2i - n + 1) s_i over the sorted values */
    for (size_t i = 0; i < n; i++) {
        sum += s[i];
        acc += (2.0 * (double)i - (double)n + 1.0) * s[i];
    }
    free(s);
    return sum > 0 ? acc / ((double)n * sum) : 0;
}

/* Appends text to a comma-separated list in buf (cut with "..." when full). */
static void list_add(char *buf, size_t n, const char *text)
{
    size_t len = strlen(buf), add = strlen(text) + (len ? 1 : 0);
    if (len >= 3 && strcmp(buf + len - 3, "...") == 0)
        return;
    if (len + add + 4 >= n) {
        snprintf(buf + len, n - len, "%s...", len ? "," : "");
        return;
    }
    snprintf(buf + len, n - len, "%s%s", len ? "," : "", text);
}

/* ---- groups
 * -------------------------------------------------------------------------------------- */

/* Which cells feed which row, and with what share. */
typedef struct member {
    size_t row, cell;
    double share;
} member;

typedef struct groups {
    member *m;
    size_t n, cap;
    size_t *roff; /* after groups_index: row i has members [roff[i], roff[i+1]) */
} groups;

static int find_row(const wg_report *r, const char *id)
{
    for (size_t i = r->nrows; i-- > 0;) /* rows arrive grouped: the last is the likeliest */
        if (strcmp(r->rows[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* The row with this id, added when new. `grouped`: ids arrive together, only the last row can
 * match (postings by worker, cells by code). */
static wg_status add_row(wg_ctx *ctx, wg_report *r, size_t *cap, const char *id, bool grouped,
                         size_t *at)
{
    int i = !grouped                                                ? find_row(r, id)
            : r->nrows && strcmp(r->rows[r->nrows - 1].id, id) == 0 ? (int)r->nrows - 1
                                                                    : -1;
    if (i >= 0) {
        *at = (size_t)i;
        return WG_OK;
    }
    wg_status st = wg_grow(ctx, (void **)&r->rows, cap, r->nrows + 1, sizeof *r->rows);
    if (st != WG_OK)
        return st;
    wg_report_row *row = &r->rows[r->nrows];
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "%s", id);
    if (!(row->by_category = calloc(r->ncategories ? r->ncategories : 1, sizeof(double))))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    *at = r->nrows++;
    return WG_OK;
}

static wg_status add_member(wg_ctx *ctx, groups *g, size_t row, size_t cell)
{
    wg_status st = wg_grow(ctx, (void **)&g->m, &g->cap, g->n + 1, sizeof *g->m);
    if (st == WG_OK)
        g->m[g->n++] = (member){row, cell, 1};
    return st;
}

static int cmp_cell_code(const void *key, const void *elem)
{
    return strcmp(key, ((const wg_report_row *)elem)->id);
}

typedef struct posts_acc {
    wg_ws *ws;
    wg_report *r;
    const cell_measures *m;
    groups *g;
    int *nworkers;
    size_t cap;
} posts_acc;

static wg_status add_posting(void *user, const wg_posting_rec *p)
{
    posts_acc *a = user;
    wg_ctx *ctx = wg_ws_ctx(a->ws);
    wg_report *r = a->r;
    const cell_measures *m = a->m;
    const wg_report_row *c = bsearch(p->cell, m->rows, m->n, sizeof *m->rows, cmp_cell_code);
    if (!c)
        return wg_fail(ctx, WG_EINPUT,
                       "posting of worker %s names cell %s, which is not in the active plan %s: "
                       "import the postings for this plan ('wangge import -w %s postings FILE')",
                       p->worker, p->cell, r->plan_name, wg_ws_path(a->ws));
    size_t at = 0;
    wg_status st = add_row(ctx, r, &a->cap, p->worker, true, &at);
    if (st != WG_OK)
        return st;
    wg_report_row *row = &r->rows[at];
    snprintf(row->name, sizeof row->name, "%s", p->name ? p->name : "");
    snprintf(row->community, sizeof row->community, "%s",
             p->community ? p->community : c->community);
    list_add(row->cells, sizeof row->cells, p->cell);
    row->nworkers = 1;
    row->ncells++;
    size_t ci = (size_t)(c - m->rows);
    a->nworkers[ci]++;
    return add_member(ctx, a->g, at, ci);
}

/* Workers from the postings (or one post per cell); each cell's load split among its workers. */
static wg_status worker_groups(wg_ws *ws, wg_report *r, const cell_measures *m, groups *g,
                               int *nworkers)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    posts_acc a = {ws, r, m, g, nworkers, 0};
    /* room for a row per cell (one post each without postings; a guess with them) */
    wg_status st = wg_grow(ctx, (void **)&r->rows, &a.cap, m->n, sizeof *r->rows);
    if (st == WG_OK)
        st = wg_grow(ctx, (void **)&g->m, &g->cap, m->n, sizeof *g->m);
    if (st == WG_OK)
        st = wg_store_postings_each(ws, add_posting, &a);
    size_t cap = a.cap;
    r->postings = r->nrows > 0;
    /* without postings every cell is its own post; with them, unposted cells are named */
    for (size_t c = 0; st == WG_OK && c < m->n; c++) {
        if (nworkers[c])
            continue;
        if (r->postings) {
            list_add(r->unposted, sizeof r->unposted, m->rows[c].id);
            r->nunposted++;
            continue;
        }
        size_t at = 0;
        if ((st = add_row(ctx, r, &cap, m->rows[c].id, true, &at)) != WG_OK)
            break;
        snprintf(r->rows[at].community, sizeof r->rows[at].community, "%s", m->rows[c].community);
        snprintf(r->rows[at].cells, sizeof r->rows[at].cells, "%s", m->rows[c].id);
        r->rows[at].nworkers = 1;
        r->rows[at].ncells = 1;
        nworkers[c] = 1;
        st = add_member(ctx, g, at, c);
    }
    for (size_t k = 0; k < g->n; k++)
        g->m[k].share = 1.0 / nworkers[g->m[k].cell];
    return st;
}

static wg_status cell_groups(wg_ctx *ctx, wg_report *r, const cell_measures *m, groups *g,
                             const int *nworkers)
{
    size_t cap = 0;
    wg_status st = wg_grow(ctx, (void **)&r->rows, &cap, m->n, sizeof *r->rows);
    if (st == WG_OK)
        st = wg_grow(ctx, (void **)&g->m, &g->cap, m->n, sizeof *g->m);
    for (size_t c = 0; c < m->n && st == WG_OK; c++) {
        size_t at = 0;
        if ((st = add_row(ctx, r, &cap, m->rows[c].id, true, &at)) == WG_OK) {
            r->rows[at].ncells = 1;
            r->rows[at].nworkers = nworkers[c];
            snprintf(r->rows[at].community, sizeof r->rows[at].community, "%s",
                     m->rows[c].community);
            st = add_member(ctx, g, at, c);
        }
    }
    return st;
}

static wg_status community_groups(wg_ws *ws, wg_report *r, const cell_measures *m, groups *g,
                                  const int *nworkers)
{
    size_t cap = 0;
    wg_status st = WG_OK;
    for (size_t c = 0; c < m->n && st == WG_OK; c++) {
        size_t at = 0;
        const char *comm = m->rows[c].community[0] ? m->rows[c].community : "(none)";
        if ((st = add_row(wg_ws_ctx(ws), r, &cap, comm, false, &at)) == WG_OK) {
            r->rows[at].ncells++;
            r->rows[at].nworkers += nworkers[c];
            snprintf(r->rows[at].community, sizeof r->rows[at].community, "%s", comm);
            st = add_member(wg_ws_ctx(ws), g, at, c);
        }
    }
    for (size_t i = 0; st == WG_OK && i < r->nrows; i++)
        st = wg_store_community_name(ws, r->rows[i].id, r->rows[i].name);
    return st;
}

static int cmp_member(const void *a, const void *b)
{
    const member *x = a, *y = b;
    return x->row != y->row ? (x->row > y->row) - (x->row < y->row)
                            : (x->cell > y->cell) - (x->cell < y->cell);
}

/* Orders the members by row (then cell) and finds where each row's start. */
static wg_status groups_index(wg_ctx *ctx, groups *g, size_t nrows)
{
    qsort(g->m, g->n, sizeof *g->m, cmp_member);
    if (!(g->roff = calloc(nrows + 1, sizeof *g->roff)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; k < g->n; k++)
        g->roff[g->m[k].row + 1]++;
    for (size_t i = 0; i < nrows; i++)
        g->roff[i + 1] += g->roff[i];
    return WG_OK;
}

/* The times to close of rows: medians and 90th percentiles, on every core, QBLOCK rows an
 * item (a row of several cells selects over a copy of their times; a row of one, in place). */
#define QBLOCK 1024
typedef struct quant_job {
    wg_report *r;
    cell_measures *m;
    const groups *g;
} quant_job;

static wg_status quant_block(wg_ctx *ctx, void *user, size_t b, int thread)
{
    (void)thread;
    quant_job *J = user;
    const cell_measures *m = J->m;
    const groups *g = J->g;
    double *buf = NULL;
    size_t cap = 0;
    wg_status st = WG_OK;
    for (size_t i = b * QBLOCK; i < J->r->nrows && i < (b + 1) * QBLOCK && st == WG_OK; i++) {
        double *x = NULL;
        size_t n = 0;
        if (g->roff[i + 1] - g->roff[i] == 1) { /* one cell (always, by cell): its own times */
            size_t c = g->m[g->roff[i]].cell;
            x = m->close_h + m->coff[c];
            n = m->coff[c + 1] - m->coff[c];
        } else { /* several: their times together */
            for (size_t k = g->roff[i]; k < g->roff[i + 1]; k++)
                n += m->coff[g->m[k].cell + 1] - m->coff[g->m[k].cell];
            if ((st = wg_grow(ctx, (void **)&buf, &cap, n ? n : 1, sizeof *buf)) != WG_OK)
                break;
            n = 0;
            for (size_t k = g->roff[i]; k < g->roff[i + 1]; k++) {
                size_t c = g->m[k].cell;
                memcpy(buf + n, m->close_h + m->coff[c],
                       (m->coff[c + 1] - m->coff[c]) * sizeof *buf);
                n += m->coff[c + 1] - m->coff[c];
            }
            x = buf;
        }
        quantiles2(x, n, 0.5, 0.9, &J->r->rows[i].close_median_h, &J->r->rows[i].close_p90_h);
    }
    free(buf);
    return st;
}

/* Sums the members into their rows, and the total; the times to close of a row are its cells'
 * together (reordered in place: quantiles select, they do not sort; the total's last, over all
 * of them, leaves the cells' times mixed). */
static wg_status gather(wg_ctx *ctx, wg_report *r, cell_measures *m, const groups *g)
{
    for (size_t k = 0; k < g->n; k++)
        row_add(&r->rows[g->m[k].row], &m->rows[g->m[k].cell], g->m[k].share, r->ncategories);
    /* the total: every cell once */
    wg_report_row *t = &r->total;
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "total");
    if (!(t->by_category = calloc(r->ncategories ? r->ncategories : 1, sizeof(double))))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t c = 0; c < m->n; c++)
        row_add(t, &m->rows[c], 1, r->ncategories);
    quant_job J = {r, m, g};
    wg_status st = wg_parallel(ctx, (r->nrows + QBLOCK - 1) / QBLOCK, 2, NULL, quant_block, &J);
    if (st != WG_OK)
        return st;
    /* the total over every cell's times, selected in place: the rows are done with them (their
     * selections reordered each cell's times among themselves, which leaves the whole the same) */
    quantiles2(m->close_h, m->coff[m->n], 0.5, 0.9, &t->close_median_h, &t->close_p90_h);
    for (size_t i = 0; i < r->nrows; i++)
        row_rates(&r->rows[i], r->visits);
    t->ncells = (int)m->n;
    row_rates(t, r->visits);
    t->index = 1;
    return WG_OK;
}

/* ---- the index and the flags
 * --------------------------------------------------------------------- */

static double term(const wg_report_row *row, int k)
{
    switch (k) {
    case WG_TERM_HOUSEHOLDS:
        return row->households;
    case WG_TERM_HOURS:
        return row->hours;
    case WG_TERM_AREA:
        return row->area_m2 / 1e6;
    default:
        return row->patrol_m / 1e3;
    }
}

static void index_rows(wg_report *r, const double w[WG_NTERMS])
{
    double mean[WG_NTERMS] = {0}, wsum = 0;
    for (int k = 0; k < WG_NTERMS; k++) {
        for (size_t i = 0; i < r->nrows; i++)
            mean[k] += term(&r->rows[i], k);
        mean[k] = r->nrows ? mean[k] / (double)r->nrows : 0;
        r->weights[k] = mean[k] > 0 ? w[k] : 0;
        wsum += r->weights[k];
    }
    for (int k = 0; k < WG_NTERMS; k++)
        r->weights[k] = wsum > 0 ? r->weights[k] / wsum : 0;
    double *x = malloc((r->nrows ? r->nrows : 1) * sizeof *x), sum = 0, sq = 0, max = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        double v = 0;
        for (int k = 0; k < WG_NTERMS; k++)
            if (r->weights[k] > 0)
                v += r->weights[k] * term(&r->rows[i], k) / mean[k];
        r->rows[i].index = v;
        if (x)
            x[i] = v;
        sum += v;
        max = fmax(max, v);
    }
    double mu = r->nrows ? sum / (double)r->nrows : 0;
    for (size_t i = 0; i < r->nrows; i++)
        sq += (r->rows[i].index - mu) * (r->rows[i].index - mu);
    r->cv = mu > 0 ? sqrt(sq / (double)r->nrows) / mu : 0;
    r->max_over_mean = mu > 0 ? max / mu : 0;
    r->gini = x ? wg_gini(x, r->nrows) : NAN;
    free(x);
}

/* The cells' neighbours, found on demand: envelopes in a box index, then the length the two
 * boundaries share (cells are adjacent when they share a stretch of boundary, not just a
 * point). */
typedef struct adjacency {
    wg_ws *ws;
    int64_t plan;
    size_t n;
    const double *box; /* the cells' (cell_measures's) */
    wg_boxindex *ix;
    unsigned char **wkb; /* geometry of each cell that may have a neighbour, then */
    size_t *wkb_len;
    wg_geom **bound; /* its boundary (NULL: none, no neighbours) */
    size_t *hits;
    size_t nhits, caphits;
} adjacency;

static wg_status adj_open(wg_ws *ws, const cell_measures *m, int64_t plan, adjacency *A)
{
    memset(A, 0, sizeof *A);
    A->ws = ws, A->plan = plan, A->n = m->n;
    A->box = m->box;
    size_t n = m->n ? m->n : 1;
    if (!(A->bound = calloc(n, sizeof *A->bound)) || !(A->wkb = calloc(n, sizeof *A->wkb)) ||
        !(A->wkb_len = calloc(n, sizeof *A->wkb_len)))
        return wg_fail(wg_ws_ctx(ws), WG_ENOMEM, "out of memory");
    return wg_boxindex_build(wg_ws_ctx(ws), A->box, m->n, &A->ix);
}

static void adj_close(adjacency *A)
{
    wg_geoms_free(wg_ws_ctx(A->ws), A->bound, A->bound ? A->n : 0);
    for (size_t i = 0; A->wkb && i < A->n; i++)
        free(A->wkb[i]);
    free(A->wkb), free(A->wkb_len), free(A->hits);
    wg_boxindex_free(A->ix);
}

/* Cell i's geometry, read from the store unless it was already (an empty one: none). */
static wg_status adj_read(adjacency *A, const cell_measures *m, size_t i)
{
    if (A->wkb[i] || A->wkb_len[i])
        return WG_OK;
    wg_status st = wg_store_cell_geom(A->ws, A->plan, m->rows[i].id, &A->wkb[i], &A->wkb_len[i]);
    if (st == WG_OK && !A->wkb[i])
        A->wkb_len[i] = 1; /* read: it has none */
    return st;
}

typedef struct bound_job {
    adjacency *A;
    const cell_measures *m;
} bound_job;

/* The boundary of cell i, from the geometry read. */
static wg_status bound_one(wg_ctx *ctx, void *user, size_t i, int thread)
{
    (void)thread;
    bound_job *J = user;
    adjacency *A = J->A;
    if (!A->wkb[i])
        return WG_OK;
    wg_geom *g = NULL;
    wg_status st = wg_geom_from_wkb(ctx, A->wkb[i], A->wkb_len[i], &g);
    if (st == WG_OK)
        st = wg_geom_boundary(ctx, g, &A->bound[i]);
    wg_geom_free(ctx, g);
    if (st != WG_OK)
        wg_ctx_where(ctx, "cell %s: ", J->m->rows[i].id);
    return st;
}

static bool adj_hit(void *user, size_t i)
{
    adjacency *A = user;
    if (wg_grow(wg_ws_ctx(A->ws), (void **)&A->hits, &A->caphits, A->nhits + 1, sizeof *A->hits) ==
        WG_OK)
        A->hits[A->nhits++] = i;
    return true;
}

/* Whether cell b is next to cell a: asked of every candidate first, answered in parallel. */
typedef struct pair {
    size_t a, b;
    bool adjacent;
} pair;

typedef struct pairs_job {
    const adjacency *A;
    const cell_measures *m;
    pair *p;
} pairs_job;

static wg_status pair_one(wg_ctx *ctx, void *user, size_t k, int thread)
{
    (void)thread;
    pairs_job *J = user;
    pair *p = &J->p[k];
    const wg_geom *a = J->A->bound[p->a], *b = J->A->bound[p->b];
    wg_answer ans = a && b ? wg_geom_share_stretch(ctx, a, b) : WG_NO;
    if (ans == WG_FAILED) {
        wg_ctx_where(ctx, "cells %s and %s: ", J->m->rows[p->a].id, J->m->rows[p->b].id);
        return wg_ctx_status(ctx);
    }
    p->adjacent = ans == WG_YES;
    return WG_OK;
}

/* Appends to *p the cells that may be next to cell i in its community (their boxes meet), in
 * the box index's order, and reads the geometries of both. */
static wg_status candidates(adjacency *A, const cell_measures *m, size_t i, pair **p, size_t *n,
                            size_t *cap)
{
    const double *b = &A->box[4 * i];
    A->nhits = 0;
    wg_boxindex_query(A->ix, b[0], b[1], b[2], b[3], adj_hit, A);
    wg_status st = WG_OK;
    for (size_t k = 0; k < A->nhits && st == WG_OK; k++) {
        size_t j = A->hits[k];
        if (j == i || strcmp(m->rows[j].community, m->rows[i].community) != 0)
            continue;
        if ((st = adj_read(A, m, i)) == WG_OK && (st = adj_read(A, m, j)) == WG_OK &&
            (st = wg_grow(wg_ws_ctx(A->ws), (void **)p, cap, *n + 1, sizeof **p)) == WG_OK)
            (*p)[(*n)++] = (pair){i, j, false};
    }
    return st;
}

/* The best merge partner of an underloaded row: the neighbour whose load with it comes nearest
 * to 1.00. For workers, the neighbours are the workers of the cells next to theirs. */
typedef struct merge {
    const wg_report *r;
    const size_t *off, *rows; /* the rows of cell c: rows[off[c] .. off[c+1]), ascending */
    size_t self;
    long best;
    double best_sum;
} merge;

static void consider(merge *M, size_t row)
{
    if (row == M->self)
        return;
    double sum = M->r->rows[M->self].index + M->r->rows[row].index;
    if (M->best < 0 || fabs(sum - 1) < fabs(M->best_sum - 1)) {
        M->best = (long)row;
        M->best_sum = sum;
    }
}

static void merge_visit(merge *M, size_t ci)
{
    for (size_t k = M->off[ci]; k < M->off[ci + 1]; k++)
        consider(M, M->rows[k]);
}

/* The rows each cell feeds, as off/rows (see merge), from the members (ordered by row). */
static wg_status rows_of_cells(wg_ctx *ctx, const groups *g, size_t ncells, size_t **off,
                               size_t **rows)
{
    *off = calloc(ncells + 2, sizeof **off);
    *rows = malloc((g->n ? g->n : 1) * sizeof **rows);
    if (!*off || !*rows)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; k < g->n; k++)
        (*off)[g->m[k].cell + 2]++;
    for (size_t c = 0; c < ncells; c++)
        (*off)[c + 2] += (*off)[c + 1];
    for (size_t k = 0; k < g->n; k++) /* rows ascending within a cell, as the members are */
        (*rows)[(*off)[g->m[k].cell + 1]++] = g->m[k].row;
    return WG_OK;
}

/* Each underloaded row's merge suggestion: the neighbouring cells of all of them are found
 * first (their boundaries compared on every core), then each row takes its best partner. */
static wg_status suggest_merges(wg_ws *ws, wg_report *r, const cell_measures *m, const groups *g)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    adjacency A;
    size_t *off = NULL, *rows = NULL, *first = NULL, np = 0, cap = 0;
    pair *p = NULL;
    wg_status st = adj_open(ws, m, r->plan, &A);
    if (st == WG_OK)
        st = rows_of_cells(ctx, g, m->n, &off, &rows);
    if (st == WG_OK && !(first = calloc(r->nrows + 1, sizeof *first)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    /* row i's candidate pairs are p[first[i] .. first[i+1]) */
    for (size_t i = 0; i < r->nrows && st == WG_OK; i++) {
        first[i] = np;
        if (r->rows[i].flag < 0)
            for (size_t q = g->roff[i]; q < g->roff[i + 1] && st == WG_OK; q++)
                st = candidates(&A, m, g->m[q].cell, &p, &np, &cap);
    }
    if (st == WG_OK) {
        first[r->nrows] = np;
        bound_job B = {&A, m};
        st = wg_parallel(ctx, m->n, 2, NULL, bound_one, &B);
    }
    if (st == WG_OK) {
        pairs_job J = {&A, m, p};
        st = wg_parallel(ctx, np, 2, NULL, pair_one, &J);
    }
    for (size_t i = 0; i < r->nrows && st == WG_OK; i++) {
        wg_report_row *row = &r->rows[i];
        if (row->flag >= 0)
            continue;
        merge M = {.r = r, .off = off, .rows = rows, .self = i, .best = -1};
        for (size_t k = first[i]; k < first[i + 1]; k++)
            if (p[k].adjacent)
                merge_visit(&M, p[k].b);
        if (M.best >= 0)
            snprintf(row->suggestion, sizeof row->suggestion, "merge with %s %s (together %.2f)",
                     r->by == WG_BY_CELL ? "cell" : "worker", r->rows[M.best].id, M.best_sum);
        else
            snprintf(row->suggestion, sizeof row->suggestion,
                     "no neighbouring cell in its community to merge with");
    }
    adj_close(&A);
    free(off), free(rows), free(first), free(p);
    return st;
}

static wg_status flag_rows(wg_ws *ws, wg_report *r, const cell_measures *m, const groups *g)
{
    bool merges = false;
    for (size_t i = 0; i < r->nrows; i++) {
        wg_report_row *row = &r->rows[i];
        row->flag = row->index > r->over ? 1 : row->index < r->under ? -1 : 0;
        r->overloaded += row->flag > 0;
        r->underloaded += row->flag < 0;
        if (row->flag > 0) {
            int k = (int)fmax(2, round(row->index));
            if (r->by == WG_BY_WORKER && row->ncells > 1) {
                /* the heaviest of its cells goes to another worker */
                size_t best = g->roff[i];
                for (size_t q = g->roff[i] + 1; q < g->roff[i + 1]; q++)
                    if (m->rows[g->m[q].cell].hours > m->rows[g->m[best].cell].hours)
                        best = q;
                snprintf(row->suggestion, sizeof row->suggestion,
                         "hand cell %s to a neighbouring worker", m->rows[g->m[best].cell].id);
            } else if (r->by == WG_BY_COMMUNITY) {
                snprintf(row->suggestion, sizeof row->suggestion,
                         "add %d grid worker(s) or redraw its cells (wangge partition --weight "
                         "workload)",
                         k - 1);
            } else {
                size_t q = g->roff[i];
                snprintf(row->suggestion, sizeof row->suggestion, "split cell %s in %d",
                         q < g->roff[i + 1] ? m->rows[g->m[q].cell].id : row->id, k);
            }
        } else if (row->flag < 0 && r->by != WG_BY_COMMUNITY) {
            merges = true; /* below, once the neighbours of them all are known */
        } else if (row->flag < 0) {
            snprintf(row->suggestion, sizeof row->suggestion,
                     "fewer grid workers, or larger cells");
        }
    }
    return merges ? suggest_merges(ws, r, m, g) : WG_OK;
}

static int cmp_row_id(const void *a, const void *b)
{
    return strcmp(((const wg_report_row *)a)->id, ((const wg_report_row *)b)->id);
}

/* ---- the report
 * ------------------------------------------------------------------------------------- */

/* The active plan, with its assignment brought up to date (or a message saying what to run). */
static wg_status active_plan(wg_ws *ws, wg_report *r)
{
    wg_plan_rec p;
    bool found = false;
    wg_status st = wg_store_plan_get(ws, 0, &p, &found);
    if (st == WG_OK && !found)
        st = wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                     "no active plan: make one with 'wangge partition -w %s' (or activate one)",
                     wg_ws_path(ws));
    if (st != WG_OK)
        return st;
    r->plan = p.id;
    snprintf(r->plan_name, sizeof r->plan_name, "%s", p.name);
    if ((st = wg_store_weight_name(ws, &r->weight)) != WG_OK)
        return st;
    bool did = false;
    wg_assign_result ar;
    st = wg_assign_refresh(ws, p.id, &did, &ar);
    if (st == WG_OK && did) {
        r->refreshed = true;
        r->relocated = ar.located;
    }
    return st;
}

wg_status wg_report_make(wg_ws *ws, const wg_report_opts *o, wg_report *r)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    double t0 = wg_now();
    memset(r, 0, sizeof *r);
    r->by = o->by;
    r->from = o->from;
    r->to = o->to;
    r->over = o->over > 0 ? o->over : 1.25;
    r->under = o->under > 0 ? o->under : 0.6;
    if (o->from >= o->to)
        return wg_fail(ctx, WG_EINPUT, "the period is empty: --from must come before --to");
    if (r->under >= r->over)
        return wg_fail(ctx, WG_EINPUT,
                       "the underload threshold %.2f is not below the overload "
                       "threshold %.2f",
                       r->under, r->over);
    wg_categories cats = {.star = -1};
    double w[WG_NTERMS];
    cell_measures m = {0};
    groups g = {0};
    int *nworkers = NULL;
    /* the tables given for this report, else the workspace's */
    wg_status st = o->categories_file ? wg_categories_load(ctx, o->categories_file, &cats) : WG_OK;
    if (st == WG_OK && o->weights_file)
        st = wg_weights_load(ctx, o->weights_file, w);
    if (st == WG_OK)
        st = active_plan(ws, r);
    /* everything else from one snapshot of the workspace */
    bool reading = st == WG_OK && wg_store_read_begin(ws) == WG_OK;
    if (st == WG_OK && !reading)
        st = wg_ctx_status(ctx);
    if (st == WG_OK && !o->categories_file)
        st = wg_store_categories(ws, &cats);
    if (st == WG_OK && !o->weights_file)
        st = wg_store_weights(ws, w);
    if (st == WG_OK)
        st = wg_store_units_households(ws, &r->unit_households);
    if (st == WG_OK)
        st = measure_cells(ws, o, &cats, r, &m);
    if (st == WG_OK && !(nworkers = calloc(m.n + 1, sizeof *nworkers)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    /* the postings first: cells need their worker counts, and a bad posting fails every report */
    groups wg = {0};
    wg_report tmp = {.plan = r->plan, .ncategories = r->ncategories};
    snprintf(tmp.plan_name, sizeof tmp.plan_name, "%s", r->plan_name);
    if (st == WG_OK)
        st = worker_groups(ws, r->by == WG_BY_WORKER ? r : &tmp, &m,
                           r->by == WG_BY_WORKER ? &g : &wg, nworkers);
    size_t nposts = r->by == WG_BY_WORKER ? r->nrows : tmp.nrows;
    if (r->by != WG_BY_WORKER) {
        r->postings = tmp.postings;
        memcpy(r->unposted, tmp.unposted, sizeof r->unposted);
        r->nunposted = tmp.nunposted;
    }
    if (st == WG_OK && r->by == WG_BY_CELL)
        st = cell_groups(ctx, r, &m, &g, nworkers);
    else if (st == WG_OK && r->by == WG_BY_COMMUNITY)
        st = community_groups(ws, r, &m, &g, nworkers);
    /* a cell names its workers */
    for (size_t k = 0; st == WG_OK && r->by == WG_BY_CELL && tmp.postings && k < wg.n; k++)
        list_add(r->rows[wg.m[k].cell].cells, sizeof r->rows[wg.m[k].cell].cells,
                 tmp.rows[wg.m[k].row].id);
    for (size_t i = 0; i < tmp.nrows; i++)
        free(tmp.rows[i].by_category);
    free(tmp.rows);
    free(wg.m);
    if (st == WG_OK)
        st = groups_index(ctx, &g, r->nrows);
    if (st == WG_OK)
        st = gather(ctx, r, &m, &g);
    if (st == WG_OK) {
        index_rows(r, w);
        st = flag_rows(ws, r, &m, &g);
    }
    if (st == WG_OK) /* the members are done with: rows in id order */
        qsort(r->rows, r->nrows, sizeof *r->rows, cmp_row_id);
    r->total.nworkers = (int)nposts;
    if (st == WG_OK)
        st = wg_store_patrol_method(ws, r->patrol_method);
    if (st == WG_OK && !r->patrol_method[0])
        snprintf(r->patrol_method, sizeof r->patrol_method, "%s", "tour");
    if (reading)
        wg_store_read_end(ws);
    free(nworkers);
    free(g.m);
    free(g.roff);
    cell_measures_free(&m);
    wg_categories_free(&cats);
    if (st != WG_OK) {
        wg_report_free(r);
        return st;
    }
    r->seconds = wg_now() - t0;
    return WG_OK;
}

void wg_report_free(wg_report *r)
{
    for (size_t i = 0; i < r->nrows; i++)
        free(r->rows[i].by_category);
    free(r->rows);
    free(r->total.by_category);
    free(r->category);
    free(r->category_hours);
    memset(r, 0, sizeof *r);
}
