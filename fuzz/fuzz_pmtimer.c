/* Fuzz the ACPI PM1 block, PM timer and GPE0: port op streams with clock
 * steps (fuzz_ops.h, on a host time source), power-button presses and GPE
 * events (IRQ op) and save/load round trips. */
#include <stdlib.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct ctx {
    uint32_t flip;
    struct vmp_pm *pm;
    unsigned offs;
};

static void power_off(void *opaque) { ((struct ctx *)opaque)->offs++; }

FUZZ_STATE_ADAPT(vmp_pm, struct vmp_pm)

static int save_load(void *opaque)
{
    struct ctx *c = opaque;
    c->flip = c->flip * 2654435761u + 12345u; /* which bit the check flips */
    return fuzz_state_check(c->pm, vmp_pm_save_any, vmp_pm_load_any, c->flip);
}

/* The IRQ op's line 0 stands for the power button, line 1 for a GPE. */
static void button_sink(void *opaque, unsigned pin, bool level)
{
    struct ctx *c = opaque;
    if (!level)
        return;
    if (pin == 0)
        vmp_pm_power_button(c->pm);
    else
        vmp_pm_gpe_raise(c->pm, pin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t host_now = 0;
    struct vmp_clock *clock = vmp_clock_create(fuzz_host_time, &host_now);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *sci = vmp_irq_line_create("sci");
    struct vmp_irq_line *btn = vmp_irq_line_create("button");
    struct vmp_irq_line *gpe = vmp_irq_line_create("gpe");
    struct vmp_env env = { clock, NULL, &fuzz_quiet_log };
    struct ctx c = { 0 };
    struct vmp_pm_config cfg = { .tmr_val_ext = size & 1, .power_off = power_off, .opaque = &c };
    c.pm = vmp_pm_create(&env, vmp_irq_line_source(sci), &cfg);
    if (!clock || !pio || !sci || !btn || !gpe || !c.pm)
        abort();
    vmp_pm_attach(c.pm, pio, VMP_PM_BASE);
    vmp_irq_line_add_sink(btn, button_sink, &c, 0);
    vmp_irq_line_add_sink(gpe, button_sink, &c, 9);
    struct fuzz_board b = {
        .pio = pio,
        .pio_win = { VMP_PM_BASE, VMP_PM_BASE + VMP_PM_TMR_OFF, VMP_PM_BASE + VMP_GPE0_OFF },
        .n_pio_win = 3,
        .clock = clock,
        .host_now = &host_now,
        .lines = { vmp_irq_line_source(btn), vmp_irq_line_source(gpe) },
        .n_lines = 2,
        .save_load = save_load,
        .opaque = &c,
    };
    struct fuzz_in in = { data, size };
    fuzz_run_ops(&b, &in);
    vmp_pm_destroy(c.pm);
    vmp_irq_line_destroy(gpe);
    vmp_irq_line_destroy(btn);
    vmp_irq_line_destroy(sci);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
