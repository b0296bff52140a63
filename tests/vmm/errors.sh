#!/bin/sh
# Bad inputs to vmp: each must fail with exit status 2 and the expected
# message on stderr, without crashing. None of these needs KVM.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# expect NAME STATUS PATTERN -- vmp args...
expect() {
    name=$1 want=$2 pattern=$3
    shift 4
    "$VMP" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$tmp/err"; then
        echo "ok: $name: $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: $name: status $rc (want $want), stderr:"
        sed 's/^/  /' "$tmp/err"
        echo "  (wanted a line matching: $pattern)"
        status=1
    fi
}

# Test images, made from the loader's fuzz seeds (byte 0 is the harness's
# selector). A bzImage whose header promises more kernel than the file has:
tail -c +2 fuzz/corpus/loader/bz64 > "$tmp/bz"
head -c 2900 "$tmp/bz" > "$tmp/bz.trunc"
# A Multiboot header whose checksum is off by one:
tail -c +2 fuzz/corpus/loader/mb_aout > "$tmp/mb"
cp "$tmp/mb" "$tmp/mb.ok"
printf '\001' | dd of="$tmp/mb" bs=1 seek=8 conv=notrunc 2>/dev/null
mkdir "$tmp/dir"
printf '{ "kernel": "k", "smp": 1, "memory": "1G" }' > "$tmp/unknown.json"
printf '{ "kernel": "k", "modules": ["a", 7] }' > "$tmp/badmod.json"
printf '{ "kernel": "k", "smp": 0 }' > "$tmp/smp0.json"
printf '{ "kernel": "k",, }' > "$tmp/syntax.json"

expect "missing kernel file" 2 "--kernel $tmp/nonexistent: No such file or directory" -- \
    --kernel "$tmp/nonexistent"
expect "no kernel" 2 "no kernel" --
expect "truncated bzImage" 2 "bzImage truncated: header says 1024 bytes of kernel, file has 340" -- \
    --kernel "$tmp/bz.trunc"
expect "multiboot bad checksum" 2 "Multiboot header at offset 0x0 has a bad checksum" -- \
    --kernel "$tmp/mb"
expect "--mem 0" 2 "--mem: 0: guest memory must be from 2M to 1T" -- --kernel "$tmp/bz" --mem 0
expect "--mem garbage" 2 "--mem: '12Q' is not a size" -- --kernel "$tmp/bz" --mem 12Q
expect "--smp 0" 2 "--smp: 0: the number of vCPUs must be from 1 to 64" -- \
    --kernel "$tmp/bz" --smp 0
expect "JSON unknown key" 2 "$tmp/unknown.json: \$.memory: unknown key" -- \
    --config "$tmp/unknown.json"
expect "JSON bad module" 2 "$tmp/badmod.json: \$.modules\[1\]: must be a string" -- \
    --config "$tmp/badmod.json"
expect "JSON smp 0" 2 "$tmp/smp0.json: \$.smp: 0: the number of vCPUs must be from 1 to 64" -- \
    --config "$tmp/smp0.json"
expect "JSON syntax" 2 "$tmp/syntax.json: line 1: JSON syntax error" -- --config "$tmp/syntax.json"
expect "unreadable initrd (a directory)" 2 "--initrd $tmp/dir: Is a directory" -- \
    --kernel "$tmp/bz" --initrd "$tmp/dir"
expect "unreadable config" 2 "--config $tmp/none.json: No such file or directory" -- \
    --config "$tmp/none.json"
if [ "$(id -u)" -ne 0 ]; then
    cp "$tmp/bz" "$tmp/noread" && chmod 000 "$tmp/noread"
    expect "unreadable kernel" 2 "--kernel $tmp/noread: Permission denied" -- \
        --kernel "$tmp/noread"
fi
expect "unknown flag" 2 "unknown option '--frobnicate'" -- --frobnicate
expect "bad serial" 2 "--serial: 'tty': must be stdio, file:PATH or none" -- \
    --kernel "$tmp/bz" --serial tty
expect "initrd with multiboot" 2 "--initrd is for Linux kernels" -- \
    --kernel "$tmp/mb.ok" --initrd "$tmp/bz"
"$VMP" --help | grep -q -- "--kernel FILE" && echo "ok: --help" || { echo "FAIL: --help"; status=1; }
"$VMP" --version | grep -q "^vmp (vmparts) [0-9]" && echo "ok: --version" ||
    { echo "FAIL: --version"; status=1; }
exit $status
