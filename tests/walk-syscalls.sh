#!/bin/sh
# The system calls osx-find (osx_walk) makes on a tree, counted exactly
# under strace: per directory one openat, one close and two getdents64 (the
# entries, then the end), and no stat of any entry: d_type is enough.  The
# root costs one lstat (statx), as no listing gives its type.
# Calls of the loader and of stdio are told apart by their paths (-y).
set -eu
find_=$1
case $find_ in /*) ;; *) find_=$(pwd -P)/$find_ ;; esac
command -v strace >/dev/null 2>&1 || { echo "no strace: skipped"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }

# A filesystem that fills d_type: ext4, tmpfs, btrfs, xfs (ftype=1).
pick() {
	for base in "${TMPDIR:-/tmp}" /dev/shm; do
		[ -d "$base" ] && [ -w "$base" ] || continue
		case $(stat -f -c %T "$base") in
		ext2/ext3|tmpfs|btrfs|xfs) echo "$base"; return 0 ;;
		esac
	done
	return 1
}
base=$(pick) || { echo "no filesystem known to fill d_type: skipped"; exit 77; }
dir=$(mktemp -d "$base/osx-walk-syscalls.XXXXXX")
trap 'rm -rf "$dir"' EXIT
dir=$(cd "$dir" && pwd -P)
root=$dir/root
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# N directories: a fan-out of 3, depth 3, one empty directory, and in every
# non-empty one three files, a symlink to a directory (never followed) and
# a dangling symlink.
n=0
mkdir "$root"
dirs=""
for a in 1 2 3; do
	dirs="$dirs d$a"
	for b in 1 2 3; do
		dirs="$dirs d$a/e$b"
	done
done
dirs="$dirs d1/e1/f1 d2/e2/f2 empty"
for d in $dirs; do
	mkdir "$root/$d"
	n=$((n + 1))
done
entries=$n
for d in . $dirs; do
	[ "$d" = empty ] && continue
	for f in a b c; do
		: >"$root/$d/$f"
	done
	ln -s .. "$root/$d/up"
	ln -s missing "$root/$d/dangling"
	entries=$((entries + 5))
done

cd "$dir"
log=$dir/trace
# LeakSanitizer stops the world with ptrace, which strace already holds.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
for args in "" "-type f" "-type l"; do
	# shellcheck disable=SC2086 # args is a list of words
	strace -f -qq -s 4096 -y -o "$log" \
		-e trace=open,openat,openat2,close,getdents,getdents64,stat,lstat,fstat,newfstatat,statx \
		"$find_" $args "$root" >"$dir/out"
	case $args in
	"") want=$entries ;;
	"-type f") want=$((n * 3)) ;;
	*) want=$((n * 2)) ;;
	esac
	got=$(wc -l <"$dir/out")
	[ "$got" -eq "$want" ] || fail "osx-find $args printed $got paths, want $want"

	# The calls on the tree: a path of it in an argument or a decoded fd.
	grep -F "$root" "$log" | sed 's/^[0-9]* *//' >"$dir/tree" || :
	opens=$(grep -c '^open' "$dir/tree" || :)
	closes=$(grep -c '^close(' "$dir/tree" || :)
	getdents=$(grep -c '^getdents' "$dir/tree" || :)
	stats=$(grep -cE '^(stat|lstat|fstat|newfstatat|statx)\(' "$dir/tree" || :)
	failed=$(grep -c ' = -1 ' "$dir/tree" || :)
	want_dirs=$((n + 1))
	[ "$opens" -eq "$want_dirs" ] || fail "osx-find $args: $opens openat on the tree, want $want_dirs"
	[ "$closes" -eq "$want_dirs" ] || fail "osx-find $args: $closes close on the tree, want $want_dirs"
	[ "$getdents" -eq $((2 * want_dirs)) ] ||
		fail "osx-find $args: $getdents getdents64 on the tree, want $((2 * want_dirs))"
	[ "$stats" -eq 1 ] || fail "osx-find $args: $stats stat calls on the tree, want 1"
	[ "$failed" -eq 0 ] || fail "osx-find $args: $failed failed calls on the tree"
	# Each directory exactly once: opened by its own path, read twice.
	for d in . $dirs; do
		p=$root/$d
		[ "$d" = . ] && p=$root
		c=$(grep -c "^getdents64([0-9]*<$p>," "$dir/tree" || :)
		[ "$c" -eq 2 ] || fail "osx-find $args: $c getdents64 of $p, want 2"
	done
	# The one stat is the root's lstat, by its path.
	grep -E '^(stat|lstat|fstat|newfstatat|statx)\(' "$dir/tree" |
		grep -qF "\"$root\"" || fail "osx-find $args: the stat call is not the root's"
	if [ "$fails" -ne 0 ]; then
		echo "--- the calls on the tree:"
		cat "$dir/tree"
		break
	fi
done
[ "$fails" -eq 0 ] || exit 1
echo "osx-find: $((n + 1)) directories, $entries entries: one openat, one close, two getdents64 each, one stat in all"
