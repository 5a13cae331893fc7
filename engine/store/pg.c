/* engine/store/pg.c: the store on PostgreSQL/PostGIS (libpq). A workspace there is a schema
 * (the tables `wangge copy` makes: the SQLite file's tables with their keys, indexes and
 * defaults, geometry(type, SRID) columns with GiST indexes, and wangge_schema). The store's
 * files run the same statements on either database: this file translates SQLite's text once
 * per statement (?N -> $N; SpatiaLite's AsBinary, GeomFromWKB, Mbr*, X, Y -> PostGIS's;
 * rowid -> wg_rowid; INTEGER -> bigint, REAL -> double precision, BLOB -> bytea; INDEXED BY
 * dropped; json_each/json_extract -> the schema's wangge_json_* functions), prepares it on the
 * connection, runs it at its first step with text parameters (blobs in binary) and reads its
 * rows in binary. The write transaction takes the workspace's advisory lock, so writers take
 * turns as on SQLite, and reads between wg_store_read_begin/end see one snapshot (REPEATABLE
 * READ). */
#include "store_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA_DEFAULT "wangge"
#define LOCK_CLASS 22343 /* "WG": the first key of the workspace's advisory lock */

struct wg_pg {
    PGconn *c;
    char schema[64];
    int lock_key; /* the second key: a hash of the schema's name */
    int64_t changes;
    unsigned nprep;
    char err[1024]; /* the last statement's error, on one line */
    char state[6];  /* ... and its SQLSTATE */
};

struct pg_q {
    wg_ws *ws;
    char name[16];
    int nparams;
    char **val; /* parameter i-1: its bytes (text, or a blob's), NULL for NULL */
    int *len, *fmt;
    size_t *cap;
    PGresult *res;
    int row, nrows;
    bool ran;
    char **txt; /* a number read as text: its digits, per column */
    int ntxt;
};

/* ---- the database's name: libpq's connection string, and schema=NAME taken out of it -------- */

/* spec with any password in it (password=..., or user:PASSWORD@ in a URL) as "***". */
void wg__pg_hide_password(const char *spec, char *out, size_t n)
{
    size_t o = 0;
    const char *p = spec, *at = strchr(spec, '@'), *scheme = strstr(spec, "://");
    const char *colon = scheme && at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    while (*p && o + 4 < n) {
        if (p == colon) { /* user:PASSWORD@host */
            memcpy(out + o, ":***", 4), o += 4;
            p = at;
            continue;
        }
        if (strncmp(p, "password=", 9) == 0 &&
            (p == spec || p[-1] == ' ' || p[-1] == '&' || p[-1] == '?' || p[-1] == ':')) {
            const char *v = p + 9, *e = v;
            if (*v == '\'') {
                for (e = v + 1; *e && *e != '\''; e++)
                    e += *e == '\\' && e[1];
                e += *e == '\'';
            } else {
                e = v + strcspn(v, " &\t\n");
            }
            if (o + 12 >= n)
                break;
            memcpy(out + o, "password=***", 12), o += 12;
            p = e;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

static bool schema_name_ok(const char *s)
{
    if (!*s || strlen(s) > 63 || !(islower((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* Removes "schema=VALUE" from s (a PG: key=value list, or a URL's query) into schema. */
static wg_status take_schema(wg_ctx *ctx, const char *spec, char *s, bool url, char schema[64])
{
    snprintf(schema, 64, "%s", SCHEMA_DEFAULT);
    char *q = url ? strchr(s, '?') : s;
    for (char *p = q; p && (p = strstr(p, "schema=")) != NULL; p++) {
        bool start =
            p == s || (url ? (p[-1] == '?' || p[-1] == '&') : isspace((unsigned char)p[-1]));
        if (!start)
            continue;
        char *v = p + 7, *end = v + strcspn(v, url ? "&" : " \t\n");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - v < 63 ? end - v : 63), v);
        if (!schema_name_ok(name) || end - v > 63)
            return wg_fail(ctx, WG_EINPUT,
                           "%s: schema '%.*s' is not a plain lower-case name (a-z, 0-9, _)", spec,
                           (int)(end - v), v);
        snprintf(schema, 64, "%s", name);
        if (url && *end == '&')
            end++;
        else if (url && p[-1] == '&')
            p--; /* the '&' before it goes */
        memmove(p, end, strlen(end) + 1);
        if (url && (p[-1] == '?' && !*p))
            p[-1] = '\0';
        return WG_OK;
    }
    return WG_OK;
}

/* libpq's last message on one line: its lines joined, no newline at the end. */
const char *wg__pq_err(PGconn *c)
{
    static _Thread_local char m[1024];
    size_t o = 0;
    for (const char *p = PQerrorMessage(c); *p && o < sizeof m - 1; p++) {
        if (*p == '\n' || *p == '\t') {
            if (o && m[o - 1] != ' ')
                m[o++] = ' ';
        } else {
            m[o++] = *p;
        }
    }
    while (o && m[o - 1] == ' ')
        o--;
    m[o] = '\0';
    return m;
}

wg_status wg__pg_target_parse(wg_ctx *ctx, const char *spec, wg_pg_target *t)
{
    bool url = strncmp(spec, "PG:", 3) != 0;
    wg__pg_hide_password(spec, t->shown, sizeof t->shown);
    if (!(t->conninfo = strdup(url ? spec : spec + 3)))
        return wg_fail(ctx, WG_ENOMEM, "out of memory");
    return take_schema(ctx, t->shown, t->conninfo, url, t->schema);
}

wg_status wg__pg_connect(wg_ctx *ctx, const char *spec, const wg_pg_target *t, PGconn **out)
{
    PGconn *c = PQconnectdb(t->conninfo);
    if (!c)
        return wg_fail(ctx, WG_ENOMEM, "out of memory connecting to PostgreSQL");
    if (PQstatus(c) != CONNECTION_OK) {
        wg_status st = wg_fail(ctx, WG_EIO, "%s: cannot connect: %s", spec, wg__pq_err(c));
        PQfinish(c);
        return st;
    }
    *out = c;
    return WG_OK;
}

/* ---- translating SQLite's statements --------------------------------------------------------- */

typedef struct sqlbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sqlbuf;

static void put(sqlbuf *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s, b->cap = cap;
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(sqlbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* SpatiaLite's and SQLite's words and their PostgreSQL/PostGIS counterparts; `call`: only as a
 * function's name. */
static const struct {
    const char *from, *to;
    bool call;
} WORDS[] = {
    {"AsBinary", "ST_AsBinary", true},
    {"GeomFromWKB", "ST_GeomFromWKB", true},
    {"MbrMinX", "ST_XMin", true},
    {"MbrMinY", "ST_YMin", true},
    {"MbrMaxX", "ST_XMax", true},
    {"MbrMaxY", "ST_YMax", true},
    {"X", "ST_X", true},
    {"Y", "ST_Y", true},
    {"json_each", "wangge_json_each", true},
    {"json_extract", "wangge_json_extract", true},
    {"json_group_array", "wangge_json_group_array", true},
    {"total", "wangge_total", true},
    {"rowid", "wg_rowid", false},
    {"INTEGER", "bigint", false},
    {"REAL", "double precision", false},
    {"BLOB", "bytea", false},
};

/* SQLite's text as PostgreSQL's; *nparams gets the highest parameter number. NULL without
 * memory. */
static char *translate(const char *sql, int *nparams)
{
    sqlbuf b = {0};
    int max = 0;
    const char *p = sql;
    while (*p) {
        if (*p == '\'' || *p == '"') { /* a literal or a quoted name, as it is */
            const char *e = p + 1;
            for (; *e; e++)
                if (*e == *p) {
                    if (e[1] == *p)
                        e++;
                    else
                        break;
                }
            if (*e)
                e++;
            put(&b, p, (size_t)(e - p));
            p = e;
        } else if (*p == '?') {
            int k;
            p++;
            if (isdigit((unsigned char)*p)) {
                k = (int)strtol(p, (char **)&p, 10);
            } else {
                k = max + 1;
            }
            if (k > max)
                max = k;
            char num[16];
            snprintf(num, sizeof num, "$%d", k);
            puts_(&b, num);
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *e = p;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            size_t n = (size_t)(e - p);
            const char *after = e;
            while (*after == ' ')
                after++;
            bool call = *after == '(';
            bool done = false;
            if (n == 7 && strncmp(p, "INDEXED", 7) == 0) { /* INDEXED BY name: SQLite's hint */
                const char *q = after;
                if (strncmp(q, "BY ", 3) == 0) {
                    q += 3;
                    while (isalnum((unsigned char)*q) || *q == '_')
                        q++;
                    p = q;
                    continue;
                }
            }
            if (n == 5 && strncmp(p, "CROSS", 5) == 0 && strncmp(after, "JOIN ", 5) == 0) {
                p = after; /* SQLite's CROSS JOIN ... ON: a join in that order */
                continue;
            }
            if (n == 2 && strncmp(p, "IS", 2) == 0) { /* SQLite's IS [NOT] between values */
                const char *w = after;
                bool neg = strncmp(w, "NOT ", 4) == 0;
                if (neg)
                    w += 4;
                static const char *const keep[] = {"NULL", "TRUE", "FALSE", "DISTINCT", "UNKNOWN"};
                bool plain = false;
                for (size_t i = 0; i < 5; i++)
                    plain = plain || (strncmp(w, keep[i], strlen(keep[i])) == 0 &&
                                      !isalnum((unsigned char)w[strlen(keep[i])]));
                if (!plain) {
                    puts_(&b, neg ? "IS DISTINCT FROM " : "IS NOT DISTINCT FROM ");
                    p = w;
                    continue;
                }
            }
            bool qualified = p > sql && p[-1] == '.';
            for (size_t i = 0; !done && i < sizeof WORDS / sizeof WORDS[0]; i++)
                if (strlen(WORDS[i].from) == n && strncmp(p, WORDS[i].from, n) == 0 &&
                    (!WORDS[i].call || call) && (WORDS[i].call || !qualified || n == 5)) {
                    puts_(&b, WORDS[i].to);
                    done = true;
                }
            if (!done)
                put(&b, p, n);
            p = e;
        } else if (isdigit((unsigned char)*p)) { /* a number: 1e3, 0x10 stay whole */
            const char *e = p;
            while (isalnum((unsigned char)*e) || *e == '.')
                e++;
            put(&b, p, (size_t)(e - p));
            p = e;
        } else {
            put(&b, p, 1);
            p++;
        }
    }
    if (b.oom || !b.s) {
        free(b.s);
        return NULL;
    }
    *nparams = max;
    return b.s;
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void keep_error(wg_pg *pg, const PGresult *r)
{
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = PQerrorMessage(pg->c);
    size_t o = 0;
    for (const char *p = m; *p && o < sizeof pg->err - 1; p++) {
        if (*p == '\n' || *p == '\t') {
            if (o && pg->err[o - 1] != ' ')
                pg->err[o++] = ' ';
        } else {
            pg->err[o++] = *p;
        }
    }
    while (o && pg->err[o - 1] == ' ')
        o--;
    pg->err[o] = '\0';
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(pg->state, sizeof pg->state, "%s", s ? s : "");
}

wg_status wg__pg_fail(wg_ws *ws, const char *lead)
{
    wg_pg *pg = ws->pg;
    /* a broken connection, or one refused (the server gone): the database, not the input */
    wg_status st = PQstatus(pg->c) != CONNECTION_OK || strncmp(pg->state, "08", 2) == 0 ||
                           strncmp(pg->state, "53", 2) == 0 || strncmp(pg->state, "58", 2) == 0
                       ? WG_EIO
                   : strcmp(pg->state, "57014") == 0 ? WG_EINTR
                                                     : WG_ESQL;
    if (st == WG_EINTR)
        return wg_fail(ws->ctx, WG_EINTR, "interrupted");
    return wg_fail(ws->ctx, st, "workspace %s: %s%s", ws->path, lead,
                   pg->err[0] ? pg->err : "(no message)");
}

int64_t wg__pg_changes(wg_ws *ws)
{
    return ws->pg->changes;
}

static bool result_ok(wg_pg *pg, PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        const char *n = PQcmdTuples(r);
        if (n && *n)
            pg->changes = strtoll(n, NULL, 10);
        return true;
    }
    keep_error(pg, r);
    return false;
}

wg_status wg__pg_exec(wg_ws *ws, const char *sql, const char *lead)
{
    int np = 0;
    char *t = translate(sql, &np);
    if (!t)
        return wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    PGresult *r = PQexec(ws->pg->c, t);
    free(t);
    bool ok = result_ok(ws->pg, r);
    PQclear(r);
    return ok ? WG_OK : wg__pg_fail(ws, lead);
}

/* ---- statements ------------------------------------------------------------------------------ */

pg_q *wg__pg_prepare(wg_ws *ws, const char *sql)
{
    wg_pg *pg = ws->pg;
    pg_q *q = calloc(1, sizeof *q);
    int np = 0;
    char *t = q ? translate(sql, &np) : NULL;
    if (!t) {
        free(q);
        wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    q->ws = ws;
    q->nparams = np;
    snprintf(q->name, sizeof q->name, "wg%u", ++pg->nprep);
    if (np && (!(q->val = calloc((size_t)np, sizeof *q->val)) ||
               !(q->len = calloc((size_t)np, sizeof *q->len)) ||
               !(q->fmt = calloc((size_t)np, sizeof *q->fmt)) ||
               !(q->cap = calloc((size_t)np, sizeof *q->cap)))) {
        free(t);
        wg__pg_finalize(q);
        wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
        return NULL;
    }
    /* PostgreSQL infers each parameter's type from where it first stands; one that stands
     * where no type is implied ("? IS NULL OR id = ?") is tried as text, then as a whole
     * number, then as a real */
    static const Oid TRY[] = {25, 20, 701};
    Oid *types = np ? calloc((size_t)np, sizeof *types) : NULL;
    int *tried = np ? calloc((size_t)np, sizeof *tried) : NULL;
    int last = -1;
    bool ok = false;
    /* inside a transaction, a failed try would end it: each is made in a savepoint */
    bool in_tx = PQtransactionStatus(pg->c) == PQTRANS_INTRANS;
    for (;;) {
        if (in_tx)
            PQclear(PQexec(pg->c, "SAVEPOINT wg_prepare"));
        PGresult *r = PQprepare(pg->c, q->name, t, np, types);
        ok = result_ok(pg, r);
        PQclear(r);
        if (in_tx)
            PQclear(PQexec(pg->c, ok ? "RELEASE SAVEPOINT wg_prepare"
                                     : "ROLLBACK TO SAVEPOINT wg_prepare"));
        int k = 0;
        const char *m = strstr(pg->err, "could not determine data type of parameter $");
        if (ok || !types)
            break;
        if (m)
            k = (int)strtol(m + 44, NULL, 10);
        else if (last > 0 && tried[last - 1] < 3)
            k = last; /* the type tried for the last one did not do: the next */
        if (k < 1 || k > np || tried[k - 1] >= 3)
            break;
        types[k - 1] = TRY[tried[k - 1]++];
        last = k;
    }
    free(types);
    free(tried);
    if (!ok) {
        wg__pg_fail(ws, "");
        wg_ctx_where(ws->ctx, "preparing [%s]: ", t);
        free(t);
        q->name[0] = '\0';
        wg__pg_finalize(q);
        return NULL;
    }
    free(t);
    return q;
}

void wg__pg_finalize(pg_q *q)
{
    if (!q)
        return;
    wg__pg_reset(q);
    if (q->name[0] && q->ws->pg && q->ws->pg->c) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
        PQclear(PQexec(q->ws->pg->c, sql));
    }
    for (int i = 0; i < q->nparams && q->val; i++)
        free(q->val[i]);
    free(q->val);
    free(q->len);
    free(q->fmt);
    free(q->cap);
    free(q);
}

void wg__pg_reset(pg_q *q)
{
    if (q->res)
        PQclear(q->res);
    q->res = NULL;
    q->ran = false;
    q->row = -1;
    q->nrows = 0;
    for (int i = 0; i < q->ntxt; i++)
        free(q->txt[i]);
    free(q->txt);
    q->txt = NULL;
    q->ntxt = 0;
}

void wg__pg_clear_bindings(pg_q *q)
{
    for (int i = 0; i < q->nparams; i++) {
        free(q->val[i]);
        q->val[i] = NULL;
        q->cap[i] = 0;
        q->len[i] = 0;
        q->fmt[i] = 0;
    }
}

int wg__pg_bind_parameter_count(pg_q *q)
{
    return q->nparams;
}

int wg__pg_bind(pg_q *q, int i, int type, const void *p, int64_t i64, double d, size_t n)
{
    if (i < 1 || i > q->nparams)
        return SQLITE_RANGE;
    wg__pg_reset(q);
    int k = i - 1;
    free(q->val[k]);
    q->val[k] = NULL;
    q->fmt[k] = 0;
    q->len[k] = 0;
    char num[40];
    const void *src = NULL;
    size_t len = 0;
    switch (type) {
    case SQLITE_NULL:
        return SQLITE_OK;
    case SQLITE_INTEGER:
        len = (size_t)snprintf(num, sizeof num, "%lld", (long long)i64);
        src = num;
        break;
    case SQLITE_FLOAT:
        if (isnan(d))
            len = (size_t)snprintf(num, sizeof num, "NaN");
        else if (isinf(d))
            len = (size_t)snprintf(num, sizeof num, d > 0 ? "Infinity" : "-Infinity");
        else
            len = (size_t)snprintf(num, sizeof num, "%.17g", d);
        src = num;
        break;
    case SQLITE_TEXT:
        src = p, len = n;
        break;
    default: /* a blob: its bytes as they are */
        src = p, len = n;
        q->fmt[k] = 1;
        break;
    }
    char *v = malloc(len + 1);
    if (!v)
        return SQLITE_NOMEM;
    if (len)
        memcpy(v, src, len);
    v[len] = '\0';
    q->val[k] = v;
    q->len[k] = (int)len;
    return SQLITE_OK;
}

int wg__pg_step(pg_q *q)
{
    wg_pg *pg = q->ws->pg;
    if (!q->ran) {
        q->res = PQexecPrepared(pg->c, q->name, q->nparams, (const char *const *)q->val, q->len,
                                q->fmt, 1);
        q->ran = true;
        if (!result_ok(pg, q->res)) {
            PQclear(q->res);
            q->res = NULL;
            return SQLITE_ERROR;
        }
        q->nrows = PQresultStatus(q->res) == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
        q->row = -1;
    }
    if (!q->res)
        return SQLITE_ERROR;
    if (q->row + 1 < q->nrows) {
        q->row++;
        return SQLITE_ROW;
    }
    q->row = q->nrows;
    return SQLITE_DONE;
}

/* PostgreSQL's type numbers (pg_type.oid) of what the store reads. */
enum {
    BOOLOID = 16,
    BYTEAOID = 17,
    NAMEOID = 19,
    INT8OID = 20,
    INT2OID = 21,
    INT4OID = 23,
    TEXTOID = 25,
    OIDOID = 26,
    FLOAT4OID = 700,
    FLOAT8OID = 701,
    UNKNOWNOID = 705,
    BPCHAROID = 1042,
    VARCHAROID = 1043,
    NUMERICOID = 1700
};

static bool have(pg_q *q, int c)
{
    return q->res && q->row >= 0 && q->row < q->nrows && c >= 0 && c < PQnfields(q->res);
}

static bool is_null(pg_q *q, int c)
{
    return !have(q, c) || PQgetisnull(q->res, q->row, c);
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A numeric in binary: ndigits, weight, sign, dscale, then base-10000 digits. */
static double numeric_value(const unsigned char *p, int len)
{
    if (len < 8)
        return 0;
    int nd = (int16_t)be(p, 2), weight = (int16_t)be(p + 2, 2);
    unsigned sign = (unsigned)be(p + 4, 2);
    if (sign == 0xC000)
        return NAN;
    double v = 0;
    for (int i = 0; i < nd && 8 + 2 * i + 2 <= len; i++)
        v += (double)be(p + 8 + 2 * i, 2) * pow(10000.0, weight - i);
    return sign == 0x4000 ? -v : v;
}

/* A numeric holding a whole number, exactly (sums of bigints). */
static int64_t numeric_int(const unsigned char *p, int len)
{
    if (len < 8)
        return 0;
    int nd = (int16_t)be(p, 2), weight = (int16_t)be(p + 2, 2);
    unsigned sign = (unsigned)be(p + 4, 2);
    int64_t v = 0;
    for (int i = 0; i <= weight; i++)
        v = v * 10000 + (i < nd && 8 + 2 * i + 2 <= len ? (int64_t)be(p + 8 + 2 * i, 2) : 0);
    return sign == 0x4000 ? -v : v;
}

int wg__pg_column_type(pg_q *q, int c)
{
    if (is_null(q, c))
        return SQLITE_NULL;
    switch ((int)PQftype(q->res, c)) {
    case BOOLOID:
    case INT8OID:
    case INT2OID:
    case INT4OID:
    case OIDOID:
        return SQLITE_INTEGER;
    case FLOAT4OID:
    case FLOAT8OID:
    case NUMERICOID:
        return SQLITE_FLOAT;
    case TEXTOID:
    case VARCHAROID:
    case NAMEOID:
    case BPCHAROID:
    case UNKNOWNOID:
        return SQLITE_TEXT;
    default:
        return SQLITE_BLOB;
    }
}

int wg__pg_column_count(pg_q *q)
{
    return q->res ? PQnfields(q->res) : 0;
}

/* A whole number column's value (a truth, int2, int4, oid, int8); false for another type. */
static bool whole(pg_q *q, int c, const unsigned char *p, int len, int64_t *v)
{
    switch ((int)PQftype(q->res, c)) {
    case BOOLOID:
        *v = len > 0 && p[0];
        return true;
    case INT2OID:
        *v = (int16_t)be(p, 2);
        return true;
    case INT4OID:
        *v = (int32_t)be(p, 4);
        return true;
    case OIDOID:
        *v = (uint32_t)be(p, 4);
        return true;
    case INT8OID:
        *v = (int64_t)be(p, 8);
        return true;
    default:
        return false;
    }
}

double wg__pg_column_double(pg_q *q, int c)
{
    if (is_null(q, c))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(q->res, q->row, c);
    int len = PQgetlength(q->res, q->row, c);
    int64_t v;
    if (whole(q, c, p, len, &v))
        return (double)v;
    switch ((int)PQftype(q->res, c)) {
    case FLOAT4OID: {
        uint32_t u = (uint32_t)be(p, 4);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case FLOAT8OID: {
        uint64_t u = be(p, 8);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case NUMERICOID:
        return numeric_value(p, len);
    default:
        return strtod((const char *)p, NULL);
    }
}

int64_t wg__pg_column_int64(pg_q *q, int c)
{
    if (is_null(q, c))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(q->res, q->row, c);
    int len = PQgetlength(q->res, q->row, c);
    int64_t v;
    if (whole(q, c, p, len, &v))
        return v;
    switch ((int)PQftype(q->res, c)) {
    case FLOAT4OID:
    case FLOAT8OID: {
        double d = wg__pg_column_double(q, c);
        return d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
    }
    case NUMERICOID:
        return numeric_int(p, len);
    default:
        return strtoll((const char *)p, NULL, 10);
    }
}

const unsigned char *wg__pg_column_text(pg_q *q, int c)
{
    if (is_null(q, c))
        return NULL;
    int t = wg__pg_column_type(q, c);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
        return (const unsigned char *)PQgetvalue(q->res, q->row, c);
    /* a number as text, as SQLite gives it */
    if (q->ntxt < PQnfields(q->res)) {
        char **v = realloc(q->txt, (size_t)PQnfields(q->res) * sizeof *v);
        if (!v)
            return NULL;
        for (int i = q->ntxt; i < PQnfields(q->res); i++)
            v[i] = NULL;
        q->txt = v;
        q->ntxt = PQnfields(q->res);
    }
    if (!q->txt[c] && !(q->txt[c] = malloc(40)))
        return NULL;
    if (t == SQLITE_INTEGER)
        snprintf(q->txt[c], 40, "%lld", (long long)wg__pg_column_int64(q, c));
    else
        snprintf(q->txt[c], 40, "%.17g", wg__pg_column_double(q, c));
    return (const unsigned char *)q->txt[c];
}

const void *wg__pg_column_blob(pg_q *q, int c)
{
    if (is_null(q, c))
        return NULL;
    return PQgetvalue(q->res, q->row, c);
}

int wg__pg_column_bytes(pg_q *q, int c)
{
    if (is_null(q, c))
        return 0;
    int t = wg__pg_column_type(q, c);
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        const unsigned char *s = wg__pg_column_text(q, c);
        return s ? (int)strlen((const char *)s) : 0;
    }
    return PQgetlength(q->res, q->row, c);
}

/* ---- the connection and its transactions ---------------------------------------------------- */

static PGresult *run1(wg_pg *pg, const char *sql, const char *param)
{
    return PQexecParams(pg->c, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);
}

wg_status wg__pg_open(wg_ws *ws, const char *spec)
{
    wg_pg_target t = {0};
    wg_status st = wg__pg_target_parse(ws->ctx, spec, &t);
    wg_pg *pg = st == WG_OK ? calloc(1, sizeof *pg) : NULL;
    if (st == WG_OK && !pg)
        st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    if (st == WG_OK) {
        ws->pg = pg;
        snprintf(pg->schema, sizeof pg->schema, "%s", t.schema);
        ws->spec = ws->path; /* as given, for opening it again */
        ws->path = strdup(t.shown);
        snprintf(ws->label, sizeof ws->label, "%s (PostgreSQL)", t.schema);
        if (!ws->path)
            st = wg_fail(ws->ctx, WG_ENOMEM, "out of memory");
    }
    if (st == WG_OK)
        st = wg__pg_connect(ws->ctx, t.shown, &t, &pg->c);
    free(t.conninfo);
    if (st != WG_OK)
        return st;
    uint32_t h = 2166136261u; /* FNV-1a of the schema's name */
    for (const char *p = pg->schema; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    pg->lock_key = (int)(h & 0x7fffffff);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SET search_path TO \"%s\", public; SET client_min_messages = warning; "
             "SET extra_float_digits = 3",
             pg->schema);
    PGresult *r = PQexec(pg->c, sql);
    bool ok = result_ok(pg, r);
    PQclear(r);
    if (!ok)
        return wg__pg_fail(ws, "");
    r = run1(pg, "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'wangge_schema'",
             pg->schema);
    ok = result_ok(pg, r);
    bool found = ok && PQntuples(r) > 0;
    PQclear(r);
    if (!ok)
        return wg__pg_fail(ws, "");
    if (!found)
        return wg_fail(ws->ctx, WG_EINPUT,
                       "%s: no wangge workspace in schema %s (create one with 'wangge init -w "
                       "%s', or copy a workspace file there with 'wangge copy')",
                       ws->path, pg->schema, ws->path);
    return WG_OK;
}

void wg__pg_close(wg_ws *ws)
{
    if (!ws->pg)
        return;
    if (ws->pg->c)
        PQfinish(ws->pg->c);
    free(ws->pg);
    ws->pg = NULL;
}

wg_status wg__pg_schema_version(wg_ws *ws, int *version)
{
    PGresult *r = run1(ws->pg, "SELECT version FROM wangge_schema", NULL);
    bool ok = result_ok(ws->pg, r);
    *version = ok && PQntuples(r) > 0 ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return ok ? WG_OK : wg__pg_fail(ws, "reading the schema version: ");
}

static wg_status exec_plain(wg_ws *ws, const char *sql, const char *lead)
{
    PGresult *r = PQexec(ws->pg->c, sql);
    bool ok = result_ok(ws->pg, r);
    PQclear(r);
    return ok ? WG_OK : wg__pg_fail(ws, lead);
}

/* Who holds the workspace's writer lock: "process PID (COMMAND, since HH:MM:SS UTC)" from the
 * application name its wangge gave, or "" when none is seen. */
static void lock_holder(wg_ws *ws, char *out, size_t n)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT a.application_name, extract(epoch FROM a.xact_start)::bigint FROM pg_locks "
             "l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND "
             "l.granted AND l.classid = %d AND l.objid = %d AND l.objsubid = 2 LIMIT 1",
             LOCK_CLASS, ws->pg->lock_key);
    PGresult *r = PQexec(ws->pg->c, sql);
    out[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
        const char *app = PQgetvalue(r, 0, 0);
        time_t t = (time_t)strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        char when[32] = "?";
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%H:%M:%S UTC", &tm);
        char *end = NULL;
        long pid = strtol(app, &end, 10);
        if (pid > 0 && end && *end == ' ')
            snprintf(out, n, "process %ld (%s, since %s)", pid, end + 1, when);
        else
            snprintf(out, n, "%s (since %s)", *app ? app : "another program", when);
    }
    PQclear(r);
}

wg_status wg__pg_begin(wg_ws *ws, const char *what)
{
    wg_pg *pg = ws->pg;
    wg_status st = exec_plain(ws, "BEGIN", "starting a transaction: ");
    if (st != WG_OK)
        return st;
    char app[64]; /* PostgreSQL keeps 63 bytes of it */
    int k = snprintf(app, sizeof app, "%ld ", (long)getpid());
    snprintf(app + k, sizeof app - (size_t)k, "%.*s", (int)(sizeof app - (size_t)k - 1),
             ws->command[0] ? ws->command : what);
    PGresult *r = run1(pg, "SELECT set_config('application_name', $1, true)", app);
    bool ok = result_ok(pg, r);
    PQclear(r);
    char sql[160];
    snprintf(sql, sizeof sql, "SET LOCAL lock_timeout = %d; SELECT pg_advisory_xact_lock(%d, %d)",
             ws->wait_ms > 0 ? ws->wait_ms : 1, LOCK_CLASS, pg->lock_key);
    if (ok) {
        r = PQexec(pg->c, sql);
        ok = result_ok(pg, r);
        PQclear(r);
    }
    if (ok)
        return WG_OK;
    bool waited = strcmp(pg->state, "55P03") == 0;
    PQclear(PQexec(pg->c, "ROLLBACK"));
    if (!waited)
        return wg__pg_fail(ws, "starting a transaction: ");
    char who[400];
    lock_holder(ws, who, sizeof who);
    double s = ws->wait_ms / 1000.0;
    if (who[0])
        return wg_fail(ws->ctx, WG_EINPUT,
                       "%s: cannot start %s: the workspace is being written by %s; waited %.0f s "
                       "(set WANGGE_WAIT=SECONDS to wait longer)",
                       ws->path, what, who, s);
    return wg_fail(ws->ctx, WG_EINPUT,
                   "%s: cannot start %s: another program is writing to the workspace; waited "
                   "%.0f s (set WANGGE_WAIT=SECONDS to wait longer)",
                   ws->path, what, s);
}

wg_status wg__pg_commit(wg_ws *ws)
{
    return exec_plain(ws, "COMMIT", "committing: ");
}

void wg__pg_rollback(wg_ws *ws)
{
    if (PQtransactionStatus(ws->pg->c) != PQTRANS_IDLE)
        PQclear(PQexec(ws->pg->c, "ROLLBACK"));
}

wg_status wg__pg_read_begin(wg_ws *ws)
{
    return exec_plain(ws, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "starting to read: ");
}

void wg__pg_read_end(wg_ws *ws)
{
    if (PQtransactionStatus(ws->pg->c) != PQTRANS_IDLE)
        PQclear(PQexec(ws->pg->c, "COMMIT"));
}
