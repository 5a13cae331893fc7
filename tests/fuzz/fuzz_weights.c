/* tests/fuzz/fuzz_weights.c: the workload weights reader, wg_weights_parse(), on the input as
 * text. Weights read are finite, >= 0, and not all 0. */
#include "fuzz.h"
#include "wg/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wg_ctx *ctx = fuzz_ctx();
    char *text = fuzz_text(data, size);
    double w[WG_NTERMS];
    wg_status st = wg_weights_parse(ctx, text, "fuzz.csv", w);
    fuzz_expect(st, "wg_weights_parse");
    double sum = 0;
    for (int k = 0; st == WG_OK && k < WG_NTERMS; k++) {
        if (!isfinite(w[k]) || w[k] < 0) {
            fprintf(stderr, "fuzz_weights: weight of %s is %g\n", wg_term_name(k), w[k]);
            abort();
        }
        sum += w[k];
    }
    if (st == WG_OK && !(sum > 0)) {
        fprintf(stderr, "fuzz_weights: weights read, but none above 0\n");
        abort();
    }
    free(text);
    return 0;
}
