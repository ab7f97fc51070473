#!/usr/bin/env bats
# cli.bats: what every binary's option parsing shares — a value option given twice, options
# that exclude each other, a NAME given twice over, extra operands: one usage line, exit 2,
# before any store is touched. Repeatable options and repeated flags still work.
bats_require_minimum_version 1.5.0
load helper

# refused WANT CMD...: CMD exits 2 with "CMD: WANT" and the --help hint on stderr, nothing on stdout.
refused() {
	local want=$1
	shift
	run -2 --separate-stderr "$@"
	assert_equal "${stderr_lines[0]}" "$1: $want"
	assert_equal "${stderr_lines[1]}" "Try '$1 --help' for more information."
	assert_equal "$output" ""
}

@test "a value option given twice is refused by every binary" {
	refused "--dir given more than once" cg-init -d a -d b
	refused "--shard-dir: shard 1 given more than once" cg-init --shards 2 --shard-dir 1=a --shard-dir 1=b
	refused "--dir given more than once" cg-ingest -d "$STORE" --dir="$STORE" -w "$EXAMPLE_WS"
	refused "--name given more than once" cg-ingest -w "$EXAMPLE_WS" --name a --name b
	refused "--features given more than once" cg-ingest -w "$EXAMPLE_WS" --features a --features b
	refused "--workspace given more than once" cg-calls -w "$EXAMPLE_WS" -w "$EXAMPLE_WS"
	refused "--metrics given more than once" cg-verify --metrics a --metrics b
	refused "--quick given more than once" cg-verify --quick=5 --quick
	refused "--keep given more than once" cg-backup --keep 2 --keep 3 purge "$BATS_TEST_TMPDIR/b"
	refused "--chunk given more than once" cg-migrate --chunk 5 --chunk 6
	refused "--max-seconds given more than once" cg-compact --max-seconds 5 --max-seconds 6
	refused "--dir given more than once" cg-mcp -d a -d b
	refused "--dir given more than once" cg-query -d a stats --dir b
	refused "--cache-vertices given more than once" cg-query --cache-vertices 5 stats --cache-vertices=6
	[ ! -e "$STORE" ] # nothing was created or opened
}

@test "cg-query: --kind twice, --in with --out, NAME with --name, --format twice are refused" {
	cg-init -q && cg-ingest -q -w "$EXAMPLE_WS"
	refused "--kind given more than once" cg-query find --kind struct --kind enum
	refused "--crate given more than once" cg-query find Circle --crate shapes_core --crate=shapes_cli
	refused "--depth given more than once" cg-query traverse shapes_core --depth 1 --depth 2
	refused "--out cannot be combined with --in" cg-query neighbors shapes_core --in --out
	refused "--both cannot be combined with --out" cg-query traverse shapes_core --out --both
	refused "find takes a NAME or --name, not both" cg-query find Circle --name Square
	refused "--format given more than once" cg-query export --format dot find Circle --format=ndjson
	refused "--kind given more than once" cg-query explain find --kind struct --kind enum
	# the same query without the repetition answers
	run -0 cg-query find Circle --kind struct
	assert_equal "$(jq -r .vertex.path <<<"$output")" shapes_core::geometry::shapes::Circle
}

@test "cg-query: a repeated key in a stdin query object is a bad line (65), not a silent choice" {
	cg-init -q && cg-ingest -q -w "$EXAMPLE_WS"
	run -65 --separate-stderr cg-query <<<'{"op":"find","kind":"struct","kind":"enum"}'
	[[ "$stderr" == "cg-query: line 1: invalid JSON: duplicate object key"* ]]
	assert_equal "$(jq -r .done <<<"$output")" true
}

@test "an unknown --kind (or PATH#KIND) lists the valid kinds" {
	cg-init -q && cg-ingest -q -w "$EXAMPLE_WS"
	run -2 --separate-stderr cg-query find --kind strct
	[[ "$stderr" == "cg-query: unknown kind 'strct' (kinds: crate, module, struct, "* ]]
	# every kind listed is one find takes, and the kinds the store holds are among them
	kinds=$(sed -n "s/.*(kinds: \(.*\))$/\1/p" <<<"${stderr_lines[0]}" | tr -d ' ' | tr , '\n')
	[ "$(wc -l <<<"$kinds")" -ge 20 ]
	for k in $kinds; do run -0 cg-query find --kind "$k"; done
	held=$(cg-query dump | jq -r 'select(.type == "vertex") | .value.kind' | sort -u)
	[ -n "$held" ]
	[ -z "$(comm -23 <(echo "$held") <(echo "$kinds" | sort))" ]
	run -2 --separate-stderr cg-query vertex 'shapes_core::Circle#strct'
	[[ "$stderr" == *"unknown kind 'strct' (kinds: crate, module, struct, "* ]]
}

@test "options that exclude each other, and operands beyond what a binary takes, are refused" {
	refused "--from cannot be combined with --family" cg-compact --family v --from 'v:'
	refused "--family cannot be combined with --to" cg-compact --to 'v:' --family v
	refused "unexpected argument 'b'" cg-init a b
	refused "unexpected argument 'x'" cg-verify x
	refused "unexpected argument 'x'" cg-mcp x
	refused "give the directory either as -d DIR or as an argument, not both" cg-init -d a b
}

@test "repeatable options and repeated flags are still taken" {
	run -0 cg-init -q --shards 2 --shard-dir 0="$BATS_TEST_TMPDIR/s0" --shard-dir 1="$BATS_TEST_TMPDIR/s1"
	[ -d "$BATS_TEST_TMPDIR/s0" ] && [ -d "$BATS_TEST_TMPDIR/s1" ]
	cg-ingest -q -w "$EXAMPLE_WS"
	run -0 cg-verify -q -q
	run -0 cg-query -e -e neighbors shapes_core --type Contains --type Uses --out --out
	run -0 --separate-stderr cg-ingest --remove shapes_cli --remove shapes_core
	assert_equal "$(jq -r .crate <<<"$output" | sort | xargs)" "shapes_cli shapes_core"
}
