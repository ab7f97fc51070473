#!/usr/bin/env bats
# formats.bats: the window of rustdoc format versions cg reads (54 to 57), and a newer one,
# which is tried with a warning and fails only where a field cg needs changed shape.
#
# Both toolchains here (stable 1.95, nightly 1.97) emit 57, so the other versions are made
# from the shipped 57 JSON by undoing or faking exactly what each bump changed:
#   57 added external_crates[].path: a 54/55/56 document has no such field;
#   56 added the item kind "attribute": these crates use none, so a 55 document of them is the
#      56 one with the version changed;
#   55 added the attribute variant "macro_use": 54 wrote it as {"other": "#[macro_use]"}.
# Oracles come from the JSON itself (jq), not from cg's earlier output.

load helper

J="$EXAMPLE_WS/target/doc/shapes_core.json"

# as_version V [JQ-FILTER]: the example crate's JSON rewritten as format version V.
as_version() {
	local out="$BATS_TEST_TMPDIR/v$1.json"
	jq -c ".format_version = $1 | ${2:-.}" "$J" >"$out"
	echo "$out"
}

# The jq filter that turns a 57 document into the 54 one rustdoc would have written.
AS_54='.external_crates |= map_values(del(.path))
	| .index |= map_values(.attrs |= map(if . == "macro_use" then {other: "#[macro_use]"} else . end))'

structs() { # structs of shapes_core in the store
	cg-query find --kind struct --crate shapes_core | wc -l
}

@test "format versions 54, 55 and 56 are read like 57, without a warning" {
	want=$(jq '[.index[] | select(.crate_id == 0 and .inner.struct)] | length' "$J")
	[ "$want" -gt 0 ]
	jq -e '[.paths[].kind] | index("attribute") | not' "$J"
	for v in 54 55 56; do
		cg-init -q -d "$BATS_TEST_TMPDIR/s$v"
		if [ $v = 54 ]; then f=$(as_version 54 "$AS_54"); else f=$(as_version $v '.external_crates |= map_values(del(.path))'); fi
		run -0 --separate-stderr cg-ingest -d "$BATS_TEST_TMPDIR/s$v" --lockfile "$EXAMPLE_WS/Cargo.lock" "$f"
		assert_equal "$stderr" ""
		assert_equal "$(jq -r .status <<<"$output")" added
		assert_equal "$(CG_DIR="$BATS_TEST_TMPDIR/s$v" structs)" "$want"
	done
}

@test "a newer format version is read with one warning line; older than 54 is refused" {
	cg-init -q
	want=$(jq '[.index[] | select(.crate_id == 0 and .inner.struct)] | length' "$J")
	run -0 --separate-stderr cg-ingest --lockfile "$EXAMPLE_WS/Cargo.lock" "$(as_version 58)"
	assert_equal "$stderr" "cg-ingest: rustdoc format_version 58 is newer than any this cg knows (54 to 57): read as 57"
	assert_equal "$(structs)" "$want"
	before=$(cg-query dump)
	f=$(as_version 53)
	run -65 --separate-stderr cg-ingest "$f"
	assert_equal "$stderr" "cg-ingest: $f: format_version 53 is not supported (supported: 54 to 57)"
	assert_equal "$(cg-query dump)" "$before"
}

@test "the devws workspace as format 54: answers equal the JSON and the graph equals 57's" {
	require_devws
	cg-init -q
	mkdir "$BATS_TEST_TMPDIR/json54"
	for f in "$DEVWS"/json/*.json; do
		jq -c ".format_version = 54 | $AS_54" "$f" >"$BATS_TEST_TMPDIR/json54/${f##*/}"
	done
	run -0 --separate-stderr cg-ingest --workspace "$DEVWS" --doc-dir "$BATS_TEST_TMPDIR/json54"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" added
	for f in "$BATS_TEST_TMPDIR"/json54/*.json; do
		assert_equal "$(jq .format_version "$f")" 54
		crate=$(jq -r '.index[.root|tostring].name' "$f")
		for k in struct enum trait; do
			want=$(jq --arg k $k '[.index[] | select(.crate_id == 0 and .inner[$k])] | length' "$f")
			assert_equal "$crate $k $(cg-query find --kind $k --crate "$crate" | wc -l)" "$crate $k $want"
		done
	done
	# every vertex, edge and index entry is the one the 57 documents give; only the
	# per-file metadata (checksum, bytes, source) differs, and the content digests agree
	cg-init -q -d "$BATS_TEST_TMPDIR/s57"
	cg-ingest -q -d "$BATS_TEST_TMPDIR/s57" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
	graph() { cg-query -d "$1" dump | jq -c 'select(.key | startswith("m:") | not)'; }
	content() { cg-query -d "$1" dump | jq -r 'select(.key | startswith("m:crate:")) | "\(.value.unit) \(.value.content)"'; }
	[ "$(graph "$STORE" | wc -l)" -gt 1000 ]
	assert_equal "$(graph "$STORE")" "$(graph "$BATS_TEST_TMPDIR/s57")"
	assert_equal "$(content "$STORE")" "$(content "$BATS_TEST_TMPDIR/s57")"
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
