#!/bin/sh
# Build the shared library alone (in build-abi/, debug information on) and
# write its ABI as abidw XML to the file given: the types the public headers
# define and the symbols exported.  Used by abi-check.sh and abi-update.sh.
set -eu
out=$1
cd "$(dirname "$0")/.."
build=${ABI_BUILD_DIR:-build-abi}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=debugoptimized -Ddefault_library=shared \
		-Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled -Ddocs=disabled >/dev/null
fi
meson compile -C "$build" >/dev/null
abidw --headers-dir include/osx --no-corpus-path --no-comp-dir-path \
	--out-file "$out" "$build/src/libosx.so"
