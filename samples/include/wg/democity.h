/* wg/democity.h: a deterministic sample city ("demo data") for trying wangge end to end:
 * streets, barriers, communities, buildings with households, a year of incidents, cameras and
 * workers, in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), near 120E 31.2N.
 *
 * The generator streams its features into a sink (a struct of callbacks taking plain data), so
 * a caller can check or count a city without files; wg_city_write() is the sink that writes the
 * files `wangge import` reads. Nothing here prints; long work reports through wg_progress(). */
#ifndef WG_DEMOCITY_H
#define WG_DEMOCITY_H

#include "wg/core.h"
#include "wg/ws.h"

#include <stddef.h>
#include <stdint.h>

/* The CRS of every coordinate the generator produces (metres). */
#define WG_CITY_CRS "EPSG:4549"

typedef enum wg_city_scale {
    WG_CITY_SMALL,  /* ~5 k buildings, ~20 k incidents: tests and quick looks */
    WG_CITY_MEDIUM, /* ~50 k buildings, ~1 M incidents */
    WG_CITY_LARGE   /* ~500 k buildings, ~10 M incidents: a stress test */
} wg_city_scale;

/* Parses "small", "medium" or "large" (any case). Sets *out only on success.
 * Errors: WG_EINPUT naming the text, for anything else (including NULL). */
wg_status wg_city_scale_parse(wg_ctx *ctx, const char *text, wg_city_scale *out);
/* "small", "medium" or "large"; "unknown" for a value outside the enum. Static, never NULL. */
const char *wg_city_scale_name(wg_city_scale scale);

typedef struct wg_city_stats {
    size_t communities, streets, barriers;
    size_t buildings, compounds;
    size_t bungalows; /* buildings in bungalow (平房) areas, part of `buildings` */
    size_t incidents, cameras, workers;
    int64_t households; /* over all buildings (= over all communities) */
    double seconds;     /* wall time of the whole call */
} wg_city_stats;

/* ---- The features, as the sink sees them ----------------------------------------------------
 * Everything a callback receives is borrowed for the duration of the call only: copy what you
 * keep. Ids are unique within their kind and stable for a given (scale, seed). Rings are closed
 * (first point = last point), counter-clockwise, as x0,y0,x1,y1,... in WG_CITY_CRS. */

typedef struct wg_city_community { /* 社区: 1,000-5,000 households, a rectangle or union */
    const char *id;                /* "C00001" */
    const char *name;              /* "枫林社区" */
    const char *parent;            /* its street or town: "徐家汇街道", "七宝镇" */
    int64_t households;            /* = the sum over its buildings */
    const double *ring;            /* exterior ring, npts points */
    size_t npts;
} wg_city_community;

typedef struct wg_city_building { /* a unit of kind "building" */
    const char *id;               /* "B0000001" */
    int64_t households;           /* 30-400 in a compound, 1-10 in a bungalow area */
    const char *compound;         /* "CP000001"; NULL for bungalows */
    const char *community;        /* the id of the community containing it */
    const double *ring;           /* axis-aligned rectangle, 5 points */
    size_t npts;
} wg_city_building;

typedef struct wg_city_line { /* a street or a barrier */
    const char *id;           /* streets "S000001", barriers "BR0001" */
    const char *name;         /* "四川路", "苏州河" */
    const char *kind;         /* streets: "main" | "minor"; barriers: "road" | "river" | "rail" */
    const double *xy;         /* polyline, npts points */
    size_t npts;
} wg_city_line;

/* A time that was not reached (not dispatched or not closed when the year ended). */
#define WG_CITY_NO_TIME INT64_MIN

typedef struct wg_city_incident {
    const char *id;       /* "E00000001", in order of `reported` */
    const char *category; /* a code of wg_city_categories(), e.g. "group_renting" */
    const char *source;   /* "patrol" | "hotline" | "camera" */
    const char *status;   /* "closed" (closed is set) | "open" (closed is WG_CITY_NO_TIME) */
    double x, y;
    /* Unix seconds (UTC), whole minutes; reported in 2025 local time (Asia/Shanghai),
     * reported <= dispatched <= closed < 2026-01-01T00:00+08:00 where set,
     * due = reported + the category's deadline (may fall in 2026). */
    int64_t reported, dispatched, closed, due;
} wg_city_incident;

typedef struct wg_city_camera {
    const char *id;   /* "CAM00001" */
    const char *kind; /* "fixed" | "dome" | "high" */
    double x, y;
    double heading_deg; /* clockwise from grid north, [0, 360); 0 for 360-degree cameras */
    double fov_deg;     /* fixed 60-120; dome and high 360 */
    double range_m;     /* fixed 30-100; dome 50; high 200-400 */
    double height_m;    /* fixed and dome 3-6; high 30-80 */
} wg_city_camera;

typedef struct wg_city_worker {
    const char *id;        /* "W000001" */
    const char *name;      /* "王秀英" */
    const char *role;      /* "grid_worker" | "police" | "official" */
    const char *community; /* the community id they work in */
} wg_city_worker;

/* Callbacks; any may be NULL (that kind is generated and counted but not delivered). A callback
 * returning anything but WG_OK stops the generation, which returns that status; the callback
 * should have recorded its message on ctx.
 *
 * Order of calls: all on_street, then all on_barrier; then, superblock by superblock (the areas
 * between main roads, west to east, south to north), its communities, each followed by its
 * workers, then the superblock's buildings (each after its community), then its cameras;
 * finally all incidents in order of reported time. */
typedef struct wg_city_sink {
    void *user;
    wg_status (*on_street)(wg_ctx *ctx, void *user, const wg_city_line *street);
    wg_status (*on_barrier)(wg_ctx *ctx, void *user, const wg_city_line *barrier);
    wg_status (*on_community)(wg_ctx *ctx, void *user, const wg_city_community *community);
    wg_status (*on_worker)(wg_ctx *ctx, void *user, const wg_city_worker *worker);
    wg_status (*on_building)(wg_ctx *ctx, void *user, const wg_city_building *building);
    wg_status (*on_camera)(wg_ctx *ctx, void *user, const wg_city_camera *camera);
    wg_status (*on_incident)(wg_ctx *ctx, void *user, const wg_city_incident *incident);
} wg_city_sink;

/* Generates the city of `scale` for `seed` into `sink`. The same (scale, seed) gives the same
 * sequence of calls with the same values, byte for byte (on one build of the library); another
 * seed gives another city. Memory stays bounded at any scale: buildings are generated one
 * superblock at a time and incidents one day at a time.
 * Reports wg_progress() stages "generating blocks" and "generating incidents"; checks
 * wg_ctx_cancelled() (WG_EINTR). On success, and only then, fills *stats (may be NULL).
 * Errors: whatever a callback returns; WG_ENOMEM. */
wg_status wg_city_generate(wg_ctx *ctx, wg_city_scale scale, uint64_t seed,
                           const wg_city_sink *sink, wg_city_stats *stats);

/* Generates the city into folder `dir` (created, with its parents, if missing) as the files
 * the importer reads, all in WG_CITY_CRS, all ids TEXT:
 *   communities.gpkg  layer communities, polygon: id, name, parent, households (INT)
 *   units.gpkg        layer units, polygon: id, households (INT), compound (NULL for bungalows),
 *                     community, kind ("building")
 *   streets.gpkg      layer streets, line: id, name, kind (main|minor)
 *   barriers.gpkg     layer barriers, line: id, kind (road|river|rail), name
 *   incidents.fgb     layer incidents, point: id, category, source, reported, dispatched, closed,
 *                     due, status; times as ISO 8601 text with +08:00, NULL when not reached
 *   cameras.gpkg      layer cameras, point: id, kind, heading_deg, fov_deg, range_m, height_m
 *   workers.csv       no geometry: id, name, role, community
 * Each file appears only complete (geo's writer renames it into place); on failure none of
 * the files not yet finished is left behind. Fills *stats (may be NULL) on success.
 * Errors: WG_EIO for a folder that cannot be made; the writer's errors; as wg_city_generate. */
wg_status wg_city_write(wg_ctx *ctx, wg_city_scale scale, uint64_t seed, const char *dir,
                        wg_city_stats *stats);

/* The files wg_city_write() writes, in the order they import (communities first): for
 * i < WG_CITY_NFILES, *file gets the name inside dir and *layer the workspace layer it fills.
 * Both static. */
#define WG_CITY_NFILES 7
void wg_city_file(size_t i, const char **file, const char **layer);

/* Imports every file wg_city_write() wrote into folder `dir` into ws, in that order, calling
 * done (may be NULL) after each with its layer, source path and result. Stops at the first
 * failed import (its error is on the workspace's context). */
struct wg_import_result;
typedef void (*wg_city_imported_fn)(void *user, const char *layer, const char *src,
                                    const struct wg_import_result *r);
wg_status wg_city_import(wg_ws *ws, const char *dir, wg_city_imported_fn done, void *user);

/* Formats Unix seconds as local time in Asia/Shanghai (UTC+8, no daylight saving since 1991),
 * "2025-03-14T09:26:00+08:00", into out (at least WG_CITY_TIME_LEN bytes). Returns out. */
#define WG_CITY_TIME_LEN 32
char *wg_city_time_iso(int64_t t, char *out);

typedef struct wg_city_category {
    const char *code;     /* "group_renting" */
    const char *label_zh; /* "群租" */
    int deadline_days;    /* due = reported + this */
} wg_city_category;

/* The incident categories the generator uses, in a fixed order; *n gets their number.
 * Static, never NULL. */
const wg_city_category *wg_city_categories(size_t *n);

#endif
