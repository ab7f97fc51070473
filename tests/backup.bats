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

# How many SST files backup directory $1 holds. Counted there, not in the store before a
# backup: opening the store for one may let a pending compaction replace L0 files first.
backup_ssts() {
	find "$1" -path '*/shared_checksum/*.sst' | wc -l
}

@test "backup, more ingest, second backup copies fewer files; each restore matches its moment" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q --shards 2
	cg-ingest -q --workspace "$EXAMPLE_WS"
	more_data one
	more_data two
	more_data three
	answers "$STORE" >"$BATS_TEST_TMPDIR/moment1"
	run -0 --separate-stderr cg-backup create "$B"
	local first
	first=$(backup_ssts "$B")
	[ "$first" -ge 4 ]
	echo "$output" | jq -e --argjson n "$first" \
		'.id == 1 and .shards == 2 and .new_files == $n and .files > $n and .size > 0'
	more_data four
	answers "$STORE" >"$BATS_TEST_TMPDIR/moment2"
	# the second backup copies only the SST files that are new since the first
	run -0 --separate-stderr cg-backup create "$B"
	local added=$(($(backup_ssts "$B") - first))
	[ "$added" -ge 1 ]
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

# flip_sst FILE: one byte in the middle of FILE's data blocks, as a disk would damage it.
flip_sst() {
	chmod u+w "$1"
	python3 - "$1" <<'PY'
import sys
f = open(sys.argv[1], "r+b")
f.seek(200)
b = f.read(1)
f.seek(200)
f.write(bytes([b[0] ^ 0x40]))
PY
}

@test "create refuses a damaged store with exit 65 and keeps the good backups" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$B"
	cg-compact -q
	flip_sst "$STORE/$(sst_names | head -1)"
	run -1 --separate-stderr cg-verify -q
	run -65 --separate-stderr cg-backup create "$B"
	[[ "$stderr" == "cg-backup: no backup taken: shard 0 is damaged: "* ]] || fail "$stderr"
	assert_equal "$output" ""
	assert_equal "$(cg-backup list "$B" | jq -r .id | xargs)" 1
	run -0 cg-backup verify "$B"
	assert_equal "$(ls -A "$STORE" | grep -c '^\.cg-backup')" 0
}

@test "verify reads every block of a backup: a damaged store copied in is found" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$B"
	# as an older cg-backup would have copied a damaged file: the byte flipped, and the
	# CRC-32C BackupEngine keeps in meta/1 recomputed over the damaged bytes
	local f rel
	f=$(ls "$B"/shard-000/shared_checksum/*.sst | head -1)
	flip_sst "$f"
	rel=${f#"$B"/shard-000/}
	chmod u+w "$B/shard-000/meta/1"
	python3 - "$f" "$rel" "$B/shard-000/meta/1" <<'PY'
import sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff
crc = crc32c(open(sys.argv[1], "rb").read())
lines = open(sys.argv[3]).read().split("\n")
lines = [f"{sys.argv[2]} crc32 {crc}" if l.startswith(sys.argv[2] + " crc32 ") else l for l in lines]
open(sys.argv[3], "w").write("\n".join(lines))
PY
	run -1 --separate-stderr cg-backup verify "$B"
	echo "$output" | jq -e '.id == 1 and .ok == false and .shard == 0 and (.error | test("damaged|[Cc]orrupt"))'
	[ -z "$(ls -A "$B" | grep '^\.verify')" ]
}

@test "a backup directory belongs to one store: another store's create is refused, purge keeps its backups" {
	local B="$BATS_TEST_TMPDIR/bk" other="$BATS_TEST_TMPDIR/other"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-init -q -d "$other"
	cg-ingest -q -d "$other" --ndjson "$BATS_TEST_DIRNAME/fixtures/small.ndjson"
	cg-backup create -q "$B"
	cg-backup create -q "$B"
	id=$(jq -r .store_id "$STORE/MANIFEST.json")
	[ "${#id}" = 32 ]
	run -65 --separate-stderr cg-backup create -d "$other" "$B"
	assert_equal "$stderr" "cg-backup: $B holds the backups of another store (id $id; this one is $(jq -r .store_id "$other/MANIFEST.json")): give each store its own backup directory"
	run -0 cg-backup purge --keep 1 "$B"
	assert_equal "$(cg-backup list "$B" | jq -r .id | xargs)" 2
	# a restored store goes on as the same store
	cg-backup restore -q "$B" "$BATS_TEST_TMPDIR/restored"
	assert_equal "$(jq -r .store_id "$BATS_TEST_TMPDIR/restored/MANIFEST.json")" "$id"
	run -0 cg-backup create -q -d "$BATS_TEST_TMPDIR/restored" "$B"
}

# rewrite_catalog BACKUPDIR JQ: rewrites the catalog of BACKUPDIR with JQ (as an older cg left it).
rewrite_catalog() {
	jq "$2" "$1/catalog.json" >"$1/catalog.new" && mv "$1/catalog.new" "$1/catalog.json"
}

@test "a directory that already mixes two stores: create, purge and a bare restore refuse it, verify reports it" {
	local B="$BATS_TEST_TMPDIR/bk"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	for i in 1 2 3; do cg-backup create -q "$B"; done
	id=$(jq -r .store_id "$STORE/MANIFEST.json")
	# as two stores sharing a directory before backups recorded their store left it: no
	# store ids, backup 2 from a store created at another time
	rewrite_catalog "$B" 'del(.store_id) | .backups |= map(del(.store_id)) | .backups[1].created = 1700000000'
	created=$(jq -r .created "$STORE/MANIFEST.json")
	cp "$B/catalog.json" "$BATS_TEST_TMPDIR/catalog.before"
	mixed="cg-backup: $B holds the backups of two stores (ids created-$created and created-1700000000)"
	run -65 --separate-stderr cg-backup create "$B"
	assert_equal "$stderr" "$mixed: give each store its own backup directory"
	run -65 --separate-stderr cg-backup purge --keep 1 "$B"
	assert_equal "$stderr" "$mixed: give each store its own backup directory"
	cmp "$B/catalog.json" "$BATS_TEST_TMPDIR/catalog.before"
	assert_equal "$(cg-backup list "$B" | jq -r '"\(.id) \(.store_id)"' | xargs)" \
		"1 created-$created 2 created-1700000000 3 created-$created"
	# verify checks every backup, says whose each is, and fails on the mix
	run -65 --separate-stderr cg-backup verify "$B"
	assert_equal "$stderr" "$mixed: give each store its own backup directory"
	assert_equal "$(jq -r '"\(.id) \(.ok) \(.store_id)"' <<<"$output" | xargs)" \
		"1 true created-$created 2 true created-1700000000 3 true created-$created"
	# "the latest" is ambiguous; a named backup restores
	run -65 --separate-stderr cg-backup restore "$B" "$BATS_TEST_TMPDIR/r0"
	assert_equal "$stderr" "$mixed: name the backup to restore with --id"
	[ ! -e "$BATS_TEST_TMPDIR/r0" ]
	run -0 cg-backup restore --id 3 "$B" "$BATS_TEST_TMPDIR/r3"
	# entries that carry different store ids (a catalog edited or merged by hand) are refused too
	rewrite_catalog "$B" ".store_id = \"$id\" | .backups |= map(.store_id = \"$id\") | .backups[0].store_id = \"0123\""
	run -65 --separate-stderr cg-backup purge --keep 1 "$B"
	assert_equal "$stderr" "cg-backup: $B holds the backups of two stores (ids $id and 0123): give each store its own backup directory"
	assert_equal "$(cg-backup list "$B" | wc -l)" 3
}

@test "a catalog from before store ids belongs to the store its backups came from" {
	local B="$BATS_TEST_TMPDIR/bk" other="$BATS_TEST_TMPDIR/other"
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-backup create -q "$B"
	rewrite_catalog "$B" 'del(.store_id)'
	id=$(jq -r .store_id "$STORE/MANIFEST.json")
	cg-init -q -d "$other"
	run -65 --separate-stderr cg-backup create -d "$other" "$B"
	assert_equal "$stderr" "cg-backup: $B holds the backups of another store (id $id; this one is $(jq -r .store_id "$other/MANIFEST.json")): give each store its own backup directory"
	run -0 cg-backup create -q "$B"
	assert_equal "$(jq -r .store_id "$B/catalog.json")" "$id"
	assert_equal "$(cg-backup list "$B" | wc -l)" 2
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
	[ "${lines[0]}" -ge 1 ] # the first backup copies every SST file
	assert_line --index 1 1
	assert_line --regexp '^\[2,"[0-9T:Z-]+",[0-9]+\]$'
	assert_line --regexp '^\{"id":1,"store_id":"[0-9a-f]{32}","ok":true\}$'
	assert_line '{"purged":[],"kept":7}'
	[ -f "$BATS_TEST_TMPDIR/ex/graph-then/MANIFEST.json" ]
}
