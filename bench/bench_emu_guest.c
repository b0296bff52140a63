/* The whole emulator path of vmp (--accel emu: emulator, vCPU loop, RAM
 * fast path, bus) on one guest program, tests/guests/aux/bench_emu.c:
 *   - emulated instructions per second on a CPU-bound 64-bit loop (long
 *     mode, 4-level paging) and on a real-mode 16-bit loop;
 *   - the ns to emulate one MMIO store through the bus: one iteration of
 *     a 32-bit loop storing to the IOAPIC's index register less one of the
 *     same loop storing to RAM (both iterations are printed too; on a
 *     loaded machine the difference is noisy).
 * The guest brackets each loop with marker lines on COM1; this program
 * reads the serial output through a pipe and timestamps the markers, so
 * the same guest times the same way under qemu-system-x86_64 -accel tcg
 * (QEMU's JIT), which runs in the same invocation when installed ($QEMU
 * names another binary); QEMU gets larger counts so its loops last long
 * enough to time. Each figure is the best of RUNS runs. On a loaded
 * machine the wall-clock rates understate both; the "per CPU second"
 * figures divide by the process's CPU time between the markers instead
 * (/proc/PID/stat, 10 ms resolution). Paths: $BUILD,
 * default the directory above this binary's bench/. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bench.h"

#define RUNS 3

/* Iterations per loop (see the guest for what one iteration is). */
struct counts {
    unsigned long nram, nmmio, n16, n64;
};

struct times {
    double ram, mmio, t16, t64; /* seconds between the markers */
    double cram, cmmio, c16, c64; /* CPU seconds of the process in between */
};

/* CPU time (user + system) of process pid so far, in seconds; -1 if it
 * cannot be read. Its resolution is a clock tick (10 ms). */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command may contain spaces */
    if (!p)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* after ")": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Instructions the guest retires per loop. */
static double insns16(unsigned long outer) { return (double)outer * (4.0 + 4.0 * 16384.0); }
static double insns64(unsigned long n) { return 6.0 * (double)n; }

/* Run argv with the guest's serial on stdout into a pipe; timestamp the
 * marker lines. 0 on success (every marker seen, exit status want). */
static int run_once(char *const argv[], int want, struct times *t)
{
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        FILE *n = freopen("/dev/null", "r", stdin);
        (void)n;
        dup2(fd[1], 1);
        if (!getenv("BENCH_VERBOSE"))
            dup2(open("/dev/null", O_WRONLY), 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[256];
    double b[4] = {-1, -1, -1, -1}, e[4] = {-1, -1, -1, -1};
    double cb[4] = {0}, ce[4] = {0};
    static const char *names[4] = {"RAM", "MMIO", "16", "64"};
    while (f && fgets(line, sizeof line, f)) {
        double now = (double)bench_now_ns() / 1e9;
        line[strcspn(line, "\r\n")] = 0;
        for (unsigned i = 0; i < 4; i++) {
            if ((line[0] == 'B' || line[0] == 'E') && !strcmp(line + 1, names[i])) {
                *(line[0] == 'B' ? &b[i] : &e[i]) = now;
                *(line[0] == 'B' ? &cb[i] : &ce[i]) = cpu_seconds(pid);
            }
        }
    }
    if (f)
        fclose(f);
    int st = 0;
    waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != want) {
        fprintf(stderr, "bench_emu_guest: %s exited with %d (want %d)\n", argv[0], rc, want);
        return -1;
    }
    for (unsigned i = 0; i < 4; i++)
        if (b[i] < 0 || e[i] < b[i])
            return -1;
    t->ram = e[0] - b[0];
    t->mmio = e[1] - b[1];
    t->t16 = e[2] - b[2];
    t->t64 = e[3] - b[3];
    t->cram = ce[0] - cb[0];
    t->cmmio = ce[1] - cb[1];
    t->c16 = ce[2] - cb[2];
    t->c64 = ce[3] - cb[3];
    return 0;
}

static int best_of(char *const argv[], int want, struct times *best)
{
    for (unsigned i = 0; i < RUNS; i++) {
        struct times t;
        if (run_once(argv, want, &t) < 0)
            return -1;
        if (i == 0 || t.ram < best->ram)
            best->ram = t.ram;
        if (i == 0 || t.mmio < best->mmio)
            best->mmio = t.mmio;
        if (i == 0 || t.t16 < best->t16)
            best->t16 = t.t16;
        if (i == 0 || t.t64 < best->t64)
            best->t64 = t.t64;
        /* CPU time has a 10 ms tick: sum it over the runs instead */
        best->cram = (i ? best->cram : 0) + t.cram;
        best->cmmio = (i ? best->cmmio : 0) + t.cmmio;
        best->c16 = (i ? best->c16 : 0) + t.c16;
        best->c64 = (i ? best->c64 : 0) + t.c64;
    }
    return 0;
}

struct result {
    double mips64, mips16, mmio_ns, ram_ns, mmio_iter_ns;
    double cpu_mips64, cpu_mips16, cpu_mmio_ns;
};

static void report(const char *who, const struct counts *c, const struct times *t,
                   struct result *r)
{
    char name[64];
    r->mips64 = insns64(c->n64) / t->t64 / 1e6;
    r->mips16 = insns16(c->n16) / t->t16 / 1e6;
    r->ram_ns = t->ram * 1e9 / (double)c->nram;
    r->mmio_iter_ns = t->mmio * 1e9 / (double)c->nmmio;
    r->mmio_ns = r->mmio_iter_ns - r->ram_ns;
    r->cpu_mips64 = t->c64 > 0 ? RUNS * insns64(c->n64) / t->c64 / 1e6 : 0;
    r->cpu_mips16 = t->c16 > 0 ? RUNS * insns16(c->n16) / t->c16 / 1e6 : 0;
    r->cpu_mmio_ns = (t->cmmio / (double)c->nmmio - t->cram / (double)c->nram) * 1e9 / RUNS;
    snprintf(name, sizeof name, "emu_guest_64bit_loop_%s", who);
    bench_report(name, r->mips64, "M insn/s");
    snprintf(name, sizeof name, "emu_guest_64bit_loop_per_cpu_second_%s", who);
    bench_report(name, r->cpu_mips64, "M insn/s");
    snprintf(name, sizeof name, "emu_guest_16bit_loop_per_cpu_second_%s", who);
    bench_report(name, r->cpu_mips16, "M insn/s");
    snprintf(name, sizeof name, "emu_guest_mmio_store_cpu_%s", who);
    bench_report(name, r->cpu_mmio_ns, "ns");
    snprintf(name, sizeof name, "emu_guest_16bit_loop_%s", who);
    bench_report(name, r->mips16, "M insn/s");
    snprintf(name, sizeof name, "emu_guest_ram_store_iteration_%s", who);
    bench_report(name, r->ram_ns, "ns");
    snprintf(name, sizeof name, "emu_guest_mmio_store_iteration_%s", who);
    bench_report(name, r->mmio_iter_ns, "ns");
    snprintf(name, sizeof name, "emu_guest_mmio_store_%s", who);
    bench_report(name, r->mmio_ns, "ns");
}

int main(int argc, char **argv)
{
    (void)argc;
    signal(SIGPIPE, SIG_IGN);
    char build[PATH_MAX];
    const char *b = getenv("BUILD");
    if (b) {
        snprintf(build, sizeof build, "%s", b);
    } else {
        char self[PATH_MAX];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(build, sizeof build, "%s", dirname(dirname(self)));
    }
    char vmp[PATH_MAX + 16], elf[PATH_MAX + 32];
    snprintf(vmp, sizeof vmp, "%s/vmp", build);
    snprintf(elf, sizeof elf, "%s/guests/aux/bench_emu.elf", build);
    if (access(vmp, X_OK) != 0 || access(elf, R_OK) != 0) {
        printf("SKIP: bench_emu_guest (%s or %s not built)\n", vmp, elf);
        return 0;
    }

    /* vmp: each loop about a second at ~5 M instructions/s (wall, loaded). */
    struct counts vc = {.nram = 1000000, .nmmio = 1000000, .n16 = 60, .n64 = 600000};
    char vargs[160];
    snprintf(vargs, sizeof vargs, "nram=%lu nmmio=%lu n16=%lu n64=%lu", vc.nram, vc.nmmio,
             vc.n16, vc.n64);
    char *vargv[] = {vmp, "--accel", "emu", "--kernel", elf, "--mem", "32M", "--serial", "stdio",
                     "--timeout", "120", "--append", vargs, NULL};
    struct times vt;
    struct result vr;
    if (best_of(vargv, 1, &vt) < 0) {
        printf("SKIP: bench_emu_guest (vmp could not run the guest)\n");
        return 0;
    }
    report("vmp", &vc, &vt, &vr);

    const char *qemu = getenv("QEMU") ? getenv("QEMU") : "qemu-system-x86_64";
    /* QEMU's JIT is ~100x faster on straight-line loops. */
    struct counts qc = {.nram = 40000000, .nmmio = 6000000, .n16 = 6000, .n64 = 100000000};
    char qargs[160];
    snprintf(qargs, sizeof qargs, "nram=%lu nmmio=%lu n16=%lu n64=%lu", qc.nram, qc.nmmio,
             qc.n16, qc.n64);
    char *qargv[] = {(char *)qemu, "-accel", "tcg", "-m", "32", "-nodefaults", "-display", "none",
                     "-serial", "stdio", "-monitor", "none", "-device",
                     "isa-debug-exit,iobase=0xf4,iosize=1", "-kernel", elf, "-append", qargs,
                     NULL};
    struct times qt;
    struct result qr;
    if (best_of(qargv, 1, &qt) < 0) {
        printf("SKIP: emu_guest_*_qemu_tcg (%s not found or failed)\n", qemu);
        return 0;
    }
    report("qemu_tcg", &qc, &qt, &qr);
    bench_report("emu_guest_64bit_loop_qemu_tcg_over_vmp", qr.mips64 / vr.mips64, "x");
    bench_report("emu_guest_16bit_loop_qemu_tcg_over_vmp", qr.mips16 / vr.mips16, "x");
    bench_report("emu_guest_mmio_store_vmp_over_qemu_tcg", vr.mmio_ns / qr.mmio_ns, "x");
    return 0;
}
