# lib.sh: helpers shared by the reliability parts (sourced by run.sh): logging, seeded
# randomness, store snapshots and the normalised dumps that two states are compared by.

rel_log() { printf 'reliability: %s\n' "$*" >&2; }
rel_fail() { printf 'reliability: FAIL: %s\n' "$*" >&2; REL_FAILS=$((REL_FAILS + 1)); }

# A reproducible random integer in [0, $1) for draw number $2 of part $3 (seeded by $REL_SEED).
rel_rand() {
	awk -v n="$1" -v i="$2" -v p="$3" -v s="$REL_SEED" 'BEGIN {
		h = s; for (c = 1; c <= length(p); c++) h = (h * 31 + index("abcdefghijklmnopqrstuvwxyz-", substr(p, c, 1))) % 2147483647
		srand((h * 7919 + i * 104729) % 2147483647); rand(); printf "%d\n", int(rand() * n) }'
}

# Every key and decoded value of a store, sorted, without the ingest timestamps: equal
# graphs give equal text. Fails when the dump fails.
rel_dump() { # STORE OUT
	cg-query -d "$1" dump >"$2.raw" || return $?
	sed -E 's/,"ingested":"[^"]*"//' "$2.raw" | LC_ALL=C sort >"$2"
	rm -f "$2.raw"
}

rel_hash() { sha256sum <"$1" | cut -c1-16; }

# "UNIT HASH" for each unit given: the hash of the part of a normalised dump that belongs to
# the unit (its real vertices, the edges it asserted, its crate index entries and its
# metadata). One jq pass over the dump for all the units; the parts go to files in DIR.
rel_unit_hashes() { # DUMP DIR UNIT...
	local dump=$1 dir=$2
	shift 2
	rm -rf "$dir" && mkdir -p "$dir" && (cd "$dir" && touch -- "$@") || return 1
	jq -r --args '. as $line | $ARGS.positional[] as $u | $line | select(
		(.type == "vertex" and .value.stub == false and (.value.crate + "@" + .value.version) == $u)
		or (.type == "edge" and .value.unit == $u)
		or (.key | startswith("i:crate:" + $u + ":")) or .key == "m:crate:" + $u)
		| "\($u) \(tojson)"' "$@" <"$dump" |
		awk -v dir="$dir" '{ u = $1; sub(/^[^ ]* /, ""); print >(dir "/" u) }' || return 1
	(cd "$dir" && sha256sum -- "$@") | awk '{ print $2, substr($1, 1, 16) }'
}

rel_units() { # DUMP... : every unit named by metadata
	cat "$@" | jq -r 'select(.type == "meta" and (.key | startswith("m:crate:"))) | .value.unit' | LC_ALL=C sort -u
}

# Milliseconds since the epoch.
rel_now_ms() { date +%s%3N; }
