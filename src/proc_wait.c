/*
 * Waiting on children and signalling them (proc.h): osx_child_wait and
 * osx_child_kill, waits with a deadline, the graceful stop, and wait sets.
 *
 * A child is waited by pidfd where it has one: poll(2) on a pidfd says when
 * the child has ended, and waitid(P_PIDFD) collects exactly that child.  A
 * child without one is waited by pid, which is safe as long as it is
 * unreaped (the kernel does not reuse the pid of a zombie); with a deadline
 * that is a poll with waitid(WNOHANG) at a growing interval, since SIGCHLD
 * belongs to the program, not to the library.  Nothing here waits with
 * P_ALL or pid -1, which would take other parts of the program's children.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include <osx/proc.h>

#include "fail.h"
#include "proc_internal.h"
#include "shim.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Polling a child without a pidfd: from 1 ms, doubling up to 16 ms. */
#define POLL_FIRST_MS 1
#define POLL_MAX_MS 16

/* ---- deadlines ---- */

struct deadline {
	int forever;
	long long end_ns; /* CLOCK_MONOTONIC */
};

static long long now_ns(void)
{
	struct timespec ts;

	osx__sys_clock_monotonic(&ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void deadline_start(struct deadline *d, int timeout_ms)
{
	d->forever = timeout_ms < 0;
	d->end_ns = d->forever ? 0 : now_ns() + timeout_ms * 1000000LL;
}

/* A poll timeout for what is left: -1 forever, 0 when the time is up, else
 * the milliseconds left rounded up (so a poll never ends before it). */
static int deadline_left(const struct deadline *d)
{
	long long left;

	if (d->forever)
		return -1;
	left = d->end_ns - now_ns();
	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* min(left, *interval) for a polling sleep (left as deadline_left gives
 * it), doubling *interval for the next one. */
static int poll_interval(int left, int *interval)
{
	int ms = left >= 0 && left < *interval ? left : *interval;

	if (*interval < POLL_MAX_MS)
		*interval *= 2;
	return ms;
}

/* An EINTR from a call the shim does not retry (poll, epoll_wait): go on,
 * unless the interruption check says stop. */
static int stopped(int r)
{
	return r != -EINTR || osx__interrupted();
}

/* ---- one child ---- */

/* The handle of a collected child names nothing any more. */
static void release(osx_child *c)
{
	if (c->pidfd >= 0)
		osx__sys_close(c->pidfd);
	c->pid = -1;
	c->pidfd = -1;
}

/*
 * One waitid for the child (WEXITED added to options).  Returns 1 when it
 * has ended (collected, *st filled, unless options has WNOWAIT: then still
 * a zombie), 0 when it has not (WNOHANG), -1 on failure.  A child that is
 * no longer ours (ECHILD: somebody else reaped it) can never be waited:
 * its handle is released.  The handle is released on collection only when
 * release_now is set (a wait set unregisters the pidfd first).
 */
static int collect(osx_child *c, osx_wait_status *st, int options, int release_now,
		   osx__fail *f)
{
	int by_fd = c->pidfd >= 0;
	siginfo_t si;
	osx_wait_status tmp;
	int r;

	memset(&si, 0, sizeof(si));
	r = osx__sys_waitid(by_fd ? (idtype_t)P_PIDFD : P_PID, by_fd ? (id_t)c->pidfd : (id_t)c->pid,
			    &si, options | WEXITED);
	if (r < 0) {
		if (r == -ECHILD && release_now)
			release(c);
		return osx__fail_set(f, r, "waitid", NULL, NULL);
	}
	if (si.si_pid == 0)
		return 0; /* WNOHANG: still running */
	if (options & WNOWAIT)
		return 1;
	osx__siginfo_decode(&si, st ? st : &tmp);
	if (release_now)
		release(c);
	return 1;
}

/*
 * Wait until the child ends or the deadline: 1 ended (collected, unless
 * options has WNOWAIT), 0 time is up, -1 failed.  Without a deadline one
 * blocking waitid does it, pidfd or not.
 */
static int wait_until(osx_child *c, osx_wait_status *st, const struct deadline *d, int options,
		      osx__fail *f)
{
	int interval = POLL_FIRST_MS;

	if (d->forever)
		return collect(c, st, options, 1, f);
	for (;;) {
		int left, r = collect(c, st, options | WNOHANG, 1, f);

		if (r != 0)
			return r;
		left = deadline_left(d);
		if (left == 0)
			return 0;
		if (c->pidfd >= 0) {
			struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

			r = osx__sys_poll(&p, 1, left);
		} else {
			r = osx__sys_poll(NULL, 0, poll_interval(left, &interval));
		}
		if (r < 0 && stopped(r))
			return osx__fail_set(f, r, "poll", NULL, NULL);
	}
}

int osx_child_wait_timeout(osx_child *child, osx_wait_status *st, int timeout_ms,
			   osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct deadline d;
	int r;

	if (!child)
		return osx_error_set(err, EINVAL, "waitid", NULL, NULL);
	if (child->pid <= 0)
		return osx_error_set(err, ECHILD, "waitid", NULL, NULL);
	deadline_start(&d, timeout_ms);
	r = wait_until(child, st, &d, 0, &f);
	if (r == 0)
		osx__fail_set(&f, ETIMEDOUT, "poll", NULL, NULL);
	return r > 0 ? 0 : osx__fail_report(&f, err);
}

int osx_child_wait(osx_child *child, osx_wait_status *st, osx_error *err)
{
	return osx_child_wait_timeout(child, st, -1, err);
}

int osx_child_kill(const osx_child *child, int sig, osx_error *err)
{
	siginfo_t si;
	int r;

	if (!child)
		return osx_error_set(err, EINVAL, "kill", NULL, NULL);
	if (child->pid <= 0)
		return osx_error_set(err, ESRCH, "kill", NULL, NULL);
	if (child->pidfd >= 0) {
		r = osx__sys_pidfd_send_signal(child->pidfd, sig, NULL, 0);
		/* ENOSYS: a pidfd from CLONE_PIDFD on a kernel without
		 * pidfd_send_signal (5.2), or valgrind. */
		if (r != -ENOSYS)
			return r < 0 ? osx_error_set(err, -r, "pidfd_send_signal", NULL, NULL) : 0;
	}
	/* By pid only while it is still our unreaped child (a zombie keeps
	 * its pid): reaped behind the handle's back, the pid may be anyone's. */
	memset(&si, 0, sizeof(si));
	r = osx__sys_waitid(P_PID, (id_t)child->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	if (r == -ECHILD)
		return osx_error_set(err, ESRCH, "kill", NULL, NULL);
	if (r < 0)
		return osx_error_set(err, -r, "waitid", NULL, NULL);
	r = osx__sys_kill(child->pid, sig);
	return r < 0 ? osx_error_set(err, -r, "kill", NULL, NULL) : 0;
}

void osx__child_reap(osx_child *ch)
{
	if (ch->pid > 0)
		osx__sys_wait4(ch->pid, NULL, 0, NULL);
	release(ch);
}

int osx__child_exited(osx_child *ch)
{
	osx__fail f = OSX__FAIL_INIT;

	return ch->pid > 0 && collect(ch, NULL, WNOHANG | WNOWAIT, 0, &f) == 1;
}

/* SIGTERM or SIGKILL to the child or its group: 1 sent, 0 nobody there
 * (ESRCH), -1 failed. */
static int stop_signal(const osx_child *c, int sig, unsigned flags, osx__fail *f)
{
	osx_error e;
	int r;

	if (flags & OSX_STOP_GROUP) {
		r = osx__sys_kill(-c->pid, sig);
		if (r == -ESRCH)
			return 0;
		return r < 0 ? osx__fail_set(f, r, "kill", NULL, NULL) : 1;
	}
	if (osx_child_kill(c, sig, &e) == 0)
		return 1;
	return e.code == ESRCH ? 0 : osx__fail_from(f, &e);
}

int osx_child_stop(osx_child *child, int grace_ms, unsigned flags, osx_wait_status *st,
		   osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct deadline d;
	/* A group is signalled before the child is collected: while the child
	 * is a zombie, its pid (the group's id) cannot be given to another
	 * process, so the SIGKILL cannot reach a stranger's group. */
	int group = (flags & OSX_STOP_GROUP) != 0, killed = 0, r;

	if (!child || (flags & ~OSX_STOP_GROUP))
		return osx_error_set(err, EINVAL, "kill", NULL, NULL);
	/* pid 1 is never our child, and kill(-1) would signal everything. */
	if (child->pid <= 0 || (group && child->pid == 1))
		return osx_error_set(err, ESRCH, "kill", NULL, NULL);
	r = stop_signal(child, SIGTERM, flags, &f);
	/* A group the unreaped child leads cannot be empty: ESRCH says the
	 * child leads none.  The child alone: it has ended already. */
	if (r == 0 && group)
		r = osx__fail_set(&f, ESRCH, "kill", NULL, NULL);
	if (r > 0) {
		deadline_start(&d, grace_ms);
		r = wait_until(child, st, &d, group ? WNOWAIT : 0, &f);
		killed = r == 0;
	}
	if (r >= 0 && (group || killed))
		r = stop_signal(child, SIGKILL, flags, &f);
	if (r >= 0 && child->pid > 0) {
		deadline_start(&d, -1);
		r = wait_until(child, st, &d, 0, &f);
	}
	return r < 0 ? osx__fail_report(&f, err) : killed;
}

/* ---- wait sets ---- */

struct osx_waitset {
	int epfd;            /* the pidfds of the members that have one */
	size_t n_fd;         /* how many are registered */
	osx_child **by_pid;  /* the members without a pidfd, polled */
	size_t n_pid, cap_pid;
};

osx_waitset *osx_waitset_new(osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_waitset *ws = osx__calloc(1, sizeof(*ws));
	int r;

	if (!ws) {
		osx_error_set(err, ENOMEM, "calloc", NULL, NULL);
		return NULL;
	}
	r = osx__sys_epoll_create1(EPOLL_CLOEXEC);
	if (r < 0) {
		osx__fail_set(&f, r, "epoll_create1", NULL, NULL);
		free(ws);
		osx__fail_report(&f, err);
		return NULL;
	}
	ws->epfd = r;
	return ws;
}

void osx_waitset_free(osx_waitset *ws)
{
	int e = errno;

	if (!ws)
		return;
	/* Like free(), this keeps errno: it is called on error paths. */
	osx__sys_close(ws->epfd);
	free(ws->by_pid);
	free(ws);
	errno = e;
}

static size_t find_pid_member(const osx_waitset *ws, const osx_child *c)
{
	size_t i;

	for (i = 0; i < ws->n_pid && ws->by_pid[i] != c; i++)
		;
	return i;
}

int osx_waitset_add(osx_waitset *ws, osx_child *child, osx_error *err)
{
	if (!ws || !child)
		return osx_error_set(err, EINVAL, "epoll_ctl", NULL, NULL);
	if (child->pid <= 0)
		return osx_error_set(err, ECHILD, "epoll_ctl", NULL, NULL);
	if (child->pidfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = child };
		int r = osx__sys_epoll_ctl(ws->epfd, EPOLL_CTL_ADD, child->pidfd, &ev);

		if (r < 0)
			return osx_error_set(err, -r, "epoll_ctl", NULL, NULL);
		ws->n_fd++;
		return 0;
	}
	if (find_pid_member(ws, child) < ws->n_pid)
		return osx_error_set(err, EEXIST, "epoll_ctl", NULL, NULL);
	if (ws->n_pid == ws->cap_pid) {
		size_t cap = ws->cap_pid ? 2 * ws->cap_pid : 8;
		osx_child **p = osx__realloc(ws->by_pid, cap * sizeof(*p));

		if (!p)
			return osx_error_set(err, ENOMEM, "realloc", NULL, NULL);
		ws->by_pid = p;
		ws->cap_pid = cap;
	}
	ws->by_pid[ws->n_pid++] = child;
	return 0;
}

/* Drop a member without a pidfd (i < n_pid); the order does not matter. */
static void drop_pid_member(osx_waitset *ws, size_t i)
{
	ws->by_pid[i] = ws->by_pid[--ws->n_pid];
}

/*
 * Unregister a member's pidfd.  Before the pidfd is closed, always: epoll
 * forgets an fd by itself only when its file is closed everywhere, and a
 * copy inherited by a fork would keep a stale member that points to the
 * caller's handle.
 */
static int unregister(osx_waitset *ws, osx_child *c)
{
	int r = osx__sys_epoll_ctl(ws->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);

	if (r == 0)
		ws->n_fd--;
	return r;
}

int osx_waitset_remove(osx_waitset *ws, osx_child *child, osx_error *err)
{
	size_t i;

	if (!ws || !child)
		return osx_error_set(err, EINVAL, "epoll_ctl", NULL, NULL);
	if (child->pidfd >= 0) {
		int r = unregister(ws, child);

		return r < 0 ? osx_error_set(err, -r, "epoll_ctl", NULL, NULL) : 0;
	}
	i = find_pid_member(ws, child);
	if (i == ws->n_pid)
		return osx_error_set(err, ENOENT, "epoll_ctl", NULL, NULL);
	drop_pid_member(ws, i);
	return 0;
}

size_t osx_waitset_count(const osx_waitset *ws)
{
	return ws ? ws->n_fd + ws->n_pid : 0;
}

int osx_waitset_fd(const osx_waitset *ws)
{
	if (!ws) {
		errno = EINVAL;
		return -1;
	}
	return ws->epfd;
}

/* One member with a pidfd that epoll says has ended: 1 collected, 0 not
 * (yet), -1 failed (ECHILD: the member is gone, removed and released). */
static int collect_fd_member(osx_waitset *ws, osx_child *c, osx_wait_status *st, osx__fail *f)
{
	int r = collect(c, st, WNOHANG, 0, f);

	if (r != 0 && (r > 0 || f->code == ECHILD)) {
		/* Unregistering a registered fd cannot fail (the kernel only
		 * looks it up); were it to, closing the pidfd drops it too. */
		if (unregister(ws, c) < 0)
			ws->n_fd--;
		release(c);
	}
	return r;
}

/* The members without a pidfd, one waitid(WNOHANG) each: 1 one was
 * collected (*ended), 0 none has ended, -1 failed. */
static int collect_pid_members(osx_waitset *ws, osx_child **ended, osx_wait_status *st,
			       osx__fail *f)
{
	size_t i;

	for (i = 0; i < ws->n_pid; i++) {
		osx_child *c = ws->by_pid[i];
		int r = collect(c, st, WNOHANG, 1, f);

		if (r == 0)
			continue;
		if (r > 0 || f->code == ECHILD) {
			drop_pid_member(ws, i);
			*ended = c;
		}
		return r;
	}
	return 0;
}

int osx_waitset_wait(osx_waitset *ws, int timeout_ms, osx_child **ended, osx_wait_status *st,
		     osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct deadline d;
	int interval = POLL_FIRST_MS, r;

	if (!ws || !ended)
		return osx_error_set(err, EINVAL, "epoll_wait", NULL, NULL);
	*ended = NULL;
	if (ws->n_fd + ws->n_pid == 0)
		return osx_error_set(err, ECHILD, "waitid", NULL, NULL);
	deadline_start(&d, timeout_ms);
	for (;;) {
		struct epoll_event ev;
		int left;

		r = collect_pid_members(ws, ended, st, &f);
		if (r != 0)
			break;
		left = deadline_left(&d);
		if (ws->n_pid)
			left = poll_interval(left, &interval);
		r = osx__sys_epoll_wait(ws->epfd, &ev, 1, left);
		if (r < 0 && stopped(r)) {
			osx__fail_set(&f, r, "epoll_wait", NULL, NULL);
			break;
		}
		if (r > 0) {
			osx_child *c = ev.data.ptr;

			r = collect_fd_member(ws, c, st, &f);
			if (r != 0) {
				if (r > 0 || f.code == ECHILD)
					*ended = c;
				break;
			}
		} else if (r == 0 && deadline_left(&d) == 0) {
			osx__fail_set(&f, ETIMEDOUT, "epoll_wait", NULL, NULL);
			r = -1;
			break;
		}
	}
	return r > 0 ? 0 : osx__fail_report(&f, err);
}
