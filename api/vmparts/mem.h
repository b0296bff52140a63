/* Guest memory: RAM and ROM regions backed by host memory the embedder
 * supplies. Accessors fail cleanly (-EFAULT) for any byte that is not
 * backed, including ranges running off a region or wrapping around 2^64;
 * a device never keeps a host pointer across calls. */
#ifndef VMPARTS_MEM_H
#define VMPARTS_MEM_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_MEM_READONLY 1u /* ROM: guest writes are refused */

struct vmp_mem;

struct vmp_mem_region {
    uint64_t gpa;
    uint64_t size;
    void *host;
    unsigned flags;
};

struct vmp_mem *vmp_mem_create(void);
void vmp_mem_destroy(struct vmp_mem *mem);

/* Add host memory [host, host+size) at guest-physical gpa. -EINVAL for
 * size 0 or NULL host, -ERANGE if gpa+size wraps, -EEXIST on overlap. */
int vmp_mem_add(struct vmp_mem *mem, uint64_t gpa, uint64_t size, void *host,
                unsigned flags);
int vmp_mem_remove(struct vmp_mem *mem, uint64_t gpa);

/* Copy guest memory. 0 on success; -EFAULT (nothing copied) if any byte is
 * not backed, or (for writes) lies in a read-only region. A range may span
 * adjacent regions. len 0 always succeeds. */
int vmp_mem_read(const struct vmp_mem *mem, uint64_t gpa, void *buf, size_t len);
int vmp_mem_write(struct vmp_mem *mem, uint64_t gpa, const void *buf, size_t len);

/* For backends and loaders: a host pointer to [gpa, gpa+len) if it lies in
 * one region, else NULL. Not for device models. */
void *vmp_mem_ptr(const struct vmp_mem *mem, uint64_t gpa, uint64_t len);
bool vmp_mem_is_backed(const struct vmp_mem *mem, uint64_t gpa, uint64_t len);

/* Enumerate regions in address order (for KVM memory slots, E820). */
size_t vmp_mem_region_count(const struct vmp_mem *mem);
int vmp_mem_region_get(const struct vmp_mem *mem, size_t index,
                       struct vmp_mem_region *out);

#ifdef __cplusplus
}
#endif
#endif
