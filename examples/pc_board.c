/* Embedding the reference board: create a vmp_pc, give it guest RAM, and
 * play the guest's side of a few port and MMIO accesses, as a VMM does
 * from its vCPU exits. Build against an installed copy with:
 *   cc pc_board.c $(pkg-config --cflags --libs vmparts)
 */
#include <stdio.h>
#include <stdlib.h>

#include <vmparts/vmparts.h>

#define RAM_SIZE (16u << 20)

/* The board's hooks: COM1 output to stdout, debug exit remembered. */
static void console_out(void *opaque, uint8_t byte)
{
    (void)opaque;
    putchar(byte);
}

static void debug_exit(void *opaque, uint64_t status)
{
    *(uint64_t *)opaque = status;
}

int main(void)
{
    /* A manual clock: this example steps virtual time itself. A VMM would
     * pass a time source and run vmp_clock_run from its event loop. */
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_mem *mem = vmp_mem_create();
    uint8_t *ram = calloc(1, RAM_SIZE);
    if (!clock || !mem || !ram || vmp_pc_add_ram(mem, ram, RAM_SIZE) < 0)
        return 1;
    struct vmp_env env = {clock, mem, NULL};
    uint64_t exit_status = 0;
    struct vmp_pc_config cfg = {
        .ram_size = RAM_SIZE,
        .ncpus = 1,
        .rtc_epoch = 1700000000,
        .hooks = {.console_out = console_out, .debug_exit = debug_exit, .opaque = &exit_status},
    };
    struct vmp_pc *pc = vmp_pc_create(&env, &cfg);
    if (!pc || vmp_pc_create_cpus(pc, 0) < 0)
        return 1;
    struct vmp_space *pio = vmp_pc_pio(pc);

    /* "OUT 0x3F8" a line: COM1 sends it to console_out. */
    for (const char *s = "hello from COM1\n"; *s; s++)
        vmp_space_write(pio, 0x3F8, (uint8_t)*s, 1);

    /* Mask the 8259A pair (its INT reaches the LAPIC's LINT0 in virtual
     * wire mode), route ISA IRQ 0 (IOAPIC pin 2, the MADT override) to
     * vector 0x30, start the PIT at 1 kHz and let 3 ms of virtual time
     * pass. */
    vmp_space_write(pio, 0x21, 0xFF, 1);
    vmp_space_write(pio, 0xA1, 0xFF, 1);
    uint32_t v;
    v = 0x10 + 2 * 2;
    vmp_pc_mmio(pc, 0, 0xFEC00000, (uint8_t *)&v, 4, true);
    v = 0x30;
    vmp_pc_mmio(pc, 0, 0xFEC00010, (uint8_t *)&v, 4, true);
    vmp_space_write(pio, 0x43, 0x34, 1);
    vmp_space_write(pio, 0x40, 1193 & 0xFF, 1);
    vmp_space_write(pio, 0x40, 1193 >> 8, 1);
    vmp_clock_advance(clock, 3000000);
    if (vmp_pc_has_interrupt(pc, 0, 1u << 9))
        printf("vCPU 0 takes vector 0x%x\n", vmp_pc_ack(pc, 0));

    /* The RTC's CMOS knows the memory size (KiB above 1 MiB, 0x17/0x18). */
    vmp_space_write(pio, 0x70, 0x17, 1);
    unsigned kb = (unsigned)vmp_space_read(pio, 0x71, 1);
    vmp_space_write(pio, 0x70, 0x18, 1);
    kb |= (unsigned)vmp_space_read(pio, 0x71, 1) << 8;
    printf("CMOS: %u KiB above 1 MiB\n", kb);

    /* The whole board saves into one stream. */
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    int r = vmp_pc_save(pc, &w);
    printf("saved the board: %s\n", r == 0 ? "ok" : vmp_strerror(r));
    vmp_state_writer_free(&w);

    /* The debug exit port ends a test guest with status (v << 1) | 1. */
    vmp_space_write(pio, 0xF4, 0x10, 1);
    printf("debug exit status %llu\n", (unsigned long long)exit_status);

    vmp_pc_destroy(pc);
    vmp_mem_destroy(mem);
    free(ram);
    vmp_clock_destroy(clock);
    return 0;
}
