/* INT 08h (IRQ0 tick count) and INT 1Ah (time of day).
 *
 * Sources: IBM PC/AT Technical Reference, "TIMER_INT" and "TIME_OF_DAY"
 * (tick count at 40:6C, midnight flag at 40:70, 1800B0h ticks a day);
 * RBIL INT 1A/AH=00h-05h; Motorola MC146818A datasheet for the RTC
 * registers (0 seconds, 2 minutes, 4 hours, 7 day, 8 month, 9 year;
 * register A divider bits 6-4 = 010 when the clock runs; register B bit 7
 * SET, bit 2 DM binary, bit 1 24-hour, bit 0 DSE) and CMOS 32h century
 * (IBM PC/AT CMOS map). Times are BCD in the registers of INT 1Ah
 * whatever mode the RTC runs in. */
#include "svc_priv.h"

#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_A 0x0A
#define RTC_B 0x0B
#define CMOS_CENTURY 0x32
#define B_SET 0x80
#define B_DM 0x04
#define B_24H 0x02
#define B_DSE 0x01

static uint8_t bcd(uint8_t v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }
static uint8_t unbcd(uint8_t v) { return (uint8_t)((v >> 4) * 10 + (v & 0x0F)); }

void bios_int08(struct vmp_bios *b)
{
    uint32_t t = bda_rd32(b, BDA_TICKS) + 1;
    if (t >= BIOS_TICKS_PER_DAY) {
        t = 0;
        bda_wr8(b, BDA_MIDNIGHT, 1);
    }
    bda_wr32(b, BDA_TICKS, t);
}

static bool rtc_running(struct vmp_bios *b)
{
    return b->cfg.cmos_read && (bios_cmos_read(b, RTC_A) & 0x70) == 0x20;
}

/* RTC register value -> BCD, per register B's format. */
static uint8_t rd_bcd(struct vmp_bios *b, uint8_t reg, uint8_t regb)
{
    uint8_t v = bios_cmos_read(b, reg);
    if (reg == RTC_HOUR && !(regb & B_24H)) { /* 12-hour: bit 7 = PM */
        bool pm = v & 0x80;
        uint8_t h = (uint8_t)(v & 0x7F);
        h = (regb & B_DM) ? h : unbcd(h);
        h = (uint8_t)(h % 12 + (pm ? 12 : 0));
        return bcd(h);
    }
    return (regb & B_DM) ? bcd(v) : v;
}

static void wr_bcd(struct vmp_bios *b, uint8_t reg, uint8_t regb, uint8_t v)
{
    uint8_t bin = unbcd(v);
    if (reg == RTC_HOUR && !(regb & B_24H)) {
        uint8_t h = bin % 12 ? bin % 12 : 12;
        uint8_t out = (regb & B_DM) ? h : bcd(h);
        bios_cmos_write(b, reg, (uint8_t)(out | (bin >= 12 ? 0x80 : 0)));
        return;
    }
    bios_cmos_write(b, reg, (regb & B_DM) ? bin : v);
}

static bool valid_bcd(uint8_t v, uint8_t max)
{
    return (v & 0x0F) <= 9 && (v >> 4) <= 9 && unbcd(v) <= max;
}

void bios_int1a(struct vmp_bios *b, struct bios_call *c)
{
    uint8_t regb;
    switch (AH(c)) {
    case 0x00:
        set8l(c, VMP_RAX, bda_rd8(b, BDA_MIDNIGHT));
        bda_wr8(b, BDA_MIDNIGHT, 0);
        {
            uint32_t t = bda_rd32(b, BDA_TICKS);
            set16(c, VMP_RCX, (uint16_t)(t >> 16));
            set16(c, VMP_RDX, (uint16_t)t);
        }
        set_cf(c, false);
        return;
    case 0x01: {
        uint32_t t = (uint32_t)R16(c, VMP_RCX) << 16 | R16(c, VMP_RDX);
        bda_wr32(b, BDA_TICKS, t < BIOS_TICKS_PER_DAY ? t : t % BIOS_TICKS_PER_DAY);
        bda_wr8(b, BDA_MIDNIGHT, 0);
        set_cf(c, false);
        return;
    }
    case 0x02:
    case 0x04:
        if (!rtc_running(b)) {
            set_cf(c, true);
            return;
        }
        regb = bios_cmos_read(b, RTC_B);
        if (AH(c) == 0x02) {
            set8h(c, VMP_RCX, rd_bcd(b, RTC_HOUR, regb));
            set8l(c, VMP_RCX, rd_bcd(b, RTC_MIN, regb));
            set8h(c, VMP_RDX, rd_bcd(b, RTC_SEC, regb));
            set8l(c, VMP_RDX, regb & B_DSE);
        } else {
            /* The century byte is kept in BCD (IBM PC/AT CMOS map). */
            set8h(c, VMP_RCX, bios_cmos_read(b, CMOS_CENTURY));
            set8l(c, VMP_RCX, rd_bcd(b, RTC_YEAR, regb));
            set8h(c, VMP_RDX, rd_bcd(b, RTC_MONTH, regb));
            set8l(c, VMP_RDX, rd_bcd(b, RTC_DAY, regb));
        }
        set_cf(c, false);
        return;
    case 0x03:
    case 0x05:
        if (!b->cfg.cmos_write || !b->cfg.cmos_read) {
            set_cf(c, true);
            return;
        }
        if (AH(c) == 0x03 ? !valid_bcd(CH(c), 23) || !valid_bcd(CL(c), 59) ||
                                !valid_bcd(DH(c), 59)
                          : !valid_bcd(CH(c), 99) || !valid_bcd(CL(c), 99) ||
                                !valid_bcd(DH(c), 12) || DH(c) == 0 ||
                                !valid_bcd(DL(c), 31) || DL(c) == 0) {
            set_cf(c, true);
            return;
        }
        regb = bios_cmos_read(b, RTC_B);
        /* Hold updates while the registers change (MC146818A: SET bit). */
        bios_cmos_write(b, RTC_B, regb | B_SET);
        if (AH(c) == 0x03) {
            wr_bcd(b, RTC_HOUR, regb, CH(c));
            wr_bcd(b, RTC_MIN, regb, CL(c));
            wr_bcd(b, RTC_SEC, regb, DH(c));
            regb = (uint8_t)((regb & ~B_DSE) | (DL(c) & 1));
        } else {
            bios_cmos_write(b, CMOS_CENTURY, CH(c));
            wr_bcd(b, RTC_YEAR, regb, CL(c));
            wr_bcd(b, RTC_MONTH, regb, DH(c));
            wr_bcd(b, RTC_DAY, regb, DL(c));
        }
        bios_cmos_write(b, RTC_B, regb & ~B_SET);
        set_cf(c, false);
        return;
    default:
        bios_unsupported(b, c, TRAP_INT1A);
        return;
    }
}
