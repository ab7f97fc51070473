#!/bin/sh
# bench/run.sh: builds the benchmark programs and runs cg, the SQLite peer and the raw-RocksDB
# floor on generated code graphs at the given scales (S, M, L); writes bench/results.ndjson and
# prints the comparison table. Usage: sh bench/run.sh BUILD_DIR SCALE...
set -eu

[ $# -ge 2 ] || { echo "usage: sh bench/run.sh BUILD_DIR S|M|L|XL..." >&2; exit 2; }
B=$1
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$B/bin
OUT=${BENCH_DATA:-$B/bench} # XL's graph is about 4.7 GB: BENCH_DATA puts it elsewhere
RESULTS=$ROOT/bench/results.ndjson
SEED=${BENCH_SEED:-42}
mkdir -p "$OUT"
command -v jq >/dev/null || { echo "bench: jq is needed for the table" >&2; exit 2; }

# ---- build, with configure's compiler and libraries ----
conf() { sed -n "s/^$1 *= *//p" "$ROOT/config.mk"; }
CC=$(conf CC)
CFLAGS=$(conf CFLAGS)
LIBS=$(conf LIBS)
LIBS_CFLAGS=$(conf LIBS_CFLAGS)
WARN="-std=c11 -D_GNU_SOURCE -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2"
cc_() { out=$1; shift; echo "bench: cc -o $out $*" >&2; ${CC:-cc} $WARN ${CFLAGS:--O2} $LIBS_CFLAGS -I"$ROOT/lib" "$@" -o "$OUT/$out"; }
S=$ROOT/bench
cc_ gen "$S/gen.c" -lxxhash -lm
cc_ bench-sqlite "$S/sqlite.c" "$S/bench.c" -lsqlite3 -ljansson
cc_ bench-floor "$S/floor.c" "$S/bench.c" -lrocksdb
cc_ bench-cg "$S/cgq.c" "$S/bench.c" "$B/libcg.a" $LIBS
cc_ bench-cold "$S/cold.c" "$S/bench.c"
cc_ bench-proc "$S/proc.c" "$S/bench.c"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# runs a command, leaving its peak RSS in kB in file $1 (when GNU time is installed)
peak_rss() { f=$1; shift; if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$f" "$@"; else "$@"; fi; }

# ---- machine ----
machine=$(jq -nc --arg cpu "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
	--arg nproc "$(nproc)" --arg mem "$(awk '/MemTotal/ {print $2}' /proc/meminfo)" \
	--arg rocksdb "$(awk '/define ROCKSDB_(MAJOR|MINOR|PATCH)/ {printf "%s%s", s, $3; s="."}' /usr/include/rocksdb/version.h)" \
	--arg sqlite "$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)" --arg kernel "$(uname -r)" \
	--arg cflags "$CFLAGS" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	'{machine:{cpu:$cpu, nproc:($nproc|tonumber), mem_kb:($mem|tonumber), kernel:$kernel,
	  rocksdb:$rocksdb, sqlite:$sqlite, cflags:$cflags, date:$date}}')

# keep other scales' lines, replace this scale's
keep_results() {
	touch "$RESULTS"
	jq -c --arg s "$1" 'select(.scale != $s and .machine == null)' "$RESULTS" >"$RESULTS.tmp" || true
	cat "$2" >>"$RESULTS.tmp"
	mv "$RESULTS.tmp" "$RESULTS"
}

run_scale() {
	sc=$1
	case $sc in
	S) V=1200 E=6000 Q=2000 R=3 ONLY= ;;
	M) V=100000 E=500000 Q=2000 R=1 ONLY= ;;
	L) V=1000000 E=5000000 Q=2000 R=1 ONLY= ;;
	XL) V=5000000 E=25000000 Q=10 R=1 ONLY=ingest ;; # cg's ingest in bounded memory only
	*) echo "bench: unknown scale $sc (S, M, L or XL)" >&2; exit 2 ;;
	esac
	d=$OUT/$sc
	rm -rf "$d"
	mkdir -p "$d"
	res=$d/results.ndjson
	echo "bench: scale $sc: generating $V vertices, $E edges" >&2
	"$OUT/gen" -v $V -e $E -s "$SEED" -q $Q -o "$d/graph.ndjson" -Q "$d/queries.tsv"

	if [ -z "$ONLY" ]; then
		echo "bench: $sc: SQLite load and queries" >&2
		"$OUT/bench-sqlite" load "$d/sqlite.db" "$d/graph.ndjson" | jq -c --arg s "$sc" '. + {scale:$s, method:"ndjson"}' >>"$res"
		"$OUT/bench-sqlite" query -r $R -S "$sc" "$d/sqlite.db" "$d/queries.tsv" >>"$res"
	fi

	echo "bench: $sc: cg ingest" >&2
	store=$d/cg
	"$BIN/cg-init" -d "$store" >/dev/null
	t0=$(now)
	peak_rss "$d/ingest.rss" "$BIN/cg-ingest" -d "$store" --ndjson "$d/graph.ndjson" >"$d/ingest.out"
	t1=$(now)
	bytes=$(du -sb "$store" | cut -f1)
	rss=$(cat "$d/ingest.rss" 2>/dev/null || echo null)
	jq -c --arg s "$sc" --argjson secs "$(secs "$t0" "$t1")" --argjson bytes "$bytes" --argjson rss "$rss" \
		'{system:"cg", scale:$s, op:"ingest", method:"ndjson", seconds:$secs, vertices:.vertices,
		  edges:([.edges[]]|add), records_per_s:((.vertices + ([.edges[]]|add)) / $secs | floor),
		  bytes:$bytes, bytes_per_edge:($bytes / ([.edges[]]|add) * 10 | round / 10), peak_rss_kb:$rss}' \
		"$d/ingest.out" >>"$res"
	devws=$B/fixtures/devws
	if [ "$sc" = S ] && sh "$ROOT/tests/tools/unpack-fixture.sh" devws "$B/fixtures"; then
		"$BIN/cg-init" -d "$d/cg-devws" >/dev/null
		t0=$(now)
		"$BIN/cg-ingest" -q -d "$d/cg-devws" -w "$devws" --doc-dir "$devws/json"
		t1=$(now)
		jq -nc --argjson secs "$(secs "$t0" "$t1")" --argjson bytes "$(du -sb "$devws/json" | cut -f1)" \
			'{system:"cg", scale:"S", op:"ingest", method:"rustdoc", seconds:$secs, input_bytes:$bytes}' >>"$res"
	fi

	if [ -n "$ONLY" ]; then
		rm -rf "$d/graph.ndjson" "$store"
		keep_results "$sc" "$res"
		return
	fi
	echo "bench: $sc: cg queries, floor, one-shot processes" >&2
	"$OUT/bench-cg" -r $R -S "$sc" "$store" "$d/queries.tsv" >>"$res"
	"$OUT/bench-cg" -n -o get,find,out,in -r $R -S "$sc" "$store" "$d/queries.tsv" >>"$res"
	"$OUT/bench-floor" -x -r $R -S "$sc" "$store/shard-000" "$d/queries.tsv" >>"$res"
	id=$(awk -F'\t' '$1 == "get" {print $2; exit}' "$d/queries.tsv")
	"$OUT/bench-cold" -s cg -S "$sc" -o cold_get -n 20 -- "$BIN/cg-query" -d "$store" vertex "$id" >>"$res"
	if command -v sqlite3 >/dev/null; then
		"$OUT/bench-cold" -s sqlite -S "$sc" -o cold_get -n 20 -- sqlite3 "$d/sqlite.db" \
			"SELECT * FROM vertices WHERE id = 0x$id" >>"$res"
	fi

	if command -v sqlite3 >/dev/null; then
		sh "$ROOT/bench/proc.sh" "$B" "$d" "$sc" 200 "$OUT/bench-proc" >>"$res"
	else
		echo "bench: no sqlite3 shell: no process-level section" >&2
	fi

	t0=$(now)
	"$BIN/cg-compact" -q -d "$store"
	t1=$(now)
	jq -nc --arg s "$sc" --argjson secs "$(secs "$t0" "$t1")" --argjson bytes "$(du -sb "$store" | cut -f1)" \
		'{system:"cg", scale:$s, op:"compact", seconds:$secs, bytes:$bytes}' >>"$res"
	rm -f "$d/graph.ndjson" # large and regenerable
	keep_results "$sc" "$res"
}

for sc in "$@"; do
	run_scale "$sc"
done
{ echo "$machine"; jq -c 'select(.machine == null)' "$RESULTS"; } >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
sh "$ROOT/bench/table.sh" "$RESULTS"
