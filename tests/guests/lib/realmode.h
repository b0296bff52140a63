/* Real mode for the guest tests. A test's 16-bit code is a blob assembled
 * to run at RM_SEG:0 (its addresses are written "label - start"); rm_load
 * copies it to RM_BASE together with the trampoline of realmode.S, and
 * rm_call goes from the kernel's 32-bit protected mode down to real mode
 * (SDM vol. 3A 9.9.2), far-calls the blob and comes back up (9.9.1).
 *
 * What the blob sees on entry: real mode, CS = DS = ES = SS = RM_SEG,
 * FS = GS = 0 (FS:0 is the IVT), SP = RM_STACK_TOP - 4 (the far return
 * address), EDX = rm_call's edx, IF clear, IDTR = the real-mode IVT
 * (base 0, limit 0x3FF), GDTR = the GDT below. It returns with RETF in
 * real mode, with any segment registers; rm_call then restores the
 * caller's GDT, IDT, segments and registers. The blob may itself go up
 * to protected mode and back through the selectors below. */
#ifndef GUEST_REALMODE_H
#define GUEST_REALMODE_H

#define RM_SEG 0x6000
#define RM_BASE 0x60000
/* The blob gets [RM_BASE, RM_BASE + RM_TRAMP_OFF); the trampoline sits
 * at RM_TRAMP_OFF and the stack grows down from RM_STACK_TOP. */
#define RM_TRAMP_OFF 0xE000
#define RM_STACK_TOP 0xFFF0

/* Selectors of the GDT loaded while rm_call runs. */
#define RM_SEL_CODE32 0x08   /* code, flat 32-bit */
#define RM_SEL_DATA32 0x10   /* data, flat */
#define RM_SEL_CODE16 0x18   /* code, 16-bit, base RM_BASE, 64 KiB */
#define RM_SEL_DATA16 0x20   /* data, 16-bit, base RM_BASE, 64 KiB */
#define RM_SEL_DATA16_5 0x28 /* data, 16-bit, base 0x50000, 64 KiB */

#ifndef __ASSEMBLER__
#include "guest.h"

extern char rm_tramp[], rm_tramp_end[];
/* Go down to real mode, far call RM_SEG:entry with EDX = edx, come back. */
void rm_call(uint16_t entry, uint32_t edx);

/* Copy the blob [start, end) to RM_BASE and the trampoline above it. */
static inline void rm_load(const char *start, const char *end)
{
    size_t n = (size_t)(end - start);
    if (n > RM_TRAMP_OFF) {
        check(false, "rm-load", "real-mode code of %u bytes runs into the trampoline",
              (unsigned)n);
        guest_exit();
    }
    memcpy((void *)RM_BASE, start, n);
    memcpy((void *)(RM_BASE + RM_TRAMP_OFF), rm_tramp, (size_t)(rm_tramp_end - rm_tramp));
}

/* The 16-bit word at label in the loaded copy of the blob at start. */
static inline uint16_t rm_word(const char *start, const char *label)
{
    return *(volatile uint16_t *)(RM_BASE + (uint32_t)(label - start));
}
#endif

#endif
