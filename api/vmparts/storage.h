/* Block back ends: sector-addressed storage behind the disk models (the
 * BIOS's INT 13h now; AHCI and IDE later).
 *
 * A struct vmp_block is a sized array of 512-byte sectors with bounds-
 * checked reads and writes. Three kinds:
 *   - a raw image file (vmp_block_open_file), read-write or read-only;
 *     the size is the file's size rounded down to whole sectors;
 *   - host memory (vmp_block_open_mem), for tests, fuzzers and RAM disks;
 *   - an embedder's own (vmp_block_create with a vmp_block_ops table),
 *     for qcow2, network disks and the like.
 * Every access is checked against the size before the back end sees it:
 * a range that runs past the end (or wraps 2^64) returns -ERANGE and
 * transfers nothing; a write to a read-only disk returns -EROFS. A block
 * device is used from one thread at a time (the library has no threads). */
#ifndef VMPARTS_STORAGE_H
#define VMPARTS_STORAGE_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_BLOCK_SECTOR 512u

struct vmp_block;

/* An embedder's own back end. Called only with ranges already checked
 * against the size (and, for write, never on a read-only device). Return
 * 0 or a negative errno. flush may be NULL. */
struct vmp_block_ops {
    int (*read)(void *opaque, uint64_t lba, void *buf, uint32_t count);
    int (*write)(void *opaque, uint64_t lba, const void *buf, uint32_t count);
    int (*flush)(void *opaque);
    void (*close)(void *opaque); /* may be NULL */
};

struct vmp_block *vmp_block_create(const struct vmp_block_ops *ops, void *opaque,
                                   uint64_t sectors, bool readonly);

/* Raw image file. NULL on failure with *err (if err) set: -ENOENT,
 * -EACCES, ..., -EINVAL for an image smaller than one sector. */
struct vmp_block *vmp_block_open_file(const char *path, bool readonly, int *err);

/* Host memory [buf, buf + size); size is rounded down to whole sectors
 * (-EINVAL / NULL if that is 0). The memory must outlive the device. */
struct vmp_block *vmp_block_open_mem(void *buf, uint64_t size, bool readonly);

/* Flushes (ignoring errors) and frees. NULL is fine. */
void vmp_block_close(struct vmp_block *blk);

uint64_t vmp_block_sectors(const struct vmp_block *blk);
bool vmp_block_readonly(const struct vmp_block *blk);

/* count sectors from lba. count 0 succeeds and transfers nothing. */
int vmp_block_read(struct vmp_block *blk, uint64_t lba, void *buf, uint32_t count);
int vmp_block_write(struct vmp_block *blk, uint64_t lba, const void *buf,
                    uint32_t count);
/* Make completed writes durable (fdatasync for files). */
int vmp_block_flush(struct vmp_block *blk);

#ifdef __cplusplus
}
#endif
#endif
