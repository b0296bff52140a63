/* The way down to real mode and back up for the guest tests (realmode.h
 * says what the real-mode code sees). rm_call runs in 32-bit protected
 * mode; the part between rm_tramp and rm_tramp_end is copied by rm_load to
 * RM_BASE + RM_TRAMP_OFF and runs there, first as 16-bit protected-mode
 * code through RM_SEL_CODE16 and then in real mode at RM_SEG. */
#include "realmode.h"

/* A 16-bit segment descriptor with a 64 KiB limit (SDM vol. 3A 3.4.5). */
    .macro desc16 base, access
    .long (((\base) & 0xFFFF) << 16) | 0xFFFF
    .long (((\base) >> 16) & 0xFF) | ((\access) << 8) | ((\base) & 0xFF000000)
    .endm

#define TRAMP(label) (RM_TRAMP_OFF + (label) - rm_tramp)

    .text
    .code32
    .globl rm_call
/* void rm_call(uint16_t entry, uint32_t edx) */
rm_call:
    pushal
    movl 36(%esp), %eax
    movw %ax, RM_BASE + TRAMP(rm_target)
    movl 40(%esp), %edx
    movl %esp, rm_saved_esp
    sidt rm_saved_idt
    sgdt rm_saved_gdt
    lgdt rm_gdt_desc
    ljmp $RM_SEL_CODE16, $TRAMP(rm16)

    .code16
    .globl rm_tramp, rm_tramp_end
rm_tramp:
/* 16-bit protected mode, CS base RM_BASE (vol. 3A 9.9.2 steps 3-6): 64 KiB
 * data segments, the IVT in IDTR, then PE off and a far JMP to load CS. */
rm16:
    movw $RM_SEL_DATA16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    lidt TRAMP(rm_ivt_desc)
    movl %cr0, %eax
    andl $0xFFFFFFFE, %eax
    movl %eax, %cr0
    ljmp $RM_SEG, $TRAMP(rm_real)
rm_real:                        /* step 7: real-mode segments and stack */
    movw %cs, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $RM_STACK_TOP, %sp
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    lcall *TRAMP(rm_target)
/* Back to protected mode (9.9.1): PE on, a far JMP to 32-bit code. */
    cli
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $RM_SEL_CODE32, $rm_back32
    .p2align 2
rm_target:
    .word 0, RM_SEG
rm_ivt_desc:
    .word 0x3FF
    .long 0
rm_tramp_end:

    .code32
rm_back32:
    movw $RM_SEL_DATA32, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl rm_saved_esp, %esp
    lgdt rm_saved_gdt
    lidt rm_saved_idt
    popal
    ret

    .data
    .p2align 3
rm_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF    /* RM_SEL_CODE32 */
    .quad 0x00CF92000000FFFF    /* RM_SEL_DATA32 */
    desc16 RM_BASE, 0x9A        /* RM_SEL_CODE16 */
    desc16 RM_BASE, 0x92        /* RM_SEL_DATA16 */
    desc16 0x50000, 0x92        /* RM_SEL_DATA16_5 */
rm_gdt_end:
rm_gdt_desc:
    .word rm_gdt_end - rm_gdt - 1
    .long rm_gdt
rm_saved_gdt:
    .word 0
    .long 0
rm_saved_idt:
    .word 0
    .long 0
rm_saved_esp:
    .long 0
