/*
 * The command line conventions every osx-* tool shares with coreutils:
 * --help prints the usage to stdout and exits 0, --version prints the
 * version and exits 0, "--" ends the options (getopt_long does that), and
 * a bad option or operand prints the usage hint to stderr and exits with
 * the tool's usage status (1 for most tools, 125 for env-like ones, whose
 * other statuses are the command's).
 */
#ifndef OSX_TOOL_H
#define OSX_TOOL_H

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

/* getopt_long values of the shared options, out of the range of chars. */
enum { TOOL_HELP = 0x100, TOOL_VERSION };
#define TOOL_LONG_OPTIONS \
	{"help", no_argument, NULL, TOOL_HELP}, {"version", no_argument, NULL, TOOL_VERSION}

struct tool {
	const char *name;  /* "osx-cp" */
	const char *usage; /* the synopsis and option lines, '\n'-terminated */
	int usage_status;  /* exit status for a bad command line */
};

static inline OSX_NORETURN void tool_exit_ok(void)
{
	exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
}

/* A bad command line: what is wrong (msg may be NULL when getopt has said
 * it already), the hint, and the usage status. */
static inline OSX_NORETURN void tool_usage_error(const struct tool *t, const char *msg)
{
	if (msg)
		fprintf(stderr, "%s: %s\n", t->name, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", t->name);
	exit(t->usage_status);
}

/* Handle a getopt_long result the tool has no case of its own for:
 * --help, --version, and '?' (an unknown option or a missing argument,
 * which getopt has reported).  Exits in every case. */
static inline OSX_NORETURN void tool_option(const struct tool *t, int c)
{
	switch (c) {
	case TOOL_HELP:
		fputs(t->usage, stdout);
		tool_exit_ok();
	case TOOL_VERSION:
		printf("%s (libosx) %s\n", t->name, osx_version());
		tool_exit_ok();
	}
	tool_usage_error(t, NULL);
}

/* For env-like tools (osx-env, osx-run), env(1)'s and timeout(1)'s exit
 * status when the command could not be started: 127 when it was not
 * found, 126 when it was found but could not be run, 125 when what failed
 * was not the exec (a chdir, the tool's own work). */
static inline int tool_spawn_status(const osx_error *err)
{
	if (!err->call || strcmp(err->call, "execve") != 0)
		return 125;
	return err->code == ENOENT ? 127 : 126;
}

/* The exit status that passes a child's on: its exit code, or 128 + N
 * when it was killed by signal N (what a shell reports). */
static inline int tool_child_status(const osx_wait_status *st)
{
	return st->signaled ? 128 + st->signal : st->code;
}

#endif
