#!/bin/sh
# The emulator's differential test for `make check` (docs/emulator-diff.md):
# 100,000 random instruction streams run on KVM at CPL 3 and in the
# emulator, every register, RFLAGS (less undefined flags), RIP, the data
# area and exceptions compared. A fixed seed keeps `make check`
# deterministic; `make diff-long` tries new seeds. diff_test prints the
# SKIP line itself where /dev/kvm is absent or unusable.
set -u
BUILD=${BUILD:-build}
exec "$BUILD/tests/diff_test" --seed "${DIFF_SEED:-0x5eed}" --streams "${DIFF_STREAMS:-100000}" \
    --max-reports 3
