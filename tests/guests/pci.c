/* PCI configuration scan of bus 0 through mechanism #1 (0xCF8/0xCFC, PCI
 * 3.0 3.2.2.3.2) and the same registers through ECAM at 0xB0000000 (PCIe
 * 3.0 7.2.2). The host bridge at 00:00.0 must be found, class 06/00. */
#include "lib/guest.h"

#define ECAM 0xB0000000u

static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg)
{
    outl(0xCF8, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xFC));
    return inl(0xCFC);
}

void test_main(void)
{
    unsigned found = 0;
    int bridge = -1;
    for (unsigned dev = 0; dev < 32; dev++) {
        uint32_t id = cfg_read(dev, 0, 0);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        uint32_t cls = cfg_read(dev, 0, 8);
        printf("found 00:%02x.0 %04x:%04x class %02x/%02x\n", dev, id & 0xFFFF, id >> 16,
               cls >> 24, (cls >> 16) & 0xFF);
        found++;
        if (cls >> 16 == 0x0600 && bridge < 0)
            bridge = (int)dev;
    }
    check(found >= 1, "pci-scan", "%u functions on bus 0", found);
    check(bridge == 0, "pci-host-bridge", "host bridge (class 06/00) at 00:%02x.0", bridge);
    uint32_t id = cfg_read(0, 0, 0);
    uint32_t eid = mmio_read32(ECAM);
    check(eid == id, "pci-ecam", "ECAM id 0x%x, CF8 id 0x%x", eid, id);
    check(mmio_read32(ECAM + (31u << 15)) == 0xFFFFFFFFu, "pci-ecam-empty-slot",
          "00:1f.0 reads all ones");
    /* CONFIG_ADDRESS reads back what was written (enable bit and all). */
    outl(0xCF8, 0x80001234u & ~3u);
    check(inl(0xCF8) == (0x80001234u & ~3u), "pci-cf8-readback", "0x%x", inl(0xCF8));
}
