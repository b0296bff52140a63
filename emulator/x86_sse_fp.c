#include "x86_sse_internal.h"
int sse_exec_fp(struct sse *s) { (void)s; return VMP_X86_UNHANDLED; }
