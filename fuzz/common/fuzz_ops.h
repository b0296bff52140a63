/* The generic device harness: input bytes become a sequence of port, MMIO
 * and PCI-configuration accesses, clock steps, IRQ line changes, guest
 * memory contents for DMA and state save/load round trips, run against
 * whatever a harness wired up in a struct fuzz_board.
 *
 * Input format, repeated until the bytes run out (missing bytes read 0):
 *   op u8 (taken modulo FUZZ_OP_COUNT), then per op:
 *   PIO/MMIO/CFG read:  window u8, offset u16, size-code u8
 *   PIO/MMIO/CFG write: window u8, offset u16, size-code u8, value u64
 *   STEP:    u32: bits 2..11 count, bits 0..1 the unit (ns, us, ms, 10 ms)
 *   IRQ:     line u8, level u8
 *   DMA:     offset u32, len u8, bytes (len of them) into guest RAM
 *   SAVE:    (none) run the board's save/load hook (see fuzz_state.h)
 * Addresses are window bases (the harness lists where its devices sit)
 * plus the offset: window byte bits 0-6 pick the window; with bit 7 set
 * the offset is taken modulo 64, so random inputs land on registers. */
#ifndef FUZZ_OPS_H
#define FUZZ_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmparts/vmparts.h>

struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint32_t fuzz_u32(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
static inline bool fuzz_done(const struct fuzz_in *in) { return in->n == 0; }

enum fuzz_op {
    FUZZ_PIO_READ, FUZZ_PIO_WRITE, FUZZ_MMIO_READ, FUZZ_MMIO_WRITE,
    FUZZ_CFG_READ, FUZZ_CFG_WRITE, FUZZ_STEP, FUZZ_IRQ, FUZZ_DMA, FUZZ_SAVE,
    FUZZ_OP_COUNT
};

#define FUZZ_MAX_WINDOWS 16
#define FUZZ_MAX_LINES 32
#define FUZZ_MAX_OPS 4096 /* bounds one input's run time */
#define FUZZ_MAX_SAVES 4  /* save/load round trips per input */

struct fuzz_board {
    struct vmp_space *pio, *mmio, *cfg; /* any may be NULL */
    uint64_t pio_win[FUZZ_MAX_WINDOWS];
    unsigned n_pio_win;
    uint64_t mmio_win[FUZZ_MAX_WINDOWS];
    unsigned n_mmio_win;
    uint64_t cfg_win[FUZZ_MAX_WINDOWS];
    unsigned n_cfg_win;
    struct vmp_clock *clock;      /* manual clock, or one on host_now */
    /* When set, the clock was created with fuzz_host_time as its source and
     * this as opaque: a STEP moves host time and runs the clock as a VMM's
     * event loop would, so timers fire late (after the step) and models
     * must catch up from vmp_clock_now(). After each step no timer may be
     * left due (a model that cannot catch up is a bug). */
    uint64_t *host_now;
    struct vmp_irq *lines[FUZZ_MAX_LINES]; /* inputs the fuzzer may drive */
    unsigned n_lines;
    struct vmp_mem *mem;
    uint64_t ram_base, ram_size;  /* where DMA contents may be written */
    /* Save the model(s), load into the same and check it succeeds; may be
     * NULL. Returning nonzero is a bug the harness reports by aborting. */
    int (*save_load)(void *opaque);
    void *opaque;
};

/* The time source for host_now boards. */
uint64_t fuzz_host_time(void *opaque);

/* Run every op in the input against the board. */
void fuzz_run_ops(struct fuzz_board *b, struct fuzz_in *in);

/* A log sink that discards (fuzzers must stay quiet and fast). */
extern const struct vmp_log fuzz_quiet_log;

#endif
