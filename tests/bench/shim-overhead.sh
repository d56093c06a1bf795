#!/bin/sh
# Instructions per 1-byte read through osx_read vs read(2), counted by
# callgrind (deterministic, unlike time on a noisy machine).  The
# difference between N and 2N reads cancels start-up cost.  Also split:
# osx_read's own instructions (the shim is inline in it on x86-64) against
# libc's read wrapper.
set -eu
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # mode n -> callgrind file
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.$2" "$bench" count "$1" "$2" \
		>/dev/null 2>&1
	echo "$tmp/$1.$2"
}
total() { sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$1"; }
# Self cost of the function whose name matches $2 (callgrind_annotate).
self() {
	callgrind_annotate "$1" 2>/dev/null |
		awk -v f="$2" '$0 ~ f { gsub(",", "", $1); print $1; exit }'
}
n=20000
o1=$(run osx $n) o2=$(run osx $((2 * n)))
r1=$(run raw $n) r2=$(run raw $((2 * n)))
osx=$(( $(total "$o2") - $(total "$o1") ))
raw=$(( $(total "$r2") - $(total "$r1") ))
api=$(( $(self "$o2" ':osx_read ') - $(self "$o1" ':osx_read ') ))
libc=$(( $(self "$r2" 'read.c:read ') - $(self "$r1" 'read.c:read ') ))
awk -v o="$osx" -v r="$raw" -v a="$api" -v l="$libc" -v n="$n" 'BEGIN {
	printf "instructions per 1-byte read: osx_read %.1f  read(2) %.1f  overhead %.1f (%+.2f%%)\n",
		o / n, r / n, (o - r) / n, 100 * (o - r) / r
	printf "osx_read itself (shim inline) %.1f vs libc'"'"'s read wrapper %.1f\n", a / n, l / n }'
