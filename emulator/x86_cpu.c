/* CPU state helpers: power-on state, CPL, conversion to the shared vCPU
 * register structs. */
#include "x86_internal.h"

void vmp_x86_cpu_reset(struct vmp_x86_cpu *cpu)
{
    memset(cpu, 0, sizeof(*cpu));
    /* SDM Vol. 3 Table 9-1 */
    cpu->rip = 0xfff0;
    cpu->rflags = 0x2;
    cpu->gpr[VMP_RDX] = 0x600;
    cpu->cr0 = 0x60000010;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++) {
        struct vmp_segment *s = &cpu->seg[i];
        s->limit = 0xffff;
        s->present = 1;
        s->s = 1;
        s->type = 3; /* read/write data, accessed */
    }
    cpu->seg[VMP_CS].selector = 0xf000;
    cpu->seg[VMP_CS].base = 0xffff0000;
    cpu->seg[VMP_CS].type = 0xb; /* execute/read code, accessed */
    cpu->ldt.limit = 0xffff;
    cpu->ldt.type = 2;
    cpu->ldt.present = 1;
    cpu->tr.limit = 0xffff;
    cpu->tr.type = 0xb; /* busy 32-bit TSS */
    cpu->tr.present = 1;
    cpu->gdt.limit = 0xffff;
    cpu->idt.limit = 0xffff;
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x400;
    cpu->apic_base = 0xfee00900; /* BSP, enabled */
    cpu->fpu.fcw = 0x40;         /* x87 power-on state (Table 9-1) */
    cpu->fpu.mxcsr = 0x1f80;     /* all SSE exceptions masked */
}

unsigned vmp_x86_cpl(const struct vmp_x86_cpu *cpu)
{
    if (!(cpu->cr0 & VMP_CR0_PE))
        return 0;
    if (cpu->rflags & VMP_FLAG_VM)
        return 3;
    return cpu->seg[VMP_SS].dpl & 3;
}

unsigned x86_cpu_mode(const struct vmp_x86_cpu *cpu)
{
    if (x86_long64(cpu))
        return 64;
    if ((cpu->cr0 & VMP_CR0_PE) && !(cpu->rflags & VMP_FLAG_VM) &&
        cpu->seg[VMP_CS].db)
        return 32;
    return 16;
}

void vmp_x86_cpu_get_regs(const struct vmp_x86_cpu *cpu,
                          struct vmp_vcpu_regs *regs,
                          struct vmp_vcpu_sregs *sregs)
{
    if (regs) {
        memcpy(regs->gpr, cpu->gpr, sizeof(regs->gpr));
        regs->rip = cpu->rip;
        regs->rflags = cpu->rflags;
    }
    if (sregs) {
        memcpy(sregs->seg, cpu->seg, sizeof(sregs->seg));
        sregs->tr = cpu->tr;
        sregs->ldt = cpu->ldt;
        sregs->gdt = cpu->gdt;
        sregs->idt = cpu->idt;
        sregs->cr0 = cpu->cr0;
        sregs->cr2 = cpu->cr2;
        sregs->cr3 = cpu->cr3;
        sregs->cr4 = cpu->cr4;
        sregs->cr8 = cpu->cr8;
        sregs->efer = cpu->efer;
        sregs->apic_base = cpu->apic_base;
    }
}

void vmp_x86_cpu_set_regs(struct vmp_x86_cpu *cpu,
                          const struct vmp_vcpu_regs *regs,
                          const struct vmp_vcpu_sregs *sregs)
{
    if (regs) {
        memcpy(cpu->gpr, regs->gpr, sizeof(cpu->gpr));
        cpu->rip = regs->rip;
        cpu->rflags = regs->rflags;
    }
    if (sregs) {
        memcpy(cpu->seg, sregs->seg, sizeof(cpu->seg));
        cpu->tr = sregs->tr;
        cpu->ldt = sregs->ldt;
        cpu->gdt = sregs->gdt;
        cpu->idt = sregs->idt;
        cpu->cr0 = sregs->cr0;
        cpu->cr2 = sregs->cr2;
        cpu->cr3 = sregs->cr3;
        cpu->cr4 = sregs->cr4;
        cpu->cr8 = sregs->cr8;
        cpu->efer = sregs->efer;
        cpu->apic_base = sregs->apic_base;
    }
    vmp_x86_flush_tlb(cpu);
}
