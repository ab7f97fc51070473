#!/usr/bin/env bats
# query.bats: cg-query — every query kind on examples/ws and devws, answers checked against
# jq over the rustdoc JSON, the stdin stream, DOT, exit codes, damage, the man page examples.
bats_require_minimum_version 1.5.0
load helper
load tools/poke

setup_file() {
	export WS_STORE="$BATS_FILE_TMPDIR/ws" DEV_STORE="$BATS_FILE_TMPDIR/dev"
	export TMPDIR="$BATS_FILE_TMPDIR"
	cg-init -q "$WS_STORE"
	cg-ingest -q -d "$WS_STORE" --workspace "$EXAMPLE_WS"
	require_devws
	cg-init -q "$DEV_STORE"
	cg-ingest -q -d "$DEV_STORE" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
}

CORE_JSON() { echo "$DEVWS/json/devws_core.json"; }

# ---- single queries on examples/ws ----

@test "vertex: by re-exported path, by defining path, by id, and path#kind" {
	run -0 cg-query -d "$WS_STORE" vertex shapes_core::Circle
	id=$(jq -r .vertex.id <<<"$output")
	[[ "$id" =~ ^[0-9a-f]{16}$ ]]
	assert_equal "$(jq -r .vertex.path <<<"$output")" shapes_core::geometry::shapes::Circle
	assert_equal "$(jq -c .vertex.aliases <<<"$output")" '["shapes_core::Circle"]'
	run -0 cg-query -d "$WS_STORE" vertex shapes_core::geometry::shapes::Circle
	assert_equal "$(jq -r .vertex.id <<<"$output")" "$id"
	run -0 cg-query -d "$WS_STORE" vertex "$id"
	assert_equal "$(jq -r .vertex.name <<<"$output")" Circle
	run -0 cg-query -d "$WS_STORE" vertex 'shapes_core::Circle#struct'
	assert_equal "$(jq -r .vertex.id <<<"$output")" "$id"
	run -1 --separate-stderr cg-query -d "$WS_STORE" vertex 'shapes_core::Circle#trait'
	assert_output ""
	[[ "$stderr" == "cg-query: no item matches 'shapes_core::Circle#trait'"* ]]
}

@test "find: name, prefix, kind, crate, combined, limit" {
	run -0 cg-query -d "$WS_STORE" find --prefix Sha
	[ "${#lines[@]}" -ge 3 ]
	run -0 bash -c "cg-query -d '$WS_STORE' find --prefix Sha | jq -r '.vertex.name | select(startswith(\"Sha\") | not)'"
	assert_output ""
	run -0 bash -c "cg-query -d '$WS_STORE' find --crate shapes_core --kind trait | jq -r .vertex.name | sort | paste -sd,"
	assert_output "Scalable,Shape"
	run -0 bash -c "cg-query -d '$WS_STORE' find --name new --kind method --crate shapes_core@0.1.0 | jq -r '[.vertex.kind, .vertex.crate, .vertex.name] | join(\" \")' | sort -u"
	assert_output "method shapes_core new"
	run -0 --separate-stderr cg-query -d "$WS_STORE" find --kind method --limit 2
	[ "${#lines[@]}" -eq 2 ]
	assert_equal "$stderr" "cg-query: answer truncated at --limit 2"
}

@test "neighbors, implementors, dependents and path on examples/ws" {
	run -0 bash -c "cg-query -d '$WS_STORE' neighbors shapes_core::Circle --out --type Implements | jq -r .vertex.name | sort | paste -sd,"
	assert_output --partial "Scalable"
	assert_output --partial "Shape"
	run -0 bash -c "cg-query -d '$WS_STORE' neighbors shapes_core::Circle --in --type Implements"
	assert_output ""
	run -0 bash -c "cg-query -d '$WS_STORE' implementors shapes_core::Shape | jq -r .vertex.name | sort | paste -sd,"
	assert_output "Circle,Rectangle,Triangle"
	run -0 bash -c "cg-query -d '$WS_STORE' dependents shapes_core | jq -r .vertex.name | sort | paste -sd,"
	assert_output "shapes_cli,shapes_render"
	run -0 bash -c "cg-query -d '$WS_STORE' path shapes_cli shapes_core::Shape --both | jq -r .vertex.path | paste -sd,"
	assert_output "shapes_cli,shapes_core,shapes_core::Shape"
	run -0 cg-query -d "$WS_STORE" path shapes_core::Shape shapes_cli
	assert_output ""
}

@test "export: NDJSON has the vertices and the edges between them; DOT is accepted by dot" {
	run -0 cg-query -d "$WS_STORE" export implementors shapes_core::Shape
	assert_equal "$(jq -r 'select(.vertex) | .vertex.name' <<<"$output" | sort | paste -sd,)" "Circle,Rectangle,Shape,Triangle"
	assert_equal "$(jq -r 'select(.edge) | .edge.label' <<<"$output" | sort -u)" "Implements"
	assert_equal "$(jq -s '[.[] | select(.edge)] | length' <<<"$output")" 3
	cg-query -d "$WS_STORE" export --format dot traverse shapes_core --depth 2 >"$BATS_TEST_TMPDIR/g.dot"
	run -0 dot -Tsvg "$BATS_TEST_TMPDIR/g.dot"
	assert_output --partial "<svg"
	grep -q 'label="Contains"' "$BATS_TEST_TMPDIR/g.dot"
}

@test "stats counts agree with dump" {
	run -0 cg-query -d "$WS_STORE" stats
	v=$(jq .stats.vertices <<<"$output")
	e=$(jq .stats.edges <<<"$output")
	assert_equal "$(jq -r '.stats.crates | map(.unit) | join(",")' <<<"$output")" "shapes_cli@0.1.0,shapes_core@0.1.0,shapes_render@0.1.0"
	[ "$(jq '.stats.store_bytes' <<<"$output")" -gt 0 ]
	[ "$(jq '.stats.shards[0].rocksdb["estimate-num-keys"]' <<<"$output")" -gt 0 ]
	run -0 cg-query -d "$WS_STORE" dump
	assert_equal "$(grep -c '"key":"v:' <<<"$output")" "$v"
	assert_equal "$(grep -c '"key":"e:[0-9a-f]*:[A-Z]' <<<"$output")" "$e"
	assert_equal "$(jq -r '.key[0:1]' <<<"$output" | uniq | paste -sd,)" "e,i,m,v" # key order
}

@test "explain reports the plan and what it cost, without the answer" {
	run -0 cg-query -d "$WS_STORE" explain neighbors shapes_core::Circle --both
	[ "${#lines[@]}" -eq 1 ]
	assert_equal "$(jq -r .explain.op <<<"$output")" neighbors
	[ "$(jq .explain.results <<<"$output")" -gt 0 ]
	[ "$(jq .explain.point_lookups <<<"$output")" -gt 0 ]
	[ "$(jq .explain.keys_scanned <<<"$output")" -gt 0 ]
	assert_equal "$(jq -c .explain.shards_touched <<<"$output")" "[0]"
	jq -e '.explain.us >= 0 and (.explain.plan | length) >= 2 and has("explain") and (.explain | has("cache_hits"))' <<<"$output"
}

@test "a cache of decoded vertices is hit on repeated queries; --warm fills it first" {
	q='{"op":"vertex","vertex":"shapes_core::Circle","explain":true}'
	run -0 bash -c "printf '%s\n' '$q' '$q' | cg-query -d '$WS_STORE' | jq -c 'select(.explain) | [.explain.cache_hits, .explain.cache_misses]'"
	assert_equal "${lines[0]}" "[1,1]" # resolving reads the vertex, answering reads it again
	assert_equal "${lines[1]}" "[2,0]"
	run -0 bash -c "printf '%s\n' '$q' | cg-query -d '$WS_STORE' --cache-vertices 0 | jq -c 'select(.explain) | [.explain.cache_hits, .explain.point_lookups]'"
	assert_output "[0,2]"
	q='{"op":"neighbors","vertex":"shapes_core","explain":true}'
	run -0 bash -c "printf '%s\n' '$q' | cg-query -d '$WS_STORE' --warm | jq -c 'select(.explain) | .explain.cache_misses'"
	assert_output 0
	# a cache far smaller than the answer evicts all the time and must not change it
	diff <(cg-query -d "$WS_STORE" --cache-vertices 0 traverse shapes_core --depth 3 --both) \
		<(cg-query -d "$WS_STORE" --cache-vertices 3 traverse shapes_core --depth 3 --both)
}

# ---- the stream ----

@test "stdin stream: ids, closing lines, a bad line in the middle, --strict" {
	in=$(printf '%s\n' '{"id":"q1","op":"neighbors","vertex":"shapes_core::Circle","dir":"out","types":["Implements"]}' \
		'{"id":"q2","op":"frobnicate"}' 'this is not json' '' \
		'{"id":7,"op":"find","name":"Shape","bogus":1}' \
		'{"id":"q5","op":"vertex","vertex":"shapes_core::Shape"}')
	run -65 --separate-stderr cg-query -d "$WS_STORE" <<<"$in"
	assert_equal "$(jq -c 'select(.done) | [.id, .count, (.error != null)]' <<<"$output" | paste -sd' ')" \
		'["q1",6,false] ["q2",0,true] [null,0,true] [7,0,true] ["q5",1,false]'
	assert_equal "$(jq -r 'select(.done | not) | .id' <<<"$output" | sort -u | paste -sd,)" "q1,q5"
	[[ "$stderr" == *"cg-query: line 2: unknown op 'frobnicate'"* ]]
	[[ "$stderr" == *"cg-query: line 3: invalid JSON"* ]]
	[[ "$stderr" == *"cg-query: line 5: find does not take \"bogus\""* ]]
	run -65 --separate-stderr cg-query -d "$WS_STORE" --strict <<<"$in"
	assert_equal "$(jq -c 'select(.done) | .id' <<<"$output" | paste -sd' ')" '"q1" "q2"'
}

@test "a long mixed stream answers every line in order" {
	for i in $(seq 1 300); do
		case $((i % 4)) in
		0) echo "{\"id\":$i,\"op\":\"vertex\",\"vertex\":\"shapes_core::Circle\"}" ;;
		1) echo "{\"id\":$i,\"op\":\"neighbors\",\"vertex\":\"shapes_core\",\"types\":[\"Contains\"]}" ;;
		2) echo "{\"id\":$i,\"op\":\"traverse\",\"vertex\":\"shapes_cli\",\"depth\":2,\"dir\":\"both\"}" ;;
		3) echo "{\"id\":$i,\"op\":\"nope\"}" ;;
		esac
	done >"$BATS_TEST_TMPDIR/in"
	run -65 --separate-stderr cg-query -d "$WS_STORE" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$(jq -r 'select(.done) | .id' <<<"$output" | paste -sd' ')" "$(seq 1 300 | paste -sd' ')"
	assert_equal "$(jq -r 'select(.error) | .id' <<<"$output" | wc -l)" 75
	assert_equal "$(wc -l <<<"$stderr")" 75
}

@test "queries running while an ingest replaces a crate see it wholly old or wholly new" {
	cp -r "$WS_STORE" "$BATS_TEST_TMPDIR/live"
	live="$BATS_TEST_TMPDIR/live"
	old=$(cg-query -d "$live" find --crate shapes_core | wc -l)
	{
		for i in $(seq 1 60); do
			echo "{\"id\":$i,\"op\":\"find\",\"crate\":\"shapes_core\"}"
			sleep 0.02
		done
	} | cg-query -d "$live" >"$BATS_TEST_TMPDIR/answers" &
	reader=$!
	sleep 0.2
	cg-ingest -q -d "$live" --workspace "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
	wait "$reader"
	new=$(cg-query -d "$live" find --crate shapes_core | wc -l)
	[ "$new" -ne "$old" ]
	run -0 bash -c "jq -r 'select(.done) | .count' '$BATS_TEST_TMPDIR/answers' | sort -u | paste -sd' '"
	for c in $output; do
		[ "$c" -eq "$old" ] || [ "$c" -eq "$new" ] || { echo "answer with $c results (old $old, new $new)" >&2; return 1; }
	done
	[ "$(jq -r 'select(.done) | .count' "$BATS_TEST_TMPDIR/answers" | tail -1)" -eq "$new" ]
}

# ---- exit codes and errors ----

@test "exit codes: 0 empty, 1 no such name or with -e, 2 bad query, 66 no store" {
	run -0 cg-query -d "$WS_STORE" find --kind union
	assert_output ""
	run -1 cg-query -d "$WS_STORE" -e find --kind union
	run -1 --separate-stderr cg-query -d "$WS_STORE" find --name NoSuchThing
	assert_output ""
	[[ "$stderr" == "cg-query: no item matches 'NoSuchThing'"* ]]
	run -0 cg-query -d "$WS_STORE" -e find --name Circle
	run -2 --separate-stderr cg-query -d "$WS_STORE" frobnicate
	[[ "$stderr" == "cg-query: unknown query kind 'frobnicate'"* ]]
	run -2 --separate-stderr cg-query -d "$WS_STORE" neighbors X --type Eats
	[[ "$stderr" == *"unknown edge type 'Eats'"* ]]
	run -2 --separate-stderr cg-query -d "$WS_STORE" find --colour red
	[[ "$stderr" == *"unknown option '--colour'"* ]]
	run -2 --separate-stderr cg-query -d "$WS_STORE" path onlyone
	run -66 --separate-stderr cg-query -d "$BATS_TEST_TMPDIR/none" stats
	[[ "$stderr" == *"not a cg store"* ]]
	run -0 cg-query --help
	assert_output --partial "implementors"
	run -0 cg-query --version
}

@test "an ambiguous path is a bad query listing the candidates as path#kind" {
	cp -r "$WS_STORE" "$BATS_TEST_TMPDIR/amb"
	echo '{"type":"vertex","kind":"function","name":"Circle","path":"shapes_core::Circle","crate":"shapes_core","version":"0.1.0"}' |
		cg-ingest -q -d "$BATS_TEST_TMPDIR/amb" --ndjson --unit extra -
	run -0 cg-query -d "$BATS_TEST_TMPDIR/amb" vertex shapes_core::Circle
	[ "${#lines[@]}" -eq 2 ]
	run -2 --separate-stderr cg-query -d "$BATS_TEST_TMPDIR/amb" neighbors shapes_core::Circle
	[[ "$stderr" == *"ambiguous"*"#struct"* ]]
	[[ "$stderr" == *"#function"* ]]
	run -0 cg-query -d "$BATS_TEST_TMPDIR/amb" neighbors 'shapes_core::Circle#struct' --type Implements
	[ "${#lines[@]}" -gt 0 ]
}

@test "a damaged vertex record is an error naming its key, never an answer" {
	build_poke
	cp -r "$WS_STORE" "$BATS_TEST_TMPDIR/bad"
	id=$(cg-query -d "$WS_STORE" vertex shapes_core::Circle | jq -r .vertex.id)
	"$POKE" "$BATS_TEST_TMPDIR/bad" flip "76$id" 40
	run -65 --separate-stderr cg-query -d "$BATS_TEST_TMPDIR/bad" --cache-vertices 0 vertex shapes_core::Circle
	assert_output ""
	[[ "$stderr" == *"v:$id: damaged record"* ]]
}

@test "a store in three shards answers like one shard" {
	cg-init -q --shards 3 "$BATS_TEST_TMPDIR/s3"
	cg-ingest -q -d "$BATS_TEST_TMPDIR/s3" --workspace "$EXAMPLE_WS"
	diff <(cg-query -d "$WS_STORE" dump | jq -c 'del(.shard, .value.ingested?)') \
		<(cg-query -d "$BATS_TEST_TMPDIR/s3" dump | jq -c 'del(.shard, .value.ingested?)')
	run -0 cg-query -d "$BATS_TEST_TMPDIR/s3" explain find --prefix S
	assert_equal "$(jq -c .explain.shards_touched <<<"$output")" "[0,1,2]"
	diff <(cg-query -d "$WS_STORE" traverse shapes_cli --depth 3 --both | jq -c '[.depth, .vertex.id]' | sort) \
		<(cg-query -d "$BATS_TEST_TMPDIR/s3" traverse shapes_cli --depth 3 --both | jq -c '[.depth, .vertex.id]' | sort)
}

# ---- devws: answers checked against the rustdoc JSON ----

@test "devws: what the crate root contains equals its module items in the rustdoc JSON" {
	require_devws
	expected=$(jq -r '.index as $ix | $ix[.root|tostring].inner.module.items[] | $ix[tostring] | select(.inner | has("use") | not) | .name' "$(CORE_JSON)" | sort)
	run -0 bash -c "cg-query -d '$DEV_STORE' neighbors devws_core --out --type Contains | jq -r .vertex.name | sort"
	assert_equal "$output" "$expected"
}

@test "devws: find traits and methods of a crate equals jq over the index" {
	require_devws
	expected=$(jq -r '.index[] | select(.crate_id == 0 and (.inner | has("trait"))) | .name' "$(CORE_JSON)" | sort)
	run -0 bash -c "cg-query -d '$DEV_STORE' find --crate devws_core --kind trait | jq -r .vertex.name | sort"
	assert_equal "$output" "$expected"
	n=$(jq '[.index[] | select(.crate_id == 0 and .name == "new")] | length' "$(CORE_JSON)")
	run -0 bash -c "cg-query -d '$DEV_STORE' find --name new --crate devws_core | wc -l"
	assert_equal "$output" "$n"
}

@test "devws: implementors of Shape are the types with an impl of it" {
	require_devws
	expected=$(jq -r '.index[] | select(.crate_id == 0 and (.inner | has("impl"))) | select((.inner.impl.trait.path // "") | test("Shape$")) | .inner.impl.for.resolved_path.path' "$(CORE_JSON)" | sort -u)
	run -0 bash -c "cg-query -d '$DEV_STORE' implementors devws_core::geometry::Shape | jq -r .vertex.name | sort -u"
	assert_equal "$output" "$expected"
}

@test "devws: dependents of devws_core match cargo metadata" {
	require_devws
	expected=$(jq -r '[.packages[] | select(any(.dependencies[]; .name == "devws-core")) | .name | gsub("-"; "_")] | sort[]' "$DEVWS/cargo-metadata.json")
	run -0 bash -c "cg-query -d '$DEV_STORE' dependents devws_core --depth 1 | jq -r .vertex.name | sort"
	assert_equal "$output" "$expected"
}

@test "devws: traverse layers, path steps and the visit cap are consistent" {
	require_devws
	out=$(cg-query -d "$DEV_STORE" traverse devws_core --depth 3)
	# every vertex at depth d > 0 was reached from one at depth d - 1, by the edge it names
	jq -s -e '(map({key: .vertex.id, value: .depth}) | from_entries) as $d
		| all(.[]; .depth == 0 or ($d[.edge.src] == .depth - 1 and .edge.dst == .vertex.id))' <<<"$out"
	assert_equal "$(jq -r .vertex.id <<<"$out" | sort | uniq -d)" ""
	p=$(cg-query -d "$DEV_STORE" path devws_cli devws_core::Circle --both)
	[ "$(wc -l <<<"$p")" -ge 2 ]
	jq -s -e '. as $s | all(range(1; length); ($s[.].edge | [.src, .dst] | sort) == ([$s[. - 1].vertex.id, $s[.].vertex.id] | sort))' <<<"$p"
	run -0 bash -c "printf '%s\n' '{\"op\":\"traverse\",\"vertex\":\"devws_core\",\"depth\":9,\"max_visited\":10}' | cg-query -d '$DEV_STORE'"
	assert_equal "$(jq -c 'select(.done) | [.count, .truncated]' <<<"$output")" "[10,true]"
}

@test "devws: stats per crate agree with the ingest report" {
	require_devws
	run -0 cg-query -d "$DEV_STORE" stats
	assert_equal "$(jq '.stats.crates | length' <<<"$output")" 9
	jq -e '.stats.crates | all(.vertices == .meta.vertices)' <<<"$output"
}

# ---- the manual ----

@test "every EXAMPLES line of cg-query(1) runs" {
	mkdir -p "$BATS_TEST_TMPDIR/ex" && ln -s "$CG_ROOT/examples" "$BATS_TEST_TMPDIR/ex/examples"
	awk '/^\.SH /{ in_ex = ($0 ~ /^\.SH "?EXAMPLES"?$/) }
		in_ex && /^\.EX/ { b = 1; next } in_ex && /^\.EE/ { b = 0; next }
		in_ex && b && /^\$ / { print substr($0, 3) }' "$CG_ROOT/man/cg-query.1" |
		sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\e/\\/g' >"$BATS_TEST_TMPDIR/ex.sh"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ex.sh")" -ge 10 ]
	run -0 bash -c "cd '$BATS_TEST_TMPDIR/ex' && unset CG_DIR && bash -euo pipefail '$BATS_TEST_TMPDIR/ex.sh'"
	assert_output --partial "shapes_core::geometry::shapes::Circle"
	assert_output --partial "2 Contains shapes_core::Shape"
	assert_output --partial '["b",1]'
	grep -q "<svg" "$BATS_TEST_TMPDIR/ex/shape.svg"
}
