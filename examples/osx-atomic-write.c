/*
 * osx-atomic-write [--durable] [--mode MODE] [--] TARGET: read stdin and
 * atomically replace TARGET with it.  A reader of TARGET, or the disk after
 * a crash, sees the old content or all of the new.  MODE (octal, umask
 * applies) is for a new file; an existing file keeps its mode and owner.
 * Errors are printed as Python's OSError; the exit status is then 1 (2
 * for a bad command line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-atomic-write",
	"Usage: osx-atomic-write [--durable] [--mode MODE] [--] TARGET\n"
	"Replace TARGET atomically with standard input: a reader, or the disk after\n"
	"a crash, sees the old content or all of the new.\n"
	"  --durable    fsync the data and the directory\n"
	"  --mode MODE  octal permission bits for a new TARGET (umask applies);\n"
	"               an existing TARGET keeps its mode and owner\n"
	"  --help       display this help and exit\n"
	"  --version    output version information and exit\n",
	2,
};

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
	static const struct option longopts[] = {
		{"durable", no_argument, NULL, 'd'},
		{"mode", required_argument, NULL, 'm'},
		TOOL_LONG_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	osx_atomic_writer *w;
	osx_error err;
	unsigned long m;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opts.flags |= OSX_ATOMIC_DURABLE;
			break;
		case 'm':
			m = strtoul(optarg, &end, 8);
			if (*end || end == optarg || m > 07777 || optarg[0] == '-')
				tool_usage_error(&tool, "MODE is octal, at most 7777");
			opts.flags |= OSX_ATOMIC_MODE;
			opts.mode = (mode_t)m;
			break;
		default:
			tool_option(&tool, c);
		}
	}
	if (argc - optind != 1)
		tool_usage_error(&tool, optind == argc ? "missing TARGET" : "extra operand");
	w = osx_atomic_begin(argv[optind], &opts, &err);
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
