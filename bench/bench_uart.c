/* 16550A UART register access cost through a port space: what one guest
 * IN/OUT costs in the library (dispatch + model), without any exit cost.
 * Prints the median of several runs, in ns per access. */
#include <stdio.h>

#include <vmparts/serial.h>

#include "common/bench.h"

#define BASE 0x3F8
#define ITERS 2000000u
#define RUNS 7

static void on_tx(void *opaque, uint8_t b)
{
    (void)opaque;
    bench_sink(b);
}

struct ctx {
    struct vmp_space *pio;
    struct vmp_uart *u;
};

static void lsr_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, BASE + 5, 1);
    bench_sink(acc);
}

static void iir_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, BASE + 2, 1);
    bench_sink(acc);
}

static void scr_write(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++)
        vmp_space_write(c->pio, BASE + 7, i & 0xFF, 1);
}

static void thr_write(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++)
        vmp_space_write(c->pio, BASE, i & 0xFF, 1);
}

/* One byte in from the host and the guest's RBR read of it (arms and
 * re-arms the character timeout each time). */
static void rx_byte(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    uint8_t b = 'x';
    for (uint64_t i = 0; i < n; i++) {
        vmp_uart_receive(c->u, &b, 1);
        acc += vmp_space_read(c->pio, BASE, 1);
    }
    bench_sink(acc);
}

int main(void)
{
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *line = vmp_irq_line_create("irq4");
    struct vmp_env env = { .clock = clock };
    struct vmp_uart_ops ops = { .tx = on_tx };
    struct vmp_uart *u = vmp_uart_create(&env, vmp_irq_line_source(line), &ops);
    if (!u || vmp_uart_attach(u, pio, BASE)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    /* A driver's usual setup: 115200 8N1, FIFOs on, all interrupts. */
    vmp_space_write(pio, BASE + 3, 0x83, 1);
    vmp_space_write(pio, BASE + 0, 1, 1);
    vmp_space_write(pio, BASE + 1, 0, 1);
    vmp_space_write(pio, BASE + 3, 0x03, 1);
    vmp_space_write(pio, BASE + 2, 0xC7, 1);
    vmp_space_write(pio, BASE + 1, 0x0F, 1);
    vmp_space_write(pio, BASE + 4, 0x0B, 1);

    struct ctx c = { pio, u };
    bench_median_ns(lsr_read, &c, ITERS, 1); /* warm-up */
    bench_report("uart LSR read", bench_median_ns(lsr_read, &c, ITERS, RUNS), "ns/op");
    bench_report("uart IIR read", bench_median_ns(iir_read, &c, ITERS, RUNS), "ns/op");
    bench_report("uart SCR write", bench_median_ns(scr_write, &c, ITERS, RUNS), "ns/op");
    bench_report("uart THR write (tx callback)", bench_median_ns(thr_write, &c, ITERS, RUNS),
                 "ns/op");
    bench_report("uart host byte in + RBR read", bench_median_ns(rx_byte, &c, ITERS, RUNS),
                 "ns/op");
    vmp_uart_destroy(u);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
