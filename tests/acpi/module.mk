# ACPI/SMBIOS table checks run by `make check`: tests/acpi/iasl.sh dumps
# the tables with dump_acpi and runs acpica's iasl (and dmidecode) on them.
DUMP_ACPI_BIN := $(BUILD)/tests/dump_acpi
ALL_TARGETS   += $(DUMP_ACPI_BIN)
CHECK_SCRIPTS += tests/acpi/iasl.sh

$(DUMP_ACPI_BIN): tests/acpi/dump_acpi.c $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(STATIC_LIB) $(LIBS)

# Opt-in: Debian's kernel under QEMU (TCG) boots with our ACPI tables.
check-acpi-linux: all
	@sh scripts/install-deps.sh qemu-system-x86
	@BUILD=$(BUILD) sh tests/acpi/linux.sh
.PHONY: check-acpi-linux
