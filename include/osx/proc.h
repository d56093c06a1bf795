/* libosx processes: fork/exec/wait, pidfds, and a vfork-style spawn. */
#ifndef OSX_PROC_H
#define OSX_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

/* A decoded wait status (os.waitstatus_to_exitcode and the W* macros). */
typedef struct {
	int exited;      /* exited normally: code is valid */
	int code;        /* exit code */
	int signaled;    /* killed by a signal: signal and core_dumped are valid */
	int signal;
	int core_dumped;
	int stopped;     /* stopped (WUNTRACED): signal holds the stop signal */
	int continued;   /* resumed by SIGCONT (WCONTINUED) */
	/* Python's: code, or -signal when killed; 0 for a stopped or continued
	 * child, which has not ended (not a success: check exited). */
	int returncode;
} osx_wait_status;

/*
 * Decode a raw wait(2) status (what waitpid stores) into st.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API void osx_wait_status_decode(int raw, osx_wait_status *st) OSX_NONNULL(2);

/*
 * os.fork: returns the child's pid in the parent, 0 in the child, -1.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API pid_t osx_fork(osx_error *err);
/*
 * os.execve: returns only on failure (-1, err names path).
 * Safety: MT-Safe, AS-Safe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execve(const char *path, char *const argv[], char *const envp[],
		       osx_error *err) OSX_NONNULL(1, 2, 3);
/*
 * os.execv: execve with the process environment, read under the library's
 * environment lock (held across the execve).  Returns only on failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execv(const char *path, char *const argv[], osx_error *err) OSX_NONNULL(1, 2);
/*
 * os.execvp: PATH search like execvp.  A name with a '/' is used as is;
 * empty PATH entries mean the current directory; PATH unset means
 * "/bin:/usr/bin".  Every entry is tried (as Python's _posixsubprocess);
 * when none runs, the first error that was not ENOENT/ENOTDIR is reported
 * (EACCES, ENOEXEC...), else the last.  ENOEXEC is never retried with
 * /bin/sh.  Returns only on failure.
 * Safety: MT-Safe, AS-Unsafe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execvp(const char *file, char *const argv[], osx_error *err) OSX_NONNULL(1, 2);

/*
 * os.waitpid: returns the pid, 0 with WNOHANG and nothing to report (st
 * zeroed), or -1.  st may be NULL.
 * Safety: MT-Safe, AS-Safe, blocks (until a child changes state, unless WNOHANG).
 */
OSX_API pid_t osx_waitpid(pid_t pid, osx_wait_status *st, int options, osx_error *err);
/*
 * Wait on a pidfd (waitid P_PIDFD, WEXITED added): immune to pid reuse.
 * Returns the child's pid when a status was collected, 0 with WNOHANG when
 * there is nothing to report yet (st zeroed), -1 on error (ECHILD once
 * reaped).  st may be NULL.
 * Safety: MT-Safe, AS-Safe, blocks (until the child changes state, unless WNOHANG).
 */
OSX_API int osx_pidfd_wait(int pidfd, osx_wait_status *st, int options, osx_error *err);
/*
 * os.kill.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_kill(pid_t pid, int sig, osx_error *err);
/*
 * os.getpid.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API pid_t osx_getpid(void);
/*
 * os.getppid.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API pid_t osx_getppid(void);
/*
 * os._exit: ends the process at once (no atexit handlers, no stdio flush).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API OSX_NORETURN void osx_exit_now(int status);
/*
 * os.pidfd_open (Linux 5.3): returns the pidfd (CLOEXEC) or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_pidfd_open(pid_t pid, unsigned flags, osx_error *err);
/*
 * signal.pidfd_send_signal (Linux 5.1).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_pidfd_send_signal(int pidfd, int sig, osx_error *err);

/*
 * os.cpu_count(): online CPUs; >= 1, or -1 with err.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_cpu_count(osx_error *err);
/*
 * os.process_cpu_count(): CPUs this process may run on; >= 1, or -1.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_process_cpu_count(osx_error *err);

/* ---- spawn attributes ---- */

/*
 * What osx_spawn starts and how: an opaque object (it can grow without
 * breaking binaries built against an older libosx), made by
 * osx_spawn_attr_new with subprocess.Popen's defaults and changed with the
 * setters below.  Pointers given to setters (argv, envp, cwd, program,
 * open paths) are borrowed: they must stay valid until the last osx_spawn
 * or osx_run that uses the object has returned.  Arrays (groups, signal
 * lists) are copied.  One object may serve any number of spawns, from any
 * thread, as long as no setter runs meanwhile.
 */
typedef struct osx_spawn_attr osx_spawn_attr;

/* Values for osx_spawn_attr_set_stdio: */
#define OSX_SPAWN_INHERIT (-1) /* keep the parent's fd */
#define OSX_SPAWN_DEVNULL (-2) /* /dev/null, opened O_RDWR in the child */
#define OSX_SPAWN_CLOSE   (-3) /* closed in the child */

/* An rlimit value meaning "no limit" (RLIM_INFINITY). */
#define OSX_RLIM_INFINITY UINT64_MAX

/*
 * A new attribute object: no argv yet (osx_spawn refuses it until
 * osx_spawn_attr_set_argv), the parent's environment, stdio inherited,
 * close_fds and restore_signals on, an empty signal mask in the child.
 * Returns NULL with err (ENOMEM) on failure.  Free with osx_spawn_attr_free.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_spawn_attr *osx_spawn_attr_new(osx_error *err);
/*
 * Free an attribute object and what it copied; NULL is allowed.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API void osx_spawn_attr_free(osx_spawn_attr *attr);

/*
 * The child's argv (NULL terminated, argv[0] its name).  Unless
 * osx_spawn_attr_set_program says otherwise, argv[0] is also the program.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_argv(osx_spawn_attr *attr, char *const argv[], osx_error *err)
	OSX_NONNULL(1, 2);
/*
 * The program to execute, apart from argv[0] (os.posix_spawn's path,
 * subprocess's executable=); NULL: argv[0].  Searched in PATH when
 * search_path is on.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_program(osx_spawn_attr *attr, const char *path, osx_error *err)
	OSX_NONNULL(1);
/*
 * Execute the program already open at fd (fexecve: execveat with
 * AT_EMPTY_PATH, Linux 3.19); -1 to go back to a path.  The fd is the
 * parent's at spawn time, whatever the fd actions do.  A script opened
 * CLOEXEC cannot run this way (its interpreter would find the fd closed:
 * ENOENT); open it without O_CLOEXEC.  Where execveat is ENOSYS
 * (qemu-user, seccomp filters) the child execs /proc/self/fd/<fd>, as
 * fexecve does; without /proc the spawn fails with ENOSYS ("execveat").
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_program_fd(osx_spawn_attr *attr, int fd, osx_error *err)
	OSX_NONNULL(1);
/*
 * The child's environment (NULL terminated "NAME=value" strings); NULL:
 * a copy of the parent's, taken under the library's environment lock.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_envp(osx_spawn_attr *attr, char *const envp[], osx_error *err)
	OSX_NONNULL(1);
/*
 * The child's working directory (chdir before exec); NULL: unchanged.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_cwd(osx_spawn_attr *attr, const char *cwd, osx_error *err)
	OSX_NONNULL(1);
/*
 * Search PATH for the program (osx_execvp's rules) in the child's own
 * environment's PATH, as os.get_exec_path(env) (default off).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_search_path(osx_spawn_attr *attr, int on, osx_error *err)
	OSX_NONNULL(1);

/*
 * What the child's fd 0, 1 or 2 is: a parent fd, or OSX_SPAWN_INHERIT,
 * OSX_SPAWN_DEVNULL, OSX_SPAWN_CLOSE.  Applied before the fd actions, with
 * the same collision rules (stdin and stdout swapped works).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_stdio(osx_spawn_attr *attr, int child_fd, int fd, osx_error *err)
	OSX_NONNULL(1);
/*
 * fd action: the child's child_fd becomes the parent's parent_fd as it is
 * at spawn time, whatever earlier actions did to that number (a source
 * that is also a target is copied out of the way first, as CPython's
 * _posixsubprocess does), inheritable.  parent_fd == child_fd keeps the fd
 * (subprocess's pass_fds).  Actions run in the order they were added.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_spawn_attr_dup(osx_spawn_attr *attr, int parent_fd, int child_fd, osx_error *err)
	OSX_NONNULL(1);
/*
 * fd action: close child_fd in the child (not an error if not open).
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_spawn_attr_close(osx_spawn_attr *attr, int child_fd, osx_error *err)
	OSX_NONNULL(1);
/*
 * fd action: open path (openat AT_FDCWD, O_CLOEXEC taken out of flags) at
 * child_fd, as posix_spawn_file_actions_addopen.  A failure names path.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_spawn_attr_open(osx_spawn_attr *attr, int child_fd, const char *path, int flags,
				unsigned mode, osx_error *err) OSX_NONNULL(1, 3);
/*
 * Close every fd >= 3 of the child that no fd action targets (default on;
 * marked CLOEXEC with close_range, Linux 5.11, or by hand before it).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_close_fds(osx_spawn_attr *attr, int on, osx_error *err)
	OSX_NONNULL(1);

/*
 * setsid() in the child (subprocess's start_new_session).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_new_session(osx_spawn_attr *attr, int on, osx_error *err)
	OSX_NONNULL(1);
/*
 * subprocess's process_group: -1 unchanged (default), 0 a group of its
 * own, > 0 join that group (setpgid).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_pgroup(osx_spawn_attr *attr, pid_t pgid, osx_error *err)
	OSX_NONNULL(1);
/*
 * The child's mask: with on (default) empty, off: the caller's.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_reset_signals(osx_spawn_attr *attr, int on, osx_error *err)
	OSX_NONNULL(1);
/*
 * subprocess's restore_signals (default on): SIGPIPE and SIGXFSZ start at
 * SIG_DFL in the child even when the parent ignores them (Python ignores
 * both at startup).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_restore_signals(osx_spawn_attr *attr, int on, osx_error *err)
	OSX_NONNULL(1);
/*
 * posix_spawnattr_setsigdefault: these n signals start at SIG_DFL in the
 * child, ignored ones included (n 0: none).  EINVAL for a number that is
 * not a signal.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_sigdefault(osx_spawn_attr *attr, const int *sigs, size_t n,
					  osx_error *err) OSX_NONNULL(1);
/*
 * posix_spawnattr_setsigmask: the child's mask is exactly these n signals
 * (overriding reset_signals).  EINVAL for a number that is not a signal.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_sigmask(osx_spawn_attr *attr, const int *sigs, size_t n,
				       osx_error *err) OSX_NONNULL(1);

/*
 * subprocess's user: the child's real, effective and saved uid
 * (setresuid); (uid_t)-1 unchanged (default).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_user(osx_spawn_attr *attr, uid_t uid, osx_error *err)
	OSX_NONNULL(1);
/*
 * subprocess's group: the child's gids (setresgid); (gid_t)-1 unchanged.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_group(osx_spawn_attr *attr, gid_t gid, osx_error *err)
	OSX_NONNULL(1);
/*
 * subprocess's extra_groups: the child's supplementary groups
 * (setgroups; n 0 clears them).  Copied.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_extra_groups(osx_spawn_attr *attr, const gid_t *groups,
					    size_t n, osx_error *err) OSX_NONNULL(1);
/*
 * subprocess's umask: the child's umask; -1 unchanged (default).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_umask(osx_spawn_attr *attr, int mask, osx_error *err)
	OSX_NONNULL(1);
/*
 * A resource limit of the child (setrlimit's RLIMIT_* resource; soft and
 * hard as numbers, OSX_RLIM_INFINITY for none).  A later call for the
 * same resource replaces the earlier one.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_rlimit(osx_spawn_attr *attr, int resource, uint64_t soft,
				      uint64_t hard, osx_error *err) OSX_NONNULL(1);
/*
 * Create the child inside the cgroup v2 directory open at dirfd,
 * atomically (clone3 CLONE_INTO_CGROUP, Linux 5.7); -1: the parent's
 * cgroup.  There is no fallback: where clone3 cannot do it the spawn fails
 * with the kernel's answer, err.call "clone3" (ENOSYS or EPERM without
 * clone3, EINVAL before 5.7, EBADF/EOPNOTSUPP for a dirfd that is not a
 * cgroup v2 directory).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_spawn_attr_set_cgroup(osx_spawn_attr *attr, int dirfd, osx_error *err)
	OSX_NONNULL(1);

/* ---- children ---- */

/* A spawned child.  pid is > 0 while the child is unreaped; a handle with
 * none (a failed spawn, a collected child, OSX_CHILD_INIT) has pid -1, and
 * any pid <= 0 (a zeroed handle) counts as none. */
typedef struct {
	pid_t pid;
	int pidfd; /* -1 where the kernel has no pidfds, and once reaped */
} osx_child;

#define OSX_CHILD_INIT { -1, -1 }

/*
 * Start a program without fork(): a CLONE_VM|CLONE_VFORK child that
 * returns once the program runs.  A failure in the child is the parent's
 * error, naming the failing step ("execve", "chdir", "dup2", "openat"...)
 * and its path; the child is then reaped.  On failure *child is
 * OSX_CHILD_INIT.
 * Safety: MT-Safe, AS-Unsafe, blocks (until the child has called execve).
 */
OSX_API int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err)
	OSX_NONNULL(1, 2);
/*
 * Wait for a spawned child (by pidfd when it has one), close its pidfd and
 * empty the handle ({ -1, -1 }: copy pid first if you need it).  ECHILD on
 * a handle with no child, and when the child is gone (SIGCHLD ignored,
 * reaped elsewhere; the handle is emptied too).  Other failures leave the
 * handle as it was.  st may be NULL.
 * Safety: MT-Unsafe (race:child), AS-Safe, blocks (until the child ends).
 */
OSX_API int osx_child_wait(osx_child *child, osx_wait_status *st, osx_error *err)
	OSX_NONNULL(1);
/*
 * Signal the child: by pidfd, or by pid only while it is still our
 * unreaped child (never a pid reaped behind the handle's back); ESRCH on
 * a handle with no child.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_child_kill(const osx_child *child, int sig, osx_error *err) OSX_NONNULL(1);

/* subprocess.run(capture_output=True, input=..., timeout=...). */
typedef struct {
	osx_wait_status status;
	char *out;       /* captured stdout, NUL terminated (free()) */
	size_t out_len;
	char *err;       /* captured stderr */
	size_t err_len;
	int timed_out;   /* killed with SIGKILL after timeout_ms */
} osx_run_result;

/*
 * Run attr's program to its end: stdin fed from input (NULL: stdin as
 * attr says), stdout and stderr captured (the pipes replace attr's stdio
 * for this run; attr is not changed).  timeout_ms < 0 means none.  A
 * timeout is not an error: the child is killed, timed_out set.  A child
 * that ended in time while a process it started holds the pipes is not
 * timed out.  Interrupted by a signal whose handler makes the
 * interruption check (osx/interrupt.h) say stop: -1 with EINTR (call
 * "poll"), the child killed and reaped.  Free res with osx_run_result_free.
 * Safety: MT-Safe, AS-Unsafe, blocks (until the child ends and its pipes close, or the timeout).
 */
OSX_API int osx_run(const osx_spawn_attr *attr, const void *input, size_t input_len,
		    int timeout_ms, osx_run_result *res, osx_error *err) OSX_NONNULL(1, 5);
/*
 * Free what osx_run captured (res stays, emptied).
 * Safety: MT-Unsafe (race:res), AS-Unsafe, non-blocking.
 */
OSX_API void osx_run_result_free(osx_run_result *res) OSX_NONNULL(1);

/*
 * os.system (C's system()): /bin/sh -c command; returns the raw wait
 * status.  While the command runs the caller ignores SIGINT and SIGQUIT
 * (a Ctrl-C stops the command, not the program waiting for it) and blocks
 * SIGCHLD; the command starts with the dispositions the caller had.
 * Safety: MT-Safe, AS-Unsafe, blocks (until the command ends).
 */
OSX_API int osx_system(const char *command, osx_error *err) OSX_NONNULL(1);

/*
 * Waiting with a deadline, stopping gracefully, and waiting on many
 * children (docs/proc.md).  A collected child's handle becomes {pid -1,
 * pidfd -1}: its pidfd is closed, and the handle names no process any more.
 * All of these wait by pidfd where the child has one; a child without one
 * (pidfd -1: no pidfds in the kernel, before 5.3, or under valgrind) is
 * waited by pid, which stays its own until it is collected.
 */

/*
 * Wait for a child at most timeout_ms milliseconds and collect it, as
 * osx_child_wait does.  timeout_ms < 0: no limit; 0: only collect a child
 * that has already ended (say, once its pidfd has polled readable).
 * Returns 0 with *st (may be NULL) filled once the child has ended and been
 * collected.  When the time is up: -1 with ETIMEDOUT (err.call "poll"), the
 * child untouched and collectable by a later wait; the same when the
 * interruption check (osx/interrupt.h) ended the wait with EINTR.  ECHILD for a handle with no child (pid <= 0) and for
 * a child something else has reaped (SIGCHLD ignored, a waitpid(-1)
 * elsewhere), whose handle is then released.  Without a pidfd a limited
 * wait polls waitid(WNOHANG) every 1 to 16 ms (the interval doubling) and
 * uses no signal.
 * Safety: MT-Unsafe (race:child), AS-Safe, blocks (until the child ends or the time is up).
 */
OSX_API int osx_child_wait_timeout(osx_child *child, osx_wait_status *st, int timeout_ms,
				   osx_error *err) OSX_NONNULL(1);

/* osx_child_stop flags: signal the child's whole process group (the child
 * must lead it: osx_spawn_attr_set_pgroup 0 or set_new_session), not only the child. */
#define OSX_STOP_GROUP 0x1u

/*
 * Stop a child gracefully and collect it: SIGTERM, up to grace_ms
 * milliseconds (< 0: no limit) for it to end, then SIGKILL, then wait.  The
 * child is signalled through its pidfd where it has one.  With OSX_STOP_GROUP the signals go
 * to its process group (kill(-pid)), and the group gets the SIGKILL once the
 * grace is over or the child has ended, whichever is first, so no member
 * outlives it; the child is collected only after that, so its pid (the
 * group's id) cannot have been reused.  Returns 0 when the child ended
 * within the grace period, 1 when it had to be killed, -1 on failure, with
 * *st (may be NULL) filled on success.  A child that has already ended is
 * just collected (0).  EINTR (the interruption check) leaves the child
 * collectable, maybe still running.  ESRCH for a handle with no child, and
 * from OSX_STOP_GROUP when the child leads no group.
 * Safety: MT-Unsafe (race:child), AS-Safe, blocks (until the child ends).
 */
OSX_API int osx_child_stop(osx_child *child, int grace_ms, unsigned flags,
			   osx_wait_status *st, osx_error *err) OSX_NONNULL(1);

/* A set of children to wait on together (opaque). */
typedef struct osx_waitset osx_waitset;

/*
 * A new, empty wait set, or NULL with err.  It holds an epoll fd (CLOEXEC)
 * that the children's pidfds are registered in.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_waitset *osx_waitset_new(osx_error *err);

/*
 * Free the set.  Its members are not waited for: they stay the caller's,
 * collectable with osx_child_wait.  NULL is a no-op; errno is kept.
 * Safety: MT-Unsafe (race:ws), AS-Unsafe, non-blocking.
 */
OSX_API void osx_waitset_free(osx_waitset *ws);

/*
 * Add a child: the set keeps the pointer (not a copy), which must stay
 * valid while the child is a member, and is what osx_waitset_wait returns.
 * While it is a member, collect it only through the set (or remove it
 * first), and do not close its pidfd.  EEXIST when it is a member already;
 * ECHILD for a handle with no child (pid <= 0).
 * Safety: MT-Unsafe (race:ws), AS-Unsafe, non-blocking.
 */
OSX_API int osx_waitset_add(osx_waitset *ws, osx_child *child, osx_error *err)
	OSX_NONNULL(1, 2);

/*
 * Take a child out of the set without waiting for it (ENOENT when it is no
 * member).
 * Safety: MT-Unsafe (race:ws), AS-Safe, non-blocking.
 */
OSX_API int osx_waitset_remove(osx_waitset *ws, osx_child *child, osx_error *err)
	OSX_NONNULL(1, 2);

/* The number of children in the set.
 * Safety: MT-Safe, AS-Safe, non-blocking. */
OSX_API size_t osx_waitset_count(const osx_waitset *ws) OSX_NONNULL(1);

/*
 * Wait until a member ends, at most timeout_ms milliseconds (< 0: no limit;
 * 0: only collect one that has already ended), and collect it: it leaves
 * the set, *ended is set to it (its handle now {pid -1, pidfd -1}) and *st
 * (may be NULL) to its status.  Returns 0; one ended child per call.  Only
 * the members are waited for: never a child outside the set, so no other
 * part of the program has its children taken (as by waitpid(-1)), and no
 * member ever stays a zombie once it is reported.  ECHILD at once for an
 * empty set; ETIMEDOUT (err.call "epoll_wait") when the time is up; EINTR
 * when the interruption check ended the wait (members untouched).  A
 * member something else reaped: ECHILD with *ended set to it, removed and
 * released.  On any other failure *ended is NULL.  Members without a
 * pidfd are polled with waitid(WNOHANG) every 1 to 16 ms while the call
 * waits, members with one wake it at once.
 * Safety: MT-Unsafe (race:ws), AS-Safe, blocks (until a member ends or the time is up).
 */
OSX_API int osx_waitset_wait(osx_waitset *ws, int timeout_ms, osx_child **ended,
			     osx_wait_status *st, osx_error *err) OSX_NONNULL(1, 3);

/*
 * The set's epoll fd, for an event loop: it polls readable (POLLIN) when a
 * member with a pidfd has ended; then call osx_waitset_wait(ws, 0, ...)
 * until it says ETIMEDOUT.  Members without a pidfd never make it readable:
 * with such members call osx_waitset_wait(ws, 0, ...) on a timer too.  (A
 * single child's pidfd works the same way with osx_child_wait_timeout(child,
 * st, 0, err).)  Owned by the set: do not close it.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_waitset_fd(const osx_waitset *ws) OSX_NONNULL(1);

OSX_END_DECLS

#endif
