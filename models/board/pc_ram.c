/* The reference board's RAM layout (DESIGN.md address map) and the CMOS
 * bytes that report it. The board never allocates guest RAM: the embedder
 * owns it and vmp_pc_add_ram only describes it to a vmp_mem. */
#include "pc_internal.h"

#include <vmparts/mem.h>

#define LEGACY_HOLE 0xA0000ull  /* 640 KiB: VGA window and ROMs up to 1 MiB */
#define ONE_MIB 0x100000ull
#define SIXTEEN_MIB 0x1000000ull

void vmp_pc_ram_map(uint64_t ram_size, struct vmp_pc_ram_map *map)
{
    map->low_end = ram_size < VMP_PC_PCI_HOLE ? ram_size : VMP_PC_PCI_HOLE;
    map->high_size = ram_size - map->low_end;
}

int vmp_pc_add_ram(struct vmp_mem *mem, void *host, uint64_t ram_size)
{
    struct vmp_pc_ram_map map;
    vmp_pc_ram_map(ram_size, &map);
    uint8_t *h = host;
    int r = vmp_mem_add(mem, 0, map.low_end < LEGACY_HOLE ? map.low_end : LEGACY_HOLE, h, 0);
    if (r == 0 && map.low_end > ONE_MIB)
        r = vmp_mem_add(mem, ONE_MIB, map.low_end - ONE_MIB, h + ONE_MIB, 0);
    if (r == 0 && map.high_size)
        r = vmp_mem_add(mem, VMP_PC_HIGH_RAM, map.high_size, h + map.low_end, 0);
    return r;
}

/* CMOS memory-size bytes, as the IBM AT BIOS and SeaBIOS keep them:
 * 0x15/0x16 base memory in KiB, 0x17/0x18 and 0x30/0x31 KiB above 1 MiB
 * (at most 0xFFFF), 0x34/0x35 64 KiB blocks above 16 MiB, 0x5B-0x5D 64 KiB
 * blocks above 4 GiB. */
void vmp_pc_cmos_memory(struct vmp_pc *pc)
{
    struct vmp_rtc *rtc = pc->rtc;
    uint64_t low = pc->ram.low_end, high = pc->ram.high_size;
    uint64_t ext = low > ONE_MIB ? (low - ONE_MIB) >> 10 : 0;
    uint64_t ext16 = ext > 0xFFFF ? 0xFFFF : ext;
    uint64_t above16 = low > SIXTEEN_MIB ? (low - SIXTEEN_MIB) >> 16 : 0;
    uint64_t above4g = high >> 16;
    if (above16 > 0xFFFF)
        above16 = 0xFFFF;
    vmp_rtc_cmos_write(rtc, VMP_CMOS_BASE_MEM_KB, 640 & 0xFF);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_BASE_MEM_KB + 1, 640 >> 8);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_EXT_MEM_KB, (uint8_t)ext16);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_EXT_MEM_KB + 1, (uint8_t)(ext16 >> 8));
    vmp_rtc_cmos_write(rtc, 0x30, (uint8_t)ext16);
    vmp_rtc_cmos_write(rtc, 0x31, (uint8_t)(ext16 >> 8));
    vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_16M_64K, (uint8_t)above16);
    vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_16M_64K + 1, (uint8_t)(above16 >> 8));
    for (unsigned i = 0; i < 3; i++)
        vmp_rtc_cmos_write(rtc, VMP_CMOS_MEM_4G_64K + i, (uint8_t)(above4g >> (8 * i)));
}
