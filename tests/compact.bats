#!/usr/bin/env bats
# compact.bats: cg-compact leaves every answer identical, ends with LZ4HC files at the bottom
# level, reports before/after, and respects the writer lock (exit 75, or --wait).

load helper
load tools/poke

setup_file() {
	build_poke
}

# A store with the example workspace ingested in three runs: the first lands as SST files at
# the bottom level, the other two as L0 files.
make_store() {
	cg-init -q "$@" "$STORE"
	cg-ingest -q --workspace "$EXAMPLE_WS"
	printf '%s\n' '{"type":"vertex","kind":"function","name":"draw_all","path":"app::draw_all","crate":"app","version":"1.0.0"}' \
		'{"type":"edge","src":"app::draw_all","label":"Calls","dst":"shapes_core::Shape"}' |
		cg-ingest -q --ndjson --unit app -
	cg-ingest -q --remove shapes_cli
}

# Every answer the store can give: all raw keys and values, cg-query's dump and some queries.
answers() {
	"$POKE" "$STORE" list
	cg-query dump | sort
	cg-query find --kind struct | sort
	cg-query neighbors shapes_core::Shape --both | sort
	cg-query callers shapes_core::Shape | sort
}

# Holds the store's writer lock from the shell (the lock is a plain flock(2) on DIR/lock).
hold_lock() {
	flock -x "$STORE/lock" sh -c "echo \$\$ > '$STORE/lock'; sleep $1" &
	sleep 0.3
}

@test "compaction keeps every answer identical and leaves one LZ4HC file at the bottom level" {
	make_store
	answers >"$BATS_TEST_TMPDIR/before"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/before")" -gt 1000 ]
	run -0 --separate-stderr cg-compact
	assert_equal "${#lines[@]}" 3
	echo "${lines[0]}" | jq -e '.phase == "before" and .shard == 0 and .files >= 3 and .files_per_level[0] >= 2'
	echo "${lines[1]}" | jq -e '.phase == "after" and .files == 1 and .files_per_level[6] == 1 and .complete
		and .read_bytes > 0 and .written_bytes > 0 and .write_amp > 0'
	echo "${lines[2]}" | jq -e '.summary and .complete and (.timed_out | not) and .sst_bytes_after > 0'
	answers >"$BATS_TEST_TMPDIR/after"
	cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# the table properties name the compression: LZ4HC, not NoCompression as in fresh L0 files
	grep -aq 'LZ4HC' "$STORE"/shard-000/*.sst
	! grep -aq 'NoCompression' "$STORE"/shard-000/*.sst
	run -0 cg-verify -q
	assert_output ""
}

@test "every shard is compacted; one family or a key range leaves the answers alone too" {
	make_store --shards 3
	answers >"$BATS_TEST_TMPDIR/before"
	run -0 --separate-stderr cg-compact --family e
	echo "$output" | jq -s -e '[.[] | select(.phase == "after")] | length == 3'
	run -0 --separate-stderr cg-compact --from i:name:A --to i:name:Z
	run -0 --separate-stderr cg-compact --from 'e:0000000000000000:Calls' --to v --max-seconds 60
	echo "$output" | tail -1 | jq -e '.complete and .shards == 3'
	answers >"$BATS_TEST_TMPDIR/after"
	cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "exits 75 at once while a writer holds the lock, naming its pid" {
	make_store
	hold_lock 5
	local holder=$!
	SECONDS=0
	run -75 --separate-stderr cg-compact
	[ "$SECONDS" -lt 3 ]
	[[ "$stderr" == "cg-compact: "*"locked by pid "[0-9]* ]]
	assert_output ""
	kill "$holder"
	wait "$holder" || true
}

@test "--wait waits for the writer, then compacts" {
	make_store
	hold_lock 2
	SECONDS=0
	run -0 --separate-stderr cg-compact --wait -q
	[ "$SECONDS" -ge 1 ]
	assert_output ""
	wait
}

@test "-q prints nothing; bad usage exits 2; no store exits 66" {
	make_store
	run -0 cg-compact -q
	assert_output ""
	run -2 --separate-stderr cg-compact --family x
	[[ "$stderr" == *"--family"* ]]
	run -2 --separate-stderr cg-compact --from 'q:1'
	[[ "$stderr" == *"not a readable key"* ]]
	run -2 --separate-stderr cg-compact --max-seconds 0
	run -66 --separate-stderr cg-compact -d "$BATS_TEST_TMPDIR/none"
}

@test "the EXAMPLES of cg-compact(1) run" {
	load tools/examples
	run -0 run_page_examples "$CG_ROOT/man/cg-compact.1"
	assert_line --regexp '^\[[0-9]+,[0-9]+\]$'
	assert_line '[0,0,0,0,0,0,1]'
}
