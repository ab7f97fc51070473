#!/usr/bin/env bats
# install.bats: make install/uninstall with DESTDIR and PREFIX; the shell completions.
bats_require_minimum_version 1.5.0
load helper

# make in the source tree on the binaries already built in $CG_BUILDDIR, as a user would
# run it, and not as a part of the make that may be running these tests.
cg_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$CG_ROOT" B="$CG_BUILDDIR" "$@"
}

# The options a tool's --help defines: the leading ones of each option line, and those a
# query-kind line names (cg-query); options in prose and examples do not count.
help_options() {
	"$1" --help | awk '
		/^[ \t]+-/ {
			for (i = 1; i <= NF; i++) {
				w = $i
				sub(/,$/, "", w)
				if (w !~ /^--?[A-Za-z]/) break
				sub(/[=[].*/, "", w)
				print w
			}
			next
		}
		/^[ \t]+[a-z]/ && $1 !~ /^cg-/ {
			for (i = 1; i <= NF; i++) {
				n = split($i, part, /[][|\/]/)
				for (j = 1; j <= n; j++)
					if (part[j] ~ /^--[a-z]/) { sub(/[;,.)]+$/, "", part[j]); print part[j] }
			}
		}
	' | sort -u
}

# What _cg offers for the command line "$@" (the last word is the one being completed).
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cg; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$CG_ROOT/completions/cg.bash" "$@"
}

sorted_complete() {
	complete_words "$@" | sort
}

binaries() {
	for src in "$CG_ROOT"/cmd/cg-*.c; do basename "$src" .c; done
}

@test "make install puts binaries, man pages and completions under DESTDIR/PREFIX" {
	root="$BATS_TEST_TMPDIR/root"
	run -0 cg_make install DESTDIR="$root" PREFIX=/usr
	for b in $(binaries); do
		[ -x "$root/usr/bin/$b" ]
		[ "$(stat -c %a "$root/usr/bin/$b")" = 755 ]
		[ -f "$root/usr/share/man/man1/$b.1" ]
		[ "$(readlink "$root/usr/share/bash-completion/completions/$b")" = cg ]
	done
	[ "$(stat -c %a "$root/usr/share/man/man7/cg.7")" = 644 ]
	cmp "$CG_ROOT/completions/cg.bash" "$root/usr/share/bash-completion/completions/cg"
	cmp "$CG_ROOT/completions/_cg" "$root/usr/share/zsh/site-functions/_cg"
	run -0 "$root/usr/bin/cg-init" --version
	assert_output "cg-init (cg) 0.1.0"
	run -0 "$root/usr/bin/cg-init" -q "$BATS_TEST_TMPDIR/s"
	[ -f "$BATS_TEST_TMPDIR/s/MANIFEST.json" ]
	[ ! -e "$root/usr/local" ]
}

@test "make uninstall removes everything make install put there" {
	root="$BATS_TEST_TMPDIR/root"
	run -0 cg_make install DESTDIR="$root" PREFIX=/opt/cg
	[ -x "$root/opt/cg/bin/cg-init" ]
	run -0 cg_make uninstall DESTDIR="$root" PREFIX=/opt/cg
	run -0 find "$root" ! -type d
	assert_output ""
}

@test "the installed bash completion loads and completes cg-init --sh to --shards" {
	root="$BATS_TEST_TMPDIR/root"
	run -0 cg_make install DESTDIR="$root" PREFIX=/usr
	run -0 bash -c 'source "$1"; complete -p cg-init; COMP_WORDS=(cg-init --sh); COMP_CWORD=1; _cg; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$root/usr/share/bash-completion/completions/cg-init"
	assert_line "complete -F _cg cg-init"
	assert_line "--shards"
	assert_line "--shard-dir"
	refute_line "--cache-mb"
}

@test "the bash-completion package loads the completion on demand" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	root="$BATS_TEST_TMPDIR/root"
	run -0 cg_make install DESTDIR="$root" PREFIX=/usr
	run -0 env XDG_DATA_DIRS="$root/usr/share" bash -c \
		'source /usr/share/bash-completion/bash_completion; _completion_loader cg-init; complete -p cg-init'
	assert_output --partial "-F _cg cg-init"
}

@test "bash completion: option values, directories, --opt=value" {
	mkdir -p "$BATS_TEST_TMPDIR/wd/stores/a" "$BATS_TEST_TMPDIR/wd/stuff"
	touch "$BATS_TEST_TMPDIR/wd/stfile"
	cd "$BATS_TEST_TMPDIR/wd"
	run -0 sorted_complete cg-init -d st
	assert_output $'stores\nstuff'
	run -0 complete_words cg-init --dir = stor
	assert_output "stores"
	run -0 complete_words cg-init --shards ""
	assert_output ""
	run -0 sorted_complete cg-init --shards 2 st
	assert_output $'stores\nstuff'
	run -0 complete_words cg-init --ver
	assert_output "--version"
	run -0 complete_words cg-query -d x imp
	assert_output "implementors"
	run -0 complete_words cg-query export neigh
	assert_output "neighbors"
	run -0 complete_words cg-query neighbors X --type Calls,Im
	assert_output "Calls,Implements"
	run -0 complete_words cg-query export vertex X --format d
	assert_output "dot"
	run -0 complete_words cg-backup re
	assert_output "restore"
}

@test "bash completion offers every option of every binary's --help" {
	for b in $(binaries); do
		run -0 complete_words "$b" -
		offered=$output
		for opt in $(help_options "$CG_BUILDDIR/bin/$b"); do
			grep -qxF -- "$opt" <<<"$offered" || { echo "$b: $opt not completed" >&2; return 1; }
		done
	done
}

@test "bash and zsh completions are registered for every binary" {
	registered=$(sed -n 's/^complete -F _cg //p' "$CG_ROOT/completions/cg.bash")
	compdef=$(sed -n '1s/^#compdef //p' "$CG_ROOT/completions/_cg")
	for b in $(binaries); do
		[[ " $registered " == *" $b "* ]] || { echo "bash: $b not registered" >&2; return 1; }
		[[ " $compdef " == *" $b "* ]] || { echo "zsh: $b not in #compdef" >&2; return 1; }
		for opt in $(help_options "$CG_BUILDDIR/bin/$b" | grep '^--'); do
			[ "$opt" = --help ] || [ "$opt" = --version ] || [ "$opt" = --dir ] ||
				grep -qE -- "(^|[^a-z-])$opt([^a-z-]|$)" <(awk -v b="$b" '$0 ~ "^"b"\\)" {p=1} p && /;;/ {p=0} p' "$CG_ROOT/completions/_cg") ||
				{ echo "zsh: $b $opt missing" >&2; return 1; }
		done
	done
}
