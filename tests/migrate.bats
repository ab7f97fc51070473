#!/usr/bin/env bats
# migrate.bats: the version-1 store fixture read by this cg, cg-migrate's upgrade to version 2
# (same answers, every record rewritten, resumable after kill -9), --reshard 1 -> 4 -> 2 with
# identical answers and kills at every step, the lock, refusals, the man page's examples.
load helper

FIXTURE="$CG_ROOT/tests/fixtures/store-v1"

# The version-1 store, as the version-1 code left it, at $1 (default $STORE).
unpack_v1() {
	local to=${1:-$STORE} tmp="$BATS_TEST_TMPDIR/unpack.$$.$RANDOM"
	mkdir -p "$tmp"
	tar xzf "$FIXTURE/store.tar.gz" -C "$tmp"
	mv "$tmp/store" "$to"
	rmdir "$tmp"
}

# Every key and value, without the shard, in a fixed order: equal across shard counts.
flat_dump() {
	cg-query -d "$1" dump | jq -c 'del(.shard)' | sort
}

# Each fixture query's answer equals what the version-1 code gave; with "sorted", as sets of
# lines (answers spread over several shards come in another order). "match" (which name form
# resolved the query) is a field of answers added after version 1, so it is left out.
answers_match() {
	local dir=$1 how=${2:-exact} n=0 q
	while read -r q; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		if [ "$how" = sorted ]; then
			diff <(cg-query -d "$dir" $q | jq -c 'del(.match)' | sort) <(sort "$FIXTURE/answers/$n.ndjson") || { echo "query $n: $q" >&2; return 1; }
		else
			diff <(cg-query -d "$dir" $q | jq -c 'del(.match)') "$FIXTURE/answers/$n.ndjson" || { echo "query $n: $q" >&2; return 1; }
		fi
	done <"$FIXTURE/queries.txt"
	[ "$n" -ge 8 ]
}

schema_of() {
	jq -r .schema_version "$1/MANIFEST.json"
}

# How many records are still older than version 2 (a dry run on a copy whose manifest is set
# back to 1, so the dry run does not stop at "nothing to do").
old_records() {
	local copy="$BATS_TEST_TMPDIR/count.$RANDOM"
	cp -a "$1" "$copy"
	jq '.schema_version = 1' "$1/MANIFEST.json" >"$copy/MANIFEST.json"
	cg-migrate -d "$copy" --dry-run | jq -r .rewritten
	rm -rf "$copy"
}

@test "the version-1 fixture opens and answers exactly as the version-1 code did" {
	unpack_v1
	[ "$(schema_of "$STORE")" = 1 ]
	run -0 --separate-stderr cg-verify
	echo "$output" | tail -1 | jq -e '.problems == 0 and .keys == 1596'
	diff <(cg-query dump) "$FIXTURE/dump.ndjson"
	answers_match "$STORE"
	# version-1 vertices have no end line or column: none is shown
	run -0 cg-query vertex shapes_core::Shape
	[[ "$output" != *end_line* && "$output" != *column* ]]
}

@test "cg-migrate upgrades version 1 to 2: same dump and answers, every record rewritten, cg-verify clean" {
	unpack_v1
	run -0 --separate-stderr cg-migrate
	echo "$output" | jq -e '.from == 1 and .to == 2 and .status == "upgraded" and .records == 1596 and .rewritten == 1596
		and .by_type == {"vertex":177,"edge":566,"index":849,"meta":4} and .batches == 1 and .ms > 0'
	[ "$(schema_of "$STORE")" = 2 ]
	diff <(cg-query dump) "$FIXTURE/dump.ndjson"
	answers_match "$STORE"
	run -0 --separate-stderr cg-verify
	echo "$output" | tail -1 | jq -e '.problems == 0 and .keys == 1596'
	[ "$(old_records "$STORE")" = 0 ]
}

@test "re-running an upgrade is a no-op, and --dry-run changes nothing" {
	unpack_v1
	local before
	before=$(cd "$STORE" && find . -type f ! -name 'LOG*' ! -name lock -printf '%p %s\n' | sort | md5sum)
	run -0 --separate-stderr cg-migrate --dry-run
	echo "$output" | jq -e '.status == "dry run" and .from == 1 and .to == 2 and .rewritten == 1596 and .batches == 0'
	[ "$(schema_of "$STORE")" = 1 ]
	[ "$(cd "$STORE" && find . -type f ! -name 'LOG*' ! -name lock -printf '%p %s\n' | sort | md5sum)" = "$before" ]
	[ "$(old_records "$STORE")" = 1596 ]

	cg-migrate -q
	local after
	after=$(cd "$STORE" && find . -type f ! -name 'LOG*' ! -name 'LOCK' -name '*.sst' | sort)
	run -0 --separate-stderr cg-migrate
	echo "$output" | jq -e '.status == "nothing to do" and .from == 2 and .to == 2 and .rewritten == 0'
	run -0 --separate-stderr cg-migrate --to 2
	echo "$output" | jq -e '.status == "nothing to do"'
	[ "$(cd "$STORE" && find . -type f -name '*.sst' | sort)" = "$after" ]
	diff <(cg-query dump) "$FIXTURE/dump.ndjson"
}

@test "version-2 records written into a version-1 store sit beside version-1 ones; the upgrade rewrites only the old" {
	unpack_v1
	# this cg re-adds shapes_render: its vertices are version 2, with end lines and columns
	cg-ingest -q --remove shapes_render
	cg-ingest -q --workspace "$EXAMPLE_WS"
	[ "$(schema_of "$STORE")" = 1 ]
	run -0 --separate-stderr cg-verify
	run -0 cg-query find --crate shapes_render --kind struct
	echo "$output" | jq -e -s 'map(select(.vertex.name == "Scene"))[0].vertex | .end_line == 12 and .line == 8 and .column == 1'
	run -0 cg-query vertex shapes_core::Shape
	echo "$output" | jq -e '.vertex | has("end_line") | not'
	local dump old
	dump=$(cg-query dump)
	old=$(old_records "$STORE")
	[ "$old" -gt 0 ] && [ "$old" -lt 1596 ]
	run -0 --separate-stderr cg-migrate
	echo "$output" | jq -e --argjson old "$old" '.rewritten == $old and .records > $old'
	[ "$(cg-query dump)" = "$dump" ]
	run -0 --separate-stderr cg-verify
}

@test "an upgrade killed after any batch leaves a store that opens at version 1, and a re-run finishes it" {
	unpack_v1
	local k
	for k in 1 7 15; do
		rm -rf "$STORE"
		unpack_v1
		run -137 env CG_TEST_MIGRATE_CRASH_AFTER_BATCH=$k cg-migrate --chunk 100
		[ "$(schema_of "$STORE")" = 1 ]
		[ "$(old_records "$STORE")" = $((1596 - 100 * k)) ]
		run -0 --separate-stderr cg-verify
		diff <(cg-query dump) "$FIXTURE/dump.ndjson"
		run -0 --separate-stderr cg-migrate --chunk 100
		echo "$output" | jq -e --argjson k "$k" '.status == "upgraded" and .rewritten == 1596 - 100 * $k'
		[ "$(schema_of "$STORE")" = 2 ]
		[ "$(old_records "$STORE")" = 0 ]
		diff <(cg-query dump) "$FIXTURE/dump.ndjson"
	done
}

@test "kill -9 at random moments of an upgrade: every time the store opens at 1 or 2, cg-verify is clean, a re-run completes" {
	skip_if_sanitized "random SIGKILL points; the killed-at-each-step test runs under the sanitizers"
	local trial partial=0 delay left t0 full
	# kill points spread over the length of an uninterrupted run on this machine, now
	unpack_v1
	t0=$(date +%s.%N)
	cg-migrate -q --chunk 10
	full=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
	for trial in 1 2 3 4 5; do
		rm -rf "$STORE"
		unpack_v1
		delay=$(awk -v t="$trial" -v f="$full" -v r="$RANDOM" 'BEGIN { printf "%.3f", f * (t - 0.5 + r / 32768) / 6 }')
		cg-migrate -q --chunk 10 &
		sleep "$delay"
		kill -9 $! 2>/dev/null || true
		wait $! || true
		case "$(schema_of "$STORE")" in
		1) left=$(old_records "$STORE") ;;
		2) left=0 ;;
		*) false ;;
		esac
		[ "$left" -gt 0 ] && [ "$left" -lt 1596 ] && partial=$((partial + 1))
		note "trial $trial: killed after ${delay}s, $left version-1 records left"
		run -0 --separate-stderr cg-verify
		diff <(cg-query dump) "$FIXTURE/dump.ndjson"
		run -0 --separate-stderr cg-migrate -q
		[ "$(schema_of "$STORE")" = 2 ]
		[ "$(old_records "$STORE")" = 0 ]
		diff <(cg-query dump) "$FIXTURE/dump.ndjson"
	done
	answers_match "$STORE"
	# at least one kill landed in the middle of the rewrite
	[ "$partial" -ge 1 ]
}

@test "a locked store: exit 75 for the upgrade and the reshard, and the store is untouched" {
	unpack_v1
	flock -o "$STORE/lock" sleep 20 &
	local holder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		flock -n "$STORE/lock" true || break
		sleep 0.1
	done
	run -75 --separate-stderr cg-migrate
	[[ "$stderr" == "cg-migrate: "*"locked"* ]]
	run -75 --separate-stderr cg-migrate --reshard 2
	[[ "$stderr" == *"locked"* ]]
	# a dry run is a reader: it works beside the writer
	run -0 --separate-stderr cg-migrate --dry-run
	echo "$output" | jq -e '.rewritten == 1596'
	kill "$holder"
	wait "$holder" || true
	[ "$(schema_of "$STORE")" = 1 ]
	run -0 cg-migrate -q
}

@test "refusals: a downgrade (65), a version this cg cannot write (2), bad usage (2), no store (66), a damaged record (65)" {
	unpack_v1
	cg-migrate -q
	run -65 --separate-stderr cg-migrate --to 1
	[[ "$stderr" == "cg-migrate: the store is at schema version 2; downgrading to 1 is not supported"* ]]
	[ "$(schema_of "$STORE")" = 2 ]
	run -2 --separate-stderr cg-migrate --to 3
	[[ "$stderr" == *"schema version 3"* ]]
	run -2 --separate-stderr cg-migrate --to x
	run -2 --separate-stderr cg-migrate --reshard 0
	[[ "$stderr" == *"--reshard"* ]]
	run -2 --separate-stderr cg-migrate --reshard 2 --to 2
	run -2 --separate-stderr cg-migrate --chunk 0
	run -2 --separate-stderr cg-migrate extra
	run -2 --separate-stderr cg-migrate --bogus
	[[ "$stderr" == *"Try 'cg-migrate --help'"* ]]
	run -66 --separate-stderr cg-migrate -d "$BATS_TEST_TMPDIR/none"
	run -0 cg-migrate --help
	assert_output --partial "--reshard N"
	run -0 cg-migrate --version

	# a damaged record stops the upgrade at its key, before any manifest change
	load tools/poke
	build_poke
	rm -rf "$STORE"
	unpack_v1
	local k
	k=$("$POKE" "$STORE" list | awk '$2 ~ /^v:/ { print $3; exit }')
	"$POKE" "$STORE" flip "$k" 40
	run -65 --separate-stderr cg-migrate
	[[ "$stderr" == "cg-migrate: shard 0: v:${k:2}: record checksum mismatch; not migrating past a damaged record"* ]]
	[ "$(schema_of "$STORE")" = 1 ]
}

@test "reshard 1 -> 4 -> 2 keeps every key and every answer; old shards are gone; cg-verify is clean" {
	unpack_v1
	local dump
	dump=$(flat_dump "$STORE")
	run -0 --separate-stderr cg-migrate --reshard 4
	echo "$output" | jq -e '.reshard and .from == 1 and .to == 4 and .status == "resharded" and .keys == 1596
		and (.keys_per_shard | length == 4 and add == 1596 and min > 0) and .dir == "shards-4"'
	jq -e '.shards == 4 and .shard_dirs == ["shards-4/shard-000","shards-4/shard-001","shards-4/shard-002","shards-4/shard-003"]
		and .schema_version == 1' "$STORE/MANIFEST.json"
	[ "$(ls "$STORE" | tr '\n' ' ')" = "MANIFEST.json lock shards-4 " ]
	[ "$(flat_dump "$STORE")" = "$dump" ]
	answers_match "$STORE" sorted
	run -0 --separate-stderr cg-verify
	echo "$output" | tail -1 | jq -e '.problems == 0 and .shards == 4 and .keys == 1596'
	# each key sits where the store's rule puts it (cg-verify checks that too: wrong_shard)
	cg-query stats | jq -e '[.stats.shards[].keys] | add == 1596'

	run -0 --separate-stderr cg-migrate --reshard 2
	echo "$output" | jq -e '.from == 4 and .to == 2 and (.keys_per_shard | add == 1596) and .dir == "shards-2"'
	[ "$(ls "$STORE" | tr '\n' ' ')" = "MANIFEST.json lock shards-2 " ]
	[ "$(flat_dump "$STORE")" = "$dump" ]
	answers_match "$STORE" sorted
	run -0 --separate-stderr cg-verify
	echo "$output" | tail -1 | jq -e '.problems == 0 and .shards == 2'
	run -0 --separate-stderr cg-migrate --reshard 2
	echo "$output" | jq -e '.status == "nothing to do"'

	# the resharded store upgrades like any other, and writers use the new shards
	cg-migrate -q
	[ "$(flat_dump "$STORE")" = "$dump" ]
	cg-ingest -q --remove small
	cg-ingest -q --ndjson --unit small "$CG_ROOT/tests/fixtures/small.ndjson"
	run -0 --separate-stderr cg-verify
	run -0 cg-query callers alpha::helper
	echo "$output" | jq -e '.vertex.path == "alpha::run"'
}

@test "reshard --dry-run shows the balance and changes nothing" {
	unpack_v1
	local before
	before=$(cd "$STORE" && find . ! -name 'LOG*' | sort)
	run -0 --separate-stderr cg-migrate --reshard 3 --dry-run
	echo "$output" | jq -e '.status == "dry run" and .keys == 1596 and (.keys_per_shard | length == 3 and add == 1596) and .dir == null'
	[ "$(cd "$STORE" && find . ! -name 'LOG*' | sort)" = "$before" ]
}

@test "a reshard killed at each step leaves the old store or the new; the next run tidies up" {
	local step dump
	unpack_v1
	dump=$(flat_dump "$STORE")
	for step in built journaled renamed switched trashed; do
		rm -rf "$STORE"
		unpack_v1
		run -137 env CG_TEST_RESHARD_CRASH=$step cg-migrate --reshard 3
		case $step in
		built | journaled | renamed) jq -e '.shards == 1' "$STORE/MANIFEST.json" ;;
		*) jq -e '.shards == 3' "$STORE/MANIFEST.json" ;;
		esac
		[ "$(flat_dump "$STORE")" = "$dump" ]
		run --separate-stderr cg-verify
		if [ "$step" = switched ]; then
			# killed in the instant between the switch and moving the old shard aside: that
			# leftover is the one thing cg-verify reports, until the next run removes it
			[ "$status" -eq 1 ]
			echo "$output" | jq -e -s 'map(select(.summary | not)) | length == 1 and (.[0].detail | test("shard-000 looks like a shard"))'
		else
			[ "$status" -eq 0 ]
		fi
		run -0 --separate-stderr cg-migrate --reshard 3
		echo "$output" | jq -e '.cleaned'
		[ "$(ls "$STORE" | tr '\n' ' ')" = "MANIFEST.json lock shards-3 " ]
		run -0 --separate-stderr cg-verify
		[ "$(flat_dump "$STORE")" = "$dump" ]
	done
}

@test "kill -9 at random moments of a reshard: the store opens with the same answers, cg-verify finds at most the switch leftover" {
	skip_if_sanitized "random SIGKILL points; the killed-at-each-step test runs under the sanitizers"
	local trial delay dump shards
	unpack_v1
	dump=$(flat_dump "$STORE")
	for trial in 1 2 3 4 5; do
		rm -rf "$STORE"
		unpack_v1
		delay=$(awk -v t="$trial" -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.1 * t + r / 32768 * 0.1 }')
		cg-migrate -q --reshard 3 &
		sleep "$delay"
		kill -9 $! 2>/dev/null || true
		wait $! || true
		shards=$(jq .shards "$STORE/MANIFEST.json")
		note "trial $trial: killed after ${delay}s at $shards shard(s): $(ls "$STORE" | tr '\n' ' ')"
		[ "$shards" = 1 ] || [ "$shards" = 3 ]
		[ "$(flat_dump "$STORE")" = "$dump" ]
		run --separate-stderr cg-verify
		if [ "$status" -ne 0 ]; then
			# only a kill between the switch and moving the old shard aside may leave a finding:
			# that leftover, until the next run removes it (the test above has the step itself)
			[ "$status" -eq 1 ] && [ "$shards" = 3 ]
			echo "$output" | jq -e -s 'map(select(.summary | not)) | length == 1 and (.[0].detail | test("shard-000 looks like a shard"))'
		fi
		run -0 --separate-stderr cg-migrate -q --reshard 3
		[ "$(flat_dump "$STORE")" = "$dump" ]
		[ "$(ls "$STORE" | tr '\n' ' ')" = "MANIFEST.json lock shards-3 " ]
		run -0 --separate-stderr cg-verify
	done
}

@test "reshard moves a shard placed outside the store into it, and removes the old place" {
	mkdir "$BATS_TEST_TMPDIR/disk2"
	cg-init -q --shards 2 --shard-dir "1=$BATS_TEST_TMPDIR/disk2/s1"
	cg-ingest -q --workspace "$EXAMPLE_WS"
	local dump
	dump=$(flat_dump "$STORE")
	run -0 --separate-stderr cg-migrate --reshard 3
	echo "$output" | jq -e '.from == 2 and .to == 3 and .dir == "shards-3"'
	[ -z "$(ls "$BATS_TEST_TMPDIR/disk2")" ]
	[ "$(ls "$STORE" | tr '\n' ' ')" = "MANIFEST.json lock shards-3 " ]
	[ "$(flat_dump "$STORE")" = "$dump" ]
	run -0 --separate-stderr cg-verify
}

@test "a store made by this cg: end_line and column in answers, and they survive a reshard" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	run -0 cg-query vertex shapes_core::Shape
	echo "$output" | jq -e '.vertex | .line == 61 and .end_line == 75 and .column == 1'
	run -0 --separate-stderr cg-migrate
	echo "$output" | jq -e '.status == "nothing to do" and .from == 2'
	cg-migrate -q --reshard 3
	run -0 cg-query vertex shapes_core::Shape
	echo "$output" | jq -e '.vertex | .line == 61 and .end_line == 75 and .column == 1'
	run -0 --separate-stderr cg-verify
}

@test "the EXAMPLES of cg-migrate(1) run" {
	load tools/examples
	run -0 run_page_examples "$CG_ROOT/man/cg-migrate.1"
	assert_line "nothing to do"
	assert_line "[2,2,0]"
	assert_line "2"
	assert_line --regexp '^\[[0-9]+,[0-9]+,[0-9]+,[0-9]+\]$'
	assert_line '["shards-4/shard-000","shards-4/shard-001","shards-4/shard-002","shards-4/shard-003"]'
	assert_line '{"problems":0,"shards":2}'
}
