/* Emulated instructions per second: a CPU-bound 64-bit loop (4-level
 * paging on, so every fetch and data access is translated) and a 16-bit
 * real-mode loop with string and memory operands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vmparts/x86emu.h>

#define RAM (4u << 20)
static uint8_t *ram;

static int rd(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    (void)ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return -EFAULT;
    memcpy(buf, ram + gpa, len);
    return 0;
}

static int wr(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    (void)ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return -EFAULT;
    memcpy(ram + gpa, buf, len);
    return 0;
}

static const struct vmp_x86_ops ops = { .read_phys = rd, .write_phys = wr };

/* CPU time of this process, so a loaded machine skews the rate less */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static double run(struct vmp_x86_cpu *cpu, uint64_t stop_rip, uint64_t *count)
{
    uint64_t n = 0;
    double t0 = now();
    while (cpu->rip != stop_rip) {
        int rc = vmp_x86_step(cpu, &ops, NULL);
        if (rc != VMP_X86_OK) {
            fprintf(stderr, "step failed: %d at %llx\n", rc, (unsigned long long)cpu->rip);
            exit(1);
        }
        n++;
    }
    *count = n;
    return now() - t0;
}

int main(void)
{
    ram = calloc(1, RAM);
    struct vmp_x86_cpu cpu;
    uint64_t n;

    /* 64-bit: identity map 4 MiB with 4 KiB pages at 0x300000 */
    vmp_x86_cpu_reset(&cpu);
    uint64_t v;
    v = 0x301007; memcpy(ram + 0x300000, &v, 8);
    v = 0x302007; memcpy(ram + 0x301000, &v, 8);
    for (unsigned i = 0; i < 2; i++) {
        v = (0x303000 + i * 0x1000) | 7;
        memcpy(ram + 0x302000 + i * 8, &v, 8);
        for (unsigned j = 0; j < 512; j++) {
            v = ((uint64_t)(i * 512 + j) << 12) | 7;
            memcpy(ram + 0x303000 + i * 0x1000 + j * 8, &v, 8);
        }
    }
    cpu.cr3 = 0x300000;
    cpu.cr4 = VMP_CR4_PAE;
    cpu.efer = VMP_EFER_LME | VMP_EFER_LMA;
    cpu.cr0 = VMP_CR0_PE | VMP_CR0_PG | VMP_CR0_ET;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        seg(&cpu.seg[i], i == VMP_CS ? 8 : 16, 0xffffffff, i == VMP_CS ? 0xb : 3,
            i != VMP_CS, i == VMP_CS);
    /* 0x1000: mov ecx, 1000000
     * loop:   add rax, rcx ; xor rdx, rax ; mov [rsp-8], rdx ;
     *         mov rbx, [rsp-8] ; dec ecx ; jnz loop ; hlt-free end */
    static const uint8_t code64[] = {
        0xb9, 0x40, 0x42, 0x0f, 0x00,       /* mov ecx, 1000000 */
        0x48, 0x01, 0xc8,                   /* add rax, rcx */
        0x48, 0x31, 0xc2,                   /* xor rdx, rax */
        0x48, 0x89, 0x54, 0x24, 0xf8,       /* mov [rsp-8], rdx */
        0x48, 0x8b, 0x5c, 0x24, 0xf8,       /* mov rbx, [rsp-8] */
        0xff, 0xc9,                         /* dec ecx */
        0x75, 0xec,                         /* jnz loop (-20) */
        0x90,
    };
    memcpy(ram + 0x1000, code64, sizeof(code64));
    cpu.rip = 0x1000;
    cpu.gpr[VMP_RSP] = 0x80000;
    double t = run(&cpu, 0x1000 + sizeof(code64) - 1, &n);
    printf("x86emu 64-bit loop (paging, 2 of 6 insns touch memory): %llu insns in %.3f s CPU = %.2f M insn/s\n",
           (unsigned long long)n, t, n / t / 1e6);

    /* 16-bit real mode: checksum of a 32 KiB buffer with lodsb */
    vmp_x86_cpu_reset(&cpu);
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        seg(&cpu.seg[i], 0, 0xffff, i == VMP_CS ? 0xb : 3, 0, 0);
    static const uint8_t code16[] = {
        0xbb, 0x00, 0x00,       /* mov bx, 0 */
        0xba, 0x20, 0x00,       /* mov dx, 32 (outer) */
        0xbe, 0x00, 0x80,       /* o: mov si, 0x8000 */
        0xb9, 0x00, 0x80,       /* mov cx, 0x8000 */
        0xac,                   /* l: lodsb */
        0x00, 0xc3,             /* add bl, al */
        0x80, 0xd7, 0x00,       /* adc bh, 0 */
        0xe2, 0xf8,             /* loop l */
        0x4a,                   /* dec dx */
        0x75, 0xef,             /* jnz o */
        0x90,
    };
    memcpy(ram + 0x1000, code16, sizeof(code16));
    for (unsigned i = 0; i < 0x8000; i++)
        ram[0x8000 + i] = (uint8_t)i;
    cpu.rip = 0x1000;
    cpu.gpr[VMP_RSP] = 0x7000;
    t = run(&cpu, 0x1000 + sizeof(code16) - 1, &n);
    printf("x86emu 16-bit real-mode loop (lodsb/add/adc/loop): %llu insns in %.3f s CPU = %.2f M insn/s\n",
           (unsigned long long)n, t, n / t / 1e6);
    free(ram);
    return 0;
}
