#!/bin/sh
# bench/table.sh: prints bench/results.ndjson as Markdown tables (machine, ingest and size,
# per-operation latency with the ratios cg/SQLite and cg/floor). Usage: sh bench/table.sh FILE
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
  | "\n### Scale \($s)\n",
    "| ingest | seconds | records/s | bytes on disk | bytes/edge | peak RSS MiB |",
    "|---|---:|---:|---:|---:|---:|",
    ($rows[] | select(.op == "ingest") |
      "| \(.system) (\(.method)) | \(.seconds) | \(.records_per_s // "-") | \(.bytes // "-") | \(.bytes_per_edge // "-") | \(if .peak_rss_kb then (.peak_rss_kb / 1024 | round) else "-" end) |"),
    ($rows[] | select(.op == "compact") |
      "| cg after cg-compact | \(.seconds) | | \(.bytes) | | |"),
    "",
    "| operation | cg p50 µs | cg p99 | SQLite p50 | SQLite p99 | floor p50 | floor p99 | cg/SQLite p50 (p99) | cg/floor p50 (p99) | cg p50 without catch-up check | answers |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ( ["get", "find", "out", "in", "hop3", "path", "cold_get"][] as $op
      | ($rows | map(select(.op == $op and .system == "cg" and .method != "lib-nocatchup")) | first) as $c
      | ($rows | map(select(.op == $op and .system == "cg" and .method == "lib-nocatchup")) | first) as $n
      | ($rows | map(select(.op == $op and .system == "sqlite")) | sort_by(.p50_us) | first) as $q
      | ($rows | map(select(.op == $op and .system == "floor")) | first) as $f
      | select($c or $q)
      | ([$c, $q, $f] | map(select(. != null and .answers != null) | .answers) | unique) as $ans
      | "| \($op)\(if $q and ($rows | map(select(.op == $op and .system == "sqlite")) | length) > 1 then " (SQLite: \($q.method))" else "" end) | \(r($c.p50_us)) | \(r($c.p99_us)) | \(r($q.p50_us)) | \(r($q.p99_us)) | \(r($f.p50_us)) | \(r($f.p99_us)) | \(ratio($c.p50_us; $q.p50_us)) (\(ratio($c.p99_us; $q.p99_us))) | \(ratio($c.p50_us; $f.p50_us)) (\(ratio($c.p99_us; $f.p99_us))) | \(r($n.p50_us)) | \(if ($ans | length) <= 1 then "agree" else "DIFFER: cg \($c.answers), SQLite \($q.answers), floor \($f.answers // "-")" end) |")
' "$F"
