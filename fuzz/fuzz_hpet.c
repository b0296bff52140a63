/* Fuzz the HPET: MMIO op streams (any size, any offset in the 1 KiB
 * block) with clock steps and save/load round trips (fuzz_ops.h format,
 * run by timer_fuzz.h on a time-source clock). Every output is wired: four
 * GSIs, both legacy lines and an MSI sink. Windows: 0 = base, 1 = timer
 * block, 2 = main counter. */
#include <stdlib.h>

#include "timer_fuzz.h"

struct ctx {
    struct vmp_hpet *hpet;
    unsigned msis, legacy;
};

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    vmp_state_writer_init(&w);
    int err = vmp_hpet_save(c->hpet, &w);
    if (!err) {
        vmp_state_reader_init(&r, w.buf, w.len);
        err = vmp_hpet_load(c->hpet, &r);
    }
    vmp_state_writer_free(&w);
    return err;
}

static void msi(void *opaque, uint64_t addr, uint32_t data)
{
    (void)addr;
    (void)data;
    ((struct ctx *)opaque)->msis++;
}

static void legacy(void *opaque, bool on)
{
    (void)on;
    ((struct ctx *)opaque)->legacy++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct timer_fuzz tf = { 0 };
    struct vmp_clock *clock = vmp_clock_create(timer_fuzz_source, &tf);
    struct vmp_space *mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_irq_line *lines[6];
    struct ctx c = { 0 };
    struct vmp_hpet_config cfg = { 0 };
    for (unsigned i = 0; i < 6; i++) {
        lines[i] = vmp_irq_line_create("hpet");
        if (!lines[i])
            abort();
    }
    cfg.gsi[16] = vmp_irq_line_source(lines[0]);
    cfg.gsi[17] = vmp_irq_line_source(lines[1]);
    cfg.gsi[20] = vmp_irq_line_source(lines[2]);
    cfg.gsi[23] = vmp_irq_line_source(lines[3]);
    cfg.legacy_irq0 = vmp_irq_line_source(lines[4]);
    cfg.legacy_irq8 = vmp_irq_line_source(lines[5]);
    cfg.msi.send = msi;
    cfg.msi.opaque = &c;
    cfg.legacy_changed = legacy;
    cfg.opaque = &c;
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    c.hpet = vmp_hpet_create(&env, &cfg);
    if (!clock || !mmio || !c.hpet)
        abort();
    vmp_hpet_attach(c.hpet, mmio, VMP_HPET_BASE);
    struct fuzz_board b = {
        .mmio = mmio,
        .mmio_win = { VMP_HPET_BASE, VMP_HPET_BASE + 0x100, VMP_HPET_BASE + 0xF0 },
        .n_mmio_win = 3,
        .clock = clock,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    timer_fuzz_run(&b, &tf, &in);
    vmp_hpet_destroy(c.hpet);
    for (unsigned i = 0; i < 6; i++)
        vmp_irq_line_destroy(lines[i]);
    vmp_space_destroy(mmio);
    vmp_clock_destroy(clock);
    return 0;
}
