/* PC timers: PIT 8254 (with system control port B), RTC/CMOS MC146818,
 * HPET and the ACPI PM timer / PM1 block.
 *
 * Every counter is computed from the virtual clock (vmp_clock_now) when it
 * is read; virtual timers are armed only for interrupt edges. A model that
 * finds a timer fired late (the clock bounds firings per step) catches up
 * from the time, delivering at most one edge for the periods it missed,
 * so tiny periods can neither hang the clock nor make the counters drift.
 *
 * All four need env->clock; env->log is optional. */
#ifndef VMPARTS_TIMER_H
#define VMPARTS_TIMER_H

#include <vmparts/bus.h>
#include <vmparts/clock.h>
#include <vmparts/irqline.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * PIT: Intel 8254 programmable interval timer, ports 0x40-0x43, plus
 * port 0x61 (system control port B: channel 2 gate, speaker data enable,
 * refresh toggle, OUT2). Channel 0 drives IRQ0; the gates of channels 0
 * and 1 are tied high as on a PC; channel 2's gate is port 0x61 bit 0.
 * ------------------------------------------------------------------- */
#define VMP_PIT_HZ 1193182u          /* 14.31818 MHz / 12 */
#define VMP_PIT_PORT 0x40u
#define VMP_PIT_PORT61 0x61u
#define VMP_PIT_REFRESH_NS 15085u    /* port 0x61 bit 4 toggles this often */

struct vmp_pit;

/* irq0: channel 0 OUT (may be NULL). */
struct vmp_pit *vmp_pit_create(const struct vmp_env *env, struct vmp_irq *irq0);
void vmp_pit_destroy(struct vmp_pit *pit);
void vmp_pit_reset(struct vmp_pit *pit);
/* Ports base+0..3 (counters 0-2, control word). */
extern const struct vmp_io_ops vmp_pit_io_ops;
/* Port 0x61 alone (offset 0); dev is the PIT too. */
extern const struct vmp_io_ops vmp_pit_port61_io_ops;
/* Maps base..base+3 (normally VMP_PIT_PORT). */
int vmp_pit_attach(struct vmp_pit *pit, struct vmp_space *pio, uint64_t base);
/* Maps port (normally VMP_PIT_PORT61). */
int vmp_pit_attach_port61(struct vmp_pit *pit, struct vmp_space *pio, uint64_t port);
/* Drive a channel's GATE input (channel 2's is also port 0x61 bit 0). */
void vmp_pit_set_gate(struct vmp_pit *pit, unsigned channel, bool level);
bool vmp_pit_get_out(struct vmp_pit *pit, unsigned channel);
/* Cut IRQ0 off (driven low) while masked, as a chipset does while the HPET
 * is in legacy replacement mode (vmp_hpet_config.legacy_changed). Board
 * wiring, not saved. */
void vmp_pit_mask_irq(struct vmp_pit *pit, bool masked);
/* Speaker: true when OUT2 is gated to it (port 0x61 bits 0 and 1); *hz is
 * the square-wave frequency when channel 2 runs in mode 3, else 0. */
bool vmp_pit_speaker(struct vmp_pit *pit, uint32_t *hz);
int vmp_pit_save(const struct vmp_pit *pit, struct vmp_state_writer *w);
int vmp_pit_load(struct vmp_pit *pit, struct vmp_state_reader *r);

/* ---------------------------------------------------------------------
 * ACPI PM1a event/control blocks, PM timer and GPE0 block (ACPI 6.x §4.8).
 * One region of VMP_PM_LEN ports, normally at VMP_PM_BASE; the FADT takes
 * the addresses and lengths below.
 * ------------------------------------------------------------------- */
#define VMP_PM_BASE 0x600u
#define VMP_PM_LEN 0x40u
#define VMP_PM_TMR_HZ 3579545u
#define VMP_PM1A_EVT_OFF 0x00u /* PM1_STS (2) then PM1_EN (2) */
#define VMP_PM1_EVT_LEN 4u
#define VMP_PM1A_CNT_OFF 0x04u
#define VMP_PM1_CNT_LEN 2u
#define VMP_PM_TMR_OFF 0x08u
#define VMP_PM_TMR_LEN 4u
#define VMP_GPE0_OFF 0x20u     /* status (8 bytes) then enable (8 bytes) */
#define VMP_GPE0_LEN 16u
#define VMP_GPE0_BITS 64u

/* PM1 status/enable bits (ACPI 6.x §4.8.3.1) */
#define VMP_PM1_TMR 0x0001u
#define VMP_PM1_BM_STS 0x0010u
#define VMP_PM1_GBL 0x0020u
#define VMP_PM1_PWRBTN 0x0100u
#define VMP_PM1_SLPBTN 0x0200u
#define VMP_PM1_RTC 0x0400u
#define VMP_PM1_WAK_STS 0x8000u
/* PM1 control bits (§4.8.3.2.1) */
#define VMP_PM1_SCI_EN 0x0001u
#define VMP_PM1_BM_RLD 0x0002u
#define VMP_PM1_GBL_RLS 0x0004u
#define VMP_PM1_SLP_TYP_SHIFT 10
#define VMP_PM1_SLP_TYP_MASK 0x1C00u
#define VMP_PM1_SLP_EN 0x2000u
/* The SLP_TYP value the DSDT's \_S5 package must give (S5 = soft off). */
#define VMP_PM_SLP_TYP_S5 5u

struct vmp_pm_config {
    bool tmr_val_ext;  /* 32-bit PM timer (FADT flag TMR_VAL_EXT), else 24 */
    bool sci_en;       /* SCI_EN set at reset (FADT SMI_CMD = 0: always ACPI) */
    /* SLP_EN written with SLP_TYP = VMP_PM_SLP_TYP_S5. May be NULL. */
    void (*power_off)(void *opaque);
    void *opaque;
};

struct vmp_pm;

/* sci: the SCI line (level, active high as the line sees it). */
struct vmp_pm *vmp_pm_create(const struct vmp_env *env, struct vmp_irq *sci,
                             const struct vmp_pm_config *cfg);
void vmp_pm_destroy(struct vmp_pm *pm);
void vmp_pm_reset(struct vmp_pm *pm);
extern const struct vmp_io_ops vmp_pm_io_ops;
int vmp_pm_attach(struct vmp_pm *pm, struct vmp_space *pio, uint64_t base);
/* The power button was pressed: sets PWRBTN_STS (SCI if enabled). */
void vmp_pm_power_button(struct vmp_pm *pm);
/* Set a GPE0 status bit (0..63) from a device, e.g. hotplug. */
void vmp_pm_gpe_raise(struct vmp_pm *pm, unsigned bit);
/* The current counter value (24 or 32 bits). */
uint32_t vmp_pm_timer_value(struct vmp_pm *pm);
int vmp_pm_save(const struct vmp_pm *pm, struct vmp_state_writer *w);
int vmp_pm_load(struct vmp_pm *pm, struct vmp_state_reader *r);

/* ---------------------------------------------------------------------
 * RTC / CMOS: Motorola MC146818A, index port 0x70 (bit 7 masks NMI), data
 * port 0x71, optional upper bank at 0x72/0x73 (256-byte CMOS). IRQ8 is the
 * IRQF bit of register C (high until register C is read).
 * Time is a host-supplied epoch at creation advanced by the virtual clock;
 * updates happen once a second with UIP set for the 244 us before each.
 * DSE (daylight saving) is stored but not applied (PCs leave it clear).
 * ------------------------------------------------------------------- */
#define VMP_RTC_PORT 0x70u
#define VMP_RTC_UIP_NS 244000u
/* Register indexes and the CMOS bytes a PC BIOS keeps there. */
#define VMP_RTC_REG_A 0x0Au
#define VMP_RTC_REG_B 0x0Bu
#define VMP_RTC_REG_C 0x0Cu
#define VMP_RTC_REG_D 0x0Du
#define VMP_CMOS_SHUTDOWN 0x0Fu
#define VMP_CMOS_FLOPPY 0x10u
#define VMP_CMOS_EQUIPMENT 0x14u
#define VMP_CMOS_BASE_MEM_KB 0x15u   /* word */
#define VMP_CMOS_EXT_MEM_KB 0x17u    /* word, 1M-64M in KiB (also at 0x30) */
#define VMP_CMOS_CENTURY 0x32u       /* BCD; the FADT CENTURY field */
#define VMP_CMOS_MEM_16M_64K 0x34u   /* word, 16M-4G in 64 KiB units */
#define VMP_CMOS_BOOT_ORDER 0x3Du    /* Bochs/SeaBIOS convention */
#define VMP_CMOS_MEM_4G_64K 0x5Bu    /* 3 bytes, above 4G in 64 KiB units */

struct vmp_rtc_config {
    int64_t epoch;   /* seconds since 1970-01-01 00:00:00 UTC, 0..year 9999 */
    bool extended;   /* 256 bytes of CMOS, upper bank on base+2/base+3 */
};

struct vmp_rtc;

/* irq8 may be NULL. The time registers start in BCD, 24-hour mode with
 * register A = 0x26 (32.768 kHz, 1024 Hz periodic rate) as a BIOS leaves
 * them; the century byte is set from the epoch. */
struct vmp_rtc *vmp_rtc_create(const struct vmp_env *env, struct vmp_irq *irq8,
                               const struct vmp_rtc_config *cfg);
void vmp_rtc_destroy(struct vmp_rtc *rtc);
/* The RESET pin (MC146818A "RESET"): clears PIE, AIE, UIE, SQWE and the
 * register C flags; time and RAM are kept. */
void vmp_rtc_reset(struct vmp_rtc *rtc);
extern const struct vmp_io_ops vmp_rtc_io_ops;
/* Maps base..base+1 (base+3 with extended CMOS). */
int vmp_rtc_attach(struct vmp_rtc *rtc, struct vmp_space *pio, uint64_t base);
/* Direct CMOS access for the BIOS: indexes 0x0E..0x7F (or 0xFF) are RAM;
 * lower indexes behave as a guest access would. Out of range: 0xFF/no-op. */
uint8_t vmp_rtc_cmos_read(struct vmp_rtc *rtc, unsigned index);
void vmp_rtc_cmos_write(struct vmp_rtc *rtc, unsigned index, uint8_t value);
bool vmp_rtc_nmi_masked(const struct vmp_rtc *rtc);
/* Cut IRQ8 off while masked (HPET legacy replacement); board wiring, not
 * saved. Register C still reports IRQF. */
void vmp_rtc_mask_irq(struct vmp_rtc *rtc, bool masked);
/* Set or read the time as seconds since 1970 (in the current BCD/binary
 * and 12/24-hour format, century byte included). get returns -1 when the
 * registers do not hold a valid date. */
int vmp_rtc_set_time(struct vmp_rtc *rtc, int64_t epoch);
int64_t vmp_rtc_get_time(struct vmp_rtc *rtc);
int vmp_rtc_save(const struct vmp_rtc *rtc, struct vmp_state_writer *w);
int vmp_rtc_load(struct vmp_rtc *rtc, struct vmp_state_reader *r);

/* ---------------------------------------------------------------------
 * HPET (IA-PC HPET specification 1.0a): 1 KiB of MMIO, normally at
 * VMP_HPET_BASE. 64-bit main counter at VMP_HPET_HZ, VMP_HPET_TIMERS
 * comparators, each 64-bit capable with a 32-bit mode, one-shot and
 * periodic, edge or level, routed to an IOAPIC input allowed by
 * route_cap, or by FSB (MSI) messages, or by legacy replacement (timer 0
 * to IRQ0, timer 1 to IRQ8). Late timers deliver one interrupt for the
 * matches they missed; interrupts of one comparator are at least
 * VMP_HPET_MIN_TICK ticks apart (the ACPI table announces this minimum).
 * ------------------------------------------------------------------- */
#define VMP_HPET_BASE 0xFED00000u
#define VMP_HPET_LEN 0x400u
#define VMP_HPET_HZ 100000000u          /* 10 ns per tick */
#define VMP_HPET_PERIOD_FS 10000000u    /* GCAP_ID COUNTER_CLK_PERIOD */
#define VMP_HPET_TIMERS 3u
#define VMP_HPET_VENDOR 0x8086u
/* GCAP_ID bits 31:0 (REV_ID 1, NUM_TIM_CAP, COUNT_SIZE_CAP, LEG_RT_CAP,
 * VENDOR_ID): the ACPI HPET table's Event Timer Block ID. */
#define VMP_HPET_ID (0x01u | (VMP_HPET_TIMERS - 1) << 8 | 1u << 13 | 1u << 15 | \
                     VMP_HPET_VENDOR << 16)
#define VMP_HPET_MIN_TICK 100u          /* ACPI HPET "minimum clock tick" */
#define VMP_HPET_GSIS 24u
#define VMP_HPET_ROUTE_CAP 0x00FF0000u  /* default Tn_INT_ROUTE_CAP: GSI 16-23 */

struct vmp_hpet_config {
    struct vmp_irq *gsi[VMP_HPET_GSIS]; /* IOAPIC inputs; NULL = not wired */
    struct vmp_irq *legacy_irq0;        /* ISA IRQ0 (IOAPIC GSI 2 via override) */
    struct vmp_irq *legacy_irq8;        /* ISA IRQ8 */
    struct vmp_msi_sink msi;            /* FSB delivery */
    uint32_t route_cap;                 /* 0: VMP_HPET_ROUTE_CAP */
    /* Legacy replacement switched on or off: the board should then stop
     * (or resume) routing the PIT's IRQ0 and the RTC's IRQ8, e.g. with
     * vmp_pit_mask_irq and vmp_rtc_mask_irq. May be NULL. */
    void (*legacy_changed)(void *opaque, bool on);
    void *opaque;
};

struct vmp_hpet;

struct vmp_hpet *vmp_hpet_create(const struct vmp_env *env, const struct vmp_hpet_config *cfg);
void vmp_hpet_destroy(struct vmp_hpet *hpet);
void vmp_hpet_reset(struct vmp_hpet *hpet);
extern const struct vmp_io_ops vmp_hpet_io_ops;
int vmp_hpet_attach(struct vmp_hpet *hpet, struct vmp_space *mmio, uint64_t base);
uint64_t vmp_hpet_counter(struct vmp_hpet *hpet);
bool vmp_hpet_legacy_mode(const struct vmp_hpet *hpet);
int vmp_hpet_save(const struct vmp_hpet *hpet, struct vmp_state_writer *w);
int vmp_hpet_load(struct vmp_hpet *hpet, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif
