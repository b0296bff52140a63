#!/bin/sh
# Boots every guest test kernel ($BUILD/guests/*.elf) under vmp --accel emu
# (the x86 emulator backend; no KVM needed) with the same checks as run.sh:
# at least one "PASS:" line on COM1, no "FAIL:" line, and vmp's exit status
# 1 (the guest wrote 0 to the debug-exit port 0xF4). A guest's extra vmp
# flags come from a "VMP_ARGS:" line in its source. When the emulator
# stops on an instruction it does not implement, the guest is reported as
# "SKIP: ... (emulator lacks ...)" with the instruction bytes and mode,
# never as a pass. ACCEL=auto runs the same set under --accel auto.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
ACCEL=${ACCEL:-emu}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
for elf in "$BUILD"/guests/*.elf; do
    [ -e "$elf" ] || continue
    name=$(basename "$elf" .elf)
    src="tests/guests/$name.c"
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
    if [ "$rc" -eq 6 ] && grep -q "the emulator cannot execute" "$err"; then
        echo "SKIP: guest $name under $ACCEL (emulator lacks $(sed -n 's/.*the emulator cannot execute //p' "$err" | head -n 1))"
        continue
    fi
    npass=$(grep -c '^PASS:' "$out.txt")
    nfail=$(grep -c '^FAIL:' "$out.txt")
    grep -E '^(PASS|FAIL|SKIP):' "$out.txt" | sed "s/^/  $name: /"
    if [ "$rc" -eq 1 ] && [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]; then
        echo "ok: guest $name under $ACCEL ($npass checks, ${secs}s)"
    else
        echo "FAIL: guest $name under $ACCEL (exit status $rc, $npass passed, $nfail failed, ${secs}s)"
        sed 's/^/  serial: /' "$out.txt" | tail -n 20
        sed 's/^/  stderr: /' "$err" | tail -n 20
        status=1
    fi
done
exit $status
