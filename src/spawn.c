/*
 * osx_spawn: a CLONE_VM|CLONE_VFORK child on a stack of its own, like
 * glibc's posix_spawn, so the cost does not grow with the parent's memory.
 * The child shares the parent's memory (and its errno and the
 * fault-injection counters) until execve: it only makes async-signal-safe
 * system calls through the shim and never allocates or takes a lock.
 *
 * Fast path, clone3 with CLONE_CLEAR_SIGHAND (Linux 5.5, x86-64): the
 * kernel puts the handled signals back to SIG_DFL, so the child needs no
 * sigaction at all, and it reports a failure in the shared memory.
 * Fallback, glibc's clone (no clone3, or a kernel that does not know the
 * flag; valgrind): every signal is blocked until the child has reset the
 * handlers itself.  The failure is in the shared memory there too; only
 * where the clone turned out to copy the memory (valgrind) is it read from
 * a CLOEXEC pipe that execve closes on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <osx/proc.h>

#include "dirent64.h"
#include "env_internal.h"
#include "fail.h"
#include "proc_internal.h"
#include "shim.h"
#include "spawn_internal.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/*
 * The child's stack: mmap'ed, with a guard region below it, so a child
 * that overflows faults instead of writing over the caller's memory, and
 * so spawning does not need the caller's thread to have room for it (a
 * 16 KiB array in the caller's frame crashed threads with small stacks).
 * The frames of the functions below and the shim, with room for a
 * sanitizer's; the guard covers the largest page size (64 KiB, aarch64).
 * One stack is kept for the next spawn (the common case: spawns one after
 * another); concurrent spawns map their own.
 */
#define CHILD_STACK ((size_t)64 * 1024)
#define CHILD_GUARD ((size_t)64 * 1024)

static _Atomic(void *) stack_cache;

static void stack_unmap(void *s)
{
	osx__sys_munmap(s, CHILD_GUARD + CHILD_STACK);
}

static void *stack_get(osx__fail *f)
{
	void *s = atomic_exchange(&stack_cache, NULL);
	int r;

	if (s)
		return s;
	r = osx__sys_mmap(NULL, CHILD_GUARD + CHILD_STACK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0, &s);
	if (r < 0) {
		osx__fail_set(f, r, "mmap", NULL, NULL);
		return NULL;
	}
	r = osx__sys_mprotect(s, CHILD_GUARD, PROT_NONE);
	if (r < 0) {
		osx__fail_set(f, r, "mprotect", NULL, NULL);
		stack_unmap(s);
		return NULL;
	}
	return s;
}

static void stack_put(void *s)
{
	void *none = NULL;

	if (!atomic_compare_exchange_strong(&stack_cache, &none, s))
		stack_unmap(s);
}

/* The kept stack is unmapped when the library is unloaded. */
__attribute__((destructor)) void osx__spawn_stack_release(void)
{
	void *s = atomic_exchange(&stack_cache, NULL);

	if (s)
		stack_unmap(s);
}

struct report {
	int err;          /* 0: no failure (yet) */
	const char *call; /* the step that failed, as the shim names it */
	int arg;          /* the fd action it was (for its path), or -1 */
};

struct spawn_ctx {
	const osx_spawn_attr *attr;
	char *const *envp;
	const char *path_env;
	const char *program;          /* the path to execute (or search) */
	struct osx__fd_action *acts;  /* stdio, then the attr's actions */
	int *cur;                     /* per action: the fd a dup reads */
	size_t n_acts;
	int exec_fd;  /* program_fd, or its copy out of the actions' way */
	int floor;    /* above every fd the attributes name: where copies go */
	int errfd;    /* fallback: write end of the report pipe; else -1 */
	int readfd;   /* fallback: its read end, closed first in the child */
	int cleared;  /* clone3: the kernel reset the handlers, the mask is the caller's */
	int has_dfl;  /* dfl holds signals to put to SIG_DFL */
	sigset_t dfl;
	const sigset_t *mask; /* the child's mask; NULL: the caller's */
	volatile int ran;  /* set by the child: it shares this memory */
	struct report rep; /* the child's failure, read by the parent */
	sigset_t oldmask;  /* fallback: the caller's mask (all blocked meanwhile) */
	char buf[OSX__PATH_BUF];
};

/* Every call below is a plain system call through the shim (which only
 * counts attempts in static memory) or a byte copy: async-signal-safe, and
 * safe to make in a child that shares the parent's memory. */
static _Noreturn void child_fail_at(struct spawn_ctx *c, const char *call, int e, int arg)
{
	/* The parent reads rep once this child is gone (CLONE_VFORK). */
	c->rep.err = e;
	c->rep.call = call;
	c->rep.arg = arg;
	if (c->errfd >= 0)
		osx__sys_write(c->errfd, &c->rep, sizeof(c->rep));
	osx__sys_exit(127);
}

static _Noreturn void child_fail(struct spawn_ctx *c, const char *call, int e)
{
	child_fail_at(c, call, e, -1);
}

static void child_signals(struct spawn_ctx *c)
{
	const sigset_t *mask = c->mask;
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
				child_fail(c, "sigaction", -r);
		}
		if (!mask)
			mask = &c->oldmask;
	}
	if (c->has_dfl) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		for (int sig = 1; sig < NSIG; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP || sigismember(&c->dfl, sig) != 1)
				continue;
			r = osx__sys_sigaction(sig, &dfl, NULL);
			if (r < 0)
				child_fail(c, "sigaction", -r);
		}
	}
	/* On the clone3 path the caller's mask is already the child's. */
	if (mask && (r = osx__sys_sigprocmask(SIG_SETMASK, mask, NULL)) < 0)
		child_fail(c, "sigprocmask", -r);
}

/* "123" -> 123; -1 for anything that is not a decimal fd number. */
static int fd_name(const char *s)
{
	int n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (INT_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/*
 * close_range(CLOSE_RANGE_CLOEXEC) where the kernel has none (before 5.11:
 * ENOSYS, or EINVAL from 5.9/5.10's close_range without the flag) or a
 * seccomp profile refuses it (EPERM): every fd >= 3 marked CLOEXEC by
 * hand.  Marked rather than closed, as close_range does here: the report
 * pipe must stay open until execve.  The open fds are read from
 * /proc/self/fd into a buffer on this stack (getdents64, no allocation);
 * without /proc, every number below RLIMIT_NOFILE.  The child has its own
 * fd table (no CLONE_FILES), so nothing opens or closes fds meanwhile.
 */
static void cloexec_from_3(void)
{
	_Alignas(8) char buf[1024];
	struct rlimit rl;
	unsigned long max = 65536;
	int dir = osx__sys_openat(AT_FDCWD, "/proc/self/fd",
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (dir >= 0) {
		ssize_t n;

		while ((n = osx__sys_getdents64(dir, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < n;) {
				const struct osx__dent64 *d = (const void *)(buf + off);
				int fd = fd_name(d->name);

				if (fd >= 3 && fd != dir)
					osx__sys_fcntl(fd, F_SETFD, FD_CLOEXEC);
				off += d->reclen;
			}
		}
		osx__sys_close(dir);
		if (n == 0)
			return;
	}
	if (osx__sys_prlimit(0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (unsigned long)rl.rlim_cur;
	for (unsigned long fd = 3; fd < max && fd <= INT_MAX; fd++)
		osx__sys_fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* A kernel or filter without close_range (CLOSE_RANGE_CLOEXEC). */
static int no_close_range(int r)
{
	return r == -ENOSYS || r == -EINVAL || r == -EPERM;
}

/* Is fd made by an action other than k, or by any that does more than
 * keep it (k == n_acts)? */
static int targeted(const struct spawn_ctx *c, int fd, size_t k)
{
	for (size_t j = 0; j < c->n_acts; j++) {
		const struct osx__fd_action *act = &c->acts[j];

		if (j == k || act->fd != fd)
			continue;
		if (k == c->n_acts && act->op == OSX__FD_DUP && act->src == fd)
			continue;
		return 1;
	}
	return 0;
}

/*
 * The fd work, in the order CPython's _posixsubprocess does it: every fd
 * >= 3 marked CLOEXEC (close_fds), then the actions in order.  A dup reads
 * the parent's fd as it was at spawn time: a source that some action
 * overwrites is first copied above every fd the attributes name (CLOEXEC,
 * so the copy does not reach the program).  What an action makes is
 * inheritable: dup2 clears CLOEXEC, and a pass-through fd is cleared.
 */
static void child_fds(struct spawn_ctx *c)
{
	int r;

	if (c->attr->close_fds) {
		r = osx__sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (no_close_range(r))
			cloexec_from_3();
		else if (r < 0)
			child_fail(c, "close_range", -r);
	}
	for (size_t k = 0; k < c->n_acts; k++) {
		if (c->acts[k].op != OSX__FD_DUP || !targeted(c, c->acts[k].src, k))
			continue;
		r = osx__sys_fcntl(c->acts[k].src, F_DUPFD_CLOEXEC, c->floor);
		if (r < 0)
			child_fail_at(c, "fcntl", -r, (int)k);
		c->cur[k] = r;
	}
	if (c->exec_fd >= 0 && targeted(c, c->exec_fd, c->n_acts)) {
		r = osx__sys_fcntl(c->exec_fd, F_DUPFD_CLOEXEC, c->floor);
		if (r < 0)
			child_fail(c, "fcntl", -r);
		c->exec_fd = r;
	}
	for (size_t k = 0; k < c->n_acts; k++) {
		const struct osx__fd_action *act = &c->acts[k];

		switch (act->op) {
		case OSX__FD_DUP:
			if (c->cur[k] == act->fd)
				r = osx__sys_fcntl(act->fd, F_SETFD, 0);
			else
				r = osx__sys_dup2(c->cur[k], act->fd);
			if (r < 0)
				child_fail_at(c, c->cur[k] == act->fd ? "fcntl" : "dup2", -r, (int)k);
			break;
		case OSX__FD_CLOSE:
			osx__sys_close(act->fd);
			break;
		case OSX__FD_OPEN:
			r = osx__sys_openat(AT_FDCWD, act->path, act->flags & ~O_CLOEXEC,
					    (mode_t)act->mode);
			if (r < 0)
				child_fail_at(c, "openat", -r, (int)k);
			if (r != act->fd) {
				int d = osx__sys_dup2(r, act->fd);

				osx__sys_close(r);
				if (d < 0)
					child_fail_at(c, "dup2", -d, (int)k);
			}
			break;
		}
	}
}

/* The credentials and limits, after the fds and cwd (which may need the
 * parent's rights) and before the signals. */
static void child_creds(struct spawn_ctx *c)
{
	const osx_spawn_attr *a = c->attr;
	int r;

	if (a->umask >= 0)
		osx__sys_umask((mode_t)a->umask);
	for (size_t i = 0; i < a->n_rlimits; i++) {
		struct rlimit rl;

		rl.rlim_cur = a->rlimits[i].soft == OSX_RLIM_INFINITY ? RLIM_INFINITY :
									  (rlim_t)a->rlimits[i].soft;
		rl.rlim_max = a->rlimits[i].hard == OSX_RLIM_INFINITY ? RLIM_INFINITY :
									  (rlim_t)a->rlimits[i].hard;
		r = osx__sys_prlimit(0, a->rlimits[i].resource, &rl, NULL);
		if (r < 0)
			child_fail(c, "prlimit", -r);
	}
	/* As _posixsubprocess: groups, then the gid, then the uid (which
	 * may take away the right to change the others). */
	if (a->has_groups && (r = osx__sys_setgroups(a->n_groups, a->groups)) < 0)
		child_fail(c, "setgroups", -r);
	if (a->gid != (gid_t)-1 && (r = osx__sys_setresgid(a->gid, a->gid, a->gid)) < 0)
		child_fail(c, "setresgid", -r);
	if (a->uid != (uid_t)-1 && (r = osx__sys_setresuid(a->uid, a->uid, a->uid)) < 0)
		child_fail(c, "setresuid", -r);
}

/* "/proc/self/fd/<fd>" into buf, by hand: no snprintf in the child. */
static void proc_fd_path(char *buf, int fd)
{
	static const char dir[] = "/proc/self/fd/";
	char digits[12];
	size_t n = 0, i;

	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	memcpy(buf, dir, sizeof(dir) - 1);
	for (i = 0; i < n; i++)
		buf[sizeof(dir) - 1 + i] = digits[n - 1 - i];
	buf[sizeof(dir) - 1 + n] = '\0';
}

static int child_main(void *arg)
{
	struct spawn_ctx *c = arg;
	const osx_spawn_attr *a = c->attr;
	int r;

	c->ran = 1;
	/* The read end is the parent's (and may sit on a number the
	 * attributes name as not open). */
	if (c->readfd >= 0)
		osx__sys_close(c->readfd);
	if (a->new_session && (r = osx__sys_setsid()) < 0)
		child_fail(c, "setsid", -r);
	if (a->pgroup >= 0 && (r = osx__sys_setpgid(0, a->pgroup)) < 0)
		child_fail(c, "setpgid", -r);
	child_fds(c);
	if (a->cwd && (r = osx__sys_chdir(a->cwd)) < 0)
		child_fail(c, "chdir", -r);
	child_creds(c);
	/* Last: the fallback keeps every signal blocked until here. */
	child_signals(c);
	if (c->exec_fd >= 0) {
		r = osx__sys_execveat(c->exec_fd, "", a->argv, c->envp, AT_EMPTY_PATH);
		/* No execveat (qemu-user, seccomp filters that refuse it): the
		 * fd's name under /proc, as glibc's and musl's fexecve do.  A
		 * closed fd is EBADF, as execveat says; the exec's failure is
		 * the program's (EACCES, ENOEXEC...), except ENOENT, which
		 * then means no /proc: the ENOSYS stands. */
		if (r == -ENOSYS && (r = osx__sys_fcntl(c->exec_fd, F_GETFD, 0)) >= 0) {
			int e;

			proc_fd_path(c->buf, c->exec_fd);
			e = -osx__sys_execve(c->buf, a->argv, c->envp);
			r = e == ENOENT ? -ENOSYS : -e;
		}
		child_fail(c, "execveat", -r);
	}
	if (a->search_path)
		r = osx__exec_search(c->program, c->path_env, a->argv, c->envp, c->buf);
	else
		r = -osx__sys_execve(c->program, a->argv, c->envp);
	child_fail(c, "execve", r);
}

/*
 * The fast path.  CLONE_CLEAR_SIGHAND sets every handled signal to SIG_DFL
 * and leaves ignored ones ignored, atomically with the clone: no handler of
 * the parent can ever run in the child, so the caller's mask can stay as it
 * is (a signal can only do to the child what it would do after execve).
 * The parent is suspended until the child execs or exits (CLONE_VFORK), so
 * the child leaves its report in c.
 */
static pid_t spawn_clone3(struct spawn_ctx *c, void *stack, int *pidfd)
{
	c->cleared = 1;
	c->errfd = c->readfd = -1;
	return osx__sys_clone3(child_main, c, (char *)stack + CHILD_GUARD, CHILD_STACK,
			       CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND, SIGCHLD,
			       pidfd, c->attr->cgroup);
}

/* No clone3 (ENOSYS: Linux < 5.3, valgrind, seccomp filters, architectures
 * without the shim's trampoline), or no CLONE_CLEAR_SIGHAND (EINVAL: 5.3
 * and 5.4).  E2BIG and EPERM: filters that refuse the call rather than
 * hide it (older container runtimes); our flags never earn those. */
static int clone3_unusable(pid_t r)
{
	return r == -ENOSYS || r == -EINVAL || r == -E2BIG || r == -EPERM;
}

/*
 * The fallback: glibc's clone, every signal blocked until the child has
 * reset the handlers.  The report pipe is made for the case where the
 * clone copies the memory instead of sharing it (valgrind makes it a
 * fork): c->ran then stays 0 here and the report is read from the pipe.
 * Otherwise the pipe is never read, so a fork() in another thread that
 * inherits its write end cannot hold this spawn.  Its write end sits above
 * every fd the attributes name, out of the way of the child's fd work.
 * Returns the pid with c->rep filled, or -1 with the failure in f.
 */
static pid_t spawn_clone(struct spawn_ctx *c, void *stack, int *pidfd, osx__fail *f)
{
	void *top = (char *)stack + CHILD_GUARD + CHILD_STACK;
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	/* Zeroed only for clang's analyzer, which cannot see the inline
	 * syscall below fill it. */
	struct report rep = { 0 };
	sigset_t all;
	int p[2], r;
	pid_t pid;
	ssize_t n;

	c->cleared = 0;
	r = osx__sys_pipe2(p, O_CLOEXEC);
	if (r < 0)
		return osx__fail_set(f, r, "pipe2", NULL, NULL);
	r = osx__sys_fcntl(p[1], F_DUPFD_CLOEXEC, c->floor);
	osx__sys_close(p[1]);
	if (r < 0) {
		osx__sys_close(p[0]);
		return osx__fail_set(f, r, "fcntl", NULL, NULL);
	}
	c->errfd = r;
	c->readfd = p[0];
	sigfillset(&all);
	r = osx__sys_sigprocmask(SIG_SETMASK, &all, &c->oldmask);
	if (r < 0) {
		osx__sys_close(p[0]);
		osx__sys_close(c->errfd);
		return osx__fail_set(f, r, "sigprocmask", NULL, NULL);
	}
	pid = osx__sys_clone(child_main, top, flags | CLONE_PIDFD, c, pidfd);
	if (pid == -EINVAL) /* a kernel before 5.2 */
		pid = osx__sys_clone(child_main, top, flags, c, NULL);
	osx__sys_sigmask_restore(&c->oldmask);
	osx__sys_close(c->errfd);
	if (pid < 0) {
		osx__sys_close(p[0]);
		return osx__fail_set(f, pid, "clone", NULL, NULL);
	}
	n = 0;
	if (!c->ran)
		n = osx__sys_read(p[0], &rep, sizeof(rep));
	osx__sys_close(p[0]);
	if (n == (ssize_t)sizeof(rep)) {
		c->rep = rep;
	} else if (n < 0) {
		/* Cannot tell whether the exec worked: do not leave a child. */
		osx_child ch = { pid, *pidfd };

		osx__sys_kill(pid, SIGKILL); /* not reaped yet: still ours */
		osx__child_reap(&ch);
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

/* A copy of environ taken under the environment lock, in one block: the
 * child must not read environ itself while another thread's osx_setenv
 * may move or free it. */
static char **environ_copy(osx__fail *f)
{
	size_t n = 0, bytes = 0;
	char **copy;

	osx__env_lock();
	for (char **e = environ; e && *e; e++, n++)
		bytes += strlen(*e) + 1;
	copy = osx__malloc((n + 1) * sizeof(char *) + bytes);
	if (copy) {
		char *p = (char *)(copy + n + 1);

		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(environ[i]) + 1;

			copy[i] = memcpy(p, environ[i], len);
			p += len;
		}
		copy[n] = NULL;
	}
	osx__env_unlock();
	if (!copy)
		osx__fail_set(f, ENOMEM, "malloc", NULL, NULL);
	return copy;
}

/* ---- the attribute object ---- */

void osx__spawn_attr_defaults(struct osx_spawn_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->program_fd = -1;
	a->stdio[0] = a->stdio[1] = a->stdio[2] = OSX_SPAWN_INHERIT;
	a->close_fds = 1;
	a->pgroup = -1;
	a->reset_signals = 1;
	a->restore_signals = 1;
	a->uid = (uid_t)-1;
	a->gid = (gid_t)-1;
	a->umask = -1;
	a->cgroup = -1;
}

osx_spawn_attr *osx_spawn_attr_new(osx_error *err)
{
	osx_spawn_attr *a = osx__malloc(sizeof(*a));

	if (!a) {
		osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
		return NULL;
	}
	osx__spawn_attr_defaults(a);
	return a;
}

void osx_spawn_attr_free(osx_spawn_attr *a)
{
	if (!a)
		return;
	free(a->actions);
	free(a->groups);
	free(a->rlimits);
	free(a);
}

/* Every setter: EINVAL for a NULL object, in err. */
#define ATTR_CHECK(a, err)                                                   \
	do {                                                                 \
		if (!(a))                                                    \
			return osx_error_set((err), EINVAL, "spawn_attr", NULL, NULL); \
	} while (0)

static int bad(osx_error *err)
{
	return osx_error_set(err, EINVAL, "spawn_attr", NULL, NULL);
}

int osx_spawn_attr_set_argv(osx_spawn_attr *a, char *const argv[], osx_error *err)
{
	ATTR_CHECK(a, err);
	if (!argv)
		return bad(err);
	a->argv = argv;
	return 0;
}

int osx_spawn_attr_set_program(osx_spawn_attr *a, const char *path, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->program = path;
	return 0;
}

int osx_spawn_attr_set_program_fd(osx_spawn_attr *a, int fd, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (fd < -1 || fd == INT_MAX)
		return bad(err);
	a->program_fd = fd;
	return 0;
}

int osx_spawn_attr_set_envp(osx_spawn_attr *a, char *const envp[], osx_error *err)
{
	ATTR_CHECK(a, err);
	a->envp = envp;
	return 0;
}

int osx_spawn_attr_set_cwd(osx_spawn_attr *a, const char *cwd, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->cwd = cwd;
	return 0;
}

int osx_spawn_attr_set_search_path(osx_spawn_attr *a, int on, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->search_path = on != 0;
	return 0;
}

int osx_spawn_attr_set_stdio(osx_spawn_attr *a, int child_fd, int fd, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (child_fd < 0 || child_fd > 2 || fd < OSX_SPAWN_CLOSE || fd == INT_MAX)
		return bad(err);
	a->stdio[child_fd] = fd;
	return 0;
}

static int add_action(osx_spawn_attr *a, const struct osx__fd_action *act, osx_error *err)
{
	if (act->fd < 0 || act->fd == INT_MAX || (act->op == OSX__FD_DUP &&
						   (act->src < 0 || act->src == INT_MAX)))
		return bad(err);
	if (a->n_actions == a->cap_actions) {
		size_t cap = a->cap_actions ? a->cap_actions * 2 : 8;
		struct osx__fd_action *p = osx__realloc(a->actions, cap * sizeof(*p));

		if (!p)
			return osx_error_set(err, ENOMEM, "realloc", NULL, NULL);
		a->actions = p;
		a->cap_actions = cap;
	}
	a->actions[a->n_actions++] = *act;
	return 0;
}

int osx_spawn_attr_dup(osx_spawn_attr *a, int parent_fd, int child_fd, osx_error *err)
{
	struct osx__fd_action act = { OSX__FD_DUP, child_fd, parent_fd, 0, 0, NULL };

	ATTR_CHECK(a, err);
	return add_action(a, &act, err);
}

int osx_spawn_attr_close(osx_spawn_attr *a, int child_fd, osx_error *err)
{
	struct osx__fd_action act = { OSX__FD_CLOSE, child_fd, -1, 0, 0, NULL };

	ATTR_CHECK(a, err);
	return add_action(a, &act, err);
}

int osx_spawn_attr_open(osx_spawn_attr *a, int child_fd, const char *path, int flags,
			unsigned mode, osx_error *err)
{
	struct osx__fd_action act = { OSX__FD_OPEN, child_fd, -1, flags, mode, path };

	ATTR_CHECK(a, err);
	if (!path)
		return bad(err);
	return add_action(a, &act, err);
}

int osx_spawn_attr_set_close_fds(osx_spawn_attr *a, int on, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->close_fds = on != 0;
	return 0;
}

int osx_spawn_attr_set_new_session(osx_spawn_attr *a, int on, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->new_session = on != 0;
	return 0;
}

int osx_spawn_attr_set_pgroup(osx_spawn_attr *a, pid_t pgid, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (pgid < -1)
		return bad(err);
	a->pgroup = pgid;
	return 0;
}

int osx_spawn_attr_set_reset_signals(osx_spawn_attr *a, int on, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->reset_signals = on != 0;
	return 0;
}

int osx_spawn_attr_set_restore_signals(osx_spawn_attr *a, int on, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->restore_signals = on != 0;
	return 0;
}

/* n signal numbers into a set; EINVAL for one that is not a signal. */
static int sigs_to_set(const int *sigs, size_t n, sigset_t *set, osx_error *err)
{
	sigset_t tmp;

	if (n && !sigs)
		return bad(err);
	sigemptyset(&tmp);
	for (size_t i = 0; i < n; i++)
		if (sigs[i] <= 0 || sigs[i] >= NSIG || sigaddset(&tmp, sigs[i]) < 0)
			return bad(err);
	*set = tmp;
	return 0;
}

int osx_spawn_attr_set_sigdefault(osx_spawn_attr *a, const int *sigs, size_t n, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (sigs_to_set(sigs, n, &a->sigdefault, err) < 0)
		return -1;
	a->has_sigdefault = n > 0;
	return 0;
}

int osx_spawn_attr_set_sigmask(osx_spawn_attr *a, const int *sigs, size_t n, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (sigs_to_set(sigs, n, &a->sigmask, err) < 0)
		return -1;
	a->has_sigmask = 1;
	return 0;
}

int osx_spawn_attr_set_user(osx_spawn_attr *a, uid_t uid, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->uid = uid;
	return 0;
}

int osx_spawn_attr_set_group(osx_spawn_attr *a, gid_t gid, osx_error *err)
{
	ATTR_CHECK(a, err);
	a->gid = gid;
	return 0;
}

int osx_spawn_attr_set_extra_groups(osx_spawn_attr *a, const gid_t *groups, size_t n,
				    osx_error *err)
{
	gid_t *copy = NULL;

	ATTR_CHECK(a, err);
	if ((n && !groups) || n > 65536)
		return bad(err);
	if (n) {
		copy = osx__malloc(n * sizeof(*copy));
		if (!copy)
			return osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
		memcpy(copy, groups, n * sizeof(*copy));
	}
	free(a->groups);
	a->groups = copy;
	a->n_groups = n;
	a->has_groups = 1;
	return 0;
}

int osx_spawn_attr_set_umask(osx_spawn_attr *a, int mask, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (mask < -1 || mask > 0777)
		return bad(err);
	a->umask = mask;
	return 0;
}

int osx_spawn_attr_set_rlimit(osx_spawn_attr *a, int resource, uint64_t soft, uint64_t hard,
			      osx_error *err)
{
	struct osx__rlimit *p;
	size_t i;

	ATTR_CHECK(a, err);
	if (resource < 0 || resource >= RLIM_NLIMITS || soft > hard)
		return bad(err);
	if ((soft != OSX_RLIM_INFINITY && soft >= (uint64_t)RLIM_INFINITY) ||
	    (hard != OSX_RLIM_INFINITY && hard >= (uint64_t)RLIM_INFINITY))
		return bad(err);
	for (i = 0; i < a->n_rlimits && a->rlimits[i].resource != resource; i++)
		;
	if (i == a->n_rlimits) {
		p = osx__realloc(a->rlimits, (i + 1) * sizeof(*p));
		if (!p)
			return osx_error_set(err, ENOMEM, "realloc", NULL, NULL);
		a->rlimits = p;
		a->n_rlimits++;
	}
	a->rlimits[i].resource = resource;
	a->rlimits[i].soft = soft;
	a->rlimits[i].hard = hard;
	return 0;
}

int osx_spawn_attr_set_cgroup(osx_spawn_attr *a, int dirfd, osx_error *err)
{
	ATTR_CHECK(a, err);
	if (dirfd < -1)
		return bad(err);
	a->cgroup = dirfd;
	return 0;
}

/* ---- spawning ---- */

/* The stdio settings as actions, then the attribute's, into c (one
 * allocation, with the per-action fds the child reads); the fd floor. */
static int plan_fds(struct spawn_ctx *c, osx__fail *f)
{
	const osx_spawn_attr *a = c->attr;
	size_t n = 0, max = 3 + a->n_actions;
	int floor = 3;

	c->acts = osx__malloc(max * (sizeof(*c->acts) + sizeof(*c->cur)));
	if (!c->acts)
		return osx__fail_set(f, ENOMEM, "malloc", NULL, NULL);
	c->cur = (int *)(c->acts + max);
	for (int i = 0; i < 3; i++) {
		struct osx__fd_action *act = &c->acts[n];
		int v = a->stdio[i];

		if (v == OSX_SPAWN_INHERIT)
			continue;
		memset(act, 0, sizeof(*act));
		act->fd = i;
		if (v == OSX_SPAWN_DEVNULL) {
			act->op = OSX__FD_OPEN;
			act->path = "/dev/null";
			act->flags = O_RDWR;
		} else if (v == OSX_SPAWN_CLOSE) {
			act->op = OSX__FD_CLOSE;
		} else {
			act->op = OSX__FD_DUP;
			act->src = v;
		}
		n++;
	}
	if (a->n_actions)
		memcpy(c->acts + n, a->actions, a->n_actions * sizeof(*c->acts));
	n += a->n_actions;
	for (size_t k = 0; k < n; k++) {
		c->cur[k] = c->acts[k].src;
		if (c->acts[k].fd >= floor)
			floor = c->acts[k].fd + 1;
		if (c->acts[k].op == OSX__FD_DUP && c->acts[k].src >= floor)
			floor = c->acts[k].src + 1;
	}
	if (a->program_fd >= floor)
		floor = a->program_fd + 1;
	c->n_acts = n;
	c->floor = floor;
	return 0;
}

/* The child's signals, decided here: which go to SIG_DFL, which mask. */
static void plan_signals(struct spawn_ctx *c, sigset_t *empty)
{
	const osx_spawn_attr *a = c->attr;

	sigemptyset(&c->dfl);
	if (a->has_sigdefault)
		c->dfl = a->sigdefault;
	if (a->restore_signals) {
		sigaddset(&c->dfl, SIGPIPE);
		sigaddset(&c->dfl, SIGXFSZ);
	}
	c->has_dfl = a->has_sigdefault || a->restore_signals;
	sigemptyset(empty);
	c->mask = NULL;
	if (a->reset_signals)
		c->mask = empty;
	if (a->has_sigmask)
		c->mask = &a->sigmask;
}

int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct spawn_ctx c;
	sigset_t empty;
	char **env = NULL;
	void *stack = NULL;
	int pidfd = -1;
	pid_t pid = -1;

	if (!attr || !child || !attr->argv || !attr->argv[0])
		return osx_error_set(err, EINVAL, "spawn", NULL, NULL);
	/* A failed spawn leaves a handle with no child (OSX_CHILD_INIT). */
	child->pid = -1;
	child->pidfd = -1;
	memset(&c, 0, sizeof(c));
	c.attr = attr;
	c.program = attr->program ? attr->program : attr->argv[0];
	c.exec_fd = attr->program_fd;
	c.envp = attr->envp;
	plan_signals(&c, &empty);
	if (plan_fds(&c, &f) == 0 && !c.envp)
		c.envp = env = environ_copy(&f);
	if (!osx__failed(&f))
		stack = stack_get(&f);
	if (stack) {
		c.path_env = envp_path(c.envp);
		pid = spawn_clone3(&c, stack, &pidfd);
		/* A cgroup is only clone3's to give: no fallback then. */
		if (clone3_unusable(pid) && attr->cgroup < 0)
			pid = spawn_clone(&c, stack, &pidfd, &f);
		else if (pid < 0)
			osx__fail_set(&f, pid, "clone3", NULL, NULL);
		stack_put(stack);
	}
	free(env);
	if (pid < 0) {
		free(c.acts);
		return osx__fail_report(&f, err);
	}
	if (pidfd < 0) {
		/* No CLONE_PIDFD (old kernel, valgrind): the child cannot have
		 * been reaped yet, so its pid is still its own. */
		pidfd = osx__sys_pidfd_open(pid, 0);
		if (pidfd < 0)
			pidfd = -1;
	}
	child->pid = pid;
	child->pidfd = pidfd;
	if (c.rep.err) {
		const char *name = NULL;
		const char *call = c.rep.call;

		if (strcmp(call, "chdir") == 0)
			name = attr->cwd;
		else if (strcmp(call, "execve") == 0)
			name = c.program;
		else if (strcmp(call, "openat") == 0 && c.rep.arg >= 0)
			name = c.acts[c.rep.arg].path; /* attr's, or a literal */
		osx__fail_set(&f, c.rep.err, call, name, NULL);
		osx__child_reap(child);
		free(c.acts);
		return osx__fail_report(&f, err);
	}
	free(c.acts);
	return 0;
}
