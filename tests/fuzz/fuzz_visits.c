/* tests/fuzz/fuzz_visits.c: the roster import of household visits (engine/io/roster.c through
 * wg_import), a CSV of worker,unit,at rows, into a workspace with workers W1, W2 and units
 * U1-U3; the times go through the time reader with the options fuzz_import() picks. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_workspace();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const layers[] = {"visits"};
    fuzz_import("in.csv", data, size, layers, 1);
    return 0;
}
