/* The emulator backend (--accel emu): every vCPU runs on the library's
 * x86 emulator (api/vmparts/x86emu.h) with the same board as under KVM.
 *
 *   - One thread runs all vCPUs round-robin, a slice of instructions each
 *     (SLICE_1CPU with one vCPU, SLICE_SMP with more). Guest RAM is then
 *     only ever touched by one emulating thread, so LOCK-prefixed
 *     read-modify-writes, which the emulator performs as a read and a
 *     write, stay atomic between vCPUs without a lock per instruction.
 *   - RAM accesses (instruction fetch included) are a range check and a
 *     memcpy on the host mapping, without the machine lock; everything
 *     else (MMIO through vmp_board_mmio, so each vCPU sees its own LAPIC
 *     page; port I/O; the LAPIC's MSRs; interrupt acknowledge) takes the
 *     lock, as kvm.c does for its exits.
 *   - Interrupts: before each slice, under the lock, the vCPU's LAPIC is
 *     asked what is pending (INIT, SIPI, NMI, INTR) and the emulator's
 *     irq_pending/nmi_pending inputs are set; the emulator acknowledges
 *     through intr_ack when RFLAGS.IF and the interrupt shadow allow.
 *     A LAPIC kick (timer on the event loop, IPI, a device interrupt
 *     raised by the vCPU's own I/O) ends the vCPU's slice early.
 *   - HLT: a halted vCPU is skipped until its LAPIC has something
 *     deliverable; when no vCPU can run, the thread sleeps on a condition
 *     variable that the kicks signal.
 *   - Time: the machine's clock (host monotonic time since start) drives
 *     the devices' timers as under KVM; the guest TSC counts that clock's
 *     nanoseconds (1 GHz), so TSC-deadline and TSC-vs-timer calibrations
 *     agree exactly.
 *   - CPUID: what the emulator implements (cpuid.c), with the same
 *     per-vCPU changes as under KVM. */
#include "machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid.h"
#include "util.h"

#define SLICE_1CPU 200000u
#define SLICE_SMP 2000u
#define EMU_TSC_HZ 1000000000ull

enum emu_state { EMU_RUNNING, EMU_WAIT_SIPI };

struct emu_cpu {
    struct vmp_machine *m;
    unsigned index;
    struct vmp_x86_cpu x;
    enum emu_state state;
    atomic_bool kicked;   /* end the current slice: events to look at */
    uint64_t cr8_synced;  /* CR8 as last exchanged with the LAPIC's TPR */
    uint64_t insns;       /* instructions retired */
    bool bios_trap;       /* the last instruction was an OUT to the BIOS trap port */
};

struct vmp_emu {
    struct emu_cpu *cpus;
    pthread_t thread;
    bool started;
    pthread_cond_t wake;  /* with m->lock: some vCPU may be runnable */
    uint64_t start_ns, stop_ns;
    uint64_t busy_ns; /* time spent running slices (not sleeping) */
};

/* --- guest memory --- */

/* Host pointer for [gpa, gpa+len) in RAM, or NULL. The low RAM layout is
 * machine.h's (RAM offset = address below 3 GiB, minus the legacy hole);
 * anything else asks vmp_mem. */
static inline uint8_t *ram_ptr(struct vmp_machine *m, uint64_t gpa, unsigned len)
{
    if (gpa < 0xA0000 && len <= 0xA0000 - gpa)
        return m->ram + gpa;
    if (gpa >= 0x100000 && gpa < m->low_end && len <= m->low_end - gpa)
        return m->ram + gpa;
    return vmp_mem_ptr(m->mem, gpa, len);
}

/* After a device call, with the lock held: what the LAPIC now wants. */
static void refresh_irq(struct emu_cpu *c)
{
    struct vmp_machine *m = c->m;
    c->x.irq_pending = vmp_board_has_interrupt(m, c->index, VMP_FLAG_IF);
    c->x.cr8 = c->cr8_synced = vmp_board_get_cr8(m, c->index);
    if (atomic_load_explicit(&m->stopping, memory_order_relaxed))
        atomic_store_explicit(&c->kicked, true, memory_order_relaxed);
}

static void mmio(struct emu_cpu *c, uint64_t gpa, uint8_t *buf, unsigned len, bool write)
{
    struct vmp_machine *m = c->m;
    vmp_machine_lock(m);
    /* vmp_board_mmio takes at most 8 bytes: an aligned 1/2/4/8-byte access
     * is one call (the emulator makes those as one), longer ones (a fetch
     * from MMIO) go in pieces. */
    for (unsigned done = 0; done < len;) {
        unsigned n = len - done > 8 ? 8 : len - done;
        vmp_board_mmio(m, c->index, gpa + done, buf + done, n, write);
        done += n;
    }
    refresh_irq(c);
    vmp_machine_unlock(m);
}

static int e_read_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct emu_cpu *c = ctx;
    uint8_t *p = ram_ptr(c->m, gpa, len);
    if (p) {
        memcpy(buf, p, len);
        return 0;
    }
    mmio(c, gpa, buf, len, false);
    return 0;
}

static int e_write_phys(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct emu_cpu *c = ctx;
    struct vmp_machine *m = c->m;
    if ((gpa < 0xA0000 && len <= 0xA0000 - gpa) ||
        (gpa >= 0x100000 && gpa < m->low_end && len <= m->low_end - gpa)) {
        memcpy(m->ram + gpa, buf, len);
        return 0;
    }
    /* Other memory regions: vmp_mem_write refuses read-only ones (the BIOS
     * ROM), and the write is dropped, as on KVM's read-only slots. */
    if (vmp_mem_is_backed(m->mem, gpa, len)) {
        (void)vmp_mem_write(m->mem, gpa, buf, len);
        return 0;
    }
    uint8_t tmp[4096];
    memcpy(tmp, buf, len);
    mmio(c, gpa, tmp, len, true);
    return 0;
}

/* --- ports, MSRs, CPUID, TSC, interrupt acknowledge --- */

static int e_io_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct emu_cpu *c = ctx;
    struct vmp_machine *m = c->m;
    vmp_machine_lock(m);
    *val = (uint32_t)vmp_space_read(m->pio, port, size);
    refresh_irq(c);
    vmp_machine_unlock(m);
    return 0;
}

static int e_io_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    struct emu_cpu *c = ctx;
    struct vmp_machine *m = c->m;
    if (port == VMP_BIOS_TRAP_PORT && vmp_firmware_active(m)) {
        c->bios_trap = true; /* served once the OUT has retired */
        return 0;
    }
    vmp_machine_lock(m);
    vmp_space_write(m->pio, port, val, size);
    refresh_irq(c);
    vmp_machine_unlock(m);
    return 0;
}

/* MSRs the emulator does not own go to the LAPIC (IA32_APIC_BASE writes,
 * IA32_TSC_DEADLINE, x2APIC), then to the CPU model (cpuid.c); anything
 * else raises #GP, as under KVM's filter for those ranges. The emulator answers IA32_APIC_BASE reads from
 * its own copy, which is refreshed here after every write. */
static int e_msr(struct emu_cpu *c, uint32_t msr, uint64_t *v, bool write)
{
    struct vmp_machine *m = c->m;
    vmp_machine_lock(m);
    int r = vmp_board_msr(m, c->index, msr, v, write);
    if (r < 0 && vmp_cpuid_emu_msr(msr, v, write) == 0)
        r = 0;
    if (write && msr == VMP_X86_MSR_APIC_BASE) {
        uint64_t base = 0;
        if (vmp_board_msr(m, c->index, msr, &base, false) == 0)
            c->x.apic_base = base;
    }
    refresh_irq(c);
    vmp_machine_unlock(m);
    return r;
}

static int e_rdmsr(void *ctx, uint32_t msr, uint64_t *val) { return e_msr(ctx, msr, val, false); }

static int e_wrmsr(void *ctx, uint32_t msr, uint64_t val) { return e_msr(ctx, msr, &val, true); }

static void e_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct emu_cpu *c = ctx;
    vmp_cpuid_emu(leaf, sub, c->m->ncpus, out);
    vmp_cpuid_adjust(leaf, out, c->index, c->m->ncpus);
}

uint64_t vmp_emu_read_tsc(struct vmp_machine *m, unsigned cpu)
{
    (void)cpu;
    return vmp_host_ns() - m->start_ns; /* the machine clock's ns */
}

uint64_t vmp_emu_tsc_hz(struct vmp_machine *m)
{
    (void)m;
    return EMU_TSC_HZ;
}

static uint64_t e_rdtsc(void *ctx)
{
    struct emu_cpu *c = ctx;
    return vmp_emu_read_tsc(c->m, c->index);
}

static int e_intr_ack(void *ctx)
{
    struct emu_cpu *c = ctx;
    struct vmp_machine *m = c->m;
    vmp_machine_lock(m);
    int v = vmp_board_ack(m, c->index);
    refresh_irq(c);
    vmp_machine_unlock(m);
    return v;
}

static const struct vmp_x86_ops emu_ops = {
    .read_phys = e_read_phys,
    .write_phys = e_write_phys,
    .io_in = e_io_in,
    .io_out = e_io_out,
    .rdmsr = e_rdmsr,
    .wrmsr = e_wrmsr,
    .cpuid = e_cpuid,
    .rdtsc = e_rdtsc,
    .intr_ack = e_intr_ack,
};

/* --- register interface (vcpu.h) --- */

static int x_get_regs(void *opaque, struct vmp_vcpu_regs *r)
{
    struct emu_cpu *c = opaque;
    struct vmp_vcpu_sregs s;
    vmp_x86_cpu_get_regs(&c->x, r, &s);
    return 0;
}

static int x_set_regs(void *opaque, const struct vmp_vcpu_regs *r)
{
    struct emu_cpu *c = opaque;
    struct vmp_vcpu_regs old;
    struct vmp_vcpu_sregs s;
    vmp_x86_cpu_get_regs(&c->x, &old, &s);
    vmp_x86_cpu_set_regs(&c->x, r, &s);
    return 0;
}

static int x_get_sregs(void *opaque, struct vmp_vcpu_sregs *s)
{
    struct emu_cpu *c = opaque;
    struct vmp_vcpu_regs r;
    vmp_x86_cpu_get_regs(&c->x, &r, s);
    return 0;
}

static int x_set_sregs(void *opaque, const struct vmp_vcpu_sregs *s)
{
    struct emu_cpu *c = opaque;
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs old;
    vmp_x86_cpu_get_regs(&c->x, &r, &old);
    struct vmp_vcpu_sregs n = *s;
    n.apic_base = c->x.apic_base; /* IA32_APIC_BASE belongs to the LAPIC */
    vmp_x86_cpu_set_regs(&c->x, &r, &n);
    return 0;
}

static const struct vmp_vcpu_ops emu_vcpu_ops = {
    .get_regs = x_get_regs,
    .set_regs = x_set_regs,
    .get_sregs = x_get_sregs,
    .set_sregs = x_set_sregs,
};

struct vmp_vcpu vmp_emu_vcpu(struct vmp_machine *m, unsigned cpu)
{
    return (struct vmp_vcpu){&emu_vcpu_ops, &m->emu->cpus[cpu]};
}

/* --- events --- */

/* INIT state, then the SIPI's real-mode start (SDM vol. 3A 9.1.1 Table
 * 9-1, 8.4.3: CS = vector << 8, base vector << 12, IP = 0). INIT leaves
 * the x87/SSE registers alone (Table 9-1). */
static void start_at_sipi(struct emu_cpu *c, int vector)
{
    uint64_t apic_base = c->x.apic_base;
    struct vmp_x86_fpu fpu = c->x.fpu;
    vmp_x86_cpu_reset(&c->x);
    c->x.apic_base = apic_base;
    c->x.fpu = fpu;
    c->x.seg[VMP_CS].selector = (uint16_t)(vector << 8);
    c->x.seg[VMP_CS].base = (uint64_t)vector << 12;
    c->x.rip = 0;
    c->x.cr8 = c->cr8_synced = 0;
}

/* With the lock held: take INIT/SIPI/NMI from the LAPIC and set the
 * emulator's interrupt inputs. Returns whether the vCPU can run now. */
static bool sync_events(struct emu_cpu *c)
{
    struct vmp_machine *m = c->m;
    unsigned i = c->index;
    atomic_store_explicit(&c->kicked, false, memory_order_relaxed);
    if (c->x.cr8 != c->cr8_synced)
        vmp_board_set_cr8(m, i, (uint8_t)c->x.cr8);
    if (vmp_board_take_init(m, i))
        c->state = EMU_WAIT_SIPI;
    if (c->state == EMU_WAIT_SIPI) {
        int v = vmp_board_take_sipi(m, i);
        if (v < 0)
            return false;
        start_at_sipi(c, v);
        c->state = EMU_RUNNING;
    }
    if (vmp_board_take_nmi(m, i))
        c->x.nmi_pending = 1;
    refresh_irq(c);
    if (!c->x.halted)
        return true;
    return c->x.nmi_pending || (c->x.irq_pending && (c->x.rflags & VMP_FLAG_IF)) ||
           vmp_board_wants_wakeup(m, i, c->x.rflags & VMP_FLAG_IF);
}

/* The guest hit something the emulator does not implement: end the run
 * naming the instruction, so the gap can be reported exactly. */
static void unhandled(struct emu_cpu *c)
{
    struct vmp_x86_insn in;
    char bytes[64] = "?";
    struct vmp_x86_cpu copy = c->x;
    if (vmp_x86_fetch_decode(&copy, &emu_ops, c, &in) == VMP_X86_OK) {
        size_t o = 0;
        for (unsigned k = 0; k < in.len && o + 4 < sizeof bytes; k++)
            o += (size_t)snprintf(bytes + o, sizeof bytes - o, "%s%02x", k ? " " : "", in.bytes[k]);
    }
    const char *mode = !(c->x.cr0 & VMP_CR0_PE)                        ? "16-bit real mode"
                       : (c->x.rflags & VMP_FLAG_VM)                      ? "virtual-8086 mode"
                       : (c->x.efer & VMP_EFER_LMA) && c->x.seg[VMP_CS].l ? "64-bit mode"
                       : (c->x.efer & VMP_EFER_LMA)                       ? "compatibility mode"
                       : c->x.seg[VMP_CS].db                              ? "32-bit protected mode"
                                                                          : "16-bit protected mode";
    vmp_machine_exit(c->m, VMP_EXIT_INTERNAL,
                     "vCPU %u: the emulator cannot execute [%s] at %04x:%llx (%s, CPL %u)",
                     c->index, bytes, c->x.seg[VMP_CS].selector, (unsigned long long)c->x.rip,
                     mode, vmp_x86_cpl(&c->x));
}

/* Run up to n instructions of one vCPU, without the lock. */
static void run_slice(struct emu_cpu *c, unsigned n)
{
    uint64_t done = 0;
    for (unsigned k = 0; k < n; k++) {
        if (atomic_load_explicit(&c->kicked, memory_order_relaxed))
            break;
        int rc = vmp_x86_step(&c->x, &emu_ops, c);
        if (rc == VMP_X86_OK) {
            done++;
            if (c->bios_trap) {
                c->bios_trap = false;
                vmp_machine_lock(c->m);
                vmp_firmware_trap(c->m, c->index);
                refresh_irq(c);
                vmp_machine_unlock(c->m);
                if (c->x.halted || atomic_load_explicit(&c->kicked, memory_order_relaxed))
                    break;
                continue;
            }
            if (c->x.cr8 != c->cr8_synced)
                break; /* MOV CR8: the LAPIC's TPR must follow now */
            continue;
        }
        if (rc == VMP_X86_HALT || rc == VMP_X86_RETRY)
            break;
        if (rc == VMP_X86_SHUTDOWN)
            vmp_machine_exit(c->m, VMP_EXIT_RESET, "vCPU %u: triple fault (shutdown)", c->index);
        else
            unhandled(c);
        break;
    }
    c->insns += done;
}

static void *emu_thread(void *arg)
{
    struct vmp_machine *m = arg;
    struct vmp_emu *e = m->emu;
    bool runnable[VMP_CFG_MAX_CPUS];
    unsigned slice = m->ncpus > 1 ? SLICE_SMP : SLICE_1CPU;
    e->start_ns = vmp_host_ns();
    vmp_machine_lock(m);
    while (!atomic_load(&m->stopping)) {
        bool any = false;
        for (unsigned i = 0; i < m->ncpus; i++)
            any |= runnable[i] = sync_events(&e->cpus[i]);
        if (!any) {
            pthread_cond_wait(&e->wake, &m->lock);
            continue;
        }
        vmp_machine_unlock(m);
        uint64_t t0 = vmp_host_ns();
        for (unsigned i = 0; i < m->ncpus && !atomic_load(&m->stopping); i++)
            if (runnable[i])
                run_slice(&e->cpus[i], slice);
        e->busy_ns += vmp_host_ns() - t0;
        vmp_machine_lock(m);
    }
    e->stop_ns = vmp_host_ns();
    vmp_machine_unlock(m);
    return NULL;
}

/* --- lifecycle --- */

void vmp_emu_kick(struct vmp_machine *m, unsigned cpu)
{
    struct vmp_emu *e = m->emu;
    if (!e || cpu >= m->ncpus)
        return;
    atomic_store_explicit(&e->cpus[cpu].kicked, true, memory_order_relaxed);
    pthread_cond_signal(&e->wake); /* kicks come with the lock held */
}

int vmp_emu_create(struct vmp_machine *m)
{
    struct vmp_emu *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    m->emu = e;
    pthread_cond_init(&e->wake, NULL);
    e->cpus = calloc(m->ncpus, sizeof *e->cpus);
    if (!e->cpus)
        return -1;
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct emu_cpu *c = &e->cpus[i];
        c->m = m;
        c->index = i;
        vmp_x86_cpu_reset(&c->x);
        c->x.apic_base = 0xFEE00000ull | (1ull << 11) | (i == 0 ? 1ull << 8 : 0);
        c->state = i == 0 ? EMU_RUNNING : EMU_WAIT_SIPI;
    }
    return 0;
}

int vmp_emu_start(struct vmp_machine *m)
{
    struct vmp_emu *e = m->emu;
    /* The LAPICs exist now: take their IA32_APIC_BASE. */
    vmp_machine_lock(m);
    for (unsigned i = 0; i < m->ncpus; i++) {
        uint64_t base;
        if (vmp_board_msr(m, i, VMP_X86_MSR_APIC_BASE, &base, false) == 0)
            e->cpus[i].x.apic_base = base;
    }
    vmp_machine_unlock(m);
    if (pthread_create(&e->thread, NULL, emu_thread, m) != 0)
        return vmp_err("cannot start the emulator thread");
    e->started = true;
    return 0;
}

void vmp_emu_stop(struct vmp_machine *m)
{
    struct vmp_emu *e = m->emu;
    if (!e || !e->started)
        return;
    atomic_store(&m->stopping, true);
    vmp_machine_lock(m);
    for (unsigned i = 0; i < m->ncpus; i++)
        atomic_store(&e->cpus[i].kicked, true);
    pthread_cond_broadcast(&e->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(e->thread, NULL);
    e->started = false;
    if (getenv("VMP_STATS") || getenv("VMP_DEBUG")) {
        uint64_t total = 0;
        for (unsigned i = 0; i < m->ncpus; i++)
            total += e->cpus[i].insns;
        double secs = (double)(e->stop_ns - e->start_ns) / 1e9;
        double busy = (double)e->busy_ns / 1e9;
        fprintf(stderr,
                "vmp: stats: emu_instructions=%llu emu_seconds=%.3f emu_busy_seconds=%.3f "
                "emu_mips=%.2f\n",
                (unsigned long long)total, secs, busy, busy > 0 ? (double)total / busy / 1e6 : 0.0);
    }
    if (getenv("VMP_DEBUG"))
        for (unsigned i = 0; i < m->ncpus; i++)
            fprintf(stderr, "vmp: debug: vCPU %u stopped at %04x:%llx (%s)\n", i,
                    e->cpus[i].x.seg[VMP_CS].selector, (unsigned long long)e->cpus[i].x.rip,
                    e->cpus[i].state == EMU_WAIT_SIPI ? "waiting for SIPI"
                    : e->cpus[i].x.halted             ? "halted"
                                                      : "running");
}

void vmp_emu_destroy(struct vmp_machine *m)
{
    struct vmp_emu *e = m->emu;
    if (!e)
        return;
    vmp_emu_stop(m);
    pthread_cond_destroy(&e->wake);
    free(e->cpus);
    free(e);
    m->emu = NULL;
}
