# The emulator backend (vmm/emu.c): every guest test kernel again under
# vmp --accel emu (tests/guests/run.sh with ACCEL=emu; needs no KVM).
CHECK_SCRIPTS += tests/emu/guests.sh
# --accel kvm|emu|auto: flag errors, auto's choice and its log line.
CHECK_SCRIPTS += tests/emu/accel.sh
# Exit statuses under --accel emu (the guest of tests/vmm/exits.sh).
CHECK_SCRIPTS += tests/emu/exits.sh

# Slow and opt-in: Debian's kernel under --accel emu, and how far it gets
# (tests/linux/boot.sh, as check-linux runs it under kvm).
check-linux-emu: all
	@BUILD=$(BUILD) ACCEL=emu sh tests/linux/boot.sh
.PHONY: check-linux-emu
