/* AML encoder (ACPI 6.4 section 20, resource descriptors section 6.4).
 *
 * Packages are written in place: *_begin records where the PkgLength goes,
 * the contents follow, and vmp_aml_end() shifts them right by the size of
 * the shortest PkgLength encoding and writes it. */
#include <string.h>

#include <vmparts/acpi.h>

/* Every *_begin writes its opcode just before the recorded offset, so the
 * byte there tells a Buffer (whose size must be inserted) from the rest. */
#define AML_BUFFER_OP 0x11u

static void fail(struct vmp_aml *a, int err)
{
    if (!a->err)
        a->err = err;
}

void vmp_aml_init(struct vmp_aml *a, void *buf, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->buf = buf;
    a->cap = buf ? cap : 0;
}

void vmp_aml_bytes(struct vmp_aml *a, const void *p, size_t n)
{
    if (a->err)
        return;
    if (n > a->cap - a->len) {
        fail(a, -ENOSPC);
        return;
    }
    if (n)
        memcpy(a->buf + a->len, p, n);
    a->len += n;
}

void vmp_aml_byte(struct vmp_aml *a, uint8_t b) { vmp_aml_bytes(a, &b, 1); }

void vmp_aml_u16(struct vmp_aml *a, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    vmp_aml_bytes(a, b, 2);
}

void vmp_aml_u32(struct vmp_aml *a, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    vmp_aml_bytes(a, b, 4);
}

void vmp_aml_u64(struct vmp_aml *a, uint64_t v)
{
    vmp_aml_u32(a, (uint32_t)v);
    vmp_aml_u32(a, (uint32_t)(v >> 32));
}

/* Section 20.2.4: a one-byte PkgLength holds 0-63 in bits 5:0; otherwise
 * bits 7:6 count the following bytes (1-3), bits 3:0 are the low nibble
 * and each following byte adds 8 more bits. The value includes the
 * PkgLength bytes themselves. Returns the encoded size, 0 if too big. */
static size_t enc_pkglength(uint8_t out[4], size_t body)
{
    static const size_t limit[4] = {0x40, 0x1000, 0x100000, 0x10000000};
    if (body >= limit[3])
        return 0;
    for (size_t n = 1; n <= 4; n++) {
        size_t total = body + n;
        if (total >= limit[n - 1])
            continue;
        if (n == 1) {
            out[0] = (uint8_t)total;
        } else {
            out[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0F));
            for (size_t i = 1; i < n; i++)
                out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
        }
        return n;
    }
    return 0;
}

void vmp_aml_pkglength(struct vmp_aml *a, size_t body)
{
    uint8_t b[4];
    size_t n = enc_pkglength(b, body);
    if (!n) {
        fail(a, -E2BIG);
        return;
    }
    vmp_aml_bytes(a, b, n);
}

/* Section 20.2.3: ZeroOp, OneOp, then Byte/Word/DWord/QWord prefixes. */
static size_t enc_int(uint8_t out[9], uint64_t v)
{
    if (v <= 1) {
        out[0] = (uint8_t)v; /* ZeroOp 0x00, OneOp 0x01 */
        return 1;
    }
    size_t n;
    if (v <= 0xFF) {
        out[0] = 0x0A;
        n = 1;
    } else if (v <= 0xFFFF) {
        out[0] = 0x0B;
        n = 2;
    } else if (v <= 0xFFFFFFFFu) {
        out[0] = 0x0C;
        n = 4;
    } else {
        out[0] = 0x0E;
        n = 8;
    }
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(v >> (8 * i));
    return n + 1;
}

void vmp_aml_int(struct vmp_aml *a, uint64_t v)
{
    uint8_t b[9];
    vmp_aml_bytes(a, b, enc_int(b, v));
}

void vmp_aml_ones(struct vmp_aml *a) { vmp_aml_byte(a, 0xFF); }

void vmp_aml_string(struct vmp_aml *a, const char *s)
{
    if (!s) {
        fail(a, -EINVAL);
        return;
    }
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p > 0x7F) { /* section 20.2.3: AsciiChar 0x01-0x7F */
            fail(a, -EINVAL);
            return;
        }
    vmp_aml_byte(a, 0x0D);
    vmp_aml_bytes(a, s, strlen(s) + 1);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ASL EISAID (section 19.6.35): three letters of 5 bits each and four hex
 * digits, stored big-endian in a DWord. */
void vmp_aml_eisaid(struct vmp_aml *a, const char *id)
{
    if (!id || strlen(id) != 7) {
        fail(a, -EINVAL);
        return;
    }
    uint32_t v = 0;
    for (int i = 0; i < 3; i++) {
        if (id[i] < 'A' || id[i] > 'Z') {
            fail(a, -EINVAL);
            return;
        }
        v = (v << 5) | (uint32_t)(id[i] - 0x40);
    }
    for (int i = 3; i < 7; i++) {
        int h = hexval(id[i]);
        if (h < 0) {
            fail(a, -EINVAL);
            return;
        }
        v = (v << 4) | (uint32_t)h;
    }
    uint8_t b[5] = {0x0C, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    vmp_aml_bytes(a, b, 5);
}

static bool seg_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

void vmp_aml_name(struct vmp_aml *a, const char *name)
{
    if (a->err)
        return;
    if (!name) {
        fail(a, -EINVAL);
        return;
    }
    const char *p = name;
    if (*p == '\\') {
        vmp_aml_byte(a, 0x5C); /* RootChar */
        p++;
    } else {
        while (*p == '^') {
            vmp_aml_byte(a, 0x5E); /* ParentPrefixChar */
            p++;
        }
    }
    if (!*p) {
        vmp_aml_byte(a, 0x00); /* NullName */
        return;
    }
    /* Count and check the segments before writing any. */
    size_t nseg = 0;
    for (const char *q = p;;) {
        size_t l = 0;
        while (q[l] && q[l] != '.') {
            if (l >= 4 || !seg_char(q[l], l == 0)) {
                fail(a, -EINVAL);
                return;
            }
            l++;
        }
        if (l == 0) {
            fail(a, -EINVAL);
            return;
        }
        nseg++;
        if (!q[l])
            break;
        q += l + 1;
    }
    if (nseg > 255) {
        fail(a, -EINVAL);
        return;
    }
    if (nseg == 2) {
        vmp_aml_byte(a, 0x2E); /* DualNamePrefix */
    } else if (nseg > 2) {
        vmp_aml_byte(a, 0x2F); /* MultiNamePrefix SegCount */
        vmp_aml_byte(a, (uint8_t)nseg);
    }
    for (const char *q = p;;) {
        char seg[4] = {'_', '_', '_', '_'};
        size_t l = 0;
        while (q[l] && q[l] != '.') {
            seg[l] = q[l];
            l++;
        }
        vmp_aml_bytes(a, seg, 4);
        if (!q[l])
            break;
        q += l + 1;
    }
}

static void open_pkg(struct vmp_aml *a)
{
    if (a->err)
        return;
    if (a->depth >= VMP_AML_MAX_DEPTH) {
        fail(a, -E2BIG);
        return;
    }
    a->open[a->depth++] = a->len;
}

/* Insert n bytes of prefix at offset at, moving what follows. */
static void insert(struct vmp_aml *a, size_t at, const uint8_t *prefix, size_t n)
{
    if (a->err)
        return;
    if (n > a->cap - a->len) {
        fail(a, -ENOSPC);
        return;
    }
    memmove(a->buf + at + n, a->buf + at, a->len - at);
    memcpy(a->buf + at, prefix, n);
    a->len += n;
}

void vmp_aml_end(struct vmp_aml *a)
{
    if (a->err)
        return;
    if (a->depth == 0) {
        fail(a, -EINVAL);
        return;
    }
    size_t start = a->open[--a->depth];
    size_t body = a->len - start;
    uint8_t pre[13];
    size_t k = 0;
    /* BufferOp PkgLength BufferSize ByteList (20.2.5.4): the size is an
     * integer term inside the package, before the bytes. */
    bool is_buffer = start > 0 && a->buf[start - 1] == AML_BUFFER_OP;
    uint8_t sz[9];
    size_t szn = 0;
    if (is_buffer) {
        szn = enc_int(sz, body);
        body += szn;
    }
    k = enc_pkglength(pre, body);
    if (!k) {
        fail(a, -E2BIG);
        return;
    }
    memcpy(pre + k, sz, szn);
    insert(a, start, pre, k + szn);
}

void vmp_aml_name_decl(struct vmp_aml *a, const char *name)
{
    vmp_aml_byte(a, 0x08); /* NameOp */
    vmp_aml_name(a, name);
}

void vmp_aml_scope_begin(struct vmp_aml *a, const char *name)
{
    vmp_aml_byte(a, 0x10); /* ScopeOp */
    open_pkg(a);
    vmp_aml_name(a, name);
}

void vmp_aml_device_begin(struct vmp_aml *a, const char *name)
{
    vmp_aml_byte(a, 0x5B); /* DeviceOp = ExtOpPrefix 0x82 */
    vmp_aml_byte(a, 0x82);
    open_pkg(a);
    vmp_aml_name(a, name);
}

void vmp_aml_method_begin(struct vmp_aml *a, const char *name, uint8_t flags)
{
    vmp_aml_byte(a, 0x14); /* MethodOp */
    open_pkg(a);
    vmp_aml_name(a, name);
    vmp_aml_byte(a, flags);
}

void vmp_aml_package_begin(struct vmp_aml *a, uint8_t count)
{
    vmp_aml_byte(a, 0x12); /* PackageOp */
    open_pkg(a);
    vmp_aml_byte(a, count);
}

void vmp_aml_buffer_begin(struct vmp_aml *a)
{
    vmp_aml_byte(a, AML_BUFFER_OP);
    open_pkg(a);
}

void vmp_aml_if_begin(struct vmp_aml *a)
{
    vmp_aml_byte(a, 0xA0); /* IfOp */
    open_pkg(a);
}

void vmp_aml_else_begin(struct vmp_aml *a)
{
    vmp_aml_byte(a, 0xA1); /* ElseOp */
    open_pkg(a);
}

void vmp_aml_return(struct vmp_aml *a) { vmp_aml_byte(a, 0xA4); }

void vmp_aml_arg(struct vmp_aml *a, unsigned n)
{
    if (n > 6)
        fail(a, -EINVAL);
    else
        vmp_aml_byte(a, (uint8_t)(0x68 + n)); /* Arg0Op..Arg6Op */
}

void vmp_aml_local(struct vmp_aml *a, unsigned n)
{
    if (n > 7)
        fail(a, -EINVAL);
    else
        vmp_aml_byte(a, (uint8_t)(0x60 + n)); /* Local0Op..Local7Op */
}

void vmp_aml_lequal(struct vmp_aml *a) { vmp_aml_byte(a, 0x93); }
void vmp_aml_store(struct vmp_aml *a) { vmp_aml_byte(a, 0x70); }

/* ---- resource templates (section 6.4) ---- */

void vmp_aml_rt_begin(struct vmp_aml *a) { vmp_aml_buffer_begin(a); }

void vmp_aml_rt_end(struct vmp_aml *a)
{
    if (a->err)
        return;
    if (a->depth == 0) {
        fail(a, -EINVAL);
        return;
    }
    /* End Tag (6.4.2.9): 0x79 and a checksum making the template sum to 0. */
    size_t start = a->open[a->depth - 1];
    uint8_t sum = 0x79;
    for (size_t i = start; i < a->len; i++)
        sum = (uint8_t)(sum + a->buf[i]);
    uint8_t tag[2] = {0x79, (uint8_t)(0u - sum)};
    vmp_aml_bytes(a, tag, 2);
    vmp_aml_end(a);
}

void vmp_aml_rt_io(struct vmp_aml *a, uint16_t min, uint16_t max, uint8_t align,
                   uint8_t len)
{
    /* 6.4.2.5: tag 0x47 (type 0x08, length 7), information bit 0 = decode16. */
    uint8_t d[8] = {0x47, 0x01, (uint8_t)min, (uint8_t)(min >> 8),
                    (uint8_t)max, (uint8_t)(max >> 8), align, len};
    vmp_aml_bytes(a, d, sizeof d);
}

void vmp_aml_rt_irq(struct vmp_aml *a, uint16_t mask, int flags)
{
    /* 6.4.2.1: tag 0x22 (2 bytes) or 0x23 (3 bytes with information). */
    if (flags < 0) {
        uint8_t d[3] = {0x22, (uint8_t)mask, (uint8_t)(mask >> 8)};
        vmp_aml_bytes(a, d, sizeof d);
    } else {
        uint8_t d[4] = {0x23, (uint8_t)mask, (uint8_t)(mask >> 8), (uint8_t)flags};
        vmp_aml_bytes(a, d, sizeof d);
    }
}

void vmp_aml_rt_mem32_fixed(struct vmp_aml *a, bool writable, uint32_t base,
                            uint32_t len)
{
    /* 6.4.3.4: large item 0x86, length 9, information bit 0 = read/write. */
    vmp_aml_byte(a, 0x86);
    vmp_aml_u16(a, 9);
    vmp_aml_byte(a, writable ? 1 : 0);
    vmp_aml_u32(a, base);
    vmp_aml_u32(a, len);
}

/* General flags (6.4.3.5.1 table 6.44): bit 3 _MAF, bit 2 _MIF, bit 1 _DEC
 * (0 = positive decode), bit 0 consumer. A bridge window is a producer
 * with fixed minimum and maximum. */
static uint8_t gen_flags(bool consumer)
{
    return consumer ? 0x0D : 0x0C;
}

void vmp_aml_rt_word_bus(struct vmp_aml *a, uint16_t min, uint16_t max)
{
    /* 6.4.3.5.3: tag 0x88, length 13, resource type 2 (bus number). */
    vmp_aml_byte(a, 0x88);
    vmp_aml_u16(a, 13);
    vmp_aml_byte(a, 2);
    vmp_aml_byte(a, gen_flags(false));
    vmp_aml_byte(a, 0);
    vmp_aml_u16(a, 0); /* granularity */
    vmp_aml_u16(a, min);
    vmp_aml_u16(a, max);
    vmp_aml_u16(a, 0); /* translation */
    vmp_aml_u16(a, (uint16_t)(max - min + 1));
}

void vmp_aml_rt_word_io(struct vmp_aml *a, uint16_t min, uint16_t max)
{
    /* Resource type 1 (I/O); type-specific _RNG = 3 (entire range). */
    vmp_aml_byte(a, 0x88);
    vmp_aml_u16(a, 13);
    vmp_aml_byte(a, 1);
    vmp_aml_byte(a, gen_flags(false));
    vmp_aml_byte(a, 3);
    vmp_aml_u16(a, 0);
    vmp_aml_u16(a, min);
    vmp_aml_u16(a, max);
    vmp_aml_u16(a, 0);
    vmp_aml_u16(a, (uint16_t)(max - min + 1));
}

/* Memory type-specific flags (6.4.3.5.1 table 6.46): bit 0 _RW, bits 2:1
 * _MEM, bits 4:3 _MTP (0 = AddressRangeMemory). */
static uint8_t mem_flags(unsigned cache)
{
    return (uint8_t)(0x01 | ((cache & 3u) << 1));
}

void vmp_aml_rt_dword_mem(struct vmp_aml *a, bool consumer, unsigned cache,
                          uint32_t min, uint32_t max)
{
    if (max < min) {
        fail(a, -EINVAL);
        return;
    }
    /* 6.4.3.5.2: tag 0x87, length 23, resource type 0 (memory). */
    vmp_aml_byte(a, 0x87);
    vmp_aml_u16(a, 23);
    vmp_aml_byte(a, 0);
    vmp_aml_byte(a, gen_flags(consumer));
    vmp_aml_byte(a, mem_flags(cache));
    vmp_aml_u32(a, 0);
    vmp_aml_u32(a, min);
    vmp_aml_u32(a, max);
    vmp_aml_u32(a, 0);
    vmp_aml_u32(a, max - min + 1);
}

void vmp_aml_rt_qword_mem(struct vmp_aml *a, bool consumer, unsigned cache,
                          uint64_t min, uint64_t max)
{
    if (max < min || (min == 0 && max == UINT64_MAX)) {
        fail(a, -EINVAL);
        return;
    }
    /* 6.4.3.5.1: tag 0x8A, length 43. */
    vmp_aml_byte(a, 0x8A);
    vmp_aml_u16(a, 43);
    vmp_aml_byte(a, 0);
    vmp_aml_byte(a, gen_flags(consumer));
    vmp_aml_byte(a, mem_flags(cache));
    vmp_aml_u64(a, 0);
    vmp_aml_u64(a, min);
    vmp_aml_u64(a, max);
    vmp_aml_u64(a, 0);
    vmp_aml_u64(a, max - min + 1);
}

void vmp_aml_rt_interrupt(struct vmp_aml *a, bool edge, bool active_low,
                          bool shared, uint32_t gsi)
{
    /* 6.4.3.6: tag 0x89, length 6 for one interrupt and no source; flags
     * bit 0 consumer, bit 1 edge, bit 2 active-low, bit 3 shared. */
    vmp_aml_byte(a, 0x89);
    vmp_aml_u16(a, 6);
    vmp_aml_byte(a, (uint8_t)(0x01 | (edge ? 0x02 : 0) | (active_low ? 0x04 : 0) |
                              (shared ? 0x08 : 0)));
    vmp_aml_byte(a, 1);
    vmp_aml_u32(a, gsi);
}
