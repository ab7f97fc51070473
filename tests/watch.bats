#!/usr/bin/env bats
# watch.bats: cg-ingest --watch — replaced JSON, a changed Cargo.lock, a truncated write
# retried until complete, --rebuild-cmd on a .rs change, readers meanwhile, clean stop.

load helper

# A private copy of examples/ws (sources, Cargo.lock, rustdoc JSON) to change under watch.
setup_ws() {
	WS="$BATS_TEST_TMPDIR/ws"
	mkdir -p "$WS/target/doc"
	cp -r "$EXAMPLE_WS"/Cargo.lock "$EXAMPLE_WS"/shapes-* "$WS/"
	cp "$EXAMPLE_WS"/target/doc/*.json "$WS/target/doc/"
	EVENTS="$BATS_TEST_TMPDIR/events"
	cg-init -q
}

start_watch() {
	cg-ingest --watch --workspace "$WS" --debounce-ms 100 --retry-ms 60000 "$@" >"$EVENTS" 2>"$BATS_TEST_TMPDIR/watch.err" &
	WATCH=$!
	wait_for '"event":"ready"'
}

# wait_for PATTERN [COUNT]: until EVENTS holds COUNT (default 1) lines matching PATTERN.
wait_for() {
	local want="${2:-1}"
	for _ in $(seq 100); do
		[ "$(grep -c -- "$1" "$EVENTS")" -ge "$want" ] && return 0
		kill -0 "$WATCH" 2>/dev/null || break
		sleep 0.1
	done
	echo "no $want x '$1' in:" >&2
	cat "$EVENTS" "$BATS_TEST_TMPDIR/watch.err" >&2
	return 1
}

stop_watch() {
	kill -TERM "$WATCH"
	local rc=0
	wait "$WATCH" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(tail -n1 "$EVENTS")" '{"event":"stop","signal":"SIGTERM"}'
}

teardown() {
	[ -z "${WATCH:-}" ] || kill "$WATCH" 2>/dev/null || true
}

@test "watch: first sync, a replaced JSON file, a changed Cargo.lock, readers answer throughout" {
	setup_ws
	start_watch
	assert_equal "$(grep -c '"event":"crate".*"status":"added"' "$EVENTS")" 3
	grep -q '"event":"workspace","workspace":"ws","status":"added"' "$EVENTS"
	run -1 cg-query -e vertex shapes_core::extra::Ellipse
	# another writer is refused while the session holds the lock; readers are not
	run -75 --separate-stderr cg-ingest --workspace "$WS"
	cp "$EXAMPLE_WS/json-extra/shapes_core.json" "$WS/target/doc/shapes_core.json"
	wait_for '"crate":"shapes_core".*"status":"replaced"'
	run -0 cg-query -e vertex shapes_core::extra::Ellipse
	# only the changed crate was re-ingested
	assert_equal "$(grep -c '"event":"crate"' "$EVENTS")" 4
	digest=$(cg-query workspaces | jq -r .workspace.lock_digest)
	printf '\n[[package]]\nname = "later"\nversion = "1.0.0"\n' >>"$WS/Cargo.lock"
	wait_for '"event":"workspace","workspace":"ws","status":"replaced"'
	[ "$(cg-query workspaces | jq -r .workspace.lock_digest)" != "$digest" ]
	stop_watch
	run -0 cg-verify
}

@test "watch: a truncated JSON file is retried, not ingested, until it is complete" {
	setup_ws
	start_watch
	before=$(cg-query stats | jq -c '.stats | [.vertices, .edges]')
	# the feature build of shapes_core: its subgraph differs (module extra), so it is replaced
	head -c 20000 "$EXAMPLE_WS/json-extra/shapes_core.json" >"$WS/target/doc/shapes_core.json"
	wait_for '"event":"retry"'
	grep -q '"event":"retry","error":".*shapes_core.json: line' "$EVENTS"
	assert_equal "$(cg-query stats | jq -c '.stats | [.vertices, .edges]')" "$before"
	run -1 cg-query -e find --crate shapes_core --name Ellipse
	cp "$EXAMPLE_WS/json-extra/shapes_core.json" "$WS/target/doc/shapes_core.json"
	wait_for '"crate":"shapes_core".*"status":"replaced"'
	run -0 cg-query -e find --crate shapes_core --name Ellipse
	stop_watch
	run -0 cg-verify
}

@test "watch: a truncated file left alone is retried after --retry-ms" {
	setup_ws
	cg-ingest --watch --workspace "$WS" --debounce-ms 50 --retry-ms 200 >"$EVENTS" 2>/dev/null &
	WATCH=$!
	wait_for '"event":"ready"'
	head -c 1000 "$EXAMPLE_WS/target/doc/shapes_cli.json" >"$WS/target/doc/shapes_cli.json"
	wait_for '"event":"retry"' 2 # the change, then the timer (with the delay doubled)
	grep -q '"in_ms":400' "$EVENTS"
	stop_watch
}

@test "watch: --rebuild-cmd runs when a .rs file changes and its output is picked up" {
	setup_ws
	start_watch --rebuild-cmd "echo rebuilding; cp '$EXAMPLE_WS'/json-extra/shapes_core.json target/doc/"
	grep -q '"source_dirs":[1-9]' "$EVENTS"
	touch "$WS/target/ignored.rs" # under target/: not a source
	echo '// edited' >>"$WS/shapes-core/src/lib.rs"
	wait_for '"crate":"shapes_core".*"status":"replaced"'
	assert_equal "$(grep -c '"event":"rebuild"' "$EVENTS")" 1
	grep -q '"event":"rebuild","command":".*","exit":0' "$EVENTS"
	# the command's own output went to stderr, not into the events
	grep -q rebuilding "$BATS_TEST_TMPDIR/watch.err"
	run -0 cg-query vertex shapes_core::extra::Ellipse
	# a new source directory is watched too
	mkdir "$WS/shapes-core/src/newmod"
	sleep 0.3
	echo 'pub fn f() {}' >"$WS/shapes-core/src/newmod/mod.rs"
	wait_for '"event":"rebuild"' 2
	stop_watch
}

@test "watch: SIGINT stops it too; usage errors" {
	setup_ws
	start_watch
	kill -INT "$WATCH"
	rc=0
	wait "$WATCH" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(tail -n1 "$EVENTS")" '{"event":"stop","signal":"SIGINT"}'
	run -2 --separate-stderr cg-ingest --watch
	[[ "$stderr" == *"--watch takes --workspace DIR"* ]] || fail "$stderr"
	run -2 --separate-stderr cg-ingest --watch --workspace "$WS" extra.json
	run -2 --separate-stderr cg-ingest --workspace "$WS" --rebuild-cmd true
	run -2 --separate-stderr cg-ingest --watch --workspace "$WS" --debounce-ms x
	run -66 --separate-stderr cg-ingest --watch --workspace "$BATS_TEST_TMPDIR/none"
}

@test "watch: an update reads only the JSON files that changed since they were last read" {
	command -v strace >/dev/null || skip "strace is not installed"
	setup_ws
	sleep 2.2 # digests are kept only for files last changed over a second before they were read
	# LeakSanitizer cannot run under ptrace (make check-asan): the leak check is the other tests'
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat -o "$BATS_TEST_TMPDIR/trace" sh -c 'echo $$ >"$1"; shift; exec "$@"' sh \
		"$BATS_TEST_TMPDIR/pid" cg-ingest --watch --workspace "$WS" --debounce-ms 100 \
		>"$EVENTS" 2>"$BATS_TEST_TMPDIR/watch.err" &
	STRACE=$!
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/pid" ] && break; sleep 0.1; done
	WATCH=$(cat "$BATS_TEST_TMPDIR/pid")
	wait_for '"event":"ready"'
	cp "$EXAMPLE_WS/json-extra/shapes_core.json" "$WS/target/doc/shapes_core.json"
	wait_for '"crate":"shapes_core".*"status":"replaced"'
	run -0 cg-query -e vertex shapes_core::extra::Ellipse
	# the first sync opened each file once; the update opened the changed one only
	assert_equal "$(grep -c 'shapes_render.json' "$BATS_TEST_TMPDIR/trace")" 1
	assert_equal "$(grep -c 'shapes_cli.json' "$BATS_TEST_TMPDIR/trace")" 1
	assert_equal "$(grep -c 'shapes_core.json' "$BATS_TEST_TMPDIR/trace")" 2
	kill -TERM "$WATCH"
	wait "$STRACE"
	run -0 cg-verify
}
