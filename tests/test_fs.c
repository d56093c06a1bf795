/* fs.h: files and directories by name, against CPython (tests/fs_cases.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_cases.h"
#include "harness.h"

#define N_CASES (sizeof(fs_cases) / sizeof(fs_cases[0]))

static int is_root(void)
{
	return geteuid() == 0;
}

/* ---- the tree of tests/gen_fs_cases.py ---- */

static void build_tree(const char *root)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct timespec ts[2];
	size_t i;

	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(chmod(root, 0755), 0);
	for (i = 0; i < sizeof(fs_tree) / sizeof(fs_tree[0]); i++) {
		const struct fs_node *n = &fs_tree[i];
		int fd, maj, min;

		snprintf(path, sizeof(path), "%s/%s", root, n->name);
		switch (n->type) {
		case 'f':
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, n->target, strlen(n->target)),
					 (ssize_t)strlen(n->target));
			close(fd);
			break;
		case 'd':
			assert_int_equal(mkdir(path, 0755), 0);
			break;
		case 'l':
			if (n->target[0] == '@')
				snprintf(target, sizeof(target), "%s%s", root, n->target + 1);
			else
				snprintf(target, sizeof(target), "%s", n->target);
			assert_int_equal(symlink(target, path), 0);
			break;
		case 'p':
			assert_int_equal(mkfifo(path, 0644), 0);
			break;
		case 's': {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };

			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			assert_true(fd >= 0);
			assert_true(strlen(path) < sizeof(sa.sun_path));
			strcpy(sa.sun_path, path);
			assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
			close(fd);
			break;
		}
		case 'c':
			assert_int_equal(sscanf(n->target, "%d,%d", &maj, &min), 2);
			if (mknod(path, S_IFCHR | 0600, makedev(maj, min)) < 0)
				assert_false(is_root()); /* checked by the caller */
			break;
		case 'h':
			snprintf(target, sizeof(target), "%s/%s", root, n->target);
			assert_int_equal(link(target, path), 0);
			break;
		}
		if (n->type != 'l' && n->type != 'h' && n->mode)
			chmod(path, n->mode);
	}
	for (i = sizeof(fs_tree) / sizeof(fs_tree[0]); i-- > 0;) {
		const struct fs_node *n = &fs_tree[i];

		if (n->type == 'h')
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, n->name);
		ts[0].tv_sec = n->atime_ns / FS_ROOT_NS, ts[0].tv_nsec = n->atime_ns % FS_ROOT_NS;
		ts[1].tv_sec = n->mtime_ns / FS_ROOT_NS, ts[1].tv_nsec = n->mtime_ns % FS_ROOT_NS;
		utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	}
	ts[0].tv_sec = ts[1].tv_sec = 1, ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, root, ts, 0), 0);
	for (i = 0; i < sizeof(fs_locked) / sizeof(fs_locked[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, fs_locked[i]);
		assert_int_equal(chmod(path, 0), 0);
	}
}

/* ---- running a case ---- */

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* text with the tree's path written "@" and its parent's "^", as the
 * generator does. */
static void unroot(const char *text, const char *root, char *out, size_t size)
{
	size_t rl = strlen(root), pl = strlen(osx_test_tmpdir()), n = 0;

	while (*text && n + 1 < size) {
		if (!strncmp(text, root, rl)) {
			out[n++] = '@';
			text += rl;
		} else if (!strncmp(text, osx_test_tmpdir(), pl)) {
			out[n++] = '^';
			text += pl;
		} else {
			out[n++] = *text++;
		}
	}
	out[n] = '\0';
}

static long long ns_of(const osx_time *t)
{
	return t->sec * FS_ROOT_NS + t->nsec;
}

static void fields_of(const osx_stat_result *st, long long f[8])
{
	f[0] = st->mode, f[1] = (long long)st->nlink;
	f[2] = S_ISREG(st->mode) || S_ISLNK(st->mode) ? st->size : -1;
	f[3] = st->uid, f[4] = st->gid, f[5] = (long long)st->rdev;
	f[6] = ns_of(&st->atime), f[7] = ns_of(&st->mtime);
}

static const char *const field_names[8] = { "mode", "nlink", "size", "uid", "gid",
					    "rdev", "atime_ns", "mtime_ns" };

/* 0 when f matches the case's expectation, else 1 with a message. */
static int cmp_fields(const struct fs_case *c, const long long f[8], char *msg, size_t size)
{
	int i;

	for (i = 0; i < 8; i++) {
		if (c->st[i] == FS_NOCMP || (i == 2 && c->st[i] == -1))
			continue;
		if ((i == 3 || i == 4) && !is_root())
			continue; /* the tree is the suite's user's, not root's */
		if (f[i] != c->st[i]) {
			snprintf(msg, size, "%s %lld, Python %lld", field_names[i], f[i], c->st[i]);
			return 1;
		}
	}
	return 0;
}

static osx_time time_of_ns(long long ns)
{
	osx_time t;

	/* Python's divmod: floor division, nsec always in [0, 1e9). */
	t.sec = ns / FS_ROOT_NS;
	t.nsec = ns % FS_ROOT_NS;
	if (t.nsec < 0)
		t.sec--, t.nsec += FS_ROOT_NS;
	return t;
}

/*
 * Run case c in its tree root (cwd set as the case wants) and compare the
 * result with CPython's.  Returns 0 or 1 with a message in msg.  Only
 * plain C and the library: also runs in a forked child with other ids.
 */
static int run_case(const struct fs_case *c, const char *root, char *msg, size_t size)
{
	int at = c->op[strlen(c->op) - 1] == '@';
	char op[32], buf[PATH_MAX], text[4096], want[4096];
	const char *out = NULL;
	char *alloc = NULL;
	osx_stat_result st;
	osx_statvfs_result vfs;
	osx_error err;
	long long r = 0, f[8];
	int dfd = OSX_AT_CWD, has_st = 0, bad = 0;

	snprintf(op, sizeof(op), "%.*s", (int)strlen(c->op) - at, c->op);
	if (at) {
		dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || chdir("/") < 0)
			return snprintf(msg, size, "cannot open the tree"), 1;
	} else if (chdir(root) < 0) {
		return snprintf(msg, size, "cannot enter the tree"), 1;
	}
	memset(&err, 0, sizeof(err));
	if (!strcmp(op, "stat")) {
		r = osx_stat(dfd, c->path, (int)c->args[0], &st, &err);
		has_st = r == 0;
	} else if (!strcmp(op, "exists")) {
		r = osx_exists(dfd, c->path, &err);
	} else if (!strcmp(op, "lexists")) {
		r = osx_lexists(dfd, c->path, &err);
	} else if (!strcmp(op, "isdir")) {
		r = osx_isdir(dfd, c->path, &err);
	} else if (!strcmp(op, "isfile")) {
		r = osx_isfile(dfd, c->path, &err);
	} else if (!strcmp(op, "islink")) {
		r = osx_islink(dfd, c->path, &err);
	} else if (!strcmp(op, "getsize")) {
		r = osx_getsize(dfd, c->path, &err);
	} else if (!strcmp(op, "samefile")) {
		r = osx_samefile(dfd, c->path, c->path2, &err);
	} else if (!strcmp(op, "mkdir")) {
		r = osx_mkdir(dfd, c->path, (mode_t)c->args[0], &err);
	} else if (!strcmp(op, "makedirs")) {
		r = osx_makedirs(dfd, c->path, (mode_t)c->args[0], (int)c->args[1], &err);
	} else if (!strcmp(op, "unlink")) {
		r = osx_unlink(dfd, c->path, &err);
	} else if (!strcmp(op, "remove")) {
		r = osx_remove(dfd, c->path, &err);
	} else if (!strcmp(op, "rmdir")) {
		r = osx_rmdir(dfd, c->path, &err);
	} else if (!strcmp(op, "removedirs")) {
		r = osx_removedirs(dfd, c->path, &err);
	} else if (!strcmp(op, "mkfifo")) {
		r = osx_mkfifo(dfd, c->path, (mode_t)c->args[0], &err);
	} else if (!strcmp(op, "mknod")) {
		r = osx_mknod(dfd, c->path, (mode_t)c->args[0], (uint64_t)c->args[1], &err);
	} else if (!strcmp(op, "link")) {
		r = osx_link(dfd, c->path, dfd, c->path2, (int)c->args[0], &err);
	} else if (!strcmp(op, "symlink")) {
		r = osx_symlink(dfd, c->path, c->path2, &err);
	} else if (!strcmp(op, "readlink")) {
		size_t len = 0;

		r = osx_readlink(dfd, c->path, buf, sizeof(buf), &err);
		alloc = osx_readlink_alloc(dfd, c->path, &len, NULL);
		if ((r >= 0) != (alloc != NULL) || (alloc && (strcmp(alloc, buf) || len != (size_t)r)))
			bad = snprintf(msg, size, "readlink and readlink_alloc differ");
		if (r >= 0) {
			unroot(alloc ? alloc : "", root, buf, sizeof(buf));
			out = buf, r = 0;
		}
	} else if (!strcmp(op, "chmod")) {
		r = osx_chmod(dfd, c->path, (mode_t)c->args[0], (int)c->args[1], &err);
	} else if (!strcmp(op, "chown")) {
		r = osx_chown(dfd, c->path, (uid_t)c->args[0], (gid_t)c->args[1], (int)c->args[2],
			      &err);
	} else if (!strcmp(op, "lchown")) {
		r = osx_lchown(dfd, c->path, (uid_t)c->args[0], (gid_t)c->args[1], &err);
	} else if (!strcmp(op, "access")) {
		r = osx_access(dfd, c->path, (int)c->args[0], (int)c->args[1], (int)c->args[2], &err);
	} else if (!strcmp(op, "utime")) {
		osx_time t[2];

		t[0] = time_of_ns(c->args[0]);
		t[1] = time_of_ns(c->args[1]);
		r = osx_utime(dfd, c->path, t, (int)c->args[2], &err);
	} else if (!strcmp(op, "truncate")) {
		r = osx_truncate(dfd, c->path, c->args[0], &err);
	} else if (!strcmp(op, "statvfs")) {
		r = osx_statvfs(dfd, c->path, &vfs, &err);
	} else if (!strcmp(op, "realpath")) {
		alloc = osx_realpath(dfd, c->path, (int)c->args[0], &err);
		r = alloc ? 0 : -1;
		if (alloc) {
			unroot(alloc, root, buf, sizeof(buf));
			out = buf;
		}
	} else if (!strcmp(op, "chdir")) {
		r = osx_chdir(dfd, c->path, &err);
	} else {
		bad = snprintf(msg, size, "unknown op");
	}
	if (dfd != OSX_AT_CWD)
		close(dfd);
	if (!bad && r != c->ret)
		bad = snprintf(msg, size, "returned %lld, Python %lld", r, c->ret);
	if (!bad && r < 0) {
		osx_error_format(&err, text, sizeof(text));
		unroot(text, root, want, sizeof(want));
		if (err.code != c->code || errno != err.code || !err.call)
			bad = snprintf(msg, size, "errno %d (%s), Python %d", err.code,
				       err.call ? err.call : "no call", c->code);
		else if (strcmp(want, c->text))
			bad = snprintf(msg, size, "\"%s\", Python \"%s\"", want, c->text);
	}
	if (!bad && (out || c->out) && (!out || !c->out || strcmp(out, c->out)))
		bad = snprintf(msg, size, "\"%s\", Python \"%s\"", out ? out : "(none)",
			       c->out ? c->out : "(none)");
	if (!bad && has_st && c->has_st && !c->check) {
		fields_of(&st, f);
		bad = cmp_fields(c, f, msg, size);
	}
	free(alloc);
	return bad != 0;
}

/* The case's check path after the call, by lstat(2). */
static int check_after(const struct fs_case *c, const char *root, char *msg, size_t size)
{
	struct stat s;
	long long f[8];
	char path[PATH_MAX];

	if (!c->check || !c->has_st)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", root, c->check);
	if (lstat(path, &s) < 0) {
		if (c->st[0] == 0 && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return snprintf(msg, size, "check %s: %s", c->check, strerror(errno)), 1;
	}
	if (c->st[0] == 0)
		return snprintf(msg, size, "check %s: exists, Python: absent", c->check), 1;
	f[0] = s.st_mode, f[1] = (long long)s.st_nlink;
	f[2] = S_ISREG(s.st_mode) || S_ISLNK(s.st_mode) ? s.st_size : -1;
	f[3] = s.st_uid, f[4] = s.st_gid, f[5] = (long long)s.st_rdev;
	f[6] = s.st_atim.tv_sec * FS_ROOT_NS + s.st_atim.tv_nsec;
	f[7] = s.st_mtim.tv_sec * FS_ROOT_NS + s.st_mtim.tv_nsec;
	return cmp_fields(c, f, msg, size);
}

/* A case run with other ids: 1 uid/gid 65534; 2 real uid 65534,
 * effective 0.  In a child, so the suite keeps its own ids. */
static int run_as(const struct fs_case *c, const char *root, char *msg, size_t size)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad;

		close(fds[0]);
		if (setgroups(0, NULL) < 0 || setresgid(FS_NOBODY, FS_NOBODY, FS_NOBODY) < 0 ||
		    (c->who == 1 ? setresuid(FS_NOBODY, FS_NOBODY, FS_NOBODY)
				 : setresuid(FS_NOBODY, 0, 0)) < 0) {
			bad = snprintf(msg, size, "cannot switch ids: %s", strerror(errno));
		} else {
			bad = run_case(c, root, msg, size);
		}
		if (bad && write(fds[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(bad);
	}
	close(fds[1]);
	n = read(fds[0], msg, size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

/* What a non-root suite cannot build or do: device nodes, chown,
 * other ids. */
static int needs_root(const struct fs_case *c)
{
	return c->who || !strcmp(c->op, "chown") || !strcmp(c->op, "chown@") ||
	       !strcmp(c->op, "lchown") || (c->path && !strcmp(c->path, "null")) ||
	       (starts(c->op, "mknod") && (c->args[0] & S_IFMT) != S_IFIFO &&
		(c->args[0] & S_IFMT) != 0 && c->ret == 0);
}

static void python_cases(void **state)
{
	char root[PATH_MAX], cwd[PATH_MAX], msg[8192];
	size_t i, ran = 0, skipped = 0, failed = 0;
	mode_t old = umask(FS_UMASK);

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* The ids of the permission cases must reach the trees. */
	assert_int_equal(chmod(osx_test_tmpdir(), 0755), 0);
	for (i = 0; i < N_CASES; i++) {
		const struct fs_case *c = &fs_cases[i];
		int bad;

		if (starts(c->op, "entry_"))
			continue; /* tests/test_dir.c */
		if (!is_root() && needs_root(c)) {
			skipped++;
			continue;
		}
		snprintf(root, sizeof(root), "%s/c%zu", osx_test_tmpdir(), i);
		build_tree(root);
		msg[0] = '\0';
		bad = c->who ? run_as(c, root, msg, sizeof(msg)) : run_case(c, root, msg, sizeof(msg));
		if (!bad)
			bad = check_after(c, root, msg, sizeof(msg));
		if (bad) {
			print_message("case %zu %s(\"%s\"%s%s%s) as %d: %s\n", i, c->op,
				      c->path ? c->path : "", c->path2 ? ", \"" : "",
				      c->path2 ? c->path2 : "", c->path2 ? "\"" : "", c->who, msg);
			failed++;
		}
		assert_int_equal(chdir(cwd), 0);
		ran++;
	}
	umask(old);
	if (skipped)
		print_message("%zu cases need root (device nodes, chown, uid 65534): skipped\n",
			      skipped);
	assert_int_equal(failed, 0);
	assert_true(ran > 300 || (!is_root() && ran > 200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(python_cases),
	};

	return OSX_RUN(tests);
}
