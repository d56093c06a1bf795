#!/bin/sh
# Regenerate the ABI baseline abi/libosx.abi from the current sources: run
# it when a release is made (after merging what the release contains), and
# commit the result with the release.  tests/abi-check.sh compares with it.
set -eu
cd "$(dirname "$0")/.."
sh tests/abi-build.sh abi/libosx.abi
echo "abi/libosx.abi: $(grep -c '<elf-symbol ' abi/libosx.abi) symbols," \
	"$(grep -o "soname='[^']*'" abi/libosx.abi | head -n 1)"
