#!/bin/sh
# Dumps the ACPI tables of the reference board for 1, 4 and 255 vCPUs and
# checks them with acpica: `iasl -d` on every table must report no error
# or warning (a wrong checksum is a warning), and recompiling each
# disassembly must give 0 errors and 0 warnings. The RSDP is checked by the
# unit tests (this iasl cannot disassemble a bare RSDP).
# Every _CRS must disassemble as a ResourceTemplate (not a raw Buffer). With
# acpiexec, the tables must load into an ACPICA namespace without errors
# and \_S5, PCI0's _CRS and its 128-entry _PRT must evaluate, and after
# \_PIC (1) (APIC mode) \PICM must hold 1.
# SMBIOS: dump_acpi checks the structure itself; with dmidecode installed,
# `dmidecode --from-dump` must list one processor per vCPU.
set -e
BUILD=${BUILD:-build}
DUMP="$BUILD/tests/dump_acpi"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
if ! command -v iasl >/dev/null 2>&1; then
    echo "acpi: SKIP iasl (install acpica-tools)"
    have_iasl=0
else
    have_iasl=1
fi
for cpus in 1 4 255; do
    d="$tmp/$cpus"
    mkdir -p "$d"
    "$DUMP" "$cpus" "$d"
    if [ $have_iasl = 1 ]; then
        for f in "$d"/*.dat; do
            name=${f##*/}
            [ "$name" = rsdp.dat ] && continue
            out=$(cd "$d" && iasl -d "$name" 2>&1) || {
                echo "acpi: $cpus cpus: iasl -d $name failed:"; echo "$out"; status=1; continue; }
            if echo "$out" | grep -qiE 'warning|error'; then
                echo "acpi: $cpus cpus: iasl -d $name:"; echo "$out" | grep -iE 'warning|error'
                status=1
            fi
            dsl=${name%.dat}.dsl
            out=$(cd "$d" && iasl -p "recompiled_${name%.dat}" "$dsl" 2>&1) || true
            if ! echo "$out" | grep -q ' 0 Errors, 0 Warnings'; then
                echo "acpi: $cpus cpus: recompiling $dsl:"; echo "$out" | grep -iE 'warning|error'
                status=1
            fi
        done
        crs=$(grep -c 'Name (_CRS,' "$d/dsdt.dsl" || true)
        rt=$(grep -c 'Name (_CRS, ResourceTemplate ()' "$d/dsdt.dsl" || true)
        if [ "$crs" = 0 ] || [ "$crs" != "$rt" ]; then
            echo "acpi: $cpus cpus: $rt of $crs _CRS objects decode as resource templates"; status=1
        fi
    fi
    if command -v acpiexec >/dev/null 2>&1; then
        out=$(cd "$d" && timeout 60 acpiexec -b 'evaluate \_S5; evaluate \_SB.PCI0._CRS; evaluate \_SB.PCI0._PRT; evaluate \_PIC 1; evaluate \PICM' \
              dsdt.dat facp.dat apic.dat hpet.dat mcfg.dat 2>&1) || true
        if echo "$out" | grep -qE 'ACPI (Error|Exception|Warning)' ||
           ! echo "$out" | grep -q 'Contains 128 Elements' ||
           ! echo "$out" | grep -q 'Evaluation of \\_S5 returned' ||
           ! echo "$out" | grep -A1 'Evaluation of \\PICM returned' | grep -q 'Integer\] = 0000000000000001'; then
            echo "acpi: $cpus cpus: acpiexec:"; echo "$out" | grep -E 'ACPI (Error|Exception|Warning)|Evaluation'
            status=1
        fi
    fi
done
if [ $status = 0 ] && [ $have_iasl = 1 ]; then
    if command -v acpiexec >/dev/null 2>&1; then
        echo "acpi: iasl -d, recompile and acpiexec clean for 1, 4 and 255 vCPUs"
    else
        echo "acpi: iasl -d and recompile clean for 1, 4 and 255 vCPUs (acpiexec missing)"
    fi
fi

if ! command -v dmidecode >/dev/null 2>&1; then
    echo "smbios: SKIP dmidecode (install dmidecode)"
    exit $status
fi
for cpus in 1 4 255; do
    f="$tmp/$cpus/smbios.bin"
    out=$(dmidecode --from-dump "$f" 2>&1) || { echo "smbios: dmidecode failed:"; echo "$out"; status=1; continue; }
    n=$(echo "$out" | grep -c '^Processor Information$' || true)
    if [ "$n" != "$cpus" ]; then
        echo "smbios: $cpus cpus: dmidecode lists $n processors"; status=1
    fi
    if ! echo "$out" | grep -q 'SMBIOS 3.0.0 present' || ! echo "$out" | grep -q '^End Of Table$'; then
        echo "smbios: $cpus cpus: no SMBIOS 3.0.0 entry point or no end of table"; status=1
    fi
    if echo "$out" | grep -qiE 'invalid|wrong|truncated|checksum|<OUT OF SPEC>|<BAD INDEX>|unknown type'; then
        echo "smbios: $cpus cpus: dmidecode complains:"
        echo "$out" | grep -iE 'invalid|wrong|truncated|checksum|<OUT OF SPEC>|<BAD INDEX>|unknown type'
        status=1
    fi
done
[ $status = 0 ] && echo "smbios: dmidecode reads 1, 4 and 255 processors cleanly"
exit $status
