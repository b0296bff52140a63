/* Guest RAM fixture shared by the loader tests: 32 MiB of RAM at 0 with a
 * hole at 640K-1M, as the reference board lays it out. */
#ifndef VMP_TEST_LOADER_FIXTURE_H
#define VMP_TEST_LOADER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <vmparts/bios.h>

#define FIX_RAM (32u << 20)

struct fixture {
    struct vmp_mem *mem;
    uint8_t *ram;
};

static inline void fixture_init(struct fixture *f)
{
    f->ram = calloc(1, FIX_RAM);
    f->mem = vmp_mem_create();
    vmp_mem_add(f->mem, 0, 0xA0000, f->ram, 0);
    vmp_mem_add(f->mem, 0x100000, FIX_RAM - 0x100000, f->ram + 0x100000, 0);
}

static inline void fixture_free(struct fixture *f)
{
    vmp_mem_destroy(f->mem);
    free(f->ram);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

#endif
