/*
 * osx-env: env(1) on libosx.
 *
 *   osx-env [-i] [-u NAME]... [--] [NAME=VALUE]... [COMMAND [ARG]...]
 *
 * Without a command it prints the resulting environment, one NAME=VALUE a
 * line; with one it runs the command in it with osx_spawn, searching the
 * PATH of the new environment as env(1) does, and exits with its status.
 * The environment is built in an osx_env object: the process's own is
 * never changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-env",
	"Usage: osx-env [-i] [-u NAME]... [--] [NAME=VALUE]... [COMMAND [ARG]...]\n"
	"Run COMMAND in the modified environment, or print that environment.\n"
	"  -i, --ignore-environment  start with an empty environment\n"
	"  -u, --unset=NAME          remove NAME from the environment\n"
	"  --help                    display this help and exit\n"
	"  --version                 output version information and exit\n"
	"Exit status: 125 if osx-env fails, 126 if COMMAND cannot be run, 127 if it\n"
	"is not found, 128+N if it is killed by signal N, else COMMAND's status.\n",
	125,
};

static int fail(const char *what, const osx_error *err, osx_env *env)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 64];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-env: %s: %s\n", what, msg);
	osx_env_free(env);
	return 125;
}

/* Run argv in envp with osx_spawn (PATH searched in envp, as env(1)
 * does) and turn the outcome into env(1)'s exit status: the command's
 * own, 128 + N when killed by signal N, 127 when it was not found, 126
 * when it could not be run. */
static int run(char **argv, char **envp)
{
	osx_spawn_attr *attr;
	osx_wait_status st;
	osx_child child;
	osx_error err;
	char msg[2 * OSX_ERROR_NAME_MAX + 64];
	int r;

	if (!(attr = osx_spawn_attr_new(&err))) {
		osx_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "osx-env: %s\n", msg);
		return 125;
	}
	osx_spawn_attr_set_argv(attr, argv, NULL);
	osx_spawn_attr_set_envp(attr, envp, NULL);
	osx_spawn_attr_set_search_path(attr, 1, NULL);
	osx_spawn_attr_set_close_fds(attr, 0, NULL); /* env(1) passes every open fd on */
	/* env(1) leaves the dispositions it was given alone. */
	osx_spawn_attr_set_restore_signals(attr, 0, NULL);
	r = osx_spawn(attr, &child, &err);
	osx_spawn_attr_free(attr);
	if (r < 0) {
		osx_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "osx-env: %s\n", msg);
		return tool_spawn_status(&err);
	}
	if (osx_child_wait(&child, &st, &err) < 0) {
		osx_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "osx-env: %s\n", msg);
		return 125;
	}
	return tool_child_status(&st);
}

int main(int argc, char **argv)
{
	const char *name, *value;
	osx_env *env = NULL;
	osx_error err;
	char **envp;
	size_t pos = 0;
	int opt, e;
	static const struct option longopts[] = {
		{"ignore-environment", no_argument, NULL, 'i'},
		{"unset", required_argument, NULL, 'u'},
		TOOL_LONG_OPTIONS,
		{NULL, 0, NULL, 0},
	};

	/* "+": stop at the first operand, so the command keeps its options. */
	while ((opt = getopt_long(argc, argv, "+iu:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			osx_env_free(env);
			env = osx_env_new(&err);
			if (!env)
				return fail("new", &err, NULL);
			break;
		case 'u':
			if (!env && !(env = osx_env_snapshot(&err)))
				return fail("snapshot", &err, NULL);
			if (osx_env_unset(env, optarg, &err) < 0)
				return fail("cannot unset", &err, env);
			break;
		default:
			osx_env_free(env);
			tool_option(&tool, opt);
		}
	}
	if (!env && !(env = osx_env_snapshot(&err)))
		return fail("snapshot", &err, NULL);
	for (; optind < argc && strchr(argv[optind], '='); optind++)
		if (osx_env_put(env, argv[optind], &err) < 0)
			return fail("cannot set", &err, env);

	if (optind == argc) {
		while (osx_env_next(env, &pos, &name, &value))
			printf("%s=%s\n", name, value);
		osx_env_free(env);
		return fflush(stdout) == 0 ? 0 : 125;
	}
	envp = osx_env_envp(env, &err);
	if (!envp)
		return fail("envp", &err, env);
	e = run(argv + optind, envp);
	osx_env_free(env);
	return e;
}
