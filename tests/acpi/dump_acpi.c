/* Test helper for the ACPI/SMBIOS builders.
 *   dump_acpi N DIR
 *     the ACPI tables of the reference board with N vCPUs as
 *     DIR/<signature>.dat, and its SMBIOS as DIR/smbios.bin in dmidecode's
 *     --dump-bin layout (entry point at 0, table at 0x20); tests/acpi/iasl.sh
 *   dump_acpi image N BASE PMBASE FILE
 *     the table area for guest address BASE, with the PM blocks at PMBASE
 *     (+0 event, +4 control, +8 timer, +0x20 GPE0), as one raw image for
 *     QEMU's loader device; prints the RSDP address; tests/acpi/linux.sh */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmparts/acpi.h>
#include <vmparts/smbios.h>

static int dump_smbios(unsigned cpus, const char *dir)
{
    static uint8_t buf[0x10000];
    struct vmp_smbios_config cfg;
    vmp_smbios_config_default(&cfg, cpus, 3ull << 30, 5ull << 30);
    uint8_t ep[VMP_SMBIOS_EP_LEN];
    long len = vmp_smbios_build(&cfg, 0x20, buf, sizeof buf, ep);
    if (len < 0)
        return (int)len;
    char path[4096];
    snprintf(path, sizeof path, "%s/smbios.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -EIO;
    static const uint8_t pad[0x20 - VMP_SMBIOS_EP_LEN];
    int ok = fwrite(ep, 1, sizeof ep, f) == sizeof ep &&
             fwrite(pad, 1, sizeof pad, f) == sizeof pad &&
             fwrite(buf, 1, (size_t)len, f) == (size_t)len;
    if (fclose(f) || !ok)
        return -EIO;
    return 0;
}

static int image(char **argv)
{
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, (unsigned)strtoul(argv[2], NULL, 0));
    uint16_t pm = (uint16_t)strtoul(argv[4], NULL, 0);
    cfg.pm1a_evt = pm;
    cfg.pm1a_cnt = (uint16_t)(pm + 4);
    cfg.pm_tmr = (uint16_t)(pm + 8);
    cfg.gpe0 = (uint16_t)(pm + 0x20);
    struct vmp_acpi_tables t;
    int err = vmp_acpi_build(&cfg, strtoull(argv[3], NULL, 0), 0x10000, &t);
    if (err) {
        fprintf(stderr, "dump_acpi: %s\n", vmp_strerror(err));
        return 1;
    }
    FILE *f = fopen(argv[5], "wb");
    int ok = f && fwrite(t.image, 1, t.size, f) == t.size;
    if (f && fclose(f))
        ok = 0;
    if (ok)
        printf("0x%llx\n", (unsigned long long)t.rsdp_addr);
    vmp_acpi_tables_free(&t);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "image"))
        return image(argv);
    if (argc != 3) {
        fprintf(stderr, "usage: %s CPUS DIR\n", argv[0]);
        return 2;
    }
    unsigned cpus = (unsigned)strtoul(argv[1], NULL, 0);
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, cpus);
    struct vmp_acpi_tables t;
    int err = vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t);
    if (!err)
        err = vmp_acpi_dump(&t, argv[2]);
    vmp_acpi_tables_free(&t);
    if (!err)
        err = dump_smbios(cpus, argv[2]);
    if (err) {
        fprintf(stderr, "dump_acpi: %s\n", vmp_strerror(err));
        return 1;
    }
    return 0;
}
