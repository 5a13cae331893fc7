/* wg/import.h: bringing outside data into a workspace layer, and taking it out again. */
#ifndef WG_IMPORT_H
#define WG_IMPORT_H

#include "wg/tiling.h"
#include "wg/vio.h"
#include "wg/ws.h"

typedef struct wg_import_opts {
    const char *src_layer;   /* layer of a multi-layer source; NULL: the first */
    const char *src_crs;     /* the source's CRS when it has none (or a wrong one) */
    wg_shift shift;          /* GCJ-02 / BD-09 correction of lon/lat sources */
    const char *const *maps; /* "field=SOURCEFIELD" or "field=A+B" (A and B joined by a space) */
    size_t nmaps;
    const char *const *sets; /* "field=VALUE": the same value for every feature */
    size_t nsets;
    bool skip_invalid;             /* keep the good features; write the rejects to a file */
    const char *rejects_path;      /* with skip_invalid; NULL: SOURCE-NAME.rejects.csv beside the
                                      workspace */
    bool no_repair;                /* reject invalid polygons instead of repairing them */
    const char *time_format;       /* strptime-style; NULL: ISO 8601 and common US forms */
    const char *tz;                /* zone of times without an offset (IANA name or +hh:mm);
                                      NULL: UTC */
    const char *x_field, *y_field; /* CSV: the coordinate columns (default: guessed from
                                      x/y, lon/lat and similar names) */
    const char *source_name;       /* how messages and the import log name the source (a
                                      batch posted to the server); NULL: its path */
    const char *weight_name;       /* units: what their households field counts ("residents",
                                      ...; see wg_weight_name_valid); NULL: unchanged */
    const char *const *columns;    /* CSV without a header row: its columns' names, in order */
    size_t ncolumns;               /* 0: the first line names the columns */
} wg_import_opts;

typedef struct wg_import_result {
    int64_t features; /* read from the source */
    int64_t inserted, updated, repaired, rejected;
    int64_t defaulted;          /* cameras: imported ones that took at least one of heading, fov
                                   and range from their kind's defaults (cameras.defaulted) */
    int64_t parents_from_codes; /* communities: parents taken from the codes table */
    char rejects_path[1024];    /* "" when nothing was rejected */
    char mapping[2048];         /* how fields were found: "id <- GEOID, households <- HH (--map)" */
    char unused[4096];          /* source fields nothing took, "a, b, c" ("" when all were) */
    char coords[256];           /* CSV: the columns the points came from, "lon, lat" (or "") */
    char crs_note[256];         /* "" or what happened to the CRS */
    /* units without a kind field or --set kind=: the kind inferred for their polygons and
     * why, with the figures (wg/tiling.h): "kind = area: the 457 polygons tile the area (...)"
     * or "kind = building: ..."; "" when the source gave the kind */
    char kind_note[512];
    wg_tiling tiling; /* those figures (n = 0 when nothing was inferred) */
    int64_t ver;      /* the version its transaction stamped on the rows it wrote (the
                         incidents it inserted or updated carry it), 0 for the tables */
    double seconds;
} wg_import_result;

/* Imports SOURCE into LAYER (see wg_layers(); "codes" is the administrative code tree; also
 * "postings", "visits", and "categories" or "weights", whose file replaces the workspace's table)
 * in one transaction: features whose id is already there are updated, the others inserted. Without
 * skip_invalid the first bad feature fails the whole import (WG_EINPUT, naming the source, the
 * feature or line, its id and the problem) and the workspace is left as it was. With skip_invalid
 * the bad ones are left out, listed in the rejects file and counted. Invalid polygons are repaired
 * (made valid) and counted, unless no_repair. Long imports report progress through ctx. Each source
 * field feeds one workspace field at most (--map first, then the usual names, see wg_layers());
 * those left unused are listed in r->unused, and one that looks like a time (by its name or its
 * first values) while the layer has a time field with no source, or like a coordinate in a CSV, is
 * a warning naming the --map or --xy that would use it. Communities whose parent is empty take
 * it from the codes table when their id is a code there; a parent the (non-empty) table lacks
 * is a warning. */
wg_status wg_import(wg_ws *ws, const char *layer, const char *source, const wg_import_opts *o,
                    wg_import_result *r);

/* Writes LAYER to DEST, in the format of its extension (see wg_dst_open), atomically: fields
 * as in wg_layers(), times as ISO 8601 UTC text, geometries in the workspace CRS. For cells,
 * `plan` selects one plan's cells (0: the active plan's, or all when none is active). Incidents
 * get two more fields, `cell` (the code of the cell holding each) and `unassigned` (outside,
 * gap or no_location for one in no cell), under the assignment of `plan` (0: the active one),
 * which is brought up to date first when that is quick; without an assignment of that plan
 * they are left out. *count gets the number of features written. Errors: WG_EINPUT for an
 * unknown layer, or an assignment that needs a full 'wangge assign'. */
wg_status wg_export(wg_ws *ws, const char *layer, const char *dest, int64_t plan, int64_t *count);

#endif
