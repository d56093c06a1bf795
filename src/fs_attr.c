/* Modes, owners, times, sizes and filesystem statistics (fs.h): os.chmod,
 * os.chown, os.umask, os.access, os.utime, os.truncate, os.statvfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <osx/fs.h>

#include "fail.h"
#include "shim.h"

static int check(int r, osx_error *err, const char *call, const char *name)
{
	if (r < 0)
		return osx_error_set(err, -r, call, name, NULL);
	return r;
}

/* Does this call name dir_fd's own directory tree, so an fd must be
 * opened relative to it? */
static int relative_to_fd(int dir_fd, const char *path)
{
	return dir_fd != OSX_AT_CWD && path[0] != '/';
}

int osx_chmod(int dir_fd, const char *path, mode_t mode, int follow, osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "fchmodat", NULL, NULL);
	/* libc's fchmodat changes a non-symlink through /proc without
	 * following, and refuses a symlink with EOPNOTSUPP. */
	return check(osx__sys_fchmodat(dir_fd, path, mode, follow ? 0 : AT_SYMLINK_NOFOLLOW),
		     err, "fchmodat", path);
}

int osx_fchmod(int fd, mode_t mode, osx_error *err)
{
	return check(osx__sys_fchmod(fd, mode), err, "fchmod", NULL);
}

int osx_chown(int dir_fd, const char *path, uid_t uid, gid_t gid, int follow,
	      osx_error *err)
{
	if (!path)
		return osx_error_set(err, EINVAL, "fchownat", NULL, NULL);
	return check(osx__sys_fchownat(dir_fd, path, uid, gid, follow ? 0 : AT_SYMLINK_NOFOLLOW),
		     err, "fchownat", path);
}

int osx_fchown(int fd, uid_t uid, gid_t gid, osx_error *err)
{
	return check(osx__sys_fchown(fd, uid, gid), err, "fchown", NULL);
}

int osx_lchown(int dir_fd, const char *path, uid_t uid, gid_t gid, osx_error *err)
{
	return osx_chown(dir_fd, path, uid, gid, 0, err);
}

mode_t osx_umask(mode_t mask)
{
	return osx__sys_umask(mask);
}

int osx_access(int dir_fd, const char *path, int mode, int effective_ids, int follow,
	       osx_error *err)
{
	int flags = (effective_ids ? AT_EACCESS : 0) | (follow ? 0 : AT_SYMLINK_NOFOLLOW);

	if (!path || (mode & ~(R_OK | W_OK | X_OK)))
		return osx_error_set(err, EINVAL, "faccessat", path, NULL);
	return osx__sys_faccessat(dir_fd, path, mode, flags) == 0;
}

static int valid_nsec(int64_t nsec)
{
	return (nsec >= 0 && nsec < 1000000000) || nsec == OSX_UTIME_NOW ||
	       nsec == OSX_UTIME_OMIT;
}

int osx_utime(int dir_fd, const char *path, const osx_time times[2], int follow,
	      osx_error *err)
{
	struct timespec ts[2];
	int i;

	if (!path)
		return osx_error_set(err, EINVAL, "utimensat", NULL, NULL);
	for (i = 0; times && i < 2; i++) {
		if (!valid_nsec(times[i].nsec) || (time_t)times[i].sec != times[i].sec)
			return osx_error_set(err, EINVAL, "utimensat", NULL, NULL);
		ts[i].tv_sec = (time_t)times[i].sec;
		ts[i].tv_nsec = (long)times[i].nsec;
	}
	/* Python's utime names no file in its error. */
	return check(osx__sys_utimensat(dir_fd, path, times ? ts : NULL,
					follow ? 0 : AT_SYMLINK_NOFOLLOW),
		     err, "utimensat", NULL);
}

int osx_truncate(int dir_fd, const char *path, int64_t length, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	int fd, r;

	if (!path || (off_t)length != length)
		return osx_error_set(err, EINVAL, "truncate", path, NULL);
	if (!relative_to_fd(dir_fd, path))
		return check(osx__sys_truncate(path, (off_t)length), err, "truncate", path);
	/* No truncateat(2).  O_NONBLOCK: a FIFO must not wait for a reader
	 * (ftruncate then refuses it, EINVAL, as truncate(2) does). */
	fd = osx__sys_openat(dir_fd, path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0)
		return check(fd, err, "openat", path);
	r = osx__sys_ftruncate(fd, (off_t)length);
	if (r < 0)
		osx__fail_set(&f, r, "ftruncate", path, NULL);
	osx__sys_close(fd);
	return osx__failed(&f) ? osx__fail_report(&f, err) : 0;
}

static void from_statvfs(osx_statvfs_result *st, const struct statvfs *s)
{
	memset(st, 0, sizeof(*st));
	st->bsize = s->f_bsize;
	st->frsize = s->f_frsize;
	st->blocks = s->f_blocks;
	st->bfree = s->f_bfree;
	st->bavail = s->f_bavail;
	st->files = s->f_files;
	st->ffree = s->f_ffree;
	st->favail = s->f_favail;
	st->flag = s->f_flag;
	st->namemax = s->f_namemax;
	st->fsid = s->f_fsid;
}

int osx_fstatvfs(int fd, osx_statvfs_result *st, osx_error *err)
{
	struct statvfs s;
	int r;

	if (!st)
		return osx_error_set(err, EINVAL, "fstatvfs", NULL, NULL);
	r = osx__sys_fstatvfs(fd, &s);
	if (r < 0)
		return check(r, err, "fstatvfs", NULL);
	from_statvfs(st, &s);
	return 0;
}

int osx_statvfs(int dir_fd, const char *path, osx_statvfs_result *st, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct statvfs s;
	int fd, r;

	if (!path || !st)
		return osx_error_set(err, EINVAL, "statvfs", path, NULL);
	if (!relative_to_fd(dir_fd, path)) {
		r = osx__sys_statvfs(path, &s);
		if (r < 0)
			return check(r, err, "statvfs", path);
		from_statvfs(st, &s);
		return 0;
	}
	/* No statvfsat(2): an O_PATH fd (no permission needed on the file
	 * itself, as for statvfs) then fstatvfs. */
	fd = osx__sys_openat(dir_fd, path, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return check(fd, err, "openat", path);
	r = osx__sys_fstatvfs(fd, &s);
	if (r < 0)
		osx__fail_set(&f, r, "fstatvfs", path, NULL);
	else
		from_statvfs(st, &s);
	osx__sys_close(fd);
	return osx__failed(&f) ? osx__fail_report(&f, err) : 0;
}
