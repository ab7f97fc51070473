#!/usr/bin/env bash
# bench/rustdoc.sh: cg-ingest on real rustdoc JSON, the way a workspace meets it: a cold ingest
# of every file, a re-ingest where nothing changed, and --watch landing a one-crate change.
# Prints one NDJSON line per measurement. Usage:
#   bash bench/rustdoc.sh BUILD_DIR DOC_DIR [CARGO_LOCK]
# DOC_DIR holds the *.json files (a workspace's target/doc, or a copy of one); it is not
# modified: the watch rows work on a copy under $TMPDIR. Needs jq and GNU time.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: bash bench/rustdoc.sh BUILD_DIR DOC_DIR [CARGO_LOCK]" >&2; exit 2; }
BIN=$1/bin
DOCS=$(cd "$2" && pwd)
LOCK=${3:-}
TRIALS=${BENCH_TRIALS:-5}
DEBOUNCE=100
[ -x /usr/bin/time ] || { echo "bench/rustdoc.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cg-bench-rustdoc.XXXXXX")
watcher=
cleanup() { [ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

files=("$DOCS"/*.json)
bytes=$(cat "${files[@]}" | wc -c)
largest=$(ls -S "${files[@]}" | head -1)
lock_args=()
[ -z "$LOCK" ] || lock_args=(--lockfile "$LOCK")

# one cg-ingest run into store $1: wall s, cpu s, peak RSS kB as a JSON object
timed_ingest() {
	store=$1
	shift
	/usr/bin/time -f '{"wall_s":%e,"cpu_s":%U,"sys_s":%S,"peak_rss_kb":%M}' -o "$work/time" \
		"$BIN/cg-ingest" -q -d "$store" "${lock_args[@]}" "$@" "$DOCS"
	jq -c '{wall_s, cpu_s: ((.cpu_s + .sys_s) * 100 | round / 100), peak_rss_kb}' "$work/time"
}

# the median run of TRIALS (by wall time), with the fastest and slowest wall times
median_of() {
	jq -sc 'sort_by(.wall_s) | .[(length - 1) / 2 | floor] + {wall_s_min: .[0].wall_s, wall_s_max: .[-1].wall_s}'
}

# cold: each trial into a new store; unchanged: each trial into the last of them
cold=$(for i in $(seq "$TRIALS"); do
	rm -rf "$work/store"
	"$BIN/cg-init" -q -d "$work/store"
	timed_ingest "$work/store"
done | median_of)
noop=$(for i in $(seq "$TRIALS"); do timed_ingest "$work/store"; done | median_of)
jq -nc --argjson c "$cold" --argjson n "$noop" --argjson files ${#files[@]} --argjson bytes "$bytes" \
	--argjson largest "$(stat -c %s "$largest")" \
	'{system:"cg", op:"rustdoc_ingest", files:$files, trials:'"$TRIALS"', input_bytes:$bytes, largest_bytes:$largest} + $c
	 + {rss_per_largest: (($c.peak_rss_kb * 1024 / $largest) * 10 | round / 10)},
	 {system:"cg", op:"rustdoc_reingest_unchanged", files:$files, trials:'"$TRIALS"'} + $n
	 + {share_of_first: (($n.wall_s / $c.wall_s) * 1000 | round / 1000)}'

# ---- --watch: a changed crate, from the file's close to its event, less the debounce ----
ws=$work/ws
mkdir -p "$ws/target"
cp -r "$DOCS" "$ws/target/doc"
[ -z "$LOCK" ] || cp "$LOCK" "$ws/Cargo.lock"
"$BIN/cg-init" -q -d "$work/watch"
mkfifo "$work/events"
"$BIN/cg-ingest" -d "$work/watch" --watch --workspace "$ws" --debounce-ms $DEBOUNCE >"$work/events" 2>"$work/watch.err" &
watcher=$!
exec 3<"$work/events"
until read -r line <&3 && [[ $line == *'"event":"ready"'* ]]; do :; done

# the crate of median size, and the largest
median=$(ls -S "${files[@]}" | sed -n "$(( (${#files[@]} + 1) / 2 ))p")
for f in "$median" "$largest"; do
	name=$(basename "$f")
	for i in $(seq "$TRIALS"); do
		# a real change: one docs string edited, as a rebuild after a doc comment would
		sed "0,/\"docs\":\"/s//\"docs\":\"bench $i /" "$f" >"$work/next.json"
		cp "$work/next.json" "$ws/target/doc/$name"
		t0=$EPOCHREALTIME
		until read -r line <&3 && [[ $line == *"\"file\":\"$ws/target/doc/$name\""* ]]; do :; done
		t1=$EPOCHREALTIME
		echo "$t0 $t1"
	done | awk -v d=$DEBOUNCE '{ printf "%.1f\n", ($2 - $1) * 1000 - d }' | sort -n |
		awk '{ ms[NR] = $1 } END { print ms[int((NR + 1) / 2)], ms[1], ms[NR] }' >"$work/lat"
	read -r med lo hi <"$work/lat"
	jq -nc --arg f "$name" --argjson b "$(stat -c %s "$f")" --argjson med "$med" --argjson lo "$lo" \
		--argjson hi "$hi" --argjson n "$TRIALS" \
		'{system:"cg", op:"watch_update", file:$f, file_bytes:$b, trials:$n,
		  ms_after_debounce_median:$med, ms_min:$lo, ms_max:$hi}'
done
