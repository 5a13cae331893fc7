/* tests/render/suite.c: the render module's suite. */
#include <check.h>

TCase *tcase_style(void);
TCase *tcase_render(void);
TCase *tcase_golden(void);
TCase *tcase_geotiff(void);
TCase *tcase_tile(void);
Suite *wg_test_suite(void);

Suite *wg_test_suite(void)
{
    Suite *s = suite_create("render");
    suite_add_tcase(s, tcase_style());
    suite_add_tcase(s, tcase_render());
    suite_add_tcase(s, tcase_golden());
    suite_add_tcase(s, tcase_geotiff());
    suite_add_tcase(s, tcase_tile());
    return s;
}
