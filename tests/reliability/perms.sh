# perms.sh: store files stay private (no group or other bits, even under umask 022) after
# init, ingest, compact and backup; and input paths are never followed: rustdoc span files
# and NDJSON files naming ../../etc/passwd or absolute paths are stored as text while strace
# shows cg-ingest, cg-query and cg-calls opening only their inputs, the store and the
# system's libraries. Sourced by run.sh.

perms_modes() { # WHAT DIR...
	local what=$1 bad
	shift
	bad=$(find "$@" -perm /077 -printf '%m %p\n' 2>/dev/null | head -5)
	[ -z "$bad" ] || rel_fail "perms: after $what, readable by others: $bad"
	PERMS_FILES=$((PERMS_FILES + $(find "$@" | wc -l)))
}

# Every path a traced command opened must be one of the allowed prefixes.
perms_trace() { # WHAT TRACE ALLOWED-PREFIX...
	local what=$1 trace=$2 bad
	shift 2
	# opens only: realpath() also stats the ancestors of an input, which reads nothing
	bad=$(grep -oE '(openat|open|execve)\([^"]*"[^"]*"' "$trace" |
		sed -E 's/^[a-z]+\([^"]*"//; s/"$//' | sort -u | while read -r p; do
			local ok=0 a
			# names relative to a directory descriptor inside the store (RocksDB's own)
			case $p in /* | *..*) ;; *) ok=1 ;; esac
			for a in "$@"; do case $p in "$a"*) ok=1 ;; esac; done
			[ "$ok" = 1 ] || echo "$p"
		done)
	[ -z "$bad" ] || rel_fail "boundaries: $what opened paths outside its inputs: $(echo "$bad" | head -5 | tr '\n' ' ')"
	if grep -qE 'passwd|shadow|id_rsa' "$trace"; then
		rel_fail "boundaries: $what touched a path named by the input: $(grep -E 'passwd|shadow|id_rsa' "$trace" | head -2)"
	fi
	PERMS_TRACED=$((PERMS_TRACED + 1))
}

perms_part() {
	local d=$W/perms fails0=$REL_FAILS
	PERMS_FILES=0 PERMS_TRACED=0
	rm -rf "$d" && mkdir -p "$d"
	(
		umask 022
		cg-init -q -d "$d/s" && perms_modes init "$d/s"
		cg-ingest -q -d "$d/s" -w "$EXAMPLE_WS" && perms_modes ingest "$d/s"
		cg-ingest -q -d "$d/s" --bulk -w "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra &&
			perms_modes "bulk ingest" "$d/s"
		cg-compact -q -d "$d/s" >/dev/null && perms_modes compact "$d/s"
		cg-backup create -d "$d/s" "$d/bk" >/dev/null && perms_modes "backup create" "$d/s" "$d/bk"
		cg-backup restore "$d/bk" "$d/r" >/dev/null && perms_modes "backup restore" "$d/r"
		echo "$PERMS_FILES $REL_FAILS" >"$d/modes"
	)
	local files f
	read -r files f <"$d/modes"
	REL_FAILS=$f
	# hostile span files in rustdoc JSON and NDJSON
	mkdir -p "$d/doc"
	cp "$EXAMPLE_WS"/target/doc/*.json "$d/doc/"
	jq -c '.index |= with_entries(if .value.span then .value.span.filename =
		(["../../../../etc/passwd", "/etc/shadow", "../../../root/.ssh/id_rsa"][(.key | tonumber) % 3]) else . end)' \
		"$EXAMPLE_WS/target/doc/shapes_core.json" >"$d/doc/shapes_core.json"
	printf '%s\n' '{"type":"vertex","kind":"function","path":"evil::a","crate":"evil","version":"1.0.0","file":"/etc/passwd","line":1}' \
		'{"type":"vertex","kind":"function","path":"evil::b","crate":"evil","version":"1.0.0","file":"../../../../etc/shadow","line":2}' \
		'{"type":"edge","src":"evil::a","label":"Calls","dst":"evil::b","file":"../../../root/.ssh/id_rsa","line":3}' >"$d/evil.ndjson"
	local sys=(/lib/ /usr/lib/ /lib64/ /usr/lib64/ /etc/ld.so /etc/localtime /proc/ /sys/ /dev/ "$TMPDIR")
	# LeakSanitizer cannot run under ptrace: the traced runs of a sanitizer build skip it
	local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
	cg-init -q -d "$d/b"
	strace -f -qq -e trace=file -o "$d/ingest.trace" cg-ingest -q -d "$d/b" -w "$EXAMPLE_WS" --doc-dir "$d/doc" ||
		rel_fail "boundaries: cg-ingest of hostile span files failed"
	perms_trace cg-ingest "$d/ingest.trace" "${sys[@]}" "$d/b" "$d/doc" "$EXAMPLE_WS/Cargo.lock" "$(command -v cg-ingest)"
	strace -f -qq -e trace=file -o "$d/ndjson.trace" cg-ingest -q -d "$d/b" --ndjson --unit evil "$d/evil.ndjson" ||
		rel_fail "boundaries: cg-ingest of hostile NDJSON failed"
	perms_trace "cg-ingest --ndjson" "$d/ndjson.trace" "${sys[@]}" "$d/b" "$d/evil.ndjson" "$(command -v cg-ingest)"
	[ "$(cg-query -d "$d/b" find --file ../../../../etc/passwd | jq -s length)" -gt 0 ] &&
		[ "$(cg-query -d "$d/b" find --file /etc/passwd | jq -r .vertex.path)" = evil::a ] ||
		rel_fail "boundaries: the hostile file names are not stored as text"
	strace -f -qq -e trace=file -o "$d/query.trace" cg-query -d "$d/b" traverse evil::a --both >/dev/null ||
		rel_fail "boundaries: cg-query failed"
	perms_trace cg-query "$d/query.trace" "${sys[@]}" "$d/b" "$(command -v cg-query)"
	strace -f -qq -e trace=file -o "$d/calls.trace" cg-calls -q -w "$EXAMPLE_WS" -d "$d/b" >/dev/null ||
		rel_fail "boundaries: cg-calls failed"
	perms_trace cg-calls "$d/calls.trace" "${sys[@]}" "$d/b" "$EXAMPLE_WS" "$(command -v cg-calls)"
	printf '{"part":"perms","files_checked":%d,"traced_runs":%d,"failures":%d}\n' "$files" "$PERMS_TRACED" $((REL_FAILS - fails0))
}
