# crash.sh: SIGKILLs cg-ingest at random moments during a cold bulk load, an incremental
# change and a removal, then checks that the store opens, cg-verify is clean, and every unit
# (and the store as a whole) is wholly in its old or wholly in its new state. Sourced by run.sh.

# crash_scenario NAME START TRIALS CMD...: START is a prepared store under $W/states; CMD is
# a cg-ingest command line to which -d STORE is appended.
crash_scenario() {
	local name=$1 start=$W/states/$2 trials=$3 dir=$W/crash/$1
	shift 3
	rm -rf "$dir" && mkdir -p "$dir"
	cp -a "$start" "$dir/new"
	local t0 t1
	t0=$(rel_now_ms)
	"$@" -q -d "$dir/new" || { rel_fail "crash/$name: the reference run failed"; return; }
	t1=$(rel_now_ms)
	local span=$(((t1 - t0) * 12 / 10 + 5))
	rel_dump "$start" "$dir/old.dump" && rel_dump "$dir/new" "$dir/new.dump" || {
		rel_fail "crash/$name: cannot dump the reference states"; return; }
	local hold hnew
	hold=$(rel_hash "$dir/old.dump")
	hnew=$(rel_hash "$dir/new.dump")
	[ "$hold" != "$hnew" ] || { rel_fail "crash/$name: the change changes nothing"; return; }
	# per-unit references, for stores small enough to take apart with jq
	local units=() u hu per_unit=0
	local -A old_unit=() new_unit=()
	if [ "$(wc -l <"$dir/new.dump")" -lt 50000 ]; then
		per_unit=1
		mapfile -t units < <(rel_units "$dir/old.dump" "$dir/new.dump")
		while read -r u hu; do old_unit[$u]=$hu; done < <(rel_unit_hashes "$dir/old.dump" "$dir/units" "${units[@]}")
		while read -r u hu; do new_unit[$u]=$hu; done < <(rel_unit_hashes "$dir/new.dump" "$dir/units" "${units[@]}")
	fi
	local n_old=0 n_new=0 n_done=0 n_unit=0 fails0=$REL_FAILS i
	for ((i = 1; i <= trials; i++)); do
		local t=$dir/trial ms rc h
		rm -rf "$t" && cp -a "$start" "$t"
		ms=$(rel_rand "$span" "$i" "$name")
		# (braces so that the shell's "Killed" notice goes to /dev/null, not the log)
		{ timeout -s KILL "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" "$@" -q -d "$t" \
			>/dev/null 2>"$dir/err"; } 2>/dev/null
		rc=$?
		case $rc in
		0) n_done=$((n_done + 1)) ;;
		137) ;;
		*) rel_fail "crash/$name trial $i: cg-ingest exited $rc: $(head -c 300 "$dir/err")"; continue ;;
		esac
		cg-verify -d "$t" >"$dir/verify.out" 2>&1 ||
			{ rel_fail "crash/$name trial $i (kill at ${ms} ms): cg-verify: $(head -c 300 "$dir/verify.out")"; continue; }
		rel_dump "$t" "$dir/t.dump" || { rel_fail "crash/$name trial $i: the store does not dump"; continue; }
		h=$(rel_hash "$dir/t.dump")
		if [ "$per_unit" = 1 ]; then
			local checked=0
			while read -r u hu; do
				checked=$((checked + 1))
				if [ "$hu" = "${old_unit[$u]}" ] || [ "$hu" = "${new_unit[$u]}" ]; then
					n_unit=$((n_unit + 1))
				else
					rel_fail "crash/$name trial $i (kill at ${ms} ms): unit $u is neither old nor new"
				fi
			done < <(rel_unit_hashes "$dir/t.dump" "$dir/units" "${units[@]}")
			[ "$checked" = "${#units[@]}" ] ||
				rel_fail "crash/$name trial $i: $checked of ${#units[@]} units could be taken apart"
		fi
		if [ "$h" = "$hold" ]; then
			n_old=$((n_old + 1))
			# the interrupted change can simply be run again
			"$@" -q -d "$t" >/dev/null 2>"$dir/err" && rel_dump "$t" "$dir/t.dump" &&
				[ "$(rel_hash "$dir/t.dump")" = "$hnew" ] ||
				rel_fail "crash/$name trial $i: running the change again after the kill did not reach the new state"
		elif [ "$h" = "$hnew" ]; then
			n_new=$((n_new + 1))
		else
			cp "$dir/t.dump" "$dir/mismatch.$i.dump"
			rel_fail "crash/$name trial $i (kill at ${ms} ms): the store is neither the old nor the new state (dump in $dir/mismatch.$i.dump)"
		fi
	done
	printf '{"part":"crash","scenario":"%s","trials":%d,"window_ms":%d,"old":%d,"new":%d,"completed_before_kill":%d,"unit_checks":%d,"failures":%d}\n' \
		"$name" "$trials" "$span" "$n_old" "$n_new" "$n_done" "$n_unit" $((REL_FAILS - fails0))
	rm -rf "$dir/trial"
}

crash_part() {
	local k=$REL_CRASH_TRIALS
	crash_scenario bulk-load empty "$k" cg-ingest --ndjson --unit gen "$W/g1.ndjson"
	crash_scenario ndjson-change gen1 "$k" cg-ingest --ndjson --unit gen "$W/g1c.ndjson"
	crash_scenario ndjson-remove gen1 "$k" cg-ingest --remove gen
	crash_scenario ws-cold empty "$k" cg-ingest -w "$EXAMPLE_WS"
	crash_scenario ws-replace ws "$k" cg-ingest -w "$EXAMPLE_WS" --doc-dir "$EXAMPLE_WS/json-extra" --features shapes-core/extra
	crash_scenario ws-remove ws "$k" cg-ingest --remove shapes_render
	if [ -d "$DEVWS/json" ]; then
		crash_scenario devws-replace devws "$k" cg-ingest -w "$DEVWS" --doc-dir "$DEVWS/json-extra" --features devws-core/extra
	fi
}
