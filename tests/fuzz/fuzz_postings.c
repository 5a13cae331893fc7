/* tests/fuzz/fuzz_postings.c: the roster import of postings (engine/io/roster.c through
 * wg_import), a CSV of worker,cell rows, into a workspace with workers W1, W2 and an active
 * plan of cells A, B; rows naming others are refused, which is fine too. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_workspace();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const layers[] = {"postings"};
    fuzz_import("in.csv", data, size, layers, 1);
    return 0;
}
