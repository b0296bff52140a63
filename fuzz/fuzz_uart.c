/* Fuzz harness (models/serial/uart16550.c): one 16550A UART at 0x3F8 on
 * a port space, driven by the generic op stream. The op stream's "IRQ
 * lines" are the host side: line 0 offers a burst of bytes, line 1 a
 * break, lines 2-5 are the modem inputs CTS, DSR, RI, DCD. SAVE checks
 * that a saved state loads back and saves again to the same bytes, and
 * that a corrupted one is either a valid state or refused without
 * changing the UART. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/serial.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct host {
    struct vmp_uart *uart;
    uint8_t next;  /* next byte value offered */
    unsigned lines;
    unsigned tx;
};

static void on_tx(void *opaque, uint8_t b)
{
    struct host *h = opaque;
    h->tx += b;
}

static void on_rx_ready(void *opaque)
{
    struct host *h = opaque;
    uint8_t b = h->next;
    h->next += (uint8_t)vmp_uart_receive(h->uart, &b, 1);
}

static void host_pin(void *opaque, unsigned pin, bool level)
{
    struct host *h = opaque;
    static const unsigned modem[4] = { VMP_UART_CTS, VMP_UART_DSR, VMP_UART_RI,
                                       VMP_UART_DCD };
    if (pin == 0 && level) {
        uint8_t burst[20];
        for (unsigned i = 0; i < sizeof burst; i++)
            burst[i] = (uint8_t)(h->next + i);
        h->next += (uint8_t)vmp_uart_receive(h->uart, burst, 1 + h->next % sizeof burst);
    } else if (pin == 1 && level) {
        vmp_uart_receive_break(h->uart);
    } else if (pin >= 2 && pin < 6) {
        h->lines = level ? h->lines | modem[pin - 2] : h->lines & ~modem[pin - 2];
        vmp_uart_set_modem_inputs(h->uart, h->lines);
    }
}

/* Round trip, identical re-save, and a bit-flipped copy (chosen by the
 * run so far) that loads or leaves the UART untouched: fuzz_state.h. */
FUZZ_STATE_ADAPT(vmp_uart, struct vmp_uart)

static int save_load(void *opaque)
{
    struct host *h = opaque;
    return fuzz_state_check(h->uart, vmp_uart_save_any, vmp_uart_load_any,
                            (uint32_t)(h->tx + h->next) | (uint32_t)h->next << 29);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_board b;
    struct host h;
    struct vmp_irq_line *irq4 = vmp_irq_line_create("irq4");
    struct vmp_irq_line *hl[6];
    memset(&b, 0, sizeof b);
    memset(&h, 0, sizeof h);
    b.clock = vmp_clock_create(NULL, NULL);
    b.pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { .clock = b.clock, .log = &fuzz_quiet_log };
    struct vmp_uart_ops ops = { .tx = on_tx, .rx_ready = on_rx_ready, .opaque = &h };
    h.uart = vmp_uart_create(&env, vmp_irq_line_source(irq4), &ops);
    if (!b.clock || !b.pio || !irq4 || !h.uart || vmp_uart_attach(h.uart, b.pio, 0x3F8))
        abort();
    h.lines = VMP_UART_CTS | VMP_UART_DSR | VMP_UART_DCD;
    for (unsigned i = 0; i < 6; i++) {
        hl[i] = vmp_irq_line_create("host");
        vmp_irq_line_add_sink(hl[i], host_pin, &h, i);
        b.lines[b.n_lines++] = vmp_irq_line_source(hl[i]);
    }
    b.pio_win[b.n_pio_win++] = 0x3F8;
    b.save_load = save_load;
    b.opaque = &h;

    struct fuzz_in in = { data, size };
    fuzz_run_ops(&b, &in);

    if (vmp_uart_rx_room(h.uart) > VMP_UART_FIFO_SIZE)
        abort();
    vmp_uart_destroy(h.uart);
    for (unsigned i = 0; i < 6; i++)
        vmp_irq_line_destroy(hl[i]);
    vmp_irq_line_destroy(irq4);
    vmp_space_destroy(b.pio);
    vmp_clock_destroy(b.clock);
    return 0;
}
