/*
 * osx-cp SRC DST: copy a regular file with osx_copy_fd (copy_file_range,
 * sendfile or a read/write loop, whichever the filesystems allow),
 * preserving its permission bits.  DST is created or truncated.  Errors
 * are printed the way Python prints an OSError; exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <osx/osx.h>

static int fail(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-cp: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	osx_stat_result st;
	osx_error err;
	int src, dst, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: osx-cp SRC DST\n");
		return 2;
	}
	if ((src = osx_open(argv[1], O_RDONLY | O_NOCTTY, 0, &err)) < 0)
		return fail(&err);
	if (osx_fstat(src, &st, &err) < 0) {
		osx_error_set(&err, err.code, err.call, argv[1], NULL);
		osx_close(src, NULL);
		return fail(&err);
	}
	dst = osx_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, st.mode & 07777, &err);
	if (dst < 0) {
		osx_close(src, NULL);
		return fail(&err);
	}
	/* open's mode is filtered by the umask and ignored for an existing
	 * DST: set the bits explicitly, as cp -p does for the mode. */
	if (fchmod(dst, st.mode & 07777) < 0) {
		osx_error_set(&err, errno, "fchmod", argv[2], NULL);
		status = fail(&err);
	} else if (osx_copy_fd(src, dst, -1, NULL, &err) < 0) {
		osx_error_set(&err, err.code, err.call, argv[1], argv[2]);
		status = fail(&err);
	}
	osx_close(src, NULL);
	if (osx_close(dst, &err) < 0 && !status) {
		osx_error_set(&err, err.code, err.call, argv[2], NULL);
		status = fail(&err);
	}
	return status;
}
