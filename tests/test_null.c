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
		if (WIFSIGNALED(status_))                                      \
			fail_msg("%s: killed by signal %d", desc, WTERMSIG(status_)); \
		if (WEXITSTATUS(status_) != 0)                                 \
			fail_msg("%s: wrong answer", desc);                    \
	} while (0)

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(error_calls),
		OSX_TEST(fd_calls),
		OSX_TEST(env_calls),
		OSX_TEST(scandir_calls),
	};

	return OSX_RUN(tests);
}
