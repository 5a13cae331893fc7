/* tests/engine/test_fields.c: finding a source's fields as a user brings them — the names
 * case systems export, the unused columns and the warnings about them, headerless CSV with
 * named columns, and the administrative codes table. */
#include "support.h"
#include "wg/import.h"
#include "wg/store.h"
#include "wg/ws.h"

#include <stdio.h>
#include <string.h>

TCase *tcase_fields(void);
TCase *tcase_fields_realdata(void);

static wg_ws *new_ws(const char *crs)
{
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_create(t_ctx, t_path(t_dir, "f.wangge"), crs, &ws));
    return ws;
}

static long long q(const char *sql)
{
    return t_sql_i64(t_path(t_dir, "f.wangge"), sql);
}

/* The warning that holds both pieces, or NULL. */
static const char *warning_with(const char *a, const char *b)
{
    for (size_t i = 0; i < wg_ctx_warning_count(t_ctx); i++) {
        const char *w = wg_ctx_warning(t_ctx, i);
        if (strstr(w, a) && (!b || strstr(w, b)))
            return w;
    }
    return NULL;
}

static void no_warning_with(const char *a)
{
    ck_assert_msg(!warning_with(a, NULL), "unexpected warning: %s", warning_with(a, NULL));
}

static const char *const adcode_columns[] = {
    "code",      "parent",   "name",         "level",   "rank",  "adcode",    "post_code",
    "area_code", "ur_code",  "municipality", "virtual", "dummy", "longitude", "latitude",
    "center",    "province", "city",         "county",  "town",  "village"};

/* The case of the issue: reported_at and closed_at were dropped and every case counted open. */
START_TEST(incident_times_found_by_their_usual_names)
{
    const char *src = t_path(t_dir, "incidents.csv");
    t_write(src, "id,x,y,category,reported_at,closed_at,finished_on,note\n"
                 "1,500000,3450000,litter,2024-01-02 10:00,2024-01-03 11:00,2024-01-04,a\n"
                 "2,500100,3450100,noise,2024-01-02 12:00,,2024/01/05 09:00,b\n");
    wg_ws *ws = new_ws("EPSG:4549");
    wg_import_opts o = {.src_crs = "EPSG:4549"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    wg_ws_close(ws);
    ck_assert_msg(strstr(r.mapping, "reported <- reported_at") &&
                      strstr(r.mapping, "closed <- closed_at"),
                  "mapping: %s", r.mapping);
    ck_assert_str_eq(r.unused, "finished_on, note");
    ck_assert_str_eq(r.coords, "x, y");
    /* closed has its source: finished_on could only be due or dispatched */
    ck_assert_msg(warning_with("incidents.csv: column 'finished_on' looks like a time",
                               "--map FIELD=finished_on (FIELD: a time field with no source yet: "
                               "dispatched, due)"),
                  "warnings: %zu", wg_ctx_warning_count(t_ctx));
    no_warning_with("'note'");
    ck_assert_int_eq(q("SELECT count(reported) FROM incidents"), 2);
    ck_assert_int_eq(q("SELECT count(closed) FROM incidents"), 1);
    /* 2024-01-03 11:00Z: 2024-01-01 = 1704067200; + 2 days (1704240000) + 39600 s */
    ck_assert_int_eq(q("SELECT closed FROM incidents WHERE id = '1'"), 1704279600LL);
}
END_TEST

/* Without closed_at, the unusual name is the one a --map would put in closed. */
START_TEST(unused_time_column_names_the_map_that_uses_it)
{
    const char *src = t_path(t_dir, "incidents.csv");
    t_write(src, "case_id,lon,lat,complaint_type,created_date,finished_on,on_time,zip\n"
                 "c1,114.1,31.1,litter,2024-01-02T10:00:00Z,2024-01-03 11:00,ONTIME,10027\n");
    wg_ws *ws = new_ws("EPSG:4549");
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, NULL, &r));
    wg_ws_close(ws);
    ck_assert_msg(strstr(r.mapping, "id <- case_id") &&
                      strstr(r.mapping, "category <- complaint_type") &&
                      strstr(r.mapping, "reported <- created_date"),
                  "mapping: %s", r.mapping);
    ck_assert_str_eq(r.unused, "finished_on, on_time, zip");
    ck_assert_msg(warning_with("column 'finished_on' looks like a time",
                               "to use it: --map closed=finished_on"),
                  "no warning for finished_on");
    /* a name with "time" in it whose values are no times (Boston's on_time), a zip code */
    no_warning_with("'on_time'");
    no_warning_with("'zip'");
}
END_TEST

/* Chinese exports: 案件编号, 事件类型, 上报时间, and 经度/纬度 for the points. */
START_TEST(chinese_field_names_and_coordinates)
{
    const char *src = t_path(t_dir, "案件.csv");
    t_write(src, "案件编号,经度,纬度,事件类型,上报时间,结案时间,状态,来源,X坐标,Y坐标\n"
                 "A1,121.43,31.19,占道经营,2024-01-02 10:00,2024-01-02 12:00,已结案,巡查,1,2\n");
    wg_ws *ws = new_ws(NULL);
    wg_import_opts o = {.tz = "Asia/Shanghai"};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    wg_ws_close(ws);
    ck_assert_msg(
        strstr(r.mapping, "id <- 案件编号") && strstr(r.mapping, "category <- 事件类型") &&
            strstr(r.mapping, "reported <- 上报时间") && strstr(r.mapping, "closed <- 结案时间") &&
            strstr(r.mapping, "status <- 状态") && strstr(r.mapping, "source <- 来源"),
        "mapping: %s", r.mapping);
    ck_assert_str_eq(r.coords, "经度, 纬度");
    ck_assert_str_eq(r.unused, "X坐标, Y坐标");
    ck_assert_msg(
        warning_with("columns 'X坐标' and 'Y坐标' look like coordinates", "--xy X坐标,Y坐标"),
        "no coordinate warning");
    /* 2024-01-02 10:00 +08:00 = 02:00Z = 1704067200 + 86400 + 7200 */
    ck_assert_int_eq(q("SELECT reported FROM incidents WHERE id = 'A1'"), 1704160800LL);
}
END_TEST

/* A --map'ped field is not found again by an alias: dispatch_ts mapped to reported does not
 * also fill dispatched. */
START_TEST(mapped_field_is_not_reused_by_an_alias)
{
    const char *src = t_path(t_dir, "crash.csv");
    t_write(src, "id,lat,long,dispatch_ts\n1,42.3,-71.06,2017-05-22 19:34:38+00\n");
    wg_ws *ws = new_ws(NULL);
    const char *maps[] = {"reported=dispatch_ts"};
    wg_import_opts o = {.maps = maps, .nmaps = 1};
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "incidents", src, &o, &r));
    wg_ws_close(ws);
    ck_assert_msg(!strstr(r.mapping, "dispatched"), "mapping: %s", r.mapping);
    ck_assert_str_eq(r.unused, "");
    ck_assert_int_eq(q("SELECT count(dispatched) FROM incidents"), 0);
    ck_assert_int_eq(q("SELECT reported FROM incidents"), 1495481678LL);
}
END_TEST

/* --columns: a CSV without a header row; a wrong count names the file and both counts. */
START_TEST(headerless_csv_with_named_columns)
{
    const char *src = t_path(t_dir, "codes.csv");
    t_write(src, "310104000000,310100000000,徐汇区,county\n"
                 "310104003000,310104000000,天平路街道,town\n"
                 "310104003002,310104003000,德昌居委会,village\n"
                 "310104003003,310104003000,建襄居委会,village\n");
    wg_ws *ws = new_ws(NULL);
    const char *cols[] = {"code", "parent", "name", "level"};
    wg_import_opts o = {.columns = cols, .ncolumns = 3};
    wg_import_result r;
    ck_assert_int_eq(wg_import(ws, "codes", src, &o, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "codes.csv: --columns names 3 columns, but line 1 "
                                               "of the file has 4"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    o.ncolumns = 4;
    T_OK(t_ctx, wg_import(ws, "codes", src, &o, &r));
    ck_assert_int_eq(r.inserted, 4); /* the first line is a row, not a header */
    ck_assert_str_eq(r.mapping, "id <- code, parent <- parent, name <- name, level <- level");
    char lev[8][32];
    int64_t n[8];
    size_t nlev = 0;
    T_OK(t_ctx, wg_ws_code_levels(ws, lev, n, 8, &nlev));
    ck_assert_uint_eq(nlev, 3);
    ck_assert_str_eq(lev[0], "county");
    ck_assert_str_eq(lev[2], "village");
    ck_assert_int_eq(n[2], 2);

    /* communities: 德昌 takes its parent from the table; 建襄 names one the table lacks */
    const char *gj = t_path(t_dir, "comm.geojson");
    t_write(gj, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{"
                "\"name\":\"EPSG:4326\"}},\"features\":["
                "{\"type\":\"Feature\",\"properties\":{\"id\":\"310104003002\",\"parent\":null},"
                "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[121.43,31.19],[121.44,"
                "31.19],[121.44,31.2],[121.43,31.2],[121.43,31.19]]]}},"
                "{\"type\":\"Feature\",\"properties\":{\"id\":\"310104003003\",\"parent\":"
                "\"310104999000\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[121.45,"
                "31.19],[121.46,31.19],[121.46,31.2],[121.45,31.2],[121.45,31.19]]]}}]}");
    T_OK(t_ctx, wg_import(ws, "communities", gj, NULL, &r));
    ck_assert_int_eq(r.parents_from_codes, 1);
    ck_assert_msg(warning_with("comm.geojson: feature 1 (id '310104003003'): parent '310104999000' "
                               "is not in the codes table (4 codes)",
                               NULL),
                  "no warning for the unknown parent");
    wg_ws_close(ws);
    ck_assert_int_eq(q("SELECT count(*) FROM communities WHERE id = '310104003002' AND parent = "
                       "'310104003000'"),
                     1);
    ck_assert_int_eq(q("SELECT count(*) FROM communities WHERE id = '310104003003' AND parent = "
                       "'310104999000'"),
                     1);
}
END_TEST

/* --columns on something that is not a CSV, and names given twice, are refused plainly. */
START_TEST(columns_refused_where_they_cannot_apply)
{
    const char *gj = t_path(t_dir, "a.geojson");
    t_write(gj, "{\"type\":\"FeatureCollection\",\"features\":[]}");
    const char *csv = t_path(t_dir, "b.csv");
    t_write(csv, "1,2\n");
    wg_ws *ws = new_ws(NULL);
    const char *cols[] = {"code", "CODE"};
    wg_import_opts o = {.columns = cols, .ncolumns = 2};
    wg_import_result r;
    ck_assert_int_eq(wg_import(ws, "codes", gj, &o, &r), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "a.geojson: --columns names the columns of a CSV"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    ck_assert_int_eq(wg_import(ws, "codes", csv, &o, &r), WG_EINPUT);
    ck_assert_msg(
        strstr(wg_ctx_errmsg(t_ctx), "b.csv: --columns: 'CODE' names both column 1 and column 2"),
        "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    wg_ws_close(ws);
}
END_TEST

/* ---- Real data ------------------------------------------------------------------------- */

/* NYC 311 2011 with no --map at all: the times come in as with the explicit mapping
 * (test_realdata.c: 1,361 Closed Date and 1,386 Due Date among the 1,402 located rows). */
START_TEST(nyc311_times_without_map)
{
    wg_ws *ws = new_ws(NULL);
    wg_import_opts o = {.tz = "America/New_York", .skip_invalid = true};
    wg_import_result r;
    T_OK(t_ctx,
         wg_import(ws, "incidents", t_realdata("nyc_311/nyc311_2011_tuplex_micro.csv.gz"), &o, &r));
    wg_ws_close(ws);
    ck_assert_int_eq(r.inserted, 1402);
    ck_assert_int_eq(q("SELECT count(reported) FROM incidents"), 1402);
    ck_assert_int_eq(q("SELECT count(closed) FROM incidents"), 1361);
    ck_assert_int_eq(q("SELECT count(due) FROM incidents"), 1386);
    ck_assert_int_eq(q("SELECT closed FROM incidents WHERE id = '19937901'"), 1300220059LL);
    ck_assert_int_eq(q("SELECT count(*) FROM incidents WHERE status = 'Closed'"), 1359);
    ck_assert_msg(strstr(r.unused, "Resolution Action Updated Date") &&
                      strstr(r.unused, "X Coordinate (State Plane)"),
                  "unused: %s", r.unused);
    ck_assert_msg(warning_with("'X Coordinate (State Plane)' and 'Y Coordinate (State Plane)' "
                               "look like coordinates",
                               "--xy 'X Coordinate (State Plane),Y Coordinate (State Plane)'"),
                  "no coordinate warning");
}
END_TEST

/* Boston 311: open_dt, sla_target_dt, closed_dt (all empty), source and type, no --map. */
START_TEST(boston311_times_without_map)
{
    wg_ws *ws = new_ws(NULL);
    wg_import_opts o = {.tz = "America/New_York", .skip_invalid = true};
    wg_import_result r;
    T_OK(t_ctx,
         wg_import(ws, "incidents", t_realdata("boston_311_crime/boston_311.csv.gz"), &o, &r));
    wg_ws_close(ws);
    ck_assert_str_eq(r.mapping, "id <- case_enquiry_id, category <- type, source <- source, "
                                "status <- case_status, reported <- open_dt, closed <- closed_dt, "
                                "due <- sla_target_dt");
    ck_assert_int_eq(q("SELECT count(reported) FROM incidents"), 2422);
    ck_assert_int_eq(q("SELECT count(due) FROM incidents"), 2422);
    ck_assert_int_eq(q("SELECT count(closed) FROM incidents"), 0);
    ck_assert_int_eq(q("SELECT due FROM incidents WHERE id = '101005870246'"), 1738917000LL);
    ck_assert_int_eq(q("SELECT count(*) FROM incidents WHERE source = 'Employee Generated'"), 739);
    no_warning_with("'on_time'");
}
END_TEST

/* Boston crimes: OCCURRED_ON_DATE, OFFENSE_DESCRIPTION, INCIDENT_NUMBER and Lat/Long. */
START_TEST(boston_crimes_without_map)
{
    wg_ws *ws = new_ws(NULL);
    wg_import_opts o = {.tz = "America/New_York", .skip_invalid = true};
    wg_import_result r;
    T_OK(t_ctx,
         wg_import(ws, "incidents",
                   t_realdata("boston_311_crime/boston_crimes-incident-report.csv.gz"), &o, &r));
    wg_ws_close(ws);
    ck_assert_str_eq(r.coords, "Long, Lat");
    ck_assert_int_eq(r.inserted, 15135);
    ck_assert_int_eq(q("SELECT count(reported) FROM incidents"), 15135);
    ck_assert_int_eq(q("SELECT reported FROM incidents WHERE id = '232006708'"), 1674723600LL);
    ck_assert_int_eq(q("SELECT count(*) FROM incidents WHERE id = '232097653' AND category = "
                       "'ROBBERY'"),
                     1);
}
END_TEST

/* The Xuhui code table: 1 district, 14 streets/towns, 306 committees; 德昌居委会 lies in
 * 天平路街道, which lies in 徐汇区. */
START_TEST(shanghai_codes_with_columns)
{
    wg_ws *ws = new_ws(NULL);
    wg_import_opts o = {.columns = adcode_columns, .ncolumns = 20};
    wg_import_result r;
    T_OK(t_ctx,
         wg_import(ws, "codes", t_realdata("shanghai_xuhui_adcode/adcode_310104.csv"), &o, &r));
    ck_assert_int_eq(r.inserted, 321);
    ck_assert_msg(strstr(r.unused, "longitude, latitude"), "unused: %s", r.unused);
    char lev[8][32];
    int64_t n[8];
    size_t nlev = 0;
    T_OK(t_ctx, wg_ws_code_levels(ws, lev, n, 8, &nlev));
    ck_assert_uint_eq(nlev, 3);
    ck_assert_str_eq(lev[0], "county");
    ck_assert_int_eq(n[0], 1);
    ck_assert_str_eq(lev[1], "town");
    ck_assert_int_eq(n[1], 14);
    ck_assert_str_eq(lev[2], "village");
    ck_assert_int_eq(n[2], 306);
    /* a wrong count names the file and both counts */
    o.ncolumns = 19;
    ck_assert_int_eq(
        wg_import(ws, "codes", t_realdata("shanghai_xuhui_adcode/adcode_310104.csv"), &o, &r),
        WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "adcode_310104.csv: --columns names 19 columns, "
                                               "but line 1 of the file has 20"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);
    wg_ws_close(ws);
    ck_assert_int_eq(q("SELECT count(*) FROM codes c JOIN codes s ON s.id = c.parent JOIN codes d "
                       "ON d.id = s.parent WHERE c.id = '310104003002' AND c.name = '德昌居委会' "
                       "AND s.name = '天平路街道' AND d.name = '徐汇区' AND d.level = 'county'"),
                     1);
}
END_TEST

TCase *tcase_fields(void)
{
    TCase *tc = tcase_create("fields");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, incident_times_found_by_their_usual_names);
    tcase_add_test(tc, unused_time_column_names_the_map_that_uses_it);
    tcase_add_test(tc, chinese_field_names_and_coordinates);
    tcase_add_test(tc, mapped_field_is_not_reused_by_an_alias);
    tcase_add_test(tc, headerless_csv_with_named_columns);
    tcase_add_test(tc, columns_refused_where_they_cannot_apply);
    return tc;
}

TCase *tcase_fields_realdata(void)
{
    TCase *tc = tcase_create("fields_realdata");
    tcase_set_tags(tc, T_REALDATA_TAG);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, nyc311_times_without_map);
    tcase_add_test(tc, boston311_times_without_map);
    tcase_add_test(tc, boston_crimes_without_map);
    tcase_add_test(tc, shanghai_codes_with_columns);
    return tc;
}
