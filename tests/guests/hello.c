/* The smallest guest: Multiboot entry, the info block, output on COM1 and
 * the debug-exit port.
 * VMP_ARGS: --append 'hello args' --mem 64M */
#include "lib/guest.h"

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    check(mbi[0] & 1, "multiboot-meminfo", "mem_lower %u KiB, mem_upper %u KiB", mbi[1], mbi[2]);
    check(mbi[2] == 63 * 1024, "multiboot-mem-upper", "%u KiB (64M guest)", mbi[2]);
    check(mbi[1] == 640, "multiboot-mem-lower", "%u KiB", mbi[1]);
    check((mbi[0] & 4) && strcmp((const char *)mbi[4], "hello args") == 0, "multiboot-cmdline",
          "'%s'", (mbi[0] & 4) ? (const char *)mbi[4] : "");
}
