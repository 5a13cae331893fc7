/* tests/engine/test_import.c: import and export on small hand-made sources — field mapping,
 * upserts, duplicates, rejects, all-or-nothing, CRS choice, times, exact round trips. */
#include "support.h"
#include "wg/import.h"
#include "wg/ws.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_import(void);

static wg_ws *new_ws(const char *name, const char *crs)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, name), crs, &ws));
    return ws;
}

/* One integer from SQL run on a workspace file (read-only connection). */
static long long q1(const char *ws_name, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(t_path(t_dir, ws_name), &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    sqlite3_enable_load_extension(db, 1);
    ck_assert_int_eq(sqlite3_load_extension(db, "mod_spatialite", NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* Four 100 m squares in a row in EPSG:4549 with households 10, 20, 30, 40 (field NB_HH). */
static const char *squares(const char *name, const char *hh3)
{
    char text[4096];
    int n = snprintf(text, sizeof text,
                     "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{"
                     "\"name\":\"EPSG:4549\"}},\"features\":[");
    for (int i = 0; i < 4; i++) {
        double x = 500000 + 100 * i, y = 3450000;
        char hh[32];
        snprintf(hh, sizeof hh, "%d", 10 * (i + 1));
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"u%d\",\"NB_HH\":%s,"
                      "\"compound\":\"%s\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[["
                      "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
                      i ? "," : "", i, i == 2 && hh3 ? hh3 : hh, i < 2 ? "c1" : "c2", x, y, x + 100,
                      y, x + 100, y + 100, x, y + 100, x, y);
    }
    snprintf(text + n, sizeof text - (size_t)n, "]}");
    const char *p = t_path(t_dir, name);
    t_write(p, text);
    return p;
}

START_TEST(units_with_mapped_households)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:4549");
    const char *maps[] = {"households=NB_HH"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", squares("u.geojson", NULL), &o, &r));
    ck_assert_int_eq(r.features, 4);
    ck_assert_int_eq(r.inserted, 4);
    ck_assert_int_eq(r.updated, 0);
    ck_assert_msg(strstr(r.mapping, "households <- NB_HH"), "got: %s", r.mapping);
    wg_ws_close(ws);
    ck_assert_int_eq(q1("w.wangge", "SELECT sum(households) FROM units"), 100);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM units WHERE kind = 'building'"), 4);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(DISTINCT compound) FROM units"), 2);
    ck_assert_int_eq(q1("w.wangge", "SELECT round(sum(ST_Area(geom))) FROM units"), 40000);
    ck_assert_int_eq(
        q1("w.wangge", "SELECT count(*) FROM units WHERE GeometryType(geom) = 'MULTIPOLYGON'"), 4);
}
END_TEST

START_TEST(reimport_updates_never_duplicates)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:4549");
    const char *maps[] = {"households=NB_HH"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", squares("u.geojson", NULL), &o, &r));
    T_OK(t_ctx, wg_import(ws, "units", squares("u2.geojson", "300"), &o, &r));
    ck_assert_int_eq(r.inserted, 0);
    ck_assert_int_eq(r.updated, 4);
    wg_ws_close(ws);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM units"), 4);
    ck_assert_int_eq(q1("w.wangge", "SELECT households FROM units WHERE id = 'u2'"), 300);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM imports"), 2);
}
END_TEST

START_TEST(bad_households_fail_whole_import_and_leave_file_alone)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:4549");
    wg_ws_close(ws);
    t_copy(t_path(t_dir, "w.wangge"), t_path(t_dir, "before"));
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "w.wangge"), &ws));
    const char *maps[] = {"households=NB_HH"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    static const char *const bad[] = {"-3", "\"many\"", "null", "2.5"};
    static const char *const want[] = {"must be >= 0", "is not a number", "households is missing",
                                       "not a whole number"};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(wg_import(ws, "units", squares("bad.geojson", bad[i]), &o, &r), WG_EINPUT);
        const char *msg = wg_ctx_errmsg(t_ctx);
        ck_assert_msg(strstr(msg, "bad.geojson: feature 2 (id 'u2')") && strstr(msg, want[i]),
                      "got: %s", msg);
        wg_ctx_clear(t_ctx);
    }
    wg_ws_close(ws);
    ck_assert(t_same_bytes(t_path(t_dir, "w.wangge"), t_path(t_dir, "before")));
}
END_TEST

START_TEST(skip_invalid_keeps_good_and_lists_rejects)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32651");
    const char *p = t_path(t_dir, "inc.csv");
    t_write(p, "id,lon,lat,category\n"
               "a,121.47,31.23,noise\n"
               "b,,,noise\n"
               "c,0,0,noise\n"
               "a,121.48,31.24,dup\n"
               "d,121.49,31.25,parking\n");
    wg_import_result r;
    ck_assert_int_eq(wg_import(ws, "incidents", p, NULL, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "inc.csv: line 3 (id 'b'): no geometry"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    wg_import_opts o = {.skip_invalid = true, .rejects_path = t_path(t_dir, "rej.csv")};
    T_OK(t_ctx, wg_import(ws, "incidents", p, &o, &r));
    ck_assert_int_eq(r.features, 5);
    ck_assert_int_eq(r.inserted, 2);
    ck_assert_int_eq(r.rejected, 3);
    wg_ws_close(ws);
    char *rej = t_read(t_path(t_dir, "rej.csv"), NULL);
    ck_assert_ptr_nonnull(rej);
    ck_assert_msg(strstr(rej, "line 3,\"b\",\"no geometry") && strstr(rej, "line 4,\"c\"") &&
                      strstr(rej, "line 5,\"a\",\"the same id appears more than once"),
                  "got: %s", rej);
    free(rej);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM incidents"), 2);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM incidents WHERE category = 'noise'"), 1);
}
END_TEST

START_TEST(first_import_chooses_utm_zone)
{
    wg_ws *ws = new_ws("w.wangge", NULL);
    const char *p = t_path(t_dir, "cams.csv");
    t_write(p, "id,longitude,latitude\nk1,121.47,31.23\nk2,121.50,31.20\n");
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", p, NULL, &r));
    ck_assert_str_eq(wg_ws_crs(ws), "EPSG:32651");
    ck_assert_msg(strstr(r.crs_note, "EPSG:32651"), "got: %s", r.crs_note);
    wg_ws_close(ws);
    /* 121.47E 31.23N in UTM 51N: x about 354 km, y about 3456 km */
    long long x = q1("w.wangge", "SELECT round(X(geom)) FROM cameras WHERE id = 'k1'");
    ck_assert_int_gt(x, 350000);
    ck_assert_int_lt(x, 360000);
}
END_TEST

START_TEST(times_land_as_utc_instants)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32618");
    const char *p = t_path(t_dir, "t.csv");
    t_write(p, "id,lon,lat,reported,closed,d,t\n"
               "1,-73.99,40.66,2025-03-14T09:26:00+08:00,03/01/2011 02:27:57 PM,"
               "\"Thu, Sept. 18th 2014\",01:53 p.m.\n");
    const char *maps[] = {"due=d+t"};
    wg_import_opts o = {.maps = maps, .nmaps = 1, .tz = "America/New_York"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", p, &o, &r));
    wg_ws_close(ws);
    /* 2025-03-14T01:26:00Z */
    ck_assert_int_eq(q1("w.wangge", "SELECT reported FROM incidents"), 1741915560LL);
    /* 2011-03-01 14:27:57 EST = 19:27:57Z */
    ck_assert_int_eq(q1("w.wangge", "SELECT closed FROM incidents"), 1299007677LL);
    /* 2014-09-18 13:53 EDT = 17:53Z */
    ck_assert_int_eq(q1("w.wangge", "SELECT due FROM incidents"), 1411062780LL);
}
END_TEST

START_TEST(bad_time_is_rejected_with_its_line)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32618");
    const char *p = t_path(t_dir, "t.csv");
    t_write(p, "id,lon,lat,reported\n1,-73.99,40.66,2025-01-01\n2,-73.99,40.66,yesterday\n");
    wg_import_result r;
    ck_assert_int_eq(wg_import(ws, "incidents", p, NULL, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "t.csv: line 3 (id '2'): reported: cannot read "
                                               "'yesterday'"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    const char *fmt = t_path(t_dir, "f.csv");
    t_write(fmt, "id,lon,lat,reported\n1,-73.99,40.66,14.03.2025 09h26\n");
    wg_import_opts o = {.time_format = "%d.%m.%Y %Hh%M"};
    T_OK(t_ctx, wg_import(ws, "incidents", fmt, &o, &r));
    wg_ws_close(ws);
    ck_assert_int_eq(q1("w.wangge", "SELECT reported FROM incidents WHERE id = '1'"), 1741944360LL);
}
END_TEST

START_TEST(usage_errors_name_the_field)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:4549");
    wg_import_result r;
    ck_assert_int_eq(wg_import(ws, "units", squares("u.geojson", NULL), NULL, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "no 'households' field") &&
                      strstr(wg_ctx_errmsg(t_ctx), "--map households=FIELD"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    const char *maps[] = {"hh=NB_HH"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    ck_assert_int_eq(wg_import(ws, "units", squares("u.geojson", NULL), &o, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "--map hh=NB_HH: the units layer has no such field"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_import(ws, "blocks", squares("u.geojson", NULL), NULL, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "unknown layer 'blocks'"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_import(ws, "incidents", squares("u.geojson", NULL), NULL, &r), WG_EINPUT);
    ck_assert_msg(
        strstr(wg_ctx_errmsg(t_ctx), "has polygons, but the incidents layer needs points"),
        "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ws_close(ws);
}
END_TEST

/* Compares every row of a layer between two workspaces: fields and WKB, byte for byte. */
static void same_rows(const char *a, const char *b, const char *layer, const char *cols)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(t_path(t_dir, a), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_enable_load_extension(db, 1);
    ck_assert_int_eq(sqlite3_load_extension(db, "mod_spatialite", NULL, NULL), SQLITE_OK);
    char sql[1024];
    snprintf(sql, sizeof sql, "ATTACH '%s' AS other", t_path(t_dir, b));
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM main.%s), (SELECT count(*) FROM other.%s), "
             "(SELECT count(*) FROM (SELECT %s FROM main.%s EXCEPT SELECT %s FROM other.%s))",
             layer, layer, cols, layer, cols, layer);
    sqlite3_stmt *q = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    ck_assert_int_gt(sqlite3_column_int64(q, 0), 0);
    ck_assert_int_eq(sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
    ck_assert_msg(sqlite3_column_int64(q, 2) == 0, "%s: %lld rows differ", layer,
                  (long long)sqlite3_column_int64(q, 2));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

START_TEST(import_export_import_round_trips_exactly)
{
    static const char *const exts[] = {"gpkg", "geojson", "fgb"};
    wg_ws *ws = new_ws("a.wangge", "EPSG:4549");
    const char *maps[] = {"households=NB_HH"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "units", squares("u.geojson", NULL), &o, &r));
    const char *inc = t_path(t_dir, "inc.csv");
    t_write(inc, "id,lon,lat,category,reported,closed,heading\n"
                 "i1,120.0000001,31.1234567891,noise,2025-01-02T03:04:05Z,,\n"
                 "i2,120.0100002,31.2,\"quoted, text\",2025-01-02T03:04:05+08:00,"
                 "2025-01-03T00:00:00Z,\n");
    T_OK(t_ctx, wg_import(ws, "incidents", inc, NULL, &r));
    for (size_t e = 0; e < 3; e++) {
        char out[32], wsname[32];
        snprintf(out, sizeof out, "units.%s", exts[e]);
        int64_t n = 0;
        T_OK(t_ctx, wg_export(ws, "units", t_path(t_dir, out), 0, &n));
        ck_assert_int_eq(n, 4);
        snprintf(wsname, sizeof wsname, "b%zu.wangge", e);
        wg_ws *ws2 = new_ws(wsname, "EPSG:4549");
        T_OK(t_ctx, wg_import(ws2, "units", t_path(t_dir, out), NULL, &r));
        snprintf(out, sizeof out, "inc.%s", exts[e]);
        T_OK(t_ctx, wg_export(ws, "incidents", t_path(t_dir, out), 0, &n));
        T_OK(t_ctx, wg_import(ws2, "incidents", t_path(t_dir, out), NULL, &r));
        wg_ws_close(ws2);
        ws2 = NULL;
        wg_ws_close(ws);
        ws = NULL;
        same_rows("a.wangge", wsname, "units",
                  "id, households, compound, community, kind, name, AsBinary(geom)");
        same_rows("a.wangge", wsname, "incidents",
                  "id, category, source, status, reported, dispatched, closed, due, "
                  "AsBinary(geom)");
        T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "a.wangge"), &ws));
    }
    wg_ws_close(ws);
}
END_TEST

TCase *tcase_import(void)
{
    TCase *tc = tcase_create("import");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, units_with_mapped_households);
    tcase_add_test(tc, reimport_updates_never_duplicates);
    tcase_add_test(tc, bad_households_fail_whole_import_and_leave_file_alone);
    tcase_add_test(tc, skip_invalid_keeps_good_and_lists_rejects);
    tcase_add_test(tc, first_import_chooses_utm_zone);
    tcase_add_test(tc, times_land_as_utc_instants);
    tcase_add_test(tc, bad_time_is_rejected_with_its_line);
    tcase_add_test(tc, usage_errors_name_the_field);
    tcase_add_test(tc, import_export_import_round_trips_exactly);
    return tc;
}
