#!/bin/sh
# examples/osx-run end to end: environment, PATH search in the child's
# environment, cwd, redirections, capture, timeout, and error reporting.
set -eu
run=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0 total=0
check() { total=$((total + 1)); if "$@"; then :; else echo "FAILED: $*"; fails=$((fails + 1)); fi; }

out=$("$run" -i -e X=1 -e 'Y=a b' -- /usr/bin/env)
check test "$out" = "$(printf 'X=1\nY=a b\nexited 0 returncode=0')"
# -e overrides an inherited variable; our own environment is untouched
out=$(HOME=/outer "$run" -e HOME=/inner -- /bin/sh -c 'echo $HOME')
check test "$out" = "$(printf '/inner\nexited 0 returncode=0')"
# -p searches the child's PATH
check test "$("$run" -e PATH=/bin -p -- true)" = "exited 0 returncode=0"
if "$run" -e PATH=/nonexistent -p -- true 2>"$dir/err"; then
	echo "FAILED: found true in /nonexistent"; fails=$((fails + 1))
fi
check grep -qF "execve: [Errno 2] No such file or directory: 'true'" "$dir/err"
# cwd, and its failure named with the path
check test "$("$run" -C "$dir" -- /bin/pwd | head -n 1)" = "$dir"
if "$run" -C "$dir/missing" -- /bin/pwd 2>"$dir/err"; then
	echo "FAILED: chdir to a missing dir succeeded"; fails=$((fails + 1))
fi
check grep -qF "chdir: [Errno 2] No such file or directory: '$dir/missing'" "$dir/err"
# redirections, capture, exit codes, signals, timeout
printf 'hello' >"$dir/in"
"$run" -I "$dir/in" -O "$dir/out" -- /bin/cat >/dev/null
check test "$(cat "$dir/out")" = hello
check test "$("$run" -c -- /bin/sh -c 'printf 12345; printf 678 >&2')" = \
	"$(printf 'stdout: 5 bytes, stderr: 3 bytes\nexited 0 returncode=0')"
# ... and the exit status passes the child's on, as env(1) and timeout(1)
rc=0; out=$("$run" -- /bin/sh -c 'exit 7') || rc=$?
check test "$out $rc" = "exited 7 returncode=7 7"
rc=0; out=$("$run" -- /bin/sh -c 'kill -TERM $$') || rc=$?
check test "$out $rc" = "killed by signal 15 returncode=-15 143"
rc=0; out=$("$run" -t 200 -- /bin/sleep 30) || rc=$?
check test "$out $rc" = "$(printf 'timed out after 200 ms\nkilled by signal 9 returncode=-9 124')"
rc=0; "$run" -- /nonexistent 2>/dev/null || rc=$?
check test "$rc" = 127
rc=0; "$run" -- /etc/passwd 2>/dev/null || rc=$?
check test "$rc" = 126
# options end at the program: its -c is its own
check test "$("$run" -p sh -c 'echo "$0 $1"' zero --help)" = "$(printf 'zero --help\nexited 0 returncode=0')"

echo "$((total - fails)) passed, $fails failed"
test "$fails" = 0
