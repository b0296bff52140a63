/* The reference board's consoles: COM1 (16550A at 0x3F8, IRQ 4) to the
 * host's console_out hook with host input buffered while the receive FIFO
 * is full, and the debug console (0xE9) collected into lines. */
#include "pc_internal.h"

#include <string.h>

/* COM1's transmitter. */
static void console_tx(void *opaque, uint8_t byte)
{
    struct vmp_pc *pc = opaque;
    pc->uart_used = true;
    if (pc->cfg.hooks.console_out)
        pc->cfg.hooks.console_out(pc->cfg.hooks.opaque, byte);
}

void vmp_pc_console_flush(struct vmp_pc *pc)
{
    while (pc->rx_pos < pc->rx_len) {
        size_t n = vmp_uart_receive(pc->com1, pc->rx_buf + pc->rx_pos, pc->rx_len - pc->rx_pos);
        if (n == 0)
            break;
        pc->rx_pos += (uint32_t)n;
    }
}

/* The UART can take input again (its FIFO drained). */
static void console_rx_ready(void *opaque) { vmp_pc_console_flush(opaque); }

size_t vmp_pc_console_input(struct vmp_pc *pc, const uint8_t *buf, size_t len)
{
    if (pc->rx_pos == pc->rx_len)
        pc->rx_pos = pc->rx_len = 0;
    size_t room = sizeof pc->rx_buf - pc->rx_len;
    if (len > room)
        len = room;
    memcpy(pc->rx_buf + pc->rx_len, buf, len);
    pc->rx_len += (uint32_t)len;
    vmp_pc_console_flush(pc);
    return len;
}

bool vmp_pc_console_wants_input(const struct vmp_pc *pc) { return pc->rx_pos == pc->rx_len; }
bool vmp_pc_console_used(const struct vmp_pc *pc) { return pc->uart_used; }

/* Debug console: bytes up to '\n' (or a full buffer) make a line. */
static void on_debugcon(void *opaque, uint8_t ch)
{
    struct vmp_pc *pc = opaque;
    if (ch == '\n' || pc->dbg_len == VMP_PC_DEBUG_LINE_MAX) {
        pc->dbg_line[pc->dbg_len] = 0;
        if (pc->cfg.hooks.debug_line)
            pc->cfg.hooks.debug_line(pc->cfg.hooks.opaque, pc->dbg_line);
        pc->dbg_len = 0;
        if (ch == '\n')
            return;
    }
    pc->dbg_line[pc->dbg_len++] = (char)ch;
}

void vmp_pc_console_reset(struct vmp_pc *pc)
{
    pc->uart_used = false;
    pc->rx_len = pc->rx_pos = 0;
    pc->dbg_len = 0;
}

int vmp_pc_create_console(struct vmp_pc *pc)
{
    struct vmp_uart_ops uops = {console_tx, console_rx_ready, pc};
    pc->com1 = vmp_uart_create(&pc->env, vmp_irq_line_source(pc->isa[VMP_PC_COM1_IRQ]), &uops);
    struct vmp_debug_console_ops co = {on_debugcon, pc};
    pc->dcon = vmp_debug_console_create(&pc->env, &co);
    if (!pc->com1 || !pc->dcon)
        return -ENOMEM;
    int r = vmp_uart_attach(pc->com1, pc->pio, VMP_PC_COM1_PORT);
    if (r == 0)
        r = vmp_debug_console_attach(pc->dcon, pc->pio, VMP_PC_DEBUG_CONSOLE_PORT);
    return r;
}
