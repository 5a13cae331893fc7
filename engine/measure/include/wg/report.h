/* wg/report.h: workload and coverage per cell, per grid worker and per community over a period,
 * the workload index, how unequal it is, and what to do about it.
 *
 * Which incidents. An incident belongs to the period when it was reported in [from, to). The
 * report is taken "as of" the period's end: min(to, the latest time in the incidents layer),
 * so an open-ended period asks about the data as it stands. Incidents come from the stored
 * assignment of the active plan (wangge assign): incidents written and cells edited since are
 * assigned first (quick); anything more (no assignment yet, changed cameras, units or
 * streets) is an error telling to run wangge assign. The report reads one snapshot.
 *
 * Measures of a cell (the period's incidents, optionally of some categories only):
 *   households, units, area      from the plan's cells
 *   incidents                    by category and by source (patrol, hotline, camera, other)
 *   handling hours               sum over incidents of their category's standard handling time
 *   open                         not closed as of the end;  overdue: open and past due
 *   due cases                    incidents (reported at any time) whose due time falls in the
 *                                period and has passed as of the end. Due is the incident's own
 *                                `due`, else reported + its category's deadline; a category
 *                                without a deadline has no due cases.
 *   closing rate (结案率)         closed as of the end / due cases
 *   on-time rate (按期结案率)     closed no later than due / due cases (both NaN without due cases)
 *   time to close                median and 90th percentile of closed - reported, in hours, over
 *                                the period's incidents closed as of the end (linear interpolation
 *                                between order statistics; NaN when none)
 *   visits, households visited   from the visits layer in the period: households of the distinct
 *                                units visited;  patrol coverage (巡查覆盖率) = visited /
 * households cameras, seen share          from the assignment: cameras seeing the cell, seen open
 * ground / open ground, households seen / households patrol length                length of the
 * streets inside the cell, or, when the workspace has no streets, a short closed tour over the unit
 * centres (nearest neighbour, then 2-opt) A worker posted to several cells carries the sum; a cell
 * shared by k workers gives each 1/k of its load (counts become fractional). Rates are ratios of
 * the sums. Without postings every cell is its own post (the worker is named by the cell code). A
 * community carries its cells' sums.
 *
 * Workload index of a row (cell, worker or community):
 *     index = sum_k w_k * x_k / mean(x_k)   over the terms k with a non-zero mean,
 * the weights w_k renormalised to sum to 1 over those terms, so the mean row is exactly 1.00.
 * Terms: households, handling hours, area (km^2), patrol length (km); weights from the
 * workspace's table (data/workload.csv until another is imported) or a file. Imbalance over the
 * rows: Gini coefficient, coefficient of variation (population standard deviation / mean) and max /
 * mean. */
#ifndef WG_REPORT_H
#define WG_REPORT_H

#include "wg/store.h"

typedef enum wg_report_by { WG_BY_CELL, WG_BY_WORKER, WG_BY_COMMUNITY } wg_report_by;

enum { WG_SRC_PATROL, WG_SRC_HOTLINE, WG_SRC_CAMERA, WG_SRC_OTHER, WG_NSRC };

/* The names of the sources, as in files and reports (the workload terms are the store's
 * weights table: wg_term_name). Static. */
const char *wg_source_name(int src);

typedef struct wg_report_opts {
    wg_report_by by;
    int64_t from, to;              /* UTC seconds; INT64_MIN / INT64_MAX: open-ended */
    const char *const *categories; /* only these categories; NULL: all */
    size_t ncategories;
    const char *categories_file; /* handling hours and deadlines; NULL: the workspace's table */
    const char *weights_file;    /* workload weights; NULL: the workspace's table */
    double over, under;          /* flag thresholds of the index; 0: 1.25 and 0.6 */
} wg_report_opts;

/* One row: a cell, a worker or a community. Counts are doubles: shared cells split them. */
typedef struct wg_report_row {
    char id[64];    /* cell code, worker id or community id */
    char name[128]; /* worker name, community name; "" for cells */
    char community[64];
    char cells[256]; /* worker: its cells, comma-separated ("..." when cut); cell: its workers */
    int nworkers;    /* cell: workers posted to it; worker: 1; community: postings to its cells */
    int ncells;
    double households, units, area_m2;
    double incidents, by_source[WG_NSRC];
    double *by_category; /* ncategories entries, in the report's category order */
    double hours, open, overdue;
    double due, closed_due, on_time;
    double closing_rate, on_time_rate;  /* NaN without due cases */
    double close_median_h, close_p90_h; /* NaN when nothing closed */
    double visits, households_visited;
    double patrol_coverage; /* NaN without households */
    double cameras, open_m2, seen_m2, households_seen;
    double seen_share, households_seen_share; /* NaN without open ground / households */
    double patrol_m;
    double index;
    int flag;             /* -1 underloaded, 0, +1 overloaded */
    char suggestion[192]; /* what to do about the flag, "" when none */
} wg_report_row;

typedef struct wg_report {
    wg_report_by by;
    int64_t plan;
    char plan_name[128];
    wg_weight_name weight; /* what the units' households field counts (see wg/store.h) */
    int64_t from, to, as_of;
    char patrol_method[16]; /* "streets" or "tour" */
    bool postings;          /* false: every cell is its own post */
    bool visits;            /* the workspace has visits (else patrol coverage is NaN) */
    /* categories, in the order of by_category (the table's, then any others met) */
    char (*category)[64];
    double *category_hours;
    size_t ncategories;
    wg_report_row *rows;
    size_t nrows;
    wg_report_row total; /* sums over the rows (rates over the sums); index 1 */
    /* Reconciliation over the period (and categories): assigned + unassigned = incidents. */
    int64_t period_incidents, assigned, unassigned, outside, gap, no_location;
    int64_t unit_households;   /* sum over the units layer, to set beside total.households */
    double weights[WG_NTERMS]; /* as used: renormalised over the terms with a non-zero mean */
    double gini, cv, max_over_mean;
    size_t overloaded, underloaded;
    double over, under;
    char unposted[256]; /* cells no worker is posted to (comma-separated, cut), "" when none */
    size_t nunposted;
    bool refreshed;    /* the assignment was brought up to date first, */
    int64_t relocated; /* locating these incidents */
    double seconds;
} wg_report;

/* Computes the report (bringing the assignment up to date first, see above). Errors
 * (WG_EINPUT): no active plan; an assignment that is missing, for another plan or out of date
 * beyond what a quick run does ("run wangge assign"); a posting naming a cell absent from the
 * active plan; an unreadable or malformed categories or weights file (naming its line); a bad
 * period. Also WG_ESQL/WG_EIO, WG_EGEOS, WG_ENOMEM. Caller frees with wg_report_free(). */
wg_status wg_report_make(wg_ws *ws, const wg_report_opts *o, wg_report *out);
void wg_report_free(wg_report *r);

/* The Gini coefficient of x[0..n) (>= 0): sum_ij |xi - xj| / (2 n^2 mean); 0 for n < 2 or a
 * zero mean. */
double wg_gini(const double *x, size_t n);

#endif
