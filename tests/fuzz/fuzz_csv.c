/* tests/fuzz/fuzz_csv.c: a whole import of a CSV file (wg_import: GDAL's CSV driver behind
 * geo's own pass over the file, which checks the columns and maps records to lines, then the
 * field checks, times, geometry checks and the store) into the incidents, units and cameras
 * layers of a small workspace. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_workspace();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const layers[] = {"incidents", "units", "cameras"};
    fuzz_import("in.csv", data, size, layers, sizeof layers / sizeof layers[0]);
    return 0;
}
