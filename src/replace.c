/* Renames: os.replace / os.rename and the renameat2 flags. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* RENAME_NOREPLACE, RENAME_EXCHANGE */

#include <osx/replace.h>

#include "fail.h"
#include "shim.h"

/* One renameat2 with both names in the error.  No fallback for the flags:
 * where a filesystem refuses them the kernel's EINVAL is the answer, as in
 * Python; emulating NOREPLACE with link+unlink would not be atomic for
 * directories and would change the failure modes. */
static int rename2(int srcdir, const char *src, int dstdir, const char *dst,
		   unsigned flags, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (!src || !dst) {
		osx__fail_set(&f, EINVAL, "renameat2", src, dst);
	} else {
		int r = osx__sys_renameat2(srcdir, src, dstdir, dst, flags);
		if (r == 0)
			return 0;
		osx__fail_set(&f, r, "renameat2", src, dst);
	}
	return osx__fail_report(&f, err);
}

int osx_replaceat(int srcdir, const char *src, int dstdir, const char *dst, osx_error *err)
{
	return rename2(srcdir, src, dstdir, dst, 0, err);
}

int osx_renameat(int srcdir, const char *src, int dstdir, const char *dst, osx_error *err)
{
	return rename2(srcdir, src, dstdir, dst, 0, err);
}

int osx_rename_noreplaceat(int srcdir, const char *src, int dstdir, const char *dst,
			   osx_error *err)
{
	return rename2(srcdir, src, dstdir, dst, RENAME_NOREPLACE, err);
}

int osx_exchangeat(int adir, const char *a, int bdir, const char *b, osx_error *err)
{
	return rename2(adir, a, bdir, b, RENAME_EXCHANGE, err);
}

int osx_replace(const char *src, const char *dst, osx_error *err)
{
	return rename2(AT_FDCWD, src, AT_FDCWD, dst, 0, err);
}

int osx_rename(const char *src, const char *dst, osx_error *err)
{
	return rename2(AT_FDCWD, src, AT_FDCWD, dst, 0, err);
}

int osx_rename_noreplace(const char *src, const char *dst, osx_error *err)
{
	return rename2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE, err);
}

int osx_exchange(const char *a, const char *b, osx_error *err)
{
	return rename2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE, err);
}
