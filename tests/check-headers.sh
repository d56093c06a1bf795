#!/bin/sh
# Every public header compiles alone for a strict ISO C consumer (C99, C11:
# no GNU extensions, so no _GNU_SOURCE or _DEFAULT_SOURCE declarations) and
# for C++11, warnings as errors.  Usage: check-headers.sh [include dir]
# (CC and CXX: the compilers, default cc and c++).
set -eu
inc=${1:-"$(dirname "$0")/../include"}
cc=${CC:-cc}
cxx=${CXX:-c++}
fail=0
for h in "$inc"/osx/*.h; do
	name=osx/$(basename "$h")
	for std in c99 c11; do
		printf '#include <%s>\nint osx_header_check;\n' "$name" |
			$cc -std=$std -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" -x c - ||
			{ echo "FAIL: $name with -std=$std -pedantic"; fail=1; }
	done
	printf '#include <%s>\nint osx_header_check;\n' "$name" |
		$cxx -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" -x c++ - ||
		{ echo "FAIL: $name with C++11"; fail=1; }
done
[ $fail = 0 ] && echo "every header compiles alone as C99, C11 and C++11"
exit $fail
