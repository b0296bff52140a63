/* SMBIOS tables (DMTF DSP0134 SMBIOS 3.x) so that dmidecode and the guest's
 * DMI code see a plausible machine: a 64-bit "_SM3_" entry point and
 * structures of types 0 (BIOS), 1 (system), 3 (enclosure), 4 (one per
 * vCPU), 16 (memory array), 17 (memory devices), 19 (array mapped
 * addresses), 32 (boot status) and 127 (end of table). */
#ifndef VMPARTS_SMBIOS_H
#define VMPARTS_SMBIOS_H

#include <vmparts/common.h>
#include <vmparts/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_SMBIOS_MAX_CPUS 255
#define VMP_SMBIOS_MAX_DIMMS 64      /* type 17 structures at most */
#define VMP_SMBIOS_DIMM_MAX_MB (16u * 1024u)
#define VMP_SMBIOS_MAX_STRING 64     /* bytes per string, printable ASCII */
#define VMP_SMBIOS_EP_LEN 24         /* SMBIOS 3.x entry point */

/* Every string may be NULL (the structure then says "Not Specified"). */
struct vmp_smbios_config {
    const char *bios_vendor, *bios_version, *bios_date; /* date "MM/DD/YYYY" */
    uint8_t bios_major, bios_minor;
    const char *sys_manufacturer, *sys_product, *sys_version, *sys_serial;
    const char *sys_sku, *sys_family;
    uint8_t uuid[16];           /* as stored (first three fields little-endian, 7.2.1) */
    const char *chassis_manufacturer;
    unsigned cpu_count;         /* 1..VMP_SMBIOS_MAX_CPUS */
    const char *cpu_manufacturer, *cpu_version;
    uint32_t cpu_signature;     /* CPUID leaf 1 EAX */
    uint32_t cpu_features;      /* CPUID leaf 1 EDX */
    uint16_t cpu_mhz;           /* 0 = unknown */
    uint64_t ram_below_4g;      /* bytes of RAM from 0 */
    uint64_t ram_above_4g;      /* bytes of RAM from 4 GiB */
};

void vmp_smbios_config_default(struct vmp_smbios_config *cfg, unsigned cpus,
                               uint64_t ram_below_4g, uint64_t ram_above_4g);

/* Write the structure table for guest address table_addr into buf (cap
 * bytes) and the entry point into ep. Returns the table length, -EINVAL
 * for a bad config (CPU count, strings too long or not printable, no
 * RAM), -ENOSPC if cap is short. Nothing is written past buf + cap. */
long vmp_smbios_build(const struct vmp_smbios_config *cfg, uint64_t table_addr, void *buf,
                      size_t cap, uint8_t ep[VMP_SMBIOS_EP_LEN]);

/* Build and copy into guest memory: the entry point at ep_addr (16-byte
 * aligned, normally in 0xF0000-0xFFFFF), the table at table_addr, using at
 * most max_size bytes there. Read-only (BIOS) regions are written through
 * vmp_mem_ptr. Returns the table length or a negative errno. */
long vmp_smbios_install(const struct vmp_smbios_config *cfg, struct vmp_mem *mem,
                        uint64_t ep_addr, uint64_t table_addr, size_t max_size);

#ifdef __cplusplus
}
#endif
#endif
