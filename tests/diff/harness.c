/* KVM side of the differential test: the machine is built once; each
 * stream is one KVM_RUN from CPL 3 to the stream's final store, an MMIO
 * exit that runs no CPL-0 code. An exception goes through the IDT to a
 * CPL-0 stub that stores its vector to the MMIO page (one slow trip
 * through PVM's CPL-0 emulation), and the frame on the RSP0 stack gives
 * RIP, RFLAGS, RSP and the error code. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct diff_kvm {
    int sys_fd, vm_fd, cpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *ram;
    int sync_regs;  /* KVM_CAP_SYNC_REGS: registers travel in kvm_run */
    int sregs_dirty; /* an exception left the vCPU at CPL 0 */
    struct kvm_sregs sregs;
    struct kvm_xsave xsave; /* the vCPU's XSAVE image, reused for each run */
};

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull

void diff_build_ram(uint8_t *ram)
{
    memset(ram, 0, G_RAM_SIZE);
    put64(ram + G_PML4, G_PDPT | PTE_P | PTE_W | PTE_U);
    put64(ram + G_PDPT, G_PD | PTE_P | PTE_W | PTE_U);
    put64(ram + G_PD, G_PT | PTE_P | PTE_W | PTE_U);
    uint8_t *pt = ram + G_PT;
    /* system structures: supervisor only */
    for (uint64_t a = G_PML4; a < G_KSTACK_TOP; a += 0x1000)
        put64(pt + (a >> 12) * 8, a | PTE_P | PTE_W);
    for (uint64_t a = G_CODE; a < G_CODE + G_CODE_SIZE; a += 0x1000)
        put64(pt + (a >> 12) * 8, a | PTE_P | PTE_W | PTE_U);
    for (uint64_t a = G_DATA; a < G_DATA + G_DATA_SIZE; a += 0x1000)
        put64(pt + (a >> 12) * 8, a | PTE_P | PTE_W | PTE_U);
    put64(pt + (G_RO >> 12) * 8, G_RO | PTE_P | PTE_U);
    /* G_NOTPRESENT stays 0 */
    put64(pt + (G_MMIO >> 12) * 8, G_MMIO_GPA | PTE_P | PTE_W | PTE_U);

    /* GDT (SDM Vol. 3 §3.4.5, §5.2.1 for the L bit, §8.2.3 64-bit TSS) */
    uint8_t *gdt = ram + G_GDT;
    put64(gdt + 0x08, 0x00AF9A000000FFFFull); /* kernel code, L=1 */
    put64(gdt + 0x10, 0x00CF92000000FFFFull); /* kernel data */
    put64(gdt + 0x18, 0x00CFF2000000FFFFull); /* user data, DPL 3 */
    put64(gdt + 0x20, 0x00AFFA000000FFFFull); /* user code, DPL 3, L=1 */
    uint64_t tss = G_TSS;
    put64(gdt + 0x28, 0x67 | ((tss & 0xFFFFFF) << 16) | (0x89ull << 40) |
                          ((tss >> 24 & 0xFF) << 56));
    put64(gdt + 0x30, tss >> 32);

    /* TSS: RSP0 for exceptions from CPL 3; no I/O bitmap */
    put64(ram + G_TSS + 4, G_KSTACK_TOP);
    ram[G_TSS + 0x66] = 0x68;

    /* IDT: 32 interrupt gates, DPL 0 (SDM Vol. 3 §6.14.1) */
    for (unsigned v = 0; v < 32; v++) {
        uint64_t h = G_STUBS + v * 16;
        uint8_t *e = ram + G_IDT + v * 16;
        put64(e, (h & 0xFFFF) | ((uint64_t)SEL_KCODE << 16) | (0x8Eull << 40) |
                     ((h >> 16 & 0xFFFF) << 48));
        put64(e + 8, h >> 32);
        /* mov byte [G_MMIO + MMIO_EXC + v], v ; jmp $ */
        uint8_t *s = ram + h;
        uint32_t a = G_MMIO + MMIO_EXC + v;
        s[0] = 0xC6, s[1] = 0x04, s[2] = 0x25;
        memcpy(s + 3, &a, 4);
        s[7] = (uint8_t)v;
        s[8] = 0xEB, s[9] = 0xFE;
    }
}

static void seg(struct vmp_segment *s, uint16_t sel, uint8_t type, uint8_t l, uint64_t base)
{
    memset(s, 0, sizeof *s);
    s->base = base;
    s->limit = 0xFFFFFFFF;
    s->selector = sel;
    s->type = type;
    s->s = 1;
    s->dpl = 3;
    s->present = 1;
    s->l = l;
    s->db = !l;
    s->g = 1;
}

void diff_sregs(struct vmp_vcpu_sregs *s)
{
    memset(s, 0, sizeof *s);
    seg(&s->seg[VMP_CS], SEL_UCODE, 0xB, 1, 0);
    seg(&s->seg[VMP_SS], SEL_UDATA, 0x3, 0, 0);
    seg(&s->seg[VMP_DS], SEL_UDATA, 0x3, 0, 0);
    seg(&s->seg[VMP_ES], SEL_UDATA, 0x3, 0, 0);
    /* FS and GS hold null selectors with a base, as a 64-bit OS sets
     * them: under PVM the CPU pushes its own FS/GS selector (the host
     * process's, 0) whatever KVM was told. */
    seg(&s->seg[VMP_FS], 0, 0x3, 0, FS_BASE);
    seg(&s->seg[VMP_GS], 0, 0x3, 0, GS_BASE);
    s->tr.selector = SEL_TSS;
    s->tr.base = G_TSS;
    s->tr.limit = 0x67;
    s->tr.type = 0xB;
    s->tr.present = 1;
    s->ldt.type = 0x2;
    s->ldt.unusable = 1;
    s->gdt.base = G_GDT;
    s->gdt.limit = 0x37;
    s->idt.base = G_IDT;
    s->idt.limit = 32 * 16 - 1;
    s->cr0 = 0x80010033; /* PG WP NE ET MP PE */
    s->cr3 = G_PML4;
    s->cr4 = 0x620;      /* OSXMMEXCPT OSFXSR PAE */
    s->efer = 0xD00;     /* NXE LMA LME */
}

static void kseg(struct kvm_segment *d, const struct vmp_segment *s)
{
    memset(d, 0, sizeof *d);
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->selector;
    d->type = s->type;
    d->s = s->s;
    d->dpl = s->dpl;
    d->present = s->present;
    d->avl = s->avl;
    d->l = s->l;
    d->db = s->db;
    d->g = s->g;
    d->unusable = s->unusable;
}

static struct diff_kvm *fail(struct diff_kvm *k, char *why, size_t n, const char *what)
{
    snprintf(why, n, "%s: %s", what, strerror(errno));
    diff_kvm_close(k);
    return NULL;
}

struct diff_kvm *diff_kvm_open(char *why, size_t n)
{
    struct diff_kvm *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    k->vm_fd = k->cpu_fd = -1;
    k->ram = MAP_FAILED;
    const char *dev = getenv("VMP_KVM_DEVICE");
    if (!dev || !*dev)
        dev = "/dev/kvm";
    k->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
    if (k->sys_fd < 0)
        return fail(k, why, n, dev);
    if (ioctl(k->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        errno = EINVAL;
        return fail(k, why, n, "KVM_GET_API_VERSION");
    }
    k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
    if (k->vm_fd < 0)
        return fail(k, why, n, "KVM_CREATE_VM");
    k->ram = mmap(NULL, G_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (k->ram == MAP_FAILED)
        return fail(k, why, n, "mmap");
    diff_build_ram(k->ram);
    struct kvm_userspace_memory_region r = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = G_RAM_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)k->ram,
    };
    if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
        return fail(k, why, n, "KVM_SET_USER_MEMORY_REGION");
    k->cpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
    if (k->cpu_fd < 0)
        return fail(k, why, n, "KVM_CREATE_VCPU");
    int rs = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs <= 0)
        return fail(k, why, n, "KVM_GET_VCPU_MMAP_SIZE");
    k->run_size = (size_t)rs;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->cpu_fd, 0);
    if (k->run == MAP_FAILED) {
        k->run = NULL;
        return fail(k, why, n, "mmap kvm_run");
    }
    /* The guest's CPUID must offer long mode or KVM refuses EFER.LME. */
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + 256 * sizeof cpuid->entries[0]);
    if (!cpuid)
        return fail(k, why, n, "calloc");
    cpuid->nent = 256;
    if (ioctl(k->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 ||
        ioctl(k->cpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
        free(cpuid);
        return fail(k, why, n, "KVM_SET_CPUID2");
    }
    free(cpuid);
    if (ioctl(k->cpu_fd, KVM_GET_SREGS, &k->sregs) < 0)
        return fail(k, why, n, "KVM_GET_SREGS");
    struct vmp_vcpu_sregs s;
    diff_sregs(&s);
    struct kvm_segment *ks[VMP_NR_SEGS] = {&k->sregs.es, &k->sregs.cs, &k->sregs.ss,
                                           &k->sregs.ds, &k->sregs.fs, &k->sregs.gs};
    for (int i = 0; i < VMP_NR_SEGS; i++)
        kseg(ks[i], &s.seg[i]);
    kseg(&k->sregs.tr, &s.tr);
    kseg(&k->sregs.ldt, &s.ldt);
    k->sregs.gdt.base = s.gdt.base;
    k->sregs.gdt.limit = s.gdt.limit;
    k->sregs.idt.base = s.idt.base;
    k->sregs.idt.limit = s.idt.limit;
    k->sregs.cr0 = s.cr0;
    k->sregs.cr3 = s.cr3;
    k->sregs.cr4 = s.cr4;
    k->sregs.efer = s.efer;
    memset(k->sregs.interrupt_bitmap, 0, sizeof k->sregs.interrupt_bitmap);
    if (ioctl(k->cpu_fd, KVM_SET_SREGS, &k->sregs) < 0)
        return fail(k, why, n, "KVM_SET_SREGS (64-bit CPL 3)");
    if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) <= 0) {
        errno = ENOTSUP;
        return fail(k, why, n, "KVM_CAP_XSAVE");
    }
    if (ioctl(k->cpu_fd, KVM_GET_XSAVE, &k->xsave) < 0)
        return fail(k, why, n, "KVM_GET_XSAVE");
    k->sync_regs = ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0 &&
                   getenv("DIFF_NO_SYNC_REGS") == NULL;
    return k;
}

void diff_kvm_close(struct diff_kvm *k)
{
    if (!k)
        return;
    if (k->run)
        munmap(k->run, k->run_size);
    if (k->cpu_fd >= 0)
        close(k->cpu_fd);
    if (k->vm_fd >= 0)
        close(k->vm_fd);
    if (k->ram != MAP_FAILED)
        munmap(k->ram, G_RAM_SIZE);
    if (k->sys_fd >= 0)
        close(k->sys_fd);
    free(k);
}

uint8_t *diff_kvm_ram(struct diff_kvm *k) { return k->ram; }

static void to_kvm(struct kvm_regs *r, const struct diff_state *s)
{
    memset(r, 0, sizeof *r);
    r->rax = s->gpr[VMP_RAX], r->rcx = s->gpr[VMP_RCX], r->rdx = s->gpr[VMP_RDX];
    r->rbx = s->gpr[VMP_RBX], r->rsp = s->gpr[VMP_RSP], r->rbp = s->gpr[VMP_RBP];
    r->rsi = s->gpr[VMP_RSI], r->rdi = s->gpr[VMP_RDI], r->r8 = s->gpr[VMP_R8];
    r->r9 = s->gpr[VMP_R9], r->r10 = s->gpr[VMP_R10], r->r11 = s->gpr[VMP_R11];
    r->r12 = s->gpr[VMP_R12], r->r13 = s->gpr[VMP_R13], r->r14 = s->gpr[VMP_R14];
    r->r15 = s->gpr[VMP_R15], r->rip = s->rip, r->rflags = s->rflags;
}

static void from_kvm(struct diff_state *s, const struct kvm_regs *r)
{
    const uint64_t g[VMP_NR_GPRS] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp,
                                     r->rsi, r->rdi, r->r8,  r->r9,  r->r10, r->r11,
                                     r->r12, r->r13, r->r14, r->r15};
    memcpy(s->gpr, g, sizeof g);
    s->rip = r->rip;
    s->rflags = r->rflags;
}

/* The x87/SSE state travels as an XSAVE image (KVM_SET/GET_XSAVE), not
 * struct kvm_fpu: KVM_SET_FPU and KVM_GET_FPU leave MXCSR out, and
 * KVM_SET_FPU does not set XSTATE_BV, so a vCPU whose x87 or SSE state was
 * in its init configuration comes back with that state re-initialized by
 * XRSTOR (measured here). The image's first 512 bytes are the FXSAVE64
 * layout (SDM Vol. 1 Table 10-2), XSTATE_BV is at byte 512 (Vol. 1
 * §13.4.2); a feature missing from XSTATE_BV reads back as its init
 * state (the kernel fills it in). */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
    FX_MXCSR = 24, FX_ST = 32, FX_XMM = 160, XS_BV = 512,
};

static void fp_to_xsave(uint8_t *x, const struct diff_fp *f)
{
    memcpy(x + FX_FCW, &f->fcw, 2);
    memcpy(x + FX_FSW, &f->fsw, 2);
    x[FX_FTW] = f->ftw;
    x[FX_FTW + 1] = 0;
    memcpy(x + FX_FOP, &f->fop, 2);
    memcpy(x + FX_FIP, &f->fip, 8);
    memcpy(x + FX_FDP, &f->fdp, 8);
    memcpy(x + FX_MXCSR, &f->mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        memcpy(x + FX_ST + 16 * i, f->st[i], 10);
        memset(x + FX_ST + 16 * i + 10, 0, 6);
    }
    memcpy(x + FX_XMM, f->xmm, sizeof f->xmm);
    x[XS_BV] |= 3; /* x87 and SSE state present */
}

static void fp_from_xsave(struct diff_fp *f, const uint8_t *x)
{
    memset(f, 0, sizeof *f);
    memcpy(&f->fcw, x + FX_FCW, 2);
    memcpy(&f->fsw, x + FX_FSW, 2);
    f->ftw = x[FX_FTW];
    memcpy(&f->fop, x + FX_FOP, 2);
    memcpy(&f->fip, x + FX_FIP, 8);
    memcpy(&f->fdp, x + FX_FDP, 8);
    memcpy(&f->mxcsr, x + FX_MXCSR, 4);
    for (unsigned i = 0; i < 8; i++)
        memcpy(f->st[i], x + FX_ST + 16 * i, 10);
    memcpy(f->xmm, x + FX_XMM, sizeof f->xmm);
}

static int exc_has_error(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

void diff_parse_frame(const uint8_t *ram, int v, struct diff_state *out)
{
    out->vector = v;
    const uint8_t *f = ram + G_KSTACK_TOP - 40;
    out->error_code = exc_has_error(v) ? (uint32_t)get64(f - 8) : 0;
    out->rip = get64(f);
    out->rflags = get64(f + 16);
    out->gpr[VMP_RSP] = get64(f + 24);
}

int diff_kvm_run(struct diff_kvm *k, const struct diff_state *in, struct diff_state *out,
                 char *why, size_t n)
{
    struct kvm_run *run = k->run;
    if (k->sregs_dirty) {
        if (ioctl(k->cpu_fd, KVM_SET_SREGS, &k->sregs) < 0) {
            snprintf(why, n, "KVM_SET_SREGS: %s", strerror(errno));
            return -1;
        }
        k->sregs_dirty = 0;
    }
    if (in->fp_valid)
        fp_to_xsave((uint8_t *)k->xsave.region, &in->fp);
    if (in->fp_valid && ioctl(k->cpu_fd, KVM_SET_XSAVE, &k->xsave) < 0) {
        snprintf(why, n, "KVM_SET_XSAVE: %s", strerror(errno));
        return -1;
    }
    if (k->sync_regs) {
        to_kvm(&run->s.regs.regs, in);
        run->kvm_valid_regs = KVM_SYNC_X86_REGS;
        run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
    } else {
        struct kvm_regs r;
        to_kvm(&r, in);
        if (ioctl(k->cpu_fd, KVM_SET_REGS, &r) < 0) {
            snprintf(why, n, "KVM_SET_REGS: %s", strerror(errno));
            return -1;
        }
    }
    for (;;) {
        if (ioctl(k->cpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(why, n, "KVM_RUN: %s", strerror(errno));
            return -1;
        }
        if (run->exit_reason != KVM_EXIT_INTR)
            break;
    }
    struct kvm_regs r;
    if (k->sync_regs) {
        r = run->s.regs.regs;
    } else if (ioctl(k->cpu_fd, KVM_GET_REGS, &r) < 0) {
        snprintf(why, n, "KVM_GET_REGS: %s", strerror(errno));
        return -1;
    }
    from_kvm(out, &r);
    out->fp_valid = in->fp_valid;
    if (in->fp_valid) {
        if (ioctl(k->cpu_fd, KVM_GET_XSAVE, &k->xsave) < 0) {
            snprintf(why, n, "KVM_GET_XSAVE: %s", strerror(errno));
            return -1;
        }
        fp_from_xsave(&out->fp, (const uint8_t *)k->xsave.region);
    }
    out->vector = -1;
    out->error_code = 0;
    out->cr2 = 0;
    if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
        run->mmio.phys_addr < G_MMIO_GPA || run->mmio.phys_addr >= G_MMIO_GPA + 0x1000) {
        snprintf(why, n, "unexpected exit %u (mmio 0x%llx) at rip 0x%llx", run->exit_reason,
                 (unsigned long long)run->mmio.phys_addr, (unsigned long long)r.rip);
        k->sregs_dirty = 1;
        return -1;
    }
    uint64_t off = run->mmio.phys_addr - G_MMIO_GPA;
    if (off == MMIO_END)
        return 0;
    if (off < MMIO_EXC || off >= MMIO_EXC + 32) {
        snprintf(why, n, "store to MMIO offset 0x%llx at rip 0x%llx", (unsigned long long)off,
                 (unsigned long long)r.rip);
        return -1;
    }
    /* An exception: the CPL-0 stub ran. The frame is on the RSP0 stack. */
    k->sregs_dirty = 1;
    int v = (int)(off - MMIO_EXC);
    diff_parse_frame(k->ram, v, out);
    if (v == 14) {
        struct kvm_sregs s;
        if (ioctl(k->cpu_fd, KVM_GET_SREGS, &s) < 0) {
            snprintf(why, n, "KVM_GET_SREGS: %s", strerror(errno));
            return -1;
        }
        out->cr2 = s.cr2;
    }
    return 0;
}
