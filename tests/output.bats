#!/usr/bin/env bats
# Standard output that cannot be written: the real error is named, a closed pipe is a quiet
# stop, and a tool that changed the store tells a lost report (exit 4) from a failed change.

load helper

# Runs "$@" with SIGPIPE ignored (as under many supervisors and language runtimes) and its
# stdout a pipe whose reader has already gone.
run_into_closed_pipe() {
	run --separate-stderr bash -c 'trap "" PIPE; "$@" | (exec 0<&-; sleep 0.5); exit "${PIPESTATUS[0]}"' _ "$@"
}

@test "cg-ingest to a full disk: the change lands, exit 4 names ENOSPC" {
	cg-init -q
	run --separate-stderr bash -c 'cg-ingest --workspace "$1" >/dev/full' _ "$EXAMPLE_WS"
	assert_equal "$status" 4
	assert_equal "$stderr" "cg-ingest: its work is done, but the report could not be written to standard output: No space left on device"
	want=$(jq '[.index[] | select(.crate_id == 0 and .inner.struct)] | length' "$EXAMPLE_WS"/target/doc/shapes_core.json)
	[ "$want" -gt 0 ]
	run -0 cg-query find --kind struct --crate shapes_core
	assert_equal "$(wc -l <<<"$output")" "$want"
	run -0 cg-ingest --workspace "$EXAMPLE_WS"
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" unchanged
}

@test "cg-ingest into a closed pipe stops quietly with exit 0" {
	cg-init -q
	run_into_closed_pipe cg-ingest --workspace "$EXAMPLE_WS"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run -0 cg-ingest -q --remove-workspace ws
}

@test "cg-query to a full disk exits 74 naming ENOSPC; to a closed pipe it stops quietly" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	run --separate-stderr bash -c 'cg-query find --kind struct >/dev/full'
	assert_equal "$status" 74
	assert_equal "$stderr" "cg-query: write error on standard output: No space left on device"
	run_into_closed_pipe cg-query find --kind struct
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run_into_closed_pipe cg-query dump
	assert_equal "$status" 0
	assert_equal "$stderr" ""
}

@test "cg-init, cg-compact and cg-verify to a full disk: the real error, 4 after a change" {
	run --separate-stderr bash -c 'cg-init >/dev/full'
	assert_equal "$status" 4
	[[ "$stderr" == *"No space left on device" ]]
	[ -f "$STORE/MANIFEST.json" ]
	cg-ingest -q --workspace "$EXAMPLE_WS"
	run --separate-stderr bash -c 'cg-compact >/dev/full'
	assert_equal "$status" 4
	[[ "$stderr" == *"No space left on device" ]]
	run --separate-stderr bash -c 'cg-verify >/dev/full'
	assert_equal "$status" 74
	assert_equal "$stderr" "cg-verify: write error on standard output: No space left on device"
}
