/* Fuzzes the virtual clock: timers created, armed, re-armed, cancelled and
 * destroyed from inside and outside callbacks, with steps of any size.
 * Checks that time never goes backwards and callbacks see now == deadline
 * (manual clock, within the per-step budget). */
#include "common/fuzz_ops.h"

#define NT 8

struct ctx {
    struct vmp_clock *clock;
    struct vmp_timer *t[NT];
    uint64_t period[NT];
    struct fuzz_in *in;
    uint64_t last_now;
};

struct tref {
    struct ctx *c;
    unsigned i;
};

static void on_fire(void *o)
{
    struct tref *r = o;
    struct ctx *c = r->c;
    uint64_t now = vmp_clock_now(c->clock);
    if (now < c->last_now)
        __builtin_trap();
    c->last_now = now;
    /* Callbacks act on other timers as the input says. */
    uint8_t k = fuzz_u8(c->in);
    struct vmp_timer *other = c->t[k % NT];
    if (k & 0x80)
        vmp_timer_cancel(other);
    else if (k & 0x40)
        vmp_timer_arm(other, now + (k & 0x3F));
    if (c->period[r->i])
        vmp_timer_arm(c->t[r->i], now + c->period[r->i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct ctx c = { 0 };
    struct tref refs[NT];
    c.clock = vmp_clock_create(NULL, NULL);
    c.in = &in;
    for (unsigned i = 0; i < NT; i++) {
        refs[i] = (struct tref){ &c, i };
        c.t[i] = vmp_timer_create(c.clock, on_fire, &refs[i]);
    }
    for (unsigned ops = 0; !fuzz_done(&in) && ops < 1024; ops++) {
        uint8_t op = fuzz_u8(&in);
        unsigned i = op >> 4 & (NT - 1);
        switch (op & 7) {
        case 0: vmp_timer_arm(c.t[i], fuzz_u64(&in)); break;
        case 1: vmp_timer_arm_in(c.t[i], fuzz_u32(&in)); break;
        case 2: vmp_timer_cancel(c.t[i]); break;
        case 3: c.period[i] = fuzz_u16(&in) ? 100 + fuzz_u16(&in) : 0; break;
        case 4: vmp_clock_advance(c.clock, fuzz_u32(&in) & 0xFFFFFF); break;
        case 5: {
            uint64_t v = fuzz_u64(&in);
            unsigned shift = 40 + (fuzz_u8(&in) & 15);
            vmp_clock_set(c.clock, c.last_now + (v >> shift));
            break;
        }
        case 6: vmp_clock_run(c.clock); break;
        case 7: /* recreate a timer */
            vmp_timer_destroy(c.t[i]);
            c.t[i] = vmp_timer_create(c.clock, on_fire, &refs[i]);
            break;
        }
        if (vmp_clock_now(c.clock) < c.last_now)
            __builtin_trap();
        c.last_now = vmp_clock_now(c.clock);
    }
    vmp_clock_destroy(c.clock);
    return 0;
}
