#!/bin/sh
# Slow, opt-in: boot Debian's kernel by the x86 boot protocol under
# vmp --accel $ACCEL with console=ttyS0 earlyprintk=ttyS0, pass when its
# first messages ("Linux version ...") come out of our UART, and say how
# far it got: its last message, and the instruction the emulator stopped
# on if it met one it does not implement.
#   ACCEL=kvm (`make check-linux`, the default): SKIP where /dev/kvm is
#     absent; stops LINUX_AFTER (default 20) seconds after the first
#     messages. LINUX_TIMEOUT defaults to 300.
#   ACCEL=emu (`make check-linux-emu`; no KVM needed): runs on until the
#     kernel panics or gives up, or LINUX_TIMEOUT (default 120) runs out,
#     to show how far it gets (LINUX_AFTER bounds that if set).
# The kernel package is downloaded with apt-get into cache/linux (git
# ignores cache/). vmp decompresses the xz payload itself; on a PVM host,
# where guest kernel code is emulated, the kernel's own decompressor alone
# would take far longer. LINUX_DECOMPRESS=no boots through the kernel's
# own decompressor.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
CACHE=${CACHE:-cache/linux}
ACCEL=${ACCEL:-kvm}
case "$ACCEL" in
kvm) U="" LINUX_TIMEOUT=${LINUX_TIMEOUT:-300} LINUX_AFTER=${LINUX_AFTER:-20} ;;
emu) U=" under emu" LINUX_TIMEOUT=${LINUX_TIMEOUT:-120} LINUX_AFTER=${LINUX_AFTER:-} ;;
*) echo "FAIL: tests/linux/boot.sh: ACCEL=$ACCEL (want kvm or emu)"; exit 1 ;;
esac
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
if [ "$ACCEL" = kvm ] && { [ ! -c "$KVM" ] || [ ! -r "$KVM" ] || [ ! -w "$KVM" ]; }; then
    echo "SKIP: Linux boot ($KVM absent)"
    exit 0
fi
mkdir -p "$CACHE"
kernel=$(ls "$CACHE"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -z "$kernel" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -n 1)
    if [ -z "$pkg" ]; then
        echo "SKIP: Linux boot$U (apt-cache knows no linux-image-amd64; run apt-get update)"
        exit 0
    fi
    echo "downloading $pkg into $CACHE"
    (cd "$CACHE" && apt-get download "$pkg" > /dev/null 2>&1) || {
        echo "SKIP: Linux boot$U (apt-get download $pkg failed)"
        exit 0
    }
    dpkg-deb -x "$CACHE"/"$pkg"_*.deb "$CACHE/x"
    kernel=$(ls "$CACHE"/x/boot/vmlinuz-* | head -n 1)
fi
extra=""
[ "${LINUX_DECOMPRESS:-yes}" = no ] && extra="--no-decompress"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "booting $kernel under --accel $ACCEL (up to ${LINUX_TIMEOUT}s)"
start=$(date +%s)
VMP_STATS=1 "$VMP" --accel "$ACCEL" --kernel "$kernel" --mem 512M --serial "file:$tmp/out" \
    $extra --append "console=ttyS0 earlyprintk=ttyS0" --timeout "$LINUX_TIMEOUT" \
    < /dev/null > /dev/null 2> "$tmp/err" &
pid=$!
seen=""
while kill -0 "$pid" 2>/dev/null; do
    now=$(date +%s)
    if [ -z "$seen" ] && grep -q "Linux version" "$tmp/out" 2>/dev/null; then
        seen=$((now - start))
    fi
    # Enough seen, or a kernel that gave up (panic, no FPU) and only idles.
    if { [ -n "$seen" ] && [ -n "$LINUX_AFTER" ] && [ $((now - start - seen)) -ge "$LINUX_AFTER" ]; } ||
        grep -q "Kernel panic\|Giving up" "$tmp/out" 2>/dev/null; then
        sleep 2
        kill -TERM "$pid" 2>/dev/null
        break
    fi
    sleep 1
done
wait "$pid" 2>/dev/null
total=$(( $(date +%s) - start ))
[ -z "$seen" ] && grep -q "Linux version" "$tmp/out" && seen=$total
# The first lines and the last ones.
tr -d '\r' < "$tmp/out" > "$tmp/log"
n=$(grep -c '' "$tmp/log")
if [ "$n" -le 55 ]; then
    sed 's/^/  ttyS0: /' "$tmp/log"
else
    head -n 40 "$tmp/log" | sed 's/^/  ttyS0: /'
    echo "  ttyS0: [... $((n - 55)) lines ...]"
    tail -n 15 "$tmp/log" | sed 's/^/  ttyS0: /'
fi
sed 's/^/  /' "$tmp/err"
gap=$(sed -n 's/.*the emulator cannot execute //p' "$tmp/err" | head -n 1)
last=$(grep -v '^$' "$tmp/log" | tail -n 1)
if [ -n "$seen" ]; then
    echo "ok: Debian kernel$U printed its first messages through the UART after ${seen}s" \
         "($n lines in ${total}s; the last: $last)"
    [ -n "$gap" ] && echo "  the emulator stopped on $gap"
    exit 0
fi
echo "FAIL: no \"Linux version\" on ttyS0$U within ${total}s${gap:+ (the emulator stopped on $gap)}"
exit 1
