/* engine/measure/measure.c: the measures of every cell over a period (see wg/report.h for their
 * definitions): two passes over the incidents (the store's arrays, with their assignment, read
 * a chunk at a time in two shares at once: ten million incidents are never held whole), the
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
#define SHARES 2 /* the incidents are summed in two shares at once, the same on any machine */

/* The report's categories, and what it makes of the store's codes: per category code (and one
 * more, ncodes, for none) whether it is asked for, its handling hours and deadline, and the
 * report's category; per source code its source kind. */
typedef struct scan {
    wg_ctx *ctx;
    char (*cat)[64]; /* categories met: the table's (without "*") first */
    size_t ncat, capcat;
    wg_incidents codes; /* the store's codes alone */
    size_t ncodes;
    bool *want;
    double *hours, *dl; /* handling hours, deadline (s; NaN: none) */
    int32_t *cat_of;
    uint8_t *src_of;
} scan;

/* Category text as the report compares it: its first 63 bytes ("" for none). */
static void cat_key(const char *text, char key[64])
{
    snprintf(key, 64, "%s", text ? text : "");
}

/* The report's index of category `text`, added when new. */
static int32_t cat_index(scan *S, const char *text, wg_status *st)
{
    char key[64];
    cat_key(text, key);
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

/* The store's codes and what each means for this report. */
static wg_status scan_open(wg_ws *ws, const wg_report_opts *o, const wg_categories *cats, scan *S)
{
    wg_status st = wg_store_incident_codes(ws, &S->codes);
    if (st != WG_OK)
        return st;
    size_t nq = S->ncodes = S->codes.ncat;
    if (!(S->want = calloc(nq + 1, sizeof *S->want)) ||
        !(S->hours = calloc(nq + 1, sizeof *S->hours)) ||
        !(S->dl = calloc(nq + 1, sizeof *S->dl)) ||
        !(S->cat_of = calloc(nq + 1, sizeof *S->cat_of)) ||
        !(S->src_of = malloc(S->codes.nsrc + 1)))
        return wg_fail(S->ctx, WG_ENOMEM, "out of memory");
    for (size_t q = 0; q <= nq; q++) {
        char key[64];
        cat_key(q < nq ? S->codes.cat_code[q] : NULL, key);
        long t = wg_categories_find(cats, key);
        S->hours[q] = t >= 0 ? cats->hours[t] : 0;
        S->dl[q] = t >= 0 ? cats->deadline_s[t] : NAN;
        S->want[q] = category_wanted(o->categories, o->ncategories, key);
        S->cat_of[q] = -1;
    }
    for (size_t k = 0; k < S->codes.nsrc; k++)
        S->src_of[k] = source_kind(S->codes.src_code[k]);
    return WG_OK;
}

static void scan_free(scan *S)
{
    wg_incidents_free(&S->codes);
    free(S->want), free(S->hours), free(S->dl), free(S->cat_of), free(S->src_of);
}

/* The category code of incident i of a part (ncodes: none). */
static size_t code_of(const scan *S, const wg_incidents *a, size_t i)
{
    return a->category[i] == WG_NO_CODE || a->category[i] >= S->ncodes ? S->ncodes : a->category[i];
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
 * the counts per category code follow them (a cell's record is `stride` bytes); the handling
 * hours are summed in the incidents' order within a share. */
enum {
    A_INC,
    A_SRC,
    A_OPEN = A_SRC + WG_NSRC,
    A_NCLOSE, /* closed, with a reported time: its time to close is kept */
    A_CAT     /* then one count per category code, and one for none */
};
typedef struct acc {
    double hours;
    uint32_t n[];
} acc;

/* What the second pass counts of a cell, apart from the first's sums: 30,000 cells' of these
 * fit a core's own cache. */
typedef struct cell_due {
    size_t next; /* the next slot of the cell's times to close in close_h */
    uint32_t overdue, due, closed_due, on_time;
} cell_due;

/* The reconciliation's counts of the incidents in the period. */
typedef struct period_counts {
    int64_t all, assigned, unassigned, outside, gap, no_location;
} period_counts;

/* What one share of the incidents adds up to. */
typedef struct share_sums {
    unsigned char *sum; /* per cell, an acc */
    cell_due *due;      /* second pass: per cell */
    size_t *first;      /* per category code, the position it was first met at (SIZE_MAX: not) */
    int64_t max_time;
    period_counts pc;
} share_sums;

/* Two passes over the incidents, each in SHARES shares at once with sums of their own. The
 * first counts what does not depend on the period's end (with no --to, the latest time of any
 * incident), the closed incidents of each cell among them, and finds that time and the order
 * the categories are met in. The second, with the end known and each cell's places in close_h
 * laid out (cell by cell, share 0's first: the order of a single pass), writes the times to
 * close and counts what falls due. */
typedef struct tally_job {
    wg_ws *ws;
    const wg_report_opts *o;
    const scan *S;
    size_t ncells;
    int64_t end;   /* the period's end: o->to, or the latest time + 1 */
    size_t stride; /* bytes of a cell's acc */
    double *close_h;
    share_sums sh[SHARES];
} tally_job;

static int32_t cell_of(const tally_job *J, const wg_incidents *a, size_t i)
{
    return a->cell[i] >= 0 && (size_t)a->cell[i] < J->ncells ? a->cell[i] : -1;
}

/* Closed by the period's end (with no --to, every closed incident is: its time is counted in
 * the latest). */
static bool closed_by(const wg_report_opts *o, int64_t closed)
{
    return closed != NO_TIME && (o->to == INT64_MAX || closed < o->to);
}

static wg_status tally_sums(wg_ctx *ctx, void *user, const wg_incidents *a, size_t s)
{
    tally_job *J = user;
    const scan *S = J->S;
    const wg_report_opts *o = J->o;
    share_sums *P = &J->sh[s];
    /* the counts in locals while the loop runs: the shares' sit side by side */
    period_counts pc = P->pc;
    int64_t max_time = P->max_time;
    size_t *first = P->first;
    unsigned char *sum = P->sum;
    for (size_t i = 0, n = a->n; i < n; i++) {
        if (a->flags[i] & WG_AF_PENDING)
            return wg_fail(ctx, WG_EINPUT,
                           "incidents were imported after the last assignment: run 'wangge "
                           "assign -w %s' first",
                           wg_ws_path(J->ws));
        size_t q = code_of(S, a, i);
        if (first[q] == SIZE_MAX)
            first[q] = a->pos[i];
        int64_t rep = a->reported[i], clo = a->closed[i];
        if (rep != NO_TIME && rep > max_time)
            max_time = rep;
        if (clo != NO_TIME && clo > max_time)
            max_time = clo;
        if (!S->want[q])
            continue;
        bool in = in_period(o, rep), closed = closed_by(o, clo);
        int32_t c = cell_of(J, a, i);
        if (in) {
            pc.all++;
            if (c < 0) {
                uint8_t why = a->flags[i] & WG_AF_REASON;
                pc.unassigned++;
                pc.outside += why == WG_AF_OUTSIDE;
                pc.gap += why == WG_AF_GAP;
                pc.no_location += why == WG_AF_NO_LOCATION;
            } else {
                pc.assigned++;
            }
        }
        if (c < 0 || !in)
            continue;
        acc *e = (acc *)(sum + (size_t)c * J->stride);
        e->n[A_INC]++;
        e->n[A_SRC + (a->source[i] == WG_NO_CODE || a->source[i] >= S->codes.nsrc
                          ? WG_SRC_OTHER
                          : S->src_of[a->source[i]])]++;
        e->n[A_CAT + q]++;
        e->hours += S->hours[q];
        e->n[A_OPEN] += !closed;
        e->n[A_NCLOSE] += closed && rep != NO_TIME;
    }
    P->pc = pc;
    P->max_time = max_time;
    return WG_OK;
}

static wg_status tally_due(wg_ctx *ctx, void *user, const wg_incidents *a, size_t s)
{
    (void)ctx;
    tally_job *J = user;
    const scan *S = J->S;
    const wg_report_opts *o = J->o;
    share_sums *P = &J->sh[s];
    int64_t end = J->end;
    cell_due *cd = P->due;
    double *close_h = J->close_h;
    for (size_t i = 0, n = a->n; i < n; i++) {
        size_t q = code_of(S, a, i);
        int32_t c = cell_of(J, a, i);
        if (!S->want[q] || c < 0)
            continue;
        int64_t rep = a->reported[i], clo = a->closed[i];
        bool in = in_period(o, rep), closed = closed_by(o, clo);
        if (in && closed && rep != NO_TIME)
            close_h[cd[c].next++] = (double)(clo - rep) / 3600.0;
        int64_t due = a->due[i] != NO_TIME                 ? a->due[i]
                      : rep != NO_TIME && !isnan(S->dl[q]) ? rep + (int64_t)S->dl[q]
                                                           : NO_TIME;
        if (due == NO_TIME)
            continue;
        if (in)
            cd[c].overdue += !closed && due < end;
        if (due >= o->from && due < end) {
            cd[c].due++;
            cd[c].closed_due += closed;
            cd[c].on_time += closed && clo <= due;
        }
    }
    return WG_OK;
}

typedef struct met {
    size_t first, q;
} met;

static int cmp_met(const void *a, const void *b)
{
    const met *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* The report's categories numbered as they are first met in fid order (after the table's),
 * and each cell's count per category made room for. */
static wg_status number_categories(tally_job *J, scan *S, cell_measures *m)
{
    size_t nq = S->ncodes + 1, n = 0;
    met *v = malloc(nq * sizeof *v);
    if (!v)
        return wg_fail(S->ctx, WG_ENOMEM, "out of memory");
    for (size_t q = 0; q < nq; q++) {
        size_t first = SIZE_MAX;
        for (int s = 0; s < SHARES; s++)
            if (J->sh[s].first[q] < first)
                first = J->sh[s].first[q];
        if (first != SIZE_MAX)
            v[n++] = (met){first, q};
    }
    qsort(v, n, sizeof *v, cmp_met);
    wg_status st = WG_OK;
    for (size_t i = 0; st == WG_OK && i < n; i++)
        S->cat_of[v[i].q] =
            cat_index(S, v[i].q < S->ncodes ? S->codes.cat_code[v[i].q] : NULL, &st);
    free(v);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        if (!(m->rows[c].by_category = calloc(S->ncat ? S->ncat : 1, sizeof(double))))
            st = wg_fail(S->ctx, WG_ENOMEM, "out of memory");
    return st;
}

static wg_status tally(wg_ws *ws, const wg_report_opts *o, const wg_categories *cats, scan *S,
                       wg_report *r, cell_measures *m)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    size_t n = m->n, nq = S->ncodes + 1;
    tally_job J = {.ws = ws, .o = o, .S = S, .ncells = n};
    J.stride = (sizeof(acc) + (A_CAT + nq) * sizeof(uint32_t) + 7) / 8 * 8;
    bool ok = (m->coff = calloc(n + 1, sizeof *m->coff)) != NULL;
    for (int p = 0; p < SHARES && ok; p++) {
        share_sums *P = &J.sh[p];
        P->max_time = NO_TIME;
        ok = (P->sum = calloc(n + 1, J.stride)) && (P->due = calloc(n + 1, sizeof *P->due)) &&
             (P->first = malloc(nq * sizeof *P->first));
        for (size_t q = 0; ok && q < nq; q++)
            P->first[q] = SIZE_MAX;
    }
    wg_status st = ok ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_store_incidents_shares(ws,
                                       WG_IC_POS | WG_IC_REPORTED | WG_IC_CLOSED | WG_IC_CATEGORY |
                                           WG_IC_SOURCE | WG_IC_CELL | WG_IC_FLAGS,
                                       NULL, SHARES, tally_sums, &J);
    int64_t max_time = NO_TIME;
    for (int p = 0; p < SHARES; p++)
        if (J.sh[p].max_time > max_time)
            max_time = J.sh[p].max_time;
    bool bounded = o->to != INT64_MAX;
    J.end = bounded ? o->to : max_time == NO_TIME ? 0 : max_time + 1;
    r->as_of = bounded ? o->to : J.end - 1;
    if (st == WG_OK)
        st = number_categories(&J, S, m);
    /* each cell's times to close: share 0's, then share 1's, ... */
    size_t total = 0;
    for (size_t c = 0; st == WG_OK && c < n; c++) {
        m->coff[c] = total;
        for (int p = 0; p < SHARES; p++) {
            J.sh[p].due[c].next = total; /* the share's first slot for the cell */
            total += ((const acc *)(J.sh[p].sum + c * J.stride))->n[A_NCLOSE];
        }
    }
    if (st == WG_OK) {
        m->coff[n] = total;
        if (!(J.close_h = m->close_h = wg_alloc_array(total * sizeof *m->close_h)))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    if (st == WG_OK)
        st = wg_store_incidents_shares(
            ws, WG_IC_REPORTED | WG_IC_CLOSED | WG_IC_DUE | WG_IC_CATEGORY | WG_IC_CELL, NULL,
            SHARES, tally_due, &J);
    /* per report category: its handling hours, from the table or its "*" row */
    if (st == WG_OK && !(r->category_hours = calloc(S->ncat + 1, sizeof *r->category_hours)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; st == WG_OK && k < S->ncat; k++) {
        long t = wg_categories_find(cats, S->cat[k]);
        r->category_hours[k] = t >= 0 ? cats->hours[t] : 0;
    }
    for (int p = 0; p < SHARES && st == WG_OK; p++) {
        const period_counts *pc = &J.sh[p].pc;
        r->period_incidents += pc->all;
        r->assigned += pc->assigned;
        r->unassigned += pc->unassigned;
        r->outside += pc->outside;
        r->gap += pc->gap;
        r->no_location += pc->no_location;
        for (size_t c = 0; c < n; c++) {
            wg_report_row *row = &m->rows[c];
            const acc *e = (const acc *)(J.sh[p].sum + c * J.stride);
            row->incidents += e->n[A_INC];
            for (int s = 0; s < WG_NSRC; s++)
                row->by_source[s] += e->n[A_SRC + s];
            for (size_t q = 0; q < nq; q++)
                if (S->cat_of[q] >= 0)
                    row->by_category[S->cat_of[q]] += e->n[A_CAT + q];
            row->hours += e->hours;
            row->open += e->n[A_OPEN];
            const cell_due *d = &J.sh[p].due[c];
            row->overdue += d->overdue;
            row->due += d->due;
            row->closed_due += d->closed_due;
            row->on_time += d->on_time;
        }
    }
    for (int p = 0; p < SHARES; p++)
        free(J.sh[p].sum), free(J.sh[p].due), free(J.sh[p].first);
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
        st = scan_open(ws, o, cats, &S);
    if (st == WG_OK)
        st = tally(ws, o, cats, &S, r, m);
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
