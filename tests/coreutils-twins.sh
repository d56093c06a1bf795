#!/bin/sh
# Each osx-* tool next to the tool it imitates (cat, cp, env, find, and
# env/timeout for osx-run's exit status), on the same inputs in two copies
# of one fixture directory: the same file twice, a directory, a missing
# file, an unreadable file (as an unprivileged user when run as root), a
# name starting with '-', a broken pipe, --help and --version, a sparse
# file.  Compared: exit status, stdout (modulo the program name), whether
# anything went to stderr (the texts differ: the tools print Python's
# OSError), and the files left behind.
#   coreutils-twins.sh EXAMPLES_DIR
set -u
ex=$(cd "$1" && pwd)
for t in cat cp env find run atomic-write oserror tour; do
	[ -x "$ex/osx-$t" ] || { echo "no $ex/osx-$t"; exit 1; }
done
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
fails=0 total=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# Run as an unprivileged user when we are root, so permissions bite.
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		as_user=skip
	fi
else
	as_user=
fi

# The fixture every case starts from (copied with its hard link, symlinks
# and modes): f, its hard link hard, link -> f, an empty directory dir,
# unreadable locked, -dash, big (3 MB, more than a pipe holds), noexec (a
# file without x bits), and existing (to be overwritten).
fx=$tmp/fixture
mkdir "$fx" "$fx/dir"
printf 'first line\nsecond line\n' >"$fx/f"
ln "$fx/f" "$fx/hard"
ln -s f "$fx/link"
printf 'secret\n' >"$fx/locked" # made unreadable in each copy
printf 'dash\n' >"$fx/-dash"
head -c 3000000 /dev/urandom >"$fx/big"
printf 'old content, longer than the new\n' >"$fx/existing"
printf '#!/bin/sh\necho hi\n' >"$fx/noexec" && chmod 644 "$fx/noexec"
chmod 777 "$fx"

# A listing of a tree: names, types, sizes, modes, link targets, contents.
tree() {
	(cd "$1" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort &&
		find . -type f -perm -u=r -exec md5sum {} + | LC_ALL=C sort)
}

# runin DIR CMD: run the shell command CMD in a fresh copy of the fixture.
runin() {
	rm -rf "${tmp:?}/$1" && cp -a "$fx" "$tmp/$1" && chmod 000 "$tmp/$1/locked" ||
		fail "cannot copy the fixture"
	(cd "$tmp/$1" && eval "$2") >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
	echo $? >"$tmp/$1.rc"
}

# same MODE TWIN TOOL: run both; MODE out: same stdout; rc: neither stdout
# (osx-run prints the status it decoded) nor stderr (the shell reports a
# signal of its own child, env's exec'd command, not osx-env's) compared;
# info: --help/--version, both exit 0 with something on stdout and nothing
# on stderr.
same() {
	mode=$1 twin=$2 tool=$3
	total=$((total + 1))
	runin a "$twin"
	runin b "$tool"
	what="'$(printf %.100s "$tool")' vs '$(printf %.60s "$twin")'"
	[ "$(cat "$tmp/a.rc")" = "$(cat "$tmp/b.rc")" ] ||
		{ fail "$what: exit $(cat "$tmp/b.rc"), the twin's $(cat "$tmp/a.rc")"; return; }
	case $mode in
	out)
		sed 's/osx-\(cat\|cp\|env\|find\)/\1/g' "$tmp/b.out" >"$tmp/b.out2"
		cmp -s "$tmp/a.out" "$tmp/b.out2" || { fail "$what: stdout differs"; return; } ;;
	info)
		[ "$(cat "$tmp/b.rc")" = 0 ] && [ -s "$tmp/b.out" ] && [ ! -s "$tmp/b.err" ] ||
			{ fail "$what: not exit 0 with text on stdout only"; return; } ;;
	esac
	if [ "$mode" = rc ]; then
		:
	elif [ -s "$tmp/a.err" ] && [ ! -s "$tmp/b.err" ]; then
		fail "$what: nothing on stderr, the twin said: $(head -n 1 "$tmp/a.err")"; return
	elif [ ! -s "$tmp/a.err" ] && [ -s "$tmp/b.err" ]; then
		fail "$what: stderr: $(head -n 1 "$tmp/b.err")"; return
	fi
	tree "$tmp/a" >"$tmp/a.tree"
	tree "$tmp/b" >"$tmp/b.tree"
	cmp -s "$tmp/a.tree" "$tmp/b.tree" ||
		fail "$what: other files left: $(diff "$tmp/a.tree" "$tmp/b.tree" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
}

# the same as an unprivileged user (or skipped when root has no setpriv)
same_user() {
	if [ "$as_user" = skip ]; then echo "setpriv missing: '$3' not run as a user"; return; fi
	same "$1" "$as_user $2" "$as_user $3"
}

# Every tool: --help on stdout with status 0, --version, an unknown option.
for t in cat cp env find; do
	same info "$t --help" "$ex/osx-$t --help"
	same info "$t --version" "$ex/osx-$t --version"
	same rc "$t --no-such-option" "$ex/osx-$t --no-such-option"
done
same info "env --help" "$ex/osx-run --help"
same info "env --version" "$ex/osx-run --version"
for t in atomic-write oserror tour; do
	same info "cat --help" "$ex/osx-$t --help"
	same info "cat --version" "$ex/osx-$t --version"
done

cat=$ex/osx-cat
same out "cat f" "$cat f"
same out "printf 'in\n' | cat f - f" "printf 'in\n' | $cat f - f"
same out "cat f missing f" "$cat f missing f"
same out "cat dir" "$cat dir"
same out "cat -- -dash" "$cat -- -dash"
same out "cat -- f --help" "$cat -- f --help"
same_user out "cat locked f" "$cat locked f"
same out "{ cat big; echo \$? >status; } | head -n 1 | wc -c" \
	"{ $cat big; echo \$? >status; } | head -n 1 | wc -c"

cp=$ex/osx-cp
same out "cp f new" "$cp f new"
same out "cp f existing" "$cp f existing"
same out "cp f f" "$cp f f"
same out "cp f hard" "$cp f hard"
same out "cp f link" "$cp f link"
same out "cp link f" "$cp link f"
same out "cp dir x" "$cp dir x"
same out "cp missing x" "$cp missing x"
same out "cp -- -dash x" "$cp -- -dash x"
same out "cp f" "$cp f"
same_user out "cp locked x" "$cp locked x"

env=$ex/osx-env
same out "env -i A=1 B=2" "$env -i A=1 B=2"
same out "env -i A=1 env" "$env -i A=1 env"
same out "env -i -- A=1" "$env -i -- A=1"
same out "env -i sh -c 'exit 7'" "$env -i sh -c 'exit 7'"
same rc "env -i sh -c 'kill -TERM \$\$'" "$env -i sh -c 'kill -TERM \$\$'"
same out "env -i /nonexistent" "$env -i /nonexistent"
same out "env -i ./noexec" "$env -i ./noexec"
same out "env -i ./dir" "$env -i ./dir"
same out "env -i sh -c 'echo \"\$@\"' sh --help" "$env -i sh -c 'echo \"\$@\"' sh --help"
# 1 MB of environment: more than the pipe holds, so the writer meets EPIPE.
v=$(head -c 100000 /dev/zero | tr '\0' v)
big_env="A0=$v A1=$v A2=$v A3=$v A4=$v A5=$v A6=$v A7=$v A8=$v A9=$v"
same out "{ env -i $big_env; echo \$? >status; } | head -c 10" \
	"{ $env -i $big_env; echo \$? >status; } | head -c 10"

# osx-run passes the child's status on as env(1) and timeout(1) do.
run=$ex/osx-run
same rc "env sh -c 'exit 7'" "$run -p -- sh -c 'exit 7'"
same rc "env sh -c 'exit 5'" "$run -p sh -c 'exit 5'"
same rc "env sh -c 'kill -TERM \$\$'" "$run -p -- sh -c 'kill -TERM \$\$'"
same rc "env /nonexistent" "$run -- /nonexistent"
same rc "env no-such-command" "$run -p -- no-such-command"
same rc "env ./noexec" "$run -- ./noexec"
same rc "env -C missing true" "$run -C missing -p -- true"
same rc "timeout 0.2 sleep 30" "$run -t 200 -p -- sleep 30"
same rc "timeout 10 sh -c 'exit 3'" "$run -t 10000 -p -- sh -c 'exit 3'"
same rc "env sh -c 'test \"\$1\" = --help' sh --help" "$run -p sh -c 'test \"\$1\" = --help' sh --help"

find=$ex/osx-find
same out "find dir -mindepth 1" "$find dir"
same out "find missing -mindepth 1" "$find missing"
same out "find -- dir -mindepth 1" "$find -- dir"
same out "{ find /usr -mindepth 1; echo \$? >status; } | head -c 1" \
	"{ $find /usr; echo \$? >status; } | head -c 1"

# A sparse file: 1 GiB with three small extents of data keeps its holes.
sp=$tmp/sparse
mkdir "$sp"
truncate -s 1G "$sp/src"
for off in 0 300000 1048575; do
	printf 'data at %s KiB' $off | dd of="$sp/src" bs=1024 seek=$off conv=notrunc 2>/dev/null
done
total=$((total + 1))
cp "$sp/src" "$sp/by-cp"
if "$cp" "$sp/src" "$sp/by-osx-cp"; then
	want=$(stat -c %b "$sp/by-cp") got=$(stat -c %b "$sp/by-osx-cp")
	cmp -s "$sp/src" "$sp/by-osx-cp" || fail "osx-cp of a sparse file: other content"
	# cp allocates what the data needs; allow a block or two more per extent.
	[ "$got" -le $((want + 64)) ] ||
		fail "osx-cp of a sparse file: $got blocks allocated, cp: $want"
else
	fail "osx-cp of a sparse file failed"
fi

echo "$((total - fails)) passed, $fails failed"
test "$fails" = 0
