/* tests/support_engine.c: helpers of the suites that drive the engine. */
#include "support_engine.h"

#include "wg/import.h"

void t_import(wg_ws *ws, const char *layer, const char *file, const char *text)
{
    const char *p = t_path(t_dir, file);
    t_write(p, text);
    wg_import_opts o = {.src_crs = "EPSG:4549"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, layer, p, &o, &r));
}
