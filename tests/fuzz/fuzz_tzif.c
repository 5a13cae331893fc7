/* tests/fuzz/fuzz_tzif.c: the TZif reader of geo/tz.c, through wg_tz_from_tzif() (which
 * wg_tz_load() uses for the system's zone files), then the zone read at instants from 1900 to
 * the far ends of its range, and in the time reader. */
#include "fuzz.h"
#include "wg/timeparse.h"

#include <stdlib.h>
#include <string.h>

/* Where the results go, so that the calls are not left out. */
static volatile int64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wg_ctx *ctx = fuzz_ctx();
    wg_tz *tz = NULL;
    wg_status st = wg_tz_from_tzif(ctx, "fuzz", data, size, &tz);
    fuzz_expect(st, "wg_tz_from_tzif");
    if (st != WG_OK)
        return 0;
    static const int64_t local[] = {INT64_MIN,
                                    -(INT64_C(1) << 53) - 1,
                                    -(INT64_C(1) << 53),
                                    INT64_C(-62135596800), /* 0001-01-01 */
                                    INT64_C(-2208988800),  /* 1900-01-01 */
                                    INT64_C(-1),
                                    0,
                                    INT64_C(1300000000),
                                    INT64_C(1710037800), /* 2024-03-10 02:30, in a US gap */
                                    INT64_C(1730856600), /* 2024-11-06 01:30, repeated */
                                    INT64_C(2147483647),
                                    INT64_C(4102444800), /* 2100-01-01, past the tables */
                                    INT64_C(253402300799),
                                    INT64_C(1) << 53,
                                    INT64_MAX};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        sink = wg_tz_to_utc(tz, local[i]);
    /* and at instants the input itself gives, a year or so apart, through the zone's rule */
    for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
        int64_t t = 0;
        memcpy(&t, data + i, sizeof t);
        sink = wg_tz_to_utc(tz, t % (INT64_C(1) << 40));
    }
    static const char *const text[] = {"2024-03-10 02:30", "2024-11-03T01:30:00",
                                       "9999-12-31 23:59:59", "0000-01-01", "1901-12-13 20:45:52"};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        int64_t t = 0;
        fuzz_expect(wg_time_parse(ctx, text[i], NULL, tz, &t), "wg_time_parse");
        sink = t;
    }
    wg_tz_free(tz);
    return 0;
}
