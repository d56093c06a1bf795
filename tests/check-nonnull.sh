#!/bin/sh
# The headers' OSX_NONNULL reaches consumers: a literal NULL where a
# handle or name belongs is a compile-time warning (an error here with
# -Werror), while the same call with a real argument compiles clean.
# Usage: check-nonnull.sh INCLUDE_DIR CC [CC_ARGS...]
set -eu
inc=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
try() { # expect(ok|warn) name code
	printf '#include <osx/osx.h>\nint f(osx_env *e, osx_error *err);\nint f(osx_env *e, osx_error *err)\n{\n\t%s\n}\n' "$3" >"$dir/t.c"
	if "$CC_CMD" -std=gnu11 -Wall -Werror -I"$inc" -c "$dir/t.c" -o "$dir/t.o" $CC_ARGS 2>"$dir/log"; then
		got=ok
	elif grep -q nonnull "$dir/log"; then
		got=warn
	else
		got="another error"
	fi
	if [ "$got" = "$1" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2: expected $1, got $got"
		cat "$dir/log"
	fi
}
CC_CMD=$1
shift
CC_ARGS="$*"
try ok "osx_env_len(e)" "(void)err; return (int)osx_env_len(e);"
try warn "osx_env_len(NULL)" "(void)e; (void)err; return (int)osx_env_len(NULL);"
try warn "osx_open(NULL)" "(void)e; return osx_open(NULL, 0, 0, err);"
try warn "osx_env_set(e, NULL, v)" "return osx_env_set(e, NULL, \"v\", err);"
try warn "osx_error_format(NULL)" "(void)e; (void)err; return (int)osx_error_format(NULL, 0, 0);"
try ok "osx_error_format(err, NULL, 0)" "(void)e; return (int)osx_error_format(err, 0, 0);"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
