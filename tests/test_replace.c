/* Renames and atomic writes: results, errors, fault sweeps, crash test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "shim.h"

/* ---- helpers (test code may use libc) ---- */

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void assert_content(const char *path, const char *text)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	if (strcmp(buf, text))
		fail_msg("%s holds '%s', expected '%s'", path, buf, text);
}

/* Entries of the test directory (not . and ..): fails on any whose name is
 * not in the NULL-terminated list `allowed`. */
static int assert_only(const char *const *allowed)
{
	DIR *d = opendir(osx_test_tmpdir());
	struct dirent *e;
	int n = 0, i, ok;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (ok = 0, i = 0; allowed[i]; i++)
			ok |= !strcmp(e->d_name, allowed[i]);
		if (!ok) {
			char name[256];
			snprintf(name, sizeof(name), "%s", e->d_name);
			closedir(d);
			fail_msg("unexpected entry '%s' (a temp file left behind?)", name);
		}
		n++;
	}
	closedir(d);
	return n;
}

static const char *const only_target[] = {"target", NULL};

/* ---- renames ---- */

/* The streaming writer at one go: begin, write, commit.  Durable, it is
 * the O_TMPFILE path (the one-shot write names its temp from the start). */
static int stream_write(const char *path, const char *data, size_t len,
			const osx_atomic_options *opts, osx_atomic_state *state, osx_error *err)
{
	osx_atomic_writer *w = osx_atomic_begin(path, opts, err);

	if (state)
		*state = OSX_ATOMIC_UNCHANGED;
	if (!w)
		return -1;
	if (osx_atomic_writer_write(w, data, len, err) < 0) {
		osx_atomic_abort(w);
		return -1;
	}
	return osx_atomic_commit(w, state, err);
}

static void replace_overwrites(void **state)
{
	const char *a = osx_test_path(0, "a"), *b = osx_test_path(1, "b");
	osx_error err;

	(void)state;
	put(a, "new");
	put(b, "old");
	assert_int_equal(osx_replace(a, b, &err), 0);
	assert_content(b, "new");
	assert_int_equal(access(a, F_OK), -1);
	put(a, "again");
	assert_int_equal(osx_rename(a, b, &err), 0);
	assert_content(b, "again");
}

static void rename_error_names_both(void **state)
{
	const char *a = osx_test_path(0, "missing"), *b = osx_test_path(1, "b");
	osx_error err;
	char msg[8192], want[8192];

	(void)state;
	errno = 0;
	assert_int_equal(osx_replace(a, b, &err), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.call, "renameat2");
	assert_true(err.has_name && err.has_name2);
	assert_string_equal(err.name, a);
	assert_string_equal(err.name2, b);
	osx_error_format(&err, msg, sizeof(msg));
	snprintf(want, sizeof(want), "[Errno 2] No such file or directory: '%s' -> '%s'", a, b);
	assert_string_equal(msg, want);
	assert_int_equal(osx_rename(NULL, b, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_exchange(a, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void noreplace_refuses_existing(void **state)
{
	const char *a = osx_test_path(0, "a"), *b = osx_test_path(1, "b");
	osx_error err;

	(void)state;
	put(a, "A");
	put(b, "B");
	assert_int_equal(osx_rename_noreplace(a, b, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(errno, EEXIST);
	assert_string_equal(err.name2, b);
	assert_content(a, "A");
	assert_content(b, "B");
	unlink(b);
	assert_int_equal(osx_rename_noreplace(a, b, &err), 0);
	assert_content(b, "A");
	assert_int_equal(access(a, F_OK), -1);
}

static void exchange_swaps(void **state)
{
	const char *a = osx_test_path(0, "a"), *b = osx_test_path(1, "b");
	osx_error err;

	(void)state;
	put(a, "A");
	put(b, "B");
	assert_int_equal(osx_exchange(a, b, &err), 0);
	assert_content(a, "B");
	assert_content(b, "A");
	unlink(b);
	assert_int_equal(osx_exchange(a, b, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_content(a, "B");
}

/* The *at forms resolve against their own dir fds. */
static void at_variants_use_dir_fds(void **state)
{
	int d1, d2;
	osx_error err;

	(void)state;
	assert_int_equal(mkdir(osx_test_path(0, "d1"), 0755), 0);
	assert_int_equal(mkdir(osx_test_path(1, "d2"), 0755), 0);
	d1 = open(osx_test_path(0, "d1"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d2 = open(osx_test_path(1, "d2"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put(osx_test_path(2, "d1/x"), "X");
	put(osx_test_path(3, "d2/y"), "Y");
	assert_int_equal(osx_rename_noreplaceat(d1, "x", d2, "y", &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_string_equal(err.name, "x");
	assert_string_equal(err.name2, "y");
	assert_int_equal(osx_exchangeat(d1, "x", d2, "y", &err), 0);
	assert_content(osx_test_path(2, "d1/x"), "Y");
	assert_content(osx_test_path(3, "d2/y"), "X");
	assert_int_equal(osx_replaceat(d1, "x", d2, "y", &err), 0);
	assert_content(osx_test_path(3, "d2/y"), "Y");
	assert_int_equal(osx_renameat(d2, "y", d1, "z", &err), 0);
	assert_content(osx_test_path(2, "d1/z"), "Y");
	assert_int_equal(osx_rename_noreplaceat(d1, "z", d2, "w", &err), 0);
	assert_int_equal(osx_renameat(-1, "w", d1, "v", &err), -1);
	assert_int_equal(err.code, EBADF);
	close(d1);
	close(d2);
}

/* A filesystem that refuses the flag answers EINVAL: reported as is, with
 * nothing emulated (one renameat2 attempt, both files untouched). */
static void refused_flags_report_kernel_einval(void **state)
{
	const char *a = osx_test_path(0, "a"), *b = osx_test_path(1, "b");
	osx_error err;

	(void)state;
	put(a, "A");
	osx__fault_fail(OSX__SYS_renameat2, 1, 1, EINVAL);
	assert_int_equal(osx_rename_noreplace(a, b, &err), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err.call, "renameat2");
	assert_int_equal(osx__fault_total(), 1);
	assert_int_equal(access(b, F_OK), -1);
	put(b, "B");
	osx__fault_fail(OSX__SYS_renameat2, 1, 1, EINVAL);
	assert_int_equal(osx_exchange(a, b, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_content(a, "A");
	assert_content(b, "B");
}

struct rename_ctx {
	int (*fn)(const char *, const char *, osx_error *);
	const char *a, *b;
};

static void rename_setup(void *arg)
{
	struct rename_ctx *c = arg;

	put(c->a, "A");
	put(c->b, "B");
	if (c->fn == osx_rename_noreplace)
		unlink(c->b);
}

static long rename_run(void *arg, osx_error *err)
{
	struct rename_ctx *c = arg;

	return c->fn(c->a, c->b, err);
}

static void rename_check(void *arg, const struct osx_sweep_run *r)
{
	struct rename_ctx *c = arg;

	if (r->sys == OSX__SYS_COUNT)
		return;
	assert_int_equal(r->rc, -1);
	assert_string_equal(r->err.name, c->a);
	assert_string_equal(r->err.name2, c->b);
	assert_content(c->a, "A");
}

static void rename_sweeps(void **state)
{
	int (*fns[])(const char *, const char *, osx_error *) = {
		osx_replace, osx_rename, osx_rename_noreplace, osx_exchange};
	struct rename_ctx c = {NULL, osx_test_path(0, "a"), osx_test_path(1, "b")};
	struct osx_sweep sw = {.setup = rename_setup, .run = rename_run, .check = rename_check,
			       .ctx = &c};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		c.fn = fns[i];
		assert_int_equal(osx_sweep_run(&sw), 1);
	}
}

/* ---- atomic writes ---- */

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static void atomic_write_creates_and_replaces(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options o = {OSX_ATOMIC_MODE, 0600};
	osx_error err;
	mode_t old = umask(022);

	(void)state;
	assert_int_equal(osx_atomic_write(t, "one", 3, NULL, NULL, &err), 0);
	assert_content(t, "one");
	assert_int_equal(mode_of(t) & 07777, 0644);
	assert_int_equal(osx_atomic_write(t, "two", 3, &o, NULL, &err), 0);
	assert_content(t, "two");
	assert_int_equal(mode_of(t) & 07777, 0600); /* not kept: the new mode */
	o.mode = 0777;
	o.flags |= OSX_ATOMIC_DURABLE;
	assert_int_equal(osx_atomic_write(t, "", 0, &o, NULL, &err), 0);
	assert_content(t, "");
	assert_int_equal(mode_of(t) & 07777, 0755); /* umask applies */
	umask(old);
	assert_only(only_target);
}

static void atomic_write_keeps_mode_and_owner(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE, 0};
	struct stat st;
	osx_error err;

	(void)state;
	put(t, "old");
	assert_int_equal(chmod(t, 0640), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(t, 1234, 5678), 0);
	assert_int_equal(osx_atomic_write(t, "new", 3, &keep, NULL, &err), 0);
	assert_content(t, "new");
	assert_int_equal(stat(t, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
		/* chown clears set-id bits; the chmod after it restores them */
		assert_int_equal(chmod(t, 02750), 0);
		assert_int_equal(osx_atomic_write(t, "newer", 5, &keep, NULL, &err), 0);
		assert_int_equal(mode_of(t) & 07777, 02750);
	}
	assert_only(only_target);
}

/* Unprivileged: the /proc/self/fd linkat works, and keeping another user's
 * ownership is refused (EPERM) with the target left as it was. */
static void atomic_write_unprivileged(void **state)
{
	const char *t = osx_test_path(0, "target");
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		/* already unprivileged: the child below is this process */
		assert_int_equal(osx_atomic_write(t, "mine", 4, NULL, NULL, NULL), 0);
		assert_content(t, "mine");
		return;
	}
	assert_int_equal(chmod(osx_test_tmpdir(), 0777), 0);
	put(t, "root's");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE, 0};
		osx_error err;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (osx_atomic_write(t, "nobody's", 8, &keep, NULL, &err) != -1 || err.code != EPERM ||
		    strcmp(err.call, "fchown"))
			_exit(11);
		if (osx_atomic_write(t, "nobody's", 8, NULL, NULL, &err) != 0)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_content(t, "nobody's");
	assert_only(only_target);
}

static void atomic_write_symlink_target(void **state)
{
	const char *t = osx_test_path(0, "target"), *o = osx_test_path(1, "other");
	const char *const names[] = {"target", "other", NULL};
	osx_atomic_options nofollow = {OSX_ATOMIC_NOFOLLOW, 0}, keep = {OSX_ATOMIC_KEEP_MODE, 0};
	mode_t old_mask = umask(022);
	osx_error err;

	(void)state;
	put(o, "other");
	assert_int_equal(symlink("other", t), 0);
	assert_int_equal(osx_atomic_write(t, "x", 1, &nofollow, NULL, &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(errno, ELOOP);
	assert_true(S_ISLNK(mode_of(t)));
	assert_int_equal(assert_only(names), 2);
	/* Default: the link itself is replaced, like os.replace. */
	assert_int_equal(osx_atomic_write(t, "x", 1, NULL, NULL, &err), 0);
	assert_true(S_ISREG(mode_of(t)));
	assert_content(t, "x");
	assert_content(o, "other");
	assert_int_equal(assert_only(names), 2);

	/* KEEP_MODE alone: a link is no regular target, nothing to keep
	 * (not the mode of the file it points to); the link is replaced. */
	assert_int_equal(chmod(o, 0604), 0);
	assert_int_equal(unlink(t), 0);
	assert_int_equal(symlink("other", t), 0);
	assert_int_equal(osx_atomic_write(t, "y", 1, &keep, NULL, &err), 0);
	assert_true(S_ISREG(mode_of(t)));
	assert_int_equal(mode_of(t) & 07777, 0666 & ~old_mask);
	assert_int_equal(osx__fault_count(OSX__SYS_fchmod), 0);
	assert_content(t, "y");
	assert_content(o, "other");
	/* NOFOLLOW alone on a regular target: replaced, its mode not kept. */
	assert_int_equal(chmod(t, 0600), 0);
	assert_int_equal(osx_atomic_write(t, "z", 1, &nofollow, NULL, &err), 0);
	assert_int_equal(mode_of(t) & 07777, 0666 & ~old_mask);
	assert_content(t, "z");
	umask(old_mask);
	assert_int_equal(assert_only(names), 2);
}

static void atomic_write_bad_input(void **state)
{
	const char *const names[] = {"target", NULL};
	char longname[300];
	osx_atomic_options bad = {0x100, 0}, badmode = {OSX_ATOMIC_MODE, 010000};
	osx_error err;

	(void)state;
	assert_int_equal(osx_atomic_write(NULL, "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_write("", "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_atomic_write(osx_test_tmpdir(), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EISDIR); /* rename over a directory */
	assert_string_equal(err.call, "renameat2");
	assert_int_equal(osx_atomic_write(osx_test_path(0, "d/"), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EISDIR);
	assert_int_equal(osx_atomic_write(osx_test_path(0, "."), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EISDIR);
	assert_int_equal(osx_atomic_write(osx_test_path(0, "no/such"), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.name, osx_test_path(0, "no/such"));
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(osx_atomic_write(osx_test_path(0, longname), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);
	assert_int_equal(osx_atomic_write(osx_test_path(0, "target"), "x", 1, &bad, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_write(osx_test_path(0, "target"), "x", 1, &badmode, NULL, &err),
			 -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_write(osx_test_path(0, "target"), NULL, 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(assert_only(names), 0);
	assert_null(osx_atomic_begin(NULL, NULL, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_commit(NULL, NULL, &err), -1);
	assert_int_equal(osx_atomic_writer_write(NULL, "x", 1, &err), -1);
	assert_int_equal(osx_atomic_writer_fd(NULL), -1);
	osx_atomic_abort(NULL);
}

static void atomic_writeat_relative(void **state)
{
	int d;
	osx_error err;

	(void)state;
	assert_int_equal(mkdir(osx_test_path(0, "sub"), 0755), 0);
	d = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(osx_atomic_writeat(d, "sub/f", "rel", 3, NULL, NULL, &err), 0);
	assert_int_equal(osx_atomic_writeat(d, "top", "top", 3, NULL, NULL, &err), 0);
	close(d);
	assert_int_equal(osx_atomic_writeat(-1, "top", "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_string_equal(err.call, "openat");
	assert_null(osx_atomic_beginat(-1, "top", NULL, &err));
	assert_int_equal(errno, EBADF);
	assert_content(osx_test_path(0, "sub/f"), "rel");
	assert_content(osx_test_path(1, "top"), "top");
}

/* The exact syscalls of each path (what strace shows, see docs/replace.md). */
static void atomic_write_syscall_budget(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};

	(void)state;
	put(t, "old");
	/* durable, one-shot: the hand-written loop's calls (with the fsyncs
	 * and the directory fd it opens for its fsync) plus the lock */
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(t, "new", 3, &durable, NULL, NULL), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 2);   /* directory, temp */
	assert_int_equal(osx__fault_count(OSX__SYS_fcntl), 1);    /* the slot lock */
	assert_int_equal(osx__fault_count(OSX__SYS_write), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fsync), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_close), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_renameat2), 1);
	assert_int_equal(osx__fault_total(), 9);
	/* durable, streaming: the O_TMPFILE temp, linked and checked */
	osx__fault_reset();
	assert_int_equal(stream_write(t, "new", 3, &durable, NULL, NULL), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 2);   /* directory, O_TMPFILE */
	assert_int_equal(osx__fault_count(OSX__SYS_fcntl), 1);    /* the slot lock */
	assert_int_equal(osx__fault_count(OSX__SYS_fstat), 1);    /* the temp's inode */
	assert_int_equal(osx__fault_count(OSX__SYS_write), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fsync), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_linkat), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fstatat), 1);  /* the link is the temp */
	assert_int_equal(osx__fault_count(OSX__SYS_close), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_renameat2), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_getrandom), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_malloc), 1);   /* the writer */
	assert_int_equal(osx__fault_total(), 13);
	/* not durable: the named temp, as a hand-written loop does it, plus
	 * the directory fd and its lock */
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(t, "newer", 5, NULL, NULL, NULL), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_fcntl), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_write), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_close), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_renameat2), 1);
	assert_int_equal(osx__fault_total(), 7);
	assert_content(t, "newer");
	assert_only(only_target);
}

/* The durable writer's temp is invisible until commit (O_TMPFILE), the
 * target untouched. */
static void writer_commit_and_abort(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_atomic_state st;
	osx_atomic_writer *w;
	osx_error err;
	int fd;

	(void)state;
	put(t, "old");
	w = osx_atomic_begin(t, &durable, &err);
	assert_non_null(w);
	fd = osx_atomic_writer_fd(w);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ne", 2), 2);
	assert_int_equal(osx_atomic_writer_write(w, "w!", 2, &err), 0);
	assert_content(t, "old");
	assert_int_equal(assert_only(only_target), 1);
	assert_int_equal(osx_atomic_commit(w, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED_DURABLE);
	assert_content(t, "new!");

	w = osx_atomic_begin(t, NULL, &err);
	assert_non_null(w);
	assert_int_equal(osx_atomic_writer_write(w, "discarded", 9, &err), 0);
	osx_atomic_abort(w);
	assert_content(t, "new!");
	assert_int_equal(assert_only(only_target), 1);
}

/* A failed write poisons the writer: commit refuses and cleans up. */
static void writer_failed_write_refuses_commit(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_writer *w;
	osx_error err;

	(void)state;
	put(t, "old");
	w = osx_atomic_begin(t, NULL, &err);
	assert_non_null(w);
	osx__fault_fail(OSX__SYS_write, 1, 1, ENOSPC);
	assert_int_equal(osx_atomic_writer_write(w, "new", 3, &err), -1);
	assert_int_equal(err.code, ENOSPC);
	assert_int_equal(osx_atomic_writer_write(w, "more", 4, &err), -1);
	assert_int_equal(err.code, ENOSPC);
	assert_int_equal(osx_atomic_commit(w, NULL, &err), -1);
	assert_int_equal(errno, ENOSPC);
	assert_string_equal(err.call, "write");
	assert_string_equal(err.name, t);
	assert_content(t, "old");
	assert_only(only_target);
}

/* The cleanup after a failure failing as well: the first failure is the
 * one reported, the fds are released all the same, and the named temp
 * whose unlink failed is all that stays behind. */
static void failed_cleanup_keeps_first_error(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_error err;
	DIR *d;
	struct dirent *e;
	int n = 0;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_write, 1, 1, ENOSPC);
	osx__fault_fail(OSX__SYS_unlinkat, 1, OSX__FAULT_ALWAYS, EIO);
	osx__fault_fail(OSX__SYS_close, 1, OSX__FAULT_ALWAYS, EIO);
	assert_int_equal(osx_atomic_write(t, "new", 3, NULL, NULL, &err), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(err.code, ENOSPC);
	assert_string_equal(err.call, "write");
	assert_int_equal(osx__fault_count(OSX__SYS_unlinkat), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_close), 2);
	assert_content(t, "old");
	d = opendir(osx_test_tmpdir());
	assert_non_null(d);
	while ((e = readdir(d)))
		n += !strcmp(e->d_name, ".target.0.osx-tmp");
	closedir(d);
	assert_int_equal(n, 1);
	/* the next write finds the slot's writer gone and takes it over */
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(t, "next", 4, NULL, NULL, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_unlinkat), 1);
	assert_content(t, "next");
	assert_only(only_target);
}

/* Count the entries of dir whose name starts with prefix. */
static int count_named_in(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix)) && strcmp(e->d_name, ".") &&
		     strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int count_named(const char *prefix)
{
	return count_named_in(osx_test_tmpdir(), prefix);
}

/* Without O_TMPFILE (durable streaming writer) and always in the one-shot
 * write the temp is named from the start; a slot a live writer holds is
 * skipped. */
static void named_temp_fallback(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_atomic_writer *w, *w2;
	osx_error err;
	int n;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_openat, 2, 1, EOPNOTSUPP);
	w = osx_atomic_begin(t, &durable, &err);
	assert_non_null(w);
	/* the named temp is visible while writing, with the target's name in it */
	assert_int_equal(count_named(".target.0.osx-tmp"), 1);
	/* a second writer of the same target: slot 0 is alive, slot 1 */
	w2 = osx_atomic_begin(t, NULL, &err);
	assert_non_null(w2);
	assert_int_equal(count_named(".target.1.osx-tmp"), 1);
	assert_int_equal(osx_atomic_writer_write(w2, "second", 6, &err), 0);
	assert_int_equal(osx_atomic_writer_write(w, "new", 3, &err), 0);
	assert_int_equal(osx_atomic_commit(w, NULL, &err), 0);
	assert_content(t, "new");
	assert_int_equal(osx_atomic_commit(w2, NULL, &err), 0);
	assert_content(t, "second");
	assert_only(only_target);
	/* every answer open(2) gives for "no O_TMPFILE here" */
	for (n = 0; n < 3; n++) {
		static const int refusals[] = {EOPNOTSUPP, EISDIR, EINVAL};
		osx__fault_reset();
		osx__fault_fail(OSX__SYS_openat, 2, 1, refusals[n]);
		assert_int_equal(stream_write(t, &"abc"[n], 3 - (size_t)n, &durable, NULL, &err), 0);
		assert_int_equal(osx__fault_count(OSX__SYS_openat), 3);
		assert_int_equal(osx__fault_count(OSX__SYS_linkat), 0);
		assert_content(t, &"abc"[n]);
	}
	/* every slot and every random name taken: EEXIST after 8 + 16 tries */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_openat, 2, OSX__FAULT_ALWAYS, EEXIST);
	assert_int_equal(osx_atomic_write(t, "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_string_equal(err.call, "openat");
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 1 + 8 + 16);
	/* one each, two below Linux 5.6 (GRND_INSECURE refused, then GRND_NONBLOCK) */
	assert_true(osx__fault_count(OSX__SYS_getrandom) == 16 ||
		    osx__fault_count(OSX__SYS_getrandom) == 32);
	assert_content(t, "c");
	assert_only(only_target);
}

/* A directory that cannot be locked (a kernel without OFD locks, a
 * filesystem without locks): random names, no slots.  A kernel before 5.6
 * refuses GRND_INSECURE (EINVAL): GRND_NONBLOCK is used instead. */
static void unlockable_directory_random_names(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_writer *w;
	osx_error err;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, EINVAL);
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, EINVAL);
	w = osx_atomic_begin(t, NULL, &err);
	assert_non_null(w);
	assert_int_equal(osx__fault_count(OSX__SYS_getrandom), 2);
	assert_int_equal(count_named(".target.0.osx-tmp"), 0);
	assert_int_equal(count_named(".target."), 1);
	assert_int_equal(osx_atomic_writer_write(w, "new", 3, &err), 0);
	assert_int_equal(osx_atomic_commit(w, NULL, &err), 0);
	assert_content(t, "new");
	assert_only(only_target);
	/* getrandom never gives less than 8 bytes; if it did, EIO */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, ENOLCK);
	osx__fault_cap(OSX__SYS_getrandom, 4);
	assert_int_equal(osx_atomic_write(t, "newer", 5, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "getrandom");
	assert_content(t, "new");
	/* GRND_NONBLOCK refused too (the pool not ready early at boot) */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, EINVAL);
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, EINVAL);
	osx__fault_fail(OSX__SYS_getrandom, 2, 1, EAGAIN);
	assert_int_equal(osx_atomic_write(t, "newer", 5, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EAGAIN);
	assert_string_equal(err.call, "getrandom");
	assert_content(t, "new");
	/* any other refusal of the lock is reported */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, EIO);
	assert_int_equal(osx_atomic_write(t, "newer", 5, NULL, NULL, &err), -1);
	assert_string_equal(err.call, "fcntl");
	assert_content(t, "new");
	assert_only(only_target);
}

/* Without /proc the AT_EMPTY_PATH link is tried (needs CAP_DAC_READ_SEARCH). */
static void linkat_without_proc(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_error err;
	int rc;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_linkat, 1, 1, ENOENT);
	rc = stream_write(t, "new", 3, &durable, NULL, &err);
	assert_int_equal(osx__fault_count(OSX__SYS_linkat), 2);
	if (geteuid() == 0) {
		assert_int_equal(rc, 0);
		assert_content(t, "new");
	} else if (rc < 0) {
		assert_int_equal(err.code, ENOENT);
		assert_content(t, "old");
	}
	assert_only(only_target);
}

/* Edges of the target's name and of the randomness. */
static void atomic_write_edges(void **state)
{
	static char deep[PATH_MAX + 16];
	const char *t = osx_test_path(0, "target");
	char root_name[64];
	osx_error err;

	(void)state;
	put(t, "old");
	assert_int_equal(osx_atomic_write(osx_test_path(1, ".."), "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EISDIR);

	/* A directory part longer than PATH_MAX: refused before any call. */
	memset(deep, 'd', sizeof(deep) - 1);
	deep[PATH_MAX + 4] = '/';
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(deep, "x", 1, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);
	assert_int_equal(osx__fault_total(), 0);

	/* A name right under "/": the directory opened is "/" itself (the
	 * temp's creation is failed, so nothing is written there). */
	snprintf(root_name, sizeof(root_name), "/.osx-test-%ld", (long)getpid());
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_openat, 2, 1, EROFS);
	assert_int_equal(osx_atomic_write(root_name, "x", 1, NULL, NULL, &err), -1);
	assert_string_equal(err.call, "openat");
	assert_int_equal(err.code, EROFS);
	assert_string_equal(err.name, root_name);
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 2);
	assert_int_equal(access(root_name, F_OK), -1);

	/* A write that makes no progress is EIO, not an endless loop. */
	osx__fault_reset();
	osx__fault_cap(OSX__SYS_write, OSX__FAULT_STALL);
	assert_int_equal(osx_atomic_write(t, "new", 3, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "write");
	assert_int_equal(osx__fault_count(OSX__SYS_write), 1);
	assert_content(t, "old");
	assert_only(only_target);
}

/* Without /proc: a name clash on the AT_EMPTY_PATH link picks a new name;
 * any other failure of it reports the first link's error. */
static void linkat_fallback_outcomes(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_error err;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_linkat, 1, 1, ENOENT);
	osx__fault_fail(OSX__SYS_linkat, 2, 1, EEXIST);
	assert_int_equal(stream_write(t, "new", 3, &durable, NULL, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_linkat), 3); /* slot 0 refused, slot 1 */
	assert_int_equal(osx__fault_count(OSX__SYS_getrandom), 0);
	assert_content(t, "new");

	osx__fault_reset();
	osx__fault_fail(OSX__SYS_linkat, 1, 1, ENOENT);
	osx__fault_fail(OSX__SYS_linkat, 2, 1, EPERM);
	assert_int_equal(stream_write(t, "newer", 5, &durable, NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.call, "linkat");
	assert_int_equal(osx__fault_count(OSX__SYS_linkat), 2);
	assert_content(t, "new");
	assert_only(only_target);
}

/* KEEP_MODE does only what differs: nothing when owner and mode match,
 * fchown when only the group differs; a target that is not a regular file
 * has nothing to keep; NOFOLLOW lets a regular target be replaced. */
static void keep_mode_only_what_differs(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW, 0};
	mode_t old = umask(022);
	struct stat st;
	osx_error err;

	(void)state;
	put(t, "old");
	assert_int_equal(chmod(t, 0644), 0);
	assert_int_equal(osx_atomic_write(t, "new", 3, &keep, NULL, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_fchown), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_fchmod), 0);
	assert_content(t, "new");
	assert_int_equal(mode_of(t) & 07777, 0644);

	if (geteuid() == 0) {
		assert_int_equal(chown(t, 0, 5678), 0);
		osx__fault_reset();
		assert_int_equal(osx_atomic_write(t, "newer", 5, &keep, NULL, &err), 0);
		assert_int_equal(osx__fault_count(OSX__SYS_fchown), 1);
		assert_int_equal(stat(t, &st), 0);
		assert_int_equal(st.st_uid, 0);
		assert_int_equal(st.st_gid, 5678);
		assert_int_equal(st.st_mode & 07777, 0644);
	}

	assert_int_equal(unlink(t), 0);
	assert_int_equal(mkfifo(t, 0600), 0);
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(t, "file", 4, &keep, NULL, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_fstat), 0);
	assert_int_equal(lstat(t, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_content(t, "file");
	umask(old);
	assert_only(only_target);
}

/* ---- fault sweeps of the writers ---- */

struct sweep_ctx {
	const char *target;
	osx_atomic_options opts;
	int stream;       /* begin/write/commit instead of the one-shot */
	int named;        /* force the named-temp fallback */
	size_t cap;       /* short writes of at most this many bytes */
	osx_atomic_state state; /* what the run reported */
};

static const char new_text[] = "the new content, long enough to be cut into short writes";

static void sweep_setup(void *arg)
{
	struct sweep_ctx *c = arg;

	put(c->target, "old");
	if (c->opts.flags & OSX_ATOMIC_KEEP_MODE) {
		if (geteuid() == 0)
			assert_int_equal(chown(c->target, 1, 1), 0);
		/* after the chown, which clears set-id bits; the library sets
		 * the set-uid bit after the last write */
		assert_int_equal(chmod(c->target, 04640), 0);
	}
}

static long sweep_run(void *arg, osx_error *err)
{
	struct sweep_ctx *c = arg;
	osx_atomic_writer *w;
	size_t half = strlen(new_text) / 2;

	c->state = (osx_atomic_state)-1;
	if (c->named)
		osx__fault_fail(OSX__SYS_openat, 2, 1, EOPNOTSUPP);
	if (c->cap)
		osx__fault_cap(OSX__SYS_write, c->cap);
	if (!c->stream)
		return osx_atomic_write(c->target, new_text, strlen(new_text), &c->opts, &c->state,
					err);
	c->state = OSX_ATOMIC_UNCHANGED;
	w = osx_atomic_begin(c->target, &c->opts, err);
	if (!w)
		return -1;
	if (osx_atomic_writer_write(w, new_text, half, err) < 0 ||
	    osx_atomic_writer_write(w, new_text + half, strlen(new_text) - half, err) < 0) {
		osx_atomic_abort(w);
		return -1;
	}
	return osx_atomic_commit(w, &c->state, err);
}

/* The failures that come after the rename: the directory fsync (durable)
 * and, for O_TMPFILE (the durable streaming writer, not named), the temp
 * fd's close (see osx__atomic_publish() in src/atomic.c). */
static int after_rename(const struct sweep_ctx *c, const struct osx_sweep_run *r)
{
	int tmpfile = (c->opts.flags & OSX_ATOMIC_DURABLE) && c->stream && !c->named;

	if (r->sys == OSX__SYS_fsync)
		return r->nth == 2;
	return tmpfile && r->sys == OSX__SYS_close && r->nth == 1;
}

/* The state reported must say what is on disk: UNCHANGED with the old
 * content, REPLACED or DURABLE with the new; DURABLE only for a durable
 * write that succeeded, REPLACED for a failure only after the rename. */
static void sweep_check(void *arg, const struct osx_sweep_run *r)
{
	struct sweep_ctx *c = arg;
	osx_atomic_state ok = (c->opts.flags & OSX_ATOMIC_DURABLE) ? OSX_ATOMIC_REPLACED_DURABLE
								  : OSX_ATOMIC_REPLACED;
	struct stat st;

	if (r->sys == OSX__SYS_COUNT || r->rc == 0) {
		/* only the closing of the directory fd may fail unnoticed */
		if (r->sys != OSX__SYS_COUNT)
			assert_int_equal(r->sys, OSX__SYS_close);
		assert_int_equal(c->state, ok);
	} else {
		assert_string_equal(r->err.name, c->target);
		assert_int_equal(c->state, after_rename(c, r) ? OSX_ATOMIC_REPLACED
							      : OSX_ATOMIC_UNCHANGED);
	}
	if (c->state == OSX_ATOMIC_UNCHANGED)
		assert_content(c->target, "old");
	else
		assert_content(c->target, new_text);
	assert_only(only_target);
	if (c->state == OSX_ATOMIC_UNCHANGED)
		return;
	if (c->opts.flags & OSX_ATOMIC_KEEP_MODE) {
		assert_int_equal(stat(c->target, &st), 0);
		assert_int_equal(st.st_mode & 07777, 04640);
	}
	if ((c->opts.flags & OSX_ATOMIC_KEEP_MODE) && geteuid() == 0) {
		assert_int_equal(stat(c->target, &st), 0);
		assert_int_equal(st.st_mode & 07777, 04640);
		assert_int_equal(st.st_uid, 1);
	}
}

static void run_sweep(struct sweep_ctx *c, unsigned long min_runs)
{
	struct osx_sweep sw = {.setup = sweep_setup, .run = sweep_run, .check = sweep_check,
			       .ctx = c};

	c->target = osx_test_path(0, "target");
	unsigned long runs = osx_sweep_run(&sw);

	if (runs < min_runs)
		fail_msg("%lu injected runs, expected at least %lu", runs, min_runs);
}

static void sweep_atomic_write(void **state)
{
	struct sweep_ctx c = {0};

	(void)state;
	run_sweep(&c, 7);
}

static void sweep_atomic_write_durable(void **state)
{
	struct sweep_ctx c = {.opts = {OSX_ATOMIC_DURABLE, 0}};

	(void)state;
	run_sweep(&c, 9);
}

static void sweep_atomic_write_short_writes(void **state)
{
	struct sweep_ctx c = {.opts = {OSX_ATOMIC_DURABLE, 0}, .cap = 7};

	(void)state;
	run_sweep(&c, 8 + (strlen(new_text) + 6) / 7);
}

static void sweep_keep_mode_nofollow(void **state)
{
	struct sweep_ctx c = {
		.opts = {OSX_ATOMIC_DURABLE | OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW, 0}};

	(void)state;
	run_sweep(&c, 12);
}

static void sweep_named_fallback(void **state)
{
	struct sweep_ctx c = {.opts = {OSX_ATOMIC_DURABLE, 0}, .stream = 1, .named = 1};

	(void)state;
	run_sweep(&c, 9);
}

static void sweep_streaming(void **state)
{
	struct sweep_ctx c = {.opts = {OSX_ATOMIC_DURABLE, 0}, .stream = 1, .cap = 5};

	(void)state;
	run_sweep(&c, 12);
}

static void sweep_streaming_named(void **state)
{
	struct sweep_ctx c = {.opts = {OSX_ATOMIC_DURABLE | OSX_ATOMIC_KEEP_MODE, 0},
			      .stream = 1, .named = 1};

	(void)state;
	run_sweep(&c, 10);
}

/* ---- issue 17 and 16 bugs, each seen failing on the old code ---- */

static void slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	assert_true(fd >= 0);
	r = read(fd, buf, n - 1);
	close(fd);
	buf[r < 0 ? 0 : r] = '\0';
}

struct unshared_arg {
	const char *target;
	int fds[4];
	int rc;
};

static void *unshared_writer(void *arg)
{
	struct unshared_arg *a = arg;
	osx_atomic_options o = {OSX_ATOMIC_DURABLE, 0};
	int i;

	if (unshare(CLONE_FILES) != 0) {
		a->rc = -2;
		return NULL;
	}
	for (i = 0; i < 4; i++)
		close(a->fds[i]);
	a->rc = stream_write(a->target, "new", 3, &o, NULL, NULL); /* O_TMPFILE */
	return NULL;
}

/* A thread with its own fd table (unshare(CLONE_FILES)): the fd numbers
 * the library gets there are, in the main thread's table, fds of a decoy
 * file.  Through /proc/self/fd the target became a hard link to the
 * decoy and the call returned 0. */
static void thread_with_own_fd_table(void **state)
{
	const char *t = osx_test_path(0, "target"), *d = osx_test_path(1, "decoy");
	const char *const names[] = {"target", "decoy", NULL};
	struct unshared_arg a = {t, {0}, 0};
	struct stat st, sd;
	pthread_t th;
	char buf[64];
	int i;

	(void)state;
	put(t, "old");
	put(d, "decoy");
	for (i = 0; i < 4; i++)
		a.fds[i] = open(d, O_RDONLY | O_CLOEXEC);
	assert_int_equal(pthread_create(&th, NULL, unshared_writer, &a), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	for (i = 0; i < 4; i++)
		close(a.fds[i]);
	assert_int_equal(a.rc, 0);
	slurp(t, buf, sizeof(buf));
	if (strcmp(buf, "new"))
		fail_msg("target holds '%s', expected 'new'", buf);
	assert_int_equal(stat(t, &st), 0);
	assert_int_equal(stat(d, &sd), 0);
	assert_true(st.st_ino != sd.st_ino);
	assert_int_equal(st.st_nlink, 1);
	assert_content(d, "decoy");
	assert_int_equal(assert_only(names), 2);
}

/* The link is checked: a name that does not lead to the temp's inode
 * (here: no /proc, and the AT_EMPTY_PATH link refused) never reaches the
 * rename. */
static void link_checked_before_rename(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_atomic_state st;
	osx_error err;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_fstatat, 1, 1, ENOENT);
	assert_int_equal(stream_write(t, "new", 3, &durable, &st, &err), -1);
	assert_string_equal(err.call, "fstatat");
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_int_equal(osx__fault_count(OSX__SYS_renameat2), 0);
	assert_content(t, "old");
	assert_only(only_target);
}

/* KEEP_MODE, unprivileged: a set-uid target stays set-uid.  The old code
 * set the mode before writing, and the write of a process without
 * CAP_FSETID clears set-id bits: mode 0755. */
static void keep_mode_setid_unprivileged(void **state)
{
	const char *t = osx_test_path(0, "target");
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(chmod(osx_test_tmpdir(), 0777), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE, 0};
		struct stat st;
		int fd;

		if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(10);
		fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "old", 3) != 3 || close(fd) || chmod(t, 04755))
			_exit(11);
		if (osx_atomic_write(t, "new", 3, &keep, NULL, NULL))
			_exit(12);
		if (stat(t, &st))
			_exit(13);
		_exit((st.st_mode & 07777) == 04755 ? 0 : 14);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_content(t, "new");
	assert_only(only_target);
}

/* KEEP_MODE never copies set-id bits from a target with another hard
 * link: the name may be a link to someone's set-uid program. */
static void keep_mode_setid_not_from_hard_link(void **state)
{
	const char *t = osx_test_path(0, "target"), *p = osx_test_path(1, "prog");
	const char *const names[] = {"target", "prog", NULL};
	osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE, 0};
	struct stat st;

	(void)state;
	put(p, "set-uid program");
	assert_int_equal(chmod(p, 04755), 0);
	assert_int_equal(link(p, t), 0);
	assert_int_equal(osx_atomic_write(t, "attacker's", 10, &keep, NULL, NULL), 0);
	assert_int_equal(stat(t, &st), 0);
	if (st.st_mode & 06000)
		fail_msg("set-id bits copied from a hard-linked target: %o", st.st_mode & 07777);
	assert_int_equal(st.st_mode & 07777, 0755); /* the rest is kept */
	assert_content(p, "set-uid program");
	assert_int_equal(mode_of(p) & 07777, 04755);
	assert_int_equal(assert_only(names), 2);
}

/* A kernel before 5.6 refuses GRND_INSECURE with EINVAL: the old code
 * failed every write ("getrandom: [Errno 22]"). */
static void getrandom_without_insecure(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_error err;

	(void)state;
	put(t, "old");
	osx__fault_fail(OSX__SYS_getrandom, 1, OSX__FAULT_ALWAYS, EINVAL);
	if (osx_atomic_write(t, "new", 3, NULL, NULL, &err))
		fail_msg("%s failed, errno %d", err.call, err.code);
	assert_content(t, "new");
	assert_only(only_target);
}

/* A writer that dies leaves its named temp; the next write to the target
 * sees that nobody holds the slot and removes it.  A live writer's slot is
 * left alone (named_temp_fallback). */
static void leftover_reclaimed_by_next_write(void **state)
{
	const char *t = osx_test_path(0, "target");
	int status;
	pid_t pid;

	(void)state;
	put(t, "old");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		osx_atomic_writer *w = osx_atomic_begin(t, NULL, NULL);
		if (!w || osx_atomic_writer_write(w, "half", 4, NULL))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(count_named(".target.0.osx-tmp"), 1);
	assert_int_equal(osx_atomic_write(t, "new", 3, NULL, NULL, NULL), 0);
	assert_content(t, "new");
	assert_only(only_target);
}

/* Leftovers in several slots (writers killed while another was alive, or
 * whose temp could not be removed): the next write that finds the first
 * slot taken removes them all.  The old code removed only the slot it took,
 * and a leftover in a later slot stayed while the first was free. */
static void leftovers_in_every_slot_reclaimed(void **state)
{
	const char *t = osx_test_path(0, "target");
	char name[32];
	int i;

	(void)state;
	put(t, "old");
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), ".target.%d.osx-tmp", i);
		put(osx_test_path(1, name), "leftover");
	}
	put(osx_test_path(1, ".target.7.osx-tmp"), "leftover");
	assert_int_equal(osx_atomic_write(t, "new", 3, NULL, NULL, NULL), 0);
	assert_content(t, "new");
	assert_only(only_target);
}

/* Three writers of one target, their steps interleaved at exact calls:
 * B finds A's temp in the first slot; A finishes before B asks whether a
 * writer is alive, and W begins (taking the freed slot) before B removes
 * what it took for a leftover.  The old code removed W's live temp, put
 * its own there, and W's commit renamed B's still empty temp over the
 * target and returned 0: W's content was lost, and B's went into the
 * target in place, not atomically.  Whatever the interleaving, the target
 * must end with the content of the last writer to succeed. */
struct race {
	const char *target;
	osx_atomic_writer *a, *w;
	int a_rc, w_rc;
	const char *last_ok; /* the content of the last successful writer */
	int w_in_place;      /* W's content was at the target when it returned 0 */
};

static void race_a_commits(void *arg)
{
	struct race *r = arg;

	r->a_rc = osx_atomic_commit(r->a, NULL, NULL);
	if (r->a_rc == 0)
		r->last_ok = "A-version";
}

static void race_w_begins(void *arg)
{
	struct race *r = arg;

	r->w = osx_atomic_begin(r->target, NULL, NULL);
	if (r->w && osx_atomic_writer_write(r->w, "W-version", 9, NULL) < 0) {
		osx_atomic_abort(r->w);
		r->w = NULL;
	}
}

static void race_w_commits(void *arg)
{
	struct race *r = arg;

	if (!r->w)
		return;
	char buf[16] = "";
	int fd;

	r->w_rc = osx_atomic_commit(r->w, NULL, NULL);
	r->w = NULL;
	if (r->w_rc != 0)
		return;
	r->last_ok = "W-version";
	fd = open(r->target, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	close(fd);
	r->w_in_place = !strcmp(buf, "W-version");
}

static void reclaim_race_with_live_writers(void **state)
{
	struct race r = {osx_test_path(0, "target"), NULL, NULL, -1, -1, "old", 0};
	int b_rc;

	(void)state;
	put(r.target, "old");
	r.a = osx_atomic_begin(r.target, NULL, NULL);
	assert_non_null(r.a);
	assert_int_equal(osx_atomic_writer_write(r.a, "A-version", 9, NULL), 0);
	osx__fault_reset();
	/* B's calls: fcntl 1 its lock, 2 the test for live writers; its
	 * unlinkat 1 the removal of the leftover; its write after W's. */
	assert_int_equal(osx__fault_call(OSX__SYS_fcntl, 2, race_a_commits, &r), 0);
	assert_int_equal(osx__fault_call(OSX__SYS_unlinkat, 1, race_w_begins, &r), 0);
	assert_int_equal(osx__fault_call(OSX__SYS_write, 2, race_w_commits, &r), 0);
	b_rc = osx_atomic_write(r.target, "B-version", 9, NULL, NULL, NULL);
	if (b_rc == 0)
		r.last_ok = "B-version";
	race_w_commits(&r); /* W, if its commit was not reached */
	osx__fault_reset();
	assert_int_equal(r.a_rc, 0);
	assert_true(r.w_rc != 0 || r.w_in_place);
	assert_content(r.target, r.last_ok);
	assert_only(only_target);
}

static void race_leftover_goes_w_begins(void *arg)
{
	struct race *r = arg;

	assert_int_equal(unlink(osx_test_path(1, ".target.0.osx-tmp")), 0);
	race_w_begins(r);
}

/* The removal of leftovers looks at each slot before and after its test
 * for live writers, and removes only a file there both times: here the
 * leftover goes (someone's rm) and W begins, taking its slot, after the
 * test.  W's temp must survive, and W's commit (during B's write) must put
 * W's content in place. */
static void sweep_skips_a_new_writers_temp(void **state)
{
	struct race r = {osx_test_path(0, "target"), NULL, NULL, 0, -1, "old", 0};
	int b_rc;

	(void)state;
	put(r.target, "old");
	put(osx_test_path(1, ".target.0.osx-tmp"), "leftover");
	osx__fault_reset();
	/* B's fstatat: 1-8 the first look at each slot, 9 the second at the
	 * only one taken; its write after W's. */
	assert_int_equal(osx__fault_call(OSX__SYS_fstatat, 9, race_leftover_goes_w_begins, &r),
			 0);
	assert_int_equal(osx__fault_call(OSX__SYS_write, 2, race_w_commits, &r), 0);
	b_rc = osx_atomic_write(r.target, "B-version", 9, NULL, NULL, NULL);
	osx__fault_reset();
	/* W committed during B's write, with its own content, and B after it */
	assert_int_equal(r.w_rc, 0);
	assert_true(r.w_in_place);
	assert_int_equal(b_rc, 0);
	assert_content(r.target, "B-version");
	assert_only(only_target);
}

/* Every step of the removal of leftovers may fail: the write goes on in
 * another slot, the leftover stays (never a file that was not looked at
 * twice), and a later write removes it. */
static void sweep_steps_fail(void **state)
{
	static const struct {
		enum osx__sys sys;
		unsigned long nth;
	} steps[] = {
		{OSX__SYS_fstatat, 1},  /* the first look at slot 0 */
		{OSX__SYS_fcntl, 3},    /* the test for live writers between the looks */
		{OSX__SYS_fstatat, 9},  /* the second look at slot 0 */
		{OSX__SYS_fstatat, 9},  /* with slot 1 taken too: the second look at it
					 * (the last slot first), so slot 0 stays */
	};
	const char *t = osx_test_path(0, "target");
	size_t k;

	(void)state;
	put(t, "old");
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		put(osx_test_path(1, ".target.0.osx-tmp"), "leftover");
		if (k == 3)
			put(osx_test_path(1, ".target.1.osx-tmp"), "leftover");
		osx__fault_reset();
		osx__fault_fail(steps[k].sys, steps[k].nth, 1, EIO);
		assert_int_equal(osx_atomic_write(t, "one", 3, NULL, NULL, NULL), 0);
		assert_content(t, "one");
		assert_int_equal(count_named(".target.0.osx-tmp"), 1);
		osx__fault_reset();
		assert_int_equal(osx_atomic_write(t, "two", 3, NULL, NULL, NULL), 0);
		assert_content(t, "two");
		assert_only(only_target);
	}
}

/* Reclaiming is best effort: when the lock test or the removal of the
 * leftover fails, the write takes the next slot and the leftover stays
 * for a later write. */
static void leftover_reclaim_fails(void **state)
{
	const char *t = osx_test_path(0, "target");
	const char *const names[] = {"target", ".target.0.osx-tmp", NULL};
	int fd;

	(void)state;
	put(t, "old");
	fd = open(osx_test_path(1, ".target.0.osx-tmp"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	osx__fault_fail(OSX__SYS_fcntl, 2, 1, EIO); /* F_OFD_GETLK */
	assert_int_equal(osx_atomic_write(t, "one", 3, NULL, NULL, NULL), 0);
	assert_int_equal(assert_only(names), 2);
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_unlinkat, 1, 1, EPERM);
	assert_int_equal(osx_atomic_write(t, "two", 3, NULL, NULL, NULL), 0);
	assert_int_equal(assert_only(names), 2);
	osx__fault_reset();
	assert_int_equal(osx_atomic_write(t, "three", 5, NULL, NULL, NULL), 0);
	assert_content(t, "three");
	assert_only(only_target);
}

/* ---- the reported state ---- */

static void atomic_state_reported(void **state)
{
	const char *t = osx_test_path(0, "target");
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_atomic_state st = (osx_atomic_state)-1;
	osx_atomic_writer *w;
	osx_error err;

	(void)state;
	assert_int_equal(osx_atomic_write(t, "one", 3, NULL, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED);
	assert_int_equal(osx_atomic_write(t, "two", 3, &durable, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED_DURABLE);
	/* the data's fsync fails: nothing happened */
	osx__fault_fail(OSX__SYS_fsync, 1, 1, EIO);
	assert_int_equal(osx_atomic_write(t, "three", 5, &durable, &st, &err), -1);
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_content(t, "two");
	/* the directory's fsync fails: in place, not known durable */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_fsync, 2, 1, EIO);
	assert_int_equal(osx_atomic_write(t, "four", 4, &durable, &st, &err), -1);
	assert_int_equal(st, OSX_ATOMIC_REPLACED);
	assert_string_equal(err.call, "fsync");
	assert_content(t, "four");
	/* bad input: unchanged */
	assert_int_equal(osx_atomic_write(NULL, "x", 1, NULL, &st, &err), -1);
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_int_equal(err.code, EINVAL);
	/* streaming */
	w = osx_atomic_begin(t, &durable, &err);
	assert_non_null(w);
	assert_int_equal(osx_atomic_writer_write(w, "five", 4, &err), 0);
	assert_int_equal(osx_atomic_commit(w, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED_DURABLE);
	assert_int_equal(osx_atomic_commit(NULL, &st, &err), -1);
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_int_equal(errno, EINVAL);
	assert_content(t, "five");
	assert_only(only_target);
}

/* ---- the batch ---- */

static void batch_commits_all(void **state)
{
	const char *const names[] = {"a", "b", "sub", NULL};
	osx_atomic_options keep = {OSX_ATOMIC_KEEP_MODE, 0};
	osx_atomic_state st[3];
	osx_atomic_batch *b;
	osx_error err;
	int d;

	(void)state;
	assert_int_equal(mkdir(osx_test_path(0, "sub"), 0755), 0);
	put(osx_test_path(0, "a"), "old a");
	assert_int_equal(chmod(osx_test_path(0, "a"), 0640), 0);
	d = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d >= 0);
	b = osx_atomic_batch_new(OSX_ATOMIC_DURABLE, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(0, "a"), "new a", 5, &keep,
					      &err), 0);
	assert_int_equal(osx_atomic_batch_add(b, d, "b", "new b", 5, NULL, &err), 0);
	assert_int_equal(osx_atomic_batch_add(b, d, "sub/c", "new c", 5, NULL, &err), 0);
	close(d);
	/* nothing is in place before the commit, nothing named yet */
	assert_content(osx_test_path(0, "a"), "old a");
	assert_int_equal(access(osx_test_path(0, "b"), F_OK), -1);
	osx__fault_reset();
	assert_int_equal(osx_atomic_batch_commit(b, st, &err), 0);
	/* one syncfs for the data (one filesystem), then one fsync per
	 * directory (two directories); a kernel whose syncfs does not report
	 * writeback errors (before 5.8) fsyncs each file as well */
	assert_int_equal(osx__fault_count(OSX__SYS_syncfs), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fsync), 2);
	assert_int_equal(st[0], OSX_ATOMIC_REPLACED_DURABLE);
	assert_int_equal(st[1], OSX_ATOMIC_REPLACED_DURABLE);
	assert_int_equal(st[2], OSX_ATOMIC_REPLACED_DURABLE);
	assert_content(osx_test_path(0, "a"), "new a");
	assert_int_equal(mode_of(osx_test_path(0, "a")) & 07777, 0640);
	assert_content(osx_test_path(0, "b"), "new b");
	assert_content(osx_test_path(0, "sub/c"), "new c");
	assert_int_equal(assert_only(names), 3);

	/* when the kernel's version is unknown: the per-file fsyncs */
	b = osx_atomic_batch_new(OSX_ATOMIC_DURABLE, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(0, "a"), "a2", 2, NULL,
					      &err), 0);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(1, "b"), "b2", 2, NULL,
					      &err), 0);
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_uname, 1, 1, EFAULT);
	assert_int_equal(osx_atomic_batch_commit(b, st, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_syncfs), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fsync), 2 + 1);
	assert_int_equal(st[1], OSX_ATOMIC_REPLACED_DURABLE);
	assert_content(osx_test_path(0, "a"), "a2");
	/* ... whose failure stops the batch before any rename */
	b = osx_atomic_batch_new(OSX_ATOMIC_DURABLE, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(0, "a"), "a3", 2, NULL,
					      &err), 0);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(1, "b"), "b3", 2, NULL,
					      &err), 0);
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_uname, 1, 1, EFAULT);
	osx__fault_fail(OSX__SYS_fsync, 2, 1, EIO);
	assert_int_equal(osx_atomic_batch_commit(b, st, &err), -1);
	assert_string_equal(err.call, "fsync");
	assert_string_equal(err.name, osx_test_path(1, "b"));
	assert_int_equal(st[0], OSX_ATOMIC_UNCHANGED);
	assert_int_equal(st[1], OSX_ATOMIC_UNCHANGED);
	assert_content(osx_test_path(0, "a"), "a2");
	assert_int_equal(assert_only(names), 3);
}

static void batch_abort_and_failures(void **state)
{
	const char *a = osx_test_path(0, "a"), *bn = osx_test_path(1, "b");
	const char *const names[] = {"a", "b", NULL};
	osx_atomic_state st[3];
	osx_atomic_batch *b;
	osx_error err;

	(void)state;
	put(a, "old a");
	put(bn, "old b");
	/* abort: temps gone, targets untouched */
	b = osx_atomic_batch_new(0, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, a, "new a", 5, NULL, &err), 0);
	osx_atomic_batch_abort(b);
	osx_atomic_batch_abort(NULL);
	assert_content(a, "old a");
	assert_int_equal(assert_only(names), 2);
	/* a failed add leaves the batch as it was */
	b = osx_atomic_batch_new(0, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, a, "new a", 5, NULL, &err), 0);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, osx_test_path(2, "no/such"), "x", 1,
					      NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, bn, "new b", 5, NULL, &err), 0);
	/* the second rename fails: the first file new, the second old */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_renameat2, 2, 1, EIO);
	assert_int_equal(osx_atomic_batch_commit(b, st, &err), -1);
	assert_int_equal(errno, EIO);
	assert_string_equal(err.call, "renameat2");
	assert_string_equal(err.name, bn);
	assert_int_equal(st[0], OSX_ATOMIC_REPLACED);
	assert_int_equal(st[1], OSX_ATOMIC_UNCHANGED);
	assert_content(a, "new a");
	assert_content(bn, "old b");
	assert_int_equal(assert_only(names), 2);
	/* bad input */
	assert_null(osx_atomic_batch_new(0x80, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_batch_add(NULL, AT_FDCWD, a, "x", 1, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_batch_commit(NULL, st, &err), -1);
	assert_int_equal(errno, EINVAL);
	b = osx_atomic_batch_new(0, &err);
	assert_non_null(b);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, NULL, "x", 1, NULL, &err), -1);
	assert_int_equal(osx_atomic_batch_add(b, AT_FDCWD, a, NULL, 1, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* an empty batch commits */
	assert_int_equal(osx_atomic_batch_commit(b, NULL, &err), 0);
}

#define BATCH_N 3

struct batch_ctx {
	const char *path[BATCH_N];
	int durable;
	osx_atomic_state st[BATCH_N];
};

static void batch_setup(void *arg)
{
	struct batch_ctx *c = arg;
	int i;

	for (i = 0; i < BATCH_N; i++)
		put(c->path[i], "old");
}

static long batch_run(void *arg, osx_error *err)
{
	struct batch_ctx *c = arg;
	osx_atomic_batch *b;
	int i;

	for (i = 0; i < BATCH_N; i++)
		c->st[i] = OSX_ATOMIC_UNCHANGED;
	b = osx_atomic_batch_new(c->durable ? OSX_ATOMIC_DURABLE : 0, err);
	if (!b)
		return -1;
	for (i = 0; i < BATCH_N; i++) {
		if (osx_atomic_batch_add(b, AT_FDCWD, c->path[i], new_text, strlen(new_text), NULL,
					 err) < 0) {
			osx_atomic_batch_abort(b);
			return -1;
		}
	}
	return osx_atomic_batch_commit(b, c->st, err);
}

/* Every file's state matches its content; a success is all DURABLE (or
 * REPLACED when not durable); only the directory fds' closes and uname
 * (the per-file fsyncs then) may fail unnoticed. */
static void batch_check(void *arg, const struct osx_sweep_run *r)
{
	struct batch_ctx *c = arg;
	const char *const names[] = {"f0", "f1", "sub", NULL};
	int i;

	for (i = 0; i < BATCH_N; i++) {
		if (r->sys == OSX__SYS_COUNT || r->rc == 0)
			assert_int_equal(c->st[i], c->durable ? OSX_ATOMIC_REPLACED_DURABLE
							      : OSX_ATOMIC_REPLACED);
		else
			assert_true(c->st[i] != OSX_ATOMIC_REPLACED_DURABLE || c->durable);
		assert_content(c->path[i], c->st[i] == OSX_ATOMIC_UNCHANGED ? "old" : new_text);
	}
	if (r->sys != OSX__SYS_COUNT && r->rc == 0)
		assert_true(r->sys == OSX__SYS_close || r->sys == OSX__SYS_uname);
	assert_int_equal(assert_only(names), 3);
	assert_int_equal(count_named_in(osx_test_path(3, "sub"), "."), 0);
}

static void sweep_batch(void **state)
{
	struct batch_ctx c = {{osx_test_path(0, "f0"), osx_test_path(1, "f1"),
			       osx_test_path(2, "sub/f2")}, 0, {0}};
	struct osx_sweep sw = {.setup = batch_setup, .run = batch_run, .check = batch_check,
			       .ctx = &c};
	int round;

	(void)state;
	assert_int_equal(mkdir(osx_test_path(3, "sub"), 0755), 0);
	for (round = 0; round < 2; round++) {
		c.durable = round;
		assert_true(osx_sweep_run(&sw) >= 10);
	}
}

/* ---- the locked update ---- */

static int add_one(void *arg, const char *old, size_t old_len, int exists, const void **data,
		   size_t *len)
{
	char *out = arg; /* room for 32 bytes */
	long v = 0;

	if (exists) {
		char num[32];
		if (old_len == 0 || old_len >= sizeof(num) || old[old_len - 1] != '\n')
			return errno = EBADMSG, -1; /* a torn counter */
		memcpy(num, old, old_len);
		num[old_len] = '\0';
		v = atol(num);
	}
	*len = (size_t)snprintf(out, 32, "%ld\n", v + 1);
	*data = out;
	return 0;
}

static int keep_it(void *arg, const char *old, size_t old_len, int exists, const void **data,
		   size_t *len)
{
	(void)old, (void)old_len, (void)data, (void)len;
	*(int *)arg = exists;
	return 1;
}

static int refuse(void *arg, const char *old, size_t old_len, int exists, const void **data,
		  size_t *len)
{
	(void)arg, (void)old, (void)old_len, (void)exists, (void)data, (void)len;
	errno = EPERM;
	return -1;
}

static void update_basics(void **state)
{
	const char *t = osx_test_path(0, "target");
	const char *const names[] = {"target", "target.lock", NULL};
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_atomic_state st;
	osx_error err;
	char out[32];
	int exists = -1;

	(void)state;
	assert_int_equal(osx_atomic_update(t, keep_it, &exists, NULL, &st, &err), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_int_equal(access(t, F_OK), -1);
	assert_int_equal(osx_atomic_update(t, add_one, out, NULL, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED);
	assert_int_equal(osx_atomic_update(t, add_one, out, &durable, &st, &err), 0);
	assert_int_equal(st, OSX_ATOMIC_REPLACED_DURABLE);
	assert_content(t, "2\n");
	assert_int_equal(osx_atomic_update(t, keep_it, &exists, NULL, &st, &err), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(osx_atomic_update(t, refuse, NULL, NULL, &st, &err), -1);
	assert_int_equal(errno, EPERM);
	assert_string_equal(err.call, "modify");
	assert_string_equal(err.name, t);
	assert_int_equal(st, OSX_ATOMIC_UNCHANGED);
	assert_content(t, "2\n");
	/* the lock file stays (removing it would race); nothing else */
	assert_int_equal(assert_only(names), 2);
	/* bad input, refused before a lock file exists */
	assert_int_equal(osx_atomic_update(NULL, add_one, out, NULL, &st, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_update(t, NULL, out, NULL, &st, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_atomic_update(osx_test_path(1, "d/"), add_one, out, NULL, NULL, &err),
			 -1);
	assert_int_equal(err.code, EISDIR);
	assert_int_equal(assert_only(names), 2);
}

struct update_ctx {
	const char *target;
	int proc;      /* the target: a link to /proc/self/stat, size 0, read to its end */
	int exists;
	char out[32];
};

static void update_setup(void *arg)
{
	struct update_ctx *c = arg;

	unlink(c->target);
	if (c->proc)
		assert_int_equal(symlink("/proc/self/stat", c->target), 0);
	else
		put(c->target, "41\n");
}

static long update_run(void *arg, osx_error *err)
{
	struct update_ctx *c = arg;

	if (c->proc)
		return osx_atomic_update(c->target, keep_it, &c->exists, NULL, NULL, err);
	return osx_atomic_update(c->target, add_one, c->out, NULL, NULL, err);
}

static void update_check(void *arg, const struct osx_sweep_run *r)
{
	struct update_ctx *c = arg;
	const char *const names[] = {"target", "target.lock", NULL};

	if (c->proc)
		assert_true(S_ISLNK(mode_of(c->target)));
	else if (r->sys == OSX__SYS_COUNT || r->rc == 0)
		assert_content(c->target, "42\n");
	else
		assert_content(c->target, "41\n");
	assert_int_equal(assert_only(names), 2);
}

/* Every step of the update fails in turn; also on a target whose size
 * says 0 (a /proc file), read by growing the buffer. */
static void sweep_update(void **state)
{
	struct update_ctx c = {osx_test_path(0, "target"), 0, 0, {0}};
	struct osx_sweep sw = {.setup = update_setup, .run = update_run, .check = update_check,
			       .ctx = &c};

	(void)state;
	assert_true(osx_sweep_run(&sw) >= 10);
	c.proc = 1;
	assert_true(osx_sweep_run(&sw) >= 6);
	update_setup(&c);
	osx__fault_reset();
	assert_int_equal(update_run(&c, NULL), 0);
	assert_true(osx__fault_count(OSX__SYS_realloc) > 0); /* the buffer grew */
	assert_int_equal(c.exists, 1);
}

/* 2 processes x N locked increments of one counter, a third reading it all
 * the time: the final value is 2N (no update lost) and every read is a
 * whole number. */
static void update_concurrent(void **state)
{
	const char *t = osx_test_path(0, "target");
	int n = osx_test_under_valgrind() ? 50 : 1000, i, status, done = 0;
	unsigned long reads = 0, torn = 0;
	pid_t pids[2];
	char buf[64];

	(void)state;
	put(t, "0\n");
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char out[32];
			int k;
			osx__fault_reset();
			for (k = 0; k < n; k++)
				if (osx_atomic_update(t, add_one, out, NULL, NULL, NULL) < 0)
					_exit(1);
			_exit(0);
		}
	}
	while (done < 2) {
		size_t len;
		slurp(t, buf, sizeof(buf));
		len = strlen(buf);
		reads++;
		torn += len == 0 || buf[len - 1] != '\n' || strspn(buf, "0123456789") != len - 1;
		for (i = 0; i < 2; i++)
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				assert_true(WIFEXITED(status));
				assert_int_equal(WEXITSTATUS(status), 0);
				pids[i] = 0;
				done++;
			}
	}
	slurp(t, buf, sizeof(buf));
	print_message("update: 2 x %d updates, final value %ld, %lu reads, %lu torn\n", n,
		      atol(buf), reads, torn);
	assert_int_equal(atol(buf), 2 * n);
	assert_int_equal(torn, 0);
}

/* ---- crash test: SIGKILL at random moments, a reader polling ---- */

#define BODY (1024 * 1024)
#define HDR 16

/* Version v: a 16-byte header naming v, then 1 MiB of one byte for v. */
static void make_version(char *buf, unsigned v)
{
	snprintf(buf, HDR + 1, "osx-v%010u\n", v);
	memset(buf + HDR, 'a' + (int)(v % 26), BODY);
}

/* The version a header names, or -1 (buf holds at least n bytes, no NUL). */
static long version_of(const char *buf, size_t n)
{
	long v = 0;
	int i;

	if (n < HDR || memcmp(buf, "osx-v", 5) || buf[HDR - 1] != '\n')
		return -1;
	for (i = 5; i < HDR - 1; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		v = v * 10 + (buf[i] - '0');
	}
	return v;
}

/* 1 when buf[0..n) is one whole version. */
static int whole(const char *buf, size_t n)
{
	long v = version_of(buf, n);
	size_t i;
	char c;

	if (n != HDR + BODY || v < 0)
		return 0;
	c = (char)('a' + (int)(v % 26));
	for (i = HDR; i < n; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

static size_t read_all(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0); /* the name never disappears */
	while (n < size && (r = read(fd, buf + n, size - n)) > 0)
		n += (size_t)r;
	close(fd);
	return n;
}

/* The control: what `cat > target` does. */
static void naive_write(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off;

	for (off = 0; off < len; off += 64 * 1024)
		if (write(fd, buf + off, len - off < 65536 ? len - off : 65536) < 0)
			_exit(3);
	close(fd);
}

/* How the crash test's writer writes. */
enum crash_mode {
	CRASH_NAIVE,      /* the control: open O_TRUNC + write */
	CRASH_PLAIN,      /* osx_atomic_write, not durable: the named temp */
	CRASH_DURABLE,    /* the durable streaming writer: the O_TMPFILE temp */
	CRASH_NAMED,      /* osx_atomic_write, durable: the named temp */
};

static const char *const crash_names[] = {"control (open O_TRUNC + write)", "not durable (named)",
					  "durable streaming (O_TMPFILE)", "durable (named)"};

static int atomic_once(const char *path, const char *buf, size_t len, enum crash_mode mode)
{
	osx_atomic_options o = {mode == CRASH_PLAIN ? 0 : OSX_ATOMIC_DURABLE, 0};

	if (mode == CRASH_DURABLE)
		return stream_write(path, buf, len, &o, NULL, NULL);
	return osx_atomic_write(path, buf, len, &o, NULL, NULL);
}

static _Noreturn void writer_child(const char *path, enum crash_mode mode, unsigned seed,
				   char *buf)
{
	unsigned v;

	for (v = seed;; v++) {
		make_version(buf, v);
		if (mode == CRASH_NAIVE)
			naive_write(path, buf, HDR + BODY);
		else if (atomic_once(path, buf, HDR + BODY, mode) < 0)
			_exit(3);
	}
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

struct crash_stats {
	unsigned long reads, torn;
	int progressed;   /* rounds whose writer replaced the file at least once */
	int strays;       /* temp names a kill left (the next write removes them) */
};

/* Rounds of: fork a writer, read while it writes, SIGKILL it at a random
 * moment, read the final content; then (atomic modes) one more write,
 * after which no temp may be left: the kill's leftover is reclaimed. */
static void crash_rounds(enum crash_mode mode, int rounds, struct crash_stats *cs)
{
	const char *t = osx_test_path(0, "target");
	char *buf = malloc(HDR + BODY + 1), *got = malloc(HDR + BODY + 1);
	/* valgrind needs far longer for a fork and a 1 MiB write; a durable
	 * write needs a few ms more for its flushes */
	long window = osx_test_under_valgrind() ? 300000 : mode >= CRASH_DURABLE ? 20000 : 4000;
	unsigned v = 0;
	int i, status;
	size_t n;

	assert_non_null(buf);
	assert_non_null(got);
	make_version(buf, 0);
	naive_write(t, buf, HDR + BODY);
	srand(12345);
	for (i = 0; i < rounds; i++) {
		long until;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			writer_child(t, mode, (unsigned)i * 1000 + 1, buf);
		until = now_us() + rand() % window;
		do {
			cs->torn += !whole(got, read_all(t, got, HDR + BODY + 1));
			cs->reads++;
		} while (now_us() < until);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		n = read_all(t, got, HDR + BODY + 1);
		cs->torn += !whole(got, n);
		cs->reads++;
		if (version_of(got, n) >= (long)i * 1000 + 1)
			cs->progressed++;
		if (mode == CRASH_NAIVE)
			continue;
		cs->strays += count_named(".target.");
		make_version(buf, v++ % 26);
		assert_int_equal(atomic_once(t, buf, HDR + BODY, mode), 0);
		assert_only(only_target);
	}
	free(buf);
	free(got);
}

static int crash_rounds_wanted(void)
{
	const char *r = getenv("OSX_CRASH_ROUNDS");

	if (r && *r)
		return atoi(r);
	return osx_test_under_valgrind() ? 10 : 30;
}

static void crash_mode(enum crash_mode mode)
{
	int rounds = crash_rounds_wanted();
	struct crash_stats a = {0};

	crash_rounds(mode, rounds, &a);
	print_message("%s: %d kills, %lu reads, %lu torn, %d rounds wrote, "
		      "%d temp names left by a kill, 0 after the next write\n",
		      crash_names[mode], rounds, a.reads, a.torn, a.progressed, a.strays);
	assert_int_equal(a.torn, 0);
	assert_true(a.progressed > 0); /* the writers did replace the file */
}

static void crash_plain(void **state)
{
	(void)state;
	crash_mode(CRASH_PLAIN);
}

static void crash_durable(void **state)
{
	(void)state;
	crash_mode(CRASH_DURABLE);
}

static void crash_named(void **state)
{
	(void)state;
	crash_mode(CRASH_NAMED);
}

/* The batch: 3 files of 1 MiB versions, committed durably again and again
 * by a writer killed at random; after every kill each file is a whole
 * version (old or new, files may differ), and after the next commit no
 * temp is left. */
#define CRASH_FILES 3

static int batch_once(char *const paths[], char *buf, unsigned v)
{
	osx_atomic_batch *b = osx_atomic_batch_new(OSX_ATOMIC_DURABLE, NULL);
	int i;

	if (!b)
		return -1;
	for (i = 0; i < CRASH_FILES; i++) {
		make_version(buf, v * CRASH_FILES + (unsigned)i);
		if (osx_atomic_batch_add(b, AT_FDCWD, paths[i], buf, HDR + BODY, NULL, NULL) < 0) {
			osx_atomic_batch_abort(b);
			return -1;
		}
	}
	return osx_atomic_batch_commit(b, NULL, NULL);
}

static void crash_batch(void **state)
{
	char *paths[CRASH_FILES];
	const char *const names[] = {"f0", "f1", "f2", NULL};
	char *buf = malloc(HDR + BODY + 1), *got = malloc(HDR + BODY + 1);
	int rounds = crash_rounds_wanted(), i, k, status, progressed = 0, strays = 0;
	long window = osx_test_under_valgrind() ? 300000 : 40000;
	unsigned long reads = 0, torn = 0;

	(void)state;
	assert_non_null(buf);
	assert_non_null(got);
	for (k = 0; k < CRASH_FILES; k++) {
		char name[4] = {'f', (char)('0' + k), 0, 0};
		paths[k] = strdup(osx_test_path(k, name));
		assert_non_null(paths[k]);
	}
	assert_int_equal(batch_once(paths, buf, 0), 0);
	srand(54321);
	for (i = 0; i < rounds; i++) {
		long until;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			unsigned v;
			osx__fault_reset();
			for (v = (unsigned)i * 1000 + 1;; v++)
				if (batch_once(paths, buf, v) < 0)
					_exit(3);
		}
		until = now_us() + rand() % window;
		do {
			for (k = 0; k < CRASH_FILES; k++) {
				torn += !whole(got, read_all(paths[k], got, HDR + BODY + 1));
				reads++;
			}
		} while (now_us() < until);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		for (k = 0; k < CRASH_FILES; k++) {
			size_t n = read_all(paths[k], got, HDR + BODY + 1);
			torn += !whole(got, n);
			reads++;
			progressed += k == 0 && version_of(got, n) >= (long)(i * 1000 + 1) * CRASH_FILES;
		}
		strays += count_named(".f");
		assert_int_equal(batch_once(paths, buf, 0), 0);
		assert_int_equal(assert_only(names), CRASH_FILES);
	}
	print_message("batch (durable, %d files): %d kills, %lu reads, %lu torn, %d rounds "
		      "committed, %d temp names left by a kill, 0 after the next commit\n",
		      CRASH_FILES, rounds, reads, torn, progressed, strays);
	assert_int_equal(torn, 0);
	assert_true(progressed > 0);
	for (k = 0; k < CRASH_FILES; k++)
		free(paths[k]);
	free(buf);
	free(got);
}

/* The control: the test can see tearing. */
static void crash_control(void **state)
{
	int rounds = crash_rounds_wanted() / 3 + 1;
	struct crash_stats n = {0};

	(void)state;
	crash_rounds(CRASH_NAIVE, rounds, &n);
	print_message("%s: %d kills, %lu reads, %lu torn\n", crash_names[CRASH_NAIVE], rounds,
		      n.reads, n.torn);
	assert_true(n.torn > 0);
}

/* ---- the example ---- */

/* Run a shell command line, built from printf-style arguments. */
static int shell(const char *fmt, const char *a, const char *b)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), fmt, a ? a : "", b ? b : "");
	return system(cmd);
}

static void example_tool(void **state)
{
	const char *t = osx_test_path(0, "target"), *dir = getenv("OSX_EXAMPLES");
	char cmd[8192], line[8192];
	FILE *p;

	(void)state;
	if (!dir || !*dir) {
		skip(); /* built with -Dexamples=disabled */
		return;
	}
	assert_int_equal(shell("umask 022; printf 'from stdin' | "
			       "%s/osx-atomic-write --durable --mode 600 '%s'", dir, t), 0);
	assert_content(t, "from stdin");
	assert_int_equal(mode_of(t) & 07777, 0600);
	assert_int_equal(chmod(t, 0640), 0);
	assert_int_equal(shell("printf 'again' | %s/osx-atomic-write '%s'", dir, t), 0);
	assert_content(t, "again");
	assert_int_equal(mode_of(t) & 07777, 0640); /* kept */
	assert_int_equal(WEXITSTATUS(shell("%s/osx-atomic-write --mode 9 '%s' </dev/null 2>/dev/null",
					   dir, t)), 2);
	snprintf(cmd, sizeof(cmd), "%s/osx-atomic-write '%s/no/such' </dev/null 2>&1", dir,
		 osx_test_tmpdir());
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(WEXITSTATUS(pclose(p)), 1);
	assert_non_null(strstr(line, "[Errno 2] No such file or directory: '"));
	assert_non_null(strstr(line, "/no/such'"));
	assert_content(t, "again");
	assert_only(only_target);
}

int main(void)
{
	/* The slow suite runs only the crash tests, with more rounds. */
	const char *filter = getenv("OSX_TEST_FILTER");

	if (filter && *filter)
		cmocka_set_test_filter(filter);
	const struct CMUnitTest tests[] = {
		OSX_TEST(replace_overwrites),
		OSX_TEST(rename_error_names_both),
		OSX_TEST(noreplace_refuses_existing),
		OSX_TEST(exchange_swaps),
		OSX_TEST(at_variants_use_dir_fds),
		OSX_TEST(refused_flags_report_kernel_einval),
		OSX_TEST(rename_sweeps),
		OSX_TEST(atomic_write_creates_and_replaces),
		OSX_TEST(atomic_write_keeps_mode_and_owner),
		OSX_TEST(atomic_write_unprivileged),
		OSX_TEST(atomic_write_symlink_target),
		OSX_TEST(atomic_write_bad_input),
		OSX_TEST(atomic_writeat_relative),
		OSX_TEST(atomic_write_syscall_budget),
		OSX_TEST(writer_commit_and_abort),
		OSX_TEST(writer_failed_write_refuses_commit),
		OSX_TEST(named_temp_fallback),
		OSX_TEST(unlockable_directory_random_names),
		OSX_TEST(failed_cleanup_keeps_first_error),
		OSX_TEST(linkat_without_proc),
		OSX_TEST(atomic_write_edges),
		OSX_TEST(linkat_fallback_outcomes),
		OSX_TEST(keep_mode_only_what_differs),
		OSX_TEST(sweep_atomic_write),
		OSX_TEST(sweep_atomic_write_durable),
		OSX_TEST(sweep_atomic_write_short_writes),
		OSX_TEST(sweep_keep_mode_nofollow),
		OSX_TEST(sweep_named_fallback),
		OSX_TEST(sweep_streaming),
		OSX_TEST(sweep_streaming_named),
		OSX_TEST(thread_with_own_fd_table),
		OSX_TEST(link_checked_before_rename),
		OSX_TEST(keep_mode_setid_unprivileged),
		OSX_TEST(keep_mode_setid_not_from_hard_link),
		OSX_TEST(getrandom_without_insecure),
		OSX_TEST(leftover_reclaimed_by_next_write),
		OSX_TEST(leftovers_in_every_slot_reclaimed),
		OSX_TEST(reclaim_race_with_live_writers),
		OSX_TEST(sweep_skips_a_new_writers_temp),
		OSX_TEST(sweep_steps_fail),
		OSX_TEST(leftover_reclaim_fails),
		OSX_TEST(atomic_state_reported),
		OSX_TEST(batch_commits_all),
		OSX_TEST(batch_abort_and_failures),
		OSX_TEST(sweep_batch),
		OSX_TEST(update_basics),
		OSX_TEST(sweep_update),
		OSX_TEST(update_concurrent),
		OSX_TEST(crash_plain),
		OSX_TEST(crash_durable),
		OSX_TEST(crash_named),
		OSX_TEST(crash_batch),
		OSX_TEST(crash_control),
		OSX_TEST(example_tool),
	};
	return OSX_RUN(tests);
}
