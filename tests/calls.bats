#!/usr/bin/env bats
# calls.bats: cg-calls finds and resolves the calls of examples/ws and devws (precision and
# recall against hand-checked lists), feeds cg-ingest, and walks workspaces safely.
bats_require_minimum_version 1.5.0
load helper

FIX="$CG_ROOT/tests/fixtures/calls"

ingest_examples() {
	cg-init -q -d "$STORE" && cg-ingest -q -d "$STORE" --workspace "$EXAMPLE_WS"
}

# score EXPECTED.tsv EDGES.ndjson: prints "precision P recall R (correct/emitted/expected)"
# over distinct (caller, callee) path pairs.
score() {
	grep -v '^#' "$1" | sort -u >"$BATS_TEST_TMPDIR/want"
	jq -r '[.src_path, .dst_path] | @tsv' "$2" | sort -u >"$BATS_TEST_TMPDIR/got"
	local ok got want
	ok=$(comm -12 "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" | wc -l)
	got=$(wc -l <"$BATS_TEST_TMPDIR/got")
	want=$(wc -l <"$BATS_TEST_TMPDIR/want")
	awk -v ok="$ok" -v got="$got" -v want="$want" 'BEGIN {
		printf "precision %.3f recall %.3f (%d correct, %d emitted, %d expected)\n",
			got ? ok / got : 0, want ? ok / want : 0, ok, got, want }'
	echo "wrong:"; comm -13 "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	echo "missed:"; comm -23 "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# floor NAME "precision P recall R ..." MIN_P MIN_R
above_floor() {
	awk -v p="$2" -v r="$3" '/^precision/ { exit !($2 >= p && $4 >= r) }' <<<"$1"
}

@test "cg-calls --help, --version and usage errors" {
	run -0 cg-calls --help
	assert_output --partial "Usage: cg-calls --workspace DIR"
	run -0 cg-calls --version
	assert_output --partial "cg-calls (cg)"
	run -2 --separate-stderr cg-calls
	[[ "$stderr" == *"cg-calls: --workspace DIR is required"* ]]
	run -2 --separate-stderr cg-calls -w . --threads 0
	[[ "$stderr" == *"--threads"* ]]
	run -2 --separate-stderr cg-calls -w . extra
	[[ "$stderr" == *"unexpected argument 'extra'"* ]]
}

@test "a missing store or workspace exits 66" {
	run -66 --separate-stderr cg-calls -d "$BATS_TEST_TMPDIR/none" -w "$EXAMPLE_WS"
	[[ "$stderr" == cg-calls:* ]]
	ingest_examples
	run -66 --separate-stderr cg-calls -w "$BATS_TEST_TMPDIR/nowhere"
	[[ "$stderr" == *"workspace"*"nowhere"* ]]
}

@test "examples/ws: precision and recall against the hand-checked calls" {
	ingest_examples
	run -0 --separate-stderr cg-calls -w "$EXAMPLE_WS" --paths
	printf '%s\n' "${lines[@]}" >"$BATS_TEST_TMPDIR/edges"
	result=$(score "$FIX/expected-examples.tsv" "$BATS_TEST_TMPDIR/edges")
	note "examples/ws: $result"
	above_floor "$result" 0.95 0.95
	# every line is an edge cg-ingest takes, with a call site
	run -0 jq -e -s 'all(.type == "edge" and .label == "Calls" and (.src | test("^[0-9a-f]{16}$"))
		and (.dst | test("^[0-9a-f]{16}$")) and (.line > 0) and (.file | endswith(".rs")))' "$BATS_TEST_TMPDIR/edges"
	grep -q '"file":"shapes-cli/src/main.rs","line":10,"src_path":"shapes_cli::main","dst_path":"shapes_cli::run"' "$BATS_TEST_TMPDIR/edges"
	[[ "$stderr" == *"7 files, 459 lines"*"resolved"*"unresolved"* ]]
}

@test "devws: precision and recall against the hand-checked calls" {
	require_devws
	cg-init -q -d "$STORE"
	cg-ingest -q -d "$STORE" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
	run -0 --separate-stderr cg-calls -w "$DEVWS" --paths -r "$BATS_TEST_TMPDIR/report"
	printf '%s\n' "${lines[@]}" >"$BATS_TEST_TMPDIR/edges"
	result=$(score "$FIX/expected-devws.tsv" "$BATS_TEST_TMPDIR/edges")
	note "devws: $result"
	above_floor "$result" 0.97 0.95
	# calls inside macro arguments, through `use` of another crate's re-export, and a
	# method through a struct field's type from another crate
	grep -q '"src_path":"devws_cli::main","dst_path":"devws_core::search::count_lines"' "$BATS_TEST_TMPDIR/edges"
	grep -q '"src_path":"devws_core::search::find_byte","dst_path":"memchr::memchr::memchr"' "$BATS_TEST_TMPDIR/edges"
	grep -q 'dst_path":"memchr::memchr::iter::<impl Iterator for Memchr<.a>>::next"' "$BATS_TEST_TMPDIR/edges"
	# `self.shapes.len()` is Vec::len, not Canvas::len: unresolved, not a wrong edge
	run -0 jq -c 'select(.file == "devws-app/src/lib.rs" and .line == 35) | [.status, .callee, .reason]' "$BATS_TEST_TMPDIR/report"
	assert_output '["unresolved","len","receiver type not in the store"]'
}

@test "the report lists unresolved call sites with reasons, and -q silences the summary" {
	ingest_examples
	run -0 --separate-stderr cg-calls -w "$EXAMPLE_WS" -r "$BATS_TEST_TMPDIR/report"
	[[ "$stderr" =~ ([0-9]+)\ call\ sites,\ ([0-9]+)\ resolved.*\ ([0-9]+)\ ambiguous,\ ([0-9]+)\ unresolved,\ ([0-9]+)\ in ]]
	sites=${BASH_REMATCH[1]} res=${BASH_REMATCH[2]} amb=${BASH_REMATCH[3]} unr=${BASH_REMATCH[4]} noc=${BASH_REMATCH[5]}
	[ "$((res + amb + unr + noc))" -eq "$sites" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/report")" -eq "$((amb + unr + noc))" ]
	run -0 jq -c 'select(.callee == "require_positive") | [.status, .file, .line, .caller]' "$BATS_TEST_TMPDIR/report"
	assert_line --index 0 '["unresolved","shapes-core/src/geometry/shapes.rs",18,"shapes_core::geometry::shapes::<impl Circle>::new"]'
	run -0 --separate-stderr cg-calls -q -w "$EXAMPLE_WS"
	[ -z "$stderr" ]
}

@test "the result does not depend on the number of threads" {
	ingest_examples
	cg-calls -q -w "$EXAMPLE_WS" -j 1 >"$BATS_TEST_TMPDIR/one"
	cg-calls -q -w "$EXAMPLE_WS" -j 4 >"$BATS_TEST_TMPDIR/four"
	[ -s "$BATS_TEST_TMPDIR/one" ]
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/four"
}

@test "pipeline: cg-calls | cg-ingest --ndjson, then the callers are in the store" {
	ingest_examples
	run -0 bash -c "cg-calls -q -w '$EXAMPLE_WS' | cg-ingest --ndjson --unit calls -"
	[ "$(jq .edges.Calls <<<"$output")" -eq 37 ]
	command -v cg-query >/dev/null || skip "cg-query not built"
	run -0 cg-query neighbors 'shapes_core::geometry::shapes::<impl Circle>::new' --in --type Calls
	run -0 jq -r '.vertex.path' <<<"$output"
	assert_line shapes_cli::run
	assert_line shapes_render::unit_circle
}

@test "the walk skips target/ and hidden dirs and does not follow symlinks out of the workspace" {
	ingest_examples
	ws="$BATS_TEST_TMPDIR/ws"
	cp -r "$EXAMPLE_WS" "$ws"
	rm -rf "$ws/target"
	mkdir -p "$ws/shapes-cli/target" "$ws/shapes-cli/.hidden" "$BATS_TEST_TMPDIR/outside"
	printf 'fn main() { shapes_render::unit_circle(); }\n' >"$BATS_TEST_TMPDIR/outside/o.rs"
	cp "$BATS_TEST_TMPDIR/outside/o.rs" "$ws/shapes-cli/target/t.rs"
	cp "$BATS_TEST_TMPDIR/outside/o.rs" "$ws/shapes-cli/.hidden/h.rs"
	ln -s "$BATS_TEST_TMPDIR/outside/o.rs" "$ws/shapes-cli/src/linked.rs"
	ln -s "$ws/shapes-cli/src/main.rs" "$ws/shapes-cli/src/inside.rs"
	run -0 --separate-stderr cg-calls -w "$ws" --paths
	[[ "$stderr" == *" 8 files,"* ]] # 7 + inside.rs
	refute_output --partial '"file":"shapes-cli/src/linked.rs"'
	refute_output --partial 'target/t.rs'
	refute_output --partial '.hidden'
}

@test "the EXAMPLES of cg-calls(1) run" {
	mkdir -p "$BATS_TEST_TMPDIR/ex/examples"
	ln -s "$EXAMPLE_WS" "$BATS_TEST_TMPDIR/ex/examples/ws"
	awk '/^\.SH EXAMPLES/ { e = 1 } e && /^\.EX/ { b = 1; next } e && /^\.EE/ { b = 0 } e && b && /^\$ / { print substr($0, 3) }' \
		"$CG_ROOT/man/cg-calls.1" | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$BATS_TEST_TMPDIR/ex.sh"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ex.sh")" -eq 7 ]
	cd "$BATS_TEST_TMPDIR/ex"
	unset CG_DIR
	run -0 bash -euo pipefail "$BATS_TEST_TMPDIR/ex.sh"
	assert_line 37
	assert_line shapes_cli::run
	assert_line shapes_render::unit_circle
	assert_line --partial "shapes-cli/src/main.rs:11 eprintln: "
}
