/* ns -> ticks of a counter at hz, exactly floor(ns * hz / 1e9) like
 * vmp_ns_to_ticks, but with 64-bit divisions by constants (which compile
 * to multiplies) instead of a 128-bit division: counter reads are the hot
 * path of every timer. Needs hz < 2^64 / 1e9 (all our clocks are). */
#ifndef VMP_TIMER_TICKS_H
#define VMP_TIMER_TICKS_H

#include <stdint.h>

static inline uint64_t tmr_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    uint64_t q = ns / 1000000000u, r = ns % 1000000000u;
    return q * hz + r * hz / 1000000000u;
}

#endif
