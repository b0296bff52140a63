/* Opcode tables for the one-byte and 0F maps (SDM Vol. 2 Appendix A,
 * Tables for the ModRM-extended groups). Every slot
 * is filled: an integer instruction names its operation, operand kinds and
 * the arithmetic flags it writes; x87/SSE/MMX encodings are OP_UNIMPL with
 * the right ModRM/immediate shape so lengths still decode; the rest are
 * OP_INVALID (#UD). */
#include "x86_internal.h"

/* operand shorthands (SDM Appendix A notation) */
#define Eb OPND(K_E, SZ_B)
#define Ew OPND(K_E, SZ_W)
#define Ev OPND(K_E, SZ_V)
#define Ed OPND(K_E, SZ_D)
#define Gb OPND(K_G, SZ_B)
#define Gw OPND(K_G, SZ_W)
#define Gv OPND(K_G, SZ_V)
#define M0 OPND(K_M, SZ_0)
#define Mv OPND(K_M, SZ_V)
#define Mw OPND(K_M, SZ_W)
#define Mq OPND(K_M, SZ_Q)
#define Ib OPND(K_I, SZ_B)
#define Iw OPND(K_I, SZ_W)
#define Iz OPND(K_I, SZ_Z)
#define Iv OPND(K_I, SZ_V)
#define Ibs OPND(K_IS, SZ_V)
#define I1 OPND(K_ONE, SZ_B)
#define Zb OPND(K_Z, SZ_B)
#define Zv OPND(K_Z, SZ_V)
#define AL OPND(K_ACC, SZ_B)
#define AX OPND(K_ACC, SZ_V)
#define eAX OPND(K_ACC, SZ_Z)
#define CL OPND(K_CL, SZ_B)
#define DX OPND(K_DX, SZ_W)
#define Jb OPND(K_J, SZ_B)
#define Jz OPND(K_J, SZ_Z)
#define Ob OPND(K_O, SZ_B)
#define Ov OPND(K_O, SZ_V)
#define Ap OPND(K_A, SZ_0)
#define Xb OPND(K_X, SZ_B)
#define Xz OPND(K_X, SZ_Z)
#define Xv OPND(K_X, SZ_V)
#define Yb OPND(K_Y, SZ_B)
#define Yz OPND(K_Y, SZ_Z)
#define Yv OPND(K_Y, SZ_V)
#define Sw OPND(K_S, SZ_W)
#define Cd OPND(K_C, SZ_M)
#define Dd OPND(K_D, SZ_M)
#define Rd OPND(K_R, SZ_M)

#define E(op_, arg_, a, b, c, fl_, f_) \
    { .op = (op_), .arg = (arg_), .o = { (a), (b), (c) }, .fl = (fl_), .f = (f_) }
#define E0(op_, f_) E(op_, 0, 0, 0, 0, 0, f_)
#define INV E0(OP_INVALID, 0)
#define UNI E0(OP_UNIMPL, 0)         /* no ModRM */
#define UNM E0(OP_UNIMPL, F_MODRM)   /* ModRM */
#define UNMI E(OP_UNIMPL, 0, Ib, 0, 0, 0, F_MODRM) /* ModRM + imm8 */
#define SSE E(OP_SSE, 0, 0, 0, 0, 0, F_MODRM)      /* MMX/SSE, ModRM */
#define SSEI E(OP_SSE, 1, Ib, 0, 0, 0, F_MODRM)    /* MMX/SSE, ModRM + imm8 */
#define FXS(n) E(OP_FXSTATE, n, M0, 0, 0, 0, 0)
#define GRP(g) E(OP_INVALID, g, 0, 0, 0, 0, F_MODRM | F_GRP)

/* the six ALU encodings of one operation */
#define ALU6(n, fl)                                                  \
    E(OP_ALU, n, Eb, Gb, 0, fl, F_MODRM | F_LOCK),                   \
    E(OP_ALU, n, Ev, Gv, 0, fl, F_MODRM | F_LOCK),                   \
    E(OP_ALU, n, Gb, Eb, 0, fl, F_MODRM),                            \
    E(OP_ALU, n, Gv, Ev, 0, fl, F_MODRM),                            \
    E(OP_ALU, n, AL, Ib, 0, fl, 0),                                  \
    E(OP_ALU, n, AX, Iz, 0, fl, 0)
#define CMP6(n) /* CMP: no LOCK */                                   \
    E(OP_ALU, n, Eb, Gb, 0, FL_ALL, F_MODRM),                        \
    E(OP_ALU, n, Ev, Gv, 0, FL_ALL, F_MODRM),                        \
    E(OP_ALU, n, Gb, Eb, 0, FL_ALL, F_MODRM),                        \
    E(OP_ALU, n, Gv, Ev, 0, FL_ALL, F_MODRM),                        \
    E(OP_ALU, n, AL, Ib, 0, FL_ALL, 0),                              \
    E(OP_ALU, n, AX, Iz, 0, FL_ALL, 0)
#define PUSHS(s) E(OP_PUSH_SEG, s, 0, 0, 0, 0, F_NO64)
#define POPS(s) E(OP_POP_SEG, s, 0, 0, 0, 0, F_NO64 | F_SNAP)
#define X8(...) __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__
#define X16(...) X8(__VA_ARGS__), X8(__VA_ARGS__)
#define CC16(op_, a, b, fl_, f_)                                     \
    E(op_, 0, a, b, 0, fl_, f_), E(op_, 1, a, b, 0, fl_, f_),        \
    E(op_, 2, a, b, 0, fl_, f_), E(op_, 3, a, b, 0, fl_, f_),        \
    E(op_, 4, a, b, 0, fl_, f_), E(op_, 5, a, b, 0, fl_, f_),        \
    E(op_, 6, a, b, 0, fl_, f_), E(op_, 7, a, b, 0, fl_, f_),        \
    E(op_, 8, a, b, 0, fl_, f_), E(op_, 9, a, b, 0, fl_, f_),        \
    E(op_, 10, a, b, 0, fl_, f_), E(op_, 11, a, b, 0, fl_, f_),      \
    E(op_, 12, a, b, 0, fl_, f_), E(op_, 13, a, b, 0, fl_, f_),      \
    E(op_, 14, a, b, 0, fl_, f_), E(op_, 15, a, b, 0, fl_, f_)

const struct x86_opent x86_map1[256] = {
    /* 00 */ ALU6(0, FL_ALL), PUSHS(VMP_ES), POPS(VMP_ES),
    /* 08 */ ALU6(1, FL_ALL), PUSHS(VMP_CS), INV /* 0F escape */,
    /* 10 */ ALU6(2, FL_ALL), PUSHS(VMP_SS), POPS(VMP_SS),
    /* 18 */ ALU6(3, FL_ALL), PUSHS(VMP_DS), POPS(VMP_DS),
    /* 20 */ ALU6(4, FL_ALL), INV /* ES: */, E0(OP_DAA, F_NO64),
    /* 28 */ ALU6(5, FL_ALL), INV /* CS: */, E0(OP_DAS, F_NO64),
    /* 30 */ ALU6(6, FL_ALL), INV /* SS: */, E0(OP_AAA, F_NO64),
    /* 38 */ CMP6(7), INV /* DS: */, E0(OP_AAS, F_NO64),
    /* 40 */ X8(E(OP_INC, 0, Zv, 0, 0, FL_NOC, F_NO64)),
    /* 48 */ X8(E(OP_DEC, 0, Zv, 0, 0, FL_NOC, F_NO64)),
    /* 50 */ X8(E(OP_PUSH, 0, Zv, 0, 0, 0, F_DEF64)),
    /* 58 */ X8(E(OP_POP, 0, Zv, 0, 0, 0, F_DEF64)),
    /* 60 */ E0(OP_PUSHA, F_NO64 | F_SNAP), E0(OP_POPA, F_NO64 | F_SNAP),
    /* 62 */ E(OP_BOUND, 0, Gv, M0, 0, 0, F_MODRM | F_NO64),
    /* 63 */ E(OP_ARPL, 0, Ew, Gw, 0, FL_Z, F_MODRM | F_NO64),
    /* 64 */ INV, INV, INV, INV,
    /* 68 */ E(OP_PUSH, 0, Iz, 0, 0, 0, F_DEF64),
    /* 69 */ E(OP_IMUL, 0, Gv, Ev, Iz, FL_ALL, F_MODRM),
    /* 6A */ E(OP_PUSH, 0, Ibs, 0, 0, 0, F_DEF64),
    /* 6B */ E(OP_IMUL, 0, Gv, Ev, Ibs, FL_ALL, F_MODRM),
    /* 6C */ E(OP_INS, 0, Yb, DX, 0, 0, F_REP), E(OP_INS, 0, Yz, DX, 0, 0, F_REP),
    /* 6E */ E(OP_OUTS, 0, DX, Xb, 0, 0, F_REP), E(OP_OUTS, 0, DX, Xz, 0, 0, F_REP),
    /* 70 */ CC16(OP_JCC, Jb, 0, 0, F_FORCE64),
    /* 80 */ GRP(G1_80), GRP(G1_81), GRP(G1_82), GRP(G1_83),
    /* 84 */ E(OP_TEST, 0, Eb, Gb, 0, FL_ALL, F_MODRM),
    /* 85 */ E(OP_TEST, 0, Ev, Gv, 0, FL_ALL, F_MODRM),
    /* 86 */ E(OP_XCHG, 0, Eb, Gb, 0, 0, F_MODRM | F_LOCK),
    /* 87 */ E(OP_XCHG, 0, Ev, Gv, 0, 0, F_MODRM | F_LOCK),
    /* 88 */ E(OP_MOV, 0, Eb, Gb, 0, 0, F_MODRM), E(OP_MOV, 0, Ev, Gv, 0, 0, F_MODRM),
    /* 8A */ E(OP_MOV, 0, Gb, Eb, 0, 0, F_MODRM), E(OP_MOV, 0, Gv, Ev, 0, 0, F_MODRM),
    /* 8C */ E(OP_MOV_FROM_SEG, 0, Ev, Sw, 0, 0, F_MODRM),
    /* 8D */ E(OP_LEA, 0, Gv, M0, 0, 0, F_MODRM),
    /* 8E */ E(OP_MOV_TO_SEG, 0, Sw, Ew, 0, 0, F_MODRM | F_SNAP),
    /* 8F */ GRP(G1A_8F),
    /* 90 */ E(OP_XCHG, 0, Zv, AX, 0, 0, 0) /* NOP/PAUSE: decoder */,
    /* 91 */ E(OP_XCHG, 0, Zv, AX, 0, 0, 0), E(OP_XCHG, 0, Zv, AX, 0, 0, 0),
    /* 93 */ E(OP_XCHG, 0, Zv, AX, 0, 0, 0), E(OP_XCHG, 0, Zv, AX, 0, 0, 0),
    /* 95 */ E(OP_XCHG, 0, Zv, AX, 0, 0, 0), E(OP_XCHG, 0, Zv, AX, 0, 0, 0),
    /* 97 */ E(OP_XCHG, 0, Zv, AX, 0, 0, 0),
    /* 98 */ E0(OP_CBW, 0), E0(OP_CWD, 0),
    /* 9A */ E(OP_CALL_FAR, 0, Ap, 0, 0, 0, F_NO64 | F_SNAP),
    /* 9B */ E0(OP_WAIT, 0),
    /* 9C */ E0(OP_PUSHF, F_DEF64), E(OP_POPF, 0, 0, 0, 0, FL_ALL | FL_SYS, F_DEF64),
    /* 9E */ E(OP_SAHF, 0, 0, 0, 0, FL_ALL & ~FL_O, 0), E0(OP_LAHF, 0),
    /* A0 */ E(OP_MOV, 0, AL, Ob, 0, 0, 0), E(OP_MOV, 0, AX, Ov, 0, 0, 0),
    /* A2 */ E(OP_MOV, 0, Ob, AL, 0, 0, 0), E(OP_MOV, 0, Ov, AX, 0, 0, 0),
    /* A4 */ E(OP_MOVS, 0, Yb, Xb, 0, 0, F_REP), E(OP_MOVS, 0, Yv, Xv, 0, 0, F_REP),
    /* A6 */ E(OP_CMPS, 0, Xb, Yb, 0, FL_ALL, F_REP), E(OP_CMPS, 0, Xv, Yv, 0, FL_ALL, F_REP),
    /* A8 */ E(OP_TEST, 0, AL, Ib, 0, FL_ALL, 0), E(OP_TEST, 0, AX, Iz, 0, FL_ALL, 0),
    /* AA */ E(OP_STOS, 0, Yb, AL, 0, 0, F_REP), E(OP_STOS, 0, Yv, AX, 0, 0, F_REP),
    /* AC */ E(OP_LODS, 0, AL, Xb, 0, 0, F_REP), E(OP_LODS, 0, AX, Xv, 0, 0, F_REP),
    /* AE */ E(OP_SCAS, 0, AL, Yb, 0, FL_ALL, F_REP), E(OP_SCAS, 0, AX, Yv, 0, FL_ALL, F_REP),
    /* B0 */ X8(E(OP_MOV, 0, Zb, Ib, 0, 0, 0)),
    /* B8 */ X8(E(OP_MOV, 0, Zv, Iv, 0, 0, 0)),
    /* C0 */ GRP(G2_C0), GRP(G2_C1),
    /* C2 */ E(OP_RET, 0, Iw, 0, 0, 0, F_FORCE64), E(OP_RET, 0, 0, 0, 0, 0, F_FORCE64),
    /* C4 */ E(OP_LFP, VMP_ES, Gv, M0, 0, 0, F_MODRM | F_NO64 | F_SNAP),
    /* C5 */ E(OP_LFP, VMP_DS, Gv, M0, 0, 0, F_MODRM | F_NO64 | F_SNAP),
    /* C6 */ GRP(G11_C6), GRP(G11_C7),
    /* C8 */ E(OP_ENTER, 0, Iw, Ib, 0, 0, F_DEF64 | F_SNAP),
    /* C9 */ E0(OP_LEAVE, F_DEF64 | F_SNAP),
    /* CA */ E(OP_RETF, 0, Iw, 0, 0, 0, F_SNAP), E(OP_RETF, 0, 0, 0, 0, 0, F_SNAP),
    /* CC */ E0(OP_INT3, F_SNAP), E(OP_INT, 0, Ib, 0, 0, 0, F_SNAP),
    /* CE */ E0(OP_INTO, F_NO64 | F_SNAP), E(OP_IRET, 0, 0, 0, 0, FL_ALL | FL_SYS, F_SNAP),
    /* D0 */ GRP(G2_D0), GRP(G2_D1), GRP(G2_D2), GRP(G2_D3),
    /* D4 */ E(OP_AAM, 0, Ib, 0, 0, FL_ALL, F_NO64), E(OP_AAD, 0, Ib, 0, 0, FL_ALL, F_NO64),
    /* D6 */ E0(OP_SALC, F_NO64), E0(OP_XLAT, 0),
    /* D8 */ X8(E0(OP_X87, F_MODRM)),
    /* E0 */ E(OP_LOOP, 0, Jb, 0, 0, 0, F_FORCE64), E(OP_LOOP, 1, Jb, 0, 0, 0, F_FORCE64),
    /* E2 */ E(OP_LOOP, 2, Jb, 0, 0, 0, F_FORCE64), E(OP_JCXZ, 0, Jb, 0, 0, 0, F_FORCE64),
    /* E4 */ E(OP_IN, 0, AL, Ib, 0, 0, 0), E(OP_IN, 0, eAX, Ib, 0, 0, 0),
    /* E6 */ E(OP_OUT, 0, Ib, AL, 0, 0, 0), E(OP_OUT, 0, Ib, eAX, 0, 0, 0),
    /* E8 */ E(OP_CALL, 0, Jz, 0, 0, 0, F_FORCE64), E(OP_JMP, 0, Jz, 0, 0, 0, F_FORCE64),
    /* EA */ E(OP_JMP_FAR, 0, Ap, 0, 0, 0, F_NO64 | F_SNAP), E(OP_JMP, 0, Jb, 0, 0, 0, F_FORCE64),
    /* EC */ E(OP_IN, 0, AL, DX, 0, 0, 0), E(OP_IN, 0, eAX, DX, 0, 0, 0),
    /* EE */ E(OP_OUT, 0, DX, AL, 0, 0, 0), E(OP_OUT, 0, DX, eAX, 0, 0, 0),
    /* F0 */ INV /* LOCK */, E0(OP_INT1, F_SNAP), INV, INV,
    /* F4 */ E0(OP_HLT, F_PRIV), E(OP_FLAGOP, 2, 0, 0, 0, FL_C, 0),
    /* F6 */ GRP(G3_F6), GRP(G3_F7),
    /* F8 */ E(OP_FLAGOP, 0, 0, 0, 0, FL_C, 0), E(OP_FLAGOP, 1, 0, 0, 0, FL_C, 0),
    /* FA */ E(OP_CLI, 0, 0, 0, 0, FL_SYS, 0), E(OP_STI, 0, 0, 0, 0, FL_SYS, 0),
    /* FC */ E(OP_FLAGOP, 3, 0, 0, 0, FL_SYS, 0), E(OP_FLAGOP, 4, 0, 0, 0, FL_SYS, 0),
    /* FE */ GRP(G4_FE), GRP(G5_FF),
};

const struct x86_opent x86_map2[256] = {
    /* 00 */ GRP(G6_0F00), GRP(G7_0F01),
    /* 02 */ E(OP_LAR, 0, Gv, Ew, 0, FL_Z, F_MODRM), E(OP_LSL, 0, Gv, Ew, 0, FL_Z, F_MODRM),
    /* 04 */ INV, E0(OP_SYSCALL, F_SNAP), E0(OP_CLTS, F_PRIV), E0(OP_SYSRET, F_SNAP | F_PRIV),
    /* 08 */ E0(OP_WBINVD, F_PRIV), E0(OP_WBINVD, F_PRIV), INV, E0(OP_UD, 0),
    /* 0C */ INV, E(OP_NOP, 0, Ev, 0, 0, 0, F_MODRM) /* PREFETCHW */, UNI /* FEMMS */, INV /* 3DNow! */,
    /* 10 */ X8(SSE), /* SSE moves */
    /* 18 */ X8(E(OP_NOP, 0, Ev, 0, 0, 0, F_MODRM)), /* hint NOPs, 0F 1F /0 NOP */
    /* 20 */ E(OP_MOV_FROM_CR, 0, Rd, Cd, 0, 0, F_MODRM | F_PRIV),
    /* 21 */ E(OP_MOV_FROM_DR, 0, Rd, Dd, 0, 0, F_MODRM | F_PRIV),
    /* 22 */ E(OP_MOV_TO_CR, 0, Cd, Rd, 0, 0, F_MODRM | F_PRIV),
    /* 23 */ E(OP_MOV_TO_DR, 0, Dd, Rd, 0, 0, F_MODRM | F_PRIV),
    /* 24 */ INV, INV, INV, INV,
    /* 28 */ X8(SSE),
    /* 30 */ E0(OP_WRMSR, F_PRIV), E0(OP_RDTSC, 0), E0(OP_RDMSR, F_PRIV), E0(OP_RDPMC, 0),
    /* 34 */ E0(OP_SYSENTER, F_SNAP), E0(OP_SYSEXIT, F_SNAP | F_PRIV), INV, UNI /* GETSEC */,
    /* 38 */ INV /* 3-byte escape */, INV, INV /* 3-byte escape */, INV,
    /* 3C */ INV, INV, INV, INV,
    /* 40 */ CC16(OP_CMOVCC, Gv, Ev, 0, F_MODRM),
    /* 50 */ X16(SSE),
    /* 60 */ X16(SSE),
    /* 70 */ SSEI, SSEI, SSEI, SSEI, SSE, SSE, SSE, E0(OP_SSE, 0) /* EMMS */,
    /* 78 */ UNM /* VMREAD */, UNM /* VMWRITE */, INV, INV, SSE, SSE, SSE, SSE,
    /* 80 */ CC16(OP_JCC, Jz, 0, 0, F_FORCE64),
    /* 90 */ CC16(OP_SETCC, Eb, 0, 0, F_MODRM),
    /* A0 */ E(OP_PUSH_SEG, VMP_FS, 0, 0, 0, 0, F_DEF64),
    /* A1 */ E(OP_POP_SEG, VMP_FS, 0, 0, 0, 0, F_DEF64 | F_SNAP),
    /* A2 */ E0(OP_CPUID, 0), E(OP_BT, 0, Ev, Gv, 0, FL_C, F_MODRM),
    /* A4 */ E(OP_SHLD, 0, Ev, Gv, Ib, FL_ALL, F_MODRM), E(OP_SHLD, 0, Ev, Gv, CL, FL_ALL, F_MODRM),
    /* A6 */ INV, INV,
    /* A8 */ E(OP_PUSH_SEG, VMP_GS, 0, 0, 0, 0, F_DEF64),
    /* A9 */ E(OP_POP_SEG, VMP_GS, 0, 0, 0, 0, F_DEF64 | F_SNAP),
    /* AA */ UNI /* RSM */, E(OP_BT, 1, Ev, Gv, 0, FL_C, F_MODRM | F_LOCK),
    /* AC */ E(OP_SHRD, 0, Ev, Gv, Ib, FL_ALL, F_MODRM), E(OP_SHRD, 0, Ev, Gv, CL, FL_ALL, F_MODRM),
    /* AE */ GRP(G15_0FAE), E(OP_IMUL, 0, Gv, Ev, 0, FL_ALL, F_MODRM),
    /* B0 */ E(OP_CMPXCHG, 0, Eb, Gb, 0, FL_ALL, F_MODRM | F_LOCK),
    /* B1 */ E(OP_CMPXCHG, 0, Ev, Gv, 0, FL_ALL, F_MODRM | F_LOCK),
    /* B2 */ E(OP_LFP, VMP_SS, Gv, M0, 0, 0, F_MODRM | F_SNAP),
    /* B3 */ E(OP_BT, 2, Ev, Gv, 0, FL_C, F_MODRM | F_LOCK),
    /* B4 */ E(OP_LFP, VMP_FS, Gv, M0, 0, 0, F_MODRM | F_SNAP),
    /* B5 */ E(OP_LFP, VMP_GS, Gv, M0, 0, 0, F_MODRM | F_SNAP),
    /* B6 */ E(OP_MOVZX, 0, Gv, Eb, 0, 0, F_MODRM), E(OP_MOVZX, 0, Gv, Ew, 0, 0, F_MODRM),
    /* B8 */ INV /* JMPE; F3: POPCNT (decoder) */, E0(OP_UD, F_MODRM) /* UD1 */,
    /* BA */ GRP(G8_0FBA), E(OP_BT, 3, Ev, Gv, 0, FL_C, F_MODRM | F_LOCK),
    /* BC */ E(OP_BSF, 0, Gv, Ev, 0, FL_ALL, F_MODRM), E(OP_BSR, 0, Gv, Ev, 0, FL_ALL, F_MODRM),
    /* BE */ E(OP_MOVSX, 0, Gv, Eb, 0, 0, F_MODRM), E(OP_MOVSX, 0, Gv, Ew, 0, 0, F_MODRM),
    /* C0 */ E(OP_XADD, 0, Eb, Gb, 0, FL_ALL, F_MODRM | F_LOCK),
    /* C1 */ E(OP_XADD, 0, Ev, Gv, 0, FL_ALL, F_MODRM | F_LOCK),
    /* C2 */ SSEI, SSE /* MOVNTI */, SSEI, SSEI, SSEI, GRP(G9_0FC7),
    /* C8 */ X8(E(OP_BSWAP, 0, Zv, 0, 0, 0, 0)),
    /* D0 */ X16(SSE),
    /* E0 */ X16(SSE),
    /* F0 */ SSE, SSE, SSE, SSE, SSE, SSE, SSE, SSE,
    /* F8 */ SSE, SSE, SSE, SSE, SSE, SSE, SSE, E0(OP_UD, F_MODRM) /* UD0 */,
};

#define G1(n, dst, src) E(OP_ALU, n, dst, src, 0, FL_ALL, F_LOCK)
#define G1C(dst, src) E(OP_ALU, 7, dst, src, 0, FL_ALL, 0)
#define G1ALL(dst, src, f)                                                       \
    { G1(0, dst, src), G1(1, dst, src), G1(2, dst, src), G1(3, dst, src),        \
      G1(4, dst, src), G1(5, dst, src), G1(6, dst, src), G1C(dst, src) }
#define SH(n, dst, src) E(OP_SHIFT, n, dst, src, 0, FL_ALL, 0)
#define G2ALL(dst, src)                                                          \
    { SH(0, dst, src), SH(1, dst, src), SH(2, dst, src), SH(3, dst, src),        \
      SH(4, dst, src), SH(5, dst, src), SH(6, dst, src), SH(7, dst, src) }

const struct x86_opent x86_groups[NR_GROUPS][8] = {
    [G1_80] = G1ALL(Eb, Ib, 0),
    [G1_81] = G1ALL(Ev, Iz, 0),
    [G1_82] = { /* 82 is 80 outside 64-bit mode */
        E(OP_ALU, 0, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64), E(OP_ALU, 1, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64),
        E(OP_ALU, 2, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64), E(OP_ALU, 3, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64),
        E(OP_ALU, 4, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64), E(OP_ALU, 5, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64),
        E(OP_ALU, 6, Eb, Ib, 0, FL_ALL, F_LOCK | F_NO64), E(OP_ALU, 7, Eb, Ib, 0, FL_ALL, F_NO64) },
    [G1_83] = G1ALL(Ev, Ibs, 0),
    [G1A_8F] = { E(OP_POP, 0, Ev, 0, 0, 0, F_DEF64), INV, INV, INV, INV, INV, INV, INV },
    [G2_C0] = G2ALL(Eb, Ib),
    [G2_C1] = G2ALL(Ev, Ib),
    [G2_D0] = G2ALL(Eb, I1),
    [G2_D1] = G2ALL(Ev, I1),
    [G2_D2] = G2ALL(Eb, CL),
    [G2_D3] = G2ALL(Ev, CL),
    [G3_F6] = { E(OP_TEST, 0, Eb, Ib, 0, FL_ALL, 0), E(OP_TEST, 0, Eb, Ib, 0, FL_ALL, 0),
                E(OP_NOT, 0, Eb, 0, 0, 0, F_LOCK), E(OP_NEG, 0, Eb, 0, 0, FL_ALL, F_LOCK),
                E(OP_MUL, 0, Eb, 0, 0, FL_ALL, 0), E(OP_IMUL1, 0, Eb, 0, 0, FL_ALL, 0),
                E(OP_DIV, 0, Eb, 0, 0, FL_ALL, 0), E(OP_IDIV, 0, Eb, 0, 0, FL_ALL, 0) },
    [G3_F7] = { E(OP_TEST, 0, Ev, Iz, 0, FL_ALL, 0), E(OP_TEST, 0, Ev, Iz, 0, FL_ALL, 0),
                E(OP_NOT, 0, Ev, 0, 0, 0, F_LOCK), E(OP_NEG, 0, Ev, 0, 0, FL_ALL, F_LOCK),
                E(OP_MUL, 0, Ev, 0, 0, FL_ALL, 0), E(OP_IMUL1, 0, Ev, 0, 0, FL_ALL, 0),
                E(OP_DIV, 0, Ev, 0, 0, FL_ALL, 0), E(OP_IDIV, 0, Ev, 0, 0, FL_ALL, 0) },
    [G4_FE] = { E(OP_INC, 0, Eb, 0, 0, FL_NOC, F_LOCK), E(OP_DEC, 0, Eb, 0, 0, FL_NOC, F_LOCK),
                INV, INV, INV, INV, INV, INV },
    [G5_FF] = { E(OP_INC, 0, Ev, 0, 0, FL_NOC, F_LOCK), E(OP_DEC, 0, Ev, 0, 0, FL_NOC, F_LOCK),
                E(OP_CALL_IND, 0, Ev, 0, 0, 0, F_FORCE64),
                E(OP_CALL_FAR_IND, 0, M0, 0, 0, 0, F_SNAP),
                E(OP_JMP_IND, 0, Ev, 0, 0, 0, F_FORCE64),
                E(OP_JMP_FAR_IND, 0, M0, 0, 0, 0, F_SNAP),
                E(OP_PUSH, 0, Ev, 0, 0, 0, F_DEF64), INV },
    [G11_C6] = { E(OP_MOV, 0, Eb, Ib, 0, 0, 0), INV, INV, INV, INV, INV, INV, INV },
    [G11_C7] = { E(OP_MOV, 0, Ev, Iz, 0, 0, 0), INV, INV, INV, INV, INV, INV, INV },
    [G6_0F00] = { E(OP_SLDT, 0, Ev, 0, 0, 0, 0), E(OP_STR, 0, Ev, 0, 0, 0, 0),
                  E(OP_LLDT, 0, Ew, 0, 0, 0, F_PRIV | F_SNAP), E(OP_LTR, 0, Ew, 0, 0, 0, F_PRIV | F_SNAP),
                  E(OP_VERR, 0, Ew, 0, 0, FL_Z, 0), E(OP_VERW, 0, Ew, 0, 0, FL_Z, 0), INV, INV },
    [G7_0F01] = { E(OP_SGDT, 0, M0, 0, 0, 0, 0), E(OP_SIDT, 0, M0, 0, 0, 0, 0),
                  E(OP_LGDT, 0, M0, 0, 0, 0, F_PRIV), E(OP_LIDT, 0, M0, 0, 0, 0, F_PRIV),
                  E(OP_SMSW, 0, Ew, 0, 0, 0, 0), INV,
                  E(OP_LMSW, 0, Ew, 0, 0, 0, F_PRIV), E(OP_INVLPG, 0, M0, 0, 0, 0, F_PRIV) },
    [G8_0FBA] = { INV, INV, INV, INV,
                  E(OP_BT, 0, Ev, Ib, 0, FL_C, 0), E(OP_BT, 1, Ev, Ib, 0, FL_C, F_LOCK),
                  E(OP_BT, 2, Ev, Ib, 0, FL_C, F_LOCK), E(OP_BT, 3, Ev, Ib, 0, FL_C, F_LOCK) },
    [G9_0FC7] = { INV, E(OP_CMPXCHG8B, 0, M0, 0, 0, FL_Z, F_LOCK | F_SNAP), INV, UNI /* XRSTORS */,
                  UNI /* XSAVEC */, UNI /* XSAVES */, UNI /* VMPTRLD.. */, UNI },
    [G15_0FAE] = { FXS(0) /* FXSAVE */, FXS(1) /* FXRSTOR */, FXS(2) /* LDMXCSR */,
                   FXS(3) /* STMXCSR */, UNI /* XSAVE */, UNI /* XRSTOR */,
                   UNI /* XSAVEOPT */, FXS(7) /* CLFLUSH */ },
    [G16_0F18] = { INV, INV, INV, INV, INV, INV, INV, INV },
};

const struct x86_opent x86_groups_reg[NR_GROUPS][8] = {
    [G7_0F01] = { UNI /* VMX */, UNI /* MONITOR, MWAIT, CLAC, STAC: decoder */,
                  UNI /* XGETBV.. */, UNI /* SVM */,
                  E(OP_SMSW, 0, Ev, 0, 0, 0, 0), UNI,
                  E(OP_LMSW, 0, Ew, 0, 0, 0, F_PRIV), UNI /* SWAPGS, RDTSCP: decoder */ },
    [G9_0FC7] = { INV, INV, INV, INV, INV, INV, UNI /* RDRAND */, UNI /* RDSEED, RDPID */ },
    [G15_0FAE] = { UNI, UNI, UNI, UNI, UNI, E0(OP_NOP, 0) /* LFENCE */,
                   E0(OP_NOP, 0) /* MFENCE */, E0(OP_NOP, 0) /* SFENCE */ },
};
