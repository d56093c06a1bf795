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
 * (AT_FDCWD allowed).
 */
OSX_API int osx_replace(const char *src, const char *dst, osx_error *err);
OSX_API int osx_rename(const char *src, const char *dst, osx_error *err);
OSX_API int osx_rename_noreplace(const char *src, const char *dst, osx_error *err);
OSX_API int osx_exchange(const char *a, const char *b, osx_error *err);
OSX_API int osx_replaceat(int srcdir, const char *src, int dstdir, const char *dst,
			  osx_error *err);
OSX_API int osx_renameat(int srcdir, const char *src, int dstdir, const char *dst,
			 osx_error *err);
OSX_API int osx_rename_noreplaceat(int srcdir, const char *src, int dstdir,
				   const char *dst, osx_error *err);
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
 * Replace path with exactly data[0..len) so that every reader, and the
 * filesystem after a crash, sees the old content or the new, never a mix.
 * The temp file lives in path's directory (O_TMPFILE where allowed, else a
 * random name created O_EXCL) and is removed on every failure.  opts may be
 * NULL (not durable, mode 0666 & ~umask).  Returns 0 or -1.
 * Two failures come after the rename: the directory fsync (durable) and
 * the O_TMPFILE temp's close.  They return -1 (call "fsync" / "close")
 * although the new content is in place: it is just not confirmed.
 * See docs/replace.md for what a crash can do on each filesystem.
 */
OSX_API int osx_atomic_write(const char *path, const void *data, size_t len,
			     const osx_atomic_options *opts, osx_error *err);
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

OSX_API osx_atomic_writer *osx_atomic_begin(const char *path, const osx_atomic_options *opts,
					    osx_error *err);
OSX_API osx_atomic_writer *osx_atomic_beginat(int dirfd, const char *path,
					      const osx_atomic_options *opts, osx_error *err);
OSX_API int osx_atomic_writer_fd(const osx_atomic_writer *w);
/* Write all of data (retrying short writes); on failure the writer stays
 * usable only for abort. */
OSX_API int osx_atomic_writer_write(osx_atomic_writer *w, const void *data, size_t len,
				    osx_error *err);
OSX_API int osx_atomic_commit(osx_atomic_writer *w, osx_error *err);
OSX_API void osx_atomic_abort(osx_atomic_writer *w);

OSX_END_DECLS

#endif
