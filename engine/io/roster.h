/* engine/io/roster.h (private): importing postings and visits (see roster.c). */
#ifndef WG_ROSTER_H
#define WG_ROSTER_H

#include "wg/import.h"

/* layer is "postings" (replaces the roster) or "visits" (adds visits). Fills r->features,
 * r->inserted and r->mapping. */
wg_status wg__import_roster(wg_ws *ws, const char *layer, const char *source,
                            const wg_import_opts *o, wg_import_result *r);

/* The first of the comma-separated field names `aliases` that src has (any case), or -1. */
int wg__src_alias(wg_src *src, const char *aliases);

#endif
