/* Internals shared by the ACPI table builders. */
#ifndef VMP_BIOS_ACPI_PRIV_H
#define VMP_BIOS_ACPI_PRIV_H

#include <vmparts/acpi.h>

#define VMP_ACPI_OEM_ID "VMPART"
#define VMP_ACPI_OEM_TABLE_ID "VMPBOARD"
#define VMP_ACPI_CREATOR_ID "VMPT"
#define VMP_ACPI_HDR_LEN 36u

/* Write the DSDT's AML body (after the 36-byte header) for cfg; returns
 * its length or a negative errno (-ENOSPC if cap is short). */
long vmp_acpi_dsdt_body(const struct vmp_acpi_config *cfg, uint8_t *buf, size_t cap);

/* The xAPIC ID of vCPU i. */
static inline uint8_t vmp_acpi_apic_id(const struct vmp_acpi_config *cfg, unsigned i)
{
    return cfg->apic_ids ? cfg->apic_ids[i] : (uint8_t)i;
}

#endif
