/* render/audit.c: the plan audit — the PDF a planner takes to the district: the plan on a map,
 * households and deviation per cell, compactness, issues and their causes, camera coverage and
 * blind spots, and the closed-loop figures per cell. */
#include "render_int.h"
#include "wg/assign.h"
#include "wg/mapdata.h"
#include "wg/plan.h"
#include "wg/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct audit {
    canvas *c;
    const wg_plan_detail *d;
    double target, lo, hi;
    size_t *order, *tmp; /* cells (or report rows) in a page's order, and sort scratch */
    const wg_report *r;
    char title[200], source[560];
    layout L;
} audit;

/* A text page's heading and footer; returns where its body starts. */
static double page_head(audit *a, const char *heading, const char *sub)
{
    canvas *c = a->c;
    draw_title(c, &a->L, heading, sub);
    char foot[640];
    snprintf(foot, sizeof foot, "%s  ·  page %d", a->source, c->pages);
    draw_footer(c, &a->L, "as of the plan", NULL, foot);
    return a->L.frame.y + 4 * c->u;
}

static double dev_pct(const audit *a, size_t i)
{
    return 100.0 * ((double)a->d->cells[i].households - a->target) / a->target;
}

static int by_abs_dev(const void *x, const void *y, void *user)
{
    const audit *a = user;
    double p = fabs(dev_pct(a, *(const size_t *)x)), q = fabs(dev_pct(a, *(const size_t *)y));
    if (p != q)
        return p < q ? 1 : -1;
    return strcmp(a->d->cells[*(const size_t *)x].code, a->d->cells[*(const size_t *)y].code);
}

static int by_pp(const void *x, const void *y, void *user)
{
    const audit *a = user;
    double p = a->d->cells[*(const size_t *)x].compactness,
           q = a->d->cells[*(const size_t *)y].compactness;
    if (p != q)
        return p < q ? -1 : 1;
    return strcmp(a->d->cells[*(const size_t *)x].code, a->d->cells[*(const size_t *)y].code);
}

/* qsort with a user pointer (insertion into a merge sort: glibc's qsort_r is not C17) */
static void sort_idx(size_t *v, size_t n, int (*cmp)(const void *, const void *, void *),
                     void *user, size_t *tmp)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_idx(v, h, cmp, user, tmp);
    sort_idx(v + h, n - h, cmp, user, tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp(&v[j], &v[i], user) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static void cell_row(void *user, size_t row, size_t col, char *buf, size_t n)
{
    const audit *a = user;
    size_t i = a->order[row];
    const wg_plan_cell *p = &a->d->cells[i];
    double hh = (double)p->households;
    switch (col) {
    case 0:
        snprintf(buf, n, "%s", p->code);
        break;
    case 1:
        snprintf(buf, n, "%s", p->community);
        break;
    case 2:
        snprintf(buf, n, "%lld", (long long)p->households);
        break;
    case 3:
        snprintf(buf, n, "%+.1f %%", dev_pct(a, i));
        break;
    case 4:
        snprintf(buf, n, "%s", hh < a->lo ? "below" : hh > a->hi ? "ABOVE" : "in range");
        break;
    case 5:
        snprintf(buf, n, "%lld", (long long)p->units);
        break;
    case 6:
        snprintf(buf, n, "%.3f", p->area_m2 / 1e6);
        break;
    default:
        snprintf(buf, n, "%.3f", p->compactness);
    }
}

static void issue_row(void *user, size_t row, size_t col, char *buf, size_t n)
{
    const wg_plan_issue *is = &((const audit *)user)->d->issues[row];
    snprintf(buf, n, "%s",
             col == 0   ? is->kind
             : col == 1 ? is->cell
             : col == 2 ? is->community
                        : is->cause);
}

static void loop_row(void *user, size_t row, size_t col, char *buf, size_t n)
{
    const audit *a = user;
    const wg_report_row *w = &a->r->rows[a->order[row]];
    switch (col) {
    case 0:
        snprintf(buf, n, "%s", w->id);
        break;
    case 1:
        snprintf(buf, n, "%.0f", w->incidents);
        break;
    case 2:
        snprintf(buf, n, "%.0f", w->due);
        break;
    case 3:
        isnan(w->closing_rate) ? snprintf(buf, n, "–")
                               : snprintf(buf, n, "%.1f %%", 100 * w->closing_rate);
        break;
    case 4:
        isnan(w->on_time_rate) ? snprintf(buf, n, "–")
                               : snprintf(buf, n, "%.1f %%", 100 * w->on_time_rate);
        break;
    case 5:
        isnan(w->close_median_h) ? snprintf(buf, n, "–")
                                 : snprintf(buf, n, "%.1f", w->close_median_h);
        break;
    case 6:
        snprintf(buf, n, "%.0f", w->overdue);
        break;
    case 7:
        isnan(w->seen_share) ? snprintf(buf, n, "–")
                             : snprintf(buf, n, "%.1f %%", 100 * w->seen_share);
        break;
    default:
        snprintf(buf, n, "%.2f", w->index);
    }
}

/* Pages of a table, continued until every row is drawn. */
static wg_status table_pages(audit *a, const char *heading, const char *sub, double y,
                             const table_col *cols, size_t ncols, table_cell_fn fn, size_t nrows)
{
    canvas *c = a->c;
    size_t row = 0;
    double bottom = a->L.footer.y - 6 * c->u;
    for (;;) {
        row = draw_table(c, a->L.frame.x, &y, bottom, cols, ncols, fn, a, row, nrows, 7.5);
        if (row >= nrows)
            return canvas_status(c, heading);
        wg_status st = canvas_next_page(c);
        if (st != WG_OK)
            return st;
        char cont[220];
        snprintf(cont, sizeof cont, "%s (continued)", heading);
        y = page_head(a, cont, sub);
    }
}

static wg_status audit_pages(audit *a, wg_ws *ws, const wg_render_opts *o)
{
    canvas *c = a->c;
    const wg_plan_detail *d = a->d;
    size_t n = d->ncells;
    wg_status st = canvas_next_page(c);
    if (st != WG_OK)
        return st;
    /* households per cell */
    double *hh = malloc((n + 1) * sizeof *hh), lo = a->lo, hi = a->hi;
    size_t in = 0;
    if (!hh)
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        hh[i] = (double)d->cells[i].households;
        lo = fmin(lo, hh[i]);
        hi = fmax(hi, hh[i]);
        in += hh[i] >= a->lo && hh[i] <= a->hi;
    }
    wg_weight_name wn;
    st = wg_store_weight_name(ws, &wn);
    if (st != WG_OK) {
        free(hh);
        return st;
    }
    char sub[640], head[160], axis[96];
    snprintf(sub, sizeof sub,
             "%zu cells; %zu (%.1f %%) within %g–%g %s; target %g. Sorted by deviation from the "
             "target, largest first.",
             n, in, n ? 100.0 * (double)in / (double)n : 0, a->lo, a->hi, wn.name, a->target);
    snprintf(head, sizeof head, "%s%s%s and deviation per cell", wn.zh[0] ? wn.zh : "",
             wn.zh[0] ? "偏差 " : "", wn.label);
    snprintf(axis, sizeof axis, "%s per cell", wn.name);
    double y = page_head(a, head, sub);
    static const char *const mark_names[] = {"min", "target", "max"};
    double marks[] = {a->lo, a->target, a->hi};
    double span = fmax(hi - lo, 1);
    rect hr = {a->L.frame.x, y, fmin(a->L.title.w, 520 * c->u), 170 * c->u};
    draw_histogram(c, hr, hh, n, lo - span * 0.02, hi + span * 0.02, 30, marks, mark_names, 3,
                   axis);
    y += hr.h + 8 * c->u;
    for (size_t i = 0; i < n; i++)
        a->order[i] = i;
    sort_idx(a->order, n, by_abs_dev, a, a->tmp);
    const table_col cells_cols[] = {
        {"cell code", 95, ALIGN_LEFT}, {"community", 120, ALIGN_LEFT},
        {wn.name, 60, ALIGN_RIGHT},    {"deviation", 60, ALIGN_RIGHT},
        {"range", 55, ALIGN_LEFT},     {"units", 45, ALIGN_RIGHT},
        {"area km²", 55, ALIGN_RIGHT}, {"Polsby–Popper", 75, ALIGN_RIGHT}};
    st = table_pages(a, head, sub, y, cells_cols, 8, cell_row, n);
    /* compactness */
    if (st == WG_OK)
        st = canvas_next_page(c);
    if (st == WG_OK) {
        double mean = 0, mn = INFINITY;
        for (size_t i = 0; i < n; i++) {
            hh[i] = d->cells[i].compactness;
            mean += hh[i] / (double)n;
            mn = fmin(mn, hh[i]);
        }
        snprintf(sub, sizeof sub,
                 "Polsby–Popper score 4πA/P² of each cell (1 for a disc): mean %.3f, minimum "
                 "%.3f. The 40 least compact cells are listed.",
                 mean, mn);
        y = page_head(a, "紧凑度 Compactness", sub);
        static const char *const mean_name[] = {"mean"};
        draw_histogram(c, hr, hh, n, 0, 1, 20, &mean, mean_name, 1, "Polsby–Popper score");
        y += hr.h + 8 * c->u;
        for (size_t i = 0; i < n; i++)
            a->order[i] = i;
        sort_idx(a->order, n, by_pp, a, a->tmp);
        st = table_pages(a, "紧凑度 Compactness", sub, y, cells_cols, 8, cell_row, n < 40 ? n : 40);
    }
    free(hh);
    /* issues */
    if (st == WG_OK)
        st = canvas_next_page(c);
    if (st == WG_OK) {
        size_t bar = 0;
        for (size_t i = 0; i < d->nissues; i++)
            bar += strcmp(d->issues[i].kind, "barrier") == 0;
        snprintf(sub, sizeof sub,
                 "%zu issues: everything the plan could not do as asked, each with its cause; "
                 "%zu barrier crossings.",
                 d->nissues, bar);
        y = page_head(a, "问题 Issues and their causes", sub);
        static const table_col cols[] = {{"kind", 80, ALIGN_LEFT},
                                         {"cell", 95, ALIGN_LEFT},
                                         {"community", 100, ALIGN_LEFT},
                                         {"cause", 440, ALIGN_LEFT}};
        if (d->nissues == 0)
            text_at(c,
                    "None: every cell is in range, in one piece and on one side of every "
                    "barrier.",
                    9, false, a->L.frame.x, y, ALIGN_LEFT, hex_rgb(0x222222));
        else
            st = table_pages(a, "问题 Issues and their causes", sub, y, cols, 4, issue_row,
                             d->nissues);
    }
    /* coverage and the closed loop, when the assignment is current */
    wg_report_opts ro = {.by = WG_BY_CELL,
                         .from = o->from,
                         .to = o->to,
                         .categories_file = o->categories_file,
                         .weights_file = o->weights_file};
    wg_report r;
    if (st != WG_OK)
        return st;
    /* the figures are there when the plan is the active one and has an assignment; then the
     * report's errors are the audit's */
    int64_t active = 0;
    char active_name[128];
    wg_assign_state as = {0};
    st = wg_map_plan(ws, 0, &active, active_name);
    if (st == WG_OK && active == d->info.id)
        st = wg_assign_check(ws, active, &as);
    const char *why = active != d->info.id ? "it is not the active plan"
                      : !as.any            ? "nothing was assigned to it yet"
                                           : NULL;
    if (st == WG_OK && !why && (st = wg_report_make(ws, &ro, &r)) == WG_OK &&
        r.plan != d->info.id) { /* cannot be: the report is of the active plan */
        wg_report_free(&r);
        why = "the assignment is for another plan";
    }
    if (st != WG_OK)
        return st;
    if (why) {
        st = canvas_next_page(c);
        if (st == WG_OK) {
            y = page_head(a, "覆盖与闭环 Coverage and closed loop", "not available");
            char msg[800];
            snprintf(msg, sizeof msg,
                     "No coverage or closed-loop figures for this plan: %s. Activate the plan "
                     "and run wangge assign to add them.",
                     why);
            PangoLayout *l = text_layout(c, msg, 9, false, a->L.title.w);
            text_draw(c, l, a->L.frame.x, y, hex_rgb(0x222222), 0);
            g_object_unref(l);
        }
        return st;
    }
    a->r = &r;
    st = canvas_next_page(c);
    map_ctx m;
    wg_render_info info = {0};
    if (st == WG_OK)
        st = map_begin(ws, o, WG_MAP_COVERAGE, c, &m, &info);
    if (st == WG_OK)
        st = map_draw(&m, WG_MAP_COVERAGE);
    if (st == WG_OK)
        st = canvas_next_page(c);
    if (st == WG_OK) {
        size_t rows = r.nrows < n ? r.nrows : n; /* one row per cell of the plan */
        for (size_t i = 0; i < rows; i++)
            a->order[i] = i;
        snprintf(sub, sizeof sub,
                 "Period %s. Closing rate (结案率) and on-time rate (按期结案率) over the cases "
                 "due in the period; time to close in hours; cameras' seen share of open "
                 "ground; workload index. Totals: %.0f incidents, closing rate %.1f %%.",
                 m.period, r.total.incidents, 100 * r.total.closing_rate);
        y = page_head(a, "闭环 Closed-loop figures per cell", sub);
        static const table_col cols[] = {
            {"cell", 95, ALIGN_LEFT},     {"incidents", 55, ALIGN_RIGHT},
            {"due", 45, ALIGN_RIGHT},     {"closed", 60, ALIGN_RIGHT},
            {"on time", 60, ALIGN_RIGHT}, {"median h", 55, ALIGN_RIGHT},
            {"overdue", 50, ALIGN_RIGHT}, {"seen", 55, ALIGN_RIGHT},
            {"workload", 55, ALIGN_RIGHT}};
        st = table_pages(a, "闭环 Closed-loop figures per cell", sub, y, cols, 9, loop_row, rows);
    }
    wg_report_free(&r);
    return st;
}

/* The pages after the overview map. */
static wg_status audit_more(map_ctx *m, void *user)
{
    (void)user;
    wg_ctx *ctx = m->c->ctx;
    wg_plan_detail d = {0};
    wg_status st = wg_plan_detail_get(m->ws, m->plan, &d);
    if (st != WG_OK)
        return st;
    audit a = {.c = m->c, .d = &d, .L = m->L};
    plan_range(&d.values, &a.target, &a.lo, &a.hi);
    snprintf(a.source, sizeof a.source, "Plan audit of %s  ·  %s", d.info.name, m->source);
    /* one index array serves every page's order: cells, or report rows (as many) */
    a.order = malloc((d.ncells + 1) * sizeof *a.order);
    a.tmp = malloc((d.ncells + 1) * sizeof *a.tmp);
    st = a.order && a.tmp ? audit_pages(&a, m->ws, m->o) : wg_fail(ctx, WG_ENOMEM, "out of memory");
    free(a.order);
    free(a.tmp);
    wg_plan_detail_free(&d);
    return st;
}

wg_status wg_render_audit(wg_ws *ws, const wg_render_opts *o, const char *path,
                          wg_render_info *info)
{
    return render_doc(ws, o, path, WG_MAP_PLAN, "audit", NULL, audit_more, NULL, info);
}
