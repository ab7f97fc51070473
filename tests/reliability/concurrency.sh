# concurrency.sh: 4 cg-query streams and 1 cg-ingest that flips the example workspace between
# two states (base and json-extra) for $REL_CONC_SECS seconds. Every answer must be exactly
# one state's answer; every ingest must succeed; a second writer meets exit 75 at once.
# Sourced by run.sh.

CONC_QUERIES='{"op":"find","crate":"shapes_core","id":"ID-q1"}
{"op":"neighbors","vertex":"shapes_core","dir":"out","types":["Contains"],"id":"ID-q2"}
{"op":"implementors","vertex":"shapes_core::Shape","id":"ID-q3"}
{"op":"traverse","vertex":"shapes_cli","depth":3,"dir":"both","id":"ID-q4"}'

# The answers as {"q1":[lines...],...}, each answer's lines (without id) as sorted JSON text.
conc_group() {
	jq -cs 'group_by(.id) | map({id: .[0].id, q: (.[0].id | split("-") | last),
		lines: (map(select(.done | not) | del(.id) | tojson) | sort),
		done: (map(select(.done)) | .[0])})' "$1"
}

conc_reader() { # STORE OUT TAG END_MS
	local i=0
	while [ "$(rel_now_ms)" -lt "$4" ]; do
		i=$((i + 1))
		printf '%s\n' "$CONC_QUERIES" | sed "s/\"ID-/\"$3-$i-/"
		sleep 0.05
	done | cg-query -d "$1" >"$2" 2>"$2.err"
	echo $? >"$2.rc"
}

conc_writer() { # STORE END_MS
	local n=0 bad=0
	while [ "$(rel_now_ms)" -lt "$2" ]; do
		cg-ingest -q -d "$1" -w "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra || bad=$((bad + 1))
		cg-ingest -q -d "$1" -w "$EXAMPLE_WS" || bad=$((bad + 1))
		n=$((n + 2))
	done 2>"$W/conc/writer.err"
	echo "$n $bad" >"$W/conc/writer.out"
}

# A second writer while a real one holds the store: exit 75 within a second.
conc_second_writer() {
	local d=$W/conc s=$W/conc/big t0 rc ms i
	rm -rf "$s" && cp -a "$W/states/gen1" "$s"
	cg-ingest -q -d "$s" --ndjson --unit gen "$W/g1c.ndjson" &
	local pid=$!
	for ((i = 0; i < 500; i++)); do
		# the writer writes its pid into the lock file once it holds the lock (probing
		# with flock(1) would take the lock itself and make the writer fail)
		[ "$(cat "$s/lock" 2>/dev/null)" = "$pid" ] && break
		sleep 0.01
	done
	t0=$(rel_now_ms)
	cg-ingest -q -d "$s" -w "$EXAMPLE_WS" 2>"$d/second.err"
	rc=$?
	ms=$(($(rel_now_ms) - t0))
	local held=1
	kill -0 "$pid" 2>/dev/null || held=0
	wait "$pid" || rel_fail "concurrency: the first writer failed"
	if [ "$held" = 1 ] && { [ "$rc" != 75 ] || [ "$ms" -gt 1000 ]; }; then
		rel_fail "concurrency: a second writer exited $rc after $ms ms (want 75 at once): $(cat "$d/second.err")"
	fi
	[ "$held" = 1 ] || rel_fail "concurrency: the first writer finished before the second could try"
	SECOND_RC=$rc SECOND_MS=$ms
}

concurrency_part() {
	local d=$W/conc fails0=$REL_FAILS r end
	mkdir -p "$d"
	rm -rf "$d/store" "$d/b" && cp -a "$W/states/ws" "$d/store" && cp -a "$W/states/ws" "$d/b"
	cg-ingest -q -d "$d/b" -w "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
	printf '%s\n' "$CONC_QUERIES" | sed 's/"ID-/"A-/' | cg-query -d "$d/store" >"$d/a.out" &&
		printf '%s\n' "$CONC_QUERIES" | sed 's/"ID-/"B-/' | cg-query -d "$d/b" >"$d/b.out" ||
		{ rel_fail "concurrency: the reference answers failed"; return; }
	jq -cs '[.[] | select(.done | not) | {q: (.id | split("-") | last), l: (del(.id) | tojson)}]
		| group_by(.q) | map({key: .[0].q, value: (map(.l) | sort)}) | from_entries' "$d/a.out" >"$d/a.ref"
	jq -cs '[.[] | select(.done | not) | {q: (.id | split("-") | last), l: (del(.id) | tojson)}]
		| group_by(.q) | map({key: .[0].q, value: (map(.l) | sort)}) | from_entries' "$d/b.out" >"$d/b.ref"
	end=$(($(rel_now_ms) + REL_CONC_SECS * 1000))
	conc_writer "$d/store" "$end" &
	local wpid=$!
	for r in 1 2 3 4; do conc_reader "$d/store" "$d/r$r.out" "r$r" "$end" & done
	wait
	local n bad answers=0 in_a=0 in_b=0 wrong=0
	read -r n bad <"$d/writer.out"
	[ "$bad" = 0 ] || rel_fail "concurrency: $bad of $n ingests failed: $(head -c 300 "$d/writer.err")"
	for r in 1 2 3 4; do
		[ "$(cat "$d/r$r.out.rc")" = 0 ] || rel_fail "concurrency: reader $r exited $(cat "$d/r$r.out.rc"): $(head -c 300 "$d/r$r.out.err")"
		local res
		res=$(conc_group "$d/r$r.out" | jq -r --slurpfile a "$d/a.ref" --slurpfile b "$d/b.ref" '
			map(if .done.count != (.lines | length) then "wrong"
			    elif .lines == $a[0][.q] then "A" elif .lines == $b[0][.q] then "B" else "wrong" end)
			| "\(length) \(map(select(. == "A")) | length) \(map(select(. == "B")) | length) \(map(select(. == "wrong")) | length)"')
		local t x y z
		read -r t x y z <<<"$res"
		answers=$((answers + t)) in_a=$((in_a + x)) in_b=$((in_b + y)) wrong=$((wrong + z))
	done
	[ "$wrong" = 0 ] || rel_fail "concurrency: $wrong answers match neither state"
	[ "$in_a" -gt 0 ] && [ "$in_b" -gt 0 ] || rel_fail "concurrency: the readers did not see both states (A $in_a, B $in_b)"
	SECOND_RC= SECOND_MS=
	conc_second_writer
	printf '{"part":"concurrency","seconds":%d,"readers":4,"ingests":%d,"answers":%d,"state_a":%d,"state_b":%d,"inconsistent":%d,"second_writer_exit":%s,"second_writer_ms":%s,"failures":%d}\n' \
		"$REL_CONC_SECS" "$n" "$answers" "$in_a" "$in_b" "$wrong" "${SECOND_RC:-null}" "${SECOND_MS:-null}" $((REL_FAILS - fails0))
	: "$wpid"
}
