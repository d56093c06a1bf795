#!/bin/sh
# examples/osx-cat and osx-cp against cat(1) and cp(1) on real files.
set -eu
cat_=$1 cp_=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { if "$@"; then :; else echo "FAILED: $*"; fails=$((fails + 1)); fi; }

head -c 3000000 /dev/urandom >"$dir/big"
printf 'one\n' >"$dir/a"
printf 'two\nno newline' >"$dir/b"

# cat: files, stdin in the middle, identical bytes to cat(1)
printf 'from stdin\n' | "$cat_" "$dir/a" - "$dir/b" "$dir/big" >"$dir/out1"
printf 'from stdin\n' | cat "$dir/a" - "$dir/b" "$dir/big" >"$dir/out2"
check cmp -s "$dir/out1" "$dir/out2"
printf 'only stdin' | "$cat_" >"$dir/out3"
check test "$(cat "$dir/out3")" = "only stdin"
# a missing file: Python's message, exit 1, the other files still copied
if "$cat_" "$dir/a" "$dir/missing" "$dir/b" >"$dir/out4" 2>"$dir/err4"; then
	echo "FAILED: osx-cat with a missing file exited 0"; fails=$((fails + 1))
fi
check grep -qF "[Errno 2] No such file or directory: '$dir/missing'" "$dir/err4"
check test "$(cat "$dir/out4")" = "$(cat "$dir/a" "$dir/b")"

# cp: same bytes, same mode, over an existing file too
chmod 640 "$dir/big"
"$cp_" "$dir/big" "$dir/copy"
check cmp -s "$dir/big" "$dir/copy"
check test "$(stat -c %a "$dir/copy")" = 640
printf 'old content that is longer than the new' >"$dir/over"
"$cp_" "$dir/a" "$dir/over"
check cmp -s "$dir/a" "$dir/over"
check test "$(stat -c %a "$dir/over")" = "$(stat -c %a "$dir/a")"
if "$cp_" "$dir/missing" "$dir/x" 2>"$dir/err5"; then
	echo "FAILED: osx-cp of a missing file exited 0"; fails=$((fails + 1))
fi
check grep -qF "osx-cp: [Errno 2] No such file or directory: '$dir/missing'" "$dir/err5"

echo "$((12 - fails)) passed, $fails failed"
test "$fails" = 0
