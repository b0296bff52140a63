/* The x87 register moves compiled x87 code is full of — FXCH, FLD ST(i),
 * FST/FSTP ST(i), FLDZ, FLD1, FINCSTP, FDECSTP — done in C when they
 * cannot raise anything (no stack overflow or underflow): they only copy
 * 80-bit values and tags, set C1 = 0 and leave C0, C2, C3 (which the SDM
 * calls undefined; the hardware leaves them). Every other case goes to
 * the host FPU (x86_x87_host.c), FFREE too (the AMD host clears C1 there);
 * the x87native tests hold both paths to the hardware. */
#include "x86_x87.h"

static bool empty(const struct vmp_x86_fpu *f, unsigned phys)
{
    return !(f->ftw >> phys & 1);
}

static void set_top(struct vmp_x86_fpu *f, unsigned top)
{
    f->fsw = (uint16_t)((f->fsw & ~(7u << 11)) | (top & 7) << 11);
}

bool x87_fast(struct vmp_x86_fpu *f, unsigned op, unsigned modrm)
{
    unsigned top = x87_top(f), i = modrm & 7;
    unsigned st0 = top, sti = (top + i) & 7, below = (top - 1) & 7;
    struct vmp_x87_reg r;
    switch (op << 8 | (modrm & 0xf8)) {
    case 0x1c8: /* D9 C8+i FXCH */
        if (empty(f, st0) || empty(f, sti))
            return false;
        r = f->st[st0];
        f->st[st0] = f->st[sti];
        f->st[sti] = r;
        break;
    case 0x1c0: /* D9 C0+i FLD ST(i) */
        if (empty(f, sti) || !empty(f, below))
            return false;
        f->st[below] = f->st[sti];
        f->ftw |= (uint8_t)(1u << below);
        set_top(f, below);
        break;
    case 0x5d0: /* DD D0+i FST ST(i) */
    case 0x5d8: /* DD D8+i FSTP ST(i) */
        if (empty(f, st0))
            return false;
        f->st[sti] = f->st[st0];
        f->ftw |= (uint8_t)(1u << sti);
        if (modrm & 8) {
            f->ftw &= (uint8_t)~(1u << st0);
            set_top(f, top + 1);
        }
        break;
    case 0x1e8: /* D9 E8 FLD1, D9 EE FLDZ: exact whatever RC says */
        if ((i != 0 && i != 6) || !empty(f, below))
            return false;
        f->st[below].mant = i ? 0 : 1ull << 63;
        f->st[below].sexp = i ? 0 : 0x3fff;
        f->ftw |= (uint8_t)(1u << below);
        set_top(f, below);
        break;
    case 0x1f0: /* D9 F6 FDECSTP, D9 F7 FINCSTP */
        if (i != 6 && i != 7)
            return false;
        set_top(f, i == 7 ? top + 1 : top - 1);
        break;
    default:
        return false;
    }
    f->fsw &= (uint16_t)~X87_C1;
    return true;
}
