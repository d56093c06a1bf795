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
 * (AT_FDCWD allowed).  Each returns 0 or -1; a NULL name is EINVAL.
 */

/* Rename src to dst, os.replace: an existing dst is replaced atomically.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_replace(const char *src, const char *dst, osx_error *err) OSX_NONNULL(1, 2);
/* Rename src to dst, os.rename: on Linux the same call as osx_replace.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename(const char *src, const char *dst, osx_error *err) OSX_NONNULL(1, 2);
/* Rename src to dst unless dst exists (EEXIST).  Atomic: renameat2 with
 * RENAME_NOREPLACE.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename_noreplace(const char *src, const char *dst, osx_error *err)
	OSX_NONNULL(1, 2);
/* Swap a and b atomically (renameat2 RENAME_EXCHANGE); both must exist.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_exchange(const char *a, const char *b, osx_error *err) OSX_NONNULL(1, 2);
/* Rename src to dst relative to dir fds, replacing dst atomically.  This
 * is os.replace with src_dir_fd and dst_dir_fd.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_replaceat(int srcdir, const char *src, int dstdir, const char *dst,
			  osx_error *err) OSX_NONNULL(2, 4);
/* Rename src to dst relative to dir fds, os.rename with src_dir_fd and
 * dst_dir_fd.  The same call as osx_replaceat.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_renameat(int srcdir, const char *src, int dstdir, const char *dst,
			 osx_error *err) OSX_NONNULL(2, 4);
/* Rename src to dst relative to dir fds unless dst exists (EEXIST).  As
 * osx_rename_noreplace, src relative to srcdir, dst to dstdir.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_rename_noreplaceat(int srcdir, const char *src, int dstdir,
				   const char *dst, osx_error *err) OSX_NONNULL(2, 4);
/* Swap a and b relative to dir fds atomically, as osx_exchange.  a is
 * relative to adir, b to bdir.
 * Safety: MT-Safe, AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_exchangeat(int adir, const char *a, int bdir, const char *b,
			   osx_error *err) OSX_NONNULL(2, 4);

/* Atomic-write flags. */
/* fsync the data before the rename and the directory after it. */
#define OSX_ATOMIC_DURABLE 0x1u
/* An existing regular target keeps its permission bits and owner: the
 * temp is created with the target's permission bits, fchown'ed at once
 * (failing that, nothing changes) and its set-id bits are set last, after
 * the data is written (a write by an unprivileged process clears them).
 * Set-id bits are not copied from a target with more than one hard link:
 * that name may be a link an attacker made to someone else's set-id
 * program. */
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
 * What an atomic replace left at the target, reported by every call that
 * can replace a file, on success and on failure alike (docs/replace.md has
 * the table of which failing step leaves which state):
 *   UNCHANGED  the target is as it was (the temp file is removed);
 *   REPLACED   the new content is in place, but not known to be on stable
 *              storage: a non-durable write that succeeded, or a durable
 *              one whose last step (the directory fsync) failed;
 *   DURABLE    the new content is in place and was made durable.
 */
typedef enum osx_atomic_state {
	OSX_ATOMIC_UNCHANGED = 0,
	OSX_ATOMIC_REPLACED = 1,
	OSX_ATOMIC_REPLACED_DURABLE = 2
} osx_atomic_state;

/*
 * Replace path with exactly data[0..len) atomically.  Every reader, and
 * the filesystem after a crash, sees the old content or the new, never a
 * mix.  The temp file lives in path's directory under a name of the
 * library's (".<name>.<0-7>.osx-tmp") and is removed on every failure;
 * those killed writers left behind are removed by the next write to the
 * same target that finds one while no other writer of it is alive
 * (docs/replace.md).  opts may be NULL (not durable, mode 0666 &
 * ~umask).  Returns 0 or -1; *state (when state is non-NULL) tells what is
 * at the target either way: after a failure UNCHANGED, or REPLACED when
 * only the durable write's directory fsync failed.  NULL path, or NULL
 * data with len > 0, is EINVAL.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_write(const char *path, const void *data, size_t len,
			     const osx_atomic_options *opts, osx_atomic_state *state,
			     osx_error *err) OSX_NONNULL(1);
/* Replace path relative to dirfd with data atomically, as
 * osx_atomic_write.  AT_FDCWD is allowed; data is data[0..len).  Returns
 * 0 or -1, with *state as osx_atomic_write sets it.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_writeat(int dirfd, const char *path, const void *data, size_t len,
			       const osx_atomic_options *opts, osx_atomic_state *state,
			       osx_error *err) OSX_NONNULL(2);

/*
 * Streaming: begin, write (osx_atomic_writer_write or directly to
 * osx_atomic_writer_fd), then commit or abort.  Commit and abort always
 * free the writer.  Not thread-safe.  The fd must not be closed by the
 * caller; seeking and ftruncate are fine.
 */
typedef struct osx_atomic_writer osx_atomic_writer;

/* Begin an atomic replacement of path.  Creates the temp file in path's
 * directory; durable, an unnamed O_TMPFILE inode where the filesystem has
 * one (named at commit), so that a writer killed while writing leaves
 * nothing.  Returns the writer (commit or abort it) or NULL.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_atomic_writer *osx_atomic_begin(const char *path, const osx_atomic_options *opts,
					    osx_error *err) OSX_NONNULL(1);
/* Begin an atomic replacement of path relative to dirfd.  As
 * osx_atomic_begin; AT_FDCWD is allowed.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_atomic_writer *osx_atomic_beginat(int dirfd, const char *path,
					      const osx_atomic_options *opts, osx_error *err)
	OSX_NONNULL(2);
/* The writer's temp file fd, to write the new content to directly.  It
 * stays the writer's: do not close it.  -1 (errno EINVAL) for NULL.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_atomic_writer_fd(const osx_atomic_writer *w) OSX_NONNULL(1);
/* Write all of data to the temp file, retrying short writes.  On failure
 * the writer stays usable only for abort.  Returns 0 or -1.
 * Safety: MT-Unsafe (race:w), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_atomic_writer_write(osx_atomic_writer *w, const void *data, size_t len,
				    osx_error *err) OSX_NONNULL(1);
/* Put the written content in place of the target atomically.  Frees the
 * writer (durable: fsync the data first, the directory after).  Returns 0
 * or -1, with *state (state may be NULL) as osx_atomic_write sets it: a
 * failure before the rename removes the temp and leaves the target
 * UNCHANGED; after it (the directory fsync, or the close of an O_TMPFILE
 * temp, which follows the rename) the state is REPLACED.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_commit(osx_atomic_writer *w, osx_atomic_state *state, osx_error *err)
	OSX_NONNULL(1);
/* Drop the new content, removing the temp file.  Frees the writer; the
 * target is untouched.  NULL is allowed.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API void osx_atomic_abort(osx_atomic_writer *w);

/*
 * The modify callback of osx_atomic_update.  old[0..old_len) is the
 * target's current content (exists 0, old NULL and old_len 0 when there is
 * no target).  Return 0 after setting *data and *len to the new content
 * (memory of the callback's own, read before osx_atomic_update returns);
 * 1 to leave the target as it is; -1 with errno set to give up (the
 * update then fails with that errno, err.call "modify").
 */
typedef int (*osx_atomic_modify_fn)(void *arg, const char *old, size_t old_len, int exists,
				    const void **data, size_t *len);

/*
 * Read, modify and atomically rewrite path under a lock.  No concurrent
 * osx_atomic_update of the same path can interleave with this one, so no
 * update is lost.  The lock is an OFD write lock on the side file "<path>.lock" (created
 * when missing, never removed), held while the current content is read,
 * modify() decides and the new content is written with osx_atomic_write
 * (opts as there: durable on request).  A lock on the target itself would
 * not work: the rename puts a new inode there, and the lock stays on the
 * old one.  Waits for the lock while another update runs.  Returns 0
 * (modify returned 0 or 1) or -1, with *state (may be NULL) as
 * osx_atomic_write sets it; UNCHANGED when modify returned 1.
 * Safety: MT-Safe, AS-Unsafe, blocks (on the lock file, and on filesystem I/O).
 */
OSX_API int osx_atomic_update(const char *path, osx_atomic_modify_fn modify, void *arg,
			      const osx_atomic_options *opts, osx_atomic_state *state,
			      osx_error *err) OSX_NONNULL(1, 2);

/*
 * Many files, one sync point: stage files with osx_atomic_batch_add, then
 * osx_atomic_batch_commit puts them all in place.  With OSX_ATOMIC_DURABLE
 * the data of all of them is flushed together before the first rename and
 * each directory touched is fsynced once after the last, instead of two
 * flushes per file.  Each file on its own is replaced atomically (old or
 * new, whatever the crash); the batch as a whole is not a transaction: a
 * crash or a failure midway can leave some files new and the rest old.
 * Each staged file holds two fds until the commit.  Not thread-safe.
 */
typedef struct osx_atomic_batch osx_atomic_batch;

/* Create an empty batch of atomic writes.  flags are OSX_ATOMIC_DURABLE
 * or 0 (each file's own options are given to osx_atomic_batch_add).  Returns NULL on
 * failure (ENOMEM, EINVAL for an unknown flag).
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_atomic_batch *osx_atomic_batch_new(unsigned flags, osx_error *err);
/* Stage the atomic replacement of path with data[0..len).  path is
 * relative to dirfd (AT_FDCWD allowed); the temp file is created and
 * written now, nothing is renamed.  opts as for osx_atomic_write except OSX_ATOMIC_DURABLE, which
 * is the batch's.  Returns 0 or -1; a failed add leaves the batch as it was.
 * Safety: MT-Unsafe (race:b), AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API int osx_atomic_batch_add(osx_atomic_batch *b, int dirfd, const char *path,
				 const void *data, size_t len, const osx_atomic_options *opts,
				 osx_error *err) OSX_NONNULL(1, 3);
/* Put every staged file in place, in the order added, and free the batch.
 * A failure stops at that file: the files before it are replaced, it and
 * the rest are not (their temps removed).  states, when non-NULL, gets one
 * osx_atomic_state per staged file, in the order added.  Returns 0 or -1.
 * Safety: MT-Unsafe (race:b), AS-Unsafe, blocks (on filesystem I/O; durable: disk flushes).
 */
OSX_API int osx_atomic_batch_commit(osx_atomic_batch *b, osx_atomic_state *states,
				    osx_error *err) OSX_NONNULL(1);
/* Drop every staged file and free the batch.  The temps are removed, the
 * targets untouched.  NULL is allowed.
 * Safety: MT-Unsafe (race:b), AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API void osx_atomic_batch_abort(osx_atomic_batch *b);

OSX_END_DECLS

#endif
