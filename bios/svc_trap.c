/* BIOS object, trap dispatch and the helpers every service uses.
 *
 * Calling convention between the ROM stubs (bios/rom.c) and the host:
 * a service stub has pushed DX on the stack, above the IP/CS/FLAGS the
 * INT pushed, so at the trap SS:SP -> DX, IP, CS, FLAGS. The host reads
 * the caller's registers (DX from that slot), runs the service, writes
 * DX back to the slot and the result flags into the FLAGS image that IRET
 * will restore, and leaves the live DX = 0500h (continue) or 0 (the stub
 * waits with STI/HLT and traps again). */
#include <stdlib.h>
#include <string.h>
#include <vmparts/clock.h>
#include "svc_priv.h"

static const char *const trap_names[TRAP_COUNT] = {
    "POST", "INT 19h", "INT 18h", "INT 08h", "INT 10h", "INT 11h",
    "INT 12h", "INT 13h", "INT 15h", "INT 16h", "INT 1Ah",
};

/* ---- guest memory -------------------------------------------------- */

int bios_rd8(struct vmp_bios *b, uint64_t a, uint8_t *v)
{
    return vmp_mem_read(b->env.mem, a, v, 1);
}
int bios_rd16(struct vmp_bios *b, uint64_t a, uint16_t *v)
{
    uint8_t p[2];
    int r = vmp_mem_read(b->env.mem, a, p, 2);
    *v = r ? 0 : (uint16_t)(p[0] | p[1] << 8);
    return r;
}
int bios_rd32(struct vmp_bios *b, uint64_t a, uint32_t *v)
{
    uint8_t p[4];
    int r = vmp_mem_read(b->env.mem, a, p, 4);
    *v = r ? 0 : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
    return r;
}
int bios_wr8(struct vmp_bios *b, uint64_t a, uint8_t v)
{
    return vmp_mem_write(b->env.mem, a, &v, 1);
}
int bios_wr16(struct vmp_bios *b, uint64_t a, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return vmp_mem_write(b->env.mem, a, p, 2);
}
int bios_wr32(struct vmp_bios *b, uint64_t a, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return vmp_mem_write(b->env.mem, a, p, 4);
}
uint8_t bda_rd8(struct vmp_bios *b, unsigned off)
{
    uint8_t v = 0;
    (void)bios_rd8(b, BDA + off, &v);
    return v;
}
uint16_t bda_rd16(struct vmp_bios *b, unsigned off)
{
    uint16_t v = 0;
    (void)bios_rd16(b, BDA + off, &v);
    return v;
}
uint32_t bda_rd32(struct vmp_bios *b, unsigned off)
{
    uint32_t v = 0;
    (void)bios_rd32(b, BDA + off, &v);
    return v;
}
void bda_wr8(struct vmp_bios *b, unsigned off, uint8_t v) { (void)bios_wr8(b, BDA + off, v); }
void bda_wr16(struct vmp_bios *b, unsigned off, uint16_t v) { (void)bios_wr16(b, BDA + off, v); }
void bda_wr32(struct vmp_bios *b, unsigned off, uint32_t v) { (void)bios_wr32(b, BDA + off, v); }

uint8_t bios_cmos_read(struct vmp_bios *b, uint8_t reg)
{
    return b->cfg.cmos_read ? b->cfg.cmos_read(b->cfg.opaque, reg & 0x7F) : 0;
}
void bios_cmos_write(struct vmp_bios *b, uint8_t reg, uint8_t v)
{
    if (b->cfg.cmos_write)
        b->cfg.cmos_write(b->cfg.opaque, reg & 0x7F, v);
}

void bios_set_seg(struct bios_call *c, int seg, uint16_t sel)
{
    struct vmp_segment *s = &c->s.seg[seg];
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xFFFF;
    s->type = seg == VMP_CS ? 0xB : 0x3; /* accessed code / data RW */
    s->s = 1;
    s->present = 1;
    s->dpl = 0;
    s->db = 0;
    s->l = 0;
    s->g = 0;
    s->unusable = 0;
    c->sregs_dirty = true;
}

void bios_unsupported(struct vmp_bios *b, struct bios_call *c, enum bios_trap t)
{
    uint8_t ah = AH(c);
    if (!(b->logged[t][ah >> 3] & (1u << (ah & 7)))) {
        b->logged[t][ah >> 3] |= (uint8_t)(1u << (ah & 7));
        vmp_logf(b->env.log, VMP_LOG_WARN, "bios: %s AX=%04x unsupported", trap_names[t],
                 R16(c, VMP_RAX));
    }
    b->stats.unsupported++;
    set8h(c, VMP_RAX, 0x86);
    set_cf(c, true);
}

/* ---- object -------------------------------------------------------- */

void bios_geom_init(struct bios_geom *g, uint64_t sectors)
{
    /* The usual LBA-assist translation (Phoenix EDD 3.0 and the "LBA
     * assist" heads table): 63 sectors per track, heads grown in steps so
     * cylinders stay at or below 1024, 255 heads at most. */
    static const uint32_t heads_tab[] = {16, 32, 64, 128, 255};
    g->spt = 63;
    g->heads = 255;
    for (unsigned i = 0; i < 5; i++)
        if (sectors <= (uint64_t)1024 * heads_tab[i] * 63) {
            g->heads = heads_tab[i];
            break;
        }
    uint64_t cyls = sectors / ((uint64_t)g->heads * g->spt);
    if (sectors < (uint64_t)g->heads * g->spt) { /* tiny disks: one cylinder */
        cyls = 1;
    }
    g->chs_valid = cyls <= 1024;
    g->cyls = (uint32_t)(cyls > 1024 ? 1024 : cyls);
}

/* The memory map from the RAM regions (read-only ones, like the ROM,
 * become reserved entries), with the EBDA carved out of low RAM. Done at
 * create and again at every POST, so regions added later (the ROM through
 * vmp_bios_map_rom) are in it. */
void bios_derive_e820(struct vmp_bios *b)
{
    struct vmp_e820_entry tmp[BIOS_E820_MAX - 1];
    int n = vmp_e820_from_mem(b->env.mem, tmp, BIOS_E820_MAX - 1);
    size_t k = 0;
    for (int i = 0; i < n && k <= BIOS_E820_MAX - 3; i++) {
        struct vmp_e820_entry e = tmp[i];
        uint64_t end = e.addr + e.size;
        if (e.type == VMP_E820_RAM && e.addr < VMP_BIOS_EBDA && end > VMP_BIOS_EBDA) {
            b->e820[k++] = (struct vmp_e820_entry){e.addr, VMP_BIOS_EBDA - e.addr,
                                                   VMP_E820_RAM};
            uint64_t rend = end < 0xA0000 ? end : 0xA0000;
            b->e820[k++] = (struct vmp_e820_entry){VMP_BIOS_EBDA, rend - VMP_BIOS_EBDA,
                                                   VMP_E820_RESERVED};
            if (end > 0xA0000)
                b->e820[k++] = (struct vmp_e820_entry){0xA0000, end - 0xA0000, VMP_E820_RAM};
        } else {
            b->e820[k++] = e;
        }
    }
    b->e820_count = k;
}

struct vmp_bios *vmp_bios_create(const struct vmp_env *env,
                                 const struct vmp_bios_config *cfg)
{
    if (!env || !env->mem)
        return NULL;
    /* aligned_alloc wants a multiple of the alignment; sizeof already is
     * one, since the struct's alignment is a page. */
    struct vmp_bios *b = aligned_alloc(_Alignof(struct vmp_bios), sizeof(*b));
    if (!b)
        return NULL;
    memset(b, 0, sizeof(*b));
    b->env = *env;
    if (cfg)
        b->cfg = *cfg;
    if (b->cfg.disk_count > VMP_BIOS_MAX_DISKS)
        b->cfg.disk_count = VMP_BIOS_MAX_DISKS;
    for (unsigned i = 0; i < b->cfg.disk_count; i++) {
        if (!b->cfg.disks[i]) { /* disks are numbered without gaps */
            b->cfg.disk_count = i;
            break;
        }
        bios_geom_init(&b->geom[i], vmp_block_sectors(b->cfg.disks[i]));
    }
    if (!b->cfg.pci_io_base && !b->cfg.pci_io_end) {
        b->cfg.pci_io_base = 0xC000;
        b->cfg.pci_io_end = 0x10000;
    }
    if (!b->cfg.pci_mmio_base && !b->cfg.pci_mmio_end) {
        b->cfg.pci_mmio_base = 0xC0000000u;
        b->cfg.pci_mmio_end = 0xFEC00000u;
    }
    if (!b->cfg.ioapic_base)
        b->cfg.ioapic_base = 0xFEC00000u;
    if (!b->cfg.lapic_base)
        b->cfg.lapic_base = 0xFEE00000u;

    if (b->cfg.e820 && b->cfg.e820_count) {
        size_t n = b->cfg.e820_count < BIOS_E820_MAX ? b->cfg.e820_count : BIOS_E820_MAX;
        memcpy(b->e820, b->cfg.e820, n * sizeof(b->e820[0]));
        b->e820_count = n;
    } else {
        b->e820_derived = true;
        bios_derive_e820(b);
    }
    /* The config's pointers are not kept beyond what was copied. */
    b->cfg.e820 = NULL;
    b->cfg.e820_count = 0;
    bios_rom_build(b);
    vmp_bios_reset(b);
    return b;
}

void vmp_bios_destroy(struct vmp_bios *b)
{
    free(b);
}

void vmp_bios_reset(struct vmp_bios *b)
{
    b->a20 = true; /* the reference board starts with A20 enabled */
    b->waiting = false;
    b->wait_deadline = 0;
    memset(b->logged, 0, sizeof(b->logged));
    vmp_ratelimit_reset(&b->rl);
}

const uint8_t *vmp_bios_rom_image(const struct vmp_bios *b)
{
    return b->rom;
}

int vmp_bios_map_rom(struct vmp_bios *b, struct vmp_mem *mem)
{
    int r = vmp_mem_add(mem, VMP_BIOS_ROM_BASE, VMP_BIOS_ROM_SIZE, b->rom, VMP_MEM_READONLY);
    if (r < 0)
        return r;
    r = vmp_mem_add(mem, VMP_BIOS_ROM_ALIAS, VMP_BIOS_ROM_SIZE, b->rom, VMP_MEM_READONLY);
    if (r < 0)
        vmp_mem_remove(mem, VMP_BIOS_ROM_BASE);
    return r;
}

void vmp_bios_get_stats(const struct vmp_bios *b, struct vmp_bios_stats *st)
{
    *st = b->stats;
}

/* ---- trap ---------------------------------------------------------- */

static int find_trap(const struct vmp_bios *b, const struct bios_call *c)
{
    uint64_t lin = c->s.seg[VMP_CS].base + (c->r.rip & 0xFFFF);
    uint64_t off;
    if (lin >= VMP_BIOS_ROM_BASE && lin < VMP_BIOS_ROM_BASE + VMP_BIOS_ROM_SIZE)
        off = lin - VMP_BIOS_ROM_BASE;
    else if (lin >= VMP_BIOS_ROM_ALIAS && lin < VMP_BIOS_ROM_ALIAS + VMP_BIOS_ROM_SIZE)
        off = lin - VMP_BIOS_ROM_ALIAS;
    else
        return -1;
    for (int t = 0; t < TRAP_COUNT; t++)
        if (off == b->site[t] || off == b->site[t] + 1u) /* at or after the OUT */
            return t;
    return -1;
}

static bool real_mode(const struct bios_call *c)
{
    return !(c->s.cr0 & 1) || (c->r.rflags & VMP_FLAG_VM);
}

static int run_service(struct vmp_bios *b, struct bios_call *c, enum bios_trap t)
{
    uint64_t ss = c->s.seg[VMP_SS].base;
    uint16_t sp = (uint16_t)c->r.gpr[VMP_RSP];
    uint64_t a_dx = ss + sp, a_fl = ss + (uint16_t)(sp + 6);
    uint16_t dx;
    if (bios_rd16(b, a_dx, &dx) || bios_rd16(b, a_fl, &c->flags)) {
        vmp_logf_limited(b->env.log, &b->rl, VMP_LOG_WARN,
                         "bios: %s with unbacked stack %04x:%04x", trap_names[t],
                         c->s.seg[VMP_SS].selector, sp);
        return -EFAULT;
    }
    c->frame = a_dx;
    set16(c, VMP_RDX, dx);
    switch (t) {
    case TRAP_INT10: bios_int10(b, c); break;
    case TRAP_INT11: bios_int11(b, c); break;
    case TRAP_INT12: bios_int12(b, c); break;
    case TRAP_INT13: bios_int13(b, c); break;
    case TRAP_INT15: bios_int15(b, c); break;
    case TRAP_INT16: bios_int16(b, c); break;
    case TRAP_INT1A: bios_int1a(b, c); break;
    default: break;
    }
    if (!c->wait && (bios_wr16(b, a_dx, R16(c, VMP_RDX)) || bios_wr16(b, a_fl, c->flags)))
        return -EFAULT; /* checked readable above; a ROM stack is the guest's fault */
    set16(c, VMP_RDX, c->wait ? 0 : VMP_BIOS_TRAP_PORT);
    return 0;
}

int vmp_bios_trap(struct vmp_bios *b, const struct vmp_vcpu *vcpu)
{
    struct bios_call c;
    memset(&c, 0, sizeof(c));
    int r = vcpu->ops->get_regs(vcpu->opaque, &c.r);
    if (r < 0)
        return r;
    r = vcpu->ops->get_sregs(vcpu->opaque, &c.s);
    if (r < 0)
        return r;
    int t = find_trap(b, &c);
    if (t < 0 || !real_mode(&c)) {
        vmp_logf_limited(b->env.log, &b->rl, VMP_LOG_WARN,
                         "bios: trap port write from %04x:%04llx is not a BIOS stub",
                         c.s.seg[VMP_CS].selector, (unsigned long long)c.r.rip);
        return -EINVAL;
    }
    const uint64_t rip = c.r.rip;
    b->stats.traps++;
    switch (t) {
    case TRAP_POST:
        bios_post(b);
        break;
    case TRAP_INT19:
        set16(&c, VMP_RDX, bios_int19(b, &c) ? R16(&c, VMP_RDX) : 0);
        break;
    case TRAP_INT18:
        bios_int18(b);
        break;
    case TRAP_INT08:
        /* Only the BDA changes; the interrupted code's registers stay. */
        bios_int08(b);
        return 0;
    default:
        r = run_service(b, &c, (enum bios_trap)t);
        if (r < 0)
            return r;
        break;
    }
    c.r.rip = rip; /* never moved: the OUT completes by itself */
    r = vcpu->ops->set_regs(vcpu->opaque, &c.r);
    if (r == 0 && c.sregs_dirty)
        r = vcpu->ops->set_sregs(vcpu->opaque, &c.s);
    return r;
}

/* ---- state --------------------------------------------------------- */

int vmp_bios_save(const struct vmp_bios *b, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "bios", 1);
    vmp_state_put_bool(w, b->a20);
    vmp_state_put_bool(w, b->waiting);
    vmp_state_put_u64(w, b->wait_deadline);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_bios_load(struct vmp_bios *b, struct vmp_state_reader *r)
{
    uint32_t ver;
    int e = vmp_state_open(r, "bios", 1, &ver);
    if (e < 0)
        return e;
    bool a20 = vmp_state_get_bool(r);
    bool waiting = vmp_state_get_bool(r);
    uint64_t deadline = vmp_state_get_u64(r);
    e = vmp_state_close(r);
    if (e < 0)
        return e;
    b->a20 = a20;
    b->waiting = waiting;
    b->wait_deadline = waiting ? deadline : 0;
    if (b->cfg.set_a20)
        b->cfg.set_a20(b->cfg.opaque, a20);
    return 0;
}
