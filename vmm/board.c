/* vmp's board: guest RAM (mmap'd here, laid out by the library's
 * reference board) and the glue between vmp_machine and vmp_pc, which
 * holds the devices and the address map (api/vmparts/pc.h). The hooks send
 * the board's requests to the machine: COM1 to stdio or a file, the debug
 * console to the log, and debug exit, reset and power-off end the run. */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct vmp_board {
    struct vmp_pc *pc;
    int console_fd; /* -1: output dropped */
};

/* --- hooks --- */

static void console_write(struct vmp_machine *m, uint8_t byte)
{
    int fd = m->board->console_fd;
    if (fd < 0)
        return;
    while (write(fd, &byte, 1) < 0 && errno == EINTR)
        ;
}

static void on_console_out(void *opaque, uint8_t byte) { console_write(opaque, byte); }

static void on_debug_exit(void *opaque, uint64_t status)
{
    /* status is (v << 1) | 1 already; an int exit status keeps 31 bits and
     * a shell sees the low 8. */
    vmp_machine_exit(opaque, (int)(status & 0x7FFFFFFF), "debug exit, status %llu",
                     (unsigned long long)status);
}

static void on_debug_line(void *opaque, const char *line)
{
    struct vmp_machine *m = opaque;
    vmp_logf(&m->log, VMP_LOG_INFO, "guest: %s", line);
}

static void on_power_off(void *opaque)
{
    vmp_machine_exit(opaque, VMP_EXIT_POWEROFF, "ACPI S5 (power off)");
}

/* vmp does not reboot: every kind of reset ends the run (status 4). */
static void on_reset(void *opaque, enum vmp_reset_kind kind)
{
    static const char *names[] = {"INIT", "hard", "full"};
    vmp_machine_exit(opaque, VMP_EXIT_RESET, "guest %s reset", names[kind <= 2 ? kind : 1]);
}

static uint64_t on_read_tsc(void *opaque, unsigned cpu)
{
    struct vmp_machine *m = opaque;
    return m->accel->read_tsc(m, cpu);
}

static void on_kick(void *opaque, unsigned cpu)
{
    struct vmp_machine *m = opaque;
    m->accel->kick(m, cpu);
}

/* --- RAM: one host mapping, RAM offset == address below 3 GiB --- */

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
    struct vmp_pc_ram_map map;
    vmp_pc_ram_map(size, &map);
    m->low_end = map.low_end;
    int r = vmp_pc_add_ram(m->mem, m->ram, size);
    return r < 0 ? vmp_err("guest memory layout: %s", vmp_strerror(r)) : 0;
}

int vmp_board_create(struct vmp_machine *m)
{
    struct vmp_board *b = calloc(1, sizeof *b);
    if (!b)
        return -1;
    b->console_fd = -1;
    m->board = b;
    if (setup_ram(m) < 0)
        return -1;
    m->env.mem = m->mem;
    if (m->cfg->serial == VMP_SERIAL_STDIO) {
        b->console_fd = STDOUT_FILENO;
    } else if (m->cfg->serial == VMP_SERIAL_FILE) {
        b->console_fd = open(m->cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (b->console_fd < 0)
            return vmp_err("--serial file:%s: %s", m->cfg->serial_path, strerror(errno));
    }
    struct vmp_pc_config pc = {
        .ram_size = m->ram_size,
        .ncpus = m->ncpus,
        .rtc_epoch = (int64_t)time(NULL), /* the RTC starts at the host's time */
        .hooks = {
            .console_out = on_console_out,
            .debug_exit = on_debug_exit,
            .debug_line = on_debug_line,
            .reset = on_reset,
            .power_off = on_power_off,
            .read_tsc = on_read_tsc,
            .kick = on_kick,
            .opaque = m,
        },
    };
    b->pc = vmp_pc_create(&m->env, &pc);
    if (!b->pc)
        return vmp_err("board: cannot create the reference board");
    m->pio = vmp_pc_pio(b->pc);
    m->mmio = vmp_pc_mmio_space(b->pc);
    return 0;
}

/* The LAPICs, once the backend can say what the guest TSC rate is. */
int vmp_board_create_cpus(struct vmp_machine *m)
{
    int r = vmp_pc_create_cpus(m->board->pc, m->accel->tsc_hz(m));
    return r < 0 ? vmp_err("board: cannot create the LAPICs: %s", vmp_strerror(r)) : 0;
}

void vmp_board_destroy(struct vmp_machine *m)
{
    struct vmp_board *b = m->board;
    if (b) {
        vmp_pc_destroy(b->pc);
        if (b->console_fd > STDERR_FILENO)
            close(b->console_fd);
    }
    m->pio = m->mmio = NULL;
    vmp_mem_destroy(m->mem);
    m->mem = NULL;
    if (m->ram)
        munmap(m->ram, m->ram_size);
    m->ram = NULL;
    free(m->board);
    m->board = NULL;
}

/* --- console and firmware accessors --- */

void vmp_board_console_input(struct vmp_machine *m, const uint8_t *buf, size_t len)
{
    (void)vmp_pc_console_input(m->board->pc, buf, len); /* at most 256 bytes a time */
}

bool vmp_board_console_wants_input(struct vmp_machine *m)
{
    return vmp_pc_console_wants_input(m->board->pc);
}

void vmp_board_console_putc(struct vmp_machine *m, uint8_t c) { console_write(m, c); }
bool vmp_board_uart_used(struct vmp_machine *m) { return vmp_pc_console_used(m->board->pc); }
struct vmp_rtc *vmp_board_rtc(struct vmp_machine *m) { return vmp_pc_rtc(m->board->pc); }
struct vmp_space *vmp_board_pci_cfg(struct vmp_machine *m) { return vmp_pc_pci_cfg(m->board->pc); }

/* --- per-vCPU side --- */

void vmp_board_mmio(struct vmp_machine *m, unsigned cpu, uint64_t addr, uint8_t *data,
                    unsigned len, bool write)
{
    vmp_pc_mmio(m->board->pc, cpu, addr, data, len, write);
}

int vmp_board_msr(struct vmp_machine *m, unsigned cpu, uint32_t msr, uint64_t *value,
                  bool write)
{
    return vmp_pc_msr(m->board->pc, cpu, msr, value, write) < 0 ? -1 : 0;
}

bool vmp_board_has_interrupt(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    return vmp_pc_has_interrupt(m->board->pc, cpu, rflags);
}
int vmp_board_ack(struct vmp_machine *m, unsigned cpu) { return vmp_pc_ack(m->board->pc, cpu); }
bool vmp_board_wants_wakeup(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    return vmp_pc_wants_wakeup(m->board->pc, cpu, rflags);
}
bool vmp_board_take_nmi(struct vmp_machine *m, unsigned cpu)
{
    return vmp_pc_take_nmi(m->board->pc, cpu);
}
bool vmp_board_take_init(struct vmp_machine *m, unsigned cpu)
{
    return vmp_pc_take_init(m->board->pc, cpu);
}
int vmp_board_take_sipi(struct vmp_machine *m, unsigned cpu)
{
    return vmp_pc_take_sipi(m->board->pc, cpu);
}
void vmp_board_set_cr8(struct vmp_machine *m, unsigned cpu, uint8_t cr8)
{
    vmp_pc_set_cr8(m->board->pc, cpu, cr8);
}
uint8_t vmp_board_get_cr8(struct vmp_machine *m, unsigned cpu)
{
    return vmp_pc_get_cr8(m->board->pc, cpu);
}
