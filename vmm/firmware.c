/* Booting through the virtual BIOS (bios_svc.h): when vmp has disks and no
 * --kernel, the BIOS ROM is mapped, the boot vCPU starts at the reset
 * vector, POST runs in one trap and INT 19h loads the boot sector of disk
 * 0x80. This file owns the wiring: disks (storage.h), the BIOS config
 * (CMOS through the board's RTC, INT 10h text to the serial console, INT 16h
 * from COM1's receiver, POST through the board's spaces), and the ACPI and
 * SMBIOS tables POST installs, built from the board as it is (vCPU count,
 * the HPET model's capabilities register). --dump-acpi writes the same
 * ACPI tables as files.
 *
 * Guest-physical layout of the tables: the top FW_TABLES bytes of RAM below
 * the PCI hole (ACPI area, then the SMBIOS structure table); the RSDP and
 * the SMBIOS 3.0 entry point in an unused stretch of the BIOS ROM (the
 * 0xF0000-0xFFFFF range where guests look for both). */
#include "machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vmparts/acpi.h>
#include <vmparts/bios_svc.h>
#include <vmparts/smbios.h>
#include <vmparts/storage.h>

#include "util.h"

#define FW_ACPI_SIZE (128u * 1024u)
#define FW_SMBIOS_SIZE (64u * 1024u)
#define FW_TABLES (FW_ACPI_SIZE + FW_SMBIOS_SIZE)
#define FW_E820_MAX 32

struct vmp_firmware {
    struct vmp_block *disks[VMP_BIOS_MAX_DISKS];
    unsigned ndisks;
    struct vmp_bios *bios;
    struct vmp_acpi_tables acpi;
    bool have_acpi;
    uint64_t smbios_addr; /* structure table */
    bool trace;           /* VMP_BIOS_TRACE: log every BIOS call */
    uint64_t rom_spot;    /* 64 free ROM bytes: RSDP at +0, SMBIOS EP at +0x30 */
    struct vmp_e820_entry e820[FW_E820_MAX];
    int e820_count;
};

/* --- disks --- */

/* "FILE" or "FILE,readonly". Image sizes must be whole sectors: a partial
 * last sector would be silently unreachable. */
static struct vmp_block *open_disk(const char *spec)
{
    char *path = strdup(spec);
    if (!path)
        return NULL;
    bool ro = false;
    char *comma = strrchr(path, ',');
    if (comma && !strcmp(comma + 1, "readonly")) {
        *comma = 0;
        ro = true;
    }
    struct vmp_block *blk = NULL;
    struct stat st;
    if (stat(path, &st) < 0) {
        vmp_err("--disk %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        vmp_err("--disk %s: not a regular file or block device", path);
    } else if (S_ISREG(st.st_mode) && st.st_size < (off_t)VMP_BLOCK_SECTOR) {
        vmp_err("--disk %s: the image is %lld bytes; it must hold at least one 512-byte sector",
                path, (long long)st.st_size);
    } else if (S_ISREG(st.st_mode) && st.st_size % VMP_BLOCK_SECTOR) {
        vmp_err("--disk %s: the image is %lld bytes, not a multiple of 512", path,
                (long long)st.st_size);
    } else {
        int err = 0;
        blk = vmp_block_open_file(path, ro, &err);
        if (!blk)
            vmp_err("--disk %s: %s", path, vmp_strerror(err));
    }
    free(path);
    return blk;
}

/* --- BIOS hooks (called with the machine lock held) --- */

/* INT 10h text goes to the serial console too, until the guest sends
 * through COM1 itself: boot loaders and Linux's setup code then write each
 * line to both, and it would show twice. */
static void fw_console_out(void *opaque, uint8_t c)
{
    if (!vmp_board_uart_used(opaque))
        vmp_board_console_putc(opaque, c);
}

/* INT 16h reads what arrived in COM1's receiver (16550 LSR bit 0, RBR),
 * unless the guest has the divisor latch open. */
static int fw_console_in(void *opaque)
{
    struct vmp_machine *m = opaque;
    if (vmp_space_read(m->pio, 0x3FB, 1) & 0x80)
        return -1;
    if (!(vmp_space_read(m->pio, 0x3FD, 1) & 1))
        return -1;
    return (int)(vmp_space_read(m->pio, 0x3F8, 1) & 0xFF);
}

static uint8_t fw_cmos_read(void *opaque, uint8_t reg)
{
    return vmp_rtc_cmos_read(vmp_board_rtc(opaque), reg);
}

static void fw_cmos_write(void *opaque, uint8_t reg, uint8_t value)
{
    vmp_rtc_cmos_write(vmp_board_rtc(opaque), reg, value);
}

static void smbios_config(struct vmp_machine *m, struct vmp_smbios_config *sc)
{
    vmp_smbios_config_default(sc, m->ncpus, m->low_end, m->ram_size - m->low_end);
}

static int fw_build_tables(void *opaque, struct vmp_mem *mem)
{
    struct vmp_machine *m = opaque;
    struct vmp_firmware *fw = m->fw;
    int r = 0;
    if (fw->have_acpi) {
        r = vmp_acpi_install(&fw->acpi, mem);
        if (r < 0)
            vmp_logf(&m->log, VMP_LOG_WARN, "ACPI tables: %s", vmp_strerror(r));
    }
    struct vmp_smbios_config sc;
    smbios_config(m, &sc);
    long n = vmp_smbios_install(&sc, mem, fw->rom_spot + 0x30, fw->smbios_addr,
                                FW_SMBIOS_SIZE);
    if (n < 0) {
        vmp_logf(&m->log, VMP_LOG_WARN, "SMBIOS tables: %s", vmp_strerror((int)n));
        r = (int)n;
    }
    return r;
}

/* --- tables --- */

void vmp_firmware_acpi_config(struct vmp_machine *m, struct vmp_acpi_config *ac)
{
    vmp_acpi_config_default(ac, m->ncpus);
    /* The HPET model's General Capabilities and ID register (low half). */
    ac->hpet_block_id = (uint32_t)vmp_space_read(m->mmio, VMP_HPET_BASE, 4);
    ac->hpet_min_tick = VMP_HPET_MIN_TICK;
    /* What the board has (no VGA model yet). */
    ac->devices = VMP_ACPI_DEV_COM1 | VMP_ACPI_DEV_RTC | VMP_ACPI_DEV_PIT | VMP_ACPI_DEV_PIC |
                  VMP_ACPI_DEV_HPET | VMP_ACPI_DEV_I8042;
}

static int build_acpi(struct vmp_machine *m, struct vmp_acpi_tables *t, uint64_t rsdp)
{
    struct vmp_acpi_config ac;
    vmp_firmware_acpi_config(m, &ac);
    ac.rsdp_addr = rsdp;
    return vmp_acpi_build(&ac, m->low_end - FW_TABLES, FW_ACPI_SIZE, t);
}

/* 64 bytes of the ROM no stub uses (0xFF filler), 16-byte aligned, below
 * the fixed IBM entry points at 0xE000+. */
static uint64_t rom_free_spot(const uint8_t *rom)
{
    for (uint32_t off = 0x2000; off + 64 <= 0xE000; off += 16) {
        bool free_run = true;
        for (unsigned i = 0; i < 64 && free_run; i++)
            free_run = rom[off + i] == 0xFF;
        if (free_run)
            return VMP_BIOS_ROM_BASE + off;
    }
    return 0;
}

static int build_e820(struct vmp_machine *m, struct vmp_firmware *fw)
{
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    int r = vmp_e820_add_ram(&b, m->ram_size, m->low_end);
    /* EBDA, VGA window, option ROMs and the BIOS. */
    if (r == 0)
        r = vmp_e820_add(&b, VMP_BIOS_EBDA, 0x100000 - VMP_BIOS_EBDA, VMP_E820_RESERVED);
    if (r == 0)
        r = vmp_e820_add(&b, VMP_BIOS_ROM_ALIAS, VMP_BIOS_ROM_SIZE, VMP_E820_RESERVED);
    if (r == 0)
        r = vmp_e820_add(&b, fw->smbios_addr, FW_SMBIOS_SIZE, VMP_E820_RESERVED);
    if (r == 0 && fw->have_acpi)
        r = vmp_e820_add_acpi(&b, &fw->acpi);
    if (r == 0)
        r = vmp_e820_finish(&b, fw->e820, FW_E820_MAX);
    if (r < 0)
        return vmp_err("memory map: %s", vmp_strerror(r));
    fw->e820_count = r;
    return 0;
}

int vmp_firmware_dump_acpi(struct vmp_machine *m, const char *dir)
{
    struct vmp_acpi_tables t;
    int r = build_acpi(m, &t, 0);
    if (r < 0)
        return vmp_err("ACPI tables: %s", vmp_strerror(r));
    r = vmp_acpi_dump(&t, dir);
    vmp_acpi_tables_free(&t);
    if (r < 0)
        return vmp_err("--dump-acpi %s: %s", dir, strerror(-r));
    return 0;
}

int vmp_firmware_create(struct vmp_machine *m)
{
    const struct vmp_config *c = m->cfg;
    struct vmp_firmware *fw = calloc(1, sizeof *fw);
    if (!fw)
        return -1;
    m->fw = fw;
    const char *tr = getenv("VMP_BIOS_TRACE");
    fw->trace = tr && *tr && strcmp(tr, "0") != 0;
    for (unsigned i = 0; i < c->ndisks; i++) {
        fw->disks[i] = open_disk(c->disks[i]);
        if (!fw->disks[i])
            return -1;
        fw->ndisks++;
    }
    if (m->low_end < 0x100000 + FW_TABLES)
        return vmp_err("--mem: too little RAM for the BIOS's tables");
    fw->smbios_addr = m->low_end - FW_SMBIOS_SIZE;

    struct vmp_bios_config bc = {
        .disk_count = fw->ndisks,
        .com_ports = {0x3F8},
        .opaque = m,
        .console_out = fw_console_out,
        .console_in = fw_console_in,
        .cmos_read = fw_cmos_read,
        .cmos_write = fw_cmos_write,
        .build_tables = fw_build_tables,
        .pio = m->pio,
        .mmio = m->mmio,
        .pci_cfg = vmp_board_pci_cfg(m),
    };
    memcpy(bc.disks, fw->disks, sizeof fw->disks);
    /* The ROM's free bytes are known once the BIOS exists; the memory map
     * it answers INT 15h E820 with needs the ACPI area's size. So: create,
     * build the tables, then create again with the final map. */
    struct vmp_bios *probe = vmp_bios_create(&m->env, &bc);
    if (!probe)
        return vmp_err("cannot create the BIOS");
    fw->rom_spot = rom_free_spot(vmp_bios_rom_image(probe));
    vmp_bios_destroy(probe);
    if (!fw->rom_spot)
        return vmp_err("BIOS: no free ROM space for the RSDP and SMBIOS entry point");
    int r = build_acpi(m, &fw->acpi, fw->rom_spot);
    if (r < 0)
        vmp_logf(&m->log, VMP_LOG_WARN, "no ACPI tables: %s", vmp_strerror(r));
    fw->have_acpi = r == 0;
    if (build_e820(m, fw) < 0)
        return -1;
    bc.e820 = fw->e820;
    bc.e820_count = (size_t)fw->e820_count;
    fw->bios = vmp_bios_create(&m->env, &bc);
    if (!fw->bios)
        return vmp_err("cannot create the BIOS");
    /* The image itself, read-only at 0xF0000 and 0xFFFF0000 (page-aligned,
     * so KVM can take it as memory slots). */
    r = vmp_bios_map_rom(fw->bios, m->mem);
    if (r < 0)
        return vmp_err("cannot map the BIOS ROM: %s", vmp_strerror(r));
    return 0;
}

/* VMP_BIOS_TRACE=1: one log line per BIOS call, "INT 15h AX=E820 ...
 * from CS:IP". The vector is the IVT entry that points at the trapping
 * stub (push dx; mov dx,500h; out dx,al: the OUT is 4 bytes in, RIP at it
 * under KVM or just past it under the emulator); the caller's CS:IP are
 * on the stack above the stub's pushed DX. */
static void trace_call(struct vmp_machine *m, const struct vmp_vcpu *v)
{
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs s;
    if (v->ops->get_regs(v->opaque, &r) < 0 || v->ops->get_sregs(v->opaque, &s) < 0)
        return;
    uint16_t ivt[512];
    if (vmp_mem_read(m->mem, 0, ivt, sizeof ivt) < 0)
        return;
    int vec = -1;
    for (int i = 0; i < 256 && vec < 0; i++)
        if (ivt[2 * i + 1] == s.seg[VMP_CS].selector &&
            (ivt[2 * i] == (uint16_t)(r.rip - 4) || ivt[2 * i] == (uint16_t)(r.rip - 5)))
            vec = i;
    uint16_t frame[3] = {0}; /* DX, IP, CS */
    (void)vmp_mem_read(m->mem, s.seg[VMP_SS].base + (r.gpr[VMP_RSP] & 0xFFFF), frame,
                       sizeof frame);
    char what[16];
    if (vec < 0)
        snprintf(what, sizeof what, "F000:%04X", (unsigned)(r.rip & 0xFFFF));
    else
        snprintf(what, sizeof what, "INT %02Xh", (unsigned)vec);
    vmp_logf(&m->log, VMP_LOG_INFO,
             "bios: trace: %s AX=%04X BX=%04X CX=%04X DX=%04X EAX=%08X from %04X:%04X", what,
             (unsigned)(r.gpr[VMP_RAX] & 0xFFFF), (unsigned)(r.gpr[VMP_RBX] & 0xFFFF),
             (unsigned)(r.gpr[VMP_RCX] & 0xFFFF), frame[0],
             (unsigned)(r.gpr[VMP_RAX] & 0xFFFFFFFF), frame[2], frame[1]);
}

/* A guest OUT to VMP_BIOS_TRAP_PORT from vCPU cpu, with the lock held. */
void vmp_firmware_trap(struct vmp_machine *m, unsigned cpu)
{
    if (!m->fw || !m->fw->bios)
        return;
    struct vmp_vcpu v = m->accel->vcpu(m, cpu);
    if (m->fw->trace)
        trace_call(m, &v);
    int r = vmp_bios_trap(m->fw->bios, &v);
    if (r < 0 && r != -EINVAL)
        vmp_machine_exit(m, VMP_EXIT_INTERNAL, "vCPU %u: BIOS trap: %s", cpu, vmp_strerror(r));
}

bool vmp_firmware_active(const struct vmp_machine *m) { return m->fw && m->fw->bios; }

void vmp_firmware_stats(const struct vmp_machine *m, uint64_t *traps)
{
    struct vmp_bios_stats st = {0};
    if (vmp_firmware_active(m))
        vmp_bios_get_stats(m->fw->bios, &st);
    *traps = st.traps;
}

void vmp_firmware_destroy(struct vmp_machine *m)
{
    struct vmp_firmware *fw = m->fw;
    if (!fw)
        return;
    if (fw->bios && getenv("VMP_STATS")) {
        struct vmp_bios_stats st;
        vmp_bios_get_stats(fw->bios, &st);
        fprintf(stderr, "vmp: stats: bios_traps=%llu bios_unsupported=%llu bios_disk_sectors=%llu\n",
                (unsigned long long)st.traps, (unsigned long long)st.unsupported,
                (unsigned long long)st.disk_sectors);
    }
    vmp_bios_destroy(fw->bios);
    for (unsigned i = 0; i < fw->ndisks; i++)
        vmp_block_close(fw->disks[i]);
    if (fw->have_acpi)
        vmp_acpi_tables_free(&fw->acpi);
    free(fw);
    m->fw = NULL;
}
