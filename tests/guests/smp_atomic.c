/* Atomicity between vCPUs (SDM vol. 3A 8.1.2: LOCK-prefixed read-modify-
 * writes and XCHG with memory are atomic): the BSP and an AP started with
 * INIT/SIPI each add to shared counters N times with LOCK XADD, LOCK INC,
 * LOCK CMPXCHG in a retry loop, and a plain increment inside an XCHG spin
 * lock. Every increment must survive: the totals are exactly 2N. Under the
 * emulator backend this checks that its read-modify-writes are not torn
 * between vCPUs; under KVM that the guest really runs both vCPUs.
 * VMP_ARGS: --smp 2 */
#include "lib/apic.h"

#define TRAMP 0x70000u
#define N 5000u

static volatile uint32_t c_xadd, c_inc, c_cas, c_locked, lock_word;
static volatile unsigned ap_started, go, ap_done;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

static void work(void)
{
    for (uint32_t i = 0; i < N; i++) {
        uint32_t one = 1;
        __asm__ volatile("lock xaddl %0, %1" : "+r"(one), "+m"(c_xadd) : : "memory");
        __asm__ volatile("lock incl %0" : "+m"(c_inc) : : "memory");
        uint32_t old = c_cas, seen;
        for (;;) {
            __asm__ volatile("lock cmpxchgl %2, %1"
                             : "=a"(seen), "+m"(c_cas)
                             : "r"(old + 1), "0"(old)
                             : "memory");
            if (seen == old)
                break;
            old = seen;
        }
        uint32_t v = 1;
        do {
            __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(lock_word) : : "memory");
            if (v)
                pause();
        } while (v);
        c_locked = c_locked + 1;
        lock_word = 0;
    }
}

void ap_main(void)
{
    ap_started = 1;
    while (!go)
        pause();
    work();
    ap_done = 1;
    for (;;)
        hlt();
}

static void send_ipi(unsigned dest, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, dest << 24);
    lapic_write(LAPIC_ICR_LO, lo);
    for (unsigned i = 0; i < 100000 && (lapic_read(LAPIC_ICR_LO) & (1u << 12)); i++)
        pause();
}

static uint32_t pm_now(void) { return inl(PM_TMR); }

void test_main(void)
{
    lapic_enable();
    memcpy((void *)TRAMP, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    ap_stack_ptr = (uint32_t)(ap_stack + sizeof ap_stack);
    send_ipi(1, 0x4500); /* INIT */
    send_ipi(1, 0x4600 | (TRAMP >> 12)); /* SIPI */
    uint32_t t0 = pm_now();
    while (!ap_started && (uint32_t)(pm_now() - t0) < PM_HZ)
        pause();
    if (!ap_started) {
        send_ipi(1, 0x4600 | (TRAMP >> 12));
        t0 = pm_now();
        while (!ap_started && (uint32_t)(pm_now() - t0) < 2 * PM_HZ)
            pause();
    }
    check(ap_started, "smp-atomic-ap", "AP running");
    if (!ap_started)
        return;
    go = 1;
    work();
    t0 = pm_now();
    while (!ap_done && (uint32_t)(pm_now() - t0) < 20 * PM_HZ)
        pause();
    check(ap_done, "smp-atomic-ap-done", "AP finished its %u rounds", N);
    check(c_xadd == 2 * N, "smp-lock-xadd", "%u of %u", c_xadd, 2 * N);
    check(c_inc == 2 * N, "smp-lock-inc", "%u of %u", c_inc, 2 * N);
    check(c_cas == 2 * N, "smp-lock-cmpxchg", "%u of %u", c_cas, 2 * N);
    check(c_locked == 2 * N, "smp-xchg-spinlock", "%u of %u", c_locked, 2 * N);
}
