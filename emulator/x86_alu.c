/* Arithmetic with exact flags (SDM Vol. 1 Appendix A, Vol. 2 instruction
 * pages). Flags the SDM leaves undefined are given fixed values, listed in
 * docs/emulator.md, so runs are deterministic. */
#include "x86_internal.h"

static inline uint64_t msb(uint64_t v, unsigned size)
{
    return (v >> (size * 8 - 1)) & 1;
}

uint64_t x86_szp(uint64_t res, unsigned size)
{
    uint64_t f = 0;
    res &= x86_mask(size);
    if (!res)
        f |= VMP_FLAG_ZF;
    if (msb(res, size))
        f |= VMP_FLAG_SF;
    if (!(__builtin_popcount((unsigned)(res & 0xff)) & 1))
        f |= VMP_FLAG_PF;
    return f;
}

/* fn: 0 ADD 1 OR 2 ADC 3 SBB 4 AND 5 SUB 6 XOR 7 CMP; 8 INC 9 DEC
 * (INC/DEC keep CF, b ignored) */
uint64_t x86_alu(unsigned fn, uint64_t a, uint64_t b, unsigned size,
                 uint64_t flags_in, uint64_t *flags_out)
{
    uint64_t m = x86_mask(size), r, f;
    unsigned top = size * 8 - 1;
    a &= m;
    b &= m;
    switch (fn) {
    case 0: case 2: case 8: {
        uint64_t cin = fn == 2 ? (flags_in & VMP_FLAG_CF) : 0;
        if (fn == 8) b = 1;
        r = (a + b + cin) & m;
        f = x86_szp(r, size);
        uint64_t carry = ((a & b) | ((a | b) & ~r)) >> top & 1;
        if (fn == 8)
            f |= flags_in & VMP_FLAG_CF;
        else if (carry)
            f |= VMP_FLAG_CF;
        if ((((a ^ r) & (b ^ r)) >> top) & 1)
            f |= VMP_FLAG_OF;
        f |= (a ^ b ^ r) & VMP_FLAG_AF;
        break;
    }
    case 3: case 5: case 7: case 9: {
        uint64_t bin = fn == 3 ? (flags_in & VMP_FLAG_CF) : 0;
        if (fn == 9) b = 1;
        r = (a - b - bin) & m;
        f = x86_szp(r, size);
        uint64_t borrow = ((~a & b) | (~(a ^ b) & r)) >> top & 1;
        if (fn == 9)
            f |= flags_in & VMP_FLAG_CF;
        else if (borrow)
            f |= VMP_FLAG_CF;
        if ((((a ^ b) & (a ^ r)) >> top) & 1)
            f |= VMP_FLAG_OF;
        f |= (a ^ b ^ r) & VMP_FLAG_AF;
        break;
    }
    case 1: r = a | b; f = x86_szp(r, size); break;   /* CF=OF=0, AF=0 */
    case 4: r = a & b; f = x86_szp(r, size); break;
    default: r = a ^ b; f = x86_szp(r, size); break;
    }
    *flags_out = f;
    return r;
}

/* fn: 0 ROL 1 ROR 2 RCL 3 RCR 4 SHL 5 SHR 6 SAL(=SHL) 7 SAR. count is the
 * raw count; masking to 5 (6 for 64-bit) bits happens here. A masked count
 * of zero changes nothing, flags included. */
uint64_t x86_shift(unsigned fn, uint64_t a, unsigned count, unsigned size,
                   uint64_t flags_in, uint64_t *flags_out)
{
    unsigned bits = size * 8;
    uint64_t m = x86_mask(size), r = a & m, f = flags_in & X86_ARITH;
    uint64_t cf = flags_in & VMP_FLAG_CF;
    a &= m;
    count &= size == 8 ? 0x3f : 0x1f;
    if (!count) {
        *flags_out = f;
        return a;
    }
    switch (fn) {
    case 0: { /* ROL: CF = LSB(result), OF = MSB(result) ^ CF */
        unsigned n = count % bits;
        r = n ? ((a << n) | (a >> (bits - n))) & m : a;
        f &= ~(uint64_t)(VMP_FLAG_CF | VMP_FLAG_OF);
        if (r & 1) f |= VMP_FLAG_CF;
        if (msb(r, size) ^ (r & 1)) f |= VMP_FLAG_OF;
        break;
    }
    case 1: { /* ROR: CF = MSB(result), OF = MSB ^ MSB-1 of result */
        unsigned n = count % bits;
        r = n ? ((a >> n) | (a << (bits - n))) & m : a;
        f &= ~(uint64_t)(VMP_FLAG_CF | VMP_FLAG_OF);
        if (msb(r, size)) f |= VMP_FLAG_CF;
        if (msb(r, size) ^ ((r >> (bits - 2)) & 1)) f |= VMP_FLAG_OF;
        break;
    }
    case 2: case 3: { /* RCL/RCR through CF: (bits+1)-bit rotation */
        /* a count that is a multiple of 9/17 rotates nothing, but OF is
         * still recomputed (undefined in the SDM; AMD and Intel do) */
        unsigned n = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
        uint64_t c = cf ? 1 : 0;
        for (unsigned i = 0; i < n; i++) {
            if (fn == 2) {
                uint64_t out = msb(r, size);
                r = ((r << 1) | c) & m;
                c = out;
            } else {
                uint64_t out = r & 1;
                r = (r >> 1) | (c << (bits - 1));
                c = out;
            }
        }
        f &= ~(uint64_t)(VMP_FLAG_CF | VMP_FLAG_OF);
        if (c) f |= VMP_FLAG_CF;
        if (fn == 2 ? (msb(r, size) ^ c) : (msb(r, size) ^ ((r >> (bits - 2)) & 1)))
            f |= VMP_FLAG_OF;
        break;
    }
    case 4: case 6: { /* SHL: CF = last bit out; OF = MSB(result) ^ CF */
        uint64_t c = count <= bits ? (a >> (bits - count)) & 1 : 0;
        r = count < bits ? (a << count) & m : 0;
        f = x86_szp(r, size) | VMP_FLAG_AF;
        if (c) f |= VMP_FLAG_CF;
        if (msb(r, size) ^ c) f |= VMP_FLAG_OF;
        break;
    }
    case 5: { /* SHR: OF = MSB(original) */
        uint64_t c = count <= bits ? (a >> (count - 1)) & 1 : 0;
        r = count < bits ? a >> count : 0;
        f = x86_szp(r, size) | VMP_FLAG_AF;
        if (c) f |= VMP_FLAG_CF;
        if (count == 1 && msb(a, size)) f |= VMP_FLAG_OF;
        break;
    }
    default: { /* SAR: OF = 0 */
        int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);
        unsigned n = count < bits ? count : bits - 1;
        uint64_t c = count < bits ? ((uint64_t)s >> (count - 1)) & 1 : msb(a, size);
        r = (uint64_t)(s >> n) & m;
        f = x86_szp(r, size) | VMP_FLAG_AF;
        if (c) f |= VMP_FLAG_CF;
        break;
    }
    }
    *flags_out = f;
    return r & m;
}

/* SHLD/SHRD (SDM Vol. 2): count masked to 5/6 bits; a count larger than
 * the operand size (16-bit forms only) leaves the result undefined: the
 * emulator shifts the 32-bit concatenation then. */
uint64_t x86_shld(bool right, uint64_t a, uint64_t b, unsigned count,
                  unsigned size, uint64_t flags_in, uint64_t *flags_out)
{
    unsigned bits = size * 8;
    uint64_t m = x86_mask(size), r, c;
    a &= m;
    b &= m;
    count &= size == 8 ? 0x3f : 0x1f;
    if (!count) {
        *flags_out = flags_in & X86_ARITH;
        return a;
    }
    if (count > bits) { /* 16-bit operand, count 17..31 */
        uint64_t cat = right ? (b << 16 | a) | ((uint64_t)a << 32)
                             : ((a << 32) | (b << 16) | a);
        if (right) {
            r = (cat >> count) & m;
            c = (cat >> (count - 1)) & 1;
        } else {
            r = (cat >> (48 - count)) & m;
            c = (cat >> (48 - count + 16)) & 1;
        }
    } else if (right) {
        r = ((a >> count) | (count < bits ? b << (bits - count) : b)) & m;
        if (count == bits) r = b;
        c = (a >> (count - 1)) & 1;
    } else {
        r = count == bits ? b : ((a << count) | (b >> (bits - count))) & m;
        c = (a >> (bits - count)) & 1;
    }
    uint64_t f = x86_szp(r, size) | VMP_FLAG_AF;
    if (c) f |= VMP_FLAG_CF;
    if (msb(r, size) ^ msb(a, size)) f |= VMP_FLAG_OF;
    *flags_out = f;
    return r;
}
