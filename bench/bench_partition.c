/* bench/bench_partition.c: the partitioner on the sample cities, and METIS beside it.
 *
 *   bench_partition [small|medium|large ...]     (default: medium large)
 *
 * For each scale: writes the sample city (seed 1) and imports communities, units and barriers
 * (not timed here; see bench_import), then partitions (target 250, range 200-300) in a child
 * process, printing time, peak memory, cells, the share of cells in range (of all, and of the
 * cells not certified infeasible), the largest deviation from the target, cells in several
 * pieces and the mean Polsby-Popper compactness of the cell polygons.
 *
 * When gpmetis is on PATH, the same unit graph (per connected piece of each community: the
 * sites, their shared-boundary lengths as edge weights, households as vertex weights) is cut
 * by `gpmetis -contig` into as many parts as wangge made cells there, and the same figures
 * are computed for both on that graph (compactness from the regions' areas and outlines).
 * Then (not on the large city) the trade-off between the band and compactness: the city
 * partitioned again with wider bands, each beside METIS. */
#include "bench_child.h"
#include "plan_int.h"
#include "wg/democity.h"
#include "wg/import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TARGET 250
#define MIN 200
#define MAX 300

static int prepare(const char *scale_name, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    wg_city_scale scale;
    wg_status st = wg_city_scale_parse(ctx, scale_name, &scale);
    if (st == WG_OK)
        st = wg_city_write(ctx, scale, 1, dir, NULL);
    char ws_path[4096], src[4096];
    snprintf(ws_path, sizeof ws_path, "%s/bench.wangge", dir);
    wg_ws *ws = NULL;
    if (st == WG_OK)
        st = wg_ws_create(ctx, ws_path, WG_CITY_CRS, &ws);
    const char *layers[] = {"communities", "units", "barriers"};
    for (size_t l = 0; st == WG_OK && l < 3; l++)
        for (size_t i = 0; st == WG_OK && i < WG_CITY_NFILES; i++) {
            const char *file, *layer;
            wg_city_file(i, &file, &layer);
            if (strcmp(layer, layers[l]) != 0)
                continue;
            snprintf(src, sizeof src, "%s/%s", dir, file);
            wg_import_result r;
            st = wg_import(ws, layer, src, NULL, &r);
        }
    wg_ws_close(ws);
    if (st != WG_OK)
        fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
    return st == WG_OK ? 0 : 1;
}

static int run_partition(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char ws_path[4096];
    snprintf(ws_path, sizeof ws_path, "%s/bench.wangge", dir);
    wg_ws *ws = NULL;
    wg_part_summary s;
    wg_part_opts o = {.target = TARGET, .min = MIN, .max = MAX, .seed = 1, .name = "bench"};
    wg_status st = wg_ws_open(ctx, ws_path, &ws);
    if (st == WG_OK)
        st = wg_partition(ws, &o, &s);
    size_t search = 0;
    if (st == WG_OK) {
        wg_plan_detail d;
        st = wg_plan_detail_get(ws, s.plan, &d);
        for (size_t i = 0; st == WG_OK && i < d.nissues; i++)
            search += strstr(d.issues[i].cause, "no arrangement") != NULL;
        if (st == WG_OK)
            wg_plan_detail_free(&d);
    }
    wg_ws_close(ws);
    if (st != WG_OK) {
        fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
        wg_ctx_free(ctx);
        return 1;
    }
    /* Feasible: every cell but those whose issue proves it cannot be in range. */
    size_t feasible = s.in_range + search;
    printf("wangge scale=%s seconds=%.2f units=%zu communities=%zu cells=%zu in_range=%.1f%% "
           "feasible_in_range=%.2f%% unexplained=%zu max_dev=%.1f%% pieces=%zu "
           "across_barrier=%zu pp_mean=%.3f pp_min=%.3f\n",
           scale, s.seconds, s.units, s.communities, s.cells,
           100.0 * (double)s.in_range / (double)s.cells,
           feasible ? 100.0 * (double)s.in_range / (double)feasible : 100.0, search,
           100 * s.max_dev, s.pieces, s.across_barrier, s.pp_mean, s.pp_min);
    wg_ctx_free(ctx);
    return 0;
}

/* ---- METIS beside it ------------------------------------------------------------------- */

typedef struct figures {
    size_t parts, in_range, noncontig;
    double max_dev, pp_sum;
} figures;

/* Figures of a partition `part` (values 0..k-1) of the piece's sites, on the graph. */
static void measure(const comm_tess *t, const size_t *sites, size_t n, const int *part, int k,
                    const int *local, figures *f)
{
    int64_t *hh = calloc((size_t)k, sizeof *hh);
    double *area = calloc((size_t)k, sizeof *area), *per = calloc((size_t)k, sizeof *per);
    size_t *queue = malloc(n * sizeof *queue), *count = calloc((size_t)k, sizeof *count);
    bool *seen = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        size_t s = sites[i];
        int p = part[i];
        hh[p] += t->hh[s];
        area[p] += wg_tess_area(t->tess, s);
        per[p] += wg_tess_outer(t->tess, s);
        count[p]++;
        const size_t *nbr;
        const double *len;
        size_t deg;
        wg_tess_adj(t->tess, s, &nbr, &len, &deg);
        for (size_t e = 0; e < deg; e++)
            if (part[local[nbr[e]]] != p)
                per[p] += len[e];
    }
    for (int p = 0; p < k; p++) {
        if (!count[p])
            continue;
        f->parts++;
        bool in = hh[p] >= MIN && hh[p] <= MAX;
        f->in_range += in;
        double dev = fabs((double)(hh[p] - TARGET)) / TARGET;
        if (in && dev > f->max_dev)
            f->max_dev = dev;
        f->pp_sum += per[p] > 0 ? 4 * M_PI * area[p] / (per[p] * per[p]) : 0;
        /* Connected in the graph? */
        size_t start = 0;
        while (part[start] != p)
            start++;
        memset(seen, 0, n);
        size_t head = 0, tail = 0;
        queue[tail++] = start;
        seen[start] = true;
        while (head < tail) {
            size_t i = queue[head++];
            const size_t *nbr;
            const double *len;
            size_t deg;
            wg_tess_adj(t->tess, sites[i], &nbr, &len, &deg);
            for (size_t e = 0; e < deg; e++) {
                int j = local[nbr[e]];
                if (j >= 0 && part[j] == p && !seen[j]) {
                    seen[j] = true;
                    queue[tail++] = (size_t)j;
                }
            }
        }
        f->noncontig += tail != count[p];
    }
    free(hh), free(area), free(per), free(queue), free(count), free(seen);
}

/* Runs gpmetis on one piece; fills part[] (0..k-1). Returns 0 on success. */
static int metis_piece(const comm_tess *t, const size_t *sites, size_t n, const int *local, int k,
                       const char *dir, int *part, double *secs)
{
    char path[4096], cmd[8300];
    snprintf(path, sizeof path, "%s/piece.graph", dir);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t *nbr;
        const double *len;
        size_t deg;
        wg_tess_adj(t->tess, sites[i], &nbr, &len, &deg);
        for (size_t e = 0; e < deg; e++)
            m += local[nbr[e]] >= 0;
    }
    fprintf(fp, "%zu %zu 011\n", n, m / 2);
    for (size_t i = 0; i < n; i++) {
        const size_t *nbr;
        const double *len;
        size_t deg;
        wg_tess_adj(t->tess, sites[i], &nbr, &len, &deg);
        fprintf(fp, "%lld", (long long)t->hh[sites[i]]);
        for (size_t e = 0; e < deg; e++)
            if (local[nbr[e]] >= 0)
                fprintf(fp, " %d %ld", local[nbr[e]] + 1, lround(len[e]) > 0 ? lround(len[e]) : 1);
        fputc('\n', fp);
    }
    fclose(fp);
    snprintf(cmd, sizeof cmd, "gpmetis -contig '%s' %d > /dev/null 2>&1", path, k);
    double t0 = wg_now();
    int rc = system(cmd);
    *secs += wg_now() - t0;
    if (rc != 0)
        return 1;
    snprintf(path, sizeof path, "%s/piece.graph.part.%d", dir, k);
    fp = fopen(path, "r");
    if (!fp)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (fscanf(fp, "%d", &part[i]) != 1) {
            fclose(fp);
            return 1;
        }
    fclose(fp);
    return 0;
}

/* The codes of a plan's cells, in code order (a cell's position is its index). */
typedef struct cell_codes {
    char (*code)[32];
    size_t n, cap;
} cell_codes;

static wg_status add_code(void *user, const wg_cell_rec *c)
{
    cell_codes *cc = user;
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? 2 * cc->cap : 1024;
        char(*v)[32] = realloc(cc->code, cap * sizeof *v);
        if (!v)
            return WG_ENOMEM;
        cc->code = v, cc->cap = cap;
    }
    snprintf(cc->code[cc->n++], sizeof cc->code[0], "%s", c->code);
    return WG_OK;
}

static int cmp_code(const void *key, const void *elem)
{
    return strcmp(key, elem);
}

typedef struct unit_cells {
    const ws_units *w;
    const cell_codes *cc;
    int *cell_of;
} unit_cells;

/* wangge's cell (its index) of one unit of the plan. */
static wg_status unit_cell(void *user, const wg_member_rec *m)
{
    unit_cells *uc = user;
    long u = wu_find_unit(uc->w, m->unit);
    const char(*hit)[32] =
        bsearch(m->cell, uc->cc->code, uc->cc->n, sizeof *uc->cc->code, cmp_code);
    if (u >= 0 && hit)
        uc->cell_of[u] = (int)(hit - uc->cc->code);
    return WG_OK;
}

typedef struct band_count {
    double cells, in;
} band_count;

static wg_status count_band(void *user, const wg_cell_rec *c)
{
    band_count *b = user;
    b->cells++;
    b->in += c->households >= MIN && c->households <= MAX;
    return WG_OK;
}

static int run_metis(const char *scale, const char *dir)
{
    wg_ctx *ctx = wg_ctx_new();
    char ws_path[4096];
    snprintf(ws_path, sizeof ws_path, "%s/bench.wangge", dir);
    wg_ws *ws = NULL;
    ws_units w;
    wg_status st = wg_ws_open(ctx, ws_path, &ws);
    if (st == WG_OK)
        st = wu_load(ws, &w, NULL);
    if (st != WG_OK) {
        fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
        return 1;
    }
    /* wangge's cell of every unit, by unit index. */
    int64_t plan = 0;
    wg_plan_find(ws, "bench", &plan);
    int *cell_of = malloc(w.nu * sizeof *cell_of);
    for (size_t i = 0; i < w.nu; i++)
        cell_of[i] = -1;
    cell_codes cc = {0};
    unit_cells uc = {&w, &cc, cell_of};
    if (wg_store_cells_each(ws, plan, 0, 0, add_code, &cc) != WG_OK ||
        wg_store_members_each(ws, plan, NULL, unit_cell, &uc) != WG_OK) {
        fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
        return 1;
    }
    free(cc.code);
    figures ours = {0}, metis = {0};
    double msecs = 0;
    size_t runs = 0, failed = 0;
    for (size_t c = 0; c < w.nc; c++) {
        if (!w.c[c].count)
            continue;
        comm_tess t;
        if (comm_tess_build(ctx, &w, c, MIN, &t) != WG_OK) {
            fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
            return 1;
        }
        /* Our cell per site (a site's first unit). */
        int *site_cell = malloc(t.nsites * sizeof *site_cell),
            *local = malloc(t.nsites * sizeof *local);
        size_t *sites = malloc(t.nsites * sizeof *sites);
        int *part = malloc(t.nsites * sizeof *part), *mine = malloc(t.nsites * sizeof *mine);
        bool *done = calloc(t.nsites, 1);
        for (size_t k = 0; k < t.nunits; k++)
            site_cell[t.site_of[k]] = cell_of[t.units[k]];
        for (size_t s = 0; s < t.nsites; s++)
            local[s] = -1;
        for (size_t s0 = 0; s0 < t.nsites; s0++) {
            if (done[s0])
                continue;
            /* A connected piece of the site graph. */
            size_t n = 0;
            sites[n++] = s0;
            done[s0] = true;
            for (size_t h = 0; h < n; h++) {
                const size_t *nbr;
                const double *len;
                size_t deg;
                wg_tess_adj(t.tess, sites[h], &nbr, &len, &deg);
                for (size_t e = 0; e < deg; e++)
                    if (!done[nbr[e]]) {
                        done[nbr[e]] = true;
                        sites[n++] = nbr[e];
                    }
            }
            for (size_t i = 0; i < n; i++)
                local[sites[i]] = (int)i;
            /* Our cells here, renumbered 0..k-1. */
            int k = 0;
            for (size_t i = 0; i < n; i++) {
                int found = -1;
                for (size_t j = 0; j < i && found < 0; j++)
                    if (site_cell[sites[j]] == site_cell[sites[i]])
                        found = mine[j];
                mine[i] = found >= 0 ? found : k++;
            }
            measure(&t, sites, n, mine, k, local, &ours);
            if (k == 1)
                measure(&t, sites, n, mine, k, local, &metis);
            else if (metis_piece(&t, sites, n, local, k, dir, part, &msecs) == 0) {
                measure(&t, sites, n, part, k, local, &metis);
                runs++;
            } else
                failed++;
            for (size_t i = 0; i < n; i++)
                local[sites[i]] = -1;
        }
        free(site_cell), free(local), free(sites), free(part), free(mine), free(done);
        comm_tess_free(ctx, &t);
    }
    printf("graph scale=%s who=wangge parts=%zu in_range=%.1f%% max_dev=%.1f%% noncontig=%zu "
           "pp_mean=%.3f\n",
           scale, ours.parts, 100.0 * (double)ours.in_range / (double)ours.parts,
           100 * ours.max_dev, ours.noncontig, ours.pp_sum / (double)ours.parts);
    /* METIS may leave parts empty: asked for as many as wangge made, it returns fewer. */
    printf("graph scale=%s who=gpmetis-contig parts=%zu empty_parts=%zu in_range=%.1f%% "
           "(of parts asked for: %.1f%%) max_dev=%.1f%% noncontig=%zu pp_mean=%.3f seconds=%.2f "
           "runs=%zu failed=%zu\n",
           scale, metis.parts, ours.parts - metis.parts,
           100.0 * (double)metis.in_range / (double)metis.parts,
           100.0 * (double)metis.in_range / (double)ours.parts, 100 * metis.max_dev,
           metis.noncontig, metis.pp_sum / (double)metis.parts, msecs, runs, failed);
    printf("graph scale=%s pp_gain_over_metis=%.1f%%\n", scale,
           100.0 * ((ours.pp_sum / (double)ours.parts) / (metis.pp_sum / (double)metis.parts) - 1));
    /* For the trade-off step. */
    char pp_path[4096];
    snprintf(pp_path, sizeof pp_path, "%s/metis.pp", dir);
    FILE *fp = fopen(pp_path, "w");
    if (fp) {
        fprintf(fp, "%.17g %.17g %.17g\n", metis.pp_sum / (double)metis.parts,
                (double)metis.in_range / (double)metis.parts,
                (double)metis.in_range / (double)ours.parts);
        fclose(fp);
    }
    free(cell_of);
    wu_free(&w);
    wg_ws_close(ws);
    wg_ctx_free(ctx);
    return 0;
}

/* ---- Balance against compactness ---------------------------------------------------------
 * The hard band costs compactness: METIS leaves a fifth of its parts outside 200-300 and
 * keeps no compound whole. The same city partitioned with wider bands shows what wangge
 * reaches at METIS's balance: for each band, the share of cells inside 200-300 and the mean
 * Polsby-Popper, beside METIS's. Skipped on the large city (a minute more, the same curve). */
static int run_tradeoff(const char *scale, const char *dir)
{
    if (strcmp(scale, "large") == 0)
        return 0;
    char ws_path[4096], pp_path[4096];
    snprintf(ws_path, sizeof ws_path, "%s/bench.wangge", dir);
    snprintf(pp_path, sizeof pp_path, "%s/metis.pp", dir);
    double metis_pp = 0, metis_in = 0, metis_in_asked = 0;
    FILE *fp = fopen(pp_path, "r");
    if (!fp || fscanf(fp, "%lf %lf %lf", &metis_pp, &metis_in, &metis_in_asked) != 3) {
        fprintf(stderr, "bench_partition: no METIS figures in %s\n", pp_path);
        if (fp)
            fclose(fp);
        return 1;
    }
    fclose(fp);
    wg_ctx *ctx = wg_ctx_new();
    wg_ws *ws = NULL;
    wg_status st = wg_ws_open(ctx, ws_path, &ws);
    const int64_t bands[][2] = {{MIN, MAX}, {185, 315}, {175, 325}, {165, 335}, {150, 350}};
    for (size_t b = 0; st == WG_OK && b < sizeof bands / sizeof *bands; b++) {
        char name[32];
        snprintf(name, sizeof name, "band-%lld-%lld", (long long)bands[b][0],
                 (long long)bands[b][1]);
        wg_part_opts o = {
            .target = TARGET, .min = bands[b][0], .max = bands[b][1], .seed = 1, .name = name};
        wg_part_summary s;
        st = wg_partition(ws, &o, &s);
        if (st != WG_OK)
            break;
        band_count bc = {0};
        if ((st = wg_store_cells_each(ws, s.plan, 0, 0, count_band, &bc)) != WG_OK)
            break;
        double cells = bc.cells, in = bc.in;
        printf("tradeoff scale=%s band=%lld-%lld cells=%.0f in_%d_%d=%.1f%% pp_mean=%.3f "
               "pp_gain_over_metis=%.1f%% (metis: in_%d_%d=%.1f%% of its parts, %.1f%% of those "
               "asked for; pp_mean=%.3f)\n",
               scale, (long long)bands[b][0], (long long)bands[b][1], cells, MIN, MAX,
               cells > 0 ? 100 * in / cells : 0, s.pp_mean, 100 * (s.pp_mean / metis_pp - 1), MIN,
               MAX, 100 * metis_in, 100 * metis_in_asked, metis_pp);
    }
    wg_ws_close(ws);
    if (st != WG_OK)
        fprintf(stderr, "bench_partition: %s\n", wg_ctx_errmsg(ctx));
    wg_ctx_free(ctx);
    return st == WG_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    bool have_metis = system("command -v gpmetis > /dev/null 2>&1") == 0;
    if (!have_metis)
        printf("gpmetis not found (Debian package metis): no comparison\n");
    const bench_step steps[] = {{prepare, "prepare"},
                                {run_partition, "partition"},
                                {run_metis, "compare"},
                                {run_tradeoff, "tradeoff"}};
    return bench_scales(argc, argv, "bench_partition", steps, have_metis ? 4 : 2);
}
