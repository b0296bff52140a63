/* POST, run host-side inside the reset path's single trap.
 *
 * Order follows a PC/AT BIOS (IBM PC/AT Technical Reference, "POST"):
 * interrupt vectors, BIOS data area (RBIL "Format of BIOS Data Segment"),
 * EBDA, video mode 3, CMOS configuration bytes (IBM PC/AT CMOS map,
 * 10h-2Fh with the checksum at 2Eh-2Fh; 30h-31h, 34h-35h as SeaBIOS and
 * QEMU use them), the interrupt controllers (8259A ICWs, PIT channel 0 at
 * 18.2 Hz, local APIC virtual-wire mode per the MP spec 1.4 section 3.6.2.2,
 * IOAPIC entries masked), PCI resources, then the ACPI/SMBIOS tables by
 * the board's hook. The boot itself is INT 19h, which the ROM stub calls
 * right after this trap. */
#include <string.h>
#include <vmparts/bus.h>
#include "svc_priv.h"

static void outb(struct vmp_bios *b, uint16_t port, uint8_t v)
{
    vmp_space_write(b->cfg.pio, port, v, 1);
}

static void setup_ivt(struct vmp_bios *b)
{
    uint8_t ivt[1024];
    for (unsigned v = 0; v < 256; v++) {
        uint16_t off = b->ivt_off[v];
        ivt[4 * v] = (uint8_t)off;
        ivt[4 * v + 1] = (uint8_t)(off >> 8);
        ivt[4 * v + 2] = 0x00;
        ivt[4 * v + 3] = 0xF0;
    }
    /* Pointers to tables we do not have, and the user vectors 60h-67h,
     * are zero (IBM PC/AT TR: 1Dh video parameters, 1Eh diskette
     * parameters, 1Fh graphics characters, 41h/46h disk parameters). */
    static const uint8_t none[] = {0x1D, 0x1E, 0x1F, 0x41, 0x43, 0x46,
                                   0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67};
    for (unsigned i = 0; i < sizeof(none); i++)
        memset(ivt + 4 * none[i], 0, 4);
    (void)vmp_mem_write(b->env.mem, 0, ivt, sizeof(ivt));
}

static uint16_t base_kib(const struct vmp_bios *b)
{
    /* Conventional RAM from 0, as the map says (the EBDA is reserved). */
    uint64_t end = 0;
    for (size_t i = 0; i < b->e820_count; i++)
        for (size_t j = 0; j < b->e820_count; j++) {
            const struct vmp_e820_entry *e = &b->e820[j];
            if (e->type == VMP_E820_RAM && e->addr <= end && e->addr + e->size > end)
                end = e->addr + e->size;
        }
    if (end > VMP_BIOS_EBDA)
        end = VMP_BIOS_EBDA;
    return (uint16_t)(end >> 10);
}

static void setup_bda(struct vmp_bios *b)
{
    uint8_t zero[256] = {0};
    (void)vmp_mem_write(b->env.mem, BDA, zero, sizeof(zero));
    unsigned ncom = 0;
    for (unsigned i = 0; i < 4; i++)
        if (b->cfg.com_ports[i])
            bda_wr16(b, BDA_COM + 2 * ncom++, b->cfg.com_ports[i]);
    bda_wr16(b, BDA_EBDA_SEG, VMP_BIOS_EBDA >> 4);
    /* Equipment word (INT 11h): bit 1 math coprocessor, bits 5-4 = 10b
     * 80x25 colour, bits 11-9 serial ports; no diskette (bit 0 clear). */
    bda_wr16(b, BDA_EQUIP, (uint16_t)(0x0002 | 0x0020 | ncom << 9));
    bda_wr16(b, BDA_MEM_KIB, base_kib(b));
    bda_wr16(b, BDA_KB_START, 0x1E);
    bda_wr16(b, BDA_KB_END, 0x3E);
    bda_wr16(b, BDA_KB_HEAD, 0x1E);
    bda_wr16(b, BDA_KB_TAIL, 0x1E);
    bda_wr8(b, BDA_KB_MODE, 0x10); /* 101/102-key keyboard */
    bda_wr8(b, BDA_DISK_COUNT, (uint8_t)b->cfg.disk_count);

    uint8_t ebda[VMP_BIOS_EBDA_SIZE] = {0};
    ebda[0] = VMP_BIOS_EBDA_SIZE >> 10; /* size in KiB */
    (void)vmp_mem_write(b->env.mem, VMP_BIOS_EBDA, ebda, sizeof(ebda));
}

/* Ticks since midnight from the RTC, so INT 1Ah 00h agrees with 02h. */
static void setup_ticks(struct vmp_bios *b)
{
    if (!b->cfg.cmos_read || (bios_cmos_read(b, 0x0A) & 0x70) != 0x20)
        return;
    uint8_t regb = bios_cmos_read(b, 0x0B);
    uint8_t s = bios_cmos_read(b, 0), m = bios_cmos_read(b, 2), h = bios_cmos_read(b, 4);
    bool pm = !(regb & 0x02) && (h & 0x80);
    h &= 0x7F;
    if (!(regb & 0x04)) {
        s = (uint8_t)((s >> 4) * 10 + (s & 15));
        m = (uint8_t)((m >> 4) * 10 + (m & 15));
        h = (uint8_t)((h >> 4) * 10 + (h & 15));
    }
    if (!(regb & 0x02))
        h = (uint8_t)(h % 12 + (pm ? 12 : 0));
    uint64_t secs = (uint64_t)(h % 24) * 3600 + (m % 60) * 60u + s % 60;
    /* 1193182 / 65536 ticks a second */
    bda_wr32(b, BDA_TICKS, (uint32_t)(secs * 1193182u / 65536u) % BIOS_TICKS_PER_DAY);
}

static void setup_cmos(struct vmp_bios *b)
{
    if (!b->cfg.cmos_write)
        return;
    uint64_t ext = 0, high = 0, above4g = 0;
    for (size_t i = 0; i < b->e820_count; i++) {
        const struct vmp_e820_entry *e = &b->e820[i];
        if (e->type != VMP_E820_RAM)
            continue;
        if (e->addr >= 0x100000000ull)
            above4g += e->size;
    }
    /* Contiguous RAM above 1 MiB and above 16 MiB, as INT 15h reports. */
    uint64_t at = 0x100000;
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < b->e820_count; i++) {
            const struct vmp_e820_entry *e = &b->e820[i];
            if (e->type == VMP_E820_RAM && e->addr <= at && e->addr + e->size > at &&
                e->addr + e->size <= 0x100000000ull) {
                at = e->addr + e->size;
                grew = true;
            }
        }
    }
    ext = (at - 0x100000) >> 10;
    high = at > 0x1000000 ? (at - 0x1000000) >> 16 : 0;
    uint16_t ext16 = (uint16_t)(ext > 0xFFFF ? 0xFFFF : ext);
    uint16_t base = base_kib(b) + (VMP_BIOS_EBDA_SIZE >> 10);
    uint8_t bytes[][2] = {
        {0x0F, 0x00},                          /* shutdown status: normal */
        {0x10, 0x00},                          /* no diskettes */
        {0x12, b->cfg.disk_count ? 0xF0 : 0},  /* disk 0: type in 19h */
        {0x14, 0x02 | 0x00},                   /* FPU; EGA/VGA display, no diskette */
        {0x15, (uint8_t)base}, {0x16, (uint8_t)(base >> 8)},
        {0x17, (uint8_t)ext16}, {0x18, (uint8_t)(ext16 >> 8)},
        {0x19, b->cfg.disk_count ? 47 : 0},    /* user-defined type */
        {0x30, (uint8_t)ext16}, {0x31, (uint8_t)(ext16 >> 8)},
        {0x34, (uint8_t)(high > 0xFFFF ? 0xFF : high)},
        {0x35, (uint8_t)((high > 0xFFFF ? 0xFFFF : high) >> 8)},
        {0x5B, (uint8_t)(above4g >> 16)}, {0x5C, (uint8_t)(above4g >> 24)},
        {0x5D, (uint8_t)(above4g >> 32)},
    };
    for (unsigned i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
        bios_cmos_write(b, bytes[i][0], bytes[i][1]);
    /* Checksum of 10h-2Dh, big-endian at 2Eh (IBM PC/AT TR). */
    uint16_t sum = 0;
    if (b->cfg.cmos_read)
        for (uint8_t r = 0x10; r <= 0x2D; r++)
            sum = (uint16_t)(sum + bios_cmos_read(b, r));
    bios_cmos_write(b, 0x2E, (uint8_t)(sum >> 8));
    bios_cmos_write(b, 0x2F, (uint8_t)sum);
}

static void setup_irq(struct vmp_bios *b)
{
    if (b->cfg.pio) {
        /* 8259A pair: ICW1 edge + ICW4, ICW2 vector base 08h/70h, ICW3
         * cascade on IR2, ICW4 8086 mode (8259A datasheet, "Initialization
         * command words"). */
        static const uint8_t init[][2] = {
            {0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01},
            {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01},
            {0x21, 0xF8}, /* unmask IRQ0 timer, IRQ1 keyboard, IRQ2 cascade */
            {0xA1, 0xFF},
        };
        for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
            outb(b, init[i][0], init[i][1]);
        outb(b, 0x4D0, 0); /* ELCR: ISA IRQs edge-triggered */
        outb(b, 0x4D1, 0);
        /* PIT channel 0: mode 3 square wave, divisor 65536 (8254
         * datasheet; IBM PC/AT TR) = 18.2 Hz IRQ0. */
        outb(b, 0x43, 0x36);
        outb(b, 0x40, 0x00);
        outb(b, 0x40, 0x00);
    }
    if (b->cfg.mmio) {
        uint64_t l = b->cfg.lapic_base, io = b->cfg.ioapic_base;
        /* Local APIC: enabled (SVR bit 8, spurious vector FFh), LINT0
         * ExtINT so the 8259A reaches the CPU, LINT1 NMI (MP spec 1.4
         * section 3.6.2.2 virtual wire mode; Intel SDM vol. 3 10.5.1). */
        vmp_space_write(b->cfg.mmio, l + 0xF0, 0x1FF, 4);
        vmp_space_write(b->cfg.mmio, l + 0x350, 0x700, 4);
        vmp_space_write(b->cfg.mmio, l + 0x360, 0x400, 4);
        /* IOAPIC: read the entry count from the version register, mask
         * every redirection entry (82093AA datasheet 3.2.4). */
        vmp_space_write(b->cfg.mmio, io, 0x01, 4);
        uint32_t ver = (uint32_t)vmp_space_read(b->cfg.mmio, io + 0x10, 4);
        unsigned n = ver == 0xFFFFFFFFu ? 0 : ((ver >> 16) & 0xFF) + 1u;
        for (unsigned i = 0; i < n; i++) {
            vmp_space_write(b->cfg.mmio, io, 0x10 + 2 * i, 4);
            vmp_space_write(b->cfg.mmio, io + 0x10, 0x00010000, 4);
            vmp_space_write(b->cfg.mmio, io, 0x11 + 2 * i, 4);
            vmp_space_write(b->cfg.mmio, io + 0x10, 0, 4);
        }
    }
}

void bios_post(struct vmp_bios *b)
{
    b->stats.post_count++;
    vmp_bios_reset(b);
    if (b->cfg.set_a20)
        b->cfg.set_a20(b->cfg.opaque, true);
    if (b->e820_derived)
        bios_derive_e820(b);
    setup_ivt(b);
    setup_bda(b);
    setup_ticks(b);
    bios_video_set_mode3(b, true);
    setup_cmos(b);
    setup_irq(b);
    if (b->cfg.pci_cfg)
        bios_post_pci(b);
    if (b->cfg.build_tables) {
        int r = b->cfg.build_tables(b->cfg.opaque, b->env.mem);
        if (r < 0)
            vmp_logf(b->env.log, VMP_LOG_ERROR, "bios: ACPI/SMBIOS tables: %s",
                     vmp_strerror(r));
    }
    uint64_t ram = 0;
    for (size_t i = 0; i < b->e820_count; i++)
        if (b->e820[i].type == VMP_E820_RAM)
            ram += b->e820[i].size;
    vmp_logf(b->env.log, VMP_LOG_INFO, "bios: POST done, %llu KiB RAM, %u disk(s)",
             (unsigned long long)(ram >> 10), b->cfg.disk_count);
    bios_video_puts(b, "vmparts BIOS " VMP_VERSION_STRING "\n");
}
