/* engine/partition/zones.h (private): household-balanced, contiguous, compact zones on a unit graph
 * — the search at the heart of the partitioner, on plain arrays. engine/partition.c builds the
 * graph from a tessellation and turns zones into cells. */
#ifndef WG_ZONES_H
#define WG_ZONES_H

#include "wg/core.h"

#include <stddef.h>
#include <stdint.h>

typedef struct zone_graph {
    size_t n;
    const int64_t *w;    /* households per node */
    const double *area;  /* region area per node */
    const double *outer; /* region outline not shared with another node */
    const double *xy;    /* 2n: a representative point per node */
    const size_t *off;   /* CSR, n + 1 */
    const size_t *nbr;
    const double *len;     /* shared boundary length per adjacency */
    const int32_t *group;  /* per node: compound group (kept whole while it fits), or -1 */
    const int32_t *sealed; /* per node: a fixed zone id (>= 0) kept exactly as is, or -1; NULL */
} zone_graph;

typedef struct zone_params {
    int64_t target, min, max;
    uint64_t seed;
} zone_params;

/* Why a zone's households fall outside [min, max]; bits of zone_result.why. */
enum {
    ZONE_UNIT_ABOVE_MAX = 1, /* it holds a single node (or a whole group) above max */
    ZONE_TOO_FEW = 2,        /* its connected piece of the graph holds fewer than min */
    ZONE_NO_WHOLE_COUNT = 4, /* its piece's total fits no whole number of zones in range */
    ZONE_SEARCH = 8,         /* the search found no in-range arrangement */
    ZONE_COARSE = 64,        /* no single node can leave or join it without putting it or
                                a neighbour out of range (the units are too coarse) */
    ZONE_SEALED = 16         /* a sealed zone, kept as it was */
};

typedef struct zone_result {
    size_t nzones;
    int32_t *zone;      /* n: the zone of each node, 0..nzones-1 */
    unsigned *why;      /* nzones: ZONE_* bits (0 for a zone in range) */
    int64_t *hh;        /* nzones: households */
    size_t *big;        /* nzones: for UNIT_ABOVE_MAX, a node above max (else SIZE_MAX) */
    int64_t *piece;     /* nzones: households of the connected piece it lies in */
    int32_t *sealed_id; /* nzones: the sealed id it keeps, or -1 */
} zone_result;

/* Partitions the graph: every node in exactly one zone; zones are connected in the graph;
 * each connected piece of the graph is cut into the whole number of zones closest to
 * total/target that lets every zone fall in [min, max], and zones are balanced, then made
 * compact (Polsby-Popper from area and outline) by moving nodes, re-cutting pairs of zones
 * and merging a zone below min into a neighbour with room; a zone still out of range for no
 * proven reason has its neighbourhood redrawn afresh, kept when fewer zones end out of range.
 * A group (compound) whose total is at most max stays in one zone; a larger one is cut along
 * its nodes like any other. Sealed nodes keep their zone exactly. The same input and seed
 * give the same result. Checks wg_ctx_cancelled() (WG_EINTR).
 * Caller frees with zone_result_free(). Errors: WG_ENOMEM; WG_EINTR. */
wg_status zones_partition(wg_ctx *ctx, const zone_graph *g, const zone_params *p, zone_result *out);
void zone_result_free(zone_result *r);

/* Polsby-Popper compactness 4*pi*A/P^2 (0 when P is 0). */
double zone_pp(double area, double perim);

#endif
