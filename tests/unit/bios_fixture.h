/* Fixture for the BIOS service tests: a fake vCPU (plain register
 * structs behind struct vmp_vcpu_ops), guest RAM with the ROM mapped at
 * 0xF0000, and a helper that does what the CPU and the ROM stub do around
 * a trap: INT pushes FLAGS/CS/IP, the stub pushes DX and loads the port,
 * the trap runs, then POP DX and IRET. */
#ifndef VMP_TEST_BIOS_FIXTURE_H
#define VMP_TEST_BIOS_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <vmparts/bios_svc.h>

#define BFX_RAM (16u << 20)
#define BFX_STACK 0x6000u /* SS=0, SP at the trap */
#define BFX_RET_CS 0x1234u
#define BFX_RET_IP 0x5678u

struct bfx_cpu {
    struct vmp_vcpu_regs regs;
    struct vmp_vcpu_sregs sregs;
    unsigned set_regs_calls;
};

static inline int bfx_get_regs(void *o, struct vmp_vcpu_regs *r)
{
    *r = ((struct bfx_cpu *)o)->regs;
    return 0;
}
static inline int bfx_set_regs(void *o, const struct vmp_vcpu_regs *r)
{
    ((struct bfx_cpu *)o)->regs = *r;
    ((struct bfx_cpu *)o)->set_regs_calls++;
    return 0;
}
static inline int bfx_get_sregs(void *o, struct vmp_vcpu_sregs *s)
{
    *s = ((struct bfx_cpu *)o)->sregs;
    return 0;
}
static inline int bfx_set_sregs(void *o, const struct vmp_vcpu_sregs *s)
{
    ((struct bfx_cpu *)o)->sregs = *s;
    return 0;
}
static const struct vmp_vcpu_ops bfx_ops = {bfx_get_regs, bfx_set_regs, bfx_get_sregs,
                                            bfx_set_sregs};

struct bfx {
    uint8_t *ram;
    uint8_t rom[VMP_BIOS_ROM_SIZE];
    struct vmp_mem *mem;
    struct vmp_bios *bios;
    struct bfx_cpu cpu;
    struct vmp_vcpu vcpu;
    struct vmp_env env;
    uint8_t *disk;
    size_t disk_size;
    struct vmp_block *blk;
    uint8_t cmos[128];
    char out[4096];
    size_t out_len;
    const char *in;
};

static inline void bfx_console_out(void *o, uint8_t c)
{
    struct bfx *f = o;
    if (f->out_len + 1 < sizeof(f->out)) {
        f->out[f->out_len++] = (char)c;
        f->out[f->out_len] = 0;
    }
}
static inline int bfx_console_in(void *o)
{
    struct bfx *f = o;
    return f->in && *f->in ? (uint8_t)*f->in++ : -1;
}
static inline uint8_t bfx_cmos_read(void *o, uint8_t r) { return ((struct bfx *)o)->cmos[r & 0x7F]; }
static inline void bfx_cmos_write(void *o, uint8_t r, uint8_t v)
{
    ((struct bfx *)o)->cmos[r & 0x7F] = v;
}

static inline void bfx_seg(struct vmp_segment *s, uint16_t sel)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xFFFF;
    s->type = 3;
    s->s = 1;
    s->present = 1;
}

/* A BIOS over 16 MiB of RAM (hole at 640K-1M, VGA text at 0xB8000 as RAM)
 * and a disk image of disk_sectors sectors filled with a pattern (0 = no
 * disk); cfg may add to the defaults. Runs nothing. */
static inline void bfx_init_cfg(struct bfx *f, uint64_t disk_sectors, bool readonly,
                                const struct vmp_bios_config *extra)
{
    memset(f, 0, sizeof(*f));
    f->ram = calloc(1, BFX_RAM);
    f->mem = vmp_mem_create();
    vmp_mem_add(f->mem, 0, 0xA0000, f->ram, 0);
    vmp_mem_add(f->mem, 0xB8000, 0x8000, f->ram + 0xB8000, 0);
    vmp_mem_add(f->mem, 0x100000, BFX_RAM - 0x100000, f->ram + 0x100000, 0);
    f->env.mem = f->mem;
    struct vmp_bios_config cfg;
    if (extra)
        cfg = *extra;
    else
        memset(&cfg, 0, sizeof(cfg));
    if (disk_sectors) {
        f->disk_size = disk_sectors * 512;
        f->disk = malloc(f->disk_size);
        for (size_t i = 0; i < f->disk_size; i++)
            f->disk[i] = (uint8_t)(i / 512 * 7 + i % 512);
        f->blk = vmp_block_open_mem(f->disk, f->disk_size, readonly);
        cfg.disks[0] = f->blk;
        cfg.disk_count = 1;
    }
    cfg.opaque = f;
    cfg.console_out = bfx_console_out;
    cfg.console_in = bfx_console_in;
    if (!extra || !extra->cmos_read) {
        cfg.cmos_read = bfx_cmos_read;
        cfg.cmos_write = bfx_cmos_write;
    }
    if (!cfg.com_ports[0])
        cfg.com_ports[0] = 0x3F8;
    f->bios = vmp_bios_create(&f->env, &cfg);
    memcpy(f->rom, vmp_bios_rom_image(f->bios), sizeof(f->rom));
    vmp_mem_add(f->mem, VMP_BIOS_ROM_BASE, VMP_BIOS_ROM_SIZE, f->rom, VMP_MEM_READONLY);
    f->vcpu.ops = &bfx_ops;
    f->vcpu.opaque = &f->cpu;
    for (int s = 0; s < VMP_NR_SEGS; s++)
        bfx_seg(&f->cpu.sregs.seg[s], 0);
    f->cpu.sregs.cr0 = 0x10;
}

/* Offset in F000 of the first OUT DX,AL (EEh) at or after off. */
static inline uint16_t bfx_find_out(const struct bfx *f, uint16_t off)
{
    while (off < 0xFFFF && f->rom[off] != 0xEE)
        off++;
    return off;
}

/* Run POST the way the reset path does: CS:IP at the POST stub's OUT. */
static inline int bfx_post(struct bfx *f)
{
    const uint8_t *r = f->rom + 0xFFF0; /* EA off seg: jmp far F000:post */
    uint16_t post = (uint16_t)(r[1] | r[2] << 8);
    bfx_seg(&f->cpu.sregs.seg[VMP_CS], 0xF000);
    f->cpu.regs.rip = bfx_find_out(f, post);
    f->cpu.regs.gpr[VMP_RSP] = 0x7C00;
    f->cpu.regs.gpr[VMP_RDX] = VMP_BIOS_TRAP_PORT;
    return vmp_bios_trap(f->bios, &f->vcpu);
}

static inline void bfx_wr16(struct bfx *f, uint32_t a, uint16_t v)
{
    f->ram[a] = (uint8_t)v;
    f->ram[a + 1] = (uint8_t)(v >> 8);
}
static inline uint16_t bfx_rd16(const struct bfx *f, uint32_t a)
{
    return (uint16_t)(f->ram[a] | f->ram[a + 1] << 8);
}
static inline uint32_t bfx_rd32(const struct bfx *f, uint32_t a)
{
    return bfx_rd16(f, a) | (uint32_t)bfx_rd16(f, a + 2) << 16;
}

struct bfx_result {
    int rc;        /* vmp_bios_trap's return */
    bool wait;     /* the stub would HLT and trap again */
    uint16_t flags;/* FLAGS after IRET */
};

/* INT vec from BFX_RET_CS:BFX_RET_IP with the registers in f->cpu.regs
 * (RIP/RSP/segments other than DS/ES are set here). IVT must be set up
 * (bfx_post). flags_in is the FLAGS image INT pushes. */
static inline struct bfx_result bfx_int(struct bfx *f, uint8_t vec, uint16_t flags_in)
{
    struct bfx_result res = {0, false, 0};
    uint16_t off = bfx_rd16(f, vec * 4u), seg = bfx_rd16(f, vec * 4u + 2);
    uint16_t sp = BFX_STACK + 8;
    /* INT: FLAGS, CS, IP; stub: DX */
    sp -= 2; bfx_wr16(f, sp, flags_in);
    sp -= 2; bfx_wr16(f, sp, BFX_RET_CS);
    sp -= 2; bfx_wr16(f, sp, BFX_RET_IP);
    sp -= 2; bfx_wr16(f, sp, (uint16_t)f->cpu.regs.gpr[VMP_RDX]);
    bfx_seg(&f->cpu.sregs.seg[VMP_SS], 0);
    bfx_seg(&f->cpu.sregs.seg[VMP_CS], seg);
    f->cpu.regs.gpr[VMP_RSP] = sp;
    f->cpu.regs.gpr[VMP_RDX] = (f->cpu.regs.gpr[VMP_RDX] & ~0xFFFFull) | VMP_BIOS_TRAP_PORT;
    f->cpu.regs.rip = bfx_find_out(f, off);
    f->cpu.regs.rflags = 0x2; /* INT cleared IF */
    res.rc = vmp_bios_trap(f->bios, &f->vcpu);
    if ((uint16_t)f->cpu.regs.gpr[VMP_RDX] == 0) {
        res.wait = true;
        return res;
    }
    /* POP DX; IRET */
    f->cpu.regs.gpr[VMP_RDX] = (f->cpu.regs.gpr[VMP_RDX] & ~0xFFFFull) | bfx_rd16(f, sp);
    res.flags = bfx_rd16(f, sp + 6);
    f->cpu.regs.gpr[VMP_RSP] = sp + 8;
    return res;
}

static inline void bfx_regs(struct bfx *f, uint32_t eax, uint32_t ebx, uint32_t ecx,
                            uint32_t edx)
{
    f->cpu.regs.gpr[VMP_RAX] = eax;
    f->cpu.regs.gpr[VMP_RBX] = ebx;
    f->cpu.regs.gpr[VMP_RCX] = ecx;
    f->cpu.regs.gpr[VMP_RDX] = edx;
}
#define BFX_AX(f) ((uint16_t)(f)->cpu.regs.gpr[VMP_RAX])
#define BFX_AH(f) ((uint8_t)((f)->cpu.regs.gpr[VMP_RAX] >> 8))
#define BFX_AL(f) ((uint8_t)(f)->cpu.regs.gpr[VMP_RAX])
#define BFX_BX(f) ((uint16_t)(f)->cpu.regs.gpr[VMP_RBX])
#define BFX_CX(f) ((uint16_t)(f)->cpu.regs.gpr[VMP_RCX])
#define BFX_DX(f) ((uint16_t)(f)->cpu.regs.gpr[VMP_RDX])

static inline void bfx_free(struct bfx *f)
{
    vmp_bios_destroy(f->bios);
    vmp_block_close(f->blk);
    vmp_mem_destroy(f->mem);
    free(f->disk);
    free(f->ram);
}

#endif
