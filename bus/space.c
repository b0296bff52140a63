/* Address spaces: sorted region array, binary-search lookup, access
 * splitting. See api/vmparts/bus.h for the contract. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/bus.h>

struct region {
    uint64_t base, last; /* inclusive, so a region may end at 2^64 - 1 */
    const struct vmp_io_ops *ops;
    void *dev;
    unsigned max_size;
};

struct vmp_space {
    char name[32];
    uint64_t last_addr;
    struct region *r;
    size_t n, cap;
    size_t hint; /* index of the last region hit */
    uint64_t unmapped_reads, unmapped_writes;
};

struct vmp_space *vmp_space_create(const char *name, uint64_t last_addr)
{
    struct vmp_space *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (name) {
        strncpy(s->name, name, sizeof s->name - 1);
    }
    s->last_addr = last_addr;
    return s;
}

void vmp_space_destroy(struct vmp_space *s)
{
    if (!s)
        return;
    free(s->r);
    free(s);
}

const char *vmp_space_name(const struct vmp_space *s) { return s->name; }

/* Index of the first region whose last >= addr (n if none). */
static size_t lower_bound(const struct vmp_space *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].last < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct region *find(struct vmp_space *s, uint64_t addr)
{
    if (s->hint < s->n) {
        struct region *h = &s->r[s->hint];
        if (addr >= h->base && addr <= h->last)
            return h;
    }
    size_t i = lower_bound(s, addr);
    if (i < s->n && s->r[i].base <= addr) {
        s->hint = i;
        return &s->r[i];
    }
    return NULL;
}

static bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static int range_ok(const struct vmp_space *s, uint64_t base, uint64_t len)
{
    if (len == 0)
        return -EINVAL;
    if (base > s->last_addr || len - 1 > s->last_addr - base)
        return -ERANGE;
    return 0;
}

/* Can [base, last] go in at index i (the lower bound of base)? */
static bool fits(const struct vmp_space *s, size_t i, uint64_t last, size_t skip)
{
    if (i == skip)
        i++;
    return i >= s->n || s->r[i].base > last;
}

static int insert(struct vmp_space *s, struct region reg)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct region *r = realloc(s->r, cap * sizeof *r);
        if (!r)
            return -ENOMEM;
        s->r = r;
        s->cap = cap;
    }
    size_t i = lower_bound(s, reg.base);
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
    s->r[i] = reg;
    s->n++;
    s->hint = i;
    return 0;
}

int vmp_space_map(struct vmp_space *s, uint64_t base, uint64_t len,
                  const struct vmp_io_ops *ops, void *dev)
{
    if (!s || !ops || (!ops->read && !ops->write))
        return -EINVAL;
    unsigned max = ops->max_size ? ops->max_size : 8;
    if (!valid_size(max))
        return -EINVAL;
    int err = range_ok(s, base, len);
    if (err)
        return err;
    uint64_t last = base + (len - 1);
    if (!fits(s, lower_bound(s, base), last, SIZE_MAX))
        return -EEXIST;
    struct region reg = { .base = base, .last = last, .ops = ops, .dev = dev,
                          .max_size = max };
    return insert(s, reg);
}

static size_t index_of(const struct vmp_space *s, uint64_t base)
{
    size_t i = lower_bound(s, base);
    if (i < s->n && s->r[i].base == base)
        return i;
    return SIZE_MAX;
}

int vmp_space_unmap(struct vmp_space *s, uint64_t base)
{
    size_t i = index_of(s, base);
    if (i == SIZE_MAX)
        return -ENOENT;
    memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
    s->n--;
    s->hint = 0;
    return 0;
}

int vmp_space_move(struct vmp_space *s, uint64_t old_base, uint64_t new_base)
{
    size_t i = index_of(s, old_base);
    if (i == SIZE_MAX)
        return -ENOENT;
    struct region reg = s->r[i];
    uint64_t len_m1 = reg.last - reg.base;
    if (new_base > s->last_addr || len_m1 > s->last_addr - new_base)
        return -ERANGE;
    uint64_t last = new_base + len_m1;
    if (!fits(s, lower_bound(s, new_base), last, i))
        return -EEXIST;
    memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
    s->n--;
    reg.base = new_base;
    reg.last = last;
    return insert(s, reg); /* cannot fail: capacity is already there */
}

void *vmp_space_lookup(const struct vmp_space *s, uint64_t addr, uint64_t *base)
{
    size_t i = lower_bound(s, addr);
    if (i < s->n && s->r[i].base <= addr) {
        if (base)
            *base = s->r[i].base;
        return s->r[i].dev;
    }
    return NULL;
}

void vmp_space_get_stats(const struct vmp_space *s, struct vmp_space_stats *st)
{
    st->regions = s->n;
    st->unmapped_reads = s->unmapped_reads;
    st->unmapped_writes = s->unmapped_writes;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

/* Largest power of two <= n, at most 8, that keeps addr aligned to it. */
static unsigned piece_size(uint64_t addr, uint64_t n)
{
    unsigned p = 8;
    while (p > 1 && (p > n || (addr & (p - 1))))
        p >>= 1;
    return p;
}

/* The slow path: walk the access piece by piece. Each piece lies in one
 * region (or in unmapped space), is no wider than the region accepts and
 * is naturally aligned to its own size within the access. */
static uint64_t split_access(struct vmp_space *s, uint64_t addr, unsigned size,
                             uint64_t value, bool is_write)
{
    uint64_t result = 0;
    unsigned done = 0;
    bool unmapped = false;
    while (done < size) {
        uint64_t a = addr + done; /* wraps at 2^64 like the hardware bus */
        uint64_t left = size - done;
        struct region *r = a <= s->last_addr ? find(s, a) : NULL;
        unsigned p;
        if (r) {
            uint64_t room = r->last - a; /* bytes after a in this region */
            uint64_t n = left - 1 < room ? left : room + 1;
            if (n > r->max_size)
                n = r->max_size;
            p = piece_size(a - r->base, n);
            uint64_t off = a - r->base;
            if (is_write) {
                if (r->ops->write)
                    r->ops->write(r->dev, off, (value >> (done * 8)) & size_mask(p), p);
            } else {
                uint64_t v = r->ops->read ? r->ops->read(r->dev, off, p) : size_mask(p);
                result |= (v & size_mask(p)) << (done * 8);
            }
        } else {
            /* Unmapped: skip to the next region or the end of the access. */
            size_t i = a <= s->last_addr ? lower_bound(s, a) : s->n;
            uint64_t n = left;
            if (i < s->n && s->r[i].base - a < n)
                n = s->r[i].base - a;
            p = (unsigned)n;
            if (!is_write)
                result |= size_mask(p) << (done * 8);
            unmapped = true;
        }
        done += p;
    }
    if (unmapped) {
        if (is_write)
            s->unmapped_writes++;
        else
            s->unmapped_reads++;
    }
    return result;
}

uint64_t vmp_space_read(struct vmp_space *s, uint64_t addr, unsigned size)
{
    if (!valid_size(size)) {
        s->unmapped_reads++;
        return UINT64_MAX;
    }
    struct region *r = addr <= s->last_addr ? find(s, addr) : NULL;
    if (r && size <= r->max_size && r->last - addr >= size - 1u) {
        if (!r->ops->read)
            return size_mask(size);
        return r->ops->read(r->dev, addr - r->base, size) & size_mask(size);
    }
    if (!r && addr <= s->last_addr && s->last_addr - addr >= size - 1u) {
        size_t i = lower_bound(s, addr);
        if (i >= s->n || s->r[i].base - addr >= size) {
            s->unmapped_reads++;
            return size_mask(size);
        }
    }
    return split_access(s, addr, size, 0, false);
}

void vmp_space_write(struct vmp_space *s, uint64_t addr, uint64_t value, unsigned size)
{
    if (!valid_size(size)) {
        s->unmapped_writes++;
        return;
    }
    value &= size_mask(size);
    struct region *r = addr <= s->last_addr ? find(s, addr) : NULL;
    if (r && size <= r->max_size && r->last - addr >= size - 1u) {
        if (r->ops->write)
            r->ops->write(r->dev, addr - r->base, value, size);
        return;
    }
    split_access(s, addr, size, value, true);
}
