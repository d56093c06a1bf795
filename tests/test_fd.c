/* Raw fd I/O: unit tests, the copy fallback chain, short transfers and
 * EINTR, and fault-injection sweeps over every call. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* A file of n pseudo-random bytes (a pattern that shifts, so a lost or
 * doubled block shows). */
static char *pattern(size_t n)
{
	char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (char)((i * 2654435761u) >> 13);
	return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static void assert_file(const char *path, const void *data, size_t n)
{
	size_t len;
	char *got = osx_read_file(path, &len, NULL);

	assert_non_null(got);
	assert_int_equal(len, n);
	assert_memory_equal(got, data, n);
	free(got);
}

static void open_adds_cloexec(void **state)
{
	osx_error err;
	int fd;

	(void)state;
	fd = osx_open(osx_test_path(0, "f"), O_WRONLY | O_CREAT, 0600, &err);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(osx_get_inheritable(fd, &err), 0);
	assert_int_equal(osx_close(fd, &err), 0);

	assert_int_equal(osx_open(osx_test_path(1, "missing"), O_RDONLY, 0, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.call, "openat");
	assert_string_equal(err.name, osx_test_path(1, "missing"));
	assert_int_equal(osx_open(NULL, O_RDONLY, 0, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

static void openat_is_relative(void **state)
{
	int dir, fd;

	(void)state;
	write_file(osx_test_path(0, "rel"), "x", 1);
	dir = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = osx_openat(dir, "rel", O_RDONLY, 0, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(dir);
}

static void close_reports_and_never_retries(void **state)
{
	osx_error err;
	int fd = osx_open("/dev/null", O_RDONLY, 0, NULL);

	(void)state;
	osx__fault_fail(OSX__SYS_close, 1, 1, EINTR);
	assert_int_equal(osx_close(fd, &err), 0); /* EINTR: the fd is gone */
	assert_int_equal(osx__fault_count(OSX__SYS_close), 1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(osx_close(fd, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_string_equal(err.call, "close");
}

static void read_write_family(void **state)
{
	char buf[16] = {0}, a[3], b[4];
	struct iovec out[2] = {{"abc", 3}, {"defg", 4}}, in[2] = {{a, 3}, {b, 4}};
	osx_error err;
	osx_stat_result st;
	int fd;

	(void)state;
	fd = osx_open(osx_test_path(0, "rw"), O_RDWR | O_CREAT, 0600, &err);
	assert_int_equal(osx_write(fd, "hello", 5, &err), 5);
	assert_int_equal(osx_pwrite(fd, "J", 1, 0, &err), 1);
	assert_int_equal(osx_pread(fd, buf, 5, 0, &err), 5);
	assert_memory_equal(buf, "Jello", 5);
	assert_int_equal(osx_writev(fd, out, 2, &err), 7);
	assert_int_equal(osx_lseek(fd, 5, SEEK_SET, &err), 5);
	assert_int_equal(osx_readv(fd, in, 2, &err), 7);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(b, "defg", 4);
	assert_int_equal(osx_read(fd, buf, sizeof(buf), &err), 0);
	assert_int_equal(osx_fstat(fd, &st, &err), 0);
	assert_int_equal(st.size, 12);
	assert_int_equal(osx_ftruncate(fd, 2, &err), 0);
	assert_int_equal(osx_fsync(fd, &err), 0);
	assert_int_equal(osx_fdatasync(fd, &err), 0);
	assert_int_equal(osx_lseek(fd, 0, SEEK_END, &err), 2);
	assert_int_equal(osx_lseek(fd, 0, 42, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_fstat(fd, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	close(fd);

	/* Every one of them on a closed fd: EBADF named by its call. */
	assert_int_equal(osx_read(fd, buf, 1, &err), -1);
	assert_string_equal(err.call, "read");
	assert_int_equal(osx_write(fd, buf, 1, &err), -1);
	assert_string_equal(err.call, "write");
	assert_int_equal(osx_pread(fd, buf, 1, 0, &err), -1);
	assert_int_equal(osx_pwrite(fd, buf, 1, 0, &err), -1);
	assert_int_equal(osx_readv(fd, in, 2, &err), -1);
	assert_int_equal(osx_writev(fd, out, 2, &err), -1);
	assert_int_equal(osx_lseek(fd, 0, SEEK_SET, &err), -1);
	assert_int_equal(osx_fstat(fd, &st, &err), -1);
	assert_int_equal(osx_fsync(fd, &err), -1);
	assert_int_equal(osx_fdatasync(fd, &err), -1);
	assert_int_equal(osx_ftruncate(fd, 0, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(errno, EBADF);
	assert_false(err.has_name);
}

static void seek_data_and_hole(void **state)
{
	int fd = osx_open(osx_test_path(0, "sparse"), O_RDWR | O_CREAT, 0600, NULL);

	(void)state;
	assert_int_equal(osx_pwrite(fd, "x", 1, 1 << 20, NULL), 1);
	assert_int_equal(osx_lseek(fd, 0, SEEK_HOLE, NULL), 0);
	assert_true(osx_lseek(fd, 0, SEEK_DATA, NULL) > 0);
	close(fd);
}

/* Short transfers and EINTR everywhere: read_all/write_all lose no byte. */
static void all_loops_lose_nothing(void **state)
{
	size_t n = 200000, done;
	char *data = pattern(n), *back = malloc(n);
	int fd;

	(void)state;
	fd = osx_open(osx_test_path(0, "all"), O_RDWR | O_CREAT, 0600, NULL);
	osx__fault_cap(OSX__SYS_write, 4093);
	osx__fault_fail(OSX__SYS_write, 2, 3, EINTR);
	assert_int_equal(osx_write_all(fd, data, n, &done, NULL), 0);
	assert_int_equal(done, n);
	assert_true(osx__fault_count(OSX__SYS_write) > n / 4093);
	osx__fault_reset();
	osx_lseek(fd, 0, SEEK_SET, NULL);
	osx__fault_cap(OSX__SYS_read, 777);
	osx__fault_fail(OSX__SYS_read, 5, 2, EINTR);
	assert_int_equal(osx_read_all(fd, back, n, &done, NULL), (ssize_t)n);
	assert_int_equal(done, n);
	assert_memory_equal(back, data, n);

	/* At end of file read_all stops short, without error. */
	osx__fault_reset();
	osx_lseek(fd, -10, SEEK_END, NULL);
	assert_int_equal(osx_read_all(fd, back, 100, &done, NULL), 10);
	close(fd);
	free(data);
	free(back);
}

/* A failure part-way reports how far it got. */
static void all_loops_report_progress(void **state)
{
	char buf[100] = {0};
	osx_error err;
	size_t done = 99;
	int fd;

	(void)state;
	fd = osx_open(osx_test_path(0, "p"), O_RDWR | O_CREAT, 0600, NULL);
	osx__fault_cap(OSX__SYS_write, 10);
	osx__fault_fail(OSX__SYS_write, 4, 1, ENOSPC);
	assert_int_equal(osx_write_all(fd, buf, 100, &done, &err), -1);
	assert_int_equal(done, 30);
	assert_int_equal(err.code, ENOSPC);
	assert_string_equal(err.call, "write");
	osx__fault_reset();

	osx_lseek(fd, 0, SEEK_SET, NULL);
	osx__fault_cap(OSX__SYS_read, 7);
	osx__fault_fail(OSX__SYS_read, 3, 1, EIO);
	assert_int_equal(osx_read_all(fd, buf, 100, &done, &err), -1);
	assert_int_equal(done, 14);
	assert_int_equal(err.code, EIO);
	osx__fault_reset();

	/* A write that makes no progress cannot loop forever: EIO. */
	osx__fault_cap(OSX__SYS_write, OSX__FAULT_STALL);
	assert_int_equal(osx_write_all(fd, buf, 100, &done, &err), -1);
	assert_int_equal(done, 0);
	assert_int_equal(err.code, EIO);
	assert_int_equal(osx__fault_count(OSX__SYS_write), 1);
	close(fd);
}

static void read_file_sizes(void **state)
{
	size_t n = 300000, len;
	char *data = pattern(n), *got;
	osx_error err;

	(void)state;
	write_file(osx_test_path(0, "big"), data, n);
	got = osx_read_file(osx_test_path(0, "big"), &len, &err);
	assert_int_equal(len, n);
	assert_memory_equal(got, data, n);
	assert_int_equal(got[n], '\0');
	free(got);
	/* Sized from fstat: the data, then one read that sees EOF. */
	assert_int_equal(osx__fault_count(OSX__SYS_read), 2);
	assert_int_equal(osx__fault_count(OSX__SYS_realloc), 0);

	write_file(osx_test_path(1, "empty"), "", 0);
	got = osx_read_file(osx_test_path(1, "empty"), &len, &err);
	assert_non_null(got);
	assert_int_equal(len, 0);
	free(got);

	/* /proc says size 0: read to the end all the same. */
	osx__fault_reset();
	got = osx_read_file("/proc/self/maps", &len, &err);
	assert_non_null(got);
	assert_true(len > 0 && strlen(got) == len);
	free(got);

	assert_null(osx_read_file(osx_test_path(2, "nope"), &len, &err));
	assert_int_equal(err.code, ENOENT);
	assert_null(osx_read_file(osx_test_tmpdir(), &len, &err));
	assert_int_equal(err.code, EISDIR);
	assert_string_equal(err.call, "read");
	assert_null(osx_read_file(NULL, &len, &err));
	assert_int_equal(err.code, EINVAL);
	free(data);
}

/* The failing fstat's errno survives the cleanup close that fails too. */
static void read_file_errno_survives_cleanup(void **state)
{
	osx_error err;

	(void)state;
	osx__fault_fail(OSX__SYS_fstat, 1, 1, EIO);
	osx__fault_fail(OSX__SYS_close, 1, 1, EBADF);
	errno = 0;
	assert_null(osx_read_file("/etc/hostname", &(size_t){0}, &err));
	assert_int_equal(errno, EIO);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "fstat");
	assert_int_equal(osx__fault_count(OSX__SYS_close), 1);
}

static void pipes_and_dups(void **state)
{
	osx_error err;
	int p[2], d, high = 100;

	(void)state;
	assert_int_equal(osx_pipe(p, O_NONBLOCK, &err), 0);
	assert_int_equal(osx_get_inheritable(p[0], &err), 0);
	assert_int_equal(osx_get_inheritable(p[1], &err), 0);
	assert_int_equal(osx_get_blocking(p[0], &err), 0);
	assert_int_equal(osx_read(p[0], &d, 1, &err), -1);
	assert_int_equal(err.code, EAGAIN);
	assert_int_equal(osx_set_blocking(p[0], 1, &err), 0);
	assert_int_equal(osx_get_blocking(p[0], &err), 1);
	assert_int_equal(osx_set_blocking(p[0], 1, &err), 0);
	assert_int_equal(osx_pipe(p, O_APPEND, &err), -1);
	assert_int_equal(err.code, EINVAL);

	d = osx_dup(p[1], &err);
	assert_true(d > p[1] || d < p[0]);
	assert_int_equal(osx_get_inheritable(d, &err), 0);
	close(d);

	assert_int_equal(osx_dup2(p[1], high, 0, &err), high);
	assert_int_equal(osx_get_inheritable(high, &err), 0);
	assert_int_equal(osx_dup2(p[1], high, 1, &err), high);
	assert_int_equal(osx_get_inheritable(high, &err), 1);
	assert_int_equal(osx_set_inheritable(high, 0, &err), 0);
	assert_int_equal(osx_dup2(high, high, 1, &err), high);
	assert_int_equal(osx_get_inheritable(high, &err), 1);
	assert_int_equal(osx_dup2(high, high, 0, &err), -1);
	assert_int_equal(err.code, EINVAL);
	close(high);

	assert_int_equal(osx_dup(high, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(osx_get_inheritable(high, &err), -1);
	assert_int_equal(osx_set_inheritable(high, 1, &err), -1);
	assert_int_equal(osx_get_blocking(high, &err), -1);
	assert_int_equal(osx_set_blocking(high, 0, &err), -1);
	assert_int_equal(osx_dup2(high, high + 1, 1, &err), -1);
	assert_string_equal(err.call, "dup2");
	close(p[0]);
	close(p[1]);
}

/* OFD locks belong to the open file: two opens in one process conflict,
 * which makes contention testable without a second process. */
static void ofd_and_flock_locks(void **state)
{
	const char *path = osx_test_path(0, "lock");
	osx_error err;
	int a, b;

	(void)state;
	write_file(path, "0123456789", 10);
	a = osx_open(path, O_RDWR, 0, NULL);
	b = osx_open(path, O_RDWR, 0, NULL);
	assert_int_equal(osx_lock(a, 0, 0, 0, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_NOWAIT, &err), -1);
	assert_int_equal(err.code, EAGAIN);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(osx_unlock(a, 0, 0, 0, &err), 0);

	/* Byte ranges: disjoint locks coexist; overlapping ones do not. */
	assert_int_equal(osx_lock(a, 0, 5, OSX_LOCK_NOWAIT, &err), 0);
	assert_int_equal(osx_lock(b, 5, 5, OSX_LOCK_NOWAIT, &err), 0);
	assert_int_equal(osx_lock(b, 4, 1, OSX_LOCK_NOWAIT, &err), -1);
	assert_int_equal(osx_unlock(a, 0, 5, 0, &err), 0);
	assert_int_equal(osx_unlock(b, 5, 5, 0, &err), 0);

	/* Shared locks share; an exclusive one waits for them. */
	assert_int_equal(osx_lock(a, 0, 0, OSX_LOCK_SHARED, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_SHARED | OSX_LOCK_NOWAIT, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_NOWAIT, &err), -1); /* upgrade blocked by a */
	assert_int_equal(osx_unlock(a, 0, 0, 0, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_NOWAIT, &err), 0); /* now it upgrades */

	/* Closing another fd of the same file does not drop an OFD lock. */
	close(osx_open(path, O_RDONLY, 0, NULL));
	assert_int_equal(osx_lock(a, 0, 0, OSX_LOCK_NOWAIT, &err), -1);
	assert_int_equal(osx_unlock(b, 0, 0, 0, &err), 0);

	assert_int_equal(osx_lock(a, 0, 0, OSX_LOCK_FLOCK, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_FLOCK | OSX_LOCK_NOWAIT, &err), -1);
	assert_int_equal(err.code, EWOULDBLOCK);
	assert_string_equal(err.call, "flock");
	assert_int_equal(osx_unlock(a, 0, 0, OSX_LOCK_FLOCK, &err), 0);
	assert_int_equal(osx_lock(b, 0, 0, OSX_LOCK_FLOCK | OSX_LOCK_SHARED, &err), 0);

	assert_int_equal(osx_lock(a, 1, 0, OSX_LOCK_FLOCK, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_lock(a, -1, 0, 0, &err), -1);
	assert_int_equal(osx_lock(a, 0, 0, 0x80, &err), -1);
	assert_int_equal(err.code, EINVAL);
	close(a);
	close(b);
}

/* Copy src_path into a fresh file; return the bytes copied. */
static off_t copy_path(const char *src_path, const char *dst_path, off_t len, osx_error *err)
{
	int src = osx_open(src_path, O_RDONLY, 0, err), dst;
	off_t r;

	if (src < 0)
		return -1;
	dst = osx_open(dst_path, O_WRONLY | O_CREAT | O_TRUNC, 0600, err);
	if (dst < 0) {
		close(src);
		return -1;
	}
	r = osx_copy_fd(src, dst, len, NULL, err);
	close(src);
	close(dst);
	return r;
}

static void copy_uses_the_kernel(void **state)
{
	size_t n = 1 << 20;
	char *data = pattern(n);

	(void)state;
	write_file(osx_test_path(0, "src"), data, n);
	assert_int_equal(copy_path(osx_test_path(0, "src"), osx_test_path(1, "dst"), -1, NULL),
			 (off_t)n);
	assert_file(osx_test_path(1, "dst"), data, n);
	assert_true(osx__fault_count(OSX__SYS_copy_file_range) >= 1);
	assert_int_equal(osx__fault_count(OSX__SYS_sendfile), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_read), 2); /* only assert_file's */

	/* A length limit, then the offsets carry on from there. */
	osx__fault_reset();
	{
		int src = osx_open(osx_test_path(0, "src"), O_RDONLY, 0, NULL);
		int dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_TRUNC, 0, NULL);
		off_t done;
		assert_int_equal(osx_copy_fd(src, dst, 1000, &done, NULL), 1000);
		assert_int_equal(done, 1000);
		assert_int_equal(osx_lseek(src, 0, SEEK_CUR, NULL), 1000);
		assert_int_equal(osx_copy_fd(src, dst, -1, NULL, NULL), (off_t)n - 1000);
		assert_int_equal(osx_copy_fd(src, dst, -1, NULL, NULL), 0);
		close(src);
		close(dst);
	}
	assert_file(osx_test_path(1, "dst"), data, n);
	free(data);
}

/* Each fallback, and each with short transfers and EINTR: same bytes. */
static void copy_fallback_chain(void **state)
{
	size_t n = 700001;
	char *data = pattern(n);
	int step;

	(void)state;
	write_file(osx_test_path(0, "src"), data, n);
	for (step = 0; step < 6; step++) {
		osx__fault_reset();
		if (step % 3 >= 1) /* copy_file_range refused */
			osx__fault_fail(OSX__SYS_copy_file_range, 1, 1, step == 1 ? EXDEV : ENOSYS);
		if (step % 3 == 2) /* and sendfile too */
			osx__fault_fail(OSX__SYS_sendfile, 1, 1, EINVAL);
		if (step >= 3) { /* short transfers and interruptions on top */
			osx__fault_cap(OSX__SYS_copy_file_range, 65521);
			osx__fault_cap(OSX__SYS_sendfile, 65521);
			osx__fault_cap(OSX__SYS_read, 65521);
			osx__fault_cap(OSX__SYS_write, 4099);
			osx__fault_fail(OSX__SYS_copy_file_range, 3, 2, EINTR);
			osx__fault_fail(OSX__SYS_sendfile, 3, 2, EINTR);
			osx__fault_fail(OSX__SYS_write, 3, 2, EINTR);
		}
		assert_int_equal(copy_path(osx_test_path(0, "src"), osx_test_path(1, "dst"), -1, NULL),
				 (off_t)n);
		if (step % 3 == 0)
			assert_int_equal(osx__fault_count(OSX__SYS_sendfile), 0);
		if (step % 3 == 1)
			assert_true(osx__fault_count(OSX__SYS_sendfile) > 1);
		if (step % 3 == 2)
			assert_true(osx__fault_count(OSX__SYS_read) > 1);
		osx__fault_reset();
		assert_file(osx_test_path(1, "dst"), data, n);
	}
	free(data);
}

/* Real refusals: a pipe at either end, and /proc files that copy_file_range
 * reports as empty. */
static void copy_real_fallbacks(void **state)
{
	size_t len;
	char *want, *got;
	int p[2], dst;
	off_t r;

	(void)state;
	assert_int_equal(osx_pipe(p, 0, NULL), 0);
	assert_int_equal(write(p[1], "through a pipe", 14), 14);
	close(p[1]);
	dst = osx_open(osx_test_path(0, "from-pipe"), O_WRONLY | O_CREAT, 0600, NULL);
	assert_int_equal(osx_copy_fd(p[0], dst, -1, NULL, NULL), 14);
	close(p[0]);
	close(dst);
	assert_file(osx_test_path(0, "from-pipe"), "through a pipe", 14);

	want = osx_read_file("/proc/self/cmdline", &len, NULL);
	r = copy_path("/proc/self/cmdline", osx_test_path(1, "cmdline"), -1, NULL);
	assert_int_equal(r, (off_t)len);
	got = osx_read_file(osx_test_path(1, "cmdline"), &len, NULL);
	assert_int_equal(r, (off_t)len);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
}

/* A real failure part-way: progress reported, offsets consistent. */
static void copy_failure_reports_progress(void **state)
{
	size_t n = 100000;
	char *data = pattern(n);
	osx_error err;
	off_t done = -1;
	int src, dst;

	(void)state;
	write_file(osx_test_path(0, "src"), data, n);
	src = osx_open(osx_test_path(0, "src"), O_RDONLY, 0, NULL);
	dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_CREAT, 0600, NULL);
	osx__fault_cap(OSX__SYS_copy_file_range, 1000);
	osx__fault_fail(OSX__SYS_copy_file_range, 4, 1, EIO);
	assert_int_equal(osx_copy_fd(src, dst, -1, &done, &err), -1);
	assert_int_equal(done, 3000);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "copy_file_range");
	assert_int_equal(osx_lseek(src, 0, SEEK_CUR, NULL), 3000);
	assert_int_equal(osx_lseek(dst, 0, SEEK_CUR, NULL), 3000);
	/* Going on from there completes the file exactly. */
	osx__fault_reset();
	assert_int_equal(osx_copy_fd(src, dst, -1, NULL, NULL), (off_t)n - 3000);
	close(src);
	close(dst);
	assert_file(osx_test_path(1, "dst"), data, n);

	/* In the read/write loop a failed write counts only what was written. */
	src = osx_open(osx_test_path(0, "src"), O_RDONLY, 0, NULL);
	dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_TRUNC, 0, NULL);
	osx__fault_fail(OSX__SYS_copy_file_range, 1, 1, ENOSYS);
	osx__fault_fail(OSX__SYS_sendfile, 1, 1, ENOSYS);
	osx__fault_cap(OSX__SYS_write, 500);
	osx__fault_fail(OSX__SYS_write, 3, 1, ENOSPC);
	assert_int_equal(osx_copy_fd(src, dst, -1, &done, &err), -1);
	assert_int_equal(done, 1000);
	assert_int_equal(err.code, ENOSPC);
	assert_int_equal(osx_lseek(dst, 0, SEEK_CUR, NULL), 1000);
	close(src);
	close(dst);
	free(data);
}

static void urandom_fills(void **state)
{
	unsigned char a[4096], b[4096], zero[4096] = {0};
	osx_error err;

	(void)state;
	assert_int_equal(osx_urandom(a, sizeof(a), &err), 0);
	assert_int_equal(osx_urandom(b, sizeof(b), &err), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));

	/* Short results are looped over. */
	osx__fault_reset();
	osx__fault_cap(OSX__SYS_getrandom, 100);
	assert_int_equal(osx_urandom(a, sizeof(a), &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_getrandom), 41);

	/* No getrandom (old kernel, seccomp): /dev/urandom. */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, ENOSYS);
	memset(a, 0, sizeof(a));
	assert_int_equal(osx_urandom(a, sizeof(a), &err), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(osx__fault_count(OSX__SYS_openat), 1);

	assert_int_equal(osx_urandom(NULL, 1, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_urandom(NULL, 0, &err), 0);
}

/* A file that says size 0 and holds more than the first buffer: the read
 * end of a pipe, opened anew through /proc (no writer left, so it ends). */
static const char *pipe_file(const char *data, size_t n, int p[2])
{
	static char path[64];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], data, n), (ssize_t)n);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	return path;
}

static void read_file_grows_its_buffer(void **state)
{
	size_t n = 20000, len;
	char *data = pattern(n), *got;
	osx_error err;
	int p[2];

	(void)state;
	got = osx_read_file(pipe_file(data, n, p), &len, &err);
	assert_non_null(got);
	assert_int_equal(len, n);
	assert_memory_equal(got, data, n);
	assert_int_equal(got[n], '\0');
	/* 4096, 8192, 16384, 32768 */
	assert_int_equal(osx__fault_count(OSX__SYS_realloc), 3);
	free(got);
	close(p[0]);

	/* Out of memory while growing: ENOMEM named "realloc", nothing leaks. */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_realloc, 2, 1, ENOMEM);
	assert_null(osx_read_file(pipe_file(data, n, p), &len, &err));
	assert_int_equal(err.code, ENOMEM);
	assert_int_equal(errno, ENOMEM);
	assert_string_equal(err.call, "realloc");
	close(p[0]);
	free(data);
}

/* Bad arguments and calls that fail before doing anything. */
static void fd_bad_input(void **state)
{
	static struct iovec many[IOV_MAX + 1];
	char buf[4] = "abc";
	osx_error err;
	int fd, i;

	(void)state;
	for (i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){buf, 1};
	fd = osx_open(osx_test_path(0, "f"), O_RDWR | O_CREAT, 0600, NULL);
	assert_int_equal(osx_writev(fd, many, IOV_MAX + 1, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.call, "writev");
	assert_int_equal(osx_readv(fd, many, IOV_MAX + 1, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_lseek(fd, 0, SEEK_END, NULL), 0); /* nothing written */

	assert_int_equal(osx_pipe(NULL, 0, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_lock(fd, 0, -1, 0, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx__fault_count(OSX__SYS_fcntl), 0);

	/* Already close-on-exec: one fcntl, no F_SETFD. */
	osx__fault_reset();
	assert_int_equal(osx_set_inheritable(fd, 0, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_fcntl), 1);
	close(fd);
	assert_int_equal(osx_dup2(fd, fd, 1, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_string_equal(err.call, "fcntl");

	/* read_all without the progress pointer still reports the error. */
	assert_int_equal(osx_read_all(fd, buf, sizeof(buf), NULL, &err), -1);
	assert_int_equal(err.code, EBADF);
}

/* POSIX lets a lock conflict say EACCES; libosx always says EAGAIN. */
static void lock_conflict_is_eagain(void **state)
{
	osx_error err;
	int fd = osx_open(osx_test_path(0, "l"), O_RDWR | O_CREAT, 0600, NULL);

	(void)state;
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, EACCES);
	assert_int_equal(osx_lock(fd, 0, 0, OSX_LOCK_NOWAIT, &err), -1);
	assert_int_equal(err.code, EAGAIN);
	assert_int_equal(errno, EAGAIN);
	assert_string_equal(err.call, "fcntl");
	close(fd);
}

/* sendfile failing after it moved bytes: its error, named, with progress;
 * and a limited copy through the read/write loop takes only what it may. */
static void copy_later_methods(void **state)
{
	size_t n = 100000;
	char *data = pattern(n);
	osx_error err;
	off_t done = -1;
	int src, dst, p[2];

	(void)state;
	write_file(osx_test_path(0, "src"), data, n);
	src = osx_open(osx_test_path(0, "src"), O_RDONLY, 0, NULL);
	dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_CREAT, 0600, NULL);
	osx__fault_fail(OSX__SYS_copy_file_range, 1, 1, EXDEV);
	osx__fault_cap(OSX__SYS_sendfile, 1000);
	osx__fault_fail(OSX__SYS_sendfile, 3, 1, EIO);
	assert_int_equal(osx_copy_fd(src, dst, -1, &done, &err), -1);
	assert_int_equal(done, 2000);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "sendfile");
	assert_int_equal(osx_lseek(src, 0, SEEK_CUR, NULL), 2000);
	close(src);
	close(dst);

	/* From a pipe (both kernel methods refuse it), 600 of 1000 bytes. */
	osx__fault_reset();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], data, 1000), 1000);
	dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_TRUNC, 0, NULL);
	osx__fault_cap(OSX__SYS_write, 250);
	assert_int_equal(osx_copy_fd(p[0], dst, 600, &done, &err), 600);
	assert_int_equal(done, 600);
	assert_int_equal(osx__fault_count(OSX__SYS_read), 1); /* a 600-byte buffer */
	close(dst);
	assert_file(osx_test_path(1, "dst"), data, 600);
	/* A write failing part-way counts what it wrote, within the limit. */
	dst = osx_open(osx_test_path(1, "dst"), O_WRONLY | O_TRUNC, 0, NULL);
	osx__fault_fail(OSX__SYS_write, 2, 1, ENOSPC);
	assert_int_equal(osx_copy_fd(p[0], dst, 300, &done, &err), -1);
	assert_int_equal(done, 250);
	assert_int_equal(err.code, ENOSPC);
	assert_string_equal(err.call, "write");
	/* and one that makes no progress is EIO, not an endless loop. */
	osx__fault_reset();
	osx__fault_cap(OSX__SYS_write, OSX__FAULT_STALL);
	assert_int_equal(osx_copy_fd(p[0], dst, 50, &done, &err), -1);
	assert_int_equal(done, 0);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "write");
	close(dst);
	/* Whatever was not read is still in the pipe. */
	assert_int_equal(read(p[0], data + n - 50, 50), 50);
	assert_memory_equal(data + n - 50, data + 950, 50);
	close(p[0]);
	close(p[1]);
	free(data);
}

/* Without getrandom: /dev/urandom, and its failures named after it. */
static void urandom_file_failures(void **state)
{
	char buf[64];
	osx_error err;

	(void)state;
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, EPERM); /* seccomp */
	osx__fault_fail(OSX__SYS_openat, 1, 1, EACCES);
	assert_int_equal(osx_urandom(buf, sizeof(buf), &err), -1);
	assert_int_equal(err.code, EACCES);
	assert_string_equal(err.call, "openat");
	assert_string_equal(err.name, "/dev/urandom");

	osx__fault_reset();
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, ENOSYS);
	osx__fault_cap(OSX__SYS_read, 10);
	osx__fault_fail(OSX__SYS_read, 3, 1, EIO);
	assert_int_equal(osx_urandom(buf, sizeof(buf), &err), -1);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "read");
	assert_int_equal(osx__fault_count(OSX__SYS_close), 1);

	/* /dev/urandom ending early (it never should) is EIO too. */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, ENOSYS);
	osx__fault_cap(OSX__SYS_read, OSX__FAULT_STALL);
	assert_int_equal(osx_urandom(buf, sizeof(buf), &err), -1);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "read");
	assert_int_equal(osx__fault_count(OSX__SYS_read), 1);
}

/* ---- sweeps: every call of each operation fails in turn ---- */

struct ctx {
	const char *src, *dst;
	size_t n;
	char *data;
};

static long run_read_file(void *arg, osx_error *err)
{
	struct ctx *c = arg;
	size_t len;
	char *got = osx_read_file(c->src, &len, err);

	if (!got)
		return -1;
	free(got);
	return 0;
}

static long run_read_proc(void *arg, osx_error *err)
{
	size_t len;
	char *got = osx_read_file("/proc/self/maps", &len, err);

	(void)arg;
	if (!got)
		return -1;
	free(got);
	return 0;
}

/* A pipe as the file: the buffer grows (realloc fails in turn too). */
static long run_read_pipe(void *arg, osx_error *err)
{
	struct ctx *c = arg;
	size_t len;
	int p[2];
	char *got = osx_read_file(pipe_file(c->data, 10000, p), &len, err);

	close(p[0]);
	if (!got)
		return -1;
	free(got);
	return 0;
}

/* From a pipe: the read/write loop, after both kernel methods refused. */
static long run_copy_pipe(void *arg, osx_error *err)
{
	struct ctx *c = arg;
	int p[2], dst;
	off_t r;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], c->data, 3000), 3000);
	close(p[1]);
	dst = osx_open(c->dst, O_WRONLY | O_CREAT | O_TRUNC, 0600, err);
	r = dst < 0 ? -1 : osx_copy_fd(p[0], dst, -1, NULL, err);
	if (dst >= 0)
		close(dst);
	close(p[0]);
	return r < 0 ? -1 : r == 3000 ? 0 : osx_error_set(err, EIO, "test", NULL, NULL);
}

/* Through /dev/urandom: the run itself takes getrandom away. */
static long run_urandom_file(void *arg, osx_error *err)
{
	char buf[1000];

	(void)arg;
	osx__fault_fail(OSX__SYS_getrandom, 1, 1, ENOSYS);
	return osx_urandom(buf, sizeof(buf), err);
}

static long run_copy(void *arg, osx_error *err)
{
	struct ctx *c = arg;

	return copy_path(c->src, c->dst, -1, err) < 0 ? -1 : 0;
}

/* A copy that did not fail has the whole file; one that failed no more
 * than the source. */
static void check_copy(void *arg, const struct osx_sweep_run *r)
{
	struct ctx *c = arg;
	struct stat st;

	if (stat(c->dst, &st) < 0) {
		assert_true(r->rc < 0 && r->sys == OSX__SYS_openat); /* never created */
		return;
	}
	if (r->rc == 0)
		assert_file(c->dst, c->data, c->n);
	else
		assert_true((size_t)st.st_size <= c->n);
}

static long run_write_all(void *arg, osx_error *err)
{
	struct ctx *c = arg;
	int fd = osx_open(c->dst, O_WRONLY | O_CREAT | O_TRUNC, 0600, err);
	int r;

	if (fd < 0)
		return -1;
	r = osx_write_all(fd, c->data, c->n, NULL, err);
	close(fd);
	return r;
}

static long run_urandom(void *arg, osx_error *err)
{
	char buf[1000];

	(void)arg;
	return osx_urandom(buf, sizeof(buf), err);
}

static long run_small_calls(void *arg, osx_error *err)
{
	int p[2], d, r;

	(void)arg;
	if (osx_pipe(p, 0, err) < 0)
		return -1;
	r = (d = osx_dup(p[0], err)) < 0 ? -1 : 0;
	if (r == 0) {
		r = osx_dup2(p[0], d, 1, err) < 0 || osx_set_inheritable(d, 0, err) < 0 ||
		    osx_set_blocking(d, 0, err) < 0 || osx_get_blocking(d, err) < 0 ||
		    osx_lock(p[0], 0, 0, OSX_LOCK_FLOCK, err) < 0
			? -1 : 0;
		close(d);
	}
	close(p[0]);
	close(p[1]);
	return r;
}

/* Every thin wrapper once, on a file of the test's. */
static long run_thin_calls(void *arg, osx_error *err)
{
	struct ctx *c = arg;
	char buf[8] = "abcdefgh";
	struct iovec iov = {buf, 4};
	osx_stat_result st;
	int fd, d = -1;
	long r;

	fd = osx_open(c->dst, O_RDWR | O_CREAT | O_TRUNC, 0600, err);
	if (fd < 0)
		return -1;
	r = osx_write(fd, buf, 8, err) < 0 || osx_pwrite(fd, buf, 4, 8, err) < 0 ||
	    osx_writev(fd, &iov, 1, err) < 0 || osx_lseek(fd, 0, SEEK_SET, err) < 0 ||
	    osx_read(fd, buf, 2, err) < 0 || osx_pread(fd, buf, 2, 4, err) < 0 ||
	    osx_readv(fd, &iov, 1, err) < 0 || osx_fstat(fd, &st, err) < 0 ||
	    osx_fsync(fd, err) < 0 || osx_fdatasync(fd, err) < 0 ||
	    osx_ftruncate(fd, 3, err) < 0 || (d = osx_dup(fd, err)) < 0 ||
	    osx_dup2(fd, d, 0, err) < 0 || osx_get_inheritable(d, err) < 0
		? -1 : 0;
	if (d >= 0)
		close(d);
	close(fd);
	return r;
}

static void sweeps(void **state)
{
	struct ctx c = {osx_test_path(0, "src"), osx_test_path(1, "dst"), 300000, NULL};
	struct osx_sweep read_file = {.run = run_read_file, .ctx = &c};
	struct osx_sweep read_proc = {.run = run_read_proc, .ctx = &c};
	struct osx_sweep copy = {.run = run_copy, .check = check_copy, .ctx = &c};
	struct osx_sweep write_all = {.run = run_write_all, .ctx = &c};
	struct osx_sweep urandom = {.run = run_urandom}, small = {.run = run_small_calls};
	struct osx_sweep read_pipe = {.run = run_read_pipe, .ctx = &c};
	struct osx_sweep copy_pipe = {.run = run_copy_pipe, .ctx = &c};
	struct osx_sweep urandom_file = {.run = run_urandom_file};
	struct osx_sweep thin = {.run = run_thin_calls, .ctx = &c};

	(void)state;
	c.data = pattern(c.n);
	write_file(c.src, c.data, c.n);
	/* A failing cleanup close of a read-only fd is not an error. */
	read_file.skip[OSX__SYS_close] = 1;
	read_proc.skip[OSX__SYS_close] = 1;
	assert_true(osx_sweep_run(&read_file) >= 4);
	assert_true(osx_sweep_run(&read_proc) >= 5);
	osx_sweep_run(&copy);
	osx_sweep_run(&write_all);
	osx_sweep_run(&urandom);
	osx_sweep_run(&small);
	read_pipe.skip[OSX__SYS_close] = 1;
	assert_true(osx_sweep_run(&read_pipe) >= 7); /* with 2 reallocs */
	/* The rw loop: copy_file_range and sendfile refuse, malloc, read, write. */
	assert_true(osx_sweep_run(&copy_pipe) >= 6);
	/* A failing close of /dev/urandom is ignored (read-only): the run
	 * succeeds. */
	assert_true(osx_sweep_run(&urandom_file) >= 4);
	assert_true(osx_sweep_run(&thin) >= 15);
	free(c.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(open_adds_cloexec),
		OSX_TEST(openat_is_relative),
		OSX_TEST(close_reports_and_never_retries),
		OSX_TEST(read_write_family),
		OSX_TEST(seek_data_and_hole),
		OSX_TEST(all_loops_lose_nothing),
		OSX_TEST(all_loops_report_progress),
		OSX_TEST(read_file_sizes),
		OSX_TEST(read_file_errno_survives_cleanup),
		OSX_TEST(read_file_grows_its_buffer),
		OSX_TEST(fd_bad_input),
		OSX_TEST(lock_conflict_is_eagain),
		OSX_TEST(copy_later_methods),
		OSX_TEST(urandom_file_failures),
		OSX_TEST(pipes_and_dups),
		OSX_TEST(ofd_and_flock_locks),
		OSX_TEST(copy_uses_the_kernel),
		OSX_TEST(copy_fallback_chain),
		OSX_TEST(copy_real_fallbacks),
		OSX_TEST(copy_failure_reports_progress),
		OSX_TEST(urandom_fills),
		OSX_TEST(sweeps),
	};
	return OSX_RUN(tests);
}
