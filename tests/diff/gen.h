/* Random instruction streams for the differential test: integer
 * instructions valid at CPL 3 in 64-bit mode, with memory operands inside
 * the data area and the flags the SDM leaves undefined tracked per
 * instruction (docs/emulator-diff.md). */
#ifndef DIFF_GEN_H
#define DIFF_GEN_H

#include <stdint.h>
#include "harness.h"

#define GEN_MAX_UNITS 64
#define GEN_STORE_LEN 7 /* mov [G_MMIO + MMIO_END], al */

/* Status flags (RFLAGS bits 0, 2, 4, 6, 7, 11). */
#define ST_CF 0x001u
#define ST_PF 0x004u
#define ST_AF 0x010u
#define ST_ZF 0x040u
#define ST_SF 0x080u
#define ST_OF 0x800u
#define ST_ALL 0x8D5u

struct gen;

#define GEN_IMG_FXSAVE 1 /* 512-byte FXSAVE/FXSAVE64 image */
#define GEN_IMG_ENV 2    /* 28-byte FNSTENV image (32-bit format) */
#define GEN_IMG_SAVE 3   /* 108-byte FNSAVE image: the environment first */
#define GEN_IMG_ENV16 4  /* 14-byte FNSTENV image (66h: 16-bit format) */

/* One instruction family: what the per-family counts and the skip list
 * name. */
struct gen_family {
    const char *name;
    unsigned weight;
    void (*emit)(struct gen *g);
    const char *feature; /* CPU feature it needs, or NULL */
    unsigned skip;       /* set from the skip list */
    unsigned available;  /* the CPU has the feature */
    unsigned pvm_gp_ud;  /* a #GP(0) of its instructions comes back as #UD
                            under PVM (docs/emulator-diff.md) */
};

struct gen {
    uint64_t rng;
    /* the stream */
    uint8_t code[G_CODE_SIZE];
    uint64_t base; /* the stream's first byte's address (in the code area) */
    unsigned len;
    unsigned nunits;
    unsigned unit_end[GEN_MAX_UNITS];   /* code offset after unit i */
    unsigned unit_undef[GEN_MAX_UNITS]; /* undefined flags after unit i */
    uint8_t unit_family[GEN_MAX_UNITS];
    unsigned undef;                     /* undefined flags now */
    int fault;                          /* the last unit is meant to fault */
    int uses_fp;                        /* a unit of an x87/MMX/SSE family */
    int fp_may_fault;                   /* unmasked FP exceptions: #MF/#XM may end it */
    /* x87 state images the stream stores (FXSAVE, FNSTENV, FNSAVE): the
     * comparison leaves out fields the host does not store reliably */
    struct {
        uint32_t addr;
        uint8_t kind; /* GEN_IMG_* */
    } img[16];
    unsigned nimg;
    /* bytes of data0 an earlier unit prepared (an operand value, a state
     * image), which later units' preparations leave alone: bit i of
     * prep[i / 8] is data byte i */
    uint8_t prep[G_DATA_SIZE / 8];
    /* initial state */
    uint64_t gpr0[VMP_NR_GPRS];
    uint64_t rflags0;
    uint8_t data0[G_DATA_SIZE];
    struct diff_fp fp0; /* x87/MMX/SSE state (gen_fp.c) */
    /* what the generator knows while emitting */
    uint64_t val[VMP_NR_GPRS];
    uint32_t known;      /* bit n: val[n] is the register's value */
    unsigned df;         /* DF, always known */
    unsigned cur_family;
    unsigned in_skip;    /* emitting the instruction a Jcc may skip */
    /* x87 stack as the generator expects it (gen_fp.c): TOP and the
     * abridged tags (bit i: physical register i not empty); the values
     * themselves are not tracked */
    unsigned fp_top, fp_tags;
    int overflow;        /* ran out of code space */
};

extern struct gen_family gen_families[];
extern const unsigned gen_nfamilies;

/* Mark the families named in the skip list and those the CPU lacks. */
void gen_init_families(int use_skip_list);
/* Restrict to the comma-separated family names (NULL: all). Returns -1 on
 * an unknown name. */
int gen_select_families(const char *list);

/* Generate stream number idx of the run seeded with seed. */
void gen_stream(struct gen *g, uint64_t seed, uint64_t idx);

/* The skip list, for the report. */
extern const char *const gen_skip_list[];

/* Known emulator bugs the generator avoids while gen_avoid_bugs is set. */
struct gen_bug {
    const char *name, *what;
};
extern const struct gen_bug gen_known_bugs[];
extern unsigned gen_avoid_bugs;

/* Streams that end in a deliberate fault, per thousand. */
extern unsigned gen_fault_permille;

#endif
