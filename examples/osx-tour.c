/*
 * osx-tour [--] [DIR]: a short end-to-end run through libosx, the README's main
 * example.  In DIR (default: a fresh directory under /tmp, removed at the
 * end) it
 *   1. builds a child environment from a snapshot, without touching ours,
 *      and expands a path with it;
 *   2. writes a config file atomically and durably, then replaces it again;
 *   3. reads it back whole, copies it in the kernel, locks the copy;
 *   4. shows what a failure looks like: Python's OSError text.
 * Every step prints one line; any unexpected failure exits 1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-tour",
	"Usage: osx-tour [--] [DIR]\n"
	"A short run through libosx in DIR (default: a fresh directory under /tmp,\n"
	"removed at the end): environment, atomic writes, a copy, a lock, an error.\n"
	"  --help     display this help and exit\n"
	"  --version  output version information and exit\n",
	1,
};

_Noreturn static void die(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format_call(err, msg, sizeof(msg));
	fprintf(stderr, "osx-tour: %s\n", msg);
	exit(1);
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONG_OPTIONS, {NULL, 0, NULL, 0}};
	char tmpl[] = "/tmp/osx-tour-XXXXXX", conf[4200], copy[4200];
	const char *dir;
	osx_atomic_options durable = {OSX_ATOMIC_DURABLE, 0};
	osx_error err;
	osx_env *env;
	char *text, *expanded;
	size_t len;
	int src, dst;
	off_t copied;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		tool_option(&tool, c);
	if (argc - optind > 1)
		tool_usage_error(&tool, "extra operand");
	dir = optind < argc ? argv[optind] : mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	path_in(conf, sizeof(conf), dir, "app.conf");
	path_in(copy, sizeof(copy), dir, "app.conf.bak");

	/* 1. An environment for a child: a snapshot, changed freely. */
	if (!(env = osx_env_snapshot(&err)) || osx_env_set(env, "APP_HOME", dir, &err) < 0 ||
	    !(expanded = osx_expandvars("$APP_HOME/app.conf", env, &err)))
		die(&err);
	printf("env:     %zu variables, $APP_HOME/app.conf -> %s (our environ untouched: %s)\n",
	       osx_env_len(env), expanded, getenv("APP_HOME") ? "no" : "yes");
	free(expanded);

	/* 2. Whole files or nothing, even through a crash. */
	if (osx_atomic_write(conf, "level = 1\n", 10, &durable, NULL, &err) < 0 ||
	    osx_atomic_write(conf, "level = 2\nname = tour\n", 22, &durable, NULL, &err) < 0)
		die(&err);
	printf("replace: %s written twice, atomically and durably\n", conf);

	/* 3. Read it back, copy it in the kernel, lock the copy. */
	if (!(text = osx_read_file(conf, &len, &err)))
		die(&err);
	printf("read:    %zu bytes, first line \"%.*s\"\n", len, (int)strcspn(text, "\n"), text);
	free(text);
	if ((src = osx_open(conf, O_RDONLY, 0, &err)) < 0 ||
	    (dst = osx_open(copy, O_RDWR | O_CREAT | O_TRUNC, 0600, &err)) < 0 ||
	    (copied = osx_copy_fd(src, dst, -1, NULL, &err)) < 0 ||
	    osx_lock(dst, 0, 0, OSX_LOCK_NOWAIT, &err) < 0)
		die(&err);
	printf("copy:    %lld bytes to %s, locked (fd %d is close-on-exec: %s)\n", (long long)copied,
	       copy, dst, osx_get_inheritable(dst, NULL) ? "no" : "yes");
	osx_close(src, NULL);
	osx_close(dst, NULL);

	/* 4. Failures carry errno, the call and the file names. */
	if (osx_rename_noreplace(copy, conf, &err) == 0)
		return 1;
	{
		char msg[2 * OSX_ERROR_NAME_MAX + 128];
		osx_error_format(&err, msg, sizeof(msg));
		printf("error:   %s\n", msg);
	}

	osx_env_free(env);
	if (optind == argc) {
		unlink(conf);
		unlink(copy);
		rmdir(dir);
	}
	return 0;
}
