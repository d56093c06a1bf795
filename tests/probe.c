/* The behaviour probes of tests/probe.h. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#if defined(__SANITIZE_THREAD__)
#define PROBE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROBE_TSAN 1
#endif
#endif

/* The probe child's stack (it only stores one int and returns). */
static _Alignas(16) char probe_stack[64 * 1024];

static int probe_child(void *arg)
{
	*(volatile int *)arg = 1;
	return 0;
}

int osx_test_vfork_shares_memory(void)
{
	static int known = -1;
	volatile int seen = 0;
	pid_t pid;

	if (known >= 0)
		return known;
#ifdef PROBE_TSAN
	/* ThreadSanitizer runs on the machine's kernel, and its clone()
	 * interceptor aborts on a CLONE_VM child that is not a thread. */
	return known = 1;
#endif
	pid = clone(probe_child, probe_stack + sizeof(probe_stack),
		    CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)&seen);
	if (pid < 0)
		return 1; /* no answer: assume the kernel's behaviour */
	/* Where the clone was a fork, the child may still run: wait for it
	 * (ECHILD where SIGCHLD is ignored: it reaped itself). */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	known = seen;
	return known;
}

int osx_test_has_subreaper(void)
{
	static int known = -1;
	int was = 0;

	if (known < 0)
		known = prctl(PR_GET_CHILD_SUBREAPER, &was) == 0 &&
			prctl(PR_SET_CHILD_SUBREAPER, was) == 0;
	return known;
}
