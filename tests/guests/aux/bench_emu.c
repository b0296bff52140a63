/* Guest for bench/bench_emu_guest: CPU-bound loops whose instruction
 * counts are known, bracketed by marker lines on COM1 that the host
 * timestamps ("B<name>" before, "E<name>" after). Counts come from the
 * command line ("nram=N nmmio=N n16=N n64=N"; QEMU puts the kernel path
 * first, which is skipped):
 *   ram   32-bit: 3 instructions per iteration, one store to RAM;
 *   mmio  32-bit: the same with the store to the IOAPIC's index register
 *         (0xFEC00000, no side effect): the difference is one MMIO store
 *         through the bus;
 *   16    real mode (entered through rm_call, lib/realmode.h):
 *         lodsb/add/adc/loop, 4 instructions per iteration, 16384 per
 *         outer iteration plus 4;
 *   64    long mode (4-level paging, 2 MiB pages): 6 instructions per
 *         iteration, two of them touching memory.
 * Ends with debug exit 0 from 64-bit mode. */
#include "../lib/guest.h"
#include "../lib/realmode.h"

uint64_t pml4[512] __attribute__((aligned(4096)));
uint64_t pdpt[512] __attribute__((aligned(4096)));
uint64_t pd[512] __attribute__((aligned(4096)));
/* Data the loops store to, on a page of its own: a store to a page that
 * holds code makes QEMU's TCG drop its translations (self-modifying code),
 * which would measure that instead. */
volatile uint64_t scratch[512] __attribute__((aligned(4096)));

/* The real-mode loop, run at RM_SEG:0 by rm_call with EDX = outer count. */
extern char rm_blob[], rm_blob_end[];
void lm_run(uint32_t n) __attribute__((noreturn));

__asm__(
    "    .text\n"
    "    .code16\n"
    "    .globl rm_blob, rm_blob_end\n"
    "rm_blob:\n"
    "    cld\n"
    "2:  movw $16384, %cx\n"
    "    xorw %si, %si\n"
    "1:  lodsb\n"
    "    addb %al, %bl\n"
    "    adcb $0, %bh\n"
    "    loop 1b\n"
    "    decw %dx\n"
    "    jnz 2b\n"
    "    lret\n"
    "rm_blob_end:\n"
    "    .code32\n"

    "    .globl lm_run\n"
    "lm_run:\n" /* void lm_run(uint32_t n): never returns */
    "    movl 4(%esp), %esi\n"
    "    lgdt lm_gdt_desc\n"
    "    movl $pml4, %eax\n"
    "    movl %eax, %cr3\n"
    "    movl %cr4, %eax\n"
    "    orl $0x20, %eax\n" /* PAE */
    "    movl %eax, %cr4\n"
    "    movl $0xC0000080, %ecx\n"
    "    rdmsr\n"
    "    orl $0x100, %eax\n" /* EFER.LME */
    "    wrmsr\n"
    "    movl %cr0, %eax\n"
    "    orl $0x80000000, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmp $0x18, $lm64\n"
    "    .code64\n"
    "lm64:\n"
    "    movl %esi, %ecx\n"
    "    xorl %eax, %eax\n"
    "    xorl %ebx, %ebx\n"
    "    xorl %edx, %edx\n"
    "    leaq scratch(%rip), %rdi\n"
    "1:  addq %rcx, %rax\n"
    "    xorq %rax, %rdx\n"
    "    movq %rdx, (%rdi)\n"
    "    addq (%rdi), %rbx\n"
    "    decq %rcx\n"
    "    jnz 1b\n"
    "    leaq lm_msg(%rip), %rsi\n"
    "    movw $0x3F8, %dx\n"
    "2:  lodsb\n"
    "    testb %al, %al\n"
    "    jz 3f\n"
    "    outb %al, %dx\n"
    "    jmp 2b\n"
    "3:  movw $0xF4, %dx\n"
    "    xorl %eax, %eax\n"
    "    outb %al, %dx\n"
    "4:  hlt\n"
    "    jmp 4b\n"
    "    .code32\n"

    "    .data\n"
    "    .p2align 3\n"
    "lm_gdt:\n"
    "    .quad 0\n"
    "    .quad 0x00CF9A000000FFFF\n" /* 0x08: code, flat 32-bit */
    "    .quad 0x00CF92000000FFFF\n" /* 0x10: data, flat */
    "    .quad 0x00AF9A000000FFFF\n" /* 0x18: code, 64-bit */
    "lm_gdt_desc: .word 4 * 8 - 1\n"
    "    .long lm_gdt\n"
    "lm_msg: .asciz \"E64\\n\"\n"
    "    .text\n");

/* The value of "key=N" in the command line, or def. */
static uint32_t arg(const char *cmd, const char *key, uint32_t def)
{
    size_t kl = strlen(key);
    for (const char *s = cmd; *s; s++) {
        size_t i = 0;
        while (i < kl && s[i] == key[i])
            i++;
        if ((s == cmd || s[-1] == ' ') && i == kl && s[kl] == '=') {
            uint32_t v = 0;
            for (s += kl + 1; *s >= '0' && *s <= '9'; s++)
                v = v * 10 + (uint32_t)(*s - '0');
            return v;
        }
    }
    return def;
}

static void store_loop(volatile uint32_t *target, uint32_t n)
{
    __asm__ volatile("1: movl %%eax, (%0)\n"
                     "   decl %1\n"
                     "   jnz 1b\n"
                     : "+r"(target), "+r"(n)
                     :
                     : "eax", "memory");
}

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    const char *cmd = (mbi[0] & 4) ? (const char *)mbi[4] : "";
    uint32_t nram = arg(cmd, "nram", 100000), nmmio = arg(cmd, "nmmio", 100000);
    uint32_t n16 = arg(cmd, "n16", 30), n64 = arg(cmd, "n64", 500000);
    if (n16 > 65535)
        n16 = 65535;
    printf("counts nram=%u nmmio=%u n16=%u n64=%u\n", nram, nmmio, n16, n64);
    cli();

    if (nram) {
        printf("BRAM\n");
        store_loop((volatile uint32_t *)&scratch[0], nram);
        printf("ERAM\n");
    }
    if (nmmio) {
        printf("BMMIO\n");
        store_loop((volatile uint32_t *)0xFEC00000u, nmmio);
        printf("EMMIO\n");
    }
    if (n16) {
        rm_load(rm_blob, rm_blob_end);
        printf("B16\n");
        rm_call(0, n16);
        printf("E16\n");
    }
    for (unsigned i = 0; i < 512; i++)
        pd[i] = ((uint64_t)i << 21) | 0x83; /* present, writable, 2 MiB */
    pdpt[0] = (uint32_t)pd | 3;
    pml4[0] = (uint32_t)pdpt | 3;
    printf("B64\n");
    lm_run(n64 ? n64 : 1);
}
