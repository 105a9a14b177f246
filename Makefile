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

# Plain `make` builds as any user with what is installed; the README's commands and the other
# targets that run things set the machine up first: missing Debian packages are installed once
# per build tree (`make deps` checks again by hand).
SETUP_GOALS := check test e2e demo bench install mutants fuzz-long vagrant-validate
DEPS_OK := $(if $(filter $(SETUP_GOALS),$(MAKECMDGOALS)),$(OUTPUT)/.deps-ok)

# Evaluated lazily, after the deps target has installed pkg-config's data.
PKGS := libbpf libxdp libelf zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))
ARCH_INC = /usr/include/$(shell $(CC) -dumpmachine)

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -Iinclude -Ibpf
CFLAGS ?= -O2 -g
# -pthread: xlbd's dp_commit() builds tables on threads.
XLB_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -pthread -Iinclude -Iuser/common \
	-Itests/lib -Iuser/bpfmaps -I$(OUTPUT)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
BENCH_BPF_OBJS := $(OUTPUT)/bench.bpf.o $(OUTPUT)/vethgen.bpf.o $(OUTPUT)/bench/bench_nohook.bpf.o \
	$(OUTPUT)/bench/bench_lru.bpf.o
BENCH_SKELS := $(OUTPUT)/bench.skel.h $(OUTPUT)/vethgen.skel.h $(OUTPUT)/bench/bench_nohook.skel.h \
	$(OUTPUT)/bench/bench_lru.skel.h
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)

COMMON_SRCS := $(wildcard user/common/*.c)
COMMON_HDRS := $(wildcard user/common/*.h) $(wildcard include/*.h)
COMMON_LIB := $(OUTPUT)/libxlbcommon.a
# What the common library itself links against (config parsing).
COMMON_LDLIBS := -lyaml -ljansson
COMMON_SAN_LIB := $(OUTPUT)/libxlbcommon-san.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
# tests/bpf/test_*.c are the BPF fixture programs; the other .c files there are shared support.
BPFTEST_MAINS := $(wildcard tests/bpf/test_*.c)
BPFTEST_SUPPORT := $(filter-out $(BPFTEST_MAINS),$(wildcard tests/bpf/*.c))
BPFTEST_BINS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(BPFTEST_MAINS))
# Userspace programs: one directory each under user/ (common/ is the library).
DECAP_SRCS := $(wildcard user/decap/*.c)
XLBD_SRCS := $(wildcard user/xlbd/*.c)
LBCTL_SRCS := $(wildcard user/lbctl/*.c)
# What xlbd, lbctl and xlb-decap do alike with the maps (libbpf): compiled into each of them.
MAPS_SRCS := $(wildcard user/bpfmaps/*.c)
MAPS_DEPS := $(MAPS_SRCS) $(wildcard user/bpfmaps/*.h)
USER_BINS := $(if $(DECAP_SRCS),$(OUTPUT)/xlb-decap) $(if $(XLBD_SRCS),$(OUTPUT)/xlbd) \
	$(if $(LBCTL_SRCS),$(OUTPUT)/lbctl)
# The same three under ASan and UBSan, for the e2e layer (tests/lib/e2e.sh, docs/testing.md).
SAN_BINS := $(patsubst $(OUTPUT)/%,$(OUTPUT)/san/%,$(USER_BINS))
XLBD_LDLIBS = $(shell pkg-config --libs libmicrohttpd libcurl)
E2E_BINS := $(patsubst tests/e2e/%.c,$(OUTPUT)/tests/e2e/%,$(wildcard tests/e2e/*.c)) \
	$(OUTPUT)/tests/e2e/xlb_v2.bpf.o
# tests/fuzz/fuzz_frames.c and fuzz_decap.c drive the BPF programs xlb_lb and xlb_decap (gcc,
# libbpf); the other fuzz_*.c are libFuzzer harnesses of userspace parsers (clang
# -fsanitize=fuzzer with ASan and UBSan).
FUZZ_SRCS := tests/fuzz/fuzz_frames.c tests/fuzz/fuzz_decap.c
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/tests/fuzz/%,$(FUZZ_SRCS))
LIBFUZZ_SRCS := $(filter-out $(FUZZ_SRCS),$(wildcard tests/fuzz/fuzz_*.c))
LIBFUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/tests/libfuzz/%,$(LIBFUZZ_SRCS))
LIBFUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Iuser/common
BENCH_BINS := $(OUTPUT)/bench/maglev_bench $(OUTPUT)/bench/dataplane_bench \
	$(OUTPUT)/bench/veth_bench $(OUTPUT)/bench/verifier_stats $(OUTPUT)/bench/table_bench

# Build tools: generators of checked-in text (docs/config.md's key tables).
TOOL_BINS := $(OUTPUT)/tools/config_doc

MAN_SRCS := $(wildcard docs/man/*.scd)
MAN_PAGES := $(patsubst docs/man/%.scd,$(OUTPUT)/man/%,$(MAN_SRCS))

PREFIX ?= /usr
DESTDIR ?=

# tests/vectors/ is printed by its generator in clang-format's layout; make check also compares it
# with the generator byte for byte.
FORMAT_FILES = $(shell find bpf include user tests bench tools -name '*.[ch]')
KNOWN_ANSWERS := $(wildcard tests/vectors/*.h)

.DEFAULT_GOAL := all
# Keep generated objects and skeletons: they are inputs of several targets.
.SECONDARY:
.PHONY: all deps check test format format-check bench bench-maglev bench-dataplane bench-veth \
	bench-tables bench-health \
	verifier-stats fuzz-long soak mutants config-doc install demo demo-down vagrant-validate vagrant-lab \
	e2e clean help

all: $(BPF_OBJS) $(SKELS) $(COMMON_LIB) $(USER_BINS) $(SAN_BINS) $(UNIT_BINS) $(BPFTEST_BINS) $(FUZZ_BINS) $(LIBFUZZ_BINS) $(E2E_BINS) $(MAN_PAGES) \
	$(BENCH_BINS) $(TOOL_BINS) ## build everything

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## install missing Debian packages (scripts/install-deps.sh)
	$(Q)scripts/install-deps.sh

$(OUTPUT)/.deps-ok: scripts/install-deps.sh
	$(Q)scripts/install-deps.sh
	$(Q)mkdir -p $(OUTPUT) && touch $@

# -MD writes every header an object read, system ones included, to $(OUTPUT)/NAME.bpf.d: make
# rebuilds on their change, and the deps layer checks that none of them is glibc's.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -I$(ARCH_INC) -MD -MP -MF $(@:.o=.d) -c $< -o $@

$(OUTPUT)/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) | $(DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -I$(ARCH_INC) -MD -MP -MF $(@:.o=.d) -c $< -o $@

-include $(wildcard $(OUTPUT)/*.bpf.d)

# The benchmark wrapper without the capture hook (bpf/capture.h): the "before" of the capture
# A/B in dataplane_bench, the same programs and maps in one process. Not in $(OUTPUT)/*.bpf.o,
# which the test layers load one by one.
$(OUTPUT)/bench/bench_nohook.bpf.o: bench/bench.bpf.c $(BPF_HDRS) | $(DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -DXLB_CAPTURE_NO_HOOK -I$(ARCH_INC) -c $< -o $@

# The benchmark wrapper over the previous connection table, the LRU hash (bench/select_lru.h): the
# "before" of dataplane_bench -c's same-run A/B. Not in $(OUTPUT)/*.bpf.o, nor in the product.
$(OUTPUT)/bench/bench_lru.bpf.o: bench/bench.bpf.c bench/select_lru.h $(BPF_HDRS) | $(DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -DXLB_BENCH_LRU -Ibench -I$(ARCH_INC) -c $< -o $@

$(OUTPUT)/bench/bench_lru.skel.h: $(OUTPUT)/bench/bench_lru.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_lru_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/bench/bench_nohook.skel.h: $(OUTPUT)/bench/bench_nohook.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_nohook_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/common/%.o: user/common/%.c Makefile | $(DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/common-san/%.o: user/common/%.c Makefile | $(DEPS_OK)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

-include $(wildcard $(OUTPUT)/common/*.d $(OUTPUT)/common-san/*.d)

$(COMMON_LIB): $(patsubst user/common/%.c,$(OUTPUT)/common/%.o,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(COMMON_SAN_LIB): $(patsubst user/common/%.c,$(OUTPUT)/common-san/%.o,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Unit tests run under ASan and UBSan: they need no privileges and are cheap to instrument.
$(OUTPUT)/tests/unit/%: tests/unit/%.c $(COMMON_SAN_LIB) tests/lib/xt.h $(KNOWN_ANSWERS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $< $(COMMON_SAN_LIB) $(COMMON_LDLIBS) \
		-lm -o $@

# xlbd's event loop needs nothing else of xlbd: its unit test links it alone.
$(OUTPUT)/tests/unit/test_loop: tests/unit/test_loop.c user/xlbd/loop.c user/xlbd/loop.h \
		tests/lib/xt.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) -Iuser/xlbd $< user/xlbd/loop.c -o $@

$(OUTPUT)/tests/bpf/%: tests/bpf/%.c $(BPFTEST_SUPPORT) $(wildcard tests/bpf/*.h) $(SKELS) \
		$(COMMON_LIB) tests/lib/xt.h $(KNOWN_ANSWERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf $< $(BPFTEST_SUPPORT) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

# The health engine's unit tests run xlbd's health.c and its check types on their own loop
# against loopback servers (test_checks: the servers of tests/unit/checkservers.py).
HEALTH_CORE := user/xlbd/health.c $(wildcard user/xlbd/check_*.c) user/xlbd/hc_tunnel.c \
	user/xlbd/loop.c user/xlbd/log.c
$(OUTPUT)/tests/unit/test_health $(OUTPUT)/tests/unit/test_checks $(OUTPUT)/tests/unit/test_stall \
		$(OUTPUT)/tests/unit/test_hc_tunnel: \
		$(OUTPUT)/tests/unit/%: \
		tests/unit/%.c $(HEALTH_CORE) \
		$(wildcard user/xlbd/*.h) $(COMMON_SAN_LIB) tests/lib/xt.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) -Iuser/xlbd $< $(HEALTH_CORE) \
		$(COMMON_SAN_LIB) $(COMMON_LDLIBS) $(shell pkg-config --libs libcurl) -lm -o $@

# The reconciliation test runs xlbd's state and data-plane modules against real maps, and route
# health injection (announce.c over vroute.c).
XLBD_CORE := user/xlbd/state.c user/xlbd/dataplane.c user/xlbd/log.c user/xlbd/announce.c \
	user/xlbd/vroute.c user/xlbd/rtnl.c
$(OUTPUT)/tests/bpf/test_state: tests/bpf/test_state.c $(XLBD_CORE) $(MAPS_DEPS) \
		$(wildcard user/xlbd/*.h) $(SKELS) $(COMMON_LIB) tests/lib/xt.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Iuser/xlbd $< $(XLBD_CORE) $(MAPS_SRCS) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

# Frame fuzzers drive the real BPF objects through the same support code as the fixtures, and
# judge them with the reference model (tests/fuzz/model.c) in their own environment.
FUZZ_SUPPORT := tests/fuzz/model.c tests/fuzz/fuzzenv.c
$(OUTPUT)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_SUPPORT) $(wildcard tests/fuzz/*.h) \
		$(BPFTEST_SUPPORT) $(wildcard tests/bpf/*.h) $(SKELS) $(COMMON_LIB) tests/lib/xt.h \
		$(KNOWN_ANSWERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf -Itests/fuzz $< \
		$(FUZZ_SUPPORT) $(BPFTEST_SUPPORT) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/tests/libfuzz/%: tests/fuzz/%.c $(COMMON_SRCS) $(COMMON_HDRS) | $(DEPS_OK)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(LIBFUZZ_FLAGS) $< $(COMMON_SRCS) $(COMMON_LDLIBS) -o $@

# End-to-end test support programs (the tests themselves are shell scripts).
$(OUTPUT)/tests/e2e/%: tests/e2e/%.c $(COMMON_LIB) | $(DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) $< $(COMMON_LIB) $(COMMON_LDLIBS) \
		$(PKG_LIBS) -o $@

# The same xlb_lb for the older BPF ISA: the same behaviour in other instructions (another
# program tag), so that the tests can replace the running program the way an upgrade does.
$(OUTPUT)/tests/e2e/xlb_v2.bpf.o: bpf/xlb.bpf.c $(BPF_HDRS) | $(DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(subst -mcpu=v3,-mcpu=v2,$(BPF_CFLAGS)) -I$(ARCH_INC) \
		-c $< -o $@

# xlbd, lbctl and xlb-decap: one object per source, release (obj/) and sanitized (obj-san/,
# ASan and UBSan, for the e2e layer: tests/lib/e2e.sh, docs/testing.md), each with the headers
# it read in a dependency file beside it (-MMD -MP), so that a change rebuilds what it touches;
# and on every change of this file (flags). The skeletons are made first: the first build has
# no dependency files yet.
PROG_SRCS := $(XLBD_SRCS) $(LBCTL_SRCS) $(DECAP_SRCS) $(MAPS_SRCS)
objs = $(patsubst user/%.c,$(OUTPUT)/$(1)/%.o,$(sort $(2) $(MAPS_SRCS)))

$(call objs,obj,$(PROG_SRCS)): $(OUTPUT)/obj/%.o: user/%.c Makefile | $(SKELS) $(DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -I$(<D) -MMD -MP -c $< -o $@

$(call objs,obj-san,$(PROG_SRCS)): $(OUTPUT)/obj-san/%.o: user/%.c Makefile | $(SKELS) $(DEPS_OK)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -I$(<D) -MMD -MP -c $< \
		-o $@

-include $(wildcard $(OUTPUT)/obj/*/*.d $(OUTPUT)/obj-san/*/*.d)

$(OUTPUT)/xlbd: $(call objs,obj,$(XLBD_SRCS)) $(COMMON_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(filter %.o,$^) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) \
		$(XLBD_LDLIBS) -o $@

$(OUTPUT)/lbctl: $(call objs,obj,$(LBCTL_SRCS)) $(COMMON_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(filter %.o,$^) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/xlb-decap: $(call objs,obj,$(DECAP_SRCS)) $(COMMON_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(filter %.o,$^) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/san/xlbd: $(call objs,obj-san,$(XLBD_SRCS)) $(COMMON_SAN_LIB)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $(filter %.o,$^) $(COMMON_SAN_LIB) \
		$(COMMON_LDLIBS) $(PKG_LIBS) $(XLBD_LDLIBS) -o $@

$(OUTPUT)/san/lbctl: $(call objs,obj-san,$(LBCTL_SRCS)) $(COMMON_SAN_LIB)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $(filter %.o,$^) $(COMMON_SAN_LIB) \
		$(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/san/xlb-decap: $(call objs,obj-san,$(DECAP_SRCS)) $(COMMON_SAN_LIB)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(SAN_FLAGS) $(filter %.o,$^) $(COMMON_SAN_LIB) \
		$(COMMON_LDLIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/bench/maglev_bench: bench/maglev_bench.c $(COMMON_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $< $(COMMON_LIB) $(COMMON_LDLIBS) -lm -o $@

$(OUTPUT)/bench/verifier_stats: bench/verifier_stats.c | $(DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) $< $(PKG_LIBS) -o $@

# The table benchmark publishes tables with xlbd's own data-plane module.
$(OUTPUT)/bench/table_bench: bench/table_bench.c user/xlbd/dataplane.c user/xlbd/log.c \
		$(wildcard user/xlbd/*.h) $(MAPS_DEPS) $(SKELS) $(COMMON_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Iuser/xlbd $< user/xlbd/dataplane.c \
		user/xlbd/log.c $(MAPS_SRCS) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

# The data-path benchmark fills maps with the test environment's helpers.
BENCH_DP_SRCS := bench/dataplane_bench.c bench/lbfill.c tests/bpf/lbenv.c tests/bpf/frame.c
$(OUTPUT)/bench/dataplane_bench: $(BENCH_DP_SRCS) $(BENCH_SKELS) $(SKELS) $(COMMON_LIB) \
		$(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf -I$(OUTPUT)/bench \
		$(BENCH_DP_SRCS) $(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -lm -o $@

# The veth benchmark loads the real xlb_lb and fills it like dataplane_bench.
BENCH_VETH_SRCS := bench/veth_bench.c bench/lbfill.c tests/bpf/lbenv.c tests/bpf/frame.c
$(OUTPUT)/bench/veth_bench: $(BENCH_VETH_SRCS) $(BENCH_SKELS) $(SKELS) $(COMMON_LIB) \
		$(wildcard tests/bpf/*.h) bench/lbfill.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(PKG_CFLAGS) -Itests/bpf $(BENCH_VETH_SRCS) \
		$(COMMON_LIB) $(COMMON_LDLIBS) $(PKG_LIBS) -o $@

# config_doc joins the schema with the keys' help, which lives beside it (tools/config_help.c).
$(OUTPUT)/tools/config_doc: tools/config_doc.c tools/config_help.c tools/config_help.h \
		$(COMMON_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(XLB_CFLAGS) $(filter %.c,$^) $(COMMON_LIB) $(COMMON_LDLIBS) -o $@

config-doc: $(OUTPUT)/tools/config_doc ## regenerate the key tables of docs/config.md from the schema
	$(Q)$< < docs/config.md > docs/config.md.tmp && mv docs/config.md.tmp docs/config.md

$(OUTPUT)/man/%: docs/man/%.scd | $(DEPS_OK)
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D) && scdoc < $< > $@

install: all ## install xlbd, lbctl, xlb-decap, man pages, completion, systemd unit, example config
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/xlb $(DESTDIR)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(OUTPUT)/xlbd $(OUTPUT)/xlb-decap $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(OUTPUT)/lbctl $(DESTDIR)$(PREFIX)/sbin/
	install -D -m 0644 scripts/lbctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lbctl
	install -m 0644 docs/xlbd.yaml.example $(DESTDIR)/etc/xlb/xlbd.yaml.example
	install -m 0644 user/xlbd/xlbd.service $(DESTDIR)/lib/systemd/system/
	install -m 0644 $(OUTPUT)/man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(OUTPUT)/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

demo: all ## lab with xlbd and 3 backends, real HTTP through the VIPs, a report
	$(Q)OUTPUT=$(abspath $(OUTPUT)) scripts/demo.sh

demo-down: ## take the demo's lab down
	$(Q)LAB_ID=demo OUTPUT=$(abspath $(OUTPUT)) scripts/lab.sh down

vagrant-validate: $(OUTPUT)/xlbd ## check vagrant/ without VMs: vagrant validate, scripts, rendered config
	$(Q)OUTPUT=$(OUTPUT) tests/vagrant.sh

# The containers bind this tree read-only and install its build: `all` first.
vagrant-lab: all ## the Vagrant lab for real in LXC containers: up, traffic, failover, destroy (root)
	$(Q)scripts/install-deps.sh vagrant
	$(Q)tests/vagrant-lab.sh

check: all ## build and run every test layer the machine allows
	$(Q)OUTPUT=$(OUTPUT) tests/run-layers.sh

test: check

e2e: all ## the end-to-end tests (root), or only those named: make e2e T="lbctl lab_health"
	$(Q)OUTPUT=$(OUTPUT) tests/e2e/run.sh $(T)

format: ## reformat every tracked C file in place
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check: ## fail if a tracked C file is not clang-formatted
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

# 10^7 frames per seed through xlb_lb and through xlb_decap, each judged by its reference model,
# with the wall time of each run; then each parser for FUZZ_LONG_SECONDS. Figures of the last
# run: docs/reliability.md ("Fuzzing").
FUZZ_LONG_FRAMES ?= 10000000
FUZZ_LONG_SEEDS ?= 1
FUZZ_LONG_SECONDS ?= 300
fuzz-long: $(FUZZ_BINS) $(LIBFUZZ_BINS) ## long fuzz runs: FUZZ_LONG_FRAMES frames per seed and program, each parser FUZZ_LONG_SECONDS
	$(Q)for s in $(FUZZ_LONG_SEEDS); do for f in $(FUZZ_BINS); do \
		t0=$$(date +%s); $$f -n $(FUZZ_LONG_FRAMES) -s $$s -v || exit 1; \
		echo "$$(basename $$f) -s $$s: $$(($$(date +%s) - t0)) s"; done; done
	$(Q)for f in $(LIBFUZZ_BINS); do n=$$(basename $$f); n=$${n#fuzz_}; \
		mkdir -p $(OUTPUT)/corpus/$$n && \
		$$f -max_total_time=$(FUZZ_LONG_SECONDS) -print_final_stats=1 \
			$(OUTPUT)/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

# SOAK_MINUTES of load and seeded faults in a lab of its own (tests/soak/), then the figures in
# docs/reliability.md ("Soak", from docs/reliability.md.in) and docs/reliability/soak.png.
# make check runs 2 minutes of it with seed 1 and writes no docs. SOAK_SEED replays a schedule.
SOAK_MINUTES ?= 30
SOAK_SEED ?=
soak: all ## SOAK_MINUTES (30) of load and faults (SOAK_SEED); rewrites docs/reliability.md's Soak (root)
	$(Q)scripts/install-deps.sh soak
	$(Q)rm -rf $(OUTPUT)/soak; commit=$$(git rev-parse --short HEAD); \
		OUTPUT=$(abspath $(OUTPUT)) tests/soak/soak.sh -m $(SOAK_MINUTES) \
		$(if $(SOAK_SEED),-s $(SOAK_SEED)) -o $(abspath $(OUTPUT))/soak; rc=$$?; \
		[ -f $(OUTPUT)/soak/summary.json ] && scripts/soak-report.py $(OUTPUT)/soak "$$commit"; \
		exit $$rc

# Not in `make check`: every mutation rebuilds and reruns its layers (minutes each).
mutants: ## break xlb on purpose (tests/mutants.txt) and fail if a mutation survives the tests
	$(Q)tests/mutants.py $(if $(ONLY),--only $(ONLY)) $(if $(REPORT),--report $(REPORT))

verifier-stats: $(OUTPUT)/bench/verifier_stats $(BPF_OBJS) ## load each program, print verifier insn counts
	$(Q)$(OUTPUT)/bench/verifier_stats $(BPF_OBJS)

bench-maglev: $(OUTPUT)/bench/maglev_bench ## Maglev build time, balance and disruption
	$(Q)$(OUTPUT)/bench/maglev_bench

bench-dataplane: $(OUTPUT)/bench/dataplane_bench ## data path ns/packet under BPF_PROG_TEST_RUN
	$(Q)$(OUTPUT)/bench/dataplane_bench

bench-veth: $(OUTPUT)/bench/veth_bench ## data path on a veth pair in Mpps (live-frames generator)
	$(Q)$(OUTPUT)/bench/veth_bench

bench-tables: $(OUTPUT)/bench/table_bench ## publishing Maglev tables: into new maps vs reused ones
	$(Q)$(OUTPUT)/bench/table_bench

bench-health: $(OUTPUT)/xlbd ## 13,000 health checks: lateness against their schedule, gaps (root)
	$(Q)OUTPUT=$(abspath $(OUTPUT)) bench/health_bench.sh

# Not tests: timings only, never in `make check`. BENCH_QUICK=1 for a short run.
bench: $(BENCH_BINS) $(USER_BINS) $(BPF_OBJS) ## every benchmark; regenerates docs/benchmarks.md and docs/bench/*.png
	$(Q)OUTPUT=$(abspath $(OUTPUT)) scripts/bench.sh

clean: ## remove the build tree
	$(Q)rm -rf $(OUTPUT)
