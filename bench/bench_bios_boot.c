/* The virtual BIOS from reset to the boot sector under vmp itself, on both
 * backends (bench_bios.c counts the same path on a bare emulator): vmp
 * boots a disk whose boot sector is just OUT F4h (debug exit), and the
 * same vmp runs a flat binary that does only that OUT, with no BIOS; the
 * difference of their medians is what reset, POST and INT 19h cost on this
 * machine. The BIOS traps (each one a VM exit to vmp under KVM, and the
 * only exits on this path) come from VMP_STATS, and under --accel emu the
 * guest instructions as well. BUILD names the build directory (default
 * build). Skips KVM where /dev/kvm cannot be opened. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bench.h"

#define RUNS 7

static int run(char *const argv[], const char *errfile)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(err >= 0 ? err : null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The number after "key=" in file, or -1. */
static double stat_of(const char *file, const char *key)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char line[512];
    double v = -1;
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, key);
        if (p)
            v = strtod(p + strlen(key), NULL);
    }
    fclose(f);
    return v;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median wall time of RUNS runs of argv (each must exit with status 1:
 * the guest wrote 0 to port F4h); 0 on failure. */
static uint64_t median_ns(char *const argv[], const char *errfile)
{
    uint64_t t[RUNS];
    for (unsigned i = 0; i < RUNS; i++) {
        uint64_t t0 = bench_now_ns();
        if (run(argv, errfile) != 1)
            return 0;
        t[i] = bench_now_ns() - t0;
    }
    qsort(t, RUNS, sizeof t[0], cmp);
    return t[RUNS / 2];
}

int main(void)
{
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char vmp[PATH_MAX], dir[] = "/tmp/bench_bios_boot.XXXXXX";
    snprintf(vmp, sizeof vmp, "%s/vmp", build);
    if (access(vmp, X_OK) != 0 || !mkdtemp(dir)) {
        printf("SKIP: bench_bios_boot (%s not built)\n", vmp);
        return 0;
    }
    char disk[PATH_MAX], flat[PATH_MAX], err[PATH_MAX];
    snprintf(disk, sizeof disk, "%s/disk.img", dir);
    snprintf(flat, sizeof flat, "%s/flat.bin", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    /* xor al,al (32 C0); out F4h,al (E6 F4); hlt (F4): the same bytes in
     * real mode and in the flat binary's 32-bit mode. */
    static const uint8_t code[] = {0x32, 0xC0, 0xE6, 0xF4, 0xF4};
    static uint8_t sec[1 << 20];
    memcpy(sec, code, sizeof code);
    sec[510] = 0x55;
    sec[511] = 0xAA;
    FILE *f = fopen(disk, "wb");
    FILE *g = fopen(flat, "wb");
    if (!f || !g || fwrite(sec, 1, sizeof sec, f) != sizeof sec ||
        fwrite(code, 1, sizeof code, g) != sizeof code) {
        printf("SKIP: bench_bios_boot (cannot write %s)\n", dir);
        return 0;
    }
    fclose(f);
    fclose(g);
    setenv("VMP_STATS", "1", 1);
    const char *accels[] = {"kvm", "emu"};
    for (unsigned a = 0; a < 2; a++) {
        char *acc = (char *)accels[a];
        char *bios_argv[] = {vmp, "--accel", acc, "--disk", disk, "--mem", "32M",
                             "--serial", "none", NULL};
        char *flat_argv[] = {vmp, "--accel", acc, "--kernel", flat, "--load-addr", "0x100000",
                             "--mem", "32M", "--serial", "none", NULL};
        uint64_t tf = median_ns(flat_argv, err);
        double insns_flat = stat_of(err, "emu_instructions=");
        uint64_t tb = median_ns(bios_argv, err);
        if (!tf || !tb) {
            printf("SKIP: bench_bios_boot under --accel %s (vmp could not run the guest)\n", acc);
            continue;
        }
        char name[96];
        double traps = stat_of(err, "bios_traps=");
        snprintf(name, sizeof name, "bios_reset_to_bootsector_exits_%s", acc);
        bench_report(name, traps, "BIOS traps (VM exits to vmp)");
        if (a == 1) {
            double insns = stat_of(err, "emu_instructions=");
            bench_report("bios_reset_to_bootsector_guest_insns_emu", insns - insns_flat,
                         "instructions (boot sector's own excluded)");
        }
        snprintf(name, sizeof name, "bios_reset_to_bootsector_time_%s", acc);
        bench_report(name, ((double)tb - (double)tf) / 1000.0, "us (vmp BIOS boot - vmp flat boot)");
        snprintf(name, sizeof name, "vmp_bios_boot_total_%s", acc);
        bench_report(name, (double)tb / 1000.0, "us (process start to exit)");
    }
    unlink(disk);
    unlink(flat);
    unlink(err);
    rmdir(dir);
    return 0;
}
