#!/bin/sh
# Slow, opt-in (`make check-linux-emu`): boot Debian's kernel under
# vmp --accel emu (the x86 emulator; no KVM needed) with console=ttyS0
# earlyprintk=ttyS0, pass when "Linux version ..." comes out of the UART,
# and say how far the kernel got: its last message, and the instruction
# the emulator stopped on if it met one it does not implement. The kernel
# is the one tests/linux/boot.sh uses (apt-get download into cache/linux,
# which git ignores). LINUX_TIMEOUT (seconds, default 120) bounds the run.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
CACHE=${CACHE:-cache/linux}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-120}
mkdir -p "$CACHE"
kernel=$(ls "$CACHE"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -z "$kernel" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -n 1)
    if [ -z "$pkg" ]; then
        echo "SKIP: Linux boot under emu (apt-cache knows no linux-image-amd64; run apt-get update)"
        exit 0
    fi
    echo "downloading $pkg into $CACHE"
    (cd "$CACHE" && apt-get download "$pkg" > /dev/null 2>&1) || {
        echo "SKIP: Linux boot under emu (apt-get download $pkg failed)"
        exit 0
    }
    dpkg-deb -x "$CACHE"/"$pkg"_*.deb "$CACHE/x"
    kernel=$(ls "$CACHE"/x/boot/vmlinuz-* | head -n 1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "booting $kernel under --accel emu (up to ${LINUX_TIMEOUT}s)"
start=$(date +%s)
VMP_STATS=1 "$VMP" --accel emu --kernel "$kernel" --mem 512M --serial "file:$tmp/out" \
    --append "console=ttyS0 earlyprintk=ttyS0" --timeout "$LINUX_TIMEOUT" \
    < /dev/null > /dev/null 2> "$tmp/err" &
pid=$!
seen=""
while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$seen" ] && grep -q "Linux version" "$tmp/out" 2>/dev/null; then
        seen=$(( $(date +%s) - start ))
    fi
    # A kernel that gave up (panic, no FPU) only idles: stop it early.
    if grep -q "Kernel panic\|Giving up" "$tmp/out" 2>/dev/null; then
        sleep 2
        kill -TERM "$pid" 2>/dev/null
        break
    fi
    sleep 1
done
wait "$pid" 2>/dev/null
total=$(( $(date +%s) - start ))
[ -z "$seen" ] && grep -q "Linux version" "$tmp/out" && seen=$total
tr -d '\r' < "$tmp/out" | tail -n 15 | sed 's/^/  ttyS0: /'
sed 's/^/  /' "$tmp/err"
gap=$(sed -n 's/.*the emulator cannot execute //p' "$tmp/err" | head -n 1)
last=$(tr -d '\r' < "$tmp/out" | grep -v '^$' | tail -n 1)
if [ -n "$seen" ]; then
    echo "ok: Debian kernel under emu printed its first messages after ${seen}s; after ${total}s its last was: $last"
    [ -n "$gap" ] && echo "  the emulator stopped on $gap"
    exit 0
fi
echo "FAIL: no \"Linux version\" from the kernel under emu within ${total}s${gap:+ (the emulator stopped on $gap)}"
exit 1
