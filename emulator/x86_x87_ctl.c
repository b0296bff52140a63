/* x87 control instructions (SDM Vol. 1 §8.1.10, §8.3.12; Vol. 2 under
 * each name): FNINIT, FNCLEX, FLDCW/FNSTCW, FNSTSW, and the environment
 * and state images of FNSTENV/FLDENV and FNSAVE/FRSTOR in their four
 * layouts (16/32-bit operand size x real/protected mode, Figures 8-9 to
 * 8-12). None of them updates FIP/FDP/FOP. Only the FN- forms skip the
 * pending-exception check. */
#include "x86_x87.h"

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static bool real_format(const struct x86_ctx *c)
{
    return x86_real(c->cpu) || x86_vm86(c->cpu);
}

/* Write the environment image; returns its length (14 or 28). Reserved
 * halves are written as FFFFh (as the host CPU does). In the real-mode
 * layouts the pointers are 20/32-bit linear addresses, selector * 16 +
 * offset. */
static unsigned env_store(const struct x86_ctx *c, uint8_t *p, bool o16)
{
    const struct vmp_x86_fpu *f = &c->cpu->fpu;
    uint16_t tw = x87_full_tw(f);
    bool real = real_format(c);
    uint32_t ip = (uint32_t)f->fip, dp = (uint32_t)f->fdp;
    if (real) {
        ip += (uint32_t)f->fcs << 4;
        dp += (uint32_t)f->fds << 4;
    }
    if (o16) { /* Figures 8-11 (protected) and 8-12 (real) */
        put16(p + 0, f->fcw);
        put16(p + 2, f->fsw);
        put16(p + 4, tw);
        put16(p + 6, (uint16_t)ip);
        put16(p + 10, (uint16_t)dp);
        if (real) {
            put16(p + 8, (uint16_t)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ff)));
            put16(p + 12, (uint16_t)(((dp >> 16) & 0xf) << 12));
        } else {
            put16(p + 8, f->fcs);
            put16(p + 12, f->fds);
        }
        return 14;
    }
    /* Figures 8-9 (protected) and 8-10 (real) */
    put32(p + 0, 0xffff0000u | f->fcw);
    put32(p + 4, 0xffff0000u | f->fsw);
    put32(p + 8, 0xffff0000u | tw);
    if (real) {
        put32(p + 12, 0xffff0000u | (ip & 0xffff));
        put32(p + 16, (ip >> 16) << 12 | (f->fop & 0x7ffu));
        put32(p + 20, 0xffff0000u | (dp & 0xffff));
        put32(p + 24, (dp >> 16) << 12);
    } else {
        put32(p + 12, ip);
        put32(p + 16, (uint32_t)(f->fop & 0x7ff) << 16 | f->fcs);
        put32(p + 20, dp);
        put32(p + 24, 0xffff0000u | f->fds);
    }
    return 28;
}

/* Read an environment image into f (nothing is validated: every bit
 * pattern is a state the hardware accepts). */
static unsigned env_load(const struct x86_ctx *c, struct vmp_x86_fpu *f,
                         const uint8_t *p, bool o16)
{
    bool real = real_format(c);
    uint16_t tw;
    if (o16) {
        f->fcw = x87_fcw_load(get16(p + 0));
        f->fsw = get16(p + 2);
        tw = get16(p + 4);
        if (real) {
            uint16_t w8 = get16(p + 8);
            f->fip = (uint32_t)(w8 >> 12) << 16 | get16(p + 6);
            f->fop = w8 & 0x7ff;
            f->fdp = (uint32_t)(get16(p + 12) >> 12) << 16 | get16(p + 10);
            f->fcs = f->fds = 0;
        } else { /* no FOP in this layout: the CPU clears it */
            f->fip = get16(p + 6);
            f->fcs = get16(p + 8);
            f->fdp = get16(p + 10);
            f->fds = get16(p + 12);
            f->fop = 0;
        }
    } else {
        f->fcw = x87_fcw_load(get16(p + 0));
        f->fsw = get16(p + 4);
        tw = get16(p + 8);
        uint32_t d16 = get32(p + 16);
        if (real) {
            f->fip = (d16 >> 12 & 0xffff) << 16 | get16(p + 12);
            f->fop = d16 & 0x7ff;
            f->fdp = (get32(p + 24) >> 12 & 0xffff) << 16 | get16(p + 20);
            f->fcs = f->fds = 0;
        } else {
            f->fip = get32(p + 12);
            f->fcs = (uint16_t)d16;
            f->fop = (d16 >> 16) & 0x7ff;
            f->fdp = get32(p + 20);
            f->fds = get16(p + 24);
        }
    }
    f->ftw = 0;
    for (unsigned i = 0; i < 8; i++) /* only empty / not empty is kept */
        if (((tw >> (2 * i)) & 3) != 3)
            f->ftw |= (uint8_t)(1u << i);
    x87_sync_es(f);
    return o16 ? 14 : 28;
}

static int wait_check(struct x86_ctx *c)
{
    if (x87_pending(&c->cpu->fpu) && (c->cpu->cr0 & VMP_CR0_NE))
        return x86_raise(c, VMP_X86_MF, 0, 0);
    return 0;
}

/* FNSTENV / FNSAVE: build the image, write it, then change the state */
static int store_env(struct x86_ctx *c, bool save)
{
    const struct vmp_x86_insn *in = c->insn;
    struct vmp_x86_fpu *f = &c->cpu->fpu;
    uint8_t img[108];
    unsigned n = env_store(c, img, in->opsize == 2);
    if (save) {
        unsigned top = x87_top(f);
        for (unsigned i = 0; i < 8; i++) { /* ST(0) first */
            const struct vmp_x87_reg *r = &f->st[(top + i) & 7];
            memcpy(img + n + 10 * i, &r->mant, 8);
            put16(img + n + 10 * i + 8, r->sexp);
        }
        n += 80;
    }
    TRY(x86_write_mem(c, in->mem.seg, x86_ea(c), img, n));
    if (save) {
        x87_init(f); /* FNSAVE then initialises (Vol. 2 FSAVE) */
    } else {
        f->fcw |= X87_EXC; /* FNSTENV masks all exceptions (Vol. 2 FSTENV) */
        x87_sync_es(f);
    }
    return 0;
}

/* FLDENV / FRSTOR: read all, then commit */
static int load_env(struct x86_ctx *c, bool rstor)
{
    const struct vmp_x86_insn *in = c->insn;
    bool o16 = in->opsize == 2;
    unsigned n = (o16 ? 14 : 28) + (rstor ? 80 : 0);
    uint8_t img[108];
    TRY(wait_check(c));
    TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), img, n));
    struct vmp_x86_fpu f = c->cpu->fpu;
    unsigned off = env_load(c, &f, img, o16);
    if (rstor) {
        unsigned top = x87_top(&f);
        for (unsigned i = 0; i < 8; i++) {
            struct vmp_x87_reg *r = &f.st[(top + i) & 7];
            memcpy(&r->mant, img + off + 10 * i, 8);
            r->sexp = get16(img + off + 10 * i + 8);
        }
    }
    c->cpu->fpu = f;
    return 0;
}

int x87_exec_control(struct x86_ctx *c, unsigned op, unsigned modrm)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    struct vmp_x86_fpu *f = &cpu->fpu;
    const struct vmp_x86_insn *in = c->insn;
    uint16_t v;
    x87_sync_es(f);
    if ((modrm >> 6) == 3) {
        switch (op << 8 | modrm) {
        case 0x3e2: /* FNCLEX: flags, SF, ES, B */
            f->fsw &= (uint16_t)~(X87_FLAGS | X87_ES | X87_B);
            return 0;
        case 0x3e3: /* FNINIT */
            x87_init(f);
            return 0;
        case 0x7e0: /* FNSTSW AX */
            x86_reg_set(cpu, VMP_RAX, 2, false, f->fsw);
            return 0;
        default: /* FNENI, FNDISI, FNSETPM: no-ops since the 80387 */
            return 0;
        }
    }
    switch (op << 3 | ((modrm >> 3) & 7)) {
    case 014: /* D9 /4 FLDENV */
        return load_env(c, false);
    case 015: /* D9 /5 FLDCW: a changed mask may make a flag pending */
        TRY(wait_check(c));
        TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), &v, 2));
        f->fcw = x87_fcw_load(v);
        x87_sync_es(f);
        return 0;
    case 016: /* D9 /6 FNSTENV */
        return store_env(c, false);
    case 017: /* D9 /7 FNSTCW */
        return x86_write_mem(c, in->mem.seg, x86_ea(c), &f->fcw, 2);
    case 054: /* DD /4 FRSTOR */
        return load_env(c, true);
    case 056: /* DD /6 FNSAVE */
        return store_env(c, true);
    case 057: /* DD /7 FNSTSW m16 */
        return x86_write_mem(c, in->mem.seg, x86_ea(c), &f->fsw, 2);
    default:
        return VMP_X86_UNHANDLED;
    }
}
