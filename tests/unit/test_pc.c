/* The reference board (pc.h): every part answers where DESIGN.md's address
 * map ("The reference board") puts it, the ISA interrupts are routed as
 * the MADT says (IRQ 0 on IOAPIC pin 2), HPET legacy replacement cuts the
 * PIT and RTC off, the PCI host decodes mechanism #1 and ECAM, and the
 * whole board saves, loads and resets as one. Datasheets: Intel 8259A,
 * 8254, MC146818A, NS 16550A, 82093AA IOAPIC, IA-PC HPET 1.0a, ACPI 6.4
 * §4.8, PCI Local Bus 3.0 §3.2.2.3.2, PCIe Base §7.2.2, SDM vol. 3A ch. 11.
 *
 * Sources covered: models/board/pc.c, pc_irq.c, pc_devices.c,
 * pc_console.c, pc_cpu.c, pc_ram.c, pc_state.c.
 */
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define IF_FLAG (1u << 9)
#define IOAPIC 0xFEC00000ull
#define LAPIC 0xFEE00000ull

struct hooks_rec {
    unsigned exits, resets, power_offs, lines, kicks, a20_calls;
    bool a20;
    uint64_t exit_status;
    enum vmp_reset_kind reset_kind;
    char line[VMP_PC_DEBUG_LINE_MAX + 1];
    uint8_t out[64];
    unsigned nout;
};

static void h_out(void *o, uint8_t b)
{
    struct hooks_rec *h = o;
    if (h->nout < sizeof h->out)
        h->out[h->nout++] = b;
}
static void h_exit(void *o, uint64_t s)
{
    struct hooks_rec *h = o;
    h->exits++;
    h->exit_status = s;
}
static void h_line(void *o, const char *l)
{
    struct hooks_rec *h = o;
    h->lines++;
    snprintf(h->line, sizeof h->line, "%s", l);
}
static void h_reset(void *o, enum vmp_reset_kind k)
{
    struct hooks_rec *h = o;
    h->resets++;
    h->reset_kind = k;
}
static void h_a20(void *o, bool on)
{
    struct hooks_rec *h = o;
    h->a20_calls++;
    h->a20 = on;
}
static void h_off(void *o) { ((struct hooks_rec *)o)->power_offs++; }
static void h_kick(void *o, unsigned cpu)
{
    (void)cpu;
    ((struct hooks_rec *)o)->kicks++;
}

struct rig {
    struct vmp_clock *clock;
    struct vmp_env env;
    struct hooks_rec h;
    struct vmp_pc *pc;
    struct vmp_space *pio;
};

static struct vmp_pc *make_pc(struct rig *r)
{
    struct vmp_pc_config cfg = {
        .ram_size = 512ull << 20,
        .ncpus = 2,
        .rtc_epoch = 1700000000,
        .hooks = {.console_out = h_out, .debug_exit = h_exit, .debug_line = h_line,
                  .reset = h_reset, .a20 = h_a20, .power_off = h_off, .kick = h_kick,
                  .opaque = &r->h},
    };
    struct vmp_pc *pc = vmp_pc_create(&r->env, &cfg);
    ck_assert_ptr_nonnull(pc);
    ck_assert_int_eq(vmp_pc_create_cpus(pc, 0), 0);
    return pc;
}

/* A board created at virtual time t. */
static void rig_init_at(struct rig *r, uint64_t t)
{
    memset(r, 0, sizeof *r);
    r->clock = vmp_clock_create(NULL, NULL);
    vmp_clock_advance(r->clock, t);
    r->env = (struct vmp_env){r->clock, NULL, NULL};
    r->pc = make_pc(r);
    r->pio = vmp_pc_pio(r->pc);
}

static void rig_init(struct rig *r) { rig_init_at(r, 0); }

static void rig_free(struct rig *r)
{
    vmp_pc_destroy(r->pc);
    vmp_clock_destroy(r->clock);
}

static uint64_t inb(struct rig *r, uint16_t port) { return vmp_space_read(r->pio, port, 1); }
static void outb(struct rig *r, uint16_t port, uint8_t v) { vmp_space_write(r->pio, port, v, 1); }

static uint32_t mmio_rd(struct vmp_pc *pc, unsigned cpu, uint64_t a)
{
    uint32_t v = 0;
    vmp_pc_mmio(pc, cpu, a, (uint8_t *)&v, 4, false);
    return v;
}
static void mmio_wr(struct vmp_pc *pc, unsigned cpu, uint64_t a, uint32_t v)
{
    vmp_pc_mmio(pc, cpu, a, (uint8_t *)&v, 4, true);
}
static void ioapic_wr(struct vmp_pc *pc, unsigned reg, uint32_t v)
{
    mmio_wr(pc, 0, IOAPIC, reg);
    mmio_wr(pc, 0, IOAPIC + 0x10, v);
}
static uint32_t ioapic_rd(struct vmp_pc *pc, unsigned reg)
{
    mmio_wr(pc, 0, IOAPIC, reg);
    return mmio_rd(pc, 0, IOAPIC + 0x10);
}
/* 82093AA §3.2.4: redirection entry: vector, fixed, physical dest 0. */
static void route(struct vmp_pc *pc, unsigned pin, uint8_t vector, bool masked)
{
    ioapic_wr(pc, 0x11 + 2 * pin, 0);
    ioapic_wr(pc, 0x10 + 2 * pin, vector | (masked ? 1u << 16 : 0));
}

/* 8259A: ICW1-4 with vector bases 0x20/0x28, all IRQs masked. */
static void pic_init(struct rig *r)
{
    outb(r, 0x20, 0x11), outb(r, 0x21, 0x20), outb(r, 0x21, 0x04), outb(r, 0x21, 0x01);
    outb(r, 0xA0, 0x11), outb(r, 0xA1, 0x28), outb(r, 0xA1, 0x02), outb(r, 0xA1, 0x01);
    outb(r, 0x21, 0xFF), outb(r, 0xA1, 0xFF);
}

/* 8254 counter 0, mode 2 (rate generator), count n: OUT high, low for one
 * clock every n clocks. */
static void pit_rate(struct rig *r, uint16_t n)
{
    outb(r, 0x43, 0x34);
    outb(r, 0x40, n & 0xFF);
    outb(r, 0x40, n >> 8);
}

START_TEST(address_map)
{
    struct rig r;
    rig_init(&r);
    struct vmp_pc *pc = r.pc;
    /* PIC: an uninitialised 8259A takes a write to port 1 as OCW1 (IMR). */
    outb(&r, 0x21, 0x5A);
    outb(&r, 0xA1, 0xA5);
    ck_assert_uint_eq(inb(&r, 0x21), 0x5A);
    ck_assert_uint_eq(inb(&r, 0xA1), 0xA5);
    outb(&r, 0x4D1, 0x0E); /* ELCR2: IRQ 9-11 level */
    ck_assert_uint_eq(inb(&r, 0x4D1), 0x0E);
    /* PIT: 8254 counter latch of counter 0 reads a count <= the one loaded. */
    pit_rate(&r, 1000);
    vmp_clock_advance(r.clock, 10000);
    outb(&r, 0x43, 0x00);
    unsigned c = (unsigned)inb(&r, 0x40);
    c |= (unsigned)inb(&r, 0x40) << 8;
    ck_assert(c > 0 && c < 1000);
    /* Port B (0x61): bits 0-1 read back (speaker gate/data). */
    outb(&r, 0x61, 0x03);
    ck_assert_uint_eq(inb(&r, 0x61) & 3, 3);
    /* RTC: register A as a BIOS leaves it (0x26), CMOS 0x15 = 640 KiB
     * base memory, 0x34/0x35 the 64 KiB blocks above 16 MiB, and the upper
     * bank at 0x72/0x73. */
    outb(&r, 0x70, 0x0A);
    ck_assert_uint_eq(inb(&r, 0x71), 0x26);
    outb(&r, 0x70, 0x15);
    ck_assert_uint_eq(inb(&r, 0x71), 640 & 0xFF);
    outb(&r, 0x70, 0x34); /* (512 - 16) MiB / 64 KiB = 0x1F00 */
    ck_assert_uint_eq(inb(&r, 0x71), 0x00);
    outb(&r, 0x70, 0x35);
    ck_assert_uint_eq(inb(&r, 0x71), 0x1F);
    outb(&r, 0x72, 0x80);
    outb(&r, 0x73, 0x5A);
    outb(&r, 0x72, 0x80);
    ck_assert_uint_eq(inb(&r, 0x73), 0x5A);
    /* COM1: the 16550A scratch register, LSR THRE|TEMT after reset. */
    outb(&r, 0x3FF, 0xC3);
    ck_assert_uint_eq(inb(&r, 0x3FF), 0xC3);
    ck_assert_uint_eq(inb(&r, 0x3FD), 0x60);
    outb(&r, 0x3F8, 'h');
    ck_assert_uint_eq(r.h.nout, 1);
    ck_assert_uint_eq(r.h.out[0], 'h');
    ck_assert(vmp_pc_console_used(pc));
    /* ACPI PM timer at 0x608 counts at 3.579545 MHz (ACPI §4.8.3.3). */
    uint32_t t0 = (uint32_t)vmp_space_read(r.pio, 0x608, 4);
    vmp_clock_advance(r.clock, 1000000);
    uint32_t t1 = (uint32_t)vmp_space_read(r.pio, 0x608, 4);
    ck_assert_uint_ge(t1 - t0, 3579);
    ck_assert_uint_le(t1 - t0, 3580);
    /* Debug console 0xE9 (reads 0xE9, lines to the hook), debug exit 0xF4. */
    ck_assert_uint_eq(inb(&r, 0xE9), 0xE9);
    for (const char *s = "hi\n"; *s; s++)
        outb(&r, 0xE9, (uint8_t)*s);
    ck_assert_uint_eq(r.h.lines, 1);
    ck_assert_str_eq(r.h.line, "hi");
    outb(&r, 0xF4, 0x21);
    ck_assert_uint_eq(r.h.exits, 1);
    ck_assert_uint_eq(r.h.exit_status, 0x43);
    /* Reset control 0xCF9 (RST_CNT): SYS_RST reads back; RST_CPU 0->1
     * with SYS_RST is a hard reset. Port 0x92 INIT_NOW pulses INIT. */
    outb(&r, 0xCF9, 0x02);
    ck_assert_uint_eq(inb(&r, 0xCF9), 0x02);
    outb(&r, 0xCF9, 0x06);
    ck_assert_uint_eq(r.h.resets, 1);
    ck_assert_int_eq(r.h.reset_kind, VMP_RESET_HARD);
    outb(&r, 0x92, 0x02);
    ck_assert_uint_eq(inb(&r, 0x92), 0x02);
    outb(&r, 0x92, 0x03);
    ck_assert_uint_eq(r.h.resets, 2);
    ck_assert_int_eq(r.h.reset_kind, VMP_RESET_INIT);
    outb(&r, 0x64, 0xFE); /* pulse the i8042's reset output: INIT */
    ck_assert_uint_eq(r.h.resets, 3);
    ck_assert_int_eq(r.h.reset_kind, VMP_RESET_INIT);
    /* i8042 (IBM PC/AT TR, keyboard controller): command 0xAA (self test)
     * answers 0x55 at 0x60; command 0x20 reads the command byte; status
     * at 0x64 shows OBF while a byte waits. */
    outb(&r, 0x64, 0xAA);
    ck_assert_uint_eq(inb(&r, 0x64) & VMP_I8042_STR_OBF, VMP_I8042_STR_OBF);
    ck_assert_uint_eq(inb(&r, 0x60), 0x55);
    outb(&r, 0x64, 0x20);
    ck_assert_uint_eq(inb(&r, 0x60) & 0x43, VMP_I8042_CMD_RESET);
    /* Test device data register at 0xE0. */
    vmp_space_write(r.pio, 0xE0, 0x12345678, 4);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xE0, 4), 0x12345678);
    /* ACPI S5: SLP_TYP 5 with SLP_EN in PM1a control (0x604). */
    vmp_space_write(r.pio, 0x604, VMP_PM_SLP_TYP_S5 << VMP_PM1_SLP_TYP_SHIFT | VMP_PM1_SLP_EN, 2);
    ck_assert_uint_eq(r.h.power_offs, 1);
    /* IOAPIC at 0xFEC00000: version 0x20 with 24 entries, ID = ncpus. */
    ck_assert_uint_eq(ioapic_rd(pc, 1), 0x00170020);
    ck_assert_uint_eq(ioapic_rd(pc, 0) >> 24, 2);
    /* HPET at 0xFED00000: GCAP_ID. */
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_HPET_BASE), VMP_HPET_ID);
    /* LAPIC at 0xFEE00000, per vCPU: each sees its own ID (SDM §11.4.6). */
    ck_assert_uint_eq(mmio_rd(pc, 0, LAPIC + 0x20) >> 24, 0);
    ck_assert_uint_eq(mmio_rd(pc, 1, LAPIC + 0x20) >> 24, 1);
    ck_assert_uint_eq(mmio_rd(pc, 5, LAPIC + 0x20), 0xFFFFFFFF); /* no vCPU 5 */
    uint64_t base = 0;
    ck_assert_int_eq(vmp_pc_msr(pc, 1, VMP_MSR_APIC_BASE, &base, false), 0);
    ck_assert_uint_eq(base, LAPIC | VMP_APIC_BASE_EN);
    ck_assert_int_eq(vmp_pc_msr(pc, 0, 0x10, &base, false), -EINVAL);
    /* PCI: the host bridge 8086:29C0 through 0xCF8/0xCFC and ECAM. */
    vmp_space_write(r.pio, 0xCF8, 0x80000000, 4);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFC, 4), 0x29C08086);
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_PC_ECAM_BASE), 0x29C08086);
    /* Nothing at an unused port or address. */
    ck_assert_uint_eq(inb(&r, 0x300), 0xFF);
    ck_assert_uint_eq(mmio_rd(pc, 0, 0xFE000000), 0xFFFFFFFF);
    rig_free(&r);
}
END_TEST

/* The RAM map: low RAM stops at the PCI hole (3 GiB), the rest is at 4 GiB;
 * 640 KiB-1 MiB is not RAM. */
START_TEST(ram_map)
{
    struct vmp_pc_ram_map m;
    vmp_pc_ram_map(512ull << 20, &m);
    ck_assert_uint_eq(m.low_end, 512ull << 20);
    ck_assert_uint_eq(m.high_size, 0);
    vmp_pc_ram_map(4ull << 30, &m);
    ck_assert_uint_eq(m.low_end, 3ull << 30);
    ck_assert_uint_eq(m.high_size, 1ull << 30);
    static uint8_t host[2 << 20];
    struct vmp_mem *mem = vmp_mem_create();
    ck_assert_int_eq(vmp_pc_add_ram(mem, host, sizeof host), 0);
    ck_assert(vmp_mem_is_backed(mem, 0, 0xA0000));
    ck_assert(!vmp_mem_is_backed(mem, 0xA0000, 1));
    ck_assert(vmp_mem_is_backed(mem, 0x100000, 0x100000));
    ck_assert(!vmp_mem_is_backed(mem, 0x200000, 1));
    uint8_t b = 0x77;
    ck_assert_int_eq(vmp_mem_write(mem, 0x123456, &b, 1), 0);
    ck_assert_uint_eq(host[0x123456], 0x77);
    vmp_mem_destroy(mem);
}
END_TEST

/* ISA IRQ 0 (the PIT) reaches IOAPIC pin 2, as the MADT's override says,
 * and PIC IR0 (virtual wire through LINT0); COM1 is IRQ 4 on pin 4. */
START_TEST(isa_routing)
{
    struct rig r;
    rig_init(&r);
    struct vmp_pc *pc = r.pc;
    pic_init(&r);
    for (unsigned pin = 0; pin < 24; pin++)
        route(pc, pin, (uint8_t)(0x40 + pin), true);
    pit_rate(&r, 100); /* 1193182 Hz / 100: a period of ~84 us */
    route(pc, 2, 0x32, false); /* after the control word's rising OUT */
    ck_assert(!vmp_pc_has_interrupt(pc, 0, IF_FLAG));
    vmp_clock_advance(r.clock, 200000);
    ck_assert(vmp_pc_has_interrupt(pc, 0, IF_FLAG));
    ck_assert_uint_gt(r.h.kicks, 0); /* the vCPU was woken */
    ck_assert_int_eq(vmp_pc_ack(pc, 0), 0x32);
    ck_assert(!vmp_pc_has_interrupt(pc, 1, IF_FLAG)); /* destination 0 only */
    mmio_wr(pc, 0, LAPIC + 0xB0, 0); /* EOI */
    /* Pin 0 is the PIC's ExtINT, not the PIT: unmasked, it sees nothing
     * until the PIC raises INT. */
    route(pc, 2, 0x32, true);
    while (vmp_pc_has_interrupt(pc, 0, IF_FLAG))
        (void)vmp_pc_ack(pc, 0), mmio_wr(pc, 0, LAPIC + 0xB0, 0);
    /* Through the PIC: unmask IR0; LINT0 is ExtINT (virtual wire). */
    outb(&r, 0x21, 0xFE);
    vmp_clock_advance(r.clock, 200000);
    ck_assert(vmp_pc_has_interrupt(pc, 0, IF_FLAG));
    ck_assert_int_eq(vmp_pc_ack(pc, 0), 0x20);
    outb(&r, 0x20, 0x20); /* PIC EOI */
    pit_rate(&r, 0); /* stop: mode 2 with count 0 = 65536, stays high mostly */
    outb(&r, 0x43, 0x30); /* mode 0, no count: OUT low */
    outb(&r, 0x21, 0xFF);
    while (vmp_pc_has_interrupt(pc, 0, IF_FLAG))
        (void)vmp_pc_ack(pc, 0), mmio_wr(pc, 0, LAPIC + 0xB0, 0);
    /* COM1: IER THRE interrupt with OUT2 set drives IRQ 4 (16550A §8.4/8.6). */
    route(pc, 4, 0x34, false);
    ck_assert(!vmp_pc_irq_level(pc, 4));
    outb(&r, 0x3FC, 0x08); /* MCR OUT2 */
    outb(&r, 0x3F9, 0x02); /* IER ETBEI */
    ck_assert(vmp_pc_irq_level(pc, 4));
    ck_assert(vmp_pc_has_interrupt(pc, 0, IF_FLAG));
    ck_assert_int_eq(vmp_pc_ack(pc, 0), 0x34);
    /* The i8042: a key the host types raises IRQ 1 (OBF with the command
     * byte's INT bit), which reaches IOAPIC pin 1; reading 0x60 lowers
     * it. */
    route(pc, 1, 0x31, false);
    ck_assert_int_eq(vmp_i8042_key(vmp_pc_i8042(pc), 30 /* KEY_A */, true), 0);
    ck_assert(vmp_pc_irq_level(pc, 1));
    ck_assert(vmp_lapic_irr_test(vmp_pc_lapic(pc, 0), 0x31));
    ck_assert_uint_eq(inb(&r, 0x60), 0x1E); /* set 1 make code of A */
    ck_assert(!vmp_pc_irq_level(pc, 1));
    /* An embedder's device on GSI 17. */
    route(pc, 17, 0x51, false);
    struct vmp_irq *dev = vmp_pc_irq_source(pc, 17);
    ck_assert_ptr_nonnull(dev);
    ck_assert_ptr_null(vmp_pc_irq_source(pc, 24));
    vmp_irq_set(dev, true);
    ck_assert(vmp_pc_irq_level(pc, 17));
    ck_assert(vmp_lapic_irr_test(vmp_pc_lapic(pc, 0), 0x51));
    rig_free(&r);
}
END_TEST

/* A20 is port 0x92 bit 1 OR the i8042 output port bit 1 (ICH/PCH
 * datasheets, Port 92h ALT_A20_GATE). The i8042 powers up with it on. */
START_TEST(a20_gate)
{
    struct rig r;
    rig_init(&r);
    ck_assert(vmp_pc_a20(r.pc));
    outb(&r, 0x64, 0xD1); /* write output port: A20 off, reset not asserted */
    outb(&r, 0x60, 0x01);
    ck_assert(!vmp_pc_a20(r.pc));
    ck_assert_uint_eq(r.h.a20_calls, 1);
    ck_assert(!r.h.a20);
    outb(&r, 0x92, 0x02);
    ck_assert(vmp_pc_a20(r.pc));
    ck_assert(r.h.a20);
    outb(&r, 0x64, 0xDF); /* A20 on through the controller too */
    outb(&r, 0x92, 0x00);
    ck_assert(vmp_pc_a20(r.pc)); /* still on: the OR */
    ck_assert_uint_eq(r.h.a20_calls, 2);
    outb(&r, 0x64, 0xDD);
    ck_assert(!vmp_pc_a20(r.pc));
    /* A reset gives the power-on gate back. */
    vmp_pc_reset(r.pc);
    ck_assert(vmp_pc_a20(r.pc));
    ck_assert(r.h.a20);
    rig_free(&r);
}
END_TEST

/* IA-PC HPET 1.0a §2.3.9.2.2: with LEG_RT_CNF set the 8254 and the RTC no
 * longer interrupt (timer 0 and 1 own IRQ 0 and IRQ 8); clearing it gives
 * them back. */
START_TEST(hpet_legacy_gate)
{
    struct rig r;
    rig_init(&r);
    struct vmp_pc *pc = r.pc;
    pit_rate(&r, 1000); /* OUT0 high between the one-clock low pulses */
    vmp_clock_advance(r.clock, 1000);
    ck_assert(vmp_pc_irq_level(pc, 0));
    /* RTC periodic interrupt: PIE in register B; IRQF follows (MC146818A). */
    outb(&r, 0x70, 0x0B);
    outb(&r, 0x71, 0x42);
    vmp_clock_advance(r.clock, 2000000);
    ck_assert(vmp_pc_irq_level(pc, 8));
    mmio_wr(pc, 0, VMP_HPET_BASE + 0x10, 2); /* GEN_CONF LEG_RT_CNF, not enabled */
    ck_assert(!vmp_pc_irq_level(pc, 0));
    ck_assert(!vmp_pc_irq_level(pc, 8));
    for (unsigned i = 0; i < 50; i++) {
        vmp_clock_advance(r.clock, 1003);
        ck_assert(!vmp_pc_irq_level(pc, 0));
        ck_assert(!vmp_pc_irq_level(pc, 8));
    }
    /* Register C still reports the RTC's flags (the gate is outside it). */
    outb(&r, 0x70, 0x0C);
    ck_assert_uint_eq(inb(&r, 0x71) & 0xC0, 0xC0);
    vmp_clock_advance(r.clock, 2000000);
    mmio_wr(pc, 0, VMP_HPET_BASE + 0x10, 0);
    ck_assert(vmp_pc_irq_level(pc, 0));
    ck_assert(vmp_pc_irq_level(pc, 8));
    rig_free(&r);
}
END_TEST

/* PCI 3.0 §3.2.2.3.2: only dword accesses to 0xCF8 are CONFIG_ADDRESS;
 * bit 31 enables the data window; absent functions read all ones. PCIe
 * §7.2.2: ECAM address = bus << 20 | dev << 15 | fn << 12 | reg. */
START_TEST(pci_host_decode)
{
    struct rig r;
    rig_init(&r);
    struct vmp_pc *pc = r.pc;
    vmp_space_write(r.pio, 0xCF8, 0x80000008, 4);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCF8, 4), 0x80000008);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFC, 4) >> 8, 0x060000); /* host bridge */
    outb(&r, 0xCF8, 0x00); /* a byte write is not CONFIG_ADDRESS */
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCF8, 4), 0x80000008);
    vmp_space_write(r.pio, 0xCF8, 0x80000000, 4);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFE, 2), 0x29C0);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFD, 1), 0x80);
    vmp_space_write(r.pio, 0xCF8, 0x00000000, 4); /* enable clear */
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFC, 4), 0xFFFFFFFF);
    vmp_space_write(r.pio, 0xCF8, 0x80000000 | 5 << 11, 4); /* 00:05.0 */
    ck_assert_uint_eq(vmp_space_read(r.pio, 0xCFC, 4), 0xFFFFFFFF);
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_PC_ECAM_BASE + (5 << 15)), 0xFFFFFFFF);
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_PC_ECAM_BASE + 8) >> 8, 0x060000);
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_PC_ECAM_BASE + (255ull << 20)), 0xFFFFFFFF);
    /* Both mechanisms reach the same function: a write through one reads
     * back through the other (latency timer, offset 0x0D). */
    vmp_space_write(r.pio, 0xCF8, 0x8000000C, 4);
    outb(&r, 0xCFD, 0x40);
    ck_assert_uint_eq(mmio_rd(pc, 0, VMP_PC_ECAM_BASE + 0xC) >> 8 & 0xFF,
                      vmp_space_read(r.pio, 0xCFD, 1));
    /* The configuration space itself, as a firmware would use it. */
    ck_assert_uint_eq(vmp_space_read(vmp_pc_pci_cfg(pc), 0, 2), 0x8086);
    rig_free(&r);
}
END_TEST

/* A board with something in every part: the PIT and LAPIC timers running,
 * RTC periodic interrupts, HPET comparator, IOAPIC routes, console input
 * waiting in the UART, a half line in the debug console. */
static void make_busy(struct rig *r, bool rtc_rate)
{
    struct vmp_pc *pc = r->pc;
    pic_init(r);
    outb(r, 0x21, 0xFE);
    for (unsigned pin = 0; pin < 24; pin++)
        route(pc, pin, (uint8_t)(0x40 + pin), pin != 2 && pin != 8 && pin != 16);
    pit_rate(r, 5000);
    outb(r, 0x70, 0x0B);
    outb(r, 0x71, 0x42);
    if (rtc_rate) {
        outb(r, 0x70, 0x0A);
        outb(r, 0x71, 0x2A); /* 64 Hz */
    }
    mmio_wr(pc, 0, VMP_HPET_BASE + 0x100, 0x4 | 0x8 | 16u << 9); /* T0 periodic to GSI 16 */
    mmio_wr(pc, 0, VMP_HPET_BASE + 0x108, 20000);
    mmio_wr(pc, 0, VMP_HPET_BASE + 0x10, 1);
    mmio_wr(pc, 1, LAPIC + 0x3E0, 0xB);       /* divide by 1 */
    mmio_wr(pc, 1, LAPIC + 0x320, 0x20000 | 0x61); /* periodic, vector 0x61 */
    mmio_wr(pc, 1, LAPIC + 0x380, 123457);
    outb(r, 0x3FB, 0x03);
    outb(r, 0x3F9, 0x01); /* IER receive */
    outb(r, 0x3FC, 0x08);
    static const uint8_t in[40] = "some console input for the guest.......";
    ck_assert_uint_eq(vmp_pc_console_input(pc, in, sizeof in), sizeof in);
    ck_assert(!vmp_pc_console_wants_input(pc)); /* 16 in the FIFO, 24 waiting */
    outb(r, 0xE9, 'x');
    vmp_space_write(r->pio, 0xCF8, 0x8000000C, 4);
    vmp_i8042_key(vmp_pc_i8042(pc), 30, true); /* a key waiting at 0x60 */
    vmp_i8042_key(vmp_pc_i8042(pc), 30, false);
    vmp_clock_advance(r->clock, 3333333);
}

/* Run the same guest-visible sequence on a board and record what it sees. */
static void observe(struct rig *r, uint32_t *out, unsigned n)
{
    struct vmp_pc *pc = r->pc;
    for (unsigned i = 0; i < n; i++) {
        uint32_t v = 0;
        switch (i % 8) {
        case 0: v = (uint32_t)vmp_pc_has_interrupt(pc, i / 8 % 2, IF_FLAG); break;
        case 1: v = vmp_pc_has_interrupt(pc, 0, IF_FLAG) ? (uint32_t)vmp_pc_ack(pc, 0) : 0; break;
        case 2: mmio_wr(pc, 0, LAPIC + 0xB0, 0), outb(r, 0x20, 0x20); break;
        case 3: v = (uint32_t)inb(r, 0x3F8) | (uint32_t)inb(r, 0x3FD) << 8 | (uint32_t)inb(r, 0x3FA) << 16; break;
        case 4: outb(r, 0x70, 0x0C), v = (uint32_t)inb(r, 0x71); break;
        case 5: v = mmio_rd(pc, 1, LAPIC + 0x390) ^ mmio_rd(pc, 0, VMP_HPET_BASE + 0x20); break;
        case 6: outb(r, 0x43, 0), v = (uint32_t)inb(r, 0x40) | (uint32_t)inb(r, 0x40) << 8; break;
        default:
            v = vmp_pc_has_interrupt(pc, 1, IF_FLAG) ? (uint32_t)vmp_pc_ack(pc, 1) : 0;
            mmio_wr(pc, 1, LAPIC + 0xB0, 0);
            vmp_clock_advance(r->clock, 77777);
            break;
        }
        out[i] = v;
    }
}

static int pc_save_any(const void *m, struct vmp_state_writer *w) { return vmp_pc_save(m, w); }
static int pc_load_any(void *m, struct vmp_state_reader *r) { return vmp_pc_load(m, r); }

static void save_bytes(struct vmp_pc *pc, struct vmp_state_writer *w)
{
    vmp_state_writer_init(w);
    ck_assert_int_eq(vmp_pc_save(pc, w), 0);
}

/* The debug console passes lines of at most VMP_PC_DEBUG_LINE_MAX bytes;
 * a part line survives save/load. */
START_TEST(debug_console_lines)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    for (unsigned i = 0; i < VMP_PC_DEBUG_LINE_MAX * 2; i++)
        outb(&a, 0xE9, (uint8_t)('a' + i % 26));
    ck_assert_uint_eq(a.h.lines, 1);
    ck_assert_uint_eq(strlen(a.h.line), VMP_PC_DEBUG_LINE_MAX);
    ck_assert_int_eq(test_roundtrip(a.pc, b.pc, pc_save_any, pc_load_any), 0);
    outb(&b, 0xE9, '\n');
    ck_assert_uint_eq(b.h.lines, 1);
    ck_assert_uint_eq(strlen(b.h.line), VMP_PC_DEBUG_LINE_MAX);
    ck_assert_uint_eq((uint8_t)b.h.line[0], 'a' + VMP_PC_DEBUG_LINE_MAX % 26);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

/* The busy board's state loaded into a fresh board (on its own clock at
 * the same time) gives the same state back and the same behaviour from
 * then on. */
START_TEST(save_load_busy)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    make_busy(&a, true);
    vmp_clock_advance(b.clock, vmp_clock_now(a.clock));
    ck_assert_int_eq(test_roundtrip(a.pc, b.pc, pc_save_any, pc_load_any), 0);
    struct vmp_state_writer wa, wb;
    save_bytes(a.pc, &wa);
    save_bytes(b.pc, &wb);
    ck_assert_uint_eq(wa.len, wb.len);
    ck_assert(memcmp(wa.buf, wb.buf, wa.len) == 0);
    vmp_state_writer_free(&wa);
    vmp_state_writer_free(&wb);
    static uint32_t oa[800], ob[800];
    observe(&a, oa, 800);
    observe(&b, ob, 800);
    ck_assert(memcmp(oa, ob, sizeof oa) == 0);
    /* The observation saw the timers fire and the input arrive. */
    unsigned acks = 0, rx = 0;
    for (unsigned i = 0; i < 800; i++) {
        acks += i % 8 == 1 && oa[i] >= 0x20;
        rx += i % 8 == 3 && (oa[i] >> 8 & 1);
    }
    ck_assert_uint_gt(acks, 3);
    ck_assert_uint_gt(rx, 10);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

static void same_bytes(struct vmp_state_writer *x, struct vmp_state_writer *y, const char *what)
{
    ck_assert_msg(x->len == y->len && memcmp(x->buf, y->buf, x->len) == 0, "%s differs", what);
    vmp_state_writer_free(x);
    vmp_state_writer_free(y);
    vmp_state_writer_init(x);
    vmp_state_writer_init(y);
}

/* A reset board behaves as a fresh one. Two things differ by design, as on
 * hardware: the ACPI PM timer restarts from 0 at the reset, and the RTC's
 * divider chain (the phase of its periodic interrupt) keeps running. */
START_TEST(reset_equivalence)
{
    struct rig a, f;
    rig_init(&a);
    rig_init(&f);
    /* Register A (the RTC's divider and rate) survives a reset (MC146818A
     * "RESET" leaves it alone), so this board keeps the default rate. */
    make_busy(&a, false);
    outb(&a, 0x3F8, 'y');
    vmp_pc_reset(a.pc);
    ck_assert(!vmp_pc_console_used(a.pc));
    ck_assert(vmp_pc_console_wants_input(a.pc));
    ck_assert(!vmp_pc_irq_level(a.pc, 0));
    vmp_clock_advance(f.clock, vmp_clock_now(a.clock));
    /* Program both the same way, then watch. */
    make_busy(&a, false);
    make_busy(&f, false);
    static uint32_t oa[800], of[800];
    observe(&a, oa, 800);
    observe(&f, of, 800);
    for (unsigned i = 0; i < 800; i++)
        if (oa[i] != of[i])
            ck_abort_msg("observation %u (kind %u): %x vs %x", i, i % 8, oa[i], of[i]);
    /* And the same state in every part (the PM block by its registers). */
    struct vmp_state_writer wa, wf;
    vmp_state_writer_init(&wa);
    vmp_state_writer_init(&wf);
    ck_assert_int_eq(vmp_pic_save(vmp_pc_pic(a.pc), &wa) | vmp_pic_save(vmp_pc_pic(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "pic");
    ck_assert_int_eq(vmp_ioapic_save(vmp_pc_ioapic(a.pc), &wa) |
                     vmp_ioapic_save(vmp_pc_ioapic(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "ioapic");
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_int_eq(vmp_lapic_save(vmp_pc_lapic(a.pc, i), &wa) |
                         vmp_lapic_save(vmp_pc_lapic(f.pc, i), &wf), 0);
        same_bytes(&wa, &wf, "lapic");
    }
    ck_assert_int_eq(vmp_pit_save(vmp_pc_pit(a.pc), &wa) | vmp_pit_save(vmp_pc_pit(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "pit");
    ck_assert_int_eq(vmp_hpet_save(vmp_pc_hpet(a.pc), &wa) | vmp_hpet_save(vmp_pc_hpet(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "hpet");
    ck_assert_int_eq(vmp_uart_save(vmp_pc_com1(a.pc), &wa) | vmp_uart_save(vmp_pc_com1(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "uart");
    ck_assert_int_eq(vmp_pci_host_save(vmp_pc_pci_host(a.pc), &wa) |
                     vmp_pci_host_save(vmp_pc_pci_host(f.pc), &wf), 0);
    same_bytes(&wa, &wf, "pci host");
    for (uint16_t port = 0x600; port < 0x606; port++)
        ck_assert_uint_eq(inb(&a, port), inb(&f, port));
    vmp_state_writer_free(&wa);
    vmp_state_writer_free(&wf);
    rig_free(&a);
    rig_free(&f);
}
END_TEST

START_TEST(truncated_state)
{
    struct rig a;
    rig_init(&a);
    make_busy(&a, true);
    struct vmp_pc *b = make_pc(&a);
    ck_assert_uint_eq(test_truncations_loaded(a.pc, b, pc_save_any, pc_load_any), 0);
    /* Another vCPU count is refused. */
    struct vmp_pc_config one = {.ram_size = 1 << 20, .ncpus = 1};
    struct vmp_pc *c = vmp_pc_create(&a.env, &one);
    ck_assert_int_eq(vmp_pc_create_cpus(c, 0), 0);
    ck_assert_int_eq(vmp_pc_create_cpus(c, 0), -EEXIST);
    ck_assert_int_ne(test_roundtrip(a.pc, c, pc_save_any, pc_load_any), 0);
    vmp_pc_destroy(c);
    /* A failed load leaves the board as it was: same state afterwards. */
    struct vmp_state_writer wa, before, after;
    save_bytes(a.pc, &wa);
    save_bytes(b, &before);
    wa.buf[wa.len - 5] ^= 0xFF; /* inside the last LAPIC's section */
    struct vmp_state_reader rd;
    vmp_state_reader_init(&rd, wa.buf, wa.len);
    (void)vmp_pc_load(b, &rd);
    save_bytes(b, &after);
    ck_assert_uint_eq(before.len, after.len);
    ck_assert(memcmp(before.buf, after.buf, before.len) == 0);
    vmp_state_writer_free(&wa);
    vmp_state_writer_free(&before);
    vmp_state_writer_free(&after);
    vmp_pc_destroy(b);
    rig_free(&a);
}
END_TEST

Suite *pc_suite(void)
{
    Suite *s = suite_create("pc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, address_map);
    tcase_add_test(tc, ram_map);
    tcase_add_test(tc, isa_routing);
    tcase_add_test(tc, hpet_legacy_gate);
    tcase_add_test(tc, a20_gate);
    tcase_add_test(tc, pci_host_decode);
    tcase_add_test(tc, debug_console_lines);
    tcase_add_test(tc, save_load_busy);
    tcase_add_test(tc, reset_equivalence);
    tcase_add_test(tc, truncated_state);
    suite_add_tcase(s, tc);
    return s;
}
