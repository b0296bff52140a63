#include <string.h>

#include "common/fuzz_state.h"

static bool same(const struct vmp_state_writer *a, const struct vmp_state_writer *b)
{
    return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

int fuzz_state_check(void *model, fuzz_save_fn save, fuzz_load_fn load, uint32_t flip)
{
    struct vmp_state_writer w1, w2, w3;
    struct vmp_state_reader r;
    int bad = 0;
    vmp_state_writer_init(&w1);
    vmp_state_writer_init(&w2);
    vmp_state_writer_init(&w3);
    if (save(model, &w1) || vmp_state_writer_status(&w1)) {
        bad = 1;
        goto out;
    }
    vmp_state_reader_init(&r, w1.buf, w1.len);
    if (load(model, &r) || r.pos != r.len) {
        bad = 2; /* our own state must load, completely */
        goto out;
    }
    if (save(model, &w2) || !same(&w1, &w2)) {
        bad = 3; /* load then save must reproduce the bytes */
        goto out;
    }
    if (w1.len) {
        w2.buf[flip % w2.len] ^= (uint8_t)(1u << (flip >> 29));
        vmp_state_reader_init(&r, w2.buf, w2.len);
        if (load(model, &r) != 0) {
            /* A refused state must leave the model untouched. */
            if (save(model, &w3) || !same(&w1, &w3))
                bad = 4;
        }
    }
out:
    vmp_state_writer_free(&w1);
    vmp_state_writer_free(&w2);
    vmp_state_writer_free(&w3);
    return bad;
}
