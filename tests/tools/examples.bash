# examples.bash: runs the EXAMPLES of a man page ("$ " lines of its .EX blocks, roff escapes
# undone) in order in one shell, in an empty directory holding a link to examples/ws.
run_page_examples() {
	local page=$1 dir="$BATS_TEST_TMPDIR/ex"
	mkdir -p "$dir/examples"
	ln -sfn "$EXAMPLE_WS" "$dir/examples/ws"
	awk '
		/^\.SH / { in_ex = ($0 ~ /^\.SH "?EXAMPLES"?$/) }
		in_ex && /^\.EX/ { block = 1; next }
		in_ex && /^\.EE/ { block = 0; next }
		in_ex && block && /^\$ / { print substr($0, 3) }
	' "$page" | sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(rs/\\/g' -e 's/\\e/\\/g' >"$BATS_TEST_TMPDIR/ex.sh"
	[ -s "$BATS_TEST_TMPDIR/ex.sh" ] || return 1
	(cd "$dir" && unset CG_DIR && bash -euo pipefail "$BATS_TEST_TMPDIR/ex.sh")
}
