/* geo/timeparse.c: date/time text -> UTC seconds, and IANA zones read from TZif files.
 * Pure calendar arithmetic and text scanning: knows nothing of CSV files, columns or incidents,
 * and never touches the C library's time-zone state (TZ, tzset, localtime, mktime). */
#include "wg/timeparse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define AUTO_EXPECT "ISO 8601 or a common US form"

enum {
    DAY_S = 86400,
    MAX_TYPES = 256,          /* TZif type indices are one byte */
    MAX_OFFS = MAX_TYPES + 2, /* every type plus the footer's two */
    MAX_TZIF_BYTES = 1 << 20, /* real files are < 4 KB; anything this big is not one */
    MAX_TRANSITIONS = 1 << 16,
    MAX_UTOFF_S = 26 * 3600, /* RFC 8536 keeps offsets within -25 h .. +26 h */
};

/* ---- Calendar: proleptic Gregorian, after Howard Hinnant's "chrono-compatible low-level date
 * algorithms" (days_from_civil / civil_from_days). ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    return (int)(days + 4 - floor_div(days + 4, 7) * 7);
}

/* ---- ASCII character classes: <ctype.h> depends on the locale. ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static size_t digit_run(const char *p)
{
    size_t n = 0;
    while (is_digit(p[n]))
        n++;
    return n;
}

static size_t alpha_run(const char *p)
{
    size_t n = 0;
    while (is_alpha(p[n]))
        n++;
    return n;
}

/* The value of n (<= 9) decimal digits at p. */
static int digits_val(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static void skip_ws(const char **pp)
{
    while (is_space(**pp))
        (*pp)++;
}

/* Case-insensitive: are the n characters at p exactly the word `lit`? */
static bool word_is(const char *p, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(p[i]) != lit[i])
            return false;
    }
    return true;
}

/* ---- Time zones ---- */

/* A POSIX TZ rule date: 'J' Jn (1-365, Feb 29 never counted), 'D' n (0-365, zero-based day of
 * year), 'M' Mm.w.d (month, week 1-5 with 5 = last, weekday 0 = Sunday); at time_s seconds
 * after local midnight (may be negative or past 24 h, as TZif v3 allows). */
typedef struct rule_date {
    char kind;
    int a, b, c;
    int32_t time_s;
} rule_date;

/* The footer of a TZif v2+ file: what applies after the last listed transition. */
typedef struct posix_rule {
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    rule_date start, end; /* start of DST in standard time, end in daylight time */
} posix_rule;

struct wg_tz {
    size_t n;          /* transitions */
    int64_t *at;       /* n UTC instants, strictly ascending */
    int32_t *off;      /* off[i]: offset (s east of UTC) from at[i] on */
    int32_t first_off; /* before at[0] (RFC 8536: time type 0); always, when n == 0 and no rule */
    bool has_rule;
    posix_rule rule;
    size_t noffs;
    int32_t offs[MAX_OFFS]; /* every offset the zone can have, distinct, descending */
};

/* Local seconds of a rule date in year y. */
static int64_t rule_local(const rule_date *r, int64_t y)
{
    int64_t day;
    if (r->kind == 'J') {
        day = days_from_civil(y, 1, 1) + r->a - 1 + (is_leap(y) && r->a >= 60);
    } else if (r->kind == 'D') {
        day = days_from_civil(y, 1, 1) + r->a;
    } else {
        int64_t first = days_from_civil(y, r->a, 1);
        int mday = 1 + (r->c - weekday(first) + 7) % 7 + 7 * (r->b - 1);
        while (mday > days_in_month(y, r->a))
            mday -= 7;
        day = first + mday - 1;
    }
    return day * DAY_S + r->time_s;
}

static int32_t rule_offset(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    int m, d;
    civil_from_days(floor_div(t + r->std_off, DAY_S), &y, &m, &d);
    int64_t start = rule_local(&r->start, y) - r->std_off;
    int64_t end = rule_local(&r->end, y) - r->dst_off;
    /* Southern-hemisphere rules start DST late in the year and end it early. */
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* The offset in force at UTC instant t. */
static int32_t offset_at(const wg_tz *tz, int64_t t)
{
    if (tz->n > 0 && t < tz->at[0])
        return tz->first_off;
    if (tz->has_rule && (tz->n == 0 || t >= tz->at[tz->n - 1]))
        return rule_offset(&tz->rule, t);
    if (tz->n == 0)
        return tz->first_off;
    size_t lo = 0, hi = tz->n - 1; /* invariant: at[lo] <= t, and t < at[hi + 1] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (tz->at[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return tz->off[lo];
}

int64_t wg_tz_to_utc(const wg_tz *tz, int64_t local_s)
{
    const int64_t lim = INT64_C(1) << 53;
    if (local_s > lim)
        local_s = lim;
    if (local_s < -lim)
        local_s = -lim;
    /* Every reading of the wall time is L - o for some offset o the zone has, and it is genuine
     * when o is in force at that instant. Offsets run largest first, so the first genuine one is
     * the earliest occurrence. */
    for (size_t i = 0; i < tz->noffs; i++) {
        int64_t u = local_s - tz->offs[i];
        if (offset_at(tz, u) == tz->offs[i])
            return u;
    }
    /* None genuine: the wall time fell in a gap. L - (largest offset) is before the jump, so
     * the offset there is the one in force before the gap. */
    return local_s - offset_at(tz, local_s - tz->offs[0]);
}

static void add_offset(wg_tz *tz, int32_t o)
{
    size_t i = 0;
    while (i < tz->noffs && tz->offs[i] > o)
        i++;
    if (i < tz->noffs && tz->offs[i] == o)
        return;
    memmove(&tz->offs[i + 1], &tz->offs[i], (tz->noffs - i) * sizeof tz->offs[0]);
    tz->offs[i] = o;
    tz->noffs++;
}

/* [+-]hh[:mm] or [+-]hhmm, or with hours alone one or two digits; hours 0-23, minutes 0-59.
 * Seconds east of UTC. */
static bool scan_signed_offset(const char **pp, int32_t *off)
{
    const char *p = *pp;
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1;
    p++;
    size_t n = digit_run(p);
    int hh, mm = 0;
    if (n == 4) {
        hh = digits_val(p, 2);
        mm = digits_val(p + 2, 2);
        p += 4;
    } else if (n == 1 || n == 2) {
        hh = digits_val(p, n);
        p += n;
        if (*p == ':' && digit_run(p + 1) == 2) {
            mm = digits_val(p + 1, 2);
            p += 3;
        }
    } else {
        return false;
    }
    if (hh > 23 || mm > 59)
        return false;
    *off = sign * (hh * 3600 + mm * 60);
    *pp = p;
    return true;
}

/* POSIX TZ footer pieces. A name is three or more letters, or anything in <...>. */
static bool posix_name(const char **pp)
{
    const char *p = *pp;
    if (*p == '<') {
        const char *e = strchr(p, '>');
        if (!e || e == p + 1)
            return false;
        *pp = e + 1;
        return true;
    }
    size_t n = alpha_run(p);
    if (n < 3)
        return false;
    *pp = p + n;
    return true;
}

/* [+-]h[h[h]][:mm[:ss]] with hours up to max_h; POSIX sign (positive = west for offsets). */
static bool posix_hms(const char **pp, int max_h, int32_t *secs)
{
    const char *p = *pp;
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    size_t n = digit_run(p);
    if (n < 1 || n > 3)
        return false;
    int h = digits_val(p, n), m = 0, s = 0;
    p += n;
    if (*p == ':' && (digit_run(p + 1) == 1 || digit_run(p + 1) == 2)) {
        n = digit_run(p + 1);
        m = digits_val(p + 1, n);
        p += 1 + n;
        if (*p == ':' && (digit_run(p + 1) == 1 || digit_run(p + 1) == 2)) {
            n = digit_run(p + 1);
            s = digits_val(p + 1, n);
            p += 1 + n;
        }
    }
    if (h > max_h || m > 59 || s > 59)
        return false;
    *secs = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return true;
}

static bool posix_num(const char **pp, int lo, int hi, int *v)
{
    size_t n = digit_run(*pp);
    if (n < 1 || n > 3)
        return false;
    *v = digits_val(*pp, n);
    *pp += n;
    return *v >= lo && *v <= hi;
}

static bool posix_date(const char **pp, rule_date *r)
{
    const char *p = *pp;
    r->time_s = 7200; /* 02:00 unless given */
    bool ok;
    if (*p == 'J') {
        p++;
        r->kind = 'J';
        ok = posix_num(&p, 1, 365, &r->a);
    } else if (*p == 'M') {
        p++;
        r->kind = 'M';
        ok = posix_num(&p, 1, 12, &r->a) && *p++ == '.' && posix_num(&p, 1, 5, &r->b) &&
             *p++ == '.' && posix_num(&p, 0, 6, &r->c);
    } else {
        r->kind = 'D';
        ok = posix_num(&p, 0, 365, &r->a);
    }
    if (ok && *p == '/') {
        p++;
        ok = posix_hms(&p, 167, &r->time_s);
    }
    *pp = p;
    return ok;
}

/* Parses a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" or "<+08>-8". */
static bool parse_posix_tz(const char *s, posix_rule *r)
{
    const char *p = s;
    int32_t west;
    if (!posix_name(&p) || !posix_hms(&p, 24, &west))
        return false;
    r->std_off = -west;
    r->has_dst = false;
    if (*p == '\0')
        return true;
    if (!posix_name(&p))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if (!posix_hms(&p, 24, &west))
            return false;
        r->dst_off = -west;
    }
    if (*p == '\0') {
        /* No rule given: POSIX leaves it to the implementation; glibc uses the US rule. */
        r->start = (rule_date){'M', 3, 2, 0, 7200};
        r->end = (rule_date){'M', 11, 1, 0, 7200};
        return true;
    }
    if (*p++ != ',' || !posix_date(&p, &r->start) || *p++ != ',' || !posix_date(&p, &r->end))
        return false;
    return *p == '\0';
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_header {
    char version; /* 0, '2', '3', '4' */
    uint64_t isut, isstd, leap, time, type, chars;
} tzif_header;

static bool tzif_header_at(const unsigned char *buf, size_t len, size_t at, tzif_header *h)
{
    if (at > len || len - at < 44 || memcmp(buf + at, "TZif", 4) != 0)
        return false;
    h->version = (char)buf[at + 4];
    const unsigned char *c = buf + at + 20;
    h->isut = be32(c);
    h->isstd = be32(c + 4);
    h->leap = be32(c + 8);
    h->time = be32(c + 12);
    h->type = be32(c + 16);
    h->chars = be32(c + 20);
    return true;
}

/* Bytes in the data block that follows a header, with times of `ts` bytes. */
static uint64_t tzif_data_len(const tzif_header *h, uint64_t ts)
{
    return h->time * ts + h->time + h->type * 6 + h->chars + h->leap * (ts + 4) + h->isstd +
           h->isut;
}

/* Fills tz from a data block (after its header). Returns NULL or what is wrong. */
static const char *tzif_data(wg_tz *tz, const tzif_header *h, const unsigned char *d, size_t ts)
{
    if (h->type < 1 || h->type > MAX_TYPES || h->time > MAX_TRANSITIONS)
        return "impossible counts";
    int32_t utoff[MAX_TYPES];
    const unsigned char *types = d + h->time * ts + h->time;
    for (size_t i = 0; i < h->type; i++) {
        int64_t o = (int32_t)be32(types + 6 * i);
        if (o < -MAX_UTOFF_S || o > MAX_UTOFF_S || types[6 * i + 5] >= h->chars)
            return "bad local time type";
        utoff[i] = (int32_t)o;
        add_offset(tz, utoff[i]);
    }
    tz->first_off = utoff[0];
    tz->n = h->time;
    if (tz->n == 0)
        return NULL;
    tz->at = malloc(tz->n * sizeof tz->at[0]);
    tz->off = malloc(tz->n * sizeof tz->off[0]);
    if (!tz->at || !tz->off)
        return "out of memory";
    for (size_t i = 0; i < tz->n; i++) {
        tz->at[i] = ts == 8 ? be64(d + 8 * i) : (int32_t)be32(d + 4 * i);
        unsigned idx = d[h->time * ts + i];
        if (idx >= h->type || (i > 0 && tz->at[i] <= tz->at[i - 1]))
            return "bad transition";
        tz->off[i] = utoff[idx];
    }
    return NULL;
}

/* Parses a whole TZif file into tz. Returns NULL or what is wrong with it. */
static const char *tzif_parse(wg_tz *tz, const unsigned char *buf, size_t len)
{
    tzif_header h;
    if (!tzif_header_at(buf, len, 0, &h))
        return "not a TZif file";
    size_t ts = 4, at = 44;
    if (h.version != 0) {
        /* Version 2 and later repeat everything with 64-bit times after the v1 block. Counts
         * are below 2^32, so the uint64_t length cannot overflow. */
        uint64_t v1_len = tzif_data_len(&h, 4);
        if (v1_len > len || !tzif_header_at(buf, len, 44 + (size_t)v1_len, &h))
            return "truncated";
        ts = 8;
        at = 44 + (size_t)v1_len + 44;
    }
    if (h.leap > 0)
        return "leap";
    if (tzif_data_len(&h, ts) > len - at)
        return "truncated";
    const char *why = tzif_data(tz, &h, buf + at, ts);
    if (why || ts == 4)
        return why;
    /* The footer: "\n" POSIX-TZ "\n". One we cannot read is ignored, and the last listed
     * offset then stays in force, as it does for version 1 files. */
    size_t f = at + (size_t)tzif_data_len(&h, ts);
    if (f < len && buf[f] == '\n') {
        const unsigned char *nl = memchr(buf + f + 1, '\n', len - f - 1);
        char footer[128];
        size_t flen = nl ? (size_t)(nl - (buf + f + 1)) : 0;
        if (nl && flen > 0 && flen < sizeof footer) {
            memcpy(footer, buf + f + 1, flen);
            footer[flen] = '\0';
            tz->has_rule = parse_posix_tz(footer, &tz->rule);
        }
    }
    if (tz->has_rule) {
        add_offset(tz, tz->rule.std_off);
        if (tz->rule.has_dst)
            add_offset(tz, tz->rule.dst_off);
    }
    return NULL;
}

/* Reads a whole file. Returns 0, or errno (EFBIG when larger than MAX_TZIF_BYTES). */
static int read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno ? errno : EIO;
    unsigned char *buf = malloc(MAX_TZIF_BYTES + 1);
    int err = buf ? 0 : ENOMEM;
    size_t n = 0;
    if (buf) {
        n = fread(buf, 1, MAX_TZIF_BYTES + 1, fp);
        if (ferror(fp))
            err = errno ? errno : EIO;
        else if (n > MAX_TZIF_BYTES)
            err = EFBIG;
    }
    fclose(fp);
    if (err) {
        free(buf);
        return err;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* IANA names are letters, digits and "/_+-."; refusing anything else (and "..") keeps the path
 * inside the zoneinfo directory. */
static bool plausible_zone_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || name[0] == '/' || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!is_alpha(c) && !is_digit(c) && !strchr("/_+-.", c))
            return false;
    }
    return true;
}

static wg_status unknown_zone(wg_ctx *ctx, const char *name)
{
    return wg_fail(ctx, WG_EINPUT,
                   "unknown time zone '%.200s' (expected an IANA name such as "
                   "'America/New_York' under " ZONEINFO_DIR ", 'UTC', or an offset like '+08:00')",
                   name);
}

static wg_status load_zone_file(wg_ctx *ctx, const char *name, wg_tz *tz)
{
    if (!plausible_zone_name(name))
        return unknown_zone(ctx, name);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, name);
    unsigned char *buf = NULL;
    size_t len = 0;
    int err = read_file(path, &buf, &len);
    if (err == ENOENT || err == ENOTDIR || err == EISDIR)
        return unknown_zone(ctx, name);
    if (err == ENOMEM)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading time zone '%s'", name);
    if (err)
        return wg_fail(ctx, WG_EIO, "cannot read time zone file %s: %s", path, strerror(err));
    const char *why = tzif_parse(tz, buf, len);
    free(buf);
    if (!why)
        return WG_OK;
    if (strcmp(why, "not a TZif file") == 0)
        return unknown_zone(ctx, name);
    if (strcmp(why, "leap") == 0)
        return wg_fail(ctx, WG_EINPUT,
                       "time zone '%s' counts leap seconds, which wangge does not support "
                       "(use the zone without 'right/')",
                       name);
    if (strcmp(why, "out of memory") == 0)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading time zone '%s'", name);
    return wg_fail(ctx, WG_EIO, "time zone file %s is not valid TZif (%s)", path, why);
}

wg_status wg_tz_load(wg_ctx *ctx, const char *name, wg_tz **out)
{
    wg_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return wg_fail(ctx, WG_ENOMEM, "out of memory loading time zone '%s'", name);
    const char *p = name;
    int32_t fixed = 0;
    wg_status st = WG_OK;
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 ||
        (scan_signed_offset(&p, &fixed) && *p == '\0')) {
        tz->first_off = fixed;
        add_offset(tz, fixed);
    } else {
        st = load_zone_file(ctx, name, tz);
    }
    if (st != WG_OK) {
        wg_tz_free(tz);
        return st;
    }
    *out = tz;
    return WG_OK;
}

void wg_tz_free(wg_tz *tz)
{
    if (!tz)
        return;
    free(tz->at);
    free(tz->off);
    free(tz);
}

/* ---- Reading dates ---- */

typedef struct fields {
    int64_t year;
    int mon, day, yday, hour, min, sec;
    int ampm; /* 0 none, 1 am, 2 pm */
    bool has_year, has_mon, has_day, has_I, has_off;
    int32_t off;
} fields;

static const char *const MONTHS[12] = {"january",   "february", "march",    "april",
                                       "may",       "june",     "july",     "august",
                                       "september", "october",  "november", "december"};
static const char *const WEEKDAYS[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};

/* Is the n-letter word at p the 3-letter abbreviation of `full`? */
static bool abbr3_of(const char *p, size_t n, const char *full)
{
    return n == 3 && lower(p[0]) == full[0] && lower(p[1]) == full[1] && lower(p[2]) == full[2];
}

/* 1-12 for a month name (full, 3-letter, or "sept") in the n letters at p; 0 otherwise. */
static int month_word(const char *p, size_t n)
{
    for (int i = 0; i < 12; i++) {
        if (word_is(p, n, MONTHS[i]) || abbr3_of(p, n, MONTHS[i]))
            return i + 1;
    }
    return word_is(p, n, "sept") ? 9 : 0;
}

/* A weekday name: full, 3-letter, or tues/thur/thurs/weds. */
static bool weekday_word(const char *p, size_t n)
{
    for (int i = 0; i < 7; i++) {
        if (word_is(p, n, WEEKDAYS[i]) || abbr3_of(p, n, WEEKDAYS[i]))
            return true;
    }
    return word_is(p, n, "tues") || word_is(p, n, "thur") || word_is(p, n, "thurs") ||
           word_is(p, n, "weds");
}

/* am/pm as "am", "AM", "a.m.", "a.m", "am." (any case), not followed by a letter or digit.
 * Returns 1 (am) or 2 (pm) and advances, or 0 and leaves *pp alone. */
static int scan_ampm(const char **pp)
{
    const char *p = *pp;
    char c = lower(*p);
    if (c != 'a' && c != 'p')
        return 0;
    p++;
    if (*p == '.')
        p++;
    if (lower(*p) != 'm')
        return 0;
    p++;
    if (*p == '.')
        p++;
    if (is_alpha(*p) || is_digit(*p))
        return 0;
    *pp = p;
    return c == 'a' ? 1 : 2;
}

/* A zone after a time: Z, an offset, or UTC/GMT/UT optionally followed by an offset. */
static bool scan_zone(const char **pp, fields *f)
{
    const char *p = *pp;
    int32_t off = 0;
    size_t n = alpha_run(p);
    if (n == 1 && lower(*p) == 'z') {
        p++;
    } else if (n > 0) {
        if (!word_is(p, n, "utc") && !word_is(p, n, "gmt") && !word_is(p, n, "ut"))
            return false;
        p += n;
        if ((*p == '+' || *p == '-') && !scan_signed_offset(&p, &off))
            return false;
    } else if (!scan_signed_offset(&p, &off)) {
        return false;
    }
    f->has_off = true;
    f->off = off;
    *pp = p;
    return true;
}

/* Skips white space, commas and (when dash is non-NULL) dashes; *dash tells whether one was
 * seen. Returns whether anything was skipped. */
static bool skip_seps(const char **pp, bool *dash)
{
    const char *p0 = *pp;
    for (;;) {
        char c = **pp;
        if (dash && c == '-')
            *dash = true;
        else if (!is_space(c) && c != ',')
            break;
        (*pp)++;
    }
    return *pp != p0;
}

/* A year of 4 digits, or of 2 when two_ok (69-99 -> 19xx, 00-68 -> 20xx, as POSIX %y). */
static bool scan_year(const char **pp, bool two_ok, fields *f)
{
    size_t n = digit_run(*pp);
    if (n == 4)
        f->year = digits_val(*pp, 4);
    else if (n == 2 && two_ok)
        f->year = digits_val(*pp, 2) + (digits_val(*pp, 2) < 69 ? 2000 : 1900);
    else
        return false;
    *pp += n;
    f->has_year = true;
    return true;
}

/* A day of one or two digits, with an optional ordinal suffix (st, nd, rd, th). */
static bool scan_day(const char **pp, fields *f)
{
    size_t n = digit_run(*pp);
    if (n < 1 || n > 2)
        return false;
    f->day = digits_val(*pp, n);
    f->has_day = true;
    *pp += n;
    size_t a = alpha_run(*pp);
    if (a == 2 && (word_is(*pp, 2, "st") || word_is(*pp, 2, "nd") || word_is(*pp, 2, "rd") ||
                   word_is(*pp, 2, "th")))
        *pp += 2;
    return true;
}

/* A month name, and a dot after it when `dot` ("Sept. 18"). */
static bool scan_month_name(const char **pp, bool dot, fields *f)
{
    size_t n = alpha_run(*pp);
    f->mon = month_word(*pp, n);
    if (!f->mon)
        return false;
    f->has_mon = true;
    *pp += n;
    if (dot && **pp == '.')
        (*pp)++;
    return true;
}

/* 2014-09-18, 2014/9/18, 20140918. */
static bool scan_iso_date(const char **pp, fields *f)
{
    const char *p = *pp;
    size_t n = digit_run(p);
    if (n == 8) {
        f->year = digits_val(p, 4);
        f->mon = digits_val(p + 4, 2);
        f->day = digits_val(p + 6, 2);
        p += 8;
    } else {
        char sep = p[4];
        if (n != 4 || (sep != '-' && sep != '/'))
            return false;
        f->year = digits_val(p, 4);
        p += 5;
        n = digit_run(p);
        if (n < 1 || n > 2 || p[n] != sep)
            return false;
        f->mon = digits_val(p, n);
        p += n + 1;
        n = digit_run(p);
        if (n < 1 || n > 2)
            return false;
        f->day = digits_val(p, n);
        p += n;
    }
    f->has_year = f->has_mon = f->has_day = true;
    *pp = p;
    return true;
}

/* 03/01/2011, 3-1-11: month first. */
static bool scan_us_date(const char **pp, fields *f)
{
    const char *p = *pp;
    size_t n = digit_run(p);
    char sep = p[n];
    if (n < 1 || n > 2 || (sep != '/' && sep != '-'))
        return false;
    f->mon = digits_val(p, n);
    p += n + 1;
    n = digit_run(p);
    if (n < 1 || n > 2 || p[n] != sep)
        return false;
    f->day = digits_val(p, n);
    p += n + 1;
    f->has_mon = f->has_day = true;
    if (!scan_year(&p, true, f))
        return false;
    *pp = p;
    return true;
}

/* "18 Sep 2014", "18th of September, 2014", "18-Sep-14". */
static bool scan_day_month_year(const char **pp, fields *f)
{
    const char *p = *pp;
    bool dash = false;
    if (!scan_day(&p, f) || !skip_seps(&p, &dash))
        return false;
    size_t n = alpha_run(p);
    if (word_is(p, n, "of")) {
        p += n;
        skip_seps(&p, &dash);
    }
    dash = false;
    if (!scan_month_name(&p, true, f) || !skip_seps(&p, &dash) || !scan_year(&p, dash, f))
        return false;
    *pp = p;
    return true;
}

/* "September 18, 2014", "Sept. 18th 2014", "Sep-18-2014". */
static bool scan_month_day_year(const char **pp, fields *f)
{
    const char *p = *pp;
    bool dash = false;
    if (!scan_month_name(&p, true, f) || !skip_seps(&p, &dash) || !scan_day(&p, f))
        return false;
    dash = false;
    if (!skip_seps(&p, &dash) || !scan_year(&p, dash, f))
        return false;
    *pp = p;
    return true;
}

/* Skips a weekday name with its dot and the separators after it; nothing if not one. */
static void skip_weekday(const char **pp)
{
    const char *p = *pp;
    size_t n = alpha_run(p);
    if (n == 0 || !weekday_word(p, n))
        return;
    p += n;
    if (*p == '.')
        p++;
    if (skip_seps(&p, NULL))
        *pp = p;
}

/* A fraction of a second after '.' or ',': consumed and dropped (truncation). */
static void skip_fraction(const char **pp)
{
    const char *p = *pp;
    if ((*p == '.' || *p == ',') && is_digit(p[1]))
        *pp = p + 1 + digit_run(p + 1);
}

/* 13:53, 1:53:07.25, 1353 or 135300 (only after 'T'), 1pm; then an optional am/pm. */
static bool scan_time(const char **pp, bool after_t, fields *f)
{
    const char *p = *pp;
    size_t n = digit_run(p);
    bool hour_alone = false;
    if (after_t && (n == 4 || n == 6)) {
        f->hour = digits_val(p, 2);
        f->min = digits_val(p + 2, 2);
        f->sec = n == 6 ? digits_val(p + 4, 2) : 0;
        p += n;
        skip_fraction(&p);
    } else if (n == 1 || n == 2) {
        f->hour = digits_val(p, n);
        p += n;
        if (*p == ':' && digit_run(p + 1) == 2) {
            f->min = digits_val(p + 1, 2);
            p += 3;
            if (*p == ':' && digit_run(p + 1) == 2) {
                f->sec = digits_val(p + 1, 2);
                p += 3;
                skip_fraction(&p);
            }
        } else {
            hour_alone = true;
        }
    } else {
        return false;
    }
    const char *q = p;
    skip_ws(&q);
    f->ampm = scan_ampm(&q);
    if (f->ampm)
        p = q;
    else if (hour_alone)
        return false;
    *pp = p;
    return true;
}

static bool scan_date(const char **pp, fields *f, bool *iso)
{
    *iso = false;
    if (is_alpha(**pp))
        return scan_month_day_year(pp, f);
    size_t n = digit_run(*pp);
    if (n == 8 || n == 4) {
        *iso = true;
        return scan_iso_date(pp, f);
    }
    if (n == 1 || n == 2) {
        char c = (*pp)[n];
        if ((c == '/' || c == '-') && is_digit((*pp)[n + 1]))
            return scan_us_date(pp, f);
        return scan_day_month_year(pp, f);
    }
    return false;
}

/* The automatic reader: [weekday] date [time [zone]], nothing else. */
static bool parse_auto(const char *text, fields *f)
{
    const char *p = text;
    skip_ws(&p);
    skip_weekday(&p);
    bool iso;
    if (!scan_date(&p, f, &iso))
        return false;
    const char *q = p;
    bool has_time = false, after_t = false;
    if (iso && (*q == 'T' || *q == 't') && is_digit(q[1])) {
        q++;
        has_time = after_t = true;
    } else if (skip_seps(&q, NULL) && is_digit(*q)) {
        has_time = true;
    }
    if (has_time) {
        p = q;
        if (!scan_time(&p, after_t, f))
            return false;
        skip_ws(&p);
        if (*p != '\0' && !scan_zone(&p, f))
            return false;
    }
    skip_ws(&p);
    return *p == '\0';
}

/* A number of min_w..max_w digits after optional white space (strptime reads at most the
 * field's width, so "%Y%m%d" splits "20140918"). */
static bool scan_num(const char **pp, size_t min_w, size_t max_w, int *v)
{
    skip_ws(pp);
    size_t n = 0;
    while (n < max_w && is_digit((*pp)[n]))
        n++;
    if (n < min_w)
        return false;
    *v = digits_val(*pp, n);
    *pp += n;
    return true;
}

static bool match_fmt(const char **pp, const char *fmt, const char *after, fields *f);

/* One conversion %c of a format; `rest` is what follows it (for the fraction rule). */
static bool match_conv(const char **pp, char c, const char *rest, fields *f)
{
    int v = 0;
    size_t n;
    bool ok = true;
    switch (c) {
    case 'Y':
        ok = scan_num(pp, 4, 4, &v); /* "14" is more likely a mistake than the year 14 */
        f->year = v;
        f->has_year = true;
        break;
    case 'y':
        ok = scan_num(pp, 1, 2, &v);
        f->year = v + (v < 69 ? 2000 : 1900);
        f->has_year = true;
        break;
    case 'm':
        ok = scan_num(pp, 1, 2, &f->mon);
        f->has_mon = true;
        break;
    case 'd':
    case 'e':
        ok = scan_num(pp, 1, 2, &f->day);
        f->has_day = true;
        break;
    case 'j':
        ok = scan_num(pp, 1, 3, &f->yday) && f->yday >= 1;
        break;
    case 'H':
        ok = scan_num(pp, 1, 2, &f->hour);
        break;
    case 'I':
        ok = scan_num(pp, 1, 2, &f->hour);
        f->has_I = true;
        break;
    case 'M':
        ok = scan_num(pp, 1, 2, &f->min);
        break;
    case 'S':
        ok = scan_num(pp, 1, 2, &f->sec);
        if (ok && *rest != '.' && *rest != ',')
            skip_fraction(pp);
        break;
    case 'p':
        f->ampm = scan_ampm(pp);
        ok = f->ampm != 0;
        break;
    case 'b':
    case 'B':
    case 'h':
        /* "%b %d" reads "Sept. 18" too, unless the format spells the dot out itself. */
        ok = scan_month_name(pp, *rest != '.', f);
        break;
    case 'a':
    case 'A':
        n = alpha_run(*pp);
        ok = n > 0 && weekday_word(*pp, n);
        *pp += n;
        break;
    case 'z':
        skip_ws(pp);
        ok = scan_zone(pp, f);
        break;
    case 'Z':
        n = alpha_run(*pp);
        if (word_is(*pp, n, "utc") || word_is(*pp, n, "gmt") || word_is(*pp, n, "ut") ||
            word_is(*pp, n, "z")) {
            f->has_off = true;
            f->off = 0;
        }
        ok = n > 0;
        *pp += n;
        break;
    case 'T':
        return match_fmt(pp, "%H:%M:%S", rest, f);
    case 'R':
        return match_fmt(pp, "%H:%M", rest, f);
    case 'D':
        return match_fmt(pp, "%m/%d/%y", rest, f);
    case 'F':
        return match_fmt(pp, "%Y-%m-%d", rest, f);
    case 'n':
    case 't':
        skip_ws(pp);
        break;
    case '%':
        ok = **pp == '%';
        if (ok)
            (*pp)++;
        break;
    default:
        ok = false; /* an unsupported conversion never matches */
    }
    return ok;
}

/* Matches fmt against the text at *pp. `after` is the format text following fmt when fmt is
 * an expansion (%T inside "%T.%f..."), else "". */
static bool match_fmt(const char **pp, const char *fmt, const char *after, fields *f)
{
    const char *q = fmt;
    while (*q) {
        if (is_space(*q)) {
            skip_ws(pp);
            q++;
        } else if (*q != '%') {
            if (**pp != *q)
                return false;
            (*pp)++;
            q++;
        } else {
            char c = q[1];
            if (c == '\0')
                return false;
            q += 2;
            if (!match_conv(pp, c, *q ? q : after, f))
                return false;
        }
    }
    return true;
}

static bool parse_fmt(const char *text, const char *fmt, fields *f)
{
    const char *p = text;
    skip_ws(&p);
    if (!match_fmt(&p, fmt, "", f))
        return false;
    skip_ws(&p);
    return *p == '\0';
}

/* Checks the fields and turns them into UTC seconds. */
static bool fields_to_utc(fields *f, const wg_tz *tz, int64_t *utc_s)
{
    if (!f->has_year || f->year < 0 || f->year > 9999)
        return false;
    if (f->yday && !f->has_mon && !f->has_day) {
        if (f->yday > (is_leap(f->year) ? 366 : 365))
            return false;
        int64_t days = days_from_civil(f->year, 1, 1) + f->yday - 1;
        int64_t y;
        civil_from_days(days, &y, &f->mon, &f->day);
        f->has_mon = f->has_day = true;
    }
    int mon = f->has_mon ? f->mon : 1, day = f->has_day ? f->day : 1;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(f->year, mon))
        return false;
    int hour = f->hour;
    if (f->has_I && !f->ampm)
        f->ampm = 1; /* %I without %p reads as AM, as strptime() does */
    if (f->ampm) {
        if (hour < 1 || hour > 12)
            return false;
        hour = hour % 12 + (f->ampm == 2 ? 12 : 0);
    }
    if (hour > 23 || f->min > 59 || f->sec > 59)
        return false;
    int64_t local = days_from_civil(f->year, mon, day) * DAY_S + hour * 3600 + f->min * 60 + f->sec;
    if (f->has_off)
        *utc_s = local - f->off;
    else if (tz)
        *utc_s = wg_tz_to_utc(tz, local);
    else
        *utc_s = local;
    return true;
}

wg_status wg_time_parse(wg_ctx *ctx, const char *text, const char *fmt, const wg_tz *tz,
                        int64_t *utc_s)
{
    fields f = {0};
    bool ok = fmt ? parse_fmt(text, fmt, &f) : parse_auto(text, &f);
    int64_t t = 0;
    if (ok)
        ok = fields_to_utc(&f, tz, &t);
    if (!ok)
        return wg_fail(ctx, WG_EINPUT, "cannot read '%.200s' as a date/time (expected %s)", text,
                       fmt ? fmt : AUTO_EXPECT);
    *utc_s = t;
    return WG_OK;
}

void wg_time_format_utc(int64_t utc_s, char *buf, size_t n)
{
    if (n == 0)
        return;
    int64_t days = utc_s / DAY_S, secs = utc_s % DAY_S; /* no overflow even at INT64_MIN */
    if (secs < 0) {
        secs += DAY_S;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
}
