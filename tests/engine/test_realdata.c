/* tests/engine/test_realdata.c: every real data set of ../shared/realdata imports into the
 * layer it fits, with the right CRS; real dirt is handled by the bad-input rules. Each test
 * skips (saying so) when the folder is absent. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "wg/import.h"
#include "wg/ws.h"

TCase *tcase_realdata(void);

static wg_ctx *ctx;
static char *dir;

static void setup(void)
{
    ctx = wg_ctx_new();
    dir = t_tmpdir();
}

static void teardown(void)
{
    wg_ctx_free(ctx);
    t_rmtree(dir);
    free(dir);
}

static double qd(const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(t_path(dir, "r.wangge"), &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    sqlite3_enable_load_extension(db, 1);
    ck_assert_int_eq(sqlite3_load_extension(db, "mod_spatialite", NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

START_TEST(cincinnati_blocks_as_units_in_us_feet)
{
    const char *src = t_realdata("cincinnati_walnut_hills_blocks/walnut_hills.gpkg");
    if (!src)
        return;
    wg_ws *ws = NULL;
    T_OK(ctx, wg_ws_create(ctx, t_path(dir, "r.wangge"), NULL, &ws));
    const char *maps[] = {"id=BLOCK", "community=TRACT"};
    wg_import_opts o = {.maps = maps, .nmaps = 2};
    wg_import_result r;
    T_OK(ctx, wg_import(ws, "units", src, &o, &r));
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

TCase *tcase_realdata(void)
{
    TCase *tc = tcase_create("realdata");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cincinnati_blocks_as_units_in_us_feet);
    return tc;
}
