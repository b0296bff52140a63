/* The smallest embedding of vmparts: a port space with one device, guest
 * RAM, an IRQ line and a timer on a manual clock. Build against an
 * installed copy with:
 *   cc minimal_bus.c $(pkg-config --cflags --libs vmparts)
 */
#include <stdio.h>
#include <string.h>

#include <vmparts/vmparts.h>

/* A toy device: one 8-bit register that latches writes and raises its
 * interrupt when bit 0 is set. */
struct toy {
    uint8_t reg;
    struct vmp_irq *irq;
};

static uint64_t toy_read(void *dev, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    return ((struct toy *)dev)->reg;
}

static void toy_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct toy *t = dev;
    (void)offset;
    (void)size;
    t->reg = (uint8_t)value;
    vmp_irq_set(t->irq, value & 1);
}

static const struct vmp_io_ops toy_ops = { toy_read, toy_write, 1 };

static void on_irq(void *opaque, unsigned pin, bool level)
{
    (void)opaque;
    printf("irq %u -> %d\n", pin, level);
}

static void on_timer(void *opaque)
{
    printf("timer fired at %llu ns\n", (unsigned long long)vmp_clock_now(opaque));
}

int main(void)
{
    static uint8_t ram[1 << 16];
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_mem *mem = vmp_mem_create();
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_irq_line *line = vmp_irq_line_create("irq5");
    struct toy toy = { 0, vmp_irq_line_source(line) };
    int err;

    vmp_irq_line_add_sink(line, on_irq, NULL, 5);
    if ((err = vmp_space_map(pio, 0x300, 1, &toy_ops, &toy)) != 0 ||
        (err = vmp_mem_add(mem, 0, sizeof ram, ram, 0)) != 0) {
        fprintf(stderr, "setup: %s\n", vmp_strerror(err));
        return 1;
    }
    vmp_space_write(pio, 0x300, 0x41, 1);
    printf("reg = 0x%llx, unmapped = 0x%llx\n",
           (unsigned long long)vmp_space_read(pio, 0x300, 1),
           (unsigned long long)vmp_space_read(pio, 0x301, 1));
    err = vmp_mem_write(mem, sizeof ram - 2, "abcd", 4);
    printf("write past RAM: %s\n", vmp_strerror(err));

    struct vmp_timer *t = vmp_timer_create(clock, on_timer, clock);
    vmp_timer_arm(t, 1000);
    vmp_clock_advance(clock, 5000);

    vmp_clock_destroy(clock);
    vmp_irq_line_destroy(line);
    vmp_mem_destroy(mem);
    vmp_space_destroy(pio);
    return 0;
}
