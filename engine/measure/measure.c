/* engine/measure/measure.c: the measures of every cell over a period (see wg/report.h for their
 * definitions): one pass over the incidents (the store's arrays, with their assignment), the
 * visits, the stored coverage and patrol lengths. */
#include "report_int.h"
#include "wg/parallel.h"
#include "wg/strmap.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- row arithmetic -------------------------------------------------------------------------- */

void row_add(wg_report_row *d, const wg_report_row *s, double f, size_t ncat)
{
    d->households += f * s->households;
    d->units += f * s->units;
    d->area_m2 += f * s->area_m2;
    d->incidents += f * s->incidents;
    for (int k = 0; k < WG_NSRC; k++)
        d->by_source[k] += f * s->by_source[k];
    for (size_t k = 0; k < ncat; k++)
        d->by_category[k] += f * s->by_category[k];
    d->hours += f * s->hours;
    d->open += f * s->open;
    d->overdue += f * s->overdue;
    d->due += f * s->due;
    d->closed_due += f * s->closed_due;
    d->on_time += f * s->on_time;
    d->visits += f * s->visits;
    d->households_visited += f * s->households_visited;
    d->cameras += f * s->cameras;
    d->open_m2 += f * s->open_m2;
    d->seen_m2 += f * s->seen_m2;
    d->households_seen += f * s->households_seen;
    d->patrol_m += f * s->patrol_m;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

void row_rates(wg_report_row *r, bool visits)
{
    r->closing_rate = ratio(r->closed_due, r->due);
    r->on_time_rate = ratio(r->on_time, r->due);
    r->patrol_coverage = visits ? ratio(r->households_visited, r->households) : NAN;
    r->seen_share = ratio(r->seen_m2, r->open_m2);
    r->households_seen_share = ratio(r->households_seen, r->households);
}

static inline void swap_d(double *x, ptrdiff_t i, ptrdiff_t j)
{
    double t = x[i];
    x[i] = x[j];
    x[j] = t;
}

/* Floyd and Rivest's SELECT (CACM 18(3), 1975, algorithm 489) over x[left..right]: on a large
 * range it first selects within a sample around where k should fall, so that one partition
 * pass leaves little on k's side (about 1.5 n comparisons for a median, quickselect's 3 n). */
static void fr_select(double *x, ptrdiff_t left, ptrdiff_t right, ptrdiff_t k)
{
    while (right > left) {
        if (right - left > 600) {
            double n = (double)(right - left + 1), i = (double)(k - left + 1), z = log(n);
            double s = 0.5 * exp(2 * z / 3);
            double sd = 0.5 * sqrt(z * s * (n - s) / n) * (i - n / 2 < 0 ? -1 : 1);
            ptrdiff_t nl = (ptrdiff_t)((double)k - i * s / n + sd);
            ptrdiff_t nr = (ptrdiff_t)((double)k + (n - i) * s / n + sd);
            fr_select(x, nl > left ? nl : left, nr < right ? nr : right, k);
        }
        double t = x[k];
        ptrdiff_t i = left, j = right;
        swap_d(x, left, k);
        if (x[right] > t)
            swap_d(x, right, left);
        while (i < j) {
            swap_d(x, i, j);
            i++, j--;
            while (x[i] < t)
                i++;
            while (x[j] > t)
                j--;
        }
        if (x[left] == t) {
            swap_d(x, left, j);
        } else {
            j++;
            swap_d(x, j, right);
        }
        if (j <= k)
            left = j + 1;
        if (k <= j)
            right = j - 1;
    }
}

/* The k-th smallest of x[0..n) (reordered in place, everything before it no larger and
 * everything after no smaller). */
static double select_kth(double *x, size_t n, size_t k)
{
    fr_select(x, 0, (ptrdiff_t)n - 1, (ptrdiff_t)k);
    return x[k];
}

/* The value at fraction p of x[0..n) whose (floor) order statistic x[lo] was just selected:
 * between it and the next one, which is the smallest above it. */
static double interpolate(const double *x, size_t n, size_t lo, double h)
{
    if (lo + 1 >= n)
        return x[lo];
    double b = x[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        if (x[i] < b)
            b = x[i];
    return x[lo] + (h - (double)lo) * (b - x[lo]);
}

void quantiles2(double *x, size_t n, double p, double q, double *vp, double *vq)
{
    if (n == 0) {
        *vp = *vq = NAN;
        return;
    }
    double hp = p * (double)(n - 1), hq = q * (double)(n - 1);
    size_t lp = (size_t)floor(hp), lq = (size_t)floor(hq);
    select_kth(x, n, lp);
    *vp = interpolate(x, n, lp, hp);
    /* everything above lp is >= x[lp]: q's order statistic is among them */
    if (lq > lp)
        select_kth(x + lp + 1, n - lp - 1, lq - lp - 1);
    *vq = interpolate(x, n, lq, hq);
}

/* ---- a string -> index table (open addressing; the strings are the caller's) ---- */

/* ---- the incidents ------------------------------------------------------------------------------
 */

#define NO_TIME WG_NO_TIME
#define MAX_CATS 4096

/* The incidents as the store gives them (arrays in fid order), with what the report makes of
 * their codes: the report's category of each category code, the source kind of each source
 * code. */
typedef struct scan {
    wg_ctx *ctx;
    char (*cat)[64]; /* categories met: the table's (without "*") first */
    size_t ncat, capcat;
    wg_incidents a;
    int32_t *cat_of; /* per category code (and one more for none): the report's category */
    uint8_t *src_of; /* per source code: WG_SRC_* */
    int64_t max_time;
} scan;

/* The report's index of category `text`, added when new. */
static int32_t cat_index(scan *S, const char *text, wg_status *st)
{
    char key[64];
    snprintf(key, sizeof key, "%s", text ? text : ""); /* compared on their first 63 bytes */
    for (size_t i = 0; i < S->ncat; i++)
        if (strcmp(S->cat[i], key) == 0)
            return (int32_t)i;
    if (S->ncat >= MAX_CATS) {
        *st = wg_fail(S->ctx, WG_EINPUT, "more than %d incident categories", MAX_CATS);
        return -1;
    }
    if ((*st = wg_grow(S->ctx, (void **)&S->cat, &S->capcat, S->ncat + 1, sizeof *S->cat)) != WG_OK)
        return -1;
    memcpy(S->cat[S->ncat], key, sizeof key);
    return (int32_t)S->ncat++;
}

static uint8_t source_kind(const char *src)
{
    for (int k = 0; src && k < WG_SRC_OTHER; k++)
        if (strcmp(src, wg_source_name(k)) == 0)
            return (uint8_t)k;
    return WG_SRC_OTHER;
}

/* The category code of incident i, as an index into cat_of (the last: none). */
static size_t code_of(const scan *S, size_t i)
{
    return S->a.category[i] == WG_NO_CODE ? S->a.ncat : S->a.category[i];
}

/* Every incident with its stored cell. WG_EINPUT when one has not been assigned since it was
 * imported. Categories are numbered as they are first met in fid order. */
static wg_status read_incidents(wg_ws *ws, scan *S)
{
    wg_incidents *a = &S->a;
    wg_status st =
        wg_store_incidents_read(ws,
                                WG_IC_REPORTED | WG_IC_CLOSED | WG_IC_DUE | WG_IC_CATEGORY |
                                    WG_IC_SOURCE | WG_IC_CELL | WG_IC_FLAGS,
                                NULL, a);
    if (st != WG_OK)
        return st;
    S->max_time = NO_TIME;
    if (!(S->cat_of = malloc((a->ncat + 1) * sizeof *S->cat_of)) ||
        !(S->src_of = malloc(a->nsrc + 1)))
        return wg_fail(S->ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; k <= a->ncat; k++)
        S->cat_of[k] = -1;
    for (size_t k = 0; k < a->nsrc; k++)
        S->src_of[k] = source_kind(a->src_code[k]);
    for (size_t i = 0; st == WG_OK && i < a->n; i++) {
        if (a->flags[i] & WG_AF_PENDING)
            return wg_fail(S->ctx, WG_EINPUT,
                           "incidents were imported after the last assignment: run 'wangge "
                           "assign -w %s' first",
                           wg_ws_path(ws));
        size_t k = code_of(S, i);
        if (S->cat_of[k] < 0)
            S->cat_of[k] = cat_index(S, k < a->ncat ? a->cat_code[k] : NULL, &st);
        if (a->reported[i] != NO_TIME && a->reported[i] > S->max_time)
            S->max_time = a->reported[i];
        if (a->closed[i] != NO_TIME && a->closed[i] > S->max_time)
            S->max_time = a->closed[i];
    }
    return st;
}

static void scan_free(scan *S)
{
    wg_incidents_free(&S->a);
    free(S->cat_of), free(S->src_of);
}

/* ---- the cells
 * ----------------------------------------------------------------------------------- */

typedef struct cells_acc {
    wg_ws *ws;
    cell_measures *m;
    size_t cap, boxcap;
} cells_acc;

static wg_status add_cell(void *user, const wg_cell_rec *c)
{
    cells_acc *a = user;
    cell_measures *m = a->m;
    wg_status st = wg_grow(wg_ws_ctx(a->ws), (void **)&m->rows, &a->cap, m->n + 1, sizeof *m->rows);
    if (st == WG_OK)
        st =
            wg_grow(wg_ws_ctx(a->ws), (void **)&m->box, &a->boxcap, 4 * (m->n + 1), sizeof *m->box);
    if (st != WG_OK)
        return st;
    memcpy(&m->box[4 * m->n], c->box, sizeof c->box);
    wg_report_row *r = &m->rows[m->n];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", c->code);
    snprintf(r->community, sizeof r->community, "%s", c->community);
    r->households = (double)c->households;
    r->units = (double)c->units;
    r->area_m2 = c->area_m2;
    r->cameras = c->has_coverage ? c->cameras : 0;
    r->open_m2 = c->has_coverage ? c->open_m2 : 0;
    r->seen_m2 = c->has_coverage ? c->seen_m2 : 0;
    r->households_seen = c->has_coverage ? c->households_seen : 0;
    r->patrol_m = c->has_patrol ? c->patrol_m : 0;
    r->ncells = 1;
    m->n++;
    if (!c->has_patrol)
        return wg_fail(wg_ws_ctx(a->ws), WG_EINPUT,
                       "cell %s has no stored coverage or patrol length: run 'wangge assign -w "
                       "%s'",
                       r->id, wg_ws_path(a->ws));
    return WG_OK;
}

static wg_status read_cells(wg_ws *ws, int64_t plan, cell_measures *m)
{
    cells_acc a = {.ws = ws, .m = m};
    wg_status st = wg_store_cells_each(ws, plan, WG_CELLS_COVERAGE, 0, add_cell, &a);
    if (st == WG_OK && m->n == 0)
        st = wg_fail(wg_ws_ctx(ws), WG_EINPUT, "the active plan has no cells");
    return st;
}

typedef struct visits_acc {
    cell_measures *m;
    const wg_strmap *cell_of;
} visits_acc;

static wg_status add_visits(void *user, const char *cell, double visits, double households)
{
    visits_acc *a = user;
    int32_t c = wg_strmap_get(a->cell_of, cell);
    if (c < 0)
        return WG_OK;
    wg_report_row *row = &a->m->rows[c];
    if (!isnan(visits))
        row->visits = visits;
    if (!isnan(households))
        row->households_visited = households;
    return WG_OK;
}

/* Visits in the period: count, and households of the distinct units visited, per cell. */
static wg_status read_visits(wg_ws *ws, int64_t plan, const wg_report_opts *o, cell_measures *m,
                             const wg_strmap *cell_of)
{
    visits_acc a = {m, cell_of};
    return wg_store_visits_by_cell(ws, plan, o->from, o->to, add_visits, &a);
}

/* ---- the pass
 * --------------------------------------------------------------------------------------- */

bool category_wanted(const char *const *list, size_t n, const char *cat)
{
    if (!list)
        return true;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], cat) == 0)
            return true;
    return false;
}

/* Reported in [from, to); with no bounds at all, also an incident without a reported time. */
static bool in_period(const wg_report_opts *o, int64_t reported)
{
    if (o->from == INT64_MIN && o->to == INT64_MAX)
        return true;
    return reported != NO_TIME && reported >= o->from && reported < o->to;
}

/* One cell's sums, compact and in one place: ten million incidents fall into thirty thousand
 * of these at random, so each should touch as few cache lines as it can. The counts are 32-bit,
 * the category counts follow them (a cell's record is `stride` bytes); the handling hours are
 * summed in the incidents' order, as the rows' were. */
enum {
    A_INC,
    A_SRC,
    A_OPEN = A_SRC + WG_NSRC,
    A_OVERDUE,
    A_DUE,
    A_CLOSED_DUE,
    A_ON_TIME,
    A_NCLOSE, /* closed, with a reported time: its time to close is kept */
    A_CAT     /* then one count per report category */
};
typedef struct acc {
    double hours;
    uint32_t n[];
} acc;

/* The reconciliation's counts of the incidents in the period. */
typedef struct period_counts {
    int64_t all, assigned, unassigned, outside, gap, no_location;
} period_counts;

/* The tally runs on every core, each thread over its own stretch of the incidents with sums of
 * its own; then each writes its cells' times to close into its own places of close_h (cell by
 * cell, thread 0's first), so the order is that of a single pass. */
#define TPARTS 2
typedef struct tally_job {
    const wg_report_opts *o;
    const scan *S;
    cell_measures *m;
    int64_t end;
    size_t nc;                  /* report categories */
    const double *hours, *dl;   /* per report category: handling hours, deadline (s) */
    const bool *want;           /* per report category: asked for */
    size_t stride;              /* bytes of a cell's acc */
    unsigned char *sum[TPARTS]; /* per part: per cell, an acc */
    size_t *ncl[TPARTS];        /* per part: each cell's next slot in close_h */
    period_counts pc[TPARTS];
    int phase; /* 0: sums and counts; 1: times to close */
} tally_job;

static wg_status tally_part(wg_ctx *ctx, void *user, size_t part, int thread)
{
    (void)thread;
    tally_job *J = user;
    const scan *S = J->S;
    const wg_incidents *a = &S->a;
    const wg_report_opts *o = J->o;
    size_t ncells = J->m->n;
    size_t from = a->n * part / TPARTS, to = a->n * (part + 1) / TPARTS;
    int64_t end = J->end;
    unsigned char *sum = J->sum[part];
    size_t stride = J->stride;
    double *close_h = J->m->close_h;
    size_t *ncl = J->ncl[part];
    period_counts *pc = &J->pc[part];
    for (size_t i = from; i < to; i++) {
        if ((i & 0xffff) == 0 && wg_ctx_cancelled(ctx))
            return wg_fail(ctx, WG_EINTR, "interrupted");
        int32_t k = S->cat_of[code_of(S, i)];
        if (!J->want[k])
            continue;
        int64_t rep = a->reported[i], clo = a->closed[i];
        bool in = in_period(o, rep);
        bool closed = clo != NO_TIME && clo < end;
        int32_t c = a->cell[i] >= 0 && (size_t)a->cell[i] < ncells ? a->cell[i] : -1;
        if (J->phase == 1) { /* where the sums found them: the times to close */
            if (c >= 0 && in && closed && rep != NO_TIME)
                close_h[ncl[c]++] = (double)(clo - rep) / 3600.0;
            continue;
        }
        int64_t due = a->due[i] != NO_TIME                 ? a->due[i]
                      : rep != NO_TIME && !isnan(J->dl[k]) ? rep + (int64_t)J->dl[k]
                                                           : NO_TIME;
        if (in) {
            pc->all++;
            if (c < 0) {
                uint8_t why = a->flags[i] & WG_AF_REASON;
                pc->unassigned++;
                pc->outside += why == WG_AF_OUTSIDE;
                pc->gap += why == WG_AF_GAP;
                pc->no_location += why == WG_AF_NO_LOCATION;
            } else {
                pc->assigned++;
            }
        }
        if (c < 0)
            continue;
        acc *e = (acc *)(sum + (size_t)c * stride);
        if (in) {
            e->n[A_INC]++;
            e->n[A_SRC + (a->source[i] == WG_NO_CODE ? WG_SRC_OTHER : S->src_of[a->source[i]])]++;
            e->n[A_CAT + k]++;
            e->hours += J->hours[k];
            e->n[A_OPEN] += !closed;
            e->n[A_OVERDUE] += !closed && due != NO_TIME && due < end;
            e->n[A_NCLOSE] += closed && rep != NO_TIME;
        }
        if (due != NO_TIME && due >= o->from && due < end) {
            e->n[A_DUE]++;
            e->n[A_CLOSED_DUE] += closed;
            e->n[A_ON_TIME] += closed && clo <= due;
        }
    }
    return WG_OK;
}

static wg_status tally(wg_ctx *ctx, const wg_report_opts *o, const wg_categories *cats, scan *S,
                       wg_report *r, cell_measures *m)
{
    bool bounded = o->to != INT64_MAX;
    size_t nc = S->ncat, n = m->n;
    tally_job J = {.o = o, .S = S, .m = m, .nc = nc};
    J.end = bounded ? o->to : (S->max_time == NO_TIME ? 0 : S->max_time + 1);
    r->as_of = bounded ? o->to : J.end - 1;
    /* per category: handling hours and deadline, from the table or its "*" row */
    double *hours = r->category_hours = calloc(nc + 1, sizeof *hours);
    double *dl = calloc(nc + 1, sizeof *dl);
    bool *want = calloc(nc + 1, sizeof *want);
    J.hours = hours, J.dl = dl, J.want = want;
    bool ok = hours && dl && want && (m->coff = calloc(n + 1, sizeof *m->coff));
    J.stride = (sizeof(acc) + (A_CAT + nc) * sizeof(uint32_t) + 7) / 8 * 8;
    for (int p = 0; p < TPARTS && ok; p++)
        ok = (J.sum[p] = calloc(n + 1, J.stride)) && (J.ncl[p] = calloc(n + 1, sizeof *J.ncl[p]));
    wg_status st = ok ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t c = 0; st == WG_OK && c < nc; c++) {
        long t = wg_categories_find(cats, S->cat[c]);
        hours[c] = t >= 0 ? cats->hours[t] : 0;
        dl[c] = t >= 0 ? cats->deadline_s[t] : NAN;
        want[c] = category_wanted(o->categories, o->ncategories, S->cat[c]);
    }
    if (st == WG_OK)
        st = wg_parallel(ctx, TPARTS, TPARTS, NULL, tally_part, &J);
    /* each cell's times to close: thread 0's, then thread 1's, ... */
    size_t total = 0;
    for (size_t c = 0; st == WG_OK && c < n; c++) {
        m->coff[c] = total;
        for (int p = 0; p < TPARTS; p++) {
            J.ncl[p][c] = total; /* the part's first slot for the cell */
            total += ((const acc *)(J.sum[p] + c * J.stride))->n[A_NCLOSE];
        }
    }
    if (st == WG_OK) {
        m->coff[n] = total;
        if (!(m->close_h = wg_alloc_array(total * sizeof *m->close_h)))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    J.phase = 1;
    if (st == WG_OK)
        st = wg_parallel(ctx, TPARTS, TPARTS, NULL, tally_part, &J);
    for (int p = 0; p < TPARTS && st == WG_OK; p++) {
        r->period_incidents += J.pc[p].all;
        r->assigned += J.pc[p].assigned;
        r->unassigned += J.pc[p].unassigned;
        r->outside += J.pc[p].outside;
        r->gap += J.pc[p].gap;
        r->no_location += J.pc[p].no_location;
        for (size_t c = 0; c < n; c++) {
            wg_report_row *row = &m->rows[c];
            const acc *e = (const acc *)(J.sum[p] + c * J.stride);
            row->incidents += e->n[A_INC];
            for (int s = 0; s < WG_NSRC; s++)
                row->by_source[s] += e->n[A_SRC + s];
            for (size_t k = 0; k < nc; k++)
                row->by_category[k] += e->n[A_CAT + k];
            row->hours += e->hours;
            row->open += e->n[A_OPEN];
            row->overdue += e->n[A_OVERDUE];
            row->due += e->n[A_DUE];
            row->closed_due += e->n[A_CLOSED_DUE];
            row->on_time += e->n[A_ON_TIME];
        }
    }
    for (int p = 0; p < TPARTS; p++)
        free(J.sum[p]), free(J.ncl[p]);
    free(dl), free(want);
    return st;
}

wg_status measure_cells(wg_ws *ws, const wg_report_opts *o, const wg_categories *cats, wg_report *r,
                        cell_measures *m)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    memset(m, 0, sizeof *m);
    scan S = {.ctx = ctx};
    wg_strmap cell_of = {0};
    wg_status st = read_cells(ws, r->plan, m);
    /* the table's categories first, in its order, so reports keep one column order */
    for (size_t i = 0; st == WG_OK && i < cats->n; i++)
        if ((long)i != cats->star)
            cat_index(&S, cats->code[i], &st);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        st = wg_strmap_set(ctx, &cell_of, m->rows[c].id, (int32_t)c);
    if (st == WG_OK)
        st = read_incidents(ws, &S);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        if (!(m->rows[c].by_category = calloc(S.ncat ? S.ncat : 1, sizeof(double))))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = tally(ctx, o, cats, &S, r, m);
    if (st == WG_OK)
        st = read_visits(ws, r->plan, o, m, &cell_of);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        row_rates(&m->rows[c], true);
    if (st == WG_OK)
        st = wg_store_has_visits(ws, &r->visits);
    r->category = S.cat;
    r->ncategories = S.ncat;
    scan_free(&S);
    wg_strmap_free(&cell_of);
    return st;
}

void cell_measures_free(cell_measures *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->rows[i].by_category);
    free(m->rows), free(m->close_h), free(m->coff), free(m->box);
    memset(m, 0, sizeof *m);
}
