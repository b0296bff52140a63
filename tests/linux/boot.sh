#!/bin/sh
# Slow, opt-in (`make check-linux`): boot Debian's kernel by the x86 boot
# protocol under vmp --accel kvm with console=ttyS0 earlyprintk=ttyS0, and
# pass when its first messages ("Linux version ...") come out of our UART.
# The kernel package is downloaded with apt-get into cache/linux (git
# ignores cache/). vmp decompresses the xz payload itself; on a PVM host,
# where guest kernel code is emulated, the kernel's own decompressor alone
# would take far longer. LINUX_TIMEOUT (seconds, default 300) bounds the
# run; LINUX_DECOMPRESS=no boots through the kernel's own decompressor.
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
CACHE=${CACHE:-cache/linux}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-300}
KVM=${VMP_KVM_DEVICE:-/dev/kvm}
if [ ! -c "$KVM" ] || [ ! -r "$KVM" ] || [ ! -w "$KVM" ]; then
    echo "SKIP: Linux boot ($KVM absent)"
    exit 0
fi
mkdir -p "$CACHE"
kernel=$(ls "$CACHE"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -z "$kernel" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -n 1)
    if [ -z "$pkg" ]; then
        echo "SKIP: Linux boot (apt-cache knows no linux-image-amd64; run apt-get update)"
        exit 0
    fi
    echo "downloading $pkg into $CACHE"
    (cd "$CACHE" && apt-get download "$pkg" > /dev/null 2>&1) || {
        echo "SKIP: Linux boot (apt-get download $pkg failed)"
        exit 0
    }
    dpkg-deb -x "$CACHE"/"$pkg"_*.deb "$CACHE/x"
    kernel=$(ls "$CACHE"/x/boot/vmlinuz-* | head -n 1)
fi
extra=""
[ "${LINUX_DECOMPRESS:-yes}" = no ] && extra="--no-decompress"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "booting $kernel (up to ${LINUX_TIMEOUT}s)"
start=$(date +%s)
# The run ends at the timeout or when the first messages are seen.
"$VMP" --accel kvm --kernel "$kernel" --mem 512M --serial "file:$out" $extra \
    --append "console=ttyS0 earlyprintk=ttyS0" --timeout "$LINUX_TIMEOUT" < /dev/null &
pid=$!
seen=0
while kill -0 "$pid" 2>/dev/null; do
    if grep -q "Linux version" "$out" 2>/dev/null; then
        seen=$(( $(date +%s) - start ))
        sleep 20 # let a little more of the log come out
        kill -TERM "$pid" 2>/dev/null
        break
    fi
    sleep 1
done
wait "$pid" 2>/dev/null
tr -d '\r' < "$out" | head -n 40 | sed 's/^/  ttyS0: /'
if grep -q "Linux version" "$out"; then
    echo "ok: Debian kernel printed its first messages through the UART after ${seen}s" \
         "($(grep -c . "$out") lines in total)"
    exit 0
fi
echo "FAIL: no 'Linux version' on ttyS0 within ${LINUX_TIMEOUT}s"
exit 1
