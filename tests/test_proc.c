/* Tests for include/osx/proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* src/spawn.c: unmaps the child stack kept for the next spawn, so the
 * next one maps its own (and its mmap and mprotect can be failed). */
void osx__spawn_stack_release(void);

static char *sh_argv[] = { "/bin/sh", "-c", NULL, NULL };

/* The attribute objects a test made, freed by its teardown. */
static osx_spawn_attr **attrs;
static size_t n_attrs;

static osx_spawn_attr *attr_new(void)
{
	osx_spawn_attr *a = osx_spawn_attr_new(NULL), **p;

	assert_non_null(a);
	p = realloc(attrs, (n_attrs + 1) * sizeof(*p));
	assert_non_null(p);
	attrs = p;
	attrs[n_attrs++] = a;
	return a;
}

static int proc_teardown(void **state)
{
	while (n_attrs)
		osx_spawn_attr_free(attrs[--n_attrs]);
	free(attrs);
	attrs = NULL;
	return osx_test_teardown(state);
}

#undef OSX_TEST
#define OSX_TEST(fn) cmocka_unit_test_setup_teardown(fn, osx_test_setup, proc_teardown)

/* An attribute object inside a sweep's operation, whose allocation may be
 * the call made to fail: NULL with err then, as any failure. */
static osx_spawn_attr *sweep_attr(char *const *argv, osx_error *err)
{
	osx_spawn_attr *a = osx_spawn_attr_new(err), **p;

	if (!a)
		return NULL;
	p = realloc(attrs, (n_attrs + 1) * sizeof(*p));
	assert_non_null(p);
	attrs = p;
	attrs[n_attrs++] = a;
	assert_int_equal(osx_spawn_attr_set_argv(a, argv, NULL), 0);
	return a;
}

/* A default attribute with this argv. */
static osx_spawn_attr *argv_attr(char *const *argv)
{
	osx_spawn_attr *a = attr_new();

	assert_int_equal(osx_spawn_attr_set_argv(a, argv, NULL), 0);
	return a;
}

/* A default attribute running /bin/sh -c script. */
static osx_spawn_attr *sh_attr(const char *script)
{
	sh_argv[2] = (char *)script;
	return argv_attr(sh_argv);
}

static int spawn_sh(const char *script, osx_wait_status *st)
{
	osx_spawn_attr *a;
	osx_child ch;
	osx_error err;

	a = sh_attr((char *)script);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
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
	/* Documented: not an end, so no returncode (0, not a success). */
	assert_int_equal(st.returncode, 0);
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
	osx_spawn_attr *a;
	char *argv[] = { NULL, NULL };
	const char *noexec = osx_test_path(0, "noexec");
	const char *badfmt = osx_test_path(1, "badfmt");

	(void)state;
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	argv[0] = "/nonexistent/program";
	expect_spawn_error(a, ENOENT, "execve", "/nonexistent/program");

	write_file(noexec, "#!/bin/sh\nexit 0\n", 0644);
	argv[0] = (char *)noexec;
	expect_spawn_error(a, EACCES, "execve", noexec);

	write_file(badfmt, "\x7f" "ELF garbage", 0755);
	argv[0] = (char *)badfmt;
	expect_spawn_error(a, ENOEXEC, "execve", badfmt);

	argv[0] = "/bin/true";
	osx_spawn_attr_set_cwd(a, "/nonexistent/dir", NULL);
	expect_spawn_error(a, ENOENT, "chdir", "/nonexistent/dir");

	osx_spawn_attr_set_cwd(a, NULL, NULL);
	osx_spawn_attr_set_stdio(a, 1, 1000, NULL); /* not open */
	expect_spawn_error(a, EBADF, "dup2", NULL);

	/* Bad input: EINVAL from the setter, or from the spawn. */
	{
		osx_error err;

		assert_int_equal(osx_spawn_attr_set_stdio(a, 1, -17, &err), -1);
		assert_int_equal(err.code, EINVAL);
		assert_int_equal(osx_spawn_attr_set_stdio(a, 3, 1, &err), -1);
		assert_int_equal(osx_spawn_attr_set_argv(a, NULL, &err), -1);
		assert_int_equal(osx_spawn_attr_set_argv(NULL, argv, &err), -1);
		assert_int_equal(osx_spawn_attr_dup(a, -1, 5, &err), -1);
		assert_int_equal(osx_spawn_attr_dup(a, 5, -1, &err), -1);
		assert_int_equal(osx_spawn_attr_open(a, 5, NULL, 0, 0, &err), -1);
		assert_int_equal(osx_spawn_attr_set_umask(a, 01000, &err), -1);
		assert_int_equal(osx_spawn_attr_set_rlimit(a, -1, 0, 0, &err), -1);
		assert_int_equal(osx_spawn_attr_set_rlimit(a, RLIMIT_NOFILE, 2, 1, &err), -1);
		assert_int_equal(osx_spawn_attr_set_extra_groups(a, NULL, 2, &err), -1);
		assert_int_equal(osx_spawn_attr_set_pgroup(a, -2, &err), -1);
		assert_int_equal(osx_spawn_attr_set_cgroup(a, -2, &err), -1);
		assert_int_equal(osx_spawn_attr_set_program_fd(a, -2, &err), -1);
		assert_int_equal(err.code, EINVAL);
		expect_spawn_error(attr_new(), EINVAL, "spawn", NULL); /* no argv */
		argv[0] = NULL;
		expect_spawn_error(a, EINVAL, "spawn", NULL);
		assert_int_equal(osx_spawn(NULL, NULL, &err), -1);
		assert_int_equal(err.code, EINVAL);
		osx_spawn_attr_free(NULL);
	}
}

static int run_capture(osx_spawn_attr *a, const char *script, osx_run_result *res)
{
	osx_error err;

	sh_argv[2] = (char *)script;
	osx_spawn_attr_set_argv(a, sh_argv, NULL);
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
	osx_spawn_attr *a;
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
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_search_path(a, 1, NULL);

	/* EACCES on the first entry, then success on a later one. */
	snprintf(path, sizeof(path), "/nonexistent:%s:%s", denied, good);
	setenv("PATH", path, 1);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 42);

	/* Only a non-executable candidate: EACCES wins over ENOENT. */
	snprintf(path, sizeof(path), "%s:/nonexistent", denied);
	setenv("PATH", path, 1);
	expect_spawn_error(a, EACCES, "execve", "prog");

	/* An empty entry is the current directory (here the child's cwd). */
	setenv("PATH", "/nonexistent:", 1);
	osx_spawn_attr_set_cwd(a, good, NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 42);
	osx_spawn_attr_set_cwd(a, dir, NULL);
	expect_spawn_error(a, ENOENT, "execve", "prog");

	/* With an envp the child's own PATH is searched, not ours
	 * (os.get_exec_path(env)): ours cannot find prog, its can. */
	osx_spawn_attr_set_cwd(a, NULL, NULL);
	setenv("PATH", "/nonexistent", 1);
	{
		char child_path[8200];
		char *envp[] = { child_path, NULL };

		snprintf(child_path, sizeof(child_path), "PATH=%s", good);
		osx_spawn_attr_set_envp(a, envp, NULL);
		assert_int_equal(osx_spawn(a, &ch, &err), 0);
		assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
		assert_int_equal(st.returncode, 42);
		envp[0] = "NOPATH=1"; /* no PATH: the default path, no prog there */
		expect_spawn_error(a, ENOENT, "execve", "prog");
		osx_spawn_attr_set_envp(a, NULL, NULL);
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
	osx_spawn_attr *a;
	osx_run_result res;

	(void)state;
	setenv("OSX_B", "parent", 1);
	a = attr_new();
	osx_spawn_attr_set_envp(a, envp, NULL);
	assert_int_equal(run_capture(a, "echo \"$OSX_A-$OSX_B\"", &res), 0);
	assert_string_equal(res.out, "isolated-\n");
	osx_run_result_free(&res);
	osx_spawn_attr_set_envp(a, NULL, NULL);
	assert_int_equal(run_capture(a, "echo \"$OSX_A-$OSX_B\"", &res), 0);
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
	osx_spawn_attr *a;
	osx_run_result res;

	(void)state;
	assert_true(leak >= 3 && keep >= 3);
	a = attr_new();
	assert_int_equal(run_capture(a, "cd /proc/self/fd && echo *", &res), 0);
	/* 3 is the shell's own handle on the directory it globs: an fd that
	 * leaked would take 3 and push that one to 4. */
	assert_string_equal(res.out, "0 1 2 3\n");
	osx_run_result_free(&res);

	osx_spawn_attr_dup(a, keep, keep, NULL);
	snprintf(script, sizeof(script), "cd /proc/self/fd && echo *");
	snprintf(want, sizeof(want), "0 1 2 3 %d\n", keep);
	assert_int_equal(run_capture(a, script, &res), 0);
	assert_string_equal(res.out, want);
	osx_run_result_free(&res);
	close(leak);
	close(keep);
}

static void test_fd_actions(void **state)
{
	const char *out = osx_test_path(0, "out");
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	osx_spawn_attr *a;
	osx_run_result res;
	osx_wait_status st;
	osx_child ch;
	osx_error err;
	char buf[64] = "";
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	a = sh_attr("echo to-stdout; echo to-stderr >&2");
	osx_spawn_attr_set_stdio(a, 1, fd, NULL);
	osx_spawn_attr_set_stdio(a, 2, OSX_SPAWN_DEVNULL, NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	close(fd);
	f = fopen(out, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(fgets(buf + strlen(buf), (int)(sizeof(buf) - strlen(buf)), f));
	fclose(f);
	assert_string_equal(buf, "to-stdout\n");

	/* stdin closed; stderr into stdout's pipe is the child's own 2>&1. */
	a = attr_new();
	osx_spawn_attr_set_stdio(a, 0, OSX_SPAWN_CLOSE, NULL);
	assert_int_equal(run_capture(a, "cat 2>&1 || echo failed", &res), 0);
	assert_non_null(strstr(res.out, "failed"));
	osx_run_result_free(&res);
}

static void test_run_large(void **state)
{
	size_t n = osx_test_under_valgrind() ? (1u << 20) : (64u << 20);
	char script[160];
	char *input = malloc(n);
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	assert_non_null(input);
	for (size_t i = 0; i < n; i++)
		input[i] = (char)('a' + i % 26);
	snprintf(script, sizeof(script), "cat; head -c %zu /dev/zero >&2", n);
	a = sh_attr(script);
	assert_int_equal(osx_run(a, input, n, -1, &res, &err), 0);
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
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	a = sh_attr("echo started; exec sleep 30");
	assert_int_equal(osx_run(a, NULL, 0, 200, &res, &err), 0);
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
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	assert_non_null(input);
	a = sh_attr("exec 0<&-; echo done");
	assert_int_equal(osx_run(a, input, n, -1, &res, &err), 0);
	assert_string_equal(res.out, "done\n");
	osx_run_result_free(&res);
	free(input);
}

static volatile sig_atomic_t int_seen;

static void on_int(int sig)
{
	(void)sig;
	int_seen++;
}

/* The child's process group and session, from its /proc/self/stat. */
static void child_ids(osx_spawn_attr *a, int *pid, int *pgrp, int *sid)
{
	osx_run_result res;

	assert_int_equal(run_capture(a, "exec cat /proc/self/stat", &res), 0);
	assert_int_equal(res.status.returncode, 0);
	assert_int_equal(sscanf(res.out, "%d (%*[^)]) %*c %*d %d %d", pid, pgrp, sid), 3);
	osx_run_result_free(&res);
}

static void test_session_and_group(void **state)
{
	int pid, pgrp, sid;
	osx_spawn_attr *a;
	osx_child leader;
	osx_wait_status st;
	osx_error err;
	char *sleeper[] = { "/bin/sleep", "10", NULL };

	(void)state;
	a = attr_new();
	child_ids(a, &pid, &pgrp, &sid);
	assert_int_equal(pgrp, getpgrp());
	assert_int_equal(sid, getsid(0));

	a = attr_new();
	osx_spawn_attr_set_new_session(a, 1, NULL);
	child_ids(a, &pid, &pgrp, &sid);
	assert_int_equal(sid, pid);
	assert_int_equal(pgrp, pid);

	a = attr_new();
	osx_spawn_attr_set_pgroup(a, 0, NULL);
	child_ids(a, &pid, &pgrp, &sid);
	assert_int_equal(pgrp, pid);
	assert_int_equal(sid, getsid(0));

	/* Joining a group: the leader's. */
	a = attr_new();
	osx_spawn_attr_set_argv(a, sleeper, NULL);
	osx_spawn_attr_set_pgroup(a, 0, NULL);
	assert_int_equal(osx_spawn(a, &leader, &err), 0);
	a = attr_new();
	osx_spawn_attr_set_pgroup(a, leader.pid, NULL);
	child_ids(a, &pid, &pgrp, &sid);
	assert_int_equal(pgrp, leader.pid);
	pid = leader.pid;
	assert_int_equal(osx_child_kill(&leader, SIGKILL, &err), 0);
	assert_int_equal(osx_child_wait(&leader, &st, &err), 0);
	assert_int_equal(st.signal, SIGKILL);

	/* A group that does not exist: the parent hears which step failed. */
	a = attr_new();
	osx_spawn_attr_set_argv(a, sleeper, NULL);
	osx_spawn_attr_set_pgroup(a, pid, NULL);
	expect_spawn_error(a, EPERM, "setpgid", NULL);
}

static void test_system(void **state)
{
	struct sigaction sa, old_int, old_quit;
	osx_error err;

	(void)state;
	assert_int_equal(osx_system("exit 3", &err), 3 << 8);
	assert_int_equal(osx_system("kill -TERM $$", &err), SIGTERM);
	assert_int_equal(osx_system(NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);

	/* C's system(): a SIGINT or SIGQUIT sent to the caller while the
	 * command runs is ignored, and the command has them at default
	 * although the caller handles them (a shell killed by its own
	 * SIGINT; one that ignored it would sleep and exit 0). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	assert_int_equal(sigaction(SIGINT, &sa, &old_int), 0);
	assert_int_equal(sigaction(SIGQUIT, &sa, &old_quit), 0);
	int_seen = 0;
	assert_int_equal(osx_system("kill -INT $PPID; kill -QUIT $PPID; kill -INT $$; sleep 5",
				    &err), SIGINT);
	assert_int_equal(osx_system("kill -QUIT $$; sleep 5", &err) & 0x7f, SIGQUIT);
	assert_int_equal(int_seen, 0);
	/* ... and the caller's handlers are back afterwards. */
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == on_int);
	assert_int_equal(sigaction(SIGQUIT, NULL, &sa), 0);
	assert_true(sa.sa_handler == on_int);
	assert_int_equal(raise(SIGINT), 0);
	assert_int_equal(int_seen, 1);

	/* A caller that ignores SIGINT passes that on, as fork would. */
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGINT, &sa, NULL), 0);
	assert_int_equal(osx_system("kill -INT $$; exit 5", &err), 5 << 8);
	assert_int_equal(sigaction(SIGINT, &old_int, NULL), 0);
	assert_int_equal(sigaction(SIGQUIT, &old_quit, NULL), 0);
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
		/* valgrind knows neither pidfd_open nor pidfd_send_signal, nor
		 * does Linux before 5.3 (the old-kernel test mode). */
		int expected = osx_test_refused("pidfd_open", NULL);

		if (!expected && osx_test_under_valgrind())
			expected = ENOSYS;
		if (!expected) { /* a failure that should not be: leave no child */
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		assert_true(expected != 0);
		assert_int_equal(err.code, expected);
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
	assert_int_equal(err.code, osx_test_refused("pidfd_open", NULL) ? osx_test_refused("pidfd_open", NULL) :
				   osx_test_under_valgrind() ? ENOSYS : EINVAL);

	{
		char *argv[] = { "/nonexistent", NULL };

		assert_int_equal(osx_execv("/nonexistent", argv, &err), -1);
		assert_int_equal(err.code, ENOENT);
		assert_string_equal(err.call, "execve");
	}
}

static void expect_injected(long rc, const osx_error *err, int code, const char *call)
{
	assert_int_equal(rc, -1);
	assert_int_equal(errno, code);
	assert_int_equal(err->code, code);
	assert_string_equal(err->call, call);
}

/* An injected failure of each thin wrapper's call is reported as is: the
 * kernel is never asked, so nothing is forked, run or signalled. */
static void test_thin_layer_faults(void **state)
{
	char *argv[] = { "true", NULL }, *abs_argv[] = { "/bin/true", NULL };
	osx_wait_status st;
	osx_error err;

	(void)state;
	osx__fault_fail(OSX__SYS_fork, 1, 1, EAGAIN);
	expect_injected(osx_fork(&err), &err, EAGAIN, "fork");
	osx__fault_fail(OSX__SYS_execve, 1, 1, E2BIG);
	expect_injected(osx_execv("/bin/true", abs_argv, &err), &err, E2BIG, "execve");
	osx__fault_fail(OSX__SYS_execve, 1, 1, ETXTBSY);
	expect_injected(osx_execve("/bin/true", abs_argv, environ, &err), &err, ETXTBSY, "execve");
	osx__fault_fail(OSX__SYS_waitid, 1, 1, EINVAL);
	expect_injected(osx_pidfd_wait(0, &st, WNOHANG, &err), &err, EINVAL, "waitid");
	/* execvp: a name with a slash is not searched; without one, an error
	 * that says the file was found ends the search. */
	osx__fault_fail(OSX__SYS_execve, 1, 1, ENOEXEC);
	expect_injected(osx_execvp("/bin/true", abs_argv, &err), &err, ENOEXEC, "execve");
	/* Every candidate failing (the search goes on past ENOMEM, as
	 * _posixsubprocess does, so one failure would run the next one):
	 * the first error that is not ENOENT/ENOTDIR. */
	osx__fault_fail(OSX__SYS_execve, 1, 1, ENOMEM);
	osx__fault_fail(OSX__SYS_execve, 2, OSX__FAULT_ALWAYS, EACCES);
	expect_injected(osx_execvp("true", argv, &err), &err, ENOMEM, "execve");
	assert_true(osx__fault_count(OSX__SYS_execve) >= 4);
	osx__fault_fail(OSX__SYS_wait4, 1, 1, EINVAL);
	expect_injected(osx_waitpid(-1, &st, WNOHANG, &err), &err, EINVAL, "wait4");
	osx__fault_fail(OSX__SYS_kill, 1, 1, EPERM);
	expect_injected(osx_kill(getpid(), 0, &err), &err, EPERM, "kill");
	osx__fault_fail(OSX__SYS_pidfd_open, 1, 1, EMFILE);
	expect_injected(osx_pidfd_open(getpid(), 0, &err), &err, EMFILE, "pidfd_open");
	osx__fault_fail(OSX__SYS_pidfd_send_signal, 1, 1, EPERM);
	expect_injected(osx_pidfd_send_signal(-1, 0, &err), &err, EPERM, "pidfd_send_signal");
	osx__fault_fail(OSX__SYS_malloc, 1, 1, ENOMEM);
	expect_injected(osx_process_cpu_count(&err), &err, ENOMEM, "malloc");
	osx__fault_fail(OSX__SYS_sched_getaffinity, 1, 1, EFAULT);
	expect_injected(osx_process_cpu_count(&err), &err, EFAULT, "sched_getaffinity");
	/* EINVAL: a mask too small for the kernel's CPUs; it grows. */
	osx__fault_fail(OSX__SYS_sched_getaffinity, 1, 2, EINVAL);
	assert_true(osx_process_cpu_count(&err) >= 1);
	assert_int_equal(osx__fault_count(OSX__SYS_sched_getaffinity), 4);
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

/* ---- signals in the child: the clone3 path and the clone fallback ---- */

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

/* The child's view: the Sig* masks of a /proc/<pid>/status. */
struct sigmasks {
	unsigned long long blk, ign, cgt;
};

static void read_sigmasks(const char *status, struct sigmasks *m)
{
	const char *p;

	p = strstr(status, "SigBlk:");
	assert_non_null(p);
	m->blk = strtoull(p + 7, NULL, 16);
	p = strstr(status, "SigIgn:");
	assert_non_null(p);
	m->ign = strtoull(p + 7, NULL, 16);
	p = strstr(status, "SigCgt:");
	assert_non_null(p);
	m->cgt = strtoull(p + 7, NULL, 16);
}

static unsigned long long sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Parent: SIGUSR1 handled, SIGUSR2 ignored, SIGHUP blocked. */
static void signals_set(struct sigaction old[2], sigset_t *oldmask)
{
	struct sigaction sa;
	sigset_t hup;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old[0]), 0);
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGUSR2, &sa, &old[1]), 0);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &hup, oldmask), 0);
}

static void signals_restore(const struct sigaction old[2], const sigset_t *oldmask)
{
	struct sigaction sa;

	/* The child's reset never touches the parent's handlers. */
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_true(sa.sa_handler == on_usr1);
	assert_int_equal(sigaction(SIGUSR1, &old[0], NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, &old[1], NULL), 0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, oldmask, NULL), 0);
}

/* What the exec'd program gets: ignored stays ignored; the mask is empty
 * with reset_signals, the caller's without. */
static void check_exec_signals(int reset)
{
	osx_spawn_attr *a;
	osx_run_result res;
	struct sigmasks m;

	a = attr_new();
	osx_spawn_attr_set_reset_signals(a, reset, NULL);
	/* restore_signals' two sigaction calls (SIGPIPE, SIGXFSZ) would be
	 * the child's only ones on the clone3 path: counted below. */
	osx_spawn_attr_set_restore_signals(a, 0, NULL);
	assert_int_equal(run_capture(a, "exec cat /proc/self/status", &res), 0);
	assert_int_equal(res.status.returncode, 0);
	read_sigmasks(res.out, &m);
	osx_run_result_free(&res);
	assert_true(m.ign & sigbit(SIGUSR2));
	assert_int_equal(m.cgt, 0);
	if (reset)
		assert_int_equal(m.blk, 0);
	else
		assert_true(m.blk & sigbit(SIGHUP));
}

/* sigdefault and sigmask, as posix_spawnattr_setsigdefault/setsigmask:
 * the ignored SIGUSR2 is default in the child, never in the parent. */
static void check_sigdefault_sigmask(void)
{
	osx_spawn_attr *a;
	osx_run_result res;
	struct sigmasks m;
	struct sigaction sa;
	int dfl = SIGUSR2, mask = SIGTERM, bad = NSIG;

	a = attr_new();
	assert_int_equal(osx_spawn_attr_set_sigdefault(a, &dfl, 1, NULL), 0);
	assert_int_equal(osx_spawn_attr_set_sigmask(a, &mask, 1, NULL), 0);
	assert_int_equal(osx_spawn_attr_set_sigmask(a, &bad, 1, NULL), -1);
	assert_int_equal(run_capture(a, "exec cat /proc/self/status", &res), 0);
	assert_int_equal(res.status.returncode, 0);
	read_sigmasks(res.out, &m);
	osx_run_result_free(&res);
	assert_int_equal(m.ign & sigbit(SIGUSR2), 0);
	assert_int_equal(m.blk, sigbit(SIGTERM));
	assert_int_equal(sigaction(SIGUSR2, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
}

/* No clone3 path at all: another architecture than x86-64, valgrind, or
 * the old-kernel test mode refusing clone3 (Linux before 5.3): every
 * spawn takes the fallback. */
static int no_clone3(void)
{
#if !defined(__x86_64__)
	return 1; /* the shim's clone3 trampoline is x86-64's */
#else
	return osx_test_under_valgrind() || osx_test_refused("clone3", NULL);
#endif
}

/* The clone fallback is what runs when clone3 says ENOSYS.  fallback: 0
 * the clone3 path, 1 the fallback (clone3's ENOSYS faked), 2 the fallback
 * the library takes by itself where there is no clone3 path. */
static void choose_path(int fallback)
{
	osx__fault_reset();
	if (fallback == 1)
		assert_int_equal(osx__fault_fail(OSX__SYS_clone3, 1, OSX__FAULT_ALWAYS, ENOSYS), 0);
}

/* Both paths, all but the window before execve (see check_pre_exec). */
static void check_spawn_signals(int fallback)
{
	struct sigaction old[2];
	sigset_t oldmask;
	osx_spawn_attr *a;
	char *argv[] = { "/nonexistent/program", NULL };

	choose_path(fallback);
	signals_set(old, &oldmask);
	check_exec_signals(1);
	check_exec_signals(0);
	/* An exec failure is reported on either path. */
	a = attr_new();
	osx_spawn_attr_set_restore_signals(a, 0, NULL);
	osx_spawn_attr_set_argv(a, argv, NULL);
	expect_spawn_error(a, ENOENT, "execve", "/nonexistent/program");
	argv[0] = "/bin/true";
	osx_spawn_attr_set_cwd(a, "/nonexistent/dir", NULL);
	expect_spawn_error(a, ENOENT, "chdir", "/nonexistent/dir");
	signals_restore(old, &oldmask);
	assert_false(usr1_seen);

	/* Which path ran: the fallback resets the handlers it finds itself,
	 * on the clone3 path the kernel did (no sigaction at all); valgrind
	 * has no clone3, so there every spawn is the fallback. */
	assert_true(osx__fault_count(OSX__SYS_clone3) >= 4);
	if (fallback || no_clone3()) {
		assert_true(osx__fault_count(OSX__SYS_clone) >= 4);
	} else {
		assert_int_equal(osx__fault_count(OSX__SYS_clone), 0);
		assert_int_equal(osx__fault_count(OSX__SYS_sigaction), 0);
	}
	if ((fallback || no_clone3()) && osx_test_vfork_shares_memory())
		assert_true(osx__fault_count(OSX__SYS_sigaction) > 0);
	else if (fallback || no_clone3())
		osx_test_unchecked("the fallback child's sigaction calls, counted",
				   "its clone copies the memory here, so it counts them in its copy");
	/* After the counts: it makes the child call sigaction. */
	signals_set(old, &oldmask);
	check_sigdefault_sigmask();
	signals_restore(old, &oldmask);
	osx__fault_reset();
}

/*
 * The window before execve, seen from outside: argv[1] lives in a page
 * registered with userfaultfd, so the child's execve blocks copying it
 * (the child shares our memory, CLONE_VM) until a thread of ours, told of
 * the fault with the child's pid, has read /proc/<pid>/status and filled
 * the page.  The child is then exactly where a signal would find it.
 */
struct uffd_probe {
	int uffd;
	char *page;
	size_t pagesz;
	pid_t pid;  /* the thread that faulted: the child */
	char status[4096];
	int error;  /* what went wrong in the thread, 0 if nothing */
};

/* ioctl's request is an unsigned long in glibc and an int in musl; the
 * kernel reads 32 bits either way, so the raw syscall serves both. */
static long uffd_ioctl(int fd, unsigned long req, void *arg)
{
	return syscall(SYS_ioctl, fd, req, arg);
}

static void *uffd_thread(void *arg)
{
	struct uffd_probe *u = arg;
	struct pollfd pfd = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_copy cp;
	char path[64], *src;
	ssize_t n;
	int fd;

	/* A generous bound, never reached when all is well: the child faults
	 * at once.  If it does not, the test fails rather than hangs. */
	if (poll(&pfd, 1, 30000) != 1)
		return u->error = ETIMEDOUT, NULL;
	if (read(u->uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return u->error = EPROTO, NULL;
	u->pid = (pid_t)msg.arg.pagefault.feat.ptid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)u->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		u->error = errno;
	} else {
		n = read(fd, u->status, sizeof(u->status) - 1);
		u->status[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	/* Let the child go on, with "x" as argv[1]. */
	src = calloc(1, u->pagesz);
	if (!src)
		abort();
	src[0] = 'x';
	memset(&cp, 0, sizeof(cp));
	cp.dst = (uintptr_t)u->page;
	cp.src = (uintptr_t)src;
	cp.len = u->pagesz;
	if (uffd_ioctl(u->uffd, UFFDIO_COPY, &cp) < 0 && !u->error)
		u->error = errno;
	free(src);
	return NULL;
}

/* 0, or -1 when this process may not catch kernel faults: not root with
 * vm.unprivileged_userfaultfd = 0, or a container's seccomp filter. */
static int pre_exec_masks(int reset, struct sigmasks *m)
{
	struct uffd_probe u = { .pagesz = (size_t)sysconf(_SC_PAGESIZE) };
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID };
	struct uffdio_register reg;
	char *argv[] = { "/bin/true", NULL, NULL };
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;
	pthread_t t;
	pid_t pid;

	u.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (u.uffd < 0 && (errno == EPERM || errno == ENOSYS))
		return -1;
	assert_true(u.uffd >= 0);
	assert_int_equal(uffd_ioctl(u.uffd, UFFDIO_API, &api), 0);
	u.page = mmap(NULL, u.pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(u.page != MAP_FAILED);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)u.page;
	reg.range.len = u.pagesz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	assert_int_equal(uffd_ioctl(u.uffd, UFFDIO_REGISTER, &reg), 0);
	assert_int_equal(pthread_create(&t, NULL, uffd_thread, &u), 0);

	argv[1] = u.page;
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_reset_signals(a, reset, NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	pid = ch.pid;
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(u.error, 0);
	assert_int_equal(st.returncode, 0);
	assert_int_equal(u.pid, pid);
	assert_int_equal(u.page[0], 'x');
	read_sigmasks(u.status, m);
	munmap(u.page, u.pagesz);
	close(u.uffd);
	return 0;
}

/* The signals glibc reserves (SIGCANCEL, SIGSETXID): its sigaction says
 * EINVAL for them. */
static unsigned long long glibc_reserved(void)
{
	unsigned long long bits = 0;
	struct sigaction sa;

	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) < 0)
			bits |= sigbit(sig);
	return bits;
}

static void check_pre_exec(int fallback)
{
	struct sigaction old[2];
	sigset_t oldmask;
	struct sigmasks m;

	if (!osx_test_vfork_shares_memory()) {
		/* The clone copies the memory like fork (valgrind, qemu-user),
		 * so a fault in the child never reaches our userfaultfd;
		 * check_spawn_signals covers the rest. */
		osx_test_unchecked("the child's signals just before execve",
				   "its clone copies the memory here, so our userfaultfd never sees it");
		return;
	}
	choose_path(fallback);
	signals_set(old, &oldmask);
	if (pre_exec_masks(1, &m) < 0) {
		/* No userfaultfd here (CI has one): check_spawn_signals has to do. */
		signals_restore(old, &oldmask);
		return;
	}
	/* No handler of ours left in the child (cmocka's too), SIG_IGN kept.
	 * The fallback cannot see or reset the handlers of the signals glibc
	 * keeps for itself (its sigaction refuses them); those handlers act
	 * only on a signal the process sent to its own thread (SI_TKILL from
	 * its own pid), which the child never sends. */
	if (fallback || no_clone3())
		m.cgt &= ~glibc_reserved();
	assert_int_equal(m.cgt, 0);
	assert_true(m.ign & sigbit(SIGUSR2));
	assert_int_equal(m.blk, 0);
	assert_int_equal(pre_exec_masks(0, &m), 0);
	if (fallback || no_clone3())
		m.cgt &= ~glibc_reserved();
	assert_int_equal(m.cgt, 0);
	assert_true(m.blk & sigbit(SIGHUP));
	signals_restore(old, &oldmask);
	if (fallback || no_clone3())
		assert_true(osx__fault_count(OSX__SYS_clone) >= 2);
	else
		assert_int_equal(osx__fault_count(OSX__SYS_clone), 0);
	osx__fault_reset();
}

/* The clone3 path where there is one: only x86-64 has the shim's
 * trampoline, and a kernel before 5.3 (the old-kernel test mode) has no
 * clone3.  Elsewhere the spawn must take the fallback by itself. */
static void test_spawn_clone3_path(void **state)
{
#if defined(__x86_64__)
	int path = osx_test_refused("clone3", NULL) ? 2 : 0;
#else
	int path = 2;
#endif

	(void)state;
	if (path)
		print_message("no clone3 path here: checking the fallback spawn takes by itself\n");
	check_spawn_signals(path);
	check_pre_exec(path);
	osx_test_skip_unchecked();
}

/* What runs where clone3 is missing or too old (and under valgrind). */
static void test_spawn_fallback_path(void **state)
{
	(void)state;
	check_spawn_signals(1);
	check_pre_exec(1);
	osx_test_skip_unchecked();
}

/* ---- fault-injection sweeps ---- */

/* After a failed osx_child_wait: do what it could not. */
static void reap(osx_child *ch)
{
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	waitpid(ch->pid, NULL, 0);
}

/* /bin/true with stdin from /dev/null in "/"; or, when ctx points to a
 * true int, with everything inherited. */
static long sweep_spawn(void *ctx, osx_error *err)
{
	char *argv[] = { "/bin/true", NULL };
	const int *inherit = ctx;
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;

	if (!(a = sweep_attr(argv, err)))
		return -1;
	if (!inherit || !*inherit) {
		osx_spawn_attr_set_stdio(a, 0, OSX_SPAWN_DEVNULL, NULL);
		osx_spawn_attr_set_cwd(a, "/", NULL);
	}
	if (osx_spawn(a, &ch, err) < 0)
		return -1;
	if (osx_child_wait(&ch, &st, err) < 0) {
		reap(&ch);
		return -1;
	}
	return st.returncode;
}

static void test_sweep_spawn(void **state)
{
	struct osx_sweep s = { .run = sweep_spawn };

	(void)state;
	osx_sweep_run(&s);
	osx_test_skip_unchecked();
}

/* The same on the clone fallback: clone3 "missing" for the whole run (the
 * sweep's own rule, armed first, still wins on the attempt it fails). */
static long sweep_spawn_fallback(void *ctx, osx_error *err)
{
	assert_int_equal(osx__fault_fail(OSX__SYS_clone3, 1, OSX__FAULT_ALWAYS, ENOSYS), 0);
	return sweep_spawn(ctx, err);
}

static void test_sweep_spawn_fallback(void **state)
{
	struct osx_sweep s = { .run = sweep_spawn_fallback };

	(void)state;
	/* No clone3 (valgrind, old kernels): test_sweep_spawn is this sweep. */
	if (no_clone3())
		return;
	osx_sweep_run(&s);
	osx_test_skip_unchecked();
}

/*
 * Every step the child can take, on the path the context names (0: clone3,
 * 1: the clone fallback, 2: the fallback on a kernel without CLONE_PIDFD,
 * whose first clone says EINVAL).  Two children: a session leader cannot
 * also change its group.
 */
static long sweep_spawn_steps(void *ctx, osx_error *err)
{
	static char *true_argv[] = { "true", NULL }, *abs_argv[] = { "/bin/true", NULL };
	static char *envp[] = { "PATH=/nonexistent:/bin:/usr/bin", NULL };
	int path = *(int *)ctx, pass = -1, r = -1;
	int dfl = SIGUSR1;
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;

	if (path >= 1)
		assert_int_equal(osx__fault_fail(OSX__SYS_clone3, 1, OSX__FAULT_ALWAYS, ENOSYS), 0);
	if (path == 2)
		assert_int_equal(osx__fault_fail(OSX__SYS_clone, 1, 1, EINVAL), 0);
	pass = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(pass >= 3);
	if (!(a = sweep_attr(true_argv, err)))
		goto out;
	osx_spawn_attr_set_envp(a, envp, NULL);
	osx_spawn_attr_set_search_path(a, 1, NULL);
	osx_spawn_attr_set_new_session(a, 1, NULL);
	osx_spawn_attr_set_cwd(a, "/", NULL);
	osx_spawn_attr_set_stdio(a, 0, OSX_SPAWN_CLOSE, NULL);
	osx_spawn_attr_set_stdio(a, 1, 1, NULL); /* its own: made inheritable */
	osx_spawn_attr_set_stdio(a, 2, 1, NULL); /* moved above 2 first, then dup2'd */
	if (osx_spawn_attr_dup(a, pass, pass, err) < 0 || osx_spawn(a, &ch, err) < 0)
		goto out;
	if (osx_child_kill(&ch, 0, err) < 0 || osx_child_wait(&ch, &st, err) < 0) {
		reap(&ch);
		goto out;
	}
	if (!(a = sweep_attr(abs_argv, err)))
		goto out;
	osx_spawn_attr_set_pgroup(a, 0, NULL);
	osx_spawn_attr_set_sigdefault(a, &dfl, 1, NULL);
	if (osx_spawn(a, &ch, err) == 0 && (r = osx_child_wait(&ch, &st, err)) < 0)
		reap(&ch);
out:
	close(pass);
	return r;
}

static void test_sweep_spawn_steps(void **state)
{
	struct osx_sweep s = { .run = sweep_spawn_steps };
	int path;

	(void)state;
	/* Cleanup: a close after a failure, the child's report write. */
	s.cleanup[OSX__SYS_close] = 1;
	s.cleanup[OSX__SYS_write] = 1;
	/* valgrind has no clone3: the fallback is its only path. */
	for (path = no_clone3() ? 1 : 0; path <= 2; path++) {
		s.ctx = &path;
		osx_sweep_run(&s);
	}
	osx_test_skip_unchecked();
}

/* Cleanup that must still happen when its own first attempt is
 * interrupted, and the report pipe of a parent whose fds 0 and 2 are
 * closed (pipe2 then hands out 0 and 2, and the write end is moved up). */
static void test_spawn_cleanup_faults(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	int in, errfd, inherit = 1;
	const char *errfd_call;
	struct osx_sweep s = { .run = sweep_spawn_fallback, .ctx = &inherit };
	osx_spawn_attr *a;
	osx_child ch;
	osx_error err;

	(void)state;
	/* The child failed (chdir): its reaping survives an EINTR. */
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_cwd(a, "/nonexistent", NULL);
	osx__fault_fail(OSX__SYS_wait4, 1, 1, EINTR);
	assert_int_equal(osx_spawn(a, &ch, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.call, "chdir");
	assert_int_equal(osx__fault_count(OSX__SYS_wait4), 2);

	/* The fallback's report unreadable, where it is read (the clone
	 * copied the memory: valgrind, qemu-user): the child is killed and
	 * reaped. */
	osx__fault_reset();
	osx_spawn_attr_set_cwd(a, NULL, NULL);
	if (!osx_test_vfork_shares_memory()) {
		osx__fault_fail(OSX__SYS_clone3, 1, 1, ENOSYS);
		osx__fault_fail(OSX__SYS_read, 1, 1, EIO);
		osx__fault_fail(OSX__SYS_wait4, 1, 1, EINTR);
		assert_int_equal(osx_spawn(a, &ch, &err), -1);
		assert_int_equal(err.code, EIO);
		assert_string_equal(err.call, "read");
		assert_int_equal(osx__fault_count(OSX__SYS_kill), 1);
		assert_int_equal(osx__fault_count(OSX__SYS_wait4), 2);
	}

	in = fcntl(0, F_DUPFD_CLOEXEC, 3);
	errfd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	assert_true(in >= 3 && errfd >= 3);
	close(0);
	close(2);
	/* The write end moved up by fcntl: its failure is named so. */
	osx__fault_fail(OSX__SYS_clone3, 1, 1, ENOSYS);
	osx__fault_fail(OSX__SYS_fcntl, 1, 1, EMFILE);
	osx_spawn_attr_set_cwd(a, NULL, NULL);
	errfd_call = osx_spawn(a, &ch, &err) < 0 ? err.call : "none";
	osx__fault_reset();
	s.cleanup[OSX__SYS_close] = 1;
	assert_true(osx_sweep_run(&s) >= 6);
	assert_int_equal(dup2(in, 0), 0);
	assert_int_equal(dup2(errfd, 2), 2);
	close(in);
	close(errfd);
	assert_string_equal(errfd_call, "fcntl");
	osx_test_skip_unchecked();
}

static volatile sig_atomic_t pipe_seen;

static void on_pipe(int sig)
{
	(void)sig;
	pipe_seen++;
}

/* A SIGPIPE that arrived while osx_run kept it blocked (the command sends
 * one once it has read its input, which osx_run writes with SIGPIPE
 * blocked; a write to a closed pipe would, when poll does not see the
 * close first) cannot be consumed: the run fails with EINTR, as an
 * interrupted call would, and the signal is delivered once the caller's
 * mask is back. */
static void test_run_sigpipe_unconsumed(void **state)
{
	struct sigaction sa, old;
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_pipe;
	assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
	pipe_seen = 0;
	a = sh_attr("read x; kill -PIPE $PPID");
	osx__fault_fail(OSX__SYS_sigtimedwait, 1, 1, EINVAL);
	assert_int_equal(osx_run(a, "x", 1, -1, &res, &err), -1);
	assert_int_equal(err.code, EINTR);
	assert_string_equal(err.call, "sigtimedwait");
	assert_int_equal(pipe_seen, 1);
	/* Consumed when it can be: nothing delivered. */
	assert_int_equal(osx_run(a, "x", 1, -1, &res, &err), 0);
	osx_run_result_free(&res);
	assert_int_equal(pipe_seen, 1);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
}

/* The wait for the command failing: the pidfd is closed (a failure of
 * that close ignored) and the pid waited for once more.  wait4 is not
 * retried on an error (the kernel's errors from it are final): with that
 * wait failing too the child is left for the caller, reaped here. */
static void test_run_wait_fails(void **state)
{
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	a = sh_attr("exit 0");
	osx__fault_fail(OSX__SYS_waitid, 1, 1, EIO);
	osx__fault_fail(OSX__SYS_close, 1, OSX__FAULT_ALWAYS, EIO);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), -1);
	assert_int_equal(err.code, EIO);
	assert_int_equal(errno, EIO);
	assert_string_equal(err.call, osx__fault_count(OSX__SYS_waitid) ? "waitid" : "wait4");
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_waitid, 1, 1, EIO);
	osx__fault_fail(OSX__SYS_wait4, 1, 1, EIO);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), -1);
	assert_int_equal(osx__fault_count(OSX__SYS_wait4), osx__fault_count(OSX__SYS_waitid) ? 1 : 2);
	assert_true(waitpid(-1, NULL, 0) > 0);
}

/* A spawn failing inside osx_run, and the cleanup closes failing after it
 * (EBADF, as a libc close wrapper would leave in errno): errno is still
 * the spawn's. */
static void test_run_spawn_fails(void **state)
{
	char *argv[] = { "/nonexistent/program", NULL };
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx__fault_fail(OSX__SYS_close, 1, OSX__FAULT_ALWAYS, EBADF);
	errno = 0;
	assert_int_equal(osx_run(a, "x", 1, -1, &res, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.call, "execve");
	osx__fault_reset();
}

/* osx_system's signal steps: each failure is reported, and the caller's
 * dispositions and mask are what they were (setup puts them back when a
 * restoring step itself was made to fail). */
static void system_setup(void *ctx)
{
	struct sigaction dfl;
	sigset_t chld;

	(void)ctx;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	assert_int_equal(sigaction(SIGINT, &dfl, NULL), 0);
	assert_int_equal(sigaction(SIGQUIT, &dfl, NULL), 0);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &chld, NULL), 0);
}

static long system_exit3(void *ctx, osx_error *err)
{
	int r = osx_system("exit 3", err);

	(void)ctx;
	return r < 0 ? -1 : r == 3 << 8 ? 0 : osx_error_set(err, EPROTO, "test", NULL, NULL);
}

static void test_system_faults(void **state)
{
	struct osx_sweep s = { .setup = system_setup, .run = system_exit3 };
	struct sigaction old_int, old_quit, sa;
	osx_error err;
	int pidfd;

	(void)state;
	assert_int_equal(sigaction(SIGINT, NULL, &old_int), 0);
	assert_int_equal(sigaction(SIGQUIT, NULL, &old_quit), 0);
	assert_true(osx_sweep_run(&s) >= 6);
	/* Ignoring SIGQUIT fails: SIGINT is put back, and that fails too. */
	system_setup(NULL);
	osx__fault_fail(OSX__SYS_sigaction, 2, 2, EPERM);
	assert_int_equal(osx_system("exit 3", &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_string_equal(err.call, "sigaction");
	assert_int_equal(osx__fault_count(OSX__SYS_sigaction), 3);
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN); /* the failed restore */
	/* The wait failing: the command is still reaped (through an EINTR),
	 * its pidfd closed (that close failing too), the error reported. */
	system_setup(NULL);
	osx__fault_reset();
	assert_int_equal(osx_system("exit 3", &err), 3 << 8);
	pidfd = osx__fault_count(OSX__SYS_waitid) > 0;
	osx__fault_reset();
	if (pidfd) {
		osx__fault_fail(OSX__SYS_waitid, 1, 1, EIO);
		osx__fault_fail(OSX__SYS_wait4, 1, 1, EINTR);
		osx__fault_fail(OSX__SYS_close, 1, OSX__FAULT_ALWAYS, EIO);
	} else {
		/* No pidfd (valgrind may lack it): waitid by pid fails. */
		osx__fault_fail(OSX__SYS_waitid, 1, 1, EIO);
		osx__fault_fail(OSX__SYS_wait4, 1, 1, EINTR);
	}
	assert_int_equal(osx_system("exit 3", &err), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(err.code, EIO);
	assert_int_equal(osx__fault_count(OSX__SYS_wait4), 2);
	assert_int_equal(sigaction(SIGINT, &old_int, NULL), 0);
	assert_int_equal(sigaction(SIGQUIT, &old_quit, NULL), 0);
	osx_test_skip_unchecked();
}

static long sweep_run(void *ctx, osx_error *err)
{
	osx_spawn_attr *a;
	osx_run_result res;
	long rc;

	(void)ctx;
	sh_argv[2] = "cat; echo x >&2";
	if (!(a = sweep_attr(sh_argv, err)) || osx_run(a, "hello", 5, 10000, &res, err) < 0)
		return -1;
	rc = res.status.returncode;
	osx_run_result_free(&res);
	return rc;
}

static void test_sweep_run(void **state)
{
	struct osx_sweep s = { .run = sweep_run, .any_error = 1 };

	(void)state;
	/* The shell's own calls are not ours; a failed read/write in it
	 * shows as a non-zero returncode, which is a correct outcome. */
	osx_sweep_run(&s);
	osx_test_skip_unchecked();
}

/* ---- a child handle's whole life (issue 14, bug 1) ---- */

/* A failed, a zeroed and a reaped handle: kill and wait are errors and
 * never reach the kernel (kill(-1) was every process we may signal; a
 * reaped pid may be reused by then). */
static void test_child_handle_life(void **state)
{
	char *missing[] = { "/nonexistent/program", NULL }, *tru[] = { "/bin/true", NULL };
	osx_child zero, ch;
	osx_spawn_attr *a;
	osx_wait_status st;
	osx_error err;
	pid_t other;

	(void)state;
	a = attr_new();
	osx_spawn_attr_set_argv(a, missing, NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), -1);
	/* Another child of ours, which a wait on a guess would reap. */
	other = fork();
	if (other == 0)
		_exit(0);
	assert_true(other > 0);
	osx__fault_reset();
	assert_int_equal(osx_child_kill(&ch, 0, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx_child_wait(&ch, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(osx_child_kill(&zero, 0, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx_child_wait(&zero, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx__fault_count(OSX__SYS_kill) + osx__fault_count(OSX__SYS_wait4) +
			 osx__fault_count(OSX__SYS_waitid) +
			 osx__fault_count(OSX__SYS_pidfd_send_signal), 0);
	assert_int_equal(waitpid(other, NULL, 0), other);

	osx_spawn_attr_set_argv(a, tru, NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	osx__fault_reset();
	assert_int_equal(osx_child_kill(&ch, SIGKILL, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx_child_wait(&ch, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx__fault_count(OSX__SYS_kill) +
			 osx__fault_count(OSX__SYS_pidfd_send_signal), 0);
}

/* Without a pidfd (a kernel before 5.2 and no pidfd_open) and the child
 * reaped behind the handle's back: its pid is not signalled. */
static void test_child_reaped_elsewhere(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	osx_spawn_attr *a;
	osx_child ch;
	osx_error err;

	(void)state;
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx__fault_fail(OSX__SYS_clone3, 1, 1, ENOSYS);
	osx__fault_fail(OSX__SYS_clone, 1, 1, EINVAL);
	osx__fault_fail(OSX__SYS_pidfd_open, 1, 1, ENOSYS);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(ch.pidfd, -1);
	assert_int_equal(waitpid(ch.pid, NULL, 0), ch.pid);
	osx__fault_reset();
	assert_int_equal(osx_child_kill(&ch, SIGKILL, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx__fault_count(OSX__SYS_kill), 0);
}

/* ---- envp NULL while another thread changes the environment (bug 2) ---- */

static volatile int env_churn_stop;

static void *env_churn(void *arg)
{
	char name[32];
	osx_error err;

	(void)arg;
	for (unsigned i = 0; !env_churn_stop; i++) {
		snprintf(name, sizeof(name), "OSX_CHURN_%u", i % 64);
		if (i % 128 < 64)
			osx_setenv(name, "a fairly long value to make environ move", &err);
		else
			osx_unsetenv(name, &err);
	}
	return NULL;
}

static void test_spawn_env_race(void **state)
{
	char *argv[] = { "true", NULL };
	int rounds = osx_test_under_valgrind() ? 20 : 300, failed = 0;
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;
	pthread_t t;

	(void)state;
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_search_path(a, 1, NULL);
	env_churn_stop = 0;
	assert_int_equal(pthread_create(&t, NULL, env_churn, NULL), 0);
	for (int i = 0; i < rounds; i++) {
		if (osx_spawn(a, &ch, &err) < 0 || osx_child_wait(&ch, &st, &err) < 0 ||
		    st.returncode != 0)
			failed++;
	}
	env_churn_stop = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	for (int i = 0; i < 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "OSX_CHURN_%d", i);
		osx_unsetenv(name, &err);
	}
	assert_int_equal(failed, 0);
}

/* ---- no close_range (bug 3): Linux < 5.11, seccomp profiles ---- */

/* Without /proc the fallback marks every fd number below RLIMIT_NOFILE
 * (a million in some containers): a small soft limit keeps that quick. */
static void nofile_limit(rlim_t soft, struct rlimit *old)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, old), 0);
	rl = *old;
	rl.rlim_cur = soft;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static void check_no_close_range(int error, int no_proc)
{
	struct rlimit old;
	int leak = open("/dev/null", O_RDONLY); /* inheritable on purpose */
	osx_spawn_attr *a;
	osx_run_result res;

	assert_true(leak >= 3);
	a = attr_new();
	osx__fault_fail(OSX__SYS_close_range, 1, OSX__FAULT_ALWAYS, error);
	if (no_proc) { /* no /proc: the bounded loop up to RLIMIT_NOFILE */
		nofile_limit(256, &old);
		osx__fault_fail(OSX__SYS_openat, 1, OSX__FAULT_ALWAYS, ENOENT);
	}
	assert_int_equal(run_capture(a, "cd /proc/self/fd && echo *", &res), 0);
	osx__fault_reset();
	if (no_proc)
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_string_equal(res.out, "0 1 2 3\n");
	osx_run_result_free(&res);
	close(leak);
}

/* Every step of the fallback, each failing: the child goes on (an fd it
 * could not mark is the kernel's word against an fd it listed, which it
 * never gives).  ctx: 1 also hides /proc. */
static long sweep_no_close_range(void *ctx, osx_error *err)
{
	/* An fd >= 3 for the fallback to mark (a test run alone may have
	 * none of its own). */
	int inherit = 1, fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	long r;

	assert_true(fd >= 3);
	osx__fault_fail(OSX__SYS_close_range, 1, OSX__FAULT_ALWAYS, ENOSYS);
	if (*(int *)ctx)
		osx__fault_fail(OSX__SYS_openat, 1, OSX__FAULT_ALWAYS, ENOENT);
	r = sweep_spawn(&inherit, err);
	close(fd);
	return r;
}

static void test_sweep_no_close_range(void **state)
{
	int no_proc;
	struct osx_sweep s = { .run = sweep_no_close_range, .ctx = &no_proc };
	struct rlimit old;

	(void)state;
	for (no_proc = 0; no_proc <= 1; no_proc++) {
		if (no_proc)
			nofile_limit(256, &old);
		osx_sweep_run(&s);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	osx_test_skip_unchecked();
}

/* A fresh child stack: its mmap and mprotect failing, and the unmap of a
 * stack nobody keeps (the release itself, with munmap failing). */
static void stack_setup(void *ctx)
{
	(void)ctx;
	osx__spawn_stack_release();
}

static void test_sweep_spawn_stack(void **state)
{
	struct osx_sweep s = { .setup = stack_setup, .run = sweep_spawn };

	(void)state;
	osx_sweep_run(&s);
	assert_true(sweep_spawn(NULL, NULL) == 0); /* a stack kept again */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_munmap, 1, 1, EINVAL);
	osx__spawn_stack_release();
	assert_int_equal(osx__fault_count(OSX__SYS_munmap), 1);
	osx_test_skip_unchecked();
}

static void test_spawn_no_close_range(void **state)
{
	(void)state;
	check_no_close_range(ENOSYS, 0);
	check_no_close_range(EPERM, 0);
	check_no_close_range(EINVAL, 0);
	check_no_close_range(ENOSYS, 1);
}

/* ---- the fallback's report pipe (bug 4) ---- */

/* A pass-through fd that is not open is an error, even where the report
 * pipe would take its number; and with the memory shared the pipe is never
 * read, so a fork() elsewhere that inherits it cannot hold the spawn. */
static void test_spawn_report_pipe(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	int free_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	(void)state;
	assert_true(free_fd >= 3);
	close(free_fd); /* the next fd the report pipe would get */
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	assert_int_equal(osx_spawn_attr_dup(a, free_fd, free_fd, NULL), 0);
	osx__fault_fail(OSX__SYS_clone3, 1, OSX__FAULT_ALWAYS, ENOSYS);
	expect_spawn_error(a, EBADF, "fcntl", NULL);
	osx__fault_reset();
	if (!osx_test_vfork_shares_memory()) {
		osx_test_unchecked("a report pipe that is never read",
				   "the clone copies the memory here, so the pipe is the report");
		osx_test_skip_unchecked();
	}
	a = argv_attr(argv);
	osx__fault_fail(OSX__SYS_clone3, 1, OSX__FAULT_ALWAYS, ENOSYS);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_read), 0);
	osx__fault_reset();
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
}

/* ---- a failed wait releases the handle (bug 5) ---- */

static void test_child_wait_echild(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	struct sigaction ign, old;
	int codes[3], pidfds[3];
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	(void)state;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	for (int i = 0; i < 3; i++) {
		codes[i] = -1;
		if (osx_spawn(a, &ch, &err) == 0 && osx_child_wait(&ch, &st, &err) < 0)
			codes[i] = err.code;
		pidfds[i] = ch.pidfd;
	}
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(codes[i], ECHILD);
		assert_int_equal(pidfds[i], -1);
	}
}

/* ---- a small thread stack (bug 6) ---- */

/* The spawn is made with all but the last 20 KiB of the thread's stack
 * used up (pad bytes), whatever the smallest stack the architecture
 * allows. */
struct small_stack {
	size_t pad;
	int rc;
};

static void spawn_true(int *rc)
{
	char *argv[] = { "/bin/true", NULL };
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	*rc = osx_spawn(a, &ch, &err) < 0 || osx_child_wait(&ch, &st, &err) < 0 ? -1 :
									       st.returncode;
}

static void *spawn_on_small_stack(void *arg)
{
	struct small_stack *s = arg;

	if (s->pad) {
		volatile char used[s->pad];

		used[0] = 0; /* its far end: the page is really there */
		spawn_true(&s->rc);
		used[s->pad - 1] = used[0]; /* live until the spawn is done */
	} else {
		spawn_true(&s->rc);
	}
	return NULL;
}

static void test_spawn_small_stack(void **state)
{
	/* posix_spawn works with 20 KiB of stack left; the smallest thread
	 * stack is larger on some architectures (aarch64: 128 KiB). */
	size_t left = 20480, min = (size_t)sysconf(_SC_THREAD_STACK_MIN);
	size_t size = min > left ? min : left;
	struct small_stack s = { size - left, -2 };
	pthread_attr_t ta;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_attr_init(&ta), 0);
	assert_int_equal(pthread_attr_setstacksize(&ta, size), 0);
	assert_int_equal(pthread_create(&t, &ta, spawn_on_small_stack, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&ta);
	assert_int_equal(s.rc, 0);
}

/* ---- a grandchild holding the pipes (bug 7) ---- */

static void test_run_grandchild_holds_pipes(void **state)
{
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	a = sh_attr("echo out; sleep 2 & exit 4");
	assert_int_equal(osx_run(a, NULL, 0, 300, &res, &err), 0);
	assert_false(res.timed_out);
	assert_true(res.status.exited);
	assert_int_equal(res.status.code, 4);
	assert_string_equal(res.out, "out\n");
	osx_run_result_free(&res);
}

/* ---- osx_pidfd_wait's answers with WNOHANG (bug 8) ---- */

static void test_pidfd_wait_nohang(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "read x; exit 3", NULL };
	int p[2];
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;
	struct pollfd pfd;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_stdio(a, 0, p[0], NULL);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	close(p[0]);
	if (ch.pidfd < 0) { /* valgrind */
		close(p[1]);
		assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
		return;
	}
	/* Running: 0, the status zeroed. */
	assert_int_equal(osx_pidfd_wait(ch.pidfd, &st, WNOHANG, &err), 0);
	assert_false(st.exited);
	close(p[1]);
	pfd.fd = ch.pidfd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, -1), 1);
	/* Ended: reaped now, its pid and status. */
	assert_int_equal(osx_pidfd_wait(ch.pidfd, &st, WNOHANG, &err), ch.pid);
	assert_true(st.exited);
	assert_int_equal(st.code, 3);
	/* Gone: ECHILD. */
	assert_int_equal(osx_pidfd_wait(ch.pidfd, &st, WNOHANG, &err), -1);
	assert_int_equal(err.code, ECHILD);
	close(ch.pidfd);
}

/* ---- PATH search past ENOEXEC (bug 9), as _posixsubprocess does ---- */

static void test_path_search_past_enoexec(void **state)
{
	const char *bad = osx_test_path(0, "bad");
	const char *good = osx_test_path(1, "good");
	char prog[4200], path[8500];
	char *argv[] = { "prog", NULL };
	char *envp[] = { path, NULL };
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	(void)state;
	assert_int_equal(mkdir(bad, 0755), 0);
	assert_int_equal(mkdir(good, 0755), 0);
	snprintf(prog, sizeof(prog), "%s/prog", bad);
	write_file(prog, "\x7f" "ELF garbage", 0755);
	snprintf(prog, sizeof(prog), "%s/prog", good);
	write_file(prog, "#!/bin/sh\nexit 42\n", 0755);
	a = attr_new();
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_envp(a, envp, NULL);
	osx_spawn_attr_set_search_path(a, 1, NULL);
	snprintf(path, sizeof(path), "PATH=%s:%s", bad, good);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 42);
	/* None runs: the first error that is not ENOENT/ENOTDIR. */
	snprintf(path, sizeof(path), "PATH=/nonexistent:%s:/nonexistent", bad);
	expect_spawn_error(a, ENOEXEC, "execve", "prog");
}

/* ---- fd mapping (CPython's test_subprocess cases) ---- */

/* The fds open in a child (its /proc/self/fd, less the shell's own 3). */
static void child_fd_list(osx_spawn_attr *a, char *out, size_t len)
{
	osx_run_result res;

	assert_int_equal(run_capture(a, "cd /proc/self/fd && echo *", &res), 0);
	snprintf(out, len, "%s", res.out);
	osx_run_result_free(&res);
}

/* A free fd number >= from (not open here). */
static int free_fd_at(int from)
{
	while (fcntl(from, F_GETFD) >= 0)
		from++;
	return from;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* test_pass_fds, test_pass_fds_inheritable: the passed fds are open and
 * inheritable in the child whatever they were here; nothing else is. */
static void test_fd_pass(void **state)
{
	int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int inheritable = open("/dev/null", O_RDONLY);
	int other = open("/dev/null", O_RDONLY);
	char got[256], want[256];
	osx_spawn_attr *a;

	(void)state;
	assert_true(cloexec >= 3 && inheritable >= 3 && other >= 3);
	a = attr_new();
	assert_int_equal(osx_spawn_attr_dup(a, cloexec, cloexec, NULL), 0);
	assert_int_equal(osx_spawn_attr_dup(a, inheritable, inheritable, NULL), 0);
	child_fd_list(a, got, sizeof(got));
	close(cloexec);
	close(inheritable);
	close(other);
	/* The shell's directory handle takes the lowest free number. */
	{
		int open_fds[5] = { 0, 1, 2, cloexec, inheritable }, shell = 3, n = 0;

		for (int i = 0; i < 5; i++)
			if (open_fds[i] == shell)
				shell++, i = -1;
		for (int fd = 0; fd <= 64; fd++)
			if (fd < 3 || fd == cloexec || fd == inheritable || fd == shell)
				n += snprintf(want + n, sizeof(want) - (size_t)n, "%s%d", n ? " " : "",
					      fd);
		snprintf(want + n, sizeof(want) - (size_t)n, "\n");
	}
	assert_string_equal(got, want);
}

/* Any parent fd to any child fd, sources that are also targets (a swap),
 * close and open at an fd, in order. */
static void test_fd_map(void **state)
{
	const char *px = osx_test_path(0, "x"), *py = osx_test_path(1, "y");
	const char *pz = osx_test_path(2, "z");
	int x, y, fx, fy, bad;
	char buf[256];
	osx_spawn_attr *a;
	osx_run_result res;

	(void)state;
	x = open(px, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	y = open(py, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(x >= 0 && y >= 0);
	/* x and y at 7 and 8 (or the next free numbers) in the parent, and
	 * swapped in the child: each source is the other's target. */
	fx = free_fd_at(7);
	assert_int_equal(dup3(x, fx, O_CLOEXEC), fx);
	fy = free_fd_at(fx + 1);
	assert_int_equal(dup3(y, fy, O_CLOEXEC), fy);
	close(x);
	close(y);
	assert_true(fy <= 9); /* the shell's >&N takes one digit */
	a = attr_new();
	assert_int_equal(osx_spawn_attr_dup(a, fx, fy, NULL), 0);
	assert_int_equal(osx_spawn_attr_dup(a, fy, fx, NULL), 0);
	assert_int_equal(osx_spawn_attr_open(a, 5, pz, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
					     0600, NULL), 0);
	assert_int_equal(osx_spawn_attr_dup(a, 1, 6, NULL), 0);
	assert_int_equal(osx_spawn_attr_close(a, 6, NULL), 0);
	snprintf(buf, sizeof(buf), "echo to%d >&%d; echo to%d >&%d; echo z >&5; "
		 "echo six >&6 || echo closed", fx, fx, fy, fy);
	assert_int_equal(run_capture(a, buf, &res), 0);
	assert_string_equal(res.out, "closed\n");
	osx_run_result_free(&res);
	snprintf(buf, sizeof(buf), "to%d\n", fy);
	{
		char got[64];

		read_file(px, got, sizeof(got));
		assert_string_equal(got, buf);
		snprintf(buf, sizeof(buf), "to%d\n", fx);
		read_file(py, got, sizeof(got));
		assert_string_equal(got, buf);
		read_file(pz, got, sizeof(got));
		assert_string_equal(got, "z\n");
	}
	close(fx);
	close(fy);

	/* An open that fails names its path; a dup from a closed fd, EBADF. */
	a = sh_attr("exit 0");
	assert_int_equal(osx_spawn_attr_open(a, 4, "/nonexistent/f", O_RDONLY, 0, NULL), 0);
	expect_spawn_error(a, ENOENT, "openat", "/nonexistent/f");
	/* To another number: a dup2 (to its own number it would be the
	 * fcntl that clears CLOEXEC, and the lowest free fd need not be 3:
	 * under qemu-user it was 4, and 4 was the target). */
	bad = free_fd_at(3);
	a = sh_attr("exit 0");
	assert_int_equal(osx_spawn_attr_dup(a, bad, bad + 1, NULL), 0);
	expect_spawn_error(a, EBADF, "dup2", NULL);
}

/* Save our 0..2, put the three files there in the order perm names,
 * spawn with stdin/stdout/stderr from fds perm-mapped, restore. */
static int swap_run(const int perm[3], int files[3], int closed)
{
	int saved[3], rc = -1;
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;
	osx_error err;

	for (int i = 0; i < 3; i++)
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
	for (int i = 0; i < 3; i++)
		dup2(files[i], i);
	if (closed >= 0)
		close(closed);
	a = sh_attr("read line; echo \"out:$line\"; echo \"err:$line\" >&2");
	for (int i = 0; i < 3; i++)
		osx_spawn_attr_set_stdio(a, i, perm[i], NULL);
	if (osx_spawn(a, &ch, &err) == 0 && osx_child_wait(&ch, &st, &err) == 0)
		rc = st.returncode;
	for (int i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	return rc;
}

/* test_swap_fds and test_swap_std_fds_with_one_closed: our own 0, 1 and 2
 * are three files, and the child's stdin/stdout/stderr are each of them,
 * in every order. */
static void test_fd_swap_std(void **state)
{
	static const int perms[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					 { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	char got[64];

	(void)state;
	for (int p = 0; p < 6; p++) {
		int files[3], perm[3];
		const char *names[3];

		for (int i = 0; i < 3; i++) {
			names[i] = osx_test_path(i, i == 0 ? "f0" : i == 1 ? "f1" : "f2");
			files[i] = open(names[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			assert_true(files[i] >= 3);
		}
		/* The file that becomes stdin holds the line. */
		assert_int_equal(write(files[perms[p][0]], "hi\n", 3), 3);
		assert_int_equal(lseek(files[perms[p][0]], 0, SEEK_SET), 0);
		memcpy(perm, perms[p], sizeof(perm));
		assert_int_equal(swap_run(perm, files, -1), 0);
		read_file(names[perms[p][1]], got, sizeof(got));
		assert_string_equal(got, perms[p][1] == perms[p][0] ? "hi\nout:hi\n" : "out:hi\n");
		read_file(names[perms[p][2]], got, sizeof(got));
		assert_string_equal(got, "err:hi\n");
		for (int i = 0; i < 3; i++)
			close(files[i]);
	}
	/* One of ours closed, the child's stderr from a closed fd: EBADF,
	 * the others as asked. */
	{
		int files[3], perm[3] = { 0, 1, 2 };

		for (int i = 0; i < 3; i++) {
			files[i] = open(osx_test_path(i, "g"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			assert_true(files[i] >= 3);
		}
		assert_int_equal(swap_run(perm, files, 2), -1);
		for (int i = 0; i < 3; i++)
			close(files[i]);
	}
}

/* test_close_fds_0_1 ... test_close_fds_0_1_2: osx_run's pipes work with
 * any of our standard fds closed. */
static void test_run_std_closed(void **state)
{
	(void)state;
	for (int mask = 1; mask < 8; mask++) {
		int saved[3];
		osx_spawn_attr *a = sh_attr("cat; echo e >&2");
		osx_run_result res;
		osx_error err;
		int r;

		for (int i = 0; i < 3; i++)
			saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
		for (int i = 0; i < 3; i++)
			if (mask & (1 << i))
				close(i);
		r = osx_run(a, "in", 2, -1, &res, &err);
		for (int i = 0; i < 3; i++) {
			dup2(saved[i], i);
			close(saved[i]);
		}
		assert_int_equal(r, 0);
		assert_string_equal(res.out, "in");
		assert_string_equal(res.err, "e\n");
		osx_run_result_free(&res);
	}
}

/* A script "exit 7" at path, to run by fd: opened CLOEXEC, then kept
 * open across the exec for its interpreter (an action onto itself). */
static osx_spawn_attr *script_fd_attr(char **argv, const char *path, int *fd)
{
	osx_spawn_attr *a;

	write_file(path, "#!/bin/sh\nexit 7\n", 0755);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(*fd >= 3);
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program_fd(a, *fd, NULL), 0);
	assert_int_equal(osx_spawn_attr_dup(a, *fd, *fd, NULL), 0);
	return a;
}

/* No execveat (ENOSYS: qemu-user, seccomp filters that refuse it): the
 * program by fd is run through its /proc/self/fd name, as fexecve does;
 * an ELF and a script (its fd kept for the interpreter).  Without /proc
 * (that exec ENOENT) the spawn fails with the ENOSYS. */
static void test_program_fd_without_execveat(void **state)
{
	char *argv[] = { "custom-name", "-c", "echo $0", NULL };
	const char *script = osx_test_path(0, "script");
	osx_wait_status st;
	osx_spawn_attr *a;
	osx_run_result res;
	unsigned long fcntls;
	osx_child ch;
	osx_error err;
	int fd;

	(void)state;
	fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 3);
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program_fd(a, fd, NULL), 0);
	osx__fault_fail(OSX__SYS_execveat, 1, 1, ENOSYS);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), 0);
	osx__fault_reset();
	assert_true(res.status.exited);
	assert_string_equal(res.out, "custom-name\n");
	osx_run_result_free(&res);
	/* No /proc: the exec of its name is ENOENT. */
	osx__fault_fail(OSX__SYS_execveat, 1, 1, ENOSYS);
	osx__fault_fail(OSX__SYS_execve, 1, 1, ENOENT);
	assert_int_equal(osx_spawn(a, &ch, &err), -1);
	osx__fault_reset();
	assert_int_equal(err.code, ENOSYS);
	assert_string_equal(err.call, "execveat");
	close(fd);
	/* A closed fd: EBADF, as from execveat: the child asks fcntl first,
	 * its last fcntl (counted where the child shares our memory). */
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program_fd(a, free_fd_at(3), NULL), 0);
	osx__fault_fail(OSX__SYS_execveat, 1, 1, ENOSYS);
	expect_spawn_error(a, EBADF, "execveat", NULL);
	fcntls = osx__fault_count(OSX__SYS_fcntl);
	osx__fault_reset();
	if (osx_test_vfork_shares_memory()) {
		a = argv_attr(argv);
		assert_int_equal(osx_spawn_attr_set_program_fd(a, 0, NULL), 0);
		osx__fault_fail(OSX__SYS_execveat, 1, 1, ENOSYS);
		osx__fault_fail(OSX__SYS_fcntl, fcntls, 1, EBADF);
		expect_spawn_error(a, EBADF, "execveat", NULL);
		osx__fault_reset();
	}

	a = script_fd_attr(argv, script, &fd);
	osx__fault_fail(OSX__SYS_execveat, 1, 1, ENOSYS);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	osx__fault_reset();
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 7);
	close(fd);
}

/* The program apart from argv[0] (executable=), and by fd (fexecve). */
static void test_program(void **state)
{
	char *argv[] = { "custom-name", "-c", "echo $0", NULL };
	const char *script = osx_test_path(0, "script");
	osx_spawn_attr *a;
	osx_run_result res;
	osx_wait_status st;
	osx_child ch;
	osx_error err;
	int fd;

	(void)state;
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program(a, "/bin/sh", NULL), 0);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), 0);
	assert_string_equal(res.out, "custom-name\n");
	osx_run_result_free(&res);
	/* Searched in PATH like argv[0] would be. */
	assert_int_equal(osx_spawn_attr_set_program(a, "sh", NULL), 0);
	assert_int_equal(osx_spawn_attr_set_search_path(a, 1, NULL), 0);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), 0);
	assert_string_equal(res.out, "custom-name\n");
	osx_run_result_free(&res);
	assert_int_equal(osx_spawn_attr_set_program(a, "/nonexistent/sh", NULL), 0);
	assert_int_equal(osx_spawn_attr_set_search_path(a, 0, NULL), 0);
	expect_spawn_error(a, ENOENT, "execve", "/nonexistent/sh");
	/* (Without execveat, as under qemu-user, through its /proc name.) */
	/* By fd: an ELF opened CLOEXEC, its fd a target of an action too. */
	fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 3);
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program_fd(a, fd, NULL), 0);
	assert_int_equal(osx_spawn_attr_dup(a, 2, fd, NULL), 0);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), 0);
	assert_string_equal(res.out, "custom-name\n");
	osx_run_result_free(&res);
	close(fd);
	/* A script: its fd must reach the interpreter (kept, not CLOEXEC). */
	a = script_fd_attr(argv, script, &fd);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	assert_int_equal(osx_child_wait(&ch, &st, &err), 0);
	assert_int_equal(st.returncode, 7);
	close(fd);
	a = argv_attr(argv);
	assert_int_equal(osx_spawn_attr_set_program_fd(a, free_fd_at(3), NULL), 0);
	/* valgrind's execveat goes by /proc/self/fd/N: ENOENT. */
	expect_spawn_error(a, osx_test_under_valgrind() ? ENOENT : EBADF, "execveat", NULL);
}

/* ---- child attributes ---- */

static void status_line(const char *status, const char *key, char *out, size_t len)
{
	const char *p = strstr(status, key);
	size_t n;

	assert_non_null(p);
	p += strlen(key);
	while (*p == '\t' || *p == ' ')
		p++;
	n = strcspn(p, "\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	snprintf(out, len, "%.*s", (int)n, p);
}

/* user, group, extra_groups (as root); EPERM from setresuid otherwise. */
static void test_child_credentials(void **state)
{
	gid_t groups[] = { 65534, 100 };
	char line[128];
	osx_spawn_attr *a;
	osx_run_result res;

	(void)state;
	a = attr_new();
	assert_int_equal(osx_spawn_attr_set_user(a, 65534, NULL), 0);
	if (geteuid() != 0) {
		assert_int_equal(osx_spawn_attr_set_argv(a, sh_argv, NULL), 0);
		sh_argv[2] = "exit 0";
		expect_spawn_error(a, EPERM, "setresuid", NULL);
		return;
	}
	assert_int_equal(osx_spawn_attr_set_group(a, 65534, NULL), 0);
	assert_int_equal(osx_spawn_attr_set_extra_groups(a, groups, 2, NULL), 0);
	assert_int_equal(run_capture(a, "exec cat /proc/self/status", &res), 0);
	status_line(res.out, "Uid:", line, sizeof(line));
	assert_string_equal(line, "65534\t65534\t65534\t65534");
	status_line(res.out, "Gid:", line, sizeof(line));
	assert_string_equal(line, "65534\t65534\t65534\t65534");
	status_line(res.out, "Groups:", line, sizeof(line));
	assert_string_equal(line, "100 65534");
	osx_run_result_free(&res);
	/* No extra groups at all. */
	assert_int_equal(osx_spawn_attr_set_extra_groups(a, NULL, 0, NULL), 0);
	assert_int_equal(run_capture(a, "exec cat /proc/self/status", &res), 0);
	status_line(res.out, "Groups:", line, sizeof(line));
	assert_string_equal(line, "");
	osx_run_result_free(&res);
	/* Our own credentials are untouched. */
	assert_int_equal(geteuid(), 0);
}

/* umask, rlimits, restore_signals. */
static void test_child_umask_rlimits(void **state)
{
	struct sigaction ign, old;
	struct sigmasks m;
	osx_spawn_attr *a;
	osx_run_result res;
	int res_id;
	mode_t mine = umask(022);

	(void)state;
	umask(mine);
	a = attr_new();
	assert_int_equal(osx_spawn_attr_set_umask(a, 027, NULL), 0);
	/* valgrind keeps fds of its own at the top of RLIMIT_NOFILE and
	 * refuses to move it: RLIMIT_FSIZE there. */
	res_id = osx_test_under_valgrind() ? RLIMIT_FSIZE : RLIMIT_NOFILE;
	assert_int_equal(osx_spawn_attr_set_rlimit(a, res_id, 100, 200, NULL), 0);
	assert_int_equal(osx_spawn_attr_set_rlimit(a, RLIMIT_CORE, 0, OSX_RLIM_INFINITY, NULL), 0);
	assert_int_equal(osx_spawn_attr_set_rlimit(a, res_id, 50, 200, NULL), 0);
	assert_int_equal(run_capture(a, osx_test_under_valgrind() ?
					   "umask; ulimit -f; ulimit -Hf; ulimit -c; ulimit -Hc" :
					   "umask; ulimit -n; ulimit -Hn; ulimit -c; ulimit -Hc", &res),
			 0);
	/* ulimit -f counts 512-byte blocks (dash: 1024); the limit is bytes. */
	if (!osx_test_under_valgrind())
		assert_string_equal(res.out, "0027\n50\n200\n0\nunlimited\n");
	else
		assert_non_null(strstr(res.out, "\n0\nunlimited\n"));
	osx_run_result_free(&res);
	assert_int_equal(umask(mine), mine);
	/* A limit the child may not raise: EPERM, named. */
	if (geteuid() != 0) {
		assert_int_equal(osx_spawn_attr_set_rlimit(a, RLIMIT_NOFILE, 50, OSX_RLIM_INFINITY,
							   NULL), 0);
		sh_argv[2] = "exit 0";
		expect_spawn_error(a, EPERM, "prlimit", NULL);
	}

	/* restore_signals: SIGPIPE ignored here, default there (on by
	 * default), still ignored with it off. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
	for (int restore = 1; restore >= 0; restore--) {
		a = attr_new();
		if (!restore)
			assert_int_equal(osx_spawn_attr_set_restore_signals(a, 0, NULL), 0);
		assert_int_equal(run_capture(a, "exec cat /proc/self/status", &res), 0);
		read_sigmasks(res.out, &m);
		osx_run_result_free(&res);
		assert_int_equal((m.ign & sigbit(SIGPIPE)) != 0, !restore);
	}
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
}

/* The cgroup2 mount, from /proc/self/mountinfo; 0 when there is none. */
static int cgroup2_root(char *out, size_t len)
{
	char line[4096], mnt[4096], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");

		if (dash && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    sscanf(dash + 3, "%63s", fstype) == 1 && strcmp(fstype, "cgroup2") == 0) {
			snprintf(out, len, "%s", mnt);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* CLONE_INTO_CGROUP: the child starts in the cgroup; no fallback where
 * clone3 cannot do it. */
static void test_child_cgroup(void **state)
{
	char root[4096], dir[4200], want[256];
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;
	int fd;

	(void)state;
	a = attr_new();
	fd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(osx_spawn_attr_set_cgroup(a, fd, NULL), 0);
	sh_argv[2] = "exit 0";
	assert_int_equal(osx_spawn_attr_set_argv(a, sh_argv, NULL), 0);
	/* Without clone3 (as before Linux 5.3, or under valgrind). */
	osx__fault_fail(OSX__SYS_clone3, 1, 1, ENOSYS);
	expect_spawn_error(a, ENOSYS, "clone3", NULL);
	osx__fault_reset();
	/* Not a cgroup directory: the kernel's word. */
	if (!osx_test_under_valgrind()) {
		osx_child ch;

		assert_int_equal(osx_spawn(a, &ch, &err), -1);
		assert_string_equal(err.call, "clone3");
	}
	close(fd);
	if (no_clone3()) {
		print_message("no clone3 path here: a spawn into a cgroup fails as checked\n");
		return;
	}
	if (!cgroup2_root(root, sizeof(root)))
		return;
	snprintf(dir, sizeof(dir), "%s/osx-test-%d", root, (int)getpid());
	if (mkdir(dir, 0755) < 0)
		return; /* not ours to create here: the error paths have to do */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	a = attr_new();
	assert_int_equal(osx_spawn_attr_set_cgroup(a, fd, NULL), 0);
	{
		int r = run_capture(a, "exec cat /proc/self/cgroup", &res);

		close(fd);
		rmdir(dir);
		assert_int_equal(r, 0);
	}
	snprintf(want, sizeof(want), "0::/osx-test-%d\n", (int)getpid());
	assert_non_null(strstr(res.out, want));
	osx_run_result_free(&res);
}

/* Every new attribute's step, each failing in turn: the fd actions (a
 * swap, whose sources are copied first; an open; a close), an exec fd
 * that an action overwrites (copied too), and the credentials (our own,
 * which the kernel lets us set again), rlimits and umask.  ctx: the exec
 * fd, or -1 where there is no execveat (the program by path then). */
static long sweep_attrs(void *ctx, osx_error *err)
{
	static char *argv[] = { "true", NULL };
	int fd = *(int *)ctx, r = -1;
	gid_t groups[1] = { getegid() };
	struct rlimit rl;
	osx_spawn_attr *a;
	osx_child ch;
	osx_wait_status st;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (!(a = sweep_attr(argv, err)))
		return -1;
	if (osx_spawn_attr_dup(a, 1, 2, err) < 0 || osx_spawn_attr_dup(a, 2, 1, err) < 0 ||
	    osx_spawn_attr_open(a, 5, "/dev/null", O_RDONLY, 0, err) < 0 ||
	    osx_spawn_attr_close(a, 6, err) < 0)
		return -1;
	if (fd < 0)
		osx_spawn_attr_set_program(a, "/bin/true", NULL);
	else if (osx_spawn_attr_dup(a, 0, fd, err) < 0 ||
		 osx_spawn_attr_set_program_fd(a, fd, err) < 0)
		return -1;
	if (osx_spawn(a, &ch, err) < 0)
		return -1;
	if (osx_child_wait(&ch, &st, err) < 0) {
		reap(&ch);
		return -1;
	}
	if (!(a = sweep_attr(argv, err)))
		return -1;
	osx_spawn_attr_set_program(a, "/bin/true", NULL);
	osx_spawn_attr_set_user(a, geteuid(), NULL);
	osx_spawn_attr_set_group(a, getegid(), NULL);
	osx_spawn_attr_set_umask(a, 022, NULL);
	if ((geteuid() == 0 && osx_spawn_attr_set_extra_groups(a, groups, 1, err) < 0) ||
	    osx_spawn_attr_set_rlimit(a, RLIMIT_NOFILE, rl.rlim_cur, rl.rlim_max, err) < 0)
		return -1;
	if (osx_spawn(a, &ch, err) == 0 && (r = osx_child_wait(&ch, &st, err)) < 0)
		reap(&ch);
	return r < 0 ? r : st.returncode;
}

static void test_sweep_attrs(void **state)
{
	int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	struct osx_sweep s = { .run = sweep_attrs, .ctx = &fd };

	(void)state;
	assert_true(fd >= 3);
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
	close(fd);
	osx_test_skip_unchecked();
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
		OSX_TEST(test_session_and_group),
		OSX_TEST(test_system),
		OSX_TEST(test_thin_layer),
		OSX_TEST(test_thin_layer_faults),
		OSX_TEST(test_cpu_count),
		OSX_TEST(test_spawn_clone3_path),
		OSX_TEST(test_spawn_fallback_path),
		OSX_TEST(test_sweep_spawn),
		OSX_TEST(test_sweep_spawn_fallback),
		OSX_TEST(test_sweep_spawn_steps),
		OSX_TEST(test_sweep_run),
		OSX_TEST(test_spawn_cleanup_faults),
		OSX_TEST(test_run_sigpipe_unconsumed),
		OSX_TEST(test_run_wait_fails),
		OSX_TEST(test_run_spawn_fails),
		OSX_TEST(test_system_faults),
		OSX_TEST(test_child_handle_life),
		OSX_TEST(test_child_reaped_elsewhere),
		OSX_TEST(test_spawn_env_race),
		OSX_TEST(test_spawn_no_close_range),
		OSX_TEST(test_sweep_no_close_range),
		OSX_TEST(test_sweep_spawn_stack),
		OSX_TEST(test_spawn_report_pipe),
		OSX_TEST(test_child_wait_echild),
		OSX_TEST(test_run_grandchild_holds_pipes),
		OSX_TEST(test_pidfd_wait_nohang),
		OSX_TEST(test_path_search_past_enoexec),
		OSX_TEST(test_fd_pass),
		OSX_TEST(test_fd_map),
		OSX_TEST(test_fd_swap_std),
		OSX_TEST(test_run_std_closed),
		OSX_TEST(test_program),
		OSX_TEST(test_program_fd_without_execveat),
		OSX_TEST(test_child_credentials),
		OSX_TEST(test_child_umask_rlimits),
		OSX_TEST(test_child_cgroup),
		OSX_TEST(test_sweep_attrs),
		OSX_TEST(test_spawn_small_stack),
	};

	return OSX_RUN(tests);
}
