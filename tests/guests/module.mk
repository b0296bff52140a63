# Guest test kernels: each tests/guests/NAME.c is linked with lib/ into a
# Multiboot ELF32 kernel $(BUILD)/guests/NAME.elf by the system compiler
# (always gcc -m32: the guests are x86 code whatever CC builds the host
# side). tests/guests/run.sh boots each under vmp --accel kvm, and
# tests/emu/guests.sh runs it again with ACCEL=emu.
GUEST_SRCS  := $(sort $(wildcard tests/guests/*.c))
GUEST_LIB   := tests/guests/lib/start.S tests/guests/lib/lib.c tests/guests/lib/realmode.S
GUEST_HDRS  := $(wildcard tests/guests/lib/*.h) tests/guests/lib/link.ld
GUEST_ELFS  := $(GUEST_SRCS:tests/guests/%.c=$(BUILD)/guests/%.elf)
# Helpers for scripts, not run as tests themselves: tests/guests/aux/*.c.
GUEST_AUX   := $(patsubst tests/guests/aux/%.c,$(BUILD)/guests/aux/%.elf,\
                 $(sort $(wildcard tests/guests/aux/*.c)))
GUEST_CC    ?= gcc
GUEST_CFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -nostdlib -O2 -g \
                -Wall -Wextra -Werror -fno-stack-protector -mno-sse -mno-mmx \
                -mno-red-zone -fno-asynchronous-unwind-tables -fcf-protection=none
GUEST_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
                 -Wl,-T,tests/guests/lib/link.ld -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

ALL_TARGETS   += $(GUEST_ELFS) $(GUEST_AUX)
CHECK_SCRIPTS += tests/vmm/errors.sh tests/vmm/exits.sh tests/guests/run.sh

$(BUILD)/guests/%.elf: tests/guests/%.c $(GUEST_LIB) $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $<

$(BUILD)/guests/aux/%.elf: tests/guests/aux/%.c $(GUEST_LIB) $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $<

guests: $(GUEST_ELFS) $(GUEST_AUX)
.PHONY: guests

# The demo: installs what is missing, builds, and boots the demo guest on
# the terminal (keys are echoed; q ends it). Status 1 from vmp is the
# guest's debug exit 0, i.e. success.
demo: deps
	@$(MAKE) --no-print-directory all
	@st=0; $(BUILD)/vmp --accel kvm --kernel $(BUILD)/guests/demo.elf --smp 2 --mem 64M \
	    || st=$$?; [ $$st -eq 1 ]
.PHONY: demo

# Slow and opt-in: boots Debian's kernel (downloaded into cache/linux).
check-linux: all
	@BUILD=$(BUILD) sh tests/linux/boot.sh
.PHONY: check-linux
