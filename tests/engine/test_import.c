/* tests/engine/test_import.c: import and export on small hand-made sources — field mapping,
 * upserts, duplicates, rejects, all-or-nothing, CRS choice, times, exact round trips. */
#include "cameras.h"
#include "support.h"
#include "wg/import.h"
#include "wg/ws.h"

#include <math.h>
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

/* One integer from SQL run on a workspace file, as SQLite's column_int64() reads it. */
static long long q1(const char *ws_name, const char *sql)
{
    return t_sql_i64(t_path(t_dir, ws_name), sql);
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
    char sql[1024];
    snprintf(sql, sizeof sql,
             "ATTACH '%s' AS other;\n"
             "SELECT (SELECT count(*) FROM main.%s), (SELECT count(*) FROM other.%s), "
             "(SELECT count(*) FROM (SELECT %s FROM main.%s EXCEPT SELECT %s FROM other.%s));",
             t_path(t_dir, b), layer, layer, cols, layer, cols, layer);
    char *out = t_sql_quoted(t_path(t_dir, a), sql);
    ck_assert_msg(*out, "no row: %s", sql);
    const char *p = out;
    long long n[3];
    for (int k = 0; k < 3; k++) {
        t_field f = t_field_next(&p);
        ck_assert_int_eq(f.type, T_INT);
        n[k] = f.i;
    }
    free(out);
    ck_assert_int_gt(n[0], 0);
    ck_assert_int_eq(n[0], n[1]);
    ck_assert_msg(n[2] == 0, "%s: %lld rows differ", layer, n[2]);
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

/* ---- cameras: registers as they come ------------------------------------------------------ */

/* One camera as it must be stored: heading and fov in degrees, range and height in metres
 * (height < 0: NULL), defaulted (NULL: NULL). */
typedef struct cam_want {
    const char *id, *kind;
    double heading_deg, fov_deg, range_m, height_m;
    const char *defaulted;
} cam_want;

/* Checks every camera of want[] in the workspace file, and that there are no others. */
static void check_cameras(const char *ws_name, const cam_want *want, size_t n)
{
    ck_assert_int_eq(q1(ws_name, "SELECT count(*) FROM cameras"), (long long)n);
    /* all of them at once: id, kind, heading_deg, fov_deg, range_m, height_m, defaulted */
    char *all = t_sql_quoted(t_path(t_dir, ws_name),
                             "SELECT id, kind, heading_deg, fov_deg, range_m, height_m, defaulted "
                             "FROM cameras ORDER BY id");
    for (size_t i = 0; i < n; i++) {
        const cam_want *w = &want[i];
        /* the row whose id is w->id */
        const char *p = all;
        t_field id = {.type = T_NULL};
        while (*p) {
            id = t_field_next(&p);
            if (id.type == T_TEXT && strcmp(id.s, w->id) == 0)
                break;
            t_field_free(&id);
            p += strcspn(p, "\n");
            p += *p == '\n';
        }
        ck_assert_msg(id.s, "camera %s is missing", w->id);
        t_field_free(&id);
        t_field v[6];
        for (int k = 0; k < 6; k++)
            v[k] = t_field_next(&p);
        const char *kind = v[0].type == T_NULL ? NULL : v[0].type == T_TEXT ? v[0].s : "(not text)";
        ck_assert_msg(kind && strcmp(kind, w->kind) == 0, "%s: kind %s, want %s", w->id,
                      kind ? kind : "NULL", w->kind);
        const double exp[3] = {w->heading_deg, w->fov_deg, w->range_m};
        static const char *const what[3] = {"heading_deg", "fov_deg", "range_m"};
        for (int k = 0; k < 3; k++)
            ck_assert_msg(v[k + 1].type == T_REAL && fabs(v[k + 1].r - exp[k]) < 1e-9,
                          "%s: %s %.17g, want %.17g", w->id, what[k], v[k + 1].r, exp[k]);
        if (w->height_m < 0)
            ck_assert_msg(v[4].type == T_NULL, "%s: height %g, want NULL", w->id, v[4].r);
        else
            ck_assert_msg(v[4].type == T_REAL && v[4].r == w->height_m, "%s: height %g, want %g",
                          w->id, v[4].r, w->height_m);
        const char *d = v[5].type == T_NULL ? NULL : v[5].type == T_TEXT ? v[5].s : "(not text)";
        ck_assert_msg(w->defaulted ? d && strcmp(d, w->defaulted) == 0 : !d,
                      "%s: defaulted %s, want %s", w->id, d ? d : "NULL",
                      w->defaulted ? w->defaulted : "NULL");
        for (int k = 0; k < 6; k++)
            t_field_free(&v[k]);
    }
    free(all);
}

START_TEST(camera_register_osm_style)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32651");
    const char *p = t_path(t_dir, "osm.csv");
    t_write(p, "id,lon,lat,camera:type,camera:direction,fov,range_m,camera:height\n"
               "c01,121.401,31.201,fixed,45,,,6\n"
               "c02,121.402,31.201,Bullet,-90,60,80,12 m\n"
               "c03,121.403,31.201,BOX,NNE,70,40,5m\n"
               "c04,121.404,31.201,static,sw,100,60 m,\n"
               "c05,121.405,31.201,枪机,370.5,,30,\n"
               "c06,121.406,31.201,dome,,,,3\n"
               "c07,121.407,31.201,半球,E,,20,\n"
               "c08,121.408,31.201,ptz,300-60,40,,\n"
               "c09,121.409,31.201,Panning,90-270,,150,\n"
               "c10,121.410,31.201,pan,,,,\n"
               "c11,121.411,31.201,PAN-TILT,wnw,,,\n"
               "c12,121.412,31.201,球机,350-10,,,\n"
               "c13,121.413,31.201,high,,,,45\n"
               "c14,121.414,31.201,High-Mounted,,,500,\n"
               "c15,121.415,31.201,high_mounted,,,,\n"
               "c16,121.416,31.201,HighMounted,,,,\n"
               "c17,121.417,31.201,高空,,,,\n"
               "c18,121.418,31.201,高点,,,,\n"
               "c19,121.419,31.201,,,,,25 m\n"
               "c20,121.420,31.201,,0-360,,,\n"
               "c21,121.421,31.201,,,360,,\n"
               "c22,121.422,31.201,,W,50,10,\n"
               "c23,121.423,31.201,Fixed,,60,80,\n"
               "c24,121.424,31.201,,,,,19.5\n");
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", p, NULL, &r));
    ck_assert_int_eq(r.inserted, 24);
    ck_assert_msg(strstr(r.mapping, "kind <- camera:type") &&
                      strstr(r.mapping, "heading_deg <- camera:direction") &&
                      strstr(r.mapping, "height_m <- camera:height"),
                  "got: %s", r.mapping);
    wg_ws_close(ws);
    const char *all = "heading,fov,range";
    const cam_want want[] = {
        {"c01", "fixed", 45, 90, 50, 6, "fov,range"},
        {"c02", "fixed", 270, 60, 80, 12, NULL},
        {"c03", "fixed", 22.5, 70, 40, 5, NULL},
        {"c04", "fixed", 225, 100, 60, -1, NULL},
        {"c05", "fixed", 10.5, 90, 30, -1, "fov"},
        {"c06", "dome", 0, 360, 30, 3, "fov,range"},
        {"c07", "dome", 90, 360, 20, -1, "fov"},
        {"c08", "ptz", 0, 160, 100, -1, "range"}, /* sweep 120 wrapping north + lens 40 */
        {"c09", "ptz", 180, 180, 150, -1, NULL},  /* the sweep alone */
        {"c10", "ptz", 0, 360, 100, -1, "fov,range"},
        {"c11", "ptz", 292.5, 360, 100, -1, "fov,range"},
        {"c12", "ptz", 0, 20, 100, -1, "range"},
        {"c13", "high", 0, 360, 300, 45, "fov,range"},
        {"c14", "high", 0, 360, 500, -1, "fov"},
        {"c15", "high", 0, 360, 300, -1, "fov,range"},
        {"c16", "high", 0, 360, 300, -1, "fov,range"},
        {"c17", "high", 0, 360, 300, -1, "fov,range"},
        {"c18", "high", 0, 360, 300, -1, "fov,range"},
        {"c19", "high", 0, 360, 300, 25, "fov,range"}, /* no kind, 25 m up */
        {"c20", "ptz", 180, 360, 100, -1, "range"},    /* no kind, a sweep (a full turn) */
        {"c21", "dome", 0, 360, 30, -1, "range"},      /* no kind, 360° */
        {"c22", "fixed", 270, 50, 10, -1, NULL},       /* no kind */
        {"c23", "fixed", 0, 360, 80 * sqrt(60.0 / 360.0), -1, "heading"}, /* unpointed: disc */
        {"c24", "fixed", 0, 360, 25, 19.5, all}, /* no kind, below 20 m: fixed, a disc */
    };
    check_cameras("w.wangge", want, sizeof want / sizeof want[0]);
    ck_assert_int_eq(r.defaulted, 19);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(defaulted) FROM cameras"), 19);
}
END_TEST

START_TEST(camera_register_gbt28181_all_defaulted)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32650");
    const char *p = t_path(t_dir, "gb28181.csv");
    t_write(p, "DeviceID,Longitude,Latitude\n"
               "34010000001320000001,117.28341,31.86120\n"
               "34010000001320000002,117.28512,31.86204\n"
               "34010000001310000003,117.28703,31.86331\n");
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", p, NULL, &r));
    ck_assert_int_eq(r.inserted, 3);
    ck_assert_int_eq(r.defaulted, 3);
    ck_assert_msg(strstr(r.mapping, "id <- DeviceID"), "got: %s", r.mapping);
    wg_ws_close(ws);
    const cam_want want[] = {
        {"34010000001320000001", "fixed", 0, 360, 25, -1, "heading,fov,range"},
        {"34010000001320000002", "fixed", 0, 360, 25, -1, "heading,fov,range"},
        {"34010000001310000003", "fixed", 0, 360, 25, -1, "heading,fov,range"},
    };
    check_cameras("w.wangge", want, 3);
}
END_TEST

/* GeoJSON numbers come back from GDAL as text in buffers it reuses (fov_deg, range_m and
 * height_m here): each must be read before the next field overwrites it. */
START_TEST(fixed_camera_without_heading_is_a_disc_of_the_same_area)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32651");
    const char *p = t_path(t_dir, "k.geojson");
    t_write(p, "{\"type\":\"FeatureCollection\",\"features\":["
               "{\"type\":\"Feature\",\"properties\":{\"id\":\"f1\",\"kind\":\"fixed\"},"
               "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.40,31.20]}},"
               "{\"type\":\"Feature\",\"properties\":{\"id\":\"f2\",\"kind\":\"fixed\","
               "\"heading_deg\":null,\"fov_deg\":60,\"range_m\":80.5,\"height_m\":6.25},"
               "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.41,31.20]}}]}");
    wg_import_result r;
    T_OK(t_ctx, wg_import(ws, "cameras", p, NULL, &r));
    ck_assert_int_eq(r.defaulted, 2);
    wg_ws_close(ws);
    const cam_want want[] = {
        {"f1", "fixed", 0, 360, 25, -1, "heading,fov,range"},
        {"f2", "fixed", 0, 360, 80.5 * sqrt(60.0 / 360.0), 6.25, "heading"},
    };
    check_cameras("w.wangge", want, 2);
    /* the same area as the sector: pi r^2 = (60 / 360) pi 80.5^2 */
    ck_assert_int_eq(q1("w.wangge", "SELECT round(1000 * range_m * range_m * 360 / 60) FROM "
                                    "cameras WHERE id = 'f2'"),
                     6480250);
}
END_TEST

START_TEST(bad_camera_values_are_rejected_by_name)
{
    wg_ws *ws = new_ws("w.wangge", "EPSG:32651");
    const char *p = t_path(t_dir, "cams.csv");
    static const char *const bad[] = {"fixed,north-ish,", "tripod,90,", "fixed,90,0"};
    static const char *const want[] = {
        "heading_deg = 'north-ish' (expected degrees, a compass point N, NNE",
        "kind = 'tripod' (must be one of fixed (bullet, box, static, 枪机), dome (半球, 360), ptz "
        "(panning, pan, pan-tilt, 球机), high (high-mounted, high_mounted, highmounted, 高空, "
        "高点))",
        "fov_deg = 0 (must be > 0 and <= 360)"};
    wg_import_result r;
    for (int i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "id,lon,lat,kind,direction,fov_deg\n"
                 "k1,121.40,31.20,dome,,\n"
                 "k2,121.41,31.20,%s\n",
                 bad[i]);
        t_write(p, text);
        ck_assert_int_eq(wg_import(ws, "cameras", p, NULL, &r), WG_EINPUT);
        const char *msg = wg_ctx_errmsg(t_ctx);
        ck_assert_msg(strstr(msg, "cams.csv: line 3 (id 'k2'): ") && strstr(msg, want[i]),
                      "got: %s", msg);
        wg_ctx_clear(t_ctx);
    }
    wg_ws_close(ws);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM cameras"), 0);
    /* --skip-invalid keeps the good ones and lists the others */
    T_OK(t_ctx, wg_ws_open(t_ctx, t_path(t_dir, "w.wangge"), &ws));
    t_write(p, "id,lon,lat,kind,direction,fov_deg\n"
               "k1,121.40,31.20,dome,,\n"
               "k2,121.41,31.20,fixed,north-ish,\n"
               "k3,121.42,31.20,tripod,90,\n"
               "k4,121.43,31.20,fixed,90,0\n"
               "k5,121.44,31.20,fixed,90,400\n"
               "k6,121.45,31.20,fixed,90-90,\n");
    wg_import_opts o = {.skip_invalid = true, .rejects_path = t_path(t_dir, "rej.csv")};
    T_OK(t_ctx, wg_import(ws, "cameras", p, &o, &r));
    ck_assert_int_eq(r.inserted, 1);
    ck_assert_int_eq(r.rejected, 5);
    wg_ws_close(ws);
    char *rej = t_read(t_path(t_dir, "rej.csv"), NULL);
    ck_assert_ptr_nonnull(rej);
    ck_assert_msg(strstr(rej, "line 3,\"k2\",\"heading_deg = 'north-ish'") &&
                      strstr(rej, "line 4,\"k3\",\"kind = 'tripod'") &&
                      strstr(rej, "line 5,\"k4\",\"fov_deg = 0 (") &&
                      strstr(rej, "line 6,\"k5\",\"fov_deg = 400 (") &&
                      strstr(rej, "line 7,\"k6\",\"heading_deg = '90-90'"),
                  "got: %s", rej);
    free(rej);
    ck_assert_int_eq(q1("w.wangge", "SELECT count(*) FROM cameras WHERE id = 'k1'"), 1);
}
END_TEST

/* The rules on their own (engine/cameras.c is pure): edge cases of the texts. */
START_TEST(camera_texts_edge_cases)
{
    wg__cam_view v;
    char why[512];
    const char *t[WG__CAM_NFIELDS] = {NULL};
    t[WG__CAM_HEADING] = " 90 - 270 ";
    ck_assert(wg__cam_read(t, &v, why, sizeof why));
    ck_assert_str_eq(v.kind, "ptz");
    ck_assert_double_eq_tol(v.heading_deg, 180, 1e-12);
    ck_assert_double_eq_tol(v.fov_deg, 180, 1e-12);
    t[WG__CAM_HEADING] = "-720.25"; /* any real, brought into [0, 360) */
    ck_assert(wg__cam_read(t, &v, why, sizeof why));
    ck_assert_double_eq_tol(v.heading_deg, 359.75, 1e-12);
    t[WG__CAM_HEADING] = "200-100"; /* clockwise from 200 round to 100: 260 wide */
    t[WG__CAM_FOV] = "120";         /* plus the lens, capped at a full circle */
    ck_assert(wg__cam_read(t, &v, why, sizeof why));
    ck_assert_double_eq_tol(v.heading_deg, 330, 1e-12);
    ck_assert_double_eq_tol(v.fov_deg, 360, 1e-12);
    ck_assert_str_eq(v.defaulted, "range");
    t[WG__CAM_FOV] = NULL;
    static const char *const no[] = {"inf", "nan", "NE;SW", "90°", "1e999", "N-E", "90-", " "};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        t[WG__CAM_HEADING] = no[i];
        bool ok = wg__cam_read(t, &v, why, sizeof why);
        if (no[i][0] == ' ') /* blank: missing, not bad */
            ck_assert_msg(ok && strcmp(v.defaulted, "heading,fov,range") == 0, "%s", why);
        else
            ck_assert_msg(!ok && strstr(why, "heading_deg = '"), "'%s': %s", no[i],
                          ok ? "accepted" : why);
    }
    t[WG__CAM_HEADING] = NULL;
    t[WG__CAM_HEIGHT] = "12 mm";
    ck_assert(!wg__cam_read(t, &v, why, sizeof why));
    ck_assert_str_eq(why, "height_m = '12 mm' is not a number of metres (12, 12 m)");
    t[WG__CAM_HEIGHT] = "-1";
    ck_assert(!wg__cam_read(t, &v, why, sizeof why));
    ck_assert_str_eq(why, "height_m = -1 (must be >= 0)");
    t[WG__CAM_HEIGHT] = NULL;
    t[WG__CAM_RANGE] = "0 m";
    ck_assert(!wg__cam_read(t, &v, why, sizeof why));
    ck_assert_str_eq(why, "range_m = 0 m (must be > 0)");
}
END_TEST

/* A 6 x 6 grid of 100 m blocks sharing their edges vs 6 x 6 detached 30 m squares 100 m apart
 * (EPSG:4549): without a kind the first are areas, the second buildings, each said with its
 * figures; --set kind= overrides both ways (with a spelling such as 'block'). */
static void kind_squares(const char *file, double side, int64_t *n)
{
    char text[16384];
    size_t len = (size_t)snprintf(text, sizeof text, "id,households,wkt\n");
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double x = 500000 + 100 * i, y = 4400000 + 100 * j;
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "s%d_%d,10,\"POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f "
                                    "%.1f,%.1f %.1f))\"\n",
                                    i, j, x, y, x + side, y, x + side, y + side, x, y + side, x, y);
        }
    t_write(t_path(t_dir, file), text);
    *n = 36;
}

static void import_kind(const char *file, const char *set, wg_import_result *r)
{
    wg_ws *ws = NULL;
    char ws_path[1024];
    snprintf(ws_path, sizeof ws_path, "%s/%s.wangge", t_dir, file);
    T_OK(t_ctx, wg_ws_create(t_ctx, ws_path, "EPSG:4549", &ws));
    const char *sets[] = {set};
    wg_import_opts o = {.src_crs = "EPSG:4549", .sets = sets, .nsets = set ? 1 : 0};
    T_OK(t_ctx, wg_import(ws, "units", t_path(t_dir, file), &o, r));
    wg_ws_close(ws);
}

START_TEST(units_kind_inferred_from_tiling)
{
    int64_t n = 0;
    kind_squares("grid.csv", 100, &n);
    kind_squares("apart.csv", 30, &n);
    wg_import_result r;
    import_kind("grid.csv", NULL, &r);
    ck_assert_msg(r.tiling.tiles && strstr(r.kind_note, "kind = area (inferred") &&
                      strstr(r.kind_note, "36 polygons, 36 (100.0 %) share an edge"),
                  "%s", r.kind_note);
    ck_assert_double_eq_tol(r.tiling.hull_cover, 1.0, 1e-9);
    ck_assert_int_eq((long long)t_sql_real(t_path(t_dir, "grid.csv.wangge"),
                                           "SELECT count(*) FROM units WHERE kind = 'area'"),
                     36);
    import_kind("apart.csv", NULL, &r);
    ck_assert_msg(!r.tiling.tiles && strstr(r.kind_note, "kind = building (inferred") &&
                      strstr(r.kind_note, "0 (0.0 %) share an edge"),
                  "%s", r.kind_note);
    ck_assert_int_eq((long long)t_sql_real(t_path(t_dir, "apart.csv.wangge"),
                                           "SELECT count(*) FROM units WHERE kind = 'building'"),
                     36);
    /* overrides: no inference, no note */
    remove(t_path(t_dir, "grid.csv.wangge"));
    import_kind("grid.csv", "kind=building", &r);
    ck_assert_str_eq(r.kind_note, "");
    ck_assert_int_eq((long long)t_sql_real(t_path(t_dir, "grid.csv.wangge"),
                                           "SELECT count(*) FROM units WHERE kind = 'building'"),
                     36);
    remove(t_path(t_dir, "apart.csv.wangge"));
    import_kind("apart.csv", "kind=Block", &r);
    ck_assert_str_eq(r.kind_note, "");
    ck_assert_int_eq((long long)t_sql_real(t_path(t_dir, "apart.csv.wangge"),
                                           "SELECT count(*) FROM units WHERE kind = 'area'"),
                     36);
}
END_TEST

TCase *tcase_import(void)
{
    TCase *tc = tcase_create("import");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, units_with_mapped_households);
    tcase_add_test(tc, units_kind_inferred_from_tiling);
    tcase_add_test(tc, reimport_updates_never_duplicates);
    tcase_add_test(tc, bad_households_fail_whole_import_and_leave_file_alone);
    tcase_add_test(tc, skip_invalid_keeps_good_and_lists_rejects);
    tcase_add_test(tc, first_import_chooses_utm_zone);
    tcase_add_test(tc, times_land_as_utc_instants);
    tcase_add_test(tc, bad_time_is_rejected_with_its_line);
    tcase_add_test(tc, usage_errors_name_the_field);
    tcase_add_test(tc, import_export_import_round_trips_exactly);
    tcase_add_test(tc, camera_register_osm_style);
    tcase_add_test(tc, camera_register_gbt28181_all_defaulted);
    tcase_add_test(tc, fixed_camera_without_heading_is_a_disc_of_the_same_area);
    tcase_add_test(tc, bad_camera_values_are_rejected_by_name);
    tcase_add_test(tc, camera_texts_edge_cases);
    return tc;
}
