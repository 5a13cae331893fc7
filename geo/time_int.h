/* geo/time_int.h: what the time-zone reader (tz.c) and the date/time parser (timeparse.c)
 * share: proleptic Gregorian calendar arithmetic and locale-free ASCII scanning. Private to
 * geo. */
#ifndef WG_TIME_INT_H
#define WG_TIME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { DAY_S = 86400 };

/* ---- Calendar: proleptic Gregorian, after Howard Hinnant's "chrono-compatible low-level date
 * algorithms" (days_from_civil / civil_from_days). ---- */

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static inline void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
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

static inline bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static inline int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static inline int weekday(int64_t days)
{
    return (int)(days + 4 - floor_div(days + 4, 7) * 7);
}

/* ---- ASCII character classes: <ctype.h> depends on the locale. ---- */

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline size_t digit_run(const char *p)
{
    size_t n = 0;
    while (is_digit(p[n]))
        n++;
    return n;
}

static inline size_t alpha_run(const char *p)
{
    size_t n = 0;
    while (is_alpha(p[n]))
        n++;
    return n;
}

/* The value of n (<= 9) decimal digits at p. */
static inline int digits_val(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static inline void skip_ws(const char **pp)
{
    while (is_space(**pp))
        (*pp)++;
}

/* Case-insensitive: are the n characters at p exactly the word `lit`? */
static inline bool word_is(const char *p, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(p[i]) != lit[i])
            return false;
    }
    return true;
}

/* [+-]hh[:mm] or [+-]hhmm, or with hours alone one or two digits; hours 0-23, minutes 0-59.
 * Seconds east of UTC. */
static inline bool scan_signed_offset(const char **pp, int32_t *off)
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

#endif
