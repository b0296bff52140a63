/* Decoder tests: lengths, operands, prefixes and the #UD/#GP encodings
 * (SDM Vol. 2 chapter 2 and Appendix A). Every expected length below was
 * worked out by hand from the encoding tables. */
#include "helpers.h"
#include <vmparts/x86emu.h>

struct len_case {
    unsigned mode;
    unsigned n;
    uint8_t b[16];
    int len; /* expected length or VMP_X86_DEC_* */
};

static const struct len_case len_cases[] = {
    /* one-byte forms */
    { 64, 1, { 0x90 }, 1 },                              /* NOP */
    { 64, 2, { 0xf3, 0x90 }, 2 },                        /* PAUSE */
    { 16, 1, { 0xc3 }, 1 },                              /* RET */
    /* ModRM + disp forms, 16-bit addressing (Table 2-1) */
    { 16, 4, { 0x8b, 0x06, 0x34, 0x12 }, 4 },            /* mov ax,[0x1234] */
    { 16, 3, { 0x8b, 0x46, 0x10 }, 3 },                  /* mov ax,[bp+0x10] */
    { 16, 4, { 0x8b, 0x80, 0x00, 0x10 }, 4 },            /* mov ax,[bx+si+0x1000] */
    { 16, 2, { 0x8b, 0x00 }, 2 },                        /* mov ax,[bx+si] */
    /* 32-bit addressing (Table 2-2, 2-3) */
    { 32, 6, { 0x8b, 0x05, 1, 2, 3, 4 }, 6 },            /* mov eax,[disp32] */
    { 32, 3, { 0x8b, 0x04, 0x24 }, 3 },                  /* mov eax,[esp] */
    { 32, 7, { 0x8b, 0x04, 0x25, 1, 2, 3, 4 }, 7 },      /* [disp32] via SIB */
    { 32, 4, { 0x8b, 0x44, 0x24, 0x08 }, 4 },            /* [esp+8] */
    { 32, 7, { 0x8b, 0x84, 0x88, 1, 2, 3, 4 }, 7 },      /* [eax+ecx*4+d32] */
    { 32, 3, { 0x8b, 0x45, 0x08 }, 3 },                  /* [ebp+8] */
    /* address-size override switches the ModRM table */
    { 32, 5, { 0x67, 0x8b, 0x06, 0x34, 0x12 }, 5 },      /* 16-bit [disp16] */
    { 16, 7, { 0x67, 0x8b, 0x05, 1, 2, 3, 4 }, 7 },      /* 32-bit [disp32] */
    /* 64-bit: REX, RIP-relative, imm64 */
    { 64, 7, { 0x48, 0x8b, 0x05, 1, 2, 3, 4 }, 7 },      /* mov rax,[rip+d] */
    { 64, 10, { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, /* mov rax,imm64 */
    { 64, 5, { 0xb8, 1, 2, 3, 4 }, 5 },                  /* mov eax,imm32 */
    { 64, 4, { 0x66, 0xb8, 1, 2 }, 4 },                  /* mov ax,imm16 */
    { 64, 7, { 0x48, 0xc7, 0xc0, 1, 2, 3, 4 }, 7 },      /* mov rax,simm32 */
    { 64, 4, { 0x41, 0x8b, 0x04, 0x24 }, 4 },            /* mov eax,[r12] */
    { 64, 4, { 0x41, 0x8b, 0x45, 0x00 }, 4 },            /* mov eax,[r13+0] */
    { 64, 9, { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 }, 9 },      /* mov eax,moffs64 */
    { 64, 6, { 0x67, 0xa1, 1, 2, 3, 4 }, 6 }, /* moffs32 */
    { 32, 5, { 0xa1, 1, 2, 3, 4 }, 5 },
    { 16, 3, { 0xa1, 1, 2 }, 3 },
    /* immediates */
    { 32, 6, { 0x81, 0xc0, 1, 2, 3, 4 }, 6 },            /* add eax,imm32 */
    { 16, 4, { 0x81, 0xc0, 1, 2 }, 4 },                  /* add ax,imm16 */
    { 32, 3, { 0x83, 0xc0, 0xff }, 3 },                  /* add eax,simm8 */
    { 32, 5, { 0x69, 0xc0, 1, 2, 3, 4 }, VMP_X86_DEC_NEED_MORE },
    { 32, 6, { 0x69, 0xc0, 1, 2, 3, 4 }, 6 },            /* imul eax,eax,imm32 */
    { 32, 4, { 0xc8, 0x10, 0x00, 0x01 }, 4 },            /* enter 16,1 */
    { 32, 7, { 0xea, 1, 2, 3, 4, 5, 6 }, 7 },            /* jmp far ptr16:32 */
    { 16, 5, { 0xea, 1, 2, 3, 4 }, 5 },                  /* jmp far ptr16:16 */
    { 32, 3, { 0xf6, 0xc0, 0x01 }, 3 },                  /* test al,1 */
    { 32, 2, { 0xf6, 0xd0 }, 2 },                        /* not al (no imm) */
    { 32, 6, { 0xf7, 0xc0, 1, 2, 3, 4 }, 6 },            /* test eax,imm32 */
    { 32, 6, { 0x0f, 0x84, 1, 2, 3, 4 }, 6 },            /* jz rel32 */
    { 16, 4, { 0x0f, 0x84, 1, 2 }, 4 },                  /* jz rel16 */
    { 64, 7, { 0x66, 0x0f, 0x84, 1, 2, 3, 4 }, 7 },      /* 66 ignored: rel32 */
    { 32, 4, { 0x0f, 0xba, 0xe0, 0x05 }, 4 },            /* bt eax,5 */
    { 32, 4, { 0x0f, 0xa4, 0xc0, 0x05 }, 4 },            /* shld eax,eax,5 */
    { 64, 3, { 0xc2, 0x08, 0x00 }, 3 },                  /* ret 8 */
    /* SSE and x87 shapes decode for their length */
    { 64, 4, { 0x66, 0x0f, 0x6f, 0x00 }, 4 },            /* movdqa xmm0,[rax] */
    { 64, 5, { 0x66, 0x0f, 0x70, 0xc0, 0x1b }, 5 },      /* pshufd imm8 */
    { 64, 6, { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08 }, 6 },/* palignr */
    { 64, 5, { 0xc5, 0xf9, 0x6f, 0x04, 0x24 }, 5 },      /* vmovdqa (VEX2) */
    { 64, 6, { 0xc4, 0xe3, 0x79, 0x0f, 0xc1, 8 }, 6 },   /* VEX3 map 3 + imm */
    { 32, 2, { 0xd9, 0xe8 }, 2 },                        /* fld1 */
    /* 32-bit LES is not VEX when mod != 3 */
    { 32, 2, { 0xc4, 0x00 }, 2 },
    /* 15 bytes is legal, 16 is #GP(0) */
    { 64, 15, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x48, 0xc7, 0x84, 0x80,
                1, 2, 3, 4, 5 }, VMP_X86_DEC_GP },      /* needs 18 */
    { 32, 15, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                0x66, 0x66, 0x66, 0x66, 0x90 }, 15 },
    { 32, 16, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                0x66, 0x66, 0x66, 0x66, 0x66, 0x90 }, VMP_X86_DEC_GP },
    { 64, 16, { 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x48, 0xc7, 0x84, 0x80,
                1, 2, 3, 4, 5, 6 }, VMP_X86_DEC_GP },   /* needs 17 */
    /* #UD encodings */
    { 64, 1, { 0x06 }, VMP_X86_DEC_UD },                 /* push es in 64 */
    { 64, 1, { 0x27 }, VMP_X86_DEC_UD },                 /* daa in 64 */
    { 64, 2, { 0xd4, 0x0a }, VMP_X86_DEC_UD },           /* aam in 64 */
    { 32, 2, { 0x0f, 0x0b }, 2 },                        /* ud2 decodes */
    { 32, 3, { 0xf0, 0x01, 0xc0 }, VMP_X86_DEC_UD },     /* lock add reg */
    { 32, 3, { 0xf0, 0x01, 0x00 }, 3 },                  /* lock add [eax] */
    { 32, 3, { 0xf0, 0x8b, 0x00 }, VMP_X86_DEC_UD },     /* lock mov */
    { 32, 2, { 0xf0, 0x90 }, VMP_X86_DEC_UD },           /* lock nop */
    { 32, 3, { 0xf0, 0x87, 0x00 }, 3 },                  /* lock xchg [eax] */
    { 32, 2, { 0x8e, 0x30 }, VMP_X86_DEC_UD },           /* mov seg 6 */
    { 32, 3, { 0x0f, 0x20, 0xc8 }, VMP_X86_DEC_UD },     /* mov eax,cr1 */
    { 64, 4, { 0x44, 0x0f, 0x20, 0xc0 }, 4 },            /* mov rax,cr8 */
    { 64, 4, { 0x44, 0x0f, 0x21, 0xc0 }, VMP_X86_DEC_UD },/* dr8 */
    { 32, 2, { 0x8d, 0xc0 }, VMP_X86_DEC_UD },           /* lea reg,reg */
    { 32, 2, { 0xff, 0xf8 }, VMP_X86_DEC_UD },           /* ff /7 */
    { 32, 3, { 0x0f, 0x01, 0xf8 }, VMP_X86_DEC_UD },     /* swapgs in 32 */
    { 64, 3, { 0x0f, 0x01, 0xf8 }, 3 },
    { 32, 0, { 0 }, VMP_X86_DEC_NEED_MORE },
};

START_TEST(test_lengths)
{
    for (unsigned i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
        const struct len_case *c = &len_cases[i];
        struct vmp_x86_insn in;
        int r = vmp_x86_decode_bytes(&in, c->mode, c->b, c->n);
        ck_assert_msg(r == c->len, "case %u: got %d want %d", i, r, c->len);
        if (r > 0)
            ck_assert_uint_eq(in.len, r);
    }
}
END_TEST

static void dec(struct vmp_x86_insn *in, unsigned mode, const uint8_t *b,
                unsigned n)
{
    int r = vmp_x86_decode_bytes(in, mode, b, n);
    ck_assert_int_eq(r, (int)n);
}

/* SDM Vol. 2 §2.2.1.6: RIP-relative in 64-bit mode; mod=00 rm=101 is plain
 * disp32 elsewhere, and [disp32] through a SIB byte is absolute in 64. */
START_TEST(test_rip_relative)
{
    struct vmp_x86_insn in;
    static const uint8_t rr[] = { 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff };
    dec(&in, 64, rr, sizeof(rr));
    ck_assert_int_eq(in.mem.rip_rel, 1);
    ck_assert_int_eq(in.mem.base, VMP_X86_NOREG);
    ck_assert_int_eq(in.mem.disp, -16);
    ck_assert_int_eq(in.opnd[1].kind, VMP_X86_OPND_MEM);
    dec(&in, 32, rr, sizeof(rr));
    ck_assert_int_eq(in.mem.rip_rel, 0);
    static const uint8_t abs[] = { 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00 };
    dec(&in, 64, abs, sizeof(abs));
    ck_assert_int_eq(in.mem.rip_rel, 0);
    ck_assert_int_eq(in.mem.base, VMP_X86_NOREG);
    ck_assert_int_eq(in.mem.index, VMP_X86_NOREG);
    ck_assert_int_eq(in.mem.disp, 0x1000);
}
END_TEST

START_TEST(test_modrm_sib_fields)
{
    struct vmp_x86_insn in;
    /* mov r9, [r12 + r13*8 - 0x80]  (REX.WRXB 4F, 8B, ModRM 4C, SIB EC) */
    static const uint8_t a[] = { 0x4f, 0x8b, 0x4c, 0xec, 0x80 };
    dec(&in, 64, a, sizeof(a));
    ck_assert_int_eq(in.opsize, 8);
    ck_assert_int_eq(in.opnd[0].kind, VMP_X86_OPND_REG);
    ck_assert_int_eq(in.opnd[0].reg, VMP_R9);
    ck_assert_int_eq(in.mem.base, VMP_R12);
    ck_assert_int_eq(in.mem.index, VMP_R13);
    ck_assert_int_eq(in.mem.scale, 8);
    ck_assert_int_eq(in.mem.disp, -128);
    ck_assert_int_eq(in.mem.seg, VMP_DS);
    /* SIB index 100 without REX.X means no index; REX.X makes it r12 */
    static const uint8_t b[] = { 0x8b, 0x04, 0x20 };  /* [rax] */
    dec(&in, 64, b, sizeof(b));
    ck_assert_int_eq(in.mem.index, VMP_X86_NOREG);
    static const uint8_t c[] = { 0x42, 0x8b, 0x04, 0x20 };  /* [rax+r12] */
    dec(&in, 64, c, sizeof(c));
    ck_assert_int_eq(in.mem.index, VMP_R12);
    /* 16-bit [bp+di+4] defaults to SS (Table 2-1 note) */
    static const uint8_t d[] = { 0x8b, 0x43, 0x04 };
    dec(&in, 16, d, sizeof(d));
    ck_assert_int_eq(in.mem.base, VMP_RBP);
    ck_assert_int_eq(in.mem.index, VMP_RDI);
    ck_assert_int_eq(in.mem.seg, VMP_SS);
    /* ... and an override wins */
    static const uint8_t e[] = { 0x26, 0x8b, 0x43, 0x04 };
    dec(&in, 16, e, sizeof(e));
    ck_assert_int_eq(in.mem.seg, VMP_ES);
    /* 32-bit [ebp+disp8] is SS; [esp] via SIB is SS */
    static const uint8_t f[] = { 0x8b, 0x45, 0x08 };
    dec(&in, 32, f, sizeof(f));
    ck_assert_int_eq(in.mem.seg, VMP_SS);
    /* 64-bit mode ignores a DS/ES/CS/SS override but keeps FS/GS */
    static const uint8_t g[] = { 0x26, 0x8b, 0x00 };
    dec(&in, 64, g, sizeof(g));
    ck_assert_int_eq(in.mem.seg, VMP_DS);
    static const uint8_t h[] = { 0x65, 0x8b, 0x00 };
    dec(&in, 64, h, sizeof(h));
    ck_assert_int_eq(in.mem.seg, VMP_GS);
}
END_TEST

START_TEST(test_registers_and_sizes)
{
    struct vmp_x86_insn in;
    /* mov ah, bh without REX: high-byte registers */
    static const uint8_t a[] = { 0x88, 0xfc };
    dec(&in, 64, a, sizeof(a));
    ck_assert_int_eq(in.opnd[0].reg, VMP_RAX);
    ck_assert_int_eq(in.opnd[0].hibyte, 1);
    ck_assert_int_eq(in.opnd[1].reg, VMP_RBX);
    ck_assert_int_eq(in.opnd[1].hibyte, 1);
    /* with any REX the same encoding is spl, dil */
    static const uint8_t b[] = { 0x40, 0x88, 0xfc };
    dec(&in, 64, b, sizeof(b));
    ck_assert_int_eq(in.opnd[0].reg, VMP_RSP);
    ck_assert_int_eq(in.opnd[0].hibyte, 0);
    ck_assert_int_eq(in.opnd[1].reg, VMP_RDI);
    /* REX before a legacy prefix is ignored (§2.2.1) */
    static const uint8_t c[] = { 0x48, 0x66, 0x01, 0xc0 };
    dec(&in, 64, c, sizeof(c));
    ck_assert_int_eq(in.rex, 0);
    ck_assert_int_eq(in.opsize, 2);
    /* REX.W beats 66 */
    static const uint8_t d[] = { 0x66, 0x48, 0x01, 0xc0 };
    dec(&in, 64, d, sizeof(d));
    ck_assert_int_eq(in.opsize, 8);
    /* push defaults to 64 bits in 64-bit mode, 66 makes it 16 */
    static const uint8_t e[] = { 0x50 };
    dec(&in, 64, e, 1);
    ck_assert_int_eq(in.opsize, 8);
    static const uint8_t f[] = { 0x66, 0x50 };
    dec(&in, 64, f, 2);
    ck_assert_int_eq(in.opsize, 2);
    /* 41 90 is xchg r8d, eax, not NOP */
    static const uint8_t g[] = { 0x41, 0x90 };
    dec(&in, 64, g, 2);
    ck_assert_int_eq(in.opnd[0].reg, VMP_R8);
    ck_assert_int_eq(in.nopnd, 2);
    /* add rax, -1 sign-extends the imm32 */
    static const uint8_t h[] = { 0x48, 0x05, 0xff, 0xff, 0xff, 0xff };
    dec(&in, 64, h, sizeof(h));
    ck_assert_uint_eq(in.opnd[1].imm, UINT64_MAX);
    ck_assert_int_eq(in.opnd[1].size, 8);
    /* 83 /0 ib sign-extends; c0 /4 ib does not */
    static const uint8_t i[] = { 0x83, 0xc0, 0x80 };
    dec(&in, 32, i, sizeof(i));
    ck_assert_uint_eq(in.opnd[1].imm & 0xffffffff, 0xffffff80);
    static const uint8_t j[] = { 0xc0, 0xe0, 0x80 };
    dec(&in, 32, j, sizeof(j));
    ck_assert_uint_eq(in.opnd[1].imm, 0x80);
    /* jmp far ptr16:16 */
    static const uint8_t k[] = { 0xea, 0x34, 0x12, 0x00, 0xf0 };
    dec(&in, 16, k, sizeof(k));
    ck_assert_int_eq(in.opnd[0].kind, VMP_X86_OPND_FAR);
    ck_assert_uint_eq(in.opnd[0].imm, 0x1234);
    ck_assert_uint_eq(in.opnd[0].sel, 0xf000);
    /* jcc rel8 is sign-extended */
    static const uint8_t l[] = { 0x74, 0xfe };
    dec(&in, 16, l, 2);
    ck_assert_int_eq(in.opnd[0].kind, VMP_X86_OPND_REL);
    ck_assert_uint_eq(in.opnd[0].imm, UINT64_MAX - 1);
    /* F3 0F BC is TZCNT, plain 0F BC is BSF: different operations */
    static const uint8_t m[] = { 0xf3, 0x0f, 0xbc, 0xc1 };
    static const uint8_t n[] = { 0x0f, 0xbc, 0xc1 };
    struct vmp_x86_insn in2;
    dec(&in, 32, m, 4);
    dec(&in2, 32, n, 3);
    ck_assert_int_ne(in.op, in2.op);
    /* the last of F2/F3 wins */
    static const uint8_t o[] = { 0xf3, 0xf2, 0xa6 };
    dec(&in, 32, o, 3);
    ck_assert(in.prefixes & VMP_X86_PFX_REPNE);
    ck_assert(!(in.prefixes & VMP_X86_PFX_REP));
}
END_TEST

/* Every one-byte and two-byte opcode with any ModRM and an immediate pad
 * must decode to a length or a clean error in every mode, never reading
 * past the buffer (ASan checks the latter in the sanitizer build). */
START_TEST(test_exhaustive_no_crash)
{
    for (unsigned mode = 16; mode <= 64; mode *= 2) {
        for (unsigned map = 0; map < 2; map++)
            for (unsigned op = 0; op < 256; op++)
                for (unsigned modrm = 0; modrm < 256; modrm += 29) {
                    uint8_t b[15] = { 0 };
                    unsigned n = 0;
                    if (map)
                        b[n++] = 0x0f;
                    b[n++] = (uint8_t)op;
                    b[n++] = (uint8_t)modrm;
                    for (unsigned cut = 0; cut <= 15; cut++) {
                        struct vmp_x86_insn in;
                        int r = vmp_x86_decode_bytes(&in, mode, b, cut);
                        ck_assert(r == VMP_X86_DEC_NEED_MORE || r == VMP_X86_DEC_UD ||
                                  (r > 0 && r <= (int)cut));
                    }
                }
        if (mode == 64)
            break;
    }
}
END_TEST

Suite *x86decode_suite(void)
{
    Suite *s = suite_create("x86decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_rip_relative);
    tcase_add_test(tc, test_modrm_sib_fields);
    tcase_add_test(tc, test_registers_and_sizes);
    tcase_add_test(tc, test_exhaustive_no_crash);
    suite_add_tcase(s, tc);
    return s;
}
