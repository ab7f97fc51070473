#!/usr/bin/env bats
# names.bats: the names Rust developers type — defining paths, re-exports through chains of
# globs and across crates, Type::method, children of re-exported items, crate names with '-',
# crate@version, std paths — plus find --match, find --file, at FILE:LINE, implementors per
# impl block, trait-method links, callers through trait methods, --workspace from a stub, and
# the truncation notice. Answers are checked against jq over the rustdoc JSON itself.
bats_require_minimum_version 1.5.0
load helper

NAMES="$CG_ROOT/tests/fixtures/names"

setup_file() {
	export TMPDIR="$BATS_FILE_TMPDIR"
	export NJSON="$BATS_FILE_TMPDIR/names-json" NSTORE="$BATS_FILE_TMPDIR/names" DSTORE="$BATS_FILE_TMPDIR/dev"
	mkdir -p "$NJSON"
	for f in "$NAMES"/json/*.json.zst; do zstd -q -d "$f" -o "$NJSON/$(basename "$f" .zst)"; done
	cg-init -q "$NSTORE"
	cg-ingest -q -d "$NSTORE" --workspace "$NAMES" --doc-dir "$NJSON"
	require_devws
	cg-init -q "$DSTORE"
	cg-ingest -q -d "$DSTORE" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
	cg-calls -q -d "$DSTORE" --workspace "$DEVWS" | cg-ingest -q -d "$DSTORE" --ndjson --unit calls -
}

BASE() { echo "$NJSON/glob_base.json"; }

# The public names glob_base makes through `pub use m::*` chains from its root: every public
# item of a module a public glob reaches, transitively (jq over the JSON, not cg).
glob_public_names() {
	jq -r '
		.index as $ix
		| def items($m): $ix[($m|tostring)].inner.module.items[] | $ix[tostring];
		  def reach($m): items($m) | if .inner.use and .inner.use.is_glob and .visibility == "public"
			then reach(.inner.use.id) else select((.inner.use | not) and .visibility == "public") end;
		[ $ix[(.root|tostring)].inner.module.items[] | $ix[tostring]
		  | select(.inner.use.is_glob == true and .visibility == "public") | reach(.inner.use.id) | .name ]
		| unique[]' "$(BASE)"
}

# Impl blocks of the trait named NAME in FILE: not synthetic, not rustdoc's blanket copies,
# not negative.
impl_count() {
	jq --arg t "$2" '[.index[] | select(.inner.impl and .inner.impl.trait != null
		and .inner.impl.trait.path == $t and .inner.impl.is_synthetic == false
		and .inner.impl.blanket_impl == null and .inner.impl.is_negative == false)] | length' "$1"
}

@test "glob re-exports through chains of private modules give every item its public path" {
	mapfile -t want < <(glob_public_names)
	[ "${#want[@]}" -ge 6 ] # epoll_wait, epoll_event, waitpid, uses_helper, EINTR, O_CLOEXEC
	for n in "${want[@]}"; do
		run -0 cg-query -d "$NSTORE" vertex "glob_base::$n"
		assert_equal "$(jq -r .match <<<"$output")" alias
		assert_equal "$(jq -r .vertex.name <<<"$output")" "$n"
	done
	# no alias under a private module, and the count of public glob paths is the oracle's
	got=$(cg-query -d "$NSTORE" find --crate glob_base | jq -r '.vertex.aliases[]' | sort -u)
	[[ "$got" != *"::unix::"* && "$got" != *"::linux::"* ]] || fail "private module alias: $got"
	assert_equal "$(grep -c '^glob_base::[^:]*$' <<<"$got")" "${#want[@]}"
	run -1 --separate-stderr cg-query -d "$NSTORE" vertex glob_base::private_helper
}

@test "re-exports of another crate's items: by name, and through a glob; children of them" {
	run -0 cg-query -d "$NSTORE" vertex glob_top::Point
	assert_equal "$(jq -r '[.match, .vertex.path] | join(" ")' <<<"$output")" "re-export glob_base::Point"
	run -0 cg-query -d "$NSTORE" vertex glob_top::base::epoll_wait
	assert_equal "$(jq -r .vertex.path <<<"$output")" \
		"$(jq -r '.index[] | select(.name == "epoll_wait") | .span.filename' "$(BASE)" | sed 's|.*||')glob_base::unix::linux::epoll::epoll_wait"
	run -0 cg-query -d "$NSTORE" vertex glob_top::base::Point::new
	assert_equal "$(jq -r .match <<<"$output")" method
	run -0 cg-query -d "$NSTORE" vertex glob_base::epoll_event::events
	assert_equal "$(jq -r '[.match, .vertex.kind] | join(" ")' <<<"$output")" "member field"
}

@test "Type::method and Trait::method through inherent and trait impls; several matches answer all" {
	require_devws
	run -0 cg-query -d "$DSTORE" vertex devws_core::Circle::new
	assert_equal "$(jq -r '[.match, .vertex.kind, .vertex.path] | join(" ")' <<<"$output")" \
		"method method devws_core::geometry::shapes::<impl Circle>::new"
	# the child of a re-exported trait: devws_core::Shape is devws_core::geometry::Shape
	run -0 cg-query -d "$DSTORE" vertex devws_core::Shape::area
	assert_equal "$(jq -r '[.match, .vertex.path] | join(" ")' <<<"$output")" "member devws_core::geometry::Shape::area"
	# two impls of FromNumber for Point each have from_number: both answer
	want=$(jq '[.index[] | select(.inner.impl.for.resolved_path.path == "Point") | .inner.impl.items[]
		| tostring as $i | $i] as $ids | [.index[] | select(.name == "from_number" and ((.id|tostring) as $x | $ids | index($x)))] | length' "$(BASE)")
	run -0 cg-query -d "$NSTORE" vertex glob_base::Point::from_number
	[ "${#lines[@]}" -eq "$want" ] && [ "$want" -eq 2 ]
	assert_equal "$(jq -r .match <<<"$output" | sort -u)" method
	run -2 --separate-stderr cg-query -d "$NSTORE" callers glob_base::Point::from_number
	[[ "$stderr" == *"ambiguous"* ]]
}

@test "crate names with '-' or '_', and crate@version" {
	run -0 cg-query -d "$NSTORE" vertex glob-base
	assert_equal "$(jq -r '[.match, .vertex.kind, .vertex.path] | join(" ")' <<<"$output")" "crate name crate glob_base"
	run -0 cg-query -d "$NSTORE" dependents glob-base
	assert_equal "$(jq -r .vertex.name <<<"$output")" glob_top
	run -0 cg-query -d "$NSTORE" dependents glob_base@0.1.0
	assert_equal "$(jq -r .vertex.name <<<"$output")" glob_top
	run -1 --separate-stderr cg-query -d "$NSTORE" dependents glob_base@9.9.9
	assert_equal "$(cg-query -d "$NSTORE" find --crate glob-base | wc -l)" "$(cg-query -d "$NSTORE" find --crate glob_base | wc -l)"
	[ "$(cg-query -d "$NSTORE" find --crate glob-base@0.1.0 | wc -l)" -gt 0 ]
}

@test "std paths map to the stubs rustdoc recorded under their defining paths" {
	require_devws
	for ref in std::iter::Iterator core::iter::Iterator Iterator; do
		run -0 cg-query -d "$DSTORE" vertex "$ref"
		assert_equal "$(jq -r '[.match, .vertex.path] | join(" ")' <<<"$output")" "std core::iter::traits::iterator::Iterator"
	done
	vec=$(jq -r '.paths[] | select(.path[-1] == "Vec" and .path[0] == "alloc") | .path | join("::")' "$DEVWS"/json/*.json | sort -u)
	assert_equal "$vec" alloc::vec::Vec
	for ref in std::vec::Vec alloc::vec::Vec Vec; do
		assert_equal "$(cg-query -d "$DSTORE" vertex "$ref" | jq -r .vertex.path)" "$vec"
	done
	assert_equal "$(cg-query -d "$DSTORE" vertex std::fmt::Debug | jq -r .vertex.path)" core::fmt::Debug
	# every impl of Iterator in the JSON files, whatever name the trait is given
	want=0
	for f in "$DEVWS"/json/*.json; do
		n=$(jq '(.paths | to_entries | map(select(.value.path == ["core","iter","traits","iterator","Iterator"]) | .key | tonumber)) as $ids
			| [.index[] | select(.inner.impl.trait.id as $t | $t != null and ($ids | index($t)))
			  | select(.inner.impl.is_synthetic == false and .inner.impl.blanket_impl == null)] | length' "$f")
		want=$((want + n))
	done
	[ "$want" -gt 5 ]
	assert_equal "$(cg-query -d "$DSTORE" implementors std::iter::Iterator | wc -l)" "$want"
	# --workspace keeps a walk that starts at a stub no unit owns
	assert_equal "$(cg-query -d "$DSTORE" implementors std::iter::Iterator --workspace devws | wc -l)" "$want"
}

@test "a name that matches nothing exits 1 with one line offering the nearest names" {
	require_devws
	run -1 --separate-stderr cg-query -d "$DSTORE" vertex devws_core::Cirle
	assert_output ""
	assert_equal "$stderr" "cg-query: no item matches 'devws_core::Cirle'; did you mean devws_core::geometry::shapes::Circle?"
	run -1 --separate-stderr cg-query -d "$DSTORE" callers devws_core::nothing_like_this_at_all
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run -1 --separate-stderr cg-query -d "$DSTORE" find Cirkle
	[[ "$stderr" == *"did you mean devws_core::geometry::shapes::Circle?" ]]
	# in a stream the closing line carries it and the stream goes on
	run -0 bash -c "printf '%s\n' '{\"op\":\"vertex\",\"vertex\":\"nope::Nope\"}' '{\"op\":\"vertex\",\"vertex\":\"devws_core\"}' | cg-query -d '$DSTORE'"
	assert_equal "$(jq -r 'select(.done) | .error // "ok" | .[:28]' <<<"$output" | paste -sd/)" "no item matches 'nope::Nope'/ok"
}

@test "implementors answers every impl block: types for path types, else the impl itself" {
	for t in Named Tally FromNumber; do
		want=$(impl_count "$(BASE)" "$t")
		assert_equal "$(cg-query -d "$NSTORE" implementors "glob_base::$t" | wc -l)" "$want"
	done
	[ "$(impl_count "$(BASE)" Named)" -eq 6 ]
	run -0 cg-query -d "$NSTORE" implementors glob_base::Named
	assert_equal "$(jq -r 'select(.vertex.kind == "struct") | .vertex.name' <<<"$output")" Point
	assert_equal "$(jq -r 'select(.vertex.kind == "impl") | .vertex.name' <<<"$output" | sort | xargs)" \
		"<impl Named for &T> <impl Named for (A, B)> <impl Named for [T; N]> <impl Named for bool> <impl Named for str>"
	# the blanket impl<I: Iterator> Tally for I is answered
	assert_equal "$(cg-query -d "$NSTORE" implementors glob_base::Tally | jq -r .vertex.name)" "<impl Tally for I>"
	require_devws
	for f in "$DEVWS"/json/devws_core.json; do
		for t in $(jq -r '.index[] | select(.inner.trait) | .name' "$f"); do
			assert_equal "$(cg-query -d "$DSTORE" implementors "devws_core::$t" 2>/dev/null | wc -l)" "$(impl_count "$f" "$t")"
		done
	done
}

@test "trait methods link to the methods implementing them; callers include calls through the trait" {
	want=$(jq '[.index[] | select(.inner.impl.trait.path == "Named") | .inner.impl.items[]] | length' "$(BASE)")
	run -0 cg-query -d "$NSTORE" implementors glob_base::Named::name
	[ "${#lines[@]}" -eq "$want" ]
	assert_equal "$(jq -r '.edge.label' <<<"$output" | sort -u)" Implements
	assert_equal "$(jq -r '.vertex.kind' <<<"$output" | sort -u)" method
	require_devws
	through=$(cg-query -d "$DSTORE" callers devws_core::geometry::Shape::area | jq -r .vertex.path | sort)
	[ -n "$through" ]
	run -0 cg-query -d "$DSTORE" callers 'devws_core::geometry::shapes::<impl Shape for Circle>::area'
	assert_equal "$(jq -r 'select(.through == "devws_core::geometry::Shape::area") | .vertex.path' <<<"$output" | sort)" "$through"
}

@test "find --match exact|prefix|substring|fuzzy, case-insensitive and ranked" {
	require_devws
	run -0 cg-query -d "$DSTORE" find circle --match prefix
	assert_equal "$(jq -r .match <<<"${lines[0]}")" exact
	assert_equal "$(jq -r .vertex.name <<<"${lines[0]}")" Circle
	run -0 cg-query -d "$DSTORE" find area --match substring
	jq -e 'select(.vertex.name | ascii_downcase | contains("area") | not)' <<<"$output" && fail "not a substring"
	# ranked: every exact match before any substring match
	assert_equal "$(jq -r .match <<<"$output" | uniq | xargs)" "exact substring"
	assert_equal "$(jq -r 'select(.match == "exact") | .vertex.name' <<<"$output" | sort -u)" area
	run -0 cg-query -d "$DSTORE" find Cirle --match fuzzy
	assert_equal "$(jq -r .vertex.name <<<"${lines[0]}")" Circle
	run -1 --separate-stderr cg-query -d "$DSTORE" find circle
	run -2 --separate-stderr cg-query -d "$DSTORE" find Circle --match sideways
}

@test "find --file takes ./path, an absolute path or a basename; at FILE:LINE[:COL] gives the innermost item" {
	require_devws
	want=$(cg-query -d "$DSTORE" find --file devws-core/src/geometry/shapes.rs | wc -l)
	[ "$want" -gt 3 ]
	assert_equal "$(cg-query -d "$DSTORE" find --file "$DEVWS/devws-core/src/geometry/shapes.rs" | wc -l)" "$want"
	assert_equal "$(cd "$DEVWS/devws-core" && cg-query -d "$DSTORE" find --file ./src/geometry/shapes.rs | wc -l)" "$want"
	assert_equal "$(cg-query -d "$DSTORE" find --file shapes.rs | wc -l)" "$want"
	run -1 --separate-stderr cg-query -d "$DSTORE" find --file no_such_file.rs
	# at: the JSON's spans say which items hold the line; the innermost answers
	f=devws-core/src/geometry/shapes.rs
	read -r path line < <(jq -r --arg f "$f" '[.index[] | select(.span.filename == $f and .name == "new")
		| {n: .name, b: .span.begin[0], e: .span.end[0]}] | sort_by(.b) | .[0] | "\(.n) \(.b + 1)"' "$DEVWS/json/devws_core.json")
	run -0 cg-query -d "$DSTORE" at "$f:$line"
	assert_equal "$(jq -r '[.match, .vertex.name] | join(" ")' <<<"$output")" "at $path"
	run -0 cg-query -d "$DSTORE" at "shapes.rs:$line:1"
	assert_equal "$(jq -r .vertex.name <<<"$output")" "$path"
	run -1 --separate-stderr cg-query -d "$DSTORE" at "$f:100000"
	run -2 --separate-stderr cg-query -d "$DSTORE" at "$f"
}

@test "a truncated answer says which limit cut it, on stderr" {
	run -0 --separate-stderr cg-query -d "$NSTORE" find --crate glob_base --limit 3
	[ "${#lines[@]}" -eq 3 ]
	assert_equal "$stderr" "cg-query: answer truncated at --limit 3"
	run -0 --separate-stderr cg-query -d "$NSTORE" traverse glob_base --max-visited 2
	[[ "$stderr" == "cg-query: answer truncated: the walk stopped after visiting --max-visited 2 vertices"* ]]
	run -0 --separate-stderr cg-query -d "$NSTORE" find --crate glob_base
	assert_equal "$stderr" ""
}
