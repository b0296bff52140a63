/* Emulated x87 instructions per second, in 32-bit flat protected mode:
 * a register loop (FLD1, FADDP, JMP), a memory loop (FLD m64, FMUL m64,
 * FSTP m64, JMP) and, for scale, an integer loop (INC, ADD, JMP). The
 * numeric x87 instructions run on the host FPU (emulator/x86_x87_host.c);
 * this shows what the state transfer costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmparts/x86emu.h>
#include "common/bench.h"

#define RAM (1u << 20)

struct machine {
    uint8_t *ram;
    struct vmp_x86_cpu cpu;
};

static int rd(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct machine *m = ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return -EFAULT;
    memcpy(buf, m->ram + gpa, len);
    return 0;
}

static int wr(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct machine *m = ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return -EFAULT;
    memcpy(m->ram + gpa, buf, len);
    return 0;
}

static const struct vmp_x86_ops ops = { .read_phys = rd, .write_phys = wr };

static void prot32(struct machine *m, const uint8_t *code, size_t len)
{
    vmp_x86_cpu_reset(&m->cpu);
    m->cpu.cr0 = VMP_CR0_PE | VMP_CR0_ET | VMP_CR0_NE;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++) {
        struct vmp_segment *s = &m->cpu.seg[i];
        memset(s, 0, sizeof(*s));
        s->selector = i == VMP_CS ? 8 : 16;
        s->limit = 0xffffffff;
        s->type = i == VMP_CS ? 0xb : 3;
        s->s = s->present = s->db = s->g = 1;
    }
    m->cpu.rip = 0x1000;
    memcpy(m->ram + 0x1000, code, len);
    double one = 1.0000001;
    memcpy(m->ram + 0x2000, &one, 8);
    memcpy(m->ram + 0x2008, &one, 8);
}

static void body(void *opaque, uint64_t iters)
{
    struct machine *m = opaque;
    uint64_t done = 0;
    if (vmp_x86_run(&m->cpu, &ops, m, iters, &done) != VMP_X86_OK || done != iters) {
        fprintf(stderr, "bench_x87: the loop stopped at %llx\n",
                (unsigned long long)m->cpu.rip);
        exit(1);
    }
}

static void loop(const char *name, const uint8_t *code, size_t len)
{
    struct machine m;
    m.ram = calloc(1, RAM);
    if (!m.ram)
        exit(1);
    prot32(&m, code, len);
    m.cpu.fpu.fcw = 0x37f;
    double ns = bench_median_ns(body, &m, 300000, 5);
    bench_report(name, 1e3 / ns, "M instr/s");
    free(m.ram);
}

int main(void)
{
    /* one FLD1 first so FADDP always has two operands */
    static const uint8_t reg[] = { 0xd9, 0xe8, 0xd9, 0xe8, 0xde, 0xc1, 0xeb, 0xfa };
    static const uint8_t mem[] = { 0xdd, 0x05, 0x00, 0x20, 0x00, 0x00,
                                   0xdc, 0x0d, 0x08, 0x20, 0x00, 0x00,
                                   0xdd, 0x1d, 0x00, 0x20, 0x00, 0x00, 0xeb, 0xee };
    static const uint8_t alu[] = { 0x40, 0x01, 0xc3, 0xeb, 0xfb };
    loop("x87 register loop (fld1, faddp, jmp)", reg, sizeof(reg));
    loop("x87 memory loop (fld m64, fmul m64, fstp m64, jmp)", mem, sizeof(mem));
    loop("integer loop (inc, add, jmp)", alu, sizeof(alu));
    return 0;
}
