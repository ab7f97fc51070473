#!/usr/bin/env bats
# reader.bats: how cg-query opens a store — read-only when no writer holds the lock, as a
# secondary beside one — catching up with every kind of change, and leaving no scratch
# directories behind however it ends.
bats_require_minimum_version 1.5.0
load helper

# Holds the writer lock from the shell, as a writer would, until killed; prints the pid.
hold_writer_lock() {
	echo 4242 >"$STORE/lock"
	flock -x "$STORE/lock" sleep 60 &
	holder=$!
	for _ in $(seq 50); do
		flock -n -s "$STORE/lock" true || break
		sleep 0.1
	done
}

release_writer_lock() {
	kill "$holder"
	wait "$holder" || true
}

scratch_dirs() {
	find "$TMPDIR" -maxdepth 1 -name 'cg-reader.*' | wc -l
}

# Sends one query line to the READER co-process and prints the count of its closing line.
ask() {
	echo "$1" >&"${READER[1]}"
	local line
	while read -r -t 10 line <&"${READER[0]}"; do
		if jq -e .done >/dev/null <<<"$line"; then
			jq -r .count <<<"$line"
			return 0
		fi
	done
	return 1
}

@test "a stream started on an empty store sees the first ingest, a bulk load of SST files" {
	run -0 cg-init -q
	coproc READER { exec cg-query - 2>&1; }
	reader=$READER_PID # bash unsets READER_PID once the co-process is gone
	[ "$(ask '{"op":"find","kind":"struct"}')" -eq 0 ]
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	want=$(cg-query find --kind struct | wc -l)
	[ "$want" -gt 0 ]
	[ "$(ask '{"op":"find","kind":"struct"}')" -eq "$want" ]
	# and a removal (another bulk change) as well
	run -0 cg-ingest -q --remove shapes_render
	want2=$(cg-query find --kind struct | wc -l)
	[ "$want2" -lt "$want" ]
	[ "$(ask '{"op":"find","kind":"struct"}')" -eq "$want2" ]
	exec {READER[1]}>&-
	wait "$reader"
}

@test "without a writer a reader opens read-only: no scratch directory, the writer lock free" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	coproc READER { exec cg-query - 2>&1; }
	reader=$READER_PID # bash unsets READER_PID once the co-process is gone
	[ "$(ask '{"op":"find","kind":"struct"}')" -gt 0 ]
	[ "$(scratch_dirs)" -eq 0 ]
	# a writer gets in while the reader stays open, and the reader follows it
	run -0 cg-ingest -q --remove shapes_render
	[ "$(ask '{"op":"find","crate":"shapes_render"}')" -eq 0 ]
	exec {READER[1]}>&-
	wait "$reader"
}

@test "a reader beside a writer holding the lock opens as a secondary and still answers" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	want=$(cg-query find --kind struct | wc -l)
	hold_writer_lock
	run -0 cg-query find --kind struct
	[ "${#lines[@]}" -eq "$want" ]
	[ "$(scratch_dirs)" -eq 0 ]
	release_writer_lock
}

@test "one-shot readers during repeated ingests see whole states, read-only or secondary" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	full=$(cg-query find --kind struct | wc -l)
	run -0 cg-ingest -q --remove shapes_render
	part=$(cg-query find --kind struct | wc -l)
	[ "$full" -ne "$part" ]
	(
		for _ in 1 2 3 4 5; do
			cg-ingest -q --workspace "$EXAMPLE_WS" || exit 1
			cg-ingest -q --remove shapes_render || exit 1
		done
	) &
	writer=$!
	while kill -0 "$writer" 2>/dev/null; do
		n=$(cg-query find --kind struct | wc -l)
		[ "$n" -eq "$full" ] || [ "$n" -eq "$part" ] || fail "a reader saw $n structs (whole states: $full, $part)"
	done
	wait "$writer"
	[ "$(scratch_dirs)" -eq 0 ]
}

@test "readers ended by SIGPIPE, SIGINT or SIGTERM leave no cg-reader directory" {
	run -0 cg-init -q
	run -0 cg-ingest -q --workspace "$EXAMPLE_WS"
	hold_writer_lock
	run -0 bash -c 'cg-query dump | head -1'
	[ "${#lines[@]}" -eq 1 ]
	# in the foreground: a shell starts background jobs with SIGINT ignored
	for sig in INT TERM; do
		run -124 timeout -s "$sig" 1 cg-query - < <(sleep 3)
	done
	[ "$(scratch_dirs)" -eq 0 ]
	release_writer_lock
}

@test "the leftovers of a SIGKILLed reader are swept by the next; a live reader's stay" {
	run -0 cg-init -q
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir -p "$TMPDIR/cg-reader.$dead.AbCdEf/000" "$TMPDIR/cg-reader.$$.GhIjKl/000"
	touch "$TMPDIR/cg-reader.$dead.AbCdEf/000/LOG"
	hold_writer_lock
	run -0 cg-query stats
	[ ! -e "$TMPDIR/cg-reader.$dead.AbCdEf" ]
	[ -d "$TMPDIR/cg-reader.$$.GhIjKl" ]
	release_writer_lock
}

# Prints the share (0-100) of FILE's pages in the page cache, by mincore(2).
resident_percent() {
	python3 - "$1" <<'PY'
import ctypes, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
vec = (ctypes.c_ubyte * pages)()
if libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec) != 0:
    sys.exit("mincore failed")
print(100 * sum(v & 1 for v in vec) // pages)
PY
}

@test "a bulk ingest leaves the files it wrote in the page cache for the first readers" {
	cg-init -q
	cg-ingest -q --bulk --workspace "$EXAMPLE_WS"
	ssts=("$STORE"/shard-000/*.sst)
	[ "${#ssts[@]}" -ge 1 ]
	for f in "${ssts[@]}"; do
		# RocksDB's SstFileWriter drops what it writes from the cache; cg reads it back,
		# asynchronously: give the kernel a moment
		for _ in $(seq 50); do
			[ "$(resident_percent "$f")" -ge 90 ] && break
			sleep 0.1
		done
		pct=$(resident_percent "$f")
		[ "$pct" -ge 90 ] || fail "$f: $pct % resident"
	done
}
