#!/bin/sh
# Instructions per 1-byte read through osx_read vs read(2), counted by
# callgrind (deterministic, unlike time on a noisy machine).  The
# difference between N and 2N reads cancels start-up cost.
set -eu
bench=$1
count() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" count "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
n=20000
osx=$(( $(count osx $((2 * n))) - $(count osx $n) ))
raw=$(( $(count raw $((2 * n))) - $(count raw $n) ))
awk -v o="$osx" -v r="$raw" -v n="$n" 'BEGIN {
	printf "instructions per 1-byte read: osx_read %.1f  read(2) %.1f  overhead %.1f (%.2f%%)\n",
		o / n, r / n, (o - r) / n, 100 * (o - r) / r }'
