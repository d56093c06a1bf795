#!/bin/sh
# Fails when the shared library exports anything but osx_* (ignoring the
# version node the linker adds).
nm=$1 lib=$2
syms=$("$nm" -D --defined-only "$lib" | awk '{print $3}' | grep -v '^LIBOSX_')
bad=$(printf '%s\n' "$syms" | grep -v '^osx_' || true)
count=$(printf '%s\n' "$syms" | grep -c '^osx_')
if [ -n "$bad" ]; then
	echo "exported outside osx_*:"; echo "$bad"; exit 1
fi
[ "$count" -gt 0 ] || { echo "no osx_* symbol exported"; exit 1; }
echo "1 passed, 0 failed: $count symbols, all osx_*"
