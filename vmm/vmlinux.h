#ifndef VMP_VMM_VMLINUX_H
#define VMP_VMM_VMLINUX_H
#include <stddef.h>
/* The bzImage's decompressed kernel (an ELF vmlinux), malloc'd; NULL with
 * *why set when the payload is not something vmp can decompress. */
void *vmp_vmlinux_extract(const void *image, size_t size, size_t *out_len, const char **why);
#endif
