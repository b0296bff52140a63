/* What the generator's families share (gen.c): random numbers, the
 * code buffer, register knowledge, flags bookkeeping and the instruction
 * encoder. gen_fp.c's x87/MMX/SSE families use them. */
#ifndef DIFF_GEN_INTERNAL_H
#define DIFF_GEN_INTERNAL_H

#include "gen.h"

#define R_NONE (-1)
#define R_RIP 16

struct mem {
    int base, index; /* R_NONE, 0..15, or R_RIP for base */
    unsigned scale;
    int64_t disp;
    unsigned dsz;    /* 0, 1, 4 */
    int a32;
    uint64_t target; /* the effective address, for RIP-relative patching */
};

struct ins {
    uint8_t pfx[16];
    unsigned npfx;
    uint8_t stray_rex; /* a REX before the legacy prefixes: ignored */
    unsigned w;
    int rex_force;   /* SPL..DIL */
    uint8_t opc[4];
    unsigned nopc;
    int opreg;       /* register in the low opcode bits, or R_NONE */
    int modrm;
    unsigned reg;    /* ModRM.reg (0..15) */
    int rm;          /* register r/m, or R_NONE for memory */
    int has_mem;
    struct mem m;
    uint64_t imm;
    unsigned nimm;
};


uint64_t rnd(struct gen *g);
unsigned rn(struct gen *g, unsigned n);
int pct(struct gen *g, unsigned p);
uint64_t rval(struct gen *g);
void put(struct gen *g, uint8_t b);
void putn(struct gen *g, uint64_t v, unsigned n);
void unk(struct gen *g, unsigned r);
int isknown(const struct gen *g, unsigned r);
void setup_mov(struct gen *g, unsigned r, uint64_t v);
void need(struct gen *g, unsigned flags);
void flags(struct gen *g, unsigned writes, unsigned undef);
void ins_init(struct ins *i);
void pfx(struct ins *i, uint8_t p);
void opc(struct ins *i, uint8_t a);
void ins_emit(struct gen *g, struct ins *i);
unsigned pick_r(struct gen *g, int dst);
void pick_mem_at(struct gen *g, struct ins *i, uint64_t target, int free);
uint64_t data_target(struct gen *g, unsigned width);
void set_imm(struct ins *i, uint64_t v, unsigned n);
void begin(struct gen *g, unsigned size);
void setup_store(struct gen *g, uint64_t target, uint64_t v, unsigned size);

/* x87/MMX/SSE (gen_fp.c): the initial FP state of a stream, drawn from its
 * own random sequence so that the integer streams of a seed do not change
 * with it. */
void gen_fp_seed(struct gen *g, uint64_t seed, uint64_t idx);
void f_mmx(struct gen *g);
void f_sse_mov(struct gen *g);
void f_sse_int(struct gen *g);
void f_sse_ps(struct gen *g);
void f_sse2_pd(struct gen *g);
void f_sse_cvt(struct gen *g);
void f_sse_cmp(struct gen *g);
void f_sse_rcp(struct gen *g);
void f_x87_load(struct gen *g);
void f_x87_store(struct gen *g);
void f_x87_arith(struct gen *g);
void f_x87_cmp(struct gen *g);
void f_x87_ctrl(struct gen *g);
void f_x87_transc(struct gen *g);
void f_x87_bcd(struct gen *g);
void f_x87_fisttp(struct gen *g);
void f_fxstate(struct gen *g);

#endif
