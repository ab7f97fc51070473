# helper.bash: loaded by every tests/*.bats — libraries, PATH, a fresh store per test.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

CG_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
CG_BUILDDIR="${CG_BUILDDIR:-$CG_ROOT/build}"
PATH="$CG_BUILDDIR/bin:$PATH"
export PATH

# The shipped example workspace, and the devws fixture: a rustdoc workspace of three crates
# and six dependencies, shipped as tests/fixtures/devws.tar.zst. `make check` unpacks it once
# and passes its place in CG_DEVWS; a bare `bats tests/...` unpacks it into this run's
# temporary directory on first use (require_devws).
EXAMPLE_WS="$CG_ROOT/examples/ws"
DEVWS="${CG_DEVWS:-$BATS_RUN_TMPDIR/fixtures/devws}"

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	export CG_DIR="$STORE"
	export TMPDIR="$BATS_TEST_TMPDIR"
	unset CG_CACHE_MB
}

# Makes sure the devws fixture is unpacked at $DEVWS; fails (does not skip) when it cannot be.
require_devws() {
	[ -d "$DEVWS/json" ] || sh "$CG_ROOT/tests/tools/unpack-fixture.sh" devws "$(dirname "$DEVWS")"
}

# skip_if_sanitized WHY: skips a test under make check-asan (CG_SANITIZED=1), for the few
# whose point is not memory safety and which make check runs in full; the Makefile lists them.
skip_if_sanitized() {
	[ -z "${CG_SANITIZED:-}" ] || skip "under make check-asan: $1"
}

# note TEXT...: detail a test gathers (scores, trial timings). It goes to the test's output,
# which bats shows only when the test fails, and with CG_TEST_VERBOSE=1 also to the progress
# stream as TAP comments, so a passing run stays quiet unless asked.
note() {
	printf '%s\n' "$@"
	[ "${CG_TEST_VERBOSE:-0}" = 0 ] || printf '%s\n' "$@" | sed 's/^/# /' >&3
}

# Prints every key and value of a store as readable hex-free lines, for before/after
# comparisons; needs cg-verify --dump (falls back to copying raw files when absent).
store_fingerprint() {
	cg-query -d "$1" dump 2>/dev/null | sort
}
