/* libosx: files and directories by name (Python's os.stat, os.mkdir,
 * os.unlink, os.link, os.chmod, os.utime, os.getcwd, os.path.realpath and
 * friends, tempfile.mkstemp).  See docs/fs.md. */
#ifndef OSX_FS_H
#define OSX_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

/* The dir_fd meaning "no directory fd": relative names are resolved
 * against the working directory (Linux's AT_FDCWD). */
#define OSX_AT_CWD (-100)

/* A point in time: seconds since the epoch and nanoseconds (0..999999999). */
typedef struct osx_time {
	int64_t sec;
	int64_t nsec;
} osx_time;

/* osx_stat_result.valid: birthtime holds the file's creation time (statx
 * reported it; not every filesystem records one). */
#define OSX_STAT_BIRTHTIME 0x1u

/*
 * What os.stat_result holds on Linux, plus the birth time, in fixed-width
 * fields (the same layout whatever the caller's _FILE_OFFSET_BITS).  Python's
 * st_atime_ns is atime.sec * 1000000000 + atime.nsec.
 */
typedef struct osx_stat_result {
	uint32_t mode;    /* st_mode: file type and permission bits */
	uint32_t uid;     /* st_uid */
	uint32_t gid;     /* st_gid */
	uint32_t valid;   /* OSX_STAT_* bits for the optional fields */
	uint64_t ino;     /* st_ino */
	uint64_t dev;     /* st_dev, as makedev(major, minor) */
	uint64_t nlink;   /* st_nlink */
	uint64_t rdev;    /* st_rdev: the device of a device node */
	int64_t size;     /* st_size in bytes */
	int64_t blocks;   /* st_blocks: 512-byte units allocated */
	int64_t blksize;  /* st_blksize: preferred I/O size */
	osx_time atime, mtime, ctime;
	osx_time birthtime; /* valid with OSX_STAT_BIRTHTIME, else zero */
	uint64_t reserved_[4]; /* zero; room for fields of later versions */
} osx_stat_result;

/* os.statvfs_result, in fixed-width fields. */
typedef struct osx_statvfs_result {
	uint64_t bsize, frsize;          /* f_bsize, f_frsize */
	uint64_t blocks, bfree, bavail;  /* f_blocks, f_bfree, f_bavail (frsize units) */
	uint64_t files, ffree, favail;   /* f_files, f_ffree, f_favail */
	uint64_t flag, namemax, fsid;    /* f_flag (ST_*), f_namemax, f_fsid */
	uint64_t reserved_[4];
} osx_statvfs_result;

/* osx_utime: a time's nsec meaning "now" or "leave unchanged" (the
 * kernel's UTIME_NOW and UTIME_OMIT). */
#define OSX_UTIME_NOW ((1l << 30) - 1l)
#define OSX_UTIME_OMIT ((1l << 30) - 2l)

/* ---- stat and the os.path predicates ---- */

/*
 * os.stat(path, dir_fd=, follow_symlinks=): fill *st for path, relative to
 * dir_fd (OSX_AT_CWD: the working directory); follow 0 is lstat's answer
 * for a symlink.  Read with statx (birth time included where the
 * filesystem has one), falling back to fstatat where the kernel lacks
 * statx (ENOSYS).  The error names path.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_stat(int dir_fd, const char *path, int follow, osx_stat_result *st,
		     osx_error *err) OSX_NONNULL(2, 4);

/*
 * os.lstat(path, dir_fd=): osx_stat without following a final symlink.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_lstat(int dir_fd, const char *path, osx_stat_result *st, osx_error *err)
	OSX_NONNULL(2, 3);

/*
 * The raw form: fstatat(2)'s flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH,
 * AT_NO_AUTOMOUNT), e.g. AT_EMPTY_PATH with path "" for dir_fd itself.
 * Any other flag is EINVAL.  Same result and errors as osx_stat.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_fstatat(int dir_fd, const char *path, int flags, osx_stat_result *st,
			osx_error *err) OSX_NONNULL(2, 4);

/*
 * os.path.exists: 1 when path (symlinks followed) can be stat'ed, else 0
 * (every error of the stat is a 0, as in Python).  -1 only for a NULL path
 * (EINVAL).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_exists(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.lexists: osx_exists without following a final symlink (a
 * dangling symlink exists).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_lexists(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.isdir: 1 for a directory (symlinks followed), 0 for anything
 * else and for every stat error; -1 only for a NULL path (EINVAL).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_isdir(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.isfile: 1 for a regular file (symlinks followed), else 0 as
 * osx_isdir.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_isfile(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.islink: 1 for a symbolic link (not followed), else 0 as
 * osx_isdir.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_islink(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.getsize: the size of path (symlinks followed), or -1 with the
 * stat's error (os.path.getsize raises).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int64_t osx_getsize(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.path.samefile: 1 when a and b (both relative to dir_fd, symlinks
 * followed) are the same file (device and inode), 0 when not, -1 with the
 * error of the stat that failed.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_samefile(int dir_fd, const char *a, const char *b, osx_error *err)
	OSX_NONNULL(2, 3);

/*
 * os.path.samestat: 1 when two results are the same file (device and
 * inode), else 0; NULL is never the same file.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_samestat(const osx_stat_result *a, const osx_stat_result *b);

/* ---- creating and removing ---- */

/*
 * os.mkdir(path, mode, dir_fd=): mode is masked by the umask as in
 * mkdir(2).  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_mkdir(int dir_fd, const char *path, mode_t mode, osx_error *err)
	OSX_NONNULL(2);

/*
 * os.makedirs(path, mode, exist_ok): create path and every missing parent,
 * the parents with mode 0777 and path itself with mode (umask applies to
 * all), as Python 3.7 and later do.  Python's race handling: a parent
 * created meanwhile by someone else is fine; path itself existing is
 * EEXIST unless exist_ok and it is a directory.  A component that exists
 * and is not a directory fails as Python reports it (ENOTDIR, or EEXIST
 * for path itself); errors name the (partial) path whose mkdir failed.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API int osx_makedirs(int dir_fd, const char *path, mode_t mode, int exist_ok,
			 osx_error *err) OSX_NONNULL(2);

/*
 * os.unlink(path, dir_fd=): remove a name that is not a directory (EISDIR
 * for a directory, as unlink(2) reports).  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_unlink(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.remove(path, dir_fd=): the same as osx_unlink, as in Python.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_remove(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.rmdir(path, dir_fd=): remove an empty directory.  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_rmdir(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.removedirs(path): rmdir path, then each parent named in path, leaf
 * first, stopping quietly at the first parent that cannot be removed (not
 * empty).  Only the first rmdir's failure is an error (naming path).
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API int osx_removedirs(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.mkfifo(path, mode, dir_fd=): create a FIFO (umask applies).  As in
 * Python the error names no file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_mkfifo(int dir_fd, const char *path, mode_t mode, osx_error *err)
	OSX_NONNULL(2);

/*
 * os.mknod(path, mode, device, dir_fd=): create a file system node: mode
 * holds the type (S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK; 0 is a
 * regular file) and the permissions (umask applies); device (makedev()) is
 * used for S_IFCHR and S_IFBLK.  Device nodes need CAP_MKNOD.  As in
 * Python the error names no file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_mknod(int dir_fd, const char *path, mode_t mode, uint64_t device,
		      osx_error *err) OSX_NONNULL(2);

/* ---- links ---- */

/*
 * os.link(src, dst, src_dir_fd=, dst_dir_fd=, follow_symlinks=): a new
 * hard link dst to src; follow 1 links the file a symlink src points to
 * (Python's default), 0 the symlink itself.  The error names src -> dst.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_link(int src_dir_fd, const char *src, int dst_dir_fd, const char *dst,
		     int follow, osx_error *err) OSX_NONNULL(2, 4);

/*
 * os.symlink(src, dst, dir_fd=): create the symbolic link dst (relative to
 * dir_fd) whose content is src.  The error names src -> dst.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_symlink(int dir_fd, const char *src, const char *dst, osx_error *err)
	OSX_NONNULL(2, 3);

/*
 * os.readlink(path, dir_fd=) into a caller buffer: the target is written
 * NUL-terminated and its length returned.  A target that does not fit
 * (with its NUL) in size bytes fails with ERANGE (use
 * osx_readlink_alloc).  Not a symlink: EINVAL.  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API ssize_t osx_readlink(int dir_fd, const char *path, char *buf, size_t size,
			     osx_error *err) OSX_NONNULL(2, 3);

/*
 * os.readlink into a malloc'd NUL-terminated buffer (free() it) grown until
 * the whole target fits (a /proc link reports size 0, so the size of the
 * link is not trusted).  *len (may be NULL) gets the length.  NULL on
 * failure.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API char *osx_readlink_alloc(int dir_fd, const char *path, size_t *len, osx_error *err)
	OSX_NONNULL(2);

/* ---- modes, owners, times, sizes ---- */

/*
 * os.chmod(path, mode, dir_fd=, follow_symlinks=).  follow 0 changes a
 * symlink itself, which Linux does not allow: EOPNOTSUPP (Python raises
 * NotImplementedError there); for anything else it is the same as follow
 * 1.  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_chmod(int dir_fd, const char *path, mode_t mode, int follow,
		      osx_error *err) OSX_NONNULL(2);

/*
 * os.fchmod(fd, mode).  The error names no file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_fchmod(int fd, mode_t mode, osx_error *err);

/*
 * os.chown(path, uid, gid, dir_fd=, follow_symlinks=): (uid_t)-1 or
 * (gid_t)-1 leaves that id unchanged.  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_chown(int dir_fd, const char *path, uid_t uid, gid_t gid, int follow,
		      osx_error *err) OSX_NONNULL(2);

/*
 * os.fchown(fd, uid, gid).  The error names no file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_fchown(int fd, uid_t uid, gid_t gid, osx_error *err);

/*
 * os.lchown(path, uid, gid): osx_chown without following a final symlink.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_lchown(int dir_fd, const char *path, uid_t uid, gid_t gid, osx_error *err)
	OSX_NONNULL(2);

/*
 * os.umask(mask): set the file mode creation mask, return the previous
 * one.  Process-wide, unless the thread called osx_thread_unshare_cwd().
 * Safety: MT-Unsafe (changes the process's umask), AS-Safe, non-blocking.
 */
OSX_API mode_t osx_umask(mode_t mask);

/*
 * os.access(path, mode, dir_fd=, effective_ids=, follow_symlinks=): 1 when
 * the real ids (effective_ids: the effective ids) may access path with
 * mode (F_OK, or R_OK | W_OK | X_OK), 0 when not or on any error (as
 * Python's os.access).  -1 only for a NULL path or a bad mode (EINVAL).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_access(int dir_fd, const char *path, int mode, int effective_ids,
		       int follow, osx_error *err) OSX_NONNULL(2);

/*
 * os.utime(path, ns=, dir_fd=, follow_symlinks=): set the access and
 * modification times to times[0] and times[1] (nsec may be OSX_UTIME_NOW
 * or OSX_UTIME_OMIT); times NULL sets both to now.  nsec outside 0..10^9-1
 * (other than the two markers) is EINVAL.  As in Python the error names
 * no file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_utime(int dir_fd, const char *path, const osx_time times[2], int follow,
		      osx_error *err) OSX_NONNULL(2);

/*
 * os.truncate(path, length): set the size of a regular file (symlinks
 * followed).  With a dir_fd other than OSX_AT_CWD and a relative path,
 * the file is opened (O_WRONLY | O_NONBLOCK) and ftruncate'd.  The error
 * names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_truncate(int dir_fd, const char *path, int64_t length, osx_error *err)
	OSX_NONNULL(2);

/*
 * os.statvfs(path): the statistics of the filesystem holding path
 * (symlinks followed).  With a dir_fd other than OSX_AT_CWD and a relative
 * path, path is opened O_PATH and fstatvfs'd.  The error names path.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_statvfs(int dir_fd, const char *path, osx_statvfs_result *st,
			osx_error *err) OSX_NONNULL(2, 3);

/*
 * os.fstatvfs(fd): osx_statvfs of the filesystem holding fd's file.
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_fstatvfs(int fd, osx_statvfs_result *st, osx_error *err) OSX_NONNULL(2);

/* ---- resolution and temporary files ---- */

/*
 * os.path.realpath(path, strict=): the absolute path with every symlink,
 * "." and ".." resolved, computed as CPython does (a component at a time
 * with lstat and readlink, so ".." after a symlink goes up from its
 * target), in a malloc'd string (free() it).  strict 0: a missing
 * component or a symlink loop is no error; the rest is appended
 * unresolved.  strict 1: those fail (ENOENT, ELOOP) naming the path
 * resolved so far, as Python does.  A relative path is taken relative to
 * dir_fd (its name from /proc/self/fd) or, for OSX_AT_CWD, the working
 * directory.  NULL on failure.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API char *osx_realpath(int dir_fd, const char *path, int strict, osx_error *err)
	OSX_NONNULL(2);

/*
 * tempfile.mkstemp(suffix, prefix, dir): create and open (O_RDWR | O_CREAT
 * | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode 0600) a new file named dir "/"
 * prefix + 8 random characters of [a-z0-9_] + suffix, trying another name
 * on EEXIST (up to 10000 times, then EEXIST, as tempfile's TMP_MAX).  dir
 * NULL: $TMPDIR, else /tmp; prefix NULL: "tmp"; suffix NULL: "".  dir is
 * relative to dir_fd.  Returns the fd; *path gets the name in a malloc'd
 * string (free() it).  -1 on failure, *path NULL.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API int osx_mkstemp(int dir_fd, const char *dir, const char *prefix, const char *suffix,
			char **path, osx_error *err) OSX_NONNULL(5);

/*
 * tempfile.mkdtemp(suffix, prefix, dir): osx_mkstemp's naming, but a
 * directory created with mode 0700.  Returns its name in a malloc'd string
 * (free() it), or NULL.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API char *osx_mkdtemp(int dir_fd, const char *dir, const char *prefix, const char *suffix,
			  osx_error *err);

/* ---- the working directory ---- */

/*
 * os.getcwd into a caller buffer: returns the length written (NUL
 * included in size), ERANGE when buf is too small, ENOENT when the
 * directory was removed (also when it is outside the process's root).
 * The kernel answers only for paths up to a page; a deeper directory is
 * ENAMETOOLONG here (osx_getcwd_alloc goes on).  The error names no file.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API ssize_t osx_getcwd(char *buf, size_t size, osx_error *err) OSX_NONNULL(1);

/*
 * os.getcwd in a malloc'd string (free() it), of any length: beyond what
 * the kernel reports (a page), the path is built by walking ".." up to the
 * root with fd-relative opens, matching each directory by device and inode.
 * NULL on failure.
 * Safety: MT-Safe, AS-Unsafe (malloc), blocks (on the filesystem).
 */
OSX_API char *osx_getcwd_alloc(osx_error *err);

/*
 * os.chdir(path): change the working directory (of the process, or of the
 * calling thread after osx_thread_unshare_cwd()).  With a dir_fd other
 * than OSX_AT_CWD and a relative path: opened O_PATH | O_DIRECTORY
 * relative to dir_fd and fchdir'ed.  The error names path.
 * Safety: MT-Unsafe (changes the process's working directory), AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_chdir(int dir_fd, const char *path, osx_error *err) OSX_NONNULL(2);

/*
 * os.fchdir(fd): make the directory open as fd the working directory.
 * Safety: MT-Unsafe (changes the process's working directory), AS-Safe, non-blocking.
 */
OSX_API int osx_fchdir(int fd, osx_error *err);

/*
 * Give the calling thread its own working directory, root and umask
 * (unshare(CLONE_FS)): from then on its chdir/fchdir/umask change only
 * itself, and other threads' changes no longer reach it.  It starts as a
 * copy of the shared one.  There is no way back; threads it creates later
 * share its copy.  Fails with EPERM where a seccomp policy refuses
 * unshare.  See docs/fs.md for the costs; dir_fd-relative calls are the
 * first choice in threaded code.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_thread_unshare_cwd(osx_error *err);

OSX_END_DECLS

#endif
