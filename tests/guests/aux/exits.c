/* Ends the VM in the way its command line names, for tests/vmm/exits.sh:
 *   exit=N   debug-exit port 0xF4 with N
 *   cf9      reset control register: SYS_RST | RST_CPU
 *   port92   System Control Port A INIT_NOW
 *   s5       ACPI PM1a control: SLP_TYP = 5 (S5) | SLP_EN
 *   triple   a triple fault (IDT limit 0, then ud2)
 *   hang     cli; hlt forever (for --timeout and signals)
 *   halt-wake  hlt with a pending-less sti; the test's timeout ends it */
#include "../lib/guest.h"

static unsigned parse(const char *s)
{
    unsigned v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned)(*s++ - '0');
    return v;
}

static bool starts(const char *s, const char *p)
{
    while (*p)
        if (*s++ != *p++)
            return false;
    return true;
}

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    const char *cmd = (mbi[0] & 4) ? (const char *)mbi[4] : "";
    printf("exits: %s\n", cmd);
    if (starts(cmd, "exit="))
        guest_exit_value((uint8_t)parse(cmd + 5));
    if (!strcmp(cmd, "cf9"))
        outb(0xCF9, 0x06);
    if (!strcmp(cmd, "s5"))
        outw(0x604, (5u << 10) | (1u << 13));
    if (!strcmp(cmd, "port92"))
        outb(0x92, 0x01);
    if (!strcmp(cmd, "triple")) {
        struct {
            uint16_t limit;
            uint32_t base;
        } __attribute__((packed)) d = {0, 0};
        __asm__ volatile("lidt %0; ud2" ::"m"(d));
    }
    for (;;) {
        cli();
        hlt();
    }
}
