/* THE syscall shim: with shim.h (the kernel entry and the inline
 * per-buffer calls), the only code of libosx that calls libc's syscall
 * wrappers or syscall(2), or enters the kernel itself.  See shim.h for the
 * return and EINTR contract. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#ifdef OSX_FAULT_INJECTION
/*
 * The call site in the library: the return address of the shim function,
 * taken in that function (these macros expand there, never in inject()).
 * The engine records it when it fakes a failure, so tests/fault-sites.sh
 * can prove every call site had one.  The instrumented copy is built
 * without sibling calls, so a `return osx__sys_x(...)` keeps its own site.
 */
#define SITE __builtin_return_address(0)

/* One attempt: fake the failure a test armed, else make the real call. */
static int inject(enum osx__sys sys, const void *site)
{
	int e = osx__fault_hit(sys, site);

	if (e)
		errno = e;
	return e;
}
#define TRY(name, call) (inject(OSX__SYS_##name, SITE) ? -1 : (call))
#define CAP(name, len) osx__fault_cap_len(OSX__SYS_##name, (len), SITE)
#else
#define TRY(name, call) (call)
#define CAP(name, len) (len)
#endif

/* Retry an attempt while it fails with EINTR.  Safe for the calls used
 * with it: an interrupted call had no effect and can simply be made again. */
#define RETRY(r, name, call)                        \
	do                                          \
		(r) = TRY(name, call);              \
	while ((r) == -1 && errno == EINTR)

#define RESULT(r) ((r) == -1 ? -errno : (r))

/* The hot calls (fd I/O, stat, directory reads) enter the kernel directly
 * where shim.h says so. */
#ifdef OSX__KERNEL_ENTRY
/* KCALL(libc wrapper call, syscall number, its arguments): three or four,
 * the first always a file descriptor (an int: the kernel reads 32 bits). */
#define KCALL3(libc, nr, fd, b, c) osx__kcall3((nr), (fd), (long)(b), (long)(c))
#define KCALL(libc, nr, fd, b, c, d) osx__kcall4((nr), (fd), (long)(b), (long)(c), (long)(d))
#else
static inline long libc_result(long r)
{
	return r == -1 ? -errno : r;
}
#define KCALL3(libc, nr, fd, b, c) libc_result(libc)
#define KCALL(libc, nr, fd, b, c, d) libc_result(libc)
#endif

/* An attempt of a KCALL: -errno on failure, also when faked. */
#ifdef OSX_FAULT_INJECTION
#define KTRY(name, call) (inject(OSX__SYS_##name, SITE) ? -errno : (call))
#else
#define KTRY(name, call) (call)
#endif
/* The first attempt straight, the retries after it: the common case is
 * then the syscall and one compare, not a loop. */
#define KRETRY(r, name, call)                       \
	do {                                        \
		(r) = KTRY(name, call);             \
		while ((r) == -EINTR)               \
			(r) = KTRY(name, call);     \
	} while (0)

/* ---- fd I/O ---- */

int osx__sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int r;

	KRETRY(r, openat, (int)KCALL(openat(dirfd, path, flags, mode), SYS_openat,
				     dirfd, path, flags, mode));
	return r;
}

int osx__sys_close(int fd)
{
	int r;

#ifdef OSX_FAULT_INJECTION
	/* Linux frees the descriptor whatever close returns; a faked failure
	 * must too, or the test would see a leak the real world never has. */
	if (inject(OSX__SYS_close, SITE)) {
		r = -errno;
		KCALL3(close(fd), SYS_close, fd, 0, 0);
	} else
#endif
		r = (int)KCALL3(close(fd), SYS_close, fd, 0, 0);
	/* Never retried: the fd is already released, and retrying could close
	 * a descriptor another thread has just been given. */
	return r == -EINTR ? 0 : r;
}

#ifndef OSX__SHIM_INLINE_IO /* else inline in shim.h */
ssize_t osx__sys_read(int fd, void *buf, size_t len)
{
	ssize_t r;

	KRETRY(r, read, KCALL3(read(fd, buf, CAP(read, len)), SYS_read, fd, buf,
				       CAP(read, len)));
	return r;
}

ssize_t osx__sys_write(int fd, const void *buf, size_t len)
{
	ssize_t r;

	KRETRY(r, write, KCALL3(write(fd, buf, CAP(write, len)), SYS_write, fd, buf,
					CAP(write, len)));
	return r;
}

ssize_t osx__sys_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t r;

	KRETRY(r, pread, KCALL(pread(fd, buf, CAP(pread, len), off), SYS_pread64, fd,
				       buf, CAP(pread, len), off));
	return r;
}

ssize_t osx__sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t r;

	KRETRY(r, pwrite, KCALL(pwrite(fd, buf, CAP(pwrite, len), off), SYS_pwrite64,
					fd, buf, CAP(pwrite, len), off));
	return r;
}

#ifdef OSX_FAULT_INJECTION
/* Copy iov (n > 0 entries) into tmp, trimmed to the byte cap armed for sys.
 * The cap is at most the total, so the last entry kept takes what is left. */
static int cap_iov(enum osx__sys sys, const struct iovec *iov, int n,
		   struct iovec tmp[IOV_MAX], const void *site)
{
	size_t total = 0, cap;
	int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	cap = osx__fault_cap_len(sys, total, site);
	for (i = 0; i < n - 1 && iov[i].iov_len < cap; i++) {
		tmp[i] = iov[i];
		cap -= iov[i].iov_len;
	}
	tmp[i] = iov[i];
	tmp[i].iov_len = cap;
	return i + 1;
}
/* A count the kernel refuses (EINVAL) is passed on untouched, so that the
 * instrumented build fails exactly as the real one does. */
#define IOV(name, iov, n)                                                \
	struct iovec tmp_[IOV_MAX];                                      \
	if ((n) > 0 && (n) <= IOV_MAX) {                                 \
		(n) = cap_iov(OSX__SYS_##name, (iov), (n), tmp_, SITE);  \
		(iov) = tmp_;                                            \
	}
#else
#define IOV(name, iov, n) (void)0
#endif

ssize_t osx__sys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r;

	IOV(readv, iov, iovcnt);
	KRETRY(r, readv, KCALL3(readv(fd, iov, iovcnt), SYS_readv, fd, iov, iovcnt));
	return r;
}

ssize_t osx__sys_writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r;

	IOV(writev, iov, iovcnt);
	KRETRY(r, writev, KCALL3(writev(fd, iov, iovcnt), SYS_writev, fd, iov, iovcnt));
	return r;
}

#endif

off_t osx__sys_lseek(int fd, off_t off, int whence)
{
	return KTRY(lseek, KCALL3(lseek(fd, off, whence), SYS_lseek, fd, off, whence));
}

int osx__sys_fstat(int fd, struct stat *st)
{
	int r;

	KRETRY(r, fstat, (int)KCALL3(fstat(fd, st), SYS_fstat, fd, st, 0));
	return r;
}

int osx__sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	KRETRY(r, fstatat, (int)KCALL(fstatat(dirfd, path, st, flags), SYS_newfstatat, dirfd,
				      path, st, flags));
	return r;
}

int osx__sys_fsync(int fd)
{
	int r;

	RETRY(r, fsync, fsync(fd));
	return RESULT(r);
}

int osx__sys_fdatasync(int fd)
{
	int r;

	RETRY(r, fdatasync, fdatasync(fd));
	return RESULT(r);
}

int osx__sys_ftruncate(int fd, off_t len)
{
	int r;

	RETRY(r, ftruncate, ftruncate(fd, len));
	return RESULT(r);
}

int osx__sys_fcntl(int fd, int cmd, long arg)
{
	int r = TRY(fcntl, fcntl(fd, cmd, arg));

	return RESULT(r);
}

int osx__sys_fcntl_lock(int fd, int cmd, struct flock *lock)
{
	int r;

	/* A wait for a lock interrupted by a signal is simply waited again. */
	RETRY(r, fcntl, fcntl(fd, cmd, lock));
	return RESULT(r);
}

int osx__sys_flock(int fd, int op)
{
	int r;

	RETRY(r, flock, flock(fd, op));
	return RESULT(r);
}

int osx__sys_pipe2(int fds[2], int flags)
{
	int r = TRY(pipe2, pipe2(fds, flags));

	return RESULT(r);
}

int osx__sys_dup2(int oldfd, int newfd)
{
	int r;

	/* Linux dup2 can fail with EBUSY racing an open(); EINTR only if the
	 * close of newfd was interrupted, after which newfd is free: retry. */
	RETRY(r, dup2, dup2(oldfd, newfd));
	return RESULT(r);
}

int osx__sys_dup3(int oldfd, int newfd, int flags)
{
	int r;

	RETRY(r, dup3, dup3(oldfd, newfd, flags));
	return RESULT(r);
}

ssize_t osx__sys_copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
				 size_t len, unsigned flags)
{
	ssize_t r;

	RETRY(r, copy_file_range,
	      copy_file_range(in, in_off, out, out_off, CAP(copy_file_range, len), flags));
	return RESULT(r);
}

ssize_t osx__sys_sendfile(int out, int in, off_t *off, size_t len)
{
	ssize_t r;

	RETRY(r, sendfile, sendfile(out, in, off, CAP(sendfile, len)));
	return RESULT(r);
}

ssize_t osx__sys_getrandom(void *buf, size_t len, unsigned flags)
{
	ssize_t r;

	RETRY(r, getrandom, getrandom(buf, CAP(getrandom, len), flags));
	return RESULT(r);
}

int osx__sys_sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set)
{
	int r = TRY(sched_getaffinity, sched_getaffinity(pid, size, set));

	return RESULT(r);
}

int osx__sys_fchmod(int fd, mode_t mode)
{
	int r;

	RETRY(r, fchmod, fchmod(fd, mode));
	return RESULT(r);
}

int osx__sys_fchown(int fd, uid_t uid, gid_t gid)
{
	int r;

	RETRY(r, fchown, fchown(fd, uid, gid));
	return RESULT(r);
}

mode_t osx__sys_umask(mode_t mask)
{
#ifdef OSX_FAULT_INJECTION
	osx__fault_hit(OSX__SYS_umask, NULL); /* cannot fail: counted only */
#endif
	return umask(mask);
}

int osx__sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	/* Not retried here: the caller owns the deadline and must shorten the
	 * timeout before calling again. */
	int r = TRY(poll, poll(fds, n, timeout_ms));

	return RESULT(r);
}

/* ---- processes ---- */

pid_t osx__sys_fork(void)
{
	pid_t r = TRY(fork, fork());

	return RESULT(r);
}

int osx__sys_execve(const char *path, char *const argv[], char *const envp[])
{
	int r = TRY(execve, execve(path, argv, envp));

	return RESULT(r);
}

pid_t osx__sys_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	pid_t r;

	RETRY(r, wait4, wait4(pid, status, options, ru));
	return RESULT(r);
}

int osx__sys_waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	int r;

	RETRY(r, waitid, waitid(type, id, info, options));
	return RESULT(r);
}

int osx__sys_kill(pid_t pid, int sig)
{
	int r = TRY(kill, kill(pid, sig));

	return RESULT(r);
}

pid_t osx__sys_getpid(void)
{
	return getpid();
}

pid_t osx__sys_getppid(void)
{
	return getppid();
}

_Noreturn void osx__sys_exit(int status)
{
	_exit(status);
}

int osx__sys_pidfd_open(pid_t pid, unsigned flags)
{
	int r = (int)TRY(pidfd_open, syscall(SYS_pidfd_open, pid, flags));

	return RESULT(r);
}

int osx__sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags)
{
	int r = (int)TRY(pidfd_send_signal,
			 syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));

	return RESULT(r);
}

int osx__sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	int r = (int)TRY(close_range, syscall(SYS_close_range, first, last, flags));

	return RESULT(r);
}

int osx__sys_chdir(const char *path)
{
	int r;

	RETRY(r, chdir, chdir(path));
	return RESULT(r);
}

int osx__sys_fchdir(int fd)
{
	int r;

	RETRY(r, fchdir, fchdir(fd));
	return RESULT(r);
}

pid_t osx__sys_setsid(void)
{
	pid_t r = TRY(setsid, setsid());

	return RESULT(r);
}

int osx__sys_setpgid(pid_t pid, pid_t pgid)
{
	int r = TRY(setpgid, setpgid(pid, pgid));

	return RESULT(r);
}

int osx__sys_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int e;

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_sigprocmask, SITE))
		return -errno;
#endif
	/* pthread_sigmask returns the error instead of setting errno. */
	e = pthread_sigmask(how, set, old);
	return -e;
}

int osx__sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int r = TRY(sigaction, sigaction(sig, act, old));

	return RESULT(r);
}

int osx__sys_clone(int (*fn)(void *), void *stack_top, int flags, void *arg, int *pidfd)
{
	/* Not retried: a fork-like call is not restartable by the caller's
	 * promise alone (PEP 475 leaves process creation to the caller). */
	int r = TRY(clone, clone(fn, stack_top, flags, arg, pidfd));

	return RESULT(r);
}

int osx__sys_sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	int r = TRY(sigtimedwait, sigtimedwait(set, info, timeout));

	return RESULT(r);
}

int osx__sys_sigpending(sigset_t *set)
{
	/* Cannot fail with a valid pointer: not an injection point. */
	int r = sigpending(set);

	return RESULT(r);
}

void osx__sys_clock_monotonic(struct timespec *ts)
{
	/* vDSO, cannot fail for CLOCK_MONOTONIC: not an injection point. */
	clock_gettime(CLOCK_MONOTONIC, ts);
}

#if defined(__x86_64__)
/* The kernel's struct clone_args up to tls (CLONE_ARGS_SIZE_VER0, Linux
 * 5.3): every field is a 64-bit integer, pointers included.  Read by the
 * kernel only. */
struct clone3_args {
	/* cppcheck-suppress unusedStructMember ; the kernel's layout */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/*
 * The child of clone3 starts on the new stack with the parent's registers
 * but nothing on that stack to return to, so it must not return from the
 * syscall's function: the child branch is in the same asm statement as the
 * syscall, calls fn(arg) on the new stack and exits with its result.  fn
 * and arg ride in registers the child inherits (the compiler picks them;
 * "syscall" clobbers only rax, rcx and r11).  The stack top is 16-byte
 * aligned, so the call leaves fn's frame aligned as the ABI requires.
 */
static long clone3_raw(struct clone3_args *ca, int (*fn)(void *), void *arg)
{
	long r;

	__asm__ volatile("syscall\n\t"
			 "testq %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 /* the child: fn and arg out of the registers the
			  * compiler chose before ebp (maybe one of them) is
			  * cleared, so unwinders see no frame above fn */
			 "movq %[arg], %%rdi\n\t"
			 "movq %[fn], %%rax\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "call *%%rax\n\t"
			 "movl %%eax, %%edi\n\t"
			 "movl %[nr_exit], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(r)
			 : "0"((long)SYS_clone3), "D"(ca), "S"(sizeof(*ca)), [fn] "r"(fn),
			   [arg] "r"(arg), [nr_exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

pid_t osx__sys_clone3(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
		      unsigned long long flags, int exit_signal, int *pidfd)
{
	uintptr_t lo = (uintptr_t)stack, top = (lo + stack_size) & ~(uintptr_t)15;
	struct clone3_args ca = {
		.flags = flags,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = (uint64_t)exit_signal,
		.stack = lo,
		.stack_size = top - lo,
	};

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_clone3, SITE))
		return -errno;
#endif
	/* Not retried, like clone.  The raw syscall returns -errno itself. */
	return (pid_t)clone3_raw(&ca, fn, arg);
}
#else
/* No trampoline for this architecture: callers take their clone() path. */
pid_t osx__sys_clone3(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
		      unsigned long long flags, int exit_signal, int *pidfd)
{
	(void)fn, (void)arg, (void)stack, (void)stack_size, (void)flags, (void)exit_signal;
	(void)pidfd;
#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_clone3, SITE))
		return -errno;
#endif
	return -ENOSYS;
}
#endif

/* ---- directories and names ---- */

ssize_t osx__sys_getdents64(int fd, void *buf, size_t len)
{
	ssize_t r;

	KRETRY(r, getdents64, KCALL3(getdents64(fd, buf, len), SYS_getdents64, fd, buf, len));
	return r;
}

int osx__sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
	int r;

	RETRY(r, mkdirat, mkdirat(dirfd, path, mode));
	return RESULT(r);
}

int osx__sys_unlinkat(int dirfd, const char *path, int flags)
{
	int r;

	RETRY(r, unlinkat, unlinkat(dirfd, path, flags));
	return RESULT(r);
}

int osx__sys_renameat2(int olddir, const char *old, int newdir, const char *new_,
		       unsigned flags)
{
	int r;

	RETRY(r, renameat2, renameat2(olddir, old, newdir, new_, flags));
	return RESULT(r);
}

int osx__sys_linkat(int olddir, const char *old, int newdir, const char *new_, int flags)
{
	int r;

	RETRY(r, linkat, linkat(olddir, old, newdir, new_, flags));
	return RESULT(r);
}

int osx__sys_symlinkat(const char *target, int dirfd, const char *path)
{
	int r;

	RETRY(r, symlinkat, symlinkat(target, dirfd, path));
	return RESULT(r);
}

ssize_t osx__sys_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	ssize_t r;

	RETRY(r, readlinkat, readlinkat(dirfd, path, buf, len));
	return RESULT(r);
}

/* ---- environment and users ---- */

int osx__sys_setenv(const char *name, const char *value, int overwrite)
{
	int r = TRY(setenv, setenv(name, value, overwrite));

	return RESULT(r);
}

int osx__sys_unsetenv(const char *name)
{
	int r = TRY(unsetenv, unsetenv(name));

	return RESULT(r);
}

int osx__sys_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
			struct passwd **res)
{
	int e;

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_getpwnam_r, SITE)) {
		*res = NULL;
		return -errno;
	}
#endif
	/* Returns the error itself; "not found" is success with *res NULL. */
	e = getpwnam_r(name, pw, buf, len, res);
	return -e;
}

int osx__sys_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
			struct passwd **res)
{
	int e;

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_getpwuid_r, SITE)) {
		*res = NULL;
		return -errno;
	}
#endif
	e = getpwuid_r(uid, pw, buf, len, res);
	return -e;
}

/* Cannot fail, so not injectable (like getpid). */
uid_t osx__sys_getuid(void)
{
	return getuid();
}

/* ---- threads ---- */

int osx__sys_pthread_create(pthread_t *thread, void *(*fn)(void *), void *arg)
{
#ifdef OSX_FAULT_INJECTION
	int e = inject(OSX__SYS_pthread_create, SITE);

	if (e)
		return -e;
#endif
	/* pthread_create returns the error instead of setting errno. */
	return -pthread_create(thread, NULL, fn, arg);
}

/* ---- memory ---- */

void *osx__malloc(size_t len)
{
#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_malloc, SITE))
		return NULL;
#endif
	return malloc(len);
}

void *osx__calloc(size_t n, size_t len)
{
#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_calloc, SITE))
		return NULL;
#endif
	return calloc(n, len);
}

void *osx__realloc(void *p, size_t len)
{
#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_realloc, SITE))
		return NULL;
#endif
	return realloc(p, len);
}
