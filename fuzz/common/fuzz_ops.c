/* The generic device harness op interpreter (see fuzz_ops.h). */
#include <stdlib.h>

#include "common/fuzz_ops.h"

static void drop(void *o, enum vmp_log_level l, const char *m)
{
    (void)o;
    (void)l;
    (void)m;
}
const struct vmp_log fuzz_quiet_log = { drop, NULL };

uint8_t fuzz_u8(struct fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}
uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)(fuzz_u8(in) | fuzz_u8(in) << 8); }
uint32_t fuzz_u32(struct fuzz_in *in) { return fuzz_u16(in) | (uint32_t)fuzz_u16(in) << 16; }
uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_u32(in) | (uint64_t)fuzz_u32(in) << 32; }

static uint64_t pick(const uint64_t *win, unsigned n, struct fuzz_in *in)
{
    uint8_t w = fuzz_u8(in);
    uint16_t off = fuzz_u16(in);
    /* Window bytes with bit 7 set take the offset modulo 64: a random
     * offset then lands on a register about once in 64 tries instead of
     * once in 65,536, while bit 7 clear keeps the full 16-bit reach (the
     * LAPIC page, ECAM, unmapped neighbours). Seeds use small window
     * numbers, so their meaning is unchanged. */
    if (w & 0x80)
        off &= 0x3F;
    if (!n)
        return off;
    return win[(w & 0x7F) % n] + off;
}

static void access(struct vmp_space *s, const uint64_t *win, unsigned n, bool write,
                   struct fuzz_in *in)
{
    uint64_t addr = pick(win, n, in);
    unsigned size = 1u << (fuzz_u8(in) & 3);
    uint64_t v = write ? fuzz_u64(in) : 0;
    if (!s)
        return;
    if (write)
        vmp_space_write(s, addr, v, size);
    else
        (void)vmp_space_read(s, addr, size);
}

/* Steps of up to ~10 s: long enough to reach wrap-arounds and update
 * cycles over a run of ops, short enough that a periodic device at tens
 * of kHz costs a bounded number of timer firings per step. */
static uint64_t step_ns(uint32_t x)
{
    static const uint64_t unit[4] = { 1, 1000, 1000000, 10000000 };
    return (uint64_t)(x >> 2 & 0x3FF) * unit[x & 3];
}

uint64_t fuzz_host_time(void *opaque) { return *(const uint64_t *)opaque; }

static void step(struct fuzz_board *b, uint64_t ns)
{
    if (!b->clock)
        return;
    if (!b->host_now) {
        vmp_clock_advance(b->clock, ns);
        return;
    }
    *b->host_now += ns;
    /* An event loop runs the clock until nothing is due; vmp_clock_run
     * fires a bounded batch per call, so allow a few calls. */
    for (unsigned i = 0; i < 64 && vmp_clock_run(b->clock); i++)
        ;
    if (vmp_clock_next_deadline(b->clock) <= *b->host_now)
        abort(); /* a model keeps a timer due: it failed to catch up */
}

void fuzz_run_ops(struct fuzz_board *b, struct fuzz_in *in)
{
    unsigned saves = 0;
    for (unsigned ops = 0; !fuzz_done(in) && ops < FUZZ_MAX_OPS; ops++) {
        switch (fuzz_u8(in) % FUZZ_OP_COUNT) {
        case FUZZ_PIO_READ: access(b->pio, b->pio_win, b->n_pio_win, false, in); break;
        case FUZZ_PIO_WRITE: access(b->pio, b->pio_win, b->n_pio_win, true, in); break;
        case FUZZ_MMIO_READ: access(b->mmio, b->mmio_win, b->n_mmio_win, false, in); break;
        case FUZZ_MMIO_WRITE: access(b->mmio, b->mmio_win, b->n_mmio_win, true, in); break;
        case FUZZ_CFG_READ: access(b->cfg, b->cfg_win, b->n_cfg_win, false, in); break;
        case FUZZ_CFG_WRITE: access(b->cfg, b->cfg_win, b->n_cfg_win, true, in); break;
        case FUZZ_STEP:
            step(b, step_ns(fuzz_u32(in)));
            break;
        case FUZZ_IRQ: {
            uint8_t line = fuzz_u8(in), level = fuzz_u8(in);
            if (b->n_lines)
                vmp_irq_set(b->lines[line % b->n_lines], level & 1);
            break;
        }
        case FUZZ_DMA: {
            uint32_t off = fuzz_u32(in);
            uint8_t len = fuzz_u8(in);
            uint8_t buf[256];
            unsigned i;
            for (i = 0; i < len && !fuzz_done(in); i++)
                buf[i] = fuzz_u8(in);
            if (b->mem && b->ram_size)
                vmp_mem_write(b->mem, b->ram_base + off % b->ram_size, buf, i);
            break;
        }
        case FUZZ_SAVE:
            /* A few round trips per input find what more would: each one
             * saves and loads the whole board, the costliest op by far. */
            if (saves++ < FUZZ_MAX_SAVES && b->save_load && b->save_load(b->opaque) != 0)
                abort(); /* a state we saved must load back */
            break;
        }
    }
}
