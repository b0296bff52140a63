/* The emulator's differential test: random CPL-3 instruction streams run
 * in a KVM guest (the real CPU) and in vmp_x86, then every register,
 * RFLAGS (less the flags the SDM leaves undefined), RIP, the data area
 * and any exception are compared. docs/emulator-diff.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>

#include <vmparts/x86emu.h>

#include "gen.h"
#include "harness.h"

static const char *const gpr_names[VMP_NR_GPRS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

/* ---- the emulator side ---------------------------------------------------- */

struct emu {
    uint8_t ram[G_RAM_SIZE];
    struct vmp_vcpu_sregs sregs;
    /* the instruction that stopped the run, when it was not the end */
    struct vmp_x86_insn insn;
    int have_insn;
    int rc;
    int mmio_hit;      /* a store reached the MMIO page: the run ends */
    uint64_t mmio_off;
};

static int emu_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct emu *e = ctx;
    if (gpa >= G_RAM_SIZE || len > G_RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(buf, e->ram + gpa, len);
    return 0;
}

static int emu_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct emu *e = ctx;
    if (gpa >= G_MMIO_GPA && gpa < G_MMIO_GPA + 0x1000) {
        e->mmio_hit = 1; /* the final store, or an exception stub's */
        e->mmio_off = gpa - G_MMIO_GPA;
        return 0;
    }
    if (gpa >= G_RAM_SIZE || len > G_RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(e->ram + gpa, buf, len);
    return 0;
}

/* The CPU's own CPUID, so feature-dependent decoding (LZCNT vs BSR)
 * matches the hardware the other side ran on. */
static void emu_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    (void)ctx;
    __cpuid_count(leaf, sub, out[0], out[1], out[2], out[3]);
}

static const struct vmp_x86_ops emu_ops = {
    .read_phys = emu_read,
    .write_phys = emu_write,
    .cpuid = emu_cpuid,
};

/* The emulator keeps st[] by physical register: ST(i) = st[(TOP + i) & 7]
 * (api/vmparts/x86emu.h); diff_fp has them in stack order, as FXSAVE. */
static void fp_to_emu(struct vmp_x86_fpu *f, const struct diff_fp *d)
{
    memset(f, 0, sizeof *f);
    f->fcw = d->fcw;
    f->fsw = d->fsw;
    f->ftw = d->ftw;
    f->fop = d->fop;
    f->fip = d->fip;
    f->fdp = d->fdp;
    f->mxcsr = d->mxcsr;
    unsigned top = (d->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        struct vmp_x87_reg *r = &f->st[(top + i) & 7];
        memcpy(&r->mant, d->st[i], 8);
        memcpy(&r->sexp, d->st[i] + 8, 2);
    }
    memcpy(f->xmm, d->xmm, sizeof f->xmm);
}

static void fp_from_emu(struct diff_fp *d, const struct vmp_x86_fpu *f)
{
    memset(d, 0, sizeof *d);
    d->fcw = f->fcw;
    d->fsw = f->fsw;
    d->ftw = f->ftw;
    d->fop = f->fop;
    d->fip = f->fip;
    d->fdp = f->fdp;
    d->mxcsr = f->mxcsr;
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        const struct vmp_x87_reg *r = &f->st[(top + i) & 7];
        memcpy(d->st[i], &r->mant, 8);
        memcpy(d->st[i] + 8, &r->sexp, 2);
    }
    memcpy(d->xmm, f->xmm, sizeof d->xmm);
}

/* Run with vmp_x86_step, as the CPU does, until a store reaches the MMIO
 * page: the stream's final store, or the stub of an exception the
 * emulator delivered through the same IDT, TSS and RSP0 stack. Returns 0
 * then (s filled like the KVM side fills it), -1 when the emulator
 * stopped otherwise (e->rc, e->insn say why). */
static int emu_run(struct emu *e, const struct diff_state *in, struct diff_state *s)
{
    struct vmp_x86_cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    struct vmp_vcpu_regs r;
    memcpy(r.gpr, in->gpr, sizeof r.gpr);
    r.rip = in->rip;
    r.rflags = in->rflags;
    vmp_x86_cpu_set_regs(&cpu, &r, &e->sregs);
    fp_to_emu(&cpu.fpu, &in->fp);
    e->have_insn = 0;
    e->rc = 0;
    e->mmio_hit = 0;
    s->vector = -1;
    s->error_code = 0;
    s->cr2 = 0;
    int ret = -1;
    for (unsigned steps = 0; steps < 100000; steps++) {
        uint64_t rip = cpu.rip;
        int rc = vmp_x86_step(&cpu, &emu_ops, e);
        if (e->mmio_hit) {
            ret = 0;
            break;
        }
        if (rc == VMP_X86_OK)
            continue;
        /* say which instruction it was */
        struct vmp_x86_cpu t = cpu;
        t.rip = rip;
        e->have_insn = vmp_x86_fetch_decode(&t, &emu_ops, e, &e->insn) == VMP_X86_OK;
        e->rc = rc;
        break;
    }
    memcpy(s->gpr, cpu.gpr, sizeof s->gpr);
    s->rip = cpu.rip;
    s->rflags = cpu.rflags;
    fp_from_emu(&s->fp, &cpu.fpu);
    if (ret == 0 && e->mmio_off != MMIO_END) {
        if (e->mmio_off >= MMIO_EXC && e->mmio_off < MMIO_EXC + 32) {
            diff_parse_frame(e->ram, (int)(e->mmio_off - MMIO_EXC), s);
            s->cr2 = s->vector == VMP_X86_PF ? cpu.cr2 : 0;
        } else {
            ret = -1;
        }
    }
    return ret;
}

/* ---- x87/SSE state ------------------------------------------------------- */

/* FOP, FIP and FDP are not stored reliably by every CPU: AMD's FXSAVE and
 * XSAVE write them only while an unmasked exception is pending (FSW.ES;
 * AMD APM Vol. 5, FXSAVE; measured here: zeros otherwise), Intel stores
 * FOP only then (SDM Vol. 1 §8.1.9.1) and FDP only on exceptions where
 * CPUID.(EAX=7,ECX=0):EBX[6] says so (Vol. 1 §8.1.8). They are compared
 * where the host stores them reliably. */
static int host_amd, host_fdp_exc_only;

static void host_fp_probe(void)
{
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    host_amd = b == 0x68747541 || b == 0x6f677948; /* AuthenticAMD, HygonGenuine */
    host_fdp_exc_only = a >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 6 & 1);
}

enum { FP_FOP, FP_FIP, FP_FDP };
static int fp_ptr_stored(unsigned which, uint16_t host_fsw)
{
    /* AMD: FDP loaded with an exception pending reads back as 0 now and
     * then after an instruction without a memory operand (about one
     * stream in 20,000, not reproducible: the host's own context switch
     * of the FPU state, it seems), so it is not compared there */
    if (host_amd && which == FP_FDP)
        return 0;
    if (host_fsw & 0x80)
        return 1;
    if (host_amd || which == FP_FOP)
        return 0;
    return which == FP_FIP || !host_fdp_exc_only;
}

#define FPD_FCW (1ull << 0)
#define FPD_FSW (1ull << 1)
#define FPD_FTW (1ull << 2)
#define FPD_MXCSR (1ull << 3)
#define FPD_FOP (1ull << 4)
#define FPD_FIP (1ull << 5)
#define FPD_FDP (1ull << 6)
#define FPD_ST(i) (1ull << (8 + (i)))
#define FPD_XMM(i) (1ull << (16 + (i)))

/* The fields of the emulator's state e that differ from the host's k. */
static uint64_t fp_diff(const struct diff_fp *k, const struct diff_fp *e)
{
    uint64_t d = 0;
    d |= k->fcw != e->fcw ? FPD_FCW : 0;
    d |= k->fsw != e->fsw ? FPD_FSW : 0;
    d |= k->ftw != e->ftw ? FPD_FTW : 0;
    d |= k->mxcsr != e->mxcsr ? FPD_MXCSR : 0;
    d |= fp_ptr_stored(FP_FOP, k->fsw) && k->fop != e->fop ? FPD_FOP : 0;
    d |= fp_ptr_stored(FP_FIP, k->fsw) && k->fip != e->fip ? FPD_FIP : 0;
    d |= fp_ptr_stored(FP_FDP, k->fsw) && k->fdp != e->fdp ? FPD_FDP : 0;
    for (unsigned i = 0; i < 8; i++)
        d |= memcmp(k->st[i], e->st[i], 10) ? FPD_ST(i) : 0;
    for (unsigned i = 0; i < 16; i++)
        d |= memcmp(k->xmm[i], e->xmm[i], 16) ? FPD_XMM(i) : 0;
    return d;
}

/* State images the stream stored: leave out what the host does not store
 * reliably, on both sides. FXSAVE's MXCSR_MASK (bytes 28-31) describes
 * the implementation, not the state: the host's includes MXCSR.MM (bit
 * 17, AMD's misaligned SSE mode, APM Vol. 1 §4.6.2), which the emulator
 * does not implement. */
/* ---- one comparison ------------------------------------------------------- */

struct ctx {
    struct diff_kvm *kvm;
    uint8_t *kram;
    struct emu emu;
    struct gen g;
    uint64_t seed;
    int verbose;
    int fp_always;
};

enum { SAME = 0, DIFFERENT = 1, UNHANDLED = 2, HARNESS = 3 };

struct outcome {
    struct diff_state k, e;
    int kind;
    char why[256];
    uint64_t flagmask;
    uint64_t fpdiff; /* FPD_* */
};

#define END_STORE_LEN 7

static void zero_both(struct ctx *c, uint64_t a, unsigned n)
{
    if (a < G_DATA || a + n > G_DATA + G_DATA_SIZE)
        return;
    memset(c->kram + a, 0, n);
    memset(c->emu.ram + a, 0, n);
}

static void mask_images(struct ctx *c)
{
    const struct gen *g = &c->g;
    for (unsigned k = 0; k < g->nimg; k++) {
        uint64_t a = g->img[k].addr;
        uint16_t fsw;
        if (a < G_DATA || a + 28 > G_DATA + G_DATA_SIZE)
            continue;
        if (g->img[k].kind == GEN_IMG_FXSAVE) {
            /* FCW FSW FTW . FOP@6 FIP@8 FDP@16 MXCSR@24 MXCSR_MASK@28 */
            memcpy(&fsw, c->kram + a + 2, 2);
            zero_both(c, a + 28, 4);
            if (!fp_ptr_stored(FP_FOP, fsw))
                zero_both(c, a + 6, 2);
            if (!fp_ptr_stored(FP_FIP, fsw))
                zero_both(c, a + 8, 8); /* FIP, or FIP + FCS */
            if (!fp_ptr_stored(FP_FDP, fsw))
                zero_both(c, a + 16, 8);
        } else if (g->img[k].kind == GEN_IMG_ENV16) {
            /* 16-bit protected-mode environment (SDM Vol. 1 Figure
             * 8-10): FCW@0 FSW@2 FTW@4 FIP@6 FCS@8 FDP@10 FDS@12 */
            memcpy(&fsw, c->kram + a + 2, 2);
            if (!fp_ptr_stored(FP_FIP, fsw))
                zero_both(c, a + 6, 4);
            if (!fp_ptr_stored(FP_FDP, fsw))
                zero_both(c, a + 10, 4);
        } else {
            /* 32-bit protected-mode environment (SDM Vol. 1 Figure
             * 8-9): FCW@0 FSW@4 FTW@8 FIP@12 FCS@16 FOP@18 FDP@20 FDS@24 */
            memcpy(&fsw, c->kram + a + 4, 2);
            if (!fp_ptr_stored(FP_FIP, fsw))
                zero_both(c, a + 12, 4);
            if (!fp_ptr_stored(FP_FOP, fsw))
                zero_both(c, a + 18, 2);
            if (!fp_ptr_stored(FP_FDP, fsw))
                zero_both(c, a + 20, 4);
        }
    }
}

/* Run the stream's first len code bytes followed by the final store. */
static void run_prefix(struct ctx *c, unsigned len, unsigned undef, struct outcome *o)
{
    struct gen *g = &c->g;
    uint8_t store[END_STORE_LEN] = {0x88, 0x04, 0x25};
    uint32_t a = G_MMIO + MMIO_END;
    memcpy(store + 3, &a, 4);
    uint64_t end = g->base + len;
    for (int side = 0; side < 2; side++) {
        uint8_t *ram = side ? c->emu.ram : c->kram;
        memcpy(ram + g->base, g->code, len);
        memcpy(ram + g->base + len, store, sizeof store);
        memcpy(ram + G_DATA, g->data0, G_DATA_SIZE);
    }
    struct diff_state in;
    memcpy(in.gpr, g->gpr0, sizeof in.gpr);
    in.rip = g->base;
    in.rflags = g->rflags0;
    in.fp = g->fp0;
    /* the x87/SSE state travels (two XSAVE-sized ioctls) only for streams
     * with an x87/MMX/SSE unit, or all with --fp-always */
    in.fp_valid = g->uses_fp || c->fp_always;
    memset(o, 0, sizeof *o);
    memset(c->kram + G_KSTACK_TOP - FRAME_BYTES, 0, FRAME_BYTES);
    memset(c->emu.ram + G_KSTACK_TOP - FRAME_BYTES, 0, FRAME_BYTES);
    if (diff_kvm_run(c->kvm, &in, &o->k, o->why, sizeof o->why) < 0) {
        o->kind = HARNESS;
        return;
    }
    if (emu_run(&c->emu, &in, &o->e) < 0) {
        o->kind = UNHANDLED;
        return;
    }
    /* PVM hands a #GP(0) raised at CPL 3 to KVM's instruction emulator,
     * which raises #UD for the instructions it does not know (LDMXCSR,
     * the SSE arithmetic; measured). Where a unit of such a family faults
     * there and the emulator says #GP(0), the #UD stands for it: these
     * valid encodings cannot #UD with CR4.OSFXSR set and CR0.EM clear. */
    if (o->k.vector == VMP_X86_UD && o->e.vector == VMP_X86_GP && o->e.error_code == 0 &&
        o->k.rip == o->e.rip) {
        for (unsigned u = 0; u < g->nunits; u++) {
            if (o->k.rip < g->base + g->unit_end[u]) {
                if (gen_families[g->unit_family[u]].pvm_gp_ud) {
                    o->k.vector = VMP_X86_GP;
                    memcpy(c->kram + G_KSTACK_TOP - FRAME_BYTES,
                           c->emu.ram + G_KSTACK_TOP - FRAME_BYTES, 8);
                }
                break;
            }
        }
    }
    /* A fault leaves the flags as they were before the faulting
     * instruction: what was undefined after the previous unit. */
    if (o->k.vector >= 0) {
        for (unsigned u = 0; u < g->nunits; u++) {
            if (o->k.rip < g->base + g->unit_end[u]) {
                undef |= u ? g->unit_undef[u - 1] : 0;
                break;
            }
        }
    }
    o->flagmask = ~(uint64_t)undef;
    /* the RFLAGS image in an exception frame: the same mask */
    for (int side = 0; side < 2; side++) {
        uint8_t *f = (side ? c->emu.ram : c->kram) + G_KSTACK_TOP - 24;
        uint64_t v;
        memcpy(&v, f, 8);
        v &= o->flagmask;
        memcpy(f, &v, 8);
    }
    int bad = 0;
    /* at the end both are past the final store: report RIP at the store */
    if (o->k.vector < 0)
        o->k.rip -= END_STORE_LEN;
    if (o->e.vector < 0)
        o->e.rip -= END_STORE_LEN;
    if (o->k.vector != o->e.vector)
        bad = 1;
    else if (o->k.vector < 0 && (o->k.rip != end || o->e.rip != end))
        bad = 1;
    else if (o->k.vector >= 0 &&
             (o->k.rip != o->e.rip || o->k.error_code != o->e.error_code || o->k.cr2 != o->e.cr2))
        bad = 1;
    if (memcmp(o->k.gpr, o->e.gpr, sizeof o->k.gpr))
        bad = 1;
    if ((o->k.rflags ^ o->e.rflags) & o->flagmask)
        bad = 1;
    o->fpdiff = in.fp_valid ? fp_diff(&o->k.fp, &o->e.fp) : 0;
    if (o->fpdiff)
        bad = 1;
    mask_images(c);
    if (memcmp(c->kram + G_DATA, c->emu.ram + G_DATA, G_DATA_SIZE))
        bad = 1;
    /* the whole exception frame: CS and SS too */
    if (memcmp(c->kram + G_KSTACK_TOP - FRAME_BYTES, c->emu.ram + G_KSTACK_TOP - FRAME_BYTES,
               FRAME_BYTES))
        bad = 1;
    o->kind = bad ? DIFFERENT : SAME;
}

/* ---- reporting ------------------------------------------------------------ */

static void hex(FILE *f, const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

/* objdump's disassembly of bytes at address, when objdump is there. */
static void disasm(const uint8_t *p, unsigned n, uint64_t addr)
{
    char path[] = "/tmp/diff_testXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    if (write(fd, p, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        return;
    }
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "objdump -D -b binary -mi386:x86-64 -M intel --adjust-vma=0x%" PRIx64
             " %s 2>/dev/null | sed -n '/>:$/,$p' | tail -n +2",
             addr, path);
    FILE *pf = popen(cmd, "r");
    if (pf) {
        char line[256];
        while (fgets(line, sizeof line, pf))
            printf("      %s", line);
        pclose(pf);
    }
    unlink(path);
}

static const char *exc_name(int v)
{
    static const char *const n[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                      "#DF", "9",   "#TS", "#NP", "#SS", "#GP", "#PF", "15",
                                      "#MF", "#AC", "#MC", "#XM"};
    if (v < 0)
        return "none";
    return v < 32 && n[v] ? n[v] : "?";
}

static void print_state(const char *who, const struct diff_state *s, const struct diff_state *o,
                        uint64_t mask)
{
    printf("    %s:", who);
    for (unsigned r = 0; r < VMP_NR_GPRS; r++)
        printf("%s %s=%016" PRIx64 "%s", r % 4 == 0 ? "\n     " : "", gpr_names[r], s->gpr[r],
               o && o->gpr[r] != s->gpr[r] ? "*" : " ");
    printf("\n      rip=%016" PRIx64 " rflags=%08" PRIx64 "%s", s->rip, s->rflags,
           o && ((o->rflags ^ s->rflags) & mask) ? "*" : "");
    if (s->vector >= 0)
        printf(" exception %s (%d) error 0x%x cr2 0x%" PRIx64, exc_name(s->vector), s->vector,
               s->error_code, s->cr2);
    printf("\n");
}

static void print_x87(const uint8_t r[10])
{
    uint16_t se;
    uint64_t m;
    memcpy(&m, r, 8);
    memcpy(&se, r + 8, 2);
    long double v;
    memcpy(&v, r, 10 < sizeof v ? 10 : sizeof v);
    printf("%04x %016" PRIx64 " (%.21Lg)", se, m, v);
}

static void print_fp_state(const struct diff_fp *f)
{
    printf("      fcw=%04x fsw=%04x (top %u) ftw=%02x fop=%03x fip=%" PRIx64 " fdp=%" PRIx64
           " mxcsr=%08x\n",
           f->fcw, f->fsw, (f->fsw >> 11) & 7, f->ftw, f->fop, f->fip, f->fdp, f->mxcsr);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        printf("      st%u (R%u%s): ", i, (top + i) & 7, (f->ftw >> ((top + i) & 7)) & 1 ? "" : " empty");
        print_x87(f->st[i]);
        printf("\n");
    }
    for (unsigned i = 0; i < 16; i += 2)
        printf("      xmm%-2u %016" PRIx64 "_%016" PRIx64 "  xmm%-2u %016" PRIx64 "_%016" PRIx64 "\n",
               i, f->xmm[i][1], f->xmm[i][0], i + 1, f->xmm[i + 1][1], f->xmm[i + 1][0]);
}

/* Each differing x87/SSE field, host value first. */
static void print_fp_diff(const struct diff_fp *k, const struct diff_fp *e, uint64_t d)
{
    if (!d)
        return;
    printf("    x87/SSE state differs (kvm, emu):\n");
    if (d & FPD_FCW)
        printf("      fcw   %04x %04x\n", k->fcw, e->fcw);
    if (d & FPD_FSW)
        printf("      fsw   %04x %04x (top %u %u; differ in %04x)\n", k->fsw, e->fsw,
               (k->fsw >> 11) & 7, (e->fsw >> 11) & 7, k->fsw ^ e->fsw);
    if (d & FPD_FTW)
        printf("      ftw   %02x %02x (abridged, bit i = R%s not empty)\n", k->ftw, e->ftw, "i");
    if (d & FPD_MXCSR)
        printf("      mxcsr %08x %08x (differ in %08x)\n", k->mxcsr, e->mxcsr, k->mxcsr ^ e->mxcsr);
    if (d & FPD_FOP)
        printf("      fop   %03x %03x\n", k->fop, e->fop);
    if (d & FPD_FIP)
        printf("      fip   %" PRIx64 " %" PRIx64 "\n", k->fip, e->fip);
    if (d & FPD_FDP)
        printf("      fdp   %" PRIx64 " %" PRIx64 "\n", k->fdp, e->fdp);
    for (unsigned i = 0; i < 8; i++) {
        if (!(d & FPD_ST(i)))
            continue;
        printf("      st%u   kvm ", i);
        print_x87(k->st[i]);
        printf("\n            emu ");
        print_x87(e->st[i]);
        printf("\n");
    }
    for (unsigned i = 0; i < 16; i++)
        if (d & FPD_XMM(i))
            printf("      xmm%-2u kvm %016" PRIx64 "_%016" PRIx64 "\n"
                   "            emu %016" PRIx64 "_%016" PRIx64 "\n",
                   i, k->xmm[i][1], k->xmm[i][0], e->xmm[i][1], e->xmm[i][0]);
}

static void print_outcome(struct ctx *c, const struct outcome *o)
{
    if (o->kind == HARNESS) {
        printf("    KVM: %s\n", o->why);
        return;
    }
    if (o->kind == UNHANDLED) {
        static const char *const rcs[] = {"OK", "EXCEPTION", "UNHANDLED", "HALT", "RETRY",
                                          "SHUTDOWN"};
        printf("    emulator: %s at rip 0x%" PRIx64,
               c->emu.rc >= 0 && c->emu.rc <= 5 ? rcs[c->emu.rc] : "?", o->e.rip);
        if (c->emu.have_insn) {
            printf(" (decoded %u bytes: ", c->emu.insn.len);
            hex(stdout, c->emu.insn.bytes, c->emu.insn.len);
            printf("; map %u opcode 0x%02x op %u arg %u)", c->emu.insn.map, c->emu.insn.opcode,
                   c->emu.insn.op, c->emu.insn.arg);
        }
        printf("\n");
        if (c->emu.have_insn && o->e.rip >= G_CODE && o->e.rip < G_CODE + G_CODE_SIZE)
            disasm(c->emu.insn.bytes, c->emu.insn.len, o->e.rip);
    }
    print_state("kvm", &o->k, &o->e, o->flagmask);
    print_state("emu", &o->e, &o->k, o->flagmask);
    if ((o->k.rflags ^ o->e.rflags) & o->flagmask)
        printf("    rflags differ in 0x%" PRIx64 " (undefined, not compared: 0x%" PRIx64 ")\n",
               (o->k.rflags ^ o->e.rflags) & o->flagmask, ~o->flagmask & 0x3fffff);
    const uint8_t *kf = c->kram + G_KSTACK_TOP - FRAME_BYTES;
    const uint8_t *ef = c->emu.ram + G_KSTACK_TOP - FRAME_BYTES;
    if (memcmp(kf, ef, FRAME_BYTES)) {
        printf("    exception frames differ (error code, RIP, CS, RFLAGS, RSP, SS):\n");
        for (int side = 0; side < 2; side++) {
            printf("      %s:", side ? "emu" : "kvm");
            for (unsigned q = 0; q < FRAME_BYTES; q += 8) {
                uint64_t v;
                memcpy(&v, (side ? ef : kf) + q, 8);
                printf(" %" PRIx64, v);
            }
            printf("\n");
        }
    }
    print_fp_diff(&o->k.fp, &o->e.fp, o->fpdiff);
    unsigned shown = 0;
    for (unsigned i = 0; i < G_DATA_SIZE && shown < 16; i++) {
        uint8_t a = c->kram[G_DATA + i], b = c->emu.ram[G_DATA + i];
        if (a != b) {
            printf("    data 0x%x: kvm %02x emu %02x (initially %02x)\n", G_DATA + i, a, b,
                   c->g.data0[i]);
            shown++;
        }
    }
}

/* The first unit after which the two sides differ (o: that outcome). */
static unsigned first_bad_unit(struct ctx *c, struct outcome *o)
{
    struct gen *g = &c->g;
    for (unsigned u = 0; u < g->nunits; u++) {
        run_prefix(c, g->unit_end[u], g->unit_undef[u], o);
        if (o->kind != SAME || o->k.vector >= 0)
            return u;
    }
    return g->nunits ? g->nunits - 1 : 0;
}

static void report(struct ctx *c, uint64_t idx, const struct outcome *full)
{
    struct gen *g = &c->g;
    printf("%s: stream %" PRIu64 " of seed 0x%" PRIx64 "\n",
           full->kind == SAME ? "UNPLANNED FAULT" : "MISMATCH", idx, c->seed);
    printf("  reproduce: diff_test --seed 0x%" PRIx64 " --first %" PRIu64 " --streams 1\n",
           c->seed, idx);
    struct outcome o;
    unsigned bad = first_bad_unit(c, &o);
    printf("  initial state:");
    for (unsigned r = 0; r < VMP_NR_GPRS; r++)
        printf("%s %s=%016" PRIx64, r % 4 == 0 ? "\n   " : "", gpr_names[r], g->gpr0[r]);
    printf("\n    rflags=%08" PRIx64 "\n", g->rflags0);
    printf("    x87/SSE (st in stack order):\n");
    print_fp_state(&g->fp0);
    printf("  stream (%u units, %u bytes at 0x%" PRIx64 "):\n", g->nunits, g->len, g->base);
    for (unsigned u = 0; u < g->nunits; u++) {
        unsigned s = u ? g->unit_end[u - 1] : 0;
        printf("  %s unit %u [%s] at 0x%" PRIx64 ": ", u == bad ? "=>" : "  ", u,
               gen_families[g->unit_family[u]].name, g->base + s);
        hex(stdout, g->code + s, g->unit_end[u] - s);
        printf("\n");
    }
    unsigned s = bad ? g->unit_end[bad - 1] : 0;
    printf("  first differing unit %u [%s]:\n", bad, gen_families[g->unit_family[bad]].name);
    disasm(g->code + s, g->unit_end[bad] - s, g->base + s);
    if (o.kind == SAME)
        o = *full;
    printf("  state after unit %u:\n", bad);
    print_outcome(c, &o);
    fflush(stdout);
}

/* ---- main ----------------------------------------------------------------- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: diff_test [--seed N] [--streams N] [--first N] [--families a,b,...]\n"
            "                 [--no-skip] [--faults PERMILLE] [--max-reports N] [--fp-always]\n"
            "                 [--list] [-v]\n"
            "  --seed N        run seed (default: from the clock; printed)\n"
            "  --streams N     how many streams (default 100000)\n"
            "  --first N       index of the first stream (reproduce one: --first I --streams 1)\n"
            "  --families L    only these families (comma-separated; --list names them)\n"
            "  --no-skip       also the skip list's families and the known emulator bugs\n"
            "  --faults N      streams ending in a deliberate fault, per thousand (default 10)\n"
            "  --max-reports N mismatches reported in full (default 5)\n"
            "  --fp-always     compare the x87/SSE state after every stream, not only after\n"
            "                  those with an x87/MMX/SSE unit\n"
            "  -v              also report streams that faulted unplanned (generator bugs)\n");
}

int main(int argc, char **argv)
{
    uint64_t seed = 0, first = 0, count = 100000;
    int seed_set = 0, use_skip = 1, list = 0, verbose = 0, fp_always = 0;
    unsigned max_reports = 5;
    const char *families = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--seed") && v) {
            seed = strtoull(v, NULL, 0), seed_set = 1, i++;
        } else if (!strcmp(a, "--streams") && v) {
            count = strtoull(v, NULL, 0), i++;
        } else if (!strcmp(a, "--first") && v) {
            first = strtoull(v, NULL, 0), i++;
        } else if (!strcmp(a, "--families") && v) {
            families = v, i++;
        } else if (!strcmp(a, "--faults") && v) {
            gen_fault_permille = (unsigned)strtoul(v, NULL, 0), i++;
        } else if (!strcmp(a, "--max-reports") && v) {
            max_reports = (unsigned)strtoul(v, NULL, 0), i++;
        } else if (!strcmp(a, "--fp-always")) {
            fp_always = 1;
        } else if (!strcmp(a, "--no-skip")) {
            use_skip = 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = 1;
        } else if (!strcmp(a, "--list")) {
            list = 1;
        } else {
            usage();
            return 2;
        }
    }
    host_fp_probe();
    gen_init_families(use_skip);
    gen_avoid_bugs = (unsigned)use_skip;
    if (gen_select_families(families) < 0) {
        fprintf(stderr, "diff_test: unknown family in '%s' (--list shows them)\n", families);
        return 2;
    }
    if (list) {
        for (unsigned f = 0; f < gen_nfamilies; f++)
            printf("%-16s%s%s\n", gen_families[f].name, gen_families[f].skip ? " (skip list)" : "",
                   gen_families[f].available ? "" : " (CPU lacks it)");
        return 0;
    }
    if (!seed_set) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        seed = (uint64_t)t.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)t.tv_sec ^
               (uint64_t)getpid() << 32;
    }

    char why[256];
    struct diff_kvm *kvm = diff_kvm_open(why, sizeof why);
    if (!kvm) {
        printf("SKIP: diff: /dev/kvm not usable (%s)\n", why);
        return 0;
    }
    struct ctx *c = calloc(1, sizeof *c);
    if (!c) {
        diff_kvm_close(kvm);
        return 1;
    }
    c->kvm = kvm;
    c->kram = diff_kvm_ram(kvm);
    c->seed = seed;
    c->fp_always = fp_always;
    diff_build_ram(c->emu.ram);
    diff_sregs(&c->emu.sregs);

    printf("diff: seed 0x%" PRIx64 ", streams %" PRIu64 "..%" PRIu64 "\n", seed, first,
           first + count - 1);
    fflush(stdout);
    uint64_t units[64] = {0}, streams_with[64] = {0}, vectors[32] = {0};
    uint64_t mismatches = 0, unhandled = 0, harness = 0, ninsn_bytes = 0;
    uint64_t bad_by_family[64][2] = {{0}}, unplanned = 0, unplanned_idx[8]; /* [family][emulator stop?] */
    double t0 = now();
    for (uint64_t idx = first; idx < first + count; idx++) {
        struct gen *g = &c->g;
        gen_stream(g, seed, idx);
        uint64_t seen = 0;
        for (unsigned u = 0; u < g->nunits; u++) {
            units[g->unit_family[u]]++;
            seen |= 1ull << g->unit_family[u];
        }
        for (unsigned f = 0; f < gen_nfamilies; f++)
            streams_with[f] += (seen >> f) & 1;
        ninsn_bytes += g->len;
        struct outcome o;
        run_prefix(c, g->len, g->undef, &o);
        if (o.kind == SAME) {
            if (o.k.vector >= 0 && o.k.vector < 32)
                vectors[o.k.vector]++;
            /* a fault the generator did not plan is a generator bug (an
             * operand outside the data area): both sides agree, but the
             * rest of the stream went untested */
            if (o.k.vector >= 0 && !g->fault &&
                !(g->fp_may_fault && (o.k.vector == 16 || o.k.vector == 19))) {
                if (unplanned < 8)
                    unplanned_idx[unplanned] = idx;
                unplanned++;
                if (verbose)
                    report(c, idx, &o);
            }
            continue;
        }
        if (o.kind == HARNESS)
            harness++;
        else if (o.kind == UNHANDLED)
            unhandled++;
        mismatches++;
        if (mismatches <= max_reports) {
            report(c, idx, &o);
        } else if (o.kind != HARNESS) {
            struct outcome b;
            unsigned u = first_bad_unit(c, &b);
            bad_by_family[g->unit_family[u]][b.kind == UNHANDLED]++;
            continue;
        }
        {
            struct outcome b;
            unsigned u = first_bad_unit(c, &b);
            bad_by_family[g->unit_family[u]][b.kind == UNHANDLED]++;
        }
        if (o.kind == HARNESS && harness > 10) {
            printf("diff: giving up: the KVM side keeps failing\n");
            break;
        }
    }
    double dt = now() - t0;
    printf("diff: %" PRIu64 " streams (%.0f code bytes each on average) in %.1f s: %.0f streams/s\n",
           count, count ? (double)ninsn_bytes / (double)count : 0.0, dt,
           dt > 0 ? (double)count / dt : 0.0);
    printf("diff: per family: units generated, streams containing one, mismatching streams\n"
           "      whose first differing unit is of the family (wrong result + emulator stop)\n");
    for (unsigned f = 0; f < gen_nfamilies; f++) {
        const struct gen_family *fa = &gen_families[f];
        printf("  %-16s %9" PRIu64 " %9" PRIu64 " %7" PRIu64 " + %" PRIu64 "%s\n", fa->name,
               units[f], streams_with[f], bad_by_family[f][0], bad_by_family[f][1],
               fa->skip ? "  SKIPPED (skip list)" : !fa->available ? "  SKIPPED (CPU lacks it)" : "");
    }
    printf("diff: exceptions both sides agreed on:");
    for (unsigned v = 0; v < 32; v++)
        if (vectors[v])
            printf(" %s %" PRIu64, exc_name((int)v), vectors[v]);
    printf("\n");
    if (unplanned)
    {
        printf("diff: %" PRIu64 " streams faulted where the generator meant them not to "
               "(a generator bug; -v shows them):", unplanned);
        for (uint64_t k = 0; k < unplanned && k < 8; k++)
            printf(" %" PRIu64, unplanned_idx[k]);
        printf("\n");
    }
    unsigned nskip = 0;
    for (unsigned k = 0; gen_skip_list[k]; k++)
        nskip++;
    printf("diff: skip list (%u famil%s):", nskip, nskip == 1 ? "y" : "ies");
    for (unsigned k = 0; gen_skip_list[k]; k++)
        printf(" %s", gen_skip_list[k]);
    printf("%s\n", use_skip ? "" : " (ignored: --no-skip)");
    unsigned nbugs = 0;
    for (unsigned k = 0; gen_known_bugs[k].name; k++)
        nbugs++;
    printf("diff: known emulator bugs the generator avoids (%u)%s\n", nbugs,
           use_skip ? ":" : " (not avoided: --no-skip)");
    for (unsigned k = 0; use_skip && gen_known_bugs[k].name; k++)
        printf("  %s: %s\n", gen_known_bugs[k].name, gen_known_bugs[k].what);
    if (mismatches)
        printf("diff: FAIL: %" PRIu64 " mismatches (%" PRIu64 " emulator stops, %" PRIu64
               " KVM harness errors) in %" PRIu64 " streams, seed 0x%" PRIx64 "\n",
               mismatches, unhandled, harness, count, seed);
    else
        printf("diff: ok: no mismatch in %" PRIu64 " streams\n", count);
    diff_kvm_close(kvm);
    free(c);
    return mismatches ? 1 : 0;
}
