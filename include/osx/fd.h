/* libosx: raw fd I/O, the os.open/read/write family.  Offsets and lengths
 * are int64_t, not off_t: off_t's size follows the consumer's
 * _FILE_OFFSET_BITS on 32-bit systems, the library's does not. */
#ifndef OSX_FD_H
#define OSX_FD_H

#include <fcntl.h> /* the O_* and SEEK_* constants callers pass */
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

/*
 * os.open: open(2) with O_CLOEXEC always added (PEP 446); pass
 * osx_set_inheritable() to hand the fd to a child.  Interrupted opens (a
 * FIFO, a slow device) are retried.  Returns the fd or -1.
 */
OSX_API int osx_open(const char *path, int flags, mode_t mode, osx_error *err);
/* The same relative to dirfd (os.open's dir_fd); AT_FDCWD allowed. */
OSX_API int osx_openat(int dirfd, const char *path, int flags, mode_t mode, osx_error *err);

/*
 * os.close.  Never retried: on Linux the descriptor is released whatever
 * close returns, so EINTR counts as success and a retry could close an fd
 * another thread has just been given.  Other errors (EIO from a deferred
 * write error on NFS, EBADF) are reported, but the fd is gone all the same.
 */
OSX_API int osx_close(int fd, osx_error *err);

/* os.read, os.write, os.pread, os.pwrite, os.readv, os.writev: one call,
 * EINTR retried, short transfers returned as they are.  Return the byte
 * count (0 from a read: end of file) or -1. */
OSX_API ssize_t osx_read(int fd, void *buf, size_t len, osx_error *err);
OSX_API ssize_t osx_write(int fd, const void *buf, size_t len, osx_error *err);
OSX_API ssize_t osx_pread(int fd, void *buf, size_t len, int64_t off, osx_error *err);
OSX_API ssize_t osx_pwrite(int fd, const void *buf, size_t len, int64_t off, osx_error *err);
OSX_API ssize_t osx_readv(int fd, const struct iovec *iov, int iovcnt, osx_error *err);
OSX_API ssize_t osx_writev(int fd, const struct iovec *iov, int iovcnt, osx_error *err);

/* os.lseek: whence is SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA or SEEK_HOLE
 * (anything else is EINVAL).  Returns the new offset or -1. */
OSX_API int64_t osx_lseek(int fd, int64_t off, int whence, osx_error *err);
OSX_API int osx_fstat(int fd, struct stat *st, osx_error *err);
OSX_API int osx_fsync(int fd, osx_error *err);
OSX_API int osx_fdatasync(int fd, osx_error *err);
OSX_API int osx_ftruncate(int fd, int64_t len, osx_error *err);

/*
 * Read until len bytes or end of file, retrying short reads and EINTR.
 * Returns the bytes read (less than len only at end of file) or -1; *done
 * (may be NULL) always holds the bytes read, also on failure.  On a
 * non-blocking fd EAGAIN is an error like any other, with *done telling
 * where to go on from.
 */
OSX_API ssize_t osx_read_all(int fd, void *buf, size_t len, size_t *done, osx_error *err);
/* Write all len bytes, retrying short writes and EINTR.  Returns 0 or -1;
 * *done (may be NULL) holds the bytes written, also on failure.  A write
 * that makes no progress (returns 0) is reported as EIO. */
OSX_API int osx_write_all(int fd, const void *buf, size_t len, size_t *done, osx_error *err);

/*
 * The whole file at path in a malloc'd buffer (free() it), NUL-terminated
 * for convenience (the NUL is not counted in *len).  The buffer is sized
 * from fstat and grows for files that report size 0 or grow meanwhile
 * (/proc, /sys, pipes).  Returns NULL on failure.
 */
OSX_API char *osx_read_file(const char *path, size_t *len, osx_error *err);

/* os.pipe2: both ends O_CLOEXEC, plus flags (O_NONBLOCK, O_DIRECT). */
OSX_API int osx_pipe(int fds[2], int flags, osx_error *err);
/* os.dup: the lowest free fd, O_CLOEXEC (F_DUPFD_CLOEXEC). */
OSX_API int osx_dup(int fd, osx_error *err);
/*
 * os.dup2: make fd2 a copy of fd.  inheritable = 0 gives an O_CLOEXEC fd2
 * (dup3); inheritable = 1 a plain one.  With fd == fd2, inheritable = 1
 * clears O_CLOEXEC on it, inheritable = 0 is EINVAL (as dup3 and Python).
 * Returns fd2 or -1.
 */
OSX_API int osx_dup2(int fd, int fd2, int inheritable, osx_error *err);
/* os.get_inheritable / os.set_inheritable (the FD_CLOEXEC flag):
 * get returns 1, 0 or -1. */
OSX_API int osx_get_inheritable(int fd, osx_error *err);
OSX_API int osx_set_inheritable(int fd, int inheritable, osx_error *err);
/* os.get_blocking / os.set_blocking (O_NONBLOCK): get returns 1, 0 or -1. */
OSX_API int osx_get_blocking(int fd, osx_error *err);
OSX_API int osx_set_blocking(int fd, int blocking, osx_error *err);

/* Lock flags; the default is an exclusive, waiting, OFD lock. */
#define OSX_LOCK_SHARED 0x1u  /* shared (read) lock */
#define OSX_LOCK_NOWAIT 0x2u  /* fail with EAGAIN instead of waiting */
#define OSX_LOCK_FLOCK 0x4u   /* whole-file flock(2); start and len must be 0 */

/*
 * Lock bytes [start, start + len) of fd's file (len 0: to the end of the
 * file and beyond, so 0, 0 is the whole file).  Open file description
 * ("OFD") locks: owned by the open file, not the process, so two opens in
 * one process conflict, threads can use them, closing some other fd of the
 * same file does not drop them, and they are released when the last fd of
 * this open file is closed.  Classic POSIX (F_SETLK) locks have none of
 * that.  A conflicting lock with OSX_LOCK_NOWAIT is EAGAIN.  Waiting is
 * retried across signals.
 */
OSX_API int osx_lock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err);
OSX_API int osx_unlock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err);

/*
 * Copy up to len bytes (len < 0: to end of file) from src to dst, from
 * and advancing both fds' file offsets.  In the kernel where possible:
 * copy_file_range, else sendfile, else a read/write loop with a 256 KiB
 * buffer; each step hands over to the next from the same offsets, so no
 * byte is duplicated or lost.  Returns the bytes copied or -1; *done (may
 * be NULL) holds them also on failure.
 */
OSX_API int64_t osx_copy_fd(int src, int dst, int64_t len, int64_t *done, osx_error *err);

/* os.urandom: len bytes from the kernel CSPRNG (getrandom, waiting until
 * it is seeded once after boot, as Python does; /dev/urandom where the
 * syscall is missing or filtered). */
OSX_API int osx_urandom(void *buf, size_t len, osx_error *err);

OSX_END_DECLS

#endif
