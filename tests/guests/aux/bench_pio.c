/* Port-write round trips for bench/bench_pio: N 32-bit writes to the test
 * device's data register (port 0xE0, a device model in vmp and, with
 * -device pc-testdev, in QEMU), N from the command line, timed with the
 * TSC in the guest. Prints "bench_pio: n=N cycles=C" on COM1 and ends with
 * debug exit 0. */
#include "../lib/guest.h"

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    const char *s = (mbi[0] & 4) ? (const char *)mbi[4] : "";
    /* QEMU passes the kernel path first: take the last number. */
    unsigned n = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            n = n * 10 + (unsigned)(*s - '0');
        else
            n = 0;
    }
    outl(0xE0, 0); /* first touch outside the timed loop */
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < n; i++)
        outl(0xE0, i);
    uint64_t t1 = rdtsc();
    printf("bench_pio: n=%u cycles=%llu\n", n, (unsigned long long)(t1 - t0));
    guest_exit_value(inl(0xE0) == (n ? n - 1 : 0) ? 0 : 1);
}
