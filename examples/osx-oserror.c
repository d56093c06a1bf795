/*
 * osx-oserror ERRNO [NAME [NAME2]]: print what Python's OSError would say,
 * e.g. `osx-oserror 2 missing.txt` prints
 *   [Errno 2] No such file or directory: 'missing.txt'
 * ERRNO may also be a symbolic name such as ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

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
	osx_error err;
	char text[4096];
	int code;

	if (argc < 2 || argc > 4 || parse_errno(argv[1], &code) < 0) {
		fprintf(stderr, "usage: osx-oserror ERRNO [NAME [NAME2]]\n");
		return 2;
	}
	osx_error_set(&err, code, NULL, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL);
	osx_error_format(&err, text, sizeof(text));
	puts(text);
	return 0;
}
