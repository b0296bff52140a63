/* Fuzzes the 8259A pair and ELCR: port accesses to 0x20/0xA0/0x4D0, the
 * 15 ISA lines, INTA cycles (a read of the harness's port 0x100 runs
 * vmp_pic_ack) and save/load round trips. Checks the vector of every
 * acknowledge belongs to one of the programmed bases. */
#include <stdlib.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct ctx {
    struct vmp_pic *pic;
    uint32_t flip; /* which state bit the save/load check flips */
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

FUZZ_STATE_ADAPT(vmp_pic, struct vmp_pic)

/* Round trip, identical re-save and a bit-flipped copy (fuzz_state.h). */
static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u;
    return fuzz_state_check(c->pic, vmp_pic_save_any, vmp_pic_load_any, c->flip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct ctx c = { 0 };
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
