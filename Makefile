# SPDX-License-Identifier: GPL-2.0
# Makefile - the one non-recursive build of xlb: BPF objects and skeletons, the common library,
# tests, benchmarks and developer targets. Everything is built under $(OUTPUT); quiet unless V=1.

OUTPUT ?= .output
CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
CLANG_FORMAT ?= clang-format

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Evaluated lazily, after the deps target has installed pkg-config's data.
PKGS := libbpf libxdp libelf zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))
ARCH_INC = /usr/include/$(shell $(CC) -dumpmachine)

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -Iinclude -Ibpf
CFLAGS ?= -O2 -g
XLB_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser/common -Itests/lib \
	-I$(OUTPUT)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
BENCH_BPF_OBJS := $(OUTPUT)/bench.bpf.o
BENCH_SKELS := $(OUTPUT)/bench.skel.h
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)

COMMON_SRCS := $(wildcard user/common/*.c)
COMMON_HDRS := $(wildcard user/common/*.h) $(wildcard include/*.h)
COMMON_LIB := $(OUTPUT)/libxlbcommon.a
# What the common library itself links against (config parsing).
COMMON_LDLIBS := -lyaml
COMMON_SAN_LIB := $(OUTPUT)/libxlbcommon-san.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
# tests/bpf/test_*.c are the BPF fixture programs; the other .c files there are shared support.
BPFTEST_MAINS := $(wildcard tests/bpf/test_*.c)
BPFTEST_SUPPORT := $(filter-out $(BPFTEST_MAINS),$(wildcard tests/bpf/*.c))
BPFTEST_BINS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(BPFTEST_MAINS))
# Userspace programs: one directory each under user/ (common/ is the library).
DECAP_SRCS := $(wildcard user/decap/*.c)
USER_BINS := $(if $(DECAP_SRCS),$(OUTPUT)/xlb-decap)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/tests/fuzz/%,$(FUZZ_SRCS))
BENCH_BINS := $(OUTPUT)/bench/maglev_bench $(OUTPUT)/bench/dataplane_bench \
	$(OUTPUT)/bench/verifier_stats

FORMAT_FILES = $(shell find bpf include user tests bench -name '*.[ch]')

.DEFAULT_GOAL := all
# Keep generated objects and skeletons: they are inputs of several targets.
.SECONDARY:
.PHONY: all deps check test format format-check bench bench-maglev bench-dataplane \
	verifier-stats fuzz-long clean help

all: $(BPF_OBJS) $(SKELS) $(COMMON_LIB) $(USER_BINS) $(UNIT_BINS) $(BPFTEST_BINS) $(FUZZ_BINS) \
	$(BENCH_BINS) ## build everything

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## install missing Debian packages (scripts/install-deps.sh)
	$(Q)scripts/install-deps.sh

# Installed once per build tree; 'make deps' re-checks by hand.
$(OUTPUT)/.deps-ok: scripts/install-deps.sh
	$(Q)scripts/install-deps.sh
	$(Q)mkdir -p $(OUTPUT) && touch $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)/.deps-ok
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(ARCH_INC) -c $< -o $@

$(OUTPUT)/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) | $(OUTPUT)/.deps-ok
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(ARCH_INC) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/common/%.o: user/common/%.c $(COMMON_HDRS) | $(OUTPUT)/.deps-ok
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) -c $< -o $@

$(OUTPUT)/common-san/%.o: user/common/%.c $(COMMON_HDRS) | $(OUTPUT)/.deps-ok
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(COMMON_LIB): $(patsubst user/common/%.c,$(OUTPUT)/common/%.o,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(COMMON_SAN_LIB): $(patsubst user/common/%.c,$(OUTPUT)/common-san/%.o,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Unit tests run under ASan and UBSan: they need no privileges and are cheap to instrument.
$(OUTPUT)/tests/unit/%: tests/unit/%.c $(COMMON_SAN_LIB) tests/lib/xt.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $< $(COMMON_SAN_LIB) $(COMMON_LDLIBS) \
		-lm -o $@

$(OUTPUT)/tests/bpf/%: tests/bpf/%.c $(BPFTEST_SUPPORT) $(wildcard tests/bpf/*.h) $(SKELS) \
		$(COMMON_LIB) tests/lib/xt.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf $< $(BPFTEST_SUPPORT) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

# Frame fuzzers drive the real BPF objects through the same support code as the fixtures.
$(OUTPUT)/tests/fuzz/%: tests/fuzz/%.c $(BPFTEST_SUPPORT) $(wildcard tests/bpf/*.h) $(SKELS) \
		$(COMMON_LIB) tests/lib/xt.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf $< $(BPFTEST_SUPPORT) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/xlb-decap: $(DECAP_SRCS) $(wildcard user/decap/*.h) $(OUTPUT)/decap.skel.h $(COMMON_LIB)
	$(call msg,CC,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Iuser/decap $(DECAP_SRCS) $(COMMON_LIB) \
		$(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/bench/maglev_bench: bench/maglev_bench.c $(COMMON_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $< $(COMMON_LIB) $(COMMON_LDLIBS) -lm -o $@

$(OUTPUT)/bench/verifier_stats: bench/verifier_stats.c | $(OUTPUT)/.deps-ok
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) $< $(PKG_LIBS) -o $@

# The data-path benchmark fills maps with the test environment's helpers.
BENCH_DP_SRCS := bench/dataplane_bench.c tests/bpf/lbenv.c tests/bpf/frame.c
$(OUTPUT)/bench/dataplane_bench: $(BENCH_DP_SRCS) $(BENCH_SKELS) $(SKELS) $(COMMON_LIB) \
		$(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf $(BENCH_DP_SRCS) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -lm -o $@

check: all ## build and run every test layer the machine allows
	$(Q)OUTPUT=$(OUTPUT) tests/run-layers.sh

test: check

format: ## reformat every tracked C file in place
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check: ## fail if a tracked C file is not clang-formatted
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

FUZZ_LONG_FRAMES ?= 1000000
FUZZ_LONG_SEEDS ?= 1 2 3
fuzz-long: $(FUZZ_BINS) ## the long frame-fuzz run: FUZZ_LONG_FRAMES per seed in FUZZ_LONG_SEEDS
	$(Q)for s in $(FUZZ_LONG_SEEDS); do \
		$(OUTPUT)/tests/fuzz/fuzz_frames -n $(FUZZ_LONG_FRAMES) -s $$s -v || exit 1; done

verifier-stats: $(OUTPUT)/bench/verifier_stats $(BPF_OBJS) ## load each program, print verifier insn counts
	$(Q)$(OUTPUT)/bench/verifier_stats $(BPF_OBJS)

bench-maglev: $(OUTPUT)/bench/maglev_bench ## Maglev build time, balance and disruption
	$(Q)$(OUTPUT)/bench/maglev_bench

bench-dataplane: $(OUTPUT)/bench/dataplane_bench ## data path ns/packet under BPF_PROG_TEST_RUN
	$(Q)$(OUTPUT)/bench/dataplane_bench

bench: bench-maglev bench-dataplane ## every benchmark (not tests: timings only)

clean: ## remove the build tree
	$(Q)rm -rf $(OUTPUT)
