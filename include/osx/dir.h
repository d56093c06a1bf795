/* libosx: directory listing (Python's os.scandir and os.listdir). */
#ifndef OSX_DIR_H
#define OSX_DIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <osx/common.h>
#include <osx/error.h>
#include <osx/fs.h>

OSX_BEGIN_DECLS

typedef struct osx_scandir osx_scandir;

/* One entry, valid until the next osx_scandir_next() or the close. */
typedef struct osx_dirent {
	const char *name;     /* NUL-terminated, any bytes but '/' */
	size_t namelen;
	uint64_t ino;         /* d_ino */
	unsigned char type;   /* d_type: DT_REG, DT_DIR, DT_LNK, ... or DT_UNKNOWN */
	int dirfd;            /* the directory's fd, for *at() calls */
	/* private: the directory's path for osx_dirent_path(), and the lazily
	 * fetched stats */
	const char *dir_;
	size_t dirlen_;
	unsigned char have_lstat_, have_stat_;
	osx_stat_result lstat_, stat_;
} osx_dirent;

/* Open a directory for listing, os.scandir(path).  path NULL means ".".
 * Returns the listing (osx_scandir_close() it) or NULL.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_scandir *osx_scandir_open(const char *path, osx_error *err);
/* List the directory open as fd, Python's os.scandir(fd).  The caller's fd
 * stays open and its own; the listing starts from the beginning (the two
 * share the file offset).  Entry paths are the bare names.  Returns the
 * listing or NULL.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API osx_scandir *osx_scandir_fdopen(int fd, osx_error *err);
/* The next entry of the listing.  Returns 1 with *out the entry ("." and
 * ".." skipped), 0 at the end, -1 on error.
 * Safety: MT-Unsafe (race:sd), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_scandir_next(osx_scandir *sd, osx_dirent **out, osx_error *err) OSX_NONNULL(1, 2);
/* Close the listing and free it; its entries become invalid.  NULL is
 * allowed.
 * Safety: MT-Unsafe (race:sd), AS-Unsafe, non-blocking.
 */
OSX_API void osx_scandir_close(osx_scandir *sd);
/* The entry's path, DirEntry.path.  The directory as given, "/", the
 * name.  Written to buf as snprintf does (NUL-terminated when size > 0);
 * returns the full length, so a result >= size means buf was too small.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API size_t osx_dirent_path(const osx_dirent *e, char *buf, size_t size) OSX_NONNULL(1);
/* The stat of the entry, DirEntry.stat().  fstatat relative to the
 * directory fd, fetched once and cached; follow chooses stat or lstat
 * semantics.  Errors name the entry's path (DirEntry.path), as Python
 * does.  Returns 0 or -1.
 * Safety: MT-Unsafe (race:e), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_dirent_stat(osx_dirent *e, int follow, osx_stat_result *st, osx_error *err) OSX_NONNULL(1, 3);
/* Whether the entry is a directory, DirEntry.is_dir().  With follow a
 * symlink to one counts.  1 or 0, no syscall when d_type is known (and not a
 * followed symlink); 0 when the entry vanished; -1 on another error.
 * Safety: MT-Unsafe (race:e), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_dirent_is_dir(osx_dirent *e, int follow, osx_error *err) OSX_NONNULL(1);
/* Whether the entry is a regular file, DirEntry.is_file().  With follow
 * a symlink to one counts.  1 or 0, no syscall when d_type is known (and not a
 * followed symlink); 0 when the entry vanished; -1 on another error.
 * Safety: MT-Unsafe (race:e), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_dirent_is_file(osx_dirent *e, int follow, osx_error *err) OSX_NONNULL(1);
/* Whether the entry is a symbolic link, DirEntry.is_symlink().  1 or 0,
 * no syscall when d_type is known; 0 when the entry vanished; -1 on
 * another error.
 * Safety: MT-Unsafe (race:e), AS-Safe, blocks (on filesystem I/O).
 */
OSX_API int osx_dirent_is_symlink(osx_dirent *e, osx_error *err) OSX_NONNULL(1);

/* The names in path, os.listdir (path NULL: ".").  "." and ".." are left
 * out, the rest is in directory order, as a NULL-terminated array in ONE
 * allocation: free(names) frees all.  *count (may be NULL) gets the number
 * of names.  Returns NULL on failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API char **osx_listdir(const char *path, size_t *count, osx_error *err);

/* ---- Walking a tree: fts, Python's os.walk and os.fwalk ---- */

typedef struct osx_walk osx_walk;

/* What an osx_walk_next() event is about. */
enum {
	OSX_WALK_FILE = 1, /* not a directory (a symlink unless followed) */
	OSX_WALK_DIR,      /* a directory, before its entries (pre-order) */
	OSX_WALK_DIR_POST, /* the same directory after its entries (post-order) */
	OSX_WALK_ERROR     /* an entry that could not be visited: see .error */
};

/* osx_walk_options.flags */
enum {
	OSX_WALK_FOLLOW = 1 << 0,      /* follow every symlink (find -L); loops -> ELOOP */
	OSX_WALK_FOLLOW_ROOT = 1 << 1, /* follow the root if it is a symlink (find -H) */
	OSX_WALK_XDEV = 1 << 2,        /* do not enter directories of other filesystems */
	OSX_WALK_SORT = 1 << 3         /* each directory's entries in strcmp() order */
};

typedef struct osx_walk_options {
	unsigned flags;
	/* 0: no limit.  n: entries down to depth n are delivered (the root is
	 * depth 0); directories at depth n are delivered but not entered. */
	unsigned max_depth;
} osx_walk_options;

/* One event; valid until the next osx_walk_next() or the close. */
typedef struct osx_walk_entry {
	int event;        /* OSX_WALK_FILE, _DIR, _DIR_POST or _ERROR */
	unsigned depth;   /* 0 for the root */
	const char *path; /* the root as given, then "/" and the names below it */
	size_t pathlen;
	/* DIR and DIR_POST: the directory's own fd, for *at() calls; -1 when
	 * it is not entered (max_depth, XDEV).  Owned by the walk. */
	int fd;
	/* The entry itself: name, d_type (never followed), ino, and dirfd, the
	 * parent directory's fd, so osx_dirent_stat() and friends work on it
	 * (and reuse any stat the walk made).  For the root, name is the path
	 * as given and dirfd the walk's starting directory.  In a DIR_POST,
	 * dirfd is -1 when the parent, closed for the fd budget, could not be
	 * reopened: the parent's own DIR_POST, later, carries why. */
	osx_dirent ent;
	/* OSX_WALK_ERROR: why the entry could not be visited.  DIR_POST:
	 * error.code != 0 when reading the directory failed part-way. */
	osx_error error;
} osx_walk_entry;

/* Start a walk of root, relative to the current directory (os.walk,
 * fts_open).  opt may be NULL (no flags, no depth limit).  Fails only on
 * bad arguments (root NULL: EINVAL) or ENOMEM: a root that cannot be
 * opened is the first event, an OSX_WALK_ERROR.  Close with
 * osx_walk_close().
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_walk *osx_walk_open(const char *root, const osx_walk_options *opt,
				osx_error *err) OSX_NONNULL(1);
/* Start a walk of root relative to the directory fd dirfd (os.fwalk).
 * As osx_walk_open() otherwise (AT_FDCWD is osx_walk_open).  The walk
 * uses dirfd, never closes it: keep it open until osx_walk_close().
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_walk *osx_fwalk_open(int dirfd, const char *root,
				 const osx_walk_options *opt, osx_error *err) OSX_NONNULL(2);
/* The next event: 1 and *out points to it (valid until the next call or
 * the close); 0: the walk is over.  Errors are events (OSX_WALK_ERROR, or
 * a DIR_POST with error.code set), never a return value; -1 (errno
 * EINVAL) only for a NULL w or out.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API int osx_walk_next(osx_walk *w, osx_walk_entry **out) OSX_NONNULL(1, 2);
/* Skip the directory of the OSX_WALK_DIR event just delivered (prune).
 * Its entries and its DIR_POST are not delivered.  Ignored at any other
 * time (and for a NULL w).
 * Safety: MT-Unsafe (race:w), AS-Safe, non-blocking.
 */
OSX_API void osx_walk_prune(osx_walk *w) OSX_NONNULL(1);
/* End the walk, closing its fds and freeing it; NULL is a no-op.
 * Safety: MT-Unsafe (race:w), AS-Unsafe, non-blocking.
 */
OSX_API void osx_walk_close(osx_walk *w);

/* ---- Walking a tree with several threads ---- */

/* What an osx_walk_parallel() callback returns. */
enum {
	OSX_WALK_CONTINUE = 0, /* go on */
	OSX_WALK_SKIP = 1,     /* after a DIR event: skip its entries and POST */
	OSX_WALK_STOP = 2      /* end the whole walk: every worker stops */
};

/* A parallel walk's callback: called on the thread of the worker that
 * reached the event (worker: 0 .. threads - 1, 0 being the caller's own
 * thread), so callbacks of different workers run at the same time; one
 * worker's calls are one after another.  e and everything it points to
 * (path, fds) are valid until the callback returns. */
typedef int osx_walk_callback(osx_walk_entry *e, unsigned worker, void *arg);

/* Walk a tree on several threads, calling back for every event.
 * root is relative to dirfd (AT_FDCWD: the current directory), as for
 * osx_fwalk_open(); threads workers read directories at once (0: the CPUs
 * this process may run on, osx_process_cpu_count()), each calling
 * cb(e, worker, arg) for the events it reaches.  The same events as osx_walk_next() gives, entry for
 * entry; their order between directories is unspecified, but along every
 * path it holds: a directory's DIR before anything below it, its DIR_POST
 * after everything below it (so removing at DIR_POST works).  OSX_WALK_SORT
 * sorts each directory's entries; a large directory may be shared between
 * workers, each delivering its part in order.  Returns 0
 * when the walk is complete, 1 when a callback returned OSX_WALK_STOP
 * (every worker stopped at its next event), -1 when it could not start
 * (root or cb NULL: EINVAL; ENOMEM).  A worker thread that cannot be
 * started only means fewer workers.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O and its workers).
 */
OSX_API int osx_walk_parallel(int dirfd, const char *root, const osx_walk_options *opt,
			      unsigned threads, osx_walk_callback *cb, void *arg,
			      osx_error *err) OSX_NONNULL(2, 5);

/* ---- Removing a tree: shutil.rmtree ---- */

/* Called for each failure; the removal goes on. */
typedef void osx_rmtree_onerror(const osx_error *e, void *arg);

/* Remove path and everything below it, never following a symlink.
 * shutil.rmtree: a symlink is removed, never entered; a root that is not
 * a directory, symlink included, fails with ENOTDIR.  A path that is ".", ".." or
 * ends in "/." or "/..", or that is "/", is refused with EINVAL before
 * anything is touched (rm's rule and --preserve-root).  Entries that
 * vanish meanwhile are not errors.  onerror NULL: stop at the first
 * error.  Otherwise report each failure below the root and go on; a root
 * that cannot be removed at all (missing, not a directory, unreadable) is
 * only returned, not passed to onerror.  0 when everything is gone; else
 * -1 and err holds the first failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API int osx_rmtree(const char *path, osx_rmtree_onerror *onerror, void *arg,
		       osx_error *err) OSX_NONNULL(1);
/* Remove the tree at path relative to the directory fd dirfd.
 * As osx_rmtree() otherwise (AT_FDCWD: the current directory); dirfd
 * itself is never removed or closed.
 * Safety: MT-Safe, AS-Unsafe, blocks (on filesystem I/O).
 */
OSX_API int osx_rmtree_at(int dirfd, const char *path, osx_rmtree_onerror *onerror,
			  void *arg, osx_error *err) OSX_NONNULL(2);

OSX_END_DECLS

#endif
