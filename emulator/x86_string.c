/* String instructions with REP/REPE/REPNE (SDM Vol. 2 MOVS, CMPS, STOS,
 * LODS, SCAS, INS, OUTS, REP). Each iteration commits rSI/rDI/rCX before
 * the next, so a fault, an MMIO round trip or a pending interrupt can stop
 * the instruction mid-way with RIP still on it; the next execute resumes.
 * At most VMP_X86_REP_CHUNK iterations run per call. */
#include "x86_internal.h"

static int port_in(struct x86_ctx *c, uint16_t port, unsigned size, uint64_t *v)
{
    uint32_t x = 0;
    if (!c->ops->io_in)
        return VMP_X86_UNHANDLED;
    int rc = c->ops->io_in(c->opaque, port, size, &x);
    if (rc)
        return rc == VMP_X86_OP_RETRY ? VMP_X86_RETRY : VMP_X86_UNHANDLED;
    *v = x;
    return 0;
}

static int port_out(struct x86_ctx *c, uint16_t port, unsigned size, uint64_t v)
{
    if (!c->ops->io_out)
        return VMP_X86_UNHANDLED;
    int rc = c->ops->io_out(c->opaque, port, size, (uint32_t)v);
    if (rc)
        return rc == VMP_X86_OP_RETRY ? VMP_X86_RETRY : VMP_X86_UNHANDLED;
    return 0;
}

/* One iteration: no register is changed unless everything succeeded. */
static int iteration(struct x86_ctx *c, unsigned size, uint64_t si, uint64_t di)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    unsigned src_seg = in->mem.seg;
    uint64_t a = 0, b = 0, f;
    uint16_t port = (uint16_t)cpu->gpr[VMP_RDX];

    switch (in->op) {
    case OP_MOVS:
        TRY(x86_read_mem(c, src_seg, si, &a, size));
        return x86_write_mem(c, VMP_ES, di, &a, size);
    case OP_STOS:
        a = x86_reg_get(cpu, VMP_RAX, size, false);
        return x86_write_mem(c, VMP_ES, di, &a, size);
    case OP_LODS:
        TRY(x86_read_mem(c, src_seg, si, &a, size));
        x86_reg_set(cpu, VMP_RAX, size, false, a);
        return 0;
    case OP_CMPS:
        TRY(x86_read_mem(c, src_seg, si, &a, size));
        TRY(x86_read_mem(c, VMP_ES, di, &b, size));
        x86_alu(7, a, b, size, cpu->rflags, &f);
        x86_set_flags(cpu, X86_ARITH, f);
        return 0;
    case OP_SCAS:
        a = x86_reg_get(cpu, VMP_RAX, size, false);
        TRY(x86_read_mem(c, VMP_ES, di, &b, size));
        x86_alu(7, a, b, size, cpu->rflags, &f);
        x86_set_flags(cpu, X86_ARITH, f);
        return 0;
    case OP_INS:
        TRY(x86_check_io(c, port, size));
        TRY(x86_probe_write(c, VMP_ES, di, size));
        TRY(port_in(c, port, size, &a));
        return x86_write_mem(c, VMP_ES, di, &a, size);
    default: /* OUTS */
        TRY(x86_read_mem(c, src_seg, si, &a, size));
        TRY(x86_check_io(c, port, size));
        return port_out(c, port, size, a);
    }
}

int x86_exec_string(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    unsigned as = in->adsize;
    unsigned size = in->op == OP_OUTS ? in->opnd[1].size : in->opnd[0].size;
    bool rep = in->prefixes & (VMP_X86_PFX_REP | VMP_X86_PFX_REPNE);
    bool repne = in->prefixes & VMP_X86_PFX_REPNE;
    bool cond = in->op == OP_CMPS || in->op == OP_SCAS;
    bool uses_si = in->op == OP_MOVS || in->op == OP_LODS || in->op == OP_CMPS ||
                   in->op == OP_OUTS;
    bool uses_di = in->op != OP_LODS && in->op != OP_OUTS;
    uint64_t am = x86_mask(as);
    int64_t step = (cpu->rflags & VMP_FLAG_DF) ? -(int64_t)size : (int64_t)size;
    bool done = false;
    int rc = 0;

    for (unsigned iters = 0;; iters++) {
        uint64_t cx = x86_reg_get(cpu, VMP_RCX, as, false);
        if (rep && cx == 0) {
            done = true; /* REP with a zero count does nothing */
            break;
        }
        if (iters == VMP_X86_REP_CHUNK)
            break;
        /* let a pending event in between iterations (SDM Vol. 2 REP:
         * interrupts are recognised and the instruction resumes) */
        if (iters && (cpu->nmi_pending ||
                      (cpu->irq_pending && (cpu->rflags & VMP_FLAG_IF))))
            break;
        uint64_t si = cpu->gpr[VMP_RSI] & am, di = cpu->gpr[VMP_RDI] & am;
        rc = iteration(c, size, si, di);
        if (rc)
            break;
        if (uses_si)
            x86_reg_set_addr(cpu, VMP_RSI, as, (si + (uint64_t)step) & am);
        if (uses_di)
            x86_reg_set_addr(cpu, VMP_RDI, as, (di + (uint64_t)step) & am);
        if (!rep) {
            done = true;
            break;
        }
        cx = (cx - 1) & am;
        x86_reg_set_addr(cpu, VMP_RCX, as, cx);
        if (cond && ((cpu->rflags & VMP_FLAG_ZF) ? repne : !repne)) {
            done = true;
            break;
        }
        if (!cx) {
            done = true;
            break;
        }
    }
    if (done)
        cpu->rip = c->next_rip;
    else if (!rc) {
        cpu->rflags |= VMP_FLAG_RF; /* resumed later: see x86_execute_ctx */
        c->rep_stopped = 1;
    }
    return rc;
}
