/*
 * The library as installed, not the instrumented copy the other tests link:
 * on x86-64 its per-buffer calls (read, write, their p/v forms) are inline
 * kernel entries in src/shim.h, with their own EINTR loop.  A signal
 * handler installed without SA_RESTART interrupts a blocked call, and the
 * call must go on and transfer the data; positioned transfers must use
 * their offsets; failures must reach the error struct; an interruption
 * check (osx/interrupt.h) that says stop ends the call with EINTR; statx
 * (osx_stat) goes through a kernel entry of its own too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <osx/osx.h>

/* The handler acts on its third signal: by then the call it interrupts
 * has been interrupted twice and must have retried each time. */
#define ACT_ON 3

static volatile sig_atomic_t signals;
static int pipe_fds[2];
static int drain; /* 0: the handler writes a byte; 1: it reads a page */

static void on_alarm(int sig)
{
	char page[4096];
	ssize_t r;

	(void)sig;
	if (++signals != ACT_ON)
		return;
	/* write/read on a pipe are async-signal-safe */
	if (drain)
		r = read(pipe_fds[0], page, sizeof(page));
	else
		r = write(pipe_fds[1], "x", 1);
	(void)r;
}

/* SIGALRM every 5 ms, no SA_RESTART: a blocked call fails with EINTR. */
static void start_signals(int drain_page)
{
	struct sigaction sa;
	struct itimerval every = { { 0, 5000 }, { 0, 5000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	signals = 0;
	drain = drain_page;
	assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);
}

static void stop_signals(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	signal(SIGALRM, SIG_DFL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

static void read_retries_eintr(void **state)
{
	osx_error err;
	char c = 0;

	(void)state;
	start_signals(0);
	assert_int_equal(osx_read(pipe_fds[0], &c, 1, &err), 1);
	stop_signals();
	assert_int_equal(c, 'x');
	assert_true(signals >= ACT_ON);
}

static int after_first_signal(void *arg)
{
	(void)arg;
	return signals >= 1;
}

/* With an interruption check that says stop, the inline loop ends the
 * read with EINTR at the first signal instead of retrying it (the
 * handler's byte comes only with the third). */
static void read_ends_when_the_check_says(void **state)
{
	static const osx_interrupt check = { after_first_signal, NULL };
	osx_error err;
	char c = 0;

	(void)state;
	osx_interrupt_set(&check);
	start_signals(0);
	assert_int_equal(osx_read(pipe_fds[0], &c, 1, &err), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(err.code, EINTR);
	assert_true(signals < ACT_ON);
	{
		/* The timer off, then time for a signal already on its way
		 * (valgrind delivers late) to meet the handler, not SIG_DFL. */
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
		usleep(50000);
	}
	stop_signals();
	osx_interrupt_set(NULL);
}

static void readv_retries_eintr(void **state)
{
	osx_error err;
	char a = 0, b = 0;
	struct iovec iov[2] = { { &a, 1 }, { &b, 1 } };

	(void)state;
	start_signals(0);
	assert_int_equal(osx_readv(pipe_fds[0], iov, 2, &err), 1);
	stop_signals();
	assert_int_equal(a, 'x');
	assert_true(signals >= ACT_ON);
}

/* Fill the pipe so the next write blocks until the handler drains a page. */
static void fill_pipe(void)
{
	static const char chunk[4096];
	int flags = fcntl(pipe_fds[1], F_GETFL);

	assert_int_equal(fcntl(pipe_fds[1], F_SETFL, flags | O_NONBLOCK), 0);
	while (write(pipe_fds[1], chunk, sizeof(chunk)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fcntl(pipe_fds[1], F_SETFL, flags), 0);
}

static void write_retries_eintr(void **state)
{
	osx_error err;

	(void)state;
	start_signals(1);
	fill_pipe();
	assert_int_equal(osx_write(pipe_fds[1], "y", 1, &err), 1);
	stop_signals();
	assert_true(signals >= ACT_ON);
}

static void writev_retries_eintr(void **state)
{
	osx_error err;
	struct iovec iov[2] = { { (void *)"y", 1 }, { (void *)"z", 1 } };

	(void)state;
	start_signals(1);
	fill_pipe();
	assert_int_equal(osx_writev(pipe_fds[1], iov, 2, &err), 2);
	stop_signals();
	assert_true(signals >= ACT_ON);
}

/* pread/pwrite pass the offset in the fourth register (r10 on x86-64). */
static void positioned_transfers(void **state)
{
	char path[] = "/tmp/osx-installed-XXXXXX";
	char buf[8] = { 0 };
	osx_error err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(osx_pwrite(fd, "abc", 3, 1000, &err), 3);
	assert_int_equal(osx_pwrite(fd, "XY", 2, 5, &err), 2);
	assert_int_equal(osx_pread(fd, buf, 3, 1000, &err), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(osx_pread(fd, buf, 4, 4, &err), 4);
	assert_memory_equal(buf, "\0XY\0", 4);
	assert_int_equal(osx_pread(fd, buf, 8, 1003, &err), 0); /* end of file */
	/* the file offset is untouched by both */
	assert_int_equal(osx_lseek(fd, 0, SEEK_CUR, &err), 0);
	close(fd);
}

static void failures_reach_the_error(void **state)
{
	struct iovec iov = { (void *)"x", 1 };
	osx_error err;
	char c;
	int p[2];

	(void)state;
	assert_int_equal(osx_read(-1, &c, 1, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(errno, EBADF);
	assert_string_equal(err.call, "read");
	assert_int_equal(osx_writev(-1, &iov, 1, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(osx_readv(0, &iov, -1, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(osx_pread(p[0], &c, 1, 0, &err), -1);
	assert_int_equal(err.code, ESPIPE);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(osx_pwrite(p[1], "x", 1, 0, &err), -1);
	assert_int_equal(err.code, ESPIPE);
	close(p[0]);
	close(p[1]);
}

/* statx through the installed shim's own five-argument kernel entry
 * (x86-64): the fields are the ones stat(2) gives, and a failure reaches
 * the error struct. */
static void stat_by_the_kernel_entry(void **state)
{
	osx_stat_result st;
	struct stat ls;
	osx_error err;
	int fd;

	(void)state;
	/* Not /proc/self/exe: valgrind answers libc's stat of it with the
	 * program, but not a kernel entry of the library's own. */
	assert_int_equal(osx_stat(OSX_AT_CWD, "/etc/passwd", 1, &st, &err), 0);
	assert_int_equal(stat("/etc/passwd", &ls), 0);
	assert_int_equal(st.ino, ls.st_ino);
	assert_int_equal(st.dev, ls.st_dev);
	assert_int_equal(st.size, ls.st_size);
	assert_int_equal(st.mode, ls.st_mode);
	assert_int_equal(st.mtime.nsec, ls.st_mtim.tv_nsec);
	assert_int_equal(osx_lstat(OSX_AT_CWD, "/proc/self/cwd", &st, &err), 0);
	assert_true(S_ISLNK(st.mode));
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(osx_fstat(fd, &st, &err), 0);
	assert_int_equal(st.ino, ls.st_ino);
	close(fd);
	assert_int_equal(osx_stat(OSX_AT_CWD, "/nonexistent/x", 1, &st, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.call, "statx");
}

/* The library's version is the headers' (the build checks the headers
 * against meson.build's), and OSX_CHECK_VERSION orders releases. */
static void version_matches(void **state)
{
	(void)state;
	assert_string_equal(osx_version(), OSX_VERSION_STRING);
	assert_true(OSX_CHECK_VERSION(OSX_VERSION_MAJOR, OSX_VERSION_MINOR, OSX_VERSION_PATCH));
	assert_true(OSX_CHECK_VERSION(0, 1, 99));
	assert_false(OSX_CHECK_VERSION(OSX_VERSION_MAJOR, OSX_VERSION_MINOR, OSX_VERSION_PATCH + 1));
	assert_false(OSX_CHECK_VERSION(OSX_VERSION_MAJOR, OSX_VERSION_MINOR + 1, 0));
	assert_false(OSX_CHECK_VERSION(OSX_VERSION_MAJOR + 1, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_retries_eintr),
		cmocka_unit_test(read_ends_when_the_check_says),
		cmocka_unit_test(readv_retries_eintr),
		cmocka_unit_test(write_retries_eintr),
		cmocka_unit_test(writev_retries_eintr),
		cmocka_unit_test(positioned_transfers),
		cmocka_unit_test(failures_reach_the_error),
		cmocka_unit_test(version_matches),
		cmocka_unit_test(stat_by_the_kernel_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
