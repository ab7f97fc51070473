#!/bin/sh
# bench/proc.sh: the process-level section — the scale's query file as cg-query stream input
# and as sqlite3 shell SQL, each op fed to one fresh process per system (bench-proc: best of
# R, the process's own start subtracted), answer counts compared, and loops of one-shot
# processes; then the same again with a cg-query --serve server beside them (its CPU time
# counted with the clients'). Prints result lines.
# Usage: sh bench/proc.sh BUILD_DIR SCALE_DIR SCALE [LOOP_N [BENCH_PROC]]
set -eu

B=$1 d=$2 sc=$3 loop_n=${4:-200}
BIN=$B/bin
P=${5:-$B/bench/bench-proc}
store=$d/cg db=$d/sqlite.db q=$d/queries.tsv w=$d/proc
mkdir -p "$w"

# cg prints id, kind, name, path, aliases, crate, version, vis, file, line, docs of each
# vertex (and file, line of each edge it walked); the shell prints the same columns.
VCOLS="v.id, v.kind, v.name, v.path, v.aliases, v.crate, v.version, v.vis, v.file, v.line, v.docs"
awk -F'\t' -v dir="$w" -v vcols="$VCOLS" '
function ty(t) { return t == "Contains" ? 1 : t == "Calls" ? 2 : t == "Uses" ? 3 : t == "Implements" ? 4 : 5 }
function cg(op, s) { print s > (dir "/" op ".ndjson") }
function sql(op, s) {
	if (!(op in started)) { started[op] = 1; print "PRAGMA cache_size = -65536;" > (dir "/" op ".sql") }
	print s > (dir "/" op ".sql")
}
$1 == "get" {
	cg("get", "{\"op\":\"vertex\",\"vertex\":\"" $2 "\"}")
	sql("get", "SELECT " vcols " FROM vertices v WHERE v.id = 0x" $2 ";")
	if (nget++ < 1000) print "vertex\t" $2 > (dir "/get.args")
}
$1 == "find" {
	cg("find", "{\"op\":\"find\",\"name\":\"" $2 "\"}")
	sql("find", "SELECT " vcols " FROM vertices v WHERE v.name = '\''" $2 "'\'';")
}
$1 == "out" || $1 == "in" {
	near = $1 == "out" ? "dst" : "src"; far = $1 == "out" ? "src" : "dst"
	cg($1, "{\"op\":\"neighbors\",\"vertex\":\"" $2 "\",\"dir\":\"" $1 "\",\"types\":[\"" $3 "\"]}")
	sql($1, "SELECT e.file, e.line, " vcols " FROM edges e LEFT JOIN vertices v ON v.id = e." near \
		" WHERE e." far " = 0x" $2 " AND e.type = " ty($3) ";")
}
$1 == "hop3" {
	cg("hop3", "{\"op\":\"traverse\",\"vertex\":\"" $2 "\",\"dir\":\"out\",\"types\":[\"" $3 "\"],\"depth\":3}")
	sql("hop3", "WITH RECURSIVE r(id, d) AS (SELECT 0x" $2 ", 0 UNION SELECT e.dst, r.d + 1 FROM r " \
		"JOIN edges e ON e.src = r.id AND e.type = " ty($3) " WHERE r.d < 3) SELECT " vcols \
		" FROM vertices v WHERE v.id IN (SELECT id FROM r);")
}
$1 == "path" {
	cg("path", "{\"op\":\"path\",\"from\":\"" $2 "\",\"to\":\"" $3 "\",\"dir\":\"out\",\"types\":[\"" $4 "\"]}")
	# the paths are at most 6 steps: meet in the middle, 3 levels from each end; the shell
	# prints the number of vertices on a shortest path (the count cg answers with)
	sql("path", "WITH RECURSIVE f(id, d) AS (SELECT 0x" $2 ", 0 UNION SELECT e.dst, f.d + 1 FROM f " \
		"JOIN edges e ON e.src = f.id AND e.type = " ty($4) " WHERE f.d < 3), b(id, d) AS (SELECT 0x" $3 \
		", 0 UNION SELECT e.src, b.d + 1 FROM b JOIN edges e ON e.dst = b.id AND e.type = " ty($4) \
		" WHERE b.d < 3) SELECT min(f.d + b.d) + 1 FROM f JOIN b USING (id);")
}' "$q"

cg_count() { grep -o '"done":true,"count":[0-9]*' "$1" | awk -F: '{ s += $3 } END { print s + 0 }'; }
sql_count() { if [ "$2" = path ]; then awk '{ s += $1 } END { print s + 0 }' "$1"; else wc -l <"$1"; fi; }

if "$BIN/cg-query" -d "$store" --server stats >/dev/null 2>&1; then
	echo "bench: a cg-query --serve serves $store: the rows without a server need it stopped" >&2
	exit 1
fi
for op in get find out in hop3 path; do
	n=$(wc -l <"$w/$op.ndjson")
	echo "bench: $sc: process streams: $op" >&2
	cgl=$("$P" -s cg -S "$sc" -o "$op" -n "$n" -i "$w/$op.ndjson" -O "$w/answers.cg" -- "$BIN/cg-query" -d "$store" -)
	sql=$("$P" -s sqlite -S "$sc" -o "$op" -n "$n" -i "$w/$op.sql" -O "$w/answers.sql" -- sqlite3 "$db")
	cgc=$(cg_count "$w/answers.cg") sqc=$(sql_count "$w/answers.sql" "$op")
	echo "$sqc" >"$w/$op.sqlcount"
	echo "$cgl" | jq -c --argjson c "$cgc" --argjson o "$sqc" '. + {count:$c, counts_agree:($c == $o)}'
	echo "$sql" | jq -c --argjson c "$sqc" --argjson o "$cgc" '. + {count:$c, counts_agree:($c == $o)}'
	rm -f "$w/answers.cg" "$w/answers.sql"
done

echo "bench: $sc: loops of one-shot processes" >&2
head -n "$loop_n" "$w/get.args" >"$w/loop.args"
sed 's/^vertex\t/SELECT * FROM vertices WHERE id = 0x/' "$w/loop.args" >"$w/loop.sql"
"$P" -s cg -S "$sc" -o loop_get -l "$w/loop.args" -- "$BIN/cg-query" -d "$store"
"$P" -s sqlite -S "$sc" -o loop_get -l "$w/loop.sql" -- sqlite3 "$db"

# With a server: started once, before the first stream, having answered nothing (so the
# first of each op's runs warms what that op reads); every client asks it (--server), and
# the server's CPU time during each run is added to the client's.
echo "bench: $sc: process streams and one-shot loop with cg-query --serve" >&2
"$BIN/cg-query" -d "$store" --serve --idle 120 &
spid=$!
trap 'kill "$spid" 2>/dev/null || true' EXIT
tries=0
until "$BIN/cg-query" -d "$store" --server stats >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ "$tries" -lt 600 ] || { kill "$spid"; echo "bench: the server did not start" >&2; exit 1; }
	sleep 0.1
done
for op in get find out in hop3 path; do
	n=$(wc -l <"$w/$op.ndjson")
	cgl=$("$P" -s cg-server -S "$sc" -o "$op" -n "$n" -i "$w/$op.ndjson" -O "$w/answers.cg" -P "$spid" -- \
		"$BIN/cg-query" -d "$store" --server -)
	cgc=$(cg_count "$w/answers.cg") sqc=$(cat "$w/$op.sqlcount")
	echo "$cgl" | jq -c --argjson c "$cgc" --argjson o "$sqc" '. + {count:$c, counts_agree:($c == $o)}'
	rm -f "$w/answers.cg"
done
"$P" -s cg-server -S "$sc" -o loop_get -l "$w/loop.args" -P "$spid" -- "$BIN/cg-query" -d "$store" --server
kill "$spid"
wait "$spid"
