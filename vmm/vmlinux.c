/* Decompress a bzImage's kernel in the VMM (xz, with liblzma), so the
 * guest starts at vmlinux's startup_64 instead of running the kernel's own
 * decompressor: on hosts where guest kernel code is emulated that is the
 * difference between minutes and an hour. */
#include "vmlinux.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <vmparts/bios.h>

#define MAX_VMLINUX (512u << 20)

void *vmp_vmlinux_extract(const void *image, size_t size, size_t *out_len, const char **why)
{
    size_t off, len;
    *why = "not a bzImage with a payload (boot protocol 2.08+)";
    if (vmp_linux_payload(image, size, &off, &len) < 0)
        return NULL;
    const uint8_t *p = (const uint8_t *)image + off;
    static const uint8_t xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0};
    if (len < 16 || memcmp(p, xz_magic, sizeof xz_magic) != 0) {
        *why = "payload is not xz-compressed";
        return NULL;
    }
    /* The decompressed size is the payload's last 4 bytes (mkpiggy). */
    uint32_t out = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 |
                   (uint32_t)p[len - 2] << 16 | (uint32_t)p[len - 1] << 24;
    if (out < 64 || out > MAX_VMLINUX) {
        *why = "implausible decompressed size";
        return NULL;
    }
    uint8_t *buf = malloc(out);
    if (!buf) {
        *why = "out of memory";
        return NULL;
    }
    uint64_t memlimit = 256u << 20;
    size_t in_pos = 0, out_pos = 0;
    /* The payload is an xz stream followed by the 4-byte size. */
    lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, NULL, p, &in_pos, len - 4, buf,
                                           &out_pos, out);
    if (r != LZMA_OK || out_pos != out) {
        free(buf);
        *why = "xz decoding failed";
        return NULL;
    }
    *out_len = out_pos;
    return buf;
}
