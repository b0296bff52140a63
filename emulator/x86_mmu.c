/* Linear and physical memory: segmentation checks (SDM Vol. 3 §5.3-5.5)
 * and the page walker for 32-bit, PAE, 4-level and 5-level paging (SDM
 * Vol. 3 chapter 4), with U/S, R/W, NX, CR0.WP, SMEP and SMAP, accessed
 * and dirty bits, and #PF error codes. */
#include "x86_internal.h"

/* The physical-address width the emulator implements (CPUID 80000008h
 * should report the same). Bits above it in a paging entry are reserved. */
#define X86_MAXPHYADDR 48
#define PHYS_MASK ((1ull << X86_MAXPHYADDR) - 1)

int x86_raise(struct x86_ctx *c, unsigned vec, int has_err, uint32_t err)
{
    struct vmp_x86_event *ev = &c->cpu->event;
    ev->valid = 1;
    ev->vector = (uint8_t)vec;
    ev->type = VMP_X86_EV_EXCEPTION;
    ev->has_error = (uint8_t)(has_err ? 1 : 0);
    ev->error_code = has_err ? err : 0;
    return VMP_X86_EXCEPTION;
}

static int op_rc(int rc)
{
    if (rc == 0)
        return VMP_X86_OK;
    if (rc == VMP_X86_OP_RETRY)
        return VMP_X86_RETRY;
    return VMP_X86_UNHANDLED;
}

int x86_read_phys(struct x86_ctx *c, uint64_t gpa, void *buf, unsigned len)
{
    if (!c->ops->read_phys)
        return VMP_X86_UNHANDLED;
    if (c->check_mmio && (gpa >> 12) == c->mmio_page)
        c->mmio_hit = 1;
    return op_rc(c->ops->read_phys(c->opaque, gpa, buf, len));
}

int x86_write_phys(struct x86_ctx *c, uint64_t gpa, const void *buf, unsigned len)
{
    if (!c->ops->write_phys)
        return VMP_X86_UNHANDLED;
    if (c->check_mmio && (gpa >> 12) == c->mmio_page)
        c->mmio_hit = 1;
    return op_rc(c->ops->write_phys(c->opaque, gpa, buf, len));
}

/* ---- segmentation ------------------------------------------------------- */

static int seg_fault(struct x86_ctx *c, unsigned seg)
{
    return x86_raise(c, seg == VMP_SS ? VMP_X86_SS : VMP_X86_GP, 1, 0);
}

static bool canonical(const struct vmp_x86_cpu *cpu, uint64_t la)
{
    unsigned bits = (cpu->cr4 & VMP_CR4_LA57) ? 57 : 48;
    int64_t s = (int64_t)(la << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == la;
}

int x86_seg_linear(struct x86_ctx *c, unsigned seg, uint64_t off, unsigned size,
                   unsigned access, uint64_t *la)
{
    const struct vmp_x86_cpu *cpu = c->cpu;
    const struct vmp_segment *s = &cpu->seg[seg];
    unsigned kind = access & 3;

    if (c->mode == 64) {
        /* 64-bit mode: no limits or types; FS/GS bases apply; every byte
         * must be canonical (SDM Vol. 3 §3.3.7.1, §5.3.1) */
        uint64_t a = off + ((seg == VMP_FS || seg == VMP_GS) ? s->base : 0);
        if (!canonical(cpu, a) || !canonical(cpu, a + size - 1))
            return seg_fault(c, seg);
        *la = a;
        return 0;
    }
    if ((cpu->cr0 & VMP_CR0_PE) && !(cpu->rflags & VMP_FLAG_VM)) {
        /* protected mode: null selector, type (SDM Vol. 3 §5.4, §5.5) */
        if (s->unusable || !s->present)
            return seg_fault(c, seg);
        if (s->type & 8) { /* code */
            if (kind == VMP_X86_ACC_WRITE)
                return seg_fault(c, seg);
            if (kind == VMP_X86_ACC_READ && !(s->type & 2))
                return seg_fault(c, seg);
        } else if (kind == VMP_X86_ACC_WRITE && !(s->type & 2)) {
            return seg_fault(c, seg);
        }
    }
    /* limits, checked on the last byte too (SDM Vol. 3 §5.3) */
    uint64_t last = off + size - 1;
    if (!(s->type & 8) && (s->type & 4) && s->s) {
        uint64_t upper = s->db ? 0xffffffffull : 0xffffull;
        if (off <= s->limit || last > upper)
            return seg_fault(c, seg);
    } else if (last > s->limit) {
        return seg_fault(c, seg);
    }
    *la = (s->base + off) & 0xffffffffull;
    return 0;
}

/* ---- paging ------------------------------------------------------------- */

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

static int pf(struct x86_ctx *c, uint64_t la, uint32_t err)
{
    c->cpu->cr2 = la;
    return x86_raise(c, VMP_X86_PF, 1, err);
}

static int read_pte(struct x86_ctx *c, uint64_t gpa, unsigned sz, uint64_t *v)
{
    uint64_t x = 0;
    TRY(x86_read_phys(c, gpa, &x, sz));
    *v = x;
    return 0;
}

static int set_bits(struct x86_ctx *c, uint64_t gpa, unsigned sz, uint64_t old,
                    uint64_t bits)
{
    if ((old & bits) == bits)
        return 0;
    uint64_t v = old | bits;
    return x86_write_phys(c, gpa, &v, sz);
}

void vmp_x86_flush_tlb(struct vmp_x86_cpu *cpu)
{
    memset(&cpu->tlb, 0, sizeof(cpu->tlb));
}

static int walk(struct x86_ctx *c, uint64_t la, unsigned access, uint64_t *gpa);

int x86_translate(struct x86_ctx *c, uint64_t la, unsigned access, uint64_t *gpa)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    if (!(cpu->cr0 & VMP_CR0_PG)) {
        *gpa = la;
        return 0;
    }
    if (access & VMP_X86_ACC_SYSTEM)
        return walk(c, la, access, gpa);
    struct vmp_x86_tlb *t = &cpu->tlb;
    if (t->cr0 != cpu->cr0 || t->cr3 != cpu->cr3 || t->cr4 != cpu->cr4 ||
        t->efer != cpu->efer) {
        vmp_x86_flush_tlb(cpu);
        t->cr0 = cpu->cr0;
        t->cr3 = cpu->cr3;
        t->cr4 = cpu->cr4;
        t->efer = cpu->efer;
    }
    unsigned kind = access & 3;
    bool user = (access & VMP_X86_ACC_USER) || vmp_x86_cpl(cpu) == 3;
    bool ac = (cpu->rflags & VMP_FLAG_AC) != 0;
    uint64_t tag = (la & ~0xfffull) | ((uint64_t)user << 1) | ((uint64_t)ac << 2) | 1;
    unsigned idx = (unsigned)(la >> 12) % VMP_X86_TLB_ENTRIES;
    if (kind > 2)
        kind = 0;
    if (t->e[kind][idx].tag == tag) {
        *gpa = t->e[kind][idx].pa | (la & 0xfff);
        return 0;
    }
    TRY(walk(c, la, access, gpa));
    t->e[kind][idx].tag = tag;
    t->e[kind][idx].pa = *gpa & ~0xfffull;
    return 0;
}

static int walk(struct x86_ctx *c, uint64_t la, unsigned access, uint64_t *gpa)
{
    struct vmp_x86_cpu *cpu = c->cpu;
    unsigned kind = access & 3;
    bool write = kind == VMP_X86_ACC_WRITE, fetch = kind == VMP_X86_ACC_FETCH;
    bool user = (access & VMP_X86_ACC_USER) ||
                (!(access & VMP_X86_ACC_SYSTEM) && vmp_x86_cpl(cpu) == 3);
    bool nxe = cpu->efer & VMP_EFER_NXE;
    uint32_t err = (write ? VMP_PFEC_W : 0) | (user ? VMP_PFEC_U : 0) |
                   (fetch && (nxe || (cpu->cr4 & VMP_CR4_SMEP)) ? VMP_PFEC_I : 0);

    /* entries walked, for the A/D update after the checks pass */
    uint64_t ent_gpa[5], ent_val[5];
    unsigned nent = 0, esz;
    int levels;
    uint64_t table, rsvd_hi;
    bool rw = true, us = true, nx = false;

    if (cpu->efer & VMP_EFER_LMA) {
        levels = (cpu->cr4 & VMP_CR4_LA57) ? 5 : 4;
        table = cpu->cr3 & PHYS_MASK & ~0xfffull;
        esz = 8;
        rsvd_hi = ((1ull << 52) - 1) & ~PHYS_MASK; /* bits 51:MAXPHYADDR */
    } else if (cpu->cr4 & VMP_CR4_PAE) {
        /* PDPTE (SDM Vol. 3 §4.4.1). Real CPUs load the four PDPTEs at
         * MOV CR3; the emulator reads them on each walk. */
        uint64_t pdpte_gpa = (cpu->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, pdpte;
        TRY(read_pte(c, pdpte_gpa, 8, &pdpte));
        if (!(pdpte & PTE_P))
            return pf(c, la, err);
        /* reserved: bits 2:1, 8:5 and MAXPHYADDR..63 (Table 4-8) */
        if ((pdpte & 0x1e6) || (pdpte >> X86_MAXPHYADDR))
            return pf(c, la, err | VMP_PFEC_P | VMP_PFEC_RSVD);
        table = pdpte & PHYS_MASK & ~0xfffull;
        levels = 2;
        esz = 8;
        rsvd_hi = ((1ull << 52) - 1) & ~PHYS_MASK;
    } else {
        levels = 2;
        table = cpu->cr3 & 0xfffff000ull;
        esz = 4;
        rsvd_hi = 0;
    }

    uint64_t pa = 0;
    for (int lvl = levels; lvl >= 1; lvl--) {
        unsigned shift = esz == 4 ? 12 + 10 * (lvl - 1) : 12 + 9 * (lvl - 1);
        unsigned idx_bits = esz == 4 ? 10 : 9;
        uint64_t idx = (la >> shift) & ((1ull << idx_bits) - 1);
        uint64_t egpa = table + idx * esz, e;
        TRY(read_pte(c, egpa, esz, &e));
        if (!(e & PTE_P))
            return pf(c, la, err);
        /* reserved bits (SDM Vol. 3 §4.3 Table 4-6, §4.4.2, §4.5.4) */
        bool rsvd = (e & rsvd_hi) != 0;
        if (esz == 8 && !nxe && (e & PTE_NX))
            rsvd = true;
        bool large = (e & PTE_PS) && lvl > 1;
        if (large) {
            if (esz == 4 && !(cpu->cr4 & VMP_CR4_PSE))
                large = false; /* PS ignored without CR4.PSE */
            else if (esz == 8 && lvl > 3)
                rsvd = true; /* PS in a PML4E/PML5E */
            else if (esz == 8 && lvl == 3 && !(cpu->efer & VMP_EFER_LMA))
                rsvd = true;
        }
        if (large) {
            if (esz == 4) {
                if (e & (1ull << 21)) /* PSE-36 with MAXPHYADDR >= 40: bit 21 rsvd */
                    rsvd = true;
            } else {
                /* bits 12 (PAT) .. shift-1 must be zero above PAT */
                uint64_t m = ((1ull << shift) - 1) & ~0x1fffull;
                if (e & m)
                    rsvd = true;
            }
        }
        if (rsvd)
            return pf(c, la, err | VMP_PFEC_P | VMP_PFEC_RSVD);
        rw = rw && (e & PTE_W);
        us = us && (e & PTE_U);
        if (esz == 8 && nxe && (e & PTE_NX))
            nx = true;
        ent_gpa[nent] = egpa;
        ent_val[nent] = e;
        nent++;
        if (large || lvl == 1) {
            if (esz == 4 && large) {
                /* 4 MiB page, PSE-36: bits 20:13 are PA bits 39:32 */
                pa = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32) |
                     (la & 0x3fffff);
            } else if (large) {
                pa = (e & PHYS_MASK & ~((1ull << shift) - 1)) |
                     (la & ((1ull << shift) - 1));
            } else {
                pa = (e & (esz == 4 ? 0xfffff000ull : PHYS_MASK & ~0xfffull)) |
                     (la & 0xfff);
            }
            break;
        }
        table = e & (esz == 4 ? 0xfffff000ull : PHYS_MASK & ~0xfffull);
    }

    /* permissions (SDM Vol. 3 §4.6) */
    err |= VMP_PFEC_P;
    if (user) {
        if (!us)
            return pf(c, la, err);
        if (write && !rw)
            return pf(c, la, err);
    } else {
        if (write && !rw && (cpu->cr0 & VMP_CR0_WP))
            return pf(c, la, err);
        if (fetch && us && (cpu->cr4 & VMP_CR4_SMEP))
            return pf(c, la, err);
        if (!fetch && us && (cpu->cr4 & VMP_CR4_SMAP) &&
            ((access & VMP_X86_ACC_SYSTEM) || vmp_x86_cpl(cpu) == 3 ||
             !(cpu->rflags & VMP_FLAG_AC)))
            return pf(c, la, err);
    }
    if (fetch && nx)
        return pf(c, la, err);

    /* accessed on every level, dirty on the last for a write (§4.8) */
    for (unsigned i = 0; i < nent; i++) {
        uint64_t bits = PTE_A;
        if (i == nent - 1 && write)
            bits |= PTE_D;
        TRY(set_bits(c, ent_gpa[i], esz, ent_val[i], bits));
    }
    *gpa = pa;
    return 0;
}

int vmp_x86_translate(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                      void *ctx, uint64_t la, unsigned access, uint64_t *gpa)
{
    struct x86_ctx c = { .cpu = cpu, .ops = ops, .opaque = ctx,
                         .mode = x86_cpu_mode(cpu) };
    return x86_translate(&c, la, access, gpa);
}

/* ---- linear accesses ---------------------------------------------------- */

static uint64_t lin_next(struct x86_ctx *c, uint64_t la)
{
    return (c->cpu->efer & VMP_EFER_LMA) ? la : (la & 0xffffffffull);
}

int x86_read_lin(struct x86_ctx *c, uint64_t la, void *buf, unsigned size,
                 unsigned access)
{
    unsigned n1 = 4096 - (unsigned)(la & 0xfff);
    uint64_t g1, g2 = 0;
    if (n1 > size)
        n1 = size;
    TRY(x86_translate(c, la, access, &g1));
    if (n1 < size)
        TRY(x86_translate(c, lin_next(c, la + n1), access, &g2));
    TRY(x86_read_phys(c, g1, buf, n1));
    if (n1 < size)
        TRY(x86_read_phys(c, g2, (uint8_t *)buf + n1, size - n1));
    return 0;
}

int x86_write_lin(struct x86_ctx *c, uint64_t la, const void *buf, unsigned size,
                  unsigned access)
{
    unsigned n1 = 4096 - (unsigned)(la & 0xfff);
    uint64_t g1, g2 = 0;
    if (n1 > size)
        n1 = size;
    access = (access & ~3u) | VMP_X86_ACC_WRITE;
    TRY(x86_translate(c, la, access, &g1));
    if (n1 < size)
        TRY(x86_translate(c, lin_next(c, la + n1), access, &g2));
    TRY(x86_write_phys(c, g1, buf, n1));
    if (n1 < size)
        TRY(x86_write_phys(c, g2, (const uint8_t *)buf + n1, size - n1));
    return 0;
}

int x86_read_mem(struct x86_ctx *c, unsigned seg, uint64_t off, void *buf,
                 unsigned size)
{
    uint64_t la;
    TRY(x86_seg_linear(c, seg, off, size, VMP_X86_ACC_READ, &la));
    return x86_read_lin(c, la, buf, size, VMP_X86_ACC_READ);
}

int x86_write_mem(struct x86_ctx *c, unsigned seg, uint64_t off,
                  const void *buf, unsigned size)
{
    uint64_t la;
    TRY(x86_seg_linear(c, seg, off, size, VMP_X86_ACC_WRITE, &la));
    return x86_write_lin(c, la, buf, size, VMP_X86_ACC_WRITE);
}

int x86_probe_write(struct x86_ctx *c, unsigned seg, uint64_t off, unsigned size)
{
    uint64_t la, g;
    TRY(x86_seg_linear(c, seg, off, size, VMP_X86_ACC_WRITE, &la));
    unsigned n1 = 4096 - (unsigned)(la & 0xfff);
    TRY(x86_translate(c, la, VMP_X86_ACC_WRITE, &g));
    if (n1 < size)
        TRY(x86_translate(c, lin_next(c, la + n1), VMP_X86_ACC_WRITE, &g));
    return 0;
}
