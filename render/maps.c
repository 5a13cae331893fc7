/* render/maps.c: the map recipes — what each MAP of `wangge render` shows and how — and the
 * one-map entry point wg_render. */
#include "render_int.h"
#include "wg/assign.h"
#include "wg/plan.h"
#include "wg/report.h"
#include "wg/timeparse.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[WG_MAP_COUNT] = {
    "heatmap", "incidents", "plan", "workload", "rate", "coverage", "cameras", "diff", "base"};

bool wg_map_kind_parse(const char *s, wg_map_kind *k)
{
    for (int i = 0; i < WG_MAP_COUNT; i++)
        if (s && strcmp(s, KIND_NAMES[i]) == 0) {
            *k = (wg_map_kind)i;
            return true;
        }
    return false;
}

const char *wg_map_kind_name(wg_map_kind k)
{
    return k < WG_MAP_COUNT ? KIND_NAMES[k] : "?";
}

void wg_render_opts_init(wg_render_opts *o)
{
    *o = (wg_render_opts){.from = INT64_MIN,
                          .to = INT64_MAX,
                          .kernel = WG_KERNEL_QUARTIC,
                          .classify = WG_CLASS_QUANTILE};
}

/* "2026-03-01" for a time at midnight UTC, else "2026-03-01 08:00". */
static void day_text(int64_t t, char *buf, size_t n)
{
    char full[40];
    wg_time_format_utc(t, full, sizeof full);
    bool midnight = t % 86400 == 0;
    snprintf(buf, n, "%.*s", midnight ? 10 : 16, full);
    if (!midnight && strlen(buf) > 10)
        buf[10] = ' ';
}

void period_text(const wg_render_opts *o, int64_t first, int64_t last, char *buf, size_t n)
{
    char a[40] = "", b[40] = "";
    if (o->period_text) {
        snprintf(buf, n, "%s", o->period_text);
        return;
    }
    int64_t from = o->from != INT64_MIN ? o->from : first;
    int64_t to = o->to != INT64_MAX ? o->to - 1 : last; /* the period is [from, to) */
    if (from == INT64_MAX || to == INT64_MIN) {
        snprintf(buf, n, "all data");
        return;
    }
    day_text(from, a, sizeof a);
    day_text(o->to != INT64_MAX && o->to % 86400 == 0 ? o->to - 86400 : to, b, sizeof b);
    snprintf(buf, n, strcmp(a, b) == 0 ? "%s (UTC)" : "%s – %.16s (UTC)", a, b);
}

static void pad_box(double v[4], double frac)
{
    double dx = (v[2] - v[0]) * frac, dy = (v[3] - v[1]) * frac;
    double d = fmax(fmax(dx, dy), 10); /* a lone point still gets a few metres around it */
    v[0] -= d;
    v[1] -= d;
    v[2] += d;
    v[3] += d;
}

wg_status map_view(wg_ws *ws, const wg_render_opts *o, int64_t plan, double view[4])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    if (o->bbox) {
        if (!(o->bbox[0] < o->bbox[2] && o->bbox[1] < o->bbox[3]))
            return wg_fail(ctx, WG_EINPUT, "--bbox: minx < maxx and miny < maxy are needed");
        memcpy(view, o->bbox, 4 * sizeof *view);
        return WG_OK;
    }
    bool any = false;
    wg_status st;
    if (o->community) {
        wg_map_query q = {.community = o->community};
        st = wg_map_extent(ws, WG_ML_COMMUNITIES, &q, view, &any);
        if (st == WG_OK && !any)
            return wg_fail(ctx, WG_EINPUT, "--community %s: no such community in the workspace",
                           o->community);
    } else {
        wg_map_query q = {.plan = plan};
        st = plan ? wg_map_extent(ws, WG_ML_CELLS, &q, view, &any) : WG_OK;
        for (int l = WG_ML_COMMUNITIES; st == WG_OK && !any && l <= WG_ML_UNITS; l++)
            st = wg_map_extent(ws, (wg_map_layer)l, &q, view, &any);
        if (st == WG_OK && !any)
            return wg_fail(ctx, WG_EINPUT,
                           "the workspace has no communities or units to draw (import them first)");
    }
    if (st == WG_OK)
        pad_box(view, 0.03);
    return st;
}

/* ---- cells, classes and choropleths ----------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const wg_report_row *)a)->id, ((const wg_report_row *)b)->id);
}

static const wg_report_row *row_of(const wg_report *r, const char *code)
{
    wg_report_row key;
    snprintf(key.id, sizeof key.id, "%s", code);
    return bsearch(&key, r->rows, r->nrows, sizeof *r->rows, cmp_row);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether `key` is among n keys sorted by strcmp (a layer's keys come in that order). */
static bool has_key(char *const *keys, size_t n, const char *key)
{
    return n > 0 && bsearch(&key, keys, n, sizeof *keys, cmp_str) != NULL;
}

/* Labels cells with their code where it fits inside, else with its serial (the last three
 * digits), else not at all. */
static void label_cells(canvas *c, const wg_map_feats *cells, double size)
{
    for (size_t i = 0; i < cells->n; i++) {
        if ((i & 255) == 255 && wg_ctx_cancelled(c->ctx))
            return; /* map_draw says it was interrupted */
        const double *a = cells->anchor[i];
        if (isnan(a[0])) { /* too small for a label (or not a polygon) */
            c->dropped += cells->shapes.kind[i] == WG_G_POLYGON;
            continue;
        }
        if (a[0] < c->view[0] || a[0] > c->view[2] || a[1] < c->view[1] || a[1] > c->view[3])
            continue;
        double room = 2 * a[2] * c->s * 0.95;
        const char *code = cells->key[i];
        size_t len = strlen(code);
        /* digits are about 0.55 em wide: no layout is made for a label that cannot fit */
        double digit = 0.55 * size * c->u;
        if (room < digit * (double)(len < 3 ? len : 3)) {
            c->dropped++;
            continue;
        }
        if (room < digit * (double)len * 0.9 && len > 3) {
            if (!label_place(c, code + len - 3, size, false, cx(c, a[0]), cy(c, a[1]), room,
                             hex_rgb(0x222222)))
                c->dropped++;
            continue;
        }
        if (!label_place(c, code, size, false, cx(c, a[0]), cy(c, a[1]), room, hex_rgb(0x222222)) &&
            (len <= 3 || !label_place(c, code + len - 3, size, false, cx(c, a[0]), cy(c, a[1]),
                                      room, hex_rgb(0x222222))))
            c->dropped++;
    }
}

/* Classifies the finite values and fills each cell by its class; NaN cells get a hatched grey.
 * Writes the breaks to info and the legend entries to e (classes, then "no value" when any). */
wg_status choropleth(map_ctx *m, const wg_map_feats *cells, const double *val, const wg_ramp *ramp,
                     const double *fixed, size_t nfixed, legend_entry *e, size_t *ne)
{
    canvas *c = m->c;
    double breaks[10];
    size_t k = 0;
    wg_status st = WG_OK;
    size_t finite = 0, nan = 0;
    for (size_t i = 0; i < cells->n; i++)
        isfinite(val[i]) ? finite++ : nan++;
    if (fixed) {
        memcpy(breaks, fixed, (nfixed + 1) * sizeof *breaks);
        k = nfixed;
    } else if (finite > 0) {
        int want = m->o->classes > 0 ? m->o->classes : 5;
        st = wg_classify(c->ctx, val, cells->n, (size_t)want, m->o->classify, breaks, &k);
    }
    if (st != WG_OK)
        return st;
    double alpha = m->o->opacity > 0 ? m->o->opacity : 0.8;
    /* the cells class by class (class k is "no value"), then every outline over them */
    size_t *idx = malloc((cells->n + 1) * sizeof *idx);
    if (!idx)
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory");
    for (size_t cl = 0; cl <= k; cl++) {
        size_t n = 0;
        for (size_t i = 0; i < cells->n; i++)
            if (isfinite(val[i]) && k > 0 ? wg_class_of(breaks, k, val[i]) == cl : cl == k)
                idx[n++] = i;
        style s = {.fill = hex_rgb(0xbdbdbd), .fill_alpha = 0.5};
        if (cl < k) {
            s.fill = wg_ramp_at(ramp, k > 1 ? (double)cl / (double)(k - 1) : 1.0);
            s.fill_alpha = alpha;
        }
        draw_set(c, &cells->shapes, idx, n, &s);
    }
    free(idx);
    style edge = {.line = hex_rgb(0x555555), .line_alpha = 0.8, .width = 0.5};
    draw_all(c, &cells->shapes, &edge);
    *ne = k > 0 ? class_entries(ramp, breaks, k, alpha, e) : 0;
    if (nan > 0) {
        e[*ne] = (legend_entry){.colour = hex_rgb(0xbdbdbd), .alpha = 0.5};
        snprintf(e[*ne].text, sizeof e[*ne].text, "no value (%zu cells)", nan);
        (*ne)++;
    }
    m->info->nbreaks = k > 0 ? k + 1 : 0;
    memcpy(m->info->breaks, breaks, m->info->nbreaks * sizeof *breaks);
    m->info->features = cells->n;
    for (size_t i = 0; i < cells->n; i++)
        if (isfinite(val[i]) && !(val[i] <= m->info->value_max))
            m->info->value_max = val[i];
    return WG_OK;
}

const wg_ramp *ramp_or(const wg_render_opts *o, const char *dflt)
{
    const wg_ramp *r = o->ramp ? wg_ramp_find(o->ramp) : NULL;
    return r ? r : wg_ramp_find(dflt);
}

const double COVERAGE_PCT[6] = {0, 20, 40, 60, 80, 100};

const wg_ramp *cell_ramp(const wg_render_opts *o, wg_map_kind kind)
{
    return ramp_or(o, kind == WG_MAP_WORKLOAD ? "YlOrRd"
                      : kind == WG_MAP_RATE   ? "PuRd"
                                              : "viridis");
}

double cell_measure(wg_map_kind kind, const wg_report_row *row)
{
    if (!row)
        return NAN;
    if (kind == WG_MAP_WORKLOAD)
        return row->index;
    if (kind == WG_MAP_RATE)
        return row->households > 0 ? 100 * row->incidents / row->households : NAN;
    return 100 * row->seen_share;
}

/* ---- the recipes ------------------------------------------------------------------------ */

static wg_status read_cells(map_ctx *m, int64_t plan, wg_map_feats *cells)
{
    /* anchors only where three digits of 6.5 points could fit */
    wg_map_query q = {.plan = plan,
                      .bbox = m->c->view,
                      .anchors = !m->tt, /* tiles have no labels */
                      .anchor_min_m = 3 * 0.55 * 6.5 * m->c->u / m->c->s};
    return wg_map_read(m->ws, WG_ML_CELLS, &q, cells);
}

/* The cells of the active plan as bare outlines: no label anchors (the maps that outline the
 * cells do not label them). */
static wg_status read_outlines(map_ctx *m, wg_map_feats *cells)
{
    wg_map_query q = {.plan = m->plan, .bbox = m->c->view};
    return wg_map_read(m->ws, WG_ML_CELLS, &q, cells);
}

/* Plan: cells by households against the plan's target and range. */
wg_status recipe_plan(map_ctx *m, theme *t, wg_map_feats *keep)
{
    /* a tile takes the plan from its theme: read once for all the map's tiles */
    wg_plan_detail own = {0};
    wg_status st = m->tt ? WG_OK : wg_plan_detail_get(m->ws, m->plan, &own);
    if (st != WG_OK)
        return st;
    const wg_plan_detail *d = m->tt ? &m->tt->plan : &own;
    double target, lo, hi;
    plan_range(&d->values, &target, &lo, &hi);
    wg_map_feats cells;
    if ((st = read_cells(m, m->plan, &cells)) != WG_OK) {
        wg_plan_detail_free(&own);
        return st;
    }
    double vmin = INFINITY, vmax = -INFINITY;
    for (size_t i = 0; i < cells.n; i++) {
        vmin = fmin(vmin, cells.v[i][0]);
        vmax = fmax(vmax, cells.v[i][0]);
    }
    /* Five fixed classes around the target: below the range, low, near, high, above. The
     * outer bounds are the data's, so the legend says how far out the worst cells are. */
    double near_lo = target - (target - lo) / 2, near_hi = target + (hi - target) / 2;
    double fixed[6] = {fmin(vmin, lo - 1), lo - 0.5,          near_lo, near_hi,
                       hi + 0.5,           fmax(vmax, hi + 1)};
    const wg_ramp *r = ramp_or(m->o, "RdBu");
    /* RdBu runs red to blue; households above the range are the warm end */
    legend_entry tmp[8];
    size_t ne = 0;
    double *vr = malloc((cells.n + 1) * sizeof *vr);
    if (!vr) {
        wg_map_feats_free(&cells);
        wg_plan_detail_free(&own);
        return wg_fail(m->c->ctx, WG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cells.n; i++)
        vr[i] = -cells.v[i][0]; /* reversed, so the ramp's red end takes the largest */
    double rfixed[6];
    for (int k = 0; k < 6; k++)
        rfixed[k] = -fixed[5 - k];
    st = choropleth(m, &cells, vr, r, rfixed, 5, tmp, &ne);
    if (st == WG_OK) {
        static const char *names[5] = {"above the range", "high", "near target", "low",
                                       "below the range"};
        size_t counts[5] = {0};
        for (size_t i = 0; i < cells.n; i++)
            counts[wg_class_of(rfixed, 5, vr[i])]++;
        /* the legend reads from few to many households */
        for (size_t k = 0; k < 5; k++) {
            size_t j = 4 - k;
            char a[32], b[32], cnt[32];
            fmt_num(-rfixed[j + 1], a, sizeof a);
            fmt_num(-rfixed[j], b, sizeof b);
            fmt_int((long long)counts[j], cnt, sizeof cnt);
            t->e[k] = tmp[j];
            if (j == 4)
                snprintf(t->e[k].text, sizeof t->e[k].text, "%s: under %g (%s)", names[j], lo, cnt);
            else if (j == 0)
                snprintf(t->e[k].text, sizeof t->e[k].text, "%s: over %g (%s)", names[j], hi, cnt);
            else {
                double from = j == 3 ? lo : j == 2 ? ceil(near_lo) : floor(near_hi) + 1;
                double to = j == 3 ? ceil(near_lo) - 1 : j == 2 ? floor(near_hi) : hi;
                if (from > to) /* small whole counts: no value between the bounds */
                    snprintf(t->e[k].text, sizeof t->e[k].text, "%s: none", names[j]);
                else if (from == to)
                    snprintf(t->e[k].text, sizeof t->e[k].text, "%s: %.0f (%s)", names[j], from,
                             cnt);
                else
                    snprintf(t->e[k].text, sizeof t->e[k].text, "%s: %.0f – %.0f (%s)", names[j],
                             from, to, cnt);
            }
        }
        t->ne = 5;
        m->info->nbreaks = 6;
        for (int k = 0; k < 6; k++)
            m->info->breaks[k] = fixed[k];
        m->info->value_max = vmax;
        /* cells with an issue other than range: in pieces or across a barrier */
        size_t flagged = 0;
        static const double dash[] = {3, 2};
        style s = {
            .line = hex_rgb(0xc51b7d), .line_alpha = 1, .width = 1.6, .dash = dash, .ndash = 2};
        draw_begin(m->c);
        for (size_t i = 0; i < d->nissues; i++) {
            if (strcmp(d->issues[i].kind, "pieces") != 0 &&
                strcmp(d->issues[i].kind, "barrier") != 0)
                continue;
            const char *key = d->issues[i].cell;
            char **hit =
                cells.n ? bsearch(&key, cells.key, cells.n, sizeof *cells.key, cmp_str) : NULL;
            if (hit) {
                draw_one(m->c, &cells.shapes, (size_t)(hit - cells.key), &s);
                flagged++;
            }
        }
        draw_end(m->c);
        if (flagged) {
            char cnt[32];
            t->e[t->ne] = (legend_entry){.colour = s.line, .alpha = 1, .shape = 2};
            snprintf(t->e[t->ne].text, sizeof t->e[t->ne].text,
                     "in pieces or across a barrier (%s)",
                     fmt_int((long long)flagged, cnt, sizeof cnt));
            t->ne++;
        }
        snprintf(t->heading, sizeof t->heading, "%s%s%s per cell (target %g)", m->weight.zh,
                 m->weight.zh[0] ? " " : "", m->weight.label, target);
        char n1[32], n2[32];
        snprintf(t->note, sizeof t->note,
                 "%s cells, %s issues recorded (wangge plan show). Labels: cell code, or its "
                 "last 3 digits where the code does not fit.",
                 fmt_int((long long)d->ncells, n1, sizeof n1),
                 fmt_int((long long)d->nissues, n2, sizeof n2));
        snprintf(t->title, sizeof t->title, "网格划分 Grid plan %s", d->info.name);
        snprintf(t->sub, sizeof t->sub, "%s cells, %s %s, range %g–%g", n1,
                 fmt_int((long long)d->info.households, n2, sizeof n2), m->weight.name, lo, hi);
    }
    free(vr);
    if (st == WG_OK)
        *keep = cells;
    else
        wg_map_feats_free(&cells);
    wg_plan_detail_free(&own);
    return st;
}

/* Workload, rate, coverage: a per-cell measure of the report over the period. */
wg_status recipe_cells(map_ctx *m, wg_map_kind kind, theme *t, wg_map_feats *cells)
{
    char n1[32], n2[32];
    wg_report_opts ro = {.by = WG_BY_CELL,
                         .from = m->o->from,
                         .to = m->o->to,
                         .categories = m->o->categories,
                         .ncategories = m->o->ncategories,
                         .categories_file = m->o->categories_file,
                         .weights_file = m->o->weights_file};
    wg_report r;
    wg_status st = wg_report_make(m->ws, &ro, &r);
    if (st != WG_OK)
        return st;
    if (r.plan != m->plan) {
        wg_report_free(&r);
        return wg_fail(m->c->ctx, WG_EINPUT,
                       "the %s map shows the active plan's assignment; activate plan %s first",
                       wg_map_kind_name(kind), m->plan_name);
    }
    if ((st = read_cells(m, m->plan, cells)) != WG_OK) {
        wg_report_free(&r);
        return st;
    }
    double *v = malloc((cells->n + 1) * sizeof *v);
    if (!v) {
        wg_report_free(&r);
        return wg_fail(m->c->ctx, WG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cells->n; i++)
        v[i] = cell_measure(kind, row_of(&r, cells->key[i]));
    char period[96];
    period_text(m->o, r.from == INT64_MIN ? INT64_MAX : r.from, r.as_of, period, sizeof period);
    snprintf(m->period, sizeof m->period, "%s", period);
    st = choropleth(m, cells, v, cell_ramp(m->o, kind),
                    kind == WG_MAP_COVERAGE ? COVERAGE_PCT : NULL, 5, t->e, &t->ne);
    if (st == WG_OK && kind == WG_MAP_COVERAGE)
        for (size_t k = 0; k < 5; k++) /* the fixed classes; "no value" stays as it is */
            snprintf(t->e[k].text, sizeof t->e[k].text, "%g – %g %%", COVERAGE_PCT[k],
                     COVERAGE_PCT[k + 1]);
    if (st == WG_OK && kind == WG_MAP_WORKLOAD) {
        style over = {.line = hex_rgb(0x7f0000), .line_alpha = 1, .width = 2.2};
        style under = {.line = hex_rgb(0x2166ac), .line_alpha = 1, .width = 2.2};
        size_t no = 0, nu = 0;
        draw_begin(m->c);
        for (size_t i = 0; i < cells->n; i++) {
            const wg_report_row *row = row_of(&r, cells->key[i]);
            if (row && row->flag > 0)
                draw_one(m->c, &cells->shapes, i, &over), no++;
            else if (row && row->flag < 0)
                draw_one(m->c, &cells->shapes, i, &under), nu++;
        }
        draw_end(m->c);
        legend_entry *e = &t->e[t->ne];
        char cnt[32];
        e[0] = (legend_entry){.colour = over.line, .alpha = 1, .shape = 2};
        snprintf(e[0].text, sizeof e[0].text, "overloaded, index > %.2f (%s)", r.over,
                 fmt_int((long long)no, cnt, sizeof cnt));
        e[1] = (legend_entry){.colour = under.line, .alpha = 1, .shape = 2};
        snprintf(e[1].text, sizeof e[1].text, "underloaded, index < %.2f (%s)", r.under,
                 fmt_int((long long)nu, cnt, sizeof cnt));
        t->ne += 2;
        snprintf(t->heading, sizeof t->heading, "工作量指数 Workload index (mean cell = 1.00)");
        snprintf(t->note, sizeof t->note,
                 "Index = weighted %s, handling hours, area and patrol length, each over its "
                 "mean. Gini %.3f, CV %.3f, max/mean %.2f over %s cells.",
                 m->weight.name, r.gini, r.cv, r.max_over_mean,
                 fmt_int((long long)r.nrows, n1, sizeof n1));
        snprintf(t->title, sizeof t->title, "网格工作量 Workload per cell");
    } else if (st == WG_OK && kind == WG_MAP_RATE) {
        snprintf(t->heading, sizeof t->heading, "%s%s%sIncidents per 100 %s", m->weight.per,
                 m->weight.per[0] ? "事件" : "", m->weight.per[0] ? " " : "", m->weight.name);
        snprintf(t->note, sizeof t->note,
                 "%s incidents in the period, %s assigned to cells. A high rate marks a busy "
                 "cell, not merely a populous one.",
                 fmt_int((long long)r.period_incidents, n1, sizeof n1),
                 fmt_int((long long)r.assigned, n2, sizeof n2));
        snprintf(t->title, sizeof t->title, "事件率 Incident rate per cell");
        m->info->points = (size_t)r.assigned;
    } else if (st == WG_OK) {
        snprintf(t->heading, sizeof t->heading, "视频覆盖率 Open ground seen by cameras");
        snprintf(t->note, sizeof t->note,
                 "Seen share of each cell's open ground (cell minus buildings). Overall %.1f %% of "
                 "open ground and %.1f %% of %s seen.",
                 100 * r.total.seen_share, 100 * r.total.households_seen_share, m->weight.name);
        snprintf(t->title, sizeof t->title, "视频覆盖 Camera coverage");
    }
    snprintf(t->sub, sizeof t->sub, "plan %s, %s cells", m->plan_name,
             fmt_int((long long)r.nrows, n1, sizeof n1));
    free(v);
    wg_report_free(&r);
    return st;
}

/* The index of camera kind `name` among the nk met so far; nk when it is new. */
static size_t kind_of(const char (*kinds)[32], size_t nk, const char *name)
{
    size_t k = 0;
    while (k < nk && strcmp(kinds[k], name) != 0)
        k++;
    return k;
}

/* The camera views are made by 'wangge assign': bring them up to date when that is quick, or
 * refuse naming the command, so that a map never shows the views of cameras since replaced. With
 * no plan there is nothing to assign to, and the map shows the cameras with what views there are.
 */
wg_status camera_views_current(map_ctx *m)
{
    wg_assign_state s;
    wg_status st = wg_assign_check(m->ws, 0, &s);
    if (st != WG_OK || s.current || !s.plan)
        return st;
    bool did;
    return wg_assign_refresh(m->ws, 0, &did, NULL);
}

/* Blind spots hatched, camera views and cameras (coverage and camera maps). */
wg_status draw_cameras(map_ctx *m, theme *t, bool blind, bool by_kind)
{
    canvas *c = m->c;
    wg_map_query q = {.bbox = c->view};
    wg_map_feats views, cams, spots = {0};
    wg_status st = wg_map_read(m->ws, WG_ML_CAMERA_VIEWS, &q, &views);
    if (st != WG_OK)
        return st;
    if ((st = wg_map_read(m->ws, WG_ML_CAMERAS, &q, &cams)) != WG_OK) {
        wg_map_feats_free(&views);
        return st;
    }
    if (blind && (st = wg_map_read(m->ws, WG_ML_BLIND_SPOTS, &q, &spots)) != WG_OK) {
        wg_map_feats_free(&views);
        wg_map_feats_free(&cams);
        return st;
    }
    if (blind) {
        cairo_t *cr = c->cr;
        double area = 0;
        for (size_t i = 0; i < spots.n; i++) {
            area += spots.v[i][0];
            cairo_save(cr);
            cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
            cairo_clip(cr);
            cairo_new_path(cr);
            draw_path(c, &spots.shapes, i);
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
            cairo_clip(cr);
            set_rgb(cr, hex_rgb(0xfee0d2), 0.6);
            cairo_paint(cr);
            for (double d = c->frame.x - c->frame.h; d < c->frame.x + c->frame.w; d += 4 * c->u) {
                cairo_move_to(cr, d, c->frame.y + c->frame.h);
                cairo_line_to(cr, d + c->frame.h, c->frame.y);
            }
            cairo_set_line_width(cr, 0.6 * c->u);
            set_rgb(cr, hex_rgb(0x7a0000), 0.8);
            cairo_stroke(cr);
            cairo_restore(cr);
        }
        legend_entry *e = &t->e[t->ne++];
        *e = (legend_entry){.colour = hex_rgb(0xfee0d2), .alpha = 0.6, .shape = 3};
        snprintf(e->text, sizeof e->text, "盲区 blind spot (%zu, %.2f km²)", spots.n, area / 1e6);
    }
    /* camera kinds, each its own colour */
    const wg_ramp *qual = wg_ramp_find("Dark2");
    char kinds[8][32];
    size_t nk = m->tt ? tile_camera_kinds(m->tt, kinds) : 0, kcount[8] = {0};
    for (size_t i = 0; i < cams.n; i++) {
        size_t k = kind_of(kinds, nk, cams.group[i]);
        if (k == nk && nk < 8)
            snprintf(kinds[nk++], sizeof kinds[0], "%s", cams.group[i]);
        if (k < 8)
            kcount[k]++;
    }
    draw_begin(c);
    for (size_t i = 0; i < views.n; i++) {
        size_t k = kind_of(kinds, nk, views.group[i]);
        style s = {.fill = by_kind ? wg_ramp_color(qual, k, nk) : hex_rgb(0x3182bd),
                   .fill_alpha = 0.22,
                   .line_alpha = 0.6,
                   .width = 0.4};
        s.line = s.fill;
        draw_one(c, &views.shapes, i, &s);
    }
    for (size_t i = 0; i < cams.n; i++) {
        size_t k = kind_of(kinds, nk, cams.group[i]);
        style s = {.fill = wg_ramp_color(qual, k, nk),
                   .fill_alpha = 1,
                   .line = hex_rgb(0xffffff),
                   .line_alpha = 1,
                   .width = 0.6,
                   .marker = 2.4};
        draw_one(c, &cams.shapes, i, &s);
    }
    draw_end(c);
    for (size_t k = 0; k < nk && t->ne < 22; k++) {
        legend_entry *e = &t->e[t->ne++];
        *e = (legend_entry){.colour = wg_ramp_color(qual, k, nk), .alpha = 1, .shape = 1};
        char cnt[32];
        snprintf(e->text, sizeof e->text, "camera: %.31s (%s)", kinds[k][0] ? kinds[k] : "no kind",
                 fmt_int((long long)kcount[k], cnt, sizeof cnt));
    }
    m->info->points = cams.n;
    if (by_kind) {
        m->info->features = cams.n;
        snprintf(t->heading, sizeof t->heading, "摄像头 Cameras and what they see");
        snprintf(t->note, sizeof t->note,
                 "Shaded: each camera's visible ground, its sector minus what buildings hide "
                 "(wangge assign). %zu cameras, %zu view polygons.",
                 cams.n, views.n);
    }
    wg_map_feats_free(&views);
    wg_map_feats_free(&cams);
    wg_map_feats_free(&spots);
    return WG_OK;
}

typedef struct heat_colour {
    const wg_ramp *ramp;
    bool reverse; /* the default magma runs light (cool) to dark (hot) over a light basemap */
    const double *breaks;
    size_t k;
    double alpha;
} heat_colour;

/* The colour and alpha of class cl: low classes lighter and more transparent, so the hot spots
 * stand out and the basemap shows through the rest. The ramp's extreme ends (near black, near
 * white) are left out. */
static wg_rgb heat_class(const heat_colour *h, size_t cl, double *alpha)
{
    double t = h->k > 1 ? (double)cl / (double)(h->k - 1) : 1;
    *alpha = h->alpha * (0.35 + 0.65 * t);
    double at = 0.1 + 0.8 * t;
    return wg_ramp_at(h->ramp, h->reverse ? 1 - at : at);
}

size_t heat_legend(const wg_render_opts *o, const double *breaks, size_t k, legend_entry *e)
{
    heat_colour hc = {ramp_or(o, "magma"), !o->ramp, breaks, k, o->opacity > 0 ? o->opacity : 0.85};
    for (size_t j = 0; j < k; j++) {
        char a[32], b[32];
        fmt_num(breaks[j], a, sizeof a);
        fmt_num(breaks[j + 1], b, sizeof b);
        e[j] = (legend_entry){0};
        e[j].colour = heat_class(&hc, j, &e[j].alpha);
        snprintf(e[j].text, sizeof e[j].text, j == 0 ? "over %s – %s" : "%s – %s", a, b);
    }
    return k;
}

static uint32_t heat_rgba(double v, void *user)
{
    const heat_colour *h = user;
    if (!(v > 0))
        return 0; /* no density: the basemap shows */
    double a;
    wg_rgb c = heat_class(h, wg_class_of(h->breaks, h->k, v), &a);
    return argb(c, a);
}

/* The incidents the options ask for, inside bbox. */
static wg_points_query points_query(const wg_render_opts *o, const double *bbox)
{
    return (wg_points_query){.bbox = bbox,
                             .from = o->from,
                             .to = o->to,
                             .categories = o->categories,
                             .ncategories = o->ncategories,
                             .categories_file = o->categories_file,
                             .hours = o->weight_hours};
}

wg_status heat_grid_aligned(wg_ctx *ctx, const double view[4], double pixel, wg_raster_grid *g)
{
    /* k * pixel is the same double for the same k, whatever the view: grids of one pixel size
     * share their pixel edges exactly */
    double x0 = floor(view[0] / pixel) * pixel, y1 = ceil(view[3] / pixel) * pixel;
    return wg_raster_grid_by_pixel(ctx, x0, view[1], view[2], y1, pixel, g);
}

wg_status heat_compute(wg_ws *ws, heat *h)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    const wg_render_opts *o = h->o;
    double radius = o->radius_m > 0 ? o->radius_m : 150;
    /* unless asked: one raster pixel per screen pixel, or 150 per inch on paper (capped) */
    double pixel = o->pixel_m > 0         ? o->pixel_m
                   : h->fmt == WG_FMT_PNG ? 1 / h->scale
                                          : 72.0 / 150 / h->scale;
    double fw = h->view[2] - h->view[0], fh = h->view[3] - h->view[1];
    pixel = fmax(pixel, fmax(fw, fh) / 4096);
    /* a tile: never finer than a 32nd of the radius - the density is smooth at that scale, and
     * the raster is drawn resampled smoothly - so a tile zoomed in close costs what one of the
     * district does; tiles draw on every worker at once, each with one thread */
    double v[4] = {h->view[0], h->view[1], h->view[2], h->view[3]};
    if (h->tt) { /* and two pixels beyond the tile, so that its edge is not where the smooth
                  * resampling fades out */
        pixel = fmax(pixel, radius / 32);
        v[0] -= 2 * pixel, v[1] -= 2 * pixel, v[2] += 2 * pixel, v[3] += 2 * pixel;
    }
    wg_raster_grid *g = &h->g;
    wg_status st = WG_OK;
    if (!h->grid_given)
        st = o->pixel_m > 0 ? heat_grid_aligned(ctx, v, pixel, g)
                            : wg_raster_grid_by_pixel(ctx, v[0], v[1], v[2], v[3], pixel, g);
    if (st != WG_OK)
        return st;
    /* the incidents within the radius of the raster (which may reach a little east and south
     * of the view): every one that warms a pixel of it */
    double grow[4] = {g->xmin - radius, g->ymax - (double)g->rows * g->py - radius,
                      g->xmin + (double)g->cols * g->px + radius, g->ymax + radius};
    wg_points_query pq = points_query(o, grow);
    wg_map_points pts;
    st = h->tt ? tile_points(ctx, h->tt, grow, &pts) : wg_map_incidents(ws, &pq, &pts);
    if (st != WG_OK)
        return st;
    h->n = pts.n, h->first = pts.first, h->last = pts.last;
    if (pts.n == 0 && h->breaks_given) { /* a tile without incidents: clear */
        wg_map_points_free(&pts);
        return WG_OK;
    }
    if (pts.n == 0) {
        wg_map_points_free(&pts);
        return wg_fail(ctx, WG_EINPUT,
                       "no incidents to draw in this view and period (import incidents, or widen "
                       "--from/--to or the categories)");
    }
    double *ras = h->ras = wg_alloc_array(g->cols * g->rows * sizeof *ras);
    if (!ras) {
        wg_map_points_free(&pts);
        return wg_fail(ctx, WG_ENOMEM, "no memory for a %zux%zu raster", g->cols, g->rows);
    }
    wg_density_opts dopt = {.kernel = o->kernel, .radius_m = radius, .threads = h->tt ? 1 : 2};
    st = wg_density(ctx, g, &dopt, pts.xy, o->weight_hours ? pts.hours : NULL, pts.n, ras, NULL);
    wg_map_points_free(&pts);
    /* the classes of the pixels with any density: a sample of at most 200,000 of them (the
     * maximum always among them, so the legend ends at the raster's maximum) */
    size_t npix = g->cols * g->rows, nz = 0, hot = 0;
    for (size_t i = 0; st == WG_OK && i < npix; i++) {
        nz += ras[i] > 0;
        if (ras[i] > ras[hot])
            hot = i;
    }
    h->hot = hot;
    h->nonzero = nz;
    if (h->breaks_given)
        return st;
    double *sample = NULL;
    size_t ns = 0;
    if (st == WG_OK && nz == 0)
        st = wg_fail(ctx, WG_EINPUT, "the incidents give no density inside the view");
    enum { SAMPLE = 200000 };
    if (st == WG_OK && !(sample = malloc(((nz < SAMPLE ? nz : SAMPLE) + 1) * sizeof *sample)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK) {
        size_t step = nz / SAMPLE + 1, seen = 0;
        for (size_t i = 0; i < npix; i++)
            if (ras[i] > 0 && seen++ % step == 0 && ns < SAMPLE)
                sample[ns++] = ras[i];
        sample[ns++] = ras[hot];
        int want = o->classes > 0 ? o->classes : 6;
        st = wg_classify(ctx, sample, ns, (size_t)want, o->classify, h->breaks, &h->k);
    }
    free(sample);
    /* the lowest class starts at (not including) zero: zero is left clear */
    h->breaks[0] = 0;
    return st;
}

/* The raster of h on the map, its legend and its texts. */
static wg_status heat_draw(map_ctx *m, theme *t, const heat *h)
{
    char n1[32];
    canvas *c = m->c;
    const wg_render_opts *o = m->o;
    const wg_raster_grid *g = &h->g;
    double radius = o->radius_m > 0 ? o->radius_m : 150;
    size_t k = h->k;
    period_text(o, h->first, h->last, m->period, sizeof m->period);
    heat_colour hc = {ramp_or(o, "magma"), !o->ramp, h->breaks, k,
                      o->opacity > 0 ? o->opacity : 0.85};
    wg_status st = draw_raster(c, g, h->ras, heat_rgba, &hc);
    if (st != WG_OK)
        return st;
    t->ne = heat_legend(o, h->breaks, k, t->e);
    m->info->nbreaks = k + 1;
    memcpy(m->info->breaks, h->breaks, (k + 1) * sizeof *h->breaks);
    m->info->value_max = h->ras[h->hot];
    m->info->hot_x = g->xmin + ((double)(h->hot % g->cols) + 0.5) * g->px;
    m->info->hot_y = g->ymax - ((double)(h->hot / g->cols) + 0.5) * g->py;
    m->info->hot_px = cx(c, m->info->hot_x);
    m->info->hot_py = cy(c, m->info->hot_y);
    m->info->points = h->n;
    m->info->grid = *g;
    m->info->nonzero = h->nonzero;
    snprintf(t->heading, sizeof t->heading, "%s per km² (%s)",
             o->weight_hours ? "处置工时 Handling hours" : "事件密度 Incidents",
             wg_class_method_name(o->classify));
    snprintf(t->note, sizeof t->note,
             "Kernel density: %s kernel, radius %g m, pixel %.1f m; %s incidents. Zero "
             "density is left clear.",
             wg_kernel_name(o->kernel), radius, g->px, fmt_int((long long)h->n, n1, sizeof n1));
    snprintf(t->title, sizeof t->title, "事件热力图 Incident density");
    snprintf(t->sub, sizeof t->sub, "%s incidents%s%s", n1, o->ncategories ? ", categories " : "",
             o->ncategories ? o->categories[0] : "");
    return WG_OK;
}

/* The heatmap's raster made on a thread of its own, reading through a second connection to the
 * workspace (a reader like any other: it sees whole transactions only). */
typedef struct heat_thread {
    heat h;
    wg_ctx *ctx; /* the thread's: the map's cancellation, its own errors */
    char path[4096];
    pthread_t tid;
    wg_status st;
    char err[1024];
} heat_thread;

static void *heat_run(void *arg)
{
    heat_thread *T = arg;
    wg_ctx *ctx = T->ctx;
    wg_ws *ws = NULL;
    T->st = ctx ? wg_ws_open(ctx, T->path, &ws) : WG_ENOMEM;
    if (T->st == WG_OK)
        T->st = heat_compute(ws, &T->h);
    wg_ws_close(ws);
    snprintf(T->err, sizeof T->err, "%s", ctx ? wg_ctx_errmsg(ctx) : "out of memory");
    return NULL;
}

/* Starts making the heatmap's raster on a thread; false when no thread could be started (the
 * raster is then made in line, by recipe_heatmap). */
static bool heat_start(map_ctx *m, heat_thread *T)
{
    memset(T, 0, sizeof *T);
    T->h = (heat){.o = m->o, .scale = m->c->s, .fmt = m->c->fmt};
    memcpy(T->h.view, m->c->view, sizeof T->h.view);
    snprintf(T->path, sizeof T->path, "%s", wg_ws_spec(m->ws));
    if (strlen(wg_ws_spec(m->ws)) >= sizeof T->path || !(T->ctx = wg_ctx_new_for_thread(m->c->ctx)))
        return false;
    if (pthread_create(&T->tid, NULL, heat_run, T) != 0) {
        wg_ctx_free(T->ctx);
        T->ctx = NULL;
        return false;
    }
    return true;
}

/* Waits for the thread and draws what it made (with t; without, only waits), or fails with
 * its message. */
static wg_status heat_finish(map_ctx *m, theme *t, heat_thread *T)
{
    pthread_join(T->tid, NULL);
    wg_ctx_free(T->ctx);
    T->ctx = NULL;
    wg_status st = T->st != WG_OK ? wg_fail(m->c->ctx, T->st, "%s", T->err)
                   : t            ? heat_draw(m, t, &T->h)
                                  : WG_OK;
    free(T->h.ras);
    return st;
}

wg_status recipe_heatmap(map_ctx *m, theme *t)
{
    heat h = {.o = m->o, .scale = m->c->s, .fmt = m->c->fmt, .tt = m->tt};
    memcpy(h.view, m->c->view, sizeof h.view);
    if (m->tt) { /* a tile: the classes of the whole map */
        h.breaks_given = true;
        h.k = m->tt->k;
        memcpy(h.breaks, m->tt->breaks, sizeof h.breaks);
    }
    wg_status st = heat_compute(m->ws, &h);
    if (st == WG_OK && h.ras && h.nonzero > 0)
        st = heat_draw(m, t, &h);
    free(h.ras);
    return st;
}

void draw_points(canvas *c, const wg_map_points *p, size_t ncat, size_t size_n,
                 const wg_render_opts *o)
{
    const wg_ramp *qual = ramp_or(o, "Tableau10");
    size_t shown = ncat < 9 ? ncat : 9; /* the rest share one grey: "other" */
    double r = size_n > 200000 ? 0.6 : size_n > 20000 ? 1.0 : 1.8;
    double alpha = size_n > 200000 ? 0.5 : 0.85;
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, c->frame.x, c->frame.y, c->frame.w, c->frame.h);
    cairo_clip(cr);
    /* the rarest categories last, so they are not buried under the common ones */
    for (size_t cat = ncat; cat-- > 0;) {
        wg_rgb col = cat < shown ? wg_ramp_color(qual, cat, shown) : hex_rgb(0x969696);
        set_rgb(cr, col, alpha);
        size_t in = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (p->cat[i] != cat)
                continue;
            cairo_new_sub_path(cr);
            cairo_arc(cr, cx(c, p->xy[2 * i]), cy(c, p->xy[2 * i + 1]), r * c->u, 0, 2 * M_PI);
            if (++in % 4096 == 0)
                cairo_fill(cr); /* short paths keep cairo's tessellation fast */
        }
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

wg_status recipe_incidents(map_ctx *m, theme *t)
{
    canvas *c = m->c;
    wg_points_query pq = points_query(m->o, c->view);
    wg_map_points p;
    wg_status st = wg_map_incidents(m->ws, &pq, &p);
    if (st != WG_OK)
        return st;
    period_text(m->o, p.first, p.last, m->period, sizeof m->period);
    const wg_ramp *qual = ramp_or(m->o, "Tableau10");
    size_t shown = p.ncat < 9 ? p.ncat : 9;
    draw_points(c, &p, p.ncat, p.n, m->o);
    size_t other = 0;
    for (size_t k = 0; k < p.ncat; k++) {
        if (k >= shown) {
            other += p.cat_count[k];
            continue;
        }
        t->e[t->ne] =
            (legend_entry){.colour = wg_ramp_color(qual, k, shown), .alpha = 1, .shape = 1};
        char cnt[32];
        snprintf(t->e[t->ne].text, sizeof t->e[t->ne].text, "%s (%s)",
                 p.category[k][0] ? p.category[k] : "no category",
                 fmt_int((long long)p.cat_count[k], cnt, sizeof cnt));
        t->ne++;
    }
    if (other) {
        t->e[t->ne] = (legend_entry){.colour = hex_rgb(0x969696), .alpha = 1, .shape = 1};
        char cnt[32];
        snprintf(t->e[t->ne].text, sizeof t->e[t->ne].text, "other (%s)",
                 fmt_int((long long)other, cnt, sizeof cnt));
        t->ne++;
    }
    m->info->points = m->info->features = p.n;
    snprintf(t->heading, sizeof t->heading, "事件类别 Incidents by category");
    snprintf(t->title, sizeof t->title, "事件分布 Incidents");
    char n1[32];
    snprintf(t->sub, sizeof t->sub, "%s incidents", fmt_int((long long)p.n, n1, sizeof n1));
    wg_map_points_free(&p);
    return st;
}

static wg_status recipe_diff(map_ctx *m, theme *t, wg_map_feats *keep)
{
    int64_t a = 0, b = m->plan;
    char aname[128];
    wg_status st = wg_plan_find(m->ws, m->o->plan ? m->o->plan : "", &a);
    if (st != WG_OK)
        return st;
    if ((st = wg_map_plan(m->ws, a, &a, aname)) != WG_OK)
        return st;
    wg_plan_diff d;
    if ((st = wg_plan_diff_get(m->ws, a, b, &d)) != WG_OK)
        return st;
    wg_map_feats old, cells;
    if ((st = read_cells(m, a, &old)) != WG_OK) {
        wg_plan_diff_free(&d);
        return st;
    }
    if ((st = read_cells(m, b, &cells)) != WG_OK) {
        wg_map_feats_free(&old);
        wg_plan_diff_free(&d);
        return st;
    }
    static const unsigned colours[3] = {0xe5e5e5, 0xfdae61, 0x1a9850};
    static const char *names[3] = {"kept", "changed", "new"};
    size_t count[3] = {0};
    char **from = malloc((d.nmap + 1) * sizeof *from);
    if (!from) {
        wg_map_feats_free(&old), wg_map_feats_free(&cells), wg_plan_diff_free(&d);
        return wg_fail(m->c->ctx, WG_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < d.nmap; j++)
        from[j] = d.map[j].from;
    qsort(from, d.nmap, sizeof *from, cmp_str);
    /* new: no cell of that code in the old plan; changed: the old cell of that code lost or
     * gained units (it is in the diff's map); else kept. Fills state by state, then outlines */
    size_t *idx = malloc((cells.n + 1) * sizeof *idx), at[4] = {0};
    uint8_t *state = malloc(cells.n + 1);
    if (!idx || !state) {
        free(idx), free(state), free(from);
        wg_map_feats_free(&old), wg_map_feats_free(&cells), wg_plan_diff_free(&d);
        return wg_fail(m->c->ctx, WG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cells.n; i++) {
        state[i] = !has_key(old.key, old.n, cells.key[i]) ? 2
                   : has_key(from, d.nmap, cells.key[i])  ? 1
                                                          : 0;
        count[state[i]]++;
    }
    at[1] = count[0], at[2] = count[0] + count[1];
    for (size_t i = 0; i < cells.n; i++)
        idx[at[state[i]]++] = i;
    for (size_t k = 0, first = 0; k < 3; first += count[k++]) {
        style s = {.fill = hex_rgb(colours[k]), .fill_alpha = 0.85};
        draw_set(m->c, &cells.shapes, idx + first, count[k], &s);
    }
    style edge = {.line = hex_rgb(0x555555), .line_alpha = 0.8, .width = 0.5};
    draw_all(m->c, &cells.shapes, &edge);
    free(idx), free(state), free(from);
    static const double dash[] = {2.5, 2};
    style was = {
        .line = hex_rgb(0xb2182b), .line_alpha = 1, .width = 1.1, .dash = dash, .ndash = 2};
    draw_all(m->c, &old.shapes, &was);
    for (int k = 0; k < 3; k++) {
        t->e[t->ne] = (legend_entry){.colour = hex_rgb(colours[k]), .alpha = 0.85};
        char cnt[32];
        snprintf(t->e[t->ne].text, sizeof t->e[t->ne].text, "%s cell (%s)", names[k],
                 fmt_int((long long)count[k], cnt, sizeof cnt));
        t->ne++;
    }
    t->e[t->ne] = (legend_entry){.colour = was.line, .alpha = 1, .shape = 2};
    snprintf(t->e[t->ne].text, sizeof t->e[t->ne].text, "old boundary (%s)", aname);
    t->ne++;
    m->info->features = cells.n;
    snprintf(t->heading, sizeof t->heading, "调整 Changes from %s", aname);
    char n[6][32];
    snprintf(t->note, sizeof t->note,
             "%s %s and %s units change cell; %s cells added, %s removed, %s changed, %s kept.",
             fmt_int((long long)d.moved_households, n[0], 32), m->weight.name,
             fmt_int((long long)d.moved_units, n[1], 32), fmt_int((long long)d.added, n[2], 32),
             fmt_int((long long)d.removed, n[3], 32), fmt_int((long long)d.changed, n[4], 32),
             fmt_int((long long)d.same, n[5], 32));
    snprintf(t->title, sizeof t->title, "网格调整 Plan changes %s → %s", aname, m->plan_name);
    snprintf(t->sub, sizeof t->sub, "%s cells in %s, %s in %s", fmt_int((long long)old.n, n[0], 32),
             aname, fmt_int((long long)cells.n, n[1], 32), m->plan_name);
    *keep = cells;
    wg_map_feats_free(&old);
    wg_plan_diff_free(&d);
    return WG_OK;
}

/* Light cell outlines for orientation on maps whose theme is not the cells. */
/* The cells' outlines over a heatmap, the incidents or the cameras. */
#define OUTLINE                                                                                    \
    (style)                                                                                        \
    {                                                                                              \
        .line = hex_rgb(0x555555), .line_alpha = 0.55, .width = 0.45                               \
    }

/* The outlines of the plan's cells, over what is drawn (read into *keep unless read there
 * already: keep->n > 0). */
wg_status cell_outlines(map_ctx *m, wg_map_feats *keep)
{
    if (!m->plan)
        return WG_OK;
    wg_status st = keep->n ? WG_OK : read_outlines(m, keep);
    if (st != WG_OK)
        return st;
    style s = OUTLINE;
    draw_all(m->c, &keep->shapes, &s);
    return WG_OK;
}

/* A heatmap's work beside the basemap: its raster on one thread (through a connection of its
 * own), and on a PNG the cells' outlines drawn into a layer of their own on another, both while
 * this thread reads and draws the basemap. Drawing the outlines on a clear layer and laying it
 * over the raster gives the picture drawing them there would (OVER is associative). */
typedef struct heat_side {
    heat_thread heat;
    bool heat_on;
    wg_map_feats cells;
    canvas lc; /* the map's canvas, drawing into `layer` */
    cairo_surface_t *layer;
    pthread_t tid;
    bool outlines_on;
} heat_side;

static void side_start(map_ctx *m, heat_side *S)
{
    memset(S, 0, sizeof *S);
    S->heat_on = heat_start(m, &S->heat);
}

static void *outlines_run(void *arg)
{
    heat_side *S = arg;
    style s = OUTLINE;
    draw_all(&S->lc, &S->cells.shapes, &s);
    return NULL;
}

/* After the basemap is read: the cells, and on a PNG their outlines drawn on a thread. */
static wg_status side_outlines(map_ctx *m, heat_side *S)
{
    canvas *c = m->c;
    if (!S->heat_on || !m->plan)
        return WG_OK;
    wg_status st = read_outlines(m, &S->cells);
    if (st != WG_OK || c->fmt != WG_FMT_PNG)
        return st;
    S->layer =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cairo_image_surface_get_width(c->surf),
                                   cairo_image_surface_get_height(c->surf));
    S->lc = *c;
    S->lc.cr = cairo_create(S->layer);
    if (cairo_status(S->lc.cr) == CAIRO_STATUS_SUCCESS)
        S->outlines_on = pthread_create(&S->tid, NULL, outlines_run, S) == 0;
    return WG_OK; /* without the thread, the outlines are drawn in line */
}

/* The raster (t: drawn with its legend; NULL: only waited for), then the outlines over it. The
 * cells move to *cells. */
static wg_status side_finish(map_ctx *m, theme *t, heat_side *S, wg_map_feats *cells)
{
    wg_status st = S->heat_on ? heat_finish(m, t, &S->heat) : t ? recipe_heatmap(m, t) : WG_OK;
    if (S->outlines_on) {
        pthread_join(S->tid, NULL);
        if (st == WG_OK && t) {
            cairo_t *cr = m->c->cr;
            cairo_save(cr);
            cairo_identity_matrix(cr);
            cairo_reset_clip(cr);
            cairo_set_source_surface(cr, S->layer, 0, 0);
            cairo_paint(cr);
            cairo_restore(cr);
        }
    }
    if (S->lc.cr)
        cairo_destroy(S->lc.cr);
    if (S->layer)
        cairo_surface_destroy(S->layer);
    *cells = S->cells;
    if (st == WG_OK && t && !S->outlines_on)
        st = cell_outlines(m, cells);
    S->heat_on = S->outlines_on = false;
    return st;
}

wg_status map_draw(map_ctx *m, wg_map_kind kind)
{
    canvas *c = m->c;
    basemap b;
    wg_map_feats cells = {0};
    /* a heatmap's raster and outlines are made meanwhile, on the other core */
    heat_side *side = kind == WG_MAP_HEATMAP ? malloc(sizeof *side) : NULL;
    if (side)
        side_start(m, side);
    wg_status st = basemap_load(c, m->ws, &b);
    if (st == WG_OK && side)
        st = side_outlines(m, side);
    if (st != WG_OK) {
        if (side)
            side_finish(m, NULL, side, &cells);
        wg_map_feats_free(&cells);
        free(side);
        return st;
    }
    basemap_draw(c, &b);
    /* the furniture inside the frame takes its place first, so labels keep clear of it; it is
     * drawn last, over everything */
    layout *L = &m->L;
    draw_north(c, false);
    draw_scalebar(c, false);
    theme *t = calloc(1, sizeof *t);
    if (!t) {
        if (side)
            side_finish(m, NULL, side, &cells);
        wg_map_feats_free(&cells);
        free(side);
        basemap_free(&b);
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory");
    }
    bool label = true; /* cell codes, on the maps whose theme is the cells */
    snprintf(m->period, sizeof m->period, "all data");
    switch (kind) {
    case WG_MAP_HEATMAP:
        st = side ? side_finish(m, t, side, &cells) : recipe_heatmap(m, t);
        label = false;
        break;
    case WG_MAP_INCIDENTS:
        st = cell_outlines(m, &cells);
        if (st == WG_OK)
            st = recipe_incidents(m, t);
        label = false;
        break;
    case WG_MAP_PLAN:
        st = recipe_plan(m, t, &cells);
        break;
    case WG_MAP_WORKLOAD:
    case WG_MAP_RATE:
    case WG_MAP_COVERAGE:
        st = recipe_cells(m, kind, t, &cells);
        if (st == WG_OK && kind == WG_MAP_COVERAGE)
            st = draw_cameras(m, t, true, false);
        break;
    case WG_MAP_CAMERAS:
        st = camera_views_current(m);
        if (st == WG_OK)
            st = cell_outlines(m, &cells);
        if (st == WG_OK)
            st = draw_cameras(m, t, false, true);
        label = false;
        snprintf(t->title, sizeof t->title, "摄像头 Cameras");
        break;
    case WG_MAP_DIFF:
        st = recipe_diff(m, t, &cells);
        break;
    case WG_MAP_BASE:
        label = false;
        snprintf(t->title, sizeof t->title, "底图 Basemap");
        break;
    default:
        st = wg_fail(c->ctx, WG_EINPUT, "unknown map kind");
    }
    if (st == WG_OK) {
        basemap_draw_top(c, &b, true);
        if (label)
            label_cells(c, &cells, 6.5);
        draw_north(c, true);
        draw_scalebar(c, true);
        draw_frame(c);
        double y = L->panel.y;
        if (t->ne)
            draw_legend(c, &L->panel, &y, t->heading, t->e, t->ne);
        if (m->info)
            snprintf(m->info->heading, sizeof m->info->heading, "%s", t->heading);
        if (t->note[0])
            draw_note(c, &L->panel, &y, t->note);
        m->panel_y = y;
        if (!t->sub[0] && m->plan)
            snprintf(t->sub, sizeof t->sub, "plan %s", m->plan_name);
        draw_title(c, L, m->o->title ? m->o->title : t->title, t->sub);
        draw_footer(c, L, m->period, wg_ws_crs(m->ws), m->source);
        m->info->labels = c->labels;
        m->info->labels_dropped = c->dropped;
        st = canvas_status(c, "drawing the map");
        if (st == WG_OK && wg_ctx_cancelled(c->ctx))
            st = wg_fail(c->ctx, WG_EINTR, "interrupted: no map was written");
    }
    wg_map_feats_free(&cells);
    free(t);
    free(side);
    basemap_free(&b);
    return st;
}

/* Sets up a map context for the plan the options name (or the active one, when any). */
wg_status map_begin(wg_ws *ws, const wg_render_opts *o, wg_map_kind kind, canvas *c, map_ctx *m,
                    wg_render_info *info)
{
    *m = (map_ctx){.ws = ws, .o = o, .c = c, .info = info};
    const char *ref = kind == WG_MAP_DIFF ? o->plan_b : o->plan;
    wg_status st = wg_store_weight_name(ws, &m->weight);
    if (st == WG_OK && ref) {
        st = wg_plan_find(ws, ref, &m->plan);
        if (st == WG_OK)
            st = wg_map_plan(ws, m->plan, &m->plan, m->plan_name);
    } else if (st == WG_OK) {
        st = wg_map_plan(ws, 0, &m->plan, m->plan_name);
        /* maps of incidents or cameras do without a plan; the others need the active one */
        bool needs = kind == WG_MAP_PLAN || kind == WG_MAP_WORKLOAD || kind == WG_MAP_RATE ||
                     kind == WG_MAP_COVERAGE || kind == WG_MAP_DIFF;
        if (st == WG_OK && !m->plan && needs)
            st = wg_fail(wg_ws_ctx(ws), WG_EINPUT,
                         "the workspace has no active plan (run wangge partition)");
    }
    if (st == WG_OK && kind == WG_MAP_DIFF && !o->plan)
        st = wg_fail(wg_ws_ctx(ws), WG_EINPUT, "the diff map needs --plan OLD (and --plan-b NEW)");
    if (st != WG_OK)
        return st;
    snprintf(m->source, sizeof m->source, "Source: %s", o->source ? o->source : wg_ws_label(ws));
    m->L = page_layout(c);
    st = map_view(ws, o, m->plan, m->view);
    if (st == WG_OK)
        canvas_view(c, m->L.frame, m->view);
    return st;
}

void info_page(const canvas *c, wg_render_info *info)
{
    info->pages = c->pages;
    info->width = c->W;
    info->height = c->H;
    info->frame[0] = c->frame.x;
    info->frame[1] = c->frame.y;
    info->frame[2] = c->frame.w;
    info->frame[3] = c->frame.h;
    memcpy(info->view, c->view, sizeof info->view);
    info->scale = c->s;
    for (int k = 0; k < WG_FURN_N; k++) {
        const rect *r = &c->furn[k];
        double b[4] = {r->x, r->y, r->w, r->h};
        memcpy(info->furniture[k], b, sizeof b);
    }
}

wg_status render_doc(wg_ws *ws, const wg_render_opts *o, const char *path, wg_map_kind kind,
                     const char *what, const char *title_fmt, doc_fn more, void *user,
                     wg_render_info *info)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    double t0 = wg_now();
    wg_render_info scratch;
    info = info ? info : &scratch;
    *info = (wg_render_info){0};
    wg_render_format f;
    if (what && (!wg_render_format_of(path, &f) || f != WG_FMT_PDF))
        return wg_fail(ctx, WG_EINPUT, "%s: the %s is a PDF: its name must end in .pdf", path,
                       what);
    /* a document's first page shows the whole plan */
    wg_render_opts first = *o;
    if (what)
        first.community = NULL;
    canvas c;
    wg_status st = canvas_open(ctx, &c, path, o);
    if (st != WG_OK)
        return st;
    map_ctx m;
    char title[200];
    st = map_begin(ws, &first, kind, &c, &m, info);
    if (st == WG_OK && title_fmt && !o->title) {
        snprintf(title, sizeof title, "%s%s", title_fmt, m.plan_name);
        first.title = title;
    }
    if (st == WG_OK)
        st = map_draw(&m, kind);
    info_page(&c, info);
    if (st == WG_OK && more)
        st = more(&m, user);
    info->pages = c.pages;
    wg_status cs = canvas_close(&c, st == WG_OK);
    info->seconds = wg_now() - t0;
    return st != WG_OK ? st : cs;
}

void plan_range(const wg_plan_params *p, double *target, double *lo, double *hi)
{
    *target = p->target > 0 ? (double)p->target : 250;
    *lo = p->has_range ? (double)p->min : 200;
    *hi = p->has_range ? (double)p->max : 300;
}

wg_status wg_render(wg_ws *ws, wg_map_kind kind, const wg_render_opts *o, const char *path,
                    wg_render_info *info)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    if (o->classes < 0 || o->classes > 9 || o->classes == 1)
        return wg_fail(ctx, WG_EINPUT, "--classes %d: must be 2 to 9", o->classes);
    if (o->ramp && !wg_ramp_find(o->ramp))
        return wg_fail(ctx, WG_EINPUT, "--ramp %s: unknown colour ramp", o->ramp);
    wg_render_format f;
    if (wg_render_format_of(path, &f) && f == WG_FMT_TIF) {
        if (kind != WG_MAP_HEATMAP)
            return wg_fail(ctx, WG_EINPUT,
                           "%s: only the heatmap is a raster; draw the %s map as .png, .pdf or "
                           ".svg",
                           path, wg_map_kind_name(kind));
        return heat_geotiff(ws, o, path, info);
    }
    return render_doc(ws, o, path, kind, NULL, NULL, NULL, NULL, info);
}
