/* Address spaces: port I/O (64 K), MMIO (64-bit) and PCI configuration
 * space (ECAM layout: bus << 20 | dev << 15 | fn << 12 | reg).
 *
 * A space holds non-overlapping regions, each a device's callbacks. Lookup
 * is a binary search over a sorted array (O(log n)) with a one-entry cache.
 * Accesses that straddle regions, or are wider than a region accepts, are
 * split into naturally sized pieces and reassembled little-endian.
 * Unmapped reads return all ones; unmapped writes are dropped and counted.
 *
 * The library has no locks: an embedder with several vCPU threads
 * serialises calls into one space (and into the devices behind it). */
#ifndef VMPARTS_BUS_H
#define VMPARTS_BUS_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device callbacks. offset is relative to the region's base; size is
 * 1, 2, 4 or 8 and never larger than max_size; value bits above size*8
 * are zero on write and ignored on read. */
struct vmp_io_ops {
    uint64_t (*read)(void *dev, uint64_t offset, unsigned size);
    void (*write)(void *dev, uint64_t offset, uint64_t value, unsigned size);
    /* Widest access the device takes (1, 2, 4 or 8; 0 means 8). Wider
     * guest accesses are split into pieces of this size. */
    unsigned max_size;
};

struct vmp_space;

struct vmp_space_stats {
    uint64_t regions;
    uint64_t unmapped_reads;
    uint64_t unmapped_writes;
};

/* A space of addresses 0..last_addr: 0xFFFF for ports, UINT64_MAX for
 * MMIO, 0x0FFFFFFF for PCI configuration space. */
struct vmp_space *vmp_space_create(const char *name, uint64_t last_addr);
void vmp_space_destroy(struct vmp_space *space);

/* Map [base, base+len) to ops/dev. -EINVAL for len 0, NULL ops or a bad
 * max_size; -ERANGE past last_addr or wrapping; -EEXIST on overlap;
 * -ENOMEM. */
int vmp_space_map(struct vmp_space *space, uint64_t base, uint64_t len,
                  const struct vmp_io_ops *ops, void *dev);
/* Remove the region starting at base (-ENOENT if none). */
int vmp_space_unmap(struct vmp_space *space, uint64_t base);
/* Move the region starting at old_base to new_base, keeping its length.
 * On failure (-ENOENT, -ERANGE, -EEXIST) the region stays where it was. */
int vmp_space_move(struct vmp_space *space, uint64_t old_base, uint64_t new_base);
/* The device mapped at addr, or NULL (with *base set to its base). */
void *vmp_space_lookup(const struct vmp_space *space, uint64_t addr, uint64_t *base);

/* Accesses. size must be 1, 2, 4 or 8; any other size reads all ones and
 * drops writes (counted as unmapped). */
uint64_t vmp_space_read(struct vmp_space *space, uint64_t addr, unsigned size);
void vmp_space_write(struct vmp_space *space, uint64_t addr, uint64_t value,
                     unsigned size);

void vmp_space_get_stats(const struct vmp_space *space, struct vmp_space_stats *st);
const char *vmp_space_name(const struct vmp_space *space);

#ifdef __cplusplus
}
#endif
#endif
