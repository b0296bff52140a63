/* Integer SIMD shared by the MMX (n = 8 bytes) and SSE2 (n = 16 bytes)
 * forms: one function per operation, element loops bounded by n. SDM
 * Vol. 2 (each instruction's Operation section) and Vol. 1 §9.4, §11.4.3. */
#include "x86_sse_internal.h"

static int8_t sat8s(int v) { return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v); }
static uint8_t sat8u(int v) { return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); }
static int16_t sat16s(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}
static uint16_t sat16u(int32_t v) { return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

#define LOOP(elt, cnt) for (unsigned i = 0; i < n / (cnt); i++)

/* ---- add/subtract, wrap and saturate ---- */
static void paddb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = (uint8_t)(d->b[i] + s->b[i]); }
static void paddw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = (uint16_t)(d->w[i] + s->w[i]); }
static void paddd(union v128 *d, const union v128 *s, unsigned n) { LOOP(d, 4) d->d[i] += s->d[i]; }
static void paddq(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] += s->q[i]; }
static void psubb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = (uint8_t)(d->b[i] - s->b[i]); }
static void psubw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = (uint16_t)(d->w[i] - s->w[i]); }
static void psubd(union v128 *d, const union v128 *s, unsigned n) { LOOP(d, 4) d->d[i] -= s->d[i]; }
static void psubq(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] -= s->q[i]; }
static void paddsb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->sb[i] = sat8s(d->sb[i] + s->sb[i]); }
static void paddsw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->sw[i] = sat16s(d->sw[i] + s->sw[i]); }
static void psubsb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->sb[i] = sat8s(d->sb[i] - s->sb[i]); }
static void psubsw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->sw[i] = sat16s(d->sw[i] - s->sw[i]); }
static void paddusb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = sat8u(d->b[i] + s->b[i]); }
static void paddusw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = sat16u((int32_t)d->w[i] + s->w[i]); }
static void psubusb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = sat8u(d->b[i] - s->b[i]); }
static void psubusw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = sat16u((int32_t)d->w[i] - s->w[i]); }

/* ---- multiply ---- */
static void pmullw(union v128 *d, const union v128 *s, unsigned n)
{
    LOOP(w, 2) d->w[i] = (uint16_t)((int32_t)d->sw[i] * s->sw[i]);
}
static void pmulhw(union v128 *d, const union v128 *s, unsigned n)
{
    LOOP(w, 2) d->w[i] = (uint16_t)((uint32_t)((int32_t)d->sw[i] * s->sw[i]) >> 16);
}
static void pmulhuw(union v128 *d, const union v128 *s, unsigned n)
{
    LOOP(w, 2) d->w[i] = (uint16_t)(((uint32_t)d->w[i] * s->w[i]) >> 16);
}
static void pmuludq(union v128 *d, const union v128 *s, unsigned n)
{
    LOOP(q, 8) d->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i];
}
static void pmaddwd(union v128 *d, const union v128 *s, unsigned n)
{
    /* 0x8000*0x8000*2 wraps to 0x80000000 (SDM PMADDWD): unsigned sum */
    LOOP(d, 4) d->d[i] = (uint32_t)((int32_t)d->sw[2 * i] * s->sw[2 * i]) +
                         (uint32_t)((int32_t)d->sw[2 * i + 1] * s->sw[2 * i + 1]);
}
static void psadbw(union v128 *d, const union v128 *s, unsigned n)
{
    LOOP(q, 8) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 8; j++) {
            int x = d->b[8 * i + j] - s->b[8 * i + j];
            sum += (unsigned)(x < 0 ? -x : x);
        }
        d->q[i] = sum;
    }
}

/* ---- average, min, max ---- */
static void pavgb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = (uint8_t)((d->b[i] + s->b[i] + 1) >> 1); }
static void pavgw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = (uint16_t)(((uint32_t)d->w[i] + s->w[i] + 1) >> 1); }
static void pminub(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) if (s->b[i] < d->b[i]) d->b[i] = s->b[i]; }
static void pmaxub(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) if (s->b[i] > d->b[i]) d->b[i] = s->b[i]; }
static void pminsw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) if (s->sw[i] < d->sw[i]) d->sw[i] = s->sw[i]; }
static void pmaxsw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) if (s->sw[i] > d->sw[i]) d->sw[i] = s->sw[i]; }

/* ---- compare ---- */
static void pcmpeqb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = d->b[i] == s->b[i] ? 0xff : 0; }
static void pcmpeqw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = d->w[i] == s->w[i] ? 0xffff : 0; }
static void pcmpeqd(union v128 *d, const union v128 *s, unsigned n) { LOOP(d, 4) d->d[i] = d->d[i] == s->d[i] ? ~0u : 0; }
static void pcmpgtb(union v128 *d, const union v128 *s, unsigned n) { LOOP(b, 1) d->b[i] = d->sb[i] > s->sb[i] ? 0xff : 0; }
static void pcmpgtw(union v128 *d, const union v128 *s, unsigned n) { LOOP(w, 2) d->w[i] = d->sw[i] > s->sw[i] ? 0xffff : 0; }
static void pcmpgtd(union v128 *d, const union v128 *s, unsigned n) { LOOP(d, 4) d->d[i] = d->sd[i] > s->sd[i] ? ~0u : 0; }

/* ---- logic ---- */
static void pand(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] &= s->q[i]; }
static void pandn(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] = ~d->q[i] & s->q[i]; }
static void por(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] |= s->q[i]; }
static void pxor(union v128 *d, const union v128 *s, unsigned n) { LOOP(q, 8) d->q[i] ^= s->q[i]; }

/* ---- pack and unpack (the destination supplies the low half) ---- */
static void packsswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned i = 0; i < n / 2; i++) {
        r.sb[i] = sat8s(d->sw[i]);
        r.sb[n / 2 + i] = sat8s(s->sw[i]);
    }
    memcpy(d, &r, n);
}
static void packuswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned i = 0; i < n / 2; i++) {
        r.b[i] = sat8u(d->sw[i]);
        r.b[n / 2 + i] = sat8u(s->sw[i]);
    }
    memcpy(d, &r, n);
}
static void packssdw(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned i = 0; i < n / 4; i++) {
        r.sw[i] = sat16s(d->sd[i]);
        r.sw[n / 4 + i] = sat16s(s->sd[i]);
    }
    memcpy(d, &r, n);
}
/* Interleave elements of `esz` bytes from the low (hi = 0) or high half. */
static void unpack(union v128 *d, const union v128 *s, unsigned n, unsigned esz,
                   bool hi)
{
    union v128 r;
    unsigned half = n / 2, base = hi ? half : 0;
    for (unsigned i = 0; i < half / esz; i++) {
        memcpy(&r.b[2 * i * esz], &d->b[base + i * esz], esz);
        memcpy(&r.b[(2 * i + 1) * esz], &s->b[base + i * esz], esz);
    }
    memcpy(d, &r, n);
}
static void punpcklbw(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 1, false); }
static void punpcklwd(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 2, false); }
static void punpckldq(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 4, false); }
static void punpcklqdq(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 8, false); }
static void punpckhbw(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 1, true); }
static void punpckhwd(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 2, true); }
static void punpckhdq(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 4, true); }
static void punpckhqdq(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, 8, true); }

/* ---- shifts: the count is the whole low quadword (SDM PSLLW: a count
 * above the element width clears, or fills with the sign for PSRA) ---- */
static void shift(union v128 *v, unsigned n, unsigned esz, unsigned kind,
                  uint64_t count)
{
    unsigned bits = esz * 8;
    for (unsigned i = 0; i < n / esz; i++) {
        uint64_t x = 0;
        memcpy(&x, &v->b[i * esz], esz);
        if (kind == 4) { /* arithmetic right */
            unsigned c = count > bits - 1 ? bits - 1 : (unsigned)count;
            int64_t sx = (int64_t)(x << (64 - bits)) >> (64 - bits);
            x = (uint64_t)(sx >> c);
        } else if (count >= bits) {
            x = 0;
        } else {
            x = kind == 2 ? x >> count : x << count;
        }
        memcpy(&v->b[i * esz], &x, esz);
    }
}
static void psrlw(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 2, 2, s->q[0]); }
static void psrld(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 4, 2, s->q[0]); }
static void psrlq(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 8, 2, s->q[0]); }
static void psraw(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 2, 4, s->q[0]); }
static void psrad(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 4, 4, s->q[0]); }
static void psllw(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 2, 6, s->q[0]); }
static void pslld(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 4, 6, s->q[0]); }
static void psllq(union v128 *d, const union v128 *s, unsigned n) { shift(d, n, 8, 6, s->q[0]); }

sse_intop sse_int_lookup(unsigned op, bool *mmx_m32, bool *xmm_only)
{
    static const sse_intop tab[0xa0] = {
        [0x60 - 0x60] = punpcklbw, [0x61 - 0x60] = punpcklwd, [0x62 - 0x60] = punpckldq,
        [0x63 - 0x60] = packsswb, [0x64 - 0x60] = pcmpgtb, [0x65 - 0x60] = pcmpgtw,
        [0x66 - 0x60] = pcmpgtd, [0x67 - 0x60] = packuswb, [0x68 - 0x60] = punpckhbw,
        [0x69 - 0x60] = punpckhwd, [0x6a - 0x60] = punpckhdq, [0x6b - 0x60] = packssdw,
        [0x6c - 0x60] = punpcklqdq, [0x6d - 0x60] = punpckhqdq,
        [0x74 - 0x60] = pcmpeqb, [0x75 - 0x60] = pcmpeqw, [0x76 - 0x60] = pcmpeqd,
        [0xd1 - 0x60] = psrlw, [0xd2 - 0x60] = psrld, [0xd3 - 0x60] = psrlq,
        [0xd4 - 0x60] = paddq, [0xd5 - 0x60] = pmullw,
        [0xd8 - 0x60] = psubusb, [0xd9 - 0x60] = psubusw, [0xda - 0x60] = pminub,
        [0xdb - 0x60] = pand, [0xdc - 0x60] = paddusb, [0xdd - 0x60] = paddusw,
        [0xde - 0x60] = pmaxub, [0xdf - 0x60] = pandn,
        [0xe0 - 0x60] = pavgb, [0xe1 - 0x60] = psraw, [0xe2 - 0x60] = psrad,
        [0xe3 - 0x60] = pavgw, [0xe4 - 0x60] = pmulhuw, [0xe5 - 0x60] = pmulhw,
        [0xe8 - 0x60] = psubsb, [0xe9 - 0x60] = psubsw, [0xea - 0x60] = pminsw,
        [0xeb - 0x60] = por, [0xec - 0x60] = paddsb, [0xed - 0x60] = paddsw,
        [0xee - 0x60] = pmaxsw, [0xef - 0x60] = pxor,
        [0xf1 - 0x60] = psllw, [0xf2 - 0x60] = pslld, [0xf3 - 0x60] = psllq,
        [0xf4 - 0x60] = pmuludq, [0xf5 - 0x60] = pmaddwd, [0xf6 - 0x60] = psadbw,
        [0xf8 - 0x60] = psubb, [0xf9 - 0x60] = psubw, [0xfa - 0x60] = psubd,
        [0xfb - 0x60] = psubq, [0xfc - 0x60] = paddb, [0xfd - 0x60] = paddw,
        [0xfe - 0x60] = paddd,
    };
    if (op < 0x60 || op >= 0x100)
        return NULL;
    /* MMX PUNPCKL* read a 32-bit memory operand (SDM PUNPCKLBW: mm/m32) */
    *mmx_m32 = op >= 0x60 && op <= 0x62;
    *xmm_only = op == 0x6c || op == 0x6d;
    return tab[op - 0x60];
}

bool sse_shift_imm(unsigned op, unsigned ext, union v128 *v, unsigned count,
                   unsigned n)
{
    unsigned esz = op == 0x71 ? 2 : op == 0x72 ? 4 : 8;
    if (ext == 2 || ext == 6 || (ext == 4 && op != 0x73)) {
        shift(v, n, esz, ext, count);
        return true;
    }
    if (op == 0x73 && n == 16 && (ext == 3 || ext == 7)) {
        /* PSRLDQ / PSLLDQ: whole register by bytes, > 15 clears */
        union v128 r;
        memset(&r, 0, sizeof(r));
        if (count < 16) {
            if (ext == 3)
                memcpy(&r.b[0], &v->b[count], 16 - count);
            else
                memcpy(&r.b[count], &v->b[0], 16 - count);
        }
        *v = r;
        return true;
    }
    return false;
}

/* PSHUFW (none), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2). */
void sse_pshuf(unsigned pfx, union v128 *d, const union v128 *s, uint8_t imm)
{
    union v128 r = *s;
    switch (pfx) {
    case 0:
        for (unsigned i = 0; i < 4; i++)
            r.w[i] = s->w[(imm >> (2 * i)) & 3];
        r.q[1] = 0;
        break;
    case 0x66:
        for (unsigned i = 0; i < 4; i++)
            r.d[i] = s->d[(imm >> (2 * i)) & 3];
        break;
    case 0xf3:
        for (unsigned i = 0; i < 4; i++)
            r.w[4 + i] = s->w[4 + ((imm >> (2 * i)) & 3)];
        break;
    default:
        for (unsigned i = 0; i < 4; i++)
            r.w[i] = s->w[(imm >> (2 * i)) & 3];
        break;
    }
    *d = r;
}

unsigned sse_pmovmskb(const union v128 *v, unsigned n)
{
    unsigned m = 0;
    if (n > sizeof v->b)
        n = sizeof v->b; /* 8 (MMX) or 16; also keeps gcc's bounds check quiet */
    for (unsigned i = 0; i < n; i++)
        m |= (unsigned)(v->b[i] >> 7) << i;
    return m;
}
