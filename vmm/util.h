/* Small helpers for vmp. */
#ifndef VMP_VMM_UTIL_H
#define VMP_VMM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <vmparts/common.h>

/* Print "vmp: <message>" to stderr; returns -1. */
int vmp_err(const char *fmt, ...) VMP_PRINTF(1, 2);
/* Read a whole regular file (at most max bytes) into a malloc'd buffer with
 * a NUL after the end. NULL with errno set on failure (EISDIR for a
 * directory, EFBIG past max). */
void *vmp_read_file(const char *path, size_t *len, size_t max);
/* Monotonic host time in ns. */
uint64_t vmp_host_ns(void);

#endif
