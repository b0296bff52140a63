/* The KVM backend: one thread per vCPU, no in-kernel irqchip. The
 * library's PIC, IOAPIC and LAPIC models are the ones the guest talks to;
 * this file moves between them and KVM:
 *   - PIO and MMIO exits go to the bus (MMIO through the board, which
 *     sends the LAPIC page of this vCPU to its own LAPIC);
 *   - MSR exits (KVM_CAP_X86_USER_SPACE_MSR with a filter that denies
 *     IA32_APIC_BASE and IA32_TSC_DEADLINE to the kernel, and exits for
 *     MSRs KVM would fail, which is how the unfilterable x2APIC range
 *     arrives) go to the LAPIC;
 *   - interrupts are injected with KVM_INTERRUPT when KVM says the guest
 *     can take one (ready_for_interrupt_injection), else the vCPU asks for
 *     an exit when it can (request_interrupt_window); NMIs with KVM_NMI;
 *   - HLT exits to user space and the thread sleeps on a condition variable
 *     until its LAPIC has something deliverable;
 *   - INIT and SIPI from the LAPIC reset the vCPU into the wait-for-SIPI
 *     state and start it in real mode at vector << 12.
 * A kick (LAPIC callback) sets immediate_exit and signals the thread, so a
 * vCPU in KVM_RUN comes back to pick up a new interrupt. */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>

#include "cpuid.h"
#include "util.h"

#define KICK_SIGNAL SIGUSR1
#define MAX_CPUID 256

enum cpu_state { CPU_RUNNING, CPU_WAIT_SIPI };

struct vmp_cpu {
    struct vmp_machine *m;
    unsigned index;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    pthread_cond_t wake;
    enum cpu_state state;
    int64_t tsc_offset; /* guest TSC = host TSC + offset */
    uint8_t cr8_given;  /* run->cr8 as we last set it before KVM_RUN */
};

struct vmp_kvm {
    int sys_fd, vm_fd;
    size_t run_size;
    uint64_t tsc_hz;
    struct kvm_cpuid2 *cpuid;
    struct vmp_cpu *cpus;
};

static __thread struct vmp_cpu *self;

/* --- register interface (vcpu.h) --- */

static void seg_from_kvm(struct vmp_segment *d, const struct kvm_segment *s)
{
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->selector;
    d->type = s->type;
    d->s = s->s;
    d->dpl = s->dpl;
    d->present = s->present;
    d->avl = s->avl;
    d->l = s->l;
    d->db = s->db;
    d->g = s->g;
    d->unusable = s->unusable;
}

static void seg_to_kvm(struct kvm_segment *d, const struct vmp_segment *s)
{
    memset(d, 0, sizeof *d);
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->selector;
    d->type = s->type;
    d->s = s->s;
    d->dpl = s->dpl;
    d->present = s->present;
    d->avl = s->avl;
    d->l = s->l;
    d->db = s->db;
    d->g = s->g;
    d->unusable = s->unusable;
}

static int k_get_regs(void *opaque, struct vmp_vcpu_regs *r)
{
    struct vmp_cpu *c = opaque;
    struct kvm_regs k;
    if (ioctl(c->fd, KVM_GET_REGS, &k) < 0)
        return -errno;
    const uint64_t g[VMP_NR_GPRS] = {k.rax, k.rcx, k.rdx, k.rbx, k.rsp, k.rbp, k.rsi, k.rdi,
                                     k.r8, k.r9, k.r10, k.r11, k.r12, k.r13, k.r14, k.r15};
    memcpy(r->gpr, g, sizeof g);
    r->rip = k.rip;
    r->rflags = k.rflags;
    return 0;
}

static int k_set_regs(void *opaque, const struct vmp_vcpu_regs *r)
{
    struct vmp_cpu *c = opaque;
    struct kvm_regs k = {
        .rax = r->gpr[VMP_RAX], .rcx = r->gpr[VMP_RCX], .rdx = r->gpr[VMP_RDX],
        .rbx = r->gpr[VMP_RBX], .rsp = r->gpr[VMP_RSP], .rbp = r->gpr[VMP_RBP],
        .rsi = r->gpr[VMP_RSI], .rdi = r->gpr[VMP_RDI], .r8 = r->gpr[VMP_R8],
        .r9 = r->gpr[VMP_R9], .r10 = r->gpr[VMP_R10], .r11 = r->gpr[VMP_R11],
        .r12 = r->gpr[VMP_R12], .r13 = r->gpr[VMP_R13], .r14 = r->gpr[VMP_R14],
        .r15 = r->gpr[VMP_R15], .rip = r->rip, .rflags = r->rflags,
    };
    return ioctl(c->fd, KVM_SET_REGS, &k) < 0 ? -errno : 0;
}

static int k_get_sregs(void *opaque, struct vmp_vcpu_sregs *s)
{
    struct vmp_cpu *c = opaque;
    struct kvm_sregs k;
    if (ioctl(c->fd, KVM_GET_SREGS, &k) < 0)
        return -errno;
    const struct kvm_segment *segs[VMP_NR_SEGS] = {&k.es, &k.cs, &k.ss, &k.ds, &k.fs, &k.gs};
    for (int i = 0; i < VMP_NR_SEGS; i++)
        seg_from_kvm(&s->seg[i], segs[i]);
    seg_from_kvm(&s->tr, &k.tr);
    seg_from_kvm(&s->ldt, &k.ldt);
    s->gdt.base = k.gdt.base;
    s->gdt.limit = k.gdt.limit;
    s->idt.base = k.idt.base;
    s->idt.limit = k.idt.limit;
    s->cr0 = k.cr0;
    s->cr2 = k.cr2;
    s->cr3 = k.cr3;
    s->cr4 = k.cr4;
    s->cr8 = k.cr8;
    s->efer = k.efer;
    s->apic_base = k.apic_base;
    return 0;
}

static int k_set_sregs(void *opaque, const struct vmp_vcpu_sregs *s)
{
    struct vmp_cpu *c = opaque;
    struct kvm_sregs k;
    if (ioctl(c->fd, KVM_GET_SREGS, &k) < 0)
        return -errno;
    struct kvm_segment *segs[VMP_NR_SEGS] = {&k.es, &k.cs, &k.ss, &k.ds, &k.fs, &k.gs};
    for (int i = 0; i < VMP_NR_SEGS; i++)
        seg_to_kvm(segs[i], &s->seg[i]);
    seg_to_kvm(&k.tr, &s->tr);
    seg_to_kvm(&k.ldt, &s->ldt);
    k.gdt.base = s->gdt.base;
    k.gdt.limit = s->gdt.limit;
    k.idt.base = s->idt.base;
    k.idt.limit = s->idt.limit;
    k.cr0 = s->cr0;
    k.cr2 = s->cr2;
    k.cr3 = s->cr3;
    k.cr4 = s->cr4;
    k.cr8 = s->cr8;
    k.efer = s->efer;
    /* IA32_APIC_BASE belongs to the user-space LAPIC, not to KVM. */
    memset(k.interrupt_bitmap, 0, sizeof k.interrupt_bitmap);
    return ioctl(c->fd, KVM_SET_SREGS, &k) < 0 ? -errno : 0;
}

static const struct vmp_vcpu_ops kvm_vcpu_ops = {
    .get_regs = k_get_regs,
    .set_regs = k_set_regs,
    .get_sregs = k_get_sregs,
    .set_sregs = k_set_sregs,
};

struct vmp_vcpu vmp_kvm_vcpu(struct vmp_machine *m, unsigned cpu)
{
    return (struct vmp_vcpu){&kvm_vcpu_ops, &m->kvm->cpus[cpu]};
}

/* Through KVM_GET/SET_XSAVE, whose first 512 bytes are an FXSAVE image:
 * KVM_SET_FPU leaves XSTATE_BV alone, so a component the guest had in its
 * init state would come back as init, and some kernels drop MXCSR there. */
int vmp_kvm_fpu(struct vmp_machine *m, unsigned cpu, struct vmp_x86_fpu *f, bool write)
{
    int fd = m->kvm->cpus[cpu].fd;
    struct kvm_xsave xs;
    if (ioctl(fd, KVM_GET_XSAVE, &xs) < 0)
        return -errno;
    uint8_t *img = (uint8_t *)xs.region;
    if (!write)
        return vmp_x86_fpu_from_fxsave(f, img);
    vmp_x86_fpu_to_fxsave(f, img);
    img[512] |= 3; /* XSTATE_BV: x87 and SSE state are in the image */
    return ioctl(fd, KVM_SET_XSAVE, &xs) < 0 ? -errno : 0;
}

/* --- CPUID model (docs/vmp-wiring.md, cpuid.c) --- */

static void set_cpuid(struct vmp_machine *m, struct vmp_cpu *c)
{
    struct kvm_cpuid2 *src = m->kvm->cpuid;
    size_t sz = sizeof *src + src->nent * sizeof src->entries[0];
    struct kvm_cpuid2 *cp = malloc(sz);
    if (!cp)
        return;
    memcpy(cp, src, sz);
    unsigned out = 0;
    for (unsigned i = 0; i < cp->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cp->entries[i];
        uint32_t r[4] = {e->eax, e->ebx, e->ecx, e->edx};
        vmp_cpuid_adjust(e->function, r, c->index, m->ncpus);
        e->eax = r[0];
        e->ebx = r[1];
        e->ecx = r[2];
        e->edx = r[3];
        cp->entries[out++] = *e;
    }
    cp->nent = out;
    if (ioctl(c->fd, KVM_SET_CPUID2, cp) < 0)
        vmp_err("KVM_SET_CPUID2: %s", strerror(errno));
    free(cp);
}

/* --- MSRs: the LAPIC's go to user space --- */

static int set_msr_filter(int vm_fd)
{
    struct kvm_enable_cap cap = {.cap = KVM_CAP_X86_USER_SPACE_MSR,
                                 .args = {KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_INVAL |
                                          KVM_MSR_EXIT_REASON_UNKNOWN}};
    if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
        return vmp_err("KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
    static uint8_t deny[0x100 / 8]; /* all zero: every MSR in the range exits */
    struct kvm_msr_filter f;
    memset(&f, 0, sizeof f);
    f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
    f.ranges[0] = (struct kvm_msr_filter_range){KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
                                                1, 0x1B, deny};
    f.ranges[1] = (struct kvm_msr_filter_range){KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
                                                1, 0x6E0, deny};
    f.ranges[2] = (struct kvm_msr_filter_range){KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
                                                0x100, 0x800, deny};
    if (ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
        return vmp_err("KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
    return 0;
}

/* --- guest TSC --- */

static bool get_guest_tsc(struct vmp_cpu *c, uint64_t *tsc);

/* On the vCPU's own thread (where the LAPIC asks, from a TSC-deadline
 * write) KVM tells the guest TSC exactly; KVM may move its TSC offset
 * after creation, so the host-TSC offset is only a fallback. */
uint64_t vmp_kvm_read_tsc(struct vmp_machine *m, unsigned cpu)
{
    struct vmp_cpu *c = &m->kvm->cpus[cpu];
    uint64_t tsc;
    if (c == self && get_guest_tsc(c, &tsc))
        return tsc;
    return __rdtsc() + (uint64_t)c->tsc_offset;
}

uint64_t vmp_kvm_tsc_hz(struct vmp_machine *m) { return m->kvm->tsc_hz; }

static bool get_guest_tsc(struct vmp_cpu *c, uint64_t *tsc)
{
    union {
        struct kvm_msrs h;
        uint8_t raw[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } u;
    memset(&u, 0, sizeof u);
    u.h.nmsrs = 1;
    u.h.entries[0].index = 0x10; /* IA32_TIME_STAMP_COUNTER */
    if (ioctl(c->fd, KVM_GET_MSRS, &u) != 1)
        return false;
    *tsc = u.h.entries[0].data;
    return true;
}

static void measure_tsc_offset(struct vmp_cpu *c)
{
    uint64_t before = __rdtsc(), tsc;
    if (get_guest_tsc(c, &tsc))
        c->tsc_offset = (int64_t)(tsc - before);
}

/* --- kicks --- */

static void kick_handler(int sig) { (void)sig; }

void vmp_kvm_kick(struct vmp_machine *m, unsigned cpu)
{
    struct vmp_cpu *c = &m->kvm->cpus[cpu];
    pthread_cond_signal(&c->wake);
    if (c == self || !c->started)
        return;
    /* If the thread is about to enter KVM_RUN, immediate_exit makes it come
     * straight back; if it is inside, the signal interrupts it. */
    __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(c->thread, KICK_SIGNAL);
}

/* --- the vCPU thread --- */

/* INIT state then the SIPI's real-mode start (SDM vol. 3A 9.1.1 Table
 * 9-1, 11.4.4 / 8.4.3: CS = vector << 8, IP = 0). */
static int start_at_sipi(struct vmp_cpu *c, int vector)
{
    struct vmp_vcpu_sregs s;
    int r = k_get_sregs(c, &s);
    if (r < 0)
        return r;
    for (int i = 0; i < VMP_NR_SEGS; i++) {
        memset(&s.seg[i], 0, sizeof s.seg[i]);
        s.seg[i].limit = 0xFFFF;
        s.seg[i].type = 0x3;
        s.seg[i].s = 1;
        s.seg[i].present = 1;
    }
    s.seg[VMP_CS].selector = (uint16_t)(vector << 8);
    s.seg[VMP_CS].base = (uint64_t)vector << 12;
    s.seg[VMP_CS].type = 0xB;
    memset(&s.tr, 0, sizeof s.tr);
    s.tr.limit = 0xFFFF;
    s.tr.type = 0xB;
    s.tr.present = 1;
    memset(&s.ldt, 0, sizeof s.ldt);
    s.ldt.limit = 0xFFFF;
    s.ldt.type = 0x2;
    s.ldt.present = 1;
    s.gdt.base = s.idt.base = 0;
    s.gdt.limit = s.idt.limit = 0xFFFF;
    s.cr0 = 0x60000010;
    s.cr2 = s.cr3 = s.cr4 = s.cr8 = 0;
    s.efer = 0;
    if ((r = k_set_sregs(c, &s)) < 0)
        return r;
    struct vmp_vcpu_regs g;
    memset(&g, 0, sizeof g);
    g.rflags = 0x2;
    g.gpr[VMP_RDX] = 0x600; /* family 6 reset signature */
    return k_set_regs(c, &g);
}

/* Interrupt events for this vCPU, with the lock held. Returns false when
 * the vCPU must not enter the guest (waiting for SIPI). */
static bool handle_events(struct vmp_cpu *c)
{
    struct vmp_machine *m = c->m;
    struct kvm_run *run = c->run;
    unsigned i = c->index;
    /* Only a guest MOV to CR8 changes run->cr8: take it then. A TPR
     * written through the LAPIC page (an MMIO exit) is already in the
     * model, and KVM's copy of CR8 is stale until we hand it the new one
     * below. */
    if ((uint8_t)run->cr8 != c->cr8_given)
        vmp_board_set_cr8(m, i, (uint8_t)run->cr8);
    if (vmp_board_take_init(m, i))
        c->state = CPU_WAIT_SIPI;
    if (c->state == CPU_WAIT_SIPI) {
        int v = vmp_board_take_sipi(m, i);
        if (v < 0)
            return false;
        if (start_at_sipi(c, v) < 0) {
            vmp_machine_exit(m, VMP_EXIT_INTERNAL, "vCPU %u: cannot start at SIPI", i);
            return false;
        }
        c->state = CPU_RUNNING;
        run->if_flag = 0;
        run->ready_for_interrupt_injection = 0;
    }
    if (vmp_board_take_nmi(m, i) && ioctl(c->fd, KVM_NMI) < 0)
        vmp_err("KVM_NMI: %s", strerror(errno));
    run->request_interrupt_window = 0;
    if (vmp_board_has_interrupt(m, i, VMP_FLAG_IF)) {
        if (run->ready_for_interrupt_injection && run->if_flag) {
            int v = vmp_board_ack(m, i);
            if (v >= 0) {
                struct kvm_interrupt irq = {.irq = (unsigned)v};
                if (ioctl(c->fd, KVM_INTERRUPT, &irq) < 0)
                    vmp_err("KVM_INTERRUPT: %s", strerror(errno));
            }
            /* Another one may be waiting behind it. */
            if (vmp_board_has_interrupt(m, i, VMP_FLAG_IF))
                run->request_interrupt_window = 1;
        } else {
            run->request_interrupt_window = 1;
        }
    }
    run->cr8 = c->cr8_given = vmp_board_get_cr8(m, i);
    return true;
}

/* Sleep until the vCPU has something to do: after HLT, until an interrupt
 * is deliverable under the IF it halted with (or NMI/INIT/SIPI); while
 * waiting for SIPI, until one came. Lock held. */
static void wait_for_wakeup(struct vmp_cpu *c, bool halted)
{
    struct vmp_machine *m = c->m;
    while (!atomic_load(&m->stopping)) {
        if (halted && c->state == CPU_RUNNING &&
            vmp_board_wants_wakeup(m, c->index, c->run->if_flag ? VMP_FLAG_IF : 0))
            return;
        if ((!halted || c->state == CPU_WAIT_SIPI) && handle_events(c))
            return;
        pthread_cond_wait(&c->wake, &m->lock);
    }
}

static void do_pio(struct vmp_cpu *c)
{
    struct kvm_run *run = c->run;
    uint8_t *p = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;
    if (run->io.port == VMP_BIOS_TRAP_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
        vmp_firmware_active(c->m)) {
        vmp_firmware_trap(c->m, c->index); /* RIP at the OUT; KVM_RUN completes it */
        return;
    }
    for (uint32_t i = 0; i < run->io.count; i++, p += size) {
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            uint64_t v = 0;
            memcpy(&v, p, size);
            vmp_space_write(c->m->pio, run->io.port, v, size);
        } else {
            uint64_t v = vmp_space_read(c->m->pio, run->io.port, size);
            memcpy(p, &v, size);
        }
    }
}

static void *cpu_thread(void *arg)
{
    struct vmp_cpu *c = arg;
    struct vmp_machine *m = c->m;
    struct kvm_run *run = c->run;
    self = c;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    measure_tsc_offset(c);
    vmp_machine_lock(m);
    while (!atomic_load(&m->stopping)) {
        if (!handle_events(c)) {
            wait_for_wakeup(c, false);
            continue;
        }
        vmp_machine_unlock(m);
        int r = ioctl(c->fd, KVM_RUN, 0);
        int err = errno;
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        vmp_machine_lock(m);
        if (r < 0) {
            if (err == EINTR || err == EAGAIN)
                continue;
            vmp_machine_exit(m, VMP_EXIT_INTERNAL, "vCPU %u: KVM_RUN: %s", c->index,
                             strerror(err));
            break;
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            do_pio(c);
            break;
        case KVM_EXIT_MMIO:
            vmp_board_mmio(m, c->index, run->mmio.phys_addr, run->mmio.data,
                           run->mmio.len, run->mmio.is_write);
            break;
        case KVM_EXIT_HLT:
            wait_for_wakeup(c, true);
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_X86_RDMSR: {
            uint64_t v = 0;
            run->msr.error = vmp_board_msr(m, c->index, run->msr.index, &v, false) < 0;
            run->msr.data = v;
            break;
        }
        case KVM_EXIT_X86_WRMSR: {
            uint64_t v = run->msr.data;
            run->msr.error = vmp_board_msr(m, c->index, run->msr.index, &v, true) < 0;
            break;
        }
        case KVM_EXIT_SHUTDOWN:
            vmp_machine_exit(m, VMP_EXIT_RESET, "vCPU %u: triple fault (shutdown)", c->index);
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
                vmp_machine_exit(m, VMP_EXIT_POWEROFF, "system event: shutdown");
            else
                vmp_machine_exit(m, VMP_EXIT_RESET, "system event %u", run->system_event.type);
            break;
        case KVM_EXIT_FAIL_ENTRY:
            vmp_machine_exit(m, VMP_EXIT_INTERNAL, "vCPU %u: entry failed, reason 0x%llx",
                             c->index,
                             (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            break;
        case KVM_EXIT_INTERNAL_ERROR: {
            /* An instruction KVM's emulator cannot do: the library's does
             * it (kvm_emul.c); if that fails too, the run ends. */
            if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
                vmp_kvm_emulate_one(m, c->index) == 0)
                break;
            struct vmp_vcpu_regs g;
            struct vmp_vcpu_sregs sg;
            memset(&g, 0, sizeof g);
            memset(&sg, 0, sizeof sg);
            k_get_regs(c, &g);
            k_get_sregs(c, &sg);
            vmp_machine_exit(m, VMP_EXIT_INTERNAL,
                             "vCPU %u: KVM internal error %u at %04x:%llx (CS base 0x%llx, %s, "
                             "CR0 0x%llx) (data %u: 0x%llx 0x%llx 0x%llx)",
                             c->index, run->internal.suberror, sg.seg[VMP_CS].selector,
                             (unsigned long long)g.rip, (unsigned long long)sg.seg[VMP_CS].base,
                             sg.seg[VMP_CS].l ? "64-bit" : sg.seg[VMP_CS].db ? "32-bit" : "16-bit",
                             (unsigned long long)sg.cr0, run->internal.ndata,
                             (unsigned long long)(run->internal.ndata > 0 ? run->internal.data[0] : 0),
                             (unsigned long long)(run->internal.ndata > 1 ? run->internal.data[1] : 0),
                             (unsigned long long)(run->internal.ndata > 2 ? run->internal.data[2] : 0));
            break;
        }
        default:
            vmp_machine_exit(m, VMP_EXIT_INTERNAL, "vCPU %u: unhandled exit reason %u",
                             c->index, run->exit_reason);
            break;
        }
    }
    vmp_machine_unlock(m);
    if (getenv("VMP_DEBUG")) {
        struct vmp_vcpu_regs g;
        if (k_get_regs(c, &g) == 0)
            fprintf(stderr, "vmp: debug: vCPU %u stopped at rip 0x%llx (%s)\n", c->index,
                    (unsigned long long)g.rip,
                    c->state == CPU_WAIT_SIPI ? "waiting for SIPI" : "running");
    }
    return NULL;
}

/* --- setup --- */

static int add_slots(struct vmp_machine *m)
{
    size_t n = vmp_mem_region_count(m->mem);
    for (size_t i = 0; i < n; i++) {
        struct vmp_mem_region r;
        vmp_mem_region_get(m->mem, i, &r);
        struct kvm_userspace_memory_region s = {
            .slot = (uint32_t)i,
            .flags = (r.flags & VMP_MEM_READONLY) ? KVM_MEM_READONLY : 0,
            .guest_phys_addr = r.gpa,
            .memory_size = r.size,
            .userspace_addr = (uint64_t)(uintptr_t)r.host,
        };
        if (ioctl(m->kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &s) < 0)
            return vmp_err("KVM_SET_USER_MEMORY_REGION 0x%llx+0x%llx: %s",
                           (unsigned long long)r.gpa, (unsigned long long)r.size,
                           strerror(errno));
    }
    return 0;
}

int vmp_kvm_create(struct vmp_machine *m)
{
    struct vmp_kvm *k = calloc(1, sizeof *k);
    if (!k)
        return -1;
    m->kvm = k;
    k->vm_fd = -1;
    /* VMP_KVM_DEVICE names another device node (tests hide KVM with it). */
    const char *dev = getenv("VMP_KVM_DEVICE");
    if (!dev || !*dev)
        dev = "/dev/kvm";
    k->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
    if (k->sys_fd < 0)
        return vmp_err("%s: %s (KVM is needed for --accel kvm)", dev, strerror(errno));
    if (ioctl(k->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return vmp_err("%s: not a KVM device (unexpected API version)", dev);
    k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
    if (k->vm_fd < 0)
        return vmp_err("KVM_CREATE_VM: %s", strerror(errno));
    int rs = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs <= 0)
        return vmp_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
    k->run_size = (size_t)rs;
    /* Needed by VMX for real mode; harmless elsewhere. Just below the
     * BIOS ROM, outside RAM and every device. */
    ioctl(k->vm_fd, KVM_SET_TSS_ADDR, 0xFEFFD000ul);
    uint64_t idmap = 0xFEFFC000;
    ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
    if (set_msr_filter(k->vm_fd) < 0)
        return -1;
    if (add_slots(m) < 0)
        return -1;

    k->cpuid = calloc(1, sizeof *k->cpuid + MAX_CPUID * sizeof k->cpuid->entries[0]);
    if (!k->cpuid)
        return -1;
    k->cpuid->nent = MAX_CPUID;
    if (ioctl(k->sys_fd, KVM_GET_SUPPORTED_CPUID, k->cpuid) < 0)
        return vmp_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kick_handler;
    sigaction(KICK_SIGNAL, &sa, NULL);

    k->cpus = calloc(m->ncpus, sizeof *k->cpus);
    if (!k->cpus)
        return -1;
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct vmp_cpu *c = &k->cpus[i];
        c->m = m;
        c->index = i;
        c->fd = -1;
        pthread_cond_init(&c->wake, NULL);
        c->state = i == 0 ? CPU_RUNNING : CPU_WAIT_SIPI;
        c->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
        if (c->fd < 0)
            return vmp_err("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
        c->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
        if (c->run == MAP_FAILED) {
            c->run = NULL;
            return vmp_err("mmap kvm_run: %s", strerror(errno));
        }
        set_cpuid(m, c);
    }
    int khz = ioctl(k->cpus[0].fd, KVM_GET_TSC_KHZ, 0);
    k->tsc_hz = khz > 0 ? (uint64_t)khz * 1000 : 0;
    return 0;
}

int vmp_kvm_start(struct vmp_machine *m)
{
    struct vmp_kvm *k = m->kvm;
    /* vCPU threads take the kick signal; every other thread blocks it. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct vmp_cpu *c = &k->cpus[i];
        if (pthread_create(&c->thread, NULL, cpu_thread, c) != 0)
            return vmp_err("cannot start vCPU thread %u", i);
        c->started = true;
    }
    return 0;
}

void vmp_kvm_stop(struct vmp_machine *m)
{
    struct vmp_kvm *k = m->kvm;
    if (!k || !k->cpus)
        return;
    atomic_store(&m->stopping, true);
    vmp_machine_lock(m);
    for (unsigned i = 0; i < m->ncpus; i++)
        if (k->cpus[i].run)
            vmp_kvm_kick(m, i);
    pthread_mutex_unlock(&m->lock);
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (k->cpus[i].started) {
            pthread_join(k->cpus[i].thread, NULL);
            k->cpus[i].started = false;
        }
    }
}

void vmp_kvm_destroy(struct vmp_machine *m)
{
    struct vmp_kvm *k = m->kvm;
    if (!k)
        return;
    vmp_kvm_stop(m);
    if (k->cpus) {
        for (unsigned i = 0; i < m->ncpus; i++) {
            struct vmp_cpu *c = &k->cpus[i];
            if (c->run)
                munmap(c->run, k->run_size);
            if (c->fd >= 0)
                close(c->fd);
            pthread_cond_destroy(&c->wake);
        }
        free(k->cpus);
    }
    free(k->cpuid);
    if (k->vm_fd >= 0)
        close(k->vm_fd);
    if (k->sys_fd >= 0)
        close(k->sys_fd);
    free(k);
    m->kvm = NULL;
}
