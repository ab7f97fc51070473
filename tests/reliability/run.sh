#!/bin/sh
# run.sh: the reliability trials — crash consistency, corruption, fuzzing, concurrency,
# permissions and path boundaries. Usage: sh tests/reliability/run.sh [ci|short|long] [PART...]
# (PARTS: crash corrupt fuzz concurrency perms; default all). Needs $CG_BUILDDIR (the build
# whose bin/ is tested), jq, strace and clang. Prints one JSON summary line per scenario on
# standard output and exits 1 when any check failed. REL_SEED picks other random draws.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
CG_ROOT=$(cd "$HERE/../.." && pwd)
CG_BUILDDIR=${CG_BUILDDIR:-$CG_ROOT/build}
export CG_BUILDDIR PATH="$CG_BUILDDIR/bin:$PATH"
EXAMPLE_WS=$CG_ROOT/examples/ws
REL_SEED=${REL_SEED:-1}
REL_FAILS=0
MODE=${1:-short}
[ $# -gt 0 ] && shift
PARTS=${*:-crash corrupt fuzz concurrency perms}

# Sizes per mode: generated graph vertices, crash trials per scenario, SST and value flips,
# seconds per fuzz target, seconds of concurrent reading and writing.
# Sizes per mode (each may be overridden from the environment): generated graph vertices,
# crash trials per scenario, SST and value flips, seconds per fuzz target, seconds of
# concurrent reading and writing.
case $MODE in
ci) d="8000 4 40 40 4 10" ;;
short) d="20000 6 150 150 25 20" ;;
long) d="60000 30 1500 1000 300 120" ;;
*) echo "usage: sh tests/reliability/run.sh [ci|short|long] [crash|corrupt|fuzz|concurrency|perms]..." >&2; exit 2 ;;
esac
read -r v k sf vf fs cs <<<"$d"
GEN_V=${GEN_V:-$v} REL_CRASH_TRIALS=${REL_CRASH_TRIALS:-$k} REL_SST_FLIPS=${REL_SST_FLIPS:-$sf}
REL_VAL_FLIPS=${REL_VAL_FLIPS:-$vf} REL_FUZZ_SECS=${REL_FUZZ_SECS:-$fs} REL_CONC_SECS=${REL_CONC_SECS:-$cs}
[ -x "$CG_BUILDDIR/bin/cg-ingest" ] || { echo "reliability: no binaries in $CG_BUILDDIR/bin (run make first)" >&2; exit 2; }
for tool in jq strace flock clang; do
	command -v $tool >/dev/null || { echo "reliability: $tool is needed" >&2; exit 2; }
done

W=${REL_WORK:-$CG_BUILDDIR/reliability}
rm -rf "$W" && mkdir -p "$W/tmp" "$W/states"
export TMPDIR=$W/tmp
# the devws fixture: CG_DEVWS when given, else the shipped copy unpacked into the work dir
DEVWS=${CG_DEVWS:-$W/devws}
[ -d "$DEVWS/json" ] || sh "$CG_ROOT/tests/tools/unpack-fixture.sh" devws "$W" || exit 2
unset CG_DIR CG_CACHE_MB

. "$HERE/lib.sh"
. "$HERE/crash.sh"
. "$HERE/corrupt.sh"
. "$HERE/concurrency.sh"
. "$HERE/perms.sh"

# The generated graphs: g1, and g1c = g1 with every fifth vertex changed plus a second graph.
rel_graphs() {
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -I"$CG_ROOT/lib" "$CG_ROOT/bench/gen.c" -o "$W/gen" -lxxhash -lm || exit 2
	"$W/gen" -v "$GEN_V" -e $((GEN_V * 3)) -s "$REL_SEED" -o "$W/g1.ndjson" -Q "$W/q.tsv" 2>/dev/null || exit 2
	"$W/gen" -v $((GEN_V / 4)) -e $((GEN_V * 3 / 4)) -s $((REL_SEED + 1000)) -o "$W/g2.ndjson" -Q "$W/q.tsv" 2>/dev/null || exit 2
	{ awk 'NR % 5 == 0 && /"type":"vertex"/ { sub(/"line":/, "\"line\":1") } { print }' "$W/g1.ndjson"; cat "$W/g2.ndjson"; } >"$W/g1c.ndjson"
}

# The start states the trials copy, each built only when a part of this run copies it (each
# bats test runs one part): empty, ws, gen1 (g1 loaded), devws.
rel_states() {
	local s=$W/states
	cg-init -q -d "$s/empty" || exit 2
	if rel_uses crash corrupt concurrency; then
		cp -a "$s/empty" "$s/ws" && cg-ingest -q -d "$s/ws" -w "$EXAMPLE_WS" || exit 2
	fi
	if rel_uses crash concurrency; then
		cp -a "$s/empty" "$s/gen1" && cg-ingest -q -d "$s/gen1" --ndjson --unit gen "$W/g1.ndjson" || exit 2
	fi
	if rel_uses crash && [ -d "$DEVWS/json" ]; then
		cp -a "$s/empty" "$s/devws" && cg-ingest -q -d "$s/devws" -w "$DEVWS" --doc-dir "$DEVWS/json" || exit 2
	fi
}

# rel_uses PART...: whether this run includes any of the parts.
rel_uses() {
	local p
	for p in "$@"; do case " $PARTS " in *" $p "*) return 0 ;; esac; done
	return 1
}

start=$(rel_now_ms)
rel_log "mode $MODE, seed $REL_SEED, parts: $PARTS, work dir $W"
if rel_uses crash concurrency; then rel_graphs; fi
rel_states
for part in $PARTS; do
	p0=$(rel_now_ms)
	case $part in
	crash) crash_part ;;
	corrupt) corrupt_part ;;
	fuzz) REL_FUZZ_SECS=$REL_FUZZ_SECS sh "$CG_ROOT/tests/fuzz/run.sh" "$W/fuzz" || rel_fail "fuzz: see above" ;;
	concurrency) concurrency_part ;;
	perms) perms_part ;;
	*) echo "reliability: unknown part $part" >&2; exit 2 ;;
	esac
	rel_log "$part: $(( ($(rel_now_ms) - p0) / 1000 )) s"
done | tee "$W/summary.ndjson"
fails=$(grep -c '"failures":[1-9]' "$W/summary.ndjson")
rel_log "done in $(( ($(rel_now_ms) - start) / 1000 )) s; scenarios with failures: $fails"
[ "$fails" = 0 ]
