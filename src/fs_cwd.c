/* The working directory (fs.h): os.getcwd, os.chdir, os.fchdir, and a
 * thread-private one (unshare(CLONE_FS)). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <osx/fs.h>

#include "dirent64.h"
#include "fs_internal.h"
#include "shim.h"

/* The directory reads of the walk up. */
#define DIRBUF ((size_t)OSX__DIRBUF_SIZE)

/* The getcwd system call answers for paths up to a page. */
#define KERNEL_CWD_MAX 4096

/* The system call's answer, checked as libc checks it: a directory
 * outside the process's root comes back as "(unreachable)/...". */
static ssize_t sys_getcwd(char *buf, size_t size)
{
	ssize_t n = osx__sys_getcwd(buf, size);

	if (n > 0 && buf[0] != '/')
		return -ENOENT;
	return n < 0 ? n : n - 1;
}

ssize_t osx_getcwd(char *buf, size_t size, osx_error *err)
{
	ssize_t n;

	if (!buf || size == 0)
		return osx_error_set(err, EINVAL, "getcwd", NULL, NULL);
	n = sys_getcwd(buf, size);
	if (n < 0)
		return osx_error_set(err, (int)-n, "getcwd", NULL, NULL);
	return n;
}

/* Prepend "/" name to the path being built backwards in s[*start..]. */
static int prepend(char **s, size_t *cap, size_t *start, const char *name, size_t len,
		   osx__fail *f)
{
	size_t used = *cap - *start;

	if (len + 1 > *start) {
		size_t cap2 = (*cap + len + 1) * 2;
		char *p = osx__malloc(cap2);

		if (!p)
			return osx__fail_set(f, ENOMEM, "malloc", NULL, NULL);
		memcpy(p + cap2 - used, *s + *start, used);
		free(*s);
		*s = p;
		*start = cap2 - used;
		*cap = cap2;
	}
	*start -= len + 1;
	(*s)[*start] = '/';
	memcpy(*s + *start + 1, name, len);
	return 0;
}

/* The name in directory pfd of the directory whose stat is *child: the
 * entry with its inode number, checked by a stat (a mount point's entry
 * shows the inode under the mount), else any directory matching by stat.
 * A candidate that cannot be stat'ed is passed over; if nothing matches,
 * that failure is the answer, else ENOENT (removed meanwhile). */
static int find_name(int pfd, const osx_stat_result *child, char *buf, char **s,
		     size_t *cap, size_t *start, osx__fail *f)
{
	osx__fail sf = OSX__FAIL_INIT;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		ssize_t n;

		if (pass == 1) {
			off_t off = osx__sys_lseek(pfd, 0, SEEK_SET);

			if (off < 0)
				return osx__fail_set(f, off, "lseek", NULL, NULL);
		}
		while ((n = osx__sys_getdents64(pfd, buf, DIRBUF)) > 0) {
			ssize_t pos;

			for (pos = 0; pos < n;) {
				const struct osx__dent64 *d = (const void *)(buf + pos);
				osx_stat_result st;

				pos += d->reclen;
				if (osx__is_dot(d->name) || (pass == 0 && d->ino != child->ino) ||
				    (pass == 1 && d->type != DT_DIR && d->type != DT_UNKNOWN))
					continue;
				if (osx__statat(pfd, d->name, AT_SYMLINK_NOFOLLOW, &st, &sf, NULL) == 0 &&
				    osx_samestat(&st, child))
					return prepend(s, cap, start, d->name, strlen(d->name), f);
			}
		}
		if (n < 0)
			return osx__fail_set(f, n, "getdents64", NULL, NULL);
	}
	if (osx__failed(&sf))
		return osx__fail_set(f, sf.code, sf.call, NULL, NULL);
	return osx__fail_set(f, ENOENT, "getdents64", NULL, NULL);
}

/* A working directory deeper than the kernel reports: walk ".." up to the
 * root, naming each directory in its parent, fd-relative all the way. */
static char *walk_up(osx__fail *f)
{
	osx_stat_result cur, up, root;
	size_t cap = KERNEL_CWD_MAX, start = cap;
	char *s = osx__malloc(cap), *buf;
	int fd = -1, pfd;

	buf = osx__malloc(DIRBUF);
	if (!s || !buf) {
		osx__fail_set(f, ENOMEM, "malloc", NULL, NULL);
		goto out;
	}
	fd = osx__sys_openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0) {
		osx__fail_set(f, fd, "openat", NULL, NULL);
		goto out;
	}
	if (osx__statat(fd, "", AT_EMPTY_PATH, &cur, f, NULL) < 0 ||
	    osx__statat(AT_FDCWD, "/", 0, &root, f, NULL) < 0)
		goto out;
	while (!osx_samestat(&cur, &root)) {
		pfd = osx__sys_openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
		if (pfd < 0) {
			osx__fail_set(f, pfd, "openat", NULL, NULL);
			goto out;
		}
		osx__sys_close(fd);
		fd = pfd;
		if (osx__statat(fd, "", AT_EMPTY_PATH, &up, f, NULL) < 0)
			goto out;
		/* ".." is "." only at the root of the filesystem tree, which is
		 * not "/": a directory outside the process's root. */
		if (osx_samestat(&up, &cur)) {
			osx__fail_set(f, ENOENT, "getcwd", NULL, NULL);
			goto out;
		}
		if (find_name(fd, &cur, buf, &s, &cap, &start, f) < 0)
			goto out;
		cur = up;
	}
	if (start == cap && prepend(&s, &cap, &start, "", 0, f) < 0)
		goto out;
	memmove(s, s + start, cap - start);
	s[cap - start] = '\0';
out:
	if (fd >= 0)
		osx__sys_close(fd);
	free(buf);
	if (osx__failed(f)) {
		free(s);
		return NULL;
	}
	return s;
}

char *osx_getcwd_alloc(osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	char *buf = osx__malloc(KERNEL_CWD_MAX), *p;
	ssize_t n;

	if (!buf) {
		osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
		return NULL;
	}
	n = sys_getcwd(buf, KERNEL_CWD_MAX);
	if (n >= 0)
		return buf;
	free(buf);
	if (n != -ENAMETOOLONG) {
		osx_error_set(err, (int)-n, "getcwd", NULL, NULL);
		return NULL;
	}
	p = walk_up(&f);
	if (!p)
		osx__fail_report(&f, err);
	return p;
}

int osx_chdir(int dir_fd, const char *path, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	int fd, r;

	if (!path)
		return osx_error_set(err, EINVAL, "chdir", NULL, NULL);
	if (dir_fd == OSX_AT_CWD || path[0] == '/') {
		r = osx__sys_chdir(path);
		return r < 0 ? osx_error_set(err, -r, "chdir", path, NULL) : 0;
	}
	fd = osx__sys_openat(dir_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return osx_error_set(err, -fd, "openat", path, NULL);
	r = osx__sys_fchdir(fd);
	if (r < 0)
		osx__fail_set(&f, r, "fchdir", path, NULL);
	osx__sys_close(fd);
	return osx__failed(&f) ? osx__fail_report(&f, err) : 0;
}

int osx_fchdir(int fd, osx_error *err)
{
	int r = osx__sys_fchdir(fd);

	return r < 0 ? osx_error_set(err, -r, "fchdir", NULL, NULL) : 0;
}

int osx_thread_unshare_cwd(osx_error *err)
{
	int r = osx__sys_unshare(CLONE_FS);

	return r < 0 ? osx_error_set(err, -r, "unshare", NULL, NULL) : 0;
}
