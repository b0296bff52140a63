#!/bin/sh
# Slow, opt-in (`make check-boot`): a FAT disk image made with mtools and
# Debian's SYSLINUX (`syslinux --install`, no root needed) holding Debian's
# kernel (downloaded into cache/linux as `make check-linux` does) and a
# small initramfs, booted with `vmp --disk` and no --kernel: reset vector,
# POST, the FAT boot sector, ldlinux.sys, then SYSLINUX loads the kernel
# and initrd through INT 13h and starts it.
#   --accel kvm: SYSLINUX's banner and its "Loading vmlinuz... ok" /
#     "Loading initrd.img... ok" lines on the serial console, and the
#     kernel's real-mode setup code calling INT 15h E820 (VMP_BIOS_TRACE).
#   --accel emu: the kernel's first printk line ("Linux version") with
#     earlyprintk=ttyS0.
# Packages: syslinux, syslinux-common, mtools, dosfstools. KVM_TIMEOUT and
# EMU_TIMEOUT (seconds) bound the runs.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
CACHE=${CACHE:-cache/linux}
KVM_TIMEOUT=${KVM_TIMEOUT:-600}
EMU_TIMEOUT=${EMU_TIMEOUT:-1800}
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
SYSLINUX_MODS=/usr/lib/syslinux/modules/bios
for tool in syslinux mcopy mkfs.fat; do
    command -v $tool >/dev/null 2>&1 || {
        echo "SKIP: SYSLINUX boot ($tool missing: install syslinux mtools dosfstools)"; exit 0; }
done
. tests/boot/kernel.sh
kernel=$(boot_kernel "$CACHE") || { echo "SKIP: SYSLINUX boot ($kernel)"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

make_initramfs "$tmp/initrd.img"
cat > "$tmp/syslinux.cfg" <<'CFG'
SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT linux
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND console=ttyS0 earlyprintk=ttyS0 panic=-1
CFG
# A FAT16 "superfloppy" (no partition table): the boot sector at LBA 0.
ksize=$(( $(stat -c %s "$kernel") / 1024 + 4096 ))
mkfs.fat -C -F 16 -n VMPBOOT "$tmp/disk.img" "$ksize" > /dev/null
syslinux --install "$tmp/disk.img"
mcopy -i "$tmp/disk.img" "$kernel" ::vmlinuz
mcopy -i "$tmp/disk.img" "$tmp/initrd.img" ::initrd.img
mcopy -i "$tmp/disk.img" "$tmp/syslinux.cfg" ::syslinux.cfg

# run ACCEL TIMEOUT PATTERN FILE: run until PATTERN is in FILE (the
# console or the log), or the timeout; prints the seconds it took.
run() {
    accel=$1 limit=$2 pattern=$3 watch=$4
    out="$tmp/$accel.out"
    : > "$out"
    start=$(date +%s)
    VMP_STATS=1 VMP_BIOS_TRACE=1 "$VMP" --accel "$accel" --disk "$tmp/disk.img,readonly" --mem 512M \
        --serial "file:$out" --timeout "$limit" < /dev/null > /dev/null 2> "$tmp/$accel.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if grep -aq "$pattern" "$watch" 2>/dev/null; then
            sleep 2
            kill -TERM "$pid" 2>/dev/null
            break
        fi
        sleep 1
    done
    wait "$pid" 2>/dev/null
    echo $(( $(date +%s) - start ))
}

if [ -c "$KVM" ] && [ -r "$KVM" ] && [ -w "$KVM" ]; then
    # The E820 calls that matter come after SYSLINUX has loaded the kernel:
    # from the kernel's real-mode setup code, which runs at 1000h:0.
    secs=$(run kvm "$KVM_TIMEOUT" "INT 15h AX=E820 .* from 1000:" "$tmp/kvm.err")
    out="$tmp/kvm.out"
    missing=""
    grep -aq "SYSLINUX" "$out" || missing="$missing [SYSLINUX banner]"
    grep -aq "Loading vmlinuz\.\.\..*ok" "$out" || missing="$missing [Loading vmlinuz... ok]"
    grep -aq "Loading initrd.img\.\.\..*ok" "$out" || missing="$missing [Loading initrd.img... ok]"
    # E820 after the kernel was loaded: a call from the kernel's setup
    # segment (SYSLINUX's own E820 calls come from its own code).
    grep -q "bios: trace: INT 15h AX=E820 .* from 1000:" "$tmp/kvm.err" ||
        missing="$missing [INT 15h E820 from the kernel's setup code in the BIOS trace]"
    if [ -z "$missing" ]; then
        echo "ok: SYSLINUX under --accel kvm: banner, Loading lines, E820 in the trace (${secs}s)"
    else
        echo "FAIL: SYSLINUX under --accel kvm after ${secs}s: missing$missing"
        status=1
    fi
    tr -d '\r' < "$out" | head -n 30 | sed 's/^/  ttyS0: /'
    grep "INT 15h AX=E820 .* from 1000:" "$tmp/kvm.err" | head -n 3 | sed 's/^/  /'
else
    echo "SKIP: SYSLINUX under --accel kvm ($KVM absent)"
fi

secs=$(run emu "$EMU_TIMEOUT" "Linux version" "$tmp/emu.out")
if grep -aq "Linux version" "$tmp/emu.out"; then
    echo "ok: SYSLINUX under --accel emu: the kernel printed 'Linux version' after ${secs}s"
    grep "stats: emu_" "$tmp/emu.err" | sed 's/^/  /'
else
    echo "FAIL: SYSLINUX under --accel emu: no 'Linux version' after ${secs}s"
    grep -v "bios: trace" "$tmp/emu.err" | tail -n 5 | sed 's/^/  stderr: /'
    status=1
fi
tr -d '\r' < "$tmp/emu.out" | head -n 12 | sed 's/^/  ttyS0: /'
exit $status
