#!/usr/bin/env bats
# mcp.bats: cg-mcp — the raw protocol (handshake, stateless 2026-07-28 requests, malformed
# and oversized lines, unknown methods, a client that goes away mid-call, catching up with a
# writer) and, through the official TypeScript SDK client (tests/mcp/client.mjs), every
# tool's answer checked against its outputSchema and against cg-query's.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export WS_STORE="$BATS_FILE_TMPDIR/ws" TMPDIR="$BATS_FILE_TMPDIR"
	cg-init -q "$WS_STORE"
	cg-ingest -q -d "$WS_STORE" --workspace "$EXAMPLE_WS"
	cg-calls -q -d "$WS_STORE" --workspace "$EXAMPLE_WS" >"$BATS_FILE_TMPDIR/calls.ndjson"
	cg-ingest -q -d "$WS_STORE" --ndjson "$BATS_FILE_TMPDIR/calls.ndjson"
}

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'

# Sends the lines given as arguments to one cg-mcp and keeps its answers in $output.
mcp() {
	run --separate-stderr cg-mcp -d "$WS_STORE" < <(printf '%s\n' "$@")
}

# The answer with id $1, compact.
answer() {
	jq -c --argjson id "$1" 'select(.id == $id)' <<<"$output"
}

call() { # call ID TOOL ARGS-JSON
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2" "$3"
}

# A ping line with a params string of $2 bytes.
padded_ping() {
	printf '{"jsonrpc":"2.0","id":%s,"method":"ping","params":{"pad":"' "$1"
	head -c "$2" /dev/zero | tr '\0' x
	printf '"}}\n'
}

@test "cg-mcp --help, --version, usage errors and a missing store" {
	run -0 cg-mcp --help
	assert_output --partial 'Usage: cg-mcp'
	assert_output --partial '{"command":"cg-mcp","args":["-d","/path/to/store"]}'
	run -0 cg-mcp --version
	assert_output --partial 'cg-mcp (cg)'
	run -2 --separate-stderr cg-mcp --bogus
	[[ "$stderr" == *"cg-mcp: "* ]]
	run -2 --separate-stderr cg-mcp extra
	run -66 --separate-stderr cg-mcp -d "$BATS_TEST_TMPDIR/none" </dev/null
	[[ "$stderr" == "cg-mcp: "* ]]
	[ -z "$output" ]
}

@test "initialize: 2025-11-25 by default, an older version when asked, the newest for an unknown one" {
	mcp "$INIT" '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}' \
		'{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}}' \
		'{"jsonrpc":"2.0","id":3,"method":"initialize","params":{}}' \
		'{"jsonrpc":"2.0","id":4,"method":"ping"}'
	assert_success
	assert_equal "$(answer 0 | jq -r .result.protocolVersion)" 2025-11-25
	assert_equal "$(answer 0 | jq -c .result.capabilities)" '{"tools":{"listChanged":false}}'
	assert_equal "$(answer 0 | jq -r .result.serverInfo.name)" cg-mcp
	assert_equal "$(answer 1 | jq -r .result.protocolVersion)" 2025-06-18
	assert_equal "$(answer 2 | jq -r .result.protocolVersion)" 2025-11-25
	assert_equal "$(answer 3 | jq .error.code)" -32602
	assert_equal "$(answer 4 | jq -c .result)" '{}'
	# one answer per request, none for the notification, nothing but JSON-RPC on stdout
	assert_equal "$(wc -l <<<"$output")" 5
	jq -e -s 'all(.jsonrpc == "2.0")' <<<"$output"
	[ -z "$stderr" ]
}

@test "malformed lines get the JSON-RPC error codes, and the server goes on" {
	mcp 'not json' '{"jsonrpc":"2.0","id":1,' '[{"jsonrpc":"2.0","id":2,"method":"ping"}]' '42' \
		'{"jsonrpc":"1.0","id":3,"method":"ping"}' '{"id":4,"method":"ping"}' \
		'{"jsonrpc":"2.0","id":null,"method":"ping"}' '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}' \
		'{"jsonrpc":"2.0","id":5,"method":7}' '{"jsonrpc":"2.0","id":6,"method":"ping","params":[1]}' \
		"$(printf '{"jsonrpc":"2.0","id":7,"method":"p\xffing"}')" '' '   ' \
		'{"jsonrpc":"2.0","id":8,"result":{}}' '{"jsonrpc":"2.0","id":9,"method":"ping"}'
	assert_success
	run -0 jq -c '[.id, .error.code]' <<<"$output"
	assert_equal "$output" '[null,-32700]
[null,-32700]
[null,-32600]
[null,-32600]
[3,-32600]
[4,-32600]
[null,-32600]
[null,-32600]
[5,-32600]
[6,-32602]
[null,-32700]
[9,null]'
}

@test "unknown methods: -32601 for a request, silence for a notification" {
	mcp "$INIT" '{"jsonrpc":"2.0","id":1,"method":"resources/list"}' '{"jsonrpc":"2.0","method":"notifications/whatever"}' \
		'{"jsonrpc":"2.0","id":"s","method":"prompts/get","params":{}}' '{"jsonrpc":"2.0","id":2,"method":"ping"}'
	assert_success
	assert_equal "$(answer 1 | jq .error.code)" -32601
	assert_equal "$(answer '"s"' | jq .error.code)" -32601
	assert_equal "$(answer 2 | jq -c .result)" '{}'
	assert_equal "$(wc -l <<<"$output")" 4
}

@test "an oversized line is refused with -32600 and the next line is answered" {
	big="$BATS_TEST_TMPDIR/big"
	{ padded_ping 1 2000000; echo '{"jsonrpc":"2.0","id":2,"method":"ping"}'; } >"$big"
	run -0 --separate-stderr cg-mcp -d "$WS_STORE" <"$big"
	assert_equal "$(sed -n 1p <<<"$output" | jq -c '[.id, .error.code]')" '[null,-32600]'
	assert_equal "$(sed -n 2p <<<"$output" | jq -c '[.id, .result]')" '[2,{}]'
	# just under the limit is taken
	padded_ping 3 1000000 >"$big"
	run -0 --separate-stderr cg-mcp -d "$WS_STORE" <"$big"
	assert_equal "$(jq -c '[.id, .result]' <<<"$output")" '[3,{}]'
}

@test "tools/call: an unknown tool and bad params are protocol errors, bad arguments tool errors" {
	run --separate-stderr cg-query -d "$WS_STORE" callers shapes_core::no_such_thing
	nomatch_status=$status nomatch_err=$stderr
	run --separate-stderr cg-query -d "$WS_STORE" path NoSuchThing shapes_core
	nopath_status=$status nopath_err=$stderr
	mcp "$INIT" "$(call 1 cg_nope '{}')" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}}' \
		"$(call 3 cg_find '[1]')" "$(call 4 cg_find '{"limit":5000}')" "$(call 5 cg_find '{"name":"Circle","x":1}')" \
		"$(call 6 cg_callers '{}')" "$(call 7 cg_callers '{"name":"shapes_core::no_such_thing"}')" \
		"$(call 8 cg_find '{"kind":"no-such-kind"}')" "$(call 9 cg_path '{"from":"NoSuchThing","to":"shapes_core"}')"
	assert_success
	assert_equal "$(answer 1 | jq -c '[.error.code, .error.message]')" '[-32602,"Unknown tool: cg_nope"]'
	assert_equal "$(answer 2 | jq .error.code)" -32602
	assert_equal "$(answer 3 | jq .error.code)" -32602
	assert_equal "$(answer 4 | jq -c '[.result.isError, .result.content[0].text]')" \
		'[true,"argument \"limit\" must be an integer from 1 to 1000"]'
	assert_equal "$(answer 5 | jq -r '.result.content[0].text')" 'argument "x" is not an argument of this tool'
	assert_equal "$(answer 6 | jq -r '.result.content[0].text')" 'argument "name" is required'
	# a name that matches nothing answers as cg-query does: its message as a tool error when
	# it fails (exit 1, "did you mean"), else an empty list that says so
	if [ "$nomatch_status" = 0 ]; then
		assert_equal "$(answer 7 | jq -c '[.result.isError, .result.structuredContent.total, .result.content[0].text]')" \
			'[false,0,"no items\n"]'
	else
		assert_equal "$(answer 7 | jq -c '[.result.isError, .result.content[0].text]')" \
			"$(jq -c -n --arg m "${nomatch_err#cg-query: }" '[true, $m]')"
	fi
	assert_equal "$(answer 8 | jq -c '[.result.isError, (.result.content[0].text | startswith("unknown kind '"'no-such-kind'"' (kinds: crate, module, "))]')" '[true,true]'
	if [ "$nopath_status" = 0 ]; then
		assert_equal "$(answer 9 | jq -c '.result | [.isError, .structuredContent.found]')" '[false,false]'
	else
		assert_equal "$(answer 9 | jq -c '.result | [.isError, .content[0].text]')" \
			"$(jq -c -n --arg m "${nopath_err#cg-query: }" '[true, $m]')"
	fi
}

@test "stateless 2026-07-28: server/discover, _meta on each request, resultType, no handshake" {
	mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{'"$META"'}}' \
		'{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{'"$META"'}}' \
		'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{'"$META"',"name":"cg_find","arguments":{"name":"Circle"}}}' \
		'{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2031-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}' \
		'{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
		'{"jsonrpc":"2.0","id":6,"method":"ping","params":{'"$META"'}}' \
		'{"jsonrpc":"2.0","id":7,"method":"initialize","params":{'"$META"',"protocolVersion":"2026-07-28"}}'
	assert_success
	assert_equal "$(answer 1 | jq -c '.result | [.resultType, .supportedVersions[0:2], .serverInfo.name, (.capabilities | keys)]')" \
		'["complete",["2026-07-28","2025-11-25"],"cg-mcp",["tools"]]'
	assert_equal "$(answer 2 | jq -c '.result | [.resultType, (.tools | length), (.ttlMs > 0), .cacheScope]')" \
		'["complete",11,true,"public"]'
	assert_equal "$(answer 3 | jq -c '.result | [.resultType, .isError, (.structuredContent.items | length > 0)]')" \
		'["complete",false,true]'
	assert_equal "$(answer 4 | jq -c '.error | [.code, .data.requested, (.data.supported | index("2026-07-28") != null)]')" \
		'[-32022,"2031-01-01",true]'
	assert_equal "$(answer 5 | jq .error.code)" -32602
	assert_equal "$(answer 6 | jq .error.code)" -32601
	assert_equal "$(answer 7 | jq .error.code)" -32601
	# the 2025 era stays untouched by the new fields
	mcp "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
	assert_equal "$(answer 1 | jq -c '.result | [has("resultType"), has("ttlMs")]')" '[false,false]'
}

@test "a client that closes stdin mid-call gets its answer, then the server exits 0" {
	# the call is on its way when input ends; no newline after the last line either
	run -0 --separate-stderr cg-mcp -d "$WS_STORE" < <(printf '%s\n%s' "$INIT" "$(call 1 cg_impact '{"name":"shapes_core::Shape"}')")
	assert_equal "$(answer 1 | jq '.result.structuredContent.total > 0')" true
	[ -z "$stderr" ]
	# a client that stops reading: the server ends quietly instead of dying on SIGPIPE
	export INIT WS_STORE
	export -f call
	run -0 --separate-stderr bash -c '
		{ printf "%s\n" "$INIT"; for i in $(seq 1 200); do call $i cg_stats "{}"; echo; done; } |
			cg-mcp -d "$WS_STORE" | head -c 10 >/dev/null
		echo "${PIPESTATUS[1]}"'
	assert_equal "$output" 0
	[ -z "$stderr" ]
}

@test "each call answers from the newest state: a writer's ingest between calls is seen" {
	store="$BATS_TEST_TMPDIR/store"
	cg-init -q "$store"
	cg-ingest -q -d "$store" --workspace "$EXAMPLE_WS"
	coproc MCP { cg-mcp -d "$store" 2>/dev/null; }
	pid=$MCP_PID # bash unsets MCP_PID when the coprocess ends
	printf '%s\n%s\n' "$INIT" "$(call 1 cg_stats '{}')" >&"${MCP[1]}"
	read -r init <&"${MCP[0]}"
	read -r first <&"${MCP[0]}"
	assert_equal "$(jq .result.structuredContent.edge_types.Calls <<<"$first")" null
	cg-ingest -q -d "$store" --ndjson "$BATS_FILE_TMPDIR/calls.ndjson"
	printf '%s\n' "$(call 2 cg_stats '{}')" >&"${MCP[1]}"
	read -r second <&"${MCP[0]}"
	calls=$(wc -l <"$BATS_FILE_TMPDIR/calls.ndjson")
	[ "$(jq .result.structuredContent.edge_types.Calls <<<"$second")" -eq "$calls" ]
	exec {MCP[1]}>&-
	wait "$pid"
}

@test "text answers: one item a line (kind path file:line) and how many more" {
	mcp "$INIT" "$(call 1 cg_find '{"kind":"method","limit":3}')"
	total=$(cg-query -d "$WS_STORE" find --kind method | wc -l)
	text=$(answer 1 | jq -r '.result.content[0].text')
	assert_equal "$(wc -l <<<"$text")" 4
	assert_equal "$(sed -n 4p <<<"$text")" "$((total - 3)) more items (3 shown; raise \"limit\" to see more)"
	first=$(cg-query -d "$WS_STORE" find --kind method --limit 1 | jq -r '.vertex | "\(.kind) \(.path) \(.file):\(.line)"')
	assert_equal "$(sed -n 1p <<<"$text")" "$first"
	assert_equal "$(answer 1 | jq -c '.result.structuredContent | [.shown, .more]')" "[3,$((total - 3))]"
}

@test "the official TypeScript SDK client: every tool, outputSchema-validated, agrees with cg-query" {
	command -v npm >/dev/null && command -v node >/dev/null ||
		skip "node and npm are not installed (Debian: apt-get install nodejs npm)"
	dir="$CG_ROOT/tests/mcp"
	# npm ci once, and again only when the lockfile changes
	if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		run npm ci --prefix "$dir" --no-audit --no-fund
		assert_success
	fi
	run node "$dir/client.mjs" "$CG_BUILDDIR/bin" "$WS_STORE"
	echo "$output"
	assert_success
	assert_output --partial '# all passed'
	refute_output --partial 'not ok'
}

@test "a store with a shard gone answers from the others and says so" {
	store="$BATS_TEST_TMPDIR/store"
	cg-init -q --shards 3 "$store"
	cg-ingest -q -d "$store" --workspace "$EXAMPLE_WS"
	mv "$store/shard-001" "$BATS_TEST_TMPDIR/away"
	run -3 cg-query -d "$store" find Sha --match prefix
	want=$(jq -s -c 'map(.vertex.id)' <<<"$output")
	run --separate-stderr cg-mcp -d "$store" < <(printf '%s\n' "$INIT" "$(call 1 cg_find '{"name":"Sha","match":"prefix"}')")
	assert_success
	assert_equal "$(answer 1 | jq -c '.result.structuredContent | [.partial, .missing_shards, (.items | map(.id))]')" \
		"[true,[1],$want]"
	answer 1 | jq -r '.result.content[0].text' | grep -qx 'partial answer: 1 shard(s) of the store could not be read'
}
