#!/usr/bin/env bats
# ci.bats: .ci/run installs what the README tells a user to install, with the same flags.
bats_require_minimum_version 1.5.0
load helper

# Every "apt-get install ..." of a file, up to the next && or end of line, one per line.
installs() {
	grep -o 'apt-get install [^&]*' "$1" | sed 's/ *$//'
}

@test ".ci/run's apt-get installs are the README's, and its test command is the README's" {
	run -0 installs "$CG_ROOT/README.md"
	readme=$output
	run -0 installs "$CG_ROOT/.ci/run"
	assert_equal "$output" "$readme"
	test_cmd=$(grep -x 'apt-get install .* && make check' "$CG_ROOT/README.md")
	[ -n "$test_cmd" ]
	grep -qxF "$test_cmd" "$CG_ROOT/.ci/run"
	# the suite needs no recommended package: the test command says so
	[[ "$test_cmd" == "apt-get install -y --no-install-recommends "* ]]
}
