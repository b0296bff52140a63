/* Named regression tests for the classic device-model bug classes, run
 * against every model of the reference board together. A guest is hostile:
 * whatever it writes, a part may not read or write outside its own memory
 * (the sanitizer build, `make check SANITIZE=1`, turns any such access in
 * these sweeps into a failure), allocate memory sized by the guest, or
 * reach device registers through guest-memory DMA.
 *
 * Classes covered elsewhere, by the part that owns them:
 *   unbounded queued serial output/input  test_uart.c bounded_memory
 *   a looping capability list             test_pci_msi.c cap_walk_guard
 *   AAM with a zero divisor               test_x86exec.c
 *   INT 13h bad packets, zero counts      test_bios_disk.c
 * Classes with no model yet: NIC frames longer than the receive buffer,
 * descriptor rings that loop, zero-length DMA tables (no DMA engine or NIC
 * exists); each arrives with its model. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <vmparts/irq.h>
#include <vmparts/pc.h>

#include "helpers.h"

#define ISA_LINES 16

/* The reference board (pc.h) with one vCPU, and what the sweeps use. */
struct board {
    struct vmp_clock *clock;
    struct vmp_pc *pc;
    struct vmp_space *pio;
    struct vmp_mem *mem;
    uint8_t *ram;
    struct vmp_irq *drive[ISA_LINES]; /* extra sources the test drives */
    struct vmp_pic *pic;
    struct vmp_lapic *lapic;
    struct vmp_env env;
};

#define RAM_SIZE (2u << 20)

static void board_create(struct board *b)
{
    memset(b, 0, sizeof *b);
    b->clock = vmp_clock_create(NULL, NULL);
    b->mem = vmp_mem_create();
    b->ram = calloc(1, RAM_SIZE);
    ck_assert_int_eq(vmp_pc_add_ram(b->mem, b->ram, RAM_SIZE), 0);
    b->env = (struct vmp_env){ b->clock, b->mem, NULL };
    struct vmp_pc_config cfg = { .ram_size = RAM_SIZE, .ncpus = 1, .rtc_epoch = 1700000000 };
    b->pc = vmp_pc_create(&b->env, &cfg);
    ck_assert_ptr_nonnull(b->pc);
    ck_assert_int_eq(vmp_pc_create_cpus(b->pc, 0), 0);
    b->pio = vmp_pc_pio(b->pc);
    b->pic = vmp_pc_pic(b->pc);
    b->lapic = vmp_pc_lapic(b->pc, 0);
    for (unsigned i = 0; i < ISA_LINES; i++) {
        b->drive[i] = vmp_pc_irq_source(b->pc, i);
        ck_assert_ptr_nonnull(b->drive[i]);
    }
}

static void board_destroy(struct board *b)
{
    vmp_pc_destroy(b->pc);
    vmp_mem_destroy(b->mem);
    free(b->ram);
    vmp_clock_destroy(b->clock);
}

/* MMIO as vCPU 0 sees it (its LAPIC page included). */
static uint64_t mmio_read(struct board *b, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    vmp_pc_mmio(b->pc, 0, addr, (uint8_t *)&v, size, false);
    return v;
}

static void mmio_write(struct board *b, uint64_t addr, uint64_t v, unsigned size)
{
    vmp_pc_mmio(b->pc, 0, addr, (uint8_t *)&v, size, true);
}

/* Every register window of the board, for random streams. */
static const struct { bool mmio; uint64_t base, len; } windows[] = {
    { false, 0x20, 2 }, { false, 0xA0, 2 }, { false, 0x4D0, 2 }, { false, 0x40, 4 },
    { false, 0x61, 1 }, { false, 0x70, 4 }, { false, 0x3F8, 8 }, { false, 0x600, 64 },
    { false, 0xCF8, 8 }, { true, 0xFEC00000, 0x100 }, { true, 0xFEE00000, 0x1000 },
    { true, 0xB0000000, 0x10000 }, { true, 0xFED00000, 0x400 }, { false, 0x92, 1 },
    { false, 0xE0, 8 }, { false, 0x2000, 24 }, { false, 0x60, 1 }, { false, 0x64, 1 },
};

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void hostile_ops(struct board *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = rnd();
        unsigned w = (unsigned)(r % (sizeof windows / sizeof windows[0]));
        uint64_t addr = windows[w].base + (r >> 8) % windows[w].len;
        unsigned size = 1u << (r >> 40 & 3);
        uint64_t v = rnd();
        /* Bias values towards the interesting ones: all ones, zero, and
         * small numbers (indexes, counts). */
        if ((r >> 44 & 3) == 0)
            v = ~0ull;
        else if ((r >> 44 & 3) == 1)
            v &= 0xFF;
        bool mmio = windows[w].mmio;
        switch (r >> 50 & 7) {
        case 0: case 1: case 2:
            if (mmio)
                mmio_write(b, addr, v, size);
            else
                vmp_space_write(b->pio, addr, v, size);
            break;
        case 3: case 4:
            (void)(mmio ? mmio_read(b, addr, size) : vmp_space_read(b->pio, addr, size));
            break;
        case 5:
            vmp_clock_advance(b->clock, v % 2000000);
            break;
        case 6:
            vmp_irq_set(b->drive[v % ISA_LINES], v >> 8 & 1);
            break;
        case 7: { /* what a vCPU backend does */
            if (vmp_lapic_has_interrupt(b->lapic, VMP_FLAG_IF))
                (void)vmp_lapic_ack(b->lapic);
            uint64_t msr = 0x800 + (v & 0xFF);
            uint64_t val = 0;
            if (v & 0x100)
                vmp_lapic_msr_write(b->lapic, (uint32_t)msr, rnd());
            else
                vmp_lapic_msr_read(b->lapic, (uint32_t)msr, &val);
            if (vmp_pic_intr(b->pic))
                (void)vmp_pic_ack(b->pic);
            break;
        }
        }
    }
}

/* Class: a guest-chosen allocation size, and unbounded queues. No register
 * write may make a part allocate: after a warm-up (which lets bounded
 * structures such as the bus's region array reach their size) the heap
 * must not grow at all over a long hostile stream. */
START_TEST(no_guest_driven_allocation)
{
    struct board b;
    board_create(&b);
    rng_state = 0x9E3779B97F4A7C15ull;
    hostile_ops(&b, 20000);
    size_t before = mallinfo2().uordblks;
    hostile_ops(&b, 300000);
    size_t after = mallinfo2().uordblks;
    ck_assert_uint_eq(after, before);
    board_destroy(&b);
}
END_TEST

/* Class: an index register running past its array (VENOM: a command FIFO
 * index past its buffer). Every index every part takes is swept with every
 * value, then the data port read and written; afterwards each part still
 * answers its identification registers as its datasheet says. */
START_TEST(index_registers_stay_in_bounds)
{
    struct board b;
    board_create(&b);
    /* RTC/CMOS index (0x70) and the extended bank (0x72), all 256 values. */
    for (unsigned port = 0x70; port <= 0x72; port += 2)
        for (unsigned idx = 0; idx < 256; idx++) {
            vmp_space_write(b.pio, port, idx, 1);
            (void)vmp_space_read(b.pio, port + 1, 1);
            vmp_space_write(b.pio, port, idx, 1);
            vmp_space_write(b.pio, port + 1, 0xA5, 1);
        }
    /* IOAPIC IOREGSEL: every 8-bit index, IOWIN read and written. */
    for (unsigned sel = 0; sel < 256; sel++) {
        mmio_write(&b, 0xFEC00000, sel, 4);
        (void)mmio_read(&b, 0xFEC00010, 4);
        mmio_write(&b, 0xFEC00000, sel, 4);
        mmio_write(&b, 0xFEC00010, 0xFFFFFFFF, 4);
    }
    /* 82093AA §3.2.2: register 01h, bits 23:16 = maximum redirection
     * entry (23 for 24 pins). */
    mmio_write(&b, 0xFEC00000, 1, 4);
    ck_assert_uint_eq(mmio_read(&b, 0xFEC00010, 4) >> 16 & 0xFF, 23);
    /* LAPIC: every offset of the page at every size, both directions. */
    for (unsigned off = 0; off < 0x1000; off++)
        for (unsigned sz = 1; sz <= 8; sz <<= 1) {
            (void)mmio_read(&b, 0xFEE00000 + off, sz);
            if (off != 0xF0) /* keep the APIC software-enabled bit alone */
                mmio_write(&b, 0xFEE00000 + off, ~0ull, sz);
        }
    /* x2APIC MSR range, every MSR. */
    for (uint32_t msr = 0x800; msr < 0x900; msr++) {
        uint64_t v;
        vmp_lapic_msr_read(b.lapic, msr, &v);
    }
    /* SDM vol. 3 §11.4.8: version register bits 7:0 are 0x1X for an
     * integrated APIC. */
    ck_assert_uint_eq(mmio_read(&b, 0xFEE00030, 4) & 0xF0, 0x10);
    /* PCI: every register of a present and an absent function through
     * CF8/CFC (all byte lanes) and ECAM. */
    for (unsigned dev = 0; dev < 2; dev++)
        for (unsigned reg = 0; reg < 0x100; reg += 4) {
            vmp_space_write(b.pio, 0xCF8, 0x80000000u | dev << 11 | reg, 4);
            for (unsigned lane = 0; lane < 4; lane++) {
                (void)vmp_space_read(b.pio, 0xCFC + lane, 1);
                vmp_space_write(b.pio, 0xCFC + lane, 0xFF, 1);
            }
        }
    for (unsigned reg = 0; reg < 0x1000; reg++) {
        (void)mmio_read(&b, 0xB0000000 + reg, 1);
        mmio_write(&b, 0xB0000000 + reg, 0xFF, 1);
    }
    /* PCI 3.0 §6.2.1: vendor and device ID are read-only. */
    ck_assert_uint_eq(mmio_read(&b, 0xB0000000, 2), 0x8086);
    /* 16550 FIFO: 1000 bytes in loopback into a 16-byte FIFO. */
    vmp_space_write(b.pio, 0x3FA, 0x07, 1); /* FIFO on, both reset */
    vmp_space_write(b.pio, 0x3FC, 0x10, 1); /* loopback */
    for (unsigned i = 0; i < 1000; i++)
        vmp_space_write(b.pio, 0x3F8, i, 1);
    /* PC16550D LSR bit 1: overrun once the FIFO is full. */
    ck_assert_uint_eq(vmp_space_read(b.pio, 0x3FD, 1) & 0x03, 0x03);
    board_destroy(&b);
}
END_TEST

/* Class: a device DMA-ing into its own registers. Device DMA goes through
 * vmp_mem only, and guest memory holds RAM and ROM, never MMIO: a DMA
 * address aimed at a device's registers fails and the device is untouched. */
START_TEST(dma_cannot_reach_device_registers)
{
    struct board b;
    board_create(&b);
    mmio_write(&b, 0xFEC00000, 0x10, 4); /* IOREGSEL = redir 0 */
    uint32_t sel = 0x01;
    ck_assert_int_eq(vmp_mem_write(b.mem, 0xFEC00000, &sel, 4), -EFAULT);
    ck_assert_int_eq(vmp_mem_write(b.mem, 0xFEE000B0, &sel, 4), -EFAULT); /* LAPIC EOI */
    ck_assert_int_eq(vmp_mem_write(b.mem, RAM_SIZE - 2, &sel, 4), -EFAULT); /* runs off RAM */
    ck_assert_int_eq(vmp_mem_write(b.mem, 0xA0000 - 2, &sel, 4), -EFAULT); /* into VGA */
    ck_assert_uint_eq(mmio_read(&b, 0xFEC00000, 4), 0x10);
    board_destroy(&b);
}
END_TEST

Suite *hardening_suite(void)
{
    Suite *s = suite_create("hardening");
    TCase *tc = tcase_create("classes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, no_guest_driven_allocation);
    tcase_add_test(tc, index_registers_stay_in_bounds);
    tcase_add_test(tc, dma_cannot_reach_device_registers);
    suite_add_tcase(s, tc);
    return s;
}
