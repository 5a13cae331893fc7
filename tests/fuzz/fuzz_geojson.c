/* tests/fuzz/fuzz_geojson.c: a whole import of a GeoJSON file (wg_import: GDAL reads the
 * JSON; geo checks, reprojects and repairs each geometry; the engine checks the fields and
 * stores the rows) into the units, incidents and cameras layers of a small workspace. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_workspace();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const layers[] = {"units", "incidents", "cameras"};
    fuzz_import("in.geojson", data, size, layers, sizeof layers / sizeof layers[0]);
    return 0;
}
