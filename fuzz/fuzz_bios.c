/* The BIOS service entry (vmp_bios_trap) with registers and guest memory
 * from the input, repeatedly, against a small in-memory disk.
 *
 * Input: a 4-byte header (0: disk sectors; 1: bit 0 read-only disk, bit 1
 * POST sees a PIC and a PCI function; 2: clock step per record; 3: RTC
 * register B mode bits), then records of 40 bytes:
 *   0     which trap: 0-12 picks a vector's stub through the IVT (10h,
 *         11h, 12h, 13h, 15h, 16h, 1Ah, 08h, 19h, 18h, 13h, 13h, 15h);
 *         above that, a raw CS:IP (CS from bytes 0-1, IP from 36-37)
 *   1     FLAGS image low byte pushed by "INT"
 *   2-29  EAX EBX ECX EDX ESI EDI EBP (little-endian; BP 16-bit)
 *   30-35 DS ES SS selectors
 *   36-37 SP (or raw IP)
 *   38    mode bits: bit 0 CR0.PE, bit 1 RIP after the OUT, bit 2 RFLAGS.VM
 *   39    memory pokes that follow (each 4 bytes: 20-bit address, value)
 * The disk image and low RAM start from the input's tail. Invariants
 * checked after every trap: RIP and CS unchanged, ROM unchanged, a
 * read-only disk unchanged; LeakSanitizer checks the teardown. */
#include <stdlib.h>
#include <string.h>
#include <vmparts/bios_svc.h>
#include <vmparts/clock.h>
#include <vmparts/irq.h>
#include <vmparts/pci.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOW (0xA0000u)
#define HIGH (64u << 10) /* 64 KiB at 1 MiB */

struct cpu {
    struct vmp_vcpu_regs r;
    struct vmp_vcpu_sregs s;
};
static int g_regs(void *o, struct vmp_vcpu_regs *r) { *r = ((struct cpu *)o)->r; return 0; }
static int s_regs(void *o, const struct vmp_vcpu_regs *r) { ((struct cpu *)o)->r = *r; return 0; }
static int g_sregs(void *o, struct vmp_vcpu_sregs *s) { *s = ((struct cpu *)o)->s; return 0; }
static int s_sregs(void *o, const struct vmp_vcpu_sregs *s) { ((struct cpu *)o)->s = *s; return 0; }
static const struct vmp_vcpu_ops ops = {g_regs, s_regs, g_sregs, s_sregs};

struct ctx {
    const uint8_t *in;
    size_t in_len, in_pos;
    uint8_t cmos[128];
};
static int con_in(void *o)
{
    struct ctx *c = o;
    return c->in_pos < c->in_len ? c->in[c->in_pos++] : -1;
}
static void con_out(void *o, uint8_t ch) { (void)o; (void)ch; }
static uint8_t cmos_rd(void *o, uint8_t r) { return ((struct ctx *)o)->cmos[r & 0x7F]; }
static void cmos_wr(void *o, uint8_t r, uint8_t v) { ((struct ctx *)o)->cmos[r & 0x7F] = v; }
static void a20(void *o, bool on) { (void)o; (void)on; }

static uint64_t bar_rd(void *d, uint64_t o, unsigned sz)
{
    (void)d;
    (void)o;
    (void)sz;
    return 0;
}
static void bar_wr(void *d, uint64_t o, uint64_t v, unsigned sz)
{
    (void)d;
    (void)o;
    (void)v;
    (void)sz;
}
static const struct vmp_io_ops bar_ops = {bar_rd, bar_wr, 4};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void seg(struct vmp_segment *s, uint16_t sel)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xFFFF;
    s->type = 3;
    s->s = 1;
    s->present = 1;
}

static const uint8_t vectors[13] = {0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x1A,
                                    0x08, 0x19, 0x18, 0x13, 0x13, 0x15};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    unsigned sectors = 1 + data[0] % 64;
    bool ro = data[1] & 1, with_devs = data[1] & 2;
    uint64_t step = (uint64_t)data[2] * 100000;
    data += 4;
    size -= 4;

    /* Guest memory is reused between inputs (cleared each time): large
     * per-input allocations dominated the run time under ASan. */
    static uint8_t low[LOW], high[HIGH], vga[0x8000], rom[VMP_BIOS_ROM_SIZE];
    static uint8_t rom0[VMP_BIOS_ROM_SIZE], disk[64 * 512], disk0[64 * 512];
    memset(low, 0, sizeof(low));
    memset(high, 0, sizeof(high));
    memset(vga, 0, sizeof(vga));
    memset(disk, 0, sizeof(disk));
    /* the input's tail seeds the disk and the start of RAM */
    for (size_t i = 0; i < (size_t)sectors * 512 && i < size; i++)
        disk[i] = data[size - 1 - i];
    if (ro)
        memcpy(disk0, disk, (size_t)sectors * 512);
    memcpy(low + 0x7000, data, size < 0x1000 ? size : 0x1000);

    struct vmp_mem *mem = vmp_mem_create();
    vmp_mem_add(mem, 0, LOW, low, 0);
    vmp_mem_add(mem, 0xB8000, 0x8000, vga, 0);
    vmp_mem_add(mem, 0x100000, HIGH, high, 0);
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_env env = {.mem = mem, .clock = clock};
    struct vmp_block *blk = vmp_block_open_mem(disk, (uint64_t)sectors * 512, ro);
    struct ctx ctx = {.in = data, .in_len = size};
    ctx.cmos[0x0A] = 0x26;
    ctx.cmos[0x0B] = (uint8_t)(data[-1] & 0x06); /* header byte 3 */

    struct vmp_space *pio = NULL, *mmio = NULL, *cfgs = NULL;
    struct vmp_pic *pic = NULL;
    struct vmp_pci_host *host = NULL;
    struct vmp_pci_func *fn = NULL;
    if (with_devs) {
        pio = vmp_space_create("pio", 0xFFFF);
        mmio = vmp_space_create("mmio", UINT64_MAX);
        cfgs = vmp_space_create("pcicfg", VMP_PCI_CFG_LAST);
        pic = vmp_pic_create(NULL, NULL);
        vmp_pic_attach(pic, pio);
        struct vmp_env penv = {0};
        host = vmp_pci_host_create(&penv, cfgs, NULL);
        fn = calloc(1, sizeof(*fn));
        struct vmp_pci_id id = {.vendor = 0x1234, .device = 0x1, .int_pin = 1};
        vmp_pci_func_init(fn, &penv, "f", &id);
        vmp_pci_bar_init(fn, 0, VMP_PCI_BAR_MEM32, 4096, false, &bar_ops, NULL);
        vmp_pci_bar_init(fn, 1, VMP_PCI_BAR_IO, 16, false, &bar_ops, NULL);
        vmp_pci_func_attach(fn, cfgs, 0, 2, 0, pio, mmio);
    }
    struct vmp_bios_config cfg = {
        .disks = {blk}, .disk_count = blk ? 1 : 0, .com_ports = {0x3F8},
        .opaque = &ctx, .console_out = con_out, .console_in = con_in,
        .cmos_read = cmos_rd, .cmos_write = cmos_wr, .set_a20 = a20,
        .pio = pio, .mmio = mmio, .pci_cfg = cfgs,
    };
    struct vmp_bios *bios = vmp_bios_create(&env, &cfg);
    if (!bios)
        abort();
    memcpy(rom, vmp_bios_rom_image(bios), VMP_BIOS_ROM_SIZE);
    vmp_mem_add(mem, VMP_BIOS_ROM_BASE, VMP_BIOS_ROM_SIZE, rom, VMP_MEM_READONLY);
    memcpy(rom0, rom, VMP_BIOS_ROM_SIZE);

    struct cpu cpu;
    memset(&cpu, 0, sizeof(cpu));
    struct vmp_vcpu vcpu = {&ops, &cpu};

    /* POST first (its stub is the reset vector's target), so the IVT is
     * there for the records to use. */
    uint16_t post = (uint16_t)(rom[0xFFF1] | rom[0xFFF2] << 8);
    uint16_t post_out = post;
    while (post_out < 0xFFF0 && rom[post_out] != 0xEE)
        post_out++;
    for (int s = 0; s < VMP_NR_SEGS; s++)
        seg(&cpu.s.seg[s], 0);
    seg(&cpu.s.seg[VMP_CS], 0xF000);
    cpu.r.rip = post_out;
    cpu.r.gpr[VMP_RSP] = 0x7C00;
    if (vmp_bios_trap(bios, &vcpu) != 0)
        abort();

    size_t pos = 0;
    for (unsigned n = 0; n < 64 && pos + 40 <= size; n++) {
        const uint8_t *p = data + pos;
        pos += 40;
        unsigned pokes = p[39] % 8;
        for (unsigned k = 0; k < pokes && pos + 4 <= size; k++, pos += 4) {
            uint32_t a = rd32(data + pos) & 0xFFFFF;
            if (a < LOW)
                low[a] = data[pos + 3];
        }
        static const int gprs[7] = {VMP_RAX, VMP_RBX, VMP_RCX, VMP_RDX,
                                    VMP_RSI, VMP_RDI, VMP_RBP};
        for (int g = 0; g < 7; g++)
            cpu.r.gpr[gprs[g]] = rd32(p + 2 + 4 * g);
        cpu.r.gpr[VMP_RBP] = rd32(p + 26) & 0xFFFF;
        seg(&cpu.s.seg[VMP_DS], (uint16_t)(p[30] | p[31] << 8));
        seg(&cpu.s.seg[VMP_ES], (uint16_t)(p[32] | p[33] << 8));
        seg(&cpu.s.seg[VMP_SS], (uint16_t)(p[34] | p[35] << 8));
        uint16_t sp = (uint16_t)(p[36] | p[37] << 8);
        cpu.s.cr0 = p[38] & 1;
        cpu.r.rflags = 2 | ((p[38] & 4) ? VMP_FLAG_VM : 0);
        /* INT 10h repeat counts (AH=09h/0Ah/13h) up to a screenful plus a
         * little: the paths past the page end are all reached, and a
         * 65535-character string per record would dominate the run time
         * (a bound like FUZZ_MAX_OPS, not a gap: test_bios_svc covers the
         * large counts). */
        if (p[0] == 0)
            cpu.r.gpr[VMP_RCX] &= 0x0FFF;
        if (p[0] < sizeof(vectors)) {
            uint8_t v = vectors[p[0]];
            uint16_t off = (uint16_t)(low[v * 4] | low[v * 4 + 1] << 8);
            uint16_t cs = (uint16_t)(low[v * 4 + 2] | low[v * 4 + 3] << 8);
            seg(&cpu.s.seg[VMP_CS], cs);
            uint32_t lin = ((uint32_t)cs << 4) + off;
            while (lin < 0xFFFF0 && lin >= 0xF0000 && rom[lin - 0xF0000] != 0xEE)
                lin++, off++;
            cpu.r.rip = off + ((p[38] & 2) ? 1 : 0);
            /* the stub's frame: DX, IP, CS, FLAGS */
            uint32_t base = (uint32_t)cpu.s.seg[VMP_SS].base;
            uint16_t frame[4] = {(uint16_t)cpu.r.gpr[VMP_RDX], 0x1234, 0x5678,
                                 (uint16_t)(0x0200 | p[1])};
            for (int k = 0; k < 4; k++) {
                uint32_t a = base + (uint16_t)(sp + 2 * k);
                if (a + 1 < LOW) {
                    low[a] = (uint8_t)frame[k];
                    low[a + 1] = (uint8_t)(frame[k] >> 8);
                }
            }
            cpu.r.gpr[VMP_RDX] = (cpu.r.gpr[VMP_RDX] & ~0xFFFFull) | VMP_BIOS_TRAP_PORT;
        } else {
            seg(&cpu.s.seg[VMP_CS], (uint16_t)(p[1] << 8 | p[0]));
            cpu.r.rip = sp;
        }
        cpu.r.gpr[VMP_RSP] = sp;
        uint64_t rip = cpu.r.rip;
        uint16_t cs = cpu.s.seg[VMP_CS].selector;
        int r = vmp_bios_trap(bios, &vcpu);
        if (r != 0 && r != -EINVAL && r != -EFAULT)
            abort();
        if (cpu.r.rip != rip || cpu.s.seg[VMP_CS].selector != cs)
            abort();
        vmp_clock_advance(clock, step);
    }
    if (memcmp(rom, rom0, VMP_BIOS_ROM_SIZE) != 0)
        abort();
    if (ro && memcmp(disk, disk0, (size_t)sectors * 512) != 0)
        abort();
    /* Whatever the guest did, the host state saves and loads back. */
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    if (vmp_bios_save(bios, &w) != 0)
        abort();
    struct vmp_state_reader rd;
    vmp_state_reader_init(&rd, w.buf, w.len);
    if (vmp_bios_load(bios, &rd) != 0)
        abort();
    vmp_state_writer_free(&w);

    vmp_bios_destroy(bios);
    if (with_devs) {
        vmp_pci_func_detach(fn);
        vmp_pci_func_fini(fn);
        free(fn);
        vmp_pci_host_destroy(host);
        vmp_pic_destroy(pic);
        vmp_space_destroy(pio);
        vmp_space_destroy(mmio);
        vmp_space_destroy(cfgs);
    }
    vmp_block_close(blk);
    vmp_mem_destroy(mem);
    vmp_clock_destroy(clock);
    return 0;
}
