/* Locks and in-kernel copies between fds. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>

#include <osx/fd.h>

#include "fail.h"
#include "shim.h"

/* Chunks stay below Linux's per-call limit (MAX_RW_COUNT, ~2 GiB). */
#define CHUNK ((size_t)1 << 30)
/* 16 KiB is 1.5-3x slower than this for a user-space copy (DESIGN.md). */
#define COPY_BUF ((size_t)256 * 1024)

static int set_lock(int fd, short type, off_t start, off_t len, unsigned flags,
		    osx_error *err)
{
	struct flock l = {0};
	int r;

	if ((flags & ~(OSX_LOCK_SHARED | OSX_LOCK_NOWAIT | OSX_LOCK_FLOCK)) || start < 0 ||
	    len < 0)
		return osx_error_set(err, EINVAL, "fcntl", NULL, NULL);
	if (flags & OSX_LOCK_FLOCK) {
		int op = type == F_UNLCK ? LOCK_UN
			 : type == F_RDLCK ? LOCK_SH
					   : LOCK_EX;
		if (start || len)
			return osx_error_set(err, EINVAL, "flock", NULL, NULL);
		r = osx__sys_flock(fd, op | (flags & OSX_LOCK_NOWAIT ? LOCK_NB : 0));
		return r < 0 ? osx_error_set(err, -r, "flock", NULL, NULL) : 0;
	}
	l.l_type = type;
	l.l_whence = SEEK_SET;
	l.l_start = start;
	l.l_len = len;
	l.l_pid = 0; /* required for OFD locks */
	r = osx__sys_fcntl_lock(fd, flags & OSX_LOCK_NOWAIT ? F_OFD_SETLK : F_OFD_SETLKW, &l);
	/* POSIX allows EACCES for a conflict; make it the one documented code. */
	if (r == -EACCES)
		r = -EAGAIN;
	return r < 0 ? osx_error_set(err, -r, "fcntl", NULL, NULL) : 0;
}

int osx_lock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err)
{
	return set_lock(fd, flags & OSX_LOCK_SHARED ? F_RDLCK : F_WRLCK, start, len, flags, err);
}

int osx_unlock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err)
{
	return set_lock(fd, F_UNLCK, start, len, flags & ~OSX_LOCK_NOWAIT, err);
}

/* Errors meaning "this method cannot copy between these fds", not "the
 * copy failed": the next method starts from the same offsets.
 * copy_file_range: EXDEV (across filesystems), EINVAL (a pipe, a socket,
 * overlapping ranges), EOPNOTSUPP, ENOSYS (before 4.5), EBADF (dst opened
 * O_APPEND; a truly bad fd fails again in the next method).
 * sendfile: EINVAL (src cannot be mapped, e.g. a pipe), ENOSYS. */
static int cannot(long r)
{
	return r == -EXDEV || r == -EINVAL || r == -EOPNOTSUPP || r == -ENOSYS || r == -EBADF;
}

enum method { CFR, SENDFILE, RW };

struct copy {
	int src, dst;
	int64_t left; /* bytes still wanted; < 0: to end of file */
	int64_t done;
	osx__fail fail;
};

static size_t want(const struct copy *c)
{
	return c->left < 0 || (uintmax_t)c->left > CHUNK ? CHUNK : (size_t)c->left;
}

static void advance(struct copy *c, ssize_t n)
{
	c->done += n;
	if (c->left > 0)
		c->left -= n;
}

/* One in-kernel method until EOF, done, an error (-1, recorded in
 * c->fail), or a refusal before any byte moved (1: try the next method). */
static long kernel_copy(struct copy *c, enum method m)
{
	int moved = 0;
	ssize_t n;

	while (c->left != 0) {
		if (m == CFR)
			n = osx__sys_copy_file_range(c->src, NULL, c->dst, NULL, want(c), 0);
		else
			n = osx__sys_sendfile(c->dst, c->src, NULL, want(c));
		if (n < 0) {
			if (!moved && cannot(n))
				return 1;
			return osx__fail_set(&c->fail, n, m == CFR ? "copy_file_range" : "sendfile",
					     NULL, NULL);
		}
		/* 0 right away may be a file that lies about its size (/proc,
		 * sysfs, where copy_file_range copies nothing): let the next
		 * method look. */
		if (n == 0)
			return moved ? 0 : 1;
		moved = 1;
		advance(c, n);
	}
	return 0;
}

static long rw_copy(struct copy *c)
{
	size_t bufsize = c->left > 0 && (uintmax_t)c->left < COPY_BUF ? (size_t)c->left : COPY_BUF;
	char *buf = osx__malloc(bufsize ? bufsize : 1);
	ssize_t n = 0, w;
	size_t off;

	if (!buf)
		return osx__fail_set(&c->fail, ENOMEM, "malloc", NULL, NULL);
	while (c->left != 0) {
		n = osx__sys_read(c->src, buf, want(c) < bufsize ? want(c) : bufsize);
		if (n < 0)
			osx__fail_set(&c->fail, n, "read", NULL, NULL);
		if (n <= 0)
			break;
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = osx__sys_write(c->dst, buf + off, (size_t)n - off);
			if (w <= 0) {
				/* Bytes read but not written are lost to the
				 * caller's offsets: count only what was written. */
				advance(c, (ssize_t)off);
				free(buf);
				/* No progress (w == 0): looping would never end. */
				return osx__fail_set(&c->fail, w < 0 ? w : -EIO, "write", NULL, NULL);
			}
		}
		advance(c, n);
	}
	free(buf);
	return n < 0 ? -1 : 0;
}

int64_t osx_copy_fd(int src, int dst, int64_t len, int64_t *done, osx_error *err)
{
	struct copy c = {src, dst, len, 0, OSX__FAIL_INIT};
	long r = kernel_copy(&c, CFR);

	if (r == 1)
		r = kernel_copy(&c, SENDFILE);
	if (r == 1)
		r = rw_copy(&c);
	if (done)
		*done = c.done;
	if (r < 0)
		return osx__fail_report(&c.fail, err);
	return c.done;
}
