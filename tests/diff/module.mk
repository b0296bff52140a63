# The emulator's differential test (docs/emulator-diff.md): random CPL-3
# instruction streams on KVM and in the emulator, compared. `make check`
# runs tests/diff/run.sh (70,000 streams, fixed seed); `make diff-long`
# runs millions (DIFF_STREAMS, DIFF_SEED; a new seed each time by default).
DIFF_BIN     := $(BUILD)/tests/diff_test
DIFF_SRCS    := tests/diff/diff.c tests/diff/gen.c tests/diff/gen_fp.c tests/diff/harness.c
DIFF_STREAMS ?= 5000000
ALL_TARGETS   += $(DIFF_BIN)
CHECK_SCRIPTS += tests/diff/run.sh

$(DIFF_BIN): $(DIFF_SRCS) tests/diff/gen.h tests/diff/gen_internal.h tests/diff/harness.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(DIFF_SRCS) $(STATIC_LIB) $(LIBS)

diff-long: $(DIFF_BIN)
	$(DIFF_BIN) --streams $(DIFF_STREAMS) $(if $(DIFF_SEED),--seed $(DIFF_SEED))
.PHONY: diff-long
