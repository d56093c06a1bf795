#!/bin/sh
# Install libosx into a temporary prefix, then build consumers with nothing
# but pkg-config: shared, fully static, and a C++ translation unit; check
# the installed .so exports only osx_*; build a meson project that uses
# libosx as a subproject.  Run from the source root.
set -eu
src=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

meson setup "$work/build" --prefix="$prefix" -Dtests=disabled -Dbenchmarks=disabled >/dev/null
meson install -C "$work/build" >/dev/null
pc=$(dirname "$(find "$prefix" -name libosx.pc)")
libdir=$(dirname "$(find "$prefix" -name 'libosx.so' | head -n 1)")
export PKG_CONFIG_PATH="$pc"

cc -Wall -Wextra -Wpedantic -Werror -std=c11 -o "$work/shared" tests/install/consumer.c \
	$(pkg-config --cflags --libs libosx)
LD_LIBRARY_PATH="$libdir" "$work/shared"
LD_LIBRARY_PATH="$libdir" ldd "$work/shared" | grep -q "=> $libdir/libosx.so.0" || { echo "shared consumer not linked to installed libosx"; exit 1; }

# The static libosx.a with glibc static too: no libosx.so needed at run time.
cc -static -Wall -Wextra -Wpedantic -Werror -std=c11 -o "$work/static" tests/install/consumer.c \
	$(pkg-config --static --cflags --libs libosx) 2>"$work/static.log" || { cat "$work/static.log"; exit 1; }
"$work/static"
if ldd "$work/static" >/dev/null 2>&1; then echo "static consumer is dynamic"; exit 1; fi

c++ -Wall -Wextra -Wpedantic -Werror -std=c++11 -o "$work/cxx" tests/install/consumer.cpp \
	$(pkg-config --cflags --libs libosx)
LD_LIBRARY_PATH="$libdir" "$work/cxx"

sh tests/check-exports.sh nm "$libdir/libosx.so"
test -f "$prefix/share/man/man3/libosx.3" || { echo "man pages not installed"; exit 1; }
test -x "$prefix/bin/osx-oserror" || { echo "examples not installed"; exit 1; }

# libosx as a meson subproject of another project.
mkdir -p "$work/app/subprojects"
ln -s "$src" "$work/app/subprojects/libosx"
cp tests/install/consumer.c "$work/app/main.c"
cat >"$work/app/meson.build" <<'MESON'
project('app', 'c', default_options: ['c_std=c11'])
osx = dependency('libosx', fallback: ['libosx', 'libosx_dep'])
executable('app', 'main.c', dependencies: osx)
MESON
meson setup "$work/app/build" "$work/app" >/dev/null
meson compile -C "$work/app/build" >/dev/null
"$work/app/build/app"
echo "install checks: ok"
