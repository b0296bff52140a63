/* Reset control register at 0xCF9 (Intel ICH/PCH "Reset Control Register
 * (RST_CNT)"). See misc.h. */
#include <stdlib.h>

#include <vmparts/misc.h>

#define RST_SYS 0x02  /* SYS_RST: hard (1) or soft (0) */
#define RST_CPU 0x04  /* RST_CPU: 0->1 starts the reset */
#define RST_FULL 0x08 /* FULL_RST: hard reset through a power cycle */
#define RST_MASK (RST_SYS | RST_CPU | RST_FULL)

struct vmp_reset_ctl {
    struct vmp_reset_ops ops;
    uint8_t reg;
};

static uint64_t rc_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_reset_ctl *rc = dev;
    (void)offset;
    (void)size;
    return rc->reg;
}

static void rc_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_reset_ctl *rc = dev;
    (void)offset;
    (void)size;
    uint8_t old = rc->reg, v = (uint8_t)value & RST_MASK;
    rc->reg = v;
    if (!(old & RST_CPU) && (v & RST_CPU) && rc->ops.reset) {
        enum vmp_reset_kind k = !(v & RST_SYS) ? VMP_RESET_INIT
                                : (v & RST_FULL) ? VMP_RESET_FULL
                                                 : VMP_RESET_HARD;
        rc->ops.reset(rc->ops.opaque, k);
    }
}

const struct vmp_io_ops vmp_reset_ctl_io_ops = {
    .read = rc_read,
    .write = rc_write,
    .max_size = 1,
};

struct vmp_reset_ctl *vmp_reset_ctl_create(const struct vmp_env *env,
                                           const struct vmp_reset_ops *ops)
{
    (void)env;
    struct vmp_reset_ctl *rc = calloc(1, sizeof *rc);
    if (rc && ops)
        rc->ops = *ops;
    return rc;
}

void vmp_reset_ctl_destroy(struct vmp_reset_ctl *rc) { free(rc); }
void vmp_reset_ctl_reset(struct vmp_reset_ctl *rc) { rc->reg = 0; }

int vmp_reset_ctl_attach(struct vmp_reset_ctl *rc, struct vmp_space *space, uint64_t base)
{
    return vmp_space_map(space, base, 1, &vmp_reset_ctl_io_ops, rc);
}

int vmp_reset_ctl_save(const struct vmp_reset_ctl *rc, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "reset-ctl", 1);
    vmp_state_put_u8(w, rc->reg);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_reset_ctl_load(struct vmp_reset_ctl *rc, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, "reset-ctl", 1, &version);
    if (err)
        return err;
    uint8_t reg = vmp_state_get_u8(r);
    if (reg & ~RST_MASK)
        vmp_state_fail(r, -EINVAL);
    err = vmp_state_close(r);
    if (err)
        return err;
    rc->reg = reg;
    return 0;
}
