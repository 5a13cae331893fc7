/* tests/engine/test_realdata.c: every real data set of ../shared/realdata imports into the
 * layer it fits, with the right CRS; real dirt is handled by the bad-input rules. The case is
 * tagged "realdata": ctest runs it as check_realdata, skipped as a whole when the folder is
 * absent, failed when a file is missing from it. */
#include "support.h"
#include "wg/assign.h"
#include "wg/import.h"
#include "wg/plan.h"
#include "wg/ws.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_realdata(void);

/* One value of SQL on the workspace file, as SQLite's column_double() reads it. */
static double qd(const char *sql)
{
    return t_sql_real(t_path(t_dir, "r.wangge"), sql);
}

/* An integer from SQL (times, counts): qd() keeps every integer below 2^53 exact. */
static long long qi(const char *sql)
{
    return (long long)qd(sql);
}

/* A failed import: WG_EINPUT, and the message holds both pieces (b may be NULL). */
static void expect_input_error(wg_status st, const char *a, const char *b)
{
    const char *msg = wg_ctx_errmsg(t_ctx);
    ck_assert_msg(st == WG_EINPUT, "expected WG_EINPUT, got %d: %s", (int)st, msg);
    ck_assert_msg(strstr(msg, a) && (!b || strstr(msg, b)), "expected '%s'%s%s in: %s", a,
                  b ? " and " : "", b ? b : "", msg);
    wg_ctx_clear(t_ctx);
}

/* The point `id` of `layer` lies within tol metres of (x, y), in workspace coordinates. */
static void point_at(const char *layer, const char *id, double x, double y, double tol)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE id = '%s'", layer, id);
    ck_assert_msg(qi(sql) == 1, "%s '%s' is not in the workspace", layer, id);
    snprintf(sql, sizeof sql, "SELECT X(geom) FROM %s WHERE id = '%s'", layer, id);
    double gx = qd(sql);
    snprintf(sql, sizeof sql, "SELECT Y(geom) FROM %s WHERE id = '%s'", layer, id);
    double gy = qd(sql);
    double d = hypot(gx - x, gy - y);
    ck_assert_msg(d <= tol, "%s '%s' at (%.2f, %.2f), expected (%.2f, %.2f): %.1f m off", layer, id,
                  gx, gy, x, y, d);
}

/* The rejects file lists `records` rejects (lines starting "feature " or "line ") and holds
 * `needle`. */
static void rejects_hold(const char *path, long long records, const char *needle)
{
    size_t len = 0;
    char *text = t_read(path, &len);
    ck_assert_msg(text != NULL, "no rejects file at '%s'", path);
    long long n = 0;
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        n += strncmp(p + 1, "feature ", 8) == 0 || strncmp(p + 1, "line ", 5) == 0;
    ck_assert_msg(n == records, "%s: %lld rejects listed, expected %lld", path, n, records);
    ck_assert_msg(strstr(text, needle), "%s does not hold '%s'; it begins: %.400s", path, needle,
                  text);
    free(text);
}

/* Every geometry of `layer` lies strictly inside the box (workspace coordinates). */
static void extent_within(const char *layer, double minx, double miny, double maxx, double maxy)
{
    static const char *const what[] = {"min(MbrMinX(geom))", "min(MbrMinY(geom))",
                                       "max(MbrMaxX(geom))", "max(MbrMaxY(geom))"};
    double e[4];
    for (int i = 0; i < 4; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s", what[i], layer);
        e[i] = qd(sql);
    }
    ck_assert_msg(e[0] > minx && e[1] > miny && e[2] < maxx && e[3] < maxy,
                  "%s extent %.0f %.0f - %.0f %.0f is outside %.0f %.0f - %.0f %.0f", layer, e[0],
                  e[1], e[2], e[3], minx, miny, maxx, maxy);
}

/* Real dirt, as the bad-input rules handle it: imports src into `layer` with --skip-invalid
 * (`features` read, `rejected` of them left out and listed in the rejects file, which holds
 * `listed`; the rest inserted into the empty layer), then again without it, which must fail
 * naming `first_bad` and `problem` and change nothing. *r gets the first import's result. */
static void import_skipping(wg_ws *ws, const char *layer, const char *src, wg_import_opts *o,
                            wg_import_result *r, long long features, long long rejected,
                            const char *listed, const char *first_bad, const char *problem)
{
    o->skip_invalid = true;
    T_OK(t_ctx, wg_import(ws, layer, src, o, r));
    ck_assert_int_eq(r->features, features);
    ck_assert_int_eq(r->inserted, features - rejected);
    ck_assert_int_eq(r->rejected, rejected);
    rejects_hold(r->rejects_path, rejected, listed);
    o->skip_invalid = false;
    wg_import_result again;
    expect_input_error(wg_import(ws, layer, src, o, &again), first_bad, problem);
}

START_TEST(cincinnati_blocks_as_units_in_us_feet)
{
    const char *src = t_realdata("cincinnati_walnut_hills_blocks/walnut_hills.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=BLOCK", "community=TRACT"};
    wg_import_opts o = {.maps = maps, .nmaps = 2};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", src, &o, &r));
    ck_assert_int_eq(r.features, 457);
    ck_assert_int_eq(r.inserted + r.rejected, 457);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32616"); /* Cincinnati, 84.5 W: UTM 16N */
    wg_ws_close(ws);
    ck_assert_int_eq((long long)qd("SELECT sum(households) FROM units"), 16766);
    ck_assert_int_eq((long long)qd("SELECT max(households) FROM units"), 745);
    ck_assert_int_eq((long long)qd("SELECT count(DISTINCT community) FROM units"), 23);
    /* US survey feet became metres: the blocks cover about 14 km^2 (149 million ft^2; left
     * in feet they would read as 149 "km^2") */
    double km2 = qd("SELECT sum(ST_Area(geom)) / 1e6 FROM units");
    ck_assert_msg(km2 > 12.0 && km2 < 16.0, "area %.3f km2", km2);
}
END_TEST

/* ---- NYC: ACS 2008-12 tracts and NTAs (GPKG, EPSG:4326) -------------------------------- */

/* 2,166 tracts; households sum 3,063,393 (max 11,696; 49 tracts with none). One tract (fid
 * 2083, Staten Island 5008900, 0 households) has no geo_geoid: mapped as the id, it is
 * rejected by feature, or left out and counted with --skip-invalid. */
START_TEST(nyc_tracts_as_units_with_households)
{
    const char *src = t_realdata("nyc_acs_2008_12/nyc_acs.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=geo_geoid", "community=ntacode"};
    wg_import_opts o = {.src_layer = "tracts", .maps = maps, .nmaps = 2};
    wg_import_result r;
    import_skipping(ws, "units", src, &o, &r, 2166, 1, "feature 2083,\"\",\"id is missing\"",
                    "nyc_acs.gpkg: feature 2083", "id is missing");
    ck_assert_int_eq(r.inserted + r.rejected, 2166);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618"); /* 74.0 W: UTM 18N */
    ck_assert_msg(strstr(r.mapping, "households <- households"), "mapping: %s", r.mapping);
    wg_ws_close(ws);
    /* the rejected tract had no households: the sum is the file's */
    ck_assert_int_eq(qi("SELECT sum(households) FROM units"), 3063393);
    ck_assert_int_eq(qi("SELECT max(households) FROM units"), 11696);
    ck_assert_int_eq(qi("SELECT count(*) FROM units WHERE households = 0"), 48);
    ck_assert_int_eq(qi("SELECT count(DISTINCT community) FROM units"), 195);
    /* tracts tile the city: areas, not buildings (inferred, no kind field) */
    ck_assert_int_eq(qi("SELECT count(*) FROM units WHERE kind = 'area'"), 2165);
    /* The Empire State Building, 73.985656 W 40.748433 N, is x 585632.08 y 4511326.15 in UTM
     * 18N (gdaltransform): it lies in exactly one tract, Manhattan 76 (1,199 households). */
    ck_assert_int_eq(qi("SELECT count(*) FROM units WHERE ST_Contains(geom, "
                        "MakePoint(585632.08, 4511326.15, 32618))"),
                     1);
    ck_assert_int_eq(qi("SELECT households FROM units WHERE ST_Contains(geom, "
                        "MakePoint(585632.08, 4511326.15, 32618))"),
                     1199);
    ck_assert_int_eq(qi("SELECT count(*) FROM units WHERE id = '08000US360614491951000007600' "
                        "AND community = 'MN17'"),
                     1);
    /* the tracts cover 782.7 km^2 (ST_Area of the source transformed to 32618 by ogr) */
    double km2 = qd("SELECT sum(ST_Area(geom)) / 1e6 FROM units");
    ck_assert_msg(km2 > 781.5 && km2 < 783.5, "area %.3f km2", km2);
    /* A failed FIRST import must leave a fresh workspace as it was -- no CRS -- so that the
     * same handle can import again (here with --skip-invalid). */
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "s.wangge"), NULL, &ws));
    expect_input_error(wg_import(ws, "units", src, &o, &r), "nyc_acs.gpkg: feature 2083",
                       "id is missing");
    char crs[32] = "";
    if (wg_ws_crs(ws))
        snprintf(crs, sizeof crs, "%s", wg_ws_crs(ws));
    o.skip_invalid = true;
    wg_status st = wg_import(ws, "units", src, &o, &r);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", wg_ctx_errmsg(t_ctx));
    wg_ws_close(ws);
    ck_assert_msg(crs[0] == '\0', "a failed first import left the handle's CRS at %s", crs);
    ck_assert_msg(st == WG_OK, "import after a failed first import: %s", msg);
}
END_TEST

/* 195 NTAs, households summing to the tracts' 3,063,393. */
START_TEST(nyc_ntas_as_communities)
{
    const char *src = t_realdata("nyc_acs_2008_12/nyc_acs.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_opts o = {.src_layer = "ntas"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "communities", src, &o, &r));
    ck_assert_int_eq(r.features, 195);
    ck_assert_int_eq(r.inserted, 195);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    ck_assert_msg(strstr(r.mapping, "id <- ntacode") && strstr(r.mapping, "name <- ntaname") &&
                      strstr(r.mapping, "households <- households"),
                  "mapping: %s", r.mapping);
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT sum(households) FROM communities"), 3063393);
    ck_assert_int_eq(qi("SELECT max(households) FROM communities"), 66941);
    ck_assert_int_eq(qi("SELECT count(*) FROM communities WHERE households = 0"), 4);
    /* the Empire State Building (585632.08, 4511326.15 in 18N) is in MN17 */
    ck_assert_int_eq(qi("SELECT count(*) FROM communities WHERE ST_Contains(geom, "
                        "MakePoint(585632.08, 4511326.15, 32618))"),
                     1);
    ck_assert_int_eq(qi("SELECT count(*) FROM communities WHERE id = 'MN17' AND name = "
                        "'Midtown-Midtown South' AND households = 15964 AND ST_Contains(geom, "
                        "MakePoint(585632.08, 4511326.15, 32618))"),
                     1);
    double km2 = qd("SELECT sum(ST_Area(geom)) / 1e6 FROM communities");
    ck_assert_msg(km2 > 781.5 && km2 < 783.5, "area %.3f km2", km2);
}
END_TEST

/* ---- NYC 311: four samples, three column layouts ---------------------------------------- */

static const char *const nyc311_maps[] = {"id=Unique Key",           "reported=Created Date",
                                          "closed=Closed Date",      "due=Due Date",
                                          "category=Complaint Type", "status=Status"};

/* 2011: 2,000 rows, 598 with empty Latitude/Longitude (and empty State Plane X/Y). */
START_TEST(nyc311_2011_lonlat_as_incidents)
{
    const char *src = t_realdata("nyc_311/nyc311_2011_tuplex_micro.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_opts o = {.maps = nyc311_maps, .nmaps = 6, .tz = "America/New_York"};
    wg_import_result r;
    import_skipping(ws, "incidents", src, &o, &r, 2000, 598,
                    "line 2,\"19937896\",\"no geometry (missing coordinates)\"",
                    "nyc311_2011_tuplex_micro.csv.gz: line 2 (id '19937896')",
                    "no geometry (missing coordinates)");
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_ws_close(ws);
    /* 19937901: 40.660811976282695 N 73.99859430999363 W (25th St, Brooklyn) is
     * x 584650.67 y 4501587.12 in UTM 18N (gdaltransform) */
    point_at("incidents", "19937901", 584650.67, 4501587.12, 0.5);
    /* 19937901, Created "03/01/2011 10:41:13 AM": EST (UTC-5) -> 2011-03-01 15:41:13Z.
     * 2011-01-01 is day 14975 (1293840000 s); + 31 + 28 = day 15034 = 1298937600;
     * + 15:41:13 (56473 s) = 1298994073. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '19937901'"), 1298994073LL);
    /* Closed "03/15/2011 04:14:19 PM": DST began 2011-03-13, so EDT (UTC-4) -> 20:14:19Z.
     * 2011-03-15 is day 15048 = 1300147200; + 72859 s = 1300220059. */
    ck_assert_int_eq(qi("SELECT closed FROM incidents WHERE id = '19937901'"), 1300220059LL);
    /* Due "03/15/2011 05:32:23 PM" EDT -> 21:32:23Z = 1300147200 + 77543 = 1300224743. */
    ck_assert_int_eq(qi("SELECT due FROM incidents WHERE id = '19937901'"), 1300224743LL);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '19937901' AND category = "
                        "'Street Sign - Dangling' AND status = 'Closed'"),
                     1);
    /* over the 1,402 located rows (Python csv + zoneinfo): Created from 2011-02-06 19:02:42Z
     * to 2011-11-03 20:25:00Z; 1,361 have a Closed Date, 1,386 a Due Date */
    ck_assert_int_eq(qi("SELECT min(reported) FROM incidents"), 1297018962LL);
    ck_assert_int_eq(qi("SELECT max(reported) FROM incidents"), 1320351900LL);
    ck_assert_int_eq(qi("SELECT count(closed) FROM incidents"), 1361);
    ck_assert_int_eq(qi("SELECT count(due) FROM incidents"), 1386);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE status = 'Closed'"), 1359);
}
END_TEST

/* The same 2011 rows placed by their State Plane feet columns, "X Coordinate (State Plane)" /
 * "Y Coordinate (State Plane)" in EPSG:2263. 19937901 has X 984640, Y 180028 ft, which is
 * x 584650.67 y 4501587.12 in UTM 18N (gdaltransform -s_srs EPSG:2263) -- the same place as
 * its lon/lat, within 5 mm. */
START_TEST(nyc311_2011_state_plane_feet_as_incidents)
{
    const char *src = t_realdata("nyc_311/nyc311_2011_tuplex_micro.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_opts o = {.maps = nyc311_maps,
                        .nmaps = 6,
                        .tz = "America/New_York",
                        .src_crs = "EPSG:2263",
                        .skip_invalid = true};
    wg_import_result r;
    /* the lon/lat columns are found first: a projected --src-crs on them is refused */
    ck_assert_int_eq(wg_import(ws, "incidents", src, &o, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "--src-crs EPSG:2263 is projected"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    o.x_field = "X Coordinate (State Plane)";
    o.y_field = "Y Coordinate (State Plane)";
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.features, 2000);
    /* the rows without State Plane X/Y are exactly the rows without lon/lat: 598 */
    ck_assert_int_eq(r.inserted, 1402);
    ck_assert_int_eq(r.rejected, 598);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_ws_close(ws);
    /* placed from the feet columns, the point lands where its lon/lat put it */
    point_at("incidents", "19937901", 584650.67, 4501587.12, 1.0);
}
END_TEST

/* 2013: 199 rows (same layout as 2011 plus school columns), 6 without coordinates. */
START_TEST(nyc311_2013_as_incidents)
{
    const char *src = t_realdata("nyc_311/nyc311_2013_tuplex_sample.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_opts o = {.maps = nyc311_maps, .nmaps = 6, .tz = "America/New_York"};
    wg_import_result r;
    import_skipping(ws, "incidents", src, &o, &r, 199, 6, "line 20,\"26590389\"",
                    "line 20 (id '26590389')", "no geometry");
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_ws_close(ws);
    /* 26589651: Created "10/31/2013 02:08:41 AM", still EDT (DST ended 2013-11-03) ->
     * 06:08:41Z. 2013-01-01 = day 15706; + 303 = day 16009 = 1383177600; + 22121 s =
     * 1383199721. Due "10/31/2013 10:08:41 AM" EDT -> 14:08:41Z = 1383177600 + 50921 =
     * 1383228521. No Closed Date. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '26589651'"), 1383199721LL);
    ck_assert_int_eq(qi("SELECT due FROM incidents WHERE id = '26589651'"), 1383228521LL);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '26589651' AND closed IS NULL "
                        "AND status = 'Assigned' AND category = 'Noise - Street/Sidewalk'"),
                     1);
    /* 26594139: Closed "10/31/2013 02:40:32 AM" EDT -> 06:40:32Z = 1383177600 + 24032 */
    ck_assert_int_eq(qi("SELECT closed FROM incidents WHERE id = '26594139'"), 1383201632LL);
    ck_assert_int_eq(qi("SELECT count(closed) FROM incidents"), 83);
    ck_assert_int_eq(qi("SELECT count(due) FROM incidents"), 140);
    /* 26594139 at 40.84332975466513 N 73.93914371913482 W: x 589431.31 y 4521906.91 */
    point_at("incidents", "26594139", 589431.31, 4521906.91, 0.5);
}
END_TEST

/* 2023: 500 rows in the lower-case Socrata layout, ISO times with milliseconds, no due
 * column; 68 without latitude/longitude (6 of them have State Plane X/Y). */
START_TEST(nyc311_2023_as_incidents)
{
    const char *src = t_realdata("nyc_311/nyc311_2023_kexinjiao.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=unique_key", "reported=created_date", "closed=closed_date",
                          "category=complaint_type", "status=status"};
    wg_import_opts o = {.maps = maps, .nmaps = 5, .tz = "America/New_York"};
    wg_import_result r;
    import_skipping(ws, "incidents", src, &o, &r, 500, 68, "line 21,\"59689873\"",
                    "line 21 (id '59689873')", "no geometry");
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_ws_close(ws);
    /* 59694038: "2023-12-10T12:00:00.000" EST -> 17:00:00Z. 2023-01-01 = day 19358; + 343 =
     * day 19701 = 1702166400; + 61200 s = 1702227600. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '59694038'"), 1702227600LL);
    /* 59690526: created "2023-12-10T01:30:32.000" -> 06:30:32Z = 1702166400 + 23432;
     * closed "2023-12-10T01:33:11.000" -> 06:33:11Z = 1702166400 + 23591 */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '59690526'"), 1702189832LL);
    ck_assert_int_eq(qi("SELECT closed FROM incidents WHERE id = '59690526'"), 1702189991LL);
    ck_assert_int_eq(qi("SELECT count(closed) FROM incidents"), 219);
    ck_assert_int_eq(qi("SELECT count(due) FROM incidents"), 0);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE status = 'In Progress'"), 206);
    /* 59690526 at 40.60553152529096 N 73.95536848100859 W: x 588377.56 y 4495493.22 */
    point_at("incidents", "59690526", 588377.56, 4495493.22, 0.5);
}
END_TEST

/* 2025: 235 rows, Due Date always empty, 3 without coordinates. */
START_TEST(nyc311_2025_as_incidents)
{
    const char *src = t_realdata("nyc_311/nyc311_2025_somaiyahhafeez.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_opts o = {.maps = nyc311_maps, .nmaps = 6, .tz = "America/New_York"};
    wg_import_result r;
    import_skipping(ws, "incidents", src, &o, &r, 235, 3, "line 216,\"64449499\"",
                    "line 143 (id '64452716')", "no geometry");
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_ws_close(ws);
    /* 64446107: Created "03/24/2025 11:33:07 PM" EDT (DST since 2025-03-09) -> 2025-03-25
     * 03:33:07Z. 2025-01-01 = day 20089; + 31 + 28 + 24 = day 20172 = 1742860800; + 12787 s =
     * 1742873587. Closed "03/25/2025 12:45:11 AM" (12 AM is midnight) -> 04:45:11Z =
     * 1742860800 + 17111 = 1742877911. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '64446107'"), 1742873587LL);
    ck_assert_int_eq(qi("SELECT closed FROM incidents WHERE id = '64446107'"), 1742877911LL);
    ck_assert_int_eq(qi("SELECT count(due) FROM incidents"), 0);
    ck_assert_int_eq(qi("SELECT count(closed) FROM incidents"), 199);
    ck_assert_int_eq(qi("SELECT min(reported) FROM incidents"), 1742788916LL);
    ck_assert_int_eq(qi("SELECT max(reported) FROM incidents"), 1742873587LL);
    /* 64446107 at 40.625990681603746 N 73.94188882855283 W: x 589490.68 y 4497777.91 */
    point_at("incidents", "64446107", 589490.68, 4497777.91, 0.5);
}
END_TEST

/* ---- San Francisco 2012 (GPKG, EPSG:2227 US feet and EPSG:4269) ------------------------ */

/* 13,472 rows but only 10,140 distinct IncidntNum (one row per offence): with the incident
 * number as id, the repeats are rejected by feature and id. */
START_TEST(sf_crime_as_incidents_in_us_feet)
{
    const char *src = t_realdata("sf_crime_2012/sf_crime_2012.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=IncidntNum", "reported=Date", "category=Category",
                          "status=Resolution"};
    wg_import_opts o = {.src_layer = "incidents",
                        .maps = maps,
                        .nmaps = 4,
                        .tz = "America/Los_Angeles",
                        .skip_invalid = true};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.features, 13472);
    ck_assert_int_eq(r.inserted, 10140);
    ck_assert_int_eq(r.rejected, 3332);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32610"); /* 122.4 W: UTM 10N */
    /* feature 1, 120522283, is at X 5983167.9999 Y 2090431.99998 ftUS (EPSG:2227) =
     * x 544046.38 y 4174750.68 in UTM 10N (gdaltransform; its lon/lat -122.500220404
     * 37.7189541669 give the same to 0.1 mm): feet became metres */
    wg_ws_close(ws);
    point_at("incidents", "120522283", 544046.38, 4174750.68, 0.5);
    /* Date is a GPKG date (time of day lost upstream): midnight Pacific. 2012-07-02 PDT
     * (UTC-7) -> 07:00Z; 2012-01-01 = day 15340; + 182 + 1 = day 15523 = 1341187200;
     * + 25200 s = 1341212400. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '120522283'"), 1341212400LL);
    /* first 2012-07-01 00:00 PDT = 1341126000; last 2012-12-31 00:00 PST (UTC-8) =
     * day 15705 = 1356912000 + 28800 = 1356940800 */
    ck_assert_int_eq(qi("SELECT min(reported) FROM incidents"), 1341126000LL);
    ck_assert_int_eq(qi("SELECT max(reported) FROM incidents"), 1356940800LL);
    ck_assert_int_eq(qi("SELECT count(DISTINCT category) FROM incidents"), 4);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '120522283' AND category = "
                        "'VEHICLE THEFT' AND status = 'NONE'"),
                     1);
    /* the points lie in San Francisco: 37.708-37.817 N, 122.513-122.371 W */
    ck_assert_msg(qd("SELECT min(X(geom)) FROM incidents") > 542000 &&
                      qd("SELECT max(X(geom)) FROM incidents") < 556000 &&
                      qd("SELECT min(Y(geom)) FROM incidents") > 4173000 &&
                      qd("SELECT max(Y(geom)) FROM incidents") < 4186000,
                  "extent off: x %.0f-%.0f, y %.0f-%.0f", qd("SELECT min(X(geom)) FROM incidents"),
                  qd("SELECT max(X(geom)) FROM incidents"),
                  qd("SELECT min(Y(geom)) FROM incidents"),
                  qd("SELECT max(Y(geom)) FROM incidents"));
    /* The first repeat is feature 4, IncidntNum 120533688 (also feature 3): the message and
     * the rejects file must name that id. */
    rejects_hold(r.rejects_path, 3332,
                 "feature 4,\"120533688\",\"the same id appears more than once in the source\"");
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "r.wangge"), &ws));
    o.skip_invalid = false;
    expect_input_error(wg_import(ws, "incidents", src, &o, &r),
                       "sf_crime_2012.gpkg: feature 4 (id '120533688')",
                       "the same id appears more than once");
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents"), 10140);
}
END_TEST

/* 579 block groups in NAD83 lon/lat, population but no households. */
START_TEST(sf_blockgroups_as_communities)
{
    const char *src = t_realdata("sf_crime_2012/sf_crime_2012.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=GEO_ID", "name=GEO_displa", "parent=TRACT"};
    wg_import_opts o = {.src_layer = "blockgroups", .maps = maps, .nmaps = 3};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "communities", src, &o, &r));
    ck_assert_int_eq(r.features, 579);
    ck_assert_int_eq(r.inserted, 579);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32610");
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(households) FROM communities"), 0);
    ck_assert_int_eq(qi("SELECT count(DISTINCT parent) FROM communities"), 195);
    /* 123.35 km^2 (ogr: ST_Area(ST_Transform(geom, 32610))) */
    double km2 = qd("SELECT sum(ST_Area(geom)) / 1e6 FROM communities");
    ck_assert_msg(km2 > 122.5 && km2 < 124.2, "area %.3f km2", km2);
    /* City Hall, 122.418 W 37.7793 N = x 551251.02 y 4181487.82 in 10N: block group 2 of
     * tract 124.02 */
    ck_assert_int_eq(qi("SELECT count(*) FROM communities WHERE ST_Contains(geom, "
                        "MakePoint(551251.02, 4181487.82, 32610))"),
                     1);
    ck_assert_int_eq(qi("SELECT count(*) FROM communities WHERE id = '1500000US060750124022' "
                        "AND parent = '012402' AND ST_Contains(geom, "
                        "MakePoint(551251.02, 4181487.82, 32610))"),
                     1);
}
END_TEST

/* ---- New Haven police log, Sept. 2014, and TIGER streets -------------------------------- */

/* 3,293 points, no id (feature ids), free-text date "Thu, Sept. 18th 2014" and time
 * "01:53 p.m." in two fields joined by --map reported=date+time. */
START_TEST(newhaven_incidents_with_free_text_times)
{
    const char *src = t_realdata("newhaven_police_2014/newhaven.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"reported=date+time", "category=dataset"};
    wg_import_opts o = {
        .src_layer = "incidents", .maps = maps, .nmaps = 2, .tz = "America/New_York"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.features, 3293);
    ck_assert_int_eq(r.inserted, 3293);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618"); /* 72.92 W: UTM 18N */
    ck_assert_msg(strstr(r.mapping, "reported <- date+time"), "mapping: %s", r.mapping);
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(DISTINCT category) FROM incidents"), 147);
    ck_assert_int_eq(qi("SELECT count(reported) FROM incidents"), 3293);
    /* feature 1: "Thu, Sept. 18th 2014" "01:53 p.m." EDT -> 17:53Z. 2014-01-01 = day 16071;
     * + 243 + 17 = day 16331 = 1410998400; + 64380 s = 1411062780. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '1'"), 1411062780LL);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '1' AND category = "
                        "'all-cases-dead-on-arrival'"),
                     1);
    /* feature 47: "Wed, Sept. 3rd 2014" "12:43 a.m." (just after midnight) -> 04:43Z;
     * day 16316 = 1409702400 + 16980 = 1409719380 */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '47'"), 1409719380LL);
    /* feature 56: "Thu, Sept. 4th 2014" "12:04 p.m." (just after noon) -> 16:04Z;
     * day 16317 = 1409788800 + 57840 = 1409846640 */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '56'"), 1409846640LL);
    /* first Sept. 1st 00:42 EDT = 1409546520, last Sept. 30th 22:44 EDT = 2014-10-01 02:44Z =
     * 1412131440 */
    ck_assert_int_eq(qi("SELECT min(reported) FROM incidents"), 1409546520LL);
    ck_assert_int_eq(qi("SELECT max(reported) FROM incidents"), 1412131440LL);
    /* feature 1 at 72.976512 W 41.337662 N: x 669311.54 y 4578217.00 in 18N */
    point_at("incidents", "1", 669311.54, 4578217.00, 0.5);
}
END_TEST

/* 1,537 TIGER lines, 609.86 km in all (ogr: ST_Length(ST_Transform(geom, 32618))): as
 * barriers (kind road) and as streets (id LINEARID, kind MTFCC). */
START_TEST(newhaven_streets_as_barriers_and_streets)
{
    const char *src = t_realdata("newhaven_police_2014/newhaven.gpkg");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=LINEARID"};
    const char *sets[] = {"kind=road"};
    wg_import_opts o = {.src_layer = "streets", .maps = maps, .nmaps = 1, .sets = sets, .nsets = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "barriers", src, &o, &r));
    ck_assert_int_eq(r.features, 1537);
    ck_assert_int_eq(r.inserted, 1537);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    wg_import_opts s = {.src_layer = "streets"};
    T_OK(t_ctx, wg_import(ws, "streets", src, &s, &r));
    ck_assert_int_eq(r.inserted, 1537);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_msg(strstr(r.mapping, "id <- LINEARID") && strstr(r.mapping, "kind <- MTFCC"),
                  "mapping: %s", r.mapping);
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM barriers WHERE kind = 'road'"), 1537);
    ck_assert_int_eq(qi("SELECT count(name) FROM barriers"), 1029);
    ck_assert_int_eq(qi("SELECT count(*) FROM streets WHERE kind = 'S1400'"), 1262);
    ck_assert_int_eq(qi("SELECT count(*) FROM streets WHERE id = '1102215634411' AND name = "
                        "'Chapel St'"),
                     1);
    double km = qd("SELECT sum(ST_Length(geom)) / 1e3 FROM barriers");
    ck_assert_msg(km > 609.0 && km < 610.7, "barriers %.3f km", km);
    km = qd("SELECT sum(ST_Length(geom)) / 1e3 FROM streets");
    ck_assert_msg(km > 609.0 && km < 610.7, "streets %.3f km", km);
}
END_TEST

/* ---- Boston ------------------------------------------------------------------------------ */

/* 2,424 open 311 cases of 2025; 2 without coordinates; closed_dt always empty. */
START_TEST(boston_311_as_incidents)
{
    const char *src = t_realdata("boston_311_crime/boston_311.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=case_enquiry_id", "reported=open_dt", "due=sla_target_dt",
                          "closed=closed_dt",   "category=type",    "status=case_status"};
    wg_import_opts o = {.maps = maps, .nmaps = 6, .tz = "America/New_York"};
    wg_import_result r;
    import_skipping(ws, "incidents", src, &o, &r, 2424, 2, "line 573,\"101005949601\"",
                    "boston_311.csv.gz: line 119 (id '101005861543')", "no geometry");
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32619"); /* 71.06 W: UTM 19N */
    ck_assert_msg(strstr(r.mapping, "source <- source"), "mapping: %s", r.mapping);
    wg_ws_close(ws);
    /* 101005870246: open "2025-01-24 03:24:56" EST -> 08:24:56Z. 2025-01-01 = day 20089;
     * + 23 = day 20112 = 1737676800; + 30296 s = 1737707096. sla_target "2025-02-07 03:30:00"
     * EST -> 08:30Z: day 20126 = 1738886400 + 30600 = 1738917000. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '101005870246'"), 1737707096LL);
    ck_assert_int_eq(qi("SELECT due FROM incidents WHERE id = '101005870246'"), 1738917000LL);
    /* 101006052693: open "2025-05-01 05:56:00" EDT -> 09:56Z: day 20209 = 1746057600 + 35760
     * = 1746093360; due "2025-05-02 05:56:52" EDT -> 1746144000 + 35812 = 1746179812 */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '101006052693'"), 1746093360LL);
    ck_assert_int_eq(qi("SELECT due FROM incidents WHERE id = '101006052693'"), 1746179812LL);
    ck_assert_int_eq(qi("SELECT count(closed) FROM incidents"), 0);
    ck_assert_int_eq(qi("SELECT count(due) FROM incidents"), 2422);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE status = 'Open'"), 2422);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE source = 'Citizens Connect App'"),
                     1367);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE source = 'Employee Generated'"), 739);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '101005870246' AND category "
                        "= 'Street Light Outages'"),
                     1);
    /* 101005870246 at 42.366865973300726 N 71.03876661266787 W: x 332124.19 y 4692523.40 */
    point_at("incidents", "101005870246", 332124.19, 4692523.40, 0.5);
}
END_TEST

/* 16,050 crime records on 18,477 lines (1,269 records span lines); 915 without Lat/Long;
 * OCCURRED_ON_DATE like "2023-01-26 09:00:00+00". */
START_TEST(boston_crimes_as_incidents)
{
    const char *src = t_realdata("boston_311_crime/boston_crimes-incident-report.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=INCIDENT_NUMBER", "reported=OCCURRED_ON_DATE",
                          "category=OFFENSE_DESCRIPTION"};
    wg_import_opts o = {.maps = maps, .nmaps = 3, .tz = "America/New_York"};
    wg_import_result r;
    o.skip_invalid = true;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.features, 16050);
    ck_assert_int_eq(r.inserted, 15135);
    ck_assert_int_eq(r.rejected, 915);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32619");
    /* the last reject is record 16,050, which starts on physical line 18,477 */
    rejects_hold(r.rejects_path, 915, "line 18477,\"232019190\",\"no geometry");
    /* 232006708: "2023-01-26 09:00:00+00": the offset in the text wins over --tz ->
     * 09:00Z. 2023-01-01 = day 19358; + 25 = day 19383 = 1674691200; + 32400 s =
     * 1674723600. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '232006708'"), 1674723600LL);
    /* The "+00" is false: HOUR (9) always equals the printed hour, crimes peak at 17-18 and
     * bottom out at 05, and "00:00" (unknown time) is the most common hour: these are Boston
     * wall-clock times. --time-format with a literal +00 and --tz reads them so:
     * 2023-01-26 09:00 EST -> 14:00Z = 1674691200 + 50400 = 1674741600. */
    o.time_format = "%Y-%m-%d %H:%M:%S+00";
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.inserted, 0);
    ck_assert_int_eq(r.updated, 15135);
    ck_assert_int_eq(r.rejected, 915);
    /* without --skip-invalid the first bad row fails the import, which changes nothing */
    o.skip_invalid = false;
    expect_input_error(wg_import(ws, "incidents", src, &o, &r),
                       "boston_crimes-incident-report.csv.gz: line 4 (id '232009906')",
                       "no geometry");
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '232006708'"), 1674741600LL);
    /* 232052046: "2023-07-02 14:27:00+00" read as EDT -> 18:27Z: day 19540 = 1688256000 +
     * 66420 = 1688322420 */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '232052046'"), 1688322420LL);
    ck_assert_int_eq(qi("SELECT count(DISTINCT category) FROM incidents"), 7);
    /* 232006708 at 42.310268910354935 N 71.08931055058088 W: x 327807.72 y 4686339.81 */
    point_at("incidents", "232006708", 327807.72, 4686339.81, 0.5);
    /* the multi-line record 232097653 (STREET spans 3 lines) is in */
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE id = '232097653' AND category = "
                        "'ROBBERY'"),
                     1);
}
END_TEST

/* 6,083 pedestrian crashes 2015-24; lon/lat and MA State Plane; dispatch_ts with "+00". */
START_TEST(boston_vision_zero_crashes_as_incidents)
{
    const char *src = t_realdata("boston_311_crime/boston_vision-zero-crash-records.csv.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    /* the first column has no name: GDAL calls it field_1 */
    const char *maps[] = {"id=field_1", "reported=dispatch_ts", "category=mode_type"};
    wg_import_opts o = {.maps = maps, .nmaps = 3, .tz = "America/New_York"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    ck_assert_int_eq(r.features, 6083);
    ck_assert_int_eq(r.inserted, 6083);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32619");
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM incidents WHERE category = 'ped'"), 6083);
    /* record "3": "2017-05-22 19:34:38+00" -> 19:34:38Z. 2017-01-01 = day 17167; + 141 =
     * day 17308 = 1495411200; + 70478 s = 1495481678. */
    ck_assert_int_eq(qi("SELECT reported FROM incidents WHERE id = '3'"), 1495481678LL);
    /* record "3" at 42.30860833257252 N 71.06570363989351 W: x 329748.91 y 4686107.91 in 19N
     * (its x_cord/y_cord 773640.48, 2937784.13 ftUS in EPSG:2249 give the same to 5 cm) */
    point_at("incidents", "3", 329748.91, 4686107.91, 0.5);
    /* 2015-01-01 10:14:13Z .. 2024-12-31 15:56:33Z */
    ck_assert_int_eq(qi("SELECT min(reported) FROM incidents"), 1420107253LL);
    ck_assert_int_eq(qi("SELECT max(reported) FROM incidents"), 1735660593LL);
}
END_TEST

/* ---- Cameras ----------------------------------------------------------------------------- */

/* 723 NYC DOT cameras: id, name, latitude, longitude; no heading or field of view. */
START_TEST(nyc_dot_cameras_as_cameras)
{
    const char *src = t_realdata("nyc_dot_cameras/nyc_dot_cameras.csv");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", src, NULL, &r));
    ck_assert_int_eq(r.features, 723);
    ck_assert_int_eq(r.inserted, 723);
    ck_assert_int_eq(r.rejected, 0);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32618");
    ck_assert_msg(strstr(r.mapping, "id <- id") && strstr(r.mapping, "name <- name"), "mapping: %s",
                  r.mapping);
    wg_ws_close(ws);
    /* no kind, no heading: each a fixed camera of unknown direction, a 25 m disc (the area of
     * the 90 degree, 50 m default sector) */
    ck_assert_int_eq(r.defaulted, 723);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE kind = 'fixed' AND fov_deg = 360 AND "
                        "range_m = 25 AND defaulted = 'heading,fov,range'"),
                     723);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE id = '368' AND name = "
                        "'1 Ave @ 110 St'"),
                     1);
    /* camera 368, 40.79142677512476 N 73.93807411193848 W: x 589591.30 y 4516146.32 */
    point_at("cameras", "368", 589591.30, 4516146.32, 0.5);
    /* all within the five boroughs (40.5077-40.8973 N, 74.2300-73.7138 W) */
    extent_within("cameras", 563000, 4484000, 609000, 4528000);
}
END_TEST

/* 3,043 Georgia DOT cameras, 3 of them at 0,0 (cctv_8796, cctv_13114, cctv_13115). */
START_TEST(atlanta_gdot_cctv_as_cameras)
{
    const char *src = t_realdata("atlanta_gdot_cctv/atlanta_gdot_cctv.geojson.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_result r;
    wg_import_opts o = {0};
    import_skipping(ws, "cameras", src, &o, &r, 3043, 3,
                    "feature 2882,\"cctv_13115\",\"point at 0,0",
                    "atlanta_gdot_cctv.geojson.gz: feature 88 (id 'cctv_8796')", "point at 0,0");
    /* Atlanta, 84.39 W, and the cameras' mean longitude, 84.13 W, are in UTM 16N. The three
     * 0,0 points must not take part in choosing the zone: with them, the extent's middle is
     * 42.8 W 17.5 N (zone 23, the mid-Atlantic); without them it is 83.18 W (zone 17). */
    char crs[32];
    snprintf(crs, sizeof crs, "%s", wg_ws_crs(ws));
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE id = 'cctv_46479' AND name = "
                        "'CHER-CAM-102'"),
                     1);
    ck_assert_msg(strcmp(crs, "EPSG:32616") == 0, "workspace CRS %s, expected EPSG:32616", crs);
    /* cctv_46479 at 84.455192 W 34.208776 N: x 734459.59 y 3788233.50 in 16N */
    point_at("cameras", "cctv_46479", 734459.59, 3788233.50, 0.5);
    /* the 3,040 located cameras span x 635351-1081973, y 3400258-3872509 in 16N (Georgia,
     * 85.52-80.84 W, 30.68-34.98 N; gdaltransform of every point) */
    extent_within("cameras", 635300, 3400200, 1082000, 3872600);
}
END_TEST

/* 2,144 OSM surveillance nodes in Switzerland; ids are OSM node ids; height on 335;
 * camera:direction on 497 (degrees, but also ranges, lists and compass words). */
START_TEST(osm_surveillance_switzerland_as_cameras)
{
    const char *src = t_realdata("osm_surveillance_switzerland/osm_surveillance_ch.geojson.gz");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    /* camera:type and camera:direction are read as kind and heading: 5 cameras say what no
     * rule can read ('180, 270', '90;160;270', kinds 'webcam', 'public', 'dome;fixed');
     * compass words ('south'), points ('NW') and sweeps ('190-100') are understood. */
    wg_import_opts o = {.skip_invalid = true};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", src, &o, &r));
    ck_assert_int_eq(r.features, 2144);
    ck_assert_int_eq(r.inserted, 2139);
    ck_assert_int_eq(r.rejected, 5);
    ck_assert_int_eq(r.defaulted, 2139);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32632"); /* 8.2 E: UTM 32N */
    ck_assert_msg(strstr(r.mapping, "height_m <- height") &&
                      strstr(r.mapping, "heading_deg <- camera:direction") &&
                      strstr(r.mapping, "kind <- camera:type"),
                  "mapping: %s", r.mapping);
    wg_ws_close(ws);
    /* node 29773946 at 8.820002 E 47.2284849 N: x 486374.00 y 5230571.03 in 32N */
    point_at("cameras", "29773946", 486374.00, 5230571.03, 0.5);
    ck_assert_int_eq(qi("SELECT count(height_m) FROM cameras"), 335);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE kind = 'fixed'"), 1453);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE kind = 'dome'"), 626);
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE kind = 'ptz'"), 60);
    /* a dome sweeping 190-100 (clockwise through north): 270 degrees wide, centred on 325 */
    ck_assert_int_eq(qi("SELECT count(*) FROM cameras WHERE id = '4353583563' AND kind = 'dome' "
                        "AND heading_deg = 325 AND fov_deg = 270"),
                     1);
    /* the rejects name each camera by its id */
    rejects_hold(r.rejects_path, 5, "feature 4590454439,\"4590454439\",\"heading_deg = '180, 270'");
}
END_TEST

/* ---- Shanghai Xuhui (GCJ-02) ------------------------------------------------------------- */

/* Xuhui's outline, in GCJ-02. Corrected, its centroid moves about 435 m west and 217 m north:
 * the GCJ-02 offset at 121.436 E 31.188 N is +0.004617 deg lon, -0.001881 deg lat
 * (440 m E, 208 m S), 486 m in all, and the correction undoes it. */
START_TEST(shanghai_fence_gcj02_as_communities)
{
    const char *src = t_realdata("shanghai_xuhui_adcode/fence_310104.geojson");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=adcode"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "communities", src, &o, &r));
    ck_assert_int_eq(r.inserted, 1);
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32651"); /* 121.4 E: UTM 51N */
    wg_ws_close(ws);
    double x0 = qd("SELECT X(ST_Centroid(geom)) FROM communities WHERE id = '310104'");
    double y0 = qd("SELECT Y(ST_Centroid(geom)) FROM communities WHERE id = '310104'");
    /* uncorrected: x 351262 y 3448705, Xuhui's 55 km^2 */
    ck_assert_msg(fabs(x0 - 351262) < 50 && fabs(y0 - 3448705) < 50, "centroid %.1f %.1f", x0, y0);
    double km2 = qd("SELECT ST_Area(geom) / 1e6 FROM communities");
    ck_assert_msg(km2 > 54.5 && km2 < 55.7, "area %.3f km2", km2);
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "r.wangge"), &ws));
    o.shift = WG_SHIFT_GCJ02;
    T_OK(t_ctx, wg_import(ws, "communities", src, &o, &r));
    ck_assert_int_eq(r.inserted, 0);
    ck_assert_int_eq(r.updated, 1);
    wg_ws_close(ws);
    double x1 = qd("SELECT X(ST_Centroid(geom)) FROM communities WHERE id = '310104'");
    double y1 = qd("SELECT Y(ST_Centroid(geom)) FROM communities WHERE id = '310104'");
    double d = hypot(x1 - x0, y1 - y0);
    ck_assert_msg(d > 300 && d < 600, "moved %.1f m", d);
    ck_assert_msg(fabs((x1 - x0) - -435) < 30 && fabs((y1 - y0) - 217) < 30,
                  "moved dx %.1f dy %.1f", x1 - x0, y1 - y0);
    /* the shape is unchanged by the shift */
    ck_assert_msg(fabs(qd("SELECT ST_Area(geom) / 1e6 FROM communities") - km2) < 0.2,
                  "area changed");
}
END_TEST

/* The adcode table has no header and 20 columns, lon/lat in columns 13-14 for 91 of 321 rows
 * (Xuhui: the district, 12 of 14 streets/towns, 78 of 306 committees). It is a tree of
 * administrative areas with label points, not polygons: it fits no layer as it stands. The
 * import must refuse it plainly rather than take the first row for a header and guess. */
START_TEST(shanghai_adcode_table_is_refused_plainly)
{
    const char *src = t_realdata("shanghai_xuhui_adcode/adcode_310104.csv");
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "r.wangge"), NULL, &ws));
    wg_import_result r;
    expect_input_error(wg_import(ws, "communities", src, NULL, &r),
                       "adcode_310104.csv: has no geometry", "lon/lat columns");
    expect_input_error(wg_import(ws, "incidents", src, NULL, &r),
                       "adcode_310104.csv: has no geometry", "lon/lat columns");
    ck_assert_ptr_null(wg_ws_crs(ws));
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM communities") + qi("SELECT count(*) FROM incidents"),
                     0);
}
END_TEST

/* ---- Areal units: Walnut Hills blocks are areas, not buildings ------------------------------- */

/* The 457 census blocks tile Walnut Hills: imported without a kind they are areas (inferred,
 * with the figures); with no buildings layer the open ground is the whole of every cell, dome
 * cameras on every third block see cells, and the households seen are each block's households
 * times the share of it seen, recomputed here per cell. A few generated footprints then become
 * the only ground that is not open. */
START_TEST(cincinnati_blocks_are_areas_in_coverage)
{
    const char *src = t_realdata("cincinnati_walnut_hills_blocks/walnut_hills.gpkg");
    char ws_path[1024]; /* (t_path's buffer is reused) */
    snprintf(ws_path, sizeof ws_path, "%s", t_path(t_dir, "r.wangge"));
    ck_assert_int_eq(t_sh("ogr2ogr -f GPKG '%s' '%s' -dialect sqlite -nlt MULTIPOLYGON -nln "
                          "communities -sql 'SELECT TRACT AS id, ST_Union(geom) AS geom FROM "
                          "blocks GROUP BY TRACT' 2>/dev/null",
                          t_path(t_dir, "tracts.gpkg"), src),
                     0);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, ws_path, NULL, &ws));
    const char *maps[] = {"id=BLOCK", "community=TRACT"};
    wg_import_opts o = {.maps = maps, .nmaps = 2};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", src, &o, &r));
    ck_assert_msg(r.tiling.tiles && strstr(r.kind_note, "kind = area (inferred"), "%s",
                  r.kind_note);
    ck_assert_int_eq((long long)r.tiling.n, 457);
    ck_assert_msg(r.tiling.touch_share > 0.95 && r.tiling.overlap < 0.01, "%s", r.kind_note);
    wg_import_opts oc = {0};
    T_OK(t_ctx, wg_import(ws, "communities", t_path(t_dir, "tracts.gpkg"), &oc, &r));
    wg_part_opts po = {.target = 250, .min = 200, .max = 300, .seed = 1};
    wg_part_summary s;
    T_OK(t_ctx, wg_partition(ws, &po, &s));
    wg_ws_close(ws);
    ck_assert_int_eq(qi("SELECT count(*) FROM units WHERE kind = 'area'"), 457);
    /* dome cameras (30 m all round) at a point inside every third block */
    char *cams = t_sql(ws_path, "SELECT 'id,kind,x,y' UNION ALL SELECT * FROM (SELECT 'c' || fid "
                                "|| ',dome,' || X(PointOnSurface(geom)) || ',' || "
                                "Y(PointOnSurface(geom)) FROM units WHERE fid % 3 = 0 ORDER BY "
                                "fid)");
    t_write(t_path(t_dir, "cams.csv"), cams);
    free(cams);
    T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
    wg_import_opts ocam = {.src_crs = "EPSG:32616"};
    T_OK(t_ctx, wg_import(ws, "cameras", t_path(t_dir, "cams.csv"), &ocam, &r));
    ck_assert_int_eq(r.inserted, 152);
    wg_assign_opts ao = {0};
    wg_assign_result a;
    T_OK(t_ctx, wg_assign(ws, &ao, &a));
    wg_ws_close(ws);
    /* no buildings: the open ground is the cells' whole area */
    ck_assert_msg(a.area_m2 > 12e6 && fabs(a.open_m2 - a.area_m2) < 1e-6 * a.area_m2,
                  "open %.1f of %.1f m2", a.open_m2, a.area_m2);
    ck_assert_msg(a.links > 100 && a.cameras_seeing == 152, "%lld links, %lld cameras seeing",
                  (long long)a.links, (long long)a.cameras_seeing);
    ck_assert_msg(a.seen_m2 > 0 && a.seen_m2 < a.open_m2, "seen %.1f m2", a.seen_m2);
    ck_assert_int_eq(a.households, 16766);
    double share = (double)a.households_seen / (double)a.households;
    ck_assert_msg(share > 0 && share < 1, "households seen %.4f", share);
    /* each cell: households seen = sum of its blocks' households x the share of the block seen
     * (rounded once per cell) */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cell_coverage cc WHERE abs(cc.households_seen - (SELECT "
             "coalesce(sum(u.households * coalesce(ST_Area(ST_Intersection(u.geom, (SELECT "
             "GeomFromWKB(wkb, 32616) FROM cell_seen s WHERE s.cell = cc.cell))), 0) / "
             "ST_Area(u.geom)), 0) FROM cell_units m JOIN units u ON u.id = m.unit WHERE m.plan "
             "= %lld AND m.cell = cc.cell)) > 0.5 + 1e-6",
             (long long)s.plan);
    ck_assert_int_eq(qi(sql), 0);
    ck_assert_int_eq(qi("SELECT sum(households_seen) FROM cell_coverage"), a.households_seen);
    /* a generated buildings layer: a 10 m square 10 m east of each camera, in its view */
    char *bld = t_sql(ws_path,
                      "SELECT 'id,wkt' UNION ALL SELECT * FROM (SELECT printf('b%d,\"POLYGON((%f "
                      "%f,%f %f,%f %f,%f %f,%f %f))\"', fid, x + 10, y - 5, x + 20, y - 5, x + 20, "
                      "y + 5, x + 10, y + 5, x + 10, y - 5) FROM (SELECT fid, X(geom) AS x, "
                      "Y(geom) AS y FROM cameras) ORDER BY fid)");
    t_write(t_path(t_dir, "bld.csv"), bld);
    free(bld);
    T_OK(t_ctx, wg_ws_open(t_ctx, ws_path, &ws));
    T_OK(t_ctx, wg_import(ws, "buildings", t_path(t_dir, "bld.csv"), &ocam, &r));
    ck_assert_int_eq(r.inserted, 152);
    wg_assign_result b;
    T_OK(t_ctx, wg_assign(ws, &ao, &b));
    wg_ws_close(ws);
    snprintf(sql, sizeof sql,
             "SELECT ST_Area(ST_Intersection((SELECT ST_Union(geom) FROM buildings), (SELECT "
             "ST_Union(geom) FROM cells WHERE plan = %lld)))",
             (long long)s.plan);
    double built = qd(sql);
    ck_assert_msg(built > 100 * 100.0, "buildings cover %.1f m2 of the cells", built);
    ck_assert_msg(fabs(b.open_m2 - (b.area_m2 - built)) < 1.0, "open %.1f, expected %.1f - %.1f",
                  b.open_m2, b.area_m2, built);
    ck_assert_msg(b.links > 0 && b.seen_m2 < a.seen_m2, "links %lld, seen %.1f (was %.1f)",
                  (long long)b.links, b.seen_m2, a.seen_m2);
    ck_assert_msg(b.households_seen <= a.households_seen, "hh seen %lld (was %lld)",
                  (long long)b.households_seen, (long long)a.households_seen);
}
END_TEST

TCase *tcase_realdata(void)
{
    TCase *tc = tcase_create("realdata");
    tcase_set_tags(tc, T_REALDATA_TAG);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cincinnati_blocks_as_units_in_us_feet);
    tcase_add_test(tc, nyc_tracts_as_units_with_households);
    tcase_add_test(tc, nyc_ntas_as_communities);
    tcase_add_test(tc, nyc311_2011_lonlat_as_incidents);
    tcase_add_test(tc, nyc311_2011_state_plane_feet_as_incidents);
    tcase_add_test(tc, nyc311_2013_as_incidents);
    tcase_add_test(tc, nyc311_2023_as_incidents);
    tcase_add_test(tc, nyc311_2025_as_incidents);
    tcase_add_test(tc, sf_crime_as_incidents_in_us_feet);
    tcase_add_test(tc, sf_blockgroups_as_communities);
    tcase_add_test(tc, newhaven_incidents_with_free_text_times);
    tcase_add_test(tc, newhaven_streets_as_barriers_and_streets);
    tcase_add_test(tc, boston_311_as_incidents);
    tcase_add_test(tc, boston_crimes_as_incidents);
    tcase_add_test(tc, boston_vision_zero_crashes_as_incidents);
    tcase_add_test(tc, nyc_dot_cameras_as_cameras);
    tcase_add_test(tc, atlanta_gdot_cctv_as_cameras);
    tcase_add_test(tc, osm_surveillance_switzerland_as_cameras);
    tcase_add_test(tc, shanghai_fence_gcj02_as_communities);
    tcase_add_test(tc, shanghai_adcode_table_is_refused_plainly);
    tcase_add_test(tc, cincinnati_blocks_are_areas_in_coverage);
    return tc;
}
