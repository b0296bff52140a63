#!/bin/sh
# Boots every guest test kernel ($BUILD/guests/*.elf) under vmp --accel kvm
# and checks what it reports: at least one "PASS:" line on COM1, no
# "FAIL:" line, and vmp's exit status 1 (the guest wrote 0 to the debug-exit
# port 0xF4). A guest's extra vmp flags come from a "VMP_ARGS:" line in its
# source. Where /dev/kvm is absent or unusable every guest prints SKIP.
# VMP_KVM_DEVICE overrides the device path (vmp honours it too), which is
# how the SKIP path is tested: VMP_KVM_DEVICE=/nonexistent make check.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

kvm_ok=1
if [ ! -c "$KVM" ] || [ ! -r "$KVM" ] || [ ! -w "$KVM" ]; then
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
    "$VMP" --accel kvm --kernel "$elf" --serial "file:$out" --timeout "$GUEST_TIMEOUT" \
        "$@" < /dev/null > /dev/null 2> "$err"
    rc=$?
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    tr -d '\r' < "$out" > "$out.txt" 2>/dev/null || : > "$out.txt"
    if grep -q "/dev/kvm\|KVM_CREATE_VM" "$err" && [ "$rc" -eq 6 ]; then
        echo "SKIP: guest $name (KVM unusable: $(head -n 1 "$err"))"
        continue
    fi
    npass=$(grep -c '^PASS:' "$out.txt")
    nfail=$(grep -c '^FAIL:' "$out.txt")
    grep -E '^(PASS|FAIL|SKIP):' "$out.txt" | sed "s/^/  $name: /"
    if [ "$rc" -eq 1 ] && [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]; then
        echo "ok: guest $name ($npass checks, ${secs}s)"
    else
        echo "FAIL: guest $name (exit status $rc, $npass passed, $nfail failed, ${secs}s)"
        sed 's/^/  serial: /' "$out.txt" | tail -n 20
        sed 's/^/  stderr: /' "$err" | tail -n 20
        status=1
    fi
done
exit $status
