#!/usr/bin/env bats
# cg-ingest: NDJSON and rustdoc JSON into the store; incremental, atomic, and strict on bad input.

load helper

FIX="$BATS_TEST_DIRNAME/fixtures"

# Every key and value of the store, in order: equal output means an unchanged store.
dump() {
	cg-query -d "$STORE" dump
}

@test "NDJSON vertices and edges land, with counts per type" {
	cg-init -q
	run --separate-stderr cg-ingest --ndjson "$FIX/small.ndjson"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" added
	assert_equal "$(jq -r .vertices <<<"$output")" 4
	assert_equal "$(jq -c .edges <<<"$output")" '{"Contains":2,"Calls":1,"Uses":1,"Implements":0,"Depends":0}'
}

@test "NDJSON edges resolve paths, aliases and ids against the store" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	id=$(cg-query vertex alpha::run | jq -r .id)
	printf '{"type":"edge","src":"%s","label":"Calls","dst":"alpha::Thing"}\n' "$id" |
		cg-ingest -q --ndjson --unit extra -
	run cg-query neighbors alpha::run --out --type Calls
	assert_success
	assert_output --partial '"path":"alpha::helper"'
	assert_output --partial '"path":"alpha::inner::Thing"'
}

@test "bad NDJSON is refused with file and line and leaves the store unchanged" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	before=$(dump)
	bad="$BATS_TEST_TMPDIR/bad.ndjson"
	for line in \
		'{"type":"edge","src":"alpha::run","label":"Eats","dst":"alpha::helper"}' \
		'{"type":"edge","src":"alpha::run","label":"Calls","dst":"alpha::missing"}' \
		'{"type":"edge","src":"0000000000000001","label":"Calls","dst":"alpha::run"}' \
		'{"type":"vertex","kind":"gizmo","path":"alpha::x"}' \
		'{"type":"vertex","kind":"function"}' \
		'{"type":"vertex","kind":"function","path":"alpha::y"' \
		'{"type":"thing"}' \
		'[1,2]'; do
		{ head -n 2 "$FIX/small.ndjson"; echo "$line"; } >"$bad"
		run -65 --separate-stderr cg-ingest --ndjson "$bad"
		[[ "$stderr" == "cg-ingest: $bad: line 3: "* ]] || fail "unexpected message: $stderr"
		assert_equal "$(wc -l <<<"$stderr")" 1
		assert_equal "$(dump)" "$before"
	done
}

@test "an NDJSON unit can be removed" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	echo '{"type":"edge","src":"alpha::helper","label":"Calls","dst":"alpha::run"}' | cg-ingest -q --ndjson --unit calls -
	run cg-ingest --remove calls
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" removed
	assert_equal "$(jq -r .edges.Calls <<<"$output")" 1
	run cg-query neighbors alpha::helper --out --type Calls
	refute_output --partial alpha::run
	run -66 --separate-stderr cg-ingest --remove nosuchcrate
	[[ "$stderr" == "cg-ingest: nosuchcrate: no such crate"* ]]
}

@test "a second writer is refused at once with the holder's pid" {
	cg-init -q
	mkfifo "$BATS_TEST_TMPDIR/in"
	cg-ingest -q --ndjson - <"$BATS_TEST_TMPDIR/in" &
	holder=$!
	exec 3>"$BATS_TEST_TMPDIR/in"
	for _ in $(seq 50); do grep -q "$holder" "$STORE/lock" 2>/dev/null && break; sleep 0.1; done
	run -75 --separate-stderr cg-ingest --ndjson "$FIX/small.ndjson"
	[[ "$stderr" == "cg-ingest: $STORE: store is locked by pid $holder" ]] || fail "$stderr"
	exec 3>&-
	wait "$holder"
}

@test "missing store, missing input and bad usage have their own exit codes" {
	run -66 --separate-stderr cg-ingest -d "$BATS_TEST_TMPDIR/nostore" --ndjson "$FIX/small.ndjson"
	[[ "$stderr" == "cg-ingest: "*"not a cg store"* ]]
	cg-init -q
	run -66 --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/none.ndjson"
	[[ "$stderr" == "cg-ingest: $BATS_TEST_TMPDIR/none.ndjson: No such file or directory" ]]
	run -2 --separate-stderr cg-ingest
	[[ "$stderr" == "cg-ingest: no input"* ]]
	run -2 --separate-stderr cg-ingest --bogus
	[[ "$stderr" == *"Try 'cg-ingest --help'"* ]]
	run -2 --separate-stderr cg-ingest --unit x "$FIX/small.ndjson"
	run -0 cg-ingest --help
	assert_output --partial "Usage: cg-ingest"
	run -0 cg-ingest --version
	assert_output --partial "cg-ingest (cg)"
}
