/* Descriptors, segment register loads, far transfers through code
 * segments and call gates, RETF, IRET, and event delivery through the IVT
 * and the IDT (SDM Vol. 3 chapters 3, 5 and 6; Vol. 2 MOV, POP, LDS, JMP,
 * CALL, RET, IRET, INT n). Task switches are not implemented: a task gate,
 * a TSS target or IRET with NT=1 returns VMP_X86_UNHANDLED. */
#include "x86_internal.h"

void x86_desc_to_seg(const struct x86_desc *d, uint16_t sel, struct vmp_segment *s)
{
    uint32_t lo = d->lo, hi = d->hi;
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
    s->type = (hi >> 8) & 15;
    s->s = (hi >> 12) & 1;
    s->dpl = (hi >> 13) & 3;
    s->present = (hi >> 15) & 1;
    s->avl = (hi >> 20) & 1;
    s->l = (hi >> 21) & 1;
    s->db = (hi >> 22) & 1;
    s->g = (hi >> 23) & 1;
    s->limit = s->g ? (limit << 12) | 0xfff : limit;
    if (!s->s)
        s->base |= (uint64_t)d->hi2 << 32;
}

static int fault_sel(struct x86_ctx *c, unsigned vec, uint16_t sel)
{
    return x86_raise(c, vec, 1, sel & 0xfffc);
}

static uint64_t lin(const struct x86_ctx *c, uint64_t a)
{
    return (c->cpu->efer & VMP_EFER_LMA) ? a : (a & 0xffffffffull);
}

/* Read the descriptor for sel from the GDT or LDT; vec is the exception
 * for a selector outside the table (#GP or #TS). wide = 16-byte system
 * descriptor (long mode). */
int x86_read_desc(struct x86_ctx *c, uint16_t sel, struct x86_desc *d,
                  unsigned vec, bool wide)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    uint64_t base;
    uint32_t limit;
    if (sel & 4) {
        if (cpu->ldt.unusable || !cpu->ldt.present)
            return fault_sel(c, vec, sel);
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    } else {
        base = cpu->gdt.base;
        limit = cpu->gdt.limit;
    }
    uint32_t idx = sel & ~7u;
    if ((uint64_t)idx + (wide ? 15 : 7) > limit)
        return fault_sel(c, vec, sel);
    uint32_t buf[4] = { 0, 0, 0, 0 };
    TRY(x86_read_lin(c, lin(c, base + idx), buf, wide ? 16 : 8,
                     VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
    d->lo = buf[0];
    d->hi = buf[1];
    d->hi2 = wide ? buf[2] : 0;
    if (wide && ((buf[3] >> 8) & 0x1f))
        return fault_sel(c, vec, sel); /* upper type field must be 0 */
    return 0;
}

/* Set the accessed bit of a code/data descriptor (SDM Vol. 3 §3.4.5.1). */
static int set_accessed(struct x86_ctx *c, uint16_t sel, struct x86_desc *d)
{
    if (d->hi & 0x100)
        return 0;
    const struct vmp_x86_cpu *cpu = c->cpu;
    uint64_t base = (sel & 4) ? cpu->ldt.base : cpu->gdt.base;
    uint32_t hi = d->hi | 0x100;
    d->hi = hi;
    return x86_write_lin(c, lin(c, base + (sel & ~7u) + 4), &hi, 4,
                         VMP_X86_ACC_WRITE | VMP_X86_ACC_SYSTEM);
}

void x86_real_seg(struct vmp_segment *s, uint16_t sel, bool vm86)
{
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
    s->unusable = 0;
    s->present = 1;
    if (vm86) {
        s->limit = 0xffff;
        s->type = 3;
        s->s = 1;
        s->dpl = 3;
        s->db = s->l = s->g = 0;
    }
}

static void null_seg(struct vmp_segment *s, uint16_t sel)
{
    uint8_t dpl = s->dpl;
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->unusable = 1;
    s->dpl = dpl;
}

/* MOV/POP/LxS to a data or stack segment register (SDM Vol. 2 MOV). */
int x86_load_seg(struct x86_ctx *c, unsigned seg, uint16_t sel)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (x86_real(cpu) || x86_vm86(cpu)) {
        x86_real_seg(&cpu->seg[seg], sel, x86_vm86(cpu));
        return 0;
    }
    unsigned cpl = vmp_x86_cpl(cpu), rpl = sel & 3;
    struct x86_desc d;
    struct vmp_segment s;
    if ((sel & ~3u) == 0) {
        if (seg == VMP_SS && !(c->mode == 64 && cpl < 3 && rpl == cpl))
            return x86_gp(c, 0);
        null_seg(&cpu->seg[seg], sel);
        if (seg == VMP_SS)
            cpu->seg[seg].dpl = (uint8_t)cpl;
        return 0;
    }
    TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, false));
    x86_desc_to_seg(&d, sel, &s);
    if (seg == VMP_SS) {
        if (rpl != cpl || s.dpl != cpl || !s.s || (s.type & 8) || !(s.type & 2))
            return fault_sel(c, VMP_X86_GP, sel);
        if (!s.present)
            return fault_sel(c, VMP_X86_SS, sel);
    } else {
        if (!s.s || ((s.type & 8) && !(s.type & 2)))
            return fault_sel(c, VMP_X86_GP, sel);
        bool conforming_code = (s.type & 8) && (s.type & 4);
        if (!conforming_code && (s.dpl < cpl || s.dpl < rpl))
            return fault_sel(c, VMP_X86_GP, sel);
        if (!s.present)
            return fault_sel(c, VMP_X86_NP, sel);
    }
    TRY(set_accessed(c, sel, &d));
    s.type |= 1;
    if (c->mode == 64 && (seg == VMP_FS || seg == VMP_GS))
        s.base &= 0xffffffff;
    cpu->seg[seg] = s;
    return 0;
}

/* ---- TSS stacks --------------------------------------------------------- */

static int tss_read(struct x86_ctx *c, uint32_t off, void *buf, unsigned n)
{
    const struct vmp_segment *tr = &c->cpu->tr;
    if (tr->unusable || !tr->present || (uint64_t)off + n - 1 > tr->limit)
        return fault_sel(c, VMP_X86_TS, tr->selector);
    return x86_read_lin(c, lin(c, tr->base + off), buf, n,
                        VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM);
}

/* Inner-level SS:ESP from a 16/32-bit TSS, validated (SDM Vol. 3 §6.12.1). */
static int legacy_inner_stack(struct x86_ctx *c, unsigned dpl, uint16_t *ss_sel,
                              uint32_t *esp, struct vmp_segment *ss)
{
    const struct vmp_segment *tr = &c->cpu->tr;
    uint16_t sel;
    if (tr->type == 1 || tr->type == 3) { /* 16-bit TSS */
        uint16_t sp;
        TRY(tss_read(c, 2 + dpl * 4, &sp, 2));
        TRY(tss_read(c, 4 + dpl * 4, &sel, 2));
        *esp = sp;
    } else {
        TRY(tss_read(c, 4 + dpl * 8, esp, 4));
        TRY(tss_read(c, 8 + dpl * 8, &sel, 2));
    }
    struct x86_desc d;
    if ((sel & ~3u) == 0)
        return x86_raise(c, VMP_X86_TS, 1, 0);
    TRY(x86_read_desc(c, sel, &d, VMP_X86_TS, false));
    x86_desc_to_seg(&d, sel, ss);
    if ((sel & 3) != dpl || ss->dpl != dpl || !ss->s || (ss->type & 8) ||
        !(ss->type & 2))
        return fault_sel(c, VMP_X86_TS, sel);
    if (!ss->present)
        return fault_sel(c, VMP_X86_SS, sel);
    TRY(set_accessed(c, sel, &d));
    ss->type |= 1;
    *ss_sel = sel;
    return 0;
}

/* ---- far transfers ------------------------------------------------------ */

static bool code_is_64(const struct x86_ctx *c, const struct vmp_segment *cs)
{
    return (c->cpu->efer & VMP_EFER_LMA) && cs->l;
}

/* Set CS:RIP; checks the target against the new CS limit (or canonical in
 * 64-bit code). */
static int set_cs_rip(struct x86_ctx *c, const struct vmp_segment *cs, uint64_t rip,
                      unsigned opsize)
{
    if (code_is_64(c, cs)) {
        unsigned bits = (c->cpu->cr4 & VMP_CR4_LA57) ? 57 : 48;
        int64_t s = (int64_t)(rip << (64 - bits)) >> (64 - bits);
        if ((uint64_t)s != rip)
            return x86_gp(c, 0);
    } else {
        rip &= x86_mask(opsize < 4 ? opsize : 4);
        if (rip > cs->limit)
            return x86_gp(c, 0);
    }
    c->cpu->seg[VMP_CS] = *cs;
    c->cpu->rip = rip;
    c->mode = x86_cpu_mode(c->cpu);
    return 0;
}

static void set_cpl(struct vmp_x86_cpu *cpu, unsigned cpl)
{
    cpu->seg[VMP_SS].dpl = (uint8_t)cpl;
}

/* After a return to an outer level, data segments the new CPL may not use
 * become null (SDM Vol. 2 RET, IRET). */
static void null_inaccessible(struct vmp_x86_cpu *cpu, unsigned cpl)
{
    static const unsigned segs[4] = { VMP_ES, VMP_DS, VMP_FS, VMP_GS };
    for (unsigned i = 0; i < 4; i++) {
        struct vmp_segment *s = &cpu->seg[segs[i]];
        if (s->unusable)
            continue;
        bool conforming_code = (s->type & 8) && (s->type & 4);
        if (!conforming_code && s->dpl < cpl)
            null_seg(s, 0);
    }
}

/* Validate a code-segment descriptor as a far JMP/CALL target. */
static int check_code(struct x86_ctx *c, uint16_t sel, const struct vmp_segment *s,
                      unsigned cpl, bool via_gate)
{
    if (!s->s || !(s->type & 8))
        return fault_sel(c, VMP_X86_GP, sel);
    if (s->type & 4) { /* conforming */
        if (s->dpl > cpl)
            return fault_sel(c, VMP_X86_GP, sel);
    } else if (via_gate) {
        if (s->dpl > cpl)
            return fault_sel(c, VMP_X86_GP, sel);
    } else if ((sel & 3) > cpl || s->dpl != cpl) {
        return fault_sel(c, VMP_X86_GP, sel);
    }
    if ((c->cpu->efer & VMP_EFER_LMA) && s->l && s->db)
        return fault_sel(c, VMP_X86_GP, sel);
    if (!s->present)
        return fault_sel(c, VMP_X86_NP, sel);
    return 0;
}

static int far_call_gate(struct x86_ctx *c, uint16_t sel, const struct x86_desc *gd,
                         int kind)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned cpl = vmp_x86_cpl(cpu);
    bool lm = cpu->efer & VMP_EFER_LMA;
    unsigned gtype = (gd->hi >> 8) & 15, gdpl = (gd->hi >> 13) & 3;
    if (gdpl < cpl || gdpl < (sel & 3u))
        return fault_sel(c, VMP_X86_GP, sel);
    if (!((gd->hi >> 15) & 1))
        return fault_sel(c, VMP_X86_NP, sel);
    uint16_t tsel = (uint16_t)(gd->lo >> 16);
    uint64_t off = (gd->lo & 0xffff) | (gtype == 4 ? 0 : (gd->hi & 0xffff0000u));
    if (lm)
        off |= (uint64_t)gd->hi2 << 32;
    unsigned gsize = lm ? 8 : gtype == 4 ? 2 : 4;
    if ((tsel & ~3u) == 0)
        return x86_gp(c, 0);
    struct x86_desc td;
    struct vmp_segment cs;
    TRY(x86_read_desc(c, tsel, &td, VMP_X86_GP, false));
    x86_desc_to_seg(&td, tsel, &cs);
    TRY(check_code(c, tsel, &cs, cpl, true));
    if (lm && (!cs.l || cs.db))
        return fault_sel(c, VMP_X86_GP, tsel);
    bool conforming = cs.type & 4;
    if (kind == FAR_JMP) {
        if (!conforming && cs.dpl != cpl)
            return fault_sel(c, VMP_X86_GP, tsel);
        TRY(set_accessed(c, tsel, &td));
        cs.type |= 1;
        cs.selector = (uint16_t)((tsel & ~3u) | cpl);
        return set_cs_rip(c, &cs, off, gsize);
    }
    uint64_t ret_rip = c->next_rip;
    uint16_t old_cs = cpu->seg[VMP_CS].selector;
    if (!conforming && cs.dpl < cpl) {
        /* more privileged: switch stacks from the TSS, copy parameters */
        unsigned ndpl = cs.dpl;
        uint64_t old_sp = cpu->gpr[VMP_RSP];
        struct vmp_segment old_ss = cpu->seg[VMP_SS];
        unsigned old_ss_size = x86_stack_size(c);
        unsigned nparams = lm ? 0 : gd->hi & 0x1f;
        uint64_t params[31];
        for (unsigned i = 0; i < nparams; i++)
            TRY(x86_peek(c, i * gsize, &params[i], gsize));
        if (lm) {
            uint64_t rsp;
            TRY(tss_read(c, 4 + ndpl * 8, &rsp, 8));
            struct vmp_segment nss = cpu->seg[VMP_SS];
            null_seg(&nss, (uint16_t)ndpl);
            nss.dpl = (uint8_t)ndpl;
            cpu->seg[VMP_SS] = nss;
            cpu->gpr[VMP_RSP] = rsp;
        } else {
            uint16_t ss_sel;
            uint32_t esp;
            struct vmp_segment nss;
            TRY(legacy_inner_stack(c, ndpl, &ss_sel, &esp, &nss));
            cpu->seg[VMP_SS] = nss;
            x86_reg_set_addr(cpu, VMP_RSP, nss.db ? 4 : 2, esp);
        }
        c->mode = x86_cpu_mode(cpu);
        TRY(x86_push(c, old_ss.selector, gsize));
        TRY(x86_push(c, old_sp & x86_mask(old_ss_size), gsize));
        for (unsigned i = nparams; i-- > 0;)
            TRY(x86_push(c, params[i], gsize));
        (void)old_ss_size;
        TRY(x86_push(c, old_cs, gsize));
        TRY(x86_push(c, ret_rip, gsize));
        TRY(set_accessed(c, tsel, &td));
        cs.type |= 1;
        cs.selector = (uint16_t)((tsel & ~3u) | ndpl);
        set_cpl(cpu, ndpl);
        return set_cs_rip(c, &cs, off, gsize);
    }
    TRY(x86_push(c, old_cs, gsize));
    TRY(x86_push(c, ret_rip, gsize));
    TRY(set_accessed(c, tsel, &td));
    cs.type |= 1;
    cs.selector = (uint16_t)((tsel & ~3u) | cpl);
    return set_cs_rip(c, &cs, off, gsize);
}

/* Far JMP or CALL to sel:off (SDM Vol. 2 JMP, CALL). Needs F_SNAP. */
int x86_far_transfer(struct x86_ctx *c, uint16_t sel, uint64_t off, int kind)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    unsigned os = in->opsize;
    if (x86_real(cpu) || x86_vm86(cpu)) {
        if (kind == FAR_CALL) {
            TRY(x86_push(c, cpu->seg[VMP_CS].selector, os));
            TRY(x86_push(c, c->next_rip, os));
        }
        struct vmp_segment cs = cpu->seg[VMP_CS];
        x86_real_seg(&cs, sel, x86_vm86(cpu));
        if (x86_vm86(cpu))
            cs.type = 0xb;
        return set_cs_rip(c, &cs, off & x86_mask(os), os);
    }
    unsigned cpl = vmp_x86_cpl(cpu);
    if ((sel & ~3u) == 0)
        return x86_gp(c, 0);
    struct x86_desc d;
    TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, false));
    struct vmp_segment cs;
    x86_desc_to_seg(&d, sel, &cs);
    if (cs.s) {
        TRY(check_code(c, sel, &cs, cpl, false));
        if (kind == FAR_CALL) {
            TRY(x86_push(c, cpu->seg[VMP_CS].selector, os));
            TRY(x86_push(c, c->next_rip, os));
        }
        TRY(set_accessed(c, sel, &d));
        cs.type |= 1;
        cs.selector = (uint16_t)((sel & ~3u) | cpl);
        return set_cs_rip(c, &cs, off, os);
    }
    bool lm = cpu->efer & VMP_EFER_LMA;
    switch (cs.type) {
    case 4:
        if (lm)
            break;
        return far_call_gate(c, sel, &d, kind);
    case 12:
        if (lm)
            TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, true));
        return far_call_gate(c, sel, &d, kind);
    case 1: case 5: case 9:
        if (lm)
            break;
        return VMP_X86_UNHANDLED; /* task switch */
    default:
        break;
    }
    return fault_sel(c, VMP_X86_GP, sel);
}

/* RETF (imm) (SDM Vol. 2 RET, far). */
static int far_ret(struct x86_ctx *c, unsigned imm)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned os = c->insn->opsize;
    uint64_t rip, csv;
    TRY(x86_peek(c, 0, &rip, os));
    TRY(x86_peek(c, os, &csv, os));
    uint16_t sel = (uint16_t)csv;
    if (x86_real(cpu) || x86_vm86(cpu)) {
        struct vmp_segment cs = cpu->seg[VMP_CS];
        x86_real_seg(&cs, sel, x86_vm86(cpu));
        if (x86_vm86(cpu))
            cs.type = 0xb;
        TRY(set_cs_rip(c, &cs, rip, os));
        x86_sp_add(c, 2 * os + imm);
        return 0;
    }
    unsigned cpl = vmp_x86_cpl(cpu), rpl = sel & 3;
    if ((sel & ~3u) == 0)
        return x86_gp(c, 0);
    if (rpl < cpl)
        return fault_sel(c, VMP_X86_GP, sel);
    struct x86_desc d;
    struct vmp_segment cs;
    TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, false));
    x86_desc_to_seg(&d, sel, &cs);
    if (!cs.s || !(cs.type & 8))
        return fault_sel(c, VMP_X86_GP, sel);
    if ((cs.type & 4) ? cs.dpl > rpl : cs.dpl != rpl)
        return fault_sel(c, VMP_X86_GP, sel);
    if (!cs.present)
        return fault_sel(c, VMP_X86_NP, sel);
    TRY(set_accessed(c, sel, &d));
    cs.type |= 1;
    if (rpl == cpl) {
        TRY(set_cs_rip(c, &cs, rip, os));
        x86_sp_add(c, 2 * os + imm);
        return 0;
    }
    /* return to an outer level: SS:rSP follow on the stack */
    uint64_t nsp, ssv;
    TRY(x86_peek(c, 2 * os + imm, &nsp, os));
    TRY(x86_peek(c, 3 * os + imm, &ssv, os));
    uint16_t ss_sel = (uint16_t)ssv;
    struct vmp_segment ss;
    bool to64 = code_is_64(c, &cs);
    if ((ss_sel & ~3u) == 0) {
        if (!to64 || rpl == 3)
            return x86_gp(c, 0);
        ss = cpu->seg[VMP_SS];
        null_seg(&ss, ss_sel);
    } else {
        struct x86_desc sd;
        TRY(x86_read_desc(c, ss_sel, &sd, VMP_X86_GP, false));
        x86_desc_to_seg(&sd, ss_sel, &ss);
        if ((ss_sel & 3) != rpl || ss.dpl != rpl || !ss.s || (ss.type & 8) ||
            !(ss.type & 2))
            return fault_sel(c, VMP_X86_GP, ss_sel);
        if (!ss.present)
            return fault_sel(c, VMP_X86_SS, ss_sel);
        TRY(set_accessed(c, ss_sel, &sd));
        ss.type |= 1;
    }
    TRY(set_cs_rip(c, &cs, rip, os));
    ss.dpl = (uint8_t)rpl;
    cpu->seg[VMP_SS] = ss;
    c->mode = x86_cpu_mode(cpu);
    x86_reg_set_addr(cpu, VMP_RSP, x86_stack_size(c), nsp + imm);
    null_inaccessible(cpu, rpl);
    return 0;
}

/* IRET (SDM Vol. 2 IRET). */
int x86_iret(struct x86_ctx *c)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned os = c->insn->opsize;
    uint64_t rip, csv, fl;
    if (x86_real(cpu) || x86_vm86(cpu)) {
        unsigned iopl = (unsigned)((cpu->rflags >> 12) & 3);
        if (x86_vm86(cpu) && iopl < 3)
            return x86_gp(c, 0);
        TRY(x86_peek(c, 0, &rip, os));
        TRY(x86_peek(c, os, &csv, os));
        TRY(x86_peek(c, 2 * os, &fl, os));
        struct vmp_segment cs = cpu->seg[VMP_CS];
        x86_real_seg(&cs, (uint16_t)csv, x86_vm86(cpu));
        if (x86_vm86(cpu))
            cs.type = 0xb;
        TRY(set_cs_rip(c, &cs, rip, os));
        x86_sp_add(c, 3 * os);
        uint64_t m = os == 2 ? 0xffff : 0x257fd5;
        if (x86_vm86(cpu))
            m &= ~(uint64_t)VMP_FLAG_IOPL;
        cpu->rflags = ((cpu->rflags & ~m) | (fl & m) | 2) & ~(uint64_t)0x8028;
        cpu->nmi_blocked = 0;
        return 0;
    }
    bool lm = cpu->efer & VMP_EFER_LMA;
    if (cpu->rflags & VMP_FLAG_NT) {
        if (lm)
            return x86_gp(c, 0);
        return VMP_X86_UNHANDLED; /* nested task return */
    }
    unsigned cpl = vmp_x86_cpl(cpu);
    TRY(x86_peek(c, 0, &rip, os));
    TRY(x86_peek(c, os, &csv, os));
    TRY(x86_peek(c, 2 * os, &fl, os));
    uint16_t sel = (uint16_t)csv;
    if (os == 2)
        fl = (cpu->rflags & ~0xffffull) | (fl & 0xffff);

    if (!lm && (fl & VMP_FLAG_VM) && cpl == 0 && os == 4) {
        /* return to virtual-8086 mode: ESP, SS, ES, DS, FS, GS follow */
        uint64_t v[6];
        for (unsigned i = 0; i < 6; i++)
            TRY(x86_peek(c, 12 + 4 * i, &v[i], 4));
        cpu->rflags = (fl & 0x3f7fd5) | 2;
        static const unsigned order[5] = { VMP_SS, VMP_ES, VMP_DS, VMP_FS, VMP_GS };
        for (unsigned i = 0; i < 5; i++)
            x86_real_seg(&cpu->seg[order[i]], (uint16_t)v[1 + i], true);
        x86_real_seg(&cpu->seg[VMP_CS], sel, true);
        cpu->seg[VMP_CS].type = 0xb;
        cpu->gpr[VMP_RSP] = v[0] & 0xffffffff;
        cpu->rip = rip & 0xffff;
        cpu->nmi_blocked = 0;
        c->mode = 16;
        return 0;
    }

    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0)
        return x86_gp(c, 0);
    if (rpl < cpl)
        return fault_sel(c, VMP_X86_GP, sel);
    struct x86_desc d;
    struct vmp_segment cs;
    TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, false));
    x86_desc_to_seg(&d, sel, &cs);
    if (!cs.s || !(cs.type & 8))
        return fault_sel(c, VMP_X86_GP, sel);
    if ((cs.type & 4) ? cs.dpl > rpl : cs.dpl != rpl)
        return fault_sel(c, VMP_X86_GP, sel);
    if (lm && cs.l && cs.db)
        return fault_sel(c, VMP_X86_GP, sel);
    if (!cs.present)
        return fault_sel(c, VMP_X86_NP, sel);

    /* flags the old CPL may change (as POPF, plus VIF/VIP at CPL 0) */
    uint64_t m = x86_popf_mask(c, os == 2 ? 2 : 4) | VMP_FLAG_RF;
    if (cpl == 0)
        m |= VMP_FLAG_VIF | VMP_FLAG_VIP;
    bool pop_ss = rpl != cpl || c->mode == 64;
    uint64_t nsp = 0, ssv = 0;
    struct vmp_segment ss = cpu->seg[VMP_SS];
    if (pop_ss) {
        TRY(x86_peek(c, 3 * os, &nsp, os));
        TRY(x86_peek(c, 4 * os, &ssv, os));
        uint16_t ss_sel = (uint16_t)ssv;
        if ((ss_sel & ~3u) == 0) {
            if (!(lm && code_is_64(c, &cs) && rpl != 3))
                return x86_gp(c, 0);
            null_seg(&ss, ss_sel);
        } else {
            struct x86_desc sd;
            TRY(x86_read_desc(c, ss_sel, &sd, VMP_X86_GP, false));
            x86_desc_to_seg(&sd, ss_sel, &ss);
            if ((ss_sel & 3) != rpl || ss.dpl != rpl || !ss.s || (ss.type & 8) ||
                !(ss.type & 2))
                return fault_sel(c, VMP_X86_GP, ss_sel);
            if (!ss.present)
                return fault_sel(c, VMP_X86_SS, ss_sel);
            TRY(set_accessed(c, ss_sel, &sd));
            ss.type |= 1;
        }
    }
    TRY(set_accessed(c, sel, &d));
    cs.type |= 1;
    TRY(set_cs_rip(c, &cs, rip, os));
    cpu->rflags = ((cpu->rflags & ~m) | (fl & m) | 2);
    if (pop_ss) {
        ss.dpl = (uint8_t)rpl;
        cpu->seg[VMP_SS] = ss;
        c->mode = x86_cpu_mode(cpu);
        x86_reg_set_addr(cpu, VMP_RSP, x86_stack_size(c), nsp);
        if (rpl != cpl)
            null_inaccessible(cpu, rpl);
    } else {
        x86_sp_add(c, 3 * os);
    }
    cpu->nmi_blocked = 0;
    return 0;
}

/* ---- event delivery (SDM Vol. 3 §6.12, §6.14) --------------------------- */

static bool is_soft(const struct vmp_x86_event *ev)
{
    return ev->type == VMP_X86_EV_SOFTINT || ev->type == VMP_X86_EV_SOFTEXC;
}

/* Fault-class exceptions (SDM Vol. 3A Table 6-1). #DB is a fault only for
 * instruction breakpoints, which the emulator does not raise; #DF and #MC
 * are aborts. */
static bool is_fault(const struct vmp_x86_event *ev)
{
    if (ev->type != VMP_X86_EV_EXCEPTION)
        return false;
    switch (ev->vector) {
    case VMP_X86_DE: case VMP_X86_BR: case VMP_X86_UD: case VMP_X86_NM:
    case VMP_X86_TS: case VMP_X86_NP: case VMP_X86_SS: case VMP_X86_GP:
    case VMP_X86_PF: case VMP_X86_MF: case VMP_X86_AC: case VMP_X86_XM:
    case 20: case 21: /* #VE, #CP */
        return true;
    default:
        return false;
    }
}

int x86_deliver_event(struct x86_ctx *c, const struct vmp_x86_event *ev,
                      uint64_t ret_rip)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned vec = ev->vector;
    uint32_t ext = (ev->type == VMP_X86_EV_EXTINT || ev->type == VMP_X86_EV_NMI ||
                    ev->type == VMP_X86_EV_EXCEPTION) ? 1 : 0;
    uint32_t idt_err = vec * 8 + 2 + ext;
    c->mode = x86_cpu_mode(cpu);

    if (x86_real(cpu)) {
        /* IVT: 4-byte CS:IP vectors (SDM Vol. 3 §20.1.4) */
        uint16_t ivt[2];
        if ((uint64_t)vec * 4 + 3 > cpu->idt.limit)
            return x86_raise(c, VMP_X86_GP, 1, idt_err);
        TRY(x86_read_lin(c, (cpu->idt.base + vec * 4) & 0xffffffff, ivt, 4,
                         VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
        TRY(x86_push(c, cpu->rflags & 0xffff, 2));
        TRY(x86_push(c, cpu->seg[VMP_CS].selector, 2));
        TRY(x86_push(c, ret_rip & 0xffff, 2));
        cpu->rflags &= ~(uint64_t)(VMP_FLAG_IF | VMP_FLAG_TF | VMP_FLAG_AC | VMP_FLAG_RF);
        x86_real_seg(&cpu->seg[VMP_CS], ivt[1], false);
        cpu->rip = ivt[0];
        c->mode = x86_cpu_mode(cpu);
        return 0;
    }

    bool lm = cpu->efer & VMP_EFER_LMA;
    unsigned cpl = vmp_x86_cpl(cpu);
    bool vm86 = x86_vm86(cpu);
    if (vm86 && ev->type == VMP_X86_EV_SOFTINT && ((cpu->rflags >> 12) & 3) < 3)
        return x86_gp(c, 0);
    unsigned gsz = lm ? 16 : 8;
    if ((uint64_t)vec * gsz + gsz - 1 > cpu->idt.limit)
        return x86_raise(c, VMP_X86_GP, 1, idt_err);
    uint32_t g[4] = { 0, 0, 0, 0 };
    TRY(x86_read_lin(c, lin(c, cpu->idt.base + vec * gsz), g, gsz,
                     VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
    unsigned gtype = (g[1] >> 8) & 0x1f, gdpl = (g[1] >> 13) & 3;
    bool gp = (g[1] >> 15) & 1;
    unsigned gate_size;
    if (lm) {
        if (gtype != 0xe && gtype != 0xf)
            return x86_raise(c, VMP_X86_GP, 1, idt_err);
        gate_size = 8;
    } else if (gtype == 0x5) {
        return VMP_X86_UNHANDLED; /* task gate */
    } else if (gtype == 0x6 || gtype == 0x7) {
        gate_size = 2;
    } else if (gtype == 0xe || gtype == 0xf) {
        gate_size = 4;
    } else {
        return x86_raise(c, VMP_X86_GP, 1, idt_err);
    }
    if (is_soft(ev) && gdpl < cpl)
        return x86_raise(c, VMP_X86_GP, 1, vec * 8 + 2);
    if (!gp)
        return x86_raise(c, VMP_X86_NP, 1, idt_err);
    bool trap = gtype & 1;
    uint16_t tsel = (uint16_t)(g[0] >> 16);
    uint64_t off = (g[0] & 0xffff) | (gate_size == 2 ? 0 : (g[1] & 0xffff0000u));
    if (lm)
        off |= (uint64_t)g[2] << 32;
    unsigned ist = lm ? (g[1] & 7) : 0;

    if ((tsel & ~3u) == 0)
        return x86_raise(c, VMP_X86_GP, 1, ext);
    struct x86_desc td;
    struct vmp_segment cs;
    TRY(x86_read_desc(c, tsel, &td, VMP_X86_GP, false));
    x86_desc_to_seg(&td, tsel, &cs);
    if (!cs.s || !(cs.type & 8) || cs.dpl > cpl)
        return x86_raise(c, VMP_X86_GP, 1, (tsel & 0xfffc) | ext);
    if (lm && (!cs.l || cs.db))
        return x86_raise(c, VMP_X86_GP, 1, (tsel & 0xfffc) | ext);
    if (!cs.present)
        return x86_raise(c, VMP_X86_NP, 1, (tsel & 0xfffc) | ext);
    bool conforming = cs.type & 4;
    unsigned ncpl = conforming ? cpl : cs.dpl;
    if (vm86 && ncpl != 0)
        return x86_raise(c, VMP_X86_GP, 1, (tsel & 0xfffc) | ext);

    uint64_t old_flags = cpu->rflags, old_sp = cpu->gpr[VMP_RSP];
    /* SDM Vol. 3B §18.3.1.1: the RFLAGS image pushed for any fault-class
     * exception other than an instruction-breakpoint #DB has RF = 1, so
     * that IRET back to the faulting instruction does not re-trigger an
     * instruction breakpoint; other events push RF as it is. */
    if (is_fault(ev))
        old_flags |= VMP_FLAG_RF;
    struct vmp_segment old_ss = cpu->seg[VMP_SS];
    uint16_t old_cs = cpu->seg[VMP_CS].selector;
    bool inner = ncpl < cpl || (vm86 && ncpl == 0);

    if (lm) {
        uint64_t rsp = old_sp;
        if (inner || ist) {
            uint64_t v;
            TRY(tss_read(c, ist ? 0x24 + (ist - 1) * 8 : 4 + ncpl * 8, &v, 8));
            rsp = v;
        }
        if (inner) {
            struct vmp_segment nss = cpu->seg[VMP_SS];
            null_seg(&nss, (uint16_t)ncpl);
            cpu->seg[VMP_SS] = nss;
        }
        cpu->seg[VMP_SS].dpl = (uint8_t)ncpl;
        cpu->seg[VMP_CS] = cs; /* 64-bit pushes from here on */
        c->mode = 64;
        cpu->gpr[VMP_RSP] = rsp & ~0xfull;
        TRY(x86_push(c, old_ss.selector, 8));
        TRY(x86_push(c, old_sp, 8));
        TRY(x86_push(c, old_flags, 8));
        TRY(x86_push(c, old_cs, 8));
        TRY(x86_push(c, ret_rip, 8));
        if (ev->has_error)
            TRY(x86_push(c, ev->error_code, 8));
    } else {
        if (inner) {
            uint16_t ss_sel;
            uint32_t esp;
            struct vmp_segment nss;
            TRY(legacy_inner_stack(c, ncpl, &ss_sel, &esp, &nss));
            cpu->rflags &= ~(uint64_t)VMP_FLAG_VM;
            cpu->seg[VMP_SS] = nss;
            cpu->seg[VMP_CS] = cs;
            c->mode = x86_cpu_mode(cpu);
            x86_reg_set_addr(cpu, VMP_RSP, nss.db ? 4 : 2, esp);
            if (vm86) {
                static const unsigned vs[4] = { VMP_GS, VMP_FS, VMP_DS, VMP_ES };
                for (unsigned i = 0; i < 4; i++)
                    TRY(x86_push(c, cpu->seg[vs[i]].selector, gate_size));
            }
            TRY(x86_push(c, old_ss.selector, gate_size));
            TRY(x86_push(c, old_sp, gate_size));
        }
        TRY(x86_push(c, old_flags, gate_size));
        TRY(x86_push(c, old_cs, gate_size));
        TRY(x86_push(c, ret_rip, gate_size));
        if (ev->has_error)
            TRY(x86_push(c, ev->error_code, gate_size));
        if (vm86) {
            static const unsigned vs[4] = { VMP_GS, VMP_FS, VMP_DS, VMP_ES };
            for (unsigned i = 0; i < 4; i++)
                null_seg(&cpu->seg[vs[i]], 0);
        }
    }
    TRY(set_accessed(c, tsel, &td));
    cs.type |= 1;
    cs.selector = (uint16_t)((tsel & ~3u) | ncpl);
    cpu->seg[VMP_CS] = cs;
    cpu->seg[VMP_SS].dpl = (uint8_t)ncpl;
    if (!lm && !code_is_64(c, &cs))
        off &= gate_size == 2 ? 0xffff : 0xffffffff;
    TRY(set_cs_rip(c, &cs, off, 8));
    cpu->rflags &= ~(uint64_t)(VMP_FLAG_TF | VMP_FLAG_NT | VMP_FLAG_RF | VMP_FLAG_VM);
    if (!trap)
        cpu->rflags &= ~(uint64_t)VMP_FLAG_IF;
    return 0;
}

/* ---- descriptor-table instructions -------------------------------------- */

/* LAR/LSL/VERR/VERW (SDM Vol. 2): ZF=1 when the selector passes. */
static int exec_verify(struct x86_ctx *c, uint64_t selv)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    uint16_t sel = (uint16_t)selv;
    unsigned cpl = vmp_x86_cpl(cpu), rpl = sel & 3;
    struct x86_desc d;
    bool ok = false;
    uint64_t result = 0;
    if ((sel & ~3u) != 0) {
        uint32_t idx = sel & ~7u;
        const struct vmp_segment *t = (sel & 4) ? &cpu->ldt : NULL;
        uint64_t base = t ? t->base : cpu->gdt.base;
        uint32_t limit = t ? t->limit : cpu->gdt.limit;
        bool have = !(t && (t->unusable || !t->present)) && (uint64_t)idx + 7 <= limit;
        if (have) {
            uint32_t buf[2];
            TRY(x86_read_lin(c, lin(c, base + idx), buf, 8,
                             VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM));
            d.lo = buf[0];
            d.hi = buf[1];
            d.hi2 = 0;
            struct vmp_segment s;
            x86_desc_to_seg(&d, sel, &s);
            bool conforming_code = s.s && (s.type & 8) && (s.type & 4);
            bool priv_ok = conforming_code || (s.dpl >= cpl && s.dpl >= rpl);
            bool lm = cpu->efer & VMP_EFER_LMA;
            switch (in->op) {
            case OP_LAR:
            case OP_LSL:
                if (s.s) {
                    ok = priv_ok;
                } else {
                    /* valid system types (Vol. 2 LAR/LSL tables) */
                    unsigned t2 = s.type;
                    bool valid = lm ? (t2 == 2 || t2 == 9 || t2 == 11 ||
                                       (in->op == OP_LAR && t2 == 12))
                                    : (t2 == 1 || t2 == 2 || t2 == 3 || t2 == 9 ||
                                       t2 == 11 || (in->op == OP_LAR &&
                                                    (t2 == 4 || t2 == 5 || t2 == 12)));
                    ok = valid && priv_ok;
                }
                result = in->op == OP_LAR ? (d.hi & 0x00f0ff00u) : s.limit;
                break;
            case OP_VERR:
                ok = s.s && priv_ok && (!(s.type & 8) || (s.type & 2));
                break;
            default: /* VERW */
                ok = s.s && !(s.type & 8) && (s.type & 2) && s.dpl >= cpl && s.dpl >= rpl;
                break;
            }
        }
    }
    if (ok && (in->op == OP_LAR || in->op == OP_LSL))
        x86_reg_set(cpu, in->opnd[0].reg, in->opnd[0].size, false, result);
    x86_set_flags(cpu, VMP_FLAG_ZF, ok ? VMP_FLAG_ZF : 0);
    return 0;
}

static int exec_lldt_ltr(struct x86_ctx *c, uint16_t sel)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    bool lm = cpu->efer & VMP_EFER_LMA;
    bool ltr = c->insn->op == OP_LTR;
    if ((sel & ~3u) == 0) {
        if (ltr)
            return x86_gp(c, 0);
        null_seg(&cpu->ldt, sel);
        return 0;
    }
    if (sel & 4)
        return fault_sel(c, VMP_X86_GP, sel);
    struct x86_desc d;
    struct vmp_segment s;
    TRY(x86_read_desc(c, sel, &d, VMP_X86_GP, lm));
    x86_desc_to_seg(&d, sel, &s);
    if (s.s || (ltr ? (s.type != 9 && !(s.type == 1 && !lm)) : s.type != 2))
        return fault_sel(c, VMP_X86_GP, sel);
    if (!s.present)
        return fault_sel(c, VMP_X86_NP, sel);
    if (ltr) {
        /* mark busy in the GDT (SDM Vol. 2 LTR) */
        uint32_t hi = d.hi | 0x200;
        TRY(x86_write_lin(c, lin(c, cpu->gdt.base + (sel & ~7u) + 4), &hi, 4,
                          VMP_X86_ACC_WRITE | VMP_X86_ACC_SYSTEM));
        s.type |= 2;
        cpu->tr = s;
    } else {
        cpu->ldt = s;
    }
    return 0;
}

int x86_exec_seg(struct x86_ctx *c, bool *handled)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_x86_insn *in = c->insn;
    const struct vmp_x86_opnd *o0 = &in->opnd[0];
    uint64_t v = 0;
    *handled = true;

    switch (in->op) {
    case OP_MOV_FROM_SEG: {
        uint16_t sel = cpu->seg[in->opnd[1].reg].selector;
        if (o0->kind == VMP_X86_OPND_REG)
            x86_reg_set(cpu, o0->reg, in->opsize, false, sel);
        else
            TRY(x86_write_mem(c, in->mem.seg, x86_ea(c), &sel, 2));
        break;
    }
    case OP_MOV_TO_SEG: {
        unsigned seg = o0->reg;
        if (seg == VMP_CS)
            return x86_ud(c);
        if (in->opnd[1].kind == VMP_X86_OPND_REG) {
            v = x86_reg_get(cpu, in->opnd[1].reg, 2, false);
        } else {
            TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), &v, 2));
        }
        TRY(x86_load_seg(c, seg, (uint16_t)v));
        if (seg == VMP_SS)
            cpu->shadow |= VMP_X86_SHADOW_MOVSS; /* SDM Vol. 2 MOV: blocks
                                                    interrupts for one insn */
        break;
    }
    case OP_PUSH_SEG:
        /* a segment push with a 32/64-bit operand size writes 2 bytes on
         * current Intel parts but moves rSP by the operand size; writing
         * the zero-extended value is the documented alternative */
        TRY(x86_push(c, cpu->seg[in->arg].selector, in->opsize));
        break;
    case OP_POP_SEG:
        TRY(x86_peek(c, 0, &v, in->opsize));
        TRY(x86_load_seg(c, in->arg, (uint16_t)v));
        x86_sp_add(c, in->opsize);
        if (in->arg == VMP_SS)
            cpu->shadow |= VMP_X86_SHADOW_MOVSS;
        break;
    case OP_LFP: {
        /* LDS/LES/LSS/LFS/LGS: offset then selector from memory */
        const struct vmp_x86_mem *m = &in->mem;
        uint64_t ea = x86_ea(c), off = 0, sel = 0;
        TRY(x86_read_mem(c, m->seg, ea, &off, in->opsize));
        TRY(x86_read_mem(c, m->seg, (ea + in->opsize) & x86_mask(in->adsize), &sel, 2));
        TRY(x86_load_seg(c, in->arg, (uint16_t)sel));
        x86_reg_set(cpu, o0->reg, in->opsize, false, off);
        break; /* LSS sets no interrupt shadow (only MOV SS and POP SS) */
    }
    case OP_JMP_FAR:
        return x86_far_transfer(c, o0->sel, o0->imm, FAR_JMP);
    case OP_CALL_FAR:
        return x86_far_transfer(c, o0->sel, o0->imm, FAR_CALL);
    case OP_JMP_FAR_IND:
    case OP_CALL_FAR_IND: {
        const struct vmp_x86_mem *m = &in->mem;
        uint64_t ea = x86_ea(c), off = 0, sel = 0;
        TRY(x86_read_mem(c, m->seg, ea, &off, in->opsize));
        TRY(x86_read_mem(c, m->seg, (ea + in->opsize) & x86_mask(in->adsize), &sel, 2));
        return x86_far_transfer(c, (uint16_t)sel, off,
                                in->op == OP_JMP_FAR_IND ? FAR_JMP : FAR_CALL);
    }
    case OP_RETF:
        return far_ret(c, in->nopnd ? (unsigned)(o0->imm & 0xffff) : 0);
    case OP_IRET:
        return x86_iret(c);
    case OP_INT:
    case OP_INT3:
    case OP_INTO:
    case OP_INT1: {
        struct vmp_x86_event ev = { .valid = 1 };
        if (in->op == OP_INT) {
            ev.vector = (uint8_t)o0->imm;
            ev.type = VMP_X86_EV_SOFTINT;
        } else if (in->op == OP_INT3) {
            ev.vector = VMP_X86_BP;
            ev.type = VMP_X86_EV_SOFTEXC;
        } else if (in->op == OP_INTO) {
            if (!(cpu->rflags & VMP_FLAG_OF)) {
                cpu->rip = c->next_rip;
                return 0;
            }
            ev.vector = VMP_X86_OF;
            ev.type = VMP_X86_EV_SOFTEXC;
        } else {
            ev.vector = VMP_X86_DB;
            ev.type = VMP_X86_EV_PRIVSW;
        }
        return x86_deliver_event(c, &ev, c->next_rip);
    }
    case OP_BOUND: {
        const struct vmp_x86_mem *m = &in->mem;
        unsigned os = in->opsize, sh = 64 - os * 8;
        uint64_t ea = x86_ea(c), lo = 0, hi = 0;
        TRY(x86_read_mem(c, m->seg, ea, &lo, os));
        TRY(x86_read_mem(c, m->seg, (ea + os) & x86_mask(in->adsize), &hi, os));
        int64_t idx = (int64_t)(x86_reg_get(cpu, o0->reg, os, false) << sh) >> sh;
        if (idx < (int64_t)(lo << sh) >> sh || idx > (int64_t)(hi << sh) >> sh)
            return x86_raise(c, VMP_X86_BR, 0, 0);
        break;
    }
    case OP_LAR: case OP_LSL: case OP_VERR: case OP_VERW: {
        if (x86_real(cpu) || x86_vm86(cpu))
            return x86_ud(c);
        const struct vmp_x86_opnd *so = in->op == OP_LAR || in->op == OP_LSL
                                            ? &in->opnd[1] : o0;
        if (so->kind == VMP_X86_OPND_REG) {
            v = x86_reg_get(cpu, so->reg, 2, false);
        } else {
            TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), &v, 2));
        }
        TRY(exec_verify(c, v));
        break;
    }
    case OP_LLDT:
    case OP_LTR: {
        if (x86_real(cpu) || x86_vm86(cpu))
            return x86_ud(c);
        if (o0->kind == VMP_X86_OPND_REG) {
            v = x86_reg_get(cpu, o0->reg, 2, false);
        } else {
            TRY(x86_read_mem(c, in->mem.seg, x86_ea(c), &v, 2));
        }
        TRY(exec_lldt_ltr(c, (uint16_t)v));
        break;
    }
    default:
        *handled = false;
        return VMP_X86_UNHANDLED;
    }
    cpu->rip = c->next_rip;
    return 0;
}
