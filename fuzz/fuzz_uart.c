/* Fuzz harness: one 16550A UART at 0x3F8 on a port space, driven by the
 * generic op stream. The op stream's "IRQ lines" are the host side: line
 * 0 offers a burst of bytes, line 1 a break, lines 2-5 are the modem
 * inputs CTS, DSR, RI, DCD. SAVE checks that a saved state loads back and
 * saves again to the same bytes, and that a corrupted one is either a
 * valid state or refused without changing the UART. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/serial.h>

#include "common/fuzz_ops.h"

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

static int save_load(void *opaque)
{
    struct host *h = opaque;
    struct vmp_state_writer w1, w2;
    struct vmp_state_reader r;
    int err;
    vmp_state_writer_init(&w1);
    vmp_state_writer_init(&w2);
    err = vmp_uart_save(h->uart, &w1);
    if (!err) {
        vmp_state_reader_init(&r, w1.buf, w1.len);
        err = vmp_uart_load(h->uart, &r);
    }
    if (!err)
        err = vmp_uart_save(h->uart, &w2);
    if (!err && (w1.len != w2.len || memcmp(w1.buf, w2.buf, w1.len)))
        err = -EINVAL;
    /* A corrupted copy (one bit flipped, chosen by the run so far) either
     * loads (it was still a valid state) or leaves the UART untouched. */
    if (!err && w1.len) {
        size_t at = (h->tx + h->next) % w1.len;
        w1.buf[at] ^= (uint8_t)(1u << (h->next & 7));
        vmp_state_reader_init(&r, w1.buf, w1.len);
        if (vmp_uart_load(h->uart, &r) != 0) {
            struct vmp_state_writer w3;
            vmp_state_writer_init(&w3);
            err = vmp_uart_save(h->uart, &w3);
            if (!err && (w3.len != w2.len || memcmp(w3.buf, w2.buf, w2.len)))
                err = -EINVAL;
            vmp_state_writer_free(&w3);
        }
    }
    vmp_state_writer_free(&w1);
    vmp_state_writer_free(&w2);
    return err;
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
