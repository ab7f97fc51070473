#!/usr/bin/env bats
# workspace.bats: workspaces as units — records, shared crates, removal, versions side by
# side, and the workspace queries (workspaces, --workspace, stats per workspace).

load helper

# make_ws DIR CRATE... : a workspace from examples/ws holding only the named member crates
# (Cargo.lock filtered to them, their rustdoc JSON copied).
make_ws() {
	local dir="$1"
	shift
	mkdir -p "$dir/target/doc"
	local keep
	keep=$(printf '"%s",' "$@")
	python3 - "$EXAMPLE_WS/Cargo.lock" "$dir/Cargo.lock" "[${keep%,}]" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
keep = set(json.loads(sys.argv[3]))
parts = text.split('[[package]]')
out = [parts[0]] + [p for p in parts[1:] if p.split('name = "')[1].split('"')[0] in keep]
open(sys.argv[2], 'w').write('[[package]]'.join(out))
PY
	for c in "$@"; do
		cp "$EXAMPLE_WS/target/doc/${c//-/_}.json" "$dir/target/doc/"
	done
}

units() { # the units a store holds, sorted, on one line
	cg-query stats | jq -r '.stats.crates[].unit' | sort | xargs
}

@test "each --workspace run records the workspace in the same change as its crates" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/alpha" shapes-cli shapes-core shapes-render
	run -0 --separate-stderr cg-ingest --workspace "$BATS_TEST_TMPDIR/alpha"
	assert_equal "${#lines[@]}" 3
	run -0 cg-query workspaces
	rec=$(jq -c .workspace <<<"$output")
	assert_equal "$(jq -r .name <<<"$rec")" alpha
	assert_equal "$(jq -r .root <<<"$rec")" "$(cd "$BATS_TEST_TMPDIR/alpha" && pwd -P)"
	[[ "$(jq -r .lock_digest <<<"$rec")" =~ ^[0-9a-f]{16}$ ]]
	assert_equal "$(jq -r '.members | join(" ")' <<<"$rec")" "shapes_cli@0.1.0 shapes_core@0.1.0 shapes_render@0.1.0"
	assert_equal "$(jq -r '.dependencies | length' <<<"$rec")" 0
	# --name overrides the directory's name; nothing changed, so only the new record is written
	before=$(cg-query dump | grep -v '"m:workspace:')
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/alpha" --name other
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
	assert_equal "$(cg-query dump | grep -v '"m:workspace:')" "$before"
	assert_equal "$(cg-query workspaces | jq -r .workspace.name | xargs)" "alpha other"
	# an unchanged re-ingest leaves even the record alone
	before=$(cg-query dump)
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/alpha"
	assert_equal "$(cg-query dump)" "$before"
	run -0 cg-verify
}

@test "removing a workspace keeps the crates another workspace uses and drops its own" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/alpha" shapes-cli shapes-core shapes-render
	make_ws "$BATS_TEST_TMPDIR/beta" shapes-core shapes-render
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/alpha"
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/beta"
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged # shared: same cache keys
	core=$(cg-query find --crate shapes_core | wc -l)
	run -0 --separate-stderr cg-ingest --remove-workspace alpha
	assert_equal "$(jq -r 'select(.unit and .status=="removed") | .unit' <<<"$output")" shapes_cli@0.1.0
	assert_equal "$(jq -c 'select(.workspace) | .kept' <<<"$output")" '["shapes_core@0.1.0","shapes_render@0.1.0"]'
	assert_equal "$(units)" "shapes_core@0.1.0 shapes_render@0.1.0"
	run cg-query find --crate shapes_cli
	refute_output --partial '"vertex"'
	assert_equal "$(cg-query find --crate shapes_core | wc -l)" "$core"
	run -0 cg-query vertex shapes_render::unit_circle
	assert_equal "$(cg-query workspaces | jq -r .workspace.name)" beta
	run -0 cg-verify
	# the last workspace takes the rest with it
	run -0 cg-ingest --remove-workspace beta
	assert_equal "$(jq -r 'select(.unit and .status=="removed") | .unit' <<<"$output" | xargs)" "shapes_core@0.1.0 shapes_render@0.1.0"
	assert_equal "$(units)" ""
	# no real vertex is left (stubs that the removed units' edges pointed at may stay)
	run -0 cg-query find --kind struct
	assert_equal "$(jq -r 'select(.vertex.stub == false) | .vertex.path' <<<"$output")" ""
	run -66 --separate-stderr cg-ingest --remove-workspace beta
	[[ "$stderr" == "cg-ingest: beta: no such workspace in the store" ]] || fail "$stderr"
}

@test "a crate gone from the workspace's Cargo.lock leaves with the re-ingest, unless another uses it" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/alpha" shapes-cli shapes-core shapes-render
	make_ws "$BATS_TEST_TMPDIR/beta" shapes-core
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/alpha"
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/beta"
	# shapes-cli leaves alpha (lockfile and JSON); shapes-core's JSON is not rebuilt this time,
	# but Cargo.lock still has it, so alpha still uses it
	make_ws "$BATS_TEST_TMPDIR/alpha2" shapes-core shapes-render
	cp "$BATS_TEST_TMPDIR/alpha2/Cargo.lock" "$BATS_TEST_TMPDIR/alpha/Cargo.lock"
	rm "$BATS_TEST_TMPDIR/alpha/target/doc/shapes_cli.json" "$BATS_TEST_TMPDIR/alpha/target/doc/shapes_core.json"
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/alpha"
	assert_equal "$(jq -r 'select(.status=="removed") | .unit' <<<"$output")" shapes_cli@0.1.0
	assert_equal "$(units)" "shapes_core@0.1.0 shapes_render@0.1.0"
	assert_equal "$(cg-query workspaces shapes_core | jq -r .workspace | sort | xargs)" "alpha beta"
	run -0 cg-verify
}

@test "one crate at two versions: both kept, queries tell them and their workspaces apart" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/old" shapes-core shapes-render
	make_ws "$BATS_TEST_TMPDIR/new" shapes-core
	sed -i 's/^version = "0.1.0"/version = "0.2.0"/' "$BATS_TEST_TMPDIR/new/Cargo.lock"
	jq -c '.crate_version = "0.2.0"' "$EXAMPLE_WS/target/doc/shapes_core.json" >"$BATS_TEST_TMPDIR/new/target/doc/shapes_core.json"
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/old"
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/new"
	assert_equal "$(units)" "shapes_core@0.1.0 shapes_core@0.2.0 shapes_render@0.1.0"
	run -0 cg-query workspaces shapes-core
	assert_equal "$(jq -r '"\(.workspace)=\(.version)"' <<<"$output" | sort | xargs)" "new=0.2.0 old=0.1.0"
	run -0 cg-query workspaces shapes_core@0.2.0
	assert_equal "$(jq -r .workspace <<<"$output")" new
	run -0 cg-query workspaces shapes_core::Circle#struct
	assert_equal "$(jq -r '"\(.workspace):\(.unit):\(.vertex.path)"' <<<"$output" | sort | xargs)" \
		"new:shapes_core@0.2.0:shapes_core::geometry::shapes::Circle old:shapes_core@0.1.0:shapes_core::geometry::shapes::Circle"
	assert_equal "$(cg-query find Circle --kind struct --crate shapes_core@0.2.0 | jq -r .vertex.version)" 0.2.0
	# a path both versions have is ambiguous, except within one workspace
	run -2 --separate-stderr cg-query neighbors shapes_core::Circle#struct
	run -0 cg-query neighbors shapes_core::Circle#struct --workspace new --type Implements
	assert_equal "$(jq -r .vertex.version <<<"$output" | sort -u)" 0.2.0
	# removing the new workspace leaves the old version alone
	cg-ingest -q --remove-workspace new
	assert_equal "$(units)" "shapes_core@0.1.0 shapes_render@0.1.0"
	run -0 cg-verify
}

@test "--workspace restricts find and walks to the workspace's units; stats per workspace" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/alpha" shapes-cli shapes-core shapes-render
	make_ws "$BATS_TEST_TMPDIR/beta" shapes-core
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/alpha"
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/beta"
	assert_equal "$(cg-query find --kind crate --workspace beta | jq -r .vertex.name)" shapes_core
	assert_equal "$(cg-query find --kind crate --workspace alpha | jq -r .vertex.name | sort | xargs)" \
		"shapes_cli shapes_core shapes_render"
	# the render crate's users of Shape are outside beta
	all=$(cg-query users shapes_core::Shape | jq -r .vertex.crate | sort -u | xargs)
	[[ "$all" == *shapes_render* ]] || fail "$all"
	assert_equal "$(cg-query users shapes_core::Shape --workspace beta | jq -r .vertex.crate | sort -u | xargs)" shapes_core
	run -1 --separate-stderr cg-query traverse shapes_cli --workspace beta
	assert_equal "$output" ""
	[[ "$stderr" == "cg-query: no item matches 'shapes_cli'"* ]]
	run -0 cg-query stats --workspace beta
	assert_equal "$(jq -r '.stats.crates[].unit' <<<"$output")" shapes_core@0.1.0
	assert_equal "$(jq .stats.vertices <<<"$output")" "$(cg-query find --crate shapes_core@0.1.0 | wc -l)"
	run -0 cg-query stats
	assert_equal "$(jq -c '[.stats.workspaces[] | [.name, .units]]' <<<"$output")" '[["alpha",3],["beta",1]]'
	run -2 --separate-stderr cg-query find --kind crate --workspace nope
	[[ "$stderr" == *"no workspace 'nope' in the store"* ]] || fail "$stderr"
	run -2 --separate-stderr cg-query dump --workspace beta
}

@test "devws and a second workspace on its dependencies share them; removal keeps them" {
	require_devws
	cg-init -q
	cg-ingest -q --workspace "$DEVWS" --doc-dir "$DEVWS/json"
	deps=$(cg-query workspaces | jq -r '.workspace.dependencies | join(" ")')
	[ -n "$deps" ]
	other="$BATS_TEST_TMPDIR/other"
	mkdir -p "$other/target/doc"
	cp "$DEVWS/Cargo.lock" "$other/"
	for f in "$DEVWS"/json/*; do
		case "$(basename "$f")" in devws_*) ;; *) cp "$f" "$other/target/doc/" ;; esac
	done
	run -0 cg-ingest --workspace "$other"
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
	run -0 cg-ingest --remove-workspace devws
	assert_equal "$(jq -r 'select(.unit and .status=="removed") | .crate' <<<"$output" | sort | xargs)" \
		"$(cd "$DEVWS/json" && ls devws_* | sed 's/\.json.*//' | sort | xargs)"
	assert_equal "$(cg-query workspaces | jq -r '.workspace.dependencies | join(" ")')" "$deps"
	run -0 cg-verify
}

@test "usage: --name and --remove-workspace" {
	cg-init -q
	run -2 --separate-stderr cg-ingest --workspace "$EXAMPLE_WS" --name ''
	[[ "$stderr" == *"--name: workspace name '' must be 1 to 200 printable characters"* ]] || fail "$stderr"
	run -66 --separate-stderr cg-ingest --remove-workspace nothing
	run -0 --separate-stderr cg-ingest --help
	assert_output --partial --remove-workspace
}

@test "rustdoc JSON without a Cargo.lock gets no Depends edges, and one line on stderr says so" {
	cg-init -q
	want=$(jq '[.external_crates[] | select(.name | startswith("shapes_"))] | length' "$EXAMPLE_WS/target/doc/shapes_render.json")
	[ "$want" -gt 0 ]
	run -0 --separate-stderr cg-ingest "$EXAMPLE_WS/target/doc"
	assert_equal "$stderr" "cg-ingest: no Cargo.lock (give --workspace or --lockfile): the crates get no Depends edges"
	assert_equal "$(jq -s 'map(.edges.Depends) | add' <<<"$output")" 0
	run -0 --separate-stderr cg-ingest --lockfile "$EXAMPLE_WS/Cargo.lock" "$EXAMPLE_WS/target/doc"
	assert_equal "$stderr" ""
	[ "$(jq -s 'map(.edges.Depends) | add' <<<"$output")" -ge "$want" ]
	run -0 --separate-stderr cg-ingest --ndjson "$BATS_TEST_DIRNAME/fixtures/small.ndjson"
	assert_equal "$stderr" ""
}

@test "a workspace name held by another root is refused (73) unless --move-workspace" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/a/ws" shapes-core
	make_ws "$BATS_TEST_TMPDIR/b/ws" shapes-render shapes-core
	cg-ingest -q --workspace "$BATS_TEST_TMPDIR/a/ws"
	before=$(cg-query dump)
	run --separate-stderr cg-ingest --workspace "$BATS_TEST_TMPDIR/b/ws"
	assert_equal "$status" 73
	a=$(cd "$BATS_TEST_TMPDIR/a/ws" && pwd -P) b=$(cd "$BATS_TEST_TMPDIR/b/ws" && pwd -P)
	assert_equal "$stderr" "cg-ingest: workspace name 'ws' is held by $a: give --name to record $b under another name, or --move-workspace to move the name here"
	assert_equal "$output" ""
	assert_equal "$(cg-query dump)" "$before"
	run -0 cg-ingest -q --workspace "$BATS_TEST_TMPDIR/b/ws" --name ws-b
	assert_equal "$(cg-query workspaces | jq -r .workspace.name | sort | xargs)" "ws ws-b"
	cg-ingest -q --remove-workspace ws-b
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/b/ws" --move-workspace
	assert_equal "$(cg-query workspaces | jq -r .workspace.root)" "$b"
	assert_equal "$(units)" "shapes_core@0.1.0 shapes_render@0.1.0"
	run -0 cg-ingest -q --workspace "$BATS_TEST_TMPDIR/b/ws"
}

@test "--keep-synthetic is part of the cache key: the impls arrive with it and leave without it" {
	cg-init -q
	json="$EXAMPLE_WS/target/doc/shapes_core.json"
	# synthetic impls: auto-trait (is_synthetic) and blanket impls of the crate's own items
	synth=$(jq '[.index[] | select(.crate_id == 0 and .inner.impl and (.inner.impl.is_synthetic or .inner.impl.blanket_impl != null))] | length' "$json")
	[ "$synth" -gt 0 ]
	cg-ingest -q --workspace "$EXAMPLE_WS"
	plain=$(cg-query find --kind impl --crate shapes_core | wc -l)
	run -0 cg-ingest --workspace "$EXAMPLE_WS" --keep-synthetic
	assert_equal "$(jq -r 'select(.crate == "shapes_core") | .status' <<<"$output")" replaced
	assert_equal "$(cg-query find --kind impl --crate shapes_core | wc -l)" "$((plain + synth))"
	run -0 cg-ingest --workspace "$EXAMPLE_WS" --keep-synthetic
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
	run -0 cg-ingest --workspace "$EXAMPLE_WS"
	assert_equal "$(jq -r 'select(.crate == "shapes_core") | .status' <<<"$output")" replaced
	assert_equal "$(cg-query find --kind impl --crate shapes_core | wc -l)" "$plain"
}

@test "a crate shared by two workspaces built in different target dirs is not rewritten" {
	cg-init -q
	make_ws "$BATS_TEST_TMPDIR/one" shapes-core shapes-render
	make_ws "$BATS_TEST_TMPDIR/two" shapes-core shapes-render
	# the second build's JSON names its rlibs under its own target directory
	for f in "$BATS_TEST_TMPDIR"/two/target/doc/*.json; do
		jq -c '.external_crates |= map_values(.path |= sub("^/tmp/exws-target"; "/elsewhere/target"))' "$f" >"$f.new"
		mv "$f.new" "$f"
	done
	! cmp -s "$BATS_TEST_TMPDIR"/{one,two}/target/doc/shapes_render.json
	run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/one"
	for i in 1 2; do
		run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/two"
		assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
		run -0 cg-ingest --workspace "$BATS_TEST_TMPDIR/one"
		assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
	done
}

@test "a Cargo.lock's \\u escapes read as the characters they stand for; a bad one is line and reason, store untouched" {
	ws="$BATS_TEST_TMPDIR/ws"
	cp -r "$EXAMPLE_WS" "$ws"
	cg-init -q
	cg-ingest --workspace "$EXAMPLE_WS" | jq -c '{crate, edges}' >"$BATS_TEST_TMPDIR/plain"
	sed 's/^name = "shapes-core"$/name = "shapes\\u002Dcore"/' "$EXAMPLE_WS/Cargo.lock" >"$ws/Cargo.lock"
	grep -q 'shapes\\u002Dcore' "$ws/Cargo.lock"
	rm -rf "$STORE"
	cg-init -q
	run -0 --separate-stderr cg-ingest --workspace "$ws"
	assert_equal "$(jq -c '{crate, edges}' <<<"$output")" "$(cat "$BATS_TEST_TMPDIR/plain")"
	before=$(cg-query dump | sort)
	sed 's/^name = "shapes-core"$/name = "shapes\\u00ZZcore"/' "$EXAMPLE_WS/Cargo.lock" >"$ws/Cargo.lock"
	run -65 --separate-stderr cg-ingest --workspace "$ws"
	line=$(grep -n '^name = "shapes-core"$' "$EXAMPLE_WS/Cargo.lock" | cut -d: -f1)
	assert_equal "$stderr" "cg-ingest: $ws/Cargo.lock: line $line: invalid \\u escape in string"
	assert_equal "$(cg-query dump | sort)" "$before"
}
