/* render/atlas.c: the atlas — an overview page, then one page per community: its map and a
 * table of its cells with their households, workers and workload. */
#include "render_int.h"
#include "wg/assign.h"
#include "wg/plan.h"
#include "wg/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct atlas {
    const wg_plan_detail *d;
    const wg_report *r; /* NULL when the report cannot be made */
    size_t *rows;       /* the community's cells (indexes into d->cells) */
    size_t nrows;
} atlas;

static const wg_report_row *report_row(const atlas *a, const char *code)
{
    if (!a->r)
        return NULL;
    size_t lo = 0, hi = a->r->nrows; /* report rows are in code order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(a->r->rows[mid].id, code);
        if (c == 0)
            return &a->r->rows[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void atlas_row(void *user, size_t row, size_t col, char *buf, size_t n)
{
    const atlas *a = user;
    const wg_plan_cell *p = &a->d->cells[a->rows[row]];
    const wg_report_row *w = report_row(a, p->code);
    switch (col) {
    case 0:
        snprintf(buf, n, "%s", p->code);
        break;
    case 1:
        snprintf(buf, n, "%lld", (long long)p->households);
        break;
    case 2:
        snprintf(buf, n, "%.3f", p->compactness);
        break;
    case 3:
        snprintf(buf, n, "%s", w ? (w->cells[0] ? w->cells : "–") : "–");
        break;
    default:
        if (w)
            snprintf(buf, n, "%.2f%s", w->index, w->flag > 0 ? " ▲" : w->flag < 0 ? " ▼" : "");
        else
            snprintf(buf, n, "–");
    }
}

static const table_col COLS[] = {{"cell", 82, ALIGN_LEFT},
                                 {"households", 52, ALIGN_RIGHT},
                                 {"PP", 34, ALIGN_RIGHT},
                                 {"workers", 70, ALIGN_LEFT},
                                 {"workload", 48, ALIGN_RIGHT}};

/* One community: its map with the table beside it, continued on further pages if long. */
static wg_status community_page(wg_ws *ws, const wg_render_opts *o, canvas *c, atlas *a,
                                const char *id, const char *name, wg_render_info *info)
{
    wg_render_opts po = *o;
    char title[200];
    snprintf(title, sizeof title, "%s (%s)", name[0] ? name : id, id);
    po.community = id;
    po.bbox = NULL;
    po.title = title;
    map_ctx m;
    wg_status st = map_begin(ws, &po, WG_MAP_PLAN, c, &m, info);
    if (st != WG_OK)
        return st;
    /* a wider panel: the table lives there */
    double panel_w = 0;
    for (size_t k = 0; k < sizeof COLS / sizeof COLS[0]; k++)
        panel_w += COLS[k].width * c->u;
    double right = m.L.panel.x + m.L.panel.w;
    m.L.panel.w = panel_w;
    m.L.panel.x = right - panel_w;
    m.L.frame.w = m.L.panel.x - 10 * c->u - m.L.frame.x;
    canvas_view(c, m.L.frame, m.view);
    if ((st = map_draw(&m, WG_MAP_PLAN)) != WG_OK)
        return st;
    double y = m.panel_y, bottom = m.L.panel.y + m.L.panel.h;
    table_col cols[sizeof COLS / sizeof COLS[0]];
    memcpy(cols, COLS, sizeof cols);
    cols[1].head = m.weight.name; /* what the units count */
    size_t row = draw_table(c, m.L.panel.x, &y, bottom, cols, 5, atlas_row, a, 0, a->nrows, 7);
    while (st == WG_OK && row < a->nrows) {
        if ((st = canvas_next_page(c)) != WG_OK)
            break;
        char cont[240];
        snprintf(cont, sizeof cont, "%s (continued)", title);
        draw_title(c, &m.L, cont, NULL);
        y = m.L.frame.y;
        row = draw_table(c, m.L.frame.x, &y, bottom, cols, 5, atlas_row, a, row, a->nrows, 7);
    }
    return st;
}

/* A page per community after the overview. */
static wg_status atlas_more(map_ctx *m, void *user)
{
    wg_render_info *info = user;
    wg_ws *ws = m->ws;
    const wg_render_opts *o = m->o;
    wg_ctx *ctx = m->c->ctx;
    wg_plan_detail d = {0};
    wg_map_feats comms = {0};
    wg_report r;
    bool have_report = false;
    wg_status st = wg_plan_detail_get(ws, m->plan, &d);
    if (st == WG_OK)
        st = wg_map_read(ws, WG_ML_COMMUNITIES, &(wg_map_query){0}, &comms);
    /* the workload table, when the plan has an assignment: the report's errors are the
     * atlas's (an interruption, a stale assignment it cannot bring up to date...) */
    wg_assign_state as;
    if (st == WG_OK)
        st = wg_assign_check(ws, m->plan, &as);
    if (st == WG_OK && as.any) {
        wg_report_opts ro = {.by = WG_BY_CELL,
                             .from = o->from,
                             .to = o->to,
                             .categories_file = o->categories_file,
                             .weights_file = o->weights_file};
        st = wg_report_make(ws, &ro, &r);
        have_report = st == WG_OK;
        if (have_report && r.plan != m->plan) { /* the report is of the active plan */
            wg_report_free(&r);
            have_report = false;
        }
    }
    if (st == WG_OK && !have_report)
        wg_warn(ctx, "plan %s has %s: its pages have no workload table", m->plan_name,
                as.any ? "an assignment, but is not the active plan"
                       : "no assignment (run 'wangge assign')");
    atlas a = {.d = &d, .r = have_report ? &r : NULL};
    if (st == WG_OK && !(a.rows = malloc((d.ncells + 1) * sizeof *a.rows)))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory");
    for (size_t k = 0; st == WG_OK && k < comms.n; k++) {
        if (wg_ctx_cancelled(ctx)) {
            st = wg_fail(ctx, WG_EINTR, "interrupted: no atlas was written");
            break;
        }
        a.nrows = 0;
        for (size_t i = 0; i < d.ncells; i++)
            if (strcmp(d.cells[i].community, comms.key[k]) == 0)
                a.rows[a.nrows++] = i;
        if (a.nrows == 0)
            continue; /* a community the plan does not cover */
        st = canvas_next_page(m->c);
        if (st == WG_OK)
            st = community_page(ws, o, m->c, &a, comms.key[k], comms.name[k], info);
        wg_progress(ctx, "atlas pages", k + 1, comms.n);
    }
    free(a.rows);
    if (have_report)
        wg_report_free(&r);
    wg_map_feats_free(&comms);
    wg_plan_detail_free(&d);
    return st;
}

wg_status wg_render_atlas(wg_ws *ws, const wg_render_opts *o, const char *path,
                          wg_render_info *info)
{
    wg_render_info scratch;
    info = info ? info : &scratch;
    return render_doc(ws, o, path, WG_MAP_PLAN, "atlas", "图集 Atlas of plan ", atlas_more, info,
                      info);
}
