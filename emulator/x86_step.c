/* Instruction fetch, the step loop with event priorities, exception
 * delivery with double/triple fault, and the one-instruction MMIO helper. */
#include "x86_internal.h"

static int x86_fetch_decode(struct x86_ctx *c, struct vmp_x86_insn *insn)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    uint8_t buf[15];
    uint64_t ip = cpu->rip, la, gpa;
    unsigned lim = 15;
    c->mode = x86_cpu_mode(cpu);
    if (c->mode != 64) {
        /* bytes past the CS limit may not be fetched (#GP(0)) */
        if (ip > cpu->seg[VMP_CS].limit)
            return x86_gp(c, 0);
        uint64_t room = (uint64_t)cpu->seg[VMP_CS].limit - ip + 1;
        if (room < lim)
            lim = (unsigned)room;
    }
    TRY(x86_seg_linear(c, VMP_CS, ip, 1, VMP_X86_ACC_FETCH, &la));
    unsigned n1 = 4096 - (unsigned)(la & 0xfff);
    if (n1 > lim)
        n1 = lim;
    TRY(x86_translate(c, la, VMP_X86_ACC_FETCH, &gpa));
    TRY(x86_read_phys(c, gpa, buf, n1));
    int r = vmp_x86_decode_bytes(insn, c->mode, buf, n1);
    if (r == VMP_X86_DEC_NEED_MORE && n1 < lim) {
        uint64_t la2 = la + n1;
        if (!(cpu->efer & VMP_EFER_LMA))
            la2 &= 0xffffffff;
        if (c->mode == 64) {
            unsigned bits = (cpu->cr4 & VMP_CR4_LA57) ? 57 : 48;
            int64_t s = (int64_t)(la2 << (64 - bits)) >> (64 - bits);
            if ((uint64_t)s != la2)
                return x86_gp(c, 0);
        }
        TRY(x86_translate(c, la2, VMP_X86_ACC_FETCH, &gpa));
        TRY(x86_read_phys(c, gpa, buf + n1, lim - n1));
        r = vmp_x86_decode_bytes(insn, c->mode, buf, lim);
    }
    if (r > 0)
        return 0;
    if (r == VMP_X86_DEC_UD)
        return x86_ud(c);
    return x86_gp(c, 0); /* > 15 bytes, or past the CS limit */
}

int vmp_x86_fetch_decode(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                         void *ctx, struct vmp_x86_insn *insn)
{
    struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx };
    return x86_fetch_decode(&c, insn);
}

/* Exception classes for double faults (SDM Vol. 3 Table 6-5). */
static int exc_class(const struct vmp_x86_event *ev)
{
    if (ev->type != VMP_X86_EV_EXCEPTION)
        return 0;
    switch (ev->vector) {
    case VMP_X86_DE: case VMP_X86_TS: case VMP_X86_NP: case VMP_X86_SS:
    case VMP_X86_GP:
        return 1;
    case VMP_X86_PF:
        return 2;
    default:
        return 0;
    }
}

int vmp_x86_deliver(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                    void *ctx)
{
    if (!cpu->event.valid)
        return VMP_X86_OK;
    struct vmp_x86_event ev = cpu->event;
    cpu->event.valid = 0;
    for (unsigned attempt = 0; attempt < 3; attempt++) {
        struct vmp_x86_cpu snap = *cpu;
        struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx };
        int rc = x86_deliver_event(&c, &ev, cpu->rip);
        if (rc == VMP_X86_OK) {
            cpu->halted = 0;
            if (ev.type == VMP_X86_EV_NMI)
                cpu->nmi_blocked = 1; /* until the next IRET (SDM Vol. 3 §6.7.1) */
            return VMP_X86_OK;
        }
        struct vmp_x86_event second = cpu->event;
        uint64_t cr2 = cpu->cr2;
        *cpu = snap;
        if (rc != VMP_X86_EXCEPTION) {
            cpu->event = ev; /* still pending */
            return rc;
        }
        cpu->cr2 = cr2;
        cpu->event.valid = 0;
        if (ev.type == VMP_X86_EV_EXCEPTION && ev.vector == VMP_X86_DF)
            return VMP_X86_SHUTDOWN;
        int a = exc_class(&ev), b = exc_class(&second);
        if ((a == 1 && b == 1) || (a == 2 && b != 0)) {
            ev.valid = 1;
            ev.vector = VMP_X86_DF;
            ev.type = VMP_X86_EV_EXCEPTION;
            ev.has_error = 1;
            ev.error_code = 0;
        } else {
            ev = second;
        }
    }
    return VMP_X86_SHUTDOWN;
}

static int deliver_new(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                       void *ctx, unsigned vec, unsigned type)
{
    cpu->event.valid = 1;
    cpu->event.vector = (uint8_t)vec;
    cpu->event.type = (uint8_t)type;
    cpu->event.has_error = 0;
    cpu->event.error_code = 0;
    return vmp_x86_deliver(cpu, ops, ctx);
}

int vmp_x86_step(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops, void *ctx)
{
    if (cpu->event.valid)
        return vmp_x86_deliver(cpu, ops, ctx);
    /* NMI, then INTR; both blocked by the MOV SS shadow, INTR also by the
     * STI shadow and RFLAGS.IF (SDM Vol. 3 §6.8.3, §6.9) */
    if (cpu->nmi_pending && !cpu->nmi_blocked && !(cpu->shadow & VMP_X86_SHADOW_MOVSS)) {
        cpu->nmi_pending = 0;
        return deliver_new(cpu, ops, ctx, VMP_X86_NMI_VEC, VMP_X86_EV_NMI);
    }
    if (cpu->irq_pending && (cpu->rflags & VMP_FLAG_IF) && !cpu->shadow &&
        ops->intr_ack) {
        int v = ops->intr_ack(ctx);
        if (v >= 0 && v < 256)
            return deliver_new(cpu, ops, ctx, (unsigned)v, VMP_X86_EV_EXTINT);
    }
    if (cpu->halted)
        return VMP_X86_HALT;

    struct vmp_x86_insn insn;
    struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx };
    bool tf = cpu->rflags & VMP_FLAG_TF;
    int rc = x86_fetch_decode(&c, &insn);
    if (rc == VMP_X86_OK) {
        c.insn = &insn;
        rc = x86_execute_ctx(&c);
    }
    if (rc == VMP_X86_EXCEPTION)
        return vmp_x86_deliver(cpu, ops, ctx);
    /* single-step trap after an instruction that began with TF=1 (SDM
     * Vol. 3 §17.3.1.4): not after INT n/INT3/INTO (the handler runs with
     * TF clear), and held over the MOV SS/POP SS shadow */
    if (rc == VMP_X86_OK && tf && !(cpu->shadow & VMP_X86_SHADOW_MOVSS) &&
        insn.op != OP_INT && insn.op != OP_INT3 && insn.op != OP_INTO &&
        insn.op != OP_INT1) {
        cpu->dr[6] |= 1u << 14; /* DR6.BS */
        return deliver_new(cpu, ops, ctx, VMP_X86_DB, VMP_X86_EV_EXCEPTION);
    }
    return rc;
}

int vmp_x86_emulate_one(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                        void *ctx, uint64_t gpa, struct vmp_x86_changes *chg)
{
    struct vmp_x86_cpu before = *cpu;
    struct vmp_x86_insn insn;
    struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx,
                         .mmio_page = gpa >> 12, .check_mmio = 1 };
    cpu->event.valid = 0;
    /* the guest flushed its TLB natively since the last exit, unseen */
    vmp_x86_flush_tlb(cpu);
    int rc = x86_fetch_decode(&c, &insn);
    if (rc == VMP_X86_OK) {
        c.insn = &insn;
        rc = x86_execute_ctx(&c);
    }
    if (chg) {
        memset(chg, 0, sizeof(*chg));
        for (unsigned i = 0; i < VMP_NR_GPRS; i++)
            if (cpu->gpr[i] != before.gpr[i])
                chg->gprs |= (uint16_t)(1u << i);
        chg->rip = cpu->rip != before.rip;
        chg->rflags = cpu->rflags != before.rflags;
        for (unsigned i = 0; i < VMP_NR_SEGS; i++)
            if (memcmp(&cpu->seg[i], &before.seg[i], sizeof(cpu->seg[i])))
                chg->segs |= (uint8_t)(1u << i);
        chg->sys = cpu->cr0 != before.cr0 || cpu->cr2 != before.cr2 ||
                   cpu->cr3 != before.cr3 || cpu->cr4 != before.cr4 ||
                   cpu->cr8 != before.cr8 || cpu->efer != before.efer ||
                   memcmp(&cpu->gdt, &before.gdt, sizeof(cpu->gdt)) ||
                   memcmp(&cpu->idt, &before.idt, sizeof(cpu->idt)) ||
                   memcmp(&cpu->ldt, &before.ldt, sizeof(cpu->ldt)) ||
                   memcmp(&cpu->tr, &before.tr, sizeof(cpu->tr)) ||
                   memcmp(cpu->dr, before.dr, sizeof(cpu->dr)) ||
                   cpu->star != before.star || cpu->lstar != before.lstar ||
                   cpu->cstar != before.cstar || cpu->sfmask != before.sfmask ||
                   cpu->kernel_gs_base != before.kernel_gs_base ||
                   cpu->tsc_aux != before.tsc_aux ||
                   cpu->sysenter_cs != before.sysenter_cs ||
                   cpu->sysenter_esp != before.sysenter_esp ||
                   cpu->sysenter_eip != before.sysenter_eip;
        chg->mmio_hit = c.mmio_hit;
    }
    return rc;
}

int vmp_x86_run(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                void *ctx, uint64_t max_steps, uint64_t *done)
{
    uint64_t n = 0;
    int rc = VMP_X86_OK;
    while (n < max_steps) {
        rc = vmp_x86_step(cpu, ops, ctx);
        n++;
        if (rc != VMP_X86_OK)
            break;
    }
    if (done)
        *done = n;
    return rc;
}
