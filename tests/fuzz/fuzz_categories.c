/* tests/fuzz/fuzz_categories.c: the categories table reader, wg_categories_parse(), on the
 * input as text; a table read is then looked up by each of its codes. */
#include "fuzz.h"
#include "wg/store.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wg_ctx *ctx = fuzz_ctx();
    char *text = fuzz_text(data, size);
    wg_categories t = {.star = -1};
    wg_status st = wg_categories_parse(ctx, text, "fuzz.csv", &t);
    fuzz_expect(st, "wg_categories_parse");
    for (size_t i = 0; st == WG_OK && i < t.n; i++) {
        long k = wg_categories_find(&t, t.code[i]);
        if (k < 0 || (size_t)k >= t.n) {
            fprintf(stderr, "fuzz_categories: code '%s' (row %zu) not found\n", t.code[i], i);
            abort();
        }
    }
    wg_categories_free(&t);
    free(text);
    return 0;
}
