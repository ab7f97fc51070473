#!/usr/bin/env bats
# man.bats: the manual pages lint clean, cover every binary, and their examples run.
bats_require_minimum_version 1.5.0
load helper

# Prints the commands of a page's EXAMPLES section: the "$ " lines of its .EX blocks, with
# the roff escapes used in them turned back into plain characters.
example_commands() {
	awk '
		/^\.SH / { in_ex = ($0 ~ /^\.SH "?EXAMPLES"?$/) }
		in_ex && /^\.EX/ { block = 1; next }
		in_ex && /^\.EE/ { block = 0; next }
		in_ex && block && /^\$ / { print substr($0, 3) }
	' "$1" | sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(rs/\\/g' -e 's/\\e/\\/g'
}

# Runs a page's examples in order in one shell, in an empty directory, stopping at the
# first that fails.
run_examples() {
	local page=$1
	mkdir -p "$BATS_TEST_TMPDIR/ex"
	example_commands "$page" >"$BATS_TEST_TMPDIR/ex.sh"
	[ -s "$BATS_TEST_TMPDIR/ex.sh" ] || { echo "$page: no examples" >&2; return 1; }
	(cd "$BATS_TEST_TMPDIR/ex" && unset CG_DIR && bash -euo pipefail -x "$BATS_TEST_TMPDIR/ex.sh")
}

@test "every man page lints clean with groff -man -ww" {
	pages=("$CG_ROOT"/man/*.[17])
	[ "${#pages[@]}" -ge 2 ]
	for p in "${pages[@]}"; do
		run -0 --separate-stderr groff -man -ww -z "$p"
		if [ -n "$stderr" ]; then
			echo "$p: $stderr" >&2
			return 1
		fi
	done
}

@test "every binary has a man page with the standard sections" {
	for src in "$CG_ROOT"/cmd/cg-*.c; do
		name=$(basename "$src" .c)
		page="$CG_ROOT/man/$name.1"
		[ -f "$page" ] || { echo "no man page for $name" >&2; return 1; }
		for sec in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -Eq "^\.SH \"?$sec\"?$" "$page" || { echo "$page: no $sec section" >&2; return 1; }
		done
	done
	for sec in NAME DESCRIPTION ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -Eq "^\.SH \"?$sec\"?$" "$CG_ROOT/man/cg.7"
	done
}

@test "every exit code in lib/base/err.h is documented in cg(7)" {
	codes=$(sed -n 's/^[[:space:]]*CG_E[A-Z]* = \([0-9]*\),.*/\1/p; s/^[[:space:]]*CG_E[A-Z]* = \([0-9]*\)[[:space:]].*/\1/p' "$CG_ROOT/lib/base/err.h" | sort -u)
	[ "$(wc -w <<<"$codes")" -ge 8 ]
	for c in $codes; do
		awk '/^\.SH "?EXIT STATUS"?$/,/^\.SH "?EXAMPLES"?$/' "$CG_ROOT/man/cg.7" | grep -qx "\.B $c" ||
			{ echo "exit code $c not in cg(7)" >&2; return 1; }
	done
}

@test "the example extractor sees every example of cg-init(1)" {
	run -0 example_commands "$CG_ROOT/man/cg-init.1"
	assert_line --index 0 "cg-init"
	assert_line "cg-init --shards 3 --cache-mb 256 graph | jq -r '.shard_dirs[]'"
	[ "${#lines[@]}" -eq 8 ]
}

@test "the EXAMPLES of cg-init(1) run" {
	run -0 run_examples "$CG_ROOT/man/cg-init.1"
	[ -f "$BATS_TEST_TMPDIR/ex/.cg/MANIFEST.json" ]
	[ -f "$BATS_TEST_TMPDIR/ex/disk2/shard/CURRENT" ]
	[ -f "$BATS_TEST_TMPDIR/ex/work/MANIFEST.json" ]
	assert_output --partial "shard-002"
}

@test "the EXAMPLES of cg(7) run" {
	run -0 run_examples "$CG_ROOT/man/cg.7"
	assert_line --regexp '^\{"format":"cg-store","schema_version":[1-9][0-9]*,"shards":1\}$'
	assert_output --partial 'MANIFEST.json'
	assert_line "e:f3a05cfc97674f5b:Calls:5d8fdf84ae6aa2d1"
	assert_line "e:5d8fdf84ae6aa2d1:~Calls:f3a05cfc97674f5b"
	assert_line "i:path:app::main:f3a05cfc97674f5b"
	assert_line "i:crate:app@1.0.0:5d8fdf84ae6aa2d1"
	assert_line "m:crate:calls"
	assert_line "v:f3a05cfc97674f5b"
}

@test "the README's pipeline examples run" {
	for b in cg-ingest cg-query cg-calls; do
		[ -x "$CG_BUILDDIR/bin/$b" ] || skip "$b not built"
	done
	command -v dot >/dev/null || skip "graphviz (dot) is not installed"
	awk '/^## Pipelines/ { p = 1 } p && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
		"$CG_ROOT/README.md" >"$BATS_TEST_TMPDIR/pipelines.sh"
	[ "$(grep -c '^cg-' "$BATS_TEST_TMPDIR/pipelines.sh")" -ge 8 ]
	mkdir -p "$BATS_TEST_TMPDIR/wd/examples"
	ln -s "$EXAMPLE_WS" "$BATS_TEST_TMPDIR/wd/examples/ws"
	cd "$BATS_TEST_TMPDIR/wd"
	run -0 bash -euo pipefail "$BATS_TEST_TMPDIR/pipelines.sh"
	assert_line "shapes_core::geometry::shapes::Circle  shapes-core/src/geometry/shapes.rs:22"
	assert_line "shapes_cli"
	assert_line "shapes_cli::main"
	assert_line "shapes_core unchanged"
	grep -q '<svg' circle.svg
}
