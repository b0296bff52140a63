/* Kernel loaders against arbitrary images. Byte 0 picks the loader and a
 * few options (command line, a module/initrd from the input's tail); the
 * rest is the image. Guest RAM is 0-640K and 1M-4M, fresh per input. */
#include <stdlib.h>
#include <string.h>
#include <vmparts/bios.h>

#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    uint8_t *ram = calloc(1, RAM);
    struct vmp_mem *mem = vmp_mem_create();
    if (!ram || !mem)
        abort();
    vmp_mem_add(mem, 0, 0xA0000, ram, 0);
    vmp_mem_add(mem, 0x100000, RAM - 0x100000, ram + 0x100000, 0);

    /* The last quarter of the input doubles as initrd/module contents. */
    size_t extra = (sel & 0x10) ? size / 4 : 0;
    struct vmp_boot_module mods[2] = {{data + size - extra, extra, "mod"},
                                      {data, size < 64 ? size : 64, NULL}};
    struct vmp_boot_config cfg = {
        .cmdline = (sel & 0x20) ? "console=ttyS0 earlyprintk=ttyS0" : NULL,
        .initrd = extra ? data + size - extra : NULL,
        .initrd_size = extra,
        .modules = mods,
        .module_count = (sel >> 6) & 1,
    };
    struct vmp_boot_entry e;
    int r;
    switch (sel & 3) {
    case 0: r = vmp_load_kernel(mem, data, size, &cfg, &e); break;
    case 1:
        if (sel & 0x80) {
            /* bzImage header from the first half, vmlinux from the second. */
            size_t half = size / 2, off, len;
            r = vmp_load_linux_vmlinux(mem, data, half, data + half, size - half, &cfg, &e);
            if (vmp_linux_payload(data, size, &off, &len) == 0 && (off > size || len > size - off))
                abort();
        } else {
            r = vmp_load_linux(mem, data, size, &cfg, &e);
        }
        break;
    case 2: r = vmp_load_multiboot(mem, data, size, &cfg, &e); break;
    default: r = vmp_load_flat(mem, data, size, 0x100000 + (sel & 0xC) * 0x10000, &e); break;
    }
    /* A failure always says why; a success always names an entry in RAM. */
    if (r < 0 && e.error[0] == 0)
        abort();
    if (r == 0 && !vmp_mem_is_backed(mem, e.rip, 1))
        abort();
    vmp_mem_destroy(mem);
    free(ram);
    return 0;
}
