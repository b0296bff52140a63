/* Guest memory regions. Lookups are binary searches over a sorted array;
 * every copy is checked to lie wholly in backed memory before a byte
 * moves, so a failed access has no partial effect. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/mem.h>

struct vmp_mem {
    struct vmp_mem_region *r; /* sorted by gpa, non-overlapping */
    size_t n, cap;
    size_t hint; /* region of the last copy: most copies hit it again */
};

struct vmp_mem *vmp_mem_create(void) { return calloc(1, sizeof(struct vmp_mem)); }

void vmp_mem_destroy(struct vmp_mem *m)
{
    if (!m)
        return;
    free(m->r);
    free(m);
}

static uint64_t last_of(const struct vmp_mem_region *r) { return r->gpa + (r->size - 1); }

/* First region whose last byte is >= gpa. */
static size_t lower_bound(const struct vmp_mem *m, uint64_t gpa)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (last_of(&m->r[mid]) < gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int vmp_mem_add(struct vmp_mem *m, uint64_t gpa, uint64_t size, void *host, unsigned flags)
{
    if (!m || !size || !host || (flags & ~VMP_MEM_READONLY))
        return -EINVAL;
    if (size - 1 > UINT64_MAX - gpa)
        return -ERANGE;
    size_t i = lower_bound(m, gpa);
    if (i < m->n && m->r[i].gpa <= gpa + (size - 1))
        return -EEXIST;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct vmp_mem_region *r = realloc(m->r, cap * sizeof *r);
        if (!r)
            return -ENOMEM;
        m->r = r;
        m->cap = cap;
    }
    memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof *m->r);
    m->r[i] = (struct vmp_mem_region){ gpa, size, host, flags };
    m->n++;
    m->hint = 0;
    return 0;
}

int vmp_mem_remove(struct vmp_mem *m, uint64_t gpa)
{
    size_t i = lower_bound(m, gpa);
    if (i >= m->n || m->r[i].gpa != gpa)
        return -ENOENT;
    memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof *m->r);
    m->n--;
    m->hint = 0;
    return 0;
}

/* Is [gpa, gpa+len) wholly backed (and writable if need_write)? len > 0. */
static bool covered(const struct vmp_mem *m, uint64_t gpa, uint64_t len, bool need_write)
{
    if (len - 1 > UINT64_MAX - gpa)
        return false; /* wraps around 2^64 */
    uint64_t last = gpa + (len - 1);
    size_t i = lower_bound(m, gpa);
    uint64_t a = gpa;
    for (; i < m->n; i++) {
        const struct vmp_mem_region *r = &m->r[i];
        if (r->gpa > a)
            return false; /* hole */
        if (need_write && (r->flags & VMP_MEM_READONLY))
            return false;
        if (last_of(r) >= last)
            return true;
        a = last_of(r) + 1;
    }
    return false;
}

static int copy(const struct vmp_mem *m, uint64_t gpa, uint8_t *buf, size_t len, bool write)
{
    if (len == 0)
        return 0;
    if (!m || !buf)
        return -EFAULT;
    /* Fast path: wholly inside the region the last copy used. */
    if (m->hint < m->n) {
        const struct vmp_mem_region *r = &m->r[m->hint];
        if (gpa >= r->gpa && gpa <= last_of(r) && len - 1 <= last_of(r) - gpa &&
            !(write && (r->flags & VMP_MEM_READONLY))) {
            uint8_t *h = (uint8_t *)r->host + (gpa - r->gpa);
            if (write)
                memcpy(h, buf, len);
            else
                memcpy(buf, h, len);
            return 0;
        }
    }
    if (!covered(m, gpa, len, write))
        return -EFAULT;
    ((struct vmp_mem *)m)->hint = lower_bound(m, gpa); /* a cache, not state */
    size_t i = lower_bound(m, gpa);
    while (len) {
        const struct vmp_mem_region *r = &m->r[i++];
        uint64_t off = gpa - r->gpa;
        uint64_t n = r->size - off;
        if (n > len)
            n = len;
        uint8_t *h = (uint8_t *)r->host + off;
        if (write)
            memcpy(h, buf, n);
        else
            memcpy(buf, h, n);
        buf += n;
        len -= n;
        gpa += n;
    }
    return 0;
}

int vmp_mem_read(const struct vmp_mem *m, uint64_t gpa, void *buf, size_t len)
{
    return copy(m, gpa, buf, len, false);
}

int vmp_mem_write(struct vmp_mem *m, uint64_t gpa, const void *buf, size_t len)
{
    return copy(m, gpa, (uint8_t *)buf, len, true);
}

void *vmp_mem_ptr(const struct vmp_mem *m, uint64_t gpa, uint64_t len)
{
    if (!m || !len || len - 1 > UINT64_MAX - gpa)
        return NULL;
    size_t i = lower_bound(m, gpa);
    if (i >= m->n || m->r[i].gpa > gpa || last_of(&m->r[i]) < gpa + (len - 1))
        return NULL;
    return (uint8_t *)m->r[i].host + (gpa - m->r[i].gpa);
}

bool vmp_mem_is_backed(const struct vmp_mem *m, uint64_t gpa, uint64_t len)
{
    return m && len && covered(m, gpa, len, false);
}

size_t vmp_mem_region_count(const struct vmp_mem *m) { return m ? m->n : 0; }

int vmp_mem_region_get(const struct vmp_mem *m, size_t index, struct vmp_mem_region *out)
{
    if (!m || index >= m->n || !out)
        return -ENOENT;
    *out = m->r[index];
    return 0;
}
