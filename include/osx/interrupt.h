/*
 * libosx: interruptible blocking calls (what PEP 475 gives Python).
 *
 * The library retries a system call that a signal handler interrupted
 * (EINTR), so a stray signal never makes a read, a lock or a wait fail.
 * But then a handler that only sets a "stop" flag can never end a call that
 * is blocked for good.  Python runs its handlers before each retry and stops
 * when one raises; the C counterpart is a check the caller installs: after
 * each EINTR the library calls it, and a non-zero answer ends the call with
 * EINTR in the error struct (err.call names the interrupted system call).
 * A zero answer retries, as if no check were installed.
 *
 *     static volatile sig_atomic_t stop;
 *     static void on_term(int sig) { (void)sig; stop = 1; }
 *     static int stop_requested(void *arg) { (void)arg; return stop; }
 *     static const osx_interrupt check = { stop_requested, NULL };
 *
 *     osx_interrupt_set(&check);  // and install on_term WITHOUT SA_RESTART
 *
 * Only an EINTR the kernel returns reaches the check: install the handler
 * without SA_RESTART, or the kernel restarts most calls itself.  The signal
 * interrupts the thread it is delivered to, so block it in the threads
 * that should not see it (or direct it with pthread_kill).  Which calls can
 * block, and so end with EINTR: docs/interrupt.md.
 */
#ifndef OSX_INTERRUPT_H
#define OSX_INTERRUPT_H

#include <osx/common.h>

OSX_BEGIN_DECLS

/*
 * An interruption check.  check(arg) runs in the interrupted thread, inside
 * the library call that was interrupted (which may itself run in a signal
 * handler): keep it to reading flags.  errno is restored after it.  A NULL
 * check never ends a call: a thread installs { NULL, NULL } to opt out of
 * the process-wide check.
 */
typedef struct osx_interrupt {
	int (*check)(void *arg); /* non-zero: end the interrupted call with EINTR */
	void *arg;
} osx_interrupt;

/*
 * Install check as the process-wide interruption check (NULL: none, every
 * EINTR retried).  The library keeps the pointer, not a copy: *check must
 * stay valid while installed and while a call that read it may still run
 * (static storage is simplest).  A thread's own check (below) takes
 * precedence in that thread.  Returns the previous check, to put it back.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API const osx_interrupt *osx_interrupt_set(const osx_interrupt *check);

/*
 * Install check for the calling thread only (NULL: none, the process-wide
 * check applies in this thread again).  Same lifetime rule as
 * osx_interrupt_set.  Returns the thread's previous check.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API const osx_interrupt *osx_interrupt_set_thread(const osx_interrupt *check);

OSX_END_DECLS

#endif
