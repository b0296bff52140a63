/* The executor: operand access and the integer instruction families that
 * need no descriptor tables. Segment loads, far transfers and interrupts
 * are in x86_seg.c, system instructions in x86_sys.c, string instructions
 * in x86_string.c.
 *
 * Commit rule: an instruction reads everything it needs and performs its
 * single memory write before it changes any register, so a fault leaves
 * the state as it was. Instructions with several writes (F_SNAP) run on
 * the live state and are rolled back from a snapshot on failure. */
#include "x86_internal.h"

uint64_t x86_reg_get(const struct vmp_x86_cpu *cpu, unsigned reg, unsigned size,
                     bool hibyte)
{
    uint64_t v = cpu->gpr[reg & 15];
    if (hibyte)
        return (v >> 8) & 0xff;
    return v & x86_mask(size);
}

void x86_reg_set(struct vmp_x86_cpu *cpu, unsigned reg, unsigned size,
                 bool hibyte, uint64_t v)
{
    uint64_t *r = &cpu->gpr[reg & 15];
    if (hibyte)
        *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
    else if (size == 1)
        *r = (*r & ~0xffull) | (v & 0xff);
    else if (size == 2)
        *r = (*r & ~0xffffull) | (v & 0xffff);
    else if (size == 4)
        *r = v & 0xffffffffull; /* 32-bit writes zero-extend */
    else
        *r = v;
}

bool x86_cond(const struct vmp_x86_cpu *cpu, unsigned cc)
{
    uint64_t f = cpu->rflags;
    bool cf = f & VMP_FLAG_CF, zf = f & VMP_FLAG_ZF, sf = f & VMP_FLAG_SF;
    bool of = f & VMP_FLAG_OF, pf = f & VMP_FLAG_PF;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
    }
    return (cc & 1) ? !r : r;
}

/* ---- stack -------------------------------------------------------------- */

unsigned x86_stack_size(const struct x86_ctx *c)
{
    if (c->mode == 64)
        return 8;
    return c->cpu->seg[VMP_SS].db && !x86_real(c->cpu) && !x86_vm86(c->cpu) ? 4 : 2;
}

int x86_push(struct x86_ctx *c, uint64_t v, unsigned size)
{
    unsigned ss = x86_stack_size(c);
    uint64_t sp = (c->cpu->gpr[VMP_RSP] - size) & x86_mask(ss);
    TRY(x86_write_mem(c, VMP_SS, sp, &v, size));
    x86_reg_set_addr(c->cpu, VMP_RSP, ss, sp);
    return 0;
}

int x86_peek(struct x86_ctx *c, unsigned offset, uint64_t *v, unsigned size)
{
    unsigned ss = x86_stack_size(c);
    uint64_t sp = (c->cpu->gpr[VMP_RSP] + offset) & x86_mask(ss);
    uint64_t x = 0;
    TRY(x86_read_mem(c, VMP_SS, sp, &x, size));
    *v = x;
    return 0;
}

void x86_sp_add(struct x86_ctx *c, int64_t delta)
{
    unsigned ss = x86_stack_size(c);
    x86_reg_set_addr(c->cpu, VMP_RSP, ss,
                     (c->cpu->gpr[VMP_RSP] + (uint64_t)delta) & x86_mask(ss));
}

int x86_pop(struct x86_ctx *c, uint64_t *v, unsigned size)
{
    TRY(x86_peek(c, 0, v, size));
    x86_sp_add(c, size);
    return 0;
}

int x86_near_jump(struct x86_ctx *c, uint64_t target, unsigned opsize)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (c->mode == 64) {
        unsigned bits = (cpu->cr4 & VMP_CR4_LA57) ? 57 : 48;
        if (opsize == 2)
            target &= 0xffff;
        else if (opsize == 4)
            target &= 0xffffffff;
        int64_t s = (int64_t)(target << (64 - bits)) >> (64 - bits);
        if ((uint64_t)s != target)
            return x86_gp(c, 0);
    } else {
        target &= x86_mask(opsize);
        /* SDM Vol. 2 JMP/CALL: #GP(0) if the target is beyond CS.limit */
        if (target > cpu->seg[VMP_CS].limit)
            return x86_gp(c, 0);
    }
    cpu->rip = target;
    return 0;
}

/* ---- operands ----------------------------------------------------------- */

uint64_t x86_ea(const struct x86_ctx *c)
{
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_mem *m = &in->mem;
    uint64_t ea = (uint64_t)m->disp;
    if (m->base != VMP_X86_NOREG)
        ea += c->cpu->gpr[m->base];
    if (m->index != VMP_X86_NOREG)
        ea += c->cpu->gpr[m->index] * m->scale;
    if (m->rip_rel)
        ea += c->next_rip;
    return ea & x86_mask(in->adsize);
}

static int rd(struct x86_ctx *c, const struct vmp_x86_opnd *o, uint64_t *v)
{
    switch (o->kind) {
    case VMP_X86_OPND_REG:
        *v = x86_reg_get(c->cpu, o->reg, o->size, o->hibyte);
        return 0;
    case VMP_X86_OPND_IMM:
    case VMP_X86_OPND_REL:
        *v = o->imm & x86_mask(o->size);
        return 0;
    case VMP_X86_OPND_MEM: {
        uint64_t x = 0;
        TRY(x86_read_mem(c, c->insn->mem.seg, x86_ea(c), &x, o->size));
        *v = x;
        return 0;
    }
    case VMP_X86_OPND_SREG:
        *v = c->cpu->seg[o->reg].selector;
        return 0;
    default:
        return VMP_X86_UNHANDLED;
    }
}

/* Read a destination that will be written: memory is checked for write
 * access first so a read-only page faults with W=1 as on hardware. */
static int rd_rmw(struct x86_ctx *c, const struct vmp_x86_opnd *o, uint64_t *v)
{
    if (o->kind == VMP_X86_OPND_MEM)
        TRY(x86_probe_write(c, c->insn->mem.seg, x86_ea(c), o->size));
    return rd(c, o, v);
}

static int wr(struct x86_ctx *c, const struct vmp_x86_opnd *o, uint64_t v)
{
    switch (o->kind) {
    case VMP_X86_OPND_REG:
        x86_reg_set(c->cpu, o->reg, o->size, o->hibyte, v);
        return 0;
    case VMP_X86_OPND_MEM:
        return x86_write_mem(c, c->insn->mem.seg, x86_ea(c), &v, o->size);
    default:
        return VMP_X86_UNHANDLED;
    }
}

/* ---- families ----------------------------------------------------------- */

/* A shift, rotate, SHLD or SHRD with a masked count of 0 changes neither
 * the destination nor the flags, but a 32-bit register destination is
 * still written in 64-bit mode: bits 63:32 are cleared as by any 32-bit
 * register write (SDM Vol. 1 §3.4.1.1). Measured on the host with the
 * differential test (tests/diff) for every form: SHL SHR SAR ROL ROR RCL
 * RCR by imm8 and CL, SHLD and SHRD. A memory destination is not written. */
static bool zext_count0(const struct vmp_x86_opnd *o)
{
    return o->kind == VMP_X86_OPND_REG && o->size == 4;
}

static void set_arith(struct vmp_x86_cpu *cpu, uint64_t f)
{
    x86_set_flags(cpu, X86_ARITH, f);
}

static int exec_muldiv(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    unsigned size = in->opnd[0].size, bits = size * 8;
    uint64_t m = x86_mask(size), src;
    TRY(rd(c, &in->opnd[0], &src));
    uint64_t a = x86_reg_get(cpu, VMP_RAX, size, false);
    uint64_t d = size == 1 ? (x86_reg_get(cpu, VMP_RAX, 2, false) >> 8)
                           : x86_reg_get(cpu, VMP_RDX, size, false);
    unsigned __int128 wide;
    uint64_t lo, hi, f;

    switch (in->op) {
    case OP_MUL:
        wide = (unsigned __int128)a * src;
        lo = (uint64_t)wide & m;
        hi = (uint64_t)(wide >> bits) & m;
        f = cpu->rflags & (VMP_FLAG_SF | VMP_FLAG_ZF | VMP_FLAG_AF | VMP_FLAG_PF);
        if (hi) f |= VMP_FLAG_CF | VMP_FLAG_OF;
        break;
    case OP_IMUL1: {
        unsigned sh = 64 - bits;
        __int128 p = (__int128)((int64_t)(a << sh) >> sh) * ((int64_t)(src << sh) >> sh);
        lo = (uint64_t)p & m;
        hi = (uint64_t)(p >> bits) & m;
        f = cpu->rflags & (VMP_FLAG_SF | VMP_FLAG_ZF | VMP_FLAG_AF | VMP_FLAG_PF);
        if (p != (__int128)((int64_t)(lo << sh) >> sh))
            f |= VMP_FLAG_CF | VMP_FLAG_OF;
        break;
    }
    case OP_DIV: {
        if (!src)
            return x86_raise(c, VMP_X86_DE, 0, 0);
        unsigned __int128 n = ((unsigned __int128)d << bits) | a;
        unsigned __int128 q = n / src;
        if (q > m)
            return x86_raise(c, VMP_X86_DE, 0, 0);
        lo = (uint64_t)q;
        hi = (uint64_t)(n % src);
        f = cpu->rflags & X86_ARITH; /* undefined: left unchanged */
        break;
    }
    default: { /* IDIV */
        if (!src)
            return x86_raise(c, VMP_X86_DE, 0, 0);
        unsigned sh = 64 - bits;
        __int128 n;
        if (size == 8) {
            n = (__int128)(((unsigned __int128)d << 64) | a);
        } else {
            unsigned nb = 2 * bits; /* 16, 32 or 64 */
            uint64_t raw = (d << bits) | a;
            n = nb == 64 ? (int64_t)raw : (int64_t)(raw << (64 - nb)) >> (64 - nb);
        }
        __int128 dv = (int64_t)(src << sh) >> sh;
        if (size == 8 && n == (__int128)((unsigned __int128)1 << 127) && dv == -1)
            return x86_raise(c, VMP_X86_DE, 0, 0);
        __int128 q = n / dv, r = n % dv;
        __int128 qmax = ((__int128)1 << (bits - 1)) - 1, qmin = -((__int128)1 << (bits - 1));
        if (q > qmax || q < qmin)
            return x86_raise(c, VMP_X86_DE, 0, 0);
        lo = (uint64_t)q & m;
        hi = (uint64_t)r & m;
        f = cpu->rflags & X86_ARITH;
        break;
    }
    }
    if (size == 1) {
        x86_reg_set(cpu, VMP_RAX, 2, false, (hi << 8) | lo);
    } else {
        x86_reg_set(cpu, VMP_RAX, size, false, lo);
        x86_reg_set(cpu, VMP_RDX, size, false, hi);
    }
    set_arith(cpu, f);
    return 0;
}

static int exec_bt(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *d = &in->opnd[0];
    unsigned size = d->size, bits = size * 8;
    uint64_t off, v;
    TRY(rd(c, &in->opnd[1], &off));
    unsigned bit;
    if (d->kind == VMP_X86_OPND_MEM && in->opnd[1].kind == VMP_X86_OPND_REG) {
        /* register bit offset into memory: signed, may reach any operand
         * (SDM Vol. 2 BT, "bit string") */
        unsigned sh = 64 - bits;
        int64_t so = (int64_t)(off << sh) >> sh;
        int64_t disp = (so >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * (int64_t)size;
        uint64_t ea = (x86_ea(c) + (uint64_t)disp) & x86_mask(in->adsize);
        bit = (unsigned)(so & (bits - 1));
        uint64_t x = 0;
        if (in->arg)
            TRY(x86_probe_write(c, in->mem.seg, ea, size));
        TRY(x86_read_mem(c, in->mem.seg, ea, &x, size));
        uint64_t nv = x;
        switch (in->arg) {
        case 1: nv |= 1ull << bit; break;
        case 2: nv &= ~(1ull << bit); break;
        case 3: nv ^= 1ull << bit; break;
        }
        if (in->arg)
            TRY(x86_write_mem(c, in->mem.seg, ea, &nv, size));
        x86_set_flags(cpu, VMP_FLAG_CF, (x >> bit) & 1);
        return 0;
    }
    bit = (unsigned)(off & (bits - 1));
    TRY(in->arg ? rd_rmw(c, d, &v) : rd(c, d, &v));
    uint64_t nv = v;
    switch (in->arg) {
    case 1: nv |= 1ull << bit; break;
    case 2: nv &= ~(1ull << bit); break;
    case 3: nv ^= 1ull << bit; break;
    }
    if (in->arg)
        TRY(wr(c, d, nv));
    x86_set_flags(cpu, VMP_FLAG_CF, (v >> bit) & 1);
    return 0;
}

static int exec_bitscan(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    unsigned size = in->opnd[0].size, bits = size * 8;
    uint64_t s, f = cpu->rflags & X86_ARITH;
    TRY(rd(c, &in->opnd[1], &s));
    s &= x86_mask(size);
    switch (in->op) {
    case OP_BSF:
    case OP_BSR:
        /* ZF=1 and destination unchanged for a zero source (the SDM says
         * undefined; every Intel and AMD part leaves it) */
        f &= ~(uint64_t)VMP_FLAG_ZF;
        if (!s) {
            set_arith(cpu, f | VMP_FLAG_ZF);
            return 0;
        }
        TRY(wr(c, &in->opnd[0], in->op == OP_BSF ? (uint64_t)__builtin_ctzll(s)
                                                 : (uint64_t)(63 - __builtin_clzll(s))));
        set_arith(cpu, f);
        return 0;
    case OP_TZCNT:
    case OP_LZCNT: {
        uint64_t n = !s ? bits : in->op == OP_TZCNT ? (uint64_t)__builtin_ctzll(s)
                                                   : (uint64_t)(__builtin_clzll(s) - (64 - bits));
        f &= ~(uint64_t)(VMP_FLAG_CF | VMP_FLAG_ZF);
        if (!s) f |= VMP_FLAG_CF;
        if (!n) f |= VMP_FLAG_ZF;
        TRY(wr(c, &in->opnd[0], n));
        set_arith(cpu, f);
        return 0;
    }
    default: { /* POPCNT: OF SF AF CF PF cleared, ZF = (src == 0) */
        TRY(wr(c, &in->opnd[0], (uint64_t)__builtin_popcountll(s)));
        set_arith(cpu, s ? 0 : VMP_FLAG_ZF);
        return 0;
    }
    }
}

static int exec_bcd(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    uint64_t fl = cpu->rflags;
    unsigned al = (unsigned)(cpu->gpr[VMP_RAX] & 0xff);
    unsigned ah = (unsigned)((cpu->gpr[VMP_RAX] >> 8) & 0xff);
    bool cf = fl & VMP_FLAG_CF, af = fl & VMP_FLAG_AF;
    uint64_t f = fl & VMP_FLAG_OF; /* OF undefined: unchanged */

    switch (in->op) {
    case OP_DAA: { /* SDM Vol. 2 DAA */
        unsigned old_al = al;
        bool ncf = false, naf = false;
        if ((al & 0xf) > 9 || af) {
            ncf = cf || al + 6 > 0xff;
            al = (al + 6) & 0xff;
            naf = true;
        }
        if (old_al > 0x99 || cf) {
            al = (al + 0x60) & 0xff;
            ncf = true;
        }
        f |= x86_szp(al, 1) | (ncf ? VMP_FLAG_CF : 0) | (naf ? VMP_FLAG_AF : 0);
        x86_reg_set(cpu, VMP_RAX, 1, false, al);
        break;
    }
    case OP_DAS: {
        unsigned old_al = al;
        bool ncf = false, naf = false;
        if ((al & 0xf) > 9 || af) {
            ncf = cf || al < 6;
            al = (al - 6) & 0xff;
            naf = true;
        }
        if (old_al > 0x99 || cf) {
            al = (al - 0x60) & 0xff;
            ncf = true;
        }
        f |= x86_szp(al, 1) | (ncf ? VMP_FLAG_CF : 0) | (naf ? VMP_FLAG_AF : 0);
        x86_reg_set(cpu, VMP_RAX, 1, false, al);
        break;
    }
    case OP_AAA:
    case OP_AAS: {
        /* SF ZF PF OF undefined: left unchanged */
        unsigned ax = al | (ah << 8);
        f = fl & (VMP_FLAG_SF | VMP_FLAG_ZF | VMP_FLAG_PF | VMP_FLAG_OF);
        if ((al & 0xf) > 9 || af) {
            if (in->op == OP_AAA)
                ax = ax + 0x106;
            else
                ax = ((ax - 6) & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
            f |= VMP_FLAG_AF | VMP_FLAG_CF;
        }
        ax = (ax & 0xff0f);
        x86_reg_set(cpu, VMP_RAX, 2, false, ax);
        break;
    }
    case OP_AAM: {
        unsigned base = (unsigned)(in->opnd[0].imm & 0xff);
        if (!base)
            return x86_raise(c, VMP_X86_DE, 0, 0); /* SDM: AAM 0 is #DE */
        unsigned q = al / base, r = al % base;
        x86_reg_set(cpu, VMP_RAX, 2, false, (q << 8) | r);
        f = x86_szp(r, 1); /* OF AF CF undefined: cleared */
        break;
    }
    case OP_AAD: {
        unsigned base = (unsigned)(in->opnd[0].imm & 0xff);
        unsigned r = (al + ah * base) & 0xff;
        x86_reg_set(cpu, VMP_RAX, 2, false, r);
        f = x86_szp(r, 1);
        break;
    }
    default: /* SALC */
        x86_reg_set(cpu, VMP_RAX, 1, false, cf ? 0xff : 0);
        return 0;
    }
    set_arith(cpu, f);
    return 0;
}

/* POPF/IRET flag rules (SDM Vol. 2 POPF, Table 3-x): which bits a given
 * privilege may change. Returns -1 for #GP(0). */
uint64_t x86_popf_mask(const struct x86_ctx *c, unsigned size);
uint64_t x86_popf_mask(const struct x86_ctx *c, unsigned size)
{
    const struct vmp_x86_cpu *cpu = c->cpu;
    uint64_t m = VMP_FLAG_CF | VMP_FLAG_PF | VMP_FLAG_AF | VMP_FLAG_ZF |
                 VMP_FLAG_SF | VMP_FLAG_TF | VMP_FLAG_DF | VMP_FLAG_OF |
                 VMP_FLAG_NT | VMP_FLAG_AC | VMP_FLAG_ID | VMP_FLAG_IF |
                 VMP_FLAG_IOPL;
    unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
    if (!x86_real(cpu)) {
        unsigned cpl = vmp_x86_cpl(cpu);
        if (x86_vm86(cpu)) {
            m &= ~(uint64_t)VMP_FLAG_IOPL; /* IOPL == 3 checked by caller */
        } else {
            if (cpl > 0)
                m &= ~(uint64_t)VMP_FLAG_IOPL;
            if (cpl > iopl)
                m &= ~(uint64_t)VMP_FLAG_IF;
        }
    }
    if (size == 2)
        m &= 0xffff;
    return m;
}

static int exec_io(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    bool is_in = in->op == OP_IN;
    const struct vmp_x86_opnd *port_o = is_in ? &in->opnd[1] : &in->opnd[0];
    const struct vmp_x86_opnd *data_o = is_in ? &in->opnd[0] : &in->opnd[1];
    uint64_t port;
    unsigned size = data_o->size;
    TRY(rd(c, port_o, &port));
    port &= 0xffff;
    TRY(x86_check_io(c, (uint16_t)port, size));
    if (is_in) {
        uint32_t v = 0;
        if (!c->ops->io_in)
            return VMP_X86_UNHANDLED;
        int rc = c->ops->io_in(c->opaque, (uint16_t)port, size, &v);
        if (rc)
            return rc == VMP_X86_OP_RETRY ? VMP_X86_RETRY : VMP_X86_UNHANDLED;
        x86_reg_set(cpu, VMP_RAX, size, false, v);
    } else {
        uint64_t v = x86_reg_get(cpu, VMP_RAX, size, false);
        if (!c->ops->io_out)
            return VMP_X86_UNHANDLED;
        int rc = c->ops->io_out(c->opaque, (uint16_t)port, size, (uint32_t)v);
        if (rc)
            return rc == VMP_X86_OP_RETRY ? VMP_X86_RETRY : VMP_X86_UNHANDLED;
    }
    return 0;
}

/* I/O permission (SDM Vol. 1 §19.5): CPL <= IOPL passes; otherwise (and
 * always in virtual-8086 mode) every bit for the accessed ports in the TSS
 * I/O bitmap must be clear. */
int x86_check_io(struct x86_ctx *c, uint16_t port, unsigned size)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (x86_real(cpu))
        return 0;
    unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
    if (!x86_vm86(cpu) && vmp_x86_cpl(cpu) <= iopl)
        return 0;
    const struct vmp_segment *tr = &cpu->tr;
    if (tr->unusable || !tr->present || (tr->type != 9 && tr->type != 11) ||
        tr->limit < 0x67)
        return x86_gp(c, 0);
    uint16_t iobase;
    uint8_t bm[2];
    uint64_t la = tr->base + 0x66;
    if (!(cpu->efer & VMP_EFER_LMA))
        la &= 0xffffffff;
    TRY(x86_read_lin(c, la, &iobase, 2, VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
    uint32_t off = (uint32_t)iobase + port / 8;
    if (off + 1 > tr->limit)
        return x86_gp(c, 0);
    la = tr->base + off;
    if (!(cpu->efer & VMP_EFER_LMA))
        la &= 0xffffffff;
    TRY(x86_read_lin(c, la, bm, 2, VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
    unsigned bits = (unsigned)bm[0] | ((unsigned)bm[1] << 8);
    unsigned want = ((1u << size) - 1) << (port & 7);
    if (bits & want)
        return x86_gp(c, 0);
    return 0;
}

static int exec_main(struct x86_ctx *c, bool *jumped)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *o0 = &in->opnd[0], *o1 = &in->opnd[1];
    uint64_t a, b, r, f;

    switch (in->op) {
    case OP_ALU:
        TRY(in->arg == 7 ? rd(c, o0, &a) : rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        r = x86_alu(in->arg, a, b, o0->size, cpu->rflags, &f);
        if (in->arg != 7)
            TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    case OP_TEST:
        TRY(rd(c, o0, &a));
        TRY(rd(c, o1, &b));
        x86_alu(4, a, b, o0->size, cpu->rflags, &f);
        set_arith(cpu, f);
        return 0;
    case OP_INC:
    case OP_DEC:
        TRY(rd_rmw(c, o0, &a));
        r = x86_alu(in->op == OP_INC ? 8 : 9, a, 1, o0->size, cpu->rflags, &f);
        TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    case OP_NOT:
        TRY(rd_rmw(c, o0, &a));
        return wr(c, o0, ~a);
    case OP_NEG:
        TRY(rd_rmw(c, o0, &a));
        r = x86_alu(5, 0, a, o0->size, cpu->rflags, &f);
        TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    case OP_MUL: case OP_IMUL1: case OP_DIV: case OP_IDIV:
        return exec_muldiv(c);
    case OP_IMUL: {
        /* two- and three-operand forms: truncated product, CF=OF when it
         * does not fit */
        const struct vmp_x86_opnd *s1 = in->nopnd == 3 ? o1 : o0;
        const struct vmp_x86_opnd *s2 = in->nopnd == 3 ? &in->opnd[2] : o1;
        unsigned size = o0->size, sh = 64 - size * 8;
        TRY(rd(c, s1, &a));
        TRY(rd(c, s2, &b));
        __int128 p = (__int128)((int64_t)(a << sh) >> sh) * ((int64_t)(b << sh) >> sh);
        r = (uint64_t)p & x86_mask(size);
        f = cpu->rflags & (VMP_FLAG_SF | VMP_FLAG_ZF | VMP_FLAG_AF | VMP_FLAG_PF);
        if (p != (__int128)((int64_t)(r << sh) >> sh))
            f |= VMP_FLAG_CF | VMP_FLAG_OF;
        TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    }
    case OP_SHIFT: {
        uint64_t cnt;
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &cnt));
        unsigned masked = (unsigned)cnt & (o0->size == 8 ? 0x3f : 0x1f);
        r = x86_shift((in->modrm >> 3) & 7, a, (unsigned)cnt, o0->size, cpu->rflags, &f);
        if (masked || zext_count0(o0))
            TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    }
    case OP_SHLD:
    case OP_SHRD: {
        uint64_t cnt;
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        TRY(rd(c, &in->opnd[2], &cnt));
        unsigned masked = (unsigned)cnt & (o0->size == 8 ? 0x3f : 0x1f);
        r = x86_shld(in->op == OP_SHRD, a, b, (unsigned)cnt, o0->size, cpu->rflags, &f);
        if (masked || zext_count0(o0))
            TRY(wr(c, o0, r));
        set_arith(cpu, f);
        return 0;
    }
    case OP_MOV:
        TRY(rd(c, o1, &a));
        return wr(c, o0, a);
    case OP_MOVZX:
        TRY(rd(c, o1, &a));
        return wr(c, o0, a);
    case OP_MOVSX:
    case OP_MOVSXD: {
        unsigned sh = 64 - o1->size * 8;
        TRY(rd(c, o1, &a));
        return wr(c, o0, (uint64_t)((int64_t)(a << sh) >> sh));
    }
    case OP_LEA:
        return wr(c, o0, x86_ea(c));
    case OP_XCHG:
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        TRY(wr(c, o0, b));
        return wr(c, o1, a);
    case OP_XADD:
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        r = x86_alu(0, a, b, o0->size, cpu->rflags, &f);
        /* SDM Vol. 2D XADD: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP.
         * DEST is written last, so XADD r, r with one register leaves the
         * sum. A memory DEST is written first: it may fault, and a fault
         * must leave the register untouched. */
        if (o0->kind == VMP_X86_OPND_MEM) {
            TRY(wr(c, o0, r));
            TRY(wr(c, o1, a));
        } else {
            TRY(wr(c, o1, a));
            TRY(wr(c, o0, r));
        }
        set_arith(cpu, f);
        return 0;
    case OP_CMPXCHG: {
        /* SDM Vol. 2 CMPXCHG: the destination is written in both cases
         * (with itself when unequal) */
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        uint64_t acc = x86_reg_get(cpu, VMP_RAX, o0->size, false);
        x86_alu(7, acc, a, o0->size, cpu->rflags, &f);
        if (f & VMP_FLAG_ZF) {
            TRY(wr(c, o0, b));
        } else {
            if (o0->kind == VMP_X86_OPND_MEM)
                TRY(wr(c, o0, a));
            x86_reg_set(cpu, VMP_RAX, o0->size, false, a);
        }
        set_arith(cpu, f);
        return 0;
    }
    case OP_CMPXCHG8B: {
        unsigned half = (in->rex & 8) ? 8 : 4;
        uint64_t ea = x86_ea(c), mem[2] = { 0, 0 };
        if (half == 8 && (ea & 15))
            return x86_gp(c, 0); /* CMPXCHG16B needs 16-byte alignment */
        TRY(x86_probe_write(c, in->mem.seg, ea, 2 * half));
        TRY(x86_read_mem(c, in->mem.seg, ea, mem, 2 * half));
        uint64_t lo = x86_reg_get(cpu, VMP_RAX, half, false);
        uint64_t hi = x86_reg_get(cpu, VMP_RDX, half, false);
        uint64_t mlo = half == 8 ? mem[0] : mem[0] & 0xffffffff;
        uint64_t mhi = half == 8 ? mem[1] : mem[0] >> 32;
        if (mlo == lo && mhi == hi) {
            uint64_t nv[2];
            uint64_t blo = x86_reg_get(cpu, VMP_RBX, half, false);
            uint64_t bhi = x86_reg_get(cpu, VMP_RCX, half, false);
            if (half == 8) {
                nv[0] = blo;
                nv[1] = bhi;
            } else {
                nv[0] = blo | (bhi << 32);
            }
            TRY(x86_write_mem(c, in->mem.seg, ea, nv, 2 * half));
            x86_set_flags(cpu, VMP_FLAG_ZF, VMP_FLAG_ZF);
        } else {
            TRY(x86_write_mem(c, in->mem.seg, ea, mem, 2 * half));
            x86_reg_set(cpu, VMP_RAX, half, false, mlo);
            x86_reg_set(cpu, VMP_RDX, half, false, mhi);
            x86_set_flags(cpu, VMP_FLAG_ZF, 0);
        }
        return 0;
    }
    case OP_BSWAP: {
        a = x86_reg_get(cpu, o0->reg, o0->size, false);
        if (o0->size == 8)
            r = __builtin_bswap64(a);
        else if (o0->size == 4)
            r = __builtin_bswap32((uint32_t)a);
        else
            r = 0; /* 16-bit BSWAP is undefined; real CPUs give 0 */
        x86_reg_set(cpu, o0->reg, o0->size, false, r);
        return 0;
    }
    case OP_MOVBE: {
        /* SDM Vol. 2B MOVBE: the bytes of the source in reverse order; no
         * flags */
        TRY(rd(c, o1, &a));
        if (o0->size == 8)
            r = __builtin_bswap64(a);
        else if (o0->size == 4)
            r = __builtin_bswap32((uint32_t)a);
        else
            r = __builtin_bswap16((uint16_t)a);
        return wr(c, o0, r);
    }
    case OP_ADX: {
        /* SDM Vol. 2A ADCX/ADOX: DEST + SRC + carry, unsigned; the carry
         * comes from and goes to CF (ADCX) or OF (ADOX), nothing else */
        uint64_t fl = in->arg ? VMP_FLAG_OF : VMP_FLAG_CF, m = x86_mask(o0->size);
        TRY(rd(c, o0, &a));
        TRY(rd(c, o1, &b));
        a &= m;
        b &= m;
        uint64_t cin = (cpu->rflags & fl) ? 1 : 0;
        r = (a + b + cin) & m;
        bool cout = o0->size == 8 ? (r < a || (cin && r == a)) : ((a + b + cin) >> 32) != 0;
        TRY(wr(c, o0, r));
        x86_set_flags(cpu, fl, cout ? fl : 0);
        return 0;
    }
    case OP_CBW: {
        unsigned s = in->opsize, h = s / 2, sh = 64 - h * 8;
        a = x86_reg_get(cpu, VMP_RAX, h, false);
        x86_reg_set(cpu, VMP_RAX, s, false, (uint64_t)((int64_t)(a << sh) >> sh));
        return 0;
    }
    case OP_CWD: {
        unsigned s = in->opsize;
        a = x86_reg_get(cpu, VMP_RAX, s, false);
        x86_reg_set(cpu, VMP_RDX, s, false, ((a >> (s * 8 - 1)) & 1) ? ~0ull : 0);
        return 0;
    }
    case OP_LAHF:
        x86_reg_set(cpu, VMP_RAX, 1, true, (cpu->rflags & 0xd5) | 2);
        return 0;
    case OP_SAHF:
        x86_set_flags(cpu, 0xd5, x86_reg_get(cpu, VMP_RAX, 1, true));
        return 0;
    case OP_XLAT: {
        uint64_t ea = (cpu->gpr[VMP_RBX] + (cpu->gpr[VMP_RAX] & 0xff)) & x86_mask(in->adsize);
        uint8_t v;
        unsigned seg = (in->prefixes & VMP_X86_PFX_SEG) ? in->seg_override : VMP_DS;
        TRY(x86_read_mem(c, seg, ea, &v, 1));
        x86_reg_set(cpu, VMP_RAX, 1, false, v);
        return 0;
    }
    case OP_SETCC:
        return wr(c, o0, x86_cond(cpu, in->arg) ? 1 : 0);
    case OP_CMOVCC:
        /* the source is read (and may fault) even when false; a 32-bit
         * destination is zero-extended either way */
        TRY(rd(c, o1, &a));
        if (x86_cond(cpu, in->arg))
            return wr(c, o0, a);
        if (o0->size == 4)
            x86_reg_set(cpu, o0->reg, 4, false, x86_reg_get(cpu, o0->reg, 4, false));
        return 0;
    case OP_JCC:
        if (!x86_cond(cpu, in->arg))
            return 0;
        /* fall through */
    case OP_JMP:
        *jumped = true;
        return x86_near_jump(c, c->next_rip + o0->imm, in->opsize);
    case OP_JMP_IND:
        TRY(rd(c, o0, &a));
        *jumped = true;
        return x86_near_jump(c, a, in->opsize);
    case OP_CALL:
    case OP_CALL_IND: {
        uint64_t target, old_rip = cpu->rip, old_sp = cpu->gpr[VMP_RSP];
        if (in->op == OP_CALL)
            target = c->next_rip + o0->imm;
        else
            TRY(rd(c, o0, &target));
        TRY(x86_push(c, c->next_rip, in->opsize));
        *jumped = true;
        int rc = x86_near_jump(c, target, in->opsize);
        if (rc) {
            cpu->rip = old_rip;
            cpu->gpr[VMP_RSP] = old_sp;
        }
        return rc;
    }
    case OP_RET: {
        uint64_t target;
        TRY(x86_peek(c, 0, &target, in->opsize));
        *jumped = true;
        TRY(x86_near_jump(c, target, in->opsize));
        x86_sp_add(c, in->opsize + (in->nopnd ? (int64_t)(o0->imm & 0xffff) : 0));
        return 0;
    }
    case OP_LOOP:
    case OP_JCXZ: {
        unsigned as = in->adsize;
        uint64_t cx = x86_reg_get(cpu, VMP_RCX, as, false);
        bool take;
        if (in->op == OP_JCXZ) {
            take = cx == 0;
        } else {
            cx = (cx - 1) & x86_mask(as);
            take = cx != 0;
            if (in->arg == 0)
                take = take && !(cpu->rflags & VMP_FLAG_ZF);
            else if (in->arg == 1)
                take = take && (cpu->rflags & VMP_FLAG_ZF);
        }
        if (take) {
            TRY(x86_near_jump(c, c->next_rip + o0->imm, in->opsize));
            *jumped = true;
        }
        if (in->op == OP_LOOP)
            x86_reg_set_addr(cpu, VMP_RCX, as, cx);
        return 0;
    }
    case OP_PUSH:
        TRY(rd(c, o0, &a));
        return x86_push(c, a, in->opsize);
    case OP_POP: {
        TRY(x86_peek(c, 0, &a, in->opsize));
        if (o0->kind == VMP_X86_OPND_MEM) {
            /* the address is computed with rSP already incremented (SDM
             * Vol. 2 POP) */
            uint64_t old_sp = cpu->gpr[VMP_RSP];
            x86_sp_add(c, in->opsize);
            int rc = wr(c, o0, a);
            if (rc)
                cpu->gpr[VMP_RSP] = old_sp;
            return rc;
        }
        x86_sp_add(c, in->opsize);
        return wr(c, o0, a);
    }
    case OP_PUSHA: {
        uint64_t sp = cpu->gpr[VMP_RSP];
        static const uint8_t order[8] = { VMP_RAX, VMP_RCX, VMP_RDX, VMP_RBX,
                                          VMP_RSP, VMP_RBP, VMP_RSI, VMP_RDI };
        for (unsigned i = 0; i < 8; i++) {
            uint64_t v = order[i] == VMP_RSP ? sp : cpu->gpr[order[i]];
            TRY(x86_push(c, v & x86_mask(in->opsize), in->opsize));
        }
        return 0;
    }
    case OP_POPA: {
        static const uint8_t order[8] = { VMP_RDI, VMP_RSI, VMP_RBP, VMP_RSP,
                                          VMP_RBX, VMP_RDX, VMP_RCX, VMP_RAX };
        uint64_t v[8];
        for (unsigned i = 0; i < 8; i++)
            TRY(x86_peek(c, i * in->opsize, &v[i], in->opsize));
        x86_sp_add(c, 8 * in->opsize);
        for (unsigned i = 0; i < 8; i++)
            if (order[i] != VMP_RSP)
                x86_reg_set(cpu, order[i], in->opsize, false, v[i]);
        return 0;
    }
    case OP_ENTER: {
        unsigned size = (unsigned)(o0->imm & 0xffff), level = (unsigned)(o1->imm & 31);
        unsigned os = in->opsize, ss = x86_stack_size(c);
        TRY(x86_push(c, cpu->gpr[VMP_RBP], os));
        uint64_t frame = cpu->gpr[VMP_RSP] & x86_mask(ss);
        uint64_t bp = cpu->gpr[VMP_RBP];
        for (unsigned i = 1; i < level; i++) {
            uint64_t v = 0;
            bp = (bp - os) & x86_mask(ss);
            TRY(x86_read_mem(c, VMP_SS, bp, &v, os));
            TRY(x86_push(c, v, os));
        }
        if (level)
            TRY(x86_push(c, frame, os));
        uint64_t nsp = (cpu->gpr[VMP_RSP] - size) & x86_mask(ss);
        /* the new stack top must be writable (#SS / #PF before commit) */
        if (size)
            TRY(x86_probe_write(c, VMP_SS, nsp, 1));
        x86_reg_set(cpu, VMP_RBP, c->mode == 64 ? 8 : os, false, frame);
        x86_reg_set_addr(cpu, VMP_RSP, ss, nsp);
        return 0;
    }
    case OP_LEAVE: {
        unsigned ss = x86_stack_size(c);
        x86_reg_set_addr(cpu, VMP_RSP, ss, cpu->gpr[VMP_RBP] & x86_mask(ss));
        TRY(x86_pop(c, &a, in->opsize));
        x86_reg_set(cpu, VMP_RBP, in->opsize, false, a);
        return 0;
    }
    case OP_PUSHF: {
        unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
        if (x86_vm86(cpu) && iopl < 3)
            return x86_gp(c, 0);
        /* the image has VM and RF clear (SDM Vol. 2 PUSHF) */
        return x86_push(c, cpu->rflags & ~(uint64_t)(VMP_FLAG_VM | VMP_FLAG_RF) &
                               x86_mask(in->opsize), in->opsize);
    }
    case OP_POPF: {
        unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
        if (x86_vm86(cpu) && iopl < 3)
            return x86_gp(c, 0);
        TRY(x86_peek(c, 0, &a, in->opsize));
        uint64_t m = x86_popf_mask(c, in->opsize);
        x86_sp_add(c, in->opsize);
        cpu->rflags = ((cpu->rflags & ~m) | (a & m) | 2) & ~(uint64_t)VMP_FLAG_RF;
        return 0;
    }
    case OP_FLAGOP:
        switch (in->arg) {
        case 0: cpu->rflags &= ~(uint64_t)VMP_FLAG_CF; break;
        case 1: cpu->rflags |= VMP_FLAG_CF; break;
        case 2: cpu->rflags ^= VMP_FLAG_CF; break;
        case 3: cpu->rflags &= ~(uint64_t)VMP_FLAG_DF; break;
        default: cpu->rflags |= VMP_FLAG_DF; break;
        }
        return 0;
    case OP_CLI:
    case OP_STI: {
        /* SDM Vol. 2 CLI/STI: protected mode needs CPL <= IOPL, v8086 mode
         * IOPL = 3 (VME/PVI virtual interrupts are not implemented) */
        unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
        if (!x86_real(cpu) && (x86_vm86(cpu) ? iopl < 3 : vmp_x86_cpl(cpu) > iopl))
            return x86_gp(c, 0);
        if (in->op == OP_CLI) {
            cpu->rflags &= ~(uint64_t)VMP_FLAG_IF;
        } else {
            if (!(cpu->rflags & VMP_FLAG_IF))
                cpu->shadow |= VMP_X86_SHADOW_STI; /* one-instruction shadow */
            cpu->rflags |= VMP_FLAG_IF;
        }
        return 0;
    }
    case OP_IN:
    case OP_OUT:
        return exec_io(c);
    case OP_DAA: case OP_DAS: case OP_AAA: case OP_AAS: case OP_AAM:
    case OP_AAD: case OP_SALC:
        return exec_bcd(c);
    case OP_BT:
        return exec_bt(c);
    case OP_BSF: case OP_BSR: case OP_TZCNT: case OP_LZCNT: case OP_POPCNT:
        return exec_bitscan(c);
    case OP_ARPL:
        /* SDM Vol. 2 ARPL: raise the destination RPL to the source's */
        if (x86_real(cpu) || x86_vm86(cpu))
            return x86_ud(c);
        TRY(rd_rmw(c, o0, &a));
        TRY(rd(c, o1, &b));
        if ((a & 3) < (b & 3)) {
            TRY(wr(c, o0, (a & ~3ull) | (b & 3)));
            x86_set_flags(cpu, VMP_FLAG_ZF, VMP_FLAG_ZF);
        } else {
            x86_set_flags(cpu, VMP_FLAG_ZF, 0);
        }
        return 0;
    case OP_NOP:
    case OP_PAUSE:
        return 0;
    case OP_WAIT:
        return x86_exec_fwait(c);
    case OP_X87:
        return x86_exec_x87(c);
    case OP_SSE:
        return x86_exec_sse(c);
    case OP_FXSTATE:
        return x86_exec_fxstate(c);
    case OP_HLT:
        cpu->halted = 1;
        return 0;
    case OP_UD:
        return x86_ud(c);
    case OP_CPUID: {
        uint32_t out[4] = { 0, 0, 0, 0 };
        if (c->ops->cpuid)
            c->ops->cpuid(c->opaque, (uint32_t)cpu->gpr[VMP_RAX],
                          (uint32_t)cpu->gpr[VMP_RCX], out);
        x86_reg_set(cpu, VMP_RAX, 4, false, out[0]);
        x86_reg_set(cpu, VMP_RBX, 4, false, out[1]);
        x86_reg_set(cpu, VMP_RCX, 4, false, out[2]);
        x86_reg_set(cpu, VMP_RDX, 4, false, out[3]);
        return 0;
    }
    case OP_RDTSC:
    case OP_RDTSCP: {
        if ((cpu->cr4 & VMP_CR4_TSD) && vmp_x86_cpl(cpu) > 0)
            return x86_gp(c, 0);
        uint64_t t = c->ops->rdtsc ? c->ops->rdtsc(c->opaque) : 0;
        x86_reg_set(cpu, VMP_RAX, 4, false, t & 0xffffffff);
        x86_reg_set(cpu, VMP_RDX, 4, false, t >> 32);
        if (in->op == OP_RDTSCP)
            x86_reg_set(cpu, VMP_RCX, 4, false, cpu->tsc_aux & 0xffffffff);
        return 0;
    }
    case OP_MOVS: case OP_CMPS: case OP_STOS: case OP_LODS: case OP_SCAS:
    case OP_INS: case OP_OUTS:
        *jumped = true; /* the string code sets RIP itself */
        return x86_exec_string(c);
    default: {
        bool handled = false;
        int rc = x86_exec_seg(c, &handled);
        if (handled) {
            *jumped = true;
            return rc;
        }
        rc = x86_exec_sys(c, &handled);
        if (handled) {
            /* these set RIP themselves */
            *jumped = in->op == OP_SYSCALL || in->op == OP_SYSRET ||
                      in->op == OP_SYSENTER || in->op == OP_SYSEXIT;
            return rc;
        }
        return VMP_X86_UNHANDLED;
    }
    }
}

int vmp_x86_execute(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                    void *ctx, const struct vmp_x86_insn *insn)
{
    struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx, .insn = insn };
    return x86_execute_ctx(&c);
}

int x86_execute_ctx(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    c->mode = x86_cpu_mode(cpu);
    if (in->mode != c->mode || !in->len || in->len > 15)
        return VMP_X86_UNHANDLED; /* decoded for another mode */
    c->next_rip = cpu->rip + in->len;
    c->rep_stopped = 0;
    if (c->mode != 64)
        c->next_rip &= c->mode == 32 ? 0xffffffffull : 0xffffull;

    if (in->op == OP_UNIMPL || in->op >= OP_COUNT)
        return VMP_X86_UNHANDLED;
    if (in->op == OP_INVALID)
        return x86_ud(c);
    if ((in->flags & F_PRIV) && vmp_x86_cpl(cpu) > 0)
        return x86_gp(c, 0);

    uint8_t old_shadow = cpu->shadow;
    cpu->shadow = 0;
    bool jumped = false;
    int rc;
    if (in->flags & F_SNAP) {
        struct vmp_x86_cpu snap = *cpu;
        rc = exec_main(c, &jumped);
        if (rc != VMP_X86_OK && rc != VMP_X86_HALT) {
            struct vmp_x86_event ev = cpu->event;
            uint64_t cr2 = cpu->cr2;
            *cpu = snap;
            cpu->event = ev;
            cpu->cr2 = cr2;
        }
    } else {
        rc = exec_main(c, &jumped);
    }
    if (rc != VMP_X86_OK) {
        /* nothing retired: the shadow still covers the next attempt; an
         * exception is delivered regardless of it */
        cpu->shadow = rc == VMP_X86_EXCEPTION ? 0 : old_shadow;
        return rc;
    }
    if (!jumped)
        cpu->rip = c->next_rip;
    /* RF (SDM Vol. 3B §18.3.1.1): an instruction that completes leaves it
     * clear, except IRET, which loads it from the stack; a REP string
     * instruction stopped between iterations sets it (x86_string.c), so
     * the interrupt taken there pushes RF = 1. */
    if (in->op != OP_IRET && !c->rep_stopped)
        cpu->rflags &= ~(uint64_t)VMP_FLAG_RF;
    if (in->op == OP_HLT)
        return VMP_X86_HALT;
    return VMP_X86_OK;
}
