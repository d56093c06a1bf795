#!/bin/sh
# Fails when the shared library exports anything but osx_*, or when what
# it exports is not exactly the OSX_API functions of the public headers
# (a function missing from src/libosx.map is not exported), or when a
# symbol has no version node of src/libosx.map.
# Usage: check-exports.sh NM LIBRARY INCLUDE_DIR
nm=$1 lib=$2 inc=$3
all=$("$nm" -D --defined-only "$lib" | awk '{print $3}' | grep -v '^LIBOSX_')
syms=$(printf '%s\n' "$all" | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$syms" | grep -v '^osx_' || true)
count=$(printf '%s\n' "$syms" | grep -c '^osx_')
if [ -n "$bad" ]; then
	echo "exported outside osx_*:"; echo "$bad"; exit 1
fi
[ "$count" -gt 0 ] || { echo "no osx_* symbol exported"; exit 1; }
unversioned=$(printf '%s\n' "$all" | grep -v '@LIBOSX_' || true)
if [ -n "$unversioned" ]; then
	echo "exported without a version node:"; echo "$unversioned"; exit 1
fi
# The declarations: "OSX_API <type> name(" (common.h defines the macro).
decl=$(grep -h 'OSX_API[^(]*(' "$inc"/osx/*.h | grep -v '#define' |
	sed 's/(.*//; s/.*[ *]//' | sort -u)
missing=$(printf '%s\n' "$decl" | grep -vxF "$syms" || true)
extra=$(printf '%s\n' "$syms" | grep -vxF "$decl" || true)
if [ -n "$missing" ]; then
	echo "declared OSX_API but not exported (add to src/libosx.map):"; echo "$missing"; exit 1
fi
if [ -n "$extra" ]; then
	echo "exported but declared in no public header:"; echo "$extra"; exit 1
fi
echo "1 passed, 0 failed: $count symbols, all osx_*, each declared and versioned"
