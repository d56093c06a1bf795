/*
 * The runners, which take a child from spawn to its end: osx_run (feed
 * stdin, capture stdout/stderr, timeout, wait) and osx_system.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osx/proc.h>

#include "fail.h"
#include "proc_internal.h"
#include "shim.h"
#include "spawn_internal.h"

struct sink {
	char **buf;
	size_t *len;
	size_t cap;
};

/* Room for at least 64 KiB more and the NUL. */
static int grow(struct sink *s, osx__fail *f)
{
	size_t cap;
	char *p;

	if (s->cap - *s->len >= 65536 + 1)
		return 0;
	cap = s->cap ? s->cap * 2 : (size_t)65536 * 2;
	p = osx__realloc(*s->buf, cap);
	if (!p)
		return osx__fail_set(f, ENOMEM, "realloc", NULL, NULL);
	*s->buf = p;
	s->cap = cap;
	(*s->buf)[*s->len] = '\0';
	return 0;
}

/* Read what is there into the sink: 0 at EOF, 1 for more, -1 failed. */
static int drain(int fd, struct sink *s, osx__fail *f)
{
	ssize_t n;

	if (grow(s, f) < 0)
		return -1;
	n = osx__sys_read(fd, *s->buf + *s->len, s->cap - *s->len - 1);
	if (n < 0)
		return osx__fail_set(f, n, "read", NULL, NULL);
	*s->len += (size_t)n;
	(*s->buf)[*s->len] = '\0';
	return n > 0;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	osx__sys_clock_monotonic(&now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

/* The poll loop: 0, with res->timed_out set when the deadline passed, or
 * -1 with the failure in f.  *in is closed (and set to -1) once the input
 * is written or the child stopped reading. */
static int pump(int *in, int out, int errfd, const char *input, size_t input_len,
		int timeout_ms, osx_run_result *res, osx__fail *f)
{
	struct sink sinks[2] = { { &res->out, &res->out_len, 0 },
				 { &res->err, &res->err_len, 0 } };
	struct pollfd pfd[3] = { { out, POLLIN, 0 }, { errfd, POLLIN, 0 },
				 { *in, POLLOUT, 0 } };
	struct timespec deadline;
	size_t done = 0;

	if (timeout_ms >= 0) {
		osx__sys_clock_monotonic(&deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	/* Both buffers exist, even when empty. */
	for (int i = 0; i < 2; i++)
		if (grow(&sinks[i], f) < 0)
			return -1;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0 || pfd[2].fd >= 0) {
		/* poll is not retried by the shim: the timeout is recomputed
		 * from the deadline on every round, after the interruption
		 * check (interrupt.h) has said go on. */
		int ms = timeout_ms < 0 ? -1 : (int)ms_left(&deadline);
		int r = osx__sys_poll(pfd, 3, ms);

		if (r == -EINTR && !osx__interrupted())
			continue;
		if (r < 0)
			return osx__fail_set(f, r, "poll", NULL, NULL);
		if (r == 0) {
			res->timed_out = 1;
			return 0;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = drain(pfd[i].fd, &sinks[i], f);
			if (r < 0)
				return -1;
			if (r == 0)
				pfd[i].fd = -1;
		}
		if (pfd[2].fd >= 0 && pfd[2].revents) {
			ssize_t n = 0;

			if (!(pfd[2].revents & POLLERR))
				n = osx__sys_write(*in, input + done, input_len - done);
			/* EPIPE: the child stopped reading, as subprocess allows. */
			if (n < 0 && n != -EAGAIN && n != -EPIPE)
				return osx__fail_set(f, n, "write", NULL, NULL);
			if (n > 0)
				done += (size_t)n;
			if (n == -EPIPE || (pfd[2].revents & POLLERR) || done == input_len) {
				osx__sys_close(*in);
				*in = pfd[2].fd = -1;
			}
		}
	}
	return 0;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			osx__sys_close(fds[i]);
}

/* A write to a pipe whose reader has gone raises SIGPIPE: keep it blocked
 * in this thread during the loop and swallow one that it caused.  A
 * SIGPIPE that cannot be consumed is reported as the EINTR it amounts to:
 * it is delivered once the caller's mask is back. */
static int consume_sigpipe(int was_pending, osx__fail *f)
{
	sigset_t pend, only;
	struct timespec zero = { 0, 0 };

	if (was_pending || osx__sys_sigpending(&pend) < 0 || !sigismember(&pend, SIGPIPE))
		return 0;
	sigemptyset(&only);
	sigaddset(&only, SIGPIPE);
	if (osx__sys_sigtimedwait(&only, NULL, &zero) < 0)
		return osx__fail_set(f, EINTR, "sigtimedwait", NULL, NULL);
	return 0;
}

int osx_run(const osx_spawn_attr *attr, const void *input, size_t input_len,
	    int timeout_ms, osx_run_result *res, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct osx_spawn_attr a;
	osx_child ch;
	int fds[6] = { -1, -1, -1, -1, -1, -1 }; /* in r/w, out r/w, err r/w */
	sigset_t pipeset, old, pend;
	osx_error e;
	int r = 0, was_pending;

	if (!attr || !res || (input_len && !input))
		return osx_error_set(err, EINVAL, "run", NULL, NULL);
	/* A copy that shares attr's arrays, for this run only. */
	memset(res, 0, sizeof(*res));
	for (int i = input ? 0 : 1; i < 3 && r == 0; i++)
		r = osx__sys_pipe2(fds + (size_t)2 * i, O_CLOEXEC);
	if (r < 0) {
		osx__fail_set(&f, r, "pipe2", NULL, NULL);
		close_all(fds, 6);
		return osx__fail_report(&f, err);
	}
	a = *attr;
	if (input)
		a.stdio[0] = fds[0];
	a.stdio[1] = fds[3];
	a.stdio[2] = fds[5];
	if (osx_spawn(&a, &ch, &e) < 0) {
		osx__fail_from(&f, &e);
		close_all(fds, 6);
		return osx__fail_report(&f, err);
	}
	osx__sys_close(fds[0]);
	osx__sys_close(fds[3]);
	osx__sys_close(fds[5]);
	fds[0] = fds[3] = fds[5] = -1;
	if (input && (r = osx__sys_fcntl(fds[1], F_SETFL, O_NONBLOCK)) < 0)
		osx__fail_set(&f, r, "fcntl", NULL, NULL);

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	osx__sys_sigpending(&pend);
	was_pending = sigismember(&pend, SIGPIPE);
	if (!osx__failed(&f) && (r = osx__sys_sigprocmask(SIG_BLOCK, &pipeset, &old)) < 0)
		osx__fail_set(&f, r, "sigprocmask", NULL, NULL);
	if (!osx__failed(&f)) {
		pump(&fds[1], fds[2], fds[4], input, input_len, timeout_ms, res, &f);
		consume_sigpipe(was_pending, &f);
		osx__sys_sigmask_restore(&old);
	}
	/* The child itself ended in time, and something it started holds
	 * the pipes on: that is not the child's timeout. */
	if (res->timed_out && osx__child_exited(&ch))
		res->timed_out = 0;
	if (osx__failed(&f) || res->timed_out)
		osx_child_kill(&ch, SIGKILL, NULL);
	close_all(fds, 6);
	if (osx_child_wait(&ch, &res->status, &e) < 0) {
		osx__fail_from(&f, &e);
		osx__child_reap(&ch);
	}
	if (osx__failed(&f)) {
		osx_run_result_free(res);
		return osx__fail_report(&f, err);
	}
	return 0;
}

void osx_run_result_free(osx_run_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}

/*
 * POSIX system()'s signals.  The first of concurrent calls saves SIGINT and
 * SIGQUIT and ignores them, the last puts them back: counted under a lock,
 * as glibc does, so two threads in osx_system() do not restore each other's
 * "ignore" too early.
 */
static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned system_users;
static struct sigaction system_int, system_quit;

/* Ignore SIGINT and SIGQUIT; *dfl gets those the command must reset. */
static int system_enter(sigset_t *dfl)
{
	struct sigaction ign;
	int r = 0;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	pthread_mutex_lock(&system_lock);
	if (system_users == 0) {
		r = osx__sys_sigaction(SIGINT, &ign, &system_int);
		if (r == 0) {
			r = osx__sys_sigaction(SIGQUIT, &ign, &system_quit);
			if (r < 0)
				osx__sys_sigaction(SIGINT, &system_int, NULL);
		}
	}
	if (r == 0) {
		system_users++;
		sigemptyset(dfl);
		if (system_int.sa_handler != SIG_IGN)
			sigaddset(dfl, SIGINT);
		if (system_quit.sa_handler != SIG_IGN)
			sigaddset(dfl, SIGQUIT);
	}
	pthread_mutex_unlock(&system_lock);
	return r;
}

static void system_leave(void)
{
	pthread_mutex_lock(&system_lock);
	if (--system_users == 0) {
		osx__sys_sigaction(SIGINT, &system_int, NULL);
		osx__sys_sigaction(SIGQUIT, &system_quit, NULL);
	}
	pthread_mutex_unlock(&system_lock);
}

int osx_system(const char *command, osx_error *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	osx__fail f = OSX__FAIL_INIT;
	sigset_t dfl, chld, oldmask;
	struct osx_spawn_attr a;
	osx_child ch;
	osx_wait_status st;
	osx_error e;
	int r;

	if (!command)
		return osx_error_set(err, EINVAL, "system", NULL, NULL);
	r = system_enter(&dfl);
	if (r < 0)
		return osx_error_set(err, -r, "sigaction", NULL, NULL);
	/* SIGCHLD blocked, so a handler of the program cannot reap the
	 * command before this wait does; the command gets the old mask. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	r = osx__sys_sigprocmask(SIG_BLOCK, &chld, &oldmask);
	if (r < 0) {
		system_leave();
		return osx_error_set(err, -r, "sigprocmask", NULL, NULL);
	}
	osx__spawn_attr_defaults(&a);
	a.argv = argv;
	a.close_fds = 0;
	a.reset_signals = 0;
	a.restore_signals = 0;
	a.has_sigdefault = 1;
	a.sigdefault = dfl;
	a.has_sigmask = 1;
	a.sigmask = oldmask;
	memset(&st, 0, sizeof(st));
	if (osx_spawn(&a, &ch, &e) < 0) {
		osx__fail_from(&f, &e);
	} else if (osx_child_wait(&ch, &st, &e) < 0) {
		osx__fail_from(&f, &e);
		osx__child_reap(&ch);
	}
	/* Restored whatever happened. */
	osx__sys_sigmask_restore(&oldmask);
	system_leave();
	if (osx__failed(&f))
		return osx__fail_report(&f, err);
	if (st.exited)
		return st.code << 8;
	return st.signal | (st.core_dumped ? 0x80 : 0);
}
