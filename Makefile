# cg: build the library, the binaries, the tests; install with PREFIX and DESTDIR.
-include config.mk

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
MANDIR     = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
B         ?= build
NPROC     := $(shell nproc 2>/dev/null || echo 1)

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN       = -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) $(LIBS_CFLAGS) \
             -DCG_VERSION='"$(VERSION)"' -Ilib
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

LIB_SRC  = $(wildcard lib/*/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CMD_SRC  = $(wildcard cmd/cg-*.c)
BINS     = $(CMD_SRC:cmd/%.c=$(B)/bin/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
MANS     = $(wildcard man/*.1 man/*.7)

.PHONY: all check check-build check-unit check-bats check-asan check-reliability demo bench bench-large bench-xl bench-rustdoc install uninstall clean lint-man

all: $(BINS)

config.mk:
	@echo "Makefile: run ./configure first" >&2; exit 1

$(B)/lib/%.o: lib/%.c $(wildcard lib/*/*.h) config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libcg.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(B)/bin/%: cmd/%.c $(B)/libcg.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(B)/libcg.a $(LIBS)

$(B)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(B)/libcg.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(B)/libcg.a $(LIBS)

# The devws fixture (tests/fixtures/devws.tar.zst), unpacked once per build dir.
$(B)/fixtures/devws.stamp: tests/fixtures/devws.tar.zst
	rm -rf $(B)/fixtures/devws
	sh tests/tools/unpack-fixture.sh devws $(B)/fixtures
	touch $@

# The fuzz targets are built the same way (ASan, UBSan) whatever B is: check-asan reuses check's.
# Each runs its tests as TAP and ends with one line: N passed, N failed, N skipped.
# CG_SANITIZED is set by check-asan (see there).
SUITE = CG_BUILDDIR=$(abspath $(B)) CG_DEVWS=$(abspath $(B))/fixtures/devws CG_FUZZ_DIR=$(abspath build-fuzz) \
        CG_SANITIZED=$(CG_SANITIZED) bash tests/tools/suite.sh

# What the suite needs is built first with a job per core (the README's make check is plain).
check:
	$(MAKE) -j$(NPROC) check-build
	$(SUITE) $(UNITS) tests

check-build: $(UNITS) $(BINS) $(B)/fixtures/devws.stamp

check-unit: $(UNITS) $(B)/fixtures/devws.stamp
	$(SUITE) $(UNITS)

check-bats: $(BINS) $(B)/fixtures/devws.stamp
	$(SUITE) tests

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own build dir.
# With CG_SANITIZED=1 five tests skip themselves, each of which make check runs in full: the
# SIGKILL-at-random-moments tests (in tests/reliability.bats the crash trials, in
# tests/migrate.bats the upgrade and the reshard: their point is what a kill leaves behind,
# and a killed process never reaches a sanitizer's exit checks; the recovery code they lead to
# runs under the sanitizers in migrate's killed-at-each-step tests), the reliability
# concurrency run (a fixed span of wall time, fewer rounds under a sanitizer; tests/reader.bats
# runs readers beside a writer) and the fuzz run (its targets are ASan and UBSan builds in
# build-fuzz whatever B is: make check ran the same binaries). Two run smaller: the
# --memory-mb test in tests/ingest_stream.bats spills a sixth of the graph (RSS is not checked
# under ASan), and the reliability corruption test makes the first 10 of its 25 SST and value
# flips.
check-asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g" CG_SANITIZED=1 \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" check

# Crash, corruption, fuzz and concurrency trials; RELIABILITY=long for the long form.
check-reliability: $(BINS)
	CG_BUILDDIR=$(abspath $(B)) sh tests/reliability/run.sh $(or $(RELIABILITY),short)

demo: $(BINS)
	sh examples/demo.sh $(abspath $(B))/bin

bench: $(BINS)
	sh bench/run.sh $(abspath $(B)) S M

bench-large: $(BINS)
	sh bench/run.sh $(abspath $(B)) L

# 5M vertices / 25M edges: cg's ingest alone, in its default memory bound.
bench-xl: $(BINS)
	sh bench/run.sh $(abspath $(B)) XL

# Real rustdoc JSON: DOCS=DIR (a target/doc), optional LOCK=Cargo.lock (bench/README.md).
bench-rustdoc: $(BINS)
	bash bench/rustdoc.sh $(abspath $(B)) $(DOCS) $(LOCK)

lint-man:
	for m in $(MANS); do groff -man -ww -z $$m || exit 1; done

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/cg.bash $(DESTDIR)$(BASHCOMPDIR)/cg
	for b in $(notdir $(BINS)); do ln -sf cg $(DESTDIR)$(BASHCOMPDIR)/$$b; done
	install -m 644 completions/_cg $(DESTDIR)$(ZSHCOMPDIR)/_cg

uninstall:
	for b in $(notdir $(BINS)); do rm -f $(DESTDIR)$(BINDIR)/$$b $(DESTDIR)$(BASHCOMPDIR)/$$b; done
	for m in $(notdir $(wildcard man/*.1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	rm -f $(DESTDIR)$(MANDIR)/man7/cg.7 $(DESTDIR)$(BASHCOMPDIR)/cg $(DESTDIR)$(ZSHCOMPDIR)/_cg

clean:
	rm -rf build build-asan build-*

include vendor/tree-sitter-rust/build.mk
