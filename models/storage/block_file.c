/* Raw image files as block devices: pread/pwrite at sector offsets. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vmparts/storage.h>

struct block_file {
    int fd;
};

static int file_rw(int fd, uint64_t off, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO; /* the file shrank under us */
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int bf_read(void *opaque, uint64_t lba, void *buf, uint32_t count)
{
    struct block_file *f = opaque;
    return file_rw(f->fd, lba * VMP_BLOCK_SECTOR, buf, (size_t)count * VMP_BLOCK_SECTOR,
                   false);
}

static int bf_write(void *opaque, uint64_t lba, const void *buf, uint32_t count)
{
    struct block_file *f = opaque;
    return file_rw(f->fd, lba * VMP_BLOCK_SECTOR, (void *)buf,
                   (size_t)count * VMP_BLOCK_SECTOR, true);
}

static int bf_flush(void *opaque)
{
    struct block_file *f = opaque;
    return fdatasync(f->fd) < 0 ? -errno : 0;
}

static void bf_close(void *opaque)
{
    struct block_file *f = opaque;
    close(f->fd);
    free(f);
}

static const struct vmp_block_ops file_ops = {
    .read = bf_read,
    .write = bf_write,
    .flush = bf_flush,
    .close = bf_close,
};

struct vmp_block *vmp_block_open_file(const char *path, bool readonly, int *err)
{
    int e = 0;
    struct block_file *f = NULL;
    int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        e = -errno;
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        e = -errno;
        goto fail;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        e = -EINVAL;
        goto fail;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end < 0 ? 0 : (uint64_t)end;
    }
    if (size < VMP_BLOCK_SECTOR) {
        e = -EINVAL;
        goto fail;
    }
    f = malloc(sizeof(*f));
    if (!f) {
        e = -ENOMEM;
        goto fail;
    }
    f->fd = fd;
    struct vmp_block *b = vmp_block_create(&file_ops, f, size / VMP_BLOCK_SECTOR, readonly);
    if (!b) {
        e = -ENOMEM;
        goto fail;
    }
    return b;
fail:
    free(f);
    if (fd >= 0)
        close(fd);
    if (err)
        *err = e;
    return NULL;
}
