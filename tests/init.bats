#!/usr/bin/env bats
# init.bats: cg-init creates stores, refuses what it must, and the writer lock holds across processes.
bats_require_minimum_version 1.5.0
load helper

# Waits up to 5 s for FILE to hold a pid (the writer writes it right after taking the lock).
wait_for_pid_in() {
	for _ in $(seq 50); do
		[[ -s "$1" && "$(cat "$1")" =~ ^[0-9]+$ ]] && return 0
		sleep 0.1
	done
	return 1
}

@test "cg-init creates a store and describes it in one NDJSON line" {
	run -0 --separate-stderr cg-init
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	run -0 jq -r '[.store, .format, .schema_version, .shards, .cache_mb, .created_by, (.shard_dirs | join(","))] | join(" ")' <<<"$output"
	schema=$(sed -n 's/^#define CG_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$CG_ROOT/lib/codec/record.h")
	assert_output "$STORE cg-store $schema 1 64 cg 0.1.0 shard-000"
	[ -f "$STORE/MANIFEST.json" ]
	[ -f "$STORE/shard-000/CURRENT" ]
	run -0 jq -r '.format + " " + (.shards | tostring)' "$STORE/MANIFEST.json"
	assert_output "cg-store 1"
}

@test "the created time is an ISO 8601 UTC timestamp of now" {
	run -0 cg-init
	created=$(jq -r .created <<<"$output")
	[[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	now=$(date -u +%s)
	then=$(date -u -d "$created" +%s)
	(( now - then >= 0 && now - then < 60 ))
}

@test "store directories are 0700 and files 0600" {
	run -0 cg-init --shards 2
	[ "$(stat -c %a "$STORE")" = 700 ]
	[ "$(stat -c %a "$STORE/shard-000")" = 700 ]
	[ "$(stat -c %a "$STORE/shard-001")" = 700 ]
	[ "$(stat -c %a "$STORE/MANIFEST.json")" = 600 ]
	run -0 find "$STORE" -type f ! -perm 0600
	assert_output ""
	run -0 find "$STORE" -type d ! -perm 0700
	assert_output ""
}

@test "--shards 3 makes three shard directories, each a RocksDB instance" {
	run -0 cg-init --shards 3
	run -0 jq -c '[.shards, .shard_dirs]' <<<"$output"
	assert_output '[3,["shard-000","shard-001","shard-002"]]'
	for i in 000 001 002; do [ -f "$STORE/shard-$i/CURRENT" ]; done
	[ ! -e "$STORE/shard-003" ]
	run -0 find "$STORE" -mindepth 1 -maxdepth 1 -type d -name 'shard-*'
	[ "${#lines[@]}" -eq 3 ]
}

@test "--cache-mb is kept in the manifest; --shard-dir places a shard" {
	run -0 cg-init --cache-mb 16 --shards 2 --shard-dir "1=$BATS_TEST_TMPDIR/elsewhere"
	run -0 jq -c '[.cache_mb, .shard_dirs]' "$STORE/MANIFEST.json"
	assert_output "[16,[\"shard-000\",\"$BATS_TEST_TMPDIR/elsewhere\"]]"
	[ -f "$BATS_TEST_TMPDIR/elsewhere/CURRENT" ]
	[ ! -e "$STORE/shard-001" ]
}

@test "-q prints nothing and still creates the store" {
	run -0 --separate-stderr cg-init -q
	assert_output ""
	[ -z "$stderr" ]
	[ -f "$STORE/MANIFEST.json" ]
}

@test "an existing empty directory is adopted" {
	mkdir -m 755 "$STORE"
	run -0 cg-init
	[ "$(stat -c %a "$STORE")" = 700 ]
}

@test "re-init of a store is refused with exit 73 and leaves it as it was" {
	run -0 cg-init
	before=$(cat "$STORE/MANIFEST.json"; ls -R "$STORE")
	run -73 --separate-stderr cg-init
	assert_output ""
	[ "$stderr" = "cg-init: $STORE: a cg store already exists here" ]
	[ "$before" = "$(cat "$STORE/MANIFEST.json"; ls -R "$STORE")" ]
}

@test "a non-empty directory that is not a store is refused with exit 73" {
	mkdir "$STORE"
	echo keep >"$STORE/notes.txt"
	run -73 --separate-stderr cg-init
	[[ "$stderr" == "cg-init: $STORE: directory is not empty and is not a cg store" ]]
	[ "$(cat "$STORE/notes.txt")" = keep ]
	[ ! -e "$STORE/MANIFEST.json" ]
}

@test "a regular file in the way is refused with exit 73" {
	echo data >"$STORE"
	run -73 --separate-stderr cg-init
	[[ "$stderr" == "cg-init: $STORE: exists and is not a directory" ]]
}

@test "a missing parent directory exits 66" {
	run -66 --separate-stderr cg-init "$BATS_TEST_TMPDIR/no/such/store"
	[ "$stderr" = "cg-init: $BATS_TEST_TMPDIR/no/such/store: parent directory does not exist" ]
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
}

@test "an unwritable parent directory is one clear line and exit 74" {
	[ "$(id -u)" -ne 0 ] || skip "running as root: permissions do not apply"
	mkdir -m 500 "$BATS_TEST_TMPDIR/ro"
	run -74 --separate-stderr cg-init "$BATS_TEST_TMPDIR/ro/store"
	[ "$stderr" = "cg-init: $BATS_TEST_TMPDIR/ro/store: Permission denied" ]
	chmod 700 "$BATS_TEST_TMPDIR/ro"
}

@test "every bad argument exits 2 with one line and the --help hint" {
	bad=(
		"--shards 0" "--shards 257" "--shards x" "--shards -1" "--shards 1x" "--shards="
		"--cache-mb 0" "--cache-mb 1048577" "--cache-mb lots"
		"--shard-dir nope" "--shard-dir 1=" "--shard-dir x=/tmp" "--shard-dir 256=/tmp"
		"--shard-dir 1=$BATS_TEST_TMPDIR/s1"
		"--no-such-option" "-x" "--shards" "-d" "--cache-mb" "--shard-dir"
		"a b" "-d a b"
	)
	for args in "${bad[@]}"; do
		# shellcheck disable=SC2086  # word splitting is the point
		run -2 --separate-stderr cg-init $args
		assert_output ""
		mapfile -t err <<<"$stderr"
		if [ "${#err[@]}" -ne 2 ] || [[ "${err[0]}" != "cg-init: "* ]] ||
			[ "${err[1]}" != "Try 'cg-init --help' for more information." ]; then
			echo "cg-init $args gave:" >&2
			printf '%s\n' "${err[@]}" >&2
			return 1
		fi
	done
	[ ! -e "$STORE" ]
	[ ! -e a ]
}

@test "--help and --version print on stdout and exit 0" {
	run -0 --separate-stderr cg-init --help
	[ -z "$stderr" ]
	[[ "$output" == "Usage: cg-init "* ]]
	assert_output --partial "--shards N"
	assert_output --partial "--cache-mb N"
	run -0 --separate-stderr cg-init -h
	[[ "$output" == "Usage: cg-init "* ]]
	run -0 --separate-stderr cg-init --version
	[ -z "$stderr" ]
	assert_output "cg-init (cg) 0.1.0"
	run -0 cg-init -V
	assert_output "cg-init (cg) 0.1.0"
	[ ! -e "$STORE" ]
}

@test "a positional DIR wins over \$CG_DIR; -d wins over \$CG_DIR; ./.cg is the default" {
	run -0 cg-init "$BATS_TEST_TMPDIR/pos"
	[ "$(jq -r .store <<<"$output")" = "$BATS_TEST_TMPDIR/pos" ]
	run -0 cg-init -d "$BATS_TEST_TMPDIR/opt"
	[ "$(jq -r .store <<<"$output")" = "$BATS_TEST_TMPDIR/opt" ]
	run -0 cg-init --dir="$BATS_TEST_TMPDIR/long"
	[ -f "$BATS_TEST_TMPDIR/long/MANIFEST.json" ]
	[ ! -e "$STORE" ]
	run -0 cg-init
	[ "$(jq -r .store <<<"$output")" = "$STORE" ]
	mkdir "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd"
	CG_DIR= run -0 cg-init
	[ "$(jq -r .store <<<"$output")" = "$BATS_TEST_TMPDIR/cwd/.cg" ]
	unset CG_DIR
	run -0 cg-init "rel"
	[ "$(jq -r .store <<<"$output")" = "$BATS_TEST_TMPDIR/cwd/rel" ]
}

@test "a second writer is refused at once with exit 75 naming the holder's pid" {
	[ -x "$CG_BUILDDIR/bin/cg-ingest" ] || skip "cg-ingest not built"
	run -0 cg-init -q
	coproc WRITER { exec cg-ingest -q --ndjson - 2>&1; }
	holder=$WRITER_PID
	wait_for_pid_in "$STORE/lock"
	[ "$(cat "$STORE/lock")" = "$holder" ]
	start=$(date +%s%N)
	run -75 --separate-stderr cg-ingest --ndjson - </dev/null
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$stderr" = "cg-ingest: $STORE: store is locked by pid $holder" ]
	(( elapsed_ms < 2000 ))
	# readers are not blocked by the writer
	if [ -x "$CG_BUILDDIR/bin/cg-query" ]; then
		run -0 cg-query stats
	fi
	# the lock goes with the writer: once its input ends, a new writer gets in
	exec {WRITER[1]}>&-
	wait "$holder"
	run -0 cg-ingest -q --ndjson - </dev/null
}

@test "a lock held by another process (flock) refuses a writer with exit 75" {
	[ -x "$CG_BUILDDIR/bin/cg-ingest" ] || skip "cg-ingest not built"
	run -0 cg-init -q
	echo 4242 >"$STORE/lock"
	flock "$STORE/lock" sleep 5 &
	holder=$!
	for _ in $(seq 50); do
		flock -n "$STORE/lock" true || break
		sleep 0.1
	done
	run -75 --separate-stderr cg-ingest --ndjson - </dev/null
	[ "$stderr" = "cg-ingest: $STORE: store is locked by pid 4242" ]
	kill "$holder"
	wait "$holder" || true
}

@test "readers keep reading whole states while a writer ingests again and again" {
	[ -x "$CG_BUILDDIR/bin/cg-ingest" ] && [ -x "$CG_BUILDDIR/bin/cg-query" ] || skip "cg-ingest or cg-query not built"
	run -0 cg-init -q
	# the two whole states: the workspace without shapes_render, and with it
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	full=$(cg-query stats | jq -c '.stats | [.vertices, .edges]')
	run -0 cg-ingest -q --remove shapes_render
	part=$(cg-query stats | jq -c '.stats | [.vertices, .edges]')
	[ "$full" != "$part" ]
	(
		for _ in 1 2 3 4 5; do
			cg-ingest -q --workspace "$EXAMPLE_WS" || exit 1
			cg-ingest -q --remove shapes_render || exit 1
		done
	) &
	writer=$!
	reads=0
	while kill -0 "$writer" 2>/dev/null; do
		run -0 --separate-stderr cg-query stats
		seen=$(jq -c '.stats | [.vertices, .edges]' <<<"$output")
		if [ "$seen" != "$full" ] && [ "$seen" != "$part" ]; then
			echo "reader saw $seen, neither $full nor $part" >&2
			return 1
		fi
		reads=$((reads + 1))
	done
	wait "$writer"
	((reads >= 1))
	[ "$(cg-query stats | jq -c '.stats | [.vertices, .edges]')" = "$part" ]
	run -0 cg-verify -q
}
