/* fs.h: files and directories by name, against CPython (tests/fs_cases.h). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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

/* snprintf that fails the test rather than cut a path. */
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

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

		fmt(path, sizeof(path), "%s/%s", root, n->name);
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
				fmt(target, sizeof(target), "%s%s", root, n->target + 1);
			else
				fmt(target, sizeof(target), "%s", n->target);
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
			fmt(target, sizeof(target), "%s/%s", root, n->target);
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
		fmt(path, sizeof(path), "%s/%s", root, n->name);
		ts[0].tv_sec = n->atime_ns / FS_ROOT_NS, ts[0].tv_nsec = n->atime_ns % FS_ROOT_NS;
		ts[1].tv_sec = n->mtime_ns / FS_ROOT_NS, ts[1].tv_nsec = n->mtime_ns % FS_ROOT_NS;
		utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	}
	ts[0].tv_sec = ts[1].tv_sec = 1, ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, root, ts, 0), 0);
	for (i = 0; i < sizeof(fs_locked) / sizeof(fs_locked[0]); i++) {
		fmt(path, sizeof(path), "%s/%s", root, fs_locked[i]);
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
	char op[32], buf[PATH_MAX], text[4096], want[4096], py[4096];
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
		else if (strcmp(want, osx_test_python_text(c->text, py, sizeof(py))))
			bad = snprintf(msg, size, "\"%s\", Python \"%s\"", want, py);
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
	fmt(path, sizeof(path), "%s/%s", root, c->check);
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
	size_t i, ran = 0, skipped = 0, failed = 0, refused = 0;
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
		/* Without faccessat2 (before 5.8) libc's faccessat checks the
		 * real ids for AT_EACCESS unless the program is set-uid: where
		 * they differ, so does the answer (Python's the same; docs/fs.md). */
		if (starts(c->op, "access") && c->args[1] && c->who == 2 &&
		    osx_test_refused("faccessat2", NULL)) {
			refused++;
			continue;
		}
		fmt(root, sizeof(root), "%s/c%zu", osx_test_tmpdir(), i);
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
	if (refused)
		print_message("%zu effective_ids cases need faccessat2, refused here: skipped\n",
			      refused);
	assert_int_equal(failed, 0);
	assert_true(ran > 300 || (!is_root() && ran > 200));
}


/* ---- beyond the table ---- */

/* Several threads making the same tree at once. */
#define RACERS 6

struct race {
	const char *path;
	int exist_ok;
	pthread_barrier_t *go;
	int rc, code;
};

static void *race_makedirs(void *arg)
{
	struct race *r = arg;
	osx_error err;

	pthread_barrier_wait(r->go);
	r->rc = osx_makedirs(OSX_AT_CWD, r->path, 0755, r->exist_ok, &err);
	r->code = r->rc < 0 ? err.code : 0;
	return NULL;
}

/* RACERS threads released together on one path; results in r. */
static void race(const char *path, int exist_ok, struct race r[RACERS])
{
	pthread_t t[RACERS];
	pthread_barrier_t go;
	int i;

	assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct race){ path, exist_ok, &go, -2, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, race_makedirs, &r[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&go);
}

/* With exist_ok every thread succeeds: the parents another made first are
 * no error, and neither is the leaf. */
static void makedirs_races(void **state)
{
	char path[PATH_MAX];
	struct race r[RACERS];
	int round, i;

	(void)state;
	for (round = 0; round < 20; round++) {
		fmt(path, sizeof(path), "%s/r%d/a/b/c/d/e/f/g/h", osx_test_tmpdir(), round);
		race(path, 1, r);
		for (i = 0; i < RACERS; i++)
			if (r[i].rc != 0)
				fail_msg("round %d thread %d: errno %d", round, i, r[i].code);
		assert_int_equal(osx_isdir(OSX_AT_CWD, path, NULL), 1);
	}
}

/* Without exist_ok the parents made by another thread are still fine; the
 * leaf is made once and is EEXIST for everyone else, as in Python. */
static void makedirs_race_without_exist_ok(void **state)
{
	char path[PATH_MAX];
	struct race r[RACERS];
	int round, i, won;

	(void)state;
	for (round = 0; round < 10; round++) {
		fmt(path, sizeof(path), "%s/s%d/q/r/s", osx_test_tmpdir(), round);
		race(path, 0, r);
		for (i = won = 0; i < RACERS; i++) {
			if (r[i].rc == 0)
				won++;
			else
				assert_int_equal(r[i].code, EEXIST);
		}
		assert_int_equal(won, 1);
	}
}

/* Two threads, each with its own working directory: chdir concurrently,
 * then resolve relative names, each in its own directory only. */
struct cwd_thread {
	const char *dir, *mine, *theirs;
	pthread_barrier_t *go;
	int ok;
	char cwd[PATH_MAX];
};

static void *own_cwd(void *arg)
{
	struct cwd_thread *c = arg;
	osx_error err;
	int i;

	c->ok = osx_thread_unshare_cwd(&err) == 0;
	pthread_barrier_wait(c->go);
	c->ok &= osx_chdir(OSX_AT_CWD, c->dir, &err) == 0;
	pthread_barrier_wait(c->go);
	for (i = 0; i < 200 && c->ok; i++) {
		c->ok &= osx_isfile(OSX_AT_CWD, c->mine, NULL) == 1;
		c->ok &= osx_exists(OSX_AT_CWD, c->theirs, NULL) == 0;
		if (i % 50 == 0) /* and back again: the other thread never notices */
			c->ok &= osx_chdir(OSX_AT_CWD, c->dir, &err) == 0;
	}
	c->ok &= osx_getcwd(c->cwd, sizeof(c->cwd), &err) > 0;
	return NULL;
}

static void thread_private_cwd(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], before[PATH_MAX], after[PATH_MAX];
	struct cwd_thread ta, tb;
	pthread_barrier_t go;
	pthread_t x, y;

	(void)state;
	fmt(a, sizeof(a), "%s/A", osx_test_tmpdir());
	fmt(b, sizeof(b), "%s/B", osx_test_tmpdir());
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	close(open(osx_test_path(0, "A/only-a"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	close(open(osx_test_path(0, "B/only-b"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	assert_non_null(getcwd(before, sizeof(before)));
	assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
	ta = (struct cwd_thread){ a, "only-a", "only-b", &go, 0, "" };
	tb = (struct cwd_thread){ b, "only-b", "only-a", &go, 0, "" };
	assert_int_equal(pthread_create(&x, NULL, own_cwd, &ta), 0);
	assert_int_equal(pthread_create(&y, NULL, own_cwd, &tb), 0);
	assert_int_equal(pthread_join(x, NULL), 0);
	assert_int_equal(pthread_join(y, NULL), 0);
	pthread_barrier_destroy(&go);
	assert_true(ta.ok);
	assert_true(tb.ok);
	assert_string_equal(ta.cwd, a);
	assert_string_equal(tb.cwd, b);
	/* The process's own working directory never moved. */
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
}

static void remove_deep(const char *base)
{
	assert_int_equal(osx_rmtree(base, NULL, NULL, NULL), 0);
}

/* getcwd of a removed directory, and of one deeper than PATH_MAX. */
static void getcwd_cases(void **state)
{
	char cwd[PATH_MAX], buf[PATH_MAX], *p, *want;
	size_t i, len;
	osx_error err;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	p = osx_getcwd_alloc(&err);
	assert_non_null(p);
	assert_string_equal(p, cwd);
	free(p);
	assert_int_equal(osx_getcwd(buf, sizeof(buf), &err), (ssize_t)strlen(cwd));
	assert_string_equal(buf, cwd);
	assert_int_equal(osx_getcwd(buf, 2, &err), -1);
	assert_int_equal(err.code, ERANGE);

	/* Removed: Python's text, no file name. */
	assert_int_equal(mkdir(osx_test_path(0, "gone"), 0755), 0);
	assert_int_equal(chdir(osx_test_path(0, "gone")), 0);
	assert_int_equal(rmdir(osx_test_path(0, "gone")), 0);
	assert_int_equal(osx_getcwd(buf, sizeof(buf), &err), -1);
	assert_int_equal(err.code, FS_GETCWD_GONE_CODE);
	assert_int_equal(errno, FS_GETCWD_GONE_CODE);
	osx_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, FS_GETCWD_GONE_TEXT);
	assert_null(osx_getcwd_alloc(&err));
	assert_int_equal(err.code, FS_GETCWD_GONE_CODE);
	osx_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, FS_GETCWD_GONE_TEXT);

	/* Deeper than PATH_MAX (the kernel's getcwd says ENAMETOOLONG). */
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	assert_int_equal(mkdir("deep", 0755), 0);
	assert_int_equal(chdir("deep"), 0);
	len = strlen(osx_test_tmpdir()) + strlen("/deep");
	for (i = 0; i < FS_DEEP_LEVELS; i++) {
		assert_int_equal(mkdir(FS_DEEP_COMPONENT, 0755), 0);
		assert_int_equal(chdir(FS_DEEP_COMPONENT), 0);
		len += 1 + strlen(FS_DEEP_COMPONENT);
	}
	assert_true(len > PATH_MAX);
	assert_int_equal(osx_getcwd(buf, sizeof(buf), &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);
	p = osx_getcwd_alloc(&err);
	assert_non_null(p);
	assert_int_equal(strlen(p), len);
	want = malloc(len + 1);
	assert_non_null(want);
	i = (size_t)snprintf(want, len + 1, "%s/deep", osx_test_tmpdir());
	while (i < len)
		i += (size_t)snprintf(want + i, len + 1 - i, "/%s", FS_DEEP_COMPONENT);
	assert_string_equal(p, want);
	free(want);
	free(p);
	assert_int_equal(chdir(cwd), 0);
	remove_deep(osx_test_path(0, "deep"));
}

/* readlink: the buffer form is ERANGE when the target does not fit, the
 * allocating form grows (a /proc link reports size 0). */
static void readlink_forms(void **state)
{
	char buf[8], want[64], *p, big[3000];
	size_t len;
	osx_error err;
	int fd;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(symlink(big, osx_test_path(0, "big")), 0);
	assert_int_equal(osx_readlink(OSX_AT_CWD, osx_test_path(0, "big"), buf, sizeof(buf), &err),
			 -1);
	assert_int_equal(err.code, ERANGE);
	p = osx_readlink_alloc(OSX_AT_CWD, osx_test_path(0, "big"), &len, &err);
	assert_non_null(p);
	assert_int_equal(len, sizeof(big) - 1);
	assert_string_equal(p, big);
	free(p);
	assert_int_equal(symlink("1234567", osx_test_path(0, "seven")), 0);
	assert_int_equal(osx_readlink(OSX_AT_CWD, osx_test_path(0, "seven"), buf, sizeof(buf),
				      &err), 7);
	assert_string_equal(buf, "1234567");
	fd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	p = osx_readlink_alloc(OSX_AT_CWD, want, &len, &err);
	assert_non_null(p);
	assert_string_equal(p, osx_test_tmpdir());
	free(p);
	/* realpath relative to a dir fd: its name from /proc. */
	p = osx_realpath(fd, "seven/..", 0, &err);
	assert_non_null(p);
	assert_string_equal(p, osx_test_tmpdir());
	free(p);
	close(fd);
}

/* tempfile's semantics: O_EXCL, 0600 / 0700 whatever the umask, the
 * prefix and suffix around 8 characters of [a-z0-9_]. */
static void temp_files(void **state)
{
	char *path, *dir;
	struct stat st;
	osx_error err;
	mode_t old = umask(077);
	size_t i, n;
	int fd;

	(void)state;
	fd = osx_mkstemp(OSX_AT_CWD, osx_test_tmpdir(), "pre-", ".suf", &path, &err);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));
	n = strlen(osx_test_tmpdir());
	assert_memory_equal(path, osx_test_tmpdir(), n);
	assert_memory_equal(path + n, "/pre-", 5);
	for (i = n + 5; i < n + 13; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789_", path[i]));
	assert_string_equal(path + n + 13, ".suf");
	assert_int_equal(stat(path, &st), 0);
	close(fd);
	free(path);
	dir = osx_mkdtemp(OSX_AT_CWD, osx_test_tmpdir(), NULL, NULL, &err);
	assert_non_null(dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_memory_equal(dir + n, "/tmp", 4);
	assert_int_equal(strlen(dir), n + 4 + 8);
	/* Names already taken are skipped (EEXIST: another try). */
	assert_int_equal(osx__fault_fail(OSX__SYS_openat, 1, 3, EEXIST), 0);
	fd = osx_mkstemp(OSX_AT_CWD, dir, NULL, NULL, &path, &err);
	osx__fault_reset();
	assert_true(fd >= 0);
	close(fd);
	free(path);
	assert_int_equal(osx__fault_fail(OSX__SYS_mkdirat, 1, OSX__FAULT_ALWAYS, EEXIST), 0);
	assert_null(osx_mkdtemp(OSX_AT_CWD, dir, NULL, NULL, &err));
	osx__fault_reset();
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(osx_mkstemp(OSX_AT_CWD, "/nonexistent-dir", NULL, NULL, &path, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_null(path);
	free(dir);
	umask(old);
}

/* utime: OSX_UTIME_OMIT keeps a time, OSX_UTIME_NOW sets it to now, NULL
 * both to now, bad nanoseconds are EINVAL. */
static void utime_markers(void **state)
{
	const char *f = osx_test_path(0, "t");
	osx_time t[2] = { { 1000, 5 }, { 2000, 7 } };
	osx_stat_result st;
	osx_error err;
	struct timespec now;

	(void)state;
	close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	assert_int_equal(osx_utime(OSX_AT_CWD, f, t, 1, &err), 0);
	t[0].nsec = OSX_UTIME_OMIT;
	t[1].sec = 0, t[1].nsec = OSX_UTIME_NOW;
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(osx_utime(OSX_AT_CWD, f, t, 1, &err), 0);
	assert_int_equal(osx_stat(OSX_AT_CWD, f, 1, &st, &err), 0);
	assert_int_equal(st.atime.sec, 1000);
	assert_int_equal(st.atime.nsec, 5);
	assert_true(st.mtime.sec >= now.tv_sec - 1);
	assert_int_equal(osx_utime(OSX_AT_CWD, f, NULL, 1, &err), 0);
	assert_int_equal(osx_stat(OSX_AT_CWD, f, 1, &st, &err), 0);
	assert_true(st.atime.sec >= now.tv_sec - 1);
	t[0].nsec = 1000000000;
	assert_int_equal(osx_utime(OSX_AT_CWD, f, t, 1, &err), -1);
	assert_int_equal(err.code, EINVAL);
	t[0].nsec = -1;
	assert_int_equal(osx_utime(OSX_AT_CWD, f, t, 1, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

/* The fields libc's stat and statvfs give, the birth time statx gives,
 * and the fstatat fallback when statx is missing (ENOSYS) or refused by
 * an old container policy (EPERM). */
static void stat_fields_and_fallback(void **state)
{
	const char *f = osx_test_path(0, "s");
	osx_stat_result st, fb, fs;
	osx_statvfs_result v;
	struct statvfs lv;
	struct stat ls;
	osx_error err;
	int fd, e;

	(void)state;
	fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "12345", 5), 5);
	assert_int_equal(osx_stat(OSX_AT_CWD, f, 1, &st, &err), 0);
	assert_int_equal(stat(f, &ls), 0);
	assert_int_equal(st.mode, ls.st_mode);
	assert_int_equal(st.ino, ls.st_ino);
	assert_int_equal(st.dev, ls.st_dev);
	assert_int_equal(st.nlink, ls.st_nlink);
	assert_int_equal(st.uid, ls.st_uid);
	assert_int_equal(st.gid, ls.st_gid);
	assert_int_equal(st.size, 5);
	assert_int_equal(st.blocks, ls.st_blocks);
	assert_int_equal(st.blksize, ls.st_blksize);
	assert_int_equal(st.mtime.sec, ls.st_mtim.tv_sec);
	assert_int_equal(st.mtime.nsec, ls.st_mtim.tv_nsec);
	assert_int_equal(st.ctime.nsec, ls.st_ctim.tv_nsec);
	if (st.valid & OSX_STAT_BIRTHTIME)
		assert_true(st.birthtime.sec <= st.ctime.sec && st.birthtime.sec > 0);
	else
		print_message("no birth time on this filesystem\n");
	assert_int_equal(osx_fstat(fd, &fs, &err), 0);
	assert_int_equal(osx_samestat(&st, &fs), 1);
	assert_int_equal(fs.size, 5);
	for (e = 0; e < 2; e++) {
		assert_int_equal(osx__fault_fail(OSX__SYS_statx, 1, OSX__FAULT_ALWAYS,
						 e ? EPERM : ENOSYS), 0);
		assert_int_equal(osx_stat(OSX_AT_CWD, f, 1, &fb, &err), 0);
		assert_int_equal(osx__fault_count(OSX__SYS_fstatat), 1);
		osx__fault_reset();
		assert_int_equal(fb.ino, st.ino);
		assert_int_equal(fb.mode, st.mode);
		assert_int_equal(fb.mtime.nsec, st.mtime.nsec);
		assert_int_equal(fb.valid & OSX_STAT_BIRTHTIME, 0);
	}
	assert_int_equal(osx__fault_fail(OSX__SYS_statx, 1, OSX__FAULT_ALWAYS, ENOSYS), 0);
	assert_int_equal(osx_stat(OSX_AT_CWD, osx_test_path(1, "missing"), 1, &fb, &err), -1);
	osx__fault_reset();
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.call, "fstatat");

	assert_int_equal(osx_statvfs(OSX_AT_CWD, f, &v, &err), 0);
	assert_int_equal(statvfs(f, &lv), 0);
	assert_int_equal(v.bsize, lv.f_bsize);
	assert_int_equal(v.namemax, lv.f_namemax);
	assert_int_equal(v.fsid, lv.f_fsid);
	assert_int_equal(v.blocks, lv.f_blocks);
	assert_int_equal(osx_fstatvfs(fd, &v, &err), 0);
	assert_int_equal(v.fsid, lv.f_fsid);
	close(fd);
	fd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(osx_statvfs(fd, "s", &v, &err), 0);
	assert_int_equal(v.fsid, lv.f_fsid);
	assert_int_equal(osx_statvfs(fd, "missing", &v, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_truncate(fd, "s", 2, &err), 0);
	assert_int_equal(osx_getsize(fd, "s", &err), 2);
	assert_int_equal(osx_fstatat(fd, "", AT_EMPTY_PATH, &fb, &err), 0);
	assert_true(S_ISDIR(fb.mode));
	assert_int_equal(osx_fstatat(fd, "s", 0x40000000, &fb, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_fstatvfs(-1, &v, &err), -1);
	assert_int_equal(err.code, EBADF);
	close(fd);
}

/* fchmod / fchown / fchdir / umask / dir_fd chdir. */
static void fd_forms(void **state)
{
	char cwd[PATH_MAX], here[PATH_MAX];
	struct stat st;
	osx_error err;
	mode_t old;
	int fd, dfd;

	(void)state;
	fd = open(osx_test_path(0, "m"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(osx_fchmod(fd, 0604, &err), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(osx_fchown(fd, (uid_t)-1, (gid_t)-1, &err), 0);
	close(fd);
	assert_int_equal(osx_fchmod(fd, 0600, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(osx_fchown(fd, 0, 0, &err), -1);
	assert_int_equal(err.code, EBADF);
	old = osx_umask(027);
	assert_int_equal(osx_umask(old), 027);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(mkdir(osx_test_path(0, "sub"), 0755), 0);
	dfd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(osx_chdir(dfd, "sub", &err), 0);
	assert_non_null(getcwd(here, sizeof(here)));
	assert_string_equal(here, osx_test_path(0, "sub"));
	assert_int_equal(osx_chdir(dfd, "m", &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	osx_error_format(&err, here, sizeof(here));
	assert_string_equal(here, "[Errno 20] Not a directory: 'm'");
	assert_int_equal(osx_fchdir(dfd, &err), 0);
	assert_non_null(getcwd(here, sizeof(here)));
	assert_string_equal(here, osx_test_tmpdir());
	close(dfd);
	assert_int_equal(osx_fchdir(dfd, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(chdir(cwd), 0);
}

/* NULL where a pointer is required: EINVAL in the error, never a crash. */
static void null_arguments(void **state)
{
	osx_stat_result st;
	osx_statvfs_result v;
	osx_error err;
	char buf[8];

	(void)state;
#define EINVAL_OF(call)                                 \
	do {                                            \
		err.code = 0;                           \
		assert_int_equal((call), -1);           \
		assert_int_equal(err.code, EINVAL);     \
		assert_int_equal(errno, EINVAL);        \
	} while (0)
	EINVAL_OF(osx_stat(OSX_AT_CWD, NULL, 1, &st, &err));
	EINVAL_OF(osx_stat(OSX_AT_CWD, ".", 1, NULL, &err));
	EINVAL_OF(osx_lstat(OSX_AT_CWD, NULL, &st, &err));
	EINVAL_OF(osx_exists(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_lexists(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_isdir(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_isfile(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_islink(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_getsize(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_samefile(OSX_AT_CWD, NULL, ".", &err));
	EINVAL_OF(osx_mkdir(OSX_AT_CWD, NULL, 0, &err));
	EINVAL_OF(osx_makedirs(OSX_AT_CWD, NULL, 0, 0, &err));
	EINVAL_OF(osx_unlink(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_remove(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_rmdir(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_removedirs(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_mkfifo(OSX_AT_CWD, NULL, 0, &err));
	EINVAL_OF(osx_mknod(OSX_AT_CWD, NULL, 0, 0, &err));
	EINVAL_OF(osx_link(OSX_AT_CWD, NULL, OSX_AT_CWD, "x", 1, &err));
	EINVAL_OF(osx_symlink(OSX_AT_CWD, "x", NULL, &err));
	EINVAL_OF(osx_readlink(OSX_AT_CWD, NULL, buf, sizeof(buf), &err));
	EINVAL_OF(osx_readlink(OSX_AT_CWD, "x", NULL, sizeof(buf), &err));
	assert_null(osx_readlink_alloc(OSX_AT_CWD, NULL, NULL, &err));
	EINVAL_OF(osx_chmod(OSX_AT_CWD, NULL, 0, 1, &err));
	EINVAL_OF(osx_chown(OSX_AT_CWD, NULL, 0, 0, 1, &err));
	EINVAL_OF(osx_lchown(OSX_AT_CWD, NULL, 0, 0, &err));
	EINVAL_OF(osx_access(OSX_AT_CWD, NULL, 0, 0, 1, &err));
	EINVAL_OF(osx_access(OSX_AT_CWD, ".", 0x100, 0, 1, &err));
	EINVAL_OF(osx_utime(OSX_AT_CWD, NULL, NULL, 1, &err));
	EINVAL_OF(osx_truncate(OSX_AT_CWD, NULL, 0, &err));
	EINVAL_OF(osx_statvfs(OSX_AT_CWD, NULL, &v, &err));
	EINVAL_OF(osx_statvfs(OSX_AT_CWD, ".", NULL, &err));
	EINVAL_OF(osx_fstatvfs(0, NULL, &err));
	assert_null(osx_realpath(OSX_AT_CWD, NULL, 0, &err));
	assert_int_equal(err.code, EINVAL);
	EINVAL_OF(osx_mkstemp(OSX_AT_CWD, NULL, NULL, NULL, NULL, &err));
	EINVAL_OF(osx_getcwd(NULL, 10, &err));
	EINVAL_OF(osx_chdir(OSX_AT_CWD, NULL, &err));
	EINVAL_OF(osx_fstat(0, NULL, &err));
	EINVAL_OF(osx_dirent_stat(NULL, 1, &st, &err));
	EINVAL_OF(osx_dirent_is_dir(NULL, 1, &err));
	assert_int_equal(osx_samestat(NULL, &st), 0);
#undef EINVAL_OF
}

/* ---- fault sweeps: every call site of fs.h fails once ---- */

struct sw {
	int dfd;
	char cwd[PATH_MAX];
};

static void sw_setup(void *arg)
{
	struct sw *c = arg;
	int fd;

	if (c->dfd >= 0)
		close(c->dfd);
	assert_int_equal(chdir(c->cwd), 0);
	if (osx_exists(OSX_AT_CWD, osx_test_path(0, "sw"), NULL) == 1)
		assert_int_equal(osx_rmtree(osx_test_path(0, "sw"), NULL, NULL, NULL), 0);
	assert_int_equal(mkdir(osx_test_path(0, "sw"), 0755), 0);
	fd = open(osx_test_path(0, "sw/f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(symlink("f", osx_test_path(0, "sw/l")), 0);
	c->dfd = open(osx_test_path(0, "sw"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(c->dfd >= 0);
}

/* Each call in turn; the first failure ends the run. */
static long sw_run(void *arg, osx_error *err)
{
	struct sw *c = arg;
	int d = c->dfd, fd;
	osx_stat_result st;
	osx_statvfs_result v;
	char buf[PATH_MAX], *p;

#define STEP(call)              \
	do {                    \
		if ((call) < 0) \
			return -1; \
	} while (0)
#define STEP_P(call)                \
	do {                        \
		if (!(p = (call)))  \
			return -1;  \
		free(p);            \
	} while (0)
	STEP(osx_stat(d, "l", 1, &st, err));
	STEP(osx_lstat(d, "l", &st, err));
	STEP(osx_mkdir(d, "d", 0755, err));
	STEP(osx_makedirs(d, "m/n/o", 0755, 0, err));
	STEP(osx_rmdir(d, "m/n/o", err));
	STEP(osx_removedirs(d, "m/n", err));
	STEP(osx_unlink(d, "l", err));
	STEP(osx_symlink(d, "f", "l", err));
	STEP(osx_link(d, "f", d, "h", 1, err));
	STEP(osx_mkfifo(d, "p", 0600, err));
	STEP(osx_mknod(d, "r", S_IFREG | 0600, 0, err));
	STEP(osx_readlink(d, "l", buf, sizeof(buf), err));
	STEP_P(osx_readlink_alloc(d, "l", NULL, err));
	STEP(osx_chmod(d, "f", 0600, 1, err));
	STEP(osx_chown(d, "f", (uid_t)-1, (gid_t)-1, 1, err));
	(void)osx_access(d, "f", R_OK, 0, 1, err); /* errors are a 0 */
	STEP(osx_utime(d, "f", NULL, 1, err));
	STEP(osx_truncate(OSX_AT_CWD, osx_test_path(0, "sw/f"), 1, err));
	STEP(osx_truncate(d, "f", 0, err));
	STEP(osx_statvfs(OSX_AT_CWD, osx_test_path(0, "sw/f"), &v, err));
	STEP(osx_statvfs(d, "f", &v, err));
	STEP(osx_fstatvfs(d, &v, err));
	STEP(osx_fstat(d, &st, err));
	STEP(osx_fchmod(d, 0755, err));
	STEP(osx_fchown(d, (uid_t)-1, (gid_t)-1, err));
	fd = osx_mkstemp(d, ".", NULL, NULL, &p, err);
	if (fd < 0)
		return -1;
	close(fd);
	free(p);
	STEP_P(osx_mkdtemp(d, "d", "x", NULL, err));
	STEP_P(osx_realpath(d, "d/../l", 1, err));
	STEP_P(osx_realpath(OSX_AT_CWD, "sw/l", 1, err));
	STEP(osx_getcwd(buf, sizeof(buf), err));
	STEP_P(osx_getcwd_alloc(err));
	STEP(osx_chdir(OSX_AT_CWD, osx_test_tmpdir(), err));
	STEP(osx_chdir(d, "d", err));
	STEP(osx_fchdir(d, err));
	STEP(osx_thread_unshare_cwd(err));
#undef STEP
#undef STEP_P
	return 0;
}

static void sweep_every_call(void **state)
{
	struct sw c = { -1, "" };
	struct osx_sweep s = { .setup = sw_setup, .run = sw_run, .ctx = &c };

	(void)state;
	assert_non_null(getcwd(c.cwd, sizeof(c.cwd)));
	/* the test's own cwd: sweep runs in the tmpdir */
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	assert_non_null(getcwd(c.cwd, sizeof(c.cwd)));
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
	close(c.dfd);
	assert_int_equal(chdir("/"), 0);
}

/* statx missing: the fstatat fallback's own failure. */
static void sweep_fallback(void **state)
{
	osx_stat_result st;
	osx_error err;

	(void)state;
	assert_int_equal(osx__fault_fail(OSX__SYS_statx, 1, OSX__FAULT_ALWAYS, ENOSYS), 0);
	assert_int_equal(osx__fault_fail(OSX__SYS_fstatat, 1, 1, EIO), 0);
	assert_int_equal(osx_stat(OSX_AT_CWD, osx_test_tmpdir(), 1, &st, &err), -1);
	osx__fault_reset();
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "fstatat");
	assert_int_equal(errno, EIO);
}

/* realpath with its loop and cache paths, strict and not. */
struct rp_ctx {
	int strict;
	const char *path;
	const char *want;
};

static long rp_run(void *arg, osx_error *err)
{
	struct rp_ctx *c = arg;
	char *p = osx_realpath(OSX_AT_CWD, c->path, c->strict, err);

	if (!p)
		return -1;
	if (strcmp(p, c->want))
		fail_msg("realpath(%s) = %s, want %s", c->path, p, c->want);
	free(p);
	return 0;
}

/* Non-strict: a failed lstat reads as "not a link", so a run may
 * succeed with a different answer; only the strict runs must be exact. */
static long rp_run_loose(void *arg, osx_error *err)
{
	struct rp_ctx *c = arg;
	char *p = osx_realpath(OSX_AT_CWD, c->path, c->strict, err);

	free(p);
	return p ? 0 : -1;
}

static void sweep_realpath(void **state)
{
	char want[PATH_MAX], cwd[PATH_MAX];
	struct rp_ctx c;
	struct osx_sweep s = { .run = rp_run, .ctx = &c };

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	assert_int_equal(mkdir("a", 0755), 0);
	assert_int_equal(mkdir("a/b", 0755), 0);
	assert_int_equal(symlink("a/b", "ab"), 0);
	assert_int_equal(symlink("ab/..", "up"), 0);
	assert_int_equal(symlink("loop2", "loop1"), 0);
	assert_int_equal(symlink("loop1", "loop2"), 0);
	fmt(want, sizeof(want), "%s/a/b", osx_test_tmpdir());
	c = (struct rp_ctx){ 1, "up/b/../../ab/./", want };
	osx_sweep_run(&s);
	/* A loop, not strict: the rest appended as it is. */
	fmt(want, sizeof(want), "%s/loop1/x", osx_test_tmpdir());
	c = (struct rp_ctx){ 0, "ab/../../" "loop1/x", NULL };
	c.path = "loop1/x";
	c.want = want;
	s.run = rp_run_loose;
	osx_sweep_run(&s);
	assert_int_equal(chdir(cwd), 0);
}

/* The deep getcwd walk, with a mount point on the way when the suite may
 * mount (the entry in the parent then shows another inode). */
static long cwd_run(void *arg, osx_error *err)
{
	const char *want = arg;
	char *p = osx_getcwd_alloc(err);

	if (!p)
		return -1;
	if (strcmp(p, want))
		fail_msg("getcwd: %s", p);
	free(p);
	return 0;
}

static void sweep_deep_getcwd(void **state)
{
	char cwd[PATH_MAX], *want, mnt[PATH_MAX];
	struct osx_sweep s = { .run = cwd_run };
	int i, mounted = 0, levels = osx_test_under_valgrind() ? 22 : FS_DEEP_LEVELS;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	assert_int_equal(mkdir("deep", 0755), 0);
	assert_int_equal(chdir("deep"), 0);
	for (i = 0; i < levels; i++) {
		assert_int_equal(mkdir(FS_DEEP_COMPONENT, 0755), 0);
		if (i == 3 && is_root()) {
			assert_non_null(getcwd(mnt, sizeof(mnt)));
			fmt(mnt + strlen(mnt), sizeof(mnt) - strlen(mnt), "/%s", FS_DEEP_COMPONENT);
			mounted = mount("none", mnt, "tmpfs", 0, NULL) == 0;
		}
		assert_int_equal(chdir(FS_DEEP_COMPONENT), 0);
	}
	if (!mounted)
		print_message("no tmpfs mount on the path (needs root): the mount-point search is not swept\n");
	want = osx_getcwd_alloc(NULL);
	assert_non_null(want);
	assert_true(strlen(want) > PATH_MAX);
	s.ctx = want;
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
	free(want);
	assert_int_equal(chdir(cwd), 0);
	if (mounted)
		assert_int_equal(umount2(mnt, MNT_DETACH), 0);
	remove_deep(osx_test_path(0, "deep"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(python_cases),
		OSX_TEST(makedirs_races),
		OSX_TEST(makedirs_race_without_exist_ok),
		OSX_TEST(thread_private_cwd),
		OSX_TEST(getcwd_cases),
		OSX_TEST(readlink_forms),
		OSX_TEST(temp_files),
		OSX_TEST(utime_markers),
		OSX_TEST(stat_fields_and_fallback),
		OSX_TEST(fd_forms),
		OSX_TEST(null_arguments),
		OSX_TEST(sweep_every_call),
		OSX_TEST(sweep_fallback),
		OSX_TEST(sweep_realpath),
		OSX_TEST(sweep_deep_getcwd),
	};

	return OSX_RUN(tests);
}
