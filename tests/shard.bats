#!/usr/bin/env bats
# Sharded stores: the same answers at any shard count, partial answers when a shard is gone,
# and crate replaces that stay atomic across shards through a writer crash.

load helper

# The store's content independent of its layout: keys and values, no shard numbers or times.
content() {
	cg-query -d "$1" dump | jq -c 'del(.shard, .value.ingested?)' | sort
}

answers() {
	local d=$1
	cg-query -d "$d" neighbors shapes_core::Circle --both | sort
	cg-query -d "$d" find --prefix Sha | sort
	cg-query -d "$d" traverse shapes_cli --depth 3 | jq -c '{depth, id: .vertex.id}' | sort
	cg-query -d "$d" path shapes_cli shapes_core::Circle --both | jq -c .vertex.id
	cg-query -d "$d" implementors shapes_core::Shape | jq -c .vertex.id | sort
	cg-query -d "$d" dependents shapes_core | jq -c .vertex.id | sort
	cg-query -d "$d" stats | jq -c '.stats | {vertices, edges, kinds, edge_types}'
}

load_example() { # DIR SHARDS
	cg-init -q --shards "$2" "$1"
	cg-ingest -q -d "$1" --workspace "$EXAMPLE_WS"
}

@test "1, 3 and 8 shards hold the same graph and give the same answers" {
	for n in 1 3 8; do load_example "$BATS_TEST_TMPDIR/s$n" "$n"; done
	for n in 3 8; do
		assert_equal "$(content "$BATS_TEST_TMPDIR/s$n")" "$(content "$BATS_TEST_TMPDIR/s1")"
		[ "$(answers "$BATS_TEST_TMPDIR/s$n")" = "$(answers "$BATS_TEST_TMPDIR/s1")" ] ||
			fail "answers differ between 1 and $n shards"
		[ "$(answers "$BATS_TEST_TMPDIR/s1" | wc -l)" -gt 100 ]
		run cg-verify -d "$BATS_TEST_TMPDIR/s$n"
		assert_success
	done
	# every shard holds a share of the keys
	run cg-query -d "$BATS_TEST_TMPDIR/s8" stats
	assert_equal "$(jq '[.stats.shards[] | select(.keys > 0)] | length' <<<"$output")" 8
}

@test "devws: replace and remove give the same graph at 1 and 3 shards" {
	require_devws
	for n in 1 3; do
		d="$BATS_TEST_TMPDIR/s$n"
		cg-init -q --shards $n "$d"
		cg-ingest -q -d "$d" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
		cg-ingest -q -d "$d" --workspace "$DEVWS" --doc-dir "$DEVWS/json-extra" --features devws-core/extra
		cg-ingest -q -d "$d" --remove log
	done
	assert_equal "$(content "$BATS_TEST_TMPDIR/s3")" "$(content "$BATS_TEST_TMPDIR/s1")"
	run cg-verify -d "$BATS_TEST_TMPDIR/s3"
	assert_success
}

@test "a missing shard gives flagged partial answers, exit 3; --strict fails" {
	load_example "$STORE" 3
	mv "$STORE/shard-001" "$BATS_TEST_TMPDIR/away"
	run -3 cg-query find --prefix Sha
	assert_output --partial '"partial":true,"missing_shards":[1]'
	[ "$(jq -s 'map(select(.partial != true)) | length' <<<"$output")" -eq 0 ]
	run -74 --separate-stderr cg-query --strict find --prefix Sha
	[[ "$stderr" == "cg-query: shard 1 cannot be read (--strict): "* ]] || fail "$stderr"
	assert_output ""
	run -1 cg-verify
	assert_output --partial '"finding":"shard_missing","shard":1'
}

@test "a replace killed between shards is completed by the next writer" {
	load_example "$STORE" 3
	load_example "$BATS_TEST_TMPDIR/want" 1
	cg-ingest -q -d "$BATS_TEST_TMPDIR/want" --workspace "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
	for k in 0 1; do
		CG_TEST_CRASH_AFTER_SHARD=$k run -137 cg-ingest --workspace "$EXAMPLE_WS" \
			--doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
		[ -n "$(ls "$STORE"/INTENT.*.json)" ] # the killed writer left its intent
		cg-compact -q # any writer's open finishes the change
		assert_equal "$(content "$STORE")" "$(content "$BATS_TEST_TMPDIR/want")"
		run cg-verify
		assert_success
		[ -z "$(ls -d "$STORE"/ingest.* "$STORE"/INTENT.* 2>/dev/null)" ]
		cg-ingest -q --workspace "$EXAMPLE_WS" # back to the old state for the next round
	done
}

@test "explain shows a traversal's work shard by shard, each level batched into MultiGets" {
	load_example "$STORE" 3
	run -0 cg-query explain traverse shapes_cli --depth 3
	ex=$(jq -c .explain <<<"$output")
	assert_equal "$(jq '.per_shard | length' <<<"$ex")" 3
	# the per-shard numbers add up to the totals
	assert_equal "$(jq '[.per_shard[].point_lookups] | add' <<<"$ex")" "$(jq .point_lookups <<<"$ex")"
	assert_equal "$(jq '[.per_shard[].keys_scanned] | add' <<<"$ex")" "$(jq .keys_scanned <<<"$ex")"
	# three levels: at most one MultiGet per shard and level, far fewer than vertices read
	[ "$(jq '[.per_shard[].multigets] | add' <<<"$ex")" -le 9 ]
	[ "$(jq .results <<<"$ex")" -gt 50 ]
}
