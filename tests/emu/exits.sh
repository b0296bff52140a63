#!/bin/sh
# vmp's exit statuses (docs/vmp.md) under --accel emu: the same checks as
# tests/vmm/exits.sh, which takes the backend from ACCEL. Needs no KVM.
ACCEL=emu exec sh "$(dirname "$0")/../vmm/exits.sh"
