#!/bin/sh
# Opt-in (`make check-acpi-linux`): a real Linux reads our ACPI tables.
# QEMU's q35 machine runs with its own ACPI off (acpi=off); our table area,
# built for 4 vCPUs with the PM blocks where q35's ICH9 has them (0xB000),
# is loaded at 112 MiB by QEMU's loader device, reserved with memmap= and
# handed to Debian's kernel with acpi_rsdp=. The kernel's log must show
# every table, the MADT's CPUs and overrides, the interpreter, PCI0 with
# our windows, the PNP devices, and no ACPI error or firmware-bug message.
# Needs qemu-system-x86_64 and a kernel in cache/linux/x/boot (`make
# check-linux` downloads one); SKIP otherwise.
set -u
BUILD=${BUILD:-build}
CACHE=${CACHE:-cache/linux}
QEMU=${QEMU:-qemu-system-x86_64}
kernel=${VMP_LINUX_KERNEL:-$(ls "$CACHE"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)}
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
    echo "acpi-linux: SKIP (no kernel in $CACHE/x/boot; make check-linux fetches one)"
    exit 0
fi
if ! command -v "$QEMU" >/dev/null 2>&1; then
    echo "acpi-linux: SKIP ($QEMU missing: install qemu-system-x86)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base=0x7000000
rsdp=$("$BUILD/tests/dump_acpi" image 4 $base 0xB000 "$tmp/acpi.bin") || exit 1
timeout 300 "$QEMU" -machine q35,acpi=off -accel tcg -m 512 -smp 4 \
    -kernel "$kernel" -display none -no-reboot -serial "file:$tmp/log" \
    -append "console=ttyS0 acpi_rsdp=$rsdp memmap=64K\$$base panic=-1 loglevel=7" \
    -device loader,file="$tmp/acpi.bin",addr=$base,force-raw=on > "$tmp/qemu.out" 2>&1
status=0
need() {
    if ! grep -qE "$1" "$tmp/log"; then
        echo "acpi-linux: missing: $1"
        status=1
    fi
}
for sig in RSDP XSDT FACP DSDT APIC HPET MCFG; do
    need "ACPI: $sig 0x[0-9A-F]+ .*VMPART"
done
need 'ACPI: FACS 0x0*7000000 000040'
need 'ACPI: PM-Timer IO Port: 0xb008'
need 'INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)'
need 'INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)'
need 'LAPIC_NMI \(acpi_id\[0xff\] .*lint\[0x1\]\)'
need 'IOAPIC\[0\]: apic_id 4, .*address 0xfec00000, GSI 0-23'
need 'ACPI: HPET id: 0x8086a201 base: 0xfed00000'
need 'smpboot: Allowing 4 CPUs'
need 'smp: Brought up 1 node, 4 CPUs'
need 'ACPI: Interpreter enabled'
need 'ACPI: PM: \(supports S0 S5\)'
need 'ACPI: Using IOAPIC for interrupt routing'
need 'ACPI: PCI Root Bridge \[PCI0\] \(domain 0000 \[bus 00-ff\]\)'
need 'root bus resource \[io  0x1000-0xffff window\]'
need 'root bus resource \[mem 0xc0000000-0xfebfffff window\]'
need 'root bus resource \[mem 0x4000000000-0x7fffffffff window\]'
need 'system 00:00: \[mem 0xb0000000-0xbfffffff\] has been reserved'
need 'pnp: PnP ACPI: found 6 devices'
need 'ttyS0 at I/O 0x3f8 \(irq = 4'
need 'i8042: PNP: PS/2 Controller \[PNP0303:KBD,PNP0f13:MOU\] at 0x60,0x64 irq 1,12'
need 'rtc_cmos 00:03: registered as rtc0'
need 'hpet0: at MMIO 0xfed00000'
if grep -qiE 'ACPI (BIOS )?(Error|Warning)|Firmware Bug|FW_BUG|PM-Timer failed' "$tmp/log"; then
    echo "acpi-linux: the kernel complains:"
    grep -iE 'ACPI (BIOS )?(Error|Warning)|Firmware Bug|FW_BUG|PM-Timer failed' "$tmp/log"
    status=1
fi
if [ $status = 0 ]; then
    echo "acpi-linux: $(basename "$kernel") under QEMU q35 reads our tables cleanly (4 vCPUs)"
else
    echo "acpi-linux: kernel log:"; cat "$tmp/log"
fi
exit $status
