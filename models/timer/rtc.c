/* Motorola MC146818A real-time clock with CMOS RAM (datasheet
 * MC146818A/D, "Real-Time Clock Plus RAM"), as wired in a PC: index port
 * 0x70 (bit 7 masks NMI), data port 0x71, IRQ8.
 *
 * Nothing counts by itself: the time registers, the register C flags and
 * UIP are brought up to date from the virtual clock whenever they are
 * looked at (rtc_sync). Updates happen at origin + k seconds, periodic
 * ticks at origin + j * 2^(shift) / 32768 s, where origin is an update
 * instant fixed when the divider chain starts. A virtual timer is armed
 * only for the next event that would raise IRQF; once a flag is set the
 * line stays high until register C is read, so a guest that never reads
 * C costs nothing. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/timer.h>

#define REG_A_UIP 0x80
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04   /* 1: binary */
#define REG_B_24H 0x02
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10
#define REG_D_VRT 0x80

#define NS_PER_SEC ((int64_t)1000000000)
#define SECS_PER_CENTURY (36525ull * 86400) /* y % 4 leap rule, 00-99 */

struct vmp_rtc {
    struct vmp_env env;
    struct vmp_irq *irq;
    struct vmp_timer *timer;
    struct vmp_rtc_config cfg;
    uint8_t ram[256];   /* 0-9 time/alarm, A, B; C/D live elsewhere */
    uint8_t index, index_hi;
    bool nmi_masked;
    uint8_t flags;      /* register C: PF | AF | UF */
    uint64_t origin;    /* an update instant: the divider's phase */
    uint64_t synced;    /* flags and time are current up to here */
    bool line;          /* what IRQ8 is driven to */
    bool masked;        /* HPET legacy replacement cuts IRQ8 off */
};

struct rtc_tm {
    int sec, min, hour, dow, day, mon, year, cent;
};

/* ---- time arithmetic ---- */

static int64_t floor_div(__int128 a, int64_t b)
{
    __int128 q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    return (int64_t)q;
}

static int64_t since(const struct vmp_rtc *r, uint64_t t) { return (int64_t)(t - r->origin); }

static int64_t update_index(const struct vmp_rtc *r, uint64_t t)
{
    return floor_div(since(r, t), NS_PER_SEC);
}

/* 32.768 kHz divider clocks since origin. */
static int64_t clk_index(const struct vmp_rtc *r, uint64_t t)
{
    return floor_div((__int128)since(r, t) * 32768, NS_PER_SEC);
}

static bool running(const struct vmp_rtc *r)
{
    return ((r->ram[VMP_RTC_REG_A] >> 4) & 7) == 2; /* DV = 010: 32.768 kHz */
}

/* Periodic rate (register A RS3-0, Table 5): log2 of the period in
 * divider clocks, or -1 for none. RS 1 and 2 give 3.90625/7.8125 ms. */
static int rate_shift(const struct vmp_rtc *r)
{
    unsigned rs = r->ram[VMP_RTC_REG_A] & 15;
    if (!rs)
        return -1;
    return rs <= 2 ? (int)rs + 6 : (int)rs - 1;
}

static uint64_t next_update(const struct vmp_rtc *r, uint64_t t)
{
    return r->origin + (uint64_t)((update_index(r, t) + 1) * NS_PER_SEC);
}

static uint64_t next_periodic(const struct vmp_rtc *r, uint64_t t, int sh)
{
    int64_t j = (clk_index(r, t) >> sh) + 1;
    __int128 clks = (__int128)j * ((int64_t)1 << sh);
    int64_t ns = -floor_div(-clks * NS_PER_SEC, 32768); /* ceil */
    return r->origin + (uint64_t)ns;
}

/* ---- register formats (§"Time, Calendar and Alarm Locations") ---- */

static bool binary(const struct vmp_rtc *r) { return r->ram[VMP_RTC_REG_B] & REG_B_DM; }

static uint8_t enc(const struct vmp_rtc *r, int v)
{
    return binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int dec(const struct vmp_rtc *r, uint8_t b)
{
    return binary(r) ? b : (b >> 4) * 10 + (b & 15);
}

static uint8_t enc_hour(const struct vmp_rtc *r, int h)
{
    if (r->ram[VMP_RTC_REG_B] & REG_B_24H)
        return enc(r, h);
    int h12 = h % 12 ? h % 12 : 12; /* 12-hour: 1-12, bit 7 = PM */
    return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const struct vmp_rtc *r, uint8_t b)
{
    if (r->ram[VMP_RTC_REG_B] & REG_B_24H)
        return dec(r, b);
    return dec(r, b & 0x7F) % 12 + (b & 0x80 ? 12 : 0);
}

static int days_in_month(int year, int mon)
{
    static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return mon == 2 && year % 4 == 0 ? 29 : d[mon - 1];
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Decode the time registers; out-of-range values (undefined in the
 * datasheet) are clamped so the arithmetic stays defined. */
static void read_tm(const struct vmp_rtc *r, struct rtc_tm *tm)
{
    tm->sec = dec(r, r->ram[0]) % 60;
    tm->min = dec(r, r->ram[2]) % 60;
    tm->hour = dec_hour(r, r->ram[4]) % 24;
    tm->dow = clampi(dec(r, r->ram[6]), 1, 7);
    tm->year = dec(r, r->ram[9]) % 100;
    tm->mon = clampi(dec(r, r->ram[8]), 1, 12);
    tm->day = clampi(dec(r, r->ram[7]), 1, days_in_month(tm->year, tm->mon));
    tm->cent = dec(r, r->ram[VMP_CMOS_CENTURY]) % 100;
}

static void write_tm(struct vmp_rtc *r, const struct rtc_tm *tm)
{
    r->ram[0] = enc(r, tm->sec);
    r->ram[2] = enc(r, tm->min);
    r->ram[4] = enc_hour(r, tm->hour);
    r->ram[6] = enc(r, tm->dow);
    r->ram[7] = enc(r, tm->day);
    r->ram[8] = enc(r, tm->mon);
    r->ram[9] = enc(r, tm->year);
    r->ram[VMP_CMOS_CENTURY] = enc(r, tm->cent);
}

static uint64_t day_of_century(const struct rtc_tm *tm)
{
    uint64_t n = (uint64_t)tm->year * 365 + (uint64_t)(tm->year + 3) / 4;
    for (int m = 1; m < tm->mon; m++)
        n += (uint64_t)days_in_month(tm->year, m);
    return n + (uint64_t)tm->day - 1;
}

/* Alarm byte -> value to match: -1 don't care (11xxxxxx), -2 never. */
static int alarm_target(const struct vmp_rtc *r, uint8_t b, bool hour)
{
    if ((b & 0xC0) == 0xC0)
        return -1;
    for (int v = 0; v < (hour ? 24 : 60); v++)
        if ((hour ? enc_hour(r, v) : enc(r, v)) == b)
            return v;
    return -2;
}

static long first_match(long start, int th, int tm, int ts)
{
    for (long h = start / 3600; h < 24; h++) {
        if (th >= 0 && h != th)
            continue;
        for (long m = h == start / 3600 ? start / 60 % 60 : 0; m < 60; m++) {
            if (tm >= 0 && m != tm)
                continue;
            long base = h * 3600 + m * 60;
            long s0 = start > base ? start - base : 0;
            if (ts < 0)
                return base + s0;
            if (ts >= s0)
                return base + ts;
        }
    }
    return -1;
}

/* Seconds (1..86400) from second-of-day sod0 until the time after an
 * update matches the alarm, or 0 if it never can. */
static long alarm_delta(const struct vmp_rtc *r, long sod0)
{
    int ts = alarm_target(r, r->ram[1], false);
    int tm = alarm_target(r, r->ram[3], false);
    int th = alarm_target(r, r->ram[5], true);
    if (ts == -2 || tm == -2 || th == -2)
        return 0;
    long m = first_match(sod0 + 1, th, tm, ts);
    if (m >= 0)
        return m - sod0;
    m = first_match(0, th, tm, ts);
    return m < 0 ? 0 : m + 86400 - sod0;
}

/* n update cycles: the time advances n seconds; UF is set, and AF if the
 * time after any of those updates matched the alarm (§"Update Cycle"). */
static void advance(struct vmp_rtc *r, uint64_t n)
{
    struct rtc_tm tm;
    read_tm(r, &tm);
    long sod = tm.hour * 3600L + tm.min * 60L + tm.sec;
    long d = alarm_delta(r, sod);
    if (d > 0 && (uint64_t)d <= n)
        r->flags |= REG_C_AF;
    r->flags |= REG_C_UF;
    uint64_t day0 = day_of_century(&tm);
    uint64_t total = day0 * 86400 + (uint64_t)sod + n;
    uint64_t days_passed = total / 86400 - day0;
    uint64_t cents = total / SECS_PER_CENTURY;
    total %= SECS_PER_CENTURY;
    tm.cent = (int)((tm.cent + cents) % 100);
    tm.dow = (int)((tm.dow - 1 + days_passed % 7) % 7) + 1;
    uint64_t days = total / 86400, s = total % 86400;
    tm.hour = (int)(s / 3600);
    tm.min = (int)(s / 60 % 60);
    tm.sec = (int)(s % 60);
    tm.year = 0;
    while (days >= (tm.year % 4 ? 365u : 366u)) {
        days -= tm.year % 4 ? 365 : 366;
        tm.year++;
    }
    tm.mon = 1;
    while (days >= (uint64_t)days_in_month(tm.year, tm.mon)) {
        days -= (uint64_t)days_in_month(tm.year, tm.mon);
        tm.mon++;
    }
    tm.day = (int)days + 1;
    write_tm(r, &tm);
}

/* Bring time and flags up to now. */
static void rtc_sync(struct vmp_rtc *r, uint64_t now)
{
    if (now <= r->synced)
        return;
    if (running(r)) {
        int sh = rate_shift(r);
        if (sh >= 0 && (clk_index(r, now) >> sh) > (clk_index(r, r->synced) >> sh))
            r->flags |= REG_C_PF; /* periodic continues while SET */
        if (!(r->ram[VMP_RTC_REG_B] & REG_B_SET)) {
            int64_t n = update_index(r, now) - update_index(r, r->synced);
            if (n > 0)
                advance(r, (uint64_t)n);
        }
    }
    r->synced = now;
}

static bool irqf(const struct vmp_rtc *r)
{
    uint8_t b = r->ram[VMP_RTC_REG_B];
    return ((r->flags & REG_C_PF) && (b & REG_B_PIE)) || ((r->flags & REG_C_AF) && (b & REG_B_AIE)) ||
           ((r->flags & REG_C_UF) && (b & REG_B_UIE));
}

/* Drive IRQ8 and arm the timer for the next event that would set IRQF. */
static void rtc_update(struct vmp_rtc *r, uint64_t now)
{
    bool flag = irqf(r), level = flag && !r->masked;
    if (level != r->line) {
        r->line = level;
        vmp_irq_set(r->irq, level);
    }
    uint64_t next = VMP_TIME_NEVER;
    uint8_t b = r->ram[VMP_RTC_REG_B];
    if (running(r) && !flag) {
        int sh = rate_shift(r);
        if ((b & REG_B_PIE) && sh >= 0)
            next = next_periodic(r, now, sh);
        if (!(b & REG_B_SET)) {
            uint64_t u = next_update(r, now);
            if ((b & REG_B_UIE) && u < next)
                next = u;
            if (b & REG_B_AIE) {
                struct rtc_tm tm;
                read_tm(r, &tm);
                long d = alarm_delta(r, tm.hour * 3600L + tm.min * 60L + tm.sec);
                uint64_t a = u + (uint64_t)(d - 1) * NS_PER_SEC;
                if (d > 0 && a < next)
                    next = a;
            }
        }
    }
    if (next == VMP_TIME_NEVER)
        vmp_timer_cancel(r->timer);
    else
        vmp_timer_arm(r->timer, next);
}

static void rtc_timer_fn(void *opaque)
{
    struct vmp_rtc *r = opaque;
    uint64_t now = vmp_clock_now(r->env.clock);
    rtc_sync(r, now);
    rtc_update(r, now);
}

/* ---- registers ---- */

static uint8_t read_reg(struct vmp_rtc *r, unsigned i)
{
    uint64_t now = vmp_clock_now(r->env.clock);
    rtc_sync(r, now);
    switch (i) {
    case VMP_RTC_REG_A: {
        uint8_t v = r->ram[i];
        /* UIP: set 244 us (tBUC) before each update while updates run. */
        if (running(r) && !(r->ram[VMP_RTC_REG_B] & REG_B_SET)) {
            int64_t s = since(r, now) % NS_PER_SEC;
            if (s < 0)
                s += NS_PER_SEC;
            if (s >= NS_PER_SEC - VMP_RTC_UIP_NS)
                v |= REG_A_UIP;
        }
        return v;
    }
    case VMP_RTC_REG_C: { /* read clears every flag and IRQF */
        uint8_t v = (uint8_t)(r->flags | (irqf(r) ? REG_C_IRQF : 0));
        r->flags = 0;
        rtc_update(r, now);
        return v;
    }
    case VMP_RTC_REG_D:
        return REG_D_VRT;
    default:
        return r->ram[i];
    }
}

static void write_reg(struct vmp_rtc *r, unsigned i, uint8_t v)
{
    uint64_t now = vmp_clock_now(r->env.clock);
    rtc_sync(r, now);
    switch (i) {
    case VMP_RTC_REG_A: {
        bool was = running(r);
        r->ram[i] = v & 0x7F; /* UIP is read-only */
        if (!was && running(r)) /* first update 500 ms after the divider starts */
            r->origin = now + NS_PER_SEC / 2;
        break;
    }
    case VMP_RTC_REG_B:
        if (v & REG_B_SET)
            v &= (uint8_t)~REG_B_UIE; /* SET clears UIE */
        r->ram[i] = v;
        break;
    case VMP_RTC_REG_C:
    case VMP_RTC_REG_D:
        break; /* read-only */
    default:
        r->ram[i] = v;
        break;
    }
    rtc_update(r, now);
}

static bool index_ok(const struct vmp_rtc *r, unsigned i) { return i < (r->cfg.extended ? 256u : 128u); }

static uint64_t rtc_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_rtc *r = dev;
    (void)size;
    if (off == 1)
        return read_reg(r, r->index);
    if (off == 3 && r->cfg.extended)
        return read_reg(r, r->index_hi);
    return 0xFF; /* index ports are write-only */
}

static void rtc_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_rtc *r = dev;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (off) {
    case 0:
        r->index = v & 0x7F;
        r->nmi_masked = v & 0x80;
        break;
    case 1:
        write_reg(r, r->index, v);
        break;
    case 2:
        if (r->cfg.extended)
            r->index_hi = (uint8_t)(0x80 | v);
        break;
    case 3:
        if (r->cfg.extended)
            write_reg(r, r->index_hi, v);
        break;
    }
}

const struct vmp_io_ops vmp_rtc_io_ops = { rtc_read, rtc_write, 1 };

/* ---- epoch conversion (Gregorian, 1970..9999) ---- */

static bool greg_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int greg_dim(long y, int m)
{
    return m == 2 && greg_leap(y) ? 29 : days_in_month(1, m);
}

#define EPOCH_MAX 253402300799LL /* 9999-12-31 23:59:59 */

int vmp_rtc_set_time(struct vmp_rtc *r, int64_t epoch)
{
    if (epoch < 0 || epoch > EPOCH_MAX)
        return -ERANGE;
    uint64_t now = vmp_clock_now(r->env.clock);
    rtc_sync(r, now);
    int64_t days = epoch / 86400, s = epoch % 86400;
    struct rtc_tm tm;
    tm.dow = (int)((days + 4) % 7) + 1; /* 1970-01-01 was a Thursday; Sunday = 1 */
    long y = 1970;
    while (days >= (greg_leap(y) ? 366 : 365)) {
        days -= greg_leap(y) ? 366 : 365;
        y++;
    }
    int m = 1;
    while (days >= greg_dim(y, m)) {
        days -= greg_dim(y, m);
        m++;
    }
    tm.day = (int)days + 1;
    tm.mon = m;
    tm.year = (int)(y % 100);
    tm.cent = (int)(y / 100);
    tm.hour = (int)(s / 3600);
    tm.min = (int)(s / 60 % 60);
    tm.sec = (int)(s % 60);
    write_tm(r, &tm);
    rtc_update(r, now);
    return 0;
}

int64_t vmp_rtc_get_time(struct vmp_rtc *r)
{
    rtc_sync(r, vmp_clock_now(r->env.clock));
    struct rtc_tm tm;
    read_tm(r, &tm);
    /* read_tm clamps; a date it had to change is not valid. */
    if (enc(r, tm.sec) != r->ram[0] || enc(r, tm.min) != r->ram[2] ||
        enc_hour(r, tm.hour) != r->ram[4] || enc(r, tm.day) != r->ram[7] ||
        enc(r, tm.mon) != r->ram[8] || enc(r, tm.year) != r->ram[9] ||
        enc(r, tm.cent) != r->ram[VMP_CMOS_CENTURY])
        return -1;
    long y = tm.cent * 100L + tm.year;
    if (y < 1970 || (y % 100 == 0 && y % 400 != 0 && tm.mon == 2 && tm.day == 29))
        return -1;
    int64_t days = 0;
    for (long yy = 1970; yy < y; yy++)
        days += greg_leap(yy) ? 366 : 365;
    for (int m = 1; m < tm.mon; m++)
        days += greg_dim(y, m);
    days += tm.day - 1;
    return days * 86400 + tm.hour * 3600L + tm.min * 60L + tm.sec;
}

/* ---- public ---- */

void vmp_rtc_reset(struct vmp_rtc *r)
{
    uint64_t now = vmp_clock_now(r->env.clock);
    rtc_sync(r, now);
    r->ram[VMP_RTC_REG_B] &= (uint8_t)~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    r->flags = 0;
    rtc_update(r, now);
}

struct vmp_rtc *vmp_rtc_create(const struct vmp_env *env, struct vmp_irq *irq8,
                               const struct vmp_rtc_config *cfg)
{
    if (!env || !env->clock || (cfg && (cfg->epoch < 0 || cfg->epoch > EPOCH_MAX)))
        return NULL;
    struct vmp_rtc *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->env = *env;
    r->irq = irq8;
    if (cfg)
        r->cfg = *cfg;
    r->timer = vmp_timer_create(env->clock, rtc_timer_fn, r);
    if (!r->timer) {
        free(r);
        return NULL;
    }
    uint64_t now = vmp_clock_now(env->clock);
    r->ram[VMP_RTC_REG_A] = 0x26;
    r->ram[VMP_RTC_REG_B] = REG_B_24H;
    r->origin = now + NS_PER_SEC; /* epoch is the time at creation */
    r->synced = now;
    r->index_hi = 0x80;
    vmp_rtc_set_time(r, r->cfg.epoch);
    return r;
}

void vmp_rtc_destroy(struct vmp_rtc *r)
{
    if (!r)
        return;
    vmp_timer_destroy(r->timer);
    free(r);
}

int vmp_rtc_attach(struct vmp_rtc *r, struct vmp_space *pio, uint64_t base)
{
    return vmp_space_map(pio, base, r->cfg.extended ? 4 : 2, &vmp_rtc_io_ops, r);
}

uint8_t vmp_rtc_cmos_read(struct vmp_rtc *r, unsigned index)
{
    return index_ok(r, index) ? read_reg(r, index) : 0xFF;
}

void vmp_rtc_cmos_write(struct vmp_rtc *r, unsigned index, uint8_t value)
{
    if (index_ok(r, index))
        write_reg(r, index, value);
}

bool vmp_rtc_nmi_masked(const struct vmp_rtc *r) { return r->nmi_masked; }

void vmp_rtc_mask_irq(struct vmp_rtc *r, bool masked)
{
    r->masked = masked;
    rtc_update(r, vmp_clock_now(r->env.clock));
}

#define RTC_STATE_VERSION 1
#define TIME_LIMIT ((uint64_t)1 << 62)

int vmp_rtc_save(const struct vmp_rtc *r, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "rtc", RTC_STATE_VERSION);
    vmp_state_put_bool(w, r->cfg.extended);
    vmp_state_put_bytes(w, r->ram, sizeof r->ram);
    vmp_state_put_u8(w, r->index);
    vmp_state_put_u8(w, r->index_hi);
    vmp_state_put_bool(w, r->nmi_masked);
    vmp_state_put_u8(w, r->flags);
    vmp_state_put_u64(w, r->origin);
    vmp_state_put_u64(w, r->synced);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_rtc_load(struct vmp_rtc *r, struct vmp_state_reader *rd)
{
    uint32_t ver;
    int err = vmp_state_open(rd, "rtc", RTC_STATE_VERSION, &ver);
    if (err)
        return err;
    bool ext = vmp_state_get_bool(rd);
    uint8_t ram[256];
    vmp_state_get_bytes(rd, ram, sizeof ram);
    uint8_t index = vmp_state_get_u8_max(rd, 0x7F);
    uint8_t index_hi = vmp_state_get_u8(rd);
    bool nmi = vmp_state_get_bool(rd);
    uint8_t flags = vmp_state_get_u8(rd);
    uint64_t origin = vmp_state_get_u64_max(rd, TIME_LIMIT);
    uint64_t synced = vmp_state_get_u64_max(rd, TIME_LIMIT);
    if (ext != r->cfg.extended || index_hi < 0x80 || (flags & ~0x70) ||
        (ram[VMP_RTC_REG_A] & REG_A_UIP))
        vmp_state_fail(rd, -EINVAL);
    err = vmp_state_close(rd);
    if (err)
        return err;
    memcpy(r->ram, ram, sizeof ram);
    r->index = index;
    r->index_hi = index_hi;
    r->nmi_masked = nmi;
    r->flags = flags;
    r->origin = origin;
    r->synced = synced;
    r->line = !(irqf(r) && !r->masked); /* force the line to the loaded level */
    rtc_update(r, vmp_clock_now(r->env.clock));
    return 0;
}
