/* tests/geo/test_density.c: kernel density rasters against brute force — over the snapped
 * points for every kernel, radius, weighting, normalisation and method (1e-9 of the maximum);
 * over the exact points within the snapping bound of wg/density.h; total mass; the densest
 * pixel; exact zeros; thread independence; bad input. */
#include "support.h"
#include "wg/density.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_density(void);

#define PI 3.14159265358979323846

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

static double gauss(void)
{
    double u = rnd() + 1e-300, v = rnd();
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

/* ---- the reference: the header's formulas, written out independently ---- */

/* The continuous kernel (per m²) at distance² d2 for radius R; 0 beyond R. */
static double ref_kernel(wg_kernel k, double d2, double R)
{
    if (d2 > R * R)
        return 0.0;
    double u = sqrt(d2) / R, a = PI * R * R;
    switch (k) {
    case WG_KERNEL_QUARTIC:
        return 3 / a * pow(1 - u * u, 2);
    case WG_KERNEL_TRIWEIGHT:
        return 4 / a * pow(1 - u * u, 3);
    case WG_KERNEL_EPANECHNIKOV:
        return 2 / a * (1 - u * u);
    case WG_KERNEL_TRIANGULAR:
        return 3 / a * (1 - u);
    case WG_KERNEL_UNIFORM:
        return 1 / a;
    case WG_KERNEL_GAUSSIAN:
        return 8 / (a * (1 - exp(-8))) * exp(-8 * u * u);
    }
    return NAN;
}

/* The kernel's Lipschitz constant L and its jump J at R (wg/density.h). */
static void ref_lipschitz(wg_kernel k, double R, double *L, double *J)
{
    double R3 = R * R * R, a = PI * R * R;
    *J = 0;
    switch (k) {
    case WG_KERNEL_QUARTIC:
        *L = 8 / (sqrt(3) * PI * R3);
        break;
    case WG_KERNEL_TRIWEIGHT:
        *L = 384 / (25 * sqrt(5) * PI * R3);
        break;
    case WG_KERNEL_EPANECHNIKOV:
        *L = 4 / (PI * R3);
        break;
    case WG_KERNEL_TRIANGULAR:
        *L = 3 / (PI * R3);
        break;
    case WG_KERNEL_UNIFORM:
        *L = 0;
        *J = 1 / a;
        break;
    case WG_KERNEL_GAUSSIAN:
        *L = 32 * exp(-0.5) / (PI * R3 * (1 - exp(-8)));
        *J = 8 * exp(-8) / (a * (1 - exp(-8)));
        break;
    }
}

/* Output units per unit of the continuous kernel: 1e6 (per km²), and 1 / (px py S) for the
 * discrete normalisation, S the kernel summed over every pixel offset within R. */
static double ref_scale(const wg_raster_grid *g, const wg_density_opts *o)
{
    if (o->norm == WG_DENSITY_NORM_CONTINUOUS)
        return 1e6;
    double R = o->radius_m, S = 0;
    long kx = (long)(R / g->px) + 1, ky = (long)(R / g->py) + 1;
    for (long j = -ky; j <= ky; j++)
        for (long i = -kx; i <= kx; i++) {
            double dx = (double)i * g->px, dy = (double)j * g->py;
            S += ref_kernel(o->kernel, dx * dx + dy * dy, R);
        }
    return 1e6 / (g->px * g->py * S);
}

/* Brute force over the points, each against every pixel it can reach (a box a pixel wider
 * than its radius, so that the reference does not depend on the library's reach). With
 * `snap` the points are snapped as the header says; without, their exact positions are
 * used and bound[] (when not NULL) receives the snapping bound of the header. */
static void brute(const wg_raster_grid *g, const wg_density_opts *o, const double *xy,
                  const double *w, size_t n, bool snap, double *ref, double *bound)
{
    double R = o->radius_m, f = ref_scale(g, o), h = hypot(g->px, g->py) / 2, L, J;
    ref_lipschitz(o->kernel, R, &L, &J);
    size_t cells = g->cols * g->rows;
    memset(ref, 0, cells * sizeof *ref);
    if (bound)
        memset(bound, 0, cells * sizeof *bound);
    long rx = (long)(R / g->px) + 2, ry = (long)(R / g->py) + 2;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1], wi = w ? w[i] : 1.0;
        if (!isfinite(x) || !isfinite(y))
            continue;
        double ci = floor((x - g->xmin) / g->px), ri = floor((g->ymax - y) / g->py);
        if (fabs(ci) > 1e9 || fabs(ri) > 1e9)
            continue;
        for (long r = (long)ri - ry; r <= (long)ri + ry; r++) {
            if (r < 0 || r >= (long)g->rows)
                continue;
            for (long c = (long)ci - rx; c <= (long)ci + rx; c++) {
                if (c < 0 || c >= (long)g->cols)
                    continue;
                double dx, dy;
                if (snap) {
                    dx = (double)(c - (long)ci) * g->px;
                    dy = (double)(r - (long)ri) * g->py;
                } else {
                    dx = g->xmin + ((double)c + 0.5) * g->px - x;
                    dy = g->ymax - ((double)r + 0.5) * g->py - y;
                }
                double d2 = dx * dx + dy * dy;
                ref[r * g->cols + c] += wi * f * ref_kernel(o->kernel, d2, R);
                if (bound && sqrt(d2) <= R + h) {
                    double jump = fabs(sqrt(d2) - R) <= h ? J : 0;
                    bound[r * g->cols + c] += wi * f * (L * h + jump);
                }
            }
        }
    }
}

static double max_of(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* Fails unless |got - want| <= tol x max(want) everywhere. */
static void assert_close(const double *got, const double *want, size_t n, double tol,
                         const char *what)
{
    double m = max_of(want, n), worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]);
        if (e > worst) {
            worst = e;
            at = i;
        }
    }
    ck_assert_msg(worst <= tol * m, "%s: pixel %zu is %.17g, brute force %.17g (max %.6g)", what,
                  at, got[at], want[at], m);
}

/* Points for a raster: a cluster, a scatter, some just outside the box (within the radius),
 * some far away and a few NaNs; weights in (0, 3), some zero. */
static size_t make_points(const wg_raster_grid *g, double R, size_t n, double *xy, double *w)
{
    double W = (double)g->cols * g->px, H = (double)g->rows * g->py;
    double cx = g->xmin + 0.3 * W, cy = g->ymax - 0.6 * H;
    for (size_t i = 0; i < n; i++) {
        double x, y, u = rnd();
        if (u < 0.4) {
            x = cx + gauss() * 2 * g->px;
            y = cy + gauss() * 2 * g->py;
        } else if (u < 0.8) {
            x = g->xmin + rnd() * W;
            y = g->ymax - rnd() * H;
        } else if (u < 0.95) { /* a band of width R around the box */
            x = g->xmin - R + rnd() * (W + 2 * R);
            y = rnd() < 0.5 ? g->ymax + rnd() * R : g->ymax - H - rnd() * R;
            if (rnd() < 0.5) {
                double t = x;
                x = rnd() < 0.5 ? g->xmin - rnd() * R : g->xmin + W + rnd() * R;
                y = g->ymax - (t - g->xmin) / (W + 2 * R) * H;
            }
        } else if (u < 0.98) {
            x = g->xmin + 1e7 * (rnd() - 0.5);
            y = g->ymax + 1e7 * (rnd() - 0.5);
        } else {
            x = rnd() < 0.5 ? NAN : g->xmin;
            y = isnan(x) ? g->ymax : INFINITY;
        }
        xy[2 * i] = x;
        xy[2 * i + 1] = y;
        if (w)
            w[i] = rnd() < 0.1 ? 0.0 : 3 * rnd();
    }
    return n;
}

/* Fails unless out is >= 0 everywhere and 0 exactly where the brute force is (check records
 * every assertion, so per-pixel loops assert once). */
static void assert_same_zeros(const double *out, const double *ref, size_t n, const char *what)
{
    size_t i = 0;
    while (i < n && out[i] >= 0 && (out[i] == 0) == (ref[i] == 0))
        i++;
    ck_assert_msg(i == n, "%s: pixel %zu is %g, brute force %g", what, i, i < n ? out[i] : 0,
                  i < n ? ref[i] : 0);
}

static double *alloc_raster(const wg_raster_grid *g)
{
    double *r = malloc(g->cols * g->rows * sizeof *r);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* ---- (1) against brute force over the snapped points ---- */

static void check_snapped(const wg_raster_grid *g, double radius_px, size_t npoints,
                          bool expect_tiles)
{
    double R = radius_px * g->px;
    double *xy = malloc(2 * npoints * sizeof *xy), *w = malloc(npoints * sizeof *w);
    make_points(g, R, npoints, xy, w);
    size_t cells = g->cols * g->rows;
    double *out = alloc_raster(g), *ref = alloc_raster(g);
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        for (int weighted = 0; weighted < 2; weighted++) {
            for (int norm = 0; norm < 2; norm++) {
                wg_density_opts o = {
                    .kernel = (wg_kernel)k, .radius_m = R, .norm = (wg_density_norm)norm};
                const double *wp = weighted ? w : NULL;
                brute(g, &o, xy, wp, npoints, true, ref, NULL);
                ck_assert_msg(max_of(ref, cells) > 0, "the fixture must warm some pixel");
                for (int m = WG_DENSITY_DIRECT; m <= WG_DENSITY_FFT; m++) {
                    o.method = (wg_density_method)m;
                    wg_density_stats st;
                    T_OK(t_ctx, wg_density(t_ctx, g, &o, xy, wp, npoints, out, &st));
                    char what[160];
                    snprintf(what, sizeof what, "%s R=%.3g px %s %s %s", wg_kernel_name(o.kernel),
                             radius_px, weighted ? "weighted" : "unweighted",
                             norm ? "continuous" : "discrete",
                             m == WG_DENSITY_FFT ? "FFT" : "direct");
                    assert_close(out, ref, cells, 1e-9, what);
                    ck_assert_int_eq(st.method, m);
                    assert_same_zeros(out, ref, cells, what);
                    if (m == WG_DENSITY_FFT && expect_tiles)
                        ck_assert_msg(st.tiles > 1, "%s: %zu tile(s)", what, st.tiles);
                }
            }
        }
    }
    free(xy);
    free(w);
    free(out);
    free(ref);
}

START_TEST(snapped_small_radii)
{
    wg_raster_grid g;
    /* 10 x 11 m pixels (not square): radius under half a pixel, under one, between. */
    T_OK(t_ctx, wg_raster_grid_by_size(t_ctx, 1000, 2000, 1400, 2330, 40, 30, &g));
    check_snapped(&g, 0.3, 120, false);
    check_snapped(&g, 0.7, 120, false);
    check_snapped(&g, 1.55, 120, false);
}
END_TEST

START_TEST(snapped_larger_radii)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_size(t_ctx, -500, -300, -100, 30, 40, 30, &g));
    check_snapped(&g, 2.5, 150, false);
    check_snapped(&g, 4.0, 150, false); /* a whole number of pixels: offsets exactly on R */
    check_snapped(&g, 6.37, 150, false);
}
END_TEST

START_TEST(snapped_many_tiles)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 5000, 3000, 7.5, &g));
    ck_assert_uint_eq(g.cols, 667);
    ck_assert_uint_eq(g.rows, 400);
    check_snapped(&g, 3.3, 400, true);
}
END_TEST

/* ---- (2) against brute force over the exact points ---- */

START_TEST(unsnapped_within_bound)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_size(t_ctx, 0, 0, 600, 440, 60, 40, &g));
    size_t n = 200, cells = g.cols * g.rows;
    double *xy = malloc(2 * n * sizeof *xy), *w = malloc(n * sizeof *w);
    double *out = alloc_raster(&g), *ref = alloc_raster(&g), *bound = alloc_raster(&g);
    const double radii[] = {37, 92};
    for (int ri = 0; ri < 2; ri++) {
        make_points(&g, radii[ri], n, xy, w);
        for (int k = 0; k < WG_KERNEL_COUNT; k++) {
            for (int norm = 0; norm < 2; norm++) {
                wg_density_opts o = {
                    .kernel = (wg_kernel)k, .radius_m = radii[ri], .norm = (wg_density_norm)norm};
                T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, w, n, out, NULL));
                brute(&g, &o, xy, w, n, false, ref, bound);
                double m = max_of(ref, cells), used = 0;
                size_t bad = cells;
                for (size_t i = 0; i < cells; i++) {
                    double e = fabs(out[i] - ref[i]);
                    if (e > bound[i] + 1e-9 * m && bad == cells)
                        bad = i;
                    used = bound[i] > 0 && e / bound[i] > used ? e / bound[i] : used;
                }
                ck_assert_msg(bad == cells, "%s R=%g: pixel %zu off by %g, bound %g",
                              wg_kernel_name(o.kernel), o.radius_m, bad,
                              bad < cells ? fabs(out[bad] - ref[bad]) : 0,
                              bad < cells ? bound[bad] : 0);
                ck_assert_msg(used > 0.02, "%s: the bound is not exercised (%g)",
                              wg_kernel_name(o.kernel), used);
            }
        }
    }
    free(xy);
    free(w);
    free(out);
    free(ref);
    free(bound);
}
END_TEST

/* ---- (3) total mass ---- */

START_TEST(mass_is_the_weight_inside)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 3000, 2000, 10, &g));
    size_t n = 5000, cells = g.cols * g.rows;
    double *xy = malloc(2 * n * sizeof *xy), *w = malloc(n * sizeof *w);
    double *out = alloc_raster(&g), wsum = 0;
    for (size_t i = 0; i < n; i++) { /* far (> radius + a pixel) from every edge */
        xy[2 * i] = 200 + rnd() * 2600;
        xy[2 * i + 1] = 200 + rnd() * 1600;
        w[i] = 0.25 + rnd();
        wsum += w[i];
    }
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        const double radii[] = {4, 37, 150};
        for (int ri = 0; ri < 3; ri++) {
            for (int m = WG_DENSITY_DIRECT; m <= WG_DENSITY_FFT; m++) {
                for (int norm = 0; norm < 2; norm++) {
                    wg_density_opts o = {.kernel = (wg_kernel)k,
                                         .radius_m = radii[ri],
                                         .method = (wg_density_method)m,
                                         .norm = (wg_density_norm)norm};
                    wg_density_stats st;
                    T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, w, n, out, &st));
                    double mass = 0;
                    for (size_t i = 0; i < cells; i++)
                        mass += out[i] * g.px * g.py / 1e6;
                    /* discrete: exactly the weight; continuous: the weight x one point's
                     * sampled mass */
                    double want = norm ? wsum * st.kernel_mass : wsum;
                    ck_assert_msg(fabs(mass - want) <= 1e-12 * want,
                                  "%s R=%g: mass %.15g, weight %.15g", wg_kernel_name(o.kernel),
                                  o.radius_m, mass, want);
                    ck_assert_double_eq_tol(st.weight_binned, wsum, 1e-9);
                }
            }
        }
    }
    /* The continuous kernels' sampled mass at >= 8 pixels, as the header states. */
    const double tol[WG_KERNEL_COUNT] = {2e-4, 5e-5, 3e-3, 2e-3, 5e-2, 2e-4};
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        for (double r = 80; r <= 240; r += 13.7) {
            wg_density_opts o = {.kernel = (wg_kernel)k, .radius_m = r};
            wg_density_stats st;
            T_OK(t_ctx, wg_density(t_ctx, &g, &o, NULL, NULL, 0, out, &st));
            ck_assert_msg(fabs(st.kernel_mass - 1) <= tol[k], "%s R=%g px: mass %g",
                          wg_kernel_name(o.kernel), r / 10, st.kernel_mass);
        }
    }
    free(xy);
    free(w);
    free(out);
}
END_TEST

/* ---- (4) the densest pixel ---- */

START_TEST(densest_pixel_is_the_cluster)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 1000, 800, 10, &g));
    size_t n = 3000;
    double *xy = malloc(2 * n * sizeof *xy), *out = alloc_raster(&g);
    for (size_t i = 0; i < n; i++) {
        bool in = i % 10 == 0; /* 300 points around (625, 385), the rest everywhere */
        xy[2 * i] = in ? 625 + 12 * gauss() : rnd() * 1000;
        xy[2 * i + 1] = in ? 385 + 12 * gauss() : rnd() * 800;
    }
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        wg_density_opts o = {.kernel = (wg_kernel)k, .radius_m = 60};
        T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, NULL, n, out, NULL));
        size_t best = 0;
        for (size_t i = 1; i < g.cols * g.rows; i++)
            best = out[i] > out[best] ? i : best;
        double x = g.xmin + ((double)(best % g.cols) + 0.5) * g.px;
        double y = g.ymax - ((double)(best / g.cols) + 0.5) * g.py;
        ck_assert_msg(hypot(x - 625, y - 385) <= 15, "%s: densest pixel at (%g, %g)",
                      wg_kernel_name(o.kernel), x, y);
    }
    free(xy);
    free(out);
}
END_TEST

/* ---- zeros, outside points, threads ---- */

START_TEST(zero_where_no_point_reaches)
{
    /* Sparse points, big radius, FFT forced: noise would show in every empty pixel. */
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 2000, 1500, 5, &g));
    size_t n = 40, cells = g.cols * g.rows;
    double xy[80], w[40];
    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = rnd() * 2000;
        xy[2 * i + 1] = rnd() * 1500;
        w[i] = i == 0 ? 1e6 : 1e-3 * rnd(); /* one heavy point: noise relative to it is big */
    }
    double *out = alloc_raster(&g), *ref = alloc_raster(&g);
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        wg_density_opts o = {.kernel = (wg_kernel)k, .radius_m = 140, .method = WG_DENSITY_FFT};
        wg_density_stats st;
        T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, w, n, out, &st));
        brute(&g, &o, xy, w, n, true, ref, NULL);
        assert_same_zeros(out, ref, cells, wg_kernel_name(o.kernel));
        assert_close(out, ref, cells, 1e-9, wg_kernel_name(o.kernel));
        ck_assert_msg(st.pixels_exact > 0, "%s: no pixel took the exact path",
                      wg_kernel_name(o.kernel));
    }
    free(out);
    free(ref);
}
END_TEST

START_TEST(points_outside_the_box_count)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 100, 100, 10, &g));
    const double xy[] = {-15, 55,  /* 1.5 pixels west of the box */
                         55,  107, /* in the row north of the box */
                         250, 50}; /* farther than the radius */
    double out[100];
    wg_density_opts o = {.radius_m = 40};
    wg_density_stats st;
    T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, NULL, 3, out, &st));
    ck_assert_uint_eq(st.points_binned, 2);
    ck_assert_uint_eq(st.points_far, 1);
    ck_assert(out[4 * 10 + 0] > 0);  /* row 4 (y 50..60), 20 m from the snapped (-15, 55) */
    ck_assert(out[4 * 10 + 1] > 0);  /* 30 m */
    ck_assert(out[4 * 10 + 2] == 0); /* 40 m: the quartic is 0 at the radius */
    ck_assert(out[0 * 10 + 5] > 0);  /* the top row, under the northern point */
    ck_assert(out[9 * 10 + 9] == 0);
}
END_TEST

START_TEST(threads_give_the_same_bits)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 4000, 3000, 10, &g));
    size_t n = 20000, cells = g.cols * g.rows;
    double *xy = malloc(2 * n * sizeof *xy), *w = malloc(n * sizeof *w);
    make_points(&g, 100, n, xy, w);
    double *one = alloc_raster(&g), *more = alloc_raster(&g);
    for (int m = WG_DENSITY_DIRECT; m <= WG_DENSITY_FFT; m++) {
        wg_density_opts o = {.radius_m = 100, .method = (wg_density_method)m};
        T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, w, n, one, NULL));
        for (int t = 2; t <= 3; t++) {
            o.threads = t;
            T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, w, n, more, NULL));
            ck_assert_msg(memcmp(one, more, cells * sizeof *one) == 0, "%d threads differ", t);
        }
    }
    free(xy);
    free(w);
    free(one);
    free(more);
}
END_TEST

/* ---- (5) bad input ---- */

static void expect_einput(wg_status st, const char *part)
{
    ck_assert_int_eq(st, WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), part), "message \"%s\" lacks \"%s\"",
                  wg_ctx_errmsg(t_ctx), part);
    wg_ctx_clear(t_ctx);
}

START_TEST(bad_input_fails_clearly)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 100, 100, 10, &g));
    double out[100], xy[] = {50, 50, 60, 60}, w[] = {1, -2};
    wg_density_opts o = {.radius_m = 0};
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "radius 0 m");
    o.radius_m = -5;
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "radius -5 m");
    o.radius_m = NAN;
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "radius nan m");
    o.radius_m = 30;
    expect_einput(wg_density(t_ctx, &g, &o, xy, w, 2, out, NULL), "point 1: weight -2");
    o.kernel = (wg_kernel)99;
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "unknown kernel 99");
    o.kernel = WG_KERNEL_QUARTIC;
    o.threads = 65;
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "65 threads");
    o.threads = 0;
    o.radius_m = 30000;
    expect_einput(wg_density(t_ctx, &g, &o, xy, NULL, 2, out, NULL), "at most 2048");

    /* rasters too large, empty or ill-defined */
    expect_einput(wg_raster_grid_by_pixel(t_ctx, 0, 0, 1e5, 1e5, 0.01, &g), "too large");
    expect_einput(wg_raster_grid_by_size(t_ctx, 0, 0, 1e5, 1e5, 30000, 30000, &g),
                  "30000 x 30000 pixels is too large");
    expect_einput(wg_raster_grid_by_size(t_ctx, 0, 0, 10, 10, 0, 5, &g), "empty");
    expect_einput(wg_raster_grid_by_pixel(t_ctx, 0, 0, 0, 10, 1, &g), "is empty");
    expect_einput(wg_raster_grid_by_pixel(t_ctx, 0, NAN, 10, 10, 1, &g), "non-finite");
    expect_einput(wg_raster_grid_by_pixel(t_ctx, 0, 0, 10, 10, -1, &g), "pixel size -1 m");
    wg_raster_grid big = {0, 0, 1, 1, 100000, 10};
    expect_einput(wg_density(t_ctx, &big, &o, xy, NULL, 2, out, NULL), "too large");
}
END_TEST

START_TEST(nonfinite_points_are_skipped_and_counted)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 300, 200, 10, &g));
    double xy[] = {50, 50, NAN, 10, 120, 80, 30, INFINITY, 70, 150, -INFINITY, NAN};
    double clean[] = {50, 50, 120, 80, 70, 150};
    double a[600], b[600];
    wg_density_opts o = {.radius_m = 45};
    wg_density_stats st;
    T_OK(t_ctx, wg_density(t_ctx, &g, &o, xy, NULL, 6, a, &st));
    ck_assert_uint_eq(st.points_nonfinite, 3);
    ck_assert_uint_eq(st.points_binned, 3);
    T_OK(t_ctx, wg_density(t_ctx, &g, &o, clean, NULL, 3, b, NULL));
    ck_assert(memcmp(a, b, sizeof a) == 0);
}
END_TEST

START_TEST(no_points_give_zeros)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 300, 200, 10, &g));
    double out[600], far[] = {1e6, 1e6, -1e9, 5};
    for (int m = WG_DENSITY_AUTO; m <= WG_DENSITY_FFT; m++) {
        wg_density_opts o = {.radius_m = 45, .method = (wg_density_method)m};
        const double zero[600] = {0};
        memset(out, 0xff, sizeof out);
        T_OK(t_ctx, wg_density(t_ctx, &g, &o, NULL, NULL, 0, out, NULL));
        ck_assert(memcmp(out, zero, sizeof out) == 0);
        wg_density_stats st;
        memset(out, 0xff, sizeof out);
        T_OK(t_ctx, wg_density(t_ctx, &g, &o, far, NULL, 2, out, &st));
        ck_assert_uint_eq(st.points_far, 2);
        ck_assert(memcmp(out, zero, sizeof out) == 0);
    }
}
END_TEST

START_TEST(cancelled_run_stops)
{
    wg_raster_grid g;
    T_OK(t_ctx, wg_raster_grid_by_pixel(t_ctx, 0, 0, 300, 200, 10, &g));
    double out[600], xy[] = {50, 50};
    for (int m = WG_DENSITY_DIRECT; m <= WG_DENSITY_FFT; m++) {
        wg_density_opts o = {.radius_m = 45, .method = (wg_density_method)m};
        wg_ctx_cancel(t_ctx);
        ck_assert_int_eq(wg_density(t_ctx, &g, &o, xy, NULL, 1, out, NULL), WG_EINTR);
        wg_ctx_clear(t_ctx);
    }
}
END_TEST

START_TEST(kernel_names_round_trip)
{
    for (int k = 0; k < WG_KERNEL_COUNT; k++) {
        wg_kernel back = WG_KERNEL_COUNT;
        ck_assert(wg_kernel_from_name(wg_kernel_name((wg_kernel)k), &back));
        ck_assert_int_eq(back, k);
    }
    wg_kernel q = WG_KERNEL_GAUSSIAN;
    ck_assert(wg_kernel_from_name("Biweight", &q) && q == WG_KERNEL_QUARTIC);
    ck_assert(!wg_kernel_from_name("cosine", &q));
    ck_assert_ptr_null(wg_kernel_name((wg_kernel)6));
}
END_TEST

TCase *tcase_density(void)
{
    TCase *tc = tcase_create("density");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, snapped_small_radii);
    tcase_add_test(tc, snapped_larger_radii);
    tcase_add_test(tc, snapped_many_tiles);
    tcase_add_test(tc, unsnapped_within_bound);
    tcase_add_test(tc, mass_is_the_weight_inside);
    tcase_add_test(tc, densest_pixel_is_the_cluster);
    tcase_add_test(tc, zero_where_no_point_reaches);
    tcase_add_test(tc, points_outside_the_box_count);
    tcase_add_test(tc, threads_give_the_same_bits);
    tcase_add_test(tc, bad_input_fails_clearly);
    tcase_add_test(tc, nonfinite_points_are_skipped_and_counted);
    tcase_add_test(tc, no_points_give_zeros);
    tcase_add_test(tc, cancelled_run_stops);
    tcase_add_test(tc, kernel_names_round_trip);
    return tc;
}
