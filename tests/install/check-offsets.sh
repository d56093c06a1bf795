#!/bin/sh
# No 32-bit layout trap: tests/install/offsets.c built against the library
# of BUILD with and without -D_FILE_OFFSET_BITS=64 must print the same type
# sizes, and both must handle offsets beyond 4 GiB.  On a 64-bit system
# the two builds are the same; CI runs it on i386.
#   check-offsets.sh BUILD C-COMPILER [FLAGS...]   (from the source root)
set -eu
build=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for bits in default 64; do
	def=""
	[ $bits = 64 ] && def=-D_FILE_OFFSET_BITS=64
	"$@" -std=gnu11 -Wall -Wextra -Werror $def -Iinclude -o "$work/offsets-$bits" \
		tests/install/offsets.c -L"$build/src" -losx -Wl,-rpath,"$(cd "$build/src" && pwd)"
	"$work/offsets-$bits" "$work/sparse-$bits" >"$work/out-$bits" ||
		{ cat "$work/out-$bits"; echo "FAIL: the consumer built with _FILE_OFFSET_BITS=$bits"; exit 1; }
done
if ! cmp -s "$work/out-default" "$work/out-64"; then
	echo "FAIL: public types change size with _FILE_OFFSET_BITS:"
	diff "$work/out-default" "$work/out-64" || true
	exit 1
fi
echo "the same layout with and without _FILE_OFFSET_BITS=64, offsets beyond 4 GiB: ok"
