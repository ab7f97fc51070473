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
	id=$(cg-query vertex alpha::run | jq -r .vertex.id)
	assert_equal "$(cg-query vertex alpha::run | jq -c '.vertex | [.line, .end_line, .column]')" "[3,7,1]"
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
	exec 5>"$BATS_TEST_TMPDIR/in"
	for _ in $(seq 50); do grep -q "$holder" "$STORE/lock" 2>/dev/null && break; sleep 0.1; done
	run -75 --separate-stderr cg-ingest --ndjson "$FIX/small.ndjson"
	[[ "$stderr" == "cg-ingest: $STORE: store is locked by pid $holder" ]] || fail "$stderr"
	exec 5>&-
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

# The vertices rustdoc JSON should give: every index item except `use` items and
# synthetic/blanket impls with their items (computed from the JSON alone).
expected_vertices() {
	jq '[.index[] | select(.inner.impl and (.inner.impl.is_synthetic or .inner.impl.blanket_impl != null))] as $skip
	    | ([$skip[] | .id] + [$skip[] | .inner.impl.items[]]) as $drop
	    | [.index[] | select(.inner.use | not) | select(.id as $i | $drop | index($i) | not)] | length' "$1"
}

check_counts() { # DOCDIR OUTPUT
	for f in "$1"/*.json; do
		crate=$(jq -r '.index[.root|tostring].name' "$f")
		got=$(jq -r --arg c "$crate" 'select(.crate == $c) | .vertices' <<<"$2")
		assert_equal "$crate:$got" "$crate:$(expected_vertices "$f")"
	done
}

@test "rustdoc JSON of the example workspace: vertex counts agree with the JSON" {
	cg-init -q
	run --separate-stderr cg-ingest --workspace "$EXAMPLE_WS"
	assert_success
	assert_equal "$(wc -l <<<"$output")" 3
	check_counts "$EXAMPLE_WS/target/doc" "$output"
	run cg-verify
	assert_success
}

@test "rustdoc JSON gives Implements, Contains, Uses and Depends edges" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	run cg-query neighbors shapes_core::Circle --out --type Implements
	assert_output --partial '"path":"shapes_core::Shape"'
	assert_output --partial '"path":"shapes_core::Scalable"'
	run cg-query neighbors shapes_core::Triangle --out --type Implements
	refute_output --partial '"path":"shapes_core::Scalable"'
	run cg-query neighbors shapes_core::geometry::shapes --out --type Contains
	assert_output --partial '"path":"shapes_core::geometry::shapes::Circle"'
	run cg-query neighbors shapes_render --out --type Depends
	assert_output --partial '"path":"shapes_core"'
	# a re-export is indexed under its public path too
	run cg-query vertex shapes_core::Point
	assert_output --partial '"path":"shapes_core::geometry::util::Point"'
}

@test "devws: counts agree with the JSON and Depends follows Cargo.lock" {
	require_devws
	cg-init -q
	run --separate-stderr cg-ingest --workspace "$DEVWS" --doc-dir "$DEVWS/json"
	assert_success
	check_counts "$DEVWS/json" "$output"
	run cg-query neighbors devws_core --out --type Depends
	for dep in bitflags cfg_if either log memchr; do
		assert_output --partial "\"path\":\"$dep\""
	done
	assert_output --partial '"version":"1.3.2"'
	run cg-verify
	assert_success
}

@test "re-ingest reports unchanged and writes nothing" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	before=$(dump)
	run cg-ingest --workspace "$EXAMPLE_WS"
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
	assert_equal "$(dump)" "$before"
}

@test "the feature variant replaces changed crates; ids and other units' edges survive" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	circle=$(cg-query vertex shapes_core::Circle | jq -r .vertex.id)
	echo '{"type":"edge","src":"shapes_render::unit_circle","label":"Calls","dst":"shapes_core::Circle"}' |
		cg-ingest -q --ndjson --unit calls -
	run cg-ingest --workspace "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
	assert_equal "$(jq -r 'select(.crate=="shapes_core") | .status' <<<"$output")" replaced
	run -0 cg-query vertex shapes_core::extra::Ellipse
	assert_equal "$(cg-query vertex shapes_core::Circle | jq -r .vertex.id)" "$circle"
	run cg-query neighbors shapes_core::Circle --in --type Calls
	assert_output --partial shapes_render::unit_circle
	# back to default features: the gated items go away again
	run cg-ingest --workspace "$EXAMPLE_WS"
	assert_equal "$(jq -r 'select(.crate=="shapes_core") | .status' <<<"$output")" replaced
	run -1 --separate-stderr cg-query vertex shapes_core::extra::Ellipse
	assert_output ""
	run cg-verify
	assert_success
}

@test "--remove takes a crate's subgraph away and keeps the rest" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	run cg-ingest --remove shapes-render
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" removed
	assert_equal "$(jq -r .vertices <<<"$output")" "$(expected_vertices "$EXAMPLE_WS/target/doc/shapes_render.json")"
	run cg-query find --crate shapes_render@0.1.0
	refute_output --partial '"kind"'
	run -0 cg-query vertex shapes_core::Circle
	run cg-verify
	assert_success
}

@test "bad rustdoc JSON is refused with a clear message and leaves the store unchanged" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	before=$(dump)
	src="$EXAMPLE_WS/target/doc/shapes_render.json"
	bad="$BATS_TEST_TMPDIR/shapes_render.json"

	head -c 20000 "$src" >"$bad"
	run -65 --separate-stderr cg-ingest "$bad"
	[[ "$stderr" == "cg-ingest: $bad: line "*": invalid JSON"* ]] || fail "$stderr"

	jq '.format_version = 53' "$src" >"$bad"
	run -65 --separate-stderr cg-ingest "$bad"
	[[ "$stderr" == "cg-ingest: $bad: format_version 53 is not supported (supported: 54 to 57)" ]] || fail "$stderr"

	jq 'del(.index[.root|tostring].inner)' "$src" >"$bad"
	run -65 --separate-stderr cg-ingest "$bad"
	[[ "$stderr" == "cg-ingest: $bad: index."*"inner"* ]] || fail "$stderr"

	jq 'del(.paths)' "$src" >"$bad"
	run -65 --separate-stderr cg-ingest "$bad"
	[[ "$stderr" == "cg-ingest: $bad: "*"paths"* ]] || fail "$stderr"

	run -66 --separate-stderr cg-ingest "$BATS_TEST_TMPDIR/missing.json"
	assert_equal "$(dump)" "$before"
}

@test "--keep-going lands the good crates and reports the bad one" {
	cg-init -q
	docs="$BATS_TEST_TMPDIR/docs"
	mkdir "$docs"
	cp "$EXAMPLE_WS"/target/doc/*.json "$docs"
	head -c 1000 "$EXAMPLE_WS/target/doc/shapes_cli.json" >"$docs/shapes_cli.json"
	run -65 --separate-stderr cg-ingest --workspace "$EXAMPLE_WS" --doc-dir "$docs"
	run cg-query stats
	assert_equal "$(jq .stats.vertices <<<"$output")" 0
	run -65 --separate-stderr cg-ingest --keep-going --workspace "$EXAMPLE_WS" --doc-dir "$docs"
	assert_equal "$(jq -r 'select(.status=="failed") | .file' <<<"$output")" "$docs/shapes_cli.json"
	assert_equal "$(jq -r 'select(.status=="added") | .crate' <<<"$output" | sort | xargs)" "shapes_core shapes_render"
	[[ "$stderr" == "cg-ingest: $docs/shapes_cli.json: line "* ]] || fail "$stderr"
}

@test "cg-ingest(1) examples run" {
	cd "$BATS_TEST_TMPDIR"
	ln -s "$CG_ROOT/examples" examples
	unset CG_DIR
	awk '/^\.SH EXAMPLES/{e=1} /^\.SH SEE/{e=0} e && /^\$ /{print substr($0,3)}' "$CG_ROOT/man/cg-ingest.1" |
		sed -e 's/\\-/-/g' >examples.sh
	[ "$(wc -l <examples.sh)" -ge 5 ]
	run bash -euo pipefail examples.sh
	assert_success
}

@test "a large NDJSON input parsed in parallel chunks lands whole, and errors keep their line" {
	cg-init -q
	big="$BATS_TEST_TMPDIR/big.ndjson"
	awk 'BEGIN { print "{\"type\":\"vertex\",\"kind\":\"crate\",\"path\":\"big\",\"version\":\"1.0.0\"}";
		for (i = 0; i < 60000; i++) {
			printf "{\"type\":\"vertex\",\"kind\":\"function\",\"path\":\"big::f%d\",\"version\":\"1.0.0\",\"docs\":\"padding padding padding padding\"}\n", i
			printf "{\"type\":\"edge\",\"src\":\"big\",\"label\":\"Contains\",\"dst\":\"big::f%d\"}\n", i } }' >"$big"
	[ "$(stat -c %s "$big")" -gt $((8 << 20)) ]
	before=$(dump)
	sed '100001s/.*/{"type":"edge","src":"big","label":"Owns","dst":"big::f1"}/' "$big" >"$big.bad"
	run -65 --separate-stderr cg-ingest --ndjson "$big.bad"
	[[ "$stderr" == "cg-ingest: $big.bad: line 100001: edge: unknown edge type 'Owns'"* ]] || fail "$stderr"
	assert_equal "$(dump)" "$before"
	run cg-ingest --ndjson "$big"
	assert_success
	assert_equal "$(jq .vertices <<<"$output")" 60001
	assert_equal "$(jq .edges.Contains <<<"$output")" 60000
}

@test "a Cargo.lock change alone re-ingests the crates whose dependencies it moved" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	ws="$BATS_TEST_TMPDIR/ws"
	mkdir -p "$ws"
	cp -r "$EXAMPLE_WS/target" "$ws/"
	sed '/^name = "shapes-core"$/{n;s/0\.1\.0/0.1.1/}' "$EXAMPLE_WS/Cargo.lock" >"$ws/Cargo.lock"
	run cg-ingest --workspace "$ws" --name example
	assert_equal "$(jq -r 'select(.crate=="shapes_render") | .status' <<<"$output")" replaced
	run cg-query neighbors shapes_render --out --type Depends
	assert_output --partial '"version":"0.1.1"'
}

@test "removing every crate leaves no vertex, stub or edge behind" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	cg-ingest -q --remove shapes_cli --remove shapes_render
	run cg-query stats
	[ "$(jq .stats.stubs <<<"$output")" -gt 0 ] # shapes_core's own std stubs are still reached
	cg-ingest -q --remove shapes_core
	run cg-query stats
	assert_equal "$(jq -c '.stats | [.vertices, .stubs, .edges]' <<<"$output")" "[0,0,0]"
	run cg-verify
	assert_success
}
