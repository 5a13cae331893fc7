/* tests/fuzz/fuzz_query.c: the service's period parameters, query_period(). The input's lines
 * are from, to, tz and category, as a query would carry them. What is taken is a period that
 * ends after it starts (when both ends are given) and at most 64 categories, none empty and
 * none with a comma; what is refused says which parameter. */
#include "fuzz.h"
#include "serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    const char *arg[4] = {NULL, NULL, NULL, NULL};
    char *p = text;
    for (int i = 0; i < 4 && p; i++) {
        arg[i] = p;
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : NULL;
    }
    wg_ctx *ctx = fuzz_ctx();
    wg_ctx_clear(ctx);
    period_q q;
    char why[512] = "";
    bool ok = query_period(ctx, arg[0], arg[1], arg[2], arg[3], &q, why, sizeof why);
    bool right = true;
    if (ok) {
        right = q.ncats <= MAX_CATS && (q.from == INT64_MIN || q.to == INT64_MAX || q.to > q.from);
        for (size_t i = 0; right && i < q.ncats; i++)
            right = q.cats[i][0] && !strchr(q.cats[i], ',');
    } else {
        right = strncmp(why, "from: ", 6) == 0 || strncmp(why, "to: ", 4) == 0 ||
                strncmp(why, "tz: ", 4) == 0 || strncmp(why, "category: ", 10) == 0;
    }
    if (!right) {
        fprintf(stderr, "fuzz_query: from '%s' to '%s' tz '%s' category '%s': %s\n",
                arg[0] ? arg[0] : "", arg[1] ? arg[1] : "", arg[2] ? arg[2] : "",
                arg[3] ? arg[3] : "", ok ? "taken wrongly" : why);
        abort();
    }
    free(text);
    return 0;
}
