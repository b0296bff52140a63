#!/bin/sh
# The emulator's differential test for `make check` (docs/emulator-diff.md):
# 70,000 random instruction streams (integer, x87, MMX, SSE/SSE2) run on
# KVM at CPL 3 and in the emulator, every register, RFLAGS (less undefined
# flags), RIP, the x87/SSE state, the data area and exceptions compared
# (70,000 with the FP families take the time 100,000 integer-only streams
# took). A fixed seed keeps `make check`
# deterministic; `make diff-long` tries new seeds. diff_test prints the
# SKIP line itself where /dev/kvm is absent or unusable.
set -u
BUILD=${BUILD:-build}
exec "$BUILD/tests/diff_test" --seed "${DIFF_SEED:-0x5eed}" --streams "${DIFF_STREAMS:-70000}" \
    --max-reports 3
