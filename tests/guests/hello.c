/* The smallest guest: Multiboot entry, the info block, output on COM1 and
 * the debug-exit port.
 * VMP_ARGS: --append 'hello args' --mem 64M */
#include "lib/guest.h"

static int memcmp_(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    check(mbi[0] & 1, "multiboot-meminfo", "mem_lower %u KiB, mem_upper %u KiB", mbi[1], mbi[2]);
    /* vmp keeps the top 128 KiB below the PCI hole for its ACPI tables. */
    check(mbi[2] == 63 * 1024 - 128, "multiboot-mem-upper", "%u KiB (64M guest, 128K ACPI)",
          mbi[2]);
    check(mbi[1] == 640, "multiboot-mem-lower", "%u KiB", mbi[1]);
    check((mbi[0] & 4) && strcmp((const char *)mbi[4], "hello args") == 0, "multiboot-cmdline",
          "'%s'", (mbi[0] & 4) ? (const char *)mbi[4] : "");

    /* The memory map (bit 6) has the ACPI tables as type 3, and the RSDP
     * ("RSD PTR ", ACPI 6.4 5.2.5) is in that range with a valid checksum. */
    unsigned acpi = 0, rsdp_ok = 0;
    if (mbi[0] & (1u << 6)) {
        for (uint32_t p = mbi[12]; p < mbi[12] + mbi[11];) {
            const uint32_t *e = (const uint32_t *)p;
            uint32_t base = e[1], len = e[3], type = e[5];
            if (type == 3 && e[2] == 0) {
                acpi++;
                for (uint32_t a = base; a + 20 <= base + len; a += 16) {
                    const uint8_t *r = (const uint8_t *)a;
                    if (memcmp_(r, "RSD PTR ", 8) == 0) {
                        uint8_t sum = 0;
                        for (unsigned i = 0; i < 20; i++)
                            sum += r[i];
                        rsdp_ok = sum == 0;
                        break;
                    }
                }
            }
            p += e[0] + 4;
        }
    }
    check(acpi == 1, "e820-acpi", "%u ACPI reclaim range(s) in the memory map", acpi);
    check(rsdp_ok, "acpi-rsdp", "RSDP found in it, checksum valid");
}
