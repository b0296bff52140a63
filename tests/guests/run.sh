#!/bin/sh
# Boots every guest test kernel ($BUILD/guests/*.elf) under vmp --accel
# $ACCEL (kvm by default; emu and auto too: tests/emu/guests.sh runs it
# with emu) and checks what it reports: at least one "PASS:" line on COM1,
# no "FAIL:" line, and vmp's exit status 1 (the guest wrote 0 to the
# debug-exit port 0xF4). A guest's extra vmp flags come from a "VMP_ARGS:"
# line in its source.
# With kvm, where /dev/kvm is absent or unusable every guest prints SKIP;
# VMP_KVM_DEVICE overrides the device path (vmp honours it too), which is
# how the SKIP path is tested: VMP_KVM_DEVICE=/nonexistent make check.
# With emu or auto, a guest that stops on an instruction the emulator does
# not implement prints "SKIP: ... (emulator lacks ...)" with the
# instruction bytes and mode. Neither is ever a pass.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
ACCEL=${ACCEL:-kvm}
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-60}
case "$ACCEL" in
kvm) U="" ;;
emu | auto) U=" under $ACCEL" ;;
*) echo "FAIL: tests/guests/run.sh: ACCEL=$ACCEL (want kvm, emu or auto)"; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

kvm_ok=1
if [ "$ACCEL" = kvm ] && { [ ! -c "$KVM" ] || [ ! -r "$KVM" ] || [ ! -w "$KVM" ]; }; then
    kvm_ok=0
fi

status=0
for elf in "$BUILD"/guests/*.elf; do
    [ -e "$elf" ] || continue
    name=$(basename "$elf" .elf)
    src="tests/guests/$name.c"
    if [ "$kvm_ok" = 0 ]; then
        echo "SKIP: guest $name ($KVM absent)"
        continue
    fi
    args=$(sed -n 's/.*VMP_ARGS: *\(.*\)$/\1/p' "$src" | head -n 1 | sed 's/ *\*\/ *$//')
    out="$tmp/$name.out"
    err="$tmp/$name.err"
    start=$(date +%s.%N)
    eval "set -- $args"
    "$VMP" --accel "$ACCEL" --kernel "$elf" --serial "file:$out" --timeout "$GUEST_TIMEOUT" \
        "$@" < /dev/null > /dev/null 2> "$err"
    rc=$?
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    tr -d '\r' < "$out" > "$out.txt" 2>/dev/null || : > "$out.txt"
    if [ "$ACCEL" = kvm ] && [ "$rc" -eq 6 ] && grep -q "/dev/kvm\|KVM_CREATE_VM" "$err"; then
        echo "SKIP: guest $name (KVM unusable: $(head -n 1 "$err"))"
        continue
    fi
    if [ "$ACCEL" != kvm ] && [ "$rc" -eq 6 ] && grep -q "the emulator cannot execute" "$err"; then
        echo "SKIP: guest $name$U (emulator lacks $(sed -n 's/.*the emulator cannot execute //p' "$err" | head -n 1))"
        continue
    fi
    npass=$(grep -c '^PASS:' "$out.txt")
    nfail=$(grep -c '^FAIL:' "$out.txt")
    grep -E '^(PASS|FAIL|SKIP):' "$out.txt" | sed "s/^/  $name: /"
    if [ "$rc" -eq 1 ] && [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]; then
        echo "ok: guest $name$U ($npass checks, ${secs}s)"
    else
        echo "FAIL: guest $name$U (exit status $rc, $npass passed, $nfail failed, ${secs}s)"
        sed 's/^/  serial: /' "$out.txt" | tail -n 20
        sed 's/^/  stderr: /' "$err" | tail -n 20
        status=1
    fi
done
exit $status
