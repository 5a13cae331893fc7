/* geo/timeparse.c: date/time text -> UTC seconds: ISO 8601, the common US forms, English
 * free text, and strptime-style formats; local times go through a zone from tz.c. Pure text
 * scanning: knows nothing of CSV files, columns or incidents. */
#include "wg/timeparse.h"

#include "time_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTO_EXPECT "ISO 8601 or a common US form"

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
