/* Fuzz the HPET: MMIO op streams (any size, any offset in the 1 KiB
 * block) with clock steps and save/load round trips (fuzz_ops.h, on a
 * host time source so late timers must catch up). Every output is wired: four
 * GSIs, both legacy lines and an MSI sink. Windows: 0 = base, 1 = timer
 * block, 2 = main counter. */
#include <stdlib.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct ctx {
    uint32_t flip;
    struct vmp_hpet *hpet;
    unsigned msis, legacy;
};

FUZZ_STATE_ADAPT(vmp_hpet, struct vmp_hpet)

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u; /* which bit the check flips */
    return fuzz_state_check(c->hpet, vmp_hpet_save_any, vmp_hpet_load_any, c->flip);
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
    uint64_t host_now = 0;
    struct vmp_clock *clock = vmp_clock_create(fuzz_host_time, &host_now);
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
        .host_now = &host_now,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    fuzz_run_ops(&b, &in);
    vmp_hpet_destroy(c.hpet);
    for (unsigned i = 0; i < 6; i++)
        vmp_irq_line_destroy(lines[i]);
    vmp_space_destroy(mmio);
    vmp_clock_destroy(clock);
    return 0;
}
