/* SMBIOS structure table and 3.x entry point (DMTF DSP0134 3.0; section
 * numbers below are from it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmparts/smbios.h>

void vmp_smbios_config_default(struct vmp_smbios_config *cfg, unsigned cpus,
                               uint64_t ram_below_4g, uint64_t ram_above_4g)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->bios_vendor = "vmparts";
    cfg->bios_version = VMP_VERSION_STRING;
    cfg->bios_date = "11/24/2026";
    cfg->bios_major = VMP_VERSION_MAJOR;
    cfg->bios_minor = VMP_VERSION_MINOR;
    cfg->sys_manufacturer = "vmparts";
    cfg->sys_product = "vmp reference board";
    cfg->sys_version = VMP_VERSION_STRING;
    cfg->sys_family = "Virtual Machine";
    cfg->chassis_manufacturer = "vmparts";
    cfg->cpu_count = cpus;
    cfg->cpu_manufacturer = "vmparts";
    cfg->cpu_version = "virtual x86-64 CPU";
    cfg->ram_below_4g = ram_below_4g;
    cfg->ram_above_4g = ram_above_4g;
}

struct out {
    uint8_t *buf;
    size_t cap, len;
    int err;
    unsigned count; /* structures written */
};

static bool str_ok(const char *s)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > VMP_SMBIOS_MAX_STRING)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

/* One structure (6.1.2, 6.1.3): formatted area f of f[1] bytes, then the
 * string set: each string NUL-terminated, the set ended by another NUL
 * (two NULs when there are no strings). Empty or NULL strings get index 0
 * and are left out; f[at[i]] receives the index of strs[i]. */
static void emit(struct out *o, uint8_t *f, const char *const *strs, const uint8_t *at,
                 unsigned nstr)
{
    if (o->err)
        return;
    size_t need = f[1], idx = 0;
    for (unsigned i = 0; i < nstr; i++) {
        if (strs[i] && strs[i][0]) {
            f[at[i]] = (uint8_t)++idx;
            need += strlen(strs[i]) + 1;
        } else {
            f[at[i]] = 0;
        }
    }
    need += idx ? 1 : 2;
    if (need > o->cap - o->len) {
        o->err = -ENOSPC;
        return;
    }
    uint8_t *p = o->buf + o->len;
    memcpy(p, f, f[1]);
    p += f[1];
    for (unsigned i = 0; i < nstr; i++) {
        if (strs[i] && strs[i][0]) {
            size_t l = strlen(strs[i]) + 1;
            memcpy(p, strs[i], l);
            p += l;
        }
    }
    *p++ = 0;
    if (!idx)
        *p++ = 0;
    o->len += need;
    o->count++;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void head(uint8_t *f, uint8_t type, uint8_t len, uint16_t handle)
{
    memset(f, 0, len);
    f[0] = type;
    f[1] = len;
    put16(f + 2, handle);
}

#define H_BIOS 0x0000
#define H_SYSTEM 0x0100
#define H_CHASSIS 0x0300
#define H_CPU 0x0400
#define H_ARRAY 0x1000
#define H_DIMM 0x1100
#define H_MAPPED 0x1300
#define H_BOOT 0x2000
#define H_END 0x7F00

/* 7.1 BIOS Information, 2.4+ layout (0x18 bytes). */
static void type0(struct out *o, const struct vmp_smbios_config *c)
{
    uint8_t f[0x18];
    head(f, 0, sizeof f, H_BIOS);
    put16(f + 0x06, 0xE800);  /* starting segment */
    f[0x09] = 0;              /* ROM size: 64 KiB */
    /* Characteristics (7.1.1): ISA (bit 4) and PCI (bit 7) supported. */
    put64(f + 0x0A, (1u << 4) | (1u << 7));
    f[0x12] = 0x01;           /* extension byte 1 (7.1.2.1): ACPI */
    f[0x13] = 0x10;           /* extension byte 2 (7.1.2.2): virtual machine */
    f[0x14] = c->bios_major;
    f[0x15] = c->bios_minor;
    f[0x16] = 0xFF;           /* no embedded controller firmware */
    f[0x17] = 0xFF;
    const char *s[] = {c->bios_vendor, c->bios_version, c->bios_date};
    static const uint8_t at[] = {0x04, 0x05, 0x08};
    emit(o, f, s, at, 3);
}

/* 7.2 System Information (0x1B bytes). */
static void type1(struct out *o, const struct vmp_smbios_config *c)
{
    uint8_t f[0x1B];
    head(f, 1, sizeof f, H_SYSTEM);
    memcpy(f + 0x08, c->uuid, 16);
    f[0x18] = 0x06; /* wake-up type: power switch */
    const char *s[] = {c->sys_manufacturer, c->sys_product, c->sys_version, c->sys_serial,
                       c->sys_sku, c->sys_family};
    static const uint8_t at[] = {0x04, 0x05, 0x06, 0x07, 0x19, 0x1A};
    emit(o, f, s, at, 6);
}

/* 7.4 System Enclosure, no contained elements (0x16 bytes). */
static void type3(struct out *o, const struct vmp_smbios_config *c)
{
    uint8_t f[0x16];
    head(f, 3, sizeof f, H_CHASSIS);
    f[0x05] = 0x01; /* type: other */
    f[0x09] = 0x03; /* boot-up state: safe */
    f[0x0A] = 0x03; /* power supply state: safe */
    f[0x0B] = 0x03; /* thermal state: safe */
    f[0x0C] = 0x02; /* security status: unknown */
    const char *s[] = {c->chassis_manufacturer};
    static const uint8_t at[] = {0x04};
    emit(o, f, s, at, 1);
}

/* 7.5 Processor Information, 3.0 layout (0x30 bytes), one per vCPU. */
static void type4(struct out *o, const struct vmp_smbios_config *c, unsigned i)
{
    uint8_t f[0x30];
    char socket[16];
    snprintf(socket, sizeof socket, "CPU %u", i);
    head(f, 4, sizeof f, (uint16_t)(H_CPU + i));
    f[0x05] = 0x03;                 /* central processor */
    f[0x06] = 0x01;                 /* family: other (7.5.2) */
    put32(f + 0x08, c->cpu_signature);
    put32(f + 0x0C, c->cpu_features);
    put16(f + 0x14, c->cpu_mhz);    /* max speed */
    put16(f + 0x16, c->cpu_mhz);    /* current speed */
    f[0x18] = 0x41;                 /* socket populated, CPU enabled */
    f[0x19] = 0x01;                 /* upgrade: other */
    put16(f + 0x1A, 0xFFFF);        /* no cache information */
    put16(f + 0x1C, 0xFFFF);
    put16(f + 0x1E, 0xFFFF);
    f[0x23] = 1;                    /* cores, enabled cores, threads */
    f[0x24] = 1;
    f[0x25] = 1;
    put16(f + 0x26, 0x0004);        /* characteristics (7.5.9): 64-bit capable */
    put16(f + 0x28, 0x01);          /* processor family 2 */
    put16(f + 0x2A, 1);
    put16(f + 0x2C, 1);
    put16(f + 0x2E, 1);
    const char *s[] = {socket, c->cpu_manufacturer, c->cpu_version};
    static const uint8_t at[] = {0x04, 0x07, 0x10};
    emit(o, f, s, at, 3);
}

/* 7.17 Physical Memory Array (0x17 bytes). */
static void type16(struct out *o, uint64_t total, unsigned dimms)
{
    uint8_t f[0x17];
    head(f, 16, sizeof f, H_ARRAY);
    f[0x04] = 0x03; /* location: system board */
    f[0x05] = 0x03; /* use: system memory */
    f[0x06] = 0x03; /* error correction: none */
    uint64_t kb = total >> 10;
    if (kb < 0x80000000u) {
        put32(f + 0x07, (uint32_t)kb);
    } else {
        put32(f + 0x07, 0x80000000u); /* see extended maximum capacity */
        put64(f + 0x0F, total);
    }
    put16(f + 0x0B, 0xFFFE); /* no error information */
    put16(f + 0x0D, (uint16_t)dimms);
    emit(o, f, NULL, NULL, 0);
}

/* 7.18 Memory Device, 2.8 layout (0x28 bytes). */
static void type17(struct out *o, unsigned i, uint32_t mb)
{
    uint8_t f[0x28];
    char loc[16];
    snprintf(loc, sizeof loc, "DIMM %u", i);
    head(f, 17, sizeof f, (uint16_t)(H_DIMM + i));
    put16(f + 0x04, H_ARRAY);
    put16(f + 0x06, 0xFFFE);
    put16(f + 0x08, 64); /* total width */
    put16(f + 0x0A, 64); /* data width */
    if (mb < 0x7FFF) {
        put16(f + 0x0C, (uint16_t)mb);
    } else {
        put16(f + 0x0C, 0x7FFF); /* see extended size (7.18.5) */
        put32(f + 0x1C, mb);
    }
    f[0x0E] = 0x09;         /* form factor: DIMM */
    f[0x12] = 0x07;         /* memory type: RAM */
    put16(f + 0x13, 0x0002); /* type detail: other */
    const char *s[] = {loc};
    static const uint8_t at[] = {0x10};
    emit(o, f, s, at, 1);
}

/* 7.20 Memory Array Mapped Address (0x1F bytes) for [start, start+size). */
static void type19(struct out *o, unsigned i, uint64_t start, uint64_t size)
{
    uint8_t f[0x1F];
    head(f, 19, sizeof f, (uint16_t)(H_MAPPED + i));
    uint64_t end = start + size - 1;
    if ((end >> 10) < 0xFFFFFFFFu) {
        put32(f + 0x04, (uint32_t)(start >> 10));
        put32(f + 0x08, (uint32_t)(end >> 10));
    } else {
        put32(f + 0x04, 0xFFFFFFFFu); /* see the extended addresses */
        put32(f + 0x08, 0xFFFFFFFFu);
        put64(f + 0x0F, start);
        put64(f + 0x17, end);
    }
    put16(f + 0x0C, H_ARRAY);
    f[0x0E] = 1; /* partition width */
    emit(o, f, NULL, NULL, 0);
}

/* 7.33 System Boot Information (0x0B bytes): no errors. */
static void type32(struct out *o)
{
    uint8_t f[0x0B];
    head(f, 32, sizeof f, H_BOOT);
    emit(o, f, NULL, NULL, 0);
}

static bool config_ok(const struct vmp_smbios_config *c)
{
    const char *s[] = {c->bios_vendor, c->bios_version, c->bios_date, c->sys_manufacturer,
                       c->sys_product, c->sys_version, c->sys_serial, c->sys_sku,
                       c->sys_family, c->chassis_manufacturer, c->cpu_manufacturer,
                       c->cpu_version};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!str_ok(s[i]))
            return false;
    if (c->cpu_count < 1 || c->cpu_count > VMP_SMBIOS_MAX_CPUS)
        return false;
    /* RAM in whole MiB, below 4 GiB under it, above it not past 2^64. */
    if ((c->ram_below_4g | c->ram_above_4g) & 0xFFFFF)
        return false;
    if (c->ram_below_4g > 0x100000000ull || c->ram_above_4g > UINT64_MAX - 0x100000000ull ||
        c->ram_below_4g + c->ram_above_4g == 0 ||
        c->ram_above_4g > UINT64_MAX - c->ram_below_4g)
        return false;
    return true;
}

long vmp_smbios_build(const struct vmp_smbios_config *cfg, uint64_t table_addr, void *buf,
                      size_t cap, uint8_t ep[VMP_SMBIOS_EP_LEN])
{
    if (!cfg || !ep || !config_ok(cfg))
        return -EINVAL;
    struct out o = {buf, buf ? cap : 0, 0, 0, 0};
    type0(&o, cfg);
    type1(&o, cfg);
    type3(&o, cfg);
    for (unsigned i = 0; i < cfg->cpu_count; i++)
        type4(&o, cfg, i);
    /* Memory devices of up to 16 GiB, at most VMP_SMBIOS_MAX_DIMMS. */
    uint64_t total = cfg->ram_below_4g + cfg->ram_above_4g;
    uint64_t mb = total >> 20;
    uint64_t per = VMP_SMBIOS_DIMM_MAX_MB;
    if ((mb + per - 1) / per > VMP_SMBIOS_MAX_DIMMS)
        per = (mb + VMP_SMBIOS_MAX_DIMMS - 1) / VMP_SMBIOS_MAX_DIMMS;
    unsigned dimms = (unsigned)((mb + per - 1) / per);
    type16(&o, total, dimms);
    for (unsigned i = 0; i < dimms; i++) {
        uint64_t left = mb - (uint64_t)i * per;
        type17(&o, i, (uint32_t)(left < per ? left : per));
    }
    unsigned n19 = 0;
    if (cfg->ram_below_4g)
        type19(&o, n19++, 0, cfg->ram_below_4g);
    if (cfg->ram_above_4g)
        type19(&o, n19++, 0x100000000ull, cfg->ram_above_4g);
    type32(&o);
    uint8_t end[4];
    head(end, 127, 4, H_END);
    emit(&o, end, NULL, NULL, 0);
    if (o.err)
        return o.err;

    /* 5.2.2 SMBIOS 3.0 (64-bit) entry point. */
    memset(ep, 0, VMP_SMBIOS_EP_LEN);
    memcpy(ep, "_SM3_", 5);
    ep[0x06] = VMP_SMBIOS_EP_LEN;
    ep[0x07] = 3;    /* SMBIOS 3.0.0 */
    ep[0x08] = 0;
    ep[0x09] = 0;
    ep[0x0A] = 0x01; /* entry point revision: 3.0 */
    put32(ep + 0x0C, (uint32_t)o.len);
    put64(ep + 0x10, table_addr);
    uint8_t sum = 0;
    for (unsigned i = 0; i < VMP_SMBIOS_EP_LEN; i++)
        sum = (uint8_t)(sum + ep[i]);
    ep[0x05] = (uint8_t)(0u - sum);
    return (long)o.len;
}

static int put_guest(struct vmp_mem *mem, uint64_t gpa, const void *p, size_t len)
{
    if (vmp_mem_write(mem, gpa, p, len) == 0)
        return 0;
    void *h = vmp_mem_ptr(mem, gpa, len);
    if (!h)
        return -EFAULT;
    memcpy(h, p, len);
    return 0;
}

long vmp_smbios_install(const struct vmp_smbios_config *cfg, struct vmp_mem *mem,
                        uint64_t ep_addr, uint64_t table_addr, size_t max_size)
{
    if (!mem || (ep_addr & 15))
        return -EINVAL;
    /* A table bigger than 64 KiB would be far beyond any config allowed. */
    size_t cap = max_size < 0x10000 ? max_size : 0x10000;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return -ENOMEM;
    uint8_t ep[VMP_SMBIOS_EP_LEN];
    long len = vmp_smbios_build(cfg, table_addr, buf, cap, ep);
    if (len >= 0) {
        int err = put_guest(mem, table_addr, buf, (size_t)len);
        if (!err)
            err = put_guest(mem, ep_addr, ep, sizeof ep);
        if (err)
            len = err;
    }
    free(buf);
    return len;
}
