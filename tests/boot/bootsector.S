/* A boot sector for tests/boot/bootsector.sh: what a boot loader asks of
 * the BIOS, checked step by step, each step printed through INT 10h AH=0Eh
 * (teletype, mirrored to the serial console):
 *   DL = 80h from INT 19h; INT 13h AH=41h (EDD present, BX = AA55h);
 *   INT 13h AH=42h reads LBA 1 (the script put a line there) to 0:8000h;
 *   INT 15h E820h walks the map and finds RAM at 1 MiB;
 *   a write to the BIOS ROM (F000:FFF0) leaves it unchanged;
 *   "RSD PTR " and "_SM3_" are on 16-byte boundaries in F0000h-FFFFFh;
 * then port 0xF4 ends the run: 0 when every step passed (vmp status 1),
 * else the number of the failed step. Built with GNU as (--32, .code16). */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $0x7C00, %sp
    sti
    movb %dl, drive
    movw $m_hello, %si
    call puts
    movb $1, %al                 /* step 1: DL */
    cmpb $0x80, drive
    jne fail
    movb $0x41, %ah              /* step 2: EDD installation check */
    movw $0x55AA, %bx
    movb $0x80, %dl
    int $0x13
    movb $2, %al
    jc fail
    cmpw $0xAA55, %bx
    jne fail
    movw $dap, %si               /* step 3: extended read of LBA 1 */
    movb $0x42, %ah
    movb $0x80, %dl
    int $0x13
    movb $3, %al
    jc fail
    movw $0x8000, %si
    call puts
    xorl %ebx, %ebx              /* step 4: E820 */
    xorw %bp, %bp                /* entries */
    movb $0, ram1m
e820:
    movw $0x9000, %di
    movl $0xE820, %eax
    movl $0x534D4150, %edx
    movl $24, %ecx
    int $0x15
    jc e820_end
    cmpl $0x534D4150, %eax
    jne e820_bad
    incw %bp
    cmpl $0x100000, %es:0x9000   /* base low */
    jne 1f
    cmpl $0, %es:0x9004
    jne 1f
    cmpl $1, %es:0x9010          /* type RAM */
    jne 1f
    movb $1, ram1m
1:  testl %ebx, %ebx
    jnz e820
e820_end:
    movb $4, %al
    cmpw $3, %bp                 /* low RAM, reserved, RAM from 1 MiB at least */
    jb fail
    cmpb $1, ram1m
    jne fail
    movw $m_e820, %si
    call puts
    movw %bp, %ax
    addb $'0', %al
    movb $0x0E, %ah
    movw $7, %bx
    int $0x10
    movw $0xF000, %ax            /* step 5: the BIOS ROM ignores writes */
    movw %ax, %es
    movb %es:0xFFF0, %al
    notb %es:0xFFF0
    cmpb %es:0xFFF0, %al
    movb $5, %al
    jne fail
    movw $m_rom, %si
    call puts
    xorw %di, %di                /* step 6: the RSDP and SMBIOS 3 anchors */
    xorb %dl, %dl                /* on 16-byte boundaries of F000h */
scan:
    cmpl $0x20445352, %es:(%di)  /* "RSD " */
    jne 1f
    cmpl $0x20525450, %es:4(%di) /* "PTR " */
    jne 1f
    orb $1, %dl
1:  cmpl $0x334D535F, %es:(%di)  /* "_SM3" */
    jne 2f
    orb $2, %dl
2:  addw $16, %di
    jnz scan
    movb $6, %al
    cmpb $3, %dl
    jne fail
    movw $m_tab, %si
    call puts
    movw $m_ok, %si
    call puts
    xorb %al, %al
    outb %al, $0xF4
    hlt
e820_bad:
    movb $4, %al
fail:
    pushw %ax
    movw $m_fail, %si
    call puts
    popw %ax
    outb %al, $0xF4
    hlt

puts:
    lodsb
    testb %al, %al
    jz 2f
    movb $0x0E, %ah
    movw $7, %bx
    int $0x10
    jmp puts
2:  ret

m_hello: .asciz "boot: started from disk 80h\r\n"
m_e820:  .asciz "boot: E820 entries: "
m_rom:   .asciz "\r\nboot: ROM write ignored"
m_tab:   .asciz "\r\nboot: RSDP, _SM3_"
m_ok:    .asciz "\r\nboot: all steps passed\r\n"
m_fail:  .asciz "boot: FAILED\r\n"
drive:   .byte 0
ram1m:   .byte 0
    .p2align 2
dap:     .byte 0x10, 0
         .word 1                 /* sectors */
         .word 0x8000, 0         /* offset, segment */
         .long 1, 0              /* LBA 1 */
    .org 510
    .byte 0x55, 0xAA
