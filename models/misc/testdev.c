/* Test device with the ports of QEMU's pc-testdev (behaviour as described
 * in misc.h; an independent implementation). */
#include <stdlib.h>
#include <string.h>

#include <vmparts/misc.h>

struct vmp_testdev {
    struct vmp_testdev_ops ops;
    struct vmp_irq *irqs[VMP_TESTDEV_IRQS];
    uint32_t data;
    uint32_t levels; /* bit n: this device drives IRQ n high */
};

/* Byte lanes: an n-byte access at offset k touches bytes k..k+n-1 of the
 * 32-bit register; lanes past byte 3 read 0 and are dropped on write. */
static uint64_t data_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_testdev *t = dev;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t lane = (offset & 3) + i;
        if (lane < 4)
            v |= (uint64_t)(t->data >> (lane * 8) & 0xFF) << (i * 8);
    }
    return v;
}

static void data_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_testdev *t = dev;
    for (unsigned i = 0; i < size; i++) {
        uint64_t lane = (offset & 3) + i;
        if (lane < 4) {
            uint32_t shift = (uint32_t)lane * 8;
            t->data = (t->data & ~(0xFFu << shift)) |
                      (uint32_t)(value >> (i * 8) & 0xFF) << shift;
        }
    }
}

const struct vmp_io_ops vmp_testdev_io_ops = {
    .read = data_read,
    .write = data_write,
    .max_size = 4,
};

const struct vmp_io_ops vmp_testdev_byte_io_ops = {
    .read = data_read,
    .write = data_write,
    .max_size = 1,
};

static uint64_t flush_read(void *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

static void flush_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_testdev *t = dev;
    if (offset != 0 || size != 4)
        return;
    if (t->ops.flush_page)
        t->ops.flush_page(t->ops.opaque, value & ~0xFFFull);
}

const struct vmp_io_ops vmp_testdev_flush_io_ops = {
    .read = flush_read,
    .write = flush_write,
    .max_size = 4,
};

static uint64_t irq_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_testdev *t = dev;
    (void)size;
    return offset < VMP_TESTDEV_IRQS ? t->levels >> offset & 1 : 0;
}

static void irq_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_testdev *t = dev;
    (void)size;
    if (offset >= VMP_TESTDEV_IRQS)
        return;
    bool level = (value & 0xFF) != 0;
    t->levels = (t->levels & ~(1u << offset)) | (uint32_t)level << offset;
    vmp_irq_set(t->irqs[offset], level);
}

const struct vmp_io_ops vmp_testdev_irq_io_ops = {
    .read = irq_read,
    .write = irq_write,
    .max_size = 1,
};

static void drive_all(struct vmp_testdev *t)
{
    for (unsigned n = 0; n < VMP_TESTDEV_IRQS; n++)
        vmp_irq_set(t->irqs[n], t->levels >> n & 1);
}

struct vmp_testdev *vmp_testdev_create(const struct vmp_env *env,
                                       struct vmp_irq *const irqs[VMP_TESTDEV_IRQS],
                                       const struct vmp_testdev_ops *ops)
{
    (void)env;
    struct vmp_testdev *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (irqs)
        memcpy(t->irqs, irqs, sizeof t->irqs);
    if (ops)
        t->ops = *ops;
    return t;
}

/* The IRQs are left alone: their lines may already be gone. */
void vmp_testdev_destroy(struct vmp_testdev *t) { free(t); }

void vmp_testdev_reset(struct vmp_testdev *t)
{
    t->data = 0;
    t->levels = 0;
    drive_all(t);
}

uint32_t vmp_testdev_data(const struct vmp_testdev *t) { return t->data; }

int vmp_testdev_attach(struct vmp_testdev *t, struct vmp_space *space, uint64_t base)
{
    static const struct {
        uint64_t port, len;
        const struct vmp_io_ops *ops;
    } map[] = {
        { VMP_TESTDEV_DATA_PORT, 4, &vmp_testdev_io_ops },
        { VMP_TESTDEV_FLUSH_PORT, 4, &vmp_testdev_flush_io_ops },
        { VMP_TESTDEV_DATA_BYTE_PORT, 4, &vmp_testdev_byte_io_ops },
        { VMP_TESTDEV_IRQ_PORT, VMP_TESTDEV_IRQS, &vmp_testdev_irq_io_ops },
    };
    for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++) {
        int err = vmp_space_map(space, base + map[i].port, map[i].len, map[i].ops, t);
        if (err) {
            while (i--)
                vmp_space_unmap(space, base + map[i].port);
            return err;
        }
    }
    return 0;
}

int vmp_testdev_save(const struct vmp_testdev *t, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "testdev", 1);
    vmp_state_put_u32(w, t->data);
    vmp_state_put_u32(w, t->levels);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_testdev_load(struct vmp_testdev *t, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, "testdev", 1, &version);
    if (err)
        return err;
    uint32_t data = vmp_state_get_u32(r);
    uint32_t levels = vmp_state_get_u32_max(r, (1u << VMP_TESTDEV_IRQS) - 1);
    err = vmp_state_close(r);
    if (err)
        return err;
    t->data = data;
    t->levels = levels;
    drive_all(t);
    return 0;
}
