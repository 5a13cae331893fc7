/* wg/assign.h: spatial assignment — the cell of every incident, what each camera sees, and the
 * coverage and blind spots of every cell, for one plan.
 *
 * Incidents. Each incident goes to the cell containing it (wg/locate.h: a point on an edge
 * shared by two cells goes to the cell just east of it, or just north for an east-west edge).
 * An incident in no cell keeps a row with its reason: `outside` (in no community: outside the
 * district), `gap` (in a community, but in no cell of the plan), `no_location` (no point).
 * Nothing is dropped: assigned + unassigned = the incidents layer. Runs are incremental: only
 * incidents new or re-imported since the last run are located; after cells were edited (plan
 * move) only the incidents of the cells it touched; another plan, or --full, re-assigns all.
 *
 * Cameras. Each camera's view is the sector of its heading, field of view and range (a disc for
 * domes, PTZ and high-mounted cameras), minus what building footprints hide (wg/view.h).
 * High-mounted cameras look over the roofs and are not occluded; the workspace has no building
 * heights to do better. A camera is linked to every cell whose open ground it sees, with the
 * area seen in each.
 *
 * Footprints: the buildings layer's when it has any, else the units of kind building; units
 * of kind area (census blocks, parcels) hide nothing.
 *
 * Coverage per cell. Open ground is the cell minus building footprints (no camera sees the
 * ground inside a building; the whole cell when there are none). Per cell: cameras, open area
 * seen, households whose building (or address point) a camera sees (within 5 cm of a view),
 * plus for each unit of kind area its households times (its area seen / its area), the cell's
 * sum rounded to a whole number, incidents inside a view, and the blind
 * spots: the open ground no camera sees, one feature per connected piece of at least 1 m^2
 * (smaller slivers are left out of the layer but never counted as seen). Coverage is recomputed
 * when the cameras or the units changed since the last run, or another plan is assigned; after
 * cells were edited, only theirs.
 *
 * What changed is known from the store's versions (wg/store.h), never guessed. Everything is
 * written in one transaction; a failed run leaves the workspace as it was. */
#ifndef WG_ASSIGN_H
#define WG_ASSIGN_H

#include "wg/ws.h"

typedef struct wg_assign_opts {
    int64_t plan; /* 0: the active plan */
    bool full;    /* re-assign every incident and recompute coverage */
    int threads;  /* 0: 2 */
} wg_assign_opts;

typedef struct wg_assign_result {
    int64_t plan;
    char plan_name[128];
    bool all_located;    /* every incident was located again (another plan, or full) */
    bool coverage;       /* coverage was recomputed for every cell */
    size_t cells_redone; /* cells edited since the last run whose coverage was redone */
    /* incidents */
    int64_t incidents; /* in the layer */
    int64_t located;   /* located by this run */
    int64_t assigned;  /* with a cell, over the whole layer */
    int64_t outside, gap, no_location;
    int64_t pending; /* imported since the stored assignment (wg_assign_stored only) */
    int64_t seen;    /* assigned incidents inside some camera's view */
    /* cells and cameras */
    int64_t cells, cameras, cameras_seeing, links, cells_with_camera;
    double area_m2, open_m2, seen_m2;
    int64_t households, households_seen;
    int64_t blind_spots;
    double blind_m2;
    /* timings (seconds) and the locator's rate */
    double seconds, seconds_locate, seconds_coverage, points_per_second;
} wg_assign_result;

/* Assigns incidents and cameras to the cells of a plan (see above), doing only what changed
 * since the last run, and reporting progress through the workspace's context. Errors:
 * WG_EINPUT when there is no such plan or no active plan ("make one with wangge partition"),
 * or a plan without cells; WG_ESQL/WG_EIO; WG_EGEOS; WG_ENOMEM; WG_EINTR. */
wg_status wg_assign(wg_ws *ws, const wg_assign_opts *o, wg_assign_result *r);

/* The figures of the stored assignment (the run's own counts — located, timings, flags — stay
 * 0); *any is false, and r is zeroed, when none was made. Incidents imported since it are
 * counted in r->incidents and r->pending, not among the assigned or unassigned. */
wg_status wg_assign_stored(wg_ws *ws, wg_assign_result *r, bool *any);

/* How the stored assignment, coverage and patrol lengths stand against plan `plan` (0: the
 * active one) as the workspace is now. */
typedef struct wg_assign_state {
    int64_t plan; /* the plan asked about (0: there is no active plan) */
    char plan_name[128];
    bool any;              /* something was assigned for this plan */
    bool current;          /* everything describes the plan and the layers as they are now */
    bool incremental;      /* stale, but only in what a quick run redoes: new or changed incidents,
                              cells edited by hand */
    int64_t new_incidents; /* incidents written since the assignment */
    int64_t edited_cells;  /* cells edited since */
    char why[768];         /* what is stale and why, for people ("" when current) */
} wg_assign_state;
wg_status wg_assign_check(wg_ws *ws, int64_t plan, wg_assign_state *s);

/* Brings the assignment of plan (0: active) up to date when only incremental work is needed
 * (*did says whether anything was done, r its figures when given); does nothing when it is
 * current. When it needs a full run (none yet, another plan, changed cameras, units, streets or
 * communities), fails with WG_EINPUT saying why and to run 'wangge assign -w WS'. */
wg_status wg_assign_refresh(wg_ws *ws, int64_t plan, bool *did, wg_assign_result *r);

#endif
