#!/usr/bin/env bash
# examples/osx-env against env(1).  $1: the osx-env program.
set -eu
osx_env=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Under an emulator (meson sets MESON_EXE_WRAPPER in a cross build; qemu-user
# hands the program its environment in another order) only the contents
# of two environments can be compared, not their order.
same_env() {
	if [ -n "${MESON_EXE_WRAPPER-}" ]; then
		sort "$1" >"$1.sorted" && sort "$2" >"$2.sorted" && cmp "$1.sorted" "$2.sorted"
	else
		cmp "$1" "$2"
	fi
}
[ -z "${MESON_EXE_WRAPPER-}" ] ||
	echo "under $MESON_EXE_WRAPPER: environments compared sorted (qemu-user reorders them)"

# -i with assignments runs the command in exactly that environment.
"$osx_env" -i A=1 B=2 /usr/bin/env >"$tmp/out"
printf 'A=1\nB=2\n' >"$tmp/want"
cmp "$tmp/out" "$tmp/want" || fail "osx-env -i A=1 B=2 /usr/bin/env printed: $(cat "$tmp/out")"

# No arguments: the inherited environment, as env prints it.  (bash gives
# every command its own path in $_: both start without it.)
/usr/bin/env -u _ "$osx_env" >"$tmp/out"
/usr/bin/env -u _ /usr/bin/env >"$tmp/want"
same_env "$tmp/out" "$tmp/want" || fail "osx-env and env differ: $(diff "$tmp/want" "$tmp/out")"

# The same through a command, with -u and assignments (one replacing a
# variable, one new, values with '=' and spaces), found through PATH.
export OSXT_KEEP=keep OSXT_GONE=gone OSXT_OVER=old
"$osx_env" -u _ -u OSXT_GONE OSXT_OVER=new 'OSXT_NEW=a=b c' env >"$tmp/out"
/usr/bin/env -u _ -u OSXT_GONE OSXT_OVER=new 'OSXT_NEW=a=b c' >"$tmp/want"
same_env "$tmp/out" "$tmp/want" || fail "-u/assignments differ: $(diff "$tmp/want" "$tmp/out")"
"$osx_env" -i >"$tmp/out"
[ ! -s "$tmp/out" ] || fail "osx-env -i printed: $(cat "$tmp/out")"

# Errors as env(1) reports them: 127 not found, 125 bad assignment.
rc=0; "$osx_env" -i /nonexistent/cmd 2>/dev/null || rc=$?
[ "$rc" = 127 ] || fail "missing command: exit $rc"
rc=0; "$osx_env" -i PATH=/nonexistent no-such-cmd 2>/dev/null || rc=$?
[ "$rc" = 127 ] || fail "command not in PATH: exit $rc"
rc=0; "$osx_env" -u 'A=B' 2>/dev/null || rc=$?
[ "$rc" = 125 ] || fail "-u A=B: exit $rc"
echo ok
