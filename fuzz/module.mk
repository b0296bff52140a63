# Fuzz harnesses: fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput (and may
# use fuzz/common/*.c). Each is built three ways from the same source:
#   build-fuzz/libfuzzer/fuzz_NAME  clang, libFuzzer + ASan + UBSan
#   build-fuzz/afl/fuzz_NAME        afl-clang-fast (AFL++ persistent mode)
#   $(BUILD)/fuzz/replay_NAME       the build's own CC with a plain main
#                                   that replays files; `make check` runs
#                                   it over fuzz/regressions/NAME and
#                                   fuzz/corpus/NAME.
FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
FUZZ_COMMON  := $(sort $(wildcard fuzz/common/*.c))
FUZZ_LIB_SRCS := $(LIB_SRCS)

REPLAY_BINS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
ALL_TARGETS  += $(REPLAY_BINS)
CHECK_SCRIPTS += scripts/replay-fuzz.sh

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c $(FUZZ_COMMON) scripts/replay_main.c $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifuzz $(ALL_LDFLAGS) -o $@ $< $(FUZZ_COMMON) \
	    scripts/replay_main.c $(STATIC_LIB) $(LIBS)

FUZZ_BUILD   := build-fuzz
LF_CC        := clang
LF_FLAGS     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
AFL_CC       := afl-clang-fast
LF_OBJS      := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BUILD)/libfuzzer/obj/%.o)
AFL_OBJS     := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BUILD)/afl/obj/%.o)
LF_BINS      := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/libfuzzer/fuzz_%)
AFL_BINS     := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/afl/fuzz_%)
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -fPIC \
                -Iapi -I. -Ifuzz -fno-strict-aliasing -fno-omit-frame-pointer

$(FUZZ_BUILD)/libfuzzer/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(LF_CC) $(FUZZ_CFLAGS) $(LF_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libfuzzer/fuzz_%: fuzz/fuzz_%.c $(FUZZ_COMMON) $(LF_OBJS)
	@mkdir -p $(dir $@)
	$(LF_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -o $@ $< $(FUZZ_COMMON) $(LF_OBJS) $(LIBS)

$(FUZZ_BUILD)/afl/obj/%.o: %.c
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/afl/fuzz_%: fuzz/fuzz_%.c $(FUZZ_COMMON) $(AFL_OBJS)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_COMMON) $(AFL_OBJS) $(LIBS)

.SECONDARY: $(LF_OBJS) $(AFL_OBJS)
fuzz: deps $(LF_BINS) $(AFL_BINS)

# Short campaign of every libFuzzer harness (CI): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz-run: fuzz
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz-run.sh $(FUZZ_NAMES)

-include $(LF_OBJS:.o=.d) $(AFL_OBJS:.o=.d)
