/* Creating and removing names, and links (fs.h): os.mkdir, os.makedirs,
 * os.unlink, os.rmdir, os.removedirs, os.mkfifo, os.mknod, os.link,
 * os.symlink, os.readlink. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <osx/fs.h>

#include "fs_internal.h"
#include "shim.h"

/* Report a shim result: r < 0 is -errno. */
static int check(int r, osx_error *err, const char *call, const char *name,
		 const char *name2)
{
	if (r < 0)
		return osx_error_set(err, -r, call, name, name2);
	return r;
}

int osx_mkdir(int dir_fd, const char *path, mode_t mode, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "mkdirat", NULL, NULL);
	return check(osx__sys_mkdirat(dir_fd, path, mode), err, "mkdirat", path, NULL);
}

/* Python's os.path.split on p[0..len): the head's length (trailing
 * slashes dropped unless the head is all slashes) and where the tail
 * starts. */
static size_t split(const char *p, size_t len, size_t *tail)
{
	size_t i = len, head;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*tail = i;
	head = i;
	while (head > 0 && p[head - 1] == '/')
		head--;
	return head ? head : i;
}

static int is_dir(int dir_fd, const char *path)
{
	osx_stat_result st;
	osx__fail f = OSX__FAIL_INIT;

	return osx__statat(dir_fd, path, 0, &st, &f, path) == 0 && S_ISDIR(st.mode);
}

/*
 * os.makedirs, as CPython's Lib/os.py writes it, on p[0..len) (p[len] is
 * NUL).  The recursion cuts the path at the head's end with a NUL and puts
 * the byte back afterwards, except when it fails: the failing name (a
 * prefix of p) stays terminated for the error report.
 */
static int makedirs(int dir_fd, char *p, size_t len, mode_t mode, int exist_ok,
		    osx__fail *f)
{
	size_t tail, end = len, head = split(p, len, &tail);
	int r;

	if (tail == len) { /* "a/b/": split the head again, as Python does */
		end = head;
		head = split(p, end, &tail);
	}
	if (head && tail < end) {
		char c = p[head];

		p[head] = '\0';
		if (osx_exists(dir_fd, p, NULL) != 1 &&
		    makedirs(dir_fd, p, head, 0777, exist_ok, f) < 0) {
			/* Created meanwhile by someone else: fine. */
			if (f->code != EEXIST)
				return -1;
			osx__fail_clear(f);
		}
		p[head] = c;
		/* "a/b/.": made with its head. */
		if (end - tail == 1 && p[tail] == '.')
			return 0;
	}
	r = osx__sys_mkdirat(dir_fd, p, mode);
	/* Not only EEXIST: the system may report EACCES or EROFS first. */
	if (r < 0 && !(exist_ok && is_dir(dir_fd, p)))
		return osx__fail_set(f, r, "mkdirat", p, NULL);
	return 0;
}

int osx_makedirs(int dir_fd, const char *path, mode_t mode, int exist_ok, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	size_t len;
	char *p;

	if (!path)
		return osx_error_set(err, EINVAL, "mkdirat", NULL, NULL);
	len = strlen(path);
	p = osx__malloc(len + 1);
	if (!p)
		return osx_error_set(err, ENOMEM, "malloc", path, NULL);
	memcpy(p, path, len + 1);
	makedirs(dir_fd, p, len, mode, exist_ok, &f);
	/* The name may live in p: copy it out before the free. */
	osx__fail_fill(&f, err);
	free(p);
	return osx__failed(&f) ? osx__fail_errno(&f) : 0;
}

int osx_unlink(int dir_fd, const char *path, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "unlinkat", NULL, NULL);
	return check(osx__sys_unlinkat(dir_fd, path, 0), err, "unlinkat", path, NULL);
}

int osx_remove(int dir_fd, const char *path, osx_error *err)
{
	return osx_unlink(dir_fd, path, err);
}

int osx_rmdir(int dir_fd, const char *path, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "unlinkat", NULL, NULL);
	return check(osx__sys_unlinkat(dir_fd, path, AT_REMOVEDIR), err, "unlinkat", path,
		     NULL);
}

int osx_removedirs(int dir_fd, const char *path, osx_error *err)
{
	size_t tail, end, head;
	char *p;

	if (osx_rmdir(dir_fd, path, err) < 0)
		return -1;
	end = strlen(path);
	p = osx__malloc(end + 1);
	if (!p)
		return osx_error_set(err, ENOMEM, "malloc", path, NULL);
	memcpy(p, path, end + 1);
	head = split(p, end, &tail);
	if (tail == end) {
		end = head;
		head = split(p, end, &tail);
	}
	/* Python's loop: rmdir each head while head and tail are non-empty;
	 * the first failure (a directory not empty) ends it quietly. */
	while (head && tail < end) {
		p[head] = '\0';
		if (osx__sys_unlinkat(dir_fd, p, AT_REMOVEDIR) < 0)
			break;
		end = head;
		head = split(p, end, &tail);
	}
	free(p);
	return 0;
}

int osx_mkfifo(int dir_fd, const char *path, mode_t mode, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "mknodat", NULL, NULL);
	return check(osx__sys_mknodat(dir_fd, path, S_IFIFO | (mode & ~(mode_t)S_IFMT), 0), err,
		     "mknodat", NULL, NULL);
}

int osx_mknod(int dir_fd, const char *path, mode_t mode, uint64_t device, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "mknodat", NULL, NULL);
	return check(osx__sys_mknodat(dir_fd, path, mode, (dev_t)device), err, "mknodat",
		     NULL, NULL);
}

int osx_link(int src_dir_fd, const char *src, int dst_dir_fd, const char *dst, int follow,
	     osx_error *err)
{
	if (!src || !dst)
		return osx_error_set(err, EINVAL, "linkat", src, dst);
	return check(osx__sys_linkat(src_dir_fd, src, dst_dir_fd, dst,
				     follow ? AT_SYMLINK_FOLLOW : 0),
		     err, "linkat", src, dst);
}

int osx_symlink(int dir_fd, const char *src, const char *dst, osx_error *err)
{
	if (!src || !dst)
		return osx_error_set(err, EINVAL, "symlinkat", src, dst);
	return check(osx__sys_symlinkat(src, dir_fd, dst), err, "symlinkat", src, dst);
}

ssize_t osx_readlink(int dir_fd, const char *path, char *buf, size_t size, osx_error *err)
{
	ssize_t n;

	if (!path || !buf || size == 0)
		return osx_error_set(err, EINVAL, "readlinkat", path, NULL);
	n = osx__sys_readlinkat(dir_fd, path, buf, size);
	if (n < 0)
		return osx_error_set(err, (int)-n, "readlinkat", path, NULL);
	/* A full buffer may hold a cut target, and leaves no room for the NUL. */
	if ((size_t)n == size)
		return osx_error_set(err, ERANGE, "readlinkat", path, NULL);
	buf[n] = '\0';
	return n;
}

char *osx_readlink_alloc(int dir_fd, const char *path, size_t *len, osx_error *err)
{
	size_t cap = 256;
	char *buf = NULL, *p;
	ssize_t n;

	if (!path) {
		osx_error_set(err, EINVAL, "readlinkat", NULL, NULL);
		return NULL;
	}
	for (;;) {
		p = osx__realloc(buf, cap);
		if (!p) {
			free(buf);
			osx_error_set(err, ENOMEM, "realloc", path, NULL);
			return NULL;
		}
		buf = p;
		n = osx__sys_readlinkat(dir_fd, path, buf, cap);
		if (n < 0) {
			free(buf);
			osx_error_set(err, (int)-n, "readlinkat", path, NULL);
			return NULL;
		}
		if ((size_t)n < cap)
			break;
		cap *= 2;
	}
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}
