/* osx-mkdir: mkdir(1) with -p and -m on osx_mkdir.
 *
 *   osx-mkdir [-p] [-m MODE] DIR...
 *
 * MODE is octal.  As GNU mkdir: -m gives each DIR exactly MODE (not
 * reduced by the umask); with -p the missing parents get the umask's mode
 * plus u+wx (so the tool can go on creating below them), and a DIR that
 * is already a directory is no error.  Exit 1 if any DIR failed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

#include "tool.h"

static int failed(const osx_error *err)
{
	char msg[2200];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-mkdir: %s\n", msg);
	return 1;
}

/* Create one directory.  mode < 0: 0777 less the umask. */
static int make(const char *path, long mode, int exist_ok, osx_error *err)
{
	if (osx_mkdir(OSX_AT_CWD, path, mode < 0 ? 0777 : (mode_t)mode, err) < 0) {
		if (err->code == EEXIST && exist_ok && osx_isdir(OSX_AT_CWD, path, NULL) == 1)
			return 0;
		return -1;
	}
	/* mkdir(2) applies the umask; -m means exactly MODE. */
	if (mode >= 0 && osx_chmod(OSX_AT_CWD, path, (mode_t)mode, 1, err) < 0)
		return -1;
	return 1;
}

/* mkdir -p: each missing parent in turn, then path itself. */
static int make_parents(const char *path, long mode, mode_t umask_, osx_error *err)
{
	size_t len = strlen(path), i;
	char *p = malloc(len + 1);
	long parent = (long)((0777 & ~umask_) | 0300);
	int r = 0;

	if (!p)
		return osx_error_set(err, ENOMEM, "malloc", path, NULL);
	memcpy(p, path, len + 1);
	while (len > 1 && p[len - 1] == '/') /* "a/b/": its last component is b */
		len--;
	for (i = 1; i < len && r >= 0; i++) {
		if (p[i] != '/' || p[i - 1] == '/')
			continue;
		p[i] = '\0';
		/* Made with the umask's mode, then u+wx added if it lacked it. */
		r = make(p, -1, 1, err);
		if (r == 1 && (long)(0777 & ~umask_) != parent)
			r = osx_chmod(OSX_AT_CWD, p, (mode_t)parent, 1, err);
		p[i] = '/';
	}
	free(p);
	return r < 0 ? -1 : make(path, mode, 1, err);
}

static const struct tool tool = {
	"osx-mkdir",
	"Usage: osx-mkdir [-p] [-m MODE] [--] DIR...\n"
	"Create each DIR, as mkdir(1).\n"
	"  -p, --parents    no error if existing, make parent directories as needed\n"
	"  -m, --mode=MODE  set the mode (octal) of each DIR, not reduced by the umask\n"
	"      --help       display this help and exit\n"
	"      --version    output version information and exit\n",
	1,
};

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"parents", no_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'},
		TOOL_LONG_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	int parents = 0, status = 0, c, i;
	long mode = -1;
	mode_t um;
	char *end;

	while ((c = getopt_long(argc, argv, "pm:", longs, NULL)) != -1) {
		if (c == 'p') {
			parents = 1;
		} else if (c == 'm') {
			mode = strtol(optarg, &end, 8);
			if (!*optarg || *end || mode < 0 || mode > 07777) {
				fprintf(stderr, "osx-mkdir: invalid mode '%s'\n", optarg);
				return 1;
			}
		} else {
			tool_option(&tool, c);
		}
	}
	if (optind == argc)
		tool_usage_error(&tool, "missing operand");
	um = osx_umask(0);
	osx_umask(um);
	for (i = optind; i < argc; i++) {
		osx_error err;
		int r = parents ? make_parents(argv[i], mode, um, &err)
				: make(argv[i], mode, 0, &err);

		if (r < 0)
			status = failed(&err);
	}
	return status;
}
