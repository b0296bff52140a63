/* 8259A set-up for guests: vectors 0x20-0x2F, everything masked. */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H
#include "guest.h"

static inline void pic_init(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3: slave on IR2 */
    outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4: 8086 mode */
    outb(0x21, 0xFB); outb(0xA1, 0xFF);   /* mask all but the cascade */
}
static inline void pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) & ~(1u << (irq & 7)));
}
static inline void pic_mask(unsigned irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) | (1u << (irq & 7)));
}
static inline void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}
#endif
