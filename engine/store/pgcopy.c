/* engine/store/pgcopy.c: a whole workspace copied between a SpatiaLite file and a PostgreSQL
 * schema with PostGIS (libpq), either way. Every table of the workspace becomes a table of the
 * schema with the same name and columns (INTEGER -> bigint, REAL -> double precision, TEXT ->
 * text, BLOB -> bytea, a geometry -> geometry(type, SRID) with a GiST index), a rowid that no
 * column names -> a column wg_rowid, and the file's schema version -> the table
 * wangge_schema; the table incident_cells gives each incident's cell for a GIS to join. Rows go
 * with COPY, in one transaction on each side: a copy that fails leaves nothing behind (the schema
 * is not created, the file is not written). Geometries go as WKB with the workspace's SRID, so the
 * way back gives the same bytes. */
#include "store_int.h"
#include "wg/atomic.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *sq_text(sqlite3_stmt *q, int c)
{
    return (const char *)sqlite3_column_text(q, c);
}
#define COPY_FLUSH (1 << 20) /* bytes of COPY text sent at once */

bool wg_ws_is_database(const char *spec)
{
    return spec && (strncmp(spec, "PG:", 3) == 0 || strncmp(spec, "postgresql://", 13) == 0 ||
                    strncmp(spec, "postgres://", 11) == 0);
}

/* Runs sql; a failure says what it was doing. */
static wg_status pg_run(wg_ctx *ctx, PGconn *c, const char *what, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    wg_status st =
        s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
            ? WG_OK
            : wg_fail(ctx, WG_EIO, "PostgreSQL database %s, %s: %s", PQdb(c), what, wg__pq_err(c));
    PQclear(r);
    return st;
}

/* One value of a one-row query, copied into out (empty for NULL). */
static wg_status pg_value(wg_ctx *ctx, PGconn *c, const char *what, const char *sql,
                          const char *param, char *out, size_t n)
{
    PGresult *r = PQexecParams(c, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);
    wg_status st = WG_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        st = wg_fail(ctx, WG_EIO, "PostgreSQL database %s, %s: %s", PQdb(c), what, wg__pq_err(c));
    else
        snprintf(out, n, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return st;
}

/* ---- the workspace's tables ----------------------------------------------------------------- */

enum { T_INT, T_REAL, T_TEXT, T_BLOB, T_GEOM };

typedef struct column {
    char name[64];
    int type;
    bool notnull;
    int pk; /* position in the primary key, 0: not in it */
    char geom_type[32];
    char dflt[64]; /* its DEFAULT, as SQLite has it ("" when none) */
} column;

typedef struct index_def {
    char name[64];
    bool unique;
    char cols[160]; /* "a", "b" */
} index_def;

typedef struct table {
    char name[64];
    column col[48];
    size_t ncol;
    bool rowid;         /* a rowid that no column names: copied as wg_rowid */
    bool without_rowid; /* WITHOUT ROWID: rows in key order */
    char key[64];       /* the column SQLite numbers (INTEGER PRIMARY KEY, or wg_rowid) */
    index_def idx[8];   /* its UNIQUE constraints and indexes */
    size_t nidx;
} table;

/* SpatiaLite's own tables (its metadata, the R*Tree of each spatial index) and SQLite's are
 * not the workspace's; sqlite_sequence is copied apart. */
static bool own_table(const char *name)
{
    static const char *const prefixes[] = {"sqlite_",
                                           "idx_",
                                           "geometry_columns",
                                           "spatial_ref_sys",
                                           "views_geometry_columns",
                                           "virts_geometry_columns",
                                           "spatialite_history",
                                           "sql_statements_log",
                                           "SpatialIndex",
                                           "ElementaryGeometries",
                                           "KNN",
                                           "data_licenses"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return false;
    return true;
}

/* Whether SQLite's declared type decl names `word` (its affinity rules, case aside). */
static bool decl_has(const char *decl, const char *word)
{
    char up[64];
    size_t i = 0;
    for (; decl[i] && i < sizeof up - 1; i++)
        up[i] = (char)toupper((unsigned char)decl[i]);
    up[i] = '\0';
    return strstr(up, word) != NULL;
}

static const char *const GEOM_TYPES[] = {
    "Geometry",   "Point",           "LineString",   "Polygon",
    "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"};

/* t's UNIQUE constraints and indexes (not its primary key), from SQLite's lists. */
static wg_status sqlite_indexes(wg_ws *ws, table *t)
{
    char sql[200];
    sqlite3_stmt *l = NULL, *c = NULL;
    snprintf(sql, sizeof sql, "PRAGMA index_list(\"%s\")", t->name);
    wg_status st = sqlite3_prepare_v2(ws->db, sql, -1, &l, NULL) == SQLITE_OK
                       ? WG_OK
                       : wg__sql_fail(ws, "reading a table's indexes: ");
    while (st == WG_OK && sqlite3_step(l) == SQLITE_ROW) {
        const char *name = sq_text(l, 1), *origin = sq_text(l, 3);
        if (!name || (origin && strcmp(origin, "pk") == 0))
            continue;
        if (t->nidx == sizeof t->idx / sizeof t->idx[0]) {
            st = wg_fail(ws->ctx, WG_EINTERNAL, "table %s has too many indexes", t->name);
            break;
        }
        index_def *x = &t->idx[t->nidx++];
        memset(x, 0, sizeof *x);
        /* SQLite's names for UNIQUE constraints are its own: one of ours instead */
        char tname[41];
        snprintf(tname, sizeof tname, "%.40s", t->name);
        if (strncmp(name, "sqlite_", 7) == 0)
            snprintf(x->name, sizeof x->name, "%s_unique%zu", tname, t->nidx);
        else
            snprintf(x->name, sizeof x->name, "%s", name);
        x->unique = sqlite3_column_int(l, 2) != 0;
        snprintf(sql, sizeof sql, "PRAGMA index_info(\"%s\")", name);
        if (sqlite3_prepare_v2(ws->db, sql, -1, &c, NULL) != SQLITE_OK) {
            st = wg__sql_fail(ws, "reading an index: ");
            break;
        }
        size_t o = 0;
        while (sqlite3_step(c) == SQLITE_ROW && o < sizeof x->cols - 70)
            o += (size_t)snprintf(x->cols + o, sizeof x->cols - o, "%s\"%.60s\"", o ? ", " : "",
                                  sq_text(c, 2) ? sq_text(c, 2) : "");
        sqlite3_finalize(c);
        c = NULL;
    }
    sqlite3_finalize(l);
    return st;
}

/* The workspace's tables with their columns, in creation order. */
static wg_status sqlite_tables(wg_ws *ws, table **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    sqlite3_stmt *q = NULL, *c = NULL, *g = NULL;
    wg_status st = WG_OK;
    if (sqlite3_prepare_v2(
            ws->db,
            "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE type = "
            "'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid",
            -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ws->db,
                           "SELECT geometry_type % 1000 FROM geometry_columns WHERE "
                           "lower(f_table_name) = lower(?) AND lower(f_geometry_column) = lower(?)",
                           -1, &g, NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "listing the tables: ");
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        const char *name = sq_text(q, 0);
        if (!name || !own_table(name))
            continue;
        if ((st = wg_grow(ws->ctx, (void **)out, &cap, *n + 1, sizeof **out)) != WG_OK)
            break;
        table *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
        bool without_rowid = sqlite3_column_int(q, 1), alias = false;
        char sql[200];
        snprintf(sql, sizeof sql, "PRAGMA table_info(\"%s\")", name);
        if (sqlite3_prepare_v2(ws->db, sql, -1, &c, NULL) != SQLITE_OK) {
            st = wg__sql_fail(ws, "reading a table's columns: ");
            break;
        }
        int npk = 0;
        while (st == WG_OK && sqlite3_step(c) == SQLITE_ROW) {
            if (t->ncol == sizeof t->col / sizeof t->col[0]) {
                st = wg_fail(ws->ctx, WG_EINTERNAL, "table %s has too many columns", name);
                break;
            }
            column *k = &t->col[t->ncol++];
            snprintf(k->name, sizeof k->name, "%s", sq_text(c, 1));
            const char *decl = sq_text(c, 2) ? sq_text(c, 2) : "";
            k->notnull = sqlite3_column_int(c, 3);
            k->pk = sqlite3_column_int(c, 5);
            snprintf(k->dflt, sizeof k->dflt, "%s", sq_text(c, 4) ? sq_text(c, 4) : "");
            npk += k->pk > 0;
            sqlite3_reset(g);
            sqlite3_bind_text(g, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(g, 2, k->name, -1, SQLITE_STATIC);
            if (sqlite3_step(g) == SQLITE_ROW) {
                int gt = sqlite3_column_int(g, 0);
                k->type = T_GEOM;
                snprintf(k->geom_type, sizeof k->geom_type, "%s",
                         gt >= 0 && gt < 8 ? GEOM_TYPES[gt] : "Geometry");
            } else if (decl_has(decl, "INT")) {
                k->type = T_INT;
            } else if (decl_has(decl, "CHAR") || decl_has(decl, "CLOB") || decl_has(decl, "TEXT")) {
                k->type = T_TEXT;
            } else if (decl_has(decl, "REAL") || decl_has(decl, "FLOA") || decl_has(decl, "DOUB")) {
                k->type = T_REAL;
            } else if (decl_has(decl, "BLOB")) {
                k->type = T_BLOB;
            } else {
                st = wg_fail(ws->ctx, WG_EINTERNAL,
                             "table %s, column %s: type '%s' has no PostgreSQL counterpart here",
                             name, k->name, decl);
            }
            if (k->pk == 1 && strcasecmp(decl, "INTEGER") == 0) {
                alias = true;
                snprintf(t->key, sizeof t->key, "%s", k->name);
            }
        }
        sqlite3_finalize(c);
        c = NULL;
        t->rowid = !without_rowid && !(alias && npk == 1);
        t->without_rowid = without_rowid;
        if (t->rowid)
            snprintf(t->key, sizeof t->key, "wg_rowid");
        else if (!(alias && npk == 1))
            t->key[0] = '\0';
        if (st == WG_OK)
            st = sqlite_indexes(ws, t);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(g);
    if (st != WG_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

static const char *pg_type(const column *k, int srid, char *buf, size_t n)
{
    switch (k->type) {
    case T_INT:
        return "bigint";
    case T_REAL:
        return "double precision";
    case T_TEXT:
        return "text";
    case T_BLOB:
        return "bytea";
    default:
        snprintf(buf, n, "geometry(%s, %d)", k->geom_type, srid);
        return buf;
    }
}

/* ---- growing text ------------------------------------------------------------------------- */

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static bool buf_put(buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return false;
        b->s = s, b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
    return true;
}

static bool buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < sizeof tmp && buf_put(b, tmp, (size_t)n);
}

static const char HEX[] = "0123456789abcdef";

static bool buf_hex(buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char h[2] = {HEX[p[i] >> 4], HEX[p[i] & 15]};
        if (!buf_put(b, h, 2))
            return false;
    }
    return true;
}

/* COPY's text format: backslash, tab, newline and return escaped. */
static bool buf_copy_text(buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *e = s[i] == '\\'   ? "\\\\"
                        : s[i] == '\t' ? "\\t"
                        : s[i] == '\n' ? "\\n"
                        : s[i] == '\r' ? "\\r"
                                       : NULL;
        if (!(e ? buf_put(b, e, 2) : buf_put(b, &s[i], 1)))
            return false;
    }
    return true;
}

/* ISO WKB -> PostGIS's EWKB with the SRID, in hex. */
static bool buf_ewkb(buf *b, const unsigned char *w, size_t n, int srid)
{
    if (n < 5 || (w[0] != 0 && w[0] != 1))
        return false;
    bool le = w[0] == 1;
    uint32_t type =
        le ? (uint32_t)w[1] | (uint32_t)w[2] << 8 | (uint32_t)w[3] << 16 | (uint32_t)w[4] << 24
           : (uint32_t)w[4] | (uint32_t)w[3] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[1] << 24;
    type |= 0x20000000u;
    unsigned char head[9] = {w[0]};
    for (int k = 0; k < 4; k++) {
        head[le ? 1 + k : 4 - k] = (unsigned char)(type >> (8 * k));
        head[le ? 5 + k : 8 - k] = (unsigned char)((uint32_t)srid >> (8 * k));
    }
    return buf_hex(b, head, 9) && buf_hex(b, w + 5, n - 5);
}

/* ---- COPY ... FROM STDIN, for a table `what` ------------------------------------------------- */

static wg_status pg_copy_fail(wg_ctx *ctx, PGconn *pg, const char *what)
{
    return wg_fail(ctx, WG_EIO, "PostgreSQL database %s, copying %s: %s", PQdb(pg), what,
                   wg__pq_err(pg));
}

/* Starts the COPY of sql; *in_copy tells whether it started (and must be ended). */
static wg_status copy_in_start(wg_ctx *ctx, PGconn *pg, const char *sql, const char *what,
                               bool *in_copy)
{
    PGresult *r = PQexec(pg, sql);
    *in_copy = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    return *in_copy ? WG_OK : pg_copy_fail(ctx, pg, what);
}

/* Sends b's lines once they fill COPY_FLUSH bytes, or whatever they are with `all`. */
static wg_status copy_send(wg_ctx *ctx, PGconn *pg, buf *b, bool all, const char *what)
{
    if (!b->len || (!all && b->len < COPY_FLUSH))
        return WG_OK;
    bool ok = PQputCopyData(pg, b->s, (int)b->len) == 1;
    b->len = 0;
    return ok ? WG_OK : pg_copy_fail(ctx, pg, what);
}

/* Ends a COPY that started; after a failure (st), with an error, so that none of it stays. */
static wg_status copy_in_end(wg_ctx *ctx, PGconn *pg, bool in_copy, wg_status st, const char *what)
{
    if (!in_copy)
        return st;
    PQputCopyEnd(pg, st == WG_OK ? NULL : "the copy failed");
    PGresult *r;
    while ((r = PQgetResult(pg)) != NULL) {
        if (st == WG_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            st = pg_copy_fail(ctx, pg, what);
        PQclear(r);
    }
    return st;
}

/* ---- SpatiaLite -> PostgreSQL --------------------------------------------------------------- */

static wg_status copy_fail(wg_ws *ws, const table *t, int64_t rowid, const column *k,
                           const char *what)
{
    return wg_fail(ws->ctx, WG_EINPUT, "workspace %s: table %s, row %lld, column %s: %s", ws->path,
                   t->name, (long long)rowid, k->name, what);
}

/* One row of t (q: rowid, then the columns, geometries as WKB) as a line of COPY text. */
static wg_status row_line(wg_ws *ws, const table *t, sqlite3_stmt *q, buf *b)
{
    int64_t rowid = sqlite3_column_int64(q, 0);
    bool ok = true;
    if (t->rowid)
        ok = buf_printf(b, "%lld\t", (long long)rowid);
    for (size_t i = 0; ok && i < t->ncol; i++) {
        const column *k = &t->col[i];
        int c = (int)i + 1, vt = sqlite3_column_type(q, c);
        if (i > 0)
            ok = buf_put(b, "\t", 1);
        if (vt == SQLITE_NULL) {
            ok = ok && buf_put(b, "\\N", 2);
            continue;
        }
        switch (k->type) {
        case T_INT:
            if (vt != SQLITE_INTEGER)
                return copy_fail(ws, t, rowid, k, "not an integer, where the table says INTEGER");
            ok = ok && buf_printf(b, "%lld", (long long)sqlite3_column_int64(q, c));
            break;
        case T_REAL:
            if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT)
                return copy_fail(ws, t, rowid, k, "not a number, where the table says REAL");
            ok = ok && buf_printf(b, "%.17g", sqlite3_column_double(q, c));
            break;
        case T_TEXT:
            if (vt != SQLITE_TEXT)
                return copy_fail(ws, t, rowid, k, "not text, where the table says TEXT");
            ok = ok && buf_copy_text(b, (const char *)sqlite3_column_text(q, c),
                                     (size_t)sqlite3_column_bytes(q, c));
            break;
        case T_BLOB:
            ok = ok && buf_put(b, "\\\\x", 3) &&
                 buf_hex(b, sqlite3_column_blob(q, c), (size_t)sqlite3_column_bytes(q, c));
            break;
        default:
            if (!buf_ewkb(b, sqlite3_column_blob(q, c), (size_t)sqlite3_column_bytes(q, c),
                          ws->srid))
                return copy_fail(ws, t, rowid, k, "not a geometry SpatiaLite can write as WKB");
        }
    }
    if (!(ok && buf_put(b, "\n", 1)))
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    return WG_OK;
}

static wg_status create_table(wg_ws *ws, PGconn *pg, const char *schema, const table *t)
{
    buf b = {0};
    bool ok = buf_printf(&b, "CREATE TABLE \"%s\".\"%s\" (", schema, t->name);
    int npk = 0;
    for (size_t i = 0; i < t->ncol; i++)
        npk = t->col[i].pk > npk ? t->col[i].pk : npk;
    if (t->rowid)
        ok = ok && buf_printf(&b, "wg_rowid bigint %s, ", npk ? "NOT NULL UNIQUE" : "PRIMARY KEY");
    for (size_t i = 0; ok && i < t->ncol; i++) {
        char ty[96];
        ok = buf_printf(&b, "%s\"%s\" %s%s%s%s", i ? ", " : "", t->col[i].name,
                        pg_type(&t->col[i], ws->srid, ty, sizeof ty),
                        t->col[i].notnull ? " NOT NULL" : "", t->col[i].dflt[0] ? " DEFAULT " : "",
                        t->col[i].dflt);
    }
    for (int p = 1; ok && p <= npk; p++)
        for (size_t i = 0; ok && i < t->ncol; i++)
            if (t->col[i].pk == p)
                ok = buf_printf(&b, "%s\"%s\"", p == 1 ? ", PRIMARY KEY (" : ", ", t->col[i].name);
    ok = ok && buf_put(&b, npk ? "))" : ")", npk ? 2 : 1);
    for (size_t i = 0; ok && i < t->ncol; i++)
        if (t->col[i].type == T_GEOM)
            ok =
                buf_printf(&b, "; CREATE INDEX \"%s_%s_gist\" ON \"%s\".\"%s\" USING gist (\"%s\")",
                           t->name, t->col[i].name, schema, t->name, t->col[i].name);
    wg_status st =
        ok ? pg_run(ws->ctx, pg, t->name, b.s) : wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    free(b.s);
    return st;
}

/* After its rows: t's UNIQUE constraints and indexes, and the numbering SQLite gives a row
 * inserted without its key (the highest + 1), so that wangge can write to the schema as to
 * the file and number rows the same way. */
static wg_status finish_table(wg_ws *ws, PGconn *pg, const char *schema, const table *t)
{
    buf b = {0};
    bool ok = buf_put(&b, "", 0);
    for (size_t i = 0; ok && i < t->nidx; i++)
        ok = buf_printf(&b, "CREATE %sINDEX \"%s\" ON \"%s\".\"%s\" (%s); ",
                        t->idx[i].unique ? "UNIQUE " : "", t->idx[i].name, schema, t->name,
                        t->idx[i].cols);
    if (ok && t->key[0])
        ok = buf_printf(&b,
                        "CREATE FUNCTION \"%s\".\"%s_key\"() RETURNS trigger LANGUAGE plpgsql AS "
                        "$f$ BEGIN IF NEW.\"%s\" IS NULL THEN SELECT coalesce(max(\"%s\"), 0) + 1 "
                        "INTO NEW.\"%s\" FROM \"%s\".\"%s\"; END IF; RETURN NEW; END $f$; "
                        "CREATE TRIGGER \"%s_key\" BEFORE INSERT ON \"%s\".\"%s\" FOR EACH ROW "
                        "EXECUTE FUNCTION \"%s\".\"%s_key\"()",
                        schema, t->name, t->key, t->key, t->key, schema, t->name, t->name, schema,
                        t->name, schema, t->name);
    wg_status st = !ok         ? wg_fail(ws->ctx, WG_ENOMEM, "out of memory")
                   : b.len > 0 ? pg_run(ws->ctx, pg, t->name, b.s)
                               : WG_OK;
    free(b.s);
    return st;
}

/* What SQLite and SpatiaLite have that PostgreSQL names otherwise, for the statements the store
 * runs on both: json_each and json_extract of a text, total() (a sum that is 0.0 over no rows,
 * of numbers or of truths), json_group_array() (a text, '[]' over no rows). */
static wg_status sql_helpers(wg_ctx *ctx, PGconn *pg, const char *s)
{
    char sql[2400];
    snprintf(
        sql, sizeof sql,
        "CREATE FUNCTION \"%s\".wangge_json_each(j text) RETURNS TABLE (value text) LANGUAGE sql "
        "IMMUTABLE AS $$ SELECT json_array_elements_text(j::json) $$; "
        "CREATE FUNCTION \"%s\".wangge_json_extract(j text, path text) RETURNS text LANGUAGE sql "
        "IMMUTABLE AS $$ SELECT j::json #>> string_to_array(substr(path, 3), '.') $$; "
        "CREATE FUNCTION \"%s\".wangge_total_add(a double precision, v double precision) RETURNS "
        "double precision LANGUAGE sql IMMUTABLE AS $$ SELECT a + coalesce(v, 0) $$; "
        "CREATE AGGREGATE \"%s\".wangge_total(double precision) (sfunc = "
        "\"%s\".wangge_total_add, stype = double precision, initcond = '0'); "
        "CREATE FUNCTION \"%s\".wangge_total_add(a double precision, v boolean) RETURNS double "
        "precision LANGUAGE sql IMMUTABLE AS $$ SELECT a + CASE WHEN v THEN 1 ELSE 0 END $$; "
        "CREATE AGGREGATE \"%s\".wangge_total(boolean) (sfunc = \"%s\".wangge_total_add, stype "
        "= double precision, initcond = '0'); "
        "CREATE FUNCTION \"%s\".wangge_json_array(a text[]) RETURNS text LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT array_to_json(a)::text $$; "
        "CREATE AGGREGATE \"%s\".wangge_json_group_array(text) (sfunc = array_append, stype = "
        "text[], initcond = '{}', finalfunc = \"%s\".wangge_json_array)",
        s, s, s, s, s, s, s, s, s, s, s);
    return pg_run(ctx, pg, "creating wangge's SQL functions", sql);
}

static wg_status copy_table_out(wg_ws *ws, PGconn *pg, const char *schema, const table *t)
{
    buf sel = {0}, cols = {0};
    bool ok =
        buf_printf(&sel, "SELECT %s", t->without_rowid ? "0" : "rowid") && buf_put(&cols, "", 0);
    if (t->rowid)
        ok = ok && buf_printf(&cols, "wg_rowid, ");
    for (size_t i = 0; ok && i < t->ncol; i++) {
        const char *n = t->col[i].name;
        ok = (t->col[i].type == T_GEOM ? buf_printf(&sel, ", AsBinary(\"%s\")", n)
                                       : buf_printf(&sel, ", \"%s\"", n)) &&
             buf_printf(&cols, "%s\"%s\"", i ? ", " : "", n);
    }
    ok = ok &&
         buf_printf(&sel, " FROM \"%s\"%s", t->name, t->without_rowid ? "" : " ORDER BY rowid");
    if (!ok) {
        free(sel.s), free(cols.s);
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    }
    sqlite3_stmt *q = NULL;
    wg_status st = WG_OK;
    if (sqlite3_prepare_v2(ws->db, sel.s, -1, &q, NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "reading a table to copy: ");
    char sql[4096];
    snprintf(sql, sizeof sql, "COPY \"%s\".\"%s\" (%s) FROM STDIN", schema, t->name, cols.s);
    bool in_copy = false;
    if (st == WG_OK)
        st = copy_in_start(ws->ctx, pg, sql, t->name, &in_copy);
    buf b = {0};
    int64_t rows = 0, total = 0;
    char stage[96], count[128];
    snprintf(stage, sizeof stage, "copying %s", t->name);
    snprintf(count, sizeof count, "SELECT count(*) FROM \"%s\"", t->name);
    sqlite3_stmt *cq = NULL;
    if (sqlite3_prepare_v2(ws->db, count, -1, &cq, NULL) == SQLITE_OK &&
        sqlite3_step(cq) == SQLITE_ROW)
        total = sqlite3_column_int64(cq, 0);
    sqlite3_finalize(cq);
    int rc = SQLITE_DONE;
    while (st == WG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (++rows % 4096 == 0)
            wg_progress(ws->ctx, stage, (uint64_t)rows, (uint64_t)total);
        st = row_line(ws, t, q, &b);
        if (st == WG_OK)
            st = copy_send(ws->ctx, pg, &b, false, t->name);
        if (rows % 100000 == 0 && wg_ctx_cancelled(ws->ctx))
            st = wg_fail(ws->ctx, WG_EINTR, "interrupted");
    }
    if (st == WG_OK && rc != SQLITE_DONE)
        st = wg__sql_fail(ws, "reading a table to copy: ");
    if (st == WG_OK)
        st = copy_send(ws->ctx, pg, &b, true, t->name);
    st = copy_in_end(ws->ctx, pg, in_copy, st, t->name);
    sqlite3_finalize(q);
    free(sel.s), free(cols.s), free(b.s);
    return st;
}

/* ---- PostgreSQL -> SpatiaLite ------------------------------------------------------------- */

/* Undoes COPY's text escapes in place; *null for \N. Returns the new length. */
static size_t unescape(char *s, size_t n, bool *null)
{
    *null = n == 2 && s[0] == '\\' && s[1] == 'N';
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            s[o++] = s[i];
            continue;
        }
        char c = s[++i];
        s[o++] = c == 'b'   ? '\b'
                 : c == 'f' ? '\f'
                 : c == 'n' ? '\n'
                 : c == 'r' ? '\r'
                 : c == 't' ? '\t'
                 : c == 'v' ? '\v'
                            : c;
    }
    return o;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* bytea's hex output ("\x0a1b...") decoded in place; false when it is not that. */
static bool unhex(char *s, size_t n, size_t *len)
{
    if (n < 2 || s[0] != '\\' || s[1] != 'x' || n % 2)
        return false;
    for (size_t i = 2; i < n; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return false;
        s[(i - 2) / 2] = (char)(a << 4 | b);
    }
    *len = (n - 2) / 2;
    return true;
}

/* The PostgreSQL table has the workspace's columns, by name: no more, no fewer (their order
 * may differ: a workspace migrated from an older schema has its added columns last). */
static wg_status same_columns(wg_ws *ws, PGconn *pg, const char *src, const char *schema,
                              const table *t)
{
    const char *params[2] = {schema, t->name};
    PGresult *r = PQexecParams(pg,
                               "SELECT column_name FROM information_schema.columns WHERE "
                               "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                               2, NULL, params, NULL, NULL, 0);
    wg_status st = WG_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        st = wg_fail(ws->ctx, WG_EIO, "%s: reading the columns of %s: %s", src, t->name,
                     wg__pq_err(pg));
    size_t want = t->ncol + (t->rowid ? 1 : 0), have = st == WG_OK ? (size_t)PQntuples(r) : 0;
    if (st == WG_OK && have == 0)
        st = wg_fail(ws->ctx, WG_EINPUT, "%s: schema %s has no table %s", src, schema, t->name);
    for (size_t i = 0; st == WG_OK && i < want; i++) {
        const char *name = i == 0 && t->rowid ? "wg_rowid" : t->col[i - (t->rowid ? 1 : 0)].name;
        bool found = false;
        for (size_t j = 0; j < have && !found; j++)
            found = strcmp(PQgetvalue(r, (int)j, 0), name) == 0;
        if (!found)
            st = wg_fail(ws->ctx, WG_EINPUT,
                         "%s: table %s.%s has no column %s, which this wangge's %s has", src,
                         schema, t->name, name, t->name);
    }
    if (st == WG_OK && have > want)
        st = wg_fail(ws->ctx, WG_EINPUT,
                     "%s: table %s.%s has %zu columns, this wangge's %s %zu: it is not a copy of "
                     "a workspace of this schema version",
                     src, schema, t->name, have, t->name, want);
    PQclear(r);
    return st;
}

/* One line of COPY text into the insert q; a failure names the table and the line. */
static wg_status bind_line(wg_ws *ws, const char *src, const table *t, char *line, size_t n,
                           sqlite3_stmt *q, int64_t lineno)
{
    size_t nf = t->ncol + (t->rowid ? 1 : 0), f = 0;
    char *p = line, *end = line + n;
    if (n && end[-1] == '\n')
        end--;
    while (p <= end && f < nf) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        char *fe = tab ? tab : end;
        bool null;
        size_t len = unescape(p, (size_t)(fe - p), &null);
        int type = t->rowid && f == 0 ? T_INT : t->col[f - (t->rowid ? 1 : 0)].type;
        int b = (int)f + 1;
        char save = p[len];
        p[len] = '\0';
        bool ok = true;
        if (null) {
            sqlite3_bind_null(q, b);
        } else if (type == T_INT) {
            char *e;
            errno = 0;
            long long v = strtoll(p, &e, 10);
            ok = e != p && !*e && !errno;
            sqlite3_bind_int64(q, b, v);
        } else if (type == T_REAL) {
            char *e;
            double v = strtod(p, &e);
            ok = e != p && !*e;
            sqlite3_bind_double(q, b, v);
        } else if (type == T_TEXT) {
            sqlite3_bind_text(q, b, p, (int)len, SQLITE_TRANSIENT);
        } else {
            size_t bl = 0;
            ok = unhex(p, len, &bl);
            sqlite3_bind_blob(q, b, p, (int)bl, SQLITE_TRANSIENT);
        }
        p[len] = save;
        if (!ok)
            return wg_fail(ws->ctx, WG_EINPUT,
                           "%s: table %s, row %lld, field %zu: '%.*s' is not a %s", src, t->name,
                           (long long)lineno, f + 1, (int)(len < 40 ? len : 40), p,
                           type == T_INT    ? "whole number"
                           : type == T_REAL ? "number"
                                            : "bytea");
        f++;
        p = fe + 1;
    }
    if (f != nf)
        return wg_fail(ws->ctx, WG_EINPUT, "%s: table %s, row %lld has %zu fields, not %zu", src,
                       t->name, (long long)lineno, f, nf);
    if (sqlite3_step(q) != SQLITE_DONE) {
        wg_status st = wg__sql_fail(ws, "writing a copied row: ");
        sqlite3_reset(q);
        return st;
    }
    sqlite3_reset(q);
    return WG_OK;
}

static wg_status copy_table_in(wg_ws *ws, PGconn *pg, const char *src, const char *schema,
                               const table *t)
{
    wg_status st = same_columns(ws, pg, src, schema, t);
    buf sel = {0}, ins = {0}, vals = {0};
    bool ok = buf_printf(&sel, "COPY (SELECT ") &&
              buf_printf(&ins, "INSERT INTO \"%s\" (", t->name) && buf_put(&vals, "", 0);
    if (t->rowid)
        ok = ok && buf_printf(&sel, "wg_rowid") && buf_printf(&ins, "rowid") &&
             buf_printf(&vals, "?");
    for (size_t i = 0; ok && i < t->ncol; i++) {
        const char *n = t->col[i].name, *sep = i || t->rowid ? ", " : "";
        bool g = t->col[i].type == T_GEOM;
        ok = (g ? buf_printf(&sel, "%sST_AsBinary(\"%s\")", sep, n)
                : buf_printf(&sel, "%s\"%s\"", sep, n)) &&
             buf_printf(&ins, "%s\"%s\"", sep, n) &&
             (g ? buf_printf(&vals, "%sGeomFromWKB(?, %d)", sep, ws->srid)
                : buf_printf(&vals, "%s?", sep));
    }
    ok = ok && buf_printf(&sel, " FROM \"%s\".\"%s\") TO STDOUT", schema, t->name) &&
         buf_printf(&ins, ") VALUES (") && buf_put(&ins, vals.s, vals.len) && buf_put(&ins, ")", 1);
    if (st == WG_OK && !ok)
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    char del[128];
    snprintf(del, sizeof del, "DELETE FROM \"%s\"", t->name);
    if (st == WG_OK)
        st = wg__sql(ws, del);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK && sqlite3_prepare_v2(ws->db, ins.s, -1, &q, NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "copying a table in: ");
    PGresult *r = st == WG_OK ? PQexec(pg, sel.s) : NULL;
    bool in_copy = r && PQresultStatus(r) == PGRES_COPY_OUT;
    if (st == WG_OK && !in_copy)
        st = wg_fail(ws->ctx, WG_EIO, "%s: reading %s: %s", src, t->name, wg__pq_err(pg));
    PQclear(r);
    int64_t rows = 0;
    char *line = NULL;
    int len;
    char stage[96];
    snprintf(stage, sizeof stage, "copying %s", t->name);
    while (in_copy && (len = PQgetCopyData(pg, &line, 0)) > 0) {
        if (st == WG_OK)
            st = bind_line(ws, src, t, line, (size_t)len, q, ++rows);
        if (rows % 4096 == 0)
            wg_progress(ws->ctx, stage, (uint64_t)rows, 0);
        if (st == WG_OK && rows % 100000 == 0 && wg_ctx_cancelled(ws->ctx))
            st = wg_fail(ws->ctx, WG_EINTR, "interrupted");
        PQfreemem(line);
    }
    if (in_copy && len == -2 && st == WG_OK)
        st = wg_fail(ws->ctx, WG_EIO, "%s: reading %s: %s", src, t->name, wg__pq_err(pg));
    while ((r = PQgetResult(pg)) != NULL) {
        if (st == WG_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            st = wg_fail(ws->ctx, WG_EIO, "%s: reading %s: %s", src, t->name, wg__pq_err(pg));
        PQclear(r);
    }
    sqlite3_finalize(q);
    free(sel.s), free(ins.s), free(vals.s);
    return st;
}

/* ---- both ways --------------------------------------------------------------------------------
 */

/* The table incident_cells (incident, cell, fid): each incident's cell under the stored
 * assignment, for a GIS to join (the workspace keeps it packed in assign_cols, which SQL cannot
 * read). Cell NULL: in none, or not assigned yet. A copy's own table: the way back leaves it. */
typedef struct cells_job {
    wg_ws *ws;
    PGconn *pg;
    char **code; /* the assigned plan's cells in code order: a cell index's code */
    size_t ncode;
    buf b;
} cells_job;

static wg_status cells_part(void *user, const wg_incidents *part)
{
    cells_job *J = user;
    for (size_t i = 0; i < part->n; i++) {
        int32_t c = part->cell[i];
        bool ok =
            buf_printf(&J->b, "%lld\t", (long long)part->fid[i]) &&
            (c >= 0 && (size_t)c < J->ncode ? buf_copy_text(&J->b, J->code[c], strlen(J->code[c]))
                                            : buf_put(&J->b, "\\N", 2)) &&
            buf_put(&J->b, "\n", 1);
        if (!ok)
            return wg_fail(J->ws->ctx, WG_ENOMEM, "out of memory");
    }
    return copy_send(J->ws->ctx, J->pg, &J->b, false, "incident_cells");
}

static wg_status incident_cells_table(wg_ws *ws, PGconn *pg, const char *s)
{
    cells_job J = {.ws = ws, .pg = pg};
    size_t cap = 0;
    sqlite3_stmt *q = NULL;
    wg_status st = WG_OK;
    if (sqlite3_prepare_v2(ws->db,
                           "SELECT code FROM cells WHERE plan = (SELECT plan FROM derived WHERE "
                           "kind = 'assignment') ORDER BY code",
                           -1, &q, NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "reading the assigned cells: ");
    while (st == WG_OK && sqlite3_step(q) == SQLITE_ROW) {
        char *code = strdup(sq_text(q, 0) ? sq_text(q, 0) : "");
        if (!code ||
            (st = wg_grow(ws->ctx, (void **)&J.code, &cap, J.ncode + 1, sizeof *J.code)) != WG_OK) {
            free(code);
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
            break;
        }
        J.code[J.ncode++] = code;
    }
    sqlite3_finalize(q);
    if (st == WG_OK)
        st = pg_run(ws->ctx, pg, "making incident_cells",
                    "CREATE TEMP TABLE wg_incident_cells (fid bigint, cell text) ON COMMIT DROP");
    bool in_copy = false;
    if (st == WG_OK)
        st = copy_in_start(ws->ctx, pg, "COPY wg_incident_cells FROM STDIN", "incident_cells",
                           &in_copy);
    if (st == WG_OK)
        st = wg_store_incidents_each(ws, WG_IC_FID | WG_IC_CELL, NULL, cells_part, &J);
    if (st == WG_OK)
        st = copy_send(ws->ctx, pg, &J.b, true, "incident_cells");
    st = copy_in_end(ws->ctx, pg, in_copy, st, "incident_cells");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE \"%s\".incident_cells AS SELECT i.id AS incident, w.cell, i.fid "
             "FROM \"%s\".incidents i JOIN wg_incident_cells w USING (fid); "
             "ALTER TABLE \"%s\".incident_cells ADD PRIMARY KEY (fid); "
             "CREATE INDEX ON \"%s\".incident_cells (cell); "
             "COMMENT ON TABLE \"%s\".incident_cells IS 'each incident''s cell under the "
             "stored assignment when copied (cell NULL: in none, or not assigned yet)'",
             s, s, s, s, s);
    if (st == WG_OK)
        st = pg_run(ws->ctx, pg, "making incident_cells", sql);
    for (size_t i = 0; i < J.ncode; i++)
        free(J.code[i]);
    free(J.code);
    free(J.b.s);
    return st;
}

static wg_status to_pg(wg_ctx *ctx, const char *src, const char *dest)
{
    wg_pg_target t = {0};
    wg_ws *ws = NULL;
    PGconn *pg = NULL;
    table *tabs = NULL;
    size_t nt = 0;
    char n[64], sql[512];
    wg_status st = wg__pg_target_parse(ctx, dest, &t);
    if (st == WG_OK)
        st = wg_ws_open(ctx, src, &ws);
    bool reading = st == WG_OK && (st = wg_store_read_begin(ws)) == WG_OK;
    if (st == WG_OK)
        st = sqlite_tables(ws, &tabs, &nt);
    if (st == WG_OK)
        st = wg__pg_connect(ctx, t.shown, &t, &pg);
    if (st == WG_OK)
        st = pg_run(ctx, pg, "starting", "BEGIN; SET LOCAL client_min_messages = warning");
    if (st == WG_OK)
        st = pg_run(ctx, pg, "enabling PostGIS (CREATE EXTENSION postgis)",
                    "CREATE EXTENSION IF NOT EXISTS postgis");
    if (st == WG_OK)
        st =
            pg_value(ctx, pg, "looking at the schema",
                     "SELECT count(*) FROM pg_tables WHERE schemaname = $1", t.schema, n, sizeof n);
    if (st == WG_OK && strtol(n, NULL, 10) > 0)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: schema %s already holds %s tables, and a copy never writes over any "
                     "(DROP SCHEMA %s CASCADE first, or give another schema with schema=NAME)",
                     t.shown, t.schema, n, t.schema);
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"", t.schema);
    if (st == WG_OK)
        st = pg_run(ctx, pg, "creating the schema", sql);
    if (st == WG_OK)
        st = sql_helpers(ctx, pg, t.schema);
    for (size_t i = 0; st == WG_OK && i < nt; i++) {
        st = create_table(ws, pg, t.schema, &tabs[i]);
        if (st == WG_OK)
            st = copy_table_out(ws, pg, t.schema, &tabs[i]);
        if (st == WG_OK)
            st = finish_table(ws, pg, t.schema, &tabs[i]);
    }
    /* what SQLite's AUTOINCREMENT has handed out, and the file's schema */
    snprintf(sql, sizeof sql,
             "CREATE TABLE \"%s\".wangge_sequence (name text PRIMARY KEY, seq bigint NOT NULL); "
             "CREATE TABLE \"%s\".wangge_schema (version integer NOT NULL, crs text)",
             t.schema, t.schema);
    if (st == WG_OK)
        st = pg_run(ctx, pg, "creating wangge_schema", sql);
    sqlite3_stmt *q = NULL;
    if (st == WG_OK && sqlite3_prepare_v2(ws->db, "SELECT name, seq FROM sqlite_sequence", -1, &q,
                                          NULL) != SQLITE_OK)
        sqlite3_finalize(q), q = NULL; /* no AUTOINCREMENT table: nothing to keep */
    while (st == WG_OK && q && sqlite3_step(q) == SQLITE_ROW) {
        char seq[32];
        snprintf(seq, sizeof seq, "%lld", (long long)sqlite3_column_int64(q, 1));
        const char *p[2] = {sq_text(q, 0), seq};
        snprintf(sql, sizeof sql, "INSERT INTO \"%s\".wangge_sequence VALUES ($1, $2)", t.schema);
        PGresult *r = PQexecParams(pg, sql, 2, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            st = wg_fail(ctx, WG_EIO, "%s: %s", t.shown, wg__pq_err(pg));
        PQclear(r);
    }
    sqlite3_finalize(q);
    if (st == WG_OK) {
        char v[16];
        snprintf(v, sizeof v, "%d", wg_ws_schema_version(ws));
        const char *p[2] = {v, ws->crs[0] ? ws->crs : NULL};
        snprintf(sql, sizeof sql, "INSERT INTO \"%s\".wangge_schema VALUES ($1, $2)", t.schema);
        PGresult *r = PQexecParams(pg, sql, 2, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            st = wg_fail(ctx, WG_EIO, "%s: %s", t.shown, wg__pq_err(pg));
        PQclear(r);
    }
    if (st == WG_OK)
        st = incident_cells_table(ws, pg, t.schema);
    if (st == WG_OK)
        st = pg_run(ctx, pg, "committing", "COMMIT");
    if (pg)
        PQfinish(pg); /* not committed: PostgreSQL rolls it all back */
    if (reading)
        wg_store_read_end(ws);
    wg_ws_close(ws);
    free(tabs);
    free(t.conninfo);
    return st;
}

static wg_status from_pg(wg_ctx *ctx, const char *src, const char *dest)
{
    if (access(dest, F_OK) == 0)
        return wg_fail(ctx, WG_EINPUT,
                       "%s exists, and a copy never writes over a file: remove it or name another",
                       dest);
    wg_pg_target t = {0};
    PGconn *pg = NULL;
    wg_ws *ws = NULL;
    table *tabs = NULL;
    size_t nt = 0;
    wg_atomic *out = NULL;
    char v[16] = "", crs[64] = "", sql[512];
    wg_status st = wg__pg_target_parse(ctx, src, &t);
    if (st == WG_OK)
        st = wg__pg_connect(ctx, t.shown, &t, &pg);
    /* one snapshot of every table */
    if (st == WG_OK)
        st = pg_run(ctx, pg, "starting",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL "
                    "extra_float_digits = 3; SET LOCAL bytea_output = 'hex'");
    snprintf(sql, sizeof sql, "SELECT to_regclass('\"%s\".wangge_schema') IS NOT NULL", t.schema);
    if (st == WG_OK)
        st = pg_value(ctx, pg, "looking for the workspace", sql, NULL, v, sizeof v);
    if (st == WG_OK && strcmp(v, "t") != 0)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: schema %s holds no wangge workspace (no table %s.wangge_schema)", t.shown,
                     t.schema, t.schema);
    snprintf(sql, sizeof sql, "SELECT version FROM \"%s\".wangge_schema", t.schema);
    if (st == WG_OK)
        st = pg_value(ctx, pg, "reading wangge_schema", sql, NULL, v, sizeof v);
    snprintf(sql, sizeof sql, "SELECT crs FROM \"%s\".wangge_schema", t.schema);
    if (st == WG_OK)
        st = pg_value(ctx, pg, "reading wangge_schema", sql, NULL, crs, sizeof crs);
    if (st == WG_OK && strtol(v, NULL, 10) != WG_SCHEMA_VERSION)
        st = wg_fail(ctx, WG_EINPUT,
                     "%s: schema %s holds a workspace of schema version %s; this wangge makes "
                     "version %d",
                     t.shown, t.schema, v, WG_SCHEMA_VERSION);
    /* made in a hidden folder beside dest and moved in whole (wg/atomic.h) */
    if (st == WG_OK)
        st = wg_atomic_begin(ctx, dest, true, &out);
    if (st == WG_OK)
        st = wg_ws_create(ctx, wg_atomic_tmp_main(out), crs[0] ? crs : NULL, &ws);
    if (st == WG_OK)
        st = sqlite_tables(ws, &tabs, &nt);
    if (st == WG_OK)
        st = wg__sql(ws, "BEGIN IMMEDIATE");
    /* ws_meta last: the incidents' triggers note their packed copy as stale there */
    for (int meta = 0; st == WG_OK && meta < 2; meta++)
        for (size_t i = 0; st == WG_OK && i < nt; i++)
            if ((strcmp(tabs[i].name, "ws_meta") == 0) == meta)
                st = copy_table_in(ws, pg, t.shown, t.schema, &tabs[i]);
    if (st == WG_OK)
        st = wg__sql(ws, "DELETE FROM sqlite_sequence");
    snprintf(sql, sizeof sql, "SELECT name, seq FROM \"%s\".wangge_sequence", t.schema);
    PGresult *r = st == WG_OK ? PQexec(pg, sql) : NULL;
    if (st == WG_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        st = wg_fail(ctx, WG_EIO, "%s: reading wangge_sequence: %s", t.shown, wg__pq_err(pg));
    sqlite3_stmt *q = NULL;
    if (st == WG_OK &&
        sqlite3_prepare_v2(ws->db, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", -1, &q,
                           NULL) != SQLITE_OK)
        st = wg__sql_fail(ws, "copying sqlite_sequence: ");
    for (int i = 0; st == WG_OK && i < PQntuples(r); i++) {
        sqlite3_bind_text(q, 1, PQgetvalue(r, i, 0), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, strtoll(PQgetvalue(r, i, 1), NULL, 10));
        if (sqlite3_step(q) != SQLITE_DONE)
            st = wg__sql_fail(ws, "copying sqlite_sequence: ");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    PQclear(r);
    if (st == WG_OK)
        st = wg__sql(ws, "COMMIT");
    if (ws && st != WG_OK && !sqlite3_get_autocommit(ws->db))
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    wg_ws_close(ws);
    if (pg)
        PQfinish(pg);
    wg_status end = wg_atomic_end(ctx, out, st == WG_OK);
    if (st == WG_OK)
        st = end;
    free(tabs);
    free(t.conninfo);
    return st;
}

wg_status wg_ws_copy(wg_ctx *ctx, const char *src, const char *dest)
{
    bool from = wg_ws_is_database(src), to = wg_ws_is_database(dest);
    if (from == to) {
        char a[512], b[512];
        wg__pg_hide_password(src, a, sizeof a);
        wg__pg_hide_password(dest, b, sizeof b);
        return wg_fail(ctx, WG_EINPUT,
                       "copy goes between a workspace file and a PostgreSQL database (PG:... or "
                       "postgresql://...), one of each: %s and %s are both %s",
                       a, b, from ? "databases" : "files");
    }
    return from ? from_pg(ctx, src, dest) : to_pg(ctx, src, dest);
}
