/* Fixed-size byte rings for the PS/2 devices (see ps2.h). Indices are
 * masked on every use, so no sequence of pushes and pops, nor a loaded
 * state (validated in ps2_queue_load), can reach outside the buffer. */
#include <string.h>

#include "ps2.h"

void ps2_queue_clear(struct ps2_queue *q)
{
    q->head = 0;
    q->count = 0;
}

unsigned ps2_queue_room(const struct ps2_queue *q)
{
    return VMP_PS2_QUEUE_SIZE - q->count;
}

bool ps2_queue_push_seq(struct ps2_queue *q, const uint8_t *b, unsigned n)
{
    if (n > ps2_queue_room(q))
        return false;
    for (unsigned i = 0; i < n; i++) {
        unsigned at = (q->head + q->count) & PS2_QMASK;
        q->data[at] = b[i];
        q->cont[at] = i + 1 < n;
        q->count++;
    }
    return true;
}

bool ps2_queue_pop(struct ps2_queue *q, uint8_t *b, bool *cont)
{
    if (!q->count)
        return false;
    unsigned at = q->head & PS2_QMASK;
    *b = q->data[at];
    *cont = q->cont[at];
    q->head = (uint8_t)((at + 1) & PS2_QMASK);
    q->count--;
    return true;
}

bool ps2_take_answer(struct ps2_queue *resp, const struct ps2_queue *data, bool mid_seq,
                     uint8_t *last, uint8_t *b)
{
    bool cont;
    if ((mid_seq && data->count) || !ps2_queue_pop(resp, b, &cont))
        return false;
    *last = *b;
    return true;
}

bool ps2_take_data(struct ps2_queue *data, bool *mid_seq, uint8_t *last, uint8_t *b)
{
    bool cont;
    if (!ps2_queue_pop(data, b, &cont))
        return false;
    *mid_seq = cont;
    *last = *b;
    return true;
}

/* Saved in order from the head, so the layout does not depend on where
 * the ring happened to start: count, the bytes, and the cont flags as a
 * bit mask (bit i for byte i). */
_Static_assert(VMP_PS2_QUEUE_SIZE <= 64, "cont mask is a u64");

void ps2_queue_save(const struct ps2_queue *q, struct vmp_state_writer *w)
{
    uint8_t bytes[VMP_PS2_QUEUE_SIZE];
    uint64_t cont = 0;
    unsigned n = q->count <= VMP_PS2_QUEUE_SIZE ? q->count : VMP_PS2_QUEUE_SIZE;
    for (unsigned i = 0; i < n; i++) {
        unsigned at = (q->head + i) & PS2_QMASK;
        bytes[i] = q->data[at];
        if (q->cont[at])
            cont |= 1ull << i;
    }
    vmp_state_put_u8(w, (uint8_t)n);
    vmp_state_put_bytes(w, bytes, n);
    vmp_state_put_u64(w, cont);
}

void ps2_queue_load(struct ps2_queue *q, struct vmp_state_reader *r)
{
    memset(q, 0, sizeof *q);
    unsigned n = vmp_state_get_u8_max(r, VMP_PS2_QUEUE_SIZE);
    if (n > VMP_PS2_QUEUE_SIZE)
        n = 0; /* already recorded as an error */
    vmp_state_get_bytes(r, q->data, n);
    uint64_t cont = vmp_state_get_u64(r);
    if (n < 64 && (cont >> n))
        vmp_state_fail(r, -EINVAL); /* flags for bytes not there */
    for (unsigned i = 0; i < n; i++)
        q->cont[i] = (cont >> i) & 1;
    q->count = (uint8_t)n;
}
