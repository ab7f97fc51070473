# corrupt.sh: random byte flips in SST files and in record values of a copy of a store; each
# flip is classified by what a reader sees, and cg-verify and cg-query are held to their
# contract: damage in live data is detected (cg-verify exit 1), a damaged record is refused
# with exit 65 or 74 and a message naming the key or file, nothing crashes, and no answer
# ever differs from the undamaged store's. Sourced by run.sh.

# Compiles tests/tools/cg-test-poke.c like tests/tools/poke.bash does.
corrupt_poke() {
	local libs san=""
	libs=$(sed -n 's/^LIBS *= *//p' "$CG_ROOT/config.mk")
	nm "$CG_BUILDDIR/libcg.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
	# shellcheck disable=SC2086
	cc -std=c11 -D_GNU_SOURCE -O1 -g $san -I"$CG_ROOT/lib" "$CG_ROOT/tests/tools/cg-test-poke.c" \
		-o "$W/cg-test-poke" "$CG_BUILDDIR/libcg.a" $libs
}

# corrupt_reader WHAT RC OUT ERR WANT: one reader's result after a flip. Prints "ok" (same
# answer as before), "refused" (a clear refusal whose output so far is all correct) or
# nothing after reporting a failure.
corrupt_reader() {
	local what=$1 rc=$2 out=$3 err=$4 want=$5
	if [ "$rc" -ge 128 ]; then
		rel_fail "$what: killed by signal $((rc - 128)): $(head -c 300 "$err")"
	elif [ "$rc" = 0 ]; then
		cmp -s "$out" "$want" && echo ok || rel_fail "$what: exit 0 with an answer that differs from the undamaged store's"
	elif [ "$rc" != 65 ] && [ "$rc" != 74 ]; then
		rel_fail "$what: exit $rc (want 65 or 74): $(head -c 300 "$err")"
	elif ! grep -Eq '^cg-query: .*([vemi]:[0-9a-z_]|\.sst|shard-[0-9])' "$err"; then
		rel_fail "$what: the refusal names no key or file: $(head -c 300 "$err")"
	elif [ -n "$(LC_ALL=C comm -23 <(LC_ALL=C sort "$out") <(LC_ALL=C sort "$want"))" ]; then
		rel_fail "$what: printed lines the undamaged store does not have before refusing"
	else
		echo refused
	fi
}

# corrupt_check NAME I STORE: runs cg-verify, a dump and two queries on a damaged copy;
# sets C_LIVE (a reader saw the damage) and C_DETECTED (cg-verify exit 1).
corrupt_check() {
	local name=$1 i=$2 t=$3 d=$W/corrupt rv r1 r2 r3
	cg-verify -d "$t" >"$d/v.out" 2>"$d/v.err"
	rv=$?
	cg-query -d "$t" dump >"$d/dump" 2>"$d/dump.err"
	r1=$(corrupt_reader "$name $i: dump" $? "$d/dump" "$d/dump.err" "$d/want.dump")
	cg-query -d "$t" find --crate shapes_core >"$d/q1" 2>"$d/q1.err"
	r2=$(corrupt_reader "$name $i: find" $? "$d/q1" "$d/q1.err" "$d/want.q1")
	cg-query -d "$t" traverse shapes_cli --depth 4 --both >"$d/q2" 2>"$d/q2.err"
	r3=$(corrupt_reader "$name $i: traverse" $? "$d/q2" "$d/q2.err" "$d/want.q2")
	[ "$rv" -lt 128 ] || rel_fail "$name $i: cg-verify killed by signal $((rv - 128))"
	C_LIVE=0 C_DETECTED=0
	[ "$r1" = refused ] || [ "$r2" = refused ] || [ "$r3" = refused ] && C_LIVE=1
	[ "$rv" = 1 ] && C_DETECTED=1
	if [ "$C_LIVE" = 1 ] && [ "$C_DETECTED" = 0 ]; then
		rel_fail "$name $i: readers refuse the store but cg-verify exits $rv: $(head -c 300 "$d/v.err")"
	fi
}

corrupt_sst() {
	local d=$W/corrupt n=$REL_SST_FLIPS i live=0 harmless=0 det_harmless=0 fails0=$REL_FAILS
	local files=()
	mapfile -t files < <(cd "$W/states/ws" && find . -name '*.sst' | sort)
	for ((i = 1; i <= n; i++)); do
		local t=$d/t f size off x old
		rm -rf "$t" && cp -a "$W/states/ws" "$t"
		f=$t/${files[$(rel_rand ${#files[@]} "$i" sst-file)]}
		size=$(stat -c %s "$f")
		off=$(rel_rand "$size" "$i" sst-off)
		x=$((1 + $(rel_rand 255 "$i" sst-xor)))
		old=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
		printf "$(printf '\\%03o' $((old ^ x)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		corrupt_check "sst flip (${f#"$t"/} @$off ^$x)" "$i" "$t"
		if [ "$C_LIVE" = 1 ]; then
			live=$((live + 1))
		else
			harmless=$((harmless + 1))
			det_harmless=$((det_harmless + C_DETECTED))
		fi
	done
	printf '{"part":"corrupt","scenario":"sst-flips","flips":%d,"live":%d,"live_detected":%d,"harmless":%d,"harmless_flagged_by_verify":%d,"failures":%d}\n' \
		"$n" "$live" "$live" "$harmless" "$det_harmless" $((REL_FAILS - fails0))
}

corrupt_values() {
	local d=$W/corrupt n=$REL_VAL_FLIPS i live=0 fails0=$REL_FAILS nkeys
	"$W/cg-test-poke" "$W/states/ws" list >"$d/keys" || { rel_fail "values: cg-test-poke list failed"; return; }
	nkeys=$(wc -l <"$d/keys")
	for ((i = 1; i <= n; i++)); do
		local t=$d/t line key hk hv off
		# "SHARD READABLE-KEY HEXKEY HEXVALUE"; readable keys may hold spaces
		line=$(sed -n "$(($(rel_rand "$nkeys" "$i" val-key) + 1))p" "$d/keys")
		hv=${line##* } line=${line% *}
		hk=${line##* } line=${line% *}
		key=${line#* }
		off=$(rel_rand $((${#hv} / 2)) "$i" val-off)
		rm -rf "$t" && cp -a "$W/states/ws" "$t"
		"$W/cg-test-poke" "$t" flip "$hk" "$off" || { rel_fail "values: poke flip $key failed"; continue; }
		corrupt_check "value flip ($key @$off)" "$i" "$t"
		live=$((live + C_LIVE))
		# every value byte is checksummed: the dump must refuse, naming the key
		[ "$C_LIVE" = 1 ] && grep -qF "$key" "$d/dump.err" ||
			rel_fail "value flip $i ($key @$off): the dump does not refuse naming the key: $(head -c 300 "$d/dump.err")"
		[ "$C_DETECTED" = 1 ] || rel_fail "value flip $i ($key @$off): cg-verify did not detect it"
	done
	printf '{"part":"corrupt","scenario":"value-flips","flips":%d,"keys":%d,"live":%d,"live_detected":%d,"failures":%d}\n' \
		"$n" "$nkeys" "$live" "$live" $((REL_FAILS - fails0))
}

corrupt_part() {
	local d=$W/corrupt
	mkdir -p "$d"
	corrupt_poke || { rel_fail "corrupt: cannot build cg-test-poke"; return; }
	cg-query -d "$W/states/ws" dump >"$d/want.dump" &&
		cg-query -d "$W/states/ws" find --crate shapes_core >"$d/want.q1" &&
		cg-query -d "$W/states/ws" traverse shapes_cli --depth 4 --both >"$d/want.q2" ||
		{ rel_fail "corrupt: the undamaged store does not answer"; return; }
	corrupt_sst
	corrupt_values
	rm -rf "$d/t"
}
