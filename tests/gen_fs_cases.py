#!/usr/bin/env python3
"""Regenerate tests/fs_cases.h: what CPython's os (and os.path) does for
each case of tests/test_fs.c, run on the same tree the test builds.

    sudo python3 tests/gen_fs_cases.py > tests/fs_cases.h

Run as root: the device node needs CAP_MKNOD, and the permission cases
switch to uid/gid 65534 (the test does the same when it runs as root).
Every case starts from a fresh copy of TREE.  Results are the return value,
the errno and Python's exact str(OSError), the string result (readlink,
realpath) and the fields of a stat: of the result for the stat calls, of
the case's `check` path (lstat) after the call for the others.  The tree's
absolute path is written as "@" in texts and strings.
"""
import json
import os
import socket
import stat
import sys
import tempfile

NOBODY = 65534
UMASK = 0o022
NS = 1_000_000_000
NOCMP = -(1 << 63)  # a field not compared

# (type, name, target or content, mode).  Types: f file, d dir, l symlink,
# p fifo, s socket, c char device (target: (major, minor)), h hard link.
TREE = [
    ("f", b"file", b"hello", 0o644),
    ("f", b"empty", b"", 0o600),
    ("f", b"ro", b"r", 0o444),
    ("d", b"dir", None, 0o755),
    ("f", b"dir/inner", b"abc", 0o644),
    ("d", b"dir/sub", None, 0o750),
    ("l", b"dir/uplink", b"../dir/sub", 0),
    ("l", b"link_file", b"file", 0),
    ("l", b"link_dir", b"dir", 0),
    ("l", b"chain", b"link_file", 0),
    ("l", b"dangling", b"nowhere", 0),
    ("l", b"loop_self", b"loop_self", 0),
    ("l", b"loop_a", b"loop_b", 0),
    ("l", b"loop_b", b"loop_a", 0),
    ("l", b"up", b"dir/..", 0),
    ("l", b"abs_link", b"@/dir", 0),
    ("p", b"fifo", None, 0o640),
    ("s", b"sock", None, 0),
    ("c", b"null", (1, 3), 0o666),
    ("h", b"hard", b"file", 0),
    ("f", b"odd\xff\n name", b"x", 0o644),
    ("d", b"main", None, 0o755),
    ("f", b"main/f", b"1", 0o644),
    ("d", b"main/d", None, 0o755),
    ("l", b"main/ld", b"d", 0),
    ("l", b"main/loop_self", b"loop_self", 0),
    ("l", b"main/dangling", b"nowhere", 0),
    ("d", b"rmd", None, 0o755),
    ("d", b"rmd/a", None, 0o755),
    ("d", b"rmd/a/b", None, 0o755),
    ("d", b"locked", None, 0o755),  # mode 0 once the times are set
    ("f", b"locked/secret", b"s", 0o644),
]
LOCKED = [b"locked"]

LONG = "n" * 256
EXDEV = "/dev/shm/osx-fs-exdev"

# (op, path, path2, args, as, check).  as: 0 the suite's user, 1 uid/gid
# 65534, 2 real uid 65534 with effective uid 0.  dirfd cases (op ending in
# "@") run with cwd "/" and dir_fd = the tree; the others with cwd = the tree.
CASES = []


def case(op, path=None, path2=None, args=(), who=0, check=None):
    CASES.append((op, path, path2, tuple(args), who, check))


for p in ["file", "dir", "link_file", "link_dir", "chain", "dangling", "loop_self",
          "loop_a", "fifo", "sock", "null", "hard", "odd\udcff\n name", "missing",
          "file/x", "loop_self/x", "dir/sub/../inner", "link_dir/inner", LONG,
          "", "up/file", "abs_link/inner"]:
    for follow in (1, 0):
        case("stat", p, args=(follow,))
for p in ["file", "link_dir", "dangling", "missing", "dir/inner", "file/x"]:
    for follow in (1, 0):
        case("stat@", p, args=(follow,))
case("stat", "locked/secret", args=(1,), who=1)
for op in ["exists", "lexists", "isdir", "isfile", "islink", "getsize"]:
    for p in ["file", "dir", "link_dir", "dangling", "loop_self", "missing", "fifo",
              "file/x"]:
        case(op, p)
case("exists", "locked/secret", who=1)
for a, b in [("file", "hard"), ("file", "link_file"), ("file", "empty"), ("file", "missing"),
             ("missing", "file"), ("dir", "up/dir")]:
    case("samefile", a, b)

case("mkdir", "new", args=(0o777,), check="new")
case("mkdir", "new", args=(0o705,), check="new")
case("mkdir", "new", args=(0o3777,), check="new")
case("mkdir", "file", args=(0o777,))
case("mkdir", "dangling", args=(0o777,))
case("mkdir", "missing/new", args=(0o777,))
case("mkdir", "file/new", args=(0o777,))
case("mkdir", LONG, args=(0o777,))
case("mkdir", "locked/new", args=(0o777,), who=1)
case("mkdir", "dir/new", args=(0o777,), who=1)
case("mkdir@", "new", args=(0o750,), check="new")
case("mkdir@", "dir", args=(0o750,))
for p, mode, ok, chk in [
        ("a/b/c", 0o777, 0, "a/b/c"), ("a/b/c", 0o700, 0, "a/b"), ("a/b/c", 0o700, 0, "a/b/c"),
        ("a/b/c/", 0o755, 0, "a/b/c"), ("a//b/./c", 0o755, 0, "a/b/c"), ("a/b/..", 0o755, 0, "a/b"),
        ("dir", 0o777, 0, None), ("dir", 0o777, 1, "dir"), ("dir/sub/x", 0o777, 1, "dir/sub/x"),
        ("file", 0o777, 1, None), ("file/x/y", 0o777, 1, None), ("link_dir/n", 0o777, 0, "dir/n"),
        ("dangling/x", 0o777, 1, None), ("loop_self/x", 0o777, 1, None),
        ("locked/x/y", 0o777, 1, None), (LONG + "/x", 0o777, 1, None)]:
    case("makedirs", p, args=(mode, ok), who=1 if p.startswith("locked") else 0, check=chk)

for op in ["unlink", "remove", "rmdir"]:
    for p in ["file", "dir", "dir/sub", "link_dir", "dangling", "fifo", "missing", "file/x",
              "dir/sub/", "link_dir/", "rmd"]:
        case(op, p, check=p.rstrip("/") or None)
case("unlink", "dir/inner", who=1)
case("unlink@", "file", check="file")
case("rmdir@", "dir/sub", check="dir/sub")
case("removedirs", "rmd/a/b", check="rmd")
case("removedirs", "rmd/a/b/", check="rmd")
case("removedirs", "rmd/a", check="rmd/a")
case("removedirs", "missing")
case("removedirs", "dir/sub", check="dir")

case("mkfifo", "pipe", args=(0o666,), check="pipe")
case("mkfifo", "pipe", args=(0o600,), check="pipe")
case("mkfifo", "file", args=(0o666,))
case("mkfifo", "missing/pipe", args=(0o666,))
case("mkfifo@", "pipe", args=(0o640,), check="pipe")
case("mknod", "node", args=(stat.S_IFCHR | 0o640, os.makedev(1, 3)), check="node")
case("mknod", "reg", args=(0o640, 0), check="reg")
case("mknod", "blk", args=(stat.S_IFBLK | 0o600, os.makedev(7, 0)), check="blk")
case("mknod", "file", args=(stat.S_IFCHR | 0o640, os.makedev(1, 3)))
case("mknod", "bad", args=(stat.S_IFDIR | 0o640, 0))
case("mknod@", "node", args=(stat.S_IFIFO | 0o600, 0), check="node")

for src, dst, follow in [("file", "new", 1), ("link_file", "new", 1), ("link_file", "new", 0),
                         ("dangling", "new", 0), ("dangling", "new", 1), ("dir", "new", 1),
                         ("missing", "new", 1), ("file", "empty", 1), ("file", "missing/new", 1),
                         ("file", EXDEV, 1), ("file", "odd\udcff\n name", 1)]:
    case("link", src, dst, args=(follow,), check=dst if dst != EXDEV else None)
case("link@", "file", "new", args=(1,), check="new")
case("link", "file", "dir/new", args=(1,), who=1)
for src, dst in [("file", "sym"), ("nowhere", "sym"), ("x", "file"), ("x", "missing/sym"),
                 ("x", "dangling"), ("odd\udcff", "sym")]:
    case("symlink", src, dst, check=dst)
case("symlink@", "target", "sym", check="sym")
case("symlink", "x", "dir/sym", who=1)
for p in ["link_file", "dangling", "loop_self", "up", "abs_link", "file", "missing", "dir/",
          "link_dir/", "file/x", "dir/uplink"]:
    case("readlink", p)
case("readlink@", "link_dir")

for p, mode, follow in [("file", 0o600, 1), ("file", 0o4755, 1), ("link_file", 0o600, 1),
                        ("link_file", 0o600, 0), ("file", 0o640, 0), ("dangling", 0o600, 1),
                        ("missing", 0o600, 1), ("dir", 0o700, 1)]:
    case("chmod", p, args=(mode, follow), check="file" if p.endswith("file") else p)
case("chmod", "file", args=(0o600, 1), who=1)
case("chmod@", "file", args=(0o604, 1), check="file")
for p, uid, gid, follow in [("file", NOBODY, NOBODY, 1), ("file", -1, NOBODY, 1),
                            ("link_file", NOBODY, -1, 0), ("link_file", NOBODY, NOBODY, 1),
                            ("dangling", NOBODY, NOBODY, 1), ("missing", 0, 0, 0)]:
    case("chown", p, args=(uid, gid, follow), check=p)
case("chown", "file", args=(NOBODY, NOBODY, 1), who=1)
case("lchown", "link_file", args=(NOBODY, NOBODY), check="link_file")
case("lchown", "missing", args=(NOBODY, NOBODY))
case("chown@", "file", args=(NOBODY, 0, 1), check="file")

for p, mode, eff, follow, who in [
        ("file", os.R_OK, 0, 1, 0), ("file", os.X_OK, 0, 1, 0), ("dir", os.X_OK, 0, 1, 0),
        ("missing", os.F_OK, 0, 1, 0), ("dangling", os.F_OK, 0, 1, 0), ("dangling", os.F_OK, 0, 0, 0),
        ("ro", os.W_OK, 0, 1, 0), ("ro", os.W_OK, 0, 1, 1), ("file", os.W_OK, 0, 1, 1),
        ("file", os.R_OK, 0, 1, 1), ("empty", os.R_OK, 0, 1, 1), ("locked/secret", os.F_OK, 0, 1, 1),
        ("empty", os.R_OK, 0, 1, 2), ("empty", os.R_OK, 1, 1, 2), ("file", os.W_OK, 1, 1, 2)]:
    case("access", p, args=(mode, eff, follow), who=who)
case("access@", "dir/inner", args=(os.R_OK, 0, 1))

T1 = (1_234_567_890 * NS + 123_456_789, 1_000_000_000 * NS + 987_654_321)
for p, times, follow in [("file", T1, 1), ("link_file", T1, 1), ("link_file", T1, 0),
                         ("dir", (-NS - 5, 0), 1), ("missing", T1, 1), ("dangling", T1, 0),
                         ("dangling", T1, 1)]:
    case("utime", p, args=times + (follow,), check="file" if p == "link_file" and follow else p)
case("utime", "file", args=T1 + (1,), who=1)
case("utime@", "dir/inner", args=T1 + (1,), check="dir/inner")

for p, length in [("file", 2), ("file", 100000), ("link_file", 1), ("empty", 0), ("dir", 0),
                  ("missing", 1), ("file", -1), ("fifo", 0)]:
    case("truncate", p, args=(length,), check="file" if p.endswith("file") else p)
case("truncate", "ro", args=(0,), who=1)

for p in ["missing", "file/x", ""]:
    case("statvfs", p)

for p in ["file", "dir/../file", "link_file", "chain", "up/file", "link_dir/../file",
          "dir/uplink/..", "dir/uplink/../../dir", "dangling", "dangling/x", "loop_self",
          "loop_a/x", "missing/../file", "file/..", "abs_link/inner", "/", "//", ".", "..",
          "link_dir/", "./dir/./sub/", "odd\udcff\n name", "loop_a//x", "loop_self/../file",
          "link_dir/../..", "up/up/file", ""]:
    for strict in (0, 1):
        case("realpath", p, args=(strict,))

for p in ["dir", "link_dir", "file", "missing", LONG]:
    case("chdir", p)
case("chdir", "locked", who=1)

for p in ["main"]:
    for name in ["f", "d", "ld", "loop_self", "dangling"]:
        for op in ["stat", "lstat", "is_dir", "is_dir_nofollow", "is_file", "is_file_nofollow",
                   "is_symlink"]:
            case("entry_" + op, p, name)


def build(root):
    os.chmod(root, 0o755)
    for typ, name, target, mode in TREE:
        path = os.path.join(root, os.fsdecode(name))
        if typ == "f":
            with open(path, "wb") as f:
                f.write(target)
        elif typ == "d":
            os.mkdir(path)
        elif typ == "l":
            os.symlink(os.fsdecode(target).replace("@", root), path)
        elif typ == "p":
            os.mkfifo(path)
        elif typ == "s":
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.close()
        elif typ == "c":
            os.mknod(path, stat.S_IFCHR, os.makedev(*target))
        elif typ == "h":
            os.link(os.path.join(root, os.fsdecode(target)), path)
        if typ not in "lh" and mode:
            os.chmod(path, mode)
    # Times last, children before their directory (creating an entry
    # changes the directory's mtime).
    for i, (typ, name, _, _) in reversed(list(enumerate(TREE))):
        if typ == "h":
            continue
        path = os.path.join(root, os.fsdecode(name))
        os.utime(path, ns=tree_times(i), follow_symlinks=False)
    os.utime(root, ns=(NS, NS))
    for name in LOCKED:
        os.chmod(os.path.join(root, os.fsdecode(name)), 0)


def tree_times(i):
    return (1_600_000_000 * NS + i * 1_000_003, 1_700_000_000 * NS + i * 7_000_001)


def st_fields(st):
    return [st.st_mode, st.st_nlink, st.st_size if stat.S_ISREG(st.st_mode) or
            stat.S_ISLNK(st.st_mode) else -1, st.st_uid, st.st_gid, st.st_rdev,
            st.st_atime_ns, st.st_mtime_ns]


def check_fields(root, op, check, ok=True):
    """lstat of check after the call: all zero when it is absent; the times
    only after a utime that worked (creating or removing an entry sets
    times to now, following a symlink may set its atime)."""
    os.chdir(root)
    try:
        fields = st_fields(os.lstat(check))
    except (FileNotFoundError, NotADirectoryError):
        return [0] * 8
    if op != "utime" or not ok:
        fields[6] = fields[7] = NOCMP
    return fields


def run(root, op, path, path2, args, check):
    """The case's result: [ret, errno, text, out, fields or None]."""
    dirfd = op.endswith("@")
    op = op.rstrip("@")
    kw = {"dir_fd": os.open(root, os.O_RDONLY)} if dirfd else {}
    os.chdir("/" if dirfd else root)
    ret, out, fields = 0, None, None
    try:
        if op == "stat":
            fields = st_fields(os.stat(path, follow_symlinks=bool(args[0]), **kw))
        elif op in ("exists", "lexists", "isdir", "isfile", "islink"):
            ret = int(getattr(os.path, op)(path))
        elif op == "getsize":
            ret = os.path.getsize(path)
        elif op == "samefile":
            ret = int(os.path.samefile(path, path2))
        elif op == "mkdir":
            os.mkdir(path, args[0], **kw)
        elif op == "makedirs":
            os.makedirs(path, args[0], exist_ok=bool(args[1]))
        elif op in ("unlink", "remove", "rmdir"):
            getattr(os, op)(path, **kw)
        elif op == "removedirs":
            os.removedirs(path)
        elif op == "mkfifo":
            os.mkfifo(path, args[0], **kw)
        elif op == "mknod":
            os.mknod(path, args[0], args[1], **kw)
        elif op == "link":
            # With a dir fd always: plain os.link() calls link(2), which on
            # Linux never follows a symlink, whatever follow_symlinks says
            # (the C function does what the documentation says, as linkat).
            fd = kw["dir_fd"] if dirfd else os.open(".", os.O_RDONLY)
            try:
                os.link(path, path2, follow_symlinks=bool(args[0]), src_dir_fd=fd,
                        dst_dir_fd=fd)
            finally:
                if not dirfd:
                    os.close(fd)
        elif op == "symlink":
            os.symlink(path, path2, **kw)
        elif op == "readlink":
            out = os.readlink(path, **kw)
        elif op == "chmod":
            try:
                os.chmod(path, args[0], follow_symlinks=bool(args[1]), **kw)
            except NotImplementedError:
                # Python's answer to a symlink that cannot be changed; the
                # underlying call fails with EOPNOTSUPP, which C reports.
                raise OSError(95, os.strerror(95), path)
        elif op == "chown":
            os.chown(path, args[0], args[1], follow_symlinks=bool(args[2]), **kw)
        elif op == "lchown":
            os.lchown(path, args[0], args[1])
        elif op == "access":
            ret = int(os.access(path, args[0], effective_ids=bool(args[1]),
                                follow_symlinks=bool(args[2]), **kw))
        elif op == "utime":
            os.utime(path, ns=args[:2], follow_symlinks=bool(args[2]), **kw)
        elif op == "truncate":
            os.truncate(path, args[0])
        elif op == "statvfs":
            os.statvfs(path)
        elif op == "realpath":
            out = os.path.realpath(path, strict=bool(args[0]))
        elif op == "chdir":
            os.chdir(path)
        elif op.startswith("entry_"):
            what = op[len("entry_"):]
            ent = [e for e in os.scandir(path) if e.name == path2][0]
            if what == "stat":
                fields = st_fields(ent.stat())
            elif what == "lstat":
                fields = st_fields(ent.stat(follow_symlinks=False))
            elif what == "is_symlink":
                ret = int(ent.is_symlink())
            else:
                fn = getattr(ent, what.replace("_nofollow", ""))
                ret = int(fn(follow_symlinks=not what.endswith("_nofollow")))
        else:
            raise SystemExit("unknown op " + op)
    except OSError as e:
        ret, code, text = -1, e.errno, unroot(str(e), root)
    else:
        code, text = 0, None
    finally:
        if dirfd:
            os.close(kw.get("dir_fd", kw.get("src_dir_fd")))
    if check is not None:
        fields = check_fields(root, op, check, ret == 0)
    if out is not None:
        out = unroot(out, root)
    return [ret, code, text, out, fields]


def unroot(text, root):
    """The tree's path as "@", its parent's (the test's directory) as "^"."""
    return text.replace(root, "@").replace(os.path.dirname(root), "^")


def run_as(root, c):
    op, path, path2, args, who, check = c
    if who == 0:
        return run(root, op, path, path2, args, check)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setgroups([])
        if who == 1:
            os.setresuid(NOBODY, NOBODY, NOBODY)
        else:
            os.setresuid(NOBODY, 0, 0)
        try:
            res = run(root, op, path, path2, args, None)
        except BaseException as e:
            res = ["error", repr(e)]
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    res = json.loads(data)
    if res[0] == "error":
        raise SystemExit("case %r: %s" % (c, res[1]))
    if check is not None:
        res[4] = check_fields(root, op.rstrip("@"), check, res[0] == 0)
    return res


def c_ll(x):
    return "FS_NOCMP" if x == NOCMP else "%dLL" % x


def c_bytes(data):
    out = []
    for byte in data:
        ch = chr(byte)
        if ch in '\\"':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F and ch != "?":
            out.append(ch)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"'


def c_str(s):
    if s is None:
        return "NULL"
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    return c_bytes(s)


def main():
    if os.geteuid() != 0:
        raise SystemExit("gen_fs_cases.py: run as root (mknod, uid 65534 cases)")
    os.umask(UMASK)
    base = tempfile.mkdtemp(prefix="osx-gen-fs-")
    os.chmod(base, 0o755)
    p = print
    p("/* Generated by tests/gen_fs_cases.py (CPython %s); do not edit. */" %
      sys.version.split()[0])
    p("#define FS_UMASK 0%o" % UMASK)
    p("#define FS_NOBODY %d" % NOBODY)
    p("#define FS_EXDEV %s" % c_str(EXDEV))
    p("#define FS_ROOT_NS %dLL" % NS)
    p("#define FS_NOCMP (-9223372036854775807LL - 1)")
    p("struct fs_node { char type; const char *name, *target; unsigned mode; long long atime_ns, mtime_ns; };")
    p("static const struct fs_node fs_tree[] = {")
    for i, (typ, name, target, mode) in enumerate(TREE):
        if typ == "c":
            target = b"%d,%d" % target
        a, m = tree_times(i)
        p("\t{'%s', %s, %s, 0%o, %dLL, %dLL}," % (typ, c_bytes(name), "NULL" if target is None
                                                else c_bytes(target), mode, a, m))
    p("};")
    p("static const char *const fs_locked[] = {%s};" % ", ".join(c_bytes(n) for n in LOCKED))
    p("struct fs_case {")
    p("\tconst char *op, *path, *path2, *check;")
    p("\tlong long args[4];")
    p("\tint who;")
    p("\tlong long ret;")
    p("\tint code;")
    p("\tconst char *text, *out;")
    p("\tint has_st;")
    p("\tlong long st[8]; /* mode nlink size(-1: not compared) uid gid rdev atime_ns mtime_ns */")
    p("};")
    p("static const struct fs_case fs_cases[] = {")
    for n, c in enumerate(CASES):
        op, path, path2, args, who, check = c
        root = os.path.join(base, "c%d" % n)
        os.mkdir(root)
        build(root)
        ret, code, text, out, fields = run_as(root, c)
        os.chdir(base)
        a = list(args) + [0] * (4 - len(args))
        p("\t{%s, %s, %s, %s, {%s}, %d, %dLL, %d, %s, %s, %d, {%s}}," % (
            c_str(op), c_str(path), c_str(path2), c_str(check),
            ", ".join("%dLL" % x for x in a), who, ret, code, c_str(text), c_str(out),
            fields is not None, ", ".join(c_ll(x) for x in (fields or [0] * 8))))
    p("};")
    # The working directory removed under the process, and one deeper
    # than PATH_MAX.
    d = os.path.join(base, "gone")
    os.mkdir(d)
    os.chdir(d)
    os.rmdir(d)
    try:
        os.getcwd()
        raise SystemExit("getcwd of a removed directory succeeded")
    except OSError as e:
        p("#define FS_GETCWD_GONE_CODE %d" % e.errno)
        p("#define FS_GETCWD_GONE_TEXT %s" % c_str(str(e)))
    os.chdir(base)
    deep = os.path.join(base, "deep")
    os.mkdir(deep)
    os.chdir(deep)
    comp = "d" * 200
    for _ in range(30):
        os.mkdir(comp)
        os.chdir(comp)
    cwd = os.getcwd()
    assert cwd == deep + ("/" + comp) * 30
    p("#define FS_DEEP_COMPONENT %s" % c_str(comp))
    p("#define FS_DEEP_LEVELS 30")
    os.chdir("/")
    os.system("rm -rf -- '%s'" % base)


main()
