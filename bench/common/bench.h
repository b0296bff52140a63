/* Shared timing helpers for bench/ programs: they print numbers, they do
 * not assert them (the machines are shared and noisy). */
#ifndef VMP_BENCH_H
#define VMP_BENCH_H

#include <stdint.h>

uint64_t bench_now_ns(void);

/* Runs body(opaque, iters) `runs` times and returns the median ns per
 * iteration. body must do `iters` operations. */
double bench_median_ns(void (*body)(void *opaque, uint64_t iters), void *opaque,
                       uint64_t iters, unsigned runs);

/* Keeps a value alive so the compiler cannot drop the work. */
void bench_sink(uint64_t v);

/* Prints "name: value unit" in one stable format that tools can grep. */
void bench_report(const char *name, double value, const char *unit);

#endif
