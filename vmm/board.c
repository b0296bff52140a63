/* The board vmp builds: RAM by the reference address map (DESIGN.md), the
 * port and MMIO spaces, and the devices on them. */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PCI_HOLE_START 0xC0000000ull /* RAM stops here below 4 GiB */
#define HIGH_RAM_START 0x100000000ull

#define ISA_IRQS 16
#define COM1_BASE 0x3F8
#define COM1_IRQ 4
#define PCI_ECAM_BASE 0xB0000000ull
#define PCI_ECAM_SIZE (256ull << 20)

struct vmp_board_cpu {
    struct vmp_machine *m;
    unsigned index;
    struct vmp_lapic *lapic;
};

struct vmp_board {
    /* Debug console (0xE9): bytes collected into lines for the log. */
    char dbg_line[256];
    size_t dbg_len;

    struct vmp_irq_line *isa[ISA_IRQS]; /* ISA IRQ wires: PIC (and IOAPIC) */
    struct vmp_irq_line *pic_intr;      /* the PIC's INT output */
    struct vmp_pic *pic;
    struct vmp_uart *com1;
    int console_fd;                     /* -1: output dropped */
    bool uart_used;                     /* the guest has sent a byte through COM1 */
    uint8_t rx_buf[256];                /* console input the UART refused */
    size_t rx_len, rx_pos;
    struct vmp_pci_host *pci;
    struct vmp_space *pcicfg;
    struct vmp_debug_exit *dexit;
    struct vmp_debug_console *dcon;
    struct vmp_testdev *testdev;
    struct vmp_reset_ctl *rst;
    struct vmp_port92 *port92;
    struct vmp_apic_bus *apic_bus;
    struct vmp_ioapic *ioapic;
    struct vmp_pit *pit;
    struct vmp_pm *pm;
    struct vmp_rtc *rtc;
    struct vmp_hpet *hpet;
    struct vmp_irq_line *gsi[8];        /* IOAPIC pins 16-23 (PCI INTx, HPET) */
    /* The PIT's and RTC's outputs pass a gate that HPET legacy replacement
     * closes (IA-PC HPET 1.0a 2.3.9.2.2). */
    struct vmp_irq_line *pit_out, *rtc_out;
    struct vmp_irq *pit_gate, *rtc_gate;
    bool hpet_legacy;
    struct vmp_board_cpu cpu[VMP_CFG_MAX_CPUS];
};

/* --- misc ports: debug exit, debug console, resets --- */

static void on_debug_exit(void *opaque, uint64_t status)
{
    /* status is (v << 1) | 1 already; an int exit status keeps 31 bits and
     * a shell sees the low 8. */
    vmp_machine_exit(opaque, (int)(status & 0x7FFFFFFF), "debug exit, status %llu",
                     (unsigned long long)status);
}

static void on_debugcon(void *opaque, uint8_t ch)
{
    struct vmp_machine *m = opaque;
    struct vmp_board *b = m->board;
    if (ch == '\n' || b->dbg_len == sizeof b->dbg_line - 1) {
        b->dbg_line[b->dbg_len] = 0;
        vmp_logf(&m->log, VMP_LOG_INFO, "guest: %s", b->dbg_line);
        b->dbg_len = 0;
        if (ch == '\n')
            return;
    }
    b->dbg_line[b->dbg_len++] = (char)ch;
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

/* The PCI host decodes 0xCF8-0xCFB; its byte accesses there that are not
 * CONFIG_ADDRESS come here, and 0xCF9 is the reset control register. */
static uint64_t cf8_bytes_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_board *b = dev;
    if (off == 1 && size == 1)
        return vmp_reset_ctl_io_ops.read(b->rst, 0, 1);
    return UINT64_MAX;
}

static void cf8_bytes_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_board *b = dev;
    if (off == 1 && size == 1)
        vmp_reset_ctl_io_ops.write(b->rst, 0, value, 1);
}

static const struct vmp_io_ops cf8_bytes_ops = {cf8_bytes_read, cf8_bytes_write, 1};

/* --- serial console: COM1 to stdio, a file, or nowhere --- */

static void console_write(struct vmp_machine *m, uint8_t byte)
{
    int fd = m->board->console_fd;
    if (fd < 0)
        return;
    while (write(fd, &byte, 1) < 0 && errno == EINTR)
        ;
}

/* COM1's transmitter. */
static void console_tx(void *opaque, uint8_t byte)
{
    struct vmp_machine *m = opaque;
    m->board->uart_used = true;
    console_write(m, byte);
}

static void console_flush(struct vmp_machine *m)
{
    struct vmp_board *b = m->board;
    while (b->rx_pos < b->rx_len) {
        size_t n = vmp_uart_receive(b->com1, b->rx_buf + b->rx_pos, b->rx_len - b->rx_pos);
        if (n == 0)
            break;
        b->rx_pos += n;
    }
}

static void console_rx_ready(void *opaque) { console_flush(opaque); }

void vmp_board_console_input(struct vmp_machine *m, const uint8_t *buf, size_t len)
{
    struct vmp_board *b = m->board;
    if (!b->com1)
        return;
    if (b->rx_pos == b->rx_len)
        b->rx_pos = b->rx_len = 0;
    size_t room = sizeof b->rx_buf - b->rx_len;
    if (len > room)
        len = room; /* the event loop reads at most 256 bytes at a time */
    memcpy(b->rx_buf + b->rx_len, buf, len);
    b->rx_len += len;
    console_flush(m);
}

void vmp_board_console_putc(struct vmp_machine *m, uint8_t c) { console_write(m, c); }
bool vmp_board_uart_used(struct vmp_machine *m) { return m->board->uart_used; }
struct vmp_rtc *vmp_board_rtc(struct vmp_machine *m) { return m->board->rtc; }
struct vmp_space *vmp_board_pci_cfg(struct vmp_machine *m) { return m->board->pcicfg; }

bool vmp_board_console_wants_input(struct vmp_machine *m)
{
    struct vmp_board *b = m->board;
    return b->com1 && b->rx_pos == b->rx_len;
}

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

/* PIT -> IRQ 0 and RTC -> IRQ 8, unless HPET legacy replacement owns them. */
static void legacy_gate(void *opaque, unsigned pin, bool level)
{
    struct vmp_board *b = opaque;
    vmp_irq_set(pin == 0 ? b->pit_gate : b->rtc_gate, level && !b->hpet_legacy);
}

static void hpet_legacy_changed(void *opaque, bool on)
{
    struct vmp_board *b = opaque;
    b->hpet_legacy = on;
    vmp_irq_set(b->pit_gate, !on && vmp_irq_line_level(b->pit_out));
    vmp_irq_set(b->rtc_gate, !on && vmp_irq_line_level(b->rtc_out));
}

/* CMOS memory-size bytes (IBM AT BIOS and SeaBIOS conventions). */
static void cmos_memory(struct vmp_rtc *rtc, struct vmp_machine *m)
{
    uint64_t ext = m->low_end > 0x100000 ? (m->low_end - 0x100000) >> 10 : 0;
    uint64_t ext16 = ext > 0xFFFF ? 0xFFFF : ext;
    uint64_t above16 = m->low_end > 0x1000000 ? (m->low_end - 0x1000000) >> 16 : 0;
    uint64_t above4g = m->ram_size > m->low_end ? (m->ram_size - m->low_end) >> 16 : 0;
    if (above16 > 0xFFFF)
        above16 = 0xFFFF;
    vmp_rtc_cmos_write(rtc, VMP_CMOS_BASE_MEM_KB, 640 & 0xFF);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_BASE_MEM_KB + 1, 640 >> 8);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_EXT_MEM_KB, (uint8_t)ext16);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_EXT_MEM_KB + 1, (uint8_t)(ext16 >> 8));
    vmp_rtc_cmos_write(rtc, 0x30, (uint8_t)ext16);
    vmp_rtc_cmos_write(rtc, 0x31, (uint8_t)(ext16 >> 8));
    vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_16M_64K, (uint8_t)above16);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_16M_64K + 1, (uint8_t)(above16 >> 8));
    for (unsigned i = 0; i < 3; i++)
        vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_4G_64K + i, (uint8_t)(above4g >> (8 * i)));
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
    int r;

    /* Interrupts (irq.h's PC wiring): ISA wires go to the PIC and to the
     * IOAPIC (IRQ 0 on pin 2, as the MADT override says); the PIC's INT
     * output goes to LINT0 of every LAPIC and to IOAPIC pin 0 (ExtINT);
     * the IOAPIC and MSIs reach the LAPICs over the APIC bus. */
    b->apic_bus = vmp_apic_bus_create(&m->env);
    b->ioapic = b->apic_bus ? vmp_ioapic_create_on_bus(&m->env, b->apic_bus,
                                                       &(struct vmp_ioapic_cfg){
                                                           .id = (uint8_t)m->ncpus})
                            : NULL;
    if (!b->ioapic || vmp_ioapic_attach(b->ioapic, m->mmio, VMP_IOAPIC_BASE_DEFAULT) < 0)
        return vmp_err("board: cannot create the IOAPIC");
    b->pic_intr = vmp_irq_line_create("pic-intr");
    b->pic = b->pic_intr ? vmp_pic_create(&m->env, vmp_irq_line_source(b->pic_intr)) : NULL;
    if (!b->pic || vmp_pic_attach(b->pic, m->pio) < 0)
        return vmp_err("board: cannot create the PIC");
    vmp_apic_bus_set_extint(b->apic_bus, vmp_pic_extint_ack, b->pic);
    if (vmp_irq_line_add_sink(b->pic_intr, vmp_apic_bus_set_lint, b->apic_bus, 0) < 0 ||
        vmp_irq_line_add_sink(b->pic_intr, vmp_ioapic_set_irq, b->ioapic, 0) < 0)
        return vmp_err("board: cannot wire the PIC output");
    for (unsigned i = 0; i < ISA_IRQS; i++) {
        char name[16];
        snprintf(name, sizeof name, "isa-irq%u", i);
        b->isa[i] = vmp_irq_line_create(name);
        unsigned gsi = i == 0 ? 2 : i;
        if (!b->isa[i] || vmp_irq_line_add_sink(b->isa[i], vmp_pic_set_irq, b->pic, i) < 0 ||
            (i != 2 && vmp_irq_line_add_sink(b->isa[i], vmp_ioapic_set_irq, b->ioapic, gsi) < 0))
            return vmp_err("board: cannot wire ISA IRQ %u", i);
    }

    /* Timers: PIT on IRQ 0 with port 0x61; ACPI PM block at 0x600 (SCI on
     * IRQ 9, S5 ends the run). */
    for (unsigned i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "gsi%u", 16 + i);
        b->gsi[i] = vmp_irq_line_create(name);
        if (!b->gsi[i] || vmp_irq_line_add_sink(b->gsi[i], vmp_ioapic_set_irq, b->ioapic, 16 + i) < 0)
            return vmp_err("board: cannot wire GSI %u", 16 + i);
    }
    b->pit_out = vmp_irq_line_create("pit-out");
    b->rtc_out = vmp_irq_line_create("rtc-out");
    b->pit_gate = vmp_irq_line_source(b->isa[0]);
    b->rtc_gate = vmp_irq_line_source(b->isa[8]);
    if (!b->pit_out || !b->rtc_out ||
        vmp_irq_line_add_sink(b->pit_out, legacy_gate, b, 0) < 0 ||
        vmp_irq_line_add_sink(b->rtc_out, legacy_gate, b, 8) < 0)
        return vmp_err("board: cannot wire the PIT/RTC outputs");
    b->pit = vmp_pit_create(&m->env, vmp_irq_line_source(b->pit_out));
    if (!b->pit || vmp_pit_attach(b->pit, m->pio, VMP_PIT_PORT) < 0 ||
        vmp_pit_attach_port61(b->pit, m->pio, VMP_PIT_PORT61) < 0)
        return vmp_err("board: cannot create the PIT");
    /* RTC/CMOS at 0x70 (256 bytes, IRQ 8), set to the host's time, with the
     * memory sizes a BIOS would leave in CMOS. */
    struct vmp_rtc_config rc = {.epoch = (int64_t)time(NULL), .extended = true};
    b->rtc = vmp_rtc_create(&m->env, vmp_irq_line_source(b->rtc_out), &rc);
    if (!b->rtc || vmp_rtc_attach(b->rtc, m->pio, VMP_RTC_PORT) < 0)
        return vmp_err("board: cannot create the RTC");

    /* HPET at 0xFED00000: comparators to GSIs 16-23, FSB to the APIC bus,
     * legacy replacement to ISA IRQ 0 and 8. */
    struct vmp_hpet_config hc8 = {
        .legacy_irq0 = vmp_irq_line_source(b->isa[0]),
        .legacy_irq8 = vmp_irq_line_source(b->isa[8]),
        .msi = vmp_apic_bus_msi_sink(b->apic_bus),
        .legacy_changed = hpet_legacy_changed,
        .opaque = b,
    };
    for (unsigned i = 0; i < 8; i++)
        hc8.gsi[16 + i] = vmp_irq_line_source(b->gsi[i]);
    b->hpet = vmp_hpet_create(&m->env, &hc8);
    if (!b->hpet || vmp_hpet_attach(b->hpet, m->mmio, VMP_HPET_BASE) < 0)
        return vmp_err("board: cannot create the HPET");
    cmos_memory(b->rtc, m);
    struct vmp_pm_config pmc = {.tmr_val_ext = true, .sci_en = true,
                                .power_off = on_power_off, .opaque = m};
    b->pm = vmp_pm_create(&m->env, vmp_irq_line_source(b->isa[9]), &pmc);
    if (!b->pm || vmp_pm_attach(b->pm, m->pio, VMP_PM_BASE) < 0)
        return vmp_err("board: cannot create the ACPI PM block");

    /* COM1. */
    b->console_fd = -1;
    if (m->cfg->serial == VMP_SERIAL_STDIO) {
        b->console_fd = STDOUT_FILENO;
    } else if (m->cfg->serial == VMP_SERIAL_FILE) {
        b->console_fd = open(m->cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (b->console_fd < 0)
            return vmp_err("--serial file:%s: %s", m->cfg->serial_path, strerror(errno));
    }
    struct vmp_uart_ops uops = {console_tx, console_rx_ready, m};
    b->com1 = vmp_uart_create(&m->env, vmp_irq_line_source(b->isa[COM1_IRQ]), &uops);
    if (!b->com1 || vmp_uart_attach(b->com1, m->pio, COM1_BASE) < 0)
        return vmp_err("board: cannot create COM1");

    /* Misc ports. The test device's byte-wise data window (0xE8-0xEB)
     * would overlap the debug console at 0xE9, so only its other three
     * regions are mapped: data 0xE0, page flush 0xE4, IRQ lines 0x2000. */
    struct vmp_debug_exit_ops xo = {on_debug_exit, m};
    struct vmp_debug_console_ops co = {on_debugcon, m};
    struct vmp_reset_ops ro = {on_reset, m};
    struct vmp_port92_ops po = {NULL, on_reset, m};
    struct vmp_irq *tirq[VMP_TESTDEV_IRQS] = {0};
    for (unsigned i = 0; i < ISA_IRQS; i++)
        tirq[i] = vmp_irq_line_source(b->isa[i]);
    b->dexit = vmp_debug_exit_create(&m->env, 1, &xo);
    b->dcon = vmp_debug_console_create(&m->env, &co);
    b->testdev = vmp_testdev_create(&m->env, tirq, NULL);
    b->rst = vmp_reset_ctl_create(&m->env, &ro);
    b->port92 = vmp_port92_create(&m->env, &po);
    if (!b->dexit || !b->dcon || !b->testdev || !b->rst || !b->port92)
        return vmp_err("board: cannot create the misc ports");
    r = vmp_debug_exit_attach(b->dexit, m->pio, 0xF4);
    if (r == 0)
        r = vmp_debug_console_attach(b->dcon, m->pio, 0xE9);
    if (r == 0)
        r = vmp_space_map(m->pio, VMP_TESTDEV_DATA_PORT, 4, &vmp_testdev_io_ops, b->testdev);
    if (r == 0)
        r = vmp_space_map(m->pio, VMP_TESTDEV_FLUSH_PORT, 4, &vmp_testdev_flush_io_ops,
                          b->testdev);
    if (r == 0)
        r = vmp_space_map(m->pio, VMP_TESTDEV_IRQ_PORT, VMP_TESTDEV_IRQS,
                          &vmp_testdev_irq_io_ops, b->testdev);
    if (r == 0)
        r = vmp_port92_attach(b->port92, m->pio, VMP_PORT92_PORT);
    if (r < 0)
        return vmp_err("board: misc ports: %s", vmp_strerror(r));

    /* PCI: configuration mechanism #1 at 0xCF8 (with 0xCF9 reset control
     * in its byte decode) and ECAM at 0xB0000000. */
    b->pcicfg = vmp_space_create("pci-config", VMP_PCI_CFG_LAST);
    struct vmp_pci_host_config hc = {.cf8_passthrough = &cf8_bytes_ops, .cf8_passthrough_dev = b};

    b->pci = b->pcicfg ? vmp_pci_host_create(&m->env, b->pcicfg, &hc) : NULL;
    if (!b->pci || vmp_pci_host_attach_io(b->pci, m->pio, 0xCF8) < 0 ||
        vmp_pci_host_attach_ecam(b->pci, m->mmio, PCI_ECAM_BASE, PCI_ECAM_SIZE) < 0)
        return vmp_err("board: cannot create the PCI host bridge");
    return 0;
}

void vmp_board_destroy(struct vmp_machine *m)
{
    struct vmp_board *b = m->board;
    if (b) {
        vmp_pci_host_destroy(b->pci);
        vmp_debug_exit_destroy(b->dexit);
        vmp_debug_console_destroy(b->dcon);
        vmp_testdev_destroy(b->testdev);
        vmp_reset_ctl_destroy(b->rst);
        vmp_port92_destroy(b->port92);
        vmp_space_destroy(b->pcicfg);
        vmp_uart_destroy(b->com1);
        if (b->console_fd > STDERR_FILENO)
            close(b->console_fd);
        vmp_pit_destroy(b->pit);
        vmp_pm_destroy(b->pm);
        vmp_rtc_destroy(b->rtc);
        vmp_hpet_destroy(b->hpet);
        for (unsigned i = 0; i < 8; i++)
            vmp_irq_line_destroy(b->gsi[i]);
        vmp_irq_line_destroy(b->pit_out);
        vmp_irq_line_destroy(b->rtc_out);
        for (unsigned i = 0; i < VMP_CFG_MAX_CPUS; i++)
            vmp_lapic_destroy(b->cpu[i].lapic);
        vmp_ioapic_destroy(b->ioapic);
        vmp_pic_destroy(b->pic);
        for (unsigned i = 0; i < ISA_IRQS; i++)
            vmp_irq_line_destroy(b->isa[i]);
        vmp_irq_line_destroy(b->pic_intr);
        vmp_apic_bus_destroy(b->apic_bus);
    }
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

/* The LAPIC page is per vCPU: accesses by vCPU cpu inside its LAPIC's page
 * go to that LAPIC, everything else to the MMIO space. */
static bool lapic_mmio(struct vmp_machine *m, unsigned cpu, uint64_t addr, uint8_t *data,
                       unsigned len, bool write)
{
    struct vmp_lapic *l = m->board->cpu[cpu].lapic;
    uint64_t base = l ? vmp_lapic_mmio_base(l) : UINT64_MAX;
    if (base == UINT64_MAX || addr < base || addr - base >= 0x1000)
        return false;
    uint64_t off = addr - base;
    unsigned max = vmp_lapic_io_ops.max_size ? vmp_lapic_io_ops.max_size : 8;
    if (off + len > 0x1000)
        len = (unsigned)(0x1000 - off);
    for (unsigned done = 0; done < len;) {
        unsigned n = len - done < max ? len - done : max;
        while (n & (n - 1))
            n &= n - 1; /* a power of two */
        uint64_t v = 0;
        if (write) {
            memcpy(&v, data + done, n);
            vmp_lapic_io_ops.write(l, off + done, v, n);
        } else {
            v = vmp_lapic_io_ops.read(l, off + done, n);
            memcpy(data + done, &v, n);
        }
        done += n;
    }
    return true;
}

void vmp_board_mmio(struct vmp_machine *m, unsigned cpu, uint64_t addr, uint8_t *data,
                    unsigned len, bool write)
{
    if (len > 8)
        len = 8;
    if (lapic_mmio(m, cpu, addr, data, len, write))
        return;
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

/* IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range are the LAPIC's
 * (the MSR filter sends them here); anything else that exits raises #GP. */
int vmp_board_msr(struct vmp_machine *m, unsigned cpu, uint32_t msr, uint64_t *value,
                  bool write)
{
    struct vmp_lapic *l = m->board->cpu[cpu].lapic;
    if (!l || !vmp_lapic_owns_msr(msr))
        return -1;
    int r = write ? vmp_lapic_msr_write(l, msr, *value) : vmp_lapic_msr_read(l, msr, value);
    return r < 0 ? -1 : 0;
}

/* --- interrupt side: each vCPU's LAPIC (irq.h "the vCPU backend's side") --- */

bool vmp_board_has_interrupt(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    return vmp_lapic_has_interrupt(m->board->cpu[cpu].lapic, rflags);
}
int vmp_board_ack(struct vmp_machine *m, unsigned cpu)
{
    return vmp_lapic_ack(m->board->cpu[cpu].lapic);
}
bool vmp_board_wants_wakeup(struct vmp_machine *m, unsigned cpu, uint64_t rflags)
{
    return vmp_lapic_wants_wakeup(m->board->cpu[cpu].lapic, rflags);
}
bool vmp_board_take_nmi(struct vmp_machine *m, unsigned cpu)
{
    return vmp_lapic_take_nmi(m->board->cpu[cpu].lapic);
}
bool vmp_board_take_init(struct vmp_machine *m, unsigned cpu)
{
    return vmp_lapic_take_init(m->board->cpu[cpu].lapic);
}
int vmp_board_take_sipi(struct vmp_machine *m, unsigned cpu)
{
    return vmp_lapic_take_sipi(m->board->cpu[cpu].lapic);
}
void vmp_board_set_cr8(struct vmp_machine *m, unsigned cpu, uint8_t cr8)
{
    vmp_lapic_set_cr8(m->board->cpu[cpu].lapic, cr8);
}
uint8_t vmp_board_get_cr8(struct vmp_machine *m, unsigned cpu)
{
    return vmp_lapic_get_cr8(m->board->cpu[cpu].lapic);
}

/* --- LAPICs: created once the backend can say what the guest TSC is --- */

static uint64_t lapic_read_tsc(void *opaque)
{
    struct vmp_board_cpu *c = opaque;
    return c->m->accel->read_tsc(c->m, c->index);
}

static void lapic_kick(void *opaque)
{
    struct vmp_board_cpu *c = opaque;
    c->m->accel->kick(c->m, c->index);
}

int vmp_board_create_cpus(struct vmp_machine *m)
{
    struct vmp_board *b = m->board;
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct vmp_board_cpu *c = &b->cpu[i];
        c->m = m;
        c->index = i;
        struct vmp_lapic_cfg lc = {
            .apic_id = i,
            .bsp = i == 0,
            .x2apic = true,
            /* No firmware runs before the kernel: start in the state a BIOS
             * leaves (LINT0 ExtINT, LINT1 NMI, software-enabled). */
            .virtual_wire = true,
            .tsc_hz = m->accel->tsc_hz(m),
            .read_tsc = lapic_read_tsc,
            .kick = lapic_kick,
            .opaque = c,
        };
        c->lapic = vmp_lapic_create(&m->env, b->apic_bus, &lc);
        if (!c->lapic)
            return vmp_err("board: cannot create the LAPIC of vCPU %u", i);
    }
    return 0;
}
