#!/bin/sh
# Proof that every call of a shim function in src/ has had a fault injected
# at it by some test (docs/fault-injection.md, "Unreached call sites").
#
#   sh tests/fault-sites.sh [BUILD_DIR]
#
# Builds BUILD_DIR (default build-sites, set up if missing: see below for
# why a build of its own), runs the unit suite with OSX_FAULT_SITES set, so
# each test program appends the call sites its faked failures were made at
# ("<module> <address>", tests/harness.c), maps them to source lines with
# addr2line, and compares them with every line of src/*.c (but shim.c and
# fault.c) that calls osx__sys_*, osx__malloc, osx__calloc or osx__realloc.
# Prints each call never faulted and fails.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-sites}

# Shim functions that have no injection point, so no test can fault a call.
excluded='
sys_getpid        getpid(2) cannot fail
sys_getppid       getppid(2) cannot fail
sys_getuid        getuid(2) cannot fail
sys_clock_monotonic  CLOCK_MONOTONIC through the vDSO cannot fail
sys_sigpending    cannot fail with a valid pointer
sys_sigmask_restore  SIG_SETMASK with a valid set cannot fail
sys_umask         umask(2) cannot fail: counted, never failed
sys_exit          _exit(2) does not return
'
# Calls that can be injected but no test can fault, "src/file.c function
# reason" (the function named in the call); keep it tiny.
allowed='
src/spawn.c sys_read  spawn_clone reads its report pipe only where the clone copied the memory (valgrind, qemu-user)
src/spawn.c sys_kill  spawn_clone: the kill of a child whose report could not be read (valgrind, qemu-user only)
'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# gcc folds identical functions (-fipa-icf, on at -O2), and the folded
# copy's line information may lose the call's inlined frame: a build that
# does not fold.  (Not in src/meson.build: clang, and clang-tidy reading
# gcc's compile commands, refuse the flag.)
if [ ! -f "$build/build.ninja" ]; then
	set -- -Dbenchmarks=disabled
	if ${CC:-cc} -fno-ipa-icf -x c -c -o /dev/null /dev/null 2>/dev/null; then
		set -- "$@" -Dc_args=-fno-ipa-icf
	fi
	meson setup "$build" "$@" >/dev/null
fi
meson compile -C "$build" >"$tmp/log" || { cat "$tmp/log"; exit 1; }
: >"$tmp/sites"
OSX_FAULT_SITES=$tmp/sites meson test -C "$build" --suite unit -q >/dev/null || {
	meson test -C "$build" --suite unit --print-errorlogs
	exit 1
}

# The recorded sites as src/file.c:line.  A return address follows the
# call: address - 1 is inside it.  -i lists inlined frames innermost first,
# and the innermost is the line of the call.
sort -u "$tmp/sites" | while read -r module addr; do
	if [ ! -f "$module" ]; then
		echo "fault-sites: unusable record '$module $addr' (table full or module unknown)" >&2
		echo BAD
		continue
	fi
	printf '%s %#x\n' "$module" $(($addr - 1))
done >"$tmp/addrs"
grep -q '^BAD$' "$tmp/addrs" && exit 1
cut -d' ' -f1 "$tmp/addrs" | sort -u | while read -r module; do
	awk -v m="$module" '$1 == m { print $2 }' "$tmp/addrs" |
		addr2line -i -a -e "$module" |
		awk '/^0x/ { first = 1; next } first { print; first = 0 }'
done | sed -e 's/ (discriminator [0-9]*)$//' -e 's|^.*/\(src/[^/]*\.c:\)|\1|' |
	sort -u >"$tmp/reached"
if grep -q '^??' "$tmp/reached"; then
	echo "fault-sites: no line information in $build: build it with debug info (-g)"
	exit 1
fi

# Every call in src/: "src/file.c:line name", one per call.
for f in src/*.c; do
	case $f in src/shim.c | src/fault.c) continue ;; esac
	grep -noE 'osx__(sys_[a-z0-9_]+|malloc|calloc|realloc)\(' "$f" |
		sed -e "s|^|$f:|" -e 's/:osx__\(.*\)($/ \1/'
done >"$tmp/calls"

awk -v excluded="$excluded" -v allowed="$allowed" -v reachedfile="$tmp/reached" '
BEGIN {
	n = split(excluded, l, "\n")
	for (i = 1; i <= n; i++)
		if (split(l[i], w, " ") > 0) {
			skip[w[1]] = 1
			order[++nnames] = w[1]
		}
	n = split(allowed, l, "\n")
	for (i = 1; i <= n; i++)
		if (split(l[i], w, " ") > 0)
			allow[w[1] " " w[2]] = 1
	while ((getline line < reachedfile) > 0)
		reached[line] = 1
}
{
	split($1, loc, ":")
	if ($2 in skip) {
		nskip++
		skipped[$2]++
		next
	}
	isacall[$1] = 1
	if ((loc[1] " " $2) in allow) {
		nallow++
		if ($1 in reached) {
			print $1 ": osx__" $2 "() is reached now: drop it from the allowlist"
			bad = 1
		}
		next
	}
	total++
	if (++calls[$1] == 2) {
		print $1 ": two injectable calls on one line; split it"
		bad = 1
	}
	if ($1 in reached)
		ok++
	else {
		print $1 ": osx__" $2 "() never had a fault injected"
		bad = 1
	}
}
END {
	# A recorded src/ line that is not a call line means the mapping is off.
	for (r in reached)
		if (r ~ /^src\// && !(r in isacall)) {
			print r ": a fault was recorded here, but no call is on this line (folded functions: a gcc build without -fno-ipa-icf?)"
			bad = 1
		}
	names = ""
	for (i = 1; i <= nnames; i++)
		if (order[i] in skipped)
			names = names " " order[i]
	printf "fault-sites: %d of %d call sites reached (%d calls excluded:%s; %d allowed)\n",
		ok, total, nskip, names, nallow
	exit bad
}' "$tmp/calls"
