# Shared by the boot tests: Debian's kernel in cache/linux (downloaded the
# way tests/linux/boot.sh does) and a tiny initramfs.

# boot_kernel CACHE: prints the vmlinuz path, or a reason and returns 1.
boot_kernel() {
    cache=$1
    mkdir -p "$cache"
    k=$(ls "$cache"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
    if [ -z "$k" ]; then
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
              sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -n 1)
        [ -n "$pkg" ] || { echo "apt-cache knows no linux-image-amd64"; return 1; }
        (cd "$cache" && apt-get download "$pkg" > /dev/null 2>&1) ||
            { echo "apt-get download $pkg failed"; return 1; }
        dpkg-deb -x "$cache"/"$pkg"_*.deb "$cache/x"
        k=$(ls "$cache"/x/boot/vmlinuz-* | head -n 1)
    fi
    echo "$k"
}

# make_initramfs FILE: a newc cpio archive with one file, /init (a shell
# script the kernel cannot run without a shell: the boot tests stop long
# before init), written with printf so no cpio tool is needed.
make_initramfs() {
    f=$1
    body='#!/bin/sh
echo vmp initramfs'
    : > "$f"
    newc_entry "$f" 1 100755 init "$body"
    newc_entry "$f" 0 0 TRAILER!!! ""
}

newc_entry() {
    f=$1 ino=$2 mode=$3 name=$4 data=$5
    size=$(printf '%s' "$data" | wc -c)
    namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" "$((0$mode))" 0 0 1 0 "$size" 0 0 0 0 "$namesize" 0 >> "$f"
    printf '%s\000' "$name" >> "$f"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    [ $pad -gt 0 ] && head -c $pad /dev/zero >> "$f"
    printf '%s' "$data" >> "$f"
    pad=$(( (4 - size % 4) % 4 ))
    [ $pad -gt 0 ] && head -c $pad /dev/zero >> "$f"
    return 0
}
