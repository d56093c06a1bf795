#!/bin/sh
# examples/osx-du against du(1), side by side on the same trees: the same
# lines (sorted: the order of siblings is the directory's), the same exit
# status; with -j (the parallel walk) for the totals.
set -eu
du_=$1
dir=$(mktemp -d)
trap 'chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# $1: du's options, $2: osx-du's extra ones (-j N), then the roots.
same() {
	opts=$1 extra=$2
	shift 2
	want=0 got=0
	# shellcheck disable=SC2086
	du $opts "$@" 2>/dev/null | sort >"$dir.want" || want=$?
	# shellcheck disable=SC2086
	"$du_" $opts $extra "$@" 2>/dev/null | sort >"$dir.got" || got=$?
	cmp -s "$dir.want" "$dir.got" ||
		fail "osx-du $opts $extra $*: $(diff "$dir.want" "$dir.got" | head -5)"
	rm -f "$dir.want" "$dir.got"
}
status() {
	want=0 got=0
	du "$@" >/dev/null 2>&1 || want=$?
	"$du_" "$@" >/dev/null 2>&1 || got=$?
	[ $((want != 0)) -eq $((got != 0)) ] || fail "osx-du $*: exit $got, du: $want"
}

t=$dir/tree
mkdir -p "$t/a/b/c" "$t/empty" "$t/big" "$t/links"
head -c 100000 /dev/zero >"$t/a/b/c/100k"
head -c 1 /dev/zero >"$t/a/one-byte"
: >"$t/a/empty-file"
printf x >"$t/new
line"
i=0
while [ $i -lt 300 ]; do head -c $((i * 37)) /dev/zero >"$t/big/f$i"; i=$((i + 1)); done
# Hard links count once, wherever they are met first.
head -c 50000 /dev/zero >"$t/links/orig"
ln "$t/links/orig" "$t/links/second"
ln "$t/links/orig" "$t/a/third"
ln -s orig "$t/links/symlink"
ln -s "$t/a" "$t/dirlink"
ln -s nowhere "$t/dangling"
# Sparse: apparent size much larger than its blocks.
dd if=/dev/zero of="$t/sparse" bs=1 count=1 seek=10000000 2>/dev/null
mkfifo "$t/fifo"

for extra in "" "-j 1" "-j 2" "-j 3"; do
	[ -z "$extra" ] && same "" "" "$t"
	[ -z "$extra" ] && same "-b" "" "$t"
	same "-s" "$extra" "$t"
	same "-sb" "$extra" "$t"
	same "-sb" "$extra" "$t/a/b/c/100k"
	same "-s" "$extra" "$t/links" "$t/a"
done
same "" "" "$t/sparse"
same "-b" "" "$t/sparse"
status "$t/missing"
status -s -j 2 "$t/missing"
[ -z "$("$du_" -s -j 2 "$t/missing" 2>/dev/null)" ] || fail "osx-du -j 2: output for a missing root"
if "$du_" -j 2 "$t" >/dev/null 2>&1; then fail "osx-du -j without -s exited 0"; fi

# The real thing.
for root in /usr/include /usr/share/doc; do
	[ -d "$root" ] || continue
	same "-sb" "" "$root"
	same "-sb" "-j 1" "$root"
	same "-sb" "-j 2" "$root"
	same "-s" "-j 0" "$root"
done

[ "$fails" -eq 0 ] || exit 1
echo "osx-du: all checks passed"
