/* tests/geo/test_time.c: date/time parsing and TZif time zones. Expected instants were worked
 * out independently (Python's datetime + zoneinfo, whose fold=0 rule matches ours) and are
 * written beside each case as ISO 8601 UTC. Knows nothing of the rest of wangge. */
#include "wg/core.h"
#include "wg/timeparse.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *tcase_time(void);

#define AUTO_MSG_TAIL "as a date/time (expected ISO 8601 or a common US form)"

static wg_ctx *ctx;

static void setup(void)
{
    ctx = wg_ctx_new();
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    wg_ctx_free(ctx);
    ctx = NULL;
}

static wg_tz *load(const char *zone)
{
    wg_tz *tz = NULL;
    wg_status st = wg_tz_load(ctx, zone, &tz);
    ck_assert_msg(st == WG_OK, "loading %s: %s", zone, wg_ctx_errmsg(ctx));
    ck_assert_ptr_nonnull(tz);
    return tz;
}

typedef struct want {
    const char *text, *fmt, *zone; /* zone NULL: tz NULL (UTC) */
    int64_t utc_s;
} want;

/* Parses every case and checks the instant; failures name the text and what came out. */
static void check_all(const want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wg_tz *tz = w[i].zone ? load(w[i].zone) : NULL;
        int64_t got = -1;
        wg_status st = wg_time_parse(ctx, w[i].text, w[i].fmt, tz, &got);
        ck_assert_msg(st == WG_OK, "'%s' (fmt %s, zone %s): %s", w[i].text,
                      w[i].fmt ? w[i].fmt : "auto", w[i].zone ? w[i].zone : "none",
                      wg_ctx_errmsg(ctx));
        char g[32], e[32];
        wg_time_format_utc(got, g, sizeof g);
        wg_time_format_utc(w[i].utc_s, e, sizeof e);
        ck_assert_msg(got == w[i].utc_s, "'%s' (zone %s): got %s, want %s", w[i].text,
                      w[i].zone ? w[i].zone : "none", g, e);
        wg_tz_free(tz);
    }
}

#define CHECK_ALL(arr) check_all(arr, sizeof arr / sizeof arr[0])

/* Every text must fail with WG_EINPUT and the documented message. */
static void check_bad(const char *const *texts, size_t n, const char *fmt)
{
    for (size_t i = 0; i < n; i++) {
        wg_ctx_clear(ctx);
        int64_t got = 12345;
        ck_assert_msg(wg_time_parse(ctx, texts[i], fmt, NULL, &got) == WG_EINPUT,
                      "'%s' was accepted", texts[i]);
        ck_assert_int_eq(got, 12345); /* untouched on failure */
        char want_msg[512];
        snprintf(want_msg, sizeof want_msg, "cannot read '%s' as a date/time (expected %s)",
                 texts[i], fmt ? fmt : "ISO 8601 or a common US form");
        ck_assert_str_eq(wg_ctx_errmsg(ctx), want_msg);
    }
}

START_TEST(iso_8601_forms)
{
    static const want w[] = {
        {"2023-12-10T12:00:00.000", NULL, NULL, 1702209600},   /* 2023-12-10T12:00:00Z */
        {"2014-09-18T13:53:00Z", NULL, NULL, 1411048380},      /* 2014-09-18T13:53:00Z */
        {"2014-09-18T13:53:00+08:00", NULL, NULL, 1411019580}, /* 05:53:00Z */
        {"2014-09-18T13:53:00-0500", NULL, NULL, 1411066380},  /* 18:53:00Z */
        {"2014-09-18 13:53", NULL, NULL, 1411048380},
        {"2014-09-18", NULL, NULL, 1410998400},             /* midnight */
        {"2023-01-26 09:00:00+00", NULL, NULL, 1674723600}, /* hours-only offset */
        {"20140918T135300Z", NULL, NULL, 1411048380},       /* basic format */
        {"20140918T1353", NULL, NULL, 1411048380},
        {"20140918", NULL, NULL, 1410998400},
        {"2012/07/01 00:00:00", NULL, NULL, 1341100800}, /* GDAL's way */
        {"2014-9-8 13:53", NULL, NULL, 1410184380},      /* 2014-09-08T13:53:00Z */
        {"2014-09-18t13:53:00z", NULL, NULL, 1411048380},
        {"2014-09-18 13:53:00 UTC", NULL, NULL, 1411048380},
        {"2014-09-18 13:53:00 GMT+8", NULL, NULL, 1411019580},
        {"  2014-09-18 13:53  ", NULL, NULL, 1411048380},
        {"1899-12-30", NULL, NULL, -2209161600}, /* the Excel epoch placeholder */
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(fractional_seconds_are_truncated)
{
    static const want w[] = {
        {"2014-09-18T13:53:59.999Z", NULL, NULL, 1411048439}, /* 13:53:59Z, not 13:54:00Z */
        {"2014-09-18 13:53:59,5", NULL, NULL, 1411048439},
        {"20140918T135359.999999999Z", NULL, NULL, 1411048439},
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(us_forms_in_new_york)
{
    static const want w[] = {
        {"03/01/2011 02:27:57 PM", NULL, "America/New_York", 1299007677}, /* 19:27:57Z */
        {"03/01/2011 2:27 PM", NULL, "America/New_York", 1299007620},     /* 19:27:00Z */
        {"3/1/2011", NULL, "America/New_York", 1298955600},               /* 05:00:00Z */
        {"03/01/2011 14:27", NULL, "America/New_York", 1299007620},
        {"03/01/2011 12:00:00 AM", NULL, "America/New_York", 1298955600}, /* midnight */
        {"03/01/2011 12:30 PM", NULL, "America/New_York", 1299000600},    /* noon: 17:30Z */
        {"03/01/2011 2:27:57pm", NULL, "America/New_York", 1299007677},
        {"03-01-2011 14:27", NULL, "America/New_York", 1299007620},
        {"3/1/11", NULL, "America/New_York", 1298955600},              /* 2-digit year: 2011 */
        {"07/04/2011 12:00 PM", NULL, "America/New_York", 1309795200}, /* EDT: 16:00Z */
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(dst_edges_in_new_york)
{
    static const want w[] = {
        /* After the spring-forward jump (02:00 EST -> 03:00 EDT on 2011-03-13). */
        {"03/13/2011 03:30 AM", NULL, "America/New_York", 1300001400}, /* 07:30Z */
        /* In the gap: read with EST, the offset before it, so 07:30Z too. */
        {"03/13/2011 02:30 AM", NULL, "America/New_York", 1300001400},
        /* 01:30 happens twice on 2011-11-06: the first (EDT) is taken. */
        {"11/06/2011 01:30 AM", NULL, "America/New_York", 1320557400}, /* 05:30Z */
        {"11/06/2011 02:30 AM", NULL, "America/New_York", 1320564600}, /* EST: 07:30Z */
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(english_free_text)
{
    static const want w[] = {
        {"Thu, Sept. 18th 2014 01:53 p.m.", NULL, NULL, 1411048380}, /* 2014-09-18T13:53Z */
        {"September 18, 2014", NULL, NULL, 1410998400},              /* 2014-09-18T00:00Z */
        {"Sep 18 2014 1:53pm", NULL, NULL, 1411048380},
        {"18 Sep 2014", NULL, NULL, 1410998400},
        {"18-Sep-2014", NULL, NULL, 1410998400},
        {"18-SEP-14", NULL, NULL, 1410998400},
        {"Thursday, September 18, 2014, 1 PM", NULL, NULL, 1411045200}, /* 13:00Z */
        {"sep 18 2014 1:53 A.M.", NULL, NULL, 1411005180},              /* 01:53Z */
        {"18th of September 2014", NULL, NULL, 1410998400},
        {"March 1st 2011", NULL, NULL, 1298937600},
        {"Jan 2nd, 2012", NULL, NULL, 1325462400},
        {"23rd May 2013", NULL, NULL, 1369267200},
        {"Tues. Sep 18 2014", NULL, NULL, 1410998400}, /* wrong weekday: skipped */
        {"September 18, 2014 1:53 pm", NULL, "America/New_York", 1411062780}, /* 17:53Z */
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(shanghai_and_fixed_offsets)
{
    static const want w[] = {
        {"2014-09-18 13:53", NULL, "Asia/Shanghai", 1411019580}, /* +08: 05:53Z */
        {"1990-07-01 12:00", NULL, "Asia/Shanghai", 646801200},  /* China's DST, +09: 03:00Z */
        {"2014-09-18 13:53", NULL, "+08:00", 1411019580},
        {"2014-09-18 13:53", NULL, "+08", 1411019580},
        {"2014-09-18 13:53", NULL, "-0500", 1411066380}, /* 18:53Z */
        {"2014-09-18 13:53", NULL, "UTC", 1411048380},
        {"2014-09-18 13:53", NULL, "Z", 1411048380},
        {"2014-09-18 13:53", NULL, "Etc/GMT-8", 1411019580}, /* POSIX sign: +08 */
        /* An offset in the text wins over the zone. */
        {"2014-09-18T13:53:00Z", NULL, "America/New_York", 1411048380},
        {"2014-09-18T13:53:00+08:00", NULL, "-0500", 1411019580},
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(zones_beyond_the_table_and_before_it)
{
    static const want w[] = {
        /* After Debian's listed transitions (2037) the footer rule applies. */
        {"2050-07-01 12:00", NULL, "America/New_York", 2540304000}, /* EDT: 16:00Z */
        {"2050-01-01 12:00", NULL, "America/New_York", 2524669200}, /* EST: 17:00Z */
        {"2040-01-15 12:00", NULL, "Australia/Sydney", 2210202000}, /* AEDT: 01:00Z */
        {"2040-07-15 12:00", NULL, "Australia/Sydney", 2225930400}, /* AEST: 02:00Z */
        {"2020-01-15 12:00", NULL, "Australia/Sydney", 1579050000}, /* from the table */
        /* Before the first transition: local mean time, -4:56:02. */
        {"1800-01-01", NULL, "America/New_York", INT64_C(-5364644638)}, /* 04:56:02Z */
        /* Sao Paulo's DST began at midnight, so 2018-11-04 00:00 never happened: the offset
         * before the gap (-03) gives 03:00Z, which Brazilians called 01:00 -02. */
        {"2018-11-04", NULL, "America/Sao_Paulo", 1541300400},
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(explicit_formats)
{
    static const want w[] = {
        {"18/09/2014 13:53", "%d/%m/%Y %H:%M", NULL, 1411048380},
        {"20140918", "%Y%m%d", NULL, 1410998400},
        {"2014-09-18T13:53:00+0800", "%Y-%m-%dT%H:%M:%S%z", NULL, 1411019580},
        {"2014-09-18T13:53:00Z", "%Y-%m-%dT%H:%M:%S%z", "Asia/Shanghai", 1411048380},
        {"Sep  8 2014 01:53 PM", "%b %e %Y %I:%M %p", NULL, 1410184380},
        {"Thu Sep 18 13:53:00 EDT 2014", "%a %b %d %T %Z %Y", "America/New_York", 1411062780},
        {"Thu Sep 18 13:53:00 UTC 2014", "%a %b %d %T %Z %Y", "America/New_York", 1411048380},
        {"2014-09-18 13:53:00.5", "%F %T", NULL, 1411048380},
        {"2014-09-18 13:53:00.5", "%F %T.5", NULL, 1411048380}, /* the format keeps the dot */
        {"2012-366", "%Y-%j", NULL, 1356912000},                /* 2012-12-31 */
        {"09/18/14", "%D", NULL, 1410998400},
        {"13h53 18.09.2014", "%Hh%M %d.%m.%Y", NULL, 1411048380},
        {"Sept. 18 2014", "%b %d %Y", NULL, 1410998400},
        {"Sep. 18 2014", "%b. %d %Y", NULL, 1410998400},
        {"18 September 2014 1:53", "%d %B %Y %R", NULL, 1411005180}, /* 01:53Z */
        {"2014 100%", "%Y 100%%", NULL, 1388534400}, /* 2014-01-01: month and day default */
        {"12/31/2011 12:00 AM", "%m/%d/%Y %I:%M %p", NULL, 1325289600}, /* midnight */
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(bad_text_is_rejected_with_the_message)
{
    static const char *const bad[] = {
        "",
        "   ",
        "N/A",
        "hello",
        "13/45/2011",
        "2011-02-30",
        "2011-02-29", /* not a leap year */
        "1900-02-29", /* not a leap year either */
        "2014-13-01",
        "2014-09-18 24:00",
        "2014-09-18 12:60",
        "2014-09-18 12:00:60", /* no leap seconds */
        "03/01/2011 13:00 PM",
        "03/01/2011 0:30 AM",
        "2014-09-18 13:53 tomorrow",
        "2014-09-18T",
        "2014-09-18 13",
        "Sep 2014",
        "September 18",
        "Sep 18 14", /* 2-digit years only with dashes or slashes */
        "2014-09-18 13:53 EST",
        "2014-09-18T13:53:00+25:00",
        "1410000000",
        "Thu, ",
        "18Sep2014",
    };
    check_bad(bad, sizeof bad / sizeof bad[0], NULL);
}
END_TEST

START_TEST(leap_days_are_accepted)
{
    static const want w[] = {
        {"2000-02-29", NULL, NULL, 951782400},
        {"02/29/2012", NULL, NULL, 1330473600},
    };
    CHECK_ALL(w);
}
END_TEST

START_TEST(bad_text_for_a_format)
{
    /* %Y wants four digits: "14" is not silently the year 14. */
    static const char *const bad[] = {"2014-09-18", "18/09/2014 13:53 extra", "31/02/2014",
                                      "18/9/14"};
    check_bad(bad, sizeof bad / sizeof bad[0], "%d/%m/%Y");
    static const char *const bad_ampm[] = {"1:53 xm", "13:53 PM", "0:10 am"};
    check_bad(bad_ampm, sizeof bad_ampm / sizeof bad_ampm[0], "%I:%M %p");
    static const char *const bad_conv[] = {"2014"};
    check_bad(bad_conv, 1, "%Q"); /* an unsupported conversion never matches */
    static const char *const no_year[] = {"09/18"};
    check_bad(no_year, 1, "%m/%d");
}
END_TEST

START_TEST(zone_loading_errors)
{
    static const char *const unknown[] = {"Mars/Olympus_Mons",
                                          "../../etc/passwd",
                                          "/etc/localtime",
                                          "America",
                                          "zone.tab",
                                          "",
                                          "+25:00",
                                          "America/New York"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        wg_ctx_clear(ctx);
        wg_tz *tz = (wg_tz *)&tz; /* must stay untouched */
        ck_assert_int_eq(wg_tz_load(ctx, unknown[i], &tz), WG_EINPUT);
        ck_assert_ptr_eq(tz, (wg_tz *)&tz);
        char head[256];
        snprintf(head, sizeof head, "unknown time zone '%s'", unknown[i]);
        ck_assert_msg(strstr(wg_ctx_errmsg(ctx), head), "got: %s", wg_ctx_errmsg(ctx));
    }
    wg_tz_free(NULL);
}
END_TEST

START_TEST(leap_second_zones_are_refused)
{
    FILE *fp = fopen("/usr/share/zoneinfo/right/UTC", "rb");
    if (!fp)
        return; /* tzdata without the right/ zones */
    fclose(fp);
    wg_tz *tz = NULL;
    ck_assert_int_eq(wg_tz_load(ctx, "right/UTC", &tz), WG_EINPUT);
    ck_assert_ptr_null(tz);
    ck_assert_msg(strstr(wg_ctx_errmsg(ctx), "leap seconds"), "got: %s", wg_ctx_errmsg(ctx));
}
END_TEST

START_TEST(format_utc)
{
    static const struct {
        int64_t t;
        const char *s;
    } w[] = {
        {0, "1970-01-01T00:00:00Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {1299007677, "2011-03-01T19:27:57Z"},
        {-2209161600, "1899-12-30T00:00:00Z"},
        {253402300799, "9999-12-31T23:59:59Z"},
        {-62167219200, "0000-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        char buf[21];
        wg_time_format_utc(w[i].t, buf, sizeof buf);
        ck_assert_str_eq(buf, w[i].s);
    }
    char small[5];
    wg_time_format_utc(0, small, sizeof small);
    ck_assert_str_eq(small, "1970");
    char big[40];
    wg_time_format_utc(INT64_MIN, big, sizeof big); /* must not overflow or crash */
    wg_time_format_utc(INT64_MAX, big, sizeof big);
}
END_TEST

/* Parsing then formatting reproduces the ISO text for every day of a 400-year cycle, which
 * exercises days_from_civil against civil_from_days, leap rules included. (Failures are counted
 * and asserted once: each passing ck_assert costs check a pipe write.) */
START_TEST(calendar_round_trip)
{
    size_t bad = 0, days = 0;
    int64_t prev = 0;
    for (int y = 1800; y < 2200; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int dim = m == 2 ? 28 + leap : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
            for (int d = 1; d <= 31; d++) {
                char text[32], out[32];
                snprintf(text, sizeof text, "%04d-%02d-%02dT12:34:56Z", y, m, d);
                int64_t t;
                wg_ctx_clear(ctx);
                bool ok = wg_time_parse(ctx, text, NULL, NULL, &t) == WG_OK;
                if (ok != (d <= dim)) {
                    bad++;
                    fprintf(stderr, "%s: %s\n", text, ok ? "accepted" : "rejected");
                }
                if (!ok)
                    continue;
                wg_time_format_utc(t, out, sizeof out);
                bad += strcmp(out, text) != 0;
                bad += days > 0 && t - prev != 86400; /* consecutive days */
                prev = t;
                days++;
            }
        }
    }
    ck_assert_int_eq(days, 146097); /* days in 400 Gregorian years */
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* Reads back t's wall time in the current TZ through wg_time_parse; true when the result has
 * the same wall time and is no later than t (earlier only when the wall time occurs twice).
 * No ck_assert in here: it runs some 10^5 times, and each passing assert is a pipe write. */
static bool reads_back(const wg_tz *tz, const char *zone, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm, btm;
    if (!localtime_r(&tt, &tm))
        return false;
    char text[40];
    snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    int64_t back = INT64_MAX;
    wg_status st = wg_time_parse(ctx, text, NULL, tz, &back);
    time_t bt = (time_t)back;
    bool ok = st == WG_OK && localtime_r(&bt, &btm) && btm.tm_year == tm.tm_year &&
              btm.tm_yday == tm.tm_yday && btm.tm_hour == tm.tm_hour && btm.tm_min == tm.tm_min &&
              btm.tm_sec == tm.tm_sec && back <= t;
    if (!ok) {
        char a[32], b[32];
        wg_time_format_utc(t, a, sizeof a);
        wg_time_format_utc(back, b, sizeof b);
        fprintf(stderr, "%s: %s, local %s, read back as %s\n", zone, a, text, b);
    }
    return ok;
}

static long gmtoff_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    return localtime_r(&tt, &tm) ? tm.tm_gmtoff : -999999;
}

/* Cross-checks the zone code against the C library's own reading of the same TZif files,
 * 1900-2100: glibc's localtime_r() gives the wall time of an instant, and reading that wall time
 * back must give the instant (or an earlier one with the same wall time). Instants are sampled
 * every few days, and every 10 minutes for 3 hours either side of each offset change glibc
 * reports (found by bisection), so every gap and fold is crossed. Setting TZ is fine here: check
 * forks a child per test, and the library itself never looks at TZ. */
START_TEST(agrees_with_glibc_localtime)
{
    static const char *const zones[] = {
        "America/New_York",  "Australia/Sydney",   "Europe/London", "Asia/Shanghai",
        "Asia/Kolkata",      "America/Sao_Paulo",  "Pacific/Apia",  "Europe/Dublin",
        "Africa/Casablanca", "Australia/Lord_Howe"};
    const int64_t step = 3 * 86400 + 7 * 3600 + 1331;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        wg_tz *tz = load(zones[z]);
        setenv("TZ", zones[z], 1);
        tzset();
        size_t bad = 0, changes = 0;
        int64_t prev = -2208988800; /* 1900-01-01 */
        for (int64_t t = prev + step; t < 4102444800; prev = t, t += step) {
            bad += !reads_back(tz, zones[z], t);
            if (gmtoff_at(prev) == gmtoff_at(t))
                continue;
            int64_t lo = prev, hi = t; /* offset(lo) != offset(hi) */
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                if (gmtoff_at(mid) == gmtoff_at(lo))
                    lo = mid;
                else
                    hi = mid;
            }
            changes++;
            for (int64_t u = hi - 3 * 3600; u <= hi + 3 * 3600; u += 600)
                bad += !reads_back(tz, zones[z], u);
        }
        ck_assert_msg(changes > 0 || strcmp(zones[z], "Asia/Kolkata") == 0, "%s: no changes?",
                      zones[z]);
        ck_assert_msg(bad == 0, "%s: %zu disagreements with glibc", zones[z], bad);
        wg_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}
END_TEST

TCase *tcase_time(void)
{
    TCase *tc = tcase_create("time");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, iso_8601_forms);
    tcase_add_test(tc, fractional_seconds_are_truncated);
    tcase_add_test(tc, us_forms_in_new_york);
    tcase_add_test(tc, dst_edges_in_new_york);
    tcase_add_test(tc, english_free_text);
    tcase_add_test(tc, shanghai_and_fixed_offsets);
    tcase_add_test(tc, zones_beyond_the_table_and_before_it);
    tcase_add_test(tc, explicit_formats);
    tcase_add_test(tc, bad_text_is_rejected_with_the_message);
    tcase_add_test(tc, leap_days_are_accepted);
    tcase_add_test(tc, bad_text_for_a_format);
    tcase_add_test(tc, zone_loading_errors);
    tcase_add_test(tc, leap_second_zones_are_refused);
    tcase_add_test(tc, format_utc);
    tcase_add_test(tc, calendar_round_trip);
    tcase_add_test(tc, agrees_with_glibc_localtime);
    return tc;
}
