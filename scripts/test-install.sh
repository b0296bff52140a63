#!/bin/sh
# `make install` into a scratch prefix, then build every example against
# the installed copy with pkg-config, statically and against the shared
# library, and run them. Part of `make check`.
set -e
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
MAKEFLAGS= make -s --no-print-directory install PREFIX="$prefix" BUILD=build SANITIZE=0 >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags vmparts)
libs=$(pkg-config --libs vmparts)
test -f "$prefix/include/vmparts/vmparts.h"
test -L "$prefix/lib/libvmparts.so.0"
soname=$(readelf -d "$prefix/lib/libvmparts.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libvmparts.so.0" ] || { echo "FAIL: soname is '$soname'"; exit 1; }
n=0
for ex in examples/*.c; do
    name=$(basename "$ex" .c)
    # shared (the default with -lvmparts when the .so is present)
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror $cflags -o "$prefix/$name" "$ex" $libs
    LD_LIBRARY_PATH="$prefix/lib" "$prefix/$name" > "$prefix/$name.out"
    ldd "$prefix/$name" | grep -q "$prefix/lib/libvmparts.so.0" 2>/dev/null \
        || LD_LIBRARY_PATH="$prefix/lib" ldd "$prefix/$name" | grep -q libvmparts.so.0
    # static
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror $cflags -o "$prefix/$name-static" "$ex" \
        "$prefix/lib/libvmparts.a" $(pkg-config --libs-only-l --static vmparts | sed 's/-lvmparts//')
    "$prefix/$name-static" > "$prefix/$name-static.out"
    cmp -s "$prefix/$name.out" "$prefix/$name-static.out"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no examples"; exit 1; }
echo "install: headers, libraries, vmparts.pc and $n example(s) built and run from $prefix"
