/* The x87 floating-point unit (D8-DF escapes, FWAIT): which encodings
 * exist, the checks every x87 instruction makes (#UD, #NM, pending #MF),
 * the instruction and data pointers, and the validate-then-commit of
 * memory operands. Control instructions are in x86_x87_ctl.c, the numeric
 * work in x86_x87_host.c. */
#include "x86_x87.h"

enum { K_UD, K_CTL, K_REG, K_LD, K_ST, K_TTP };
#define KS(k, s) ((uint8_t)((k) | ((s) << 4)))
#define LD4 KS(K_LD, 4)
#define LD8 KS(K_LD, 8)
#define LD2 KS(K_LD, 2)

/* Memory forms by escape and ModRM.reg (SDM Vol. 2 Appendix A.4, Table
 * FISTTP (/1 of DB, DD, DF) is SSE3. */
static const uint8_t mem_class[8][8] = {
    /* D8 m32fp arith */ { LD4, LD4, LD4, LD4, LD4, LD4, LD4, LD4 },
    /* D9 FLD FST FSTP m32fp, FLDENV FLDCW FNSTENV FNSTCW */
    { LD4, K_UD, KS(K_ST, 4), KS(K_ST, 4), K_CTL, K_CTL, K_CTL, K_CTL },
    /* DA m32int arith */ { LD4, LD4, LD4, LD4, LD4, LD4, LD4, LD4 },
    /* DB FILD FISTTP FIST FISTP m32int, FLD FSTP m80fp */
    { LD4, KS(K_TTP, 4), KS(K_ST, 4), KS(K_ST, 4), K_UD, KS(K_LD, 10), K_UD, KS(K_ST, 10) },
    /* DC m64fp arith */ { LD8, LD8, LD8, LD8, LD8, LD8, LD8, LD8 },
    /* DD FLD FISTTP FST FSTP m64, FRSTOR, FNSAVE, FNSTSW */
    { LD8, KS(K_TTP, 8), KS(K_ST, 8), KS(K_ST, 8), K_CTL, K_UD, K_CTL, K_CTL },
    /* DE m16int arith */ { LD2, LD2, LD2, LD2, LD2, LD2, LD2, LD2 },
    /* DF FILD FISTTP FIST FISTP m16int, FBLD, FILD m64, FBSTP, FISTP m64 */
    { LD2, KS(K_TTP, 2), KS(K_ST, 2), KS(K_ST, 2), KS(K_LD, 10), LD8, KS(K_ST, 10),
      KS(K_ST, 8) },
};

/* Register forms (mod == 3): a bit per ModRM low six bits that #UD on the
 * Pentium 4 and later (Vol. 2 Table A-11 ... A-22; the undocumented
 * aliases FSTP1, FCOM2, FCOMP3, FXCH4, FCOMP5, FFREEP, FXCH7, FSTP8,
 * FSTP9 execute, and were checked to on the host). */
static const uint64_t reg_ud[8] = {
    0,
    /* D9: D1-D7, E2, E3, E6, E7, EF */
    (0xfeull << 16) | (0xccull << 32) | (0x80ull << 40),
    /* DA: E0-E8, EA-FF */
    (~0ull << 32) & ~(1ull << 41),
    /* DB: E5-E7, F8-FF */
    (0xe0ull << 32) | (0xffull << 56),
    0,
    /* DD: F0-FF */
    0xffffull << 48,
    /* DE: D8, DA-DF */
    0xfdull << 24,
    /* DF: E1-E7, F8-FF */
    (0xfeull << 32) | (0xffull << 56),
};

static unsigned x87_class(unsigned op, unsigned modrm)
{
    if ((modrm >> 6) != 3)
        return mem_class[op][(modrm >> 3) & 7];
    if (reg_ud[op] >> (modrm & 63) & 1)
        return K_UD;
    /* FNENI, FNDISI, FNCLEX, FNINIT, FNSETPM; FNSTSW AX */
    if ((op == 3 && modrm >= 0xe0 && modrm <= 0xe4) || (op == 7 && modrm == 0xe0))
        return K_CTL;
    return K_REG;
}

unsigned x87_tag(const struct vmp_x86_fpu *f, unsigned phys)
{
    if (!(f->ftw >> phys & 1))
        return 3;
    const struct vmp_x87_reg *r = &f->st[phys];
    unsigned exp = r->sexp & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return r->mant ? 2 : 1;
    return r->mant >> 63 ? 0 : 2; /* an unnormal is special */
}

uint16_t x87_full_tw(const struct vmp_x86_fpu *f)
{
    uint16_t tw = 0;
    for (unsigned i = 0; i < 8; i++)
        tw |= (uint16_t)(x87_tag(f, i) << (2 * i));
    return tw;
}

void x87_init(struct vmp_x86_fpu *f)
{
    /* FNINIT (Vol. 2 FINIT): FCW 037F, FSW 0, all empty, pointers 0 */
    f->fcw = 0x37f;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

/* Waiting instructions take a pending unmasked exception first (Vol. 1
 * §8.6): #MF with CR0.NE=1. With NE=0 a PC raises IRQ13 through FERR#; the
 * emulator has no line for it and continues as if IGNNE# were asserted. */
static int x87_wait_check(struct x86_ctx *c)
{
    if (x87_pending(&c->cpu->fpu) && (c->cpu->cr0 & VMP_CR0_NE))
        return x86_raise(c, VMP_X86_MF, 0, 0);
    return 0;
}

int x86_exec_fwait(struct x86_ctx *c)
{
    /* #NM when CR0.MP and CR0.TS (SDM Vol. 3 Table 2-2) */
    if ((c->cpu->cr0 & VMP_CR0_MP) && (c->cpu->cr0 & VMP_CR0_TS))
        return x86_raise(c, VMP_X86_NM, 0, 0);
    return x87_wait_check(c);
}

int x86_exec_x87(struct x86_ctx *c)
{
    const struct vmp_x86_insn *in = c->insn;
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned op = in->opcode & 7, modrm = in->modrm;
    unsigned cls = x87_class(op, modrm), kind = cls & 15, size = cls >> 4;
    if (kind == K_UD || (kind == K_TTP && !x87_host_has_fisttp()))
        return x86_ud(c);
    TRY(x86_fpu_check(c, X86_FPU_X87));
    if (kind == K_CTL)
        return x87_exec_control(c, op, modrm);
    TRY(x87_wait_check(c));
    bool mem = (modrm >> 6) != 3;
    struct vmp_x86_fpu f = cpu->fpu;
    uint64_t fl = cpu->rflags;
    uint64_t ea = 0; /* before the goto: the done path reads it */
    if (!mem && x87_fast(&f, op, modrm))
        goto done;
    if (!X87_HOST)
        return VMP_X86_UNHANDLED;

    bool store = kind == K_ST || kind == K_TTP;
    uint8_t buf[16];
    memset(buf, 0, sizeof(buf));
    if (mem) {
        ea = x86_ea(c);
        if (store)
            TRY(x86_probe_write(c, in->mem.seg, ea, size));
        else
            TRY(x86_read_mem(c, in->mem.seg, ea, buf, size));
    }
    uint16_t old = f.fsw & X87_FLAGS;
    TRY(x87_host_run(&f, op, modrm, buf, &fl));
    uint16_t raised = f.fsw & X87_EXC;
    f.fsw |= old; /* the flags are sticky */
    x87_sync_es(&f);
    /* A store with an unmasked IE, OE or UE leaves memory alone (Vol. 1
     * §8.5.1, §8.5.4, §8.5.5; measured on the host); PE stores. */
    if (store && !(raised & ~f.fcw & (X87_IE | X87_OE | X87_UE)))
        TRY(x86_write_mem(c, in->mem.seg, ea, buf, size));
done:
    /* non-control instructions record themselves (Vol. 1 §8.1.8, §8.1.9) */
    f.fop = (uint16_t)((op << 8) | modrm);
    f.fip = cpu->rip;
    f.fcs = cpu->seg[VMP_CS].selector;
    if (mem) {
        f.fdp = ea;
        f.fds = cpu->seg[in->mem.seg].selector;
    }
    cpu->fpu = f;
    x86_set_flags(cpu, X86_ARITH, fl); /* only FCOMI and friends change them */
    return 0;
}
