/* 16550A UART. Behaviour follows the National PC16550D datasheet (June
 * 1995): the register descriptions (cited below by register name), the
 * Interrupt Control Functions table, the UART reset configuration table
 * and "FIFO Interrupt Mode Operation". See serial.h for where a virtual
 * UART chooses to differ from a wire. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/clock.h>
#include <vmparts/serial.h>

/* Register offsets (datasheet register summary) */
enum { R_RBR_THR = 0, R_IER = 1, R_IIR_FCR = 2, R_LCR = 3, R_MCR = 4, R_LSR = 5,
       R_MSR = 6, R_SCR = 7 };

#define IER_ERBFI 0x01 /* received data available + character timeout */
#define IER_ETBEI 0x02
#define IER_ELSI 0x04
#define IER_EDSSI 0x08

#define IIR_NONE 0x01
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_CTI 0x0C
#define IIR_THRE 0x02
#define IIR_MSR 0x00
#define IIR_FIFO 0xC0

#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_DMA_MODE 0x08
#define FCR_STORED (FCR_ENABLE | FCR_DMA_MODE | 0xC0)

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_RXFE 0x80
#define LSR_LATCHED (LSR_OE | LSR_BI) /* the error bits this model can set */

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_LINES 0xF0

struct vmp_uart {
    struct vmp_env env;
    struct vmp_irq *irq;
    struct vmp_uart_ops ops;
    struct vmp_timer *timer; /* character timeout */

    uint16_t divisor;
    uint8_t ier, lcr, mcr, scr, fcr;
    uint8_t lsr_err;   /* latched OE / BI, cleared by an LSR read */
    uint8_t msr_delta; /* MSR 3:0 */
    uint8_t msr_lines; /* MSR 7:4 as last seen, for the deltas */
    uint8_t modem_in;  /* the host's CTS/DSR/RI/DCD */
    uint8_t rbr_last;  /* what an RBR read returns when the FIFO is empty */
    bool thre_pending;    /* THR-empty interrupt condition (IIR) */
    bool timeout_pending; /* FIFO Interrupt Mode Operation */
    bool rx_blocked;      /* the host was refused input: owe an rx_ready */
    uint8_t rx_head, rx_count;
    uint8_t rx_data[VMP_UART_FIFO_SIZE];
    uint8_t rx_flags[VMP_UART_FIFO_SIZE]; /* LSR_BI per byte */
    uint64_t rx_last; /* virtual time of the last RX FIFO activity */
};

static bool fifo_on(const struct vmp_uart *u) { return u->fcr & FCR_ENABLE; }
static bool loop_on(const struct vmp_uart *u) { return u->mcr & MCR_LOOP; }

/* 16450 mode has the one receiver buffer register. */
static unsigned rx_cap(const struct vmp_uart *u)
{
    return fifo_on(u) ? VMP_UART_FIFO_SIZE : 1;
}

/* FCR bits 7:6: 1, 4, 8 or 14 bytes. */
static unsigned rx_trigger(const struct vmp_uart *u)
{
    static const uint8_t level[4] = { 1, 4, 8, 14 };
    return fifo_on(u) ? level[u->fcr >> 6] : 1;
}

/* Nanoseconds per character: start bit, 5-8 data bits, optional parity,
 * 1, 1.5 (5-bit words) or 2 stop bits (LCR), each bit 16 clocks of the
 * divided 1.8432 MHz clock (programmable baud generator). Counted in half bits for 1.5 stops. */
static uint64_t char_time_ns(const struct vmp_uart *u)
{
    unsigned wl = 5 + (u->lcr & 3);
    unsigned half = 2 * (1 + wl + ((u->lcr >> 3) & 1));
    if (u->lcr & 0x04)
        half += wl == 5 ? 3 : 4;
    else
        half += 2;
    uint64_t div = u->divisor ? u->divisor : 65536;
    uint64_t clocks_x2 = (uint64_t)half * 16 * div; /* clocks * 2 */
    return vmp_ticks_to_ns_ceil(clocks_x2, 2ull * VMP_UART_CLOCK_HZ);
}

static uint8_t lines_now(const struct vmp_uart *u)
{
    if (!loop_on(u))
        return u->modem_in;
    /* MCR bit 4 (loop): DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
    uint8_t m = u->mcr;
    return (uint8_t)((m & MCR_RTS ? VMP_UART_CTS : 0) | (m & MCR_DTR ? VMP_UART_DSR : 0) |
                     (m & MCR_OUT1 ? VMP_UART_RI : 0) | (m & MCR_OUT2 ? VMP_UART_DCD : 0));
}

/* MSR: delta bits on any change; TERI only when RI goes from on to off. */
static void lines_update(struct vmp_uart *u)
{
    uint8_t now = lines_now(u), chg = now ^ u->msr_lines;
    if (chg & VMP_UART_CTS)
        u->msr_delta |= MSR_DCTS;
    if (chg & VMP_UART_DSR)
        u->msr_delta |= MSR_DDSR;
    if ((chg & VMP_UART_RI) && !(now & VMP_UART_RI))
        u->msr_delta |= MSR_TERI;
    if (chg & VMP_UART_DCD)
        u->msr_delta |= MSR_DDCD;
    u->msr_lines = now;
}

/* Highest-priority pending, enabled source (Interrupt Control Functions table). */
static uint8_t iir_source(const struct vmp_uart *u)
{
    if ((u->ier & IER_ELSI) && u->lsr_err)
        return IIR_RLS;
    if ((u->ier & IER_ERBFI) && u->rx_count >= rx_trigger(u))
        return IIR_RDA;
    if ((u->ier & IER_ERBFI) && u->timeout_pending)
        return IIR_CTI;
    if ((u->ier & IER_ETBEI) && u->thre_pending)
        return IIR_THRE;
    if ((u->ier & IER_EDSSI) && u->msr_delta)
        return IIR_MSR;
    return IIR_NONE;
}

static void irq_update(struct vmp_uart *u)
{
    /* PC boards drive the ISA IRQ through a buffer enabled by OUT2. */
    vmp_irq_set(u->irq, iir_source(u) != IIR_NONE && (u->mcr & MCR_OUT2));
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

/* FIFO Interrupt Mode Operation: the timeout fires 4 character times after the last character went
 * into or out of the RX FIFO, if the FIFO holds data, until a read. */
static void timer_update(struct vmp_uart *u)
{
    if (fifo_on(u) && u->rx_count && !u->timeout_pending)
        vmp_timer_arm(u->timer, sat_add(u->rx_last, 4 * char_time_ns(u)));
    else
        vmp_timer_cancel(u->timer);
}

static void timeout_fire(void *opaque)
{
    struct vmp_uart *u = opaque;
    if (fifo_on(u) && u->rx_count) {
        u->timeout_pending = true;
        irq_update(u);
    }
}

static void rx_activity(struct vmp_uart *u)
{
    u->rx_last = vmp_clock_now(u->env.clock);
    timer_update(u);
}

static void rx_clear(struct vmp_uart *u)
{
    u->rx_head = u->rx_count = 0;
    memset(u->rx_flags, 0, sizeof u->rx_flags);
    u->timeout_pending = false;
    timer_update(u);
}

/* A byte completes at the receiver. false: no room (the caller decides
 * between refusing it and an overrun). */
static bool rx_push(struct vmp_uart *u, uint8_t byte, uint8_t flags)
{
    if (u->rx_count >= rx_cap(u))
        return false;
    unsigned i = (u->rx_head + u->rx_count) % VMP_UART_FIFO_SIZE;
    u->rx_data[i] = byte;
    u->rx_flags[i] = flags;
    /* Error bits show in the LSR when their byte reaches the top (LSR bits 1-4, FIFO mode). */
    if (u->rx_count++ == 0)
        u->lsr_err |= flags;
    return true;
}

/* A transmitted byte in loopback: into the receiver, or an overrun (LSR
 * bit 1): in FIFO mode the new byte is lost, in 16450 mode it overwrites
 * the holding register. */
static void loop_rx(struct vmp_uart *u, uint8_t byte)
{
    if (rx_push(u, byte, 0)) {
        rx_activity(u);
        return;
    }
    u->lsr_err |= LSR_OE;
    if (!fifo_on(u)) {
        u->rx_data[u->rx_head] = byte;
        u->rx_flags[u->rx_head] = 0;
    }
}

size_t vmp_uart_rx_room(const struct vmp_uart *u)
{
    if (loop_on(u)) /* the serial input is disconnected (MCR bit 4) */
        return 0;
    return rx_cap(u) - u->rx_count;
}

static void rx_ready_notify(struct vmp_uart *u)
{
    if (u->rx_blocked && vmp_uart_rx_room(u)) {
        u->rx_blocked = false;
        if (u->ops.rx_ready)
            u->ops.rx_ready(u->ops.opaque);
    }
}

static uint8_t rbr_read(struct vmp_uart *u)
{
    if (!u->rx_count)
        return u->rbr_last;
    uint8_t b = u->rx_data[u->rx_head];
    u->rx_flags[u->rx_head] = 0;
    u->rx_head = (u->rx_head + 1) % VMP_UART_FIFO_SIZE;
    u->rx_count--;
    u->rbr_last = b;
    if (u->rx_count)
        u->lsr_err |= u->rx_flags[u->rx_head];
    /* FIFO Interrupt Mode Operation, timeout item C */
    u->timeout_pending = false;
    rx_activity(u);
    return b;
}

static uint8_t lsr_read(struct vmp_uart *u)
{
    uint8_t v = LSR_THRE | LSR_TEMT | u->lsr_err; /* transmit is instantaneous */
    if (u->rx_count)
        v |= LSR_DR;
    if (fifo_on(u)) {
        for (unsigned i = 0; i < u->rx_count; i++)
            if (u->rx_flags[(u->rx_head + i) % VMP_UART_FIFO_SIZE])
                v |= LSR_RXFE;
    }
    /* LSR: OE/PE/FE/BI clear on read; the top byte's error is reported
     * now, so bit 7 stays only for errors further down the FIFO. */
    u->lsr_err = 0;
    if (u->rx_count)
        u->rx_flags[u->rx_head] = 0;
    return v;
}

static uint64_t uart_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_uart *u = dev;
    uint8_t v = 0;
    (void)size;
    switch (offset & 7) {
    case R_RBR_THR:
        if (u->lcr & LCR_DLAB)
            return u->divisor & 0xFF;
        v = rbr_read(u);
        irq_update(u);
        rx_ready_notify(u);
        return v;
    case R_IER:
        return u->lcr & LCR_DLAB ? u->divisor >> 8 : u->ier;
    case R_IIR_FCR: {
        uint8_t src = iir_source(u);
        if (src == IIR_THRE) /* reading IIR acknowledges THRE */
            u->thre_pending = false;
        irq_update(u);
        return src | (fifo_on(u) ? IIR_FIFO : 0);
    }
    case R_LCR:
        return u->lcr;
    case R_MCR:
        return u->mcr;
    case R_LSR:
        v = lsr_read(u);
        irq_update(u);
        return v;
    case R_MSR:
        v = u->msr_delta | u->msr_lines;
        u->msr_delta = 0;
        irq_update(u);
        return v;
    default:
        return u->scr;
    }
}

static void fcr_write(struct vmp_uart *u, uint8_t v)
{
    bool was = fifo_on(u);
    if (!(v & FCR_ENABLE)) {
        /* FCR bit 0: the other bits are only programmed with FCR0 set; leaving
         * FIFO mode clears the FIFOs. */
        u->fcr = 0;
        if (was)
            rx_clear(u);
        return;
    }
    u->fcr = v & FCR_STORED;
    if (!was || (v & FCR_RX_RESET))
        rx_clear(u);
    /* FCR2 (TX reset): the TX FIFO never holds data here. */
}

static void uart_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_uart *u = dev;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset & 7) {
    case R_RBR_THR:
        if (u->lcr & LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
            timer_update(u);
            return;
        }
        /* The receiver assembles only the word length's bits (LCR bits
         * 1:0). The host gets the whole byte: guests that print without
         * programming LCR (reset value: 5-bit words) stay readable. */
        if (loop_on(u))
            loop_rx(u, v & (uint8_t)(0xFF >> (3 - (u->lcr & 3))));
        /* Sent at once: THR is empty again, THRE is raised anew. */
        u->thre_pending = true;
        irq_update(u);
        if (!loop_on(u) && u->ops.tx)
            u->ops.tx(u->ops.opaque, v);
        return;
    case R_IER:
        if (u->lcr & LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0xFF) | v << 8);
            timer_update(u);
            return;
        }
        /* Enabling ETBEI with THR empty raises THRE. */
        if (!(u->ier & IER_ETBEI) && (v & IER_ETBEI))
            u->thre_pending = true;
        u->ier = v & 0x0F;
        break;
    case R_IIR_FCR:
        fcr_write(u, v);
        break;
    case R_LCR:
        u->lcr = v;
        timer_update(u);
        break;
    case R_MCR:
        u->mcr = v & MCR_MASK;
        lines_update(u);
        break;
    case R_LSR:
    case R_MSR:
        return; /* LSR/MSR writes are for factory test only */
    default:
        u->scr = v;
        return;
    }
    irq_update(u);
    rx_ready_notify(u);
}

const struct vmp_io_ops vmp_uart_io_ops = {
    .read = uart_read,
    .write = uart_write,
    .max_size = 1,
};

size_t vmp_uart_receive(struct vmp_uart *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    if (!buf)
        len = 0;
    size_t room = vmp_uart_rx_room(u);
    while (n < len && n < room)
        rx_push(u, buf[n++], 0);
    if (n < len)
        u->rx_blocked = true;
    if (n) {
        rx_activity(u);
        irq_update(u);
    }
    return n;
}

size_t vmp_uart_receive_break(struct vmp_uart *u)
{
    /* LSR bit 4: a break loads one zero byte, flagged BI. */
    if (!vmp_uart_rx_room(u)) {
        u->rx_blocked = true;
        return 0;
    }
    rx_push(u, 0, LSR_BI);
    rx_activity(u);
    irq_update(u);
    return 1;
}

void vmp_uart_set_modem_inputs(struct vmp_uart *u, unsigned lines)
{
    u->modem_in = (uint8_t)(lines & MSR_LINES);
    lines_update(u);
    irq_update(u);
}

unsigned vmp_uart_modem_outputs(const struct vmp_uart *u)
{
    /* MCR bit 4: in loopback the outputs are forced inactive. */
    return loop_on(u) ? 0 : u->mcr & 0x0F;
}

void vmp_uart_reset(struct vmp_uart *u)
{
    /* Master Reset (reset configuration table); the divisor latch and SCR
     * are unaffected. */
    u->ier = u->lcr = u->mcr = u->fcr = 0;
    u->lsr_err = u->msr_delta = 0;
    u->msr_lines = lines_now(u);
    u->thre_pending = false;
    u->rx_last = vmp_clock_now(u->env.clock);
    rx_clear(u);
    irq_update(u);
    rx_ready_notify(u);
}

struct vmp_uart *vmp_uart_create(const struct vmp_env *env, struct vmp_irq *irq,
                                 const struct vmp_uart_ops *ops)
{
    if (!env || !env->clock)
        return NULL;
    struct vmp_uart *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->env = *env;
    u->irq = irq;
    if (ops)
        u->ops = *ops;
    u->timer = vmp_timer_create(env->clock, timeout_fire, u);
    if (!u->timer) {
        free(u);
        return NULL;
    }
    u->divisor = 12;
    u->modem_in = VMP_UART_CTS | VMP_UART_DSR | VMP_UART_DCD;
    vmp_uart_reset(u);
    return u;
}

void vmp_uart_destroy(struct vmp_uart *u)
{
    if (!u)
        return;
    /* The IRQ is left alone: its line may already be gone. */
    vmp_timer_destroy(u->timer);
    free(u);
}

int vmp_uart_attach(struct vmp_uart *u, struct vmp_space *space, uint64_t base)
{
    return vmp_space_map(space, base, VMP_UART_PORTS, &vmp_uart_io_ops, u);
}

#define STATE_TAG "uart16550"
#define STATE_VERSION 1

int vmp_uart_save(const struct vmp_uart *u, struct vmp_state_writer *w)
{
    vmp_state_begin(w, STATE_TAG, STATE_VERSION);
    vmp_state_put_u16(w, u->divisor);
    vmp_state_put_u8(w, u->ier);
    vmp_state_put_u8(w, u->lcr);
    vmp_state_put_u8(w, u->mcr);
    vmp_state_put_u8(w, u->scr);
    vmp_state_put_u8(w, u->fcr);
    vmp_state_put_u8(w, u->lsr_err);
    vmp_state_put_u8(w, u->msr_delta);
    vmp_state_put_u8(w, u->msr_lines);
    vmp_state_put_u8(w, u->modem_in);
    vmp_state_put_u8(w, u->rbr_last);
    vmp_state_put_bool(w, u->thre_pending);
    vmp_state_put_bool(w, u->timeout_pending);
    vmp_state_put_bool(w, u->rx_blocked);
    vmp_state_put_u8(w, u->rx_count);
    for (unsigned i = 0; i < u->rx_count; i++) {
        unsigned j = (u->rx_head + i) % VMP_UART_FIFO_SIZE;
        vmp_state_put_u8(w, u->rx_data[j]);
        vmp_state_put_u8(w, u->rx_flags[j]);
    }
    vmp_state_put_u64(w, u->rx_last);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_uart_load(struct vmp_uart *u, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, STATE_TAG, STATE_VERSION, &version);
    if (err)
        return err;
    struct vmp_uart n = *u;
    n.divisor = vmp_state_get_u16(r);
    n.ier = vmp_state_get_u8_max(r, 0x0F);
    n.lcr = vmp_state_get_u8(r);
    n.mcr = vmp_state_get_u8_max(r, MCR_MASK);
    n.scr = vmp_state_get_u8(r);
    n.fcr = vmp_state_get_u8(r);
    n.lsr_err = vmp_state_get_u8(r);
    n.msr_delta = vmp_state_get_u8_max(r, 0x0F);
    n.msr_lines = vmp_state_get_u8(r);
    n.modem_in = vmp_state_get_u8(r);
    n.rbr_last = vmp_state_get_u8(r);
    n.thre_pending = vmp_state_get_bool(r);
    n.timeout_pending = vmp_state_get_bool(r);
    n.rx_blocked = vmp_state_get_bool(r);
    n.rx_count = vmp_state_get_u8_max(r, VMP_UART_FIFO_SIZE);
    n.rx_head = 0;
    memset(n.rx_flags, 0, sizeof n.rx_flags);
    for (unsigned i = 0; i < n.rx_count && i < VMP_UART_FIFO_SIZE; i++) {
        n.rx_data[i] = vmp_state_get_u8(r);
        n.rx_flags[i] = vmp_state_get_u8(r);
        if (n.rx_flags[i] & ~LSR_BI)
            vmp_state_fail(r, -EINVAL);
    }
    n.rx_last = vmp_state_get_u64(r);
    if ((n.fcr & ~FCR_STORED) || (n.lsr_err & ~LSR_LATCHED) ||
        (n.modem_in & ~MSR_LINES) || n.rx_count > rx_cap(&n) ||
        n.msr_lines != lines_now(&n) ||
        (n.timeout_pending && !(fifo_on(&n) && n.rx_count)))
        vmp_state_fail(r, -EINVAL);
    err = vmp_state_close(r);
    if (err)
        return err;
    *u = n;
    timer_update(u);
    irq_update(u);
    return 0;
}
