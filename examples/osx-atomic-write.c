/*
 * osx-atomic-write [--durable] [--mode MODE] TARGET: read stdin and
 * atomically replace TARGET with it.  A reader of TARGET, or the disk after
 * a crash, sees the old content or all of the new.  MODE (octal, umask
 * applies) is for a new file; an existing file keeps its mode and owner.
 * Errors are printed as Python's OSError; the exit status is then 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

static int usage(void)
{
	fputs("usage: osx-atomic-write [--durable] [--mode MODE] TARGET\n", stderr);
	return 2;
}

static int report(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-atomic-write: %s\n", msg);
	return 1;
}

/* Copy stdin into the writer's fd. */
static int pump(osx_atomic_writer *w, osx_error *err)
{
	char buf[128 * 1024];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return osx_error_set(err, errno, "read", "<stdin>", NULL);
		}
		if (osx_atomic_writer_write(w, buf, (size_t)n, err) < 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	osx_atomic_options opts = {OSX_ATOMIC_KEEP_MODE, 0};
	osx_atomic_writer *w;
	osx_error err;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--durable")) {
			opts.flags |= OSX_ATOMIC_DURABLE;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc - 1) {
			char *end;
			unsigned long m = strtoul(argv[++i], &end, 8);
			if (*end || end == argv[i] || m > 07777)
				return usage();
			opts.flags |= OSX_ATOMIC_MODE;
			opts.mode = (mode_t)m;
		} else {
			return usage();
		}
	}
	if (i != argc - 1 || argv[i][0] == '-')
		return usage();
	w = osx_atomic_begin(argv[i], &opts, &err);
	if (!w)
		return report(&err);
	if (pump(w, &err) < 0) {
		osx_atomic_abort(w);
		return report(&err);
	}
	if (osx_atomic_commit(w, NULL, &err) < 0)
		return report(&err);
	return 0;
}
