#!/bin/sh
# vmp --dump-acpi DIR: the tables of the machine vmp would run (its vCPU
# count, the HPET model's ID) as DIR/*.dat, then exit 0 without running a
# guest. Every table but the FACS (which has none) must sum to 0 (the RSDP
# over all 36 bytes, which with its first-20-byte checksum right means both
# are), the expected set must be there, and `iasl -d` must disassemble each
# with no error or warning (this iasl cannot take a bare RSDP).
set -u
BUILD=${BUILD:-build}
VMP="$BUILD/vmp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for smp in 1 4; do
    d="$tmp/acpi$smp"
    if ! "$VMP" --dump-acpi "$d" --smp "$smp" < /dev/null > "$tmp/out" 2>&1; then
        echo "FAIL: vmp --dump-acpi $d --smp $smp:"; cat "$tmp/out"; status=1; continue
    fi
    for t in rsdp rsdt xsdt facp facs dsdt apic hpet mcfg; do
        [ -s "$d/$t.dat" ] || { echo "FAIL: --smp $smp: no $t.dat"; status=1; }
    done
    for f in "$d"/*.dat; do
        name=${f##*/}
        [ "$name" = facs.dat ] && continue
        sum=$(od -An -v -tu1 "$f" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }')
        [ "$sum" = 0 ] || { echo "FAIL: --smp $smp: $name sums to $sum, not 0"; status=1; }
    done
    # The MADT has one Processor Local APIC entry (type 0, length 8) per vCPU.
    n=$(od -An -v -tu1 -j 44 "$d/apic.dat" | tr -s ' ' '\n' | grep -v '^$' |
        awk 'BEGIN { i = 0 } { b[i++] = $1 } END { n = 0; for (p = 0; p < i; p += b[p + 1]) { if (b[p] == 0) n++; if (b[p + 1] == 0) break } print n }')
    [ "$n" = "$smp" ] || { echo "FAIL: --smp $smp: the MADT lists $n local APICs"; status=1; }
    if command -v iasl >/dev/null 2>&1; then
        for f in "$d"/*.dat; do
            name=${f##*/}
            [ "$name" = rsdp.dat ] && continue
            out=$(cd "$d" && iasl -d "$name" 2>&1) || {
                echo "FAIL: --smp $smp: iasl -d $name failed:"; echo "$out"; status=1; continue; }
            if echo "$out" | grep -qiE 'warning|error'; then
                echo "FAIL: --smp $smp: iasl -d $name:"; echo "$out" | grep -iE 'warning|error'
                status=1
            fi
        done
        # The HPET table carries the model's Event Timer Block ID.
        # 8086A201: vendor 8086h, LegacyReplacement capable, 3 comparators, rev 1.
        grep -q "Hardware Block ID : 8086A201" "$d/hpet.dsl" ||
            { echo "FAIL: --smp $smp: hpet.dsl has no block ID"; status=1; }
    else
        echo "SKIP: iasl -d of vmp --dump-acpi (install acpica-tools)"
    fi
    [ $status = 0 ] && echo "ok: vmp --dump-acpi --smp $smp: $(ls "$d"/*.dat | wc -l) tables, checksums right, $n local APICs$(command -v iasl >/dev/null 2>&1 && echo ', iasl -d clean')"
done
# A directory that cannot be made is a usage error.
"$VMP" --dump-acpi /nonexistent/dir/acpi < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--dump-acpi /nonexistent/dir/acpi" "$tmp/err"; then
    echo "ok: --dump-acpi into a missing parent: $(cat "$tmp/err")"
else
    echo "FAIL: --dump-acpi into a missing parent: status $rc (want 2)"; cat "$tmp/err"; status=1
fi
exit $status
