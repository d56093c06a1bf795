#!/bin/sh
# Build the shared library alone (in build-abi/, debug information on) and
# write its ABI as abidw XML to the file given: the types the public headers
# define and the symbols exported.  Used by abi-check.sh and abi-update.sh.
# --drop-private-types: a type the headers only declare (osx_walk,
# osx_spawn_attr: callers hold pointers) is opaque, and its layout is not
# ABI; without it, a field added to the walk's internal state failed the
# gate.
set -eu
out=$1
cd "$(dirname "$0")/.."
build=${ABI_BUILD_DIR:-build-abi}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=debugoptimized -Ddefault_library=shared \
		-Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled -Ddocs=disabled >/dev/null
fi
meson compile -C "$build" >/dev/null
abidw --headers-dir include/osx --drop-private-types --no-corpus-path --no-comp-dir-path \
	--out-file "$out" "$build/src/libosx.so"
