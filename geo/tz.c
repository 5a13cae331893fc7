/* geo/tz.c: IANA time zones read from TZif files (v1-v4, with the POSIX TZ footer past the
 * last transition), and local wall-clock time -> UTC. Never touches the C library's time-zone
 * state (TZ, tzset, localtime, mktime); knows nothing of what the times belong to. */
#include "time_int.h"
#include "wg/timeparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"

enum {
    MAX_TYPES = 256,          /* TZif type indices are one byte */
    MAX_OFFS = MAX_TYPES + 2, /* every type plus the footer's two */
    MAX_TZIF_BYTES = 1 << 20, /* real files are < 4 KB; anything this big is not one */
    MAX_TRANSITIONS = 1 << 16,
    MAX_UTOFF_S = 26 * 3600, /* RFC 8536 keeps offsets within -25 h .. +26 h */
};

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

/* The error for TZif bytes of zone `name` that tzif_parse() refused for reason `why`. `path`
 * is the zone file they were read from, or NULL for bytes the caller gave: a fault in a system
 * zone file is an I/O problem (and a file that is not TZif, such as zone.tab, is no zone at
 * all), a fault in given bytes is the input's. */
static wg_status tzif_fail(wg_ctx *ctx, const char *name, const char *path, const char *why,
                           size_t len)
{
    if (path && strcmp(why, "not a TZif file") == 0)
        return unknown_zone(ctx, name);
    if (strcmp(why, "leap") == 0)
        return wg_fail(ctx, WG_EINPUT,
                       "time zone '%.200s' counts leap seconds, which wangge does not support "
                       "(use the zone without 'right/')",
                       name);
    if (strcmp(why, "out of memory") == 0)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading time zone '%.200s'", name);
    if (path)
        return wg_fail(ctx, WG_EIO, "time zone file %s is not valid TZif (%s)", path, why);
    return wg_fail(ctx, WG_EINPUT, "time zone '%.200s' is not valid TZif (%s, in %zu bytes)", name,
                   why, len);
}

/* wg_tz_from_tzif() for bytes read from `path` (NULL: given by the caller). */
static wg_status tz_from_tzif(wg_ctx *ctx, const char *name, const char *path,
                              const unsigned char *buf, size_t len, wg_tz **out)
{
    wg_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return wg_fail(ctx, WG_ENOMEM, "out of memory reading time zone '%.200s'", name);
    const char *why = tzif_parse(tz, buf, len);
    if (why) {
        wg_tz_free(tz);
        return tzif_fail(ctx, name, path, why, len);
    }
    *out = tz;
    return WG_OK;
}

wg_status wg_tz_from_tzif(wg_ctx *ctx, const char *name, const unsigned char *buf, size_t len,
                          wg_tz **out)
{
    return tz_from_tzif(ctx, name, NULL, buf, len, out);
}

static wg_status load_zone_file(wg_ctx *ctx, const char *name, wg_tz **out)
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
    wg_status st = tz_from_tzif(ctx, name, path, buf, len, out);
    free(buf);
    return st;
}

wg_status wg_tz_load(wg_ctx *ctx, const char *name, wg_tz **out)
{
    const char *p = name;
    int32_t fixed = 0;
    if (strcmp(name, "UTC") != 0 && strcmp(name, "Z") != 0 &&
        !(scan_signed_offset(&p, &fixed) && *p == '\0'))
        return load_zone_file(ctx, name, out);
    wg_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return wg_fail(ctx, WG_ENOMEM, "out of memory loading time zone '%s'", name);
    tz->first_off = fixed;
    add_offset(tz, fixed);
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
