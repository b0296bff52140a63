/* vmp_x86_bus_ops: the emulator's host operations implemented with the
 * library's own guest memory and address spaces. */
#include "x86_internal.h"
#include <vmparts/bus.h>
#include <vmparts/mem.h>

/* Largest naturally aligned piece (8, 4, 2 or 1 bytes) at gpa within n. */
static unsigned piece(uint64_t gpa, unsigned n)
{
    unsigned p = 8;
    while (p > 1 && ((gpa & (p - 1)) || p > n))
        p /= 2;
    return p;
}

static int bus_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct vmp_x86_bus *b = ctx;
    if (b->mem && vmp_mem_read(b->mem, gpa, buf, len) == 0)
        return 0;
    if (!b->mmio)
        return -EFAULT;
    uint8_t *out = buf;
    for (unsigned done = 0; done < len;) {
        unsigned n = piece(gpa + done, len - done);
        if (b->mem && vmp_mem_read(b->mem, gpa + done, out + done, n) == 0) {
            done += n;
            continue;
        }
        uint64_t v = vmp_space_read(b->mmio, gpa + done, n);
        memcpy(out + done, &v, n); /* little-endian host */
        done += n;
    }
    return 0;
}

static int bus_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
    struct vmp_x86_bus *b = ctx;
    if (b->mem && vmp_mem_write(b->mem, gpa, buf, len) == 0)
        return 0;
    if (!b->mmio)
        return -EFAULT;
    const uint8_t *in = buf;
    for (unsigned done = 0; done < len;) {
        unsigned n = piece(gpa + done, len - done);
        if (b->mem && vmp_mem_write(b->mem, gpa + done, in + done, n) == 0) {
            done += n;
            continue;
        }
        uint64_t v = 0;
        memcpy(&v, in + done, n);
        vmp_space_write(b->mmio, gpa + done, v, n);
        done += n;
    }
    return 0;
}

static int bus_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct vmp_x86_bus *b = ctx;
    if (!b->pio)
        return -ENODEV;
    *val = (uint32_t)vmp_space_read(b->pio, port, size);
    return 0;
}

static int bus_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    struct vmp_x86_bus *b = ctx;
    if (!b->pio)
        return -ENODEV;
    vmp_space_write(b->pio, port, val, size);
    return 0;
}

static int bus_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    struct vmp_x86_bus *b = ctx;
    if (!b->host || !b->host->rdmsr)
        return -EINVAL;
    return b->host->rdmsr(b->host_ctx, msr, val);
}

static int bus_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct vmp_x86_bus *b = ctx;
    if (!b->host || !b->host->wrmsr)
        return -EINVAL;
    return b->host->wrmsr(b->host_ctx, msr, val);
}

static void bus_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct vmp_x86_bus *b = ctx;
    if (b->host && b->host->cpuid)
        b->host->cpuid(b->host_ctx, leaf, sub, out);
}

static uint64_t bus_rdtsc(void *ctx)
{
    struct vmp_x86_bus *b = ctx;
    return b->host && b->host->rdtsc ? b->host->rdtsc(b->host_ctx) : 0;
}

static int bus_ack(void *ctx)
{
    struct vmp_x86_bus *b = ctx;
    return b->host && b->host->intr_ack ? b->host->intr_ack(b->host_ctx) : -1;
}

const struct vmp_x86_ops vmp_x86_bus_ops = {
    .read_phys = bus_read,
    .write_phys = bus_write,
    .io_in = bus_in,
    .io_out = bus_out,
    .rdmsr = bus_rdmsr,
    .wrmsr = bus_wrmsr,
    .cpuid = bus_cpuid,
    .rdtsc = bus_rdtsc,
    .intr_ack = bus_ack,
};
