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
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

/* musl's <dirent.h> makes getdents64 a macro (for its getdents); here the
 * name is the fault-injection name of the call, which must stay itself
 * through the macros below. */
#undef getdents64

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

/* Retry an attempt while it fails with EINTR, unless the caller's
 * interruption check says stop.  Safe for the calls used with it: an
 * interrupted call had no effect and can simply be made again. */
#define RETRY(r, name, call)                        \
	do                                          \
		(r) = TRY(name, call);              \
	while ((r) == -1 && errno == EINTR && !osx__interrupted())

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
#define KRETRY(r, name, call)                                    \
	do {                                                     \
		(r) = KTRY(name, call);                          \
		while ((r) == -EINTR && !osx__interrupted())     \
			(r) = KTRY(name, call);                  \
	} while (0)

#ifdef OSX__SHIM_INLINE_IO
/* A kernel entry after an EINTR: retry until the call is not interrupted
 * or the interruption check says stop.  (A call with fewer than four
 * arguments gets a 0 the kernel ignores.) */
long osx__kretry(long nr, int fd, long b, long c, long d)
{
	long r;

	do {
		if (osx__interrupted())
			return -EINTR;
		r = osx__kcall4(nr, fd, b, c, d);
	} while (r == -EINTR);
	return r;
}

/* KRETRY of a KCALL in the installed library: the retries in osx__kretry,
 * so the path of a call that was not interrupted saves no registers for
 * them (x86 gcc cannot keep the saves on the slow path alone). */
#define KRETRY_CALL(r, name, libc, nr, fd, b, c, d)                              \
	do {                                                                     \
		(r) = osx__kcall4((nr), (fd), (long)(b), (long)(c), (long)(d));  \
		if (__builtin_expect((r) == -EINTR, 0))                          \
			(r) = osx__kretry((nr), (fd), (long)(b), (long)(c), (long)(d)); \
	} while (0)
#else
#define KRETRY_CALL(r, name, libc, nr, fd, b, c, d) \
	KRETRY(r, name, KCALL(libc, nr, fd, b, c, d))
#endif

/* ---- fd I/O ---- */

int osx__sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int r;

	KRETRY_CALL(r, openat, openat(dirfd, path, flags, mode), SYS_openat, dirfd, path, flags,
		    mode);
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
/* A count the kernel refuses (EINVAL) or a NULL array (EFAULT) is passed
 * on untouched, so that the instrumented build fails exactly as the real
 * one does. */
#define IOV(name, iov, n)                                                \
	struct iovec tmp_[IOV_MAX];                                      \
	if ((iov) && (n) > 0 && (n) <= IOV_MAX) {                        \
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
#ifdef OSX__KERNEL_ENTRY
	return KTRY(lseek, KCALL3(lseek(fd, off, whence), SYS_lseek, fd, off, whence));
#else
	/* Not KCALL3: its long is 32 bits on i386, an offset is not. */
	off_t r = TRY(lseek, lseek(fd, off, whence));

	return r == -1 ? -errno : r;
#endif
}

int osx__sys_fstat(int fd, struct stat *st)
{
	int r;

	KRETRY_CALL(r, fstat, fstat(fd, st), SYS_fstat, fd, st, 0, 0);
	return r;
}

int osx__sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	KRETRY_CALL(r, fstatat, fstatat(dirfd, path, st, flags), SYS_newfstatat, dirfd, path, st,
		    flags);
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

int osx__sys_uname(struct utsname *u)
{
	int r = TRY(uname, uname(u));

	return RESULT(r);
}

int osx__sys_syncfs(int fd)
{
	int r;

	RETRY(r, syncfs, syncfs(fd));
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

int osx__sys_epoll_create1(int flags)
{
	int r = TRY(epoll_create1, epoll_create1(flags));

	return RESULT(r);
}

int osx__sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int r = TRY(epoll_ctl, epoll_ctl(epfd, op, fd, ev));

	return RESULT(r);
}

int osx__sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int timeout_ms)
{
	/* Not retried, like poll. */
	int r = TRY(epoll_wait, epoll_wait(epfd, ev, n, timeout_ms));

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

int osx__sys_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		      int flags)
{
	int r = (int)TRY(execveat, syscall(SYS_execveat, dirfd, path, argv, envp, flags));

	return RESULT(r);
}

/*
 * The credential calls are made raw, for this thread alone: libc's
 * wrappers signal every thread to change its ids too, which a spawn child
 * sharing the parent's memory must not do.  On i386 the plain numbers are
 * the old 16-bit-id calls; the 32-bit ones carry a suffix.
 */
#ifdef SYS_setgroups32
#define NR_SETGROUPS SYS_setgroups32
#define NR_SETRESUID SYS_setresuid32
#define NR_SETRESGID SYS_setresgid32
#else
#define NR_SETGROUPS SYS_setgroups
#define NR_SETRESUID SYS_setresuid
#define NR_SETRESGID SYS_setresgid
#endif

int osx__sys_setgroups(size_t n, const gid_t *groups)
{
	int r = (int)TRY(setgroups, syscall(NR_SETGROUPS, n, groups));

	return RESULT(r);
}

int osx__sys_setresuid(uid_t r_, uid_t e, uid_t s)
{
	int r = (int)TRY(setresuid, syscall(NR_SETRESUID, r_, e, s));

	return RESULT(r);
}

int osx__sys_setresgid(gid_t r_, gid_t e, gid_t s)
{
	int r = (int)TRY(setresgid, syscall(NR_SETRESGID, r_, e, s));

	return RESULT(r);
}

int osx__sys_prlimit(pid_t pid, int resource, const struct rlimit *new_, struct rlimit *old)
{
	int r = TRY(prlimit, prlimit(pid, resource, new_, old));

	return RESULT(r);
}

int osx__sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **map)
{
	void *m;

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_mmap, SITE))
		return -errno;
#endif
	m = mmap(addr, len, prot, flags, fd, off);
	if (m == MAP_FAILED)
		return -errno;
	*map = m;
	return 0;
}

int osx__sys_munmap(void *addr, size_t len)
{
	int r = TRY(munmap, munmap(addr, len));

	return RESULT(r);
}

int osx__sys_mprotect(void *addr, size_t len, int prot)
{
	int r = TRY(mprotect, mprotect(addr, len, prot));

	return RESULT(r);
}

void osx__sys_sigmask_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
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
	int r = TRY(clone, fn && stack_top ? clone(fn, stack_top, flags, arg, pidfd)
					  : (errno = EINVAL, -1)); /* musl's would crash */

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
/* The kernel's struct clone_args up to cgroup (CLONE_ARGS_SIZE_VER2, Linux
 * 5.7): every field is a 64-bit integer, pointers included.  Read by the
 * kernel only.  Only a call that places the child in a cgroup passes the
 * whole struct; others pass up to tls (VER0), which 5.3 already takes. */
struct clone3_args {
	/* cppcheck-suppress unusedStructMember ; the kernel's layout */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	/* cppcheck-suppress unusedStructMember ; the kernel's layout */
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE3_ARGS_VER0 64
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/*
 * The child of clone3 starts on the new stack with the parent's registers
 * but nothing on that stack to return to, so it must not return from the
 * syscall's function: the child branch is in the same asm statement as the
 * syscall, calls fn(arg) on the new stack and exits with its result.  fn
 * and arg ride in registers the child inherits (the compiler picks them;
 * "syscall" clobbers only rax, rcx and r11).  The stack top is 16-byte
 * aligned, so the call leaves fn's frame aligned as the ABI requires.
 */
static long clone3_raw(struct clone3_args *ca, size_t size, int (*fn)(void *), void *arg)
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
			 : "0"((long)SYS_clone3), "D"(ca), "S"(size), [fn] "r"(fn),
			   [arg] "r"(arg), [nr_exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

pid_t osx__sys_clone3(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
		      unsigned long long flags, int exit_signal, int *pidfd, int cgroup)
{
	uintptr_t lo = (uintptr_t)stack, top = (lo + stack_size) & ~(uintptr_t)15;
	struct clone3_args ca = {
		.flags = flags,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = (uint64_t)exit_signal,
		.stack = lo,
		.stack_size = top - lo,
	};
	size_t size = CLONE3_ARGS_VER0;

	if (cgroup >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgroup;
		size = sizeof(ca);
	}

#ifdef OSX_FAULT_INJECTION
	if (inject(OSX__SYS_clone3, SITE))
		return -errno;
#endif
	/* Not retried, like clone.  The raw syscall returns -errno itself. */
	return (pid_t)clone3_raw(&ca, size, fn, arg);
}
#else
/* No trampoline for this architecture: callers take their clone() path. */
pid_t osx__sys_clone3(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
		      unsigned long long flags, int exit_signal, int *pidfd, int cgroup)
{
	(void)fn, (void)arg, (void)stack, (void)stack_size, (void)flags, (void)exit_signal;
	(void)pidfd, (void)cgroup;
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

	KRETRY_CALL(r, getdents64, syscall(SYS_getdents64, fd, buf, len), SYS_getdents64, fd, buf,
		    len, 0);
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

	/* The raw call: musl has no renameat2 wrapper. */
	RETRY(r, renameat2, (int)syscall(SYS_renameat2, olddir, old, newdir, new_, flags));
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

/* ---- files by name ---- */

_Static_assert(sizeof(struct osx__statx) == 256, "struct statx is 256 bytes");

int osx__sys_statx(int dirfd, const char *path, int flags, unsigned mask,
		   struct osx__statx *stx)
{
	int r;

#ifdef OSX__KERNEL_ENTRY
	KRETRY(r, statx, (int)osx__kcall5(SYS_statx, dirfd, (long)path, flags, mask, (long)stx));
#else
	KRETRY(r, statx, (int)libc_result(syscall(SYS_statx, dirfd, path, flags, mask, stx)));
#endif
	return r;
}

int osx__sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	int r;

	RETRY(r, mknodat, mknodat(dirfd, path, mode, dev));
	return RESULT(r);
}

int osx__sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	int r;

	RETRY(r, fchmodat, fchmodat(dirfd, path, mode, flags));
	return RESULT(r);
}

int osx__sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	int r;

	RETRY(r, fchownat, fchownat(dirfd, path, uid, gid, flags));
	return RESULT(r);
}

int osx__sys_faccessat(int dirfd, const char *path, int mode, int flags)
{
	int r;

	RETRY(r, faccessat, faccessat(dirfd, path, mode, flags));
	return RESULT(r);
}

int osx__sys_utimensat(int dirfd, const char *path, const struct timespec ts[2], int flags)
{
	int r;

	RETRY(r, utimensat, utimensat(dirfd, path, ts, flags));
	return RESULT(r);
}

int osx__sys_truncate(const char *path, off_t len)
{
	int r;

	RETRY(r, truncate, truncate(path, len));
	return RESULT(r);
}

int osx__sys_statvfs(const char *path, struct statvfs *st)
{
	int r;

	RETRY(r, statvfs, statvfs(path, st));
	return RESULT(r);
}

int osx__sys_fstatvfs(int fd, struct statvfs *st)
{
	int r;

	RETRY(r, fstatvfs, fstatvfs(fd, st));
	return RESULT(r);
}

ssize_t osx__sys_getcwd(char *buf, size_t size)
{
	/* The system call, not libc's getcwd(), which on ENAMETOOLONG walks
	 * the tree itself, outside the shim. */
	long r = TRY(getcwd, syscall(SYS_getcwd, buf, size));

	return RESULT(r);
}

int osx__sys_unshare(int flags)
{
	int r = TRY(unshare, unshare(flags));

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
