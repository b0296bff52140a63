/* Fuzz harness for the x86 emulator, in the style of Xen's x86_emulate
 * harness: the input holds the CPU state and then a byte stream that
 * decides the result of every host callback (memory contents including
 * instruction bytes and page tables, port reads, MSR/CPUID results,
 * failures and MMIO retries). Nothing is kept between inputs.
 *
 * Input layout:
 *   byte 0      bits 0-1: state template (0 real, 1 32-bit protected,
 *               2 long mode, 3 raw struct vmp_x86_cpu follows);
 *               bits 2-7: number of steps - 1
 *   template 3: sizeof(struct vmp_x86_cpu) bytes of raw state
 *   else:       17 x 8 bytes: RAX..R15, RFLAGS (as far as present);
 *               RFLAGS bit 63 set: an x87 block follows (1 control byte:
 *               bit 0 CR0.NE, 1 MP, 2 EM, 3 TS, 4 CR4.OSFXSR, 5
 *               OSXMMEXCPT; FCW, FSW, FTW, FOP, then ST registers R0-R7
 *               as 8-byte significand + 2-byte sign/exponent);
 *               RFLAGS bit 62 set: an SSE block follows (MXCSR, XMM0-15)
 *   rest:       the callback stream. Each read_phys/write_phys/io/msr
 *               callback first takes a control byte: 0-7 fail, 8 retry,
 *               anything else succeeds (reads then take their data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vmparts/x86emu.h>

struct fz {
    const uint8_t *p;
    size_t n;
    unsigned calls;
};

static uint8_t take(struct fz *f)
{
    if (!f->n)
        return 0xff;
    f->n--;
    return *f->p++;
}

static int ctl(struct fz *f)
{
    uint8_t c = take(f);
    f->calls++;
    if (c < 8)
        return -EFAULT;
    if (c == 8)
        return VMP_X86_OP_RETRY;
    return 0;
}

static void fill(struct fz *f, void *buf, unsigned len)
{
    uint8_t *b = buf;
    for (unsigned i = 0; i < len; i++)
        b[i] = f->n ? take(f) : 0x90;
}

static int f_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct fz *f = ctx;
    (void)gpa;
    if (len == 0 || len > 4096 || ((gpa & 0xfff) + len) > 4096)
        abort(); /* the emulator promised never to cross a page */
    int rc = ctl(f);
    if (rc)
        return rc;
    fill(f, buf, len);
    return 0;
}

static int f_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct fz *f = ctx;
    (void)buf;
    if (len == 0 || len > 4096 || ((gpa & 0xfff) + len) > 4096)
        abort();
    return ctl(f);
}

static int f_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct fz *f = ctx;
    (void)port;
    if (size != 1 && size != 2 && size != 4)
        abort();
    int rc = ctl(f);
    if (rc)
        return rc;
    uint32_t v = 0;
    fill(f, &v, 4);
    *val = v;
    return 0;
}

static int f_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    (void)port;
    (void)val;
    if (size != 1 && size != 2 && size != 4)
        abort();
    return ctl(ctx);
}

static int f_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    struct fz *f = ctx;
    (void)msr;
    if (ctl(f))
        return -EINVAL;
    fill(f, val, 8);
    return 0;
}

static int f_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    (void)msr;
    (void)val;
    return ctl(ctx) ? -EINVAL : 0;
}

static void f_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    (void)leaf;
    (void)sub;
    fill(ctx, out, 16);
}

static uint64_t f_rdtsc(void *ctx)
{
    uint64_t v = 0;
    fill(ctx, &v, 8);
    return v;
}

static int f_ack(void *ctx)
{
    uint8_t b = take(ctx);
    return b == 0 ? -1 : b;
}

static const struct vmp_x86_ops fz_ops = {
    .read_phys = f_read, .write_phys = f_write, .io_in = f_in, .io_out = f_out,
    .rdmsr = f_rdmsr, .wrmsr = f_wrmsr, .cpuid = f_cpuid, .rdtsc = f_rdtsc,
    .intr_ack = f_ack,
};

static void seg(struct vmp_segment *s, uint16_t sel, uint32_t limit, uint8_t type,
                uint8_t db, uint8_t l)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->limit = limit;
    s->type = type;
    s->s = 1;
    s->present = 1;
    s->db = db;
    s->l = l;
}

static size_t take_bytes(void *dst, size_t n, const uint8_t **data, size_t *size)
{
    if (n > *size)
        n = *size;
    memcpy(dst, *data, n);
    *data += n;
    *size -= n;
    return n;
}

/* FPU state from the input, so the x87 paths (stack faults, pending
 * exceptions and #MF, #NM, every class of operand) are reachable */
static void take_x87(struct vmp_x86_cpu *cpu, const uint8_t **data, size_t *size)
{
    uint8_t b[1 + 2 + 2 + 1 + 2 + 80];
    memset(b, 0, sizeof(b));
    take_bytes(b, sizeof(b), data, size);
    cpu->cr0 |= (b[0] & 1 ? VMP_CR0_NE : 0) | (b[0] & 2 ? VMP_CR0_MP : 0) |
                (b[0] & 4 ? VMP_CR0_EM : 0) | (b[0] & 8 ? VMP_CR0_TS : 0);
    cpu->cr4 |= (b[0] & 16 ? VMP_CR4_OSFXSR : 0) | (b[0] & 32 ? VMP_CR4_OSXMMEXCPT : 0);
    struct vmp_x86_fpu *f = &cpu->fpu;
    memcpy(&f->fcw, b + 1, 2);
    memcpy(&f->fsw, b + 3, 2);
    f->ftw = b[5];
    memcpy(&f->fop, b + 6, 2);
    f->fop &= 0x7ff;
    for (unsigned i = 0; i < 8; i++) {
        memcpy(&f->st[i].mant, b + 8 + 10 * i, 8);
        memcpy(&f->st[i].sexp, b + 16 + 10 * i, 2);
    }
}

static void take_sse(struct vmp_x86_cpu *cpu, const uint8_t **data, size_t *size)
{
    uint32_t mxcsr = 0x1f80;
    take_bytes(&mxcsr, 4, data, size);
    cpu->fpu.mxcsr = mxcsr & VMP_X86_MXCSR_MASK;
    take_bytes(cpu->fpu.xmm, sizeof(cpu->fpu.xmm), data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct vmp_x86_cpu cpu;
    unsigned tmpl = data[0] & 3, steps = (data[0] >> 2) + 1;
    data++;
    size--;
    vmp_x86_cpu_reset(&cpu);
    if (tmpl == 3) {
        if (size < sizeof(cpu))
            return 0;
        memcpy(&cpu, data, sizeof(cpu));
        data += sizeof(cpu);
        size -= sizeof(cpu);
    } else {
        for (unsigned i = 0; i < VMP_NR_SEGS; i++)
            seg(&cpu.seg[i], 0, 0xffff, i == VMP_CS ? 0xb : 3, 0, 0);
        cpu.rip = 0x1000;
        if (tmpl >= 1) {
            cpu.cr0 = VMP_CR0_PE | VMP_CR0_ET;
            for (unsigned i = 0; i < VMP_NR_SEGS; i++)
                seg(&cpu.seg[i], i == VMP_CS ? 8 : 16, 0xffffffff,
                    i == VMP_CS ? 0xb : 3, tmpl == 1 || i != VMP_CS,
                    tmpl == 2 && i == VMP_CS);
            cpu.gdt.limit = 0xff;
            cpu.idt.limit = 0xfff;
            cpu.tr.limit = 0x2067;
            cpu.tr.type = 11;
        }
        if (tmpl == 2) {
            cpu.cr0 |= VMP_CR0_PG | VMP_CR0_WP;
            cpu.cr4 = VMP_CR4_PAE;
            cpu.efer = VMP_EFER_LME | VMP_EFER_LMA | VMP_EFER_NXE | VMP_EFER_SCE;
        }
        uint64_t regs[17];
        memset(regs, 0, sizeof(regs));
        size_t n = size < sizeof(regs) ? size : sizeof(regs);
        memcpy(regs, data, n);
        data += n;
        size -= n;
        memcpy(cpu.gpr, regs, sizeof(cpu.gpr));
        cpu.rflags = (regs[16] & 0x3f7fd7) | 2;
        if (regs[16] >> 63)
            take_x87(&cpu, &data, &size);
        if ((regs[16] >> 62) & 1)
            take_sse(&cpu, &data, &size);
        if (tmpl != 1)
            cpu.rflags &= ~(uint64_t)VMP_FLAG_VM;
    }
    struct fz f = { .p = data, .n = size };
    for (unsigned i = 0; i < steps; i++) {
        /* the host side sometimes asserts INTR or NMI */
        uint8_t h = f.n ? f.p[0] : 0;
        cpu.irq_pending = (h & 0xc0) == 0xc0;
        cpu.nmi_pending = (h & 0xf0) == 0xb0;
        int rc = (i & 7) == 7 ? vmp_x86_emulate_one(&cpu, &fz_ops, &f, 0x1000, NULL)
                              : vmp_x86_step(&cpu, &fz_ops, &f);
        if (rc == VMP_X86_SHUTDOWN)
            break;
        if (rc == VMP_X86_UNHANDLED && !f.n)
            break;
        if (f.calls > 100000)
            abort(); /* an unbounded loop */
    }
    /* the pure decoder on the raw stream too */
    struct vmp_x86_insn in;
    for (unsigned mode = 16; mode <= 64; mode *= 2)
        (void)vmp_x86_decode_bytes(&in, mode, data, size < 15 ? (unsigned)size : 15u);
    return 0;
}
