#!/usr/bin/env bats
# verify.bats: cg-verify finds flipped SST bytes, damaged records, missing edge twins, index
# damage and layout damage, names the place, and exits 1; clean stores exit 0.

load helper
load tools/poke

setup_file() {
	build_poke
}

# A store holding the example workspace.
make_store() {
	cg-init -q "${@:2}" "$1"
	cg-ingest -q -d "$1" --workspace "$EXAMPLE_WS"
}

# Succeeds when exactly one finding NAME is in $output and it satisfies the jq EXPR; further
# arguments go to jq (e.g. --arg key VALUE).
one_finding() {
	local name=$1 expr=$2
	shift 2
	echo "$output" | jq -s -e --arg name "$name" "$@" \
		"[.[] | select(.finding == \$name)] | length == 1 and (.[0] | $expr)"
}

# The hex key of the first raw key whose readable form matches the grep pattern.
hexkey() {
	"$POKE" "$1" list | awk -v pat="$2" '$2 ~ pat { print $3; exit }'
}

@test "a clean store exits 0 with a summary and no findings" {
	make_store "$STORE"
	run -0 --separate-stderr cg-verify
	assert_equal "${#lines[@]}" 1
	echo "$output" | jq -e '.summary == true and .problems == 0 and .keys > 1000 and .shards_read == 1'
	echo "$output" | jq -e '.families.v > 100 and .families.e > 100 and .families.i > 100 and .families.m == 4'
}

@test "a clean three-shard store with NDJSON units and Calls edges exits 0" {
	make_store "$STORE" --shards 3
	printf '%s\n' '{"type":"vertex","kind":"function","name":"draw_all","path":"app::draw_all","crate":"app","version":"1.0.0"}' \
		'{"type":"edge","src":"app::draw_all","label":"Calls","dst":"shapes_core::Shape"}' |
		cg-ingest -q --ndjson --unit app -
	run -0 --separate-stderr cg-verify
	echo "$output" | jq -e '.problems == 0 and .shards == 3 and .shards_read == 3 and .units == 4'
}

@test "flipped bytes in an SST data block: sst_corrupt names the file and offset, exit 1" {
	make_store "$STORE"
	local sst
	sst=$(ls "$STORE"/shard-000/*.sst | head -1)
	# the first occurrence of a value string lies in a data block (index and meta blocks come last)
	python3 - "$sst" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.find(b'shapes-core/src')
assert i > 0
b[i] ^= 0xff; b[i + 1] ^= 0xff
open(p, 'wb').write(b)
PY
	run -1 --separate-stderr cg-verify
	one_finding sst_corrupt '.sst == $sst and .shard == 0 and (.detail | test("checksum mismatch.*offset [0-9]+"))' \
		--arg sst "$(basename "$sst")"
	echo "$output" | tail -1 | jq -e '.summary and .problems >= 1 and .shards_read == 0'
}

@test "a damaged record: record_damaged names the key and its SST, exit 1" {
	make_store "$STORE"
	local k
	k=$(hexkey "$STORE" '^v:')
	"$POKE" "$STORE" flip "$k" 40
	run -1 --separate-stderr cg-verify
	one_finding record_damaged '.key == $key and .detail == "record checksum mismatch" and (.sst | test("^[0-9]+\\.sst$"))' \
		--arg key "v:${k:2}"
}

@test "a deleted reverse edge: edge_twin_missing names the forward key and the missing copy, exit 1" {
	make_store "$STORE"
	local line rk rev fwd
	line=$("$POKE" "$STORE" list | awk '$2 ~ /:~Uses:/ { print; exit }')
	rev=$(echo "$line" | cut -d' ' -f2)
	rk=$(echo "$line" | cut -d' ' -f3)
	# e:DST:~Uses:SRC is the copy of e:SRC:Uses:DST
	fwd=$(echo "$rev" | awk -F: '{ print "e:" $4 ":Uses:" $2 }')
	"$POKE" "$STORE" del "$rk"
	run -1 --separate-stderr cg-verify
	one_finding edge_twin_missing '.key == $fwd and (.detail | contains($rev)) and .sst != null' \
		--arg fwd "$fwd" --arg rev "$rev"
	[ "$(echo "$output" | jq -c 'select(.finding)' | wc -l)" -eq 1 ]
}

@test "a changed twin value is edge_twin_mismatch" {
	make_store "$STORE"
	local k
	k=$(hexkey "$STORE" ':~Contains:')
	# rewrite the copy with another valid edge value: copy one from a different edge
	local other
	other=$("$POKE" "$STORE" list | awk '$2 ~ /:Uses:/ { print $4; exit }')
	"$POKE" "$STORE" put "$k" 0 "$other"
	run -1 --separate-stderr cg-verify
	echo "$output" | jq -s -e '[.[] | select(.finding == "edge_twin_mismatch")] | length == 2 and all(.key | test(":~?Contains:"))'
}

@test "index damage: a dangling entry and a missing entry are both found" {
	make_store "$STORE"
	local ik iv vk
	ik=$(hexkey "$STORE" '^i:name:Circle:')
	iv=$("$POKE" "$STORE" list | awk -v k="$ik" '$3 == k { print $4 }')
	# an index entry for a vid that has no vertex (same value, last 8 key bytes changed)
	"$POKE" "$STORE" put "${ik:0:${#ik}-16}00000000000000aa" 0 "$iv"
	"$POKE" "$STORE" del "$ik"
	run -1 --separate-stderr cg-verify
	one_finding index_dangling '.key == "i:name:Circle:00000000000000aa"'
	one_finding vertex_index_missing '(.key | startswith("v:")) and (.detail | contains("\"Circle\""))'
}

@test "manifest and shards: a missing shard and an unlisted one are findings" {
	make_store "$STORE" --shards 2
	rm -rf "$STORE/shard-001"
	mkdir "$STORE/shard-005"
	run -1 --separate-stderr cg-verify
	one_finding shard_missing '.shard == 1'
	one_finding shard_unlisted '.detail | contains("shard-005")'
}

@test "--quick cross-checks a sample and says so" {
	make_store "$STORE"
	run -0 --separate-stderr cg-verify --quick
	echo "$output" | jq -e '.sample == 16 and .problems == 0'
	run -0 --separate-stderr cg-verify --quick=4 -q
	assert_output ""
}

@test "--metrics writes a Prometheus textfile atomically" {
	make_store "$STORE"
	local k
	k=$(hexkey "$STORE" '^v:')
	"$POKE" "$STORE" flip "$k" 40
	run -1 --separate-stderr cg-verify --metrics "$BATS_TEST_TMPDIR/cg.prom"
	[ ! -e "$BATS_TEST_TMPDIR/cg.prom.tmp" ]
	grep -q '^# TYPE cg_verify_problems gauge$' "$BATS_TEST_TMPDIR/cg.prom"
	grep -Eq '^cg_verify_problems\{store="[^"]+"\} [1-9]' "$BATS_TEST_TMPDIR/cg.prom"
	grep -Eq '^cg_verify_findings\{store="[^"]+",finding="record_damaged"\} 1$' "$BATS_TEST_TMPDIR/cg.prom"
	grep -Eq '^cg_verify_keys\{store="[^"]+",family="v"\} [1-9]' "$BATS_TEST_TMPDIR/cg.prom"
	grep -Eq '^cg_verify_last_run_timestamp_seconds\{store="[^"]+"\} [1-9]' "$BATS_TEST_TMPDIR/cg.prom"
}

@test "--metrics is written on every run: a check that cannot run sets success 0, keeps the last success" {
	make_store "$STORE"
	prom="$BATS_TEST_TMPDIR/cg.prom"
	run -0 --separate-stderr cg-verify --metrics "$prom"
	grep -Eq '^cg_verify_success\{store="[^"]+"\} 1$' "$prom"
	ok=$(sed -n 's/^cg_verify_last_success_timestamp_seconds{store="[^"]*"} //p' "$prom")
	[ "$ok" -gt 0 ]
	sleep 1
	mv "$STORE" "$STORE.away"
	run -66 --separate-stderr cg-verify --metrics "$prom"
	[ ! -e "$prom.tmp" ]
	grep -Eq '^cg_verify_success\{store="[^"]+"\} 0$' "$prom"
	assert_equal "$(sed -n 's/^cg_verify_last_success_timestamp_seconds{store="[^"]*"} //p' "$prom")" "$ok"
	[ "$(sed -n 's/^cg_verify_last_run_timestamp_seconds{store="[^"]*"} //p' "$prom")" -gt "$ok" ]
	run grep -c '^cg_verify_problems' "$prom"
	assert_output 0
	mv "$STORE.away" "$STORE"
	run -0 --separate-stderr cg-verify --metrics "$prom"
	[ "$(sed -n 's/^cg_verify_last_success_timestamp_seconds{store="[^"]*"} //p' "$prom")" -gt "$ok" ]
}

@test "works beside a live writer holding the lock" {
	make_store "$STORE"
	mkfifo "$BATS_TEST_TMPDIR/in"
	cg-ingest -q --ndjson "$BATS_TEST_TMPDIR/in" &
	local writer=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	sleep 0.3
	[ "$(cat "$STORE/lock")" = "$writer" ]
	run -0 --separate-stderr cg-verify
	echo "$output" | jq -e '.problems == 0'
	exec 7>&-
	wait "$writer"
}

@test "exit 66 without a store, 2 on bad usage" {
	run -66 --separate-stderr cg-verify -d "$BATS_TEST_TMPDIR/nothing"
	[[ "$stderr" == cg-verify:*"not a cg store"* ]]
	run -2 --separate-stderr cg-verify --quick=0
	[[ "$stderr" == *"--quick"* ]]
	run -2 --separate-stderr cg-verify extra
	run -0 cg-verify --help
	assert_output --partial "--metrics FILE"
}

@test "the EXAMPLES of cg-verify(1) run" {
	load tools/examples
	run -0 run_page_examples "$CG_ROOT/man/cg-verify.1"
	# the key count is the dump's: every key the store holds, counted by another reader
	keys=$(cg-query -d "$BATS_TEST_TMPDIR/ex/graph" dump | wc -l)
	assert_line "{\"keys\":$keys,\"problems\":0}"
	assert_line --regexp '^cg_verify_problems\{store="graph"\} 0$'
}
