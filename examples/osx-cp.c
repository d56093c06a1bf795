/*
 * osx-cp SRC DST: copy a file with osx_copy_fd (copy_file_range, sendfile
 * or a read/write loop, whichever the filesystems allow), preserving its
 * permission bits and its holes.  DST is created or overwritten, but only
 * once SRC is open and known not to be a directory, and never when DST is
 * SRC itself (a hard link or a symlink to it): that is refused as cp(1)
 * refuses it.  Errors are printed the way Python prints an OSError; exit
 * status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-cp",
	"Usage: osx-cp [--] SRC DST\n"
	"Copy the file SRC to DST, keeping its permission bits and its holes.\n"
	"  --help     display this help and exit\n"
	"  --version  output version information and exit\n",
	1,
};

static int fail(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-cp: %s\n", msg);
	return 1;
}

/* Copy only the data extents of src (SEEK_DATA/SEEK_HOLE), skipping over
 * the holes in dst, and set dst's size last: a sparse file stays sparse,
 * as with cp --sparse=auto.  dst is empty and both offsets are 0. */
static int copy_sparse(int src, int dst, int64_t size, osx_error *err)
{
	int64_t data = 0, hole;

	for (;;) {
		data = osx_lseek(src, data, SEEK_DATA, err);
		if (data < 0 && err->code == ENXIO) /* only a hole is left */
			break;
		if (data < 0 || (hole = osx_lseek(src, data, SEEK_HOLE, err)) < 0 ||
		    osx_lseek(src, data, SEEK_SET, err) < 0 ||
		    osx_lseek(dst, data, SEEK_SET, err) < 0 ||
		    osx_copy_fd(src, dst, hole - data, NULL, err) < 0)
			return -1;
		data = hole;
	}
	return osx_ftruncate(dst, size, err);
}

/* Empty dst (a regular file; a device or FIFO is written as it is) and
 * give it src's permission bits: open's mode is filtered by the umask and
 * ignored for an existing file, so they are set, as cp -p does. */
static int prepare(int dst, const osx_stat_result *dst_st, mode_t mode, osx_error *err)
{
	if (!S_ISREG(dst_st->mode))
		return 0;
	if (osx_ftruncate(dst, 0, err) < 0)
		return -1;
	return osx_fchmod(dst, mode, err);
}

static int copy(int src, const osx_stat_result *st, int dst, const osx_stat_result *dst_st,
		osx_error *err)
{
	if (S_ISREG(st->mode) && S_ISREG(dst_st->mode) && st->blocks * 512 < st->size)
		return copy_sparse(src, dst, st->size, err);
	return osx_copy_fd(src, dst, -1, NULL, err) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONG_OPTIONS, {NULL, 0, NULL, 0}};
	osx_stat_result st, dst_st;
	const char *from, *to;
	osx_error err;
	char a[2 * OSX_ERROR_NAME_MAX], b[2 * OSX_ERROR_NAME_MAX];
	int c, r, src, dst, status = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		tool_option(&tool, c);
	if (argc - optind < 2)
		tool_usage_error(&tool, optind == argc ? "missing file operand"
						       : "missing destination file operand");
	if (argc - optind > 2)
		tool_usage_error(&tool, "extra operand");
	from = argv[optind];
	to = argv[optind + 1];

	/* SRC first: DST is not touched unless SRC can be copied. */
	if ((src = osx_open(from, O_RDONLY | O_NOCTTY, 0, &err)) < 0)
		return fail(&err);
	r = osx_fstat(src, &st, &err);
	if (r == 0 && S_ISDIR(st.mode)) /* Python's open() says the same */
		r = osx_error_set(&err, EISDIR, "open", NULL, NULL);
	if (r < 0) {
		osx_error_set(&err, err.code, err.call, from, NULL);
		osx_close(src, NULL);
		return fail(&err);
	}
	/* No O_TRUNC: DST may be SRC under another name (a hard link, a
	 * symlink), which only its inode tells. */
	dst = osx_open(to, O_WRONLY | O_CREAT | O_NOCTTY, (mode_t)(st.mode & 07777), &err);
	if (dst < 0) {
		osx_close(src, NULL);
		return fail(&err);
	}
	r = osx_fstat(dst, &dst_st, &err);
	if (r == 0 && osx_samestat(&st, &dst_st)) {
		osx_repr(from, strlen(from), a, sizeof(a));
		osx_repr(to, strlen(to), b, sizeof(b));
		fprintf(stderr, "osx-cp: %s and %s are the same file\n", a, b);
		status = 1;
	} else if (r < 0 || prepare(dst, &dst_st, (mode_t)(st.mode & 07777), &err) < 0) {
		osx_error_set(&err, err.code, err.call, to, NULL);
		status = fail(&err);
	} else if (copy(src, &st, dst, &dst_st, &err) < 0) {
		osx_error_set(&err, err.code, err.call, from, to);
		status = fail(&err);
	}
	osx_close(src, NULL);
	if (osx_close(dst, &err) < 0 && !status) {
		osx_error_set(&err, err.code, err.call, to, NULL);
		status = fail(&err);
	}
	return status;
}
