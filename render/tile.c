/* render/tile.c: map tiles in Web Mercator (see wg/render.h): the theme all tiles of one map
 * share, and one tile drawn by the printed maps' recipes through an affine device matrix. */
#include "render_int.h"
#include "wg/proj.h"
#include "wg/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MERC_HALF 20037508.342789244 /* half the Web Mercator world, metres */
#define BUCKETS 512                  /* per side of the incidents' bucket grid */

static int cmp_code(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- The theme ---------------------------------------------------------------------------- */

static void base_free(tile_base *b)
{
    if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    wg_map_points_free(&b->pts);
    free(b->start);
    free(b);
}

static void theme_free_parts(wg_tile_theme *t)
{
    base_free(t->base);
    free(t->xy_more);
    free(t->cat_more);
    for (size_t i = 0; i < t->ncells; i++)
        free(t->codes[i]);
    free(t->codes);
    free(t->val);
    free(t->flag);
    wg_plan_detail_free(&t->plan);
    for (size_t i = 0; i < t->o.ncategories; i++)
        free((char *)t->o.categories[i]);
    free((void *)t->o.categories);
}

void wg_tile_theme_free(wg_tile_theme *t)
{
    if (!t)
        return;
    theme_free_parts(t);
    free(t);
}

/* Sorts the points into BUCKETS x BUCKETS buckets over their extent (a counting sort). */
static wg_status bucket_points(wg_ctx *ctx, tile_base *t)
{
    wg_map_points *p = &t->pts;
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < p->n; i++) {
        double x = p->xy[2 * i], y = p->xy[2 * i + 1];
        e[0] = x < e[0] ? x : e[0], e[1] = y < e[1] ? y : e[1];
        e[2] = x > e[2] ? x : e[2], e[3] = y > e[3] ? y : e[3];
    }
    if (p->n == 0)
        e[0] = e[1] = 0, e[2] = e[3] = 1;
    e[2] = fmax(e[2], e[0] + 1), e[3] = fmax(e[3], e[1] + 1);
    memcpy(t->ext, e, sizeof e);
    size_t G = t->G = BUCKETS, n = p->n;
    uint32_t *b = malloc((n + 1) * sizeof *b);
    size_t *start = t->start = calloc(G * G + 1, sizeof *start);
    double *xy = malloc((2 * n + 1) * sizeof *xy);
    uint16_t *cat = malloc((n + 1) * sizeof *cat);
    double *hours = p->hours ? malloc((n + 1) * sizeof *hours) : NULL;
    if (!b || !start || !xy || !cat || (p->hours && !hours)) {
        free(b), free(xy), free(cat), free(hours);
        return wg_fail(ctx, WG_ENOMEM, "out of memory sorting %zu incidents for tiles", n);
    }
    double sx = (double)G / (e[2] - e[0]), sy = (double)G / (e[3] - e[1]);
    for (size_t i = 0; i < n; i++) {
        size_t gx = (size_t)((p->xy[2 * i] - e[0]) * sx),
               gy = (size_t)((p->xy[2 * i + 1] - e[1]) * sy);
        gx = gx < G ? gx : G - 1, gy = gy < G ? gy : G - 1;
        b[i] = (uint32_t)(gy * G + gx);
        start[b[i] + 1]++;
    }
    for (size_t k = 0; k < G * G; k++)
        start[k + 1] += start[k];
    size_t *at = malloc((G * G + 1) * sizeof *at);
    if (!at) {
        free(b), free(xy), free(cat), free(hours);
        return wg_fail(ctx, WG_ENOMEM, "out of memory sorting %zu incidents for tiles", n);
    }
    memcpy(at, start, (G * G + 1) * sizeof *at);
    for (size_t i = 0; i < n; i++) {
        size_t j = at[b[i]]++;
        xy[2 * j] = p->xy[2 * i], xy[2 * j + 1] = p->xy[2 * i + 1];
        cat[j] = p->cat[i];
        if (hours)
            hours[j] = p->hours[i];
    }
    free(at), free(b);
    free(p->xy), free(p->cat), free(p->hours);
    p->xy = xy, p->cat = cat, p->hours = hours;
    return WG_OK;
}

wg_status tile_points(wg_ctx *ctx, const wg_tile_theme *tt, const double bbox[4],
                      wg_map_points *out)
{
    const tile_base *tb = tt->base;
    const wg_map_points *p = &tb->pts;
    *out = (wg_map_points){.ncat = p->ncat, .first = p->first, .last = p->last};
    size_t G = tb->G;
    const double *e = tb->ext;
    bool meets = bbox[2] >= e[0] && bbox[0] <= e[2] && bbox[3] >= e[1] && bbox[1] <= e[3];
    double sx = (double)G / (e[2] - e[0]), sy = (double)G / (e[3] - e[1]);
    size_t x0 = (size_t)fmax(0, fmin((double)(G - 1), (bbox[0] - e[0]) * sx));
    size_t x1 = (size_t)fmax(0, fmin((double)(G - 1), (bbox[2] - e[0]) * sx));
    size_t y0 = (size_t)fmax(0, fmin((double)(G - 1), (bbox[1] - e[1]) * sy));
    size_t y1 = (size_t)fmax(0, fmin((double)(G - 1), (bbox[3] - e[1]) * sy));
    size_t cap = tt->nmore;
    for (size_t gy = y0; meets && gy <= y1; gy++)
        cap += tb->start[gy * G + x1 + 1] - tb->start[gy * G + x0];
    out->xy = malloc((2 * cap + 1) * sizeof *out->xy);
    out->cat = malloc((cap + 1) * sizeof *out->cat);
    out->hours = p->hours ? malloc((cap + 1) * sizeof *out->hours) : NULL;
    if (!out->xy || !out->cat || (p->hours && !out->hours)) {
        wg_map_points_free(out);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu incidents of a tile", cap);
    }
    size_t n = 0;
    for (size_t gy = y0; meets && gy <= y1; gy++)
        for (size_t i = tb->start[gy * G + x0]; i < tb->start[gy * G + x1 + 1]; i++) {
            double x = p->xy[2 * i], y = p->xy[2 * i + 1];
            if (x < bbox[0] || x > bbox[2] || y < bbox[1] || y > bbox[3])
                continue;
            out->xy[2 * n] = x, out->xy[2 * n + 1] = y;
            out->cat[n] = p->cat[i];
            if (out->hours)
                out->hours[n] = p->hours[i];
            n++;
        }
    /* the incidents added since (no hours: the extended themes are those without) */
    for (size_t i = 0; i < tt->nmore && !out->hours; i++) {
        double x = tt->xy_more[2 * i], y = tt->xy_more[2 * i + 1];
        if (x < bbox[0] || x > bbox[2] || y < bbox[1] || y > bbox[3])
            continue;
        out->xy[2 * n] = x, out->xy[2 * n + 1] = y;
        out->cat[n] = tt->cat_more[i];
        n++;
    }
    out->n = n;
    return WG_OK;
}

size_t tile_camera_kinds(const wg_tile_theme *tt, char kinds[8][32])
{
    memcpy(kinds, tt->kinds, sizeof tt->kinds);
    return tt->nkinds;
}

/* The incidents the options select, bucketed; the heatmap's classes over the whole of them, at
 * a pixel of a third of the radius (density per km² does not depend on the pixel while the
 * pixel is well under the radius). */
static wg_status theme_points(wg_ws *ws, wg_tile_theme *t)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    const wg_render_opts *o = &t->o;
    wg_points_query q = {.from = o->from,
                         .to = o->to,
                         .categories = o->categories,
                         .ncategories = o->ncategories,
                         .categories_file = o->categories_file,
                         .hours = o->weight_hours};
    if (!(t->base = calloc(1, sizeof *t->base)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    t->base->refs = 1;
    wg_status st = wg_map_incidents(ws, &q, &t->base->pts);
    if (st == WG_OK)
        st = bucket_points(ctx, t->base);
    if (st != WG_OK || t->kind != WG_MAP_HEATMAP || t->base->pts.n == 0)
        return st;
    double radius = o->radius_m > 0 ? o->radius_m : 150;
    heat h = {.o = o, .scale = 3 / radius, .fmt = WG_FMT_PNG, .tt = t};
    memcpy(h.view, t->base->ext, sizeof h.view);
    st = heat_compute(ws, &h);
    if (st == WG_OK) {
        /* to three significant figures, as the legend shows them: one more incident then
         * seldom moves a break, and tiles away from it stay as they are */
        memcpy(t->breaks, h.breaks, sizeof t->breaks);
        t->k = h.k;
        for (size_t j = 1; j <= h.k; j++) {
            double v = h.breaks[j], m = v > 0 ? pow(10, floor(log10(v)) - 2) : 0;
            double r = m > 0 ? round(v / m) * m : v;
            t->breaks[j] = r > t->breaks[j - 1] ? r : v;
        }
        /* the top class must hold the maximum */
        t->breaks[h.k] = fmax(t->breaks[h.k], h.breaks[h.k]);
    } else if (st == WG_EINPUT) { /* no density anywhere: every tile is clear */
        wg_ctx_clear(ctx);
        st = WG_OK;
    }
    free(h.ras);
    return st;
}

/* The report's measure of every cell, and the classes of the workload and rate maps. */
static wg_status theme_cells(wg_ws *ws, wg_tile_theme *t)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    const wg_render_opts *o = &t->o;
    wg_report_opts ro = {.by = WG_BY_CELL,
                         .from = o->from,
                         .to = o->to,
                         .categories = o->categories,
                         .ncategories = o->ncategories,
                         .categories_file = o->categories_file,
                         .weights_file = o->weights_file};
    wg_report r;
    wg_status st = wg_report_make(ws, &ro, &r);
    if (st != WG_OK)
        return st;
    size_t n = r.nrows;
    t->codes = calloc(n + 1, sizeof *t->codes);
    t->val = malloc((n + 1) * sizeof *t->val);
    t->flag = malloc(n + 1);
    if (!t->codes || !t->val || !t->flag) {
        wg_report_free(&r);
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    }
    /* the rows sorted by code, values beside them */
    size_t *ord = malloc((n + 1) * sizeof *ord);
    for (size_t i = 0; ord && i < n; i++)
        ord[i] = i;
    for (size_t i = 0; ord && i < n; i++)
        if (!(t->codes[i] = strdup(r.rows[i].id)))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    t->ncells = ord ? n : 0;
    if (!ord)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK) {
        qsort(t->codes, n, sizeof *t->codes, cmp_code);
        for (size_t i = 0; i < n; i++) {
            char *key = r.rows[i].id;
            char **hit = bsearch(&key, t->codes, n, sizeof *t->codes, cmp_code);
            size_t j = (size_t)(hit - t->codes);
            t->val[j] = cell_measure(t->kind, &r.rows[i]);
            t->flag[j] = (signed char)r.rows[i].flag;
        }
        t->over = r.over, t->under = r.under;
        if (t->kind == WG_MAP_COVERAGE) {
            memcpy(t->breaks, COVERAGE_PCT, sizeof COVERAGE_PCT);
            t->k = 5;
        } else {
            size_t finite = 0;
            for (size_t i = 0; i < n; i++)
                finite += isfinite(t->val[i]) != 0;
            int want = o->classes > 0 ? o->classes : 5;
            if (finite)
                st = wg_classify(ctx, t->val, n, (size_t)want, o->classify, t->breaks, &t->k);
        }
    }
    free(ord);
    wg_report_free(&r);
    return st;
}

static wg_status kind_seen(void *user, const wg_map_rec *r)
{
    wg_tile_theme *t = user;
    const char *k = r->group ? r->group : "";
    for (size_t i = 0; i < t->nkinds; i++)
        if (strcmp(t->kinds[i], k) == 0)
            return WG_OK;
    if (t->nkinds < 8)
        snprintf(t->kinds[t->nkinds++], sizeof t->kinds[0], "%s", k);
    return WG_OK;
}

/* Copies the theme's own options (the category filter) into nt, which shares everything else. */
static wg_status copy_categories(wg_ctx *ctx, const wg_render_opts *from, wg_tile_theme *nt)
{
    nt->o.categories = NULL, nt->o.ncategories = 0;
    if (!from->ncategories)
        return WG_OK;
    char **c = calloc(from->ncategories, sizeof *c);
    nt->o.categories = (const char *const *)c;
    for (size_t i = 0; c && i < from->ncategories; i++)
        if ((c[i] = strdup(from->categories[i])))
            nt->o.ncategories++;
    if (!c || nt->o.ncategories != from->ncategories)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    return WG_OK;
}

wg_status wg_tile_theme_make(wg_ws *ws, wg_map_kind kind, const wg_render_opts *o,
                             wg_tile_theme **out)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    *out = NULL;
    if (kind == WG_MAP_DIFF)
        return wg_fail(ctx, WG_EINPUT, "the diff map has no tiles");
    wg_tile_theme *t = calloc(1, sizeof *t);
    if (!t)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    t->kind = kind;
    t->o = *o;
    t->o.categories = NULL, t->o.ncategories = 0;
    t->o.bbox = NULL, t->o.community = NULL, t->o.title = NULL, t->o.period_text = NULL;
    t->o.plan = t->o.plan_b = NULL, t->o.source = NULL, t->o.paper = NULL;
    wg_status st = copy_categories(ctx, o, t); /* the theme keeps its own copy of the filter */
    if (st == WG_OK && (kind == WG_MAP_HEATMAP || kind == WG_MAP_INCIDENTS))
        st = theme_points(ws, t);
    if (st == WG_OK && (kind == WG_MAP_WORKLOAD || kind == WG_MAP_RATE || kind == WG_MAP_COVERAGE))
        st = theme_cells(ws, t);
    if (st == WG_OK)
        st = wg_store_weight_name(ws, &t->weight);
    if (st == WG_OK && kind == WG_MAP_PLAN) {
        int64_t plan = 0;
        char name[128];
        st = wg_map_plan(ws, 0, &plan, name);
        if (st == WG_OK && !plan)
            st = wg_fail(ctx, WG_EINPUT, "the workspace has no active plan (run wangge partition)");
        if (st == WG_OK)
            st = wg_plan_detail_get(ws, plan, &t->plan);
    }
    if (st == WG_OK && (kind == WG_MAP_CAMERAS || kind == WG_MAP_COVERAGE)) {
        wg_map_query q = {0};
        st = wg_store_map_each(ws, WG_ML_CAMERAS, &q, 0, kind_seen, t);
    }
    if (st != WG_OK) {
        wg_tile_theme_free(t);
        return st;
    }
    *out = t;
    return WG_OK;
}

wg_status wg_tile_theme_extend(wg_ws *ws, const wg_tile_theme *t, int64_t since, size_t known,
                               wg_tile_theme **out, double **xy, size_t *n)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    *out = NULL, *xy = NULL, *n = 0;
    if (!t->base || t->o.weight_hours || t->o.categories_file)
        return WG_OK;
    wg_incidents inc = {0};
    wg_inc_filter f = {.since = since, .from = t->o.from, .to = t->o.to};
    wg_status st = wg_store_incidents_read(
        ws, WG_IC_POS | WG_IC_XY | WG_IC_CATEGORY | WG_IC_REPORTED, &f, &inc);
    if (st != WG_OK)
        return st;
    const wg_map_points *bp = &t->base->pts;
    size_t limit = bp->n / 20 > 50000 ? bp->n / 20 : 50000;
    bool can = t->nmore + inc.n <= limit;
    uint16_t *cat = can ? malloc((inc.n + 1) * sizeof *cat) : NULL;
    double *pxy = can ? malloc((2 * inc.n + 1) * sizeof *pxy) : NULL;
    size_t m = 0;
    if (can && (!cat || !pxy))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0; st == WG_OK && can && i < inc.n; i++) {
        if (inc.pos[i] < known) { /* one already drawn changed: it may have moved */
            can = false;
            break;
        }
        if (isnan(inc.xy[2 * i]))
            continue;
        const char *name = inc.category[i] == WG_NO_CODE ? "" : inc.cat_code[inc.category[i]];
        bool wanted = t->o.ncategories == 0;
        for (size_t k = 0; !wanted && k < t->o.ncategories; k++)
            wanted = strcmp(t->o.categories[k], name) == 0;
        if (!wanted)
            continue;
        size_t k = 0;
        while (k < bp->ncat && strcmp(bp->category[k], name) != 0)
            k++;
        if (k == bp->ncat) { /* a category the colours do not know */
            can = false;
            break;
        }
        cat[m] = (uint16_t)k;
        pxy[2 * m] = inc.xy[2 * i], pxy[2 * m + 1] = inc.xy[2 * i + 1];
        m++;
    }
    wg_incidents_free(&inc);
    wg_tile_theme *nt = NULL;
    if (st == WG_OK && can && !(nt = malloc(sizeof *nt)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK && can) {
        *nt = *t;
        nt->codes = NULL, nt->val = NULL, nt->flag = NULL, nt->ncells = 0;
        memset(&nt->plan, 0, sizeof nt->plan);
        nt->xy_more = malloc((2 * (t->nmore + m) + 1) * sizeof *nt->xy_more);
        nt->cat_more = malloc((t->nmore + m + 1) * sizeof *nt->cat_more);
        __atomic_add_fetch(&t->base->refs, 1, __ATOMIC_ACQ_REL);
        st = copy_categories(ctx, &t->o, nt);
        if (st == WG_OK && (!nt->xy_more || !nt->cat_more))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory");
        if (st == WG_OK) {
            if (t->nmore) { /* the first extension has none before it (and NULL arrays) */
                memcpy(nt->xy_more, t->xy_more, 2 * t->nmore * sizeof *nt->xy_more);
                memcpy(nt->cat_more, t->cat_more, t->nmore * sizeof *nt->cat_more);
            }
            if (m) {
                memcpy(nt->xy_more + 2 * t->nmore, pxy, 2 * m * sizeof *pxy);
                memcpy(nt->cat_more + t->nmore, cat, m * sizeof *cat);
            }
            nt->nmore = t->nmore + m;
        } else {
            wg_tile_theme_free(nt);
            nt = NULL;
        }
    }
    free(cat);
    if (st != WG_OK || !can) {
        free(pxy);
        return st;
    }
    *out = nt, *xy = pxy, *n = m;
    return WG_OK;
}

static void item_of(const legend_entry *e, wg_legend_item *it)
{
    *it = (wg_legend_item){.r = e->colour.r, .g = e->colour.g, .b = e->colour.b, .alpha = e->alpha};
    snprintf(it->text, sizeof it->text, "%s", e->text);
}

size_t wg_tile_theme_legend(const wg_tile_theme *t, char heading[160], wg_legend_item *items,
                            size_t max)
{
    legend_entry e[24];
    size_t n = 0;
    const wg_weight_name *w = &t->weight;
    heading[0] = '\0';
    switch (t->kind) {
    case WG_MAP_HEATMAP:
        snprintf(heading, 160, "事件密度 Incidents per km²");
        n = heat_legend(&t->o, t->breaks, t->k, e);
        break;
    case WG_MAP_WORKLOAD:
    case WG_MAP_RATE:
    case WG_MAP_COVERAGE: {
        double alpha = t->o.opacity > 0 ? t->o.opacity : 0.8;
        n = t->k ? class_entries(cell_ramp(&t->o, t->kind), t->breaks, t->k, alpha, e) : 0;
        if (t->kind == WG_MAP_WORKLOAD)
            snprintf(heading, 160, "工作量指数 Workload index (mean cell = 1.00)");
        else if (t->kind == WG_MAP_RATE)
            snprintf(heading, 160, "%s%s%sIncidents per 100 %s", w->per, w->per[0] ? "事件" : "",
                     w->per[0] ? " " : "", w->name);
        else {
            snprintf(heading, 160, "视频覆盖率 Open ground seen by cameras");
            for (size_t k = 0; k < n; k++)
                snprintf(e[k].text, sizeof e[k].text, "%g – %g %%", COVERAGE_PCT[k],
                         COVERAGE_PCT[k + 1]);
        }
        break;
    }
    case WG_MAP_PLAN: { /* as the plan map's legend: from few households to many */
        double target, lo, hi;
        plan_range(&t->plan.values, &target, &lo, &hi);
        const wg_ramp *r = ramp_or(&t->o, "RdBu");
        static const char *names[5] = {"below the range", "low", "near target", "high",
                                       "above the range"};
        double alpha = t->o.opacity > 0 ? t->o.opacity : 0.8;
        for (size_t k = 0; k < 5; k++) {
            e[k] = (legend_entry){.colour = wg_ramp_at(r, (double)(4 - k) / 4), .alpha = alpha};
            if (k == 0)
                snprintf(e[k].text, sizeof e[k].text, "%s: under %g", names[k], lo);
            else if (k == 4)
                snprintf(e[k].text, sizeof e[k].text, "%s: over %g", names[k], hi);
            else
                snprintf(e[k].text, sizeof e[k].text, "%s", names[k]);
        }
        n = 5;
        snprintf(heading, 160, "%s%s%s per cell (target %g)", w->zh, w->zh[0] ? " " : "", w->label,
                 target);
        break;
    }
    case WG_MAP_INCIDENTS: {
        const wg_map_points *p = &t->base->pts;
        const wg_ramp *q = ramp_or(&t->o, "Tableau10");
        size_t shown = p->ncat < 9 ? p->ncat : 9;
        for (size_t k = 0; k < shown; k++) {
            e[n] = (legend_entry){.colour = wg_ramp_color(q, k, shown), .alpha = 1, .shape = 1};
            snprintf(e[n++].text, sizeof e[0].text, "%s",
                     p->category[k][0] ? p->category[k] : "no category");
        }
        if (p->ncat > shown) {
            e[n] = (legend_entry){.colour = hex_rgb(0x969696), .alpha = 1, .shape = 1};
            snprintf(e[n++].text, sizeof e[0].text, "other");
        }
        snprintf(heading, 160, "事件类别 Incidents by category");
        break;
    }
    case WG_MAP_CAMERAS: {
        const wg_ramp *q = wg_ramp_find("Dark2");
        for (size_t k = 0; k < t->nkinds; k++) {
            e[n] = (legend_entry){.colour = wg_ramp_color(q, k, t->nkinds), .alpha = 1, .shape = 1};
            snprintf(e[n++].text, sizeof e[0].text, "camera: %s",
                     t->kinds[k][0] ? t->kinds[k] : "no kind");
        }
        snprintf(heading, 160, "摄像头 Cameras and what they see");
        break;
    }
    default:
        break;
    }
    size_t m = n < max ? n : max;
    for (size_t k = 0; k < m; k++)
        item_of(&e[k], &items[k]);
    return m;
}

size_t wg_tile_theme_breaks(const wg_tile_theme *t, double breaks[10])
{
    memcpy(breaks, t->breaks, sizeof t->breaks);
    return t->k;
}

size_t wg_tile_theme_points(const wg_tile_theme *t)
{
    return t->base ? t->base->pts.n + t->nmore : 0;
}

bool wg_tile_theme_same_classes(const wg_tile_theme *a, const wg_tile_theme *b)
{
    if (a->kind != b->kind || a->k != b->k ||
        memcmp(a->breaks, b->breaks, (a->k ? a->k + 1 : 0) * sizeof *a->breaks) != 0 ||
        !a->base != !b->base || a->nkinds != b->nkinds ||
        memcmp(a->kinds, b->kinds, sizeof a->kinds) != 0)
        return false;
    if (!a->base || a->base == b->base)
        return true;
    const wg_map_points *pa = &a->base->pts, *pb = &b->base->pts;
    if (pa->ncat != pb->ncat)
        return false;
    for (size_t i = 0; i < pa->ncat; i++)
        if (strcmp(pa->category[i], pb->category[i]) != 0)
            return false;
    return true;
}

double wg_tile_theme_reach(const wg_tile_theme *t)
{
    return t->kind == WG_MAP_HEATMAP ? (t->o.radius_m > 0 ? t->o.radius_m : 150) : 0;
}

/* ---- A tile ------------------------------------------------------------------------------- */

/* The cell maps on a tile: each cell's value from the theme, the theme's classes. */
static wg_status tile_cells(map_ctx *m, theme *th, wg_map_kind kind)
{
    const wg_tile_theme *tt = m->tt;
    wg_map_feats cells;
    wg_map_query q = {.plan = m->plan, .bbox = m->c->view};
    wg_status st = wg_map_read(m->ws, WG_ML_CELLS, &q, &cells);
    if (st != WG_OK)
        return st;
    double *v = malloc((cells.n + 1) * sizeof *v);
    signed char *flag = malloc(cells.n + 1);
    if (!v || !flag)
        st = wg_fail(m->c->ctx, WG_ENOMEM, "out of memory");
    for (size_t i = 0; st == WG_OK && i < cells.n; i++) {
        char *key = cells.key[i];
        char **hit =
            tt->ncells ? bsearch(&key, tt->codes, tt->ncells, sizeof *tt->codes, cmp_code) : NULL;
        v[i] = hit ? tt->val[hit - tt->codes] : NAN;
        flag[i] = hit ? tt->flag[hit - tt->codes] : 0;
    }
    if (st == WG_OK)
        st = choropleth(m, &cells, v, cell_ramp(m->o, kind), tt->k ? tt->breaks : NULL, tt->k,
                        th->e, &th->ne);
    if (st == WG_OK && kind == WG_MAP_WORKLOAD) {
        style over = {.line = hex_rgb(0x7f0000), .line_alpha = 1, .width = 2.2};
        style under = {.line = hex_rgb(0x2166ac), .line_alpha = 1, .width = 2.2};
        draw_begin(m->c);
        for (size_t i = 0; i < cells.n; i++)
            if (flag[i])
                draw_one(m->c, &cells.shapes, i, flag[i] > 0 ? &over : &under);
        draw_end(m->c);
    }
    free(v), free(flag);
    wg_map_feats_free(&cells);
    return st;
}

/* Points the tile's pixel corners (0,0), (W,0), (0,W) fall on in the workspace CRS. */
static wg_status tile_corners(wg_ws *ws, int z, int x, int y, double P[6])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    double res = 2 * MERC_HALF / ((double)TILE_SIDE * ldexp(1, z)); /* metres per pixel */
    double mx = -MERC_HALF + (double)x * TILE_SIDE * res,
           my = MERC_HALF - (double)y * TILE_SIDE * res;
    double side = TILE_SIDE * res;
    P[0] = mx, P[1] = my, P[2] = mx + side, P[3] = my, P[4] = mx, P[5] = my - side;
    const char *crs = wg_ws_crs(ws);
    if (!crs || !*crs)
        return wg_fail(ctx, WG_EINPUT, "the workspace has no CRS: no tiles");
    wg_xform *t;
    wg_status st = wg_xform_new(ctx, "EPSG:3857", crs, &t);
    if (st != WG_OK)
        return st;
    size_t bad = wg_xform_points(t, P, 3);
    wg_xform_free(t);
    if (bad)
        return wg_fail(ctx, WG_EINPUT, "tile %d/%d/%d lies outside the workspace CRS's reach", z, x,
                       y);
    return WG_OK;
}

wg_status tile_geo_of(wg_ws *ws, int z, int x, int y, double W, tile_geo *g)
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    if (z < 0 || z > 22 || x < 0 || y < 0 || x >= (1 << z) || y >= (1 << z))
        return wg_fail(ctx, WG_EINPUT, "no tile %d/%d/%d: zoom is 0 to 22, x and y 0 to 2^zoom - 1",
                       z, x, y);
    double *P = g->P;
    wg_status st = tile_corners(ws, z, x, y, P);
    if (st != WG_OK)
        return st;
    /* world -> pixel, exact at three corners: pixel = A (world - P0); the tile is small enough
     * that Web Mercator and the workspace's projected CRS are affine to each other across it */
    double ux = P[2] - P[0], uy = P[3] - P[1], vx = P[4] - P[0], vy = P[5] - P[1];
    double det = ux * vy - uy * vx;
    if (!(fabs(det) > 0))
        return wg_fail(ctx, WG_EINPUT, "tile %d/%d/%d does not map onto the workspace", z, x, y);
    /* inverse of [[ux vx] [uy vy]] times W */
    g->a = W * vy / det, g->b = -W * vx / det, g->c = -W * uy / det, g->d = W * ux / det;
    double x3 = P[2] + vx, y3 = P[3] + vy;
    g->box[0] = fmin(fmin(P[0], P[2]), fmin(P[4], x3));
    g->box[2] = fmax(fmax(P[0], P[2]), fmax(P[4], x3));
    g->box[1] = fmin(fmin(P[1], P[3]), fmin(P[5], y3));
    g->box[3] = fmax(fmax(P[1], P[3]), fmax(P[5], y3));
    g->s = W / sqrt(ux * ux + uy * uy);
    return WG_OK;
}

wg_status wg_render_tile(wg_ws *ws, const wg_tile_theme *tt, int z, int x, int y, int scale,
                         unsigned char **png, size_t *len, double box[4])
{
    wg_ctx *ctx = wg_ws_ctx(ws);
    *png = NULL, *len = 0;
    if (scale < 1 || scale > 4)
        return wg_fail(ctx, WG_EINPUT, "tile scale @%dx: 1 to 4", scale);
    int W = TILE_SIDE * scale;
    tile_geo tg;
    wg_status st = tile_geo_of(ws, z, x, y, W, &tg);
    if (st != WG_OK)
        return st;
    double a = tg.a, b = tg.b, c = tg.c, d = tg.d, *P = tg.P, s = tg.s;
    double bx0 = tg.box[0], by0 = tg.box[1], bx1 = tg.box[2], by1 = tg.box[3];
    canvas cv;
    if ((st = canvas_open_tile(ctx, &cv, W, scale)) != WG_OK) {
        canvas_close(&cv, false);
        return st;
    }
    /* the view: the world box of the tile's four corners; one device unit about one pixel */
    if (box) { /* with room for markers and lines reaching in from beside the tile */
        double margin = 8.0 * scale / s;
        box[0] = bx0 - margin, box[1] = by0 - margin, box[2] = bx1 + margin, box[3] = by1 + margin;
    }
    cv.s = s;
    cv.view[0] = bx0, cv.view[1] = by0, cv.view[2] = bx1, cv.view[3] = by1;
    cv.frame = (rect){0, 0, (bx1 - bx0) * s, (by1 - by0) * s};
    double vcx = (bx0 + bx1) / 2, vcy = (by0 + by1) / 2, fw = cv.frame.w, fh = cv.frame.h;
    /* device (frame) -> world: X = vcx + (dx - fw/2)/s, Y = vcy - (dy - fh/2)/s; then -> pixel */
    double X0 = vcx - fw / (2 * s) - P[0], Y0 = vcy + fh / (2 * s) - P[1];
    cairo_matrix_t mtx;
    cairo_matrix_init(&mtx, a / s, c / s, -b / s, -d / s, a * X0 + b * Y0, c * X0 + d * Y0);
    cairo_set_matrix(cv.cr, &mtx);
    wg_render_info info = {0};
    map_ctx m = {.ws = ws, .o = &tt->o, .c = &cv, .info = &info, .tt = tt};
    theme *th = calloc(1, sizeof *th);
    wg_map_feats cells = {0};
    if (!th)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK)
        st = wg_store_weight_name(ws, &m.weight);
    if (st == WG_OK)
        st = wg_map_plan(ws, 0, &m.plan, m.plan_name);
    bool needs_plan = tt->kind == WG_MAP_PLAN || tt->kind == WG_MAP_WORKLOAD ||
                      tt->kind == WG_MAP_RATE || tt->kind == WG_MAP_COVERAGE;
    if (st == WG_OK && needs_plan && !m.plan)
        st = wg_fail(ctx, WG_EINPUT, "the workspace has no active plan (run wangge partition)");
    if (st == WG_OK) {
        switch (tt->kind) {
        case WG_MAP_HEATMAP:
            st = recipe_heatmap(&m, th);
            break;
        case WG_MAP_INCIDENTS: {
            wg_map_points p;
            st = tile_points(ctx, tt, cv.view, &p);
            /* disc size by the incidents a tile of this zoom holds on average: alike on
             * neighbouring tiles */
            const double *e = tt->base->ext;
            double ext = (e[2] - e[0]) * (e[3] - e[1]), area = (bx1 - bx0) * (by1 - by0);
            size_t all = wg_tile_theme_points(tt);
            size_t size_n = (size_t)((double)all * fmin(1, area / fmax(ext, 1)));
            if (st == WG_OK)
                draw_points(&cv, &p, tt->base->pts.ncat, size_n, &tt->o);
            wg_map_points_free(&p);
            break;
        }
        case WG_MAP_PLAN:
            st = recipe_plan(&m, th, &cells);
            break;
        case WG_MAP_WORKLOAD:
        case WG_MAP_RATE:
        case WG_MAP_COVERAGE:
            st = tile_cells(&m, th, tt->kind);
            if (st == WG_OK && tt->kind == WG_MAP_COVERAGE)
                st = draw_cameras(&m, th, true, false);
            break;
        case WG_MAP_CAMERAS:
            st = cell_outlines(&m, &cells);
            if (st == WG_OK)
                st = draw_cameras(&m, th, false, true);
            break;
        case WG_MAP_BASE: {
            basemap bm;
            if ((st = basemap_load(&cv, ws, &bm)) == WG_OK) {
                basemap_draw(&cv, &bm);
                basemap_draw_top(&cv, &bm, false);
                basemap_free(&bm);
            }
            break;
        }
        default:
            st = wg_fail(ctx, WG_EINPUT, "the %s map has no tiles", wg_map_kind_name(tt->kind));
        }
    }
    if (st == WG_OK)
        st = canvas_status(&cv, "drawing a tile");
    if (st == WG_OK)
        st = canvas_tile_png(&cv, png, len);
    wg_map_feats_free(&cells);
    free(th);
    canvas_close(&cv, false);
    return st;
}
