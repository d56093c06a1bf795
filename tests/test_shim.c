/* The shim and its fault injection, tested on themselves. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
		OSX_TEST(sweep_runs_every_call),
	};
	return OSX_RUN(tests);
}
