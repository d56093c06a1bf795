#!/bin/sh
# docs/gen-man.py on small fixture headers: each header under bad/ must be
# refused (exit 1, naming the function its first line names), the good one
# must give pages that check-man.sh accepts, and check-man.sh must notice a
# page that describes another function.
#   gen-man.sh PYTHON GEN-MAN.PY CHECK-MAN.SH FIXTURES
set -eu
py=$1 gen=$2 check=$3 fix=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 total=0
check() { total=$((total + 1)); if "$@"; then :; else echo "FAILED: $*"; fails=$((fails + 1)); fi; }

for h in "$fix"/bad/*.h; do
	fn=$(sed -n '1s/.*(\(.*\)).*/\1/p' "$h")
	for mode in --list "--outdir $tmp 0"; do
		# shellcheck disable=SC2086
		if "$py" "$gen" $mode "$h" >"$tmp/out" 2>"$tmp/err"; then
			echo "FAILED: gen-man.py $mode accepted $h"; fails=$((fails + 1))
		fi
		total=$((total + 1))
		check grep -q "^$h:[0-9]*: .*$fn" "$tmp/err"
	done
done

mkdir "$tmp/man"
"$py" "$gen" --outdir "$tmp/man" 0 "$fix"/good/include/good.h
check sh "$check" "$fix/good/include" "$tmp/man" "$fix/good/docs"
check grep -qxF 'good\_open \- Open a good thing' "$tmp/man/good_open.3"
check grep -qxF 'good\_close \- Close it, e.g. twice: no' "$tmp/man/good_close.3"
check grep -qxF '\&.TH is no roff request here, nor is a back\eslash.' "$tmp/man/good_close.3"
check grep -qxF 'good\_exit \- One line, no period' "$tmp/man/good_exit.3"
# --docs rewrites a stale table and leaves a true one alone.
mkdir "$tmp/docs"
sed 's/| `good_exit` | MT-Safe/| `good_exit` | MT-Unsafe (stale)/' "$fix/good/docs/good.md" >"$tmp/docs/good.md"
"$py" "$gen" --docs "$tmp/docs" "$fix"/good/include/good.h
check cmp -s "$tmp/docs/good.md" "$fix/good/docs/good.md"
# A page with another function's description, a stale table: refused.
cp "$tmp/man/good_exit.3" "$tmp/man/keep"
sed 's/^One line, no period$/Close it/' "$tmp/man/keep" >"$tmp/man/good_exit.3"
if sh "$check" "$fix/good/include" "$tmp/man" "$fix/good/docs" >/dev/null; then
	echo "FAILED: check-man.sh accepted a wrong description"; fails=$((fails + 1))
fi
cp "$tmp/man/keep" "$tmp/man/good_exit.3"
sed 's/| `good_exit` | MT-Safe/| `good_exit` | MT-Unsafe (stale)/' "$fix/good/docs/good.md" >"$tmp/docs/good.md"
if sh "$check" "$fix/good/include" "$tmp/man" "$tmp/docs" >/dev/null; then
	echo "FAILED: check-man.sh accepted a stale safety table"; fails=$((fails + 1))
fi
total=$((total + 2))

echo "$((total - fails)) passed, $fails failed"
test "$fails" = 0
