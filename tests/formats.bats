#!/usr/bin/env bats
# formats.bats: the window of rustdoc format versions cg reads (55 to 57), and a newer one,
# which is tried with a warning and fails only where a field cg needs changed shape.
#
# Both toolchains here (stable 1.95, nightly 1.97) emit 57, so the other versions are made
# from the shipped 57 JSON by undoing or faking exactly what each bump changed:
#   57 added external_crates[].path: a 55/56 document has no such field;
#   56 added the item kind "attribute": shapes_core uses none, so a 55 document of it is the
#      56 one with the version changed.
# Oracles come from the JSON itself (jq), not from cg's earlier output.

load helper

J="$EXAMPLE_WS/target/doc/shapes_core.json"

# as_version V [JQ-FILTER]: the example crate's JSON rewritten as format version V.
as_version() {
	local out="$BATS_TEST_TMPDIR/v$1.json"
	jq -c ".format_version = $1 | ${2:-.}" "$J" >"$out"
	echo "$out"
}

structs() { # structs of shapes_core in the store
	cg-query find --kind struct --crate shapes_core | wc -l
}

@test "format versions 55 and 56 are read like 57, without a warning" {
	want=$(jq '[.index[] | select(.crate_id == 0 and .inner.struct)] | length' "$J")
	[ "$want" -gt 0 ]
	jq -e '[.paths[].kind] | index("attribute") | not' "$J"
	for v in 55 56; do
		cg-init -q -d "$BATS_TEST_TMPDIR/s$v"
		f=$(as_version $v '.external_crates |= map_values(del(.path))')
		run -0 --separate-stderr cg-ingest -d "$BATS_TEST_TMPDIR/s$v" --lockfile "$EXAMPLE_WS/Cargo.lock" "$f"
		assert_equal "$stderr" ""
		assert_equal "$(jq -r .status <<<"$output")" added
		assert_equal "$(CG_DIR="$BATS_TEST_TMPDIR/s$v" structs)" "$want"
	done
}

@test "a newer format version is read with one warning line; older than 55 is refused" {
	cg-init -q
	want=$(jq '[.index[] | select(.crate_id == 0 and .inner.struct)] | length' "$J")
	run -0 --separate-stderr cg-ingest --lockfile "$EXAMPLE_WS/Cargo.lock" "$(as_version 58)"
	assert_equal "$stderr" "cg-ingest: rustdoc format_version 58 is newer than any this cg knows (55 to 57): read as 57"
	assert_equal "$(structs)" "$want"
	f=$(as_version 54)
	run -65 --separate-stderr cg-ingest "$f"
	assert_equal "$stderr" "cg-ingest: $f: format_version 54 is not supported (supported: 55 to 57)"
}

@test "a newer format version whose field changed shape fails with 65 naming the JSON path" {
	cg-init -q
	before=$(cg-query dump)
	id=$(jq -r '[.index | to_entries[] | select(.value.inner.struct)][0].key' "$J")
	f=$(as_version 59 ".index[\"$id\"].inner.struct.kind = 7")
	run -65 --separate-stderr cg-ingest "$f"
	[[ "$stderr" == "cg-ingest: $f: index.$id.inner.struct.kind: "*"(format_version 59 is newer than any this cg knows: read as 57)" ]] || fail "$stderr"
	assert_equal "$(cg-query dump)" "$before"
}
