/* tests/fuzz/fuzz_wkb.c: geometry from WKB, wg_geom_from_wkb(), then what import and the
 * engine do with a geometry: its kind, emptiness, area, length, parts, box, boundary, the
 * stored (multi) form written back to WKB and read again, and the points that stand for it.
 * A geometry operation may fail on a strange shape (WG_EGEOS, with a message); it must not
 * crash, leak, or fail in any other way. */
#include "fuzz.h"
#include "wg/geom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* GEOS refuses bytes it cannot read, or a shape it cannot handle, with WG_EGEOS. */
static bool expect(wg_ctx *ctx, wg_status st, const char *what)
{
    if (st != WG_OK && st != WG_EGEOS && st != WG_EINPUT) {
        fprintf(stderr, "fuzz_wkb: %s: status %d (%s): %s\n", what, st, wg_status_str(st),
                wg_ctx_errmsg(ctx));
        abort();
    }
    wg_ctx_clear(ctx);
    return st == WG_OK;
}

static void use(wg_ctx *ctx, const wg_geom *g)
{
    double v = 0, box[4], x, y;
    size_t n = 0;
    (void)wg_geom_kind(ctx, g);
    (void)wg_geom_is_empty(ctx, g);
    wg_ctx_clear(ctx);
    expect(ctx, wg_geom_area(ctx, g, &v), "area");
    expect(ctx, wg_geom_length(ctx, g, &v), "length");
    expect(ctx, wg_geom_nparts(ctx, g, &n), "nparts");
    expect(ctx, wg_geom_bbox(ctx, g, box), "bbox");
    expect(ctx, wg_geom_centroid(ctx, g, &x, &y), "centroid");
    expect(ctx, wg_geom_surface_point(ctx, g, &x, &y), "surface point");
    expect(ctx, wg_geom_inner_point(ctx, g, &x, &y), "inner point");
    wg_geom *b = NULL;
    if (expect(ctx, wg_geom_boundary(ctx, g, &b), "boundary"))
        wg_geom_free(ctx, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wg_ctx *ctx = fuzz_ctx();
    wg_geom *g = NULL;
    if (!expect(ctx, wg_geom_from_wkb(ctx, data, size, &g), "from WKB"))
        return 0;
    use(ctx, g);
    /* the stored form, as an import writes it, must read back */
    wg_geom *m = NULL, *back = NULL;
    unsigned char *wkb = NULL;
    size_t len = 0;
    if (expect(ctx, wg_geom_multi(ctx, g, &m), "multi") &&
        expect(ctx, wg_geom_to_wkb(ctx, m, &wkb, &len), "to WKB")) {
        wg_status st = wg_geom_from_wkb(ctx, wkb, len, &back);
        if (st != WG_OK) {
            fprintf(stderr, "fuzz_wkb: the stored form (%zu bytes) does not read back: %s\n", len,
                    wg_ctx_errmsg(ctx));
            abort();
        }
        use(ctx, back);
    }
    free(wkb);
    wg_geom_free(ctx, back);
    wg_geom_free(ctx, m);
    wg_geom_free(ctx, g);
    return 0;
}
