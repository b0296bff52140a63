#!/bin/sh
# --accel: kvm, emu and auto (docs/vmp.md). Needs no KVM: the emulator runs
# the guests, and auto is checked with KVM hidden (VMP_KVM_DEVICE naming a
# missing node), where it must take the emulator and say why.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
G="$BUILD/guests/realmode.elf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

ok() { echo "ok: accel: $1"; }
fail() {
    echo "FAIL: accel: $1"
    sed 's/^/  /' "$tmp/err"
    status=1
}

"$VMP" --accel bogus --kernel "$G" < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "'bogus': unknown accelerator (kvm, emu or auto)" "$tmp/err"; then
    ok "unknown accelerator is a usage error"
else
    fail "unknown accelerator: status $rc (want 2)"
fi

# The emulator needs no KVM at all.
VMP_KVM_DEVICE=/nonexistent "$VMP" --accel emu --kernel "$G" --serial "file:$tmp/out" \
    --timeout 30 < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^PASS:' "$tmp/out" && ! grep -q '^FAIL:' "$tmp/out"; then
    ok "--accel emu runs a guest without KVM"
else
    fail "--accel emu without KVM: status $rc"
fi

# auto without KVM: the emulator, and one line saying why.
VMP_KVM_DEVICE=/nonexistent "$VMP" --kernel "$G" --serial "file:$tmp/out" \
    --timeout 30 < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(grep -c 'accel auto:' "$tmp/err")" -eq 1 ] &&
    grep -q "accel auto: emu (no usable KVM: /nonexistent: No such file or directory)" "$tmp/err"; then
    ok "auto (the default) without KVM: $(grep 'accel auto' "$tmp/err")"
else
    fail "auto without KVM: status $rc"
fi

# auto here: whatever it picks, it names it and a reason, and the guest runs.
"$VMP" --accel auto --kernel "$G" --serial "file:$tmp/out" \
    --timeout 30 < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -Eq "accel auto: (kvm|emu) \(.+\)" "$tmp/err"; then
    ok "auto on this host: $(grep 'accel auto' "$tmp/err")"
else
    fail "auto on this host: status $rc"
fi

# The JSON key says the same.
printf '{ "kernel": "%s", "accel": "emu", "serial": "file:%s" }' \
    "$G" "$tmp/out" > "$tmp/m.json"
VMP_KVM_DEVICE=/nonexistent "$VMP" --config "$tmp/m.json" --timeout 30 < /dev/null > /dev/null \
    2> "$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && ! grep -q 'accel auto' "$tmp/err"; then
    ok "JSON \"accel\": \"emu\""
else
    fail "JSON accel emu: status $rc"
fi
exit $status
