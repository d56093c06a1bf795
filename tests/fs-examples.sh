#!/bin/sh
# examples/osx-stat and osx-mkdir side by side with GNU stat -c and
# mkdir: the same output, the same files (and modes), the same exit status.
set -eu
abs() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
stat_=$(abs "$1") mkdir_=$(abs "$2")
dir=$(mktemp -d)
trap 'chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
fails=0 checks=0
failed() { echo "FAILED: $*"; fails=$((fails + 1)); }

fmt='%n %s %a %A %F %i %h %u %g %X %Y %Z %W %Q %%'

# Both tools on the same arguments: stdout and exit status must agree.
same_stat() {
	checks=$((checks + 1))
	s1=0 s2=0
	"$stat_" "$@" >"$dir/o1" 2>/dev/null || s1=$?
	stat "$@" >"$dir/o2" 2>/dev/null || s2=$?
	[ "$s1" = "$s2" ] || failed "osx-stat $* exit $s1, stat $s2"
	cmp -s "$dir/o1" "$dir/o2" || { failed "osx-stat $*"; diff "$dir/o1" "$dir/o2" | head -5; }
}

# /usr, a few levels down (files, directories, symlinks, setuid programs).
find /usr -maxdepth 3 2>/dev/null | head -3000 >"$dir/usr"
# shellcheck disable=SC2046
(IFS='
'; set -f; same_stat -c "$fmt" -- $(cat "$dir/usr"); same_stat -L -c "$fmt" -- $(cat "$dir/usr"))

# An awkward tree.
t=$dir/tree
mkdir "$t" "$t/sub" "$t/locked"
printf 'data' >"$t/file"
: >"$t/empty"
printf 'x' >"$t/-dash"
printf 'x' >"$t/odd $(printf '\377\n\t') name"
ln "$t/file" "$t/hard"
ln -s file "$t/link"
ln -s nowhere "$t/dangling"
ln -s loop "$t/loop"
ln -s ../tree/sub "$t/sub/up"
mkfifo "$t/fifo"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$t/sock" 2>/dev/null || :
mknod "$t/null" c 1 3 2>/dev/null || :
mknod "$t/blk" b 7 0 2>/dev/null || :
chmod 4755 "$t/file"
chmod 2644 "$t/empty"
chmod 1777 "$t/sub"
chmod 0 "$t/locked"
touch -d '1970-01-01 00:00:01' "$t/-dash"
touch -h -d '2001-02-03 04:05:06.789' "$t/link"
for f in "$t" "$t"/* "$t"/sub/* "$t/missing" "$t/file/x"; do
	same_stat -c "$fmt" -- "$f"
	same_stat -L -c "$fmt" -- "$f"
done
same_stat -c '%n|%a' -- "$t/file" "$t/missing" "$t/link"
same_stat -c '' -- "$t/file"
same_stat -c 'trailing %' -- "$t/file"
# --help and --version: exit 0 as their twins (the texts differ).
same_status() {
	for a in --help --version; do
		checks=$((checks + 1))
		s1=0 s2=0
		"$1" "$a" >/dev/null || s1=$?
		"$2" "$a" >/dev/null || s2=$?
		[ "$s1" = "$s2" ] || failed "$1 $a exit $s1, $2 $s2"
	done
}
same_status "$stat_" stat

# mkdir: the tool in one directory, mkdir(1) in another, then compare
# what is there (names, types, modes) and the exit status.
same_mkdir() {
	checks=$((checks + 1))
	u=$1
	shift
	rm -rf "$dir/m1" "$dir/m2"
	mkdir "$dir/m1" "$dir/m2"
	printf 'x' >"$dir/m1/file"
	printf 'x' >"$dir/m2/file"
	mkdir -m 755 "$dir/m1/exists" "$dir/m2/exists"
	s1=0 s2=0
	(cd "$dir/m1" && umask "$u" && "$mkdir_" "$@") >"$dir/o1" 2>/dev/null || s1=$?
	(cd "$dir/m2" && umask "$u" && mkdir "$@") >"$dir/o2" 2>/dev/null || s2=$?
	[ "$s1" = "$s2" ] || failed "osx-mkdir $* (umask $u) exit $s1, mkdir $s2"
	cmp -s "$dir/o1" "$dir/o2" || failed "osx-mkdir $* (umask $u): output"
	(cd "$dir/m1" && find . -printf '%p %y %m\n' | sort) >"$dir/t1"
	(cd "$dir/m2" && find . -printf '%p %y %m\n' | sort) >"$dir/t2"
	cmp -s "$dir/t1" "$dir/t2" || { failed "osx-mkdir $* (umask $u): tree"; diff "$dir/t1" "$dir/t2" | head -5; }
}

for u in 022 077 0222 0700 0; do
	same_mkdir "$u" a
	same_mkdir "$u" -p a/b/c
	same_mkdir "$u" -p -m 700 a/b/c
	same_mkdir "$u" -p -m 1777 a//b/./c/
	same_mkdir "$u" -m 777 x y
	same_mkdir "$u" -m0 x
	same_mkdir "$u" exists
	same_mkdir "$u" -p exists
	same_mkdir "$u" -p exists/n/m
	same_mkdir "$u" -p -m 750 exists
	same_mkdir "$u" file
	same_mkdir "$u" -p file/x
	same_mkdir "$u" missing/x
	same_mkdir "$u" -- -dash
	same_mkdir "$u" -p ok file/x ok2
done
same_mkdir 022 -m 9 x
same_mkdir 022
same_status "$mkdir_" mkdir

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]
