/* Fuzz the PIT 8254 and port 0x61: port op streams with clock steps and
 * save/load round trips (fuzz_ops.h, on a host time source
 * so late timers must catch up). Windows: 0 = 0x40..0x43, 1 = 0x61. */
#include <stdlib.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct ctx {
    uint32_t flip;
    struct vmp_pit *pit;
};

FUZZ_STATE_ADAPT(vmp_pit, struct vmp_pit)

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u; /* which bit the check flips */
    return fuzz_state_check(c->pit, vmp_pit_save_any, vmp_pit_load_any, c->flip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t host_now = 0;
    struct vmp_clock *clock = vmp_clock_create(fuzz_host_time, &host_now);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *line = vmp_irq_line_create("irq0");
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    struct ctx c = { .pit = vmp_pit_create(&env, vmp_irq_line_source(line)) };
    if (!clock || !pio || !line || !c.pit)
        abort();
    vmp_pit_attach(c.pit, pio, VMP_PIT_PORT);
    vmp_pit_attach_port61(c.pit, pio, VMP_PIT_PORT61);
    struct fuzz_board b = {
        .pio = pio,
        .pio_win = { VMP_PIT_PORT, VMP_PIT_PORT61 },
        .n_pio_win = 2,
        .clock = clock,
        .host_now = &host_now,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    fuzz_run_ops(&b, &in);
    vmp_pit_destroy(c.pit);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
