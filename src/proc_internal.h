/* Shared between proc.c and spawn.c. */
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

int osx__siginfo_decode(const siginfo_t *si, osx_wait_status *st);

#endif
