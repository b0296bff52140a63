/* Real-mode code as a BIOS or a boot loader writes it, run after the same
 * protected-to-real-mode switch as realmode.c (lib/realmode.S; SDM vol. 3A
 * 9.9.2):
 *   - #DE from DIV through IVT vector 0: a fault, so the return IP is the
 *     DIV itself and the handler skips it (vol. 3A 6.5, 20.1.4);
 *   - an INT handler that reports status in the stacked FLAGS' CF, as BIOS
 *     services do, and a hardware interrupt (PIC IRQ 5) nested inside it
 *     after STI;
 *   - from real mode up to 16-bit protected mode and back down (9.9.1,
 *     9.9.2): a data segment with base 0x50000 loaded in protected mode
 *     keeps its cached base in real mode until DS is reloaded (9.9.2
 *     step 7 is what reloads it);
 *   - operand- and address-size prefixes in real mode (66, 67), REP MOVSW
 *     between two segments, LES/LDS, PUSHA/POPA, ENTER/LEAVE.
 * Everything is checked in C after the return to protected mode. */
#include "lib/guest.h"
#include "lib/pic.h"
#include "lib/realmode.h"

/* The 16-bit code and its data, run at RM_SEG:0. */
extern char rm_blob[], rm_blob_end[];
extern char res_de_count[], res_de_ax[], res_cf_status[], res_nested[], res_hw_in_int[],
    res_pm_cr0[], res_reloaded[], res_add32_lo[], res_add32_hi[],
    res_addr32[], res_les_es[], res_les_bx[], res_lds_ds[], res_lds_si[], res_popa_ok[],
    res_enter_ok[], res_done[];

static uint16_t res(const char *label) { return rm_word(rm_blob, label); }

/* Entered from rm_call (lib/realmode.h) with CS = DS = ES = SS = 0x6000,
 * FS = 0, IF clear, the GDT of lib/realmode.S; returns with RETF. */
__asm__(
    "    .text\n"
    "    .code16\n"
    "    .globl rm_blob, rm_blob_end\n"
    "rm_blob:\n"
    "    movw $(isr_de - rm_blob), %fs:(0 * 4)\n"
    "    movw %cs, %fs:(0 * 4 + 2)\n"
    "    movw $(isr31 - rm_blob), %fs:(0x31 * 4)\n"
    "    movw %cs, %fs:(0x31 * 4 + 2)\n"
    "    movw $(isr_hw - rm_blob), %fs:(0x25 * 4)\n"
    "    movw %cs, %fs:(0x25 * 4 + 2)\n"

    /* #DE: AX / 0. The handler skips the 2-byte DIV. */
    "    movw $0x4321, %ax\n"
    "    xorb %bl, %bl\n"
    "    divb %bl\n"
    "    movw %ax, (res_de_ax - rm_blob)\n"

    /* INT 0x31: status in CF of the stacked FLAGS; IRQ 5 nests inside. */
    "    clc\n"
    "    int $0x31\n"
    "    jnc 1f\n"
    "    movw $1, (res_cf_status - rm_blob)\n"
    "1:  cli\n"

    /* Up to 16-bit protected mode and back, from real mode. */
    "    movl %cr0, %eax\n"
    "    orl $1, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmp $0x18, $(pm16 - rm_blob)\n"
    "pm16:\n"
    "    movl %cr0, %eax\n"
    "    movw %ax, %ss:(res_pm_cr0 - rm_blob)\n" /* CS is not writable here */
    "    movw $0x28, %ax\n" /* data, base 0x50000 */
    "    movw %ax, %ds\n"
    "    movl %cr0, %eax\n"
    "    andl $0xFFFFFFFE, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmp $0x6000, $(rm_again - rm_blob)\n"
    "rm_again:\n"
    "    movw $0x5A5A, (0x20)\n" /* DS cache: base 0x50000 still */
    "    movw %cs, %ax\n"
    "    movw %ax, %ds\n"
    "    movw $0x6B6B, (res_reloaded - rm_blob)\n" /* base 0x60000 again */

    /* 66 and 67 prefixes. */
    "    movl $0x12345678, %eax\n"
    "    addl %eax, %eax\n"
    "    movw %ax, (res_add32_lo - rm_blob)\n"
    "    shrl $16, %eax\n"
    "    movw %ax, (res_add32_hi - rm_blob)\n"
    "    movl $(addr32_word - rm_blob), %esi\n"
    "    addr32 movw (%esi), %ax\n"
    "    movw %ax, (res_addr32 - rm_blob)\n"

    /* REP MOVSW: 64 words from 6000:(src) to 5000:0100. */
    "    movw $0x5000, %ax\n"
    "    movw %ax, %es\n"
    "    movw $(copy_src - rm_blob), %si\n"
    "    movw $0x100, %di\n"
    "    movw $64, %cx\n"
    "    cld\n"
    "    rep movsw\n"
    "    movw %cs, %ax\n"
    "    movw %ax, %es\n"

    /* LES, LDS. */
    "    les (farp1 - rm_blob), %bx\n"
    "    movw %es, %ax\n"
    "    movw %cs, %dx\n"
    "    movw %dx, %es\n"
    "    movw %ax, (res_les_es - rm_blob)\n"
    "    movw %bx, (res_les_bx - rm_blob)\n"
    "    lds (farp2 - rm_blob), %si\n"
    "    movw %ds, %ax\n"
    "    movw %cs, %dx\n"
    "    movw %dx, %ds\n"
    "    movw %ax, (res_lds_ds - rm_blob)\n"
    "    movw %si, (res_lds_si - rm_blob)\n"

    /* PUSHA/POPA, ENTER/LEAVE. */
    "    movw $0x1111, %ax\n"
    "    movw $0x2222, %bx\n"
    "    movw $0x3333, %cx\n"
    "    movw $0x4444, %dx\n"
    "    movw $0x5555, %si\n"
    "    movw $0x6666, %di\n"
    "    movw $0x7777, %bp\n"
    "    movw %sp, (sp_before - rm_blob)\n"
    "    pushaw\n"
    "    xorw %ax, %ax\n"
    "    xorw %bx, %bx\n"
    "    xorw %cx, %cx\n"
    "    xorw %dx, %dx\n"
    "    xorw %si, %si\n"
    "    xorw %di, %di\n"
    "    xorw %bp, %bp\n"
    "    popaw\n"
    "    cmpw $0x1111, %ax\n"
    "    jne 2f\n"
    "    cmpw $0x4444, %dx\n"
    "    jne 2f\n"
    "    cmpw $0x6666, %di\n"
    "    jne 2f\n"
    "    cmpw $0x7777, %bp\n"
    "    jne 2f\n"
    "    cmpw (sp_before - rm_blob), %sp\n"
    "    jne 2f\n"
    "    movw $1, (res_popa_ok - rm_blob)\n"
    "2:  enterw $8, $0\n"
    "    movw %sp, %ax\n"
    "    addw $10, %ax\n" /* 8 bytes of locals and the saved BP */
    "    cmpw (sp_before - rm_blob), %ax\n"
    "    jne 3f\n"
    "    cmpw $0x7777, (%bp)\n" /* the caller's BP, saved */
    "    jne 3f\n"
    "    leavew\n"
    "    cmpw (sp_before - rm_blob), %sp\n"
    "    jne 3f\n"
    "    cmpw $0x7777, %bp\n"
    "    jne 3f\n"
    "    movw $1, (res_enter_ok - rm_blob)\n"
    "3:  movw $1, (res_done - rm_blob)\n"
    "    lret\n" /* back to rm_call */

    "isr_de:\n"
    "    pushw %bp\n"
    "    movw %sp, %bp\n"
    "    addw $2, 2(%bp)\n" /* skip DIV r/m8 (F6 /6, two bytes) */
    "    popw %bp\n"
    "    incw %cs:(res_de_count - rm_blob)\n"
    "    movw $0x0BAD, %ax\n"
    "    iret\n"
    "isr31:\n"
    "    pushw %bp\n"
    "    movw %sp, %bp\n"
    "    orw $1, 6(%bp)\n" /* CF in the caller's FLAGS */
    "    movw $0x2005, %dx\n"
    "    movb $1, %al\n"
    "    outb %al, %dx\n"
    "    movw $20000, %cx\n"
    "    sti\n"
    "4:  cmpw $0, (res_hw_in_int - rm_blob)\n"
    "    jne 5f\n"
    "    loop 4b\n"
    "5:  cli\n"
    "    movw (res_hw_in_int - rm_blob), %ax\n"
    "    movw %ax, (res_nested - rm_blob)\n"
    "    popw %bp\n"
    "    iret\n"
    "isr_hw:\n"
    "    pushw %ax\n"
    "    pushw %dx\n"
    "    incw (res_hw_in_int - rm_blob)\n"
    "    movw $0x2005, %dx\n"
    "    xorb %al, %al\n"
    "    outb %al, %dx\n"
    "    movb $0x20, %al\n"
    "    outb %al, $0x20\n"
    "    popw %dx\n"
    "    popw %ax\n"
    "    iret\n"

    "    .p2align 2\n"
    "farp1: .word 0x1234, 0x5678\n"
    "farp2: .word 0x9ABC, 0x4000\n"
    "addr32_word: .word 0xC0DE\n"
    "sp_before: .word 0\n"
    "copy_src:\n"
    "    .rept 64\n"
    "    .word 0xF00D\n"
    "    .endr\n"
    "    .globl res_de_count, res_de_ax, res_cf_status, res_nested, res_hw_in_int\n"
    "    .globl res_pm_cr0, res_reloaded, res_add32_lo, res_add32_hi\n"
    "    .globl res_addr32, res_les_es, res_les_bx, res_lds_ds, res_lds_si\n"
    "    .globl res_popa_ok, res_enter_ok, res_done\n"
    "res_de_count: .word 0\n"
    "res_de_ax: .word 0\n"
    "res_cf_status: .word 0\n"
    "res_nested: .word 0\n"
    "res_hw_in_int: .word 0\n"
    "res_pm_cr0: .word 0\n"
    "res_reloaded: .word 0\n"
    "res_add32_lo: .word 0\n"
    "res_add32_hi: .word 0\n"
    "res_addr32: .word 0\n"
    "res_les_es: .word 0\n"
    "res_les_bx: .word 0\n"
    "res_lds_ds: .word 0\n"
    "res_lds_si: .word 0\n"
    "res_popa_ok: .word 0\n"
    "res_enter_ok: .word 0\n"
    "res_done: .word 0\n"
    "rm_blob_end:\n"
    "    .code32\n");

void test_main(void)
{
    rm_load(rm_blob, rm_blob_end);
    memset((void *)0x50000, 0, 0x200);
    pic_init();
    pic_unmask(5);
    cli();
    rm_call(0, 0);
    pic_mask(5);

    check(res(res_done) == 1, "rmb-completed", "the real-mode code ran to its end");
    check(res(res_de_count) == 1 && res(res_de_ax) == 0x0BAD, "rmb-de-fault",
          "DIV by 0 went through IVT vector 0 once and resumed after the DIV (%u, AX 0x%x)",
          res(res_de_count), res(res_de_ax));
    check(res(res_cf_status) == 1, "rmb-int-cf-status",
          "the handler's CF in the stacked FLAGS came back through IRET");
    check(res(res_nested) == 1, "rmb-nested-irq",
          "PIC IRQ 5 nested inside the INT 0x31 handler (%u)", res(res_nested));
    check(res(res_pm_cr0) & 1, "rmb-rm-to-pm16", "real mode to 16-bit protected mode (CR0 0x%x)",
          res(res_pm_cr0));
    uint16_t cached = *(volatile uint16_t *)0x50020;
    check(cached == 0x5A5A, "rmb-cached-base",
          "DS kept the base 0x50000 from protected mode until reloaded (0x%x at 0x50020)", cached);
    check(res(res_reloaded) == 0x6B6B, "rmb-reload",
          "after MOV DS the base is selector << 4 again");
    uint32_t sum = (uint32_t)res(res_add32_hi) << 16 | res(res_add32_lo);
    check(sum == 0x2468ACF0u, "rmb-opsize32", "ADD with 66 prefix: 0x%x", sum);
    check(res(res_addr32) == 0xC0DE, "rmb-adsize32", "MOV through (%%esi) with 67 prefix: 0x%x",
          res(res_addr32));
    bool copied = true;
    for (unsigned i = 0; i < 64; i++)
        copied &= ((volatile uint16_t *)0x50100)[i] == 0xF00D;
    copied &= ((volatile uint16_t *)0x50100)[64] == 0;
    check(copied, "rmb-rep-movsw", "64 words copied from 6000: to 5000:0100, not one more");
    check(res(res_les_es) == 0x5678 && res(res_les_bx) == 0x1234, "rmb-les", "ES:BX %04x:%04x",
          res(res_les_es), res(res_les_bx));
    check(res(res_lds_ds) == 0x4000 && res(res_lds_si) == 0x9ABC, "rmb-lds", "DS:SI %04x:%04x",
          res(res_lds_ds), res(res_lds_si));
    check(res(res_popa_ok) == 1, "rmb-pusha-popa", "registers and SP restored");
    check(res(res_enter_ok) == 1, "rmb-enter-leave", "ENTER 8,0 frame and LEAVE");
}
