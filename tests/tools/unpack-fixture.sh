#!/bin/sh
# unpack-fixture.sh: unpacks a shipped fixture, tests/fixtures/NAME.tar.zst, into DIR/NAME
# unless it is there already. Usage: sh tests/tools/unpack-fixture.sh NAME DIR
# It unpacks into a temporary directory beside the target and renames it into place, so a
# caller running at the same time never sees a half-written tree.
set -eu
name=$1 dir=$2
archive=$(cd "$(dirname "$0")/../fixtures" && pwd)/$name.tar.zst
[ -d "$dir/$name" ] && exit 0
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
zstd -dcq "$archive" | tar -xf - -C "$tmp"
mv -T "$tmp/$name" "$dir/$name" 2>/dev/null || [ -d "$dir/$name" ]
