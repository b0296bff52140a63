/* System Control Port A at 0x92 (Intel ICH/PCH "Port 92h"): fast A20 gate
 * and fast INIT. See misc.h. */
#include <stdlib.h>

#include <vmparts/misc.h>

#define P92_INIT_NOW 0x01
#define P92_A20 0x02
#define P92_MASK (P92_INIT_NOW | P92_A20)

struct vmp_port92 {
    struct vmp_port92_ops ops;
    uint8_t reg;
};

static void set_reg(struct vmp_port92 *p, uint8_t v)
{
    uint8_t old = p->reg;
    p->reg = v & P92_MASK;
    if (((old ^ p->reg) & P92_A20) && p->ops.a20)
        p->ops.a20(p->ops.opaque, p->reg & P92_A20);
}

static uint64_t p92_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_port92 *p = dev;
    (void)offset;
    (void)size;
    return p->reg;
}

static void p92_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_port92 *p = dev;
    (void)offset;
    (void)size;
    uint8_t old = p->reg;
    set_reg(p, (uint8_t)value);
    /* INIT_NOW: INIT# on the 0->1 transition only. */
    if (!(old & P92_INIT_NOW) && (p->reg & P92_INIT_NOW) && p->ops.reset)
        p->ops.reset(p->ops.opaque, VMP_RESET_INIT);
}

const struct vmp_io_ops vmp_port92_io_ops = {
    .read = p92_read,
    .write = p92_write,
    .max_size = 1,
};

struct vmp_port92 *vmp_port92_create(const struct vmp_env *env,
                                     const struct vmp_port92_ops *ops)
{
    (void)env;
    struct vmp_port92 *p = calloc(1, sizeof *p);
    if (p && ops)
        p->ops = *ops;
    return p;
}

void vmp_port92_destroy(struct vmp_port92 *p) { free(p); }
void vmp_port92_reset(struct vmp_port92 *p) { set_reg(p, 0); }
bool vmp_port92_a20(const struct vmp_port92 *p) { return p->reg & P92_A20; }

int vmp_port92_attach(struct vmp_port92 *p, struct vmp_space *space, uint64_t base)
{
    return vmp_space_map(space, base, 1, &vmp_port92_io_ops, p);
}

int vmp_port92_save(const struct vmp_port92 *p, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "port92", 1);
    vmp_state_put_u8(w, p->reg);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_port92_load(struct vmp_port92 *p, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, "port92", 1, &version);
    if (err)
        return err;
    uint8_t reg = vmp_state_get_u8_max(r, P92_MASK);
    err = vmp_state_close(r);
    if (err)
        return err;
    set_reg(p, reg);
    return 0;
}
