/* wg/density.h: kernel density rasters — n points (with optional weights) to a raster of
 * density in points (or weight) per km², by binning and convolution, never point by pixel.
 *
 * The grid. A raster is `cols` x `rows` pixels of px x py metres whose top-left corner is
 * (xmin, ymax), as in a GDAL geotransform {xmin, px, 0, ymax, 0, -py}. out[r * cols + c] is
 * the pixel of column c (from the west) and row r (from the north); its centre is
 * (xmin + (c + 0.5) px, ymax - (r + 0.5) py). Pixels may be non-square.
 *
 * Binning: every point is snapped to the centre of the pixel of the raster's lattice (extended
 * without bound in every direction) that contains it:
 *     c = floor((x - xmin) / px),   r = floor((ymax - y) / py)
 * evaluated exactly as written in double precision. The raster is then exactly
 *     out[r][c] = 1e6 * sum over points i of w_i * K(dx_i, dy_i)
 * where dx_i = (c - c_i) * px and dy_i = (r - r_i) * py are the offsets in metres between
 * pixel centres (each a double product of an integer and px or py), K the discrete kernel
 * below, and the factor 1e6 turns per m² into per km². Points outside the raster count too: a
 * point just outside the box still warms the pixels within the radius of its snapped centre.
 *
 * Kernels. With d the distance, R the radius and u = d / R, each kernel is zero for d > R
 * (that is, when dx² + dy² > R², computed as (dx*dx) + (dy*dy) against R*R) and otherwise:
 *     quartic (biweight)  3 / (pi R²) (1 - u²)²      the default, as QGIS's heatmap
 *     triweight           4 / (pi R²) (1 - u²)³
 *     Epanechnikov        2 / (pi R²) (1 - u²)
 *     triangular          3 / (pi R²) (1 - u)
 *     uniform             1 / (pi R²)
 *     Gaussian            8 / (pi R² (1 - e^-8)) exp(-8 u²)
 * Each integrates to exactly 1 over the plane, so one point of weight w adds w to the
 * density's integral. The first five are the 2-D kernels of QGIS's heatmap and GRASS
 * v.kernel (Wand and Jones, 1995, normalised over the disc; QGIS long had 116 / (5 pi R²)
 * times 15/16 for the quartic, a typo for 16 / 5, fixed by QGIS PR #60631). The
 * Gaussian follows GRASS v.kernel: standard deviation sigma = R / 4, cut off at the radius
 * (4 sigma, where it has fallen to e^-8 = 0.03% of its peak) and scaled by 1 / (1 - e^-8) so
 * that the cut-off kernel still integrates to 1. QGIS has no Gaussian; GRASS's radius keeps
 * its meaning ("nothing beyond R") for every kernel here, so zero pixels stay exactly zero.
 *
 * Normalisation (wg_density_norm). A kernel sampled at pixel centres does not sum to exactly
 * one point: for a radius of a few pixels the sum is off by percents, and for a radius under
 * half a pixel a lone point would make px py / (pi R²) points out of one. So by default
 * (WG_DENSITY_NORM_DISCRETE) the sampled kernel is rescaled to sum to exactly 1 / (px py):
 *     K(dx, dy) = Kc(d) / (px py S),   S = sum of Kc over all pixel offsets with d <= R,
 * which makes the raster's total mass (sum of out * px * py / 1e6) equal, to rounding, the
 * number of points (or their weight) for points whose kernel lies wholly inside the raster,
 * and degrades gracefully to a plain histogram (count / pixel area) when R < one pixel.
 * WG_DENSITY_NORM_CONTINUOUS keeps K = Kc, the value of the formula above at the pixel centre,
 * as QGIS and GRASS output it; its total mass is S px py per point, which for R >= 8 pixels
 * is within 0.02% of 1 for the quartic, triweight and Gaussian, 0.3% for the Epanechnikov and
 * triangular, and 5% for the uniform (tests/geo/test_density.c holds it to that).
 *
 * Against the unsnapped points: snapping moves a point by at most h = sqrt(px² + py²) / 2,
 * so for the continuous kernels (all but uniform and Gaussian) each pixel differs from the
 * value the exact positions give by at most  f * sum of w_i * L * h  over the points within
 * R + h of it, where f = 1 (continuous normalisation) or 1 / (px py S) (discrete) and L is
 * the kernel's Lipschitz constant: quartic 8 / (sqrt(3) pi R³), triweight
 * 384 / (25 sqrt(5) pi R³), Epanechnikov 4 / (pi R³), triangular 3 / (pi R³), Gaussian
 * 32 e^-1/2 / (pi R³ (1 - e^-8)), uniform 0. The uniform and Gaussian kernels jump at R (by
 * 1 / (pi R²) and 8 e^-8 / (pi R² (1 - e^-8))), so points within h of a pixel's radius add
 * that jump each to its bound. For the quartic that is about 1.54 h / R of one point's peak.
 *
 * Exact zeros: a pixel is exactly 0 when no point of non-zero weight snaps to where its kernel
 * is positive, and no pixel is ever negative, whatever the method (the FFT's rounding noise
 * is removed, not clamped: see geo/density.c).
 *
 * Plain arrays in and out; knows nothing of incidents. */
#ifndef WG_DENSITY_H
#define WG_DENSITY_H

#include "wg/core.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum wg_kernel {
    WG_KERNEL_QUARTIC = 0, /* the default */
    WG_KERNEL_TRIWEIGHT,
    WG_KERNEL_EPANECHNIKOV,
    WG_KERNEL_TRIANGULAR,
    WG_KERNEL_UNIFORM,
    WG_KERNEL_GAUSSIAN
} wg_kernel;

#define WG_KERNEL_COUNT 6

/* "quartic", "triweight", "epanechnikov", "triangular", "uniform", "gaussian"; NULL for a
 * value that is not a kernel. */
const char *wg_kernel_name(wg_kernel k);
/* The kernel named `name` (as above, any case; "biweight" is the quartic). Returns false,
 * leaving *out alone, for an unknown name. */
bool wg_kernel_from_name(const char *name, wg_kernel *out);

/* A raster's lattice (see the top of this file). */
typedef struct wg_raster_grid {
    double xmin, ymax; /* top-left corner, metres */
    double px, py;     /* pixel width and height, metres */
    size_t cols, rows;
} wg_raster_grid;

/* Rasters are limited to WG_DENSITY_MAX_SIDE pixels a side and WG_DENSITY_MAX_PIXELS pixels
 * (2 GiB of doubles), and the radius to WG_DENSITY_MAX_RADIUS_PX pixels. */
#define WG_DENSITY_MAX_SIDE ((size_t)1 << 16)
#define WG_DENSITY_MAX_PIXELS ((size_t)1 << 28)
#define WG_DENSITY_MAX_RADIUS_PX 2048

/* The grid of square pixels of `pixel_m` covering the box [xmin, xmax] x [ymin, ymax]: its
 * top-left corner is (xmin, ymax), cols = ceil((xmax - xmin) / pixel_m) and likewise rows (a
 * remainder under 1e-9 of a pixel is dropped; at least 1), so the raster may reach a little
 * east and south of the box. Errors (WG_EINPUT, naming the bad value): a coordinate not
 * finite, an empty box, a pixel size not positive and finite, a raster over the limits. */
wg_status wg_raster_grid_by_pixel(wg_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                                  double pixel_m, wg_raster_grid *out);
/* The grid of cols x rows pixels exactly covering the box (px = (xmax - xmin) / cols,
 * py = (ymax - ymin) / rows). Errors as above, and for cols or rows 0. */
wg_status wg_raster_grid_by_size(wg_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                                 size_t cols, size_t rows, wg_raster_grid *out);

typedef enum wg_density_norm {
    WG_DENSITY_NORM_DISCRETE = 0, /* the default: one point sums to exactly 1 on the raster */
    WG_DENSITY_NORM_CONTINUOUS    /* pixel = the kernel formula at its centre (QGIS, GRASS) */
} wg_density_norm;

/* How the convolution runs. The answer is the same either way, to rounding (the tests hold
 * both to 1e-9 of the maximum against brute force; on bench_density they agree with
 * scipy to 2e-15 of it), and exact zeros are the same; AUTO picks the cheaper by a cost
 * estimate. DIRECT adds each occupied bin's kernel into the raster; FFT convolves tile by tile
 * (overlap-save) with FFTW. */
typedef enum wg_density_method {
    WG_DENSITY_AUTO = 0,
    WG_DENSITY_DIRECT,
    WG_DENSITY_FFT
} wg_density_method;

/* {0} plus a radius is a valid set of options: quartic, discrete normalisation, automatic
 * method, the calling thread alone. */
typedef struct wg_density_opts {
    wg_kernel kernel;
    double radius_m; /* > 0 */
    wg_density_norm norm;
    wg_density_method method;
    int threads; /* 0 or 1: the calling thread only; at most 64 */
} wg_density_opts;

typedef struct wg_density_stats {
    /* Points binned: snapped into the raster grown by the kernel's half-width in pixels (those
     * near that frame's corners may still reach no pixel); skipped: a coordinate NaN or
     * infinite; skipped: snapped outside that frame, so farther than the radius from every
     * pixel. */
    size_t points_binned, points_nonfinite, points_far;
    double weight_binned;            /* the weight of the points binned (their number without w) */
    size_t bins_occupied;            /* distinct bins (pixels of the padded grid) with weight */
    size_t kernel_cols, kernel_rows; /* the sampled kernel's extent in pixels (odd) */
    size_t kernel_taps;              /* pixels where it is positive */
    double kernel_mass;          /* S px py: one point's mass on the raster before normalisation */
    wg_density_method method;    /* DIRECT or FFT: what ran */
    size_t tile_cols, tile_rows; /* FFT: the transform size of a tile */
    size_t tiles, tiles_empty;   /* FFT: tiles, and those skipped for holding no point */
    size_t pixels_exact;         /* FFT: pixels near zero recomputed exactly */
    double bin_s, conv_s;        /* seconds spent binning and convolving */
} wg_density_stats;

/* Computes the density raster of n points on `grid` into out[0 .. cols * rows), in points (or
 * weight) per km², by the definition at the top of this file.
 *
 * xy holds x0,y0,x1,y1,... in the grid's CRS (metres); w holds n weights, or is NULL for
 * weight 1 each (weights might be handling hours). Points with a NaN or infinite coordinate
 * are skipped and counted (stats->points_nonfinite): a point without a place has no density
 * to add. n = 0 gives an all-zero raster. `stats` may be NULL; when given it is written on
 * success. Threads (opts->threads) share the binning and the convolution's rows or tiles; the
 * result does not depend on their number, bit for bit. Memory: 8 bytes a pixel of the raster
 * grown by the radius on every side, 4 bytes a point (12 with weights), and for the FFT about
 * 28 bytes a pixel of one tile per thread. Uses FFTW's planner under a lock of this file, so
 * concurrent calls (each with its own ctx) are safe, but other code in the process must not
 * plan FFTW transforms at the same time.
 *
 * Errors, before out is touched: WG_EINPUT for a radius that is not positive and finite
 * (naming it), a radius over WG_DENSITY_MAX_RADIUS_PX pixels, an unknown kernel,
 * normalisation or method, a thread count outside [0, 64], a grid that
 * wg_raster_grid_by_size would refuse, a weight that is negative, NaN or infinite (naming its
 * index and value); WG_ENOMEM. WG_EINTR when wg_ctx_cancel() stops it, leaving out partly
 * written. */
wg_status wg_density(wg_ctx *ctx, const wg_raster_grid *grid, const wg_density_opts *opts,
                     const double *xy, const double *w, size_t n, double *out,
                     wg_density_stats *stats);

#endif
