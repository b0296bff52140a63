/* When KVM gives up on an instruction (KVM_EXIT_INTERNAL_ERROR with
 * KVM_INTERNAL_ERROR_EMULATION), vmp runs that one instruction on the
 * library's emulator with the vCPU's registers and goes on. On a PVM host,
 * where all CPL-0 and real-mode guest code goes through the host kernel's
 * instruction emulator, that emulator cannot do, for one, a protected-mode
 * IRET (SYSLINUX returns from its interrupt handlers with one). This is use
 * (a) of the emulator in DESIGN.md: a VMM hands it one instruction. */
#include "machine.h"

#include <string.h>

#include "cpuid.h"

struct one {
    struct vmp_machine *m;
    unsigned cpu;
};

static int o_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct one *o = ctx;
    if (vmp_mem_read(o->m->mem, gpa, buf, len) == 0)
        return 0;
    vmp_board_mmio(o->m, o->cpu, gpa, buf, len, false);
    return 0;
}

static int o_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct one *o = ctx;
    if (vmp_mem_is_backed(o->m->mem, gpa, len)) {
        (void)vmp_mem_write(o->m->mem, gpa, buf, len); /* ROM: dropped */
        return 0;
    }
    uint8_t tmp[8];
    for (unsigned done = 0; done < len;) {
        unsigned n = len - done > 8 ? 8 : len - done;
        memcpy(tmp, (const uint8_t *)buf + done, n);
        vmp_board_mmio(o->m, o->cpu, gpa + done, tmp, n, true);
        done += n;
    }
    return 0;
}

static int o_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct one *o = ctx;
    *val = (uint32_t)vmp_space_read(o->m->pio, port, size);
    return 0;
}

static int o_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    struct one *o = ctx;
    if (port == VMP_BIOS_TRAP_PORT && vmp_firmware_active(o->m))
        return 0; /* not expected from an instruction KVM could not do */
    vmp_space_write(o->m->pio, port, val, size);
    return 0;
}

static int o_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    struct one *o = ctx;
    return vmp_board_msr(o->m, o->cpu, msr, val, false);
}

static int o_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct one *o = ctx;
    return vmp_board_msr(o->m, o->cpu, msr, &val, true);
}

static void o_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct one *o = ctx;
    vmp_cpuid_emu(leaf, sub, o->m->ncpus, out);
    vmp_cpuid_adjust(leaf, out, o->cpu, o->m->ncpus);
}

static uint64_t o_rdtsc(void *ctx)
{
    struct one *o = ctx;
    return vmp_kvm_read_tsc(o->m, o->cpu);
}

static const struct vmp_x86_ops one_ops = {
    .read_phys = o_read,
    .write_phys = o_write,
    .io_in = o_in,
    .io_out = o_out,
    .rdmsr = o_rdmsr,
    .wrmsr = o_wrmsr,
    .cpuid = o_cpuid,
    .rdtsc = o_rdtsc,
};

int vmp_kvm_emulate_one(struct vmp_machine *m, unsigned cpu)
{
    struct vmp_vcpu v = vmp_kvm_vcpu(m, cpu);
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs s;
    int err = v.ops->get_regs(v.opaque, &r);
    if (err == 0)
        err = v.ops->get_sregs(v.opaque, &s);
    if (err < 0)
        return err;
    struct vmp_x86_cpu x;
    vmp_x86_cpu_reset(&x);
    vmp_x86_cpu_set_regs(&x, &r, &s);
    struct one o = {m, cpu};
    /* An x87/SSE instruction needs the vCPU's FPU registers in and out. */
    struct vmp_x86_insn insn;
    struct vmp_x86_cpu probe = x; /* a failing fetch is left to the step */
    bool fpu = vmp_x86_fetch_decode(&probe, &one_ops, &o, &insn) == VMP_X86_OK &&
               vmp_x86_insn_uses_fpu(&insn);
    if (fpu && (err = vmp_kvm_fpu(m, cpu, &x.fpu, false)) < 0)
        return err;
    int rc = vmp_x86_step(&x, &one_ops, &o);
    if (rc != VMP_X86_OK)
        return -1;
    vmp_x86_cpu_get_regs(&x, &r, &s);
    err = v.ops->set_sregs(v.opaque, &s);
    if (err == 0)
        err = v.ops->set_regs(v.opaque, &r);
    if (err == 0 && fpu)
        err = vmp_kvm_fpu(m, cpu, &x.fpu, true);
    if (fpu)
        vmp_logf(&m->log, VMP_LOG_DEBUG, "vCPU %u: emulated an x87/SSE instruction (%02x %02x %02x)",
                 cpu, insn.bytes[0], insn.bytes[1], insn.bytes[2]);
    return err;
}
