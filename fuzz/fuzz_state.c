/* Fuzzes the state reader: arbitrary bytes parsed as nested sections with
 * every getter. Nothing may read outside the buffer. */
#include <stdlib.h>
#include <string.h>

#include "common/fuzz_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first bytes script the reader; the rest is the stream. A heap
     * copy of exact size lets ASan see any overread. */
    struct fuzz_in script = { data, size < 32 ? size : 32 };
    size_t off = script.n;
    uint8_t *buf = malloc(size - off + 1);
    memcpy(buf, data + off, size - off);
    struct vmp_state_reader r;
    vmp_state_reader_init(&r, buf, size - off);
    static const char *const tags[4] = { "a", "uart", "pit", "board" };
    uint8_t tmp[64];
    while (!fuzz_done(&script)) {
        uint8_t op = fuzz_u8(&script);
        switch (op & 7) {
        case 0: vmp_state_open(&r, tags[op >> 3 & 3], 1 + (op >> 5), NULL); break;
        case 1: vmp_state_close(&r); break;
        case 2: vmp_state_get_u8(&r); break;
        case 3: vmp_state_get_u16(&r); break;
        case 4: vmp_state_get_u32_max(&r, op); break;
        case 5: vmp_state_get_u64(&r); break;
        case 6: vmp_state_get_bool(&r); break;
        case 7: vmp_state_get_bytes(&r, tmp, op >> 2); break;
        }
    }
    free(buf);
    return 0;
}
