/* Errors and logging. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vmparts/common.h>

const char *vmp_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case -EINVAL: return "invalid argument";
    case -ERANGE: return "address or value out of range";
    case -EEXIST: return "range overlaps an existing region";
    case -ENOENT: return "no such region";
    case -ENOMEM: return "out of memory";
    case -EFAULT: return "guest address not backed by memory";
    case -EBADMSG: return "malformed or truncated state";
    case -EPROTONOSUPPORT: return "unsupported state version";
    case -ENOSPC: return "no free slot";
    case -EPERM: return "operation not permitted";
    case -EACCES: return "access refused";
    case -ENOEXEC: return "not a loadable image";
    case -EIO: return "input/output error";
    case -ENOTSUP: return "not supported";
    default: break;
    }
    if (err < 0)
        return strerror(-err);
    return "unknown error";
}

static void vlog(const struct vmp_log *log, enum vmp_log_level level,
                 const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    log->fn(log->opaque, level, msg);
}

void vmp_logf(const struct vmp_log *log, enum vmp_log_level level, const char *fmt, ...)
{
    if (!log || !log->fn)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(log, level, fmt, ap);
    va_end(ap);
}

void vmp_logf_limited(const struct vmp_log *log, struct vmp_ratelimit *rl,
                      enum vmp_log_level level, const char *fmt, ...)
{
    if (!log || !log->fn || !rl)
        return;
    if (rl->count > VMP_RATELIMIT_BURST)
        return;
    if (rl->count++ == VMP_RATELIMIT_BURST) {
        log->fn(log->opaque, level, "(further messages of this kind suppressed)");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog(log, level, fmt, ap);
    va_end(ap);
}
