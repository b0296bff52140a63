/* INT 19h (bootstrap loader) and INT 18h (no bootable device).
 *
 * IBM PC/AT Technical Reference, "BOOT_STRAP": read sector 1 of the first
 * hard disk to 0:7C00 and, when it ends with the signature 55h AAh, jump
 * there with DL = the drive number. We boot disk 80h only. */
#include "svc_priv.h"

void bios_int18(struct vmp_bios *b)
{
    vmp_logf(b->env.log, VMP_LOG_ERROR, "bios: no bootable device");
    bios_video_puts(b, "No bootable device.\n");
}

bool bios_int19(struct vmp_bios *b, struct bios_call *c)
{
    uint8_t sec[VMP_BLOCK_SECTOR];
    const char *why = NULL;
    if (b->cfg.disk_count == 0)
        why = "no disk";
    else if (vmp_block_read(b->cfg.disks[0], 0, sec, 1) < 0)
        why = "read error";
    else if (sec[510] != 0x55 || sec[511] != 0xAA)
        why = "no boot signature";
    else if (vmp_mem_write(b->env.mem, 0x7C00, sec, sizeof(sec)) < 0)
        why = "no RAM at 0:7C00";
    if (why) {
        vmp_logf(b->env.log, VMP_LOG_ERROR, "bios: boot from disk 80h failed: %s", why);
        bios_video_puts(b, "Boot failed: ");
        bios_video_puts(b, why);
        bios_video_puts(b, "\n");
        return false;
    }
    vmp_logf(b->env.log, VMP_LOG_INFO, "bios: booting from disk 80h");
    /* The stub jumps to 0000:7C00; give it a clean real-mode frame. */
    for (int g = VMP_RAX; g <= VMP_RDI; g++)
        c->r.gpr[g] = 0;
    set16(c, VMP_RDX, 0x0080);
    set16(c, VMP_RSP, 0x7C00);
    c->r.rflags = 0x202; /* IF set, as after the BIOS's own STI */
    bios_set_seg(c, VMP_SS, 0);
    bios_set_seg(c, VMP_DS, 0);
    bios_set_seg(c, VMP_ES, 0);
    return true;
}
