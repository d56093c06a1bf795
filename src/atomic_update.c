/*
 * A locked read-modify-write of one file.  The lock is on a side file,
 * "<path>.lock", never on the target: an atomic write puts a new inode at
 * the target's name, so a lock taken on the target stays with the old
 * inode and the next updater, opening the new one, takes a lock nobody
 * holds.  The side file is never removed: removing a lock file races with
 * the next updater opening it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <osx/replace.h>

#include "replace_internal.h"
#include "shim.h"

/* The current content of path into a malloc'ed *buf; *exists 0 (and
 * *buf NULL) when there is no such file. */
static int read_target(const char *path, int nofollow, char **buf, size_t *len, int *exists,
		       osx__fail *f)
{
	struct stat st;
	size_t cap, n = 0;
	char *p = NULL;
	ssize_t r;
	int fd;

	*buf = NULL;
	*len = 0;
	*exists = 0;
	fd = osx__sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return osx__fail_set(f, fd, "openat", path, NULL);
	*exists = 1;
	r = osx__sys_fstat(fd, &st);
	if (r < 0) {
		osx__fail_set(f, r, "fstat", path, NULL);
		goto out;
	}
	/* The size is a hint (the file may grow; /proc files say 0): read
	 * until end of file, growing the buffer. */
	cap = (size_t)st.st_size + 1;
	p = osx__malloc(cap);
	if (!p) {
		osx__fail_set(f, ENOMEM, "malloc", path, NULL);
		goto out;
	}
	for (;;) {
		if (n == cap) {
			char *q = osx__realloc(p, 2 * cap);
			if (!q) {
				osx__fail_set(f, ENOMEM, "realloc", path, NULL);
				goto out;
			}
			p = q;
			cap *= 2;
		}
		r = osx__sys_read(fd, p + n, cap - n);
		if (r < 0) {
			osx__fail_set(f, r, "read", path, NULL);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
out:
	osx__sys_close(fd);
	if (osx__failed(f)) {
		free(p);
		return -1;
	}
	*buf = p;
	*len = n;
	return 0;
}

int osx_atomic_update(const char *path, osx_atomic_modify_fn modify, void *arg,
		      const osx_atomic_options *opts, osx_atomic_state *state, osx_error *err)
{
	struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	osx_atomic_state st = OSX_ATOMIC_UNCHANGED;
	struct osx_atomic_writer check;
	osx_error e; /* the write's error: f may borrow its names */
	osx__fail f = OSX__FAIL_INIT;
	char *lock = NULL, *old = NULL;
	size_t old_len, n;
	int fd = -1, exists, r;

	check.path = path;
	if (!path || !modify) {
		osx__fail_set(&f, EINVAL, "openat", path, NULL);
		goto out;
	}
	/* A name the write would refuse: refused before a lock file exists. */
	if (osx__atomic_check(&check, &f) < 0)
		goto out;
	n = strlen(path);
	lock = osx__malloc(n + sizeof(".lock"));
	if (!lock) {
		osx__fail_set(&f, ENOMEM, "malloc", path, NULL);
		goto out;
	}
	memcpy(lock, path, n);
	memcpy(lock + n, ".lock", sizeof(".lock"));
	fd = osx__sys_openat(AT_FDCWD, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0) {
		osx__fail_set(&f, fd, "openat", path, NULL);
		goto out;
	}
	/* Released when fd is closed: also when this process dies. */
	r = osx__sys_fcntl_lock(fd, F_OFD_SETLKW, &whole);
	if (r < 0) {
		osx__fail_set(&f, r, "fcntl", path, NULL);
		goto out;
	}
	if (read_target(path, opts && (opts->flags & OSX_ATOMIC_NOFOLLOW), &old, &old_len,
			&exists, &f) < 0)
		goto out;
	{
		const void *data = NULL;
		size_t len = 0;

		errno = 0;
		r = modify(arg, old, old_len, exists, &data, &len);
		if (r < 0)
			osx__fail_set(&f, errno ? errno : ECANCELED, "modify", path, NULL);
		else if (r == 0 && osx_atomic_write(path, data, len, opts, &st, &e) < 0)
			osx__fail_from(&f, &e);
	}
out:
	if (fd >= 0)
		osx__sys_close(fd);
	free(old);
	free(lock);
	if (state)
		*state = st;
	if (!osx__failed(&f))
		return 0;
	return osx__fail_report(&f, err);
}
