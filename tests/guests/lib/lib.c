/* Guest runtime: COM1 output, a small printf, PASS/FAIL accounting, IDT. */
#include "guest.h"

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4

uint32_t mb_info_addr;
static unsigned nfail, npass;

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0x07); /* FIFO on, cleared */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void putc_serial(char c)
{
    if (c == '\n')
        putc_serial('\r');
    for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        pause();
    outb(COM1, (uint8_t)c);
}

struct out {
    char *buf;
    size_t n, len;
};

static void emit(struct out *o, char c)
{
    if (o->buf) {
        if (o->len + 1 < o->n)
            o->buf[o->len] = c;
    } else {
        putc_serial(c);
    }
    o->len++;
}

static void emit_num(struct out *o, uint64_t v, unsigned base, int width, char pad, bool neg)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    while (width-- > n)
        emit(o, pad);
    while (n)
        emit(o, tmp[--n]);
}

static void format(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            lng++, fmt++;
        switch (*fmt) {
        case 'd': {
            int64_t v = lng >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
            emit_num(o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = lng >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            emit_num(o, v, *fmt == 'u' ? 10 : 16, width, pad, false);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            for (; s && *s; s++)
                emit(o, *s);
            break;
        }
        case 'c':
            emit(o, (char)va_arg(ap, int));
            break;
        case '%':
            emit(o, '%');
            break;
        default:
            emit(o, '?');
            break;
        }
    }
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {buf, n, 0};
    format(&o, fmt, ap);
    if (n)
        buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int printf(const char *fmt, ...)
{
    struct out o = {0, 0, 0};
    va_list ap;
    va_start(ap, fmt);
    format(&o, fmt, ap);
    va_end(ap);
    return (int)o.len;
}

void check(bool ok, const char *name, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (ok) {
        npass++;
        printf("PASS: %s%s%s\n", name, why[0] ? ": " : "", why);
    } else {
        nfail++;
        printf("FAIL: %s: %s\n", name, why);
    }
}

void skip(const char *name, const char *why) { printf("SKIP: %s: %s\n", name, why); }

unsigned failures(void) { return nfail; }

void guest_exit_value(uint8_t v)
{
    cli();
    outb(DEBUG_EXIT, v);
    for (;;)
        hlt();
}

void guest_exit(void)
{
    if (npass == 0 && nfail == 0)
        printf("FAIL: no checks ran\n"), nfail = 1;
    printf("DONE: %u passed, %u failed\n", npass, nfail);
    guest_exit_value(nfail ? 1 : 0);
}

/* --- IDT --- */

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t zero, attr;
    uint16_t off_hi;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(8)));
static irq_handler handlers[256];
uint32_t isr_stub_addr(unsigned n);

void set_handler(unsigned vector, irq_handler h) { handlers[vector & 0xFF] = h; }

void isr_dispatch(struct irq_frame *f);
void isr_dispatch(struct irq_frame *f)
{
    irq_handler h = handlers[f->vector & 0xFF];
    if (h) {
        h(f);
        return;
    }
    printf("FAIL: unexpected vector %u, error 0x%x, at eip 0x%x\n", f->vector, f->error, f->eip);
    nfail++;
    guest_exit();
}

void idt_load(void);
void idt_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint32_t a = isr_stub_addr(i);
        idt[i] = (struct idt_entry){(uint16_t)a, 0x08, 0, 0x8E, (uint16_t)(a >> 16)};
    }
    idt_load();
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) d = {sizeof idt - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" ::"m"(d));
}

__attribute__((weak)) void ap_main(void)
{
    for (;;)
        hlt();
}

void guest_entry(uint32_t magic, uint32_t info);
void guest_entry(uint32_t magic, uint32_t info)
{
    serial_init();
    idt_init();
    mb_info_addr = info;
    if (magic != 0x2BADB002)
        printf("FAIL: multiboot magic 0x%x\n", magic), nfail++;
    test_main();
    guest_exit();
}

/* 64-bit division for a 32-bit freestanding build (no 32-bit libgcc on the
 * build host): shift-and-subtract. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0, r = 0;
    if (d == 0) {
        if (rem)
            *rem = 0;
        return ~0ull;
    }
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    if (rem)
        *rem = r;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }
uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}
int64_t __divdi3(int64_t n, int64_t d)
{
    uint64_t q = __udivmoddi4(n < 0 ? -(uint64_t)n : (uint64_t)n, d < 0 ? -(uint64_t)d : (uint64_t)d, 0);
    return ((n < 0) != (d < 0)) ? -(int64_t)q : (int64_t)q;
}
int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t r;
    __udivmoddi4(n < 0 ? -(uint64_t)n : (uint64_t)n, d < 0 ? -(uint64_t)d : (uint64_t)d, &r);
    return n < 0 ? -(int64_t)r : (int64_t)r;
}
