#!/bin/sh
# build.sh: builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang under ASan and
# UBSan, over the library compiled again with the same instrumentation (lib/calls/, the
# tree-sitter side, is left out: no target needs it). Usage: sh tests/fuzz/build.sh [OUTDIR]
# (default $CG_BUILDDIR/fuzz, else build-fuzz). Prints nothing on success.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${CG_BUILDDIR:+$CG_BUILDDIR/fuzz}}
OUT=${OUT:-$ROOT/build-fuzz}
CLANG=${CLANG:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
FLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -I$ROOT/lib"
LIBS=$(sed -n 's/^LIBS *= *//p' "$ROOT/config.mk" | sed 's/-ltree-sitter//')
mkdir -p "$OUT/obj"
objs=""
for src in "$ROOT"/lib/*/*.c; do
	case $src in */lib/calls/*) continue ;; esac
	o=$OUT/obj/$(basename "$src" .c).o
	objs="$objs $o"
	[ "$o" -nt "$src" ] && [ -z "$(find "$ROOT/lib" -name '*.h' -newer "$o")" ] && continue
	# shellcheck disable=SC2086
	$CLANG $FLAGS $SAN -fsanitize=fuzzer-no-link -DCG_VERSION='"fuzz"' -c "$src" -o "$o"
done
for t in "$ROOT"/tests/fuzz/fuzz_*.c; do
	# shellcheck disable=SC2086
	$CLANG $FLAGS -Wall -Wextra -Werror $SAN -fsanitize=fuzzer "$t" $objs -o "$OUT/$(basename "$t" .c)" $LIBS
done
