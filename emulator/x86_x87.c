/* The x87 floating-point unit (D8-DF escapes, FWAIT). */
#include "x86_internal.h"

int x86_exec_fwait(struct x86_ctx *c)
{
    /* #NM when CR0.MP and CR0.TS (SDM Vol. 3 Table 2-2) */
    if ((c->cpu->cr0 & VMP_CR0_MP) && (c->cpu->cr0 & VMP_CR0_TS))
        return x86_raise(c, VMP_X86_NM, 0, 0);
    return 0;
}

int x86_exec_x87(struct x86_ctx *c)
{
    (void)c;
    return VMP_X86_UNHANDLED; /* not implemented yet */
}
