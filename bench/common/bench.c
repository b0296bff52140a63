#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static volatile uint64_t sink;
void bench_sink(uint64_t v) { sink += v; }

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median_ns(void (*body)(void *, uint64_t), void *opaque, uint64_t iters,
                       unsigned runs)
{
    double v[64];
    if (runs > 64)
        runs = 64;
    if (!runs)
        runs = 1;
    body(opaque, iters / 10 + 1); /* warm up caches and branch predictors */
    for (unsigned i = 0; i < runs; i++) {
        uint64_t t0 = bench_now_ns();
        body(opaque, iters);
        v[i] = (double)(bench_now_ns() - t0) / (double)iters;
    }
    qsort(v, runs, sizeof v[0], cmp_double);
    return v[runs / 2];
}

void bench_report(const char *name, double value, const char *unit)
{
    printf("%-48s %10.2f %s\n", name, value, unit);
}
