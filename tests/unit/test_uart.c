/* 16550A UART. Comments cite the National PC16550D datasheet (June 1995)
 * by register description, the Interrupt Control Functions table ("ICF"),
 * the UART reset configuration table and "FIFO Interrupt Mode Operation"
 * ("FIFO int mode"). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <vmparts/serial.h>

#include "helpers.h"

#define BASE 0x3F8
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

struct rig {
    struct vmp_clock *clock;
    struct vmp_space *pio;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    struct vmp_uart *u;
    uint8_t tx[64];
    unsigned ntx;      /* bytes seen by the tx callback */
    unsigned rx_ready; /* rx_ready callbacks */
};

static struct rig R;

static void on_tx(void *opaque, uint8_t b)
{
    struct rig *r = opaque;
    if (r->ntx < sizeof r->tx)
        r->tx[r->ntx] = b;
    r->ntx++;
}

static void on_rx_ready(void *opaque)
{
    ((struct rig *)opaque)->rx_ready++;
}

static void setup(void)
{
    memset(&R, 0, sizeof R);
    R.clock = vmp_clock_create(NULL, NULL);
    R.pio = vmp_space_create("pio", 0xFFFF);
    R.line = vmp_irq_line_create("irq4");
    vmp_irq_line_add_sink(R.line, test_irq_sink_fn, &R.sink, 4);
    struct vmp_env env = { .clock = R.clock };
    struct vmp_uart_ops ops = { .tx = on_tx, .rx_ready = on_rx_ready, .opaque = &R };
    R.u = vmp_uart_create(&env, vmp_irq_line_source(R.line), &ops);
    ck_assert_ptr_nonnull(R.u);
    ck_assert_int_eq(vmp_uart_attach(R.u, R.pio, BASE), 0);
}

static void teardown(void)
{
    vmp_uart_destroy(R.u);
    vmp_irq_line_destroy(R.line);
    vmp_space_destroy(R.pio);
    vmp_clock_destroy(R.clock);
}

static uint8_t rd(unsigned reg) { return (uint8_t)vmp_space_read(R.pio, BASE + reg, 1); }
static void wr(unsigned reg, uint8_t v) { vmp_space_write(R.pio, BASE + reg, v, 1); }
static bool irq(void) { return vmp_irq_line_level(R.line); }
static void host(const char *s) { ck_assert_uint_eq(vmp_uart_receive(R.u, (const uint8_t *)s, strlen(s)), strlen(s)); }

/* 115200 8N1: 10 bits of 16 clocks at 1.8432 MHz = 86805.6 ns, rounded up
 * to 86806 ns per character; the timeout is 4 characters. */
#define CT_115200_8N1 86806ull

START_TEST(reset_values)
{
    /* Reset configuration table, Master Reset: IER 0, IIR 01, LCR 0, MCR 0, LSR 60,
     * MSR deltas 0 with the inputs in 7:4 (default CTS, DSR, DCD). */
    ck_assert_uint_eq(rd(IER), 0x00);
    ck_assert_uint_eq(rd(IIR), 0x01);
    ck_assert_uint_eq(rd(LCR), 0x00);
    ck_assert_uint_eq(rd(MCR), 0x00);
    ck_assert_uint_eq(rd(LSR), 0x60);
    ck_assert_uint_eq(rd(MSR), 0xB0);
    ck_assert(!irq());
}
END_TEST

START_TEST(divisor_latch_and_scratch)
{
    /* LCR bit 7 (DLAB) switches offsets 0 and 1 to DLL/DLM. */
    wr(LCR, 0x83);
    wr(DLL, 0x34);
    wr(DLM, 0x12);
    ck_assert_uint_eq(rd(DLL), 0x34);
    ck_assert_uint_eq(rd(DLM), 0x12);
    wr(LCR, 0x03);
    ck_assert_uint_eq(rd(IER), 0x00); /* IER untouched by the DLM write */
    wr(IER, 0xFF);
    ck_assert_uint_eq(rd(IER), 0x0F); /* IER bits 7:4 are always 0 */
    wr(LCR, 0x83);
    ck_assert_uint_eq(rd(DLM), 0x12);
    ck_assert_uint_eq(rd(LCR), 0x83);
    /* Scratchpad register */
    wr(SCR, 0xA5);
    ck_assert_uint_eq(rd(SCR), 0xA5);
    /* MCR bits 7:5 are always 0 */
    wr(MCR, 0xFF);
    ck_assert_uint_eq(rd(MCR), 0x1F);
    /* 16-bit accesses are split into consecutive registers. */
    wr(LCR, 0x80);
    vmp_space_write(R.pio, BASE, 0xBEEF, 2);
    ck_assert_uint_eq(rd(DLL), 0xEF);
    ck_assert_uint_eq(rd(DLM), 0xBE);
    ck_assert_uint_eq(vmp_space_read(R.pio, BASE, 2), 0xBEEF);
}
END_TEST

START_TEST(fifo_bits_in_iir)
{
    /* IIR bits 7:6 are set when FCR0 = 1. */
    wr(FCR, 0x01);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    wr(FCR, 0x00);
    ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

/* FCR bits 7:6: RX trigger 1, 4, 8, 14; ICF: RDA (IIR 0x04, 0xC4 in
 * FIFO mode) is set at the trigger level and reset when the FIFO drops
 * below it. */
START_TEST(rda_trigger_levels)
{
    static const uint8_t bits[4] = { 0x00, 0x40, 0x80, 0xC0 };
    static const unsigned level[4] = { 1, 4, 8, 14 };
    unsigned i = (unsigned)_i;
    wr(MCR, 0x08); /* OUT2: IRQ to the board */
    wr(IER, 0x01);
    wr(FCR, (uint8_t)(bits[i] | 0x07));
    for (unsigned n = 0; n + 1 < level[i]; n++) {
        uint8_t b = (uint8_t)('a' + n);
        ck_assert_uint_eq(vmp_uart_receive(R.u, &b, 1), 1);
        ck_assert_uint_eq(rd(IIR), 0xC1);
        ck_assert(!irq());
    }
    uint8_t b = 'z';
    ck_assert_uint_eq(vmp_uart_receive(R.u, &b, 1), 1);
    ck_assert_uint_eq(rd(IIR), 0xC4);
    ck_assert(irq());
    ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
    ck_assert_uint_eq(rd(RBR), level[i] == 1 ? 'z' : 'a');
    ck_assert_uint_eq(rd(IIR), 0xC1); /* one below the trigger */
    ck_assert(!irq());
}
END_TEST

START_TEST(rda_16450_mode)
{
    /* 16450 mode: one holding register; RDA is IIR 0x04 without the FIFO
     * bits, and the host can hand over only one byte at a time. */
    wr(MCR, 0x08);
    wr(IER, 0x01);
    ck_assert_uint_eq(vmp_uart_rx_room(R.u), 1);
    ck_assert_uint_eq(vmp_uart_receive(R.u, (const uint8_t *)"xy", 2), 1);
    ck_assert_uint_eq(rd(IIR), 0x04);
    ck_assert(irq());
    ck_assert_uint_eq(rd(LSR), 0x61);
    ck_assert_uint_eq(rd(RBR), 'x');
    ck_assert_uint_eq(rd(IIR), 0x01);
    ck_assert_uint_eq(rd(LSR), 0x60);
    /* No timeout interrupt outside FIFO mode (FIFO int mode). */
    host("q");
    wr(IER, 0x01);
    vmp_clock_advance(R.clock, 1000000000);
    ck_assert_uint_eq(rd(IIR), 0x04);
}
END_TEST

static void set_115200_8n1(void)
{
    wr(LCR, 0x80);
    wr(DLL, 1);
    wr(DLM, 0);
    wr(LCR, 0x03);
}

START_TEST(char_timeout)
{
    /* FIFO int mode: a timeout interrupt (IIR 0xCC) occurs when the RX FIFO holds
     * data, no byte went in or out for 4 character times, and ERBFI is
     * set. It is cleared by reading a byte, which restarts the timer. */
    set_115200_8n1();
    wr(MCR, 0x08);
    wr(IER, 0x01);
    wr(FCR, 0xC7); /* trigger 14 */
    host("abc");
    ck_assert_uint_eq(rd(IIR), 0xC1);
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1 - 1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    ck_assert(!irq());
    vmp_clock_advance(R.clock, 1);
    ck_assert_uint_eq(rd(IIR), 0xCC);
    ck_assert(irq());
    /* A new byte does not clear a pending timeout (FIFO int mode,
     * timeout items C and D) ... */
    host("d");
    ck_assert_uint_eq(rd(IIR), 0xCC);
    /* ... reading one does, and restarts the timer. */
    ck_assert_uint_eq(rd(RBR), 'a');
    ck_assert_uint_eq(rd(IIR), 0xC1);
    ck_assert(!irq());
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1 - 10);
    host("e"); /* activity before the timeout restarts it */
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1 - 1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    vmp_clock_advance(R.clock, 1);
    ck_assert_uint_eq(rd(IIR), 0xCC);
    /* Emptying the FIFO ends it for good. */
    for (int i = 0; i < 4; i++)
        rd(RBR);
    ck_assert_uint_eq(rd(LSR) & 1, 0);
    vmp_clock_advance(R.clock, 100 * CT_115200_8N1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
}
END_TEST

START_TEST(char_time_from_lcr)
{
    /* LCR: 7 data bits, parity, 2 stop bits = 11 bits per character; at
     * divisor 12 (9600 baud) 11 * 16 * 12 / 1.8432 MHz = 1145833.3 ns. */
    wr(MCR, 0x08);
    wr(IER, 0x01);
    wr(FCR, 0xC1);
    wr(LCR, 0x80);
    wr(DLL, 12);
    wr(DLM, 0);
    wr(LCR, 0x0E);
    host("x");
    vmp_clock_advance(R.clock, 4 * 1145834ull - 1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    vmp_clock_advance(R.clock, 1);
    ck_assert_uint_eq(rd(IIR), 0xCC);
    rd(RBR);
    /* 5 data bits with STB: 1.5 stop bits, 7.5 bits; divisor 1:
     * 7.5 * 16 / 1.8432 MHz = 65104.2 ns. */
    wr(LCR, 0x80);
    wr(DLL, 1);
    wr(LCR, 0x04);
    host("y");
    vmp_clock_advance(R.clock, 4 * 65105ull - 1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    vmp_clock_advance(R.clock, 1);
    ck_assert_uint_eq(rd(IIR), 0xCC);
    /* 5-bit words: the receiver holds only the low 5 bits (LCR bits 1:0). */
    ck_assert_uint_eq(rd(RBR), 'y');
    wr(MCR, 0x18);
    wr(THR, 0xFF);
    ck_assert_uint_eq(rd(RBR), 0x1F);
}
END_TEST

START_TEST(rls_overrun_loopback)
{
    /* LSR bit 1: in FIFO mode an overrun happens when the FIFO is full and
     * another byte completes; that byte is lost. RLS is IIR 0xC6 and
     * outranks RDA; an LSR read clears it (ICF). */
    wr(LCR, 0x03); /* 8-bit words */
    wr(FCR, 0x07);
    wr(IER, 0x05);
    wr(MCR, 0x18); /* loopback + OUT2 */
    for (int i = 0; i < 17; i++)
        wr(THR, (uint8_t)('A' + i));
    ck_assert_uint_eq(R.ntx, 0); /* loopback: nothing to the host */
    ck_assert_uint_eq(rd(IIR), 0xC6);
    ck_assert(irq());
    ck_assert_uint_eq(rd(LSR), 0x63);
    ck_assert_uint_eq(rd(IIR), 0xC4);
    ck_assert_uint_eq(rd(LSR), 0x61);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(rd(RBR), 'A' + i); /* the 17th was lost */
    ck_assert_uint_eq(rd(LSR), 0x60);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    ck_assert(!irq());
}
END_TEST

START_TEST(rls_overrun_16450)
{
    /* 16450 mode: the new byte overwrites the unread one (LSR bit 1). */
    wr(LCR, 0x03);
    wr(IER, 0x04);
    wr(MCR, 0x18);
    wr(THR, '1');
    wr(THR, '2');
    ck_assert_uint_eq(rd(IIR), 0x06);
    ck_assert_uint_eq(rd(LSR), 0x63);
    ck_assert_uint_eq(rd(IIR), 0x01);
    ck_assert_uint_eq(rd(RBR), '2');
}
END_TEST

START_TEST(rls_break_in_fifo)
{
    /* LSR bit 4 and bit 7: a break loads one 0 byte flagged BI; the error
     * shows in LSR when that byte reaches the top of the FIFO, bit 7 as
     * long as an errored byte is in the FIFO. */
    wr(FCR, 0x01);
    wr(IER, 0x04);
    wr(MCR, 0x08);
    host("a");
    ck_assert_uint_eq(vmp_uart_receive_break(R.u), 1);
    ck_assert_uint_eq(rd(IIR), 0xC1); /* not at the top yet */
    ck_assert_uint_eq(rd(LSR), 0xE1);
    ck_assert_uint_eq(rd(RBR), 'a');
    ck_assert_uint_eq(rd(IIR), 0xC6);
    ck_assert(irq());
    ck_assert_uint_eq(rd(LSR), 0xF1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    ck_assert_uint_eq(rd(LSR), 0x61); /* reported once; bit 7 clears */
    ck_assert_uint_eq(rd(RBR), 0x00);
    ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(thre_interrupt)
{
    wr(MCR, 0x08);
    /* Enabling ETBEI with THR empty raises THRE (IIR 0x02). */
    wr(IER, 0x02);
    ck_assert(irq());
    ck_assert_uint_eq(rd(IIR), 0x02);
    /* ICF: reading IIR when THRE is the source clears it. */
    ck_assert_uint_eq(rd(IIR), 0x01);
    ck_assert(!irq());
    /* Writing THR: the byte leaves at once, THR empties, THRE again. */
    wr(THR, 'h');
    ck_assert_uint_eq(R.ntx, 1);
    ck_assert_uint_eq(R.tx[0], 'h');
    ck_assert(irq());
    ck_assert_uint_eq(rd(LSR), 0x60); /* THRE and TEMT: sent */
    ck_assert_uint_eq(rd(IIR), 0x02);
    ck_assert_uint_eq(rd(IIR), 0x01);
    /* Re-enabling ETBEI re-raises it; writing IER with ETBEI already set
     * does not. */
    wr(IER, 0x02);
    ck_assert_uint_eq(rd(IIR), 0x01);
    wr(IER, 0x00);
    wr(IER, 0x02);
    ck_assert_uint_eq(rd(IIR), 0x02);
    /* An IIR read reporting a higher source leaves THRE pending. */
    wr(THR, 'j');
    wr(IER, 0x03);
    host("r");
    ck_assert_uint_eq(rd(IIR), 0x04);
    ck_assert_uint_eq(rd(RBR), 'r');
    ck_assert_uint_eq(rd(IIR), 0x02);
    ck_assert_uint_eq(rd(IIR), 0x01);
    /* FIFO mode: the same source with bits 7:6. */
    wr(FCR, 0x01);
    wr(THR, 'i');
    ck_assert_uint_eq(rd(IIR), 0xC2);
    ck_assert_uint_eq(rd(IIR), 0xC1);
}
END_TEST

START_TEST(msr_loopback_mapping)
{
    /* MCR bit 4: in loopback DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD;
     * MSR: delta bits on change, TERI when RI goes off; cleared by an MSR
     * read. Modem status interrupt is IIR 0x00 (ICF). */
    wr(IER, 0x08);
    wr(MCR, 0x10); /* loop: inputs CTS, DSR, DCD drop */
    ck_assert_uint_eq(rd(IIR), 0x00);
    ck_assert(!irq()); /* OUT2 clear: not driven to the board */
    ck_assert_uint_eq(rd(MSR), 0x0B);
    ck_assert_uint_eq(rd(IIR), 0x01);
    wr(MCR, 0x11);
    ck_assert_uint_eq(rd(MSR), 0x22);
    wr(MCR, 0x12);
    ck_assert_uint_eq(rd(MSR), 0x13);
    wr(MCR, 0x14);
    ck_assert_uint_eq(rd(MSR), 0x41); /* RI rising: no TERI */
    wr(MCR, 0x10);
    ck_assert_uint_eq(rd(MSR), 0x04); /* RI falling: TERI */
    wr(MCR, 0x18);
    ck_assert_uint_eq(rd(IIR), 0x00);
    ck_assert(irq());
    ck_assert_uint_eq(rd(MSR), 0x88);
    ck_assert(!irq());
    ck_assert_uint_eq(vmp_uart_modem_outputs(R.u), 0); /* forced inactive */
    wr(MCR, 0x0B);
    ck_assert_uint_eq(vmp_uart_modem_outputs(R.u), 0x0B);
}
END_TEST

START_TEST(msr_host_inputs)
{
    wr(IER, 0x08);
    wr(MCR, 0x08);
    vmp_uart_set_modem_inputs(R.u, VMP_UART_CTS | VMP_UART_RI);
    ck_assert_uint_eq(rd(IIR), 0x00);
    ck_assert_uint_eq(rd(MSR), 0x5A); /* CTS RI | DDCD DDSR */
    vmp_uart_set_modem_inputs(R.u, VMP_UART_CTS);
    ck_assert_uint_eq(rd(MSR), 0x14);
    ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(iir_priority_order)
{
    /* ICF priorities: RLS > RDA > CTI > THRE > MSR, each acknowledged
     * in turn by its own reset action. */
    set_115200_8n1();
    wr(FCR, 0x07); /* trigger 1 */
    wr(MCR, 0x18); /* loop + OUT2: MSR deltas from the loop switch */
    for (int i = 0; i < 17; i++)
        wr(THR, (uint8_t)i);
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1); /* timeout pending */
    wr(IER, 0x0F); /* THRE raised */
    ck_assert_uint_eq(rd(IIR), 0xC6);
    rd(LSR);
    ck_assert_uint_eq(rd(IIR), 0xC4);
    wr(FCR, 0xC1); /* trigger 14, no reset: 16 bytes still above it */
    ck_assert_uint_eq(rd(IIR), 0xC4);
    wr(FCR, 0x01);
    /* Reading clears a timeout, so to see CTI under RDA: read down to 13
     * bytes, let the timeout come, then raise the trigger above the count. */
    for (int i = 0; i < 3; i++)
        rd(RBR);
    ck_assert_uint_eq(rd(IIR), 0xC4);
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1);
    ck_assert_uint_eq(rd(IIR), 0xC4); /* RDA outranks the timeout */
    wr(FCR, 0xC1); /* 13 bytes < 14: RDA goes, CTI shows */
    ck_assert_uint_eq(rd(IIR), 0xCC);
    rd(RBR);
    ck_assert_uint_eq(rd(IIR), 0xC2);
    ck_assert_uint_eq(rd(IIR), 0xC0);
    ck_assert(irq());
    rd(MSR);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    ck_assert(!irq());
}
END_TEST

START_TEST(out2_gates_irq)
{
    /* PC boards enable the UART's ISA IRQ driver with OUT2 (MCR bit 3). */
    wr(IER, 0x02);
    ck_assert_uint_eq(rd(IIR), 0x02);
    wr(IER, 0x00);
    wr(IER, 0x02);
    ck_assert(!irq());
    wr(MCR, 0x08);
    ck_assert(irq());
    ck_assert_uint_eq(R.sink.rises, 1);
    wr(MCR, 0x00);
    ck_assert(!irq());
    wr(MCR, 0x18); /* the gate follows the register bit in loopback too */
    ck_assert(irq());
}
END_TEST

START_TEST(loopback_data_path)
{
    wr(LCR, 0x03);
    wr(FCR, 0x01);
    wr(MCR, 0x10);
    ck_assert_uint_eq(vmp_uart_rx_room(R.u), 0);
    ck_assert_uint_eq(vmp_uart_receive(R.u, (const uint8_t *)"h", 1), 0);
    wr(THR, 'L');
    ck_assert_uint_eq(R.ntx, 0);
    ck_assert_uint_eq(rd(LSR), 0x61);
    ck_assert_uint_eq(rd(RBR), 'L');
    /* Leaving loopback reconnects the input and owes the host a call. */
    ck_assert_uint_eq(R.rx_ready, 0);
    wr(MCR, 0x00);
    ck_assert_uint_eq(R.rx_ready, 1);
    ck_assert_uint_eq(vmp_uart_rx_room(R.u), 16);
    wr(LCR, 0x00); /* 5-bit words: the host still gets the whole byte */
    wr(THR, 'W');
    ck_assert_uint_eq(R.ntx, 1);
    ck_assert_uint_eq(R.tx[0], 'W');
    ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(fifo_reset_and_mode_change)
{
    /* FCR: FCR1 clears the RX FIFO; changing FCR0 clears both FIFOs; with
     * FCR0 = 0 the other bits are not programmed. */
    wr(FCR, 0x01);
    host("abcd");
    wr(FCR, 0x03);
    ck_assert_uint_eq(rd(LSR), 0x60);
    host("ef");
    wr(FCR, 0x41); /* trigger change only: data kept */
    ck_assert_uint_eq(rd(LSR), 0x61);
    wr(FCR, 0xC0); /* FCR0 = 0: back to 16450 mode, FIFO cleared */
    ck_assert_uint_eq(rd(LSR), 0x60);
    ck_assert_uint_eq(rd(IIR), 0x01);
    host("g");
    wr(FCR, 0x01); /* entering FIFO mode clears too */
    ck_assert_uint_eq(rd(LSR), 0x60);
    wr(IER, 0x01);
    host("h"); /* trigger back to 1: the 0xC0 bits were not programmed */
    ck_assert_uint_eq(rd(IIR), 0xC4);
}
END_TEST

START_TEST(master_reset)
{
    wr(LCR, 0x80);
    wr(DLL, 3);
    wr(LCR, 0x1B);
    wr(SCR, 0x5A);
    wr(IER, 0x0F);
    wr(MCR, 0x1F);
    wr(FCR, 0x07);
    wr(THR, 1);
    ck_assert(irq());
    vmp_uart_reset(R.u);
    ck_assert(!irq());
    ck_assert_uint_eq(rd(IER), 0);
    ck_assert_uint_eq(rd(IIR), 0x01);
    ck_assert_uint_eq(rd(LCR), 0);
    ck_assert_uint_eq(rd(MCR), 0);
    ck_assert_uint_eq(rd(LSR), 0x60);
    ck_assert_uint_eq(rd(MSR), 0xB0);
    ck_assert_uint_eq(rd(SCR), 0x5A); /* not in the reset table */
    wr(LCR, 0x80);
    ck_assert_uint_eq(rd(DLL), 3);
}
END_TEST

START_TEST(host_flow_control)
{
    /* The FIFO is the only receive buffer: a host offering more gets a
     * short count, and one rx_ready call once there is room again. */
    uint8_t big[100];
    memset(big, 'm', sizeof big);
    wr(FCR, 0x01);
    ck_assert_uint_eq(vmp_uart_receive(R.u, big, sizeof big), 16);
    ck_assert_uint_eq(vmp_uart_receive(R.u, big, sizeof big), 0);
    ck_assert_uint_eq(vmp_uart_receive_break(R.u), 0);
    ck_assert_uint_eq(R.rx_ready, 0);
    rd(RBR);
    ck_assert_uint_eq(R.rx_ready, 1);
    ck_assert_uint_eq(vmp_uart_rx_room(R.u), 1);
    rd(RBR);
    ck_assert_uint_eq(R.rx_ready, 1); /* once per refusal */
    ck_assert_uint_eq(vmp_uart_receive(R.u, big, 1), 1);
    ck_assert_uint_eq(R.rx_ready, 1);
}
END_TEST

START_TEST(bounded_memory)
{
    /* Regression: no output or input is ever queued in the UART, however
     * much the guest writes or the host offers. Every THR byte reaches the
     * callback during its own write; the host gets a short count; the heap
     * does not grow. */
    static uint8_t big[1 << 20];
    memset(big, 0x55, sizeof big);
    struct mallinfo2 before = mallinfo2();
    wr(FCR, 0x01);
    for (unsigned i = 0; i < 200000; i++) {
        unsigned n = R.ntx;
        wr(THR, (uint8_t)i);
        ck_assert_uint_eq(R.ntx, n + 1);
    }
    for (unsigned i = 0; i < 1000; i++)
        ck_assert_uint_le(vmp_uart_receive(R.u, big, sizeof big), 16);
    ck_assert_uint_eq(vmp_uart_rx_room(R.u), 0);
    wr(MCR, 0x10); /* loopback: the guest floods its own receiver */
    for (unsigned i = 0; i < 200000; i++)
        wr(THR, (uint8_t)i);
    ck_assert_uint_eq(rd(LSR) & 0x03, 0x03); /* overrun, data kept */
    struct mallinfo2 after = mallinfo2();
    ck_assert_uint_eq(after.uordblks, before.uordblks);
    unsigned got = 0;
    while (rd(LSR) & 1)
        got++, rd(RBR);
    ck_assert_uint_eq(got, 16);
}
END_TEST

START_TEST(os_driver_probe)
{
    /* The checks a PC OS serial driver makes to identify the part (Linux's
     * 8250 autoconfig does these): IER keeps exactly bits 3:0; loopback
     * with RTS|OUT2 shows CTS|DCD in MSR 7:4; FCR = 0xE7 gives IIR 7:6 = 11
     * (16550A, working FIFO) with bit 5 clear (no 64-byte 16750 FIFO); an
     * enhanced-register probe (LCR = 0xBF) reads the IIR, not an EFR of 0;
     * IER bit 6 (XScale UUE) does not stick. */
    wr(IER, 0x00);
    ck_assert_uint_eq(rd(IER) & 0x0F, 0x00);
    wr(IER, 0x0F);
    ck_assert_uint_eq(rd(IER) & 0x0F, 0x0F);
    wr(IER, 0x00);
    wr(MCR, 0x1A);
    ck_assert_uint_eq(rd(MSR) & 0xF0, 0x90);
    wr(MCR, 0x00);
    wr(FCR, 0xE7);
    ck_assert_uint_eq(rd(IIR) >> 6, 3);
    ck_assert_uint_eq(rd(IIR) & 0x20, 0);
    wr(LCR, 0xBF);
    ck_assert_uint_ne(rd(IIR), 0);
    wr(LCR, 0x00);
    wr(IER, 0x40);
    ck_assert_uint_eq(rd(IER), 0x00);
    /* The transmit-interrupt check at port open: enabling ETBEI with an
     * empty transmitter shows THRE in IIR at once. */
    wr(MCR, 0x0B);
    wr(IER, 0x02);
    ck_assert_uint_eq(rd(LSR) & 0x40, 0x40);
    ck_assert_uint_eq(rd(IIR), 0xC2);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_uart_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_uart_load(m, r); }

START_TEST(save_load_roundtrip)
{
    set_115200_8n1();
    wr(FCR, 0x47);
    wr(SCR, 0x77);
    wr(MCR, 0x0B);
    wr(IER, 0x0F);
    host("ab");
    vmp_uart_receive_break(R.u);
    vmp_clock_advance(R.clock, 1000);
    /* A second UART on the same clock, loaded from the first. */
    struct vmp_env env = { .clock = R.clock };
    struct vmp_irq_line *l2 = vmp_irq_line_create("b");
    struct vmp_uart *b = vmp_uart_create(&env, vmp_irq_line_source(l2), NULL);
    ck_assert_int_eq(test_roundtrip(R.u, b, save_fn, load_fn), 0);
    ck_assert_uint_eq(test_truncations_loaded(R.u, b, save_fn, load_fn), 0);
    ck_assert(vmp_irq_line_level(l2) == irq());
    struct vmp_space *s2 = vmp_space_create("p2", 0xFFFF);
    vmp_uart_attach(b, s2, BASE);
    /* Same register values and the timeout at the same time. */
    for (unsigned reg = 1; reg < 8; reg++)
        if (reg != IIR && reg != LSR && reg != MSR)
            ck_assert_uint_eq(vmp_space_read(s2, BASE + reg, 1), rd(reg));
    ck_assert_uint_eq(vmp_space_read(s2, BASE + IIR, 1), rd(IIR));
    vmp_clock_advance(R.clock, 4 * CT_115200_8N1 - 1001);
    ck_assert_uint_eq(vmp_space_read(s2, BASE + IIR, 1), 0xC1);
    ck_assert_uint_eq(rd(IIR), 0xC1);
    vmp_clock_advance(R.clock, 1);
    ck_assert_uint_eq(vmp_space_read(s2, BASE + IIR, 1), 0xCC);
    ck_assert_uint_eq(rd(IIR), 0xCC);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(vmp_space_read(s2, BASE + LSR, 1), rd(LSR));
        ck_assert_uint_eq(vmp_space_read(s2, BASE + RBR, 1), rd(RBR));
    }
    ck_assert_uint_eq(vmp_space_read(s2, BASE + MSR, 1), rd(MSR));
    vmp_space_destroy(s2);
    vmp_uart_destroy(b);
    vmp_irq_line_destroy(l2);
}
END_TEST

START_TEST(load_rejects_bad_state)
{
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    host("z");
    ck_assert_int_eq(vmp_uart_save(R.u, &w), 0);
    /* Layout: tag(1+9) version(4) len(4) divisor(2) ier lcr mcr ... */
    size_t mcr_at = 1 + 9 + 4 + 4 + 2 + 2;
    ck_assert_uint_eq(w.buf[mcr_at], 0);
    w.buf[mcr_at] = 0x20; /* MCR bit 5 cannot be set */
    struct vmp_state_reader r;
    wr(SCR, 0x42);
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_uart_load(R.u, &r), -EINVAL);
    ck_assert_uint_eq(rd(SCR), 0x42); /* left as it was */
    w.buf[mcr_at] = 0;
    size_t count_at = mcr_at + 11;
    ck_assert_uint_eq(w.buf[count_at], 1);
    w.buf[count_at] = 2; /* 2 bytes in 16450 mode */
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_ne(vmp_uart_load(R.u, &r), 0);
    ck_assert_uint_eq(rd(RBR), 'z');
    vmp_state_writer_free(&w);
}
END_TEST

START_TEST(create_needs_clock)
{
    struct vmp_env env = { 0 };
    ck_assert_ptr_null(vmp_uart_create(&env, NULL, NULL));
    ck_assert_ptr_null(vmp_uart_create(NULL, NULL, NULL));
}
END_TEST

Suite *uart_suite(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("uart16550");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, divisor_latch_and_scratch);
    tcase_add_test(tc, fifo_bits_in_iir);
    tcase_add_loop_test(tc, rda_trigger_levels, 0, 4);
    tcase_add_test(tc, rda_16450_mode);
    tcase_add_test(tc, char_timeout);
    tcase_add_test(tc, char_time_from_lcr);
    tcase_add_test(tc, rls_overrun_loopback);
    tcase_add_test(tc, rls_overrun_16450);
    tcase_add_test(tc, rls_break_in_fifo);
    tcase_add_test(tc, thre_interrupt);
    tcase_add_test(tc, msr_loopback_mapping);
    tcase_add_test(tc, msr_host_inputs);
    tcase_add_test(tc, iir_priority_order);
    tcase_add_test(tc, out2_gates_irq);
    tcase_add_test(tc, loopback_data_path);
    tcase_add_test(tc, fifo_reset_and_mode_change);
    tcase_add_test(tc, master_reset);
    tcase_add_test(tc, host_flow_control);
    tcase_add_test(tc, bounded_memory);
    tcase_add_test(tc, save_load_roundtrip);
    tcase_add_test(tc, load_rejects_bad_state);
    tcase_add_test(tc, create_needs_clock);
    tcase_add_test(tc, os_driver_probe);
    suite_add_tcase(s, tc);
    return s;
}
