#!/bin/sh
# Build a real rustdoc JSON corpus from Debian's packaged crate sources (librust-*-dev land in
# /usr/share/cargo/registry): a workspace depending on ~80 popular crates, documented offline.
# Usage: tools/realcorpus.sh [DIR]   (default /work/corpus; the corpus stays out of the repo)
# Result: DIR/ws/target/doc/*.json, DIR/ws/Cargo.lock, and DIR/READY when done.
set -eu
dir=${1:-/work/corpus}
ws=$dir/ws
# crate[:feature,feature]  (crate names as Cargo spells them)
crates="tokio:full hyper:full clap:derive serde:derive serde_json syn:full,visit,extra-traits quote
proc-macro2 regex libc itertools thiserror tracing tracing-subscriber rayon anyhow bytes futures
log rand once_cell lazy_static bitflags memchr smallvec indexmap hashbrown chrono time uuid url
base64 hex sha2 digest crossbeam crossbeam-channel parking_lot num-traits num-bigint either
walkdir tempfile glob semver toml serde_yaml env_logger nix socket2 mio http h2 tower-service
pin-project-lite futures-util async-trait byteorder flate2 crc32fast unicode-segmentation
unicode-width strsim heck termcolor fnv ahash rustc-hash petgraph nom dirs humantime
percent-encoding encoding_rs csv ryu itoa static_assertions tinyvec arrayvec slab cfg-if
scopeguard lock_api rand_core getrandom bstr aho-corasick"

debname() { echo "librust-$(echo "$1" | tr '_' '-' | tr 'A-Z' 'a-z')-dev"; }

pkgs=
have=
for c in $crates; do
	name=${c%%:*}
	p=$(debname "$name")
	if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		pkgs="$pkgs $p"
		have="$have $c"
	else
		echo "realcorpus: no Debian package $p, skipping $name" >&2
	fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >"$dir.apt.log" 2>&1 ||
	{ mkdir -p "$dir"; echo "realcorpus: apt-get install failed, see $dir.apt.log" >&2; exit 1; }

mkdir -p "$ws/src" "$ws/.cargo"
cat >"$ws/.cargo/config.toml" <<CFG
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
CFG
{
	printf '[package]\nname = "realcorpus"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
	for c in $have; do
		name=${c%%:*}
		feats=
		[ "$name" != "$c" ] && feats=${c#*:}
		if [ -n "$feats" ]; then
			printf '%s = { version = "*", features = [%s] }\n' "$name" \
				"$(echo "$feats" | sed 's/[^,]*/"&"/g')"
		else
			printf '%s = "*"\n' "$name"
		fi
	done
} >"$ws/Cargo.toml"
echo 'pub use tokio; pub fn touch() {}' >"$ws/src/lib.rs"
rm -f "$dir/READY"
cd "$ws"
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="-Z unstable-options --output-format json" \
	nice cargo +stable doc --offline -j2 >"$dir/doc.log" 2>&1 ||
	{ echo "realcorpus: cargo doc failed, see $dir/doc.log" >&2; exit 1; }
n=$(ls target/doc/*.json | wc -l)
fv=$(jq .format_version target/doc/realcorpus.json)
echo "realcorpus: $n rustdoc JSON files, format_version $fv, in $ws/target/doc" >&2
touch "$dir/READY"
