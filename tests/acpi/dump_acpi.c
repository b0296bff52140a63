/* Writes the ACPI tables (and an SMBIOS dump) of the reference board with
 * N vCPUs into DIR, for tests/acpi/iasl.sh:  dump_acpi N DIR */
#include <stdio.h>
#include <stdlib.h>

#include <vmparts/acpi.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CPUS DIR\n", argv[0]);
        return 2;
    }
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, (unsigned)strtoul(argv[1], NULL, 0));
    struct vmp_acpi_tables t;
    int err = vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t);
    if (!err)
        err = vmp_acpi_dump(&t, argv[2]);
    vmp_acpi_tables_free(&t);
    if (err) {
        fprintf(stderr, "dump_acpi: %s\n", vmp_strerror(err));
        return 1;
    }
    return 0;
}
