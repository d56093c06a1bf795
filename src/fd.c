/* Raw fd I/O: the os.open/read/write family on top of the shim. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <osx/fd.h>

#include "fail.h"
#include "fs_internal.h"
#include "shim.h"

/* The public offsets are int64_t, handed to the shim's off_t as they are. */
_Static_assert(sizeof(off_t) == sizeof(int64_t), "libosx is built with _FILE_OFFSET_BITS=64");

/* Report a shim result: r < 0 is -errno. */
static long check(long r, osx_error *err, const char *call, const char *name)
{
	if (r < 0)
		return osx_error_set(err, (int)-r, call, name, NULL);
	return r;
}

int osx_openat(int dirfd, const char *path, int flags, mode_t mode, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "openat", NULL, NULL);
	return (int)check(osx__sys_openat(dirfd, path, flags | O_CLOEXEC, mode), err,
			  "openat", path);
}

int osx_open(const char *path, int flags, mode_t mode, osx_error *err)
{
	return osx_openat(AT_FDCWD, path, flags, mode, err);
}

int osx_close(int fd, osx_error *err)
{
	return (int)check(osx__sys_close(fd), err, "close", NULL);
}

ssize_t osx_read(int fd, void *buf, size_t len, osx_error *err)
{
	return check(osx__sys_read(fd, buf, len), err, "read", NULL);
}

ssize_t osx_write(int fd, const void *buf, size_t len, osx_error *err)
{
	return check(osx__sys_write(fd, buf, len), err, "write", NULL);
}

ssize_t osx_pread(int fd, void *buf, size_t len, int64_t off, osx_error *err)
{
	return check(osx__sys_pread(fd, buf, len, off), err, "pread", NULL);
}

ssize_t osx_pwrite(int fd, const void *buf, size_t len, int64_t off, osx_error *err)
{
	return check(osx__sys_pwrite(fd, buf, len, off), err, "pwrite", NULL);
}

ssize_t osx_readv(int fd, const struct iovec *iov, int iovcnt, osx_error *err)
{
	return check(osx__sys_readv(fd, iov, iovcnt), err, "readv", NULL);
}

ssize_t osx_writev(int fd, const struct iovec *iov, int iovcnt, osx_error *err)
{
	return check(osx__sys_writev(fd, iov, iovcnt), err, "writev", NULL);
}

int64_t osx_lseek(int fd, int64_t off, int whence, osx_error *err)
{
	switch (whence) {
	case SEEK_SET:
	case SEEK_CUR:
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE: {
		/* Not check(): its long is 32 bits on i386, an offset is not. */
		int64_t r = osx__sys_lseek(fd, off, whence);

		return r < 0 ? osx_error_set(err, (int)-r, "lseek", NULL, NULL) : r;
	}
	default:
		return osx_error_set(err, EINVAL, "lseek", NULL, NULL);
	}
}

int osx_fstat(int fd, osx_stat_result *st, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (!st)
		return osx_error_set(err, EINVAL, "statx", NULL, NULL);
	if (osx__statat(fd, "", AT_EMPTY_PATH, st, &f, NULL) < 0)
		return osx__fail_report(&f, err);
	return 0;
}

int osx_fsync(int fd, osx_error *err)
{
	return (int)check(osx__sys_fsync(fd), err, "fsync", NULL);
}

int osx_fdatasync(int fd, osx_error *err)
{
	return (int)check(osx__sys_fdatasync(fd), err, "fdatasync", NULL);
}

int osx_ftruncate(int fd, int64_t len, osx_error *err)
{
	return (int)check(osx__sys_ftruncate(fd, len), err, "ftruncate", NULL);
}

ssize_t osx_read_all(int fd, void *buf, size_t len, size_t *done, osx_error *err)
{
	size_t got = 0;
	ssize_t n = 0;

	if (len > SSIZE_MAX)
		len = SSIZE_MAX; /* the result must fit */
	while (got < len) {
		n = osx__sys_read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (done)
		*done = got;
	if (n < 0)
		return osx_error_set(err, (int)-n, "read", NULL, NULL);
	return (ssize_t)got;
}

int osx_write_all(int fd, const void *buf, size_t len, size_t *done, osx_error *err)
{
	size_t put = 0;
	ssize_t n = 0;

	while (put < len) {
		n = osx__sys_write(fd, (const char *)buf + put, len - put);
		if (n == 0)
			n = -EIO; /* no progress: looping would never end */
		if (n < 0)
			break;
		put += (size_t)n;
	}
	if (done)
		*done = put;
	if (n < 0)
		return osx_error_set(err, (int)-n, "write", NULL, NULL);
	return 0;
}

/* Read fd to its end into a growing buffer that starts at cap bytes. */
static char *slurp(int fd, size_t cap, size_t *len, osx__fail *f, const char *path)
{
	char *buf = osx__malloc(cap), *bigger;
	size_t used = 0;

	if (!buf)
		return osx__fail_set(f, ENOMEM, "malloc", path, NULL), NULL;
	for (;;) {
		/* Keep one byte free for the NUL; grow when only that is left. */
		if (used + 1 == cap) {
			if (cap > SIZE_MAX / 2 || !(bigger = osx__realloc(buf, cap * 2))) {
				free(buf);
				return osx__fail_set(f, ENOMEM, "realloc", path, NULL), NULL;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = osx__sys_read(fd, buf + used, cap - 1 - used);

		if (n < 0) {
			free(buf);
			return osx__fail_set(f, n, "read", path, NULL), NULL;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

char *osx_read_file(const char *path, size_t *len, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct stat st;
	size_t n;
	char *buf = NULL;
	int fd, r;

	if (!path || !len) {
		osx__fail_set(&f, EINVAL, "read_file", path, NULL);
		return osx__fail_report(&f, err), NULL;
	}
	fd = osx__sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0) {
		osx__fail_set(&f, fd, "openat", path, NULL);
		return osx__fail_report(&f, err), NULL;
	}
	r = osx__sys_fstat(fd, &st);
	if (r < 0) {
		osx__fail_set(&f, r, "fstat", path, NULL);
	} else {
		size_t cap = 4096;

		/* Size + 2: the data, the NUL, and room to see EOF without
		 * growing.  /proc files say 0 and start at a page. */
		if (st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX - 2)
			cap = (size_t)st.st_size + 2;
		buf = slurp(fd, cap, &n, &f, path);
	}
	osx__sys_close(fd); /* read-only: nothing to lose */
	if (!buf)
		return osx__fail_report(&f, err), NULL;
	*len = n;
	return buf;
}

int osx_pipe(int fds[2], int flags, osx_error *err)
{
	if (!fds || (flags & ~(O_NONBLOCK | O_DIRECT | O_CLOEXEC)))
		return osx_error_set(err, EINVAL, "pipe2", NULL, NULL);
	return (int)check(osx__sys_pipe2(fds, flags | O_CLOEXEC), err, "pipe2", NULL);
}

int osx_dup(int fd, osx_error *err)
{
	return (int)check(osx__sys_fcntl(fd, F_DUPFD_CLOEXEC, 0), err, "fcntl", NULL);
}

int osx_dup2(int fd, int fd2, int inheritable, osx_error *err)
{
	if (!inheritable)
		return (int)check(osx__sys_dup3(fd, fd2, O_CLOEXEC), err, "dup3", NULL);
	if (fd == fd2) {
		/* dup2 would return fd2 unchanged, flag and all; the caller
		 * asked for an inheritable fd2, so make it one. */
		int r = osx_set_inheritable(fd, 1, err);

		return r < 0 ? r : fd2;
	}
	return (int)check(osx__sys_dup2(fd, fd2), err, "dup2", NULL);
}

int osx_get_inheritable(int fd, osx_error *err)
{
	int r = osx__sys_fcntl(fd, F_GETFD, 0);

	if (r < 0)
		return osx_error_set(err, -r, "fcntl", NULL, NULL);
	return !(r & FD_CLOEXEC);
}

int osx_set_inheritable(int fd, int inheritable, osx_error *err)
{
	int flags = osx__sys_fcntl(fd, F_GETFD, 0), want;

	if (flags < 0)
		return osx_error_set(err, -flags, "fcntl", NULL, NULL);
	want = inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC;
	if (want == flags)
		return 0; /* already so: save the second syscall */
	return (int)check(osx__sys_fcntl(fd, F_SETFD, want), err, "fcntl", NULL);
}

int osx_get_blocking(int fd, osx_error *err)
{
	int r = osx__sys_fcntl(fd, F_GETFL, 0);

	if (r < 0)
		return osx_error_set(err, -r, "fcntl", NULL, NULL);
	return !(r & O_NONBLOCK);
}

int osx_set_blocking(int fd, int blocking, osx_error *err)
{
	int flags = osx__sys_fcntl(fd, F_GETFL, 0), want;

	if (flags < 0)
		return osx_error_set(err, -flags, "fcntl", NULL, NULL);
	want = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
	if (want == flags)
		return 0;
	return (int)check(osx__sys_fcntl(fd, F_SETFL, want), err, "fcntl", NULL);
}

/* /dev/urandom for kernels or sandboxes without getrandom. */
static int urandom_file(char *p, size_t len, osx_error *err)
{
	int fd = osx__sys_openat(AT_FDCWD, "/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	ssize_t n = 0;

	if (fd < 0)
		return osx_error_set(err, -fd, "openat", "/dev/urandom", NULL);
	while (len > 0 && (n = osx__sys_read(fd, p, len)) > 0)
		p += n, len -= (size_t)n;
	osx__sys_close(fd);
	if (len > 0)
		return osx_error_set(err, n < 0 ? (int)-n : EIO, "read", "/dev/urandom", NULL);
	return 0;
}

int osx_urandom(void *buf, size_t len, osx_error *err)
{
	char *p = buf;

	if (!buf && len)
		return osx_error_set(err, EINVAL, "getrandom", NULL, NULL);
	while (len > 0) {
		/* Flags 0: wait for the pool's first seeding, then never block.
		 * Large requests come back short; the loop takes the rest. */
		ssize_t n = osx__sys_getrandom(p, len, 0);

		if (n == -ENOSYS || n == -EPERM)
			return urandom_file(p, len, err);
		if (n < 0)
			return osx_error_set(err, (int)-n, "getrandom", NULL, NULL);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
