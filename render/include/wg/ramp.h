/* wg/ramp.h: colour ramps and the classification of values into classes — what a map's legend
 * promises and its fills keep. Pure functions over plain arrays; no cairo. */
#ifndef WG_RAMP_H
#define WG_RAMP_H

#include "wg/core.h"

typedef struct wg_rgb {
    double r, g, b; /* each in [0, 1] */
} wg_rgb;

typedef enum wg_ramp_kind {
    WG_RAMP_SEQUENTIAL, /* light to dark, or dark to bright (viridis) */
    WG_RAMP_DIVERGING,  /* two hues about a neutral middle */
    WG_RAMP_QUALITATIVE /* distinct hues for categories; not for values */
} wg_ramp_kind;

typedef struct wg_ramp wg_ramp; /* static, never freed */

/* The ramp named `name` (case-insensitive): the matplotlib perceptual ramps "viridis",
 * "magma", "inferno", "plasma", "cividis" (256 stops, as matplotlib defines them, each
 * channel rounded to 8 bits); the ColorBrewer sequential ramps "YlOrRd", "YlOrBr", "YlGnBu",
 * "OrRd", "PuRd", "RdPu", "BuPu", "GnBu", "Blues", "Greens", "Greys", "Oranges", "Purples",
 * "Reds" (light to dark) and diverging "RdBu", "RdYlBu", "RdYlGn", "BrBG", "PiYG", "PuOr",
 * "Spectral" (their 9- or 11-class schemes as stops, in ColorBrewer's order: PuOr runs from
 * orange to purple); qualitative "Set2" (8), "Dark2" (8), "Paired" (12), "Tableau10" (10).
 * NULL when unknown or NULL. */
const wg_ramp *wg_ramp_find(const char *name);
/* All ramps, in the order above; n receives their count. */
const wg_ramp *const *wg_ramps(size_t *n);
const char *wg_ramp_name(const wg_ramp *r);
wg_ramp_kind wg_ramp_kind_of(const wg_ramp *r);
/* The colour at t in [0, 1] (clamped; NaN gives t = 0), interpolated linearly in sRGB between
 * the ramp's stops: t = 0 is the first stop and t = 1 the last, exactly. */
wg_rgb wg_ramp_at(const wg_ramp *r, double t);
/* The i-th distinct colour of a qualitative ramp, cycling when i passes its stops (n is
 * ignored); for other ramps, the colour at t = i / (n - 1), so that n colours span the ramp
 * end to end (i >= n gives the last; n <= 1 gives the middle, t = 0.5). */
wg_rgb wg_ramp_color(const wg_ramp *r, size_t i, size_t n);

typedef enum wg_class_method {
    WG_CLASS_QUANTILE, /* equal counts per class */
    WG_CLASS_EQUAL,    /* equal widths between min and max */
    WG_CLASS_JENKS     /* natural breaks: least within-class sum of squares (exact, Fisher) */
} wg_class_method;

/* Parses "quantile", "equal" or "jenks" (also "natural"), case-insensitively; false (and *m
 * untouched) when unknown or NULL. */
bool wg_class_method_parse(const char *s, wg_class_method *m);
const char *wg_class_method_name(wg_class_method m);

/* Classifies the n values x (NaN and infinite values are ignored) into at most k classes
 * and writes the class bounds to breaks[0..*nclasses]: breaks[0] is the minimum,
 * breaks[*nclasses] the maximum, and class c holds the values in (breaks[c], breaks[c+1]]
 * (the first class also holds breaks[0]); every class holds at least one value, except
 * that equal intervals may be empty. breaks[1..*nclasses] are strictly increasing and
 * breaks[0] <= breaks[1]: breaks[0] == breaks[1] when the first class holds only the
 * minimum (so also when all values are equal: one class). With d distinct values:
 * - quantile: class c ends at the ceil((c + 1) m / k)-th smallest of the m values; classes
 *   whose ends tie merge, so fewer than k may come out;
 * - equal: min(k, d) intervals, breaks[i] = min + (max - min) * i / min(k, d) evaluated in
 *   that order (bounds that rounding makes equal merge);
 * - jenks: exact (the optimal partition of the sorted values into contiguous classes
 *   minimising the within-class sum of squares, equal values never split), in
 *   O(k n log n), fast enough for 10^6 values; breaks[c + 1] is the largest value of class c.
 * When d <= k, quantile and jenks give one class per distinct value. breaks must hold k + 1
 * doubles; breaks and *nclasses are written only on success. Errors: WG_EINPUT when k is 0,
 * the method unknown or no value finite; WG_ENOMEM. */
wg_status wg_classify(wg_ctx *ctx, const double *x, size_t n, size_t k, wg_class_method m,
                      double *breaks, size_t *nclasses);
/* The class of v under breaks (as wg_classify wrote them): the c with breaks[c] < v <=
 * breaks[c + 1], 0 for v <= breaks[1], nclasses - 1 for v > breaks[nclasses - 1]; values
 * outside [breaks[0], breaks[nclasses]] go to the end classes. 0 for NaN (no-data is the
 * caller's to draw) and when nclasses <= 1. O(log nclasses). */
size_t wg_class_of(const double *breaks, size_t nclasses, double v);

#endif
