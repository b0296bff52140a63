/* The save/load check every harness runs (the FUZZ_SAVE op): save a
 * model, load the bytes back, save again and require identical bytes; then
 * load a copy with one bit flipped, which must either load (it was still a
 * valid state) or fail and leave the model exactly as it was. */
#ifndef FUZZ_STATE_H
#define FUZZ_STATE_H

#include <vmparts/vmparts.h>

typedef int (*fuzz_save_fn)(const void *model, struct vmp_state_writer *w);
typedef int (*fuzz_load_fn)(void *model, struct vmp_state_reader *r);

/* 0 when every property holds; nonzero is a bug. flip picks the bit. */
int fuzz_state_check(void *model, fuzz_save_fn save, fuzz_load_fn load, uint32_t flip);

/* Typed adapters for a model's save/load pair, e.g.
 *   FUZZ_STATE_ADAPT(vmp_pit, struct vmp_pit)
 * defines vmp_pit_save_any and vmp_pit_load_any for fuzz_state_check
 * (calling through a cast function pointer would be undefined). */
#define FUZZ_STATE_ADAPT(prefix, type)                                          \
    static inline int prefix##_save_any(const void *m, struct vmp_state_writer *w) \
    {                                                                           \
        return prefix##_save((const type *)m, w);                               \
    }                                                                           \
    static inline int prefix##_load_any(void *m, struct vmp_state_reader *r)    \
    {                                                                           \
        return prefix##_load((type *)m, r);                                     \
    }

#endif
