/* tests/check_main.c: the main() every check suite shares. Each suite file defines
 * wg_test_suite(); this runs it and fails when any test failed, or when none ran (a filter
 * that selects nothing must not pass).
 *
 * With WG_REALDATA_REQUIRED set (the check_realdata test) it first looks for the real data
 * folder: when it is absent the run ends at once with 77, which ctest reports as skipped.
 * `--update-golden` (only through the golden-update target) makes the golden tests renew
 * their reference images. */
#include "support.h"
#include "wg/core.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Suite *wg_test_suite(void);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--update-golden") != 0) {
            fprintf(stderr, "%s: unknown argument %s (only --update-golden)\n", argv[0], argv[i]);
            return EXIT_FAILURE;
        }
        t_update_golden = true;
    }
    struct stat sb;
    if (getenv("WG_REALDATA_REQUIRED") && stat(WG_REALDATA_DIR, &sb) != 0) {
        printf("SKIP: the real data folder %s is absent\n", WG_REALDATA_DIR);
        return 77;
    }
    SRunner *sr = srunner_create(wg_test_suite());
    srunner_run_all(sr, CK_ENV);
    int ran = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (ran == 0)
        fprintf(stderr, "no test ran: check CK_RUN_CASE / CK_INCLUDE_TAGS\n");
    return failed || ran == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
