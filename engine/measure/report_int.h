/* engine/measure/report_int.h (private): what the measures (measure.c) hand the report (report.c).
 */
#ifndef WG_REPORT_INT_H
#define WG_REPORT_INT_H

#include "wg/report.h"
#include "wg/store.h"

/* Whether category `cat` passes a --category filter (list NULL: no filter). */
bool category_wanted(const char *const *list, size_t n, const char *cat);

/* The measures of every cell of the plan, in code order. */
typedef struct cell_measures {
    wg_report_row *rows; /* id = code, community set; by_category allocated */
    size_t n;
    double *close_h; /* time to close (hours), grouped by cell: cell i has [coff[i], coff[i+1]) */
    size_t *coff;
    double *box; /* cell i's bounding box: box[4i .. 4i+4) = minx, miny, maxx, maxy */
} cell_measures;

/* Fills r's period, categories and reconciliation, and m with the cells' measures. */
wg_status measure_cells(wg_ws *ws, const wg_report_opts *o, const wg_categories *cats, wg_report *r,
                        cell_measures *m);
void cell_measures_free(cell_measures *m);

/* dst += f * src over every additive field (not the rates, index or text). */
void row_add(wg_report_row *dst, const wg_report_row *src, double f, size_t ncat);
/* The rates of a row from its sums; without visits in the workspace, no patrol coverage. */
void row_rates(wg_report_row *row, bool visits);
/* The p- and q-quantiles (0 <= p <= q <= 1) of x[0..n) (reordered in place), each linear
 * between order statistics; NaN for n = 0. The second selection searches only above the
 * first. */
void quantiles2(double *x, size_t n, double p, double q, double *vp, double *vq);

#endif
