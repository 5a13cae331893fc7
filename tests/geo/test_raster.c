/* tests/geo/test_raster.c: GeoTIFFs written by wg_raster_write_geotiff read back through GDAL
 * with every value, the georeferencing, the CRS, nodata, the band's texts, the metadata and the
 * storage (tiles, DEFLATE, predictor 3) as written; failures leave the old file and no
 * temporary. */
#include "support.h"
#include "wg/raster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_raster(void);

/* A 300 x 270 raster (more than one 256-pixel tile each way) of a known pattern: zeros in a
 * band, then values no float rounds to, a tiny one and a huge one. */
static const wg_raster_grid GRID = {
    .xmin = 500123.25, .ymax = 3450987.5, .px = 12.5, .py = 10, .cols = 300, .rows = 270};

static double *pattern(void)
{
    size_t n = GRID.cols * GRID.rows;
    double *v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) {
        size_t r = i / GRID.cols, c = i % GRID.cols;
        v[i] = r % 7 == 3 ? 0 : (double)r * 1000.0 + (double)c + 1.0 / 3.0;
    }
    v[1] = 1e-300;
    v[2] = 1.7976931348623157e308;
    return v;
}

START_TEST(geotiff_round_trip)
{
    double *v = pattern();
    const wg_kv items[] = {{"kernel", "quartic"},
                           {"radius_m", "150"},
                           {"class_breaks", "0,1.5,2.25"},
                           {"categories", "噪音 noise,litter"}};
    wg_raster_meta m = {.crs = "EPSG:4549",
                        .has_nodata = true,
                        .nodata = 0,
                        .description = "incidents per km²",
                        .unit = "incidents per km²",
                        .software = "wangge 0.1",
                        .title = "test",
                        .items = items,
                        .nitems = 4};
    const char *path = t_path(t_dir, "d.tif");
    T_OK(t_ctx, wg_raster_write_geotiff(t_ctx, path, &GRID, v, &m));
    /* one file, no temporary, no side file */
    char *ls = t_listing(t_dir);
    ck_assert_str_eq(ls, "d.tif\n");
    free(ls);

    wg_raster_file f;
    T_OK(t_ctx, wg_raster_read(t_ctx, path, &f));
    ck_assert_str_eq(f.type, "Float64");
    ck_assert_int_eq(f.bands, 1);
    ck_assert_uint_eq(f.grid.cols, GRID.cols);
    ck_assert_uint_eq(f.grid.rows, GRID.rows);
    ck_assert_double_eq(f.grid.xmin, GRID.xmin);
    ck_assert_double_eq(f.grid.ymax, GRID.ymax);
    ck_assert_double_eq(f.grid.px, GRID.px);
    ck_assert_double_eq(f.grid.py, GRID.py);
    size_t bad = 0;
    for (size_t i = 0; i < GRID.cols * GRID.rows; i++)
        bad += memcmp(&f.values[i], &v[i], sizeof v[i]) != 0; /* bit for bit */
    ck_assert_uint_eq(bad, 0);
    ck_assert_int_eq(f.epsg, 4549);
    ck_assert(f.has_nodata);
    ck_assert_double_eq(f.nodata, 0);
    ck_assert_str_eq(f.description, "incidents per km²");
    ck_assert_str_eq(f.unit, "incidents per km²");
    for (size_t i = 0; i < 4; i++) {
        const char *got = wg_raster_file_item(&f, items[i].key);
        ck_assert_msg(got && strcmp(got, items[i].value) == 0, "%s = %s", items[i].key,
                      got ? got : "(missing)");
    }
    ck_assert_str_eq(wg_raster_file_item(&f, "TIFFTAG_SOFTWARE"), "wangge 0.1");
    ck_assert_str_eq(f.compression, "DEFLATE");
    ck_assert_int_eq(f.predictor, 3);
    ck_assert_int_eq(f.block_cols, 256);
    ck_assert_int_eq(f.block_rows, 256);
    wg_raster_file_fini(&f);

    /* gdalinfo agrees: the EPSG code, the pixel size, the nodata value */
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "gdalinfo -json '%s' | grep -q '\"proj:epsg\":4549' && "
             "gdalinfo '%s' | grep -q 'Pixel Size = (12.500000000000000,-10.000000000000000)' && "
             "gdalinfo '%s' | grep -q 'NoData Value=0'",
             path, path, path);
    ck_assert_int_eq(t_sh("%s", cmd), 0);
    free(v);
}
END_TEST

START_TEST(geotiff_without_crs_or_nodata)
{
    const wg_raster_grid g = {.xmin = 0, .ymax = 2, .px = 1, .py = 1, .cols = 3, .rows = 2};
    const double v[] = {0, 1, 2, 3, 4, 5};
    const char *path = t_path(t_dir, "plain.TIFF");
    T_OK(t_ctx, wg_raster_write_geotiff(t_ctx, path, &g, v, NULL));
    wg_raster_file f;
    T_OK(t_ctx, wg_raster_read(t_ctx, path, &f));
    ck_assert_int_eq(f.epsg, 0);
    ck_assert(!f.has_nodata);
    ck_assert_str_eq(f.description, "");
    for (size_t i = 0; i < 6; i++)
        ck_assert_double_eq(f.values[i], v[i]);
    wg_raster_file_fini(&f);
}
END_TEST

/* A refused or interrupted write leaves the old file as it was and no temporary beside it. */
START_TEST(geotiff_failures_leave_the_old_file)
{
    const double v[] = {1, 2, 3, 4};
    wg_raster_grid g = {.xmin = 0, .ymax = 2, .px = 1, .py = 1, .cols = 2, .rows = 2};
    const char *path = t_path(t_dir, "old.tif");
    t_write(path, "an older raster");

    wg_raster_meta m = {.crs = "EPSG:999999"};
    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, path, &g, v, &m), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "old.tif") &&
                      strstr(wg_ctx_errmsg(t_ctx), "unknown CRS 'EPSG:999999'"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);

    const wg_kv bad_key[] = {{"a key", "x"}};
    m = (wg_raster_meta){.items = bad_key, .nitems = 1};
    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, path, &g, v, &m), WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "bad key 'a key'"), "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);

    m = (wg_raster_meta){.has_nodata = true, .nodata = NAN};
    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, path, &g, v, &m), WG_EINPUT);
    wg_ctx_clear(t_ctx);

    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, t_path(t_dir, "x.png"), &g, v, NULL),
                     WG_EINPUT);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "x.png: a GeoTIFF's name must end in .tif"),
                  "got: %s", wg_ctx_errmsg(t_ctx));
    wg_ctx_clear(t_ctx);

    g.cols = 0;
    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, path, &g, v, NULL), WG_EINPUT);
    g.cols = 2;
    wg_ctx_clear(t_ctx);

    wg_ctx_cancel(t_ctx);
    ck_assert_int_eq(wg_raster_write_geotiff(t_ctx, path, &g, v, NULL), WG_EINTR);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "old.tif was not written"), "got: %s",
                  wg_ctx_errmsg(t_ctx));

    char *text = t_read(path, NULL);
    ck_assert_str_eq(text, "an older raster");
    free(text);
    char *ls = t_listing(t_dir);
    ck_assert_str_eq(ls, "old.tif\n");
    free(ls);
}
END_TEST

START_TEST(read_names_the_file)
{
    const char *path = t_path(t_dir, "not.tif");
    t_write(path, "not a raster");
    wg_raster_file f;
    ck_assert_int_eq(wg_raster_read(t_ctx, path, &f), WG_EIO);
    ck_assert_msg(strstr(wg_ctx_errmsg(t_ctx), "not.tif: cannot open the raster"), "got: %s",
                  wg_ctx_errmsg(t_ctx));
}
END_TEST

TCase *tcase_raster(void)
{
    TCase *tc = tcase_create("raster");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, geotiff_round_trip);
    tcase_add_test(tc, geotiff_without_crs_or_nodata);
    tcase_add_test(tc, geotiff_failures_leave_the_old_file);
    tcase_add_test(tc, read_names_the_file);
    return tc;
}
