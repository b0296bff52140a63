/* Multiboot v1 entry for the guest tests: header, boot stack, IDT stubs,
 * and the AP trampoline that INIT/SIPI starts other vCPUs in. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, memory info */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .code32
    .globl _start
_start:
    cli
    lgdt gdt_desc
    ljmp $0x08, $1f
1:  movw $0x10, %cx
    movw %cx, %ds
    movw %cx, %es
    movw %cx, %ss
    movw %cx, %fs
    movw %cx, %gs
    movl $boot_stack_top, %esp
    pushl %ebx              /* Multiboot info */
    pushl %eax              /* Multiboot magic */
    call guest_entry
2:  hlt
    jmp 2b

/* Interrupt stubs: push a dummy error code where the CPU does not, then the
 * vector, and call the C dispatcher with a pointer to the frame. */
#define HAS_ERR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21)
    .macro stub n
    .align 16
isr_\n:
    .if !((\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21))
    pushl $0
    .endif
    pushl $\n
    jmp isr_common
    .endm

    .align 16
isr_table_start:
    .altmacro
    .set i, 0
    .rept 256
    stub %i
    .set i, i + 1
    .endr

isr_common:
    pushal
    cld
    pushl %esp
    call isr_dispatch
    addl $4, %esp
    popal
    addl $8, %esp
    /* Return without IRET: KVM's instruction emulator, which runs all
     * CPL-0 code on the PVM host these tests run on, handles IRET only in
     * real mode. Same-privilege return by hand: stack is EIP, CS, EFLAGS;
     * push a copy of EFLAGS, POPF it, then LRET $4 pops EIP and CS and
     * drops the original EFLAGS slot. An interrupt let in between POPF and
     * LRET nests on this stack and returns here, which is harmless. */
    pushl 8(%esp)
    popfl
    lret $4

    .globl isr_stub_addr
/* uint32_t isr_stub_addr(unsigned n): each stub starts on a 16-byte boundary. */
isr_stub_addr:
    movl 4(%esp), %eax
    shll $4, %eax
    addl $isr_table_start, %eax
    ret

/* AP trampoline: copied to a page below 1 MiB; SIPI starts it in real mode
 * with CS = page >> 4. It loads the GDT, enters protected mode and jumps to
 * ap_entry32 with a stack from ap_stack_ptr. */
    .globl ap_tramp_start, ap_tramp_end
    .code16
ap_tramp_start:
    cli
    movw %cs, %ax
    movw %ax, %ds
    lgdtl (ap_gdt_desc - ap_tramp_start)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl *(ap_far - ap_tramp_start)
    .align 4
ap_far:
    .long ap_entry32
    .word 0x08
ap_gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
ap_tramp_end:

    .code32
ap_entry32:
    movw $0x10, %cx
    movw %cx, %ds
    movw %cx, %es
    movw %cx, %ss
    movw %cx, %fs
    movw %cx, %gs
    movl ap_stack_ptr, %esp
    call ap_main
3:  cli
    hlt
    jmp 3b

    .data
    .align 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF   /* 0x08: code, flat 32-bit */
    .quad 0x00CF92000000FFFF   /* 0x10: data, flat */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
    .globl ap_stack_ptr
ap_stack_ptr:
    .long 0

    .bss
    .align 16
    .space 16384
boot_stack_top:
