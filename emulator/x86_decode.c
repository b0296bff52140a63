/* The instruction decoder: prefixes, REX, opcode maps, ModRM/SIB and
 * displacement in 16/32/64-bit forms, RIP-relative addressing and every
 * immediate form (SDM Vol. 2 chapter 2). Pure: no CPU state, no memory. */
#include "x86_internal.h"
#include <stddef.h>

struct dec {
    const uint8_t *b;
    unsigned len, pos;
};

/* Next byte; the 15-byte limit (SDM Vol. 2 §2.3.11) beats running out of
 * bytes only when the caller could have supplied a 16th. */
static int next(struct dec *d, uint8_t *v)
{
    if (d->pos >= 15)
        return VMP_X86_DEC_GP;
    if (d->pos >= d->len)
        return VMP_X86_DEC_NEED_MORE;
    *v = d->b[d->pos++];
    return 0;
}

static int next_n(struct dec *d, unsigned n, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t x;
        int rc = next(d, &x);
        if (rc)
            return rc;
        r |= (uint64_t)x << (8 * i);
    }
    *v = r;
    return 0;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
    if (bytes >= 8)
        return (int64_t)v;
    unsigned sh = 64 - 8 * bytes;
    return (int64_t)(v << sh) >> sh;
}

static unsigned size_of(const struct vmp_x86_insn *in, unsigned sc)
{
    switch (sc) {
    case SZ_B: return 1;
    case SZ_W: return 2;
    case SZ_D: return 4;
    case SZ_Q: return 8;
    case SZ_V: return in->opsize;
    case SZ_Z: return in->opsize == 2 ? 2 : 4;
    case SZ_M: return in->mode == 64 ? 8 : 4;
    default: return 0;
    }
}

/* ModRM memory operand (SDM Vol. 2 Tables 2-1, 2-2, 2-3). */
static int decode_ea(struct dec *d, struct vmp_x86_insn *in)
{
    unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
    struct vmp_x86_mem *m = &in->mem;
    unsigned seg = VMP_DS;
    uint64_t v;
    int rc;

    m->base = m->index = VMP_X86_NOREG;
    m->scale = 1;
    m->disp = 0;
    m->rip_rel = 0;
    if (in->adsize == 2) {
        static const uint8_t base16[8] = { VMP_RBX, VMP_RBX, VMP_RBP, VMP_RBP,
                                           VMP_RSI, VMP_RDI, VMP_RBP, VMP_RBX };
        static const uint8_t index16[8] = { VMP_RSI, VMP_RDI, VMP_RSI, VMP_RDI,
                                            VMP_X86_NOREG, VMP_X86_NOREG,
                                            VMP_X86_NOREG, VMP_X86_NOREG };
        if (mod == 0 && rm == 6) {
            if ((rc = next_n(d, 2, &v)))
                return rc;
            m->disp = sext(v, 2);
            in->disp_size = 2;
        } else {
            m->base = base16[rm];
            m->index = index16[rm];
            if (m->base == VMP_RBP)
                seg = VMP_SS;
            if (mod == 1 || mod == 2) {
                in->disp_size = mod == 1 ? 1 : 2;
                if ((rc = next_n(d, in->disp_size, &v)))
                    return rc;
                m->disp = sext(v, in->disp_size);
            }
        }
    } else {
        unsigned rexb = (in->rex & 1) << 3, rexx = (in->rex & 2) << 2;
        if (rm == 4) {
            uint8_t sib;
            if ((rc = next(d, &sib)))
                return rc;
            in->has_sib = 1;
            in->sib = sib;
            unsigned idx = ((sib >> 3) & 7) | rexx, base = sib & 7;
            if (idx != 4)
                m->index = idx;
            m->scale = 1u << (sib >> 6);
            if (base == 5 && mod == 0) {
                in->disp_size = 4;
            } else {
                m->base = base | rexb;
                if (m->base == VMP_RSP || m->base == VMP_RBP)
                    seg = VMP_SS;
            }
        } else if (rm == 5 && mod == 0) {
            in->disp_size = 4;
            if (in->mode == 64)
                m->rip_rel = 1;
        } else {
            m->base = rm | rexb;
            if (m->base == VMP_RBP)
                seg = VMP_SS;
        }
        if (mod == 1)
            in->disp_size = 1;
        else if (mod == 2)
            in->disp_size = 4;
        if (in->disp_size) {
            if ((rc = next_n(d, in->disp_size, &v)))
                return rc;
            m->disp = sext(v, in->disp_size);
        }
    }
    m->seg = (in->prefixes & VMP_X86_PFX_SEG) ? in->seg_override : seg;
    return 0;
}

static void set_reg(struct vmp_x86_insn *in, struct vmp_x86_opnd *o,
                    unsigned reg, unsigned size)
{
    o->kind = VMP_X86_OPND_REG;
    o->size = (uint8_t)size;
    o->reg = (uint8_t)reg;
    o->hibyte = 0;
    if (size == 1 && !in->rex && reg >= 4 && reg < 8) {
        o->reg = (uint8_t)(reg - 4);
        o->hibyte = 1;
    }
}

/* Fill operand i from its spec; immediates are read in operand order. */
static int decode_opnd(struct dec *d, struct vmp_x86_insn *in, unsigned i,
                       uint8_t spec)
{
    struct vmp_x86_opnd *o = &in->opnd[i];
    unsigned size = size_of(in, OSIZE(spec));
    unsigned rexr = (in->rex & 4) << 1, rexb = (in->rex & 1) << 3;
    unsigned reg = (in->modrm >> 3) & 7, rm = in->modrm & 7;
    uint64_t v;
    int rc;

    memset(o, 0, sizeof(*o));
    switch (OKIND(spec)) {
    case K_NONE:
        return 0;
    case K_E:
        if ((in->modrm >> 6) == 3) {
            set_reg(in, o, rm | rexb, size);
            return 0;
        }
        /* fall through */
    case K_M:
        if ((in->modrm >> 6) == 3)
            return VMP_X86_DEC_UD;
        o->kind = VMP_X86_OPND_MEM;
        o->size = (uint8_t)size;
        return 0;
    case K_G:
        set_reg(in, o, reg | rexr, size);
        return 0;
    case K_R:
        set_reg(in, o, rm | rexb, size);
        return 0;
    case K_S:
        if (reg > 5)
            return VMP_X86_DEC_UD;
        o->kind = VMP_X86_OPND_SREG;
        o->reg = (uint8_t)reg;
        o->size = 2;
        return 0;
    case K_C:
        reg |= rexr;
        /* CR0, CR2-CR4 and CR8 exist (SDM Vol. 2 MOV CR: #UD otherwise) */
        if (reg != 0 && reg != 2 && reg != 3 && reg != 4 && reg != 8)
            return VMP_X86_DEC_UD;
        o->kind = VMP_X86_OPND_CREG;
        o->reg = (uint8_t)reg;
        o->size = (uint8_t)size;
        return 0;
    case K_D:
        if (rexr)
            return VMP_X86_DEC_UD;
        o->kind = VMP_X86_OPND_DREG;
        o->reg = (uint8_t)reg;
        o->size = (uint8_t)size;
        return 0;
    case K_I: {
        unsigned n = size;
        if (OSIZE(spec) == SZ_Z && in->opsize == 8)
            size = 8;
        if ((rc = next_n(d, n, &v)))
            return rc;
        o->kind = VMP_X86_OPND_IMM;
        o->size = (uint8_t)size;
        o->imm = OSIZE(spec) == SZ_Z ? (uint64_t)sext(v, n) : v;
        in->imm_size = (uint8_t)(in->imm_size + n);
        return 0;
    }
    case K_IS:
        if ((rc = next_n(d, 1, &v)))
            return rc;
        o->kind = VMP_X86_OPND_IMM;
        o->size = (uint8_t)size;
        o->imm = (uint64_t)sext(v, 1);
        in->imm_size = (uint8_t)(in->imm_size + 1);
        return 0;
    case K_ONE:
        o->kind = VMP_X86_OPND_IMM;
        o->size = 1;
        o->imm = 1;
        return 0;
    case K_Z:
        set_reg(in, o, (in->opcode & 7) | rexb, size);
        return 0;
    case K_ACC:
        set_reg(in, o, VMP_RAX, size);
        return 0;
    case K_CL:
        set_reg(in, o, VMP_RCX, 1);
        return 0;
    case K_DX:
        set_reg(in, o, VMP_RDX, 2);
        return 0;
    case K_J: {
        unsigned n = OSIZE(spec) == SZ_B ? 1 : (in->opsize == 2 ? 2 : 4);
        if ((rc = next_n(d, n, &v)))
            return rc;
        o->kind = VMP_X86_OPND_REL;
        o->size = (uint8_t)in->opsize;
        o->imm = (uint64_t)sext(v, n);
        in->imm_size = (uint8_t)n;
        return 0;
    }
    case K_O:
        if ((rc = next_n(d, in->adsize, &v)))
            return rc;
        o->kind = VMP_X86_OPND_MEM;
        o->size = (uint8_t)size;
        in->mem.base = in->mem.index = VMP_X86_NOREG;
        in->mem.scale = 1;
        in->mem.rip_rel = 0;
        in->mem.disp = (int64_t)v;
        in->mem.seg = (in->prefixes & VMP_X86_PFX_SEG) ? in->seg_override : VMP_DS;
        in->disp_size = in->adsize;
        return 0;
    case K_A: {
        unsigned n = in->opsize == 2 ? 2 : 4;
        uint64_t sel;
        if ((rc = next_n(d, n, &v)) || (rc = next_n(d, 2, &sel)))
            return rc;
        o->kind = VMP_X86_OPND_FAR;
        o->size = (uint8_t)(n + 2);
        o->imm = v;
        o->sel = (uint16_t)sel;
        in->imm_size = (uint8_t)(n + 2);
        return 0;
    }
    case K_X:
    case K_Y:
        /* string operands: the executor uses rSI/rDI directly; the source
         * segment is DS unless overridden, the destination always ES */
        o->kind = VMP_X86_OPND_NONE;
        o->size = (uint8_t)size;
        if (OKIND(spec) == K_X)
            in->mem.seg = (in->prefixes & VMP_X86_PFX_SEG) ? in->seg_override
                                                            : VMP_DS;
        return 0;
    }
    return VMP_X86_DEC_UD;
}

/* VEX-encoded instructions (C4/C5): decoded for their length only. */
static int decode_vex(struct dec *d, struct vmp_x86_insn *in, uint8_t first)
{
    uint8_t p1, p2 = 0, op, modrm;
    unsigned map = 1;
    int rc;
    if ((rc = next(d, &p1)))
        return rc;
    if (first == 0xc4) {
        if ((rc = next(d, &p2)))
            return rc;
        map = p1 & 0x1f;
        if (map < 1 || map > 3)
            return VMP_X86_DEC_UD;
        in->rex = (uint8_t)(0x40 | ((~p1 >> 5) & 7) | ((p2 >> 4) & 8));
    } else {
        in->rex = (uint8_t)(0x40 | ((~p1 >> 5) & 4));
    }
    if (in->mode != 64)
        in->rex = 0;
    if (in->prefixes & (VMP_X86_PFX_LOCK | VMP_X86_PFX_REP | VMP_X86_PFX_REPNE |
                        VMP_X86_PFX_OPSIZE))
        return VMP_X86_DEC_UD;
    if ((rc = next(d, &op)))
        return rc;
    in->map = (uint8_t)map;
    in->opcode = op;
    in->op = OP_UNIMPL;
    /* every VEX opcode has ModRM except VZEROUPPER/VZEROALL (map 1, 77) */
    if (!(map == 1 && op == 0x77)) {
        if ((rc = next(d, &modrm)))
            return rc;
        in->has_modrm = 1;
        in->modrm = modrm;
        if ((modrm >> 6) != 3 && (rc = decode_ea(d, in)))
            return rc;
        bool imm = map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) ||
                                             op == 0xc2 || op == 0xc4 ||
                                             op == 0xc5 || op == 0xc6));
        if (imm) {
            uint64_t v;
            if ((rc = next_n(d, 1, &v)))
                return rc;
            in->imm_size = 1;
        }
    }
    return 0;
}

/* The 0F 38 opcodes the executor implements (SDM Vol. 2 Table A-4): MOVBE
 * (F0/F1, no F2/F3: F2 makes them CRC32), ADCX (66 F6) and ADOX (F3 F6; F3
 * wins over 66). NULL for the rest of the map. */
static const struct x86_opent *map38(uint8_t prefixes, uint8_t op)
{
    static const struct x86_opent movbe_load = {
        .op = OP_MOVBE, .o = { OPND(K_G, SZ_V), OPND(K_M, SZ_V), 0 }, .f = F_MODRM
    };
    static const struct x86_opent movbe_store = {
        .op = OP_MOVBE, .o = { OPND(K_M, SZ_V), OPND(K_G, SZ_V), 0 }, .f = F_MODRM
    };
    static const struct x86_opent adcx = {
        .op = OP_ADX, .arg = 0, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_V), 0 },
        .fl = FL_C, .f = F_MODRM
    };
    static const struct x86_opent adox = {
        .op = OP_ADX, .arg = 1, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_V), 0 },
        .fl = FL_O, .f = F_MODRM
    };
    bool rep = prefixes & VMP_X86_PFX_REP, repne = prefixes & VMP_X86_PFX_REPNE;
    if ((op == 0xf0 || op == 0xf1) && !rep && !repne)
        return op == 0xf0 ? &movbe_load : &movbe_store;
    if (op == 0xf6 && rep)
        return &adox;
    if (op == 0xf6 && !repne && (prefixes & VMP_X86_PFX_OPSIZE))
        return &adcx;
    return NULL;
}

int vmp_x86_decode_bytes(struct vmp_x86_insn *in, unsigned mode,
                         const uint8_t *bytes, unsigned len)
{
    struct dec d = { .b = bytes, .len = len, .pos = 0 };
    const struct x86_opent *e;
    uint8_t b;
    unsigned sp;
    int rc;

    /* clear field by field: a whole-struct memset becomes a slow
     * "rep stos" and was a quarter of the decode time */
    in->len = 0;
    memset(&in->mode, 0, offsetof(struct vmp_x86_insn, opnd) -
                             offsetof(struct vmp_x86_insn, mode));
    in->opnd[0].kind = in->opnd[1].kind = in->opnd[2].kind = VMP_X86_OPND_NONE;
    memset(&in->mem, 0, sizeof(in->mem));
    if (mode != 16 && mode != 32 && mode != 64)
        return VMP_X86_DEC_UD;
    in->mode = (uint8_t)mode;

    /* legacy prefixes and REX (SDM Vol. 2 §2.1.1, §2.2.1: a REX not
     * immediately before the opcode is ignored) */
    for (;;) {
        if ((rc = next(&d, &b)))
            return rc;
        switch (b) {
        case 0xf0: in->prefixes |= VMP_X86_PFX_LOCK; break;
        case 0xf2:
            in->prefixes = (uint8_t)((in->prefixes & ~VMP_X86_PFX_REP) | VMP_X86_PFX_REPNE);
            break;
        case 0xf3:
            in->prefixes = (uint8_t)((in->prefixes & ~VMP_X86_PFX_REPNE) | VMP_X86_PFX_REP);
            break;
        case 0x66: in->prefixes |= VMP_X86_PFX_OPSIZE; break;
        case 0x67: in->prefixes |= VMP_X86_PFX_ADSIZE; break;
        case 0x26: sp = VMP_ES; goto seg;
        case 0x2e: sp = VMP_CS; goto seg;
        case 0x36: sp = VMP_SS; goto seg;
        case 0x3e: sp = VMP_DS; goto seg;
        case 0x64: sp = VMP_FS; goto seg;
        case 0x65: sp = VMP_GS; goto seg;
        default:
            if (mode == 64 && (b & 0xf0) == 0x40) {
                in->rex = b;
                continue;
            }
            goto opcode;
        }
        in->rex = 0;
        continue;
    seg:
        /* In 64-bit mode the CS/DS/ES/SS overrides are ignored (SDM Vol. 1
         * §3.3.7.1): they neither select a segment nor cancel an earlier
         * FS/GS prefix (GS then DS uses GS; FS then GS uses GS, the last). */
        if (mode != 64 || sp == VMP_FS || sp == VMP_GS) {
            in->seg_override = (uint8_t)sp;
            in->prefixes |= VMP_X86_PFX_SEG;
        }
        in->rex = 0;
    }
opcode:
    if (in->rex)
        in->prefixes |= VMP_X86_PFX_REX;

    if (mode == 64)
        in->adsize = (in->prefixes & VMP_X86_PFX_ADSIZE) ? 4 : 8;
    else if (mode == 32)
        in->adsize = (in->prefixes & VMP_X86_PFX_ADSIZE) ? 2 : 4;
    else
        in->adsize = (in->prefixes & VMP_X86_PFX_ADSIZE) ? 4 : 2;

    in->map = 0;
    if (b == 0x0f) {
        if ((rc = next(&d, &b)))
            return rc;
        in->map = 1;
        if (b == 0x38 || b == 0x3a) {
            /* three-byte maps: SSSE3/SSE4/AES/SHA... not implemented; all
             * have ModRM and the 0F 3A map an imm8 */
            in->map = b == 0x38 ? 2 : 3;
            if ((rc = next(&d, &b)))
                return rc;
            if (in->map == 2 && (e = map38(in->prefixes, b)))
                goto entry;
            in->opcode = b;
            in->op = OP_UNIMPL;
            in->opsize = 4;
            if ((rc = next(&d, &in->modrm)))
                return rc;
            in->has_modrm = 1;
            if ((in->modrm >> 6) != 3 && (rc = decode_ea(&d, in)))
                return rc;
            if (in->map == 3) {
                uint64_t v;
                if ((rc = next_n(&d, 1, &v)))
                    return rc;
                in->imm_size = 1;
            }
            goto done;
        }
        e = &x86_map2[b];
    } else {
        if ((b == 0xc4 || b == 0xc5) && !in->rex) {
            /* VEX in 64-bit mode, or when ModRM.mod would be 11 */
            bool vex = mode == 64;
            if (!vex) {
                if (d.pos >= d.len && d.pos < 15)
                    return VMP_X86_DEC_NEED_MORE;
                vex = d.pos < d.len && (d.b[d.pos] >> 6) == 3;
            }
            if (vex) {
                if ((rc = decode_vex(&d, in, b)))
                    return rc;
                goto done;
            }
        }
        if (b == 0x62 && mode == 64)
            return VMP_X86_DEC_UD; /* EVEX: AVX-512 is not offered */
        e = &x86_map1[b];
    }
entry:
    in->opcode = b;

    /* encodings that depend on mode or a mandatory prefix */
    static const struct x86_opent movsxd = {
        .op = OP_MOVSXD, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_D), 0 }, .f = F_MODRM
    };
    static const struct x86_opent nop = { .op = OP_NOP };
    static const struct x86_opent pause = { .op = OP_PAUSE };
    static const struct x86_opent popcnt = {
        .op = OP_POPCNT, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_V), 0 }, .fl = FL_ALL, .f = F_MODRM
    };
    static const struct x86_opent tzcnt = {
        .op = OP_TZCNT, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_V), 0 }, .fl = FL_ALL, .f = F_MODRM
    };
    static const struct x86_opent lzcnt = {
        .op = OP_LZCNT, .o = { OPND(K_G, SZ_V), OPND(K_E, SZ_V), 0 }, .fl = FL_ALL, .f = F_MODRM
    };
    if (in->map == 0) {
        if (b == 0x63 && mode == 64)
            e = &movsxd;
        else if (b == 0x90 && !(in->rex & 1))
            e = (in->prefixes & VMP_X86_PFX_REP) ? &pause : &nop;
    } else if (in->prefixes & VMP_X86_PFX_REP) {
        if (b == 0xb8)
            e = &popcnt;
        else if (b == 0xbc)
            e = &tzcnt;
        else if (b == 0xbd)
            e = &lzcnt;
    }

    uint16_t flags = e->f;
    if (flags & F_MODRM) {
        if ((rc = next(&d, &in->modrm)))
            return rc;
        in->has_modrm = 1;
    }
    if (flags & F_GRP) {
        unsigned g = e->arg, r = (in->modrm >> 3) & 7;
        const struct x86_opent *ge = &x86_groups[g][r];
        if ((in->modrm >> 6) == 3 && (g == G7_0F01 || g == G9_0FC7 || g == G15_0FAE))
            ge = &x86_groups_reg[g][r];
        flags = (uint16_t)((flags & ~F_GRP) | ge->f);
        e = ge;
        if (g == G7_0F01 && (in->modrm >> 6) == 3) {
            static const struct x86_opent clac = { .op = OP_CLAC, .f = F_MODRM | F_PRIV };
            static const struct x86_opent stac = { .op = OP_STAC, .f = F_MODRM | F_PRIV };
            static const struct x86_opent swapgs = {
                .op = OP_SWAPGS, .f = F_MODRM | F_PRIV | F_ONLY64
            };
            static const struct x86_opent rdtscp = { .op = OP_RDTSCP, .f = F_MODRM };
            switch (in->modrm) {
            case 0xca: e = &clac; break;
            case 0xcb: e = &stac; break;
            case 0xf8: e = &swapgs; break;
            case 0xf9: e = &rdtscp; break;
            default: break;
            }
            flags = e->f;
        }
    }
    in->op = e->op;
    in->arg = e->arg;
    in->flags = flags;

    if (in->op == OP_INVALID)
        return VMP_X86_DEC_UD;
    if ((flags & F_NO64) && mode == 64)
        return VMP_X86_DEC_UD;
    if ((flags & F_ONLY64) && mode != 64)
        return VMP_X86_DEC_UD;

    /* operand size (SDM Vol. 1 §3.6, Vol. 2 §2.2.1.2) */
    bool o66 = in->prefixes & VMP_X86_PFX_OPSIZE;
    if (mode == 64) {
        if (flags & F_FORCE64)
            in->opsize = 8;
        else if (in->rex & 8)
            in->opsize = 8;
        else if (flags & F_DEF64)
            in->opsize = o66 ? 2 : 8;
        else
            in->opsize = o66 ? 2 : 4;
    } else {
        in->opsize = (mode == 32) != o66 ? 4 : 2;
    }
    if (in->op == OP_ADX) /* 66 is its mandatory prefix: 32 or 64 bits */
        in->opsize = mode == 64 && (in->rex & 8) ? 8 : 4;

    if (flags & F_MODRM) {
        bool mem = (in->modrm >> 6) != 3;
        bool cr_dr = in->map == 1 && in->opcode >= 0x20 && in->opcode <= 0x23;
        if (mem && !cr_dr && (rc = decode_ea(&d, in)))
            return rc;
    }
    for (unsigned i = 0; i < 3; i++) {
        if (!e->o[i])
            break;
        if ((rc = decode_opnd(&d, in, i, e->o[i])))
            return rc;
        in->nopnd = (uint8_t)(i + 1);
    }

    /* LOCK: only the listed read-modify-write forms with a memory
     * destination (SDM Vol. 2 LOCK); anything else is #UD */
    if (in->prefixes & VMP_X86_PFX_LOCK) {
        if (!(flags & F_LOCK) || !in->has_modrm || (in->modrm >> 6) == 3)
            return VMP_X86_DEC_UD;
    }

done:
    in->len = (uint8_t)d.pos;
    memcpy(in->bytes, bytes, d.pos);
    return d.pos;
}

int x86_decode(struct vmp_x86_insn *insn, unsigned mode, const uint8_t *b,
               unsigned len)
{
    return vmp_x86_decode_bytes(insn, mode, b, len);
}
