/*
 * osx_spawn: a CLONE_VM|CLONE_VFORK child on a private stack, like glibc's
 * posix_spawn, so the cost does not grow with the parent's memory.  The
 * child shares the parent's memory (and its errno and the fault-injection
 * counters) until execve: it only makes async-signal-safe system calls
 * through the shim and never allocates.
 *
 * Fast path, clone3 with CLONE_CLEAR_SIGHAND (Linux 5.5, x86-64): the
 * kernel puts the handled signals back to SIG_DFL, so the child needs no
 * sigaction at all, and it reports a failure in the shared memory.
 * Fallback, glibc's clone (no clone3, or a kernel that does not know the
 * flag; valgrind): every signal is blocked until the child has reset the
 * handlers itself, and the failure also goes over a CLOEXEC pipe that
 * execve closes on success, since valgrind's clone copies the memory like
 * fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/proc.h>

#include "fail.h"
#include "proc_internal.h"
#include "shim.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The child's stack: a few frames of the functions below and the shim
 * (the PATH buffer is in the spawn_ctx), with room for a sanitizer's. */
#define OSX__CHILD_STACK 16384

int osx__exec_search(const char *file, const char *path, char *const argv[],
		     char *const envp[], char buf[OSX__PATH_BUF])
{
	size_t flen = strlen(file);
	int seen_eacces = 0, last = ENOENT;

	if (flen == 0)
		return ENOENT;
	if (strchr(file, '/'))
		return -osx__sys_execve(file, argv, envp);
	if (!path)
		path = "/bin:/usr/bin";
	for (;;) {
		const char *end = strchrnul(path, ':');
		size_t dlen = (size_t)(end - path), n = dlen;

		if (dlen + 1 + flen + 1 > OSX__PATH_BUF) {
			last = ENAMETOOLONG;
		} else {
			int e;

			/* An empty entry is the current directory. */
			memcpy(buf, path, dlen);
			if (dlen)
				buf[n++] = '/';
			memcpy(buf + n, file, flen + 1);
			e = -osx__sys_execve(buf, argv, envp);
			switch (e) {
			case EACCES:
				seen_eacces = 1;
				/* fall through */
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT:
			case ENAMETOOLONG:
			case ELOOP:
				last = e;
				break;
			default:
				/* ENOEXEC, E2BIG, ENOMEM...: the file was found. */
				return e;
			}
		}
		if (!*end)
			break;
		path = end + 1;
	}
	return seen_eacces ? EACCES : last;
}

enum step { STEP_SIGACTION, STEP_SIGPROCMASK, STEP_SETSID, STEP_SETPGID, STEP_DUP,
	    STEP_DUP2, STEP_CLOSE, STEP_CLOSE_RANGE, STEP_FCNTL, STEP_CHDIR, STEP_EXECVE };

static const char *const step_names[] = {
	[STEP_SIGACTION] = "sigaction", [STEP_SIGPROCMASK] = "sigprocmask",
	[STEP_SETSID] = "setsid", [STEP_SETPGID] = "setpgid", [STEP_DUP] = "fcntl",
	[STEP_DUP2] = "dup2", [STEP_CLOSE] = "close", [STEP_CLOSE_RANGE] = "close_range",
	[STEP_FCNTL] = "fcntl", [STEP_CHDIR] = "chdir", [STEP_EXECVE] = "execve",
};

struct report {
	int err; /* 0: no failure (yet) */
	int step;
};

struct spawn_ctx {
	const osx_spawn_attr *attr;
	char *const *envp;
	const char *path_env;
	int src[3];  /* what goes to fd 0..2: an fd, or OSX_SPAWN_INHERIT/CLOSE */
	int errfd;   /* fallback: write end of the report pipe, >= 3; else -1 */
	int cleared; /* clone3: the kernel reset the handlers, the mask is the caller's */
	struct report rep; /* the child's failure, read by the parent */
	sigset_t oldmask;  /* fallback: the caller's mask (all blocked meanwhile) */
	char buf[OSX__PATH_BUF];
};

/* Every call below is a plain system call through the shim (which only
 * counts attempts in static memory) or a byte copy: async-signal-safe, and
 * safe to make in a child that shares the parent's memory. */
static _Noreturn void child_fail(struct spawn_ctx *c, int step, int e)
{
	/* The parent reads rep once this child is gone (CLONE_VFORK). */
	c->rep.err = e;
	c->rep.step = step;
	if (c->errfd >= 0)
		osx__sys_write(c->errfd, &c->rep, sizeof(c->rep));
	osx__sys_exit(127);
}

static void child_signals(struct spawn_ctx *c)
{
	const sigset_t *mask = NULL;
	sigset_t empty;
	int r;

	if (!c->cleared) {
		/* What CLONE_CLEAR_SIGHAND does, by hand: every handled signal
		 * back to SIG_DFL, ignored ones stay ignored (exec does the
		 * same, so only the window before it differs).  The handlers
		 * are copied, not shared (no CLONE_SIGHAND), so the parent's
		 * stay; every signal is blocked until the mask below, so no
		 * handler of the parent runs on this stack meanwhile. */
		for (int sig = 1; sig < NSIG; sig++) {
			struct sigaction sa;

			if (sig == SIGKILL || sig == SIGSTOP)
				continue;
			/* EINVAL: SIGCANCEL or SIGSETXID, which glibc keeps to
			 * itself; their handlers act only on a signal the
			 * process sent its own thread, which this child never
			 * does.  (CLONE_CLEAR_SIGHAND resets them too.) */
			if (osx__sys_sigaction(sig, NULL, &sa) < 0)
				continue;
			if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
				continue;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			r = osx__sys_sigaction(sig, &sa, NULL);
			if (r < 0)
				child_fail(c, STEP_SIGACTION, -r);
		}
		mask = &c->oldmask;
	}
	if (c->attr->sigdefault) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		for (int sig = 1; sig < NSIG; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP ||
			    sigismember(c->attr->sigdefault, sig) != 1)
				continue;
			r = osx__sys_sigaction(sig, &dfl, NULL);
			if (r < 0)
				child_fail(c, STEP_SIGACTION, -r);
		}
	}
	if (c->attr->reset_signals) {
		sigemptyset(&empty);
		mask = &empty;
	}
	if (c->attr->sigmask)
		mask = c->attr->sigmask;
	/* On the clone3 path the caller's mask is already the child's. */
	if (mask && (r = osx__sys_sigprocmask(SIG_SETMASK, mask, NULL)) < 0)
		child_fail(c, STEP_SIGPROCMASK, -r);
}

static void child_fds(struct spawn_ctx *c)
{
	const osx_spawn_attr *a = c->attr;
	int src[3];
	int r;

	/* A source below 3 would be overwritten by an earlier dup2: move it
	 * up first (CLOEXEC, so the copy does not reach the program). */
	for (int i = 0; i < 3; i++) {
		src[i] = c->src[i];
		if (src[i] >= 0 && src[i] < 3 && src[i] != i) {
			r = osx__sys_fcntl(src[i], F_DUPFD_CLOEXEC, 3);
			if (r < 0)
				child_fail(c, STEP_DUP, -r);
			src[i] = r;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (src[i] == OSX_SPAWN_CLOSE) {
			osx__sys_close(i);
		} else if (src[i] == i) {
			r = osx__sys_fcntl(i, F_SETFD, 0);
			if (r < 0)
				child_fail(c, STEP_FCNTL, -r);
		} else if (src[i] >= 0) {
			r = osx__sys_dup2(src[i], i);
			if (r < 0)
				child_fail(c, STEP_DUP2, -r);
		}
	}
	if (a->close_fds) {
		/* Marked CLOEXEC rather than closed: the report pipe must stay
		 * open until execve. */
		r = osx__sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (r < 0)
			child_fail(c, STEP_CLOSE_RANGE, -r);
	}
	for (size_t i = 0; i < a->n_pass_fds; i++) {
		r = osx__sys_fcntl(a->pass_fds[i], F_SETFD, 0);
		if (r < 0)
			child_fail(c, STEP_FCNTL, -r);
	}
}

static int child_main(void *arg)
{
	struct spawn_ctx *c = arg;
	const osx_spawn_attr *a = c->attr;
	int r;

	if (a->new_session && (r = osx__sys_setsid()) < 0)
		child_fail(c, STEP_SETSID, -r);
	if (a->pgroup >= 0 && (r = osx__sys_setpgid(0, a->pgroup)) < 0)
		child_fail(c, STEP_SETPGID, -r);
	child_fds(c);
	if (a->cwd && (r = osx__sys_chdir(a->cwd)) < 0)
		child_fail(c, STEP_CHDIR, -r);
	/* Last: the fallback keeps every signal blocked until here. */
	child_signals(c);
	if (a->search_path)
		r = osx__exec_search(a->argv[0], c->path_env, a->argv, c->envp, c->buf);
	else
		r = -osx__sys_execve(a->argv[0], a->argv, c->envp);
	child_fail(c, STEP_EXECVE, r);
}

void osx_spawn_attr_init(osx_spawn_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->fd[0] = attr->fd[1] = attr->fd[2] = OSX_SPAWN_INHERIT;
	attr->close_fds = 1;
	attr->pgroup = -1;
	attr->reset_signals = 1;
}

static int check_attr(const osx_spawn_attr *a)
{
	if (!a || !a->argv || !a->argv[0])
		return EINVAL;
	for (int i = 0; i < 3; i++)
		if (a->fd[i] < OSX_SPAWN_CLOSE)
			return EINVAL;
	if (a->n_pass_fds && !a->pass_fds)
		return EINVAL;
	for (size_t i = 0; i < a->n_pass_fds; i++)
		if (a->pass_fds[i] < 0)
			return EINVAL;
	return 0;
}

/* A pipe whose write end is >= 3, so the child's dup2 onto 0..2 cannot
 * overwrite it when the parent runs with a standard fd closed. */
static int report_pipe(int p[2], osx__fail *f)
{
	int r = osx__sys_pipe2(p, O_CLOEXEC);

	if (r < 0)
		return osx__fail_set(f, r, "pipe2", NULL, NULL);
	if (p[1] < 3) {
		r = osx__sys_fcntl(p[1], F_DUPFD_CLOEXEC, 3);
		osx__sys_close(p[1]);
		if (r < 0) {
			osx__sys_close(p[0]);
			return osx__fail_set(f, r, "fcntl", NULL, NULL);
		}
		p[1] = r;
	}
	return 0;
}

/*
 * The fast path.  CLONE_CLEAR_SIGHAND sets every handled signal to SIG_DFL
 * and leaves ignored ones ignored, atomically with the clone: no handler of
 * the parent can ever run in the child, so the caller's mask can stay as it
 * is (a signal can only do to the child what it would do after execve).
 * The parent is suspended until the child execs or exits (CLONE_VFORK), so
 * the child may run on an array of this frame and leave its report in c.
 */
static pid_t spawn_clone3(struct spawn_ctx *c, int *pidfd)
{
	alignas(16) char stack[OSX__CHILD_STACK];

	c->cleared = 1;
	c->errfd = -1;
	return osx__sys_clone3(child_main, c, stack, sizeof(stack),
			       CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND, SIGCHLD,
			       pidfd);
}

/* No clone3 (ENOSYS: Linux < 5.3, valgrind, seccomp filters, architectures
 * without the shim's trampoline), or no CLONE_CLEAR_SIGHAND (EINVAL: 5.3
 * and 5.4).  E2BIG and EPERM: filters that refuse the call rather than
 * hide it (older container runtimes); our flags never earn those. */
static int clone3_unusable(pid_t r)
{
	return r == -ENOSYS || r == -EINVAL || r == -E2BIG || r == -EPERM;
}

/* The fallback: glibc's clone, every signal blocked until the child has
 * reset the handlers, and the report pipe.  Returns the pid with c->rep
 * filled, or -1 with the failure in f. */
static pid_t spawn_clone(struct spawn_ctx *c, int *pidfd, osx__fail *f)
{
	alignas(16) char stack[OSX__CHILD_STACK];
	void *top = stack + sizeof(stack);
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	/* Zeroed only for clang's analyzer, which cannot see the inline
	 * syscall below fill it. */
	struct report rep = { 0 };
	sigset_t all;
	int p[2], r;
	pid_t pid;
	ssize_t n;

	c->cleared = 0;
	if (report_pipe(p, f) < 0)
		return -1;
	c->errfd = p[1];
	sigfillset(&all);
	r = osx__sys_sigprocmask(SIG_SETMASK, &all, &c->oldmask);
	if (r < 0) {
		osx__sys_close(p[0]);
		osx__sys_close(p[1]);
		return osx__fail_set(f, r, "sigprocmask", NULL, NULL);
	}
	pid = osx__sys_clone(child_main, top, flags | CLONE_PIDFD, c, pidfd);
	if (pid == -EINVAL) /* a kernel before 5.2 */
		pid = osx__sys_clone(child_main, top, flags, c, NULL);
	osx__sys_sigmask_restore(&c->oldmask);
	osx__sys_close(p[1]);
	if (pid < 0) {
		osx__sys_close(p[0]);
		return osx__fail_set(f, pid, "clone", NULL, NULL);
	}
	n = osx__sys_read(p[0], &rep, sizeof(rep));
	osx__sys_close(p[0]);
	if (n == (ssize_t)sizeof(rep)) {
		c->rep = rep;
	} else if (n < 0) {
		/* Cannot tell whether the exec worked: do not leave a child. */
		osx__sys_kill(pid, SIGKILL); /* not reaped yet: still ours */
		osx__sys_wait4(pid, NULL, 0, NULL);
		if (*pidfd >= 0)
			osx__sys_close(*pidfd);
		*pidfd = -1;
		return osx__fail_set(f, n, "read", NULL, NULL);
	}
	return pid;
}

/* The PATH the child will have, as Python's os.get_exec_path(env) does:
 * the first PATH= entry of its envp, NULL (the default path) without one. */
static const char *envp_path(char *const *envp)
{
	for (; *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return NULL;
}

int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct spawn_ctx c;
	int devnull = -1, pidfd = -1, e;
	pid_t pid;

	if ((e = check_attr(attr)) != 0 || !child)
		return osx_error_set(err, e ? e : EINVAL, "spawn", NULL, NULL);
	/* A failed spawn leaves no handle that looks usable. */
	child->pid = -1;
	child->pidfd = -1;
	memset(&c, 0, sizeof(c));
	c.attr = attr;
	c.envp = attr->envp ? attr->envp : environ;
	c.path_env = envp_path(c.envp);
	for (int i = 0; i < 3; i++) {
		c.src[i] = attr->fd[i];
		if (c.src[i] == OSX_SPAWN_DEVNULL && devnull < 0) {
			devnull = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
			if (devnull < 0)
				return osx_error_set(err, -devnull, "openat", "/dev/null", NULL);
		}
		if (c.src[i] == OSX_SPAWN_DEVNULL)
			c.src[i] = devnull;
	}

	pid = spawn_clone3(&c, &pidfd);
	if (clone3_unusable(pid))
		pid = spawn_clone(&c, &pidfd, &f);
	else if (pid < 0)
		osx__fail_set(&f, pid, "clone3", NULL, NULL);
	if (devnull >= 0)
		osx__sys_close(devnull);
	if (pid < 0)
		return osx__fail_report(&f, err);
	if (pidfd < 0) {
		/* No CLONE_PIDFD (old kernel, valgrind): the child cannot have
		 * been reaped yet, so its pid is still its own. */
		pidfd = osx__sys_pidfd_open(pid, 0);
		if (pidfd < 0)
			pidfd = -1;
	}
	if (c.rep.err) {
		const char *name = NULL;

		if (c.rep.step == STEP_CHDIR)
			name = attr->cwd;
		else if (c.rep.step == STEP_EXECVE)
			name = attr->argv[0];
		osx__fail_set(&f, c.rep.err, step_names[c.rep.step], name, NULL);
		osx__sys_wait4(pid, NULL, 0, NULL);
		if (pidfd >= 0)
			osx__sys_close(pidfd);
		return osx__fail_report(&f, err);
	}
	child->pid = pid;
	child->pidfd = pidfd;
	return 0;
}

int osx_child_wait(osx_child *child, osx_wait_status *st, osx_error *err)
{
	if (child->pidfd >= 0) {
		if (osx_pidfd_wait(child->pidfd, st, 0, err) < 0)
			return -1;
		osx__sys_close(child->pidfd);
		child->pidfd = -1;
		return 0;
	}
	return osx_waitpid(child->pid, st, 0, err) < 0 ? -1 : 0;
}

int osx_child_kill(const osx_child *child, int sig, osx_error *err)
{
	if (child->pidfd >= 0) {
		int r = osx__sys_pidfd_send_signal(child->pidfd, sig, NULL, 0);

		/* ENOSYS: valgrind lacks it.  The pid is still the child's while
		 * it is unwaited, and osx_child_wait is what reaps it. */
		if (r != -ENOSYS)
			return r < 0 ? osx_error_set(err, -r, "pidfd_send_signal", NULL, NULL) : 0;
	}
	return osx_kill(child->pid, sig, err);
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
	osx_spawn_attr a;
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
	osx_spawn_attr_init(&a);
	a.argv = argv;
	a.close_fds = 0;
	a.reset_signals = 0;
	a.sigdefault = &dfl;
	a.sigmask = &oldmask;
	memset(&st, 0, sizeof(st));
	if (osx_spawn(&a, &ch, &e) < 0) {
		osx__fail_from(&f, &e);
	} else if (osx_child_wait(&ch, &st, &e) < 0) {
		/* Leave neither the pidfd nor a zombie: wait on the pid. */
		osx__fail_from(&f, &e);
		if (ch.pidfd >= 0)
			osx__sys_close(ch.pidfd);
		osx__sys_wait4(ch.pid, NULL, 0, NULL);
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
