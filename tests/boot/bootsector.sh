#!/bin/sh
# vmp --disk without --kernel: the BIOS boots from the reset vector, and the
# boot sector of tests/boot/bootsector.S (assembled here with GNU as) checks
# DL, INT 13h AH=41h/42h, INT 15h E820, that the ROM is read-only and
# holds the RSDP and SMBIOS 3 anchors,
# printing through INT 10h. It must
# pass (status 1, every line on the console) under --accel emu, and under
# --accel kvm where /dev/kvm works. Then the --disk errors (status 2).
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

if ! command -v as >/dev/null 2>&1 || ! command -v ld >/dev/null 2>&1; then
    echo "SKIP: boot sector (GNU as/ld not installed)"
    exit 0
fi
as --32 -o "$tmp/bs.o" tests/boot/bootsector.S &&
    ld -m elf_i386 -Ttext 0x7C00 --oformat binary -o "$tmp/bs.bin" "$tmp/bs.o" || {
    echo "FAIL: cannot assemble tests/boot/bootsector.S"; exit 1; }
# Sector 0: the boot sector; sector 1: the line INT 13h AH=42h reads.
{ cat "$tmp/bs.bin"; printf 'bootsector: sector 2 says hello\r\n\000'; } > "$tmp/disk.img"
truncate -s 1M "$tmp/disk.img"

run() {
    accel=$1
    out="$tmp/$accel.out"
    "$VMP" --accel "$accel" --disk "$tmp/disk.img,readonly" --mem 64M --serial "file:$out" \
        --timeout 60 < /dev/null > /dev/null 2> "$tmp/$accel.err"
    rc=$?
    missing=""
    for line in "vmparts BIOS" "boot: started from disk 80h" \
                "bootsector: sector 2 says hello" "boot: E820 entries: " \
                "boot: ROM write ignored" "boot: RSDP, _SM3_" \
                "boot: all steps passed"; do
        grep -q "$line" "$out" || missing="$missing [$line]"
    done
    if [ "$rc" -eq 1 ] && [ -z "$missing" ]; then
        echo "ok: boot sector under --accel $accel: $(grep -a 'E820 entries' "$out" | tr -d '\r')"
    else
        echo "FAIL: boot sector under --accel $accel: status $rc (want 1), missing:$missing"
        sed 's/^/  console: /' "$out" | tr -d '\r'
        sed 's/^/  stderr: /' "$tmp/$accel.err"
        status=1
    fi
}
run emu
if [ -c "$KVM" ] && [ -r "$KVM" ] && [ -w "$KVM" ]; then
    run kvm
else
    echo "SKIP: boot sector under --accel kvm ($KVM absent)"
fi

# A disk without 55 AAh: INT 18h says so on the console and halts.
truncate -s 4096 "$tmp/blank.img"
"$VMP" --accel emu --disk "$tmp/blank.img" --mem 16M --serial "file:$tmp/blank.out" \
    --timeout 5 < /dev/null > /dev/null 2>&1
rc=$?
if [ "$rc" -eq 8 ] && grep -q "No bootable device" "$tmp/blank.out"; then
    echo "ok: unbootable disk: 'No bootable device.' and the guest halts (timeout)"
else
    echo "FAIL: unbootable disk: status $rc (want 8 after the timeout)"; cat "$tmp/blank.out"
    status=1
fi

# expect NAME PATTERN -- vmp args...: status 2 and the message.
expect() {
    name=$1 pattern=$2
    shift 3
    "$VMP" --accel emu "$@" < /dev/null > /dev/null 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- "$pattern" "$tmp/err"; then
        echo "ok: $name: $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: $name: status $rc (want 2), stderr:"; sed 's/^/  /' "$tmp/err"
        echo "  (wanted a line matching: $pattern)"
        status=1
    fi
}
head -c 511 "$tmp/disk.img" > "$tmp/short.img"
head -c 1000 "$tmp/disk.img" > "$tmp/odd.img"
mkdir "$tmp/dir"
printf '{ "disks": ["%s", 3] }' "$tmp/disk.img" > "$tmp/baddisk.json"
printf '{ "disks": "%s" }' "$tmp/disk.img" > "$tmp/notarray.json"
expect "missing disk" "--disk $tmp/nope.img: No such file or directory" -- --disk "$tmp/nope.img"
expect "disk is a directory" "--disk $tmp/dir: not a regular file" -- --disk "$tmp/dir"
expect "disk below one sector" "the image is 511 bytes; it must hold at least one 512-byte sector" -- \
    --disk "$tmp/short.img"
expect "disk not whole sectors" "the image is 1000 bytes, not a multiple of 512" -- \
    --disk "$tmp/odd.img"
expect "five disks" "--disk: at most 4 disks" -- --disk a --disk b --disk c --disk d --disk e
expect "empty --disk" "--disk: ',readonly': give FILE or FILE,readonly" -- --disk ,readonly
expect "JSON disk not a string" "$tmp/baddisk.json: \$.disks\[1\]: must be a string" -- \
    --config "$tmp/baddisk.json"
expect "JSON disks not an array" "$tmp/notarray.json: \$.disks: must be an array of strings" -- \
    --config "$tmp/notarray.json"
if [ "$(id -u)" != 0 ]; then
    cp "$tmp/disk.img" "$tmp/noread.img"; chmod 000 "$tmp/noread.img"
    expect "unreadable disk" "--disk $tmp/noread.img: Permission denied" -- --disk "$tmp/noread.img"
fi
exit $status
