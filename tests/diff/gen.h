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

/* One instruction family: what the per-family counts and the skip list
 * name. */
struct gen_family {
    const char *name;
    unsigned weight;
    void (*emit)(struct gen *g);
    const char *feature; /* CPU feature it needs, or NULL */
    unsigned skip;       /* set from the skip list */
    unsigned available;  /* the CPU has the feature */
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
    /* initial state */
    uint64_t gpr0[VMP_NR_GPRS];
    uint64_t rflags0;
    uint8_t data0[G_DATA_SIZE];
    /* what the generator knows while emitting */
    uint64_t val[VMP_NR_GPRS];
    uint32_t known;      /* bit n: val[n] is the register's value */
    unsigned df;         /* DF, always known */
    unsigned cur_family;
    unsigned in_skip;    /* emitting the instruction a Jcc may skip */
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
