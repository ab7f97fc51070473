#!/usr/bin/env bats
# reliability.bats: the bounded CI form of tests/reliability/run.sh (crash, corruption, fuzz,
# concurrency, permissions and boundaries), plus rejected inputs leaving a store unchanged.
# The long form: make check-reliability RELIABILITY=long (see docs/reliability.md).
load helper

# Runs one part of the harness in the ci sizes; its JSON summary lines end up in $output.
rel() {
	run --separate-stderr env REL_WORK="$BATS_TEST_TMPDIR/rel" CG_BUILDDIR="$CG_BUILDDIR" \
		sh "$CG_ROOT/tests/reliability/run.sh" ci "$@"
	[ "$status" = 0 ] || echo "$stderr" | grep -v '^reliability: [a-z]*:' >&2
}

@test "crash: SIGKILLed ingests leave every unit wholly old or wholly new, and verify clean" {
	skip_if_sanitized "what SIGKILL leaves behind is not a sanitizer's concern; make check runs it"
	GEN_V=5000 REL_CRASH_TRIALS=3 rel crash
	assert_success
	assert_output --partial '"scenario":"bulk-load","trials":3'
	assert_output --partial '"scenario":"ws-replace","trials":3'
	assert_output --partial '"scenario":"ndjson-remove","trials":3'
	refute_output --partial '"failures":1'
}

@test "corrupt: flipped SST and value bytes are detected and refused, never misread" {
	# under check-asan the first 10 of the same draws: every flip meets a checksum, and the
	# refusal paths they lead through cg repeat long before 25
	local n=25
	[ -z "${CG_SANITIZED:-}" ] || n=10
	REL_SST_FLIPS=$n REL_VAL_FLIPS=$n rel corrupt
	assert_success
	assert_output --regexp "\"scenario\":\"sst-flips\",\"flips\":$n,.*\"failures\":0"
	assert_output --regexp "\"scenario\":\"value-flips\",\"flips\":$n,.*\"live\":$n,\"live_detected\":$n,\"failures\":0"
}

@test "fuzz: regression inputs pass and every target runs without a crash" {
	command -v clang >/dev/null || skip "clang is not installed"
	skip_if_sanitized "the fuzz targets are ASan/UBSan builds already: make check ran these"
	run --separate-stderr env REL_FUZZ_SECS=3 CG_BUILDDIR="$CG_BUILDDIR" \
		sh "$CG_ROOT/tests/fuzz/run.sh" "${CG_FUZZ_DIR:-$CG_BUILDDIR/fuzz}"
	[ "$status" = 0 ] || echo "$stderr" >&2
	assert_success
	for t in rustdoc ndjson query record cargolock mcp; do
		assert_output --regexp "\"target\":\"$t\",.*\"crashes\":0,\"failures\":0"
	done
}

@test "concurrency: 4 readers see whole states while a writer flips a crate; a second writer gets 75" {
	skip_if_sanitized "a fixed span of wall time; make check runs it"
	REL_CONC_SECS=8 rel concurrency
	assert_success
	assert_output --regexp '"inconsistent":0,"second_writer_exit":75,'
}

@test "permissions and boundaries: private files after every tool, hostile paths never opened" {
	rel perms
	assert_success
	assert_output --regexp '"traced_runs":4,"failures":0'
}

# Inputs the fuzzers and the readers reject; each must leave the store byte-for-byte as it was.
@test "rejected inputs leave the store unchanged" {
	cg-init -q
	cg-ingest -q -w "$EXAMPLE_WS"
	local before bad="$BATS_TEST_TMPDIR/bad"
	before=$(cg-query dump)
	mkdir -p "$bad"
	head -c 5000 "$EXAMPLE_WS/target/doc/shapes_core.json" >"$bad/truncated.json"
	jq -c '.format_version = 53' "$EXAMPLE_WS/target/doc/shapes_core.json" >"$bad/version.json"
	jq -c 'del(.index[(.index | keys)[0]].inner)' "$EXAMPLE_WS/target/doc/shapes_core.json" >"$bad/noinner.json"
	printf '\r' >"$bad/cr.ndjson"
	printf '{"type":"vertex","kind":"function","path":"x::y","version":"1"}\n{"type":"edge","src":"x::y","label":"Calls","dst":"nowhere::z"}\n' >"$bad/edge.ndjson"
	printf '{"type":"vertex","kind":"nosuchkind","path":"x::y"}\n' >"$bad/kind.ndjson"
	printf '{"type":"vertex"\n' >"$bad/json.ndjson"
	cat "$CG_ROOT/tests/fuzz/regress/cargolock/nul-in-array" >"$bad/Cargo.lock"
	for f in truncated version noinner; do
		run -65 --separate-stderr cg-ingest "$bad/$f.json"
		[[ "$stderr" == cg-ingest:* ]]
		[ "$(cg-query dump)" = "$before" ]
	done
	for f in edge kind json; do
		run -65 --separate-stderr cg-ingest --ndjson "$bad/$f.ndjson"
		[ "$(cg-query dump)" = "$before" ]
	done
	run -65 --separate-stderr cg-ingest --lockfile "$bad/Cargo.lock" -w "$EXAMPLE_WS"
	[[ "$stderr" == *"unexpected character in array"* ]]
	[ "$(cg-query dump)" = "$before" ]
	# a lone CR is a blank line: accepted, and it adds nothing
	run -0 cg-ingest -q --ndjson --unit blank "$bad/cr.ndjson"
}
