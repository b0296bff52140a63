#!/bin/sh
# vmp's exit statuses (docs/vmp.md) under --accel emu, with the guest of
# tests/vmm/exits.sh (tests/guests/aux/exits.c): debug exit (v << 1) | 1,
# ACPI S5 0, reset 4 (0xCF9, port 0x92, triple fault), timeout 8, SIGINT
# and SIGTERM 130. Needs no KVM.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
G="$BUILD/guests/aux/exits.elf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

expect() {
    name=$1 want=$2 pattern=$3
    shift 3
    "$VMP" --accel emu --kernel "$G" --serial none --mem 32M "$@" < /dev/null > /dev/null \
        2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/err"; }; then
        echo "ok: emu: $name: status $rc $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: emu: $name: status $rc (want $want)"
        sed 's/^/  /' "$tmp/err"
        status=1
    fi
}

expect "debug exit 0" 1 "" --append exit=0
expect "debug exit 33" 67 "" --append exit=33
expect "debug exit 127" 255 "" --append exit=127
expect "ACPI S5 power off" 0 "" --append s5
expect "reset via 0xCF9" 4 "guest hard reset" --append cf9
expect "reset via port 0x92" 4 "guest INIT reset" --append port92
expect "triple fault" 4 "triple fault" --append triple
expect "timeout" 8 "timeout after 0.5 s" --append hang --timeout 0.5

for sig in INT TERM; do
    "$VMP" --accel emu --kernel "$G" --serial none --mem 32M --append hang < /dev/null \
        > /dev/null 2> "$tmp/err" &
    pid=$!
    sleep 0.5
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 130 ] && grep -q "signal" "$tmp/err"; then
        echo "ok: emu: SIG$sig: status $rc $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: emu: SIG$sig: status $rc (want 130)"
        sed 's/^/  /' "$tmp/err"
        status=1
    fi
done
exit $status
