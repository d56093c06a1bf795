/*
 * Bad input never crashes: every public call given NULL where a handle, a
 * result pointer or a name belongs answers EINVAL (in err where it has
 * one, else in errno with a neutral result), or the kernel's EFAULT for a
 * data buffer it is handed as is.  Each case runs in a child of its own,
 * so a crash shows as the case that crashed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* cmocka catches crashes to fail the test: in the child, a crash must
 * kill it, to show in its status. */
static void child_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Run `body` (which sets ok to 1 when the answer is right) in a child. */
#define NULL_CASE(desc, body)                                                  \
	do {                                                                   \
		pid_t pid_ = fork();                                           \
		int status_;                                                   \
		assert_true(pid_ >= 0);                                        \
		if (pid_ == 0) {                                               \
			int ok = 0;                                            \
			osx_error err;                                         \
			child_signals();                                       \
			errno = 0;                                             \
			memset(&err, 0, sizeof(err));                          \
			body;                                                  \
			(void)err;                                             \
			_exit(ok ? 0 : 1);                                     \
		}                                                              \
		assert_int_equal(waitpid(pid_, &status_, 0), pid_);            \
		if (WIFSIGNALED(status_)) {                                    \
			print_error("%s: killed by signal %d\n", desc, WTERMSIG(status_)); \
			wrong++;                                               \
		} else if (WEXITSTATUS(status_) != 0) {                        \
			print_error("%s: wrong answer\n", desc);              \
			wrong++;                                               \
		}                                                              \
	} while (0)

/* Cases answered wrongly in this test; each test ends by asserting none. */
static int wrong;

static int null_teardown(void **state)
{
	int n = wrong;

	wrong = 0;
	if (n)
		fail_msg("%d case(s) answered wrongly", n);
	return osx_test_teardown(state);
}

/* -1 with code in err and errno. */
#define FAILS(expr, e) ((expr) == -1 && err.code == (e) && errno == (e))
#define FAILS_NULL(expr, e) ((expr) == NULL && err.code == (e) && errno == (e))

static void error_calls(void **state)
{
	char buf[32];

	(void)state;
	NULL_CASE("osx_error_format(NULL)", ok = osx_error_format(NULL, buf, sizeof(buf)) == 0 &&
						 errno == EINVAL && buf[0] == '\0');
	NULL_CASE("osx_error_format_call(NULL)",
		  ok = osx_error_format_call(NULL, buf, sizeof(buf)) == 0 && errno == EINVAL);
	NULL_CASE("osx_error_format(err, NULL, 8)",
		  osx_error_set(&err, EBADF, "close", NULL, NULL);
		  ok = osx_error_format(&err, NULL, 8) == strlen("[Errno 9] Bad file descriptor"));
	NULL_CASE("osx_repr(NULL, 4)", ok = osx_repr(NULL, 4, buf, sizeof(buf)) == 0 && errno == EINVAL);
	NULL_CASE("osx_error_set(NULL err)", ok = osx_error_set(NULL, ENOENT, "x", NULL, NULL) == -1 &&
						   errno == ENOENT);
}

static void fd_calls(void **state)
{
	int p[2];

	(void)state;
	NULL_CASE("osx_open(NULL)", ok = FAILS(osx_open(NULL, O_RDONLY, 0, &err), EINVAL));
	NULL_CASE("osx_openat(NULL)", ok = FAILS(osx_openat(AT_FDCWD, NULL, O_RDONLY, 0, &err), EINVAL));
	NULL_CASE("osx_fstat(fd, NULL)", ok = FAILS(osx_fstat(0, NULL, &err), EINVAL));
	NULL_CASE("osx_pipe(NULL)", ok = FAILS(osx_pipe(NULL, 0, &err), EINVAL));
	NULL_CASE("osx_urandom(NULL, 4)", ok = FAILS(osx_urandom(NULL, 4, &err), EINVAL));
	NULL_CASE("osx_read_file(NULL)", ok = FAILS_NULL(osx_read_file(NULL, &(size_t){0}, &err), EINVAL));
	NULL_CASE("osx_read_file(path, NULL)", ok = FAILS_NULL(osx_read_file("/dev/null", NULL, &err), EINVAL));
	/* Buffers go to the kernel as they are: EFAULT, not a crash (which
	 * valgrind reports as an error of its own). */
	if (osx_test_under_valgrind())
		return;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	NULL_CASE("osx_read(fd, NULL, 3)", ok = FAILS(osx_read(p[0], NULL, 3, &err), EFAULT));
	NULL_CASE("osx_read_all(fd, NULL, 3)", ok = FAILS(osx_read_all(p[0], NULL, 3, NULL, &err), EFAULT));
	NULL_CASE("osx_write(fd, NULL, 3)", ok = FAILS(osx_write(p[1], NULL, 3, &err), EFAULT));
	NULL_CASE("osx_write_all(fd, NULL, 3)", ok = FAILS(osx_write_all(p[1], NULL, 3, NULL, &err), EFAULT));
	NULL_CASE("osx_readv(fd, NULL, 1)", ok = FAILS(osx_readv(p[0], NULL, 1, &err), EFAULT));
	NULL_CASE("osx_writev(fd, NULL, 1)", ok = FAILS(osx_writev(p[1], NULL, 1, &err), EFAULT));
	close(p[0]);
	close(p[1]);
}

static void env_calls(void **state)
{
	const char *n, *v;
	char buf[8];
	size_t pos = 0;

	(void)state;
	NULL_CASE("osx_getenv(NULL)", ok = FAILS(osx_getenv(NULL, buf, sizeof(buf), &err), EINVAL));
	NULL_CASE("osx_setenv(NULL)", ok = FAILS(osx_setenv(NULL, "v", &err), EINVAL));
	NULL_CASE("osx_setenv(name, NULL)", ok = FAILS(osx_setenv("OSXT_N", NULL, &err), EINVAL));
	NULL_CASE("osx_unsetenv(NULL)", ok = FAILS(osx_unsetenv(NULL, &err), EINVAL));
	NULL_CASE("osx_env_len(NULL)", ok = osx_env_len(NULL) == 0 && errno == EINVAL);
	NULL_CASE("osx_env_get(NULL)", ok = osx_env_get(NULL, "PATH") == NULL && errno == EINVAL);
	NULL_CASE("osx_env_contains(NULL)", ok = osx_env_contains(NULL, "PATH") == 0);
	NULL_CASE("osx_env_next(NULL)", ok = osx_env_next(NULL, &pos, &n, &v) == 0 && errno == EINVAL);
	NULL_CASE("osx_env_set(NULL)", ok = FAILS(osx_env_set(NULL, "A", "1", &err), EINVAL));
	NULL_CASE("osx_env_setn(NULL)", ok = FAILS(osx_env_setn(NULL, "A", 1, "1", 1, &err), EINVAL));
	NULL_CASE("osx_env_put(NULL)", ok = FAILS(osx_env_put(NULL, "A=1", &err), EINVAL));
	NULL_CASE("osx_env_unset(NULL)", ok = FAILS(osx_env_unset(NULL, "A", &err), EINVAL));
	NULL_CASE("osx_env_merge(NULL)", ok = FAILS(osx_env_merge(NULL, NULL, &err), EINVAL));
	NULL_CASE("osx_env_copy(NULL)", ok = FAILS_NULL(osx_env_copy(NULL, &err), EINVAL));
	NULL_CASE("osx_env_envp(NULL)", ok = FAILS_NULL(osx_env_envp(NULL, &err), EINVAL));
	NULL_CASE("osx_env_clear(NULL)", osx_env_clear(NULL); ok = 1);
	NULL_CASE("osx_env_free(NULL)", osx_env_free(NULL); ok = 1);
	NULL_CASE("osx_expandvars(NULL)", ok = FAILS_NULL(osx_expandvars(NULL, NULL, &err), EINVAL));
	NULL_CASE("osx_expanduser(NULL)", ok = FAILS_NULL(osx_expanduser(NULL, NULL, &err), EINVAL));
}

static void scandir_calls(void **state)
{
	osx_dirent *e;
	char buf[8] = "x";

	(void)state;
	NULL_CASE("osx_scandir_next(NULL)", ok = FAILS(osx_scandir_next(NULL, &e, &err), EINVAL));
	NULL_CASE("osx_scandir_next(sd, NULL)",
		  osx_scandir *sd = osx_scandir_open("/", &err);
		  ok = sd && FAILS(osx_scandir_next(sd, NULL, &err), EINVAL);
		  osx_scandir_close(sd));
	NULL_CASE("osx_scandir_close(NULL)", osx_scandir_close(NULL); ok = 1);
	NULL_CASE("osx_dirent_path(NULL)", ok = osx_dirent_path(NULL, buf, sizeof(buf)) == 0 &&
					       errno == EINVAL && buf[0] == '\0');
	NULL_CASE("osx_dirent_path(e, NULL, 8)",
		  osx_scandir *sd = osx_scandir_open("/", &err);
		  ok = sd && osx_scandir_next(sd, &e, &err) == 1 &&
		       osx_dirent_path(e, NULL, 8) == 1 + e->namelen;
		  osx_scandir_close(sd));
}

/* -1 (or NULL) with EINVAL, in err and errno. */
#define EINVAL_RC(expr) FAILS(expr, EINVAL)
#define EINVAL_NULL(expr) FAILS_NULL(expr, EINVAL)

static void walk_calls(void **state)
{
	osx_walk_entry *ev;

	(void)state;
	NULL_CASE("osx_walk_open(NULL)", ok = EINVAL_NULL(osx_walk_open(NULL, NULL, &err)));
	NULL_CASE("osx_fwalk_open(NULL)", ok = EINVAL_NULL(osx_fwalk_open(AT_FDCWD, NULL, NULL, &err)));
	NULL_CASE("osx_walk_next(NULL)", ok = osx_walk_next(NULL, &ev) == -1 && errno == EINVAL);
	NULL_CASE("osx_walk_next(w, NULL)",
		  osx_walk *w = osx_walk_open("/", NULL, &err);
		  ok = w && osx_walk_next(w, NULL) == -1 && errno == EINVAL;
		  osx_walk_close(w));
	NULL_CASE("osx_walk_prune(NULL)", osx_walk_prune(NULL); ok = 1);
	NULL_CASE("osx_walk_close(NULL)", osx_walk_close(NULL); ok = 1);
	NULL_CASE("osx_rmtree(NULL)", ok = EINVAL_RC(osx_rmtree(NULL, NULL, NULL, &err)));
	NULL_CASE("osx_rmtree_at(NULL)", ok = EINVAL_RC(osx_rmtree_at(AT_FDCWD, NULL, NULL, NULL, &err)));
}

static void fs_calls(void **state)
{
	osx_stat_result st;
	osx_statvfs_result vfs;
	char buf[8];

	(void)state;
	NULL_CASE("osx_stat(NULL)", ok = EINVAL_RC(osx_stat(OSX_AT_CWD, NULL, 1, &st, &err)));
	NULL_CASE("osx_stat(path, NULL)", ok = EINVAL_RC(osx_stat(OSX_AT_CWD, "/", 1, NULL, &err)));
	NULL_CASE("osx_lstat(NULL)", ok = EINVAL_RC(osx_lstat(OSX_AT_CWD, NULL, &st, &err)));
	NULL_CASE("osx_lstat(path, NULL)", ok = EINVAL_RC(osx_lstat(OSX_AT_CWD, "/", NULL, &err)));
	NULL_CASE("osx_fstatat(NULL)", ok = EINVAL_RC(osx_fstatat(OSX_AT_CWD, NULL, 0, &st, &err)));
	NULL_CASE("osx_fstat(0, NULL)", ok = EINVAL_RC(osx_fstat(0, NULL, &err)));
	NULL_CASE("osx_exists(NULL)", ok = EINVAL_RC(osx_exists(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_lexists(NULL)", ok = EINVAL_RC(osx_lexists(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_isdir(NULL)", ok = EINVAL_RC(osx_isdir(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_isfile(NULL)", ok = EINVAL_RC(osx_isfile(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_islink(NULL)", ok = EINVAL_RC(osx_islink(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_getsize(NULL)", ok = EINVAL_RC(osx_getsize(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_samefile(NULL)", ok = EINVAL_RC(osx_samefile(OSX_AT_CWD, NULL, "/", &err)));
	NULL_CASE("osx_samefile(a, NULL)", ok = EINVAL_RC(osx_samefile(OSX_AT_CWD, "/", NULL, &err)));
	NULL_CASE("osx_samestat(NULL)", ok = osx_samestat(NULL, &st) == 0);
	NULL_CASE("osx_mkdir(NULL)", ok = EINVAL_RC(osx_mkdir(OSX_AT_CWD, NULL, 0777, &err)));
	NULL_CASE("osx_makedirs(NULL)", ok = EINVAL_RC(osx_makedirs(OSX_AT_CWD, NULL, 0777, 1, &err)));
	NULL_CASE("osx_unlink(NULL)", ok = EINVAL_RC(osx_unlink(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_remove(NULL)", ok = EINVAL_RC(osx_remove(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_rmdir(NULL)", ok = EINVAL_RC(osx_rmdir(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_removedirs(NULL)", ok = EINVAL_RC(osx_removedirs(OSX_AT_CWD, NULL, &err)));
	NULL_CASE("osx_mkfifo(NULL)", ok = EINVAL_RC(osx_mkfifo(OSX_AT_CWD, NULL, 0600, &err)));
	NULL_CASE("osx_mknod(NULL)", ok = EINVAL_RC(osx_mknod(OSX_AT_CWD, NULL, 0600, 0, &err)));
	NULL_CASE("osx_link(NULL)", ok = EINVAL_RC(osx_link(OSX_AT_CWD, NULL, OSX_AT_CWD, "x", 1, &err)));
	NULL_CASE("osx_link(a, NULL)", ok = EINVAL_RC(osx_link(OSX_AT_CWD, "x", OSX_AT_CWD, NULL, 1, &err)));
	NULL_CASE("osx_symlink(NULL)", ok = EINVAL_RC(osx_symlink(OSX_AT_CWD, NULL, "x", &err)));
	NULL_CASE("osx_symlink(a, NULL)", ok = EINVAL_RC(osx_symlink(OSX_AT_CWD, "x", NULL, &err)));
	NULL_CASE("osx_readlink(NULL)", ok = EINVAL_RC(osx_readlink(OSX_AT_CWD, NULL, buf, sizeof(buf), &err)));
	NULL_CASE("osx_readlink(path, NULL)", ok = EINVAL_RC(osx_readlink(OSX_AT_CWD, "/proc/self/exe", NULL, 8, &err)));
	NULL_CASE("osx_readlink_alloc(NULL)", ok = EINVAL_NULL(osx_readlink_alloc(OSX_AT_CWD, NULL, NULL, &err)));
	NULL_CASE("osx_chmod(NULL)", ok = EINVAL_RC(osx_chmod(OSX_AT_CWD, NULL, 0600, 1, &err)));
	NULL_CASE("osx_chown(NULL)", ok = EINVAL_RC(osx_chown(OSX_AT_CWD, NULL, 0, 0, 1, &err)));
	NULL_CASE("osx_lchown(NULL)", ok = EINVAL_RC(osx_lchown(OSX_AT_CWD, NULL, 0, 0, &err)));
	NULL_CASE("osx_access(NULL)", ok = EINVAL_RC(osx_access(OSX_AT_CWD, NULL, 0, 0, 1, &err)));
	NULL_CASE("osx_utime(NULL)", ok = EINVAL_RC(osx_utime(OSX_AT_CWD, NULL, NULL, 1, &err)));
	NULL_CASE("osx_truncate(NULL)", ok = EINVAL_RC(osx_truncate(OSX_AT_CWD, NULL, 0, &err)));
	NULL_CASE("osx_statvfs(NULL)", ok = EINVAL_RC(osx_statvfs(OSX_AT_CWD, NULL, &vfs, &err)));
	NULL_CASE("osx_statvfs(path, NULL)", ok = EINVAL_RC(osx_statvfs(OSX_AT_CWD, "/", NULL, &err)));
	NULL_CASE("osx_fstatvfs(0, NULL)", ok = EINVAL_RC(osx_fstatvfs(0, NULL, &err)));
	NULL_CASE("osx_realpath(NULL)", ok = EINVAL_NULL(osx_realpath(OSX_AT_CWD, NULL, 0, &err)));
	NULL_CASE("osx_mkstemp(path NULL)", ok = EINVAL_RC(osx_mkstemp(OSX_AT_CWD, NULL, NULL, NULL, NULL, &err)));
	NULL_CASE("osx_getcwd(NULL, 8)", ok = EINVAL_RC(osx_getcwd(NULL, 8, &err)));
	NULL_CASE("osx_chdir(NULL)", ok = EINVAL_RC(osx_chdir(OSX_AT_CWD, NULL, &err)));
}

static void proc_calls(void **state)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	osx_child dead = { -1, -1 }, *ended;
	osx_wait_status st;
	osx_run_result res;

	(void)state;
	NULL_CASE("osx_wait_status_decode(0, NULL)", osx_wait_status_decode(0, NULL); ok = 1);
	NULL_CASE("osx_execve(NULL)", ok = EINVAL_RC(osx_execve(NULL, argv, envp, &err)));
	NULL_CASE("osx_execve(path, NULL)", ok = EINVAL_RC(osx_execve("/bin/true", NULL, envp, &err)));
	NULL_CASE("osx_execv(NULL)", ok = EINVAL_RC(osx_execv(NULL, argv, &err)));
	NULL_CASE("osx_execvp(NULL)", ok = EINVAL_RC(osx_execvp(NULL, argv, &err)));
	NULL_CASE("osx_execvp(file, NULL)", ok = EINVAL_RC(osx_execvp("true", NULL, &err)));
	NULL_CASE("osx_spawn_attr_free(NULL)", osx_spawn_attr_free(NULL); ok = 1);
	NULL_CASE("osx_spawn_attr_set_argv(NULL)", ok = EINVAL_RC(osx_spawn_attr_set_argv(NULL, argv, &err)));
	NULL_CASE("osx_spawn_attr_set_argv(a, NULL)",
		  osx_spawn_attr *a = osx_spawn_attr_new(&err);
		  ok = a && EINVAL_RC(osx_spawn_attr_set_argv(a, NULL, &err));
		  osx_spawn_attr_free(a));
	NULL_CASE("osx_spawn_attr_set_cwd(NULL)", ok = EINVAL_RC(osx_spawn_attr_set_cwd(NULL, "/", &err)));
	NULL_CASE("osx_spawn_attr_dup(NULL)", ok = EINVAL_RC(osx_spawn_attr_dup(NULL, 0, 5, &err)));
	NULL_CASE("osx_spawn_attr_open(a, 3, NULL)",
		  osx_spawn_attr *a = osx_spawn_attr_new(&err);
		  ok = a && EINVAL_RC(osx_spawn_attr_open(a, 3, NULL, O_RDONLY, 0, &err));
		  osx_spawn_attr_free(a));
	NULL_CASE("osx_spawn(NULL)", ok = EINVAL_RC(osx_spawn(NULL, &dead, &err)));
	NULL_CASE("osx_spawn(a, NULL)",
		  osx_spawn_attr *a = osx_spawn_attr_new(&err);
		  ok = a && osx_spawn_attr_set_argv(a, argv, &err) == 0 &&
		       EINVAL_RC(osx_spawn(a, NULL, &err));
		  osx_spawn_attr_free(a));
	NULL_CASE("osx_spawn(a without argv)",
		  osx_spawn_attr *a = osx_spawn_attr_new(&err);
		  ok = a && EINVAL_RC(osx_spawn(a, &dead, &err));
		  osx_spawn_attr_free(a));
	NULL_CASE("osx_child_wait(NULL)", ok = EINVAL_RC(osx_child_wait(NULL, &st, &err)));
	NULL_CASE("osx_child_kill(NULL)", ok = EINVAL_RC(osx_child_kill(NULL, SIGTERM, &err)));
	NULL_CASE("osx_child_kill(a dead handle)",
		  ok = osx_child_kill(&dead, SIGTERM, &err) == -1 && err.code == ESRCH);
	NULL_CASE("osx_child_wait(a dead handle)",
		  ok = osx_child_wait(&dead, &st, &err) == -1 && err.code == ECHILD);
	NULL_CASE("osx_child_wait_timeout(NULL)", ok = EINVAL_RC(osx_child_wait_timeout(NULL, &st, 0, &err)));
	NULL_CASE("osx_child_stop(NULL)", ok = EINVAL_RC(osx_child_stop(NULL, 0, 0, &st, &err)));
	NULL_CASE("osx_run(NULL)", ok = EINVAL_RC(osx_run(NULL, NULL, 0, -1, &res, &err)));
	NULL_CASE("osx_run(a, NULL res)",
		  osx_spawn_attr *a = osx_spawn_attr_new(&err);
		  ok = a && osx_spawn_attr_set_argv(a, argv, &err) == 0 &&
		       EINVAL_RC(osx_run(a, NULL, 0, -1, NULL, &err));
		  osx_spawn_attr_free(a));
	NULL_CASE("osx_run_result_free(NULL)", osx_run_result_free(NULL); ok = 1);
	NULL_CASE("osx_system(NULL)", ok = EINVAL_RC(osx_system(NULL, &err)));
	NULL_CASE("osx_waitset_free(NULL)", osx_waitset_free(NULL); ok = 1);
	NULL_CASE("osx_waitset_add(NULL)", ok = EINVAL_RC(osx_waitset_add(NULL, &dead, &err)));
	NULL_CASE("osx_waitset_add(ws, NULL)",
		  osx_waitset *ws = osx_waitset_new(&err);
		  ok = ws && EINVAL_RC(osx_waitset_add(ws, NULL, &err));
		  osx_waitset_free(ws));
	NULL_CASE("osx_waitset_remove(NULL)", ok = EINVAL_RC(osx_waitset_remove(NULL, &dead, &err)));
	NULL_CASE("osx_waitset_count(NULL)", ok = osx_waitset_count(NULL) == 0);
	NULL_CASE("osx_waitset_wait(NULL)", ok = EINVAL_RC(osx_waitset_wait(NULL, 0, &ended, &st, &err)));
	NULL_CASE("osx_waitset_wait(ws, NULL)",
		  osx_waitset *ws = osx_waitset_new(&err);
		  ok = ws && EINVAL_RC(osx_waitset_wait(ws, 0, NULL, &st, &err));
		  osx_waitset_free(ws));
	NULL_CASE("osx_waitset_fd(NULL)", ok = osx_waitset_fd(NULL) == -1 && errno == EINVAL);
}

static int keep(void *arg, const char *old, size_t old_len, int exists, const void **out,
		size_t *out_len)
{
	(void)arg, (void)old, (void)old_len, (void)exists, (void)out, (void)out_len;
	return 0;
}

static void replace_calls(void **state)
{
	(void)state;
	NULL_CASE("osx_replace(NULL)", ok = EINVAL_RC(osx_replace(NULL, "x", &err)));
	NULL_CASE("osx_replace(a, NULL)", ok = EINVAL_RC(osx_replace("x", NULL, &err)));
	NULL_CASE("osx_rename(NULL)", ok = EINVAL_RC(osx_rename(NULL, "x", &err)));
	NULL_CASE("osx_rename_noreplace(NULL)", ok = EINVAL_RC(osx_rename_noreplace(NULL, "x", &err)));
	NULL_CASE("osx_exchange(NULL)", ok = EINVAL_RC(osx_exchange(NULL, "x", &err)));
	NULL_CASE("osx_replaceat(NULL)", ok = EINVAL_RC(osx_replaceat(AT_FDCWD, NULL, AT_FDCWD, "x", &err)));
	NULL_CASE("osx_exchangeat(a, NULL)", ok = EINVAL_RC(osx_exchangeat(AT_FDCWD, "x", AT_FDCWD, NULL, &err)));
	NULL_CASE("osx_atomic_write(NULL)", ok = EINVAL_RC(osx_atomic_write(NULL, "x", 1, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_write(path, NULL data, 1)",
		  ok = EINVAL_RC(osx_atomic_write(osx_test_path(0, "t"), NULL, 1, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_writeat(NULL)", ok = EINVAL_RC(osx_atomic_writeat(AT_FDCWD, NULL, "x", 1, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_begin(NULL)", ok = EINVAL_NULL(osx_atomic_begin(NULL, NULL, &err)));
	NULL_CASE("osx_atomic_beginat(NULL)", ok = EINVAL_NULL(osx_atomic_beginat(AT_FDCWD, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_writer_fd(NULL)", ok = osx_atomic_writer_fd(NULL) == -1 && errno == EINVAL);
	NULL_CASE("osx_atomic_writer_write(NULL)", ok = EINVAL_RC(osx_atomic_writer_write(NULL, "x", 1, &err)));
	NULL_CASE("osx_atomic_commit(NULL)", ok = EINVAL_RC(osx_atomic_commit(NULL, NULL, &err)));
	NULL_CASE("osx_atomic_abort(NULL)", osx_atomic_abort(NULL); ok = 1);
	NULL_CASE("osx_atomic_update(NULL)", ok = EINVAL_RC(osx_atomic_update(NULL, keep, NULL, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_update(path, NULL)",
		  ok = EINVAL_RC(osx_atomic_update(osx_test_path(0, "t"), NULL, NULL, NULL, NULL, &err)));
	NULL_CASE("osx_atomic_batch_add(NULL)", ok = EINVAL_RC(osx_atomic_batch_add(NULL, AT_FDCWD, "x", "x", 1, NULL, &err)));
	NULL_CASE("osx_atomic_batch_add(b, NULL path)",
		  osx_atomic_batch *b = osx_atomic_batch_new(0, &err);
		  ok = b && EINVAL_RC(osx_atomic_batch_add(b, AT_FDCWD, NULL, "x", 1, NULL, &err));
		  osx_atomic_batch_abort(b));
	NULL_CASE("osx_atomic_batch_commit(NULL)", ok = EINVAL_RC(osx_atomic_batch_commit(NULL, NULL, &err)));
	NULL_CASE("osx_atomic_batch_abort(NULL)", osx_atomic_batch_abort(NULL); ok = 1);
	NULL_CASE("osx_interrupt_set(NULL)", osx_interrupt_set(NULL); ok = 1);
	NULL_CASE("osx_version()", ok = osx_version() != NULL);
}

#undef OSX_TEST
#define OSX_TEST(fn) cmocka_unit_test_setup_teardown(fn, osx_test_setup, null_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(error_calls),
		OSX_TEST(fd_calls),
		OSX_TEST(env_calls),
		OSX_TEST(scandir_calls),
		OSX_TEST(walk_calls),
		OSX_TEST(fs_calls),
		OSX_TEST(proc_calls),
		OSX_TEST(replace_calls),
	};

	return OSX_RUN(tests);
}
