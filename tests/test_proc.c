/* Tests for include/osx/proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char *sh_argv[] = { "/bin/sh", "-c", NULL, NULL };

/* A default attribute running /bin/sh -c script. */
static void sh_attr(osx_spawn_attr *a, const char *script)
{
	osx_spawn_attr_init(a);
	sh_argv[2] = (char *)script;
	a->argv = sh_argv;
}

static int spawn_sh(const char *script, osx_wait_status *st)
{
	osx_spawn_attr a;
	osx_child ch;
	osx_error err;

	sh_attr(&a, (char *)script);
	assert_int_equal(osx_spawn(&a, &ch, &err), 0);
	assert_true(ch.pid > 0);
	return osx_child_wait(&ch, st, &err);
}

static void test_exit_codes(void **state)
{
	osx_wait_status st;

	(void)state;
	assert_int_equal(spawn_sh("exit 0", &st), 0);
	assert_true(st.exited);
	assert_int_equal(st.returncode, 0);
	assert_int_equal(spawn_sh("exit 7", &st), 0);
	assert_true(st.exited);
	assert_int_equal(st.code, 7);
	assert_int_equal(st.returncode, 7);
	assert_int_equal(spawn_sh("exit 255", &st), 0);
	assert_int_equal(st.returncode, 255);
}

static void test_signals(void **state)
{
	osx_wait_status st;

	(void)state;
	assert_int_equal(spawn_sh("kill -TERM $$", &st), 0);
	assert_false(st.exited);
	assert_true(st.signaled);
	assert_int_equal(st.signal, SIGTERM);
	assert_int_equal(st.returncode, -SIGTERM);
	assert_int_equal(spawn_sh("kill -KILL $$", &st), 0);
	assert_int_equal(st.returncode, -SIGKILL);
}

static void test_status_decode(void **state)
{
	osx_wait_status st;

	(void)state;
	osx_wait_status_decode(3 << 8, &st);
	assert_true(st.exited && st.code == 3 && st.returncode == 3);
	osx_wait_status_decode(SIGABRT | 0x80, &st);
	assert_true(st.signaled && st.core_dumped && st.signal == SIGABRT);
	assert_int_equal(st.returncode, -SIGABRT);
	osx_wait_status_decode(SIGSEGV, &st);
	assert_true(st.signaled && !st.core_dumped);
	osx_wait_status_decode((SIGSTOP << 8) | 0x7f, &st);
	assert_true(st.stopped && st.signal == SIGSTOP && !st.exited);
	osx_wait_status_decode(0xffff, &st);
	assert_true(st.continued && !st.stopped);
}

/* The core flag of a real abort, with RLIMIT_CORE 0: a file core_pattern
 * then writes no core and the kernel must not report one. */
static void test_core_flag(void **state)
{
	char pat[256] = "";
	osx_wait_status st;
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "re");

	(void)state;
	if (f) {
		if (!fgets(pat, sizeof(pat), f))
			pat[0] = '\0';
		fclose(f);
	}
	assert_int_equal(spawn_sh("ulimit -c 0; kill -ABRT $$", &st), 0);
	assert_true(st.signaled);
	assert_int_equal(st.signal, SIGABRT);
	if (pat[0] != '|')
		assert_false(st.core_dumped);
	/* With no limit and a plain file pattern, a core is written in the
	 * cwd (the test's tmpdir) and the kernel must say so. */
	if (pat[0] != '|' && pat[0] != '\0' && pat[0] != '\n' && !strchr(pat, '/')) {
		char script[4200];

		snprintf(script, sizeof(script), "cd '%s' && ulimit -c unlimited && kill -ABRT $$",
			 osx_test_tmpdir());
		assert_int_equal(spawn_sh(script, &st), 0);
		assert_true(st.signaled);
		assert_true(st.core_dumped);
	}
}

static void expect_spawn_error(const osx_spawn_attr *a, int code, const char *call,
			       const char *name)
{
	osx_child ch;
	osx_error err;

	errno = 0;
	assert_int_equal(osx_spawn(a, &ch, &err), -1);
	assert_int_equal(err.code, code);
	assert_int_equal(errno, code);
	assert_string_equal(err.call, call);
	if (name)
		assert_string_equal(err.name, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_exec_errors(void **state)
{
	osx_spawn_attr a;
	char *argv[] = { NULL, NULL };
	const char *noexec = osx_test_path(0, "noexec");
	const char *badfmt = osx_test_path(1, "badfmt");

	(void)state;
	osx_spawn_attr_init(&a);
	a.argv = argv;
	argv[0] = "/nonexistent/program";
	expect_spawn_error(&a, ENOENT, "execve", "/nonexistent/program");

	write_file(noexec, "#!/bin/sh\nexit 0\n", 0644);
	argv[0] = (char *)noexec;
	expect_spawn_error(&a, EACCES, "execve", noexec);

	write_file(badfmt, "\x7f" "ELF garbage", 0755);
	argv[0] = (char *)badfmt;
	expect_spawn_error(&a, ENOEXEC, "execve", badfmt);

	argv[0] = "/bin/true";
	a.cwd = "/nonexistent/dir";
	expect_spawn_error(&a, ENOENT, "chdir", "/nonexistent/dir");

	a.cwd = NULL;
	a.fd[1] = 1000; /* not open */
	expect_spawn_error(&a, EBADF, "dup2", NULL);

	a.fd[1] = -17;
	expect_spawn_error(&a, EINVAL, "spawn", NULL);
	a.argv = NULL;
	expect_spawn_error(&a, EINVAL, "spawn", NULL);
}

static int run_capture(osx_spawn_attr *a, const char *script, osx_run_result *res)
{
	osx_error err;

	sh_argv[2] = (char *)script;
	a->argv = sh_argv;
	return osx_run(a, NULL, 0, -1, res, &err);
}

static void test_path_search(void **state)
{
	const char *dir = osx_test_tmpdir();
	const char *denied = osx_test_path(0, "a");
	const char *good = osx_test_path(1, "b");
	char denied_prog[4096], good_prog[4096], path[8192];
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char *argv[] = { "prog", NULL };
	osx_spawn_attr a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	(void)state;
	assert_int_equal(mkdir(denied, 0755), 0);
	assert_int_equal(mkdir(good, 0755), 0);
	snprintf(denied_prog, sizeof(denied_prog), "%s/prog", denied);
	snprintf(good_prog, sizeof(good_prog), "%s/prog", good);
	write_file(denied_prog, "#!/bin/sh\nexit 1\n", 0644);
	write_file(good_prog, "#!/bin/sh\nexit 42\n", 0755);
	osx_spawn_attr_init(&a);
	a.argv = argv;
	a.search_path = 1;

	/* EACCES on the first entry, then success on a later one. */
	snprintf(path, sizeof(path), "/nonexistent:%s:%s", denied, good);
	setenv("PATH", path, 1);
	assert_int_equal(osx_spawn(&a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 42);

	/* Only a non-executable candidate: EACCES wins over ENOENT. */
	snprintf(path, sizeof(path), "%s:/nonexistent", denied);
	setenv("PATH", path, 1);
	expect_spawn_error(&a, EACCES, "execve", "prog");

	/* An empty entry is the current directory (here the child's cwd). */
	setenv("PATH", "/nonexistent:", 1);
	a.cwd = good;
	assert_int_equal(osx_spawn(&a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 42);
	a.cwd = dir;
	expect_spawn_error(&a, ENOENT, "execve", "prog");

	/* With an envp the child's own PATH is searched, not ours
	 * (os.get_exec_path(env)): ours cannot find prog, its can. */
	a.cwd = NULL;
	setenv("PATH", "/nonexistent", 1);
	{
		char child_path[8200];
		char *envp[] = { child_path, NULL };

		snprintf(child_path, sizeof(child_path), "PATH=%s", good);
		a.envp = envp;
		assert_int_equal(osx_spawn(&a, &ch, &err), 0);
		assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
		assert_int_equal(st.returncode, 42);
		envp[0] = "NOPATH=1"; /* no PATH: the default path, no prog there */
		expect_spawn_error(&a, ENOENT, "execve", "prog");
		a.envp = NULL;
	}

	/* execvp semantics for the thin layer too: only the error path. */
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(osx_execvp("prog", argv, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_execvp("", argv, &err), -1);
	assert_int_equal(err.code, ENOENT);

	if (old) {
		setenv("PATH", old, 1);
		free(old);
	} else {
		unsetenv("PATH");
	}
}

static void test_env_isolation(void **state)
{
	char *envp[] = { "OSX_A=isolated", NULL };
	osx_spawn_attr a;
	osx_run_result res;

	(void)state;
	setenv("OSX_B", "parent", 1);
	osx_spawn_attr_init(&a);
	a.envp = envp;
	assert_int_equal(run_capture(&a, "echo \"$OSX_A-$OSX_B\"", &res), 0);
	assert_string_equal(res.out, "isolated-\n");
	osx_run_result_free(&res);
	a.envp = NULL;
	assert_int_equal(run_capture(&a, "echo \"$OSX_A-$OSX_B\"", &res), 0);
	assert_string_equal(res.out, "-parent\n");
	osx_run_result_free(&res);
	assert_null(getenv("OSX_A"));
	unsetenv("OSX_B");
}

static void test_no_fd_leak(void **state)
{
	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	int keep = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char script[128], want[64];
	osx_spawn_attr a;
	osx_run_result res;

	(void)state;
	assert_true(leak >= 3 && keep >= 3);
	osx_spawn_attr_init(&a);
	assert_int_equal(run_capture(&a, "cd /proc/self/fd && echo *", &res), 0);
	/* 3 is the shell's own handle on the directory it globs: an fd that
	 * leaked would take 3 and push that one to 4. */
	assert_string_equal(res.out, "0 1 2 3\n");
	osx_run_result_free(&res);

	a.pass_fds = &keep;
	a.n_pass_fds = 1;
	snprintf(script, sizeof(script), "cd /proc/self/fd && echo *");
	snprintf(want, sizeof(want), "0 1 2 3 %d\n", keep);
	assert_int_equal(run_capture(&a, script, &res), 0);
	assert_string_equal(res.out, want);
	osx_run_result_free(&res);
	close(leak);
	close(keep);
}

static void test_fd_actions(void **state)
{
	const char *out = osx_test_path(0, "out");
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	osx_spawn_attr a;
	osx_run_result res;
	osx_wait_status st;
	osx_child ch;
	osx_error err;
	char buf[64] = "";
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	sh_attr(&a, "echo to-stdout; echo to-stderr >&2");
	a.fd[1] = fd;
	a.fd[2] = OSX_SPAWN_DEVNULL;
	assert_int_equal(osx_spawn(&a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	close(fd);
	f = fopen(out, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(fgets(buf + strlen(buf), (int)(sizeof(buf) - strlen(buf)), f));
	fclose(f);
	assert_string_equal(buf, "to-stdout\n");

	/* stdin closed; stderr into stdout's pipe is the child's own 2>&1. */
	osx_spawn_attr_init(&a);
	a.fd[0] = OSX_SPAWN_CLOSE;
	assert_int_equal(run_capture(&a, "cat 2>&1 || echo failed", &res), 0);
	assert_non_null(strstr(res.out, "failed"));
	osx_run_result_free(&res);
}

static void test_run_large(void **state)
{
	size_t n = osx_test_under_valgrind() ? (1u << 20) : (64u << 20);
	char script[160];
	char *input = malloc(n);
	osx_spawn_attr a;
	osx_run_result res;
	osx_error err;

	(void)state;
	assert_non_null(input);
	for (size_t i = 0; i < n; i++)
		input[i] = (char)('a' + i % 26);
	snprintf(script, sizeof(script), "cat; head -c %zu /dev/zero >&2", n);
	sh_attr(&a, script);
	assert_int_equal(osx_run(&a, input, n, -1, &res, &err), 0);
	assert_int_equal(res.status.returncode, 0);
	assert_false(res.timed_out);
	assert_int_equal(res.out_len, n);
	assert_int_equal(res.err_len, n);
	assert_memory_equal(res.out, input, n);
	for (size_t i = 0; i < n; i++)
		if (res.err[i] != 0)
			fail_msg("stderr byte %zu", i);
	osx_run_result_free(&res);
	free(input);
}

static void test_run_timeout(void **state)
{
	osx_spawn_attr a;
	osx_run_result res;
	osx_error err;

	(void)state;
	sh_attr(&a, "echo started; exec sleep 30");
	assert_int_equal(osx_run(&a, NULL, 0, 200, &res, &err), 0);
	assert_true(res.timed_out);
	assert_true(res.status.signaled);
	assert_int_equal(res.status.signal, SIGKILL);
	assert_string_equal(res.out, "started\n");
	osx_run_result_free(&res);
}

static void test_run_child_ignores_input(void **state)
{
	size_t n = 1u << 20;
	char *input = calloc(1, n);
	osx_spawn_attr a;
	osx_run_result res;
	osx_error err;

	(void)state;
	assert_non_null(input);
	sh_attr(&a, "exec 0<&-; echo done");
	assert_int_equal(osx_run(&a, input, n, -1, &res, &err), 0);
	assert_string_equal(res.out, "done\n");
	osx_run_result_free(&res);
	free(input);
}

static void test_system(void **state)
{
	osx_error err;

	(void)state;
	assert_int_equal(osx_system("exit 3", &err), 3 << 8);
	assert_int_equal(osx_system("kill -TERM $$", &err), SIGTERM);
	assert_int_equal(osx_system(NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

static void test_thin_layer(void **state)
{
	osx_wait_status st;
	osx_error err;
	pid_t pid;
	int pidfd;

	(void)state;
	assert_int_equal(osx_getpid(), getpid());
	assert_int_equal(osx_getppid(), getppid());
	pid = osx_fork(&err);
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		osx_exit_now(9);
	}
	pidfd = osx_pidfd_open(pid, 0, &err);
	if (pidfd < 0) {
		/* valgrind knows neither pidfd_open nor pidfd_send_signal. */
		assert_true(osx_test_under_valgrind());
		assert_int_equal(err.code, ENOSYS);
		assert_int_equal(osx_kill(pid, SIGUSR1, &err), 0);
		assert_int_equal(osx_waitpid(pid, &st, 0, &err), pid);
	} else {
		assert_int_equal(osx_pidfd_send_signal(pidfd, SIGUSR1, &err), 0);
		assert_int_equal(osx_pidfd_wait(pidfd, &st, 0, &err), pid);
		close(pidfd);
	}
	assert_true(st.signaled && st.signal == SIGUSR1);

	pid = osx_fork(&err);
	if (pid == 0)
		osx_exit_now(9);
	assert_int_equal(osx_waitpid(pid, &st, 0, &err), pid);
	assert_int_equal(st.returncode, 9);
	assert_int_equal(osx_waitpid(pid, &st, 0, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx_kill(-999999, 0, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx_pidfd_open(-1, 0, &err), -1);
	assert_int_equal(err.code, osx_test_under_valgrind() ? ENOSYS : EINVAL);

	{
		char *argv[] = { "/nonexistent", NULL };

		assert_int_equal(osx_execv("/nonexistent", argv, &err), -1);
		assert_int_equal(err.code, ENOENT);
		assert_string_equal(err.call, "execve");
	}
}

static void test_cpu_count(void **state)
{
	osx_error err;
	int n = osx_cpu_count(&err), p = osx_process_cpu_count(&err);
	cpu_set_t set;

	(void)state;
	assert_int_equal(n, (int)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(p >= 1 && p <= n);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(p, CPU_COUNT(&set));
}

/* ---- fault-injection sweeps ---- */

static long sweep_spawn(void *ctx, osx_error *err)
{
	char *argv[] = { "/bin/true", NULL };
	osx_spawn_attr a;
	osx_child ch;
	osx_wait_status st;

	(void)ctx;
	osx_spawn_attr_init(&a);
	a.argv = argv;
	a.fd[0] = OSX_SPAWN_DEVNULL;
	a.cwd = "/";
	if (osx_spawn(&a, &ch, err) < 0)
		return -1;
	if (osx_child_wait(&ch, &st, err) < 0) {
		if (ch.pidfd >= 0)
			close(ch.pidfd);
		waitpid(ch.pid, NULL, 0);
		return -1;
	}
	return st.returncode;
}

static void test_sweep_spawn(void **state)
{
	struct osx_sweep s = { .run = sweep_spawn };

	(void)state;
	/* A failed close in the child or the parent is not reported. */
	s.skip[OSX__SYS_close] = 1;
	/* The first pidfd (CLONE_PIDFD) failing is covered by pidfd_open. */
	s.skip[OSX__SYS_pidfd_open] = 1;
	osx_sweep_run(&s);
}

static long sweep_run(void *ctx, osx_error *err)
{
	osx_spawn_attr a;
	osx_run_result res;
	long rc;

	(void)ctx;
	sh_attr(&a, "cat; echo x >&2");
	if (osx_run(&a, "hello", 5, 10000, &res, err) < 0)
		return -1;
	rc = res.status.returncode;
	osx_run_result_free(&res);
	return rc;
}

static void test_sweep_run(void **state)
{
	struct osx_sweep s = { .run = sweep_run, .any_error = 1 };

	(void)state;
	s.skip[OSX__SYS_close] = 1;
	s.skip[OSX__SYS_pidfd_open] = 1;
	/* The shell's own calls are not ours; a failed read/write in it
	 * shows as a non-zero returncode, which is a correct outcome. */
	osx_sweep_run(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(test_exit_codes),
		OSX_TEST(test_signals),
		OSX_TEST(test_status_decode),
		OSX_TEST(test_core_flag),
		OSX_TEST(test_exec_errors),
		OSX_TEST(test_path_search),
		OSX_TEST(test_env_isolation),
		OSX_TEST(test_no_fd_leak),
		OSX_TEST(test_fd_actions),
		OSX_TEST(test_run_large),
		OSX_TEST(test_run_timeout),
		OSX_TEST(test_run_child_ignores_input),
		OSX_TEST(test_system),
		OSX_TEST(test_thin_layer),
		OSX_TEST(test_cpu_count),
		OSX_TEST(test_sweep_spawn),
		OSX_TEST(test_sweep_run),
	};

	return OSX_RUN(tests);
}
