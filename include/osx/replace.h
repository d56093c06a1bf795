/* libosx: renames (os.replace, os.rename, renameat2 flags) and atomic file
 * writes: a reader or a crash sees the old file or the new one, whole. */
#ifndef OSX_REPLACE_H
#define OSX_REPLACE_H

#include <stddef.h>
#include <sys/types.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

/*
 * Renames.  Both names go into the error (Python's filename, filename2).
 * osx_replace and osx_rename are the same call on Linux, as in Python: an
 * existing dst is replaced atomically (rename(2) semantics).
 * osx_rename_noreplace fails with EEXIST when dst exists.
 * osx_exchange swaps a and b atomically; both must exist.
 * A filesystem without RENAME_NOREPLACE / RENAME_EXCHANGE support makes
 * these two fail with the kernel's EINVAL (call "renameat2"); nothing is
 * emulated.  The *at forms resolve relative names against the dir fds
 * (AT_FDCWD allowed).  Each returns 0 or -1.
 */

/* Rename src to dst, os.replace: an existing dst is replaced atomically.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_replace(const char *src, const char *dst, osx_error *err);
/* Rename src to dst, os.rename: on Linux the same call as osx_replace.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename(const char *src, const char *dst, osx_error *err);
/* Rename src to dst unless dst exists (EEXIST).  Atomic: renameat2 with
 * RENAME_NOREPLACE.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename_noreplace(const char *src, const char *dst, osx_error *err);
/* Swap a and b atomically (renameat2 RENAME_EXCHANGE); both must exist.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_exchange(const char *a, const char *b, osx_error *err);
/* Rename src to dst relative to dir fds, replacing dst atomically.  This
 * is os.replace with src_dir_fd and dst_dir_fd.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_replaceat(int srcdir, const char *src, int dstdir, const char *dst,
			  osx_error *err);
/* Rename src to dst relative to dir fds, os.rename with src_dir_fd and
 * dst_dir_fd.  The same call as osx_replaceat.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_renameat(int srcdir, const char *src, int dstdir, const char *dst,
			 osx_error *err);
/* Rename src to dst relative to dir fds unless dst exists (EEXIST).  As
 * osx_rename_noreplace, src relative to srcdir, dst to dstdir.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename_noreplaceat(int srcdir, const char *src, int dstdir,
				   const char *dst, osx_error *err);
/* Swap a and b relative to dir fds atomically, as osx_exchange.  a is
 * relative to adir, b to bdir.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_exchangeat(int adir, const char *a, int bdir, const char *b,
			   osx_error *err);

/* Atomic-write flags. */
/* fsync the data before the rename and the directory after it. */
#define OSX_ATOMIC_DURABLE 0x1u
/* An existing regular target keeps its permission bits and owner (the temp
 * is fchown'ed/fchmod'ed before the rename; failing that, nothing changes). */
#define OSX_ATOMIC_KEEP_MODE 0x2u
/* Refuse (ELOOP) when the target is a symbolic link.  Without it a symlink
 * at the target is replaced by the new file, as os.replace does; the file
 * the link pointed to is left alone. */
#define OSX_ATOMIC_NOFOLLOW 0x4u
/* Use `mode` below for a new file instead of 0666 (umask applies). */
#define OSX_ATOMIC_MODE 0x8u

typedef struct osx_atomic_options {
	unsigned flags;   /* OSX_ATOMIC_* */
	mode_t mode;      /* with OSX_ATOMIC_MODE: like open(2)'s mode, umask applies */
} osx_atomic_options;

/*
 * Replace path with exactly data[0..len) atomically.  Every reader, and the
 * filesystem after a crash, sees the old content or the new, never a mix.
 * The temp file lives in path's directory (O_TMPFILE where allowed, else a
 * random name created O_EXCL) and is removed on every failure.  opts may be
 * NULL (not durable, mode 0666 & ~umask).  Returns 0 or -1.
 * Two failures come after the rename: the directory fsync (durable) and
 * the O_TMPFILE temp's close.  They return -1 (call "fsync" / "close")
 * although the new content is in place: it is just not confirmed.
 * See docs/replace.md for what a crash can do on each filesystem.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_write(const char *path, const void *data, size_t len,
			     const osx_atomic_options *opts, osx_error *err);
/* Replace path relative to dirfd with data atomically, as
 * osx_atomic_write.  AT_FDCWD is allowed; data is data[0..len).  Returns
 * 0 or -1.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_writeat(int dirfd, const char *path, const void *data, size_t len,
			       const osx_atomic_options *opts, osx_error *err);

/*
 * Streaming: begin, write (osx_atomic_writer_write or directly to
 * osx_atomic_writer_fd), then commit or abort.  Commit and abort always
 * free the writer; a failed commit removes the temp and leaves the target
 * as it was (but see the directory fsync note above).  Not thread-safe.
 * The fd must not be closed by the caller; seeking and ftruncate are fine.
 */
typedef struct osx_atomic_writer osx_atomic_writer;

/* Begin an atomic replacement of path.  Creates the temp file in path's
 * directory.  Returns the writer (commit or abort it) or NULL.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_atomic_writer *osx_atomic_begin(const char *path, const osx_atomic_options *opts,
					    osx_error *err);
/* Begin an atomic replacement of path relative to dirfd.  As
 * osx_atomic_begin; AT_FDCWD is allowed.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_atomic_writer *osx_atomic_beginat(int dirfd, const char *path,
					      const osx_atomic_options *opts, osx_error *err);
/* The writer's temp file fd, to write the new content to directly.  It
 * stays the writer's: do not close it.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_atomic_writer_fd(const osx_atomic_writer *w);
/* Write all of data to the temp file, retrying short writes.  On failure
 * the writer stays usable only for abort.  Returns 0 or -1.
 * Safety: MT-Unsafe (race:w), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_atomic_writer_write(osx_atomic_writer *w, const void *data, size_t len,
				    osx_error *err);
/* Put the written content in place of the target atomically.  Frees the
 * writer (durable: fsync the data first, the directory after).  On
 * failure the temp is removed and the target left as it was.  Returns 0 or
 * -1.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_commit(osx_atomic_writer *w, osx_error *err);
/* Drop the new content, removing the temp file.  Frees the writer; the
 * target is untouched.  NULL is allowed.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API void osx_atomic_abort(osx_atomic_writer *w);

OSX_END_DECLS

#endif
