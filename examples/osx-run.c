/* osx-run: run a command with libosx's osx_spawn/osx_run and print its
 * decoded status.
 *   osx-run [-C dir] [-i] [-e NAME=VALUE]... [-I infile] [-O outfile]
 *           [-t timeout_ms] [-c] [-p] [--] program [args...]
 * -i starts from an empty environment, -e sets a variable (in an osx_env:
 * our own environment is never touched), -p searches
 * PATH, -c captures stdout/stderr (osx_run) and prints their sizes;
 * -t alone also goes through osx_run and copies the output through.
 * Options end at the program (or "--"), so its own options are its own.
 * The exit status is the program's, as with env(1) and timeout(1): its
 * exit code, 128 + N when killed by signal N, 124 when the timeout killed
 * it, 126 when it was found but could not be run, 127 when it was not
 * found, 125 when osx-run itself failed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-run",
	"Usage: osx-run [-C DIR] [-i] [-e NAME=VALUE]... [-I IN] [-O OUT] [-t MS] [-c] [-p]\n"
	"               [--] PROGRAM [ARG]...\n"
	"Run PROGRAM with osx_spawn (osx_run with -c or -t) and print its status.\n"
	"  -C DIR         run it in DIR\n"
	"  -i             start from an empty environment\n"
	"  -e NAME=VALUE  set a variable in its environment\n"
	"  -I IN, -O OUT  its standard input from IN, output to OUT\n"
	"  -t MS          kill it after MS milliseconds (exit status 124)\n"
	"  -c             capture its output and print the sizes\n"
	"  -p             search PATH for PROGRAM\n"
	"  --help         display this help and exit\n"
	"  --version      output version information and exit\n"
	"Exit status: PROGRAM's; 128+N if killed by signal N; 126 if it cannot be\n"
	"run, 127 if it is not found; 125 if osx-run fails.\n",
	125,
};

/* A failure: the message, then the exit status. */
static void die(const osx_error *err, int status)
{
	char buf[512];

	osx_error_format_call(err, buf, sizeof(buf));
	fprintf(stderr, "osx-run: %s\n", buf);
	exit(status);
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
	int capture = 0, timeout = -1, opt, in = -1, out = -1, status;
	static const struct option longopts[] = {TOOL_LONG_OPTIONS, {NULL, 0, NULL, 0}};

	if (!(a = osx_spawn_attr_new(&err)))
		die(&err, 125);
	/* "+": stop at the program, so its options are its own. */
	while ((opt = getopt_long(argc, argv, "+C:ie:I:O:t:cp", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': osx_spawn_attr_set_cwd(a, optarg, NULL); break;
		case 'i': /* start over from an empty environment */
			osx_env_free(env);
			if (!(env = osx_env_new(&err)))
				die(&err, 125);
			break;
		case 'e': /* NAME=VALUE on top of our environment (or -i's) */
			if ((!env && !(env = osx_env_snapshot(&err))) ||
			    osx_env_put(env, optarg, &err) < 0)
				die(&err, 125);
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
		default: tool_option(&tool, opt);
		}
	}
	if (optind >= argc)
		tool_usage_error(&tool, "no program to run");
	osx_spawn_attr_set_argv(a, argv + optind, NULL);
	/* Without -i or -e the child inherits our environment (envp NULL). */
	if (env) {
		if (!(envp = osx_env_envp(env, &err)))
			die(&err, 125);
		osx_spawn_attr_set_envp(a, envp, NULL);
	}
	if (capture || timeout >= 0) {
		osx_run_result res;

		if (osx_run(a, NULL, 0, timeout, &res, &err) < 0)
			die(&err, tool_spawn_status(&err));
		if (capture)
			printf("stdout: %zu bytes, stderr: %zu bytes\n", res.out_len, res.err_len);
		else {
			fwrite(res.out, 1, res.out_len, stdout);
			fwrite(res.err, 1, res.err_len, stderr);
		}
		if (res.timed_out)
			printf("timed out after %d ms\n", timeout);
		print_status(&res.status);
		status = res.timed_out ? 124 : tool_child_status(&res.status);
		osx_run_result_free(&res);
	} else {
		osx_child ch;
		osx_wait_status st;

		if (osx_spawn(a, &ch, &err) < 0)
			die(&err, tool_spawn_status(&err));
		if (osx_child_wait(&ch, &st, &err) < 0)
			die(&err, 125);
		print_status(&st);
		status = tool_child_status(&st);
	}
	osx_spawn_attr_free(a);
	osx_env_free(env);
	return fflush(stdout) == 0 ? status : 125;
}
