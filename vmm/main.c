/* vmp, the reference VMM: parse the machine description, build the board,
 * load the kernel, start the vCPUs and run the event loop (host timers for
 * the virtual clock, console input, signals) until the guest or the user
 * ends the run. */
#include "machine.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"
#include "vmlinux.h"

#define MAX_KERNEL (512u << 20)
#define MAX_INITRD (2048u << 20)

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    tio_saved = false;
}

/* Keys go to the guest as typed (no line editing, no echo); Ctrl-C still
 * raises SIGINT so the user can always stop the VM. */
static void setup_tty(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
        return;
    struct termios t = saved_tio;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tio_saved = true;
    atexit(restore_tty);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void log_sink(void *opaque, enum vmp_log_level level, const char *msg)
{
    (void)opaque;
    static const char *names[] = {"error", "warning", "info", "debug"};
    if (level == VMP_LOG_DEBUG && !getenv("VMP_DEBUG"))
        return;
    if (tio_saved)
        fprintf(stderr, "\r");
    fprintf(stderr, "vmp: %s: %s\n", names[level], msg);
}

static uint64_t time_source(void *opaque)
{
    struct vmp_machine *m = opaque;
    return vmp_host_ns() - m->start_ns;
}

void vmp_machine_exit(struct vmp_machine *m, int status, const char *fmt, ...)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&m->stopping, &expected, true))
        return;
    m->exit_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->exit_reason, sizeof m->exit_reason, fmt, ap);
    va_end(ap);
    uint64_t one = 1;
    if (write(m->wake_fd, &one, sizeof one) < 0) {
        /* the loop also polls stopping */
    }
}

static void arm_timer(struct vmp_machine *m)
{
    uint64_t d = vmp_clock_next_deadline(m->clock);
    if (d == m->timer_armed)
        return;
    m->timer_armed = d;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (d != VMP_TIME_NEVER) {
        uint64_t abs = d + m->start_ns;
        if (abs == 0)
            abs = 1; /* 0 would disarm */
        its.it_value.tv_sec = (time_t)(abs / 1000000000ull);
        its.it_value.tv_nsec = (long)(abs % 1000000000ull);
    }
    timerfd_settime(m->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void vmp_machine_unlock(struct vmp_machine *m)
{
    arm_timer(m);
    pthread_mutex_unlock(&m->lock);
}

/* --- firmware tables --- */

/* ACPI tables for the board (MADT with the LAPICs and the IOAPIC, FADT
 * with the PM block and 0xCF9 reset, HPET, MCFG, a DSDT with the ISA
 * devices and PCI routing) at the top of RAM below the PCI hole, and the
 * E820 map that reserves them. Linux gets the RSDP through boot_params. */
#define ACPI_AREA (128u * 1024u)

static int build_tables(struct vmp_machine *m, struct vmp_e820_entry *map, size_t max,
                        size_t *count, uint64_t *rsdp)
{
    struct vmp_acpi_config ac;
    vmp_firmware_acpi_config(m, &ac); /* the same tables as a BIOS boot */
    uint64_t base = (m->low_end - ACPI_AREA) & ~0xFFFFull;
    struct vmp_acpi_tables t;
    int r = vmp_acpi_build(&ac, base, ACPI_AREA, &t);
    if (r == 0)
        r = vmp_acpi_install(&t, m->mem);
    if (r < 0)
        return vmp_err("ACPI tables: %s", vmp_strerror(r));
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    r = vmp_e820_add_ram(&b, m->ram_size, m->low_end);
    if (r == 0)
        r = vmp_e820_add(&b, 0xA0000, 0x60000, VMP_E820_RESERVED);
    if (r == 0)
        r = vmp_e820_add_acpi(&b, &t);
    int n = r < 0 ? r : vmp_e820_finish(&b, map, max);
    *rsdp = t.rsdp_addr;
    vmp_acpi_tables_free(&t);
    if (n < 0)
        return vmp_err("E820 map: %s", vmp_strerror(n));
    *count = (size_t)n;
    return 0;
}

/* --- loading --- */

static int load_guest(struct vmp_machine *m, struct vmp_boot_entry *entry)
{
    const struct vmp_config *c = m->cfg;
    size_t klen = 0, ilen = 0;
    void *kernel = vmp_read_file(c->kernel, &klen, MAX_KERNEL);
    if (!kernel)
        return vmp_err("--kernel %s: %s", c->kernel, strerror(errno));
    void *initrd = NULL;
    struct vmp_boot_module mods[VMP_CFG_MAX_MODULES];
    char *modpaths[VMP_CFG_MAX_MODULES] = {0};
    int r = -1;
    unsigned nm = 0;
    if (c->initrd) {
        initrd = vmp_read_file(c->initrd, &ilen, MAX_INITRD);
        if (!initrd) {
            vmp_err("--initrd %s: %s", c->initrd, strerror(errno));
            goto out;
        }
    }
    for (nm = 0; nm < c->nmodules; nm++) {
        /* "FILE ARGS": the path is up to the first space; the module's
         * string is the whole text, as GRUB passes it. */
        modpaths[nm] = strdup(c->modules[nm]);
        char *sp = strchr(modpaths[nm], ' ');
        if (sp)
            *sp = 0;
        size_t len = 0;
        void *data = vmp_read_file(modpaths[nm], &len, MAX_INITRD);
        if (!data) {
            vmp_err("--module %s: %s", modpaths[nm], strerror(errno));
            goto out;
        }
        mods[nm] = (struct vmp_boot_module){data, len, c->modules[nm]};
    }
    struct vmp_boot_entry e;
    if (c->flat) {
        r = vmp_load_flat(m->mem, kernel, klen, c->load_addr, &e);
    } else {
        enum vmp_image_kind kind = vmp_image_detect(kernel, klen);
        if (kind == VMP_IMAGE_MULTIBOOT && c->initrd) {
            vmp_err("--initrd is for Linux kernels; %s is Multiboot (use --module)", c->kernel);
            goto out;
        }
        if (kind == VMP_IMAGE_BZIMAGE && c->nmodules) {
            vmp_err("--module is for Multiboot kernels; %s is a Linux bzImage", c->kernel);
            goto out;
        }
        struct vmp_e820_entry map[VMP_E820_BUILDER_MAX];
        size_t nmap = 0;
        uint64_t rsdp = 0;
        if (m->ram_size >= 4 * ACPI_AREA && build_tables(m, map, VMP_E820_BUILDER_MAX, &nmap, &rsdp) < 0)
            goto out;
        struct vmp_boot_config bc = {
            .cmdline = c->append,
            .initrd = initrd,
            .initrd_size = ilen,
            .modules = mods,
            .module_count = nm,
            .e820 = nmap ? map : NULL,
            .e820_count = nmap,
            .acpi_rsdp = rsdp,
        };
        r = -1;
        if (kind == VMP_IMAGE_BZIMAGE && !c->no_decompress) {
            size_t vlen = 0;
            const char *why = NULL;
            void *vml = vmp_vmlinux_extract(kernel, klen, &vlen, &why);
            if (vml) {
                r = vmp_load_linux_vmlinux(m->mem, kernel, klen, vml, vlen, &bc, &e);
                free(vml);
                if (r == 0)
                    vmp_logf(&m->log, VMP_LOG_DEBUG,
                             "kernel decompressed by vmp (%zu bytes), entry 0x%llx", vlen,
                             (unsigned long long)e.rip);
            } else {
                vmp_logf(&m->log, VMP_LOG_DEBUG, "kernel decompresses itself: %s", why);
            }
        }
        if (r < 0)
            r = vmp_load_kernel(m->mem, kernel, klen, &bc, &e);
    }
    if (r < 0) {
        vmp_err("--kernel %s: %s", c->kernel, e.error);
        goto out;
    }
    vmp_logf(&m->log, VMP_LOG_DEBUG, "loaded [0x%llx, 0x%llx), entry 0x%llx (%s)",
             (unsigned long long)e.image_start, (unsigned long long)e.image_end,
             (unsigned long long)e.rip, e.mode == VMP_BOOT_LONG64 ? "64-bit" : "32-bit");
    *entry = e;
out:
    for (unsigned i = 0; i < nm; i++)
        free((void *)mods[i].data);
    for (unsigned i = 0; i < VMP_CFG_MAX_MODULES; i++)
        free(modpaths[i]);
    free(initrd);
    free(kernel);
    return r < 0 ? -1 : 0;
}

/* VMP_STATS: what vmp itself costs in memory: peak RSS less the guest RAM
 * pages that are resident (the guest's own footprint). */
static void print_stats(struct vmp_machine *m)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    uint64_t resident = 0;
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = (size_t)(m->ram_size / (uint64_t)page);
    unsigned char *vec = malloc(pages);
    if (vec && mincore(m->ram, m->ram_size, vec) == 0)
        for (size_t i = 0; i < pages; i++)
            resident += vec[i] & 1;
    free(vec);
    unsigned long long rss = (unsigned long long)ru.ru_maxrss;
    unsigned long long guest = (unsigned long long)(resident * (uint64_t)page / 1024);
    fprintf(stderr, "vmp: stats: peak_rss_kib=%llu guest_resident_kib=%llu overhead_kib=%llu\n",
            rss, guest, rss > guest ? rss - guest : 0);
}

/* --- event loop --- */

static void run_loop(struct vmp_machine *m)
{
    uint8_t pending[256];
    size_t npending = 0, pos = 0;
    bool stdin_open = m->cfg->serial == VMP_SERIAL_STDIO;
    uint64_t deadline = m->cfg->timeout > 0
                            ? vmp_host_ns() + (uint64_t)(m->cfg->timeout * 1e9)
                            : UINT64_MAX;
    while (!atomic_load(&m->stopping)) {
        int wait_ms = -1;
        if (npending > pos)
            wait_ms = 5; /* the UART was full: retry soon */
        if (deadline != UINT64_MAX) {
            uint64_t now = vmp_host_ns();
            if (now >= deadline) {
                vmp_machine_exit(m, VMP_EXIT_TIMEOUT, "timeout after %g s", m->cfg->timeout);
                break;
            }
            uint64_t left = (deadline - now) / 1000000 + 1;
            if (wait_ms < 0 || left < (uint64_t)wait_ms)
                wait_ms = left > 60000 ? 60000 : (int)left;
        }
        struct epoll_event ev[4];
        int n = epoll_wait(m->epoll_fd, ev, 4, wait_ms);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == m->timer_fd) {
                uint64_t x;
                if (read(fd, &x, sizeof x) < 0) {
                    /* spurious */
                }
                vmp_machine_lock(m);
                m->timer_armed = VMP_TIME_NEVER - 1; /* force re-arm */
                vmp_clock_run(m->clock);
                vmp_machine_unlock(m);
            } else if (fd == m->signal_fd) {
                struct signalfd_siginfo si;
                if (read(fd, &si, sizeof si) == sizeof si)
                    vmp_machine_exit(m, VMP_EXIT_SIGNAL, "signal %u", si.ssi_signo);
            } else if (fd == STDIN_FILENO) {
                if (npending > pos)
                    continue;
                ssize_t r = read(STDIN_FILENO, pending, sizeof pending);
                if (r <= 0) {
                    epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
                    stdin_open = false;
                    continue;
                }
                npending = (size_t)r;
                pos = 0;
            } else if (fd == m->wake_fd) {
                uint64_t x;
                if (read(fd, &x, sizeof x) < 0) {
                    /* nothing */
                }
            }
        }
        if (npending > pos) {
            vmp_machine_lock(m);
            vmp_board_console_input(m, pending + pos, npending - pos);
            vmp_machine_unlock(m);
            pos = npending; /* console_input keeps what the UART refused */
        }
        (void)stdin_open;
    }
}

static int setup_loop(struct vmp_machine *m)
{
    m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (m->epoll_fd < 0 || m->timer_fd < 0 || m->wake_fd < 0 || m->signal_fd < 0)
        return vmp_err("event loop: %s", strerror(errno));
    int fds[] = {m->timer_fd, m->wake_fd, m->signal_fd};
    for (unsigned i = 0; i < 3; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
        epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fds[i], &ev);
    }
    if (m->cfg->serial == VMP_SERIAL_STDIO) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = STDIN_FILENO};
        if (epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, STDIN_FILENO, &ev) == 0)
            setup_tty();
    }
    m->timer_armed = VMP_TIME_NEVER;
    return 0;
}

int main(int argc, char **argv)
{
    struct vmp_config cfg;
    vmp_config_init(&cfg);
    if (vmp_config_parse(&cfg, argc, argv) < 0) {
        vmp_config_free(&cfg);
        return VMP_EXIT_USAGE;
    }
    if (cfg.help) {
        vmp_usage(stdout);
        vmp_config_free(&cfg);
        return 0;
    }
    if (cfg.version) {
        printf("vmp (vmparts) %s\n", VMP_VERSION_STRING);
        vmp_config_free(&cfg);
        return 0;
    }

    struct vmp_machine m;
    memset(&m, 0, sizeof m);
    m.cfg = &cfg;
    m.ncpus = cfg.smp;
    m.epoll_fd = m.timer_fd = m.wake_fd = m.signal_fd = -1;
    pthread_mutex_init(&m.lock, NULL);
    m.log.fn = log_sink;
    m.start_ns = vmp_host_ns();
    m.clock = vmp_clock_create(time_source, &m);
    m.env.clock = m.clock;
    m.env.log = &m.log;
    int status = VMP_EXIT_USAGE;
    if (setup_loop(&m) < 0 || vmp_board_create(&m) < 0) {
        status = VMP_EXIT_INTERNAL;
        goto out;
    }
    if (cfg.dump_acpi) {
        status = vmp_firmware_dump_acpi(&m, cfg.dump_acpi) < 0 ? VMP_EXIT_USAGE : 0;
        goto out;
    }
    /* Files first: a bad image is a usage error whether or not KVM works.
     * Without --kernel the BIOS boots disk 0x80 from the reset vector; the
     * ROM is mapped before the backend makes its memory slots. */
    struct vmp_boot_entry entry;
    if (cfg.kernel ? load_guest(&m, &entry) < 0 : vmp_firmware_create(&m) < 0)
        goto out;
    if (vmp_accel_choose(&m) < 0 || m.accel->create(&m) < 0 || vmp_board_create_cpus(&m) < 0) {
        status = VMP_EXIT_INTERNAL;
        goto out;
    }
    struct vmp_vcpu bsp = m.accel->vcpu(&m, 0);
    /* BIOS boot: both backends create the vCPU in its power-on state. */
    int r = cfg.kernel ? vmp_boot_setup_vcpu(m.mem, &entry, &bsp) : 0;
    if (r < 0) {
        vmp_err("cannot set up the boot vCPU: %s", vmp_strerror(r));
        status = VMP_EXIT_INTERNAL;
        goto out;
    }
    if (m.accel->start(&m) < 0) {
        status = VMP_EXIT_INTERNAL;
        goto out;
    }
    run_loop(&m);
    status = m.exit_status;
    m.accel->stop(&m);
    if (getenv("VMP_STATS"))
        print_stats(&m);
    restore_tty();
    if (status != VMP_EXIT_POWEROFF && !(status & 1))
        vmp_err("%s", m.exit_reason);
    else if (getenv("VMP_DEBUG"))
        vmp_err("%s (status %d)", m.exit_reason, status);
out:
    restore_tty();
    vmp_kvm_destroy(&m);
    vmp_emu_destroy(&m);
    vmp_firmware_destroy(&m);
    vmp_board_destroy(&m);
    vmp_clock_destroy(m.clock);
    int fds[] = {m.epoll_fd, m.timer_fd, m.wake_fd, m.signal_fd};
    for (unsigned i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    pthread_mutex_destroy(&m.lock);
    vmp_config_free(&cfg);
    return status;
}
