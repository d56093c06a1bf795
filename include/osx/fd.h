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
#include <unistd.h> /* SEEK_*: musl has SEEK_DATA and SEEK_HOLE only here */

#include <osx/common.h>
#include <osx/error.h>
#include <osx/fs.h>

OSX_BEGIN_DECLS

/*
 * Open a file, os.open.  open(2) with O_CLOEXEC always added (PEP 446); pass
 * osx_set_inheritable() to hand the fd to a child.  Interrupted opens (a
 * FIFO, a slow device) are retried.  Returns the fd or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on a FIFO without a peer, devices, filesystem I/O).
 */
OSX_API int osx_open(const char *path, int flags, mode_t mode, osx_error *err) OSX_NONNULL(1);
/* Open a file relative to dirfd (os.open's dir_fd), as osx_open does.
 * AT_FDCWD is allowed.  Returns the fd or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on a FIFO without a peer, devices, filesystem I/O).
 */
OSX_API int osx_openat(int dirfd, const char *path, int flags, mode_t mode, osx_error *err) OSX_NONNULL(2);

/*
 * Close a file descriptor, os.close.  Never retried: on Linux the descriptor is released whatever
 * close returns, so EINTR counts as success and a retry could close an fd
 * another thread has just been given.  Other errors (EIO from a deferred
 * write error on NFS, EBADF) are reported, but the fd is gone all the same.
 * Safety: MT-Safe, AS-Safe, blocks (on the last close's flush: NFS, some devices).
 */
OSX_API int osx_close(int fd, osx_error *err);

/* Read up to len bytes from fd, os.read.  One read(2), EINTR retried, a
 * short count returned as it is.  Returns the byte count (0: end of file)
 * or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API ssize_t osx_read(int fd, void *buf, size_t len, osx_error *err);
/* Write up to len bytes to fd, os.write.  One write(2), EINTR retried, a
 * short count returned as it is.  Returns the byte count or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API ssize_t osx_write(int fd, const void *buf, size_t len, osx_error *err);
/* Read up to len bytes at offset off, os.pread.  The fd's file offset is
 * not used or changed.  One call, EINTR retried, a short count returned as
 * it is.  Returns the byte count (0: end of file) or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on devices, disk).
 */
OSX_API ssize_t osx_pread(int fd, void *buf, size_t len, int64_t off, osx_error *err);
/* Write up to len bytes at offset off, os.pwrite.  The fd's file offset is
 * not used or changed.  One call, EINTR retried, a short count returned as
 * it is.  Returns the byte count or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on devices, disk).
 */
OSX_API ssize_t osx_pwrite(int fd, const void *buf, size_t len, int64_t off, osx_error *err);
/* Read into iovcnt buffers in order, os.readv.  One readv(2), EINTR
 * retried, a short count returned as it is.  Returns the byte count (0:
 * end of file) or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API ssize_t osx_readv(int fd, const struct iovec *iov, int iovcnt, osx_error *err);
/* Write iovcnt buffers in order, os.writev.  One writev(2), EINTR retried,
 * a short count returned as it is.  Returns the byte count or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API ssize_t osx_writev(int fd, const struct iovec *iov, int iovcnt, osx_error *err);

/* Move fd's file offset, os.lseek.  whence is SEEK_SET, SEEK_CUR,
 * SEEK_END, SEEK_DATA or SEEK_HOLE (anything else is EINVAL).  Returns the
 * new offset or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int64_t osx_lseek(int fd, int64_t off, int whence, osx_error *err);
/*
 * os.fstat: the stat of the file open as fd (statx with AT_EMPTY_PATH,
 * birth time included where the filesystem has one; fstat where the
 * kernel lacks statx).
 * Safety: MT-Safe, AS-Safe, blocks (on the filesystem).
 */
OSX_API int osx_fstat(int fd, osx_stat_result *st, osx_error *err) OSX_NONNULL(2);
/* Flush the file's data and metadata to the disk, os.fsync.  Returns 0 or
 * -1 (EIO: a write-back failed; EINVAL: fd does not support syncing).
 * Safety: MT-Safe, AS-Safe, blocks (until the disk has the data).
 */
OSX_API int osx_fsync(int fd, osx_error *err);
/* Flush the file's data to the disk, os.fdatasync.  Metadata is flushed
 * only where needed to read the data back.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (until the disk has the data).
 */
OSX_API int osx_fdatasync(int fd, osx_error *err);
/* Cut or extend the file open as fd to len bytes, os.ftruncate.  An
 * extension reads as zeros.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_ftruncate(int fd, int64_t len, osx_error *err);

/*
 * Read until len bytes or end of file, retrying short reads and EINTR.
 * Returns the bytes read (less than len only at end of file) or -1; *done
 * (may be NULL) always holds the bytes read, also on failure.  On a
 * non-blocking fd EAGAIN is an error like any other, with *done telling
 * where to go on from.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API ssize_t osx_read_all(int fd, void *buf, size_t len, size_t *done, osx_error *err);
/* Write all len bytes, retrying short writes and EINTR.  Returns 0 or -1;
 * *done (may be NULL) holds the bytes written, also on failure.  A write
 * that makes no progress (returns 0) is reported as EIO.
 * Safety: MT-Safe, AS-Safe, blocks (on pipes, sockets, terminals, devices, disk).
 */
OSX_API int osx_write_all(int fd, const void *buf, size_t len, size_t *done, osx_error *err);

/*
 * Read the whole file at path into a malloc'd buffer.  The buffer is for
 * free(), NUL-terminated for convenience (the NUL is not counted in *len).  The buffer is sized
 * from fstat and grows for files that report size 0 or grow meanwhile
 * (/proc, /sys, pipes).  Returns NULL on failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on FIFOs, devices, filesystem I/O).
 */
OSX_API char *osx_read_file(const char *path, size_t *len, osx_error *err) OSX_NONNULL(1, 2);

/* Create a pipe, os.pipe2.  fds[0] is the read end, fds[1] the write end,
 * both O_CLOEXEC, plus flags (O_NONBLOCK, O_DIRECT).  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_pipe(int fds[2], int flags, osx_error *err) OSX_NONNULL(1);
/* Duplicate fd, os.dup: the lowest free fd, O_CLOEXEC (F_DUPFD_CLOEXEC).
 * Returns the new fd or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_dup(int fd, osx_error *err);
/*
 * Make fd2 a copy of fd, os.dup2.  inheritable = 0 gives an O_CLOEXEC fd2
 * (dup3); inheritable = 1 a plain one.  With fd == fd2, inheritable = 1
 * clears O_CLOEXEC on it, inheritable = 0 is EINVAL (as dup3 and Python).
 * Returns fd2 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on the close of an open fd2's last reference: NFS, devices).
 */
OSX_API int osx_dup2(int fd, int fd2, int inheritable, osx_error *err);
/* Whether fd is passed on to programs run by exec, os.get_inheritable.
 * Returns 1 when its FD_CLOEXEC flag is clear, 0 when set, -1 on error.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_get_inheritable(int fd, osx_error *err);
/* Make fd inheritable or not, os.set_inheritable.  inheritable 1 clears
 * its FD_CLOEXEC flag, 0 sets it.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_set_inheritable(int fd, int inheritable, osx_error *err);
/* Whether fd is in blocking mode, os.get_blocking.  Returns 1 when
 * O_NONBLOCK is clear, 0 when set, -1 on error.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_get_blocking(int fd, osx_error *err);
/* Make fd blocking or not, os.set_blocking.  blocking 1 clears O_NONBLOCK
 * on the open file of fd, 0 sets it.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_set_blocking(int fd, int blocking, osx_error *err);

/* Lock flags; the default is an exclusive, waiting, OFD lock. */
#define OSX_LOCK_SHARED 0x1u  /* shared (read) lock */
#define OSX_LOCK_NOWAIT 0x2u  /* fail with EAGAIN instead of waiting */
#define OSX_LOCK_FLOCK 0x4u   /* whole-file flock(2); start and len must be 0 */

/*
 * Lock bytes [start, start + len) of fd's file.  len 0 means to the end of
 * the file and beyond, so 0, 0 is the whole file.  Open file description
 * ("OFD") locks: owned by the open file, not the process, so two opens in
 * one process conflict, threads can use them, closing some other fd of the
 * same file does not drop them, and they are released when the last fd of
 * this open file is closed.  Classic POSIX (F_SETLK) locks have none of
 * that.  A conflicting lock with OSX_LOCK_NOWAIT is EAGAIN.  Waiting is
 * retried across signals.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (on a conflicting lock, unless OSX_LOCK_NOWAIT).
 */
OSX_API int osx_lock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err);
/* Unlock bytes [start, start + len) of fd's file, locked by osx_lock.
 * With OSX_LOCK_FLOCK (start and len 0) the whole-file flock is dropped;
 * OSX_LOCK_SHARED and OSX_LOCK_NOWAIT make no difference.  Unlocking what
 * is not locked succeeds.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_unlock(int fd, int64_t start, int64_t len, unsigned flags, osx_error *err);

/*
 * Copy up to len bytes from src to dst in the kernel where possible.  len
 * < 0 copies to end of file; both fds' file offsets are used and advanced.
 * Methods: copy_file_range, else sendfile, else a read/write loop with a
 * 256 KiB buffer; each step hands over to the next from the same offsets,
 * so no byte is duplicated or lost.  Returns the bytes copied or -1; *done (may
 * be NULL) holds them also on failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on pipes, sockets, devices, disk).
 */
OSX_API int64_t osx_copy_fd(int src, int dst, int64_t len, int64_t *done, osx_error *err);

/* Fill buf with len random bytes, os.urandom.  They come from the kernel
 * CSPRNG (getrandom, waiting until it is seeded once after boot, as
 * Python does; /dev/urandom where the syscall is missing or filtered).
 * Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (until the kernel's pool is first seeded after boot).
 */
OSX_API int osx_urandom(void *buf, size_t len, osx_error *err);

OSX_END_DECLS

#endif
