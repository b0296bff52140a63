/* Virtual time and timers.
 *
 * A clock reads nanoseconds from a host-supplied time source, or, in
 * manual mode (no source), holds a time that only vmp_clock_advance and
 * vmp_clock_set move: tests and fuzzers use it to be deterministic.
 *
 * Timers fire in deadline order; equal deadlines fire in the order they
 * were armed. A callback runs with vmp_clock_now() equal to its deadline
 * in manual mode (so periodic devices see exact times), and may arm,
 * re-arm or cancel any timer, including its own. */
#ifndef VMPARTS_CLOCK_H
#define VMPARTS_CLOCK_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_NS_PER_SEC 1000000000ull
#define VMP_TIME_NEVER UINT64_MAX

typedef uint64_t (*vmp_time_source_fn)(void *opaque); /* monotonic ns */
typedef void (*vmp_timer_fn)(void *opaque);

struct vmp_clock;
struct vmp_timer;

/* source NULL: manual clock starting at 0. */
struct vmp_clock *vmp_clock_create(vmp_time_source_fn source, void *opaque);
/* Timers still attached are freed too. */
void vmp_clock_destroy(struct vmp_clock *clock);
/* Virtual ns. Never goes backwards. */
uint64_t vmp_clock_now(const struct vmp_clock *clock);

/* Manual clocks: move time forward to now + ns (or to t), firing every
 * timer due on the way at its own deadline. Backwards moves are ignored.
 * -EPERM on a clock with a time source. One call fires at most 2^20
 * timers (a model re-arming at a tiny period cannot hang it); any still
 * due stay armed in the past and fire on the next call. */
int vmp_clock_advance(struct vmp_clock *clock, uint64_t ns);
int vmp_clock_set(struct vmp_clock *clock, uint64_t t);

/* Clocks with a source: fire every timer whose deadline has passed.
 * Returns how many fired. Works on manual clocks too (fires timers due at
 * the current time). A callback that keeps re-arming in the past is cut
 * off after a bounded number of firings per call, so this never hangs. */
unsigned vmp_clock_run(struct vmp_clock *clock);
/* Earliest armed deadline, or VMP_TIME_NEVER. */
uint64_t vmp_clock_next_deadline(const struct vmp_clock *clock);

struct vmp_timer *vmp_timer_create(struct vmp_clock *clock, vmp_timer_fn fn,
                                   void *opaque);
void vmp_timer_destroy(struct vmp_timer *timer); /* NULL is fine */
/* Arm (or re-arm) at an absolute virtual time. */
void vmp_timer_arm(struct vmp_timer *timer, uint64_t deadline);
void vmp_timer_arm_in(struct vmp_timer *timer, uint64_t ns); /* saturating */
void vmp_timer_cancel(struct vmp_timer *timer);
bool vmp_timer_armed(const struct vmp_timer *timer);
uint64_t vmp_timer_deadline(const struct vmp_timer *timer); /* NEVER if not armed */

/* Scale helpers: ticks of a hz-frequency counter elapsed in ns, and the ns
 * for a number of ticks, both exact (128-bit intermediate) and saturating. */
uint64_t vmp_ns_to_ticks(uint64_t ns, uint64_t hz);
uint64_t vmp_ticks_to_ns(uint64_t ticks, uint64_t hz);
/* The first ns at which ns_to_ticks(ns, hz) >= ticks (round up). */
uint64_t vmp_ticks_to_ns_ceil(uint64_t ticks, uint64_t hz);

#ifdef __cplusplus
}
#endif
#endif
