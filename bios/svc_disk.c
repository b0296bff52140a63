/* INT 13h, fixed disks 80h.. backed by vmp_block devices.
 *
 * Sources: IBM PC/AT Technical Reference (BIOS listing, "DISK_IO");
 * Ralf Brown's Interrupt List, INT 13h (status codes table #00234);
 * Phoenix/T13 "BIOS Enhanced Disk Drive Services" 3.0 (T13/1572D rev 3,
 * EDD 3.0) for AH=41h-48h: the disk address packet (section 8.4),
 * install check (8.3) and the result buffer of 48h (8.6).
 *
 * Every guest-supplied count, address and packet field is checked before
 * any transfer; nothing is transferred on a request that does not fit the
 * disk. Status codes (RBIL #00234): 00h ok, 01h invalid function or
 * parameter, 03h write protected, 04h sector not found / read error,
 * CCh write fault. */
#include <string.h>
#include "svc_priv.h"

#define ST_OK 0x00
#define ST_EPARAM 0x01
#define ST_WPROT 0x03
#define ST_NOTFOUND 0x04
#define ST_WFAULT 0xCC

static int disk_index(const struct vmp_bios *b, uint8_t dl)
{
    if (dl < 0x80 || dl - 0x80u >= b->cfg.disk_count)
        return -1;
    return dl - 0x80;
}

static void finish(struct vmp_bios *b, struct bios_call *c, uint8_t st)
{
    set8h(c, VMP_RAX, st);
    set_cf(c, st != ST_OK);
    bda_wr8(b, BDA_DISK_STATUS, st);
}

/* Move count sectors between disk and guest memory at addr, one sector at
 * a time; *done counts the sectors that made it. */
static uint8_t transfer(struct vmp_bios *b, int d, uint64_t lba, uint32_t count,
                        uint64_t addr, bool write, uint32_t *done)
{
    struct vmp_block *blk = b->cfg.disks[d];
    uint8_t buf[VMP_BLOCK_SECTOR];
    *done = 0;
    if (write && vmp_block_readonly(blk))
        return ST_WPROT;
    if (lba > vmp_block_sectors(blk) || count > vmp_block_sectors(blk) - lba)
        return ST_NOTFOUND;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t a = addr + (uint64_t)i * VMP_BLOCK_SECTOR;
        if (write) {
            if (vmp_mem_read(b->env.mem, a, buf, sizeof(buf)) < 0)
                return ST_EPARAM;
            if (vmp_block_write(blk, lba + i, buf, 1) < 0)
                return ST_WFAULT;
        } else {
            if (vmp_block_read(blk, lba + i, buf, 1) < 0)
                return ST_NOTFOUND;
            if (vmp_mem_write(b->env.mem, a, buf, sizeof(buf)) < 0)
                return ST_EPARAM;
        }
        (*done)++;
        b->stats.disk_sectors++;
    }
    return ST_OK;
}

/* AH=02h/03h: AL sectors at CH/CL/DH (CHS) to or from ES:BX. */
static void chs_rw(struct vmp_bios *b, struct bios_call *c, int d, bool write)
{
    const struct bios_geom *g = &b->geom[d];
    uint32_t count = AL(c);
    uint32_t cyl = CH(c) | (uint32_t)(CL(c) & 0xC0) << 2;
    uint32_t sec = CL(c) & 0x3F, head = DH(c);
    set8l(c, VMP_RAX, 0);
    if (count == 0 || count > 128) { /* Phoenix: 1-128 sectors */
        finish(b, c, ST_EPARAM);
        return;
    }
    if (sec == 0 || sec > g->spt || head >= g->heads || cyl >= g->cyls) {
        finish(b, c, ST_NOTFOUND);
        return;
    }
    uint64_t lba = ((uint64_t)cyl * g->heads + head) * g->spt + sec - 1;
    uint32_t done;
    uint8_t st = transfer(b, d, lba, count, seg_addr(c, VMP_ES, R16(c, VMP_RBX)), write,
                          &done);
    set8l(c, VMP_RAX, (uint8_t)done);
    finish(b, c, st);
}

/* AH=08h: drive parameters (RBIL INT 13/AH=08h). */
static void get_params(struct vmp_bios *b, struct bios_call *c, int d)
{
    const struct bios_geom *g = &b->geom[d];
    uint32_t maxcyl = g->cyls - 1;
    set16(c, VMP_RAX, 0);
    set8h(c, VMP_RCX, (uint8_t)maxcyl);
    set8l(c, VMP_RCX, (uint8_t)(g->spt | (maxcyl >> 8 & 3) << 6));
    set8h(c, VMP_RDX, (uint8_t)(g->heads - 1));
    set8l(c, VMP_RDX, (uint8_t)b->cfg.disk_count);
    finish(b, c, ST_OK);
}

/* AH=42h/43h: extended read/write with the disk address packet at DS:SI
 * (EDD 3.0 section 8.4):
 *   0  byte   packet size, 10h (or 18h with the 64-bit flat address)
 *   1  byte   reserved
 *   2  word   blocks to transfer, at most 7Fh; updated to those moved
 *   4  dword  buffer segment:offset (FFFF:FFFF = use the 64-bit address)
 *   8  qword  starting LBA
 *   10 qword  64-bit flat buffer address (packet size 18h) */
static void ext_rw(struct vmp_bios *b, struct bios_call *c, int d, bool write)
{
    uint64_t dap = seg_addr(c, VMP_DS, R16(c, VMP_RSI));
    uint8_t p[0x18];
    if (vmp_mem_read(b->env.mem, dap, p, 0x10) < 0 || p[0] < 0x10) {
        finish(b, c, ST_EPARAM);
        return;
    }
    uint16_t count = (uint16_t)(p[2] | p[3] << 8);
    uint16_t off = (uint16_t)(p[4] | p[5] << 8), seg = (uint16_t)(p[6] | p[7] << 8);
    uint64_t lba = 0;
    for (int i = 7; i >= 0; i--)
        lba = lba << 8 | p[8 + i];
    uint64_t buf = ((uint64_t)seg << 4) + off;
    if (seg == 0xFFFF && off == 0xFFFF) {
        if (p[0] < 0x18 || vmp_mem_read(b->env.mem, dap + 0x10, p + 0x10, 8) < 0) {
            finish(b, c, ST_EPARAM);
            return;
        }
        buf = 0;
        for (int i = 7; i >= 0; i--)
            buf = buf << 8 | p[0x10 + i];
    }
    if (count > 0x7F) {
        finish(b, c, ST_EPARAM);
        return;
    }
    uint32_t done = 0;
    uint8_t st = count ? transfer(b, d, lba, count, buf, write, &done) : ST_OK;
    (void)bios_wr16(b, dap + 2, (uint16_t)done);
    finish(b, c, st);
}

/* AH=48h: drive parameters into the result buffer at DS:SI (EDD 3.0
 * section 8.6). We fill the EDD 2.x part, 1Eh bytes, with the DPTE
 * pointer FFFF:FFFF (no fixed disk parameter table extension). */
static void ext_params(struct vmp_bios *b, struct bios_call *c, int d)
{
    uint64_t a = seg_addr(c, VMP_DS, R16(c, VMP_RSI));
    uint16_t size;
    if (bios_rd16(b, a, &size) < 0 || size < 0x1A) {
        finish(b, c, ST_EPARAM);
        return;
    }
    const struct bios_geom *g = &b->geom[d];
    uint64_t n = vmp_block_sectors(b->cfg.disks[d]);
    uint8_t r[0x1E];
    unsigned len = size >= 0x1E ? 0x1E : 0x1A;
    memset(r, 0, sizeof(r));
    r[0] = (uint8_t)len;
    r[2] = g->chs_valid ? 0x02 : 0x00; /* bit 1: CHS information is valid */
    uint32_t v[3] = {g->cyls, g->heads, g->spt};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 4; i++)
            r[4 + 4 * k + i] = (uint8_t)(v[k] >> (8 * i));
    for (int i = 0; i < 8; i++)
        r[0x10 + i] = (uint8_t)(n >> (8 * i));
    r[0x18] = (uint8_t)VMP_BLOCK_SECTOR;
    r[0x19] = (uint8_t)(VMP_BLOCK_SECTOR >> 8);
    memset(r + 0x1A, 0xFF, 4);
    if (vmp_mem_write(b->env.mem, a, r, len) < 0) {
        finish(b, c, ST_EPARAM);
        return;
    }
    finish(b, c, ST_OK);
}

void bios_int13(struct vmp_bios *b, struct bios_call *c)
{
    uint8_t fn = AH(c);
    int d = disk_index(b, DL(c));
    switch (fn) {
    case 0x00: /* reset */
        finish(b, c, d < 0 ? ST_EPARAM : ST_OK);
        return;
    case 0x01: { /* status of the last operation; does not change it */
        uint8_t st = bda_rd8(b, BDA_DISK_STATUS);
        set8h(c, VMP_RAX, st);
        set_cf(c, st != 0);
        return;
    }
    case 0x02:
    case 0x03:
    case 0x08:
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x48:
        if (d < 0) {
            finish(b, c, ST_EPARAM);
            return;
        }
        break;
    case 0x15: /* type: 03h fixed disk with CX:DX sectors; 00h no drive */
        if (d < 0) {
            set8h(c, VMP_RAX, 0);
            set_cf(c, false);
            return;
        }
        {
            uint64_t n = vmp_block_sectors(b->cfg.disks[d]);
            uint32_t n32 = n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n;
            set16(c, VMP_RCX, (uint16_t)(n32 >> 16));
            set16(c, VMP_RDX, (uint16_t)n32);
            bda_wr8(b, BDA_DISK_STATUS, 0);
            set8h(c, VMP_RAX, 0x03);
            set_cf(c, false);
        }
        return;
    default:
        bios_unsupported(b, c, TRAP_INT13);
        bda_wr8(b, BDA_DISK_STATUS, 0x86);
        return;
    }
    switch (fn) {
    case 0x02: chs_rw(b, c, d, false); break;
    case 0x03: chs_rw(b, c, d, true); break;
    case 0x08: get_params(b, c, d); break;
    case 0x41: /* EDD install check (EDD 3.0 section 8.3) */
        if (R16(c, VMP_RBX) != 0x55AA) {
            finish(b, c, ST_EPARAM);
            return;
        }
        set16(c, VMP_RBX, 0xAA55);
        set16(c, VMP_RCX, 0x0005); /* bit 0 fixed disk access, bit 2 EDD */
        finish(b, c, ST_OK);
        set8h(c, VMP_RAX, 0x30); /* version 3.0 */
        return;
    case 0x42: ext_rw(b, c, d, false); break;
    case 0x43: ext_rw(b, c, d, true); break;
    case 0x48: ext_params(b, c, d); break;
    }
}
