/* render/classify.c: the class bounds a legend promises (wg/ramp.h) — quantile, equal
 * intervals and Jenks natural breaks over plain arrays of doubles. Knows nothing of colours
 * or maps.
 *
 * Every method works on the sorted finite values (see sorted_finite). Jenks is exact: the optimal
 * 1-D k-means of Ckmeans.1d.dp (Wang & Song 2011). Over the d sorted distinct values v, each
 * weighted by its count, D[q][i] is the least within-class sum of squares of v[0..i] in q + 1
 * classes: D[0][i] = ssq(0, i),   D[q][i] = min over q <= j <= i of D[q-1][j-1] + ssq(j, i), where
 * ssq(j, i) comes in O(1) from prefix sums of weights, values and squares. The largest minimising j
 * never decreases as i grows (ssq obeys the quadrangle inequality), so each row is filled by divide
 * and conquer: solve the middle i, then the left half only looks at j up to its answer and the
 * right half from it; O(d log d) a row, O(k d log d) in all. Working on distinct values keeps equal
 * values in one class, as the bounds require. */
#include "wg/ramp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool wg_class_method_parse(const char *s, wg_class_method *m)
{
    if (!s)
        return false;
    if (strcasecmp(s, "quantile") == 0)
        *m = WG_CLASS_QUANTILE;
    else if (strcasecmp(s, "equal") == 0)
        *m = WG_CLASS_EQUAL;
    else if (strcasecmp(s, "jenks") == 0 || strcasecmp(s, "natural") == 0)
        *m = WG_CLASS_JENKS;
    else
        return false;
    return true;
}

const char *wg_class_method_name(wg_class_method m)
{
    switch (m) {
    case WG_CLASS_QUANTILE:
        return "quantile";
    case WG_CLASS_EQUAL:
        return "equal";
    case WG_CLASS_JENKS:
        return "jenks";
    }
    return "unknown";
}

/* A finite double's bits as an unsigned key in the same order: negatives are flipped whole,
 * positives get the sign bit. value_of() undoes it. */
static uint64_t key_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double value_of(uint64_t u)
{
    u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The m finite values among x[0..n), sorted, in a new array the caller frees. A radix sort
 * on the keys, a byte a pass (skipping bytes every key shares): 10^6 values in ~50 ms where
 * qsort took ~190 ms, a third of a Jenks run. */
static wg_status sorted_finite(wg_ctx *ctx, const double *x, size_t n, size_t m, double **out)
{
    uint64_t *a = malloc(m * sizeof *a), *b = malloc(m * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return wg_fail(ctx, WG_ENOMEM, "classify: out of memory for %zu values", m);
    }
    size_t count[8][256] = {{0}}, j = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            a[j++] = key_of(x[i]);
    for (size_t i = 0; i < m; i++)
        for (int p = 0; p < 8; p++)
            count[p][(a[i] >> (8 * p)) & 255]++;
    for (int p = 0; p < 8; p++) {
        size_t *c = count[p];
        if (c[(a[0] >> (8 * p)) & 255] == m)
            continue;
        for (size_t v = 0, pos = 0; v < 256; v++) {
            size_t t = c[v];
            c[v] = pos;
            pos += t;
        }
        for (size_t i = 0; i < m; i++)
            b[c[(a[i] >> (8 * p)) & 255]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    /* The sorted keys are in a; b is free to take the values (malloc'd memory takes the type
     * it is written with). */
    double *s = (double *)b;
    for (size_t i = 0; i < m; i++)
        s[i] = value_of(a[i]);
    free(a);
    *out = s;
    return WG_OK;
}

/* Keeps b[0] and b[1], then only bounds above the last kept one, so that b[1..] is strictly
 * increasing; b[k] (the maximum, never below another bound) is always the last kept.
 * Returns the number of classes left. */
static size_t strictly_increasing(double *b, size_t k)
{
    size_t last = 1;
    for (size_t c = 2; c <= k; c++)
        if (b[c] > b[last])
            b[++last] = b[c];
    return last;
}

/* k equal intervals from lo to hi (lo < hi): b[c] = lo + (hi - lo) * c / k. */
static size_t equal_breaks(double lo, double hi, size_t k, double *b)
{
    double w = hi - lo;
    for (size_t c = 0; c < k; c++) {
        double t = (double)c / (double)k;
        /* hi - lo overflows only for bounds near ±DBL_MAX; then scale before subtracting. */
        b[c] = isfinite(w) ? lo + w * (double)c / (double)k : lo + (hi * t - lo * t);
        if (b[c] > hi) /* rounding must not carry a bound past the maximum */
            b[c] = hi;
    }
    b[k] = hi;
    return strictly_increasing(b, k);
}

/* Quantile classes of the m sorted values s (more than k distinct): class c ends at the
 * ceil((c + 1) m / k)-th smallest value, so each gets floor(m / k) or ceil(m / k) values
 * until ties at a bound merge classes. Bounds are values, so no class is empty. */
static size_t quantile_breaks(const double *s, size_t m, size_t k, double *b)
{
    size_t q = m / k, r = m % k; /* c m / k without forming c m, which may overflow */
    b[0] = s[0];
    for (size_t c = 1; c < k; c++)
        b[c] = s[c * q + (c * r + k - 1) / k - 1];
    b[k] = s[m - 1];
    return strictly_increasing(b, k);
}

/* One class per distinct value of the m sorted values s: b = v0, v0, v1, ..., v(d-1). */
static size_t distinct_breaks(const double *s, size_t m, double *b)
{
    size_t nc = 0;
    b[0] = s[0];
    for (size_t i = 0; i < m; i++)
        if (i == 0 || s[i] != s[i - 1])
            b[++nc] = s[i];
    return nc;
}

/* The Jenks dynamic programme over d distinct values (see the top of the file). */
typedef struct jenks {
    const double *cw, *cx, *cxx; /* prefix sums (d + 1) of counts, values, squared values */
    double *prev;                /* D[q-1][.] */
    double *cur;                 /* D[q][.] */
    uint32_t *arg;               /* J[q][.]: where the last class starts */
} jenks;

/* The within-class sum of squares of distinct values j..i (inclusive) with their counts. */
static double ssq(const jenks *J, size_t j, size_t i)
{
    double w = J->cw[i + 1] - J->cw[j], sx = J->cx[i + 1] - J->cx[j];
    double r = (J->cxx[i + 1] - J->cxx[j]) - sx * sx / w;
    return r > 0 ? r : 0; /* rounding may leave a tiny negative */
}

/* Fills D[q][i] and J[q][i] for i in [imin, imax], knowing J[q][i] lies in [jmin, jmax]. */
static void fill_row(jenks *J, size_t q, size_t imin, size_t imax, size_t jmin, size_t jmax)
{
    size_t i = imin + (imax - imin) / 2;
    size_t lo = jmin > q ? jmin : q, hi = jmax < i ? jmax : i;
    double best = INFINITY;
    size_t arg = hi;
    /* From the largest j down: ssq(j, i) grows as j falls and D[q-1] never decreases, so
     * once ssq(j, i) + D[q-1][lo-1] reaches the best, no smaller j can beat it. Strict < keeps
     * the largest minimiser, the one whose monotony the halves rely on. */
    for (size_t j = hi + 1; j-- > lo;) {
        double s = ssq(J, j, i);
        if (s + J->prev[lo - 1] >= best)
            break;
        double c = s + J->prev[j - 1];
        if (c < best) {
            best = c;
            arg = j;
        }
    }
    J->cur[i] = best;
    J->arg[i] = (uint32_t)arg;
    if (i > imin)
        fill_row(J, q, imin, i - 1, jmin, arg);
    if (i < imax)
        fill_row(J, q, i + 1, imax, arg, jmax);
}

/* Jenks bounds for the m sorted values s with d > k >= 2 distinct ones. Compacts s to its
 * distinct values in place. Writes b only once nothing can fail. */
static wg_status jenks_breaks(wg_ctx *ctx, double *s, size_t m, size_t d, size_t k, double *b)
{
    if (d > UINT32_MAX)
        return wg_fail(ctx, WG_EINPUT, "classify: jenks takes at most %lu distinct values, got %zu",
                       (unsigned long)UINT32_MAX, d);
    if (k - 1 > SIZE_MAX / sizeof(uint32_t) / d || d > SIZE_MAX / sizeof(double) / 8)
        return wg_fail(ctx, WG_ENOMEM, "classify: jenks on %zu values in %zu classes is too big", d,
                       k);
    double *mem = malloc((5 * d + 3) * sizeof *mem);
    uint32_t *args = malloc((k - 1) * d * sizeof *args);
    if (!mem || !args) {
        free(mem);
        free(args);
        return wg_fail(ctx, WG_ENOMEM, "classify: out of memory for jenks on %zu values", d);
    }
    double *cw = mem, *cx = cw + d + 1, *cxx = cx + d + 1, *row0 = cxx + d + 1, *row1 = row0 + d;
    /* Sums of squares from prefix sums lose digits when values sit far from zero relative to
     * their spread; shifting by the median keeps the sums near the data's own scale. */
    double shift = s[m / 2];
    size_t nd = 0; /* distinct values so far, compacted to the front of s */
    cw[0] = cx[0] = cxx[0] = 0;
    for (size_t i = 0; i < m; i++) {
        double y = s[i] - shift;
        if (nd == 0 || s[i] != s[nd - 1]) {
            s[nd++] = s[i];
            cw[nd] = cw[nd - 1];
            cx[nd] = cx[nd - 1];
            cxx[nd] = cxx[nd - 1];
        }
        cw[nd] += 1;
        cx[nd] += y;
        cxx[nd] += y * y;
    }
    jenks J = {cw, cx, cxx, row0, row1, NULL};
    for (size_t i = 0; i < d; i++)
        row0[i] = ssq(&J, 0, i);
    /* Row q needs i only up to d - k + q: the classes after it need a value each. */
    for (size_t q = 1; q < k; q++) {
        J.arg = args + (q - 1) * d;
        fill_row(&J, q, q, d - k + q, q, d - k + q);
        double *t = J.cur;
        J.cur = J.prev;
        J.prev = t;
    }
    /* Walk back from the last class: it runs from J[k-1][d-1] to d - 1, the one before it
     * from J[k-2][J[k-1][d-1] - 1], and so on. */
    size_t i = d - 1;
    for (size_t q = k - 1; q > 0; q--) {
        b[q + 1] = s[i];
        i = args[(q - 1) * d + i] - 1;
    }
    b[1] = s[i];
    b[0] = s[0];
    free(mem);
    free(args);
    return WG_OK;
}

wg_status wg_classify(wg_ctx *ctx, const double *x, size_t n, size_t k, wg_class_method m,
                      double *breaks, size_t *nclasses)
{
    if (k == 0)
        return wg_fail(ctx, WG_EINPUT, "classify: k = 0 classes (need at least 1)");
    if (m != WG_CLASS_QUANTILE && m != WG_CLASS_EQUAL && m != WG_CLASS_JENKS)
        return wg_fail(ctx, WG_EINPUT, "classify: unknown method %d", (int)m);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        nf += isfinite(x[i]) != 0;
    if (nf == 0)
        return wg_fail(ctx, WG_EINPUT, "classify: no finite value among %zu", n);
    double *s = NULL;
    wg_status st = sorted_finite(ctx, x, n, nf, &s);
    if (st != WG_OK)
        return st;
    size_t d = 1; /* distinct values */
    for (size_t i = 1; i < nf; i++)
        d += s[i] != s[i - 1];

    size_t nc = 0;
    if (d == 1 || k == 1) {
        breaks[0] = s[0];
        breaks[1] = s[nf - 1];
        nc = 1;
    } else if (m == WG_CLASS_EQUAL) {
        nc = equal_breaks(s[0], s[nf - 1], k < d ? k : d, breaks);
    } else if (d <= k) {
        nc = distinct_breaks(s, nf, breaks);
    } else if (m == WG_CLASS_QUANTILE) {
        nc = quantile_breaks(s, nf, k, breaks);
    } else {
        st = jenks_breaks(ctx, s, nf, d, k, breaks);
        nc = k;
    }
    free(s);
    if (st == WG_OK)
        *nclasses = nc;
    return st;
}

size_t wg_class_of(const double *breaks, size_t nclasses, double v)
{
    if (nclasses <= 1 || isnan(v))
        return 0;
    /* The number of inner bounds breaks[1..nclasses-1] below v, by bisection. */
    size_t lo = 1, hi = nclasses;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (breaks[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}
