#!/usr/bin/env bats
# backup.bats: incremental backups (the second copies fewer files), restore of each moment,
# list/verify/purge, the writer lock, refusals.

load helper
load tools/poke

setup_file() {
	build_poke
}

# Everything a store answers: raw keys and values plus cg-query's dump.
answers() {
	"$POKE" "$1" list
	cg-query -d "$1" dump | sort
}

# One more NDJSON unit NAME (a vertex and a Calls edge): one more L0 file in each shard it touches.
more_data() {
	local name=${1:-app}
	printf '%s\n' "{\"type\":\"vertex\",\"kind\":\"function\",\"name\":\"draw_$name\",\"path\":\"$name::draw\",\"crate\":\"$name\",\"version\":\"1.0.0\"}" \
		"{\"type\":\"edge\",\"src\":\"$name::draw\",\"label\":\"Calls\",\"dst\":\"shapes_core::Shape\"}" |
		cg-ingest -q --ndjson --unit "$name" -
}

# Names of the store's live SST files, one per line.
sst_names() {
	(cd "$STORE" && ls shard-*/*.sst) | sort
}

@test "backup, more ingest, second backup copies fewer files; each restore matches its moment" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q --shards 2
	cg-ingest -q --workspace "$EXAMPLE_WS"
	more_data one
	more_data two
	more_data three
	answers "$STORE" >"$BATS_TEST_TMPDIR/moment1"
	sst_names >"$BATS_TEST_TMPDIR/ssts1"
	run -0 --separate-stderr cg-backup create "$B"
	echo "$output" | jq -e --argjson n "$(wc -l <"$BATS_TEST_TMPDIR/ssts1")" \
		'.id == 1 and .shards == 2 and .new_files == $n and .files > $n and .size > 0'
	local first
	first=$(echo "$output" | jq .new_files)
	more_data four
	answers "$STORE" >"$BATS_TEST_TMPDIR/moment2"
	# the second backup copies exactly the SST files that appeared since the first
	local added
	added=$(sst_names | comm -13 "$BATS_TEST_TMPDIR/ssts1" - | wc -l)
	[ "$added" -ge 1 ]
	run -0 --separate-stderr cg-backup create "$B"
	echo "$output" | jq -e --argjson first "$first" --argjson added "$added" \
		'.id == 2 and .new_files == $added and .new_files < $first'

	run -0 --separate-stderr cg-backup list "$B"
	assert_equal "${#lines[@]}" 2
	echo "$output" | jq -s -e 'map(.id) == [1, 2] and all(.timestamp | test("^[0-9-]+T[0-9:]+Z$"))'
	run -0 --separate-stderr cg-backup verify "$B"
	echo "$output" | jq -s -e 'map(.ok) == [true, true]'

	run -0 --separate-stderr cg-backup restore --id 1 "$B" "$BATS_TEST_TMPDIR/r1"
	echo "$output" | jq -e '.id == 1'
	run -0 --separate-stderr cg-backup restore "$B" "$BATS_TEST_TMPDIR/r2"
	echo "$output" | jq -e '.id == 2'
	answers "$BATS_TEST_TMPDIR/r1" | cmp - "$BATS_TEST_TMPDIR/moment1"
	answers "$BATS_TEST_TMPDIR/r2" | cmp - "$BATS_TEST_TMPDIR/moment2"
	! cmp -s "$BATS_TEST_TMPDIR/moment1" "$BATS_TEST_TMPDIR/moment2"
	jq -e '.shards == 2 and .shard_dirs == ["shard-000", "shard-001"]' "$BATS_TEST_TMPDIR/r1/MANIFEST.json"
	run -0 cg-verify -q -d "$BATS_TEST_TMPDIR/r1"
	run -0 cg-verify -q -d "$BATS_TEST_TMPDIR/r2"
	[ ! -e "$STORE"/.cg-backup-* ]
}

@test "purge keeps the newest N; a purged backup cannot be restored" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$B"
	more_data
	cg-backup create -q "$B"
	cg-backup create -q "$B"
	run -0 --separate-stderr cg-backup purge --keep 1 "$B"
	echo "$output" | jq -e '.purged == [1, 2] and .kept == 1'
	run -0 cg-backup list "$B"
	echo "$output" | jq -s -e 'map(.id) == [3]'
	[ "$(ls "$B/shard-000/meta")" = 3 ]
	run -66 --separate-stderr cg-backup restore --id 1 "$B" "$BATS_TEST_TMPDIR/r"
	[[ "$stderr" == *"no backup 1"* ]]
	run -0 cg-backup restore -q "$B" "$BATS_TEST_TMPDIR/r"
	answers "$BATS_TEST_TMPDIR/r" | cmp - <(answers "$STORE")
}

@test "verify finds a damaged backup file and exits 1" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$B"
	local f
	f=$(ls "$B"/shard-000/shared_checksum/*.sst | head -1)
	chmod u+w "$f"
	truncate -s 100 "$f"
	run -1 --separate-stderr cg-backup verify "$B"
	echo "$output" | jq -e '.id == 1 and .ok == false and .shard == 0 and (.error | length > 0)'
}

@test "create exits 75 while a writer holds the store, and waits with --wait" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	flock -x "$STORE/lock" sh -c "echo \$\$ > '$STORE/lock'; sleep 2" &
	sleep 0.3
	run -75 --separate-stderr cg-backup create "$BATS_TEST_TMPDIR/bk"
	[[ "$stderr" == "cg-backup: "*"locked by pid "[0-9]* ]]
	run -0 --separate-stderr cg-backup create --wait "$BATS_TEST_TMPDIR/bk"
	echo "$output" | jq -e '.id == 1'
	wait
}

@test "refusals: restore into a non-empty directory, missing store or backup dir, usage" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$BATS_TEST_TMPDIR/bk"
	run -73 --separate-stderr cg-backup restore "$BATS_TEST_TMPDIR/bk" "$STORE"
	[[ "$stderr" == *"not an empty directory"* ]]
	run -66 --separate-stderr cg-backup list "$BATS_TEST_TMPDIR/nothing"
	[[ "$stderr" == *"not a cg backup directory"* ]]
	run -66 --separate-stderr cg-backup create -d "$BATS_TEST_TMPDIR/nostore" "$BATS_TEST_TMPDIR/bk2"
	run -2 --separate-stderr cg-backup
	run -2 --separate-stderr cg-backup purge "$BATS_TEST_TMPDIR/bk"
	[[ "$stderr" == *"--keep"* ]]
	run -2 --separate-stderr cg-backup restore "$BATS_TEST_TMPDIR/bk"
	run -2 --separate-stderr cg-backup frobnicate x
}

@test "the EXAMPLES of cg-backup(1) run" {
	load tools/examples
	run -0 run_page_examples "$CG_ROOT/man/cg-backup.1"
	assert_line --index 0 1
	assert_line --index 1 1
	assert_line --regexp '^\[2,"[0-9T:Z-]+",[0-9]+\]$'
	assert_line '{"id":1,"ok":true}'
	assert_line '{"purged":[],"kept":7}'
	[ -f "$BATS_TEST_TMPDIR/ex/graph-then/MANIFEST.json" ]
}
