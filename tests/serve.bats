#!/usr/bin/env bats
# serve.bats: cg-query --serve, the resident reader on DIR/cg-query.sock — the same answers,
# messages and exit statuses through it as without it, a dead server's socket, catching up
# with ingests, the idle exit, the socket's mode, one server per store.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export DEV_STORE="$BATS_FILE_TMPDIR/dev"
	export TMPDIR="$BATS_FILE_TMPDIR"
	require_devws
	cg-init -q "$DEV_STORE"
	cg-ingest -q -d "$DEV_STORE" --workspace "$DEVWS" --doc-dir "$DEVWS/json"
}

# start_server STORE [OPTION]...: a server in the background (SERVER_PID), once it answers.
start_server() {
	cg-query -d "$1" --serve "${@:2}" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 100); do
		cg-query -d "$1" --server stats >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_server: SIGTERM, and the server's exit status must be 0 (under ASan: no leaks).
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
}

teardown() {
	[ -z "${SERVER_PID:-}" ] || kill -KILL "$SERVER_PID" 2>/dev/null || true
}

# both CMD...: runs cg-query CMD... directly and through the server, stdin from $BOTH_IN;
# their stdout, stderr and exit status must be the same. The direct run's are left in
# output, stderr and status.
both() {
	run --separate-stderr cg-query --server "$@" <"${BOTH_IN:-/dev/null}"
	local out="$output" err="$stderr" st="$status"
	run --separate-stderr cg-query --no-server "$@" <"${BOTH_IN:-/dev/null}"
	assert_equal "$out" "$output"
	assert_equal "$err" "$stderr"
	assert_equal "$st" "$status"
}

@test "one-shot queries: the same answers, messages and exit statuses with and without the server" {
	start_server "$DEV_STORE"
	export CG_DIR="$DEV_STORE"
	both find --crate devws_core --kind trait
	assert_equal "$status" 0
	expected=$(jq -r '.index[] | select(.crate_id == 0 and (.inner | has("trait"))) | .name' "$DEVWS/json/devws_core.json" | sort)
	assert_equal "$(cg-query --server find --crate devws_core --kind trait | jq -r .vertex.name | sort)" "$expected"
	both vertex devws_core::geometry::shapes::Circle
	both find --kind method --limit 2
	assert_equal "$stderr" "cg-query: answer truncated at --limit 2"
	both neighbors devws_core::geometry::shapes::Circle --out --type Implements
	both traverse devws_core::geometry::shapes::Circle --depth 2 --both
	both implementors devws_core::Shape
	both export --format dot traverse devws_core::geometry::shapes::Circle --depth 1
	both vertex no::such::thing
	assert_equal "$status" 1
	both -e find NoSuchNameAnywhere
	assert_equal "$status" 1
	both find --match bogus x
	assert_equal "$status" 2
	stop_server
}

@test "a stream: the same answer lines, bad-line messages and exit status through the server" {
	start_server "$DEV_STORE"
	export CG_DIR="$DEV_STORE"
	queries="$BATS_TEST_TMPDIR/q.ndjson"
	{
		echo '{"op":"find","name":"Circle","id":"a"}'
		echo
		echo '{"op":"vertex","vertex":"no::such"}'
		echo '{bad json'
		echo '{"op":"neighbors","vertex":"devws_core::Shape","dir":"in"}'
		echo '{"op":"frobnicate"}'
		printf '{"op":"vertex","vertex":"devws_core::Shape"}' # no newline at the end
	} >"$queries"
	BOTH_IN=$queries both -
	assert_equal "$status" 65
	assert_line --index 0 --partial '"id":"a"'
	[[ "$stderr" == *"cg-query: line 4: invalid JSON"* ]]
	[[ "$stderr" == *"cg-query: line 6: "* ]]
	assert_equal "$(grep -c '"done":true' <<<"$output")" 6
	BOTH_IN=$queries both --strict -
	assert_equal "$status" 65
	assert_equal "$(grep -c '"done":true' <<<"$output")" 3
	stop_server
}

@test "write errors: a closed pipe is a quiet stop, a full disk the same message either way" {
	start_server "$DEV_STORE"
	export CG_DIR="$DEV_STORE"
	run --separate-stderr bash -c 'cg-query --server dump | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'
	direct=$(bash -c 'cg-query --no-server dump | head -1 >/dev/null; echo "${PIPESTATUS[0]}"')
	assert_equal "$output" "$direct"
	assert_equal "$stderr" ""
	for how in --server --no-server; do
		run -74 --separate-stderr bash -c "cg-query $how dump >/dev/full"
		assert_equal "$stderr" "cg-query: write error on standard output: No space left on device"
	done
	stop_server
}

@test "the client really asks the server: a directory holding only a link to its socket" {
	start_server "$DEV_STORE"
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$DEV_STORE/cg-query.sock" "$BATS_TEST_TMPDIR/elsewhere/cg-query.sock"
	run -0 cg-query -d "$BATS_TEST_TMPDIR/elsewhere" stats
	assert_equal "$(jq .stats.vertices <<<"$output")" "$(cg-query -d "$DEV_STORE" --no-server stats | jq .stats.vertices)"
	run -66 cg-query -d "$BATS_TEST_TMPDIR/elsewhere" --no-server stats
	run -66 env CG_NO_SERVER=1 cg-query -d "$BATS_TEST_TMPDIR/elsewhere" stats
	run -0 env CG_NO_SERVER=1 cg-query -d "$BATS_TEST_TMPDIR/elsewhere" --server stats
	stop_server
}

@test "the socket is 0600; a second server is refused with 75 and the first goes on" {
	start_server "$DEV_STORE"
	assert_equal "$(stat -c %a "$DEV_STORE/cg-query.sock")" 600
	run -75 cg-query -d "$DEV_STORE" --serve
	assert_output "cg-query: $DEV_STORE: another cg-query --serve serves this store"
	run -0 cg-query -d "$DEV_STORE" --server stats
	run -2 cg-query -d "$DEV_STORE" --serve stats
	run -2 cg-query -d "$DEV_STORE" --idle 5 stats
	run -2 cg-query -d "$DEV_STORE" --server --no-server stats
	stop_server
	[ ! -e "$DEV_STORE/cg-query.sock" ]
}

@test "a killed server's socket: clients open the store themselves, a new server replaces it" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	start_server "$STORE"
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" || true
	[ -S "$STORE/cg-query.sock" ]
	run -0 cg-query vertex shapes_core::Circle
	assert_equal "$(jq -r .vertex.name <<<"$output")" Circle
	run -0 cg-query - <<<'{"op":"vertex","vertex":"shapes_core::Circle"}'
	run -66 cg-query --server stats
	[[ "$output" == *"no query server answers"* ]]
	start_server "$STORE"
	run -0 cg-query --server vertex shapes_core::Circle
	stop_server
}

@test "the server sees an ingest made after it started, in new clients and an open stream" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	start_server "$STORE"
	coproc READER { exec cg-query --server - 2>&1; }
	reader=$READER_PID
	echo '{"op":"find","name":"Thing"}' >&"${READER[1]}"
	read -r -t 10 line <&"${READER[0]}"
	assert_equal "$(jq .count <<<"$line")" 0
	run -1 cg-query --server -e find Thing
	echo '{"type":"vertex","crate":"zz","version":"1.0.0","path":"zz::Thing","kind":"struct","name":"Thing"}' |
		cg-ingest -q --ndjson --unit extra -
	run -0 cg-query --server find Thing
	assert_equal "$(jq -r .vertex.path <<<"$output")" zz::Thing
	sleep 0.01 # a stream looks for changes at most once a millisecond
	echo '{"op":"find","name":"Thing"}' >&"${READER[1]}"
	read -r -t 10 line <&"${READER[0]}"
	assert_equal "$(jq -r .vertex.path <<<"$line")" zz::Thing
	exec {READER[1]}>&-
	wait "$reader"
	stop_server
}

@test "a client that sends nothing holds nobody up; the server exits after --idle seconds" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	# idle 3 s: under load the silent client's process may take a second to connect
	start_server "$STORE" --idle 3
	sleep 5 | cg-query --server - 3>&- &
	silent=$!
	run -0 timeout 3 cg-query --server vertex shapes_core::Circle
	wait "$silent"
	# no client for 3 s: it removes its socket and exits 0
	for _ in $(seq 50); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$SERVER_PID"
	SERVER_PID=
	[ ! -e "$STORE/cg-query.sock" ]
	run -0 cg-query vertex shapes_core::Circle
}

@test "nothing starts a server unasked; CG_SERVE=1 answers itself and starts one for the next" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	run -0 cg-query vertex shapes_core::Circle
	sleep 0.5
	[ ! -e "$STORE/cg-query.sock" ]
	run -0 env CG_SERVE=1 cg-query vertex shapes_core::Circle
	assert_equal "$(jq -r .vertex.name <<<"$output")" Circle
	for _ in $(seq 100); do
		cg-query --server stats >/dev/null 2>&1 && break
		sleep 0.1
	done
	SERVER_PID=$(cat "$STORE/cg-query.lock") # not this shell's child: teardown kills it
	run -0 cg-query --server vertex shapes_core::Circle
	assert_equal "$(jq -r .vertex.name <<<"$output")" Circle
	kill -TERM "$SERVER_PID"
	for _ in $(seq 50); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	[ ! -e "$STORE/cg-query.sock" ]
}
