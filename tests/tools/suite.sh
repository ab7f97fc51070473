#!/usr/bin/env bash
# suite.sh: runs the unit test programs and the bats files or directories given (TAP, each
# test with its time), and ends with one line, "N passed, N failed, N skipped", counting each
# unit program and each bats test once. Exits 1 when anything failed or bats did not run every
# test it planned.
# Usage, from the repo root as `make check` runs it: bash tests/tools/suite.sh [PROGRAM|FILE.bats|DIR]...
set -u
passed=0 failed=0 skipped=0
units=() bats=()
for arg in "$@"; do
	if [ -d "$arg" ] || [[ $arg == *.bats ]]; then bats+=("$arg"); else units+=("$arg"); fi
done

for prog in "${units[@]}"; do
	if "$prog"; then
		passed=$((passed + 1)) && echo "ok - unit ${prog##*/}"
	else
		failed=$((failed + 1)) && echo "not ok - unit ${prog##*/}"
	fi
done

if [ ${#bats[@]} -gt 0 ]; then
	tap=$(mktemp) || exit 70
	bats --formatter tap --timing "${bats[@]}" | tee "$tap"
	bats_status=${PIPESTATUS[0]}
	# ok/not ok lines per test; tests the plan announced but bats never reported count as failed
	read -r p f s planned < <(awk '/^ok .* # skip/ { s++; next } /^ok / { p++ } /^not ok / { f++ }
		/^1\.\./ && !plan { plan = substr($0, 4) } END { print p + 0, f + 0, s + 0, plan + 0 }' "$tap")
	rm -f "$tap"
	unreported=$((planned - p - f - s))
	[ "$unreported" -gt 0 ] || unreported=0
	[ "$bats_status" -eq 0 ] || [ $((f + unreported)) -gt 0 ] || unreported=1
	passed=$((passed + p)) failed=$((failed + f + unreported)) skipped=$((skipped + s))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
