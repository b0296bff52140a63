#!/bin/sh
# Every guest test kernel under --accel emu: the same checks as
# tests/guests/run.sh, which takes the backend from ACCEL. Needs no KVM.
ACCEL=emu exec sh "$(dirname "$0")/../guests/run.sh"
