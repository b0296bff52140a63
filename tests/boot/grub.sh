#!/bin/sh
# Slow, opt-in (`make check-boot`): a GRUB 2 i386-pc disk made from
# Debian's grub-pc-bin (boot.img in sector 0, a core.img from grub-mkimage
# with biosdisk, serial and an embedded early config right after it, as
# grub-bios-setup would place them) booted with `vmp --disk`: the early
# config's line and GRUB's prompt ("grub rescue>", as the image has no
# /boot/grub to load normal.mod from) must come out of COM1, under
# --accel emu and --accel kvm. Package: grub-pc-bin.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
GRUB_TIMEOUT=${GRUB_TIMEOUT:-600}
GRUBDIR=/usr/lib/grub/i386-pc
if ! command -v grub-mkimage >/dev/null 2>&1 || [ ! -f "$GRUBDIR/boot.img" ]; then
    echo "SKIP: GRUB boot (install grub-pc-bin)"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
cat > "$tmp/early.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
echo vmp-grub-test: early config ran
CFG
grub-mkimage -O i386-pc -o "$tmp/core.img" -c "$tmp/early.cfg" -p '(hd0,msdos1)/boot/grub' \
    biosdisk part_msdos serial terminal echo || { echo "FAIL: grub-mkimage"; exit 1; }
# boot.img's kernel sector field (offset 5Ch) is 1 by default, and
# grub-mkimage sized diskboot's block list for core.img from sector 2 on.
cat "$GRUBDIR/boot.img" "$tmp/core.img" > "$tmp/disk.img"
truncate -s 4M "$tmp/disk.img"

run() {
    accel=$1
    out="$tmp/$accel.out"
    : > "$out"
    start=$(date +%s)
    "$VMP" --accel "$accel" --disk "$tmp/disk.img" --mem 128M --serial "file:$out" \
        --timeout "$GRUB_TIMEOUT" < /dev/null > /dev/null 2> "$tmp/$accel.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        grep -aq "grub rescue>" "$out" 2>/dev/null && { kill -TERM "$pid"; break; }
        sleep 1
    done
    wait "$pid" 2>/dev/null
    secs=$(( $(date +%s) - start ))
    if grep -aq "vmp-grub-test: early config ran" "$out" && grep -aq "grub rescue>" "$out"; then
        echo "ok: GRUB 2 under --accel $accel: early config and the 'grub rescue>' prompt on COM1 after ${secs}s"
    else
        echo "FAIL: GRUB 2 under --accel $accel: no prompt after ${secs}s"
        tr -d '\r' < "$out" | tail -n 5 | sed 's/^/  ttyS0: /'
        tail -n 3 "$tmp/$accel.err" | sed 's/^/  stderr: /'
        status=1
    fi
}
run emu
if [ -c "$KVM" ] && [ -r "$KVM" ] && [ -w "$KVM" ]; then
    run kvm
else
    echo "SKIP: GRUB 2 under --accel kvm ($KVM absent)"
fi
exit $status
