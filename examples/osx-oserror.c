/*
 * osx-oserror [--] ERRNO [NAME [NAME2]]: print what Python's OSError would say,
 * e.g. `osx-oserror 2 missing.txt` prints
 *   [Errno 2] No such file or directory: 'missing.txt'
 * ERRNO may also be a symbolic name such as ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-oserror",
	"Usage: osx-oserror [--] ERRNO [NAME [NAME2]]\n"
	"Print what Python's OSError says for ERRNO (a number or a name such as\n"
	"ENOENT) and the file names, e.g. [Errno 2] No such file or directory: 'x'\n"
	"  --help     display this help and exit\n"
	"  --version  output version information and exit\n",
	2,
};

static const struct { const char *name; int code; } symbols[] = {
	{"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EINTR", EINTR}, {"EIO", EIO},
	{"EBADF", EBADF}, {"ECHILD", ECHILD}, {"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM},
	{"EACCES", EACCES}, {"EEXIST", EEXIST}, {"EXDEV", EXDEV}, {"ENOTDIR", ENOTDIR},
	{"EISDIR", EISDIR}, {"EINVAL", EINVAL}, {"EMFILE", EMFILE}, {"ENOSPC", ENOSPC},
	{"EROFS", EROFS}, {"EPIPE", EPIPE}, {"ENAMETOOLONG", ENAMETOOLONG},
	{"ENOTEMPTY", ENOTEMPTY}, {"ELOOP", ELOOP}, {"ENOSYS", ENOSYS},
};

static int parse_errno(const char *s, int *code)
{
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strcmp(s, symbols[i].name) == 0)
			return *code = symbols[i].code, 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 4095)
		return -1;
	*code = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONG_OPTIONS, {NULL, 0, NULL, 0}};
	osx_error err;
	char text[4096];
	int c, code, n;

	/* "+": a NAME may start with '-'. */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1)
		tool_option(&tool, c);
	argv += optind;
	n = argc - optind;
	if (n < 1 || n > 3 || parse_errno(argv[0], &code) < 0)
		tool_usage_error(&tool, n < 1 ? "missing ERRNO" : n > 3 ? "extra operand"
									: "ERRNO is not an errno");
	osx_error_set(&err, code, NULL, n > 1 ? argv[1] : NULL, n > 2 ? argv[2] : NULL);
	osx_error_format(&err, text, sizeof(text));
	puts(text);
	return 0;
}
