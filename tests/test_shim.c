/* The shim and its fault injection, tested on themselves. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "shim.h"

static void fail_nth_call(void **state)
{
	int fds[3], i;

	(void)state;
	assert_int_equal(osx__fault_fail(OSX__SYS_openat, 2, 1, EMFILE), 0);
	fds[0] = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	fds[1] = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	fds[2] = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(fds[1], -EMFILE);
	assert_true(fds[2] >= 0);
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 3);
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			assert_int_equal(osx__sys_close(fds[i]), 0);
}

static void fail_forever_and_reset(void **state)
{
	int i;

	(void)state;
	osx__fault_fail(OSX__SYS_mkdirat, 1, OSX__FAULT_ALWAYS, ENOSPC);
	for (i = 0; i < 5; i++)
		assert_int_equal(osx__sys_mkdirat(AT_FDCWD, "/nonexistent/x", 0700), -ENOSPC);
	osx__fault_reset();
	assert_int_equal(osx__fault_count(OSX__SYS_mkdirat), 0);
	assert_int_equal(osx__sys_mkdirat(AT_FDCWD, "/nonexistent/x", 0700), -ENOENT);
}

/* Injected EINTR goes through the same retry loop a real one would. */
static void eintr_is_retried(void **state)
{
	char c = 'x';
	int p[2];

	(void)state;
	assert_int_equal(osx__sys_pipe2(p, O_CLOEXEC), 0);
	osx__fault_fail(OSX__SYS_write, 1, 3, EINTR);
	assert_int_equal(osx__sys_write(p[1], &c, 1), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_write), 4);
	osx__fault_fail(OSX__SYS_read, 1, 2, EINTR);
	c = 0;
	assert_int_equal(osx__sys_read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_int_equal(osx__fault_count(OSX__SYS_read), 3);
	osx__sys_close(p[0]);
	osx__sys_close(p[1]);
}

/* close is never retried: EINTR means the fd is gone, which is success. */
static void close_eintr_is_success_and_fd_is_gone(void **state)
{
	int fd;

	(void)state;
	fd = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	assert_true(fd >= 0);
	osx__fault_fail(OSX__SYS_close, 1, 1, EINTR);
	assert_int_equal(osx__sys_close(fd), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_close), 1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);

	fd = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	osx__fault_fail(OSX__SYS_close, 1, 1, EIO);
	assert_int_equal(osx__sys_close(fd), -EIO);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void *write_later(void *arg)
{
	int fd = *(int *)arg;
	struct timespec ts = {0, 150 * 1000 * 1000};

	nanosleep(&ts, NULL);
	(void)!write(fd, "y", 1);
	return NULL;
}

/* A real signal without SA_RESTART interrupts a blocking read; the shim
 * retries it and the data still arrives. */
static void real_eintr_is_retried(void **state)
{
	struct sigaction sa, old;
	struct itimerval it = {{0, 20 * 1000}, {0, 20 * 1000}}, off = {{0, 0}, {0, 0}};
	sigset_t alrm, prev;
	pthread_t th;
	char c = 0;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: read fails with EINTR */
	sigaction(SIGALRM, &sa, &old);
	/* Only this thread takes the alarm. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &prev);
	assert_int_equal(pthread_create(&th, NULL, write_later, &p[1]), 0);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(osx__sys_read(p[0], &c, 1), 1);
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_join(th, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(c, 'y');
	assert_true(alarms >= 1);
	assert_true(osx__fault_count(OSX__SYS_read) >= 2);
	close(p[0]);
	close(p[1]);
}

static void short_transfers(void **state)
{
	char out[100], in[100];
	struct iovec iov[3] = {{out, 10}, {out + 10, 10}, {out + 20, 10}};
	int p[2];

	(void)state;
	memset(out, 'a', sizeof(out));
	assert_int_equal(osx__sys_pipe2(p, O_CLOEXEC), 0);
	osx__fault_cap(OSX__SYS_write, 7);
	assert_int_equal(osx__sys_write(p[1], out, 100), 7);
	osx__fault_cap(OSX__SYS_writev, 15);
	assert_int_equal(osx__sys_writev(p[1], iov, 3), 15);
	osx__fault_cap(OSX__SYS_read, 5);
	assert_int_equal(osx__sys_read(p[0], in, 100), 5);
	osx__fault_cap(OSX__SYS_read, 0); /* 0 lifts the cap */
	assert_int_equal(osx__sys_read(p[0], in, 100), 17);
	osx__sys_close(p[0]);
	osx__sys_close(p[1]);
}

static void counting(void **state)
{
	void *p;

	(void)state;
	p = osx__malloc(16);
	osx__fault_fail(OSX__SYS_realloc, 1, 1, ENOMEM);
	assert_null(osx__realloc(p, 32));
	p = osx__realloc(p, 32);
	assert_non_null(p);
	free(p);
	assert_int_equal(osx__fault_count(OSX__SYS_malloc), 1);
	assert_int_equal(osx__fault_count(OSX__SYS_realloc), 2);
	assert_int_equal(osx__fault_total(), 3);
	assert_string_equal(osx__sys_name(OSX__SYS_realloc), "realloc");
	assert_int_equal(osx__fault_fail(OSX__SYS_read, 0, 1, EIO), -1);
}

/* Refused rules: a full table, a zero count; a refused rule fails nothing. */
static void rule_limits(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(osx__fault_fail(OSX__SYS_mkdirat, 100, 1, EIO), 0);
	assert_int_equal(osx__fault_fail(OSX__SYS_openat, 1, 1, EIO), -1);
	osx__fault_reset();
	assert_int_equal(osx__fault_fail(OSX__SYS_openat, 1, 0, EIO), -1);
	i = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	assert_true(i >= 0);
	close(i);
	assert_string_equal(osx__sys_name(OSX__SYS_COUNT), "?");
}

/* The sweep helper itself: a three-call operation gets three injected runs,
 * and the default checks catch a leak or a wrong errno. */
struct copy_ctx {
	const char *dst;
};

static long copy_devnull(void *arg, osx_error *err)
{
	struct copy_ctx *c = arg;
	char buf[16];
	int in, out;
	ssize_t n;

	in = osx__sys_openat(AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC, 0);
	if (in < 0)
		return osx_error_set(err, -in, "openat", "/dev/zero", NULL);
	out = osx__sys_openat(AT_FDCWD, c->dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		osx__sys_close(in);
		return osx_error_set(err, -out, "openat", c->dst, NULL);
	}
	n = osx__sys_read(in, buf, sizeof(buf));
	osx__sys_close(in);
	osx__sys_close(out);
	if (n < 0)
		return osx_error_set(err, (int)-n, "read", "/dev/zero", NULL);
	return 0;
}

static int checks_seen;

static void copy_check(void *arg, const struct osx_sweep_run *r)
{
	(void)arg;
	checks_seen++;
	if (r->sys == OSX__SYS_close)
		assert_int_equal(r->rc, 0); /* cleanup failure ignored */
	else if (r->sys != OSX__SYS_COUNT)
		assert_int_equal(r->rc, -1);
}

static void sweep_runs_every_call(void **state)
{
	struct copy_ctx c = {osx_test_path(0, "out")};
	struct osx_sweep sw = {.run = copy_devnull, .check = copy_check, .ctx = &c};

	(void)state;
	checks_seen = 0;
	/* openat x2, read, close x2 */
	assert_int_equal(osx_sweep_run(&sw), 5);
	assert_int_equal(checks_seen, 6);
	sw.skip[OSX__SYS_close] = 1;
	assert_int_equal(osx_sweep_run(&sw), 3);
}

/* ---- every wrapper against its contract ----
 * Each case makes one real call that succeeds (or, where success cannot be
 * repeated, fails in a known way) and undoes its effect, so it can run
 * again.  For each: an injected EINTR is retried (one more attempt, then the
 * real result) or, for the calls PEP 475 leaves to the caller, returned as
 * -EINTR after one attempt; any other injected errno comes back as -errno
 * after one attempt; the untouched call gives the real result. */

struct fix {
	int file; /* "file" in the tmpdir: "abcd", O_RDWR */
	int out;  /* "out": O_RDWR, a copy target */
	int dir;  /* the tmpdir */
	int cwd;  /* "." */
	int p[2]; /* a pipe, empty between calls */
	sigset_t usr2;
};

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		;
}

static long c_openat(struct fix *f)
{
	int r = osx__sys_openat(f->dir, "file", O_RDONLY | O_CLOEXEC, 0);

	return r >= 0 ? close(r) : r;
}

static long c_read(struct fix *f)
{
	char buf[8];

	lseek(f->file, 0, SEEK_SET);
	return osx__sys_read(f->file, buf, sizeof(buf));
}

static long c_write(struct fix *f)
{
	long r = osx__sys_write(f->p[1], "xyz", 3);

	drain(f->p[0]);
	return r;
}

static long c_pread(struct fix *f)
{
	char buf[8];

	return osx__sys_pread(f->file, buf, sizeof(buf), 1);
}

static long c_pwrite(struct fix *f)
{
	return osx__sys_pwrite(f->file, "b", 1, 1);
}

static long c_readv(struct fix *f)
{
	char a[1], b[8];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	lseek(f->file, 0, SEEK_SET);
	return osx__sys_readv(f->file, iov, 2);
}

static long c_writev(struct fix *f)
{
	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	long r = osx__sys_writev(f->p[1], iov, 2);

	drain(f->p[0]);
	return r;
}

static long c_lseek(struct fix *f)
{
	return osx__sys_lseek(f->file, 2, SEEK_SET);
}

static long c_fstat(struct fix *f)
{
	struct stat st;
	int r = osx__sys_fstat(f->file, &st);

	return r < 0 ? r : st.st_size;
}

static long c_fstatat(struct fix *f)
{
	struct stat st;
	int r = osx__sys_fstatat(f->dir, "file", &st, AT_SYMLINK_NOFOLLOW);

	return r < 0 ? r : st.st_size;
}

static long c_fsync(struct fix *f)
{
	return osx__sys_fsync(f->file);
}

static long c_fdatasync(struct fix *f)
{
	return osx__sys_fdatasync(f->file);
}

static long c_ftruncate(struct fix *f)
{
	return osx__sys_ftruncate(f->file, 4);
}

static long c_fcntl(struct fix *f)
{
	return osx__sys_fcntl(f->file, F_GETFD, 0);
}

static long c_fcntl_lock(struct fix *f)
{
	struct flock l = {.l_type = F_UNLCK, .l_whence = SEEK_SET};

	return osx__sys_fcntl_lock(f->file, F_OFD_SETLK, &l);
}

static long c_flock(struct fix *f)
{
	return osx__sys_flock(f->file, LOCK_UN);
}

static long c_pipe2(struct fix *f)
{
	int p[2], r = osx__sys_pipe2(p, O_CLOEXEC);

	(void)f;
	if (r == 0) {
		close(p[0]);
		close(p[1]);
	}
	return r;
}

static long c_dup2(struct fix *f)
{
	return osx__sys_dup2(f->file, f->file);
}

static long c_dup3(struct fix *f)
{
	int t = fcntl(f->file, F_DUPFD_CLOEXEC, 0), r = osx__sys_dup3(f->out, t, O_CLOEXEC);

	close(t);
	return r == t ? 0 : r < 0 ? r : -1;
}

static long c_copy_file_range(struct fix *f)
{
	off_t in = 0, out = 0;

	return osx__sys_copy_file_range(f->file, &in, f->out, &out, 4, 0);
}

static long c_sendfile(struct fix *f)
{
	off_t in = 0;

	lseek(f->out, 0, SEEK_SET);
	return osx__sys_sendfile(f->out, f->file, &in, 4);
}

static long c_getrandom(struct fix *f)
{
	char buf[16];

	(void)f;
	return osx__sys_getrandom(buf, sizeof(buf), GRND_NONBLOCK);
}

static long c_sched_getaffinity(struct fix *f)
{
	cpu_set_t set;

	(void)f;
	return osx__sys_sched_getaffinity(0, sizeof(set), &set);
}

static long c_fchmod(struct fix *f)
{
	return osx__sys_fchmod(f->file, 0600);
}

static long c_fchown(struct fix *f)
{
	return osx__sys_fchown(f->file, (uid_t)-1, getgid());
}

static long c_poll(struct fix *f)
{
	struct pollfd pfd = {f->p[1], POLLOUT, 0};

	return osx__sys_poll(&pfd, 1, 0);
}

static long c_fork(struct fix *f)
{
	pid_t r = osx__sys_fork();

	(void)f;
	if (r == 0)
		_exit(0);
	return r > 0 ? waitpid(r, NULL, 0) == r ? 0 : -1 : r;
}

static long c_execve(struct fix *f)
{
	char *argv[] = {"x", NULL};

	(void)f;
	return osx__sys_execve("/nonexistent/osx", argv, argv + 1);
}

static long c_wait4(struct fix *f)
{
	pid_t pid = fork(), r;
	int st = 0;

	(void)f;
	if (pid == 0)
		_exit(7);
	r = osx__sys_wait4(pid, &st, 0, NULL);
	if (r < 0)
		waitpid(pid, NULL, 0);
	return r < 0 ? r : r == pid ? WEXITSTATUS(st) : -1;
}

static long c_waitid(struct fix *f)
{
	siginfo_t info = {0};
	pid_t pid = fork();
	int r;

	(void)f;
	if (pid == 0)
		_exit(9);
	r = osx__sys_waitid(P_PID, (id_t)pid, &info, WEXITED);
	if (r < 0)
		waitpid(pid, NULL, 0);
	return r < 0 ? r : info.si_pid == pid ? info.si_status : -1;
}

static long c_kill(struct fix *f)
{
	(void)f;
	return osx__sys_kill(getpid(), 0);
}

static long c_pidfd_open(struct fix *f)
{
	int r = osx__sys_pidfd_open(getpid(), 0);

	(void)f;
	return r >= 0 ? close(r) : r;
}

static long c_pidfd_send_signal(struct fix *f)
{
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0), r;

	(void)f;
	r = osx__sys_pidfd_send_signal(pfd, 0, NULL, 0);
	close(pfd);
	return r;
}

static long c_close_range(struct fix *f)
{
	int t = fcntl(f->file, F_DUPFD_CLOEXEC, 0), r = osx__sys_close_range((unsigned)t, (unsigned)t, 0);

	/* Really closed: a second close finds nothing. */
	return r < 0 ? (close(t), r) : close(t) == -1 && errno == EBADF ? 0 : -1;
}

static long c_chdir(struct fix *f)
{
	(void)f;
	return osx__sys_chdir(".");
}

static long c_fchdir(struct fix *f)
{
	return osx__sys_fchdir(f->cwd);
}

static long c_sigtimedwait(struct fix *f)
{
	struct timespec zero = {0, 0};
	int r;

	raise(SIGUSR2); /* blocked: stays pending */
	r = osx__sys_sigtimedwait(&f->usr2, NULL, &zero);
	if (r < 0)
		sigtimedwait(&f->usr2, NULL, &zero);
	return r;
}

static long c_getdents64(struct fix *f)
{
	char buf[4096];
	long r;

	lseek(f->dir, 0, SEEK_SET);
	r = osx__sys_getdents64(f->dir, buf, sizeof(buf));
	return r > 0 ? 0 : r < 0 ? r : -1;
}

static long c_mkdirat(struct fix *f)
{
	int r = osx__sys_mkdirat(f->dir, "d", 0700);

	return r == 0 ? unlinkat(f->dir, "d", AT_REMOVEDIR) : r;
}

static long c_unlinkat(struct fix *f)
{
	close(openat(f->dir, "gone", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	return osx__sys_unlinkat(f->dir, "gone", 0);
}

static long c_renameat2(struct fix *f)
{
	int r = osx__sys_renameat2(f->dir, "file", f->dir, "moved", RENAME_NOREPLACE);

	return r == 0 ? renameat(f->dir, "moved", f->dir, "file") : r;
}

static long c_linkat(struct fix *f)
{
	int r = osx__sys_linkat(f->dir, "file", f->dir, "hard", 0);

	return r == 0 ? unlinkat(f->dir, "hard", 0) : r;
}

static long c_symlinkat(struct fix *f)
{
	int r = osx__sys_symlinkat("file", f->dir, "sym");

	return r == 0 ? unlinkat(f->dir, "sym", 0) : r;
}

static long c_readlinkat(struct fix *f)
{
	char buf[16];
	long r = osx__sys_readlinkat(f->dir, "link", buf, sizeof(buf));

	return r == 6 && memcmp(buf, "target", 6) == 0 ? 0 : r < 0 ? r : -1;
}

static long c_setenv(struct fix *f)
{
	int r = osx__sys_setenv("OSX_SHIM_CASE", "1", 1);

	(void)f;
	if (r == 0) {
		r = getenv("OSX_SHIM_CASE") && !strcmp(getenv("OSX_SHIM_CASE"), "1") ? 0 : -1;
		unsetenv("OSX_SHIM_CASE");
	}
	return r;
}

static long c_unsetenv(struct fix *f)
{
	int r;

	(void)f;
	setenv("OSX_SHIM_CASE", "1", 1);
	r = osx__sys_unsetenv("OSX_SHIM_CASE");
	return r == 0 && getenv("OSX_SHIM_CASE") ? -1 : r;
}

static long c_setsid(struct fix *f)
{
	pid_t r = osx__sys_setsid();

	(void)f;
	return r < 0 ? r : r == getpid() ? 0 : -1;
}

static long c_setpgid(struct fix *f)
{
	int r = osx__sys_setpgid(0, 0);

	(void)f;
	return r < 0 ? r : getpgid(0) == getpid() ? 0 : -1;
}

struct shim_case {
	const char *name;
	enum osx__sys sys;
	int retried; /* EINTR is retried */
	long (*call)(struct fix *f);
	long want;   /* the untouched call's result */
};

#define CASE(name, retried, want) {#name, OSX__SYS_##name, retried, c_##name, want}

static const struct shim_case cases[] = {
	CASE(openat, 1, 0),
	CASE(read, 1, 4),
	CASE(write, 1, 3),
	CASE(pread, 1, 3),
	CASE(pwrite, 1, 1),
	CASE(readv, 1, 4),
	CASE(writev, 1, 5),
	CASE(lseek, 0, 2),
	CASE(fstat, 1, 4),
	CASE(fstatat, 1, 4),
	CASE(fsync, 1, 0),
	CASE(fdatasync, 1, 0),
	CASE(ftruncate, 1, 0),
	CASE(fcntl, 0, FD_CLOEXEC),
	{"fcntl_lock", OSX__SYS_fcntl, 1, c_fcntl_lock, 0}, /* a lock wait is retried */
	CASE(flock, 1, 0),
	CASE(pipe2, 0, 0),
	CASE(dup2, 1, -1), /* want set below: the fd itself */
	CASE(dup3, 1, 0),
	CASE(copy_file_range, 1, 4),
	CASE(sendfile, 1, 4),
	CASE(getrandom, 1, 16),
	CASE(sched_getaffinity, 0, 0),
	CASE(fchmod, 1, 0),
	CASE(fchown, 1, 0),
	CASE(poll, 0, 1),
	CASE(fork, 0, 0),
	CASE(execve, 0, -ENOENT), /* success would not return */
	CASE(wait4, 1, 7),
	CASE(waitid, 1, 9),
	CASE(kill, 0, 0),
	CASE(pidfd_open, 0, 0),
	CASE(pidfd_send_signal, 0, 0),
	CASE(close_range, 0, 0),
	CASE(chdir, 1, 0),
	CASE(fchdir, 1, 0),
	CASE(sigtimedwait, 0, SIGUSR2),
	CASE(getdents64, 1, 0),
	CASE(mkdirat, 1, 0),
	CASE(unlinkat, 1, 0),
	CASE(renameat2, 1, 0),
	CASE(linkat, 1, 0),
	CASE(symlinkat, 1, 0),
	CASE(readlinkat, 1, 0),
	CASE(setenv, 0, 0),
	CASE(unsetenv, 0, 0),
};

/* The three runs of one case; NULL if all held, else what did not. */
static const char *check_case(const struct shim_case *c, struct fix *f, long want)
{
	static char msg[160];
	long r;

	osx__fault_reset();
	osx__fault_fail(c->sys, 1, 1, EINTR);
	r = c->call(f);
	if (c->retried ? r != want : r != -EINTR)
		return snprintf(msg, sizeof(msg), "injected EINTR gave %ld", r), msg;
	if (osx__fault_count(c->sys) != (c->retried ? 2u : 1u))
		return snprintf(msg, sizeof(msg), "EINTR: %lu attempts", osx__fault_count(c->sys)), msg;

	osx__fault_reset();
	osx__fault_fail(c->sys, 1, OSX__FAULT_ALWAYS, ENOTRECOVERABLE);
	r = c->call(f);
	if (r != -ENOTRECOVERABLE || osx__fault_count(c->sys) != 1)
		return snprintf(msg, sizeof(msg), "injected errno gave %ld after %lu attempts", r,
				osx__fault_count(c->sys)), msg;

	osx__fault_reset();
	r = c->call(f);
	if (r != want || osx__fault_count(c->sys) != 1)
		return snprintf(msg, sizeof(msg), "real call gave %ld, want %ld", r, want), msg;
	return NULL;
}

static void fix_open(struct fix *f)
{
	int fd;

	f->dir = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->file = openat(f->dir, "file", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	f->out = openat(f->dir, "out", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	f->cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dir >= 0 && f->file >= 0 && f->out >= 0 && f->cwd >= 0);
	assert_int_equal(write(f->file, "abcd", 4), 4);
	assert_int_equal(symlinkat("target", f->dir, "link"), 0);
	assert_int_equal(pipe2(f->p, O_CLOEXEC | O_NONBLOCK), 0);
	sigemptyset(&f->usr2);
	sigaddset(&f->usr2, SIGUSR2);
	fd = pthread_sigmask(SIG_BLOCK, &f->usr2, NULL);
	assert_int_equal(fd, 0);
}

static void fix_close(struct fix *f)
{
	pthread_sigmask(SIG_UNBLOCK, &f->usr2, NULL);
	close(f->dir);
	close(f->file);
	close(f->out);
	close(f->cwd);
	close(f->p[0]);
	close(f->p[1]);
}

/* want, or -errno where the kernel lacks the call (the old-kernel test
 * mode refuses it). */
static long unless_refused(const char *call, long want)
{
	int e = osx_test_refused(call, NULL);

	return e ? -e : want;
}

static void every_wrapper_keeps_the_contract(void **state)
{
	struct fix f;
	size_t i;

	(void)state;
	fix_open(&f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long want = cases[i].call == c_dup2 ? f.file : cases[i].want;
		const char *msg;

		/* valgrind does not know the pidfd syscalls: ENOSYS. */
		if (osx_test_under_valgrind() && (cases[i].sys == OSX__SYS_pidfd_open ||
						  cases[i].sys == OSX__SYS_pidfd_send_signal))
			want = -ENOSYS;
		want = unless_refused(cases[i].name, want);
		msg = check_case(&cases[i], &f, want);

		if (msg)
			fail_msg("%s: %s", cases[i].name, msg);
	}
	fix_close(&f);
}

/* Real failures come back as -errno too (the injected ones never reach
 * the real call). */
static void real_failures_are_negative_errno(void **state)
{
	struct timespec zero = {0, 0};
	siginfo_t info;
	sigset_t usr2;
	cpu_set_t set;
	char buf[64];
	int p[2];

	(void)state;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	assert_int_equal(osx__sys_pipe2(p, -1), -EINVAL);
	assert_int_equal(osx__sys_sched_getaffinity(0, 0, &set), -EINVAL);
	assert_int_equal(osx__sys_pidfd_send_signal(-1, 0, NULL, 0),
			 osx_test_under_valgrind() ? -ENOSYS : unless_refused("pidfd_send_signal", -EBADF));
	assert_int_equal(osx__sys_close_range(5, 4, 0), unless_refused("close_range", -EINVAL));
	assert_int_equal(osx__sys_sigtimedwait(&usr2, NULL, &zero), -EAGAIN);
	assert_int_equal(osx__sys_setenv("OSX=SHIM", "1", 1), -EINVAL);
	assert_int_equal(osx__sys_unsetenv(""), -EINVAL);
	assert_int_equal(osx__sys_getrandom(buf, sizeof(buf), ~0u), -EINVAL);
	assert_int_equal(osx__sys_fchmod(-1, 0600), -EBADF);
	assert_int_equal(osx__sys_fchown(-1, 0, 0), -EBADF);
	assert_int_equal(osx__sys_fchdir(-1), -EBADF);
	assert_int_equal(osx__sys_getdents64(-1, buf, sizeof(buf)), -EBADF);
	assert_int_equal(osx__sys_waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -ECHILD);
	assert_int_equal(osx__sys_unlinkat(AT_FDCWD, "/nonexistent/osx", 0), -ENOENT);
	assert_int_equal(osx__sys_linkat(AT_FDCWD, "/nonexistent/osx", AT_FDCWD, "/nonexistent/l", 0),
			 -ENOENT);
	assert_int_equal(osx__sys_symlinkat("x", AT_FDCWD, "/nonexistent/osx"), -ENOENT);
	assert_int_equal(osx__sys_readlinkat(AT_FDCWD, "/nonexistent/osx", buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(osx__sys_setpgid(-1, 0), -EINVAL);
	/* A clone without function or stack is refused before any syscall. */
	assert_int_equal(osx__sys_clone(NULL, NULL, SIGCHLD, NULL, NULL), -EINVAL);
	assert_int_equal(osx__fault_total(), 19);
}

/* setsid and setpgid change the process for good: checked in children of
 * their own, which report by exit status. */
static void session_calls_keep_the_contract(void **state)
{
	static const struct shim_case session[] = {
		CASE(setsid, 0, 0),
		CASE(setpgid, 0, 0),
	};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		pid_t pid;
		int st;

		fflush(NULL); /* the child exits through stdio */
		pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			const char *msg = check_case(&session[i], NULL, 0);

			/* Now a session leader: a second setsid is refused. */
			if (!msg && i == 0 && osx__sys_setsid() != -EPERM)
				msg = "a second setsid did not fail with EPERM";

			if (msg)
				fprintf(stderr, "%s: %s\n", session[i].name, msg);
			exit(msg ? 1 : 0); /* not _exit: coverage data is written at exit */
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("%s failed in the child (status %#x)", session[i].name, st);
	}
}

/* umask cannot fail: the call is only counted. */
static void umask_is_counted(void **state)
{
	mode_t old = umask(022);

	(void)state;
	osx__fault_fail(OSX__SYS_umask, 1, 1, EIO);
	assert_int_equal(osx__sys_umask(077), 022);
	assert_int_equal(umask(old), 077);
	assert_int_equal(osx__fault_count(OSX__SYS_umask), 1);
}

/* The byte cap trims an iovec array without changing what a real call
 * does with it: a count the kernel refuses is still refused. */
static void iovec_caps(void **state)
{
	static struct iovec many[IOV_MAX + 1];
	char out[8] = "abcdefgh", in[8] = {0};
	struct iovec iov[3] = {{out, 2}, {out + 2, 3}, {out + 5, 3}};
	int p[2], i;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	for (i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){out, 1};
	osx__fault_cap(OSX__SYS_writev, 4);
	assert_int_equal(osx__sys_writev(p[1], many, IOV_MAX + 1), -EINVAL);
	assert_int_equal(osx__sys_writev(p[1], iov, -1), -EINVAL);
	assert_int_equal(osx__sys_readv(p[0], many, IOV_MAX + 1), -EINVAL);
	assert_int_equal(osx__sys_writev(p[1], iov, 0), 0);
	/* The cap falls on an entry boundary, inside one, beyond the total. */
	assert_int_equal(osx__sys_writev(p[1], iov, 3), 4);
	osx__fault_cap(OSX__SYS_writev, 5);
	assert_int_equal(osx__sys_writev(p[1], iov + 2, 1), 3);
	assert_int_equal(osx__sys_writev(p[1], iov, 2), 5);
	osx__fault_cap(OSX__SYS_readv, 7);
	iov[0].iov_base = in, iov[1].iov_base = in + 2, iov[2].iov_base = in + 5;
	assert_int_equal(osx__sys_readv(p[0], iov, 3), 7);
	assert_memory_equal(in, "abcdfgh", 7);
	close(p[0]);
	close(p[1]);
}

static const void *sites_before[OSX__FAULT_MAX_SITES], *sites_after[OSX__FAULT_MAX_SITES];

/* The one site recorded since sites_before was taken (n of them, n <= 1). */
static const void *new_site(size_t n_before)
{
	size_t n = osx__fault_sites(sites_after, OSX__FAULT_MAX_SITES), i, j;

	assert_int_equal(n, n_before + (n > n_before));
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_before && sites_before[j] != sites_after[i]; j++)
			;
		if (j == n_before)
			return sites_after[i];
	}
	return NULL;
}

/* One call site, however often it runs (a loop may be unrolled). */
static __attribute__((noinline)) int read_fails(int fd)
{
	char c;

	return osx__sys_read(fd, &c, 1) == -EIO;
}

/* A faked failure, EINTR or cut transfer records the shim's return address
 * (its call site) once; a real call, or umask, records nothing. */
static void sites_are_recorded(void **state)
{
	uintptr_t fn = (uintptr_t)read_fails;
	const void *site;
	char buf[4] = "abc";
	size_t n;
	int p[2], i;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	n = osx__fault_sites(sites_before, OSX__FAULT_MAX_SITES);
	assert_int_equal(osx__sys_write(p[1], buf, 3), 3);
	osx__sys_umask(osx__sys_umask(022));
	osx__fault_fail(OSX__SYS_umask, 1, 2, EIO);
	osx__sys_umask(osx__sys_umask(022));
	assert_null(new_site(n));
	/* One call, three faults: one site, inside read_fails. */
	osx__fault_fail(OSX__SYS_read, 1, 3, EIO);
	for (i = 0; i < 3; i++)
		assert_true(read_fails(p[0]));
	site = new_site(n);
	assert_non_null(site);
	assert_true((uintptr_t)site > fn && (uintptr_t)site < fn + 256);
	/* Another line is another site: an EINTR retried... */
	n = osx__fault_sites(sites_before, OSX__FAULT_MAX_SITES);
	osx__fault_fail(OSX__SYS_read, 1, 1, EINTR);
	assert_int_equal(osx__sys_read(p[0], buf, 1), 1);
	assert_non_null(new_site(n));
	/* ... and a transfer cut by a cap. */
	n = osx__fault_sites(sites_before, OSX__FAULT_MAX_SITES);
	osx__fault_cap(OSX__SYS_read, 1);
	assert_int_equal(osx__sys_read(p[0], buf, 2), 1);
	assert_non_null(new_site(n));
	/* A reset keeps them. */
	n = osx__fault_sites(sites_before, OSX__FAULT_MAX_SITES);
	osx__fault_reset();
	assert_int_equal(osx__fault_sites(sites_after, OSX__FAULT_MAX_SITES), n);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(fail_nth_call),
		OSX_TEST(fail_forever_and_reset),
		OSX_TEST(eintr_is_retried),
		OSX_TEST(close_eintr_is_success_and_fd_is_gone),
		OSX_TEST(real_eintr_is_retried),
		OSX_TEST(short_transfers),
		OSX_TEST(counting),
		OSX_TEST(rule_limits),
		OSX_TEST(sweep_runs_every_call),
		OSX_TEST(every_wrapper_keeps_the_contract),
		OSX_TEST(real_failures_are_negative_errno),
		OSX_TEST(session_calls_keep_the_contract),
		OSX_TEST(umask_is_counted),
		OSX_TEST(iovec_caps),
		OSX_TEST(sites_are_recorded),
	};
	return OSX_RUN(tests);
}
