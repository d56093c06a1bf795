/*
 * osx-cat [FILE|-]...: concatenate files to standard output, like cat(1),
 * with osx_read/osx_write_all (short writes and EINTR handled).  No
 * argument, or "-", reads standard input.  Errors are printed the way
 * Python prints an OSError; the exit status is 1 if any file failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

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
	static const char *stdin_only[] = {"-"};
	const char **files = argc > 1 ? (const char **)argv + 1 : stdin_only;
	int i, n = argc > 1 ? argc - 1 : 1, status = 0;
	osx_error err;

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
