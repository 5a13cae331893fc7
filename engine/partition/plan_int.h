/* engine/partition/plan_int.h (private): what the partitioner (partition.c) and the plan operations
 * (plan.c) share — the units of a community loaded from the workspace and tessellated. */
#ifndef WG_PLAN_INT_H
#define WG_PLAN_INT_H

#include "wg/plan.h"
#include "wg/store.h"
#include "wg/tess.h"

/* A blob of bytes kept in one arena (ids and WKB). */
typedef struct blob {
    size_t off, len;
} blob;

typedef struct unit_rec {
    blob id, compound, wkb;
    int64_t hh;         /* what cells balance: households, or workload in household-equivalents */
    int64_t households; /* the unit's households, as stored */
    int32_t comm;       /* index into the communities, or -1 (none found) */
    int32_t old_cell;   /* keep: index into the keep plan's cells, or -1 */
} unit_rec;

typedef struct comm_rec {
    blob id, parent, wkb;
    double x0, y0, x1, y1; /* envelope */
    size_t first, count;   /* its units: ws_units.order[first .. first + count) */
} comm_rec;

typedef struct barrier_rec {
    blob id, name, kind, wkb;
    double x0, y0, x1, y1;
} barrier_rec;

typedef struct ws_units {
    char *arena;
    size_t arena_len, arena_cap;
    unit_rec *u;
    size_t nu, ucap;
    comm_rec *c;
    size_t nc, ccap;
    barrier_rec *b;
    size_t nb, bcap;
    size_t *order;  /* unit indexes grouped by community (then by id) */
    size_t outside; /* units in no community: order[nu - outside .. nu) */
} ws_units;

/* Text of a blob (NUL-terminated in the arena), or NULL for an empty one. */
const char *wu_str(const ws_units *w, blob b);

/* Loads communities, units and barriers; units without a (known) community are placed by
 * their location. With `only` (a community id), just that community and the units that are,
 * or may be placed, in it. Errors: WG_ESQL; WG_EGEOS; WG_ENOMEM. */
wg_status wu_load(wg_ws *ws, ws_units *w, const char *only);
void wu_free(ws_units *w);

/* Sets each unit's hh to its workload in household-equivalents (see wg_part_opts.workload);
 * units keep their households in `households`. The weights and categories come from the files
 * when given, else from the workspace's tables. Errors: bad weights or categories file
 * (WG_EINPUT), WG_ESQL, WG_EGEOS, WG_ENOMEM. */
wg_status wg__unit_workload(wg_ws *ws, const char *weights_file, const char *categories_file,
                            ws_units *w);
/* The index of the unit with this id, or -1 (units are kept sorted by id). */
long wu_find_unit(const ws_units *w, const char *id);

/* A community ready to partition: its units' sites and the tessellation. */
typedef struct comm_tess {
    wg_geom *area;
    wg_geom **barriers;  /* those near the community */
    size_t *barrier_idx; /* their indexes in ws_units.b */
    size_t nbarriers;
    size_t nunits;
    const size_t *units; /* ws_units indexes (borrowed from order) */
    size_t *site_of;     /* per unit (local index): its site */
    size_t nsites;
    double *xy;      /* per site */
    int64_t *hh;     /* per site */
    wg_geom **shape; /* per site: the unit's polygon when it is alone there, else NULL */
    wg_tess *tess;
} comm_tess;

/* Builds community c's sites and tessellation with ctx. min: parts lighter than
 * this join a neighbour across a barrier. */
wg_status comm_tess_build(wg_ctx *ctx, const ws_units *w, size_t c, int64_t min, comm_tess *out);
void comm_tess_free(wg_ctx *ctx, comm_tess *t);

/* Adds an issue to a plan (cell and comm may be NULL; *count, when given, is incremented). */
wg_status plan_issue_add(wg_ws *ws, int64_t plan, const char *cell, const char *comm,
                         const char *kind, const char *cause, size_t *count);

/* The household range a plan was drawn with, from its parameters: *found false (and 0,
 * INT64_MAX) when the plan records none. Errors: reading the plan; WG_EINPUT for no such
 * plan. */
wg_status wg__plan_range(wg_ws *ws, int64_t plan, int64_t *min, int64_t *max, bool *found);
/* Who changed `name` (a layer, or "plans") last, for a message about a change made meanwhile:
 * "by 'COMMAND' at YYYY-MM-DDTHH:MM:SSZ", or "" when that is not recorded. */
void wg__changed_by(wg_ws *ws, const char *name, char *out, size_t n);

/* The area, Polsby-Popper compactness and number of parts of a cell polygon. Errors: WG_EGEOS
 * (nothing written). */
wg_status cell_shape(wg_ctx *ctx, const wg_geom *g, double *area, double *pp, int *pieces);

/* dissolve.c: when the communities layer is empty, fills it (in the open transaction) from
 * the units' community field, or with the whole district as one community; says what it did in
 * sum. */
wg_status wg__communities_from_units(wg_ws *ws, wg_part_summary *sum);

#endif
