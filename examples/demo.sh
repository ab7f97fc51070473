#!/bin/sh
# demo.sh: cg's main job on the shipped example workspace — create a store, ingest
# examples/ws (rustdoc JSON + Cargo.lock), and ask it questions through jq.
# Usage: sh examples/demo.sh [BINDIR]   (make demo passes BUILD/bin); the store goes in a
# temporary directory, or in $CG_DEMO_STORE if set (kept afterwards).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && PATH="$(cd "$1" && pwd):$PATH"
export PATH

if [ -n "${CG_DEMO_STORE:-}" ]; then
	store=$CG_DEMO_STORE
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-demo.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
	store=$tmp/store
fi
export CG_DIR="$store"

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }

step "create a store" "cg-init $store"
cg-init | jq -c '{store, format, schema_version, shards}'

step "ingest the example workspace (one line per crate)" "cg-ingest --workspace examples/ws"
cg-ingest --workspace "$here/ws" |
	jq -r '"\(.crate)@\(.version)  \(.status)  \(.vertices) vertices, \([.edges[]] | add) edges, \(.ms) ms"'

step "which types implement the trait Shape?" "cg-query implementors shapes_core::Shape"
cg-query implementors shapes_core::Shape | jq -r '"\(.vertex.path)  (\(.edge.file):\(.edge.line))"'

step "what does Circle contain and implement?" "cg-query neighbors shapes_core::Circle --out"
cg-query neighbors shapes_core::Circle --out |
	jq -r '"\(.edge.label)\t\(.vertex.kind)\t\(.vertex.name)"' | sort

step "which crates depend on shapes_core?" "cg-query dependents shapes_core"
cg-query dependents shapes_core | jq -r '.vertex.path'

step "how does shapes_cli reach Point (public path shapes_core::Point)?" "cg-query path shapes_cli shapes_core::Point"
cg-query path shapes_cli shapes_core::Point |
	jq -r 'if .edge then "  --\(.edge.label)--> \(.vertex.path)" else .vertex.path end'

step "find the calls in the Rust sources and add them as an NDJSON unit" \
	"cg-calls -w examples/ws | cg-ingest --ndjson --unit calls -"
cg-calls -q -w "$here/ws" | cg-ingest --ndjson --unit calls - |
	jq -r '"\(.unit)  \(.status)  \(.edges.Calls) Calls edges"'

step "who calls total_area, directly or not?" "cg-query callers shapes_core::total_area"
cg-query callers shapes_core::total_area | jq -r '"\(.depth)  \(.vertex.path)"'

step "the store in numbers" "cg-query stats"
cg-query stats | jq -c '.stats | {vertices, stubs, edges, edge_types}'

step "ingest again: nothing changed, nothing is rewritten" "cg-ingest --workspace examples/ws"
cg-ingest --workspace "$here/ws" | jq -r '"\(.crate)  \(.status)"'

step "ingest the build with feature shapes-core/extra: a new cache key, so each crate is replaced atomically" \
	"cg-ingest --workspace examples/ws --doc-dir examples/ws/json-extra --features extra"
cg-ingest --workspace "$here/ws" --doc-dir "$here/ws/json-extra" --features extra |
	jq -r '"\(.crate)  \(.status)  \(.vertices) vertices"'

step "the structs of shapes_core now include the feature's Ellipse" "cg-query find --crate shapes_core@0.1.0 --kind struct"
cg-query find --crate shapes_core@0.1.0 --kind struct | jq -r '.vertex.path' | sort

step "check every record of the store" "cg-verify"
cg-verify | jq -c 'select(.summary) | {keys, problems, families}'
