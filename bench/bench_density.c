/* bench/bench_density.c: kernel density rasters (wg_density) on clustered city points, beside
 * numpy's histogram2d + scipy's fftconvolve on the same points, and QGIS or GRASS when
 * installed.
 *
 *   bench_density [10M|1M ...]      (default: 10M 1M)
 *
 *   10M   10,000,000 points over a 30 km square city, 4096 x 4096 raster (7.3 m pixels)
 *   1M     1,000,000 points over a 20.82 x 21.04 km city, 2082 x 2104 raster (10 m pixels)
 *
 * Both use the quartic kernel with a 150 m radius. The points are a fixed-seed mixture of 60
 * Gaussian clusters (80 m to 1.5 km across, sizes from a power law) over a uniform background
 * of 15% of the points; weights, when used, are log-normal "handling hours".
 *
 * For each case, steps run in child processes (bench_child.h prints each one's peak memory):
 *   ours    one warm-up run, then the median of 3 runs on 1 and on 2 threads: total, binning
 *           and convolution times, points/s, ms per megapixel; the direct method beside the
 *           FFT where it is affordable; a weighted run. Saves the points and the raster.
 *   numpy   the same points through numpy.histogram2d + scipy.signal.fftconvolve (the same
 *           discrete quartic), timed, and its raster compared with ours away from the edges
 *           (histogram2d drops the points outside the box, which warm the edges in ours).
 *   peers   qgis_process (native:heatmapkerneldensityestimation) and GRASS v.kernel, when
 *           installed (each under a 30-minute timeout); otherwise "not installed". */
#include "bench_child.h"
#include "wg/density.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RADIUS_M 150.0
#define RUNS 3
#define POINTS_FILE "points.f64"
#define RASTER_FILE "raster.f64"

typedef struct bcase {
    const char *name;
    size_t n;
    double width_m, height_m;
    size_t cols, rows;
} bcase;

static const bcase cases[] = {
    {"10M", 10000000, 30000, 30000, 4096, 4096},
    {"1M", 1000000, 20820, 21040, 2082, 2104},
};

static const bcase *find_case(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

/* ---- points ------------------------------------------------------------------------------ */

/* splitmix64: fixed seed, so every run makes the same points. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s)
{
    return ((double)(next_u64(s) >> 11) + 0.5) * 0x1p-53;
}

static double normal(uint64_t *s)
{
    return sqrt(-2.0 * log(uniform01(s))) * cos(6.283185307179586 * uniform01(s));
}

#define NCLUSTERS 60
#define BACKGROUND 0.15

/* n points (and weights when w is not NULL) over a width x height city at the origin. */
static void make_points(const bcase *c, double *xy, double *w)
{
    uint64_t s = 20240601;
    double cx[NCLUSTERS], cy[NCLUSTERS], sd[NCLUSTERS], cum[NCLUSTERS], total = 0;
    for (int k = 0; k < NCLUSTERS; k++) {
        cx[k] = c->width_m * (0.1 + 0.8 * uniform01(&s));
        cy[k] = c->height_m * (0.1 + 0.8 * uniform01(&s));
        sd[k] = 40.0 * pow(750.0 / 40.0, uniform01(&s)); /* 80 m to 1.5 km across */
        total += pow(uniform01(&s), -0.8);               /* a few large clusters */
        cum[k] = total;
    }
    for (size_t i = 0; i < c->n; i++) {
        double u = uniform01(&s), x, y;
        if (u < BACKGROUND) {
            x = c->width_m * uniform01(&s);
            y = c->height_m * uniform01(&s);
        } else {
            double v = uniform01(&s) * total;
            int k = 0;
            while (k < NCLUSTERS - 1 && cum[k] < v)
                k++;
            x = cx[k] + sd[k] * normal(&s);
            y = cy[k] + sd[k] * normal(&s);
        }
        xy[2 * i] = x;
        xy[2 * i + 1] = y;
        if (w)
            w[i] = exp(0.3 + 0.8 * normal(&s)); /* hours: median 1.35 */
    }
}

/* ---- helpers ------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static wg_status grid_of(wg_ctx *ctx, const bcase *c, wg_raster_grid *g)
{
    return wg_raster_grid_by_size(ctx, 0, 0, c->width_m, c->height_m, c->cols, c->rows, g);
}

/* ---- the machine ------------------------------------------------------------------------- */

static void *spin(void *p)
{
    volatile double x = 1;
    for (long i = 0; i < 50000000; i++)
        x = x * 1.0000001 + 1e-9;
    (void)p;
    return NULL;
}

/* How much faster two threads do twice the arithmetic than one thread does (2.0 on two free
 * cores), so that the 2-thread figures can be read. */
static double parallel_speedup(void)
{
    double t0 = wg_now();
    spin(NULL);
    double one = wg_now() - t0;
    pthread_t th;
    t0 = wg_now();
    bool started = pthread_create(&th, NULL, spin, NULL) == 0;
    spin(NULL);
    if (started)
        pthread_join(th, NULL);
    double two = wg_now() - t0;
    return started ? 2 * one / two : 1;
}

/* ---- step: ours -------------------------------------------------------------------------- */

/* Runs wg_density RUNS times after a warm-up; prints the median run's figures. */
static int time_runs(wg_ctx *ctx, const bcase *c, const wg_raster_grid *g, const wg_density_opts *o,
                     const double *xy, const double *w, double *out, const char *label)
{
    double tot[RUNS], bin[RUNS], conv[RUNS];
    wg_density_stats st = {0};
    for (int r = -1; r < RUNS; r++) {
        double t0 = wg_now();
        if (wg_density(ctx, g, o, xy, w, c->n, out, &st) != WG_OK) {
            fprintf(stderr, "bench_density: %s\n", wg_ctx_errmsg(ctx));
            return 1;
        }
        if (r >= 0) {
            tot[r] = wg_now() - t0;
            bin[r] = st.bin_s;
            conv[r] = st.conv_s;
        }
    }
    qsort(tot, RUNS, sizeof tot[0], cmp_double);
    qsort(bin, RUNS, sizeof bin[0], cmp_double);
    qsort(conv, RUNS, sizeof conv[0], cmp_double);
    double t = tot[RUNS / 2], mpix = (double)(c->cols * c->rows) / 1e6;
    printf("density case=%s %s points=%zu raster=%zux%zu radius_m=%g kernel=%s threads=%d "
           "method=%s",
           c->name, label, c->n, c->cols, c->rows, o->radius_m, wg_kernel_name(o->kernel),
           o->threads ? o->threads : 1, st.method == WG_DENSITY_FFT ? "fft" : "direct");
    if (st.method == WG_DENSITY_FFT)
        printf(" tile=%zux%zu tiles=%zu empty=%zu exact_px=%zu", st.tile_cols, st.tile_rows,
               st.tiles, st.tiles_empty, st.pixels_exact);
    printf(" kernel_px=%zux%zu taps=%zu\n", st.kernel_cols, st.kernel_rows, st.kernel_taps);
    printf("density case=%s %s threads=%d total_s=%.3f bin_s=%.3f conv_s=%.3f rate=%.3g/s "
           "ms_per_mpix=%.2f\n",
           c->name, label, o->threads ? o->threads : 1, t, bin[RUNS / 2], conv[RUNS / 2],
           (double)c->n / t, t * 1e3 / mpix);
    return 0;
}

static int step_ours(const char *name, const char *dir)
{
    const bcase *c = find_case(name);
    wg_ctx *ctx = wg_ctx_new();
    double *xy = malloc(2 * c->n * sizeof *xy), *w = malloc(c->n * sizeof *w);
    double *out = malloc(c->cols * c->rows * sizeof *out);
    wg_raster_grid g;
    int rc = 1;
    if (!ctx || !xy || !w || !out || grid_of(ctx, c, &g) != WG_OK)
        goto done;
    double t0 = wg_now();
    make_points(c, xy, w);
    printf("density case=%s points generated in %.2f s; machine: 2 threads run %.2fx one\n",
           c->name, wg_now() - t0, parallel_speedup());
    wg_density_opts o = {.kernel = WG_KERNEL_QUARTIC, .radius_m = RADIUS_M};
    rc = 0;
    for (int t = 1; t <= 2 && rc == 0; t++) {
        o.threads = t;
        rc = time_runs(ctx, c, &g, &o, xy, NULL, out, "auto");
    }
    /* The other method where it is affordable, to see the cost model's choice. */
    if (rc == 0 && c->n <= 1000000) {
        o.threads = 1;
        o.method = WG_DENSITY_DIRECT;
        rc = time_runs(ctx, c, &g, &o, xy, NULL, out, "forced");
        o.method = WG_DENSITY_FFT;
        if (rc == 0)
            rc = time_runs(ctx, c, &g, &o, xy, NULL, out, "forced");
        o.method = WG_DENSITY_AUTO;
    }
    if (rc == 0) {
        o.threads = 2;
        rc = time_runs(ctx, c, &g, &o, xy, w, out, "weighted");
    }
    /* The unweighted raster for the comparison with numpy. */
    o.threads = 2;
    if (rc == 0 && wg_density(ctx, &g, &o, xy, NULL, c->n, out, NULL) != WG_OK)
        rc = 1;
    double mass = 0, max = 0;
    for (size_t i = 0; rc == 0 && i < c->cols * c->rows; i++) {
        mass += out[i] * g.px * g.py / 1e6;
        max = out[i] > max ? out[i] : max;
    }
    if (rc == 0)
        printf("density case=%s raster_mass=%.1f points max_per_km2=%.4g\n", c->name, mass, max);
    if (rc == 0)
        rc = write_file(dir, POINTS_FILE, xy, 2 * c->n * sizeof *xy);
    if (rc == 0)
        rc = write_file(dir, RASTER_FILE, out, c->cols * c->rows * sizeof *out);
done:
    if (rc && ctx && wg_ctx_status(ctx) != WG_OK)
        fprintf(stderr, "bench_density: %s\n", wg_ctx_errmsg(ctx));
    free(xy);
    free(w);
    free(out);
    wg_ctx_free(ctx);
    return rc;
}

/* ---- step: numpy + scipy ----------------------------------------------------------------- */

static const char *const py_script =
    "import sys, time, resource\n"
    "import numpy as np\n"
    "from scipy.signal import fftconvolve\n"
    "d, cols, rows, w, h, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "
    "float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])\n"
    "px, py = w / cols, h / rows\n"
    "xy = np.fromfile(d + '/" POINTS_FILE "', dtype=np.float64).reshape(-1, 2)\n"
    "t0 = time.perf_counter()\n"
    "# rows from the north, as a raster: histogram over (h - y, x)\n"
    "H, _, _ = np.histogram2d(h - xy[:, 1], xy[:, 0], bins=[rows, cols],\n"
    "                         range=[[0, h], [0, w]])\n"
    "t1 = time.perf_counter()\n"
    "kx, ky = int(R // px), int(R // py)\n"
    "X, Y = np.meshgrid(np.arange(-kx, kx + 1) * px, np.arange(-ky, ky + 1) * py)\n"
    "u2 = (X * X + Y * Y) / (R * R)\n"
    "K = np.where(u2 <= 1, 3 / (np.pi * R * R) * (1 - u2) ** 2, 0.0)\n"
    "K *= 1e6 / (K.sum() * px * py)\n"
    "D = fftconvolve(H, K, mode='same')\n"
    "t2 = time.perf_counter()\n"
    "ours = np.fromfile(d + '/" RASTER_FILE "', dtype=np.float64).reshape(rows, cols)\n"
    "m = 2 * max(kx, ky)\n"
    "diff = np.abs(D[m:-m, m:-m] - ours[m:-m, m:-m]).max() / ours.max()\n"
    "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
    "print('numpy_scipy case=%s points=%d total_s=%.3f hist_s=%.3f conv_s=%.3f "
    "max_diff_interior=%.2e_of_max peak_rss_mib=%.1f numpy=%s' % (sys.argv[7], len(xy), "
    "t2 - t0, t1 - t0, t2 - t1, diff, rss, np.__version__))\n";

/* A Python with numpy and scipy: "python3" first, then Debian's own (a pyenv or venv python3
 * on PATH may lack them). */
static const char *find_python(void)
{
    static const char *const cand[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++)
        if (sh("%s -c 'import numpy, scipy.signal' >/dev/null 2>&1", cand[i]) == 0)
            return cand[i];
    return NULL;
}

static int step_numpy(const char *name, const char *dir)
{
    const bcase *c = find_case(name);
    const char *py = find_python();
    if (!py) {
        printf("numpy_scipy case=%s not installed (python3 with numpy and scipy)\n", c->name);
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/baseline.py", dir);
    if (write_file(dir, "baseline.py", py_script, strlen(py_script)) != 0)
        return 1;
    int rc = sh("%s '%s' '%s' %zu %zu %.17g %.17g %g %s", py, path, dir, c->cols, c->rows,
                c->width_m, c->height_m, RADIUS_M, c->name);
    if (rc != 0)
        printf("numpy_scipy case=%s failed (exit %d)\n", c->name, rc);
    return 0;
}

/* ---- step: QGIS and GRASS ------------------------------------------------------------------ */

static bool have(const char *prog)
{
    return sh("command -v %s >/dev/null 2>&1", prog) == 0;
}

/* The points as CSV (x,y), for the GIS tools. */
static int write_csv(const char *dir, const bcase *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/points.csv", dir);
    FILE *in = NULL, *fp = fopen(path, "w");
    snprintf(path, sizeof path, "%s/" POINTS_FILE, dir);
    in = fopen(path, "rb");
    int rc = fp && in ? 0 : 1;
    if (fp)
        fputs("x,y\n", fp);
    double p[2];
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        if (fread(p, sizeof p, 1, in) != 1)
            rc = 1;
        else
            fprintf(fp, "%.3f,%.3f\n", p[0], p[1]);
    }
    if (in)
        fclose(in);
    if (fp && fclose(fp) != 0)
        rc = 1;
    return rc;
}

static int step_peers(const char *name, const char *dir)
{
    const bcase *c = find_case(name);
    bool qgis = have("qgis_process"), grass = have("grass");
    if (!qgis)
        printf("qgis_process case=%s not installed\n", c->name);
    if (!grass)
        printf("grass case=%s not installed\n", c->name);
    if ((qgis || grass) && write_csv(dir, c) != 0)
        return 1;
    double px = c->width_m / (double)c->cols;
    if (qgis) {
        double t0 = wg_now();
        int rc = sh("timeout 1800 qgis_process run native:heatmapkerneldensityestimation "
                    "--INPUT='delimitedtext://file://%s/points.csv?type=csv&xField=x&yField=y"
                    "&crs=EPSG:32650' --RADIUS=%g --PIXEL_SIZE=%g --KERNEL=0 --OUTPUT_VALUE=1 "
                    "--OUTPUT='%s/qgis.tif' >/dev/null 2>&1",
                    dir, RADIUS_M, px, dir);
        printf("qgis_process case=%s total_s=%.3f exit=%d\n", c->name, wg_now() - t0, rc);
    }
    if (grass) {
        double t0 = wg_now();
        int rc = sh("timeout 1800 grass --tmp-location EPSG:32650 --exec sh -c \""
                    "v.in.ascii -t input='%s/points.csv' output=pts separator=comma skip=1 x=1 "
                    "y=2 && g.region n=%g s=0 e=%g w=0 rows=%zu cols=%zu && "
                    "v.kernel input=pts output=dens radius=%g kernel=quartic\" >/dev/null 2>&1",
                    dir, c->height_m, c->width_m, c->rows, c->cols, RADIUS_M);
        printf("grass case=%s total_s=%.3f exit=%d (import included)\n", c->name, wg_now() - t0,
               rc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const bench_step steps[] = {
        {step_ours, "density_ours"}, {step_numpy, "density_numpy"}, {step_peers, "density_peers"}};
    char *defaults[] = {argv[0], "10M", "1M"};
    if (argc <= 1) {
        argc = 3;
        argv = defaults;
    }
    for (int i = 1; i < argc; i++) {
        if (!find_case(argv[i])) {
            fprintf(stderr, "usage: bench_density [10M|1M ...]\n");
            return 2;
        }
    }
    return bench_scales(argc, argv, "bench_density", steps, 3);
}
