/* libosx: directory listing (Python's os.scandir and os.listdir). */
#ifndef OSX_DIR_H
#define OSX_DIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

typedef struct osx_scandir osx_scandir;

/* One entry, valid until the next osx_scandir_next() or the close. */
typedef struct osx_dirent {
	const char *name;     /* NUL-terminated, any bytes but '/' */
	size_t namelen;
	uint64_t ino;         /* d_ino */
	unsigned char type;   /* d_type: DT_REG, DT_DIR, DT_LNK, ... or DT_UNKNOWN */
	int dirfd;            /* the directory's fd, for *at() calls */
	/* private: the lazily fetched stats */
	unsigned char have_lstat_, have_stat_;
	struct stat lstat_, stat_;
} osx_dirent;

/* Open a directory for listing.  path NULL means ".". */
OSX_API osx_scandir *osx_scandir_open(const char *path, osx_error *err);
/* 1: *out is the next entry ("." and ".." skipped); 0: end; -1: error. */
OSX_API int osx_scandir_next(osx_scandir *sd, osx_dirent **out, osx_error *err);
OSX_API void osx_scandir_close(osx_scandir *sd);
/* The stat of the entry (fstatat relative to the directory fd), fetched
 * once and cached; follow chooses stat or lstat semantics. */
OSX_API int osx_dirent_stat(osx_dirent *e, int follow, struct stat *st, osx_error *err);
/* 1 or 0, no syscall when d_type is known (and not a followed symlink);
 * 0 when the entry vanished; -1 on another error. */
OSX_API int osx_dirent_is_dir(osx_dirent *e, int follow, osx_error *err);
OSX_API int osx_dirent_is_file(osx_dirent *e, int follow, osx_error *err);
OSX_API int osx_dirent_is_symlink(osx_dirent *e, osx_error *err);

/* The names in path (NULL: "."), "." and ".." left out, in directory
 * order, as a NULL-terminated array in ONE allocation: free(names) frees
 * all.  *count (may be NULL) gets the number of names. */
OSX_API char **osx_listdir(const char *path, size_t *count, osx_error *err);

OSX_END_DECLS

#endif
