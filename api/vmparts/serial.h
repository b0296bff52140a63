/* Serial ports: the 16550A UART (National PC16550D / TI TL16C550 register
 * set), as found at 0x3F8 (IRQ 4) and 0x2F8 (IRQ 3) on PCs.
 *
 * What is modelled (National PC16550D datasheet, June 1995: the register
 * descriptions, the Interrupt Control Functions table, FIFO Interrupt
 * Mode Operation):
 *  - all registers: RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and the
 *    divisor latch behind LCR.DLAB;
 *  - 16-byte receive FIFO with FCR enable/reset and trigger levels 1, 4, 8,
 *    14; 16450 mode (one holding register) when FCR0 is clear;
 *  - the five interrupt sources in priority order: receiver line
 *    status, received data available (at the trigger level),
 *    character timeout (4 character times, from the divisor and LCR, on
 *    the virtual clock, base clock 1.8432 MHz), THR empty, modem status;
 *    IIR bits 7:6 set while the FIFOs are enabled;
 *  - LSR: DR, OE, BI (host-signalled break), THRE, TEMT and the RX FIFO
 *    error bit; PE and FE never occur because bytes arrive as bytes;
 *  - MSR with delta bits, and the loopback wiring DTR->DSR, RTS->CTS,
 *    OUT1->RI, OUT2->DCD (TERI on the falling edge of RI);
 *  - loopback: transmitted bytes go to the receiver (with overrun when it
 *    is full), nothing goes to the host, host input is refused.
 *
 * Choices where a virtual UART differs from a wire (documented, tested):
 *  - Transmission is instantaneous: a THR write hands the byte to the
 *    tx callback at once, so THR and the transmitter shift register are
 *    empty again when the write returns (LSR.THRE and LSR.TEMT always read
 *    1, the THRE interrupt is raised again by every THR write, and the TX
 *    FIFO never holds data; FCR bit 2 has nothing to clear).
 *  - The IRQ output is the UART's INTR gated by MCR.OUT2, as PC boards
 *    wire it (OUT2 enables the ISA IRQ driver). The gate follows the OUT2
 *    register bit, also in loopback (as Super I/O parts do).
 *  - Host input is flow controlled: vmp_uart_receive() takes only what
 *    fits in the receive FIFO (16 bytes, 1 in 16450 mode, 0 in loopback)
 *    and returns how much it took. The UART never queues more; the host
 *    keeps the rest and retries after the rx_ready callback (or polls
 *    vmp_uart_rx_room()). Memory is fixed at creation.
 *  - The tx callback gets all 8 bits of a THR write whatever the word
 *    length (guests that print without programming LCR stay readable); in
 *    loopback the receiver keeps only the word length's bits, as a wire
 *    would.
 *  - A divisor of 0 is taken as 65536 (the 16-bit counter wraps).
 *  - vmp_uart_reset() is the datasheet's Master Reset (reset configuration
 *    table): the divisor latch and SCR keep their values; create sets
 *    divisor 12 (9600 baud), since the power-on value is undefined.
 *  - Reads have the datasheet's side effects (IIR acknowledges THRE, LSR
 *    clears the error bits, MSR the deltas, RBR pops the FIFO); an
 *    embedder that inspects registers for debugging should use save.
 *
 * Needs env->clock (character timeout). env->log may be NULL. */
#ifndef VMPARTS_SERIAL_H
#define VMPARTS_SERIAL_H

#include <vmparts/bus.h>
#include <vmparts/clock.h>
#include <vmparts/irqline.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_UART_FIFO_SIZE 16
#define VMP_UART_CLOCK_HZ 1843200u /* the PC's 1.8432 MHz crystal */
#define VMP_UART_PORTS 8

/* Modem control inputs (the MSR's bits 7:4), for vmp_uart_set_modem_inputs. */
#define VMP_UART_CTS 0x10u
#define VMP_UART_DSR 0x20u
#define VMP_UART_RI 0x40u
#define VMP_UART_DCD 0x80u

struct vmp_uart;

struct vmp_uart_ops {
    /* A byte the guest transmitted (never called in loopback). Called
     * synchronously from the THR write; it may call back into the UART. */
    void (*tx)(void *opaque, uint8_t byte);
    /* Called once after vmp_uart_receive() took fewer bytes than offered
     * (or vmp_uart_receive_break() was refused), as soon as the UART can
     * take input again. May be NULL (poll vmp_uart_rx_room instead). It
     * may call vmp_uart_receive. */
    void (*rx_ready)(void *opaque);
    void *opaque;
};

/* irq may be NULL (polled UART). ops may be NULL (output dropped). The ops
 * struct is copied. NULL on bad arguments (no env->clock) or no memory. */
struct vmp_uart *vmp_uart_create(const struct vmp_env *env, struct vmp_irq *irq,
                                 const struct vmp_uart_ops *ops);
/* Does not touch the IRQ (its line may be gone already); reset first to
 * lower it when the line lives on. */
void vmp_uart_destroy(struct vmp_uart *uart);
void vmp_uart_reset(struct vmp_uart *uart);

/* Offsets 0-7 relative to the base; max_size 1 (the bus splits wider
 * accesses into consecutive registers). */
extern const struct vmp_io_ops vmp_uart_io_ops;
int vmp_uart_attach(struct vmp_uart *uart, struct vmp_space *space, uint64_t base);

/* Host input: queue up to len bytes into the receive FIFO; returns how
 * many were taken (0 when full or in loopback). */
size_t vmp_uart_receive(struct vmp_uart *uart, const uint8_t *buf, size_t len);
/* A break condition on the line: a 0 byte with LSR.BI. Returns 1 if taken,
 * 0 if there was no room (same retry rules as vmp_uart_receive). */
size_t vmp_uart_receive_break(struct vmp_uart *uart);
/* How many bytes vmp_uart_receive would take now. */
size_t vmp_uart_rx_room(const struct vmp_uart *uart);
/* Set the modem control inputs (VMP_UART_CTS|DSR|RI|DCD), updating the
 * MSR delta bits. Default after create: CTS, DSR and DCD asserted. */
void vmp_uart_set_modem_inputs(struct vmp_uart *uart, unsigned lines);
/* The modem control outputs as the MCR drives them (bits 3:0: DTR, RTS,
 * OUT1, OUT2; all inactive (0) in loopback). */
unsigned vmp_uart_modem_outputs(const struct vmp_uart *uart);

int vmp_uart_save(const struct vmp_uart *uart, struct vmp_state_writer *w);
int vmp_uart_load(struct vmp_uart *uart, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif
