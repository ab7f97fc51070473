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
JOBS=$(nproc 2>/dev/null || echo 2)
export CLANG FLAGS SAN LIBS OUT
objs=""
stale=""
for src in "$ROOT"/lib/*/*.c; do
	case $src in */lib/calls/*) continue ;; esac
	o=$OUT/obj/$(basename "$src" .c).o
	objs="$objs $o"
	[ "$o" -nt "$src" ] && [ -z "$(find "$ROOT/lib" -name '*.h' -newer "$o")" ] && continue
	stale="$stale $src $o"
done
# compiles and links run $JOBS at a time: this build is most of the fuzz test's time in CI
# shellcheck disable=SC2086,SC2016
[ -z "$stale" ] || printf '%s\n' $stale | xargs -n 2 -P "$JOBS" sh -c \
	'$CLANG $FLAGS $SAN -fsanitize=fuzzer-no-link -DCG_VERSION="\"fuzz\"" -c "$0" -o "$1"'
export objs
for t in "$ROOT"/tests/fuzz/fuzz_*.c; do
	exe=$OUT/$(basename "$t" .c)
	[ -z "$stale" ] && [ "$exe" -nt "$t" ] && [ "$exe" -nt "$ROOT/config.mk" ] || echo "$t"
done | xargs -r -n 1 -P "$JOBS" sh -c \
	'$CLANG $FLAGS -Wall -Wextra -Werror $SAN -fsanitize=fuzzer "$0" $objs -o "$OUT/$(basename "$0" .c)" $LIBS'
