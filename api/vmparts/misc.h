/* Small fixed-function ports of a PC and of test setups:
 *   - debug exit (QEMU isa-debug-exit compatible), 0xF4 on the reference
 *     board: a write of v ends the VM with status (v << 1) | 1;
 *   - debug console (Bochs/QEMU port 0xE9): bytes to the host, reads
 *     return 0xE9 so guests can detect it;
 *   - test device (QEMU pc-testdev's ports): a 32-bit scratch register at
 *     0xE0 and, byte-wise, at 0xE8, a page-flush request at 0xE4, and IRQ
 *     line control at 0x2000 + n;
 *   - reset control register at 0xCF9 (Intel ICH/PCH RST_CNT);
 *   - System Control Port A at 0x92 (fast A20 gate, fast reset).
 * None of them needs env->clock or env->mem; env->log may be NULL. */
#ifndef VMPARTS_MISC_H
#define VMPARTS_MISC_H

#include <vmparts/bus.h>
#include <vmparts/irqline.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- debug exit ------------------------------------------------------
 * Any write at any offset of the region calls exit(opaque, (v << 1) | 1)
 * with v the value as written (1, 2 or 4 bytes wide, not shifted by the
 * offset), as QEMU's isa-debug-exit does; the embedder ends the VM. An
 * odd status can never be 0, so "the guest said 0" (status 1) differs
 * from a clean VMM exit. Reads return all ones (nothing to read). The
 * region is iosize ports long (1, 2 or 4); max access size 4. No guest
 * state: save/load carry only iosize, so a state saved for a different
 * wiring is refused. */
struct vmp_debug_exit_ops {
    void (*exit)(void *opaque, uint64_t status);
    void *opaque;
};
struct vmp_debug_exit;
struct vmp_debug_exit *vmp_debug_exit_create(const struct vmp_env *env, unsigned iosize,
                                             const struct vmp_debug_exit_ops *ops);
void vmp_debug_exit_destroy(struct vmp_debug_exit *d);
void vmp_debug_exit_reset(struct vmp_debug_exit *d);
extern const struct vmp_io_ops vmp_debug_exit_io_ops;
int vmp_debug_exit_attach(struct vmp_debug_exit *d, struct vmp_space *space, uint64_t base);
int vmp_debug_exit_save(const struct vmp_debug_exit *d, struct vmp_state_writer *w);
int vmp_debug_exit_load(struct vmp_debug_exit *d, struct vmp_state_reader *r);

/* ---- debug console ---------------------------------------------------
 * One port. Each byte written goes to putc (wider writes are split by
 * the bus; only the byte at the port reaches it). Reads return 0xE9, the
 * value Bochs and QEMU answer so a guest can tell the port is there.
 * putc may be NULL (output dropped). No state. */
#define VMP_DEBUG_CONSOLE_READBACK 0xE9
struct vmp_debug_console_ops {
    void (*putc)(void *opaque, uint8_t byte);
    void *opaque;
};
struct vmp_debug_console;
struct vmp_debug_console *vmp_debug_console_create(const struct vmp_env *env,
                                                   const struct vmp_debug_console_ops *ops);
void vmp_debug_console_destroy(struct vmp_debug_console *c);
void vmp_debug_console_reset(struct vmp_debug_console *c);
extern const struct vmp_io_ops vmp_debug_console_io_ops;
int vmp_debug_console_attach(struct vmp_debug_console *c, struct vmp_space *space,
                             uint64_t base);
int vmp_debug_console_save(const struct vmp_debug_console *c, struct vmp_state_writer *w);
int vmp_debug_console_load(struct vmp_debug_console *c, struct vmp_state_reader *r);

/* ---- test device (pc-testdev ports) ----------------------------------
 * Semantics chosen after reading QEMU's hw/misc/pc-testdev.c (behaviour
 * only; this is an independent implementation):
 *   0xE0-0xE3  a 32-bit data register. An access of n bytes at 0xE0+k
 *              reads/writes bytes k..k+n-1 of it (little-endian lanes);
 *              lanes past byte 3 are dropped (read as 0).
 *   0xE4-0xE7  page flush: a 4-byte write of a guest-physical address
 *              asks the host to flush that 4 KiB page (flush_page gets
 *              the address with bits 11:0 clear; the embedder may
 *              invalidate any cached translation of it). Other sizes are
 *              ignored; reads return all ones (write-only).
 *   0xE8-0xEB  the same data register, taking accesses one byte at a
 *              time (max_size 1: the bus splits wider ones), so guests
 *              can test the VMM's splitting of I/O.
 *   0x2000+n   n = 0..23: a write sets IRQ line n (any nonzero value
 *              raises it, 0 lowers it; pc-testdev is byte-wide, so wider
 *              writes are split and also drive n+1...). Reads return the
 *              level this device drives on line n (0 or 1).
 * pc-testdev also has a 64 KiB MMIO scratch area at 0xFF000000; it is not
 * modelled. Note 0xE8-0xEB overlaps the debug console at 0xE9: a board
 * has one or the other there (vmp_testdev_attach fails with -EEXIST). */
#define VMP_TESTDEV_IRQS 24
#define VMP_TESTDEV_DATA_PORT 0xE0
#define VMP_TESTDEV_FLUSH_PORT 0xE4
#define VMP_TESTDEV_DATA_BYTE_PORT 0xE8
#define VMP_TESTDEV_IRQ_PORT 0x2000
struct vmp_testdev_ops {
    void (*flush_page)(void *opaque, uint64_t gpa); /* may be NULL */
    void *opaque;
};
struct vmp_testdev;
/* irqs: VMP_TESTDEV_IRQS outputs (entries may be NULL; irqs may be NULL
 * for none); copied. ops may be NULL. */
struct vmp_testdev *vmp_testdev_create(const struct vmp_env *env,
                                       struct vmp_irq *const irqs[VMP_TESTDEV_IRQS],
                                       const struct vmp_testdev_ops *ops);
void vmp_testdev_destroy(struct vmp_testdev *t); /* IRQs untouched */
/* Data register 0, all IRQ outputs lowered. */
void vmp_testdev_reset(struct vmp_testdev *t);
/* The four regions, each 4 ports long except the IRQ one (24). */
extern const struct vmp_io_ops vmp_testdev_io_ops;       /* 0xE0 data */
extern const struct vmp_io_ops vmp_testdev_byte_io_ops;  /* 0xE8 data, bytewise */
extern const struct vmp_io_ops vmp_testdev_flush_io_ops; /* 0xE4 */
extern const struct vmp_io_ops vmp_testdev_irq_io_ops;   /* 0x2000 */
/* Maps all four at their fixed ports (undone if one fails). base is
 * added to every port (0 for the standard layout). */
int vmp_testdev_attach(struct vmp_testdev *t, struct vmp_space *space, uint64_t base);
uint32_t vmp_testdev_data(const struct vmp_testdev *t);
int vmp_testdev_save(const struct vmp_testdev *t, struct vmp_state_writer *w);
int vmp_testdev_load(struct vmp_testdev *t, struct vmp_state_reader *r);

/* ---- resets ------------------------------------------------------------ */
enum vmp_reset_kind {
    VMP_RESET_INIT = 0, /* CPU INIT# only ("soft reset"): memory and
                         * platform state are kept */
    VMP_RESET_HARD = 1, /* platform reset (PLTRST#): CPUs and devices */
    VMP_RESET_FULL = 2, /* hard reset through a power cycle (S5 and back) */
};
struct vmp_reset_ops {
    void (*reset)(void *opaque, enum vmp_reset_kind kind);
    void *opaque;
};

/* ---- reset control register, port 0xCF9 ------------------------------
 * Intel I/O Controller Hub / PCH datasheets, "Reset Control Register
 * (RST_CNT), I/O 0CF9h" (PIIX3/4 have bits 1-2 of it):
 *   bit 3 FULL_RST: with SYS_RST, the hard reset is a full power cycle;
 *   bit 2 RST_CPU:  a 0->1 transition starts the reset selected by SYS_RST;
 *   bit 1 SYS_RST:  0 = soft reset (INIT#), 1 = hard reset.
 * Bits 3:1 read back as written; bits 7:4 and 0 are reserved (read 0).
 * The reset callback runs from inside the port write; the embedder then
 * resets what it must (including, for hard resets, this register via
 * vmp_reset_ctl_reset). One port, byte access. */
#define VMP_RESET_CTL_PORT 0xCF9
struct vmp_reset_ctl;
struct vmp_reset_ctl *vmp_reset_ctl_create(const struct vmp_env *env,
                                           const struct vmp_reset_ops *ops);
void vmp_reset_ctl_destroy(struct vmp_reset_ctl *rc);
void vmp_reset_ctl_reset(struct vmp_reset_ctl *rc); /* register to 00h */
extern const struct vmp_io_ops vmp_reset_ctl_io_ops;
int vmp_reset_ctl_attach(struct vmp_reset_ctl *rc, struct vmp_space *space, uint64_t base);
int vmp_reset_ctl_save(const struct vmp_reset_ctl *rc, struct vmp_state_writer *w);
int vmp_reset_ctl_load(struct vmp_reset_ctl *rc, struct vmp_state_reader *r);

/* ---- System Control Port A, port 0x92 ("fast A20") -------------------
 * Intel ICH/PCH datasheets, "Port 92h":
 *   bit 1 ALT_A20_GATE: 1 lets address line 20 through. The a20 callback
 *         runs on every change; the board ORs it with the keyboard
 *         controller's A20 output.
 *   bit 0 INIT_NOW: a 0->1 transition pulses INIT# (reset callback with
 *         VMP_RESET_INIT); software clears it before the next one.
 * Bits 7:2 are reserved and read 0. Reset value 00h (A20 gated): the
 * reset function calls a20 if that is a change. One port, byte access. */
#define VMP_PORT92_PORT 0x92
struct vmp_port92_ops {
    void (*a20)(void *opaque, bool enabled); /* may be NULL */
    void (*reset)(void *opaque, enum vmp_reset_kind kind); /* may be NULL */
    void *opaque;
};
struct vmp_port92;
struct vmp_port92 *vmp_port92_create(const struct vmp_env *env,
                                     const struct vmp_port92_ops *ops);
void vmp_port92_destroy(struct vmp_port92 *p);
void vmp_port92_reset(struct vmp_port92 *p);
bool vmp_port92_a20(const struct vmp_port92 *p);
extern const struct vmp_io_ops vmp_port92_io_ops;
int vmp_port92_attach(struct vmp_port92 *p, struct vmp_space *space, uint64_t base);
/* Load restores the register and calls a20 if the gate changed. */
int vmp_port92_save(const struct vmp_port92 *p, struct vmp_state_writer *w);
int vmp_port92_load(struct vmp_port92 *p, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif
