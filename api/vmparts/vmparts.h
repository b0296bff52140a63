/* Everything in vmparts. Each family header can also be included alone. */
#ifndef VMPARTS_VMPARTS_H
#define VMPARTS_VMPARTS_H

#include <vmparts/common.h>
#include <vmparts/bus.h>
#include <vmparts/mem.h>
#include <vmparts/irqline.h>
#include <vmparts/clock.h>
#include <vmparts/state.h>

#endif
