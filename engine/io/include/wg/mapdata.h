/* wg/mapdata.h: the workspace's layers as plain data for drawing — coordinates in the
 * workspace CRS, keys, names and the few numbers a map shows. Read-only. The layers and the
 * query (wg_map_layer, wg_map_query) are the store's (wg/store.h). */
#ifndef WG_MAPDATA_H
#define WG_MAPDATA_H

#include "wg/shapes.h"
#include "wg/store.h"

/* Features of one layer, in key order. Strings are "" when absent, never NULL. */
typedef struct wg_map_feats {
    size_t n;
    wg_shapes shapes;
    char **key, **name, **group;
    double (*v)[WG_MAP_NV]; /* NaN where absent */
    /* When asked: per feature x, y, r — the centre and radius of the largest circle inside its
     * polygon (where a label fits best); NaN for other geometries. */
    double (*anchor)[3];
    char *strings; /* one block holding every string */
} wg_map_feats;

/* Reads a layer. Errors: WG_EINPUT for cells when there is no such plan (or no active plan);
 * WG_ESQL; WG_EGEOS. Caller frees with wg_map_feats_free(). */
wg_status wg_map_read(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, wg_map_feats *out);
void wg_map_feats_free(wg_map_feats *f);

/* Incidents as points, for heatmaps and point maps. */
typedef struct wg_map_points {
    size_t n;
    double *xy;           /* n pairs */
    double *hours;        /* n: the handling hours of each one's category (with
                             wg_points_query.hours; NULL otherwise) */
    uint16_t *cat;        /* n: index into category */
    char (*category)[64]; /* ncat names, most frequent first ("" for none) */
    size_t *cat_count;    /* ncat */
    size_t ncat;
    int64_t first, last; /* reported times of the earliest and latest (UTC s) */
} wg_map_points;

typedef struct wg_points_query {
    const double *bbox;            /* only points inside it; NULL: all */
    int64_t from, to;              /* reported in [from, to); INT64_MIN / INT64_MAX: open */
    const char *const *categories; /* only these; NULL: all */
    size_t ncategories;
    const char *categories_file; /* handling hours; NULL: the workspace's categories table */
    bool hours;                  /* give each point its handling hours */
} wg_points_query;

/* Reads the incidents that have a location. Errors: WG_EINPUT for a bad categories file or
 * period; WG_ESQL. Caller frees with wg_map_points_free(). */
wg_status wg_map_incidents(wg_ws *ws, const wg_points_query *q, wg_map_points *out);
void wg_map_points_free(wg_map_points *p);

/* The extent of a layer (of the features the query selects), {minx, miny, maxx, maxy}; *any
 * is false when it selects nothing. */
wg_status wg_map_extent(wg_ws *ws, wg_map_layer layer, const wg_map_query *q, double box[4],
                        bool *any);

/* The plan a map of cells shows: `plan`, else (0) the active one; with its name. With plan 0
 * and no active plan, *id is 0 and name "" (no error: maps of incidents do without). Errors:
 * WG_EINPUT for a plan that does not exist. */
wg_status wg_map_plan(wg_ws *ws, int64_t plan, int64_t *id, char name[128]);

#endif
