/*
 * Processes, the exec/wait piece: the thin layer over fork/exec/wait/kill,
 * the PATH search and the CPU counts; proc_wait.c has the child handle's
 * waits and signals.  spawn.c creates children, run.c runs them to the end
 * (osx_run, osx_system); both build on these two, which need neither.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <osx/proc.h>

#include "env_internal.h"
#include "fail.h"
#include "proc_internal.h"
#include "shim.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

void osx_wait_status_decode(int raw, osx_wait_status *st)
{
	if (!st) {
		errno = EINVAL;
		return;
	}
	memset(st, 0, sizeof(*st));
	if (WIFEXITED(raw)) {
		st->exited = 1;
		st->code = WEXITSTATUS(raw);
		st->returncode = st->code;
	} else if (WIFSIGNALED(raw)) {
		st->signaled = 1;
		st->signal = WTERMSIG(raw);
		st->core_dumped = WCOREDUMP(raw) != 0;
		st->returncode = -st->signal;
	} else if (WIFSTOPPED(raw)) {
		st->stopped = 1;
		st->signal = WSTOPSIG(raw);
	} else if (WIFCONTINUED(raw)) {
		st->continued = 1;
	}
}

pid_t osx_fork(osx_error *err)
{
	pid_t r = osx__sys_fork();

	if (r < 0)
		return osx_error_set(err, -r, "fork", NULL, NULL);
	return r;
}

int osx__exec_search(const char *file, const char *path, char *const argv[],
		     char *const envp[], char buf[OSX__PATH_BUF])
{
	size_t flen = strlen(file);
	int first = 0, e = ENOENT;

	if (flen == 0)
		return ENOENT;
	if (strchr(file, '/'))
		return -osx__sys_execve(file, argv, envp);
	if (!path)
		path = "/bin:/usr/bin";
	/* As _posixsubprocess: every entry is tried, and the first error that
	 * is not ENOENT or ENOTDIR is the one reported (a candidate was found
	 * but would not run: EACCES, ENOEXEC...), the last one otherwise. */
	for (;;) {
		const char *end = strchrnul(path, ':');
		size_t dlen = (size_t)(end - path), n = dlen;

		if (dlen + 1 + flen + 1 > OSX__PATH_BUF) {
			e = ENAMETOOLONG;
		} else {
			/* An empty entry is the current directory. */
			memcpy(buf, path, dlen);
			if (dlen)
				buf[n++] = '/';
			memcpy(buf + n, file, flen + 1);
			e = -osx__sys_execve(buf, argv, envp);
		}
		if (e != ENOENT && e != ENOTDIR && first == 0)
			first = e;
		if (!*end)
			break;
		path = end + 1;
	}
	return first ? first : e;
}

int osx_execve(const char *path, char *const argv[], char *const envp[], osx_error *err)
{
	int r;

	if (!path || !argv || !envp)
		return osx_error_set(err, EINVAL, "execve", NULL, NULL);
	r = osx__sys_execve(path, argv, envp);
	return osx_error_set(err, -r, "execve", path, NULL);
}

/* The environment lock is held across the execve: on success the process
 * image (and every other thread) is gone; until then no osx_setenv can
 * move environ under the kernel's copy of it. */
int osx_execv(const char *path, char *const argv[], osx_error *err)
{
	int r;

	if (!path || !argv)
		return osx_error_set(err, EINVAL, "execve", NULL, NULL);
	osx__env_lock();
	r = osx__sys_execve(path, argv, environ);
	osx__env_unlock();
	return osx_error_set(err, -r, "execve", path, NULL);
}

int osx_execvp(const char *file, char *const argv[], osx_error *err)
{
	char buf[OSX__PATH_BUF];
	size_t len;
	const char *path;
	int e;

	if (!file || !argv)
		return osx_error_set(err, EINVAL, "execve", NULL, NULL);
	osx__env_lock();
	path = osx__env_lookup(NULL, "PATH", 4, &len);
	e = osx__exec_search(file, path, argv, environ, buf);
	osx__env_unlock();
	return osx_error_set(err, e, "execve", file, NULL);
}

pid_t osx_waitpid(pid_t pid, osx_wait_status *st, int options, osx_error *err)
{
	int raw = 0;
	pid_t r = osx__sys_wait4(pid, &raw, options, NULL);

	if (r < 0)
		return osx_error_set(err, -r, "wait4", NULL, NULL);
	if (r > 0 && st)
		osx_wait_status_decode(raw, st);
	else if (st)
		memset(st, 0, sizeof(*st));
	return r;
}

int osx__siginfo_decode(const siginfo_t *si, osx_wait_status *st)
{
	memset(st, 0, sizeof(*st));
	switch (si->si_code) {
	case CLD_EXITED:
		st->exited = 1;
		st->code = si->si_status;
		st->returncode = st->code;
		break;
	case CLD_KILLED:
	case CLD_DUMPED:
		st->signaled = 1;
		st->signal = si->si_status;
		st->core_dumped = si->si_code == CLD_DUMPED;
		st->returncode = -st->signal;
		break;
	case CLD_STOPPED:
	case CLD_TRAPPED:
		st->stopped = 1;
		st->signal = si->si_status;
		break;
	case CLD_CONTINUED:
		st->continued = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

int osx_pidfd_wait(int pidfd, osx_wait_status *st, int options, osx_error *err)
{
	siginfo_t si;
	osx_wait_status tmp;
	int r;

	memset(&si, 0, sizeof(si));
	r = osx__sys_waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, options | WEXITED);
	if (r < 0)
		return osx_error_set(err, -r, "waitid", NULL, NULL);
	/* WNOHANG with nothing to report leaves si_pid 0. */
	if (si.si_pid == 0) {
		if (st)
			memset(st, 0, sizeof(*st));
		return 0;
	}
	osx__siginfo_decode(&si, st ? st : &tmp);
	return si.si_pid;
}

int osx_kill(pid_t pid, int sig, osx_error *err)
{
	int r = osx__sys_kill(pid, sig);

	return r < 0 ? osx_error_set(err, -r, "kill", NULL, NULL) : 0;
}

pid_t osx_getpid(void)
{
	return osx__sys_getpid();
}

pid_t osx_getppid(void)
{
	return osx__sys_getppid();
}

_Noreturn void osx_exit_now(int status)
{
	osx__sys_exit(status);
}

int osx_pidfd_open(pid_t pid, unsigned flags, osx_error *err)
{
	int r = osx__sys_pidfd_open(pid, flags);

	return r < 0 ? osx_error_set(err, -r, "pidfd_open", NULL, NULL) : r;
}

int osx_pidfd_send_signal(int pidfd, int sig, osx_error *err)
{
	int r = osx__sys_pidfd_send_signal(pidfd, sig, NULL, 0);

	return r < 0 ? osx_error_set(err, -r, "pidfd_send_signal", NULL, NULL) : 0;
}

int osx_cpu_count(osx_error *err)
{
	/* sysconf reads /sys/devices/system/cpu/online; it cannot fail on Linux
	 * short of a broken /sys, where it falls back to its own count. */
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return osx_error_set(err, ENOSYS, "sysconf", NULL, NULL);
	return (int)n;
}

int osx_process_cpu_count(osx_error *err)
{
	/* The kernel refuses a mask smaller than its nr_cpu_ids with EINVAL:
	 * grow until it fits, for machines with more than 1024 CPUs. */
	size_t ncpus = 1024;

	for (;;) {
		size_t size = CPU_ALLOC_SIZE(ncpus);
		cpu_set_t *set = osx__malloc(size);
		int r, n;

		if (!set)
			return osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
		r = osx__sys_sched_getaffinity(0, size, set);
		n = r < 0 ? 0 : CPU_COUNT_S(size, set);
		free(set);
		if (r == -EINVAL && ncpus < (1u << 20)) {
			ncpus *= 2;
			continue;
		}
		if (r < 0)
			return osx_error_set(err, -r, "sched_getaffinity", NULL, NULL);
		return n;
	}
}
