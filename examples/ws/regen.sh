#!/bin/sh
# Regenerate the committed rustdoc JSON of this example workspace.
#
#   target/doc/*.json   default features
#   json-extra/*.json   with --features shapes-core/extra
#
# For maintainers only: needs cargo/rustdoc (rustup toolchain "stable" by
# default; override with TOOLCHAIN=+nightly or TOOLCHAIN= for plain cargo).
# RUSTC_BOOTSTRAP=1 unlocks the unstable JSON backend on a stable toolchain.
# cg expects "format_version": 57 (rustc 1.95); the script warns otherwise.
# Build output goes to $CARGO_TARGET_DIR (default /tmp/exws-target).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
cd "$here"

toolchain=${TOOLCHAIN-+stable}
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/exws-target}
RUSTC_BOOTSTRAP=1
RUSTDOCFLAGS="-Z unstable-options --output-format json"
export CARGO_TARGET_DIR RUSTC_BOOTSTRAP RUSTDOCFLAGS

members="shapes_core shapes_render shapes_cli"
expected_format=57

# gen OUTDIR [cargo args...]: document the workspace, copy member JSON to OUTDIR.
gen() {
    out=$1
    shift
    for m in $members; do rm -f "$CARGO_TARGET_DIR/doc/$m.json"; done
    # shellcheck disable=SC2086  # $toolchain is empty or a single word
    cargo $toolchain doc --workspace --offline --locked "$@"
    mkdir -p "$out"
    rm -f "$out"/*.json
    for m in $members; do
        cp "$CARGO_TARGET_DIR/doc/$m.json" "$out/$m.json"
        if command -v jq >/dev/null 2>&1; then
            v=$(jq .format_version "$out/$m.json")
            if [ "$v" != "$expected_format" ]; then
                echo "regen.sh: warning: $out/$m.json has format_version $v, cg expects $expected_format" >&2
            fi
        fi
    done
    echo "regen.sh: wrote $out/{$(echo "$members" | tr ' ' ,)}.json"
}

gen target/doc
gen json-extra --features shapes-core/extra
