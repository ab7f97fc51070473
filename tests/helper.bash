# helper.bash: loaded by every tests/*.bats — libraries, PATH, a fresh store per test.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

CG_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
CG_BUILDDIR="${CG_BUILDDIR:-$CG_ROOT/build}"
PATH="$CG_BUILDDIR/bin:$PATH"
export PATH

# The shipped example workspace, and the shared devws fixture when present (CI has it
# beside the checkout; a user's clone does not).
EXAMPLE_WS="$CG_ROOT/examples/ws"
DEVWS="${CG_DEVWS:-$CG_ROOT/../shared/fixtures/rustdoc/devws}"

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	export CG_DIR="$STORE"
	export TMPDIR="$BATS_TEST_TMPDIR"
	unset CG_CACHE_MB
}

# Skips the calling test when the shared devws fixture is absent.
require_devws() {
	[ -d "$DEVWS/json" ] || skip "devws fixture not found at $DEVWS (../shared is not part of a clone)"
}

# Prints every key and value of a store as readable hex-free lines, for before/after
# comparisons; needs cg-verify --dump (falls back to copying raw files when absent).
store_fingerprint() {
	cg-query -d "$1" dump 2>/dev/null | sort
}
