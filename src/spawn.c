/*
 * osx_spawn: clone(CLONE_VM|CLONE_VFORK) on a private stack, like glibc's
 * posix_spawn, so the cost does not grow with the parent's memory.  The
 * child shares the parent's memory (and its errno and the fault-injection
 * counters) until execve: it only makes async-signal-safe system calls
 * through the shim, never allocates, and reports a failure over a
 * CLOEXEC pipe that execve closes on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/proc.h>

#include "proc_internal.h"
#include "shim.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The child's stack: it needs the PATH buffer, a sigaction and a few frames. */
#define OSX__CHILD_STACK (OSX__PATH_BUF + 16384)

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
	int err;
	int step;
};

struct spawn_ctx {
	const osx_spawn_attr *attr;
	char *const *envp;
	const char *path_env;
	int src[3];  /* what goes to fd 0..2: an fd, or OSX_SPAWN_INHERIT/CLOSE */
	int errfd;   /* write end of the report pipe, >= 3 */
	sigset_t oldmask;
	char buf[OSX__PATH_BUF];
};

/* Every call below is a plain system call through the shim (which only
 * counts attempts in static memory) or a byte copy: async-signal-safe, and
 * safe to make in a child that shares the parent's memory. */
static _Noreturn void child_fail(const struct spawn_ctx *c, int step, int e)
{
	struct report rep = { e, step };

	osx__sys_write(c->errfd, &rep, sizeof(rep));
	osx__sys_exit(127);
}

static void child_signals(const struct spawn_ctx *c)
{
	const sigset_t *mask = &c->oldmask;
	sigset_t empty;
	int r;

	if (c->attr->reset_signals) {
		/* Handlers are copied, not shared (no CLONE_SIGHAND): resetting
		 * them here leaves the parent's alone.  Signals are blocked, so
		 * no parent handler can run on this stack before. */
		for (int sig = 1; sig < NSIG; sig++) {
			struct sigaction sa;

			if (sig == SIGKILL || sig == SIGSTOP)
				continue;
			if (osx__sys_sigaction(sig, NULL, &sa) < 0)
				continue; /* a reserved real-time signal */
			if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
				continue;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			r = osx__sys_sigaction(sig, &sa, NULL);
			if (r < 0)
				child_fail(c, STEP_SIGACTION, -r);
		}
		sigemptyset(&empty);
		mask = &empty;
	}
	r = osx__sys_sigprocmask(SIG_SETMASK, mask, NULL);
	if (r < 0)
		child_fail(c, STEP_SIGPROCMASK, -r);
}

static void child_fds(const struct spawn_ctx *c)
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
	/* Last, so no handler runs between the mask reset and execve. */
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
static int report_pipe(int p[2])
{
	int r = osx__sys_pipe2(p, O_CLOEXEC);

	if (r < 0)
		return r;
	if (p[1] < 3) {
		r = osx__sys_fcntl(p[1], F_DUPFD_CLOEXEC, 3);
		osx__sys_close(p[1]);
		if (r < 0) {
			osx__sys_close(p[0]);
			return r;
		}
		p[1] = r;
	}
	return 0;
}

static void restore_mask(const sigset_t *old)
{
	/* pthread_sigmask cannot fail with valid arguments; an injected
	 * failure is one attempt, and leaving every signal blocked would be
	 * worse than trying again. */
	while (osx__sys_sigprocmask(SIG_SETMASK, old, NULL) < 0)
		;
}

static pid_t do_clone(struct spawn_ctx *c, int *pidfd)
{
	alignas(16) char stack[OSX__CHILD_STACK];
	/* The parent is suspended (CLONE_VFORK) until the child execs or
	 * exits, so the child may use this frame's array as its stack. */
	void *top = stack + sizeof(stack);
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	pid_t pid;

	*pidfd = -1;
	pid = osx__sys_clone(child_main, top, flags | CLONE_PIDFD, c, pidfd);
	if (pid == -EINVAL) /* a kernel before 5.2 */
		pid = osx__sys_clone(child_main, top, flags, c, NULL);
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
	struct spawn_ctx c;
	struct report rep;
	sigset_t all;
	int p[2], devnull = -1, pidfd = -1, e;
	pid_t pid;
	ssize_t n;

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
	if ((e = report_pipe(p)) < 0) {
		if (devnull >= 0)
			osx__sys_close(devnull);
		return osx_error_set(err, -e, "pipe2", NULL, NULL);
	}
	c.errfd = p[1];

	/* With every signal blocked no handler of the parent can run in the
	 * child, on the shared memory, before the child resets them. */
	sigfillset(&all);
	e = osx__sys_sigprocmask(SIG_SETMASK, &all, &c.oldmask);
	pid = e < 0 ? e : do_clone(&c, &pidfd);
	if (e == 0)
		restore_mask(&c.oldmask);
	osx__sys_close(p[1]);
	if (devnull >= 0)
		osx__sys_close(devnull);
	if (pid < 0) {
		osx__sys_close(p[0]);
		return osx_error_set(err, -pid, e < 0 ? "sigprocmask" : "clone", NULL, NULL);
	}
	if (pidfd < 0) {
		/* No CLONE_PIDFD (old kernel, valgrind): the child cannot have
		 * been reaped yet, so its pid is still its own. */
		pidfd = osx__sys_pidfd_open(pid, 0);
		if (pidfd < 0)
			pidfd = -1;
	}
	n = osx__sys_read(p[0], &rep, sizeof(rep));
	osx__sys_close(p[0]);
	if (n == (ssize_t)sizeof(rep)) {
		const char *name = NULL;

		osx__sys_wait4(pid, NULL, 0, NULL);
		if (pidfd >= 0)
			osx__sys_close(pidfd);
		if (rep.step == STEP_CHDIR)
			name = attr->cwd;
		else if (rep.step == STEP_EXECVE)
			name = attr->argv[0];
		return osx_error_set(err, rep.err, step_names[rep.step], name, NULL);
	}
	if (n < 0) {
		/* Cannot tell whether the exec worked: do not leave a child. */
		osx__sys_kill(pid, SIGKILL); /* not reaped yet: still ours */
		osx__sys_wait4(pid, NULL, 0, NULL);
		if (pidfd >= 0)
			osx__sys_close(pidfd);
		return osx_error_set(err, (int)-n, "read", NULL, NULL);
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

int osx_system(const char *command, osx_error *err)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	osx_spawn_attr a;
	osx_child ch;
	osx_wait_status st;

	if (!command)
		return osx_error_set(err, EINVAL, "system", NULL, NULL);
	osx_spawn_attr_init(&a);
	a.argv = argv;
	a.close_fds = 0;
	a.reset_signals = 0;
	/* argv[0] is "sh" but the program is /bin/sh. */
	argv[0] = "/bin/sh";
	if (osx_spawn(&a, &ch, err) < 0 || osx_child_wait(&ch, &st, err) < 0)
		return -1;
	if (st.exited)
		return st.code << 8;
	return st.signal | (st.core_dumped ? 0x80 : 0);
}
