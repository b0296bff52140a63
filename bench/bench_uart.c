/* 16550A UART register access cost through a port space: what one guest
 * IN/OUT costs in the library (dispatch + model), without any exit cost.
 * Prints the median of several runs, in ns per access. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vmparts/serial.h>

#define BASE 0x3F8
#define ITERS 2000000u
#define RUNS 7

static volatile unsigned sink;

static void on_tx(void *opaque, uint8_t b)
{
    (void)opaque;
    sink += b;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum kind { LSR_READ, IIR_READ, SCR_WRITE, THR_WRITE, RX_BYTE };
static const char *const names[] = {
    "LSR read", "IIR read", "SCR write", "THR write (tx callback)",
    "host byte in + RBR read",
};

static double run(struct vmp_space *pio, struct vmp_uart *u, enum kind k)
{
    uint64_t acc = 0;
    uint8_t b = 'x';
    double t0 = now_ns();
    for (unsigned i = 0; i < ITERS; i++) {
        switch (k) {
        case LSR_READ: acc += vmp_space_read(pio, BASE + 5, 1); break;
        case IIR_READ: acc += vmp_space_read(pio, BASE + 2, 1); break;
        case SCR_WRITE: vmp_space_write(pio, BASE + 7, i, 1); break;
        case THR_WRITE: vmp_space_write(pio, BASE, i, 1); break;
        case RX_BYTE:
            vmp_uart_receive(u, &b, 1);
            acc += vmp_space_read(pio, BASE, 1);
            break;
        }
    }
    double t1 = now_ns();
    sink += (unsigned)acc;
    return (t1 - t0) / ITERS;
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

    printf("bench_uart: ns per access through a port space, median of %d runs of %u\n",
           RUNS, ITERS);
    run(pio, u, LSR_READ); /* warm-up */
    for (unsigned k = 0; k <= RX_BYTE; k++) {
        double t[RUNS];
        for (int r = 0; r < RUNS; r++)
            t[r] = run(pio, u, (enum kind)k);
        qsort(t, RUNS, sizeof t[0], cmp);
        printf("  %-26s %7.2f ns\n", names[k], t[RUNS / 2]);
    }
    vmp_uart_destroy(u);
    vmp_irq_line_destroy(line);
    vmp_space_destroy(pio);
    vmp_clock_destroy(clock);
    return 0;
}
