#!/bin/sh
# examples/osx-find against find(1): the same entries (as sets) on awkward
# generated trees and on /usr, with each option, and the same exit status.
set -eu
find_=$1
dir=$(mktemp -d)
trap 'chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# Same set of NUL-terminated paths and same exit status.  $1: find's
# options before the root (-L), $2: after it; osx-find gets both.
same() {
	pre=$1 post=$2 root=$3
	want=0 got=0
	# shellcheck disable=SC2086
	find $pre "$root" -mindepth 1 $post -print0 >"$dir.want" 2>/dev/null || want=$?
	# shellcheck disable=SC2086
	"$find_" -0 $pre $post "$root" >"$dir.got" 2>/dev/null || got=$?
	sort -z "$dir.want" >"$dir.want.s"
	sort -z "$dir.got" >"$dir.got.s"
	cmp -s "$dir.want.s" "$dir.got.s" ||
		fail "osx-find $pre $post $root lists other entries than find"
	[ $((want != 0)) -eq $((got != 0)) ] ||
		fail "osx-find $pre $post $root: exit $got, find: $want"
	rm -f "$dir.want" "$dir.got" "$dir.want.s" "$dir.got.s"
}

t=$dir/tree
mkdir -p "$t/a/b/c" "$t/empty" "$t/big"
: >"$t/a/b/c/file"
: >"$t/ space" ; : >"$t/-dash"; : >"$t/new
line"
: >"$(printf '%s/\377\376 bad utf-8' "$t")"
: >"$t/$(printf '%255s' '' | tr ' ' n)"
mkdir "$t/$(printf '%255s' '' | tr ' ' d)"
i=0
while [ $i -lt 5000 ]; do : >"$t/big/entry-$i"; i=$((i + 1)); done
ln -s a "$t/dirlink"; ln -s nowhere "$t/dangling"; ln -s .. "$t/a/loop"
ln -s /usr/share/doc "$t/abs-dir-link"
mkfifo "$t/fifo"
if command -v python3 >/dev/null; then
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$t/sock"
fi
# A chain deeper than PATH_MAX: 20 levels of 255-byte names, in a tree of
# its own, as find -L stops short of its bottom (it stats full paths).
deep=$dir/deep
long=$(printf '%255s' '' | tr ' ' L)
# (Ten levels at a time: a shell cannot cd where $PWD is over PATH_MAX.)
ten=$long/$long/$long/$long/$long/$long/$long/$long/$long/$long
mkdir "$deep"
(cd "$deep" && mkdir -p "$ten" && cd "$ten" && mkdir -p "$ten" && : >"$ten/deep-file")

for opts in "" "-type f" "-type d" "-type l" "-maxdepth 1" "-maxdepth 3" "-xdev" \
	"-type f -maxdepth 2"; do
	same "" "$opts" "$t"
	same "-L" "$opts" "$t"
done
same "" "" "$t/"
same "" "" "$deep"
same "" "-type f" "$deep"
[ "$("$find_" -type f -count "$deep")" = 1 ] || fail "osx-find: the bottom of the deep chain"
same "" "" "$t/dirlink"
same "" "" "$t/a/b/c/file"

# -count and a loop's error message (exit 1 as find -L).
[ "$("$find_" -count "$t")" -eq "$(find "$t" -mindepth 1 -printf x | wc -c)" ] ||
	fail "osx-find -count"
if "$find_" -L "$t" >/dev/null 2>"$dir.err"; then fail "osx-find -L on a loop exited 0"; fi
# The text is the C library's strerror (glibc's and musl's differ).
loop_error=$("$(dirname "$find_")/osx-oserror" ELOOP "$t/a/loop")
grep -qF "$loop_error" "$dir.err" ||
	fail "osx-find -L: no loop error"
if "$find_" "$dir/missing" 2>"$dir.err"; then fail "osx-find of a missing root exited 0"; fi
grep -qF "osx-find: [Errno 2] No such file or directory: '$dir/missing'" "$dir.err" ||
	fail "osx-find: missing root message"
rm -f "$dir.err"

# An unreadable directory: listed, reported, exit 1, the rest still listed.
mkdir "$t/locked" && : >"$t/locked/secret" && chmod 000 "$t/locked"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		chmod 755 "$dir"
		run() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
		run find "$t" -mindepth 1 -print0 >"$dir.want" 2>/dev/null || :
		run "$find_" -0 "$t" >"$dir.got" 2>"$dir.err" || :
		[ "$(sort -z "$dir.want" | md5sum)" = "$(sort -z "$dir.got" | md5sum)" ] ||
			fail "osx-find on an unreadable directory"
		grep -qF "[Errno 13] Permission denied: '$t/locked'" "$dir.err" ||
			fail "osx-find: no EACCES for the unreadable directory"
		if run "$find_" "$t" >/dev/null 2>&1; then fail "unreadable: exit 0"; fi
		rm -f "$dir.want" "$dir.got" "$dir.err"
	else
		echo "setpriv missing: unreadable directory case not run as a user"
	fi
else
	same "" "" "$t"
fi
chmod 755 "$t/locked"

# The real thing: /usr, as sets, and regular files only.
same "" "" /usr
same "" "-type f" /usr

[ "$fails" -eq 0 ] || exit 1
echo "osx-find: all checks passed"
