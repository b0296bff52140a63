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

/* Casts for typed model functions, e.g.
 * fuzz_state_check(pit, FUZZ_SAVE(vmp_pit_save), FUZZ_LOAD(vmp_pit_load), n) */
#define FUZZ_SAVE(fn) ((fuzz_save_fn)(void (*)(void))(fn))
#define FUZZ_LOAD(fn) ((fuzz_load_fn)(void (*)(void))(fn))

#endif
