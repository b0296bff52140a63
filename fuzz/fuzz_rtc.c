/* Fuzz the MC146818A RTC/CMOS: index/data port op streams with clock
 * steps and save/load round trips (fuzz_ops.h format, run by
 * timer_fuzz.h on a time-source clock). Inputs of odd length get the
 * 256-byte CMOS with the upper bank on 0x72/0x73. */
#include <stdlib.h>

#include "timer_fuzz.h"

struct ctx {
    struct vmp_rtc *rtc;
};

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    vmp_state_writer_init(&w);
    int err = vmp_rtc_save(c->rtc, &w);
    if (!err) {
        vmp_state_reader_init(&r, w.buf, w.len);
        err = vmp_rtc_load(c->rtc, &r);
    }
    vmp_state_writer_free(&w);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct timer_fuzz tf = { 0 };
    struct vmp_clock *clock = vmp_clock_create(timer_fuzz_source, &tf);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *line = vmp_irq_line_create("irq8");
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    struct vmp_rtc_config cfg = { .epoch = 1795557000LL, .extended = size & 1 };
    struct ctx c = { vmp_rtc_create(&env, vmp_irq_line_source(line), &cfg) };
    if (!clock || !pio || !line || !c.rtc)
        abort();
    vmp_rtc_attach(c.rtc, pio, VMP_RTC_PORT);
    struct fuzz_board b = {
        .pio = pio,
        .pio_win = { VMP_RTC_PORT },
        .n_pio_win = 1,
        .clock = clock,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    timer_fuzz_run(&b, &tf, &in);
    (void)vmp_rtc_get_time(c.rtc);
    vmp_rtc_destroy(c.rtc);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
