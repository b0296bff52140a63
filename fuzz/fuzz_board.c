/* Fuzz the whole reference board (pc.h) with two vCPUs: port, MMIO and PCI
 * configuration op streams (fuzz_ops.h) against every part at once, clock
 * steps on a host time source (late timers must catch up), the 24 ISA and
 * PCI interrupt inputs, and whole-board save/load round trips. Each input
 * gets a freshly created board; everything is freed at the end.
 *
 * The MMIO "space" the op stream sees is the vCPUs' view, so the per-vCPU
 * LAPIC dispatch of vmp_pc_mmio is what gets exercised:
 *   [0, 4 GiB)              vCPU 0's MMIO (vmp_pc_mmio, cpu 0)
 *   [4 GiB, 8 GiB)          vCPU 1's MMIO
 *   MSR_BASE + cpu * 0x200  RDMSR/WRMSR of that vCPU: offset o is x2APIC
 *                           MSR 0x800 + (o & 0xFF); o 0x100 is
 *                           IA32_APIC_BASE, 0x101 IA32_TSC_DEADLINE
 *   CPU_BASE                the backend's calls: a read at 2 * k + cpu
 *                           runs call k (ack, NMI, INIT, SIPI, wakeup,
 *                           CR8) on that vCPU; a write at 0/1 sets its
 *                           CR8, at 2 types a host key (value bits 8:0
 *                           the Linux keycode, bit 9 pressed), at 3 moves
 *                           the host mouse (dx, dy, dz, buttons bytes)
 * Windows: PIO 0 PIC, 1 slave PIC, 2 ELCR, 3 PIT, 4 port B, 5 RTC, 6 COM1,
 * 7 PM, 8 CF8, 9 port 92, 10 testdev, 11 testdev IRQs, 12 debug console,
 * 13 debug exit, 14 i8042 data, 15 i8042 command; MMIO 0 IOAPIC, 1 HPET, 2 HPET timers, 3 LAPIC, 4 LAPIC
 * ICR, 5 vCPU 1's LAPIC, 6 ECAM 00:00.0, 7 ECAM bus 1, 8/9 MSRs of vCPU
 * 0/1, 10 backend calls, 11 vCPU 1's IOAPIC view; CFG 0 00:00.0.
 *
 * Sources covered: models/board/pc.c, pc_irq.c, pc_devices.c,
 * pc_console.c, pc_cpu.c, pc_ram.c, pc_state.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

#define CPU1_VIEW (1ull << 32)
#define MSR_BASE (2ull << 32)
#define CPU_BASE (3ull << 32)
#define RAM_SIZE (64u << 10)

struct ctx {
    struct vmp_pc *pc;
    uint32_t flip;
    unsigned out, exits, resets, offs, kicks;
};

static int pc_save_any(const void *m, struct vmp_state_writer *w) { return vmp_pc_save(m, w); }
static int pc_load_any(void *m, struct vmp_state_reader *r) { return vmp_pc_load(m, r); }

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u; /* which bit the check flips */
    return fuzz_state_check(c->pc, pc_save_any, pc_load_any, c->flip);
}

/* Hooks: counted, never acted on (the board keeps running after a reset
 * or power-off request, as a fuzzer wants). */
static void h_out(void *o, uint8_t b) { (void)b, ((struct ctx *)o)->out++; }
static void h_exit(void *o, uint64_t s) { (void)s, ((struct ctx *)o)->exits++; }
static void h_reset(void *o, enum vmp_reset_kind k) { (void)k, ((struct ctx *)o)->resets++; }
static void h_a20(void *o, bool on) { (void)o, (void)on; }
static void h_off(void *o) { ((struct ctx *)o)->offs++; }
static void h_kick(void *o, unsigned cpu) { (void)cpu, ((struct ctx *)o)->kicks++; }

static void h_line(void *o, const char *line)
{
    (void)o;
    if (strlen(line) > VMP_PC_DEBUG_LINE_MAX)
        abort(); /* the board promised at most this much */
}

/* --- the vCPUs' view of MMIO --- */

static uint64_t view_read(struct vmp_pc *pc, unsigned cpu, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    vmp_pc_mmio(pc, cpu, off, (uint8_t *)&v, size, false);
    return v;
}

static uint64_t cpu0_read(void *dev, uint64_t off, unsigned size) { return view_read(dev, 0, off, size); }
static uint64_t cpu1_read(void *dev, uint64_t off, unsigned size) { return view_read(dev, 1, off, size); }
static void cpu0_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    vmp_pc_mmio(dev, 0, off, (uint8_t *)&v, size, true);
}
static void cpu1_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    vmp_pc_mmio(dev, 1, off, (uint8_t *)&v, size, true);
}
static const struct vmp_io_ops cpu0_ops = {cpu0_read, cpu0_write, 8};
static const struct vmp_io_ops cpu1_ops = {cpu1_read, cpu1_write, 8};

static uint32_t msr_of(uint64_t off)
{
    unsigned o = off & 0x1FF;
    if (o == 0x100)
        return VMP_MSR_APIC_BASE;
    if (o == 0x101)
        return VMP_MSR_TSC_DEADLINE;
    return VMP_MSR_X2APIC_FIRST + (o & 0xFF);
}

static uint64_t msr_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    uint64_t v = 0;
    if (vmp_pc_msr(dev, (unsigned)(off >> 9), msr_of(off), &v, false) < 0)
        return UINT64_MAX; /* #GP */
    return v;
}

static void msr_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    (void)vmp_pc_msr(dev, (unsigned)(off >> 9), msr_of(off), &v, true);
}
static const struct vmp_io_ops msr_ops = {msr_read, msr_write, 8};

/* What a backend does between guest instructions, with checks on what
 * comes back (irq.h: vectors are 0-255, else -ENOENT). */
static uint64_t cpu_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    struct vmp_pc *pc = dev;
    unsigned cpu = off & 1;
    int v = 0;
    switch (off >> 1) {
    case 0:
        if (vmp_pc_has_interrupt(pc, cpu, 1u << 9))
            v = vmp_pc_ack(pc, cpu);
        if (v > 255 || (v < 0 && v != -ENOENT))
            abort();
        break;
    case 1: v = vmp_pc_take_nmi(pc, cpu); break;
    case 2: v = vmp_pc_take_init(pc, cpu); break;
    case 3:
        v = vmp_pc_take_sipi(pc, cpu);
        if (v > 255 || (v < 0 && v != -ENOENT))
            abort();
        break;
    case 4: v = vmp_pc_wants_wakeup(pc, cpu, 1u << 9); break;
    default: v = vmp_pc_get_cr8(pc, cpu); break;
    }
    return (uint64_t)(int64_t)v;
}

static void cpu_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    struct vmp_i8042 *kbc = vmp_pc_i8042(dev);
    if (off < 2)
        vmp_pc_set_cr8(dev, off & 1, v & 0xF);
    else if (off == 2)
        (void)vmp_i8042_key(kbc, v & 0x1FF, v >> 9 & 1);
    else if (off == 3)
        (void)vmp_i8042_mouse(kbc, (int8_t)v, (int8_t)(v >> 8), (int8_t)(v >> 16),
                              (unsigned)(v >> 24) & 0x1F);
}
static const struct vmp_io_ops cpu_ops = {cpu_read, cpu_write, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t host_now = 0;
    struct ctx c = {0};
    struct vmp_clock *clock = vmp_clock_create(fuzz_host_time, &host_now);
    struct vmp_mem *mem = vmp_mem_create();
    uint8_t *ram = calloc(1, RAM_SIZE);
    struct vmp_space *view = vmp_space_create("cpu-view", UINT64_MAX);
    if (!clock || !mem || !ram || !view || vmp_mem_add(mem, 0, RAM_SIZE, ram, 0) < 0)
        abort();
    struct vmp_env env = {clock, mem, &fuzz_quiet_log};
    struct vmp_pc_config cfg = {
        .ram_size = 64ull << 20,
        .ncpus = 2,
        .rtc_epoch = 1700000000,
        .hooks = {.console_out = h_out, .debug_exit = h_exit, .debug_line = h_line,
                  .reset = h_reset, .a20 = h_a20, .power_off = h_off, .kick = h_kick,
                  .opaque = &c},
    };
    c.pc = vmp_pc_create(&env, &cfg);
    if (!c.pc || vmp_pc_create_cpus(c.pc, 0) < 0)
        abort();
    if (vmp_space_map(view, 0, CPU1_VIEW, &cpu0_ops, c.pc) < 0 ||
        vmp_space_map(view, CPU1_VIEW, CPU1_VIEW, &cpu1_ops, c.pc) < 0 ||
        vmp_space_map(view, MSR_BASE, 0x400, &msr_ops, c.pc) < 0 ||
        vmp_space_map(view, CPU_BASE, 16, &cpu_ops, c.pc) < 0)
        abort();
    struct fuzz_board b = {
        .pio = vmp_pc_pio(c.pc),
        .pio_win = {0x20, 0xA0, 0x4D0, 0x40, 0x61, 0x70, 0x3F8, 0x600, 0xCF8, 0x92, 0xE0,
                    0x2000, 0xE9, 0xF4, 0x60, 0x64},
        .n_pio_win = 16,
        .mmio = view,
        .mmio_win = {0xFEC00000, 0xFED00000, 0xFED00100, 0xFEE00000, 0xFEE00300,
                     CPU1_VIEW + 0xFEE00000, 0xB0000000, 0xB0100000, MSR_BASE,
                     MSR_BASE + 0x200, CPU_BASE, CPU1_VIEW + 0xFEC00000},
        .n_mmio_win = 12,
        .cfg = vmp_pc_pci_cfg(c.pc),
        .cfg_win = {0},
        .n_cfg_win = 1,
        .clock = clock,
        .host_now = &host_now,
        .mem = mem,
        .ram_base = 0,
        .ram_size = RAM_SIZE,
        .save_load = save_load,
        .opaque = &c,
    };
    for (unsigned i = 0; i < VMP_PC_GSIS; i++)
        b.lines[b.n_lines++] = vmp_pc_irq_source(c.pc, i);
    struct fuzz_in in = {data, size};
    fuzz_run_ops(&b, &in);
    vmp_pc_destroy(c.pc);
    vmp_space_destroy(view);
    vmp_mem_destroy(mem);
    free(ram);
    vmp_clock_destroy(clock);
    return 0;
}
