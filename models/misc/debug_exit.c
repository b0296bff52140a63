/* Debug exit port (QEMU isa-debug-exit compatible): a write of v asks the
 * embedder to end the VM with status (v << 1) | 1. See misc.h. */
#include <stdlib.h>

#include <vmparts/misc.h>

struct vmp_debug_exit {
    struct vmp_debug_exit_ops ops;
    unsigned iosize;
};

static uint64_t de_read(void *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

static void de_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_debug_exit *d = dev;
    (void)offset;
    (void)size;
    /* The value as written, whatever the offset (isa-debug-exit). */
    if (d->ops.exit)
        d->ops.exit(d->ops.opaque, (value & 0xFFFFFFFFu) << 1 | 1);
}

const struct vmp_io_ops vmp_debug_exit_io_ops = {
    .read = de_read,
    .write = de_write,
    .max_size = 4,
};

struct vmp_debug_exit *vmp_debug_exit_create(const struct vmp_env *env, unsigned iosize,
                                             const struct vmp_debug_exit_ops *ops)
{
    (void)env;
    if (iosize != 1 && iosize != 2 && iosize != 4)
        return NULL;
    struct vmp_debug_exit *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (ops)
        d->ops = *ops;
    d->iosize = iosize;
    return d;
}

void vmp_debug_exit_destroy(struct vmp_debug_exit *d) { free(d); }
void vmp_debug_exit_reset(struct vmp_debug_exit *d) { (void)d; }

int vmp_debug_exit_attach(struct vmp_debug_exit *d, struct vmp_space *space, uint64_t base)
{
    return vmp_space_map(space, base, d->iosize, &vmp_debug_exit_io_ops, d);
}

/* Stateless; the section still carries the configured width so a state
 * saved for a different wiring is refused. */
int vmp_debug_exit_save(const struct vmp_debug_exit *d, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "debug-exit", 1);
    vmp_state_put_u8(w, (uint8_t)d->iosize);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_debug_exit_load(struct vmp_debug_exit *d, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, "debug-exit", 1, &version);
    if (err)
        return err;
    if (vmp_state_get_u8(r) != d->iosize)
        vmp_state_fail(r, -EINVAL);
    return vmp_state_close(r);
}
