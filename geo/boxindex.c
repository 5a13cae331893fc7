/* geo/boxindex.c: boxes on a uniform grid (see wg/boxindex.h). An item is listed in every bin
 * its box meets; a query reports it only from the first of those bins inside the query's bin
 * range, so each item is seen once without a visited set. */
#include "wg/boxindex.h"

#include <math.h>
#include <stdlib.h>

struct wg_boxindex {
    double x0, y0, inv;
    size_t cols, rows;
    uint32_t *off; /* bin b lists items item[off[b] .. off[b+1]) */
    uint32_t *item;
    double *box; /* a copy of the boxes */
};

static size_t clampi(double v, size_t n)
{
    return v < 0 ? 0 : v >= (double)n ? n - 1 : (size_t)v;
}

static bool usable(const double *b)
{
    return isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]) && isfinite(b[3]) && b[0] <= b[2] &&
           b[1] <= b[3];
}

wg_status wg_boxindex_build(wg_ctx *ctx, const double *boxes, size_t n, wg_boxindex **out)
{
    if (n >= UINT32_MAX)
        return wg_fail(ctx, WG_EINPUT, "too many boxes to index (%zu)", n);
    wg_boxindex *ix = calloc(1, sizeof *ix);
    if (!ix)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a spatial index");
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY, sum = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const double *b = boxes + 4 * i;
        if (!usable(b))
            continue;
        minx = fmin(minx, b[0]);
        miny = fmin(miny, b[1]);
        maxx = fmax(maxx, b[2]);
        maxy = fmax(maxy, b[3]);
        sum += fmax(b[2] - b[0], b[3] - b[1]);
        used++;
    }
    /* bins about the size of the mean box, at most ~4 per item */
    double w = used ? maxx - minx : 0, h = used ? maxy - miny : 0;
    double s = used ? fmax(sum / (double)used, 1e-9) : 1;
    double cap = 4.0 * (double)(used ? used : 1) + 16;
    while ((floor(w / s) + 1) * (floor(h / s) + 1) > cap)
        s *= 1.5;
    ix->x0 = used ? minx : 0;
    ix->y0 = used ? miny : 0;
    ix->inv = 1 / s;
    ix->cols = (size_t)floor(w / s) + 1;
    ix->rows = (size_t)floor(h / s) + 1;
    size_t nb = ix->cols * ix->rows;
    ix->off = calloc(nb + 1, sizeof *ix->off);
    ix->box = malloc((n ? 4 * n : 1) * sizeof *ix->box);
    if (!ix->off || !ix->box) {
        wg_boxindex_free(ix);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a spatial index");
    }
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const double *b = boxes + 4 * i;
            if (!usable(b))
                continue;
            size_t c0 = clampi((b[0] - ix->x0) * ix->inv, ix->cols);
            size_t c1 = clampi((b[2] - ix->x0) * ix->inv, ix->cols);
            size_t r0 = clampi((b[1] - ix->y0) * ix->inv, ix->rows);
            size_t r1 = clampi((b[3] - ix->y0) * ix->inv, ix->rows);
            for (size_t r = r0; r <= r1; r++)
                for (size_t c = c0; c <= c1; c++) {
                    size_t bin = r * ix->cols + c;
                    if (pass == 0)
                        ix->off[bin + 1]++;
                    else
                        ix->item[ix->off[bin]++] = (uint32_t)i;
                }
        }
        if (pass == 0) {
            for (size_t b = 0; b < nb; b++)
                ix->off[b + 1] += ix->off[b];
            total = ix->off[nb];
            if (total >= UINT32_MAX ||
                !(ix->item = malloc((total ? total : 1) * sizeof *ix->item))) {
                wg_boxindex_free(ix);
                return wg_fail(ctx, WG_ENOMEM, "out of memory for a spatial index");
            }
        } else { /* the fill advanced each start to the next bin's: shift back */
            for (size_t b = nb; b > 0; b--)
                ix->off[b] = ix->off[b - 1];
            ix->off[0] = 0;
        }
    }
    for (size_t i = 0; i < 4 * n; i++)
        ix->box[i] = boxes[i];
    *out = ix;
    return WG_OK;
}

void wg_boxindex_free(wg_boxindex *ix)
{
    if (!ix)
        return;
    free(ix->off);
    free(ix->item);
    free(ix->box);
    free(ix);
}

void wg_boxindex_query(const wg_boxindex *ix, double minx, double miny, double maxx, double maxy,
                       wg_box_visit visit, void *user)
{
    if (!(minx <= maxx && miny <= maxy))
        return;
    size_t qc0 = clampi((minx - ix->x0) * ix->inv, ix->cols);
    size_t qc1 = clampi((maxx - ix->x0) * ix->inv, ix->cols);
    size_t qr0 = clampi((miny - ix->y0) * ix->inv, ix->rows);
    size_t qr1 = clampi((maxy - ix->y0) * ix->inv, ix->rows);
    for (size_t r = qr0; r <= qr1; r++)
        for (size_t c = qc0; c <= qc1; c++) {
            size_t bin = r * ix->cols + c;
            for (uint32_t k = ix->off[bin]; k < ix->off[bin + 1]; k++) {
                uint32_t i = ix->item[k];
                const double *b = ix->box + 4 * (size_t)i;
                if (b[0] > maxx || b[2] < minx || b[1] > maxy || b[3] < miny)
                    continue;
                /* report from the first bin of the item inside the query's range only */
                size_t ic0 = clampi((b[0] - ix->x0) * ix->inv, ix->cols);
                size_t ir0 = clampi((b[1] - ix->y0) * ix->inv, ix->rows);
                if ((ic0 > qc0 ? ic0 : qc0) != c || (ir0 > qr0 ? ir0 : qr0) != r)
                    continue;
                if (!visit(user, i))
                    return;
            }
        }
}

typedef struct collect {
    wg_ctx *ctx;
    wg_box_hits *h;
    bool failed;
} collect;

static bool collect_one(void *user, size_t i)
{
    collect *c = user;
    if (wg_grow(c->ctx, (void **)&c->h->v, &c->h->cap, c->h->n + 1, sizeof *c->h->v) != WG_OK) {
        c->failed = true;
        return false;
    }
    c->h->v[c->h->n++] = i;
    return true;
}

wg_status wg_boxindex_collect(wg_ctx *ctx, const wg_boxindex *ix, const double box[4],
                              wg_box_hits *hits)
{
    collect c = {ctx, hits, false};
    hits->n = 0;
    wg_boxindex_query(ix, box[0], box[1], box[2], box[3], collect_one, &c);
    return c.failed ? wg_ctx_status(ctx) : WG_OK;
}
