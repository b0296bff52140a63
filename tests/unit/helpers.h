/* Shared helpers for the Check unit tests. */
#ifndef VMP_TEST_HELPERS_H
#define VMP_TEST_HELPERS_H

#include <check.h>
#include <vmparts/vmparts.h>

/* A log sink that records how many messages arrived and the last one. */
struct test_log {
    struct vmp_log log;
    unsigned count;
    char last[512];
};
void test_log_init(struct test_log *t);

/* A recording IRQ sink: level now, and how many rising edges it saw. */
struct test_irq_sink {
    bool level;
    unsigned rises, falls;
};
void test_irq_sink_fn(void *opaque, unsigned pin, bool level);

/* Save a model with save(), then load into a model with load(); returns
 * the first error (0 when both worked). */
typedef int (*test_save_fn)(const void *model, struct vmp_state_writer *w);
typedef int (*test_load_fn)(void *model, struct vmp_state_reader *r);
int test_roundtrip(const void *from, void *to, test_save_fn save, test_load_fn load);
/* Every strict prefix of a saved state must fail to load, leaving the
 * model loadable afterwards. Returns the number of prefixes that loaded
 * (0 is the right answer). */
unsigned test_truncations_loaded(const void *from, void *to, test_save_fn save,
                                 test_load_fn load);

#endif
