/* INT 16h: keyboard services, fed from the console (serial) until an
 * i8042 model drives INT 09h.
 *
 * Console bytes are turned into (scan code << 8 | ASCII) keys for a US
 * layout (IBM PC/AT TR, keyboard scan code set 1) and queued in the BDA
 * ring buffer (head 41Ah, tail 41Ch, bounds 480h/482h, RBIL "BIOS Data
 * Segment"), so software reading the BDA directly sees them too. VT100
 * cursor sequences (ESC [ A/B/C/D/H/F) become the arrow, Home and End
 * keys. Functions: 00h/10h read (waits), 01h/11h peek (ZF=1 when empty),
 * 02h/12h shift flags, 05h store a key. */
#include "svc_priv.h"

#define KB_START 0x1E /* default buffer: 40:1E-40:3E, 16 keys */
#define KB_END 0x3E

static uint8_t scan_of(uint8_t ch)
{
    static const char *const lo[4] = {"`1234567890-=", "qwertyuiop[]", "asdfghjkl;'",
                                      "zxcvbnm,./"};
    static const char *const hi[4] = {"~!@#$%^&*()_+", "QWERTYUIOP{}", "ASDFGHJKL:\"",
                                      "ZXCVBNM<>?"};
    static const uint8_t first[4] = {0x02, 0x10, 0x1E, 0x2C};
    if (ch == ' ')
        return 0x39;
    if (ch == '\\' || ch == '|')
        return 0x2B;
    for (int r = 0; r < 4; r++)
        for (int i = 0; lo[r][i]; i++)
            if (lo[r][i] == ch || hi[r][i] == ch)
                return r == 0 ? (i == 0 ? 0x29 : (uint8_t)(i + 1)) : (uint8_t)(first[r] + i);
    return 0;
}

static uint16_t key_of(uint8_t ch)
{
    switch (ch) {
    case 0x08:
    case 0x7F: return 0x0E08; /* backspace */
    case 0x09: return 0x0F09;
    case 0x0D: return 0x1C0D;
    case 0x0A: return 0x1C0A; /* Ctrl-Enter */
    case 0x1B: return 0x011B;
    }
    if (ch >= 1 && ch <= 26) /* Ctrl-A..Ctrl-Z */
        return (uint16_t)(scan_of((uint8_t)('a' + ch - 1)) << 8 | ch);
    return (uint16_t)(scan_of(ch) << 8 | ch);
}

/* Ring pointers, reset to the defaults if the guest broke them. */
static void ring(struct vmp_bios *b, uint16_t *start, uint16_t *end, uint16_t *head,
                 uint16_t *tail)
{
    *start = bda_rd16(b, BDA_KB_START);
    *end = bda_rd16(b, BDA_KB_END);
    *head = bda_rd16(b, BDA_KB_HEAD);
    *tail = bda_rd16(b, BDA_KB_TAIL);
    if (*start >= *end || *end - *start < 4 || ((*start | *end) & 1) || *end > 0x100 ||
        *head < *start || *head >= *end || *tail < *start || *tail >= *end ||
        ((*head | *tail) & 1)) {
        *start = KB_START;
        *end = KB_END;
        *head = *tail = KB_START;
        bda_wr16(b, BDA_KB_START, KB_START);
        bda_wr16(b, BDA_KB_END, KB_END);
        bda_wr16(b, BDA_KB_HEAD, KB_START);
        bda_wr16(b, BDA_KB_TAIL, KB_START);
    }
}

static bool push_key(struct vmp_bios *b, uint16_t key)
{
    uint16_t start, end, head, tail;
    ring(b, &start, &end, &head, &tail);
    uint16_t next = (uint16_t)(tail + 2 >= end ? start : tail + 2);
    if (next == head)
        return false; /* full (one slot stays free) */
    bda_wr16(b, tail, key);
    bda_wr16(b, BDA_KB_TAIL, next);
    return true;
}

static bool ring_full(struct vmp_bios *b)
{
    uint16_t start, end, head, tail;
    ring(b, &start, &end, &head, &tail);
    return (tail + 2 >= end ? start : tail + 2) == head;
}

/* Move what the console has into the buffer (never more than fits). */
static void pull_console(struct vmp_bios *b)
{
    if (!b->cfg.console_in)
        return;
    for (int n = 0; n < 16 && !ring_full(b); n++) {
        int ch = b->cfg.console_in(b->cfg.opaque);
        if (ch < 0)
            return;
        if (ch == 0x1B) {
            int c1 = b->cfg.console_in(b->cfg.opaque);
            if (c1 == '[') {
                int c2 = b->cfg.console_in(b->cfg.opaque);
                static const struct { char c; uint16_t key; } seq[] = {
                    {'A', 0x4800}, {'B', 0x5000}, {'C', 0x4D00},
                    {'D', 0x4B00}, {'H', 0x4700}, {'F', 0x4F00},
                };
                uint16_t key = 0;
                for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
                    if (seq[i].c == c2)
                        key = seq[i].key;
                if (key) {
                    push_key(b, key);
                    continue;
                }
                push_key(b, key_of(0x1B));
                if (!ring_full(b))
                    push_key(b, key_of('['));
                if (c2 >= 0 && !ring_full(b))
                    push_key(b, key_of((uint8_t)c2));
                continue;
            }
            push_key(b, key_of(0x1B));
            if (c1 >= 0 && !ring_full(b))
                push_key(b, key_of((uint8_t)c1));
            continue;
        }
        push_key(b, key_of((uint8_t)ch));
    }
}

void bios_int16(struct vmp_bios *b, struct bios_call *c)
{
    uint8_t fn = AH(c);
    if (fn == 0x00 || fn == 0x01 || fn == 0x10 || fn == 0x11)
        pull_console(b);
    uint16_t start, end, head, tail;
    ring(b, &start, &end, &head, &tail);
    switch (fn) {
    case 0x00:
    case 0x10:
        if (head == tail) {
            c->wait = true; /* halt until an interrupt, then look again */
            return;
        }
        set16(c, VMP_RAX, bda_rd16(b, head));
        bda_wr16(b, BDA_KB_HEAD, (uint16_t)(head + 2 >= end ? start : head + 2));
        return;
    case 0x01:
    case 0x11:
        if (head == tail) {
            set_zf(c, true);
            return;
        }
        set16(c, VMP_RAX, bda_rd16(b, head));
        set_zf(c, false);
        return;
    case 0x02:
        set8l(c, VMP_RAX, bda_rd8(b, BDA_KB_FLAGS));
        return;
    case 0x12:
        set8l(c, VMP_RAX, bda_rd8(b, BDA_KB_FLAGS));
        set8h(c, VMP_RAX, bda_rd8(b, BDA_KB_FLAGS + 1));
        return;
    case 0x05: /* store CH scan, CL ASCII; AL=1 if the buffer is full */
        set8l(c, VMP_RAX, push_key(b, R16(c, VMP_RCX)) ? 0 : 1);
        return;
    default:
        bios_unsupported(b, c, TRAP_INT16);
        return;
    }
}
