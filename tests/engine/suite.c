/* tests/engine/suite.c: the engine module's suite. */
#include <check.h>

TCase *tcase_ws(void);
TCase *tcase_import(void);
TCase *tcase_fields(void);
TCase *tcase_fields_realdata(void);
TCase *tcase_democity(void);
TCase *tcase_realdata(void);
TCase *tcase_partition(void);
TCase *tcase_partition_realdata(void);
TCase *tcase_assign(void);
TCase *tcase_report(void);
TCase *tcase_store(void);
TCase *tcase_cancel(void);
TCase *tcase_allocfail(void);
Suite *wg_test_suite(void);

Suite *wg_test_suite(void)
{
    Suite *s = suite_create("engine");
    suite_add_tcase(s, tcase_ws());
    suite_add_tcase(s, tcase_import());
    suite_add_tcase(s, tcase_fields());
    suite_add_tcase(s, tcase_fields_realdata());
    suite_add_tcase(s, tcase_democity());
    suite_add_tcase(s, tcase_realdata());
    suite_add_tcase(s, tcase_partition());
    suite_add_tcase(s, tcase_partition_realdata());
    suite_add_tcase(s, tcase_assign());
    suite_add_tcase(s, tcase_report());
    suite_add_tcase(s, tcase_store());
    suite_add_tcase(s, tcase_cancel());
    suite_add_tcase(s, tcase_allocfail());
    return s;
}
