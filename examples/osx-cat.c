/*
 * osx-cat [--] [FILE|-]...: concatenate files to standard output, like cat(1),
 * with osx_read/osx_write_all (short writes and EINTR handled).  No
 * argument, or "-", reads standard input.  Errors are printed the way
 * Python prints an OSError; the exit status is 1 if any file failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-cat",
	"Usage: osx-cat [--] [FILE]...\n"
	"Concatenate FILE(s) to standard output; no FILE, or -, reads standard input.\n"
	"  --help     display this help and exit\n"
	"  --version  output version information and exit\n",
	1,
};

static char buf[256 * 1024];

static void report(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-cat: %s\n", msg);
}

/* Copy fd to stdout; returns 0, or -1 with err filled (name is the file). */
static int cat_fd(int fd, const char *name, osx_error *err)
{
	ssize_t n;

	while ((n = osx_read(fd, buf, sizeof(buf), err)) > 0)
		if (osx_write_all(STDOUT_FILENO, buf, (size_t)n, NULL, err) < 0)
			return osx_error_set(err, err->code, err->call, "<stdout>", NULL);
	if (n < 0)
		return osx_error_set(err, err->code, err->call, name, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONG_OPTIONS, {NULL, 0, NULL, 0}};
	static const char *stdin_only[] = {"-"};
	const char **files;
	int c, i, n, status = 0;
	osx_error err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		tool_option(&tool, c);
	files = optind < argc ? (const char **)argv + optind : stdin_only;
	n = optind < argc ? argc - optind : 1;

	for (i = 0; i < n; i++) {
		int fd = STDIN_FILENO;

		if (strcmp(files[i], "-") != 0 &&
		    (fd = osx_open(files[i], O_RDONLY | O_NOCTTY, 0, &err)) < 0) {
			report(&err);
			status = 1;
			continue;
		}
		if (cat_fd(fd, fd == STDIN_FILENO ? "<stdin>" : files[i], &err) < 0) {
			report(&err);
			status = 1;
		}
		if (fd != STDIN_FILENO)
			osx_close(fd, NULL);
	}
	return status;
}
