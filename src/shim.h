/*
 * THE syscall shim: every call libosx makes to the system goes through one
 * of these.  Each returns what the libc call returns on success and -errno
 * on failure (NULL for the allocators), never leaving the caller to read
 * errno, so cleanup on an error path cannot clobber the code it reports.
 *
 * EINTR is retried where PEP 475 says retrying is correct: the call has had
 * no effect yet and is restartable.  Not retried: close (on Linux the fd is
 * gone whatever it returns, so EINTR means success), poll (the caller must
 * recompute its timeout), and the process-creation calls.
 *
 * Before each retry the shim asks the caller's interruption check
 * (osx/interrupt.h, osx__interrupted() below): when it says stop, the call
 * ends with -EINTR instead.  The check is consulted only after an EINTR,
 * so the path of a call that was not interrupted is unchanged.
 */
#ifndef OSX_SHIM_H
#define OSX_SHIM_H

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "fault.h"

/* The interruption check the caller installed (src/interrupt.c): non-zero
 * means "end the interrupted call with EINTR".  errno is left as it was.
 * Called only after a call failed with EINTR. */
int osx__interrupted(void);

/* renameat2's flags: glibc declares them in <stdio.h>, musl nowhere (the
 * kernel's <linux/fs.h> clashes with <sys/mount.h>). */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/*
 * On x86-64 the shim enters the kernel itself.  The kernel's convention is
 * already the shim's (-errno in [-4095, -1]), so this skips libc's errno
 * round trip.  The price: these calls are not pthread cancellation points,
 * as libc's wrappers are.  Elsewhere, or built with -DOSX_LIBC_SYSCALLS (CI
 * does, to keep that path tested), the shim uses libc's wrappers.
 */
#if defined(__x86_64__) && !defined(OSX_LIBC_SYSCALLS)
#define OSX__KERNEL_ENTRY 1
#include <errno.h>
#include <sys/syscall.h>

static inline long osx__kcall3(long nr, int fd, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(fd), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long osx__kcall4(long nr, int fd, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(fd), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long osx__kcall5(long nr, int fd, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(fd), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

/*
 * The calls made once per buffer (read, write, their positioned and vector
 * forms) are inline where they are a bare kernel entry: the installed
 * library on x86-64.  osx_read is then no longer than libc's read wrapper
 * (tests/bench/shim-overhead.sh).  The instrumented copy the tests link
 * keeps them out of line in shim.c, behind the fault hook.  EINTR is
 * retried: an interrupted transfer moved nothing, or it would have
 * returned the count.
 */
#if defined(OSX__KERNEL_ENTRY) && !defined(OSX_FAULT_INJECTION)
#define OSX__SHIM_INLINE_IO 1

/* The first attempt straight; only a failure looks for EINTR, so the
 * common case is the syscall and the sign test the caller makes anyway.
 * The retries (and the interruption check before each) are out of line
 * and cold: a call in the loop would have every osx_read save registers
 * for it. */
__attribute__((cold)) long osx__kretry(long nr, int fd, long b, long c, long d);

#define OSX__KRETRY(first, nr, fd, b, c, d)                          \
	long r_ = (first);                                           \
	if (__builtin_expect(r_ < 0, 0) && r_ == -EINTR)             \
		r_ = osx__kretry((nr), (fd), (b), (c), (d));         \
	return r_

static inline ssize_t osx__sys_read(int fd, void *buf, size_t len)
{
	OSX__KRETRY(osx__kcall3(SYS_read, fd, (long)buf, (long)len), SYS_read, fd, (long)buf,
		    (long)len, 0);
}

static inline ssize_t osx__sys_write(int fd, const void *buf, size_t len)
{
	OSX__KRETRY(osx__kcall3(SYS_write, fd, (long)buf, (long)len), SYS_write, fd, (long)buf,
		    (long)len, 0);
}

static inline ssize_t osx__sys_pread(int fd, void *buf, size_t len, off_t off)
{
	OSX__KRETRY(osx__kcall4(SYS_pread64, fd, (long)buf, (long)len, off), SYS_pread64, fd,
		    (long)buf, (long)len, off);
}

static inline ssize_t osx__sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	OSX__KRETRY(osx__kcall4(SYS_pwrite64, fd, (long)buf, (long)len, off), SYS_pwrite64, fd,
		    (long)buf, (long)len, off);
}

static inline ssize_t osx__sys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	OSX__KRETRY(osx__kcall3(SYS_readv, fd, (long)iov, iovcnt), SYS_readv, fd, (long)iov,
		    iovcnt, 0);
}

static inline ssize_t osx__sys_writev(int fd, const struct iovec *iov, int iovcnt)
{
	OSX__KRETRY(osx__kcall3(SYS_writev, fd, (long)iov, iovcnt), SYS_writev, fd, (long)iov,
		    iovcnt, 0);
}
#endif

/* fd I/O */
int osx__sys_openat(int dirfd, const char *path, int flags, mode_t mode);
int osx__sys_close(int fd);
#ifndef OSX__SHIM_INLINE_IO
ssize_t osx__sys_read(int fd, void *buf, size_t len);
ssize_t osx__sys_write(int fd, const void *buf, size_t len);
ssize_t osx__sys_pread(int fd, void *buf, size_t len, off_t off);
ssize_t osx__sys_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t osx__sys_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t osx__sys_writev(int fd, const struct iovec *iov, int iovcnt);
#endif
off_t osx__sys_lseek(int fd, off_t off, int whence);
int osx__sys_fstat(int fd, struct stat *st);
int osx__sys_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int osx__sys_fsync(int fd);
int osx__sys_fdatasync(int fd);
/* Flush the whole filesystem fd is on. */
int osx__sys_syncfs(int fd);
int osx__sys_uname(struct utsname *u);
int osx__sys_ftruncate(int fd, off_t len);
int osx__sys_fcntl(int fd, int cmd, long arg);
/* fcntl with a struct flock argument (F_OFD_SETLK(W), F_OFD_GETLK, ...). */
int osx__sys_fcntl_lock(int fd, int cmd, struct flock *lock);
int osx__sys_flock(int fd, int op);
int osx__sys_pipe2(int fds[2], int flags);
int osx__sys_dup2(int oldfd, int newfd);
int osx__sys_dup3(int oldfd, int newfd, int flags);
ssize_t osx__sys_copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
				 size_t len, unsigned flags);
ssize_t osx__sys_sendfile(int out, int in, off_t *off, size_t len);
ssize_t osx__sys_getrandom(void *buf, size_t len, unsigned flags);
int osx__sys_sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set);
int osx__sys_fchmod(int fd, mode_t mode);
int osx__sys_fchown(int fd, uid_t uid, gid_t gid);
mode_t osx__sys_umask(mode_t mask);
int osx__sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
/* epoll: epoll_wait is not retried, like poll (the caller owns the
 * deadline). */
int osx__sys_epoll_create1(int flags);
int osx__sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int osx__sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int timeout_ms);

/* processes */
pid_t osx__sys_fork(void);
int osx__sys_execve(const char *path, char *const argv[], char *const envp[]);
pid_t osx__sys_wait4(pid_t pid, int *status, int options, struct rusage *ru);
int osx__sys_waitid(idtype_t type, id_t id, siginfo_t *info, int options);
int osx__sys_kill(pid_t pid, int sig);
pid_t osx__sys_getpid(void);
pid_t osx__sys_getppid(void);
_Noreturn void osx__sys_exit(int status);
int osx__sys_pidfd_open(pid_t pid, unsigned flags);
int osx__sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags);
int osx__sys_close_range(unsigned first, unsigned last, unsigned flags);
int osx__sys_chdir(const char *path);
int osx__sys_fchdir(int fd);
pid_t osx__sys_setsid(void);
int osx__sys_setpgid(pid_t pid, pid_t pgid);
int osx__sys_sigprocmask(int how, const sigset_t *set, sigset_t *old);
int osx__sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int osx__sys_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		      int flags);
/* The credential calls as raw system calls: they change the calling
 * thread only (libc's wrappers signal every thread to change them all,
 * which a CLONE_VM child must not do with its parent's threads). */
int osx__sys_setgroups(size_t n, const gid_t *groups);
int osx__sys_setresuid(uid_t r, uid_t e, uid_t s);
int osx__sys_setresgid(gid_t r, gid_t e, gid_t s);
/* prlimit(2) of this process or another. */
int osx__sys_prlimit(pid_t pid, int resource, const struct rlimit *new_, struct rlimit *old);
/* mmap: 0 with *map set, or -errno. */
int osx__sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **map);
int osx__sys_munmap(void *addr, size_t len);
int osx__sys_mprotect(void *addr, size_t len, int prot);
/* Put back a mask sigprocmask saved: SIG_SETMASK with a valid set cannot
 * fail, so this is not an injection point and returns nothing. */
void osx__sys_sigmask_restore(const sigset_t *old);
/* glibc clone(): fn runs in the child on stack_top; *pidfd filled with CLONE_PIDFD. */
int osx__sys_clone(int (*fn)(void *), void *stack_top, int flags, void *arg, int *pidfd);
int osx__sys_sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout);
int osx__sys_sigpending(sigset_t *set);
void osx__sys_clock_monotonic(struct timespec *ts);
/* clone3 with fn(arg) run in the child on [stack, stack + stack_size), the
 * child exiting with its return value; flags are the 64-bit clone3 flags
 * (CLONE_CLEAR_SIGHAND...), *pidfd filled with CLONE_PIDFD.  -ENOSYS where
 * the kernel or the emulator (valgrind) lacks clone3, and on architectures
 * without the trampoline (only x86-64 has one). */
pid_t osx__sys_clone3(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
		      unsigned long long flags, int exit_signal, int *pidfd, int cgroup);

/* directories and names */
ssize_t osx__sys_getdents64(int fd, void *buf, size_t len);
int osx__sys_mkdirat(int dirfd, const char *path, mode_t mode);
int osx__sys_unlinkat(int dirfd, const char *path, int flags);
int osx__sys_renameat2(int olddir, const char *old, int newdir, const char *new_,
		       unsigned flags);
int osx__sys_linkat(int olddir, const char *old, int newdir, const char *new_, int flags);
int osx__sys_symlinkat(const char *target, int dirfd, const char *path);
ssize_t osx__sys_readlinkat(int dirfd, const char *path, char *buf, size_t len);

/* files by name (fs.h) */

/* The kernel's struct statx (linux/stat.h), declared here because libc's
 * (glibc 2.28) is missing from musl. */
struct osx__statx_time {
	long long sec;
	unsigned nsec;
	int reserved_;
};
struct osx__statx {
	unsigned mask, blksize;
	unsigned long long attributes;
	unsigned nlink, uid, gid;
	unsigned short mode, spare0_;
	unsigned long long ino, size, blocks, attributes_mask;
	struct osx__statx_time atime, btime, ctime, mtime;
	unsigned rdev_major, rdev_minor, dev_major, dev_minor;
	unsigned long long spare_[14];
};
/* The mask bits asked for (the kernel's STATX_BASIC_STATS | STATX_BTIME). */
#define OSX__STATX_BASIC 0x7ffu
#define OSX__STATX_BTIME 0x800u

int osx__sys_statx(int dirfd, const char *path, int flags, unsigned mask,
		   struct osx__statx *stx);
int osx__sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev);
int osx__sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags);
int osx__sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags);
int osx__sys_faccessat(int dirfd, const char *path, int mode, int flags);
int osx__sys_utimensat(int dirfd, const char *path, const struct timespec ts[2], int flags);
int osx__sys_truncate(const char *path, off_t len);
struct statvfs;
int osx__sys_statvfs(const char *path, struct statvfs *st);
int osx__sys_fstatvfs(int fd, struct statvfs *st);
/* The getcwd system call: the length written, NUL included. */
ssize_t osx__sys_getcwd(char *buf, size_t size);
int osx__sys_unshare(int flags);

/* environment and users (libc calls that can fail, so tests can fail them) */
int osx__sys_setenv(const char *name, const char *value, int overwrite);
int osx__sys_unsetenv(const char *name);
int osx__sys_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
			struct passwd **res);
int osx__sys_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
			struct passwd **res);
uid_t osx__sys_getuid(void);

/* memory: NULL on failure (ENOMEM) */
void *osx__malloc(size_t len);
void *osx__calloc(size_t n, size_t len);
void *osx__realloc(void *p, size_t len);

#endif
