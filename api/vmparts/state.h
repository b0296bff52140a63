/* Save and load of model state.
 *
 * A state stream is a sequence of sections, which may nest:
 *   tag (length-prefixed string, at most 31 bytes) | version u32 |
 *   payload length u32 | payload
 * Scalars are little-endian. Writers grow a host buffer; readers are
 * bounds-checked and sticky: after the first error every get returns 0 and
 * the error is reported when the section is closed.
 *
 * How a model loads: open its section (checks tag and version), read every
 * field into a local copy, validate each (the *_max getters and
 * vmp_state_fail), close the section, and only if that returns 0 copy the
 * local state into the model and re-arm its timers. A bad or truncated
 * state therefore leaves the model as it was and returns an error. */
#ifndef VMPARTS_STATE_H
#define VMPARTS_STATE_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_STATE_MAX_DEPTH 8
#define VMP_STATE_MAX_TAG 31

struct vmp_state_writer {
    uint8_t *buf;
    size_t len, cap;
    int err;
    unsigned depth;
    size_t open[VMP_STATE_MAX_DEPTH]; /* offsets of length fields */
};

struct vmp_state_reader {
    const uint8_t *buf;
    size_t len, pos;
    int err;
    unsigned depth;
    size_t end[VMP_STATE_MAX_DEPTH]; /* end offsets of open sections */
};

void vmp_state_writer_init(struct vmp_state_writer *w);
void vmp_state_writer_free(struct vmp_state_writer *w);
void vmp_state_begin(struct vmp_state_writer *w, const char *tag, uint32_t version);
void vmp_state_end(struct vmp_state_writer *w);
void vmp_state_put_u8(struct vmp_state_writer *w, uint8_t v);
void vmp_state_put_u16(struct vmp_state_writer *w, uint16_t v);
void vmp_state_put_u32(struct vmp_state_writer *w, uint32_t v);
void vmp_state_put_u64(struct vmp_state_writer *w, uint64_t v);
void vmp_state_put_bool(struct vmp_state_writer *w, bool v);
void vmp_state_put_bytes(struct vmp_state_writer *w, const void *p, size_t n);
/* 0, or the first error (-ENOMEM, -EINVAL for unbalanced sections): the
 * check for a finished stream. */
int vmp_state_writer_status(const struct vmp_state_writer *w);
/* The first error so far, sections may still be open: what a part's save
 * returns, so parts can be saved inside an embedder's own sections. */
int vmp_state_writer_error(const struct vmp_state_writer *w);

void vmp_state_reader_init(struct vmp_state_reader *r, const void *buf, size_t len);
/* Open the next section: -EBADMSG if truncated or the tag differs,
 * -EPROTONOSUPPORT if its version is 0 or above max_version. */
int vmp_state_open(struct vmp_state_reader *r, const char *tag,
                   uint32_t max_version, uint32_t *version);
/* Close the innermost section: the first error seen, or -EBADMSG if
 * bytes of it were left unread. */
int vmp_state_close(struct vmp_state_reader *r);
uint8_t vmp_state_get_u8(struct vmp_state_reader *r);
uint16_t vmp_state_get_u16(struct vmp_state_reader *r);
uint32_t vmp_state_get_u32(struct vmp_state_reader *r);
uint64_t vmp_state_get_u64(struct vmp_state_reader *r);
bool vmp_state_get_bool(struct vmp_state_reader *r); /* a byte other than 0/1 fails */
void vmp_state_get_bytes(struct vmp_state_reader *r, void *p, size_t n);
/* Getters that also validate: values above max fail with -EINVAL. */
uint8_t vmp_state_get_u8_max(struct vmp_state_reader *r, uint8_t max);
uint32_t vmp_state_get_u32_max(struct vmp_state_reader *r, uint32_t max);
uint64_t vmp_state_get_u64_max(struct vmp_state_reader *r, uint64_t max);
/* Record a validation failure (-EINVAL unless err given). */
void vmp_state_fail(struct vmp_state_reader *r, int err);
int vmp_state_reader_status(const struct vmp_state_reader *r);

/* Convenience for timers: armed flag and absolute deadline. */
struct vmp_timer;
void vmp_state_put_timer(struct vmp_state_writer *w, const struct vmp_timer *t);
/* Reads what put_timer wrote: returns the deadline or VMP_TIME_NEVER. */
uint64_t vmp_state_get_timer(struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif
