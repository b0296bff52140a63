/* The virtual BIOS run for real: the library's x86 emulator executes the
 * ROM from the reset vector, with OUT to the trap port handled the way an
 * emulator backend does it (after the OUT retired, RIP past it). Used by
 * tests/unit/test_bios_boot.c and bench/bench_bios.c. */
#ifndef VMP_TEST_BIOS_EMU_H
#define VMP_TEST_BIOS_EMU_H

#include <stdlib.h>
#include <string.h>
#include <vmparts/bios_svc.h>
#include <vmparts/x86emu.h>

#define BEMU_RAM (32u << 20)

struct bemu {
    uint8_t *ram;
    uint8_t vga[0x8000];
    uint8_t *disk;
    struct vmp_mem *mem;
    struct vmp_block *blk;
    struct vmp_bios *bios;
    struct vmp_x86_cpu cpu;
    struct vmp_vcpu vcpu;
    struct vmp_env env;
    bool trap;          /* OUT to the trap port in the last instruction */
    int trap_rc;
    uint64_t insns, traps, exits; /* exits: traps + other port I/O */
    uint8_t debug_exit; /* value written to port F4h + 1, 0 = none */
    char out[8192];
    size_t out_len;
};

static inline int bemu_get_regs(void *o, struct vmp_vcpu_regs *r)
{
    struct vmp_vcpu_sregs s;
    vmp_x86_cpu_get_regs(o, r, &s);
    return 0;
}
static inline int bemu_set_regs(void *o, const struct vmp_vcpu_regs *r)
{
    struct vmp_vcpu_regs old;
    struct vmp_vcpu_sregs s;
    vmp_x86_cpu_get_regs(o, &old, &s);
    vmp_x86_cpu_set_regs(o, r, &s);
    return 0;
}
static inline int bemu_get_sregs(void *o, struct vmp_vcpu_sregs *s)
{
    struct vmp_vcpu_regs r;
    vmp_x86_cpu_get_regs(o, &r, s);
    return 0;
}
static inline int bemu_set_sregs(void *o, const struct vmp_vcpu_sregs *s)
{
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs old;
    vmp_x86_cpu_get_regs(o, &r, &old);
    vmp_x86_cpu_set_regs(o, &r, s);
    return 0;
}
static const struct vmp_vcpu_ops bemu_vcpu_ops = {bemu_get_regs, bemu_set_regs,
                                                  bemu_get_sregs, bemu_set_sregs};

static inline int bemu_read(void *c, uint64_t gpa, void *buf, unsigned len)
{
    return vmp_mem_read(((struct bemu *)c)->mem, gpa, buf, len) ? -EFAULT : 0;
}
static inline int bemu_write(void *c, uint64_t gpa, const void *buf, unsigned len)
{
    struct bemu *e = c;
    /* writes to the ROM are dropped, as the hardware does */
    if (gpa >= VMP_BIOS_ROM_BASE && gpa < VMP_BIOS_ROM_BASE + VMP_BIOS_ROM_SIZE)
        return 0;
    return vmp_mem_write(e->mem, gpa, buf, len) ? -EFAULT : 0;
}
static inline int bemu_in(void *c, uint16_t port, unsigned size, uint32_t *val)
{
    struct bemu *e = c;
    (void)port;
    e->exits++;
    *val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    return 0;
}
static inline int bemu_out(void *c, uint16_t port, unsigned size, uint32_t val)
{
    struct bemu *e = c;
    (void)size;
    e->exits++;
    if (port == VMP_BIOS_TRAP_PORT)
        e->trap = true;
    else if (port == 0xF4)
        e->debug_exit = (uint8_t)(val + 1);
    return 0;
}
static const struct vmp_x86_ops bemu_ops = {
    .read_phys = bemu_read, .write_phys = bemu_write,
    .io_in = bemu_in, .io_out = bemu_out,
};

static inline void bemu_console(void *o, uint8_t c)
{
    struct bemu *e = o;
    if (e->out_len + 1 < sizeof(e->out)) {
        e->out[e->out_len++] = (char)c;
        e->out[e->out_len] = 0;
    }
}

/* A machine with 32 MiB (hole at 640K-1M, VGA text as RAM), the ROM at
 * 0xF0000 and 0xFFFF0000, and disk 80h holding boot (512 bytes) then
 * zeros up to sectors. */
static inline int bemu_init(struct bemu *e, const uint8_t *boot, unsigned sectors)
{
    memset(e, 0, sizeof(*e));
    e->ram = calloc(1, BEMU_RAM);
    e->disk = calloc(sectors, 512);
    if (!e->ram || !e->disk)
        return -ENOMEM;
    memcpy(e->disk, boot, 512);
    e->mem = vmp_mem_create();
    vmp_mem_add(e->mem, 0, 0xA0000, e->ram, 0);
    vmp_mem_add(e->mem, 0xB8000, sizeof(e->vga), e->vga, 0);
    vmp_mem_add(e->mem, 0x100000, BEMU_RAM - 0x100000, e->ram + 0x100000, 0);
    e->env.mem = e->mem;
    e->blk = vmp_block_open_mem(e->disk, (uint64_t)sectors * 512, false);
    struct vmp_bios_config cfg = {
        .disks = {e->blk}, .disk_count = 1, .com_ports = {0x3F8},
        .opaque = e, .console_out = bemu_console,
    };
    e->bios = vmp_bios_create(&e->env, &cfg);
    if (!e->bios)
        return -ENOMEM;
    if (vmp_bios_map_rom(e->bios, e->mem) < 0)
        return -EEXIST;
    vmp_x86_cpu_reset(&e->cpu);
    e->vcpu.ops = &bemu_vcpu_ops;
    e->vcpu.opaque = &e->cpu;
    return 0;
}

/* Run until stop(e) says so, HLT, a debug exit, an error, or max steps.
 * Returns the last vmp_x86_step result (VMP_X86_OK when stop() fired). */
static inline int bemu_run(struct bemu *e, bool (*stop)(const struct bemu *e),
                           uint64_t max)
{
    for (uint64_t i = 0; i < max; i++) {
        if (stop && stop(e))
            return VMP_X86_OK;
        int r = vmp_x86_step(&e->cpu, &bemu_ops, e);
        e->insns++;
        if (e->trap) {
            e->trap = false;
            e->traps++;
            e->trap_rc = vmp_bios_trap(e->bios, &e->vcpu);
            if (e->trap_rc < 0)
                return -1;
        }
        if (r != VMP_X86_OK || e->debug_exit)
            return r;
    }
    return -2;
}

static inline void bemu_free(struct bemu *e)
{
    vmp_bios_destroy(e->bios);
    vmp_block_close(e->blk);
    vmp_mem_destroy(e->mem);
    free(e->disk);
    free(e->ram);
}

#endif
