/* Tests for proc.h's waits beyond osx_child_wait: timeouts, the graceful
 * stop and wait sets (src/proc_wait.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/*
 * A child running /bin/sh -c script with its stdin on a pipe: `read x`
 * blocks until the test closes *gate (then -1).  pgroup as osx_spawn_attr_set_pgroup.
 * With ready, its stdout is a pipe too, and this returns once the script
 * has written a line (e.g. after setting its traps): the line's number,
 * if any, is returned (a pid the script reports).
 */
static long spawn_sync(osx_child *ch, const char *script, int pgroup, int ready, int *gate)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	osx_spawn_attr *a;
	osx_error err;
	char line[32];
	int p[2], out[2] = { -1, -1 };
	long n = 0;

	assert_int_equal(osx_pipe(p, 0, &err), 0);
	if (ready)
		assert_int_equal(osx_pipe(out, 0, &err), 0);
	a = osx_spawn_attr_new(&err);
	assert_non_null(a);
	osx_spawn_attr_set_argv(a, argv, NULL);
	osx_spawn_attr_set_stdio(a, 0, p[0], NULL);
	if (ready)
		osx_spawn_attr_set_stdio(a, 1, out[1], NULL);
	osx_spawn_attr_set_pgroup(a, pgroup, NULL);
	assert_int_equal(osx_spawn(a, ch, &err), 0);
	osx_spawn_attr_free(a);
	close(p[0]);
	*gate = p[1];
	if (ready) {
		ssize_t len;

		close(out[1]);
		len = read(out[0], line, sizeof(line) - 1);
		close(out[0]);
		assert_true(len > 0);
		line[len] = '\0';
		n = atol(line);
	}
	return n;
}

static void spawn_gated(osx_child *ch, const char *script, int pgroup, int *gate)
{
	spawn_sync(ch, script, pgroup, 0, gate);
}

static void open_gate(int *gate)
{
	if (*gate >= 0)
		close(*gate);
	*gate = -1;
}

/* The handle as a kernel without pidfds gives it (valgrind does too). */
static void drop_pidfd(osx_child *ch)
{
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	ch->pidfd = -1;
}

/* On a kernel without pidfds (the old-kernel test setups, valgrind) the
 * spawned child has none: the tests of what only a pidfd gives say so. */
static int no_pidfd(const osx_child *ch, const char *what)
{
	if (ch->pidfd >= 0)
		return 0;
	print_message("no pidfds here: %s not tested\n", what);
	return 1;
}

static void assert_collected(const osx_child *ch)
{
	assert_int_equal(ch->pid, -1);
	assert_int_equal(ch->pidfd, -1);
}

/* Reap a child the test still holds (after a failure left it). */
static void reap(osx_child *ch)
{
	if (ch->pid > 0) {
		kill(ch->pid, SIGKILL);
		waitpid(ch->pid, NULL, 0);
	}
	drop_pidfd(ch);
	ch->pid = -1;
}

/* ---- osx_child_wait_timeout ---- */

static void wait_timeout_cases(int with_pidfd)
{
	osx_wait_status st;
	osx_child ch, copy;
	osx_error err;
	int gate;

	spawn_gated(&ch, "read x; exit 5", -1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	copy = ch;
	/* Running: the time runs out, the handle is untouched. */
	assert_int_equal(osx_child_wait_timeout(&ch, &st, 0, &err), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.call, "poll");
	assert_int_equal(osx_child_wait_timeout(&ch, &st, 30, &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_memory_equal(&ch, &copy, sizeof(ch));
	/* Ended: collected within the limit, the handle names nothing. */
	open_gate(&gate);
	assert_int_equal(osx_child_wait_timeout(&ch, &st, 10000, &err), 0);
	assert_true(st.exited);
	assert_int_equal(st.code, 5);
	assert_collected(&ch);
	/* A dead handle is an error, never a wait for a guess. */
	assert_int_equal(osx_child_wait_timeout(&ch, &st, 0, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx_child_wait_timeout(&ch, &st, -1, &err), -1);
	assert_int_equal(err.code, ECHILD);

	/* Without a limit; st may be NULL. */
	spawn_gated(&ch, "read x; kill -TERM $$", -1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	open_gate(&gate);
	assert_int_equal(osx_child_wait_timeout(&ch, NULL, -1, &err), 0);
	assert_collected(&ch);

	/* Ended before the call: timeout 0 collects it. */
	spawn_gated(&ch, "kill -KILL $$", -1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	open_gate(&gate);
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		assert_int_equal(waitid(P_PID, (id_t)ch.pid, &si, WEXITED | WNOWAIT), 0);
	}
	assert_int_equal(osx_child_wait_timeout(&ch, &st, 0, &err), 0);
	assert_true(st.signaled);
	assert_int_equal(st.signal, SIGKILL);
	assert_collected(&ch);
}

static void test_wait_timeout(void **state)
{
	(void)state;
	wait_timeout_cases(1);
}

static void test_wait_timeout_no_pidfd(void **state)
{
	(void)state;
	wait_timeout_cases(0);
}

static void test_wait_timeout_bad_input(void **state)
{
	osx_child none = { -1, -1 };
	osx_error err;

	(void)state;
	assert_int_equal(osx_child_wait_timeout(NULL, NULL, 0, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(osx_child_wait_timeout(&none, NULL, 0, &err), -1);
	assert_int_equal(err.code, ECHILD);
	none.pid = 0; /* never the caller's process group */
	assert_int_equal(osx_child_wait_timeout(&none, NULL, -1, &err), -1);
	assert_int_equal(err.code, ECHILD);
}

/* Something else reaped the child: ECHILD, and the handle is released
 * (its pidfd closed: the teardown's fd check sees a leak otherwise). */
static void test_wait_timeout_reaped_elsewhere(void **state)
{
	osx_child ch;
	osx_error err;
	int gate, pass;

	(void)state;
	for (pass = 0; pass < 4; pass++) {
		spawn_gated(&ch, "exit 0", -1, &gate);
		if (pass & 1)
			drop_pidfd(&ch);
		open_gate(&gate);
		assert_int_equal(waitpid(ch.pid, NULL, 0), ch.pid);
		assert_int_equal(osx_child_wait_timeout(&ch, NULL, pass & 2 ? -1 : 100, &err), -1);
		assert_int_equal(err.code, ECHILD);
		assert_string_equal(err.call, "waitid");
		assert_collected(&ch);
	}
}

/* ---- osx_child_stop ---- */

static void stop_cases(int with_pidfd)
{
	osx_wait_status st;
	osx_child ch;
	osx_error err;
	int gate;

	/* SIGTERM is enough. */
	spawn_gated(&ch, "read x", -1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	assert_int_equal(osx_child_stop(&ch, 10000, 0, &st, &err), 0);
	assert_true(st.signaled);
	assert_int_equal(st.signal, SIGTERM);
	assert_collected(&ch);
	open_gate(&gate);

	/* The child handles SIGTERM and exits on its own terms. */
	spawn_sync(&ch, "trap 'exit 3' TERM; echo; while :; do sleep 0.01; done", -1, 1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	assert_int_equal(osx_child_stop(&ch, 10000, 0, &st, &err), 0);
	assert_true(st.exited);
	assert_int_equal(st.code, 3);
	assert_collected(&ch);
	open_gate(&gate);

	/* It ignores SIGTERM: killed when the grace is over. */
	spawn_sync(&ch, "trap '' TERM; echo; read x", -1, 1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	assert_int_equal(osx_child_stop(&ch, 50, 0, &st, &err), 1);
	assert_true(st.signaled);
	assert_int_equal(st.signal, SIGKILL);
	assert_collected(&ch);
	open_gate(&gate);

	/* Already ended: just collected, with its own status. */
	spawn_gated(&ch, "exit 4", -1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	open_gate(&gate);
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		assert_int_equal(waitid(P_PID, (id_t)ch.pid, &si, WEXITED | WNOWAIT), 0);
	}
	assert_int_equal(osx_child_stop(&ch, 0, 0, NULL, &err), 0);
	assert_collected(&ch);
	assert_int_equal(osx_child_stop(&ch, 0, 0, &st, &err), -1);
	assert_int_equal(err.code, ESRCH);
}

static void test_stop(void **state)
{
	(void)state;
	stop_cases(1);
}

static void test_stop_no_pidfd(void **state)
{
	(void)state;
	stop_cases(0);
}

/*
 * The group: the child leads its own group, and a grandchild in it ignores
 * SIGTERM.  The test is a child subreaper, so the orphaned grandchild
 * becomes its child and its end can be seen.  Without subreapers (qemu-user)
 * the grandchild's end is seen on a pidfd, its status not (noted as not
 * run).  Returns osx_child_stop's result, *st the child's status.
 */
static int stop_group(const char *script, int with_pidfd, int grace_ms, osx_wait_status *st)
{
	int subreaper = osx_test_has_subreaper();
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	osx_child ch;
	osx_error err;
	pid_t grandchild;
	int gate, status, r;

	if (subreaper)
		assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	/* The script reports the grandchild's pid once its trap is set. */
	grandchild = (pid_t)spawn_sync(&ch, script, 0, 1, &gate);
	if (!with_pidfd)
		drop_pidfd(&ch);
	assert_true(grandchild > 0);
	assert_int_equal(getpgid(grandchild), ch.pid);
	if (!subreaper) {
		pfd.fd = osx_pidfd_open(grandchild, 0, &err);
		assert_true(pfd.fd >= 0);
	}
	r = osx_child_stop(&ch, grace_ms, OSX_STOP_GROUP, st, &err);
	assert_true(r >= 0);
	assert_collected(&ch);
	if (subreaper) {
		assert_int_equal(waitpid(grandchild, &status, 0), grandchild);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
	} else {
		/* A generous bound, never reached when all is well. */
		assert_int_equal(poll(&pfd, 1, 30000), 1);
		close(pfd.fd);
		osx_test_unchecked("the grandchild's status",
				   "no PR_SET_CHILD_SUBREAPER here, so it is not ours to wait for; "
				   "its end is seen on a pidfd");
	}
	open_gate(&gate);
	if (subreaper)
		assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
	return r;
}

/* The child and its grandchild ignore SIGTERM: both are SIGKILLed. */
static void test_stop_group(void **state)
{
	static const char script[] =
		"trap '' TERM; sh -c 'echo $$; exec sleep 1000' & read x";
	osx_wait_status st;
	int with_pidfd;

	(void)state;
	for (with_pidfd = 0; with_pidfd < 2; with_pidfd++) {
		assert_int_equal(stop_group(script, with_pidfd, 50, &st), 1);
		assert_true(st.signaled);
		assert_int_equal(st.signal, SIGKILL);
	}
	osx_test_skip_unchecked();
}

/* A child that ends on SIGTERM ends the grace of its group: the member
 * that ignores SIGTERM is killed at once (the grace is far longer than the
 * test may take), before the child is collected. */
static void test_stop_group_leader_ends(void **state)
{
	static const char script[] =
		"sh -c 'trap \"\" TERM; echo $$; exec sleep 1000' & read x";
	osx_wait_status st;
	int with_pidfd;

	(void)state;
	for (with_pidfd = 0; with_pidfd < 2; with_pidfd++) {
		assert_int_equal(stop_group(script, with_pidfd, 600000, &st), 0);
		assert_true(st.signaled);
		assert_int_equal(st.signal, SIGTERM);
	}
	osx_test_skip_unchecked();
}

static void test_stop_bad_input(void **state)
{
	osx_child ch, one = { 1, -1 };
	osx_error err;
	int gate;

	(void)state;
	assert_int_equal(osx_child_stop(NULL, 0, 0, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* A child that leads no group: ESRCH, and it is left alone. */
	spawn_gated(&ch, "read x; exit 6", -1, &gate);
	assert_int_equal(osx_child_stop(&ch, 0, 0x80, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_child_stop(&ch, 0, OSX_STOP_GROUP, NULL, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_string_equal(err.call, "kill");
	assert_true(ch.pid > 0);
	open_gate(&gate);
	{
		osx_wait_status st;

		assert_int_equal(osx_child_wait_timeout(&ch, &st, -1, &err), 0);
		assert_int_equal(st.code, 6);
	}
	/* pid 1 is no child of ours, and kill(-1) would reach every process:
	 * refused before any kill (kill is made to fail, so a regression
	 * shows as EIO here, not as a signal to the machine). */
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_kill, 1, OSX__FAULT_ALWAYS, EIO);
	osx__fault_fail(OSX__SYS_pidfd_send_signal, 1, OSX__FAULT_ALWAYS, EIO);
	assert_int_equal(osx_child_stop(&one, 0, OSX_STOP_GROUP, NULL, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_int_equal(osx__fault_count(OSX__SYS_kill), 0);
	osx__fault_reset();
}

/* ---- wait sets ---- */

#define N_SET 24

/* Every member is reported once, with its own status; none is left a
 * zombie, and a child outside the set is never taken. */
static void waitset_cases(int pidfd_every)
{
	osx_child ch[N_SET], outsider, *ended;
	osx_wait_status st;
	osx_waitset *ws;
	osx_error err;
	int gates[N_SET], seen[N_SET] = { 0 }, i, gate_out;
	char script[64];

	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	assert_int_equal(osx_waitset_count(ws), 0);
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_null(ended);
	spawn_gated(&outsider, "read x; exit 99", -1, &gate_out);
	for (i = 0; i < N_SET; i++) {
		snprintf(script, sizeof(script), "read x; exit %d", i);
		spawn_gated(&ch[i], script, -1, &gates[i]);
		if (pidfd_every == 0 || i % pidfd_every)
			drop_pidfd(&ch[i]);
		assert_int_equal(osx_waitset_add(ws, &ch[i], &err), 0);
	}
	assert_int_equal(osx_waitset_count(ws), N_SET);
	assert_int_equal(osx_waitset_wait(ws, 20, &ended, &st, &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.call, "epoll_wait");
	assert_null(ended);
	open_gate(&gate_out);
	/* Release them in an order of their own. */
	for (i = 0; i < N_SET; i++)
		open_gate(&gates[(i * 7) % N_SET]);
	for (i = 0; i < N_SET; i++) {
		int k;

		assert_int_equal(osx_waitset_wait(ws, 10000, &ended, &st, &err), 0);
		k = (int)(ended - ch);
		assert_true(k >= 0 && k < N_SET);
		assert_false(seen[k]);
		seen[k] = 1;
		assert_true(st.exited);
		assert_int_equal(st.code, k);
		assert_collected(ended);
		assert_int_equal(osx_waitset_count(ws), (size_t)(N_SET - 1 - i));
	}
	assert_int_equal(osx_waitset_wait(ws, 0, &ended, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	/* The outsider was never taken. */
	assert_int_equal(osx_child_wait_timeout(&outsider, &st, -1, &err), 0);
	assert_int_equal(st.code, 99);
	osx_waitset_free(ws);
}

static void test_waitset(void **state)
{
	(void)state;
	waitset_cases(1);
}

static void test_waitset_no_pidfd(void **state)
{
	(void)state;
	waitset_cases(0);
}

static void test_waitset_mixed(void **state)
{
	(void)state;
	waitset_cases(2);
}

/* The set's fd in an event loop: readable once a member has ended, not
 * before; a member without a pidfd is collected by a wait of 0. */
static void test_waitset_fd(void **state)
{
	osx_child a, b, *ended;
	osx_wait_status st;
	osx_waitset *ws;
	osx_error err;
	struct pollfd p;
	int ga, gb;

	(void)state;
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	spawn_gated(&a, "read x; exit 1", -1, &ga);
	spawn_gated(&b, "read x; exit 2", -1, &gb);
	drop_pidfd(&b);
	assert_int_equal(osx_waitset_add(ws, &a, &err), 0);
	assert_int_equal(osx_waitset_add(ws, &b, &err), 0);
	if (no_pidfd(&a, "the set's fd")) {
		open_gate(&ga);
		open_gate(&gb);
		assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
		assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
		osx_waitset_free(ws);
		return;
	}
	p.fd = osx_waitset_fd(ws);
	p.events = POLLIN;
	assert_true(p.fd >= 0);
	assert_true(fcntl(p.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(poll(&p, 1, 0), 0);
	open_gate(&ga);
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_int_equal(osx_waitset_wait(ws, 0, &ended, &st, &err), 0);
	assert_ptr_equal(ended, &a);
	assert_int_equal(st.code, 1);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(osx_waitset_wait(ws, 0, &ended, &st, &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	open_gate(&gb);
	assert_int_equal(osx_waitset_wait(ws, 10000, &ended, &st, &err), 0);
	assert_ptr_equal(ended, &b);
	assert_int_equal(st.code, 2);
	osx_waitset_free(ws);
}

static void test_waitset_membership(void **state)
{
	osx_child a, b, none = { -1, -1 }, *ended;
	osx_wait_status st;
	osx_waitset *ws;
	osx_error err;
	int ga, gb;

	(void)state;
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	spawn_gated(&a, "read x; exit 1", -1, &ga);
	spawn_gated(&b, "read x; exit 2", -1, &gb);
	drop_pidfd(&b);
	assert_int_equal(osx_waitset_add(ws, &a, &err), 0);
	assert_int_equal(osx_waitset_add(ws, &b, &err), 0);
	assert_int_equal(osx_waitset_add(ws, &a, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(osx_waitset_add(ws, &b, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(osx_waitset_add(ws, &none, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx_waitset_count(ws), 2);
	/* Removed members are not waited for, and stay collectable. */
	assert_int_equal(osx_waitset_remove(ws, &a, &err), 0);
	assert_int_equal(osx_waitset_remove(ws, &a, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_waitset_remove(ws, &b, &err), 0);
	assert_int_equal(osx_waitset_remove(ws, &b, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(osx_waitset_count(ws), 0);
	open_gate(&ga);
	open_gate(&gb);
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), -1);
	assert_int_equal(err.code, ECHILD);
	assert_int_equal(osx_child_wait_timeout(&a, &st, -1, &err), 0);
	assert_int_equal(st.code, 1);
	/* Freeing a set with members leaves them to the caller. */
	assert_int_equal(osx_waitset_add(ws, &b, &err), 0);
	osx_waitset_free(ws);
	osx_waitset_free(NULL);
	assert_int_equal(osx_child_wait_timeout(&b, &st, -1, &err), 0);
	assert_int_equal(st.code, 2);

	/* NULLs are EINVAL. */
	assert_int_equal(osx_waitset_add(NULL, &a, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_waitset_remove(NULL, &a, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_waitset_wait(NULL, 0, &ended, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_waitset_count(NULL), 0);
	assert_int_equal(osx_waitset_fd(NULL), -1);
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	assert_int_equal(osx_waitset_add(ws, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_waitset_wait(ws, 0, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	osx_waitset_free(ws);
}

/* Two members end together: one epoll_wait reports both, one is collected;
 * the other, removed before the next wait, is not reported by it. */
static void test_waitset_remove_ready(void **state)
{
	osx_child ch[2], running, *ended, *other;
	osx_wait_status st;
	osx_waitset *ws;
	osx_error err;
	int g[2], i;

	(void)state;
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	for (i = 0; i < 2; i++) {
		siginfo_t si;

		spawn_gated(&ch[i], "exit 4", -1, &g[i]);
		open_gate(&g[i]);
		if (no_pidfd(&ch[i], "epoll's batch")) {
			while (i >= 0)
				reap(&ch[i--]);
			osx_waitset_free(ws);
			return;
		}
		memset(&si, 0, sizeof(si));
		assert_int_equal(waitid(P_PID, (id_t)ch[i].pid, &si, WEXITED | WNOWAIT), 0);
		assert_int_equal(osx_waitset_add(ws, &ch[i], &err), 0);
	}
	osx__fault_reset();
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
	assert_int_equal(osx__fault_count(OSX__SYS_epoll_wait), 1);
	other = ended == &ch[0] ? &ch[1] : &ch[0];
	assert_int_equal(osx_waitset_remove(ws, other, &err), 0);
	/* A member still running keeps the set from being empty. */
	spawn_gated(&running, "read x; exit 5", -1, &g[0]);
	assert_int_equal(osx_waitset_add(ws, &running, &err), 0);
	assert_int_equal(osx_waitset_wait(ws, 0, &ended, &st, &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_true(other->pid > 0);
	assert_int_equal(osx_child_wait_timeout(other, &st, -1, &err), 0);
	assert_int_equal(st.code, 4);
	open_gate(&g[0]);
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
	assert_ptr_equal(ended, &running);
	osx_waitset_free(ws);
}

/* A member something else reaped: reported once with ECHILD, released. */
static void test_waitset_reaped_elsewhere(void **state)
{
	osx_child ch[2], *ended;
	osx_waitset *ws;
	osx_error err;
	int g, i;

	(void)state;
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	for (i = 0; i < 2; i++) {
		spawn_gated(&ch[i], "exit 0", -1, &g);
		open_gate(&g);
		if (i)
			drop_pidfd(&ch[i]);
		assert_int_equal(osx_waitset_add(ws, &ch[i], &err), 0);
		assert_int_equal(waitpid(ch[i].pid, NULL, 0), ch[i].pid);
		assert_int_equal(osx_waitset_wait(ws, 10000, &ended, NULL, &err), -1);
		assert_int_equal(err.code, ECHILD);
		assert_string_equal(err.call, "waitid");
		assert_ptr_equal(ended, &ch[i]);
		assert_collected(&ch[i]);
		assert_int_equal(osx_waitset_count(ws), 0);
	}
	osx_waitset_free(ws);
}

/* ---- failures of each call (tests/fault-sites.sh) ---- */

struct wait_ctx {
	osx_child ch;
	int gate;
	int timeout_ms;
	int with_pidfd;
	osx_wait_status st;
};

static void wait_setup(void *p)
{
	struct wait_ctx *c = p;

	spawn_gated(&c->ch, "exit 3", -1, &c->gate);
	if (!c->with_pidfd)
		drop_pidfd(&c->ch);
	open_gate(&c->gate);
}

static long wait_run(void *p, osx_error *err)
{
	struct wait_ctx *c = p;

	return osx_child_wait_timeout(&c->ch, &c->st, c->timeout_ms, err);
}

/* A failed wait leaves the child collectable (or released, for ECHILD). */
static void wait_check(void *p, const struct osx_sweep_run *run)
{
	struct wait_ctx *c = p;

	if (run->rc == 0) {
		assert_int_equal(c->st.code, 3);
		assert_collected(&c->ch);
	} else {
		assert_true(c->ch.pid > 0);
		assert_int_equal(osx_child_wait_timeout(&c->ch, &c->st, -1, NULL), 0);
		assert_int_equal(c->st.code, 3);
	}
}

static void test_sweep_wait_timeout(void **state)
{
	static const int timeouts[] = { -1, 10000 };
	struct wait_ctx c;
	size_t t;

	(void)state;
	for (t = 0; t < 2; t++)
		for (c.with_pidfd = 0; c.with_pidfd < 2; c.with_pidfd++) {
			struct osx_sweep sw = {
				.setup = wait_setup, .run = wait_run, .check = wait_check, .ctx = &c,
				.cleanup = { [OSX__SYS_close] = 1 },
			};

			c.timeout_ms = timeouts[t];
			osx_sweep_run(&sw);
		}
}

/* poll fails while the child runs: the wait fails, the child stays. */
static void test_wait_poll_fails(void **state)
{
	osx_child ch;
	osx_error err;
	int gate, with_pidfd;

	(void)state;
	for (with_pidfd = 0; with_pidfd < 2; with_pidfd++) {
		spawn_gated(&ch, "read x", -1, &gate);
		if (!with_pidfd)
			drop_pidfd(&ch);
		osx__fault_fail(OSX__SYS_poll, 1, 1, EIO);
		assert_int_equal(osx_child_wait_timeout(&ch, NULL, 10000, &err), -1);
		osx__fault_reset();
		assert_int_equal(err.code, EIO);
		assert_int_equal(errno, EIO);
		assert_string_equal(err.call, "poll");
		assert_true(ch.pid > 0);
		open_gate(&gate);
		assert_int_equal(osx_child_wait_timeout(&ch, NULL, -1, &err), 0);
	}
}

struct stop_ctx {
	osx_child ch;
	int gate;
	unsigned flags;
	int with_pidfd;
	int grace_ms;
	osx_wait_status st;
};

static void stop_setup(void *p)
{
	struct stop_ctx *c = p;

	spawn_sync(&c->ch, "trap '' TERM; echo; read x", c->flags ? 0 : -1, 1, &c->gate);
	if (!c->with_pidfd)
		drop_pidfd(&c->ch);
}

static long stop_run(void *p, osx_error *err)
{
	struct stop_ctx *c = p;

	return osx_child_stop(&c->ch, c->grace_ms, c->flags, &c->st, err);
}

static void stop_check(void *p, const struct osx_sweep_run *run)
{
	struct stop_ctx *c = p;

	if (run->rc >= 0) {
		assert_int_equal(run->rc, 1);
		assert_int_equal(c->st.signal, SIGKILL);
		assert_collected(&c->ch);
	} else {
		reap(&c->ch);
	}
	open_gate(&c->gate);
}

static void test_sweep_stop(void **state)
{
	struct stop_ctx c;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (c.flags = 0; c.flags <= OSX_STOP_GROUP; c.flags++)
		for (c.with_pidfd = 0; c.with_pidfd < 2; c.with_pidfd++) {
			struct osx_sweep sw = {
				.setup = stop_setup, .run = stop_run, .check = stop_check, .ctx = &c,
				.cleanup = { [OSX__SYS_close] = 1 },
			};

			c.grace_ms = 20;
			osx_sweep_run(&sw);
		}
}

struct set_ctx {
	osx_child ch[3];
	int gates[3];
	int collected;
};

static void set_setup(void *p)
{
	struct set_ctx *c = p;
	int i;

	for (i = 0; i < 3; i++) {
		spawn_gated(&c->ch[i], "read x; exit 7", -1, &c->gates[i]);
		if (i == 2)
			drop_pidfd(&c->ch[i]);
	}
	c->collected = 0;
}

/* The life of a set: new, add three, remove one, wait for the others. */
static long set_run(void *p, osx_error *err)
{
	struct set_ctx *c = p;
	osx_waitset *ws = osx_waitset_new(err);
	osx_wait_status st;
	osx_child *ended;
	long r = 0;
	int i;

	if (!ws)
		return -1;
	for (i = 0; i < 3 && r == 0; i++)
		r = osx_waitset_add(ws, &c->ch[i], err);
	if (r == 0)
		r = osx_waitset_remove(ws, &c->ch[0], err);
	for (i = 0; i < 3; i++)
		open_gate(&c->gates[i]);
	while (r == 0 && osx_waitset_count(ws) > 0) {
		r = osx_waitset_wait(ws, 10000, &ended, &st, err);
		if (r == 0) {
			assert_int_equal(st.code, 7);
			c->collected++;
		}
	}
	osx_waitset_free(ws);
	return r;
}

static void set_check(void *p, const struct osx_sweep_run *run)
{
	struct set_ctx *c = p;
	int i;

	if (run->rc == 0)
		assert_int_equal(c->collected, 2);
	for (i = 0; i < 3; i++) {
		open_gate(&c->gates[i]);
		if (c->ch[i].pid > 0)
			assert_int_equal(osx_child_wait_timeout(&c->ch[i], NULL, -1, NULL), 0);
	}
	assert_true(run->rc == 0 || c->collected < 2);
}

static void test_sweep_waitset(void **state)
{
	struct set_ctx c;
	struct osx_sweep sw = {
		.setup = set_setup, .run = set_run, .check = set_check, .ctx = &c,
		.cleanup = { [OSX__SYS_close] = 1 },
	};

	(void)state;
	osx_sweep_run(&sw);
}

/* Failures the sweep cannot reach: the growth of the pid-only list, an
 * epoll_wait that fails, and unregistering a collected member. */
static void test_waitset_faults(void **state)
{
	osx_child ch[9], *ended;
	osx_wait_status st;
	osx_waitset *ws;
	osx_error err;
	int gates[9], i;

	(void)state;
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	for (i = 0; i < 9; i++) {
		spawn_gated(&ch[i], "read x; exit 8", -1, &gates[i]);
		drop_pidfd(&ch[i]);
		if (i == 8)
			osx__fault_fail(OSX__SYS_realloc, 1, 1, ENOMEM);
		assert_int_equal(osx_waitset_add(ws, &ch[i], &err), i == 8 ? -1 : 0);
	}
	osx__fault_reset();
	assert_int_equal(err.code, ENOMEM);
	assert_string_equal(err.call, "realloc");
	assert_int_equal(osx_waitset_count(ws), 8);
	assert_int_equal(osx_waitset_add(ws, &ch[8], &err), 0);
	for (i = 0; i < 9; i++)
		open_gate(&gates[i]);
	for (i = 0; i < 9; i++)
		assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
	osx_waitset_free(ws);

	/* A member with a pidfd: epoll_wait fails, then its DEL fails. */
	ws = osx_waitset_new(&err);
	assert_non_null(ws);
	spawn_gated(&ch[0], "read x; exit 8", -1, &gates[0]);
	if (no_pidfd(&ch[0], "epoll_ctl and epoll_wait failing")) {
		open_gate(&gates[0]);
		reap(&ch[0]);
		osx_waitset_free(ws);
		return;
	}
	assert_int_equal(osx_waitset_add(ws, &ch[0], &err), 0);
	open_gate(&gates[0]);
	osx__fault_fail(OSX__SYS_epoll_wait, 1, 1, EIO);
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), -1);
	osx__fault_reset();
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "epoll_wait");
	assert_null(ended);
	assert_int_equal(osx_waitset_count(ws), 1);
	osx__fault_fail(OSX__SYS_epoll_ctl, 1, 1, EIO);
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
	osx__fault_reset();
	assert_ptr_equal(ended, &ch[0]);
	assert_int_equal(st.code, 8);
	assert_collected(&ch[0]);
	/* A remove whose DEL fails reports it; the member stays. */
	spawn_gated(&ch[1], "exit 0", -1, &gates[1]);
	open_gate(&gates[1]);
	assert_int_equal(osx_waitset_add(ws, &ch[1], &err), 0);
	osx__fault_fail(OSX__SYS_epoll_ctl, 1, 1, EIO);
	assert_int_equal(osx_waitset_remove(ws, &ch[1], &err), -1);
	osx__fault_reset();
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "epoll_ctl");
	assert_int_equal(osx_waitset_wait(ws, -1, &ended, &st, &err), 0);
	/* The set's own close failing still releases its fd. */
	osx__fault_fail(OSX__SYS_close, 1, 1, EIO);
	osx_waitset_free(ws);
	osx__fault_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(test_wait_timeout),
		OSX_TEST(test_wait_timeout_no_pidfd),
		OSX_TEST(test_wait_timeout_bad_input),
		OSX_TEST(test_wait_timeout_reaped_elsewhere),
		OSX_TEST(test_stop),
		OSX_TEST(test_stop_no_pidfd),
		OSX_TEST(test_stop_group),
		OSX_TEST(test_stop_group_leader_ends),
		OSX_TEST(test_stop_bad_input),
		OSX_TEST(test_waitset),
		OSX_TEST(test_waitset_no_pidfd),
		OSX_TEST(test_waitset_mixed),
		OSX_TEST(test_waitset_fd),
		OSX_TEST(test_waitset_membership),
		OSX_TEST(test_waitset_remove_ready),
		OSX_TEST(test_waitset_reaped_elsewhere),
		OSX_TEST(test_sweep_wait_timeout),
		OSX_TEST(test_wait_poll_fails),
		OSX_TEST(test_sweep_stop),
		OSX_TEST(test_sweep_waitset),
		OSX_TEST(test_waitset_faults),
	};

	return OSX_RUN(tests);
}
