/* osx_stat and the os.path predicates built on it (fs.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <osx/fs.h>

#include "fs_internal.h"
#include "shim.h"

/* NOLINTNEXTLINE(misc-redundant-expression): the two are equal on purpose */
_Static_assert(OSX_AT_CWD == AT_FDCWD, "OSX_AT_CWD is AT_FDCWD");

static osx_time stx_time(const struct osx__statx_time *t)
{
	osx_time r = { t->sec, t->nsec };

	return r;
}

static osx_time st_time(const struct timespec *t)
{
	osx_time r = { t->tv_sec, t->tv_nsec };

	return r;
}

static void from_statx(osx_stat_result *st, const struct osx__statx *x)
{
	static const osx_time zero = { 0, 0 };

	st->mode = x->mode;
	st->uid = x->uid;
	st->gid = x->gid;
	st->ino = x->ino;
	st->dev = makedev(x->dev_major, x->dev_minor);
	st->nlink = x->nlink;
	st->rdev = makedev(x->rdev_major, x->rdev_minor);
	st->size = (int64_t)x->size;
	st->blocks = (int64_t)x->blocks;
	st->blksize = x->blksize;
	st->atime = stx_time(&x->atime);
	st->mtime = stx_time(&x->mtime);
	st->ctime = stx_time(&x->ctime);
	/* Field by field, no memset: this is the per-stat cost. */
	st->valid = x->mask & OSX__STATX_BTIME ? OSX_STAT_BIRTHTIME : 0;
	st->birthtime = st->valid ? stx_time(&x->btime) : zero;
	st->reserved_[0] = st->reserved_[1] = st->reserved_[2] = st->reserved_[3] = 0;
}

static void from_stat(osx_stat_result *st, const struct stat *s)
{
	memset(st, 0, sizeof(*st));
	st->mode = s->st_mode;
	st->uid = s->st_uid;
	st->gid = s->st_gid;
	st->ino = s->st_ino;
	st->dev = s->st_dev;
	st->nlink = s->st_nlink;
	st->rdev = s->st_rdev;
	st->size = s->st_size;
	st->blocks = s->st_blocks;
	st->blksize = s->st_blksize;
	st->atime = st_time(&s->st_atim);
	st->mtime = st_time(&s->st_mtim);
	st->ctime = st_time(&s->st_ctim);
}

int osx__statat(int dirfd, const char *path, int flags, osx_stat_result *st,
		osx__fail *f, const char *name)
{
	struct osx__statx x;
	struct stat s;
	int r;

	/* AT_STATX_SYNC_AS_STAT (0): what stat(2) would say, no forced sync
	 * with a network filesystem's server. */
	r = osx__sys_statx(dirfd, path, flags, OSX__STATX_BASIC | OSX__STATX_BTIME, &x);
	if (r == 0) {
		from_statx(st, &x);
		return 0;
	}
	/* No statx: the kernel predates it, or a container's seccomp policy
	 * refuses what it does not know (older runtimes answer EPERM, which
	 * statx itself never returns). */
	if (r != -ENOSYS && r != -EPERM)
		return osx__fail_set(f, r, "statx", name, NULL);
	r = osx__sys_fstatat(dirfd, path, &s, flags);
	if (r < 0)
		return osx__fail_set(f, r, "fstatat", name, NULL);
	from_stat(st, &s);
	return 0;
}

int osx_fstatat(int dir_fd, const char *path, int flags, osx_stat_result *st,
		osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	/* -1 spelled out: the analyzers then see st is only read on 0. */
	if (!path || !st || (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))) {
		osx_error_set(err, EINVAL, "statx", path, NULL);
		return -1;
	}
	if (osx__statat(dir_fd, path, flags, st, &f, path) < 0) {
		osx__fail_report(&f, err);
		return -1;
	}
	return 0;
}

int osx_stat(int dir_fd, const char *path, int follow, osx_stat_result *st, osx_error *err)
{
	return osx_fstatat(dir_fd, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, st, err);
}

int osx_lstat(int dir_fd, const char *path, osx_stat_result *st, osx_error *err)
{
	return osx_fstatat(dir_fd, path, AT_SYMLINK_NOFOLLOW, st, err);
}

/* The os.path predicates: the file's type bits, or 0 for a file that
 * cannot be stat'ed (Python catches OSError and answers False). */
static int type_of(int dir_fd, const char *path, int flags, osx_error *err)
{
	osx_stat_result st;
	osx__fail f = OSX__FAIL_INIT;

	if (!path)
		return osx_error_set(err, EINVAL, "statx", NULL, NULL);
	if (osx__statat(dir_fd, path, flags, &st, &f, path) < 0)
		return 0;
	return (int)(st.mode & S_IFMT) | 1;
}

int osx_exists(int dir_fd, const char *path, osx_error *err)
{
	int t = type_of(dir_fd, path, 0, err);

	return t < 0 ? -1 : t != 0;
}

int osx_lexists(int dir_fd, const char *path, osx_error *err)
{
	int t = type_of(dir_fd, path, AT_SYMLINK_NOFOLLOW, err);

	return t < 0 ? -1 : t != 0;
}

int osx_isdir(int dir_fd, const char *path, osx_error *err)
{
	int t = type_of(dir_fd, path, 0, err);

	return t < 0 ? -1 : (t & S_IFMT) == S_IFDIR;
}

int osx_isfile(int dir_fd, const char *path, osx_error *err)
{
	int t = type_of(dir_fd, path, 0, err);

	return t < 0 ? -1 : (t & S_IFMT) == S_IFREG;
}

int osx_islink(int dir_fd, const char *path, osx_error *err)
{
	int t = type_of(dir_fd, path, AT_SYMLINK_NOFOLLOW, err);

	return t < 0 ? -1 : (t & S_IFMT) == S_IFLNK;
}

int64_t osx_getsize(int dir_fd, const char *path, osx_error *err)
{
	osx_stat_result st;

	if (osx_stat(dir_fd, path, 1, &st, err) < 0)
		return -1;
	return st.size;
}

int osx_samefile(int dir_fd, const char *a, const char *b, osx_error *err)
{
	osx_stat_result sa, sb;

	if (!a || !b)
		return osx_error_set(err, EINVAL, "statx", a, b);
	if (osx_stat(dir_fd, a, 1, &sa, err) < 0 || osx_stat(dir_fd, b, 1, &sb, err) < 0)
		return -1;
	return osx_samestat(&sa, &sb);
}

int osx_samestat(const osx_stat_result *a, const osx_stat_result *b)
{
	return a && b && a->dev == b->dev && a->ino == b->ino;
}
