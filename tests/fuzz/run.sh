#!/bin/sh
# run.sh: builds the fuzz targets, replays the regression inputs (tests/fuzz/regress/TARGET/)
# and fuzzes each target for $REL_FUZZ_SECS seconds (default 25) from the seeds in
# tests/fuzz/seeds/TARGET/. Usage: sh tests/fuzz/run.sh WORKDIR [TARGET...]. Needs
# $CG_BUILDDIR/bin (cg-init, cg-ingest) for the query and mcp targets' store. Prints one JSON line per
# target (executions, corpus size, crashes); exits 1 when a target crashed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${1:?usage: sh tests/fuzz/run.sh WORKDIR [TARGET...]}
shift
TARGETS=${*:-rustdoc ndjson query record cargolock mcp}
SECS=${REL_FUZZ_SECS:-25}
BIN=${CG_BUILDDIR:-$ROOT/build}/bin
mkdir -p "$W/tmp"
export TMPDIR="$W/tmp"
sh "$HERE/build.sh" "$W/bin" || { echo "fuzz: build failed" >&2; exit 2; }

# the query target answers against the example workspace
export CG_FUZZ_STORE="$W/store"
if [ ! -d "$CG_FUZZ_STORE" ]; then
	"$BIN/cg-init" -q -d "$CG_FUZZ_STORE" && "$BIN/cg-ingest" -q -d "$CG_FUZZ_STORE" -w "$ROOT/examples/ws" ||
		{ echo "fuzz: cannot build the query store" >&2; exit 2; }
fi

status=0
for t in $TARGETS; do
	exe=$W/bin/fuzz_$t
	crashes=0 failures=0
	# every input that once crashed a target must keep passing
	if [ -d "$HERE/regress/$t" ]; then
		if ! "$exe" -runs=1 "$HERE/regress/$t"/* >"$W/$t.regress.log" 2>&1; then
			echo "fuzz: $t: a regression input fails again:" >&2
			tail -30 "$W/$t.regress.log" >&2
			failures=$((failures + 1))
		fi
	fi
	corpus=$W/corpus/$t
	mkdir -p "$corpus" "$W/artifacts"
	cp "$HERE/seeds/$t"/* "$corpus/"
	"$exe" -max_total_time="$SECS" -max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$W/artifacts/$t-" "$corpus" >"$W/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log" | tail -1)
	if [ "$rc" != 0 ]; then
		crashes=$(ls "$W/artifacts" | grep -c "^$t-")
		echo "fuzz: $t: exit $rc; artifacts in $W/artifacts:" >&2
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$W/$t.log" | head -30 >&2
		failures=$((failures + 1))
	fi
	[ "$failures" = 0 ] || status=1
	printf '{"part":"fuzz","target":"%s","seconds":%s,"execs":%s,"corpus":%d,"crashes":%d,"failures":%d}\n' \
		"$t" "$SECS" "${execs:-0}" "$(ls "$corpus" | wc -l)" "$crashes" "$failures"
done
exit $status
