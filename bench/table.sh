#!/bin/sh
# bench/table.sh: prints bench/results.ndjson as Markdown tables (machine, ingest and size,
# fresh processes against the sqlite3 shell, then in-process latency with the ratios
# cg/SQLite and cg/floor). Usage: sh bench/table.sh FILE
set -eu
F=${1:-$(dirname "$0")/results.ndjson}

jq -r 'select(.machine) | .machine |
  "Machine: \(.cpu), \(.nproc) cores, \(.mem_kb / 1048576 | . * 10 | round / 10) GiB RAM, Linux \(.kernel); RocksDB \(.rocksdb), SQLite \(.sqlite); CFLAGS \(.cflags); \(.date)"' "$F"

jq -rs '
  def r(x): if x == null then "-" else (x * 100 | round / 100 | tostring) end;
  def ratio(a; b): if a == null or b == null or b == 0 then "-" else (a / b * 100 | round / 100 | tostring) + "×" end;
  [.[] | select(.machine == null)] as $all
  | (["S", "M", "L"] - (["S", "M", "L"] - ($all | map(.scale) | unique))) as $scales
  | $scales[] as $s
  | ($all | map(select(.scale == $s))) as $rows
  | ($rows | map(select(.method != "stream" and .method != "loop"))) as $inproc
  | "\n### Scale \($s)\n",
    "| ingest | seconds | records/s | bytes on disk | bytes/edge | peak RSS MiB |",
    "|---|---:|---:|---:|---:|---:|",
    ($rows[] | select(.op == "ingest") |
      "| \(.system) (\(.method)) | \(.seconds) | \(.records_per_s // "-") | \(.bytes // "-") | \(.bytes_per_edge // "-") | \(if .peak_rss_kb then (.peak_rss_kb / 1024 | round) else "-" end) |"),
    ($rows[] | select(.op == "compact") |
      "| cg after cg-compact | \(.seconds) | | \(.bytes) | | |"),
    "",
    (select($rows | any(.method == "stream")) |
    "Process level: one fresh process per system fed the query file (`cg-query -` against the `sqlite3` shell), best of 3, the process start subtracted; µs per query (CPU µs in brackets). Loop: one process per query. \"with server\": the same `cg-query` processes while a `cg-query --serve` runs beside them (started before the first stream, nothing answered yet), its CPU time added to theirs.\n",
    "| operation | cg µs/query | cg with server | sqlite3 shell | cg/sqlite3 | with server/sqlite3 | cg start ms | with server | sqlite3 start ms | answers |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ( ["get", "find", "out", "in", "hop3", "path"][] as $op
      | ($rows | map(select(.op == $op and .method == "stream" and .system == "cg")) | first) as $c
      | ($rows | map(select(.op == $op and .method == "stream" and .system == "cg-server")) | first) as $v
      | ($rows | map(select(.op == $op and .method == "stream" and .system == "sqlite")) | first) as $q
      | select($c and $q)
      | "| \($op) | \(r($c.per_query_us)) (\(r($c.cpu_per_query_us))) | \(if $v then "\(r($v.per_query_us)) (\(r($v.cpu_per_query_us)))" else "-" end) | \(r($q.per_query_us)) (\(r($q.cpu_per_query_us))) | \(ratio($c.per_query_us; $q.per_query_us)) | \(ratio($v.per_query_us; $q.per_query_us)) | \(r($c.start_us / 1000)) | \(if $v then r($v.start_us / 1000) else "-" end) | \(r($q.start_us / 1000)) | \(if $c.counts_agree and ($v == null or $v.counts_agree) then "agree (\($c.count))" else "DIFFER: cg \($c.count), with server \($v.count // "-"), sqlite3 \($q.count)" end) |"),
    ( ($rows | map(select(.op == "loop_get" and .system == "cg")) | first) as $c
      | ($rows | map(select(.op == "loop_get" and .system == "cg-server")) | first) as $v
      | ($rows | map(select(.op == "loop_get" and .system == "sqlite")) | first) as $q
      | select($c and $q)
      | "| loop of \($c.n) one-shot `vertex` | \(r($c.per_process_us)) (\(r($c.cpu_per_process_us))) | \(if $v then "\(r($v.per_process_us)) (\(r($v.cpu_per_process_us)))" else "-" end) | \(r($q.per_process_us)) (\(r($q.cpu_per_process_us))) | \(ratio($c.per_process_us; $q.per_process_us)) | \(ratio($v.per_process_us; $q.per_process_us)) | | | | |"),
    ""),
    "In process (warm caches: every query run once untimed first):\n",
    "| operation | cg p50 µs | cg p99 | SQLite p50 | SQLite p99 | floor p50 | floor p99 | cg/SQLite p50 (p99) | cg/floor p50 (p99) | cg p50 without catch-up check | answers |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ( ["get", "find", "out", "in", "hop3", "path", "cold_get"][] as $op
      | ($inproc | map(select(.op == $op and .system == "cg" and .method != "lib-nocatchup")) | first) as $c
      | ($inproc | map(select(.op == $op and .system == "cg" and .method == "lib-nocatchup")) | first) as $n
      | ($inproc | map(select(.op == $op and .system == "sqlite")) | sort_by(.p50_us) | first) as $q
      | ($inproc | map(select(.op == $op and .system == "floor")) | first) as $f
      | select($c or $q)
      | ([$c, $q, $f] | map(select(. != null and .answers != null) | .answers) | unique) as $ans
      | "| \($op)\(if $q and ($inproc | map(select(.op == $op and .system == "sqlite")) | length) > 1 then " (SQLite: \($q.method))" else "" end) | \(r($c.p50_us)) | \(r($c.p99_us)) | \(r($q.p50_us)) | \(r($q.p99_us)) | \(r($f.p50_us)) | \(r($f.p99_us)) | \(ratio($c.p50_us; $q.p50_us)) (\(ratio($c.p99_us; $q.p99_us))) | \(ratio($c.p50_us; $f.p50_us)) (\(ratio($c.p99_us; $f.p99_us))) | \(r($n.p50_us)) | \(if ($ans | length) <= 1 then "agree" else "DIFFER: cg \($c.answers), SQLite \($q.answers), floor \($f.answers // "-")" end) |")
' "$F"
