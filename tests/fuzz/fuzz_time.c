/* tests/fuzz/fuzz_time.c: the free-text date/time reader, wg_time_parse(). The input is read
 * whole without a format, in UTC and in Asia/Shanghai; when it has a line break, the first line
 * is also taken as a strptime()-style format for the rest. What is read must come back the same
 * through its ISO 8601 form. */
#include "fuzz.h"
#include "wg/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wg_tz *shanghai;

static void free_zone(void)
{
    wg_tz_free(shanghai);
    shanghai = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    wg_status st = wg_tz_load(fuzz_ctx(), "Asia/Shanghai", &shanghai);
    if (st != WG_OK) {
        fprintf(stderr, "fuzz_time: %s\n", wg_ctx_errmsg(fuzz_ctx()));
        abort();
    }
    atexit(free_zone);
    return 0;
}

/* An instant read from text must read back the same from its ISO 8601 form, when that form
 * has a 4-digit year (wg_time_parse() takes years 0000-9999 only). */
static void round_trip(wg_ctx *ctx, const char *text, int64_t t)
{
    char iso[64];
    wg_time_format_utc(t, iso, sizeof iso);
    if (iso[0] < '0' || iso[0] > '9' || strlen(iso) != 20)
        return;
    int64_t back = 0;
    wg_status st = wg_time_parse(ctx, iso, NULL, NULL, &back);
    if (st != WG_OK || back != t) {
        fprintf(stderr, "fuzz_time: '%s' read as %lld, written %s, read back %s %lld\n", text,
                (long long)t, iso,
                st == WG_OK ? "as" : "failed:", st == WG_OK ? (long long)back : 0LL);
        abort();
    }
}

static void parse(wg_ctx *ctx, const char *text, const char *fmt, const wg_tz *tz)
{
    int64_t t = 0;
    wg_status st = wg_time_parse(ctx, text, fmt, tz, &t);
    fuzz_expect(st, "wg_time_parse");
    if (st == WG_OK)
        round_trip(ctx, text, t);
    wg_ctx_clear(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wg_ctx *ctx = fuzz_ctx();
    char *text = fuzz_text(data, size);
    parse(ctx, text, NULL, NULL);
    parse(ctx, text, NULL, shanghai);
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        parse(ctx, nl + 1, text, NULL);
        parse(ctx, nl + 1, text, shanghai);
    }
    free(text);
    return 0;
}
