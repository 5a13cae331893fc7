/* tests/geo/suite.c: the geo module's suite. */
#include <check.h>

TCase *tcase_ctx(void);
TCase *tcase_vio(void);
TCase *tcase_atomic(void);
TCase *tcase_chinacoord(void);
TCase *tcase_time(void);
TCase *tcase_tess(void);
TCase *tcase_locate(void);
TCase *tcase_view(void);
TCase *tcase_density(void);
TCase *tcase_raster(void);
TCase *tcase_geom(void);
TCase *tcase_geos_errors(void);
TCase *tcase_proj(void);
Suite *wg_test_suite(void);

Suite *wg_test_suite(void)
{
    Suite *s = suite_create("geo");
    suite_add_tcase(s, tcase_ctx());
    suite_add_tcase(s, tcase_vio());
    suite_add_tcase(s, tcase_atomic());
    suite_add_tcase(s, tcase_chinacoord());
    suite_add_tcase(s, tcase_time());
    suite_add_tcase(s, tcase_tess());
    suite_add_tcase(s, tcase_locate());
    suite_add_tcase(s, tcase_view());
    suite_add_tcase(s, tcase_density());
    suite_add_tcase(s, tcase_raster());
    suite_add_tcase(s, tcase_geom());
    suite_add_tcase(s, tcase_geos_errors());
    suite_add_tcase(s, tcase_proj());
    return s;
}
