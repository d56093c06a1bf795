/*
 * osx-env: env(1) on libosx.
 *
 *   osx-env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]
 *
 * Without a command it prints the resulting environment, one NAME=VALUE a
 * line; with one it runs the command in it, searching PATH (of the new
 * environment, as env(1) does) like execvpe(3).  The environment is built
 * in an osx_env object: the process's own is never changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

static int fail(const char *what, const osx_error *err, osx_env *env)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 64];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-env: %s: %s\n", what, msg);
	osx_env_free(env);
	return 125;
}

/* execvpe(3): a name without '/' is looked up in PATH; ENOENT from one
 * directory moves on to the next, EACCES is remembered. */
static int run(char **argv, char **envp, const char *path)
{
	char buf[4096];
	const char *dir, *end;
	int seen_eacces = 0;

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return errno;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (dir = path;; dir = end + 1) {
		size_t len;

		end = strchrnul(dir, ':');
		len = (size_t)(end - dir);
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, dir, len ? "/" : "",
			     argv[0]) < (int)sizeof(buf)) {
			execve(buf, argv, envp);
			if (errno == EACCES)
				seen_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		if (!*end)
			break;
	}
	return seen_eacces ? EACCES : ENOENT;
}

int main(int argc, char **argv)
{
	const char *name, *value;
	osx_env *env = NULL;
	osx_error err;
	char **envp;
	size_t pos = 0;
	int opt, e;

	/* "+": stop at the first operand, so the command keeps its options. */
	while ((opt = getopt(argc, argv, "+iu:")) != -1) {
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
			fprintf(stderr, "usage: osx-env [-i] [-u NAME]... [NAME=VALUE]... "
					"[COMMAND [ARG]...]\n");
			return 125;
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
	e = run(argv + optind, envp, osx_env_get(env, "PATH"));
	fprintf(stderr, "osx-env: '%s': %s\n", argv[optind], strerror(e));
	osx_env_free(env);
	return e == ENOENT ? 127 : 126;
}
