#!/bin/sh
# Install libosx into a temporary prefix, then build consumers with nothing
# but pkg-config: shared, fully static, and a C++ translation unit; a CMake
# project through find_package(libosx); check the installed .so exports
# only osx_*, and that the installed tools run from that prefix; build a
# meson project that uses libosx as a subproject, which must build only the
# library and install nothing.  Run from the source root.
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
soname=$(objdump -p "$libdir/libosx.so" | awk '$1 == "SONAME" {print $2}')
LD_LIBRARY_PATH="$libdir" ldd "$work/shared" | grep -q "=> $libdir/$soname" || { echo "shared consumer not linked to installed libosx"; exit 1; }

# The static libosx.a with glibc static too: no libosx.so needed at run time.
cc -static -Wall -Wextra -Wpedantic -Werror -std=c11 -o "$work/static" tests/install/consumer.c \
	$(pkg-config --static --cflags --libs libosx) 2>"$work/static.log" || { cat "$work/static.log"; exit 1; }
"$work/static"
if ldd "$work/static" >/dev/null 2>&1; then echo "static consumer is dynamic"; exit 1; fi

c++ -Wall -Wextra -Wpedantic -Werror -std=c++11 -o "$work/cxx" tests/install/consumer.cpp \
	$(pkg-config --cflags --libs libosx)
LD_LIBRARY_PATH="$libdir" "$work/cxx"

sh tests/check-exports.sh nm "$libdir/libosx.so" "$prefix/include"
test -f "$prefix/share/man/man3/libosx.3" || { echo "man pages not installed"; exit 1; }
test -x "$prefix/bin/osx-oserror" || { echo "examples not installed"; exit 1; }
# The tools run from the custom prefix as installed (their rpath).
"$prefix/bin/osx-oserror" ENOENT x | grep -qF "[Errno 2]" ||
	{ echo "installed osx-oserror does not run from $prefix"; exit 1; }

# CMake: find_package(libosx) -> libosx::libosx, C (extensions off) and C++.
cmake -S tests/install/cmake -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" ||
	{ cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake/consumer"
"$work/cmake/consumer_cxx" >/dev/null
# A release the package is not compatible with is refused (0.x: another
# minor version).
mkdir -p "$work/cmake-newer"
cat >"$work/cmake-newer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(newer C)
find_package(libosx 0.3 QUIET)
if(libosx_FOUND)
  message(FATAL_ERROR "libosx ${libosx_VERSION} accepted for 0.3")
endif()
CMAKE
cmake -S "$work/cmake-newer" -B "$work/cmake-newer/build" -DCMAKE_PREFIX_PATH="$prefix" \
	>"$work/cmake-newer.log" 2>&1 || { cat "$work/cmake-newer.log"; exit 1; }

# libosx as a meson subproject of another project.
mkdir -p "$work/app/subprojects"
ln -s "$src" "$work/app/subprojects/libosx"
cp tests/install/consumer.c "$work/app/main.c"
cat >"$work/app/meson.build" <<'MESON'
project('app', 'c', default_options: ['c_std=c11'])
osx = dependency('libosx', fallback: ['libosx', 'libosx_dep'])
executable('app', 'main.c', dependencies: osx)
MESON
meson setup "$work/app/build" "$work/app" --prefix="$work/app-prefix" >/dev/null
meson compile -C "$work/app/build" >/dev/null
"$work/app/build/app"
# As a subproject: the library only (no tests, benchmarks, tools, docs),
# and nothing of libosx installed into the parent's prefix.
if meson introspect --targets "$work/app/build" | grep -qE '"name": "(test-|bench-|osx-|man3)'; then
	echo "the subproject builds more than the library:"
	meson introspect --targets "$work/app/build" | grep -oE '"name": "[^"]*"'
	exit 1
fi
meson install -C "$work/app/build" >/dev/null
if [ -d "$work/app-prefix" ] && [ -n "$(find "$work/app-prefix" -path '*osx*' | head -n 1)" ]; then
	echo "the subproject installed into the parent:"; find "$work/app-prefix"; exit 1
fi
echo "install checks: ok"
