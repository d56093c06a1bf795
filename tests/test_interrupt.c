/*
 * Tests for include/osx/interrupt.h: a blocking call that a signal handler
 * interrupts ends with EINTR when the installed check says so, and is
 * retried when it says 0.  Real signals (SIGALRM, no SA_RESTART, sent to
 * the blocked thread every few ms) against real blocking calls: a read of
 * an empty pipe, an OFD lock another process holds, waits for a child.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static volatile sig_atomic_t fired;  /* handler runs */
static volatile sig_atomic_t stop_on; /* what the check answers, once fired */

static void on_alarm(int sig)
{
	(void)sig;
	fired++;
}

static int check_stop(void *arg)
{
	(void)arg;
	errno = EBADMSG; /* the library must restore errno after the check */
	return stop_on && fired > 0;
}

static const osx_interrupt stop_check = { check_stop, NULL };
static const osx_interrupt never = { NULL, NULL };

/* A thread that sends SIGALRM to the target every 2 ms until stopped and
 * runs release(arg) once it has sent RELEASE_AFTER: by then the call it
 * interrupts has been interrupted (and retried) several times.  When the
 * check is to stop the call, release comes only after STOP_RELEASE_AFTER,
 * so that a library that retries anyway fails the test instead of hanging
 * it. */
#define RELEASE_AFTER 10
#define STOP_RELEASE_AFTER 500
/* Set by a test that expects retries although stop_on is set (the check
 * does not apply): the release comes after RELEASE_AFTER then. */
static int expect_retry;

struct pulse {
	pthread_t target, thread;
	void (*release)(void *arg);
	void *arg;
	int release_after;
	atomic_int stop;
};

static void *pulse_main(void *p)
{
	struct pulse *pu = p;
	int sent = 0;

	while (!atomic_load(&pu->stop)) {
		usleep(2000);
		pthread_kill(pu->target, SIGALRM);
		if (++sent == pu->release_after)
			pu->release(pu->arg);
	}
	return NULL;
}

/* Pulses for a call the check is expected to stop (stop_on) or not. */
static void pulse_start(struct pulse *pu, void (*release)(void *), void *arg)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: blocked calls see EINTR */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	fired = 0;
	pu->target = pthread_self();
	pu->release = release;
	pu->arg = arg;
	pu->release_after = stop_on && !expect_retry ? STOP_RELEASE_AFTER : RELEASE_AFTER;
	atomic_store(&pu->stop, 0);
	assert_int_equal(pthread_create(&pu->thread, NULL, pulse_main, pu), 0);
}

static void pulse_stop(struct pulse *pu)
{
	atomic_store(&pu->stop, 1);
	assert_int_equal(pthread_join(pu->thread, NULL), 0);
	signal(SIGALRM, SIG_DFL);
}

static void close_fd(void *arg)
{
	int *fd = arg;

	close(*fd);
	*fd = -1;
}

static void write_byte(void *arg)
{
	ssize_t r = write(*(int *)arg, "x", 1);

	(void)r;
}

/* How the blocking call went: it returned r; it must have been interrupted
 * and retried (stop_on 0: success after several attempts of sys) or ended
 * with EINTR naming call (stop_on 1). */
static void assert_outcome(long r, const osx_error *err, enum osx__sys sys, const char *call)
{
	if (stop_on) {
		assert_int_equal(r, -1);
		assert_int_equal(errno, EINTR);
		assert_int_equal(err->code, EINTR);
		assert_string_equal(err->call, call);
	} else {
		assert_true(r >= 0);
		assert_true(fired >= 2);
		assert_true(osx__fault_count(sys) >= 2);
	}
}

/* ---- a read of an empty pipe ---- */

/* osx_read of an empty pipe under the pulses, until a byte comes. */
static ssize_t pulsed_read(osx_error *err)
{
	struct pulse pu;
	char c;
	int p[2];
	ssize_t r;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pulse_start(&pu, write_byte, &p[1]);
	osx__fault_reset();
	r = osx_read(p[0], &c, 1, err);
	pulse_stop(&pu);
	close(p[0]);
	close(p[1]);
	return r;
}

static void read_case(int stop)
{
	osx_error err;
	ssize_t r;

	stop_on = stop;
	r = pulsed_read(&err);
	assert_outcome(r, &err, OSX__SYS_read, "read");
}

static void test_read(void **state)
{
	(void)state;
	assert_null(osx_interrupt_set(&stop_check));
	read_case(0);
	read_case(1);
	assert_ptr_equal(osx_interrupt_set(NULL), &stop_check);
}

/* ---- an OFD lock another process holds ---- */

static void lock_case(int stop)
{
	const char *path = osx_test_path(0, "locked");
	int ready[2], hold[2], fd, status;
	struct flock fl;
	struct pulse pu;
	osx_error err;
	pid_t holder;
	char c;
	long r;

	stop_on = stop;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		/* Hold the lock until the test closes its end of hold. */
		int lfd = open(path, O_RDWR | O_CLOEXEC);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		close(hold[1]);
		if (lfd < 0 || fcntl(lfd, F_OFD_SETLK, &fl) < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	pulse_start(&pu, close_fd, &hold[1]);
	osx__fault_reset();
	r = osx_lock(fd, 0, 0, 0, &err);
	pulse_stop(&pu);
	assert_outcome(r, &err, OSX__SYS_fcntl, "fcntl");
	if (hold[1] >= 0)
		close(hold[1]);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

static void test_lock(void **state)
{
	(void)state;
	/* valgrind holds its global lock across fcntl(F_OFD_SETLKW), which
	 * it does not know may block: the signalling thread never runs. */
	if (osx_test_under_valgrind())
		skip();
	osx_interrupt_set(&stop_check);
	lock_case(0);
	lock_case(1);
	osx_interrupt_set(NULL);
}

/* ---- waits for a child ---- */

/* A pipe, and the attributes of a child that waits for its stdin (the
 * pipe's read end) to close and then exits 9. */
static osx_spawn_attr *reader_attr(int p[2])
{
	static char *argv[] = { "/bin/sh", "-c", "read x; exit 9", NULL };
	osx_spawn_attr *a;
	osx_error err;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	a = osx_spawn_attr_new(&err);
	assert_non_null(a);
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_stdio(a, 0, p[0], NULL);
	return a;
}

enum wait_kind { WAIT_CHILD, WAIT_TIMEOUT, WAIT_FOREVER, WAIT_PID, WAIT_SET, WAIT_SET_PID };

static void wait_case(enum wait_kind kind, int stop)
{
	static const struct { enum osx__sys sys; const char *call; } calls[] = {
		[WAIT_CHILD] = { OSX__SYS_waitid, "waitid" },
		[WAIT_TIMEOUT] = { OSX__SYS_poll, "poll" },
		[WAIT_FOREVER] = { OSX__SYS_waitid, "waitid" },
		[WAIT_PID] = { OSX__SYS_wait4, "wait4" },
		[WAIT_SET] = { OSX__SYS_epoll_wait, "epoll_wait" },
		[WAIT_SET_PID] = { OSX__SYS_epoll_wait, "epoll_wait" },
	};
	osx_wait_status st;
	osx_spawn_attr *a;
	osx_waitset *ws = NULL;
	osx_child ch, *ended;
	struct pulse pu;
	osx_error err;
	int p[2];
	long r;

	stop_on = stop;
	a = reader_attr(p);
	assert_int_equal(osx_spawn(a, &ch, &err), 0);
	osx_spawn_attr_free(a);
	close(p[0]);
	if (kind == WAIT_SET_PID) {
		close(ch.pidfd);
		ch.pidfd = -1;
	}
	if (kind == WAIT_SET || kind == WAIT_SET_PID) {
		ws = osx_waitset_new(&err);
		assert_non_null(ws);
		assert_int_equal(osx_waitset_add(ws, &ch, &err), 0);
	}
	pulse_start(&pu, close_fd, &p[1]);
	osx__fault_reset();
	switch (kind) {
	case WAIT_CHILD:
		r = osx_child_wait(&ch, &st, &err);
		break;
	case WAIT_TIMEOUT:
		r = osx_child_wait_timeout(&ch, &st, 600000, &err);
		break;
	case WAIT_FOREVER:
		r = osx_child_wait_timeout(&ch, &st, -1, &err);
		break;
	case WAIT_PID:
		r = osx_waitpid(ch.pid, &st, 0, &err);
		break;
	default:
		r = osx_waitset_wait(ws, -1, &ended, &st, &err);
		break;
	}
	pulse_stop(&pu);
	assert_outcome(r, &err, calls[kind].sys, calls[kind].call);
	if (p[1] >= 0)
		close(p[1]);
	if (stop) {
		/* Interrupted: the child is still there to collect. */
		assert_true(ch.pid > 0);
		if (ws)
			assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
		else if (kind == WAIT_PID)
			assert_int_equal(osx_waitpid(ch.pid, &st, 0, &err), ch.pid);
		else
			assert_int_equal(osx_child_wait_timeout(&ch, &st, -1, &err), 0);
	}
	if (kind == WAIT_PID && ch.pidfd >= 0)
		close(ch.pidfd);
	assert_true(st.exited);
	assert_int_equal(st.code, 9);
	osx_waitset_free(ws);
}

static void test_waits(void **state)
{
	int kind;

	(void)state;
	osx_interrupt_set(&stop_check);
	for (kind = WAIT_CHILD; kind <= WAIT_SET_PID; kind++) {
		wait_case((enum wait_kind)kind, 0);
		wait_case((enum wait_kind)kind, 1);
	}
	osx_interrupt_set(NULL);
}

/* osx_run's poll loop, the child blocked reading its stdin until the
 * pulses close the pipe: retried when the check says 0; when it says
 * stop, osx_run ends with EINTR naming poll, the child killed and
 * reaped (osx_run's own cleanup, as subprocess.run kills the child when
 * interrupted). */
static void run_case(int stop)
{
	osx_spawn_attr *a;
	osx_run_result res;
	struct pulse pu;
	osx_error err;
	int p[2];
	long r;

	stop_on = stop;
	a = reader_attr(p);
	pulse_start(&pu, close_fd, &p[1]);
	osx__fault_reset();
	r = osx_run(a, NULL, 0, -1, &res, &err);
	pulse_stop(&pu);
	osx_spawn_attr_free(a);
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	/* Where the spawn's clone copies the memory (qemu-user, valgrind),
	 * the spawn blocks reading its child's report until the exec: a
	 * pulse may stop the run there, in that read, before any poll. */
	if (stop && r < 0 && err.call && strcmp(err.call, "read") == 0 &&
	    !osx_test_vfork_shares_memory()) {
		assert_int_equal(osx__fault_count(OSX__SYS_poll), 0);
		assert_outcome(r, &err, OSX__SYS_read, "read");
	} else {
		assert_outcome(r, &err, OSX__SYS_poll, "poll");
	}
	if (!stop) {
		assert_true(res.status.exited);
		assert_int_equal(res.status.code, 9);
		osx_run_result_free(&res);
	}
	osx_assert_no_children("after osx_run");
}

static void test_run(void **state)
{
	(void)state;
	osx_interrupt_set(&stop_check);
	run_case(0);
	run_case(1);
	osx_interrupt_set(NULL);
}

/* ---- process-wide and per thread ---- */

/* The thread's check takes precedence; { NULL, NULL } opts out. */
static void test_thread_check(void **state)
{
	(void)state;
	assert_null(osx_interrupt_set(&stop_check));
	assert_null(osx_interrupt_set_thread(&never));
	stop_on = 1; /* the process-wide check would stop: this thread opted out */
	expect_retry = 1;
	assert_int_equal(pulsed_read(NULL), 1);
	assert_true(osx__fault_count(OSX__SYS_read) >= 2);
	expect_retry = 0;
	assert_ptr_equal(osx_interrupt_set(NULL), &stop_check);
	/* Only the thread's check now. */
	assert_ptr_equal(osx_interrupt_set_thread(&stop_check), &never);
	read_case(1);
	assert_ptr_equal(osx_interrupt_set_thread(NULL), &stop_check);
	/* No check at all: every EINTR retried. */
	stop_on = 1;
	expect_retry = 1;
	assert_int_equal(pulsed_read(NULL), 1);
	assert_true(osx__fault_count(OSX__SYS_read) >= 2);
	expect_retry = 0;
}

/* Another thread's check does not apply here. */
static void *read_in_thread(void *arg)
{
	ssize_t *r = arg;

	*r = pulsed_read(NULL);
	return NULL;
}

static void test_thread_check_is_per_thread(void **state)
{
	pthread_t t;
	ssize_t r = -1;

	(void)state;
	stop_on = 1;
	expect_retry = 1;
	assert_null(osx_interrupt_set_thread(&stop_check));
	assert_int_equal(pthread_create(&t, NULL, read_in_thread, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	expect_retry = 0;
	assert_int_equal(r, 1);
	assert_true(fired >= 2);
	osx_interrupt_set_thread(NULL);
}

/* ---- every retry loop of the shim, by an injected EINTR ---- */

static int count_checks(void *arg)
{
	int *n = arg;

	errno = EBADMSG;
	return ++*n > 0 && stop_on;
}

static void test_injected_eintr(void **state)
{
	int checks = 0;
	const osx_interrupt counting = { count_checks, &checks };
	osx_error err;
	char c;
	int p[2], fd;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "ab", 2), 2);
	fd = open(osx_test_path(0, "f"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	osx_interrupt_set(&counting);

	/* KRETRY (read) and RETRY (fsync, the lock): 0 retries... */
	stop_on = 0;
	osx__fault_fail(OSX__SYS_read, 1, 2, EINTR);
	assert_int_equal(osx_read(p[0], &c, 1, &err), 1);
	assert_int_equal(checks, 2);
	osx__fault_fail(OSX__SYS_fsync, 1, 1, EINTR);
	assert_int_equal(osx_fsync(fd, &err), 0);
	assert_int_equal(checks, 3);
	/* ...non-zero ends the call, errno and err saying EINTR. */
	stop_on = 1;
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_read, 1, 1, EINTR);
	assert_int_equal(osx_read(p[0], &c, 1, &err), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(err.code, EINTR);
	assert_int_equal(osx__fault_count(OSX__SYS_read), 1);
	osx__fault_fail(OSX__SYS_fsync, 1, 1, EINTR);
	assert_int_equal(osx_fsync(fd, &err), -1);
	assert_int_equal(errno, EINTR);
	assert_string_equal(err.call, "fsync");
	osx__fault_fail(OSX__SYS_openat, 1, 1, EINTR);
	assert_int_equal(osx_open(osx_test_path(0, "f"), O_RDONLY, 0, &err), -1);
	assert_int_equal(errno, EINTR);
	/* Calls that fail otherwise never consult the check. */
	checks = 0;
	assert_int_equal(osx_read(-1, &c, 1, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_int_equal(checks, 0);
	osx__fault_reset();
	osx_interrupt_set(NULL);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static int always_stop(void *arg)
{
	(void)arg;
	return 1;
}

/* The reap after a failure is a cleanup: the check that ended the wait
 * must not end the reap too and leave a zombie (the teardown fails on
 * one).  osx_run's wait (waitid) is interrupted; the reap's wait4 is then
 * interrupted as well. */
static void test_cleanup_reap_not_interrupted(void **state)
{
	static const osx_interrupt stop_now = { always_stop, NULL };
	char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	osx_spawn_attr *a;
	osx_run_result res;
	osx_error err;

	(void)state;
	a = osx_spawn_attr_new(&err);
	assert_non_null(a);
	assert_int_equal(osx_spawn_attr_set_argv(a, argv, &err), 0);
	osx_interrupt_set(&stop_now);
	osx__fault_fail(OSX__SYS_waitid, 1, 1, EINTR);
	osx__fault_fail(OSX__SYS_wait4, 1, 2, EINTR);
	assert_int_equal(osx_run(a, NULL, 0, -1, &res, &err), -1);
	osx__fault_reset();
	osx_interrupt_set(NULL);
	assert_int_equal(err.code, EINTR);
	assert_string_equal(err.call, "waitid");
	osx_spawn_attr_free(a);
	osx_assert_no_children("after the interrupted osx_run");
}

/* A failed test leaves no check behind for the next one. */
static int teardown(void **state)
{
	osx_interrupt_set(NULL);
	osx_interrupt_set_thread(NULL);
	expect_retry = 0;
	return osx_test_teardown(state);
}

#define ITEST(fn) cmocka_unit_test_setup_teardown(fn, osx_test_setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ITEST(test_read),
		ITEST(test_lock),
		ITEST(test_waits),
		ITEST(test_run),
		ITEST(test_thread_check),
		ITEST(test_thread_check_is_per_thread),
		ITEST(test_injected_eintr),
		ITEST(test_cleanup_reap_not_interrupted),
	};

	return OSX_RUN(tests);
}
