#!/bin/sh
# The ABI gate: the library built from these sources against the committed
# baseline abi/libosx.abi (abidiff, from abigail-tools).  Fails on any
# change but added functions (a symbol removed, a type's size or layout
# changed, a function's parameters changed) unless the SONAME changed too
# (osx_soversion in meson.build).  The baseline is regenerated at each
# release with tests/abi-update.sh.
set -eu
cd "$(dirname "$0")/.."
base=abi/libosx.abi
[ -f "$base" ] || { echo "no baseline $base: run tests/abi-update.sh"; exit 1; }
new=$(mktemp)
report=$(mktemp)
trap 'rm -f "$new" "$report"' EXIT
sh tests/abi-build.sh "$new"
soname() { grep -o "soname='[^']*'" "$1" | head -n 1 | sed "s/soname='//; s/'//"; }
old_soname=$(soname "$base") new_soname=$(soname "$new")
rc=0
# Added symbols are compatible (a new version node in src/libosx.map);
# abidiff's harmless changes (a typedef renamed...) are filtered by default.
abidiff --no-added-syms "$base" "$new" >"$report" 2>&1 || rc=$?
# abidiff's exit status is a bit set: 1 error, 2 usage, 4 a change,
# 8 a change abidiff itself knows is incompatible (a symbol removed).  A
# change abidiff leaves to judgement, such as a struct that grew, breaks
# the programs that embed or allocate it: every change counts.
if [ $((rc & 3)) -ne 0 ]; then
	cat "$report"; echo "abidiff failed (status $rc)"; exit 1
fi
if [ $((rc & 12)) -ne 0 ]; then
	if [ "$old_soname" != "$new_soname" ]; then
		echo "ABI: changed, with the SONAME bumped ($old_soname -> $new_soname): ok"
		echo "(regenerate the baseline with tests/abi-update.sh when releasing)"
		exit 0
	fi
	cat "$report"
	echo "ABI: changed under the same SONAME $new_soname:"
	echo "bump osx_soversion in meson.build, or keep the ABI"
	exit 1
fi
echo "ABI: compatible with $base ($new_soname)"
