/* vmp's machine description: command-line flags and the JSON file say the
 * same things (docs/vmp.md). */
#ifndef VMP_VMM_CONFIG_H
#define VMP_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VMP_CFG_MAX_MODULES 16
#define VMP_CFG_MAX_CPUS 64
#define VMP_CFG_MAX_DISKS 4
#define VMP_CFG_MIN_MEM (2ull << 20)
#define VMP_CFG_MAX_MEM (1ull << 40)

enum vmp_serial_kind { VMP_SERIAL_STDIO, VMP_SERIAL_FILE, VMP_SERIAL_NONE };

struct vmp_config {
    char *kernel, *initrd, *append;
    char *modules[VMP_CFG_MAX_MODULES];
    unsigned nmodules;
    uint64_t mem;
    unsigned smp;
    char *accel;
    enum vmp_serial_kind serial;
    char *serial_path;
    bool flat;          /* --load-addr given: kernel is a flat binary */
    uint64_t load_addr;
    double timeout;     /* seconds, 0 = none */
    bool no_decompress; /* let a bzImage decompress itself */
    char *disks[VMP_CFG_MAX_DISKS]; /* "FILE" or "FILE,readonly": BIOS disks 0x80.. */
    unsigned ndisks;
    char *dump_acpi;    /* --dump-acpi DIR: write the ACPI tables and exit */
    bool help, version;
};

/* Exit statuses of vmp (docs/vmp.md). Debug-exit values give odd ones. */
#define VMP_EXIT_POWEROFF 0 /* ACPI S5 */
#define VMP_EXIT_USAGE 2    /* bad flags, config, or a file that cannot be loaded */
#define VMP_EXIT_RESET 4    /* guest reset: 0xCF9, triple fault, keyboard controller */
#define VMP_EXIT_INTERNAL 6 /* KVM or host failure */
#define VMP_EXIT_TIMEOUT 8  /* --timeout expired */
#define VMP_EXIT_SIGNAL 130 /* SIGINT (Ctrl-C) or SIGTERM */

void vmp_config_init(struct vmp_config *c);
void vmp_config_free(struct vmp_config *c);
/* Parse argv (a --config file is read first, flags override it). On error
 * prints "vmp: ..." to stderr and returns -1. */
int vmp_config_parse(struct vmp_config *c, int argc, char **argv);
/* Read a JSON machine description; errors name the file and the JSON path. */
int vmp_config_load_json(struct vmp_config *c, const char *path);
/* "512M", "2G", "65536K", or a plain number of MiB. -1 on syntax error. */
int vmp_parse_size(const char *s, uint64_t *out);
void vmp_usage(FILE *f);

#endif
