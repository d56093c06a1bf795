/* osx_scandir: one directory read with getdents64 into a 64 KiB buffer. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osx/dir.h>

#include "dirent64.h"
#include "fail.h"
#include "fs_internal.h"
#include "shim.h"


struct osx_scandir {
	int fd;
	size_t pos, len;
	osx_dirent ent;
	char *path;   /* as given, for entry paths; NULL for an fd */
	char buf[OSX__DIRBUF_SIZE];
};

static osx_scandir *scandir_new(const char *path, int fd)
{
	size_t len = path ? strlen(path) + 1 : 0;
	osx_scandir *sd = osx__malloc(sizeof(*sd) + len);

	if (!sd)
		return NULL;
	sd->fd = fd;
	sd->pos = sd->len = 0;
	sd->path = NULL;
	if (path)
		sd->path = memcpy((char *)(sd + 1), path, len);
	return sd;
}

static osx_scandir *scandir_open(const char *path, osx__fail *f)
{
	osx_scandir *sd;
	int fd;

	fd = osx__sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0) {
		osx__fail_set(f, fd, "openat", path, NULL);
		return NULL;
	}
	sd = scandir_new(path, fd);
	if (!sd) {
		osx__sys_close(fd);
		osx__fail_set(f, ENOMEM, "malloc", path, NULL);
	}
	return sd;
}

osx_scandir *osx_scandir_open(const char *path, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_scandir *sd = scandir_open(path ? path : ".", &f);

	if (!sd)
		osx__fail_report(&f, err);
	return sd;
}

osx_scandir *osx_scandir_fdopen(int fd, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_scandir *sd = NULL;
	struct stat st;
	off_t off;
	int dup, r;

	/* A private fd, so closing the iterator leaves the caller's open. */
	dup = osx__sys_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		osx__fail_set(&f, dup, "fcntl", NULL, NULL);
		return osx__fail_report(&f, err), NULL;
	}
	r = osx__sys_fstat(dup, &st);
	if (r < 0)
		osx__fail_set(&f, r, "fstat", NULL, NULL);
	else if (!S_ISDIR(st.st_mode))
		osx__fail_set(&f, ENOTDIR, "fstat", NULL, NULL);
	else if ((off = osx__sys_lseek(dup, 0, SEEK_SET)) < 0)
		osx__fail_set(&f, off, "lseek", NULL, NULL);
	else if (!(sd = scandir_new(NULL, dup)))
		osx__fail_set(&f, ENOMEM, "malloc", NULL, NULL);
	if (!sd) {
		osx__sys_close(dup);
		osx__fail_report(&f, err);
	}
	return sd;
}

static int scandir_next(osx_scandir *sd, osx_dirent **out, osx__fail *f)
{
	struct osx__dent64 *d;
	ssize_t n;

	for (;;) {
		if (sd->pos >= sd->len) {
			n = osx__sys_getdents64(sd->fd, sd->buf, sizeof(sd->buf));
			if (n < 0)
				return osx__fail_set(f, n, "getdents64", sd->path, NULL);
			if (n == 0)
				return 0;
			sd->pos = 0;
			sd->len = (size_t)n;
		}
		d = (struct osx__dent64 *)(sd->buf + sd->pos);
		sd->pos += d->reclen;
		if (osx__is_dot(d->name))
			continue;
		memset(&sd->ent, 0, sizeof(sd->ent));
		sd->ent.name = d->name;
		sd->ent.namelen = strlen(d->name);
		sd->ent.ino = d->ino;
		sd->ent.type = d->type;
		sd->ent.dirfd = sd->fd;
		sd->ent.dir_ = sd->path;
		sd->ent.dirlen_ = sd->path ? strlen(sd->path) : 0;
		*out = &sd->ent;
		return 1;
	}
}

int osx_scandir_next(osx_scandir *sd, osx_dirent **out, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	int r;

	if (!sd || !out)
		return osx_error_set(err, EINVAL, "getdents64", NULL, NULL);
	r = scandir_next(sd, out, &f);
	return r < 0 ? osx__fail_report(&f, err) : r;
}

void osx_scandir_close(osx_scandir *sd)
{
	if (!sd)
		return;
	osx__sys_close(sd->fd);
	free(sd);
}

size_t osx_dirent_path(const osx_dirent *e, char *buf, size_t size)
{
	size_t sep, len, n;

	if (!e) {
		if (buf && size)
			buf[0] = '\0';
		errno = EINVAL;
		return 0;
	}
	/* No separator after a directory given with a trailing '/'. */
	sep = e->dirlen_ && e->dir_[e->dirlen_ - 1] != '/';
	len = e->dirlen_ + sep + e->namelen;
	if (!buf || size == 0) /* measured only, as snprintf(NULL, 0) */
		return len;
	n = e->dirlen_ < size - 1 ? e->dirlen_ : size - 1;
	if (n)
		memcpy(buf, e->dir_, n);
	if (sep && n < size - 1)
		buf[n++] = '/';
	if (n < size - 1) {
		size_t k = e->namelen < size - 1 - n ? e->namelen : size - 1 - n;

		memcpy(buf + n, e->name, k);
		n += k;
	}
	buf[n] = '\0';
	return len;
}

/* A failed stat, reported naming DirEntry.path (the directory as given,
 * "/", the name) as Python does; a path too long for the error is cut
 * there anyway. */
static int stat_failed(const osx_dirent *e, const osx__fail *f, osx_error *err)
{
	char path[OSX_ERROR_NAME_MAX + 1];
	osx__fail named = *f;

	osx_dirent_path(e, path, sizeof(path));
	named.name = path;
	osx__fail_report(&named, err);
	return -1;
}

int osx_dirent_stat(osx_dirent *e, int follow, osx_stat_result *st, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (!e || !st)
		return osx_error_set(err, EINVAL, "statx", NULL, NULL);
	/* A known symlink followed needs no lstat. */
	if (follow && e->type == DT_LNK)
		goto follow;
	if (!e->have_lstat_) {
		if (osx__statat(e->dirfd, e->name, AT_SYMLINK_NOFOLLOW, &e->lstat_, &f, NULL) < 0)
			return stat_failed(e, &f, err);
		e->have_lstat_ = 1;
	}
	if (!follow || !S_ISLNK(e->lstat_.mode)) {
		*st = e->lstat_;
		return 0;
	}
follow:
	if (!e->have_stat_) {
		if (osx__statat(e->dirfd, e->name, 0, &e->stat_, &f, NULL) < 0)
			return stat_failed(e, &f, err);
		e->have_stat_ = 1;
	}
	*st = e->stat_;
	return 0;
}

/* Python's DirEntry rule: a vanished entry is "not a dir", not an error. */
static int is_mode(osx_dirent *e, int follow, mode_t want, osx_error *err)
{
	osx_stat_result st;
	osx_error tmp;

	if (!e)
		return osx_error_set(err, EINVAL, "statx", NULL, NULL);
	if (e->type != DT_UNKNOWN && !(follow && e->type == DT_LNK))
		return (mode_t)DTTOIF(e->type) == want;
	if (osx_dirent_stat(e, follow, &st, &tmp) < 0) {
		osx__fail f = OSX__FAIL_INIT;

		if (tmp.code == ENOENT)
			return 0;
		osx__fail_from(&f, &tmp);
		return osx__fail_report(&f, err);
	}
	return (st.mode & S_IFMT) == want;
}

int osx_dirent_is_dir(osx_dirent *e, int follow, osx_error *err)
{
	return is_mode(e, follow, S_IFDIR, err);
}

int osx_dirent_is_file(osx_dirent *e, int follow, osx_error *err)
{
	return is_mode(e, follow, S_IFREG, err);
}

int osx_dirent_is_symlink(osx_dirent *e, osx_error *err)
{
	return is_mode(e, 0, S_IFLNK, err);
}

/* Names are packed into one buffer first, then the pointer array is put
 * in front of a copy, so the caller frees a single block. */
char **osx_listdir(const char *path, size_t *count, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_scandir *sd;
	osx_dirent *e;
	char *names = NULL, *p, **out = NULL;
	size_t len = 0, cap = 0, n = 0, i;
	int r;

	if (!path)
		path = ".";
	sd = scandir_open(path, &f);
	if (!sd)
		return osx__fail_report(&f, err), NULL;
	while ((r = scandir_next(sd, &e, &f)) == 1) {
		if (!names || len + e->namelen + 1 > cap) {
			cap = (cap + e->namelen + 1) * 2;
			p = osx__realloc(names, cap);
			if (!p) {
				r = osx__fail_set(&f, ENOMEM, "realloc", path, NULL);
				break;
			}
			names = p;
		}
		memcpy(names + len, e->name, e->namelen + 1);
		len += e->namelen + 1;
		n++;
	}
	/* The record may name sd->path: fill err before the close frees it. */
	if (r == 0 && !(out = osx__malloc((n + 1) * sizeof(*out) + len)))
		osx__fail_set(&f, ENOMEM, "malloc", path, NULL);
	if (!out)
		osx__fail_fill(&f, err);
	osx_scandir_close(sd);
	if (!out) {
		free(names);
		return osx__fail_errno(&f), NULL;
	}
	p = (char *)(out + n + 1);
	if (len)
		memcpy(p, names, len);
	free(names);
	for (i = 0; i < n; i++) {
		out[i] = p;
		p += strlen(p) + 1;
	}
	out[n] = NULL;
	if (count)
		*count = n;
	return out;
}
