/* Debug console port (Bochs/QEMU port 0xE9): bytes to the host; reads
 * return 0xE9 so guests can detect it. See misc.h. */
#include <stdlib.h>

#include <vmparts/misc.h>

struct vmp_debug_console {
    struct vmp_debug_console_ops ops;
};

static uint64_t dc_read(void *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return VMP_DEBUG_CONSOLE_READBACK;
}

static void dc_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_debug_console *c = dev;
    (void)offset;
    (void)size;
    if (c->ops.putc)
        c->ops.putc(c->ops.opaque, (uint8_t)value);
}

const struct vmp_io_ops vmp_debug_console_io_ops = {
    .read = dc_read,
    .write = dc_write,
    .max_size = 1,
};

struct vmp_debug_console *vmp_debug_console_create(const struct vmp_env *env,
                                                   const struct vmp_debug_console_ops *ops)
{
    (void)env;
    struct vmp_debug_console *c = calloc(1, sizeof *c);
    if (c && ops)
        c->ops = *ops;
    return c;
}

void vmp_debug_console_destroy(struct vmp_debug_console *c) { free(c); }
void vmp_debug_console_reset(struct vmp_debug_console *c) { (void)c; }

int vmp_debug_console_attach(struct vmp_debug_console *c, struct vmp_space *space,
                             uint64_t base)
{
    return vmp_space_map(space, base, 1, &vmp_debug_console_io_ops, c);
}

/* No state: an empty versioned section, so a stream lines up. */
int vmp_debug_console_save(const struct vmp_debug_console *c, struct vmp_state_writer *w)
{
    (void)c;
    vmp_state_begin(w, "debug-console", 1);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_debug_console_load(struct vmp_debug_console *c, struct vmp_state_reader *r)
{
    uint32_t version;
    (void)c;
    int err = vmp_state_open(r, "debug-console", 1, &version);
    if (err)
        return err;
    return vmp_state_close(r);
}
