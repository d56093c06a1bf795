/* osx-run: run a command with libosx's osx_spawn/osx_run and print its
 * decoded status.
 *   osx-run [-C dir] [-i] [-e NAME=VALUE]... [-I infile] [-O outfile]
 *           [-t timeout_ms] [-c] [-p] -- program [args...]
 * -i starts from an empty environment, -e sets a variable (in an osx_env:
 * our own environment is never touched), -p searches
 * PATH, -c captures stdout/stderr (osx_run) and prints their sizes;
 * -t alone also goes through osx_run and copies the output through. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

static void die(const osx_error *err)
{
	char buf[512];

	osx_error_format_call(err, buf, sizeof(buf));
	fprintf(stderr, "osx-run: %s\n", buf);
	exit(125);
}

static void print_status(const osx_wait_status *st)
{
	if (st->exited)
		printf("exited %d", st->code);
	else if (st->signaled)
		printf("killed by signal %d%s", st->signal, st->core_dumped ? " (core dumped)" : "");
	printf(" returncode=%d\n", st->returncode);
}

int main(int argc, char **argv)
{
	osx_spawn_attr *a;
	osx_error err;
	osx_env *env = NULL;
	char **envp;
	int capture = 0, timeout = -1, opt, in = -1, out = -1;

	if (!(a = osx_spawn_attr_new(&err)))
		die(&err);
	while ((opt = getopt(argc, argv, "C:ie:I:O:t:cp")) != -1) {
		switch (opt) {
		case 'C': osx_spawn_attr_set_cwd(a, optarg, NULL); break;
		case 'i': /* start over from an empty environment */
			osx_env_free(env);
			if (!(env = osx_env_new(&err)))
				die(&err);
			break;
		case 'e': /* NAME=VALUE on top of our environment (or -i's) */
			if ((!env && !(env = osx_env_snapshot(&err))) ||
			    osx_env_put(env, optarg, &err) < 0)
				die(&err);
			break;
		case 'I':
			if ((in = open(optarg, O_RDONLY | O_CLOEXEC)) < 0) {
				perror(optarg);
				return 125;
			}
			osx_spawn_attr_set_stdio(a, 0, in, NULL);
			break;
		case 'O':
			out = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
			if (out < 0) {
				perror(optarg);
				return 125;
			}
			osx_spawn_attr_set_stdio(a, 1, out, NULL);
			break;
		case 't': timeout = atoi(optarg); break;
		case 'c': capture = 1; break;
		case 'p': osx_spawn_attr_set_search_path(a, 1, NULL); break;
		default: return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: osx-run [-C dir] [-i] [-e N=V]... [-I in] [-O out] "
				"[-t ms] [-c] [-p] -- program [args...]\n");
		return 125;
	}
	osx_spawn_attr_set_argv(a, argv + optind, NULL);
	/* Without -i or -e the child inherits our environment (envp NULL). */
	if (env) {
		if (!(envp = osx_env_envp(env, &err)))
			die(&err);
		osx_spawn_attr_set_envp(a, envp, NULL);
	}
	if (capture || timeout >= 0) {
		osx_run_result res;

		if (osx_run(a, NULL, 0, timeout, &res, &err) < 0)
			die(&err);
		if (capture)
			printf("stdout: %zu bytes, stderr: %zu bytes\n", res.out_len, res.err_len);
		else {
			fwrite(res.out, 1, res.out_len, stdout);
			fwrite(res.err, 1, res.err_len, stderr);
		}
		if (res.timed_out)
			printf("timed out after %d ms\n", timeout);
		print_status(&res.status);
		osx_run_result_free(&res);
	} else {
		osx_child ch;
		osx_wait_status st;

		if (osx_spawn(a, &ch, &err) < 0 || osx_child_wait(&ch, &st, &err) < 0)
			die(&err);
		print_status(&st);
	}
	osx_spawn_attr_free(a);
	osx_env_free(env);
	return 0;
}
