# vmparts: one Makefile for the library, vmp, tests, fuzzers, benchmarks.
# Sources are found by directory, so adding a model, test, harness or
# benchmark needs no edit here:
#   library      bus/*.c emulator/*.c bios/*.c models/*/*.c
#   vmp          vmm/*.c
#   unit tests   tests/unit/*.c; each tests/unit/test_NAME.c defines
#                Suite *NAME_suite(void), collected into one Check runner
#   fuzzers      fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput), fuzz/common/*.c
#   benchmarks   bench/bench_NAME.c (own main), bench/common/*.c
# Areas with extra rules add a module.mk beside their sources.

VERSION      := 0.1.0
SOVERSION    := 0
PREFIX       ?= /usr/local
SANITIZE     ?= 0
CC           ?= cc
AR           ?= ar

BUILD        ?= build$(if $(filter 1,$(SANITIZE)),-san)
OPT          ?= -O2
CFLAGS_STD   := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) -fPIC \
                -Iapi -I. -fno-strict-aliasing
ifeq ($(SANITIZE),1)
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
endif
ALL_CFLAGS   = $(CFLAGS_STD) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS  = $(SAN_FLAGS) $(LDFLAGS)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
LIBS         := -lpthread -lm

LIB_SRCS     := $(sort $(wildcard bus/*.c emulator/*.c bios/*.c models/*/*.c))
LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
STATIC_LIB   := $(BUILD)/libvmparts.a
SHARED_LIB   := $(BUILD)/libvmparts.so.$(VERSION)
SHARED_SONAME:= libvmparts.so.$(SOVERSION)

VMM_SRCS     := $(sort $(wildcard vmm/*.c))
VMM_OBJS     := $(VMM_SRCS:%.c=$(BUILD)/obj/%.o)
VMP_BIN      := $(if $(VMM_SRCS),$(BUILD)/vmp)
VMM_LIBS     := -lcjson -lpthread -lm

TEST_SRCS    := $(sort $(wildcard tests/unit/*.c))
TEST_OBJS    := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SUITES  := $(patsubst tests/unit/test_%.c,%,$(filter tests/unit/test_%.c,$(TEST_SRCS)))
TEST_BIN     := $(BUILD)/tests/unit_tests

BENCH_COMMON := $(sort $(wildcard bench/common/*.c))
BENCH_SRCS   := $(sort $(wildcard bench/bench_*.c))
BENCH_BINS   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

HEADERS      := $(sort $(wildcard api/vmparts/*.h))

# Scripts run by `make check` before the unit tests (module.mk files add
# theirs); the Check runner runs last so its summary closes the output.
CHECK_SCRIPTS :=
ALL_TARGETS   :=

.PHONY: all lib check test deps install uninstall clean bench fuzz fuzz-run \
        examples unit
all: lib $(VMP_BIN) $(TEST_BIN) $(BENCH_BINS) $(EXAMPLE_BINS) all-extra

lib: $(STATIC_LIB) $(SHARED_LIB)

-include $(sort $(wildcard */module.mk */*/module.mk))

all-extra: $(ALL_TARGETS)
.PHONY: all-extra

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(STATIC_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SHARED_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SHARED_SONAME) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
	ln -sf libvmparts.so.$(VERSION) $(BUILD)/$(SHARED_SONAME)
	ln -sf libvmparts.so.$(VERSION) $(BUILD)/libvmparts.so

$(BUILD)/vmp: $(VMM_OBJS) $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(VMM_OBJS) $(STATIC_LIB) $(VMM_LIBS)

# One Check runner for every suite: the list is generated from file names.
$(BUILD)/gen/suites.h: Makefile $(TEST_SRCS)
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach s,$(TEST_SUITES),'VMP_SUITE($(s))') > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/obj/tests/unit/runner.o: $(BUILD)/gen/suites.h
$(BUILD)/obj/tests/unit/runner.o: ALL_CFLAGS += -I$(BUILD)/gen

$(TEST_BIN): $(TEST_OBJS) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJS) $(STATIC_LIB) $(CHECK_LIBS) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(BENCH_COMMON) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BENCH_COMMON) $(STATIC_LIB) $(LIBS)

$(BUILD)/examples/%: examples/%.c $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(STATIC_LIB) $(LIBS)

examples: $(EXAMPLE_BINS)

# Installs any missing Debian package (no-op when all are present).
deps:
	@sh scripts/install-deps.sh

unit: $(TEST_BIN)
	$(TEST_BIN)

check: deps
	@$(MAKE) --no-print-directory all
	@set -e; for s in $(CHECK_SCRIPTS); do \
	  echo "== $$s"; BUILD=$(BUILD) CC=$(CC) SANITIZE=$(SANITIZE) sh $$s; done
	@echo "== unit tests"
	@$(TEST_BIN)
test: check

bench: $(BENCH_BINS)
	@sh scripts/install-deps.sh qemu-system-x86 # the peer the benches compare with
	@set -e; for b in $(BENCH_BINS); do echo "== $$b"; $$b; done

install: lib
	install -d $(DESTDIR)$(PREFIX)/include/vmparts $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/vmparts/
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libvmparts.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SHARED_SONAME)
	ln -sf libvmparts.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libvmparts.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    pkgconfig/vmparts.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/vmparts.pc
	$(if $(VMP_BIN),install -d $(DESTDIR)$(PREFIX)/bin && install -m 755 $(VMP_BIN) $(DESTDIR)$(PREFIX)/bin/)

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/vmparts
	rm -f $(DESTDIR)$(PREFIX)/lib/libvmparts.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/vmparts.pc
	rm -f $(DESTDIR)$(PREFIX)/bin/vmp

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJS:.o=.d) $(VMM_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
