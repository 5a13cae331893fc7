/* tests/render/test_style.c: colour ramps and classification (wg/ramp.h) — ramp endpoints
 * and stops against the published tables, lightness order of sequential ramps, lookup by
 * name; class bounds for equal intervals and quantiles, Jenks against a brute-force dynamic
 * programme, ties, NaNs, bad input and wg_class_of on the bounds. */
#include "support.h"
#include "wg/ramp.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_style(void);

static uint64_t rng_state;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

/* ---- ramps ---- */

static const wg_ramp *ramp(const char *name)
{
    const wg_ramp *r = wg_ramp_find(name);
    ck_assert_msg(r != NULL, "no ramp %s", name);
    return r;
}

/* Fails unless c is exactly the 8-bit colour 0xrrggbb. */
static void assert_hex(wg_rgb c, unsigned hex, const char *what)
{
    double r = (hex >> 16) / 255.0, g = ((hex >> 8) & 255) / 255.0, b = (hex & 255) / 255.0;
    ck_assert_msg(c.r == r && c.g == g && c.b == b, "%s: got %.17g %.17g %.17g, want #%06x", what,
                  c.r * 255, c.g * 255, c.b * 255, hex);
}

static void assert_near(wg_rgb c, wg_rgb want, double tol, const char *what)
{
    ck_assert_msg(fabs(c.r - want.r) <= tol && fabs(c.g - want.g) <= tol &&
                      fabs(c.b - want.b) <= tol,
                  "%s: got %.17g %.17g %.17g, want %.17g %.17g %.17g", what, c.r, c.g, c.b, want.r,
                  want.g, want.b);
}

static wg_rgb rgb_hex(unsigned hex)
{
    return (wg_rgb){(hex >> 16) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0};
}

/* CIE L* (D65) of an sRGB colour. */
static double lightness(wg_rgb c)
{
    double ch[3] = {c.r, c.g, c.b}, lin[3];
    for (int i = 0; i < 3; i++)
        lin[i] = ch[i] <= 0.04045 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
    double y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    double f = y > 216.0 / 24389.0 ? cbrt(y) : (24389.0 / 27.0 * y + 16) / 116;
    return 116 * f - 16;
}

START_TEST(matplotlib_endpoints_and_stops)
{
    assert_hex(wg_ramp_at(ramp("viridis"), 0), 0x440154, "viridis 0");
    assert_hex(wg_ramp_at(ramp("viridis"), 1), 0xfde725, "viridis 1");
    assert_hex(wg_ramp_at(ramp("magma"), 0), 0x000004, "magma 0");
    assert_hex(wg_ramp_at(ramp("magma"), 1), 0xfcfdbf, "magma 1");
    assert_hex(wg_ramp_at(ramp("inferno"), 1), 0xfcffa4, "inferno 1");
    assert_hex(wg_ramp_at(ramp("plasma"), 0), 0x0d0887, "plasma 0");
    assert_hex(wg_ramp_at(ramp("plasma"), 1), 0xf0f921, "plasma 1");
    assert_hex(wg_ramp_at(ramp("cividis"), 0), 0x00224e, "cividis 0");
    assert_hex(wg_ramp_at(ramp("cividis"), 1), 0xfee838, "cividis 1");
    /* Stop 128 of 256: matplotlib's (0.127568, 0.566949, 0.550556) x 255, rounded. */
    assert_near(wg_ramp_color(ramp("viridis"), 128, 256), rgb_hex(0x21918c), 1e-12,
                "viridis stop 128");
    assert_near(wg_ramp_color(ramp("magma"), 128, 256), rgb_hex(0xb73779), 1e-12, "magma stop 128");
    /* Half-way between the first two stops is their mean. */
    wg_rgb a = rgb_hex(0x440154), b = rgb_hex(0x440256);
    wg_rgb mid = {(a.r + b.r) / 2, (a.g + b.g) / 2, (a.b + b.b) / 2};
    assert_near(wg_ramp_at(ramp("viridis"), 0.5 / 255), mid, 1e-12, "viridis between stops");
}
END_TEST

START_TEST(colorbrewer_and_tableau_values)
{
    assert_hex(wg_ramp_at(ramp("Blues"), 0), 0xf7fbff, "Blues 0");
    assert_hex(wg_ramp_at(ramp("Blues"), 1), 0x08306b, "Blues 1");
    assert_hex(wg_ramp_at(ramp("YlOrRd"), 0.5), 0xfd8d3c, "YlOrRd middle stop");
    assert_hex(wg_ramp_at(ramp("YlOrRd"), 1), 0x800026, "YlOrRd 1");
    assert_hex(wg_ramp_at(ramp("Greys"), 1), 0x000000, "Greys 1");
    /* Diverging ramps meet their neutral middle stop exactly at t = 0.5. */
    assert_hex(wg_ramp_at(ramp("RdBu"), 0.5), 0xf7f7f7, "RdBu middle");
    assert_hex(wg_ramp_at(ramp("BrBG"), 0.5), 0xf5f5f5, "BrBG middle");
    assert_hex(wg_ramp_at(ramp("RdYlBu"), 0.5), 0xffffbf, "RdYlBu middle");
    assert_hex(wg_ramp_at(ramp("RdBu"), 0), 0x67001f, "RdBu 0");
    assert_hex(wg_ramp_at(ramp("Spectral"), 1), 0x5e4fa2, "Spectral 1");
    /* ColorBrewer's order: PuOr runs from orange to purple. */
    assert_hex(wg_ramp_at(ramp("PuOr"), 0), 0x7f3b08, "PuOr 0");
    assert_hex(wg_ramp_at(ramp("PuOr"), 1), 0x2d004b, "PuOr 1");
    /* Qualitative colours by index, cycling. */
    assert_hex(wg_ramp_color(ramp("Set2"), 0, 3), 0x66c2a5, "Set2 0");
    assert_hex(wg_ramp_color(ramp("Set2"), 8, 3), 0x66c2a5, "Set2 8 cycles");
    assert_hex(wg_ramp_color(ramp("Set2"), 7, 3), 0xb3b3b3, "Set2 7");
    assert_hex(wg_ramp_color(ramp("Dark2"), 3, 8), 0xe7298a, "Dark2 3");
    assert_hex(wg_ramp_color(ramp("Paired"), 11, 12), 0xb15928, "Paired 11");
    assert_hex(wg_ramp_color(ramp("Tableau10"), 1, 10), 0xf28e2b, "Tableau10 1");
    assert_hex(wg_ramp_color(ramp("Tableau10"), 9, 10), 0xbab0ac, "Tableau10 9");
    assert_hex(wg_ramp_color(ramp("Tableau10"), 12, 10), 0xe15759, "Tableau10 12 cycles");
}
END_TEST

START_TEST(ramp_at_clamps_and_color_spans)
{
    size_t n;
    const wg_ramp *const *all = wg_ramps(&n);
    for (size_t i = 0; i < n; i++) {
        const wg_ramp *r = all[i];
        const char *name = wg_ramp_name(r);
        wg_rgb c0 = wg_ramp_at(r, 0), c1 = wg_ramp_at(r, 1);
        assert_near(wg_ramp_at(r, -3), c0, 0, name);
        assert_near(wg_ramp_at(r, NAN), c0, 0, name);
        assert_near(wg_ramp_at(r, 7), c1, 0, name);
        assert_near(wg_ramp_at(r, nextafter(1, 0)), c1, 1e-12, name);
        for (double t = 0; t <= 1; t += 1.0 / 64) {
            wg_rgb c = wg_ramp_at(r, t);
            ck_assert_msg(c.r >= 0 && c.r <= 1 && c.g >= 0 && c.g <= 1 && c.b >= 0 && c.b <= 1,
                          "%s at %g out of [0, 1]", name, t);
        }
        if (wg_ramp_kind_of(r) == WG_RAMP_QUALITATIVE)
            continue;
        /* n colours span the ramp end to end; one colour is its middle. */
        assert_near(wg_ramp_color(r, 0, 5), c0, 0, name);
        assert_near(wg_ramp_color(r, 4, 5), c1, 0, name);
        assert_near(wg_ramp_color(r, 9, 5), c1, 0, name);
        assert_near(wg_ramp_color(r, 2, 5), wg_ramp_at(r, 0.5), 0, name);
        assert_near(wg_ramp_color(r, 0, 1), wg_ramp_at(r, 0.5), 0, name);
    }
}
END_TEST

START_TEST(sequential_lightness_is_monotonic)
{
    /* viridis: L* strictly increasing, by at least 3 units a sixteenth. */
    const wg_ramp *v = ramp("viridis");
    for (int i = 1; i <= 16; i++) {
        double a = lightness(wg_ramp_at(v, (i - 1) / 16.0)), b = lightness(wg_ramp_at(v, i / 16.0));
        ck_assert_msg(b > a + 3, "viridis L* at %d/16 is %g, before it %g", i, b, a);
    }
    /* Every sequential ramp: strictly monotonic at 16 steps, light to dark for ColorBrewer,
     * dark to light for matplotlib's. */
    size_t n, nseq = 0;
    const wg_ramp *const *all = wg_ramps(&n);
    for (size_t r = 0; r < n; r++) {
        if (wg_ramp_kind_of(all[r]) != WG_RAMP_SEQUENTIAL)
            continue;
        nseq++;
        const char *name = wg_ramp_name(all[r]);
        double first = lightness(wg_ramp_at(all[r], 0)), last = lightness(wg_ramp_at(all[r], 1));
        bool up = r < 5; /* matplotlib's five come first, as the header lists them */
        ck_assert_msg(up ? last > first : last < first, "%s: L* %g to %g", name, first, last);
        double prev = first;
        for (int i = 1; i <= 16; i++) {
            double l = lightness(wg_ramp_at(all[r], i / 16.0));
            ck_assert_msg(up ? l > prev : l < prev, "%s: L* at %d/16 is %g, before it %g", name, i,
                          l, prev);
            prev = l;
        }
    }
    ck_assert_uint_eq(nseq, 19);
}
END_TEST

START_TEST(every_ramp_found_by_name)
{
    size_t n;
    const wg_ramp *const *all = wg_ramps(&n);
    ck_assert_uint_eq(n, 30);
    size_t kinds[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const char *name = wg_ramp_name(all[i]);
        ck_assert_ptr_eq(wg_ramp_find(name), all[i]);
        char up[32], low[32];
        size_t len = strlen(name);
        ck_assert_uint_lt(len, sizeof up);
        for (size_t j = 0; j <= len; j++) {
            up[j] = (char)toupper((unsigned char)name[j]);
            low[j] = (char)tolower((unsigned char)name[j]);
        }
        ck_assert_ptr_eq(wg_ramp_find(up), all[i]);
        ck_assert_ptr_eq(wg_ramp_find(low), all[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(wg_ramp_name(all[j]), name);
        kinds[wg_ramp_kind_of(all[i])]++;
    }
    ck_assert_uint_eq(kinds[WG_RAMP_SEQUENTIAL], 19);
    ck_assert_uint_eq(kinds[WG_RAMP_DIVERGING], 7);
    ck_assert_uint_eq(kinds[WG_RAMP_QUALITATIVE], 4);
    ck_assert_str_eq(wg_ramp_name(all[0]), "viridis"); /* the header's order */
    ck_assert_str_eq(wg_ramp_name(all[n - 1]), "Tableau10");
    ck_assert_ptr_null(wg_ramp_find("viridiss"));
    ck_assert_ptr_null(wg_ramp_find("viridis "));
    ck_assert_ptr_null(wg_ramp_find(""));
    ck_assert_ptr_null(wg_ramp_find("jet"));
    ck_assert_ptr_null(wg_ramp_find(NULL));
}
END_TEST

/* ---- classification ---- */

START_TEST(method_names_round_trip)
{
    wg_class_method m = WG_CLASS_EQUAL;
    ck_assert(wg_class_method_parse("jenks", &m) && m == WG_CLASS_JENKS);
    ck_assert(wg_class_method_parse("Quantile", &m) && m == WG_CLASS_QUANTILE);
    ck_assert(wg_class_method_parse("natural", &m) && m == WG_CLASS_JENKS);
    ck_assert(wg_class_method_parse("EQUAL", &m) && m == WG_CLASS_EQUAL);
    ck_assert(!wg_class_method_parse("kmeans", &m) && m == WG_CLASS_EQUAL);
    ck_assert(!wg_class_method_parse("", &m) && !wg_class_method_parse(NULL, &m));
    const wg_class_method all[] = {WG_CLASS_QUANTILE, WG_CLASS_EQUAL, WG_CLASS_JENKS};
    for (int i = 0; i < 3; i++) {
        ck_assert(wg_class_method_parse(wg_class_method_name(all[i]), &m));
        ck_assert_int_eq(m, all[i]);
    }
}
END_TEST

/* Runs wg_classify, failing the test unless it succeeds; returns the class count. */
static size_t classify(const double *x, size_t n, size_t k, wg_class_method m, double *breaks)
{
    size_t nc = 0;
    T_OK(t_ctx, wg_classify(t_ctx, x, n, k, m, breaks, &nc));
    ck_assert_uint_ge(nc, 1);
    ck_assert_uint_le(nc, k);
    return nc;
}

static void assert_breaks(const double *got, size_t ngot, const double *want, size_t nwant,
                          const char *what)
{
    ck_assert_msg(ngot == nwant, "%s: %zu classes, want %zu", what, ngot, nwant);
    for (size_t i = 0; i <= nwant; i++)
        ck_assert_msg(got[i] == want[i], "%s: breaks[%zu] = %.17g, want %.17g", what, i, got[i],
                      want[i]);
}

START_TEST(equal_breaks_exact)
{
    const double x[] = {11, 2, 5, 7, 3};
    double b[10];
    size_t nc = classify(x, 5, 3, WG_CLASS_EQUAL, b);
    assert_breaks(b, nc, (const double[]){2, 5, 8, 11}, 3, "2..11 in 3");

    rng_state = 0x1234567;
    double v[500], lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 500; i++) {
        v[i] = -3 + 20 * rnd();
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    for (size_t k = 1; k <= 9; k++) {
        nc = classify(v, 500, k, WG_CLASS_EQUAL, b);
        ck_assert_uint_eq(nc, k);
        for (size_t i = 0; i < k; i++)
            ck_assert_double_eq(b[i], lo + (hi - lo) * (double)i / (double)k);
        ck_assert_double_eq(b[k], hi);
    }
}
END_TEST

START_TEST(quantile_counts_balanced)
{
    double x[1000], b[10];
    for (int i = 0; i < 1000; i++)
        x[i] = (double)((i * 337) % 1000 + 1); /* 1..1000, shuffled */
    size_t nc = classify(x, 1000, 4, WG_CLASS_QUANTILE, b);
    assert_breaks(b, nc, (const double[]){1, 250, 500, 750, 1000}, 4, "1..1000 in 4");
    for (size_t k = 1; k <= 9; k++) {
        nc = classify(x, 1000, k, WG_CLASS_QUANTILE, b);
        ck_assert_uint_eq(nc, k);
        size_t count[9] = {0};
        for (int i = 0; i < 1000; i++)
            count[wg_class_of(b, nc, x[i])]++;
        for (size_t c = 0; c < k; c++)
            ck_assert_msg(count[c] == 1000 / k || count[c] == (1000 + k - 1) / k,
                          "k = %zu: class %zu holds %zu", k, c, count[c]);
    }
}
END_TEST

START_TEST(quantile_ties_merge)
{
    /* 100 ones, a 2 and a 3. In 2 classes both quantile ends fall on 1 and 3: the first
     * class is the ones alone (breaks[0] == breaks[1]). In 3 classes, one per value. */
    double x[102], b[4];
    for (int i = 0; i < 100; i++)
        x[i] = 1;
    x[100] = 3;
    x[101] = 2;
    size_t nc = classify(x, 102, 2, WG_CLASS_QUANTILE, b);
    assert_breaks(b, nc, (const double[]){1, 1, 3}, 2, "ties in 2");
    nc = classify(x, 102, 3, WG_CLASS_QUANTILE, b);
    assert_breaks(b, nc, (const double[]){1, 1, 2, 3}, 3, "ties in 3");
    /* 2 ones and 100 threes in 2 classes: the end of the first class ties with the maximum. */
    for (int i = 2; i < 102; i++)
        x[i] = 3;
    x[50] = 2;
    nc = classify(x, 102, 2, WG_CLASS_QUANTILE, b);
    assert_breaks(b, nc, (const double[]){1, 3}, 1, "ties at the maximum");
}
END_TEST

/* The least within-class sum of squares of the sorted values s[0..n) in at most k contiguous
 * classes, by the plain O(k n^2) programme over a table of every run's sum of squares (each
 * run summed about its first value). Equal values may be split here; the optimum is the same. */
static double brute_jenks(const double *s, size_t n, size_t k)
{
    double *cost = malloc(n * n * sizeof *cost), *dp = malloc(n * sizeof *dp),
           *nx = malloc(n * sizeof *nx);
    ck_assert(cost && dp && nx);
    for (size_t j = 0; j < n; j++) {
        double sum = 0, sq = 0;
        for (size_t i = j; i < n; i++) {
            double y = s[i] - s[j];
            sum += y;
            sq += y * y;
            cost[j * n + i] = fmax(0, sq - sum * sum / (double)(i - j + 1));
        }
    }
    for (size_t i = 0; i < n; i++)
        dp[i] = cost[i]; /* one class over s[0..i] */
    for (size_t q = 1; q < k && q < n; q++) {
        for (size_t i = 0; i < n; i++) {
            nx[i] = dp[i]; /* at most q + 1 classes: q classes will do */
            for (size_t j = 1; j <= i; j++)
                nx[i] = fmin(nx[i], dp[j - 1] + cost[j * n + i]);
        }
        memcpy(dp, nx, n * sizeof *dp);
    }
    double best = dp[n - 1];
    free(cost);
    free(dp);
    free(nx);
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Classifies x[0..n) (some maybe NaN) by Jenks in k and checks the bounds against the
 * contract and the brute-force optimum. */
static void check_jenks(const double *x, size_t n, size_t k)
{
    double *s = malloc(n * sizeof *s), b[16];
    ck_assert(s != NULL);
    size_t m = 0, d = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            s[m++] = x[i];
    qsort(s, m, sizeof *s, cmp_double);
    for (size_t i = 0; i < m; i++)
        d += i == 0 || s[i] != s[i - 1];
    size_t nc = classify(x, n, k, WG_CLASS_JENKS, b);
    ck_assert_msg(nc == (k < d ? k : d), "n %zu d %zu k %zu: %zu classes", m, d, k, nc);
    ck_assert(b[0] == s[0] && b[nc] == s[m - 1]);
    ck_assert(nc == 1 || b[0] <= b[1]);
    for (size_t c = 2; c <= nc; c++)
        ck_assert_msg(b[c] > b[c - 1], "breaks[%zu] = %g after %g", c, b[c], b[c - 1]);
    /* Every class holds a value, and its upper bound is its largest value. */
    double sum[16] = {0}, sq[16] = {0}, top[16] = {0};
    size_t cnt[16] = {0};
    for (size_t i = 0; i < m; i++) {
        size_t c = wg_class_of(b, nc, s[i]);
        double y = s[i] - s[0];
        sum[c] += y;
        sq[c] += y * y;
        cnt[c]++;
        top[c] = s[i];
    }
    double sse = 0, total = 0;
    for (size_t c = 0; c < nc; c++) {
        ck_assert_msg(cnt[c] > 0, "class %zu of %zu is empty", c, nc);
        ck_assert_double_eq(top[c], b[c + 1]);
        sse += fmax(0, sq[c] - sum[c] * sum[c] / (double)cnt[c]);
        total += sq[c];
    }
    double best = brute_jenks(s, m, k);
    ck_assert_msg(fabs(sse - best) <= 1e-9 * (1 + total),
                  "n %zu k %zu: within-class sum of squares %.17g, optimum %.17g", m, k, sse, best);
    free(s);
}

START_TEST(jenks_equals_brute_force)
{
    rng_state = 0xC0FFEE;
    double x[60];
    for (int trial = 0; trial < 600; trial++) {
        size_t n = 1 + (size_t)(rnd() * 60), k = 1 + (size_t)(rnd() * 6);
        int kind = trial % 4;
        for (size_t i = 0; i < n; i++) {
            if (kind == 0) /* few distinct values: many ties */
                x[i] = floor(rnd() * 6);
            else if (kind == 1) /* integers with some ties */
                x[i] = floor(rnd() * 40) - 20;
            else if (kind == 2) /* clusters far from zero */
                x[i] = 1e6 + 100 * floor(rnd() * 4) + rnd();
            else
                x[i] = rnd() < 0.1 ? NAN : pow(10, 3 * rnd());
        }
        if (kind == 3 && isnan(x[0]))
            x[0] = 1; /* keep a finite value */
        check_jenks(x, n, k);
    }
}
END_TEST

START_TEST(jenks_equals_brute_force_larger)
{
    rng_state = 0xBADCAFE;
    size_t n = 1500;
    double *x = malloc(n * sizeof *x);
    ck_assert(x != NULL);
    for (size_t i = 0; i < n; i++) /* three skewed clusters */
        x[i] = (double)(i % 3) * 10 + pow(rnd(), 3) * 8;
    check_jenks(x, n, 4);
    check_jenks(x, n, 7);
    for (size_t i = 0; i < n; i++)
        x[i] = floor(rnd() * 50); /* 50 distinct values, heavily tied */
    check_jenks(x, n, 9);
    free(x);
}
END_TEST

START_TEST(jenks_known_example)
{
    const double x[] = {1, 2, 3, 10, 11, 12, 20, 21, 22};
    double b[10];
    size_t nc = classify(x, 9, 3, WG_CLASS_JENKS, b);
    assert_breaks(b, nc, (const double[]){1, 3, 12, 22}, 3, "three clusters");
    /* In 2: {1..12} {20..22} costs 127.5, {1..3} {10..22} costs 156. */
    nc = classify(x, 9, 2, WG_CLASS_JENKS, b);
    assert_breaks(b, nc, (const double[]){1, 12, 22}, 2, "two classes");
    /* Order does not matter and NaN and infinities are ignored. */
    const double y[] = {NAN, 21, 12, -INFINITY, 1, 20, NAN, 3, 11, 2, 22, INFINITY, 10, NAN};
    nc = classify(y, 14, 3, WG_CLASS_JENKS, b);
    assert_breaks(b, nc, (const double[]){1, 3, 12, 22}, 3, "shuffled with NaNs");
    nc = classify(y, 14, 1, WG_CLASS_QUANTILE, b);
    assert_breaks(b, nc, (const double[]){1, 22}, 1, "one class");
}
END_TEST

START_TEST(fewer_distinct_values_than_k)
{
    const double x[] = {5, 7, 5, 9, NAN, 7, 7};
    double b[10];
    for (int m = 0; m < 2; m++) {
        wg_class_method method = m ? WG_CLASS_JENKS : WG_CLASS_QUANTILE;
        size_t nc = classify(x, 7, 5, method, b);
        assert_breaks(b, nc, (const double[]){5, 5, 7, 9}, 3, wg_class_method_name(method));
        ck_assert_uint_eq(wg_class_of(b, nc, 5), 0);
        ck_assert_uint_eq(wg_class_of(b, nc, 7), 1);
        ck_assert_uint_eq(wg_class_of(b, nc, 9), 2);
    }
    size_t nc = classify(x, 7, 5, WG_CLASS_EQUAL, b);
    assert_breaks(b, nc, (const double[]){5, 5 + 4.0 * 1 / 3, 5 + 4.0 * 2 / 3, 9}, 3, "equal");
    /* All values equal: one class, breaks[0] == breaks[1]. */
    const double same[] = {3, NAN, 3, 3};
    for (int m = 0; m < 3; m++) {
        nc = classify(same, 4, 4, (wg_class_method)m, b);
        assert_breaks(b, nc, (const double[]){3, 3}, 1, "all equal");
        ck_assert_uint_eq(wg_class_of(b, nc, 3), 0);
    }
    nc = classify((const double[]){-2.5}, 1, 9, WG_CLASS_JENKS, b);
    assert_breaks(b, nc, (const double[]){-2.5, -2.5}, 1, "one value");
}
END_TEST

START_TEST(bad_input_fails_and_writes_nothing)
{
    const double x[] = {1, 2, 3};
    double b[4] = {-7, -7, -7, -7};
    size_t nc = 99;
    ck_assert_int_eq(wg_classify(t_ctx, x, 3, 0, WG_CLASS_JENKS, b, &nc), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "k = 0"), "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    const double nan3[] = {NAN, NAN, NAN};
    for (int m = 0; m < 3; m++) {
        ck_assert_int_eq(wg_classify(t_ctx, nan3, 3, 3, (wg_class_method)m, b, &nc), WG_EINPUT);
        ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "no finite value among 3"), "got: %s",
                      wg_ctx_errmsg(t_ctx));
        wg_ctx_clear(t_ctx);
    }
    ck_assert_int_eq(wg_classify(t_ctx, x, 0, 3, WG_CLASS_QUANTILE, b, &nc), WG_EINPUT);
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_classify(t_ctx, x, 3, 3, (wg_class_method)7, b, &nc), WG_EINPUT);
    ck_assert_uint_eq(nc, 99);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(b[i], -7);
}
END_TEST

START_TEST(class_of_on_boundaries)
{
    const double b[] = {0, 10, 20, 30};
    ck_assert_uint_eq(wg_class_of(b, 3, 0), 0);
    ck_assert_uint_eq(wg_class_of(b, 3, 10), 0); /* upper bounds belong to their class */
    ck_assert_uint_eq(wg_class_of(b, 3, nextafter(10, 11)), 1);
    ck_assert_uint_eq(wg_class_of(b, 3, 20), 1);
    ck_assert_uint_eq(wg_class_of(b, 3, 25), 2);
    ck_assert_uint_eq(wg_class_of(b, 3, 30), 2);
    ck_assert_uint_eq(wg_class_of(b, 3, -5), 0); /* outside: the end classes */
    ck_assert_uint_eq(wg_class_of(b, 3, 1e300), 2);
    ck_assert_uint_eq(wg_class_of(b, 3, INFINITY), 2);
    ck_assert_uint_eq(wg_class_of(b, 3, NAN), 0);
    ck_assert_uint_eq(wg_class_of(b, 1, 25), 0);
    const double tie[] = {5, 5, 7, 9}; /* a first class of the minimum alone */
    ck_assert_uint_eq(wg_class_of(tie, 3, 5), 0);
    ck_assert_uint_eq(wg_class_of(tie, 3, 4), 0);
    ck_assert_uint_eq(wg_class_of(tie, 3, 6), 1);
    ck_assert_uint_eq(wg_class_of(tie, 3, 8), 2);
    /* Against wg_classify's own bounds: every value lands in the class whose bounds hold it. */
    double x[200], bb[8];
    rng_state = 42;
    for (int i = 0; i < 200; i++)
        x[i] = floor(rnd() * 30);
    size_t nc = classify(x, 200, 6, WG_CLASS_JENKS, bb);
    for (int i = 0; i < 200; i++) {
        size_t c = wg_class_of(bb, nc, x[i]);
        ck_assert(x[i] <= bb[c + 1] && (c == 0 ? x[i] >= bb[0] : x[i] > bb[c]));
    }
}
END_TEST

TCase *tcase_style(void)
{
    TCase *tc = tcase_create("style");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, matplotlib_endpoints_and_stops);
    tcase_add_test(tc, colorbrewer_and_tableau_values);
    tcase_add_test(tc, ramp_at_clamps_and_color_spans);
    tcase_add_test(tc, sequential_lightness_is_monotonic);
    tcase_add_test(tc, every_ramp_found_by_name);
    tcase_add_test(tc, method_names_round_trip);
    tcase_add_test(tc, equal_breaks_exact);
    tcase_add_test(tc, quantile_counts_balanced);
    tcase_add_test(tc, quantile_ties_merge);
    tcase_add_test(tc, jenks_equals_brute_force);
    tcase_add_test(tc, jenks_equals_brute_force_larger);
    tcase_add_test(tc, jenks_known_example);
    tcase_add_test(tc, fewer_distinct_values_than_k);
    tcase_add_test(tc, bad_input_fails_and_writes_nothing);
    tcase_add_test(tc, class_of_on_boundaries);
    return tc;
}
