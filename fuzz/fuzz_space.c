/* Fuzzes the bus core: region map/unmap/move, accesses of every size and
 * alignment (splits, wrap at the top of the space), guest-memory copies
 * across region edges and 2^64, and IRQ line sharing. A shadow model checks
 * that every mapped byte reads back what the device holds. */
#include <string.h>

#include "common/fuzz_ops.h"

#define NDEV 8

struct dev {
    uint8_t regs[256];
    uint64_t len;
    uint64_t base;
    bool mapped;
};

static uint64_t dev_read(void *d, uint64_t off, unsigned size)
{
    struct dev *v = d;
    uint64_t r = 0;
    if (off >= v->len || size > v->len - off)
        __builtin_trap(); /* the bus must never pass an access outside */
    for (unsigned i = 0; i < size; i++)
        r |= (uint64_t)v->regs[(off + i) & 0xFF] << (8 * i);
    return r;
}

static void dev_write(void *d, uint64_t off, uint64_t val, unsigned size)
{
    struct dev *v = d;
    if (off >= v->len || size > v->len - off)
        __builtin_trap();
    for (unsigned i = 0; i < size; i++)
        v->regs[(off + i) & 0xFF] = (uint8_t)(val >> (8 * i));
}

static const struct vmp_io_ops ops_any = { dev_read, dev_write, 8 };
static const struct vmp_io_ops ops_byte = { dev_read, dev_write, 1 };
static const struct vmp_io_ops ops_word = { dev_read, dev_write, 2 };
static const struct vmp_io_ops ops_dword = { dev_read, dev_write, 4 };
static const struct vmp_io_ops *const all_ops[4] = { &ops_any, &ops_byte, &ops_word, &ops_dword };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    /* The space's top is fuzzed too: 16-bit, 28-bit or full 64-bit. */
    static const uint64_t tops[3] = { 0xFFFF, 0x0FFFFFFF, UINT64_MAX };
    uint64_t top = tops[fuzz_u8(&in) % 3];
    struct vmp_space *s = vmp_space_create("fuzz", top);
    struct vmp_mem *m = vmp_mem_create();
    static uint8_t ram[3][4096];
    struct dev devs[NDEV];
    memset(devs, 0, sizeof devs);
    struct vmp_irq_line *line = vmp_irq_line_create("l");
    struct vmp_irq *src[4];
    for (int i = 0; i < 4; i++)
        src[i] = vmp_irq_line_source(line);
    /* Addresses cluster near a fuzzed base so regions meet and overlap. */
    uint64_t base = fuzz_u64(&in);

    for (unsigned ops = 0; !fuzz_done(&in) && ops < 2048; ops++) {
        uint8_t op = fuzz_u8(&in);
        struct dev *d = &devs[op >> 4 & (NDEV - 1)];
        switch (op & 7) {
        case 0: {
            uint64_t a = base + fuzz_u16(&in);
            uint64_t len = 1 + fuzz_u8(&in);
            if (d->mapped)
                break;
            if (vmp_space_map(s, a, len, all_ops[op >> 3 & 3], d) == 0) {
                d->mapped = true;
                d->base = a;
                d->len = len;
            }
            break;
        }
        case 1:
            if (d->mapped && vmp_space_unmap(s, d->base) == 0)
                d->mapped = false;
            break;
        case 2: {
            uint64_t a = base + fuzz_u16(&in);
            if (d->mapped && vmp_space_move(s, d->base, a) == 0)
                d->base = a;
            break;
        }
        case 3: {
            uint64_t a = base + fuzz_u16(&in);
            unsigned sz = 1u << (fuzz_u8(&in) & 3);
            (void)vmp_space_read(s, a, sz);
            break;
        }
        case 4: {
            uint64_t a = base + fuzz_u16(&in);
            unsigned sz = 1u << (fuzz_u8(&in) & 3);
            vmp_space_write(s, a, fuzz_u64(&in), sz);
            break;
        }
        case 5: { /* memory: add/remove/copy near the same base */
            uint8_t k = fuzz_u8(&in);
            uint64_t a = base + fuzz_u16(&in);
            uint8_t buf[300];
            size_t len = fuzz_u16(&in) % sizeof buf;
            if (k < 32)
                vmp_mem_add(m, a, 1 + fuzz_u16(&in) % 4096, ram[k % 3], k & 1);
            else if (k < 48)
                vmp_mem_remove(m, a);
            else if (k & 1)
                vmp_mem_read(m, a, buf, len);
            else {
                memset(buf, k, len);
                vmp_mem_write(m, a, buf, len);
            }
            break;
        }
        case 6: {
            uint8_t k = fuzz_u8(&in);
            vmp_irq_set(src[k & 3], k >> 2 & 1);
            break;
        }
        case 7: /* an exact check: a mapped byte reads back the device's */
            if (d->mapped) {
                uint64_t off = fuzz_u8(&in) % d->len;
                if (vmp_space_read(s, d->base + off, 1) != d->regs[off & 0xFF])
                    __builtin_trap();
            }
            break;
        }
    }
    vmp_irq_line_destroy(line);
    vmp_mem_destroy(m);
    vmp_space_destroy(s);
    return 0;
}
