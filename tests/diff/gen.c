/* The stream generator: families of CPL-3 integer instructions, an
 * encoder for ModRM/SIB/REX forms, and the undefined-flag bookkeeping.
 *
 * Each stream is a list of units; a unit is one instruction of a family,
 * preceded by the setup moves it needs (a known count in CL, pointers into
 * the data area, a dividend that cannot overflow) and sometimes wrapped in
 * a forward branch. The generator knows the value of a register only while
 * nothing but its own moves and known-delta stack operations touched it;
 * memory operands use known registers or set one up.
 *
 * Undefined flags (SDM Vol. 1 Appendix A and each instruction's "Flags
 * Affected"): g->undef holds the status flags the last writer left
 * undefined. An instruction that reads a flag (Jcc, SETcc, CMOVcc,
 * ADC/SBB, RCL/RCR, CMC, LAHF, PUSHF, LOOPcc, ADCX/ADOX) is preceded by a
 * CMP that defines all six when one it reads is undefined, and the final
 * comparison masks what is still undefined at the end. */
#include "gen.h"
#include "gen_internal.h"

#include <cpuid.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- the skip list --------------------------------------------------------
 * Families the emulator does not cover yet: their streams are not
 * generated. Each entry is a family name from gen_families[] below; the
 * lead removes entries as the emulator grows. `diff_test --no-skip` runs
 * them anyway. */
const char *const gen_skip_list[] = {
    /* No bit-exact oracle: RCPPS/RCPSS/RSQRTPS/RSQRTSS return approximations
     * whose bits are the implementation's (SDM Vol. 2B RCPPS: "relative
     * error <= 1.5 * 2^-12"); the emulator computes its own in C, so they
     * differ from the CPU's by design. `--families sse_rcp,alu --no-skip`
     * runs them. (The x87 transcendentals are bounded only to about an
     * ulp too (SDM Vol. 1 §8.3.10), but the emulator runs them on the
     * host's FPU, so x87_transc does compare bit for bit here.) */
    "sse_rcp",
    NULL,
};

/* ---- known emulator bugs --------------------------------------------------
 * Narrow cases where the emulator is known to differ from the CPU, avoided
 * by the generator until the emulator is fixed (the rest of each family
 * still runs). `diff_test --no-skip` generates them too. */
const struct gen_bug gen_known_bugs[] = {
    {"fxsave_pf_cr2",
     "FXSAVE/FXRSTOR/FNSAVE/FNSTENV page faults: CR2 is the 512-byte image's LAST byte on this CPU (through "
     "PVM), the first faulting byte in the emulator (emulator/x86_fpu.c): 48 0F AE 04 25 B0 1F "
     "02 00 FXSAVE64 [0x21FB0] running into the read-only page at 0x22000: #PF(7) and nothing "
     "written on both sides, CR2 0x221AF vs 0x22000; 48 0F AE 0C 25 00 30 02 00 FXRSTOR64 of "
     "the not-present page 0x23000: CR2 0x231FF vs 0x23000. The same for FNSAVE and FNSTENV "
     "(emulator/x86_x87_ctl.c) stores that run into the page: DD 34 25 C0 1F 02 00 FNSAVE "
     "[0x21FC0]: CR2 0x2202B vs 0x22000 (a wholly not-present image reports its first byte on "
     "both; FRSTOR/FLDENV, FSTP m80, MOVUPS report the first byte on both). Which byte of a "
     "multi-byte access CR2 names is not specified (SDM Vol. 3A §4.7), so this is a difference, not a "
     "bug: the emulator keeps the first faulting byte; not generated"},
    {NULL, NULL},
};
unsigned gen_avoid_bugs = 1;

/* ---- random numbers (splitmix64) ---------------------------------------- */

uint64_t rnd(struct gen *g)
{
    uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

unsigned rn(struct gen *g, unsigned n) { return (unsigned)(rnd(g) % n); }
int pct(struct gen *g, unsigned p) { return rn(g, 100) < p; }

/* An interesting value: random, small, all ones, sign boundaries. */
uint64_t rval(struct gen *g)
{
    switch (rn(g, 10)) {
    case 0: return rn(g, 4);
    case 1: return ~0ull - rn(g, 3);
    case 2: return (1ull << ((8u << rn(g, 4)) - 1)) - rn(g, 2); /* 0x80.., 0x7f.. */
    case 3: return rnd(g) & 0xff;
    case 4: return rnd(g) & 0xffff;
    case 5: return rnd(g) & 0xffffffff;
    default: return rnd(g);
    }
}

/* ---- code buffer ---------------------------------------------------------- */

void put(struct gen *g, uint8_t b)
{
    if (g->len >= G_CODE_SIZE - 64 - (g->base - G_CODE)) {
        g->overflow = 1;
        return;
    }
    g->code[g->len++] = b;
}

void putn(struct gen *g, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put(g, (uint8_t)(v >> (8 * i)));
}

/* ---- register knowledge --------------------------------------------------- */

void unk(struct gen *g, unsigned r) { g->known &= ~(1u << r); }
int isknown(const struct gen *g, unsigned r) { return (g->known >> r) & 1; }

/* Registers a setup move must not change (values the current unit relies
 * on); RSP is never a setup target outside the stack families. */
static uint32_t g_lock;

/* mov r, imm (three encodings) */
void setup_mov(struct gen *g, unsigned r, uint64_t v)
{
    if (v <= 0xffffffffull && pct(g, 50)) {
        if (r >= 8)
            put(g, 0x41);
        put(g, (uint8_t)(0xB8 + (r & 7)));
        putn(g, v, 4);
    } else if ((int64_t)v == (int32_t)v && pct(g, 50)) {
        put(g, (uint8_t)(0x48 | (r >> 3)));
        put(g, 0xC7);
        put(g, (uint8_t)(0xC0 | (r & 7)));
        putn(g, v, 4);
    } else {
        put(g, (uint8_t)(0x48 | (r >> 3)));
        put(g, (uint8_t)(0xB8 + (r & 7)));
        putn(g, v, 8);
    }
    g->val[r] = v;
    g->known |= 1u << r;
}

/* ---- flags ---------------------------------------------------------------- */

/* Make the flags in need defined: CMP r64, r64 (or an immediate) defines
 * all six status flags and writes no register. */
void need(struct gen *g, unsigned flags)
{
    if (!(g->undef & flags))
        return;
    unsigned a = rn(g, 16), b = rn(g, 16);
    if (pct(g, 50)) {
        put(g, (uint8_t)(0x48 | (b >> 3) << 2 | (a >> 3)));
        put(g, 0x39);
        put(g, (uint8_t)(0xC0 | (b & 7) << 3 | (a & 7)));
    } else {
        put(g, (uint8_t)(0x48 | (a >> 3)));
        put(g, 0x81);
        put(g, (uint8_t)(0xF8 | (a & 7)));
        putn(g, rnd(g), 4);
    }
    g->undef = 0;
}

void flags(struct gen *g, unsigned writes, unsigned undef)
{
    g->undef = (g->undef & ~writes) | undef;
}

/* Flags condition code cc reads (SDM Vol. 1 Appendix B). */
static unsigned cc_reads(unsigned cc)
{
    static const unsigned t[8] = {ST_OF, ST_CF, ST_ZF, ST_CF | ST_ZF,
                                  ST_SF, ST_PF, ST_SF | ST_OF, ST_ZF | ST_SF | ST_OF};
    return t[(cc >> 1) & 7];
}

/* ---- the encoder ---------------------------------------------------------- */

void ins_init(struct ins *i)
{
    memset(i, 0, sizeof *i);
    i->opreg = R_NONE;
    i->rm = R_NONE;
}

void pfx(struct ins *i, uint8_t p) { i->pfx[i->npfx++] = p; }
void opc(struct ins *i, uint8_t a) { i->opc[i->nopc++] = a; }

static void opsize(struct ins *i, unsigned size)
{
    if (size == 2)
        pfx(i, 0x66);
    if (size == 8)
        i->w = 1;
}

void ins_emit(struct gen *g, struct ins *i)
{
    unsigned start = g->len;
    if (i->stray_rex)
        put(g, i->stray_rex);
    /* legacy prefixes in random order */
    for (unsigned k = i->npfx; k > 1; k--) {
        unsigned j = rn(g, k);
        uint8_t t = i->pfx[k - 1];
        i->pfx[k - 1] = i->pfx[j];
        i->pfx[j] = t;
    }
    for (unsigned k = 0; k < i->npfx; k++)
        put(g, i->pfx[k]);
    unsigned rex = 0x40 | i->w << 3;
    if (i->modrm)
        rex |= (i->reg >> 3 & 1) << 2;
    if (i->has_mem) {
        if (i->m.index >= 0)
            rex |= (unsigned)(i->m.index >> 3 & 1) << 1;
        if (i->m.base >= 0 && i->m.base != R_RIP)
            rex |= (unsigned)(i->m.base >> 3 & 1);
    } else if (i->rm >= 0) {
        rex |= (unsigned)(i->rm >> 3 & 1);
    }
    if (i->opreg >= 0)
        rex |= (unsigned)(i->opreg >> 3 & 1);
    if (rex != 0x40 || i->rex_force)
        put(g, (uint8_t)rex);
    for (unsigned k = 0; k < i->nopc; k++)
        put(g, (uint8_t)(i->opc[k] + (k == i->nopc - 1 && i->opreg >= 0 ? (i->opreg & 7) : 0)));
    unsigned dpos = 0, dsz = 0;
    if (i->modrm) {
        unsigned r = (i->reg & 7) << 3;
        if (!i->has_mem) {
            put(g, (uint8_t)(0xC0 | r | (i->rm & 7)));
        } else {
            struct mem *m = &i->m;
            if (m->base == R_RIP) {
                put(g, (uint8_t)(0x05 | r));
                dsz = 4;
            } else if (m->base == R_NONE) {
                put(g, (uint8_t)(0x04 | r));
                unsigned ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
                put(g, (uint8_t)(ss << 6 | (m->index >= 0 ? (m->index & 7) : 4) << 3 | 5));
                dsz = 4;
            } else {
                dsz = m->dsz;
                if (dsz == 0 && (m->base & 7) == 5)
                    dsz = 1;
                unsigned mod = dsz == 0 ? 0 : dsz == 1 ? 0x40 : 0x80;
                if (m->index >= 0 || (m->base & 7) == 4) {
                    put(g, (uint8_t)(mod | r | 4));
                    unsigned ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
                    put(g, (uint8_t)(ss << 6 | (m->index >= 0 ? (m->index & 7) : 4) << 3 |
                                     (m->base & 7)));
                } else {
                    put(g, (uint8_t)(mod | r | (m->base & 7)));
                }
            }
            dpos = g->len;
            putn(g, (uint64_t)m->disp, dsz);
        }
    }
    putn(g, i->imm, i->nimm);
    if (i->has_mem && i->m.base == R_RIP && !g->overflow) {
        uint64_t next = g->base + g->len;
        uint32_t d = (uint32_t)(i->m.target - next);
        memcpy(g->code + dpos, &d, 4);
    }
    (void)start;
}

/* ---- operand pickers ------------------------------------------------------ */

/* Byte-register codes: 0..15 = AL..R15B (4..7 = SPL..DIL need REX),
 * 16..19 = AH, CH, DH, BH (no REX allowed). g_low: the unit uses AH..BH,
 * so no register above 7 and no REX. */
static int g_low;
/* BT with a register bit offset moves the address inside the address-size
 * arithmetic: with 67h it would wrap below a segment base. */
static int g_noa32;

static unsigned breg_gpr(unsigned c) { return c < 16 ? c : c - 16; }
static unsigned breg_field(unsigned c) { return c < 16 ? c : c - 12; }

static unsigned pick_b(struct gen *g, struct ins *i, int dst)
{
    for (;;) {
        unsigned c;
        if (g_low) {
            c = rn(g, 8);
            if (c >= 4)
                c += 12;
        } else {
            c = rn(g, 16);
        }
        if (dst && c == 4)
            continue;
        if (c >= 4 && c < 8)
            i->rex_force = 1;
        return c;
    }
}

unsigned pick_r(struct gen *g, int dst)
{
    for (;;) {
        unsigned r = g_low ? rn(g, 8) : rn(g, 16);
        if (dst && r == VMP_RSP)
            continue;
        return r;
    }
}

static uint64_t trunc_a(uint64_t v, int a32) { return a32 ? (uint32_t)v : v; }

/* A memory operand of width bytes at linear target inside the data area
 * (or anywhere, for LEA and NOP: free). Emits setup moves as needed. */
void pick_mem_at(struct gen *g, struct ins *i, uint64_t target, int free)
{
    struct mem *m = &i->m;
    memset(m, 0, sizeof *m);
    i->has_mem = 1;
    uint64_t segbase = 0;
    unsigned s = rn(g, 100);
    if (!free && s < 8) {
        pfx(i, 0x64);
        segbase = FS_BASE;
    } else if (!free && s < 14) {
        pfx(i, 0x65);
        segbase = GS_BASE;
    } else if (s < 18) {
        static const uint8_t ign[4] = {0x26, 0x2E, 0x36, 0x3E};
        pfx(i, ign[rn(g, 4)]);
    }
    uint64_t off = target - segbase; /* the effective address wanted */
    /* 32-bit addressing wraps the effective address, not base + EA */
    m->a32 = pct(g, 12) && off <= 0xffffffffull && !g_noa32;
    if (m->a32)
        pfx(i, 0x67);
    m->target = off;
    unsigned form = rn(g, 20);
    if (form < 3 && !(m->a32 && off > 0xffffffffull)) {
        m->base = R_RIP;
        m->index = R_NONE;
        return;
    }
    if (form < 5 && (int64_t)off == (int32_t)off && !m->a32) {
        m->base = R_NONE; /* [disp32] through SIB */
        m->index = R_NONE;
        m->disp = (int32_t)off;
        return;
    }
    for (int tries = 0;; tries++) {
        m->base = pct(g, 85) ? (int)pick_r(g, 0) : R_NONE;
        m->index = pct(g, 35) ? (int)pick_r(g, 0) : R_NONE;
        if (m->index == VMP_RSP)
            m->index = R_NONE;
        if (m->base == m->index)
            m->index = R_NONE;
        if (m->base == R_NONE && m->index == R_NONE)
            continue;
        m->scale = 1u << rn(g, 4);
        m->dsz = m->base == R_NONE ? 4 : (unsigned[]){0, 1, 4}[rn(g, 3)];
        int64_t disp = m->dsz == 0 ? 0 : m->dsz == 1 ? (int8_t)rnd(g) : (int32_t)(rnd(g) >> rn(g, 32));
        /* the index: known, or set to something (never a locked register) */
        if (m->index >= 0 && !isknown(g, (unsigned)m->index)) {
            if ((g_lock >> m->index) & 1 || m->index == VMP_RSP) {
                if (tries < 20)
                    continue;
                m->index = R_NONE;
            } else {
                setup_mov(g, (unsigned)m->index, pct(g, 50) ? rn(g, 512) : rval(g));
            }
        }
        uint64_t ix = m->index >= 0 ? g->val[m->index] * m->scale : 0;
        if (free) {
            if (m->base >= 0 && !isknown(g, (unsigned)m->base) && !((g_lock >> m->base) & 1) &&
                m->base != VMP_RSP)
                setup_mov(g, (unsigned)m->base, rval(g));
            m->disp = disp;
            return;
        }
        if (m->base == R_NONE) {
            /* [index*scale + disp32] */
            uint64_t d = trunc_a(off - ix, m->a32);
            if (m->a32 || (int64_t)d == (int32_t)d) {
                m->disp = (int32_t)(uint32_t)d;
                return;
            }
            if (tries < 20)
                continue;
            m->index = R_NONE;
            m->disp = (int32_t)off;
            return;
        }
        unsigned b = (unsigned)m->base;
        if (isknown(g, b)) {
            /* a displacement that reaches the target from the known base? */
            uint64_t d = trunc_a(off - ix - g->val[b], m->a32);
            int64_t sd = m->a32 ? (int32_t)(uint32_t)d : (int64_t)d;
            if (sd == 0 && m->dsz == 0) {
                m->disp = 0;
                return;
            }
            if (sd == (int8_t)sd && m->dsz == 1) {
                m->disp = sd;
                return;
            }
            if ((sd == (int32_t)sd || m->a32) && m->dsz == 4) {
                m->disp = (int32_t)sd;
                return;
            }
        }
        if ((g_lock >> b) & 1 || b == VMP_RSP) {
            if (tries < 20)
                continue;
            /* give up on registers: absolute */
            m->base = R_NONE;
            m->index = R_NONE;
            m->a32 = 0;
            m->disp = (int32_t)off;
            return;
        }
        /* set the base so that base + index*scale + disp = target; with
         * 32-bit addressing the upper half is garbage the CPU ignores */
        uint64_t v = off - ix - (uint64_t)disp;
        if (m->a32)
            v = (uint32_t)v | (pct(g, 50) ? rnd(g) << 32 : 0);
        setup_mov(g, b, v);
        m->disp = disp;
        return;
    }
}

/* A target of width bytes in the data area, sometimes aligned, sometimes
 * across the page boundary. */
uint64_t data_target(struct gen *g, unsigned width)
{
    if (pct(g, 8))
        return G_DATA + 0x1000 - 1 - rn(g, width); /* straddles the pages */
    uint64_t t = G_DATA + rn(g, G_DATA_SIZE - width + 1);
    if (pct(g, 50))
        t &= ~(uint64_t)(width - 1);
    return t;
}

static void pick_mem(struct gen *g, struct ins *i, unsigned width)
{
    pick_mem_at(g, i, data_target(g, width), 0);
}

/* r/m operand: register (dst: may be written) or memory */
static void pick_rm(struct gen *g, struct ins *i, unsigned size, int mem, int dst)
{
    i->modrm = 1;
    if (mem) {
        pick_mem(g, i, size);
    } else if (size == 1) {
        unsigned c = pick_b(g, i, dst);
        i->rm = (int)breg_field(c);
        if (c >= 16)
            g_low = 1;
        if (dst)
            unk(g, breg_gpr(c));
    } else {
        i->rm = (int)pick_r(g, dst);
        if (dst)
            unk(g, (unsigned)i->rm);
    }
}

static void pick_reg(struct gen *g, struct ins *i, unsigned size, int dst)
{
    i->modrm = 1;
    if (size == 1) {
        unsigned c = pick_b(g, i, dst);
        i->reg = breg_field(c);
        if (dst)
            unk(g, breg_gpr(c));
    } else {
        i->reg = pick_r(g, dst);
        if (dst)
            unk(g, i->reg);
    }
}

static unsigned pick_size(struct gen *g) { return 1u << rn(g, 4); }
static unsigned pick_vsize(struct gen *g) { return 2u << rn(g, 3); }

void set_imm(struct ins *i, uint64_t v, unsigned n)
{
    i->imm = v;
    i->nimm = n;
}

/* Begin a unit's instruction: g_low decides AH..BH use for byte forms. */
void begin(struct gen *g, unsigned size)
{
    g_low = size == 1 && pct(g, 25);
    g_lock = 0;
    g_noa32 = 0;
}

/* ---- families --------------------------------------------------------------- */

/* ADD OR ADC SBB AND SUB XOR CMP in all six encodings and group 1. */
static void f_alu(struct gen *g)
{
    unsigned op = rn(g, 8), size = pick_size(g), form = rn(g, 5);
    if (form == 4 && size == 1)
        form = 3;
    begin(g, size);
    if (op == 2 || op == 3)
        need(g, ST_CF);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int mem = pct(g, 40) && form != 2;
    int wr = op != 7;
    switch (form) {
    case 0: /* r/m, reg */
        opc(&i, (uint8_t)(op * 8 + (size > 1)));
        pick_rm(g, &i, size, mem, wr);
        pick_reg(g, &i, size, 0);
        break;
    case 1: /* reg, r/m */
        opc(&i, (uint8_t)(op * 8 + 2 + (size > 1)));
        pick_rm(g, &i, size, mem, 0);
        pick_reg(g, &i, size, wr);
        break;
    case 2: /* AL/eAX, imm */
        opc(&i, (uint8_t)(op * 8 + 4 + (size > 1)));
        set_imm(&i, rnd(g), size == 1 ? 1 : size == 2 ? 2 : 4);
        if (wr)
            unk(g, VMP_RAX);
        break;
    default: /* 80/81/83 /op */
        opc(&i, size == 1 ? 0x80 : form == 4 ? 0x83 : 0x81);
        i.reg = op;
        pick_rm(g, &i, size, mem, wr);
        set_imm(&i, rval(g), size == 1 || form == 4 ? 1 : size == 2 ? 2 : 4);
        break;
    }
    if (mem && wr && form != 1 && pct(g, 30))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    if (op == 1 || op == 4 || op == 6)
        flags(g, ST_ALL & ~ST_AF, ST_AF);
    else
        flags(g, ST_ALL, 0);
}

static void f_test(struct gen *g)
{
    unsigned size = pick_size(g), form = rn(g, 3);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int mem = pct(g, 35) && form != 1;
    if (form == 0) {
        opc(&i, size == 1 ? 0x84 : 0x85);
        pick_rm(g, &i, size, mem, 0);
        pick_reg(g, &i, size, 0);
    } else if (form == 1) {
        opc(&i, size == 1 ? 0xA8 : 0xA9);
        set_imm(&i, rval(g), size == 1 ? 1 : size == 2 ? 2 : 4);
    } else {
        opc(&i, size == 1 ? 0xF6 : 0xF7);
        i.reg = pct(g, 10); /* /1 is an alias of /0 */
        pick_rm(g, &i, size, mem, 0);
        set_imm(&i, rval(g), size == 1 ? 1 : size == 2 ? 2 : 4);
    }
    ins_emit(g, &i);
    flags(g, ST_ALL & ~ST_AF, ST_AF);
}

/* Shift/rotate count: an immediate, 1, or CL (known from a setup move or
 * not known at all). Returns the count or -1. */
static int shift_count(struct gen *g, struct ins *i, unsigned size, int cl_form, int *form)
{
    unsigned f = rn(g, 3);
    if (cl_form >= 0)
        f = (unsigned)cl_form;
    *form = (int)f;
    unsigned c = pct(g, 60) ? rn(g, 2 * size * 8 + 2) : (unsigned)(rnd(g) & 0xff);
    if (f == 0) { /* imm8 */
        set_imm(i, c, 1);
        return (int)c;
    }
    if (f == 1)
        return 1;
    if (!isknown(g, VMP_RCX) && pct(g, 70))
        setup_mov(g, VMP_RCX, (rnd(g) & ~0xffull) | c);
    g_lock |= 1u << VMP_RCX;
    return isknown(g, VMP_RCX) ? (int)(g->val[VMP_RCX] & 0xff) : -1;
}

/* SHL SHR SAL SAR / ROL ROR / RCL RCR (SDM Vol. 2B "SAL/SAR/SHL/SHR",
 * "RCL/RCR/ROL/ROR": flags for a masked count of 0, 1, more). */
static void shift_unit(struct gen *g, unsigned kind)
{
    static const unsigned exts[3][4] = {{4, 5, 6, 7}, {0, 1, 0, 1}, {2, 3, 2, 3}};
    unsigned ext = exts[kind][rn(g, 4)];
    if (kind == 0 && ext == 6 && pct(g, 70))
        ext = 4; /* /6 is an undocumented SAL alias: rarely */
    unsigned size = pick_size(g);
    begin(g, size);
    if (kind == 2)
        need(g, ST_CF);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int form, mem = pct(g, 30);
    int cnt = shift_count(g, &i, size, -1, &form);
    opc(&i, (uint8_t)((form == 0 ? 0xC0 : form == 1 ? 0xD0 : 0xD2) + (size > 1)));
    i.reg = ext;
    pick_rm(g, &i, size, mem, 1);
    ins_emit(g, &i);
    unsigned bits = size * 8;
    if (cnt < 0) { /* unknown count: whatever a count may leave undefined */
        unsigned u = ST_OF;
        if (kind == 0)
            u |= ST_AF | (bits < 32 && ext != 7 ? ST_CF : 0);
        flags(g, 0, u);
        return;
    }
    unsigned c = (unsigned)cnt & (size == 8 ? 63 : 31);
    if (c == 0)
        return;
    if (kind == 0) {
        unsigned u = ST_AF | (c != 1 ? ST_OF : 0);
        if (c >= bits && ext != 7)
            u |= ST_CF;
        flags(g, ST_ALL, u);
    } else {
        flags(g, ST_CF | ST_OF, c != 1 ? ST_OF : 0);
    }
}

static void f_shift(struct gen *g) { shift_unit(g, 0); }
static void f_rot(struct gen *g) { shift_unit(g, 1); }
static void f_rcx(struct gen *g) { shift_unit(g, 2); }

static void f_shld(struct gen *g)
{
    unsigned size = pick_vsize(g), right = rn(g, 2);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int form, cnt, mem = pct(g, 30);
    for (;;) {
        unsigned save = g->len;
        uint32_t known = g->known;
        uint64_t rcx = g->val[VMP_RCX];
        cnt = shift_count(g, &i, size, (int)(rn(g, 2) ? 0 : 2), &form);
        /* a 16-bit count above 16 leaves the result undefined */
        if (size != 2 || (cnt >= 0 && (cnt & 31) <= 16))
            break;
        g->len = save;
        g->known = known;
        g->val[VMP_RCX] = rcx;
        i.nimm = 0;
    }
    opc(&i, 0x0F);
    opc(&i, (uint8_t)((right ? 0xAC : 0xA4) + (form == 2)));
    pick_rm(g, &i, size, mem, 1);
    pick_reg(g, &i, size, 0);
    ins_emit(g, &i);
    if (cnt < 0) {
        flags(g, 0, ST_OF | ST_AF);
        return;
    }
    unsigned c = (unsigned)cnt & (size == 8 ? 63 : 31);
    if (c)
        flags(g, ST_ALL, ST_AF | (c != 1 ? ST_OF : 0));
}

/* MUL, IMUL in its three forms: CF, OF defined; SF ZF AF PF undefined. */
static void f_mul(struct gen *g)
{
    unsigned form = rn(g, 4), size = form == 0 ? pick_size(g) : pick_vsize(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int mem = pct(g, 30);
    switch (form) {
    case 0:
        opc(&i, size == 1 ? 0xF6 : 0xF7);
        i.reg = 4 + rn(g, 2);
        pick_rm(g, &i, size, mem, 0);
        unk(g, VMP_RAX);
        if (size > 1)
            unk(g, VMP_RDX);
        break;
    case 1:
        opc(&i, 0x0F);
        opc(&i, 0xAF);
        pick_rm(g, &i, size, mem, 0);
        pick_reg(g, &i, size, 1);
        break;
    default:
        opc(&i, form == 2 ? 0x69 : 0x6B);
        pick_rm(g, &i, size, mem, 0);
        pick_reg(g, &i, size, 1);
        set_imm(&i, rval(g), form == 3 ? 1 : size == 2 ? 2 : 4);
        break;
    }
    ins_emit(g, &i);
    flags(g, ST_CF | ST_OF, ST_SF | ST_ZF | ST_AF | ST_PF);
}

/* Store imm at target with an absolute address (a setup for memory
 * operands whose value matters). */
void setup_store(struct gen *g, uint64_t target, uint64_t v, unsigned size)
{
    if (size == 2)
        put(g, 0x66);
    if (size == 8)
        put(g, 0x48);
    put(g, size == 1 ? 0xC6 : 0xC7);
    put(g, 0x04);
    put(g, 0x25);
    putn(g, target, 4);
    putn(g, v, size == 1 ? 1 : size == 2 ? 2 : 4);
}

static uint64_t sx(uint64_t v, unsigned bits)
{
    return bits >= 64 ? v : (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* DIV/IDIV with a dividend and divisor chosen so the quotient fits (a few
 * percent random: those may raise #DE, an end state both sides must
 * agree on). */
static void f_div(struct gen *g)
{
    unsigned size = pick_size(g), bits = size * 8, sgn = rn(g, 2);
    begin(g, size);
    g_low = 0;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t d, hi, lo;
    int random = pct(g, 2);
    for (;;) {
        d = rval(g) & mask;
        if (random) {
            hi = rval(g) & mask;
            lo = rval(g) & mask;
            break;
        }
        if (d == 0)
            continue;
        if (!sgn) {
            hi = rnd(g) % d;
            lo = rnd(g) & mask;
            break;
        }
        __int128 sd = (int64_t)sx(d, bits);
        __int128 q = (int64_t)sx(rnd(g) >> rn(g, 64), bits);
        __int128 lim = sd < 0 ? -sd : sd;
        __int128 r = (__int128)(rnd(g) % (uint64_t)lim);
        __int128 n = q * sd;
        if (n < 0 || (n == 0 && pct(g, 50)))
            r = -r;
        n += r;
        /* truncating division: the remainder takes the dividend's sign */
        if ((n < 0 && r > 0) || (n > 0 && r < 0))
            n -= r;
        lo = (uint64_t)n & mask;
        hi = (uint64_t)(n >> bits) & mask;
        if (bits == 64)
            hi = (uint64_t)(n >> 64);
        break;
    }
    /* dividend: AX, DX:AX, EDX:EAX or RDX:RAX; garbage above it */
    if (size == 1) {
        setup_mov(g, VMP_RAX, (rnd(g) & ~0xffffull) | (hi << 8) | lo);
    } else {
        setup_mov(g, VMP_RAX, (size == 8 ? 0 : rnd(g) & ~mask) | lo);
        setup_mov(g, VMP_RDX, (size == 8 ? 0 : rnd(g) & ~mask) | hi);
    }
    g_lock = 1u << VMP_RAX | 1u << VMP_RDX;
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, size == 1 ? 0xF6 : 0xF7);
    i.reg = 6 + sgn;
    i.modrm = 1;
    if (pct(g, 35) && (size < 8 || (int64_t)d == (int32_t)d)) {
        uint64_t t = data_target(g, size);
        setup_store(g, t, d, size);
        pick_mem_at(g, &i, t, 0);
    } else {
        unsigned r;
        do
            r = pick_r(g, 1);
        while (r == VMP_RAX || r == VMP_RDX);
        setup_mov(g, r, (size == 8 ? 0 : rnd(g) & ~mask) | d);
        i.rm = (int)r;
        if (size == 1 && r >= 4 && r < 8)
            i.rex_force = 1; /* SPL..DIL */
    }
    ins_emit(g, &i);
    unk(g, VMP_RAX);
    unk(g, VMP_RDX);
    flags(g, 0, ST_ALL);
    if (random) {
        /* does it fault? */
        int de;
        if (d == 0) {
            de = 1;
        } else if (!sgn) {
            de = hi >= d;
        } else {
            __int128 n = size == 8 ? (__int128)((unsigned __int128)hi << 64 | lo)
                                   : (__int128)(int64_t)sx(hi << bits | lo, 2 * bits);
            __int128 q = n / (__int128)(int64_t)sx(d, bits);
            __int128 lim = (__int128)1 << (bits - 1);
            de = q >= lim || q < -lim;
        }
        if (de)
            g->fault = 1;
    }
}

static void f_incdec(struct gen *g)
{
    unsigned size = pick_size(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, size == 1 ? 0xFE : 0xFF);
    i.reg = rn(g, 2);
    int mem = pct(g, 30);
    pick_rm(g, &i, size, mem, 1);
    if (mem && pct(g, 30))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    flags(g, ST_ALL & ~ST_CF, 0);
}

static void f_negnot(struct gen *g)
{
    unsigned size = pick_size(g), neg = rn(g, 2);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, size == 1 ? 0xF6 : 0xF7);
    i.reg = 2 + neg;
    int mem = pct(g, 30);
    pick_rm(g, &i, size, mem, 1);
    if (mem && pct(g, 30))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    if (neg)
        flags(g, ST_ALL, 0);
}

/* BT BTS BTR BTC: register and immediate bit offsets; a register offset
 * with a memory operand reaches outside it (SDM Vol. 2A "BT"). */
static void f_bt(struct gen *g)
{
    unsigned size = pick_vsize(g), op = rn(g, 4), immf = rn(g, 2);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    int mem = pct(g, 40);
    if (immf) {
        opc(&i, 0xBA);
        i.reg = 4 + op;
        pick_rm(g, &i, size, mem, op != 0);
        set_imm(&i, rnd(g) & 0xff, 1);
    } else {
        opc(&i, (uint8_t)(0xA3 + op * 8));
        i.modrm = 1;
        if (mem) {
            unsigned r = pick_r(g, 0);
            int64_t off = (int64_t)rn(g, 512) - 256;
            uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
            if (r != VMP_RSP) {
                setup_mov(g, r, (pct(g, 50) ? rnd(g) & ~m : 0) | ((uint64_t)off & m));
                g_lock |= 1u << r;
            } else {
                off = 0; /* RSP as the offset: keep it out; use an immediate */
                r = 0;
                setup_mov(g, r, 0);
                g_lock |= 1u << r;
            }
            i.reg = r;
            g_noa32 = 1;
            uint64_t t = G_DATA + 64 + rn(g, G_DATA_SIZE - 128 - size);
            pick_mem_at(g, &i, t, 0);
        } else {
            pick_rm(g, &i, size, 0, op != 0);
            pick_reg(g, &i, size, 0);
        }
    }
    if (mem && op && pct(g, 30))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    flags(g, ST_CF, ST_OF | ST_SF | ST_AF | ST_PF);
}

/* BSF BSR (ZF defined), TZCNT LZCNT (CF ZF defined), POPCNT (all). */
static void bitscan(struct gen *g, unsigned kind)
{
    unsigned size = pick_vsize(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    if (kind > 0)
        pfx(&i, 0xF3);
    opc(&i, 0x0F);
    unsigned hi = rn(g, 2);
    opc(&i, kind == 2 ? 0xB8 : (uint8_t)(0xBC + hi));
    int mem = pct(g, 30);
    if (!mem && pct(g, 25)) { /* a zero or one-bit source */
        unsigned r = pick_r(g, 1);
        setup_mov(g, r, rn(g, 2) ? 0 : 1ull << rn(g, size * 8));
        i.modrm = 1;
        i.rm = (int)r;
    } else {
        pick_rm(g, &i, size, mem, 0);
    }
    pick_reg(g, &i, size, 1);
    ins_emit(g, &i);
    if (kind == 0)
        flags(g, ST_ZF, ST_CF | ST_OF | ST_SF | ST_AF | ST_PF);
    else if (kind == 1)
        flags(g, ST_CF | ST_ZF, ST_OF | ST_SF | ST_AF | ST_PF);
    else
        flags(g, ST_ALL, 0);
}

static void f_bsf(struct gen *g) { bitscan(g, 0); }
static void f_lzcnt(struct gen *g) { bitscan(g, 1); }
static void f_popcnt(struct gen *g) { bitscan(g, 2); }

static void f_setcc(struct gen *g)
{
    unsigned cc = rn(g, 16);
    begin(g, 1);
    need(g, cc_reads(cc));
    struct ins i;
    ins_init(&i);
    opc(&i, 0x0F);
    opc(&i, (uint8_t)(0x90 + cc));
    pick_rm(g, &i, 1, pct(g, 30), 1);
    i.reg = rn(g, 8); /* ModRM.reg is ignored */
    ins_emit(g, &i);
}

static void f_cmov(struct gen *g)
{
    unsigned cc = rn(g, 16), size = pick_vsize(g);
    begin(g, size);
    need(g, cc_reads(cc));
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    opc(&i, (uint8_t)(0x40 + cc));
    pick_rm(g, &i, size, pct(g, 30), 0);
    pick_reg(g, &i, size, 1);
    ins_emit(g, &i);
}

static void f_movx(struct gen *g)
{
    unsigned form = rn(g, 5);
    struct ins i;
    ins_init(&i);
    if (form == 4) { /* MOVSXD r64, r/m32 or r32, r/m32 */
        unsigned size = rn(g, 2) ? 8 : 4;
        begin(g, size);
        opsize(&i, size);
        opc(&i, 0x63);
        pick_rm(g, &i, 4, pct(g, 30), 0);
        pick_reg(g, &i, size, 1);
    } else {
        unsigned src = form & 1 ? 2 : 1, size = pick_vsize(g);
        begin(g, src);
        opsize(&i, size);
        opc(&i, 0x0F);
        opc(&i, (uint8_t)((form & 2 ? 0xBE : 0xB6) + (src == 2)));
        pick_rm(g, &i, src, pct(g, 30), 0);
        pick_reg(g, &i, size, 1);
    }
    ins_emit(g, &i);
}

static void f_mov(struct gen *g)
{
    unsigned size = pick_size(g), form = rn(g, 5);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int mem = pct(g, 50);
    switch (form) {
    case 0: /* 88/89: r/m <- reg */
        opc(&i, size == 1 ? 0x88 : 0x89);
        pick_rm(g, &i, size, mem, 1);
        pick_reg(g, &i, size, 0);
        break;
    case 1: /* 8A/8B */
        opc(&i, size == 1 ? 0x8A : 0x8B);
        pick_rm(g, &i, size, mem, 0);
        pick_reg(g, &i, size, 1);
        break;
    case 2: /* C6/C7 */
        opc(&i, size == 1 ? 0xC6 : 0xC7);
        pick_rm(g, &i, size, mem, 1);
        set_imm(&i, rval(g), size == 1 ? 1 : size == 2 ? 2 : 4);
        break;
    case 3: /* B0+r / B8+r */
        if (size == 1) {
            unsigned c = pick_b(g, &i, 1);
            i.opreg = (int)breg_field(c);
            unk(g, breg_gpr(c));
        } else {
            i.opreg = (int)pick_r(g, 1);
            unk(g, (unsigned)i.opreg);
        }
        opc(&i, size == 1 ? 0xB0 : 0xB8);
        set_imm(&i, rval(g), size);
        break;
    default: { /* A0-A3: moffs, 64-bit (or 32-bit with 67h) */
        int store = rn(g, 2);
        opc(&i, (uint8_t)(0xA0 + 2 * store + (size > 1)));
        uint64_t t = data_target(g, size);
        if (pct(g, 15)) {
            pfx(&i, 0x67);
            set_imm(&i, t, 4);
        } else {
            set_imm(&i, t, 8);
        }
        if (!store)
            unk(g, VMP_RAX);
        break;
    }
    }
    ins_emit(g, &i);
}

static void f_xchg(struct gen *g)
{
    unsigned size = pick_size(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    if (size > 1 && pct(g, 30)) { /* 90+r: xchg rAX, r (90 alone is NOP) */
        opc(&i, 0x90);
        i.opreg = (int)pick_r(g, 1);
        unk(g, (unsigned)i.opreg);
        unk(g, VMP_RAX);
    } else {
        opc(&i, size == 1 ? 0x86 : 0x87);
        int mem = pct(g, 40);
        pick_rm(g, &i, size, mem, 1);
        pick_reg(g, &i, size, 1);
        if (mem && pct(g, 30))
            pfx(&i, 0xF0);
    }
    ins_emit(g, &i);
}

static void f_xadd(struct gen *g)
{
    unsigned size = pick_size(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    opc(&i, size == 1 ? 0xC0 : 0xC1);
    int mem = pct(g, 40);
    pick_rm(g, &i, size, mem, 1);
    pick_reg(g, &i, size, 1);
    if (mem && pct(g, 40))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    flags(g, ST_ALL, 0);
}

/* CMPXCHG: half the time the accumulator equals the destination. */
static void f_cmpxchg(struct gen *g)
{
    unsigned size = pick_size(g);
    begin(g, size);
    g_low = 0;
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    opc(&i, size == 1 ? 0xB0 : 0xB1);
    int mem = pct(g, 50), equal = pct(g, 50);
    uint64_t v = rval(g);
    if (mem)
        v = (uint64_t)(int64_t)(int32_t)v; /* what a store of imm32 leaves */
    if (equal)
        setup_mov(g, VMP_RAX, v);
    g_lock = 1u << VMP_RAX;
    if (mem) {
        uint64_t t = data_target(g, size);
        if (equal)
            setup_store(g, t, v, size);
        pick_mem_at(g, &i, t, 0);
        i.modrm = 1;
        if (pct(g, 40))
            pfx(&i, 0xF0);
    } else {
        unsigned r = pick_r(g, 1);
        if (equal && r != VMP_RAX)
            setup_mov(g, r, v);
        i.modrm = 1;
        i.rm = (int)r;
        if (size == 1 && r >= 4 && r < 8)
            i.rex_force = 1;
        unk(g, r);
    }
    pick_reg(g, &i, size, 0);
    ins_emit(g, &i);
    unk(g, VMP_RAX);
    flags(g, ST_ALL, 0);
}

static void f_bswap(struct gen *g)
{
    unsigned size = rn(g, 2) ? 8 : 4;
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    opc(&i, 0xC8);
    i.opreg = (int)pick_r(g, 1);
    unk(g, (unsigned)i.opreg);
    ins_emit(g, &i);
}

static void f_lea(struct gen *g)
{
    unsigned size = pick_vsize(g);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x8D);
    i.modrm = 1;
    pick_mem_at(g, &i, rnd(g), 1);
    pick_reg(g, &i, size, 1);
    ins_emit(g, &i);
}

/* Keep RSP inside the data area with room for the unit. */
static void stack_room(struct gen *g, unsigned room)
{
    uint64_t sp = g->val[VMP_RSP];
    if (sp < G_DATA + room || sp > G_DATA + G_DATA_SIZE - room)
        setup_mov(g, VMP_RSP, G_DATA + room + rn(g, G_DATA_SIZE - 2 * room));
}

static void f_push(struct gen *g)
{
    stack_room(g, 64);
    unsigned form = rn(g, 8), size = pct(g, 15) ? 2 : 8;
    begin(g, size);
    g_lock = 1u << VMP_RSP;
    struct ins i;
    ins_init(&i);
    if (size == 2)
        pfx(&i, 0x66);
    int push = 1;
    switch (form) {
    case 0: /* push r */
        opc(&i, 0x50);
        i.opreg = (int)pick_r(g, 0);
        break;
    case 1: /* push imm8 / imm */
        if (rn(g, 2)) {
            opc(&i, 0x6A);
            set_imm(&i, rnd(g), 1);
        } else {
            opc(&i, 0x68);
            set_imm(&i, rval(g), size == 2 ? 2 : 4);
        }
        break;
    case 2: /* push r/m */
        opc(&i, 0xFF);
        i.reg = 6;
        pick_rm(g, &i, size, pct(g, 60), 0);
        break;
    case 3: /* push fs / gs */
        opc(&i, 0x0F);
        opc(&i, rn(g, 2) ? 0xA0 : 0xA8);
        break;
    case 4:
    case 5: /* pop r */
        opc(&i, 0x58);
        i.opreg = (int)pick_r(g, 1);
        unk(g, (unsigned)i.opreg);
        push = 0;
        break;
    default: /* pop r/m (not RSP-based: it uses the incremented RSP) */
        opc(&i, 0x8F);
        i.reg = 0;
        g_lock |= 1u << VMP_RSP;
        if (pct(g, 60)) {
            i.modrm = 1;
            for (;;) {
                unsigned save = g->len;
                uint32_t kn = g->known;
                uint64_t val[VMP_NR_GPRS];
                memcpy(val, g->val, sizeof val);
                struct ins t = i;
                pick_mem(g, &t, size);
                if (t.m.base != VMP_RSP && t.m.index != VMP_RSP) {
                    i = t;
                    break;
                }
                g->len = save;
                g->known = kn;
                memcpy(g->val, val, sizeof val);
            }
        } else {
            pick_rm(g, &i, size, 0, 1);
        }
        push = 0;
        break;
    }
    ins_emit(g, &i);
    g->val[VMP_RSP] += push ? -(uint64_t)size : size;
}

static void f_lahf(struct gen *g)
{
    if (rn(g, 2)) {
        need(g, ST_ALL & ~ST_OF);
        put(g, 0x9F);
        unk(g, VMP_RAX);
    } else {
        put(g, 0x9E);
        flags(g, ST_ALL & ~ST_OF, 0);
    }
}

static void f_cbw(struct gen *g)
{
    unsigned size = pick_vsize(g), op = rn(g, 2);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, (uint8_t)(0x98 + op));
    ins_emit(g, &i);
    unk(g, op ? VMP_RDX : VMP_RAX);
}

static void f_flag(struct gen *g)
{
    static const uint8_t ops[5] = {0xF8, 0xF9, 0xF5, 0xFC, 0xFD};
    unsigned k = rn(g, 5);
    if (k == 2)
        need(g, ST_CF);
    put(g, ops[k]);
    if (k < 3)
        flags(g, ST_CF, 0);
    else
        g->df = k == 4;
}

/* The instruction a forward branch may skip: a simple family, no stack
 * or DF change (the generator would lose track of them). */
static void skippable(struct gen *g)
{
    static void (*const fs[])(struct gen *) = {f_alu, f_test, f_mov, f_incdec, f_negnot,
                                               f_mul, f_movx, f_bt, f_setcc, f_cmov};
    g->in_skip = 1;
    fs[rn(g, sizeof fs / sizeof fs[0])](g);
    g->in_skip = 0;
}

/* Branch over the unit emitted by body; known registers and undefined
 * flags merge both paths. pos is the rel8/rel32 to patch. */
static void branch_over(struct gen *g, unsigned pos, unsigned rsz)
{
    uint32_t known = g->known;
    uint64_t val[VMP_NR_GPRS];
    memcpy(val, g->val, sizeof val);
    unsigned undef = g->undef;
    unsigned start = g->len;
    skippable(g);
    unsigned n = g->len - start;
    if (rsz == 1) {
        if (n > 127)
            n = 127, g->overflow = 1; /* cannot happen: units are short */
        g->code[pos] = (uint8_t)n;
    } else {
        memcpy(g->code + pos, &n, 4);
    }
    for (unsigned r = 0; r < VMP_NR_GPRS; r++)
        if (g->val[r] != val[r])
            known &= ~(1u << r);
    g->known &= known;
    g->undef |= undef;
}

static void f_jcc(struct gen *g)
{
    unsigned cc = rn(g, 16), form = rn(g, 5);
    if (form == 4) { /* jmp short over bytes that never run */
        unsigned n = rn(g, 8);
        put(g, 0xEB);
        put(g, (uint8_t)n);
        for (unsigned k = 0; k < n; k++)
            put(g, (uint8_t)rnd(g));
        return;
    }
    need(g, cc_reads(cc));
    unsigned pos;
    if (form < 3) {
        put(g, (uint8_t)(0x70 + cc));
        pos = g->len;
        put(g, 0);
        branch_over(g, pos, 1);
    } else {
        put(g, 0x0F);
        put(g, (uint8_t)(0x80 + cc));
        pos = g->len;
        putn(g, 0, 4);
        branch_over(g, pos, 4);
    }
}

/* LOOP LOOPE LOOPNE JRCXZ forward (each runs once), RCX or ECX. */
static void f_loop(struct gen *g)
{
    unsigned op = rn(g, 4), a32 = pct(g, 25);
    if (op == 0 || op == 1)
        need(g, ST_ZF);
    if (pct(g, 40))
        setup_mov(g, VMP_RCX, rn(g, 3) | (pct(g, 50) ? rnd(g) << 32 : 0));
    if (a32)
        put(g, 0x67);
    put(g, (uint8_t)(0xE0 + op));
    unsigned pos = g->len;
    put(g, 0);
    unk(g, VMP_RCX);
    branch_over(g, pos, 1);
}

/* MOVS STOS LODS SCAS CMPS, with and without REP, inside the data area. */
static void f_string(struct gen *g)
{
    unsigned op = rn(g, 5), size = pick_size(g), rep = pct(g, 60), a32 = pct(g, 15);
    static const uint8_t base[5] = {0xA4, 0xAA, 0xAC, 0xAE, 0xA6};
    unsigned n = rep ? rn(g, 9) : 1;
    if (rep) /* with 67h only ECX counts */
        setup_mov(g, VMP_RCX, n | (a32 && pct(g, 50) ? rnd(g) << 32 : 0));
    uint64_t span = (uint64_t)n * size + size;
    uint64_t seg = 0;
    uint8_t sp = 0;
    unsigned so = a32 ? 9 : rn(g, 10); /* ESI wraps before the base adds */
    if (so == 0)
        sp = 0x64, seg = FS_BASE;
    else if (so == 1)
        sp = 0x65, seg = GS_BASE;
    else if (so == 2)
        sp = 0x2E;
    /* RSI (source) and RDI (destination) with room in the direction DF */
    uint64_t lo = G_DATA + span, hi = G_DATA + G_DATA_SIZE - span;
    uint64_t si = lo + rn(g, (unsigned)(hi - lo)), di = lo + rn(g, (unsigned)(hi - lo));
    uint64_t junk = a32 && pct(g, 50) ? rnd(g) << 32 : 0; /* ignored with 67h */
    if (op != 1 && op != 3) /* uses RSI */
        setup_mov(g, VMP_RSI, (si - seg) | junk);
    if (op != 2) /* uses RDI */
        setup_mov(g, VMP_RDI, di | junk);
    if (sp && op != 1 && op != 3)
        put(g, sp);
    if (a32)
        put(g, 0x67);
    if (rep)
        put(g, (op == 3 || op == 4) && rn(g, 2) ? 0xF2 : 0xF3);
    if (size == 2)
        put(g, 0x66);
    if (size == 8)
        put(g, 0x48);
    put(g, (uint8_t)(base[op] + (size > 1)));
    unk(g, VMP_RSI);
    unk(g, VMP_RDI);
    unk(g, VMP_RCX);
    if (op == 2)
        unk(g, VMP_RAX);
    if (op >= 3) {
        if (rep && n == 0)
            return; /* no iteration: flags unchanged */
        flags(g, ST_ALL, 0);
    }
}

static void f_pushf(struct gen *g)
{
    stack_room(g, 64);
    need(g, ST_ALL);
    unsigned size = pct(g, 20) ? 2 : 8;
    if (size == 2)
        put(g, 0x66);
    put(g, 0x9C);
    g->val[VMP_RSP] -= size;
}

/* push imm; popf: status flags, DF and reserved/ignored bits from the
 * immediate (never TF, NT or AC: a trap, IRET semantics, #AC). */
static void f_popf(struct gen *g)
{
    stack_room(g, 64);
    unsigned size = pct(g, 20) ? 2 : 8;
    uint32_t v = (uint32_t)rnd(g);
    v &= ~(uint32_t)(VMP_FLAG_TF | VMP_FLAG_NT | VMP_FLAG_AC);
    if (pct(g, 60))
        v &= 0xFFFF;
    v |= 2;
    if (size == 2) {
        put(g, 0x66);
        put(g, 0x68);
        putn(g, v, 2);
        put(g, 0x66);
        put(g, 0x9D);
    } else {
        put(g, 0x68);
        putn(g, v, 4);
        put(g, 0x9D);
    }
    g->df = (v >> 10) & 1;
    flags(g, ST_ALL, 0);
}

static void f_cmpxchg8b(struct gen *g)
{
    unsigned wide = rn(g, 2);
    begin(g, 8);
    g_lock = 0xF; /* RAX RCX RDX RBX are operands */
    if (pct(g, 40)) {
        setup_mov(g, VMP_RAX, rval(g));
        setup_mov(g, VMP_RDX, rval(g));
    }
    struct ins i;
    ins_init(&i);
    i.w = wide;
    opc(&i, 0x0F);
    opc(&i, 0xC7);
    i.reg = 1;
    i.modrm = 1;
    uint64_t t = data_target(g, wide ? 16 : 8);
    t &= wide ? ~15ull : ~0ull; /* CMPXCHG16B needs 16-byte alignment (#GP) */
    if (wide && pct(g, 2)) {
        t |= 8;
        g->fault = 1;
    }
    if (!g->fault && pct(g, 40)) { /* memory equal to RDX:RAX: the store case */
        uint64_t lo = (uint64_t)(int64_t)(int32_t)rnd(g), hi = (uint64_t)(int64_t)(int32_t)rnd(g);
        if (wide) {
            setup_store(g, t, lo, 8);
            setup_store(g, t + 8, hi, 8);
            setup_mov(g, VMP_RAX, lo);
            setup_mov(g, VMP_RDX, hi);
        } else {
            setup_store(g, t, lo, 8);
            setup_mov(g, VMP_RAX, (rnd(g) << 32) | (uint32_t)lo);
            setup_mov(g, VMP_RDX, (rnd(g) << 32) | (lo >> 32));
        }
    }
    pick_mem_at(g, &i, t, 0);
    if (pct(g, 40))
        pfx(&i, 0xF0);
    ins_emit(g, &i);
    unk(g, VMP_RAX);
    unk(g, VMP_RDX);
    flags(g, ST_ZF, 0);
}

static void f_movbe(struct gen *g)
{
    unsigned size = pick_vsize(g), store = rn(g, 2);
    begin(g, size);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    opc(&i, 0x0F);
    opc(&i, 0x38);
    opc(&i, (uint8_t)(0xF0 + store));
    pick_rm(g, &i, size, 1, 0);
    pick_reg(g, &i, size, !store);
    ins_emit(g, &i);
}

static void f_adx(struct gen *g)
{
    unsigned size = rn(g, 2) ? 8 : 4, ox = rn(g, 2);
    begin(g, size);
    need(g, ox ? ST_OF : ST_CF);
    struct ins i;
    ins_init(&i);
    pfx(&i, ox ? 0xF3 : 0x66);
    i.w = size == 8;
    opc(&i, 0x0F);
    opc(&i, 0x38);
    opc(&i, 0xF6);
    pick_rm(g, &i, size, pct(g, 30), 0);
    pick_reg(g, &i, size, 1);
    ins_emit(g, &i);
    flags(g, ox ? ST_OF : ST_CF, 0);
}

/* CALL rel32 over junk, CALL/JMP through a register to the next
 * instruction, RET and RET imm16 to a pushed address. */
static void f_call(struct gen *g)
{
    stack_room(g, 96);
    unsigned form = rn(g, 6);
    if (form >= 4) { /* call/jmp qword [mem] holding the next address */
        begin(g, 8);
        uint64_t t = data_target(g, 8);
        setup_store(g, t, 0, 8);
        unsigned pos = g->len - 4;
        struct ins i;
        ins_init(&i);
        opc(&i, 0xFF);
        i.reg = form == 4 ? 2 : 4;
        i.modrm = 1;
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        uint32_t next = (uint32_t)(g->base + g->len);
        memcpy(g->code + pos, &next, 4);
        if (form == 4)
            g->val[VMP_RSP] -= 8;
        return;
    }
    if (form == 0) {
        unsigned n = rn(g, 6);
        put(g, 0xE8);
        putn(g, n, 4);
        for (unsigned k = 0; k < n; k++)
            put(g, (uint8_t)rnd(g));
        g->val[VMP_RSP] -= 8;
        return;
    }
    unsigned r = pick_r(g, 1);
    /* lea r, [rip + d] where d reaches past the branch: push r (1) and
     * ret imm16 (3), or call/jmp r (2), plus REX.B for r8..r15 */
    uint32_t d = (r >= 8) + (form == 3 ? 4 : 2);
    put(g, (uint8_t)(0x48 | (r >> 3) << 2));
    put(g, 0x8D);
    put(g, (uint8_t)(0x05 | (r & 7) << 3));
    putn(g, d, 4);
    g->val[r] = g->base + g->len + d;
    g->known |= 1u << r;
    if (r >= 8)
        put(g, 0x41);
    if (form == 3) { /* push r; ret imm16 */
        put(g, (uint8_t)(0x50 + (r & 7)));
        unsigned imm = rn(g, 5) * 8;
        put(g, 0xC2);
        putn(g, imm, 2);
        g->val[VMP_RSP] += imm;
    } else { /* call r / jmp r */
        put(g, 0xFF);
        put(g, (uint8_t)((form == 1 ? 0xD0 : 0xE0) | (r & 7)));
        if (form == 1)
            g->val[VMP_RSP] -= 8;
    }
}

static void f_xlat(struct gen *g)
{
    setup_mov(g, VMP_RBX, G_DATA + rn(g, G_DATA_SIZE - 256));
    put(g, 0xD7);
    unk(g, VMP_RAX);
}

static void f_nop(struct gen *g)
{
    unsigned form = rn(g, 3);
    if (form == 0) {
        put(g, 0x90);
    } else if (form == 1) {
        put(g, 0xF3); /* PAUSE */
        put(g, 0x90);
    } else {
        begin(g, 4);
        struct ins i;
        ins_init(&i);
        opsize(&i, pick_vsize(g));
        opc(&i, 0x0F);
        opc(&i, 0x1F);
        i.modrm = 1;
        pick_mem_at(g, &i, rnd(g), 1);
        ins_emit(g, &i);
    }
}

static void f_enter(struct gen *g)
{
    stack_room(g, 200);
    unsigned n = rn(g, 64), lvl = rn(g, 4);
    if (lvl) /* levels > 1 copy frame pointers from [RBP - 8], [RBP - 16].. */
        setup_mov(g, VMP_RBP, G_DATA + 64 + rn(g, G_DATA_SIZE - 128));
    put(g, 0xC8);
    putn(g, n, 2);
    put(g, (uint8_t)lvl);
    put(g, 0xC9); /* leave: RSP = RBP, pop RBP; both as before the pair */
}

/* Redundant prefixes on an ALU instruction: repeated 66h, ignored
 * segment overrides, a REX that a legacy prefix separates from the opcode
 * (SDM Vol. 2A §2.2.1: ignored); sometimes more than 15 bytes (#GP(0)). */
static void f_prefixes(struct gen *g)
{
    unsigned op = rn(g, 8), size = pick_vsize(g);
    begin(g, size);
    if (op == 2 || op == 3)
        need(g, ST_CF);
    struct ins i;
    ins_init(&i);
    opsize(&i, size);
    int mem = pct(g, 40);
    opc(&i, (uint8_t)(op * 8 + 1));
    pick_rm(g, &i, size, mem, op != 7);
    pick_reg(g, &i, size, 0);
    unsigned extra = rn(g, 5), many = pct(g, 5);
    if (many)
        extra = 9 + rn(g, 4);
    static const uint8_t ign[4] = {0x26, 0x2E, 0x36, 0x3E};
    for (unsigned k = 0; k < extra && i.npfx < 15; k++)
        pfx(&i, size == 2 && rn(g, 2) ? 0x66 : ign[rn(g, 4)]);
    if (i.npfx && pct(g, 40))
        i.stray_rex = (uint8_t)(0x40 + rn(g, 16));
    unsigned start = g->len;
    ins_emit(g, &i);
    if (g->len - start > 15) {
        g->fault = 1; /* #GP(0): longer than 15 bytes */
        return;
    }
    if (op == 1 || op == 4 || op == 6)
        flags(g, ST_ALL & ~ST_AF, ST_AF);
    else
        flags(g, ST_ALL, 0);
}

/* ---- faults: an end state both sides must agree on --------------------- */

static void f_fault(struct gen *g)
{
    unsigned k = rn(g, 15);
    begin(g, 8);
    struct ins i;
    ins_init(&i);
    switch (k) {
    case 0: /* ud2: #UD */
        put(g, 0x0F), put(g, 0x0B);
        break;
    case 1: /* write to the read-only page: #PF(P|W|U) */
        opc(&i, 0x89);
        pick_reg(g, &i, 8, 0);
        pick_mem_at(g, &i, G_RO + rn(g, 4000), 0);
        ins_emit(g, &i);
        break;
    case 2: /* read a not-present page: #PF(U) */
        opc(&i, 0x8B);
        pick_reg(g, &i, 4, 1);
        pick_mem_at(g, &i, G_NOTPRESENT + rn(g, 4000), 0);
        ins_emit(g, &i);
        break;
    case 3: /* non-canonical address: #GP(0) */
        setup_mov(g, VMP_RBX, 0x0000800000000000ull + rn(g, 1 << 20));
        put(g, 0x48), put(g, 0x8B), put(g, 0x03); /* mov rax, [rbx] */
        break;
    case 4: /* privileged: hlt, cli: #GP(0) */
        put(g, rn(g, 2) ? 0xF4 : 0xFA);
        break;
    case 5: /* (INT3 and INT n through a DPL-0 gate raise #GP(vector*8+2) on
             * a CPU, but PVM delivers them itself (#BP, #UD): not an
             * oracle for them) into ignores 64-bit mode... : #UD */
        put(g, 0xCE);
        break;
    case 6: /* LOCK on a register operand: #UD */
        put(g, 0xF0), put(g, 0x01), put(g, 0xC0 | rn(g, 64));
        break;
    case 7: /* a non-canonical stack: #SS(0) */
        setup_mov(g, VMP_RSP, 0x0000800000000000ull + 64);
        put(g, 0x50 + rn(g, 8));
        break;
    case 9: { /* opcodes invalid in 64-bit mode: #UD */
        static const uint8_t inv[] = {0x06, 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F, 0x27,
                                      0x2F, 0x37, 0x3F, 0x60, 0x61, 0xD6, 0x82};
        uint8_t b = inv[rn(g, sizeof inv)];
        put(g, b);
        if (b == 0x82) /* group 1 with ModRM and imm8 */
            put(g, (uint8_t)(0xC0 | rn(g, 64))), put(g, (uint8_t)rnd(g));
        break;
    }
    case 10: /* LOCK on an instruction that cannot take it: #UD */
        setup_mov(g, VMP_RBX, G_DATA + rn(g, G_DATA_SIZE - 8));
        put(g, 0xF0);
        if (rn(g, 2))
            put(g, 0x89), put(g, (uint8_t)(0x03 | rn(g, 8) << 3)); /* mov [rbx], r */
        else
            put(g, 0x39), put(g, (uint8_t)(0x03 | rn(g, 8) << 3)); /* cmp [rbx], r */
        break;
    case 11: { /* a write straddling the data area's end and the read-only
                * page: #PF, and neither part may be written */
        unsigned size = 2u << rn(g, 3);
        opsize(&i, size);
        opc(&i, 0x89);
        pick_reg(g, &i, size, 0);
        pick_mem_at(g, &i, G_RO - 1 - rn(g, size - 1), 0);
        ins_emit(g, &i);
        break;
    }
    case 12: { /* a read straddling the read-only and not-present pages */
        unsigned size = 2u << rn(g, 3);
        opsize(&i, size);
        opc(&i, 0x8B);
        pick_reg(g, &i, size, 1);
        pick_mem_at(g, &i, G_NOTPRESENT - 1 - rn(g, size - 1), 0);
        ins_emit(g, &i);
        break;
    }
    case 13: { /* REP STOS/MOVS running into the read-only page: the
                * iterations before the fault are committed, RCX/RDI/RSI
                * count them (SDM Vol. 2B "REP": resumable) */
        unsigned size = 1u << rn(g, 4), n = 2 + rn(g, 12), movs = rn(g, 2);
        put(g, 0xFC); /* cld */
        setup_mov(g, VMP_RCX, n);
        setup_mov(g, VMP_RDI, G_RO - size * rn(g, n) - rn(g, size));
        if (movs)
            setup_mov(g, VMP_RSI, G_DATA + rn(g, 0x800));
        put(g, 0xF3);
        if (size == 2)
            put(g, 0x66);
        if (size == 8)
            put(g, 0x48);
        put(g, (uint8_t)((movs ? 0xA4 : 0xAA) + (size > 1)));
        break;
    }
    case 14: /* POPF sets TF: #DB (a trap) after the instruction that
              * follows (SDM Vol. 3A §18.3.1.4) */
        stack_room(g, 64);
        put(g, 0x68);
        putn(g, 0x302 | (rnd(g) & ST_ALL), 4);
        put(g, 0x9D);
        g->undef = 0;
        skippable(g);
        break;
    default: /* in from a port: #GP(0) (IOPL 0, no I/O bitmap) */
        put(g, 0xE4), put(g, (uint8_t)rnd(g));
        break;
    }
    g->fault = 1;
}

/* ---- the family table -------------------------------------------------- */

struct gen_family gen_families[] = {
    {"alu", 12, f_alu, NULL, 0, 1, 0},
    {"test", 3, f_test, NULL, 0, 1, 0},
    {"shift", 5, f_shift, NULL, 0, 1, 0},
    {"rotate", 3, f_rot, NULL, 0, 1, 0},
    {"rcl_rcr", 3, f_rcx, NULL, 0, 1, 0},
    {"shld_shrd", 3, f_shld, NULL, 0, 1, 0},
    {"mul_imul", 4, f_mul, NULL, 0, 1, 0},
    {"div_idiv", 4, f_div, NULL, 0, 1, 0},
    {"inc_dec", 3, f_incdec, NULL, 0, 1, 0},
    {"neg_not", 2, f_negnot, NULL, 0, 1, 0},
    {"bt", 4, f_bt, NULL, 0, 1, 0},
    {"bsf_bsr", 2, f_bsf, NULL, 0, 1, 0},
    {"lzcnt_tzcnt", 2, f_lzcnt, "abm+bmi1", 0, 1, 0},
    {"popcnt", 1, f_popcnt, "popcnt", 0, 1, 0},
    {"setcc", 3, f_setcc, NULL, 0, 1, 0},
    {"cmovcc", 3, f_cmov, NULL, 0, 1, 0},
    {"movzx_movsx", 3, f_movx, NULL, 0, 1, 0},
    {"mov", 4, f_mov, NULL, 0, 1, 0},
    {"xchg", 3, f_xchg, NULL, 0, 1, 0},
    {"xadd", 2, f_xadd, NULL, 0, 1, 0},
    {"cmpxchg", 3, f_cmpxchg, NULL, 0, 1, 0},
    {"bswap", 1, f_bswap, NULL, 0, 1, 0},
    {"lea", 3, f_lea, NULL, 0, 1, 0},
    {"push_pop", 4, f_push, NULL, 0, 1, 0},
    {"lahf_sahf", 2, f_lahf, NULL, 0, 1, 0},
    {"cbw_cwd", 2, f_cbw, NULL, 0, 1, 0},
    {"flag_ops", 2, f_flag, NULL, 0, 1, 0},
    {"jcc_jmp", 4, f_jcc, NULL, 0, 1, 0},
    {"loop_jrcxz", 2, f_loop, NULL, 0, 1, 0},
    {"string", 5, f_string, NULL, 0, 1, 0},
    {"pushf", 2, f_pushf, NULL, 0, 1, 0},
    {"popf", 2, f_popf, NULL, 0, 1, 0},
    {"cmpxchg8b_16b", 1, f_cmpxchg8b, "cx16", 0, 1, 0},
    {"movbe", 1, f_movbe, "movbe", 0, 1, 0},
    {"adcx_adox", 1, f_adx, "adx", 0, 1, 0},
    {"call_ret", 2, f_call, NULL, 0, 1, 0},
    {"xlat", 1, f_xlat, NULL, 0, 1, 0},
    {"nop", 1, f_nop, NULL, 0, 1, 0},
    {"enter_leave", 1, f_enter, NULL, 0, 1, 0},
    {"prefixes", 2, f_prefixes, NULL, 0, 1, 0},
    /* x87, MMX, SSE/SSE2 (gen_fp.c) */
    {"mmx", 4, f_mmx, "sse2", 0, 1, 1},
    {"sse_mov", 4, f_sse_mov, "sse2", 0, 1, 1},
    {"sse_int", 4, f_sse_int, "sse2", 0, 1, 1},
    {"sse_ps", 3, f_sse_ps, "sse2", 0, 1, 1},
    {"sse2_pd", 3, f_sse2_pd, "sse2", 0, 1, 1},
    {"sse_cvt", 3, f_sse_cvt, "sse2", 0, 1, 1},
    {"sse_cmp", 2, f_sse_cmp, "sse2", 0, 1, 1},
    {"sse_rcp", 1, f_sse_rcp, "sse2", 0, 1, 1},
    {"x87_load", 3, f_x87_load, NULL, 0, 1, 0},
    {"x87_store", 3, f_x87_store, NULL, 0, 1, 0},
    {"x87_arith", 4, f_x87_arith, NULL, 0, 1, 0},
    {"x87_cmp", 3, f_x87_cmp, NULL, 0, 1, 0},
    {"x87_ctrl", 3, f_x87_ctrl, NULL, 0, 1, 0},
    {"x87_transc", 1, f_x87_transc, NULL, 0, 1, 0},
    {"x87_bcd", 1, f_x87_bcd, NULL, 0, 1, 0},
    {"x87_fisttp", 1, f_x87_fisttp, "sse3", 0, 1, 0},
    {"fxstate", 2, f_fxstate, NULL, 0, 1, 1},
    {"fault", 0, f_fault, NULL, 0, 1, 0}, /* drawn separately, rarely */
};
const unsigned gen_nfamilies = sizeof gen_families / sizeof gen_families[0];

static int has_feature(const char *f)
{
    unsigned a, b, c, d;
    if (!strcmp(f, "abm+bmi1")) {
        unsigned ok = __get_cpuid(0x80000001, &a, &b, &c, &d) && (c >> 5 & 1);
        return ok && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 3 & 1);
    }
    if (!strcmp(f, "adx"))
        return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 19 & 1);
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (!strcmp(f, "popcnt"))
        return c >> 23 & 1;
    if (!strcmp(f, "movbe"))
        return c >> 22 & 1;
    if (!strcmp(f, "cx16"))
        return c >> 13 & 1;
    if (!strcmp(f, "sse2"))
        return d >> 26 & 1;
    if (!strcmp(f, "sse3"))
        return c & 1;
    return 0;
}

void gen_init_families(int use_skip_list)
{
    for (unsigned f = 0; f < gen_nfamilies; f++) {
        struct gen_family *fa = &gen_families[f];
        fa->available = !fa->feature || has_feature(fa->feature);
        fa->skip = 0;
        for (unsigned k = 0; use_skip_list && gen_skip_list[k]; k++)
            if (!strcmp(gen_skip_list[k], fa->name))
                fa->skip = 1;
    }
}

int gen_select_families(const char *list)
{
    if (!list)
        return 0;
    for (unsigned f = 0; f < gen_nfamilies; f++)
        if (gen_families[f].weight)
            gen_families[f].weight = 0x80000000u | gen_families[f].weight;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        unsigned f;
        for (f = 0; f < gen_nfamilies; f++)
            if (!strcmp(gen_families[f].name, t))
                break;
        if (f == gen_nfamilies)
            return -1;
        gen_families[f].weight &= 0x7FFFFFFFu;
        if (!gen_families[f].weight)
            gen_families[f].weight = 1;
    }
    for (unsigned f = 0; f < gen_nfamilies; f++)
        if (gen_families[f].weight & 0x80000000u)
            gen_families[f].weight = 0;
    return 0;
}

static int usable(const struct gen_family *f) { return f->weight && !f->skip && f->available; }

unsigned gen_fault_permille = 10;

/* ---- a stream ------------------------------------------------------------ */

void gen_stream(struct gen *g, uint64_t seed, uint64_t idx)
{
    memset(g, 0, offsetof(struct gen, gpr0));
    g->rng = seed ^ (idx * 0xD1B54A32D192ED03ull);
    rnd(g);
    /* initial registers: values, and pointers into the data area */
    for (unsigned r = 0; r < VMP_NR_GPRS; r++) {
        uint64_t v = pct(g, 35) ? G_DATA + rn(g, G_DATA_SIZE) : rval(g);
        g->gpr0[r] = g->val[r] = v;
    }
    g->gpr0[VMP_RSP] = g->val[VMP_RSP] = G_DATA + 0x400 + rn(g, G_DATA_SIZE - 0x800);
    g->known = 0xFFFF;
    g->df = pct(g, 20);
    /* where the stream starts: sometimes just below a page boundary, so
     * instructions straddle two code pages */
    g->base = G_CODE + (pct(g, 20) ? 0x1000 - 1 - rn(g, 64) : rn(g, 0x800));
    g->rflags0 = 0x202 | (rnd(g) & ST_ALL) | (uint64_t)g->df << 10;
    for (unsigned k = 0; k < G_DATA_SIZE; k += 8) {
        uint64_t v = pct(g, 10) ? 0 : pct(g, 10) ? rval(g) : rnd(g);
        memcpy(g->data0 + k, &v, 8);
    }
    gen_fp_seed(g, seed, idx);
    unsigned total = 0;
    for (unsigned f = 0; f + 1 < gen_nfamilies; f++)
        if (usable(&gen_families[f]))
            total += gen_families[f].weight;
    unsigned n = total ? 1 + rn(g, 24) : 0;
    const struct gen_family *ff = &gen_families[gen_nfamilies - 1];
    int want_fault = !ff->skip && ff->available && rn(g, 1000) < gen_fault_permille;
    for (unsigned u = 0; u < n + (unsigned)want_fault && !g->fault; u++) {
        unsigned fam;
        if (u == n) {
            fam = gen_nfamilies - 1;
        } else {
            unsigned pick = rn(g, total);
            for (fam = 0; fam + 1 < gen_nfamilies; fam++) {
                if (!usable(&gen_families[fam]))
                    continue;
                if (pick < gen_families[fam].weight)
                    break;
                pick -= gen_families[fam].weight;
            }
        }
        g->cur_family = fam;
        unsigned before = g->undef;
        gen_families[fam].emit(g);
        if (g->fault) /* the faulting instruction changes no flag */
            g->undef |= before;
        if (g->overflow)
            break;
        g->unit_end[g->nunits] = g->len;
        g->unit_undef[g->nunits] = g->undef;
        g->unit_family[g->nunits] = (uint8_t)fam;
        g->nunits++;
    }
}
