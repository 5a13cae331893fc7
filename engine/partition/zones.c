/* engine/partition/zones.c: household-balanced, contiguous, compact zones on a unit graph.
 *
 * 1. Groups (compounds) that fit under max are contracted into one node; the nodes of larger
 *    ones stay free, so the cut falls along building lines. Sealed zones become one node each.
 * 2. Each connected piece of the contracted graph gets the whole number of zones k that best
 *    fits total/target inside [min, max], and is cut by recursive bisection: nodes ordered
 *    along a direction, the prefix nearest the weight share taken, stray fragments handed to
 *    the other side so both halves stay connected; the best of several directions wins.
 * 3. Refinement: merging a zone below min into a neighbour with room, re-cutting pairs of
 *    neighbouring zones (the union bisected afresh) and moving single boundary nodes, accepted
 *    only when the cost falls: households out of range first, then deviation from target, then
 *    1 - Polsby-Popper. A move never disconnects a zone.
 * 4. Mending: a zone still out of range for no proven reason (a node above max, a piece with
 *    no whole count of zones) has its neighbourhood (it and the zones it touches, then those
 *    they touch) redrawn from scratch into as many zones, by a bisection turned by a seeded
 *    angle or by a balanced power diagram (Lloyd iterations with additive weights steering
 *    households), and refined there; the redraw stands only when fewer zones are out of
 *    range, or as many at a lower cost.
 * Everything is deterministic for a seed: orders come from a seeded shuffle, ties by index. */
#include "zones.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* Mending: sweeps at most; per sweep, the redraws of one zone's neighbourhood (ring depth,
 * power diagram or turned bisection), in the order they most often succeed on the sample
 * cities. A zone certified coarse (no single node can move to help it) is mostly so for good,
 * and gets the short list; any other zone, the long one. */
#define MEND_SWEEPS 4
typedef struct mend_try {
    int depth;
    bool power;
} mend_try;
static const mend_try mend_short[] = {{1, false}, {1, true}, {2, false},
                                      {2, true},  {1, true}, {2, true}};
static const mend_try mend_long[] = {
    {1, false}, {1, true}, {1, false}, {1, true}, {2, false}, {2, true},  {2, false}, {2, true},
    {3, false}, {3, true}, {3, false}, {3, true}, {3, true},  {3, false}, {3, true},  {3, true},
    {4, false}, {4, true}, {4, true},  {4, true}, {5, true},  {5, true},  {5, true},  {5, true}};

double zone_pp(double area, double perim)
{
    return perim > 0 ? 4 * PI * area / (perim * perim) : 0;
}

/* A graph the search runs on: the input, or its contraction. */
typedef struct sg {
    size_t n;
    int64_t *w;
    double *area, *outer, *x, *y;
    size_t *off, *nbr;
    double *len;
    int32_t *sealed; /* sealed id or -1 */
} sg;

static void sg_free(sg *g)
{
    free(g->w), free(g->area), free(g->outer), free(g->x), free(g->y);
    free(g->off), free(g->nbr), free(g->len), free(g->sealed);
    memset(g, 0, sizeof *g);
}

/* Scratch shared by the steps: marks and a queue, sized to the graph. */
typedef struct work {
    const sg *g;
    const zone_params *p;
    int32_t *mark; /* set stamps */
    int32_t stamp;
    size_t *queue;
    double *key;
    uint64_t rng;
    double jitter; /* turns the bisection's directions by this share of their spacing */
} work;

static uint64_t rnd(work *k)
{
    uint64_t z = (k->rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int32_t new_stamp(work *k)
{
    return ++k->stamp;
}

/* ---- Connectivity ------------------------------------------------------------------------ */

/* Nodes of set `in` (mark == s) reachable from `from`; visited get mark `seen`. Returns the
 * count, the visited nodes in k->queue[0..count). */
static size_t bfs(work *k, size_t from, int32_t s, int32_t seen)
{
    const sg *g = k->g;
    size_t head = 0, tail = 0;
    k->queue[tail++] = from;
    k->mark[from] = seen;
    while (head < tail) {
        size_t v = k->queue[head++];
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            size_t u = g->nbr[e];
            if (k->mark[u] == s) {
                k->mark[u] = seen;
                k->queue[tail++] = u;
            }
        }
    }
    return tail;
}

/* ---- Bisection ----------------------------------------------------------------------------- */

static int key_cmp(const void *a, const void *b, void *keys)
{
    const double *key = keys;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (key[i] != key[j])
        return key[i] < key[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* qsort_r is a GNU extension; a small merge sort keeps the build portable and stable. */
static void sort_by_key(size_t *v, size_t n, size_t *tmp, const double *key)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_key(v, h, tmp, key);
    sort_by_key(v + h, n - h, tmp, key);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = key_cmp(&v[i], &v[j], (void *)key) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[o++] = v[i++];
    while (j < n)
        tmp[o++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Makes both sides of a cut connected: fragments of A (all but its heaviest component) go to
 * B, then fragments of B go to A. side[i] is 0 (A) or 1 (B) for members m[0..nm). */
static void make_sides_connected(work *k, const size_t *m, size_t nm, uint8_t *side)
{
    const sg *g = k->g;
    for (int pass = 0; pass < 2; pass++) {
        uint8_t me = (uint8_t)pass;
        int32_t s = new_stamp(k);
        for (size_t i = 0; i < nm; i++)
            if (side[i] == me)
                k->mark[m[i]] = s;
        /* Find the heaviest component of this side. */
        size_t best_from = SIZE_MAX;
        int64_t best_w = -1;
        int32_t base = k->stamp;
        for (size_t i = 0; i < nm; i++) {
            if (side[i] != me || k->mark[m[i]] != s)
                continue;
            int32_t c = new_stamp(k);
            size_t cnt = bfs(k, m[i], s, c);
            int64_t w = 0;
            for (size_t q = 0; q < cnt; q++)
                w += g->w[k->queue[q]] + 1; /* +1: weightless nodes still count */
            if (w > best_w) {
                best_w = w;
                best_from = m[i];
            }
        }
        if (best_from == SIZE_MAX)
            continue;
        int32_t keep = k->mark[best_from];
        for (size_t i = 0; i < nm; i++)
            if (side[i] == me && k->mark[m[i]] > base && k->mark[m[i]] != keep)
                side[i] = (uint8_t)(1 - me);
    }
}

static int64_t out_of(int64_t w, int64_t lo, int64_t hi)
{
    return w < lo ? lo - w : w > hi ? w - hi : 0;
}

/* Scores a cut (side[] over m[]): infeasible halves first, then balance, then the length
 * of the cut relative to the size of the whole. Lower is better; INFINITY for an empty side. */
static double cut_score(work *k, const size_t *m, size_t nm, const uint8_t *side, int64_t k1,
                        int64_t kk, int64_t total, double goal, double scale)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    int64_t wa = 0;
    size_t na = 0;
    int32_t sa = new_stamp(k);
    for (size_t i = 0; i < nm; i++)
        if (!side[i]) {
            wa += g->w[m[i]], na++;
            k->mark[m[i]] = sa;
        }
    if (na == 0 || na == nm)
        return INFINITY;
    double cutlen = 0;
    for (size_t i = 0; i < nm; i++) {
        if (!side[i])
            continue;
        size_t v = m[i];
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
            if (k->mark[g->nbr[e]] == sa)
                cutlen += g->len[e];
    }
    int64_t wb = total - wa, k2 = kk - k1;
    double pen =
        (double)(out_of(wa, k1 * p->min, k1 * p->max) + out_of(wb, k2 * p->min, k2 * p->max));
    return 1000.0 * pen + 0.5 * fabs((double)wa - goal) / (double)p->target + cutlen / scale;
}

/* Cuts members m[0..nm) into A (weight share k1/kk) and B, both connected: members ordered
 * along each of several directions, a few prefixes near the weight goal (feasible ones
 * first) tried, fragments repaired, the best-scoring cut kept. `quick` tries fewer
 * directions and prefixes, as for large sets (re-cuts of pairs, which run many times). */
static void bisect(work *k, size_t *m, size_t nm, int64_t k1, int64_t kk, bool quick, uint8_t *side)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    int64_t total = 0;
    double area = 0;
    for (size_t i = 0; i < nm; i++)
        total += g->w[m[i]], area += g->area[m[i]];
    double goal = (double)total * (double)k1 / (double)kk;
    double scale = sqrt(area > 0 ? area : 1);
    int ndir = quick || nm > 64 ? 6 : 12, ncand = quick || nm > 64 ? 3 : 6;
    uint8_t *trial = malloc(nm), *best = malloc(nm);
    size_t *idx = malloc(nm * sizeof *idx), *scratch = malloc(nm * sizeof *scratch);
    int64_t *pre = malloc((nm + 1) * sizeof *pre);
    double best_score = INFINITY;
    int64_t k2 = kk - k1;
    for (int d = 0; trial && best && idx && scratch && pre && d < ndir; d++) {
        double ang = 3.14159265358979323846 * (d + k->jitter) / ndir, cx = cos(ang), cy = sin(ang);
        for (size_t i = 0; i < nm; i++) {
            idx[i] = i;
            k->key[i] = g->x[m[i]] * cx + g->y[m[i]] * cy;
        }
        sort_by_key(idx, nm, scratch, k->key);
        pre[0] = 0;
        for (size_t i = 0; i < nm; i++)
            pre[i + 1] = pre[i] + g->w[m[idx[i]]];
        /* Candidate cut positions: nearest the goal, preferring feasible halves. */
        size_t cand[12];
        int nc = 0;
        for (int pass = 0; pass < 2 && nc < ncand; pass++) {
            for (int c = nc; c < ncand; c++) {
                size_t bi = 0;
                double bg = INFINITY;
                for (size_t i = 1; i < nm; i++) {
                    bool feas = !out_of(pre[i], k1 * p->min, k1 * p->max) &&
                                !out_of(total - pre[i], k2 * p->min, k2 * p->max);
                    if (pass == 0 && !feas)
                        continue;
                    bool taken = false;
                    for (int q = 0; q < nc && !taken; q++)
                        taken = cand[q] == i;
                    double gap = fabs((double)pre[i] - goal);
                    if (!taken && gap < bg)
                        bg = gap, bi = i;
                }
                if (bi == 0)
                    break;
                cand[nc++] = bi;
            }
        }
        for (int c = 0; c < nc; c++) {
            for (size_t i = 0; i < nm; i++)
                trial[idx[i]] = i >= cand[c];
            make_sides_connected(k, m, nm, trial);
            double sc = cut_score(k, m, nm, trial, k1, kk, total, goal, scale);
            if (sc < best_score) {
                best_score = sc;
                memcpy(best, trial, nm);
            }
        }
    }
    if (best_score == INFINITY) /* out of memory or no cut: a plain halving by index */
        for (size_t i = 0; i < nm; i++)
            side[i] = i >= nm * (size_t)k1 / (size_t)kk;
    else
        memcpy(side, best, nm);
    free(idx), free(scratch), free(trial), free(best), free(pre);
}

/* Cuts members m[0..nm) into kk connected zones numbered from *next. */
static void split_rec(work *k, size_t *m, size_t nm, int64_t kk, int32_t *zone, int32_t *next)
{
    if (kk <= 1 || nm <= 1) {
        int32_t z = (*next)++;
        for (size_t i = 0; i < nm; i++)
            zone[m[i]] = z;
        return;
    }
    int64_t k1 = kk / 2;
    uint8_t *side = malloc(nm);
    size_t *a = malloc(nm * sizeof *a);
    if (!side || !a) {
        free(side), free(a);
        int32_t z = (*next)++;
        for (size_t i = 0; i < nm; i++)
            zone[m[i]] = z;
        return;
    }
    bisect(k, m, nm, k1, kk, false, side);
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < nm; i++)
        if (!side[i])
            a[na++] = m[i];
    for (size_t i = 0; i < nm; i++)
        if (side[i])
            a[na + nb++] = m[i];
    free(side);
    /* Fewer nodes than zones: give each side what it can hold. */
    int64_t ka = k1, kb = kk - k1;
    if ((int64_t)na < ka)
        ka = (int64_t)na;
    if ((int64_t)nb < kb)
        kb = (int64_t)nb;
    split_rec(k, a, na, ka, zone, next);
    split_rec(k, a + na, nb, kb, zone, next);
    free(a);
}

/* ---- Power diagram ------------------------------------------------------------------------ */

/* Nearest centre in the power distance |x - c_j|^2 - wt_j. */
static size_t power_nearest(double x, double y, const double *cx, const double *cy,
                            const double *wt, size_t nk)
{
    size_t bj = 0;
    double best = INFINITY;
    for (size_t j = 0; j < nk; j++) {
        double dx = x - cx[j], dy = y - cy[j], d = dx * dx + dy * dy - wt[j];
        if (d < best)
            best = d, bj = j;
    }
    return bj;
}

/* Lloyd iterations of a balanced power diagram over members m[0..nm), zones z[i] in [0, nk)
 * to start from and to return: centres move to the area centroids of their zones, the
 * additive weights wt are steered until each zone holds about total/nk households, and every
 * node goes to its nearest centre. A zone left empty takes the free node nearest its centre.
 * Returns false when that cannot be done (z is then of no use). */
static bool power_assign(const sg *g, const size_t *m, size_t nm, size_t nk, int32_t *z)
{
    double *cx = calloc(nk, sizeof *cx), *cy = calloc(nk, sizeof *cy);
    double *wt = calloc(nk, sizeof *wt), *acc = calloc(nk, sizeof *acc);
    int64_t *hh = calloc(nk, sizeof *hh);
    size_t *count = calloc(nk, sizeof *count);
    bool ok = cx && cy && wt && acc && hh && count;
    int64_t total = 0;
    double area = 0;
    for (size_t i = 0; i < nm; i++)
        total += g->w[m[i]], area += g->area[m[i]];
    double goal = (double)total / (double)nk, spacing = area / (double)nk;
    const int iters = 40;
    for (int it = 0; ok && it < iters; it++) {
        memset(cx, 0, nk * sizeof *cx), memset(cy, 0, nk * sizeof *cy);
        memset(acc, 0, nk * sizeof *acc), memset(hh, 0, nk * sizeof *hh);
        for (size_t i = 0; i < nm; i++) {
            size_t v = m[i];
            double a = g->area[v] > 0 ? g->area[v] : 1e-9;
            cx[z[i]] += g->x[v] * a, cy[z[i]] += g->y[v] * a, acc[z[i]] += a;
            hh[z[i]] += g->w[v];
        }
        /* Moving a boundary by a share f of the spacing between two centres takes about
         * 2 f spacing of weight; the step shrinks as the diagram settles. */
        double step = 0.6 * spacing * (1.0 - 0.5 * it / iters);
        for (size_t j = 0; j < nk; j++) {
            cx[j] /= acc[j], cy[j] /= acc[j];
            wt[j] += step * (goal - (double)hh[j]) / goal;
            count[j] = 0;
        }
        for (size_t i = 0; i < nm; i++) {
            z[i] = (int32_t)power_nearest(g->x[m[i]], g->y[m[i]], cx, cy, wt, nk);
            count[z[i]]++;
        }
        for (size_t j = 0; ok && j < nk; j++) {
            if (count[j])
                continue;
            double best = INFINITY;
            size_t bi = SIZE_MAX;
            for (size_t i = 0; i < nm; i++) {
                double dx = g->x[m[i]] - cx[j], dy = g->y[m[i]] - cy[j];
                if (count[z[i]] > 1 && dx * dx + dy * dy < best)
                    best = dx * dx + dy * dy, bi = i;
            }
            ok = bi != SIZE_MAX;
            if (ok)
                count[z[bi]]--, count[j]++, z[bi] = (int32_t)j;
        }
    }
    free(cx), free(cy), free(wt), free(acc), free(hh), free(count);
    return ok;
}

/* Makes zones zone[m[i]] in [first, first + nk) connected: each keeps its heaviest connected
 * part, and a node of another part joins the kept part of a neighbouring zone across its
 * longest shared edge, round after round. Returns false if some node found no home. */
static bool connect_zones(work *k, const size_t *m, size_t nm, int32_t first, size_t nk,
                          int32_t *zone)
{
    const sg *g = k->g;
    int32_t *keep = malloc(nk * sizeof *keep);
    int64_t *best_w = malloc(nk * sizeof *best_w);
    bool done = false;
    for (int round = 0; keep && best_w && round < 16 && !done; round++) {
        int32_t inset = new_stamp(k);
        for (size_t i = 0; i < nm; i++)
            k->mark[m[i]] = inset;
        for (size_t j = 0; j < nk; j++)
            keep[j] = -1, best_w[j] = -1;
        /* Label each connected part of each zone with a fresh stamp. */
        for (size_t i = 0; i < nm; i++) {
            size_t v = m[i];
            if (k->mark[v] != inset)
                continue;
            int32_t zj = zone[v], c = new_stamp(k);
            size_t head = 0, tail = 0;
            int64_t w = 0;
            k->queue[tail++] = v;
            k->mark[v] = c;
            while (head < tail) {
                size_t u = k->queue[head++];
                w += g->w[u] + 1; /* +1: weightless nodes still count */
                for (size_t e = g->off[u]; e < g->off[u + 1]; e++) {
                    size_t t = g->nbr[e];
                    if (k->mark[t] == inset && zone[t] == zj) {
                        k->mark[t] = c;
                        k->queue[tail++] = t;
                    }
                }
            }
            size_t j = (size_t)(zj - first);
            if (w > best_w[j])
                best_w[j] = w, keep[j] = c;
        }
        done = true;
        for (size_t i = 0; i < nm; i++) {
            size_t v = m[i];
            if (k->mark[v] == keep[zone[v] - first])
                continue;
            done = false;
            double bl = -1;
            int32_t bz = -1;
            for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
                size_t t = g->nbr[e];
                if (k->mark[t] > inset && zone[t] != zone[v] &&
                    k->mark[t] == keep[zone[t] - first] && g->len[e] > bl)
                    bl = g->len[e], bz = zone[t];
            }
            if (bz >= 0)
                zone[v] = bz;
        }
    }
    free(keep), free(best_w);
    return done;
}

/* Redraws the nk zones first..first+nk-1 of members m[0..nm) as a balanced power diagram
 * seeded from them. Such zones are nearly convex, and the discrete nodes make them easier to
 * balance than straight cuts do in places. Keeps the input when the diagram fails. */
static void power_zones(work *k, const size_t *m, size_t nm, int32_t first, size_t nk,
                        int32_t *zone)
{
    if (nk < 2 || nk >= nm)
        return;
    int32_t *z = malloc(nm * sizeof *z), *old = malloc(nm * sizeof *old);
    if (z && old) {
        for (size_t i = 0; i < nm; i++)
            old[i] = zone[m[i]], z[i] = zone[m[i]] - first;
        if (power_assign(k->g, m, nm, nk, z)) {
            for (size_t i = 0; i < nm; i++)
                zone[m[i]] = first + z[i];
            if (!connect_zones(k, m, nm, first, nk, zone))
                for (size_t i = 0; i < nm; i++)
                    zone[m[i]] = old[i];
        }
    }
    free(z), free(old);
}

/* The number of zones for a piece of `total` households; sets why bits when none fits. */
static int64_t choose_k(const zone_params *p, int64_t total, unsigned *why)
{
    if (total < p->min) {
        *why |= ZONE_TOO_FEW;
        return 1;
    }
    int64_t kmin = (total + p->max - 1) / p->max, kmax = total / p->min;
    int64_t kk = (int64_t)llround((double)total / (double)p->target);
    if (kk < 1)
        kk = 1;
    if (kmin <= kmax)
        kk = kk < kmin ? kmin : kk > kmax ? kmax : kk;
    else
        *why |= ZONE_NO_WHOLE_COUNT;
    return kk;
}

/* ---- Contraction ------------------------------------------------------------------------ */

/* g1 = g0 with nodes of equal label merged; labels in [0, nl). */
static wg_status contract(wg_ctx *ctx, const sg *g0, const int32_t *label, size_t nl, sg *g1)
{
    memset(g1, 0, sizeof *g1);
    g1->n = nl;
    g1->w = calloc(nl, sizeof *g1->w);
    g1->area = calloc(nl, sizeof *g1->area);
    g1->outer = calloc(nl, sizeof *g1->outer);
    g1->x = calloc(nl, sizeof *g1->x);
    g1->y = calloc(nl, sizeof *g1->y);
    g1->sealed = malloc(nl * sizeof *g1->sealed);
    g1->off = calloc(nl + 1, sizeof *g1->off);
    size_t *cnt = calloc(nl, sizeof *cnt);
    size_t m0 = g0->off[g0->n];
    g1->nbr = malloc((m0 + 1) * sizeof *g1->nbr);
    g1->len = malloc((m0 + 1) * sizeof *g1->len);
    double *acc = calloc(nl, sizeof *acc);
    size_t *seen = malloc(nl * sizeof *seen);
    if (!g1->w || !g1->area || !g1->outer || !g1->x || !g1->y || !g1->sealed || !g1->off || !cnt ||
        !g1->nbr || !g1->len || !acc || !seen) {
        free(cnt), free(acc), free(seen);
        sg_free(g1);
        return wg_fail(ctx, WG_ENOMEM, "out of memory contracting %zu units", g0->n);
    }
    for (size_t s = 0; s < nl; s++)
        g1->sealed[s] = -1;
    for (size_t i = 0; i < g0->n; i++) {
        size_t s = (size_t)label[i];
        g1->w[s] += g0->w[i];
        g1->area[s] += g0->area[i];
        g1->outer[s] += g0->outer[i];
        double wt = g0->area[i] > 0 ? g0->area[i] : 1e-9;
        g1->x[s] += g0->x[i] * wt, g1->y[s] += g0->y[i] * wt, acc[s] += wt;
        g1->sealed[s] = g0->sealed[i];
        cnt[s]++;
    }
    for (size_t s = 0; s < nl; s++)
        if (acc[s] > 0)
            g1->x[s] /= acc[s], g1->y[s] /= acc[s];
    /* Members of each label, to walk their edges together. */
    size_t *start = calloc(nl + 1, sizeof *start), *mem = malloc(g0->n * sizeof *mem);
    if (!start || !mem) {
        free(cnt), free(acc), free(seen), free(start), free(mem);
        sg_free(g1);
        return wg_fail(ctx, WG_ENOMEM, "out of memory contracting %zu units", g0->n);
    }
    for (size_t s = 0; s < nl; s++)
        start[s + 1] = start[s] + cnt[s];
    memset(cnt, 0, nl * sizeof *cnt);
    for (size_t i = 0; i < g0->n; i++)
        mem[start[label[i]] + cnt[label[i]]++] = i;
    for (size_t s = 0; s < nl; s++)
        seen[s] = SIZE_MAX;
    size_t e1 = 0;
    for (size_t s = 0; s < nl; s++) {
        g1->off[s] = e1;
        size_t first = e1;
        for (size_t q = start[s]; q < start[s + 1]; q++) {
            size_t i = mem[q];
            for (size_t e = g0->off[i]; e < g0->off[i + 1]; e++) {
                size_t t = (size_t)label[g0->nbr[e]];
                if (t == s)
                    continue;
                if (seen[t] != s) {
                    seen[t] = s;
                    acc[t] = 0;
                    g1->nbr[e1++] = t;
                }
                acc[t] += g0->len[e];
            }
        }
        /* Sort the neighbour list for determinism, then fill lengths. */
        for (size_t a = first + 1; a < e1; a++)
            for (size_t b = a; b > first && g1->nbr[b - 1] > g1->nbr[b]; b--) {
                size_t tmp = g1->nbr[b];
                g1->nbr[b] = g1->nbr[b - 1];
                g1->nbr[b - 1] = tmp;
            }
        for (size_t a = first; a < e1; a++)
            g1->len[a] = acc[g1->nbr[a]];
    }
    g1->off[nl] = e1;
    free(cnt), free(acc), free(seen), free(start), free(mem);
    return WG_OK;
}

/* ---- Refinement ------------------------------------------------------------------------- */

typedef struct zstate {
    size_t nz;
    int32_t *z; /* per node */
    int64_t *w; /* per zone */
    double *a, *p;
    size_t *size;
    bool *fixed;         /* sealed zones */
    bool *stuck;         /* out of range for a reason no search can mend */
    bool *dirty;         /* changed since the last round of re-cuts: a pair of clean zones re-cuts
                            as it did then, so it is not tried again */
    int64_t *piece_w;    /* per zone: households of the connected piece it was cut from */
    unsigned *piece_why; /* per zone: ZONE_* bits of that piece */
} zstate;

static double zcost(const zone_params *p, int64_t w, double a, double per)
{
    double dev = ((double)w - (double)p->target) / (double)p->target;
    return 10.0 * (double)out_of(w, p->min, p->max) + 0.25 * dev * dev + (1.0 - zone_pp(a, per));
}

static void zone_totals(const sg *g, zstate *s)
{
    for (size_t z = 0; z < s->nz; z++)
        s->w[z] = 0, s->a[z] = 0, s->p[z] = 0, s->size[z] = 0;
    for (size_t v = 0; v < g->n; v++) {
        size_t z = (size_t)s->z[v];
        s->w[z] += g->w[v];
        s->a[z] += g->area[v];
        s->p[z] += g->outer[v];
        s->size[z]++;
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
            if (s->z[g->nbr[e]] != s->z[v])
                s->p[z] += g->len[e];
    }
}

/* The cost of the whole: the sum over its zones. */
static double zstate_cost(const zone_params *p, const zstate *s)
{
    double c = 0;
    for (size_t z = 0; z < s->nz; z++)
        if (s->size[z])
            c += zcost(p, s->w[z], s->a[z], s->p[z]);
    return c;
}

/* Zones out of range. */
static size_t zones_out(const zone_params *p, const zstate *s)
{
    size_t n = 0;
    for (size_t z = 0; z < s->nz; z++)
        n += s->size[z] && out_of(s->w[z], p->min, p->max);
    return n;
}

/* Whether zone z stays connected without node v. */
static bool connected_without(work *k, const zstate *s, size_t v)
{
    const sg *g = k->g;
    int32_t z = s->z[v];
    if (s->size[z] <= 1)
        return false;
    size_t from = SIZE_MAX;
    for (size_t e = g->off[v]; e < g->off[v + 1] && from == SIZE_MAX; e++)
        if (s->z[g->nbr[e]] == z)
            from = g->nbr[e];
    if (from == SIZE_MAX)
        return false;
    /* Mark the zone's nodes reachable from `from` avoiding v. */
    int32_t seen = new_stamp(k);
    k->mark[v] = seen;
    size_t head = 0, tail = 0;
    k->queue[tail++] = from;
    k->mark[from] = seen;
    while (head < tail) {
        size_t u = k->queue[head++];
        for (size_t e = g->off[u]; e < g->off[u + 1]; e++) {
            size_t t = g->nbr[e];
            if (s->z[t] == z && k->mark[t] != seen) {
                k->mark[t] = seen;
                k->queue[tail++] = t;
            }
        }
    }
    return tail == s->size[z] - 1;
}

/* One pass of single-node moves; returns the number made. */
static size_t move_pass(work *k, zstate *s, const size_t *order, size_t norder)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    size_t moves = 0;
    for (size_t q = 0; q < norder; q++) {
        size_t v = order[q];
        int32_t a = s->z[v];
        if (s->fixed[a] || s->size[a] <= 1)
            continue;
        double lv = 0, lin_a = 0;
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            lv += g->len[e];
            if (s->z[g->nbr[e]] == a)
                lin_a += g->len[e];
        }
        double pa = s->p[a] - g->outer[v] - (lv - lin_a) + lin_a;
        int64_t wa = s->w[a] - g->w[v];
        double aa = s->a[a] - g->area[v];
        double base_a = zcost(p, s->w[a], s->a[a], s->p[a]);
        double new_a = zcost(p, wa, aa, pa);
        double best = -1e-9;
        int32_t best_b = -1;
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            int32_t b = s->z[g->nbr[e]];
            if (b == a || s->fixed[b])
                continue;
            double lin_b = 0;
            for (size_t f = g->off[v]; f < g->off[v + 1]; f++)
                if (s->z[g->nbr[f]] == b)
                    lin_b += g->len[f];
            double pb = s->p[b] + g->outer[v] + (lv - lin_b) - lin_b;
            double d = new_a + zcost(p, s->w[b] + g->w[v], s->a[b] + g->area[v], pb) - base_a -
                       zcost(p, s->w[b], s->a[b], s->p[b]);
            if (d < best || (d == best && b < best_b)) {
                best = d;
                best_b = b;
            }
        }
        if (best_b < 0 || !connected_without(k, s, v))
            continue;
        double lin_b = 0;
        for (size_t f = g->off[v]; f < g->off[v + 1]; f++)
            if (s->z[g->nbr[f]] == best_b)
                lin_b += g->len[f];
        s->p[best_b] += g->outer[v] + (lv - lin_b) - lin_b;
        s->w[best_b] += g->w[v], s->a[best_b] += g->area[v], s->size[best_b]++;
        s->p[a] = pa, s->w[a] = wa, s->a[a] = aa, s->size[a]--;
        s->z[v] = best_b;
        s->dirty[a] = s->dirty[best_b] = true;
        moves++;
    }
    return moves;
}

/* Zone statistics of a set of nodes as if it were one zone labelled `lab` in s->z (the
 * caller has already relabelled). */
static void set_stats(const sg *g, const zstate *s, const size_t *m, size_t nm, int32_t lab,
                      int64_t *w, double *a, double *per)
{
    *w = 0, *a = 0, *per = 0;
    for (size_t i = 0; i < nm; i++) {
        size_t v = m[i];
        *w += g->w[v], *a += g->area[v], *per += g->outer[v];
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
            if (s->z[g->nbr[e]] != lab)
                *per += g->len[e];
    }
}

/* Re-cuts the union of neighbouring zones a and b; keeps the new cut if it costs less.
 * Returns whether it did. */
static bool recut_pair(work *k, zstate *s, int32_t a, int32_t b, size_t *m)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    size_t nm = 0;
    for (size_t v = 0; v < g->n; v++)
        if (s->z[v] == a || s->z[v] == b)
            m[nm++] = v;
    if (nm < 2)
        return false;
    /* Earlier re-cuts of this round may have moved the zones apart. */
    bool touch = false;
    for (size_t i = 0; i < nm && !touch; i++)
        if (s->z[m[i]] == a)
            for (size_t e = g->off[m[i]]; e < g->off[m[i] + 1] && !touch; e++)
                touch = s->z[g->nbr[e]] == b;
    if (!touch)
        return false;
    double before = zcost(p, s->w[a], s->a[a], s->p[a]) + zcost(p, s->w[b], s->a[b], s->p[b]);
    uint8_t *side = malloc(nm);
    int32_t *old = malloc(nm * sizeof *old);
    size_t *half = malloc(nm * sizeof *half);
    if (!side || !old || !half) {
        free(side), free(old), free(half);
        return false;
    }
    for (size_t i = 0; i < nm; i++)
        old[i] = s->z[m[i]];
    bisect(k, m, nm, 1, 2, true, side);
    for (size_t i = 0; i < nm; i++)
        s->z[m[i]] = side[i] ? b : a;
    int64_t wa, wb;
    double aa, ab, pa, pb;
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < nm; i++)
        if (!side[i])
            half[na++] = m[i];
    set_stats(g, s, half, na, a, &wa, &aa, &pa);
    for (size_t i = 0; i < nm; i++)
        if (side[i])
            half[nb++] = m[i];
    set_stats(g, s, half, nb, b, &wb, &ab, &pb);
    double after = zcost(p, wa, aa, pa) + zcost(p, wb, ab, pb);
    bool keep = na > 0 && nb > 0 && after < before - 1e-9;
    if (keep) {
        s->w[a] = wa, s->a[a] = aa, s->p[a] = pa, s->size[a] = na;
        s->w[b] = wb, s->a[b] = ab, s->p[b] = pb, s->size[b] = nb;
        s->dirty[a] = s->dirty[b] = true;
        /* Other zones' perimeters are unchanged: their shared edges with a ∪ b stay. */
    } else {
        for (size_t i = 0; i < nm; i++)
            s->z[m[i]] = old[i];
    }
    free(side), free(old), free(half);
    return keep;
}

static int pair_cmp(const void *x, const void *y)
{
    const int32_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Recuts every pair of neighbouring zones once, in a seeded order, out-of-range first. */
static size_t recut_round(work *k, zstate *s, size_t *m)
{
    const sg *g = k->g;
    size_t changed = 0;
    /* Pairs (a < b) that touch, with a zone changed since the last round (a pair of clean
     * zones would re-cut as it did then). */
    size_t cap = 64, np = 0;
    int32_t(*pairs)[2] = malloc(cap * sizeof *pairs);
    if (!pairs)
        return 0;
    for (size_t v = 0; v < g->n; v++)
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            int32_t a = s->z[v], b = s->z[g->nbr[e]];
            if (a >= b || s->fixed[a] || s->fixed[b] || (!s->dirty[a] && !s->dirty[b]))
                continue;
            if (np == cap) {
                int32_t(*grown)[2] = realloc(pairs, 2 * cap * sizeof *pairs);
                if (!grown)
                    break;
                pairs = grown, cap *= 2;
            }
            pairs[np][0] = a, pairs[np][1] = b, np++;
        }
    qsort(pairs, np, sizeof *pairs, pair_cmp);
    size_t u = 0;
    for (size_t i = 0; i < np; i++)
        if (!u || pairs[u - 1][0] != pairs[i][0] || pairs[u - 1][1] != pairs[i][1])
            pairs[u][0] = pairs[i][0], pairs[u][1] = pairs[i][1], u++;
    np = u;
    /* Seeded shuffle, then out-of-range pairs first; flags for this round start clear. */
    for (size_t i = np; i > 1; i--) {
        size_t j = (size_t)(rnd(k) % i);
        int32_t t0 = pairs[i - 1][0], t1 = pairs[i - 1][1];
        pairs[i - 1][0] = pairs[j][0], pairs[i - 1][1] = pairs[j][1];
        pairs[j][0] = t0, pairs[j][1] = t1;
    }
    memset(s->dirty, 0, s->nz * sizeof *s->dirty);
    for (int urgent = 1; urgent >= 0; urgent--)
        for (size_t i = 0; i < np; i++) {
            int32_t a = pairs[i][0], b = pairs[i][1];
            bool bad = (out_of(s->w[a], k->p->min, k->p->max) && !s->stuck[a]) ||
                       (out_of(s->w[b], k->p->min, k->p->max) && !s->stuck[b]);
            if (bad == (urgent == 1))
                changed += recut_pair(k, s, a, b, m);
        }
    free(pairs);
    return changed;
}

/* Merges each zone below min into the neighbouring zone that best takes it while staying within
 * max: one zone fewer where the count chosen for the piece was one too many. Returns the
 * merges made; a merged zone is left empty (size 0). */
static size_t merge_pass(work *k, zstate *s)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    size_t merges = 0;
    double *shared = calloc(s->nz + 1, sizeof *shared);
    if (!shared)
        return 0;
    for (size_t a = 0; a < s->nz; a++) {
        if (s->fixed[a] || s->size[a] == 0 || s->w[a] >= p->min)
            continue;
        /* Boundary shared with each neighbouring zone. */
        for (size_t v = 0; v < g->n; v++)
            if (s->z[v] == (int32_t)a)
                for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
                    shared[s->z[g->nbr[e]]] += g->len[e];
        int32_t best = -1;
        double best_d = -1e-9;
        for (size_t b = 0; b < s->nz; b++) {
            if (b == a || shared[b] <= 0 || s->fixed[b] || s->w[a] + s->w[b] > p->max)
                continue;
            double d =
                zcost(p, s->w[a] + s->w[b], s->a[a] + s->a[b], s->p[a] + s->p[b] - 2 * shared[b]) -
                zcost(p, s->w[a], s->a[a], s->p[a]) - zcost(p, s->w[b], s->a[b], s->p[b]);
            if (d < best_d)
                best_d = d, best = (int32_t)b;
        }
        if (best >= 0) {
            for (size_t v = 0; v < g->n; v++)
                if (s->z[v] == (int32_t)a)
                    s->z[v] = best;
            s->p[best] += s->p[a] - 2 * shared[best];
            s->w[best] += s->w[a], s->a[best] += s->a[a], s->size[best] += s->size[a];
            s->w[a] = 0, s->a[a] = 0, s->p[a] = 0, s->size[a] = 0;
            s->stuck[best] |= s->stuck[a];
            s->dirty[best] = true;
            merges++;
        }
        memset(shared, 0, (s->nz + 1) * sizeof *shared);
    }
    free(shared);
    return merges;
}

/* Whether zone z, out of range, is certified stuck by coarse units: above max and no node
 * can leave it (the rest would fall below min or apart, or no neighbouring zone has room);
 * below min and no neighbouring node can join (it would pass max, or its own zone fall below
 * min or apart). The certificate is local: single moves, not every arrangement. */
static bool coarse(work *k, const zstate *s, int32_t z)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    bool above = s->w[z] > p->max;
    for (size_t v = 0; v < g->n; v++) {
        if (above && s->z[v] == z) {
            if (s->w[z] - g->w[v] < p->min)
                continue;
            bool room = false;
            for (size_t e = g->off[v]; e < g->off[v + 1] && !room; e++) {
                int32_t b = s->z[g->nbr[e]];
                room = b != z && !s->fixed[b] && s->w[b] + g->w[v] <= p->max;
            }
            if (room && connected_without(k, s, v))
                return false;
        } else if (!above && s->z[v] != z && !s->fixed[s->z[v]]) {
            bool touches = false;
            for (size_t e = g->off[v]; e < g->off[v + 1] && !touches; e++)
                touches = s->z[g->nbr[e]] == z;
            if (touches && s->w[z] + g->w[v] <= p->max && s->w[s->z[v]] - g->w[v] >= p->min &&
                connected_without(k, s, v))
                return false;
        }
    }
    return true;
}

/* ---- Mending ------------------------------------------------------------------------------ */

/* Scratch for mend_zone(), each for g->n + 1 entries. */
typedef struct mend_scratch {
    size_t *m, *tmp;
    int32_t *save, *ring;
} mend_scratch;

/* Redraws the neighbourhood of zone `bad` (it and the unfixed zones it touches, to `depth`
 * steps) from scratch into as many zones, by a turned bisection or a power diagram, and
 * refines it locally; keeps the result when fewer zones are out of range, or as many at a
 * lower cost. Returns whether it did. */
static bool mend_zone(work *k, zstate *s, int32_t bad, int depth, bool power,
                      const mend_scratch *ms)
{
    const sg *g = k->g;
    int32_t *ring = ms->ring;
    size_t nr = 0;
    int32_t inring = new_stamp(k); /* on zone ids: mark[] has room for as many as nodes */
    ring[nr++] = bad;
    k->mark[bad] = inring;
    for (int d = 0; d < depth; d++) {
        int32_t grown = new_stamp(k); /* marks zones reached at this depth's start */
        for (size_t r = 0; r < nr; r++)
            k->mark[ring[r]] = grown;
        for (size_t v = 0; v < g->n; v++)
            if (k->mark[s->z[v]] == grown)
                for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
                    int32_t b = s->z[g->nbr[e]];
                    if (!s->fixed[b] && k->mark[b] != grown && k->mark[b] != inring)
                        ring[nr++] = b, k->mark[b] = inring;
                }
        for (size_t r = 0; r < nr; r++)
            k->mark[ring[r]] = inring;
    }
    if (nr < 2)
        return false;
    size_t nm = 0;
    for (size_t v = 0; v < g->n; v++)
        if (k->mark[s->z[v]] == inring)
            ms->m[nm++] = v;
    double before = zstate_cost(k->p, s);
    size_t out_before = zones_out(k->p, s);
    memcpy(ms->save, s->z, g->n * sizeof *ms->save);
    /* The ring's nodes get zones 0..nr-1, then the ring's ids. */
    int32_t next = 0;
    k->jitter = (double)(rnd(k) >> 11) * 0x1.0p-53;
    split_rec(k, ms->m, nm, (int64_t)nr, s->z, &next);
    if (power)
        power_zones(k, ms->m, nm, 0, (size_t)next, s->z);
    k->jitter = 0;
    for (size_t i = 0; i < nm; i++)
        s->z[ms->m[i]] = ring[s->z[ms->m[i]]];
    zone_totals(g, s);
    memset(s->dirty, 0, s->nz * sizeof *s->dirty);
    for (size_t r = 0; r < nr; r++)
        s->dirty[ring[r]] = true;
    for (int round = 0; round < 3; round++) {
        size_t changed = recut_round(k, s, ms->tmp);
        for (int pass = 0; pass < 10; pass++) {
            size_t moved = move_pass(k, s, ms->m, nm);
            changed += moved;
            if (!moved)
                break;
        }
        if (!changed)
            break;
    }
    size_t out_after = zones_out(k->p, s);
    if (out_after < out_before ||
        (out_after == out_before && zstate_cost(k->p, s) < before - 1e-9)) {
        /* Hopeless marks follow the nodes above max (bad's piece has none of its own, or
         * bad would not be mended). */
        for (size_t r = 0; r < nr; r++)
            s->stuck[ring[r]] = false;
        for (size_t i = 0; i < nm; i++)
            if (g->w[ms->m[i]] > k->p->max)
                s->stuck[s->z[ms->m[i]]] = true;
        return true;
    }
    memcpy(s->z, ms->save, g->n * sizeof *ms->save);
    zone_totals(g, s);
    return false;
}

/* Mends zones out of range for no proven reason, each by redrawing its neighbourhood a few
 * times, until a sweep over them mends none. */
static wg_status mend(wg_ctx *ctx, work *k, zstate *s)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    size_t n1 = g->n + 1;
    mend_scratch ms = {malloc(n1 * sizeof *ms.m), malloc(n1 * sizeof *ms.tmp),
                       malloc(n1 * sizeof *ms.save), malloc(n1 * sizeof *ms.ring)};
    wg_status st = WG_OK;
    if (!ms.m || !ms.tmp || !ms.save || !ms.ring)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory mending %zu zones", s->nz);
    for (int sweep = 0; st == WG_OK && sweep < MEND_SWEEPS; sweep++) {
        size_t mended = 0;
        for (size_t z = 0; z < s->nz; z++) {
            if (!s->size[z] || s->fixed[z] || s->stuck[z] || !out_of(s->w[z], p->min, p->max))
                continue;
            bool is_coarse = coarse(k, s, (int32_t)z);
            const mend_try *tries = is_coarse ? mend_short : mend_long;
            size_t ntries = is_coarse ? sizeof mend_short / sizeof *mend_short
                                      : sizeof mend_long / sizeof *mend_long;
            for (size_t t = 0; t < ntries; t++)
                if (mend_zone(k, s, (int32_t)z, tries[t].depth, tries[t].power, &ms)) {
                    mended++;
                    break;
                }
        }
        if (wg_ctx_cancelled(ctx))
            st = wg_fail(ctx, WG_EINTR, "interrupted");
        if (!mended)
            break;
    }
    free(ms.m), free(ms.tmp), free(ms.save), free(ms.ring);
    return st;
}

/* ---- The whole ------------------------------------------------------------------------- */

static wg_status refine(wg_ctx *ctx, work *k, zstate *s)
{
    const sg *g = k->g;
    size_t *order = malloc((g->n + 1) * sizeof *order), *m = malloc((g->n + 1) * sizeof *m);
    if (!order || !m) {
        free(order), free(m);
        return wg_fail(ctx, WG_ENOMEM, "out of memory refining %zu zones", s->nz);
    }
    for (size_t i = 0; i < g->n; i++)
        order[i] = i;
    for (size_t i = g->n; i > 1; i--) {
        size_t j = (size_t)(rnd(k) % i), t = order[i - 1];
        order[i - 1] = order[j], order[j] = t;
    }
    wg_status st = WG_OK;
    for (int round = 0; round < 6 && st == WG_OK; round++) {
        size_t changed = merge_pass(k, s);
        if (s->nz > 1)
            changed += recut_round(k, s, m);
        for (int pass = 0; pass < 25; pass++) {
            size_t moved = move_pass(k, s, order, g->n);
            changed += moved;
            if (!moved)
                break;
        }
        if (wg_ctx_cancelled(ctx))
            st = wg_fail(ctx, WG_EINTR, "interrupted");
        if (!changed)
            break;
    }
    free(order), free(m);
    return st;
}

void zone_result_free(zone_result *r)
{
    free(r->zone), free(r->why), free(r->hh), free(r->big), free(r->piece), free(r->sealed_id);
    memset(r, 0, sizeof *r);
}

/* Labels for the contraction: one per sealed id, one per connected piece of a group that fits
 * under max, one per other node (buildings of larger groups included). */
static wg_status label_groups(wg_ctx *ctx, work *k, const zone_graph *in, int32_t *label,
                              size_t *nl)
{
    const sg *g = k->g;
    const zone_params *p = k->p;
    size_t n = g->n;
    int32_t next = 0;
    for (size_t i = 0; i < n; i++)
        label[i] = -1;
    /* Sealed zones: one label per sealed id. */
    int32_t maxs = -1;
    for (size_t i = 0; in->sealed && i < n; i++)
        if (in->sealed[i] > maxs)
            maxs = in->sealed[i];
    if (maxs >= 0) {
        int32_t *map = malloc(((size_t)maxs + 1) * sizeof *map);
        if (!map)
            return wg_fail(ctx, WG_ENOMEM, "out of memory for sealed zones");
        for (int32_t q = 0; q <= maxs; q++)
            map[q] = -1;
        for (size_t i = 0; i < n; i++)
            if (in->sealed[i] >= 0) {
                if (map[in->sealed[i]] < 0)
                    map[in->sealed[i]] = next++;
                label[i] = map[in->sealed[i]];
            }
        free(map);
    }
    /* Groups: their connected pieces (within the group). */
    size_t *m = malloc((n + 1) * sizeof *m);
    if (!m) {
        return wg_fail(ctx, WG_ENOMEM, "out of memory for compounds");
    }
    for (size_t i = 0; i < n; i++) {
        if (label[i] != -1 || !in->group || in->group[i] < 0)
            continue;
        /* BFS over the same group, unlabelled. */
        int32_t gid = in->group[i];
        size_t head = 0, tail = 0;
        m[tail++] = i;
        label[i] = -2;
        while (head < tail) {
            size_t v = m[head++];
            for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
                size_t u = g->nbr[e];
                if (label[u] == -1 && in->group[u] == gid) {
                    label[u] = -2;
                    m[tail++] = u;
                }
            }
        }
        int64_t total = 0;
        for (size_t q = 0; q < tail; q++)
            total += g->w[m[q]];
        if (total <= p->max) {
            for (size_t q = 0; q < tail; q++)
                label[m[q]] = next;
            next++;
            continue;
        }
        /* Too big for one zone: its buildings stay free nodes, and the cut falls along
         * building lines wherever balance and compactness put it. */
        for (size_t q = 0; q < tail; q++)
            label[m[q]] = -3; /* seen; a node of its own */
    }
    for (size_t i = 0; i < n; i++)
        if (label[i] < 0)
            label[i] = next++;
    free(m);
    *nl = (size_t)next;
    return WG_OK;
}

static wg_status work_init(wg_ctx *ctx, work *k, const sg *g, const zone_params *p)
{
    k->g = g;
    k->p = p;
    k->stamp = 0;
    size_t n1 = g->n + 1;
    k->mark = calloc(n1, sizeof *k->mark);
    k->queue = malloc(n1 * sizeof *k->queue);
    k->key = malloc(n1 * sizeof *k->key);
    if (!k->mark || !k->queue || !k->key)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", g->n);
    return WG_OK;
}

static void work_fini(work *k)
{
    free(k->mark), free(k->queue), free(k->key);
    k->mark = NULL, k->queue = NULL, k->key = NULL;
}

/* Cuts every piece of the graph (sealed nodes are walls; each its own zone) into zones:
 * z[] per node; piece_w, piece_why per zone. Returns the number of zones. */
static int32_t cut_pieces(work *k, const zone_params *p, size_t *m, int32_t *z, int64_t *piece_w,
                          unsigned *piece_why)
{
    const sg *g = k->g;
    int32_t next = 0;
    for (size_t v = 0; v < g->n; v++)
        z[v] = -1;
    for (size_t v = 0; v < g->n; v++)
        if (g->sealed[v] >= 0) {
            piece_w[next] = g->w[v], piece_why[next] = 0;
            z[v] = next++;
        }
    int32_t unsealed = new_stamp(k);
    for (size_t v = 0; v < g->n; v++)
        if (g->sealed[v] < 0)
            k->mark[v] = unsealed;
    for (size_t v = 0; v < g->n; v++) {
        if (k->mark[v] != unsealed)
            continue;
        size_t cnt = bfs(k, v, unsealed, new_stamp(k));
        memcpy(m, k->queue, cnt * sizeof *m);
        int64_t total = 0;
        for (size_t q = 0; q < cnt; q++)
            total += g->w[m[q]];
        unsigned why = 0;
        int64_t kk = choose_k(p, total, &why);
        if ((int64_t)cnt < kk)
            kk = (int64_t)cnt;
        int32_t first = next;
        split_rec(k, m, cnt, kk, z, &next);
        for (int32_t q = first; q < next; q++)
            piece_w[q] = total, piece_why[q] = why;
    }
    return next;
}

static void zstate_free(zstate *s)
{
    free(s->z), free(s->w), free(s->a), free(s->p), free(s->size), free(s->fixed), free(s->stuck);
    free(s->dirty), free(s->piece_w), free(s->piece_why);
    memset(s, 0, sizeof *s);
}

/* The graph cut and refined: every piece cut by bisection, sealed and hopeless zones marked,
 * then refined. m is scratch for g->n nodes. The caller frees s with zstate_free() whatever
 * the outcome. */
static wg_status cut_and_refine(wg_ctx *ctx, work *k, const zone_params *p, size_t *m, zstate *s)
{
    const sg *g = k->g;
    size_t n1 = g->n + 1;
    memset(s, 0, sizeof *s);
    s->z = malloc(n1 * sizeof *s->z);
    s->piece_w = malloc(n1 * sizeof *s->piece_w);
    s->piece_why = calloc(n1, sizeof *s->piece_why);
    if (!s->z || !s->piece_w || !s->piece_why)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", g->n);
    s->nz = (size_t)cut_pieces(k, p, m, s->z, s->piece_w, s->piece_why);
    size_t nz1 = s->nz + 1;
    s->w = malloc(nz1 * sizeof *s->w);
    s->a = malloc(nz1 * sizeof *s->a);
    s->p = malloc(nz1 * sizeof *s->p);
    s->size = malloc(nz1 * sizeof *s->size);
    s->fixed = calloc(nz1, sizeof *s->fixed);
    s->stuck = calloc(nz1, sizeof *s->stuck);
    s->dirty = malloc(nz1 * sizeof *s->dirty);
    if (!s->w || !s->a || !s->p || !s->size || !s->fixed || !s->stuck || !s->dirty)
        return wg_fail(ctx, WG_ENOMEM, "out of memory for %zu zones", s->nz);
    for (size_t v = 0; v < g->n; v++)
        if (g->sealed[v] >= 0)
            s->fixed[s->z[v]] = true;
    for (size_t z = 0; z < s->nz; z++)
        s->stuck[z] = s->piece_why[z] & (ZONE_TOO_FEW | ZONE_NO_WHOLE_COUNT);
    for (size_t v = 0; v < g->n; v++)
        if (g->w[v] > p->max)
            s->stuck[s->z[v]] = true;
    memset(s->dirty, 1, nz1 * sizeof *s->dirty);
    zone_totals(g, s);
    return refine(ctx, k, s);
}

wg_status zones_partition(wg_ctx *ctx, const zone_graph *in, const zone_params *p, zone_result *out)
{
    memset(out, 0, sizeof *out);
    size_t n = in->n;
    /* the search degrades where an allocation fails (fewer cuts tried): then its result is
     * not the one the seed gives, and it is refused */
    long failures = wg_alloc_failures();
    /* The input as an sg (borrowing would need const casts; copies are cheap at this size). */
    sg g0 = {0};
    g0.n = n;
    g0.w = malloc((n + 1) * sizeof *g0.w);
    g0.area = malloc((n + 1) * sizeof *g0.area);
    g0.outer = malloc((n + 1) * sizeof *g0.outer);
    g0.x = malloc((n + 1) * sizeof *g0.x);
    g0.y = malloc((n + 1) * sizeof *g0.y);
    g0.off = malloc((n + 1) * sizeof *g0.off);
    g0.nbr = malloc((in->off[n] + 1) * sizeof *g0.nbr);
    g0.len = malloc((in->off[n] + 1) * sizeof *g0.len);
    g0.sealed = malloc((n + 1) * sizeof *g0.sealed);
    int32_t *label = malloc((n + 1) * sizeof *label);
    work k = {.rng = p->seed ^ 0x5851F42D4C957F2Du};
    sg g1 = {0};
    zstate s = {0};
    wg_status st = WG_OK;
    if (!g0.w || !g0.area || !g0.outer || !g0.x || !g0.y || !g0.off || !g0.nbr || !g0.len ||
        !g0.sealed || !label)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", n);
    if (st == WG_OK) {
        for (size_t i = 0; i < n; i++) {
            g0.w[i] = in->w[i], g0.area[i] = in->area[i], g0.outer[i] = in->outer[i];
            g0.x[i] = in->xy[2 * i], g0.y[i] = in->xy[2 * i + 1];
            g0.sealed[i] = in->sealed ? in->sealed[i] : -1;
        }
        memcpy(g0.off, in->off, (n + 1) * sizeof *g0.off);
        memcpy(g0.nbr, in->nbr, in->off[n] * sizeof *g0.nbr);
        memcpy(g0.len, in->len, in->off[n] * sizeof *g0.len);
        st = work_init(ctx, &k, &g0, p);
    }
    size_t nl = 0;
    if (st == WG_OK)
        st = label_groups(ctx, &k, in, label, &nl);
    if (st == WG_OK)
        st = contract(ctx, &g0, label, nl, &g1);
    work_fini(&k);
    if (st == WG_OK)
        st = work_init(ctx, &k, &g1, p);

    /* Cut, refine, then mend what is still out of range. */
    size_t n1 = g1.n;
    size_t *m = malloc((n1 + 1) * sizeof *m);
    if (st == WG_OK && !m)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu units", n1);
    if (st == WG_OK)
        st = cut_and_refine(ctx, &k, p, m, &s);
    if (st == WG_OK)
        st = mend(ctx, &k, &s);
    if (st == WG_OK && wg_alloc_failures() != failures)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory drawing the cells of %zu units", n);
    int64_t *piece_w = s.piece_w;
    unsigned *piece_why = s.piece_why;
    /* Zones emptied by merges: renumber the rest, keeping each zone's facts. */
    if (st == WG_OK) {
        size_t nz = 0;
        int32_t *to = malloc((s.nz + 1) * sizeof *to);
        if (!to)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu zones", s.nz);
        for (size_t z = 0; to && z < s.nz; z++) {
            to[z] = s.size[z] ? (int32_t)nz : -1;
            if (s.size[z]) {
                piece_w[nz] = piece_w[z], piece_why[nz] = piece_why[z];
                s.w[nz] = s.w[z], s.a[nz] = s.a[z], s.p[nz] = s.p[z], s.size[nz] = s.size[z];
                s.fixed[nz] = s.fixed[z], s.stuck[nz] = s.stuck[z];
                nz++;
            }
        }
        for (size_t v = 0; to && v < n1; v++)
            s.z[v] = to[s.z[v]];
        s.nz = nz;
        free(to);
    }

    /* Results per input node and per zone. */
    if (st == WG_OK) {
        size_t nz = s.nz;
        out->nzones = nz;
        out->zone = malloc((n + 1) * sizeof *out->zone);
        out->why = calloc(nz + 1, sizeof *out->why);
        out->hh = calloc(nz + 1, sizeof *out->hh);
        out->big = malloc((nz + 1) * sizeof *out->big);
        out->piece = calloc(nz + 1, sizeof *out->piece);
        out->sealed_id = malloc((nz + 1) * sizeof *out->sealed_id);
        if (!out->zone || !out->why || !out->hh || !out->big || !out->piece || !out->sealed_id)
            st = wg_fail(ctx, WG_ENOMEM, "out of memory for %zu zones", nz);
    }
    if (st == WG_OK) {
        size_t nz = s.nz;
        for (size_t z = 0; z < nz; z++)
            out->big[z] = SIZE_MAX, out->sealed_id[z] = -1;
        /* The piece total of a zone: recomputed from where its nodes are now. */
        for (size_t z = 0; z < nz; z++)
            out->piece[z] = piece_w[z];
        for (size_t i = 0; i < n; i++) {
            int32_t z = s.z[label[i]];
            out->zone[i] = z;
            out->hh[z] += in->w[i];
            if (g0.sealed[i] >= 0)
                out->sealed_id[z] = g0.sealed[i];
        }
        for (size_t v = 0; v < n1; v++)
            if (g1.w[v] > p->max && out->big[s.z[v]] == SIZE_MAX) {
                /* Name an input node of that contracted node: the heaviest. */
                size_t best = SIZE_MAX;
                for (size_t i = 0; i < n; i++)
                    if ((size_t)label[i] == v && (best == SIZE_MAX || in->w[i] > in->w[best]))
                        best = i;
                out->big[s.z[v]] = best;
            }
        for (size_t z = 0; z < nz; z++) {
            if (s.fixed[z]) {
                out->why[z] |= ZONE_SEALED;
                continue;
            }
            if (!out_of(out->hh[z], p->min, p->max))
                continue;
            unsigned w = piece_why[z] & (ZONE_TOO_FEW | ZONE_NO_WHOLE_COUNT);
            if (out->big[z] != SIZE_MAX && out->hh[z] > p->max)
                w |= ZONE_UNIT_ABOVE_MAX;
            if (!w && coarse(&k, &s, (int32_t)z))
                w |= ZONE_COARSE;
            out->why[z] |= w ? w : ZONE_SEARCH;
        }
    }
    if (st != WG_OK)
        zone_result_free(out);
    work_fini(&k);
    free(m), free(label);
    zstate_free(&s);
    sg_free(&g0);
    sg_free(&g1);
    return st;
}
