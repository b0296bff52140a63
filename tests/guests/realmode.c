/* Real mode: from the Multiboot kernel's 32-bit protected mode down to real
 * mode (SDM vol. 3A 9.9.2: a 16-bit code segment with a 64 KiB limit,
 * 64 KiB data segments, the real-mode IVT in IDTR, CR0.PE cleared, a far
 * JMP to load CS; lib/realmode.S), and there:
 *   - INT n and INT3 through the IVT (vol. 3A 20.1.4): the handler sees
 *     IF clear and the return CS:IP on its stack; IRET restores FLAGS;
 *   - a hardware interrupt from the 8259A (test device IRQ 5 on vector
 *     0x25) delivered through the IVT;
 *   - far CALL direct, indirect through an m16:16 in memory, to another CS
 *     aliasing the same bytes (CS = 0x5FF0, IP + 0x100), and RETF imm16
 *     popping a parameter (vol. 2A CALL, RET);
 *   - real-mode addressing: ES = 0x5000, ES:0x10 is linear 0x50010;
 * then back up to protected mode (9.9.1: CR0.PE set, a far JMP to a 32-bit
 * code segment, segment and IDT reloads) and the checks in C. */
#include "lib/guest.h"
#include "lib/pic.h"
#include "lib/realmode.h"

/* The 16-bit code and its data, run at RM_SEG:0. */
extern char rm_blob[], rm_blob_end[];
extern char res_cr0[], res_ax[], res_flags_in[], res_flags_after[], res_ret_ip[], res_ret_cs[],
    res_int_count[], res_int3_count[], res_hw_count[], res_far_count[], res_far_cs1[],
    res_far_cs2[], res_far_cs3[], res_param[], res_sp_delta[], res_ret30[];

/* A 16-bit result the real-mode code left in the copy at RM_BASE. */
static uint16_t res(const char *label) { return rm_word(rm_blob, label); }

/* Entered from rm_call (lib/realmode.h) with CS = DS = ES = SS = 0x6000,
 * FS = 0, IF clear; returns with RETF. */
__asm__(
    "    .text\n"
    "    .code16\n"
    "    .globl rm_blob, rm_blob_end\n"
    "rm_blob:\n"
    "    movl %cr0, %eax\n"
    "    movw %ax, (res_cr0 - rm_blob)\n"

    /* IVT entries: 0x30 (INT n), 3 (INT3), 0x25 (PIC IRQ 5). */
    "    movw $(isr30 - rm_blob), %fs:(0x30 * 4)\n"
    "    movw %cs, %fs:(0x30 * 4 + 2)\n"
    "    movw $(isr3 - rm_blob), %fs:(3 * 4)\n"
    "    movw %cs, %fs:(3 * 4 + 2)\n"
    "    movw $(isr_hw - rm_blob), %fs:(0x25 * 4)\n"
    "    movw %cs, %fs:(0x25 * 4 + 2)\n"

    /* INT 0x30 with IF and CF set. */
    "    movw $0x1234, %ax\n"
    "    pushw $0x0203\n"
    "    popfw\n"
    "    int $0x30\n"
    "rm_ret30:\n"
    "    pushfw\n"
    "    popw (res_flags_after - rm_blob)\n"
    "    cli\n"
    "    movw %ax, (res_ax - rm_blob)\n"
    "    movw $(rm_ret30 - rm_blob), (res_ret30 - rm_blob)\n"
    /* INT3, twice. */
    "    int3\n"
    "    int3\n"

    /* Hardware interrupt: raise IRQ 5 and wait with IF set. */
    "    movw $0x2005, %dx\n"
    "    movb $1, %al\n"
    "    outb %al, %dx\n"
    "    movw $20000, %cx\n"
    "    sti\n"
    "1:  cmpw $0, (res_hw_count - rm_blob)\n"
    "    jne 2f\n"
    "    loop 1b\n"
    "2:  cli\n"

    /* Far calls. */
    "    lcall $0x6000, $(farfn - rm_blob)\n"
    "    lcall *(farptr - rm_blob)\n"
    "    lcall $0x5FF0, $(farfn_alias - rm_blob + 0x100)\n"
    "    movw %sp, %bx\n"
    "    pushw $0xBEEF\n"
    "    lcall $0x6000, $(farfn_ret2 - rm_blob)\n"
    "    subw %sp, %bx\n"
    "    movw %bx, (res_sp_delta - rm_blob)\n"
    "    movw %ax, (res_param - rm_blob)\n"

    /* Addressing: ES = 0x5000. */
    "    movw $0x5000, %ax\n"
    "    movw %ax, %es\n"
    "    movw $0xA5A5, %es:0x10\n"
    "    lret\n" /* back to rm_call */

    /* Handlers and far functions (DS = 0x6000 throughout). */
    "isr30:\n"
    "    pushfw\n"
    "    popw %cs:(res_flags_in - rm_blob)\n"
    "    movw %sp, %bp\n"
    "    movw 0(%bp), %bx\n"
    "    movw %bx, %cs:(res_ret_ip - rm_blob)\n"
    "    movw 2(%bp), %bx\n"
    "    movw %bx, %cs:(res_ret_cs - rm_blob)\n"
    "    incw %ax\n"
    "    incw %cs:(res_int_count - rm_blob)\n"
    "    iret\n"
    "isr3:\n"
    "    incw (res_int3_count - rm_blob)\n"
    "    iret\n"
    "isr_hw:\n"
    "    pushw %ax\n"
    "    pushw %dx\n"
    "    incw (res_hw_count - rm_blob)\n"
    "    movw $0x2005, %dx\n" /* lower the line, then EOI */
    "    xorb %al, %al\n"
    "    outb %al, %dx\n"
    "    movb $0x20, %al\n"
    "    outb %al, $0x20\n"
    "    popw %dx\n"
    "    popw %ax\n"
    "    iret\n"
    "farfn:\n"
    "    movw %cs, (res_far_cs1 - rm_blob)\n"
    "    incw (res_far_count - rm_blob)\n"
    "    lret\n"
    "farfn2:\n"
    "    movw %cs, (res_far_cs2 - rm_blob)\n"
    "    incw (res_far_count - rm_blob)\n"
    "    lret\n"
    "farfn_alias:\n"
    "    movw %cs, (res_far_cs3 - rm_blob)\n"
    "    incw (res_far_count - rm_blob)\n"
    "    lret\n"
    "farfn_ret2:\n"
    "    pushw %bp\n"
    "    movw %sp, %bp\n"
    "    movw 6(%bp), %ax\n"
    "    popw %bp\n"
    "    incw (res_far_count - rm_blob)\n"
    "    lret $2\n"

    "    .p2align 2\n"
    "farptr: .word farfn2 - rm_blob, 0x6000\n"
    "    .globl res_cr0, res_ax, res_flags_in, res_flags_after, res_ret_ip, res_ret_cs\n"
    "    .globl res_int_count, res_int3_count, res_hw_count, res_far_count, res_far_cs1\n"
    "    .globl res_far_cs2, res_far_cs3, res_param, res_sp_delta, res_ret30\n"
    "res_cr0: .word 0xFFFF\n"
    "res_ax: .word 0\n"
    "res_flags_in: .word 0xFFFF\n"
    "res_flags_after: .word 0\n"
    "res_ret_ip: .word 0\n"
    "res_ret_cs: .word 0\n"
    "res_ret30: .word 0\n"
    "res_int_count: .word 0\n"
    "res_int3_count: .word 0\n"
    "res_hw_count: .word 0\n"
    "res_far_count: .word 0\n"
    "res_far_cs1: .word 0\n"
    "res_far_cs2: .word 0\n"
    "res_far_cs3: .word 0\n"
    "res_param: .word 0\n"
    "res_sp_delta: .word 0xFFFF\n"
    "rm_blob_end:\n"
    "    .code32\n");

void test_main(void)
{
    rm_load(rm_blob, rm_blob_end);
    *(volatile uint16_t *)0x50010 = 0;
    pic_init();
    pic_unmask(5);
    cli();
    rm_call(0, 0);
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    pic_mask(5);

    check(cr0 & 1, "rm-back-to-pm", "CR0.PE set again, C code runs (CR0 0x%x)", cr0);
    check((res(res_cr0) & 1) == 0, "rm-entered", "CR0.PE clear in real mode (0x%x)", res(res_cr0));
    check(res(res_int_count) == 1 && res(res_ax) == 0x1235, "rm-int-ivt",
          "INT 0x30 ran its IVT handler %u time(s), AX 0x%x", res(res_int_count), res(res_ax));
    check(res(res_ret_cs) == 0x6000 && res(res_ret_ip) == res(res_ret30), "rm-int-frame",
          "handler saw return %04x:%04x (want 6000:%04x)", res(res_ret_cs), res(res_ret_ip),
          res(res_ret30));
    check(!(res(res_flags_in) & 0x200), "rm-int-clears-if", "FLAGS in the handler 0x%x",
          res(res_flags_in));
    check((res(res_flags_after) & 0x201) == 0x201, "rm-iret-flags",
          "IRET restored IF and CF (FLAGS 0x%x)", res(res_flags_after));
    check(res(res_int3_count) == 2, "rm-int3", "INT3 through IVT vector 3: %u of 2",
          res(res_int3_count));
    check(res(res_hw_count) == 1, "rm-hw-irq", "PIC IRQ 5 through IVT vector 0x25: %u of 1",
          res(res_hw_count));
    check(res(res_far_count) == 4, "rm-far-calls", "%u of 4 far calls returned",
          res(res_far_count));
    check(res(res_far_cs1) == 0x6000 && res(res_far_cs2) == 0x6000, "rm-far-call-cs",
          "direct and indirect (m16:16) far calls: CS %04x, %04x", res(res_far_cs1),
          res(res_far_cs2));
    check(res(res_far_cs3) == 0x5FF0, "rm-far-call-alias",
          "CS 0x5FF0 with IP + 0x100 runs the same bytes (CS %04x)", res(res_far_cs3));
    check(res(res_param) == 0xBEEF && res(res_sp_delta) == 0, "rm-retf-imm",
          "RETF 2 popped the parameter 0x%x (SP moved by %d)", res(res_param),
          (int16_t)res(res_sp_delta));
    uint16_t es_word = *(volatile uint16_t *)0x50010;
    check(es_word == 0xA5A5, "rm-segment-base", "ES 0x5000:0x10 wrote linear 0x50010 (0x%x)",
          es_word);
}
