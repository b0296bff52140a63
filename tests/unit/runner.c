/* One Check runner for every suite in tests/unit/test_*.c. The list comes
 * from suites.h, which the Makefile generates from the file names.
 * CK_RUN_SUITE=name / CK_RUN_CASE=name select a subset (Check's own
 * environment variables). */
#include <check.h>
#include <stdlib.h>

#define VMP_SUITE(n) Suite *n##_suite(void);
#include "suites.h"
#undef VMP_SUITE

int main(void)
{
    /* Check's default per-test timeout is 4 s; the exhaustive tests take
     * longer under the sanitizer build on a loaded 2-core machine. The
     * environment still wins if it sets one. */
    setenv("CK_DEFAULT_TIMEOUT", "120", 0);
    SRunner *sr = srunner_create(suite_create("vmparts"));
#define VMP_SUITE(n) srunner_add_suite(sr, n##_suite());
#include "suites.h"
#undef VMP_SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
