/* Block device core: bounds checks in front of any back end, and the
 * in-memory back end. */
#include <stdlib.h>
#include <string.h>
#include <vmparts/storage.h>

struct vmp_block {
    const struct vmp_block_ops *ops;
    void *opaque;
    uint64_t sectors;
    bool readonly;
};

struct vmp_block *vmp_block_create(const struct vmp_block_ops *ops, void *opaque,
                                   uint64_t sectors, bool readonly)
{
    if (!ops || !ops->read || (!readonly && !ops->write) || sectors == 0 ||
        sectors > UINT64_MAX / VMP_BLOCK_SECTOR)
        return NULL;
    struct vmp_block *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->ops = ops;
    b->opaque = opaque;
    b->sectors = sectors;
    b->readonly = readonly;
    return b;
}

void vmp_block_close(struct vmp_block *blk)
{
    if (!blk)
        return;
    if (!blk->readonly && blk->ops->flush)
        (void)blk->ops->flush(blk->opaque);
    if (blk->ops->close)
        blk->ops->close(blk->opaque);
    free(blk);
}

uint64_t vmp_block_sectors(const struct vmp_block *blk) { return blk ? blk->sectors : 0; }
bool vmp_block_readonly(const struct vmp_block *blk) { return !blk || blk->readonly; }

static int check_range(const struct vmp_block *blk, uint64_t lba, uint32_t count)
{
    if (lba > blk->sectors || count > blk->sectors - lba)
        return -ERANGE;
    return 0;
}

int vmp_block_read(struct vmp_block *blk, uint64_t lba, void *buf, uint32_t count)
{
    if (!blk || (count && !buf))
        return -EINVAL;
    int r = check_range(blk, lba, count);
    if (r < 0 || count == 0)
        return r;
    return blk->ops->read(blk->opaque, lba, buf, count);
}

int vmp_block_write(struct vmp_block *blk, uint64_t lba, const void *buf,
                    uint32_t count)
{
    if (!blk || (count && !buf))
        return -EINVAL;
    if (blk->readonly)
        return -EROFS;
    int r = check_range(blk, lba, count);
    if (r < 0 || count == 0)
        return r;
    return blk->ops->write(blk->opaque, lba, buf, count);
}

int vmp_block_flush(struct vmp_block *blk)
{
    if (!blk)
        return -EINVAL;
    if (blk->readonly || !blk->ops->flush)
        return 0;
    return blk->ops->flush(blk->opaque);
}

/* ---- host memory ------------------------------------------------------ */

static int mem_read(void *opaque, uint64_t lba, void *buf, uint32_t count)
{
    memcpy(buf, (uint8_t *)opaque + lba * VMP_BLOCK_SECTOR,
           (size_t)count * VMP_BLOCK_SECTOR);
    return 0;
}

static int mem_write(void *opaque, uint64_t lba, const void *buf, uint32_t count)
{
    memcpy((uint8_t *)opaque + lba * VMP_BLOCK_SECTOR, buf,
           (size_t)count * VMP_BLOCK_SECTOR);
    return 0;
}

static const struct vmp_block_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
};

struct vmp_block *vmp_block_open_mem(void *buf, uint64_t size, bool readonly)
{
    if (!buf)
        return NULL;
    return vmp_block_create(&mem_ops, buf, size / VMP_BLOCK_SECTOR, readonly);
}
