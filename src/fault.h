/*
 * Fault injection for the syscall shim.  Compiled into the instrumented copy
 * of the library that tests link (OSX_FAULT_INJECTION defined); the installed
 * library has no hook and no cost.  Tests arm and reset it from one thread;
 * the hook itself may be hit from many at once (the parallel walk's
 * workers), so its counters and the site table are updated atomically.  A child created with CLONE_VM|CLONE_VFORK shares these counters
 * (the parent is suspended meanwhile), so a test can also fail a call the
 * spawn child makes, such as its execve.
 */
#ifndef OSX_FAULT_H
#define OSX_FAULT_H

#include <stddef.h>

/* Every call that goes through the shim.  Counted and injectable by name. */
#define OSX__SYSCALLS(X)                                                     \
	/* fd */                                                              \
	X(openat) X(close) X(read) X(write) X(pread) X(pwrite) X(readv)       \
	X(writev) X(lseek) X(fstat) X(fstatat) X(fsync) X(fdatasync)          \
	X(syncfs) X(uname)                                                    \
	X(ftruncate) X(fcntl) X(flock) X(pipe2) X(dup2) X(dup3)               \
	X(copy_file_range) X(sendfile) X(getrandom) X(sched_getaffinity)      \
	X(fchmod) X(fchown) X(umask) X(poll)                                  \
	X(epoll_create1) X(epoll_ctl) X(epoll_wait)                           \
	/* processes */                                                       \
	X(fork) X(clone) X(clone3) X(execve) X(wait4) X(waitid) X(kill)       \
	X(pidfd_open) X(pidfd_send_signal) X(close_range) X(chdir) X(fchdir)  \
	X(setsid) X(setpgid) X(sigprocmask) X(sigaction) X(sigtimedwait)     \
	X(prlimit) X(mmap) X(munmap) X(mprotect) X(execveat) X(setgroups)     \
	X(setresuid) X(setresgid) X(pthread_create)                           \
	/* directories */                                                     \
	X(getdents64) X(mkdirat) X(unlinkat) X(renameat2) X(linkat)           \
	X(symlinkat) X(readlinkat)                                            \
	/* files by name */                                                   \
	X(statx) X(mknodat) X(fchmodat) X(fchownat) X(faccessat)              \
	X(utimensat) X(truncate) X(statvfs) X(fstatvfs) X(getcwd) X(unshare)  \
	/* environment */                                                     \
	X(setenv) X(unsetenv) X(getpwnam_r) X(getpwuid_r)                     \
	/* memory */                                                          \
	X(malloc) X(calloc) X(realloc)

enum osx__sys {
#define OSX__SYS_ENUM(name) OSX__SYS_##name,
	OSX__SYSCALLS(OSX__SYS_ENUM)
#undef OSX__SYS_ENUM
	OSX__SYS_COUNT
};

/* Every attempt longer than this is never failed: "fail forever". */
#define OSX__FAULT_ALWAYS ((unsigned long)-1)
/* A cap under which a call transfers 0 bytes (osx__fault_cap). */
#define OSX__FAULT_STALL ((size_t)-1)

/*
 * Work counter: loops whose cost must stay linear in their input (a scan
 * that untrusted input could make quadratic) add the bytes they examine,
 * so a test can bound the growth by counting, not timing.  Nothing in the
 * installed library.
 */
#ifdef OSX_FAULT_INJECTION
extern unsigned long osx__work;
#define OSX__WORK(n) ((void)(osx__work += (unsigned long)(n)))
#else
#define OSX__WORK(n) ((void)0)
#endif

#ifdef OSX_FAULT_INJECTION

/* The hook the shim calls before each attempt: counts it, and returns 0
 * (make the real call) or the errno to fake.  site is the shim function's
 * return address, the call site in the library; a faked failure records it
 * (NULL: not a call site, nothing recorded). */
int osx__fault_hit(enum osx__sys sys, const void *site);
/* The byte count the shim may transfer in this attempt; a cut below len
 * records site as osx__fault_hit does. */
size_t osx__fault_cap_len(enum osx__sys sys, size_t len, const void *site);

/* Test API.  Every EINTR retry is an attempt of its own. */
void osx__fault_reset(void);
/* The nth .. (nth+times-1)th attempts of sys from now (nth = 1: the next
 * one) fail with error; times may be OSX__FAULT_ALWAYS.  Up to 16 rules at
 * once; returns -1 when full.  Rules and counts last until the reset. */
int osx__fault_fail(enum osx__sys sys, unsigned long nth, unsigned long times, int error);
/* Run fn(arg) once, just before the nth attempt of sys from now (which
 * then goes on, or fails as a rule says): a test's way to make another
 * process's or writer's step happen at an exact point of a call sequence.
 * Up to 4 at once; returns -1 when full.  Reset drops them. */
int osx__fault_call(enum osx__sys sys, unsigned long nth, void (*fn)(void *), void *arg);
/* From now on every call of sys transfers at most max bytes (0: no cap;
 * OSX__FAULT_STALL: nothing, so a read sees end of file and a write makes
 * no progress). */
void osx__fault_cap(enum osx__sys sys, size_t max);
/* Attempts of sys since the last reset. */
unsigned long osx__fault_count(enum osx__sys sys);
/* Attempts of every syscall since the last reset. */
unsigned long osx__fault_total(void);
const char *osx__sys_name(enum osx__sys sys);

/*
 * Call sites reached: every distinct site a failure, an EINTR or a cut
 * transfer was faked at since the process started (osx__fault_reset keeps
 * them).  Copies up to max of them to out and returns how many there are;
 * more than OSX__FAULT_MAX_SITES means the table overflowed and some were
 * lost.  The test harness writes them out for tests/fault-sites.sh.
 */
#define OSX__FAULT_MAX_SITES 4096
size_t osx__fault_sites(const void **out, size_t max);

#endif
#endif
