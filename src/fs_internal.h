/* Internal to the fs area, shared with the areas that stat (fd.c's
 * osx_fstat, scandir.c's osx_dirent_stat). */
#ifndef OSX_FS_INTERNAL_H
#define OSX_FS_INTERNAL_H

#include <osx/fs.h>

#include "fail.h"

/*
 * Stat path relative to dirfd with fstatat(2)'s flags into *st: statx,
 * or fstatat where the kernel (or a seccomp policy: ENOSYS, EPERM) has no
 * statx.  On failure records the failing call and name in *f and returns
 * -1.
 */
int osx__statat(int dirfd, const char *path, int flags, osx_stat_result *st,
		osx__fail *f, const char *name);

#endif
