/* cli/cmd_report.c: `wangge report` — workload and coverage per cell, worker or community, as
 * an aligned table (terminal), CSV or JSON (batch jobs). The JSON schema is in the README. */
#include "cli.h"
#include "wg/atomic.h"
#include "wg/parallel.h"
#include "wg/report.h"
#include "wg/timeparse.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const BY_NAME[] = {"cell", "worker", "community"};

static const char report_help[] =
    "usage: wangge report -w WS [--by cell|worker|community] [--from T] [--to T]\n"
    "                     [--category C[,C...]] [--format table|csv|json] [-o FILE]\n"
    "                     [--categories FILE] [--weights FILE] [--over X] [--under X] [--tz Z]\n"
    "Workload and coverage of the active plan's cells, per cell, grid worker (from the\n"
    "postings) or community, over the incidents reported in [--from, --to) (dates or times,\n"
    "ISO 8601; --tz gives the zone of times without one, default UTC). Needs a current\n"
    "'wangge assign'. The workload index (mean row = 1.00) weighs households, handling hours,\n"
    "area and patrol length (--weights, default data/workload.csv); --categories replaces the\n"
    "handling hours and deadlines of data/categories.csv. Rows above --over (1.25) or below\n"
    "--under (0.6) are flagged with a suggestion. -o writes the file atomically, as CSV or JSON\n"
    "when its name ends in .csv or .json (unless --format says otherwise).\n";

/* Display width of UTF-8 text: East Asian wide characters take two columns. */
static int width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        int len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (len == 3)
            cp = (cp & 0x0F) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
        else if (len == 4)
            cp = 0x10000;
        w += (cp >= 0x1100 &&
              (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
               (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60) || cp >= 0x10000))
                 ? 2
                 : 1;
        for (int k = 0; k < len && *p; k++)
            p++;
    }
    return w;
}

/* A count: whole numbers plainly, shares of shared cells with two decimals. */
static const char *count(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else if (fabs(v - round(v)) < 1e-9)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.2f", v);
    return buf;
}

static const char *pct(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f", 100 * v);
    return buf;
}

static const char *fixed(double v, int digits, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.*f", digits, v);
    return buf;
}

/* ---- the table ------------------------------------------------------------------------------- */

enum { NCOL = 22 };
static const char *const HEAD[NCOL] = {
    "id",     "name",  "community", "cells",    "workers",   "households", "units", "km2",
    "inc",    "hours", "open",      "overdue",  "close%",    "ontime%",    "med_h", "p90_h",
    "visit%", "cams",  "seen%",     "hh_seen%", "patrol_km", "index"};

/* The cells of one row as text. */
static void row_text(const wg_report_row *w, char cells[NCOL][160])
{
    snprintf(cells[0], 160, "%s", w->id);
    snprintf(cells[1], 160, "%s", w->name);
    snprintf(cells[2], 160, "%s", w->community);
    snprintf(cells[3], 160, "%d", w->ncells);
    snprintf(cells[4], 160, "%d", w->nworkers);
    count(w->households, cells[5], 160);
    count(w->units, cells[6], 160);
    fixed(w->area_m2 / 1e6, 3, cells[7], 160);
    count(w->incidents, cells[8], 160);
    fixed(w->hours, 1, cells[9], 160);
    count(w->open, cells[10], 160);
    count(w->overdue, cells[11], 160);
    pct(w->closing_rate, cells[12], 160);
    pct(w->on_time_rate, cells[13], 160);
    fixed(w->close_median_h, 1, cells[14], 160);
    fixed(w->close_p90_h, 1, cells[15], 160);
    pct(w->patrol_coverage, cells[16], 160);
    count(w->cameras, cells[17], 160);
    pct(w->seen_share, cells[18], 160);
    pct(w->households_seen_share, cells[19], 160);
    fixed(w->patrol_m / 1e3, 2, cells[20], 160);
    fixed(w->index, 2, cells[21], 160);
}

static bool shown(const wg_report *r, int col)
{
    if (col == 1)
        return r->by != WG_BY_CELL;
    if (col == 2)
        return r->by != WG_BY_COMMUNITY;
    if (col == 3)
        return r->by != WG_BY_CELL;
    return true;
}

static void print_table(FILE *f, const wg_report *r)
{
    int wd[NCOL];
    char cells[NCOL][160], seen[48];
    const char *head[NCOL];
    memcpy(head, HEAD, sizeof head);
    /* the units may count residents, persons...: the columns say what */
    bool hh = strcmp(r->weight.name, "households") == 0;
    snprintf(seen, sizeof seen, "%s_seen%%", r->weight.name);
    head[5] = r->weight.name;
    head[19] = hh ? HEAD[19] : seen;
    for (int k = 0; k < NCOL; k++)
        wd[k] = width(head[k]);
    for (size_t i = 0; i <= r->nrows; i++) {
        row_text(i < r->nrows ? &r->rows[i] : &r->total, cells);
        for (int k = 0; k < NCOL; k++)
            if (width(cells[k]) > wd[k])
                wd[k] = width(cells[k]);
    }
    for (size_t i = 0; i <= r->nrows + 1; i++) {
        if (i == r->nrows + 1)
            row_text(&r->total, cells);
        else if (i > 0)
            row_text(&r->rows[i - 1], cells);
        for (int k = 0; k < NCOL; k++) {
            if (!shown(r, k))
                continue;
            const char *t = i == 0 ? head[k] : cells[k];
            int pad = wd[k] - width(t);
            bool left = k <= 2;
            fprintf(f, "%s%*s%s%*s", k ? "  " : "", left ? 0 : pad, "", t, left ? pad : 0, "");
        }
        const char *flag = i == 0                                     ? "flag"
                           : i > r->nrows || r->rows[i - 1].flag == 0 ? ""
                           : r->rows[i - 1].flag > 0                  ? "over"
                                                                      : "under";
        fprintf(f, "  %s\n", flag);
    }
}

static void json_str(FILE *f, const char *s);

/* A time as ISO 8601 UTC (a JSON string when json), or the open end ("open", null). */
static void put_time(FILE *f, int64_t t, bool open, bool json)
{
    char buf[40] = "";
    if (!open)
        wg_time_format_utc(t, buf, sizeof buf);
    if (json && open)
        fputs("null", f);
    else if (json)
        json_str(f, buf);
    else
        fputs(open ? "open" : buf, f);
}

static void print_summary(FILE *f, const wg_report *r)
{
    char a[32], b[32], c[32];
    fprintf(f, "\nplan %s, by %s; period ", r->plan_name, BY_NAME[r->by]);
    put_time(f, r->from, r->from == INT64_MIN, false);
    fputs(" to ", f);
    put_time(f, r->to, r->to == INT64_MAX, false);
    fputs(", as of ", f);
    put_time(f, r->as_of, false, false);
    fprintf(f,
            "\nincidents in the period: %s = %s in cells + %s unassigned (outside %lld, gap %lld, "
            "no location %lld)\n",
            cli_num(r->period_incidents, a, sizeof a), cli_num(r->assigned, b, sizeof b),
            cli_num(r->unassigned, c, sizeof c), (long long)r->outside, (long long)r->gap,
            (long long)r->no_location);
    fprintf(f, "%s: %s over cells, %s over units%s\n", r->weight.name,
            cli_num((long long)r->total.households, a, sizeof a),
            cli_num(r->unit_households, b, sizeof b),
            (long long)r->total.households == r->unit_households
                ? ""
                : " (the units changed since the plan was made)");
    fprintf(f, "workload index = ");
    bool first = true;
    for (int k = 0; k < WG_NTERMS; k++)
        if (r->weights[k] > 0) {
            fprintf(f, "%s%.2f x %s/mean", first ? "" : " + ", r->weights[k],
                    k == WG_TERM_HOUSEHOLDS ? r->weight.name : wg_term_name(k));
            first = false;
        }
    fprintf(f, "  (patrol: %s)\n", r->patrol_method);
    static const char *const PLURAL[] = {"cells", "workers", "communities"};
    fprintf(f, "imbalance over %zu %s: Gini %.3f, CV %.3f, max/mean %.2f\n", r->nrows,
            PLURAL[r->by], r->gini, r->cv, r->max_over_mean);
    fprintf(f, "overloaded (index > %.2f): %zu; underloaded (< %.2f): %zu\n", r->over,
            r->overloaded, r->under, r->underloaded);
    size_t shown_n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].flag && r->rows[i].suggestion[0] && shown_n++ < 20)
            fprintf(f, "  %-20s %.2f  %s\n", r->rows[i].id, r->rows[i].index,
                    r->rows[i].suggestion);
    if (shown_n > 20)
        fprintf(f, "  ... and %zu more (see --format csv)\n", shown_n - 20);
    if (r->postings && r->nunposted)
        fprintf(f, "cells no worker is posted to (%zu): %s\n", r->nunposted, r->unposted);
    if (!r->postings && r->by == WG_BY_WORKER)
        fputs("no postings: every cell is its own post (wangge import -w WS postings FILE)\n", f);
}

/* ---- CSV and JSON
 * ---------------------------------------------------------------------------------- */

static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void num(FILE *f, double v, bool json)
{
    if (isnan(v))
        fputs(json ? "null" : "", f);
    else if (fabs(v - round(v)) < 1e-9 && fabs(v) < 1e15) {
        /* most measures are counts: write them as integers, digit by digit, for a floating
         * point printf costs as much as the whole tally on a city of 30,000 cells */
        char d[24], *p = d + sizeof d;
        long long x = llround(v);
        unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do
            *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (x < 0)
            *--p = '-';
        fwrite(p, 1, (size_t)(d + sizeof d - p), f);
    } else
        fprintf(f, "%.10g", v);
}

/* The numeric fields of a row, in one order for CSV and JSON. */
typedef struct field {
    const char *name;
    double v;
} field;

static size_t fields(const wg_report_row *w, field *out)
{
    size_t n = 0;
#define F(name_, v_) out[n++] = (field){name_, v_}
    F("cells", w->ncells);
    F("workers", w->nworkers);
    F("households", w->households);
    F("units", w->units);
    F("area_km2", w->area_m2 / 1e6);
    F("incidents", w->incidents);
    F("hours", w->hours);
    F("open", w->open);
    F("overdue", w->overdue);
    F("due", w->due);
    F("closed_due", w->closed_due);
    F("on_time", w->on_time);
    F("closing_rate", w->closing_rate);
    F("on_time_rate", w->on_time_rate);
    F("close_median_h", w->close_median_h);
    F("close_p90_h", w->close_p90_h);
    F("visits", w->visits);
    F("households_visited", w->households_visited);
    F("patrol_coverage", w->patrol_coverage);
    F("cameras", w->cameras);
    F("open_km2", w->open_m2 / 1e6);
    F("seen_km2", w->seen_m2 / 1e6);
    F("seen_share", w->seen_share);
    F("households_seen", w->households_seen);
    F("households_seen_share", w->households_seen_share);
    F("patrol_km", w->patrol_m / 1e3);
    F("index", w->index);
#undef F
    return n;
}

static void csv_row(FILE *f, const wg_report *r, const wg_report_row *w)
{
    field fl[40];
    size_t nf = fields(w, fl);
    csv_text(f, w->id);
    fputc(',', f);
    csv_text(f, w->name);
    fputc(',', f);
    csv_text(f, w->community);
    fputc(',', f);
    csv_text(f, w->cells);
    for (size_t k = 0; k < nf; k++) {
        fputc(',', f);
        num(f, fl[k].v, false);
    }
    for (int s = 0; s < WG_NSRC; s++) {
        fputc(',', f);
        num(f, w->by_source[s], false);
    }
    for (size_t c = 0; c < r->ncategories; c++) {
        fputc(',', f);
        num(f, w->by_category[c], false);
    }
    fprintf(f, ",%s,", w->flag > 0 ? "over" : w->flag < 0 ? "under" : "");
    csv_text(f, w->suggestion);
    fputc('\n', f);
}

/* The rows are written in blocks, each into memory on whichever core is free, then in order:
 * thirty thousand rows of sixty numbers take a while to format. */
#define CSV_BLOCK 2048
typedef struct csv_job {
    const wg_report *r;
    char **text;
    size_t *len;
} csv_job;

static wg_status csv_block(wg_ctx *ctx, void *user, size_t b, int thread)
{
    (void)thread;
    csv_job *J = user;
    FILE *f = open_memstream(&J->text[b], &J->len[b]);
    if (!f)
        return wg_fail(ctx, WG_ENOMEM, "out of memory writing the report");
    for (size_t i = b * CSV_BLOCK; i < (b + 1) * CSV_BLOCK && i <= J->r->nrows; i++)
        csv_row(f, J->r, i < J->r->nrows ? &J->r->rows[i] : &J->r->total);
    return fclose(f) == 0 ? WG_OK : wg_fail(ctx, WG_ENOMEM, "out of memory writing the report");
}

static wg_status print_csv(wg_ctx *ctx, FILE *f, const wg_report *r)
{
    field fl[40];
    size_t nf = fields(&r->total, fl);
    fputs("id,name,community,cells_or_workers", f);
    /* the columns of the units' count are named by what they count (residents_seen, ...) */
    for (size_t k = 0; k < nf; k++)
        if (strncmp(fl[k].name, "households", 10) == 0)
            fprintf(f, ",%s%s", r->weight.name, fl[k].name + 10);
        else
            fprintf(f, ",%s", fl[k].name);
    for (int s = 0; s < WG_NSRC; s++)
        fprintf(f, ",src_%s", wg_source_name(s));
    for (size_t c = 0; c < r->ncategories; c++) {
        fputs(",cat_", f);
        csv_text(f, r->category[c][0] ? r->category[c] : "(none)");
    }
    fputs(",flag,suggestion\n", f);
    size_t nb = (r->nrows + 1 + CSV_BLOCK - 1) / CSV_BLOCK; /* the rows and the total */
    csv_job J = {r, calloc(nb, sizeof *J.text), calloc(nb, sizeof *J.len)};
    wg_status st = J.text && J.len ? wg_parallel(ctx, nb, 2, NULL, csv_block, &J)
                                   : wg_fail(ctx, WG_ENOMEM, "out of memory writing the report");
    for (size_t b = 0; b < nb && J.text; b++) {
        if (st == WG_OK)
            fwrite(J.text[b], 1, J.len[b], f);
        free(J.text[b]);
    }
    free(J.text), free(J.len);
    return st;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_row(FILE *f, const wg_report *r, const wg_report_row *w)
{
    field fl[40];
    size_t nf = fields(w, fl);
    fputs("{\"id\": ", f);
    json_str(f, w->id);
    fputs(", \"name\": ", f);
    json_str(f, w->name);
    fputs(", \"community\": ", f);
    json_str(f, w->community);
    fputs(", \"members\": ", f);
    json_str(f, w->cells);
    for (size_t k = 0; k < nf; k++) {
        fprintf(f, ", \"%s\": ", fl[k].name);
        num(f, fl[k].v, true);
    }
    fputs(", \"by_source\": {", f);
    for (int s = 0; s < WG_NSRC; s++) {
        fprintf(f, "%s\"%s\": ", s ? ", " : "", wg_source_name(s));
        num(f, w->by_source[s], true);
    }
    fputs("}, \"by_category\": {", f);
    for (size_t c = 0; c < r->ncategories; c++) {
        fputs(c ? ", " : "", f);
        json_str(f, r->category[c]);
        fputs(": ", f);
        num(f, w->by_category[c], true);
    }
    fprintf(f, "}, \"flag\": %s, \"suggestion\": ",
            w->flag > 0   ? "\"over\""
            : w->flag < 0 ? "\"under\""
                          : "null");
    json_str(f, w->suggestion);
    fputc('}', f);
}

static void print_json(FILE *f, const wg_report *r)
{
    fprintf(f,
            "{\"schema\": \"wangge-report/1\", \"by\": \"%s\", \"plan\": {\"id\": %lld, "
            "\"name\": ",
            BY_NAME[r->by], (long long)r->plan);
    json_str(f, r->plan_name);
    fputs("},\n \"period\": {\"from\": ", f);
    put_time(f, r->from, r->from == INT64_MIN, true);
    fputs(", \"to\": ", f);
    put_time(f, r->to, r->to == INT64_MAX, true);
    fputs(", \"as_of\": ", f);
    put_time(f, r->as_of, false, true);
    fputs("},\n \"units\": {\"area_km2\": \"km^2\", \"open_km2\": \"km^2\", \"seen_km2\": "
          "\"km^2\", \"hours\": \"handling hours\", \"close_median_h\": \"hours\", "
          "\"close_p90_h\": \"hours\", \"patrol_km\": \"km\", \"closing_rate\": \"fraction 0-1\", "
          "\"on_time_rate\": \"fraction 0-1\", \"patrol_coverage\": \"fraction 0-1\", "
          "\"seen_share\": \"fraction 0-1\", \"households_seen_share\": \"fraction 0-1\", "
          "\"index\": \"mean row = 1\", \"times\": \"ISO 8601 UTC\"},\n",
          f);
    fputs(" \"categories\": [", f);
    for (size_t c = 0; c < r->ncategories; c++) {
        fputs(c ? ", " : "", f);
        fputs("{\"code\": ", f);
        json_str(f, r->category[c]);
        fputs(", \"handling_hours\": ", f);
        num(f, r->category_hours[c], true);
        fputc('}', f);
    }
    fputs("],\n \"weights\": {", f);
    for (int k = 0; k < WG_NTERMS; k++)
        fprintf(f, "%s\"%s\": %.10g", k ? ", " : "", wg_term_name(k), r->weights[k]);
    fprintf(f, "}, \"patrol_method\": \"%s\",\n", r->patrol_method);
    fprintf(f, " \"weight_name\": \"%s\",\n", r->weight.name);
    fprintf(f,
            " \"imbalance\": {\"gini\": %.10g, \"cv\": %.10g, \"max_over_mean\": %.10g, "
            "\"over\": %.6g, \"under\": %.6g, \"overloaded\": %zu, \"underloaded\": %zu},\n",
            r->gini, r->cv, r->max_over_mean, r->over, r->under, r->overloaded, r->underloaded);
    fprintf(f,
            " \"reconciliation\": {\"incidents\": %lld, \"assigned\": %lld, \"unassigned\": "
            "%lld, \"outside\": %lld, \"gap\": %lld, \"no_location\": %lld, "
            "\"households_cells\": %.0f, \"households_units\": %lld},\n",
            (long long)r->period_incidents, (long long)r->assigned, (long long)r->unassigned,
            (long long)r->outside, (long long)r->gap, (long long)r->no_location,
            r->total.households, (long long)r->unit_households);
    fprintf(f, " \"postings\": %s, \"unposted\": ", r->postings ? "true" : "false");
    json_str(f, r->unposted);
    fputs(",\n \"rows\": [\n", f);
    for (size_t i = 0; i < r->nrows; i++) {
        fputs("  ", f);
        json_row(f, r, &r->rows[i]);
        fputs(i + 1 < r->nrows ? ",\n" : "\n", f);
    }
    fputs(" ],\n \"total\": ", f);
    json_row(f, r, &r->total);
    fputs("\n}\n", f);
}

/* ---- the command
 * ------------------------------------------------------------------------------------ */

int cli_report_print(cli *c, FILE *f, const wg_report *r, const char *format)
{
    if (strcmp(format, "csv") == 0) {
        wg_status st = print_csv(c->ctx, f, r);
        if (st != WG_OK)
            return cli_fail(c, st);
    } else if (strcmp(format, "json") == 0) {
        print_json(f, r);
    } else {
        print_table(f, r);
        print_summary(f, r);
    }
    return 0;
}

/* Writes the report to `path` whole or not at all (wg/atomic.h), so a killed job never
 * leaves half a report. */
int cli_report_write(cli *c, const char *path, const wg_report *r, const char *format)
{
    wg_atomic *out = NULL;
    wg_status st = wg_atomic_begin(c->ctx, path, false, &out);
    if (st != WG_OK)
        return cli_fail(c, st);
    FILE *f = wg_atomic_stream(out);
    if (!f) {
        wg_atomic_end(c->ctx, out, false);
        return cli_fail(c, wg_fail(c->ctx, WG_EIO, "%s: cannot write: %s", path, strerror(errno)));
    }
    int rc = cli_report_print(c, f, r, format);
    if (rc == 0 && wg_ctx_cancelled(c->ctx))
        rc = cli_fail(c, wg_fail(c->ctx, WG_EINTR, "interrupted: %s was not written", path));
    st = wg_atomic_end(c->ctx, out, rc == 0);
    if (rc != 0) /* said why already */
        return rc;
    return st == WG_OK ? 0 : cli_fail(c, st);
}

int cmd_report(cli *c, int argc, char **argv)
{
    enum { O_FROM = 256, O_TO, O_CAT, O_CATS, O_W, O_OVER, O_UNDER, O_TZ, O_BY, O_FMT };
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"by", required_argument, NULL, O_BY},
                                         {"from", required_argument, NULL, O_FROM},
                                         {"to", required_argument, NULL, O_TO},
                                         {"category", required_argument, NULL, O_CAT},
                                         {"categories", required_argument, NULL, O_CATS},
                                         {"weights", required_argument, NULL, O_W},
                                         {"over", required_argument, NULL, O_OVER},
                                         {"under", required_argument, NULL, O_UNDER},
                                         {"tz", required_argument, NULL, O_TZ},
                                         {"format", required_argument, NULL, O_FMT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL, *from = NULL, *to = NULL, *tzname = NULL, *format = NULL,
               *out = NULL;
    char *catlist = NULL;
    const char *cats[64];
    wg_report_opts o = {.by = WG_BY_CELL, .from = INT64_MIN, .to = INT64_MAX};
    int opt, rc = 0;
    optind = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "w:o:h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'w':
            ws_path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case O_BY:
            if (strcmp(optarg, "cell") == 0)
                o.by = WG_BY_CELL;
            else if (strcmp(optarg, "worker") == 0)
                o.by = WG_BY_WORKER;
            else if (strcmp(optarg, "community") == 0)
                o.by = WG_BY_COMMUNITY;
            else
                rc = cli_usage(c, "report", "--by wants cell, worker or community, got '%s'",
                               optarg);
            break;
        case O_FROM:
            from = optarg;
            break;
        case O_TO:
            to = optarg;
            break;
        case O_CAT:
            catlist = optarg;
            break;
        case O_CATS:
            o.categories_file = optarg;
            break;
        case O_W:
            o.weights_file = optarg;
            break;
        case O_OVER:
        case O_UNDER: {
            double v = strtod(optarg, &end);
            if (!*optarg || *end || !(v > 0))
                rc = cli_usage(c, "report", "--%s wants a number above 0, got '%s'",
                               opt == O_OVER ? "over" : "under", optarg);
            else if (opt == O_OVER)
                o.over = v;
            else
                o.under = v;
            break;
        }
        case O_TZ:
            tzname = optarg;
            break;
        case O_FMT:
            if (strcmp(optarg, "table") && strcmp(optarg, "csv") && strcmp(optarg, "json"))
                rc = cli_usage(c, "report", "--format wants table, csv or json, got '%s'", optarg);
            format = optarg;
            break;
        case 'h':
            fputs(report_help, stdout);
            return 0;
        default:
            rc = cli_usage(c, "report", "bad option");
        }
    }
    if (rc)
        return rc;
    if (!ws_path)
        return cli_usage(c, "report", "-w WS is required");
    if (optind < argc)
        return cli_usage(c, "report", "unexpected argument '%s'", argv[optind]);
    if (!format) { /* -o cells.csv means CSV, -o report.json JSON */
        size_t n = out ? strlen(out) : 0;
        format = n > 4 && strcasecmp(out + n - 4, ".csv") == 0    ? "csv"
                 : n > 5 && strcasecmp(out + n - 5, ".json") == 0 ? "json"
                                                                  : "table";
    }
    if (catlist) {
        o.ncategories = cli_split(catlist, cats, 64);
        o.categories = cats;
    }
    if (!cli_period(c, "report", from, to, tzname, &o.from, &o.to))
        return 1;
    wg_ws *ws = NULL;
    wg_report r;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st == WG_OK)
        st = wg_report_make(ws, &o, &r);
    wg_ws_close(ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    rc = out ? cli_report_write(c, out, &r, format) : cli_report_print(c, stdout, &r, format);
    if (rc == 0 && out && !c->quiet)
        fprintf(stderr, "report written to %s\n", out);
    if (rc == 0 && r.refreshed && !c->quiet) {
        char n[32];
        fprintf(stderr, "(the assignment was brought up to date first: %s incidents located)\n",
                cli_num(r.relocated, n, sizeof n));
    }
    wg_report_free(&r);
    return rc;
}
