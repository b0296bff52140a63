/* Fuzzes the local APICs (and the bus, IOAPIC and PIC behind them) with
 * its own op stream, since MSRs and the vCPU side are not bus accesses:
 *   op u8 % 14, then
 *   0/1  PIO read/write    window u8 (0x20, 0xA0, 0x4D0), offset u16,
 *                          size-code u8 [, value u64]
 *   2/3  MMIO read/write   window u8 (LAPIC 0, LAPIC 1, IOAPIC), offset
 *                          u16, size-code u8 [, value u64]
 *   4    vCPU op           cpu u8, what u8 (ack, NMI, INIT, SIPI)
 *   5    CR8               cpu u8, value u8
 *   6    clock step        u32 (as fuzz_ops: count << 2 | unit)
 *   7    GSI line          line u8, level u8
 *   8    LINT pin          cpu u8 (bit 1: pin), level u8
 *   9    save/load round trip of every model
 *   10   MSR write         cpu u8, msr u32, value u64
 *   11   MSR read          cpu u8, msr u32
 *   12   ack               cpu u8 (also EOIs it through the xAPIC page or
 *                          the EOI MSR, whichever the mode has)
 *   13   MSI               address low u32, data u32
 * MSR numbers the LAPIC does not own become 0x800 | (msr & 0xFF). */
#include "irq_board.h"

#define MAX_OPS 4096

static uint64_t step_ns(uint32_t x)
{
    static const uint64_t unit[4] = { 1, 1000, 1000000, 10000000 };
    return (uint64_t)(x >> 2 & 0x3FF) * unit[x & 3];
}

static uint64_t lapic_mmio(struct irq_board *b, unsigned win, uint64_t off, unsigned size,
                           bool write, uint64_t v)
{
    const struct vmp_io_ops *ops = win == 2 ? &vmp_ioapic_io_ops : &vmp_lapic_io_ops;
    void *dev = win == 2 ? (void *)b->io : (void *)b->cpu[win];
    off &= 0xFFF;
    /* What the bus guarantees: naturally sized, at most max_size. */
    if (size > ops->max_size)
        size = ops->max_size;
    off &= ~(uint64_t)(size - 1);
    if (write) {
        ops->write(dev, off, v & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1), size);
        return 0;
    }
    return ops->read(dev, off, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct irq_board b;
    irq_board_init(&b, 0x20);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    if (!pio || vmp_pic_attach(b.pic, pio))
        abort();
    static const uint16_t pio_win[3] = { 0x20, 0xA0, 0x4D0 };
    struct vmp_msi_sink msi = vmp_apic_bus_msi_sink(b.bus);
    unsigned saves = 0;
    for (unsigned ops = 0; !fuzz_done(&in) && ops < MAX_OPS; ops++) {
        uint8_t op = fuzz_u8(&in) % 14;
        switch (op) {
        case 0:
        case 1: {
            unsigned w = fuzz_u8(&in) % 3;
            uint16_t off = fuzz_u16(&in);
            unsigned sz = 1u << (fuzz_u8(&in) & 3);
            uint64_t addr = pio_win[w] + (off & 0xF);
            if (op == 1)
                vmp_space_write(pio, addr, fuzz_u64(&in), sz);
            else
                (void)vmp_space_read(pio, addr, sz);
            break;
        }
        case 2:
        case 3: {
            unsigned w = fuzz_u8(&in) % 3;
            uint16_t off = fuzz_u16(&in);
            unsigned sz = 1u << (fuzz_u8(&in) & 3);
            uint64_t v = op == 3 ? fuzz_u64(&in) : 0;
            (void)lapic_mmio(&b, w, off, sz, op == 3, v);
            break;
        }
        case 4: {
            uint8_t cpu = fuzz_u8(&in), what = fuzz_u8(&in);
            irq_board_cpu_op(&b, cpu, what);
            break;
        }
        case 5: {
            uint8_t cpu = fuzz_u8(&in), v = fuzz_u8(&in);
            vmp_lapic_set_cr8(b.cpu[cpu & 1], v);
            if (vmp_lapic_get_cr8(b.cpu[cpu & 1]) != (v & 0xF))
                abort();
            break;
        }
        case 6:
            vmp_clock_advance(b.clock, step_ns(fuzz_u32(&in)));
            break;
        case 7: {
            uint8_t line = fuzz_u8(&in), level = fuzz_u8(&in);
            vmp_irq_set(b.src[line % VMP_IOAPIC_PINS], level & 1);
            break;
        }
        case 8: {
            uint8_t cpu = fuzz_u8(&in), level = fuzz_u8(&in);
            vmp_lapic_set_lint(b.cpu[cpu & 1], cpu >> 1 & 1, level & 1);
            break;
        }
        case 9:
            if (saves++ < FUZZ_MAX_SAVES && irq_board_save_load(&b))
                abort();
            break;
        case 10:
        case 11: {
            uint8_t cpu = fuzz_u8(&in);
            uint32_t msr = fuzz_u32(&in);
            if (!vmp_lapic_owns_msr(msr))
                msr = 0x800 | (msr & 0xFF);
            struct vmp_lapic *l = b.cpu[cpu & 1];
            if (op == 10) {
                (void)vmp_lapic_msr_write(l, msr, fuzz_u64(&in));
            } else {
                uint64_t v = 0xDEAD;
                int err = vmp_lapic_msr_read(l, msr, &v);
                if (err && v != 0xDEAD)
                    abort(); /* a faulting read leaves the value alone */
            }
            break;
        }
        case 12: {
            struct vmp_lapic *l = b.cpu[fuzz_u8(&in) & 1];
            if (vmp_lapic_has_interrupt(l, 1u << 9)) {
                int v = vmp_lapic_ack(l);
                if (v > 255 || (v < 0 && v != -ENOENT))
                    abort();
            }
            if (vmp_lapic_msr_write(l, 0x80B, 0))
                vmp_lapic_io_ops.write(l, 0xB0, 0, 4);
            break;
        }
        case 13: {
            uint32_t a = fuzz_u32(&in), d = fuzz_u32(&in);
            vmp_msi_send(&msi, 0xFEE00000 | (a & 0xFFFFF), d);
            break;
        }
        }
    }
    vmp_space_destroy(pio);
    irq_board_free(&b);
    return 0;
}
