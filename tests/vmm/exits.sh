#!/bin/sh
# vmp's exit statuses (docs/vmp.md): debug exit (v << 1) | 1, ACPI S5 0, reset 4,
# timeout 8, SIGINT/SIGTERM 130, each with a clean teardown (no stray
# output on stderr beyond the one reason line). ACCEL picks the backend
# (kvm by default; tests/emu/exits.sh runs it with emu). With kvm it prints
# SKIP where /dev/kvm is absent or unusable.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
G="$BUILD/guests/aux/exits.elf"
ACCEL=${ACCEL:-kvm}
P=""
[ "$ACCEL" = kvm ] || P="$ACCEL: "
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
if [ "$ACCEL" = kvm ] && { [ ! -c "$KVM" ] || [ ! -r "$KVM" ] || [ ! -w "$KVM" ]; }; then
    echo "SKIP: vmp exit statuses ($KVM absent)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

expect() {
    name=$1 want=$2 pattern=$3
    shift 3
    "$VMP" --accel "$ACCEL" --kernel "$G" --serial none --mem 32M "$@" < /dev/null > /dev/null 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/err"; }; then
        echo "ok: ${P}$name: status $rc $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: ${P}$name: status $rc (want $want)"
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

# The JSON machine description says what the flags say, and flags given
# as well override it.
printf '{ "kernel": "%s", "append": "exit=5", "mem": 32, "smp": 2, "serial": "none", "accel": "%s" }' \
    "$G" "$ACCEL" > "$tmp/m.json"
"$VMP" --config "$tmp/m.json" < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 11 ]; then echo "ok: ${P}JSON config: status $rc"; else
    echo "FAIL: ${P}JSON config: status $rc (want 11)"; sed 's/^/  /' "$tmp/err"; status=1; fi
"$VMP" --config "$tmp/m.json" --append exit=6 < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 13 ]; then echo "ok: ${P}flag overrides JSON: status $rc"; else
    echo "FAIL: ${P}flag overrides JSON: status $rc (want 13)"; sed 's/^/  /' "$tmp/err"; status=1; fi

# SIGINT (what Ctrl-C sends) and SIGTERM end the run with status 130.
for sig in INT TERM; do
    "$VMP" --accel "$ACCEL" --kernel "$G" --serial none --mem 32M --append hang < /dev/null \
        > /dev/null 2> "$tmp/err" &
    pid=$!
    sleep 0.5
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 130 ] && grep -q "signal" "$tmp/err"; then
        echo "ok: ${P}SIG$sig: status $rc $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: ${P}SIG$sig: status $rc (want 130)"
        sed 's/^/  /' "$tmp/err"
        status=1
    fi
done
exit $status
