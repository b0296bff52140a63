/* Common definitions for every vmparts part: errors, logging, environment. */
#ifndef VMPARTS_COMMON_H
#define VMPARTS_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_VERSION_MAJOR 0
#define VMP_VERSION_MINOR 1
#define VMP_VERSION_PATCH 0
#define VMP_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define VMP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VMP_PRINTF(a, b)
#endif

struct vmp_clock;
struct vmp_mem;

/* Errors are negative errno values; this names them (never NULL). */
const char *vmp_strerror(int err);

enum vmp_log_level {
    VMP_LOG_ERROR = 0,
    VMP_LOG_WARN = 1,
    VMP_LOG_INFO = 2,
    VMP_LOG_DEBUG = 3,
};

/* A host-supplied log sink. A NULL sink or a NULL fn drops messages. */
struct vmp_log {
    void (*fn)(void *opaque, enum vmp_log_level level, const char *msg);
    void *opaque;
};

void vmp_logf(const struct vmp_log *log, enum vmp_log_level level,
              const char *fmt, ...) VMP_PRINTF(3, 4);

/* Guest-triggerable messages go through a limiter: the first
 * VMP_RATELIMIT_BURST messages are logged, then one "suppressed" line,
 * then nothing until vmp_ratelimit_reset(). Deterministic on purpose. */
#define VMP_RATELIMIT_BURST 8
struct vmp_ratelimit {
    uint32_t count;
};
void vmp_logf_limited(const struct vmp_log *log, struct vmp_ratelimit *rl,
                      enum vmp_log_level level, const char *fmt, ...)
    VMP_PRINTF(4, 5);
static inline void vmp_ratelimit_reset(struct vmp_ratelimit *rl) { rl->count = 0; }

/* What a device model gets from its embedder at creation. Any member may
 * be NULL when the model does not need it (each model documents which it
 * requires). The env is copied; the objects it points to must outlive the
 * model. */
struct vmp_env {
    struct vmp_clock *clock; /* virtual time and timers */
    struct vmp_mem *mem;     /* guest memory for DMA */
    const struct vmp_log *log;
};

#ifdef __cplusplus
}
#endif
#endif
