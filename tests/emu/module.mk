# The emulator backend (vmm/emu.c): every guest test kernel again under
# vmp --accel emu (tests/guests/run_emu.sh; needs no KVM).
CHECK_SCRIPTS += tests/guests/run_emu.sh
