/* libosx processes: fork/exec/wait, pidfds, and a vfork-style spawn. */
#ifndef OSX_PROC_H
#define OSX_PROC_H

#include <signal.h>
#include <stddef.h>
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

/* Decode a raw wait(2) status into *st.  As the W* macros do, with
 * Python's os.waitstatus_to_exitcode in returncode.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API void osx_wait_status_decode(int raw, osx_wait_status *st);

/* Create a child process, os.fork.  fork(2) through libc, so pthread_atfork
 * handlers run.  Returns the child's pid in the parent, 0 in the child, -1
 * on failure.  The child of a multithreaded parent may only call AS-Safe
 * functions until it execs or exits.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API pid_t osx_fork(osx_error *err);
/* Run the program at path in place of this one, os.execv.  It gets the
 * current environment.  Returns only on failure (-1).
 * Safety: MT-Safe, AS-Safe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execv(const char *path, char *const argv[], osx_error *err);
/* Run the program at path in place of this one, os.execve.  It gets the
 * environment envp.  Returns only on failure (-1).
 * Safety: MT-Safe, AS-Safe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execve(const char *path, char *const argv[], char *const envp[],
		       osx_error *err);
/* Run file, found on PATH, in place of this one, os.execvp.  PATH
 * search like execvp: a name with a '/' is used as is; empty PATH
 * entries mean the current directory; PATH unset means "/bin:/usr/bin".
 * ENOEXEC is reported, never retried with /bin/sh (posix_spawnp and
 * subprocess behave the same).  EACCES is reported when some candidate
 * was not executable and none succeeded.  Returns only on failure (-1).
 * Safety: MT-Safe, AS-Unsafe, blocks (on loading the program: filesystem I/O).
 */
OSX_API int osx_execvp(const char *file, char *const argv[], osx_error *err);

/* Wait for a child, os.waitpid, and decode its status into *st (may be
 * NULL).  Returns the pid (0 with WNOHANG and nothing to report) or -1.
 * Safety: MT-Safe, AS-Safe, blocks (until a child changes state, unless WNOHANG).
 */
OSX_API pid_t osx_waitpid(pid_t pid, osx_wait_status *st, int options, osx_error *err);
/* Wait on a pidfd (waitid P_PIDFD, WEXITED added): immune to pid reuse.
 * Decodes the status into *st.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, blocks (until the child changes state, unless WNOHANG).
 */
OSX_API int osx_pidfd_wait(int pidfd, osx_wait_status *st, int options, osx_error *err);
/* Send signal sig to process (or group) pid, os.kill.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_kill(pid_t pid, int sig, osx_error *err);
/* The calling process's id, os.getpid.  Never fails.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API pid_t osx_getpid(void);
/* The parent process's id, os.getppid.  Never fails.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API pid_t osx_getppid(void);
/* End the process now with status, os._exit.  No atexit handlers, no stdio
 * flush.  Does not return.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API OSX_NORETURN void osx_exit_now(int status);
/* A pidfd for process pid, os.pidfd_open (O_CLOEXEC).  Returns the fd or
 * -1 (ENOSYS before Linux 5.3).
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_pidfd_open(pid_t pid, unsigned flags, osx_error *err);
/* Send signal sig to the process of pidfd, signal.pidfd_send_signal.
 * Immune to pid reuse.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_pidfd_send_signal(int pidfd, int sig, osx_error *err);

/* The number of online CPUs, os.cpu_count() (sysconf).  Returns >= 1, or
 * -1 with err.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_cpu_count(osx_error *err);
/* The number of CPUs this process may run on, os.process_cpu_count().
 * From sched_getaffinity.  Returns >= 1, or -1 with err.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API int osx_process_cpu_count(osx_error *err);

/* Special values for osx_spawn_attr.fd[]: */
#define OSX_SPAWN_INHERIT (-1) /* keep the parent's fd */
#define OSX_SPAWN_DEVNULL (-2) /* /dev/null */
#define OSX_SPAWN_CLOSE   (-3) /* closed in the child */

typedef struct {
	char *const *argv;     /* argv[0] is the program */
	char *const *envp;     /* NULL: the parent's environ, read only */
	const char *cwd;       /* NULL: unchanged */
	int search_path;       /* osx_execvp semantics for argv[0] */
	int fd[3];             /* stdin/out/err: an fd to dup2 there or OSX_SPAWN_* */
	const int *pass_fds;   /* kept open (fds >= 3); all others >= 3 closed */
	size_t n_pass_fds;
	int close_fds;         /* close every fd >= 3 not in pass_fds (default 1) */
	int new_session;       /* setsid() */
	int pgroup;            /* -1: unchanged, 0: own group, > 0: join it */
	int reset_signals;     /* handlers to default and an empty mask (default 1) */
	/* posix_spawnattr_setsigdefault: these signals start at SIG_DFL in the
	 * child, ignored ones included (NULL: none). */
	const sigset_t *sigdefault;
	/* posix_spawnattr_setsigmask: the child's mask (NULL: reset_signals
	 * decides: empty, or the caller's). */
	const sigset_t *sigmask;
} osx_spawn_attr;

/* Fill attr with the defaults.  Every field 0 or NULL but fd[] (all
 * OSX_SPAWN_INHERIT), close_fds 1, pgroup -1 and reset_signals 1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API void osx_spawn_attr_init(osx_spawn_attr *attr);

typedef struct {
	pid_t pid;
	int pidfd; /* -1 where the kernel has no pidfds */
} osx_child;

/* Start a program without fork().  The parent's error names the failing
 * step of the child ("execve", "chdir", "dup2"...) and its path.  Fills
 * *child and returns 0, or -1 (no child left behind).
 * Safety: MT-Safe, AS-Unsafe, blocks (until the child has exec'd or failed).
 */
OSX_API int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err);
/* Wait for a spawned child (by pidfd when it has one) and close its pidfd.
 * Decodes the status into *st.  Returns 0 or -1.
 * Safety: MT-Unsafe (race:child), AS-Safe, blocks (until the child exits).
 */
OSX_API int osx_child_wait(osx_child *child, osx_wait_status *st, osx_error *err);
/* Send signal sig to a spawned child.  By pidfd when it has one: immune
 * to pid reuse.  Returns 0 or -1.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_child_kill(const osx_child *child, int sig, osx_error *err);

/* subprocess.run(capture_output=True, input=..., timeout=...). */
typedef struct {
	osx_wait_status status;
	char *out;       /* captured stdout, NUL terminated (free()) */
	size_t out_len;
	char *err;       /* captured stderr */
	size_t err_len;
	int timed_out;   /* killed with SIGKILL after timeout_ms */
} osx_run_result;

/* Run a program to the end with its output captured, subprocess.run.
 * attr's fd[] are replaced with pipes; input may be NULL; timeout_ms < 0
 * means none.  A timeout is not an error: timed_out is set.  Returns 0
 * with *res filled (osx_run_result_free() it), or -1.
 * Safety: MT-Safe, AS-Unsafe, blocks (until the child exits or the timeout).
 */
OSX_API int osx_run(const osx_spawn_attr *attr, const void *input, size_t input_len,
		    int timeout_ms, osx_run_result *res, osx_error *err);
/* Free the captured output of res (res itself is the caller's).
 * Safety: MT-Unsafe (race:res), AS-Unsafe, non-blocking.
 */
OSX_API void osx_run_result_free(osx_run_result *res);

/* Run command with /bin/sh -c, os.system (C's system()).  Returns the
 * raw wait status.  While the command runs the caller ignores SIGINT and
 * SIGQUIT (a Ctrl-C stops the command, not the program waiting for it) and
 * blocks SIGCHLD; the command starts with the dispositions the caller had.
 * Safety: MT-Safe, AS-Unsafe, blocks (until the command exits).
 */
OSX_API int osx_system(const char *command, osx_error *err);

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
 * must lead it: attr.pgroup = 0 or new_session), not only the child. */
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
