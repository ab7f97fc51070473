#!/usr/bin/env bats
# cg-ingest's input path: strict NDJSON records (and --lenient), compressed input recognised
# by content, a memory bound that holds, and a full disk that leaves the store as it was.

load helper

FIX="$BATS_TEST_DIRNAME/fixtures"

teardown() {
	if [ -n "${FULL:-}" ] && mountpoint -q "$FULL"; then
		umount "$FULL"
	fi
}

# The store without its m:crate: records (they name the input file and the time).
graph() {
	cg-query -d "${1:-$STORE}" dump | grep -v '"key":"m:'
}

# small.ndjson's first two lines, then LINE as line 3.
with_line3() {
	{ head -n 2 "$FIX/small.ndjson"; printf '%s\n' "$1"; } >"$BATS_TEST_TMPDIR/bad.ndjson"
}

@test "NDJSON: unknown fields, wrongly typed values and repeated vertices are refused with their line" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	before=$(graph)
	bad="$BATS_TEST_TMPDIR/bad.ndjson"
	while IFS='|' read -r line want; do
		with_line3 "$line"
		run -65 --separate-stderr cg-ingest --ndjson "$bad"
		assert_equal "$stderr" "cg-ingest: $bad: line 3: $want"
		assert_equal "$(graph)" "$before"
	done <<'EOF'
{"type":"vertex","kind":"function","path":"alpha::z","colour":"red"}|vertex: unknown field 'colour' (--lenient ignores unknown fields)
{"type":"edge","src":"alpha","label":"Contains","dst":"alpha::run","kind":"function"}|edge: unknown field 'kind' (--lenient ignores unknown fields)
{"type":"vertex","kind":"function","path":"alpha::z","line":"12"}|vertex: field 'line' must be an integer
{"type":"vertex","kind":"function","path":"alpha::z","line":-1}|vertex: field 'line' must be in 0..4294967295
{"type":"vertex","kind":"function","path":"alpha::z","stub":"yes"}|vertex: field 'stub' must be a boolean
{"type":"vertex","kind":"function","path":"alpha::z","aliases":"alpha::y"}|vertex: field 'aliases' must be an array
{"type":"vertex","kind":"function","path":"alpha::z","vis":"everyone"}|vertex: unknown vis 'everyone'
{"type":"edge","src":"alpha","label":"Contains","dst":"alpha::run","line":"4"}|edge: field 'line' must be an integer
{"type":"vertex","kind":"function","path":"alpha::run","version":"1.0.0"}|vertex: 551985845def6364 is already defined at line 2
{"type":"vertex","kind":"function","path":"alpha::z","path":"alpha::y"}|invalid JSON: duplicate object key near '"path"'
EOF
}

@test "NDJSON: a path two vertices share is refused at the first edge that used it, or at an edge after" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	before=$(graph)
	bad="$BATS_TEST_TMPDIR/bad.ndjson"
	# used by the edge on line 3 while it named one vertex; a second vertex takes it on line 5
	printf '%s\n' '{"type":"vertex","kind":"function","path":"beta::run"}' \
		'{"type":"vertex","kind":"function","path":"beta::go"}' \
		'{"type":"edge","src":"beta::go","label":"Calls","dst":"beta::run"}' \
		'{"type":"edge","src":"beta::go","label":"Calls","dst":"beta::go"}' \
		'{"type":"vertex","kind":"struct","path":"beta::run"}' >"$bad"
	run -65 --separate-stderr cg-ingest --ndjson "$bad"
	assert_equal "$stderr" "cg-ingest: $bad: line 3: edge: path beta::run names several vertices of the input; use an id"
	# first used by an edge after the second vertex took it
	printf '%s\n' '{"type":"vertex","kind":"function","path":"beta::run"}' \
		'{"type":"vertex","kind":"struct","path":"beta::run"}' \
		'{"type":"vertex","kind":"function","path":"beta::go"}' \
		'{"type":"edge","src":"beta::go","label":"Calls","dst":"beta::go"}' \
		'{"type":"edge","src":"beta::go","label":"Uses","dst":"beta::run"}' >"$bad"
	run -65 --separate-stderr cg-ingest --ndjson "$bad"
	assert_equal "$stderr" "cg-ingest: $bad: line 5: edge: path beta::run names several vertices of the input; use an id"
	assert_equal "$(graph)" "$before"
}

@test "NDJSON: the fast scanner and jansson give one answer (escapes and spacing go through jansson)" {
	cg-init -q
	plain="$BATS_TEST_TMPDIR/plain.ndjson"
	fancy="$BATS_TEST_TMPDIR/fancy.ndjson"
	printf '%s\n' '{"type":"vertex","kind":"function","path":"alpha::run","docs":"Runs \"it\"."}' \
		'{"type":"vertex","kind":"struct","path":"alpha::Thing","line":7}' \
		'{"type":"edge","src":"alpha::run","label":"Uses","dst":"alpha::Thing"}' >"$plain"
	printf '%s\n' '{ "type" : "vertex", "kind":"function","path":"alpha::run","docs":"Runs \u0022it\u0022."}' \
		'{"type":"vertex","kind":"struct","path":"alpha\u003a:Thing","line":7}' \
		'{"type":"edge","src":"alpha::run","label":"Uses","dst":"alpha::Thing"}' >"$fancy"
	cg-ingest -q --ndjson "$plain"
	a=$(graph)
	rm -rf "$STORE"
	cg-init -q
	cg-ingest -q --ndjson "$fancy"
	assert_equal "$(graph)" "$a"
	# the same refusal from either reader
	with_line3 '{"type":"vertex","kind":"function","path":"alpha::z","line":"12"}'
	run -65 --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/bad.ndjson"
	fast=$stderr
	with_line3 '{"type":"vertex","kind":"function","path":"alpha\u003a:z","line":"12"}'
	run -65 --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/bad.ndjson"
	assert_equal "$stderr" "$fast"
}

@test "NDJSON --lenient ignores unknown fields only; wrong types are still refused" {
	cg-init -q
	with_line3 '{"type":"vertex","kind":"function","path":"alpha::z","version":"1.0.0","colour":"red","weight":{"kg":2}}'
	run --separate-stderr cg-ingest --lenient --ndjson "$BATS_TEST_TMPDIR/bad.ndjson"
	assert_success
	assert_equal "$(jq .vertices <<<"$output")" 3
	run cg-query vertex alpha::z
	assert_success
	with_line3 '{"type":"vertex","kind":"function","path":"alpha::w","colour":"red","line":"12"}'
	run -65 --separate-stderr cg-ingest --lenient --ndjson "$BATS_TEST_TMPDIR/bad.ndjson"
	assert_equal "$stderr" "cg-ingest: $BATS_TEST_TMPDIR/bad.ndjson: line 3: vertex: field 'line' must be an integer"
	run -2 --separate-stderr cg-ingest --lenient "$FIX/small.ndjson"
}

@test "NDJSON --unit cannot take over a crate's unit" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS"
	before=$(cg-query dump)
	run -65 --separate-stderr cg-ingest --ndjson --unit shapes_core@0.1.0 "$FIX/small.ndjson"
	assert_equal "$stderr" "cg-ingest: --unit shapes_core@0.1.0: the store holds a crate of that name and version; give another unit name"
	assert_equal "$(cg-query dump)" "$before"
}

@test "zstd and gzip input is recognised by content, with the plain input's errors and lines" {
	cg-init -q
	cg-ingest -q --ndjson "$FIX/small.ndjson"
	want=$(graph)
	for z in "gzip -c" "zstd -q -c"; do
		rm -rf "$STORE"
		cg-init -q
		$z "$FIX/small.ndjson" >"$BATS_TEST_TMPDIR/in.ndjson" # no telling suffix
		run --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/in.ndjson"
		assert_success
		assert_equal "$(jq .bytes <<<"$output")" "$(stat -c %s "$FIX/small.ndjson")"
		assert_equal "$(graph)" "$want"
		$z "$FIX/small.ndjson" | cg-ingest -q --ndjson --unit piped -
		# broken content inside: the same message as plain
		with_line3 '{"type":"vertex","kind":"function","path":"alpha::z","line":"12"}'
		$z "$BATS_TEST_TMPDIR/bad.ndjson" >"$BATS_TEST_TMPDIR/in.ndjson"
		run -65 --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/in.ndjson"
		assert_equal "$stderr" "cg-ingest: $BATS_TEST_TMPDIR/in.ndjson: line 3: vertex: field 'line' must be an integer"
		# a cut-off stream
		$z "$FIX/small.ndjson" | head -c 40 >"$BATS_TEST_TMPDIR/cut.ndjson"
		run -65 --separate-stderr cg-ingest --ndjson "$BATS_TEST_TMPDIR/cut.ndjson"
		[[ "$stderr" == "cg-ingest: $BATS_TEST_TMPDIR/cut.ndjson: not a complete "*" stream"* ]] || fail "$stderr"
	done
}

@test "a workspace takes compressed rustdoc JSON (.json.gz, .json.zst) from its doc directory" {
	cg-init -q
	cg-ingest -q --workspace "$EXAMPLE_WS" --name plain
	want=$(cg-query dump | grep -v '"key":"m:' )
	docs="$BATS_TEST_TMPDIR/docs"
	mkdir -p "$docs"
	n=0
	for f in "$EXAMPLE_WS"/target/doc/*.json; do
		b=$(basename "$f")
		case $((n++ % 3)) in
		0) gzip -c "$f" >"$docs/$b.gz" ;;
		1) zstd -q -c "$f" >"$docs/$b.zst" ;;
		2) gzip -c "$f" >"$docs/$b" ;; # compressed content under a plain name
		esac
	done
	rm -rf "$STORE"
	cg-init -q
	run --separate-stderr cg-ingest --workspace "$EXAMPLE_WS" --doc-dir "$docs" --name plain
	assert_success
	assert_equal "$(jq -s 'length' <<<"$output")" "$(ls "$EXAMPLE_WS"/target/doc/*.json | wc -l)"
	assert_equal "$(cg-query dump | grep -v '"key":"m:')" "$want"
	# unchanged: the digest hashed in pieces through the decoders is the one of the whole text
	run --separate-stderr cg-ingest --workspace "$EXAMPLE_WS" --doc-dir "$docs" --name plain
	assert_equal "$(jq -s -c 'map([.status, .parsed]) | unique' <<<"$output")" '[["unchanged",false]]'
	# broken JSON inside a .json.gz: the plain file's message, under the compressed name
	head -c 20000 "$EXAMPLE_WS/target/doc/shapes_render.json" >"$BATS_TEST_TMPDIR/shapes_render.json"
	run -65 --separate-stderr cg-ingest "$BATS_TEST_TMPDIR/shapes_render.json"
	plain=${stderr#*shapes_render.json}
	gzip -c "$BATS_TEST_TMPDIR/shapes_render.json" >"$BATS_TEST_TMPDIR/shapes_render.json.gz"
	run -65 --separate-stderr cg-ingest "$BATS_TEST_TMPDIR/shapes_render.json.gz"
	assert_equal "${stderr#*shapes_render.json.gz}" "$plain"
}

# n vertices, each with an edge to the crate root: about 190 bytes a vertex and edge.
make_graph() {
	awk -v n="$1" 'BEGIN { print "{\"type\":\"vertex\",\"kind\":\"crate\",\"path\":\"big\",\"version\":\"1.0.0\"}";
		for (i = 0; i < n; i++) {
			printf "{\"type\":\"vertex\",\"kind\":\"function\",\"path\":\"big::f%d\",\"version\":\"1.0.0\",\"docs\":\"padding padding padding padding\"}\n", i
			printf "{\"type\":\"edge\",\"src\":\"big\",\"label\":\"Contains\",\"dst\":\"big::f%d\"}\n", i } }'
}

@test "--memory-mb bounds the run: sorted runs spill, the peak stays near the bound, the graph is the same" {
	[ -x /usr/bin/time ] || skip "GNU time is not installed"
	big="$BATS_TEST_TMPDIR/big.ndjson" n=600000 size=$((100 << 20))
	# under check-asan, where RSS is not checked, a sixth of it still spills four runs a part
	[ -z "${CG_SANITIZED:-}" ] || n=100000 size=$((16 << 20))
	make_graph $n >"$big"
	[ "$(stat -c %s "$big")" -gt $size ]
	cg-init -q
	/usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss" cg-ingest -q --memory-mb 64 --ndjson "$big"
	rss=$(cat "$BATS_TEST_TMPDIR/rss")
	note "peak RSS at --memory-mb 64: $rss kB"
	# AddressSanitizer's shadow memory and quarantine inflate RSS: the bound is checked only
	# in a build without it
	if ! grep -qa __asan_init "$(command -v cg-ingest)"; then
		[ "$rss" -lt $((128 << 10)) ] || fail "peak RSS $rss kB at --memory-mb 64"
	fi
	[ -z "$(ls "$STORE" | grep '^ingest\.')" ] # staged runs and files are gone
	run cg-verify
	assert_success
	assert_equal "$(cg-query stats | jq .stats.vertices)" $((n + 1))
	# runs are read back around the page cache, from aligned offsets: every key is there once,
	# and a run under the default bound (fewer, larger runs, other range cuts) dumps the same
	cg-query dump | sed 's/"ingested":"[^"]*"//' >"$BATS_TEST_TMPDIR/small.dump"
	assert_equal "$(grep -c '^{"key":"v:' "$BATS_TEST_TMPDIR/small.dump")" $((n + 1))
	assert_equal "$(grep -c '^{"key":"e:' "$BATS_TEST_TMPDIR/small.dump")" $((2 * n))
	cg-init -q -d "$BATS_TEST_TMPDIR/whole"
	cg-ingest -q -d "$BATS_TEST_TMPDIR/whole" --ndjson "$big"
	cg-query -d "$BATS_TEST_TMPDIR/whole" dump | sed 's/"ingested":"[^"]*"//' | cmp - "$BATS_TEST_TMPDIR/small.dump"
	run -2 --separate-stderr cg-ingest --memory-mb 10 --ndjson "$big"
}

@test "a full disk: exit 74 with one line naming what failed, the store unchanged and clean, nothing staged left" {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	FULL="$BATS_TEST_TMPDIR/full"
	mkdir -p "$FULL"
	mount -t tmpfs -o size=3m tmpfs "$FULL" || skip "cannot mount a tmpfs here"
	store="$FULL/store"
	cg-init -q -d "$store"
	cg-ingest -q -d "$store" --ndjson "$FIX/small.ndjson"
	before=$(cg-query -d "$store" dump)
	make_graph 40000 >"$BATS_TEST_TMPDIR/big.ndjson"
	run -74 --separate-stderr cg-ingest -d "$store" --ndjson "$BATS_TEST_TMPDIR/big.ndjson"
	assert_equal "$(wc -l <<<"$stderr")" 1
	[[ "$stderr" == "cg-ingest: "*"No space left on device"* ]] || fail "$stderr"
	[[ "$stderr" == *"$store/"* ]] || fail "the message names no file: $stderr"
	note "$stderr"
	assert_equal "$(cg-query -d "$store" dump)" "$before"
	run cg-verify -d "$store"
	assert_success
	[ -z "$(ls "$store" | grep '^ingest\.')" ] || fail "staged files left: $(ls "$store")"
	cg-ingest -q -d "$store" "$EXAMPLE_WS/target/doc/shapes_cli.json"
	before=$(cg-query -d "$store" dump)
	# a disk full before the run starts: refused before RocksDB writes its LOG (whose second
	# failed line would abort the process, exit 134), and the store still answers
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
	run -74 --separate-stderr cg-ingest -d "$store" --ndjson "$FIX/small.ndjson"
	assert_equal "$stderr" "cg-ingest: $store/shard-000 (under 1 MiB free): No space left on device"
	assert_equal "$(cg-query -d "$store" dump)" "$before"
	# rustdoc input opens the writer only for a change: an unchanged file needs no space, a
	# new crate is refused with the same line when the shards are to open for writing
	run -0 --separate-stderr cg-ingest -d "$store" "$EXAMPLE_WS/target/doc/shapes_cli.json"
	assert_equal "$(jq -c '[.status, .parsed]' <<<"$output")" '["unchanged",false]'
	run -74 --separate-stderr cg-ingest -d "$store" "$EXAMPLE_WS/target/doc/shapes_core.json"
	assert_equal "$stderr" "cg-ingest: $store/shard-000 (under 1 MiB free): No space left on device"
	assert_equal "$(cg-query -d "$store" dump)" "$before"
	run cg-verify -d "$store"
	assert_success
}

@test "a re-ingest of unchanged files decides from their bytes and cache-key inputs, without parsing" {
	cg-init -q
	ws="$BATS_TEST_TMPDIR/ws"
	mkdir -p "$ws"
	cp -r "$EXAMPLE_WS/target" "$EXAMPLE_WS/Cargo.lock" "$ws/"
	run --separate-stderr cg-ingest --workspace "$ws" --name ex
	assert_equal "$(jq -s -c 'map(.parsed) | unique' <<<"$output")" '[true]'
	before=$(cg-query dump)
	touch "$ws"/target/doc/*.json # times do not count, bytes do
	shard_files=$(ls "$STORE/shard-000")
	run --separate-stderr cg-ingest --workspace "$ws" --name ex
	assert_success
	assert_equal "$(jq -s -c 'map([.status, .parsed]) | unique' <<<"$output")" '[["unchanged",false]]'
	assert_equal "$(cg-query dump)" "$before"
	# nothing to write, so the shards were never opened as the writer (a new MANIFEST,
	# OPTIONS file and log, and their fsyncs)
	assert_equal "$(ls "$STORE/shard-000")" "$shard_files"
	# other bytes, the same graph: parsed, and still unchanged by what the graph holds
	jq . "$ws/target/doc/shapes_core.json" >"$ws/x" && mv "$ws/x" "$ws/target/doc/shapes_core.json"
	run --separate-stderr cg-ingest --workspace "$ws" --name ex
	assert_equal "$(jq -c 'select(.crate == "shapes_core") | [.status, .parsed]' <<<"$output")" '["unchanged",true]'
	assert_equal "$(jq -c 'select(.crate != "shapes_core") | .parsed' <<<"$output" | sort -u)" false
	run --separate-stderr cg-ingest --workspace "$ws" --name ex
	assert_equal "$(jq -s -c 'map(.parsed) | unique' <<<"$output")" '[false]'
	# a cache-key input other than the bytes (an option) parses again
	run --separate-stderr cg-ingest --workspace "$ws" --name ex --keep-synthetic
	assert_equal "$(jq -s -c 'map(.parsed) | unique' <<<"$output")" '[true]'
}
