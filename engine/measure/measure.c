/* engine/measure/measure.c: the measures of every cell over a period (see wg/report.h for their
 * definitions): the categories table, one pass over the incidents with their stored
 * assignment, the visits, the stored coverage and patrol lengths. */
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include WG_CATEGORIES_CSV
#include WG_WORKLOAD_CSV

/* ---- the small tables ----------------------------------------------------------------------- */

/* The text of `path`, or the built-in one when path is NULL. Caller frees. */
static wg_status slurp(wg_ctx *ctx, const char *path, const char *builtin, char **out)
{
    if (!path) {
        *out = strdup(builtin);
        return *out ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return wg_fail(ctx, WG_EINPUT, "%s: cannot open", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    wg_status st = WG_OK;
    for (;;) {
        if ((st = wg_grow(ctx, (void **)&buf, &cap, n + 4097, 1)) != WG_OK)
            break;
        size_t k = fread(buf + n, 1, 4096, f);
        n += k;
        if (k < 4096)
            break;
    }
    if (st == WG_OK && ferror(f))
        st = wg_fail(ctx, WG_EIO, "%s: read error", path);
    fclose(f);
    if (st != WG_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    return WG_OK;
}

/* Splits line (modified) at commas into at most max trimmed fields; returns their number. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        for (size_t k = strlen(p); k > 0 && strchr(" \t\r", p[k - 1]); k--)
            p[k - 1] = '\0';
        f[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

/* A number >= 0 in text, or an error naming where. Empty text gives NaN when empty_ok. */
static wg_status number(wg_ctx *ctx, const char *text, bool empty_ok, const char *where,
                        const char *what, double *v)
{
    char *end = NULL;
    if (!*text && empty_ok) {
        *v = NAN;
        return WG_OK;
    }
    *v = strtod(text, &end);
    if (!*text || *end || !isfinite(*v) || *v < 0)
        return wg_fail(ctx, WG_EINPUT, "%s: %s '%s' is not a number >= 0", where, what, text);
    return WG_OK;
}

wg_status cat_table_load(wg_ctx *ctx, const char *path, cat_table *t)
{
    memset(t, 0, sizeof *t);
    t->star = -1;
    const char *name = path ? path : "data/categories.csv (built in)";
    char *text = NULL;
    wg_status st = slurp(ctx, path, wg__categories_csv, &text);
    size_t cap[3] = {0}, lineno = 0;
    for (char *save = NULL, *line = st == WG_OK ? strtok_r(text, "\n", &save) : NULL;
         line && st == WG_OK; line = strtok_r(NULL, "\n", &save)) {
        lineno++; /* strtok_r skips empty lines: the number counts the lines it gives */
        char *f[8], where[1200];
        size_t nf = split(line, f, 8);
        snprintf(where, sizeof where, "%s line %zu", name, lineno);
        if (lineno == 1) {
            if (nf < 4 || strcmp(f[0], "category") || strcmp(f[2], "handling_hours") ||
                strcmp(f[3], "deadline_days"))
                st = wg_fail(ctx, WG_EINPUT,
                             "%s: the header must be category,name,handling_hours,deadline_days",
                             where);
            continue;
        }
        if (nf == 1 && !f[0][0])
            continue;
        if (nf != 4) {
            st = wg_fail(ctx, WG_EINPUT, "%s: %zu fields, expected 4", where, nf);
            break;
        }
        double h, d;
        if ((st = number(ctx, f[2], false, where, "handling_hours", &h)) != WG_OK ||
            (st = number(ctx, f[3], true, where, "deadline_days", &d)) != WG_OK)
            break;
        if (!f[0][0] || strlen(f[0]) >= 64) {
            st = wg_fail(ctx, WG_EINPUT, "%s: a category code of 1 to 63 bytes is needed", where);
            break;
        }
        for (size_t i = 0; i < t->n && st == WG_OK; i++)
            if (strcmp(t->code[i], f[0]) == 0)
                st = wg_fail(ctx, WG_EINPUT, "%s: category '%s' is listed twice", where, f[0]);
        if (st == WG_OK &&
            ((st = wg_grow(ctx, (void **)&t->code, &cap[0], t->n + 1, sizeof *t->code)) ||
             (st = wg_grow(ctx, (void **)&t->hours, &cap[1], t->n + 1, sizeof *t->hours)) ||
             (st = wg_grow(ctx, (void **)&t->deadline_s, &cap[2], t->n + 1,
                           sizeof *t->deadline_s))))
            break;
        if (st != WG_OK)
            break;
        snprintf(t->code[t->n], sizeof t->code[t->n], "%s", f[0]);
        t->hours[t->n] = h;
        t->deadline_s[t->n] = d * 86400.0;
        if (strcmp(f[0], "*") == 0)
            t->star = (long)t->n;
        t->n++;
    }
    if (st == WG_OK && lineno == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: empty", name);
    free(text);
    if (st != WG_OK)
        cat_table_free(t);
    return st;
}

long cat_table_find(const cat_table *t, const char *code)
{
    for (size_t i = 0; code && i < t->n; i++)
        if ((long)i != t->star && strcmp(t->code[i], code) == 0)
            return (long)i;
    return t->star;
}

void cat_table_free(cat_table *t)
{
    free(t->code), free(t->hours), free(t->deadline_s);
    memset(t, 0, sizeof *t);
    t->star = -1;
}

wg_status weights_load(wg_ctx *ctx, const char *path, double w[WG_NTERMS])
{
    const char *name = path ? path : "data/workload.csv (built in)";
    char *text = NULL;
    wg_status st = slurp(ctx, path, wg__workload_csv, &text);
    for (int k = 0; k < WG_NTERMS; k++)
        w[k] = 0;
    size_t lineno = 0;
    double sum = 0;
    for (char *save = NULL, *line = st == WG_OK ? strtok_r(text, "\n", &save) : NULL;
         line && st == WG_OK; line = strtok_r(NULL, "\n", &save)) {
        char *f[4], where[1200];
        size_t nf = split(line, f, 4);
        snprintf(where, sizeof where, "%s line %zu", name, ++lineno);
        if (lineno == 1) {
            if (nf != 2 || strcmp(f[0], "term") || strcmp(f[1], "weight"))
                st = wg_fail(ctx, WG_EINPUT, "%s: the header must be term,weight", where);
            continue;
        }
        if (nf == 1 && !f[0][0])
            continue;
        int k = 0;
        while (k < WG_NTERMS && (nf != 2 || strcmp(f[0], wg_term_name(k)) != 0))
            k++;
        if (k == WG_NTERMS) {
            st = wg_fail(ctx, WG_EINPUT, "%s: expected TERM,WEIGHT with TERM one of households, "
                                         "hours, area, patrol; got '%s'",
                         where, f[0]);
            break;
        }
        st = number(ctx, f[1], false, where, "weight", &w[k]);
        sum += w[k];
    }
    if (st == WG_OK && !(sum > 0))
        st = wg_fail(ctx, WG_EINPUT, "%s: no weight above 0", name);
    free(text);
    return st;
}

/* ---- row arithmetic --------------------------------------------------------------------------- */

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

/* The k-th smallest of x[0..n) (reordered in place): quickselect, median of three pivots. */
static double select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return x[k];
    }
    return x[k];
}

double quantile(double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = p * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    double a = select_kth(x, n, lo);
    if (lo + 1 >= n)
        return a;
    /* after the selection everything above lo is >= a: the next order statistic is their min */
    double b = x[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        b = fmin(b, x[i]);
    return a + (h - (double)lo) * (b - a);
}

/* ---- a string -> index table (open addressing; the strings are the caller's) ---- */

typedef struct strmap {
    const char **key;
    int32_t *val;
    size_t cap; /* a power of two, at least twice the entries */
} strmap;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static wg_status strmap_init(wg_ctx *ctx, strmap *m, size_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 2)
        m->cap *= 2;
    m->key = calloc(m->cap, sizeof *m->key);
    m->val = malloc(m->cap * sizeof *m->val);
    return m->key && m->val ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory");
}

static void strmap_free(strmap *m)
{
    free(m->key), free(m->val);
    memset(m, 0, sizeof *m);
}

/* The slot of s: holding s, or empty. */
static size_t strmap_slot(const strmap *m, const char *s)
{
    size_t i = (size_t)fnv(s) & (m->cap - 1);
    while (m->key[i] && strcmp(m->key[i], s) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* ---- the incidents ------------------------------------------------------------------------------ */

#define NO_TIME INT64_MIN

typedef struct inc {
    int64_t reported, closed, due;
    int32_t cat, cell; /* cell -1: unassigned */
    uint8_t src, reason;
} inc;

enum { R_NONE, R_OUTSIDE, R_GAP, R_NO_LOCATION };

typedef struct scan {
    wg_ctx *ctx;
    const cat_table *cats;
    char (*cat)[64]; /* categories met: the table's (without "*") first */
    size_t ncat, capcat;
    strmap cell_of;
    char (*catkey)[64]; /* fixed copies for the category map: S->cat moves as it grows */
    strmap cat_of;
    inc *v;
    size_t n, cap;
    int64_t max_time;
} scan;

#define MAX_CATS 4096

static int32_t cat_index(scan *S, const char *text, wg_status *st)
{
    char key[64];
    size_t len = text ? strlen(text) : 0;
    if (len >= sizeof key)
        len = sizeof key - 1; /* categories are compared on their first 63 bytes */
    if (len)
        memcpy(key, text, len);
    key[len] = '\0';
    size_t slot = strmap_slot(&S->cat_of, key);
    if (S->cat_of.key[slot])
        return S->cat_of.val[slot];
    if (S->ncat >= MAX_CATS) {
        *st = wg_fail(S->ctx, WG_EINPUT, "more than %d incident categories", MAX_CATS);
        return -1;
    }
    if ((*st = wg_grow(S->ctx, (void **)&S->cat, &S->capcat, S->ncat + 1, sizeof *S->cat)) !=
        WG_OK)
        return -1;
    snprintf(S->cat[S->ncat], sizeof S->cat[S->ncat], "%s", key);
    memcpy(S->catkey[S->ncat], S->cat[S->ncat], sizeof S->catkey[S->ncat]);
    S->cat_of.key[slot] = S->catkey[S->ncat];
    S->cat_of.val[slot] = (int32_t)S->ncat;
    return (int32_t)S->ncat++;
}

static int64_t t_col(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NO_TIME : sqlite3_column_int64(q, i);
}

/* Reads every incident with its stored cell. WG_EINPUT when one has not been assigned since
 * it was imported. */
static wg_status read_incidents(wg_ws *ws, scan *S)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT i.category, i.source, i.reported, i.closed, i.due, ic.cell, "
                               "ic.reason, ic.incident IS NULL OR ic.batch IS NOT i.batch, i.id "
                               "FROM incidents i LEFT JOIN incident_cells ic ON ic.incident = "
                               "i.fid",
                               &q);
    int rc = SQLITE_DONE;
    S->max_time = NO_TIME;
    sqlite3_stmt *cnt = NULL; /* one allocation, not a trail of copies */
    if (st == WG_OK && (st = wg__prepare(ws, "SELECT count(*) FROM incidents", &cnt)) == WG_OK &&
        sqlite3_step(cnt) == SQLITE_ROW)
        st = wg_grow(ws->ctx, (void **)&S->v, &S->cap, (size_t)sqlite3_column_int64(cnt, 0) + 1,
                     sizeof *S->v);
    sqlite3_finalize(cnt);
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int(q, 7)) {
            st = wg_fail(ws->ctx, WG_EINPUT,
                         "incident %s was imported after the last assignment: run 'wangge "
                         "assign -w %s' first",
                         (const char *)sqlite3_column_text(q, 8), ws->path);
            break;
        }
        if ((st = wg_grow(ws->ctx, (void **)&S->v, &S->cap, S->n + 1, sizeof *S->v)) != WG_OK)
            break;
        inc *e = &S->v[S->n];
        e->cat = cat_index(S, (const char *)sqlite3_column_text(q, 0), &st);
        const char *src = (const char *)sqlite3_column_text(q, 1);
        int k = !src ? WG_SRC_OTHER
                : src[0] == 'p' ? WG_SRC_PATROL
                : src[0] == 'h' ? WG_SRC_HOTLINE
                : src[0] == 'c' ? WG_SRC_CAMERA
                                : WG_SRC_OTHER;
        e->src = (uint8_t)(k != WG_SRC_OTHER && strcmp(src, wg_source_name(k)) == 0 ? k
                                                                                 : WG_SRC_OTHER);
        e->reported = t_col(q, 2);
        e->closed = t_col(q, 3);
        e->due = t_col(q, 4);
        const char *cell = (const char *)sqlite3_column_text(q, 5);
        size_t slot = cell ? strmap_slot(&S->cell_of, cell) : 0;
        bool hit = cell && S->cell_of.key[slot];
        e->cell = hit ? S->cell_of.val[slot] : -1;
        const char *reason = (const char *)sqlite3_column_text(q, 6);
        e->reason = !reason                            ? R_NONE
                    : strcmp(reason, "outside") == 0 ? R_OUTSIDE
                    : strcmp(reason, "gap") == 0     ? R_GAP
                                                     : R_NO_LOCATION;
        if (cell && !hit) {
            st = wg_fail(ws->ctx, WG_EINPUT,
                         "incident %s is assigned to cell %s, which the active plan lacks: run "
                         "'wangge assign -w %s'",
                         (const char *)sqlite3_column_text(q, 8), cell, ws->path);
            break;
        }
        if (e->reported != NO_TIME && e->reported > S->max_time)
            S->max_time = e->reported;
        if (e->closed != NO_TIME && e->closed > S->max_time)
            S->max_time = e->closed;
        S->n++;
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading incidents: ");
    sqlite3_finalize(q);
    return st;
}

/* ---- the cells ----------------------------------------------------------------------------------- */

static wg_status read_cells(wg_ws *ws, int64_t plan, cell_measures *m)
{
    sqlite3_stmt *q = NULL;
    wg_status st = wg__prepare(ws,
                               "SELECT c.code, c.community, c.households, c.units, c.area_m2, "
                               "v.cameras, v.open_m2, v.seen_m2, v.households_seen, p.patrol_m, "
                               "p.cell IS NULL FROM cells c LEFT JOIN cell_coverage v ON v.cell = "
                               "c.code LEFT JOIN cell_patrol p ON p.cell = c.code WHERE c.plan = ? "
                               "ORDER BY c.code",
                               &q);
    size_t cap = 0;
    int rc = SQLITE_DONE;
    if (st == WG_OK)
        sqlite3_bind_int64(q, 1, plan);
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if ((st = wg_grow(ws->ctx, (void **)&m->rows, &cap, m->n + 1, sizeof *m->rows)) != WG_OK)
            break;
        wg_report_row *r = &m->rows[m->n];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(q, 0));
        const char *comm = (const char *)sqlite3_column_text(q, 1);
        snprintf(r->community, sizeof r->community, "%s", comm ? comm : "");
        r->households = sqlite3_column_double(q, 2);
        r->units = sqlite3_column_double(q, 3);
        r->area_m2 = sqlite3_column_double(q, 4);
        r->cameras = sqlite3_column_double(q, 5);
        r->open_m2 = sqlite3_column_double(q, 6);
        r->seen_m2 = sqlite3_column_double(q, 7);
        r->households_seen = sqlite3_column_double(q, 8);
        r->patrol_m = sqlite3_column_double(q, 9);
        r->ncells = 1;
        m->n++;
        if (sqlite3_column_int(q, 10)) {
            st = wg_fail(ws->ctx, WG_EINPUT,
                         "cell %s has no stored coverage or patrol length: run 'wangge assign "
                         "-w %s'",
                         r->id, ws->path);
            break;
        }
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading cells: ");
    sqlite3_finalize(q);
    if (st == WG_OK && m->n == 0)
        st = wg_fail(ws->ctx, WG_EINPUT, "the active plan has no cells");
    return st;
}

/* Visits in the period: count, and households of the distinct units visited, per cell. */
static wg_status read_visits(wg_ws *ws, int64_t plan, const wg_report_opts *o, cell_measures *m,
                             const strmap *cell_of)
{
    static const char *const sql[2] = {
        "SELECT cu.cell, count(*) FROM visits v JOIN cell_units cu ON cu.plan = ?1 AND cu.unit "
        "= v.unit WHERE v.at >= ?2 AND v.at < ?3 GROUP BY cu.cell",
        "SELECT cu.cell, total(cu.households) FROM (SELECT DISTINCT unit FROM visits WHERE at >= "
        "?2 AND at < ?3) d JOIN cell_units cu ON cu.plan = ?1 AND cu.unit = d.unit GROUP BY "
        "cu.cell"};
    wg_status st = WG_OK;
    for (int k = 0; k < 2 && st == WG_OK; k++) {
        sqlite3_stmt *q = NULL;
        if ((st = wg__prepare(ws, sql[k], &q)) != WG_OK)
            break;
        sqlite3_bind_int64(q, 1, plan);
        sqlite3_bind_int64(q, 2, o->from);
        sqlite3_bind_int64(q, 3, o->to);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *cell = (const char *)sqlite3_column_text(q, 0);
            size_t slot = strmap_slot(cell_of, cell);
            if (!cell_of->key[slot])
                continue;
            wg_report_row *row = &m->rows[cell_of->val[slot]];
            if (k == 0)
                row->visits = sqlite3_column_double(q, 1);
            else
                row->households_visited = sqlite3_column_double(q, 1);
        }
        if (rc != SQLITE_DONE)
            st = wg__sql_fail(ws, "reading visits: ");
        sqlite3_finalize(q);
    }
    return st;
}

/* ---- the pass --------------------------------------------------------------------------------------- */

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
static bool in_period(const wg_report_opts *o, const inc *e)
{
    if (o->from == INT64_MIN && o->to == INT64_MAX)
        return true;
    return e->reported != NO_TIME && e->reported >= o->from && e->reported < o->to;
}

static wg_status tally(wg_ctx *ctx, const wg_report_opts *o, const cat_table *cats, scan *S,
                       wg_report *r, cell_measures *m)
{
    bool bounded = o->to != INT64_MAX;
    int64_t end = bounded ? o->to : (S->max_time == NO_TIME ? 0 : S->max_time + 1);
    r->as_of = bounded ? o->to : end - 1;
    /* per category: handling hours and deadline, from the table or its "*" row */
    double *hours = r->category_hours = calloc(S->ncat + 1, sizeof *hours);
    double *dl = calloc(S->ncat + 1, sizeof *dl);
    bool *want = calloc(S->ncat + 1, sizeof *want);
    size_t *ncl = calloc(m->n + 1, sizeof *ncl);
    if (!hours || !dl || !want || !ncl) {
        free(dl), free(want), free(ncl);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < S->ncat; c++) {
        long t = cat_table_find(cats, S->cat[c]);
        hours[c] = t >= 0 ? cats->hours[t] : 0;
        dl[c] = t >= 0 ? cats->deadline_s[t] : NAN;
        want[c] = category_wanted(o->categories, o->ncategories, S->cat[c]);
    }
    /* first the times to close per cell, to size the array */
    for (size_t i = 0; i < S->n; i++) {
        const inc *e = &S->v[i];
        bool in = in_period(o, e);
        if (in && want[e->cat] && e->cell >= 0 && e->closed != NO_TIME && e->closed < end &&
            e->reported != NO_TIME)
            ncl[e->cell]++;
    }
    m->coff = calloc(m->n + 1, sizeof *m->coff);
    size_t total = 0;
    for (size_t c = 0; m->coff && c < m->n; c++) {
        m->coff[c] = total;
        total += ncl[c];
        ncl[c] = m->coff[c]; /* now the next free slot */
    }
    m->close_h = malloc((total ? total : 1) * sizeof *m->close_h);
    if (!m->coff || !m->close_h) {
        free(dl), free(want), free(ncl);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    m->coff[m->n] = total;
    for (size_t i = 0; i < S->n; i++) {
        const inc *e = &S->v[i];
        if (!want[e->cat])
            continue;
        bool in = in_period(o, e);
        bool closed = e->closed != NO_TIME && e->closed < end;
        int64_t due = e->due != NO_TIME                        ? e->due
                      : e->reported != NO_TIME && !isnan(dl[e->cat]) ? e->reported + (int64_t)dl[e->cat]
                                                                     : NO_TIME;
        if (in) {
            r->period_incidents++;
            if (e->cell < 0) {
                r->unassigned++;
                r->outside += e->reason == R_OUTSIDE;
                r->gap += e->reason == R_GAP;
                r->no_location += e->reason == R_NO_LOCATION;
            } else {
                r->assigned++;
            }
        }
        if (e->cell < 0)
            continue;
        wg_report_row *c = &m->rows[e->cell];
        if (in) {
            c->incidents++;
            c->by_source[e->src]++;
            c->by_category[e->cat]++;
            c->hours += hours[e->cat];
            c->open += !closed;
            c->overdue += !closed && due != NO_TIME && due < end;
            if (closed && e->reported != NO_TIME)
                m->close_h[ncl[e->cell]++] = (double)(e->closed - e->reported) / 3600.0;
        }
        if (due != NO_TIME && due >= o->from && due < end) {
            c->due++;
            c->closed_due += closed;
            c->on_time += closed && e->closed <= due;
        }
    }
    free(ncl), free(dl), free(want);
    return WG_OK;
}

wg_status measure_cells(wg_ws *ws, const wg_report_opts *o, const cat_table *cats, wg_report *r,
                        cell_measures *m)
{
    wg_ctx *ctx = ws->ctx;
    memset(m, 0, sizeof *m);
    scan S = {.ctx = ctx, .cats = cats};
    wg_status st = strmap_init(ctx, &S.cat_of, MAX_CATS);
    if (st == WG_OK && !(S.catkey = malloc(MAX_CATS * sizeof *S.catkey)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = read_cells(ws, r->plan, m);
    /* the table's categories first, in its order, so reports keep one column order */
    for (size_t i = 0; st == WG_OK && i < cats->n; i++)
        if ((long)i != cats->star)
            cat_index(&S, cats->code[i], &st);
    if (st == WG_OK) /* the rows have stopped moving: their ids are the keys */
        st = strmap_init(ctx, &S.cell_of, m->n);
    for (size_t c = 0; st == WG_OK && c < m->n; c++) {
        size_t slot = strmap_slot(&S.cell_of, m->rows[c].id);
        S.cell_of.key[slot] = m->rows[c].id;
        S.cell_of.val[slot] = (int32_t)c;
    }
    if (st == WG_OK)
        st = read_incidents(ws, &S);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        if (!(m->rows[c].by_category = calloc(S.ncat ? S.ncat : 1, sizeof(double))))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = tally(ctx, o, cats, &S, r, m);
    if (st == WG_OK)
        st = read_visits(ws, r->plan, o, m, &S.cell_of);
    for (size_t c = 0; st == WG_OK && c < m->n; c++)
        row_rates(&m->rows[c], true);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK && (st = wg__prepare(ws, "SELECT EXISTS (SELECT 1 FROM visits)", &q)) == WG_OK)
        r->visits = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    r->category = S.cat;
    r->ncategories = S.ncat;
    free(S.v);
    free(S.catkey);
    strmap_free(&S.cat_of);
    strmap_free(&S.cell_of);
    return st;
}

void cell_measures_free(cell_measures *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->rows[i].by_category);
    free(m->rows), free(m->close_h), free(m->coff);
    memset(m, 0, sizeof *m);
}
