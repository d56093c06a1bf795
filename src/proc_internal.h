/* What proc.c and proc_wait.c (exec and wait) give the rest of the process
 * area. */
#ifndef OSX_PROC_INTERNAL_H
#define OSX_PROC_INTERNAL_H

#include <limits.h>
#include <signal.h>

#include <osx/proc.h>

#define OSX__PATH_BUF (PATH_MAX + 1)

/* execvp's search, with the candidate built in buf (the caller's stack, so
 * it is usable in a CLONE_VM child): returns only on failure, with the
 * errno to report.  Async-signal-safe: only execve and byte copies. */
int osx__exec_search(const char *file, const char *path, char *const argv[],
		     char *const envp[], char buf[OSX__PATH_BUF]);

/* Fill st from a waitid result; 0 when si holds no status. */
int osx__siginfo_decode(const siginfo_t *si, osx_wait_status *st);

/* proc_wait.c.  After a failure: reap the pid (one wait, which blocks
 * until the child ends), close the pidfd and leave the handle empty
 * ({ -1, -1 }).  Nothing is reported: the caller has its failure already. */
void osx__child_reap(osx_child *ch);

/* proc_wait.c.  Has the child ended (a zombie, not yet reaped)?  Errors
 * count as no. */
int osx__child_exited(osx_child *ch);

#endif
