/* Guest port write to a device model and back: the same guest
 * (tests/guests/aux/bench_pio.c: N writes to the test device's port 0xE0,
 * timed with the TSC inside the guest) under vmp --accel kvm and under
 * qemu-system-x86_64 -accel kvm -device pc-testdev, in the same run, and
 * their ratio. The guest's TSC runs at the host's rate (no TSC scaling
 * here), measured against CLOCK_MONOTONIC. Each figure is the minimum over
 * a few runs. Also vmp's peak RSS minus the guest RAM it touched
 * (VMP_STATS). Skips what it cannot run (no /dev/kvm, no QEMU). Paths:
 * $BUILD, default the directory above this binary's bench/; $QEMU. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "common/bench.h"

#define N_WRITES 20000u
#define RUNS 3

/* Run argv with stdio to /dev/null, stderr to errfile if given; returns
 * the exit status. */
static int run(char *const argv[], const char *errfile)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        int err = errfile ? open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
        dup2(err >= 0 ? err : null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double tsc_hz(void)
{
    uint64_t n0 = bench_now_ns(), c0 = __rdtsc();
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    uint64_t n1 = bench_now_ns(), c1 = __rdtsc();
    return (double)(c1 - c0) * 1e9 / (double)(n1 - n0);
}

/* Minimum guest cycles for N writes over RUNS runs; -1 on failure. The
 * serial output goes to outfile, which argv names. */
static double best_cycles(char *const argv[], const char *outfile)
{
    double min = -1;
    for (unsigned i = 0; i < RUNS; i++) {
        unlink(outfile);
        int st = run(argv, NULL);
        if (st != 1) { /* debug exit 0 => status 1 */
            fprintf(stderr, "bench_pio: %s exited with %d\n", argv[0], st);
            return -1;
        }
        FILE *f = fopen(outfile, "r");
        char line[256];
        double c = -1;
        while (f && fgets(line, sizeof line, f)) {
            char *p = strstr(line, "cycles=");
            if (p)
                c = strtod(p + 7, NULL);
        }
        if (f)
            fclose(f);
        if (c < 0)
            return -1;
        if (min < 0 || c < min)
            min = c;
    }
    return min;
}

int main(int argc, char **argv)
{
    (void)argc;
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
    snprintf(elf, sizeof elf, "%s/guests/aux/bench_pio.elf", build);
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        printf("SKIP: bench_pio (/dev/kvm absent)\n");
        return 0;
    }
    if (access(vmp, X_OK) != 0 || access(elf, R_OK) != 0) {
        printf("SKIP: bench_pio (%s or %s not built)\n", vmp, elf);
        return 0;
    }
    char tmpdir[] = "/tmp/bench_pioXXXXXX";
    if (!mkdtemp(tmpdir))
        return 1;
    char out[PATH_MAX], serial[PATH_MAX + 8], stats[PATH_MAX], nstr[16];
    snprintf(out, sizeof out, "%s/serial", tmpdir);
    snprintf(serial, sizeof serial, "file:%s", out);
    snprintf(stats, sizeof stats, "%s/stats", tmpdir);
    snprintf(nstr, sizeof nstr, "%u", N_WRITES);
    double hz = tsc_hz();

    char *vargv[] = {vmp, "--accel", "kvm", "--kernel", elf, "--mem", "32M", "--serial", serial,
                     "--timeout", "60", "--append", nstr, NULL};
    double vc = best_cycles(vargv, out);
    if (vc < 0) {
        printf("SKIP: bench_pio (vmp could not run the guest)\n");
        rmdir(tmpdir);
        return 0;
    }
    double v = vc / N_WRITES / hz * 1e9;
    bench_report("pio_write_roundtrip_vmp", v, "ns");

    /* Memory: peak RSS of vmp minus the guest RAM it touched. */
    setenv("VMP_STATS", "1", 1);
    char *sargv[] = {vmp, "--accel", "kvm", "--kernel", elf, "--mem", "512M", "--serial", "none",
                     "--append", "1000", NULL};
    run(sargv, stats);
    unsetenv("VMP_STATS");
    FILE *f = fopen(stats, "r");
    char line[512];
    unsigned long long rss = 0, guest = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "peak_rss_kib="), *q = strstr(line, "guest_resident_kib=");
        if (p && q) {
            rss = strtoull(p + 13, NULL, 10);
            guest = strtoull(q + 19, NULL, 10);
        }
    }
    if (f)
        fclose(f);
    unlink(stats);
    if (rss) {
        bench_report("vmp_peak_rss", (double)rss, "KiB");
        bench_report("vmp_guest_ram_resident", (double)guest, "KiB");
        bench_report("vmp_peak_rss_minus_guest_ram", (double)(rss - guest), "KiB");
    }

    const char *qemu = getenv("QEMU") ? getenv("QEMU") : "qemu-system-x86_64";
    char qserial[PATH_MAX + 8];
    snprintf(qserial, sizeof qserial, "file:%s", out);
    char *qargv[] = {(char *)qemu, "-accel", "kvm", "-m", "32", "-nodefaults",
                     "-display", "none", "-serial", qserial, "-monitor", "none",
                     "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
                     "-device", "pc-testdev", "-kernel", elf, "-append", nstr, NULL};
    double qc = best_cycles(qargv, out);
    unlink(out);
    rmdir(tmpdir);
    if (qc < 0) {
        printf("SKIP: pio_write_roundtrip_qemu (%s not found or failed)\n", qemu);
        return 0;
    }
    double q = qc / N_WRITES / hz * 1e9;
    bench_report("pio_write_roundtrip_qemu", q, "ns");
    bench_report("pio_write_roundtrip_vmp_over_qemu", v / q, "x");
    return 0;
}
