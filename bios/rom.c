/* The 64 KiB BIOS ROM: hand-assembled 16-bit stubs (no assembler needed).
 * Every stub that needs the host traps with OUT DX,AL to port 0x0500; the
 * bytes are written here with their mnemonics beside them. Offsets are
 * within segment F000 (the ROM is mapped at 0xF0000). */
#include <string.h>
#include "svc_priv.h"

struct rom_asm {
    uint8_t *rom;
    unsigned pc;
};

static void emit(struct rom_asm *a, const uint8_t *p, size_t n)
{
    memcpy(a->rom + a->pc, p, n);
    a->pc += (unsigned)n;
}
#define E(a, ...)                                                                  \
    emit(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void align(struct rom_asm *a, unsigned n)
{
    while (a->pc % n)
        a->rom[a->pc++] = 0x90; /* nop */
}

#define TRAP_LO (VMP_BIOS_TRAP_PORT & 0xFF)
#define TRAP_HI (VMP_BIOS_TRAP_PORT >> 8)

/* The service stub (16 bytes). The caller's DX is kept on the stack while
 * DX holds the port; the host reads and writes it there.
 *   +0  52        push dx
 *   +1  BA 00 05  mov dx, 0500h
 *   +4  EE        out dx, al       ; trap: service runs, patches FLAGS image
 *   +5  85 D2     test dx, dx      ; host leaves DX=0500h, or 0 to wait
 *   +7  74 02     jz +11
 *   +9  5A        pop dx
 *   +10 CF        iret
 *   +11 FB        sti              ; wait (INT 16h read, INT 15h 86h): let
 *   +12 F4        hlt              ; an interrupt (timer tick) come in,
 *   +13 FA        cli
 *   +14 EB F1     jmp +1           ; and ask again */
static uint16_t stub_service(struct rom_asm *a, struct vmp_bios *b, enum bios_trap t)
{
    align(a, 16);
    uint16_t start = (uint16_t)a->pc;
    E(a, 0x52, 0xBA, TRAP_LO, TRAP_HI);
    b->site[t] = (uint16_t)a->pc;
    E(a, 0xEE, 0x85, 0xD2, 0x74, 0x02, 0x5A, 0xCF, 0xFB, 0xF4, 0xFA, 0xEB, 0xF1);
    return start;
}

void bios_rom_build(struct vmp_bios *b)
{
    struct rom_asm as = {b->rom, 0}, *a = &as;
    memset(b->rom, 0xFF, sizeof(b->rom));
    static const char ident[] = "vmparts virtual BIOS " VMP_VERSION_STRING;
    memcpy(b->rom, ident, sizeof(ident));
    a->pc = 0x100;

    /* Default handler for every vector nobody claims. */
    uint16_t dummy = (uint16_t)a->pc;
    E(a, 0xCF); /* iret */

    /* POST, entered from the reset vector:
     *   FA        cli
     *   FC        cld
     *   31 C0     xor ax, ax
     *   8E D0     mov ss, ax
     *   BC 00 7C  mov sp, 7C00h
     *   BA 00 05  mov dx, 0500h
     *   EE        out dx, al      ; trap: the whole POST runs host-side
     *   CD 19     int 19h         ; bootstrap
     *   F4        hlt             ; not reached: INT 19h does not return
     *   EB FD     jmp $-1 */
    align(a, 16);
    uint16_t post = (uint16_t)a->pc;
    E(a, 0xFA, 0xFC, 0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x7C, 0xBA, TRAP_LO, TRAP_HI);
    b->site[TRAP_POST] = (uint16_t)a->pc;
    E(a, 0xEE, 0xCD, 0x19, 0xF4, 0xEB, 0xFD);

    /* INT 19h bootstrap loader: the host loads sector 0 of disk 80h to
     * 0:7C00 and sets DL, SS:SP, DS, ES; DX=0 means nothing bootable.
     *   BA 00 05        mov dx, 0500h
     *   EE              out dx, al
     *   85 D2           test dx, dx
     *   74 05           jz +5
     *   EA 00 7C 00 00  jmp far 0000:7C00
     *   CD 18           int 18h */
    align(a, 16);
    uint16_t int19 = (uint16_t)a->pc;
    E(a, 0xBA, TRAP_LO, TRAP_HI);
    b->site[TRAP_INT19] = (uint16_t)a->pc;
    E(a, 0xEE, 0x85, 0xD2, 0x74, 0x05, 0xEA, 0x00, 0x7C, 0x00, 0x00, 0xCD, 0x18);

    /* INT 18h: message from the host, then halt for good.
     *   BA 00 05  mov dx, 0500h
     *   EE        out dx, al
     *   FA        cli
     *   F4        hlt
     *   EB FC     jmp cli */
    align(a, 16);
    uint16_t int18 = (uint16_t)a->pc;
    E(a, 0xBA, TRAP_LO, TRAP_HI);
    b->site[TRAP_INT18] = (uint16_t)a->pc;
    E(a, 0xEE, 0xFA, 0xF4, 0xEB, 0xFC);

    /* INT 08h, IRQ0 (IBM PC/AT TR "TIMER_INT"): the host advances the BDA
     * tick count; then the user hook INT 1Ch and EOI.
     *   52        push dx
     *   BA 00 05  mov dx, 0500h
     *   EE        out dx, al
     *   5A        pop dx
     *   CD 1C     int 1Ch
     *   50        push ax
     *   B0 20     mov al, 20h
     *   E6 20     out 20h, al     ; non-specific EOI to the master PIC
     *   58        pop ax
     *   CF        iret */
    align(a, 16);
    uint16_t int08 = (uint16_t)a->pc;
    E(a, 0x52, 0xBA, TRAP_LO, TRAP_HI);
    b->site[TRAP_INT08] = (uint16_t)a->pc;
    E(a, 0xEE, 0x5A, 0xCD, 0x1C, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);

    /* Master IRQs 1-6 (keyboard: read port 60h so the controller can send
     * the next byte):
     *   50 [E4 60] B0 20 E6 20 58 CF   push ax; [in al,60h;] mov al,20h;
     *                                  out 20h,al; pop ax; iret */
    align(a, 16);
    uint16_t irq_master = (uint16_t)a->pc;
    E(a, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    uint16_t irq_kbd = (uint16_t)a->pc;
    E(a, 0x50, 0xE4, 0x60, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    /* IRQ7: EOI only if ISR bit 7 is set (a spurious IRQ7 has none;
     * 8259A datasheet, "Spurious interrupt").
     *   50        push ax
     *   B0 0B     mov al, 0Bh     ; OCW3: read ISR
     *   E6 20     out 20h, al
     *   E4 20     in al, 20h
     *   A8 80     test al, 80h
     *   B0 20     mov al, 20h
     *   74 02     jz +2
     *   E6 20     out 20h, al
     *   58 CF     pop ax; iret */
    align(a, 16);
    uint16_t irq7 = (uint16_t)a->pc;
    E(a, 0x50, 0xB0, 0x0B, 0xE6, 0x20, 0xE4, 0x20, 0xA8, 0x80, 0xB0, 0x20, 0x74, 0x02,
      0xE6, 0x20, 0x58, 0xCF);
    /* Slave IRQs 9-14: EOI to both.
     *   50 B0 20 E6 A0 E6 20 58 CF */
    align(a, 16);
    uint16_t irq_slave = (uint16_t)a->pc;
    E(a, 0x50, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF);
    /* IRQ8 (RTC): read register C to acknowledge (MC146818A: reading C
     * clears the flags and the IRQ), then EOI both.
     *   50 B0 0C E6 70 E4 71 B0 20 E6 A0 E6 20 58 CF */
    align(a, 16);
    uint16_t irq8 = (uint16_t)a->pc;
    E(a, 0x50, 0xB0, 0x0C, 0xE6, 0x70, 0xE4, 0x71, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20,
      0x58, 0xCF);
    /* IRQ15: like IRQ7 on the slave; a spurious one still EOIs the master
     * (its IR2 cascade input was in service).
     *   50 B0 0B E6 A0 E4 A0 A8 80 B0 20 74 02 E6 A0 E6 20 58 CF */
    align(a, 16);
    uint16_t irq15 = (uint16_t)a->pc;
    E(a, 0x50, 0xB0, 0x0B, 0xE6, 0xA0, 0xE4, 0xA0, 0xA8, 0x80, 0xB0, 0x20, 0x74, 0x02,
      0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF);

    for (unsigned v = 0; v < 256; v++)
        b->ivt_off[v] = dummy;
    b->ivt_off[0x08] = int08;
    b->ivt_off[0x09] = irq_kbd;
    for (unsigned v = 0x0A; v <= 0x0E; v++)
        b->ivt_off[v] = irq_master;
    b->ivt_off[0x0F] = irq7;
    b->ivt_off[0x70] = irq8;
    for (unsigned v = 0x71; v <= 0x76; v++)
        b->ivt_off[v] = irq_slave;
    b->ivt_off[0x77] = irq15;
    b->ivt_off[0x10] = stub_service(a, b, TRAP_INT10);
    b->ivt_off[0x11] = stub_service(a, b, TRAP_INT11);
    b->ivt_off[0x12] = stub_service(a, b, TRAP_INT12);
    b->ivt_off[0x13] = stub_service(a, b, TRAP_INT13);
    b->ivt_off[0x15] = stub_service(a, b, TRAP_INT15);
    b->ivt_off[0x16] = stub_service(a, b, TRAP_INT16);
    b->ivt_off[0x1A] = stub_service(a, b, TRAP_INT1A);
    b->ivt_off[0x18] = int18;
    b->ivt_off[0x19] = int19;

    /* INT 15h C0h system configuration table (RBIL INT 15/AH=C0h): length
     * 8, model FCh (AT), submodel 01h, revision 0, feature byte 1 = 64h
     * (bit 6 second 8259, bit 5 RTC, bit 2 EBDA allocated), bytes 2-5 0. */
    static const uint8_t cfgtab[] = {0x08, 0x00, 0xFC, 0x01, 0x00, 0x64, 0x00,
                                     0x00, 0x00, 0x00};
    memcpy(b->rom + ROM_CONFIG_TABLE, cfgtab, sizeof(cfgtab));

    /* Reset vector F000:FFF0 (0xFFFFFFF0 through the alias):
     *   EA oo oo 00 F0   jmp far F000:post */
    a->pc = ROM_RESET;
    E(a, 0xEA, (uint8_t)post, (uint8_t)(post >> 8), 0x00, 0xF0);
    memcpy(b->rom + ROM_DATE, "11/24/26", 8);
    b->rom[ROM_MODEL] = 0xFC; /* PC/AT model byte */
    b->rom[ROM_MODEL + 1] = 0x00;
}
