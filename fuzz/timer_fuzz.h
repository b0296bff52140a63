/* Op-stream runner for the timer harnesses.
 *
 * Same input format and ops as fuzz/common/fuzz_ops.h, with one change:
 * time comes from a time source the harness owns (as in a real VMM), not a
 * manual clock. A STEP moves that source forward and runs the clock until
 * nothing is due, so a timer that fires late sees the real time and must
 * catch up from it. With a manual clock every periodic edge fires at its own
 * deadline, so one 6553 s step of a 1 kHz timer is 2^20 callbacks (the
 * clock's per-step cap): ~0.5 s under ASan, and a few hundred such steps
 * make libFuzzer time out without finding anything. After every step the
 * runner checks the catch-up: no timer may be left due in the past. */
#ifndef TIMER_FUZZ_H
#define TIMER_FUZZ_H

#include <stdlib.h>

#include "common/fuzz_ops.h"

struct timer_fuzz {
    uint64_t now;
};

static inline uint64_t timer_fuzz_source(void *opaque)
{
    return ((struct timer_fuzz *)opaque)->now;
}

static inline uint64_t timer_fuzz_pick(const uint64_t *win, unsigned n, struct fuzz_in *in)
{
    uint8_t w = fuzz_u8(in);
    uint16_t off = fuzz_u16(in);
    return n ? win[w % n] + off : off;
}

static inline void timer_fuzz_access(struct vmp_space *s, const uint64_t *win, unsigned n,
                                     bool write, struct fuzz_in *in)
{
    uint64_t addr = timer_fuzz_pick(win, n, in);
    unsigned size = 1u << (fuzz_u8(in) & 3);
    uint64_t v = write ? fuzz_u64(in) : 0;
    if (!s)
        return;
    if (write)
        vmp_space_write(s, addr, v, size);
    else
        (void)vmp_space_read(s, addr, size);
}

/* b->clock must have been created with timer_fuzz_source and tf. */
static inline void timer_fuzz_run(struct fuzz_board *b, struct timer_fuzz *tf,
                                  struct fuzz_in *in)
{
    static const uint64_t unit[4] = { 1, 1000, 1000000, 100000000 };
    for (unsigned ops = 0; !fuzz_done(in) && ops < FUZZ_MAX_OPS; ops++) {
        switch (fuzz_u8(in) % FUZZ_OP_COUNT) {
        case FUZZ_PIO_READ: timer_fuzz_access(b->pio, b->pio_win, b->n_pio_win, false, in); break;
        case FUZZ_PIO_WRITE: timer_fuzz_access(b->pio, b->pio_win, b->n_pio_win, true, in); break;
        case FUZZ_MMIO_READ: timer_fuzz_access(b->mmio, b->mmio_win, b->n_mmio_win, false, in); break;
        case FUZZ_MMIO_WRITE: timer_fuzz_access(b->mmio, b->mmio_win, b->n_mmio_win, true, in); break;
        case FUZZ_CFG_READ: timer_fuzz_access(NULL, NULL, 0, false, in); break;
        case FUZZ_CFG_WRITE: timer_fuzz_access(NULL, NULL, 0, true, in); break;
        case FUZZ_STEP: {
            uint32_t x = fuzz_u32(in);
            tf->now += (uint64_t)(x >> 2 & 0xFFFF) * unit[x & 3];
            unsigned runs = 0;
            while (vmp_clock_run(b->clock) && ++runs < 64)
                ;
            if (vmp_clock_next_deadline(b->clock) <= tf->now)
                abort(); /* a model failed to catch up from the time */
            break;
        }
        case FUZZ_IRQ: {
            uint8_t line = fuzz_u8(in), level = fuzz_u8(in);
            if (b->n_lines)
                vmp_irq_set(b->lines[line % b->n_lines], level & 1);
            break;
        }
        case FUZZ_DMA: { /* no DMA here: consume the bytes */
            (void)fuzz_u32(in);
            uint8_t len = fuzz_u8(in);
            for (unsigned i = 0; i < len && !fuzz_done(in); i++)
                (void)fuzz_u8(in);
            break;
        }
        case FUZZ_SAVE:
            if (b->save_load && b->save_load(b->opaque) != 0)
                abort();
            break;
        }
    }
}

#endif
