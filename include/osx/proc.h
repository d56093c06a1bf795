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

/* Decode a raw wait(2) status. */
OSX_API void osx_wait_status_decode(int raw, osx_wait_status *st);

OSX_API pid_t osx_fork(osx_error *err);
/* The exec family returns only on failure (-1). */
OSX_API int osx_execv(const char *path, char *const argv[], osx_error *err);
OSX_API int osx_execve(const char *path, char *const argv[], char *const envp[],
		       osx_error *err);
/* PATH search like execvp: a name with a '/' is used as is; empty PATH
 * entries mean the current directory; PATH unset means "/bin:/usr/bin".
 * ENOEXEC is reported, never retried with /bin/sh (posix_spawnp and
 * subprocess behave the same).  EACCES is reported when some candidate
 * was not executable and none succeeded. */
OSX_API int osx_execvp(const char *file, char *const argv[], osx_error *err);

/* waitpid: returns the pid (0 with WNOHANG and nothing to report). */
OSX_API pid_t osx_waitpid(pid_t pid, osx_wait_status *st, int options, osx_error *err);
/* Wait on a pidfd (waitid P_PIDFD, WEXITED added): immune to pid reuse.
 * Returns the child's pid when a status was collected, 0 with WNOHANG when
 * there is nothing to report yet (st zeroed), -1 on error (ECHILD once
 * reaped). */
OSX_API int osx_pidfd_wait(int pidfd, osx_wait_status *st, int options, osx_error *err);
OSX_API int osx_kill(pid_t pid, int sig, osx_error *err);
OSX_API pid_t osx_getpid(void);
OSX_API pid_t osx_getppid(void);
OSX_API OSX_NORETURN void osx_exit_now(int status);
OSX_API int osx_pidfd_open(pid_t pid, unsigned flags, osx_error *err);
OSX_API int osx_pidfd_send_signal(int pidfd, int sig, osx_error *err);

/* os.cpu_count(): online CPUs; os.process_cpu_count(): CPUs this process
 * may run on.  Both return >= 1, or -1 with err. */
OSX_API int osx_cpu_count(osx_error *err);
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

OSX_API void osx_spawn_attr_init(osx_spawn_attr *attr);

/* A spawned child.  pid is > 0 while the child is unreaped and 0 when the
 * handle has none (a failed spawn, a reaped child, OSX_CHILD_INIT). */
typedef struct {
	pid_t pid;
	int pidfd; /* -1 where the kernel has no pidfds, and once reaped */
} osx_child;

#define OSX_CHILD_INIT { 0, -1 }

/* Start a program without fork(): the parent's error names the failing
 * step of the child ("execve", "chdir", "dup2"...) and its path. */
OSX_API int osx_spawn(const osx_spawn_attr *attr, osx_child *child, osx_error *err);
/* Wait for a spawned child (by pidfd when it has one), close its pidfd and
 * empty the handle ({ 0, -1 }); ECHILD on a handle with no child, and when
 * the child is gone (the handle is emptied too). */
OSX_API int osx_child_wait(osx_child *child, osx_wait_status *st, osx_error *err);
/* Signal the child: by pidfd, or by pid only while it is still our
 * unreaped child; ESRCH on a handle with no child. */
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

/* attr's fd[] are replaced with pipes; input may be NULL; timeout_ms < 0
 * means none.  A timeout is not an error: timed_out is set. */
OSX_API int osx_run(const osx_spawn_attr *attr, const void *input, size_t input_len,
		    int timeout_ms, osx_run_result *res, osx_error *err);
OSX_API void osx_run_result_free(osx_run_result *res);

/* os.system (C's system()): /bin/sh -c command; returns the raw wait
 * status.  While the command runs the caller ignores SIGINT and SIGQUIT
 * (a Ctrl-C stops the command, not the program waiting for it) and blocks
 * SIGCHLD; the command starts with the dispositions the caller had. */
OSX_API int osx_system(const char *command, osx_error *err);

OSX_END_DECLS

#endif
