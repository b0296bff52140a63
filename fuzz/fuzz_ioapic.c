/* Fuzzes the IOAPIC on a board with two LAPICs and the PIC, through the
 * generic op stream: MMIO windows 0 = IOAPIC, 1 = LAPIC 0, 2 = LAPIC 1
 * (their xAPIC pages), lines 0-23 = GSIs, PIO window 0 = a "vCPU" port
 * whose reads acknowledge (offset bit 0 = CPU, bits 2:1 = ack, NMI, INIT,
 * SIPI), clock steps for the LAPIC timers, save/load round trips. The
 * input's first byte picks IOAPIC version 0x11 or 0x20. */
#include "irq_board.h"

static uint64_t vcpu_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    irq_board_cpu_op(dev, off & 1, (unsigned)(off >> 1));
    return 0;
}
static void vcpu_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)dev;
    (void)off;
    (void)v;
    (void)size;
}
static const struct vmp_io_ops vcpu_ops = { vcpu_read, vcpu_write, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct irq_board ib;
    struct fuzz_board b = { 0 };
    irq_board_init(&ib, (fuzz_u8(&in) & 1) ? 0x11 : 0x20);
    b.mmio = vmp_space_create("mmio", UINT64_MAX);
    b.pio = vmp_space_create("pio", 0xFFFF);
    if (!b.mmio || !b.pio || vmp_ioapic_attach(ib.io, b.mmio, VMP_IOAPIC_BASE_DEFAULT) ||
        vmp_space_map(b.mmio, 0xFEE00000, 0x1000, &vmp_lapic_io_ops, ib.cpu[0]) ||
        vmp_space_map(b.mmio, 0xFEE01000, 0x1000, &vmp_lapic_io_ops, ib.cpu[1]) ||
        vmp_space_map(b.pio, 0x100, 8, &vcpu_ops, &ib))
        abort();
    b.mmio_win[b.n_mmio_win++] = VMP_IOAPIC_BASE_DEFAULT;
    b.mmio_win[b.n_mmio_win++] = 0xFEE00000;
    b.mmio_win[b.n_mmio_win++] = 0xFEE01000;
    b.pio_win[b.n_pio_win++] = 0x100;
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        b.lines[b.n_lines++] = ib.src[i];
    b.clock = ib.clock;
    b.save_load = irq_board_save_load;
    b.opaque = &ib;
    fuzz_run_ops(&b, &in);
    vmp_space_destroy(b.mmio);
    vmp_space_destroy(b.pio);
    irq_board_free(&ib);
    return 0;
}
