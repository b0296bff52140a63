/* A test machine for the x86 emulator tests: flat RAM, a port recorder,
 * and CPU states for real, protected and long mode. Static functions so
 * each test file gets its own copy. */
#ifndef VMP_TEST_X86_ENV_H
#define VMP_TEST_X86_ENV_H

#include <stdlib.h>
#include <string.h>
#include <vmparts/x86emu.h>

#define XENV_RAM (4u << 20)

struct xenv {
    uint8_t *ram;
    unsigned reads, writes;
    uint64_t last_write_gpa;
    /* ports: reads return port_in_val; the last OUT is recorded */
    uint32_t port_in_val;
    uint16_t last_out_port;
    uint32_t last_out_val;
    unsigned outs, ins;
    /* an MMIO page at mmio_gpa that returns RETRY when retry_left > 0 */
    uint64_t mmio_gpa;
    unsigned retry_left;
    uint64_t mmio_last;
    unsigned mmio_writes;
    uint64_t tsc;
    struct vmp_x86_cpu cpu;
};

static int xenv_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct xenv *e = ctx;
    if (e->mmio_gpa && gpa >= e->mmio_gpa && gpa < e->mmio_gpa + 4096) {
        if (e->retry_left) {
            e->retry_left--;
            return VMP_X86_OP_RETRY;
        }
        memset(buf, 0xab, len);
        return 0;
    }
    if (gpa >= XENV_RAM || len > XENV_RAM - gpa)
        return -EFAULT;
    memcpy(buf, e->ram + gpa, len);
    e->reads++;
    return 0;
}

static int xenv_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct xenv *e = ctx;
    if (e->mmio_gpa && gpa >= e->mmio_gpa && gpa < e->mmio_gpa + 4096) {
        if (e->retry_left) {
            e->retry_left--;
            return VMP_X86_OP_RETRY;
        }
        e->mmio_last = 0;
        memcpy(&e->mmio_last, buf, len > 8 ? 8 : len);
        e->mmio_writes++;
        return 0;
    }
    if (gpa >= XENV_RAM || len > XENV_RAM - gpa)
        return -EFAULT;
    memcpy(e->ram + gpa, buf, len);
    e->writes++;
    e->last_write_gpa = gpa;
    return 0;
}

static int xenv_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct xenv *e = ctx;
    (void)port;
    e->ins++;
    *val = e->port_in_val & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
    return 0;
}

static int xenv_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    struct xenv *e = ctx;
    (void)size;
    e->outs++;
    e->last_out_port = port;
    e->last_out_val = val;
    return 0;
}

static void xenv_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    (void)ctx;
    out[0] = leaf;
    out[1] = sub;
    out[2] = 0x1234;
    out[3] = 0x5678;
}

static uint64_t xenv_rdtsc(void *ctx)
{
    struct xenv *e = ctx;
    return e->tsc;
}

static const struct vmp_x86_ops xenv_ops = {
    .read_phys = xenv_read,
    .write_phys = xenv_write,
    .io_in = xenv_in,
    .io_out = xenv_out,
    .cpuid = xenv_cpuid,
    .rdtsc = xenv_rdtsc,
};

static inline struct xenv *xenv_new(void)
{
    struct xenv *e = calloc(1, sizeof(*e));
    e->ram = calloc(1, XENV_RAM);
    vmp_x86_cpu_reset(&e->cpu);
    return e;
}

static inline void xenv_free(struct xenv *e)
{
    free(e->ram);
    free(e);
}

static inline void xenv_seg(struct vmp_segment *s, uint16_t sel, uint64_t base,
                            uint32_t limit, uint8_t type, uint8_t dpl, uint8_t db,
                            uint8_t l)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = base;
    s->limit = limit;
    s->type = type;
    s->s = 1;
    s->dpl = dpl;
    s->present = 1;
    s->db = db;
    s->l = l;
    s->g = limit > 0xfffff;
}

/* Real mode with all segments at 0 and IP = ip. */
static inline void xenv_real(struct xenv *e, uint16_t ip)
{
    vmp_x86_cpu_reset(&e->cpu);
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        xenv_seg(&e->cpu.seg[i], 0, 0, 0xffff, i == VMP_CS ? 0xb : 0x3, 0, 0, 0);
    e->cpu.rip = ip;
    e->cpu.gpr[VMP_RSP] = 0x8000;
}

/* 32-bit flat protected mode, CPL 0, paging off. */
static inline void xenv_prot32(struct xenv *e, uint32_t eip)
{
    vmp_x86_cpu_reset(&e->cpu);
    e->cpu.cr0 = VMP_CR0_PE | VMP_CR0_ET | VMP_CR0_NE;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        xenv_seg(&e->cpu.seg[i], i == VMP_CS ? 0x8 : 0x10, 0, 0xffffffff,
                 i == VMP_CS ? 0xb : 0x3, 0, 1, 0);
    e->cpu.rip = eip;
    e->cpu.gpr[VMP_RSP] = 0x80000;
}

/* Long mode, CPL 0, 4-level identity map of the first 4 MiB with 4 KiB
 * pages (page tables at 0x300000..0x303fff, user/writable). */
static inline void xenv_long64(struct xenv *e, uint64_t rip)
{
    vmp_x86_cpu_reset(&e->cpu);
    uint64_t pml4 = 0x300000, pdpt = 0x301000, pd = 0x302000, pt = 0x303000;
    uint64_t v;
    v = pdpt | 7; memcpy(e->ram + pml4, &v, 8);
    v = pd | 7; memcpy(e->ram + pdpt, &v, 8);
    for (unsigned i = 0; i < 2; i++) {
        v = (pt + i * 0x1000) | 7;
        memcpy(e->ram + pd + i * 8, &v, 8);
        for (unsigned j = 0; j < 512; j++) {
            v = ((uint64_t)(i * 512 + j) << 12) | 7;
            memcpy(e->ram + pt + i * 0x1000 + j * 8, &v, 8);
        }
    }
    e->cpu.cr3 = pml4;
    e->cpu.cr4 = VMP_CR4_PAE;
    e->cpu.efer = VMP_EFER_LME | VMP_EFER_LMA | VMP_EFER_NXE;
    e->cpu.cr0 = VMP_CR0_PE | VMP_CR0_PG | VMP_CR0_ET | VMP_CR0_NE | VMP_CR0_WP;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        xenv_seg(&e->cpu.seg[i], i == VMP_CS ? 0x8 : 0x10, 0, 0xffffffff,
                 i == VMP_CS ? 0xb : 0x3, 0, i != VMP_CS, i == VMP_CS);
    e->cpu.rip = rip;
    e->cpu.gpr[VMP_RSP] = 0x80000;
}

static inline void xenv_put(struct xenv *e, uint64_t gpa, const void *b, size_t n)
{
    memcpy(e->ram + gpa, b, n);
}

static inline uint64_t xenv_get(struct xenv *e, uint64_t gpa, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, e->ram + gpa, n);
    return v;
}

#endif
