#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void record(void *opaque, enum vmp_log_level level, const char *msg)
{
    struct test_log *t = opaque;
    (void)level;
    t->count++;
    snprintf(t->last, sizeof t->last, "%s", msg);
}

void test_log_init(struct test_log *t)
{
    memset(t, 0, sizeof *t);
    t->log.fn = record;
    t->log.opaque = t;
}

void test_irq_sink_fn(void *opaque, unsigned pin, bool level)
{
    struct test_irq_sink *s = opaque;
    (void)pin;
    if (level && !s->level)
        s->rises++;
    if (!level && s->level)
        s->falls++;
    s->level = level;
}

int test_roundtrip(const void *from, void *to, test_save_fn save, test_load_fn load)
{
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    vmp_state_writer_init(&w);
    int err = save(from, &w);
    if (!err)
        err = vmp_state_writer_status(&w);
    if (!err) {
        vmp_state_reader_init(&r, w.buf, w.len);
        err = load(to, &r);
    }
    vmp_state_writer_free(&w);
    return err;
}

unsigned test_truncations_loaded(const void *from, void *to, test_save_fn save,
                                 test_load_fn load)
{
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    unsigned loaded = 0;
    vmp_state_writer_init(&w);
    if (save(from, &w) || vmp_state_writer_status(&w)) {
        vmp_state_writer_free(&w);
        return UINT32_MAX;
    }
    for (size_t n = 0; n < w.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, w.buf, n);
        vmp_state_reader_init(&r, copy, n);
        if (load(to, &r) == 0)
            loaded++;
        free(copy);
    }
    vmp_state_writer_free(&w);
    return loaded;
}
