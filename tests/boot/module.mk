# Booting through the virtual BIOS (vmm/firmware.c). `make check` runs
# tests/boot/bootsector.sh (a hand-written boot sector under both backends,
# --disk errors) and tests/boot/dump_acpi.sh (vmp --dump-acpi with iasl).
CHECK_SCRIPTS += tests/boot/bootsector.sh tests/boot/dump_acpi.sh


# Slow, opt-in: SYSLINUX (with Debian's kernel) and GRUB 2 disk images.
check-boot: all
	@sh scripts/install-deps.sh syslinux syslinux-common mtools dosfstools grub-pc-bin
	@BUILD=$(BUILD) sh tests/boot/grub.sh
	@BUILD=$(BUILD) sh tests/boot/syslinux.sh
.PHONY: check-boot
