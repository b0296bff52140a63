/* State streams: nested, tagged, versioned, length-prefixed sections. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/clock.h>
#include <vmparts/state.h>

void vmp_state_writer_init(struct vmp_state_writer *w) { memset(w, 0, sizeof *w); }

void vmp_state_writer_free(struct vmp_state_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

int vmp_state_writer_error(const struct vmp_state_writer *w) { return w->err; }

int vmp_state_writer_status(const struct vmp_state_writer *w)
{
    if (w->err)
        return w->err;
    return w->depth ? -EINVAL : 0;
}

static void put(struct vmp_state_writer *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (n > SIZE_MAX / 2 - w->len) {
        w->err = -ENOMEM;
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b) {
            w->err = -ENOMEM;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_le(struct vmp_state_writer *w, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, n);
}

void vmp_state_put_u8(struct vmp_state_writer *w, uint8_t v) { put_le(w, v, 1); }
void vmp_state_put_u16(struct vmp_state_writer *w, uint16_t v) { put_le(w, v, 2); }
void vmp_state_put_u32(struct vmp_state_writer *w, uint32_t v) { put_le(w, v, 4); }
void vmp_state_put_u64(struct vmp_state_writer *w, uint64_t v) { put_le(w, v, 8); }
void vmp_state_put_bool(struct vmp_state_writer *w, bool v) { put_le(w, v ? 1 : 0, 1); }
void vmp_state_put_bytes(struct vmp_state_writer *w, const void *p, size_t n) { put(w, p, n); }

void vmp_state_begin(struct vmp_state_writer *w, const char *tag, uint32_t version)
{
    size_t n = tag ? strlen(tag) : 0;
    if (w->err)
        return;
    if (!n || n > VMP_STATE_MAX_TAG || !version || w->depth == VMP_STATE_MAX_DEPTH) {
        w->err = -EINVAL;
        return;
    }
    put_le(w, n, 1);
    put(w, tag, n);
    put_le(w, version, 4);
    w->open[w->depth++] = w->len;
    put_le(w, 0, 4); /* length, patched by vmp_state_end */
}

void vmp_state_end(struct vmp_state_writer *w)
{
    if (w->err)
        return;
    if (!w->depth) {
        w->err = -EINVAL;
        return;
    }
    size_t at = w->open[--w->depth];
    size_t len = w->len - at - 4;
    if (len > UINT32_MAX) {
        w->err = -ENOMEM;
        return;
    }
    for (unsigned i = 0; i < 4; i++)
        w->buf[at + i] = (uint8_t)(len >> (8 * i));
}

void vmp_state_reader_init(struct vmp_state_reader *r, const void *buf, size_t len)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = buf ? len : 0;
}

int vmp_state_reader_status(const struct vmp_state_reader *r) { return r->err; }

void vmp_state_fail(struct vmp_state_reader *r, int err)
{
    if (!r->err)
        r->err = err ? err : -EINVAL;
}

/* End of the readable window: the innermost open section, or the buffer. */
static size_t limit(const struct vmp_state_reader *r)
{
    return r->depth ? r->end[r->depth - 1] : r->len;
}

static bool get(struct vmp_state_reader *r, void *p, size_t n)
{
    if (r->err)
        goto zero;
    if (n > limit(r) - r->pos) {
        r->err = -EBADMSG;
        goto zero;
    }
    memcpy(p, r->buf + r->pos, n);
    r->pos += n;
    return true;
zero:
    memset(p, 0, n);
    return false;
}

static uint64_t get_le(struct vmp_state_reader *r, unsigned n)
{
    uint8_t b[8];
    uint64_t v = 0;
    if (!get(r, b, n))
        return 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t vmp_state_get_u8(struct vmp_state_reader *r) { return (uint8_t)get_le(r, 1); }
uint16_t vmp_state_get_u16(struct vmp_state_reader *r) { return (uint16_t)get_le(r, 2); }
uint32_t vmp_state_get_u32(struct vmp_state_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t vmp_state_get_u64(struct vmp_state_reader *r) { return get_le(r, 8); }
void vmp_state_get_bytes(struct vmp_state_reader *r, void *p, size_t n) { get(r, p, n); }

bool vmp_state_get_bool(struct vmp_state_reader *r)
{
    uint8_t v = vmp_state_get_u8(r);
    if (v > 1)
        vmp_state_fail(r, -EINVAL);
    return v == 1;
}

uint8_t vmp_state_get_u8_max(struct vmp_state_reader *r, uint8_t max)
{
    uint8_t v = vmp_state_get_u8(r);
    if (v > max) {
        vmp_state_fail(r, -EINVAL);
        return 0;
    }
    return v;
}

uint32_t vmp_state_get_u32_max(struct vmp_state_reader *r, uint32_t max)
{
    uint32_t v = vmp_state_get_u32(r);
    if (v > max) {
        vmp_state_fail(r, -EINVAL);
        return 0;
    }
    return v;
}

uint64_t vmp_state_get_u64_max(struct vmp_state_reader *r, uint64_t max)
{
    uint64_t v = vmp_state_get_u64(r);
    if (v > max) {
        vmp_state_fail(r, -EINVAL);
        return 0;
    }
    return v;
}

int vmp_state_open(struct vmp_state_reader *r, const char *tag, uint32_t max_version,
                   uint32_t *version)
{
    char got[VMP_STATE_MAX_TAG + 1];
    size_t want = tag ? strlen(tag) : 0;
    if (r->err)
        return r->err;
    if (r->depth == VMP_STATE_MAX_DEPTH) {
        r->err = -EBADMSG;
        return r->err;
    }
    size_t n = vmp_state_get_u8(r);
    if (n > VMP_STATE_MAX_TAG)
        vmp_state_fail(r, -EBADMSG);
    vmp_state_get_bytes(r, got, n <= VMP_STATE_MAX_TAG ? n : 0);
    uint32_t ver = vmp_state_get_u32(r);
    uint32_t len = vmp_state_get_u32(r);
    if (r->err)
        return r->err;
    if (n != want || memcmp(got, tag, n) != 0 || len > limit(r) - r->pos) {
        r->err = -EBADMSG;
        return r->err;
    }
    if (ver == 0 || ver > max_version) {
        r->err = -EPROTONOSUPPORT;
        return r->err;
    }
    if (version)
        *version = ver;
    r->end[r->depth++] = r->pos + len;
    return 0;
}

int vmp_state_close(struct vmp_state_reader *r)
{
    if (!r->depth) {
        vmp_state_fail(r, -EINVAL);
        return r->err;
    }
    size_t end = r->end[--r->depth];
    if (!r->err && r->pos != end)
        r->err = -EBADMSG;
    if (!r->err)
        r->pos = end;
    return r->err;
}

void vmp_state_put_timer(struct vmp_state_writer *w, const struct vmp_timer *t)
{
    vmp_state_put_u64(w, vmp_timer_deadline(t));
}

uint64_t vmp_state_get_timer(struct vmp_state_reader *r)
{
    return vmp_state_get_u64(r);
}
