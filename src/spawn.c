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
#define CHILD_STACK (64 * 1024)
#define CHILD_GUARD (64 * 1024)

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

enum step { STEP_SIGACTION, STEP_SIGPROCMASK, STEP_SETSID, STEP_SETPGID, STEP_DUP,
	    STEP_DUP2, STEP_CLOSE_RANGE, STEP_FCNTL, STEP_CHDIR, STEP_EXECVE };

static const char *const step_names[] = {
	[STEP_SIGACTION] = "sigaction", [STEP_SIGPROCMASK] = "sigprocmask",
	[STEP_SETSID] = "setsid", [STEP_SETPGID] = "setpgid", [STEP_DUP] = "fcntl",
	[STEP_DUP2] = "dup2", [STEP_CLOSE_RANGE] = "close_range",
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
	int src[3];   /* what goes to fd 0..2: an fd, or OSX_SPAWN_INHERIT/CLOSE */
	int floor;    /* above every fd the attributes name: where copies go */
	int errfd;    /* fallback: write end of the report pipe; else -1 */
	int readfd;   /* fallback: its read end, closed first in the child */
	int cleared;  /* clone3: the kernel reset the handlers, the mask is the caller's */
	volatile int ran;  /* set by the child: it shares this memory */
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

static void child_fds(struct spawn_ctx *c)
{
	const osx_spawn_attr *a = c->attr;
	int src[3];
	int r;

	/* A source below 3 would be overwritten by an earlier dup2: move it
	 * up first (CLOEXEC, so the copy does not reach the program), above
	 * every fd the attributes name, so it cannot land on a pass_fds
	 * number that is not open. */
	for (int i = 0; i < 3; i++) {
		src[i] = c->src[i];
		if (src[i] >= 0 && src[i] < 3 && src[i] != i) {
			r = osx__sys_fcntl(src[i], F_DUPFD_CLOEXEC, c->floor);
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
		r = osx__sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (no_close_range(r))
			cloexec_from_3();
		else if (r < 0)
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

	c->ran = 1;
	/* The read end is the parent's (and may sit on a number the
	 * attributes name as not open). */
	if (c->readfd >= 0)
		osx__sys_close(c->readfd);
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
		if (a->pass_fds[i] < 0 || a->pass_fds[i] == INT_MAX)
			return EINVAL;
	return 0;
}

/* One above the highest fd the attributes name (at least 3). */
static int fd_floor(const osx_spawn_attr *a)
{
	int floor = 3;

	for (int i = 0; i < 3; i++)
		if (a->fd[i] >= floor)
			floor = a->fd[i] + 1;
	for (size_t i = 0; i < a->n_pass_fds; i++)
		if (a->pass_fds[i] >= floor)
			floor = a->pass_fds[i] + 1;
	return floor;
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
	if (c->ran) {
		osx__sys_close(p[0]);
		return pid;
	}
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
	char **copy, *p;

	osx__env_lock();
	for (char **e = environ; e && *e; e++, n++)
		bytes += strlen(*e) + 1;
	copy = osx__malloc((n + 1) * sizeof(char *) + bytes);
	if (copy) {
		p = (char *)(copy + n + 1);
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

int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct spawn_ctx c;
	char **env = NULL;
	void *stack = NULL;
	int devnull = -1, pidfd = -1, e;
	pid_t pid = -1;

	if ((e = check_attr(attr)) != 0 || !child)
		return osx_error_set(err, e ? e : EINVAL, "spawn", NULL, NULL);
	/* A failed spawn leaves a handle with no child (pid 0). */
	child->pid = 0;
	child->pidfd = -1;
	memset(&c, 0, sizeof(c));
	c.attr = attr;
	c.floor = fd_floor(attr);
	c.envp = attr->envp;
	if (!c.envp)
		c.envp = env = environ_copy(&f);
	for (int i = 0; i < 3 && !osx__failed(&f); i++) {
		c.src[i] = attr->fd[i];
		if (c.src[i] == OSX_SPAWN_DEVNULL && devnull < 0) {
			devnull = osx__sys_openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
			if (devnull < 0)
				osx__fail_set(&f, devnull, "openat", "/dev/null", NULL);
		}
		if (c.src[i] == OSX_SPAWN_DEVNULL)
			c.src[i] = devnull;
	}
	if (!osx__failed(&f))
		stack = stack_get(&f);
	if (stack) {
		c.path_env = envp_path(c.envp);
		pid = spawn_clone3(&c, stack, &pidfd);
		if (clone3_unusable(pid))
			pid = spawn_clone(&c, stack, &pidfd, &f);
		else if (pid < 0)
			osx__fail_set(&f, pid, "clone3", NULL, NULL);
		stack_put(stack);
	}
	if (devnull >= 0)
		osx__sys_close(devnull);
	free(env);
	if (pid < 0)
		return osx__fail_report(&f, err);
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

		if (c.rep.step == STEP_CHDIR)
			name = attr->cwd;
		else if (c.rep.step == STEP_EXECVE)
			name = attr->argv[0];
		osx__fail_set(&f, c.rep.err, step_names[c.rep.step], name, NULL);
		osx__child_reap(child);
		return osx__fail_report(&f, err);
	}
	return 0;
}
