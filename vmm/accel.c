/* --accel: the two backends behind one table, and what auto picks.
 *
 * auto is conservative: it takes KVM only where KVM can run guest kernel
 * code at hardware speed, i.e. /dev/kvm opens and the host CPU offers
 * VMX or SVM, and the KVM module is not PVM. PVM (the kvm_pvm module,
 * used where the host is itself a guest without nested virtualization)
 * runs guest CPL-3 code natively but emulates CPL-0 and real-mode code in
 * the host kernel at about 1.6 M instructions/s, slower than vmp's own
 * emulator; there auto takes the emulator. */
#include "machine.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

const struct vmp_accel vmp_accel_kvm = {
    .name = "kvm",
    .create = vmp_kvm_create,
    .destroy = vmp_kvm_destroy,
    .vcpu = vmp_kvm_vcpu,
    .start = vmp_kvm_start,
    .kick = vmp_kvm_kick,
    .stop = vmp_kvm_stop,
    .read_tsc = vmp_kvm_read_tsc,
    .tsc_hz = vmp_kvm_tsc_hz,
};

const struct vmp_accel vmp_accel_emu = {
    .name = "emu",
    .create = vmp_emu_create,
    .destroy = vmp_emu_destroy,
    .vcpu = vmp_emu_vcpu,
    .start = vmp_emu_start,
    .kick = vmp_emu_kick,
    .stop = vmp_emu_stop,
    .read_tsc = vmp_emu_read_tsc,
    .tsc_hz = vmp_emu_tsc_hz,
};

/* Does the host CPU offer hardware virtualization (CPUID.1:ECX.VMX[5],
 * CPUID.80000001h:ECX.SVM[2])? */
static const char *host_hw_virt(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5)))
        return "VMX";
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 2)))
        return "SVM";
    return NULL;
}

/* Which backend auto takes, and why (a phrase for the log line). */
static const struct vmp_accel *choose_auto(char *why, size_t len)
{
    const char *dev = getenv("VMP_KVM_DEVICE");
    if (!dev || !*dev)
        dev = "/dev/kvm";
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, len, "no usable KVM: %s: %s", dev, strerror(errno));
        return &vmp_accel_emu;
    }
    int api = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (api != KVM_API_VERSION) {
        snprintf(why, len, "no usable KVM: %s is not a KVM device", dev);
        return &vmp_accel_emu;
    }
    if (access("/sys/module/kvm_pvm", F_OK) == 0) {
        snprintf(why, len,
                 "KVM here is PVM: guest kernel code would run at ~1.6 M instr/s");
        return &vmp_accel_emu;
    }
    const char *hw = host_hw_virt();
    if (!hw) {
        snprintf(why, len, "the host CPU offers neither VMX nor SVM: KVM cannot run guest "
                           "kernel code at hardware speed");
        return &vmp_accel_emu;
    }
    snprintf(why, len, "%s is usable with %s", dev, hw);
    return &vmp_accel_kvm;
}

int vmp_accel_choose(struct vmp_machine *m)
{
    const char *a = m->cfg->accel;
    if (!strcmp(a, "kvm")) {
        m->accel = &vmp_accel_kvm;
    } else if (!strcmp(a, "emu")) {
        m->accel = &vmp_accel_emu;
    } else if (!strcmp(a, "auto")) {
        char why[160];
        m->accel = choose_auto(why, sizeof why);
        vmp_logf(&m->log, VMP_LOG_INFO, "accel auto: %s (%s)", m->accel->name, why);
    } else {
        return vmp_err("--accel: '%s': unknown accelerator", a);
    }
    return 0;
}
