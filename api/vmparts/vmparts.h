/* Everything in vmparts. Each family header can also be included alone. */
#ifndef VMPARTS_VMPARTS_H
#define VMPARTS_VMPARTS_H

/* foundation */
#include <vmparts/common.h>
#include <vmparts/bus.h>
#include <vmparts/mem.h>
#include <vmparts/irqline.h>
#include <vmparts/clock.h>
#include <vmparts/state.h>
#include <vmparts/vcpu.h>

/* serial and misc ports (serial.h, misc.h) */
#include <vmparts/serial.h>
#include <vmparts/misc.h>

/* input: i8042 keyboard controller, PS/2 keyboard and mouse (input.h) */
#include <vmparts/input.h>

/* PCI (pci.h) */
#include <vmparts/pci.h>

/* timers (timer.h) */
#include <vmparts/timer.h>

/* interrupt controllers (irq.h) */
#include <vmparts/irq.h>

/* x86 emulator (x86emu.h) */
#include <vmparts/x86emu.h>

/* BIOS, loaders and the reference board (bios.h, pc.h) */
#include <vmparts/bios.h>
#include <vmparts/acpi.h>
#include <vmparts/smbios.h>
#include <vmparts/bios_svc.h>
#include <vmparts/storage.h>
#include <vmparts/pc.h>

#endif
