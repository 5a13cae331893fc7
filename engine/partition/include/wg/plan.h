/* wg/plan.h: grid plans — partitioning the units into household-balanced, contiguous, compact
 * cells nested in communities, and the plans planners compare, activate and edit. */
#ifndef WG_PLAN_H
#define WG_PLAN_H

#include "wg/store.h"

typedef struct wg_part_opts {
    int64_t target, min, max; /* households per cell; min <= target <= max */
    const char *name;         /* the new plan's name; NULL: "plan-N" */
    const char *keep;         /* redraw from this plan (name or id), or NULL */
    const char *const *lock;  /* cell codes of the `keep` plan kept exactly as they are */
    size_t nlock;
    uint64_t seed;        /* the same seed and input give the same plan */
    const char *division; /* 6-digit division code for new community codes; NULL: "000000" */
    int threads;          /* communities partitioned at once; 0: 2 */
    /* Balance by workload instead of households alone: each unit weighs its households and the
     * handling hours of the incidents nearest to it, combined with the households and hours
     * weights of the workload index (wg/report.h) and scaled so that the units' total equals
     * their households. target, min and max then count these household-equivalents; cells
     * still store their real households. */
    bool workload;
    const char *weights_file;    /* NULL: data/workload.csv */
    const char *categories_file; /* NULL: data/categories.csv */
    /* Recut only these communities (ids) of the active plan, with its target, range, seed and
     * weight: their cells, members and issues are replaced, the rest stays as it is, and the
     * plan's derived data (assignment, coverage, patrol) is to be made again. The same units
     * give the same cells as the whole plan had, so recuts of different communities in any
     * order come to the same plan. name, keep, lock and workload must not be set. */
    const char *const *communities;
    size_t ncommunities;
} wg_part_opts;

typedef struct wg_part_summary {
    int64_t plan; /* the new plan's id */
    char name[128];
    bool active; /* it became the active plan (there was none) */
    size_t communities, units, cells;
    int64_t households;
    char weight[32]; /* what the units' households field counts (wg_store_weight_name) */
    int64_t hh_min, hh_median, hh_max; /* over cells */
    size_t in_range;                   /* cells with households in [min, max] */
    size_t out_of_range;               /* cells outside, each with its cause in the plan's issues */
    size_t issues;                     /* all recorded issues (see wg_plan_issues) */
    size_t pieces;                     /* cells whose polygon falls in more than one piece */
    size_t across_barrier;             /* cells that straddle a barrier */
    size_t outside;                    /* units in no community, left out */
    /* A workspace without communities gets them here (written to the communities layer):
     * dissolved from the units by their community field, or the whole district as one. */
    size_t communities_made;  /* 0: the communities layer had some */
    size_t communities_hulls; /* of those, drawn around points or detached buildings */
    bool one_community;       /* no unit names a community: the district is one, 'district' */
    size_t units_unnamed;     /* units without a community name beside named ones */
    double pp_mean, pp_min;   /* Polsby-Popper compactness of the cell polygons */
    double max_dev;           /* max |households - target| / target over in-range cells */
    /* Redrawing (keep): */
    size_t kept;              /* cells kept with their units and code */
    int64_t moved_households; /* households of units now in another cell than before */
    size_t moved_units, new_units, gone_units;
    double seconds;
    size_t recut_before;      /* a recut: the communities' cells before (then `cells` after) */
    int64_t target, min, max; /* what the cells were cut to (a recut: the plan's) */
} wg_part_summary;

/* Partitions the units into a new plan (one transaction: on any error the workspace is as it
 * was). Every unit lies in exactly one cell, every cell in one community; cells of a community
 * tile it. See wg_part_summary for what is reported; every cell out of range, across a barrier
 * or in pieces has an issue with its cause. Reports wg_progress() "partitioning" per community.
 * Errors: WG_EINPUT (bad range, no units, unknown keep plan or lock code, existing name);
 * WG_ESQL/WG_EIO; WG_EGEOS; WG_ENOMEM; WG_EINTR. */
wg_status wg_partition(wg_ws *ws, const wg_part_opts *opts, wg_part_summary *sum);

/* The id of the plan named or numbered `ref`. Errors: WG_EINPUT naming ref. */
wg_status wg_plan_find(wg_ws *ws, const char *ref, int64_t *id);

/* Makes plan `id` the active one (the one export, assign and render use by default). */
wg_status wg_plan_activate(wg_ws *ws, int64_t id);

typedef struct wg_plan_cell {
    char code[32];
    char community[64];
    int64_t households, units;
    double area_m2, compactness;
} wg_plan_cell;

typedef struct wg_plan_issue {
    char cell[32]; /* "" when none */
    char community[64];
    char kind[24];
    char cause[256];
} wg_plan_issue;

typedef struct wg_plan_detail {
    wg_plan_info info;
    char params[512];      /* JSON */
    wg_plan_params values; /* the same, read */
    wg_plan_cell *cells;   /* by code */
    size_t ncells;
    wg_plan_issue *issues; /* by cell, kind */
    size_t nissues;
} wg_plan_detail;

/* Everything about a plan, for `plan show`. Caller frees with wg_plan_detail_free(). */
wg_status wg_plan_detail_get(wg_ws *ws, int64_t id, wg_plan_detail *out);
void wg_plan_detail_free(wg_plan_detail *d);

typedef struct wg_plan_map { /* old cell -> the new cell holding most of its households */
    char from[32], to[32];
    int64_t households; /* of `from`'s units that are in `to` */
} wg_plan_map;

typedef struct wg_plan_moved {    /* a unit in both plans whose cell code differs */
    const char *unit, *from, *to; /* from: its cell in a, to: in b (into the diff's strings) */
    int64_t households;           /* as a holds it */
} wg_plan_moved;

typedef enum wg_cell_change { WG_CELL_ADDED, WG_CELL_REMOVED, WG_CELL_CHANGED } wg_cell_change;

typedef struct wg_plan_celldiff { /* a cell code whose units differ between the plans */
    char code[32];
    wg_cell_change change; /* added: only in b; removed: only in a; changed: other units */
    int64_t households_a, households_b; /* over its units in each plan (0 where absent) */
    size_t units_a, units_b;
} wg_plan_celldiff;

typedef struct wg_plan_diff {
    int64_t moved_households, moved_units; /* units in both plans whose cell code differs */
    size_t only_a_units, only_b_units;     /* units in one plan only */
    size_t added, removed, changed, same;  /* cells by code: only in B, only in A, both */
    wg_plan_map *map;                      /* per cell of A that changed or went */
    size_t nmap;
    wg_plan_moved *moved;    /* moved_units entries, by unit id */
    wg_plan_celldiff *cells; /* added + removed + changed entries, by code */
    size_t ncells;
    char *strings; /* what moved's pointers point into */
} wg_plan_diff;

/* Compares plans a and b: the units that change cell going from a to b, and the cells whose
 * units differ. Households are the units' as each plan recorded them. Safe to call from
 * several threads at once, each with its own workspace handle. Caller frees with
 * wg_plan_diff_free(). */
wg_status wg_plan_diff_get(wg_ws *ws, int64_t a, int64_t b, wg_plan_diff *out);
void wg_plan_diff_free(wg_plan_diff *d);

typedef struct wg_move_result {
    int64_t from_households, to_households; /* after the move, of each touched cell */
    size_t from_cells;                      /* cells units were taken from */
    bool in_range;                          /* every touched cell in [min, max] */
    bool contiguous;                        /* every touched cell in one piece */
    bool same_community;                    /* the units lie in the target cell's community */
    char verdict[512];                      /* a sentence for the planner */
} wg_move_result;

/* Copies plan `src` as a new plan named `name` (one transaction, versions bumped): the same
 * parameters, cells with their geometry and codes, units and issues; the copy has src as its
 * parent and is not active (activate it with wg_plan_activate). Errors: WG_EINPUT for an
 * unknown src, an empty name or one longer than 127 bytes, or a name another plan has (the
 * message names it and its id); WG_ESQL/WG_EIO. */
wg_status wg_plan_copy(wg_ws *ws, int64_t src, const char *name, int64_t *id);

/* Moves units into cell `to` of plan `id` (geometry, totals and issues of the touched cells
 * are recomputed, in one transaction) and says whether the result breaks range or
 * contiguity. Errors: WG_EINPUT for an unknown plan, cell or unit, or a unit from another
 * community (nothing is changed). */
wg_status wg_plan_move(wg_ws *ws, int64_t id, const char *const *units, size_t nunits,
                       const char *to, wg_move_result *res);

#endif
