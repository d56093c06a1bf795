/* The old-kernel test mode (tests/seccomp.c): each case installs a filter
 * in a child and checks what it refuses, with which errno, and what it
 * lets through.  Not run under the kernel* test setups: a filter is
 * installed there already. */
#define OSX_SECCOMP_NO_CONSTRUCTOR
#include "seccomp.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

/* -errno of a raw call, or its result. */
static long raw(long nr, long a, long b, long c)
{
	long r = syscall(nr, a, b, c, 0L, 0L, 0L);

	return r == -1 ? -errno : r;
}

/* In a child: the environment given, install(), then each (call, want)
 * pair; the child exits with the index of the first mismatch + 1. */
struct probe {
	long nr, a, b, c;
	long want; /* the result, or a negative errno; 1: any success; 2: not refused */
};

/* Set when this system cannot install a filter: the tests skip. */
static int no_seccomp;

static void run(const char *kernel, const char *refuse, const char *errname,
		const struct probe *probes, size_t n)
{
	int status;
	pid_t pid;

	if (no_seccomp)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t i;

		unsetenv("OSX_TEST_KERNEL");
		unsetenv("OSX_TEST_REFUSE");
		unsetenv("OSX_TEST_REFUSE_ERRNO");
		if (kernel)
			setenv("OSX_TEST_KERNEL", kernel, 1);
		if (refuse)
			setenv("OSX_TEST_REFUSE", refuse, 1);
		if (errname)
			setenv("OSX_TEST_REFUSE_ERRNO", errname, 1);
		if (install() != 1)
			_exit(100);
		for (i = 0; i < n; i++) {
			long r = raw(probes[i].nr, probes[i].a, probes[i].b, probes[i].c);

			if (probes[i].want == 1   ? r < 0
			    : probes[i].want == 2 ? r == -ENOSYS || r == -EPERM
						  : r != probes[i].want) {
				fprintf(stderr, "probe %zu: %ld, expected %ld\n", i, r,
					probes[i].want);
				_exit((int)i + 1);
			}
			if (r > 2 && probes[i].nr == NR_pidfd_open)
				close((int)r);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static char buf[16];
#define GETRANDOM(flags) SYS_getrandom, (long)buf, 1, (flags)
#define CLOSE_RANGE(flags) NR_close_range, 1000000, 1000001, (flags)

static void test_kernel_4_19(void **state)
{
	const struct probe p[] = {
		{NR_pidfd_open, getpid(), 0, 0, -ENOSYS},
		{NR_pidfd_send_signal, -1, 0, 0, -ENOSYS},
		{NR_clone3, 0, 0, 0, -ENOSYS},
		{CLOSE_RANGE(0), -ENOSYS},
		{NR_openat2, -1, 0, 0, -ENOSYS},
		{NR_faccessat2, -1, 0, 0, -ENOSYS},
		{GETRANDOM(0x0004), -EINVAL},
		/* what 4.19 has */
		{GETRANDOM(0), 1},
		{SYS_statx, -1, 0, 0, -EFAULT},
		{SYS_getpid, 0, 0, 0, 1},
	};

	(void)state;
	run("4.19", NULL, NULL, p, sizeof(p) / sizeof(p[0]));
}

static void test_kernel_5_4(void **state)
{
	const struct probe p[] = {
		{NR_pidfd_open, getpid(), 0, 0, 1},
		{CLOSE_RANGE(0), -ENOSYS},
		{GETRANDOM(0x0004), -EINVAL},
		{NR_openat2, -1, 0, 0, -ENOSYS},
	};

	(void)state;
	run("5.4", NULL, NULL, p, sizeof(p) / sizeof(p[0]));
}

static void test_kernel_5_10(void **state)
{
	const struct probe p[] = {
		{CLOSE_RANGE(0), 0},
		{CLOSE_RANGE(1u << 2), -EINVAL},
		{CLOSE_RANGE(1u << 1), 0},
		{GETRANDOM(0x0004), 1},
		{NR_openat2, -1, 0, 0, 2},
		{NR_epoll_pwait2, -1, 0, 0, -ENOSYS},
	};

	(void)state;
	run("5.10", NULL, NULL, p, sizeof(p) / sizeof(p[0]));
}

static void test_eperm(void **state)
{
	const struct probe p[] = {
		{NR_pidfd_open, getpid(), 0, 0, -EPERM},
		{CLOSE_RANGE(0), -EPERM},
		/* what the C library itself needs ENOSYS for */
		{NR_clone3, 0, 0, 0, -ENOSYS},
		{NR_faccessat2, -1, 0, 0, -ENOSYS},
		/* a flag still gets the kernel's EINVAL */
		{GETRANDOM(0x0004), -EINVAL},
	};

	(void)state;
	run("4.19", NULL, "EPERM", p, sizeof(p) / sizeof(p[0]));
}

static void test_named(void **state)
{
	const struct probe p[] = {
		{NR_pidfd_open, getpid(), 0, 0, -ENOSYS},
		{CLOSE_RANGE(1u << 2), -EINVAL},
		{CLOSE_RANGE(0), 0},
		{NR_pidfd_send_signal, -1, 0, 0, 2},
	};

	(void)state;
	run(NULL, "pidfd_open,close_range:CLOSE_RANGE_CLOEXEC", NULL, p,
	    sizeof(p) / sizeof(p[0]));
}

/* What the tests ask of the mode to choose their expectations. */
static void test_refused_lookup(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (no_seccomp)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsetenv("OSX_TEST_REFUSE");
		setenv("OSX_TEST_KERNEL", "5.4", 1);
		setenv("OSX_TEST_REFUSE_ERRNO", "EPERM", 1);
		_exit(install() != 1 ? 1
		      : osx_test_refused("close_range", NULL) != EPERM ? 2
		      : osx_test_refused("close_range", "CLOSE_RANGE_CLOEXEC") != EINVAL ? 3
		      : osx_test_refused("clone3", NULL) != 0 ? 4
		      : osx_test_refused("faccessat2", NULL) != ENOSYS ? 5
		      : osx_test_refused("getrandom", NULL) != 0 ? 6
		      : osx_test_refused("getrandom", "GRND_INSECURE") != EINVAL ? 7
		      : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Nothing asked: no filter. */
static void test_nothing(void **state)
{
	(void)state;
	unsetenv("OSX_TEST_KERNEL");
	unsetenv("OSX_TEST_REFUSE");
	assert_int_equal(install(), 0);
	assert_int_equal(osx_test_refused("clone3", NULL), 0);
}

/* Whether this system can install a filter at all: qemu-user, for one,
 * does not emulate seccomp (prctl says EINVAL). */
static int seccomp_works(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {1, &allow};
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_4_19), cmocka_unit_test(test_kernel_5_4),
		cmocka_unit_test(test_kernel_5_10), cmocka_unit_test(test_eperm),
		cmocka_unit_test(test_named),	    cmocka_unit_test(test_refused_lookup),
		cmocka_unit_test(test_nothing),
	};

	const char *valgrind = getenv("OSX_TEST_UNDER_VALGRIND");

	/* valgrind makes the calls itself and answers those it does not
	 * know (pidfd_open, close_range...) with ENOSYS before any filter. */
	if (valgrind && *valgrind == '1') {
		no_seccomp = 1;
		print_message("under valgrind, which answers calls it does not know itself: "
			      "the filter's tests are skipped\n");
	} else if (!seccomp_works()) {
		/* qemu-user, for one, does not emulate seccomp. */
		no_seccomp = 1;
		print_message("no seccomp filters here (qemu-user?): the old-kernel test mode "
			      "cannot run; its tests are skipped\n");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
