/* The reference board's state and reset. One section "pc" holds the
 * board's own console state and then a section per part, sources of
 * interrupts first and the interrupt controllers last: a part that drives
 * a line while it loads then reaches controllers whose state is about to
 * be replaced anyway, so the controllers end up exactly as saved.
 *
 * state.h asks that a bad stream leave the model as it was. The parts
 * each load atomically, but one may fail after others have loaded, so
 * load first saves the board and, on any error, loads that back. */
#include "pc_internal.h"

#include <string.h>

#define PC_STATE_VERSION 1

static unsigned lapic_count(const struct vmp_pc *pc)
{
    return pc->cpus_created ? pc->cfg.ncpus : 0;
}

/* A part's save fails only through the writer's sticky error, which
 * vmp_pc_save returns once the "pc" section is closed. */
static void save_parts(const struct vmp_pc *pc, struct vmp_state_writer *w)
{
    (void)vmp_hpet_save(pc->hpet, w);
    (void)vmp_pit_save(pc->pit, w);
    (void)vmp_rtc_save(pc->rtc, w);
    (void)vmp_pm_save(pc->pm, w);
    (void)vmp_uart_save(pc->com1, w);
    (void)vmp_testdev_save(pc->testdev, w);
    (void)vmp_debug_exit_save(pc->dexit, w);
    (void)vmp_debug_console_save(pc->dcon, w);
    (void)vmp_reset_ctl_save(pc->rst, w);
    (void)vmp_port92_save(pc->port92, w);
    (void)vmp_i8042_save(pc->kbc, w);
    (void)vmp_pci_host_save(pc->pci, w);
    (void)vmp_pic_save(pc->pic, w);
    (void)vmp_ioapic_save(pc->ioapic, w);
    for (unsigned i = 0; i < lapic_count(pc); i++)
        (void)vmp_lapic_save(pc->cpu[i].lapic, w);
}

static int load_parts(struct vmp_pc *pc, struct vmp_state_reader *r)
{
    int err = vmp_hpet_load(pc->hpet, r);
    if (!err)
        err = vmp_pit_load(pc->pit, r);
    if (!err)
        err = vmp_rtc_load(pc->rtc, r);
    if (!err)
        err = vmp_pm_load(pc->pm, r);
    if (!err)
        err = vmp_uart_load(pc->com1, r);
    if (!err)
        err = vmp_testdev_load(pc->testdev, r);
    if (!err)
        err = vmp_debug_exit_load(pc->dexit, r);
    if (!err)
        err = vmp_debug_console_load(pc->dcon, r);
    if (!err)
        err = vmp_reset_ctl_load(pc->rst, r);
    if (!err)
        err = vmp_port92_load(pc->port92, r);
    if (!err)
        err = vmp_i8042_load(pc->kbc, r);
    if (!err)
        err = vmp_pci_host_load(pc->pci, r);
    if (!err)
        err = vmp_pic_load(pc->pic, r);
    if (!err)
        err = vmp_ioapic_load(pc->ioapic, r);
    for (unsigned i = 0; i < lapic_count(pc) && !err; i++)
        err = vmp_lapic_load(pc->cpu[i].lapic, r);
    return err;
}

int vmp_pc_save(const struct vmp_pc *pc, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "pc", PC_STATE_VERSION);
    vmp_state_put_u32(w, lapic_count(pc));
    vmp_state_put_bool(w, pc->uart_used);
    vmp_state_put_u32(w, pc->rx_len - pc->rx_pos);
    vmp_state_put_bytes(w, pc->rx_buf + pc->rx_pos, pc->rx_len - pc->rx_pos);
    vmp_state_put_u32(w, pc->dbg_len);
    vmp_state_put_bytes(w, pc->dbg_line, pc->dbg_len);
    save_parts(pc, w);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

/* The board's own fields, read and checked before anything is changed. */
struct pc_fields {
    bool uart_used;
    uint32_t rx_len, dbg_len;
    uint8_t rx_buf[VMP_PC_CONSOLE_BUF];
    char dbg_line[VMP_PC_DEBUG_LINE_MAX + 1];
};

static int load_all(struct vmp_pc *pc, struct vmp_state_reader *r, struct pc_fields *f)
{
    uint32_t ver;
    int err = vmp_state_open(r, "pc", PC_STATE_VERSION, &ver);
    if (err)
        return err;
    if (vmp_state_get_u32(r) != lapic_count(pc))
        vmp_state_fail(r, -EINVAL); /* saved with another vCPU count */
    f->uart_used = vmp_state_get_bool(r);
    f->rx_len = vmp_state_get_u32_max(r, VMP_PC_CONSOLE_BUF);
    if (f->rx_len > VMP_PC_CONSOLE_BUF)
        f->rx_len = 0; /* the reader failed already; keep the copy in bounds */
    vmp_state_get_bytes(r, f->rx_buf, f->rx_len);
    f->dbg_len = vmp_state_get_u32_max(r, VMP_PC_DEBUG_LINE_MAX);
    if (f->dbg_len > VMP_PC_DEBUG_LINE_MAX)
        f->dbg_len = 0;
    vmp_state_get_bytes(r, f->dbg_line, f->dbg_len);
    err = vmp_state_reader_status(r);
    if (!err)
        err = load_parts(pc, r);
    int cerr = vmp_state_close(r);
    return err ? err : cerr;
}

int vmp_pc_load(struct vmp_pc *pc, struct vmp_state_reader *r)
{
    struct vmp_state_writer backup;
    vmp_state_writer_init(&backup);
    int err = vmp_pc_save(pc, &backup);
    if (err) {
        vmp_state_writer_free(&backup);
        return err;
    }
    struct pc_fields f;
    memset(&f, 0, sizeof f);
    err = load_all(pc, r, &f);
    if (err) {
        /* Put back what the parts loaded before the error. */
        struct vmp_state_reader br;
        vmp_state_reader_init(&br, backup.buf, backup.len);
        int berr = load_all(pc, &br, &f);
        if (berr)
            vmp_logf(pc->env.log, VMP_LOG_ERROR, "pc: cannot restore the board: %s",
                     vmp_strerror(berr));
    }
    vmp_state_writer_free(&backup);
    if (err && vmp_state_reader_status(r) == 0)
        vmp_state_fail(r, err); /* the reader reports it too */
    memcpy(pc->rx_buf, f.rx_buf, f.rx_len);
    pc->rx_pos = 0;
    pc->rx_len = f.rx_len;
    pc->uart_used = f.uart_used;
    memcpy(pc->dbg_line, f.dbg_line, f.dbg_len);
    pc->dbg_len = f.dbg_len;
    pc->hpet_legacy = vmp_hpet_legacy_mode(pc->hpet);
    vmp_pc_sync_legacy_gate(pc);
    vmp_pc_sync_a20(pc);
    /* Buffered input waits for the UART's rx_ready (saved as its
     * rx_blocked); a stream where the UART was not waiting would leave
     * the bytes stuck, so offer them now (a consistent state refuses). */
    vmp_pc_console_flush(pc);
    return err;
}

void vmp_pc_reset(struct vmp_pc *pc)
{
    /* The console buffer first: the UART's reset lets it take input again
     * and would pull the old bytes in. Then interrupt sources (their lines
     * fall), controllers last. */
    vmp_pc_console_reset(pc);
    vmp_hpet_reset(pc->hpet);
    vmp_pit_reset(pc->pit);
    vmp_rtc_reset(pc->rtc);
    vmp_pm_reset(pc->pm);
    vmp_uart_reset(pc->com1);
    vmp_testdev_reset(pc->testdev);
    vmp_debug_exit_reset(pc->dexit);
    vmp_debug_console_reset(pc->dcon);
    vmp_reset_ctl_reset(pc->rst);
    vmp_port92_reset(pc->port92);
    vmp_i8042_reset(pc->kbc);
    vmp_pci_host_reset(pc->pci);
    vmp_pic_reset(pc->pic);
    vmp_ioapic_reset(pc->ioapic);
    for (unsigned i = 0; i < lapic_count(pc); i++)
        vmp_lapic_reset(pc->cpu[i].lapic);
    pc->hpet_legacy = vmp_hpet_legacy_mode(pc->hpet);
    vmp_pc_sync_legacy_gate(pc);
    vmp_pc_sync_a20(pc);
    vmp_pc_cmos_memory(pc);
}
