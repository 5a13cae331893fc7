/* wg/layers.h: the workspace layers and their fields, as import, export and info see them. */
#ifndef WG_LAYERS_H
#define WG_LAYERS_H

#include "wg/core.h"
#include "wg/vio.h"

typedef enum wg_coltype { WG_COL_TEXT, WG_COL_INT, WG_COL_REAL, WG_COL_TIME } wg_coltype;

enum {
    WG_COL_REQUIRED = 1, /* a feature without it is rejected */
    WG_COL_NONNEG = 2,   /* numbers must be >= 0 */
    WG_COL_WHOLE = 4     /* numbers must be whole */
};

typedef struct wg_col {
    const char *name;
    wg_coltype type;
    unsigned flags;
    const char *aliases; /* comma-separated source field names tried when not mapped */
    const char *allowed; /* comma-separated allowed text values, or NULL */
} wg_col;

typedef struct wg_layer_def {
    const char *name;
    wg_gkind gkind;       /* WG_G_ANY for units (polygons or points) */
    const char *sql_geom; /* SpatiaLite geometry type, NULL for tables */
    bool spatial_index;   /* incidents have none: the locator does their spatial work */
    bool importable;      /* cells are made by plans, not imported */
    const wg_col *cols;   /* cols[0] is the key: "id" (or "code" for cells) */
    size_t ncols;
} wg_layer_def;

#define WG_NLAYERS 12

/* The layers, in a fixed order: communities, units, barriers, streets, incidents, cameras,
 * workers, codes, buildings (imported); cells (made by plans); blind_spots, camera_views (made
 * by assign).
 * Static; never NULL. */
const wg_layer_def *wg_layers(void);
/* The kinds of units. `building`: a building footprint (a polygon; it hides what is behind it
 * from cameras). `address`: a point. `compound`: the ground of a gated compound (a polygon that
 * hides nothing). `area`: a polygon of a set that tiles the district (census blocks, block
 * groups, tracts, parcels, zones); it hides nothing, and the buildings layer, when there is one,
 * gives the footprints standing on it. The canonical kind for a spelling a source may use
 * (any case): building, buildings, footprint, bldg; compound; address, addr, point; area,
 * block, census block, blockgroup, block group, block_group, tract, census tract, parcel,
 * lot, zone, neighbourhood, neighborhood. NULL for anything else (and for NULL). Static. */
const char *wg_unit_kind(const char *v);
/* The layer named `name`, or NULL. */
const wg_layer_def *wg_layer_find(const char *name);

#endif
