/*
 * Atomic file writes: the new content goes to a temp file in the target's
 * directory and is renamed over the target, so the name always refers to a
 * whole file, old or new.  Everything after the first step is relative to
 * one directory fd, so a rename of a parent directory midway cannot send
 * the temp and the rename to different places.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <osx/replace.h>

#include "shim.h"

/* Tries at a fresh random temp name when one is taken.  With 64 random
 * bits a clash means someone else creates the names we pick. */
#define NAME_TRIES 16
/* Bytes of the target's name kept in the temp's name (for humans). */
#define BASE_KEPT 200

struct osx_atomic_writer {
	int dirfd;
	int fd;
	int failed;           /* errno of a failed write: commit refuses */
	unsigned flags;
	int named;            /* the temp has a name (tmp) in the directory */
	const char *path;     /* the caller's path, for errors */
	const char *base;     /* its last component: the rename target */
	char tmp[NAME_MAX + 1];
	char pathbuf[];       /* osx_atomic_begin's copy of path */
};

/* Undo everything: remove the temp's name if it has one, close what is
 * open.  Runs once per writer, after open_dir succeeded, so the directory
 * is always open.  Errors here are ignored: the caller reports the first
 * failure, which the shim's -errno returns keep safe from this cleanup. */
static void discard(struct osx_atomic_writer *w)
{
	if (w->named)
		osx__sys_unlinkat(w->dirfd, w->tmp, 0);
	if (w->fd >= 0)
		osx__sys_close(w->fd);
	osx__sys_close(w->dirfd);
	w->named = 0;
	w->fd = w->dirfd = -1;
}

/* A fresh candidate name ".<target>.<16 hex>.tmp" in w->tmp.  GRND_INSECURE
 * never blocks, even early at boot: the name needs to be unlikely to clash,
 * not secret, since O_EXCL/linkat refuse an existing name anyway. */
static int pick_name(struct osx_atomic_writer *w)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	char *p;
	ssize_t n;
	size_t i, kept = strlen(w->base);

	n = osx__sys_getrandom(rnd, sizeof(rnd), GRND_INSECURE);
	if (n < 0)
		return (int)n;
	if (n != (ssize_t)sizeof(rnd))
		return -EIO; /* requests up to 256 bytes are never short */
	if (kept > BASE_KEPT)
		kept = BASE_KEPT;
	p = w->tmp;
	*p++ = '.';
	memcpy(p, w->base, kept);
	p += kept;
	*p++ = '.';
	for (i = 0; i < sizeof(rnd); i++) {
		*p++ = hex[rnd[i] >> 4];
		*p++ = hex[rnd[i] & 15];
	}
	memcpy(p, ".tmp", 5);
	return 0;
}

/* Fallback temp for filesystems without O_TMPFILE: a random name created
 * O_EXCL (never an existing file) and O_NOFOLLOW (never through a link). */
static int create_named(struct osx_atomic_writer *w, mode_t mode, const char **call)
{
	int i, r = -EEXIST;

	for (i = 0; i < NAME_TRIES && r == -EEXIST; i++) {
		*call = "getrandom";
		r = pick_name(w);
		if (r < 0)
			return r;
		*call = "openat";
		r = osx__sys_openat(w->dirfd, w->tmp,
				    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (r >= 0) {
		w->fd = r;
		w->named = 1;
		return 0;
	}
	return r;
}

/* Give the O_TMPFILE inode a random name.  linkat cannot replace, so the
 * target itself is reached by the rename that follows.  /proc/self/fd/N
 * with AT_SYMLINK_FOLLOW works unprivileged; AT_EMPTY_PATH, which needs
 * CAP_DAC_READ_SEARCH, is the fallback when /proc is not mounted. */
static int link_tmpfile(struct osx_atomic_writer *w, const char **call)
{
	char proc[32];
	int i, r = -EEXIST;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
	for (i = 0; i < NAME_TRIES && r == -EEXIST; i++) {
		*call = "getrandom";
		r = pick_name(w);
		if (r < 0)
			return r;
		*call = "linkat";
		r = osx__sys_linkat(AT_FDCWD, proc, w->dirfd, w->tmp, AT_SYMLINK_FOLLOW);
		if (r == -ENOENT) {
			int r2 = osx__sys_linkat(w->fd, "", w->dirfd, w->tmp, AT_EMPTY_PATH);
			if (r2 == 0 || r2 == -EEXIST)
				r = r2;
		}
	}
	if (r == 0)
		w->named = 1;
	return r;
}

/* Open path's directory into w->dirfd and point w->base at the name. */
static int open_dir(struct osx_atomic_writer *w, int dirfd)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(w->path, '/');
	int fd;

	w->base = slash ? slash + 1 : w->path;
	if (!*w->path)
		return -ENOENT;
	if (!*w->base || !strcmp(w->base, ".") || !strcmp(w->base, ".."))
		return -EISDIR;
	if (strlen(w->base) > NAME_MAX)
		return -ENAMETOOLONG;
	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == w->path) {
		strcpy(dir, "/");
	} else {
		size_t n = (size_t)(slash - w->path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, w->path, n);
		dir[n] = '\0';
	}
	/* Not O_PATH: the durable path fsyncs this fd. */
	fd = osx__sys_openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	w->dirfd = fd;
	return 0;
}

/* Give the temp the existing target's owner and permission bits.  chown
 * first: it clears set-id bits, which the chmod then restores. */
static int keep_mode(struct osx_atomic_writer *w, const struct stat *old, const char **call)
{
	struct stat st;
	int r;

	*call = "fstat";
	r = osx__sys_fstat(w->fd, &st);
	if (r < 0)
		return r;
	if (st.st_uid != old->st_uid || st.st_gid != old->st_gid) {
		*call = "fchown";
		r = osx__sys_fchown(w->fd, old->st_uid, old->st_gid);
		if (r < 0)
			return r;
		st.st_mode = ~old->st_mode; /* force the chmod below */
	}
	if ((st.st_mode & 07777) != (old->st_mode & 07777)) {
		*call = "fchmod";
		r = osx__sys_fchmod(w->fd, old->st_mode & 07777);
	}
	return r;
}

#define KNOWN_FLAGS (OSX_ATOMIC_DURABLE | OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW | OSX_ATOMIC_MODE)

/* Everything up to an open, empty temp.  Returns 0, or -errno with *call
 * set and nothing left behind. */
static int start(struct osx_atomic_writer *w, int dirfd, const osx_atomic_options *opts,
		 const char **call)
{
	struct stat old;
	mode_t mode = 0666;
	int r, have_old = 0;

	w->dirfd = w->fd = -1;
	w->failed = 0;
	w->named = 0;
	w->flags = opts ? opts->flags : 0;
	*call = "openat";
	if (w->flags & ~KNOWN_FLAGS)
		return -EINVAL;
	if (w->flags & OSX_ATOMIC_MODE) {
		if (opts->mode & ~(mode_t)07777)
			return -EINVAL;
		mode = opts->mode;
	}
	r = open_dir(w, dirfd);
	if (r < 0)
		return r;
	if (w->flags & (OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW)) {
		*call = "fstatat";
		r = osx__sys_fstatat(w->dirfd, w->base, &old, AT_SYMLINK_NOFOLLOW);
		if (r == 0 && S_ISLNK(old.st_mode) && (w->flags & OSX_ATOMIC_NOFOLLOW))
			r = -ELOOP;
		if (r < 0 && r != -ENOENT)
			goto out;
		have_old = r == 0 && S_ISREG(old.st_mode) && (w->flags & OSX_ATOMIC_KEEP_MODE);
	}
	*call = "openat";
	r = osx__sys_openat(w->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	/* open(2): EOPNOTSUPP from a filesystem without O_TMPFILE, EISDIR from
	 * a kernel that predates it; EINVAL from some FUSE and network mounts. */
	if (r == -EOPNOTSUPP || r == -EISDIR || r == -EINVAL)
		r = create_named(w, mode, call);
	else if (r >= 0)
		w->fd = r;
	if (r >= 0 && have_old)
		r = keep_mode(w, &old, call);
out:
	if (r < 0) {
		discard(w);
		return r;
	}
	return 0;
}

/* Close the temp fd; its own error is the caller's to report. */
static int close_tmp(struct osx_atomic_writer *w)
{
	int fd = w->fd;

	w->fd = -1;
	return osx__sys_close(fd);
}

/*
 * The end of every writer: fsync (durable), then
 *   O_TMPFILE: linkat to a random name, rename over the target, close;
 *   named temp: close, rename over the target;
 * then fsync the directory (durable).  The O_TMPFILE fd stays open until
 * after the rename so that a kill between linkat and rename, the only
 * moment a named temp exists, is as short as the kernel allows.  The named
 * temp is closed before its rename so that a write error only close
 * reports (NFS) still leaves the target alone.  After the rename a failure
 * is still reported, but the new content is in place and there is nothing
 * to undo.  Returns 0 or -errno with *call set; w is finished either way.
 */
static int finish(struct osx_atomic_writer *w, const char **call)
{
	int r, tmpfile = !w->named;

	*call = "write";
	r = -w->failed;
	if (r == 0 && (w->flags & OSX_ATOMIC_DURABLE)) {
		*call = "fsync";
		r = osx__sys_fsync(w->fd);
	}
	if (r == 0 && tmpfile)
		r = link_tmpfile(w, call);
	if (r == 0 && !tmpfile) {
		*call = "close";
		r = close_tmp(w);
	}
	if (r == 0) {
		*call = "renameat2";
		r = osx__sys_renameat2(w->dirfd, w->tmp, w->dirfd, w->base, 0);
	}
	if (r == 0) {
		w->named = 0; /* the temp's name is now the target's */
		if (tmpfile) {
			*call = "close";
			r = close_tmp(w);
		}
	}
	if (r == 0 && (w->flags & OSX_ATOMIC_DURABLE)) {
		*call = "fsync";
		r = osx__sys_fsync(w->dirfd);
	}
	/* The directory fd's close result is ignored with the rest of
	 * discard: a read-only directory fd holds no data to lose. */
	discard(w);
	return r;
}

static int write_all(struct osx_atomic_writer *w, const void *data, size_t len)
{
	const char *p = data;

	if (w->failed)
		return -w->failed;
	if (!data && len)
		return -EINVAL;
	while (len) {
		ssize_t n = osx__sys_write(w->fd, p, len);

		if (n == 0)
			n = -EIO; /* a regular file never takes 0 of >0 bytes */
		if (n < 0) {
			w->failed = (int)-n;
			return (int)n;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int osx_atomic_writeat(int dirfd, const char *path, const void *data, size_t len,
		       const osx_atomic_options *opts, osx_error *err)
{
	struct osx_atomic_writer w;
	const char *call = "openat";
	int r = -EINVAL;

	w.path = path;
	if (path) {
		r = start(&w, dirfd, opts, &call);
		if (r == 0) {
			call = "write";
			r = write_all(&w, data, len);
			if (r < 0)
				discard(&w);
			else
				r = finish(&w, &call);
		}
	}
	if (r < 0)
		return osx_error_set(err, -r, call, path, NULL);
	return 0;
}

int osx_atomic_write(const char *path, const void *data, size_t len,
		     const osx_atomic_options *opts, osx_error *err)
{
	return osx_atomic_writeat(AT_FDCWD, path, data, len, opts, err);
}

osx_atomic_writer *osx_atomic_beginat(int dirfd, const char *path,
				      const osx_atomic_options *opts, osx_error *err)
{
	struct osx_atomic_writer *w;
	const char *call = "openat";
	size_t n;
	int r;

	if (!path) {
		osx_error_set(err, EINVAL, call, NULL, NULL);
		return NULL;
	}
	n = strlen(path) + 1;
	w = osx__malloc(sizeof(*w) + n);
	if (!w) {
		osx_error_set(err, ENOMEM, "malloc", path, NULL);
		return NULL;
	}
	memcpy(w->pathbuf, path, n);
	w->path = w->pathbuf;
	r = start(w, dirfd, opts, &call);
	if (r < 0) {
		free(w);
		osx_error_set(err, -r, call, path, NULL);
		return NULL;
	}
	return w;
}

osx_atomic_writer *osx_atomic_begin(const char *path, const osx_atomic_options *opts,
				    osx_error *err)
{
	return osx_atomic_beginat(AT_FDCWD, path, opts, err);
}

int osx_atomic_writer_fd(const osx_atomic_writer *w)
{
	return w ? w->fd : -1;
}

int osx_atomic_writer_write(osx_atomic_writer *w, const void *data, size_t len,
			    osx_error *err)
{
	int r;

	if (!w)
		return osx_error_set(err, EINVAL, "write", NULL, NULL);
	r = write_all(w, data, len);
	if (r < 0)
		return osx_error_set(err, -r, "write", w->path, NULL);
	return 0;
}

int osx_atomic_commit(osx_atomic_writer *w, osx_error *err)
{
	const char *call;
	int r;

	if (!w)
		return osx_error_set(err, EINVAL, "renameat2", NULL, NULL);
	r = finish(w, &call);
	if (r < 0) {
		/* The name must outlive the writer: report it from a copy-in
		 * struct before freeing, then make errno match again. */
		osx_error_set(err, -r, call, w->path, NULL);
		free(w);
		errno = -r;
		return -1;
	}
	free(w);
	return 0;
}

void osx_atomic_abort(osx_atomic_writer *w)
{
	if (!w)
		return;
	discard(w);
	free(w);
}
