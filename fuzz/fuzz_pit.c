/* Fuzz the PIT 8254 and port 0x61: port op streams with clock steps and
 * save/load round trips (fuzz_ops.h format, run by timer_fuzz.h on a
 * time-source clock). Windows: 0 = 0x40..0x43, 1 = 0x61. */
#include <stdlib.h>

#include "timer_fuzz.h"

struct ctx {
    struct vmp_pit *pit;
};

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    vmp_state_writer_init(&w);
    int err = vmp_pit_save(c->pit, &w);
    if (!err) {
        vmp_state_reader_init(&r, w.buf, w.len);
        err = vmp_pit_load(c->pit, &r);
    }
    vmp_state_writer_free(&w);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct timer_fuzz tf = { 0 };
    struct vmp_clock *clock = vmp_clock_create(timer_fuzz_source, &tf);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *line = vmp_irq_line_create("irq0");
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    struct ctx c = { vmp_pit_create(&env, vmp_irq_line_source(line)) };
    if (!clock || !pio || !line || !c.pit)
        abort();
    vmp_pit_attach(c.pit, pio, VMP_PIT_PORT);
    vmp_pit_attach_port61(c.pit, pio, VMP_PIT_PORT61);
    struct fuzz_board b = {
        .pio = pio,
        .pio_win = { VMP_PIT_PORT, VMP_PIT_PORT61 },
        .n_pio_win = 2,
        .clock = clock,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    timer_fuzz_run(&b, &tf, &in);
    vmp_pit_destroy(c.pit);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
