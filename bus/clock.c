/* Virtual clock with a binary min-heap of timers keyed by
 * (deadline, arm sequence), so equal deadlines fire in arming order. */
#include <stdlib.h>

#include <vmparts/clock.h>

/* vmp_clock_run fires at most this many timers per call: a periodic
 * device with a period far below the host's poll interval catches up over
 * several calls instead of hanging one. */
#define RUN_BUDGET 4096
#define SET_BUDGET (1u << 20)

struct vmp_timer {
    struct vmp_clock *clock;
    vmp_timer_fn fn;
    void *opaque;
    uint64_t deadline;
    uint64_t seq;
    size_t heap_index; /* SIZE_MAX when not armed */
};

struct vmp_clock {
    vmp_time_source_fn source;
    void *opaque;
    uint64_t now;      /* manual time, or the last value read (monotonic) */
    uint64_t seq;
    struct vmp_timer **heap;
    size_t n, cap;
    struct vmp_timer **all; /* every timer, for destroy */
    size_t nall, capall;
};

struct vmp_clock *vmp_clock_create(vmp_time_source_fn source, void *opaque)
{
    struct vmp_clock *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->source = source;
    c->opaque = opaque;
    if (source)
        c->now = source(opaque);
    return c;
}

void vmp_clock_destroy(struct vmp_clock *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nall; i++)
        free(c->all[i]);
    free(c->all);
    free(c->heap);
    free(c);
}

uint64_t vmp_clock_now(const struct vmp_clock *cc)
{
    struct vmp_clock *c = (struct vmp_clock *)cc; /* the cache is not state */
    if (c->source) {
        uint64_t t = c->source(c->opaque);
        if (t > c->now)
            c->now = t;
    }
    return c->now;
}

static bool before(const struct vmp_timer *a, const struct vmp_timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct vmp_clock *c, size_t i, struct vmp_timer *t)
{
    c->heap[i] = t;
    t->heap_index = i;
}

static void sift_up(struct vmp_clock *c, size_t i)
{
    struct vmp_timer *t = c->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(t, c->heap[p]))
            break;
        place(c, i, c->heap[p]);
        i = p;
    }
    place(c, i, t);
}

static void sift_down(struct vmp_clock *c, size_t i)
{
    struct vmp_timer *t = c->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct vmp_timer *best = t;
        if (l < c->n && before(c->heap[l], best)) {
            m = l;
            best = c->heap[l];
        }
        if (l + 1 < c->n && before(c->heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        place(c, i, c->heap[m]);
        i = m;
    }
    place(c, i, t);
}

static void heap_remove(struct vmp_clock *c, struct vmp_timer *t)
{
    size_t i = t->heap_index;
    t->heap_index = SIZE_MAX;
    c->n--;
    if (i == c->n)
        return;
    struct vmp_timer *moved = c->heap[c->n];
    place(c, i, moved);
    sift_down(c, i);
    sift_up(c, moved->heap_index);
}

struct vmp_timer *vmp_timer_create(struct vmp_clock *c, vmp_timer_fn fn, void *opaque)
{
    if (!c || !fn)
        return NULL;
    struct vmp_timer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    /* Reserve heap and registry room now, so arming never allocates. */
    if (c->nall == c->capall) {
        size_t cap = c->capall ? c->capall * 2 : 16;
        struct vmp_timer **a = realloc(c->all, cap * sizeof *a);
        if (!a)
            goto fail;
        c->all = a;
        c->capall = cap;
        struct vmp_timer **h = realloc(c->heap, cap * sizeof *h);
        if (!h)
            goto fail;
        c->heap = h;
        c->cap = cap;
    }
    t->clock = c;
    t->fn = fn;
    t->opaque = opaque;
    t->deadline = VMP_TIME_NEVER;
    t->heap_index = SIZE_MAX;
    c->all[c->nall++] = t;
    return t;
fail:
    free(t);
    return NULL;
}

void vmp_timer_destroy(struct vmp_timer *t)
{
    if (!t)
        return;
    struct vmp_clock *c = t->clock;
    vmp_timer_cancel(t);
    for (size_t i = 0; i < c->nall; i++) {
        if (c->all[i] == t) {
            c->all[i] = c->all[--c->nall];
            break;
        }
    }
    free(t);
}

void vmp_timer_cancel(struct vmp_timer *t)
{
    if (t && t->heap_index != SIZE_MAX) {
        heap_remove(t->clock, t);
        t->deadline = VMP_TIME_NEVER;
    }
}

void vmp_timer_arm(struct vmp_timer *t, uint64_t deadline)
{
    if (!t)
        return;
    struct vmp_clock *c = t->clock;
    if (t->heap_index != SIZE_MAX)
        heap_remove(c, t);
    t->deadline = deadline;
    t->seq = c->seq++;
    t->heap_index = c->n;
    c->heap[c->n++] = t;
    sift_up(c, t->heap_index);
}

void vmp_timer_arm_in(struct vmp_timer *t, uint64_t ns)
{
    if (!t)
        return;
    uint64_t now = vmp_clock_now(t->clock);
    vmp_timer_arm(t, ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}

bool vmp_timer_armed(const struct vmp_timer *t) { return t && t->heap_index != SIZE_MAX; }

uint64_t vmp_timer_deadline(const struct vmp_timer *t)
{
    return vmp_timer_armed(t) ? t->deadline : VMP_TIME_NEVER;
}

uint64_t vmp_clock_next_deadline(const struct vmp_clock *c)
{
    return c->n ? c->heap[0]->deadline : VMP_TIME_NEVER;
}

/* Fire timers due at or before limit; in manual mode time steps to each
 * deadline first. */
static unsigned fire_until(struct vmp_clock *c, uint64_t limit, unsigned budget)
{
    unsigned fired = 0;
    while (c->n && c->heap[0]->deadline <= limit && fired < budget) {
        struct vmp_timer *t = c->heap[0];
        heap_remove(c, t);
        if (!c->source && t->deadline > c->now)
            c->now = t->deadline;
        t->deadline = VMP_TIME_NEVER;
        t->fn(t->opaque);
        fired++;
    }
    return fired;
}

unsigned vmp_clock_run(struct vmp_clock *c)
{
    return fire_until(c, vmp_clock_now(c), RUN_BUDGET);
}

int vmp_clock_set(struct vmp_clock *c, uint64_t target)
{
    if (c->source)
        return -EPERM;
    if (target < c->now)
        return 0;
    /* Bounded: a model that re-arms at a tiny period cannot make one step
     * take forever. Timers left due stay armed in the past and fire on the
     * next call, which models see as late firing and must catch up from
     * vmp_clock_now(). */
    fire_until(c, target, SET_BUDGET);
    c->now = target;
    return 0;
}

int vmp_clock_advance(struct vmp_clock *c, uint64_t ns)
{
    uint64_t t = ns > UINT64_MAX - c->now ? UINT64_MAX : c->now + ns;
    return vmp_clock_set(c, t);
}

/* ns * hz / 1e9 with a 128-bit product, saturating. */
uint64_t vmp_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    unsigned __int128 v = (unsigned __int128)ns * hz / VMP_NS_PER_SEC;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t vmp_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
    if (!hz)
        return VMP_TIME_NEVER;
    unsigned __int128 v = (unsigned __int128)ticks * VMP_NS_PER_SEC / hz;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t vmp_ticks_to_ns_ceil(uint64_t ticks, uint64_t hz)
{
    if (!hz)
        return VMP_TIME_NEVER;
    unsigned __int128 v = ((unsigned __int128)ticks * VMP_NS_PER_SEC + hz - 1) / hz;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}
