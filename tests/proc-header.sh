#!/bin/sh
# include/osx/proc.h compiles on its own as strict C99, strict C11 and
# C++11, warnings as errors (it once needed sigset_t, which strict C does
# not declare).  Usage: proc-header.sh INCLUDE_DIR CC [CXX]
set -eu
inc=$1 cc=$2 cxx=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <osx/proc.h>\nint main(void) { osx_child c = OSX_CHILD_INIT; return c.pid; }\n' >"$tmp/t.c"
cp "$tmp/t.c" "$tmp/t.cpp"
n=0
for std in c99 c11; do
	"$cc" -std=$std -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
	n=$((n + 1))
done
if [ -n "$cxx" ]; then
	"$cxx" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.cpp" -o "$tmp/t.o"
	n=$((n + 1))
fi
echo "$n passed, 0 failed"
