/* tests/check_main.c: the main() every check suite shares. Each suite file defines
 * wg_test_suite(); this runs it and fails when any test failed. */
#include "wg/core.h"

#include <check.h>
#include <stdlib.h>

Suite *wg_test_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(wg_test_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
