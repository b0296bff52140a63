/* System instructions: control and debug registers, MSRs, descriptor
 * table registers, SYSCALL/SYSRET, SYSENTER/SYSEXIT (SDM Vol. 2, Vol. 3
 * §2.5, §5.8.7-8). */
#include "x86_internal.h"

#define CR0_RESERVED 0xffffffff1ffaffc0ull
#define CR4_KNOWN (VMP_CR4_VME | VMP_CR4_PVI | VMP_CR4_TSD | VMP_CR4_DE |     \
                   VMP_CR4_PSE | VMP_CR4_PAE | VMP_CR4_MCE | VMP_CR4_PGE |   \
                   VMP_CR4_PCE | VMP_CR4_OSFXSR | VMP_CR4_OSXMMEXCPT |       \
                   VMP_CR4_UMIP | VMP_CR4_LA57 | VMP_CR4_FSGSBASE |          \
                   VMP_CR4_PCIDE | VMP_CR4_OSXSAVE | VMP_CR4_SMEP | VMP_CR4_SMAP)

static bool canon(const struct vmp_x86_cpu *cpu, uint64_t a)
{
    unsigned bits = (cpu->cr4 & VMP_CR4_LA57) ? 57 : 48;
    int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == a;
}

/* MOV to CR0 (SDM Vol. 3 §2.5, §9.8.5 for entering/leaving IA-32e mode). */
static int write_cr0(struct x86_ctx *c, uint64_t v)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (v & CR0_RESERVED)
        return x86_gp(c, 0);
    v |= VMP_CR0_ET;
    if ((v & VMP_CR0_PG) && !(v & VMP_CR0_PE))
        return x86_gp(c, 0);
    if ((v & VMP_CR0_NW) && !(v & VMP_CR0_CD))
        return x86_gp(c, 0);
    bool pg_on = (v & VMP_CR0_PG) && !(cpu->cr0 & VMP_CR0_PG);
    bool pg_off = !(v & VMP_CR0_PG) && (cpu->cr0 & VMP_CR0_PG);
    if (pg_on && (cpu->efer & VMP_EFER_LME)) {
        if (!(cpu->cr4 & VMP_CR4_PAE) || cpu->seg[VMP_CS].l)
            return x86_gp(c, 0);
        cpu->efer |= VMP_EFER_LMA;
    }
    if (pg_off && (cpu->efer & VMP_EFER_LMA)) {
        if (c->mode == 64)
            return x86_gp(c, 0);
        cpu->efer &= ~(uint64_t)VMP_EFER_LMA;
    }
    cpu->cr0 = v;
    return 0;
}

static int write_cr4(struct x86_ctx *c, uint64_t v)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (v & ~(uint64_t)CR4_KNOWN)
        return x86_gp(c, 0);
    if (cpu->efer & VMP_EFER_LMA) {
        if (!(v & VMP_CR4_PAE))
            return x86_gp(c, 0);
        if ((v ^ cpu->cr4) & VMP_CR4_LA57)
            return x86_gp(c, 0);
    }
    if ((v & VMP_CR4_PCIDE) && (!(cpu->efer & VMP_EFER_LMA) || (cpu->cr3 & 0xfff)))
        return x86_gp(c, 0);
    cpu->cr4 = v;
    return 0;
}

static int mov_cr(struct x86_ctx *c, bool to)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *cr = to ? &in->opnd[0] : &in->opnd[1];
    const struct vmp_x86_opnd *gr = to ? &in->opnd[1] : &in->opnd[0];
    unsigned size = c->mode == 64 ? 8 : 4;
    if (cr->reg == 8 && c->mode != 64)
        return x86_ud(c);
    if (!to) {
        uint64_t v;
        switch (cr->reg) {
        case 0: v = cpu->cr0; break;
        case 2: v = cpu->cr2; break;
        case 3: v = cpu->cr3; break;
        case 4: v = cpu->cr4; break;
        default: v = cpu->cr8 & 15; break;
        }
        x86_reg_set(cpu, gr->reg, size, false, v);
        return 0;
    }
    uint64_t v = x86_reg_get(cpu, gr->reg, size, false);
    switch (cr->reg) {
    case 0: return write_cr0(c, v);
    case 2: cpu->cr2 = v; return 0;
    case 3:
        if ((cpu->efer & VMP_EFER_LMA) && (v >> 52))
            return x86_gp(c, 0);
        cpu->cr3 = v;
        vmp_x86_flush_tlb(cpu); /* MOV CR3 flushes (non-global) entries */
        return 0;
    case 4: return write_cr4(c, v);
    default:
        if (v & ~15ull)
            return x86_gp(c, 0);
        cpu->cr8 = v;
        return 0;
    }
}

/* MOV DR (SDM Vol. 3 §17.2): DR4/5 alias DR6/7 unless CR4.DE (#UD). */
static int mov_dr(struct x86_ctx *c, bool to)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *dr = to ? &in->opnd[0] : &in->opnd[1];
    const struct vmp_x86_opnd *gr = to ? &in->opnd[1] : &in->opnd[0];
    unsigned size = c->mode == 64 ? 8 : 4, n = dr->reg;
    if (n == 4 || n == 5) {
        if (cpu->cr4 & VMP_CR4_DE)
            return x86_ud(c);
        n += 2;
    }
    if (!to) {
        x86_reg_set(cpu, gr->reg, size, false, cpu->dr[n]);
        return 0;
    }
    uint64_t v = x86_reg_get(cpu, gr->reg, size, false);
    if (n >= 6 && (v >> 32))
        return x86_gp(c, 0);
    if (n == 6)
        v = (v & 0x0000e00fu) | 0xffff0ff0u;
    else if (n == 7)
        v = (v & ~0x0000d800ull) | 0x400;
    cpu->dr[n] = v;
    return 0;
}

static int rdmsr(struct x86_ctx *c, uint32_t msr, uint64_t *v)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    switch (msr) {
    case VMP_X86_MSR_EFER: *v = cpu->efer; return 0;
    case VMP_X86_MSR_STAR: *v = cpu->star; return 0;
    case VMP_X86_MSR_LSTAR: *v = cpu->lstar; return 0;
    case VMP_X86_MSR_CSTAR: *v = cpu->cstar; return 0;
    case VMP_X86_MSR_SFMASK: *v = cpu->sfmask; return 0;
    case VMP_X86_MSR_FS_BASE: *v = cpu->seg[VMP_FS].base; return 0;
    case VMP_X86_MSR_GS_BASE: *v = cpu->seg[VMP_GS].base; return 0;
    case VMP_X86_MSR_KERNEL_GS_BASE: *v = cpu->kernel_gs_base; return 0;
    case VMP_X86_MSR_TSC_AUX: *v = cpu->tsc_aux; return 0;
    case VMP_X86_MSR_SYSENTER_CS: *v = cpu->sysenter_cs; return 0;
    case VMP_X86_MSR_SYSENTER_ESP: *v = cpu->sysenter_esp; return 0;
    case VMP_X86_MSR_SYSENTER_EIP: *v = cpu->sysenter_eip; return 0;
    case VMP_X86_MSR_APIC_BASE: *v = cpu->apic_base; return 0;
    case VMP_X86_MSR_TSC: *v = c->ops->rdtsc ? c->ops->rdtsc(c->opaque) : 0; return 0;
    default:
        if (!c->ops->rdmsr || c->ops->rdmsr(c->opaque, msr, v) < 0)
            return x86_gp(c, 0);
        return 0;
    }
}

static int wrmsr(struct x86_ctx *c, uint32_t msr, uint64_t v)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    switch (msr) {
    case VMP_X86_MSR_EFER: {
        uint64_t known = VMP_EFER_SCE | VMP_EFER_LME | VMP_EFER_NXE;
        if (v & ~(known | VMP_EFER_LMA))
            return x86_gp(c, 0);
        /* LME may not change while paging is on (SDM Vol. 3 §9.8.5) */
        if ((cpu->cr0 & VMP_CR0_PG) && ((v ^ cpu->efer) & VMP_EFER_LME))
            return x86_gp(c, 0);
        cpu->efer = (v & known) | (cpu->efer & VMP_EFER_LMA);
        return 0;
    }
    case VMP_X86_MSR_STAR: cpu->star = v; return 0;
    case VMP_X86_MSR_LSTAR:
    case VMP_X86_MSR_CSTAR:
    case VMP_X86_MSR_FS_BASE:
    case VMP_X86_MSR_GS_BASE:
    case VMP_X86_MSR_KERNEL_GS_BASE:
    case VMP_X86_MSR_SYSENTER_ESP:
    case VMP_X86_MSR_SYSENTER_EIP:
        if (!canon(cpu, v))
            return x86_gp(c, 0);
        if (msr == VMP_X86_MSR_LSTAR) cpu->lstar = v;
        else if (msr == VMP_X86_MSR_CSTAR) cpu->cstar = v;
        else if (msr == VMP_X86_MSR_FS_BASE) cpu->seg[VMP_FS].base = v;
        else if (msr == VMP_X86_MSR_GS_BASE) cpu->seg[VMP_GS].base = v;
        else if (msr == VMP_X86_MSR_KERNEL_GS_BASE) cpu->kernel_gs_base = v;
        else if (msr == VMP_X86_MSR_SYSENTER_ESP) cpu->sysenter_esp = v;
        else cpu->sysenter_eip = v;
        return 0;
    case VMP_X86_MSR_SFMASK:
        if (v >> 32)
            return x86_gp(c, 0);
        cpu->sfmask = v;
        return 0;
    case VMP_X86_MSR_TSC_AUX:
        if (v >> 32)
            return x86_gp(c, 0);
        cpu->tsc_aux = v;
        return 0;
    case VMP_X86_MSR_SYSENTER_CS:
        cpu->sysenter_cs = v & 0xffff;
        return 0;
    default:
        if (!c->ops->wrmsr || c->ops->wrmsr(c->opaque, msr, v) < 0)
            return x86_gp(c, 0);
        return 0;
    }
}

static void flat_seg(struct vmp_segment *s, uint16_t sel, uint8_t type, uint8_t dpl,
                     bool l, bool db)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->limit = 0xffffffff;
    s->type = type;
    s->s = 1;
    s->dpl = dpl;
    s->present = 1;
    s->l = l;
    s->db = db;
    s->g = 1;
}

/* SYSCALL/SYSRET (SDM Vol. 2): flat segments from STAR, no descriptor
 * reads. Only the IA-32e forms are implemented; legacy-mode SYSCALL (an
 * AMD feature) returns UNHANDLED. */
static int exec_syscall(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    if (!(cpu->efer & VMP_EFER_SCE))
        return x86_ud(c);
    if (!(cpu->efer & VMP_EFER_LMA))
        return VMP_X86_UNHANDLED;
    if (in->op == OP_SYSCALL) {
        if (c->mode != 64)
            return VMP_X86_UNHANDLED; /* compatibility-mode SYSCALL (CSTAR) */
        uint16_t sel = (uint16_t)(cpu->star >> 32);
        cpu->gpr[VMP_RCX] = c->next_rip;
        cpu->gpr[VMP_R11] = cpu->rflags & ~(uint64_t)VMP_FLAG_RF;
        cpu->rflags = (cpu->rflags & ~(cpu->sfmask | VMP_FLAG_RF)) | 2;
        flat_seg(&cpu->seg[VMP_CS], sel & 0xfffc, 0xb, 0, true, false);
        flat_seg(&cpu->seg[VMP_SS], (sel + 8) & 0xfffc, 0x3, 0, false, true);
        cpu->rip = cpu->lstar;
        return 0;
    }
    /* SYSRET */
    if (c->mode != 64)
        return x86_ud(c);
    uint16_t sel = (uint16_t)(cpu->star >> 48);
    uint64_t target = cpu->gpr[VMP_RCX];
    bool to64 = in->opsize == 8;
    if (to64 && !canon(cpu, target))
        return x86_gp(c, 0);
    cpu->rflags = (cpu->gpr[VMP_R11] & 0x3c7fd7) | 2;
    if (to64) {
        flat_seg(&cpu->seg[VMP_CS], (uint16_t)((sel + 16) | 3), 0xb, 3, true, false);
        cpu->rip = target;
    } else {
        flat_seg(&cpu->seg[VMP_CS], (uint16_t)(sel | 3), 0xb, 3, false, true);
        cpu->rip = target & 0xffffffff;
    }
    flat_seg(&cpu->seg[VMP_SS], (uint16_t)((sel + 8) | 3), 0x3, 3, false, true);
    return 0;
}

/* SYSENTER/SYSEXIT (SDM Vol. 2). */
static int exec_sysenter(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    uint16_t cs = (uint16_t)cpu->sysenter_cs;
    if (x86_real(cpu) || !(cs & 0xfffc))
        return x86_gp(c, 0);
    bool lm = cpu->efer & VMP_EFER_LMA;
    if (in->op == OP_SYSENTER) {
        cpu->rflags &= ~(uint64_t)(VMP_FLAG_VM | VMP_FLAG_IF | VMP_FLAG_RF);
        flat_seg(&cpu->seg[VMP_CS], cs & 0xfffc, 0xb, 0, lm, !lm);
        flat_seg(&cpu->seg[VMP_SS], (cs + 8) & 0xfffc, 0x3, 0, false, true);
        cpu->rip = lm ? cpu->sysenter_eip : cpu->sysenter_eip & 0xffffffff;
        cpu->gpr[VMP_RSP] = lm ? cpu->sysenter_esp : cpu->sysenter_esp & 0xffffffff;
        return 0;
    }
    bool to64 = in->opsize == 8;
    uint64_t rip = cpu->gpr[VMP_RDX], rsp = cpu->gpr[VMP_RCX];
    if (to64 && (!canon(cpu, rip) || !canon(cpu, rsp)))
        return x86_gp(c, 0);
    uint16_t ncs = (uint16_t)((cs + (to64 ? 32 : 16)) | 3);
    flat_seg(&cpu->seg[VMP_CS], ncs, 0xb, 3, to64, !to64);
    flat_seg(&cpu->seg[VMP_SS], (uint16_t)((ncs + 8) | 3), 0x3, 3, false, true);
    cpu->rip = to64 ? rip : rip & 0xffffffff;
    cpu->gpr[VMP_RSP] = to64 ? rsp : rsp & 0xffffffff;
    return 0;
}

int x86_exec_sys(struct x86_ctx *c, bool *handled)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *o0 = &in->opnd[0];
    unsigned cpl = vmp_x86_cpl(cpu);
    *handled = true;

    switch (in->op) {
    case OP_MOV_TO_CR: return mov_cr(c, true);
    case OP_MOV_FROM_CR: return mov_cr(c, false);
    case OP_MOV_TO_DR: return mov_dr(c, true);
    case OP_MOV_FROM_DR: return mov_dr(c, false);
    case OP_RDMSR: {
        uint64_t v = 0;
        TRY(rdmsr(c, (uint32_t)cpu->gpr[VMP_RCX], &v));
        x86_reg_set(cpu, VMP_RAX, 4, false, v & 0xffffffff);
        x86_reg_set(cpu, VMP_RDX, 4, false, v >> 32);
        return 0;
    }
    case OP_WRMSR:
        return wrmsr(c, (uint32_t)cpu->gpr[VMP_RCX],
                     (cpu->gpr[VMP_RAX] & 0xffffffff) | (cpu->gpr[VMP_RDX] << 32));
    case OP_LGDT:
    case OP_LIDT: {
        /* m16&32 (base masked to 24 bits with a 16-bit operand), m16&64 in
         * 64-bit mode */
        uint64_t ea = x86_ea(c), base = 0;
        uint16_t limit;
        unsigned bsz = c->mode == 64 ? 8 : 4;
        TRY(x86_read_mem(c, in->mem.seg, ea, &limit, 2));
        TRY(x86_read_mem(c, in->mem.seg, (ea + 2) & x86_mask(in->adsize), &base, bsz));
        if (c->mode == 64 && !canon(cpu, base))
            return x86_gp(c, 0);
        if (c->mode != 64 && in->opsize == 2)
            base &= 0xffffff;
        struct vmp_dtable *t = in->op == OP_LGDT ? &cpu->gdt : &cpu->idt;
        t->base = base;
        t->limit = limit;
        return 0;
    }
    case OP_SGDT:
    case OP_SIDT: {
        if ((cpu->cr4 & VMP_CR4_UMIP) && cpl > 0)
            return x86_gp(c, 0);
        const struct vmp_dtable *t = in->op == OP_SGDT ? &cpu->gdt : &cpu->idt;
        uint8_t buf[10];
        unsigned bsz = c->mode == 64 ? 8 : 4;
        uint64_t base = t->base;
        memcpy(buf, &t->limit, 2);
        memcpy(buf + 2, &base, 8);
        uint64_t ea = x86_ea(c);
        TRY(x86_probe_write(c, in->mem.seg, ea, 2 + bsz));
        return x86_write_mem(c, in->mem.seg, ea, buf, 2 + bsz);
    }
    case OP_SLDT:
    case OP_STR:
    case OP_SMSW: {
        if ((cpu->cr4 & VMP_CR4_UMIP) && cpl > 0)
            return x86_gp(c, 0);
        if (in->op != OP_SMSW && (x86_real(cpu) || x86_vm86(cpu)))
            return x86_ud(c);
        uint64_t v = in->op == OP_SLDT ? cpu->ldt.selector
                   : in->op == OP_STR ? cpu->tr.selector : cpu->cr0;
        if (o0->kind == VMP_X86_OPND_REG) {
            if (in->op != OP_SMSW)
                v &= 0xffff;
            x86_reg_set(cpu, o0->reg, in->opsize, false, v);
            return 0;
        }
        return x86_write_mem(c, in->mem.seg, x86_ea(c), &v, 2);
    }
    case OP_LMSW: {
        uint64_t v = 0;
        if (o0->kind == VMP_X86_OPND_REG)
            v = x86_reg_get(cpu, o0->reg, 2, false);
        else
            TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), &v, 2));
        /* loads PE MP EM TS; cannot clear PE (SDM Vol. 2 LMSW) */
        uint64_t n = (cpu->cr0 & ~0xeull) | (v & 0xf) | (cpu->cr0 & VMP_CR0_PE);
        cpu->cr0 = n;
        return 0;
    }
    case OP_CLTS:
        cpu->cr0 &= ~(uint64_t)VMP_CR0_TS;
        return 0;
    case OP_INVLPG:
        vmp_x86_flush_tlb(cpu);
        return 0;
    case OP_WBINVD:
        return 0; /* no caches to write back */
    case OP_SWAPGS: {
        uint64_t t = cpu->seg[VMP_GS].base;
        cpu->seg[VMP_GS].base = cpu->kernel_gs_base;
        cpu->kernel_gs_base = t;
        return 0;
    }
    case OP_CLAC:
    case OP_STAC:
        if (in->op == OP_CLAC)
            cpu->rflags &= ~(uint64_t)VMP_FLAG_AC;
        else
            cpu->rflags |= VMP_FLAG_AC;
        return 0;
    case OP_SYSCALL:
    case OP_SYSRET:
        return exec_syscall(c);
    case OP_SYSENTER:
    case OP_SYSEXIT:
        return exec_sysenter(c);
    case OP_RDPMC:
        return VMP_X86_UNHANDLED;
    default:
        *handled = false;
        return VMP_X86_UNHANDLED;
    }
}
