#!/bin/sh
# The generated man pages and the docs' safety tables against the headers,
# read here independently of docs/gen-man.py (sh and awk only): for every
# OSX_API declaration, its page's NAME line is "name \- <first sentence of
# the comment directly above the declaration>", its DESCRIPTION has exactly
# that comment's words (without the Safety: line), its ATTRIBUTES the
# Safety: line's three items, and the docs/ page that carries the header's
# safety table has the same row.  No page is left over.
#   check-man.sh INCLUDE_DIR MAN_DIR DOCS_DIR
set -eu
inc=$1 man=$2 docs=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 total=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# One line per function: name TAB summary TAB mt TAB as TAB blocking TAB words.
# The comment counts only when its "*/" is on the line right above the
# declaration.
from_header() {
	awk '
	function flush_words(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
	/^[ \t]*\/\*/ { incomment = 1; n = 0 }
	incomment {
		l = $0
		sub(/[ \t]*\*+\/[ \t]*$/, "", l)
		if (!sub(/^[ \t]*\/\*+ ?/, "", l)) sub(/^[ \t]*\* ?/, "", l)
		if (l ~ /[^ \t]/ || n) text[++n] = l
		if ($0 ~ /\*\//) { incomment = 0; end = NR; while (n && text[n] !~ /[^ \t]/) n-- }
		next
	}
	/^OSX_API/ {
		decl = $0; start = NR
		while (decl !~ /;/ && (getline l) > 0) decl = decl " " l
		d = decl; sub(/\(.*/, "", d); m = split(d, w, /[ \t*]+/); name = w[m]
		if (end != start - 1 || n == 0) { print name "\tNO-COMMENT"; next }
		saf = text[n]
		if (saf !~ /^Safety: /) { print name "\tNO-SAFETY"; next }
		sub(/^Safety: /, "", saf); sub(/\.$/, "", saf)
		# split "MT-..., AS-..., ..." at the ", AS-" and the ", " after it
		p = index(saf, ", AS-"); mt = substr(saf, 1, p - 1); rest = substr(saf, p + 2)
		q = index(rest, ", "); as = substr(rest, 1, q - 1); blk = substr(rest, q + 2)
		all = ""
		for (k = 1; k < n; k++) all = all " " text[k]
		all = flush_words(all)
		# up to the first ". " (or a final "."), skipping e.g. i.e. cf.
		sum = ""; rest = all
		while (match(rest, /\.( |$)/)) {
			sum = sum substr(rest, 1, RSTART - 1)
			if (sum !~ /(^|[^A-Za-z0-9_])(e\.g|i\.e|cf)$/) { rest = ""; break }
			sum = sum "."; rest = substr(rest, RSTART + 1)
		}
		sum = sum rest
		print name "\t" sum "\t" mt "\t" as "\t" blk "\t" all
	}' "$1"
}

# The same fields read back from a page.
from_page() {
	awk '
	function unroff(s) { gsub(/\\&/, "", s); gsub(/\\-/, "-", s); gsub(/\\_/, "_", s); gsub(/\\e/, "\\", s); return s }
	/^\.SH / { sec = $2; next }
	sec == "NAME" && !done_name { l = unroff($0); p = index(l, " - "); name = substr(l, 1, p - 1); sum = substr(l, p + 3); done_name = 1; next }
	sec == "DESCRIPTION" && !/^\./ { desc = desc " " unroff($0) }
	sec == "ATTRIBUTES" && /^\.TP/ { getline label; getline value; attr[label] = unroff(value) }
	END {
		gsub(/[ \t]+/, " ", desc); sub(/^ /, "", desc); sub(/ $/, "", desc)
		print name "\t" sum "\t" attr["Thread safety"] "\t" attr["Async-signal safety"] "\t" attr["Blocking"] "\t" desc
	}' "$1"
}

: >"$tmp/names"
for h in "$inc"/*.h; do
	base=$(basename "$h")
	from_header "$h" >"$tmp/$base.funcs"
	[ -s "$tmp/$base.funcs" ] || continue
	# The docs page that carries this header's table, and the table's rows.
	md=$(grep -l "^<!-- safety-table osx/$base -->\$" "$docs"/*.md 2>/dev/null | head -n 1 || :)
	if [ -z "$md" ]; then
		fail "no docs page has the safety table of osx/$base"
	else
		awk -v b="<!-- safety-table osx/$base -->" '
		$0 == b { on = 1; next } on && /^<!-- end safety-table -->$/ { on = 0 } on' "$md" >"$tmp/$base.table"
	fi
	while IFS='	' read -r name sum mt as blk words; do
		total=$((total + 1))
		echo "$name.3" >>"$tmp/names"
		case $sum in NO-COMMENT|NO-SAFETY) fail "$base: $name: $sum"; continue ;; esac
		p=$man/$name.3
		if [ ! -f "$p" ]; then fail "$name: no page $p"; continue; fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$sum" "$mt" "$as" "$blk" "$words" >"$tmp/want"
		from_page "$p" >"$tmp/got"
		if ! cmp -s "$tmp/want" "$tmp/got"; then
			fail "$name.3 does not say what $base says:"
			diff "$tmp/want" "$tmp/got" | sed 's/^/    /' | cut -c1-300
		fi
		if [ -n "$md" ]; then
			row="| \`$name\` | $mt | $as | $blk |"
			grep -qxF "$row" "$tmp/$base.table" || fail "$md: no row '$row'"
		fi
	done <"$tmp/$base.funcs"
	if [ -n "$md" ]; then
		[ "$(grep -c '^| `' "$tmp/$base.table" || :)" = "$(wc -l <"$tmp/$base.funcs")" ] ||
			fail "$md: the osx/$base table has other functions than the header"
	fi
done
# Every page is some declaration's (and libosx.3, the index).
for p in "$man"/*.3; do
	n=$(basename "$p")
	[ "$n" = libosx.3 ] || grep -qxF "$n" "$tmp/names" || fail "$n: no declaration in $inc"
done
[ "$total" -gt 0 ] || fail "no declarations found in $inc"
echo "$total functions, $fails failed"
test "$fails" = 0
