/* Helpers shared by the loaders (not installed). */
#ifndef VMP_BIOS_LOADER_PRIV_H
#define VMP_BIOS_LOADER_PRIV_H

#include <vmparts/bios.h>

#include <string.h>

#define VMP_E820_MAX 128

static inline uint16_t vmp_ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t vmp_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t vmp_ld64(const uint8_t *p)
{
    return (uint64_t)vmp_ld32(p) | (uint64_t)vmp_ld32(p + 4) << 32;
}
static inline void vmp_st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void vmp_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void vmp_st64(uint8_t *p, uint64_t v)
{
    vmp_st32(p, (uint32_t)v);
    vmp_st32(p + 4, (uint32_t)(v >> 32));
}

/* Record why loading failed and return err. */
int vmp_loader_fail(struct vmp_boot_entry *e, int err, const char *fmt, ...)
    VMP_PRINTF(3, 4);

/* The memory map to hand the guest: cfg's or one built from mem. Returns the
 * count or a negative errno (with e->error set). */
int vmp_loader_e820(const struct vmp_mem *mem, const struct vmp_boot_config *cfg,
                    struct vmp_e820_entry *out, struct vmp_boot_entry *e);

/* True if [addr, addr+len) is RAM in the map (one entry, type RAM). */
bool vmp_loader_in_ram(const struct vmp_e820_entry *map, int n, uint64_t addr,
                       uint64_t len);

#endif
