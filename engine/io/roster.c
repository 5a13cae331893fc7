/* engine/io/roster.c: importing who serves where — postings (worker <-> cell of the active plan,
 * many-to-many) and household visits (worker, unit, time). Neither has geometry or an id of its
 * own, so they do not go through the layer importer: a postings file is the whole roster and
 * replaces the old one; a visits file adds its visits (a visit already stored, same worker,
 * unit and time, is not stored twice). All or nothing: the first bad row fails the import,
 * naming the file, its line and what is wrong, and the workspace is left as it was. */
#include "roster.h"

#include "wg/store.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <string.h>

/* The source column holding `field`: --map FIELD=SRC first, else the first alias present. */
static int find_col(wg_ctx *ctx, wg_src *src, const wg_import_opts *o, const char *field,
                    const char *aliases, const char *source, wg_status *st)
{
    for (size_t i = 0; i < o->nmaps; i++) {
        size_t n = strlen(field);
        if (strncmp(o->maps[i], field, n) == 0 && o->maps[i][n] == '=') {
            int c = wg_src_field(src, o->maps[i] + n + 1);
            if (c < 0)
                *st = wg_fail(ctx, WG_EINPUT, "%s: no field '%s' (asked by --map %s)", source,
                              o->maps[i] + n + 1, o->maps[i]);
            return c;
        }
    }
    int c = wg__src_alias(src, aliases);
    if (c >= 0)
        return c;
    *st = wg_fail(ctx, WG_EINPUT, "%s: no %s column (tried %s; or use --map %s=FIELD)", source,
                  field, aliases, field);
    return -1;
}

typedef struct roster {
    wg_ws *ws;
    wg_ctx *ctx;
    const char *source;
    const wg_import_opts *o;
    wg_import_result *r;
    wg_src *src;
    wg_tz *tz;
    bool visits;
    int col[3]; /* postings: worker, cell; visits: worker, unit, at */
    int64_t plan;
    int64_t batch;
} roster;

static wg_status prepare(roster *R)
{
    wg_ws *ws = R->ws;
    if (R->visits)
        return wg_store_next_batch(ws, &R->batch);
    wg_plan_rec p;
    bool found = false;
    wg_status st = wg_store_plan_get(ws, 0, &p, &found);
    if (st == WG_OK && !found)
        return wg_fail(R->ctx, WG_EINPUT,
                       "%s: postings name cells of the active plan, and there is none (make "
                       "one with 'wangge partition', or 'wangge plan activate')",
                       R->source);
    R->plan = p.id;
    return st == WG_OK ? wg_store_postings_clear(ws) : st;
}

/* Field i of the current row, trimmed into buf; "" when null. */
static const char *field(roster *R, int i, char *buf, size_t n)
{
    const char *v = wg_src_str(R->src, (size_t)i);
    if (!v)
        v = "";
    while (*v == ' ' || *v == '\t')
        v++;
    snprintf(buf, n, "%s", v);
    for (size_t k = strlen(buf); k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'); k--)
        buf[k - 1] = '\0';
    return buf;
}

static wg_status row(roster *R, const wg_feat *f)
{
    wg_ctx *ctx = R->ctx;
    char worker[256], key[256], at[256];
    field(R, R->col[0], worker, sizeof worker);
    field(R, R->col[1], key, sizeof key);
    const char *what = R->visits ? "unit" : "cell";
    if (!worker[0])
        return wg_fail(ctx, WG_EINPUT, "%s %s: no worker", R->source, f->label);
    if (!key[0])
        return wg_fail(ctx, WG_EINPUT, "%s %s: worker %s: no %s", R->source, f->label, worker,
                       what);
    bool exists = false;
    char comm[64];
    wg_status st = wg_store_worker_exists(R->ws, worker, &exists);
    if (st == WG_OK && !exists)
        return wg_fail(ctx, WG_EINPUT,
                       "%s %s: worker '%s' is not in the workers layer (import the workers first)",
                       R->source, f->label, worker);
    wg_cell_rec cell;
    if (st == WG_OK)
        st = R->visits ? wg_store_unit_get(R->ws, key, &exists, comm)
                       : wg_store_cell_get(R->ws, R->plan, key, &cell, &exists);
    if (st == WG_OK && !exists)
        return R->visits ? wg_fail(ctx, WG_EINPUT, "%s %s: unit '%s' is not in the units layer",
                                   R->source, f->label, key)
                         : wg_fail(ctx, WG_EINPUT,
                                   "%s %s: cell '%s' is not in the active plan (worker %s)",
                                   R->source, f->label, key, worker);
    bool added = false;
    if (st == WG_OK && R->visits) {
        int64_t t = 0;
        field(R, R->col[2], at, sizeof at);
        if (!at[0])
            return wg_fail(ctx, WG_EINPUT, "%s %s: visit of %s to %s has no time", R->source,
                           f->label, worker, key);
        wg_status ts = wg_time_parse(ctx, at, R->o->time_format, R->tz, &t);
        if (ts != WG_OK && ts != WG_EINPUT)
            return ts;
        if (ts != WG_OK) { /* said again with the file and the row */
            char why[512];
            snprintf(why, sizeof why, "%s", wg_ctx_errmsg(ctx));
            wg_ctx_clear_error(ctx);
            return wg_fail(ctx, WG_EINPUT, "%s %s: %s", R->source, f->label, why);
        }
        st = wg_store_visit_add(R->ws, worker, key, t, R->batch, &added);
    } else if (st == WG_OK) {
        st = wg_store_posting_add(R->ws, worker, key, &added);
    }
    if (st == WG_OK && added)
        R->r->inserted++;
    return st;
}

static wg_status run(roster *R)
{
    wg_ctx *ctx = R->ctx;
    wg_src_opts so = {.layer = R->o->src_layer};
    wg_status st = wg_src_open(ctx, R->source, &so, &R->src);
    if (st == WG_OK && R->o->tz)
        st = wg_tz_load(ctx, R->o->tz, &R->tz);
    if (st != WG_OK)
        return st;
    R->col[0] = find_col(ctx, R->src, R->o, "worker", "worker,worker_id,workerid,staff,staff_id",
                         R->source, &st);
    if (st == WG_OK)
        R->col[1] = R->visits
                        ? find_col(ctx, R->src, R->o, "unit",
                                   "unit,unit_id,building,building_id,address", R->source, &st)
                        : find_col(ctx, R->src, R->o, "cell", "cell,cell_code,code,grid,grid_code",
                                   R->source, &st);
    if (st == WG_OK && R->visits)
        R->col[2] = find_col(ctx, R->src, R->o, "at", "at,date,time,visited,visited_at,day",
                             R->source, &st);
    if (st != WG_OK)
        return st;
    snprintf(R->r->mapping, sizeof R->r->mapping, "worker <- %s, %s <- %s%s%s",
             wg_src_field_name(R->src, (size_t)R->col[0]), R->visits ? "unit" : "cell",
             wg_src_field_name(R->src, (size_t)R->col[1]), R->visits ? ", at <- " : "",
             R->visits ? wg_src_field_name(R->src, (size_t)R->col[2]) : "");
    if ((st = wg_store_begin(R->ws, R->visits ? "import visits" : "import postings")) != WG_OK)
        return st;
    st = prepare(R);
    bool eof = false;
    wg_feat f;
    while (st == WG_OK && (st = wg_src_next(ctx, R->src, &f, &eof)) == WG_OK && !eof) {
        R->r->features++;
        st = row(R, &f);
    }
    if (st == WG_OK)
        st = wg_store_roster_logged(R->ws, R->visits ? "visits" : "postings", R->source,
                                    R->r->features, R->r->inserted);
    if (st == WG_OK && !R->visits && R->r->features == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: no postings (a postings file is the whole roster)",
                     R->source);
    if (st == WG_OK)
        st = wg_store_commit(R->ws);
    else
        wg_store_rollback(R->ws);
    return st;
}

wg_status wg__import_roster(wg_ws *ws, const char *layer, const char *source,
                            const wg_import_opts *o, wg_import_result *r)
{
    roster R = {.ws = ws,
                .ctx = wg_ws_ctx(ws),
                .source = source,
                .o = o,
                .r = r,
                .visits = strcmp(layer, "visits") == 0};
    wg_status st = run(&R);
    wg_tz_free(R.tz);
    wg_src_close(R.src);
    return st;
}
