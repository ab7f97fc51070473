# poke.bash: builds tests/tools/cg-test-poke.c (a test-only store damager) against the
# library of $CG_BUILDDIR, with the link flags of config.mk and the sanitizers the library
# was built with. Call build_poke from setup_file; it sets $POKE.
build_poke() {
	local libs san=""
	libs=$(sed -n 's/^LIBS *= *//p' "$CG_ROOT/config.mk")
	if nm "$CG_BUILDDIR/libcg.a" 2>/dev/null | grep -q __asan_; then
		san="-fsanitize=address,undefined -fno-omit-frame-pointer"
	fi
	POKE="$BATS_FILE_TMPDIR/cg-test-poke"
	# shellcheck disable=SC2086
	cc -std=c11 -D_GNU_SOURCE -O1 -g $san -I"$CG_ROOT/lib" "$CG_ROOT/tests/tools/cg-test-poke.c" \
		-o "$POKE" "$CG_BUILDDIR/libcg.a" $libs
	export POKE
}
