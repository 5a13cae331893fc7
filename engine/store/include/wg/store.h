/* wg/store.h: the store — the one door to the workspace database. Typed readers and writers of
 * what the domain keeps (layers, plans and cells, the incidents as arrays, the assignment,
 * coverage, rosters, the categories and weights tables), the write transaction with its
 * version, and the record of what derived data was built from. No SQL and no database type
 * crosses this header: the SpatiaLite dialect (geometry blobs, R*Tree queries) stays in
 * engine/store/, so that a second backend can stand beside it without touching the modules
 * above.
 *
 * Transactions. Every writer runs inside wg_store_begin() ... wg_store_commit() (or
 * wg_store_rollback()); a writer called outside one fails with WG_EINTERNAL. Only one process
 * writes at a time: wg_store_begin() waits for another writer (WANGGE_WAIT seconds, 30 by
 * default) and past that fails naming the other writer's command. Readers never wait and
 * never see half a transaction; several reads that must agree run inside wg_store_read_begin()
 * ... wg_store_read_end() (one snapshot).
 *
 * Versions. The workspace keeps a counter; each write transaction takes the next number and
 * stamps everything it changes with it: the layer or table (wg_store_version), a plan and the
 * cells it touched, each incident row. Derived data (the assignment, coverage, patrol lengths)
 * records the versions it was built from (wg_store_derived_*), so whether it is stale is a
 * comparison, never a guess.
 *
 * Strings and WKB handed to a callback are borrowed for the call only. Geometries are ISO WKB
 * in the workspace CRS. */
#ifndef WG_STORE_H
#define WG_STORE_H

#include "wg/layers.h"
#include "wg/ws.h"

#include <stdint.h>

/* ---- Transactions ------------------------------------------------------------------------ */

/* Opens the write transaction; `what` ("import incidents") names it in the versions it bumps,
 * unless the application set a command (wg_ws_set_command). Errors: WG_EINPUT when another
 * process kept writing past the wait ("... is being written by pid N: wangge import ...");
 * WG_EINTERNAL when one is already open on this handle; WG_ESQL/WG_EIO. */
wg_status wg_store_begin(wg_ws *ws, const char *what);
/* Writes what the transaction packed and commits. On failure everything is rolled back. */
wg_status wg_store_commit(wg_ws *ws);
/* Rolls back the open transaction (none: nothing happens); keeps the first error on ctx. */
void wg_store_rollback(wg_ws *ws);
/* The version the open write transaction stamps on what it changes (what
 * wg_store_version and the incidents' versions will say once it commits); 0 when none is
 * open. */
int64_t wg_store_tx_version(const wg_ws *ws);
/* Reads between these see one snapshot of the workspace. Nests; inside a write transaction
 * they do nothing. */
wg_status wg_store_read_begin(wg_ws *ws);
void wg_store_read_end(wg_ws *ws);

/* ---- Versions ---------------------------------------------------------------------------- */

/* What bumps a version: a layer's name, "postings", "visits", "categories", "weights",
 * "plans" (made or activated). */
typedef struct wg_version {
    int64_t ver;       /* 0: never written */
    int64_t at;        /* UTC seconds */
    char command[200]; /* what wrote it last */
} wg_version;

wg_status wg_store_version(wg_ws *ws, const char *name, wg_version *out);
/* The workspace's counter: the version of the last committed write that changed anything (0:
 * none yet). Whatever was read at counter v is current as long as the counter is still v. */
wg_status wg_store_counter(wg_ws *ws, int64_t *ver);

/* Derived data ("assignment", "coverage", "patrol") and the versions it was built from. */
#define WG_DERIVED_INPUTS 6
typedef struct wg_derived {
    bool any;         /* false: never built (the rest is 0) */
    int64_t plan;     /* built for this plan, */
    int64_t plan_ver; /* as it was at this version */
    int64_t ver;      /* the version of the transaction that built it */
    int64_t at;       /* UTC seconds */
    size_t ninputs;   /* and from these layers or tables, at these versions */
    char input[WG_DERIVED_INPUTS][24];
    int64_t input_ver[WG_DERIVED_INPUTS];
} wg_derived;

wg_status wg_store_derived_get(wg_ws *ws, const char *kind, wg_derived *out);
/* Records `kind` as built now for plan (at its current version) from inputs[0..n) at their
 * current versions (inside the transaction that wrote it). */
wg_status wg_store_derived_put(wg_ws *ws, const char *kind, int64_t plan, const char *const *inputs,
                               size_t n);
/* Forgets `kind` (its data is gone or no longer describes the workspace). */
wg_status wg_store_derived_drop(wg_ws *ws, const char *kind);

/* ---- Generic layer rows: import and export ----------------------------------------------- */

typedef struct wg_row_writer wg_row_writer;
typedef enum wg_row_outcome { WG_ROW_INSERTED, WG_ROW_UPDATED, WG_ROW_DUPLICATE } wg_row_outcome;

/* The number of the next import run (the `batch` of the rows it writes). */
wg_status wg_store_next_batch(wg_ws *ws, int64_t *batch);
/* Prepares to upsert rows of layer L by id in the open transaction (bumping L's version). */
wg_status wg_store_rows_open(wg_ws *ws, const wg_layer_def *L, int64_t batch, wg_row_writer **out);
/* Upserts one row: vals holds one value per column of L (text, whole numbers and times as
 * int, reals as real); wkb its geometry (NULL for tables); cam_defaulted the cameras' list of
 * defaulted fields (NULL otherwise). A row whose id this same writer wrote already is left
 * alone and reported WG_ROW_DUPLICATE. */
wg_status wg_store_rows_put(wg_row_writer *w, const wg_value *vals, const unsigned char *wkb,
                            size_t wkb_len, const char *cam_defaulted, wg_row_outcome *out);
void wg_store_rows_close(wg_row_writer *w);

typedef struct wg_import_log {
    int64_t batch;
    const char *layer, *source;
    int64_t features, inserted, updated, repaired, rejected;
} wg_import_log;
wg_status wg_store_import_logged(wg_ws *ws, const wg_import_log *l);

/* Rows of a layer as they are read out. With `plan` (cells: that plan's; 0: all); with
 * `assignment` (incidents: the cell code and unassigned reason of each under the current
 * assignment, see wg_store_assignment_plan). */
typedef struct wg_row_reader wg_row_reader;
typedef struct wg_row_extra {
    const char *cell;   /* incidents with the assignment: its cell's code, or NULL */
    const char *reason; /* ... or why it has none ("outside", "gap", "no_location") */
} wg_row_extra;
wg_status wg_store_rows_read(wg_ws *ws, const wg_layer_def *L, int64_t plan, bool assignment,
                             wg_row_reader **out);
/* The next row in fid order: vals as for wg_store_rows_put (strings borrowed until the next
 * call), its WKB (NULL when none). *eof becomes true after the last. */
wg_status wg_store_rows_next(wg_row_reader *r, wg_value *vals, const unsigned char **wkb,
                             size_t *wkb_len, wg_row_extra *extra, bool *eof);
void wg_store_rows_read_close(wg_row_reader *r);
/* Rows in a layer (cells: of plan, 0 for all), and how many of them are points. */
wg_status wg_store_rows_count(wg_ws *ws, const wg_layer_def *L, int64_t plan, int64_t *n,
                              int64_t *points);

/* ---- Units, communities, lines, cameras -------------------------------------------------- */

typedef struct wg_unit_rec {
    const char *id, *compound, *community, *kind, *name; /* NULL when empty */
    int64_t households;
    const char *cell; /* with wg_unit_query.plan: the unit's cell code, NULL when none */
    const unsigned char *wkb;
    size_t wkb_len;
} wg_unit_rec;
typedef struct wg_unit_query {
    const char *community; /* only units of this community, or without a known one; NULL: all */
    int64_t plan;          /* > 0: give each unit's cell in this plan */
    bool by_fid;           /* order by row (import order) instead of by id */
    const double *bbox;    /* only units whose box meets {minx, miny, maxx, maxy}; NULL: all */
} wg_unit_query;
typedef wg_status (*wg_unit_fn)(void *user, const wg_unit_rec *u);
/* Units with a geometry. */
wg_status wg_store_units_each(wg_ws *ws, const wg_unit_query *q, wg_unit_fn fn, void *user);
/* Whether unit `id` exists, and its stored community (community[0] = 0 when none). */
wg_status wg_store_unit_get(wg_ws *ws, const char *id, bool *exists, char community[64]);
/* Sets the kind of the units written by import batch `batch` whose kind is `from` to `to`
 * (inside the caller's write transaction; bumps the units' version); *changed: how many. */
wg_status wg_store_units_set_kind(wg_ws *ws, int64_t batch, const char *from, const char *to,
                                  int64_t *changed);
/* A building footprint of the buildings layer. */
typedef struct wg_building_rec {
    const char *id;
    double height_m; /* NAN when none given */
    const unsigned char *wkb;
    size_t wkb_len;
} wg_building_rec;
typedef wg_status (*wg_building_fn)(void *user, const wg_building_rec *b);
/* The buildings with a geometry, in row order; only those whose box meets bbox = {minx, miny,
 * maxx, maxy} when bbox is not NULL. */
wg_status wg_store_buildings_each(wg_ws *ws, const double *bbox, wg_building_fn fn, void *user);
/* The households of all units. */
wg_status wg_store_units_households(wg_ws *ws, int64_t *sum);

typedef struct wg_area_rec { /* a community */
    const char *id, *name, *parent;
    int64_t households; /* -1 when none given */
    const unsigned char *wkb;
    size_t wkb_len;
} wg_area_rec;
typedef wg_status (*wg_area_fn)(void *user, const wg_area_rec *a);
/* Communities with a geometry, by id; `only` selects one. */
wg_status wg_store_communities_each(wg_ws *ws, const char *only, wg_area_fn fn, void *user);
/* The name of community `id` (name[0] = 0 when none). */
wg_status wg_store_community_name(wg_ws *ws, const char *id, char name[128]);

typedef struct wg_line_rec { /* a barrier or a street */
    const char *id, *name, *kind;
    const unsigned char *wkb;
    size_t wkb_len;
} wg_line_rec;
typedef wg_status (*wg_line_fn)(void *user, const wg_line_rec *l);
/* Barriers ("barriers") or streets ("streets") with a geometry, by id. */
wg_status wg_store_lines_each(wg_ws *ws, const char *layer, wg_line_fn fn, void *user);

typedef struct wg_camera_rec {
    const char *id, *kind;
    double x, y, heading_deg, fov_deg, range_m; /* fov, range: 0 when none */
} wg_camera_rec;
typedef wg_status (*wg_camera_fn)(void *user, const wg_camera_rec *c);
/* Cameras with a location, by id. */
wg_status wg_store_cameras_each(wg_ws *ws, wg_camera_fn fn, void *user);

/* Whether a worker with this id exists. */
wg_status wg_store_worker_exists(wg_ws *ws, const char *id, bool *exists);

/* ---- Administrative codes (the codes layer) ----------------------------------------------- */

/* *n gets the number of rows of the codes table. */
wg_status wg_store_codes_count(wg_ws *ws, int64_t *n);
/* Looks up `code`: *found says whether it is in the table; when it is, parent gets its parent
 * code (NUL-terminated, cut to n bytes; "" when it has none). */
wg_status wg_store_code_parent(wg_ws *ws, const char *code, bool *found, char *parent, size_t n);

/* ---- Plans, cells, members, issues ------------------------------------------------------- */

typedef struct wg_plan_params {
    int64_t target, min, max; /* 0 when not recorded */
    bool has_range;           /* min and max were recorded */
    uint64_t seed;
    char keep[128]; /* "" when not redrawn from another plan */
    int64_t locked;
    char weight[16]; /* "households" or "workload" */
} wg_plan_params;

typedef struct wg_plan_rec {
    int64_t id;
    char name[128];
    int64_t created, parent, ver;
    bool active;
    wg_plan_params params;
    char params_json[512];
} wg_plan_rec;

/* Plan `id`, or the active one for id 0. *found false (and no error) when there is none. */
wg_status wg_store_plan_get(wg_ws *ws, int64_t id, wg_plan_rec *out, bool *found);
/* The number of cells of plan `id`. */
wg_status wg_store_plan_ncells(wg_ws *ws, int64_t id, int64_t *n);
/* The plan named exactly `name`: *found false (no error) when there is none. */
wg_status wg_store_plan_named(wg_ws *ws, const char *name, int64_t *id, bool *found);
/* The plan named `ref`, or numbered so. Errors: WG_EINPUT naming ref. */
wg_status wg_store_plan_find(wg_ws *ws, const char *ref, int64_t *id);
/* The number the next plan will get. */
wg_status wg_store_plan_next_id(wg_ws *ws, int64_t *id);
/* Makes plan `id` the only active one. Errors: WG_EINPUT for an unknown id (nothing changes). */
wg_status wg_store_plan_activate(wg_ws *ws, int64_t id);
/* Adds a plan (parameters stored as JSON); it becomes active when none is. */
wg_status wg_store_plan_add(wg_ws *ws, const char *name, const wg_plan_params *p, int64_t parent,
                            int64_t *id, bool *active);
/* Copies plan `src` as a new plan named `name` (inside the caller's write transaction): its
 * parameters as stored, its cells with their geometry, figures and index, the units of each
 * cell and the issues, all stamped with the transaction's version; the new plan has `src` as
 * its parent and is not active. Bumps "plans". Errors: WG_EINPUT for an unknown src; WG_ESQL
 * when the name is taken (check with wg_store_plan_named first). */
wg_status wg_store_plan_copy(wg_ws *ws, int64_t src, const char *name, int64_t *id);
/* Marks cells codes[0..n) of plan as changed (their version and the plan's). */
wg_status wg_store_plan_touch(wg_ws *ws, int64_t plan, const char *const *codes, size_t n);

typedef struct wg_cell_rec {
    int64_t plan;
    int32_t idx; /* rank by code in its plan, from 0 (the locator's index) */
    char code[32];
    char community[64];
    int64_t households, units;
    double area_m2, compactness;
    int64_t ver;              /* the version that last changed it */
    double box[4];            /* minx, miny, maxx, maxy; NaN without a geometry */
    const unsigned char *wkb; /* with WG_CELLS_GEOM; NULL when none */
    size_t wkb_len;
    /* with WG_CELLS_COVERAGE (NaN / -1 when none stored): */
    double cameras, open_m2, seen_m2, households_seen, patrol_m;
    bool has_coverage, has_patrol;
} wg_cell_rec;
enum { WG_CELLS_GEOM = 1, WG_CELLS_COVERAGE = 2 };
typedef wg_status (*wg_cell_fn)(void *user, const wg_cell_rec *c);
/* The cells of plan, in code order. With `since` > 0 only those changed after that version. */
wg_status wg_store_cells_each(wg_ws *ws, int64_t plan, unsigned what, int64_t since, wg_cell_fn fn,
                              void *user);
/* The cells of plan whose box contains one of the points xy[0..2n), in code order. */
wg_status wg_store_cells_at(wg_ws *ws, int64_t plan, const double *xy, size_t n, unsigned what,
                            wg_cell_fn fn, void *user);
/* Cell `code` of plan (without geometry). *found false when there is none. */
wg_status wg_store_cell_get(wg_ws *ws, int64_t plan, const char *code, wg_cell_rec *out,
                            bool *found);
/* The geometry of cell `code` of plan as WKB in a buffer the caller frees (NULL, 0 when it has
 * none or there is no such cell). */
wg_status wg_store_cell_geom(wg_ws *ws, int64_t plan, const char *code, unsigned char **wkb,
                             size_t *len);
/* Inside a write transaction: removes community's cells from plan, with their members and
 * issues (a recut puts new ones in their place); *ncells gets how many there were. */
wg_status wg_store_plan_drop_community(wg_ws *ws, int64_t plan, const char *community,
                                       size_t *ncells);
/* Adds a cell (c->idx is set by wg_store_cells_number). */
wg_status wg_store_cell_add(wg_ws *ws, const wg_cell_rec *c);
/* Replaces a cell's figures and geometry (households, units, area, compactness, WKB). */
wg_status wg_store_cell_update(wg_ws *ws, const wg_cell_rec *c);
/* Numbers plan's cells by code (idx), once they are all added. */
wg_status wg_store_cells_number(wg_ws *ws, int64_t plan);

typedef struct wg_member_rec {
    const char *unit, *cell;
    int64_t households; /* the unit's households when the plan was made */
} wg_member_rec;
typedef wg_status (*wg_member_fn)(void *user, const wg_member_rec *m);
/* The units of plan (of cell `cell`, or all for NULL), by unit id. */
wg_status wg_store_members_each(wg_ws *ws, int64_t plan, const char *cell, wg_member_fn fn,
                                void *user);
wg_status wg_store_member_add(wg_ws *ws, int64_t plan, const char *unit, const char *cell,
                              int64_t households);
/* The cell of unit in plan; *found false when the plan lacks it. */
wg_status wg_store_member_cell(wg_ws *ws, int64_t plan, const char *unit, char cell[32],
                               bool *found);
wg_status wg_store_member_move(wg_ws *ws, int64_t plan, const char *unit, const char *to);

typedef struct wg_issue_rec {
    const char *cell, *community; /* NULL when none */
    const char *kind, *cause;
} wg_issue_rec;
typedef wg_status (*wg_issue_fn)(void *user, const wg_issue_rec *i);
wg_status wg_store_issue_add(wg_ws *ws, int64_t plan, const wg_issue_rec *i);
/* Plan's issues: by cell (those without last), kind, then as added. */
wg_status wg_store_issues_each(wg_ws *ws, int64_t plan, wg_issue_fn fn, void *user);
/* Removes the issues of cell whose kind is one of kinds[0..n). */
wg_status wg_store_issues_clear(wg_ws *ws, int64_t plan, const char *cell, const char *const *kinds,
                                size_t n);
/* The cause of the range issue (above_max or below_min) cell has in plan; cause[0] = 0 when
 * none. */
wg_status wg_store_issue_range_cause(wg_ws *ws, int64_t plan, const char *cell, char cause[256]);

/* The 12-digit code prefix fixed for each community (community_codes). */
typedef wg_status (*wg_code_fn)(void *user, const char *community, const char *code);
wg_status wg_store_community_codes_each(wg_ws *ws, wg_code_fn fn, void *user);
wg_status wg_store_community_code_add(wg_ws *ws, const char *community, const char *code);

/* ---- Incidents as arrays ----------------------------------------------------------------- */

/* The columns of wg_incidents; or together the bits of those wanted. */
enum {
    WG_IC_FID = 1u << 0,
    WG_IC_XY = 1u << 1,
    WG_IC_REPORTED = 1u << 2,
    WG_IC_DISPATCHED = 1u << 3,
    WG_IC_CLOSED = 1u << 4,
    WG_IC_DUE = 1u << 5,
    WG_IC_CATEGORY = 1u << 6,
    WG_IC_SOURCE = 1u << 7,
    WG_IC_STATUS = 1u << 8,
    WG_IC_VER = 1u << 9,
    WG_IC_POS = 1u << 10,   /* each one's position among all incidents (fid order) */
    WG_IC_CELL = 1u << 11,  /* the stored assignment: cell index, flags, blind spot */
    WG_IC_FLAGS = 1u << 12, /* (pending where it covers fewer incidents than there are) */
    WG_IC_BLIND = 1u << 13,
};
#define WG_NO_TIME INT64_MIN
#define WG_NO_CODE UINT16_MAX

/* Assignment flags of one incident. */
enum {
    WG_AF_REASON = 3,      /* mask: 0 in a cell, or why not: */
    WG_AF_OUTSIDE = 1,     /* in no community */
    WG_AF_GAP = 2,         /* in a community, in no cell of the plan */
    WG_AF_NO_LOCATION = 3, /* no point */
    WG_AF_SEEN = 4,        /* inside some camera's view of its cell */
    WG_AF_PENDING = 128    /* not assigned yet (imported after the assignment) */
};

typedef struct wg_incidents {
    size_t n;
    int64_t *fid;
    double *xy;                                    /* 2n; NaN for an incident without a location */
    int64_t *reported, *dispatched, *closed, *due; /* WG_NO_TIME when none */
    uint16_t *category, *source, *status;          /* index into the codes, or WG_NO_CODE */
    int64_t *ver;                                  /* the version that last wrote the row */
    size_t *pos;
    int32_t *cell;  /* cell index of the assigned plan, -1 when none */
    uint8_t *flags; /* WG_AF_* */
    int32_t *blind; /* blind spot (its fid) holding it, -1 when none */
    /* the codes met in the layer (all of them, whatever the filter) */
    char **cat_code, **src_code, **status_code;
    size_t ncat, nsrc, nstatus;
} wg_incidents;

typedef struct wg_inc_filter {
    int64_t since;      /* > 0: only incidents written after this version */
    int64_t from, to;   /* reported in [from, to); WG_NO_TIME / INT64_MAX: open */
    const double *bbox; /* only points inside {minx, miny, maxx, maxy}; NULL: all */
} wg_inc_filter;

/* Reads the columns `cols` of the incidents the filter selects (NULL: all), in fid order.
 * Columns not asked for stay NULL. Caller frees with wg_incidents_free(). */
wg_status wg_store_incidents_read(wg_ws *ws, unsigned cols, const wg_inc_filter *f,
                                  wg_incidents *out);
void wg_incidents_free(wg_incidents *inc);
/* The codes met in the layer alone (no incidents: n is 0). */
wg_status wg_store_incident_codes(wg_ws *ws, wg_incidents *out);
/* The same incidents a chunk at a time, for readers that need not hold them all: fn gets each
 * part (at most a few ten thousand incidents, with the codes) in fid order; its arrays live
 * until fn returns. A status other than WG_OK from fn stops the read and is returned. */
typedef wg_status (*wg_inc_fn)(void *user, const wg_incidents *part);
wg_status wg_store_incidents_each(wg_ws *ws, unsigned cols, const wg_inc_filter *f, wg_inc_fn fn,
                                  void *user);
/* The same in `nshares` shares read at once, each on a thread of its own: share s is the s-th
 * of nshares runs of the incidents in fid order (the same runs whatever the machine), handed
 * to fn a part at a time in fid order with s. Parts of different shares come at the same time;
 * ctx is the calling thread's, for fn's failures. The first failure stops every share. */
typedef wg_status (*wg_inc_share_fn)(wg_ctx *ctx, void *user, const wg_incidents *part,
                                     size_t share);
wg_status wg_store_incidents_shares(wg_ws *ws, unsigned cols, const wg_inc_filter *f,
                                    size_t nshares, wg_inc_share_fn fn, void *user);
/* The number of incidents and the highest version of any of them. */
wg_status wg_store_incidents_count(wg_ws *ws, size_t *n, int64_t *ver);

/* One incident as the rows and the stored assignment hold it. Texts are cut to fit. */
typedef struct wg_incident_rec {
    int64_t fid, ver;
    char id[256], category[128], source[64], status[64]; /* "" when none */
    bool has_category, has_status;
    int64_t reported, dispatched, closed, due; /* WG_NO_TIME when none */
    double x, y;                               /* NaN when it has no location */
    int32_t cell;  /* cell index under the stored assignment (wg_store_derived_get's plan),
                      -1 when none */
    uint8_t flags; /* WG_AF_*: why it has none, or WG_AF_PENDING when not assigned yet */
} wg_incident_rec;
/* The incident in row fid; *found false (no error) when there is none. */
wg_status wg_store_incident_get(wg_ws *ws, int64_t fid, wg_incident_rec *out, bool *found);

/* A change of one incident's handling fields, as a case system sends it: each field is set
 * only when its `set_` flag is. */
typedef struct wg_incident_patch {
    bool set_dispatched, set_closed, set_status;
    int64_t dispatched, closed; /* UTC seconds; WG_NO_TIME clears the field */
    const char *status;         /* NULL clears it */
} wg_incident_patch;
/* Inside a write transaction: sets the fields of incident `id` that p sets, in its row and in
 * the packed copy, stamping the row and the incidents layer with the transaction's version.
 * *fid gets its row. *found is false (and nothing is written) when there is no incident with
 * that id; *changed is false (and nothing is written, no version moves) when its fields are
 * already so, which makes the same patch twice leave the same state. */
wg_status wg_store_incident_patch(wg_ws *ws, const char *id, const wg_incident_patch *p,
                                  int64_t *fid, bool *found, bool *changed);

/* The id (text) of each incident fid[0..n): fn gets i and the id, or NULL for a fid that is
 * not (or no longer) in the layer. */
typedef wg_status (*wg_incident_id_fn)(void *user, size_t i, const char *id);
wg_status wg_store_incident_ids(wg_ws *ws, const int64_t *fid, size_t n, wg_incident_id_fn fn,
                                void *user);

/* ---- The assignment ---------------------------------------------------------------------- */

/* Replaces the assignment with cell[i], flags[i], blind[i] for every incident i (n must be
 * the number of incidents, in fid order). */
wg_status wg_store_assignment_write(wg_ws *ws, size_t n, const int32_t *cell, const uint8_t *flags,
                                    const int32_t *blind);
/* Changes the assignment of the incidents at positions pos[0..n) (ascending). */
wg_status wg_store_assignment_patch(wg_ws *ws, size_t n, const size_t *pos, const int32_t *cell,
                                    const uint8_t *flags, const int32_t *blind);
/* The assignment's totals over the incidents it covers: in a cell, outside, in a gap, without a
 * location, in a camera's view. */
enum { WG_AC_ASSIGNED, WG_AC_OUTSIDE, WG_AC_GAP, WG_AC_NO_LOCATION, WG_AC_SEEN, WG_ACOUNTS };
wg_status wg_store_assign_counts(wg_ws *ws, int64_t n[WG_ACOUNTS]);
/* Sets them (or with `add`, adds these differences), with the assignment they describe. */
wg_status wg_store_assign_counts_put(wg_ws *ws, bool add, const int64_t n[WG_ACOUNTS]);
/* Drops the assignment and everything derived from it. */
wg_status wg_store_assignment_drop(wg_ws *ws);

/* ---- Coverage and patrol (for the assigned plan) ------------------------------------------ */

/* Removes the coverage rows (camera links, cell coverage, blind spots) of cells codes[0..n)
 * (NULL: of all cells, and the camera views too). */
wg_status wg_store_coverage_clear(wg_ws *ws, const char *const *codes, size_t n);
/* Removes the patrol lengths of cells codes[0..n) (NULL: all). */
wg_status wg_store_patrol_clear(wg_ws *ws, const char *const *codes, size_t n);
wg_status wg_store_camera_view_add(wg_ws *ws, const char *camera, const char *kind, double area_m2,
                                   const unsigned char *wkb, size_t wkb_len);
typedef struct wg_view_rec {
    const char *camera, *kind;
    double area_m2;
    const unsigned char *wkb;
    size_t wkb_len;
} wg_view_rec;
typedef wg_status (*wg_view_fn)(void *user, const wg_view_rec *v);
/* The stored camera views (whose box meets bbox, when given), by camera. */
wg_status wg_store_camera_views_each(wg_ws *ws, const double *bbox, wg_view_fn fn, void *user);
wg_status wg_store_camera_cell_add(wg_ws *ws, const char *camera, const char *cell, double area_m2);

/* The cameras that see cell `cell` of the assigned plan, by camera id: fn gets the camera,
 * its kind (NULL when none) and the open ground of the cell it sees in m². */
typedef wg_status (*wg_cell_camera_fn)(void *user, const char *camera, const char *kind,
                                       double area_m2);
wg_status wg_store_cell_cameras(wg_ws *ws, const char *cell, wg_cell_camera_fn fn, void *user);

typedef struct wg_cover_rec {
    const char *cell;
    int64_t cameras;
    double area_m2, open_m2, seen_m2;
    int64_t households, households_seen;
    const unsigned char *seen_wkb; /* the seen ground; NULL when none */
    size_t seen_len;
} wg_cover_rec;
typedef wg_status (*wg_cover_fn)(void *user, const wg_cover_rec *c);
wg_status wg_store_cell_coverage_add(wg_ws *ws, const wg_cover_rec *c);
/* The coverage of cells codes[0..n) (NULL: of all), by cell. */
wg_status wg_store_cell_coverage_each(wg_ws *ws, const char *const *codes, size_t n, wg_cover_fn fn,
                                      void *user);
wg_status wg_store_blind_spot_add(wg_ws *ws, int64_t plan, const char *cell, double area_m2,
                                  const unsigned char *wkb, size_t wkb_len, int64_t *fid);
typedef struct wg_blind_rec {
    int64_t fid;
    const char *cell;
    const unsigned char *wkb;
    size_t wkb_len;
} wg_blind_rec;
typedef wg_status (*wg_blind_fn)(void *user, const wg_blind_rec *b);
/* The blind spots of cells codes[0..n) (NULL: of all), by fid. */
wg_status wg_store_blind_spots_each(wg_ws *ws, const char *const *codes, size_t n, wg_blind_fn fn,
                                    void *user);
/* Sets (or with `add`, adds to) the incident counts (incidents, incidents in view) of the
 * cells of plan with indexes idx[0..ncells), and those of blind spots. */
wg_status wg_store_coverage_counts(wg_ws *ws, int64_t plan, bool add, size_t ncells,
                                   const int32_t *idx, const int64_t *incidents,
                                   const int64_t *seen, size_t nblind, const int64_t *blind_fid,
                                   const int64_t *blind_incidents);

/* The stored incident counts of plan's cells, by index (inc[0..ncells), seen; -1 for a cell
 * without coverage), and of the blind spots blind_fid[0..nblind) (-1 for an unknown one). */
wg_status wg_store_coverage_counts_get(wg_ws *ws, int64_t plan, size_t ncells, int64_t *inc,
                                       int64_t *seen, size_t nblind, const int64_t *blind_fid,
                                       int64_t *blind_inc);

typedef struct wg_cover_totals {
    int64_t cameras, cameras_seeing, links, cells_with_camera;
    double area_m2, open_m2, seen_m2;
    int64_t households, households_seen, blind_spots;
    double blind_m2;
} wg_cover_totals;
wg_status wg_store_coverage_totals(wg_ws *ws, wg_cover_totals *t);

wg_status wg_store_patrol_add(wg_ws *ws, const char *cell, double patrol_m, const char *method);
/* The method of the stored patrol lengths ("streets" or "tour"; "" when none). */
wg_status wg_store_patrol_method(wg_ws *ws, char method[16]);

/* ---- Rosters ---------------------------------------------------------------------------- */

/* Removes every posting (a postings file is the whole roster). */
wg_status wg_store_postings_clear(wg_ws *ws);
wg_status wg_store_posting_add(wg_ws *ws, const char *worker, const char *cell, bool *added);
typedef struct wg_posting_rec {
    const char *worker, *cell;
    const char *name, *community; /* the worker's, NULL when unknown */
} wg_posting_rec;
typedef wg_status (*wg_posting_fn)(void *user, const wg_posting_rec *p);
/* Postings by worker, then cell. */
wg_status wg_store_postings_each(wg_ws *ws, wg_posting_fn fn, void *user);
/* Adds a visit unless the same one (worker, unit, time) is stored. */
wg_status wg_store_visit_add(wg_ws *ws, const char *worker, const char *unit, int64_t at,
                             int64_t batch, bool *added);
/* Per cell of plan: visits in [from, to) and households of the distinct units visited. */
typedef wg_status (*wg_visits_fn)(void *user, const char *cell, double visits, double households);
wg_status wg_store_visits_by_cell(wg_ws *ws, int64_t plan, int64_t from, int64_t to,
                                  wg_visits_fn fn, void *user);
wg_status wg_store_has_visits(wg_ws *ws, bool *any);
/* Records a roster import (postings or visits) in the import log. */
wg_status wg_store_roster_logged(wg_ws *ws, const char *layer, const char *source, int64_t features,
                                 int64_t inserted);

/* ---- The categories and weights tables ----------------------------------------------------- */

/* Standard handling hours and deadline per incident category; the "*" row (when present)
 * serves categories not listed. */
typedef struct wg_categories {
    size_t n;
    char (*code)[64];
    char (*name)[128];
    double *hours;
    double *deadline_s; /* NaN: no deadline */
    long star;          /* index of the "*" row, or -1 */
} wg_categories;

/* Parses a categories table (CSV: category,name,handling_hours,deadline_days); `name` names
 * it in messages ("categories.csv line 4: ..."). Errors: WG_EINPUT. */
wg_status wg_categories_parse(wg_ctx *ctx, const char *text, const char *name, wg_categories *out);
/* Reads the table from a file. Errors (WG_EINPUT) name the file and line. */
wg_status wg_categories_load(wg_ctx *ctx, const char *path, wg_categories *out);
void wg_categories_free(wg_categories *t);
/* The row of category `code`: its own, else the "*" row; -1 when neither. */
long wg_categories_find(const wg_categories *t, const char *code);
/* The workspace's table (the built-in one until another is imported). */
wg_status wg_store_categories(wg_ws *ws, wg_categories *out);
/* Replaces the workspace's table (bumps "categories"). */
wg_status wg_store_categories_put(wg_ws *ws, const wg_categories *t);

/* The terms of the workload index and their weights. */
enum { WG_TERM_HOUSEHOLDS, WG_TERM_HOURS, WG_TERM_AREA, WG_TERM_PATROL, WG_NTERMS };
/* "households", "hours", "area", "patrol"; "?" for another value. Static. */
const char *wg_term_name(int term);
/* Parses a weights table (CSV: term,weight); each term at most once, weights >= 0, not all 0.
 * Errors: WG_EINPUT. */
wg_status wg_weights_parse(wg_ctx *ctx, const char *text, const char *name, double w[WG_NTERMS]);
wg_status wg_weights_load(wg_ctx *ctx, const char *path, double w[WG_NTERMS]);
wg_status wg_store_weights(wg_ws *ws, double w[WG_NTERMS]);
wg_status wg_store_weights_put(wg_ws *ws, const double w[WG_NTERMS]);

/* ---- What the units' weight counts --------------------------------------------------------- */

/* The units' `households` field holds whatever the data counts: households by default, or
 * residents, persons, dwellings... when the units were imported with another weight name.
 * Maps, reports and the audit call it by its name. */
typedef struct wg_weight_name {
    char name[32];  /* lower case: "households", "residents", ... */
    char label[40]; /* "Households", "Residents", ...: the name capitalised */
    char zh[16];    /* "户数", "人口", ...; "" for a name without a Chinese term here */
    char per[24];   /* the rate per hundred: "每百户", "每百人", ...; "" as for zh */
} wg_weight_name;
/* Whether `name` can name the weight: 1 to 31 lower-case ASCII letters or underscores. */
bool wg_weight_name_valid(const char *name);
/* The labels of a valid name (households, residents, persons, population, dwellings have
 * Chinese terms; others only the English label). */
void wg_weight_name_of(const char *name, wg_weight_name *out);
/* The workspace's weight name ("households" until units are imported with another). */
wg_status wg_store_weight_name(wg_ws *ws, wg_weight_name *out);
/* Records the weight name (inside a write transaction; bumps "units"). Errors: WG_EINPUT for a
 * name wg_weight_name_valid refuses. */
wg_status wg_store_weight_name_put(wg_ws *ws, const char *name);

/* ---- Layers for drawing ------------------------------------------------------------------ */

typedef enum wg_map_layer {
    WG_ML_COMMUNITIES,  /* name: name;  group: parent (street);  v: households */
    WG_ML_UNITS,        /* name: name;  group: community;  v: households */
    WG_ML_BARRIERS,     /* name: name;  group: kind (road, river, rail) */
    WG_ML_STREETS,      /* name: name;  group: kind */
    WG_ML_CELLS,        /* key: code;  group: community;  v: households, units, area m², PP */
    WG_ML_CAMERAS,      /* name: name;  group: kind;  v: heading°, fov°, range m, height m */
    WG_ML_CAMERA_VIEWS, /* key: camera;  group: kind;  v: visible area m² */
    WG_ML_BLIND_SPOTS,  /* key: fid;  group: cell;  v: area m², incidents */
    WG_ML_COUNT
} wg_map_layer;

typedef struct wg_map_query {
    int64_t plan;          /* cells: this plan; 0: the active one */
    const double *bbox;    /* {minx, miny, maxx, maxy}: only features meeting it; NULL: all */
    const char *community; /* cells, units, communities: only this community's; NULL: all */
    bool anchors;          /* compute label anchors (polygons) */
    double anchor_min_m;   /* ... only for polygons whose box is at least this wide and high */
    double min_size_m;     /* > 0: only features whose box is at least this wide or high */
} wg_map_query;

#define WG_MAP_NV 4
typedef struct wg_map_rec {
    const char *key, *name, *group; /* NULL when absent */
    double v[WG_MAP_NV];            /* NaN where absent */
    const unsigned char *wkb;
    size_t wkb_len;
} wg_map_rec;
typedef wg_status (*wg_map_fn)(void *user, const wg_map_rec *r);
/* Features of one layer with a geometry, in key order; `plan` is the plan for cells. */
wg_status wg_store_map_each(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                            wg_map_fn fn, void *user);
/* The extent {minx, miny, maxx, maxy} of what the query selects; *any false when nothing. */
wg_status wg_store_map_extent(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, int64_t plan,
                              double box[4], bool *any);

#endif
