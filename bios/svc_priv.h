/* Internals shared by the BIOS service files (bios/rom.c, bios/svc_*.c,
 * bios/post*.c). Not installed. */
#ifndef VMP_BIOS_SVC_PRIV_H
#define VMP_BIOS_SVC_PRIV_H

#include <vmparts/bios_svc.h>
#include <vmparts/mem.h>

/* Trap sites in the ROM: one per stub that executes OUT to the trap port. */
enum bios_trap {
    TRAP_POST,   /* reset path: POST, then INT 19h */
    TRAP_INT19,  /* bootstrap loader */
    TRAP_INT18,  /* no bootable device */
    TRAP_INT08,  /* IRQ0: BDA tick count */
    TRAP_INT10,
    TRAP_INT11,
    TRAP_INT12,
    TRAP_INT13,
    TRAP_INT15,
    TRAP_INT16,
    TRAP_INT1A,
    TRAP_COUNT
};

#define BIOS_E820_MAX 64

/* ROM offsets that are fixed (IBM PC/AT Technical Reference, the BIOS
 * listing's entry points). */
#define ROM_CONFIG_TABLE 0xE6F5u /* INT 15h C0h system configuration table */
#define ROM_RESET 0xFFF0u
#define ROM_DATE 0xFFF5u
#define ROM_MODEL 0xFFFEu

/* BDA offsets (from 0x400), IBM PC/AT Technical Reference and RBIL MEMORY
 * list "Format of BIOS Data Segment at segment 40h". */
#define BDA 0x400u
#define BDA_COM 0x00u
#define BDA_EBDA_SEG 0x0Eu
#define BDA_EQUIP 0x10u
#define BDA_MEM_KIB 0x13u
#define BDA_KB_FLAGS 0x17u
#define BDA_KB_HEAD 0x1Au
#define BDA_KB_TAIL 0x1Cu
#define BDA_VID_MODE 0x49u
#define BDA_VID_COLS 0x4Au
#define BDA_VID_PAGESIZE 0x4Cu
#define BDA_VID_PAGEOFF 0x4Eu
#define BDA_CURSOR_POS 0x50u /* 8 pages x (col, row) */
#define BDA_CURSOR_SHAPE 0x60u
#define BDA_VID_PAGE 0x62u
#define BDA_CRTC_BASE 0x63u
#define BDA_VID_MSR 0x65u
#define BDA_VID_PAL 0x66u
#define BDA_TICKS 0x6Cu
#define BDA_MIDNIGHT 0x70u
#define BDA_DISK_STATUS 0x74u
#define BDA_DISK_COUNT 0x75u
#define BDA_KB_START 0x80u
#define BDA_KB_END 0x82u
#define BDA_VID_ROWS 0x84u
#define BDA_VID_CHARH 0x85u
#define BDA_VID_EGA_MISC 0x87u
#define BDA_VID_SWITCHES 0x88u
#define BDA_VID_FLAGS 0x89u
#define BDA_KB_MODE 0x96u

/* Ticks per day at 1193182/65536 Hz (IBM: 0x1800B0). */
#define BIOS_TICKS_PER_DAY 0x1800B0u

struct bios_geom {
    uint32_t cyls, heads, spt; /* translated geometry for CHS calls */
    bool chs_valid;            /* whole disk reachable by CHS */
};

struct vmp_bios {
    /* First and page-aligned (the struct is allocated so): a backend can
     * map the image as guest memory directly, e.g. as a KVM memory slot. */
    _Alignas(4096) uint8_t rom[VMP_BIOS_ROM_SIZE];
    struct vmp_env env;
    struct vmp_bios_config cfg;
    struct vmp_e820_entry e820[BIOS_E820_MAX];
    size_t e820_count;
    bool e820_derived;           /* no map in the config: from RAM */
    struct bios_geom geom[VMP_BIOS_MAX_DISKS];
    uint16_t site[TRAP_COUNT];   /* ROM offset of each trap's OUT */
    uint16_t ivt_off[256];       /* F000:off for each vector */
    bool a20;
    bool waiting;                /* INT 15h 86h in progress */
    uint64_t wait_deadline;
    struct vmp_bios_stats stats;
    uint8_t logged[TRAP_COUNT][32]; /* unsupported AH values already logged */
    struct vmp_ratelimit rl;
};

/* One service call: registers as the caller had them (DX from the stub's
 * stack slot), the FLAGS image the INT pushed, and what to give back. */
struct bios_call {
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs s;
    uint16_t flags;        /* FLAGS image IRET will restore */
    uint64_t frame;        /* linear SS:SP at the trap */
    bool wait;             /* stub: STI, HLT, then trap again */
    bool sregs_dirty;
};

#define R8L(c, g) ((uint8_t)(c)->r.gpr[g])
#define R8H(c, g) ((uint8_t)((c)->r.gpr[g] >> 8))
#define R16(c, g) ((uint16_t)(c)->r.gpr[g])
#define R32(c, g) ((uint32_t)(c)->r.gpr[g])
static inline void set8l(struct bios_call *c, int g, uint8_t v)
{
    c->r.gpr[g] = (c->r.gpr[g] & ~0xFFull) | v;
}
static inline void set8h(struct bios_call *c, int g, uint8_t v)
{
    c->r.gpr[g] = (c->r.gpr[g] & ~0xFF00ull) | (uint64_t)v << 8;
}
static inline void set16(struct bios_call *c, int g, uint16_t v)
{
    c->r.gpr[g] = (c->r.gpr[g] & ~0xFFFFull) | v;
}
static inline void set32(struct bios_call *c, int g, uint32_t v)
{
    c->r.gpr[g] = (c->r.gpr[g] & ~0xFFFFFFFFull) | v;
}
#define AH(c) R8H(c, VMP_RAX)
#define AL(c) R8L(c, VMP_RAX)
#define BH(c) R8H(c, VMP_RBX)
#define BL(c) R8L(c, VMP_RBX)
#define CH(c) R8H(c, VMP_RCX)
#define CL(c) R8L(c, VMP_RCX)
#define DH(c) R8H(c, VMP_RDX)
#define DL(c) R8L(c, VMP_RDX)

static inline void set_cf(struct bios_call *c, bool on)
{
    c->flags = (uint16_t)(on ? c->flags | VMP_FLAG_CF : c->flags & ~VMP_FLAG_CF);
}
static inline void set_zf(struct bios_call *c, bool on)
{
    c->flags = (uint16_t)(on ? c->flags | VMP_FLAG_ZF : c->flags & ~VMP_FLAG_ZF);
}
/* Linear address of seg:off (real mode: the cached base). */
static inline uint64_t seg_addr(const struct bios_call *c, int seg, uint32_t off)
{
    return c->s.seg[seg].base + (off & 0xFFFF);
}
/* Load a real-mode segment register (selector and the cache behind it). */
void bios_set_seg(struct bios_call *c, int seg, uint16_t sel);

/* Guest memory helpers (little-endian); each returns 0 or -EFAULT. */
int bios_rd8(struct vmp_bios *b, uint64_t a, uint8_t *v);
int bios_rd16(struct vmp_bios *b, uint64_t a, uint16_t *v);
int bios_rd32(struct vmp_bios *b, uint64_t a, uint32_t *v);
int bios_wr8(struct vmp_bios *b, uint64_t a, uint8_t v);
int bios_wr16(struct vmp_bios *b, uint64_t a, uint16_t v);
int bios_wr32(struct vmp_bios *b, uint64_t a, uint32_t v);
/* BDA accessors (a missing BDA reads 0, writes are dropped). */
uint8_t bda_rd8(struct vmp_bios *b, unsigned off);
uint16_t bda_rd16(struct vmp_bios *b, unsigned off);
uint32_t bda_rd32(struct vmp_bios *b, unsigned off);
void bda_wr8(struct vmp_bios *b, unsigned off, uint8_t v);
void bda_wr16(struct vmp_bios *b, unsigned off, uint16_t v);
void bda_wr32(struct vmp_bios *b, unsigned off, uint32_t v);

/* CF=1, AH=86h, logged once per (service, AH). */
void bios_unsupported(struct vmp_bios *b, struct bios_call *c, enum bios_trap t);

uint8_t bios_cmos_read(struct vmp_bios *b, uint8_t reg);
void bios_cmos_write(struct vmp_bios *b, uint8_t reg, uint8_t v);

void bios_rom_build(struct vmp_bios *b);
void bios_derive_e820(struct vmp_bios *b);
void bios_geom_init(struct bios_geom *g, uint64_t sectors);

/* Services (bios/svc_*.c). */
void bios_int10(struct vmp_bios *b, struct bios_call *c);
void bios_int11(struct vmp_bios *b, struct bios_call *c);
void bios_int12(struct vmp_bios *b, struct bios_call *c);
void bios_int13(struct vmp_bios *b, struct bios_call *c);
void bios_int15(struct vmp_bios *b, struct bios_call *c);
void bios_int16(struct vmp_bios *b, struct bios_call *c);
void bios_int1a(struct vmp_bios *b, struct bios_call *c);
void bios_int08(struct vmp_bios *b);
void bios_int18(struct vmp_bios *b);
/* Loads the boot sector; true (and registers set) when it can be entered. */
bool bios_int19(struct vmp_bios *b, struct bios_call *c);
/* The whole POST (bios/post*.c). */
void bios_post(struct vmp_bios *b);
void bios_post_pci(struct vmp_bios *b);
/* Text output shared by INT 10h and the POST/boot messages. */
void bios_video_puts(struct vmp_bios *b, const char *s);
void bios_video_set_mode3(struct vmp_bios *b, bool clear);

#endif
