/* The interruption check the shim consults after each EINTR (interrupt.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include <osx/interrupt.h>

#include "shim.h"

/* One pointer each, so a reader never sees the check of one installation
 * with the argument of another; loads and stores of it are lock-free, and
 * so usable in a signal handler. */
static _Atomic(const osx_interrupt *) process_check;
static _Thread_local const osx_interrupt *thread_check;

const osx_interrupt *osx_interrupt_set(const osx_interrupt *check)
{
	return atomic_exchange_explicit(&process_check, check, memory_order_acq_rel);
}

const osx_interrupt *osx_interrupt_set_thread(const osx_interrupt *check)
{
	const osx_interrupt *old = thread_check;

	thread_check = check;
	return old;
}

int osx__interrupted(void)
{
	const osx_interrupt *c = thread_check;
	int e = errno, stop;

	if (!c)
		c = atomic_load_explicit(&process_check, memory_order_acquire);
	if (!c || !c->check)
		return 0;
	stop = c->check(c->arg) != 0;
	errno = e; /* the shim still reads it: RETRY looks at errno */
	return stop;
}
