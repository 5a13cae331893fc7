/* geo/density.c: kernel density rasters (see wg/density.h). Plain arrays; knows nothing of
 * incidents.
 *
 * Three steps.
 * 1. The sampled kernel ("stencil"): its values at every pixel offset within the radius, in
 *    output units (per km², normalisation applied), kept as ky + 1 rows of 2 kx + 1 values
 *    (it is symmetric in dy), with the run [-half, half] of each row where it is positive.
 * 2. Binning into a padded grid G: the raster grown by kx columns and ky rows on every side,
 *    so that points just outside the raster still count (by a counting sort into bands of
 *    rows, see below; every bin sums its points in input order whatever the threads).
 * 3. Convolution of G with the stencil, by the cheaper of two methods (a cost estimate):
 *    - direct: every occupied bin adds its stencil into the raster (cost: occupied bins x
 *      taps), best for small radii and sparse points;
 *    - FFT, overlap-save in tiles: a tile of Tx x Ty bins is transformed (FFTW r2c), multiplied
 *      by the stencil's spectrum and transformed back; its central (Tx - 2kx) x (Ty - 2ky)
 *      pixels are exact linear convolution (nothing wraps around), so tiles overlap by the
 *      kernel's width. Why tiles: one 4200² transform pair (a 4096² raster, 150 m radius at
 *      7.3 m pixels) runs out of cache at ~39 ns a pixel on the 2-core test machine; 384² tiles
 *      cost ~5 ns a pixel plus 25% overlap, and tiles share out among threads with no
 *      coordination. The tile size minimises an estimated cost (transform n log n, with a
 *      penalty once a tile's buffers outgrow the cache) over sizes FFTW does well.
 *
 * Exact zeros without clamping. FFT rounding leaves noise of order eps x (weight in the tile)
 * x (the stencil's sum) everywhere, including pixels whose true value is 0 and, being a sum
 * of non-negative terms, is otherwise never below 0. So for each pixel of a tile:
 *    - if the (2kx + 1) x (2ky + 1) window of bins around it is empty (a summed-area table of
 *      the occupied bins, exact in integers), it is 0;
 *    - else if the FFT value exceeds a generous bound E on that noise, it is kept: its true
 *      value is positive and known to within E;
 *    - else it is recomputed exactly from the bins under the stencil's positive runs (each
 *      run first checked empty in O(1) with the same table), which gives exactly 0 when no
 *      point lies where the kernel is positive, and an exact small value otherwise.
 * Only the fringes of the point cloud reach the last case, so it costs little (stats count
 * it), and every pixel is either exactly 0 or positive. */
#include "wg/density.h"

#include "geo_int.h"

#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

/* M_PI is POSIX, not C17. */
#define PI 3.14159265358979323846

#define MAX_THREADS 64
/* A tile's transform at most this many pixels (its buffers take 28 bytes a pixel). */
#define MAX_TILE_PIXELS ((size_t)1 << 25)
/* Per km² from per m². */
#define PER_KM2 1e6

/* The cost model, in nanoseconds, fitted on the 2-core test machine (bench_density prints
 * both methods' times): an FFT pair costs FFT_NS x log2(pixels) a pixel while its buffers fit
 * CACHE_BYTES, and 1 + log2(overflow) / 2 times more beyond; a tile's other passes (copy,
 * summed-area table, product, output) TILE_NS a pixel; the direct method, for each occupied
 * bin, TAP_NS a tap and RUN_NS a row of the kernel, plus SCAN_NS a padded bin (a least-squares
 * fit over radii of 2 to 40 pixels and 1e4 to 1e7 points). */
#define FFT_NS 0.27
#define CACHE_BYTES (8.0 * 1024 * 1024)
#define TILE_NS 6.0
#define TAP_NS 0.23
#define RUN_NS 4.8
#define SCAN_NS 2.4

static const char *const kernel_names[WG_KERNEL_COUNT] = {"quartic",    "triweight", "epanechnikov",
                                                          "triangular", "uniform",   "gaussian"};

const char *wg_kernel_name(wg_kernel k)
{
    return (unsigned)k < WG_KERNEL_COUNT ? kernel_names[k] : NULL;
}

bool wg_kernel_from_name(const char *name, wg_kernel *out)
{
    if (!name)
        return false;
    if (strcasecmp(name, "biweight") == 0) {
        *out = WG_KERNEL_QUARTIC;
        return true;
    }
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        if (strcasecmp(name, kernel_names[k]) == 0) {
            *out = (wg_kernel)k;
            return true;
        }
    }
    return false;
}

/* ---- the grid ---------------------------------------------------------------------------- */

static wg_status check_box(wg_ctx *ctx, double xmin, double ymin, double xmax, double ymax)
{
    if (!isfinite(xmin) || !isfinite(ymin) || !isfinite(xmax) || !isfinite(ymax))
        return wg_fail(ctx, WG_EINPUT, "raster box (%g, %g, %g, %g) has a non-finite coordinate",
                       xmin, ymin, xmax, ymax);
    if (!(xmax > xmin) || !(ymax > ymin))
        return wg_fail(ctx, WG_EINPUT,
                       "raster box (%g, %g, %g, %g) is empty (it needs xmax > xmin, ymax > ymin)",
                       xmin, ymin, xmax, ymax);
    return WG_OK;
}

static wg_status check_size(wg_ctx *ctx, size_t cols, size_t rows)
{
    if (cols == 0 || rows == 0)
        return wg_fail(ctx, WG_EINPUT, "raster of %zu x %zu pixels is empty", cols, rows);
    if (cols > WG_DENSITY_MAX_SIDE || rows > WG_DENSITY_MAX_SIDE ||
        cols * rows > WG_DENSITY_MAX_PIXELS)
        return wg_fail(ctx, WG_EINPUT,
                       "raster of %zu x %zu pixels is too large (at most %zu a side and %zu "
                       "pixels)",
                       cols, rows, WG_DENSITY_MAX_SIDE, WG_DENSITY_MAX_PIXELS);
    return WG_OK;
}

/* ceil(span / pixel), dropping a remainder under 1e-9 of a pixel; at least 1. */
static double pixels_across(double span, double pixel)
{
    double n = ceil(span / pixel - 1e-9);
    return n < 1 ? 1 : n;
}

wg_status wg_raster_grid_by_pixel(wg_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                                  double pixel_m, wg_raster_grid *out)
{
    wg_status st = check_box(ctx, xmin, ymin, xmax, ymax);
    if (st != WG_OK)
        return st;
    if (!(pixel_m > 0) || !isfinite(pixel_m))
        return wg_fail(ctx, WG_EINPUT, "pixel size %g m (must be positive and finite)", pixel_m);
    double cols = pixels_across(xmax - xmin, pixel_m), rows = pixels_across(ymax - ymin, pixel_m);
    if (!(cols <= (double)WG_DENSITY_MAX_SIDE && rows <= (double)WG_DENSITY_MAX_SIDE))
        return wg_fail(ctx, WG_EINPUT,
                       "raster of %.0f x %.0f pixels of %g m is too large (at most %zu a side)",
                       cols, rows, pixel_m, WG_DENSITY_MAX_SIDE);
    st = check_size(ctx, (size_t)cols, (size_t)rows);
    if (st != WG_OK)
        return st;
    *out = (wg_raster_grid){xmin, ymax, pixel_m, pixel_m, (size_t)cols, (size_t)rows};
    return WG_OK;
}

wg_status wg_raster_grid_by_size(wg_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                                 size_t cols, size_t rows, wg_raster_grid *out)
{
    wg_status st = check_box(ctx, xmin, ymin, xmax, ymax);
    if (st == WG_OK)
        st = check_size(ctx, cols, rows);
    if (st != WG_OK)
        return st;
    *out = (wg_raster_grid){xmin, ymax, (xmax - xmin) / (double)cols, (ymax - ymin) / (double)rows,
                            cols, rows};
    return WG_OK;
}

static wg_status check_grid(wg_ctx *ctx, const wg_raster_grid *g)
{
    if (!isfinite(g->xmin) || !isfinite(g->ymax))
        return wg_fail(ctx, WG_EINPUT, "raster corner (%g, %g) is not finite", g->xmin, g->ymax);
    if (!(g->px > 0) || !isfinite(g->px) || !(g->py > 0) || !isfinite(g->py))
        return wg_fail(ctx, WG_EINPUT, "raster pixel size %g x %g m (must be positive and finite)",
                       g->px, g->py);
    return check_size(ctx, g->cols, g->rows);
}

/* ---- the kernel ------------------------------------------------------------------------- */

/* The continuous kernel (per m²) at u2 = (d / R)² <= 1, for r2 = R². */
static double kernel_at(wg_kernel k, double u2, double r2)
{
    double t = 1.0 - u2;
    switch (k) {
    case WG_KERNEL_QUARTIC:
        return 3.0 / (PI * r2) * (t * t);
    case WG_KERNEL_TRIWEIGHT:
        return 4.0 / (PI * r2) * (t * t * t);
    case WG_KERNEL_EPANECHNIKOV:
        return 2.0 / (PI * r2) * t;
    case WG_KERNEL_TRIANGULAR:
        return 3.0 / (PI * r2) * (1.0 - sqrt(u2));
    case WG_KERNEL_UNIFORM:
        return 1.0 / (PI * r2);
    case WG_KERNEL_GAUSSIAN:
        return 8.0 / (PI * r2 * -expm1(-8.0)) * exp(-8.0 * u2);
    }
    return 0.0;
}

typedef struct stencil {
    size_t kx, ky; /* half-widths in pixels */
    size_t w;      /* 2 kx + 1 */
    double *row;   /* row[|dy| * w + kx + dx]: the value at offset (dx, dy), output units */
    long *half;    /* half[|dy|]: positive for |dx| <= half; -1 when nowhere in that row */
    size_t taps;   /* offsets where it is positive */
    size_t runs;   /* rows where it is positive */
    double sum;    /* its sum over all offsets, output units */
    double mass;   /* sum of the continuous kernel x px py: one point's mass before scaling */
} stencil;

static void stencil_free(stencil *s)
{
    free(s->row);
    free(s->half);
}

/* The largest k with (k * p)² <= r2, the same test the stencil applies. */
static size_t half_width(double radius, double p, double r2)
{
    double k = floor(radius / p);
    while (k > 0 && (k * p) * (k * p) > r2)
        k--;
    while (((k + 1) * p) * ((k + 1) * p) <= r2)
        k++;
    return (size_t)k;
}

static wg_status stencil_build(wg_ctx *ctx, const wg_raster_grid *g, const wg_density_opts *o,
                               stencil *s)
{
    double R = o->radius_m, r2 = R * R;
    double rx = R / g->px, ry = R / g->py;
    if (!(rx <= WG_DENSITY_MAX_RADIUS_PX && ry <= WG_DENSITY_MAX_RADIUS_PX))
        return wg_fail(ctx, WG_EINPUT,
                       "radius %g m is %.0f pixels of %g x %g m: at most %d (use larger pixels)", R,
                       rx > ry ? rx : ry, g->px, g->py, WG_DENSITY_MAX_RADIUS_PX);
    memset(s, 0, sizeof *s);
    s->kx = half_width(R, g->px, r2);
    s->ky = half_width(R, g->py, r2);
    s->w = 2 * s->kx + 1;
    s->row = malloc((s->ky + 1) * s->w * sizeof *s->row);
    s->half = malloc((s->ky + 1) * sizeof *s->half);
    if (!s->row || !s->half) {
        stencil_free(s);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for a kernel of %zu x %zu pixels", s->w,
                       2 * s->ky + 1);
    }
    double raw = 0.0; /* sum of the continuous kernel over all offsets */
    for (size_t ady = 0; ady <= s->ky; ady++) {
        double oy = (double)ady * g->py, *v = s->row + ady * s->w + s->kx;
        for (size_t adx = 0; adx <= s->kx; adx++) {
            double ox = (double)adx * g->px, d2 = ox * ox + oy * oy;
            double k = d2 <= r2 ? kernel_at(o->kernel, d2 / r2, r2) : 0.0;
            v[adx] = v[-(long)adx] = k;
            raw += k * (adx ? 2.0 : 1.0) * (ady ? 2.0 : 1.0);
        }
    }
    s->mass = raw * g->px * g->py;
    double scale = PER_KM2 * (o->norm == WG_DENSITY_NORM_DISCRETE ? 1.0 / s->mass : 1.0);
    for (size_t ady = 0; ady <= s->ky; ady++) {
        double *v = s->row + ady * s->w;
        long half = -1;
        for (size_t i = 0; i < s->w; i++) {
            v[i] *= scale;
            if (v[i] > 0 && (long)i - (long)s->kx > half)
                half = (long)i - (long)s->kx;
        }
        s->half[ady] = half;
        if (half >= 0) {
            s->taps += (size_t)(2 * half + 1) * (ady ? 2 : 1);
            s->runs += ady ? 2 : 1;
        }
    }
    s->sum = raw * scale;
    return WG_OK;
}

/* ---- threads ------------------------------------------------------------------------------ */

/* Runs fn(args + t * size) for t in [0, nt): t = 0 on the calling thread, the others on new
 * threads (inline, after, when a thread cannot start). */
static void run_threads(int nt, void *(*fn)(void *), void *args, size_t size)
{
    pthread_t th[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    char *a = args;
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, fn, a + (size_t)t * size) == 0;
    fn(a);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn(a + (size_t)t * size);
    }
}

/* ---- big buffers ------------------------------------------------------------------------- */

/* The padded grid is large (137 MB for a 4096² raster) and written at random, and the sorted
 * points and the tiles' buffers are tens of MB. Fresh memory arrives a page at a time, and on
 * the 2-core test VM each 4 KiB page fault costs microseconds: asking for transparent huge
 * pages (where the kernel grants them on request) turns 33,000 faults of the grid into 70 and
 * spares the binning most of its TLB misses. Buffers start zeroed and are aligned as
 * fftw_malloc aligns (a mapping is page-aligned), so FFTW may run one plan on any of them. */
#define BIG_BYTES ((size_t)4 << 20)

typedef struct big {
    void *p;
    size_t mapped; /* bytes of an mmap, or 0 for fftw_malloc */
} big;

static void *big_alloc(big *b, size_t n, size_t size)
{
    b->p = NULL;
    b->mapped = 0;
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size > 0 ? n * size : 1;
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (bytes >= BIG_BYTES) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE); /* advice: failure changes nothing */
        b->mapped = bytes;
        return b->p = p;
    }
#endif
    b->p = fftw_malloc(bytes);
    if (b->p)
        memset(b->p, 0, bytes);
    return b->p;
}

static void big_free(big *b)
{
    if (b->mapped)
        munmap(b->p, b->mapped);
    else
        fftw_free(b->p);
    b->p = NULL;
    b->mapped = 0;
}

/* ---- binning ------------------------------------------------------------------------------ */

/* Points arrive in any order, and adding each to its bin at random in a grid of 100+ MB is
 * bound by cache and TLB misses (~50 ns a point). So binning is a counting sort by bands of
 * rows small enough for the cache (BAND_BYTES): (1) count each band's points, (2) scatter
 * each point's index within its band (and its weight) into the band's slice, (3) add each
 * band's points into its bins, band by band. Threads take slices of the points in (1) and (2)
 * and whole bands in (3); a band's slice keeps the points in input order, so every bin sums
 * its points in input order and the grid is the same whatever the number of threads. */
#define BAND_BYTES ((size_t)1024 << 10)

typedef struct binner {
    const wg_raster_grid *g;
    double kx, ky, cmax, rmax; /* the padded grid's extent, in raster columns and rows */
    size_t gx, band_rows, nbands;
    const double *xy, *w;
    double *G;
    uint32_t *slot; /* (2): each point's bin within its band, grouped by band */
    double *slot_w; /* (2): its weight, when weighted */
    size_t *start;  /* nbands + 1: where each band's slice begins */
} binner;

typedef struct bin_job {
    const binner *B;
    size_t i0, i1; /* (1), (2): this thread's points */
    size_t b0, b1; /* (3): this thread's bands */
    size_t *next;  /* (1): per band, its points here; (2): where the next one goes */
    size_t nonfinite, far, binned, occupied;
    double weight;
} bin_job;

/* The bin of point i in the padded grid (row gr, column gc), or false when it has none. */
static inline bool bin_of(const binner *B, size_t i, size_t *gr, size_t *gc, bool *nonfinite)
{
    double x = B->xy[2 * i], y = B->xy[2 * i + 1];
    *nonfinite = !isfinite(x) || !isfinite(y);
    double c = floor((x - B->g->xmin) / B->g->px), r = floor((B->g->ymax - y) / B->g->py);
    if (!(c >= -B->kx && c < B->cmax && r >= -B->ky && r < B->rmax))
        return false;          /* NaN fails here too */
    *gr = (size_t)(r + B->ky); /* exact: small integers */
    *gc = (size_t)(c + B->kx);
    return true;
}

static void *bin_count(void *p)
{
    bin_job *J = p;
    const binner *B = J->B;
    for (size_t i = J->i0; i < J->i1; i++) {
        size_t gr, gc;
        bool nonfinite;
        if (bin_of(B, i, &gr, &gc, &nonfinite))
            J->next[gr / B->band_rows]++;
        else if (nonfinite)
            J->nonfinite++;
        else
            J->far++;
    }
    return NULL;
}

static void *bin_scatter(void *p)
{
    bin_job *J = p;
    const binner *B = J->B;
    for (size_t i = J->i0; i < J->i1; i++) {
        size_t gr, gc;
        bool nonfinite;
        if (!bin_of(B, i, &gr, &gc, &nonfinite))
            continue;
        size_t band = gr / B->band_rows, at = J->next[band]++;
        B->slot[at] = (uint32_t)((gr - band * B->band_rows) * B->gx + gc);
        if (B->w)
            B->slot_w[at] = B->w[i];
    }
    return NULL;
}

static void *bin_add(void *p)
{
    bin_job *J = p;
    const binner *B = J->B;
    for (size_t band = J->b0; band < J->b1; band++) {
        double *bins = B->G + band * B->band_rows * B->gx;
        for (size_t at = B->start[band]; at < B->start[band + 1]; at++) {
            double wi = B->w ? B->slot_w[at] : 1.0, *b = bins + B->slot[at];
            J->occupied += *b == 0 && wi != 0;
            *b += wi;
            J->weight += wi;
        }
        J->binned += B->start[band + 1] - B->start[band];
    }
    return NULL;
}

/* Bins the points into G (gx x gy, zeroed); returns the number of occupied bins, or
 * (size_t)-1 when out of memory (with the error on ctx). */
static size_t bin_all(wg_ctx *ctx, const wg_raster_grid *g, const stencil *s, const double *xy,
                      const double *w, size_t n, double *G, int nt, wg_density_stats *stats)
{
    size_t gx = g->cols + 2 * s->kx, gy = g->rows + 2 * s->ky;
    size_t band_rows = BAND_BYTES / sizeof(double) / gx;
    band_rows = band_rows ? band_rows : 1;
    binner B = {.g = g,
                .kx = (double)s->kx,
                .ky = (double)s->ky,
                .gx = gx,
                .band_rows = band_rows,
                .nbands = (gy + band_rows - 1) / band_rows,
                .xy = xy,
                .w = w,
                .G = G};
    B.cmax = (double)g->cols + B.kx;
    B.rmax = (double)g->rows + B.ky;
    bin_job J[MAX_THREADS];
    big slot, slot_w = {0};
    size_t *counts = calloc((size_t)nt * B.nbands, sizeof *counts);
    B.start = malloc((B.nbands + 1) * sizeof *B.start);
    B.slot = big_alloc(&slot, n, sizeof *B.slot);
    B.slot_w = w ? big_alloc(&slot_w, n, sizeof *B.slot_w) : NULL;
    if (!counts || !B.start || !B.slot || (w && !B.slot_w)) {
        free(counts), free(B.start), big_free(&slot), big_free(&slot_w);
        wg_fail(ctx, WG_ENOMEM, "out of memory sorting %zu points into bins", n);
        return (size_t)-1;
    }
    for (int t = 0; t < nt; t++)
        J[t] = (bin_job){.B = &B,
                         .i0 = n * (size_t)t / (size_t)nt,
                         .i1 = n * (size_t)(t + 1) / (size_t)nt,
                         .next = counts + t * B.nbands,
                         .b0 = B.nbands * (size_t)t / (size_t)nt,
                         .b1 = B.nbands * (size_t)(t + 1) / (size_t)nt};
    run_threads(nt, bin_count, J, sizeof J[0]);
    /* Band by band, thread by thread: each thread's points of a band follow the previous
     * thread's, so a band's slice is in input order. */
    size_t at = 0;
    for (size_t band = 0; band < B.nbands; band++) {
        B.start[band] = at;
        for (int t = 0; t < nt; t++) {
            size_t k = J[t].next[band];
            J[t].next[band] = at;
            at += k;
        }
    }
    B.start[B.nbands] = at;
    run_threads(nt, bin_scatter, J, sizeof J[0]);
    run_threads(nt, bin_add, J, sizeof J[0]);
    size_t occupied = 0;
    for (int t = 0; t < nt; t++) {
        stats->points_nonfinite += J[t].nonfinite;
        stats->points_far += J[t].far;
        stats->points_binned += J[t].binned;
        stats->weight_binned += J[t].weight;
        occupied += J[t].occupied;
    }
    free(counts), free(B.start), big_free(&slot), big_free(&slot_w);
    return occupied;
}

/* ---- direct convolution -------------------------------------------------------------------- */

typedef struct direct_job {
    wg_ctx *ctx;
    const stencil *s;
    const double *G;
    size_t gx, gy, cols;
    double *out;
    size_t r0, r1; /* this thread's rows of the raster */
    bool stopped;
} direct_job;

/* Adds bin value b, snapped to raster column cc (maybe off the raster), into raster row r at
 * offset |dy| = ady. */
static void add_run(const direct_job *J, double b, long cc, size_t ady, size_t r)
{
    const stencil *s = J->s;
    long half = s->half[ady];
    if (half < 0)
        return;
    long lo = cc - half < 0 ? 0 : cc - half;
    long hi = cc + half >= (long)J->cols ? (long)J->cols - 1 : cc + half;
    if (lo > hi)
        return;
    const double *v = s->row + ady * s->w + (long)s->kx + (lo - cc);
    double *o = J->out + r * J->cols;
    for (long c = lo; c <= hi; c++)
        o[c] += b * v[c - lo];
}

static void *direct_rows(void *p)
{
    direct_job *J = p;
    const stencil *s = J->s;
    if (J->r0 >= J->r1)
        return NULL;
    memset(J->out + J->r0 * J->cols, 0, (J->r1 - J->r0) * J->cols * sizeof *J->out);
    /* Bin row gr (raster row gr - ky) reaches raster rows gr - 2ky .. gr. */
    size_t end = J->r1 + 2 * s->ky < J->gy ? J->r1 + 2 * s->ky : J->gy;
    for (size_t gr = J->r0; gr < end; gr++) {
        if ((gr & 63) == 0 && wg_ctx_cancelled(J->ctx)) {
            J->stopped = true;
            return NULL;
        }
        const double *bins = J->G + gr * J->gx;
        for (size_t gc = 0; gc < J->gx; gc++) {
            if (bins[gc] == 0)
                continue;
            long cc = (long)gc - (long)s->kx;
            size_t rlo = gr >= 2 * s->ky && gr - 2 * s->ky > J->r0 ? gr - 2 * s->ky : J->r0;
            size_t rhi = gr < J->r1 ? gr : J->r1 - 1;
            for (size_t r = rlo; r <= rhi; r++) {
                long dy = (long)r - ((long)gr - (long)s->ky);
                add_run(J, bins[gc], cc, (size_t)labs(dy), r);
            }
        }
    }
    return NULL;
}

/* The raster from the padded grid G (gx x gy), bin by bin, on nt threads taking bands of
 * rows. */
static wg_status convolve_direct(wg_ctx *ctx, const stencil *s, const double *G, size_t gx,
                                 size_t gy, const wg_raster_grid *g, int nt, double *out)
{
    direct_job D[MAX_THREADS];
    for (int t = 0; t < nt; t++)
        D[t] = (direct_job){.ctx = ctx,
                            .s = s,
                            .G = G,
                            .gx = gx,
                            .gy = gy,
                            .cols = g->cols,
                            .out = out,
                            .r0 = g->rows * (size_t)t / (size_t)nt,
                            .r1 = g->rows * (size_t)(t + 1) / (size_t)nt};
    run_threads(nt, direct_rows, D, sizeof D[0]);
    for (int t = 0; t < nt; t++)
        if (D[t].stopped)
            return wg_fail(ctx, WG_EINTR, "density raster interrupted");
    return WG_OK;
}

/* ---- FFT convolution in tiles ----------------------------------------------------------- */

/* FFTW's planner is not thread-safe; executing plans is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Transform sizes: 2^a times 1, 3, 5 or 15 (a >= 1). FFTW does these fastest on the test
 * machine (radix 7 and 9 cost up to 40% more a pixel), and consecutive sizes are at most 25%
 * apart. */
static size_t next_size(size_t n)
{
    size_t best = SIZE_MAX;
    static const size_t odd[] = {1, 3, 5, 15};
    for (int i = 0; i < 4; i++) {
        size_t m = 2 * odd[i];
        while (m < n)
            m *= 2;
        best = m < best ? m : best;
    }
    return best;
}

/* Estimated nanoseconds for the raster in tiles of tx x ty (k the half-widths). */
static double tile_cost(size_t cols, size_t rows, size_t kx, size_t ky, size_t tx, size_t ty)
{
    double pix = (double)tx * (double)ty;
    size_t ntx = (cols + (tx - 2 * kx) - 1) / (tx - 2 * kx);
    size_t nty = (rows + (ty - 2 * ky) - 1) / (ty - 2 * ky);
    double over = pix * 16.0 / CACHE_BYTES;
    double pen = over > 1 ? 1 + log2(over) / 2 : 1;
    double fft = FFT_NS * log2(pix) * pen;
    return (double)ntx * (double)nty * pix * (fft + TILE_NS) + pix * fft / 2; /* + spectrum */
}

/* The cheapest tile size; false when none fits MAX_TILE_PIXELS. */
static bool choose_tiles(size_t cols, size_t rows, size_t kx, size_t ky, size_t *tx, size_t *ty,
                         double *cost)
{
    size_t xlo = next_size(2 * kx + 2), xhi = next_size(cols + 2 * kx);
    size_t ylo = next_size(2 * ky + 2), yhi = next_size(rows + 2 * ky);
    bool found = false;
    for (size_t a = xlo; a <= xhi; a = next_size(a + 1)) {
        for (size_t b = ylo; b <= yhi; b = next_size(b + 1)) {
            if (a * b > MAX_TILE_PIXELS)
                break;
            double c = tile_cost(cols, rows, kx, ky, a, b);
            if (!found || c < *cost) {
                *cost = c;
                *tx = a;
                *ty = b;
                found = true;
            }
        }
    }
    return found;
}

typedef struct fft_job {
    wg_ctx *ctx;
    const stencil *s;
    const double *G;
    size_t gx, gy, cols, rows;
    size_t tx, ty, vx, vy, ntx, ntiles;
    const double *khat; /* the stencil's spectrum (real: it is even), divided by tx ty */
    fftw_plan fwd, inv;
    double eps; /* the noise bound E of a tile is eps x its weight */
    double *out;
    atomic_size_t next, done;
    atomic_int stop;
} fft_job;

typedef struct fft_worker {
    fft_job *J;
    double *in, *res;
    fftw_complex *spec;
    uint32_t *sat; /* (ty + 1) x (tx + 1): occupied bins above and left of each corner */
    big mem[4];
    size_t empty, exact;
    bool main;
} fft_worker;

static void fft_worker_free(fft_worker *W)
{
    for (int i = 0; i < 4; i++)
        big_free(&W->mem[i]);
}

static bool fft_worker_alloc(fft_worker *W, fft_job *J)
{
    size_t pix = J->tx * J->ty;
    W->J = J;
    W->in = big_alloc(&W->mem[0], pix, sizeof *W->in);
    W->res = big_alloc(&W->mem[1], pix, sizeof *W->res);
    W->spec = big_alloc(&W->mem[2], J->ty * (J->tx / 2 + 1), sizeof *W->spec);
    W->sat = big_alloc(&W->mem[3], (J->tx + 1) * (J->ty + 1), sizeof *W->sat);
    return W->in && W->res && W->spec && W->sat;
}

/* Occupied bins in tile rows [y0, y1] and columns [x0, x1]. */
static uint32_t sat_count(const fft_worker *W, size_t y0, size_t y1, size_t x0, size_t x1)
{
    size_t st = W->J->tx + 1;
    const uint32_t *s = W->sat;
    return s[(y1 + 1) * st + x1 + 1] - s[y0 * st + x1 + 1] - s[(y1 + 1) * st + x0] +
           s[y0 * st + x0];
}

/* The exact value at tile position (cy, cx) (a pixel's centre bin), from the bins. */
static double exact_at(const fft_worker *W, size_t cy, size_t cx)
{
    const fft_job *J = W->J;
    const stencil *s = J->s;
    double sum = 0.0;
    for (long dy = -(long)s->ky; dy <= (long)s->ky; dy++) {
        long half = s->half[labs(dy)];
        if (half < 0)
            continue;
        size_t y = (size_t)((long)cy + dy), x0 = cx - (size_t)half, x1 = cx + (size_t)half;
        if (sat_count(W, y, y, x0, x1) == 0)
            continue;
        const double *v = s->row + (size_t)labs(dy) * s->w + s->kx;
        const double *b = W->in + y * J->tx + cx;
        for (long dx = -half; dx <= half; dx++)
            sum += b[dx] * v[dx];
    }
    return sum;
}

/* Copies the tile's bins from G (zeros past its edge); returns their sum. */
static double tile_load(fft_worker *W, size_t ox, size_t oy)
{
    const fft_job *J = W->J;
    double total = 0.0;
    size_t nx = ox + J->tx <= J->gx ? J->tx : J->gx - ox;
    for (size_t j = 0; j < J->ty; j++) {
        double *dst = W->in + j * J->tx;
        size_t n = oy + j < J->gy ? nx : 0;
        if (n)
            memcpy(dst, J->G + (oy + j) * J->gx + ox, n * sizeof *dst);
        memset(dst + n, 0, (J->tx - n) * sizeof *dst);
        for (size_t i = 0; i < n; i++)
            total += dst[i];
    }
    return total;
}

static void tile_sat(fft_worker *W)
{
    const fft_job *J = W->J;
    size_t st = J->tx + 1;
    memset(W->sat, 0, st * sizeof *W->sat);
    for (size_t j = 0; j < J->ty; j++) {
        uint32_t run = 0, *up = W->sat + j * st, *cur = up + st;
        const double *b = W->in + j * J->tx;
        cur[0] = 0;
        for (size_t i = 0; i < J->tx; i++) {
            run += b[i] != 0;
            cur[i + 1] = up[i + 1] + run;
        }
    }
}

static void tile_run(fft_worker *W, size_t t)
{
    const fft_job *J = W->J;
    const stencil *s = J->s;
    size_t ox = (t % J->ntx) * J->vx, oy = (t / J->ntx) * J->vy;
    size_t vw = J->cols - ox < J->vx ? J->cols - ox : J->vx;
    size_t vh = J->rows - oy < J->vy ? J->rows - oy : J->vy;
    double total = tile_load(W, ox, oy);
    if (total == 0) { /* no point: the tile's pixels are 0 */
        for (size_t j = 0; j < vh; j++)
            memset(J->out + (oy + j) * J->cols + ox, 0, vw * sizeof *J->out);
        W->empty++;
        return;
    }
    tile_sat(W);
    fftw_execute_dft_r2c(J->fwd, W->in, W->spec);
    size_t nspec = J->ty * (J->tx / 2 + 1);
    for (size_t i = 0; i < nspec; i++) {
        W->spec[i][0] *= J->khat[i];
        W->spec[i][1] *= J->khat[i];
    }
    fftw_execute_dft_c2r(J->inv, W->spec, W->res);
    double E = J->eps * total;
    for (size_t j = 0; j < vh; j++) {
        double *o = J->out + (oy + j) * J->cols + ox;
        const double *v = W->res + (j + s->ky) * J->tx + s->kx;
        for (size_t i = 0; i < vw; i++) {
            if (sat_count(W, j, j + 2 * s->ky, i, i + 2 * s->kx) == 0) {
                o[i] = 0.0;
            } else if (v[i] > E) {
                o[i] = v[i];
            } else {
                o[i] = exact_at(W, j + s->ky, i + s->kx);
                W->exact++;
            }
        }
    }
}

static void *fft_tiles(void *p)
{
    fft_worker *W = p;
    fft_job *J = W->J;
    for (;;) {
        if (atomic_load(&J->stop))
            break;
        if (wg_ctx_cancelled(J->ctx)) {
            atomic_store(&J->stop, 1);
            break;
        }
        size_t t = atomic_fetch_add(&J->next, 1);
        if (t >= J->ntiles)
            break;
        tile_run(W, t);
        size_t done = atomic_fetch_add(&J->done, 1) + 1;
        if (W->main)
            wg_progress(J->ctx, "density tiles", done, J->ntiles);
    }
    return NULL;
}

/* The stencil's spectrum at the tile size, with worker W's buffers, into J->khat. */
static void tile_spectrum(fft_job *J, fft_worker *W, double *khat)
{
    const stencil *s = J->s;
    memset(W->in, 0, J->tx * J->ty * sizeof *W->in);
    for (long dy = -(long)s->ky; dy <= (long)s->ky; dy++) {
        size_t y = dy < 0 ? J->ty - (size_t)-dy : (size_t)dy;
        const double *v = s->row + (size_t)labs(dy) * s->w + s->kx;
        for (long dx = -(long)s->kx; dx <= (long)s->kx; dx++) {
            size_t x = dx < 0 ? J->tx - (size_t)-dx : (size_t)dx;
            W->in[y * J->tx + x] = v[dx];
        }
    }
    fftw_execute_dft_r2c(J->fwd, W->in, W->spec);
    double inv = 1.0 / ((double)J->tx * (double)J->ty);
    size_t nspec = J->ty * (J->tx / 2 + 1);
    for (size_t i = 0; i < nspec; i++)
        khat[i] = W->spec[i][0] * inv; /* the imaginary part is rounding noise */
}

/* Runs job J on nt threads, each with its tile buffers; the stencil's spectrum and the plans
 * are made once, on the first thread's buffers. */
static wg_status run_tiles(wg_ctx *ctx, fft_job *J, int nt, wg_density_stats *stats)
{
    fft_worker W[MAX_THREADS];
    memset(W, 0, sizeof W);
    double *khat = malloc(J->ty * (J->tx / 2 + 1) * sizeof *khat);
    bool ok = khat != NULL;
    for (int t = 0; t < nt && ok; t++)
        ok = fft_worker_alloc(&W[t], J);
    if (ok) {
        pthread_mutex_lock(&plan_lock);
        J->fwd = fftw_plan_dft_r2c_2d((int)J->ty, (int)J->tx, W[0].in, W[0].spec, FFTW_ESTIMATE);
        J->inv = fftw_plan_dft_c2r_2d((int)J->ty, (int)J->tx, W[0].spec, W[0].res,
                                      FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
        pthread_mutex_unlock(&plan_lock);
        ok = J->fwd && J->inv;
    }
    wg_status st = WG_OK;
    if (!ok) {
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %d FFT tile(s) of %zu x %zu", nt, J->tx,
                     J->ty);
    } else {
        tile_spectrum(J, &W[0], khat);
        J->khat = khat;
        W[0].main = true;
        run_threads(nt, fft_tiles, W, sizeof W[0]);
        if (atomic_load(&J->stop))
            st = wg_fail(ctx, WG_EINTR, "density raster interrupted");
        for (int t = 0; t < nt; t++) {
            stats->tiles_empty += W[t].empty;
            stats->pixels_exact += W[t].exact;
        }
    }
    pthread_mutex_lock(&plan_lock);
    if (J->fwd)
        fftw_destroy_plan(J->fwd);
    if (J->inv)
        fftw_destroy_plan(J->inv);
    pthread_mutex_unlock(&plan_lock);
    for (int t = 0; t < nt; t++)
        fft_worker_free(&W[t]);
    free(khat);
    return st;
}

/* The raster from the padded grid G (gx x gy) in tiles of tx x ty, on nt threads. */
static wg_status convolve_fft(wg_ctx *ctx, const stencil *s, const double *G, size_t gx, size_t gy,
                              const wg_raster_grid *g, size_t tx, size_t ty, int nt, double *out,
                              wg_density_stats *stats)
{
    fft_job J = {.ctx = ctx,
                 .s = s,
                 .G = G,
                 .gx = gx,
                 .gy = gy,
                 .cols = g->cols,
                 .rows = g->rows,
                 .tx = tx,
                 .ty = ty,
                 .vx = tx - 2 * s->kx,
                 .vy = ty - 2 * s->ky,
                 .out = out};
    J.ntx = (g->cols + J.vx - 1) / J.vx;
    J.ntiles = J.ntx * ((g->rows + J.vy - 1) / J.vy);
    /* FFT rounding is within a few eps x log2(size) of (tile weight) x (stencil sum); E is
     * that with a factor of 8 to spare. */
    J.eps = 8.0 * (log2((double)tx * (double)ty) + 4.0) * DBL_EPSILON * s->sum;
    atomic_init(&J.next, 0);
    atomic_init(&J.done, 0);
    atomic_init(&J.stop, 0);
    stats->tile_cols = tx;
    stats->tile_rows = ty;
    stats->tiles = J.ntiles;
    return run_tiles(ctx, &J, nt, stats);
}

/* ---- the whole ------------------------------------------------------------------------------ */

static wg_status check_opts(wg_ctx *ctx, const wg_density_opts *o)
{
    if (!(o->radius_m > 0) || !isfinite(o->radius_m))
        return wg_fail(ctx, WG_EINPUT, "kernel radius %g m (must be positive and finite)",
                       o->radius_m);
    if ((unsigned)o->kernel >= WG_KERNEL_COUNT)
        return wg_fail(ctx, WG_EINPUT, "unknown kernel %d", (int)o->kernel);
    if (o->norm != WG_DENSITY_NORM_DISCRETE && o->norm != WG_DENSITY_NORM_CONTINUOUS)
        return wg_fail(ctx, WG_EINPUT, "unknown density normalisation %d", (int)o->norm);
    if (o->method != WG_DENSITY_AUTO && o->method != WG_DENSITY_DIRECT &&
        o->method != WG_DENSITY_FFT)
        return wg_fail(ctx, WG_EINPUT, "unknown density method %d", (int)o->method);
    if (o->threads < 0 || o->threads > MAX_THREADS)
        return wg_fail(ctx, WG_EINPUT, "%d threads (must be 0 to %d)", o->threads, MAX_THREADS);
    return WG_OK;
}

static wg_status check_weights(wg_ctx *ctx, const double *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++) {
        if (!(w[i] >= 0) || !isfinite(w[i]))
            return wg_fail(ctx, WG_EINPUT, "point %zu: weight %g (must be finite and >= 0)", i,
                           w[i]);
    }
    return WG_OK;
}

/* The method to run: `asked`, or the cheaper by the cost model for AUTO; for the FFT, its
 * tile size in *tx, *ty. */
static wg_density_method choose_method(wg_density_method asked, const wg_raster_grid *g,
                                       const stencil *s, size_t occupied, size_t *tx, size_t *ty)
{
    size_t gx = g->cols + 2 * s->kx, gy = g->rows + 2 * s->ky;
    double direct = (double)occupied * ((double)s->taps * TAP_NS + (double)s->runs * RUN_NS) +
                    (double)(gx * gy) * SCAN_NS;
    double fft = 0;
    if (!choose_tiles(g->cols, g->rows, s->kx, s->ky, tx, ty, &fft))
        return WG_DENSITY_DIRECT; /* no tile fits: unreachable within the radius limit */
    if (asked == WG_DENSITY_AUTO)
        return direct <= fft ? WG_DENSITY_DIRECT : WG_DENSITY_FFT;
    return asked;
}

wg_status wg_density(wg_ctx *ctx, const wg_raster_grid *grid, const wg_density_opts *opts,
                     const double *xy, const double *w, size_t n, double *out,
                     wg_density_stats *stats)
{
    wg_status st = check_grid(ctx, grid);
    if (st == WG_OK)
        st = check_opts(ctx, opts);
    if (st == WG_OK)
        st = check_weights(ctx, w, n);
    stencil s;
    if (st == WG_OK)
        st = stencil_build(ctx, grid, opts, &s);
    if (st != WG_OK)
        return st;
    wg_density_stats S = {.kernel_cols = s.w,
                          .kernel_rows = 2 * s.ky + 1,
                          .kernel_taps = s.taps,
                          .kernel_mass = s.mass};
    int nt = opts->threads > 1 ? opts->threads : 1;
    size_t gx = grid->cols + 2 * s.kx, gy = grid->rows + 2 * s.ky;
    if ((size_t)nt > gy)
        nt = (int)gy;
    big gmem;
    double *G = big_alloc(&gmem, gx * gy, sizeof *G);
    if (!G) {
        stencil_free(&s);
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu x %zu bins", gx, gy);
    }
    double t0 = wg_now();
    size_t occupied = bin_all(ctx, grid, &s, xy, w, n, G, nt, &S);
    double t1 = wg_now();
    S.bin_s = t1 - t0;
    if (occupied == (size_t)-1) {
        big_free(&gmem);
        stencil_free(&s);
        return WG_ENOMEM;
    }
    S.bins_occupied = occupied;

    size_t tx = 0, ty = 0;
    S.method = choose_method(opts->method, grid, &s, occupied, &tx, &ty);
    if (S.method == WG_DENSITY_DIRECT)
        st = convolve_direct(ctx, &s, G, gx, gy, grid, nt, out);
    else
        st = convolve_fft(ctx, &s, G, gx, gy, grid, tx, ty, nt, out, &S);
    S.conv_s = wg_now() - t1;
    big_free(&gmem);
    stencil_free(&s);
    if (st == WG_OK && stats)
        *stats = S;
    return st;
}
