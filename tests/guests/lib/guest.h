/* Runtime for the guest test kernels (32-bit protected mode, no paging,
 * Multiboot). Output goes to COM1 (0x3F8); results are "PASS: name" and
 * "FAIL: name: why" lines, and guest_exit() reports through the debug-exit
 * port 0xF4 (0 = every check passed, so vmp exits with status 1). */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t mmio_read32(uint32_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t mmio_read64(uint32_t a) { return *(volatile uint64_t *)a; }
static inline void mmio_write64(uint32_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* sti; hlt as one pair: an interrupt arriving after sti wakes the hlt. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

void serial_init(void);
void putc_serial(char c);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record a check: prints PASS/FAIL and counts failures. */
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void skip(const char *name, const char *why);
unsigned failures(void);
/* End the test: debug exit with failures() != 0. */
void guest_exit(void) __attribute__((noreturn));
void guest_exit_value(uint8_t v) __attribute__((noreturn));

/* Interrupts: vector handlers run with interrupts off; the runtime
 * installs an IDT whose unhandled exceptions fail the test. */
struct irq_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
};
typedef void (*irq_handler)(struct irq_frame *f);
void idt_init(void);
void set_handler(unsigned vector, irq_handler h);

/* The multiboot info pointer passed at boot. */
extern uint32_t mb_info_addr;

/* The test's body: return to end (guest_exit is called after). */
void test_main(void);
/* For SMP tests: what an AP runs (weak default: halt). */
void ap_main(void);
extern uint32_t ap_stack_ptr;
extern char ap_tramp_start[], ap_tramp_end[];

/* Busy-wait helpers on the TSC (rate from CPUID 0x15/0x16 is not always
 * there, so tests measure against a device instead). */
static inline void spin(unsigned n) { for (volatile unsigned i = 0; i < n; i++) pause(); }

#endif
