/* MMX, SSE and SSE2 (0F-map slots marked OP_SSE). */
#include "x86_internal.h"

int x86_exec_sse(struct x86_ctx *c)
{
    (void)c;
    return VMP_X86_UNHANDLED; /* not implemented yet */
}
