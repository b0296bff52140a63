/* The board vmp builds: RAM by the reference address map (DESIGN.md), the
 * port and MMIO spaces, and the devices on them. */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define PCI_HOLE_START 0xC0000000ull /* RAM stops here below 4 GiB */
#define HIGH_RAM_START 0x100000000ull

struct vmp_board {
    /* Debug console (0xE9): bytes collected into lines for the log. */
    char dbg_line[256];
    size_t dbg_len;
};

/* --- debug exit (0xF4) and debug console (0xE9) --- */

static uint64_t debug_exit_read(void *dev, uint64_t off, unsigned size)
{
    (void)dev; (void)off; (void)size;
    return UINT64_MAX;
}

static void debug_exit_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_machine *m = dev;
    (void)off;
    uint64_t v = value & (size >= 4 ? 0xFFFFFFFFull : (1ull << (8 * size)) - 1);
    /* The status is an int: the value is reported modulo 2^31 (shells see
     * its low 8 bits). */
    vmp_machine_exit(m, (int)(((v << 1) | 1) & 0x7FFFFFFF), "debug exit 0x%llx",
                     (unsigned long long)v);
}

static const struct vmp_io_ops debug_exit_ops = {debug_exit_read, debug_exit_write, 4};

static uint64_t debugcon_read(void *dev, uint64_t off, unsigned size)
{
    (void)dev; (void)off; (void)size;
    return 0xE9; /* Bochs' "port E9 hack" reads back 0xE9 */
}

static void debugcon_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_machine *m = dev;
    struct vmp_board *b = m->board;
    (void)off; (void)size;
    char ch = (char)value;
    if (ch == '\n' || b->dbg_len == sizeof b->dbg_line - 1) {
        b->dbg_line[b->dbg_len] = 0;
        vmp_logf(&m->log, VMP_LOG_INFO, "guest: %s", b->dbg_line);
        b->dbg_len = 0;
        if (ch == '\n')
            return;
    }
    b->dbg_line[b->dbg_len++] = ch;
}

static const struct vmp_io_ops debugcon_ops = {debugcon_read, debugcon_write, 1};

/* --- RAM --- */

static int setup_ram(struct vmp_machine *m)
{
    uint64_t size = m->cfg->mem;
    m->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        return vmp_err("cannot map %llu MiB of guest RAM", (unsigned long long)(size >> 20));
    }
    madvise(m->ram, size, MADV_MERGEABLE);
    m->ram_size = size;
    m->mem = vmp_mem_create();
    if (!m->mem)
        return -1;
    uint64_t low = size < PCI_HOLE_START ? size : PCI_HOLE_START;
    m->low_end = low;
    /* The legacy hole 640K-1M holds VGA and ROMs (the host pages stay
     * unused so RAM offsets equal addresses below 3 GiB). */
    int r = vmp_mem_add(m->mem, 0, 0xA0000, m->ram, 0);
    if (r == 0 && low > 0x100000)
        r = vmp_mem_add(m->mem, 0x100000, low - 0x100000, m->ram + 0x100000, 0);
    if (r == 0 && size > low)
        r = vmp_mem_add(m->mem, HIGH_RAM_START, size - low, m->ram + low, 0);
    return r < 0 ? vmp_err("guest memory layout: %s", vmp_strerror(r)) : 0;
}

int vmp_board_create(struct vmp_machine *m)
{
    struct vmp_board *b = calloc(1, sizeof *b);
    if (!b)
        return -1;
    m->board = b;
    if (setup_ram(m) < 0)
        return -1;
    m->env.mem = m->mem;
    m->pio = vmp_space_create("pio", 0xFFFF);
    m->mmio = vmp_space_create("mmio", UINT64_MAX);
    if (!m->pio || !m->mmio)
        return -1;
    int r = vmp_space_map(m->pio, 0xF4, 1, &debug_exit_ops, m);
    if (r == 0)
        r = vmp_space_map(m->pio, 0xE9, 1, &debugcon_ops, m);
    if (r < 0)
        return vmp_err("board: %s", vmp_strerror(r));
    return 0;
}

void vmp_board_destroy(struct vmp_machine *m)
{
    vmp_space_destroy(m->pio);
    vmp_space_destroy(m->mmio);
    m->pio = m->mmio = NULL;
    vmp_mem_destroy(m->mem);
    m->mem = NULL;
    if (m->ram)
        munmap(m->ram, m->ram_size);
    m->ram = NULL;
    free(m->board);
    m->board = NULL;
}

void vmp_board_console_input(struct vmp_machine *m, const uint8_t *buf, size_t len)
{
    (void)m; (void)buf; (void)len;
}

bool vmp_board_console_wants_input(struct vmp_machine *m)
{
    (void)m;
    return false;
}

void vmp_board_mmio(struct vmp_machine *m, unsigned cpu, uint64_t addr, uint8_t *data,
                    unsigned len, bool write)
{
    (void)cpu;
    if (len > 8)
        len = 8;
    /* KVM gives 1, 2, 4 or 8 bytes; anything else is split bytewise. */
    bool natural = len == 1 || len == 2 || len == 4 || len == 8;
    if (write) {
        uint64_t v = 0;
        memcpy(&v, data, len);
        if (natural) {
            vmp_space_write(m->mmio, addr, v, len);
        } else {
            for (unsigned i = 0; i < len; i++)
                vmp_space_write(m->mmio, addr + i, (v >> (8 * i)) & 0xFF, 1);
        }
    } else {
        uint64_t v = 0;
        if (natural) {
            v = vmp_space_read(m->mmio, addr, len);
        } else {
            for (unsigned i = 0; i < len; i++)
                v |= (vmp_space_read(m->mmio, addr + i, 1) & 0xFF) << (8 * i);
        }
        memcpy(data, &v, len);
    }
}

int vmp_board_msr(struct vmp_machine *m, unsigned cpu, uint32_t msr, uint64_t *value,
                  bool write)
{
    (void)m; (void)cpu; (void)msr; (void)value; (void)write;
    return -1;
}

/* --- interrupt side: no LAPIC yet --- */

bool vmp_board_has_interrupt(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    (void)m; (void)cpu; (void)rflags;
    return false;
}
int vmp_board_ack(struct vmp_machine *m, unsigned cpu)
{
    (void)m; (void)cpu;
    return -ENOENT;
}
bool vmp_board_wants_wakeup(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    (void)m; (void)cpu; (void)rflags;
    return false;
}
bool vmp_board_take_nmi(struct vmp_machine *m, unsigned cpu) { (void)m; (void)cpu; return false; }
bool vmp_board_take_init(struct vmp_machine *m, unsigned cpu) { (void)m; (void)cpu; return false; }
int vmp_board_take_sipi(struct vmp_machine *m, unsigned cpu)
{
    (void)m; (void)cpu;
    return -ENOENT;
}
void vmp_board_set_cr8(struct vmp_machine *m, unsigned cpu, uint8_t cr8)
{
    (void)m; (void)cpu; (void)cr8;
}
uint8_t vmp_board_get_cr8(struct vmp_machine *m, unsigned cpu)
{
    (void)m; (void)cpu;
    return 0;
}
