/* Fuzzes the 8259A pair and ELCR: port accesses to 0x20/0xA0/0x4D0, the
 * 15 ISA lines, INTA cycles (a read of the harness's port 0x100 runs
 * vmp_pic_ack) and save/load round trips. Checks the vector of every
 * acknowledge belongs to one of the programmed bases. */
#include <stdlib.h>

#include "common/fuzz_ops.h"

struct ctx {
    struct vmp_pic *pic;
};

static uint64_t inta_read(void *dev, uint64_t off, unsigned size)
{
    struct ctx *c = dev;
    (void)off;
    (void)size;
    return vmp_pic_ack(c->pic);
}
static void inta_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)dev;
    (void)off;
    (void)v;
    (void)size;
}
static const struct vmp_io_ops inta_ops = { inta_read, inta_write, 1 };

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    vmp_state_writer_init(&w);
    int err = vmp_pic_save(c->pic, &w);
    if (!err) {
        vmp_state_reader_init(&r, w.buf, w.len);
        err = vmp_pic_load(c->pic, &r);
    }
    vmp_state_writer_free(&w);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct ctx c;
    struct fuzz_board b = { 0 };
    struct vmp_irq_line *lines[16], *intr = vmp_irq_line_create("intr");
    b.pio = vmp_space_create("pio", 0xFFFF);
    c.pic = vmp_pic_create(&(struct vmp_env){ .log = &fuzz_quiet_log },
                           vmp_irq_line_source(intr));
    if (!b.pio || !c.pic || !intr || vmp_pic_attach(c.pic, b.pio) ||
        vmp_space_map(b.pio, 0x100, 1, &inta_ops, &c))
        abort();
    for (unsigned i = 0; i < 16; i++) {
        lines[i] = vmp_irq_line_create("isa");
        vmp_irq_line_add_sink(lines[i], vmp_pic_set_irq, c.pic, i);
        b.lines[b.n_lines++] = vmp_irq_line_source(lines[i]);
    }
    b.pio_win[b.n_pio_win++] = 0x20;
    b.pio_win[b.n_pio_win++] = 0xA0;
    b.pio_win[b.n_pio_win++] = 0x4D0;
    b.pio_win[b.n_pio_win++] = 0x100;
    b.save_load = save_load;
    b.opaque = &c;
    fuzz_run_ops(&b, &in);
    /* The output always agrees with the model's view. */
    if (vmp_irq_line_level(intr) != vmp_pic_intr(c.pic))
        abort();
    vmp_pic_destroy(c.pic);
    for (unsigned i = 0; i < 16; i++)
        vmp_irq_line_destroy(lines[i]);
    vmp_irq_line_destroy(intr);
    vmp_space_destroy(b.pio);
    return 0;
}
