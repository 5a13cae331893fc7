/* engine/store/tables.c: the small tables (incident categories, workload weights), the rosters
 * (postings, visits), and the readers of the imported layers the domain walks: units,
 * communities, barriers and streets, cameras. */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include WG_CATEGORIES_CSV
#include WG_WORKLOAD_CSV

/* ---- Categories and weights: parsing --------------------------------------------------------- */

static const char *const TERM_NAMES[WG_NTERMS] = {"households", "hours", "area", "patrol"};

const char *wg_term_name(int term)
{
    return term >= 0 && term < WG_NTERMS ? TERM_NAMES[term] : "?";
}

/* The text of `path`. Caller frees. */
static wg_status slurp(wg_ctx *ctx, const char *path, char **out)
{
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

/* The next line of *text (modified in place; NULL at the end), counting every line. */
static char *next_line(char **text, size_t *lineno)
{
    char *line = *text;
    if (!line || !*line)
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *text = nl + 1;
    } else {
        *text = line + strlen(line);
    }
    (*lineno)++;
    return line;
}

static wg_status cat_add(wg_ctx *ctx, wg_categories *t, size_t cap[4], const char *code,
                         const char *name, double hours, double deadline_s)
{
    wg_status st;
    if ((st = wg_grow(ctx, (void **)&t->code, &cap[0], t->n + 1, sizeof *t->code)) ||
        (st = wg_grow(ctx, (void **)&t->name, &cap[1], t->n + 1, sizeof *t->name)) ||
        (st = wg_grow(ctx, (void **)&t->hours, &cap[2], t->n + 1, sizeof *t->hours)) ||
        (st = wg_grow(ctx, (void **)&t->deadline_s, &cap[3], t->n + 1, sizeof *t->deadline_s)))
        return st;
    snprintf(t->code[t->n], sizeof t->code[t->n], "%s", code);
    snprintf(t->name[t->n], sizeof t->name[t->n], "%s", name ? name : "");
    t->hours[t->n] = hours;
    t->deadline_s[t->n] = deadline_s;
    if (strcmp(code, "*") == 0)
        t->star = (long)t->n;
    t->n++;
    return WG_OK;
}

wg_status wg_categories_parse(wg_ctx *ctx, const char *text, const char *name, wg_categories *out)
{
    wg_categories t = {.star = -1};
    char *copy = strdup(text ? text : "");
    if (!copy)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    wg_status st = WG_OK;
    size_t cap[4] = {0}, lineno = 0, rows = 0;
    char *rest = copy, *line;
    while (st == WG_OK && (line = next_line(&rest, &lineno))) {
        char *f[8], where[1200];
        size_t nf = split(line, f, 8);
        snprintf(where, sizeof where, "%s line %zu", name, lineno);
        if (nf == 1 && !f[0][0])
            continue;
        if (++rows == 1) {
            if (nf < 4 || strcmp(f[0], "category") || strcmp(f[2], "handling_hours") ||
                strcmp(f[3], "deadline_days"))
                st = wg_fail(ctx, WG_EINPUT,
                             "%s: the header must be category,name,handling_hours,deadline_days",
                             where);
            continue;
        }
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
        for (size_t i = 0; i < t.n && st == WG_OK; i++)
            if (strcmp(t.code[i], f[0]) == 0)
                st = wg_fail(ctx, WG_EINPUT, "%s: category '%s' is listed twice", where, f[0]);
        if (st == WG_OK)
            st = cat_add(ctx, &t, cap, f[0], f[1], h, d * 86400.0);
    }
    if (st == WG_OK && rows == 0)
        st = wg_fail(ctx, WG_EINPUT, "%s: empty", name);
    free(copy);
    if (st != WG_OK) {
        wg_categories_free(&t);
        return st;
    }
    *out = t;
    return WG_OK;
}

wg_status wg_categories_load(wg_ctx *ctx, const char *path, wg_categories *out)
{
    char *text = NULL;
    wg_status st = slurp(ctx, path, &text);
    if (st == WG_OK)
        st = wg_categories_parse(ctx, text, path, out);
    free(text);
    return st;
}

void wg_categories_free(wg_categories *t)
{
    free(t->code), free(t->name), free(t->hours), free(t->deadline_s);
    memset(t, 0, sizeof *t);
    t->star = -1;
}

long wg_categories_find(const wg_categories *t, const char *code)
{
    for (size_t i = 0; code && i < t->n; i++)
        if ((long)i != t->star && strcmp(t->code[i], code) == 0)
            return (long)i;
    return t->star;
}

wg_status wg_weights_parse(wg_ctx *ctx, const char *text, const char *name, double w[WG_NTERMS])
{
    for (int k = 0; k < WG_NTERMS; k++)
        w[k] = 0;
    char *copy = strdup(text ? text : "");
    if (!copy)
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    wg_status st = WG_OK;
    size_t lineno = 0, rows = 0;
    double sum = 0;
    bool seen[WG_NTERMS] = {false};
    char *rest = copy, *line;
    while (st == WG_OK && (line = next_line(&rest, &lineno))) {
        char *f[4], where[1200];
        size_t nf = split(line, f, 4);
        snprintf(where, sizeof where, "%s line %zu", name, lineno);
        if (nf == 1 && !f[0][0])
            continue;
        if (++rows == 1) {
            if (nf != 2 || strcmp(f[0], "term") || strcmp(f[1], "weight"))
                st = wg_fail(ctx, WG_EINPUT, "%s: the header must be term,weight", where);
            continue;
        }
        int k = 0;
        while (k < WG_NTERMS && (nf != 2 || strcmp(f[0], wg_term_name(k)) != 0))
            k++;
        if (k == WG_NTERMS) {
            st = wg_fail(ctx, WG_EINPUT,
                         "%s: expected TERM,WEIGHT with TERM one of households, hours, area, "
                         "patrol; got '%s'",
                         where, f[0]);
            break;
        }
        if (seen[k]) { /* the second would replace the first, after the sum counted both */
            st = wg_fail(ctx, WG_EINPUT, "%s: term '%s' is listed twice", where, f[0]);
            break;
        }
        seen[k] = true;
        st = number(ctx, f[1], false, where, "weight", &w[k]);
        sum += w[k];
    }
    if (st == WG_OK && !(sum > 0))
        st = wg_fail(ctx, WG_EINPUT, "%s: no weight above 0", name);
    free(copy);
    return st;
}

wg_status wg_weights_load(wg_ctx *ctx, const char *path, double w[WG_NTERMS])
{
    char *text = NULL;
    wg_status st = slurp(ctx, path, &text);
    if (st == WG_OK)
        st = wg_weights_parse(ctx, text, path, w);
    free(text);
    return st;
}

/* ---- Categories and weights: in the workspace ------------------------------------------------ */

wg_status wg_store_categories(wg_ws *ws, wg_categories *out)
{
    wg_q *q = wg__stmt(ws, "SELECT code, name, handling_hours, deadline_days FROM "
                           "categories ORDER BY pos");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_categories t = {.star = -1};
    size_t cap[4] = {0};
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW)
        st =
            cat_add(ws->ctx, &t, cap, wg__text(q, 0), wg__text(q, 1), wgq_column_double(q, 2),
                    wgq_column_type(q, 3) == SQLITE_NULL ? NAN : wgq_column_double(q, 3) * 86400.0);
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the categories: ");
    wgq_reset(q);
    if (st != WG_OK) {
        wg_categories_free(&t);
        return st;
    }
    *out = t;
    return WG_OK;
}

wg_status wg_store_categories_put(wg_ws *ws, const wg_categories *t)
{
    wg_status st = wg__need_tx(ws, "storing the categories");
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM categories");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO categories (code, name, "
                                         "handling_hours, deadline_days, pos) VALUES (?, "
                                         "?, ?, ?, ?)")
                          : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (size_t i = 0; st == WG_OK && i < t->n; i++) {
        wgq_bind_text(q, 1, t->code[i], -1, SQLITE_TRANSIENT);
        wg__bind_text(q, 2, t->name[i][0] ? t->name[i] : NULL);
        wgq_bind_double(q, 3, t->hours[i]);
        if (!isnan(t->deadline_s[i]))
            wgq_bind_double(q, 4, t->deadline_s[i] / 86400.0);
        wgq_bind_int64(q, 5, (int64_t)i);
        st = wg__done(ws, q, "storing the categories: ");
    }
    if (st == WG_OK)
        st = wg__bump(ws, "categories");
    return st;
}

wg_status wg_store_weights(wg_ws *ws, double w[WG_NTERMS])
{
    for (int k = 0; k < WG_NTERMS; k++)
        w[k] = 0;
    wg_q *q = wg__stmt(ws, "SELECT term, weight FROM weights");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW)
        for (int k = 0; k < WG_NTERMS; k++)
            if (strcmp(wg__text(q, 0), wg_term_name(k)) == 0)
                w[k] = wgq_column_double(q, 1);
    wg_status st = rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading the weights: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_weights_put(wg_ws *ws, const double w[WG_NTERMS])
{
    wg_status st = wg__need_tx(ws, "storing the weights");
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM weights");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO weights (term, weight) VALUES (?, ?)") : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    for (int k = 0; st == WG_OK && k < WG_NTERMS; k++) {
        wgq_bind_text(q, 1, wg_term_name(k), -1, SQLITE_STATIC);
        wgq_bind_double(q, 2, w[k]);
        st = wg__done(ws, q, "storing the weights: ");
    }
    if (st == WG_OK)
        st = wg__bump(ws, "weights");
    return st;
}

wg_status wg__tables_seed(wg_ws *ws)
{
    wg_categories t;
    double w[WG_NTERMS];
    wg_status st =
        wg_categories_parse(ws->ctx, wg__categories_csv, "data/categories.csv (built in)", &t);
    if (st != WG_OK)
        return st;
    st = wg_store_categories_put(ws, &t);
    wg_categories_free(&t);
    if (st == WG_OK)
        st = wg_weights_parse(ws->ctx, wg__workload_csv, "data/workload.csv (built in)", w);
    if (st == WG_OK)
        st = wg_store_weights_put(ws, w);
    return st;
}

/* ---- Administrative codes ------------------------------------------------------------------ */

wg_status wg_store_codes_count(wg_ws *ws, int64_t *n)
{
    wg_q *q = wg__stmt(ws, "SELECT count(*) FROM codes");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc = wgq_step(q);
    *n = rc == SQLITE_ROW ? wgq_column_int64(q, 0) : 0;
    wgq_reset(q);
    return rc == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "reading the codes: ");
}

wg_status wg_store_code_parent(wg_ws *ws, const char *code, bool *found, char *parent, size_t n)
{
    wg_q *q = wg__stmt(ws, "SELECT coalesce(parent, '') FROM codes WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *found = rc == SQLITE_ROW;
    if (n > 0)
        snprintf(parent, n, "%s", *found ? (const char *)wgq_column_text(q, 0) : "");
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading the codes: ");
}

wg_status wg_ws_code_levels(wg_ws *ws, char (*levels)[32], int64_t *counts, size_t cap,
                            size_t *nlev)
{
    wg_q *q = wg__stmt(ws, "SELECT coalesce(level, '(none)'), count(*) FROM codes "
                           "GROUP BY level ORDER BY min(fid)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    *nlev = 0;
    int rc;
    while ((rc = wgq_step(q)) == SQLITE_ROW && *nlev < cap) {
        snprintf(levels[*nlev], sizeof levels[0], "%s", (const char *)wgq_column_text(q, 0));
        counts[(*nlev)++] = wgq_column_int64(q, 1);
    }
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading the codes: ");
}

/* ---- Rosters ------------------------------------------------------------------------------ */

wg_status wg_store_worker_exists(wg_ws *ws, const char *id, bool *exists)
{
    wg_q *q = wg__stmt(ws, "SELECT 1 FROM workers WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *exists = rc == SQLITE_ROW;
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading workers: ");
}

wg_status wg_store_postings_clear(wg_ws *ws)
{
    wg_status st = wg__need_tx(ws, "replacing the postings");
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM postings");
    if (st == WG_OK)
        st = wg__bump(ws, "postings");
    return st;
}

wg_status wg_store_posting_add(wg_ws *ws, const char *worker, const char *cell, bool *added)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO postings (worker, cell) VALUES (?, ?) ON CONFLICT "
                           "DO NOTHING");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, worker, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 2, cell, -1, SQLITE_TRANSIENT);
    wg_status st = wg__done(ws, q, "storing a posting: ");
    *added = st == WG_OK && wg__changes(ws) > 0;
    return st;
}

wg_status wg_store_postings_each(wg_ws *ws, wg_posting_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT p.worker, p.cell, w.name, w.community FROM postings p "
                           "LEFT JOIN workers w ON w.id = p.worker ORDER BY p.worker, "
                           "p.cell");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_posting_rec p = {wg__text(q, 0), wg__text(q, 1), wg__text(q, 2), wg__text(q, 3)};
        st = fn(user, &p);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading postings: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_visit_add(wg_ws *ws, const char *worker, const char *unit, int64_t at,
                             int64_t batch, bool *added)
{
    wg_status st = wg__need_tx(ws, "storing visits");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO visits (worker, unit, at, batch) "
                                         "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 "
                                         "FROM visits WHERE unit = ?2 AND worker = ?1 AND "
                                         "at = ?3)")
                          : NULL;
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, worker, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 2, unit, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 3, at);
    wgq_bind_int64(q, 4, batch);
    st = wg__done(ws, q, "storing a visit: ");
    *added = st == WG_OK && wg__changes(ws) > 0;
    if (st == WG_OK && *added)
        st = wg__bump(ws, "visits");
    return st;
}

wg_status wg_store_visits_by_cell(wg_ws *ws, int64_t plan, int64_t from, int64_t to,
                                  wg_visits_fn fn, void *user)
{
    /* visits per cell, then households of the distinct units visited; the visits drive the
     * join (CROSS JOIN keeps that order), so that few or no visits cost nothing where the
     * planner would otherwise walk the plan's half a million units */
    static const char *const sql[2] = {
        "SELECT cu.cell, count(*), 0 FROM visits v CROSS JOIN cell_units cu ON cu.plan = ?1 AND "
        "cu.unit = v.unit WHERE v.at >= ?2 AND v.at < ?3 GROUP BY cu.cell",
        "SELECT cu.cell, 0, total(cu.households) FROM (SELECT DISTINCT unit FROM visits WHERE at "
        ">= ?2 AND at < ?3) d CROSS JOIN cell_units cu ON cu.plan = ?1 AND cu.unit = d.unit "
        "GROUP BY cu.cell"};
    wg_status st = WG_OK;
    for (int k = 0; k < 2 && st == WG_OK; k++) {
        wg_q *q = wg__stmt(ws, sql[k]);
        if (!q)
            return wg_ctx_status(ws->ctx);
        wgq_bind_int64(q, 1, plan);
        wgq_bind_int64(q, 2, from);
        wgq_bind_int64(q, 3, to);
        int rc;
        while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW)
            st = fn(user, wg__text(q, 0), k == 0 ? wgq_column_double(q, 1) : NAN,
                    k == 1 ? wgq_column_double(q, 2) : NAN);
        if (st == WG_OK && rc != SQLITE_DONE)
            st = wg__sql_fail(ws, "reading visits: ");
        wgq_reset(q);
    }
    return st;
}

wg_status wg_store_has_visits(wg_ws *ws, bool *any)
{
    wg_q *q = wg__stmt(ws, "SELECT EXISTS (SELECT 1 FROM visits)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = wgq_step(q) == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "reading visits: ");
    *any = st == WG_OK && wgq_column_int(q, 0) != 0;
    wgq_reset(q);
    return st;
}

wg_status wg_store_roster_logged(wg_ws *ws, const char *layer, const char *source, int64_t features,
                                 int64_t inserted)
{
    wg_q *q = wg__stmt(ws, "INSERT INTO imports (layer, source, at, features, inserted, "
                           "updated, repaired, rejected) VALUES (?, ?, ?, ?, ?, 0, 0, 0)");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, layer, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 2, source, -1, SQLITE_TRANSIENT);
    wgq_bind_int64(q, 3, wg__now_utc());
    wgq_bind_int64(q, 4, features);
    wgq_bind_int64(q, 5, inserted);
    return wg__done(ws, q, "recording the import: ");
}

/* ---- Units, communities, lines, cameras ------------------------------------------------------ */

static void row_wkb(wg_q *q, int c, const unsigned char **wkb, size_t *len)
{
    *wkb = wgq_column_type(q, c) == SQLITE_BLOB ? wgq_column_blob(q, c) : NULL;
    *len = *wkb ? (size_t)wgq_column_bytes(q, c) : 0;
}

/* Whether the open write transaction changed `name` (unknown when it changed too many). */
static bool changed_now(const wg_ws *ws, const char *name)
{
    if (!ws->in_tx)
        return false;
    if (ws->nbumped == sizeof ws->bumped / sizeof ws->bumped[0])
        return true;
    for (size_t i = 0; i < ws->nbumped; i++)
        if (strcmp(ws->bumped[i], name) == 0)
            return true;
    return false;
}

/* The community values of units that name no community with a geometry, as a JSON array: found
 * by going through every unit's community (a tenth of a second in a city of half a million
 * units), so kept on the handle until the units or communities change. A planner's moves in a
 * row then read their community's units by the index alone. */
static wg_status orphan_communities(wg_ws *ws, const char **json)
{
    wg_version u, c;
    wg_status st = wg_store_version(ws, "units", &u);
    if (st == WG_OK)
        st = wg_store_version(ws, "communities", &c);
    if (st != WG_OK)
        return st;
    bool keep = !changed_now(ws, "units") && !changed_now(ws, "communities");
    if (keep && ws->orphans && ws->orphans_units == u.ver && ws->orphans_comms == c.ver) {
        *json = ws->orphans;
        return WG_OK;
    }
    wg_q *q = wg__stmt(ws, "SELECT json_group_array(community) FROM (SELECT DISTINCT "
                           "community FROM units WHERE community IS NOT NULL EXCEPT "
                           "SELECT id FROM communities WHERE geom IS NOT NULL) AS o");
    if (!q)
        return wg_ctx_status(ws->ctx);
    int rc = wgq_step(q);
    char *text = rc == SQLITE_ROW && wg__text(q, 0) ? strdup(wg__text(q, 0)) : NULL;
    st = rc == SQLITE_ROW ? (text ? WG_OK : wg_fail(ws->ctx, WG_ENOMEM, "out of memory"))
                          : wg__sql_fail(ws, "reading units' communities: ");
    wgq_reset(q);
    if (st != WG_OK)
        return st;
    free(ws->orphans);
    ws->orphans = text;
    /* kept only when the versions are settled (not changed by the open transaction) */
    ws->orphans_units = keep ? u.ver : -1, ws->orphans_comms = keep ? c.ver : -1;
    *json = text;
    return WG_OK;
}

wg_status wg_store_units_each(wg_ws *ws, const wg_unit_query *uq, wg_unit_fn fn, void *user)
{
    static const wg_unit_query all = {0};
    if (!uq)
        uq = &all;
    const char *orphans = NULL;
    if (uq->community) {
        wg_status st = orphan_communities(ws, &orphans);
        if (st != WG_OK)
            return st;
    }
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT u.id, u.households, u.compound, u.community, u.kind, u.name, %s, "
             "AsBinary(u.geom) FROM units u%s WHERE u.geom IS NOT NULL%s ORDER BY %s",
             uq->plan > 0 ? "m.cell" : "NULL",
             uq->plan > 0 ? " LEFT JOIN cell_units m ON m.plan = ?2 AND m.unit = u.id" : "",
             /* each through the index on units' community */
             uq->community ? " AND u.fid IN (SELECT fid FROM units WHERE community = ?1 UNION ALL "
                             "SELECT fid FROM units WHERE community IS NULL UNION ALL SELECT fid "
                             "FROM units WHERE community IN (SELECT value FROM json_each(?7)))"
                           : "",
             uq->by_fid ? "u.fid" : "u.id");
    if (uq->bbox) { /* through the units' R*Tree */
        char *order = strstr(sql, " ORDER BY");
        char tail[64];
        snprintf(tail, sizeof tail, "%s", order);
        if (ws->pg)
            snprintf(order, sizeof sql - (size_t)(order - sql),
                     " AND u.geom && ST_MakeEnvelope(?3, ?4, ?5, ?6)%s", tail);
        else
            snprintf(order, sizeof sql - (size_t)(order - sql),
                     " AND u.fid IN (SELECT pkid FROM idx_units_geom WHERE xmin <= ?5 AND xmax "
                     ">= ?3 AND ymin <= ?6 AND ymax >= ?4)%s",
                     tail);
    }
    wg_q *q = wg__stmt(ws, sql);
    if (!q)
        return wg_ctx_status(ws->ctx);
    if (uq->community) {
        wgq_bind_text(q, 1, uq->community, -1, SQLITE_TRANSIENT);
        wgq_bind_text(q, 7, orphans, -1, SQLITE_TRANSIENT);
    }
    if (uq->plan > 0)
        wgq_bind_int64(q, 2, uq->plan);
    for (int k = 0; uq->bbox && k < 4; k++)
        wgq_bind_double(q, 3 + k, uq->bbox[k]);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_unit_rec u = {.id = wg__text(q, 0),
                         .households = wgq_column_int64(q, 1),
                         .compound = wg__text(q, 2),
                         .community = wg__text(q, 3),
                         .kind = wg__text(q, 4),
                         .name = wg__text(q, 5),
                         .cell = wg__text(q, 6)};
        row_wkb(q, 7, &u.wkb, &u.wkb_len);
        st = fn(user, &u);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading units: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_unit_get(wg_ws *ws, const char *id, bool *exists, char community[64])
{
    wg_q *q = wg__stmt(ws, "SELECT community FROM units WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    *exists = rc == SQLITE_ROW;
    community[0] = '\0';
    if (rc == SQLITE_ROW && wg__text(q, 0))
        snprintf(community, 64, "%s", wg__text(q, 0));
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK : wg__sql_fail(ws, "reading units: ");
}

wg_status wg_store_units_set_kind(wg_ws *ws, int64_t batch, const char *from, const char *to,
                                  int64_t *changed)
{
    wg_status st = wg__need_tx(ws, "setting the kind of units");
    wg_q *q = st == WG_OK
                  ? wg__stmt(ws, "UPDATE units SET kind = ?3 WHERE batch = ?1 AND kind = ?2")
                  : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st != WG_OK)
        return st;
    wgq_bind_int64(q, 1, batch);
    wgq_bind_text(q, 2, from, -1, SQLITE_TRANSIENT);
    wgq_bind_text(q, 3, to, -1, SQLITE_TRANSIENT);
    st = wg__done(ws, q, "setting the kind of units: ");
    if (st == WG_OK)
        *changed = wg__changes(ws);
    if (st == WG_OK && *changed > 0)
        st = wg__bump(ws, "units");
    return st;
}

wg_status wg_store_buildings_each(wg_ws *ws, const double *bbox, wg_building_fn fn, void *user)
{
    wg_q *q = wg__stmt(
        ws, !bbox    ? "SELECT id, height_m, AsBinary(geom) FROM buildings WHERE geom IS NOT NULL "
                       "ORDER BY fid"
            : ws->pg ? "SELECT id, height_m, AsBinary(geom) FROM buildings WHERE geom && "
                       "ST_MakeEnvelope(?1, ?2, ?3, ?4) ORDER BY fid"
                     : "SELECT id, height_m, AsBinary(geom) FROM buildings WHERE geom IS NOT NULL "
                       "AND fid IN (SELECT pkid FROM idx_buildings_geom WHERE xmin <= ?3 AND xmax "
                       ">= ?1 AND ymin <= ?4 AND ymax >= ?2) ORDER BY fid");
    if (!q)
        return wg_ctx_status(ws->ctx);
    for (int k = 0; bbox && k < 4; k++)
        wgq_bind_double(q, k + 1, bbox[k]);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_building_rec b = {
            .id = wg__text(q, 0),
            .height_m = wgq_column_type(q, 1) == SQLITE_NULL ? NAN : wgq_column_double(q, 1)};
        row_wkb(q, 2, &b.wkb, &b.wkb_len);
        st = fn(user, &b);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading buildings: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_units_households(wg_ws *ws, int64_t *sum)
{
    wg_q *q = wg__stmt(ws, "SELECT total(households) FROM units");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = wgq_step(q) == SQLITE_ROW ? WG_OK : wg__sql_fail(ws, "reading units: ");
    if (st == WG_OK)
        *sum = wgq_column_int64(q, 0);
    wgq_reset(q);
    return st;
}

wg_status wg_store_communities_each(wg_ws *ws, const char *only, wg_area_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT id, name, parent, coalesce(households, -1), "
                           "AsBinary(geom) FROM communities WHERE geom IS NOT NULL AND "
                           "(?1 IS NULL OR id = ?1) ORDER BY id");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg__bind_text(q, 1, only);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_area_rec a = {wg__text(q, 0),         wg__text(q, 1), wg__text(q, 2),
                         wgq_column_int64(q, 3), NULL,           0};
        row_wkb(q, 4, &a.wkb, &a.wkb_len);
        st = fn(user, &a);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading communities: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_community_name(wg_ws *ws, const char *id, char name[128])
{
    wg_q *q = wg__stmt(ws, "SELECT name FROM communities WHERE id = ?");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wgq_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = wgq_step(q);
    name[0] = '\0';
    if (rc == SQLITE_ROW && wg__text(q, 0))
        snprintf(name, 128, "%s", wg__text(q, 0));
    wgq_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WG_OK
                                                 : wg__sql_fail(ws, "reading communities: ");
}

wg_status wg_store_lines_each(wg_ws *ws, const char *layer, wg_line_fn fn, void *user)
{
    bool streets = strcmp(layer, "streets") == 0;
    if (!streets && strcmp(layer, "barriers") != 0)
        return wg_fail(ws->ctx, WG_EINTERNAL, "no line layer '%s'", layer);
    wg_q *q = wg__stmt(ws, streets ? "SELECT id, name, kind, AsBinary(geom) FROM streets "
                                     "WHERE geom IS NOT NULL ORDER BY id"
                                   : "SELECT id, name, kind, AsBinary(geom) FROM barriers "
                                     "WHERE geom IS NOT NULL ORDER BY id");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_line_rec l = {wg__text(q, 0), wg__text(q, 1), wg__text(q, 2), NULL, 0};
        row_wkb(q, 3, &l.wkb, &l.wkb_len);
        st = fn(user, &l);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading lines: ");
    wgq_reset(q);
    return st;
}

wg_status wg_store_cameras_each(wg_ws *ws, wg_camera_fn fn, void *user)
{
    wg_q *q = wg__stmt(ws, "SELECT id, kind, heading_deg, fov_deg, range_m, X(geom), "
                           "Y(geom) FROM cameras WHERE geom IS NOT NULL ORDER BY id");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc;
    while (st == WG_OK && (rc = wgq_step(q)) == SQLITE_ROW) {
        wg_camera_rec c = {.id = wg__text(q, 0),
                           .kind = wg__text(q, 1),
                           .heading_deg = wgq_column_double(q, 2),
                           .fov_deg = wgq_column_double(q, 3),
                           .range_m = wgq_column_double(q, 4),
                           .x = wgq_column_double(q, 5),
                           .y = wgq_column_double(q, 6)};
        st = fn(user, &c);
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading cameras: ");
    wgq_reset(q);
    return st;
}

/* ---- What the units' weight counts ------------------------------------------------------- */

bool wg_weight_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_'))
            return false;
    return true;
}

void wg_weight_name_of(const char *name, wg_weight_name *out)
{
    static const struct {
        const char *name, *zh, *per;
    } known[] = {
        {"households", "户数", "每百户"},  {"residents", "人口", "每百人"},
        {"persons", "人数", "每百人"},     {"population", "人口", "每百人"},
        {"dwellings", "住房", "每百套"},   {"incidents", "事件数", "每百件"},
        {"cameras", "摄像头数", "每百台"}, {"committees", "居委会数", "每百个"},
    };
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->label, sizeof out->label, "%s", name);
    for (char *c = out->label; *c; c++)
        *c = *c == '_' ? ' ' : *c;
    if (out->label[0] >= 'a' && out->label[0] <= 'z')
        out->label[0] = (char)(out->label[0] - 'a' + 'A');
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].name, name) == 0) {
            snprintf(out->zh, sizeof out->zh, "%s", known[i].zh);
            snprintf(out->per, sizeof out->per, "%s", known[i].per);
        }
}

wg_status wg_store_weight_name(wg_ws *ws, wg_weight_name *out)
{
    wg_q *q = wg__stmt(ws, "SELECT value FROM ws_meta WHERE key = 'weight_name'");
    if (!q)
        return wg_ctx_status(ws->ctx);
    wg_status st = WG_OK;
    int rc = wgq_step(q);
    const char *v = rc == SQLITE_ROW ? (const char *)wgq_column_text(q, 0) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading the weight name: ");
    else
        wg_weight_name_of(v && wg_weight_name_valid(v) ? v : "households", out);
    wgq_reset(q);
    return st;
}

wg_status wg_store_weight_name_put(wg_ws *ws, const char *name)
{
    if (!wg_weight_name_valid(name))
        return wg_fail(ws->ctx, WG_EINPUT,
                       "weight name '%s': expected 1 to 31 lower-case letters or '_' (households, "
                       "residents, persons...)",
                       name ? name : "");
    wg_status st = wg__need_tx(ws, "storing the weight name");
    wg_q *q = st == WG_OK ? wg__stmt(ws, "INSERT INTO ws_meta (key, value) VALUES "
                                         "('weight_name', ?)"
                                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                          : NULL;
    if (st == WG_OK && !q)
        st = wg_ctx_status(ws->ctx);
    if (st == WG_OK) {
        wgq_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        st = wg__done(ws, q, "storing the weight name: ");
    }
    if (st == WG_OK)
        st = wg__bump(ws, "units");
    return st;
}
