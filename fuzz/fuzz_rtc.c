/* Fuzz the MC146818A RTC/CMOS: index/data port op streams with clock
 * steps and save/load round trips (fuzz_ops.h, on a host time
 * source so late timers must catch up). Inputs of odd length get the
 * 256-byte CMOS with the upper bank on 0x72/0x73. */
#include <stdlib.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct ctx {
    uint32_t flip;
    struct vmp_rtc *rtc;
};

FUZZ_STATE_ADAPT(vmp_rtc, struct vmp_rtc)

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u; /* which bit the check flips */
    return fuzz_state_check(c->rtc, vmp_rtc_save_any, vmp_rtc_load_any, c->flip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t host_now = 0;
    struct vmp_clock *clock = vmp_clock_create(fuzz_host_time, &host_now);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *line = vmp_irq_line_create("irq8");
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    struct vmp_rtc_config cfg = { .epoch = 1795557000LL, .extended = size & 1 };
    struct ctx c = { .rtc = vmp_rtc_create(&env, vmp_irq_line_source(line), &cfg) };
    if (!clock || !pio || !line || !c.rtc)
        abort();
    vmp_rtc_attach(c.rtc, pio, VMP_RTC_PORT);
    struct fuzz_board b = {
        .pio = pio,
        .pio_win = { VMP_RTC_PORT },
        .n_pio_win = 1,
        .clock = clock,
        .host_now = &host_now,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    fuzz_run_ops(&b, &in);
    (void)vmp_rtc_get_time(c.rtc);
    vmp_rtc_destroy(c.rtc);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
